/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Module-wide counts of live objects (objcount.c), for leak checks.
 *
 * Each count goes up when the module allocates (or queues) such an object
 * and down when it frees (or completes) it, so every count is zero when no
 * I/O of any mirrorx or mirrorx-recv target is in flight, in particular
 * when no target exists (MX_OBJ_PAGE within about a second: a target's
 * connection keeps the pages of its last answered packets that long,
 * receiver.c).
 * debugfs shows them, one "name count" line each, in dm_mirrorx/objects;
 * unloading the module with a count above zero WARNs.
 */
#ifndef DM_MIRRORX_OBJCOUNT_H
#define DM_MIRRORX_OBJCOUNT_H

#include <linux/atomic.h>

enum mx_obj {
	MX_OBJ_BIO,		/* bios we submit: clones, receiver writes, reads */
	MX_OBJ_PAGE,		/* data pages: async copies, resync, receiver */
	MX_OBJ_PEER_REQ,	/* requests queued to a peer and not yet done */
	MX_OBJ_RECV_WRITE,	/* writes received and not yet acked or dropped */
	MX_OBJ_RESYNC_REGION,	/* regions being copied by resync */
	MX_OBJ_RESYNC_CHUNK,	/* resync chunks being read or sent */
	MX_OBJ_NR
};

extern atomic_long_t mx_objs[MX_OBJ_NR];

static inline void mx_obj_add(enum mx_obj o, long n)
{
	atomic_long_add(n, &mx_objs[o]);
}

static inline void mx_obj_sub(enum mx_obj o, long n)
{
	atomic_long_sub(n, &mx_objs[o]);
}

void mx_objcount_init(void);
void mx_objcount_exit(void);

#endif
