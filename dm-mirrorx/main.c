// SPDX-License-Identifier: GPL-2.0
/*
 * dm-mirrorx: block-level replication over in-kernel TCP.
 *
 * Module glue: registers the source target ("mirrorx", source.c) and the
 * receiver target ("mirrorx-recv", receiver.c).
 */
#include <linux/module.h>
#include <linux/device-mapper.h>
#include "mirrorx.h"

static int __init dm_mirrorx_init(void)
{
	int r;

	mx_wire_build_bug_on();
	mx_meta_build_bug_on();
	r = mx_source_register();
	if (r < 0)
		return r;
	r = mx_receiver_register();
	if (r < 0) {
		mx_source_unregister();
		return r;
	}
	return 0;
}

static void __exit dm_mirrorx_exit(void)
{
	mx_receiver_unregister();
	mx_source_unregister();
}

module_init(dm_mirrorx_init);
module_exit(dm_mirrorx_exit);

MODULE_DESCRIPTION(DM_NAME " block replication over TCP");
MODULE_AUTHOR("dm-mirrorx developers");
MODULE_LICENSE("GPL");
MODULE_ALIAS("dm-mirrorx-recv");
