// SPDX-License-Identifier: GPL-2.0
/*
 * dm-mirrorx source role: one connection per peer (target).
 *
 * A kthread per peer connects with backoff, runs the handshake, then reads
 * acknowledgements until the connection fails; a second kthread, the
 * sender, sends the queued requests. Teardown fails every queued and unacknowledged request,
 * which marks its regions out of sync for that peer, so writes complete
 * (on_disconnect continue) and the resync after the reconnect copies them.
 */
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/kthread.h>
#include <linux/sched/signal.h>
#include <uapi/linux/sched/types.h>
#include <linux/device-mapper.h>
#include "source.h"
#include "transport.h"
#include "handshake.h"
#include "generation.h"
#include "range_io.h"
#include "objcount.h"
#include "fault.h"

#define DM_MSG_PREFIX "mirrorx"

/* Bits of mx_peer::send_flags: the sender has something to do; the
 * answer to a ping is queued (p->ping_ack).
 */
#define MX_SEND_KICK		0
#define MX_SEND_PING_ACK	1

static const char *mx_name(struct mx_peer *p)
{
	return dm_table_device_name(p->src->ti->table);
}

bool mx_peer_replicating(struct mx_peer *p)
{
	return p->cstate == MX_CS_CONNECTED && !p->conn.dead;
}

/**
 * mx_peer_set_state_locked() - the one place a peer's state changes
 * @p: the peer
 * @cs: its new connection state
 * @rs: its new replication state
 *
 * Checks the change against the transition tables (peer_state.c), logs
 * it, raises the dm event (dmsetup wait wakes) and wakes @p->state_wait.
 * Setting the states it has already changes nothing. Any context, under
 * src->lock.
 *
 * Return: 0, or -EINVAL for a change the tables do not allow (a bug:
 * warned about, and the state left as it was).
 */
int mx_peer_set_state_locked(struct mx_peer *p, enum mx_conn_state cs,
			     enum mx_repl_state rs)
{
	enum mx_conn_state ocs = p->cstate;
	enum mx_repl_state ors = p->rstate;

	lockdep_assert_held(&p->src->lock);
	if (cs == ocs && rs == ors)
		return 0;
	if (!mx_conn_transition_valid(ocs, cs) ||
	    !mx_repl_transition_valid(ors, rs) || !mx_peer_state_valid(cs, rs)) {
		WARN_ONCE(1, "mirrorx: peer %u: invalid state change %s %s -> %s %s\n",
			  p->conf.node_id, mx_conn_state_name(ocs),
			  mx_repl_state_name(ors), mx_conn_state_name(cs),
			  mx_repl_state_name(rs));
		DMERR_LIMIT("%s: peer %u: invalid state change %s %s -> %s %s refused",
			    mx_name(p), p->conf.node_id,
			    mx_conn_state_name(ocs), mx_repl_state_name(ors),
			    mx_conn_state_name(cs), mx_repl_state_name(rs));
		return -EINVAL;
	}
	p->cstate = cs;
	p->rstate = rs;
	mx_fence_state_changed_locked(p, ocs, ors);
	/*
	 * A connection state changes at most once or twice per connection
	 * attempt (backoff); a replication state can flip with each write a
	 * peer misses and each resync, so those lines are rate limited.
	 */
	if (cs != ocs)
		DMINFO("%s: peer %u: %s %s -> %s %s", mx_name(p),
		       p->conf.node_id, mx_conn_state_name(ocs),
		       mx_repl_state_name(ors), mx_conn_state_name(cs),
		       mx_repl_state_name(rs));
	else
		DMINFO_LIMIT("%s: peer %u: %s %s -> %s %s", mx_name(p),
			     p->conf.node_id, mx_conn_state_name(ocs),
			     mx_repl_state_name(ors), mx_conn_state_name(cs),
			     mx_repl_state_name(rs));
	mx_source_event(p->src);
	wake_up_all(&p->state_wait);
	/* A copy waiting for a region stops when its peer's state changes. */
	wake_up_all(&p->src->region_wait);
	return 0;
}

static void mx_peer_kick_sender(struct mx_peer *p);

/* Complete @rq: its done callback may free it. */
static void mx_preq_end(struct mx_preq *rq, int error)
{
	struct mx_peer *p = rq->peer;
	unsigned long flags;

	if (rq->bulk_bytes) {
		spin_lock_irqsave(&p->src->lock, flags);
		p->bulk_sent -= rq->bulk_bytes;
		spin_unlock_irqrestore(&p->src->lock, flags);
		rq->bulk_bytes = 0;
		mx_peer_kick_sender(p);
	}
	mx_obj_sub(MX_OBJ_PEER_REQ, 1);
	rq->done(rq, error);
}

/*
 * Let go of an acked request taken out of p->inflight (@error: how it
 * ended), or, from the sender, once its send returned. A target that
 * answers before the request was sent (a hostile one can guess sequence
 * numbers) thus never frees it under the sender.
 */
static void mx_preq_put(struct mx_preq *rq)
{
	if (atomic_dec_and_test(&rq->owners))
		mx_preq_end(rq, rq->ack_error);
}

static void mx_preq_taken(struct mx_preq *rq, int error)
{
	rq->ack_error = error;
	mx_preq_put(rq);
}

/* Wake the sender: @sendq has work, or a disconnect wants the socket. */
static void mx_peer_kick_sender(struct mx_peer *p)
{
	set_bit(MX_SEND_KICK, &p->send_flags);
	wake_up(&p->send_wait);
}

void mx_peer_queue(struct mx_peer *p, struct mx_preq *rq)
{
	mx_peer_queue_prep(p, rq, NULL);
}

/*
 * Queue @rq, calling @prep (if any) under src->lock just before: what it
 * reads of the peer's state and what the queue order says agree.
 */
void mx_peer_queue_prep(struct mx_peer *p, struct mx_preq *rq,
			void (*prep)(struct mx_preq *rq))
{
	struct mx_source *src = p->src;
	unsigned long flags;
	bool ok;

	mx_obj_add(MX_OBJ_PEER_REQ, 1);
	rq->bulk_bytes = 0;
	spin_lock_irqsave(&src->lock, flags);
	ok = mx_peer_replicating(p);
	if (ok) {
		if (prep)
			prep(rq);
		mx_sendq_add(&p->sendq, &rq->sq, rq->hdr.type, jiffies);
	}
	spin_unlock_irqrestore(&src->lock, flags);
	if (ok)
		mx_peer_kick_sender(p);
	else
		mx_preq_end(rq, -ENOTCONN);
}

