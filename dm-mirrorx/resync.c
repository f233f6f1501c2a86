// SPDX-License-Identifier: GPL-2.0
/*
 * dm-mirrorx resync: copy every region out of sync for a peer, from the
 * source to that peer, rate limited and pausable.
 *
 * The set to copy is the peer's out-of-sync bitmap (ilog.oos), seeded from
 * the intent log at connect; a full resync is the same with every bit set.
 * A region is copied while it is locked against application writes (they
 * wait, see source.c), so a copy never overtakes a newer write. Once the
 * peer acknowledged a region it leaves oos; the sweep (source.c) clears
 * its intent-log bit once both nodes flushed, the hot set lets its extent
 * go once no write needs it (intent_log.c), and the next metadata commit
 * makes that progress durable, so an interrupted resync continues with
 * what is left, never from zero.
 *
 * Checksum resync: a region in ilog.csum (bits a crash left in the intent
 * log, or every region after "resync <peer> csum") is read as for a copy,
 * but each chunk first goes as a CSUM_REQ; the target answers one xxh64
 * per 4 KiB block, and only the runs of blocks that differ follow as
 * RS_DATA writes, from the pages already read. The region stays locked
 * until they are acknowledged, as for a copy, and fails as a copy does
 * when the reply fails or is missing (it stays out of sync: tried again).
 *
 * Zero-aware copy: with a peer that speaks MX_PROTO_ZERO, each chunk read
 * for a copy is scanned for 4 KiB blocks of zeros (mx_mem_is_zero(), which
 * stops at the first non-zero line of a data block); runs of at least
 * MX_RS_ZERO_MIN_BLOCKS of them, or a chunk all zero, go as RS_DATA
 * write-zeroes packets (no payload), the blocks between as RS_DATA data
 * from the pages read. The target writes the zeroes (zero pages where its
 * device cannot write-zeroes, receiver.c), so the initial sync of an
 * empty volume sends headers, not data. A checksum resync sends its
 * differing blocks as data.
 *
 * Pipeline: the resync work takes a run of consecutive out-of-sync
 * regions (as many as one MX_WIRE_MAX_DATA packet holds, all copied or
 * all compared), locks them, and reads it as chunks of up to
 * MX_WIRE_MAX_DATA with asynchronous bios; it goes on to the next run at
 * once. The work submits its reads under a block plug, flushed when it
 * sleeps. A read of BLK_PLUG_FLUSH_SIZE (128 KiB) or more does not stay
 * in it: the block layer passes it on when the next one comes. So the
 * plug gathers the short reads (small regions, the tail of a run) and
 * holds the last read before a wait, which kblockd then dispatches.
 * In the lab an all-zero sync (all reads and headers) ran 7-12% faster
 * with it (README, "Where the time goes").
 * A read that completes joins p->rs_reads, and the work queues its
 * chunk to the sender (scanned for zeros, or hashed) while other reads
 * and sends are in flight. What is in flight (read, queued or sent and
 * not acknowledged) is bounded by a window in bytes, twice the
 * bandwidth-delay product of the link: the round trip is TCP's smoothed
 * RTT of the connection (pings only keep an idle link alive), the rate
 * the regions acknowledged per MX_RS_PERIOD_NS; within MX_RS_WINDOW_MIN
 * and MX_RS_WINDOW_MAX, and at most MX_RESYNC_LOCKS regions and
 * MX_RS_ZERO_CHUNKS_MAX chunks read as zeros (rs_window.h).
 * A chunk that read as all zeros then holds only its header's bytes of
 * the window (mx_rs_send_zero_aware()); chunk pages come from a pool
 * kept for the run (page_pool.c), and ended chunks are kept for the next
 * reads (x->free_chunks).
 *
 * Application writes first: resync data goes in packets of at most
 * MX_RS_PACKET_MAX, which wait in the bulk list of the peer's send queue
 * while any application packet waits (sendq.h, with its bound on the
 * wait); and the peer holds at most p->bulk_limit of them sent and not
 * acknowledged (mx_rs_set_sent_limit()). So a write during a resync waits
 * for about that much resync data, not for the window's megabytes in the
 * socket buffers and the target's receive queue; the resync gets the
 * link's remaining capacity. While no application write was queued to
 * the peer for MX_SENDQ_APP_IDLE (sendq.h), the link is the resync's
 * alone: its chunks go whole, in packets of up to MX_WIRE_MAX_DATA (an
 * eighth of the packets, bios and acks on both nodes), and the peer may
 * hold the window sent and not acknowledged (p->bulk_limit_idle), so that
 * the target's writes and the acks of many packets overlap. The first
 * write after such a spell waits for what was sent before it (the window
 * and a packet at most); a FLUSH does not end a spell (the sweep's are
 * not the application's) and waits for that too.
 *
 * Rate: resync_rate (KiB/s) paces the reads as they are issued. Yield:
 * each period the work looks at the mirror device's I/O statistics; when
 * the application read or wrote through it, the resync runs for
 * MX_RS_YIELD_HOLD_NS at most at the resync_min_rate module parameter
 * (KiB/s, default MX_RS_MIN_RATE_DEFAULT; 0: never yield) and reads one
 * region at a time, as DRBD's c-min-rate does (test 068).
 */
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/bio.h>
#include <linux/delay.h>
#include <linux/device-mapper.h>
#include <linux/ktime.h>
#include <linux/llist.h>
#include <linux/rcupdate.h>
#include <linux/part_stat.h>
#include <linux/tcp.h>
#include <net/tcp.h>
#include "source.h"
#include "range_io.h"
#include "rs_window.h"
#include "page_pool.h"
#include "objcount.h"
#include "fault.h"

#define DM_MSG_PREFIX "mirrorx"

static unsigned int resync_min_rate = MX_RS_MIN_RATE_DEFAULT;
module_param(resync_min_rate, uint, 0644);
MODULE_PARM_DESC(resync_min_rate,
		 "Resync rate (KiB/s) while the application uses the mirror device (default "
		 __stringify(MX_RS_MIN_RATE_DEFAULT) "), 0: no yield");

/*
 * Shorter runs of zero blocks go with the data around them: a packet, an
 * ack and a bio more per run would cost more than the little link time
 * they save.
 */
#define MX_RS_ZERO_MIN_BLOCKS	8
/*
 * Largest resync data packet while the application writes: chunks are
 * read up to MX_WIRE_MAX_DATA and then sent in parts of this size
 * (mx_rs_packet_max(), mx_rs_send_part()).
 */
#define MX_RS_PACKET_MAX	(128U << 10)
#define MX_RS_CHUNK_BLOCKS	(MX_WIRE_MAX_DATA / MX_CSUM_BLOCK)
#define MX_RS_CHUNK_PAGES	(MX_WIRE_MAX_DATA >> PAGE_SHIFT)
/* Chunks in one write-zeroes at most (mx_rs_zeros_send()). */
#define MX_RS_ZRUN_CHUNKS	(MX_WIRE_MAX_ZEROES / MX_WIRE_MAX_DATA)
/*
 * Zero chunks gathered at most: the reads stop at MX_RS_ZERO_CHUNKS_MAX,
 * and those in flight then, the window's, may still join them.
 */
#define MX_RS_ZEROS_GATHER	(MX_RS_ZERO_CHUNKS_MAX + \
				 MX_RS_WINDOW_MAX / MX_WIRE_MAX_DATA)
/*
 * Longest a zero chunk waits gathered for the chunks after it
 * (mx_rs_zeros_add()): eight reads of 1 MiB take a few ms, under TCG on
 * a loaded host some tens; an application write waiting for a region of
 * a gathered run waits at most this much more.
 */
#define MX_RS_ZERO_HOLD_NS	(50 * NSEC_PER_MSEC)
#define MX_RS_NO_SECTOR		((sector_t)-1)
/*
 * After an allocation of the resync failed, how long it starts nothing
 * new (what is in flight goes on, and frees its memory): retrying at once
 * would spin while memory is short.
 */
#define MX_RS_NOMEM_WAIT_NS	(100 * NSEC_PER_MSEC)
/*
 * Segments of a chunk's read over its runs of contiguous pages: twice the
 * blocks of fresh pages (MX_PAGE_POOL_BLOCK) a whole chunk takes; a chunk
 * in more pieces is read page by page.
 */
#define MX_RS_READ_SEGS		(2 * MX_RS_CHUNK_PAGES / MX_PAGE_POOL_BLOCK)
/*
 * Whole chunks kept for reuse: as many as may be in flight, those the
 * window lets be read at once and those that read as zeros.
 */
#define MX_RS_FREE_CHUNKS	(MX_RS_WINDOW_MAX / MX_WIRE_MAX_DATA + \
				 MX_RS_ZERO_CHUNKS_MAX)
/*
 * Pages the pool keeps: what the window lets be read at once, and the
 * chunk read past it.
 */
#define MX_RS_POOL_PAGES	((MX_RS_WINDOW_MAX + MX_WIRE_MAX_DATA) >> \
				 PAGE_SHIFT)

/*
 * The resync work's pipeline state (one run of the work, on its stack: it
 * waits for every region it locked before it returns). Only the work
 * touches it, but the atomics, which read and chunk completions change,
 * and what chunk completions give back (@pages, @free_chunks).
 */
