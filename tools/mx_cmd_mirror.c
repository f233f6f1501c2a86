// SPDX-License-Identifier: GPL-2.0
/*
 * mirrorctl verbs that make, start, stop and switch mirrors: create,
 * delete, up, down, promote, demote, set.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <syslog.h>
#include "mirrorctl.h"
#include "mx_meta.h"

/* Options shared by create and set. */
enum {
	O_ROLE = 256, O_NODE, O_DATA, O_META, O_REGION, O_PEER, O_LISTEN,
	O_RATE, O_ALIMIT, O_CONG, O_DISC, O_AUTH, O_NOAUTH, O_CSUM, O_NOCSUM,
	O_CLEAN, O_KEEP, O_FORCE, O_NOSTART, O_RMPEER, O_WIPE, O_CHECK, O_ALL,
	O_DRYRUN, O_HOTSET, O_NOHOTSET, O_FENCING, O_FTIMEOUT, O_SRCWAIT,
	O_COMPRESS, O_FPEER, O_NOFPEER, O_FPTIMEOUT,
};

#define MX_SETTING_OPTS							\
	{ "peer", required_argument, NULL, O_PEER },			\
	{ "listen", required_argument, NULL, O_LISTEN },		\
	{ "resync-rate", required_argument, NULL, O_RATE },		\
	{ "async-limit", required_argument, NULL, O_ALIMIT },		\
	{ "hot-set", required_argument, NULL, O_HOTSET },		\
	{ "on-congestion", required_argument, NULL, O_CONG },		\
	{ "on-disconnect", required_argument, NULL, O_DISC },		\
	{ "fencing", required_argument, NULL, O_FENCING },		\
	{ "fence-timeout", required_argument, NULL, O_FTIMEOUT },	\
	{ "fence-peer", required_argument, NULL, O_FPEER },		\
	{ "fence-peer-timeout", required_argument, NULL, O_FPTIMEOUT },	\
	{ "auth", required_argument, NULL, O_AUTH },			\
	{ "data-csum", no_argument, NULL, O_CSUM },			\
	{ "compress", required_argument, NULL, O_COMPRESS },		\
	{ "help", no_argument, NULL, 'h' }

/* Apply one setting option to @c; -1 with mx_errmsg when bad. */
static int mx_setting(struct mx_conf *c, int opt, const char *arg)
{
	switch (opt) {
	case O_PEER:
		return mx_conf_parse_peer(c, arg);
	case O_LISTEN:
		return mx_conf_set(c, "listen", arg, "--listen");
	case O_RATE:
		return mx_conf_set(c, "resync_rate", arg, "--resync-rate");
	case O_ALIMIT:
		return mx_conf_set(c, "async_limit", arg, "--async-limit");
	case O_HOTSET:
		return mx_conf_set(c, "hot_set", arg, "--hot-set");
	case O_NOHOTSET:
		c->has_hot_set = false;
		c->hot_set = 0;
		return 0;
	case O_CONG:
		return mx_conf_set(c, "on_congestion", arg, "--on-congestion");
	case O_DISC:
		return mx_conf_set(c, "on_disconnect", arg, "--on-disconnect");
	case O_FENCING:
		return mx_conf_set(c, "fencing", arg, "--fencing");
	case O_FTIMEOUT:
		return mx_conf_set(c, "fence_timeout", arg, "--fence-timeout");
	case O_FPEER:
		return mx_conf_set(c, "fence_peer", arg, "--fence-peer");
	case O_FPTIMEOUT:
		return mx_conf_set(c, "fence_peer_timeout", arg,
				   "--fence-peer-timeout");
	case O_NOFPEER:
		c->fence_peer[0] = '\0';
		return 0;
	case O_COMPRESS:
		return mx_conf_set(c, "compress", arg, "--compress");
	case O_AUTH:
		return mx_conf_set(c, "auth", arg, "--auth");
	case O_NOAUTH:
		c->auth[0] = '\0';
		return 0;
	case O_CSUM:
		c->data_csum = true;
		return 0;
	case O_NOCSUM:
		c->data_csum = false;
		return 0;
	}
	return mx_fail("internal: option %d", opt);
}

/* Is the device in use (mounted, held by another dm device...)? */
static int mx_check_unused(const char *path, const char *what)
{
	int fd = open(path, O_RDONLY | O_EXCL | O_CLOEXEC);

	if (fd >= 0) {
		close(fd);
		return 0;
	}
	if (errno == EBUSY)
		return mx_fail("%s device %s is in use (mounted, or held by another device)",
			       what, path);
	return mx_fail("cannot open %s device %s: %s", what, path,
		       strerror(errno));
}

static void mx_print_conf(const struct mx_conf *c)
{
	char rb[32];
	int i;

	mx_note("%s: node %u, %s, data %s, metadata %s, region %s, listen %s",
		c->name, c->node_id, mx_role_name(c->role), c->data, c->meta,
		mx_fmt_bytes((uint64_t)c->region_sectors << 9, rb, sizeof(rb)),
		c->listen);
	for (i = 0; i < MX_NODES; i++)
		if (c->peers[i].present)
			mx_note("%s: peer %d at %s, %s", c->name, i,
				c->peers[i].addr,
				c->peers[i].async ? "async" : "sync");
}

