/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Mirror configuration: one "key = value" file per mirror,
 * $MIRRORX_CONF_DIR/NAME.conf (default /etc/mirrorx). It describes this
 * node's side of the mirror in both roles, so that the table of either
 * role can be built from it: promote builds the source table (peers =
 * the other nodes), demote the target table (listen address).
 */
#ifndef MX_CONF_H
#define MX_CONF_H

#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>

#define MX_NODES		8
#define MX_NAME_LEN		65
#define MX_PATH_LEN		256
#define MX_ADDR_LEN		128
#define MX_KEY_LEN		129
#define MX_DEFAULT_PORT		7789
#define MX_DEFAULT_REGION	128	/* sectors: 64 KiB */
#define MX_DEFAULT_CONF_DIR	"/etc/mirrorx"
#define MX_CONF_MAX		65536	/* config file text */
#define MX_TABLE_LEN		4096	/* table parameters, as MX_DM_PARAMS_LEN */
#define MX_MAX_HOT_SET		16777216U	/* MiB (16 TiB), the kernel's bound */
#define MX_MAX_FENCE_TIMEOUT	86400U		/* s, the kernel's bound */
#define MX_DEFAULT_FENCE_TIMEOUT 60U		/* s, the kernel's default */
#define MX_CMD_LEN		1024	/* fence_peer command */
#define MX_DEFAULT_FENCE_PEER_TIMEOUT 120U	/* s */

enum mx_role {
	MX_ROLE_NONE,
	MX_ROLE_SOURCE,
	MX_ROLE_TARGET,
};

struct mx_conf_peer {
	bool present;
	bool async;
	char addr[MX_ADDR_LEN];		/* host:port as written */
};

struct mx_conf {
	char name[MX_NAME_LEN];
	uint32_t node_id;
	enum mx_role role;		/* the role "up" starts in */
	char data[MX_PATH_LEN];
	char meta[MX_PATH_LEN];
	uint32_t region_sectors;
	char listen[MX_ADDR_LEN];
	struct mx_conf_peer peers[MX_NODES];	/* by node id */
	/* Options; zero / false is the kernel's default and not emitted. */
	uint64_t async_limit;		/* bytes */
	bool congestion_behind;
	bool disconnect_suspend;
	uint32_t resync_rate;		/* KiB/s */
	char auth[MX_KEY_LEN];		/* key description */
	bool data_csum;
	/*
	 * hot_set MiB: 0 is a value (no hot set), so "not set" (the kernel's
	 * default, 1024) is has_hot_set false.
	 */
	bool has_hot_set;
	uint32_t hot_set;		/* MiB, 0..MX_MAX_HOT_SET */
	bool fencing;			/* fencing resource (default none) */
	/*
	 * Link compression, "" (none, the default), "lz4" or "zstd": on
	 * both table lines (a target offers it, a source uses it).
	 */
	char compress[8];
	uint32_t fence_timeout;		/* s, 0: the kernel's default (60) */
	/*
	 * The fence-peer command ("" none) that mirrorctl fence-handler runs
	 * (sh -c) when an in-sync peer is lost; not in the table.
	 */
	char fence_peer[MX_CMD_LEN];
	/* s the command may run before it is killed, 0: the default (120) */
	uint32_t fence_peer_timeout;
	/*
	 * Not in the file: promote --force on Outdated or Inconsistent data
	 * puts force_promote in that one source table line.
	 */
	bool force_promote;
	/* Superblock UUID last seen on meta_dev (hex; "" not known yet). */
	char meta_uuid[33];
};

/* Defaults: no name, node 0, target, 64 KiB regions, 0.0.0.0:7789. */
void mx_conf_init(struct mx_conf *c);

const char *mx_role_name(enum mx_role r);
int mx_parse_role(const char *s, enum mx_role *r);

/* "ID,HOST:PORT[,sync|async]" into @c's peer table. */
int mx_conf_parse_peer(struct mx_conf *c, const char *arg);

/*
 * Set one key ("resync_rate", "listen"...) from its text value. Errors
 * name @what (an option such as "--resync-rate"), or the key when NULL.
 */
int mx_conf_set(struct mx_conf *c, const char *key, const char *value,
		const char *what);

/* Number of peers configured. */
unsigned int mx_conf_nr_peers(const struct mx_conf *c);

/*
 * Parse the text of a config file. @where prefixes errors (the path).
 * Every key is checked; unknown keys, duplicates and bad values fail.
 */
int mx_conf_parse(const char *text, const char *where, struct mx_conf *c);

/* Check the whole: required keys, peers distinct from node_id. */
int mx_conf_validate(const struct mx_conf *c);

/* The config as file text into @buf. */
int mx_conf_format(const struct mx_conf *c, char *buf, size_t len);

/* The config directory: $MIRRORX_CONF_DIR, else /etc/mirrorx. */
const char *mx_conf_dir(void);

/* DIR/NAME.conf into @buf. */
int mx_conf_path(const char *name, char *buf, size_t len);

/*
 * Read NAME's config. Returns 0, 1 when it does not exist (mx_errmsg
 * says so), -1 on a read error, MX_CONF_BAD when its text is wrong.
 */
#define MX_CONF_BAD	(-2)
int mx_conf_load(const char *name, struct mx_conf *c);

/*
 * Read a config file by path ("-": standard input), for instance another
 * node's. Returns 0, -1 on a read error, MX_CONF_BAD when its text is
 * wrong (mx_errmsg says why).
 */
int mx_conf_load_file(const char *path, struct mx_conf *c);

/*
 * Hold the lock of NAME's config (flock of DIR/.NAME.lock) until exit,
 * or until the lock of another mirror is taken (--all: one mirror after
 * the other, each locked while it is handled), so that two mirrorctl
 * runs (a cluster action, an admin's set) never overwrite each other's
 * changes. Waits up to MX_LOCK_WAIT seconds.
 */
#define MX_LOCK_WAIT	30
int mx_conf_lock(const char *name);

/* Write it atomically (temporary file, fsync, rename). */
int mx_conf_save(const struct mx_conf *c);

/* Remove NAME's config; 0 when it did not exist either. */
int mx_conf_remove(const char *name);

/*
 * Table parameters (after "<start> <len> <target>") of the source role
 * (target "mirrorx") or the target role ("mirrorx-recv"). Addresses are
 * resolved to the numeric form the kernel wants.
 */
int mx_conf_source_params(const struct mx_conf *c, char *buf, size_t len);
int mx_conf_target_params(const struct mx_conf *c, char *buf, size_t len);

/*
 * Before saving: every address resolves, and the table of @role (when
 * not MX_ROLE_NONE) builds.
 */
int mx_conf_check_tables(const struct mx_conf *c, enum mx_role role);

/*
 * Do this node's config (@mine) and another node's (@theirs, the same
 * mirror) agree on what the two nodes must share: distinct node ids, each
 * naming the other as a peer at the address the other listens on (the same
 * port; the same host unless the other listens on a wildcard address),
 * the region size and the authentication key. Calls @report once per
 * problem with a sentence that names both keys and says what to change.
 * Returns the number of problems (0: they agree).
 */
int mx_conf_crosscheck(const struct mx_conf *mine, const struct mx_conf *theirs,
		       void (*report)(void *arg, const char *problem),
		       void *arg);

/* dm target type name of a role. */
const char *mx_role_target(enum mx_role r);

#endif /* MX_CONF_H */
