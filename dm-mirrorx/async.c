// SPDX-License-Identifier: GPL-2.0
/*
 * dm-mirrorx asynchronous replication: a bounded queue per async peer.
 *
 * A write completes after the local write; a copy of its data goes into the
 * peer's send queue, in submission order, and its regions stay out of the
 * sweep's clearing until the peer acknowledged it. Because a write is queued
 * before it completes (its local write may have ended already: its dispatch
 * reference holds the completion back until it is queued, source.c), any
 * write or flush that depends on it (was submitted after it completed) is
 * queued after it: the stream order respects every dependency, and the
 * target applies it so that its device is a state the source's device could
 * have had (see receiver.c).
 *
 * A full queue (async_limit bytes, or async_limit / 4 KiB entries, queued
 * and not yet acknowledged: async_bound.h) either
 * throttles writers (on_congestion block: the write is not issued until
 * there is room) or makes the peer fall Behind (on_congestion behind:
 * writes only mark the intent log, the resync catches up, and queueing
 * resumes once the resync finished, the queue is half empty and the peer
 * was Behind for at least MX_BEHIND_MIN, which keeps a load near the link
 * speed from flip-flopping between the two).
 */
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/highmem.h>
#include <linux/device-mapper.h>
#include "source.h"
#include "range_io.h"
#include "async_bound.h"

#define DM_MSG_PREFIX "mirrorx"

/* A queued copy of one write, flush, discard or write-zeroes. */
struct mx_aentry {
	struct mx_preq rq;
	struct list_head age;		/* p->aq_list, oldest first */
	unsigned long queued_at;
	u64 r0, r1;
	u32 sectors;
	u32 bytes;			/* accounted in p->aq_bytes */
	u32 nr_pages;
	struct bio_vec bvecs[];
};

static bool mx_is_async(struct mx_peer *p)
{
	return p->conf.async;
}

/*
 * Decide, for every async peer, whether @w is queued to it (bit set in
 * w->async_mask), and reserve its bytes. Returns false when an
 * on_congestion block peer has no room: the caller throttles @w.
 * Under src->lock.
 */
bool mx_async_reserve_locked(struct mx_source *src, struct mx_write *w)
{
	u32 bytes = w->sectors << SECTOR_SHIFT;
	u64 limit = src->conf.opts.async_limit;
	unsigned long mask = 0;
	u32 i;

	if (bio_op(w->bio) != REQ_OP_WRITE)
		bytes = 0;	/* discard, write zeroes, flush: no payload */
	/* First pass: would every block-mode peer take it? */
	for (i = 0; i < src->nr_peers; i++) {
		struct mx_peer *p = &src->peers[i];

		if (!mx_is_async(p) || !mx_peer_replicating(p) || p->behind)
			continue;
		if (mx_aq_full(p->aq_bytes, p->aq_writes, bytes, limit) &&
		    !src->conf.opts.congestion_behind)
			return false;
	}
	for (i = 0; i < src->nr_peers; i++) {
		struct mx_peer *p = &src->peers[i];

		if (!mx_is_async(p))
			continue;
		if (mx_peer_replicating(p) && !p->behind &&
		    mx_aq_full(p->aq_bytes, p->aq_writes, bytes, limit) &&
		    !mx_peer_set_repl_locked(p, MX_RS_BEHIND)) {
			/*
			 * on_congestion behind: fall behind, catch up later.
			 * The resync work tells the target it is Inconsistent
			 * (mx_rs_announce()), ordered with its own RESYNC_DONE
			 * and copies: sent from here, it could pass a
			 * RESYNC_DONE of a resync that just ended, or follow
			 * copies already queued.
			 */
			p->behind = true;
			p->behind_since = jiffies;
			p->resync_done = 0;
			p->resync_announce = true;
			queue_work(src->wq, &p->behind_work);
		}
		if (!mx_peer_replicating(p) || p->behind) {
			if (w->sectors)
				mx_source_mark_oos_locked(src, p, w->r0, w->r1);
			continue;
		}
		p->aq_bytes += bytes;
		p->aq_writes++;
		mask |= BIT(i);
	}
	w->async_mask = mask;
	return true;
}

static void mx_aentry_free(struct mx_aentry *e)
{
	mx_bvecs_free(e->bvecs, e->nr_pages);
	kfree(e);
}

static void mx_aentry_done(struct mx_preq *rq, int error)
{
	struct mx_aentry *e = container_of(rq, struct mx_aentry, rq);
	struct mx_peer *p = rq->peer;
	struct mx_source *src = p->src;
	unsigned long flags;
	bool kick;

	spin_lock_irqsave(&src->lock, flags);
	list_del(&e->age);
	p->aq_bytes -= e->bytes;
	p->aq_writes--;
	if (error && e->sectors)
		mx_source_mark_oos_locked(src, p, e->r0, e->r1);
	kick = !list_empty(&src->throttled);
	spin_unlock_irqrestore(&src->lock, flags);
	/* A write the peer did not apply takes it out of InSync. */
	if (error && error != -ENOTCONN && e->sectors)
		mx_resync_missed(p);
	mx_aentry_free(e);
	if (kick)
		mx_source_kick_commit(src);
	wake_up(&src->drain_wait);
}

