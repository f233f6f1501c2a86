// SPDX-License-Identifier: GPL-2.0
/*
 * mirrorctl verbs that look at mirrors and steer their peers: status,
 * list, wait-sync, check, resync, pause, resume, connect, disconnect.
 */
#include <dirent.h>
#include <sys/ioctl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "mirrorctl.h"
#include "mx_watch.h"
#include "mx_json.h"
#include "mx_metrics.h"

enum {
	O_JSON = 256, O_SAMPLE, O_TIMEOUT, O_QUIET, O_FULL, O_ROLE, O_WAIT, O_ALL,
	O_PEER_CONF, O_FORCE,
};

/* ---- mirror names: active dm-mirrorx devices and configs ---- */

int mx_names_add(struct mx_names *ns, const char *name)
{
	int i;

	for (i = 0; i < ns->n; i++)
		if (!strcmp(ns->v[i], name))
			return 0;
	if (ns->n == ns->cap) {
		int cap = ns->cap ? ns->cap * 2 : 16;
		void *v = realloc(ns->v, cap * sizeof(*ns->v));

		if (!v)
			return mx_fail("out of memory");
		ns->v = v;
		ns->cap = cap;
	}
	snprintf(ns->v[ns->n++], MX_NAME_LEN, "%s", name);
	return 0;
}

static int mx_names_dm(const char *name, void *arg)
{
	struct mx_dm_line l;

	if (mx_dm_table(name, &l))
		return 0;	/* vanished meanwhile */
	if (!mx_is_mirror_target(l.target))
		return 0;
	return mx_names_add(arg, name);
}

static int mx_cmp_name(const void *a, const void *b)
{
	return strcmp(a, b);
}

int mx_all_names(struct mx_names *ns)
{
	struct dirent *de;
	DIR *d;

	if (mx_dm_list(mx_names_dm, ns))
		return -1;
	d = opendir(mx_conf_dir());
	if (d) {
		while ((de = readdir(d))) {
			char name[MX_NAME_LEN];
			size_t len = strlen(de->d_name);

			if (len <= 5 || len - 5 >= sizeof(name) ||
			    strcmp(de->d_name + len - 5, ".conf"))
				continue;
			memcpy(name, de->d_name, len - 5);
			name[len - 5] = '\0';
			if (!mx_check_name(name) && mx_names_add(ns, name)) {
				closedir(d);
				return -1;
			}
		}
		closedir(d);
	}
	if (ns->n)
		qsort(ns->v, ns->n, sizeof(*ns->v), mx_cmp_name);
	return 0;
}

/* ---- status ---- */

static bool mx_resyncing(const struct mx_status *st)
{
	uint32_t i;

	for (i = 0; i < st->nr_peers; i++)
		if (mx_peer_copying(&st->peers[i]))
			return true;
	return false;
}

/* The --json view of mirror @m (status @st when running, else NULL). */
static int mx_json_add_mirror(struct json_object *arr, const char *name,
			      const struct mx_mirror *m,
			      const struct mx_status *st, int err_code,
			      const char *err_msg)
{
	static char tdata[MX_PATH_LEN], tmeta[MX_PATH_LEN];
	struct mx_json_mirror jm = {
		.name = name,
		.err_code = err_code,
		.err_msg = err_msg,
	};

	if (!err_code && m) {
		jm.conf = m->has_conf ? &m->conf : NULL;
		jm.active = m->info.exists;
		jm.suspended = m->info.suspended;
		jm.open_count = m->info.open_count;
		jm.role = m->role;
		jm.st = m->info.exists ? st : NULL;
		if (!m->has_conf && m->info.exists &&
		    sscanf(m->table.params, "%255s %255s", tdata, tmeta) == 2) {
			jm.table_data = tdata;
			jm.table_meta = tmeta;
		}
	}
	return mx_json_add(arr, &jm);
}

/* A mirror that could not be looked at: in --json, an object with its error. */
static void mx_json_err(bool json, struct json_object *arr, const char *name,
			int code)
{
	if (json)
		mx_json_add_mirror(arr, name, NULL, NULL, code, mx_errmsg);
}

