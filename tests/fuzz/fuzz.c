// SPDX-License-Identifier: GPL-2.0
/*
 * Userspace fuzzer for the dm-mirrorx wire and metadata decoders.
 *
 * Feeds random and mutated packets and superblocks to mx_hdr_decode(),
 * mx_hello_decode(), mx_sync_state_decode(), mx_sb_decode() and the resync
 * zero-run splitter mx_zero_next_run() (compressed and checksummed writes
 * among the packets), built with
 * ASan/UBSan by run.sh, and checks what an accepted input promises: I/O
 * inside the device, lengths within bounds, consistent geometry, and that
 * re-encoding gives back the same bytes.
 *
 * Usage: fuzz [iterations [seed]]
 */
#include <stdio.h>
#include <stdlib.h>
#include "proto.h"
#include "meta.h"

static u64 rng_state;
static unsigned long fails;
/* Accepted inputs per decoder: a fuzzer that never passes tests nothing. */
static unsigned long ok_hdr, ok_hdr_csum, ok_csum_req, ok_hello, ok_ss, ok_sb;
static unsigned long ok_rs_zero, ok_zero_runs, ok_hdr_comp;

static u64 rnd(void)
{
	/* xorshift64*: fast, reproducible from the seed. */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dULL;
}

static u64 rnd_below(u64 n)
{
	return n ? rnd() % n : 0;
}

/* Values near the edges that decoders get wrong. */
static u64 interesting(void)
{
	static const u64 v[] = {
		0, 1, 7, 8, 9, 511, 512, 513, 4095, 4096, 1 << 20,
		(1 << 20) + 512, 1U << 21, (1U << 21) + 1, 0x7fffffff,
		0x80000000, 0xfffffe00, 0xffffffff, 1ULL << 32, 1ULL << 61,
		(1ULL << 63), U64_MAX - 8, U64_MAX - 1, U64_MAX,
	};

	return v[rnd_below(ARRAY_SIZE(v))];
}

static void mutate(void *buf, size_t len)
{
	u8 *b = buf;
	int n = 1 + rnd_below(4);

	while (n--) {
		size_t at = rnd_below(len);

		switch (rnd_below(4)) {
		case 0:
			b[at] ^= 1 << rnd_below(8);
			break;
		case 1:
			b[at] = rnd();
			break;
		case 2: {
			/* An interesting value at an aligned field offset. */
			u64 v = interesting();
			size_t w = 1 << rnd_below(4);

			at &= ~(w - 1);
			if (at + w > len)
				break;
			if (rnd() & 1)
				v = htobe64(v) >> (64 - 8 * w) << (64 - 8 * w);
			memcpy(b + at, &v, w);
			break;
		}
		default: {
			size_t run = 1 + rnd_below(8);

			memset(b + at, rnd() & 1 ? 0xff : 0,
			       min(run, len - at));
			break;
		}
		}
	}
}

#define CHECK(cond, what) do {						\
	if (!(cond)) {							\
		fprintf(stderr, "fuzz: %s: %s\n", what, #cond);	\
		fails++;						\
	}								\
} while (0)

/* The payload length a control packet should have, to get past it. */
static u32 fixed_len(u16 type)
{
	switch (type) {
	case MX_P_HELLO:
		return sizeof(struct mx_wire_hello);
	case MX_P_SYNC_STATE:
		return sizeof(struct mx_wire_sync_state);
	case MX_P_AUTH_CHALLENGE:
		return MX_AUTH_NONCE_LEN;
	case MX_P_AUTH_RESPONSE:
		return MX_AUTH_MAC_LEN;
	case MX_P_VERIFY_REPLY:
		return MX_VERIFY_REPLY_LEN;
	case MX_P_CSUM_REPLY:
		return 8 * rnd_below(MX_CSUM_REPLY_MAX / 8 + 2);
	case MX_P_BITMAP:
		return 8 * rnd_below(MX_WIRE_BITMAP_MAX / 8 + 2);
	default:
		return rnd_below(4) ? 0 : interesting();
	}
}

