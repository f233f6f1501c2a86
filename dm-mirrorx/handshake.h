/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The hello both roles exchange (handshake.c): filled from the superblock
 * in one place, and the checks each role makes of the other's, as pure
 * functions (KUnit: handshake_test.c).
 *
 * The order of a connection: authentication (with the auth option), the
 * source's hello, the target's hello (or its refusal), the target's bitmap,
 * the source's sync state and the target's ack (peer.c, receiver.c).
 */
#ifndef DM_MIRRORX_HANDSHAKE_H
#define DM_MIRRORX_HANDSHAKE_H

#include <linux/types.h>
#include "meta.h"
#include "proto.h"

/* What a hello says that is not in the superblock. */
struct mx_hello_local {
	u32 role;			/* MX_ROLE_* */
	u32 node_id;			/* ours */
	u32 peer_node_id;		/* the peer's: its slot in our metadata */
	u32 features;			/* MX_FEAT_* */
	u64 data_sectors;
	u32 logical_block_size;
};

/*
 * Fill @h from @sb (read under the metadata lock) and @l: the protocol
 * range we speak, the mirror UUID, region size, generations and the
 * generation of the peer's bitmap slot; a target tells a fresh one. The
 * dirty region count is the caller's (it counts the in-core bitmap).
 */
void mx_hello_fill(struct mx_hello *h, const struct mx_sb_info *sb,
		   const struct mx_hello_local *l);

/*
 * The target's checks of a source's hello @sh, knowing only its own node
 * id @our_node (MX_NODE_UNSET: any). Returns MX_REFUSE_NONE or the reason,
 * with a sentence for the log in @why.
 */
u32 mx_hello_check_source(const struct mx_hello *sh, u32 our_node, char *why,
			  size_t len);

/*
 * The source's checks of the target's hello @th against the hello @ours it
 * sent. Returns MX_REFUSE_NONE or the reason, with a sentence in @why.
 */
u32 mx_hello_check_target(const struct mx_hello *ours,
			  const struct mx_hello *th, char *why, size_t len);

/*
 * Words of the bitmap a target of @our_regions regions of @region_sectors
 * sends the source whose hello is @sh: only what the source's device
 * covers (a target grown before its source has more regions).
 */
u64 mx_hello_bitmap_words(u64 our_regions, u32 region_sectors,
			  const struct mx_hello *sh);

#endif /* DM_MIRRORX_HANDSHAKE_H */