struct mx_rs_ctx {
	atomic64_t inflight_bytes;	/* chunks read or being read, unacked */
	atomic_t nr_zero_chunks;	/* of those, all zero (zero_held) */
	struct mx_page_pool pages;	/* what chunks read into (own lock) */
	/*
	 * Whole chunks (room for MX_RS_CHUNK_PAGES pages) ended, kept for
	 * the next reads (mx_rs_chunk_new()): with its bio_vec table such a
	 * chunk is an 8 KiB slab object, which a kernel with init_on_alloc
	 * (Debian's default) clears on every allocation (under TCG: 0.24 to
	 * 0.33 s of a 1.8-2.3 s resync of 1 GiB of zeros; the read's bio,
	 * in the chunk, allocates no table either). Pushed from any context
	 * but hard IRQ, popped by the work only (llist: one consumer); at
	 * most MX_RS_FREE_CHUNKS (@nr_free_chunks), the rest freed, and all
	 * freed when the work ends. Not kept under KASAN, so that a use
	 * after free of a chunk is still caught.
	 */
	struct llist_head free_chunks;
	atomic_t nr_free_chunks;
	u64 window;			/* bytes allowed in flight */
	bool compare;			/* the last run started compares */
	u64 period_start;		/* ns */
	u64 done_at_start;		/* p->resync_done then */
	u64 rate_bps;			/* regions acknowledged, bytes/s */
	u32 rtt_us;
	u32 min_rtt_us;
	bool app_busy;			/* other I/O lately: yield */
	u64 busy_until;			/* ns: yield till then */
	s64 app_prev;			/* see mx_rs_app_busy() */
	u64 pace_next;			/* ns: the next read may start */
	u32 pace_rate;			/* KiB/s pace_next was charged at */
	u64 read_error_region;
	u64 refused_region;		/* set by an ack, before resync_refused */
	u64 retry_at;			/* ns: memory was short, nothing new till then */
	/* The run being read: its next chunk at @next, up to @end. */
	struct mx_rs_region *cur;
	sector_t next, end;
	atomic_t nr_reading;		/* reads submitted, not ended */
	/*
	 * Chunks that read as all zeros, not sent yet, by sector
	 * (mx_rs_zeros_add()); they are in @nr_zero_chunks.
	 */
	struct mx_rs_chunk *zeros[MX_RS_ZEROS_GATHER];
	u32 nr_zeros;
	u64 zeros_due;			/* ns: the oldest's gathered_at + hold */
};

/* A run of @nr regions from @region being copied (or compared). */
struct mx_rs_region {
	struct mx_peer *peer;
	struct mx_rs_ctx *x;
	u64 region;
	u32 nr;
	bool csum;			/* compare by checksum first */
	atomic_t pending;		/* chunks not yet acknowledged */
	int error;
};

/*
 * One chunk (at most MX_WIRE_MAX_DATA bytes) of a run, with room for
 * @room pages (mx_rs_chunk_new()); its read's bio uses @read_bvecs (or
 * @bvecs) as its table. Copied, @rq is its RS_DATA write. Compared, @rq
 * is its CSUM_REQ and @hashes holds our hashes then the target's
 * (@rq.reply); @refs counts @rq and the parts (struct mx_rs_part) sent
 * from its pages, the last one ends it (mx_rs_chunk_free()).
 */
struct mx_rs_chunk {
	struct mx_preq rq;
	struct mx_rs_region *reg;
	struct llist_node rnode;	/* p->rs_reads once read; free_chunks */
	struct bio bio;			/* its read, over @read_bvecs or @bvecs */
	/* @bvecs' runs of contiguous pages, for the read (mx_bvecs_merge()) */
	struct bio_vec read_bvecs[MX_RS_READ_SEGS];
	int read_error;
	sector_t sector;
	u32 len;
	u32 charge;			/* its bytes in x->inflight_bytes */
	bool zero_held;			/* in x->nr_zero_chunks */
	u64 gathered_at;		/* ns: into x->zeros */
	atomic_t refs;
	__be64 *hashes;
	u32 nr_pages;
	u32 room;			/* entries of @bvecs */
	struct bio_vec bvecs[];
};

/*
 * A run of blocks of a chunk sent alone: differing blocks of a compared
 * chunk, written from its pages, or data or zeroes of a copied one.
 */
struct mx_rs_part {
	struct mx_preq rq;
	struct mx_rs_chunk *c;
};

/*
 * Consecutive chunks that read as all zeros, sent as one write-zeroes
 * (@rq) of up to the peer's zero_max: it holds each chunk's reference
 * until the target acknowledged it (mx_rs_zeros_send()).
 */
struct mx_rs_zrun {
	struct mx_preq rq;
	u32 nr;
	struct mx_rs_chunk *chunks[MX_RS_ZRUN_CHUNKS];
};

static void mx_rs_region_done(struct mx_rs_region *reg)
{
	struct mx_peer *p = reg->peer;
	struct mx_source *src = p->src;
	unsigned long flags;

	u32 nr = reg->nr, i;

	if (!reg->error) {
		spin_lock_irqsave(&src->lock, flags);
		spin_lock(&src->meta.lock);
		for (i = 0; i < nr; i++)
			if (mx_ilog_resync_done_locked(&src->ilog,
						       p->conf.node_id,
						       reg->region + i))
				p->resync_done++;
		spin_unlock(&src->meta.lock);
		spin_unlock_irqrestore(&src->lock, flags);
	}
	for (i = 0; i < nr; i++)
		mx_source_unlock_region(src, reg->region + i);
	kfree(reg);
	mx_obj_sub(MX_OBJ_RESYNC_REGION, 1);
	atomic_sub(nr, &p->resync_inflight);
	wake_up(&p->resync_wait);
}

static void mx_rs_region_put(struct mx_rs_region *reg)
{
	if (atomic_dec_and_test(&reg->pending))
		mx_rs_region_done(reg);
}

/*
 * A chunk for a read of @nr pages, its fields but @bvecs cleared (its
 * pages are filled in by the caller): a kept one for a whole chunk, else
 * new. NULL: no memory. The work only.
 */
static struct mx_rs_chunk *mx_rs_chunk_new(struct mx_rs_ctx *x, u32 nr)
{
	struct llist_node *n = NULL;
	struct mx_rs_chunk *c;

	if (nr == MX_RS_CHUNK_PAGES)
		n = llist_del_first(&x->free_chunks);
	if (n) {
		atomic_dec(&x->nr_free_chunks);
		c = llist_entry(n, struct mx_rs_chunk, rnode);
	} else {
		c = kmalloc(struct_size(c, bvecs, nr), GFP_NOIO);
		if (!c)
			return NULL;
	}
	memset(c, 0, sizeof(*c));
	c->room = nr;
	return c;
}

/*
 * An allocation for the resync failed (its regions stay out of sync and
 * are copied again): the work starts nothing new for a moment (it sets
 * x->retry_at). Any context.
 */
static void mx_rs_nomem(struct mx_peer *p)
{
	WRITE_ONCE(p->resync_nomem, true);
	DMWARN_LIMIT("%s: peer %u: resync: out of memory, retrying",
		     dm_table_device_name(p->src->ti->table), p->conf.node_id);
}

/* Keep ended chunk @c on x->free_chunks? A whole one, while there is room. */
static bool mx_rs_chunk_keep(struct mx_rs_ctx *x, struct mx_rs_chunk *c)
{
	if (IS_ENABLED(CONFIG_KASAN) || c->room != MX_RS_CHUNK_PAGES)
		return false;
	if (atomic_inc_return(&x->nr_free_chunks) > MX_RS_FREE_CHUNKS) {
		atomic_dec(&x->nr_free_chunks);
		return false;
	}
	llist_add(&c->rnode, &x->free_chunks);
	return true;
}

/* Its pages back to the pool, the chunk kept or freed. */
static void mx_rs_chunk_free(struct mx_rs_chunk *c)
{
	struct mx_rs_ctx *x = c->reg->x;

	mx_page_pool_put(&x->pages, c->bvecs, c->nr_pages);
	kfree(c->hashes);
	mx_obj_sub(MX_OBJ_RESYNC_CHUNK, 1);
	if (!mx_rs_chunk_keep(x, c))
		kfree(c);
}

/* The work ends: every chunk ended (mx_rs_chunk_put()). */
static void mx_rs_chunks_destroy(struct mx_rs_ctx *x)
{
	struct mx_rs_chunk *c, *t;

	llist_for_each_entry_safe(c, t, llist_del_all(&x->free_chunks), rnode)
		kfree(c);
	atomic_set(&x->nr_free_chunks, 0);
}

/*
 * The chunk's last user is gone: it no longer holds its run, nor room in
 * the window.
 */
static void mx_rs_chunk_put(struct mx_rs_chunk *c)
{
	struct mx_rs_region *reg = c->reg;
	struct mx_peer *p = reg->peer;

	if (!atomic_dec_and_test(&c->refs))
		return;
	atomic64_sub(c->charge, &reg->x->inflight_bytes);
	if (c->zero_held)
		atomic_dec(&reg->x->nr_zero_chunks);
	mx_rs_chunk_free(c);
	/* Before the run may end: then the work, and @x, may be gone. */
	wake_up(&p->resync_wait);
	mx_rs_region_put(reg);
}

/*
 * A resync write (@flags) of @size bytes at @sector ended with @error. A
 * target that answers a write-zeroes with EOPNOTSUPP (its device claimed
 * write-zeroes, then refused it; a device without it gets zero pages,
 * receiver.c) gets data from now on, for this connection: the region
 * fails and is copied again, so the resync cannot loop on it. A target
 * that answers data so pauses the resync (mx_rs_pause_on_refusal()):
 * copying the region again would be refused again, forever.
 */