int mx_cmd_create(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "role", required_argument, NULL, O_ROLE },
		{ "node-id", required_argument, NULL, O_NODE },
		{ "data", required_argument, NULL, O_DATA },
		{ "meta", required_argument, NULL, O_META },
		{ "region-size", required_argument, NULL, O_REGION },
		{ "assume-clean", no_argument, NULL, O_CLEAN },
		{ "keep-meta", no_argument, NULL, O_KEEP },
		{ "force", no_argument, NULL, O_FORCE },
		{ "no-start", no_argument, NULL, O_NOSTART },
		MX_SETTING_OPTS,
		{ NULL, 0, NULL, 0 },
	};
	bool have_role = false, have_node = false, clean = false, keep = false;
	bool force = false, nostart = false;
	uint64_t dbytes, mbytes, drdev, mrdev, sectors, need;
	struct mx_meta_info mi;
	struct mx_mirror m;
	struct mx_conf c;
	char b1[32], b2[32], b3[32], b4[32];
	uint8_t clean_mask = 0;
	int opt, fd, r, i;

	mx_conf_init(&c);
	while ((opt = mx_getopt(argc, argv, ":h", opts)) != -1) {
		switch (opt) {
		case 'h':
			return 0;
		case '?':
			return MX_EXIT_USAGE;
		case O_ROLE:
			if (mx_parse_role(optarg, &c.role))
				return mx_usage("%s", mx_errmsg);
			have_role = true;
			break;
		case O_NODE:
			if (mx_parse_node_id(optarg, &c.node_id))
				return mx_usage("%s", mx_errmsg);
			have_node = true;
			break;
		case O_DATA:
			if (mx_conf_set(&c, "data_dev", optarg, "--data"))
				return mx_usage("%s", mx_errmsg);
			break;
		case O_META:
			if (mx_conf_set(&c, "meta_dev", optarg, "--meta"))
				return mx_usage("%s", mx_errmsg);
			break;
		case O_REGION:
			if (mx_parse_region(optarg, &c.region_sectors))
				return mx_usage("%s", mx_errmsg);
			break;
		case O_CLEAN:
			clean = true;
			break;
		case O_KEEP:
			keep = true;
			break;
		case O_FORCE:
			force = true;
			break;
		case O_NOSTART:
			nostart = true;
			break;
		default:
			if (mx_setting(&c, opt, optarg))
				return mx_usage("%s", mx_errmsg);
		}
	}
	if (mx_want_args(argc, argv, 1, "mirror NAME"))
		return MX_EXIT_USAGE;
	if (mx_check_name(argv[optind]))
		return mx_usage("%s", mx_errmsg);
	snprintf(c.name, sizeof(c.name), "%s", argv[optind]);
	if (!have_role)
		return mx_usage("--role source|target is required");
	if (!c.data[0] || !c.meta[0])
		return mx_usage("--data DEV and --meta DEV are required");
	if (c.role == MX_ROLE_TARGET && !have_node)
		return mx_usage("a target needs --node-id (the id its source gives it, 1..7)");
	if (keep && clean)
		return mx_usage("--keep-meta and --assume-clean exclude each other");
	if (mx_conf_validate(&c))
		return mx_usage("%s", mx_errmsg);
	/* Names resolve now, not at the next start. */
	if (mx_conf_check_tables(&c, c.role))
		return mx_err(MX_EXIT_USAGE, NULL);
	if (mx_conf_lock(c.name))
		return mx_err(MX_EXIT_FAIL, NULL);

	/* Devices: block devices, distinct, unused, big enough. */
	if (mx_blockdev(c.data, "data", &dbytes, &drdev) ||
	    mx_blockdev(c.meta, "metadata", &mbytes, &mrdev))
		return mx_err(MX_EXIT_USAGE, NULL);
	if (drdev == mrdev)
		return mx_err(MX_EXIT_USAGE,
			      "data %s and metadata %s are the same device",
			      c.data, c.meta);
	if (dbytes & 511)
		return mx_err(MX_EXIT_USAGE,
			      "data device %s size %llu is not a multiple of 512 bytes",
			      c.data, (unsigned long long)dbytes);
	sectors = dbytes >> 9;
	need = mx_meta_required_bytes(sectors, c.region_sectors);
	if (!need)
		return mx_err(MX_EXIT_USAGE,
			      "data device %s (%s) has too many regions of %s: choose a larger --region-size",
			      c.data, mx_fmt_bytes(dbytes, b1, sizeof(b1)),
			      mx_fmt_bytes((uint64_t)c.region_sectors << 9, b2,
					   sizeof(b2)));
	if (mbytes < need)
		return mx_err(MX_EXIT_USAGE,
			      "metadata device %s is too small: %s needed for %s of data in %s regions, it has %s",
			      c.meta, mx_fmt_bytes(need, b1, sizeof(b1)),
			      mx_fmt_bytes(dbytes, b2, sizeof(b2)),
			      mx_fmt_bytes((uint64_t)c.region_sectors << 9, b3,
					   sizeof(b3)),
			      mx_fmt_bytes(mbytes, b4, sizeof(b4)));

	/* Nothing of that name may exist, unless forced (config only). */
	r = mx_conf_load(c.name, &m.conf);
	if (r == 0 && !force) {
		char path[MX_PATH_LEN + 80];

		mx_conf_path(c.name, path, sizeof(path));
		return mx_err(MX_EXIT_REFUSED,
			      "mirror '%s' already exists (%s): mirrorctl delete %s first, or --force",
			      c.name, path, c.name);
	}
	if (r < 0 && !force)
		return mx_err(MX_EXIT_REFUSED,
			      "an unreadable config of that name exists (%s): --force overwrites it",
			      mx_errmsg);
	if (mx_dm_info(c.name, &m.info))
		return mx_err(MX_EXIT_FAIL, NULL);
	if (m.info.exists)
		return mx_err(MX_EXIT_FAIL,
			      "a device-mapper device '%s' is running: mirrorctl down %s (or dmsetup remove) first",
			      c.name, c.name);

	if (mx_check_unused(c.data, "data") ||
	    mx_check_unused(c.meta, "metadata"))
		return mx_err(MX_EXIT_FAIL, NULL);

	/* Metadata: format a blank device; never overwrite one silently. */
	fd = mx_open_direct(c.meta, O_RDWR);
	if (fd < 0)
		return mx_err(MX_EXIT_FAIL, NULL);
	if (mx_meta_read(fd, c.meta, &mi)) {
		close(fd);
		return mx_err(MX_EXIT_FAIL, NULL);
	}
	if (keep) {
		close(fd);
		if (mi.kind != MX_META_VALID)
			return mx_err(MX_EXIT_USAGE,
				      "--keep-meta: %s holds no valid dm-mirrorx metadata",
				      c.meta);
		if (mi.data_sectors != sectors ||
		    mi.region_sectors != c.region_sectors)
			return mx_err(MX_EXIT_USAGE,
				      "--keep-meta: the metadata on %s is for %llu sectors in regions of %u sectors, not %llu in %u",
				      c.meta,
				      (unsigned long long)mi.data_sectors,
				      mi.region_sectors,
				      (unsigned long long)sectors,
				      c.region_sectors);
	} else {
		if (mi.kind == MX_META_VALID && !force) {
			close(fd);
			return mx_err(MX_EXIT_REFUSED,
				      "%s already holds dm-mirrorx metadata (node %d, %s): --keep-meta reuses it, --force wipes it",
				      c.meta,
				      mi.node_id == MX_META_NODE_UNSET ? -1 :
				      (int)mi.node_id,
				      mi.fresh ? "fresh" : "has held data");
		}
		if (mi.kind == MX_META_FOREIGN && !force) {
			close(fd);
			return mx_err(MX_EXIT_REFUSED,
				      "%s is not blank and holds no dm-mirrorx metadata (a filesystem? wrong device?): --force overwrites it",
				      c.meta);
		}
		if (clean && c.role == MX_ROLE_SOURCE)
			for (i = 0; i < MX_NODES; i++)
				if (c.peers[i].present)
					clean_mask |= 1U << i;
		r = mx_meta_format(fd, c.meta, sectors, c.region_sectors,
				   c.node_id, clean_mask);
		close(fd);
		if (r)
			return mx_err(MX_EXIT_FAIL, NULL);
	}

	if (mx_conf_save(&c))
		return mx_err(MX_EXIT_FAIL, NULL);
	mx_print_conf(&c);
	if (nostart) {
		mx_note("%s: created (not started: mirrorctl up %s)", c.name,
			c.name);
		return 0;
	}
	if (mx_bring_up(&c, c.role))
		return mx_err(MX_EXIT_FAIL,
			      "configured and formatted, but starting failed: %s",
			      mx_errmsg);
	mx_note("%s: created and started as %s%s", c.name,
		mx_role_name(c.role),
		clean_mask ? " (assume clean: no initial sync)" : "");
	return 0;
}

