/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Kernel version differences, kept in one place. Built and tested on
 * Debian 12's 6.1 and 6.12 kernels (README.md, "Kernels").
 */
#ifndef DM_MIRRORX_COMPAT_H
#define DM_MIRRORX_COMPAT_H

#include <linux/version.h>
#include <linux/net.h>
#include <linux/socket.h>
#include <linux/uio.h>
#include <linux/bvec.h>
#include <linux/fs.h>
#include <linux/blkdev.h>

#if KERNEL_VERSION(6, 5, 0) <= LINUX_VERSION_CODE
/* dm_get_device() takes a blk_mode_t (BLK_OPEN_*), no longer an fmode_t. */
#define MX_DEV_MODE_RW (BLK_OPEN_READ | BLK_OPEN_WRITE)
#else
#define MX_DEV_MODE_RW (FMODE_READ | FMODE_WRITE)
#endif

#if KERNEL_VERSION(6, 5, 0) <= LINUX_VERSION_CODE
/* kernel_sendpage() is gone: MSG_SPLICE_PAGES replaces it. */
static inline int mx_compat_sendpage(struct socket *sock, struct page *page,
				     size_t off, size_t len, int flags)
{
	struct bio_vec bv;
	struct msghdr msg = { .msg_flags = flags | MSG_SPLICE_PAGES };

	bvec_set_page(&bv, page, len, off);
	iov_iter_bvec(&msg.msg_iter, ITER_SOURCE, &bv, 1, len);
	return sock_sendmsg(sock, &msg);
}
#else
static inline int mx_compat_sendpage(struct socket *sock, struct page *page,
				     size_t off, size_t len, int flags)
{
	return kernel_sendpage(sock, page, off, len, flags);
}
#endif

#endif /* DM_MIRRORX_COMPAT_H */