static void mx_rs_data_ended(struct mx_rs_region *reg, u16 flags,
			     u64 sector, u32 size, int error)
{
	struct mx_peer *p = reg->peer;

	if (error) {
		reg->error = error;
		if (error == -EOPNOTSUPP && !(flags & MX_WF_WRITE_ZEROES)) {
			/* Its device refused data: again would be refused. */
			WRITE_ONCE(reg->x->refused_region,
				   sector >> ilog2(p->src->meta.sb.region_sectors));
			smp_wmb();	/* the work reads the flag, then the region */
			WRITE_ONCE(p->resync_refused, true);
		}
		if (error == -EOPNOTSUPP && (flags & MX_WF_WRITE_ZEROES) &&
		    READ_ONCE(p->zero_ok)) {
			WRITE_ONCE(p->zero_ok, false);
			DMWARN("%s: peer %u: target refused a resync write-zeroes: sending zero ranges as data",
			       dm_table_device_name(p->src->ti->table),
			       p->conf.node_id);
		}
		return;
	}
	if (flags & MX_WF_WRITE_ZEROES)
		atomic64_add(size, &p->rs_zeroes);
	else
		atomic64_add(size, &p->rs_sent);
}

static void mx_rs_chunk_done(struct mx_preq *rq, int error)
{
	struct mx_rs_chunk *c = container_of(rq, struct mx_rs_chunk, rq);

	mx_rs_data_ended(c->reg, rq->hdr.flags, rq->hdr.sector, rq->hdr.size,
			 error);
	mx_rs_chunk_put(c);
}

static void mx_rs_part_done(struct mx_preq *rq, int error)
{
	struct mx_rs_part *part = container_of(rq, struct mx_rs_part, rq);
	struct mx_rs_chunk *c = part->c;

	mx_rs_data_ended(c->reg, rq->hdr.flags, rq->hdr.sector, rq->hdr.size,
			 error);
	kfree(part);
	mx_rs_chunk_put(c);
}

/* Make @rq an RS_DATA write of @len bytes at @sector from @bvecs. */
static void mx_rs_fill_data(struct mx_preq *rq, struct mx_peer *p,
			    sector_t sector, u32 len, struct bio_vec *bvecs,
			    void (*done)(struct mx_preq *rq, int error))
{
	mx_preq_init(rq, p, MX_P_RS_DATA, sector, len, done);
	rq->hdr.length = len;
	rq->bvecs = bvecs;
	rq->iter.bi_size = len;
}

/*
 * Send blocks @blk..@blk + @nblk - 1 of chunk @c (c->rq.hdr says its
 * range) from its pages, or as write-zeroes with @zeroes. A run lies
 * inside the chunk, so it fits one packet.
 */
static int mx_rs_send_one(struct mx_rs_chunk *c, u32 blk, u32 nblk,
			  bool zeroes)
{
	u32 off = blk * MX_CSUM_BLOCK;
	u32 len = min(nblk * MX_CSUM_BLOCK, c->rq.hdr.size - off);
	sector_t sector = c->rq.hdr.sector + (off >> SECTOR_SHIFT);
	struct mx_peer *p = c->reg->peer;
	struct mx_rs_part *part;

	part = mx_fault(MX_FAULT_RS_PART) ? NULL :
					    kzalloc(sizeof(*part), GFP_NOIO);
	if (!part)
		return -ENOMEM;
	part->c = c;
	atomic_inc(&c->refs);
	if (zeroes) {
		mx_preq_init(&part->rq, p, MX_P_RS_DATA, sector, len,
			     mx_rs_part_done);
		part->rq.hdr.flags = MX_WF_WRITE_ZEROES;
	} else {
		mx_rs_fill_data(&part->rq, p, sector, len, c->bvecs,
				mx_rs_part_done);
		part->rq.iter.bi_idx = off / PAGE_SIZE;
		part->rq.iter.bi_bvec_done = off % PAGE_SIZE;
	}
	mx_peer_queue(p, &part->rq);
	return 0;
}

/*
 * Largest resync data packet to @p now: MX_RS_PACKET_MAX while the
 * application writes (the sender cannot interleave a write into a packet
 * it is sending, so that write waits for one such packet and what the
 * peer's bulk_limit lets be in flight, not for a 1 MiB one), a whole
 * chunk while it does not (resync.c: application writes first).
 */
static u32 mx_rs_packet_max(struct mx_peer *p)
{
	return mx_peer_app_idle(p) ? MX_WIRE_MAX_DATA : MX_RS_PACKET_MAX;
}

/*
 * Send blocks @blk..@blk + @nblk - 1 of chunk @c as mx_rs_send_one()
 * does, data in packets of at most @packet_max bytes (mx_rs_packet_max(),
 * taken once by the caller for the chunk or the reply). Write-zeroes
 * carry no data: one packet.
 */
static int mx_rs_send_part(struct mx_rs_chunk *c, u32 blk, u32 nblk,
			   bool zeroes, u32 packet_max)
{
	u32 step = zeroes ? nblk : packet_max / MX_CSUM_BLOCK;
	int r = 0;

	while (nblk && !r) {
		u32 len = min(nblk, step);

		r = mx_rs_send_one(c, blk, len, zeroes);
		blk += len;
		nblk -= len;
	}
	return r;
}

/*
 * Chunk @c, which read as @zero_bytes of zeros, holds of the window only
 * its packets' headers when all of it did (mx_rs_chunk_charge()).
 */
static void mx_rs_chunk_recharge(struct mx_rs_chunk *c, u32 zero_bytes,
				 u32 packets)
{
	struct mx_rs_ctx *x = c->reg->x;
	u32 charge = mx_rs_chunk_charge(c->len, zero_bytes, packets);

	/* Our reference keeps @c: no put reads c->charge before ours. */
	atomic64_sub(c->charge - charge, &x->inflight_bytes);
	c->charge = charge;
	if (charge < c->len) {
		/* Before our put: the last one reads it. */
		c->zero_held = true;
		atomic_inc(&x->nr_zero_chunks);
	}
}

/* @nr chunks end unsent with @error: their runs stay out of sync. */
static void mx_rs_chunks_fail(struct mx_rs_chunk **chunks, u32 nr, int error)
{
	u32 i;

	for (i = 0; i < nr; i++) {
		chunks[i]->reg->error = error;
		mx_rs_chunk_put(chunks[i]);
	}
}

/* Sector just past chunk @c. */
static sector_t mx_rs_chunk_end(const struct mx_rs_chunk *c)
{
	return c->sector + (c->len >> SECTOR_SHIFT);
}

/* The gathered zero run ends: each chunk's write ended with @error. */
static void mx_rs_zrun_done(struct mx_preq *rq, int error)
{
	struct mx_rs_zrun *z = container_of(rq, struct mx_rs_zrun, rq);
	u32 i;

	for (i = 0; i < z->nr; i++) {
		struct mx_rs_chunk *c = z->chunks[i];

		mx_rs_data_ended(c->reg, MX_WF_WRITE_ZEROES, c->sector, c->len,
				 error);
		mx_rs_chunk_put(c);
	}
	kfree(z);
}

/*
 * Queue @nr chunks, consecutive on the device and all zeros, as one
 * write-zeroes; they stay out of sync (their runs fail, tried again) when
 * there is no memory for it, or when the target refused a write-zeroes
 * since they were read.
 */
static void mx_rs_zrun_send(struct mx_peer *p, struct mx_rs_chunk **chunks,
			    u32 nr)
{
	struct mx_rs_zrun *z = NULL;
	u32 i, len = 0;
	int error = -EAGAIN;

	/* Refused once (mx_rs_data_ended()): copied again, as data. */
	if (READ_ONCE(p->zero_ok)) {
		z = kzalloc(sizeof(*z), GFP_NOIO);
		error = -ENOMEM;
	}
	if (!z) {
		if (error == -ENOMEM)
			mx_rs_nomem(p);
		mx_rs_chunks_fail(chunks, nr, error);
		return;
	}
	for (i = 0; i < nr; i++) {
		z->chunks[i] = chunks[i];
		len += chunks[i]->len;
	}
	z->nr = nr;
	mx_preq_init(&z->rq, p, MX_P_RS_DATA, chunks[0]->sector, len,
		     mx_rs_zrun_done);
	z->rq.hdr.flags = MX_WF_WRITE_ZEROES;
	mx_peer_queue(p, &z->rq);
}

/*
 * Send the zero chunks gathered (x->zeros) as write-zeroes, one per run
 * of consecutive chunks up to the peer's zero_max: with @all every run,
 * else only the runs no further chunk can join: as large as the peer
 * takes, or ending at @dead_end (a chunk there was not all zeros;
 * MX_RS_NO_SECTOR: none). The rest stay gathered. The work only.
 */