int mx_cmd_delete(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "wipe-meta", no_argument, NULL, O_WIPE },
		{ "force", no_argument, NULL, O_FORCE },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	char meta[MX_PATH_LEN] = "";
	bool wipe = false, force = false, blank = false;
	struct mx_mirror m;
	int opt, r, fd;

	while ((opt = mx_getopt(argc, argv, ":h", opts)) != -1) {
		if (opt == 'h')
			return 0;
		if (opt == '?')
			return MX_EXIT_USAGE;
		if (opt == O_FORCE)
			force = true;
		else
			wipe = true;
	}
	if (force && !wipe)
		return mx_usage("--force goes with --wipe-meta");
	r = mx_find_arg(argc, argv, &m, false);
	if (r)
		return r;
	if (m.has_conf)
		snprintf(meta, sizeof(meta), "%s", m.conf.meta);
	else if (sscanf(m.table.params, "%*s %255s", meta) != 1)
		meta[0] = '\0';
	if (wipe && !meta[0])
		return mx_err(MX_EXIT_FAIL,
			      "%s names no metadata device: nothing to wipe (run delete without --wipe-meta)",
			      m.name);
	/* Refuse before anything is removed. */
	if (wipe) {
		r = mx_wipe_allowed(&m, meta, force, &blank);
		if (r)
			return r;
	}
	if (m.info.exists) {
		if (m.info.open_count > 0)
			return mx_err(MX_EXIT_REFUSED,
				      "%s is in use (open %d times): unmount or close it first",
				      m.name, m.info.open_count);
		if (mx_dm_remove(m.name))
			return mx_err(MX_EXIT_FAIL, NULL);
	}
	if (wipe && !blank) {
		fd = mx_open_direct(meta, O_RDWR);
		if (fd < 0 || mx_meta_wipe(fd, meta)) {
			if (fd >= 0)
				close(fd);
			return mx_err(MX_EXIT_FAIL, NULL);
		}
		close(fd);
	}
	if (mx_conf_remove(m.name))
		return mx_err(MX_EXIT_FAIL, NULL);
	mx_note("%s: deleted%s", m.name, !wipe ? "" :
		blank ? " (metadata was already blank)" : " (metadata wiped)");
	return 0;
}

/*
 * --all: @fn on every configured mirror (@configured) or every mirror
 * known here, each one's messages as usual; the first failure's exit
 * status, after trying them all.
 */
static int mx_for_all(bool configured, int (*fn)(const char *name, void *arg),
		      void *arg)
{
	struct mx_names ns = { 0 };
	int i, r, first = 0;

	if (mx_all_names(&ns))
		return mx_err(MX_EXIT_FAIL, NULL);
	for (i = 0; i < ns.n; i++) {
		char path[MX_PATH_LEN + 80];
		struct stat sb;

		if (configured) {
			mx_conf_path(ns.v[i], path, sizeof(path));
			if (stat(path, &sb))
				continue;	/* a device without a config */
		}
		r = fn(ns.v[i], arg);
		if (r && !first)
			first = r;
	}
	free(ns.v);
	return first;
}

/* --all and NAME are exclusive; exactly one of them. */
static int mx_all_or_name(int argc, char **argv, bool all)
{
	if (all && optind < argc)
		return mx_usage("give a mirror NAME or --all, not both");
	if (!all)
		return mx_want_args(argc, argv, 1, "mirror NAME (or --all)") ?
		       MX_EXIT_USAGE : 0;
	return 0;
}

