// SPDX-License-Identifier: GPL-2.0
/*
 * libdevmapper wrappers (see mx_dm.h). Never shells out to dmsetup.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <libdevmapper.h>
#include "mx_dm.h"
#include "mx_util.h"

/*
 * The last error libdevmapper logged, and its errno; per thread (mirrorctl
 * events waits for device events in a thread per mirror).
 */
static __thread char mx_dm_msg[256];
static __thread int mx_dm_errno;
static int mx_kmsg_fd = -1;
/* "MAJ:MIN" of the device the current call is about, "" when unknown. */
static char mx_dm_devno[24];

/* Where the kernel log is read; the host tests' stand-in overrides it. */
__weak const char *mx_kmsg_path(void)
{
	return "/dev/kmsg";
}

static void mx_dm_log(int level, const char *file, int line, int dm_errno,
		      const char *f, ...) __printf(5, 6);

static void mx_dm_log(int level, const char *file, int line, int dm_errno,
		      const char *f, ...)
{
	va_list ap;

	(void)file;
	(void)line;
	/* Low bits: syslog-like level; higher bits are libdevmapper flags. */
	if ((level & 0x7) > 3)
		return;
	va_start(ap, f);
	vsnprintf(mx_dm_msg, sizeof(mx_dm_msg), f, ap);
	va_end(ap);
	if (dm_errno > 0)
		mx_dm_errno = dm_errno;
}

void mx_dm_init(void)
{
	dm_log_with_errno_init(mx_dm_log);
}