static void mx_rs_zeros_send(struct mx_peer *p, struct mx_rs_ctx *x, bool all,
			     sector_t dead_end)
{
	u32 max = READ_ONCE(p->zero_max), i = 0, j, k, kept = 0, len;
	u64 oldest = U64_MAX;

	/* Refused once: they all fail now (mx_rs_zrun_send()). */
	if (!READ_ONCE(p->zero_ok))
		all = true;

	while (i < x->nr_zeros) {
		struct mx_rs_chunk **run = &x->zeros[i];

		len = run[0]->len;
		for (j = 1; i + j < x->nr_zeros && j < MX_RS_ZRUN_CHUNKS &&
		     run[j]->sector == mx_rs_chunk_end(run[j - 1]) &&
		     len + run[j]->len <= max; j++)
			len += run[j]->len;
		if (all || j == MX_RS_ZRUN_CHUNKS ||
		    len + MX_WIRE_MAX_DATA > max ||
		    mx_rs_chunk_end(run[j - 1]) == dead_end) {
			mx_rs_zrun_send(p, run, j);
		} else {
			for (k = 0; k < j; k++)
				oldest = min(oldest, run[k]->gathered_at);
			memmove(&x->zeros[kept], run, j * sizeof(*run));
			kept += j;
		}
		i += j;
	}
	x->nr_zeros = kept;
	if (kept)
		x->zeros_due = oldest + MX_RS_ZERO_HOLD_NS;
}

/*
 * The resync stops: the zero chunks gathered are dropped, their runs stay
 * out of sync (as a chunk read then, mx_rs_send_chunk()).
 */
static void mx_rs_zeros_drop(struct mx_rs_ctx *x)
{
	mx_rs_chunks_fail(x->zeros, x->nr_zeros, -EAGAIN);
	x->nr_zeros = 0;
}

/*
 * Chunk @c read as all zeros: gather it, with its reference, in sector
 * order (reads complete out of order: QEMU's, for one, serves them from a
 * pool of threads). A run of consecutive gathered chunks goes as one
 * write-zeroes once it is as large as the peer takes (p->zero_max,
 * MX_RS_ZRUN_CHUNKS chunks), or once the chunk after it was handled and
 * was not all zeros (mx_rs_send_chunk()). Every run goes when the work
 * would wait with no read in flight (mx_rs_wait()) or for a region lock
 * (an application write may wait for one of their regions), and at the
 * latest MX_RS_ZERO_HOLD_NS after the oldest of them was gathered
 * (mx_rs_zeros_due(): a run whose next region is not out of sync, or
 * whose next chunk completed first, cannot grow). So the initial sync
 * of an empty volume costs one packet, one target bio and one ack per
 * MX_RS_ZRUN_CHUNKS chunks, not per chunk; to an older target, one chunk
 * a packet. At most MX_RS_ZEROS_GATHER chunks are held (the zero chunks
 * the reads stop at, and the reads in flight then).
 */
static void mx_rs_zeros_add(struct mx_rs_chunk *c)
{
	struct mx_peer *p = c->reg->peer;
	struct mx_rs_ctx *x = c->reg->x;
	u32 i;

	if (x->nr_zeros == ARRAY_SIZE(x->zeros))
		mx_rs_zeros_send(p, x, true, MX_RS_NO_SECTOR);
	c->gathered_at = ktime_get_ns();
	for (i = x->nr_zeros; i && x->zeros[i - 1]->sector > c->sector; i--)
		x->zeros[i] = x->zeros[i - 1];
	x->zeros[i] = c;
	x->nr_zeros++;
	/* Sets x->zeros_due from the chunks it keeps. */
	mx_rs_zeros_send(p, x, false, MX_RS_NO_SECTOR);
}

/* Send every zero run gathered once the first was held long enough. */
static void mx_rs_zeros_due(struct mx_peer *p, struct mx_rs_ctx *x, u64 now)
{
	if (x->nr_zeros && now >= x->zeros_due)
		mx_rs_zeros_send(p, x, true, MX_RS_NO_SECTOR);
}

/*
 * Copied chunk @c (c->rq its RS_DATA write, not queued) as runs: zeroes
 * where at least MX_RS_ZERO_MIN_BLOCKS blocks in a row (or all of them)
 * read as zeros, data in between (@packet_max as mx_rs_send_part()).
 * Returns false, nothing sent, when the
 * chunk has no such run: the caller sends c->rq whole. Else the runs hold
 * the chunk, and its own reference is dropped here, or it is gathered
 * (all zeros, *@gathered set).
 *
 * A chunk all zero gives its pages back at once, joins the zero run
 * being gathered (mx_rs_zeros_add()), and holds of the window only its
 * packet's header (mx_rs_chunk_charge()): the window is a
 * bandwidth-delay product of the link, and a write-zeroes costs the link
 * a header, so zero ranges are in flight as far as the region locks
 * (MX_RESYNC_LOCKS) and MX_RS_ZERO_CHUNKS_MAX allow, not four at a
 * time.
 */
static bool mx_rs_send_zero_aware(struct mx_rs_chunk *c, u32 packet_max,
				  bool *gathered)
{
	DECLARE_BITMAP(zero, MX_RS_CHUNK_BLOCKS);
	struct mx_rs_ctx *x = c->reg->x;
	u32 n = mx_csum_nr_blocks(c->rq.hdr.size), pos = 0, len;
	u32 zero_bytes = 0, packets = 0;
	bool is_zero;

	BUILD_BUG_ON(sizeof(struct mx_wire_hdr) != MX_RS_PACKET_BYTES);
	mx_bvecs_zero_blocks(c->bvecs, c->rq.hdr.size, zero);
	if (!mx_zero_next_run(zero, n, MX_RS_ZERO_MIN_BLOCKS, &pos, &len,
			      &is_zero) || (!is_zero && len == n))
		return false;
	if (is_zero && len == n) {
		/* A write-zeroes has no payload: nothing reads the pages. */
		mx_page_pool_put(&x->pages, c->bvecs, c->nr_pages);
		c->nr_pages = 0;
		mx_rs_chunk_recharge(c, c->len, 1);
		mx_rs_zeros_add(c);
		*gathered = true;
		return true;
	}
	do {
		if (mx_rs_send_part(c, pos, len, is_zero, packet_max)) {
			c->reg->error = -ENOMEM;
			mx_rs_nomem(c->reg->peer);
			break;
		}
		packets++;
		if (is_zero)
			zero_bytes += min(len * MX_CSUM_BLOCK,
					  c->rq.hdr.size - pos * MX_CSUM_BLOCK);
		pos += len;
	} while (mx_zero_next_run(zero, n, MX_RS_ZERO_MIN_BLOCKS, &pos, &len,
				  &is_zero));
	mx_rs_chunk_recharge(c, zero_bytes, packets);
	mx_rs_chunk_put(c);
	return true;
}

/* The regions chunk @c covers go to their peer by copy from now on. */
static void mx_rs_forget_csum(struct mx_rs_chunk *c)
{
	struct mx_peer *p = c->reg->peer;
	struct mx_source *src = p->src;
	u64 r0, r1;

	mx_rs_chunk_regions(c->sector, c->len,
			    ilog2(src->meta.sb.region_sectors), &r0, &r1);
	mx_ilog_csum_forget(&src->ilog, p->conf.node_id, r0, r1);
}

/*
 * The target's hashes for chunk @c arrived (or the request failed): send
 * the blocks that differ. Process context (the receive thread, the
 * sender thread, a teardown, or mx_peer_queue() for a peer gone).
 */
static void mx_rs_csum_done(struct mx_preq *rq, int error)
{
	struct mx_rs_chunk *c = container_of(rq, struct mx_rs_chunk, rq);
	u32 n = mx_csum_nr_blocks(rq->hdr.size), pos = 0, len;
	struct mx_rs_region *reg = c->reg;
	u32 packet_max;

	if (error) {
		reg->error = error;
		/*
		 * The target could not read the range: the next try copies
		 * the region whole, which may repair it. A lost connection
		 * keeps the comparison for the next one.
		 */
		if (error == -EIO)
			mx_rs_forget_csum(c);
	} else {
		atomic64_add(rq->hdr.size, &reg->peer->rs_compared);
		packet_max = mx_rs_packet_max(reg->peer);
		while (mx_csum_next_run(c->hashes, c->hashes + n, n, &pos,
					&len)) {
			if (mx_rs_send_part(c, pos, len, false, packet_max)) {
				reg->error = -ENOMEM;
				mx_rs_nomem(reg->peer);
				break;
			}
			pos += len;
		}
	}
	mx_rs_chunk_put(c);
}

/* Make chunk @c a CSUM_REQ for its range, our hashes in c->hashes. */
static int mx_rs_prep_csum(struct mx_rs_chunk *c, struct mx_peer *p,
			   sector_t sector, u32 len)
{
	u32 n = mx_csum_nr_blocks(len);

	c->hashes = kmalloc_array(2 * n, MX_CSUM_HASH_LEN, GFP_NOIO);
	if (!c->hashes)
		return -ENOMEM;
	mx_bvecs_xxh64(c->bvecs, len, c->hashes);
	mx_preq_init(&c->rq, p, MX_P_CSUM_REQ, sector, len, mx_rs_csum_done);
	c->rq.reply = c->hashes + n;
	c->rq.reply_len = mx_csum_reply_len(len);
	return 0;
}

static void mx_rs_read_end(struct bio *bio)
{
	struct mx_rs_chunk *c = container_of(bio, struct mx_rs_chunk, bio);
	struct mx_peer *p = c->reg->peer;

	c->read_error = blk_status_to_errno(bio->bi_status);
	bio_uninit(bio);
	mx_obj_sub(MX_OBJ_BIO, 1);
	/* Before the chunk is the work's: once its run ends, @x may be gone. */
	atomic_dec(&c->reg->x->nr_reading);
	/*
	 * Once the chunk is on the list, the work may end its run and the
	 * table go: mirrorx_dtr() waits for this section (synchronize_rcu())
	 * before @p is freed.
	 */
	rcu_read_lock();
	llist_add(&c->rnode, &p->rs_reads);
	wake_up(&p->resync_wait);
	/* The work may wait for a region: it sends this first. */
	wake_up(&p->src->region_wait);
	rcu_read_unlock();
}

