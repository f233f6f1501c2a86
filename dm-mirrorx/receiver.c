// SPDX-License-Identifier: GPL-2.0
/*
 * dm-mirrorx target role: the "mirrorx-recv" target.
 *
 * Local users may read the replica; their writes are refused. A kthread
 * listens on the table's address; one source connection at a time is
 * served by a receive kthread that applies writes concurrently and
 * acknowledges each one when its local write completed, with the
 * durability the source asked for (FUA, flush).
 *
 * A new connection starts pending, in its own kthread: it has
 * MX_RECV_GREET_TIMEOUT in all to authenticate (with the auth option) and
 * to send a valid source hello, and at most MX_RECV_MAX_PENDING connections
 * are pending at once, one per host; a connection from the host the
 * installed one last came from gets a slot even when they are all taken,
 * by closing one that did not authenticate (greet_admit.h); the listener
 * closes the others at once. A pending connection touches no metadata and
 * no state. Only one that passed is installed as the connection: it
 * replaces an older one then, so a source that restarted is not locked out
 * by its own stale connection, while a stranger can never displace a live
 * source (with auth; without it, anyone who says a valid hello can).
 *
 * While connected, a keepalive work item pings the source every
 * MX_RECV_KEEPALIVE, so that a receive thread blocked in a slow flush or
 * verify read does not look like a dead link to the source.
 *
 * Write order: a write overlapping one still being applied waits for it,
 * so overlapping writes land in stream order; a barrier FLUSH (an
 * application's) waits for every earlier write, flushes, and only then
 * lets later writes through; the sweep's (MX_WF_ACKED_ONLY) is a flush
 * applied beside the writes, which speaks only for those already
 * acknowledged (mx_rc_flush_acked()). The stream of an async peer lists
 * every write after the writes it depends on (async.c), so the device
 * always holds a state the source's device could have had: a prefix of
 * the stream up to the last barrier flush, plus some of the writes after
 * it.
 */
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/completion.h>
#include <linux/kthread.h>
#include <linux/bio.h>
#include <linux/device-mapper.h>
#include "args.h"
#include "intent_log.h"
#include "proto.h"
#include "generation.h"
#include "transport.h"
#include "auth.h"
#include "conn.h"
#include "handshake.h"
#include "peer_state.h"
#include "range_io.h"
#include "page_pool.h"
#include "objcount.h"
#include "mirrorx.h"
#include "compat.h"
#include "compress.h"
#include "greet_admit.h"
#include "io_wait.h"

#define DM_MSG_PREFIX "mirrorx-recv"

/* Silence from the source longer than this drops the connection. */
#define MX_RECV_TIMEOUT		(10 * HZ)
/* Writes and checksum reads being applied at once per connection. */
#define MX_RECV_MAX_INFLIGHT	256
/*
 * Data pages a connection may hold (received or being read, not yet
 * answered): 32 MiB. The count of packets alone would let 256 writes of
 * 1 MiB take 256 MiB of a small target's memory while its disk is slow;
 * at this bound the receive thread stops reading the socket until writes
 * complete (the source's sends then wait), as DRBD's max-buffers does.
 */
#define MX_RECV_MAX_PAGES	((32U << 20) >> PAGE_SHIFT)
/*
 * A connection keeps the data pages of answered packets for the next ones
 * (c->pool), as many as the busiest moment of the last period of this
 * length needed (mx_rc_pool_trim()).
 */
#define MX_RECV_POOL_PERIOD	(HZ / 2)
/* Connections authenticating or saying hello at once; more are closed. */
#define MX_RECV_MAX_PENDING	4
/* Time a new connection has, in all, to authenticate and say hello. */
#define MX_RECV_GREET_TIMEOUT	(10 * HZ)
/*
 * Ping the source this often while connected: the source drops a link
 * silent for MX_PING_TIMEOUT (6 s). (It checks its request timeout on
 * every packet, so these pings do not hide a stuck disk.)
 */
#define MX_RECV_KEEPALIVE	(3 * HZ)
/*
 * A FLUSH waits this long for the writes before it to complete, and a
 * packet this long for room (MX_RECV_MAX_INFLIGHT, MX_RECV_MAX_PAGES) and
 * for the writes it overlaps; a data device that takes longer is treated
 * as failed (detach).
 */
#define MX_RECV_FLUSH_WAIT	(30 * HZ)

struct mx_recv;

/*
 * One connection from a source: pending (on rv->pending) from accept until
 * it authenticated and sent a valid hello, then rv->conn until it dies.
 * Its kthread runs it through both phases; whoever takes it off
 * rv->pending or rv->conn (under rv->conn_mutex) stops and frees it.
 */
struct mx_rconn {
	struct mx_recv *rv;
	/* socket, send lock, failure: conn.h; @conn.name is @addr */
	struct mx_conn conn;
	struct task_struct *thread;
	/* @thread left its loop and only waits for kthread_stop() */
	struct completion thread_left;
	bool stopping;			/* set once by mx_rconn_stop() */
	struct list_head pending;	/* on rv->pending; rv->conn_mutex */
	bool authed;			/* authenticated; rv->conn_mutex */
	unsigned long deadline;		/* end of the greeting; set once */
	struct mx_hello hello;		/* the source's; own thread only */
	spinlock_t ack_lock;		/* @acks and @active */
	struct list_head acks;		/* struct mx_rwrite done, to ack */
	struct list_head active;	/* struct mx_rwrite being applied */
	struct work_struct ack_work;
	struct delayed_work keepalive;	/* pings while connected */
	/*
	 * @inflight: mx_rwrites started and not yet answered (room, and what
	 * the teardown waits for); @writes: those of them that are writes
	 * (with or without PREFLUSH/FUA), not checksum reads (what a FLUSH
	 * waits for). Both are decremented by the ack work after the answer;
	 * waiters on @inflight_wait. @pages: data pages of the mx_rwrites
	 * allocated and not yet freed (at most about MX_RECV_MAX_PAGES: the
	 * receive thread waits for room before it allocates), also waited
	 * for on @inflight_wait.
	 */
	atomic_t inflight;
	atomic_t writes;
	atomic_t pages;
	wait_queue_head_t inflight_wait;
	u32 source_node;		/* set by own thread before install */
	struct sockaddr_storage peer;	/* set once at accept; 0: unknown */
	char addr[64];			/* @peer as text, set once at accept */
	/*
	 * Link compression: @comp_on, we offered the algorithm in our hello
	 * (only then may a packet be MX_WF_COMPRESSED), and @comp, set up
	 * for it: own thread only, set at takeover, freed with @c.
	 */
	bool comp_on;
	struct mx_comp comp;
	/*
	 * Pages of answered mx_rwrites, for the next ones (own lock): with
	 * @pages, at most the most @pages ever was, as a fresh page is taken
	 * only when the pool is empty. @pages_peak: the most @pages was
	 * since @pool_trim's last run (raised by the receive thread, reset
	 * by @pool_trim; a race between the two only makes one run trim a
	 * little more or less). @pool_trim runs every MX_RECV_POOL_PERIOD
	 * while pages are out or pooled (queued by mx_rwrite_new()) and
	 * frees what that peak did not need, so a connection holds none
	 * within two periods of its last answer.
	 */
	struct mx_page_pool pool;
	u32 pages_peak;
	struct delayed_work pool_trim;
};

/*
 * One write (or flush) being applied for the source, or one checksum
 * request's read (@type MX_P_CSUM_REQ): it is on c->active while its bio
 * runs, so writes that overlap it wait, and answered from the ack work.
 */
struct mx_rwrite {
	struct list_head list;		/* c->active, then c->acks */
	struct mx_rconn *conn;
	sector_t sector;
	u32 sectors;
	u64 seq;
	u16 type;
	bool preflush;			/* a failure may have lost any write */
	u8 status;
	u32 nr_pages;
	struct bio *bio;
	struct bio_vec bvecs[];
};

struct mx_recv {
	struct dm_target *ti;
	struct dm_dev *data_dev;
	struct dm_dev *meta_dev;
	struct mx_recv_conf conf;
	char *table;
	struct mx_auth_secret *auth;	/* NULL without the auth option */
	sector_t dev_sectors;
	struct mx_meta meta;
	struct mx_ilog ilog;		/* of @meta */
	struct workqueue_struct *wq;
	/*
	 * Set and cleared only by the table methods (ctr, preresume, resume,
	 * postsuspend, dtr), which device-mapper serialises: the listening
	 * socket (NULL while another table holds the address), the listener
	 * (running only while resumed) and whether the metadata was read
	 * again since the constructor (mirrorx_recv_preresume()).
	 */
	struct socket *lsock;
	struct task_struct *listener;
	bool meta_current;

	/* @conn, @pending, @nr_pending, @closing, @source_host */
	struct mutex conn_mutex;
	struct mx_rconn *conn;		/* the installed connection */
	struct list_head pending;	/* struct mx_rconn still greeting */
	unsigned int nr_pending;
	bool closing;			/* suspended or dtr: install nothing */
	/* the host the last installed connection came from (greet_admit.h) */
	struct sockaddr_storage source_host;
	/*
	 * The status fields below. Taken under conn_mutex (never the other
	 * way round). @state (Listening or Connected, peer_state.h) changes
	 * only through mx_rv_set_state_locked().
	 */
	spinlock_t lock;
	enum mx_conn_state state;
	bool failed;			/* a write failed: detached */
	u32 source_node;
	u64 writes, bytes;
	/*
	 * With the compress option: what the installed connection decided
	 * (enum mx_comp_state), and, since load, the data bytes of the DATA
	 * and RS_DATA packets received and what they took on the wire.
	 * @comp_have (the kernel has the algorithm) is set at the ctr.
	 */
	u32 comp_state;
	bool comp_have;
	u64 comp_raw, comp_wire;
	struct work_struct event_work;
};

static const char *mx_rv_name(struct mx_recv *rv)
{
	return dm_table_device_name(rv->ti->table);
}

static void mx_rv_event_work(struct work_struct *ws)
{
	struct mx_recv *rv = container_of(ws, struct mx_recv, event_work);

	dm_table_event(rv->ti->table);
}

/*
 * The one place the target's connection state changes (the transition
 * table of peer_state.c): logs it and raises the dm event. @from names
 * the source's address for a connect. Under rv->lock.
 */
