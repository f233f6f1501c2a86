// SPDX-License-Identifier: GPL-2.0
/*
 * mirrorctl: manage dm-mirrorx mirrors (see Documentation/mirrorctl.8).
 *
 *   mirrorctl [--conf-dir DIR] VERB [options] [args]
 *
 * This file holds main(), the verb table with every verb's help, and the
 * helpers the verbs share. Device-mapper is reached through libdevmapper
 * only (mx_dm.c); metadata through the kernel's codec (mx_meta.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <syslog.h>
#include <unistd.h>
#include <linux/fs.h>
#include "mirrorctl.h"
#include "mx_meta.h"
#include "mx_watch.h"

const struct mx_verb *mx_cur_verb;
bool mx_quiet;

static const struct mx_verb mx_verbs[] = {
	{ "create", mx_cmd_create,
	  "NAME --role source|target --data DEV --meta DEV [options]",
	  "check the devices, format the metadata, write the config, start",
	  "  --role source|target     role to start in (required)\n"
	  "  --node-id N              this node's id 0..7 (source: default 0;\n"
	  "                           target: required)\n"
	  "  --data DEV               data block device (required)\n"
	  "  --meta DEV               metadata block device (required)\n"
	  "  --region-size SIZE       intent-log region, power of two 4K..1G\n"
	  "                           (default 64K)\n"
	  "  --peer ID,HOST:PORT[,sync|async]\n"
	  "                           another node of the mirror (repeat; a\n"
	  "                           source needs one, a target should name\n"
	  "                           its source so it can be promoted)\n"
	  "  --listen HOST:PORT       address this node listens on as a target\n"
	  "                           (default 0.0.0.0:7789)\n"
	  "  --resync-rate RATE       resync limit: KiB/s, or 100M, 1G/s\n"
	  "                           (0 = unlimited)\n"
	  "  --async-limit SIZE       async queue bound (1M..16G)\n"
	  "  --hot-set MIB            intent-log hot set, MiB 0..16777216:\n"
	  "                           bounds the resync after a source crash\n"
	  "                           (kernel default 1024)\n"
	  "  --on-congestion block|behind\n"
	  "  --on-disconnect continue|suspend\n"
	  "  --fencing none|resource  hold writes when an in-sync peer is lost\n"
	  "                           until it is outdated (default none)\n"
	  "  --fence-timeout SECS     fencing: Failed after SECS (default 60)\n"
	  "  --fence-peer CMD         the fence-peer command that\n"
	  "                           fence-handler runs (config key\n"
	  "                           fence_peer)\n"
	  "  --fence-peer-timeout SECS  kill that command after SECS\n"
	  "                           (default 120)\n"
	  "  --auth KEYDESC           kernel keyring key holding the secret\n"
	  "  --data-csum              checksum every data packet\n"
	  "  --compress lz4|zstd|none compress data on the link (both nodes'\n"
	  "                           configs; default none)\n"
	  "  --assume-clean           both sides hold identical data (e.g. both\n"
	  "                           zeroed): skip the initial full sync\n"
	  "  --keep-meta              reuse valid existing metadata\n"
	  "  --force                  overwrite existing metadata or config\n"
	  "  --no-start               only write the config and metadata\n" },
	{ "delete", mx_cmd_delete, "NAME [--wipe-meta [--force]]",
	  "stop the mirror and remove its config",
	  "  --wipe-meta              also zero the metadata superblock: only\n"
	  "                           a block device holding this mirror's\n"
	  "                           (the running table's, or the UUID the\n"
	  "                           config recorded as meta_uuid)\n"
	  "  --force                  with --wipe-meta: wipe any block device\n" },
	{ "up", mx_cmd_up, "NAME|--all [--role source|target]",
	  "start a configured mirror (after a reboot)",
	  "  --all                    every configured mirror not running yet\n"
	  "                           (at boot: mirrorx.service)\n"
	  "  --role source|target     role to start in (default: the role in\n"
	  "                           the config, which promote/demote keep)\n" },
	{ "down", mx_cmd_down, "NAME|--all", "stop a mirror (the config stays)",
	  "  --all                    every running mirror\n" },
	{ "status", mx_cmd_status, "[NAME...] [--json] [--sample-ms MS]",
	  "show role, states, out-of-sync size, resync progress, speed, ETA",
	  "  --json                   machine-readable output\n"
	  "  --sample-ms MS           sampling time for speed/ETA while a\n"
	  "                           resync runs (default 1000, 0 = none)\n" },
	{ "list", mx_cmd_list, "[--json]", "list mirrors, configured or active",
	  "  --json                   machine-readable output\n" },
	{ "dump", mx_cmd_dump, "NAME|--all [--json]",
	  "print the effective config (every key, defaults filled in)",
	  "  --all                    every configured mirror\n"
	  "  --json                   the mirror objects of status --json\n"
	  "                           (key \"config\" holds the config)\n" },
	{ "metrics", mx_cmd_metrics, "[--sample-ms MS]",
	  "OpenMetrics text of every mirror (node_exporter textfile)",
	  "  --sample-ms MS           sampling time for the resync speed\n"
	  "                           (default 1000, 0 = none)\n" },
	{ "events", mx_cmd_events,
	  "[NAME...] [--now] [--json] [--timestamps] [--timeout SECS]",
	  "a line per state change, as it happens (see mirrorctl(8))",
	  "  --now                    first list the current state (\"exists\"\n"
	  "                           lines, ended by \"exists -\")\n"
	  "  --json                   one JSON object per line\n"
	  "  --timestamps             prefix each line with its UTC time\n"
	  "  --timeout SECS           stop after SECS (default: never)\n" },
	{ "wait-sync", mx_cmd_wait_sync, "NAME [--timeout SECS] [--quiet]",
	  "wait until every peer is in sync (a progress line per peer)",
	  "  --timeout SECS           give up after SECS (exit 5); default: never\n"
	  "  --quiet                  no progress output\n" },
	{ "check", mx_cmd_check, "NAME [--role source|target] [--wait SECS] | NAME --peer-config FILE",
	  "health check: exit 0 when healthy, 1 with the problems listed",
	  "  --role source|target     the role the mirror must have here\n"
	  "  --wait SECS              retry until healthy for up to SECS\n"
	  "  --peer-config FILE       instead, check this node's config against\n"
	  "                           another node's (FILE, - for stdin)\n" },
	{ "role", mx_cmd_role, "NAME",
	  "print this node's role: source, target or down (for scripts)", "" },
	{ "resync", mx_cmd_resync, "NAME PEER|all [--full [--force]]",
	  "resync a peer now (its out-of-sync regions, or everything)",
	  "  --full                   every region; also names PEER the side\n"
	  "                           whose data is discarded after a split\n"
	  "                           brain or a target-newer refusal (all:\n"
	  "                           refused while a peer is in either)\n"
	  "  --force                  with all --full: discard those peers'\n"
	  "                           data too\n" },
	{ "pause", mx_cmd_pause, "NAME PEER", "pause a peer's resync", "" },
	{ "resume", mx_cmd_resume, "NAME PEER", "resume a peer's resync", "" },
	{ "connect", mx_cmd_connect, "NAME PEER|all",
	  "reconnect a peer (after disconnect or a refusal)", "" },
	{ "disconnect", mx_cmd_disconnect, "NAME PEER|all",
	  "drop a peer's connection and stop reconnecting", "" },
	{ "verify", mx_cmd_verify, "NAME PEER",
	  "online verify: compare every region with the peer, resync differences",
	  "" },
	{ "set", mx_cmd_set, "NAME [options]",
	  "change settings: config, and the running mirror",
	  "  --resync-rate RATE       applied at once (message)\n"
	  "  --async-limit SIZE       applied by reloading the table\n"
	  "  --hot-set MIB            applied by reloading the table\n"
	  "  --no-hot-set             the kernel's default hot set again\n"
	  "  --on-congestion block|behind\n"
	  "  --on-disconnect continue|suspend\n"
	  "  --fencing none|resource  applied by reloading the table\n"
	  "  --fence-timeout SECS     applied by reloading the table\n"
	  "  --fence-peer CMD | --no-fence-peer\n"
	  "                           the fence-handler's command (config only)\n"
	  "  --fence-peer-timeout SECS  its time limit (config only)\n"
	  "  --peer ID,HOST:PORT[,sync|async]   add or change a peer\n"
	  "  --remove-peer ID\n"
	  "  --listen HOST:PORT\n"
	  "  --auth KEYDESC | --no-auth\n"
	  "  --data-csum | --no-data-csum\n"
	  "  --compress lz4|zstd|none applied by reloading the table\n" },
	{ "adjust", mx_cmd_adjust, "NAME|--all [--dry-run]",
	  "bring a running mirror in line with its config (after editing it)",
	  "  --all                    every configured mirror that runs\n"
	  "  --dry-run                only print what would be done\n" },
	{ "resize", mx_cmd_resize, "NAME [--size SIZE]",
	  "grow a running mirror after its data device grew (no full resync)",
	  "  --size SIZE              the new size (default: the data device's);\n"
	  "                           a smaller one is refused\n" },
	{ "promote", mx_cmd_promote,
	  "NAME [--force] [--check-peers SECS] [--source-wait SECS]",
	  "make this node the source (over the same data and metadata)",
	  "  --force                  go ahead on Fresh, Outdated or Inconsistent\n"
	  "                           data (logged; the table says\n"
	  "                           force_promote), or while a source is\n"
	  "                           connected\n"
	  "  --check-peers SECS       wait up to SECS for the peers' verdict and\n"
	  "                           undo the promotion if one holds newer or\n"
	  "                           diverged data (default 0: no wait)\n"
	  "  --source-wait SECS       wait up to SECS for a connected source to\n"
	  "                           be declared dead (silent 10 s) before\n"
	  "                           refusing (default 15, 0: refuse at once)\n" },
	{ "outdate", mx_cmd_outdate, "NAME [--timeout SECS]",
	  "target: mark the data Outdated (not promotable until a resync)",
	  "  --timeout SECS           retry while the lost source still looks\n"
	  "                           connected (default 30)\n" },
	{ "peer-outdated", mx_cmd_peer_outdated, "NAME PEER",
	  "source: PEER is outdated or fenced, release the writes held for it",
	  "" },
	{ "fence-handler", mx_cmd_fence_handler,
	  "NAME [--exec CMD] [--follow | --once] [--timeout SECS]",
	  "source: run CMD when a peer's fencing is Pending, then peer-outdated",
	  "  --exec CMD               the cluster's fence-peer command (sh -c;\n"
	  "                           MIRRORX_NAME, MIRRORX_PEER,\n"
	  "                           MIRRORX_PEER_ADDRESS set): exit 0 only\n"
	  "                           once the peer cannot be promoted\n"
	  "                           (default: the config's fence_peer)\n"
	  "  --follow                 a daemon: also wait while the mirror is\n"
	  "                           down, a target or without fencing\n"
	  "                           (mirrorx-fence@.service, the OCF agent)\n"
	  "  --once                   end after the first fencing (exit 0 when\n"
	  "                           the peer was outdated, else 1)\n"
	  "  --timeout SECS           end after SECS (exit 5); default: never\n" },
	{ "demote", mx_cmd_demote, "NAME [--force]",
	  "make this node a target (read-only, listening)",
	  "  --force                  demote even while the device is open\n" },
};

#define MX_NR_VERBS	ARRAY_SIZE(mx_verbs)

static void mx_main_help(FILE *f)
{
	size_t i;

	fprintf(f,
		"Usage: mirrorctl [--conf-dir DIR] VERB [options] [args]\n"
		"       mirrorctl VERB --help\n\n"
		"Manage dm-mirrorx block replication mirrors.\n\nVerbs:\n");
	for (i = 0; i < MX_NR_VERBS; i++)
		fprintf(f, "  %-11s %s\n", mx_verbs[i].name,
			mx_verbs[i].summary);
	fprintf(f,
		"\nConfig: $MIRRORX_CONF_DIR/NAME.conf (default %s).\n"
		"Exit status: 0 success, 1 failure, 2 bad arguments or config\n"
		"file, 3 unknown mirror, 4 refused by a safety check (device in\n"
		"use, data state; see --force), 5 timeout.\n"
		"See mirrorctl(8).\n", MX_DEFAULT_CONF_DIR);
}

static void mx_verb_help(const struct mx_verb *v)
{
	printf("Usage: mirrorctl %s %s\n\n%c%s.\n", v->name, v->args,
	       v->summary[0] - 'a' + 'A', v->summary + 1);
	printf("\nOptions:\n%s  -h, --help               this help\n", v->help);
}

int mx_err(int code, const char *fmt, ...)
{
	char msg[MX_ERRMSG_LEN];
	va_list ap;

	if (fmt) {
		va_start(ap, fmt);
		vsnprintf(msg, sizeof(msg), fmt, ap);
		va_end(ap);
	} else {
		snprintf(msg, sizeof(msg), "%s", mx_errmsg);
	}
	/* The last error, for --json output. */
	snprintf(mx_errmsg, sizeof(mx_errmsg), "%s", msg);
	fflush(stdout);
	fprintf(stderr, "mirrorctl: %s%s%s\n",
		mx_cur_verb ? mx_cur_verb->name : "",
		mx_cur_verb ? ": " : "", msg);
	return code;
}