/*
 * Start reading the next chunk (up to MX_WIRE_MAX_DATA bytes) of the run
 * x->cur; the completion hands it to mx_rs_send_reads(). The run's last
 * chunk drops the work's reference to it.
 */
static void mx_rs_read_next(struct mx_peer *p, struct mx_rs_ctx *x)
{
	struct mx_source *src = p->src;
	struct mx_rs_region *reg = x->cur;
	u32 len = min_t(u64, MX_WIRE_MAX_DATA,
			(x->end - x->next) << SECTOR_SHIFT);
	u32 nr = mx_pages_for(len), segs;
	struct mx_rs_chunk *c;
	struct bio *bio;

	c = mx_fault(MX_FAULT_RS_CHUNK) ? NULL : mx_rs_chunk_new(x, nr);
	if (c && mx_page_pool_get(&x->pages, c->bvecs, len, GFP_NOIO)) {
		kfree(c);
		c = NULL;
	}
	if (!c) {
		/* The run stays out of sync: tried again. */
		reg->error = -ENOMEM;
		mx_rs_nomem(p);
		x->next = x->end;
		goto out;
	}
	mx_obj_add(MX_OBJ_RESYNC_CHUNK, 1);
	c->nr_pages = nr;
	c->reg = reg;
	c->sector = x->next;
	c->len = len;
	c->charge = len;
	atomic_set(&c->refs, 1);
	atomic_inc(&reg->pending);
	atomic64_add(len, &x->inflight_bytes);

	/*
	 * The read's table is the chunk's own: its runs of pages, or the
	 * pages one by one when there are too many runs.
	 */
	bio = &c->bio;
	segs = mx_bvecs_merge(c->bvecs, nr, c->read_bvecs,
			      ARRAY_SIZE(c->read_bvecs));
	if (segs)
		bio_init(bio, src->data_dev->bdev, c->read_bvecs, segs,
			 REQ_OP_READ);
	else
		bio_init(bio, src->data_dev->bdev, c->bvecs, nr, REQ_OP_READ);
	bio->bi_vcnt = segs ?: nr;
	bio->bi_iter.bi_size = len;
	bio->bi_iter.bi_sector = c->sector;
	bio->bi_end_io = mx_rs_read_end;
	mx_obj_add(MX_OBJ_BIO, 1);
	atomic_inc(&x->nr_reading);
	submit_bio(bio);
	x->next += len >> SECTOR_SHIFT;
out:
	if (x->next >= x->end) {
		x->cur = NULL;
		mx_rs_region_put(reg);
	}
}

/*
 * Chunk @c was read: send it (a copy, zero-aware when the peer allows,
 * or a checksum request), or drop it when the read failed or the resync
 * stops (@run false); its run then stays out of sync. Returns true when
 * it was gathered into a zero run (mx_rs_zeros_add()).
 */
static bool mx_rs_copy_chunk(struct mx_rs_chunk *c, bool run)
{
	struct mx_rs_region *reg = c->reg;
	struct mx_peer *p = reg->peer;
	struct mx_source *src = p->src;
	bool gathered = false;
	u32 packet_max;

	if (c->read_error) {
		reg->error = c->read_error;
		reg->x->read_error_region = c->sector >>
			ilog2(src->meta.sb.region_sectors);
		WRITE_ONCE(p->resync_read_error, c->read_error);
		DMERR_LIMIT("%s: resync read error %d at sector %llu",
			    dm_table_device_name(src->ti->table),
			    c->read_error, (unsigned long long)c->sector);
		mx_rs_chunk_put(c);
		return false;
	}
	if (!run) {
		reg->error = -EAGAIN;
		mx_rs_chunk_put(c);
		return false;
	}
	if (!reg->csum) {
		mx_rs_fill_data(&c->rq, p, c->sector, c->len, c->bvecs,
				mx_rs_chunk_done);
	} else if (mx_rs_prep_csum(c, p, c->sector, c->len)) {
		reg->error = -ENOMEM;
		mx_rs_nomem(p);
		mx_rs_chunk_put(c);
		return false;
	}
	if (reg->csum) {
		mx_peer_queue(p, &c->rq);
		return false;
	}
	packet_max = mx_rs_packet_max(p);
	if (READ_ONCE(p->zero_ok) &&
	    mx_rs_send_zero_aware(c, packet_max, &gathered))
		return gathered;
	if (c->len <= packet_max) {
		mx_peer_queue(p, &c->rq);
		return false;
	}
	/* A copy larger than a packet goes in parts; ours is dropped. */
	if (mx_rs_send_part(c, 0, mx_csum_nr_blocks(c->len), false,
			    packet_max)) {
		reg->error = -ENOMEM;
		mx_rs_nomem(p);
	}
	mx_rs_chunk_put(c);
	return false;
}

/*
 * Chunk @c was read: handle it (mx_rs_copy_chunk()); a zero run gathered
 * that ends where it starts cannot grow when it was not all zeros. (A
 * resync that stops drops its runs in mx_rs_drain().)
 */
static void mx_rs_send_chunk(struct mx_rs_chunk *c, bool run)
{
	struct mx_peer *p = c->reg->peer;
	struct mx_rs_ctx *x = c->reg->x;
	sector_t sector = c->sector;

	if (!mx_rs_copy_chunk(c, run) && run && x->nr_zeros)
		mx_rs_zeros_send(p, x, false, sector);
}

static bool mx_rs_may_run(struct mx_peer *p)
{
	enum mx_repl_state rs = READ_ONCE(p->rstate);

	return (rs == MX_RS_RESYNCING || rs == MX_RS_BEHIND) &&
	       mx_peer_replicating(p) && !READ_ONCE(p->paused) &&
	       !mx_rs_stopping(p->src);
}

/* Send (or drop, when the resync stops) every chunk read so far. */
static void mx_rs_send_reads(struct mx_peer *p)
{
	struct llist_node *list = llist_del_all(&p->rs_reads);
	struct mx_rs_chunk *c, *t;
	bool run;

	if (!list)
		return;
	run = mx_rs_may_run(p);
	list = llist_reverse_order(list);
	llist_for_each_entry_safe(c, t, list, rnode)
		mx_rs_send_chunk(c, run);
}

/*
 * Wait up to @timeout for a read to complete or room in the window (a
 * chunk or a run done); the caller looks at its state again after. The
 * zero runs gathered go first when no read is in flight (none could
 * extend them), and the wait ends when they are due (mx_rs_zeros_due()).
 */
static void mx_rs_wait(struct mx_peer *p, struct mx_rs_ctx *x, long timeout)
{
	s64 bytes;
	int regions, zeros;
	u64 now;

	if (x->nr_zeros && !atomic_read(&x->nr_reading) &&
	    llist_empty(&p->rs_reads))
		mx_rs_zeros_send(p, x, true, MX_RS_NO_SECTOR);
	if (x->nr_zeros) {
		now = ktime_get_ns();
		mx_rs_zeros_due(p, x, now);
		if (x->nr_zeros)
			timeout = min_t(long, timeout,
					nsecs_to_jiffies(x->zeros_due - now) + 1);
	}
	bytes = atomic64_read(&x->inflight_bytes);
	regions = atomic_read(&p->resync_inflight);
	zeros = atomic_read(&x->nr_zero_chunks);

	wait_event_timeout(p->resync_wait,
			   !llist_empty(&p->rs_reads) ||
			   atomic64_read(&x->inflight_bytes) < bytes ||
			   atomic_read(&x->nr_zero_chunks) < zeros ||
			   atomic_read(&p->resync_inflight) < regions,
			   max(timeout, 1L));
}

/*
 * TCP's smoothed round trip of @p's connection (us), 0 if unknown, and
 * in @min_us the least it measured (the path without its queues).
 */
static u32 mx_rs_link_rtt_us(struct mx_peer *p, u32 *min_us)
{
	struct sock *sk;
	u32 rtt = 0;

	*min_us = 0;
	/* A connection being set up or torn down: ask again later. */
	if (!mutex_trylock(&p->sock_mutex))
		return 0;
	sk = p->conn.sock ? p->conn.sock->sk : NULL;
	if (sk && sk->sk_protocol == IPPROTO_TCP) {
		rtt = READ_ONCE(tcp_sk(sk)->srtt_us) >> 3;
		*min_us = tcp_min_rtt(tcp_sk(sk));
		if (*min_us == ~0U)
			*min_us = 0;
	}
	mutex_unlock(&p->sock_mutex);
	return rtt;
}

/*
 * What @p may hold of bulk packets sent and not acknowledged (peer.c):
 * twice the product of the achieved rate and the path's least round trip,
 * at least MX_RS_SENT_MIN, at most the window. The least round trip, not
 * the smoothed one: a backlog in the socket or at the target inflates the
 * latter, and the limit must not grow with the queue it is there to keep
 * short. While the application does not write, the window.
 */
static void mx_rs_set_sent_limit(struct mx_peer *p, struct mx_rs_ctx *x)
{
	u64 limit = mx_rs_window_bytes(x->rate_bps, x->min_rtt_us,
				       MX_RS_SENT_MIN, x->window);

	spin_lock_irq(&p->src->lock);
	p->bulk_limit = limit;
	p->bulk_limit_idle = x->window;
	spin_unlock_irq(&p->src->lock);
}

