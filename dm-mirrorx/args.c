// SPDX-License-Identifier: GPL-2.0
/*
 * dm-mirrorx table line and message parsing. Pure: strings in, a config
 * struct or an error naming the bad argument out. The targets open the
 * devices and sockets afterwards.
 *
 * Every number is checked to be plain decimal before the dm helpers or
 * kstrtoull see it, so "+5", " 5", "5\n", "12x" and "-1" are all refused.
 * Where ti->error can only be a fixed string, the offending word is logged.
 */
#include <linux/slab.h>
#include <linux/device-mapper.h>
#include <linux/kernel.h>
#include <linux/string.h>
#include <linux/ctype.h>
#include <linux/errno.h>
#include <linux/log2.h>
#include <linux/in.h>
#include <linux/in6.h>
#include <linux/inet.h>
#include "args.h"
#include "proto.h"

#define DM_MSG_PREFIX "mirrorx"

/* Words after <#opt_args>: ten options with a value and two flags. */
#define MX_MAX_OPT_WORDS	22

enum {
	MX_ARG_REGION,
	MX_ARG_NR_PEERS,
	MX_ARG_PEER_ID,
	MX_ARG_NR_OPTS,
	MX_ARG_NODE_ID,
};

static const struct dm_arg mx_args[] = {
	[MX_ARG_REGION] = { MX_MIN_REGION_SECTORS, MX_MAX_REGION_SECTORS,
			    "Invalid region size" },
	[MX_ARG_NR_PEERS] = { 1, MX_MAX_PEERS, "Invalid number of peers" },
	[MX_ARG_PEER_ID] = { 0, MX_MAX_NODES - 1, "Invalid peer id" },
	[MX_ARG_NR_OPTS] = { 0, MX_MAX_OPT_WORDS,
			     "Invalid number of optional arguments" },
	[MX_ARG_NODE_ID] = { 0, MX_MAX_NODES - 1, "Invalid node_id" },
};

/* One optional argument, with its messages: ti->error must be static. */
struct mx_opt_def {
	const char *name;
	u32 flag;
	bool has_value;
	char *dup_error;
	char *src_only_error;
	char *missing_error;
	char *invalid_error;
};

