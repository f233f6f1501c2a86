// SPDX-License-Identifier: GPL-2.0
/*
 * mirrorctl events: a line per state change of the mirrors, as it
 * happens (drbdsetup events2 for dm-mirrorx). Woken by device-mapper's
 * event wait (mx_watch.c), it re-reads the status of the mirrors and
 * prints what changed (mx_events.c); at the latest every second it looks
 * again, for mirrors that appeared and for table swaps (which raise no
 * event of their own).
 */
#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include "mirrorctl.h"
#include "mx_events.h"
#include "mx_json.h"
#include "mx_watch.h"

enum { O_JSON = 256, O_NOW, O_TIMESTAMPS, O_TIMEOUT };

/* The longest a wait lasts without an event (a look for new mirrors). */
#define MX_EV_TICK_MS	1000

struct mx_ev_out {
	bool json;
	bool timestamps;
	bool broken;		/* writing to stdout failed */
	unsigned long count;
};

/* "2026-11-30T07:12:01.123Z" */
static void mx_ev_time(char *buf, size_t len)
{
	struct timeval tv;
	struct tm tm;
	size_t n;

	gettimeofday(&tv, NULL);
	gmtime_r(&tv.tv_sec, &tm);
	n = strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf + n, len - n, ".%03ldZ", (long)(tv.tv_usec / 1000));
}

static void mx_ev_print(const struct mx_event *e, void *arg)
{
	struct mx_ev_out *out = arg;
	char when[40], line[512];
	unsigned int i;

	mx_ev_time(when, sizeof(when));
	out->count++;
	if (out->json) {
		struct json_object *o = json_object_new_object();

		json_object_object_add(o, "schema_version",
				       json_object_new_int(MX_JSON_SCHEMA_VERSION));
		json_object_object_add(o, "time", json_object_new_string(when));
		json_object_object_add(o, "type", json_object_new_string(e->kind));
		json_object_object_add(o, "object",
				       json_object_new_string(e->object));
		if (e->name)
			json_object_object_add(o, "name",
					       mx_json_string(e->name));
		if (!strcmp(e->object, "peer"))
			json_object_object_add(o, "peer", e->peer >= 0 ?
					       json_object_new_int(e->peer) : NULL);
		for (i = 0; i < e->nr_keys; i++)
			json_object_object_add(o, e->keys[i],
					       mx_json_string(e->vals[i]));
		printf("%s\n", json_object_to_json_string_ext(o,
				JSON_C_TO_STRING_PLAIN));
		json_object_put(o);
	} else {
		mx_ev_format(e, line, sizeof(line));
		if (out->timestamps)
			printf("%s %s\n", when, line);
		else
			printf("%s\n", line);
	}
	/* The reader went away (SIGPIPE ignored, as under systemd): stop. */
	if (fflush(stdout) || ferror(stdout))
		out->broken = true;
}

/* The end of the --now listing: "exists -". */
static void mx_ev_print_end(struct mx_ev_out *out)
{
	struct mx_event e = { .kind = "exists", .object = "-", .peer = -1 };

	if (out->json) {
		mx_ev_print(&e, out);
		return;
	}
	if (out->timestamps) {
		char when[40];

		mx_ev_time(when, sizeof(when));
		printf("%s ", when);
	}
	printf("exists -\n");
	if (fflush(stdout) || ferror(stdout))
		out->broken = true;
}

struct mx_ev_watched {
	char name[MX_NAME_LEN];
	struct mx_ev_mirror last;
};

/*
 * Snapshot @name: !exists when there is no dm-mirrorx device of that name.
 * Starts an event wait on it. 1: its status could not be read this time
 * (keep the last snapshot), -1 only when device-mapper cannot be asked.
 */
static int mx_ev_snapshot(const char *name, struct mx_ev_mirror *ev)
{
	struct mx_dm_info info;
	struct mx_dm_line l;
	struct mx_status st;

	memset(ev, 0, sizeof(*ev));
	/* The event count first: an event after it wakes the next wait. */
	if (mx_dm_info(name, &info))
		return -1;
	if (!info.exists)
		return 0;
	if (mx_watch_add(name, info.event_nr))
		return -1;
	if (mx_dm_status(name, &l))
		return mx_dm_info(name, &info) || info.exists ? 1 : 0;
	if (!mx_is_mirror_target(l.target))
		return 0;	/* another kind of device */
	if (mx_status_from_line(name, &l, &st))
		return 1;
	mx_ev_from_status(ev, &st, info.suspended);
	return 0;
}