/*
 * Make the live connection fail (conn.c logs why); the connection thread
 * tears it down. Process context (shutting a socket down sleeps). A call
 * that comes late, once that connection is gone, does nothing: see
 * mx_peer_claim_fail() and mx_peer_shutdown().
 */
void mx_peer_fail(struct mx_peer *p, int error, const char *why)
{
	mx_conn_fail(&p->conn, error, why);
}

static struct mx_peer *mx_peer_of(struct mx_conn *c)
{
	return container_of(c, struct mx_peer, conn);
}

/* Only the first failure of a Connected peer counts. */
static bool mx_peer_claim_fail(struct mx_conn *c)
{
	struct mx_peer *p = mx_peer_of(c);
	unsigned long flags;
	bool first;

	spin_lock_irqsave(&p->src->lock, flags);
	first = !c->dead && p->cstate == MX_CS_CONNECTED;
	if (first)
		WRITE_ONCE(c->dead, true);
	spin_unlock_irqrestore(&p->src->lock, flags);
	return first;
}

/*
 * c->sock is read under p->sock_mutex, which the connection thread holds
 * to set and release it, and a connection that is still greeting or newer
 * is not Connected+dead.
 */
static void mx_peer_shutdown(struct mx_conn *c)
{
	struct mx_peer *p = mx_peer_of(c);
	bool still;

	mutex_lock(&p->sock_mutex);
	spin_lock_irq(&p->src->lock);
	still = c->dead && p->cstate == MX_CS_CONNECTED;
	spin_unlock_irq(&p->src->lock);
	if (still)
		mx_sock_shutdown(c->sock);
	mutex_unlock(&p->sock_mutex);
}

/**
 * mx_peer_end_handshake() - make a handshake in progress end now
 * @p: the peer
 *
 * For a suspend, which waits for it (p->handshake_mutex): a handshake
 * lasts as long as the peer makes its packets last (each is bounded,
 * their number is not: a bitmap of up to 2^19 packets). Its socket is
 * shut down, so that its next send or receive fails; the connection
 * thread reconnects after the resume. The thread checks
 * src->suspending under p->sock_mutex when it sets the socket, so a
 * connect that ends after this call does not start a handshake.
 */
void mx_peer_end_handshake(struct mx_peer *p)
{
	bool handshaking;

	mutex_lock(&p->sock_mutex);
	spin_lock_irq(&p->src->lock);
	handshaking = p->cstate != MX_CS_CONNECTED;
	spin_unlock_irq(&p->src->lock);
	if (handshaking && p->conn.sock)
		mx_sock_shutdown(p->conn.sock);
	mutex_unlock(&p->sock_mutex);
}

/*
 * Compress the data of @rq when the connection negotiated it: returns the
 * compressed length (in p->comp.out), or 0 to send it raw. Counts both.
 */
static u32 mx_send_compress(struct mx_peer *p, struct mx_preq *rq)
{
	u32 clen = 0;

	if (READ_ONCE(p->comp_on))
		clen = mx_comp_bvecs(&p->comp, rq->bvecs, rq->iter);
	atomic64_add(rq->iter.bi_size, &p->comp_raw);
	atomic64_add(clen ?: rq->iter.bi_size, &p->comp_wire);
	return clen;
}

static int mx_send_rq(struct mx_peer *p, struct mx_preq *rq, bool more)
{
	bool csum = rq->bvecs && p->src->conf.opts.data_csum;
	__be32 crc = 0;
	u32 clen = 0;
	int r;

	if (rq->bvecs) {
		/* The checksum covers the data as written, not as sent. */
		if (csum)
			crc = cpu_to_be32(mx_bvec_crc32c(rq->bvecs, rq->iter));
		clen = mx_send_compress(p, rq);
		rq->hdr.flags &= ~(MX_WF_CSUM | MX_WF_COMPRESSED);
		rq->hdr.flags |= (csum ? MX_WF_CSUM : 0) |
				 (clen ? MX_WF_COMPRESSED : 0);
		rq->hdr.length = (clen ?: rq->hdr.size) +
				 (csum ? MX_CSUM_LEN : 0);
	}
	mutex_lock(&p->conn.send_mutex);
	if (rq->bvecs) {
		r = mx_send_hdr(p->conn.sock, &rq->hdr, NULL, true);
		if (!r && clen)
			r = mx_send_buf(p->conn.sock, p->comp.out, clen,
					more || csum);
		else if (!r)
			r = mx_send_bvec_iter(p->conn.sock, rq->bvecs, rq->iter,
					      more || csum);
		if (!r && csum)
			r = mx_send_buf(p->conn.sock, &crc, sizeof(crc), more);
	} else {
		r = mx_send_hdr(p->conn.sock, &rq->hdr, rq->payload, more);
	}
	mutex_unlock(&p->conn.send_mutex);
	return r;
}

/* May the sender send a bulk packet now? Under src->lock. */
static bool mx_peer_bulk_ok(struct mx_peer *p)
{
	u64 limit = mx_sendq_app_idle(&p->sendq, jiffies) ?
		    p->bulk_limit_idle : p->bulk_limit;

	return !limit || p->bulk_sent < limit;
}

/* Is the link @p's resync's alone? (sendq.h: application idle) */
bool mx_peer_app_idle(struct mx_peer *p)
{
	struct mx_source *src = p->src;
	unsigned long flags;
	bool idle;

	spin_lock_irqsave(&src->lock, flags);
	idle = mx_sendq_app_idle(&p->sendq, jiffies);
	spin_unlock_irqrestore(&src->lock, flags);
	return idle;
}

/*
 * Send what @sendq holds, until it is empty (or holds only bulk packets
 * the limit holds back) or the connection fails.
 */
