/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Source role ("mirrorx" target): shared structures of source.c (the dm
 * target and the write path), peer.c (connections to targets) and resync.c.
 */
#ifndef DM_MIRRORX_SOURCE_H
#define DM_MIRRORX_SOURCE_H

#include <linux/device-mapper.h>
#include <linux/bio.h>
#include <linux/kthread.h>
#include <linux/llist.h>
#include <linux/workqueue.h>
#include <linux/xarray.h>
#include <linux/wait.h>
#include "args.h"
#include "intent_log.h"
#include "proto.h"
#include "auth.h"
#include "conn.h"
#include "compress.h"
#include "peer_state.h"
#include "sendq.h"

/* Keepalive: ping after this much silence, drop after MX_PING_TIMEOUT. */
#define MX_PING_INTERVAL	(2 * HZ)
#define MX_PING_TIMEOUT		(6 * HZ)
/* An acknowledgment later than this drops the connection. */
#define MX_REQ_TIMEOUT		(30 * HZ)
#define MX_RECONNECT_MIN	(HZ / 2)
#define MX_RECONNECT_MAX	(4 * HZ)
/* The disconnect message waits this long at most for the connection to go. */
#define MX_DISCONNECT_WAIT	(10 * HZ)
/*
 * Clearing (source.c, mx_sweep): every sweep period (every
 * MX_SWEEP_SPACED_PERIODS while writes come in or a peer resyncs), the
 * bits of regions durable on every node are cleared; the hot set keeps up
 * to the hot_set option's worth of 4 MiB extents marked on disk while the
 * mirror is written (MX_DEFAULT_HOT_SET, args.h), and cools all of them
 * after MX_IDLE_PERIODS periods without writes: a minute, so that a
 * workload with pauses (bursts, a benchmark's jobs one after the other)
 * does not pay a commit per extent again after each, as DRBD's activity
 * log never cools while idle; an idle mirror still has nothing to resync
 * after a crash once the minute passed. A write that continues a
 * sequential stream (the MX_SEQ_RUN-th in a row or later to start where
 * the one before ended, i.e. the 4th write of a run: a random write does
 * that once by chance) marks MX_HEAT_AHEAD extents past its own, so the
 * stream's next writes find theirs on disk.
 */
#define MX_SWEEP_PERIOD		(HZ)
#define MX_IDLE_PERIODS		60
/*
 * While writes come in, or while a peer resyncs, the sweep flushes the
 * data devices and clears a peer's bits only every this many periods
 * (mx_sweep_due()); the first sweep after a period without writes (and
 * with no peer resyncing) does at once. Each flush costs both disks a
 * cache flush (tens of ms on a disk without a protected cache, during
 * which its writes wait) and, on a target older than MX_PROTO_ACKED_FLUSH,
 * a gap in the stream of writes (receiver.c). The price: a link cut or a
 * crash of either node resyncs the regions written up to this many seconds
 * before it, and an interrupted resync redoes up to this many seconds more
 * of its work (copies again after a link cut or a target crash; compares
 * after a crash of the source, resync.c).
 */
#define MX_SWEEP_SPACED_PERIODS	5
#define MX_HEAT_AHEAD		2
#define MX_SEQ_RUN		3
/* A sweep waits this long for its FLUSH acks: past MX_REQ_TIMEOUT. */
#define MX_SWEEP_FLUSH_TIMEOUT	(MX_REQ_TIMEOUT + 5 * HZ)
/*
 * Most regions a peer's resync holds locked (in flight) at once: its
 * window in bytes (resync.c, rs_window.h) becomes whole regions up to this.
 */
#define MX_RESYNC_LOCKS		256
/*
 * How long a resync or verify waits for the writes in flight in a region
 * it wants (new ones queue behind it meanwhile) before it skips the region
 * and comes back to it later.
 */
#define MX_REGION_WAIT		(5 * HZ)
/*
 * How often a wait for resync or verify I/O in flight that cannot end
 * otherwise (local reads cannot be cancelled) says that it still waits.
 */
#define MX_RS_STUCK_WARN	(30 * HZ)
/*
 * Largest data write (ti->max_io_len): one DATA packet, as the receiver
 * refuses a payload over MX_WIRE_MAX_DATA. dm splits larger bios on
 * multiples of it (aligned), so with regions of at most 1 MiB a piece
 * covers whole regions and with larger ones it lies inside one region.
 */
