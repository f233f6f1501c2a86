// SPDX-License-Identifier: GPL-2.0
/*
 * dm-mirrorx source role: the "mirrorx" target.
 *
 * Reads go straight to the data device. A write (or discard, write-zeroes)
 * goes through these steps, dm-raid1 style:
 *
 *  1. admit: wait while it overlaps an in-flight write or a region the
 *     resync is copying, so no two writes to the same sectors race on the
 *     nodes and a resync copy never overtakes an application write;
 *  2. mark: set the intent-log bit of its regions for every peer; if a bit
 *     is not on disk yet the write waits for the next metadata commit, which
 *     all writers waiting at that moment share;
 *  3. dispatch: submit the local write and queue a copy to every connected
 *     peer; a peer that cannot take it gets the regions marked out of sync;
 *  4. complete: when the local write and every peer acknowledgment are in.
 *
 * A periodic sweep clears the bits of regions every peer has, durably: it
 * flushes the local data device and every peer before it clears a bit.
 * The hot set (intent_log.c) keeps recently written 4 MiB extents marked on
 * disk as a whole meanwhile, so rewriting them costs no commit; the sweep
 * cools it down to the hot_set option, and entirely after a minute without
 * writes.
 */
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>
#include <linux/random.h>
#include <linux/rcupdate.h>
#include <linux/device-mapper.h>
#include "source.h"
#include "generation.h"
#include "mirrorx.h"
#include "transport.h"
#include "objcount.h"
#include "compat.h"
#include "fault.h"
#include "io_wait.h"

#define DM_MSG_PREFIX "mirrorx"

static const char *mx_dev_name(struct mx_source *src)
{
	return dm_table_device_name(src->ti->table);
}

/* --- helpers ------------------------------------------------------------ */

void mx_source_event(struct mx_source *src)
{
	queue_work(src->wq, &src->event_work);
}

static void mx_event_work(struct work_struct *ws)
{
	struct mx_source *src = container_of(ws, struct mx_source, event_work);

	dm_table_event(src->ti->table);
}

void mx_source_kick_commit(struct mx_source *src)
{
	queue_work(src->wq, &src->commit_work);
}

/*
 * Mark [@r0, @r1] out of sync for @p, and in its bits (a region a peer
 * lacks stays marked until a resync copied it); a commit writes the bits
 * if they are not on disk yet. Any context. Under src->lock: a resync
 * that finds nothing left to copy decides InSync in one section.
 */
void mx_source_mark_oos(struct mx_source *src, struct mx_peer *p,
			u64 r0, u64 r1)
{
	unsigned long flags;

	spin_lock_irqsave(&src->lock, flags);
	mx_source_mark_oos_locked(src, p, r0, r1);
	spin_unlock_irqrestore(&src->lock, flags);
}

void mx_source_mark_oos_locked(struct mx_source *src, struct mx_peer *p,
			       u64 r0, u64 r1)
{
	if (!mx_ilog_mark_oos(&src->ilog, p->conf.node_id, r0, r1))
		mx_source_kick_commit(src);
}

static bool mx_ranges_overlap(sector_t a, u32 alen, sector_t b, u32 blen)
{
	return a < b + blen && b < a + alen;
}

/* Does the region array resync_wanted hold one of r0..r1? */
static bool mx_region_array_has(const u64 *arr, u32 nr, u64 r0, u64 r1)
{
	u32 i;

	for (i = 0; i < nr; i++)
		if (arr[i] >= r0 && arr[i] <= r1)
			return true;
	return false;
}

/* Does a resync or verify hold one of regions r0..r1? Under src->lock. */
static bool mx_region_resync_locked(struct mx_source *src, u64 r0, u64 r1)
{
	return src->nr_resync_locked &&
	       find_next_bit(src->resync_locked, r1 + 1, r0) <= r1;
}

static bool mx_region_resync_wanted(struct mx_source *src, u64 r0, u64 r1)
{
	return mx_region_array_has(src->resync_wanted, src->nr_resync_wanted,
				   r0, r1);
}

/*
 * Does @w conflict with an in-flight write or a resync copy (or a region a
 * copy waits for), or must it wait while a handshake decides?
 */
static bool mx_write_conflicts(struct mx_source *src, struct mx_write *w)
{
	struct mx_write *o;

	if (src->admit_holds)
		return true;
	if (!w->sectors)
		return false;
	if (mx_region_resync_locked(src, w->r0, w->r1) ||
	    mx_region_resync_wanted(src, w->r0, w->r1))
		return true;
	list_for_each_entry(o, &src->inflight, list)
		if (o->sectors &&
		    mx_ranges_overlap(w->sector, w->sectors, o->sector,
				      o->sectors))
			return true;
	return false;
}

/* Has @r an application write in flight? Under src->lock. */
static bool mx_region_writing(struct mx_source *src, u64 r)
{
	struct mx_write *o;

	list_for_each_entry(o, &src->inflight, list)
		if (o->sectors && r >= o->r0 && r <= o->r1)
			return true;
	return false;
}

static bool mx_region_busy(struct mx_source *src, u64 r)
{
	return mx_region_writing(src, r) || mx_region_resync_locked(src, r, r);
}

/*
 * Resync takes a region exclusively: no application write in it may be in
 * flight, and new ones wait (they are "blocked") until it is released.
 */
bool mx_source_try_lock_region(struct mx_source *src, u64 r)
{
	unsigned long flags;
	bool ok = false;

	spin_lock_irqsave(&src->lock, flags);
	if (!mx_region_busy(src, r)) {
		__set_bit(r, src->resync_locked);
		src->nr_resync_locked++;
		__set_bit(r, src->unflushed);
		ok = true;
	}
	spin_unlock_irqrestore(&src->lock, flags);
	return ok;
}

/*
 * A connecting peer is between counting its regions to resync and going
 * Connected: new writes wait in src->blocked meanwhile (bounded by the
 * handshake's receive timeout). Writes already admitted have their bits
 * set, so they are counted.
 */
void mx_source_hold_admission(struct mx_source *src)
{
	spin_lock_irq(&src->lock);
	src->admit_holds++;
	spin_unlock_irq(&src->lock);
}

void mx_source_release_admission(struct mx_source *src)
{
	spin_lock_irq(&src->lock);
	src->admit_holds--;
	spin_unlock_irq(&src->lock);
	mx_source_kick_commit(src);
}

/*
 * assume_clean: the admin asserts @node holds our data now. Clear its bits
 * but those of writes in flight or held for a peer, which it may lack.
 */
static int mx_source_assume_clean(struct mx_source *src, struct mx_peer *p)
{
	u32 node = p->conf.node_id;
	const char *busy = NULL;
	struct mx_write *w;

	/* A handshake merges the target's bitmap: not in the middle of one. */
	if (!mutex_trylock(&p->handshake_mutex)) {
		DMWARN("%s: assume_clean: peer %u is connecting, refused: retry",
		       mx_dev_name(src), node);
		return -EBUSY;
	}
	spin_lock_irq(&src->lock);
	spin_lock(&src->meta.lock);
	if (mx_peer_replicating(p))
		busy = "is connected";
	else if (src->meta.sb.slots[node].bitmap_gen)
		busy = "has history";
	if (busy) {
		spin_unlock(&src->meta.lock);
		spin_unlock_irq(&src->lock);
		mutex_unlock(&p->handshake_mutex);
		DMWARN("%s: assume_clean: peer %u %s, refused",
		       mx_dev_name(src), node, busy);
		return -EBUSY;
	}
	mx_ilog_assume_clean_locked(&src->ilog, node);
	list_for_each_entry(w, &src->inflight, list)
		if (w->sectors)
			mx_ilog_mark_locked(&src->ilog, node, w->r0, w->r1);
	list_for_each_entry(w, &src->held, wait_list)
		mx_ilog_mark_locked(&src->ilog, node, w->r0, w->r1);
	src->meta.sb.slots[node].flags |= MX_SLOT_ASSUME_CLEAN;
	mx_meta_sb_dirty(&src->meta);
	spin_unlock(&src->meta.lock);
	spin_unlock_irq(&src->lock);
	mutex_unlock(&p->handshake_mutex);
	return 0;
}

/* Drop @r from resync_wanted (unordered); false if it was not there. */
static bool mx_region_array_del(u64 *arr, u32 *nr, u64 r)
{
	u32 i;

	for (i = 0; i < *nr; i++) {
		if (arr[i] == r) {
			arr[i] = arr[--*nr];
			return true;
		}
	}
	return false;
}

/*
 * Remove @r from the wanted (@locked false) or locked regions; the writes
 * blocked behind it may go.
 */
static void mx_source_release_region(struct mx_source *src, u64 r,
				     bool locked)
{
	unsigned long flags;
	bool kick;

	spin_lock_irqsave(&src->lock, flags);
	if (locked) {
		if (__test_and_clear_bit(r, src->resync_locked))
			src->nr_resync_locked--;
	} else {
		mx_region_array_del(src->resync_wanted, &src->nr_resync_wanted,
				    r);
	}
	kick = !list_empty(&src->blocked);
	spin_unlock_irqrestore(&src->lock, flags);
	/* Another copy may wait for this region. */
	wake_up_all(&src->region_wait);
	if (kick)
		mx_source_kick_commit(src);
}