static const struct mx_opt_def mx_opt_defs[] = {
	{
		.name = "async_limit",
		.flag = MX_OPT_ASYNC_LIMIT,
		.has_value = true,
		.dup_error = "Duplicate option async_limit",
		.src_only_error =
			"Option async_limit is only valid for the source role",
		.missing_error = "Missing value for option async_limit",
		.invalid_error = "Invalid async_limit",
	},
	{
		.name = "on_congestion",
		.flag = MX_OPT_ON_CONGESTION,
		.has_value = true,
		.dup_error = "Duplicate option on_congestion",
		.src_only_error =
			"Option on_congestion is only valid for the source role",
		.missing_error = "Missing value for option on_congestion",
		.invalid_error = "Invalid on_congestion",
	},
	{
		.name = "on_disconnect",
		.flag = MX_OPT_ON_DISCONNECT,
		.has_value = true,
		.dup_error = "Duplicate option on_disconnect",
		.src_only_error =
			"Option on_disconnect is only valid for the source role",
		.missing_error = "Missing value for option on_disconnect",
		.invalid_error = "Invalid on_disconnect",
	},
	{
		.name = "resync_rate",
		.flag = MX_OPT_RESYNC_RATE,
		.has_value = true,
		.dup_error = "Duplicate option resync_rate",
		.src_only_error =
			"Option resync_rate is only valid for the source role",
		.missing_error = "Missing value for option resync_rate",
		.invalid_error = "Invalid resync_rate",
	},
	{
		.name = "auth",
		.flag = MX_OPT_AUTH,
		.has_value = true,
		.dup_error = "Duplicate option auth",
		.src_only_error =
			"Option auth is only valid for the source role",
		.missing_error = "Missing value for option auth",
		.invalid_error = "Invalid auth",
	},
	{
		.name = "data_csum",
		.flag = MX_OPT_DATA_CSUM,
		.has_value = false,
		.dup_error = "Duplicate option data_csum",
		.src_only_error =
			"Option data_csum is only valid for the source role",
		.missing_error = "Missing value for option data_csum",
		.invalid_error = "Invalid data_csum",
	},
	{
		.name = "hot_set",
		.flag = MX_OPT_HOT_SET,
		.has_value = true,
		.dup_error = "Duplicate option hot_set",
		.src_only_error =
			"Option hot_set is only valid for the source role",
		.missing_error = "Missing value for option hot_set",
		.invalid_error = "Invalid hot_set (MiB, 0 to 16777216)",
	},
	{
		.name = "fencing",
		.flag = MX_OPT_FENCING,
		.has_value = true,
		.dup_error = "Duplicate option fencing",
		.src_only_error =
			"Option fencing is only valid for the source role",
		.missing_error = "Missing value for option fencing",
		.invalid_error = "Invalid fencing (none or resource)",
	},
	{
		.name = "fence_timeout",
		.flag = MX_OPT_FENCE_TIMEOUT,
		.has_value = true,
		.dup_error = "Duplicate option fence_timeout",
		.src_only_error =
			"Option fence_timeout is only valid for the source role",
		.missing_error = "Missing value for option fence_timeout",
		.invalid_error = "Invalid fence_timeout (seconds, 1 to 86400)",
	},
	{
		.name = "force_promote",
		.flag = MX_OPT_FORCE_PROMOTE,
		.has_value = false,
		.dup_error = "Duplicate option force_promote",
		.src_only_error =
			"Option force_promote is only valid for the source role",
		.missing_error = "Missing value for option force_promote",
		.invalid_error = "Invalid force_promote",
	},
	{
		.name = "compress",
		.flag = MX_OPT_COMPRESS,
		.has_value = true,
		.dup_error = "Duplicate option compress",
		.src_only_error =
			"Option compress is only valid for the source role",
		.missing_error = "Missing value for option compress",
		.invalid_error = "Invalid compress (lz4 or zstd)",
	},
	{
		.name = "node_id",
		.flag = MX_OPT_NODE_ID,
		.has_value = true,
		.dup_error = "Duplicate option node_id",
		.src_only_error =
			"Option node_id is only valid for the source role",
		.missing_error = "Missing value for option node_id",
		.invalid_error = "Invalid node_id",
	},
};

/* Set *@error and log the word it is about, which ti->error cannot carry. */
static int mx_arg_error(char **error, char *msg, const char *word)
{
	*error = msg;
	if (word)
		DMERR("%s: \"%s\"", msg, word);
	return -EINVAL;
}

static bool mx_is_decimal(const char *s)
{
	if (!s || !*s)
		return false;
	for (; *s; s++)
		if (!isdigit(*s))
			return false;
	return true;
}

int mx_parse_u64(const char *s, u64 *v)
{
	/* kstrtoull alone would accept "+1" and "1\n". */
	if (!mx_is_decimal(s))
		return -EINVAL;
	return kstrtoull(s, 10, v) ? -EINVAL : 0;
}

/* dm_read_arg{,_group}() after a strict look at the word it will take. */
static int mx_read_arg(const struct dm_arg *a, struct dm_arg_set *as,
		       unsigned int *v, char **error, bool group)
{
	const char *word = as->argc ? as->argv[0] : NULL;
	int r;

	if (!mx_is_decimal(word))
		return mx_arg_error(error, a->error, word);
	if (group)
		r = dm_read_arg_group(a, as, v, error);
	else
		r = dm_read_arg(a, as, v, error);
	if (r)
		DMERR("%s: \"%s\"", a->error, word);
	return r;
}