int mx_usage(const char *fmt, ...)
{
	char msg[MX_ERRMSG_LEN];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (mx_cur_verb)
		fprintf(stderr, "mirrorctl: %s: %s (see mirrorctl %s --help)\n",
			mx_cur_verb->name, msg, mx_cur_verb->name);
	else
		fprintf(stderr, "mirrorctl: %s (see mirrorctl --help)\n", msg);
	return MX_EXIT_USAGE;
}

void mx_warn(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fprintf(stderr, "mirrorctl: %s%swarning: ",
		mx_cur_verb ? mx_cur_verb->name : "", mx_cur_verb ? ": " : "");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void mx_note(const char *fmt, ...)
{
	va_list ap;

	if (mx_quiet)
		return;
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	fputc('\n', stdout);
}

/*
 * getopt_long() takes any unique prefix of a long option ("--f" for
 * --force). mirrorctl takes long options by their full name only, so a
 * typo never turns into a safety override: an abbreviation is refused
 * before getopt_long() sees it.
 */
static int mx_no_abbrev(int argc, char **argv, const struct option *longopts)
{
	const struct option *o, *exact;
	int i;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i];
		size_t len;

		if (!strcmp(a, "--"))
			break;
		if (strncmp(a, "--", 2) || !a[2])
			continue;
		a += 2;
		len = strcspn(a, "=");
		exact = NULL;
		for (o = longopts; o->name; o++)
			if (strlen(o->name) == len && !strncmp(o->name, a, len))
				exact = o;
		if (exact) {
			/* Its value in the next argument: not an option. */
			if (exact->has_arg == required_argument && !a[len])
				i++;
			continue;
		}
		for (o = longopts; o->name; o++)
			if (!strncmp(o->name, a, len))
				return mx_usage("option '%.*s' is abbreviated: write --%s",
						(int)len + 2, argv[i], o->name);
	}
	return 0;
}

