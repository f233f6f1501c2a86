// SPDX-License-Identifier: GPL-2.0
/*
 * mirrorctl fence-handler: the fence-peer step of a source whose table
 * says "fencing resource" (Documentation/dm-mirrorx.rst, "Data states and
 * fencing"; mirrorctl.8, FENCING AND OUTDATED DATA).
 *
 * It waits for the mirror's device-mapper events (mx_watch.c). When a
 * peer's fencing turns Pending (lost while in sync: the kernel holds the
 * writes it misses), it runs the cluster's command, "sh -c CMD" with
 * MIRRORX_NAME, MIRRORX_PEER and MIRRORX_PEER_ADDRESS in its environment.
 * CMD is --exec, else the config's fence_peer, read again at each
 * fencing (a "mirrorctl set --fence-peer" applies to a running handler),
 * as is the peer's address (a "set --peer" too).
 * The command must make sure that peer cannot be promoted (mirrorctl
 * outdate on its node, power it off, a cluster constraint) and exit 0
 * only then: the handler sends peer_outdated and the writes complete. A
 * command that fails, or still runs after fence_peer_timeout (it is then
 * killed), is not run again for that loss: the writes stay held,
 * fence_timeout turns the fencing Failed, and the admin decides.
 * Each command and its outcome go to the audit log (syslog).
 *
 * --follow makes it the daemon of mirrorx-fence@NAME.service and of the
 * OCF agent: it keeps running across losses, and while the mirror is
 * down, a target or without fencing it waits instead of ending.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <signal.h>
#include <unistd.h>
#include <sys/wait.h>
#include "mirrorctl.h"
#include "mx_watch.h"

enum { O_EXEC = 256, O_ONCE, O_TIMEOUT, O_FOLLOW };

/* What the handler sees of its mirror; a note when that changes. */
enum mx_fence_view {
	MX_FV_NONE, MX_FV_DOWN, MX_FV_TARGET, MX_FV_NOFENCE, MX_FV_WATCH,
};

#define MX_FENCE_KILL_WAIT	5	/* s from SIGTERM to SIGKILL */

/* The command's child: its environment, then sh -c @cmd. */
static void __attribute__((noreturn))
mx_fence_child(const struct mx_mirror *m, int id, const char *addr,
	       const char *cmd)
{
	char num[16], self[MX_PATH_LEN];
	ssize_t n;

	/* Its own process group: a timeout kills the whole command. */
	setpgid(0, 0);
	snprintf(num, sizeof(num), "%d", id);
	setenv("MIRRORX_NAME", m->name, 1);
	setenv("MIRRORX_PEER", num, 1);
	setenv("MIRRORX_PEER_ADDRESS", addr, 1);
	/* mirrorx-fence-peer and the like call this same mirrorctl. */
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n > 0) {
		self[n] = '\0';
		setenv("MIRRORCTL", self, 0);
	}
	execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
	_exit(127);
}

/*
 * Run @cmd for peer @id (at @addr) of @m for at most @limit seconds: its
 * exit status; -2 when it was killed at the limit (its process group:
 * SIGTERM, SIGKILL MX_FENCE_KILL_WAIT s later); -1 when it could not run.
 */