int mx_parse_hostport(const char *s, struct sockaddr_storage *ss)
{
	const char *end;
	u64 port;

	memset(ss, 0, sizeof(*ss));
	if (!s)
		return -EINVAL;

	if (s[0] == '[') {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

		if (!in6_pton(s + 1, -1, sin6->sin6_addr.s6_addr, ']', &end) ||
		    end[0] != ']' || end[1] != ':')
			goto bad;
		if (mx_parse_u64(end + 2, &port) || !port || port > 65535)
			goto bad;
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(port);
	} else {
		struct sockaddr_in *sin = (struct sockaddr_in *)ss;

		if (!in4_pton(s, -1, (u8 *)&sin->sin_addr.s_addr, ':', &end) ||
		    end[0] != ':')
			goto bad;
		if (mx_parse_u64(end + 1, &port) || !port || port > 65535)
			goto bad;
		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
	}
	return 0;
bad:
	memset(ss, 0, sizeof(*ss));
	return -EINVAL;
}

static bool mx_addr_equal(const struct sockaddr_storage *a,
			  const struct sockaddr_storage *b)
{
	if (a->ss_family != b->ss_family)
		return false;
	if (a->ss_family == AF_INET) {
		const struct sockaddr_in *x = (const struct sockaddr_in *)a;
		const struct sockaddr_in *y = (const struct sockaddr_in *)b;

		return x->sin_port == y->sin_port &&
		       x->sin_addr.s_addr == y->sin_addr.s_addr;
	} else {
		const struct sockaddr_in6 *x = (const struct sockaddr_in6 *)a;
		const struct sockaddr_in6 *y = (const struct sockaddr_in6 *)b;

		return x->sin6_port == y->sin6_port &&
		       !memcmp(&x->sin6_addr, &y->sin6_addr,
			       sizeof(x->sin6_addr));
	}
}

/* A peer must be somewhere: 0.0.0.0 and :: only make sense to listen on. */
static bool mx_addr_is_any(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET)
		return ((const struct sockaddr_in *)ss)->sin_addr.s_addr ==
		       htonl(INADDR_ANY);
	return !memchr_inv(&((const struct sockaddr_in6 *)ss)->sin6_addr, 0,
			   sizeof(struct in6_addr));
}

static const struct mx_opt_def *mx_find_opt(const char *name)
{
	int i;

	for (i = 0; i < ARRAY_SIZE(mx_opt_defs); i++)
		if (!strcasecmp(name, mx_opt_defs[i].name))
			return &mx_opt_defs[i];
	return NULL;
}

/* Printable, no blanks: the key description is printed back in the table. */
static bool mx_key_desc_ok(const char *s)
{
	size_t len = strlen(s);

	if (!len || len >= MX_AUTH_KEY_MAX)
		return false;
	for (; *s; s++)
		if (!isgraph(*s))
			return false;
	return true;
}

