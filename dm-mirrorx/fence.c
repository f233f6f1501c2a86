// SPDX-License-Identifier: GPL-2.0
/*
 * dm-mirrorx source role: fencing ("fencing resource" table option).
 *
 * A sync peer that held all our acknowledged writes (InSync, Verifying)
 * and is lost (link down, peer gone, disconnect message) could be
 * promoted by a cluster that does not know what it missed. So from the
 * first write it misses, writes are held (written locally, not completed:
 * queued, never failed) and the peer is Pending: a dm event wakes the
 * cluster's fence-peer step (mirrorctl events, dmsetup wait), which makes
 * sure the peer cannot be promoted (mirrorctl outdate on it, or fences
 * it) and then says so with the "peer_outdated <peer>" message: the peer
 * is PeerOutdated and the writes complete. A reconnect (handshake done:
 * the peer is in sync again, or Inconsistent on disk until its resync
 * ends) also ends it. Without either within fence_timeout the peer is
 * Failed: writes stay held, and the log and status say what the admin
 * must do. The states and their table are in peer_state.c.
 */
#include <linux/device-mapper.h>
#include "source.h"

#define DM_MSG_PREFIX "mirrorx"

static const char *mx_fence_dev(struct mx_peer *p)
{
	return dm_table_device_name(p->src->ti->table);
}

/* Under src->lock. */
static void mx_fence_set_locked(struct mx_peer *p, enum mx_fence_state fs)
{
	lockdep_assert_held(&p->src->lock);
	if (p->fence == fs)
		return;
	if (WARN_ON_ONCE(!mx_fence_transition_valid(p->fence, fs)))
		return;
	p->fence = fs;
	mx_source_event(p->src);
}

/*
 * @p holds all our acknowledged writes and is lost now; @missed: a write
 * missed it (that write is held until fencing ends). Under src->lock.
 */
static void mx_fence_lost_locked(struct mx_peer *p, bool missed)
{
	struct mx_source *src = p->src;
	u32 secs = src->conf.opts.fence_timeout;

	if (!src->conf.opts.fencing || p->conf.async ||
	    p->fence != MX_FS_NONE)
		return;
	/*
	 * A clean switchover drops the peers at suspend with nothing missed:
	 * no fencing then, unless this table resumes without the peer
	 * (mx_fence_resume_locked()). A missed write is fenced at once.
	 */
	if (READ_ONCE(src->suspending) && !missed) {
		p->fence_lost_suspended = true;
		return;
	}
	mx_fence_set_locked(p, MX_FS_PENDING);
	p->fence_deadline = jiffies + secs * HZ;
	mod_delayed_work(src->wq, &p->fence_work, secs * HZ);
	DMWARN("%s: peer %u lost while in sync: fencing: writes held until \"peer_outdated %u\" (or it reconnects), fence_timeout %u s",
	       mx_fence_dev(p), p->conf.node_id, p->conf.node_id, secs);
}

void mx_fence_state_changed_locked(struct mx_peer *p,
				   enum mx_conn_state ocs,
				   enum mx_repl_state ors)
{
	bool was = ocs == MX_CS_CONNECTED, is = p->cstate == MX_CS_CONNECTED;

	if (is)
		p->fence_lost_suspended = false;
	if (was && !is && mx_fence_on_loss(ors, p->rs_unconfirmed)) {
		/* Unconfirmed: a write missed it (mx_fence_lost_locked()). */
		mx_fence_lost_locked(p, p->rs_unconfirmed);
	} else if (!was && is && p->fence != MX_FS_NONE) {
		mx_fence_set_locked(p, MX_FS_NONE);
		DMINFO("%s: peer %u reconnected: fencing ended, held writes complete",
		       mx_fence_dev(p), p->conf.node_id);
		/* The work releases the held writes (not under src->lock). */
		mod_delayed_work(p->src->wq, &p->fence_work, 0);
	}
}

void mx_fence_write_missed_locked(struct mx_peer *p, int error)
{
	/*
	 * Its connection is failing: the state has not left InSync yet. (A
	 * live peer that could not apply a write resyncs it instead.)
	 */
	if ((error == -ENOTCONN || READ_ONCE(p->conn.dead)) &&
	    p->cstate == MX_CS_CONNECTED &&
	    mx_fence_on_loss(p->rstate, p->rs_unconfirmed))
		mx_fence_lost_locked(p, true);
}

void mx_fence_resume_locked(struct mx_peer *p)
{
	if (!p->fence_lost_suspended)
		return;
	p->fence_lost_suspended = false;
	if (p->cstate != MX_CS_CONNECTED)
		mx_fence_lost_locked(p, false);
}

bool mx_fence_holds_locked(struct mx_peer *p)
{
	return mx_fence_holds(p->fence);
}

bool mx_fence_unconfirmed_locked(struct mx_peer *p)
{
	lockdep_assert_held(&p->src->lock);
	return p->src->conf.opts.fencing && !p->conf.async &&
	       p->rs_unconfirmed;
}

bool mx_fence_confirmed(struct mx_peer *p)
{
	struct mx_source *src = p->src;
	unsigned long flags;
	bool was;

	spin_lock_irqsave(&src->lock, flags);
	was = p->rs_unconfirmed;
	p->rs_unconfirmed = false;
	spin_unlock_irqrestore(&src->lock, flags);
	return was;
}

static void mx_fence_work(struct work_struct *ws)
{
	struct mx_peer *p = container_of(to_delayed_work(ws), struct mx_peer,
					 fence_work);
	struct mx_source *src = p->src;
	bool failed = false;

	spin_lock_irq(&src->lock);
	if (p->fence == MX_FS_PENDING &&
	    time_after_eq(jiffies, p->fence_deadline)) {
		mx_fence_set_locked(p, MX_FS_FAILED);
		failed = true;
	}
	spin_unlock_irq(&src->lock);
	if (failed)
		DMERR("%s: peer %u: no peer_outdated within fence_timeout %u s: fencing failed, writes stay held; send \"peer_outdated %u\" once node %u cannot be promoted, or reconnect it",
		      mx_fence_dev(p), p->conf.node_id,
		      src->conf.opts.fence_timeout, p->conf.node_id,
		      p->conf.node_id);
	mx_source_release_held(src);
}

int mx_fence_peer_outdated(struct mx_peer *p)
{
	struct mx_source *src = p->src;
	enum mx_fence_state old;

	if (!src->conf.opts.fencing) {
		DMWARN("%s: peer_outdated %u: the table has no fencing resource",
		       mx_fence_dev(p), p->conf.node_id);
		return -EINVAL;
	}
	spin_lock_irq(&src->lock);
	old = p->fence;
	if (mx_fence_holds(old))
		mx_fence_set_locked(p, MX_FS_OUTDATED);
	spin_unlock_irq(&src->lock);
	if (mx_fence_holds(old)) {
		cancel_delayed_work_sync(&p->fence_work);
		DMINFO("%s: peer %u outdated (peer_outdated): fencing done, held writes complete",
		       mx_fence_dev(p), p->conf.node_id);
		mx_source_release_held(src);
	} else {
		DMINFO("%s: peer_outdated %u: not being fenced (%s), nothing held for it",
		       mx_fence_dev(p), p->conf.node_id,
		       mx_fence_state_name(old));
	}
	return 0;
}

void mx_fence_init(struct mx_peer *p)
{
	p->fence = MX_FS_NONE;
	INIT_DELAYED_WORK(&p->fence_work, mx_fence_work);
}

void mx_fence_stop(struct mx_peer *p)
{
	cancel_delayed_work_sync(&p->fence_work);
}
