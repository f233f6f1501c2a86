/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dm-mirrorx wire format: every byte that crosses the network.
 *
 * Each packet is a fixed 32-byte big-endian header followed by @length bytes
 * of payload. Nothing in a header is trusted before mx_wire_hdr_validate()
 * (proto.c) accepted it.
 */
#ifndef DM_MIRRORX_WIRE_H
#define DM_MIRRORX_WIRE_H

#include <linux/bits.h>
#include <linux/sizes.h>
#include <linux/types.h>
#include <linux/build_bug.h>

#define MX_WIRE_MAGIC		0x4d58524dU	/* "MXRM" */
#define MX_PROTO_MIN		2
#define MX_PROTO_MAX		7
/* First version with MX_P_CSUM_REQ / MX_P_CSUM_REPLY (checksum resync). */
#define MX_PROTO_CSUM		3
/*
 * First version whose source sends the all-zero ranges of a resync as
 * MX_P_RS_DATA with MX_WF_WRITE_ZEROES (at most MX_WIRE_MAX_DATA bytes),
 * which its target writes as zeroes even when its device cannot
 * write-zeroes (it writes zero pages then).
 */
#define MX_PROTO_ZERO		4
/*
 * First version whose target may offer link compression in its hello
 * (MX_FEAT_COMPRESS_*, only to a source that speaks it: an older source
 * refuses unknown feature bits) and whose source may then send data
 * packets with MX_WF_COMPRESSED.
 */
#define MX_PROTO_COMPRESS	5
/*
 * First version whose target takes MX_WF_ACKED_ONLY on a FLUSH (the
 * source's sweep sends it only to a target that speaks it).
 */
#define MX_PROTO_ACKED_FLUSH	6
/*
 * First version whose source may send a resync write-zeroes of up to
 * MX_WIRE_MAX_ZEROES bytes (consecutive chunks that read as all zeros,
 * one packet); on an older connection a target refuses more than
 * MX_WIRE_MAX_DATA (older targets: mx_hdr_decode(); ours: receiver.c).
 */
#define MX_PROTO_ZERO_RUN	7

/* Largest payload of any packet: one data write of up to 1 MiB. */
#define MX_WIRE_MAX_DATA	SZ_1M
/*
 * Largest resync write-zeroes (no payload): eight chunks of the resync's
 * 1 MiB reads. A target whose device cannot write-zeroes writes it as
 * zero pages, MX_WIRE_MAX_DATA per bio.
 */
#define MX_WIRE_MAX_ZEROES	(8 * MX_WIRE_MAX_DATA)

enum mx_wire_type {
	MX_P_HELLO = 1,		/* handshake, payload struct mx_wire_hello */
	MX_P_AUTH_CHALLENGE,	/* payload: MX_AUTH_NONCE_LEN random bytes */
	MX_P_AUTH_RESPONSE,	/* payload: MX_AUTH_MAC_LEN HMAC-SHA256 */
	MX_P_BITMAP,		/* target -> source: dirty bitmap words */
	MX_P_SYNC_STATE,	/* struct mx_wire_sync_state (target: refusal only) */
	MX_P_DATA,		/* application write, payload = data */
	MX_P_RS_DATA,		/* resync write, payload = data */
	MX_P_FLUSH,		/* empty flush, no payload */
	MX_P_ACK,		/* target -> source: seq acked, flags = status */
	MX_P_PING,
	MX_P_PING_ACK,
	MX_P_BYE,		/* orderly disconnect */
	MX_P_VERIFY_REQ,	/* source -> target: checksum @size at @sector */
	MX_P_VERIFY_REPLY,	/* target -> source: payload __be32 crc32c */
	MX_P_CSUM_REQ,		/* source -> target: block hashes of @size at @sector */
	MX_P_CSUM_REPLY,	/* target -> source: payload __be64 xxh64 per block */
	MX_P_TYPE_MAX,
};

/*
 * Header flags for MX_P_DATA / MX_P_RS_DATA / MX_P_FLUSH. FUA and PREFLUSH
 * only on a write with a payload (or a FLUSH), never with DISCARD or
 * WRITE_ZEROES (the block layer takes them on writes only).
 */
