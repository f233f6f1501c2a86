/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Synchronous I/O to our own devices (io_wait.c). A bio cannot be
 * cancelled: a wait for one has no bound but the device's, as DRBD's and
 * the block layer's own submit_bio_wait(). These waits say so in the
 * kernel log every MX_IO_STUCK_WARN while the device has not completed
 * the request, naming the device and the request, so that a hung disk is
 * never a silent hang of a verify, a commit, a sweep or a suspend. The
 * hung-task detector does not report them (woken every 30 s, as
 * submit_bio_wait() is every half its timeout), the intent-log commit
 * included: this line takes the place of its report.
 */
#ifndef DM_MIRRORX_IO_WAIT_H
#define DM_MIRRORX_IO_WAIT_H

#include <linux/blkdev.h>
#include <linux/completion.h>

#define MX_IO_STUCK_WARN	(30 * HZ)

/*
 * Wait for @done, the completion of requests to @bdev that @what names
 * (with its article: "a verify read"), logging every MX_IO_STUCK_WARN.
 */
void mx_io_wait(struct completion *done, struct block_device *bdev,
		const char *what);

/* Submit @bio (REQ_SYNC added) and wait for it as mx_io_wait(). */
int mx_bio_submit_wait(struct bio *bio, const char *what);

/* Flush @bdev's volatile cache, waiting as mx_io_wait(). */
int mx_bdev_flush(struct block_device *bdev, const char *what);

#endif
