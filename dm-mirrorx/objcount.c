// SPDX-License-Identifier: GPL-2.0
/*
 * dm-mirrorx live object counts and their debugfs file: see objcount.h.
 */
#include <linux/module.h>
#include <linux/debugfs.h>
#include <linux/seq_file.h>
#include "objcount.h"

atomic_long_t mx_objs[MX_OBJ_NR];

static const char * const mx_obj_names[MX_OBJ_NR] = {
	[MX_OBJ_BIO] = "bios",
	[MX_OBJ_PAGE] = "pages",
	[MX_OBJ_PEER_REQ] = "peer_requests",
	[MX_OBJ_RECV_WRITE] = "received_writes",
	[MX_OBJ_RESYNC_REGION] = "resync_regions",
	[MX_OBJ_RESYNC_CHUNK] = "resync_chunks",
};

static struct dentry *mx_debugfs_dir;

static int mx_objects_show(struct seq_file *m, void *unused)
{
	int o;

	for (o = 0; o < MX_OBJ_NR; o++)
		seq_printf(m, "%s %ld\n", mx_obj_names[o],
			   atomic_long_read(&mx_objs[o]));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(mx_objects);

/* debugfs is optional: without it the counts are still kept and checked. */
void mx_objcount_init(void)
{
	mx_debugfs_dir = debugfs_create_dir("dm_mirrorx", NULL);
	debugfs_create_file("objects", 0444, mx_debugfs_dir, NULL,
			    &mx_objects_fops);
}

void mx_objcount_exit(void)
{
	int o;

	debugfs_remove_recursive(mx_debugfs_dir);
	for (o = 0; o < MX_OBJ_NR; o++)
		WARN(atomic_long_read(&mx_objs[o]),
		     "dm-mirrorx: unloading with %ld %s still live\n",
		     atomic_long_read(&mx_objs[o]), mx_obj_names[o]);
}