/* The entry of @name in @w[*@n], added when new; NULL out of memory. */
static struct mx_ev_watched *mx_ev_find_watched(struct mx_ev_watched **w,
						int *n, const char *name)
{
	struct mx_ev_watched *v;
	int i;

	for (i = 0; i < *n; i++)
		if (!strcmp((*w)[i].name, name))
			return &(*w)[i];
	v = realloc(*w, (*n + 1) * sizeof(**w));
	if (!v) {
		mx_fail("out of memory");
		return NULL;
	}
	*w = v;
	memset(&v[*n], 0, sizeof(v[*n]));
	snprintf(v[*n].name, MX_NAME_LEN, "%s", name);
	return &v[(*n)++];
}

static bool mx_ev_listed(const struct mx_names *ns, const char *name)
{
	int i;

	for (i = 0; i < ns->n; i++)
		if (!strcmp(ns->v[i], name))
			return true;
	return false;
}

static void mx_ev_drop(const struct mx_event *e, void *arg)
{
	(void)e;
	(void)arg;
}

/*
 * One look at every mirror: print what changed since the last (@first:
 * the state to start from, printed as "exists" lines only with @now).
 */
static int mx_ev_round(const struct mx_names *named, struct mx_ev_watched **w,
		       int *nw, bool first, bool now, struct mx_ev_out *out)
{
	void (*emit)(const struct mx_event *e, void *arg) =
		first && !now ? mx_ev_drop : mx_ev_print;
	struct mx_names all = { 0 };
	const struct mx_names *ns = named;
	struct mx_ev_mirror cur;
	struct mx_ev_watched *e;
	int i, r = -1;

	if (!named->n) {
		if (mx_all_names(&all))
			goto out;
		ns = &all;
	}
	for (i = 0; i < ns->n; i++) {
		int k = mx_ev_snapshot(ns->v[i], &cur);

		if (k < 0)
			goto out;
		if (k > 0)
			continue;	/* unknown this time: no event */
		e = mx_ev_find_watched(w, nw, ns->v[i]);
		if (!e)
			goto out;
		mx_ev_diff(e->name, &e->last, &cur, first && now, emit, out);
		e->last = cur;
	}
	/* Mirrors no longer listed (device and config gone). */
	memset(&cur, 0, sizeof(cur));
	for (i = 0; i < *nw; i++) {
		e = &(*w)[i];
		if (mx_ev_listed(ns, e->name))
			continue;
		mx_ev_diff(e->name, &e->last, &cur, false, emit, out);
		e->last = cur;
	}
	r = 0;
out:
	free(all.v);
	return r;
}

int mx_cmd_events(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, O_JSON },
		{ "now", no_argument, NULL, O_NOW },
		{ "timestamps", no_argument, NULL, O_TIMESTAMPS },
		{ "timeout", required_argument, NULL, O_TIMEOUT },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct mx_ev_out out = { 0 };
	struct mx_ev_watched *w = NULL;
	struct mx_names named = { 0 };
	uint64_t timeout = 0;
	bool now = false, first = true;
	int opt, i, r = 0, left, nw = 0;
	double start;

	while ((opt = mx_getopt(argc, argv, ":h", opts)) != -1) {
		switch (opt) {
		case 'h':
			return 0;
		case '?':
			return MX_EXIT_USAGE;
		case O_JSON:
			out.json = true;
			break;
		case O_NOW:
			now = true;
			break;
		case O_TIMESTAMPS:
			out.timestamps = true;
			break;
		case O_TIMEOUT:
			if (mx_parse_num("--timeout seconds", optarg, 1,
					 UINT32_MAX, &timeout))
				return mx_usage("%s", mx_errmsg);
			break;
		}
	}
	for (i = optind; i < argc; i++) {
		if (mx_check_name(argv[i]))
			return mx_usage("%s", mx_errmsg);
		if (mx_names_add(&named, argv[i]))
			return mx_err(MX_EXIT_FAIL, NULL);
	}
	start = mx_now();
	for (;;) {
		if (mx_ev_round(&named, &w, &nw, first, now, &out)) {
			r = mx_err(MX_EXIT_FAIL, NULL);
			break;
		}
		if (first && now)
			mx_ev_print_end(&out);
		first = false;
		if (out.broken) {
			r = mx_err(MX_EXIT_FAIL, "cannot write the events: %s",
				   strerror(errno));
			break;
		}
		left = MX_EV_TICK_MS;
		if (timeout) {
			double rest = start + timeout - mx_now();

			if (rest <= 0)
				break;
			if (rest * 1000 < left)
				left = (int)(rest * 1000) + 1;
		}
		if (mx_watch_wait(left) < 0) {
			r = mx_err(MX_EXIT_FAIL, NULL);
			break;
		}
	}
	free(w);
	free(named.v);
	return r;
}