/**
 * mx_source_lock_region_wait() - lock region @r for a copy, waiting for
 * the application writes in flight there
 * @src: the source
 * @p: the peer the copy is for
 * @r: the region
 * @may_wait: false when the copy must stop waiting (it stops, or has
 *	something else to do first); whoever makes it false wakes
 *	src->region_wait
 * @meanwhile: NULL (the wait ends when @may_wait says so), or what the
 *	copy does before it waits and whenever @may_wait says so: true to
 *	wait on, false to give up
 * @arg: @meanwhile's
 *
 * A hot region always has a write in flight: a copy that only tried
 * would starve. So new writes to @r queue behind the copy (in
 * src->blocked, as for a locked region) while the ones in flight drain,
 * @meanwhile included. Waits at most MX_REGION_WAIT in all.
 * Returns true with @r locked (mx_source_unlock_region() releases it).
 */
bool mx_source_lock_region_wait(struct mx_source *src, struct mx_peer *p,
				u64 r, bool (*may_wait)(struct mx_peer *p),
				bool (*meanwhile)(struct mx_peer *p, void *arg),
				void *arg)
{
	unsigned long flags, until = jiffies + MX_REGION_WAIT;
	bool locked, wanted = false;

	if (mx_source_try_lock_region(src, r))
		return true;
	/*
	 * Hold new writes back only when writes are what keeps the region
	 * busy (not another copy). Two peers may want the same region: one
	 * entry each.
	 */
	spin_lock_irqsave(&src->lock, flags);
	if (mx_region_writing(src, r) &&
	    src->nr_resync_wanted < ARRAY_SIZE(src->resync_wanted)) {
		src->resync_wanted[src->nr_resync_wanted++] = r;
		wanted = true;
	}
	spin_unlock_irqrestore(&src->lock, flags);
	for (;;) {
		locked = false;
		if (meanwhile && !meanwhile(p, arg))
			break;
		wait_event_timeout(src->region_wait,
				   (locked = mx_source_try_lock_region(src, r)) ||
				   !may_wait(p),
				   max_t(long, until - jiffies, 1));
		if (locked || !meanwhile || !time_before(jiffies, until))
			break;
	}
	if (wanted)
		mx_source_release_region(src, r, false);
	return locked;
}

void mx_source_unlock_region(struct mx_source *src, u64 r)
{
	mx_source_release_region(src, r, true);
}

/* --- the write path ----------------------------------------------------- */

/*
 * Peers in @mask that still owe @w a copy: under on_disconnect suspend,
 * they are not back in sync and the admin has not released them
 * (disconnect); under fencing resource, they are being fenced (fence.c).
 * Under src->lock.
 */
static unsigned long mx_held_by(struct mx_source *src, unsigned long mask)
{
	unsigned long held = 0;
	u32 i;

	for_each_set_bit(i, &mask, src->nr_peers) {
		struct mx_peer *p = &src->peers[i];

		if (mx_fence_holds_locked(p) || mx_fence_unconfirmed_locked(p)) {
			held |= BIT(i);
			continue;
		}
		if (!src->conf.opts.disconnect_suspend || !p->want_connect)
			continue;
		if (p->cstate == MX_CS_CONNECTED && !p->conn.dead &&
		    p->rstate == MX_RS_IN_SYNC && !p->rs_done_unacked)
			continue;
		held |= BIT(i);
	}
	return held;
}

static void mx_write_end(struct mx_write *w)
{
	struct mx_source *src = w->src;

	w->bio->bi_status = w->status;
	bio_endio(w->bio);
	if (atomic_dec_and_test(&src->nr_inflight))
		wake_up(&src->drain_wait);
}

/*
 * Complete the writes held for peers that are back in sync (the resync
 * copied their regions) or that the admin took out of the mirror.
 */
void mx_source_release_held(struct mx_source *src)
{
	struct mx_write *w, *tmp;
	unsigned long flags;
	LIST_HEAD(done);

	spin_lock_irqsave(&src->lock, flags);
	list_for_each_entry_safe(w, tmp, &src->held, wait_list) {
		w->failed_peers = mx_held_by(src, w->failed_peers);
		if (!w->failed_peers)
			list_move_tail(&w->wait_list, &done);
	}
	spin_unlock_irqrestore(&src->lock, flags);
	list_for_each_entry_safe(w, tmp, &done, wait_list) {
		list_del_init(&w->wait_list);
		mx_write_end(w);
	}
}

static void mx_write_complete(struct mx_write *w)
{
	struct mx_source *src = w->src;
	unsigned long flags;
	bool kick, hold = false;

	spin_lock_irqsave(&src->lock, flags);
	list_del_init(&w->list);
	kick = !list_empty(&src->blocked);
	if (src->nr_resync_wanted)
		wake_up(&src->region_wait);
	if (!w->status) {
		w->failed_peers = mx_held_by(src, w->failed_peers);
		if (w->failed_peers) {
			/*
			 * Its regions are out of sync (a flush: marked): the
			 * resync delivers it.
			 */
			list_add_tail(&w->wait_list, &src->held);
			hold = true;
		}
	}
	spin_unlock_irqrestore(&src->lock, flags);
	if (kick)
		mx_source_kick_commit(src);
	if (!hold)
		mx_write_end(w);
}

static void mx_write_put(struct mx_write *w)
{
	if (atomic_dec_and_test(&w->pending))
		mx_write_complete(w);
}

/*
 * Our own write of @w failed (the error goes to the application): what the
 * peers hold there may now differ from what we hold, so its regions go out
 * of sync for every peer, and a resync makes them the same again.
 */
static void mx_local_write_failed(struct mx_write *w)
{
	struct mx_source *src = w->src;
	u32 i;

	if (!w->sectors)
		return;
	for (i = 0; i < src->nr_peers; i++) {
		mx_source_mark_oos(src, &src->peers[i], w->r0, w->r1);
		mx_resync_missed(&src->peers[i]);
	}
}

static void mx_local_endio(struct bio *clone)
{
	struct mx_write *w = clone->bi_private;

	if (clone->bi_status) {
		w->status = clone->bi_status;
		DMERR_LIMIT("%s: local write error %d at sector %llu",
			    mx_dev_name(w->src), clone->bi_status,
			    (unsigned long long)w->sector);
		mx_local_write_failed(w);
	}
	bio_put(clone);
	mx_obj_sub(MX_OBJ_BIO, 1);
	mx_write_put(w);
}

/*
 * A peer that did not apply @w (its device cannot do the operation, say)
 * now lacks it: the regions go out of sync and, on a live connection, a
 * resync copies them, so the peer leaves InSync until it has them. A peer
 * that is not connected (-ENOTCONN) resyncs them at its next handshake.
 *
 * A flush it did not do leaves what it acknowledged before in its
 * volatile cache: those regions stay marked (no sweep clears a bit
 * without that peer's flush), so a reconnect resyncs them; meanwhile the
 * flush is held where a missed write would be (mx_held_by(): fencing, or
 * on_disconnect suspend), not reported durable.
 */
static void mx_write_peer_done(struct mx_preq *rq, int error)
{
	struct mx_write *w = container_of(rq, struct mx_write,
					  preq[rq->peer->idx]);
	unsigned long flags;

	if (error) {
		if (w->sectors)
			mx_source_mark_oos(w->src, rq->peer, w->r0, w->r1);
		spin_lock_irqsave(&w->src->lock, flags);
		mx_fence_write_missed_locked(rq->peer, error);
		spin_unlock_irqrestore(&w->src->lock, flags);
		set_bit(rq->peer->idx, &w->failed_peers);
		if (w->sectors && error != -ENOTCONN)
			mx_resync_missed(rq->peer);
	}
	mx_write_put(w);
}

/* The packet that carries @w to @p (data pages: the bio's own). */
void mx_write_fill_preq(struct mx_write *w, struct mx_peer *p,
			struct mx_preq *rq)
{
	struct bio *bio = w->bio;

	memset(rq, 0, sizeof(*rq));
	INIT_LIST_HEAD(&rq->list);
	rq->peer = p;
	rq->done = mx_write_peer_done;
	rq->hdr.sector = w->sector;
	rq->hdr.size = w->sectors << SECTOR_SHIFT;
	if (!w->sectors) {
		rq->hdr.type = MX_P_FLUSH;
		return;
	}
	rq->hdr.type = MX_P_DATA;
	switch (bio_op(bio)) {
	case REQ_OP_DISCARD:
		rq->hdr.flags = MX_WF_DISCARD;
		break;
	case REQ_OP_WRITE_ZEROES:
		rq->hdr.flags = MX_WF_WRITE_ZEROES;
		break;
	default:
		rq->hdr.length = rq->hdr.size;
		rq->bvecs = bio->bi_io_vec;
		rq->iter = bio->bi_iter;
		if (bio->bi_opf & REQ_FUA)
			rq->hdr.flags |= MX_WF_FUA;
		break;
	}
}