static void fuzz_hdr(void)
{
	static const u16 io_types[] = { MX_P_DATA, MX_P_RS_DATA,
					MX_P_VERIFY_REQ, MX_P_CSUM_REQ };
	struct mx_wire_hdr w, w2;
	struct mx_hdr h;
	const char *err = NULL;
	u64 dev = rnd() & 1 ? interesting() : rnd_below(1ULL << 40);
	size_t i;

	if (rnd_below(8)) {
		h.type = 1 + rnd_below(MX_P_TYPE_MAX - 1);
		h.flags = rnd_below(3) ? 0 : rnd_below(MX_WF_ALL + 1);
		/* Checksummed writes (data_csum) are their own shape. */
		if (!rnd_below(4))
			h.flags = MX_WF_CSUM | (rnd() & 1 ? MX_WF_FUA : 0);
		h.size = rnd_below(4) ? rnd_below(2049) * 512 : interesting();
		h.length = rnd_below(2) ? h.size : fixed_len(h.type);
		if ((h.flags & MX_WF_CSUM) && rnd_below(4))
			h.length = h.size + MX_CSUM_LEN;
		/* Compressed writes: any payload length up to past the size. */
		if (!rnd_below(6)) {
			h.type = rnd() & 1 ? MX_P_DATA : MX_P_RS_DATA;
			h.flags = MX_WF_COMPRESSED |
				  (rnd() & 1 ? MX_WF_CSUM : 0) |
				  (rnd_below(8) ? 0 : MX_WF_WRITE_ZEROES);
			h.length = rnd_below(4) ? rnd_below(h.size + 2 *
							     MX_CSUM_LEN + 1) :
				   interesting();
		}
		/*
		 * Discards and write-zeroes (a resync's zero runs too): no
		 * payload, and FUA or flush now and then, which is refused.
		 */
		if (!rnd_below(8)) {
			h.type = rnd() & 1 ? MX_P_DATA : MX_P_RS_DATA;
			h.flags = rnd() & 1 ? MX_WF_WRITE_ZEROES : MX_WF_DISCARD;
			if (!rnd_below(4))
				h.flags |= rnd() & 1 ? MX_WF_FUA :
						       MX_WF_PREFLUSH;
			/* Up to MX_WIRE_MAX_ZEROES and a sector past it. */
			h.size = 512 * (1 + rnd_below(16385));
			h.length = rnd_below(8) ? 0 : interesting();
		}
		h.seq = rnd();
		h.sector = rnd_below(2) ? rnd_below(dev + 1) : interesting();
		if (rnd_below(2) && h.type != MX_P_DATA &&
		    h.type != MX_P_RS_DATA && h.type != MX_P_VERIFY_REQ &&
		    h.type != MX_P_CSUM_REQ)
			h.size = 0;
		mx_hdr_encode(&w, &h);
		if (rnd_below(2))
			mutate(&w, sizeof(w));
	} else {
		for (i = 0; i < sizeof(w); i++)
			((u8 *)&w)[i] = rnd();
	}

	if (mx_hdr_decode(&w, &h, dev, &err)) {
		CHECK(err, "hdr reject without reason");
		return;
	}
	ok_hdr++;
	CHECK(h.type > 0 && h.type < MX_P_TYPE_MAX, "hdr type");
	CHECK(h.length <= MX_WIRE_MAX_DATA +
	      ((h.flags & MX_WF_CSUM) ? MX_CSUM_LEN : 0), "hdr length bound");
	for (i = 0; i < ARRAY_SIZE(io_types); i++) {
		if (h.type != io_types[i])
			continue;
		CHECK(h.size && !(h.size % 512), "io size");
		CHECK(h.sector <= dev && h.size / 512 <= dev - h.sector,
		      "io range inside device");
	}
	if ((h.type == MX_P_DATA || h.type == MX_P_RS_DATA) &&
	    !(h.flags & (MX_WF_DISCARD | MX_WF_WRITE_ZEROES)) &&
	    (h.flags & MX_WF_COMPRESSED)) {
		u32 trailer = (h.flags & MX_WF_CSUM) ? MX_CSUM_LEN : 0;

		/* What the receiver reads and decompresses is bounded. */
		CHECK(h.length > trailer && h.length - trailer < h.size &&
		      h.size <= MX_WIRE_MAX_DATA,
		      "compressed: 0 < payload < size <= max");
		ok_hdr_comp++;
	} else if ((h.type == MX_P_DATA || h.type == MX_P_RS_DATA) &&
	    !(h.flags & (MX_WF_DISCARD | MX_WF_WRITE_ZEROES))) {
		u32 want = h.size + ((h.flags & MX_WF_CSUM) ? MX_CSUM_LEN : 0);

		CHECK(h.length == want, "data length == size (+ csum)");
		CHECK(h.size <= MX_WIRE_MAX_DATA, "data size bound");
		if (h.flags & MX_WF_CSUM)
			ok_hdr_csum++;
	}
	if (h.flags & (MX_WF_DISCARD | MX_WF_WRITE_ZEROES))
		CHECK(!h.length &&
		      !(h.flags & (MX_WF_CSUM | MX_WF_COMPRESSED |
				   MX_WF_FUA | MX_WF_PREFLUSH)),
		      "no payload, FUA or flush on discard/write-zeroes");
	if (h.type != MX_P_DATA && h.type != MX_P_RS_DATA &&
	    h.type != MX_P_ACK && h.type != MX_P_VERIFY_REPLY &&
	    h.type != MX_P_CSUM_REPLY && h.type != MX_P_BITMAP)
		CHECK(!(h.flags & MX_WF_COMPRESSED),
		      "compressed flag only on data");
	if (h.type == MX_P_RS_DATA &&
	    (h.flags & (MX_WF_DISCARD | MX_WF_WRITE_ZEROES))) {
		CHECK(!(h.flags & MX_WF_DISCARD) &&
		      h.size <= MX_WIRE_MAX_ZEROES,
		      "resync zeroes: write-zeroes only, bounded");
		ok_rs_zero++;
	}
	if (h.type == MX_P_CSUM_REQ) {
		CHECK(!(h.sector % 8) && h.size <= MX_WIRE_MAX_DATA &&
		      !h.length, "checksum request aligned, bounded, empty");
		ok_csum_req++;
	}
	if (h.type == MX_P_CSUM_REPLY)
		CHECK(h.length && h.length <= MX_CSUM_REPLY_MAX &&
		      !(h.length % 8), "checksum reply: whole hashes");
	mx_hdr_encode(&w2, &h);
	CHECK(!memcmp(&w, &w2, sizeof(w)), "hdr re-encode");
}

