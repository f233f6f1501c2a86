/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mirrorctl internals shared by the verb files: the verb table entry,
 * option parsing helpers, and the operations several verbs need (find a
 * mirror, check devices, bring a role up, read its status).
 */
#ifndef MIRRORCTL_H
#define MIRRORCTL_H

#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>
#include "mx_conf.h"
#include "mx_dm.h"
#include "mx_meta.h"
#include "mx_status.h"
#include "mx_util.h"

#define MIRRORCTL_VERSION	"0.1.0"

struct mx_verb {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *args;	/* one-line synopsis after the verb */
	const char *summary;
	const char *help;	/* options, one per line */
};

/* The verb being run, for messages. */
extern const struct mx_verb *mx_cur_verb;

/*
 * Print "mirrorctl: VERB: " and the message (mx_errmsg when @fmt is
 * NULL) on stderr, return @code.
 */
int mx_err(int code, const char *fmt, ...) __printf(2, 3);

/* Usage error: one line, pointing at --help; returns MX_EXIT_USAGE. */
int mx_usage(const char *fmt, ...) __printf(1, 2);

/* "mirrorctl: VERB: warning: ..." on stderr; the verb goes on. */
void mx_warn(const char *fmt, ...) __printf(1, 2);

/* Notes for the user (stdout unless --json / quiet). */
void mx_note(const char *fmt, ...) __printf(1, 2);
extern bool mx_quiet;

/*
 * getopt_long over a verb's argv with "-h/--help" added. Returns the
 * option, -1 at the end, 'h' after printing help (caller returns 0),
 * '?' after a usage error was printed (caller returns MX_EXIT_USAGE).
 */
int mx_getopt(int argc, char **argv, const char *optstr,
	      const struct option *longopts);

/* Exactly @n positional arguments remain (named in @what). */
int mx_want_args(int argc, char **argv, int n, const char *what);

/* A mirror as found on this node. */
struct mx_mirror {
	char name[MX_NAME_LEN];
	bool has_conf;
	struct mx_conf conf;
	struct mx_dm_info info;		/* info.exists: the dm device is up */
	enum mx_role role;		/* active role (from the table) */
	struct mx_dm_line table;
};

/*
 * Find NAME: its config and its dm device. Returns 0, or the exit code
 * after printing the error (MX_EXIT_NOTFOUND when neither exists, or
 * when @need_conf and there is no config).
 */
int mx_find(const char *name, struct mx_mirror *m, bool need_conf);

/* The verb's one positional argument is a mirror NAME: find it (mx_find). */
int mx_find_arg(int argc, char **argv, struct mx_mirror *m, bool need_conf);

/* A growing list of mirror names (free v). */
struct mx_names {
	char (*v)[MX_NAME_LEN];
	int n, cap;
};

/* Add @name to @ns unless it is there; -1 (mx_errmsg) out of memory. */
int mx_names_add(struct mx_names *ns, const char *name);

/* Add every mirror known here to @ns: dm-mirrorx devices and configs, sorted. */
int mx_all_names(struct mx_names *ns);

/* A dm-mirrorx target type (source or target role). */
bool mx_is_mirror_target(const char *target);

/* Status of mirror @name from its dm status line @l (size from its length). */
int mx_status_from_line(const char *name, const struct mx_dm_line *l,
			struct mx_status *st);

/* Status of an active mirror (size from its table). */
int mx_get_status(const char *name, struct mx_status *st);
/*
 * Add a source's resync counters (the stats message) to @st; best effort:
 * a module without the message leaves them unknown.
 */
void mx_get_stats(const char *name, struct mx_status *st);

/* Block device checks: exists, is a block device; its size in bytes. */
int mx_blockdev(const char *path, const char *what, uint64_t *bytes,
		uint64_t *rdev);

/* Open a device for metadata I/O (O_DIRECT when the filesystem allows). */
int mx_open_direct(const char *path, int flags);

