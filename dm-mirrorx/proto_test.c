// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for the wire codec (proto.c): every header rule, hello and
 * sync state validation, version negotiation.
 */
#include <kunit/test.h>
#include <linux/sizes.h>
#include <linux/string.h>
#include <linux/blk_types.h>
#include "proto.h"
#include "meta_format.h"

#define T_DEV_SECTORS	(SZ_1G >> SECTOR_SHIFT)	/* 1 GiB peer device */

/* Encode @h, decode it back against T_DEV_SECTORS. */
static int t_hdr(struct kunit *test, const struct mx_hdr *h,
		 struct mx_hdr *out, const char **err)
{
	struct mx_wire_hdr w;

	memset(&w, 0xee, sizeof(w));
	mx_hdr_encode(&w, h);
	*err = "(no error)";
	return mx_hdr_decode(&w, out, T_DEV_SECTORS, err);
}

static void t_hdr_ok(struct kunit *test, const struct mx_hdr *h)
{
	struct mx_hdr out;
	const char *err;

	KUNIT_EXPECT_EQ_MSG(test, t_hdr(test, h, &out, &err), 0,
			    "type %u flags %#x len %u size %u sector %llu: %s",
			    h->type, h->flags, h->length, h->size, h->sector,
			    err);
}

static void t_hdr_bad(struct kunit *test, const struct mx_hdr *h,
		      const char *why)
{
	struct mx_hdr out;
	const char *err;

	KUNIT_EXPECT_EQ_MSG(test, t_hdr(test, h, &out, &err), -EPROTO,
			    "type %u flags %#x len %u size %u sector %llu",
			    h->type, h->flags, h->length, h->size, h->sector);
	KUNIT_EXPECT_STREQ(test, err, why);
}

static void mx_proto_hdr_layout(struct kunit *test)
{
	static const u8 expect[32] = {
		0x4d, 0x58, 0x52, 0x4d,		/* magic "MXRM" */
		0x00, MX_P_DATA,		/* type */
		0x00, MX_WF_FUA,		/* flags */
		0x00, 0x00, 0x10, 0x00,		/* length 4096 */
		0x00, 0x00, 0x10, 0x00,		/* size 4096 */
		0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08,	/* seq */
		0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00,	/* sector */
	};
	struct mx_hdr h = {
		.type = MX_P_DATA, .flags = MX_WF_FUA, .length = 4096,
		.size = 4096, .seq = 0x0102030405060708ULL, .sector = 256,
	};
	struct mx_wire_hdr w;

	mx_hdr_encode(&w, &h);
	KUNIT_EXPECT_EQ(test, sizeof(w), sizeof(expect));
	KUNIT_EXPECT_EQ(test, memcmp(&w, expect, sizeof(expect)), 0);
}

static void mx_proto_hdr_round_trip(struct kunit *test)
{
	struct mx_hdr h = {
		.type = MX_P_RS_DATA, .flags = MX_WF_PREFLUSH | MX_WF_FUA,
		.length = MX_WIRE_MAX_DATA, .size = MX_WIRE_MAX_DATA,
		.seq = U64_MAX,
		.sector = T_DEV_SECTORS - (MX_WIRE_MAX_DATA >> 9),
	};
	struct mx_hdr out;
	const char *err;

	memset(&out, 0, sizeof(out));
	KUNIT_ASSERT_EQ(test, t_hdr(test, &h, &out, &err), 0);
	KUNIT_EXPECT_EQ(test, out.type, h.type);
	KUNIT_EXPECT_EQ(test, out.flags, h.flags);
	KUNIT_EXPECT_EQ(test, out.length, h.length);
	KUNIT_EXPECT_EQ(test, out.size, h.size);
	KUNIT_EXPECT_EQ(test, out.seq, h.seq);
	KUNIT_EXPECT_EQ(test, out.sector, h.sector);
}

static void mx_proto_hdr_magic(struct kunit *test)
{
	struct mx_hdr h = { .type = MX_P_PING }, out;
	struct mx_wire_hdr w;
	const char *err = "(no error)";

	mx_hdr_encode(&w, &h);
	w.magic = cpu_to_be32(MX_WIRE_MAGIC + 1);
	KUNIT_EXPECT_EQ(test, mx_hdr_decode(&w, &out, T_DEV_SECTORS, &err),
			-EPROTO);
	KUNIT_EXPECT_STREQ(test, err, "Bad packet magic");
	/* Little-endian magic is not the magic. */
	w.magic = (__force __be32)MX_WIRE_MAGIC;
	KUNIT_EXPECT_EQ(test, mx_hdr_decode(&w, &out, T_DEV_SECTORS, &err),
			-EPROTO);
}

static void mx_proto_hdr_type(struct kunit *test)
{
	struct mx_hdr h = { };

	h.type = 0;
	t_hdr_bad(test, &h, "Unknown packet type");
	h.type = MX_P_TYPE_MAX;
	t_hdr_bad(test, &h, "Unknown packet type");
	h.type = 0xffff;
	t_hdr_bad(test, &h, "Unknown packet type");
}

static void mx_proto_hdr_control(struct kunit *test)
{
	struct mx_hdr h = { };

	h.type = MX_P_HELLO;
	h.length = sizeof(struct mx_wire_hello);
	t_hdr_ok(test, &h);
	h.length--;
	t_hdr_bad(test, &h, "Bad payload length for the packet type");
	h.length += 2;
	t_hdr_bad(test, &h, "Bad payload length for the packet type");
	h.length = sizeof(struct mx_wire_hello);
	h.flags = 1;
	t_hdr_bad(test, &h, "Unexpected flags on a control packet");
	h.flags = 0;
	h.size = 512;
	t_hdr_bad(test, &h, "Unexpected size on a control packet");

	h = (struct mx_hdr){ .type = MX_P_SYNC_STATE, .length = 40 };
	t_hdr_ok(test, &h);
	h.length = 0;
	t_hdr_bad(test, &h, "Bad payload length for the packet type");

	h = (struct mx_hdr){ .type = MX_P_AUTH_CHALLENGE,
			     .length = MX_AUTH_NONCE_LEN };
	t_hdr_ok(test, &h);
	h.length = MX_AUTH_NONCE_LEN * 2;
	t_hdr_bad(test, &h, "Bad payload length for the packet type");

	h = (struct mx_hdr){ .type = MX_P_AUTH_RESPONSE,
			     .length = MX_AUTH_MAC_LEN };
	t_hdr_ok(test, &h);
	h.length = 0xffffffff;
	t_hdr_bad(test, &h, "Bad payload length for the packet type");

	h = (struct mx_hdr){ .type = MX_P_PING };
	t_hdr_ok(test, &h);
	h.type = MX_P_PING_ACK;
	t_hdr_ok(test, &h);
	h.type = MX_P_BYE;
	t_hdr_ok(test, &h);
	h.length = 1;
	t_hdr_bad(test, &h, "Bad payload length for the packet type");
}