#define MX_MAX_IO_SECTORS	(MX_WIRE_MAX_DATA >> SECTOR_SHIFT)
/* Largest discard / write-zeroes in one packet (size is 32 bits). */
#define MX_MAX_OP_SECTORS	(SZ_2G >> SECTOR_SHIFT)
/* Longest wait at suspend for async queues to drain. */
#define MX_DRAIN_TIMEOUT	(30 * HZ)
/* Shortest stay in Behind before an async peer queues again. */
#define MX_BEHIND_MIN		(5 * HZ)

struct mx_source;
struct mx_peer;

/*
 * A request queued to one peer. Application writes embed one per peer in
 * struct mx_write; resync, flush, ping and control requests are allocated.
 */
struct mx_preq {
	/* @list: the send queue's (sq), or a list of failed requests */
	union {
		struct list_head list;
		struct mx_sendq_entry sq;
	};
	struct mx_peer *peer;
	struct mx_hdr hdr;
	struct bio_vec *bvecs;		/* data, with @iter */
	struct bvec_iter iter;
	u32 bulk_bytes;			/* counted in peer->bulk_sent */
	const void *payload;		/* small linear payload (hdr.length) */
	unsigned long sent_at;
	__be32 reply_crc;		/* MX_P_VERIFY_REPLY payload */
	/*
	 * Where the payload of the reply to a VERIFY_REQ or CSUM_REQ goes:
	 * exactly @reply_len bytes, or the reply is a protocol error.
	 */
	void *reply;
	u32 reply_len;
	/* Called once with 0 (acked OK) or an error; may run in any context
	 * that is not hard IRQ.
	 */
	void (*done)(struct mx_preq *rq, int error);
	/*
	 * An acked request in the peer's inflight xarray has two owners: the
	 * sender until its send returned, and whoever took it out of the
	 * xarray (ack or reply handler, teardown), which sets @ack_error
	 * first. The last one to let go completes it (mx_preq_put()).
	 */
	atomic_t owners;
	int ack_error;
};

/* Set @rq up for @p: a @type request about @size bytes at @sector. */
static inline void mx_preq_init(struct mx_preq *rq, struct mx_peer *p,
				u16 type, sector_t sector, u32 size,
				void (*done)(struct mx_preq *rq, int error))
{
	INIT_LIST_HEAD(&rq->list);
	rq->peer = p;
	rq->done = done;
	rq->hdr.type = type;
	rq->hdr.sector = sector;
	rq->hdr.size = size;
}

/* Per-bio data of an application write, discard, write-zeroes or flush. */
struct mx_write {
	struct mx_source *src;
	struct bio *bio;
	struct list_head list;		/* src->inflight */
	struct list_head wait_list;	/* src->blocked or src->commit_wait */
	sector_t sector;
	u32 sectors;
	u64 r0, r1;			/* regions touched */
	atomic_t pending;
	blk_status_t status;
	unsigned long failed_peers;	/* peers that did not get it */
	unsigned long async_mask;	/* async peers it is queued to */
	struct mx_preq preq[MX_MAX_PEERS];
};

struct mx_peer {
	struct mx_source *src;
	u32 idx;			/* index in the table */
	struct mx_peer_conf conf;
	char addr_str[64];
	char name[80];			/* "peer 1 (addr)": conn.name */

