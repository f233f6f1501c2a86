// SPDX-License-Identifier: GPL-2.0
/*
 * dm-mirrorx link compression: the data of one packet compressed or
 * decompressed through the crypto API's synchronous "comp" interface,
 * which 6.1 and 6.12 both offer for lz4 and zstd (CONFIG_CRYPTO_LZ4,
 * CONFIG_CRYPTO_ZSTD: modules Debian ships). The data is copied into a
 * linear buffer first (the interface takes linear buffers, and a bio's
 * pages are not); the buffers are preallocated per sender or receiver.
 */
#include <linux/crypto.h>
#include <linux/device-mapper.h>
#include <linux/highmem.h>
#include <linux/mm.h>
#include <linux/vmalloc.h>
#include "compress.h"

bool mx_comp_available(u32 alg)
{
	if (alg == MX_COMP_NONE || alg >= MX_COMP_MAX)
		return false;
	return crypto_has_comp(mx_comp_alg_name(alg), 0, 0) > 0;
}

int mx_comp_alloc(struct mx_comp *z, u32 alg)
{
	struct crypto_comp *tfm;

	memset(z, 0, sizeof(*z));
	if (alg == MX_COMP_NONE || alg >= MX_COMP_MAX)
		return -ENOENT;
	tfm = crypto_alloc_comp(mx_comp_alg_name(alg), 0, 0);
	if (IS_ERR(tfm))
		return PTR_ERR(tfm) == -ENOMEM ? -ENOMEM : -ENOENT;
	z->in = kvmalloc(MX_WIRE_MAX_DATA, GFP_KERNEL);
	z->out = kvmalloc(MX_WIRE_MAX_DATA, GFP_KERNEL);
	if (!z->in || !z->out) {
		kvfree(z->in);
		kvfree(z->out);
		crypto_free_comp(tfm);
		memset(z, 0, sizeof(*z));
		return -ENOMEM;
	}
	z->alg = alg;
	z->tfm = tfm;
	return 0;
}

void mx_comp_free(struct mx_comp *z)
{
	if (z->tfm)
		crypto_free_comp(z->tfm);
	kvfree(z->in);
	kvfree(z->out);
	memset(z, 0, sizeof(*z));
}

u32 mx_comp_bvecs(struct mx_comp *z, struct bio_vec *bvecs,
		  struct bvec_iter iter)
{
	u32 len = iter.bi_size, off = 0;
	unsigned int clen;
	struct bvec_iter it;
	struct bio_vec bv;

	if (!len || len > MX_WIRE_MAX_DATA)
		return 0;
	for_each_bvec(bv, bvecs, it, iter) {
		memcpy_from_bvec(z->in + off, &bv);
		off += bv.bv_len;
	}
	/* Room for less than the raw data: an error means it would not shrink. */
	clen = len - 1;
	if (crypto_comp_compress(z->tfm, z->in, len, z->out, &clen) ||
	    !clen || clen >= len)
		return 0;
	return clen;
}

int mx_decomp_bvecs(struct mx_comp *z, u32 clen, struct bio_vec *bvecs,
		    u32 nr, u32 size)
{
	unsigned int dlen = size;
	u32 i, off = 0;

	if (!clen || clen > MX_WIRE_MAX_DATA || !size ||
	    size > MX_WIRE_MAX_DATA)
		return -EBADMSG;
	if (crypto_comp_decompress(z->tfm, z->in, clen, z->out, &dlen) ||
	    dlen != size)
		return -EBADMSG;
	for (i = 0; i < nr && off < size; i++) {
		u32 n = min(bvecs[i].bv_len, size - off);

		memcpy_to_page(bvecs[i].bv_page, bvecs[i].bv_offset,
			       z->out + off, n);
		off += n;
	}
	return off == size ? 0 : -EBADMSG;
}

/*
 * The compress field of a peer: <alg>:<state>:<raw bytes>:<wire bytes>
 * (the ratio is raw / wire).
 */
void mx_emit_comp(char *result, unsigned int maxlen, unsigned int *psz,
		  u32 alg, u32 state, u64 raw, u64 wire)
{
	unsigned int sz = *psz;

	DMEMIT(" %s:%s:%llu:%llu", mx_comp_alg_name(alg),
	       mx_comp_state_name(state), (unsigned long long)raw,
	       (unsigned long long)wire);
	*psz = sz;
}
