/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Wire codec (proto.c): pure encode / decode / validate of wire.h packets.
 * Decoders validate every field before anything uses it.
 */
#ifndef DM_MIRRORX_PROTO_H
#define DM_MIRRORX_PROTO_H

#include <linux/types.h>
#include "wire.h"

/* A decoded, validated header in CPU byte order. */
struct mx_hdr {
	u16 type;
	u16 flags;
	u32 length;
	u32 size;
	u64 seq;
	u64 sector;
};

struct mx_hello {
	u32 proto_min;
	u32 proto_max;
	u32 features;
	u32 role;
	u32 node_id;
	u32 peer_node_id;
	u32 region_sectors;
	u32 flags;
	u64 data_sectors;
	u8 uuid[MX_UUID_LEN];
	u64 current_gen;
	u64 bitmap_gen;
	u64 history[MX_HISTORY_GENS];
	u64 dirty_regions;
	u32 logical_block_size;
};

struct mx_sync_state {
	u32 state;
	u32 reason;
	u64 gen;
	u8 uuid[MX_UUID_LEN];
	u64 resync_regions;
};

void mx_hdr_encode(struct mx_wire_hdr *w, const struct mx_hdr *h);

/*
 * Decode and validate a header received from a peer whose data device
 * holds @dev_sectors sectors: magic, known type, flags allowed for the type,
 * payload length allowed for the type (HELLO and SYNC_STATE exact, DATA and
 * RS_DATA length == size (+ MX_CSUM_LEN with MX_WF_CSUM; with
 * MX_WF_COMPRESSED a compressed payload of 1 to size - 1 bytes), size a
 * non-zero multiple of 512 up to MX_WIRE_MAX_DATA, DISCARD / WRITE_ZEROES
 * no payload, no FUA or PREFLUSH and a non-zero multiple of 512 size
 * (RS_DATA: write-zeroes only, up to MX_WIRE_MAX_ZEROES), FLUSH / ACK /
 * PING / BYE no payload, BITMAP a multiple of 8 up to MX_WIRE_BITMAP_MAX,
 * AUTH_* exact, CSUM_REQ 4 KiB aligned, CSUM_REPLY a whole number of
 * hashes), and for I/O types
 * sector + size inside the device (no overflow). Returns 0 or -EPROTO with
 * *@err set.
 */
int mx_hdr_decode(const struct mx_wire_hdr *w, struct mx_hdr *h,
		  u64 dev_sectors, const char **err);

void mx_hello_encode(struct mx_wire_hello *w, const struct mx_hello *h);

/*
 * Decode and validate a hello: proto_min <= proto_max, role known, node ids
 * below MX_MAX_NODES, region size a power of two in bounds, no unknown
 * feature or flag bits, non-zero data size. Returns 0 or -EPROTO.
 */
int mx_hello_decode(const struct mx_wire_hello *w, struct mx_hello *h,
		    const char **err);

/* Highest common protocol version, or -EPROTO when the ranges don't meet. */
int mx_proto_negotiate(u32 a_min, u32 a_max, u32 b_min, u32 b_max);
/*
 * Can a target whose device has @target_lbs blocks apply every write of a
 * source whose device has @source_lbs blocks? Only if they are no larger.
 */
bool mx_lbs_compatible(u32 source_lbs, u32 target_lbs);
/* Are the sector and size of data packet @h multiples of @lbs? */
bool mx_hdr_lbs_aligned(const struct mx_hdr *h, u32 lbs);

void mx_sync_state_encode(struct mx_wire_sync_state *w,
			  const struct mx_sync_state *s);
int mx_sync_state_decode(const struct mx_wire_sync_state *w,
			 struct mx_sync_state *s, const char **err);

/* Human name of a refuse reason, for logs and status. */
const char *mx_refuse_reason_name(u32 reason);

/*
 * The packet a target answers a source's packet of @type with: MX_P_ACK
 * for a write, flush or sync state, MX_P_CSUM_REPLY or MX_P_VERIFY_REPLY
 * for a checksum or verify request (the reply carries what the request
 * asked for), 0 for a packet that is not answered.
 */
u16 mx_answer_type(u16 type);

/*
 * Does an ack with MX_ACK_* @status for a packet of @type carrying @size
 * bytes of operation mean the target's data device failed a write or a
 * flush, so the target detaches (receiver.c) and the source drops it
 * (peer.c)? Not for "not supported" (a discard may get it).
 */
bool mx_ack_is_write_failure(u16 type, u32 size, u8 status);

/*
 * The error an ACK's MX_ACK_* @status ends its request with: 0, -ENOSPC,
 * -EOPNOTSUPP (the target's device cannot do the operation), else -EIO.
 */