static int mx_parse_opt_value(const struct mx_opt_def *def,
			      struct dm_arg_set *as, struct mx_opts *o,
			      char **error)
{
	const char *val = as->argv[0];
	unsigned int id;
	u64 n;
	int r;

	switch (def->flag) {
	case MX_OPT_ASYNC_LIMIT:
		if (mx_parse_u64(val, &n) || n < MX_MIN_ASYNC_LIMIT ||
		    n > MX_MAX_ASYNC_LIMIT)
			return mx_arg_error(error, def->invalid_error, val);
		o->async_limit = n;
		break;
	case MX_OPT_ON_CONGESTION:
		if (!strcasecmp(val, "block"))
			o->congestion_behind = false;
		else if (!strcasecmp(val, "behind"))
			o->congestion_behind = true;
		else
			return mx_arg_error(error, def->invalid_error, val);
		break;
	case MX_OPT_ON_DISCONNECT:
		if (!strcasecmp(val, "continue"))
			o->disconnect_suspend = false;
		else if (!strcasecmp(val, "suspend"))
			o->disconnect_suspend = true;
		else
			return mx_arg_error(error, def->invalid_error, val);
		break;
	case MX_OPT_RESYNC_RATE:
		if (mx_parse_u64(val, &n) || n > MX_MAX_RESYNC_RATE)
			return mx_arg_error(error, def->invalid_error, val);
		o->resync_rate = n;
		break;
	case MX_OPT_HOT_SET:
		if (mx_parse_u64(val, &n) || n > MX_MAX_HOT_SET)
			return mx_arg_error(error, def->invalid_error, val);
		o->hot_set = n;
		break;
	case MX_OPT_FENCING:
		if (!strcasecmp(val, "none"))
			o->fencing = false;
		else if (!strcasecmp(val, "resource"))
			o->fencing = true;
		else
			return mx_arg_error(error, def->invalid_error, val);
		break;
	case MX_OPT_FENCE_TIMEOUT:
		if (mx_parse_u64(val, &n) || !n || n > MX_MAX_FENCE_TIMEOUT)
			return mx_arg_error(error, def->invalid_error, val);
		o->fence_timeout = n;
		break;
	case MX_OPT_COMPRESS:
		r = mx_comp_alg_parse(val);
		if (r < 0)
			return mx_arg_error(error, def->invalid_error, val);
		o->compress = r;
		break;
	case MX_OPT_AUTH:
		if (!mx_key_desc_ok(val))
			return mx_arg_error(error, def->invalid_error, val);
		strscpy(o->auth_key, val, sizeof(o->auth_key));
		break;
	case MX_OPT_NODE_ID:
		if (mx_read_arg(&mx_args[MX_ARG_NODE_ID], as, &id, error,
				false))
			return -EINVAL;
		o->node_id = id;
		return 0;	/* mx_read_arg() consumed the word */
	}
	dm_shift_arg(as);
	return 0;
}

/*
 * "[<#opt_args> <opt_args>...]" up to the end of @as. @allowed masks the
 * options the role accepts.
 */
static int mx_parse_opts(struct dm_arg_set *as, struct mx_opts *o,
			 u32 allowed, char **error)
{
	unsigned int words;
	int r;

	if (!as->argc)
		return 0;

	r = mx_read_arg(&mx_args[MX_ARG_NR_OPTS], as, &words, error, true);
	if (r)
		return r;
	if (as->argc != words)
		return mx_arg_error(error, "Too many arguments", as->argv[words]);

	while (as->argc) {
		const char *name = dm_shift_arg(as);
		const struct mx_opt_def *def = mx_find_opt(name);

		if (!def)
			return mx_arg_error(error, "Unknown option", name);
		if (!(def->flag & allowed))
			return mx_arg_error(error, def->src_only_error, NULL);
		if (o->given & def->flag)
			return mx_arg_error(error, def->dup_error, NULL);
		o->given |= def->flag;

		if (!def->has_value) {
			if (def->flag == MX_OPT_FORCE_PROMOTE)
				o->force_promote = true;
			else
				o->data_csum = true;
			continue;
		}
		if (!as->argc)
			return mx_arg_error(error, def->missing_error, NULL);
		r = mx_parse_opt_value(def, as, o, error);
		if (r)
			return r;
	}
	return 0;
}

static void mx_opts_init(struct mx_opts *o, u32 node_id)
{
	memset(o, 0, sizeof(*o));
	o->async_limit = MX_DEFAULT_ASYNC_LIMIT;
	o->hot_set = MX_DEFAULT_HOT_SET;
	o->fence_timeout = MX_DEFAULT_FENCE_TIMEOUT;
	o->node_id = node_id;
}

static int mx_parse_devs(struct dm_arg_set *as, const char **data,
			 const char **meta, char **error)
{
	*data = dm_shift_arg(as);
	*meta = dm_shift_arg(as);
	/* Only catches the same spelling; the constructors compare dev_t. */
	if (!strcmp(*data, *meta))
		return mx_arg_error(error,
				    "Data and metadata devices must differ",
				    *data);
	return 0;
}

static int mx_parse_peer(struct dm_arg_set *as, struct mx_src_conf *c,
			 struct mx_peer_conf *p, char **error)
{
	const char *word = as->argv[0];
	const char *addr, *mode;
	unsigned int id;
	u32 i;
	int r;

