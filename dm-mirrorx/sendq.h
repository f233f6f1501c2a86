/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dm-mirrorx: a peer's send queue, two FIFO lists.
 *
 * Resync data (RS_DATA) and checksum requests (CSUM_REQ) wait in @bulk;
 * everything else (application writes, flushes, sync states, verify
 * requests, pings) in @main. The sender takes the head of @main, and the
 * head of @bulk when @main is empty or when that bulk packet's deadline
 * came before the @main head was queued. A bulk packet's deadline is
 * MX_SENDQ_BULK_WAIT after it could first have been sent: after its
 * queueing time, or after the moment the sender was last allowed bulk
 * packets again (@bulk_since), whichever is later. So a packet of @main
 * may overtake bulk packets queued before it, a bulk packet is never
 * sent before a @main packet queued before it, each list keeps its
 * order, and a bulk packet waits at most MX_SENDQ_BULK_WAIT more than
 * first-come, first-served would make it wait once it may go:
 * application writes that keep @main busy still leave the resync its
 * share, and a write that waits for a region the resync holds waits a
 * bounded time. With @bulk_ok false (the peer holds as much bulk data
 * sent and not acknowledged as it may: peer.c), only @main is taken, and
 * the time bulk packets wait for that limit does not count towards
 * their deadline: otherwise every packet the limit held back would be
 * "late" when room opens, and each opening would send bulk packets
 * before a write that came meanwhile (a write's latency during a resync
 * would be the time the link takes for the whole limit). The price: while
 * @main never empties, each opening of the limit starts a new
 * MX_SENDQ_BULK_WAIT, so the resync gets about the limit plus one packet
 * per MX_SENDQ_BULK_WAIT and acknowledgment (5 MiB/s at 512 KiB).
 *
 * Why overtaking is safe: a region is locked against application writes
 * while a resync copies or compares it (resync.c), so an application write
 * and a bulk packet of the same region are never both queued; a FLUSH or a
 * sync state that overtakes bulk packets does not speak for them (the
 * sweep never clears a region a resync holds, and a resync announces
 * InSync only after every copy was acknowledged). A sync state that tells
 * the target it is Inconsistent is never overtaken by the copies queued
 * after it.
 *
 * Application idle: the queue also remembers when the last application
 * write (DATA) was queued. While none was for MX_SENDQ_APP_IDLE, the
 * link carries only the resync, and the resync may use it as a bulk
 * transfer: 1 MiB packets and a window's worth sent and not acknowledged
 * (resync.c, peer.c) instead of the small packets and the short limit
 * that keep a write's wait short. The first write after such a spell
 * waits for what was sent before it (at most the resync window); the
 * writes after it find the short limit again, and the resync's packets
 * queued from then on are small.
 *
 * The caller serialises every call (peer.c: src->lock) and passes the
 * time (jiffies) to mx_sendq_add(), mx_sendq_pop() and
 * mx_sendq_app_idle().
 */
#ifndef DM_MIRRORX_SENDQ_H
#define DM_MIRRORX_SENDQ_H

#include <linux/typecheck.h>
#include <linux/jiffies.h>
#include <linux/list.h>
#include <linux/types.h>

#define MX_SENDQ_BULK_WAIT	(HZ / 10)
/* No application write queued for this long: the link is the resync's. */
#define MX_SENDQ_APP_IDLE	HZ

/* What a queued packet embeds (struct mx_preq). */
struct mx_sendq_entry {
	struct list_head list;
	unsigned long queued;		/* jiffies, set by mx_sendq_add() */
};

struct mx_sendq {
	struct list_head main;
	struct list_head bulk;
	/*
	 * When @bulk_may_go: since when the sender may take bulk packets
	 * (@bulk non-empty and the caller's bulk_ok true, without a break).
	 */
	unsigned long bulk_since;
	bool bulk_may_go;
	/* When @app_seen: when the last application write was queued. */
	unsigned long app_at;
	bool app_seen;
};

bool mx_sendq_is_bulk(u16 type);
void mx_sendq_init(struct mx_sendq *q);
void mx_sendq_add(struct mx_sendq *q, struct mx_sendq_entry *e, u16 type,
		  unsigned long now);
struct mx_sendq_entry *mx_sendq_pop(struct mx_sendq *q, bool bulk_ok,
				    unsigned long now);
bool mx_sendq_more(const struct mx_sendq *q, bool bulk_ok);
bool mx_sendq_empty(const struct mx_sendq *q);
bool mx_sendq_app_idle(struct mx_sendq *q, unsigned long now);
void mx_sendq_take_all(struct mx_sendq *q, struct list_head *to);

#endif