static void mx_rv_set_state_locked(struct mx_recv *rv, enum mx_conn_state new,
				   const char *from)
{
	enum mx_conn_state old = rv->state;

	lockdep_assert_held(&rv->lock);
	if (old == new)
		return;
	if (!mx_recv_transition_valid(old, new)) {
		WARN_ONCE(1, "mirrorx-recv: invalid state change %s -> %s\n",
			  mx_conn_state_name(old), mx_conn_state_name(new));
		DMERR_LIMIT("%s: invalid state change %s -> %s refused",
			    mx_rv_name(rv), mx_conn_state_name(old),
			    mx_conn_state_name(new));
		return;
	}
	rv->state = new;
	if (new == MX_CS_CONNECTED)
		DMINFO("%s: source node %u connected from %s", mx_rv_name(rv),
		       rv->source_node, from);
	else
		DMWARN("%s: source disconnected", mx_rv_name(rv));
	queue_work(rv->wq, &rv->event_work);
}

/* --- acknowledgements --------------------------------------------------- */

static int mx_rc_send(struct mx_rconn *c, const struct mx_hdr *h,
		      const void *payload, bool more)
{
	return mx_conn_send(&c->conn, h, payload, more);
}

static void mx_rwrite_free(struct mx_rwrite *rw)
{
	struct mx_rconn *c = rw->conn;

	mx_page_pool_put(&c->pool, rw->bvecs, rw->nr_pages);
	if (rw->nr_pages) {
		atomic_sub(rw->nr_pages, &c->pages);
		wake_up(&c->inflight_wait);
	}
	kfree(rw);
	mx_obj_sub(MX_OBJ_RECV_WRITE, 1);
}

/*
 * Keep in the pool only what the busiest moment since the last run needed
 * beyond the pages out now: a burst's pages go once the load is lighter,
 * all of them within two periods of the last answer. Again in a period
 * while pages are out (they come back to the pool) or pooled.
 */
static void mx_rc_pool_trim(struct work_struct *ws)
{
	struct mx_rconn *c = container_of(to_delayed_work(ws), struct mx_rconn,
					  pool_trim);
	u32 out = atomic_read(&c->pages);
	u32 peak = xchg(&c->pages_peak, out);

	if (mx_page_pool_trim(&c->pool, peak > out ? peak - out : 0) || out)
		queue_delayed_work(c->rv->wq, &c->pool_trim,
				   MX_RECV_POOL_PERIOD);
}

/* Drop the connection without a log line (the caller logged why). */
static void mx_rc_kill(struct mx_rconn *c)
{
	WRITE_ONCE(c->conn.dead, true);
	mx_sock_shutdown(c->conn.sock);
}

/*
 * Ping the source while connected, from a work item rather than the receive
 * thread, which may block for long in a flush, a verify read or waiting for
 * room. The source counts any packet as liveness and answers the ping. A
 * sender holding the send mutex is talking already (and gives up after the
 * socket's MX_SEND_TIMEOUT), so skip a round rather than wait for it; our
 * own send is bounded by that timeout too.
 */
static void mx_rc_keepalive(struct work_struct *ws)
{
	struct mx_rconn *c = container_of(to_delayed_work(ws), struct mx_rconn,
					  keepalive);
	struct mx_hdr h = { .type = MX_P_PING };
	int r = 0;

	if (READ_ONCE(c->conn.dead))
		return;
	if (mutex_trylock(&c->conn.send_mutex)) {
		r = mx_send_hdr(c->conn.sock, &h, NULL, false);
		mutex_unlock(&c->conn.send_mutex);
	}
	if (r) {
		DMWARN_LIMIT("%s: %s: keepalive send failed (%d), dropping",
			     mx_rv_name(c->rv), c->addr, r);
		mx_rc_kill(c);
		return;
	}
	queue_delayed_work(c->rv->wq, &c->keepalive, MX_RECV_KEEPALIVE);
}

/*
 * A write (@sectors at @sector) or, with @sectors 0, a flush from the
 * source failed on our data device (like DRBD's on-io-error detach):
 * record durably, before the source hears of it, that our data is
 * Inconsistent and lacks those regions (every region after a failed flush:
 * any write since the last one may be lost), in our bitmap for the source,
 * sent at the next connect. Then detach: the connection closes and new
 * ones are refused until the target is loaded again, the disk repaired.
 * Returns 0 once that is on disk and the error may be acked.
 */
static int mx_rc_write_failed(struct mx_rconn *c, sector_t sector,
			      u32 sectors)
{
	struct mx_recv *rv = c->rv;
	struct mx_meta *m = &rv->meta;
	struct mx_ilog *il = &rv->ilog;
	bool first;
	int r;

	spin_lock_irq(&rv->lock);
	first = !rv->failed;
	rv->failed = true;
	spin_unlock_irq(&rv->lock);
	if (first) {
		DMERR("%s: %s error at sector %llu: detaching from source node %u; data Inconsistent until a resync (reload the target once the disk is repaired)",
		      mx_rv_name(rv), sectors ? "write" : "flush",
		      (unsigned long long)sector, c->source_node);
		queue_work(rv->wq, &rv->event_work);
	}
	if (!sectors)
		mx_ilog_set_all(il, c->source_node);
	spin_lock_irq(&m->lock);
	if (sectors)
		mx_ilog_mark_locked(il, c->source_node, mx_region_of(m, sector),
				    mx_region_of(m, sector + sectors - 1));
	m->sb.flags |= MX_SB_INCONSISTENT;
	mx_meta_sb_dirty(m);
	spin_unlock_irq(&m->lock);
	r = mx_ilog_commit(il);
	if (r)
		DMERR("%s: cannot record the failed write in the metadata (%d): dropping the connection unacked",
		      mx_rv_name(rv), r);
	return r;
}

/*
 * Answer a checksum request whose read completed: one xxh64 per 4 KiB
 * block of what was read, or all zero and MX_ACK_EIO after a read error.
 */
static int mx_rc_csum_reply(struct mx_rconn *c, struct mx_rwrite *rw,
			    bool more)
{
	u32 size = rw->sectors << SECTOR_SHIFT;
	struct mx_hdr h = { .type = MX_P_CSUM_REPLY, .seq = rw->seq,
			    .length = mx_csum_reply_len(size),
			    .flags = rw->status };
	__be64 *hashes;
	int r;

	hashes = kzalloc(h.length, GFP_NOIO);
	if (!hashes)
		return -ENOMEM;
	if (rw->status == MX_ACK_OK)
		mx_bvecs_xxh64(rw->bvecs, size, hashes);
	else
		h.flags = MX_ACK_EIO;
	r = mx_rc_send(c, &h, hashes, more);
	kfree(hashes);
	return r;
}

static void mx_ack_work(struct work_struct *ws)
{
	struct mx_rconn *c = container_of(ws, struct mx_rconn, ack_work);
	struct mx_rwrite *rw, *tmp;
	bool detach = false;
	LIST_HEAD(acks);

	spin_lock_irq(&c->ack_lock);
	list_splice_init(&c->acks, &acks);
	spin_unlock_irq(&c->ack_lock);

	list_for_each_entry_safe(rw, tmp, &acks, list) {
		struct mx_hdr h = { .type = MX_P_ACK, .seq = rw->seq,
				    .flags = rw->status };
		bool write = rw->type != MX_P_CSUM_REQ;

		list_del(&rw->list);
		if (mx_ack_is_write_failure(rw->type,
					    rw->sectors << SECTOR_SHIFT,
					    rw->status)) {
			detach = true;
			if (mx_rc_write_failed(c, rw->sector,
					       rw->preflush ? 0 : rw->sectors))
				mx_rc_kill(c);
		}
		if (!READ_ONCE(c->conn.dead) &&
		    (write ? mx_rc_send(c, &h, NULL, !list_empty(&acks)) :
		     mx_rc_csum_reply(c, rw, !list_empty(&acks))))
			mx_rc_kill(c);
		mx_rwrite_free(rw);
		if (write)
			atomic_dec(&c->writes);
		atomic_dec(&c->inflight);
		wake_up(&c->inflight_wait);
	}
	if (detach)
		mx_rc_kill(c);
}

static u8 mx_ack_status(blk_status_t s)
{
	switch (s) {
	case BLK_STS_OK:
		return MX_ACK_OK;
	case BLK_STS_NOSPC:
		return MX_ACK_ENOSPC;
	case BLK_STS_NOTSUPP:
		return MX_ACK_EOPNOTSUPP;
	default:
		return MX_ACK_EIO;
	}
}

static void mx_rwrite_endio(struct bio *bio)
{
	struct mx_rwrite *rw = bio->bi_private;
	struct mx_rconn *c = rw->conn;
	unsigned long flags;

	rw->status = mx_ack_status(bio->bi_status);
	/* A flush the device refuses is a failed one, as in mx_rc_flush(). */
	if (rw->type == MX_P_FLUSH && rw->status != MX_ACK_OK)
		rw->status = MX_ACK_EIO;
	if (bio->bi_status)
		DMERR_LIMIT("%s: %s error %d at sector %llu",
			    mx_rv_name(c->rv),
			    rw->type == MX_P_CSUM_REQ ? "read" :
			    rw->type == MX_P_FLUSH ? "flush" : "write",
			    bio->bi_status,
			    (unsigned long long)bio->bi_iter.bi_sector);
	bio_put(bio);
	mx_obj_sub(MX_OBJ_BIO, 1);
	/*
	 * Wake and queue before the unlock: once it is on c->acks, an ack
	 * work already running may answer it, and the last answer lets
	 * mx_rconn_free() free @c.
	 */
	spin_lock_irqsave(&c->ack_lock, flags);
	list_move_tail(&rw->list, &c->acks);
	wake_up(&c->inflight_wait);
	queue_work(c->rv->wq, &c->ack_work);
	spin_unlock_irqrestore(&c->ack_lock, flags);
}

/* Does [@sector, +@sectors) overlap a write being applied? */
static bool mx_rc_overlaps(struct mx_rconn *c, sector_t sector, u32 sectors)
{
	struct mx_rwrite *rw;
	bool hit = false;

	spin_lock_irq(&c->ack_lock);
	list_for_each_entry(rw, &c->active, list)
		if (sector < rw->sector + rw->sectors &&
		    rw->sector < sector + sectors) {
			hit = true;
			break;
		}
	spin_unlock_irq(&c->ack_lock);
	return hit;
}