int mx_cmd_status(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, O_JSON },
		{ "sample-ms", required_argument, NULL, O_SAMPLE },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct mx_names ns = { 0 };
	struct mx_mirror *ms = NULL;
	struct mx_status *st = NULL, *st0 = NULL;
	struct json_object *arr = NULL;
	bool json = false, sample = false, single;
	char (*msgs)[MX_ERRMSG_LEN];
	int *errs;
	uint64_t sample_ms = 1000;
	int opt, i, r, code = 0, shown = 0;
	double t0 = 0, dt;

	while ((opt = mx_getopt(argc, argv, ":h", opts)) != -1) {
		switch (opt) {
		case 'h':
			return 0;
		case '?':
			return MX_EXIT_USAGE;
		case O_JSON:
			json = true;
			break;
		case O_SAMPLE:
			if (mx_parse_num("--sample-ms", optarg, 0, 60000,
					 &sample_ms))
				return mx_usage("%s", mx_errmsg);
			break;
		}
	}
	single = argc - optind == 1;
	for (i = optind; i < argc; i++) {
		if (mx_check_name(argv[i]))
			return mx_usage("%s", mx_errmsg);
		if (mx_names_add(&ns, argv[i]))
			return mx_err(MX_EXIT_FAIL, NULL);
	}
	if (optind == argc && mx_all_names(&ns)) {
		r = mx_err(MX_EXIT_FAIL, NULL);
		if (json) {
			/* The error as a result: no mirror could be named. */
			arr = mx_json_array();
			if (arr && !mx_json_add_mirror(arr, NULL, NULL, NULL, r,
						       mx_errmsg))
				mx_json_emit(stdout, arr);
		}
		return r;
	}

	ms = calloc(ns.n + 1, sizeof(*ms));
	st = calloc(ns.n + 1, sizeof(*st));
	st0 = calloc(ns.n + 1, sizeof(*st0));
	errs = calloc(ns.n + 1, sizeof(*errs));
	msgs = calloc(ns.n + 1, sizeof(*msgs));
	arr = json ? mx_json_array() : NULL;
	if (!ms || !st || !st0 || !errs || !msgs || (json && !arr))
		return mx_err(MX_EXIT_FAIL, "out of memory");
	for (i = 0; i < ns.n; i++) {
		r = mx_find(ns.v[i], &ms[i], false);
		if (r) {
			code = code ? code : r;
			errs[i] = r;
			snprintf(msgs[i], sizeof(msgs[i]), "%s", mx_errmsg);
			continue;
		}
		if (!ms[i].info.exists)
			continue;
		if (mx_get_status(ns.v[i], &st0[i])) {
			r = mx_err(MX_EXIT_FAIL, NULL);
			code = code ? code : r;
			errs[i] = r;
			snprintf(msgs[i], sizeof(msgs[i]), "%s", mx_errmsg);
			continue;
		}
		st[i] = st0[i];
		sample |= mx_resyncing(&st0[i]);
	}
	/* A second sample gives speed and ETA of running resyncs. */
	if (sample && sample_ms) {
		t0 = mx_now();
		usleep(sample_ms * 1000);
		dt = mx_now() - t0;
		for (i = 0; i < ns.n; i++) {
			if (errs[i] || !ms[i].info.exists)
				continue;
			if (mx_get_status(ns.v[i], &st[i]))
				st[i] = st0[i];
			else
				mx_status_rates(&st[i], &st0[i], dt);
		}
	}

	for (i = 0; i < ns.n; i++)
		if (!errs[i] && ms[i].info.exists)
			mx_get_stats(ns.v[i], &st[i]);

	for (i = 0; i < ns.n; i++) {
		if (json) {
			if (mx_json_add_mirror(arr, ns.v[i], &ms[i], &st[i],
					       errs[i], msgs[i]))
				code = mx_err(MX_EXIT_FAIL, NULL);
			continue;
		}
		if (errs[i])
			continue;
		if (shown++)
			fputs("\n", stdout);
		if (ms[i].info.exists)
			mx_status_human(stdout, ms[i].name, &st[i],
					ms[i].has_conf ? &ms[i].conf : NULL,
					ms[i].info.open_count,
					ms[i].info.suspended);
		else
			printf("%s: down (configured as %s; mirrorctl up %s starts it)\n",
			       ms[i].name, mx_role_name(ms[i].conf.role),
			       ms[i].name);
	}
	if (json)
		mx_json_emit(stdout, arr);
	else if (!shown && !single && !code)
		printf("no mirrors\n");
	free(errs);
	free(msgs);
	free(ms);
	free(st);
	free(st0);
	free(ns.v);
	return code;
}

/* ---- list ---- */