/* NAME or --all (@configured: as mx_for_all()): @fn on each. */
static int mx_name_or_all(int argc, char **argv, bool all, bool configured,
			  int (*fn)(const char *name, void *arg), void *arg)
{
	int r = mx_all_or_name(argc, argv, all);

	if (r)
		return r;
	if (all)
		return mx_for_all(configured, fn, arg);
	if (mx_check_name(argv[optind]))
		return mx_usage("%s", mx_errmsg);
	return fn(argv[optind], arg);
}

static int mx_up_one(const char *name, void *arg)
{
	enum mx_role role = *(enum mx_role *)arg;
	struct mx_meta_info mi;
	struct mx_mirror m;
	int r;

	r = mx_find(name, &m, true);
	if (r)
		return r;
	if (role == MX_ROLE_NONE)
		role = m.conf.role;
	if (m.info.exists) {
		if (m.role == role && m.info.suspended)
			return mx_err_suspended(&m);
		if (m.role == role) {
			mx_note("%s: already up as %s", m.name,
				mx_role_name(role));
			return 0;
		}
		return mx_err(MX_EXIT_FAIL,
			      "%s is up as %s: mirrorctl %s %s changes its role",
			      m.name, mx_role_name(m.role),
			      role == MX_ROLE_SOURCE ? "promote" : "demote",
			      m.name);
	}
	/* The kernel refuses these too; say why (and what to do) here. */
	if (role == MX_ROLE_SOURCE && !mx_meta_peek(m.conf.meta, &mi) &&
	    mi.kind == MX_META_VALID && (mi.outdated || mi.inconsistent))
		return mx_err(MX_EXIT_REFUSED,
			      "the data of %s here is %s: it cannot start as the source (mirrorctl up %s --role target, and let a resync finish; or mirrorctl promote %s --force)",
			      m.name, mi.inconsistent ? "Inconsistent" :
			      "Outdated", m.name, m.name);
	if (mx_bring_up(&m.conf, role))
		return mx_err(MX_EXIT_FAIL, "%s: %s", m.name, mx_errmsg);
	mx_record_meta_uuid(&m.conf, NULL);
	mx_note("%s: up as %s", m.name, mx_role_name(role));
	return 0;
}

int mx_cmd_up(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "role", required_argument, NULL, O_ROLE },
		{ "all", no_argument, NULL, O_ALL },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	enum mx_role role = MX_ROLE_NONE;
	bool all = false;
	int opt;

	while ((opt = mx_getopt(argc, argv, ":h", opts)) != -1) {
		if (opt == 'h')
			return 0;
		if (opt == '?')
			return MX_EXIT_USAGE;
		if (opt == O_ALL) {
			all = true;
			continue;
		}
		if (mx_parse_role(optarg, &role))
			return mx_usage("%s", mx_errmsg);
	}
	return mx_name_or_all(argc, argv, all, true, mx_up_one, &role);
}

static int mx_down_one(const char *name, void *arg)
{
	struct mx_mirror m;
	int r;

	(void)arg;
	r = mx_find(name, &m, false);
	if (r)
		return r;
	if (!m.info.exists) {
		mx_note("%s: not running", m.name);
		return 0;
	}
	if (m.info.open_count > 0)
		return mx_err(MX_EXIT_REFUSED,
			      "%s is in use (open %d times): unmount or close it first",
			      m.name, m.info.open_count);
	if (m.has_conf)
		mx_record_meta_uuid(&m.conf, &m.table);
	if (mx_dm_remove(m.name))
		return mx_err(MX_EXIT_FAIL, "%s: %s", m.name, mx_errmsg);
	mx_note("%s: down", m.name);
	return 0;
}

int mx_cmd_down(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "all", no_argument, NULL, O_ALL },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	bool all = false;
	int opt;

	while ((opt = mx_getopt(argc, argv, ":h", opts)) != -1) {
		if (opt == 'h')
			return 0;
		if (opt == '?')
			return MX_EXIT_USAGE;
		all = true;	/* O_ALL */
	}
	return mx_name_or_all(argc, argv, all, false, mx_down_one, NULL);
}

/*
 * Peers' verdict after a promotion: 1 when one refused us because it
 * holds newer or diverged data (@bad set to its index), 0 when every
 * peer connected fine or @secs ran out.
 */
static int mx_peer_verdict(const char *name, int secs, struct mx_status *st,
			   int *bad)
{
	double deadline = mx_now() + secs;
	uint32_t i, known;

	for (;;) {
		if (mx_get_status(name, st))
			return -1;
		known = 0;
		for (i = 0; i < st->nr_peers; i++) {
			const char *repl = st->peers[i].repl;

			if (!strcmp(repl, "TargetNewer") ||
			    !strcmp(repl, "SplitBrain")) {
				*bad = i;
				return 1;
			}
			if (!strcmp(st->peers[i].conn, "Connected") ||
			    !strcmp(st->peers[i].conn, "StandAlone"))
				known++;
		}
		if (known == st->nr_peers || mx_now() >= deadline)
			return 0;
		usleep(250000);
	}
}

/*
 * A target drops a source silent for 10 s (MX_RECV_TIMEOUT, receiver.c):
 * promote waits this long by default for a connected source to be
 * declared dead (a hard-killed node), with slack for a loaded host.
 */
#define MX_PROMOTE_SOURCE_WAIT	15

/*
 * @st says a source is connected: wait up to @secs for the kernel to drop
 * it for silence (the source died). A live source keeps pinging and stays
 * connected: then the caller refuses. Returns 0 once no source is
 * connected, 1 when one still is, -1 on a status error.
 */
static int mx_wait_source_gone(const char *name, int secs,
			       struct mx_status *st)
{
	double deadline = mx_now() + secs;
	bool said = false;

