/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The connection layer (conn.c) both roles share: one TCP connection to a
 * peer, its send lock, the expected packets of a handshake, the
 * authentication, failing it with a reason, and a receive loop that
 * dispatches each packet through the role's handler table.
 *
 * What stays with a role: who owns and releases the socket, what a failure
 * does to its state (the source's peer states, the target's installed
 * connection), and the handlers themselves.
 */
#ifndef DM_MIRRORX_CONN_H
#define DM_MIRRORX_CONN_H

#include <linux/mutex.h>
#include <linux/net.h>
#include <linux/device-mapper.h>
#include "auth.h"
#include "proto.h"

/* Per-packet receive timeout during authentication and the handshake. */
#define MX_HANDSHAKE_TIMEOUT	(10 * HZ)

struct mx_conn;

/*
 * One packet type a role accepts in its receive loop: its payload length
 * (h->length) must lie in [@min_len, @max_len], on top of what
 * mx_hdr_decode() checked. @fn reads the payload (if any) and acts on it;
 * it returns 0 to go on, MX_CONN_STOP to end the loop in good order, or
 * a negative errno, after which the loop fails the connection (unless
 * @fn did with a better reason).
 */
struct mx_conn_handler {
	u16 type;
	u32 min_len;
	u32 max_len;
	int (*fn)(struct mx_conn *c, const struct mx_hdr *h);
};

#define MX_CONN_STOP	1

/* What differs between the two roles; one static const instance each. */
struct mx_conn_ops {
	u32 role;			/* MX_ROLE_* */
	const char *prefix;		/* DM_MSG_PREFIX of the role, for logs */
	const struct mx_conn_handler *handlers;
	unsigned int nr_handlers;
	/*
	 * No packet within the receive timeout: 0 to go on waiting, else
	 * the loop ends with that value (the hook failed the connection).
	 * NULL: silence fails the connection.
	 */
	int (*idle)(struct mx_conn *c);
	/*
	 * Called after every receive, packet or not: nonzero ends the loop
	 * (the hook failed the connection). May be NULL.
	 */
	int (*check)(struct mx_conn *c);
	/*
	 * Decide whether this failure is the first one of the live
	 * connection and, if so, mark it failed (@dead); the source does so
	 * under its state lock. NULL: the first mx_conn_fail() wins.
	 */
	bool (*claim_fail)(struct mx_conn *c);
	/* Shut the socket down once failed. NULL: mx_sock_shutdown(). */
	void (*shutdown)(struct mx_conn *c);
};

/**
 * struct mx_conn - one connection to a peer, as both roles see it
 * @ops: the role's operations; set once by mx_conn_init()
 * @ti: the table, for the device name in log lines; set once
 * @name: the peer in log lines ("peer 1 (10.0.0.2:7789)", an address);
 *	set once, owned by the role
 * @dev_sectors: size of our data device, to validate headers; set once
 * @sock: the socket; set by the owner before the connection is used and
 *	released by it after the last user stopped (the source guards the
 *	pointer itself with its peer's sock_mutex)
 * @send_mutex: one sender at a time on @sock (headers and payloads of a
 *	packet stay together); held only around the sending of one packet
 * @last_rx: jiffies of the last packet received: written by the receive
 *	loop only, read elsewhere with READ_ONCE()
 * @dead: the connection failed: no new sends. Set once per connection,
 *	by whoever failed it first (see @ops->claim_fail: the source sets and
 *	resets it under its src->lock), read with READ_ONCE(). An int, not a
 *	bool: mx_conn_fail() claims it with xchg(), not portable on a bool
 * @error: the first failure's errno, set with @dead by mx_conn_fail()
 * @why: the first failure's reason, set with @error
 */
struct mx_conn {
	const struct mx_conn_ops *ops;
	struct dm_target *ti;
	const char *name;
	u64 dev_sectors;
	struct socket *sock;
	struct mutex send_mutex;	/* one sender at a time on @sock */
	unsigned long last_rx;
	int dead;
	int error;
	const char *why;
};

void mx_conn_init(struct mx_conn *c, const struct mx_conn_ops *ops,
		  struct dm_target *ti, const char *name, u64 dev_sectors);
/* Start over on a new socket: no failure, nothing received yet. */
void mx_conn_reset(struct mx_conn *c, struct socket *sock);

/* Send one header and its small linear payload (may be NULL), locked. */
int mx_conn_send(struct mx_conn *c, const struct mx_hdr *h,
		 const void *payload, bool more);
/* Tell the peer why we close: a SYNC_STATE refusal (best effort). */
void mx_conn_send_refusal(struct mx_conn *c, u32 reason);

/*
 * Receive one header; a bad one, or none, is logged (rate limited). The
 * errors of mx_recv_buf(), or -EPROTO.
 */
int mx_conn_recv_hdr(struct mx_conn *c, struct mx_hdr *h);
/*
 * Receive one handshake packet of @type whose payload is @min_len to
 * @max_len bytes, into @buf; anything else is logged and -EPROTO. The
 * socket's receive timeout bounds each packet (mx_conn_authenticate() and
 * the roles set MX_HANDSHAKE_TIMEOUT or shorter); a kthread told to stop
 * gets -EINTR.
 */
int mx_conn_expect(struct mx_conn *c, u16 type, void *buf, u32 min_len,
		   u32 max_len, struct mx_hdr *h);
/*
 * The mutual challenge-response of auth.c, each packet within
 * MX_HANDSHAKE_TIMEOUT. A failure is logged ("failed authentication").
 */
int mx_conn_authenticate(struct mx_conn *c,
			 const struct mx_auth_secret *secret);

/*
 * Fail the connection: the first call (see @ops->claim_fail) records
 * @error and @why, logs them and shuts the socket down, which wakes the
 * threads blocked on it. Process context. Later calls do nothing.
 */
void mx_conn_fail(struct mx_conn *c, int error, const char *why);

/*
 * Read packets and hand each to the role's handler until a handler stops
 * the loop, the connection fails (a receive error, a packet the table
 * does not list, a handler error) or the kthread is told to stop. The
 * socket's receive timeout is the idle interval. Returns 0 or the error.
 */
int mx_conn_recv_loop(struct mx_conn *c);

/*
 * The entry of @table (@n entries) for the packet @h: its type listed and
 * its payload length within the entry's bounds; else NULL. Pure.
 */
const struct mx_conn_handler *
mx_conn_find_handler(const struct mx_conn_handler *table, unsigned int n,
		     const struct mx_hdr *h);

/* Why a receive failed, for the log. */
const char *mx_recv_error_name(int r);

#endif /* DM_MIRRORX_CONN_H */