/*
 * mx_zero_next_run() over a random zero map: its runs tile the chunk in
 * order, a zero run is all zero blocks and at least @min long (or the
 * whole chunk), a data run holds no zero run of @min blocks.
 */
static void fuzz_zero_runs(void)
{
	unsigned long zero[256 / (8 * sizeof(long))] = { 0 };
	u32 n = rnd_below(257), min = rnd_below(10), pos = 0, len, i, k;
	u32 dense = 1 + rnd_below(8);
	bool is_zero, last_zero = false;

	for (i = 0; i < n; i++)
		if (rnd_below(8) < dense)
			zero[i / BITS_PER_LONG] |= 1UL << (i % BITS_PER_LONG);
	while (mx_zero_next_run(zero, n, min, &pos, &len, &is_zero)) {
		CHECK(len && pos + len <= n, "zero run inside the chunk");
		if (!len)
			return;
		if (is_zero) {
			CHECK(len >= max(min, 1U) || len == n,
			      "zero run long enough");
			for (i = pos; i < pos + len; i++)
				CHECK(test_bit(i, zero), "zero run all zero");
			CHECK(pos + len == n || !test_bit(pos + len, zero),
			      "zero run maximal");
		} else {
			CHECK(pos == 0 || last_zero, "two data runs in a row");
			for (i = pos; i < pos + len; i = k + 1) {
				for (k = i; k < pos + len && test_bit(k, zero);)
					k++;
				CHECK(k - i < max(min, 1U) && k - i < n,
				      "no long zero run in a data run");
			}
		}
		last_zero = is_zero;
		pos += len;
	}
	CHECK(pos == n, "zero runs cover the chunk");
	ok_zero_runs++;
}