int mx_cmd_list(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, O_JSON },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct json_object *arr = NULL;
	struct mx_names ns = { 0 };
	struct mx_status st;
	struct mx_mirror m;
	bool json = false;
	int opt, i, j, r, npeers, code = 0;

	while ((opt = mx_getopt(argc, argv, ":h", opts)) != -1) {
		if (opt == 'h')
			return 0;
		if (opt == '?')
			return MX_EXIT_USAGE;
		json = true;
	}
	if (mx_want_args(argc, argv, 0, ""))
		return MX_EXIT_USAGE;
	if (json) {
		arr = mx_json_array();
		if (!arr)
			return mx_err(MX_EXIT_FAIL, "out of memory");
	}
	if (mx_all_names(&ns)) {
		r = mx_err(MX_EXIT_FAIL, NULL);
		if (json) {
			mx_json_err(json, arr, NULL, r);
			mx_json_emit(stdout, arr);
		}
		return r;
	}
	if (!json)
		printf("%-16s %-7s %-7s %-4s %-20s %-20s %s\n", "NAME", "ROLE",
		       "STATE", "NODE", "DATA", "META", "PEERS");
	for (i = 0; i < ns.n; i++) {
		r = mx_find(ns.v[i], &m, false);
		if (r) {
			code = code ? code : r;
			mx_json_err(json, arr, ns.v[i], r);
			continue;
		}
		if (json) {
			if (m.info.exists && mx_get_status(m.name, &st)) {
				r = mx_err(MX_EXIT_FAIL, NULL);
				code = code ? code : r;
				mx_json_err(json, arr, ns.v[i], r);
			} else if (mx_json_add_mirror(arr, ns.v[i], &m, &st, 0,
						      NULL)) {
				code = mx_err(MX_EXIT_FAIL, NULL);
			}
			continue;
		}
		/* Running without a config: what the table says. */
		if (!m.has_conf &&
		    sscanf(m.table.params, "%255s %255s", m.conf.data,
			   m.conf.meta) != 2) {
			m.conf.data[0] = '\0';
			m.conf.meta[0] = '\0';
		}
		/* PEERS is the last column: no bound on its length. */
		printf("%-16s %-7s %-7s %-4s %-20s %-20s ", m.name,
		       mx_role_name(m.info.exists ? m.role : m.conf.role),
		       m.info.exists ? "up" : "down",
		       m.has_conf ? (char[]){ '0' + m.conf.node_id, 0 } : "-",
		       m.conf.data, m.conf.meta);
		npeers = 0;
		for (j = 0; j < MX_NODES; j++)
			if (m.conf.peers[j].present)
				printf("%s%d@%s", npeers++ ? "," : "", j,
				       m.conf.peers[j].addr);
		puts(npeers ? "" : "-");
	}
	if (json)
		mx_json_emit(stdout, arr);
	free(ns.v);
	return code;
}

/* ---- metrics ---- */

int mx_cmd_metrics(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "sample-ms", required_argument, NULL, O_SAMPLE },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct mx_metrics_mirror *mm = NULL;
	struct mx_status *st = NULL, *st0 = NULL;
	struct mx_names ns = { 0 };
	uint64_t sample_ms = 1000;
	int opt, i, r, code = 0, n = 0;
	struct mx_mirror m;
	bool sample = false;
	double t0;

	while ((opt = mx_getopt(argc, argv, ":h", opts)) != -1) {
		if (opt == 'h')
			return 0;
		if (opt == '?')
			return MX_EXIT_USAGE;
		if (mx_parse_num("--sample-ms", optarg, 0, 60000, &sample_ms))
			return mx_usage("%s", mx_errmsg);
	}
	if (mx_want_args(argc, argv, 0, ""))
		return MX_EXIT_USAGE;
	if (mx_all_names(&ns))
		return mx_err(MX_EXIT_FAIL, NULL);
	mm = calloc(ns.n + 1, sizeof(*mm));
	st = calloc(ns.n + 1, sizeof(*st));
	st0 = calloc(ns.n + 1, sizeof(*st0));
	if (!mm || !st || !st0)
		return mx_err(MX_EXIT_FAIL, "out of memory");
	for (i = 0; i < ns.n; i++) {
		r = mx_find(ns.v[i], &m, false);
		if (!r && m.info.exists && mx_get_status(m.name, &st0[n]))
			r = mx_err(MX_EXIT_FAIL, NULL);
		if (r) {
			code = code ? code : r;	/* the others still count */
			continue;
		}
		mm[n].name = ns.v[i];
		mm[n].st = m.info.exists ? &st[n] : NULL;
		st[n] = st0[n];
		sample |= m.info.exists && mx_resyncing(&st0[n]);
		n++;
	}
	if (sample && sample_ms) {
		t0 = mx_now();
		usleep(sample_ms * 1000);
		for (i = 0; i < n; i++)
			if (mm[i].st && !mx_get_status(mm[i].name, &st[i]))
				mx_status_rates(&st[i], &st0[i], mx_now() - t0);
	}
	for (i = 0; i < n; i++)
		if (mm[i].st)
			mx_get_stats(mm[i].name, &st[i]);
	mx_metrics_write(stdout, mm, n);
	free(mm);
	free(st);
	free(st0);
	free(ns.v);
	return code;
}

/* ---- dump ---- */