/*
 * Queue the sync peers' copies of an admitted write whose async queue room
 * is reserved, submit the local write, then queue the async peers' copies.
 * Sync peers hold a reference until they acknowledge: their send goes
 * first, the longer leg. An async write waits only for the local one, so
 * that goes first: the sender the queueing wakes does not preempt us
 * (mx_peer_thread_policy()), and sends once we sleep, while the local
 * write is under way. The dispatch reference, held until the copies are
 * queued, keeps the write from completing before, as the stream order
 * needs (async.c).
 */
static void mx_write_issue(struct mx_write *w)
{
	struct mx_source *src = w->src;
	struct bio *clone;
	u32 i;

	atomic_set(&w->pending, 2);	/* dispatch reference + local write */
	for (i = 0; i < src->nr_peers; i++) {
		struct mx_peer *p = &src->peers[i];

		if (p->conf.async)
			continue;
		mx_write_fill_preq(w, p, &w->preq[i]);
		atomic_inc(&w->pending);
		mx_peer_queue(p, &w->preq[i]);
	}

	clone = bio_alloc_clone(src->data_dev->bdev, w->bio, GFP_NOIO,
				&src->bs);
	if (!clone) {
		w->status = BLK_STS_RESOURCE;
		mx_write_put(w);
	} else {
		mx_obj_add(MX_OBJ_BIO, 1);
		clone->bi_iter.bi_sector = w->sector;
		clone->bi_end_io = mx_local_endio;
		clone->bi_private = w;
		submit_bio_noacct(clone);
	}
	mx_async_queue(src, w);
	mx_write_put(w);
}

/*
 * Issue @w, or park it in src->throttled (in order) while an async peer
 * with on_congestion block has no room for it.
 */
static void mx_write_dispatch(struct mx_write *w)
{
	struct mx_source *src = w->src;
	unsigned long flags;
	bool ok;

	spin_lock_irqsave(&src->lock, flags);
	ok = list_empty(&src->throttled) && mx_async_reserve_locked(src, w);
	if (!ok)
		list_add_tail(&w->wait_list, &src->throttled);
	spin_unlock_irqrestore(&src->lock, flags);
	if (ok)
		mx_write_issue(w);
}

/* Issue throttled writes, oldest first, while there is room. */
static void mx_dispatch_throttled(struct mx_source *src)
{
	struct mx_write *w;
	unsigned long flags;

	for (;;) {
		spin_lock_irqsave(&src->lock, flags);
		w = list_first_entry_or_null(&src->throttled, struct mx_write,
					     wait_list);
		if (w && mx_async_reserve_locked(src, w))
			list_del_init(&w->wait_list);
		else
			w = NULL;
		spin_unlock_irqrestore(&src->lock, flags);
		if (!w)
			return;
		mx_write_issue(w);
	}
}

/*
 * The first write while a peer cannot receive it starts a new data
 * generation; that peer's bitmap remembers the generation it still has.
 * This is what tells, at the next connect, "source newer" from "target
 * newer" and "split brain". Peers still connected adopt the new generation
 * (gen_work) once it is on disk here: sent earlier, a crash before the
 * commit would leave them a generation we never had (a spurious "target
 * newer"). Under src->lock and meta.lock.
 */
static void mx_rotate_gen_locked(struct mx_source *src)
{
	struct mx_sb_info *sb = &src->meta.sb;
	bool rotate = false;
	u64 old = sb->current_gen;
	u32 i;

	for (i = 0; i < src->nr_peers; i++) {
		struct mx_peer *p = &src->peers[i];

		if (!mx_peer_replicating(p) &&
		    !sb->slots[p->conf.node_id].bitmap_gen) {
			sb->slots[p->conf.node_id].bitmap_gen = old;
			rotate = true;
		}
	}
	if (!rotate)
		return;
	mx_gen_rotate(sb, get_random_u64() | 1);
	mx_meta_sb_dirty(&src->meta);
	src->gen_seq++;
}

static void mx_gen_work(struct work_struct *ws)
{
	struct mx_source *src = container_of(ws, struct mx_source, gen_work);
	u32 i;

	for (i = 0; i < src->nr_peers; i++) {
		struct mx_peer *p = &src->peers[i];

		if (!mx_peer_replicating(p))
			continue;
		/*
		 * InSync (or being verified) or catching up, read as the
		 * state joins the send queue (mx_rs_state_prep()).
		 */
		mx_send_sync_state(p, 0);
	}
}

/*
 * Admit @w (not conflicting): mark its regions for every peer. Returns true
 * when its bits are on disk and it may be dispatched now. Under src->lock.
 */
static bool mx_write_admit_locked(struct mx_source *src, struct mx_write *w)
{
	bool persisted = true, heated = false, seq;
	u32 i;

	list_add_tail(&w->list, &src->inflight);
	if (!w->sectors)
		return true;
	src->writes_since_sweep++;
	bitmap_set(src->unflushed, w->r0, w->r1 - w->r0 + 1);
	/* Data writes heat their extents; a discard's range stays exact. */
	if (w->sector == src->seq_next)
		src->seq_run = min(src->seq_run + 1, MX_SEQ_RUN);
	else
		src->seq_run = 0;
	seq = src->seq_run == MX_SEQ_RUN;
	src->seq_next = w->sector + w->sectors;
	spin_lock(&src->meta.lock);
	mx_rotate_gen_locked(src);
	if (src->hot_limit && bio_op(w->bio) == REQ_OP_WRITE &&
	    mx_ilog_heat_locked(&src->ilog, w->r0, w->r1,
				seq ? MX_HEAT_AHEAD : 0))
		heated = true;
	for (i = 0; i < src->nr_peers; i++)
		if (!mx_ilog_mark_locked(&src->ilog,
					 src->peers[i].conf.node_id,
					 w->r0, w->r1))
			persisted = false;
	spin_unlock(&src->meta.lock);
	persisted = persisted && src->gen_seq == src->gen_committed;
	/* Extents marked ahead: committed while the stream writes on. */
	if (heated && persisted)
		queue_work(src->wq, &src->commit_work);
	return persisted;
}

static bool mx_write_persisted_locked(struct mx_source *src,
				      struct mx_write *w)
{
	bool ok = src->gen_seq == src->gen_committed;
	u32 i;

	spin_lock(&src->meta.lock);
	for (i = 0; i < src->nr_peers && ok; i++)
		ok = mx_ilog_persisted_locked(&src->ilog,
					      src->peers[i].conf.node_id,
					      w->r0, w->r1);
	spin_unlock(&src->meta.lock);
	return ok;
}

/*
 * Metadata commit and admission worker: admit blocked writes that no longer
 * conflict, write the bitmap blocks writers wait for, then dispatch every
 * writer whose bits are on disk.
 */
static void mx_commit_work(struct work_struct *ws)
{
	struct mx_source *src = container_of(ws, struct mx_source,
					     commit_work);
	struct mx_write *w, *tmp;
	LIST_HEAD(ready);
	LIST_HEAD(failed);
	unsigned long flags;
	bool waiting;
	u64 gen_seq;
	int r;

	mx_dispatch_throttled(src);
	spin_lock_irqsave(&src->lock, flags);
	list_for_each_entry_safe(w, tmp, &src->blocked, wait_list) {
		if (mx_write_conflicts(src, w))
			continue;
		list_del_init(&w->wait_list);
		if (mx_write_admit_locked(src, w))
			list_add_tail(&w->wait_list, &ready);
		else
			list_add_tail(&w->wait_list, &src->commit_wait);
	}
	spin_unlock_irqrestore(&src->lock, flags);

	spin_lock_irqsave(&src->lock, flags);
	gen_seq = src->gen_seq;
	spin_unlock_irqrestore(&src->lock, flags);
	/*
	 * Writers waiting but nothing dirty: a commit someone else started
	 * (handshake, message) is writing their bits; wait for it on the
	 * commit lock instead of requeueing until it ends.
	 */
	spin_lock_irqsave(&src->lock, flags);
	waiting = !list_empty(&src->commit_wait);
	spin_unlock_irqrestore(&src->lock, flags);
	/*
	 * Not after postsuspend handed the metadata over (another table may
	 * own it now; this one re-reads it if resumed): a late mark, say an
	 * async write failing after the drain gave up, stays in core. No
	 * writer waits then: suspend waited for every mapped write.
	 */
	if (READ_ONCE(src->meta_current) &&
	    (gen_seq != src->gen_committed || waiting ||
	     mx_ilog_needs_commit(&src->ilog))) {
		r = mx_ilog_commit(&src->ilog);
		spin_lock_irqsave(&src->lock, flags);
		if (!r) {
			if (src->gen_committed != gen_seq)
				queue_work(src->wq, &src->gen_work);
			src->gen_committed = gen_seq;
		} else {
			/* A write is never issued without its bits on disk. */
			list_for_each_entry_safe(w, tmp, &src->commit_wait,
						 wait_list) {
				list_del_init(&w->list);
				w->status = BLK_STS_IOERR;
				list_move_tail(&w->wait_list, &failed);
			}
			if (src->nr_resync_wanted)
				wake_up_all(&src->region_wait);
		}
		spin_unlock_irqrestore(&src->lock, flags);
	}

	spin_lock_irqsave(&src->lock, flags);
	list_for_each_entry_safe(w, tmp, &src->commit_wait, wait_list)
		if (mx_write_persisted_locked(src, w))
			list_move_tail(&w->wait_list, &ready);
	if (!list_empty(&src->commit_wait) || (!list_empty(&failed) &&
					       !list_empty(&src->blocked)))
		queue_work(src->wq, &src->commit_work);
	spin_unlock_irqrestore(&src->lock, flags);

	list_for_each_entry_safe(w, tmp, &ready, wait_list) {
		list_del_init(&w->wait_list);
		mx_write_dispatch(w);
	}
	list_for_each_entry_safe(w, tmp, &failed, wait_list) {
		list_del_init(&w->wait_list);
		mx_write_end(w);
	}
}

