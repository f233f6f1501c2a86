// SPDX-License-Identifier: GPL-2.0
/*
 * dm-mirrorx peer authentication.
 *
 * With the "auth <key description>" option, both ends hold the same secret
 * (a logon or user key, as dm-crypt names keys). Before any other packet,
 * each end sends MX_AUTH_NONCE_LEN random bytes and answers the other's
 * challenge with HMAC-SHA256(secret, challenge || role). The role byte
 * keeps an attacker from reflecting one end's answer back to it. A peer
 * that fails is dropped before it learns anything about the mirror.
 */
#include <linux/module.h>
#include <linux/key.h>
#include <linux/random.h>
#include <linux/string.h>
#include <crypto/hash.h>
#include <crypto/algapi.h>
#include <keys/user-type.h>
#include "auth.h"
#include "transport.h"

static int mx_auth_copy(struct key *key, struct mx_auth_secret *s)
{
	const struct user_key_payload *up;
	int r = 0;

	down_read(&key->sem);
	up = user_key_payload_locked(key);
	if (!up) {
		r = -EKEYREVOKED;
	} else if (!up->datalen || up->datalen > MX_AUTH_SECRET_MAX) {
		r = -EINVAL;
	} else {
		s->len = up->datalen;
		memcpy(s->data, up->data, up->datalen);
	}
	up_read(&key->sem);
	return r;
}

int mx_auth_load(const char *desc, struct mx_auth_secret *s, char **err)
{
	struct key *key;
	int r;

	key = request_key(&key_type_logon, desc, NULL);
	if (IS_ERR(key))
		key = request_key(&key_type_user, desc, NULL);
	if (IS_ERR(key)) {
		*err = "Cannot find the auth key in the keyring";
		return PTR_ERR(key);
	}
	r = mx_auth_copy(key, s);
	key_put(key);
	if (r)
		*err = "Auth key is revoked, empty or longer than 256 bytes";
	return r;
}

void mx_auth_wipe(struct mx_auth_secret *s)
{
	memzero_explicit(s, sizeof(*s));
}

int mx_auth_mac(const struct mx_auth_secret *s, const u8 *nonce, u32 role,
		u8 *mac)
{
	struct crypto_shash *tfm;
	u8 msg[MX_AUTH_NONCE_LEN + 1];
	int r;

	tfm = crypto_alloc_shash("hmac(sha256)", 0, 0);
	if (IS_ERR(tfm))
		return PTR_ERR(tfm);
	r = crypto_shash_setkey(tfm, s->data, s->len);
	if (!r) {
		memcpy(msg, nonce, MX_AUTH_NONCE_LEN);
		msg[MX_AUTH_NONCE_LEN] = role;
		r = crypto_shash_tfm_digest(tfm, msg, sizeof(msg), mac);
	}
	crypto_free_shash(tfm);
	return r;
}

static int mx_auth_recv(struct socket *sock, u16 type, void *buf, u32 len,
			u64 dev_sectors, const char **err)
{
	struct mx_hdr h;
	int r;

	r = mx_recv_hdr(sock, &h, dev_sectors, err);
	if (r)
		return r;
	if (h.type != type || h.length != len) {
		*err = type == MX_P_AUTH_CHALLENGE ?
		       "peer did not start authentication (auth on one side only?)" :
		       "peer did not answer the challenge";
		return -EACCES;
	}
	return mx_recv_buf(sock, buf, len);
}

int mx_auth_exchange(struct socket *sock, const struct mx_auth_secret *s,
		     u32 role, u64 dev_sectors, const char **err)
{
	u32 peer_role = role == MX_ROLE_SOURCE ? MX_ROLE_TARGET :
						 MX_ROLE_SOURCE;
	u8 mine[MX_AUTH_NONCE_LEN], theirs[MX_AUTH_NONCE_LEN];
	u8 mac[MX_AUTH_MAC_LEN], want[MX_AUTH_MAC_LEN];
	struct mx_hdr h = { .type = MX_P_AUTH_CHALLENGE,
			    .length = MX_AUTH_NONCE_LEN };
	int r;

	*err = NULL;
	get_random_bytes(mine, sizeof(mine));
	r = mx_send_hdr(sock, &h, mine, false);
	if (r)
		return r;
	r = mx_auth_recv(sock, MX_P_AUTH_CHALLENGE, theirs, sizeof(theirs),
			 dev_sectors, err);
	if (r)
		return r;
	r = mx_auth_mac(s, theirs, role, mac);
	if (r) {
		*err = "cannot compute HMAC-SHA256";
		return r;
	}
	h = (struct mx_hdr){ .type = MX_P_AUTH_RESPONSE,
			     .length = MX_AUTH_MAC_LEN };
	r = mx_send_hdr(sock, &h, mac, false);
	if (r)
		return r;
	r = mx_auth_recv(sock, MX_P_AUTH_RESPONSE, mac, sizeof(mac),
			 dev_sectors, err);
	if (r)
		return r;
	r = mx_auth_mac(s, mine, peer_role, want);
	if (r) {
		*err = "cannot compute HMAC-SHA256";
		return r;
	}
	if (crypto_memneq(mac, want, sizeof(mac))) {
		*err = "peer does not know the secret";
		r = -EACCES;
	}
	memzero_explicit(want, sizeof(want));
	return r;
}
