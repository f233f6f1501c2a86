/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Fault injection for tests (fault.c), built only with
 * CONFIG_DM_MIRRORX_FAULT_INJECTION=y: the module parameter "fault" arms a
 * named point to fail its next N passes ("echo resync_done 1 >
 * /sys/module/dm_mirrorx/parameters/fault"); reading it lists every point
 * with what is still armed and how often it fired. The parameter
 * "serial_wq" makes the workqueues of tables created later run one item
 * at a time (mx_fault_wq_max_active()), as their rescuer does when no
 * worker can be created. Without the option mx_fault() is a constant
 * false and every hook compiles away.
 */
#ifndef DM_MIRRORX_FAULT_H
#define DM_MIRRORX_FAULT_H

#include <linux/types.h>
#include <linux/errno.h>
#include "wire.h"

enum mx_fault_point {
	MX_FAULT_SYNC_STATE,	/* allocating any sync state to send */
	MX_FAULT_RESYNC_DONE,	/* allocating the RESYNC_DONE sync state */
	MX_FAULT_CTRL_SEND,	/* sending a SYNC_STATE packet */
	MX_FAULT_DATA_SEND,	/* sending a DATA (application write) packet */
	MX_FAULT_RS_RUN,	/* allocating a resync run */
	MX_FAULT_RS_CHUNK,	/* allocating a resync chunk */
	MX_FAULT_RS_PART,	/* allocating a part of a resync chunk */
	MX_FAULT_NR
};

#ifdef CONFIG_DM_MIRRORX_FAULT_INJECTION
bool mx_fault(enum mx_fault_point pt);
int mx_fault_parse(const char *buf, enum mx_fault_point *pt,
		   unsigned int *count);
int mx_fault_arm(const char *val);
int mx_fault_wq_max_active(void);
#else
static inline bool mx_fault(enum mx_fault_point pt)
{
	return false;
}

static inline int mx_fault_wq_max_active(void)
{
	return 0;
}
#endif

/* Should the allocation of a sync state of @state fail? */
static inline bool mx_fault_sync_state(u32 state)
{
	return mx_fault(MX_FAULT_SYNC_STATE) ||
	       (state == MX_SS_RESYNC_DONE && mx_fault(MX_FAULT_RESYNC_DONE));
}

/* The error the send of a packet of @type fails with (0: send it). */
static inline int mx_fault_send(u16 type)
{
	if ((type == MX_P_SYNC_STATE && mx_fault(MX_FAULT_CTRL_SEND)) ||
	    (type == MX_P_DATA && mx_fault(MX_FAULT_DATA_SEND)))
		return -EIO;
	return 0;
}

#endif
