// SPDX-License-Identifier: GPL-2.0
/*
 * dm-mirrorx wire codec: pure encode / decode / validate of the packets in
 * wire.h. A decoder fills its CPU-order struct only from fields it checked;
 * nothing a peer sends is used before it passed here.
 */
#include <linux/bitmap.h>
#include <linux/blk_types.h>
#include <linux/kernel.h>
#include <linux/log2.h>
#include <linux/string.h>
#include <linux/errno.h>
#include "proto.h"
#include "meta_format.h"

#define MX_HELLO_FLAGS_ALL	MX_HELLO_FRESH
/* Largest logical block size a hello may name. */
#define MX_MAX_LBS		65536

void mx_hdr_encode(struct mx_wire_hdr *w, const struct mx_hdr *h)
{
	mx_wire_build_bug_on();
	w->magic = cpu_to_be32(MX_WIRE_MAGIC);
	w->type = cpu_to_be16(h->type);
	w->flags = cpu_to_be16(h->flags);
	w->length = cpu_to_be32(h->length);
	w->size = cpu_to_be32(h->size);
	w->seq = cpu_to_be64(h->seq);
	w->sector = cpu_to_be64(h->sector);
}

/* @sector + @size inside a device of @dev_sectors, without wrapping. */
static int mx_hdr_check_range(const struct mx_hdr *h, u64 dev_sectors,
			      const char **err)
{
	u64 nr_sectors = h->size >> SECTOR_SHIFT;

	if (h->sector > dev_sectors || nr_sectors > dev_sectors - h->sector) {
		*err = "I/O beyond the end of the device";
		return -EPROTO;
	}
	return 0;
}

/* Data, discard and write-zeroes: flags, payload and range on the device. */
static int mx_hdr_check_io(const struct mx_hdr *h, u64 dev_sectors,
			   const char **err)
{
	u32 nonpayload = h->flags & (MX_WF_DISCARD | MX_WF_WRITE_ZEROES);

	if (h->flags & ~MX_WF_ALL) {
		*err = "Unknown flags on a write packet";
		return -EPROTO;
	}
	if (nonpayload == (MX_WF_DISCARD | MX_WF_WRITE_ZEROES)) {
		*err = "Write packet is both discard and write-zeroes";
		return -EPROTO;
	}
	if (!h->size || (h->size & (SECTOR_SIZE - 1))) {
		*err = "Write size not a non-zero multiple of 512";
		return -EPROTO;
	}
	if (nonpayload) {
		if (h->length || (h->flags & (MX_WF_CSUM | MX_WF_COMPRESSED))) {
			*err = "Payload on a discard or write-zeroes packet";
			return -EPROTO;
		}
		/*
		 * No source sends these, and the block layer refuses them
		 * (6.12 warns and fails the bio: the target would detach).
		 */
		if (h->flags & (MX_WF_FUA | MX_WF_PREFLUSH)) {
			*err = "FUA or flush on a discard or write-zeroes packet";
			return -EPROTO;
		}
		if (h->type != MX_P_RS_DATA) {
			/* Replicated: as large as the application's bio. */
		} else if (nonpayload == MX_WF_DISCARD) {
			*err = "Discard on a resync packet";
			return -EPROTO;
		} else if (h->size > MX_WIRE_MAX_ZEROES) {
			/* The target may write them as zero pages. */
			*err = "Resync write-zeroes too long";
			return -EPROTO;
		}
	} else {
		u32 trailer = (h->flags & MX_WF_CSUM) ? MX_CSUM_LEN : 0;

		if (h->size > MX_WIRE_MAX_DATA) {
			*err = "Write payload too long";
			return -EPROTO;
		}
		if (!(h->flags & MX_WF_COMPRESSED)) {
			if (h->length != h->size + trailer) {
				*err = "Write payload length differs from its size";
				return -EPROTO;
			}
		} else if (h->length <= trailer ||
			   h->length - trailer >= h->size) {
			/* Data that does not shrink is sent raw. */
			*err = "Compressed payload empty or not smaller than its size";
			return -EPROTO;
		}
	}
	return mx_hdr_check_range(h, dev_sectors, err);
}