static void mx_send_queued(struct mx_peer *p)
{
	struct mx_source *src = p->src;
	struct mx_sendq_entry *e;
	struct mx_preq *rq;
	unsigned long flags;
	bool more, acked;
	int r;

	for (;;) {
		spin_lock_irqsave(&src->lock, flags);
		if (!p->want_connect && mx_peer_replicating(p)) {
			/* mx_peer_disconnect(): the socket is ours till flushed */
			spin_unlock_irqrestore(&src->lock, flags);
			mx_peer_fail(p, 0, "disconnect requested");
			return;
		}
		e = p->conn.dead ? NULL :
		    mx_sendq_pop(&p->sendq, mx_peer_bulk_ok(p), jiffies);
		if (!e) {
			/* A completing bulk packet kicks us again. */
			spin_unlock_irqrestore(&src->lock, flags);
			return;
		}
		rq = container_of(e, struct mx_preq, sq);
		if (mx_sendq_is_bulk(rq->hdr.type)) {
			rq->bulk_bytes = sizeof(struct mx_wire_hdr) +
					 rq->hdr.length;
			p->bulk_sent += rq->bulk_bytes;
		}
		more = mx_sendq_more(&p->sendq, mx_peer_bulk_ok(p));
		spin_unlock_irqrestore(&src->lock, flags);

		rq->hdr.seq = atomic64_inc_return(&p->next_seq);
		rq->sent_at = jiffies;
		/*
		 * Once in p->inflight, the receive thread may take @rq (its
		 * ack): it stays ours too until the send returned.
		 */
		acked = mx_answer_type(rq->hdr.type) != 0;
		if (acked) {
			atomic_set(&rq->owners, 2);
			rq->ack_error = 0;
			r = xa_insert(&p->inflight, rq->hdr.seq, rq, GFP_NOIO);
			if (r) {
				mx_preq_end(rq, r);
				mx_peer_fail(p, r, "cannot track request");
				return;
			}
		}
		r = mx_fault_send(rq->hdr.type) ?: mx_send_rq(p, rq, more);
		/* A failed send fails the connection: the teardown takes it. */
		if (acked)
			mx_preq_put(rq);
		else
			mx_preq_end(rq, r);
		if (r) {
			mx_peer_fail(p, r, "send failed");
			return;
		}
	}
}

static int mx_sender_thread(void *arg)
{
	struct mx_peer *p = arg;

	for (;;) {
		wait_event_idle(p->send_wait, kthread_should_stop() ||
				test_bit(MX_SEND_KICK, &p->send_flags));
		if (kthread_should_stop())
			return 0;
		/* A kick from now on is seen at the next turn. */
		if (!test_and_clear_bit(MX_SEND_KICK, &p->send_flags))
			continue;
		mutex_lock(&p->send_loop);
		mx_send_queued(p);
		mutex_unlock(&p->send_loop);
	}
}

static void mx_free_rq(struct mx_preq *rq, int error)
{
	kfree(rq);
}

/* Queue @rq (zeroed) as a packet of @type without payload. */
static void mx_queue_simple(struct mx_peer *p, struct mx_preq *rq, u16 type,
			    void (*done)(struct mx_preq *rq, int error))
{
	INIT_LIST_HEAD(&rq->list);
	rq->peer = p;
	rq->hdr.type = type;
	rq->done = done;
	mx_peer_queue(p, rq);
}

static void mx_send_simple(struct mx_peer *p, u16 type)
{
	struct mx_preq *rq = kzalloc(sizeof(*rq), GFP_NOIO);

	if (rq)
		mx_queue_simple(p, rq, type, mx_free_rq);
}

/* --- handshake ---------------------------------------------------------- */

/* Send our hello, filled in @h (what the target's is checked against). */
static int mx_send_hello(struct mx_peer *p, struct mx_hello *h)
{
	struct mx_source *src = p->src;
	struct mx_meta *m = &src->meta;
	struct mx_ilog *il = &src->ilog;
	u32 node = p->conf.node_id;
	struct mx_wire_hello w;
	struct mx_hello_local l = {
		.role = MX_ROLE_SOURCE,
		.node_id = src->conf.opts.node_id,
		.peer_node_id = node,
		.features = (src->auth ? MX_FEAT_AUTH : 0) |
			    (src->conf.opts.data_csum ? MX_FEAT_DATA_CSUM : 0),
		.data_sectors = src->dev_sectors,
		.logical_block_size =
			bdev_logical_block_size(src->data_dev->bdev),
	};
	struct mx_hdr hdr = { .type = MX_P_HELLO, .length = sizeof(w) };

	spin_lock_irq(&m->lock);
	mx_hello_fill(h, &m->sb, &l);
	spin_unlock_irq(&m->lock);
	h->dirty_regions = mx_ilog_count(il, node);
	mx_hello_encode(&w, h);
	return mx_conn_send(&p->conn, &hdr, &w, false);
}

/**
 * mx_bitmap_packet_ok() - does a BITMAP packet continue the stream?
 * @next: first word index the packet may start at (updated)
 * @nwords: words in the whole bitmap
 * @word: the packet's first word index (its sector field)
 * @n: words in its payload
 * @last: it carries MX_BM_LAST
 *
 * The target sends the non-zero stretches of its bitmap in order, each
 * packet but the last starting with a non-zero word, so a stream that goes
 * backwards, past the end, or stalls with empty packets is not one: this
 * bounds the stream to @nwords + 1 packets.
 */
static bool mx_bitmap_packet_ok(u64 *next, u64 nwords, u64 word, u32 n,
				bool last)
{
	if (word < *next || word > nwords || n > nwords - word)
		return false;
	if (!n && !last)
		return false;
	*next = word + n;
	return true;
}

static int mx_recv_bitmap(struct mx_peer *p)
{
	u64 nwords = DIV_ROUND_UP(p->src->meta.nr_regions, 64), next = 0;
	struct mx_hdr h;
	__be64 *buf;
	u64 *words;
	u32 i, n;
	int r;

	buf = kmalloc(MX_WIRE_BITMAP_MAX, GFP_KERNEL);
	words = kmalloc(MX_WIRE_BITMAP_MAX, GFP_KERNEL);
	if (!buf || !words) {
		r = -ENOMEM;
		goto out;
	}
	do {
		/*
		 * Bounded by mx_bitmap_packet_ok() (each packet moves on) and
		 * by the receive and stall timeouts of each packet.
		 */
		if (kthread_should_stop()) {
			r = -EINTR;
			goto out;
		}
		r = mx_conn_expect(&p->conn, MX_P_BITMAP, buf, 0,
				   MX_WIRE_BITMAP_MAX, &h);
		if (r)
			goto out;
		n = h.length / sizeof(u64);
		if (!mx_bitmap_packet_ok(&next, nwords, h.sector, n,
					 h.flags & MX_BM_LAST)) {
			DMERR("%s: peer %u: bad bitmap stream: %u words at word %llu (expected from %llu of %llu)",
			      mx_name(p), p->conf.node_id, n,
			      (unsigned long long)h.sector,
			      (unsigned long long)next,
			      (unsigned long long)nwords);
			r = -EPROTO;
			goto out;
		}
		for (i = 0; i < n; i++)
			words[i] = be64_to_cpu(buf[i]);
		mx_ilog_or_words(&p->src->ilog, p->conf.node_id, h.sector,
				 words, n);
	} while (!(h.flags & MX_BM_LAST));
out:
	kfree(buf);
	kfree(words);
	return r;
}