int mx_cmd_dump(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, O_JSON },
		{ "all", no_argument, NULL, O_ALL },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct json_object *arr = NULL;
	struct mx_names ns = { 0 };
	bool json = false, all = false;
	int opt, i, r, code = 0, shown = 0;
	struct mx_status st;
	struct mx_mirror m;
	char *text;

	while ((opt = mx_getopt(argc, argv, ":h", opts)) != -1) {
		if (opt == 'h')
			return 0;
		if (opt == '?')
			return MX_EXIT_USAGE;
		if (opt == O_ALL)
			all = true;
		else
			json = true;
	}
	if (all && mx_want_args(argc, argv, 0, ""))
		return MX_EXIT_USAGE;
	if (!all && mx_want_args(argc, argv, 1, "mirror NAME (or --all)"))
		return MX_EXIT_USAGE;
	if (!all && mx_check_name(argv[optind]))
		return mx_usage("%s", mx_errmsg);
	text = malloc(MX_CONF_MAX);
	arr = json ? mx_json_array() : NULL;
	if (!text || (json && !arr))
		return mx_err(MX_EXIT_FAIL, "out of memory");
	if (all ? mx_all_names(&ns) : mx_names_add(&ns, argv[optind])) {
		r = mx_err(MX_EXIT_FAIL, NULL);
		mx_json_err(json, arr, NULL, r);
		goto out;
	}
	for (i = 0; i < ns.n; i++) {
		r = mx_find(ns.v[i], &m, !all);
		if (!r && !m.has_conf)
			continue;	/* --all: running without a config */
		if (!r && json && m.info.exists && mx_get_status(m.name, &st))
			r = mx_err(MX_EXIT_FAIL, NULL);
		if (r) {
			code = code ? code : r;
			mx_json_err(json, arr, ns.v[i], r);
			continue;
		}
		if (json) {
			if (mx_json_add_mirror(arr, ns.v[i], &m, &st, 0, NULL))
				code = mx_err(MX_EXIT_FAIL, NULL);
			continue;
		}
		if (mx_conf_format(&m.conf, text, MX_CONF_MAX)) {
			code = mx_err(MX_EXIT_FAIL, NULL);
			continue;
		}
		printf("%s%s", shown++ ? "\n" : "", text);
	}
	r = code;
out:
	if (json)
		mx_json_emit(stdout, arr);
	free(text);
	free(ns.v);
	return r;
}

/* ---- wait-sync ---- */

/*
 * A state no waiting will get out of: an admin has to act. Returns the
 * advice in @buf, or NULL.
 */
static const char *mx_stuck(const char *name, const struct mx_peer_status *p,
			    char *buf, size_t len)
{
	if (!strcmp(p->repl, "SplitBrain"))
		snprintf(buf, len, "split brain: on the node whose data wins, as the source: mirrorctl resync %s %d --full",
			 name, p->id);
	else if (!strcmp(p->repl, "TargetNewer"))
		snprintf(buf, len, "node %d has newer data: promote it, or discard its data with mirrorctl resync %s %d --full",
			 p->id, name, p->id);
	else if (!strcmp(p->repl, "Refused"))
		snprintf(buf, len, "the handshake was refused (dmesg says why); then mirrorctl connect %s %d",
			 name, p->id);
	else if (!strcmp(p->conn, "StandAlone"))
		snprintf(buf, len, "disconnected by the admin: mirrorctl connect %s %d",
			 name, p->id);
	else
		return NULL;
	return buf;
}

/* Columns of the terminal on stdout (80 when it does not say). */
static unsigned int mx_term_width(void)
{
	struct winsize ws;

	if (!ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) && ws.ws_col >= 20)
		return ws.ws_col;
	return 80;
}

/*
 * One line per peer still to wait for. On a terminal the lines are
 * redrawn in place (@drawn: how many the last call drew); else they are
 * printed and flushed, so a pipe or a log sees them as they come.
 */
static void mx_progress(const char *name, const struct mx_status *st,
			bool tty, int *drawn)
{
	unsigned int width = tty ? mx_term_width() : 200;
	char line[256];
	uint32_t i;
	int n = 0;

	if (tty && *drawn > 1)
		printf("\033[%dA", *drawn - 1);
	for (i = 0; i < st->nr_peers; i++) {
		if (mx_peer_done(&st->peers[i]) &&
		    st->role != MX_ROLE_TARGET)
			continue;
		mx_progress_line(name, st, &st->peers[i], width, line,
				 sizeof(line));
		if (tty)
			printf("%s\r%s\033[K", n ? "\n" : "", line);
		else
			printf("%s\n", line);
		n++;
	}
	if (tty) {
		printf("\033[J");
		*drawn = n;
	}
	fflush(stdout);
}

/* Take the progress lines off the terminal. */
static void mx_progress_clear(bool tty, int *drawn)
{
	if (!tty || !*drawn)
		return;
	if (*drawn > 1)
		printf("\033[%dA", *drawn - 1);
	printf("\r\033[J");
	fflush(stdout);
	*drawn = 0;
}

