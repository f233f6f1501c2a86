/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dm-mirrorx: which new connections a target lets greet (receiver.c), a
 * pure rule tested in greet_admit_test.c.
 *
 * A connection is pending while it authenticates and says hello, at most
 * MX_RECV_GREET_TIMEOUT, and only a few are pending at once. Slots alone
 * would let a stranger that reconnects as soon as one is closed keep them
 * all, and lock the source out however often it retries. So:
 *
 * - a host holds at most one slot (an IPv6 host by its /64, which one host
 *   commonly owns whole): a new connection from a host with one pending is
 *   closed at once (cheaply: no thread, no read), so one stranger host
 *   never holds more than one slot, however fast it reconnects;
 * - the host the installed connection last came from is known (with the
 *   auth option it authenticated; without it, anyone who says a valid
 *   hello is let in anyway), and gets in however the slots are taken: its
 *   new connection replaces its own older one (a source has one attempt
 *   running at a time, so the older one is stale: its node restarted),
 *   and when every slot is taken it closes the oldest pending one, so
 *   strangers, from however many hosts, cannot lock the known source out;
 * - a pending connection that authenticated is never closed for another:
 *   it is the source itself, or a node with the key.
 *
 * Anything else finds the slots full and is closed at once. What the rule
 * cannot tell apart is a stranger behind the source's own address (a user
 * on the source's node, a shared NAT): it can close the source's pending
 * connection before that authenticated (one round trip), and so delay or,
 * reconnecting fast enough, keep out the source; and until a source
 * connected once since the table was loaded, nothing is known, and four
 * stranger hosts hold every slot.
 */
#ifndef DM_MIRRORX_GREET_ADMIT_H
#define DM_MIRRORX_GREET_ADMIT_H

#include <linux/types.h>
#include <linux/string.h>
#include <linux/socket.h>
#include <linux/in.h>
#include <linux/in6.h>
#include <net/ipv6.h>

enum mx_greet_admit {
	MX_GREET_ADMIT,		/* a slot is free */
	MX_GREET_REFUSE_HOST,	/* its host holds a slot: close the new one */
	MX_GREET_REFUSE,	/* every slot is taken: close the new one */
	MX_GREET_REPLACE_HOST,	/* the known source's: close its older one */
	/* the known source's: close the oldest that did not authenticate */
	MX_GREET_EVICT_OLDEST,
};

/*
 * What a pending connection looks like to the rule: the new one's host
 * has one pending (@host_pending) that authenticated (@host_authed); some
 * pending one has not authenticated (@unauthed: one may be evicted).
 */
struct mx_greet_view {
	unsigned int nr_pending;
	unsigned int max;
	bool host_pending;
	bool host_authed;
	bool unauthed;
	bool known;		/* the new one comes from the known host */
};

static inline enum mx_greet_admit mx_greet_admit(const struct mx_greet_view *v)
{
	if (v->host_pending)
		return v->known && !v->host_authed ? MX_GREET_REPLACE_HOST :
						     MX_GREET_REFUSE_HOST;
	if (v->nr_pending < v->max)
		return MX_GREET_ADMIT;
	if (v->known && v->unauthed)
		return MX_GREET_EVICT_OLDEST;
	return MX_GREET_REFUSE;
}

/*
 * Are @a and @b the same host: same family and address, whatever the
 * ports? An unset address (family 0, nothing known yet) matches nothing.
 * With @v6_prefix, IPv6 addresses match by their first 64 bits (the
 * host's network, for the slot per host); without, exactly (the known
 * source). An IPv4 peer of a dual-stack listener ([::]:port) arrives as
 * ::ffff:a.b.c.d, whose first 64 bits are zero for every IPv4 host: it
 * matches by the whole address, its IPv4 one.
 */
static inline bool mx_same_host(const struct sockaddr_storage *a,
				const struct sockaddr_storage *b,
				bool v6_prefix)
{
	if (a->ss_family != b->ss_family)
		return false;
	if (a->ss_family == AF_INET) {
		const struct sockaddr_in *x = (const void *)a;
		const struct sockaddr_in *y = (const void *)b;

		return x->sin_addr.s_addr == y->sin_addr.s_addr;
	}
	if (a->ss_family == AF_INET6) {
		const struct sockaddr_in6 *x = (const void *)a;
		const struct sockaddr_in6 *y = (const void *)b;
		bool v4 = ipv6_addr_v4mapped(&x->sin6_addr) ||
			  ipv6_addr_v4mapped(&y->sin6_addr);
		size_t n = v6_prefix && !v4 ? 8 : sizeof(x->sin6_addr);

		return !memcmp(&x->sin6_addr, &y->sin6_addr, n) &&
		       x->sin6_scope_id == y->sin6_scope_id;
	}
	return false;
}

#endif /* DM_MIRRORX_GREET_ADMIT_H */