#define MX_WF_FUA		BIT(0)
#define MX_WF_PREFLUSH		BIT(1)
#define MX_WF_DISCARD		BIT(2)	/* no payload, @size bytes */
#define MX_WF_WRITE_ZEROES	BIT(3)	/* no payload, @size bytes */
/* Payload = data + MX_CSUM_LEN bytes: __be32 crc32c (seed ~0) of data. */
#define MX_WF_CSUM		BIT(4)
/*
 * MX_P_DATA / MX_P_RS_DATA (MX_PROTO_COMPRESS, only to a target that
 * offered the algorithm): the payload is the data compressed with the
 * connection's algorithm, fewer bytes than @size, which it decompresses to
 * exactly; with MX_WF_CSUM the crc32c trailer covers the uncompressed data.
 */
#define MX_WF_COMPRESSED	BIT(5)
/*
 * MX_P_FLUSH (MX_PROTO_ACKED_FLUSH): not a barrier. Only the writes the
 * target acknowledged before this packet came need be durable when it is
 * acknowledged: the target flushes its device at once, without waiting for
 * the writes it is applying, and goes on reading. Without the flag a
 * FLUSH is a barrier: acknowledged once every earlier write completed and
 * the device flushed after them (an application's flush).
 */
#define MX_WF_ACKED_ONLY	BIT(6)
/* The flags a DATA or RS_DATA packet may carry. */
#define MX_WF_ALL		(MX_WF_FUA | MX_WF_PREFLUSH | \
				 MX_WF_DISCARD | MX_WF_WRITE_ZEROES | \
				 MX_WF_CSUM | MX_WF_COMPRESSED)
#define MX_CSUM_LEN		4

/*
 * MX_P_BITMAP: @sector is the index of the first 64-bit bitmap word, the
 * payload up to MX_WIRE_BITMAP_MAX bytes of __be64 words; MX_BM_LAST in
 * @flags marks the final packet (which may carry no words).
 */
#define MX_BM_LAST		BIT(0)
#define MX_WIRE_BITMAP_MAX	4096

/*
 * MX_P_VERIFY_REQ: no payload, @size bytes (a non-zero multiple of 512 up to
 * MX_WIRE_MAX_DATA) at @sector. MX_P_VERIFY_REPLY: @seq echoes the request,
 * @flags an MX_ACK_* status, payload MX_VERIFY_REPLY_LEN bytes: the
 * crc32c (seed ~0) of the range, big-endian.
 */
#define MX_VERIFY_REPLY_LEN	4

/*
 * MX_P_CSUM_REQ (protocol MX_PROTO_CSUM and later): no payload, @size bytes
 * (a non-zero multiple of 512 up to MX_WIRE_MAX_DATA) at @sector, which is
 * MX_CSUM_BLOCK aligned. MX_P_CSUM_REPLY: @seq echoes the request, @flags an
 * MX_ACK_* status, payload one __be64 xxh64 (seed 0) per MX_CSUM_BLOCK block
 * of the range, in order: DIV_ROUND_UP(@size, MX_CSUM_BLOCK) hashes, the
 * last block shorter when @size is not a multiple of MX_CSUM_BLOCK (the
 * device's tail), hashed over its own bytes only.
 */
#define MX_CSUM_BLOCK		4096
#define MX_CSUM_BLOCK_SECTORS	(MX_CSUM_BLOCK >> 9)
#define MX_CSUM_HASH_LEN	8
#define MX_CSUM_REPLY_MAX	(MX_WIRE_MAX_DATA / MX_CSUM_BLOCK * \
				 MX_CSUM_HASH_LEN)

/* MX_P_ACK flags: status of the acked operation. */
#define MX_ACK_OK		0
#define MX_ACK_EIO		1
#define MX_ACK_ENOSPC		2
#define MX_ACK_EOPNOTSUPP	3

/**
 * struct mx_wire_hdr - fixed packet header, big-endian
 * @magic: MX_WIRE_MAGIC
 * @type: enum mx_wire_type
 * @flags: MX_WF_* or MX_ACK_* depending on @type
 * @length: payload bytes that follow the header
 * @size: bytes of the device the operation covers (data, discard, zeroes)
 * @seq: sender's sequence number; an ACK echoes the acked packet's seq
 * @sector: first 512-byte sector of the operation on the data device
 */
struct mx_wire_hdr {
	__be32 magic;
	__be16 type;
	__be16 flags;
	__be32 length;
	__be32 size;
	__be64 seq;
	__be64 sector;
} __packed;

#define MX_UUID_LEN		16
#define MX_AUTH_NONCE_LEN	32
#define MX_AUTH_MAC_LEN		32
#define MX_HISTORY_GENS		4

/* struct mx_wire_hello.role */
#define MX_ROLE_SOURCE		1
#define MX_ROLE_TARGET		2

