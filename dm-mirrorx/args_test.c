// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for table line and message parsing (args.c). Table lines are
 * written as dmsetup would pass them, after the target name.
 */
#include <kunit/test.h>
#include <linux/in.h>
#include <linux/in6.h>
#include <linux/slab.h>
#include <linux/string.h>
#include "args.h"
#include "proto.h"

#define T_MAX_ARGS	64

struct t_args {
	unsigned int argc;
	char *argv[T_MAX_ARGS];
};

/* Split @line on single spaces into test-managed memory. */
static struct t_args *t_split(struct kunit *test, const char *line)
{
	struct t_args *a = kunit_kzalloc(test, sizeof(*a), GFP_KERNEL);
	char *s, *w;

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, a);
	s = kunit_kzalloc(test, strlen(line) + 1, GFP_KERNEL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, s);
	strscpy(s, line, strlen(line) + 1);
	while ((w = strsep(&s, " ")) != NULL) {
		if (!*w)
			continue;
		KUNIT_ASSERT_LT(test, a->argc, T_MAX_ARGS);
		a->argv[a->argc++] = w;
	}
	return a;
}

/* Join @parts (NULL-terminated) with spaces: long lines stay greppable. */
static const char *t_join(struct kunit *test, const char * const *parts)
{
	size_t len = 1;
	char *s;
	int i;

	for (i = 0; parts[i]; i++)
		len += strlen(parts[i]) + 1;
	s = kunit_kzalloc(test, len, GFP_KERNEL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, s);
	for (i = 0; parts[i]; i++) {
		if (i)
			strcat(s, " ");
		strcat(s, parts[i]);
	}
	return s;
}

static int t_src(struct kunit *test, const char *line, struct mx_src_conf *c,
		 char **error)
{
	struct t_args *a = t_split(test, line);

	*error = "(no error)";
	return mx_parse_src_table(a->argc, a->argv, c, error);
}

static int t_recv(struct kunit *test, const char *line,
		  struct mx_recv_conf *c, char **error)
{
	struct t_args *a = t_split(test, line);

	*error = "(no error)";
	return mx_parse_recv_table(a->argc, a->argv, c, error);
}

static void t_src_bad(struct kunit *test, const char *line, const char *why)
{
	struct mx_src_conf *c = kunit_kzalloc(test, sizeof(*c), GFP_KERNEL);
	char *error;

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, c);
	KUNIT_EXPECT_EQ_MSG(test, t_src(test, line, c, &error), -EINVAL,
			    "line: %s", line);
	KUNIT_EXPECT_STREQ_MSG(test, error, why, "line: %s", line);
}

static void t_recv_bad(struct kunit *test, const char *line, const char *why)
{
	struct mx_recv_conf *c = kunit_kzalloc(test, sizeof(*c), GFP_KERNEL);
	char *error;

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, c);
	KUNIT_EXPECT_EQ_MSG(test, t_recv(test, line, c, &error), -EINVAL,
			    "line: %s", line);
	KUNIT_EXPECT_STREQ_MSG(test, error, why, "line: %s", line);
}

static struct mx_src_conf *t_src_ok(struct kunit *test, const char *line)
{
	struct mx_src_conf *c = kunit_kzalloc(test, sizeof(*c), GFP_KERNEL);
	char *error;

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, c);
	KUNIT_ASSERT_EQ_MSG(test, t_src(test, line, c, &error), 0,
			    "line: %s: %s", line, error);
	return c;
}

static u16 t_port(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET)
		return ntohs(((const struct sockaddr_in *)ss)->sin_port);
	return ntohs(((const struct sockaddr_in6 *)ss)->sin6_port);
}

static u32 t_ip4(const struct sockaddr_storage *ss)
{
	return ntohl(((const struct sockaddr_in *)ss)->sin_addr.s_addr);
}

/* A valid line to break one argument at a time. */
#define T_DEVS		"/dev/vdb /dev/vdc"
/* Every source option once: 22 words. */
#define T_ALL_OPTS1	"fencing RESOURCE fence_timeout 86400 force_promote data_csum "
#define T_ALL_OPTS2	"async_limit 1048576 on_congestion behind on_disconnect suspend "
#define T_ALL_OPTS3	"resync_rate 1 auth k hot_set 1 node_id 2 compress ZSTD"
#define T_PEER1		"1 10.0.0.2:7789 sync"