/*
 * Sectors the application read or wrote through the mirror device (its
 * I/O statistics, kept by device-mapper; resync reads go below it).
 */
static s64 mx_rs_app_sectors(struct mx_source *src)
{
	struct gendisk *disk = dm_disk(dm_table_get_md(src->ti->table));

	return (s64)part_stat_read_accum(disk->part0, sectors);
}

/*
 * Once per MX_RS_PERIOD_NS: the achieved rate, the round trip, the
 * window, and whether the application used the data device.
 */
static void mx_rs_period(struct mx_peer *p, struct mx_rs_ctx *x, u64 now)
{
	struct mx_source *src = p->src;
	u64 region_bytes = (u64)src->meta.sb.region_sectors << SECTOR_SHIFT;
	u64 done = READ_ONCE(p->resync_done), bytes = 0;
	u32 rtt, min_rtt;

	if (now - x->period_start < MX_RS_PERIOD_NS)
		return;
	if (done > x->done_at_start)
		bytes = (done - x->done_at_start) * region_bytes;
	x->rate_bps = mx_rs_rate_update(x->rate_bps, bytes,
					now - x->period_start);
	x->period_start = now;
	x->done_at_start = done;
	rtt = mx_rs_link_rtt_us(p, &min_rtt);
	if (rtt)
		x->rtt_us = rtt;
	if (min_rtt)
		x->min_rtt_us = min_rtt;
	x->window = mx_rs_window_bytes(x->rate_bps, x->rtt_us,
				       MX_RS_WINDOW_MIN, MX_RS_WINDOW_MAX);
	mx_rs_set_sent_limit(p, x);
	if (mx_rs_app_busy(&x->app_prev, mx_rs_app_sectors(src)))
		x->busy_until = now + MX_RS_YIELD_HOLD_NS;
	x->app_busy = READ_ONCE(resync_min_rate) && now < x->busy_until;
}

static void mx_rs_ctx_init(struct mx_peer *p, struct mx_rs_ctx *x)
{
	memset(x, 0, sizeof(*x));
	atomic64_set(&x->inflight_bytes, 0);
	atomic_set(&x->nr_zero_chunks, 0);
	atomic_set(&x->nr_reading, 0);
	init_llist_head(&x->free_chunks);
	atomic_set(&x->nr_free_chunks, 0);
	mx_page_pool_init(&x->pages, MX_RS_POOL_PAGES);
	x->window = MX_RS_WINDOW_MIN;
	mx_rs_set_sent_limit(p, x);
	x->period_start = ktime_get_ns();
	x->pace_next = x->period_start;
	x->done_at_start = READ_ONCE(p->resync_done);
	x->app_prev = mx_rs_app_sectors(p->src);
}

/*
 * The bytes the reads in flight may hold. The window is for copies: what
 * they read crosses the link. A compare's cycle is a read and a hash on
 * each node, much longer than the link's round trip the window is sized
 * by, and only its hashes cross the link: compares read ahead up to the
 * cap. The kind is the current run's, else the last one's (a copy after
 * compares waits for the window once the run started).
 */
static u64 mx_rs_read_window(const struct mx_rs_ctx *x)
{
	return x->compare ? MX_RS_WINDOW_MAX : x->window;
}

/*
 * May the next read start now (the next chunk of x->cur, or a new run,
 * which then reads at once)? Returns 0, or how long (jiffies) to wait:
 * for room in the window or for a zero chunk to end
 * (MX_RS_ZERO_CHUNKS_MAX), or for the rate. With @charge, a chunk of
 * x->cur is read: its bytes count against the rate.
 */
static long mx_rs_may_read(struct mx_peer *p, struct mx_rs_ctx *x, u64 now,
			   bool charge)
{
	u32 rate = mx_rs_effective_rate(READ_ONCE(p->src->conf.opts.resync_rate),
					 READ_ONCE(resync_min_rate),
					 x->app_busy);
	s64 inflight = atomic64_read(&x->inflight_bytes);

	if (inflight && inflight + MX_WIRE_MAX_DATA > mx_rs_read_window(x))
		return HZ / 10;
	if (atomic_read(&x->nr_zero_chunks) >= MX_RS_ZERO_CHUNKS_MAX)
		return HZ / 10;
	if (!rate) {
		x->pace_next = now;
		return 0;
	}
	/* A new rate (message, a yield starting or ending) applies now. */
	x->pace_next = mx_rs_pace_rerate(now, x->pace_next, &x->pace_rate,
					 rate);
	if (x->pace_next > now)
		return min_t(long, nsecs_to_jiffies(x->pace_next - now) + 1,
			     HZ / 10);
	if (charge)
		x->pace_next = mx_rs_pace_next(now, x->pace_next,
					       min_t(u64, MX_WIRE_MAX_DATA,
						     (x->end - x->next) <<
						     SECTOR_SHIFT), rate);
	return 0;
}

struct mx_rs_state_rq {
	struct mx_preq rq;
	u32 state;			/* 0: from the peer's state */
	struct mx_wire_sync_state w;
};

/*
 * A state change the target did not confirm (its metadata failed) cannot
 * be left behind: drop the connection, the next handshake settles it. A
 * connection already gone (-ENOTCONN) is settled the same way.
 */
static void mx_rs_state_done(struct mx_preq *rq, int error)
{
	struct mx_rs_state_rq *sr = container_of(rq, struct mx_rs_state_rq,
						 rq);
	struct mx_peer *p = rq->peer;
	unsigned long flags;

	if (error && error != -ENOTCONN)
		mx_peer_fail(p, error, "target did not confirm a sync state");
	/* The target says Inconsistent on its disk now (fence.c). */
	if (!error && sr->state == MX_SS_RESYNC &&
	    mx_fence_confirmed(p))
		mx_source_release_held(p->src);
	/*
	 * The target flushed what the resync wrote before it answered (its
	 * adoption of RESYNC_DONE): the writes held for it are durable
	 * there now. Not sooner: a resync's writes carry no FUA, and a held
	 * FUA or flushed write must not complete from a volatile cache.
	 */
	if (!error && sr->state == MX_SS_RESYNC_DONE) {
		spin_lock_irqsave(&p->src->lock, flags);
		p->rs_done_unacked = false;
		spin_unlock_irqrestore(&p->src->lock, flags);
		mx_source_release_held(p->src);
	}
	kfree(sr);
}

/*
 * Under src->lock, as the request joins the send queue: the generation and
 * (for state 0) InSync or Resync are read there, so two sync states queued
 * by racing callers (a generation change, a resync kick) reach the target
 * in the order of the states they describe.
 */
static void mx_rs_state_prep(struct mx_preq *rq)
{
	struct mx_rs_state_rq *sr = container_of(rq, struct mx_rs_state_rq,
						 rq);
	struct mx_peer *p = rq->peer;
	struct mx_source *src = p->src;
	struct mx_sync_state s = { .state = sr->state };

	if (!s.state)
		s.state = p->rstate == MX_RS_IN_SYNC ||
			  p->rstate == MX_RS_VERIFYING ? MX_SS_IN_SYNC :
							 MX_SS_RESYNC;
	spin_lock(&src->meta.lock);
	s.gen = src->meta.sb.current_gen;
	memcpy(s.uuid, src->meta.sb.uuid, MX_UUID_LEN);
	spin_unlock(&src->meta.lock);
	mx_sync_state_encode(&sr->w, &s);
}

/* Tell @p our generation and whether it is consistent now (@state). */
void mx_send_sync_state(struct mx_peer *p, u32 state)
{
	struct mx_rs_state_rq *sr;

	sr = mx_fault_sync_state(state) ? NULL : kzalloc(sizeof(*sr), GFP_NOIO);
	if (!sr) {
		mx_peer_fail(p, -ENOMEM, "cannot send a sync state");
		return;
	}
	sr->state = state;
	INIT_LIST_HEAD(&sr->rq.list);
	sr->rq.peer = p;
	sr->rq.hdr.type = MX_P_SYNC_STATE;
	sr->rq.hdr.length = sizeof(sr->w);
	sr->rq.payload = &sr->w;
	sr->rq.done = mx_rs_state_done;
	mx_peer_queue_prep(p, &sr->rq, mx_rs_state_prep);
}

/*
 * Nothing left to copy: a resync is finished; a Behind peer goes back to
 * queueing only once mx_async_may_leave_behind_locked() agrees (else the
 * caller waits and copies what new writes marked meanwhile).
 * Returns true when the peer is in sync now. Under src->lock.
 */
static bool mx_rs_finish_locked(struct mx_peer *p)
{
	if (p->rstate == MX_RS_BEHIND) {
		if (!mx_async_may_leave_behind_locked(p))
			return false;
	} else if (p->rstate != MX_RS_RESYNCING) {
		return false;
	}
	if (mx_peer_set_repl_locked(p, MX_RS_IN_SYNC))
		return false;
	p->behind = false;
	p->resync_total = p->resync_done;
	p->rs_done_unacked = true;
	return true;
}

/*
 * Is the target being suspended? Resync and verify stop then (the regions
 * in flight finish), and resume starts the resync again.
 */
bool mx_rs_stopping(struct mx_source *src)
{
	return READ_ONCE(src->suspending);
}

/*
 * Sleep as long as needed to keep @bytes since @start under the rate; a
 * suspend cuts the sleep short.
 */