static int mx_map_write(struct mx_source *src, struct bio *bio)
{
	struct mx_write *w = dm_per_bio_data(bio, sizeof(struct mx_write));
	u32 shift = ilog2(src->meta.sb.region_sectors);
	unsigned long flags;
	bool now = false;

	w->src = src;
	w->bio = bio;
	w->status = BLK_STS_OK;
	w->failed_peers = 0;
	INIT_LIST_HEAD(&w->list);
	INIT_LIST_HEAD(&w->wait_list);
	w->sector = dm_target_offset(src->ti, bio->bi_iter.bi_sector);
	w->sectors = bio_sectors(bio);
	if (w->sectors) {
		w->r0 = w->sector >> shift;
		w->r1 = (w->sector + w->sectors - 1) >> shift;
	}
	atomic_inc(&src->nr_inflight);

	spin_lock_irqsave(&src->lock, flags);
	if (mx_write_conflicts(src, w) || !list_empty(&src->blocked)) {
		list_add_tail(&w->wait_list, &src->blocked);
		queue_work(src->wq, &src->commit_work);
	} else if (mx_write_admit_locked(src, w)) {
		now = true;
	} else {
		list_add_tail(&w->wait_list, &src->commit_wait);
		queue_work(src->wq, &src->commit_work);
	}
	spin_unlock_irqrestore(&src->lock, flags);

	if (now)
		mx_write_dispatch(w);
	return DM_MAPIO_SUBMITTED;
}

static int mirrorx_map(struct dm_target *ti, struct bio *bio)
{
	struct mx_source *src = ti->private;

	if (bio_data_dir(bio) == READ) {
		bio_set_dev(bio, src->data_dev->bdev);
		bio->bi_iter.bi_sector = dm_target_offset(ti,
							  bio->bi_iter.bi_sector);
		return DM_MAPIO_REMAPPED;
	}
	return mx_map_write(src, bio);
}

/* --- clearing and the hot set ------------------------------------------ */

/*
 * Regions [@first, @first + @nbits) of the sweep's chunk at @first
 * (MX_SWEEP_CHUNK, fewer at the device's end).
 */
static u32 mx_sweep_chunk_len(struct mx_source *src, u64 first)
{
	return min_t(u64, src->meta.nr_regions - first, MX_SWEEP_CHUNK);
}

/*
 * Has @p a region to clear in the chunk at @first: marked, not out of
 * sync, not locked by a resync, no application write in flight in it?
 * A region whose async copy is still queued counts: a sweep that finds
 * only such regions flushes for nothing, and its clearing leaves them
 * (mx_sweep_clear()). Under src->lock and src->meta.lock.
 */
static bool mx_sweep_pick_chunk_locked(struct mx_source *src,
				       struct mx_peer *p, u64 first)
{
	DECLARE_BITMAP(cand, MX_SWEEP_CHUNK);
	u32 nbits = mx_sweep_chunk_len(src, first);
	u64 last = first + nbits - 1;
	struct mx_write *w;

	if (!mx_ilog_sweep_cand_range_locked(&src->ilog, p->conf.node_id,
					     first, nbits, cand))
		return false;
	if (src->nr_resync_locked)
		bitmap_andnot(cand, cand,
			      src->resync_locked + first / BITS_PER_LONG, nbits);
	/* Once per chunk with candidates: a walk of the writes in flight. */
	list_for_each_entry(w, &src->inflight, list)
		if (w->sectors && w->r0 <= last && w->r1 >= first)
			bitmap_clear(cand, max(w->r0, first) - first,
				     min(w->r1, last) - max(w->r0, first) + 1);
	return !bitmap_empty(cand, nbits);
}

/*
 * The replicating peers with a region to clear: a chunk at a time, each
 * peer until one is found. A peer with no region marked at all (an idle,
 * clean mirror's) is not scanned (mx_ilog_sweep_begin_locked()).
 */
static unsigned long mx_sweep_pick(struct mx_source *src)
{
	struct mx_ilog *il = &src->ilog;
	unsigned long flags, mask = 0, open = 0;
	u64 first;
	u32 i;

	spin_lock_irqsave(&src->lock, flags);
	spin_lock(&src->meta.lock);
	for (i = 0; i < src->nr_peers; i++)
		if (mx_peer_replicating(&src->peers[i]) &&
		    mx_ilog_sweep_begin_locked(il,
					       src->peers[i].conf.node_id))
			__set_bit(i, &open);
	spin_unlock(&src->meta.lock);
	spin_unlock_irqrestore(&src->lock, flags);

	for (first = 0; first < src->meta.nr_regions && open;
	     first += MX_SWEEP_CHUNK) {
		spin_lock_irqsave(&src->lock, flags);
		spin_lock(&src->meta.lock);
		for_each_set_bit(i, &open, src->nr_peers) {
			struct mx_peer *p = &src->peers[i];

			if (mx_peer_replicating(p)) {
				if (!mx_sweep_pick_chunk_locked(src, p, first))
					continue;
				__set_bit(i, &mask);
			}
			/* Found, or gone: this scan of its map stops. */
			mx_ilog_sweep_stop_locked(il, p->conf.node_id);
			__clear_bit(i, &open);
		}
		spin_unlock(&src->meta.lock);
		spin_unlock_irqrestore(&src->lock, flags);
		cond_resched();
	}
	return mask;
}

/*
 * One sweep at a time (sweep_work, and postsuspend's after it cancelled
 * sweep_work): src->unflushed belongs to the running one.
 *
 * A flush epoch begins: from its end on src->unflushed holds every region
 * whose data a flush issued then may not cover. It is cleared a chunk at
 * a time, each chunk with the regions a resync holds locked at that
 * moment; then, in one hold of src->lock, the regions of the writes in
 * flight and of the async copies queued. Meanwhile and after, a write
 * admitted (mx_write_admit_locked()) and a region locked
 * (mx_source_try_lock_region()) set their bits themselves. So a write,
 * copy or queued async copy to a region either set the bit after its
 * chunk was cleared, or was still in flight, locked or queued at the end
 * (its bit set then), or had ended before the end, which the flushes
 * issued after it cover. Writes and queued copies still going on later
 * are thus always in src->unflushed: the clearing need not look them up.
 */
static void mx_flush_epoch_begin(struct mx_source *src)
{
	unsigned long flags;
	struct mx_write *w;
	u64 first;
	u32 i;

	for (first = 0; first < src->meta.nr_regions;
	     first += MX_SWEEP_CHUNK) {
		u32 nbits = mx_sweep_chunk_len(src, first);
		u64 wd = first / BITS_PER_LONG;

		spin_lock_irqsave(&src->lock, flags);
		bitmap_zero(src->unflushed + wd, nbits);
		if (src->nr_resync_locked)
			bitmap_or(src->unflushed + wd, src->unflushed + wd,
				  src->resync_locked + wd, nbits);
		spin_unlock_irqrestore(&src->lock, flags);
		cond_resched();
	}
	spin_lock_irqsave(&src->lock, flags);
	list_for_each_entry(w, &src->inflight, list)
		if (w->sectors)
			bitmap_set(src->unflushed, w->r0, w->r1 - w->r0 + 1);
	for (i = 0; i < src->nr_peers; i++)
		mx_async_include_locked(&src->peers[i], src->unflushed);
	spin_unlock_irqrestore(&src->lock, flags);
}

/*
 * Clear, for each peer of @mask still replicating, the bits of regions
 * marked, not out of sync and in neither src->unflushed (see
 * mx_flush_epoch_begin()) nor a resync's locks: a chunk at a time.
 */
static void mx_sweep_clear(struct mx_source *src, unsigned long mask)
{
	unsigned long flags;
	u64 first;
	u32 i;

	for (first = 0; first < src->meta.nr_regions;
	     first += MX_SWEEP_CHUNK) {
		u32 nbits = mx_sweep_chunk_len(src, first);

		spin_lock_irqsave(&src->lock, flags);
		spin_lock(&src->meta.lock);
		for_each_set_bit(i, &mask, src->nr_peers) {
			struct mx_peer *p = &src->peers[i];

			if (!mx_peer_replicating(p))
				continue;
			mx_ilog_sweep_clear_range_locked(&src->ilog,
							 p->conf.node_id,
							 first, nbits,
							 src->unflushed,
							 src->nr_resync_locked ?
							 src->resync_locked :
							 NULL);
		}
		spin_unlock(&src->meta.lock);
		spin_unlock_irqrestore(&src->lock, flags);
		cond_resched();
	}
}