/*
 * Should the receive thread leave its waits for the disk? Told to stop,
 * or the connection is being torn down (mx_rconn_stop() sets @stopping
 * and wakes c->inflight_wait before it waits for the thread). Not merely
 * because the connection died (mx_rc_kill()): the wait then still ends
 * by its timeout, which detaches a disk that did not answer in time.
 */
static bool mx_rc_stopping(struct mx_rconn *c)
{
	return mx_should_stop() || READ_ONCE(c->stopping);
}

/*
 * End of a wait of the receive thread for writes of our data device to
 * complete (MX_RECV_FLUSH_WAIT at most, or until mx_rc_stopping()),
 * which wait_event_timeout() left with @left: 0, -EINTR to stop, or
 * -ETIMEDOUT (logged, the device treated as failed: the caller drops the
 * connection unacked).
 */
static int mx_rc_disk_wait_end(struct mx_rconn *c, long left)
{
	if (!left) {
		DMERR("%s: writes still in flight after %u s: the data device does not complete them",
		      mx_rv_name(c->rv), MX_RECV_FLUSH_WAIT / HZ);
		mx_rc_write_failed(c, 0, 0);
		return -ETIMEDOUT;
	}
	return mx_rc_stopping(c) ? -EINTR : 0;
}

/* The protocol version this connection speaks (the source's hello). */
static int mx_rc_proto(struct mx_rconn *c)
{
	return mx_proto_negotiate(MX_PROTO_MIN, MX_PROTO_MAX,
				  c->hello.proto_min, c->hello.proto_max);
}

/*
 * An epoch barrier (an application's flush; the sweep's is
 * mx_rc_flush_acked()): earlier writes complete, then the device flushes.
 * Checksum reads in flight are not waited for: a read a failing disk
 * retries for long fails its compare, not the flush.
 */
static int mx_rc_flush(struct mx_rconn *c, const struct mx_hdr *h)
{
	struct mx_hdr ack = { .type = MX_P_ACK, .seq = h->seq };
	long left;
	int r;

	/* Bounded: a disk that never completes is a failed disk. */
	left = wait_event_timeout(c->inflight_wait,
				  !atomic_read(&c->writes) || mx_rc_stopping(c),
				  MX_RECV_FLUSH_WAIT);
	r = mx_rc_disk_wait_end(c, left);
	if (r)
		return r;
	r = mx_bdev_flush(c->rv->data_dev->bdev, "a flush");
	if (r) {
		DMERR_LIMIT("%s: flush failed: %d", mx_rv_name(c->rv), r);
		ack.flags = MX_ACK_EIO;
		if (mx_rc_write_failed(c, h->sector, 0))
			return r;	/* drop the connection unacked */
		mx_rc_send(c, &ack, NULL, false);
		return r;		/* detach */
	}
	return mx_rc_send(c, &ack, NULL, false);
}

/* --- applying packets --------------------------------------------------- */

static blk_opf_t mx_write_opf(const struct mx_hdr *h)
{
	blk_opf_t opf;

	if (h->type == MX_P_FLUSH)
		return REQ_OP_WRITE | REQ_PREFLUSH | REQ_SYNC;
	if (h->flags & MX_WF_DISCARD)
		opf = REQ_OP_DISCARD;
	else if (h->flags & MX_WF_WRITE_ZEROES)
		opf = REQ_OP_WRITE_ZEROES;
	else
		opf = REQ_OP_WRITE | REQ_SYNC;
	if (h->flags & MX_WF_FUA)
		opf |= REQ_FUA;
	if (h->flags & MX_WF_PREFLUSH)
		opf |= REQ_PREFLUSH;
	return opf;
}

/*
 * Our device takes only whole logical blocks: a source with smaller ones
 * is refused at the handshake (it learns our size from our hello), and a
 * packet that is not aligned to ours anyway drops the connection.
 */
static bool mx_rc_lbs_ok(struct mx_rconn *c, const struct mx_hdr *h)
{
	u32 lbs = bdev_logical_block_size(c->rv->data_dev->bdev);

	if (mx_hdr_lbs_aligned(h, lbs))
		return true;
	DMERR_LIMIT("%s: %s: bad packet: %u bytes at sector %llu are not whole %u-byte blocks of our device",
		    mx_rv_name(c->rv), c->addr, h->size,
		    (unsigned long long)h->sector, lbs);
	return false;
}

/*
 * A resync's zero range (MX_PROTO_ZERO, at most MX_WIRE_MAX_ZEROES bytes,
 * mx_hdr_decode()) on a device that cannot write-zeroes (brd, some SAN
 * LUNs): written as zero pages instead, so it succeeds, as the data it
 * replaces would have. A replicated write-zeroes keeps its own op: the
 * application asked for it, and its EOPNOTSUPP goes back to the source.
 */
static bool mx_rc_zero_pages(struct mx_rconn *c, const struct mx_hdr *h)
{
	return h->type == MX_P_RS_DATA && (h->flags & MX_WF_WRITE_ZEROES) &&
	       !bdev_write_zeroes_sectors(c->rv->data_dev->bdev);
}

/* A write bio of @size bytes (<= MX_WIRE_MAX_DATA) of the zero page. */
static struct bio *mx_rc_zero_bio(struct mx_rconn *c, const struct mx_hdr *h,
				  u32 size)
{
	u32 left = size, n;
	struct bio *bio;

	bio = bio_alloc(c->rv->data_dev->bdev, mx_pages_for(left),
			(mx_write_opf(h) & ~REQ_OP_MASK) | REQ_OP_WRITE |
			REQ_SYNC, GFP_NOIO);
	for (; left; left -= n) {
		n = min_t(u32, left, PAGE_SIZE);
		__bio_add_page(bio, ZERO_PAGE(0), n, 0);
	}
	return bio;
}

/*
 * The compressed payload (@wire bytes) of @h into @c->comp, decompressed
 * into the @h->size bytes of @bvecs. Data that does not decompress to
 * exactly @h->size bytes is a protocol error: the connection drops.
 */
static int mx_rc_recv_compressed(struct mx_rconn *c, const struct mx_hdr *h,
				 u32 wire, struct bio_vec *bvecs, u32 nr)
{
	int r;

	r = mx_recv_owed(c->conn.sock, c->comp.in, wire);
	if (r)
		return r;
	r = mx_decomp_bvecs(&c->comp, wire, bvecs, nr, h->size);
	if (r)
		DMERR_LIMIT("%s: %s: bad packet: %u bytes of %s data at sector %llu do not decompress to %u bytes",
			    mx_rv_name(c->rv), c->addr, wire,
			    mx_comp_alg_name(c->comp.alg),
			    (unsigned long long)h->sector, h->size);
	return r;
}

/*
 * Wait for room and for the writes (and checksum reads) overlapping @rw to
 * complete, then count @rw as being applied: its bio may be submitted.
 * Bounded (mx_rc_disk_wait_end()); on an error @rw is not counted.
 */
static int mx_rc_start(struct mx_rconn *c, struct mx_rwrite *rw)
{
	long left;
	int r;

	left = wait_event_timeout(c->inflight_wait,
				  (atomic_read(&c->inflight) <
				   MX_RECV_MAX_INFLIGHT &&
				   !mx_rc_overlaps(c, rw->sector, rw->sectors)) ||
				  mx_rc_stopping(c), MX_RECV_FLUSH_WAIT);
	r = mx_rc_disk_wait_end(c, left);
	if (r)
		return r;
	spin_lock_irq(&c->ack_lock);
	list_add_tail(&rw->list, &c->active);
	spin_unlock_irq(&c->ack_lock);
	if (rw->type != MX_P_CSUM_REQ)
		atomic_inc(&c->writes);
	atomic_inc(&c->inflight);
	return 0;
}

/*
 * A new mx_rwrite for packet @h, with pages for @len bytes, once the
 * connection holds few enough pages (MX_RECV_MAX_PAGES; bounded as
 * mx_rc_disk_wait_end()); an ERR_PTR() when out of memory or that wait
 * failed.
 */
static struct mx_rwrite *mx_rwrite_new(struct mx_rconn *c,
				       const struct mx_hdr *h, u32 len)
{
	u32 nr = mx_pages_for(len);
	struct mx_rwrite *rw;
	long left;
	int r;

	/* Nothing else held: a packet larger than the bound still goes. */
	left = wait_event_timeout(c->inflight_wait,
				  atomic_read(&c->pages) + nr <=
				  MX_RECV_MAX_PAGES ||
				  !atomic_read(&c->pages) ||
				  mx_rc_stopping(c), MX_RECV_FLUSH_WAIT);
	r = mx_rc_disk_wait_end(c, left);
	if (r)
		return ERR_PTR(r);
	rw = kzalloc(struct_size(rw, bvecs, nr), GFP_NOIO);
	if (!rw)
		return ERR_PTR(-ENOMEM);
	mx_obj_add(MX_OBJ_RECV_WRITE, 1);
	INIT_LIST_HEAD(&rw->list);
	rw->conn = c;
	rw->seq = h->seq;
	rw->type = h->type;
	rw->preflush = h->flags & MX_WF_PREFLUSH;
	rw->sector = h->sector;
	rw->sectors = h->size >> SECTOR_SHIFT;
	if (mx_page_pool_get(&c->pool, rw->bvecs, len, GFP_NOIO)) {
		mx_rwrite_free(rw);	/* nr_pages is 0 */
		return ERR_PTR(-ENOMEM);
	}
	rw->nr_pages = nr;
	if (nr) {
		u32 held = atomic_add_return(nr, &c->pages);

		if (held > READ_ONCE(c->pages_peak))
			WRITE_ONCE(c->pages_peak, held);
		/* Nothing when queued already. */
		queue_delayed_work(c->rv->wq, &c->pool_trim,
				   MX_RECV_POOL_PERIOD);
	}
	return rw;
}

/*
 * A bio of @opf on our data device over all of @rw's pages: one entry per
 * run of physically contiguous pages (the pool hands them out in runs,
 * page_pool.h), so a 1 MiB write is a few segments, not 256.
 */
static struct bio *mx_rwrite_bio(struct mx_rconn *c, struct mx_rwrite *rw,
				 blk_opf_t opf)
{
	struct bio *bio;
	u32 i, segs;

	bio = bio_alloc(c->rv->data_dev->bdev, rw->nr_pages, opf, GFP_NOIO);
	segs = mx_bvecs_merge(rw->bvecs, rw->nr_pages, bio->bi_io_vec,
			      bio->bi_max_vecs);
	if (segs) {
		bio->bi_vcnt = segs;
		for (i = 0; i < rw->nr_pages; i++)
			bio->bi_iter.bi_size += rw->bvecs[i].bv_len;
		return bio;
	}
	for (i = 0; i < rw->nr_pages; i++)
		__bio_add_page(bio, rw->bvecs[i].bv_page, rw->bvecs[i].bv_len,
			       0);
	return bio;
}