/*
 * A checksum request: no payload, a 4 KiB aligned start (the blocks hashed
 * are the ones the source compares and writes), a size in sectors that may
 * end in a short block (the tail of a device whose size is not a multiple
 * of 4 KiB), inside the device.
 */
static int mx_hdr_check_csum_req(const struct mx_hdr *h, u64 dev_sectors,
				 const char **err)
{
	if (h->flags || h->length) {
		*err = "Flags or payload on a checksum request";
		return -EPROTO;
	}
	if (!h->size || (h->size & (SECTOR_SIZE - 1)) ||
	    h->size > MX_WIRE_MAX_DATA) {
		*err = "Bad checksum request size";
		return -EPROTO;
	}
	if (h->sector & (MX_CSUM_BLOCK_SECTORS - 1)) {
		*err = "Checksum request not 4 KiB aligned";
		return -EPROTO;
	}
	return mx_hdr_check_range(h, dev_sectors, err);
}

/* Packets whose length must be exactly @len; no flags, no size. */
static int mx_hdr_check_fixed(const struct mx_hdr *h, u32 len,
			      const char **err)
{
	if (h->flags) {
		*err = "Unexpected flags on a control packet";
		return -EPROTO;
	}
	if (h->length != len) {
		*err = "Bad payload length for the packet type";
		return -EPROTO;
	}
	if (h->size) {
		*err = "Unexpected size on a control packet";
		return -EPROTO;
	}
	return 0;
}

int mx_hdr_decode(const struct mx_wire_hdr *w, struct mx_hdr *h,
		  u64 dev_sectors, const char **err)
{
	if (be32_to_cpu(w->magic) != MX_WIRE_MAGIC) {
		*err = "Bad packet magic";
		return -EPROTO;
	}
	h->type = be16_to_cpu(w->type);
	h->flags = be16_to_cpu(w->flags);
	h->length = be32_to_cpu(w->length);
	h->size = be32_to_cpu(w->size);
	h->seq = be64_to_cpu(w->seq);
	h->sector = be64_to_cpu(w->sector);

	switch (h->type) {
	case MX_P_HELLO:
		return mx_hdr_check_fixed(h, sizeof(struct mx_wire_hello), err);
	case MX_P_AUTH_CHALLENGE:
		return mx_hdr_check_fixed(h, MX_AUTH_NONCE_LEN, err);
	case MX_P_AUTH_RESPONSE:
		return mx_hdr_check_fixed(h, MX_AUTH_MAC_LEN, err);
	case MX_P_SYNC_STATE:
		return mx_hdr_check_fixed(h, sizeof(struct mx_wire_sync_state),
					  err);
	case MX_P_PING:
	case MX_P_PING_ACK:
	case MX_P_BYE:
		return mx_hdr_check_fixed(h, 0, err);
	case MX_P_BITMAP:
		if (h->flags & ~MX_BM_LAST) {
			*err = "Unknown flags on a bitmap packet";
			return -EPROTO;
		}
		/* Empty is harmless, even before the last packet. */
		if (h->length > MX_WIRE_BITMAP_MAX || h->length % 8) {
			*err = "Bad bitmap payload length";
			return -EPROTO;
		}
		if (h->size) {
			*err = "Unexpected size on a bitmap packet";
			return -EPROTO;
		}
		return 0;
	case MX_P_DATA:
	case MX_P_RS_DATA:
		return mx_hdr_check_io(h, dev_sectors, err);
	case MX_P_FLUSH:
		if (h->flags & ~(MX_WF_PREFLUSH | MX_WF_FUA |
				 MX_WF_ACKED_ONLY)) {
			*err = "Unknown flags on a flush packet";
			return -EPROTO;
		}
		if (h->length || h->size) {
			*err = "Payload or size on a flush packet";
			return -EPROTO;
		}
		return 0;
	case MX_P_ACK:
		/* @size and @sector are free: an ack may echo the request. */
		if (h->flags > MX_ACK_EOPNOTSUPP) {
			*err = "Unknown ack status";
			return -EPROTO;
		}
		if (h->length) {
			*err = "Payload on an ack";
			return -EPROTO;
		}
		return 0;
	case MX_P_VERIFY_REQ:
		if (h->flags || h->length) {
			*err = "Flags or payload on a verify request";
			return -EPROTO;
		}
		if (!h->size || (h->size & (SECTOR_SIZE - 1)) ||
		    h->size > MX_WIRE_MAX_DATA) {
			*err = "Bad verify request size";
			return -EPROTO;
		}
		return mx_hdr_check_range(h, dev_sectors, err);
	case MX_P_VERIFY_REPLY:
		/* Like an ack: a status in @flags, @size and @sector free. */
		if (h->flags > MX_ACK_EOPNOTSUPP) {
			*err = "Unknown verify reply status";
			return -EPROTO;
		}
		if (h->length != MX_VERIFY_REPLY_LEN) {
			*err = "Bad payload length for the packet type";
			return -EPROTO;
		}
		return 0;
	case MX_P_CSUM_REQ:
		return mx_hdr_check_csum_req(h, dev_sectors, err);
	case MX_P_CSUM_REPLY:
		/* Its exact length depends on the request (peer.c). */
		if (h->flags > MX_ACK_EOPNOTSUPP) {
			*err = "Unknown checksum reply status";
			return -EPROTO;
		}
		if (!h->length || h->length > MX_CSUM_REPLY_MAX ||
		    h->length % MX_CSUM_HASH_LEN) {
			*err = "Bad checksum reply length";
			return -EPROTO;
		}
		return 0;
	default:
		*err = "Unknown packet type";
		return -EPROTO;
	}
}