/* The hints too long for a return line, each kept whole (grep-able). */
#define MX_HINT_SPLIT_BRAIN \
	" (both nodes changed the data: on the node whose data wins, as source, send 'resync <peer> full')"
#define MX_HINT_TARGET_NEWER \
	" (the target has newer data: make it the source, or discard its data with 'resync <peer> full')"
#define MX_HINT_BLOCK_SIZE \
	" (give the target a device with the source's logical block size or smaller)"
#define MX_HINT_SIZE \
	" (grow it: extend the target's data device and reload its table with the new length; we retry)"

/* What the admin can do about a refusal, for the log line. */
static const char *mx_refuse_hint(u32 reason)
{
	switch (reason) {
	case MX_REFUSE_SPLIT_BRAIN:
		return MX_HINT_SPLIT_BRAIN;
	case MX_REFUSE_TARGET_NEWER:
		return MX_HINT_TARGET_NEWER;
	case MX_REFUSE_BLOCK_SIZE:
		return MX_HINT_BLOCK_SIZE;
	case MX_REFUSE_UUID:
		return " (the target belongs to another mirror: zero its metadata to reuse it)";
	case MX_REFUSE_SIZE:
		return MX_HINT_SIZE;
	default:
		return "";
	}
}

/* Record a refusal (ours or the target's) and raise the event. */
static void mx_set_refused(struct mx_peer *p, u32 reason,
			   enum mx_repl_state rs)
{
	struct mx_source *src = p->src;

	spin_lock_irq(&src->lock);
	p->refuse_reason = reason;
	mx_peer_set_repl_locked(p, rs);
	/* No automatic retry: an admin decides (resync full, connect). */
	if (reason == MX_REFUSE_SPLIT_BRAIN || reason == MX_REFUSE_TARGET_NEWER ||
	    reason == MX_REFUSE_UUID)
		p->want_connect = false;
	spin_unlock_irq(&src->lock);
}

static void mx_refuse(struct mx_peer *p, u32 reason, enum mx_repl_state rs)
{
	mx_conn_send_refusal(&p->conn, reason);
	DMERR("%s: peer %u (%s): connection refused: %s%s", mx_name(p),
	      p->conf.node_id, p->addr_str, mx_refuse_reason_name(reason),
	      mx_refuse_hint(reason));
	mx_set_refused(p, reason, rs);
}

/*
 * The target's answer to our hello: its hello, or a SYNC_STATE by which it
 * refuses us (node id, role, protocol: its checks), shown as a refusal.
 */
static int mx_recv_target_hello(struct mx_peer *p, struct mx_wire_hello *wh)
{
	struct mx_wire_sync_state ws;
	struct mx_sync_state ss;
	const char *err = NULL;
	struct mx_hdr h;
	int r;

	r = mx_conn_recv_hdr(&p->conn, &h);
	if (r)
		return r;
	if (h.type == MX_P_HELLO && h.length == sizeof(*wh))
		return mx_recv_buf(p->conn.sock, wh, sizeof(*wh));
	if (h.type != MX_P_SYNC_STATE || h.length != sizeof(ws)) {
		DMERR("%s: peer %u: unexpected packet type %u (length %u) instead of a hello",
		      mx_name(p), p->conf.node_id, h.type, h.length);
		return -EPROTO;
	}
	r = mx_recv_buf(p->conn.sock, &ws, sizeof(ws));
	if (r)
		return r;
	if (mx_sync_state_decode(&ws, &ss, &err) ||
	    ss.state != MX_SS_REFUSED) {
		DMERR("%s: peer %u: unexpected sync state instead of a hello%s%s",
		      mx_name(p), p->conf.node_id, err ? ": " : "",
		      err ?: "");
		return -EPROTO;
	}
	/*
	 * Only what a target checks of our hello; never a reason that would
	 * stop our retries (split brain, UUID): those are ours to decide.
	 */
	if (ss.reason != MX_REFUSE_ROLE && ss.reason != MX_REFUSE_VERSION &&
	    ss.reason != MX_REFUSE_NODE_ID) {
		DMERR("%s: peer %u: refusal for a reason a target does not give (%s)",
		      mx_name(p), p->conf.node_id,
		      mx_refuse_reason_name(ss.reason));
		return -EPROTO;
	}
	DMERR("%s: peer %u (%s): the target refused the connection: %s",
	      mx_name(p), p->conf.node_id, p->addr_str,
	      mx_refuse_reason_name(ss.reason));
	mx_set_refused(p, ss.reason, MX_RS_REFUSED);
	return -EPROTO;
}

static void mx_gen_view_of_sb(struct mx_sb_info *sb, u32 node,
			      struct mx_gen_view *v)
{
	v->current_gen = sb->current_gen;
	v->bitmap_gen = sb->slots[node].bitmap_gen;
	memcpy(v->history, sb->history, sizeof(v->history));
	v->fresh = sb->flags & MX_SB_FRESH;
}

static int mx_authenticate(struct mx_peer *p)
{
	struct mx_source *src = p->src;
	int r;

	if (!src->auth)
		return 0;
	r = mx_conn_authenticate(&p->conn, src->auth);
	/* A suspend cuts an authentication short: not a refusal. */
	if (r && !READ_ONCE(src->suspending)) {
		spin_lock_irq(&src->lock);
		p->refuse_reason = MX_REFUSE_AUTH;
		mx_peer_set_repl_locked(p, MX_RS_REFUSED);
		spin_unlock_irq(&src->lock);
	}
	return r;
}

/*
 * Second half of the handshake, with admission of new writes held
 * (mx_source_hold_admission): compare generations, tell the target what
 * happens next, and go Connected. No write may be admitted in between: it
 * would set bits after they were counted (the peer would be InSync without
 * it, a write held for it released) or rotate the generation the target
 * is adopting.
 */
