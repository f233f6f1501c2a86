/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Waiting for device-mapper events of a set of devices, with a timeout.
 *
 * The kernel raises a dm event (dm_table_event()) at every peer and data
 * state change of a mirror, and when the device is removed. The ioctl that
 * waits for one (DM_DEVICE_WAITEVENT) blocks and takes one device, so each
 * watched device gets a thread blocked in it; a thread that sees an event
 * writes a byte to a pipe, and mx_watch_wait() polls that pipe with the
 * caller's timeout. A thread ends when its device is gone; mx_watch_add()
 * starts a new one when the device is back. Used by events, wait-sync and
 * check --wait: they re-read the status when woken, and at the latest
 * after their timeout (a table swap raises no event of its own).
 *
 * One watch per process (mirrorctl runs one verb); main thread only.
 */
#ifndef MX_WATCH_H
#define MX_WATCH_H

#include <stdbool.h>
#include <stdint.h>

/* Most devices watched at once. */
#define MX_WATCH_MAX	64

/*
 * Watch @name from event count @event_nr on (read with its status, before
 * it: an event in between wakes the next wait at once). Nothing when a
 * thread already watches @name. 0, or -1 (mx_errmsg) when no thread or
 * pipe could be made or MX_WATCH_MAX devices are watched.
 */
int mx_watch_add(const char *name, uint32_t event_nr);

/* Watch @name if it exists, from its current event count on. */
int mx_watch_name(const char *name);

/*
 * Wait until a watched device had an event (1) or @timeout_ms passed (0);
 * -1 on error. Events that came since the last call count.
 */
int mx_watch_wait(int timeout_ms);

/*
 * A watching thread still runs (blocked in the kernel). The process must
 * then end with _exit(): exit() would run libdevmapper's destructor
 * (dm_lib_exit) under a thread still using it. mirrorctl's main() does.
 */
bool mx_watch_active(void);

#endif /* MX_WATCH_H */