int mx_getopt(int argc, char **argv, const char *optstr,
	      const struct option *longopts)
{
	int c;

	if (optind <= 1 && mx_no_abbrev(argc, argv, longopts))
		return '?';
	c = getopt_long(argc, argv, optstr, longopts, NULL);

	switch (c) {
	case 'h':
		mx_verb_help(mx_cur_verb);
		return 'h';
	case ':':
		mx_usage("option '%s' needs a value", argv[optind - 1]);
		return '?';
	case '?':
		if (optopt)
			mx_usage("unknown option '-%c'", optopt);
		else
			mx_usage("unknown option '%s'", argv[optind - 1]);
		return '?';
	}
	return c;
}

int mx_want_args(int argc, char **argv, int n, const char *what)
{
	int have = argc - optind;

	if (have < n)
		return mx_usage("missing %s", what);
	if (have > n)
		return mx_usage("unexpected argument '%s'", argv[optind + n]);
	return 0;
}

int mx_find_arg(int argc, char **argv, struct mx_mirror *m, bool need_conf)
{
	if (mx_want_args(argc, argv, 1, "mirror NAME"))
		return MX_EXIT_USAGE;
	return mx_find(argv[optind], m, need_conf);
}

/* Does the verb being run write the config (and so take its lock)? */
static bool mx_verb_writes_conf(void)
{
	static const char *const writers[] = {
		"create", "delete", "up", "down", "set", "promote", "demote",
	};
	size_t i;

	for (i = 0; mx_cur_verb && i < ARRAY_SIZE(writers); i++)
		if (!strcmp(mx_cur_verb->name, writers[i]))
			return true;
	return false;
}