/* The FLUSH packets of one sweep, one per peer; freed by the last user. */
struct mx_sweep_flush {
	refcount_t ref;			/* the sweep + one per packet */
	atomic_t pending;		/* packets not yet answered */
	struct completion done;
	unsigned long failed;		/* peers (idx) whose flush failed */
	struct mx_preq rq[MX_MAX_PEERS];
};

static void mx_sweep_flush_put(struct mx_sweep_flush *f)
{
	if (refcount_dec_and_test(&f->ref))
		kfree(f);
}

static void mx_sweep_flush_done(struct mx_preq *rq, int error)
{
	struct mx_sweep_flush *f = container_of(rq, struct mx_sweep_flush,
						rq[rq->peer->idx]);

	if (error)
		set_bit(rq->peer->idx, &f->failed);
	if (atomic_dec_and_test(&f->pending))
		complete(&f->done);
	mx_sweep_flush_put(f);
}

/*
 * Make the data of every completed write durable on this node and on the
 * peers in @mask: flush the local data device, send each peer a FLUSH.
 * Returns the peers of @mask for which both succeeded; none if the local
 * flush failed or a peer did not answer in MX_SWEEP_FLUSH_TIMEOUT (its
 * connection is dropped by then).
 *
 * The FLUSH need not be a barrier: the sweep clears only regions whose
 * writes, resync copies and async copies every peer had acknowledged
 * before the FLUSH went out (mx_flush_epoch_begin() keeps the others),
 * and a target acknowledges a write once it completed. So a peer that
 * speaks MX_PROTO_ACKED_FLUSH gets MX_WF_ACKED_ONLY: it flushes at once
 * and keeps reading, where a barrier would stop its receive thread until
 * every write it holds completed, a gap in a stream of writes at each
 * sweep. An older peer gets the barrier.
 */
static unsigned long mx_sweep_flush(struct mx_source *src, unsigned long mask)
{
	struct mx_sweep_flush *f;
	unsigned long ok = 0;
	u32 i, n = hweight_long(mask);
	int r;

	f = kzalloc(sizeof(*f), GFP_NOIO);
	if (!f)
		return 0;
	refcount_set(&f->ref, n + 1);
	atomic_set(&f->pending, n + 1);
	init_completion(&f->done);
	for_each_set_bit(i, &mask, src->nr_peers) {
		struct mx_preq *rq = &f->rq[i];

		INIT_LIST_HEAD(&rq->list);
		rq->peer = &src->peers[i];
		rq->hdr.type = MX_P_FLUSH;
		if (READ_ONCE(rq->peer->acked_flush_ok))
			rq->hdr.flags = MX_WF_ACKED_ONLY;
		rq->done = mx_sweep_flush_done;
		mx_peer_queue(rq->peer, rq);
	}
	r = mx_bdev_flush(src->data_dev->bdev, "a flush");
	if (r)
		DMERR_LIMIT("%s: data device flush failed: %d",
			    mx_dev_name(src), r);
	if (!atomic_dec_and_test(&f->pending) &&
	    !wait_for_completion_timeout(&f->done, MX_SWEEP_FLUSH_TIMEOUT))
		DMWARN("%s: a peer did not acknowledge a flush: its regions stay marked",
		       mx_dev_name(src));
	else if (!r)
		ok = mask & ~READ_ONCE(f->failed);
	mx_sweep_flush_put(f);
	return ok;
}

/*
 * Does this sweep flush and clear? With @lazy, while writes come in
 * (@busy: one came since the last sweep) or a peer resyncs, one in
 * MX_SWEEP_SPACED_PERIODS sweeps does: for all peers at once, so each
 * disk gets one flush per spell however many peers there are. Under
 * src->lock.
 */
static bool mx_sweep_flushes(struct mx_source *src, bool lazy, bool busy)
{
	bool resyncing = false;
	u32 i;

	for (i = 0; i < src->nr_peers; i++)
		resyncing |= mx_peer_replicating(&src->peers[i]) &&
			     src->peers[i].rstate == MX_RS_RESYNCING;
	return mx_sweep_due(&src->sweep_skipped,
			    lazy && (busy || resyncing),
			    MX_SWEEP_SPACED_PERIODS);
}

/*
 * Clear the bits of regions whose data every replicating peer has (not out
 * of sync, nothing in flight or queued), then cool the hot set. A bit is
 * cleared only once its region's data is durable on both nodes: the
 * candidates are picked, the local data device and the peers flushed
 * (mx_sweep_flush()), and only the candidates that no write or resync
 * copy touched since the flush began are cleared. In a hot extent that
 * costs no metadata write (the extent stays marked on disk as a whole).
 * Each scan of the maps goes MX_SWEEP_CHUNK regions per hold of the
 * locks: on a 16 TiB device one hold over whole maps kept interrupts off
 * for tens of milliseconds on real hardware (seconds under TCG), with
 * every write waiting, each second even while idle.
 *
 * While writes come in, or while a peer resyncs, the sweep flushes and
 * clears every MX_SWEEP_SPACED_PERIODS periods only (mx_sweep_flushes()):
 * a flush stalls the disks' writes, and the clearing matters once the
 * writes pause (cooling) or the link fails (what a reconnect resyncs).
 *
 * Cooling, with @lazy: while the mirror is being written, at most the
 * hot_set option's worth of extents stay hot, those not written in the
 * last period cooled first; once no write came for MX_IDLE_PERIODS
 * periods, all are cooled, so an idle mirror has nothing to resync after a
 * crash. Without @lazy (suspend), all are. A region's image goes 1 -> 0
 * only where its bit is clear, i.e. its data is durable everywhere.
 */
static void mx_sweep(struct mx_source *src, bool lazy)
{
	unsigned long flags, mask = 0;
	u64 limit = 0;
	bool busy, flushes;

	spin_lock_irqsave(&src->lock, flags);
	/* Writes admitted during this sweep's flush count for the next. */
	busy = src->writes_since_sweep != 0;
	src->writes_since_sweep = 0;
	src->idle_periods = busy ? 0 : src->idle_periods + 1;
	if (lazy && src->idle_periods < MX_IDLE_PERIODS)
		limit = src->hot_limit;
	flushes = mx_sweep_flushes(src, lazy, busy);
	spin_unlock_irqrestore(&src->lock, flags);

	if (flushes)
		mask = mx_sweep_pick(src);
	if (mask) {
		mx_flush_epoch_begin(src);
		mask = mx_sweep_flush(src, mask);
	}
	if (mask)
		mx_sweep_clear(src, mask);

	spin_lock_irqsave(&src->lock, flags);
	spin_lock(&src->meta.lock);
	mx_ilog_cool_locked(&src->ilog, limit);
	spin_unlock(&src->meta.lock);
	spin_unlock_irqrestore(&src->lock, flags);
}

static void mx_sweep_work(struct work_struct *ws)
{
	struct mx_source *src = container_of(to_delayed_work(ws),
					     struct mx_source, sweep_work);

	mx_sweep(src, true);
	if (mx_ilog_needs_commit(&src->ilog))
		mx_source_kick_commit(src);
	queue_delayed_work(src->rs_wq, &src->sweep_work, MX_SWEEP_PERIOD);
}

/* --- constructor / destructor ------------------------------------------ */

/*
 * May the data the metadata describes serve as the source? Outdated and
 * Inconsistent data may not, unless the table says force_promote (the
 * admin's decision, logged). Returns NULL or the reason (a static string
 * for ti->error).
 */
static const char *mx_source_data_refusal(struct mx_source *src)
{
	enum mx_data_state ds;
	const char *why;

	spin_lock_irq(&src->meta.lock);
	ds = mx_recv_data_state(src->meta.sb.flags, false);
	spin_unlock_irq(&src->meta.lock);
	why = mx_data_source_refusal(ds);
	if (why && src->conf.opts.force_promote && ds != MX_DS_FAILED) {
		pr_warn("mirrorx: %s: force_promote: taking the source role on %s data: writes its old source made after this node lost it are discarded\n",
			mx_dev_name(src), mx_data_state_name(ds));
		return NULL;
	}
	return why;
}

/*
 * A source that has never had a generation starts one now. A forced
 * promotion's data (Outdated, Inconsistent) is now what the peers sync
 * from: it loses those flags.
 */
static int mx_source_init_generation(struct mx_source *src)
{
	struct mx_sb_info *sb = &src->meta.sb;
	bool changed = false;

	spin_lock_irq(&src->meta.lock);
	if (!memchr_inv(sb->uuid, 0, MX_UUID_LEN)) {
		get_random_bytes(sb->uuid, MX_UUID_LEN);
		changed = true;
	}
	if (!sb->current_gen) {
		sb->current_gen = get_random_u64() | 1;
		changed = true;
	}
	if (sb->flags & (MX_SB_FRESH | MX_SB_OUTDATED | MX_SB_INCONSISTENT)) {
		sb->flags &= ~(MX_SB_FRESH | MX_SB_OUTDATED |
			       MX_SB_INCONSISTENT);
		changed = true;
	}
	if (sb->node_id != src->conf.opts.node_id) {
		sb->node_id = src->conf.opts.node_id;
		changed = true;
	}
	if (changed)
		mx_meta_sb_dirty(&src->meta);
	spin_unlock_irq(&src->meta.lock);
	return changed ? mx_ilog_commit(&src->ilog) : 0;
}