/* The target types are registered (tries modprobe dm-mirrorx once). */
int mx_ensure_module(void);

/* Table parameters of @role for @c. */
int mx_role_params(const struct mx_conf *c, enum mx_role role, char *buf,
		   size_t len);

/*
 * Remember the superblock UUID of @c's metadata device in its config
 * (meta_uuid), when it changed; best effort. Called while the mirror's
 * table @l holds that device, so the UUID is known to be this mirror's;
 * when @l's metadata device is not @c's meta_dev (same device number),
 * nothing is recorded and a warning says so. @l NULL: the table was just
 * made from @c.
 */
void mx_record_meta_uuid(struct mx_conf *c, const struct mx_dm_line *l);

/*
 * May delete --wipe-meta zero @meta? Only a block device whose
 * superblock is @m's: the metadata device of its running table, or one
 * whose UUID is the config's meta_uuid (@force: any block device).
 * @blank: nothing to wipe. Returns 0, or the exit code after the error.
 */
/* Read the superblock of @path (O_DIRECT); -1 with mx_errmsg. */
int mx_meta_peek(const char *path, struct mx_meta_info *mi);
int mx_wipe_allowed(const struct mx_mirror *m, const char *meta, bool force,
		    bool *blank);

/* Create the dm device NAME in @role from @c (devices checked). */
int mx_bring_up(const struct mx_conf *c, enum mx_role role);

/*
 * A reload keeps the running mirror's disks: the data and metadata
 * devices the running table of @c->name holds (by device number, as the
 * kernel opened them) must be @c's. A config edited to name other disks
 * would otherwise move the device, and whatever has it open, onto them;
 * one corrected after a rename (lvrename) passes. -1 with mx_errmsg.
 */
int mx_same_disks(const struct mx_conf *c);

/*
 * Swap the live table of NAME to @role: suspend, load, resume; the old
 * table runs on when the new one does not load or resume. Refused when
 * the config's data or metadata device is not the running table's.
 */
int mx_switch_role(const struct mx_conf *c, uint64_t len, enum mx_role role);

/*
 * @m is up in the role a verb wants but suspended: not "already" done.
 * Prints why and what to do; returns MX_EXIT_FAIL.
 */
int mx_err_suspended(const struct mx_mirror *m);

/*
 * One audit line (syslog(3), facility daemon, ident mirrorctl); weak, so
 * the host tests' stand-in can collect them.
 */
void mx_audit_log(int prio, const char *line);

/* Verbs. */
int mx_cmd_create(int argc, char **argv);
int mx_cmd_delete(int argc, char **argv);
int mx_cmd_up(int argc, char **argv);
int mx_cmd_down(int argc, char **argv);
int mx_cmd_promote(int argc, char **argv);
int mx_cmd_demote(int argc, char **argv);
int mx_cmd_set(int argc, char **argv);
int mx_cmd_adjust(int argc, char **argv);
int mx_cmd_resize(int argc, char **argv);
int mx_cmd_status(int argc, char **argv);
int mx_cmd_list(int argc, char **argv);
int mx_cmd_dump(int argc, char **argv);
int mx_cmd_metrics(int argc, char **argv);
int mx_cmd_wait_sync(int argc, char **argv);
int mx_cmd_events(int argc, char **argv);
int mx_cmd_check(int argc, char **argv);
int mx_cmd_role(int argc, char **argv);
int mx_cmd_resync(int argc, char **argv);
int mx_cmd_pause(int argc, char **argv);
int mx_cmd_resume(int argc, char **argv);
int mx_cmd_connect(int argc, char **argv);
int mx_cmd_disconnect(int argc, char **argv);
int mx_cmd_outdate(int argc, char **argv);
int mx_cmd_peer_outdated(int argc, char **argv);
int mx_cmd_fence_handler(int argc, char **argv);
int mx_cmd_verify(int argc, char **argv);

#endif /* MIRRORCTL_H */