static void mx_args_u64(struct kunit *test)
{
	static const char * const bad[] = {
		"", "12x", "x12", "-1", "+1", " 1", "1 ", "1\n", "0x10",
		"18446744073709551616", "99999999999999999999999", "1.5",
	};
	u64 v;
	int i;

	KUNIT_EXPECT_EQ(test, mx_parse_u64("0", &v), 0);
	KUNIT_EXPECT_EQ(test, v, 0ULL);
	KUNIT_EXPECT_EQ(test, mx_parse_u64("007", &v), 0);
	KUNIT_EXPECT_EQ(test, v, 7ULL);
	KUNIT_EXPECT_EQ(test, mx_parse_u64("18446744073709551615", &v), 0);
	KUNIT_EXPECT_EQ(test, v, U64_MAX);
	for (i = 0; i < ARRAY_SIZE(bad); i++)
		KUNIT_EXPECT_EQ_MSG(test, mx_parse_u64(bad[i], &v), -EINVAL,
				    "\"%s\"", bad[i]);
	KUNIT_EXPECT_EQ(test, mx_parse_u64(NULL, &v), -EINVAL);
}

static void mx_args_hostport_v4(struct kunit *test)
{
	static const char * const bad[] = {
		"", "1.2.3.4", "1.2.3.4:", "1.2.3:80", "1.2.3.4.5:80",
		"256.1.1.1:80", "1.2.3.4:0", "1.2.3.4:65536", "1.2.3.4:80x",
		"1.2.3.4:-1", "1.2.3.4:+80", "host:80", ":80", "1.2.3.4 :80",
		"1.2.3.4::80", "[1.2.3.4]:80",
	};
	struct sockaddr_storage ss;
	int i;

	KUNIT_ASSERT_EQ(test, mx_parse_hostport("192.168.1.20:7789", &ss), 0);
	KUNIT_EXPECT_EQ(test, ss.ss_family, AF_INET);
	KUNIT_EXPECT_EQ(test, t_ip4(&ss), 0xc0a80114U);
	KUNIT_EXPECT_EQ(test, t_port(&ss), 7789);

	KUNIT_ASSERT_EQ(test, mx_parse_hostport("0.0.0.0:65535", &ss), 0);
	KUNIT_EXPECT_EQ(test, t_ip4(&ss), 0U);
	KUNIT_EXPECT_EQ(test, t_port(&ss), 65535);

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		KUNIT_EXPECT_EQ_MSG(test, mx_parse_hostport(bad[i], &ss),
				    -EINVAL, "\"%s\"", bad[i]);
		KUNIT_EXPECT_EQ(test, ss.ss_family, 0);
	}
}

static void mx_args_hostport_v6(struct kunit *test)
{
	static const u8 v6[16] = {
		0xfd, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x00, 0x02,
	};
	static const u8 mapped[16] = {
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 10, 0, 0, 1,
	};
	static const char * const bad[] = {
		"[fd00::2]", "[fd00::2]:", "[fd00::2]80", "fd00::2:80",
		"[fd00::2:80", "[fd00:::2]:80", "[fd00::2]:0",
		"[fd00::2]:70000", "[]:80", "[g::1]:80",
		"[1:2:3:4:5:6:7:8:9]:80",
	};
	struct sockaddr_storage ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
	int i;

	KUNIT_ASSERT_EQ(test, mx_parse_hostport("[fd00::2]:7789", &ss), 0);
	KUNIT_EXPECT_EQ(test, ss.ss_family, AF_INET6);
	KUNIT_EXPECT_EQ(test, t_port(&ss), 7789);
	KUNIT_EXPECT_EQ(test, memcmp(&sin6->sin6_addr, v6, 16), 0);

	KUNIT_ASSERT_EQ(test, mx_parse_hostport("[::ffff:10.0.0.1]:1", &ss),
			0);
	KUNIT_EXPECT_EQ(test, memcmp(&sin6->sin6_addr, mapped, 16), 0);
	KUNIT_EXPECT_EQ(test, t_port(&ss), 1);

	KUNIT_EXPECT_EQ(test, mx_parse_hostport("[::]:7789", &ss), 0);
	KUNIT_EXPECT_EQ(test,
			mx_parse_hostport("[1:2:3:4:5:6:7:8]:80", &ss), 0);

	for (i = 0; i < ARRAY_SIZE(bad); i++)
		KUNIT_EXPECT_EQ_MSG(test, mx_parse_hostport(bad[i], &ss),
				    -EINVAL, "\"%s\"", bad[i]);
}

