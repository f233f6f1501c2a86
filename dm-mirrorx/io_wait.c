// SPDX-License-Identifier: GPL-2.0
/*
 * dm-mirrorx synchronous I/O with a word while it hangs: see io_wait.h.
 */
#include <linux/module.h>
#include <linux/bio.h>
#include <linux/device-mapper.h>
#include "io_wait.h"

#define DM_MSG_PREFIX "mirrorx"

void mx_io_wait(struct completion *done, struct block_device *bdev,
		const char *what)
{
	unsigned long start = jiffies;

	while (!wait_for_completion_io_timeout(done, MX_IO_STUCK_WARN))
		DMERR("%pg: %s has not completed in %u s: still waiting for the device (a request cannot be cancelled)",
		      bdev, what, jiffies_to_msecs(jiffies - start) / 1000);
}

static void mx_bio_wait_end(struct bio *bio)
{
	complete(bio->bi_private);
}

int mx_bio_submit_wait(struct bio *bio, const char *what)
{
	/* Before the submit: a stacking driver may retarget @bio. */
	struct block_device *bdev = bio->bi_bdev;
	DECLARE_COMPLETION_ONSTACK(done);

	bio->bi_private = &done;
	bio->bi_end_io = mx_bio_wait_end;
	bio->bi_opf |= REQ_SYNC;
	submit_bio(bio);
	mx_io_wait(&done, bdev, what);
	return blk_status_to_errno(bio->bi_status);
}

int mx_bdev_flush(struct block_device *bdev, const char *what)
{
	struct bio bio;
	int r;

	bio_init(&bio, bdev, NULL, 0, REQ_OP_WRITE | REQ_PREFLUSH);
	r = mx_bio_submit_wait(&bio, what);
	bio_uninit(&bio);
	return r;
}