/*
 * Does the verb being run only report what runs? A config it cannot parse
 * must not hide a running mirror from it (a cluster script asking for the
 * role would take a running source for a stopped one).
 */
static bool mx_verb_reads_table(void)
{
	static const char *const readers[] = {
		"status", "role", "check", "list", "metrics",
	};
	size_t i;

	for (i = 0; mx_cur_verb && i < ARRAY_SIZE(readers); i++)
		if (!strcmp(mx_cur_verb->name, readers[i]))
			return true;
	return false;
}

int mx_find(const char *name, struct mx_mirror *m, bool need_conf)
{
	static char warned[MX_NAME_LEN];
	char bad[MX_ERRMSG_LEN] = "";
	int r;

	memset(m, 0, sizeof(*m));
	if (mx_check_name(name))
		return mx_err(MX_EXIT_USAGE, NULL);
	snprintf(m->name, sizeof(m->name), "%s", name);
	if (mx_verb_writes_conf() && mx_conf_lock(name))
		return mx_err(MX_EXIT_FAIL, NULL);
	r = mx_conf_load(name, &m->conf);
	if (r == MX_CONF_BAD && !need_conf && mx_verb_reads_table()) {
		snprintf(bad, sizeof(bad), "%s", mx_errmsg);
		memset(&m->conf, 0, sizeof(m->conf));
		r = 1;
	}
	if (r < 0)
		return mx_err(r == MX_CONF_BAD ? MX_EXIT_USAGE : MX_EXIT_FAIL,
			      NULL);
	m->has_conf = r == 0;
	if (mx_dm_info(name, &m->info))
		return mx_err(MX_EXIT_FAIL, NULL);
	if (bad[0] && !m->info.exists) {
		/*
		 * No device: whatever the config says, nothing runs here, and
		 * role can say so (a cluster script taking the mirror out of
		 * service must not fail over a typo). The others need it.
		 */
		if (strcmp(mx_cur_verb->name, "role"))
			return mx_err(MX_EXIT_USAGE, "%s", bad);
		mx_warn("%s; %s does not run here: down (correct the config before any verb that changes it)",
			bad, name);
		return 0;
	}
	if (bad[0] && strcmp(warned, name)) {
		/* Once per mirror (check --wait asks again and again). */
		snprintf(warned, sizeof(warned), "%s", name);
		mx_warn("%s; %s runs: shown from its table, without its config (correct the config before any verb that changes it)",
			bad, name);
	}
	if (m->info.exists) {
		if (mx_dm_table(name, &m->table))
			return mx_err(MX_EXIT_FAIL, NULL);
		if (!strcmp(m->table.target, "mirrorx"))
			m->role = MX_ROLE_SOURCE;
		else if (!strcmp(m->table.target, "mirrorx-recv"))
			m->role = MX_ROLE_TARGET;
		else
			return mx_err(MX_EXIT_FAIL,
				      "device-mapper device '%s' is not a dm-mirrorx mirror (target %s)",
				      name, m->table.target);
	}
	if (!m->has_conf && (need_conf || !m->info.exists)) {
		char path[MX_PATH_LEN + 80];

		mx_conf_path(name, path, sizeof(path));
		return mx_err(MX_EXIT_NOTFOUND,
			      "unknown mirror '%s': no config %s%s", name, path,
			      m->info.exists ? "" :
			      " and no device-mapper device of that name");
	}
	return 0;
}