static void mx_args_src_minimal(struct kunit *test)
{
	struct mx_src_conf *c = t_src_ok(test, T_DEVS " 128 1 " T_PEER1);

	KUNIT_EXPECT_STREQ(test, c->data_path, "/dev/vdb");
	KUNIT_EXPECT_STREQ(test, c->meta_path, "/dev/vdc");
	KUNIT_EXPECT_EQ(test, c->region_sectors, 128U);
	KUNIT_EXPECT_EQ(test, c->nr_peers, 1U);
	KUNIT_EXPECT_EQ(test, c->peers[0].node_id, 1U);
	KUNIT_EXPECT_FALSE(test, c->peers[0].async);
	KUNIT_EXPECT_EQ(test, c->peers[0].addr.ss_family, AF_INET);
	KUNIT_EXPECT_EQ(test, t_ip4(&c->peers[0].addr), 0x0a000002U);
	KUNIT_EXPECT_EQ(test, t_port(&c->peers[0].addr), 7789);
	/* Defaults. */
	KUNIT_EXPECT_EQ(test, c->opts.given, 0U);
	KUNIT_EXPECT_EQ(test, c->opts.async_limit, MX_DEFAULT_ASYNC_LIMIT);
	KUNIT_EXPECT_FALSE(test, c->opts.congestion_behind);
	KUNIT_EXPECT_FALSE(test, c->opts.disconnect_suspend);
	KUNIT_EXPECT_EQ(test, c->opts.resync_rate, 0U);
	KUNIT_EXPECT_STREQ(test, c->opts.auth_key, "");
	KUNIT_EXPECT_FALSE(test, c->opts.data_csum);
	KUNIT_EXPECT_EQ(test, c->opts.node_id, 0U);
	KUNIT_EXPECT_FALSE(test, c->opts.fencing);
	KUNIT_EXPECT_EQ(test, c->opts.fence_timeout, MX_DEFAULT_FENCE_TIMEOUT);
	KUNIT_EXPECT_FALSE(test, c->opts.force_promote);

	/* An explicit empty option group is the same. */
	c = t_src_ok(test, T_DEVS " 128 1 " T_PEER1 " 0");
	KUNIT_EXPECT_EQ(test, c->opts.given, 0U);
}

static void mx_args_src_full(struct kunit *test)
{
	static const char * const full[] = {
		T_DEVS, "2048 3",
		"1 10.0.0.2:7789 sync",
		"2 [fd00::3]:7790 ASYNC",
		"5 10.0.0.2:7790 async",
		"15 async_limit 1048576 on_congestion behind",
		"ON_DISCONNECT suspend resync_rate 16777216",
		"auth logon:mirrorx:key1 data_csum node_id 7 hot_set 64",
		NULL
	};
	static const char * const seven[] = {
		T_DEVS, "2097152 7",
		"1 10.0.0.1:1 sync", "2 10.0.0.2:1 sync", "3 10.0.0.3:1 sync",
		"4 10.0.0.4:1 sync", "5 10.0.0.5:1 sync", "6 10.0.0.6:1 sync",
		"7 10.0.0.7:1 sync",
		"6 async_limit 17179869184 resync_rate 0 hot_set 16777216",
		NULL
	};
	struct mx_src_conf *c = t_src_ok(test, t_join(test, full));

	KUNIT_EXPECT_EQ(test, c->region_sectors, 2048U);
	KUNIT_EXPECT_EQ(test, c->nr_peers, 3U);
	KUNIT_EXPECT_EQ(test, c->peers[1].node_id, 2U);
	KUNIT_EXPECT_TRUE(test, c->peers[1].async);
	KUNIT_EXPECT_EQ(test, c->peers[1].addr.ss_family, AF_INET6);
	KUNIT_EXPECT_EQ(test, c->peers[2].node_id, 5U);
	KUNIT_EXPECT_TRUE(test, c->peers[2].async);
	KUNIT_EXPECT_EQ(test, t_port(&c->peers[2].addr), 7790);
	KUNIT_EXPECT_EQ(test, c->opts.given,
			MX_OPT_ASYNC_LIMIT | MX_OPT_ON_CONGESTION |
			MX_OPT_ON_DISCONNECT | MX_OPT_RESYNC_RATE |
			MX_OPT_AUTH | MX_OPT_DATA_CSUM | MX_OPT_NODE_ID |
			MX_OPT_HOT_SET);
	KUNIT_EXPECT_EQ(test, c->opts.hot_set, 64U);
	KUNIT_EXPECT_EQ(test, c->opts.async_limit, 1ULL << 20);
	KUNIT_EXPECT_TRUE(test, c->opts.congestion_behind);
	KUNIT_EXPECT_TRUE(test, c->opts.disconnect_suspend);
	KUNIT_EXPECT_EQ(test, c->opts.resync_rate, MX_MAX_RESYNC_RATE);
	KUNIT_EXPECT_STREQ(test, c->opts.auth_key, "logon:mirrorx:key1");
	KUNIT_EXPECT_TRUE(test, c->opts.data_csum);
	KUNIT_EXPECT_EQ(test, c->opts.node_id, 7U);

	/* Peer 0 is fine once this node is not node 0. */
	c = t_src_ok(test, T_DEVS " 8 1 0 10.0.0.2:7789 sync 2 node_id 3");
	KUNIT_EXPECT_EQ(test, c->peers[0].node_id, 0U);
	KUNIT_EXPECT_EQ(test, c->opts.node_id, 3U);

	/* Largest limits, seven peers. */
	c = t_src_ok(test, t_join(test, seven));
	KUNIT_EXPECT_EQ(test, c->nr_peers, 7U);
	KUNIT_EXPECT_EQ(test, c->opts.async_limit, MX_MAX_ASYNC_LIMIT);
	KUNIT_EXPECT_EQ(test, c->opts.resync_rate, 0U);
	KUNIT_EXPECT_EQ(test, c->opts.hot_set, MX_MAX_HOT_SET);
	KUNIT_EXPECT_EQ(test, c->region_sectors, MX_MAX_REGION_SECTORS);

	/* hot_set 0 (no hot set) and the default. */
	c = t_src_ok(test, T_DEVS " 8 1 " T_PEER1 " 2 hot_set 0");
	KUNIT_EXPECT_EQ(test, c->opts.hot_set, 0U);
	KUNIT_EXPECT_TRUE(test, c->opts.given & MX_OPT_HOT_SET);
	c = t_src_ok(test, T_DEVS " 8 1 " T_PEER1);
	KUNIT_EXPECT_EQ(test, c->opts.hot_set, MX_DEFAULT_HOT_SET);

	/* Every option at once: 22 words. */
	c = t_src_ok(test, T_DEVS " 8 1 " T_PEER1 " 22 " T_ALL_OPTS1
		     T_ALL_OPTS2 T_ALL_OPTS3);
	KUNIT_EXPECT_EQ(test, c->opts.compress, (u32)MX_COMP_ZSTD);
	KUNIT_EXPECT_TRUE(test, c->opts.fencing);
	KUNIT_EXPECT_EQ(test, c->opts.fence_timeout, MX_MAX_FENCE_TIMEOUT);
	KUNIT_EXPECT_TRUE(test, c->opts.force_promote);
	KUNIT_EXPECT_TRUE(test, c->opts.data_csum);
	c = t_src_ok(test, T_DEVS " 8 1 " T_PEER1 " 2 fencing none");
	KUNIT_EXPECT_FALSE(test, c->opts.fencing);
	KUNIT_EXPECT_FALSE(test, c->opts.data_csum);
	c = t_src_ok(test, T_DEVS " 8 1 " T_PEER1 " 1 force_promote");
	KUNIT_EXPECT_TRUE(test, c->opts.force_promote);
	KUNIT_EXPECT_FALSE(test, c->opts.data_csum);
	KUNIT_EXPECT_EQ(test, c->opts.compress, (u32)MX_COMP_NONE);
	c = t_src_ok(test, T_DEVS " 8 1 " T_PEER1 " 2 compress lz4");
	KUNIT_EXPECT_EQ(test, c->opts.compress, (u32)MX_COMP_LZ4);
	KUNIT_EXPECT_EQ(test, c->opts.given, MX_OPT_COMPRESS);
}