static void mx_proto_hdr_data(struct kunit *test)
{
	struct mx_hdr h = { .type = MX_P_DATA, .length = 4096, .size = 4096 };

	t_hdr_ok(test, &h);
	h.flags = MX_WF_FUA | MX_WF_PREFLUSH;
	t_hdr_ok(test, &h);
	/* A flush's flag only. */
	h.flags = MX_WF_ACKED_ONLY;
	t_hdr_bad(test, &h, "Unknown flags on a write packet");
	h.flags = 1U << 7;
	t_hdr_bad(test, &h, "Unknown flags on a write packet");
	/* A checksummed payload carries the crc32c after the data. */
	h.flags = MX_WF_CSUM | MX_WF_FUA;
	t_hdr_bad(test, &h, "Write payload length differs from its size");
	h.length = 4096 + MX_CSUM_LEN;
	t_hdr_ok(test, &h);
	h.length = MX_WIRE_MAX_DATA + MX_CSUM_LEN;
	h.size = MX_WIRE_MAX_DATA;
	t_hdr_ok(test, &h);
	h.flags = MX_WF_CSUM | MX_WF_DISCARD;
	h.length = 0;
	t_hdr_bad(test, &h, "Payload on a discard or write-zeroes packet");
	h.flags = 0;
	h.length = 4096;
	h.size = 4096;

	/* Zero-length data. */
	h.length = 0;
	h.size = 0;
	t_hdr_bad(test, &h, "Write size not a non-zero multiple of 512");
	/* Not sector aligned. */
	h.length = 4095;
	h.size = 4095;
	t_hdr_bad(test, &h, "Write size not a non-zero multiple of 512");
	/* Payload and size disagree. */
	h.length = 4096;
	h.size = 8192;
	t_hdr_bad(test, &h, "Write payload length differs from its size");
	h.length = 0;
	h.size = 4096;
	t_hdr_bad(test, &h, "Write payload length differs from its size");
	/* Length too big. */
	h.length = MX_WIRE_MAX_DATA + 512;
	h.size = h.length;
	t_hdr_bad(test, &h, "Write payload too long");
	h.length = 0xfffffe00;
	h.size = h.length;
	t_hdr_bad(test, &h, "Write payload too long");
	h.length = MX_WIRE_MAX_DATA;
	h.size = h.length;
	t_hdr_ok(test, &h);

	h.type = MX_P_RS_DATA;
	t_hdr_ok(test, &h);
	h.length = 100;
	h.size = 100;
	t_hdr_bad(test, &h, "Write size not a non-zero multiple of 512");
}

/* A compressed payload: 1 to size - 1 bytes (plus the checksum). */
static void mx_proto_hdr_compressed(struct kunit *test)
{
	struct mx_hdr h = { .type = MX_P_DATA, .flags = MX_WF_COMPRESSED,
			    .length = 1, .size = 4096 };

	t_hdr_ok(test, &h);
	h.length = 4095;
	t_hdr_ok(test, &h);
	h.length = 4096;
	t_hdr_bad(test, &h,
		  "Compressed payload empty or not smaller than its size");
	h.length = 0;
	t_hdr_bad(test, &h,
		  "Compressed payload empty or not smaller than its size");
	h.length = 0xffffffff;
	t_hdr_bad(test, &h,
		  "Compressed payload empty or not smaller than its size");
	/* The checksum trailer is not compressed data. */
	h.flags |= MX_WF_CSUM;
	h.length = MX_CSUM_LEN;
	t_hdr_bad(test, &h,
		  "Compressed payload empty or not smaller than its size");
	h.length = 4095 + MX_CSUM_LEN;
	t_hdr_ok(test, &h);
	h.length = 4096 + MX_CSUM_LEN;
	t_hdr_bad(test, &h,
		  "Compressed payload empty or not smaller than its size");
	/* The uncompressed size keeps its bound, resync data too. */
	h.type = MX_P_RS_DATA;
	h.flags = MX_WF_COMPRESSED | MX_WF_FUA;
	h.size = MX_WIRE_MAX_DATA;
	h.length = MX_WIRE_MAX_DATA - 1;
	t_hdr_ok(test, &h);
	h.size = MX_WIRE_MAX_DATA + 512;
	h.length = 512;
	t_hdr_bad(test, &h, "Write payload too long");
	/* Nothing to compress on discards and write-zeroes. */
	h.size = 4096;
	h.length = 0;
	h.flags = MX_WF_COMPRESSED | MX_WF_WRITE_ZEROES;
	t_hdr_bad(test, &h, "Payload on a discard or write-zeroes packet");
	h.type = MX_P_DATA;
	h.flags = MX_WF_COMPRESSED | MX_WF_DISCARD;
	t_hdr_bad(test, &h, "Payload on a discard or write-zeroes packet");
	/* Nor on a flush. */
	h = (struct mx_hdr){ .type = MX_P_FLUSH, .flags = MX_WF_COMPRESSED };
	t_hdr_bad(test, &h, "Unknown flags on a flush packet");
}

