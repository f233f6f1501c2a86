/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Device-mapper access through libdevmapper (dm_task_*), one function per
 * ioctl mirrorctl uses. Errors land in mx_errmsg with libdevmapper's
 * message and, when the kernel logged one, the kernel's reason (read
 * from /dev/kmsg: the first line about this device, by its device
 * number, so other device-mapper activity meanwhile is not taken for it),
 * so the user does not have to dig in dmesg.
 */
#ifndef MX_DM_H
#define MX_DM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MX_DM_TARGET_LEN	32
#define MX_DM_PARAMS_LEN	4096

struct mx_dm_info {
	bool exists;
	bool suspended;
	bool read_only;
	bool live_table;
	bool inactive_table;
	int open_count;
	uint32_t major, minor, event_nr;
};

/* One-target table or status of a device. */
struct mx_dm_line {
	uint64_t start, len;
	char target[MX_DM_TARGET_LEN];
	char params[MX_DM_PARAMS_LEN];
};

/* Route libdevmapper's messages into mx_errmsg instead of stderr. */
void mx_dm_init(void);

int mx_dm_info(const char *name, struct mx_dm_info *info);
int mx_dm_table(const char *name, struct mx_dm_line *l);
int mx_dm_status(const char *name, struct mx_dm_line *l);
/*
 * The status a target gives IMA (DM_IMA_MEASUREMENT_FLAG): for dm-mirrorx,
 * "...,data_dev=MAJ:MIN,meta_dev=MAJ:MIN,..." for the devices its table
 * holds open, whatever the paths its table line was given say now.
 */
int mx_dm_ima(const char *name, struct mx_dm_line *l);
int mx_dm_create(const char *name, uint64_t len, const char *target,
		 const char *params);
int mx_dm_load(const char *name, uint64_t len, const char *target,
	       const char *params);
int mx_dm_clear(const char *name);
int mx_dm_suspend(const char *name);
int mx_dm_resume(const char *name);
int mx_dm_remove(const char *name);
int mx_dm_message(const char *name, const char *msg);
/* A message whose result (at most @len - 1 bytes) the target returns. */
int mx_dm_message_reply(const char *name, const char *msg, char *reply,
			size_t len);

/*
 * Block until device @name's event counter differs from @event_nr (the
 * kernel raised an event: dm_table_event()), then give the new count.
 * -1 when the device is gone or the wait failed (mx_errmsg; a signal
 * also ends the wait with -1). Safe to call from another thread than the
 * one using the calls above.
 */
int mx_dm_wait_event(const char *name, uint32_t event_nr, uint32_t *now_nr);

/* Call @fn for every dm device name; stops at the first non-zero. */
int mx_dm_list(int (*fn)(const char *name, void *arg), void *arg);

/*
 * The kernel log mirrorctl reads reasons from (/dev/kmsg). Weak, so the
 * host tests' stand-in libdevmapper can give its own.
 */
const char *mx_kmsg_path(void);

/* 1 when the kernel knows target type @type, 0 when not, -1 on error. */
int mx_dm_has_target(const char *type);

#endif /* MX_DM_H */