/*
 * @bio does @rw's I/O at @rw's sector: it completes in mx_rwrite_endio(),
 * which answers @rw. Counted as a live bio until then.
 */
static void mx_rwrite_bio_own(struct mx_rwrite *rw, struct bio *bio)
{
	mx_obj_add(MX_OBJ_BIO, 1);
	bio->bi_iter.bi_sector = rw->sector;
	bio->bi_private = rw;
	bio->bi_end_io = mx_rwrite_endio;
}

/*
 * Submit @bio from the receive thread under a plug finished at once.
 * Without one, blk-mq hands a request for a device with an I/O scheduler
 * (mq-deadline, the default on single-queue disks) to kblockd to
 * dispatch: one more context switch per write on the target. (Kernels
 * whose __submit_bio() plugs every bio itself, such as 6.12, do not need
 * it.)
 */
static void mx_rc_submit(struct bio *bio)
{
	struct blk_plug plug;

	blk_start_plug(&plug);
	submit_bio_noacct(bio);
	blk_finish_plug(&plug);
}

/*
 * Zero pages for the rest of zero range @h past its first
 * MX_WIRE_MAX_DATA bytes, which @owner writes: a bio per MX_WIRE_MAX_DATA
 * (a bio holds at most BIO_MAX_VECS pages), each chained to @owner and
 * submitted now, before it: @owner's completion, and so the ack, waits
 * for them all and carries the first error.
 */
static void mx_rc_zero_rest(struct mx_rconn *c, const struct mx_hdr *h,
			    struct bio *owner)
{
	u32 done = min_t(u32, h->size, MX_WIRE_MAX_DATA), n;
	struct bio *bio;

	for (; done < h->size; done += n) {
		n = min_t(u32, h->size - done, MX_WIRE_MAX_DATA);
		bio = mx_rc_zero_bio(c, h, n);
		bio->bi_iter.bi_sector = h->sector + (done >> SECTOR_SHIFT);
		bio_chain(bio, owner);
		mx_rc_submit(bio);
	}
}

/*
 * The source's sweep FLUSH (MX_WF_ACKED_ONLY): only the writes we
 * acknowledged before it came need be durable, and each of those had
 * completed before its ack was sent, so a flush of our device issued now
 * covers them. Unlike mx_rc_flush(), the receive thread does not wait for
 * it and goes on reading: it is applied as an empty write with PREFLUSH,
 * answered from the ack work after it completed (mx_rwrite_endio()); a
 * failure detaches us as a failed barrier flush does (every region
 * marked). A barrier FLUSH that comes meanwhile waits for it as for any
 * earlier write.
 */
static int mx_rc_flush_acked(struct mx_rconn *c, const struct mx_hdr *h)
{
	struct mx_rwrite *rw;
	struct bio *bio;
	int r;

	if (mx_rc_proto(c) < MX_PROTO_ACKED_FLUSH) {
		DMERR_LIMIT("%s: %s: bad packet: an acked-only flush on protocol %d",
			    mx_rv_name(c->rv), c->addr, mx_rc_proto(c));
		return -EPROTO;
	}
	rw = mx_rwrite_new(c, h, 0);
	if (IS_ERR(rw))
		return PTR_ERR(rw);
	/* Ours, not the packet's: a flush covers no range. */
	rw->sector = 0;
	rw->preflush = true;
	r = mx_rc_start(c, rw);
	if (r) {
		mx_rwrite_free(rw);
		return r;
	}
	bio = bio_alloc(c->rv->data_dev->bdev, 0, mx_write_opf(h), GFP_NOIO);
	mx_rwrite_bio_own(rw, bio);
	mx_rc_submit(bio);
	return 0;
}

/* Receive the payload of @h and submit it; the ack follows completion. */
static int mx_rc_apply(struct mx_rconn *c, const struct mx_hdr *h)
{
	struct mx_recv *rv = c->rv;
	bool csum = h->flags & MX_WF_CSUM;
	bool comp = h->flags & MX_WF_COMPRESSED;
	u32 wire = csum ? h->length - MX_CSUM_LEN : h->length;
	/* Compressed: mx_hdr_decode() checked 0 < wire < size <= 1 MiB. */
	u32 len = comp ? h->size : wire;
	u32 nr = mx_pages_for(len);
	struct bvec_iter iter;
	struct mx_rwrite *rw;
	bool zero_pages;
	struct bio *bio;
	__be32 crc;
	int r;

	if (h->type == MX_P_FLUSH)
		return h->flags & MX_WF_ACKED_ONLY ? mx_rc_flush_acked(c, h) :
						     mx_rc_flush(c, h);
	if (!mx_rc_lbs_ok(c, h))
		return -EPROTO;
	if (len && !csum && rv->conf.opts.data_csum) {
		DMERR("%s: %s: data without checksum, but data_csum is set",
		      mx_rv_name(rv), c->addr);
		return -EPROTO;
	}
	if (h->type == MX_P_RS_DATA && !len &&
	    h->size > mx_proto_zero_max(mx_rc_proto(c))) {
		DMERR_LIMIT("%s: %s: bad packet: a resync write-zeroes of %u bytes on protocol %d",
			    mx_rv_name(rv), c->addr, h->size, mx_rc_proto(c));
		return -EPROTO;
	}
	if (comp && !c->comp_on) {
		DMERR("%s: %s: compressed data, but we did not offer compression",
		      mx_rv_name(rv), c->addr);
		return -EPROTO;
	}
	rw = mx_rwrite_new(c, h, len);
	if (IS_ERR(rw))
		return PTR_ERR(rw);
	if (comp)
		r = mx_rc_recv_compressed(c, h, wire, rw->bvecs, nr);
	else if (len)
		r = mx_recv_bvecs(c->conn.sock, rw->bvecs, nr, len);
	else
		r = 0;
	if (!r && csum) {
		r = mx_recv_owed(c->conn.sock, &crc, sizeof(crc));
		iter = (struct bvec_iter){ .bi_size = len };
		if (!r && be32_to_cpu(crc) != mx_bvec_crc32c(rw->bvecs, iter)) {
			DMERR_LIMIT("%s: %s: data checksum mismatch at sector %llu",
				    mx_rv_name(rv), c->addr,
				    (unsigned long long)h->sector);
			r = -EBADMSG;
		}
	}
	/* The payload is in: now wait for room and for overlapping writes. */
	if (!r)
		r = mx_rc_start(c, rw);
	if (r) {
		mx_rwrite_free(rw);
		return r;
	}

	zero_pages = mx_rc_zero_pages(c, h);
	if (zero_pages) {
		bio = mx_rc_zero_bio(c, h, min_t(u32, h->size,
						 MX_WIRE_MAX_DATA));
	} else {
		bio = mx_rwrite_bio(c, rw, mx_write_opf(h));
		if (!len)
			bio->bi_iter.bi_size = h->size;	/* discard, zeroes */
	}
	mx_rwrite_bio_own(rw, bio);
	spin_lock_irq(&rv->lock);
	rv->writes++;
	rv->bytes += h->size;
	rv->comp_raw += len;
	rv->comp_wire += wire;
	spin_unlock_irq(&rv->lock);
	if (zero_pages)
		mx_rc_zero_rest(c, h, bio);
	mx_rc_submit(bio);
	return 0;
}

/* Adopt the source's generation (and the mirror UUID) durably, then ack. */
static int mx_rc_adopt(struct mx_rconn *c, const struct mx_sync_state *s,
		       u64 seq)
{
	struct mx_recv *rv = c->rv;
	struct mx_meta *m = &rv->meta;
	struct mx_ilog *il = &rv->ilog;
	struct mx_hdr h = { .type = MX_P_ACK, .seq = seq };
	bool flush;
	int r;

	/* Detached after a write error: stay Inconsistent, keep the bits. */
	if (READ_ONCE(rv->failed))
		return -EIO;
	/*
	 * Consistent only once what the resync wrote is durable: its writes
	 * were all acknowledged (completed) before the source sent this.
	 */
	spin_lock_irq(&m->lock);
	flush = mx_adopt_needs_flush(m->sb.flags, s->state);
	spin_unlock_irq(&m->lock);
	if (flush) {
		r = mx_bdev_flush(rv->data_dev->bdev, "a flush");
		if (r) {
			DMERR_LIMIT("%s: flush failed: %d", mx_rv_name(rv), r);
			mx_rc_write_failed(c, 0, 0);
			return r;	/* drop the connection unacked */
		}
	}
	spin_lock_irq(&m->lock);
	/*
	 * A write that failed while we flushed (mx_rc_write_failed() sets
	 * rv->failed before it marks its regions under m->lock): stay
	 * Inconsistent with its bits, never adopt over it.
	 */
	if (READ_ONCE(rv->failed)) {
		spin_unlock_irq(&m->lock);
		return -EIO;
	}
	memcpy(m->sb.uuid, s->uuid, MX_UUID_LEN);
	m->sb.current_gen = s->gen;
	/* What we lacked is the source's to resync now: no longer Outdated. */
	m->sb.flags &= ~(MX_SB_FRESH | MX_SB_OUTDATED);
	if (s->state == MX_SS_RESYNC)
		m->sb.flags |= MX_SB_INCONSISTENT;
	else
		m->sb.flags &= ~MX_SB_INCONSISTENT;
	/* The source now owns what our bitmap for it said (sent at connect). */
	m->sb.slots[c->source_node].bitmap_gen = 0;
	mx_ilog_clear_all_locked(il, c->source_node);
	mx_meta_sb_dirty(m);
	spin_unlock_irq(&m->lock);
	r = mx_ilog_commit(il);
	if (r)
		h.flags = MX_ACK_EIO;
	/* Rate-limited: a buggy or hostile source may repeat the state. */
	if (s->state == MX_SS_RESYNC_DONE)
		DMINFO_LIMIT("%s: resync from node %u complete",
			     mx_rv_name(rv), c->source_node);
	queue_work(rv->wq, &rv->event_work);
	return mx_rc_send(c, &h, NULL, false) ?: r;
}