static void mx_args_src_counts(struct kunit *test)
{
	t_src_bad(test, "", "Not enough arguments");
	t_src_bad(test, T_DEVS " 128 1 1 10.0.0.2:7789", "Not enough arguments");
	t_src_bad(test, T_DEVS " 128 2 " T_PEER1 " 2 10.0.0.3:7789",
		  "Not enough arguments for the peers");
	t_src_bad(test, T_DEVS " 128 1 " T_PEER1 " 1 data_csum extra",
		  "Too many arguments");
	t_src_bad(test, T_DEVS " 128 1 " T_PEER1 " 2 data_csum",
		  "Invalid number of optional arguments");
	t_src_bad(test, T_DEVS " 128 1 " T_PEER1 " 23 data_csum",
		  "Invalid number of optional arguments");
	t_src_bad(test, T_DEVS " 128 1 " T_PEER1 " x",
		  "Invalid number of optional arguments");
	t_src_bad(test, T_DEVS " 128 1 " T_PEER1 " -1",
		  "Invalid number of optional arguments");
}

static void mx_args_src_devices(struct kunit *test)
{
	t_src_bad(test, "/dev/vdb /dev/vdb 128 1 " T_PEER1,
		  "Data and metadata devices must differ");
}

static void mx_args_src_region(struct kunit *test)
{
	static const char * const bad[] = {
		"0", "4", "7", "24", "100", "4194304", "12x", "-8", "+128",
		"99999999999999999999999", "0x80",
	};
	char line[128];
	int i;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		snprintf(line, sizeof(line), T_DEVS " %s 1 " T_PEER1, bad[i]);
		t_src_bad(test, line, "Invalid region size");
	}
	t_src_ok(test, T_DEVS " 8 1 " T_PEER1);
	t_src_ok(test, T_DEVS " 65536 1 " T_PEER1);
}