void mx_hello_encode(struct mx_wire_hello *w, const struct mx_hello *h)
{
	int i;

	w->proto_min = cpu_to_be32(h->proto_min);
	w->proto_max = cpu_to_be32(h->proto_max);
	w->features = cpu_to_be32(h->features);
	w->role = cpu_to_be32(h->role);
	w->node_id = cpu_to_be32(h->node_id);
	w->peer_node_id = cpu_to_be32(h->peer_node_id);
	w->region_sectors = cpu_to_be32(h->region_sectors);
	w->flags = cpu_to_be32(h->flags);
	w->data_sectors = cpu_to_be64(h->data_sectors);
	memcpy(w->uuid, h->uuid, MX_UUID_LEN);
	w->current_gen = cpu_to_be64(h->current_gen);
	w->bitmap_gen = cpu_to_be64(h->bitmap_gen);
	for (i = 0; i < MX_HISTORY_GENS; i++)
		w->history[i] = cpu_to_be64(h->history[i]);
	w->dirty_regions = cpu_to_be64(h->dirty_regions);
	w->logical_block_size = cpu_to_be32(h->logical_block_size);
	w->reserved = 0;
}

int mx_hello_decode(const struct mx_wire_hello *w, struct mx_hello *h,
		    const char **err)
{
	int i;

	memset(h, 0, sizeof(*h));	/* padding too: callers compare */
	h->proto_min = be32_to_cpu(w->proto_min);
	h->proto_max = be32_to_cpu(w->proto_max);
	h->features = be32_to_cpu(w->features);
	h->role = be32_to_cpu(w->role);
	h->node_id = be32_to_cpu(w->node_id);
	h->peer_node_id = be32_to_cpu(w->peer_node_id);
	h->region_sectors = be32_to_cpu(w->region_sectors);
	h->flags = be32_to_cpu(w->flags);
	h->data_sectors = be64_to_cpu(w->data_sectors);
	memcpy(h->uuid, w->uuid, MX_UUID_LEN);
	h->current_gen = be64_to_cpu(w->current_gen);
	h->bitmap_gen = be64_to_cpu(w->bitmap_gen);
	for (i = 0; i < MX_HISTORY_GENS; i++)
		h->history[i] = be64_to_cpu(w->history[i]);
	h->dirty_regions = be64_to_cpu(w->dirty_regions);
	h->logical_block_size = be32_to_cpu(w->logical_block_size);

	if (!h->proto_min || h->proto_min > h->proto_max) {
		*err = "Bad protocol version range in hello";
		return -EPROTO;
	}
	if (h->role != MX_ROLE_SOURCE && h->role != MX_ROLE_TARGET) {
		*err = "Unknown role in hello";
		return -EPROTO;
	}
	if (h->node_id >= MX_MAX_NODES || h->peer_node_id >= MX_MAX_NODES) {
		*err = "Node id out of range in hello";
		return -EPROTO;
	}
	if (h->node_id == h->peer_node_id) {
		*err = "Hello names the same node at both ends";
		return -EPROTO;
	}
	if (!is_power_of_2(h->region_sectors) ||
	    h->region_sectors < MX_MIN_REGION_SECTORS ||
	    h->region_sectors > MX_MAX_REGION_SECTORS) {
		*err = "Invalid region size in hello";
		return -EPROTO;
	}
	if (h->features & ~MX_FEAT_ALL) {
		*err = "Unknown feature bits in hello";
		return -EPROTO;
	}
	if (h->flags & ~MX_HELLO_FLAGS_ALL) {
		*err = "Unknown flags in hello";
		return -EPROTO;
	}
	if (!h->data_sectors) {
		*err = "Zero data size in hello";
		return -EPROTO;
	}
	if (!is_power_of_2(h->logical_block_size) ||
	    h->logical_block_size < SECTOR_SIZE ||
	    h->logical_block_size > MX_MAX_LBS) {
		*err = "Invalid logical block size in hello";
		return -EPROTO;
	}
	if (w->reserved) {
		*err = "Reserved field set in hello";
		return -EPROTO;
	}
	return 0;
}

