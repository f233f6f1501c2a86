// SPDX-License-Identifier: GPL-2.0
/*
 * dm-mirrorx: block-level replication over in-kernel TCP.
 *
 * Module glue: registers the source target ("mirrorx") and the receiver
 * target ("mirrorx-recv").
 */
#include <linux/module.h>
#include <linux/device-mapper.h>

#define DM_MSG_PREFIX "mirrorx"

static int mirrorx_stub_ctr(struct dm_target *ti, unsigned int argc, char **argv)
{
	ti->error = "Not implemented yet";
	return -EINVAL;
}

static void mirrorx_stub_dtr(struct dm_target *ti)
{
}

static int mirrorx_stub_map(struct dm_target *ti, struct bio *bio)
{
	return DM_MAPIO_KILL;
}

static struct target_type mirrorx_target = {
	.name = "mirrorx",
	.version = {0, 1, 0},
	.module = THIS_MODULE,
	.ctr = mirrorx_stub_ctr,
	.dtr = mirrorx_stub_dtr,
	.map = mirrorx_stub_map,
};

static struct target_type mirrorx_recv_target = {
	.name = "mirrorx-recv",
	.version = {0, 1, 0},
	.module = THIS_MODULE,
	.ctr = mirrorx_stub_ctr,
	.dtr = mirrorx_stub_dtr,
	.map = mirrorx_stub_map,
};

static int __init dm_mirrorx_init(void)
{
	int r;

	r = dm_register_target(&mirrorx_target);
	if (r < 0)
		return r;
	r = dm_register_target(&mirrorx_recv_target);
	if (r < 0) {
		dm_unregister_target(&mirrorx_target);
		return r;
	}
	return 0;
}

static void __exit dm_mirrorx_exit(void)
{
	dm_unregister_target(&mirrorx_recv_target);
	dm_unregister_target(&mirrorx_target);
}

module_init(dm_mirrorx_init);
module_exit(dm_mirrorx_exit);

MODULE_DESCRIPTION(DM_NAME " block replication over TCP");
MODULE_AUTHOR("dm-mirrorx developers");
MODULE_LICENSE("GPL");
MODULE_ALIAS("dm-mirrorx-recv");
