// SPDX-License-Identifier: GPL-2.0
/*
 * dm-mirrorx online verify: compare every region of the source with a
 * peer by crc32c, without moving data. A region that differs is marked out
 * of sync (and in the intent log) and the resync that follows copies it,
 * as "drbdadm verify" followed by a resync does.
 *
 * Regions are locked against application writes while their checksums are
 * taken on both nodes, so a write in flight is never mistaken for a
 * difference.
 */
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/bio.h>
#include <linux/device-mapper.h>
#include "source.h"
#include "range_io.h"

#define DM_MSG_PREFIX "mirrorx"
#define MX_VERIFY_DEPTH		8

struct mx_vregion {
	struct mx_peer *peer;
	u64 region;
	atomic_t pending;
	bool differs;
	bool failed;
};

struct mx_vchunk {
	struct mx_preq rq;
	struct mx_vregion *vr;
	u32 crc;
};

static void mx_vregion_done(struct mx_vregion *vr)
{
	struct mx_peer *p = vr->peer;
	struct mx_source *src = p->src;
	unsigned long flags;

	spin_lock_irqsave(&src->lock, flags);
	/* A resync that interrupted the verify keeps its own count. */
	if (!vr->failed && p->rstate == MX_RS_VERIFYING)
		p->resync_done++;
	if (vr->differs) {
		p->verify_differ++;
		mx_source_mark_oos_locked(src, p, vr->region, vr->region);
	}
	spin_unlock_irqrestore(&src->lock, flags);
	mx_source_unlock_region(src, vr->region);
	kfree(vr);
	atomic_dec(&p->verify_inflight);
	atomic_dec(&p->resync_inflight);
	wake_up(&p->resync_wait);
}

static void mx_vchunk_done(struct mx_preq *rq, int error)
{
	struct mx_vchunk *c = container_of(rq, struct mx_vchunk, rq);
	struct mx_vregion *vr = c->vr;

	if (error)
		vr->failed = true;
	else if (be32_to_cpu(rq->reply_crc) != c->crc)
		vr->differs = true;
	kfree(c);
	if (atomic_dec_and_test(&vr->pending))
		mx_vregion_done(vr);
}

/* Verify region @r (locked by the caller) against @p. */
static int mx_verify_region(struct mx_peer *p, u64 r)
{
	struct mx_source *src = p->src;
	u32 shift = ilog2(src->meta.sb.region_sectors);
	sector_t start = r << shift, s;
	sector_t end = min_t(sector_t, start + src->meta.sb.region_sectors,
			     src->dev_sectors);
	struct mx_vregion *vr;
	struct mx_vchunk *c;
	int err = 0;

	vr = kzalloc(sizeof(*vr), GFP_NOIO);
	if (!vr) {
		mx_source_unlock_region(src, r);	/* it is ours */
		return -ENOMEM;
	}
	vr->peer = p;
	vr->region = r;
	atomic_set(&vr->pending, 1);
	atomic_inc(&p->resync_inflight);
	atomic_inc(&p->verify_inflight);
	for (s = start; s < end; s += MX_WIRE_MAX_DATA >> SECTOR_SHIFT) {
		u32 len = min_t(u64, MX_WIRE_MAX_DATA,
				(end - s) << SECTOR_SHIFT);

		c = kzalloc(sizeof(*c), GFP_NOIO);
		if (!c || mx_range_crc32c(src->data_dev->bdev, s, len, &c->crc)) {
			kfree(c);
			vr->failed = true;
			err = -EIO;
			break;
		}
		c->vr = vr;
		mx_preq_init(&c->rq, p, MX_P_VERIFY_REQ, s, len,
			     mx_vchunk_done);
		c->rq.reply = &c->rq.reply_crc;
		c->rq.reply_len = MX_VERIFY_REPLY_LEN;
		atomic_inc(&vr->pending);
		mx_peer_queue(p, &c->rq);
	}
	if (atomic_dec_and_test(&vr->pending))
		mx_vregion_done(vr);
	return err;
}

static bool mx_verify_may_run(struct mx_peer *p)
{
	return READ_ONCE(p->rstate) == MX_RS_VERIFYING &&
	       mx_peer_replicating(p) && !mx_rs_stopping(p->src);
}

void mx_verify_work(struct work_struct *ws)
{
	struct mx_peer *p = container_of(ws, struct mx_peer, verify_work);
	struct mx_source *src = p->src;
	u64 nr = src->meta.nr_regions, r = 0, bytes = 0, differ;
	unsigned long start = jiffies;
	bool complete = false;

	while (mx_verify_may_run(p)) {
		if (r >= nr) {
			complete = true;
			break;
		}
		wait_event_timeout(p->resync_wait,
				   atomic_read(&p->verify_inflight) <
				   MX_VERIFY_DEPTH, HZ);
		if (atomic_read(&p->verify_inflight) >= MX_VERIFY_DEPTH)
			continue;
		/* Waits for the writes in flight there (new ones queue). */
		if (!mx_source_lock_region_wait(src, p, r, mx_verify_may_run,
						NULL, NULL))
			continue;
		if (mx_verify_region(p, r))
			break;
		r++;
		bytes += (u64)src->meta.sb.region_sectors << SECTOR_SHIFT;
		mx_rs_throttle(src, start, bytes);
	}
	mx_rs_wait_inflight(p, &p->verify_inflight, "verify");
	mx_source_kick_commit(src);

	spin_lock_irq(&src->lock);
	differ = p->verify_differ;
	/*
	 * Regions found to differ take the peer straight on to Resyncing:
	 * it is never InSync meanwhile (a held write would be released).
	 */
	if (p->rstate == MX_RS_VERIFYING &&
	    !mx_peer_set_repl_locked(p, MX_RS_IN_SYNC))
		mx_resync_start_locked(p);
	spin_unlock_irq(&src->lock);
	DMINFO("%s: peer %u: verify %s: %llu of %llu regions differ",
	       dm_table_device_name(src->ti->table), p->conf.node_id,
	       complete ? "finished" : "interrupted",
	       (unsigned long long)differ, (unsigned long long)nr);
	/* Regions that differ, and writes the peer missed meanwhile. */
	mx_resync_kick(p);
}

/* Start verifying @p: only from InSync. */
int mx_verify_start(struct mx_peer *p)
{
	struct mx_source *src = p->src;
	int r = 0;

	spin_lock_irq(&src->lock);
	/*
	 * Nor while the work of a verify that a missed write interrupted
	 * still runs: it would go on, or end, as this one.
	 */
	if (!mx_peer_replicating(p) || p->rstate != MX_RS_IN_SYNC ||
	    work_busy(&p->verify_work)) {
		r = -EBUSY;
	} else {
		p->resync_done = 0;
		p->resync_total = src->meta.nr_regions;
		p->verify_differ = 0;
		r = mx_peer_set_repl_locked(p, MX_RS_VERIFYING);
	}
	spin_unlock_irq(&src->lock);
	if (!r)
		queue_work(src->rs_wq, &p->verify_work);
	return r;
}
