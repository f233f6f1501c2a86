/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Link compression (compress.c): one data packet's payload through the
 * kernel crypto API's synchronous compression interface ("lz4", "zstd").
 *
 * A struct mx_comp belongs to one thread at a time: the source's sender
 * thread of a peer (compress), the target's receive thread of a connection
 * (decompress). Its transform and both buffers are allocated up front
 * (process context, GFP_KERNEL), so a packet allocates nothing.
 */
#ifndef DM_MIRRORX_COMPRESS_H
#define DM_MIRRORX_COMPRESS_H

#include <linux/bvec.h>
#include <linux/types.h>
#include "proto.h"

struct crypto_comp;

/**
 * struct mx_comp - a compression context
 * @alg: enum mx_comp_alg
 * @tfm: the crypto transform (its workspace is per transform)
 * @in: MX_WIRE_MAX_DATA bytes: the source's linear copy of a packet's data;
 *	the target's received compressed payload
 * @out: MX_WIRE_MAX_DATA bytes: the compressed data; the decompressed data
 */
struct mx_comp {
	u32 alg;
	struct crypto_comp *tfm;
	void *in;
	void *out;
};

/* Does this kernel have @alg (loads its crypto module if need be)? */
bool mx_comp_available(u32 alg);
/*
 * Set @z up for @alg. Returns 0, -ENOENT when the kernel lacks the
 * algorithm, or -ENOMEM. Process context.
 */
int mx_comp_alloc(struct mx_comp *z, u32 alg);
/* Free what mx_comp_alloc() set up; @z zeroed (a no-op when it was). */
void mx_comp_free(struct mx_comp *z);
/* Was @z set up? */
static inline bool mx_comp_ready(const struct mx_comp *z)
{
	return z->tfm;
}

/*
 * Compress the @iter.bi_size bytes (at most MX_WIRE_MAX_DATA) of @bvecs
 * into @z->out. Returns the compressed length, or 0 when the data does not
 * get smaller (it is then sent raw).
 */
u32 mx_comp_bvecs(struct mx_comp *z, struct bio_vec *bvecs,
		  struct bvec_iter iter);

/*
 * Decompress the @clen bytes at @z->in into the @size bytes of pages of
 * @bvecs (@nr of them, as mx_bvecs_alloc() filled them). Returns 0, or
 * -EBADMSG when the payload is not valid compressed data of exactly @size
 * bytes (nothing a peer sends is trusted).
 */
int mx_decomp_bvecs(struct mx_comp *z, u32 clen, struct bio_vec *bvecs,
		    u32 nr, u32 size);

/*
 * Append a peer's compress status field to @result (DMEMIT at *@psz):
 * " <alg>:<state>:<raw bytes>:<wire bytes>".
 */
void mx_emit_comp(char *result, unsigned int maxlen, unsigned int *psz,
		  u32 alg, u32 state, u64 raw, u64 wire);

#endif /* DM_MIRRORX_COMPRESS_H */