void mx_rs_throttle(struct mx_source *src, unsigned long start, u64 bytes)
{
	u32 rate = READ_ONCE(src->conf.opts.resync_rate);
	long left;

	if (!rate)
		return;
	left = (long)(start + div64_u64(bytes * HZ, (u64)rate * 1024) -
		      jiffies);
	if (left > 0)
		wait_event_interruptible_timeout(src->rs_wake,
						 mx_rs_stopping(src), left);
}

/*
 * Region @r could not be read from our data device: retrying at once would
 * spin, so pause the resync (the region stays out of sync) until the admin
 * resumes it, the disk repaired.
 */
static void mx_rs_pause_on_read_error(struct mx_peer *p, u64 r)
{
	struct mx_source *src = p->src;

	mx_resync_set_paused(p, true);
	DMERR("%s: peer %u: resync paused: read error %d in region %llu of the data device; send \"resume %u\" once it is repaired",
	      dm_table_device_name(src->ti->table), p->conf.node_id,
	      READ_ONCE(p->resync_read_error), (unsigned long long)r,
	      p->conf.node_id);
}

static void mx_rs_pause_on_refusal(struct mx_peer *p, u64 r)
{
	struct mx_source *src = p->src;

	mx_resync_set_paused(p, true);
	DMERR("%s: peer %u: resync paused: the target's data device refused a resync write (not supported) in region %llu; send \"resume %u\" once it is repaired",
	      dm_table_device_name(src->ti->table), p->conf.node_id,
	      (unsigned long long)r, p->conf.node_id);
}

/*
 * A peer that left InSync on a live connection is told it is Inconsistent
 * before the first region reaches it (the send queue keeps the order).
 */
static void mx_rs_announce(struct mx_peer *p)
{
	struct mx_source *src = p->src;
	bool announce;

	spin_lock_irq(&src->lock);
	announce = p->resync_announce;
	p->resync_announce = false;
	spin_unlock_irq(&src->lock);
	if (announce)
		mx_send_sync_state(p, MX_SS_RESYNC);
}

/*
 * Is @r's bit for @p on disk? A region is copied only then: the target is
 * written, so its bit must survive a crash of the source first.
 */
static bool mx_rs_bit_on_disk(struct mx_peer *p, u64 r)
{
	struct mx_meta *m = &p->src->meta;
	struct mx_ilog *il = &p->src->ilog;
	bool ok;

	spin_lock_irq(&m->lock);
	ok = mx_ilog_persisted_locked(il, p->conf.node_id, r, r);
	spin_unlock_irq(&m->lock);
	return ok;
}

enum mx_rs_how { MX_RS_SKIP, MX_RS_COPY, MX_RS_CSUM };

/*
 * How region @r, just locked, goes to @p: not at all when it left oos
 * meanwhile (its copy was still in flight when the loop started over, and
 * the lock waited for it), by checksum when it is in csum and the peer
 * answers checksum requests, else by copy.
 */
static enum mx_rs_how mx_rs_region_how(struct mx_peer *p, u64 r)
{
	struct mx_source *src = p->src;
	enum mx_rs_how how = MX_RS_COPY;

	spin_lock_irq(&src->lock);
	if (!mx_ilog_oos_test(&src->ilog, p->conf.node_id, r))
		how = MX_RS_SKIP;
	else if (READ_ONCE(p->csum_ok) &&
		 mx_ilog_csum_test(&src->ilog, p->conf.node_id, r))
		how = MX_RS_CSUM;
	spin_unlock_irq(&src->lock);
	return how;
}

void mx_resync_reset_counts(struct mx_peer *p)
{
	atomic64_set(&p->rs_compared, 0);
	atomic64_set(&p->rs_sent, 0);
	atomic64_set(&p->rs_zeroes, 0);
}

/*
 * Lock the regions after @r (locked, going by @how) that extend its run:
 * out of sync, their bits on disk, free, and going the same way; at most
 * @max regions in all. Returns the run's length.
 */
static u32 mx_rs_extend_run(struct mx_peer *p, u64 r, enum mx_rs_how how,
			    u32 max)
{
	struct mx_source *src = p->src;
	u32 n, i;

	spin_lock_irq(&src->lock);
	n = mx_ilog_oos_run(&src->ilog, p->conf.node_id, r, max);
	spin_unlock_irq(&src->lock);
	for (i = 1; i < n; i++) {
		if (!mx_rs_bit_on_disk(p, r + i) ||
		    !mx_source_try_lock_region(src, r + i))
			break;
		if (mx_rs_region_how(p, r + i) != how) {
			mx_source_unlock_region(src, r + i);
			break;
		}
	}
	return max(i, 1U);
}

/* Wait for a region while nothing read waits to be sent. */
static bool mx_rs_may_wait(struct mx_peer *p)
{
	return mx_rs_may_run(p) && llist_empty(&p->rs_reads);
}

/*
 * While the work waits for a region (mx_source_lock_region_wait()) with
 * application writes in flight: send what was read, and the zero run
 * gathered (a write waiting there may wait for it). What was read stays
 * locked until it is sent, so writes to it would wait with the copy (and
 * another peer's copy waiting for it would wait the full time). False
 * when the resync must stop waiting: it stops, a read failed, a write
 * was refused or memory ran short (the work's loop sees to those).
 */
static bool mx_rs_lock_meanwhile(struct mx_peer *p, void *arg)
{
	mx_rs_send_reads(p);
	if (!mx_rs_may_run(p) || READ_ONCE(p->resync_read_error) ||
	    READ_ONCE(p->resync_refused) || READ_ONCE(p->resync_nomem))
		return false;
	mx_rs_zeros_send(p, arg, true, MX_RS_NO_SECTOR);
	return true;
}

/* Start reading the run of @n regions from @r (locked) for @p. */
static int mx_rs_start_run(struct mx_peer *p, struct mx_rs_ctx *x, u64 r,
			   u32 n, bool csum)
{
	struct mx_source *src = p->src;
	u32 shift = ilog2(src->meta.sb.region_sectors);
	struct mx_rs_region *reg;

	reg = mx_fault(MX_FAULT_RS_RUN) ? NULL : kzalloc(sizeof(*reg), GFP_NOIO);
	if (!reg)
		return -ENOMEM;
	mx_obj_add(MX_OBJ_RESYNC_REGION, 1);
	reg->peer = p;
	reg->x = x;
	reg->region = r;
	reg->nr = n;
	reg->csum = csum;
	x->compare = csum;
	atomic_set(&reg->pending, 1);	/* the work's, till the last read */
	atomic_add(n, &p->resync_inflight);
	x->cur = reg;
	x->next = r << shift;
	x->end = min_t(sector_t, (r + n) << shift, src->dev_sectors);
	return 0;
}

/*
 * A wait for @p's regions in flight lasts. A packet's ack is bounded by
 * the connection's timeouts (a teardown fails what the peer did not
 * acknowledge), a local read only by the data device: bios cannot be
 * cancelled, so such a wait has no other bound (as DRBD's). Say so, lest
 * a hung device be a silent hang of a disconnect or a suspend.
 */
static void mx_rs_warn_inflight(struct mx_peer *p, atomic_t *inflight,
				const char *what)
{
	DMERR("%s: peer %u: the %s still waits for %d region(s) in flight: a read of the data device that has not completed, or a packet the peer has not acknowledged",
	      dm_table_device_name(p->src->ti->table), p->conf.node_id, what,
	      atomic_read(inflight));
}

/* Wait for @inflight (@p's resync_inflight or verify_inflight) to drain. */
void mx_rs_wait_inflight(struct mx_peer *p, atomic_t *inflight,
			 const char *what)
{
	while (!wait_event_timeout(p->resync_wait, !atomic_read(inflight),
				   MX_RS_STUCK_WARN))
		mx_rs_warn_inflight(p, inflight, what);
}

/*
 * The resync stops: what is not read yet is not read, what was read is
 * dropped (it stays out of sync), what was sent is waited for.
 */
static void mx_rs_drain(struct mx_peer *p, struct mx_rs_ctx *x)
{
	unsigned long warn_at = jiffies + MX_RS_STUCK_WARN;

	if (mx_rs_may_run(p))
		mx_rs_zeros_send(p, x, true, MX_RS_NO_SECTOR);
	else
		mx_rs_zeros_drop(x);
	if (x->cur) {
		x->cur->error = -EAGAIN;
		mx_rs_region_put(x->cur);
		x->cur = NULL;
	}
	while (atomic_read(&p->resync_inflight)) {
		mx_rs_send_reads(p);
		mx_rs_wait(p, x, HZ);
		if (time_after(jiffies, warn_at)) {
			mx_rs_warn_inflight(p, &p->resync_inflight, "resync");
			warn_at = jiffies + MX_RS_STUCK_WARN;
		}
	}
	mx_rs_send_reads(p);
}

