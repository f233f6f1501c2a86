// SPDX-License-Identifier: GPL-2.0
/*
 * dm-mirrorx hello: filled from the superblock for both roles, and the
 * checks of the other side's hello. Pure: no locks, no I/O.
 */
#include <linux/kernel.h>
#include <linux/string.h>
#include "handshake.h"

void mx_hello_fill(struct mx_hello *h, const struct mx_sb_info *sb,
		   const struct mx_hello_local *l)
{
	memset(h, 0, sizeof(*h));
	h->proto_min = MX_PROTO_MIN;
	h->proto_max = MX_PROTO_MAX;
	h->role = l->role;
	h->features = l->features;
	h->node_id = l->node_id;
	h->peer_node_id = l->peer_node_id;
	h->data_sectors = l->data_sectors;
	h->logical_block_size = l->logical_block_size;
	h->region_sectors = sb->region_sectors;
	/* A source's superblock is never fresh to its targets. */
	if (l->role == MX_ROLE_TARGET && (sb->flags & MX_SB_FRESH))
		h->flags = MX_HELLO_FRESH;
	memcpy(h->uuid, sb->uuid, MX_UUID_LEN);
	h->current_gen = sb->current_gen;
	h->bitmap_gen = sb->slots[l->peer_node_id].bitmap_gen;
	memcpy(h->history, sb->history, sizeof(h->history));
}

static bool mx_hello_proto_ok(const struct mx_hello *h, char *why, size_t len)
{
	if (mx_proto_negotiate(MX_PROTO_MIN, MX_PROTO_MAX, h->proto_min,
			       h->proto_max) >= 0)
		return true;
	snprintf(why, len, "protocol %u-%u, we speak %u-%u", h->proto_min,
		 h->proto_max, MX_PROTO_MIN, MX_PROTO_MAX);
	return false;
}

u32 mx_hello_check_source(const struct mx_hello *sh, u32 our_node, char *why,
			  size_t len)
{
	if (sh->role != MX_ROLE_SOURCE) {
		snprintf(why, len, "the peer is not a source (role %u)",
			 sh->role);
		return MX_REFUSE_ROLE;
	}
	if (!mx_hello_proto_ok(sh, why, len))
		return MX_REFUSE_VERSION;
	if (our_node != MX_NODE_UNSET && sh->peer_node_id != our_node) {
		snprintf(why, len,
			 "source expects node %u, this is node %u (fix the node id in one of the tables)",
			 sh->peer_node_id, our_node);
		return MX_REFUSE_NODE_ID;
	}
	if (sh->node_id == sh->peer_node_id) {
		snprintf(why, len, "source claims our node id %u",
			 sh->node_id);
		return MX_REFUSE_NODE_ID;
	}
	return MX_REFUSE_NONE;
}

u32 mx_hello_check_target(const struct mx_hello *ours,
			  const struct mx_hello *th, char *why, size_t len)
{
	if (th->role != MX_ROLE_TARGET) {
		snprintf(why, len, "the peer is not a target (role %u)",
			 th->role);
		return MX_REFUSE_ROLE;
	}
	if (!mx_hello_proto_ok(th, why, len))
		return MX_REFUSE_VERSION;
	if (th->node_id != ours->peer_node_id) {
		snprintf(why, len, "the peer is node %u, the table names node %u",
			 th->node_id, ours->peer_node_id);
		return MX_REFUSE_NODE_ID;
	}
	/* A blank target has no UUID yet: it takes ours. */
	if (memchr_inv(th->uuid, 0, MX_UUID_LEN) &&
	    memcmp(th->uuid, ours->uuid, MX_UUID_LEN)) {
		snprintf(why, len, "the target holds another mirror's UUID");
		return MX_REFUSE_UUID;
	}
	if (th->region_sectors != ours->region_sectors) {
		snprintf(why, len, "its regions have %u sectors, ours %u",
			 th->region_sectors, ours->region_sectors);
		return MX_REFUSE_REGION;
	}
	/*
	 * Larger is fine (a target grown before its source): we never write
	 * past our end. Smaller would take writes past its end: refused
	 * until it grew (we retry).
	 */
	if (th->data_sectors < ours->data_sectors) {
		snprintf(why, len, "peer smaller: its data device has %llu sectors, ours %llu",
			 (unsigned long long)th->data_sectors,
			 (unsigned long long)ours->data_sectors);
		return MX_REFUSE_SIZE;
	}
	if (!mx_lbs_compatible(ours->logical_block_size,
			       th->logical_block_size)) {
		snprintf(why, len,
			 "its data device has %u-byte logical blocks, ours %u: it cannot apply our smaller writes",
			 th->logical_block_size, ours->logical_block_size);
		return MX_REFUSE_BLOCK_SIZE;
	}
	return MX_REFUSE_NONE;
}

u64 mx_hello_bitmap_words(u64 our_regions, u32 region_sectors,
			  const struct mx_hello *sh)
{
	u64 nr = min(our_regions, mx_nr_regions(sh->data_sectors,
						region_sectors));

	return DIV_ROUND_UP(nr, 64);
}