	for (;;) {
		if (!st->nr_peers || strcmp(st->peers[0].conn, "Connected"))
			return 0;
		if (mx_now() >= deadline)
			return 1;
		if (!said) {
			mx_note("%s: node %d is connected here as the source: waiting up to %d s for it to be declared dead (a live source stays connected and the promotion is refused)",
				name, st->peers[0].id, secs);
			said = true;
		}
		usleep(250000);
		if (mx_get_status(name, st))
			return -1;
	}
}

/* promote --force went past a check: said, and in the audit log. */
static void mx_promote_forced(const char *name, const char *what)
{
	char line[512];

	snprintf(line, sizeof(line), "promote %s --force: %s; promoting anyway",
		 name, what);
	mx_audit_log(LOG_WARNING, line);
	mx_note("%s: %s: promoting anyway (--force)", name, what);
}

/*
 * Outdated and Inconsistent data may not become the source: refuse
 * (MX_EXIT_REFUSED), or with @force note it in the audit log and have the
 * table say force_promote (the kernel logs it too).
 */
static int mx_promote_refusal(struct mx_mirror *m, const char *data_state,
			      bool force)
{
	char what[64];
	const char *why;

	if (!strcmp(data_state, "Outdated"))
		why = "Outdated (it lacks writes its source made after losing this node)";
	else if (!strcmp(data_state, "Inconsistent"))
		why = "Inconsistent (a resync to this node is unfinished)";
	else
		return 0;
	if (!force)
		return mx_err(MX_EXIT_REFUSED,
			      "the data of %s here is %s: it cannot become the source; let a resync from the source finish, or --force to discard what it lacks",
			      m->name, why);
	snprintf(what, sizeof(what), "data %s", data_state);
	mx_promote_forced(m->name, what);
	m->conf.force_promote = true;
	return 0;
}

int mx_cmd_promote(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "force", no_argument, NULL, O_FORCE },
		{ "check-peers", required_argument, NULL, O_CHECK },
		{ "source-wait", required_argument, NULL, O_SRCWAIT },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct mx_meta_info mi;
	struct mx_status st;
	struct mx_mirror m;
	char what[256];
	bool force = false;
	uint64_t check = 0, srcwait = MX_PROMOTE_SOURCE_WAIT;
	int opt, r, fd, bad;

	while ((opt = mx_getopt(argc, argv, ":h", opts)) != -1) {
		switch (opt) {
		case 'h':
			return 0;
		case '?':
			return MX_EXIT_USAGE;
		case O_FORCE:
			force = true;
			break;
		case O_CHECK:
			if (mx_parse_num("--check-peers seconds", optarg, 0,
					 3600, &check))
				return mx_usage("%s", mx_errmsg);
			break;
		case O_SRCWAIT:
			if (mx_parse_num("--source-wait seconds", optarg, 0,
					 3600, &srcwait))
				return mx_usage("%s", mx_errmsg);
			break;
		}
	}
	r = mx_find_arg(argc, argv, &m, true);
	if (r)
		return r;
	if (m.info.exists && m.role == MX_ROLE_SOURCE) {
		if (m.info.suspended)
			return mx_err_suspended(&m);
		if (m.conf.role != MX_ROLE_SOURCE) {
			m.conf.role = MX_ROLE_SOURCE;
			if (mx_conf_save(&m.conf))
				return mx_err(MX_EXIT_FAIL, NULL);
		}
		mx_note("%s: already the source", m.name);
		return 0;
	}
	if (!mx_conf_nr_peers(&m.conf))
		return mx_err(MX_EXIT_FAIL,
			      "%s has no peers in its config: mirrorctl set %s --peer ID,HOST:PORT first",
			      m.name, m.name);

	/* Safety checks on this node's data. */
	if (m.info.exists) {
		if (mx_get_status(m.name, &st))
			return mx_err(MX_EXIT_FAIL, NULL);
		r = mx_promote_refusal(&m, st.data_state, force);
		if (r)
			return r;
		if (!strcmp(st.data_state, "Failed"))
			return mx_err(MX_EXIT_REFUSED,
				      "the data device of %s here failed a write: it cannot become the source; repair it and let a resync finish",
				      m.name);
		if (!strcmp(st.data_state, "Fresh") && !force)
			return mx_err(MX_EXIT_REFUSED,
				      "the data of %s here is Fresh (it never received mirrored data): promoting it would discard the other side's data; --force if you mean it",
				      m.name);
		if (!strcmp(st.data_state, "Fresh"))
			mx_promote_forced(m.name, "data Fresh (it never received mirrored data)");
		if (force && st.nr_peers &&
		    !strcmp(st.peers[0].conn, "Connected")) {
			snprintf(what, sizeof(what),
				 "node %d is connected here as the source",
				 st.peers[0].id);
			mx_promote_forced(m.name, what);
		}
		r = force ? 0 : mx_wait_source_gone(m.name, srcwait, &st);
		if (r < 0)
			return mx_err(MX_EXIT_FAIL, NULL);
		if (r)
			return mx_err(MX_EXIT_REFUSED,
				      "node %d is connected to %s here as its source (still after %d s): demote it there first (or --force)",
				      st.peers[0].id, m.name, (int)srcwait);
		/* Dropped meanwhile: the data state may have changed too. */
		r = mx_promote_refusal(&m, st.data_state, force);
		if (r)
			return r;
	} else {
		fd = mx_open_direct(m.conf.meta, O_RDONLY);
		if (fd < 0)
			return mx_err(MX_EXIT_FAIL, NULL);
		r = mx_meta_read(fd, m.conf.meta, &mi);
		close(fd);
		if (r)
			return mx_err(MX_EXIT_FAIL, NULL);
		if (mi.kind == MX_META_FOREIGN)
			return mx_err(MX_EXIT_FAIL,
				      "%s holds no dm-mirrorx metadata (%s)",
				      m.conf.meta, mi.reason);
		if (mi.kind == MX_META_VALID) {
			r = mx_promote_refusal(&m, mi.inconsistent ?
					       "Inconsistent" : mi.outdated ?
					       "Outdated" : "Consistent", force);
			if (r)
				return r;
		}
		if ((mi.kind == MX_META_BLANK || mi.fresh) &&
		    m.conf.role == MX_ROLE_TARGET) {
			if (!force)
				return mx_err(MX_EXIT_REFUSED,
					      "the data of %s here is Fresh (it never received mirrored data): --force if you mean it",
					      m.name);
			mx_promote_forced(m.name, "data Fresh (it never received mirrored data)");
		}
	}

	if (m.info.exists)
		r = mx_switch_role(&m.conf, m.table.len, MX_ROLE_SOURCE);
	else
		r = mx_bring_up(&m.conf, MX_ROLE_SOURCE);
	if (r)
		return mx_err(MX_EXIT_FAIL, NULL);
	m.conf.role = MX_ROLE_SOURCE;
	if (mx_conf_save(&m.conf))
		return mx_err(MX_EXIT_FAIL, NULL);

	if (check) {
		r = mx_peer_verdict(m.name, check, &st, &bad);
		if (r < 0)
			return mx_err(MX_EXIT_FAIL, NULL);
		if (r > 0 && force) {
			/* Kept: that node's data goes at its resync from here. */
			snprintf(what, sizeof(what),
				 "node %d has %s data than this node (%s); it is discarded at a resync from here (mirrorctl resync %s %d --full)",
				 st.peers[bad].id,
				 strcmp(st.peers[bad].repl, "SplitBrain") ?
				 "newer" : "diverged", st.peers[bad].repl,
				 m.name, st.peers[bad].id);
			mx_promote_forced(m.name, what);
		}
		if (r > 0 && !force) {
			struct mx_dm_line l;
			int code = MX_EXIT_REFUSED;

			/* Undo: nothing was written here yet. */
			if (mx_dm_table(m.name, &l) ||
			    mx_switch_role(&m.conf, l.len, MX_ROLE_TARGET))
				return mx_err(MX_EXIT_FAIL,
					      "node %d refused this node (%s) and demoting back failed: %s",
					      st.peers[bad].id,
					      st.peers[bad].repl, mx_errmsg);
			m.conf.role = MX_ROLE_TARGET;
			if (mx_conf_save(&m.conf))
				code = MX_EXIT_FAIL;
			return mx_err(code,
				      "node %d has %s data than this node (%s): promotion undone; promote node %d instead, or --force and then resync %d --full",
				      st.peers[bad].id,
				      strcmp(st.peers[bad].repl, "SplitBrain") ?
				      "newer" : "diverged",
				      st.peers[bad].repl, st.peers[bad].id,
				      st.peers[bad].id);
		}
	}
	mx_note("%s: promoted: this node is the source", m.name);
	return 0;
}