void mx_resync_work(struct work_struct *ws)
{
	struct mx_peer *p = container_of(ws, struct mx_peer, resync_work);
	struct mx_source *src = p->src;
	u32 region_bytes = src->meta.sb.region_sectors << SECTOR_SHIFT;
	u64 nr = src->meta.nr_regions, r, cursor = 0, now;
	bool skipped = false, finished, locked;
	struct blk_plug plug;
	struct mx_rs_ctx x;
	enum mx_rs_how how;
	u32 n, room;
	long wait;

	WRITE_ONCE(p->resync_read_error, 0);
	WRITE_ONCE(p->resync_refused, false);
	WRITE_ONCE(p->resync_nomem, false);
	mx_rs_ctx_init(p, &x);
	mx_rs_announce(p);
	blk_start_plug(&plug);
	for (;;) {
		mx_rs_send_reads(p);
		if (!mx_rs_may_run(p))
			break;
		if (READ_ONCE(p->resync_read_error)) {
			mx_rs_pause_on_read_error(p, x.read_error_region);
			break;
		}
		if (READ_ONCE(p->resync_refused)) {
			smp_rmb();	/* see mx_rs_data_ended() */
			mx_rs_pause_on_refusal(p, READ_ONCE(x.refused_region));
			break;
		}
		now = ktime_get_ns();
		if (READ_ONCE(p->resync_nomem)) {
			WRITE_ONCE(p->resync_nomem, false);
			x.retry_at = now + MX_RS_NOMEM_WAIT_NS;
		}
		mx_rs_period(p, &x, now);
		mx_rs_zeros_due(p, &x, now);
		if (now < x.retry_at) {
			/* Memory was short: what is in flight goes on. */
			mx_rs_wait(p, &x, nsecs_to_jiffies(x.retry_at - now) + 1);
			continue;
		}
		/* A run is locked only once it may be read. */
		wait = mx_rs_may_read(p, &x, now, !!x.cur);
		if (wait) {
			mx_rs_wait(p, &x, wait);
			continue;
		}
		if (x.cur) {
			mx_rs_read_next(p, &x);
			continue;
		}
		room = MX_RESYNC_LOCKS - min_t(u32, MX_RESYNC_LOCKS,
					       atomic_read(&p->resync_inflight));
		if (!room) {
			mx_rs_wait(p, &x, HZ / 10);
			continue;
		}
		spin_lock_irq(&src->lock);
		r = mx_ilog_next_oos(&src->ilog, p->conf.node_id, cursor);
		spin_unlock_irq(&src->lock);
		if (r >= nr) {
			/*
			 * Start over (or finish) once what is in flight is
			 * done: a region of ours still in flight is still
			 * out of sync.
			 */
			if (atomic_read(&p->resync_inflight)) {
				mx_rs_wait(p, &x, HZ / 10);
				continue;
			}
			if (cursor || skipped) {
				/* Start over for regions skipped or re-dirtied. */
				if (skipped)
					msleep(20);
				cursor = 0;
				skipped = false;
				continue;
			}
			if (READ_ONCE(p->rstate) != MX_RS_BEHIND)
				break;	/* nothing left: done */
			spin_lock_irq(&src->lock);
			finished = !mx_ilog_oos_count(&src->ilog,
						      p->conf.node_id) &&
				   mx_rs_finish_locked(p);
			spin_unlock_irq(&src->lock);
			if (finished) {
				blk_finish_plug(&plug);
				goto done;
			}
			/*
			 * Behind: let the queue drain; a state change (a
			 * disconnect, a pause) or a suspend ends the wait.
			 */
			wait_event_timeout(p->state_wait, !mx_rs_may_run(p),
					   HZ / 10);
			continue;
		}
		cursor = r + 1;
		mx_rs_announce(p);	/* kicked again while running */
		if (!mx_rs_bit_on_disk(p, r)) {
			/* Marked just now (verify): commit it, come back. */
			mx_source_kick_commit(src);
			skipped = true;
			continue;
		}
		locked = mx_source_lock_region_wait(src, p, r, mx_rs_may_wait,
						    mx_rs_lock_meanwhile, &x);
		if (READ_ONCE(p->resync_nomem)) {
			/* Short of memory: not held meanwhile, again after. */
			if (locked)
				mx_source_unlock_region(src, r);
			cursor = r;
			continue;
		}
		if (!locked) {
			skipped = true;
			continue;
		}
		how = mx_rs_region_how(p, r);
		if (how == MX_RS_SKIP) {
			mx_source_unlock_region(src, r);
			continue;
		}
		/* Yielding to the application: one region at a time. */
		n = mx_rs_extend_run(p, r, how,
				     mx_rs_run_max(region_bytes,
						   x.app_busy ? region_bytes :
						   MX_WIRE_MAX_DATA, room));
		if (mx_rs_start_run(p, &x, r, n, how == MX_RS_CSUM)) {
			/* Copied again once memory allows (not ended here). */
			while (n--)
				mx_source_unlock_region(src, r + n);
			mx_rs_nomem(p);
			skipped = true;
			continue;
		}
		cursor = r + n;
	}
	blk_finish_plug(&plug);

	mx_rs_drain(p, &x);
	mx_source_kick_commit(src);
	spin_lock_irq(&src->lock);
	finished = mx_peer_replicating(p) &&
		   !mx_ilog_oos_count(&src->ilog, p->conf.node_id) &&
		   mx_rs_finish_locked(p);
	spin_unlock_irq(&src->lock);
done:
	/* Every chunk is gone: each one's put ends before its run does. */
	mx_page_pool_trim(&x.pages, 0);
	mx_rs_chunks_destroy(&x);
	if (finished) {
		mx_source_kick_commit(src);
		mx_send_sync_state(p, MX_SS_RESYNC_DONE);
		DMINFO("%s: peer %u: resync finished: %llu regions, %llu bytes compared, %llu bytes sent, %llu bytes as zeroes",
		       dm_table_device_name(src->ti->table), p->conf.node_id,
		       (unsigned long long)READ_ONCE(p->resync_done),
		       (unsigned long long)atomic64_read(&p->rs_compared),
		       (unsigned long long)atomic64_read(&p->rs_sent),
		       (unsigned long long)atomic64_read(&p->rs_zeroes));
	}
}

void mx_resync_set_paused(struct mx_peer *p, bool paused)
{
	struct mx_source *src = p->src;
	unsigned long flags;
	bool changed;

	spin_lock_irqsave(&src->lock, flags);
	changed = p->paused != paused;
	/* Behind stays Behind: status shows the pause (mx_repl_shown()). */
	if (p->rstate == MX_RS_BEHIND && changed)
		mx_source_event(src);
	p->paused = paused;
	if (p->rstate == MX_RS_RESYNCING && paused)
		mx_peer_set_repl_locked(p, MX_RS_PAUSED);
	else if (p->rstate == MX_RS_PAUSED && !paused)
		mx_peer_set_repl_locked(p, MX_RS_RESYNCING);
	spin_unlock_irqrestore(&src->lock, flags);
	/*
	 * A copy waiting for a region, or a Behind peer's work waiting for
	 * its queue, stops at once (Behind stays: no state change woke them).
	 */
	if (changed) {
		wake_up_all(&p->state_wait);
		wake_up_all(&src->region_wait);
	}
	if (!paused)
		mx_resync_kick(p);
}

/*
 * An InSync peer (with @missed, a Verifying one too) with regions out of
 * sync leaves that state now (Resyncing, or Paused), in the same critical
 * section that found them. Under src->lock.
 */
static void mx_resync_leave_locked(struct mx_peer *p, bool missed)
{
	u64 n;

	if ((p->rstate != MX_RS_IN_SYNC &&
	     (!missed || p->rstate != MX_RS_VERIFYING)) ||
	    !mx_peer_replicating(p))
		return;
	/*
	 * The tally, not a count of the map: this runs with interrupts off,
	 * from a local write's completion too, and the map of a 16 TiB
	 * device is 32 MiB.
	 */
	n = mx_ilog_oos_tally(&p->src->ilog, p->conf.node_id);
	if (n && !mx_peer_set_repl_locked(p, p->paused ? MX_RS_PAUSED :
					  MX_RS_RESYNCING)) {
		p->resync_total = n;
		p->resync_done = 0;
		mx_resync_reset_counts(p);
		p->resync_announce = true;
		p->rs_unconfirmed = true;
	}
}

void mx_resync_start_locked(struct mx_peer *p)
{
	mx_resync_leave_locked(p, false);
}

static void mx_resync_kick_how(struct mx_peer *p, bool missed)
{
	struct mx_source *src = p->src;
	unsigned long flags;
	bool announce;

	spin_lock_irqsave(&src->lock, flags);
	mx_resync_leave_locked(p, missed);
	announce = p->resync_announce;
	spin_unlock_irqrestore(&src->lock, flags);
	/* Paused or suspending: the work only tells the target, then ends. */
	if (mx_rs_may_run(p) || announce)
		queue_work(src->rs_wq, &p->resync_work);
}

/*
 * Start (or continue) copying what @p lacks. Any context (a local write's
 * completion may be in hard IRQ: nothing here sleeps or scans a map). A
 * peer that was InSync hears first, from the resync work, that it is
 * Inconsistent until the resync is done (mx_rs_announce()). A Verifying
 * peer verifies on (the regions it found to differ wait for its end).
 */
void mx_resync_kick(struct mx_peer *p)
{
	mx_resync_kick_how(p, false);
}

/*
 * @p lacks a write it should have (it missed it, or the admin asked for a
 * resync): as mx_resync_kick(), and a verify ends too, rather than leave
 * the peer in a state that counts as in sync (its work sees the state and
 * stops).
 */
void mx_resync_missed(struct mx_peer *p)
{
	mx_resync_kick_how(p, true);
}

void mx_resync_stop(struct mx_peer *p)
{
	cancel_work_sync(&p->resync_work);
	mx_rs_wait_inflight(p, &p->resync_inflight, "resync stop");
}