	/*
	 * Protected by src->lock. @cstate and @rstate change only through
	 * mx_peer_set_state_locked() (the transition table of
	 * peer_state.c), which wakes @state_wait; anyone may read them under
	 * src->lock, or with READ_ONCE() for a hint.
	 */
	enum mx_conn_state cstate;
	enum mx_repl_state rstate;
	u32 refuse_reason;
	bool want_connect;		/* cleared by disconnect / refusal */
	bool paused;
	struct mx_sendq sendq;		/* sendq.h: application first */
	/*
	 * Bytes of bulk packets (resync data, checksum requests) sent and
	 * not yet completed; the sender sends no more bulk packets while
	 * @bulk_sent is at least @bulk_limit (0: none), which the resync
	 * sets each period. So the resync's backlog waits in @sendq, where
	 * application writes overtake it, not in the socket buffers and the
	 * target's receive queue, where they would wait behind it. While
	 * no application write was queued lately (mx_sendq_app_idle()),
	 * @bulk_limit_idle applies instead: the resync's window.
	 */
	u64 bulk_sent;
	u64 bulk_limit;
	u64 bulk_limit_idle;
	/*
	 * The regions this peer lacks, and those to compare by checksum
	 * before copying (resync.c: the bits a crash left in the intent log
	 * when the table took the metadata over, or every region after a
	 * "resync <peer> csum"), are the intent log's: src->ilog.oos and
	 * .csum of conf.node_id, under meta.lock. oos changes under
	 * src->lock too (a resync that finds none left decides InSync under
	 * src->lock); csum is only a hint for how to copy.
	 */
	u64 resync_total, resync_done;
	bool resync_announce;		/* tell the target: Inconsistent */
	/*
	 * Left InSync on a live connection and the target has not acked the
	 * RESYNC sync state yet: it may still say Consistent on its disk
	 * while it lacks a write. Under src->lock: set with @resync_announce,
	 * cleared by that ack (resync.c) and by the teardown once its state
	 * change saw it. Fencing treats a loss meanwhile like one in sync,
	 * and holds the writes it missed until the ack (fence.c).
	 */
	bool rs_unconfirmed;
	/*
	 * The resync ended (InSync) and the target has not acked RESYNC_DONE,
	 * which it does once it flushed what the resync wrote: writes held
	 * for this peer (on_disconnect suspend) stay held until then, whatever
	 * else releases held writes meanwhile (mx_held_by()). Under src->lock:
	 * set by the resync's end, cleared by that ack and by the teardown.
	 */
	bool rs_done_unacked;
	/*
	 * The current or last resync: bytes compared by checksum, bytes of
	 * resync data and bytes of resync write-zeroes the peer
	 * acknowledged; reset where resync_done is.
	 */
	atomic64_t rs_compared;
	atomic64_t rs_sent;
	atomic64_t rs_zeroes;
	/*
	 * The peer speaks MX_PROTO_CSUM (csum_ok), MX_PROTO_ZERO (zero_ok)
	 * and our blocks are no larger than MX_CSUM_BLOCK: set by the
	 * connection thread before Connected; the resync clears zero_ok
	 * when the target refuses a write-zeroes (resync.c).
	 * @acked_flush_ok: the peer speaks MX_PROTO_ACKED_FLUSH (the
	 * sweep's FLUSH need not be a barrier there); set with them.
	 * @zero_max: the largest resync write-zeroes it takes
	 * (mx_proto_zero_max()); set with them.
	 */
	bool csum_ok;
	bool zero_ok;
	bool acked_flush_ok;
	u32 zero_max;
	/*
	 * Link compression (compress.h), with the compress option: @comp is
	 * set up at the constructor (left unset when the kernel lacks the
	 * algorithm) and used by the sender thread only. @comp_state (enum
	 * mx_comp_state) and @comp_on (it is MX_COMP_ST_ON) are set by the
	 * connection thread before Connected and reset by the teardown,
	 * read with READ_ONCE(). @comp_raw and @comp_wire, since load: the
	 * data bytes of DATA and RS_DATA packets the sender sent, and what
	 * went on the wire for them (compressed or raw), checksum trailer
	 * and headers not counted.
	 */
	struct mx_comp comp;
	u32 comp_state;
	bool comp_on;
	atomic64_t comp_raw;
	atomic64_t comp_wire;
	/* async peers */
	u64 aq_bytes;			/* queued or unacknowledged */
	u32 aq_writes;
	struct list_head aq_list;	/* queued entries, oldest first */
	bool behind;
	unsigned long behind_since;
	struct work_struct behind_work;
	struct work_struct verify_work;
	u64 verify_differ;
	/*
	 * The verify's regions in flight: counted in @resync_inflight too
	 * (a disconnect or suspend waits for them with the resync's), and
	 * here alone, so that a verify a resync interrupted waits for its
	 * own, not for the whole resync.
	 */
	atomic_t verify_inflight;
	/*
	 * fencing resource (fence.c): @fence under src->lock, changed only
	 * by fence.c (its table in peer_state.c); @fence_deadline set with
	 * Pending. @fence_work: the fence_timeout, and the release of held
	 * writes after a reconnect.
	 */
	enum mx_fence_state fence;
	bool fence_lost_suspended;	/* lost in sync while suspending */
	unsigned long fence_deadline;
	struct delayed_work fence_work;