/* Remember where the kernel log ends, to show what an ioctl adds. */
static void mx_kmsg_mark(void)
{
	if (mx_kmsg_fd < 0)
		mx_kmsg_fd = open(mx_kmsg_path(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (mx_kmsg_fd >= 0)
		lseek(mx_kmsg_fd, 0, SEEK_END);
	mx_dm_msg[0] = '\0';
	mx_dm_errno = 0;
}

/*
 * The device number a kernel message is about ("table: 253:0: mirrorx:
 * ..." or "mirrorx: 253:0: ..."), into @devno; false when it names none.
 */
static bool mx_msg_devno(const char *msg, char *devno, size_t len)
{
	unsigned int ma, mi;
	const char *p;
	int n;

	for (p = msg; (p = strchr(p, ' ')); p++) {
		n = 0;
		if (sscanf(p + 1, "%u:%u:%n", &ma, &mi, &n) == 2 && n &&
		    p[1 + n] == ' ') {
			snprintf(devno, len, "%u:%u", ma, mi);
			return true;
		}
	}
	return false;
}

/* One kernel log record: the device-mapper or mirrorx line of our call. */
static bool mx_kmsg_line(char *msg, char *out, size_t len)
{
	char devno[24], *p;

	if (!strstr(msg, "device-mapper") && !strstr(msg, "mirrorx"))
		return false;
	if (strstr(msg, "error adding target to table"))
		return false;
	/*
	 * Other device-mapper activity may log meanwhile: once the device
	 * number is known, only what names it is ours.
	 */
	if (mx_dm_devno[0] && (!mx_msg_devno(msg, devno, sizeof(devno)) ||
			       strcmp(devno, mx_dm_devno)))
		return false;
	p = strstr(msg, "table: ");
	if (p) {
		/* "table: 253:0: mirrorx: reason" */
		p = strstr(p + 7, ": ");
		msg = p ? p + 2 : msg;
	} else if (!strncmp(msg, "device-mapper: ", 15)) {
		msg += 15;
	}
	snprintf(out, len, "%s", msg);
	return true;
}

/*
 * The kernel's reason for a failed ioctl: the first new device-mapper or
 * mirrorx line about this device, without its "device-mapper: table:
 * 253:0: " prefix.
 */
static void mx_kmsg_reason(char *out, size_t len)
{
	char rec[1024], *line, *next;
	ssize_t n;

	out[0] = '\0';
	if (mx_kmsg_fd < 0)
		return;
	for (;;) {
		n = read(mx_kmsg_fd, rec, sizeof(rec) - 1);
		if (n < 0 && errno == EPIPE)
			continue;	/* overwritten records: skip on */
		if (n <= 0)
			break;
		rec[n] = '\0';
		/* /dev/kmsg gives a record a read; a plain file, lines. */
		for (line = rec; line; line = next) {
			char *msg;

			next = strchr(line, '\n');
			if (next)
				*next++ = '\0';
			msg = strchr(line, ';');
			if (msg && !out[0])
				mx_kmsg_line(msg + 1, out, len);
		}
	}
}

/* Remember the device number of @name for mx_kmsg_reason(). */
static void mx_dm_lookup_devno(const char *name)
{
	struct dm_task *dmt;
	struct dm_info i;

	mx_dm_devno[0] = '\0';
	if (!name)
		return;
	dmt = dm_task_create(DM_DEVICE_INFO);
	if (!dmt)
		return;
	if (dm_task_set_name(dmt, name) && dm_task_run(dmt) &&
	    dm_task_get_info(dmt, &i) && i.exists)
		snprintf(mx_dm_devno, sizeof(mx_dm_devno), "%u:%u", i.major,
			 i.minor);
	dm_task_destroy(dmt);
}

/* mx_fail() for a failed task: what, libdevmapper's and the kernel's say. */
static int mx_dm_fail(const char *what, const char *name)
{
	char kern[512];
	int e = mx_dm_errno;

	mx_kmsg_reason(kern, sizeof(kern));
	if (kern[0])
		return mx_fail("%s %s failed: %s", what, name, kern);
	if (e)
		return mx_fail("%s %s failed: %s", what, name, strerror(e));
	if (mx_dm_msg[0])
		return mx_fail("%s %s failed: %s", what, name, mx_dm_msg);
	return mx_fail("%s %s failed (is device-mapper available? see dmesg)",
		       what, name);
}

static struct dm_task *mx_task(int type, const char *name)
{
	struct dm_task *dmt;

	/* Calls that can fail for a reason the kernel logs about the device. */
	if (type == DM_DEVICE_RELOAD || type == DM_DEVICE_RESUME ||
	    type == DM_DEVICE_SUSPEND || type == DM_DEVICE_TARGET_MSG ||
	    type == DM_DEVICE_REMOVE)
		mx_dm_lookup_devno(name);
	else if (type != DM_DEVICE_INFO)
		mx_dm_devno[0] = '\0';
	mx_kmsg_mark();
	dmt = dm_task_create(type);
	if (!dmt) {
		mx_fail("cannot talk to device-mapper%s%s%s: is dm-mod loaded, and are you root?",
			mx_dm_msg[0] ? " (" : "", mx_dm_msg,
			mx_dm_msg[0] ? ")" : "");
		return NULL;
	}
	if (name && !dm_task_set_name(dmt, name)) {
		dm_task_destroy(dmt);
		mx_fail("bad device-mapper name '%s'", name);
		return NULL;
	}
	return dmt;
}

int mx_dm_info(const char *name, struct mx_dm_info *info)
{
	struct dm_task *dmt = mx_task(DM_DEVICE_INFO, name);
	struct dm_info i;
	int r = -1;

	memset(info, 0, sizeof(*info));
	if (!dmt)
		return -1;
	if (!dm_task_run(dmt) || !dm_task_get_info(dmt, &i)) {
		if (!mx_dm_errno && !mx_dm_msg[0])
			mx_fail("cannot talk to device-mapper: is dm-mod loaded, and are you root?");
		else
			mx_fail("cannot talk to device-mapper: %s",
				mx_dm_errno ? strerror(mx_dm_errno) : mx_dm_msg);
		goto out;
	}
	info->exists = i.exists;
	info->suspended = i.suspended;
	info->read_only = i.read_only;
	info->live_table = i.live_table;
	info->inactive_table = i.inactive_table;
	info->open_count = i.open_count;
	info->major = i.major;
	info->minor = i.minor;
	info->event_nr = i.event_nr;
	r = 0;
out:
	dm_task_destroy(dmt);
	return r;
}

int mx_dm_wait_event(const char *name, uint32_t event_nr, uint32_t *now_nr)
{
	struct dm_task *dmt = dm_task_create(DM_DEVICE_WAITEVENT);
	struct dm_info i;
	int r = -1;

	if (!dmt)
		return mx_fail("cannot talk to device-mapper");
	if (!dm_task_set_name(dmt, name) ||
	    !dm_task_set_event_nr(dmt, event_nr) || !dm_task_run(dmt) ||
	    !dm_task_get_info(dmt, &i) || !i.exists) {
		mx_fail("%s: waiting for a device-mapper event failed%s%s", name,
			mx_dm_msg[0] ? ": " : "", mx_dm_msg);
		goto out;
	}
	*now_nr = i.event_nr;
	r = 0;
out:
	dm_task_destroy(dmt);
	return r;
}

static int mx_dm_get_line(int type, const char *name, struct mx_dm_line *l,
			  bool ima)
{
	struct dm_task *dmt = mx_task(type, name);
	char *target = NULL, *params = NULL;
	uint64_t start, len;
	void *next;
	int r = -1;

	memset(l, 0, sizeof(*l));
	if (!dmt)
		return -1;
	if (ima && !dm_task_ima_measurement(dmt)) {
		mx_fail("cannot ask for the devices of %s", name);
		goto out;
	}
	if (!dm_task_run(dmt)) {
		mx_dm_fail(type == DM_DEVICE_STATUS ? "status of" : "table of",
			   name);
		goto out;
	}
	next = dm_get_next_target(dmt, NULL, &start, &len, &target, &params);
	if (!target) {
		mx_fail("%s has no table loaded", name);
		goto out;
	}
	if (next) {
		mx_fail("%s has more than one target: not a dm-mirrorx device",
			name);
		goto out;
	}
	l->start = start;
	l->len = len;
	snprintf(l->target, sizeof(l->target), "%s", target);
	snprintf(l->params, sizeof(l->params), "%s", params ? params : "");
	r = 0;
out:
	dm_task_destroy(dmt);
	return r;
}

int mx_dm_table(const char *name, struct mx_dm_line *l)
{
	return mx_dm_get_line(DM_DEVICE_TABLE, name, l, false);
}

int mx_dm_status(const char *name, struct mx_dm_line *l)
{
	return mx_dm_get_line(DM_DEVICE_STATUS, name, l, false);
}

int mx_dm_ima(const char *name, struct mx_dm_line *l)
{
	return mx_dm_get_line(DM_DEVICE_STATUS, name, l, true);
}

/* Run @dmt with a udev cookie (nodes appear/disappear before we return). */
static int mx_run_cookie(struct dm_task *dmt)
{
	uint32_t cookie = 0;
	int ok;

	if (!dm_task_set_cookie(dmt, &cookie, 0))
		return dm_task_run(dmt);
	ok = dm_task_run(dmt);
	dm_udev_wait(cookie);
	return ok;
}

/* Load @target @params as NAME's inactive table; errors say "@what NAME". */
static int mx_dm_load_as(const char *name, uint64_t len, const char *target,
			 const char *params, const char *what)
{
	struct dm_task *dmt = mx_task(DM_DEVICE_RELOAD, name);
	int r = -1;

	if (!dmt)
		return -1;
	if (!dm_task_add_target(dmt, 0, len, target, params)) {
		mx_fail("cannot build the table of %s", name);
		goto out;
	}
	if (!dm_task_run(dmt)) {
		mx_dm_fail(what, name);
		goto out;
	}
	r = 0;
out:
	dm_task_destroy(dmt);
	return r;
}

/*
 * Create without a table, then load and resume: the device number is
 * known before the table is, so the kernel's reason for refusing the
 * table is found among other devices' messages (as dmsetup --notable).
 */
int mx_dm_create(const char *name, uint64_t len, const char *target,
		 const char *params)
{
	struct dm_task *dmt = mx_task(DM_DEVICE_CREATE, name);
	char uuid[96], why[MX_ERRMSG_LEN];
	int ok;

	if (!dmt)
		return -1;
	snprintf(uuid, sizeof(uuid), "MIRRORX-%s", name);
	if (!dm_task_set_uuid(dmt, uuid)) {
		dm_task_destroy(dmt);
		return mx_fail("cannot build the table of %s", name);
	}
	ok = dm_task_run(dmt);
	if (!ok)
		mx_dm_fail("creating", name);
	dm_task_destroy(dmt);
	if (!ok)
		return -1;
	if (!mx_dm_load_as(name, len, target, params, "creating") &&
	    !mx_dm_resume(name))
		return 0;
	/* Take the empty device away again; the first error is the one. */
	snprintf(why, sizeof(why), "%s", mx_errmsg);
	mx_dm_remove(name);
	snprintf(mx_errmsg, sizeof(mx_errmsg), "%s", why);
	return -1;
}

int mx_dm_load(const char *name, uint64_t len, const char *target,
	       const char *params)
{
	return mx_dm_load_as(name, len, target, params,
			     "loading the new table of");
}

static int mx_dm_simple(int type, const char *name, const char *what,
			bool cookie)
{
	struct dm_task *dmt = mx_task(type, name);
	int ok;

	if (!dmt)
		return -1;
	ok = cookie ? mx_run_cookie(dmt) : dm_task_run(dmt);
	if (!ok)
		mx_dm_fail(what, name);
	dm_task_destroy(dmt);
	return ok ? 0 : -1;
}

int mx_dm_clear(const char *name)
{
	return mx_dm_simple(DM_DEVICE_CLEAR, name, "clearing the inactive table of",
			    false);
}

int mx_dm_suspend(const char *name)
{
	return mx_dm_simple(DM_DEVICE_SUSPEND, name, "suspending", false);
}

int mx_dm_resume(const char *name)
{
	int r = mx_dm_simple(DM_DEVICE_RESUME, name, "resuming", true);

	if (!r)
		dm_mknodes(name);
	return r;
}

int mx_dm_remove(const char *name)
{
	struct dm_task *dmt = mx_task(DM_DEVICE_REMOVE, name);
	int ok;

	if (!dmt)
		return -1;
	/* Like dmsetup --retry: a transient opener (udev, blkid) goes away. */
	dm_task_retry_remove(dmt);
	ok = mx_run_cookie(dmt);
	if (!ok)
		mx_dm_fail("removing", name);
	dm_task_destroy(dmt);
	return ok ? 0 : -1;
}

int mx_dm_message_reply(const char *name, const char *msg, char *reply,
			size_t len)
{
	struct dm_task *dmt = mx_task(DM_DEVICE_TARGET_MSG, name);
	const char *resp;
	int r = -1;

	if (!dmt)
		return -1;
	if (!dm_task_set_sector(dmt, 0) || !dm_task_set_message(dmt, msg)) {
		mx_fail("cannot build message '%s'", msg);
		goto out;
	}
	if (!dm_task_run(dmt)) {
		char what[160];

		snprintf(what, sizeof(what), "message '%s' to", msg);
		mx_dm_fail(what, name);
		goto out;
	}
	if (reply && len) {
		resp = dm_task_get_message_response(dmt);
		snprintf(reply, len, "%s", resp ? resp : "");
	}
	r = 0;
out:
	dm_task_destroy(dmt);
	return r;
}

int mx_dm_message(const char *name, const char *msg)
{
	return mx_dm_message_reply(name, msg, NULL, 0);
}

int mx_dm_list(int (*fn)(const char *name, void *arg), void *arg)
{
	struct dm_task *dmt = mx_task(DM_DEVICE_LIST, NULL);
	struct dm_names *n;
	unsigned int next = 0;
	int r = -1;

	if (!dmt)
		return -1;
	if (!dm_task_run(dmt)) {
		mx_dm_fail("listing", "devices");
		goto out;
	}
	n = dm_task_get_names(dmt);
	r = 0;
	if (!n || !n->dev)
		goto out;
	do {
		n = (struct dm_names *)((char *)n + next);
		r = fn(n->name, arg);
		if (r)
			break;
		next = n->next;
	} while (next);
out:
	dm_task_destroy(dmt);
	return r;
}

int mx_dm_has_target(const char *type)
{
	struct dm_task *dmt = mx_task(DM_DEVICE_LIST_VERSIONS, NULL);
	struct dm_versions *v, *last;
	int r = -1;

	if (!dmt)
		return -1;
	if (!dm_task_run(dmt)) {
		mx_dm_fail("listing target types of", "device-mapper");
		goto out;
	}
	r = 0;
	v = dm_task_get_versions(dmt);
	do {
		last = v;
		if (!strcmp(v->name, type)) {
			r = 1;
			break;
		}
		v = (struct dm_versions *)((char *)v + v->next);
	} while (last != v);
out:
	dm_task_destroy(dmt);
	return r;
}