static int mx_rc_verify(struct mx_rconn *c, const struct mx_hdr *req)
{
	struct mx_hdr h = { .type = MX_P_VERIFY_REPLY, .seq = req->seq,
			    .length = MX_VERIFY_REPLY_LEN };
	u32 crc = 0;
	__be32 out;

	if (mx_range_crc32c(c->rv->data_dev->bdev, req->sector, req->size,
			    &crc))
		h.flags = MX_ACK_EIO;
	out = cpu_to_be32(crc);
	return mx_rc_send(c, &h, &out, false);
}

/*
 * A checksum request (resync.c): read the range, which mx_hdr_decode()
 * checked is inside our device, with an asynchronous bio
 * and go on with the next packet; the ack work answers with one xxh64 per
 * 4 KiB block once the read completed (mx_rc_csum_reply()), so the reads
 * of several requests overlap each other and the hashing. Only on a
 * connection that negotiated it: a source speaking an older protocol
 * never sends one.
 */
static int mx_rc_csum(struct mx_rconn *c, const struct mx_hdr *req)
{
	struct mx_rwrite *rw;
	struct bio *bio;
	int r;

	if (mx_rc_proto(c) < MX_PROTO_CSUM) {
		DMERR_LIMIT("%s: %s: checksum request on a protocol without it",
			    mx_rv_name(c->rv), c->addr);
		return -EPROTO;
	}
	rw = mx_rwrite_new(c, req, req->size);
	if (IS_ERR(rw))
		return PTR_ERR(rw);
	r = mx_rc_start(c, rw);
	if (r) {
		mx_rwrite_free(rw);
		return r;
	}
	bio = mx_rwrite_bio(c, rw, REQ_OP_READ);
	mx_rwrite_bio_own(rw, bio);
	mx_rc_submit(bio);
	return 0;
}

/* --- handshake ---------------------------------------------------------- */

