// SPDX-License-Identifier: GPL-2.0
/*
 * A stand-in for the part of libdevmapper mirrorctl uses, for host tests
 * without device-mapper or root. Linked into tests/mirrorctl-fakedm in
 * place of -ldevmapper, so mx_dm.c and every verb run unmodified.
 *
 * State lives in the directory $MX_FAKEDM (unset or empty: dm_task_create() fails,
 * like a host without dm-mod). One subdirectory per device:
 *
 *   NAME/table      "START LEN TARGET PARAMS" (one line)
 *   NAME/status     status params; absent: those of $MX_FAKEDM/status.TARGET
 *                   (TARGET: the table's target, e.g. status.mirrorx-recv)
 *                   when that exists, else the table's params
 *   NAME/open       open count (absent: 0)
 *   NAME/suspended  present while suspended
 *   NAME/messages   every target message, one a line (appended)
 *   NAME/reply.VERB the result of message VERB (its first word), e.g.
 *                   reply.stats; absent: none
 *
 *   NAME/ima        the status with DM_IMA_MEASUREMENT_FLAG: as the
 *                   module's, "data_dev=MAJ:MIN,meta_dev=MAJ:MIN" for the
 *                   table's first two words as they resolved when it was
 *                   loaded (a word that is no block device: itself); a
 *                   table a test wrote without it: as they resolve now
 *   NAME/minor      its minor number (major 253), a new one at create
 *   NAME/event      its event counter (absent: 0); a test raises an event
 *                   by writing a larger number. DM_DEVICE_WAITEVENT polls
 *                   it (10 ms) until it differs from the task's, or the
 *                   device is gone (then it succeeds once more, as the
 *                   kernel wakes waiters at remove, and fails after).
 *
 * Fault injection: a file $MX_FAKEDM/fail-OP (OP: create, reload, remove,
 * message, resume) makes that ioctl fail, fail-OP-once its next call
 * only; its first line is logged as the kernel would, "device-mapper:
 * table: 253:MINOR: mirrorx: REASON", in $MX_FAKEDM/kmsg (mx_kmsg_path()
 * here), after a line about another device, as under concurrent use.
 * $MX_FAKEDM/log records every ioctl run: "OP NAME". $MX_FAKEDM/no-module:
 * the dm-mirrorx targets are not registered (the module is not loaded).
 */
#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include <libdevmapper.h>

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#endif

struct dm_task {
	int type;
	char name[128];
	char uuid[128];
	char message[256];
	char target[64];
	char params[4096];
	uint64_t len;
	uint32_t event_nr;
	bool has_target;
	bool ima;
	bool ran;
	/* results */
	struct dm_info info;
	char *out_target, *out_params;
	char reply[4096];
	uint64_t out_start, out_len;
	void *list;
};

static dm_log_with_errno_fn fake_log;

void dm_log_with_errno_init(dm_log_with_errno_fn fn)
{
	fake_log = fn;
}

/* The state directory; dm_task_create() fails without one. */
static const char *fake_dir(void)
{
	const char *d = getenv("MX_FAKEDM");

	return d && *d ? d : ".";
}

static bool fake_present(void)
{
	const char *d = getenv("MX_FAKEDM");

	return d && *d;
}

static void fake_path(char *buf, size_t len, const char *name,
		      const char *file)
{
	snprintf(buf, len, "%s/%s%s%s", fake_dir(), name, file ? "/" : "",
		 file ? file : "");
}

static int fake_read(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");
	size_t n;

	if (!f)
		return -1;
	n = fread(buf, 1, len - 1, f);
	fclose(f);
	buf[n] = '\0';
	while (n && buf[n - 1] == '\n')
		buf[--n] = '\0';
	return 0;
}

static int fake_write(const char *path, const char *mode, const char *s)
{
	FILE *f = fopen(path, mode);

	if (!f)
		return -1;
	fprintf(f, "%s\n", s);
	return fclose(f);
}

/* A message's result: NAME/reply.VERB, when the test wrote one. */
static void fake_reply(struct dm_task *dmt)
{
	char verb[64], file[80], path[512];
	size_t n = strcspn(dmt->message, " ");

	if (n >= sizeof(verb))
		return;
	memcpy(verb, dmt->message, n);
	verb[n] = '\0';
	snprintf(file, sizeof(file), "reply.%s", verb);
	fake_path(path, sizeof(path), dmt->name, file);
	if (fake_read(path, dmt->reply, sizeof(dmt->reply)))
		dmt->reply[0] = '\0';
}