int mx_cmd_demote(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "force", no_argument, NULL, O_FORCE },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct mx_mirror m;
	bool force = false;
	int opt, r;

	while ((opt = mx_getopt(argc, argv, ":h", opts)) != -1) {
		if (opt == 'h')
			return 0;
		if (opt == '?')
			return MX_EXIT_USAGE;
		force = true;
	}
	r = mx_find_arg(argc, argv, &m, true);
	if (r)
		return r;
	if (m.info.exists && m.role == MX_ROLE_TARGET) {
		if (m.info.suspended)
			return mx_err_suspended(&m);
		r = 0;
		if (m.conf.role != MX_ROLE_TARGET) {
			m.conf.role = MX_ROLE_TARGET;
			r = mx_conf_save(&m.conf);
		}
		if (r)
			return mx_err(MX_EXIT_FAIL, NULL);
		mx_note("%s: already a target", m.name);
		return 0;
	}
	if (m.info.exists) {
		if (m.info.open_count > 0 && !force)
			return mx_err(MX_EXIT_REFUSED,
				      "%s is open (open count %d): stop its users (unmount) before demoting, or --force",
				      m.name, m.info.open_count);
		r = mx_switch_role(&m.conf, m.table.len, MX_ROLE_TARGET);
	} else {
		r = mx_bring_up(&m.conf, MX_ROLE_TARGET);
	}
	if (r)
		return mx_err(MX_EXIT_FAIL, NULL);
	m.conf.role = MX_ROLE_TARGET;
	if (mx_conf_save(&m.conf))
		return mx_err(MX_EXIT_FAIL, NULL);
	mx_note("%s: demoted: this node is a target", m.name);
	return 0;
}

/*
 * The resync rate a running source applies. Its table line keeps the rate
 * it was loaded with; a "resync_rate" message since (set, adjust) is
 * recorded in $MIRRORX_RUN_DIR/NAME.rate (default /run/mirrorx, gone at
 * reboot with the device) next to the table line it applied to: a record
 * for another table (reloaded, recreated) is stale.
 */
static const char *mx_run_dir(void)
{
	const char *d = getenv("MIRRORX_RUN_DIR");

	return d && *d ? d : "/run/mirrorx";
}

static uint32_t mx_table_rate(const char *params)
{
	const char *p = strstr(params, " resync_rate ");

	return p ? (uint32_t)strtoul(p + 13, NULL, 10) : 0;
}

static void mx_rate_record(const char *name, const char *params,
			   uint32_t rate)
{
	char path[MX_PATH_LEN + 80];
	FILE *f;

	mkdir(mx_run_dir(), 0755);
	snprintf(path, sizeof(path), "%s/%s.rate", mx_run_dir(), name);
	f = fopen(path, "w");
	if (!f)
		return;		/* best effort: adjust then sends it again */
	fprintf(f, "%u %s\n", rate, params);
	fclose(f);
}