static int mirrorx_ctr(struct dm_target *ti, unsigned int argc, char **argv)
{
	struct mx_source *src;
	bool formatted;
	const char *err, *why;
	u32 i;
	int r;

	src = kzalloc(sizeof(*src), GFP_KERNEL);
	if (!src) {
		ti->error = "Cannot allocate context";
		return -ENOMEM;
	}
	src->ti = ti;
	ti->private = src;
	spin_lock_init(&src->lock);
	INIT_LIST_HEAD(&src->inflight);
	init_waitqueue_head(&src->region_wait);
	INIT_LIST_HEAD(&src->blocked);
	INIT_LIST_HEAD(&src->commit_wait);
	INIT_LIST_HEAD(&src->held);
	INIT_LIST_HEAD(&src->throttled);
	init_waitqueue_head(&src->drain_wait);
	init_waitqueue_head(&src->rs_wake);
	INIT_WORK(&src->commit_work, mx_commit_work);
	INIT_DELAYED_WORK(&src->sweep_work, mx_sweep_work);
	INIT_WORK(&src->event_work, mx_event_work);
	INIT_WORK(&src->gen_work, mx_gen_work);

	r = mx_parse_src_table(argc, argv, &src->conf, &ti->error);
	if (r)
		goto bad_free;
	if (src->conf.opts.auth_key[0]) {
		src->auth = kzalloc(sizeof(*src->auth), GFP_KERNEL);
		if (!src->auth) {
			ti->error = "Cannot allocate auth secret";
			r = -ENOMEM;
			goto bad_free;
		}
		r = mx_auth_load(src->conf.opts.auth_key, src->auth,
				 &ti->error);
		if (r)
			goto bad_free;
	}
	src->table = mx_join_args(argc, argv);
	if (!src->table) {
		ti->error = "Cannot allocate table copy";
		r = -ENOMEM;
		goto bad_free;
	}

	r = dm_get_device(ti, src->conf.data_path, dm_table_get_mode(ti->table),
			  &src->data_dev);
	if (r) {
		ti->error = "Cannot open data device";
		goto bad_table;
	}
	r = dm_get_device(ti, src->conf.meta_path,
			  MX_DEV_MODE_RW, &src->meta_dev);
	if (r) {
		ti->error = "Cannot open metadata device";
		goto bad_data;
	}
	if (src->meta_dev->bdev->bd_dev == src->data_dev->bdev->bd_dev) {
		ti->error = "Data and metadata devices must differ";
		r = -EINVAL;
		goto bad_meta;
	}
	src->dev_sectors = bdev_nr_sectors(src->data_dev->bdev);
	if (ti->len > src->dev_sectors) {
		ti->error = "Device is larger than the data device";
		r = -EINVAL;
		goto bad_meta;
	}
	src->dev_sectors = ti->len;

	r = mx_meta_open(&src->meta, src->meta_dev->bdev,
			 bdev_nr_sectors(src->meta_dev->bdev), src->dev_sectors,
			 src->conf.region_sectors, &formatted, &err);
	if (r) {
		ti->error = (char *)err;
		goto bad_meta;
	}
	r = mx_ilog_init(&src->ilog, &src->meta);
	if (r) {
		ti->error = "Cannot allocate the intent log";
		goto bad_meta_open;
	}
	why = mx_source_data_refusal(src);
	if (why) {
		ti->error = (char *)why;
		r = -EINVAL;
		goto bad_meta_open;
	}
	for (i = 0; i < src->conf.nr_peers; i++) {
		r = mx_ilog_load_slot(&src->ilog, src->conf.peers[i].node_id);
		if (r) {
			ti->error = "Cannot read intent log";
			goto bad_meta_open;
		}
	}
	/* The generation is started at the first resume (preresume). */
	if (mx_ilog_hot_init(&src->ilog, MX_EXTENT_SECTORS)) {
		ti->error = "Cannot allocate the hot set";
		r = -ENOMEM;
		goto bad_meta_open;
	}
	/*
	 * hot_set MiB in extents of region_sectors << extent_shift sectors;
	 * a non-zero hot_set smaller than one extent keeps one.
	 */
	src->hot_limit = div64_u64((u64)src->conf.opts.hot_set <<
				   (20 - SECTOR_SHIFT),
				   (u64)src->meta.sb.region_sectors <<
				   src->ilog.extent_shift);
	if (src->conf.opts.hot_set && !src->hot_limit)
		src->hot_limit = 1;
	src->ilog.hot_cap = src->hot_limit;
	src->seq_next = (sector_t)-1;

	r = -ENOMEM;
	src->unflushed = mx_region_bitmap_alloc(src->meta.nr_regions);
	src->resync_locked = mx_region_bitmap_alloc(src->meta.nr_regions);
	if (!src->unflushed || !src->resync_locked) {
		ti->error = "Cannot allocate bitmaps";
		goto bad_bitmaps;
	}
	r = bioset_init(&src->bs, 64, 0, BIOSET_NEED_BVECS);
	if (r) {
		ti->error = "Cannot allocate bioset";
		goto bad_bitmaps;
	}
	src->wq = alloc_workqueue("mirrorx", WQ_MEM_RECLAIM | WQ_UNBOUND,
				  mx_fault_wq_max_active());
	if (!src->wq) {
		ti->error = "Cannot allocate workqueue";
		r = -ENOMEM;
		goto bad_bioset;
	}
	src->rs_wq = alloc_workqueue("mirrorx-rs",
				     WQ_MEM_RECLAIM | WQ_UNBOUND,
				     mx_fault_wq_max_active());
	if (!src->rs_wq) {
		ti->error = "Cannot allocate resync workqueue";
		r = -ENOMEM;
		goto bad_wq;
	}

	src->nr_peers = src->conf.nr_peers;
	for (i = 0; i < src->nr_peers; i++) {
		src->peers[i].idx = i;
		src->peers[i].conf = src->conf.peers[i];
		r = mx_peer_init(src, &src->peers[i]);
		if (r) {
			ti->error = "Cannot allocate peer";
			goto bad_peers;
		}
		mx_fence_init(&src->peers[i]);
	}

	/*
	 * Split data writes at the packet size, not at the region size: a
	 * write over several regions marks them all (r0..r1) and waits for
	 * every one of them, so smaller pieces would not help the intent
	 * log; they would only cost more packets, acks and admissions.
	 * Discards and write-zeroes carry no payload: io_hints caps them.
	 */
	r = dm_set_target_max_io_len(ti, MX_MAX_IO_SECTORS);
	if (r) {
		ti->error = "Cannot set the maximum I/O size";
		goto bad_peers;
	}
	ti->per_io_data_size = sizeof(struct mx_write);
	ti->num_flush_bios = 1;
	ti->num_discard_bios = 1;
	ti->num_write_zeroes_bios = 1;
	ti->flush_supported = true;
	return 0;

bad_peers:
	while (i--)
		mx_peer_free(&src->peers[i]);
	destroy_workqueue(src->rs_wq);
bad_wq:
	destroy_workqueue(src->wq);
bad_bioset:
	bioset_exit(&src->bs);
bad_bitmaps:
	kvfree(src->unflushed);
	kvfree(src->resync_locked);
bad_meta_open:
	mx_ilog_exit(&src->ilog);
	mx_meta_close(&src->meta);
bad_meta:
	dm_put_device(ti, src->meta_dev);
bad_data:
	dm_put_device(ti, src->data_dev);
bad_table:
	kfree(src->table);
bad_free:
	if (src->auth)
		mx_auth_wipe(src->auth);
	kfree(src->auth);
	kfree(src);
	return r;
}

static void mirrorx_dtr(struct dm_target *ti)
{
	struct mx_source *src = ti->private;
	u32 i;

	for (i = 0; i < src->nr_peers; i++)
		mx_peer_stop(&src->peers[i]);
	for (i = 0; i < src->nr_peers; i++)
		mx_fence_stop(&src->peers[i]);
	cancel_delayed_work_sync(&src->sweep_work);
	flush_workqueue(src->rs_wq);
	flush_workqueue(src->wq);
	if (src->meta_current)
		mx_ilog_commit(&src->ilog);
	destroy_workqueue(src->rs_wq);
	/* A resync read's completion may still be waking its peer. */
	synchronize_rcu();
	for (i = 0; i < src->nr_peers; i++)
		mx_peer_free(&src->peers[i]);
	destroy_workqueue(src->wq);
	bioset_exit(&src->bs);
	kvfree(src->unflushed);
	kvfree(src->resync_locked);
	mx_ilog_exit(&src->ilog);
	mx_meta_close(&src->meta);
	dm_put_device(ti, src->meta_dev);
	dm_put_device(ti, src->data_dev);
	kfree(src->table);
	if (src->auth)
		mx_auth_wipe(src->auth);
	kfree(src->auth);
	kfree(src);
}