static int mx_handshake_decide(struct mx_peer *p, const struct mx_hello *th)
{
	struct mx_source *src = p->src;
	struct mx_meta *m = &src->meta;
	struct mx_ilog *il = &src->ilog;
	u32 node = p->conf.node_id;
	struct mx_wire_sync_state ws;
	struct mx_gen_view sv, tv;
	struct mx_sync_state ss = { 0 };
	enum mx_gen_verdict v;
	struct mx_hdr h;
	u32 slot_flags;
	u64 n, missed;
	int r;

	spin_lock_irq(&m->lock);
	mx_gen_view_of_sb(&m->sb, node, &sv);
	slot_flags = m->sb.slots[node].flags;
	spin_unlock_irq(&m->lock);
	tv.current_gen = th->current_gen;
	tv.bitmap_gen = th->bitmap_gen;
	memcpy(tv.history, th->history, sizeof(tv.history));
	tv.fresh = th->flags & MX_HELLO_FRESH;
	v = mx_gen_compare(&sv, &tv, slot_flags);
	if (v == MX_GEN_TARGET_NEWER) {
		mx_refuse(p, MX_REFUSE_TARGET_NEWER, MX_RS_TARGET_NEWER);
		return -EPERM;
	}
	if (v == MX_GEN_SPLIT_BRAIN) {
		mx_refuse(p, MX_REFUSE_SPLIT_BRAIN, MX_RS_SPLIT_BRAIN);
		return -EPERM;
	}
	/*
	 * With assume_clean the bits already set are writes made since the
	 * admin asserted both sides equal (the message cleared the rest):
	 * they are resynced, never wiped.
	 */
	if (v == MX_GEN_FULL_SYNC)
		mx_ilog_set_all(il, node);
	/* The resync set is on disk before the target hears about it. */
	r = mx_ilog_commit(il);
	if (r)
		return r;
	n = mx_ilog_count(il, node);

	ss.state = n ? MX_SS_RESYNC : MX_SS_IN_SYNC;
	ss.gen = sv.current_gen;
	memcpy(ss.uuid, m->sb.uuid, MX_UUID_LEN);
	ss.resync_regions = n;
	mx_sync_state_encode(&ws, &ss);
	h = (struct mx_hdr){ .type = MX_P_SYNC_STATE, .length = sizeof(ws),
			     .seq = 1 };
	r = mx_conn_send(&p->conn, &h, &ws, false);
	if (r)
		return r;
	r = mx_conn_expect(&p->conn, MX_P_ACK, NULL, 0, 0, &h);
	if (r)
		return r;
	if (h.seq != 1 || h.flags != MX_ACK_OK) {
		DMERR("%s: peer %u: target could not adopt the generation",
		      mx_name(p), node);
		return -EIO;
	}
	atomic64_set(&p->next_seq, 1);

	/* The target now holds our generation (plus the bits to resync). */
	spin_lock_irq(&m->lock);
	m->sb.slots[node].bitmap_gen = 0;
	m->sb.slots[node].flags &= ~(MX_SLOT_FULL_SYNC | MX_SLOT_ASSUME_CLEAN);
	mx_meta_sb_dirty(m);
	spin_unlock_irq(&m->lock);
	r = mx_ilog_commit(il);
	if (r)
		return r;

	spin_lock_irq(&src->lock);
	/* The disconnect message came during the handshake: it wins. */
	if (p->cstate != MX_CS_CONNECTING) {
		spin_unlock_irq(&src->lock);
		DMINFO("%s: peer %u (%s): handshake aborted: disconnect requested",
		       mx_name(p), node, p->addr_str);
		return -ECONNABORTED;
	}
	spin_lock(&m->lock);
	missed = mx_ilog_connect_locked(il, node);
	spin_unlock(&m->lock);
	/*
	 * Writes wait, but a message ("resync full") may have set bits since
	 * they were counted: what the peer lacks is what oos says now,
	 * and a target told InSync then hears it is Inconsistent first.
	 */
	if (missed && !n) {
		p->resync_announce = true;
		p->rs_unconfirmed = true;
	}
	n = missed;
	p->refuse_reason = MX_REFUSE_NONE;
	p->resync_total = n;
	p->resync_done = 0;
	mx_resync_reset_counts(p);
	p->conn.last_rx = jiffies;
	mx_peer_set_state_locked(p, MX_CS_CONNECTED,
				 n ? (p->paused ? MX_RS_PAUSED :
					      MX_RS_RESYNCING) :
				     MX_RS_IN_SYNC);
	spin_unlock_irq(&src->lock);

	DMINFO("%s: peer %u (%s) connected: %s, %llu regions to resync",
	       mx_name(p), node, p->addr_str, mx_gen_verdict_name(v),
	       (unsigned long long)n);
	if (!n)
		mx_source_release_held(src);
	if (n)
		mx_resync_kick(p);
	return 0;
}

/*
 * Compression for this connection: on when we have the option and the
 * algorithm and the target offered it; else the connection carries raw
 * data and status and the log say why (a refusal does not refuse the
 * connection: replication matters more than its compression).
 */
static void mx_peer_negotiate_comp(struct mx_peer *p, int proto, u32 features)
{
	u32 alg = p->src->conf.opts.compress;
	u32 st;

	st = mx_comp_negotiate(alg, mx_comp_ready(&p->comp), proto, features);
	WRITE_ONCE(p->comp_state, st);
	WRITE_ONCE(p->comp_on, st == MX_COMP_ST_ON);
	if (st == MX_COMP_ST_ON)
		DMINFO("%s: peer %u: compressing data with %s",
		       mx_name(p), p->conf.node_id, mx_comp_alg_name(alg));
	else if (st != MX_COMP_ST_NONE)
		DMWARN("%s: peer %u: compression %s refused: %s; sending data uncompressed",
		       mx_name(p), p->conf.node_id, mx_comp_alg_name(alg),
		       mx_comp_state_why(st));
}

static int mx_handshake(struct mx_peer *p)
{
	struct mx_source *src = p->src;
	u32 node = p->conf.node_id;
	struct mx_hello ours, th;
	struct mx_wire_hello wh;
	const char *err;
	char why[160];
	u32 reason;
	int r, proto;

	mx_sock_set_rcvtimeo(p->conn.sock, MX_HANDSHAKE_TIMEOUT);
	r = mx_send_hello(p, &ours);
	if (r)
		return r;
	r = mx_recv_target_hello(p, &wh);
	if (r)
		return r;
	r = mx_hello_decode(&wh, &th, &err);
	if (r) {
		DMERR("%s: peer %u: bad hello: %s", mx_name(p), node, err);
		return r;
	}
	reason = mx_hello_check_target(&ours, &th, why, sizeof(why));
	if (reason != MX_REFUSE_NONE) {
		DMERR("%s: peer %u: %s", mx_name(p), node, why);
		mx_refuse(p, reason, MX_RS_REFUSED);
		return -EPROTO;
	}
	/* Differing 4 KiB blocks are written alone: our blocks fit them. */
	proto = mx_proto_negotiate(MX_PROTO_MIN, MX_PROTO_MAX, th.proto_min,
				   th.proto_max);
	WRITE_ONCE(p->csum_ok, proto >= MX_PROTO_CSUM &&
		   ours.logical_block_size <= MX_CSUM_BLOCK);
	/* Its zero runs too, and it writes them even without write-zeroes. */
	WRITE_ONCE(p->zero_ok, proto >= MX_PROTO_ZERO &&
		   ours.logical_block_size <= MX_CSUM_BLOCK);
	WRITE_ONCE(p->acked_flush_ok, proto >= MX_PROTO_ACKED_FLUSH);
	WRITE_ONCE(p->zero_max, mx_proto_zero_max(proto));
	mx_peer_negotiate_comp(p, proto, th.features);
	r = mx_recv_bitmap(p);
	if (r)
		return r;

	mx_source_hold_admission(src);
	r = mx_handshake_decide(p, &th);
	mx_source_release_admission(src);
	return r;
}