bool mx_is_mirror_target(const char *target)
{
	return !strcmp(target, "mirrorx") || !strcmp(target, "mirrorx-recv");
}

int mx_status_from_line(const char *name, const struct mx_dm_line *l,
			struct mx_status *st)
{
	if (!mx_is_mirror_target(l->target))
		return mx_fail("'%s' is not a dm-mirrorx device (target %s)",
			       name, l->target);
	if (mx_status_parse(l->params, st))
		return -1;
	st->size_bytes = l->len << 9;
	return 0;
}

int mx_get_status(const char *name, struct mx_status *st)
{
	struct mx_dm_line l;

	if (mx_dm_status(name, &l))
		return -1;
	return mx_status_from_line(name, &l, st);
}

void mx_get_stats(const char *name, struct mx_status *st)
{
	char reply[4096];

	if (st->role != MX_ROLE_SOURCE ||
	    mx_dm_message_reply(name, "stats", reply, sizeof(reply)))
		return;
	/* A result this mirrorctl cannot read leaves the counters unknown. */
	mx_stats_parse(reply, st);
}

int mx_blockdev(const char *path, const char *what, uint64_t *bytes,
		uint64_t *rdev)
{
	struct stat sb;
	int fd;

	if (!path || !*path)
		return mx_fail("no %s device given", what);
	if (stat(path, &sb))
		return mx_fail("%s device %s: %s", what, path, strerror(errno));
	if (!S_ISBLK(sb.st_mode))
		return mx_fail("%s device %s is not a block device", what, path);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return mx_fail("cannot open %s device %s: %s", what, path,
			       strerror(errno));
	if (ioctl(fd, BLKGETSIZE64, bytes)) {
		close(fd);
		return mx_fail("cannot get the size of %s: %s", path,
			       strerror(errno));
	}
	close(fd);
	if (!*bytes)
		return mx_fail("%s device %s is empty", what, path);
	if (rdev)
		*rdev = sb.st_rdev;
	return 0;
}

int mx_open_direct(const char *path, int flags)
{
	int fd = open(path, flags | O_DIRECT | O_CLOEXEC);

	if (fd < 0 && errno == EINVAL)
		fd = open(path, flags | O_CLOEXEC);
	if (fd < 0)
		mx_fail("cannot open %s: %s", path, strerror(errno));
	return fd;
}

/*
 * The line of modprobe's stderr @line that says why, kept in @said: the
 * last one that is not a warning (the first warning until there is one),
 * without the "modprobe: " modprobe puts.
 */
static void mx_modprobe_line(const char *line, char *said, size_t len,
			     bool *have_error)
{
	bool warning;

	if (!strncmp(line, "modprobe: ", 10))
		line += 10;
	if (!*line)
		return;
	warning = !strncmp(line, "WARNING", 7);
	if (warning && (*have_error || said[0]))
		return;
	snprintf(said, len, "%s", line);
	*have_error = !warning;
}

int mx_ensure_module(void)
{
	int r = mx_dm_has_target("mirrorx");
	int errp[2];
	char said[512], buf[512];
	bool have_error = false;
	size_t n = 0;
	pid_t pid;

	if (r != 0)
		return r < 0 ? -1 : 0;
	/* modprobe's own words (a refused signature, a missing module). */
	if (pipe2(errp, O_CLOEXEC))
		errp[0] = errp[1] = -1;
	pid = fork();
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);

		if (null >= 0)
			dup2(null, 1);
		dup2(errp[1] >= 0 ? errp[1] : null, 2);
		execlp("modprobe", "modprobe", "dm-mirrorx", (char *)NULL);
		fprintf(stderr, "cannot run modprobe: %s\n", strerror(errno));
		_exit(127);
	}
	if (errp[1] >= 0)
		close(errp[1]);
	/* All of it, line by line (modprobe must not die of a full pipe). */
	said[0] = '\0';
	while (errp[0] >= 0) {
		ssize_t k = read(errp[0], buf + n, sizeof(buf) - 1 - n);
		char *nl, *p = buf;

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			break;
		n += k;
		buf[n] = '\0';
		while ((nl = strchr(p, '\n'))) {
			*nl = '\0';
			mx_modprobe_line(p, said, sizeof(said), &have_error);
			p = nl + 1;
		}
		n -= p - buf;
		memmove(buf, p, n);
		if (n == sizeof(buf) - 1) {
			/* A line longer than the buffer: take its start. */
			mx_modprobe_line(buf, said, sizeof(said), &have_error);
			n = 0;
		}
	}
	buf[n] = '\0';
	mx_modprobe_line(buf, said, sizeof(said), &have_error);
	if (errp[0] >= 0)
		close(errp[0]);
	if (pid > 0)
		waitpid(pid, NULL, 0);
	r = mx_dm_has_target("mirrorx");
	if (r == 0 && said[0])
		return mx_fail("the dm-mirrorx kernel module is not loaded: modprobe dm-mirrorx: %s (or insmod dm-mirrorx.ko)",
			       said);
	if (r == 0)
		return mx_fail("the dm-mirrorx kernel module is not loaded (modprobe dm-mirrorx, or insmod dm-mirrorx.ko)");
	return r < 0 ? -1 : 0;
}