/* Who compresses: the option, the kernel, the protocol, the offer. */
static void mx_proto_comp_negotiate(struct kunit *test)
{
	const u32 lz4 = MX_FEAT_COMPRESS_LZ4, zstd = MX_FEAT_COMPRESS_ZSTD;

	KUNIT_EXPECT_EQ(test, mx_comp_negotiate(MX_COMP_NONE, true,
						MX_PROTO_MAX, lz4),
			(u32)MX_COMP_ST_NONE);
	KUNIT_EXPECT_EQ(test, mx_comp_negotiate(MX_COMP_LZ4, true,
						MX_PROTO_COMPRESS, lz4),
			(u32)MX_COMP_ST_ON);
	KUNIT_EXPECT_EQ(test, mx_comp_negotiate(MX_COMP_ZSTD, true,
						MX_PROTO_COMPRESS, lz4 | zstd),
			(u32)MX_COMP_ST_ON);
	KUNIT_EXPECT_EQ(test, mx_comp_negotiate(MX_COMP_LZ4, false,
						MX_PROTO_COMPRESS, lz4),
			(u32)MX_COMP_ST_NO_KERNEL);
	KUNIT_EXPECT_EQ(test, mx_comp_negotiate(MX_COMP_LZ4, true,
						MX_PROTO_COMPRESS - 1, lz4),
			(u32)MX_COMP_ST_PEER_OLD);
	KUNIT_EXPECT_EQ(test, mx_comp_negotiate(MX_COMP_LZ4, true,
						MX_PROTO_COMPRESS, 0),
			(u32)MX_COMP_ST_PEER_REFUSED);
	/* The target offers another algorithm than ours. */
	KUNIT_EXPECT_EQ(test, mx_comp_negotiate(MX_COMP_LZ4, true,
						MX_PROTO_COMPRESS, zstd),
			(u32)MX_COMP_ST_PEER_REFUSED);
	KUNIT_EXPECT_EQ(test, mx_comp_offer(MX_COMP_LZ4, true,
					    MX_PROTO_COMPRESS),
			(u32)MX_COMP_ST_ON);
	KUNIT_EXPECT_EQ(test, mx_comp_offer(MX_COMP_LZ4, true, -EPROTO),
			(u32)MX_COMP_ST_PEER_OLD);
	KUNIT_EXPECT_EQ(test, mx_comp_offer(MX_COMP_LZ4, false,
					    MX_PROTO_COMPRESS),
			(u32)MX_COMP_ST_NO_KERNEL);
	KUNIT_EXPECT_EQ(test, mx_comp_offer(MX_COMP_NONE, true,
					    MX_PROTO_COMPRESS),
			(u32)MX_COMP_ST_NONE);
	KUNIT_EXPECT_EQ(test, mx_comp_feature(MX_COMP_LZ4), lz4);
	KUNIT_EXPECT_EQ(test, mx_comp_feature(MX_COMP_ZSTD), zstd);
	KUNIT_EXPECT_EQ(test, mx_comp_feature(MX_COMP_NONE), 0U);
	KUNIT_EXPECT_EQ(test, mx_comp_alg_parse("LZ4"), (int)MX_COMP_LZ4);
	KUNIT_EXPECT_EQ(test, mx_comp_alg_parse("zstd"), (int)MX_COMP_ZSTD);
	KUNIT_EXPECT_EQ(test, mx_comp_alg_parse("none"), -EINVAL);
	KUNIT_EXPECT_EQ(test, mx_comp_alg_parse(""), -EINVAL);
	KUNIT_EXPECT_STREQ(test, mx_comp_alg_name(MX_COMP_LZ4), "lz4");
	KUNIT_EXPECT_STREQ(test, mx_comp_alg_name(99), "unknown");
	KUNIT_EXPECT_STREQ(test, mx_comp_state_name(MX_COMP_ST_PEER_REFUSED),
			   "refused-peer");
	KUNIT_EXPECT_STREQ(test, mx_comp_state_name(MX_COMP_ST_MAX),
			   "unknown");
	KUNIT_EXPECT_STREQ(test, mx_comp_state_why(MX_COMP_ST_ON), "");
}

static void mx_proto_hdr_range(struct kunit *test)
{
	struct mx_hdr h = { .type = MX_P_DATA, .length = 4096, .size = 4096 };

	h.sector = T_DEV_SECTORS - 8;
	t_hdr_ok(test, &h);		/* last 4 KiB of the device */
	h.sector = T_DEV_SECTORS - 7;
	t_hdr_bad(test, &h, "I/O beyond the end of the device");
	h.sector = T_DEV_SECTORS;
	t_hdr_bad(test, &h, "I/O beyond the end of the device");
	h.sector = T_DEV_SECTORS + 1;
	t_hdr_bad(test, &h, "I/O beyond the end of the device");
	/* sector + size would wrap around to a small number. */
	h.sector = U64_MAX - 3;
	t_hdr_bad(test, &h, "I/O beyond the end of the device");
	h.sector = U64_MAX;
	t_hdr_bad(test, &h, "I/O beyond the end of the device");
	h.sector = 0;
	t_hdr_ok(test, &h);

	/* Discards bigger than any payload, still bounded by the device. */
	h = (struct mx_hdr){ .type = MX_P_DATA, .flags = MX_WF_DISCARD,
			     .size = 0xfffffe00, .sector = 0 };
	t_hdr_bad(test, &h, "I/O beyond the end of the device");
	h.size = 1U << 30;
	t_hdr_ok(test, &h);		/* exactly the whole device */
	h.sector = 1;
	t_hdr_bad(test, &h, "I/O beyond the end of the device");
}

static void mx_proto_hdr_discard(struct kunit *test)
{
	struct mx_hdr h = { .type = MX_P_DATA, .flags = MX_WF_DISCARD,
			    .size = 1 << 20 };

	t_hdr_ok(test, &h);
	h.flags = MX_WF_WRITE_ZEROES;
	t_hdr_ok(test, &h);
	h.type = MX_P_RS_DATA;
	t_hdr_ok(test, &h);
	/* The block layer takes FUA and flush on writes only. */
	h.flags = MX_WF_WRITE_ZEROES | MX_WF_FUA;
	t_hdr_bad(test, &h, "FUA or flush on a discard or write-zeroes packet");
	h.type = MX_P_DATA;
	t_hdr_bad(test, &h, "FUA or flush on a discard or write-zeroes packet");
	h.flags = MX_WF_DISCARD | MX_WF_PREFLUSH;
	t_hdr_bad(test, &h, "FUA or flush on a discard or write-zeroes packet");
	h.flags = MX_WF_DISCARD | MX_WF_WRITE_ZEROES;
	t_hdr_bad(test, &h, "Write packet is both discard and write-zeroes");
	h.flags = MX_WF_DISCARD;
	h.length = 512;
	h.size = 512;
	t_hdr_bad(test, &h, "Payload on a discard or write-zeroes packet");
	h.length = 0;
	h.size = 0;
	t_hdr_bad(test, &h, "Write size not a non-zero multiple of 512");
	h.size = 1000;
	t_hdr_bad(test, &h, "Write size not a non-zero multiple of 512");
}

/*
 * A source sends a zero range larger than a data chunk only to a target
 * that speaks MX_PROTO_ZERO_RUN: an older one drops the connection on it.
 */
static void mx_proto_zero_max_by_version(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, mx_proto_zero_max(MX_PROTO_MIN),
			(u32)MX_WIRE_MAX_DATA);
	KUNIT_EXPECT_EQ(test, mx_proto_zero_max(MX_PROTO_ZERO_RUN - 1),
			(u32)MX_WIRE_MAX_DATA);
	KUNIT_EXPECT_EQ(test, mx_proto_zero_max(MX_PROTO_ZERO_RUN),
			(u32)MX_WIRE_MAX_ZEROES);
	KUNIT_EXPECT_EQ(test, mx_proto_zero_max(MX_PROTO_MAX),
			(u32)MX_WIRE_MAX_ZEROES);
	/* Whole chunks of the resync's reads. */
	KUNIT_EXPECT_EQ(test, MX_WIRE_MAX_ZEROES % MX_WIRE_MAX_DATA, 0);
}

/*
 * A resync's zero range: write-zeroes only, up to MX_WIRE_MAX_ZEROES (a
 * run of chunks that read as zeros, protocol 7), the end of the device
 * included.
 */