/* --- receive loop ------------------------------------------------------- */

static bool mx_request_timed_out(struct mx_peer *p)
{
	struct mx_preq *rq;
	unsigned long idx;
	bool late = false;

	rcu_read_lock();
	xa_for_each(&p->inflight, idx, rq) {
		if (time_after(jiffies, rq->sent_at + MX_REQ_TIMEOUT))
			late = true;
		break;	/* the lowest seq is the oldest */
	}
	rcu_read_unlock();
	return late;
}

static int mx_peer_h_ack(struct mx_conn *c, const struct mx_hdr *h)
{
	struct mx_peer *p = mx_peer_of(c);
	struct mx_preq *rq;
	bool detach;

	rq = xa_erase(&p->inflight, h->seq);
	if (!rq) {
		mx_peer_fail(p, -EPROTO, "ack for unknown request");
		return -EPROTO;
	}
	/*
	 * A checksum or verify request is answered by its reply: a plain ACK
	 * would end it with a reply buffer never written, compared as if it
	 * held the target's hashes.
	 */
	if (mx_answer_type(rq->hdr.type) != MX_P_ACK) {
		mx_peer_fail(p, -EPROTO, "plain ack for a request that needs a reply");
		mx_preq_taken(rq, -EPROTO);
		return -EPROTO;
	}
	detach = mx_ack_is_write_failure(rq->hdr.type, rq->hdr.size, h->flags);
	mx_preq_taken(rq, mx_ack_errno(h->flags));
	if (detach) {
		/* The target detached from its disk (receiver.c). */
		mx_peer_fail(p, -EIO, "target write error");
		return -EIO;
	}
	return 0;
}

/* A verify or checksum reply: its payload goes to the request's buffer. */
static int mx_peer_h_reply(struct mx_conn *c, const struct mx_hdr *h)
{
	struct mx_peer *p = mx_peer_of(c);
	struct mx_preq *rq;
	int r;

	rq = xa_erase(&p->inflight, h->seq);
	if (!rq || mx_answer_type(rq->hdr.type) != h->type ||
	    h->length != rq->reply_len) {
		mx_peer_fail(p, -EPROTO, "unexpected reply");
		if (rq)
			mx_preq_taken(rq, -EPROTO);
		return -EPROTO;
	}
	r = mx_recv_owed(c->sock, rq->reply, rq->reply_len);
	mx_preq_taken(rq, r ?: (h->flags == MX_ACK_OK ? 0 : -EIO));
	if (r)
		mx_peer_fail(p, r, mx_recv_error_name(r));
	return r;
}

static void mx_ping_ack_done(struct mx_preq *rq, int error)
{
	clear_bit_unlock(MX_SEND_PING_ACK, &rq->peer->send_flags);
}

/*
 * Answer a ping. One answer queued and not yet sent answers every ping
 * that comes meanwhile: a target that pings and does not read makes us
 * queue nothing more (each answer used to be a new allocation).
 */
static int mx_peer_h_ping(struct mx_conn *c, const struct mx_hdr *h)
{
	struct mx_peer *p = mx_peer_of(c);
	struct mx_preq *rq = &p->ping_ack;

	if (test_and_set_bit_lock(MX_SEND_PING_ACK, &p->send_flags))
		return 0;
	memset(rq, 0, sizeof(*rq));
	mx_queue_simple(p, rq, MX_P_PING_ACK, mx_ping_ack_done);
	return 0;
}

static int mx_peer_h_ping_ack(struct mx_conn *c, const struct mx_hdr *h)
{
	return 0;
}

static int mx_peer_h_bye(struct mx_conn *c, const struct mx_hdr *h)
{
	mx_peer_fail(mx_peer_of(c), 0, "target said goodbye");
	return MX_CONN_STOP;
}

/* What a target may send once connected (lengths: mx_hdr_decode()). */
static const struct mx_conn_handler mx_peer_handlers[] = {
	{ MX_P_ACK, 0, 0, mx_peer_h_ack },
	{ MX_P_VERIFY_REPLY, MX_VERIFY_REPLY_LEN, MX_VERIFY_REPLY_LEN,
	  mx_peer_h_reply },
	{ MX_P_CSUM_REPLY, 0,
	  MX_WIRE_MAX_DATA / MX_CSUM_BLOCK * sizeof(__be64), mx_peer_h_reply },
	{ MX_P_PING, 0, 0, mx_peer_h_ping },
	{ MX_P_PING_ACK, 0, 0, mx_peer_h_ping_ack },
	{ MX_P_BYE, 0, 0, mx_peer_h_bye },
};

/*
 * No packet for MX_PING_INTERVAL: drop the link when asked to or silent
 * for MX_PING_TIMEOUT, else ping the target.
 */
static int mx_peer_idle(struct mx_conn *c)
{
	struct mx_peer *p = mx_peer_of(c);

	if (!READ_ONCE(p->want_connect)) {
		mx_peer_fail(p, 0, "disconnect requested");
		return -ECONNABORTED;
	}
	if (time_after(jiffies, READ_ONCE(c->last_rx) + MX_PING_TIMEOUT)) {
		mx_peer_fail(p, -ETIMEDOUT, "ping timeout");
		return -ETIMEDOUT;
	}
	mx_send_simple(p, MX_P_PING);
	return 0;
}

/*
 * Checked on every receive, not only in silence: a target that answers
 * pings (or acks other writes) but never this request must not hold its
 * writer forever.
 */