/* An injected failure of @op: logs the reason (as dm would) and fails. */
static bool fake_fails(const char *op, int minor)
{
	char path[512], reason[256];
	FILE *k;

	snprintf(path, sizeof(path), "%s/fail-%s", fake_dir(), op);
	if (fake_read(path, reason, sizeof(reason))) {
		snprintf(path, sizeof(path), "%s/fail-%s-once", fake_dir(), op);
		if (fake_read(path, reason, sizeof(reason)))
			return false;
		unlink(path);
	}
	snprintf(path, sizeof(path), "%s/kmsg", fake_dir());
	k = fopen(path, "a");
	if (k) {
		/* Another device's message first, as under concurrent use. */
		fprintf(k, "3,1,1,-;device-mapper: table: 253:99: mirrorx: Invalid argument count\n");
		fprintf(k, "3,2,2,-;device-mapper: table: 253:%d: mirrorx: %s\n",
			minor, reason);
		fprintf(k, "3,3,3,-;device-mapper: ioctl: error adding target to table\n");
		fclose(k);
	}
	if (fake_log)
		fake_log(3, __FILE__, __LINE__, EINVAL, "ioctl failed: %s",
			 reason);
	return true;
}

/* The minor number of NAME: NAME/minor, given at create (else 0). */
static int fake_minor(const char *name)
{
	char path[512], buf[16];

	fake_path(path, sizeof(path), name, "minor");
	return fake_read(path, buf, sizeof(buf)) ? 0 : atoi(buf);
}

/* mirrorctl's audit lines, "PRIO LINE", in $MX_FAKEDM/audit. */
void mx_audit_log(int prio, const char *line)
{
	char path[512];
	FILE *f;

	if (!fake_present())
		return;		/* no state directory: not into the cwd */
	snprintf(path, sizeof(path), "%s/audit", fake_dir());
	f = fopen(path, "a");
	if (!f)
		return;
	fprintf(f, "%d %s\n", prio, line);
	fclose(f);
}

const char *mx_kmsg_path(void)
{
	static char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/kmsg", fake_dir());
	f = fopen(path, "a");
	if (f)
		fclose(f);
	return path;
}

struct dm_task *dm_task_create(int type)
{
	struct dm_task *dmt;

	if (!fake_present())
		return NULL;
	dmt = calloc(1, sizeof(*dmt));
	if (dmt)
		dmt->type = type;
	return dmt;
}

void dm_task_destroy(struct dm_task *dmt)
{
	if (!dmt)
		return;
	free(dmt->out_target);
	free(dmt->out_params);
	free(dmt->list);
	free(dmt);
}

int dm_task_set_name(struct dm_task *dmt, const char *name)
{
	snprintf(dmt->name, sizeof(dmt->name), "%s", name);
	return 1;
}

int dm_task_set_uuid(struct dm_task *dmt, const char *uuid)
{
	snprintf(dmt->uuid, sizeof(dmt->uuid), "%s", uuid);
	return 1;
}

int dm_task_set_sector(struct dm_task *dmt, uint64_t sector)
{
	(void)dmt;
	(void)sector;
	return 1;
}

int dm_task_set_event_nr(struct dm_task *dmt, uint32_t event_nr)
{
	dmt->event_nr = event_nr;
	return 1;
}

int dm_task_set_message(struct dm_task *dmt, const char *msg)
{
	snprintf(dmt->message, sizeof(dmt->message), "%s", msg);
	return 1;
}

const char *dm_task_get_message_response(struct dm_task *dmt)
{
	return dmt->reply[0] ? dmt->reply : NULL;
}

int dm_task_set_cookie(struct dm_task *dmt, uint32_t *cookie, uint16_t flags)
{
	(void)dmt;
	(void)flags;
	*cookie = 1;
	return 1;
}

int dm_udev_wait(uint32_t cookie)
{
	(void)cookie;
	return 1;
}

int dm_task_ima_measurement(struct dm_task *dmt)
{
	dmt->ima = true;
	return 1;
}

int dm_task_retry_remove(struct dm_task *dmt)
{
	(void)dmt;
	return 1;
}