static void mx_args_src_peers(struct kunit *test)
{
	static const char * const dup6[] = {
		T_DEVS, "128 2", "1 [fd00::1]:7789 sync",
		"2 [fd00:0::1]:7789 async", NULL
	};

	t_src_bad(test, T_DEVS " 128 0 " T_PEER1 " 0",
		  "Invalid number of peers");
	t_src_bad(test, T_DEVS " 128 8 " T_PEER1 " 0",
		  "Invalid number of peers");
	t_src_bad(test, T_DEVS " 128 1x " T_PEER1, "Invalid number of peers");

	t_src_bad(test, T_DEVS " 128 1 9 10.0.0.2:7789 sync",
		  "Invalid peer id");
	t_src_bad(test, T_DEVS " 128 1 8 10.0.0.2:7789 sync",
		  "Invalid peer id");
	t_src_bad(test, T_DEVS " 128 1 -1 10.0.0.2:7789 sync",
		  "Invalid peer id");
	t_src_bad(test, T_DEVS " 128 1 one 10.0.0.2:7789 sync",
		  "Invalid peer id");
	t_src_bad(test, T_DEVS " 128 2 " T_PEER1 " 1 10.0.0.3:7789 sync",
		  "Duplicate peer id");
	/* Default node_id is 0 on the source. */
	t_src_bad(test, T_DEVS " 128 1 0 10.0.0.2:7789 sync",
		  "Peer id equals this node's node_id");
	t_src_bad(test, T_DEVS " 128 1 " T_PEER1 " 2 node_id 1",
		  "Peer id equals this node's node_id");

	t_src_bad(test, T_DEVS " 128 1 1 1.2.3:80 sync", "Invalid address");
	t_src_bad(test, T_DEVS " 128 1 1 10.0.0.2 sync", "Invalid address");
	t_src_bad(test, T_DEVS " 128 1 1 0.0.0.0:7789 sync",
		  "Invalid address");
	t_src_bad(test, T_DEVS " 128 1 1 [::]:7789 sync", "Invalid address");
	t_src_bad(test, T_DEVS " 128 2 " T_PEER1 " 2 10.0.0.2:7789 sync",
		  "Duplicate peer address");
	t_src_bad(test, t_join(test, dup6), "Duplicate peer address");
	/* Same host, other port: two peers on one machine are fine. */
	t_src_ok(test, T_DEVS " 128 2 " T_PEER1 " 2 10.0.0.2:7790 sync");

	t_src_bad(test, T_DEVS " 128 1 1 10.0.0.2:7789 semi",
		  "Invalid replication mode");
	t_src_bad(test, T_DEVS " 128 1 1 10.0.0.2:7789 0",
		  "Invalid replication mode");
}

static void mx_args_src_options(struct kunit *test)
{
	const char *base = T_DEVS " 128 1 " T_PEER1;
	static const struct {
		const char *opts;
		const char *why;
	} cases[] = {
		{ "1 foo", "Unknown option" },
		{ "2 async_limit", "Invalid number of optional arguments" },
		{ "1 async_limit", "Missing value for option async_limit" },
		{ "2 async_limit 1048575", "Invalid async_limit" },
		{ "2 async_limit 17179869185", "Invalid async_limit" },
		{ "2 async_limit 64M", "Invalid async_limit" },
		{ "2 async_limit -1", "Invalid async_limit" },
		{ "2 async_limit 99999999999999999999999",
		  "Invalid async_limit" },
		{ "2 on_congestion drop", "Invalid on_congestion" },
		{ "1 on_congestion", "Missing value for option on_congestion" },
		{ "2 on_disconnect stop", "Invalid on_disconnect" },
		{ "2 resync_rate 16777217", "Invalid resync_rate" },
		{ "2 resync_rate 12x", "Invalid resync_rate" },
		{ "2 resync_rate +5", "Invalid resync_rate" },
		{ "2 hot_set 16777217", "Invalid hot_set (MiB, 0 to 16777216)" },
		{ "2 hot_set 1G", "Invalid hot_set (MiB, 0 to 16777216)" },
		{ "1 hot_set", "Missing value for option hot_set" },
		{ "4 hot_set 1 hot_set 2", "Duplicate option hot_set" },
		{ "2 node_id 8", "Invalid node_id" },
		{ "2 node_id x", "Invalid node_id" },
		{ "1 node_id", "Missing value for option node_id" },
		{ "2 data_csum 1", "Unknown option" },
		{ "2 fencing stonith", "Invalid fencing (none or resource)" },
		{ "1 fencing", "Missing value for option fencing" },
		{ "4 fencing none fencing none", "Duplicate option fencing" },
		{ "2 fence_timeout 0",
		  "Invalid fence_timeout (seconds, 1 to 86400)" },
		{ "2 fence_timeout 86401",
		  "Invalid fence_timeout (seconds, 1 to 86400)" },
		{ "2 force_promote force_promote",
		  "Duplicate option force_promote" },
		{ "2 data_csum data_csum", "Duplicate option data_csum" },
		{ "2 compress gzip", "Invalid compress (lz4 or zstd)" },
		{ "2 compress none", "Invalid compress (lz4 or zstd)" },
		{ "2 compress lz4x", "Invalid compress (lz4 or zstd)" },
		{ "1 compress", "Missing value for option compress" },
		{ "4 compress lz4 compress zstd", "Duplicate option compress" },
		{ "4 async_limit 1048576 async_limit 2097152",
		  "Duplicate option async_limit" },
		{ "4 auth a auth b", "Duplicate option auth" },
		{ "4 node_id 2 NODE_ID 2", "Duplicate option node_id" },
		{ "4 on_congestion block on_congestion block",
		  "Duplicate option on_congestion" },
		{ "4 on_disconnect suspend on_disconnect continue",
		  "Duplicate option on_disconnect" },
		{ "4 resync_rate 1 resync_rate 1",
		  "Duplicate option resync_rate" },
	};
	char *line;
	int i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		line = kunit_kzalloc(test, 256, GFP_KERNEL);
		KUNIT_ASSERT_NOT_ERR_OR_NULL(test, line);
		snprintf(line, 256, "%s %s", base, cases[i].opts);
		t_src_bad(test, line, cases[i].why);
	}
}