/* --- suspend / resume --------------------------------------------------- */

/*
 * Stop resync and verify for a suspend: their loops see mx_rs_stopping()
 * and end once the regions in flight are acknowledged (or failed by the
 * request timeout), and a rate limit sleep is woken. Bits of the regions
 * copied are cleared already; postsuspend commits them.
 */
static void mx_source_stop_resync(struct mx_source *src)
{
	u32 held[MX_MAX_PEERS] = { 0 };
	unsigned long i, fenced = 0;
	struct mx_write *w;

	spin_lock_irq(&src->lock);
	src->suspending = true;
	list_for_each_entry(w, &src->held, wait_list)
		for_each_set_bit(i, &w->failed_peers, src->nr_peers)
			held[i]++;
	for (i = 0; i < src->nr_peers; i++)
		if (mx_fence_holds_locked(&src->peers[i]) ||
		    mx_fence_unconfirmed_locked(&src->peers[i]))
			__set_bit(i, &fenced);
	spin_unlock_irq(&src->lock);
	/*
	 * dm waits for those writes next, and only the peer's resync (which
	 * the suspend stops, as it stops a reconnect) or the admin releases
	 * them: say so, and how, rather than hang silently.
	 */
	for (i = 0; i < src->nr_peers; i++) {
		u32 node = src->peers[i].conf.node_id;

		if (!held[i])
			continue;
		if (test_bit(i, &fenced))
			DMWARN("%s: peer %u: the suspend waits for %u write(s) held for it while it is fenced: send \"peer_outdated %u\" once it cannot be promoted, or cancel the suspend",
			       mx_dev_name(src), node, held[i], node);
		else
			DMWARN("%s: peer %u: the suspend waits for %u write(s) held for it, which a suspend cannot deliver (its reconnect and resync stop): send \"disconnect %u\" to release them (they stay out of sync for it), or cancel the suspend",
			       mx_dev_name(src), node, held[i], node);
	}
	wake_up_all(&src->rs_wake);
	wake_up_all(&src->region_wait);
	for (i = 0; i < src->nr_peers; i++) {
		wake_up_all(&src->peers[i].resync_wait);
		wake_up_all(&src->peers[i].state_wait);
	}
}

/*
 * After a resume or a cancelled suspend: go on with every resync that was
 * stopped, or requested while suspended (peers with regions out of sync).
 */
static void mx_source_restart_resync(struct mx_source *src)
{
	u32 i;

	spin_lock_irq(&src->lock);
	src->suspending = false;
	for (i = 0; i < src->nr_peers; i++)
		mx_fence_resume_locked(&src->peers[i]);
	spin_unlock_irq(&src->lock);
	for (i = 0; i < src->nr_peers; i++)
		mx_resync_kick(&src->peers[i]);
}

static void mirrorx_presuspend(struct dm_target *ti)
{
	mx_source_stop_resync(ti->private);
}

static void mirrorx_presuspend_undo(struct dm_target *ti)
{
	mx_source_restart_resync(ti->private);
}

static void mirrorx_postsuspend(struct dm_target *ti)
{
	struct mx_source *src = ti->private;
	u32 i;

	/* dm has stopped new I/O: wait for ours, then make the log durable. */
	wait_event(src->drain_wait, !atomic_read(&src->nr_inflight));
	/*
	 * A switchover starts with a suspend: let connected async peers
	 * receive what is queued for them, or the new source's resync would
	 * overwrite those regions with older data. Bounded: a peer that
	 * cannot take it is dropped by its own timeouts meanwhile.
	 */
	if (!wait_event_timeout(src->drain_wait, mx_async_drained(src),
				MX_DRAIN_TIMEOUT))
		DMWARN("%s: async queue not drained at suspend", mx_dev_name(src));
	cancel_delayed_work_sync(&src->sweep_work);
	/* Resync and verify stopped at presuspend: their work ends soon. */
	flush_workqueue(src->rs_wq);
	flush_workqueue(src->wq);
	/*
	 * No handshake starts while suspending; end one in progress (its
	 * socket shut down) and wait for it, so nothing but this commit
	 * writes the metadata from now on.
	 */
	for (i = 0; i < src->nr_peers; i++) {
		mx_peer_end_handshake(&src->peers[i]);
		mutex_lock(&src->peers[i].handshake_mutex);
		mutex_unlock(&src->peers[i].handshake_mutex);
	}
	/* Quiet now: a clean switchover should leave nothing to resync. */
	mx_sweep(src, false);
	mx_ilog_commit(&src->ilog);
	/*
	 * Another table may take the metadata over now; should this one be
	 * resumed instead, it reads it again first (mirrorx_preresume()),
	 * and its destructor writes nothing it did not read back.
	 */
	WRITE_ONCE(src->meta_current, false);
}

/*
 * The constructor read the metadata while the table this one replaces
 * (a target being promoted, a source being reloaded) may still have been
 * writing it; that table is suspended now, its metadata committed
 * (postsuspend). Read it again before taking over, check once more that
 * the data may serve as a source, and only now write (a new generation).
 */
static int mx_source_take_over_meta(struct mx_source *src)
{
	const char *err = "Cannot read intent log";
	int r;

	r = mx_ilog_reread(&src->ilog, bdev_nr_sectors(src->meta_dev->bdev),
			   src->dev_sectors, &err);
	if (!r && mx_source_data_refusal(src)) {
		err = mx_source_data_refusal(src);
		r = -EINVAL;
	}
	if (!r) {
		err = "Cannot write metadata";
		r = mx_source_init_generation(src);
	}
	if (r)
		DMERR("%s: refusing to resume: %s (%d)", mx_dev_name(src), err,
		      r);
	return r;
}

/*
 * The bits just read from the intent log are what a crash (or a switchover)
 * left marked: the target holds most of those regions already, so their
 * resync compares them by checksum first (resync.c). Regions marked later,
 * while a peer is away, are copied.
 */
static void mx_source_seed_csum(struct mx_source *src)
{
	u32 i;

	spin_lock_irq(&src->lock);
	spin_lock(&src->meta.lock);
	for (i = 0; i < src->nr_peers; i++)
		mx_ilog_seed_csum_locked(&src->ilog,
					 src->peers[i].conf.node_id);
	spin_unlock(&src->meta.lock);
	spin_unlock_irq(&src->lock);
}

static int mirrorx_preresume(struct dm_target *ti)
{
	struct mx_source *src = ti->private;
	int r;

	if (src->meta_current)
		return 0;
	r = mx_source_take_over_meta(src);
	if (!r) {
		WRITE_ONCE(src->meta_current, true);
		mx_source_seed_csum(src);
	}
	return r;
}

static void mirrorx_resume(struct dm_target *ti)
{
	struct mx_source *src = ti->private;
	u32 i;

	for (i = 0; i < src->nr_peers; i++)
		mx_peer_start(&src->peers[i]);
	mx_source_restart_resync(src);
	queue_delayed_work(src->rs_wq, &src->sweep_work, MX_SWEEP_PERIOD);
}

/* --- status and messages ------------------------------------------------ */

/*
 * Regions marked on disk for at least one peer (its bits, or a hot
 * extent): what a crash now would resync. A status figure
 * (mx_ilog_weight()).
 */
static u64 mx_dirty_any(struct mx_source *src)
{
	unsigned long nodes = 0;
	u32 i;

	for (i = 0; i < src->nr_peers; i++)
		__set_bit(src->peers[i].conf.node_id, &nodes);
	return mx_ilog_weight(&src->ilog, nodes, true);
}

