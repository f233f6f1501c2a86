/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Peer authentication (auth.c): a shared secret from the kernel keyring
 * and a mutual HMAC-SHA256 challenge-response run before the handshake.
 */
#ifndef DM_MIRRORX_AUTH_H
#define DM_MIRRORX_AUTH_H

#include <linux/net.h>
#include <linux/types.h>

#define MX_AUTH_SECRET_MAX	256

struct mx_auth_secret {
	u32 len;
	u8 data[MX_AUTH_SECRET_MAX];
};

/*
 * Copy the payload of the "logon" (else "user") key @desc into @s. Called
 * from the constructor, in the context of the process loading the table,
 * whose keyrings are searched. Returns 0 or a negative errno, *@err set.
 */
int mx_auth_load(const char *desc, struct mx_auth_secret *s, char **err);
void mx_auth_wipe(struct mx_auth_secret *s);

/*
 * Both ends call this first on a new connection: each sends a random
 * challenge, answers the other's with HMAC(secret, challenge || its role)
 * and checks the answer to its own. Returns 0, -EACCES when the peer does
 * not know the secret, or another error. @role is MX_ROLE_*.
 */
int mx_auth_exchange(struct socket *sock, const struct mx_auth_secret *s,
		     u32 role, u64 dev_sectors, const char **err);

/* The MAC of @nonce for @role: exposed for KUnit. */
int mx_auth_mac(const struct mx_auth_secret *s, const u8 *nonce, u32 role,
		u8 *mac);

#endif /* DM_MIRRORX_AUTH_H */