bool mx_lbs_compatible(u32 source_lbs, u32 target_lbs)
{
	return target_lbs <= source_lbs;
}

bool mx_hdr_lbs_aligned(const struct mx_hdr *h, u32 lbs)
{
	u64 mask = lbs - 1;

	return !(((u64)h->sector << SECTOR_SHIFT) & mask) &&
	       !(h->size & mask);
}

int mx_proto_negotiate(u32 a_min, u32 a_max, u32 b_min, u32 b_max)
{
	u32 lo = max(a_min, b_min);
	u32 hi = min(a_max, b_max);

	if (!lo || lo > hi || a_min > a_max || b_min > b_max || hi > INT_MAX)
		return -EPROTO;
	return hi;
}

void mx_sync_state_encode(struct mx_wire_sync_state *w,
			  const struct mx_sync_state *s)
{
	w->state = cpu_to_be32(s->state);
	w->reason = cpu_to_be32(s->reason);
	w->gen = cpu_to_be64(s->gen);
	memcpy(w->uuid, s->uuid, MX_UUID_LEN);
	w->resync_regions = cpu_to_be64(s->resync_regions);
}

int mx_sync_state_decode(const struct mx_wire_sync_state *w,
			 struct mx_sync_state *s, const char **err)
{
	s->state = be32_to_cpu(w->state);
	s->reason = be32_to_cpu(w->reason);
	s->gen = be64_to_cpu(w->gen);
	memcpy(s->uuid, w->uuid, MX_UUID_LEN);
	s->resync_regions = be64_to_cpu(w->resync_regions);

	switch (s->state) {
	case MX_SS_IN_SYNC:
	case MX_SS_RESYNC_DONE:
	case MX_SS_RESYNC:
		/*
		 * The target adopts @gen and @uuid (an Inconsistent one too,
		 * for RESYNC): generation 0 or a zero UUID would make it look
		 * blank, and the next handshake would start a full resync or
		 * let it bind to another mirror.
		 */
		if (!s->gen) {
			*err = "Sync state adopts generation 0";
			return -EPROTO;
		}
		if (!memchr_inv(s->uuid, 0, MX_UUID_LEN)) {
			*err = "Sync state adopts an all-zero mirror UUID";
			return -EPROTO;
		}
		if (s->reason != MX_REFUSE_NONE) {
			*err = "Refuse reason on a non-refusal sync state";
			return -EPROTO;
		}
		return 0;
	case MX_SS_REFUSED:
		if (s->reason == MX_REFUSE_NONE || s->reason > MX_REFUSE_MAX) {
			*err = "Bad refuse reason in sync state";
			return -EPROTO;
		}
		return 0;
	default:
		*err = "Unknown sync state";
		return -EPROTO;
	}
}