static void mx_proto_hdr_rs_zeroes(struct kunit *test)
{
	struct mx_hdr h = { .type = MX_P_RS_DATA, .flags = MX_WF_WRITE_ZEROES,
			    .size = MX_WIRE_MAX_DATA };

	t_hdr_ok(test, &h);
	h.size = 4096;
	t_hdr_ok(test, &h);
	h.size = MX_WIRE_MAX_DATA + 512;
	t_hdr_ok(test, &h);
	h.size = MX_WIRE_MAX_ZEROES;
	t_hdr_ok(test, &h);
	h.sector = T_DEV_SECTORS - (MX_WIRE_MAX_ZEROES >> SECTOR_SHIFT);
	t_hdr_ok(test, &h);
	h.sector++;
	t_hdr_bad(test, &h, "I/O beyond the end of the device");
	h.sector = 0;
	h.size = MX_WIRE_MAX_ZEROES + 512;
	t_hdr_bad(test, &h, "Resync write-zeroes too long");
	h.size = 4096;
	h.flags = MX_WF_DISCARD;
	t_hdr_bad(test, &h, "Discard on a resync packet");
	h.flags = MX_WF_WRITE_ZEROES | MX_WF_CSUM;
	t_hdr_bad(test, &h, "Payload on a discard or write-zeroes packet");
	/* A replicated write-zeroes keeps the size of its bio. */
	h = (struct mx_hdr){ .type = MX_P_DATA, .flags = MX_WF_WRITE_ZEROES,
			     .size = MX_WIRE_MAX_DATA * 4 };
	t_hdr_ok(test, &h);
}

static void mx_proto_hdr_bitmap(struct kunit *test)
{
	struct mx_hdr h = { .type = MX_P_BITMAP, .length = 8, .sector = 99 };

	t_hdr_ok(test, &h);
	h.length = MX_WIRE_BITMAP_MAX;
	t_hdr_ok(test, &h);
	h.length = MX_WIRE_BITMAP_MAX + 8;
	t_hdr_bad(test, &h, "Bad bitmap payload length");
	h.length = 12;
	t_hdr_bad(test, &h, "Bad bitmap payload length");
	h.length = 0;
	t_hdr_ok(test, &h);
	h.flags = MX_BM_LAST;
	t_hdr_ok(test, &h);
	h.flags = 2;
	t_hdr_bad(test, &h, "Unknown flags on a bitmap packet");
	h.flags = MX_BM_LAST;
	h.size = 8;
	t_hdr_bad(test, &h, "Unexpected size on a bitmap packet");
}

static void mx_proto_hdr_flush_ack(struct kunit *test)
{
	struct mx_hdr h = { .type = MX_P_FLUSH, .flags = MX_WF_PREFLUSH };

	t_hdr_ok(test, &h);
	h.flags = MX_WF_PREFLUSH | MX_WF_FUA;
	t_hdr_ok(test, &h);
	/* The sweep's flush, not a barrier (MX_PROTO_ACKED_FLUSH). */
	h.flags = MX_WF_ACKED_ONLY;
	t_hdr_ok(test, &h);
	h.flags = MX_WF_DISCARD;
	t_hdr_bad(test, &h, "Unknown flags on a flush packet");
	h.flags = MX_WF_ACKED_ONLY | BIT(7);
	t_hdr_bad(test, &h, "Unknown flags on a flush packet");
	h.flags = 0;
	h.length = 512;
	t_hdr_bad(test, &h, "Payload or size on a flush packet");
	h.length = 0;
	h.size = 512;
	t_hdr_bad(test, &h, "Payload or size on a flush packet");

	h = (struct mx_hdr){ .type = MX_P_ACK, .flags = MX_ACK_EOPNOTSUPP,
			     .size = 4096, .sector = U64_MAX, .seq = 5 };
	t_hdr_ok(test, &h);		/* an ack may echo size and sector */
	h.flags = MX_ACK_EOPNOTSUPP + 1;
	t_hdr_bad(test, &h, "Unknown ack status");
	h.flags = MX_ACK_OK;
	h.length = 4;
	t_hdr_bad(test, &h, "Payload on an ack");
}

static void mx_proto_hdr_verify(struct kunit *test)
{
	struct mx_hdr h = { .type = MX_P_VERIFY_REQ, .size = 1 << 20,
			    .sector = 2048 };

	t_hdr_ok(test, &h);
	h.size = (1 << 20) + 512;
	t_hdr_bad(test, &h, "Bad verify request size");
	h.size = 0;
	t_hdr_bad(test, &h, "Bad verify request size");
	h.size = 511;
	t_hdr_bad(test, &h, "Bad verify request size");
	h.size = 4096;
	h.length = 4096;
	t_hdr_bad(test, &h, "Flags or payload on a verify request");
	h.length = 0;
	h.sector = T_DEV_SECTORS - 1;
	t_hdr_bad(test, &h, "I/O beyond the end of the device");

	h = (struct mx_hdr){ .type = MX_P_VERIFY_REPLY,
			     .length = MX_VERIFY_REPLY_LEN, .flags = MX_ACK_EIO };
	t_hdr_ok(test, &h);
	h.length = 0;
	t_hdr_bad(test, &h, "Bad payload length for the packet type");
	h.length = MX_VERIFY_REPLY_LEN;
	h.flags = 9;
	t_hdr_bad(test, &h, "Unknown verify reply status");
}

static void mx_proto_hdr_csum_req(struct kunit *test)
{
	struct mx_hdr h = { .type = MX_P_CSUM_REQ, .size = 1 << 20,
			    .sector = 2048 };

	t_hdr_ok(test, &h);
	/* The device's tail: a short last block, 4 KiB aligned start. */
	h.size = 4096 + 512;
	t_hdr_ok(test, &h);
	h.size = 512;
	t_hdr_ok(test, &h);
	h.sector = T_DEV_SECTORS - 8;
	h.size = 4096;
	t_hdr_ok(test, &h);
	h.size = 4096 + 512;
	t_hdr_bad(test, &h, "I/O beyond the end of the device");
	h.sector = 2048 + 1;
	h.size = 4096;
	t_hdr_bad(test, &h, "Checksum request not 4 KiB aligned");
	h.sector = 2048 + 4;
	t_hdr_bad(test, &h, "Checksum request not 4 KiB aligned");
	h.sector = 2048;
	h.size = (1 << 20) + 4096;
	t_hdr_bad(test, &h, "Bad checksum request size");
	h.size = 0;
	t_hdr_bad(test, &h, "Bad checksum request size");
	h.size = 4096 + 511;
	t_hdr_bad(test, &h, "Bad checksum request size");
	h.size = 4096;
	h.length = 4096;
	t_hdr_bad(test, &h, "Flags or payload on a checksum request");
	h.length = 0;
	h.flags = MX_WF_FUA;
	t_hdr_bad(test, &h, "Flags or payload on a checksum request");
}