	r = mx_read_arg(&mx_args[MX_ARG_PEER_ID], as, &id, error, false);
	if (r)
		return r;
	for (i = 0; i < c->nr_peers; i++)
		if (c->peers[i].node_id == id)
			return mx_arg_error(error, "Duplicate peer id", word);
	p->node_id = id;

	addr = dm_shift_arg(as);
	if (mx_parse_hostport(addr, &p->addr) || mx_addr_is_any(&p->addr))
		return mx_arg_error(error, "Invalid address", addr);
	for (i = 0; i < c->nr_peers; i++)
		if (mx_addr_equal(&c->peers[i].addr, &p->addr))
			return mx_arg_error(error, "Duplicate peer address",
					    addr);

	mode = dm_shift_arg(as);
	if (!strcasecmp(mode, "sync"))
		p->async = false;
	else if (!strcasecmp(mode, "async"))
		p->async = true;
	else
		return mx_arg_error(error, "Invalid replication mode", mode);
	return 0;
}

int mx_parse_src_table(unsigned int argc, char **argv, struct mx_src_conf *c,
		       char **error)
{
	struct dm_arg_set as = { .argc = argc, .argv = argv };
	unsigned int region, nr_peers, i;
	const char *word;
	int r;

	memset(c, 0, sizeof(*c));
	mx_opts_init(&c->opts, 0);

	if (argc < 7)
		return mx_arg_error(error, "Not enough arguments", NULL);

	r = mx_parse_devs(&as, &c->data_path, &c->meta_path, error);
	if (r)
		return r;

	word = as.argv[0];
	r = mx_read_arg(&mx_args[MX_ARG_REGION], &as, &region, error, false);
	if (r)
		return r;
	if (!is_power_of_2(region))
		return mx_arg_error(error, mx_args[MX_ARG_REGION].error, word);
	c->region_sectors = region;

	r = mx_read_arg(&mx_args[MX_ARG_NR_PEERS], &as, &nr_peers, error,
			false);
	if (r)
		return r;
	if (as.argc < 3 * nr_peers)
		return mx_arg_error(error, "Not enough arguments for the peers",
				    NULL);

	for (i = 0; i < nr_peers; i++) {
		r = mx_parse_peer(&as, c, &c->peers[i], error);
		if (r)
			return r;
		c->nr_peers++;
	}

	r = mx_parse_opts(&as, &c->opts, U32_MAX, error);
	if (r)
		return r;

	/* Checked last: node_id may come after the peers in the line. */
	for (i = 0; i < c->nr_peers; i++)
		if (c->peers[i].node_id == c->opts.node_id) {
			DMERR("Peer id %u is this node's node_id",
			      c->opts.node_id);
			*error = "Peer id equals this node's node_id";
			return -EINVAL;
		}
	return 0;
}

int mx_parse_recv_table(unsigned int argc, char **argv,
			struct mx_recv_conf *c, char **error)
{
	struct dm_arg_set as = { .argc = argc, .argv = argv };
	const char *addr;
	int r;

	memset(c, 0, sizeof(*c));
	mx_opts_init(&c->opts, MX_NODE_UNSET);

	if (argc < 3)
		return mx_arg_error(error, "Not enough arguments", NULL);

	r = mx_parse_devs(&as, &c->data_path, &c->meta_path, error);
	if (r)
		return r;

	addr = dm_shift_arg(&as);
	if (mx_parse_hostport(addr, &c->listen))
		return mx_arg_error(error, "Invalid listen address", addr);

	return mx_parse_opts(&as, &c->opts, MX_OPT_RECV_MASK, error);
}

/* <peer> of a message: a node id named in the table, as its index. */
static int mx_msg_peer(const char *s, const u32 *peer_ids, u32 nr_peers,
		       int *peer, const char **err)
{
	u64 id;
	u32 i;

	if (mx_parse_u64(s, &id)) {
		*err = "Invalid peer id";
		return -EINVAL;
	}
	for (i = 0; i < nr_peers; i++)
		if (peer_ids[i] == id) {
			*peer = i;
			return 0;
		}
	*err = "No such peer in the table";
	return -EINVAL;
}