static const char * const mx_refuse_names[] = {
	[MX_REFUSE_NONE]	 = "none",
	[MX_REFUSE_UUID]	 = "uuid_mismatch",
	[MX_REFUSE_SIZE]	 = "size_mismatch",
	[MX_REFUSE_REGION]	 = "region_mismatch",
	[MX_REFUSE_TARGET_NEWER] = "target_newer",
	[MX_REFUSE_SPLIT_BRAIN]	 = "split_brain",
	[MX_REFUSE_VERSION]	 = "version_mismatch",
	[MX_REFUSE_NODE_ID]	 = "node_id_mismatch",
	[MX_REFUSE_AUTH]	 = "auth_failed",
	[MX_REFUSE_ROLE]	 = "role_conflict",
	[MX_REFUSE_BLOCK_SIZE]	 = "block_size_mismatch",
};

/* @names[@i] of a table of @n names, "unknown" past its end. */
static const char *mx_name_of(const char * const *names, size_t n, u32 i)
{
	return i < n ? names[i] : "unknown";
}

const char *mx_refuse_reason_name(u32 reason)
{
	return mx_name_of(mx_refuse_names, ARRAY_SIZE(mx_refuse_names),
			  reason);
}

u16 mx_answer_type(u16 type)
{
	switch (type) {
	case MX_P_DATA:
	case MX_P_RS_DATA:
	case MX_P_FLUSH:
	case MX_P_SYNC_STATE:
		return MX_P_ACK;
	case MX_P_CSUM_REQ:
		return MX_P_CSUM_REPLY;
	case MX_P_VERIFY_REQ:
		return MX_P_VERIFY_REPLY;
	default:
		return 0;
	}
}

bool mx_ack_is_write_failure(u16 type, u32 size, u8 status)
{
	if (status == MX_ACK_OK || status == MX_ACK_EOPNOTSUPP)
		return false;
	if (type == MX_P_FLUSH)
		return true;
	return (type == MX_P_DATA || type == MX_P_RS_DATA) && size;
}

int mx_ack_errno(u8 status)
{
	switch (status) {
	case MX_ACK_OK:
		return 0;
	case MX_ACK_ENOSPC:
		return -ENOSPC;
	case MX_ACK_EOPNOTSUPP:
		return -EOPNOTSUPP;
	default:
		return -EIO;
	}
}

u32 mx_proto_zero_max(int proto)
{
	return proto >= MX_PROTO_ZERO_RUN ? MX_WIRE_MAX_ZEROES :
					    MX_WIRE_MAX_DATA;
}

u32 mx_recv_rate_secs(u64 len)
{
	return (len + MX_RECV_MIN_RATE - 1) / MX_RECV_MIN_RATE;
}

u32 mx_csum_nr_blocks(u32 size)
{
	return DIV_ROUND_UP(size, MX_CSUM_BLOCK);
}

u32 mx_csum_reply_len(u32 size)
{
	return mx_csum_nr_blocks(size) * MX_CSUM_HASH_LEN;
}

bool mx_mem_is_zero(const void *p, size_t n)
{
	const u64 *w = p;
	size_t lines = n / 64, i;

	if ((unsigned long)p % sizeof(u64))
		return !memchr_inv(p, 0, n);
	for (i = 0; i < lines; i++, w += 8)
		if (w[0] | w[1] | w[2] | w[3] | w[4] | w[5] | w[6] | w[7])
			return false;
	return !memchr_inv(w, 0, n % 64);
}