static int mx_peer_check(struct mx_conn *c)
{
	struct mx_peer *p = mx_peer_of(c);

	if (!mx_request_timed_out(p))
		return 0;
	mx_peer_fail(p, -ETIMEDOUT, "request timeout");
	return -ETIMEDOUT;
}

static const struct mx_conn_ops mx_peer_conn_ops = {
	.role = MX_ROLE_SOURCE,
	.prefix = DM_MSG_PREFIX,
	.handlers = mx_peer_handlers,
	.nr_handlers = ARRAY_SIZE(mx_peer_handlers),
	.idle = mx_peer_idle,
	.check = mx_peer_check,
	.claim_fail = mx_peer_claim_fail,
	.shutdown = mx_peer_shutdown,
};

static void mx_recv_loop(struct mx_peer *p)
{
	mx_sock_set_rcvtimeo(p->conn.sock, MX_PING_INTERVAL);
	mx_conn_recv_loop(&p->conn);
}

static void mx_conn_teardown(struct mx_peer *p)
{
	struct mx_source *src = p->src;
	struct mx_preq *rq, *tmp;
	unsigned long idx;
	bool unconfirmed;
	LIST_HEAD(failed);

	spin_lock_irq(&src->lock);
	WRITE_ONCE(p->conn.dead, true);
	spin_unlock_irq(&src->lock);
	mutex_lock(&p->sock_mutex);
	mx_sock_shutdown(p->conn.sock);
	mutex_unlock(&p->sock_mutex);
	/* A drain in progress ends on the dead connection: wait for it. */
	mutex_lock(&p->send_loop);
	mutex_unlock(&p->send_loop);

	spin_lock_irq(&src->lock);
	mx_sendq_take_all(&p->sendq, &failed);
	spin_unlock_irq(&src->lock);
	list_for_each_entry_safe(rq, tmp, &failed, list) {
		list_del_init(&rq->list);
		mx_preq_end(rq, -ENOTCONN);
	}
	xa_for_each(&p->inflight, idx, rq) {
		xa_erase(&p->inflight, idx);
		mx_preq_taken(rq, -ENOTCONN);
	}
	mx_resync_stop(p);
	cancel_work_sync(&p->behind_work);
	cancel_work_sync(&p->verify_work);

	mutex_lock(&p->sock_mutex);
	mx_sock_release(p->conn.sock);
	spin_lock_irq(&src->lock);
	p->conn.sock = NULL;
	spin_unlock_irq(&src->lock);
	mutex_unlock(&p->sock_mutex);
	spin_lock_irq(&src->lock);
	if (p->cstate == MX_CS_CONNECTED)
		DMWARN("%s: peer %u (%s) disconnected", mx_name(p),
		       p->conf.node_id, p->addr_str);
	p->resync_total = 0;
	p->resync_done = 0;
	p->behind = false;
	p->resync_announce = false;
	p->rs_done_unacked = false;
	WRITE_ONCE(p->comp_on, false);
	if (READ_ONCE(p->comp_state) != MX_COMP_ST_NO_KERNEL &&
	    READ_ONCE(p->comp_state) != MX_COMP_ST_NONE)
		WRITE_ONCE(p->comp_state, MX_COMP_ST_OFF);
	WRITE_ONCE(p->conn.dead, false);
	/* A refusal stays on show until the admin acts on it. */
	mx_peer_set_state_locked(p, p->want_connect ? MX_CS_CONNECTING :
						      MX_CS_STANDALONE,
				 mx_repl_refused(p->rstate) ? p->rstate :
							      MX_RS_IDLE);
	/* The state change fenced it if it had to: nothing to wait for. */
	unconfirmed = p->rs_unconfirmed;
	p->rs_unconfirmed = false;
	spin_unlock_irq(&src->lock);
	if (unconfirmed)
		mx_source_release_held(src);
}

static int mx_conn_thread(void *arg)
{
	struct mx_peer *p = arg;
	unsigned long backoff = MX_RECONNECT_MIN;
	struct socket *sock;
	int r;

	while (!kthread_should_stop()) {
		if (!READ_ONCE(p->want_connect)) {
			set_current_state(TASK_INTERRUPTIBLE);
			if (!READ_ONCE(p->want_connect) &&
			    !kthread_should_stop())
				schedule();
			__set_current_state(TASK_RUNNING);
			continue;
		}
		/*
		 * A handshake writes the metadata (the target's bitmap, the
		 * resync set): none starts while the table is suspending, and
		 * postsuspend waits for one in progress (handshake_mutex).
		 */
		mutex_lock(&p->handshake_mutex);
		r = -EAGAIN;
		if (!READ_ONCE(p->src->suspending))
			r = mx_sock_connect(&p->conf.addr, &sock);
		if (!r) {
			mutex_lock(&p->sock_mutex);
			p->conn.sock = sock;
			/*
			 * A suspend that began meanwhile either finds this
			 * socket (and shuts it down) or is seen here.
			 */
			if (READ_ONCE(p->src->suspending))
				r = -EAGAIN;
			mutex_unlock(&p->sock_mutex);
			if (!r)
				r = mx_authenticate(p);
			if (!r)
				r = mx_handshake(p);
			mutex_unlock(&p->handshake_mutex);
			if (r && READ_ONCE(p->src->suspending))
				DMINFO("%s: peer %u: handshake ended by a suspend (the peer reconnects after the resume)",
				       mx_name(p), p->conf.node_id);
			if (!r) {
				backoff = MX_RECONNECT_MIN;
				mx_recv_loop(p);
			}
			mx_conn_teardown(p);
		} else {
			mutex_unlock(&p->handshake_mutex);
		}
		if (kthread_should_stop())
			break;
		schedule_timeout_interruptible(backoff);
		backoff = min(backoff * 2, (unsigned long)MX_RECONNECT_MAX);
	}
	return 0;
}

/* --- lifetime and admin ------------------------------------------------- */

/*
 * The compression context of the compress option (its state), a kernel
 * without the algorithm noted for status; MX_COMP_ST_MAX: out of memory.
 */
static u32 mx_peer_init_comp(struct mx_peer *p)
{
	u32 alg = p->src->conf.opts.compress;
	int r;

	if (alg == MX_COMP_NONE)
		return MX_COMP_ST_NONE;
	r = mx_comp_alloc(&p->comp, alg);
	if (r == -ENOMEM)
		return MX_COMP_ST_MAX;
	if (r) {
		DMWARN("%s: peer %u: compress %s: %s; data will be sent uncompressed",
		       mx_name(p), p->conf.node_id, mx_comp_alg_name(alg),
		       mx_comp_state_why(MX_COMP_ST_NO_KERNEL));
		return MX_COMP_ST_NO_KERNEL;
	}
	return MX_COMP_ST_OFF;
}

