/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Table line and message parsing (args.c). Pure: strings in, a config
 * struct or a clear error out. Devices are opened by the targets.
 */
#ifndef DM_MIRRORX_ARGS_H
#define DM_MIRRORX_ARGS_H

#include <linux/bits.h>
#include <linux/sizes.h>
#include <linux/types.h>
#include <linux/socket.h>
#include "meta_format.h"

#define MX_MAX_PEERS		(MX_MAX_NODES - 1)
#define MX_AUTH_KEY_MAX		128
#define MX_DEFAULT_ASYNC_LIMIT	(64ULL << 20)
#define MX_MIN_ASYNC_LIMIT	SZ_1M
#define MX_MAX_ASYNC_LIMIT	(16ULL << 30)
#define MX_MAX_RESYNC_RATE	(16U << 20)	/* KiB/s: 16 GiB/s */
/* hot_set, MiB: what may stay marked while busy (a crash resyncs it). */
#define MX_DEFAULT_HOT_SET	1024
#define MX_MAX_HOT_SET		(16U << 20)	/* 16 TiB */
/* fence_timeout, seconds: a fence-peer step must report within it. */
#define MX_DEFAULT_FENCE_TIMEOUT	60
#define MX_MAX_FENCE_TIMEOUT		86400

struct mx_peer_conf {
	u32 node_id;
	bool async;
	struct sockaddr_storage addr;
};

/* Optional arguments; a flag in @given per option named in the table. */
#define MX_OPT_ASYNC_LIMIT	BIT(0)
#define MX_OPT_ON_CONGESTION	BIT(1)
#define MX_OPT_ON_DISCONNECT	BIT(2)
#define MX_OPT_RESYNC_RATE	BIT(3)
#define MX_OPT_AUTH		BIT(4)
#define MX_OPT_DATA_CSUM	BIT(5)
#define MX_OPT_NODE_ID		BIT(6)
#define MX_OPT_HOT_SET		BIT(7)
#define MX_OPT_FENCING		BIT(8)
#define MX_OPT_FENCE_TIMEOUT	BIT(9)
#define MX_OPT_FORCE_PROMOTE	BIT(10)
#define MX_OPT_COMPRESS		BIT(11)
/* Options the receiver accepts; the rest are source-only. */
#define MX_OPT_RECV_MASK	(MX_OPT_AUTH | MX_OPT_DATA_CSUM | \
				 MX_OPT_NODE_ID | MX_OPT_COMPRESS)

struct mx_opts {
	u32 given;
	u64 async_limit;		/* bytes, default 64 MiB */
	bool congestion_behind;		/* default: block */
	bool disconnect_suspend;	/* default: continue */
	u32 resync_rate;		/* KiB/s, 0 = unlimited (default) */
	char auth_key[MX_AUTH_KEY_MAX];	/* key description, "" = none */
	bool data_csum;
	u32 node_id;			/* source default 0, target unset */
	u32 hot_set;			/* MiB, default MX_DEFAULT_HOT_SET */
	bool fencing;			/* fencing resource; default none */
	u32 fence_timeout;		/* s, default MX_DEFAULT_FENCE_TIMEOUT */
	bool force_promote;		/* serve Outdated/Inconsistent data */
	/*
	 * enum mx_comp_alg (proto.h): a source compresses data with it when
	 * its target offers it; a target offers it. Default MX_COMP_NONE.
	 */
	u32 compress;
};

struct mx_src_conf {
	const char *data_path;
	const char *meta_path;
	u32 region_sectors;
	u32 nr_peers;
	struct mx_peer_conf peers[MX_MAX_PEERS];
	struct mx_opts opts;
};

struct mx_recv_conf {
	const char *data_path;
	const char *meta_path;
	struct sockaddr_storage listen;
	struct mx_opts opts;
};

/*
 * Parse "<data_dev> <meta_dev> <region_sectors> <#peers>
 * {<peer_id> <host:port> <sync|async>}... [<#opt_args> <opt_args>...]".
 * Paths point into @argv. Returns 0 or -EINVAL with *@error set to a
 * ti->error style message naming the bad argument.
 */
int mx_parse_src_table(unsigned int argc, char **argv, struct mx_src_conf *c,
		       char **error);

/* Parse "<data_dev> <meta_dev> <listen_host:port> [<#opt_args> ...]". */
int mx_parse_recv_table(unsigned int argc, char **argv,
			struct mx_recv_conf *c, char **error);

/*
 * "a.b.c.d:port" or "[v6addr]:port", port 1..65535, into @ss. Returns 0 or
 * -EINVAL.
 */
int mx_parse_hostport(const char *s, struct sockaddr_storage *ss);

/* Strict unsigned decimal: no sign, no trailing junk, no overflow. */
int mx_parse_u64(const char *s, u64 *v);

enum mx_msg_verb {
	MX_MSG_RESYNC,		/* resync <peer|all> [full] [csum] */
	MX_MSG_PAUSE,		/* pause <peer> */
	MX_MSG_RESUME,		/* resume <peer> */
	MX_MSG_DISCONNECT,	/* disconnect <peer> */
	MX_MSG_CONNECT,		/* connect <peer> */
	MX_MSG_VERIFY,		/* verify <peer> */
	MX_MSG_RESYNC_RATE,	/* resync_rate <KiB/s> */
	MX_MSG_ASSUME_CLEAN,	/* assume_clean <peer> */
	MX_MSG_STATS,		/* stats: per-peer counters, as the result */
	MX_MSG_PEER_OUTDATED,	/* peer_outdated <peer> */
};

#define MX_MSG_ALL_PEERS	(-1)

struct mx_msg {
	enum mx_msg_verb verb;
	int peer;		/* index into the table's peers, or ALL */
	bool full;
	bool csum;		/* resync: compare by checksum first */
	u32 rate;
};

/*
 * Parse a dmsetup message for a source whose table names @nr_peers peers
 * with node ids @peer_ids. <peer> is a node id as written in the table.
 * Returns 0 or -EINVAL with *@err a reason for the log.
 */
int mx_parse_message(unsigned int argc, char **argv, const u32 *peer_ids,
		     u32 nr_peers, struct mx_msg *m, const char **err);

/*
 * The constructor arguments joined by single spaces (kmalloc'ed): what
 * STATUSTYPE_TABLE prints back, exactly as loaded.
 */
char *mx_join_args(unsigned int argc, char **argv);

#endif /* DM_MIRRORX_ARGS_H */