static void mirrorx_status(struct dm_target *ti, status_type_t type,
			   unsigned int status_flags, char *result,
			   unsigned int maxlen)
{
	struct mx_source *src = ti->private;
	unsigned int sz = 0;
	char addr[64];
	u32 i;

	switch (type) {
	case STATUSTYPE_INFO:
		DMEMIT("source %s %u %llu/%llu %u",
		       mx_data_state_name(MX_DS_UP_TO_DATE),
		       src->meta.sb.region_sectors,
		       (unsigned long long)mx_dirty_any(src),
		       (unsigned long long)src->meta.nr_regions, src->nr_peers);
		for (i = 0; i < src->nr_peers; i++) {
			struct mx_peer *p = &src->peers[i];
			unsigned long flags;
			u64 oos, done, total, qbytes, lag;
			enum mx_conn_state cs;
			enum mx_fence_state fs;
			u32 qwrites;
			enum mx_repl_state rs;

			spin_lock_irqsave(&src->lock, flags);
			cs = p->cstate;
			rs = mx_repl_shown(p->rstate, p->paused);
			oos = mx_ilog_oos_tally(&src->ilog, p->conf.node_id);
			done = p->resync_done;
			total = p->resync_total;
			qbytes = p->aq_bytes;
			qwrites = p->aq_writes;
			lag = mx_async_lag_ms_locked(p);
			fs = p->fence;
			spin_unlock_irqrestore(&src->lock, flags);
			/* Disconnected: what it will lack at the connect. */
			if (cs != MX_CS_CONNECTED)
				oos = mx_ilog_weight(&src->ilog,
						     BIT(p->conf.node_id),
						     false);
			if (cs == MX_CS_CONNECTED &&
			    (rs == MX_RS_RESYNCING || rs == MX_RS_PAUSED ||
			     rs == MX_RS_BEHIND))
				total = done + oos;
			/* While Verifying, done/total count regions compared. */
			DMEMIT(" %u %s %s %s %llu %llu/%llu %llu %u %llu",
			       p->conf.node_id, mx_conn_state_name(cs),
			       mx_repl_state_name(rs),
			       p->conf.async ? "async" : "sync",
			       (unsigned long long)oos,
			       (unsigned long long)done,
			       (unsigned long long)total,
			       (unsigned long long)qbytes, qwrites,
			       (unsigned long long)lag);
			/* A field appended only with the option: old parsers. */
			if (src->conf.opts.fencing)
				DMEMIT(" %s", mx_fence_state_name(fs));
			if (src->conf.opts.compress)
				mx_emit_comp(result, maxlen, &sz,
					     src->conf.opts.compress,
					     READ_ONCE(p->comp_state),
					     atomic64_read(&p->comp_raw),
					     atomic64_read(&p->comp_wire));
		}
		break;
	case STATUSTYPE_TABLE:
		DMEMIT("%s", src->table);
		break;
	case STATUSTYPE_IMA:
		DMEMIT_TARGET_NAME_VERSION(ti->type);
		DMEMIT(",role=source,data_dev=%s,meta_dev=%s,region_sectors=%u,peers=%u",
		       src->data_dev->name, src->meta_dev->name,
		       src->meta.sb.region_sectors, src->nr_peers);
		for (i = 0; i < src->nr_peers; i++) {
			mx_addr_str(&src->peers[i].conf.addr, addr,
				    sizeof(addr));
			DMEMIT(",peer_%u_id=%u,peer_%u_addr=%s,peer_%u_mode=%s",
			       i, src->peers[i].conf.node_id, i, addr, i,
			       src->peers[i].conf.async ? "async" : "sync");
		}
		DMEMIT(",auth=%c,data_csum=%c,compress=%s;",
		       src->conf.opts.auth_key[0] ? 'y' : 'n',
		       src->conf.opts.data_csum ? 'y' : 'n',
		       mx_comp_alg_name(src->conf.opts.compress));
		break;
	}
}

/*
 * "resync <peer> [full] [csum]": @full resyncs every region; @csum (which
 * implies @full) compares each by checksum first.
 */
static void mx_request_resync(struct mx_source *src, struct mx_peer *p,
			      bool full, bool csum)
{
	u32 node = p->conf.node_id;
	unsigned long flags;
	bool live;

	/*
	 * The bits and oos change in one section: a sweep in between
	 * would take the new bits for clearable ones (not out of sync). The
	 * resync copies a region only once its bit is on disk.
	 */
	full |= csum;
	spin_lock_irqsave(&src->lock, flags);
	live = mx_peer_replicating(p);
	spin_lock(&src->meta.lock);
	mx_ilog_request_resync_locked(&src->ilog, node, full, csum, live);
	spin_unlock(&src->meta.lock);
	/* A refused peer gets another chance: "full" names it the loser. */
	if (p->cstate == MX_CS_STANDALONE && full)
		p->want_connect = true;
	spin_unlock_irqrestore(&src->lock, flags);
	if (full)
		mx_ilog_commit(&src->ilog);
	/*
	 * The flag only serves the next handshake; on a live connection the
	 * bits, already on disk, carry the full resync (and its progress).
	 */
	if (full && live) {
		spin_lock_irq(&src->meta.lock);
		src->meta.sb.slots[node].flags &= ~MX_SLOT_FULL_SYNC;
		mx_meta_sb_dirty(&src->meta);
		spin_unlock_irq(&src->meta.lock);
		mx_ilog_commit(&src->ilog);
	}
	if (p->want_connect)
		mx_peer_connect(p);
	mx_resync_missed(p);
}

/*
 * The stats message's result: a line per peer with the counters of its
 * current or last resync (regions copied or compared; bytes compared by
 * checksum, bytes of data sent, bytes sent as write-zeroes). Returns 1:
 * dm copies @result out.
 */
static int mx_emit_stats(struct mx_source *src, char *result,
			 unsigned int maxlen)
{
	unsigned int sz = 0;
	u32 i;

	for (i = 0; i < src->nr_peers; i++) {
		struct mx_peer *p = &src->peers[i];
		u64 done;

		spin_lock_irq(&src->lock);
		done = p->resync_done;
		spin_unlock_irq(&src->lock);
		DMEMIT("peer %u resync_regions %llu compared_bytes %llu sent_bytes %llu zero_bytes %llu",
		       p->conf.node_id, (unsigned long long)done,
		       (unsigned long long)atomic64_read(&p->rs_compared),
		       (unsigned long long)atomic64_read(&p->rs_sent),
		       (unsigned long long)atomic64_read(&p->rs_zeroes));
		/*
		 * With the option only, as in status; numbers only (a key and
		 * its value each): the state is status's.
		 */
		if (src->conf.opts.compress)
			DMEMIT(" compress_data_bytes %llu compress_wire_bytes %llu",
			       (unsigned long long)atomic64_read(&p->comp_raw),
			       (unsigned long long)atomic64_read(&p->comp_wire));
		DMEMIT("\n");
	}
	return 1;
}

static int mirrorx_message(struct dm_target *ti, unsigned int argc,
			   char **argv, char *result, unsigned int maxlen)
{
	struct mx_source *src = ti->private;
	u32 ids[MX_MAX_PEERS];
	struct mx_msg m;
	struct mx_peer *p;
	const char *err;
	u32 i;
	int r;

	for (i = 0; i < src->nr_peers; i++)
		ids[i] = src->peers[i].conf.node_id;
	r = mx_parse_message(argc, argv, ids, src->nr_peers, &m, &err);
	if (r) {
		DMWARN("%s: invalid message: %s", mx_dev_name(src), err);
		return r;
	}
	p = m.peer >= 0 ? &src->peers[m.peer] : NULL;

	switch (m.verb) {
	case MX_MSG_RESYNC:
		for (i = 0; i < src->nr_peers; i++)
			if (!p || p == &src->peers[i])
				mx_request_resync(src, &src->peers[i], m.full,
						  m.csum);
		break;
	case MX_MSG_PAUSE:
	case MX_MSG_RESUME:
		mx_resync_set_paused(p, m.verb == MX_MSG_PAUSE);
		break;
	case MX_MSG_DISCONNECT:
		mx_peer_disconnect(p);
		break;
	case MX_MSG_CONNECT:
		mx_peer_connect(p);
		break;
	case MX_MSG_RESYNC_RATE:
		WRITE_ONCE(src->conf.opts.resync_rate, m.rate);
		break;
	case MX_MSG_ASSUME_CLEAN:
		r = mx_source_assume_clean(src, p);
		return r ?: mx_ilog_commit(&src->ilog);
	case MX_MSG_STATS:
		return mx_emit_stats(src, result, maxlen);
	case MX_MSG_PEER_OUTDATED:
		return mx_fence_peer_outdated(p);
	case MX_MSG_VERIFY:
		r = mx_verify_start(p);
		if (r)
			DMWARN("%s: verify: peer %u is not connected and in sync",
			       mx_dev_name(src), p->conf.node_id);
		return r;
	}
	return 0;
}

static void mirrorx_io_hints(struct dm_target *ti, struct queue_limits *limits)
{
	/* A packet's size field is 32 bits: keep discards and zeroes below. */
	limits->max_discard_sectors = min_not_zero(limits->max_discard_sectors,
						   MX_MAX_OP_SECTORS);
	limits->max_hw_discard_sectors =
		min_not_zero(limits->max_hw_discard_sectors, MX_MAX_OP_SECTORS);
	limits->max_write_zeroes_sectors =
		min_not_zero(limits->max_write_zeroes_sectors,
			     MX_MAX_OP_SECTORS);
}

static int mirrorx_iterate_devices(struct dm_target *ti,
				   iterate_devices_callout_fn fn, void *data)
{
	struct mx_source *src = ti->private;

	return fn(ti, src->data_dev, 0, ti->len, data);
}

static struct target_type mirrorx_target = {
	.name = "mirrorx",
	.version = {0, 1, 0},
	.module = THIS_MODULE,
	.ctr = mirrorx_ctr,
	.dtr = mirrorx_dtr,
	.map = mirrorx_map,
	.presuspend = mirrorx_presuspend,
	.presuspend_undo = mirrorx_presuspend_undo,
	.postsuspend = mirrorx_postsuspend,
	.preresume = mirrorx_preresume,
	.resume = mirrorx_resume,
	.status = mirrorx_status,
	.message = mirrorx_message,
	.iterate_devices = mirrorx_iterate_devices,
	.io_hints = mirrorx_io_hints,
};

int mx_source_register(void)
{
	return dm_register_target(&mirrorx_target);
}

void mx_source_unregister(void)
{
	dm_unregister_target(&mirrorx_target);
}
