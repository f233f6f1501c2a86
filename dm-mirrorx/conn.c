// SPDX-License-Identifier: GPL-2.0
/*
 * dm-mirrorx connection layer, shared by the source (peer.c) and the target
 * (receiver.c): sending under the send lock, the expected packets of a
 * handshake, authentication, failing a connection with a reason, and the
 * receive loop that dispatches on the role's handler table.
 *
 * Every receive is bounded: the socket's receive timeout before the first
 * byte of a packet (the roles set it: MX_HANDSHAKE_TIMEOUT while greeting,
 * their idle interval after), MX_RECV_STALL_TIMEOUT inside one, a time
 * limit for the whole of one (MX_RECV_MIN_RATE), and a stop of the
 * calling kthread (transport.c).
 */
#include <linux/kthread.h>
#include <linux/device-mapper.h>
#include "conn.h"
#include "transport.h"

#define mx_conn_log(lvl, c, fmt, ...)					\
do {									\
	const struct mx_conn *__c = (c);				\
									\
	lvl(DM_NAME ": %s: %s: %s: " fmt "\n", __c->ops->prefix,	\
	    dm_table_device_name(__c->ti->table), __c->name,		\
	    ##__VA_ARGS__);						\
} while (0)

const char *mx_recv_error_name(int r)
{
	switch (r) {
	case -EAGAIN:
		return "no answer";
	case -ETIMEDOUT:
		return "packet stalled midway (or came too slowly)";
	case -EINTR:
		return "stopped";
	default:
		return "connection lost";
	}
}

void mx_conn_init(struct mx_conn *c, const struct mx_conn_ops *ops,
		  struct dm_target *ti, const char *name, u64 dev_sectors)
{
	c->ops = ops;
	c->ti = ti;
	c->name = name;
	c->dev_sectors = dev_sectors;
	mutex_init(&c->send_mutex);
	mx_conn_reset(c, NULL);
}

void mx_conn_reset(struct mx_conn *c, struct socket *sock)
{
	c->sock = sock;
	c->last_rx = jiffies;
	c->error = 0;
	c->why = NULL;
	WRITE_ONCE(c->dead, false);
}

int mx_conn_send(struct mx_conn *c, const struct mx_hdr *h,
		 const void *payload, bool more)
{
	int r;

	mutex_lock(&c->send_mutex);
	r = mx_send_hdr(c->sock, h, payload, more);
	mutex_unlock(&c->send_mutex);
	return r;
}

void mx_conn_send_refusal(struct mx_conn *c, u32 reason)
{
	struct mx_sync_state s = { .state = MX_SS_REFUSED, .reason = reason };
	struct mx_hdr h = { .type = MX_P_SYNC_STATE };
	struct mx_wire_sync_state w;

	mx_sync_state_encode(&w, &s);
	h.length = sizeof(w);
	mx_conn_send(c, &h, &w, false);
}

int mx_conn_recv_hdr(struct mx_conn *c, struct mx_hdr *h)
{
	const char *err = NULL;
	int r;

	r = mx_recv_hdr(c->sock, h, c->dev_sectors, &err);
	if (!r)
		return 0;
	if (err)
		mx_conn_log(pr_err_ratelimited, c, "bad packet: %s", err);
	else
		mx_conn_log(pr_err_ratelimited, c, "handshake: %s (%d)",
			    mx_recv_error_name(r), r);
	return r;
}

int mx_conn_expect(struct mx_conn *c, u16 type, void *buf, u32 min_len,
		   u32 max_len, struct mx_hdr *h)
{
	int r;

	r = mx_conn_recv_hdr(c, h);
	if (r)
		return r;
	if (h->type != type || h->length < min_len || h->length > max_len) {
		mx_conn_log(pr_err_ratelimited, c,
			    "unexpected packet type %u (length %u) during handshake",
			    h->type, h->length);
		return -EPROTO;
	}
	return h->length ? mx_recv_buf(c->sock, buf, h->length) : 0;
}

int mx_conn_authenticate(struct mx_conn *c,
			 const struct mx_auth_secret *secret)
{
	const char *err = NULL;
	int r;

	mx_sock_set_rcvtimeo(c->sock, MX_HANDSHAKE_TIMEOUT);
	r = mx_auth_exchange(c->sock, secret, c->ops->role, c->dev_sectors,
			     &err);
	if (r)
		mx_conn_log(pr_err_ratelimited, c,
			    "failed authentication: %s (%d)",
			    err ?: "connection lost", r);
	return r;
}

void mx_conn_fail(struct mx_conn *c, int error, const char *why)
{
	if (c->ops->claim_fail) {
		if (!c->ops->claim_fail(c))
			return;
	} else if (xchg(&c->dead, 1)) {
		return;
	}
	c->error = error;
	c->why = why;
	mx_conn_log(pr_warn, c, "%s (%d), disconnecting", why, error);
	if (c->ops->shutdown)
		c->ops->shutdown(c);
	else
		mx_sock_shutdown(c->sock);
}

const struct mx_conn_handler *
mx_conn_find_handler(const struct mx_conn_handler *table, unsigned int n,
		     const struct mx_hdr *h)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (table[i].type == h->type)
			return h->length >= table[i].min_len &&
			       h->length <= table[i].max_len ? &table[i] : NULL;
	return NULL;
}

int mx_conn_recv_loop(struct mx_conn *c)
{
	const struct mx_conn_ops *ops = c->ops;
	const struct mx_conn_handler *hd;
	const char *err = NULL;
	struct mx_hdr h;
	int r;

	while (!kthread_should_stop() && !READ_ONCE(c->dead)) {
		r = mx_recv_hdr(c->sock, &h, c->dev_sectors, &err);
		/*
		 * Checked on every receive, not only in silence: a peer that
		 * talks (pings, other acks) must not hide a stuck request.
		 */
		if (ops->check) {
			int s = ops->check(c);

			if (s)
				return s;
		}
		if (r == -EAGAIN && ops->idle) {
			r = ops->idle(c);
			if (r)
				return r;
			continue;
		}
		if (r) {
			if (err)
				mx_conn_log(pr_err, c, "bad packet: %s", err);
			mx_conn_fail(c, r, err ?: r == -EAGAIN ? "peer silent" :
						 mx_recv_error_name(r));
			return r;
		}
		WRITE_ONCE(c->last_rx, jiffies);
		hd = mx_conn_find_handler(ops->handlers, ops->nr_handlers, &h);
		if (!hd) {
			mx_conn_log(pr_err, c,
				    "unexpected packet type %u (length %u)",
				    h.type, h.length);
			mx_conn_fail(c, -EPROTO, "unexpected packet");
			return -EPROTO;
		}
		r = hd->fn(c, &h);
		if (r == MX_CONN_STOP)
			return 0;
		if (r) {
			mx_conn_fail(c, r, "cannot handle a packet");
			return r;
		}
		/* A body that came late is news from the peer too. */
		WRITE_ONCE(c->last_rx, jiffies);
	}
	return 0;
}