static void mx_args_auth_key(struct kunit *test)
{
	const char *base = T_DEVS " 128 1 " T_PEER1 " 2 auth ";
	char *line = kunit_kzalloc(test, 512, GFP_KERNEL);
	struct mx_src_conf *c;
	int n;

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, line);
	/* Longest allowed: MX_AUTH_KEY_MAX - 1 characters. */
	n = snprintf(line, 512, "%s", base);
	memset(line + n, 'k', MX_AUTH_KEY_MAX - 1);
	c = t_src_ok(test, line);
	KUNIT_EXPECT_EQ(test, strlen(c->opts.auth_key), MX_AUTH_KEY_MAX - 1);
	KUNIT_EXPECT_EQ(test, c->opts.given, MX_OPT_AUTH);

	line[n + MX_AUTH_KEY_MAX - 1] = 'k';
	t_src_bad(test, line, "Invalid auth");

	/* A control character could not be printed back in the table. */
	snprintf(line, 512, "%skey\x01", base);
	t_src_bad(test, line, "Invalid auth");
}

static void mx_args_recv(struct kunit *test)
{
	static const char * const v6[] = {
		T_DEVS, "[::]:7789",
		"7 node_id 2 auth user:k data_csum compress lz4", NULL
	};
	struct mx_recv_conf *c = kunit_kzalloc(test, sizeof(*c), GFP_KERNEL);
	char *error;

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, c);
	KUNIT_ASSERT_EQ(test, t_recv(test, T_DEVS " 0.0.0.0:7789", c, &error),
			0);
	KUNIT_EXPECT_STREQ(test, c->data_path, "/dev/vdb");
	KUNIT_EXPECT_STREQ(test, c->meta_path, "/dev/vdc");
	KUNIT_EXPECT_EQ(test, c->listen.ss_family, AF_INET);
	KUNIT_EXPECT_EQ(test, t_port(&c->listen), 7789);
	KUNIT_EXPECT_EQ(test, c->opts.node_id, MX_NODE_UNSET);
	KUNIT_EXPECT_EQ(test, c->opts.given, 0U);
	KUNIT_EXPECT_EQ(test, c->opts.async_limit, MX_DEFAULT_ASYNC_LIMIT);

	KUNIT_ASSERT_EQ(test, t_recv(test, t_join(test, v6), c, &error), 0);
	KUNIT_EXPECT_EQ(test, c->listen.ss_family, AF_INET6);
	KUNIT_EXPECT_EQ(test, c->opts.node_id, 2U);
	KUNIT_EXPECT_STREQ(test, c->opts.auth_key, "user:k");
	KUNIT_EXPECT_TRUE(test, c->opts.data_csum);
	KUNIT_EXPECT_EQ(test, c->opts.compress, (u32)MX_COMP_LZ4);
	KUNIT_EXPECT_EQ(test, c->opts.given, MX_OPT_RECV_MASK);
}