static void mx_proto_hdr_csum_reply(struct kunit *test)
{
	/* Whole hashes, at most one per 4 KiB of the largest request. */
	static const struct {
		u32 length;
		bool ok;
	} lens[] = {
		{ 8, true }, { 16, true }, { MX_CSUM_REPLY_MAX, true },
		{ 0, false }, { 4, false }, { 12, false },
		{ MX_CSUM_REPLY_MAX + 8, false }, { MX_WIRE_MAX_DATA, false },
	};
	struct mx_hdr h = { .type = MX_P_CSUM_REPLY, .flags = MX_ACK_EIO,
			    .size = 12345, .sector = ~0ULL };
	u32 i;

	for (i = 0; i < ARRAY_SIZE(lens); i++) {
		h.length = lens[i].length;
		if (lens[i].ok)
			t_hdr_ok(test, &h);
		else
			t_hdr_bad(test, &h, "Bad checksum reply length");
	}
	h.length = 8;
	h.flags = MX_ACK_EOPNOTSUPP + 1;
	t_hdr_bad(test, &h, "Unknown checksum reply status");
}

static void mx_proto_csum_lengths(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, mx_csum_nr_blocks(4096), 1U);
	KUNIT_EXPECT_EQ(test, mx_csum_reply_len(4096), 8U);
	KUNIT_EXPECT_EQ(test, mx_csum_reply_len(65536), 16U * 8);
	KUNIT_EXPECT_EQ(test, mx_csum_reply_len(MX_WIRE_MAX_DATA),
			(u32)MX_CSUM_REPLY_MAX);
	/* A short tail block still gets its own hash. */
	KUNIT_EXPECT_EQ(test, mx_csum_nr_blocks(512), 1U);
	KUNIT_EXPECT_EQ(test, mx_csum_reply_len(4096 + 512), 16U);
	KUNIT_EXPECT_EQ(test, mx_csum_reply_len(3 * 4096 - 512), 24U);
}