/* At most @ms, and at most @left seconds (< 0: no limit) plus a tick. */
static int mx_wait_ms(int ms, double left)
{
	if (left >= 0 && left * 1000 < ms)
		return (int)(left * 1000) + 1;
	return ms;
}

int mx_cmd_wait_sync(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "timeout", required_argument, NULL, O_TIMEOUT },
		{ "quiet", no_argument, NULL, O_QUIET },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct mx_status st, prev;
	uint64_t timeout = 0;
	double start, last = 0, tprev = 0, now;
	bool quiet = false, tty, have_prev = false;
	struct mx_mirror m;
	int opt, r, drawn = 0;
	uint32_t i;

	while ((opt = mx_getopt(argc, argv, ":h", opts)) != -1) {
		switch (opt) {
		case 'h':
			return 0;
		case '?':
			return MX_EXIT_USAGE;
		case O_TIMEOUT:
			if (mx_parse_num("--timeout seconds", optarg, 0,
					 UINT32_MAX, &timeout))
				return mx_usage("%s", mx_errmsg);
			break;
		case O_QUIET:
			quiet = true;
			break;
		}
	}
	r = mx_find_arg(argc, argv, &m, false);
	if (r)
		return r;
	if (!m.info.exists)
		return mx_err(MX_EXIT_FAIL, "%s is not running (mirrorctl up %s)",
			      m.name, m.name);
	tty = isatty(STDOUT_FILENO) && !quiet;
	start = mx_now();
	for (;;) {
		/* Woken by the kernel's events (the count read first). */
		if (mx_watch_name(m.name) || mx_get_status(m.name, &st)) {
			mx_progress_clear(tty, &drawn);
			return mx_err(MX_EXIT_FAIL, NULL);
		}
		now = mx_now();
		if (have_prev)
			mx_status_rates(&st, &prev, now - tprev);
		prev = st;
		tprev = now;
		have_prev = true;
		if (mx_status_all_in_sync(&st)) {
			mx_progress_clear(tty, &drawn);
			mx_quiet = quiet;
			mx_note("%s: in sync", m.name);
			return 0;
		}
		for (i = 0; st.role == MX_ROLE_SOURCE && i < st.nr_peers; i++) {
			char advice[256];
			const char *why = mx_stuck(m.name, &st.peers[i], advice,
						   sizeof(advice));

			if (why) {
				mx_progress_clear(tty, &drawn);
				return mx_err(MX_EXIT_FAIL,
					      "%s: peer %d is %s/%s: %s",
					      m.name, st.peers[i].id,
					      st.peers[i].conn,
					      st.peers[i].repl, why);
			}
		}
		if (timeout && now - start >= timeout) {
			mx_progress_clear(tty, &drawn);
			return mx_err(MX_EXIT_TIMEOUT,
				      "%s: not in sync after %llu s",
				      m.name, (unsigned long long)timeout);
		}
		if (tty || (!quiet && now - last >= 10)) {
			mx_progress(m.name, &st, tty, &drawn);
			last = now;
		}
		if (mx_watch_wait(mx_wait_ms(tty ? 500 : 1000, timeout ?
					     start + timeout - now : -1)) < 0) {
			mx_progress_clear(tty, &drawn);
			return mx_err(MX_EXIT_FAIL, NULL);
		}
	}
}

/* ---- check ---- */

/*
 * Print the problems of @name (when @print); returns how many, or minus
 * the exit code after an error was printed.
 */
static int mx_problems(const char *name, enum mx_role want, bool print)
{
	struct mx_status st;
	struct mx_mirror m;
	int n = 0, r;
	uint32_t i;

	r = mx_find(name, &m, false);
	if (r)
		return -r;
	if (!m.info.exists) {
		if (print)
			printf("%s: not running\n", name);
		return 1;
	}
	if (want != MX_ROLE_NONE && m.role != want) {
		if (print)
			printf("%s: is a %s here, expected %s\n", name,
			       mx_role_name(m.role), mx_role_name(want));
		return 1;
	}
	if (m.info.suspended) {
		n++;
		if (print)
			printf("%s: SUSPENDED: its I/O waits (dmsetup resume %s)\n",
			       name, name);
	}
	if (mx_get_status(name, &st))
		return -mx_err(MX_EXIT_FAIL, NULL);
	for (i = 0; i < st.nr_peers; i++) {
		const struct mx_peer_status *p = &st.peers[i];
		char advice[256];
		const char *why = mx_stuck(name, p, advice, sizeof(advice));

		if (st.role == MX_ROLE_TARGET) {
			if (strcmp(p->conn, "Connected")) {
				n++;
				if (print)
					printf("%s: no source connected (%s, data %s)\n",
					       name, p->conn, st.data_state);
			}
			continue;
		}
		if (!strcmp(p->fence, "Pending") || !strcmp(p->fence, "Failed")) {
			n++;
			if (print)
				printf("%s: peer %d lost while in sync, fencing %s: writes held until it is outdated (mirrorctl outdate %s on node %d, then mirrorctl peer-outdated %s %d) or reconnects\n",
				       name, p->id, p->fence, name, p->id, name,
				       p->id);
		} else if (why) {
			n++;
			if (print)
				printf("%s: peer %d %s/%s: %s\n", name, p->id,
				       p->conn, p->repl, why);
		} else if (strcmp(p->conn, "Connected")) {
			n++;
			if (print)
				printf("%s: peer %d not connected (%s), %llu regions out of sync\n",
				       name, p->id, p->conn,
				       (unsigned long long)p->oos);
		}
	}
	return n;
}