static void mx_args_recv_rejects(struct kunit *test)
{
	t_recv_bad(test, "", "Not enough arguments");
	t_recv_bad(test, T_DEVS, "Not enough arguments");
	t_recv_bad(test, "/dev/vdb /dev/vdb 0.0.0.0:1",
		   "Data and metadata devices must differ");
	t_recv_bad(test, T_DEVS " 0.0.0.0", "Invalid listen address");
	t_recv_bad(test, T_DEVS " 7789", "Invalid listen address");
	t_recv_bad(test, T_DEVS " [::1]:99999", "Invalid listen address");
	t_recv_bad(test, T_DEVS " 0.0.0.0:1 extra",
		   "Invalid number of optional arguments");
	t_recv_bad(test, T_DEVS " 0.0.0.0:1 1 data_csum x",
		   "Too many arguments");
	t_recv_bad(test, T_DEVS " 0.0.0.0:1 1 bogus", "Unknown option");
	t_recv_bad(test, T_DEVS " 0.0.0.0:1 2 node_id 9", "Invalid node_id");
	t_recv_bad(test, T_DEVS " 0.0.0.0:1 2 compress lzo",
		   "Invalid compress (lz4 or zstd)");
	t_recv_bad(test, T_DEVS " 0.0.0.0:1 2 data_csum DATA_CSUM",
		   "Duplicate option data_csum");
	t_recv_bad(test, T_DEVS " 0.0.0.0:1 2 async_limit 1048576",
		   "Option async_limit is only valid for the source role");
	t_recv_bad(test, T_DEVS " 0.0.0.0:1 2 on_congestion block",
		   "Option on_congestion is only valid for the source role");
	t_recv_bad(test, T_DEVS " 0.0.0.0:1 2 on_disconnect suspend",
		   "Option on_disconnect is only valid for the source role");
	t_recv_bad(test, T_DEVS " 0.0.0.0:1 2 resync_rate 100",
		   "Option resync_rate is only valid for the source role");
	t_recv_bad(test, T_DEVS " 0.0.0.0:1 2 hot_set 100",
		   "Option hot_set is only valid for the source role");
}

static const u32 t_peer_ids[] = { 1, 4, 6 };

static int t_msg(struct kunit *test, const char *line, struct mx_msg *m,
		 const char **err)
{
	struct t_args *a = t_split(test, line);

	*err = "(no error)";
	return mx_parse_message(a->argc, a->argv, t_peer_ids,
				ARRAY_SIZE(t_peer_ids), m, err);
}

static void t_msg_ok(struct kunit *test, const char *line,
		     enum mx_msg_verb verb, int peer)
{
	struct mx_msg m;
	const char *err;

	KUNIT_ASSERT_EQ_MSG(test, t_msg(test, line, &m, &err), 0,
			    "message: %s: %s", line, err);
	KUNIT_EXPECT_EQ_MSG(test, m.verb, verb, "message: %s", line);
	KUNIT_EXPECT_EQ_MSG(test, m.peer, peer, "message: %s", line);
}

static void t_msg_bad(struct kunit *test, const char *line, const char *why)
{
	struct mx_msg m;
	const char *err;

	KUNIT_EXPECT_EQ_MSG(test, t_msg(test, line, &m, &err), -EINVAL,
			    "message: %s", line);
	KUNIT_EXPECT_STREQ_MSG(test, err, why, "message: %s", line);
}

/* A resync message for peer index @peer with the words @full and @csum. */
static void t_msg_resync(struct kunit *test, const char *line, int peer,
			 bool full, bool csum)
{
	struct mx_msg m;
	const char *err;

	KUNIT_ASSERT_EQ_MSG(test, t_msg(test, line, &m, &err), 0, "%s", line);
	KUNIT_EXPECT_EQ(test, m.verb, MX_MSG_RESYNC);
	KUNIT_EXPECT_EQ(test, m.peer, peer);
	KUNIT_EXPECT_EQ(test, m.full, full);
	KUNIT_EXPECT_EQ(test, m.csum, csum);
}