	/*
	 * The connection (conn.h). @conn.sock is set and released by the
	 * connection thread under @sock_mutex, which mx_peer_fail() holds to
	 * shut it down, and mx_peer_end_handshake() (postsuspend) to shut a
	 * handshake's down. @conn.dead (the connection failing, no new sends) is
	 * set by mx_peer_fail() and cleared by the teardown, both under
	 * src->lock. @handshake_mutex is held by the connection thread from
	 * connect to the end of the handshake (metadata writes): postsuspend
	 * and assume_clean wait for or skip it. Lock order: handshake_mutex,
	 * sock_mutex, src->lock; conn.send_mutex is a leaf (the whole order
	 * is at mx_source.lock).
	 */
	struct mx_conn conn;
	struct mutex sock_mutex;	/* guards @conn.sock (see above) */
	struct mutex handshake_mutex;	/* held from connect to handshake end */
	struct task_struct *conn_thread;
	/*
	 * The sender thread (peer.c) drains @sendq onto the socket (resync
	 * data only while nothing else waits: sendq.h), woken by
	 * mx_peer_kick_sender() (bit MX_SEND_KICK of @send_flags, then
	 * @send_wait). It holds @send_loop while it drains, so that the
	 * teardown can wait for a drain in progress (which then finds the
	 * connection dead and stops). A thread of its own, not a work item
	 * on src->wq: a send blocked on a full socket must not hold up
	 * commit_work behind it when memory is short (the workqueue's one
	 * rescuer). Started and stopped with @conn_thread. Lock order:
	 * send_loop, then what a send takes (sock_mutex, src->lock,
	 * conn.send_mutex).
	 */
	struct task_struct *sender;
	wait_queue_head_t send_wait;
	unsigned long send_flags;
	/*
	 * The answer to the target's pings: one at a time, queued while bit
	 * MX_SEND_PING_ACK of @send_flags is set (peer.c), so that a target
	 * pinging faster than it reads makes us queue nothing more.
	 */
	struct mx_preq ping_ack;
	struct mutex send_loop;		/* held while the sender drains @sendq */
	struct work_struct resync_work;
	struct xarray inflight;		/* seq -> struct mx_preq */
	atomic64_t next_seq;
	atomic_t resync_inflight;	/* regions (resync), ranges (verify) */
	int resync_read_error;		/* a local read failed: pause */
	bool resync_refused;		/* the target refused a write: pause */
	bool resync_nomem;		/* an allocation failed: wait a moment */
	/*
	 * Resync reads completed, for the resync work to send (resync.c):
	 * added by the bio completion, taken only by the resync work, which
	 * waits for every read it issued before it ends.
	 */
	struct llist_head rs_reads;
	wait_queue_head_t resync_wait;
	bool resync_running;
	/*
	 * Woken on every state change of this peer and when a suspend stops
	 * resync and verify. Every wait on it is bounded (a timeout).
	 */
	wait_queue_head_t state_wait;
};

struct mx_source {
	struct dm_target *ti;
	struct dm_dev *data_dev;
	struct dm_dev *meta_dev;
	struct mx_src_conf conf;
	char *table;			/* the constructor line, for STATUSTYPE_TABLE */
	struct mx_auth_secret *auth;	/* NULL without the auth option */
	sector_t dev_sectors;
	struct mx_meta meta;
	struct mx_ilog ilog;		/* of @meta */
	struct bio_set bs;
	/*
	 * Both WQ_MEM_RECLAIM (held writes complete from the resync), each
	 * with its own rescuer. @wq: the short items a write depends on:
	 * commit, events, fencing. @rs_wq: what waits for acks: resync,
	 * verify, and the sweep (its flush waits for the peers). Sends have
	 * a kthread per peer (mx_peer::sender), so no rescuer stuck in a
	 * long item holds them up, nor a blocked send the commits.
	 */
	struct workqueue_struct *wq;
	struct workqueue_struct *rs_wq;