int mx_peer_init(struct mx_source *src, struct mx_peer *p)
{
	p->src = src;
	/* The initial state, before anyone looks: not a transition. */
	p->cstate = MX_CS_CONNECTING;
	p->rstate = MX_RS_IDLE;
	p->want_connect = true;
	mx_sendq_init(&p->sendq);
	INIT_LIST_HEAD(&p->aq_list);
	INIT_WORK(&p->behind_work, mx_async_behind_work);
	INIT_WORK(&p->verify_work, mx_verify_work);
	mutex_init(&p->sock_mutex);
	mutex_init(&p->handshake_mutex);
	init_waitqueue_head(&p->send_wait);
	mutex_init(&p->send_loop);
	INIT_WORK(&p->resync_work, mx_resync_work);
	xa_init(&p->inflight);
	atomic_set(&p->resync_inflight, 0);
	atomic_set(&p->verify_inflight, 0);
	init_llist_head(&p->rs_reads);
	init_waitqueue_head(&p->resync_wait);
	init_waitqueue_head(&p->state_wait);
	mx_addr_str(&p->conf.addr, p->addr_str, sizeof(p->addr_str));
	snprintf(p->name, sizeof(p->name), "peer %u (%s)", p->conf.node_id,
		 p->addr_str);
	mx_conn_init(&p->conn, &mx_peer_conn_ops, src->ti, p->name,
		     src->dev_sectors);
	atomic64_set(&p->comp_raw, 0);
	atomic64_set(&p->comp_wire, 0);
	p->comp_state = mx_peer_init_comp(p);
	if (mx_ilog_peer_init(&src->ilog, p->conf.node_id) ||
	    p->comp_state == MX_COMP_ST_MAX) {
		mx_peer_free(p);	/* the caller unwinds only the peers before */
		return -ENOMEM;
	}
	return 0;
}

/*
 * Waking an async peer's threads never marks the writer for rescheduling:
 * they run SCHED_BATCH (the same share of the CPU, no wake-up preemption).
 * mx_async_queue() wakes the sender while the writer may still hold a
 * plug with the write's local request (6.1's blkdev_write_iter() plugs
 * every O_DIRECT write, 6.12's __submit_bio() every bio). With a
 * reschedule pending when that plug is flushed, blk-mq's I/O-scheduler
 * dispatch issues the request and then queues one more run of the queue
 * on kblockd, which finds nothing: one more context switch per write.
 * And the sender, run as soon as the writer returned to user space, sent
 * one packet per wake-up. Now, on the writer's CPU, the sender runs when
 * the writer sleeps (or at its tick) and sends what was queued meanwhile
 * in one go; on an idle CPU it runs at once. The connection thread
 * likewise takes the acknowledgments, which only free queue room, in
 * batches. A sync peer's threads keep the normal policy: its writes wait
 * for the send and for the acknowledgment.
 */
static void mx_peer_thread_policy(struct mx_peer *p, struct task_struct *t)
{
	struct sched_attr attr = { .sched_policy = SCHED_BATCH };
	int r;

	if (!p->conf.async)
		return;
	r = sched_setattr_nocheck(t, &attr);
	if (r)
		DMWARN("%s: peer %u: cannot make %s SCHED_BATCH (%d): async writes cost more context switches",
		       mx_name(p), p->conf.node_id, t->comm, r);
}

void mx_peer_start(struct mx_peer *p)
{
	struct task_struct *t;

	if (p->conn_thread)
		return;
	if (!p->sender) {
		t = kthread_run(mx_sender_thread, p, "mirrorx%u-send",
				p->conf.node_id);
		if (IS_ERR(t)) {
			DMERR("%s: peer %u: cannot start sender thread",
			      mx_name(p), p->conf.node_id);
			return;
		}
		p->sender = t;
		mx_peer_thread_policy(p, t);
	}
	t = kthread_run(mx_conn_thread, p, "mirrorx%u", p->conf.node_id);
	if (IS_ERR(t)) {
		DMERR("%s: peer %u: cannot start connection thread",
		      mx_name(p), p->conf.node_id);
		return;
	}
	p->conn_thread = t;
	mx_peer_thread_policy(p, t);
}

void mx_peer_stop(struct mx_peer *p)
{
	if (p->conn_thread) {
		/* Its teardown waits for the sender's drain and empties sendq. */
		kthread_stop(p->conn_thread);
		p->conn_thread = NULL;
	}
	if (p->sender) {
		kthread_stop(p->sender);
		p->sender = NULL;
	}
}

void mx_peer_free(struct mx_peer *p)
{
	xa_destroy(&p->inflight);
	mx_comp_free(&p->comp);
}

static bool mx_peer_connected(struct mx_peer *p)
{
	struct mx_source *src = p->src;
	bool connected;

	spin_lock_irq(&src->lock);
	connected = p->cstate == MX_CS_CONNECTED;
	spin_unlock_irq(&src->lock);
	return connected;
}

/*
 * The disconnect message: stop reconnecting and drop a live connection,
 * returning once it is down (as drbdadm disconnect), so that what the admin
 * does next (verify, promote elsewhere) sees StandAlone.
 */
void mx_peer_disconnect(struct mx_peer *p)
{
	struct mx_source *src = p->src;

	spin_lock_irq(&src->lock);
	p->want_connect = false;
	if (p->cstate == MX_CS_CONNECTING)
		mx_peer_set_state_locked(p, MX_CS_STANDALONE, p->rstate);
	spin_unlock_irq(&src->lock);
	/* The sender owns the socket while connected: it drops it. */
	mx_peer_kick_sender(p);
	wait_event_timeout(p->state_wait, !mx_peer_connected(p),
			   MX_DISCONNECT_WAIT);
	/* The admin took the peer out: writes held for it may complete. */
	mx_source_release_held(src);
}

void mx_peer_connect(struct mx_peer *p)
{
	struct mx_source *src = p->src;

	spin_lock_irq(&src->lock);
	p->want_connect = true;
	mx_peer_set_state_locked(p, p->cstate == MX_CS_STANDALONE ?
				    MX_CS_CONNECTING : p->cstate,
				 mx_repl_refused(p->rstate) ? MX_RS_IDLE :
							      p->rstate);
	spin_unlock_irq(&src->lock);
	if (p->conn_thread)
		wake_up_process(p->conn_thread);
}
