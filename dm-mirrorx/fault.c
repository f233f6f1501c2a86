// SPDX-License-Identifier: GPL-2.0
/*
 * dm-mirrorx fault injection (CONFIG_DM_MIRRORX_FAULT_INJECTION): see
 * fault.h. Points are module-wide (every mirrorx table of the host), as a
 * guest of the tests runs one role of one pair.
 */
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/atomic.h>
#include <linux/string.h>
#include "fault.h"

static const char * const mx_fault_names[MX_FAULT_NR] = {
	[MX_FAULT_SYNC_STATE] = "sync_state",
	[MX_FAULT_RESYNC_DONE] = "resync_done",
	[MX_FAULT_CTRL_SEND] = "ctrl_send",
	[MX_FAULT_DATA_SEND] = "data_send",
	[MX_FAULT_RS_RUN] = "rs_run",
	[MX_FAULT_RS_CHUNK] = "rs_chunk",
	[MX_FAULT_RS_PART] = "rs_part",
};

/* Passes still to fail, and passes failed, per point. */
static atomic_t mx_fault_armed[MX_FAULT_NR];
static atomic_t mx_fault_hits[MX_FAULT_NR];

/**
 * mx_fault() - should this pass of fault point @pt fail?
 * @pt: the point
 *
 * Any context. Logs each fault it injects.
 *
 * Return: true (and one armed pass used up) while @pt is armed.
 */
bool mx_fault(enum mx_fault_point pt)
{
	if (likely(!atomic_read(&mx_fault_armed[pt])))
		return false;
	if (atomic_dec_if_positive(&mx_fault_armed[pt]) < 0)
		return false;
	atomic_inc(&mx_fault_hits[pt]);
	pr_warn("dm-mirrorx: fault injected at %s\n", mx_fault_names[pt]);
	return true;
}

/**
 * mx_fault_parse() - parse "POINT COUNT" (a trailing newline allowed)
 * @buf: what was written to the parameter
 * @pt: the point named (set on success)
 * @count: how many next passes fail, 0 disarms (set on success)
 *
 * Return: 0, or -EINVAL for an unknown point, a bad count or extra words.
 */
int mx_fault_parse(const char *buf, enum mx_fault_point *pt,
		   unsigned int *count)
{
	char name[24];
	unsigned int n;
	char extra;
	int i;

	if (sscanf(buf, "%23s %u %c", name, &n, &extra) != 2)
		return -EINVAL;
	for (i = 0; i < MX_FAULT_NR; i++) {
		if (!strcmp(name, mx_fault_names[i])) {
			*pt = i;
			*count = n;
			return 0;
		}
	}
	return -EINVAL;
}

/* Arm a point from "POINT COUNT" (the parameter; fault_test.c). */
int mx_fault_arm(const char *val)
{
	enum mx_fault_point pt;
	unsigned int n;
	int r;

	r = mx_fault_parse(val, &pt, &n);
	if (r) {
		pr_err("dm-mirrorx: fault: expected \"POINT COUNT\", POINT one of sync_state resync_done ctrl_send data_send rs_run rs_chunk rs_part\n");
		return r;
	}
	atomic_set(&mx_fault_armed[pt], min_t(unsigned int, n, INT_MAX));
	return 0;
}

static int mx_fault_set(const char *val, const struct kernel_param *kp)
{
	return mx_fault_arm(val);
}

static int mx_fault_get(char *buf, const struct kernel_param *kp)
{
	int i, len = 0;

	for (i = 0; i < MX_FAULT_NR; i++)
		len += scnprintf(buf + len, PAGE_SIZE - len,
				 "%s armed %d hits %d\n", mx_fault_names[i],
				 atomic_read(&mx_fault_armed[i]),
				 atomic_read(&mx_fault_hits[i]));
	return len;
}

static const struct kernel_param_ops mx_fault_ops = {
	.set = mx_fault_set,
	.get = mx_fault_get,
};
module_param_cb(fault, &mx_fault_ops, NULL, 0600);
MODULE_PARM_DESC(fault, "fault injection (tests): \"POINT COUNT\" fails the next COUNT passes of POINT");

/*
 * Workqueues one item at a time: what a WQ_MEM_RECLAIM workqueue is left
 * with when memory is so short that no worker can be created (its one
 * rescuer runs the items in turn), made deterministic.
 */
static bool mx_fault_serial_wq;
module_param_named(serial_wq, mx_fault_serial_wq, bool, 0600);
MODULE_PARM_DESC(serial_wq, "fault injection (tests): workqueues of tables created from now on run one item at a time, as a rescuer does");

/**
 * mx_fault_wq_max_active() - the max_active of a workqueue created now
 *
 * Return: 1 while the parameter serial_wq is set, else 0 (the default).
 */
int mx_fault_wq_max_active(void)
{
	return READ_ONCE(mx_fault_serial_wq) ? 1 : 0;
}