static void fuzz_hello(void)
{
	struct mx_wire_hello w, w2;
	struct mx_hello h;
	const char *err = NULL;

	memset(&h, 0, sizeof(h));
	h.proto_min = 1;
	h.proto_max = 1 + rnd_below(3);
	h.features = rnd_below(2 * MX_FEAT_ALL + 2);
	h.role = 1 + rnd_below(2);
	h.node_id = rnd_below(8);
	h.peer_node_id = rnd_below(8);
	h.region_sectors = 8U << rnd_below(19);
	h.data_sectors = rnd();
	h.current_gen = rnd();
	mx_hello_encode(&w, &h);
	mutate(&w, sizeof(w));

	if (mx_hello_decode(&w, &h, &err)) {
		CHECK(err, "hello reject without reason");
		return;
	}
	ok_hello++;
	CHECK(h.proto_min && h.proto_min <= h.proto_max, "hello versions");
	CHECK(h.node_id < MX_MAX_NODES && h.peer_node_id < MX_MAX_NODES &&
	      h.node_id != h.peer_node_id, "hello node ids");
	CHECK(is_power_of_2(h.region_sectors) &&
	      h.region_sectors >= MX_MIN_REGION_SECTORS &&
	      h.region_sectors <= MX_MAX_REGION_SECTORS, "hello region");
	CHECK(!(h.features & ~MX_FEAT_ALL), "hello features");
	CHECK(h.data_sectors, "hello size");
	mx_hello_encode(&w2, &h);
	CHECK(!memcmp(&w, &w2, sizeof(w)), "hello re-encode");
	CHECK(mx_proto_negotiate(h.proto_min, h.proto_max, MX_PROTO_MIN,
				 MX_PROTO_MAX) <= (int)MX_PROTO_MAX,
	      "negotiate bound");
}

static void fuzz_sync_state(void)
{
	struct mx_wire_sync_state w, w2;
	struct mx_sync_state s = {
		.state = 1 + rnd_below(4), .reason = rnd_below(10),
		.gen = rnd_below(3), .resync_regions = rnd(),
	};
	const char *err = NULL;

	mx_sync_state_encode(&w, &s);
	if (rnd() & 1)
		mutate(&w, sizeof(w));
	if (mx_sync_state_decode(&w, &s, &err)) {
		CHECK(err, "sync state reject without reason");
		return;
	}
	ok_ss++;
	CHECK(s.state >= MX_SS_IN_SYNC && s.state <= MX_SS_REFUSED,
	      "sync state");
	CHECK(strcmp(mx_refuse_reason_name(s.reason), "unknown"),
	      "sync state reason named");
	mx_sync_state_encode(&w2, &s);
	CHECK(!memcmp(&w, &w2, sizeof(w)), "sync state re-encode");
}

static u8 block[MX_META_BLOCK_SIZE], block2[MX_META_BLOCK_SIZE];

