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
 * The command must make sure that peer cannot be promoted (mirrorctl
 * outdate on its node, power it off, a cluster constraint) and exit 0
 * only then: the handler sends peer_outdated and the writes complete. A
 * command that fails is not run again for that loss: the writes stay
 * held, fence_timeout turns the fencing Failed, and the admin decides.
 * Each command and its outcome go to the audit log (syslog).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>
#include <sys/wait.h>
#include "mirrorctl.h"
#include "mx_watch.h"

enum { O_EXEC = 256, O_ONCE, O_TIMEOUT };

/* Run @cmd for peer @id of @m; its exit status, or -1. */
static int mx_fence_run(const struct mx_mirror *m, int id, const char *cmd)
{
	char num[16];
	int status;
	pid_t pid;

	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return mx_fail("cannot fork: %s", strerror(errno));
	if (!pid) {
		snprintf(num, sizeof(num), "%d", id);
		setenv("MIRRORX_NAME", m->name, 1);
		setenv("MIRRORX_PEER", num, 1);
		setenv("MIRRORX_PEER_ADDRESS",
		       m->has_conf && m->conf.peers[id].present ?
		       m->conf.peers[id].addr : "", 1);
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return mx_fail("waiting for the fence command: %s",
				       strerror(errno));
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

/* A fencing for peer @id of @m: the command, then peer_outdated. */
static int mx_fence_one(const struct mx_mirror *m, int id, const char *cmd)
{
	char line[512], msg[32];
	int rc;

	mx_note("%s: peer %d lost while in sync, writes held: running the fence command",
		m->name, id);
	rc = mx_fence_run(m, id, cmd);
	if (rc) {
		snprintf(line, sizeof(line),
			 "fence-handler %s: the fence command for peer %d failed (exit %d): writes stay held",
			 m->name, id, rc);
		mx_audit_log(LOG_WARNING, line);
		mx_note("%s: the fence command for peer %d failed (exit %d): writes stay held (the fencing turns Failed at fence_timeout)",
			m->name, id, rc);
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

int mx_cmd_fence_handler(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "exec", required_argument, NULL, O_EXEC },
		{ "once", no_argument, NULL, O_ONCE },
		{ "timeout", required_argument, NULL, O_TIMEOUT },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	bool tried[MX_NODES] = { false };
	const char *cmd = NULL;
	uint64_t timeout = 0;
	struct mx_status st;
	struct mx_mirror m;
	bool once = false;
	double start, now;
	int opt, r, id;
	uint32_t i;

	while ((opt = mx_getopt(argc, argv, ":h", opts)) != -1) {
		switch (opt) {
		case 'h':
			return 0;
		case '?':
			return MX_EXIT_USAGE;
		case O_EXEC:
			cmd = optarg;
			break;
		case O_ONCE:
			once = true;
			break;
		case O_TIMEOUT:
			if (mx_parse_num("--timeout seconds", optarg, 0,
					 UINT32_MAX, &timeout))
				return mx_usage("%s", mx_errmsg);
			break;
		}
	}
	if (!cmd || !*cmd)
		return mx_usage("--exec CMD is required");
	r = mx_find_arg(argc, argv, &m, false);
	if (r)
		return r;
	if (!m.info.exists || m.role != MX_ROLE_SOURCE)
		return mx_err(MX_EXIT_FAIL, "%s is not running as the source here",
			      m.name);
	start = mx_now();
	for (;;) {
		if (mx_watch_name(m.name) || mx_get_status(m.name, &st))
			return mx_err(MX_EXIT_FAIL, NULL);
		if (st.role != MX_ROLE_SOURCE)
			return mx_err(MX_EXIT_FAIL,
				      "%s is no longer the source here", m.name);
		if (st.nr_peers && !st.peers[0].fence[0])
			return mx_err(MX_EXIT_USAGE,
				      "the table of %s has no fencing resource (mirrorctl set %s --fencing resource)",
				      m.name, m.name);
		for (i = 0; i < st.nr_peers; i++) {
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
			r = mx_fence_one(&m, id, cmd);
			if (once)
				return r ? mx_err(MX_EXIT_FAIL,
						  "%s: peer %d not outdated",
						  m.name, id) : 0;
		}
		now = mx_now();
		if (timeout && now - start >= timeout)
			return mx_err(MX_EXIT_TIMEOUT,
				      "%s: no fencing within %llu s", m.name,
				      (unsigned long long)timeout);
		if (mx_watch_wait(1000) < 0)
			return mx_err(MX_EXIT_FAIL, NULL);
	}
}