static int mx_rc_send_bitmap(struct mx_rconn *c)
{
	struct mx_meta *m = &c->rv->meta;
	struct mx_ilog *il = &c->rv->ilog;
	u64 nwords, w = 0;
	u32 per = MX_WIRE_BITMAP_MAX / sizeof(u64), i, n;
	__be64 *buf;
	int r = 0;

	/* Only what the source's device covers (a target grown first). */
	nwords = mx_hello_bitmap_words(m->nr_regions, m->sb.region_sectors,
				       &c->hello);
	buf = kmalloc(MX_WIRE_BITMAP_MAX, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	/* Send only the non-zero stretches; the last packet says so. */
	do {
		struct mx_hdr h = { .type = MX_P_BITMAP };
		u64 v = 0;

		while (w < nwords) {
			spin_lock_irq(&m->lock);
			bitmap_to_arr64(&v, il->bits[c->source_node] +
					w * (64 / BITS_PER_LONG), 64);
			spin_unlock_irq(&m->lock);
			if (v)
				break;
			w++;
		}
		h.sector = w;
		for (n = 0; n < per && w + n < nwords; n++) {
			spin_lock_irq(&m->lock);
			bitmap_to_arr64(&v, il->bits[c->source_node] +
					(w + n) * (64 / BITS_PER_LONG), 64);
			spin_unlock_irq(&m->lock);
			buf[n] = cpu_to_be64(v);
		}
		if (w >= nwords)
			n = 0;
		w += n;
		for (i = n; i > 0 && !buf[i - 1]; i--)
			;
		h.length = i * sizeof(u64);
		if (w >= nwords)
			h.flags = MX_BM_LAST;
		r = mx_rc_send(c, &h, h.length ? buf : NULL, false);
	} while (!r && w < nwords);
	kfree(buf);
	return r;
}

/*
 * First phase of a new connection, while pending: authenticate (with the
 * auth option) and read and check the source's hello into c->hello. Shares
 * nothing with the installed connection; the listener shuts the socket
 * down at c->deadline, whatever read it is in.
 */
static int mx_rc_greet(struct mx_rconn *c)
{
	struct mx_recv *rv = c->rv;
	struct mx_wire_hello wh;
	const char *err = NULL;
	char why[128];
	struct mx_hdr h;
	u32 reason;
	int r;

	if (rv->auth) {
		r = mx_conn_authenticate(&c->conn, rv->auth);
		if (r)
			return r;
		/* No longer to be closed for another (greet_admit.h). */
		mutex_lock(&rv->conn_mutex);
		c->authed = true;
		mutex_unlock(&rv->conn_mutex);
	}
	mx_sock_set_rcvtimeo(c->conn.sock, MX_RECV_GREET_TIMEOUT);
	r = mx_conn_expect(&c->conn, MX_P_HELLO, &wh, sizeof(wh), sizeof(wh), &h);
	if (r)
		return r;
	r = mx_hello_decode(&wh, &c->hello, &err);
	if (r) {
		DMERR_LIMIT("%s: %s: bad hello: %s", mx_rv_name(rv), c->addr,
			    err);
		return r;
	}
	reason = mx_hello_check_source(&c->hello, rv->conf.opts.node_id, why,
				       sizeof(why));
	if (reason != MX_REFUSE_NONE) {
		DMERR_LIMIT("%s: %s: refused: %s", mx_rv_name(rv), c->addr,
			    why);
		mx_conn_send_refusal(&c->conn, reason);
		return -EPROTO;
	}
	c->source_node = c->hello.node_id;
	return 0;
}

/*
 * With the compress option, offer the algorithm to a source that speaks
 * MX_PROTO_COMPRESS (set up for it first). Returns the hello feature bit,
 * or 0 (logged: the connection goes on uncompressed).
 */
static u32 mx_rc_offer_comp(struct mx_rconn *c)
{
	struct mx_recv *rv = c->rv;
	u32 alg = rv->conf.opts.compress;
	u32 st;

	st = mx_comp_offer(alg, rv->comp_have, mx_rc_proto(c));
	if (st == MX_COMP_ST_ON && mx_comp_alloc(&c->comp, alg))
		st = MX_COMP_ST_NO_KERNEL;
	c->comp_on = st == MX_COMP_ST_ON;
	spin_lock_irq(&rv->lock);
	rv->comp_state = st;
	spin_unlock_irq(&rv->lock);
	if (st != MX_COMP_ST_ON && st != MX_COMP_ST_NONE)
		DMWARN("%s: %s: compression %s not offered: %s; receiving data uncompressed",
		       mx_rv_name(rv), c->addr, mx_comp_alg_name(alg),
		       mx_comp_state_why(st));
	return c->comp_on ? mx_comp_feature(alg) : 0;
}

/*
 * Second phase, once installed as rv->conn: take the source's node into
 * the metadata, answer its hello, send our bitmap for it and adopt its
 * sync state.
 */
static int mx_rc_takeover(struct mx_rconn *c)
{
	struct mx_recv *rv = c->rv;
	struct mx_meta *m = &rv->meta;
	struct mx_ilog *il = &rv->ilog;
	const struct mx_hello *sh = &c->hello;
	struct mx_wire_hello wh;
	struct mx_wire_sync_state ws;
	struct mx_hello_local l = {
		.role = MX_ROLE_TARGET,
		.node_id = sh->peer_node_id,
		.peer_node_id = sh->node_id,
		.data_sectors = rv->dev_sectors,
		.logical_block_size =
			bdev_logical_block_size(rv->data_dev->bdev),
	};
	struct mx_sync_state ss;
	struct mx_hello th;
	struct mx_hdr h;
	const char *err;
	int r;

	mx_sock_set_rcvtimeo(c->conn.sock, MX_RECV_TIMEOUT);
	/* A blank target takes the mirror's region size. */
	if ((m->sb.flags & MX_SB_FRESH) &&
	    !memchr_inv(m->sb.uuid, 0, MX_UUID_LEN) &&
	    m->sb.region_sectors != sh->region_sectors) {
		r = mx_ilog_reformat(il, sh->region_sectors,
				     bdev_nr_sectors(rv->meta_dev->bdev), &err);
		if (r) {
			DMERR("%s: %s: cannot take the source's region size %u: %s",
			      mx_rv_name(rv), c->addr, sh->region_sectors, err);
			return r;
		}
	}
	spin_lock_irq(&m->lock);
	if (m->sb.node_id != sh->peer_node_id) {
		m->sb.node_id = sh->peer_node_id;
		mx_meta_sb_dirty(m);
	}
	mx_hello_fill(&th, &m->sb, &l);
	spin_unlock_irq(&m->lock);
	th.features |= mx_rc_offer_comp(c);

	r = mx_ilog_load_slot(il, c->source_node);
	if (r)
		return r;
	th.dirty_regions = mx_ilog_count(il, c->source_node);
	r = mx_ilog_commit(il);
	if (r)
		return r;
	mx_hello_encode(&wh, &th);
	h = (struct mx_hdr){ .type = MX_P_HELLO, .length = sizeof(wh) };
	r = mx_rc_send(c, &h, &wh, false);
	if (r)
		return r;
	r = mx_rc_send_bitmap(c);
	if (r)
		return r;

	r = mx_conn_expect(&c->conn, MX_P_SYNC_STATE, &ws, sizeof(ws),
			   sizeof(ws), &h);
	if (r)
		return r;
	r = mx_sync_state_decode(&ws, &ss, &err);
	if (r) {
		DMERR("%s: %s: bad sync state: %s", mx_rv_name(rv), c->addr,
		      err);
		return r;
	}
	if (ss.state == MX_SS_REFUSED) {
		DMERR("%s: source node %u refused the connection: %s",
		      mx_rv_name(rv), c->source_node,
		      mx_refuse_reason_name(ss.reason));
		return -EPERM;
	}
	if (ss.state != MX_SS_IN_SYNC && ss.state != MX_SS_RESYNC)
		return -EPROTO;
	return mx_rc_adopt(c, &ss, h.seq);
}

/* --- connection lifetime ------------------------------------------------ */

static struct mx_rconn *mx_rc_of(struct mx_conn *conn)
{
	return container_of(conn, struct mx_rconn, conn);
}

static int mx_rc_h_apply(struct mx_conn *conn, const struct mx_hdr *h)
{
	return mx_rc_apply(mx_rc_of(conn), h);
}

static int mx_rc_h_ping(struct mx_conn *conn, const struct mx_hdr *h)
{
	struct mx_hdr a = { .type = MX_P_PING_ACK };

	return mx_conn_send(conn, &a, NULL, false);
}

static int mx_rc_h_ping_ack(struct mx_conn *conn, const struct mx_hdr *h)
{
	return 0;
}

static int mx_rc_h_sync_state(struct mx_conn *conn, const struct mx_hdr *h)
{
	struct mx_wire_sync_state ws;
	struct mx_sync_state ss;
	const char *err = NULL;
	int r;

	r = mx_recv_owed(conn->sock, &ws, sizeof(ws));
	if (!r)
		r = mx_sync_state_decode(&ws, &ss, &err);
	if (!r && ss.state == MX_SS_REFUSED)
		r = -EPROTO;
	if (!r)
		r = mx_rc_adopt(mx_rc_of(conn), &ss, h->seq);
	return r;
}

static int mx_rc_h_verify(struct mx_conn *conn, const struct mx_hdr *h)
{
	struct mx_rconn *c = mx_rc_of(conn);

	return mx_rc_lbs_ok(c, h) ? mx_rc_verify(c, h) : -EPROTO;
}

static int mx_rc_h_csum(struct mx_conn *conn, const struct mx_hdr *h)
{
	struct mx_rconn *c = mx_rc_of(conn);

	return mx_rc_lbs_ok(c, h) ? mx_rc_csum(c, h) : -EPROTO;
}

static int mx_rc_h_bye(struct mx_conn *conn, const struct mx_hdr *h)
{
	return MX_CONN_STOP;
}

/* What a source may send once connected (lengths: mx_hdr_decode()). */
static const struct mx_conn_handler mx_rc_handlers[] = {
	{ MX_P_DATA, 0, MX_WIRE_MAX_DATA + MX_CSUM_LEN, mx_rc_h_apply },
	{ MX_P_RS_DATA, 0, MX_WIRE_MAX_DATA + MX_CSUM_LEN, mx_rc_h_apply },
	{ MX_P_FLUSH, 0, 0, mx_rc_h_apply },
	{ MX_P_PING, 0, 0, mx_rc_h_ping },
	{ MX_P_PING_ACK, 0, 0, mx_rc_h_ping_ack },
	{ MX_P_SYNC_STATE, sizeof(struct mx_wire_sync_state),
	  sizeof(struct mx_wire_sync_state), mx_rc_h_sync_state },
	{ MX_P_VERIFY_REQ, 0, 0, mx_rc_h_verify },
	{ MX_P_CSUM_REQ, 0, 0, mx_rc_h_csum },
	{ MX_P_BYE, 0, 0, mx_rc_h_bye },
};

/*
 * The source's silence (MX_RECV_TIMEOUT without a packet; it pings every
 * MX_PING_INTERVAL) fails the connection: no idle hook.
 */
static const struct mx_conn_ops mx_rc_conn_ops = {
	.role = MX_ROLE_TARGET,
	.prefix = DM_MSG_PREFIX,
	.handlers = mx_rc_handlers,
	.nr_handlers = ARRAY_SIZE(mx_rc_handlers),
};

static int mx_rc_loop(struct mx_rconn *c)
{
	mx_sock_set_rcvtimeo(c->conn.sock, MX_RECV_TIMEOUT);
	return mx_conn_recv_loop(&c->conn);
}

static struct mx_rconn *mx_rconn_alloc(struct mx_recv *rv,
				       struct socket *sock)
{
	struct mx_rconn *c;

	c = kzalloc(sizeof(*c), GFP_KERNEL);
	if (!c)
		return NULL;
	c->rv = rv;
	mx_conn_init(&c->conn, &mx_rc_conn_ops, rv->ti, c->addr,
		     rv->dev_sectors);
	mx_conn_reset(&c->conn, sock);
	c->deadline = jiffies + MX_RECV_GREET_TIMEOUT;
	INIT_LIST_HEAD(&c->pending);
	spin_lock_init(&c->ack_lock);
	INIT_LIST_HEAD(&c->acks);
	INIT_LIST_HEAD(&c->active);
	INIT_WORK(&c->ack_work, mx_ack_work);
	INIT_DELAYED_WORK(&c->keepalive, mx_rc_keepalive);
	atomic_set(&c->inflight, 0);
	atomic_set(&c->writes, 0);
	atomic_set(&c->pages, 0);
	init_waitqueue_head(&c->inflight_wait);
	init_completion(&c->thread_left);
	mx_page_pool_init(&c->pool, MX_RECV_MAX_PAGES);
	INIT_DELAYED_WORK(&c->pool_trim, mx_rc_pool_trim);
	if (kernel_getpeername(sock, (struct sockaddr *)&c->peer) > 0) {
		mx_addr_str(&c->peer, c->addr, sizeof(c->addr));
	} else {
		memset(&c->peer, 0, sizeof(c->peer));
		strscpy(c->addr, "?", sizeof(c->addr));
	}
	return c;
}

static void mx_rconn_free(struct mx_rconn *c)
{
	WRITE_ONCE(c->conn.dead, true);
	mx_sock_shutdown(c->conn.sock);
	cancel_delayed_work_sync(&c->keepalive);
	/*
	 * Writes being applied finish; their acks are dropped. Their bios
	 * use @c's pages and lists, so this wait has no bound but the data
	 * device's (as DRBD's): say so while it lasts, so that a hung
	 * device is not a silent hang of the table's removal.
	 */
	while (!wait_event_timeout(c->inflight_wait, !atomic_read(&c->inflight),
				   MX_RECV_FLUSH_WAIT))
		DMERR("%s: connection teardown still waits for %d request(s) to the data device, which has not completed them",
		      mx_rv_name(c->rv), atomic_read(&c->inflight));
	flush_work(&c->ack_work);
	cancel_delayed_work_sync(&c->pool_trim);
	mx_page_pool_trim(&c->pool, 0);
	mx_sock_release(c->conn.sock);
	mx_comp_free(&c->comp);
	kfree(c);
}

/* Stop the kthread of a connection no list holds any more, and free it. */
static void mx_rconn_stop(struct mx_rconn *c)
{
	WRITE_ONCE(c->conn.dead, true);
	mx_sock_shutdown(c->conn.sock);
	/*
	 * Its socket reads and waits for the disk end now; a request it
	 * made itself (a flush, a verify read) only when the disk answers.
	 * Say so while that lasts, then stop it (it waits for that alone).
	 */
	WRITE_ONCE(c->stopping, true);
	wake_up(&c->inflight_wait);
	while (!wait_for_completion_timeout(&c->thread_left,
					    MX_RECV_FLUSH_WAIT))
		DMERR("%s: connection teardown still waits for its receive thread, in a request to its data or metadata device that has not completed",
		      mx_rv_name(c->rv));
	kthread_stop(c->thread);
	mx_rconn_free(c);
}

/* Stop and free the installed connection, if any. Under conn_mutex. */
static void mx_rv_drop_conn(struct mx_recv *rv)
{
	struct mx_rconn *c = rv->conn;

	if (!c)
		return;
	rv->conn = NULL;
	mx_rconn_stop(c);
	spin_lock_irq(&rv->lock);
	mx_rv_set_state_locked(rv, MX_CS_LISTENING, NULL);
	spin_unlock_irq(&rv->lock);
}

/*
 * @c greeted well: make it the connection, replacing (stopping) the one
 * installed, unless it ran out of time meanwhile, the target detached or
 * is going away.
 */
static int mx_rv_install(struct mx_rconn *c)
{
	struct mx_recv *rv = c->rv;
	int r = 0;

	mutex_lock(&rv->conn_mutex);
	if (rv->closing || READ_ONCE(c->conn.dead)) {
		r = -ESHUTDOWN;
	} else if (READ_ONCE(rv->failed)) {
		DMERR_LIMIT("%s: connection from %s refused: detached after a write error",
			    mx_rv_name(rv), c->addr);
		r = -EIO;
	} else {
		list_del_init(&c->pending);
		rv->nr_pending--;
		if (rv->conn)
			DMINFO("%s: %s replaces the connection from %s",
			       mx_rv_name(rv), c->addr, rv->conn->addr);
		mx_rv_drop_conn(rv);
		rv->conn = c;
		rv->source_host = c->peer;
	}
	mutex_unlock(&rv->conn_mutex);
	return r;
}

static void mx_rv_set_connected(struct mx_rconn *c)
{
	struct mx_recv *rv = c->rv;

	spin_lock_irq(&rv->lock);
	rv->source_node = c->source_node;
	mx_rv_set_state_locked(rv, MX_CS_CONNECTED, c->addr);
	spin_unlock_irq(&rv->lock);
}

static int mx_rconn_thread(void *arg)
{
	struct mx_rconn *c = arg;
	int r;

	r = mx_rc_greet(c);
	if (!r)
		r = mx_rv_install(c);
	if (!r)
		r = mx_rc_takeover(c);
	if (!r) {
		mx_rv_set_connected(c);
		queue_delayed_work(c->rv->wq, &c->keepalive, MX_RECV_KEEPALIVE);
		r = mx_rc_loop(c);
	}
	WRITE_ONCE(c->conn.dead, true);
	/* Shut down first: a keepalive blocked in a send returns at once. */
	mx_sock_shutdown(c->conn.sock);
	cancel_delayed_work_sync(&c->keepalive);
	complete(&c->thread_left);
	/* Wait to be reaped by the listener, a newer connection or the dtr. */
	while (!kthread_should_stop()) {
		set_current_state(TASK_INTERRUPTIBLE);
		if (!kthread_should_stop())
			schedule();
		__set_current_state(TASK_RUNNING);
	}
	return r;
}

/*
 * Under conn_mutex: shut down pending connections past their deadline and
 * move dead ones to @gone, for mx_rconn_stop() outside the mutex.
 */
static void mx_rv_collect_pending(struct mx_recv *rv, struct list_head *gone)
{
	struct mx_rconn *c, *tmp;

	list_for_each_entry_safe(c, tmp, &rv->pending, pending) {
		if (!READ_ONCE(c->conn.dead) && time_after(jiffies, c->deadline)) {
			DMERR_LIMIT("%s: %s: no authentication and hello within %u s, closing",
				    mx_rv_name(rv), c->addr,
				    MX_RECV_GREET_TIMEOUT / HZ);
			mx_rc_kill(c);
		}
		if (READ_ONCE(c->conn.dead)) {
			list_move_tail(&c->pending, gone);
			rv->nr_pending--;
		}
	}
}

static void mx_rconn_stop_list(struct list_head *gone)
{
	struct mx_rconn *c, *tmp;

	list_for_each_entry_safe(c, tmp, gone, pending) {
		list_del_init(&c->pending);
		mx_rconn_stop(c);
	}
}

/* Reap the dead connection and the pending ones dead or out of time. */
static void mx_rv_reap(struct mx_recv *rv)
{
	LIST_HEAD(gone);

	mutex_lock(&rv->conn_mutex);
	if (rv->conn && READ_ONCE(rv->conn->conn.dead))
		mx_rv_drop_conn(rv);
	mx_rv_collect_pending(rv, &gone);
	mutex_unlock(&rv->conn_mutex);
	mx_rconn_stop_list(&gone);
}

/*
 * Under conn_mutex: give @c a greeting slot by the rule of greet_admit.h,
 * moving a pending connection it replaces (and any dead or out of time)
 * to @gone, shut down, for mx_rconn_stop() outside the mutex. Returns
 * false when @c must be closed.
 */
static bool mx_rv_admit_locked(struct mx_recv *rv, struct mx_rconn *c,
			       struct list_head *gone)
{
	struct mx_greet_view v = { .max = MX_RECV_MAX_PENDING };
	struct mx_rconn *host = NULL, *oldest = NULL, *p, *old;

	mx_rv_collect_pending(rv, gone);
	list_for_each_entry(p, &rv->pending, pending) {
		if (!host && mx_same_host(&p->peer, &c->peer, true))
			host = p;
		if (!oldest && !p->authed)
			oldest = p;
	}
	v.nr_pending = rv->nr_pending;
	v.host_pending = !!host;
	v.host_authed = host && host->authed;
	v.unauthed = !!oldest;
	v.known = mx_same_host(&rv->source_host, &c->peer, false);
	switch (mx_greet_admit(&v)) {
	case MX_GREET_ADMIT:
		return true;
	case MX_GREET_REFUSE_HOST:
		DMERR_LIMIT("%s: %s already has a connection greeting: closing the new one",
			    mx_rv_name(rv), c->addr);
		return false;
	case MX_GREET_REFUSE:
		DMERR_LIMIT("%s: too many pending connections (%u): closing a new one from %s",
			    mx_rv_name(rv), MX_RECV_MAX_PENDING, c->addr);
		return false;
	case MX_GREET_REPLACE_HOST:
		old = host;
		DMINFO_LIMIT("%s: the source's host %s connected again while still greeting: closing its older connection",
			     mx_rv_name(rv), c->addr);
		break;
	case MX_GREET_EVICT_OLDEST:
	default:
		old = oldest;
		DMINFO_LIMIT("%s: too many pending connections (%u): the source's host %s closes the oldest, from %s",
			     mx_rv_name(rv), MX_RECV_MAX_PENDING, c->addr,
			     old->addr);
		break;
	}
	mx_rc_kill(old);
	list_move_tail(&old->pending, gone);
	rv->nr_pending--;
	return true;
}

/* Start a pending connection on @sock, if it may have a slot. */
static void mx_rv_accept(struct mx_recv *rv, struct socket *sock)
{
	struct task_struct *t;
	struct mx_rconn *c;
	LIST_HEAD(gone);
	bool admit;

	c = mx_rconn_alloc(rv, sock);
	if (!c) {
		mx_sock_release(sock);
		return;
	}
	mutex_lock(&rv->conn_mutex);
	admit = mx_rv_admit_locked(rv, c, &gone);
	mutex_unlock(&rv->conn_mutex);
	mx_rconn_stop_list(&gone);
	if (!admit) {
		mx_sock_release(sock);
		kfree(c);
		return;
	}
	t = kthread_create(mx_rconn_thread, c, "mirrorx-rx");
	if (IS_ERR(t)) {
		DMERR_LIMIT("%s: cannot start a thread for a connection from %s (%ld): closing it",
			    mx_rv_name(rv), c->addr, PTR_ERR(t));
		mx_sock_release(sock);
		kfree(c);
		return;
	}
	c->thread = t;
	/* Only this thread adds: the slot admitted above is still free. */
	mutex_lock(&rv->conn_mutex);
	list_add_tail(&c->pending, &rv->pending);
	rv->nr_pending++;
	mutex_unlock(&rv->conn_mutex);
	wake_up_process(t);
}

static int mx_listen_thread(void *arg)
{
	struct mx_recv *rv = arg;
	struct socket *sock;
	int r;

	while (!kthread_should_stop()) {
		mx_rv_reap(rv);
		r = mx_sock_accept(rv->lsock, HZ / 2, &sock);
		if (r)
			continue;
		if (READ_ONCE(rv->failed)) {
			DMERR_LIMIT("%s: connection refused: detached after a write error (reload the target once the disk is repaired)",
				    mx_rv_name(rv));
			mx_sock_release(sock);
			continue;
		}
		mx_rv_accept(rv, sock);
	}
	return 0;
}

/* dtr: stop the pending connections and the installed one. */
static void mx_rv_stop_all(struct mx_recv *rv)
{
	struct mx_rconn *c;
	LIST_HEAD(gone);

	mutex_lock(&rv->conn_mutex);
	rv->closing = true;
	list_splice_init(&rv->pending, &gone);
	rv->nr_pending = 0;
	list_for_each_entry(c, &gone, pending)
		mx_rc_kill(c);
	mutex_unlock(&rv->conn_mutex);
	mx_rconn_stop_list(&gone);
	mutex_lock(&rv->conn_mutex);
	mx_rv_drop_conn(rv);
	mutex_unlock(&rv->conn_mutex);
}

/* --- target methods ----------------------------------------------------- */

static int mirrorx_recv_ctr(struct dm_target *ti, unsigned int argc,
			    char **argv)
{
	struct mx_recv *rv;
	bool formatted;
	const char *err;
	int r;

	rv = kzalloc(sizeof(*rv), GFP_KERNEL);
	if (!rv) {
		ti->error = "Cannot allocate context";
		return -ENOMEM;
	}
	rv->ti = ti;
	ti->private = rv;
	mutex_init(&rv->conn_mutex);
	INIT_LIST_HEAD(&rv->pending);
	spin_lock_init(&rv->lock);
	rv->state = MX_CS_LISTENING;	/* the initial state */
	INIT_WORK(&rv->event_work, mx_rv_event_work);

	r = mx_parse_recv_table(argc, argv, &rv->conf, &ti->error);
	if (r)
		goto bad_free;
	if (rv->conf.opts.auth_key[0]) {
		rv->auth = kzalloc(sizeof(*rv->auth), GFP_KERNEL);
		if (!rv->auth) {
			ti->error = "Cannot allocate auth secret";
			r = -ENOMEM;
			goto bad_free;
		}
		r = mx_auth_load(rv->conf.opts.auth_key, rv->auth, &ti->error);
		if (r)
			goto bad_free;
	}
	/* Without it: connections go on uncompressed, status says why. */
	rv->comp_have = mx_comp_available(rv->conf.opts.compress);
	if (rv->conf.opts.compress && !rv->comp_have)
		DMWARN("compress %s: %s; data will be received uncompressed",
		       mx_comp_alg_name(rv->conf.opts.compress),
		       mx_comp_state_why(MX_COMP_ST_NO_KERNEL));
	rv->table = mx_join_args(argc, argv);
	if (!rv->table) {
		ti->error = "Cannot allocate table copy";
		r = -ENOMEM;
		goto bad_free;
	}
	/* We write the data device ourselves, whatever the table mode. */
	r = dm_get_device(ti, rv->conf.data_path, MX_DEV_MODE_RW,
			  &rv->data_dev);
	if (r) {
		ti->error = "Cannot open data device";
		goto bad_table;
	}
	r = dm_get_device(ti, rv->conf.meta_path, MX_DEV_MODE_RW,
			  &rv->meta_dev);
	if (r) {
		ti->error = "Cannot open metadata device";
		goto bad_data;
	}
	if (rv->meta_dev->bdev->bd_dev == rv->data_dev->bdev->bd_dev) {
		ti->error = "Data and metadata devices must differ";
		r = -EINVAL;
		goto bad_meta;
	}
	if (ti->len > bdev_nr_sectors(rv->data_dev->bdev)) {
		ti->error = "Device is larger than the data device";
		r = -EINVAL;
		goto bad_meta;
	}
	rv->dev_sectors = ti->len;
	r = mx_meta_open(&rv->meta, rv->meta_dev->bdev,
			 bdev_nr_sectors(rv->meta_dev->bdev), rv->dev_sectors,
			 0, &formatted, &err);
	if (r) {
		ti->error = (char *)err;
		goto bad_meta;
	}
	r = mx_ilog_init(&rv->ilog, &rv->meta);
	if (r) {
		ti->error = "Cannot allocate the intent log";
		goto bad_meta_open;
	}
	rv->wq = alloc_workqueue("mirrorx-recv", WQ_MEM_RECLAIM | WQ_UNBOUND,
				 0);
	if (!rv->wq) {
		ti->error = "Cannot allocate workqueue";
		r = -ENOMEM;
		goto bad_meta_open;
	}
	/*
	 * Bind now so that a wrong address fails the load; the table this
	 * one replaces may still hold it (a reload): then bind at resume,
	 * once that one is suspended. Connections are served only while
	 * resumed (mirrorx_recv_resume()).
	 */
	r = mx_sock_listen(&rv->conf.listen, &rv->lsock);
	if (r == -EADDRINUSE) {
		rv->lsock = NULL;
	} else if (r) {
		ti->error = "Cannot listen on the given address";
		goto bad_wq;
	}
	rv->closing = true;
	ti->num_flush_bios = 1;
	return 0;

bad_wq:
	destroy_workqueue(rv->wq);
bad_meta_open:
	mx_ilog_exit(&rv->ilog);
	mx_meta_close(&rv->meta);
bad_meta:
	dm_put_device(ti, rv->meta_dev);
bad_data:
	dm_put_device(ti, rv->data_dev);
bad_table:
	kfree(rv->table);
bad_free:
	if (rv->auth)
		mx_auth_wipe(rv->auth);
	kfree(rv->auth);
	kfree(rv);
	return r;
}

/*
 * Stop serving: no listener, no connection, nothing written any more, the
 * metadata on disk. A table that takes over (another role, other options)
 * reads it after this (suspend, then resume of the new table).
 */
static void mx_rv_quiesce(struct mx_recv *rv)
{
	if (rv->listener) {
		kthread_stop(rv->listener);
		rv->listener = NULL;
	}
	mx_rv_stop_all(rv);
	mx_sock_release(rv->lsock);
	rv->lsock = NULL;
	flush_workqueue(rv->wq);
	if (rv->meta_current)
		mx_ilog_commit(&rv->ilog);
}

static void mirrorx_recv_dtr(struct dm_target *ti)
{
	struct mx_recv *rv = ti->private;

	mx_rv_quiesce(rv);
	destroy_workqueue(rv->wq);
	mx_ilog_exit(&rv->ilog);
	mx_meta_close(&rv->meta);
	dm_put_device(ti, rv->meta_dev);
	dm_put_device(ti, rv->data_dev);
	kfree(rv->table);
	if (rv->auth)
		mx_auth_wipe(rv->auth);
	kfree(rv->auth);
	kfree(rv);
}

static int mirrorx_recv_map(struct dm_target *ti, struct bio *bio)
{
	struct mx_recv *rv = ti->private;

	if (bio_data_dir(bio) == WRITE && bio_sectors(bio)) {
		DMERR_LIMIT("%s: write refused: this node is a mirror target",
			    mx_rv_name(rv));
		return DM_MAPIO_KILL;
	}
	bio_set_dev(bio, rv->data_dev->bdev);
	bio->bi_iter.bi_sector = dm_target_offset(ti, bio->bi_iter.bi_sector);
	return DM_MAPIO_REMAPPED;
}

/*
 * dm-ioctl sets the disk's read-only flag from the table mode just before
 * resuming; a target node is read-only whatever the mode, so that local
 * writers fail at open (EACCES), write(2) (EPERM) or mount (EROFS) rather
 * than with I/O errors. Loading the source role again makes it writable.
 */
static void mirrorx_recv_postsuspend(struct dm_target *ti)
{
	mx_rv_quiesce(ti->private);
}

/*
 * Before serving: read the metadata again if the constructor's copy may
 * be stale (the table it replaced ran until its suspend), and bind the
 * address if the replaced table held it then.
 */
static int mirrorx_recv_preresume(struct dm_target *ti)
{
	struct mx_recv *rv = ti->private;
	const char *err;
	int r;

	if (!rv->meta_current) {
		r = mx_ilog_reread(&rv->ilog,
				   bdev_nr_sectors(rv->meta_dev->bdev),
				   rv->dev_sectors, &err);
		if (r) {
			DMERR("%s: cannot read the metadata at resume: %s (%d)",
			      mx_rv_name(rv), err, r);
			return r;
		}
		rv->meta_current = true;
	}
	if (!rv->lsock) {
		r = mx_sock_listen(&rv->conf.listen, &rv->lsock);
		if (r) {
			rv->lsock = NULL;
			DMERR("%s: cannot listen on the table's address (%d): another table or program holds it",
			      mx_rv_name(rv), r);
			return r;
		}
	}
	return 0;
}

static void mirrorx_recv_resume(struct dm_target *ti)
{
	struct mx_recv *rv = ti->private;
	struct task_struct *t;

	set_disk_ro(dm_disk(dm_table_get_md(ti->table)), true);
	mutex_lock(&rv->conn_mutex);
	rv->closing = false;
	mutex_unlock(&rv->conn_mutex);
	if (rv->listener || !rv->lsock)
		return;
	t = kthread_run(mx_listen_thread, rv, "mirrorx-listen");
	if (IS_ERR(t)) {
		DMERR("%s: cannot start the listener (%ld): reload the table",
		      mx_rv_name(rv), PTR_ERR(t));
		return;
	}
	rv->listener = t;
}

static void mirrorx_recv_status(struct dm_target *ti, status_type_t type,
				unsigned int status_flags, char *result,
				unsigned int maxlen)
{
	struct mx_recv *rv = ti->private;
	struct mx_meta *m = &rv->meta;
	struct mx_ilog *il = &rv->ilog;
	unsigned int sz = 0;
	enum mx_data_state ds;
	char addr[64];
	bool connected;
	u32 flags, node, cst;
	u64 craw, cwire;

	switch (type) {
	case STATUSTYPE_INFO:
		spin_lock_irq(&m->lock);
		flags = m->sb.flags;
		spin_unlock_irq(&m->lock);
		spin_lock_irq(&rv->lock);
		connected = rv->state == MX_CS_CONNECTED;
		node = rv->source_node;
		cst = connected ? rv->comp_state : MX_COMP_ST_OFF;
		craw = rv->comp_raw;
		cwire = rv->comp_wire;
		spin_unlock_irq(&rv->lock);
		if (!rv->comp_have)
			cst = MX_COMP_ST_NO_KERNEL;
		ds = mx_recv_data_state(flags, READ_ONCE(rv->failed));
		DMEMIT("target %s %u %llu/%llu 1", mx_data_state_name(ds),
		       m->sb.region_sectors,
		       (unsigned long long)(connected ?
					    mx_ilog_weight(il, BIT(node),
							   false) : 0),
		       (unsigned long long)m->nr_regions);
		if (connected)
			DMEMIT(" %u %s %s - 0 0/0 0 0 0", node,
			       mx_conn_state_name(MX_CS_CONNECTED),
			       mx_repl_state_name((flags & MX_SB_INCONSISTENT) ?
						  MX_RS_RESYNCING :
						  MX_RS_IN_SYNC));
		else
			DMEMIT(" - %s %s - 0 0/0 0 0 0",
			       mx_conn_state_name(MX_CS_LISTENING),
			       mx_repl_state_name(MX_RS_IDLE));
		if (rv->conf.opts.compress)
			mx_emit_comp(result, maxlen, &sz,
				     rv->conf.opts.compress, cst, craw, cwire);
		break;
	case STATUSTYPE_TABLE:
		DMEMIT("%s", rv->table);
		break;
	case STATUSTYPE_IMA:
		mx_addr_str(&rv->conf.listen, addr, sizeof(addr));
		DMEMIT_TARGET_NAME_VERSION(ti->type);
		DMEMIT(",role=target,data_dev=%s,meta_dev=%s,listen=%s,auth=%c,data_csum=%c,compress=%s;",
		       rv->data_dev->name, rv->meta_dev->name, addr,
		       rv->conf.opts.auth_key[0] ? 'y' : 'n',
		       rv->conf.opts.data_csum ? 'y' : 'n',
		       mx_comp_alg_name(rv->conf.opts.compress));
		break;
	}
}

/*
 * The outdate message: the cluster knows the source made writes this node
 * lacks (it lost us while we were in sync), so this data must never be
 * promoted until a source resynced it: Outdated, on disk before the
 * message returns. Refused while a source is connected (its writes reach
 * us: it is the source that decides) or while suspended (another table
 * may own the metadata). Inconsistent and Failed data stay as they are:
 * they are refused as a source already. Returns 0 once this node's data
 * cannot serve as a source.
 */
static int mx_rv_outdate(struct mx_recv *rv)
{
	struct mx_meta *m = &rv->meta;
	struct mx_ilog *il = &rv->ilog;
	enum mx_data_state ds;
	bool changed, commit = false;
	int r = 0;

	/* No source is installed meanwhile (mx_rv_install()). */
	mutex_lock(&rv->conn_mutex);
	if (rv->closing) {
		mutex_unlock(&rv->conn_mutex);
		DMERR("%s: outdate refused: the target is suspended (resume it first)",
		      mx_rv_name(rv));
		return -EBUSY;
	}
	if (rv->conn) {
		u32 node = rv->conn->source_node;

		mutex_unlock(&rv->conn_mutex);
		DMERR("%s: outdate refused: source node %u is connected; disconnect it there, or retry once this node dropped the lost link (%u s of silence)",
		      mx_rv_name(rv), node, MX_RECV_TIMEOUT / HZ);
		return -EBUSY;
	}
	spin_lock_irq(&m->lock);
	ds = mx_recv_data_state(m->sb.flags, READ_ONCE(rv->failed));
	changed = ds != MX_DS_OUTDATED &&
		  mx_data_transition_valid(ds, MX_DS_OUTDATED);
	/*
	 * Already Outdated in memory is committed again: an earlier commit
	 * may have failed, and "Outdated" must be on disk before we say so.
	 */
	if (changed || ds == MX_DS_OUTDATED) {
		m->sb.flags |= MX_SB_OUTDATED;
		mx_meta_sb_dirty(m);
		commit = true;
	}
	spin_unlock_irq(&m->lock);
	if (commit)
		r = mx_ilog_commit(il);
	mutex_unlock(&rv->conn_mutex);
	if (r) {
		DMERR("%s: outdate: cannot write the metadata (%d)",
		      mx_rv_name(rv), r);
		return r;
	}
	if (changed) {
		DMWARN("%s: data %s -> Outdated: refused as a source until a resync",
		       mx_rv_name(rv), mx_data_state_name(ds));
		queue_work(rv->wq, &rv->event_work);
	} else {
		DMINFO("%s: outdate: data stays %s (refused as a source already)",
		       mx_rv_name(rv), mx_data_state_name(ds));
	}
	return 0;
}

static int mirrorx_recv_message(struct dm_target *ti, unsigned int argc,
				char **argv, char *result, unsigned int maxlen)
{
	struct mx_recv *rv = ti->private;

	if (argc != 1 || strcasecmp(argv[0], "outdate")) {
		DMWARN("%s: invalid message: a target takes only \"outdate\"",
		       mx_rv_name(rv));
		return -EINVAL;
	}
	return mx_rv_outdate(rv);
}

static int mirrorx_recv_iterate_devices(struct dm_target *ti,
					iterate_devices_callout_fn fn,
					void *data)
{
	struct mx_recv *rv = ti->private;

	return fn(ti, rv->data_dev, 0, ti->len, data);
}

static struct target_type mirrorx_recv_target = {
	.name = "mirrorx-recv",
	.version = {0, 1, 0},
	.module = THIS_MODULE,
	.ctr = mirrorx_recv_ctr,
	.dtr = mirrorx_recv_dtr,
	.map = mirrorx_recv_map,
	.postsuspend = mirrorx_recv_postsuspend,
	.preresume = mirrorx_recv_preresume,
	.resume = mirrorx_recv_resume,
	.status = mirrorx_recv_status,
	.message = mirrorx_recv_message,
	.iterate_devices = mirrorx_recv_iterate_devices,
};

int mx_receiver_register(void)
{
	return dm_register_target(&mirrorx_recv_target);
}

void mx_receiver_unregister(void)
{
	dm_unregister_target(&mirrorx_recv_target);
}