	/*
	 * Everything below, and the peer fields marked so (states, queues).
	 * Taken from bio completions too: always with interrupts off.
	 *
	 * Lock order (outer first; lockdep checks it in make check-debug):
	 *   p->handshake_mutex > p->sock_mutex > @lock > meta.lock
	 *   p->handshake_mutex > meta.commit_lock > meta.lock
	 *   p->send_loop > p->sock_mutex > @lock (the sender failing it)
	 *   p->handshake_mutex or p->send_loop > p->conn.send_mutex
	 * meta.commit_lock is never held with @lock or a sock_mutex (a
	 * commit sleeps on I/O). conn.send_mutex is a leaf: only socket
	 * sends run under it. The teardown takes sock_mutex, then send_loop,
	 * never nested. Never two peers' mutexes at once (postsuspend takes
	 * each handshake_mutex in turn).
	 * meta.lock guards the superblock and the intent log's state (@ilog).
	 * Under @lock nothing else is taken but meta.lock and the leaf locks
	 * of wake_up() and queue_work() (mx_peer_set_state_locked()).
	 */
	spinlock_t lock;
	struct list_head inflight;	/* struct mx_write being written */
	struct list_head blocked;	/* overlapping an in-flight write */
	struct list_head commit_wait;	/* waiting for their bits on disk */
	struct list_head throttled;	/* waiting for room in an async queue */
	struct list_head held;		/* on_disconnect suspend: written
					 * locally, waiting for a peer
					 */
	/*
	 * Regions a resync or verify holds locked (one holder at a time: a
	 * lock is taken only where none is, mx_source_try_lock_region()),
	 * one bit per region, and how many are set. A bitmap, so that a
	 * write during a resync looks its regions up in a time that does not
	 * grow with how many a resync holds.
	 */
	unsigned long *resync_locked;
	u32 nr_resync_locked;
	/*
	 * Regions a resync or verify waits to lock (one per peer at most):
	 * new writes to them queue in @blocked, so that the in-flight ones
	 * drain and the copy gets its turn on a hot region.
	 */
	u64 resync_wanted[MX_MAX_PEERS];
	u32 nr_resync_wanted;
	wait_queue_head_t region_wait;	/* an in-flight write ended */
	u64 writes_since_sweep;		/* data writes admitted since */
	/*
	 * Sweeps since the last one that flushed and cleared
	 * (mx_sweep_due()); the sweep's own (one runs at a time).
	 */
	u32 sweep_skipped;
	/*
	 * Regions a sweep's flush may not cover: written or resync-copied
	 * since it began, or in flight or async-queued then (mx_sweep).
	 */
	unsigned long *unflushed;
	u32 idle_periods;		/* sweeps since the last write */
	u64 hot_limit;			/* hot extents kept while busy */
	sector_t seq_next;		/* where a sequential write starts */
	u32 seq_run;			/* writes in a row that started there */
	u32 admit_holds;		/* handshakes deciding: admit nothing */
	/*
	 * From presuspend to resume (or presuspend_undo): resync and verify
	 * stop. Written under src->lock, read with READ_ONCE().
	 */
	bool suspending;
	/*
	 * The metadata was read again at the first resume, this table owns
	 * it now (mirrorx_preresume()). Written by table methods only,
	 * which device-mapper serialises; commit_work reads it.
	 */
	bool meta_current;
	wait_queue_head_t rs_wake;	/* wakes throttle sleeps on suspend */
	atomic_t nr_inflight;
	wait_queue_head_t drain_wait;

	struct work_struct commit_work;
	struct delayed_work sweep_work;
	struct work_struct event_work;
	struct work_struct gen_work;
	u64 gen_seq;			/* generation rotations */
	u64 gen_committed;		/* rotations on disk */

	u32 nr_peers;
	struct mx_peer peers[MX_MAX_PEERS];
};

/* peer.c */
int mx_peer_init(struct mx_source *src, struct mx_peer *p);
void mx_peer_start(struct mx_peer *p);
void mx_peer_stop(struct mx_peer *p);
void mx_peer_free(struct mx_peer *p);
void mx_peer_queue(struct mx_peer *p, struct mx_preq *rq);
bool mx_peer_app_idle(struct mx_peer *p);
void mx_peer_queue_prep(struct mx_peer *p, struct mx_preq *rq,
			void (*prep)(struct mx_preq *rq));
/* Make the live connection fail (process context); logs @why once. */
void mx_peer_fail(struct mx_peer *p, int error, const char *why);
void mx_peer_end_handshake(struct mx_peer *p);
bool mx_peer_replicating(struct mx_peer *p);
void mx_peer_disconnect(struct mx_peer *p);
void mx_peer_connect(struct mx_peer *p);
int mx_peer_set_state_locked(struct mx_peer *p, enum mx_conn_state cs,
			     enum mx_repl_state rs);

/* Change only the replication state of @p. Under src->lock. */
static inline int mx_peer_set_repl_locked(struct mx_peer *p,
					  enum mx_repl_state rs)
{
	return mx_peer_set_state_locked(p, p->cstate, rs);
}