bool mx_zero_next_run(const unsigned long *zero, u32 n, u32 min, u32 *pos,
		      u32 *len, bool *is_zero)
{
	u32 i = *pos, j, k;

	if (i >= n)
		return false;
	min = max(min, 1U);
	j = i;
	while (j < n) {
		if (!test_bit(j, zero)) {
			j = find_next_bit(zero, n, j);
			continue;
		}
		k = find_next_zero_bit(zero, n, j);
		/* A whole chunk of zeros is one packet either way. */
		if (k - j >= min || (!j && k == n))
			break;
		j = k;
	}
	*pos = i;
	if (j > i) {
		*len = j - i;
		*is_zero = false;
	} else {
		*len = find_next_zero_bit(zero, n, i) - i;
		*is_zero = true;
	}
	return true;
}

bool mx_csum_next_run(const __be64 *a, const __be64 *b, u32 n, u32 *pos,
		      u32 *len)
{
	u32 i = *pos, j;

	while (i < n && a[i] == b[i])
		i++;
	if (i >= n)
		return false;
	for (j = i + 1; j < n && a[j] != b[j]; j++)
		;
	*pos = i;
	*len = j - i;
	return true;
}

static const char * const mx_comp_alg_names[] = {
	[MX_COMP_NONE]	= "none",
	[MX_COMP_LZ4]	= "lz4",
	[MX_COMP_ZSTD]	= "zstd",
};

const char *mx_comp_alg_name(u32 alg)
{
	return mx_name_of(mx_comp_alg_names, ARRAY_SIZE(mx_comp_alg_names),
			  alg);
}

int mx_comp_alg_parse(const char *s)
{
	u32 alg;

	for (alg = MX_COMP_LZ4; alg < MX_COMP_MAX; alg++)
		if (!strcasecmp(s, mx_comp_alg_names[alg]))
			return alg;
	return -EINVAL;
}

u32 mx_comp_feature(u32 alg)
{
	switch (alg) {
	case MX_COMP_LZ4:
		return MX_FEAT_COMPRESS_LZ4;
	case MX_COMP_ZSTD:
		return MX_FEAT_COMPRESS_ZSTD;
	default:
		return 0;
	}
}

u32 mx_comp_offer(u32 alg, bool have, int proto)
{
	if (alg == MX_COMP_NONE)
		return MX_COMP_ST_NONE;
	if (!have)
		return MX_COMP_ST_NO_KERNEL;
	if (proto < MX_PROTO_COMPRESS)
		return MX_COMP_ST_PEER_OLD;
	return MX_COMP_ST_ON;
}

u32 mx_comp_negotiate(u32 alg, bool have, int proto, u32 target_features)
{
	u32 st = mx_comp_offer(alg, have, proto);

	if (st == MX_COMP_ST_ON && !(target_features & mx_comp_feature(alg)))
		return MX_COMP_ST_PEER_REFUSED;
	return st;
}

static const char * const mx_comp_state_names[] = {
	[MX_COMP_ST_NONE]		= "none",
	[MX_COMP_ST_OFF]		= "off",
	[MX_COMP_ST_ON]			= "on",
	[MX_COMP_ST_NO_KERNEL]		= "refused-kernel",
	[MX_COMP_ST_PEER_OLD]		= "refused-version",
	[MX_COMP_ST_PEER_REFUSED]	= "refused-peer",
};

const char *mx_comp_state_name(u32 st)
{
	return mx_name_of(mx_comp_state_names,
			  ARRAY_SIZE(mx_comp_state_names), st);
}

/* Too long for the return line, and kept whole (grep-able). */
#define MX_COMP_WHY_PEER_REFUSED \
	"the target does not offer it (its table lacks the same compress option, or its kernel lacks the algorithm)"

const char *mx_comp_state_why(u32 st)
{
	switch (st) {
	case MX_COMP_ST_NO_KERNEL:
		return "this kernel lacks the algorithm (crypto module missing)";
	case MX_COMP_ST_PEER_OLD:
		return "the peer's module is older (protocol below 5)";
	case MX_COMP_ST_PEER_REFUSED:
		return MX_COMP_WHY_PEER_REFUSED;
	default:
		return "";
	}
}