static void mx_print_conf_problem(void *arg, const char *problem)
{
	printf("%s: %s\n", (const char *)arg, problem);
}

/*
 * check NAME --peer-config FILE: NAME's config against another node's
 * (FILE, "-" for standard input), without looking at the running mirror.
 */
static int mx_check_peer_config(const char *name, const char *file)
{
	struct mx_mirror m;
	struct mx_conf theirs;
	int r, n;

	r = mx_find(name, &m, true);
	if (r)
		return r;
	if (mx_conf_validate(&m.conf))
		return mx_err(MX_EXIT_USAGE, "%s's config: %s", name,
			      mx_errmsg);
	r = mx_conf_load_file(file, &theirs);
	if (!r && mx_conf_validate(&theirs))
		r = MX_CONF_BAD;
	/* The file is an argument: unreadable or wrong, it is bad input. */
	if (r)
		return mx_err(MX_EXIT_USAGE, "--peer-config %s: %s", file,
			      mx_errmsg);
	n = mx_conf_crosscheck(&m.conf, &theirs, mx_print_conf_problem,
			       (void *)name);
	if (n)
		return MX_EXIT_FAIL;
	mx_note("%s: node %u's config (this one) and node %u's (%s) agree",
		name, m.conf.node_id, theirs.node_id, file);
	return 0;
}

int mx_cmd_check(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "role", required_argument, NULL, O_ROLE },
		{ "wait", required_argument, NULL, O_WAIT },
		{ "peer-config", required_argument, NULL, O_PEER_CONF },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	enum mx_role want = MX_ROLE_NONE;
	const char *peer_conf = NULL;
	uint64_t wait = 0;
	double deadline;
	int opt, n;

	while ((opt = mx_getopt(argc, argv, ":h", opts)) != -1) {
		switch (opt) {
		case 'h':
			return 0;
		case '?':
			return MX_EXIT_USAGE;
		case O_ROLE:
			if (mx_parse_role(optarg, &want))
				return mx_usage("%s", mx_errmsg);
			break;
		case O_WAIT:
			if (mx_parse_num("--wait seconds", optarg, 0, 3600,
					 &wait))
				return mx_usage("%s", mx_errmsg);
			break;
		case O_PEER_CONF:
			peer_conf = optarg;
			break;
		}
	}
	if (mx_want_args(argc, argv, 1, "mirror NAME"))
		return MX_EXIT_USAGE;
	if (mx_check_name(argv[optind]))
		return mx_usage("%s", mx_errmsg);
	if (peer_conf) {
		if (wait || want != MX_ROLE_NONE)
			return mx_usage("--peer-config checks configs only: it takes no --role or --wait");
		return mx_check_peer_config(argv[optind], peer_conf);
	}
	deadline = mx_now() + wait;
	for (;;) {
		double left;

		/* Woken by the kernel's events (the count read first). */
		if (wait && mx_watch_name(argv[optind]))
			return mx_err(MX_EXIT_FAIL, NULL);
		n = mx_problems(argv[optind], want, false);
		left = deadline - mx_now();
		if (n <= 0 || left <= 0)
			break;
		if (mx_watch_wait(mx_wait_ms(1000, left)) < 0)
			return mx_err(MX_EXIT_FAIL, NULL);
	}
	if (n < 0)
		return -n;	/* mx_find() or the status said why */
	if (n) {
		mx_problems(argv[optind], want, true);
		return MX_EXIT_FAIL;
	}
	mx_note("%s: healthy", argv[optind]);
	return 0;
}

/* ---- role ---- */

int mx_cmd_role(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct mx_mirror m;
	int opt, r;

	while ((opt = mx_getopt(argc, argv, ":h", opts)) != -1)
		return opt == 'h' ? 0 : MX_EXIT_USAGE;
	r = mx_find_arg(argc, argv, &m, false);
	if (r)
		return r;
	printf("%s\n", m.info.exists ? mx_role_name(m.role) : "down");
	return 0;
}

/* ---- peer verbs ---- */

/* NAME PEER: an active source and one of its peers (-1: "all"). */
static int mx_peer_args(int argc, char **argv, bool allow_all,
			struct mx_mirror *m, struct mx_status *st, int *peer)
{
	char ids[64] = "";
	uint32_t id, i;
	int r;