static void fuzz_sb(void)
{
	struct mx_disk_sb *d = (struct mx_disk_sb *)block;
	struct mx_sb_info sb;
	const char *err = NULL;
	u64 data = rnd() & 1 ? 1 + rnd_below(1ULL << 36) : interesting();
	u32 region = 8U << rnd_below(20);
	int i;

	if (mx_sb_format(&sb, data, region, &err)) {
		CHECK(err, "format reject without reason");
		CHECK(!data || region > MX_MAX_REGION_SECTORS ||
		      mx_nr_regions(data, region) > MX_MAX_NR_REGIONS,
		      "format reject");
		return;
	}
	sb.node_id = rnd_below(9);
	sb.current_gen = rnd();
	for (i = 0; i < MX_MAX_NODES; i++) {
		sb.slots[i].flags = rnd_below(8);
		sb.slots[i].resync_cursor = rnd_below(sb.nr_regions + 2);
	}
	mx_sb_encode(&sb, block);
	mutate(block, rnd() & 1 ? sizeof(*d) : sizeof(block));
	/* Mostly re-seal, so the rules after the checksum are reached. */
	if (rnd_below(10)) {
		d->csum = 0;
		d->csum = htole32(crc32c(~0U, block, sizeof(block)));
	}

	if (mx_sb_decode(block, &sb, &err)) {
		CHECK(err, "sb reject without reason");
		return;
	}
	ok_sb++;
	CHECK(sb.nr_regions == mx_nr_regions(sb.data_sectors,
					     sb.region_sectors), "sb regions");
	CHECK(sb.bitmap_blocks >= 1 && sb.bitmap_blocks >=
	      mx_bitmap_blocks(sb.nr_regions) &&
	      sb.bitmap_blocks <= mx_bitmap_blocks(MX_MAX_NR_REGIONS),
	      "sb bitmap blocks");
	CHECK((u64)sb.bitmap_blocks * MX_META_BLOCK_SIZE * 8 >= sb.nr_regions,
	      "bitmap covers regions");
	CHECK(mx_bitmap_first_block(&sb, MX_MAX_NODES - 1) + sb.bitmap_blocks
	      <= mx_meta_layout_sectors(&sb) / 8,
	      "last bitmap inside meta device");
	CHECK(sb.node_id < MX_MAX_NODES || sb.node_id == MX_NODE_UNSET,
	      "sb node id");
	for (i = 0; i < MX_MAX_NODES; i++)
		CHECK(!(sb.slots[i].flags & MX_SLOT_RESYNCING) ||
		      sb.slots[i].resync_cursor <= sb.nr_regions,
		      "sb cursor");
	/* The struct part round-trips; padding is not ours to keep. */
	mx_sb_encode(&sb, block2);
	memset(block + sizeof(*d), 0, sizeof(block) - sizeof(*d));
	d->csum = 0;
	d->csum = htole32(crc32c(~0U, block, sizeof(block)));
	CHECK(!memcmp(block, block2, sizeof(block)), "sb re-encode");
}

int main(int argc, char **argv)
{
	unsigned long n = argc > 1 ? strtoul(argv[1], NULL, 0) : 400000;
	unsigned long i;

	rng_state = argc > 2 ? strtoull(argv[2], NULL, 0) : 0x6d78726d;
	if (!rng_state)
		rng_state = 1;
	for (i = 0; i < n && fails < 20; i++) {
		switch (i % 5) {
		case 0:
			fuzz_hdr();
			break;
		case 1:
			fuzz_hello();
			break;
		case 2:
			fuzz_sync_state();
			break;
		case 3:
			fuzz_zero_runs();
			break;
		default:
			fuzz_sb();
			break;
		}
	}
	printf("fuzz: %lu inputs, accepted: hdr %lu (checksummed %lu, compressed %lu, checksum requests %lu) hello %lu",
	       i, ok_hdr, ok_hdr_csum, ok_hdr_comp, ok_csum_req, ok_hello);
	printf(" sync_state %lu sb %lu resync zeroes %lu zero maps %lu; %lu invariant failures\n",
	       ok_ss, ok_sb, ok_rs_zero, ok_zero_runs, fails);
	/* A decoder that accepts nothing is not being tested past its checks. */
	CHECK(ok_hdr && ok_hdr_csum && ok_hdr_comp && ok_csum_req &&
	      ok_hello && ok_ss &&
	      ok_sb && ok_rs_zero && ok_zero_runs,
	      "every decoder accepted some input");
	return fails ? 1 : 0;
}