/* resync.c */
void mx_resync_kick(struct mx_peer *p);
void mx_resync_missed(struct mx_peer *p);
void mx_resync_start_locked(struct mx_peer *p);
/* Pause or resume @p's resync (the pause/resume messages). */
void mx_resync_set_paused(struct mx_peer *p, bool paused);
void mx_resync_stop(struct mx_peer *p);
/* Wait for @p's resync or verify I/O in flight (@what: which) to end. */
void mx_rs_wait_inflight(struct mx_peer *p, atomic_t *inflight,
			 const char *what);
/* Forget the byte counts of the last resync: a new one starts. */
void mx_resync_reset_counts(struct mx_peer *p);
void mx_resync_work(struct work_struct *ws);
/* @state 0: InSync or Resync, from the peer's state when it is queued. */
void mx_send_sync_state(struct mx_peer *p, u32 state);
void mx_rs_throttle(struct mx_source *src, unsigned long start, u64 bytes);
bool mx_rs_stopping(struct mx_source *src);

/* async.c */
bool mx_async_reserve_locked(struct mx_source *src, struct mx_write *w);
void mx_async_queue(struct mx_source *src, struct mx_write *w);
void mx_async_include_locked(struct mx_peer *p, unsigned long *map);
u64 mx_async_lag_ms_locked(struct mx_peer *p);
bool mx_async_may_leave_behind_locked(struct mx_peer *p);
bool mx_async_drained(struct mx_source *src);
void mx_async_behind_work(struct work_struct *ws);

/* verify.c */
void mx_verify_work(struct work_struct *ws);
int mx_verify_start(struct mx_peer *p);

/* fence.c */
void mx_fence_init(struct mx_peer *p);
void mx_fence_stop(struct mx_peer *p);
/*
 * @p's state just changed from @ocs/@ors (mx_peer_set_state_locked()):
 * lost while in sync (fence it), or reconnected (fencing ends).
 */
void mx_fence_state_changed_locked(struct mx_peer *p,
				   enum mx_conn_state ocs,
				   enum mx_repl_state ors);
/*
 * A write missed @p with @error: when its connection is failing (it is
 * not sent, or the peer is dead) it may still be InSync: fence it now.
 */
void mx_fence_write_missed_locked(struct mx_peer *p, int error);
/*
 * The table resumes (or a suspend is undone): a peer lost in sync while
 * suspending that is still away is fenced now. Under src->lock.
 */
void mx_fence_resume_locked(struct mx_peer *p);
/* Are writes @p missed held for it (Pending, Failed)? Under src->lock. */
bool mx_fence_holds_locked(struct mx_peer *p);
/*
 * Under fencing resource, does @p owe the writes it missed a hold until it
 * confirmed it is Inconsistent (@rs_unconfirmed)? Under src->lock.
 */
bool mx_fence_unconfirmed_locked(struct mx_peer *p);
/*
 * The target acknowledged the RESYNC sync state: clear @rs_unconfirmed.
 * Returns true when writes may have been held for it (release them).
 */
bool mx_fence_confirmed(struct mx_peer *p);
/* The peer_outdated message: release what is held for @p. */
int mx_fence_peer_outdated(struct mx_peer *p);

/* source.c */
void mx_write_fill_preq(struct mx_write *w, struct mx_peer *p,
			struct mx_preq *rq);
void mx_source_event(struct mx_source *src);
void mx_source_mark_oos_locked(struct mx_source *src, struct mx_peer *p,
			       u64 r0, u64 r1);
void mx_source_mark_oos(struct mx_source *src, struct mx_peer *p,
			u64 r0, u64 r1);
void mx_source_kick_commit(struct mx_source *src);
bool mx_source_lock_region_wait(struct mx_source *src, struct mx_peer *p,
				u64 r, bool (*may_wait)(struct mx_peer *p),
				bool (*meanwhile)(struct mx_peer *p, void *arg),
				void *arg);
/* Lock region @r for a copy if nothing holds it now; never waits. */
bool mx_source_try_lock_region(struct mx_source *src, u64 r);
void mx_source_hold_admission(struct mx_source *src);
void mx_source_release_admission(struct mx_source *src);
void mx_source_release_held(struct mx_source *src);
void mx_source_unlock_region(struct mx_source *src, u64 r);

#endif /* DM_MIRRORX_SOURCE_H */