	if (mx_want_args(argc, argv, 2, allow_all ? "NAME and PEER (a node id, or all)" :
			 "NAME and PEER (a node id)"))
		return MX_EXIT_USAGE;
	if (mx_check_name(argv[optind]))
		return mx_usage("%s", mx_errmsg);
	if (allow_all && !strcmp(argv[optind + 1], "all")) {
		*peer = -1;
	} else {
		if (mx_parse_node_id(argv[optind + 1], &id))
			return mx_usage("bad peer: %s", mx_errmsg);
		*peer = id;
	}
	r = mx_find(argv[optind], m, false);
	if (r)
		return r;
	if (!m->info.exists)
		return mx_err(MX_EXIT_FAIL, "%s is not running (mirrorctl up %s)",
			      m->name, m->name);
	if (m->role != MX_ROLE_SOURCE)
		return mx_err(MX_EXIT_FAIL,
			      "%s is a target on this node: run %s on its source",
			      m->name, mx_cur_verb->name);
	if (mx_get_status(m->name, st))
		return mx_err(MX_EXIT_FAIL, NULL);
	if (*peer >= 0 && mx_status_peer_index(st, *peer) < 0) {
		for (i = 0; i < st->nr_peers; i++)
			snprintf(ids + strlen(ids), sizeof(ids) - strlen(ids),
				 " %d", st->peers[i].id);
		return mx_err(MX_EXIT_USAGE, "%s has no peer %d (its peers:%s)",
			      m->name, *peer, ids);
	}
	return 0;
}

/* Send "VERB PEER" (or one per peer for "all"). */
static int mx_peer_msg(int argc, char **argv, bool allow_all,
		       const char *msgverb, bool skip_connected)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct mx_status st;
	struct mx_mirror m;
	char msg[64];
	int opt, r, peer, sent = 0;
	uint32_t i;

	while ((opt = mx_getopt(argc, argv, ":h", opts)) != -1)
		return opt == 'h' ? 0 : MX_EXIT_USAGE;
	r = mx_peer_args(argc, argv, allow_all, &m, &st, &peer);
	if (r)
		return r;
	for (i = 0; i < st.nr_peers; i++) {
		const struct mx_peer_status *p = &st.peers[i];

		if (peer >= 0 && p->id != peer)
			continue;
		if (peer < 0 && skip_connected &&
		    !strcmp(p->conn, "Connected"))
			continue;
		snprintf(msg, sizeof(msg), "%s %d", msgverb, p->id);
		if (mx_dm_message(m.name, msg))
			return mx_err(MX_EXIT_FAIL, NULL);
		mx_note("%s: %s peer %d", m.name, msgverb, p->id);
		sent++;
	}
	if (!sent)
		mx_note("%s: nothing to %s", m.name, msgverb);
	return 0;
}

/*
 * A peer a full resync of all would overwrite data of that nobody looked
 * at: newer or diverged data, or a peer that does not replicate now. The
 * kernel marks a full sync for every peer ("resync all full") and drops
 * the mark only for one that replicates (source.c, mx_request_resync()),
 * so a peer away now (Connecting, StandAlone, refused for any reason, in
 * its handshake) gets this node's data at its next connection, before any
 * split brain test (generation.c, mx_gen_compare()), whatever it wrote.
 * @buf (@len bytes) holds the reason when it is not a constant.
 */
static const char *mx_peer_data_at_stake(const struct mx_peer_status *p,
					 char *buf, size_t len)
{
	static const char * const replicating[] = {
		"InSync", "Resyncing", "Paused", "Behind", "Verifying",
	};
	size_t i;

	if (!strcmp(p->repl, "SplitBrain"))
		return "split brain: its data diverged";
	if (!strcmp(p->repl, "TargetNewer"))
		return "its data is newer than this node's";
	if (!strcmp(p->conn, "Connected"))
		for (i = 0; i < ARRAY_SIZE(replicating); i++)
			if (!strcmp(p->repl, replicating[i]))
				return NULL;
	snprintf(buf, len, "%s %s, not replicating: its data goes when it connects",
		 p->conn, p->repl);
	return buf;
}