static void mx_proto_csum_runs(struct kunit *test)
{
	static const __be64 a[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	__be64 b[8];
	u32 pos = 0, len = 0;

	memcpy(b, a, sizeof(b));
	KUNIT_EXPECT_FALSE(test, mx_csum_next_run(a, b, 8, &pos, &len));
	KUNIT_EXPECT_FALSE(test, mx_csum_next_run(a, b, 0, &pos, &len));

	b[0] = 0;
	b[2] = 0;
	b[3] = 0;
	b[7] = 0;
	KUNIT_ASSERT_TRUE(test, mx_csum_next_run(a, b, 8, &pos, &len));
	KUNIT_EXPECT_EQ(test, pos, 0U);
	KUNIT_EXPECT_EQ(test, len, 1U);
	pos += len;
	KUNIT_ASSERT_TRUE(test, mx_csum_next_run(a, b, 8, &pos, &len));
	KUNIT_EXPECT_EQ(test, pos, 2U);
	KUNIT_EXPECT_EQ(test, len, 2U);
	pos += len;
	KUNIT_ASSERT_TRUE(test, mx_csum_next_run(a, b, 8, &pos, &len));
	KUNIT_EXPECT_EQ(test, pos, 7U);
	KUNIT_EXPECT_EQ(test, len, 1U);
	pos += len;
	KUNIT_EXPECT_FALSE(test, mx_csum_next_run(a, b, 8, &pos, &len));

	/* Everything differs: one run of all of them. */
	memset(b, 0, sizeof(b));
	pos = 0;
	KUNIT_ASSERT_TRUE(test, mx_csum_next_run(a, b, 8, &pos, &len));
	KUNIT_EXPECT_EQ(test, pos, 0U);
	KUNIT_EXPECT_EQ(test, len, 8U);
}

/*
 * mx_mem_is_zero() at aligned and unaligned starts, over lengths around
 * its 64-byte lines: true for zeros, whatever lies just outside the
 * range; false for a single non-zero byte anywhere inside it.
 */
static void mx_proto_mem_is_zero(struct kunit *test)
{
	static const u32 offs[] = { 0, 8, 1, 5 };
	static const u32 lens[] = { 0, 1, 7, 8, 63, 64, 65, 127, 512, 4095,
				    4096 };
	u8 *buf = kunit_kzalloc(test, 4096 + 64, GFP_KERNEL);
	u32 o, l, i;

	KUNIT_ASSERT_NOT_NULL(test, buf);
	for (o = 0; o < ARRAY_SIZE(offs); o++) {
		for (l = 0; l < ARRAY_SIZE(lens); l++) {
			u8 *p = buf + 16 + offs[o];
			u32 n = lens[l];

			p[-1] = 0xff;
			p[n] = 0x01;
			KUNIT_EXPECT_TRUE_MSG(test, mx_mem_is_zero(p, n),
					      "zeros, offset %u, %u bytes",
					      offs[o], n);
			p[-1] = 0;
			p[n] = 0;
			for (i = 0; i < n; i++) {
				p[i] = i % 2 ? 0x80 : 0x01;
				KUNIT_EXPECT_FALSE_MSG(test,
						       mx_mem_is_zero(p, n),
						       "byte %u of %u set, offset %u",
						       i, n, offs[o]);
				p[i] = 0;
			}
		}
	}
}

/* Expected runs: first block, length, zero (1) or data (0). */
struct t_zero_want {
	u32 pos, len, zero;
};

/* mx_zero_next_run() over blocks 0..@n - 1 gives exactly @want. */
static void t_zero_runs(struct kunit *test, const unsigned long *zero, u32 n,
			u32 min, const struct t_zero_want *want, u32 nr)
{
	u32 pos = 0, len = 0, i;
	bool is_zero;

	for (i = 0; i < nr; i++) {
		KUNIT_ASSERT_TRUE(test, mx_zero_next_run(zero, n, min, &pos,
							 &len, &is_zero));
		KUNIT_EXPECT_EQ(test, pos, want[i].pos);
		KUNIT_EXPECT_EQ(test, len, want[i].len);
		KUNIT_EXPECT_EQ(test, is_zero, !!want[i].zero);
		pos += len;
	}
	KUNIT_EXPECT_FALSE(test, mx_zero_next_run(zero, n, min, &pos, &len,
						  &is_zero));
}

static void mx_proto_zero_runs(struct kunit *test)
{
	static const struct t_zero_want none[] = { { 0, 256, 0 } };
	static const struct t_zero_want all[] = { { 0, 256, 1 } };
	static const struct t_zero_want short_all[] = { { 0, 4, 1 } };
	/* Zero runs of at least 4 blocks only, the rest with the data. */
	static const struct t_zero_want min4[] = {
		{ 0, 5, 0 }, { 5, 4, 1 }, { 9, 7, 0 },
	};
	/* At minimum 1 every zero block goes as zeroes. */
	static const struct t_zero_want min1[] = {
		{ 0, 2, 1 }, { 2, 3, 0 }, { 5, 4, 1 }, { 9, 1, 0 },
		{ 10, 3, 1 }, { 13, 1, 0 }, { 14, 2, 1 },
	};
	/* A zero run is cut at @n, bits past it are not looked at. */
	static const struct t_zero_want cut[] = {
		{ 0, 2, 1 }, { 2, 3, 0 }, { 5, 2, 1 },
	};
	DECLARE_BITMAP(zero, 256);
	bool is_zero;
	u32 pos = 0, len;

	bitmap_zero(zero, 256);
	t_zero_runs(test, zero, 256, 4, none, ARRAY_SIZE(none));
	KUNIT_EXPECT_FALSE(test, mx_zero_next_run(zero, 0, 4, &pos, &len,
						  &is_zero));
	bitmap_fill(zero, 256);
	t_zero_runs(test, zero, 256, 8, all, ARRAY_SIZE(all));
	t_zero_runs(test, zero, 256, 0, all, ARRAY_SIZE(all));
	/* A chunk all zero is one zero run, even shorter than @min. */
	t_zero_runs(test, zero, 4, 8, short_all, ARRAY_SIZE(short_all));

	/* Zero blocks 0-1, 5-8, 10-12, 14-15 of 16. */
	bitmap_zero(zero, 256);
	bitmap_set(zero, 0, 2);
	bitmap_set(zero, 5, 4);
	bitmap_set(zero, 10, 3);
	bitmap_set(zero, 14, 2);
	t_zero_runs(test, zero, 16, 4, min4, ARRAY_SIZE(min4));
	t_zero_runs(test, zero, 16, 1, min1, ARRAY_SIZE(min1));
	t_zero_runs(test, zero, 7, 2, cut, ARRAY_SIZE(cut));
}

static void t_hello_fill(struct mx_hello *h)
{
	int i;

	memset(h, 0, sizeof(*h));
	h->proto_min = MX_PROTO_MIN;
	h->proto_max = MX_PROTO_MAX;
	h->features = MX_FEAT_AUTH;
	h->role = MX_ROLE_SOURCE;
	h->node_id = 0;
	h->peer_node_id = 3;
	h->region_sectors = 128;
	h->flags = MX_HELLO_FRESH;
	h->data_sectors = T_DEV_SECTORS;
	for (i = 0; i < MX_UUID_LEN; i++)
		h->uuid[i] = i * 17;
	h->current_gen = 0xdeadbeefcafef00dULL;
	h->bitmap_gen = 42;
	for (i = 0; i < MX_HISTORY_GENS; i++)
		h->history[i] = 100 + i;
	h->dirty_regions = 12345;
	h->logical_block_size = 4096;
}

static int t_hello(const struct mx_hello *h, struct mx_hello *out,
		   const char **err)
{
	struct mx_wire_hello w;

	mx_hello_encode(&w, h);
	*err = "(no error)";
	return mx_hello_decode(&w, out, err);
}

static void mx_proto_hello_round_trip(struct kunit *test)
{
	struct mx_wire_hello w;
	struct mx_hello h, out;
	const char *err;

	t_hello_fill(&h);
	memset(&out, 0x77, sizeof(out));
	KUNIT_ASSERT_EQ(test, t_hello(&h, &out, &err), 0);
	KUNIT_EXPECT_EQ(test, memcmp(&h, &out, sizeof(h)), 0);

	/* Big-endian on the wire. */
	mx_hello_encode(&w, &h);
	KUNIT_EXPECT_EQ(test, ((u8 *)&w.current_gen)[0], 0xde);
	KUNIT_EXPECT_EQ(test, ((u8 *)&w.peer_node_id)[3], 3);
}

static void t_hello_bad(struct kunit *test, const struct mx_hello *h,
			const char *why)
{
	struct mx_hello out;
	const char *err;

	KUNIT_EXPECT_EQ(test, t_hello(h, &out, &err), -EPROTO);
	KUNIT_EXPECT_STREQ(test, err, why);
}

static void mx_proto_hello_rejects(struct kunit *test)
{
	struct mx_hello h;

	t_hello_fill(&h);
	h.proto_min = 2;
	h.proto_max = 1;
	t_hello_bad(test, &h, "Bad protocol version range in hello");
	h.proto_min = 0;
	h.proto_max = 0;
	t_hello_bad(test, &h, "Bad protocol version range in hello");

	t_hello_fill(&h);
	h.role = 0;
	t_hello_bad(test, &h, "Unknown role in hello");
	h.role = 3;
	t_hello_bad(test, &h, "Unknown role in hello");

	t_hello_fill(&h);
	h.node_id = MX_MAX_NODES;
	t_hello_bad(test, &h, "Node id out of range in hello");
	t_hello_fill(&h);
	h.peer_node_id = MX_NODE_UNSET;
	t_hello_bad(test, &h, "Node id out of range in hello");
	t_hello_fill(&h);
	h.peer_node_id = h.node_id;
	t_hello_bad(test, &h, "Hello names the same node at both ends");

	t_hello_fill(&h);
	h.region_sectors = 96;
	t_hello_bad(test, &h, "Invalid region size in hello");
	h.region_sectors = 4;
	t_hello_bad(test, &h, "Invalid region size in hello");
	h.region_sectors = MX_MAX_REGION_SECTORS << 1;
	t_hello_bad(test, &h, "Invalid region size in hello");
	h.region_sectors = 0;
	t_hello_bad(test, &h, "Invalid region size in hello");

	t_hello_fill(&h);
	h.features = MX_FEAT_ALL + 1;
	t_hello_bad(test, &h, "Unknown feature bits in hello");
	t_hello_fill(&h);
	h.flags = 2;
	t_hello_bad(test, &h, "Unknown flags in hello");
	t_hello_fill(&h);
	h.data_sectors = 0;
	t_hello_bad(test, &h, "Zero data size in hello");

	t_hello_fill(&h);
	h.logical_block_size = 0;
	t_hello_bad(test, &h, "Invalid logical block size in hello");
	h.logical_block_size = 256;
	t_hello_bad(test, &h, "Invalid logical block size in hello");
	h.logical_block_size = 3072;
	t_hello_bad(test, &h, "Invalid logical block size in hello");
	h.logical_block_size = 131072;
	t_hello_bad(test, &h, "Invalid logical block size in hello");
}

/* A target takes a source's writes only if its blocks are no larger. */
static void mx_proto_lbs(struct kunit *test)
{
	struct mx_hdr h = { .type = MX_P_DATA, .sector = 8, .size = 4096 };

	KUNIT_EXPECT_TRUE(test, mx_lbs_compatible(512, 512));
	KUNIT_EXPECT_TRUE(test, mx_lbs_compatible(4096, 512));
	KUNIT_EXPECT_TRUE(test, mx_lbs_compatible(4096, 4096));
	KUNIT_EXPECT_FALSE(test, mx_lbs_compatible(512, 4096));

	KUNIT_EXPECT_TRUE(test, mx_hdr_lbs_aligned(&h, 512));
	KUNIT_EXPECT_TRUE(test, mx_hdr_lbs_aligned(&h, 4096));
	h.sector = 9;
	KUNIT_EXPECT_TRUE(test, mx_hdr_lbs_aligned(&h, 512));
	KUNIT_EXPECT_FALSE(test, mx_hdr_lbs_aligned(&h, 4096));
	h.sector = 8;
	h.size = 4096 + 512;
	KUNIT_EXPECT_FALSE(test, mx_hdr_lbs_aligned(&h, 4096));
	/* Only the low bits of a sector matter, however high it is. */
	h.sector = (1ULL << 55) + 1;
	h.size = 4096;
	KUNIT_EXPECT_FALSE(test, mx_hdr_lbs_aligned(&h, 4096));
}

static void mx_proto_test_negotiate(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, mx_proto_negotiate(1, 1, 1, 1), 1);
	KUNIT_EXPECT_EQ(test, mx_proto_negotiate(1, 3, 2, 5), 3);
	KUNIT_EXPECT_EQ(test, mx_proto_negotiate(2, 5, 1, 3), 3);
	KUNIT_EXPECT_EQ(test, mx_proto_negotiate(1, 9, 4, 4), 4);
	KUNIT_EXPECT_EQ(test, mx_proto_negotiate(1, 2, 3, 4), -EPROTO);
	KUNIT_EXPECT_EQ(test, mx_proto_negotiate(3, 4, 1, 2), -EPROTO);
	KUNIT_EXPECT_EQ(test, mx_proto_negotiate(0, 0, 0, 0), -EPROTO);
	KUNIT_EXPECT_EQ(test, mx_proto_negotiate(3, 1, 1, 3), -EPROTO);
	KUNIT_EXPECT_EQ(test, mx_proto_negotiate(1, U32_MAX, 1, U32_MAX),
			-EPROTO);
	/* Checksum resync only when both speak it; an old peer still fits. */
	KUNIT_EXPECT_EQ(test, mx_proto_negotiate(MX_PROTO_MIN, MX_PROTO_MAX,
						 2, 2), 2);
	KUNIT_EXPECT_EQ(test, mx_proto_negotiate(MX_PROTO_MIN, MX_PROTO_MAX,
						 2, 3), MX_PROTO_CSUM);
	/* Zero-aware resync only with a peer that writes resync zeroes. */
	KUNIT_EXPECT_EQ(test, mx_proto_negotiate(MX_PROTO_MIN, MX_PROTO_MAX,
						 2, 4), MX_PROTO_ZERO);
	KUNIT_EXPECT_LT(test, mx_proto_negotiate(MX_PROTO_MIN, MX_PROTO_MAX,
						 2, 3), MX_PROTO_ZERO);
}