int mx_ack_errno(u8 status);

/*
 * Least average rate a packet that began to arrive must keep (bytes per
 * second): 16 KiB/s, about 131 kbit/s. A receive of @len bytes gets
 * MX_RECV_STALL_TIMEOUT (transport.h) plus mx_recv_rate_secs(@len)
 * seconds (a 1 MiB payload: 74 s), from its first byte (a payload: from
 * the end of its header), before it fails: without it, a peer that sends
 * a byte every few seconds would hold a receive, and whatever waits for
 * that thread, for hours.
 */
#define MX_RECV_MIN_RATE	(16U << 10)
u32 mx_recv_rate_secs(u64 len);

/*
 * The largest resync write-zeroes a target speaking @proto takes:
 * MX_WIRE_MAX_ZEROES from MX_PROTO_ZERO_RUN, MX_WIRE_MAX_DATA before.
 */
u32 mx_proto_zero_max(int proto);

/* Hashes in a checksum reply for a request of @size bytes. */
u32 mx_csum_nr_blocks(u32 size);
/* Payload length of the checksum reply to a request of @size bytes. */
u32 mx_csum_reply_len(u32 size);

/*
 * Find the next run of blocks whose hashes differ between @a and @b (@n
 * each), from block *@pos on. Returns false when there is none; else true
 * with *@pos its first block and *@len its length in blocks.
 */
bool mx_csum_next_run(const __be64 *a, const __be64 *b, u32 n, u32 *pos,
		      u32 *len);

/*
 * Do the @n bytes at @p hold only zeros? As !memchr_inv(@p, 0, @n), which
 * it falls back to for an unaligned @p or the tail past whole 64-byte
 * lines, but for the bulk of a block one test per line: eight words ORed,
 * not a compare and a branch per word. The zero-aware resync scans every
 * byte of a device that reads as zeros; under QEMU's TCG this halved the
 * scan of 1 GiB (0.43-0.68 s to 0.27-0.30 s).
 */
bool mx_mem_is_zero(const void *p, size_t n);

/*
 * Split blocks *@pos..@n - 1 of a resync chunk, bit i of @zero set when
 * block i reads as zeros, into the runs sent as one packet each: a run of
 * at least @min zero blocks, or a chunk all zero (*@is_zero true, sent as
 * write-zeroes), or the blocks up to the next such run (*@is_zero false,
 * sent as data, shorter zero runs included). Returns false when *@pos >= @n; else true with
 * *@pos the run's first block and *@len its length.
 */
bool mx_zero_next_run(const unsigned long *zero, u32 n, u32 min, u32 *pos,
		      u32 *len, bool *is_zero);

/* Link compression algorithms: the compress option's values. */
enum mx_comp_alg {
	MX_COMP_NONE = 0,
	MX_COMP_LZ4,
	MX_COMP_ZSTD,
	MX_COMP_MAX,
};

/*
 * Compression on one connection, as status shows it (the word of
 * mx_comp_state_name()): NONE without the option, OFF not negotiated yet
 * (not connected), ON in use (a target: offered to a source that speaks
 * it), else the reason it is not: our kernel lacks the algorithm, the
 * peer's protocol predates it, the target did not offer it.
 */
enum mx_comp_state {
	MX_COMP_ST_NONE = 0,
	MX_COMP_ST_OFF,
	MX_COMP_ST_ON,
	MX_COMP_ST_NO_KERNEL,
	MX_COMP_ST_PEER_OLD,
	MX_COMP_ST_PEER_REFUSED,
	MX_COMP_ST_MAX,
};

/* "lz4", "zstd" (the option's words and the crypto API's names). */
const char *mx_comp_alg_name(u32 alg);
/* The algorithm named @s (case-insensitive), or -EINVAL ("none" too). */
int mx_comp_alg_parse(const char *s);
/* The hello feature bit that offers @alg; 0 for none. */
u32 mx_comp_feature(u32 alg);
/*
 * The source's decision for a connection: its option @alg, whether its
 * kernel has the algorithm (@have), the negotiated protocol @proto and the
 * features of the target's hello. Returns an enum mx_comp_state.
 */
u32 mx_comp_negotiate(u32 alg, bool have, int proto, u32 target_features);
/*
 * The target's: does it offer @alg to a source with which it negotiated
 * @proto (MX_COMP_ST_ON), or why not.
 */
u32 mx_comp_offer(u32 alg, bool have, int proto);
const char *mx_comp_state_name(u32 st);
/* Why compression is off, for the log ("" when it is not refused). */
const char *mx_comp_state_why(u32 st);

#endif /* DM_MIRRORX_PROTO_H */