static uint32_t mx_rate_live(const char *name, const char *params)
{
	char path[MX_PATH_LEN + 80], line[MX_DM_PARAMS_LEN + 32];
	unsigned int rate;
	int off = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s.rate", mx_run_dir(), name);
	f = fopen(path, "r");
	if (f) {
		if (fgets(line, sizeof(line), f) &&
		    sscanf(line, "%u %n", &rate, &off) == 1 && off) {
			line[strcspn(line, "\n")] = '\0';
			if (!strcmp(line + off, params)) {
				fclose(f);
				return rate;
			}
		}
		fclose(f);
	}
	return mx_table_rate(params);
}

/* set: the new settings @c onto the running mirror @m (or nothing changes). */
static int mx_set_apply(const struct mx_mirror *m, const struct mx_conf *c,
			bool rate, bool reload)
{
	char msg[64], why[MX_ERRMSG_LEN];

	if (reload && mx_same_disks(c))
		return mx_err(MX_EXIT_FAIL, "%s (nothing changed)", mx_errmsg);
	if (m->role == MX_ROLE_SOURCE) {
		if (reload) {
			/* mx_switch_role() puts the old table back on failure. */
			if (mx_switch_role(c, m->table.len, MX_ROLE_SOURCE))
				return mx_err(MX_EXIT_FAIL,
					      "the new table did not load, nothing changed: %s",
					      mx_errmsg);
			mx_note("%s: table reloaded", c->name);
		} else if (rate) {
			snprintf(msg, sizeof(msg), "resync_rate %u",
				 c->resync_rate);
			if (mx_dm_message(c->name, msg))
				return mx_err(MX_EXIT_FAIL, "%s (nothing changed)",
					      mx_errmsg);
			mx_rate_record(c->name, m->table.params, c->resync_rate);
			mx_note("%s: resync rate now %u KiB/s%s", c->name,
				c->resync_rate, c->resync_rate ? "" :
				" (unlimited)");
		}
		return 0;
	}
	if (!reload)
		return 0;
	if (m->info.open_count > 0) {
		mx_note("%s: the running target is open: the change takes effect at the next up or role change",
			c->name);
		return 0;
	}
	/*
	 * A target listens: a second table cannot bind the same address, so
	 * the old one goes first and comes back, as it ran, when the new one
	 * fails.
	 */
	if (mx_dm_remove(c->name))
		return mx_err(MX_EXIT_FAIL, "%s (nothing changed)", mx_errmsg);
	if (mx_bring_up(c, MX_ROLE_TARGET)) {
		snprintf(why, sizeof(why), "%s", mx_errmsg);
		if (mx_dm_create(c->name, m->table.len, m->table.target,
				 m->table.params))
			return mx_err(MX_EXIT_FAIL,
				      "the new target table did not load (%s), and the old one did not come back (%s): fix the cause, then mirrorctl up %s",
				      why, mx_errmsg, c->name);
		return mx_err(MX_EXIT_FAIL,
			      "the new target table did not load, the old one runs again, nothing changed: %s",
			      why);
	}
	mx_note("%s: target restarted with the new settings", c->name);
	return 0;
}

int mx_cmd_set(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "remove-peer", required_argument, NULL, O_RMPEER },
		{ "no-auth", no_argument, NULL, O_NOAUTH },
		{ "no-data-csum", no_argument, NULL, O_NOCSUM },
		{ "no-hot-set", no_argument, NULL, O_NOHOTSET },
		{ "no-fence-peer", no_argument, NULL, O_NOFPEER },
		MX_SETTING_OPTS,
		{ NULL, 0, NULL, 0 },
	};
	bool rate = false, reload = false;
	struct mx_conf c;
	struct mx_mirror m;
	uint32_t id;
	int opt, r, n = 0;

	/* Parse into a scratch config first: errors before any lookup. */
	mx_conf_init(&c);
	while ((opt = mx_getopt(argc, argv, ":h", opts)) != -1) {
		if (opt == 'h')
			return 0;
		if (opt == '?')
			return MX_EXIT_USAGE;
		if (opt == O_RMPEER) {
			if (mx_parse_node_id(optarg, &id))
				return mx_usage("%s", mx_errmsg);
		} else if (mx_setting(&c, opt, optarg)) {
			return mx_usage("%s", mx_errmsg);
		}
		n++;
	}
	if (mx_want_args(argc, argv, 1, "mirror NAME"))
		return MX_EXIT_USAGE;
	if (!n)
		return mx_usage("nothing to set");
	r = mx_find(argv[optind], &m, true);
	if (r)
		return r;
	c = m.conf;
	optind = 0;
	while ((opt = mx_getopt(argc, argv, ":h", opts)) != -1) {
		if (opt == O_RMPEER) {
			mx_parse_node_id(optarg, &id);
			if (!c.peers[id].present)
				return mx_err(MX_EXIT_USAGE,
					      "%s has no peer %u", c.name, id);
			c.peers[id].present = false;
			reload = true;
			continue;
		}
		mx_setting(&c, opt, optarg);
		/* fence_peer is not in the table: fence-handler reads it. */
		if (opt == O_RATE)
			rate = true;
		else if (opt != O_FPEER && opt != O_NOFPEER &&
			 opt != O_FPTIMEOUT)
			reload = true;
	}
	/* Validate, apply, then save: never a config that cannot load. */
	if (mx_conf_validate(&c))
		return mx_err(MX_EXIT_USAGE, NULL);
	if (mx_conf_check_tables(&c, m.info.exists ? m.role : c.role))
		return mx_err(MX_EXIT_USAGE, "%s (nothing changed)",
			      mx_errmsg);
	r = m.info.exists ? mx_set_apply(&m, &c, rate, reload) : 0;
	if (r)
		return r;
	if (mx_conf_save(&c))
		return mx_err(MX_EXIT_FAIL, m.info.exists ?
			      "applied to the running mirror, but saving the config failed: %s" :
			      "%s", mx_errmsg);
	mx_note("%s: config updated", c.name);
	return 0;
}

/* ---- adjust ---- */

/*
 * Bring running mirror @name in line with its config: the resync rate by
 * message, anything else of the table by a reload (as set does); with
 * @dry_run only say what would be done. Idempotent.
 */