int mx_role_params(const struct mx_conf *c, enum mx_role role, char *buf,
		   size_t len)
{
	if (role == MX_ROLE_SOURCE)
		return mx_conf_source_params(c, buf, len);
	return mx_conf_target_params(c, buf, len);
}

/* Data size in sectors, with the metadata checked against it. */
static int mx_check_devices(const struct mx_conf *c, uint64_t *sectors)
{
	struct mx_meta_info mi;
	uint64_t dbytes, mbytes, drdev, mrdev;
	int fd, r;

	if (mx_blockdev(c->data, "data", &dbytes, &drdev) ||
	    mx_blockdev(c->meta, "metadata", &mbytes, &mrdev))
		return -1;
	if (drdev == mrdev)
		return mx_fail("data and metadata are the same device (%s, %s)",
			       c->data, c->meta);
	*sectors = dbytes >> 9;
	fd = mx_open_direct(c->meta, O_RDONLY);
	if (fd < 0)
		return -1;
	r = mx_meta_read(fd, c->meta, &mi);
	close(fd);
	if (r)
		return -1;
	if (mi.kind == MX_META_FOREIGN)
		return mx_fail("%s does not hold dm-mirrorx metadata (%s): wrong device? (mirrorctl create --force formats it)",
			       c->meta, mi.reason);
	if (mi.kind == MX_META_VALID && mi.data_sectors > *sectors)
		return mx_fail("the metadata on %s is for %llu sectors of data, but %s has %llu: shrinking is not supported",
			       c->meta, (unsigned long long)mi.data_sectors,
			       c->data, (unsigned long long)*sectors);
	/* A data device that grew while down: the table grows the mirror. */
	if (mi.kind == MX_META_VALID && mi.data_sectors < *sectors) {
		if (mx_meta_grow_ok(&mi, *sectors))
			return mx_fail("%s grew to %llu sectors: %s", c->data,
				       (unsigned long long)*sectors, mx_errmsg);
		mx_note("%s: %s grew from %llu to %llu sectors: the mirror grows with it",
			c->name, c->data, (unsigned long long)mi.data_sectors,
			(unsigned long long)*sectors);
	}
	return 0;
}

int mx_meta_peek(const char *path, struct mx_meta_info *mi)
{
	int fd = mx_open_direct(path, O_RDONLY);
	int r;

	if (fd < 0)
		return -1;
	r = mx_meta_read(fd, path, mi);
	close(fd);
	return r;
}

/* The device @tbl names ("253:4" as the kernel prints it, or a path). */
static int mx_table_dev(const char *tbl, uint64_t *rdev)
{
	unsigned int ma, mi;
	struct stat sb;
	char c;

	if (sscanf(tbl, "%u:%u%c", &ma, &mi, &c) == 2) {
		*rdev = makedev(ma, mi);
		return 0;
	}
	if (stat(tbl, &sb) || !S_ISBLK(sb.st_mode))
		return -1;
	*rdev = sb.st_rdev;
	return 0;
}

/*
 * Does @conf (a path from the config) name the same device as @tbl (one
 * the running table holds, "253:4" as mx_table_disks() gives it)? By
 * device number when both resolve; by the words as written when neither
 * does (the host tests' stand-in tables name paths that do not exist).
 */
static bool mx_same_dev(const char *conf, const char *tbl)
{
	uint64_t a, b;
	bool ra = !mx_table_dev(conf, &a), rb = !mx_table_dev(tbl, &b);

	if (ra && rb)
		return a == b;
	return !ra && !rb && !strcmp(conf, tbl);
}

/*
 * The data and metadata devices the running table of @name holds open,
 * "MAJ:MIN", from its IMA status: not the paths of its table line, which
 * the kernel keeps as they were given, and which a rename (lvrename,
 * dmsetup rename) or a relinked path may since resolve to another device,
 * or to none.
 */
static int mx_table_disks(const char *name, char *data, char *meta,
			  size_t len)
{
	struct mx_dm_line l;
	const char *d, *m;

	if (mx_dm_ima(name, &l))
		return -1;
	d = strstr(l.params, "data_dev=");
	m = strstr(l.params, "meta_dev=");
	if (!d || !m)
		return mx_fail("the status of %s names no data and metadata devices: %s",
			       name, l.params);
	d += strlen("data_dev=");
	m += strlen("meta_dev=");
	snprintf(data, len, "%.*s", (int)strcspn(d, ",;"), d);
	snprintf(meta, len, "%.*s", (int)strcspn(m, ",;"), m);
	return 0;
}