int dm_mknodes(const char *name)
{
	(void)name;
	return 1;
}

int dm_task_add_target(struct dm_task *dmt, uint64_t start, uint64_t size,
		       const char *ttype, const char *params)
{
	(void)start;
	dmt->len = size;
	snprintf(dmt->target, sizeof(dmt->target), "%s", ttype);
	snprintf(dmt->params, sizeof(dmt->params), "%s", params);
	dmt->has_target = true;
	return 1;
}

static bool fake_exists(const char *name)
{
	char path[512];
	struct stat sb;

	fake_path(path, sizeof(path), name, NULL);
	return !stat(path, &sb) && S_ISDIR(sb.st_mode);
}

static int fake_nodev(struct dm_task *dmt)
{
	if (fake_log)
		fake_log(3, __FILE__, __LINE__, ENXIO, "%s: no such device",
			 dmt->name);
	return 0;
}

static int fake_info(struct dm_task *dmt)
{
	char path[512], buf[32];
	struct stat sb;

	memset(&dmt->info, 0, sizeof(dmt->info));
	if (!fake_exists(dmt->name))
		return 1;
	dmt->info.exists = 1;
	dmt->info.live_table = 1;
	dmt->info.major = 253;
	dmt->info.minor = fake_minor(dmt->name);
	fake_path(path, sizeof(path), dmt->name, "open");
	if (!fake_read(path, buf, sizeof(buf)))
		dmt->info.open_count = atoi(buf);
	fake_path(path, sizeof(path), dmt->name, "suspended");
	dmt->info.suspended = !stat(path, &sb);
	fake_path(path, sizeof(path), dmt->name, "event");
	if (!fake_read(path, buf, sizeof(buf)))
		dmt->info.event_nr = strtoul(buf, NULL, 10);
	return 1;
}

/* DM_DEVICE_WAITEVENT: until the counter moves or the device goes. */
static int fake_wait_event(struct dm_task *dmt)
{
	if (!fake_exists(dmt->name))
		return fake_nodev(dmt);
	for (;;) {
		fake_info(dmt);
		if (!dmt->info.exists || dmt->info.event_nr != dmt->event_nr)
			return 1;
		usleep(10000);
	}
}

static void fake_ima_of(const char *target, const char *params, char *buf,
			size_t len);

static int fake_line(struct dm_task *dmt, bool status)
{
	char path[512], line[4200], st[4096];
	unsigned long long start, len;
	char target[64];
	int off = 0;

	if (!fake_exists(dmt->name))
		return fake_nodev(dmt);
	fake_path(path, sizeof(path), dmt->name, "table");
	if (fake_read(path, line, sizeof(line)) ||
	    sscanf(line, "%llu %llu %63s %n", &start, &len, target, &off) < 3)
		return 1;	/* no table */
	dmt->out_start = start;
	dmt->out_len = len;
	dmt->out_target = strdup(target);
	dmt->out_params = strdup(line + off);
	if (!status)
		return 1;
	if (dmt->ima) {
		fake_path(path, sizeof(path), dmt->name, "ima");
		if (fake_read(path, st, sizeof(st)))
			fake_ima_of(target, line + off, st, sizeof(st));
		free(dmt->out_params);
		dmt->out_params = strdup(st);
		return 1;
	}
	fake_path(path, sizeof(path), dmt->name, "status");
	if (fake_read(path, st, sizeof(st))) {
		/* None of its own: the one every TARGET device reports. */
		snprintf(path, sizeof(path), "%s/status.%s", fake_dir(),
			 target);
		if (fake_read(path, st, sizeof(st)))
			return 1;
	}
	free(dmt->out_params);
	dmt->out_params = strdup(st);
	return 1;
}

/*
 * The IMA status of a table of @target with @params, into @buf: the
 * devices of its first two words as they resolve now.
 */
static void fake_ima_of(const char *target, const char *params, char *buf,
			size_t len)
{
	char w[2][512], dev[2][520];
	struct stat sb;
	int i;

	w[0][0] = w[1][0] = '\0';
	sscanf(params, "%511s %511s", w[0], w[1]);
	for (i = 0; i < 2; i++)
		if (!stat(w[i], &sb) && S_ISBLK(sb.st_mode))
			snprintf(dev[i], sizeof(dev[i]), "%u:%u",
				 major(sb.st_rdev), minor(sb.st_rdev));
		else
			snprintf(dev[i], sizeof(dev[i]), "%s", w[i]);
	snprintf(buf, len, "target_name=%s,data_dev=%s,meta_dev=%s;", target,
		 dev[0], dev[1]);
}