int mx_cmd_resync(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "full", no_argument, NULL, O_FULL },
		{ "force", no_argument, NULL, O_FORCE },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct mx_status st;
	struct mx_mirror m;
	bool full = false, force = false;
	char msg[64], lost[1024] = "", ids[64] = "", whybuf[128];
	const char *why;
	int opt, r, peer, nlost = 0;
	uint32_t i;

	while ((opt = mx_getopt(argc, argv, ":h", opts)) != -1) {
		if (opt == 'h')
			return 0;
		if (opt == '?')
			return MX_EXIT_USAGE;
		if (opt == O_FULL)
			full = true;
		else
			force = true;
	}
	if (force && !full)
		return mx_usage("--force goes with --full (it lets resync all --full discard the data of a peer in a split brain, newer or not replicating)");
	r = mx_peer_args(argc, argv, true, &m, &st, &peer);
	if (r)
		return r;
	/*
	 * A full resync names each refused peer it reaches the loser: its
	 * data is overwritten with this node's. "all" must not do that to a
	 * peer nobody looked at.
	 */
	for (i = 0; full && i < st.nr_peers; i++) {
		const struct mx_peer_status *p = &st.peers[i];

		why = mx_peer_data_at_stake(p, whybuf, sizeof(whybuf));
		if (!why || (peer >= 0 && p->id != peer))
			continue;
		snprintf(lost + strlen(lost), sizeof(lost) - strlen(lost),
			 "%speer %d (%s)", nlost ? ", " : "", p->id, why);
		snprintf(ids + strlen(ids), sizeof(ids) - strlen(ids), " %d",
			 p->id);
		nlost++;
	}
	if (nlost && peer < 0 && !force)
		return mx_err(MX_EXIT_REFUSED,
			      "resync %s all --full would discard the data of %s: to discard it, name each such peer (mirrorctl resync %s PEER --full, PEER one of:%s), or give --force; to keep it, name only the peers to resync, or promote that node instead",
			      m.name, lost, m.name, ids);
	if (nlost)
		mx_note("%s: discarding the data of %s: it gets this node's",
			m.name, lost);
	if (peer < 0)
		snprintf(msg, sizeof(msg), "resync all%s", full ? " full" : "");
	else
		snprintf(msg, sizeof(msg), "resync %d%s", peer,
			 full ? " full" : "");
	if (mx_dm_message(m.name, msg))
		return mx_err(MX_EXIT_FAIL, NULL);
	mx_note("%s: %s resync of %s%s started", m.name,
		full ? "full" : "partial", peer < 0 ? "all peers" : "peer ",
		peer < 0 ? "" : argv[optind + 1]);
	return 0;
}

int mx_cmd_pause(int argc, char **argv)
{
	return mx_peer_msg(argc, argv, false, "pause", false);
}

int mx_cmd_resume(int argc, char **argv)
{
	return mx_peer_msg(argc, argv, false, "resume", false);
}

int mx_cmd_connect(int argc, char **argv)
{
	return mx_peer_msg(argc, argv, true, "connect", true);
}

int mx_cmd_verify(int argc, char **argv)
{
	return mx_peer_msg(argc, argv, false, "verify", false);
}

int mx_cmd_disconnect(int argc, char **argv)
{
	return mx_peer_msg(argc, argv, true, "disconnect", false);
}

int mx_cmd_peer_outdated(int argc, char **argv)
{
	return mx_peer_msg(argc, argv, false, "peer_outdated", false);
}

/*
 * outdate NAME: the target refuses while its source looks connected (a
 * cut link stays "Connected" until it has been silent for 10 s): retry
 * until @secs, then fail naming the source.
 */
int mx_cmd_outdate(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "timeout", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct mx_status st;
	struct mx_mirror m;
	uint64_t secs = 30;
	double end;
	int opt, r;

	while ((opt = mx_getopt(argc, argv, ":h", opts)) != -1) {
		if (opt == 'h')
			return 0;
		if (opt == '?')
			return MX_EXIT_USAGE;
		if (mx_parse_num("--timeout seconds", optarg, 0, 3600, &secs))
			return mx_usage("%s", mx_errmsg);
	}
	r = mx_find_arg(argc, argv, &m, false);
	if (r)
		return r;
	if (!m.info.exists)
		return mx_err(MX_EXIT_FAIL, "%s is not running (mirrorctl up %s)",
			      m.name, m.name);
	if (m.role != MX_ROLE_TARGET)
		return mx_err(MX_EXIT_REFUSED,
			      "%s is the source on this node: only a target can be outdated",
			      m.name);
	end = mx_now() + (double)secs;
	for (;;) {
		if (mx_get_status(m.name, &st))
			return mx_err(MX_EXIT_FAIL, NULL);
		if (!st.nr_peers || strcmp(st.peers[0].conn, "Connected"))
			break;
		if (mx_now() >= end)
			return mx_err(MX_EXIT_REFUSED,
				      "source node %d is connected to %s here: its writes reach this node; disconnect it on the source first",
				      st.peers[0].id, m.name);
		usleep(500000);
	}
	if (mx_dm_message(m.name, "outdate"))
		return mx_err(MX_EXIT_FAIL, NULL);
	if (mx_get_status(m.name, &st))
		return mx_err(MX_EXIT_FAIL, NULL);
	mx_note("%s: data %s: not promotable until a resync from the source",
		m.name, st.data_state);
	return 0;
}