void mx_record_meta_uuid(struct mx_conf *c, const struct mx_dm_line *l)
{
	char tdata[MX_PATH_LEN], tmeta[MX_PATH_LEN], path[MX_PATH_LEN + 80];
	struct mx_meta_info mi;
	uint64_t rdev;

	/*
	 * Only the device the table holds is known to be this mirror's: a
	 * config whose meta_dev names another (a typo, another mirror's
	 * disk) would make delete --wipe-meta take that one for ours.
	 */
	if (mx_table_dev(c->meta, &rdev))
		return;		/* no block device: no superblock to read */
	if (l && mx_table_disks(c->name, tdata, tmeta, sizeof(tmeta)))
		snprintf(tmeta, sizeof(tmeta), "unknown");
	if (l && !mx_same_dev(c->meta, tmeta)) {
		mx_conf_path(c->name, path, sizeof(path));
		mx_warn("%s's config names meta_dev %s, but the running table's metadata device is %s: meta_uuid not recorded (correct meta_dev in %s)",
			c->name, c->meta, tmeta, path);
		return;
	}
	if (mx_meta_peek(c->meta, &mi) || mi.kind != MX_META_VALID ||
	    !mi.uuid[0] || !strcmp(mi.uuid, c->meta_uuid))
		return;
	snprintf(c->meta_uuid, sizeof(c->meta_uuid), "%s", mi.uuid);
	mx_conf_save(c);	/* best effort: only delete --wipe-meta reads it */
}

int mx_wipe_allowed(const struct mx_mirror *m, const char *meta, bool force,
		    bool *blank)
{
	char tdata[MX_PATH_LEN], tmeta[MX_PATH_LEN];
	struct mx_meta_info mi;
	uint64_t bytes, rdev;

	*blank = false;
	if (mx_blockdev(meta, "metadata", &bytes, &rdev))
		return mx_err(MX_EXIT_USAGE, "%s: not wiping it", mx_errmsg);
	if (mx_meta_peek(meta, &mi))
		return mx_err(MX_EXIT_FAIL, NULL);
	if (mi.kind == MX_META_BLANK) {
		*blank = true;
		return 0;
	}
	if (force)
		return 0;
	if (mi.kind == MX_META_FOREIGN)
		return mx_err(MX_EXIT_REFUSED,
			      "%s holds no dm-mirrorx superblock (%s): not wiping it (wrong device? --force wipes it anyway)",
			      meta, mi.reason);
	/* The device the running table uses is this mirror's by definition. */
	if (m->info.exists &&
	    !mx_table_disks(m->name, tdata, tmeta, sizeof(tmeta)) &&
	    mx_same_dev(meta, tmeta))
		return 0;
	if (m->has_conf && m->conf.meta_uuid[0] &&
	    !strcmp(m->conf.meta_uuid, mi.uuid))
		return 0;
	return mx_err(MX_EXIT_REFUSED,
		      "%s holds a dm-mirrorx superblock, but not one known to be %s's (UUID %s, config meta_uuid %s): not wiping it (--force wipes it anyway)",
		      meta, m->name, mi.uuid[0] ? mi.uuid : "none",
		      m->has_conf && m->conf.meta_uuid[0] ?
		      m->conf.meta_uuid : "not recorded");
}

int mx_bring_up(const struct mx_conf *c, enum mx_role role)
{
	char params[MX_DM_PARAMS_LEN];
	uint64_t sectors = 0;

	if (mx_check_devices(c, &sectors) ||
	    mx_role_params(c, role, params, sizeof(params)) ||
	    mx_ensure_module())
		return -1;
	return mx_dm_create(c->name, sectors, mx_role_target(role), params);
}

int mx_same_disks(const struct mx_conf *c)
{
	char data[MX_PATH_LEN], meta[MX_PATH_LEN];

	if (mx_table_disks(c->name, data, meta, sizeof(data)))
		return -1;
	if (mx_same_dev(c->data, data) && mx_same_dev(c->meta, meta))
		return 0;
	return mx_fail("%s runs on data device %s and metadata device %s, but its config names data_dev %s and meta_dev %s: a reload does not move a running mirror to other disks (correct the config; or mirrorctl down %s, then up %s)",
		       c->name, data, meta, c->data, c->meta, c->name,
		       c->name);
}

int mx_switch_role(const struct mx_conf *c, uint64_t len, enum mx_role role)
{
	char params[MX_DM_PARAMS_LEN], why[MX_ERRMSG_LEN];
	struct mx_dm_line old;

	if (mx_role_params(c, role, params, sizeof(params)) ||
	    mx_dm_table(c->name, &old) || mx_same_disks(c))
		return -1;
	/*
	 * Suspend first: the old table's postsuspend commits the intent log,
	 * so the new table's constructor reads current metadata.
	 */
	if (mx_dm_suspend(c->name))
		return -1;
	if (mx_dm_load(c->name, len, mx_role_target(role), params)) {
		snprintf(why, sizeof(why), "%s", mx_errmsg);
		mx_dm_clear(c->name);
		if (mx_dm_resume(c->name))
			return mx_fail("%s; resuming the old table failed too: %s",
				       why, mx_errmsg);
		return mx_fail("%s (the old table runs on)", why);
	}
	if (!mx_dm_resume(c->name))
		return 0;
	/*
	 * The new table is live but refused to resume (its preresume: a
	 * source refusing its data, a target that cannot listen): the
	 * device is suspended, all I/O waits. Put the old table back.
	 */
	snprintf(why, sizeof(why), "%s", mx_errmsg);
	if (mx_dm_load(c->name, old.len, old.target, old.params) ||
	    mx_dm_resume(c->name))
		return mx_fail("%s; putting the old %s table back failed too (%s): %s is SUSPENDED, its I/O waits: see dmsetup table %s, then dmsetup resume %s or mirrorctl down %s",
			       why, old.target, mx_errmsg, c->name, c->name,
			       c->name, c->name);
	return mx_fail("%s (the old %s table runs on)", why, old.target);
}