static int mx_adjust_one(const char *name, void *arg)
{
	bool dry_run = *(bool *)arg, rate, reload;
	char want[MX_DM_PARAMS_LEN], same[MX_DM_PARAMS_LEN];
	struct mx_mirror m;
	struct mx_conf c;
	uint32_t live = 0;
	int r;

	r = mx_find(name, &m, true);
	if (r)
		return r;
	if (!m.info.exists) {
		mx_note("%s: not running: nothing to adjust (mirrorctl up %s)",
			name, name);
		return 0;
	}
	if (mx_conf_check_tables(&m.conf, m.role))
		return mx_err(MX_EXIT_USAGE, "%s: %s (nothing changed)", name,
			      mx_errmsg);
	/* The table the config asks for, and the same with today's rate. */
	c = m.conf;
	if (m.role == MX_ROLE_SOURCE) {
		live = mx_rate_live(name, m.table.params);
		c.resync_rate = mx_table_rate(m.table.params);
	}
	if (mx_role_params(&m.conf, m.role, want, sizeof(want)) ||
	    mx_role_params(&c, m.role, same, sizeof(same)))
		return mx_err(MX_EXIT_FAIL, "%s: %s", name, mx_errmsg);
	reload = strcmp(same, m.table.params) != 0;
	rate = !reload && m.role == MX_ROLE_SOURCE &&
	       live != m.conf.resync_rate;
	if (!reload && !rate) {
		mx_note("%s: in line with its config", name);
		return 0;
	}
	if (reload)
		mx_note("%s: %s the %s table\n  running: %s\n  config:  %s", name,
			dry_run ? "would reload" : "reloading",
			mx_role_target(m.role), m.table.params, want);
	else
		mx_note("%s: %s resync rate %u -> %u KiB/s", name,
			dry_run ? "would set the" : "setting the", live,
			m.conf.resync_rate);
	if (dry_run)
		return 0;
	return mx_set_apply(&m, &m.conf, rate, reload);
}

int mx_cmd_adjust(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "all", no_argument, NULL, O_ALL },
		{ "dry-run", no_argument, NULL, O_DRYRUN },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	bool all = false, dry_run = false;
	int opt;

	while ((opt = mx_getopt(argc, argv, ":h", opts)) != -1) {
		if (opt == 'h')
			return 0;
		if (opt == '?')
			return MX_EXIT_USAGE;
		if (opt == O_ALL)
			all = true;
		else
			dry_run = true;
	}
	return mx_name_or_all(argc, argv, all, true, mx_adjust_one, &dry_run);
}

/* ---- resize ---- */

/*
 * Grow running mirror NAME to its data device's size (or --size): the
 * metadata's room is checked first, then the table is reloaded with the
 * new length (suspend, load, resume); the kernel marks the new regions
 * out of sync for every peer. A shrink is refused.
 */
int mx_cmd_resize(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "size", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	uint64_t want = 0, dbytes, drdev, cur;
	struct mx_meta_info mi;
	struct mx_mirror m;
	char b1[32], b2[32];
	int opt, r;

	while ((opt = mx_getopt(argc, argv, ":h", opts)) != -1) {
		if (opt == 'h')
			return 0;
		if (opt == '?')
			return MX_EXIT_USAGE;
		if (mx_parse_size("--size", optarg, &want))
			return mx_err(MX_EXIT_USAGE, NULL);
		if (!want || want & 511)
			return mx_usage("--size %s: not a positive multiple of 512 bytes",
					optarg);
	}
	r = mx_find_arg(argc, argv, &m, true);
	if (r)
		return r;
	if (!m.info.exists)
		return mx_err(MX_EXIT_REFUSED,
			      "%s is not running: mirrorctl up %s loads it with its data device's size",
			      m.name, m.name);
	if (mx_blockdev(m.conf.data, "data", &dbytes, &drdev))
		return mx_err(MX_EXIT_FAIL, NULL);
	if (!want)
		want = dbytes & ~511ULL;
	if (want > dbytes)
		return mx_err(MX_EXIT_USAGE,
			      "--size %s is larger than the data device %s (%s): grow it first",
			      mx_fmt_bytes(want, b1, sizeof(b1)), m.conf.data,
			      mx_fmt_bytes(dbytes, b2, sizeof(b2)));
	cur = m.table.len;
	if (want >> 9 == cur) {
		mx_note("%s: already %llu sectors (%s): nothing to do", m.name,
			(unsigned long long)cur,
			mx_fmt_bytes(cur << 9, b1, sizeof(b1)));
		return 0;
	}
	if (want >> 9 < cur)
		return mx_err(MX_EXIT_REFUSED,
			      "%s has %llu sectors, %llu asked: shrinking a mirror is not supported",
			      m.name, (unsigned long long)cur,
			      (unsigned long long)(want >> 9));
	if (mx_meta_peek(m.conf.meta, &mi))
		return mx_err(MX_EXIT_FAIL, NULL);
	if (mi.kind != MX_META_VALID)
		return mx_err(MX_EXIT_FAIL, "%s holds no valid superblock",
			      m.conf.meta);
	if (mx_meta_grow_ok(&mi, want >> 9))
		return mx_err(MX_EXIT_REFUSED, "%s: %s", m.name, mx_errmsg);
	if (mx_switch_role(&m.conf, want >> 9, m.role))
		return mx_err(MX_EXIT_FAIL,
			      "the grown table did not load: %s", mx_errmsg);
	mx_note("%s: grown from %llu to %llu sectors (%s); the new area resyncs to the peers%s",
		m.name, (unsigned long long)cur,
		(unsigned long long)(want >> 9),
		mx_fmt_bytes(want, b1, sizeof(b1)),
		m.role == MX_ROLE_SOURCE ?
		" once they grew too (a smaller target is refused until then)" :
		"");
	return 0;
}