static const struct {
	const char *name;
	enum mx_msg_verb verb;
} mx_msg_verbs[] = {
	{ "resync", MX_MSG_RESYNC },
	{ "pause", MX_MSG_PAUSE },
	{ "resume", MX_MSG_RESUME },
	{ "disconnect", MX_MSG_DISCONNECT },
	{ "connect", MX_MSG_CONNECT },
	{ "verify", MX_MSG_VERIFY },
	{ "resync_rate", MX_MSG_RESYNC_RATE },
	{ "assume_clean", MX_MSG_ASSUME_CLEAN },
	{ "stats", MX_MSG_STATS },
	{ "peer_outdated", MX_MSG_PEER_OUTDATED },
};

/* The words after "resync <peer>": "full" and "csum", each once at most. */
static int mx_parse_resync_words(unsigned int argc, char **argv,
				 struct mx_msg *m)
{
	unsigned int i;
	bool *word;

	for (i = 0; i < argc; i++) {
		if (!strcasecmp(argv[i], "full"))
			word = &m->full;
		else if (!strcasecmp(argv[i], "csum"))
			word = &m->csum;
		else
			return -EINVAL;
		if (*word)
			return -EINVAL;
		*word = true;
	}
	return 0;
}

int mx_parse_message(unsigned int argc, char **argv, const u32 *peer_ids,
		     u32 nr_peers, struct mx_msg *m, const char **err)
{
	u64 rate;
	int i;

	memset(m, 0, sizeof(*m));
	m->peer = MX_MSG_ALL_PEERS;
	if (!argc) {
		*err = "Empty message";
		return -EINVAL;
	}
	for (i = 0; i < ARRAY_SIZE(mx_msg_verbs); i++)
		if (!strcasecmp(argv[0], mx_msg_verbs[i].name))
			break;
	if (i == ARRAY_SIZE(mx_msg_verbs)) {
		*err = "Unknown message";
		return -EINVAL;
	}
	m->verb = mx_msg_verbs[i].verb;

	switch (m->verb) {
	case MX_MSG_RESYNC:
		if (argc < 2 || argc > 4 ||
		    mx_parse_resync_words(argc - 2, argv + 2, m)) {
			*err = "Usage: resync <peer|all> [full] [csum]";
			return -EINVAL;
		}
		if (!strcasecmp(argv[1], "all"))
			return 0;
		return mx_msg_peer(argv[1], peer_ids, nr_peers, &m->peer, err);
	case MX_MSG_RESYNC_RATE:
		if (argc != 2) {
			*err = "Usage: resync_rate <KiB/s>";
			return -EINVAL;
		}
		if (mx_parse_u64(argv[1], &rate) || rate > MX_MAX_RESYNC_RATE) {
			*err = "Invalid resync_rate";
			return -EINVAL;
		}
		m->rate = rate;
		return 0;
	case MX_MSG_STATS:
		if (argc != 1) {
			*err = "Usage: stats";
			return -EINVAL;
		}
		return 0;
	default:
		if (argc != 2) {
			*err = "Wrong number of arguments: expected <peer>";
			return -EINVAL;
		}
		return mx_msg_peer(argv[1], peer_ids, nr_peers, &m->peer, err);
	}
}

char *mx_join_args(unsigned int argc, char **argv)
{
	size_t len = 1;
	unsigned int i;
	char *s, *p;

	for (i = 0; i < argc; i++)
		len += strlen(argv[i]) + 1;
	s = kmalloc(len, GFP_KERNEL);
	if (!s)
		return NULL;
	p = s;
	*p = '\0';
	for (i = 0; i < argc; i++)
		p += sprintf(p, "%s%s", i ? " " : "", argv[i]);
	return s;
}