int mx_err_suspended(const struct mx_mirror *m)
{
	return mx_err(MX_EXIT_FAIL,
		      "%s is up as %s here but SUSPENDED (a resume that failed, or dmsetup suspend): its I/O waits; dmsetup resume %s, or mirrorctl down %s",
		      m->name, mx_role_name(m->role), m->name, m->name);
}

/* Where audit lines go: syslog. The host tests' stand-in overrides it. */
__weak void mx_audit_log(int prio, const char *line)
{
	static bool opened;

	if (!opened) {
		openlog("mirrorctl", LOG_PID, LOG_DAEMON);
		opened = true;
	}
	syslog(prio, "%s", line);
}

/*
 * Verbs that change state, and any --force, are audited: the command line
 * as the admin typed it (user, verb, arguments) before it runs and its
 * exit status after, so "who promoted, when, with what" is in the log.
 */
static bool mx_audited(const struct mx_verb *v, int argc, char **argv)
{
	static const char *const changing[] = {
		"create", "delete", "up", "down", "promote", "demote", "set",
		"adjust", "resize",
		"resync", "pause", "resume", "connect", "disconnect", "verify",
		"outdate", "peer-outdated", "fence-handler",
	};
	size_t i;
	int a;

	for (i = 0; i < ARRAY_SIZE(changing); i++)
		if (!strcmp(v->name, changing[i]))
			return true;
	for (a = 1; a < argc; a++)
		if (!strcmp(argv[a], "--force"))
			return true;
	return false;
}

static void mx_audit(const char *verb, int argc, char *const *argv, int rc,
		     bool done)
{
	char line[1024], end[32] = "";
	size_t off, room;
	int a;

	/* The end record keeps its exit status however long the line. */
	if (done)
		snprintf(end, sizeof(end), ": exit %d", rc);
	room = sizeof(line) - strlen(end);
	off = snprintf(line, room, "uid %u: %s", (unsigned int)getuid(), verb);
	for (a = 1; a < argc && off < room; a++)
		off += snprintf(line + off, room - off, " %s", argv[a]);
	if (off >= room) {
		off = room - 1;
		memcpy(line + off - 3, "...", 3);
	}
	snprintf(line + off, sizeof(line) - off, "%s", end);
	mx_audit_log(done && rc ? LOG_WARNING : LOG_NOTICE, line);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "conf-dir", required_argument, NULL, 'C' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	char **typed;
	bool audit;
	size_t i;
	int c, r;

	mx_dm_init();
	/* Stop at the verb: its options are its own. */
	for (i = 1; i < (size_t)argc && argv[i][0] == '-'; i++)
		if (!strcmp(argv[i], "--conf-dir"))
			i++;
	if (mx_no_abbrev(i, argv, opts))
		return MX_EXIT_USAGE;
	while ((c = getopt_long(argc, argv, "+:hV", opts, NULL)) != -1) {
		switch (c) {
		case 'C':
			setenv("MIRRORX_CONF_DIR", optarg, 1);
			break;
		case 'h':
			mx_main_help(stdout);
			return 0;
		case 'V':
			printf("mirrorctl %s\n", MIRRORCTL_VERSION);
			return 0;
		case ':':
			return mx_usage("option '%s' needs a value",
					argv[optind - 1]);
		default:
			return mx_usage("unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind >= argc) {
		mx_main_help(stderr);
		return MX_EXIT_USAGE;
	}
	for (i = 0; i < MX_NR_VERBS; i++) {
		if (strcmp(argv[optind], mx_verbs[i].name))
			continue;
		mx_cur_verb = &mx_verbs[i];
		argc -= optind;
		argv += optind;
		optind = 0;	/* glibc: full re-init (drops main's "+") */
		opterr = 0;
		audit = mx_audited(mx_cur_verb, argc, argv);
		/* As typed: getopt_long() reorders argv. */
		typed = audit ? malloc(argc * sizeof(*typed)) : NULL;
		if (typed)
			memcpy(typed, argv, argc * sizeof(*typed));
		if (audit)
			mx_audit(mx_cur_verb->name, argc, typed ? typed : argv,
				 0, false);
		r = mx_verbs[i].fn(argc, argv);
		if (audit)
			mx_audit(mx_cur_verb->name, argc, typed ? typed : argv,
				 r, true);
		free(typed);
		if (mx_watch_active()) {
			/* Not exit(): see mx_watch_active(). */
			fflush(NULL);
			_exit(r);
		}
		return r;
	}
	if (!strcmp(argv[optind], "help")) {
		mx_main_help(stdout);
		return 0;
	}
	return mx_usage("unknown verb '%s'", argv[optind]);
}
