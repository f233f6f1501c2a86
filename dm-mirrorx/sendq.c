// SPDX-License-Identifier: GPL-2.0
/*
 * dm-mirrorx: a peer's send queue (sendq.h has the rule and why it is
 * safe). Pure list operations, no locking: KUnit tests them
 * (sendq_test.c).
 */
#include "sendq.h"
#include "wire.h"

/* Resync traffic that application packets may overtake. */
bool mx_sendq_is_bulk(u16 type)
{
	return type == MX_P_RS_DATA || type == MX_P_CSUM_REQ;
}

void mx_sendq_init(struct mx_sendq *q)
{
	INIT_LIST_HEAD(&q->main);
	INIT_LIST_HEAD(&q->bulk);
	q->bulk_may_go = false;
	q->app_seen = false;
}

/* Queue @e, a packet of @type, at its list's tail, at time @now. */
void mx_sendq_add(struct mx_sendq *q, struct mx_sendq_entry *e, u16 type,
		  unsigned long now)
{
	e->queued = now;
	if (type == MX_P_DATA) {
		q->app_at = now;
		q->app_seen = true;
	}
	list_add_tail(&e->list, mx_sendq_is_bulk(type) ? &q->bulk : &q->main);
}

/* When bulk packet @b could first have been sent (sendq.h). */
static unsigned long mx_sendq_bulk_from(const struct mx_sendq *q,
					const struct mx_sendq_entry *b)
{
	return time_after(q->bulk_since, b->queued) ? q->bulk_since :
						      b->queued;
}

/*
 * The next packet to send at @now, taken off the queue, or NULL when none
 * may go (empty, or only bulk packets and not @bulk_ok).
 */
struct mx_sendq_entry *mx_sendq_pop(struct mx_sendq *q, bool bulk_ok,
				    unsigned long now)
{
	struct mx_sendq_entry *m, *b = NULL, *e;

	m = list_first_entry_or_null(&q->main, struct mx_sendq_entry, list);
	if (bulk_ok)
		b = list_first_entry_or_null(&q->bulk, struct mx_sendq_entry,
					     list);
	if (!b) {
		q->bulk_may_go = false;
	} else if (!q->bulk_may_go) {
		q->bulk_may_go = true;
		q->bulk_since = now;
	}
	if (m && b)
		e = time_before(mx_sendq_bulk_from(q, b) + MX_SENDQ_BULK_WAIT,
				m->queued) ? b : m;
	else
		e = m ?: b;
	if (e)
		list_del_init(&e->list);
	return e;
}

/*
 * Will a packet follow at once (the send's MSG_MORE)? Only one the sender
 * may take now: a held-back bulk packet must not keep the last one sent
 * corked in TCP.
 */
bool mx_sendq_more(const struct mx_sendq *q, bool bulk_ok)
{
	return !list_empty(&q->main) || (bulk_ok && !list_empty(&q->bulk));
}

bool mx_sendq_empty(const struct mx_sendq *q)
{
	return list_empty(&q->main) && list_empty(&q->bulk);
}

/*
 * Was no application write queued for MX_SENDQ_APP_IDLE up to @now?
 * (sendq.h). Once it says so it forgets the last write, so that a spell
 * longer than half the range of jiffies does not look recent again.
 */
bool mx_sendq_app_idle(struct mx_sendq *q, unsigned long now)
{
	if (q->app_seen && time_after_eq(now, q->app_at + MX_SENDQ_APP_IDLE))
		q->app_seen = false;
	return !q->app_seen;
}

/*
 * Move every packet to the tail of @to: @main's first, then @bulk's (the
 * connection is gone); the next one starts with no write seen.
 */
void mx_sendq_take_all(struct mx_sendq *q, struct list_head *to)
{
	list_splice_tail_init(&q->main, to);
	list_splice_tail_init(&q->bulk, to);
	q->bulk_may_go = false;
	q->app_seen = false;
}