static void mx_args_message(struct kunit *test)
{
	struct mx_msg m;
	const char *err;

	t_msg_ok(test, "resync 4", MX_MSG_RESYNC, 1);
	t_msg_ok(test, "resync all", MX_MSG_RESYNC, MX_MSG_ALL_PEERS);
	KUNIT_ASSERT_EQ(test, t_msg(test, "RESYNC 6 full", &m, &err), 0);
	KUNIT_EXPECT_EQ(test, m.peer, 2);
	KUNIT_EXPECT_TRUE(test, m.full);
	KUNIT_ASSERT_EQ(test, t_msg(test, "resync all full", &m, &err), 0);
	KUNIT_EXPECT_EQ(test, m.peer, MX_MSG_ALL_PEERS);
	KUNIT_EXPECT_TRUE(test, m.full);
	KUNIT_ASSERT_EQ(test, t_msg(test, "resync 1", &m, &err), 0);
	KUNIT_EXPECT_FALSE(test, m.full);
	KUNIT_EXPECT_FALSE(test, m.csum);
	t_msg_resync(test, "resync 1 csum", 0, false, true);
	t_msg_resync(test, "resync all CSUM full", MX_MSG_ALL_PEERS, true, true);
	t_msg_resync(test, "resync 6 full csum", 2, true, true);
	t_msg_resync(test, "resync 4 full", 1, true, false);

	t_msg_ok(test, "pause 1", MX_MSG_PAUSE, 0);
	t_msg_ok(test, "resume 6", MX_MSG_RESUME, 2);
	t_msg_ok(test, "disconnect 4", MX_MSG_DISCONNECT, 1);
	t_msg_ok(test, "connect 4", MX_MSG_CONNECT, 1);
	t_msg_ok(test, "verify 1", MX_MSG_VERIFY, 0);
	t_msg_ok(test, "assume_clean 6", MX_MSG_ASSUME_CLEAN, 2);
	t_msg_ok(test, "peer_outdated 1", MX_MSG_PEER_OUTDATED, 0);

	KUNIT_ASSERT_EQ(test, t_msg(test, "resync_rate 4096", &m, &err), 0);
	KUNIT_EXPECT_EQ(test, m.verb, MX_MSG_RESYNC_RATE);
	KUNIT_EXPECT_EQ(test, m.rate, 4096U);
	KUNIT_ASSERT_EQ(test, t_msg(test, "resync_rate 0", &m, &err), 0);
	KUNIT_EXPECT_EQ(test, m.rate, 0U);
	t_msg_ok(test, "stats", MX_MSG_STATS, MX_MSG_ALL_PEERS);
	t_msg_ok(test, "STATS", MX_MSG_STATS, MX_MSG_ALL_PEERS);
}

#define T_RESYNC_USAGE	"Usage: resync <peer|all> [full] [csum]"

static void mx_args_message_rejects(struct kunit *test)
{
	t_msg_bad(test, "", "Empty message");
	t_msg_bad(test, "frobnicate 1", "Unknown message");
	t_msg_bad(test, "resync", T_RESYNC_USAGE);
	t_msg_bad(test, "resync 1 full now", T_RESYNC_USAGE);
	t_msg_bad(test, "resync 1 fast", T_RESYNC_USAGE);
	t_msg_bad(test, "resync 1 full full", T_RESYNC_USAGE);
	t_msg_bad(test, "resync 1 csum csum", T_RESYNC_USAGE);
	t_msg_bad(test, "resync 1 csum full now", T_RESYNC_USAGE);
	t_msg_bad(test, "resync all csum fast", T_RESYNC_USAGE);
	t_msg_bad(test, "resync 2", "No such peer in the table");
	t_msg_bad(test, "resync 0", "No such peer in the table");
	t_msg_bad(test, "resync 4294967297", "No such peer in the table");
	t_msg_bad(test, "resync -1", "Invalid peer id");
	t_msg_bad(test, "resync 1x", "Invalid peer id");
	t_msg_bad(test, "pause all", "Invalid peer id");
	t_msg_bad(test, "pause", "Wrong number of arguments: expected <peer>");
	t_msg_bad(test, "pause 1 2",
		  "Wrong number of arguments: expected <peer>");
	t_msg_bad(test, "verify 3", "No such peer in the table");
	t_msg_bad(test, "assume_clean",
		  "Wrong number of arguments: expected <peer>");
	t_msg_bad(test, "resync_rate", "Usage: resync_rate <KiB/s>");
	t_msg_bad(test, "resync_rate 1 2", "Usage: resync_rate <KiB/s>");
	t_msg_bad(test, "resync_rate 16777217", "Invalid resync_rate");
	t_msg_bad(test, "resync_rate 10M", "Invalid resync_rate");
	t_msg_bad(test, "resync_rate -5", "Invalid resync_rate");
	t_msg_bad(test, "stats 1", "Usage: stats");
	t_msg_bad(test, "stats all", "Usage: stats");
}

static struct kunit_case mx_args_cases[] = {
	KUNIT_CASE(mx_args_u64),
	KUNIT_CASE(mx_args_hostport_v4),
	KUNIT_CASE(mx_args_hostport_v6),
	KUNIT_CASE(mx_args_src_minimal),
	KUNIT_CASE(mx_args_src_full),
	KUNIT_CASE(mx_args_src_counts),
	KUNIT_CASE(mx_args_src_devices),
	KUNIT_CASE(mx_args_src_region),
	KUNIT_CASE(mx_args_src_peers),
	KUNIT_CASE(mx_args_src_options),
	KUNIT_CASE(mx_args_auth_key),
	KUNIT_CASE(mx_args_recv),
	KUNIT_CASE(mx_args_recv_rejects),
	KUNIT_CASE(mx_args_message),
	KUNIT_CASE(mx_args_message_rejects),
	{}
};

static struct kunit_suite mx_args_suite = {
	.name = "dm_mirrorx_args",
	.test_cases = mx_args_cases,
};

kunit_test_suite(mx_args_suite);