static int mx_fence_run(const struct mx_mirror *m, int id, const char *addr,
			const char *cmd, uint32_t limit)
{
	double end = mx_now() + limit, kill_at = 0;
	int status;
	pid_t pid, r;

	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return mx_fail("cannot fork: %s", strerror(errno));
	if (!pid)
		mx_fence_child(m, id, addr, cmd);
	setpgid(pid, pid);
	for (;;) {
		r = waitpid(pid, &status, WNOHANG);
		if (r == pid)
			break;
		if (r < 0 && errno != EINTR)
			return mx_fail("waiting for the fence command: %s",
				       strerror(errno));
		if (!kill_at && mx_now() >= end) {
			kill(-pid, SIGTERM);
			kill_at = mx_now() + MX_FENCE_KILL_WAIT;
		} else if (kill_at && mx_now() >= kill_at) {
			kill(-pid, SIGKILL);
			kill_at = mx_now() + 3600;
		}
		usleep(100000);
	}
	if (kill_at)
		return -2;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

/*
 * The command for a fencing of @m: --exec @exec, else fence_peer from
 * the config as it is now (@c, also for the peer's address: a set --peer
 * since the start applies), into @buf; with its time limit in @limit.
 */
static const char *mx_fence_cmd(const struct mx_mirror *m, const char *exec,
				struct mx_conf *c, char *buf, size_t len,
				uint32_t *limit)
{
	int r;

	r = mx_conf_load(m->name, c);
	if (r) {
		/* Gone or broken since the start: what was read then. */
		*c = m->conf;
		if (!m->has_conf)
			mx_conf_init(c);
	}
	*limit = c->fence_peer_timeout ? c->fence_peer_timeout :
		 MX_DEFAULT_FENCE_PEER_TIMEOUT;
	if (exec)
		return exec;
	if (!c->fence_peer[0])
		return NULL;
	snprintf(buf, len, "%s", c->fence_peer);
	return buf;
}

/* A fencing for peer @id of @m: the command, then peer_outdated. */
static int mx_fence_one(const struct mx_mirror *m, int id, const char *exec)
{
	char line[MX_CMD_LEN + 256], msg[32], buf[MX_CMD_LEN], why[64];
	const char *cmd, *addr;
	struct mx_conf c;
	uint32_t limit;
	int rc;

	cmd = mx_fence_cmd(m, exec, &c, buf, sizeof(buf), &limit);
	addr = id >= 0 && id < MX_NODES && c.peers[id].present ?
	       c.peers[id].addr : "";
	if (!cmd) {
		snprintf(line, sizeof(line),
			 "fence-handler %s: peer %d lost while in sync, but no fence_peer in the config: writes stay held",
			 m->name, id);
		mx_audit_log(LOG_WARNING, line);
		mx_note("%s: peer %d lost while in sync: no fence_peer in the config any more, writes stay held",
			m->name, id);
		return -1;
	}
	mx_note("%s: peer %d lost while in sync, writes held: running the fence command",
		m->name, id);
	snprintf(line, sizeof(line), "fence-handler %s: peer %d: running %s",
		 m->name, id, cmd);
	mx_audit_log(LOG_NOTICE, line);
	rc = mx_fence_run(m, id, addr, cmd, limit);
	if (rc) {
		if (rc == -2)
			snprintf(why, sizeof(why),
				 "still running after fence_peer_timeout %u s: killed",
				 limit);
		else
			snprintf(why, sizeof(why), "failed (exit %d)", rc);
		snprintf(line, sizeof(line),
			 "fence-handler %s: the fence command for peer %d %s: writes stay held",
			 m->name, id, why);
		mx_audit_log(LOG_WARNING, line);
		mx_note("%s: the fence command for peer %d %s: writes stay held (the fencing turns Failed at fence_timeout)",
			m->name, id, why);
		return -1;
	}
	snprintf(msg, sizeof(msg), "peer_outdated %d", id);
	if (mx_dm_message(m->name, msg))
		return -1;
	snprintf(line, sizeof(line),
		 "fence-handler %s: peer %d outdated by the fence command: peer_outdated sent, held writes complete",
		 m->name, id);
	mx_audit_log(LOG_NOTICE, line);
	mx_note("%s: peer %d outdated: held writes complete", m->name, id);
	return 0;
}

/* Say once what the handler now waits for. */
static void mx_fence_view(const char *name, enum mx_fence_view *cur,
			  enum mx_fence_view v)
{
	static const char *const what[] = {
		[MX_FV_DOWN] = "not running here: waiting for it",
		[MX_FV_TARGET] = "a target here: waiting until it is the source",
		[MX_FV_NOFENCE] = "the source, but its table has no fencing resource: waiting",
		[MX_FV_WATCH] = "the source with fencing resource: watching its peers",
	};

	if (*cur != v)
		mx_note("%s: %s", name, what[v]);
	*cur = v;
}

/*
 * One look at the mirror: fence each peer newly Pending. 0 to go on,
 * -1 when --once is done (exit 0), else the exit status of an error.
 */
static int mx_fence_scan(const struct mx_mirror *m, const char *exec,
			 bool once, bool follow, bool *tried,
			 enum mx_fence_view *view)
{
	struct mx_dm_info info;
	struct mx_status st;
	int i, id, r;

	if (mx_dm_info(m->name, &info))
		return mx_err(MX_EXIT_FAIL, NULL);
	if (!info.exists) {
		if (!follow)
			return mx_err(MX_EXIT_FAIL, "%s is no longer running here",
				      m->name);
		memset(tried, 0, MX_NODES * sizeof(*tried));
		mx_fence_view(m->name, view, MX_FV_DOWN);
		return 0;
	}
	if (mx_watch_name(m->name) || mx_get_status(m->name, &st))
		return mx_err(MX_EXIT_FAIL, NULL);
	if (st.role != MX_ROLE_SOURCE) {
		if (!follow)
			return mx_err(MX_EXIT_FAIL,
				      "%s is no longer the source here", m->name);
		memset(tried, 0, MX_NODES * sizeof(*tried));
		mx_fence_view(m->name, view, MX_FV_TARGET);
		return 0;
	}
	if (st.nr_peers && !st.peers[0].fence[0]) {
		if (!follow)
			return mx_err(MX_EXIT_USAGE,
				      "the table of %s has no fencing resource (mirrorctl set %s --fencing resource)",
				      m->name, m->name);
		mx_fence_view(m->name, view, MX_FV_NOFENCE);
		return 0;
	}
	mx_fence_view(m->name, view, MX_FV_WATCH);
	for (i = 0; i < (int)st.nr_peers; i++) {
		id = st.peers[i].id;
		if (id < 0 || id >= MX_NODES)
			continue;
		/* A new loss after a reconnect is handled again. */
		if (strcmp(st.peers[i].fence, "Pending")) {
			if (strcmp(st.peers[i].fence, "Failed"))
				tried[id] = false;
			continue;
		}
		if (tried[id])
			continue;
		tried[id] = true;
		r = mx_fence_one(m, id, exec);
		if (once)
			return r ? mx_err(MX_EXIT_FAIL,
					  "%s: peer %d not outdated",
					  m->name, id) : -1;
	}
	return 0;
}

int mx_cmd_fence_handler(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "exec", required_argument, NULL, O_EXEC },
		{ "once", no_argument, NULL, O_ONCE },
		{ "follow", no_argument, NULL, O_FOLLOW },
		{ "timeout", required_argument, NULL, O_TIMEOUT },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	enum mx_fence_view view = MX_FV_NONE;
	bool tried[MX_NODES] = { false };
	bool once = false, follow = false;
	const char *exec = NULL;
	uint64_t timeout = 0;
	struct mx_mirror m;
	double start;
	int opt, r;

	while ((opt = mx_getopt(argc, argv, ":h", opts)) != -1) {
		switch (opt) {
		case 'h':
			return 0;
		case '?':
			return MX_EXIT_USAGE;
		case O_EXEC:
			if (!*optarg)
				return mx_usage("--exec needs a command");
			exec = optarg;
			break;
		case O_ONCE:
			once = true;
			break;
		case O_FOLLOW:
			follow = true;
			break;
		case O_TIMEOUT:
			if (mx_parse_num("--timeout seconds", optarg, 0,
					 UINT32_MAX, &timeout))
				return mx_usage("%s", mx_errmsg);
			break;
		}
	}
	/* A daemon's lines reach its log (journal, file) as they happen. */
	setvbuf(stdout, NULL, _IOLBF, 0);
	r = mx_find_arg(argc, argv, &m, false);
	if (r)
		return r;
	if (!exec && !(m.has_conf && m.conf.fence_peer[0]))
		return mx_err(MX_EXIT_USAGE,
			      "no fence-peer command for %s: give --exec CMD, or set fence_peer in its config (mirrorctl set %s --fence-peer CMD)",
			      m.name, m.name);
	if (!follow && (!m.info.exists || m.role != MX_ROLE_SOURCE))
		return mx_err(MX_EXIT_FAIL, "%s is not running as the source here%s",
			      m.name, once ? "" : " (--follow waits for it)");
	start = mx_now();
	for (;;) {
		r = mx_fence_scan(&m, exec, once, follow, tried, &view);
		if (r)
			return r < 0 ? 0 : r;
		if (timeout && mx_now() - start >= timeout)
			return mx_err(MX_EXIT_TIMEOUT,
				      "%s: no fencing within %llu s", m.name,
				      (unsigned long long)timeout);
		if (mx_watch_wait(1000) < 0)
			return mx_err(MX_EXIT_FAIL, NULL);
	}
}