static void mx_proto_sync_state(struct kunit *test)
{
	struct mx_sync_state s = {
		.state = MX_SS_RESYNC_DONE, .gen = 77,
		.uuid = { 1, 2, 3 }, .resync_regions = 1ULL << 40,
	};
	struct mx_wire_sync_state w;
	struct mx_sync_state out;
	const char *err = "(no error)";
	u32 st;

	mx_sync_state_encode(&w, &s);
	KUNIT_ASSERT_EQ(test, mx_sync_state_decode(&w, &out, &err), 0);
	KUNIT_EXPECT_EQ(test, memcmp(&s, &out, sizeof(s)), 0);

	s = (struct mx_sync_state){ .state = MX_SS_REFUSED,
				    .reason = MX_REFUSE_SPLIT_BRAIN };
	mx_sync_state_encode(&w, &s);
	KUNIT_EXPECT_EQ(test, mx_sync_state_decode(&w, &out, &err), 0);
	KUNIT_EXPECT_EQ(test, out.reason, (u32)MX_REFUSE_SPLIT_BRAIN);

	s.reason = MX_REFUSE_NONE;
	mx_sync_state_encode(&w, &s);
	KUNIT_EXPECT_EQ(test, mx_sync_state_decode(&w, &out, &err), -EPROTO);
	KUNIT_EXPECT_STREQ(test, err, "Bad refuse reason in sync state");
	s.reason = MX_REFUSE_MAX + 1;
	mx_sync_state_encode(&w, &s);
	KUNIT_EXPECT_EQ(test, mx_sync_state_decode(&w, &out, &err), -EPROTO);

	s = (struct mx_sync_state){ .state = MX_SS_RESYNC, .gen = 5,
				    .uuid = { 9 }, .reason = MX_REFUSE_UUID };
	mx_sync_state_encode(&w, &s);
	KUNIT_EXPECT_EQ(test, mx_sync_state_decode(&w, &out, &err), -EPROTO);
	KUNIT_EXPECT_STREQ(test, err,
			   "Refuse reason on a non-refusal sync state");
	s.reason = MX_REFUSE_NONE;
	mx_sync_state_encode(&w, &s);
	KUNIT_EXPECT_EQ(test, mx_sync_state_decode(&w, &out, &err), 0);

	/* Every state the target adopts needs a generation and a UUID. */
	for (st = MX_SS_IN_SYNC; st <= MX_SS_RESYNC_DONE; st++) {
		s = (struct mx_sync_state){ .state = st, .gen = 0,
					    .uuid = { 9 } };
		mx_sync_state_encode(&w, &s);
		KUNIT_EXPECT_EQ(test, mx_sync_state_decode(&w, &out, &err),
				-EPROTO);
		KUNIT_EXPECT_STREQ(test, err, "Sync state adopts generation 0");
		s.gen = 5;
		memset(s.uuid, 0, MX_UUID_LEN);
		mx_sync_state_encode(&w, &s);
		KUNIT_EXPECT_EQ(test, mx_sync_state_decode(&w, &out, &err),
				-EPROTO);
		KUNIT_EXPECT_STREQ(test, err,
				   "Sync state adopts an all-zero mirror UUID");
		s.uuid[15] = 1;
		mx_sync_state_encode(&w, &s);
		KUNIT_EXPECT_EQ(test, mx_sync_state_decode(&w, &out, &err), 0);
	}

	s.state = 0;
	mx_sync_state_encode(&w, &s);
	KUNIT_EXPECT_EQ(test, mx_sync_state_decode(&w, &out, &err), -EPROTO);
	KUNIT_EXPECT_STREQ(test, err, "Unknown sync state");
	s.state = MX_SS_REFUSED + 1;
	mx_sync_state_encode(&w, &s);
	KUNIT_EXPECT_EQ(test, mx_sync_state_decode(&w, &out, &err), -EPROTO);
}