/* Is every connected async peer's queue empty? */
bool mx_async_drained(struct mx_source *src)
{
	unsigned long flags;
	bool drained = true;
	u32 i;

	spin_lock_irqsave(&src->lock, flags);
	for (i = 0; i < src->nr_peers; i++)
		if (src->peers[i].aq_writes && mx_peer_replicating(&src->peers[i]))
			drained = false;
	spin_unlock_irqrestore(&src->lock, flags);
	return drained;
}

/* Copy the data of @w into a new entry for @p. */
static struct mx_aentry *mx_aentry_alloc(struct mx_write *w, u32 bytes)
{
	u32 nr = mx_pages_for(bytes), off = 0;
	struct bvec_iter iter;
	struct mx_aentry *e;
	struct bio_vec bv;

	e = kzalloc(struct_size(e, bvecs, nr), GFP_NOIO | __GFP_NOWARN);
	if (!e)
		return NULL;
	if (mx_bvecs_alloc(e->bvecs, bytes, GFP_NOIO | __GFP_NOWARN)) {
		kfree(e);
		return NULL;
	}
	e->nr_pages = nr;
	if (!bytes)
		return e;	/* discard, write zeroes, flush: no pages */
	/*
	 * Copy segment by segment; the iterator advances by bv.bv_len after
	 * each one, so consume a copy of it. A segment may straddle two of our
	 * pages when the bio's pages are not page aligned.
	 */
	bio_for_each_segment(bv, w->bio, iter) {
		struct bio_vec part = bv;

		while (part.bv_len && off < bytes) {
			u32 n = min_t(u32, part.bv_len,
				      PAGE_SIZE - off % PAGE_SIZE);
			struct bio_vec piece = part;
			char *dst;

			piece.bv_len = n;
			dst = kmap_local_page(e->bvecs[off / PAGE_SIZE].bv_page);
			memcpy_from_bvec(dst + off % PAGE_SIZE, &piece);
			kunmap_local(dst);
			off += n;
			part.bv_offset += n;
			part.bv_len -= n;
		}
	}
	return e;
}

/*
 * Queue @w to every peer of w->async_mask (reserved by
 * mx_async_reserve_locked()). Called after its local write was submitted
 * (or could not be), before its dispatch reference is dropped: @w cannot
 * have completed.
 */
void mx_async_queue(struct mx_source *src, struct mx_write *w)
{
	u32 bytes = bio_op(w->bio) == REQ_OP_WRITE ?
		    w->sectors << SECTOR_SHIFT : 0;
	unsigned long flags;
	bool kick;
	u32 i;

	for_each_set_bit(i, &w->async_mask, src->nr_peers) {
		struct mx_peer *p = &src->peers[i];
		struct mx_aentry *e = mx_aentry_alloc(w, bytes);

		if (!e) {
			/*
			 * The stream would go on without this write, and the
			 * target would apply later ones on top of its hole: a
			 * state we never had. Drop the connection instead;
			 * the region is resynced after the reconnect.
			 */
			spin_lock_irqsave(&src->lock, flags);
			p->aq_bytes -= bytes;
			p->aq_writes--;
			if (w->sectors)
				mx_source_mark_oos_locked(src, p, w->r0, w->r1);
			kick = !list_empty(&src->throttled);
			spin_unlock_irqrestore(&src->lock, flags);
			mx_peer_fail(p, -ENOMEM, "cannot queue an async write");
			/* The room it held may be what throttled writes wait for. */
			if (kick)
				mx_source_kick_commit(src);
			continue;
		}
		mx_write_fill_preq(w, p, &e->rq);
		e->rq.done = mx_aentry_done;
		if (bytes) {
			e->rq.bvecs = e->bvecs;
			e->rq.iter = (struct bvec_iter){ .bi_size = bytes };
		}
		e->bytes = bytes;
		e->sectors = w->sectors;
		e->r0 = w->r0;
		e->r1 = w->r1;
		e->queued_at = jiffies;
		spin_lock_irqsave(&src->lock, flags);
		list_add_tail(&e->age, &p->aq_list);
		spin_unlock_irqrestore(&src->lock, flags);
		mx_peer_queue(p, &e->rq);
	}
}

/* Set in @map the regions of writes still queued to @p. */
void mx_async_include_locked(struct mx_peer *p, unsigned long *map)
{
	struct mx_aentry *e;

	list_for_each_entry(e, &p->aq_list, age)
		if (e->sectors)
			bitmap_set(map, e->r0, e->r1 - e->r0 + 1);
}

/* Milliseconds the oldest queued write has waited. Under src->lock. */
u64 mx_async_lag_ms_locked(struct mx_peer *p)
{
	struct mx_aentry *e;

	e = list_first_entry_or_null(&p->aq_list, struct mx_aentry, age);
	return e ? jiffies_to_msecs(jiffies - e->queued_at) : 0;
}

/* May a Behind peer go back to queueing? Under src->lock. */
bool mx_async_may_leave_behind_locked(struct mx_peer *p)
{
	return time_after(jiffies, p->behind_since + MX_BEHIND_MIN) &&
	       mx_aq_half_empty(p->aq_bytes, p->aq_writes,
				p->src->conf.opts.async_limit);
}

/*
 * A peer fell Behind: its target is inconsistent until the catch-up ends;
 * the resync work says so first.
 */
void mx_async_behind_work(struct work_struct *ws)
{
	struct mx_peer *p = container_of(ws, struct mx_peer, behind_work);

	DMWARN("%s: peer %u: async queue full, falling behind",
	       dm_table_device_name(p->src->ti->table), p->conf.node_id);
	mx_resync_kick(p);
}