/* struct mx_wire_hello.features */
#define MX_FEAT_AUTH		BIT(0)
#define MX_FEAT_DATA_CSUM	BIT(1)
/*
 * A target's hello (MX_PROTO_COMPRESS): it accepts data compressed with
 * this algorithm (its table has "compress lz4" or "compress zstd" and its
 * kernel the algorithm). A source never sets them.
 */
#define MX_FEAT_COMPRESS_LZ4	BIT(2)
#define MX_FEAT_COMPRESS_ZSTD	BIT(3)
#define MX_FEAT_COMPRESS	(MX_FEAT_COMPRESS_LZ4 | MX_FEAT_COMPRESS_ZSTD)
#define MX_FEAT_ALL		(MX_FEAT_AUTH | MX_FEAT_DATA_CSUM | \
				 MX_FEAT_COMPRESS)

/* struct mx_wire_hello.flags */
#define MX_HELLO_FRESH		BIT(0)	/* never held mirrored data */

/**
 * struct mx_wire_hello - handshake, sent by both sides first
 * @proto_min: lowest protocol version the sender speaks
 * @proto_max: highest protocol version the sender speaks
 * @features: MX_FEAT_* the sender requires (auth) or offers
 * @role: MX_ROLE_*
 * @node_id: sender's node id (0..MX_MAX_NODES-1)
 * @peer_node_id: the node id the sender expects at the other end
 * @region_sectors: intent-log region size
 * @flags: MX_HELLO_*
 * @data_sectors: usable size of the sender's data device
 * @uuid: mirror UUID (all zero: target not yet bound to a mirror)
 * @current_gen: sender's data generation
 * @bitmap_gen: generation at which the sender's bitmap for the other node
 *	started (0: the sender believes it is in sync with it)
 * @history: sender's previous current generations, newest first
 * @dirty_regions: bits set in the sender's bitmap for the other node
 * @logical_block_size: of the sender's data device (the smallest write it
 *	sends, or can apply), a power of two from 512 to 65536 (protocol 2)
 * @reserved: zero
 */
struct mx_wire_hello {
	__be32 proto_min;
	__be32 proto_max;
	__be32 features;
	__be32 role;
	__be32 node_id;
	__be32 peer_node_id;
	__be32 region_sectors;
	__be32 flags;
	__be64 data_sectors;
	__u8 uuid[MX_UUID_LEN];
	__be64 current_gen;
	__be64 bitmap_gen;
	__be64 history[MX_HISTORY_GENS];
	__be64 dirty_regions;
	__be32 logical_block_size;
	__be32 reserved;
} __packed;

/* struct mx_wire_sync_state.state */
enum mx_ss_state {
	MX_SS_IN_SYNC = 1,	/* nothing to resync: adopt @gen now */
	MX_SS_RESYNC,		/* resync starts; target is inconsistent */
	MX_SS_RESYNC_DONE,	/* resync finished: adopt @gen */
	MX_SS_REFUSED,		/* either side refuses: @reason says why */
};

/* struct mx_wire_sync_state.reason, also used in status */
enum mx_refuse_reason {
	MX_REFUSE_NONE = 0,
	MX_REFUSE_UUID,
	MX_REFUSE_SIZE,
	MX_REFUSE_REGION,
	MX_REFUSE_TARGET_NEWER,
	MX_REFUSE_SPLIT_BRAIN,
	MX_REFUSE_VERSION,
	MX_REFUSE_NODE_ID,
	MX_REFUSE_AUTH,
	MX_REFUSE_ROLE,
	MX_REFUSE_BLOCK_SIZE,	/* target's blocks larger than the source's */
	MX_REFUSE_MAX = MX_REFUSE_BLOCK_SIZE,
};

/**
 * struct mx_wire_sync_state - source tells the target what happens next
 * @state: enum mx_ss_state
 * @reason: enum mx_refuse_reason for MX_SS_REFUSED
 * @gen: generation the target adopts (IN_SYNC, RESYNC_DONE)
 * @uuid: mirror UUID the target binds to
 * @resync_regions: regions the source will resync
 */
struct mx_wire_sync_state {
	__be32 state;
	__be32 reason;
	__be64 gen;
	__u8 uuid[MX_UUID_LEN];
	__be64 resync_regions;
} __packed;

static inline void mx_wire_build_bug_on(void)
{
	BUILD_BUG_ON(sizeof(struct mx_wire_hdr) != 32);
	BUILD_BUG_ON(sizeof(struct mx_wire_hello) != 120);
	BUILD_BUG_ON(sizeof(struct mx_wire_sync_state) != 40);
}

#endif /* DM_MIRRORX_WIRE_H */
