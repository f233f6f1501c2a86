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
#include "objcount.h"

static int __init dm_mirrorx_init(void)
{
	int r;

	mx_wire_build_bug_on();
	mx_meta_build_bug_on();
	mx_objcount_init();
	r = mx_source_register();
	if (r < 0)
		goto bad_source;
	r = mx_receiver_register();
	if (r < 0)
		goto bad_receiver;
	return 0;

bad_receiver:
	mx_source_unregister();
bad_source:
	mx_objcount_exit();
	return r;
}

static void __exit dm_mirrorx_exit(void)
{
	mx_receiver_unregister();
	mx_source_unregister();
	mx_objcount_exit();
}

module_init(dm_mirrorx_init);
module_exit(dm_mirrorx_exit);

MODULE_DESCRIPTION(DM_NAME " block replication over TCP");
MODULE_AUTHOR("dm-mirrorx developers");
MODULE_LICENSE("GPL");
MODULE_ALIAS("dm-mirrorx-recv");