static int fake_put_table(struct dm_task *dmt)
{
	char path[512], line[4200], ima[1200];

	fake_path(path, sizeof(path), dmt->name, "ima");
	fake_ima_of(dmt->target, dmt->params, ima, sizeof(ima));
	if (fake_write(path, "w", ima))
		return 0;
	fake_path(path, sizeof(path), dmt->name, "table");
	snprintf(line, sizeof(line), "0 %llu %s %s",
		 (unsigned long long)dmt->len, dmt->target, dmt->params);
	return fake_write(path, "w", line) ? 0 : 1;
}

static void fake_rm(const char *name, const char *file)
{
	char path[512];

	fake_path(path, sizeof(path), name, file);
	unlink(path);
}

static int fake_list(struct dm_task *dmt)
{
	size_t cap = 8192, off = 0, last = 0;
	struct dm_names *n = NULL;
	struct dirent *de;
	char *buf;
	DIR *d;

	buf = calloc(1, cap);
	dmt->list = buf;
	if (!buf)
		return 0;
	d = opendir(fake_dir());
	if (!d)
		return 1;
	while ((de = readdir(d))) {
		size_t need = sizeof(*n) + strlen(de->d_name) + 1;

		if (de->d_name[0] == '.' || !fake_exists(de->d_name))
			continue;
		need = (need + 7) & ~(size_t)7;
		if (off + need > cap)
			break;
		if (n)
			n->next = off - last;
		n = (struct dm_names *)(buf + off);
		n->dev = 253;
		n->next = 0;
		strcpy(n->name, de->d_name);
		last = off;
		off += need;
	}
	closedir(d);
	return 1;
}

static int fake_versions(struct dm_task *dmt)
{
	static const char *const names[] = { "linear", "mirrorx",
					      "mirrorx-recv" };
	char path[512];
	struct stat sb;
	/* $MX_FAKEDM/no-module: the module is not loaded (linear only). */
	size_t i, off = 0, sz = 64, nr = ARRAY_SIZE(names);

	snprintf(path, sizeof(path), "%s/no-module", fake_dir());
	if (!stat(path, &sb))
		nr = 1;
	struct dm_versions *v = NULL;
	char *buf = calloc(ARRAY_SIZE(names), sz);

	dmt->list = buf;
	if (!buf)
		return 0;
	for (i = 0; i < nr; i++) {
		v = (struct dm_versions *)(buf + off);
		strcpy(v->name, names[i]);
		v->next = i + 1 < nr ? sz : 0;
		off += sz;
	}
	return 1;
}

/* A new minor number, never one in use: $MX_FAKEDM/next-minor. */
static int fake_next_minor(void)
{
	char path[512], buf[16];
	int m = 1;

	snprintf(path, sizeof(path), "%s/next-minor", fake_dir());
	if (!fake_read(path, buf, sizeof(buf)))
		m = atoi(buf);
	snprintf(buf, sizeof(buf), "%d", m + 1);
	fake_write(path, "w", buf);
	return m;
}