static void mx_proto_refuse_names(struct kunit *test)
{
	KUNIT_EXPECT_STREQ(test, mx_refuse_reason_name(MX_REFUSE_SPLIT_BRAIN),
			   "split_brain");
	KUNIT_EXPECT_STREQ(test, mx_refuse_reason_name(MX_REFUSE_NONE), "none");
	KUNIT_EXPECT_STREQ(test, mx_refuse_reason_name(MX_REFUSE_ROLE),
			   "role_conflict");
	KUNIT_EXPECT_STREQ(test, mx_refuse_reason_name(MX_REFUSE_BLOCK_SIZE),
			   "block_size_mismatch");
	KUNIT_EXPECT_STREQ(test, mx_refuse_reason_name(MX_REFUSE_MAX + 1),
			   "unknown");
	KUNIT_EXPECT_STREQ(test, mx_refuse_reason_name(U32_MAX), "unknown");
}

static void mx_proto_ack_errno(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, mx_ack_errno(MX_ACK_OK), 0);
	KUNIT_EXPECT_EQ(test, mx_ack_errno(MX_ACK_EIO), -EIO);
	KUNIT_EXPECT_EQ(test, mx_ack_errno(MX_ACK_ENOSPC), -ENOSPC);
	KUNIT_EXPECT_EQ(test, mx_ack_errno(MX_ACK_EOPNOTSUPP), -EOPNOTSUPP);
	KUNIT_EXPECT_EQ(test, mx_ack_errno(MX_ACK_EOPNOTSUPP + 1), -EIO);
}

static void mx_proto_ack_write_failure(struct kunit *test)
{
	static const struct {
		u16 type;
		u32 size;
		u8 status;
		bool failure;
	} cases[] = {
		{ MX_P_DATA, 4096, MX_ACK_EIO, true },
		{ MX_P_RS_DATA, 65536, MX_ACK_ENOSPC, true },
		{ MX_P_DATA, 4096, MX_ACK_OK, false },
		/* A discard the target's device does not support. */
		{ MX_P_DATA, 1 << 20, MX_ACK_EOPNOTSUPP, false },
		{ MX_P_FLUSH, 0, MX_ACK_EIO, true },
		{ MX_P_FLUSH, 0, MX_ACK_OK, false },
		{ MX_P_SYNC_STATE, 0, MX_ACK_EIO, false },
		{ MX_P_DATA, 0, MX_ACK_EIO, false },
	};
	int i;

	for (i = 0; i < ARRAY_SIZE(cases); i++)
		KUNIT_EXPECT_EQ_MSG(test, mx_ack_is_write_failure(cases[i].type,
								  cases[i].size,
								  cases[i].status),
				    cases[i].failure, "case %d", i);
}

/* The time a receive that began gets: one second per 16 KiB, rounded up. */
static void mx_proto_recv_rate(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, mx_recv_rate_secs(0), 0U);
	KUNIT_EXPECT_EQ(test, mx_recv_rate_secs(1), 1U);
	KUNIT_EXPECT_EQ(test, mx_recv_rate_secs(32), 1U);
	KUNIT_EXPECT_EQ(test, mx_recv_rate_secs(16384), 1U);
	KUNIT_EXPECT_EQ(test, mx_recv_rate_secs(16385), 2U);
	KUNIT_EXPECT_EQ(test, mx_recv_rate_secs(MX_WIRE_MAX_DATA), 64U);
	/* The largest length a header may announce (32 bits). */
	KUNIT_EXPECT_EQ(test, mx_recv_rate_secs(U32_MAX), 262144U);
}

/* Which packets the source waits an answer for, and which answer. */
static void mx_proto_answer_type(struct kunit *test)
{
	u16 t;

	KUNIT_EXPECT_EQ(test, mx_answer_type(MX_P_DATA), MX_P_ACK);
	KUNIT_EXPECT_EQ(test, mx_answer_type(MX_P_RS_DATA), MX_P_ACK);
	KUNIT_EXPECT_EQ(test, mx_answer_type(MX_P_FLUSH), MX_P_ACK);
	KUNIT_EXPECT_EQ(test, mx_answer_type(MX_P_SYNC_STATE), MX_P_ACK);
	KUNIT_EXPECT_EQ(test, mx_answer_type(MX_P_CSUM_REQ), MX_P_CSUM_REPLY);
	KUNIT_EXPECT_EQ(test, mx_answer_type(MX_P_VERIFY_REQ),
			MX_P_VERIFY_REPLY);
	/* Answers, pings (answered by a PING_ACK, not tracked) and the rest. */
	for (t = 0; t < MX_P_TYPE_MAX + 2; t++) {
		if (t == MX_P_DATA || t == MX_P_RS_DATA || t == MX_P_FLUSH ||
		    t == MX_P_SYNC_STATE || t == MX_P_CSUM_REQ ||
		    t == MX_P_VERIFY_REQ)
			continue;
		KUNIT_EXPECT_EQ_MSG(test, mx_answer_type(t), 0, "type %u", t);
	}
}

static struct kunit_case mx_proto_cases[] = {
	KUNIT_CASE(mx_proto_answer_type),
	KUNIT_CASE(mx_proto_recv_rate),
	KUNIT_CASE(mx_proto_hdr_layout),
	KUNIT_CASE(mx_proto_hdr_round_trip),
	KUNIT_CASE(mx_proto_hdr_magic),
	KUNIT_CASE(mx_proto_hdr_type),
	KUNIT_CASE(mx_proto_hdr_control),
	KUNIT_CASE(mx_proto_hdr_data),
	KUNIT_CASE(mx_proto_hdr_compressed),
	KUNIT_CASE(mx_proto_comp_negotiate),
	KUNIT_CASE(mx_proto_hdr_range),
	KUNIT_CASE(mx_proto_hdr_discard),
	KUNIT_CASE(mx_proto_hdr_rs_zeroes),
	KUNIT_CASE(mx_proto_zero_max_by_version),
	KUNIT_CASE(mx_proto_hdr_bitmap),
	KUNIT_CASE(mx_proto_hdr_flush_ack),
	KUNIT_CASE(mx_proto_hdr_verify),
	KUNIT_CASE(mx_proto_hdr_csum_req),
	KUNIT_CASE(mx_proto_hdr_csum_reply),
	KUNIT_CASE(mx_proto_csum_lengths),
	KUNIT_CASE(mx_proto_csum_runs),
	KUNIT_CASE(mx_proto_mem_is_zero),
	KUNIT_CASE(mx_proto_zero_runs),
	KUNIT_CASE(mx_proto_hello_round_trip),
	KUNIT_CASE(mx_proto_hello_rejects),
	KUNIT_CASE(mx_proto_test_negotiate),
	KUNIT_CASE(mx_proto_lbs),
	KUNIT_CASE(mx_proto_sync_state),
	KUNIT_CASE(mx_proto_refuse_names),
	KUNIT_CASE(mx_proto_ack_errno),
	KUNIT_CASE(mx_proto_ack_write_failure),
	{}
};

static struct kunit_suite mx_proto_suite = {
	.name = "dm_mirrorx_proto",
	.test_cases = mx_proto_cases,
};

kunit_test_suite(mx_proto_suite);