static int fake_run(struct dm_task *dmt)
{
	char path[512], buf[16];

	switch (dmt->type) {
	case DM_DEVICE_INFO:
		return fake_info(dmt);
	case DM_DEVICE_WAITEVENT:
		return fake_wait_event(dmt);
	case DM_DEVICE_TABLE:
		return fake_line(dmt, false);
	case DM_DEVICE_STATUS:
		return fake_line(dmt, true);
	case DM_DEVICE_LIST:
		return fake_list(dmt);
	case DM_DEVICE_LIST_VERSIONS:
		return fake_versions(dmt);
	case DM_DEVICE_CREATE:
		if (fake_exists(dmt->name)) {
			if (fake_log)
				fake_log(3, __FILE__, __LINE__, EBUSY,
					 "%s: device exists", dmt->name);
			return 0;
		}
		if (fake_fails("create", fake_minor(dmt->name)))
			return 0;
		fake_path(path, sizeof(path), dmt->name, NULL);
		if (mkdir(path, 0755))
			return 0;
		fake_path(path, sizeof(path), dmt->name, "minor");
		snprintf(buf, sizeof(buf), "%d", fake_next_minor());
		if (fake_write(path, "w", buf))
			return 0;
		return dmt->has_target ? fake_put_table(dmt) : 1;
	case DM_DEVICE_RELOAD:
		if (!fake_exists(dmt->name))
			return fake_nodev(dmt);
		if (fake_fails("reload", fake_minor(dmt->name)))
			return 0;
		return fake_put_table(dmt);
	case DM_DEVICE_CLEAR:
		return fake_exists(dmt->name) ? 1 : fake_nodev(dmt);
	case DM_DEVICE_SUSPEND:
		if (!fake_exists(dmt->name))
			return fake_nodev(dmt);
		fake_path(path, sizeof(path), dmt->name, "suspended");
		return fake_write(path, "w", "1") ? 0 : 1;
	case DM_DEVICE_RESUME:
		if (!fake_exists(dmt->name))
			return fake_nodev(dmt);
		if (fake_fails("resume", fake_minor(dmt->name)))
			return 0;
		fake_rm(dmt->name, "suspended");
		return 1;
	case DM_DEVICE_REMOVE:
		if (!fake_exists(dmt->name))
			return fake_nodev(dmt);
		if (fake_fails("remove", fake_minor(dmt->name)))
			return 0;
		fake_rm(dmt->name, "table");
		fake_rm(dmt->name, "status");
		fake_rm(dmt->name, "open");
		fake_rm(dmt->name, "suspended");
		fake_rm(dmt->name, "messages");
		fake_rm(dmt->name, "reply.stats");
		fake_rm(dmt->name, "minor");
		fake_rm(dmt->name, "ima");
		fake_rm(dmt->name, "event");
		fake_path(path, sizeof(path), dmt->name, NULL);
		return rmdir(path) ? 0 : 1;
	case DM_DEVICE_TARGET_MSG:
		if (!fake_exists(dmt->name))
			return fake_nodev(dmt);
		if (fake_fails("message", fake_minor(dmt->name)))
			return 0;
		fake_path(path, sizeof(path), dmt->name, "messages");
		if (fake_write(path, "a", dmt->message))
			return 0;
		fake_reply(dmt);
		return 1;
	}
	return 0;
}

static const char *const fake_ops[] = {
	[DM_DEVICE_CREATE] = "create",	[DM_DEVICE_RELOAD] = "reload",
	[DM_DEVICE_REMOVE] = "remove",	[DM_DEVICE_SUSPEND] = "suspend",
	[DM_DEVICE_RESUME] = "resume",	[DM_DEVICE_INFO] = "info",
	[DM_DEVICE_TABLE] = "table",	[DM_DEVICE_STATUS] = "status",
	[DM_DEVICE_LIST] = "list",	[DM_DEVICE_CLEAR] = "clear",
	[DM_DEVICE_TARGET_MSG] = "message",
	[DM_DEVICE_LIST_VERSIONS] = "versions",
	[DM_DEVICE_WAITEVENT] = "waitevent",
};

int dm_task_run(struct dm_task *dmt)
{
	char path[512], line[256];
	const char *op = NULL;

	if (dmt->type >= 0 && (size_t)dmt->type < ARRAY_SIZE(fake_ops))
		op = fake_ops[dmt->type];
	snprintf(path, sizeof(path), "%s/log", fake_dir());
	snprintf(line, sizeof(line), "%s %s", op ? op : "?", dmt->name);
	fake_write(path, "a", line);
	dmt->ran = true;
	return fake_run(dmt);
}

int dm_task_get_info(struct dm_task *dmt, struct dm_info *info)
{
	*info = dmt->info;
	return 1;
}

void *dm_get_next_target(struct dm_task *dmt, void *next, uint64_t *start,
			 uint64_t *length, char **target_type, char **params)
{
	(void)next;
	*start = dmt->out_start;
	*length = dmt->out_len;
	*target_type = dmt->out_target;
	*params = dmt->out_params;
	return NULL;
}

struct dm_names *dm_task_get_names(struct dm_task *dmt)
{
	return dmt->list;
}

struct dm_versions *dm_task_get_versions(struct dm_task *dmt)
{
	return dmt->list;
}
