// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of mirrorctl's pure parts, run on the host by
 * "make -C tools test": number/size/address parsing, the config file
 * (parse, format round trip, errors, table lines of both roles), the
 * status line (parse, rejects, rates, JSON), and the metadata format
 * written through the kernel's codec (decoded back by the same codec,
 * and by the file-based format/read path).
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <json-c/json.h>
#include "mx_conf.h"
#include "mx_events.h"
#include "mx_json.h"
#include "mx_meta.h"
#include "mx_status.h"
#include "mx_util.h"

static int fails, checks;

#define CHECK(cond) do {						\
		checks++;						\
		if (!(cond)) {						\
			fails++;					\
			fprintf(stderr, "%s:%d: CHECK(%s) failed (mx_errmsg: %s)\n", \
				__FILE__, __LINE__, #cond, mx_errmsg);	\
		}							\
	} while (0)

#define CHECK_STR(a, b) do {						\
		const char *_a = (a), *_b = (b);			\
		checks++;						\
		if (strcmp(_a, _b)) {					\
			fails++;					\
			fprintf(stderr, "%s:%d: '%s' != '%s'\n",	\
				__FILE__, __LINE__, _a, _b);		\
		}							\
	} while (0)

/* mx_errmsg contains @s. */
#define CHECK_ERR(s) do {						\
		checks++;						\
		if (!strstr(mx_errmsg, (s))) {				\
			fails++;					\
			fprintf(stderr, "%s:%d: error '%s' lacks '%s'\n", \
				__FILE__, __LINE__, mx_errmsg, (s));	\
		}							\
	} while (0)

/* mx_fail() may take mx_errmsg, the cause, as an argument. */
static void test_fail_wraps(void)
{
	mx_fail("the cause");
	CHECK(mx_fail("%s; and then: %s", mx_errmsg, "more") == -1);
	CHECK_STR(mx_errmsg, "the cause; and then: more");
	mx_fail("inner");
	mx_fail("outer (%s)", mx_errmsg);
	CHECK_STR(mx_errmsg, "outer (inner)");
}

static void test_numbers(void)
{
	uint64_t v;
	uint32_t r;

	CHECK(!mx_parse_u64("0", &v) && v == 0);
	CHECK(!mx_parse_u64("18446744073709551615", &v) && v == UINT64_MAX);
	CHECK(mx_parse_u64("18446744073709551616", &v));
	CHECK(mx_parse_u64("", &v));
	CHECK(mx_parse_u64("-1", &v));
	CHECK(mx_parse_u64("+1", &v));
	CHECK(mx_parse_u64("12x", &v));
	CHECK(mx_parse_u64(" 1", &v));
	CHECK(mx_parse_num("rate", "5", 1, 10, &v) == 0 && v == 5);
	CHECK(mx_parse_num("rate", "11", 1, 10, &v));
	CHECK_ERR("rate 11 out of range");
	CHECK(mx_parse_num("rate", "abc", 1, 10, &v));
	CHECK_ERR("bad number 'abc' for rate");

	CHECK(!mx_parse_size("s", "4096", &v) && v == 4096);
	CHECK(!mx_parse_size("s", "64K", &v) && v == 65536);
	CHECK(!mx_parse_size("s", "64k", &v) && v == 65536);
	CHECK(!mx_parse_size("s", "64KiB", &v) && v == 65536);
	CHECK(!mx_parse_size("s", "2MB", &v) && v == 2 << 20);
	CHECK(!mx_parse_size("s", "1G", &v) && v == 1 << 30);
	CHECK(!mx_parse_size("s", "2T", &v) && v == 2ULL << 40);
	CHECK(!mx_parse_size("s", "8s", &v) && v == 4096);
	CHECK(!mx_parse_size("s", "100B", &v) && v == 100);
	CHECK(mx_parse_size("s", "", &v));
	CHECK(mx_parse_size("s", "K", &v));
	CHECK(mx_parse_size("s", "1X", &v));
	CHECK(mx_parse_size("s", "1Kb", &v));
	CHECK(mx_parse_size("s", "1.5M", &v));
	CHECK(mx_parse_size("s", "-1M", &v));
	CHECK(mx_parse_size("s", "99999999999999999T", &v));
	CHECK_ERR("too large");

	CHECK(!mx_parse_region("64K", &r) && r == 128);
	CHECK(!mx_parse_region("4K", &r) && r == 8);
	CHECK(!mx_parse_region("1G", &r) && r == 1U << 21);
	CHECK(mx_parse_region("2K", &r));
	CHECK(mx_parse_region("2G", &r));
	CHECK(mx_parse_region("96K", &r));
	CHECK_ERR("power of two");

	CHECK(!mx_parse_node_id("7", &r) && r == 7);
	CHECK(mx_parse_node_id("8", &r));
	CHECK(mx_parse_node_id("x", &r));
}

static void test_addresses(void)
{
	char out[128];

	CHECK(!mx_check_hostport("10.0.0.1:7789"));
	CHECK(!mx_check_hostport("[::1]:7789"));
	CHECK(!mx_check_hostport("[fe80::1]:1"));
	CHECK(!mx_check_hostport("node-b.example:65535"));
	CHECK(mx_check_hostport("10.0.0.1"));
	CHECK(mx_check_hostport("10.0.0.1:0"));
	CHECK(mx_check_hostport("10.0.0.1:65536"));
	CHECK(mx_check_hostport("10.0.0.1:x"));
	CHECK(mx_check_hostport("::1:7789"));
	CHECK(mx_check_hostport("[::1]7789"));
	CHECK(mx_check_hostport("[zz]:7789"));
	CHECK(mx_check_hostport(":7789"));
	CHECK(mx_check_hostport("a b:1"));
	CHECK_ERR("bad address");

	CHECK(!mx_resolve_hostport("10.0.0.1:7789", out, sizeof(out)));
	CHECK_STR(out, "10.0.0.1:7789");
	CHECK(!mx_resolve_hostport("[::1]:7789", out, sizeof(out)));
	CHECK_STR(out, "[::1]:7789");
	CHECK(!mx_resolve_hostport("localhost:22", out, sizeof(out)));
	CHECK(!strcmp(out, "127.0.0.1:22") || !strcmp(out, "[::1]:22"));

	CHECK(!mx_check_name("mx"));
	CHECK(!mx_check_name("data_01.vol-A+"));
	CHECK(mx_check_name(""));
	CHECK(mx_check_name("."));
	CHECK(mx_check_name(".."));
	CHECK(mx_check_name("-x"));
	CHECK(mx_check_name("a/b"));
	CHECK(mx_check_name("a b"));
	CHECK(mx_check_name("0123456789012345678901234567890123456789012345678901234567890123456789"));
}

static void test_format(void)
{
	char b[64];

	CHECK_STR(mx_fmt_bytes(0, b, sizeof(b)), "0 B");
	CHECK_STR(mx_fmt_bytes(1023, b, sizeof(b)), "1023 B");
	CHECK_STR(mx_fmt_bytes(65536, b, sizeof(b)), "64.0 KiB");
	CHECK_STR(mx_fmt_bytes(3ULL << 29, b, sizeof(b)), "1.5 GiB");
	CHECK_STR(mx_fmt_duration(-1, b, sizeof(b)), "-");
	CHECK_STR(mx_fmt_duration(42, b, sizeof(b)), "42s");
	CHECK_STR(mx_fmt_duration(62, b, sizeof(b)), "1:02");
	CHECK_STR(mx_fmt_duration(3723, b, sizeof(b)), "1:02:03");
}

static const char good_conf[] =
	"# comment\n"
	"name = mx\n"
	"node_id = 1\n"
	"role = target\n"
	"data_dev = /dev/vda\n"
	"  meta_dev=/dev/vdb  \n"
	"\n"
	"region_size = 128K\n"
	"listen = 10.77.0.2:7789\n"
	"peer.0 = 10.77.0.1:7789 sync\n"
	"peer.2 = [fd00::3]:7000 async\n"
	"resync_rate = 100000\n"
	"async_limit = 32M\n"
	"on_congestion = behind\n"
	"on_disconnect = suspend\n"
	"auth = mirrorx:secret\n"
	"data_csum = no\n"
	"hot_set = 4096\n"
	"fencing = resource\n"
	"fence_timeout = 30\n";

static void test_conf(void)
{
	struct mx_conf c, d;
	char text[4096], p[1024];

	CHECK(!mx_conf_parse(good_conf, "t.conf", &c));
	CHECK_STR(c.name, "mx");
	CHECK(c.node_id == 1 && c.role == MX_ROLE_TARGET);
	CHECK_STR(c.data, "/dev/vda");
	CHECK_STR(c.meta, "/dev/vdb");
	CHECK(c.region_sectors == 256);
	CHECK(c.peers[0].present && !c.peers[0].async);
	CHECK(c.peers[2].present && c.peers[2].async);
	CHECK(!c.peers[1].present && mx_conf_nr_peers(&c) == 2);
	CHECK(c.resync_rate == 100000 && c.async_limit == 32 << 20);
	CHECK(c.congestion_behind && c.disconnect_suspend && !c.data_csum);
	CHECK_STR(c.auth, "mirrorx:secret");
	CHECK(c.has_hot_set && c.hot_set == 4096);
	CHECK(c.fencing && c.fence_timeout == 30 && !c.force_promote);

	/* Round trip through the writer. */
	CHECK(!mx_conf_format(&c, text, sizeof(text)));
	CHECK(!mx_conf_parse(text, "rt", &d));
	CHECK(!memcmp(&c, &d, sizeof(c)));

	/* Table lines of both roles. */
	CHECK(!mx_conf_source_params(&c, p, sizeof(p)));
	CHECK_STR(p, "/dev/vda /dev/vdb 256 2 0 10.77.0.1:7789 sync 2 [fd00::3]:7000 async 18 async_limit 33554432 on_congestion behind on_disconnect suspend resync_rate 100000 hot_set 4096 fencing resource fence_timeout 30 auth mirrorx:secret node_id 1");
	/* promote --force on Outdated data: that one table line. */
	c.force_promote = true;
	CHECK(!mx_conf_source_params(&c, p, sizeof(p)));
	CHECK(strstr(p, " 19 async_limit") && strstr(p, "fence_timeout 30 force_promote auth"));
	CHECK(!mx_conf_format(&c, text, sizeof(text)));
	CHECK(!strstr(text, "force_promote"));
	c.force_promote = false;
	CHECK(!mx_conf_target_params(&c, p, sizeof(p)));
	CHECK_STR(p, "/dev/vda /dev/vdb 10.77.0.2:7789 4 auth mirrorx:secret node_id 1");

	/* Minimal: node 0 source names no options; a target its id. */
	mx_conf_init(&c);
	strcpy(c.name, "m");
	strcpy(c.data, "/dev/a");
	strcpy(c.meta, "/dev/b");
	c.role = MX_ROLE_SOURCE;
	CHECK(mx_conf_validate(&c));
	CHECK_ERR("at least one peer");
	CHECK(!mx_conf_parse_peer(&c, "1,10.0.0.2:7789"));
	CHECK(!mx_conf_validate(&c));
	CHECK(!mx_conf_source_params(&c, p, sizeof(p)));
	CHECK_STR(p, "/dev/a /dev/b 128 1 1 10.0.0.2:7789 sync");
	CHECK(!mx_conf_target_params(&c, p, sizeof(p)));
	CHECK_STR(p, "/dev/a /dev/b 0.0.0.0:7789 2 node_id 0");
	/* B promoted: its peer is A (node 0), its own id 1. */
	c.node_id = 1;
	c.peers[1].present = false;
	CHECK(!mx_conf_parse_peer(&c, "0,10.0.0.1:7789,sync"));
	CHECK(!mx_conf_source_params(&c, p, sizeof(p)));
	CHECK_STR(p, "/dev/a /dev/b 128 1 0 10.0.0.1:7789 sync 2 node_id 1");
	c.data_csum = true;
	CHECK(!mx_conf_target_params(&c, p, sizeof(p)));
	CHECK_STR(p, "/dev/a /dev/b 0.0.0.0:7789 3 data_csum node_id 1");
	/* compress: on both roles' tables. */
	CHECK(!mx_conf_set(&c, "compress", "lz4", NULL));
	CHECK(!mx_conf_target_params(&c, p, sizeof(p)));
	CHECK_STR(p, "/dev/a /dev/b 0.0.0.0:7789 5 data_csum compress lz4 node_id 1");
	CHECK(!mx_conf_source_params(&c, p, sizeof(p)));
	CHECK_STR(p, "/dev/a /dev/b 128 1 0 10.0.0.1:7789 sync 5 data_csum compress lz4 node_id 1");
	CHECK(mx_conf_set(&c, "compress", "gzip", "--compress"));
	CHECK_ERR("bad --compress 'gzip': expected lz4, zstd or none");
	CHECK(!strcmp(c.compress, "lz4"));
	CHECK(!mx_conf_set(&c, "compress", "none", NULL) && !c.compress[0]);
	c.data_csum = false;

	CHECK(mx_conf_parse_peer(&c, "1"));
	CHECK(mx_conf_parse_peer(&c, "1,10.0.0.2:7789,fast"));
	CHECK_ERR("bad mode");
	CHECK(mx_conf_parse_peer(&c, "9,10.0.0.2:7789"));
	CHECK(!mx_conf_parse_peer(&c, "1,10.0.0.2:7789"));
	CHECK(mx_conf_validate(&c));
	CHECK_ERR("own id");

	CHECK(mx_conf_parse("name = mx\nfencing = stonith\n", "f.conf", &c));
	CHECK_ERR("f.conf line 2: bad fencing 'stonith': expected none or resource");
	CHECK(mx_conf_parse("name = mx\nfence_timeout = 86401\n", "f.conf",
			    &c));
	CHECK_ERR("bad fence_timeout '86401'");

	/* Errors name the file and line. */
	CHECK(mx_conf_parse("name = mx\nbogus = 1\n", "f.conf", &c));
	CHECK_ERR("f.conf line 2: unknown key 'bogus'");
	CHECK(mx_conf_parse("name = mx\nname = my\n", "f.conf", &c));
	CHECK_ERR("line 2: duplicate key 'name'");
	CHECK(mx_conf_parse("name = mx\nnode_id 1\n", "f.conf", &c));
	CHECK_ERR("line 2: expected 'key = value'");
	CHECK(mx_conf_parse("name = mx\nnode_id = 1\ndata_dev = /a\n",
			    "f.conf", &c));
	CHECK_ERR("missing key 'meta_dev'");
	CHECK(mx_conf_parse("name = mx\nnode_id = 1\ndata_dev = a\n",
			    "f.conf", &c));
	CHECK_ERR("not an absolute path");
	CHECK(mx_conf_parse("name = mx\nnode_id = 1\ndata_dev = /a\nmeta_dev = /a\n",
			    "f.conf", &c));
	CHECK_ERR("the same");
	CHECK(mx_conf_parse("name=mx\nnode_id=1\ndata_dev=/a\nmeta_dev=/b\npeer.1=1.2.3.4:5\n",
			    "f.conf", &c));
	CHECK_ERR("own id");
	CHECK(mx_conf_parse("name=mx\nnode_id=0\ndata_dev=/a\nmeta_dev=/b\npeer.1=1.2.3.4:5\npeer.1=1.2.3.4:6\n",
			    "f.conf", &c));
	CHECK_ERR("duplicate key 'peer.1'");
	CHECK(mx_conf_parse("name=mx\nnode_id=0\ndata_dev=/a\nmeta_dev=/b\nregion_size=5K\n",
			    "f.conf", &c));
	CHECK_ERR("line 5: bad region size");
	CHECK(mx_conf_parse("name=mx\nnode_id=0\ndata_dev=/a\nmeta_dev=/b\nasync_limit=512K\n",
			    "f.conf", &c));
	CHECK_ERR("async_limit");
	CHECK(mx_conf_parse("name=mx\nnode_id=0\ndata_dev=/a\nmeta_dev=/b\nrole=source\n",
			    "f.conf", &c));
	CHECK_ERR("at least one peer");
	CHECK(!mx_conf_parse("name=mx\nnode_id=0\ndata_dev=/a\nmeta_dev=/b\n",
			     "f.conf", &c));
	CHECK(c.role == MX_ROLE_TARGET && c.region_sectors == 128);
	CHECK(!mx_conf_set(&c, "resync_rate", "0", NULL));
	CHECK(mx_conf_set(&c, "resync_rate", "-1", NULL));
	CHECK(mx_conf_set(&c, "on_congestion", "drop", NULL));
	CHECK(mx_conf_set(&c, "auth", "a b", NULL));
	CHECK(mx_conf_set(&c, "nokey", "1", NULL));
}

/* A minimal source config. */
#define HOT_CONF "name=mx\nnode_id=0\nrole=source\ndata_dev=/a\n" \
	"meta_dev=/b\npeer.1=10.0.0.2:7789\n"

/*
 * fence_peer: the fence-handler's command, a line of text kept as
 * written; not in either table. fence_peer_timeout: its time limit.
 */
static void test_conf_fence_peer(void)
{
	static const char cmd[] =
		"/usr/lib/mirrorx/mirrorx-fence-peer fence mx \"$MIRRORX_PEER\"";
	struct mx_conf c, d;
	char text[4096], p[1024], big[MX_CMD_LEN + 8];

	CHECK(!mx_conf_parse(HOT_CONF "fencing = resource\n"
			     "fence_peer = /usr/lib/mirrorx/mirrorx-fence-peer fence mx \"$MIRRORX_PEER\"  # comment\n"
			     "fence_peer_timeout = 30\n", "f.conf", &c));
	CHECK_STR(c.fence_peer, cmd);
	CHECK(c.fence_peer_timeout == 30);
	CHECK(!mx_conf_format(&c, text, sizeof(text)));
	CHECK(strstr(text, "\nfence_peer = /usr/lib/mirrorx/mirrorx-fence-peer fence mx \"$MIRRORX_PEER\"\nfence_peer_timeout = 30\n"));
	CHECK(!mx_conf_parse(text, "rt", &d));
	CHECK(!memcmp(&c, &d, sizeof(c)));
	CHECK(!mx_conf_source_params(&c, p, sizeof(p)));
	CHECK(!strstr(p, "fence_peer") && !strstr(p, "mirrorx-fence-peer"));
	CHECK(!mx_conf_target_params(&c, p, sizeof(p)));
	CHECK(!strstr(p, "mirrorx-fence-peer"));
	/* A '#' inside a word is the command's. */
	CHECK(!mx_conf_set(&c, "fence_peer", "echo a#b", "--fence-peer"));
	CHECK_STR(c.fence_peer, "echo a#b");
	/* Unset: not written. */
	CHECK(!mx_conf_parse(HOT_CONF, "f.conf", &d));
	CHECK(!d.fence_peer[0] && !d.fence_peer_timeout);
	CHECK(!mx_conf_format(&d, text, sizeof(text)));
	CHECK(!strstr(text, "fence_peer"));

	/* Bad values: refused, naming the key (or option), nothing set. */
	CHECK(mx_conf_parse(HOT_CONF "fence_peer =\n", "f.conf", &d));
	CHECK_ERR("f.conf line 7: bad fence_peer '': expected a command");
	CHECK(mx_conf_parse(HOT_CONF "fence_peer = a\nfence_peer = b\n",
			    "f.conf", &d));
	CHECK_ERR("f.conf line 8: duplicate key 'fence_peer'");
	CHECK(mx_conf_parse(HOT_CONF "fence_peer_timeout = 86401\n", "f.conf",
			    &d));
	CHECK_ERR("f.conf line 7: bad fence_peer_timeout '86401': expected seconds from 1 to 86400");
	CHECK(mx_conf_parse(HOT_CONF "fence_peer_timeout = 2m\n", "f.conf",
			    &d));
	CHECK_ERR("bad fence_peer_timeout '2m'");
	/* Quotes do not help: the file's comments know none. */
	CHECK(mx_conf_set(&c, "fence_peer", "echo ' #x'", "--fence-peer"));
	CHECK_ERR("starts a comment in the config file, quoted or not (put the command in a script and name the script)");
	CHECK(!strstr(mx_errmsg, "quote it"));
	CHECK(mx_conf_set(&c, "fence_peer", "echo a\nrm -rf /", "--fence-peer"));
	CHECK_ERR("bad --fence-peer: it contains a control character");
	CHECK(mx_conf_set(&c, "fence_peer", "echo a # b", "--fence-peer"));
	CHECK_ERR("bad --fence-peer 'echo a # b': a '#' first or after white space starts a comment");
	CHECK(mx_conf_set(&c, "fence_peer", "#x", "--fence-peer"));
	CHECK_ERR("starts a comment");
	CHECK(mx_conf_set(&c, "fence_peer", "", "--fence-peer"));
	CHECK_ERR("bad --fence-peer '': expected a command");
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	CHECK(mx_conf_set(&c, "fence_peer", big, "--fence-peer"));
	CHECK_ERR("--fence-peer is too long");
	CHECK(mx_conf_set(&c, "fence_peer_timeout", "-1",
			  "--fence-peer-timeout"));
	CHECK_ERR("bad --fence-peer-timeout '-1'");
	CHECK_STR(c.fence_peer, "echo a#b");
	CHECK(c.fence_peer_timeout == 30);
}

/* hot_set (MiB): 0 is a value, absent is the kernel's default. */

static void test_conf_hot_set(void)
{
	struct mx_conf c, d;
	char text[4096], p[1024];

	/* Absent: nothing in the file text, nothing in the table. */
	CHECK(!mx_conf_parse(HOT_CONF, "f.conf", &c));
	CHECK(!c.has_hot_set);
	CHECK(!mx_conf_format(&c, text, sizeof(text)));
	CHECK(!strstr(text, "hot_set"));
	CHECK(!mx_conf_source_params(&c, p, sizeof(p)));
	CHECK_STR(p, "/a /b 128 1 1 10.0.0.2:7789 sync");

	/* 0 (no hot set) is written, emitted and read back. */
	CHECK(!mx_conf_parse(HOT_CONF "hot_set = 0\n", "f.conf", &c));
	CHECK(c.has_hot_set && c.hot_set == 0);
	CHECK(!mx_conf_source_params(&c, p, sizeof(p)));
	CHECK_STR(p, "/a /b 128 1 1 10.0.0.2:7789 sync 2 hot_set 0");
	CHECK(!mx_conf_format(&c, text, sizeof(text)));
	CHECK(strstr(text, "\nhot_set = 0\n") != NULL);
	CHECK(!mx_conf_parse(text, "rt", &d));
	CHECK(!memcmp(&c, &d, sizeof(c)));

	/* The largest, with the other options: the count covers it. */
	CHECK(!mx_conf_parse(HOT_CONF "hot_set = 16777216\nresync_rate = 5\n"
			     "data_csum = yes\n", "f.conf", &c));
	CHECK(c.hot_set == MX_MAX_HOT_SET);
	CHECK(!mx_conf_source_params(&c, p, sizeof(p)));
	CHECK_STR(p, "/a /b 128 1 1 10.0.0.2:7789 sync 5 resync_rate 5 hot_set 16777216 data_csum");
	CHECK(!mx_conf_format(&c, text, sizeof(text)));
	CHECK(!mx_conf_parse(text, "rt", &d));
	CHECK(!memcmp(&c, &d, sizeof(c)));
	/* Source only: a target's table never names it. */
	CHECK(!mx_conf_target_params(&c, p, sizeof(p)));
	CHECK_STR(p, "/a /b 0.0.0.0:7789 3 data_csum node_id 0");

	/* Refused: out of range, not plain MiB, twice; errors say which. */
	CHECK(mx_conf_parse(HOT_CONF "hot_set = 16777217\n", "f.conf", &c));
	CHECK_ERR("f.conf line 7: hot_set '16777217' out of range: must be from 0 to 16777216 MiB");
	CHECK_ERR("leave it out for the kernel's default (1024)");
	CHECK(mx_conf_parse(HOT_CONF "hot_set = 1G\n", "f.conf", &c));
	CHECK_ERR("f.conf line 7: bad hot_set '1G': expected a whole number of MiB from 0 to 16777216");
	CHECK(mx_conf_parse(HOT_CONF "hot_set = -1\n", "f.conf", &c));
	CHECK_ERR("bad hot_set '-1'");
	CHECK(mx_conf_parse(HOT_CONF "hot_set =\n", "f.conf", &c));
	CHECK_ERR("bad hot_set ''");
	CHECK(mx_conf_parse(HOT_CONF "hot_set = 1\nhot_set = 2\n", "f.conf",
			    &c));
	CHECK_ERR("line 8: duplicate key 'hot_set'");
	/* The command line's option is named, and a refusal changes nothing. */
	mx_conf_init(&c);
	CHECK(!mx_conf_set(&c, "hot_set", "2048", "--hot-set"));
	CHECK(c.has_hot_set && c.hot_set == 2048);
	CHECK(mx_conf_set(&c, "hot_set", "99999999", "--hot-set"));
	CHECK_ERR("--hot-set '99999999' out of range");
	CHECK(mx_conf_set(&c, "hot_set", "4096M", "--hot-set"));
	CHECK_ERR("bad --hot-set '4096M'");
	CHECK(c.has_hot_set && c.hot_set == 2048);
}

/* Issue 14, defect 8: comments, option names in errors, rate suffixes. */
static void test_conf_user(void)
{
	struct mx_conf c;
	uint64_t kib;

	/* Inline comments after white space; '#' inside a word stays. */
	CHECK(!mx_conf_parse("name = mx # the mirror\nnode_id = 1\t# me\n"
			     "data_dev = /dev/a#1\nmeta_dev = /b\n"
			     "resync_rate = 0 # unlimited\n# whole line\n",
			     "f.conf", &c));
	CHECK_STR(c.name, "mx");
	CHECK_STR(c.data, "/dev/a#1");
	CHECK(c.node_id == 1 && c.resync_rate == 0);
	/* Errors name the option the user typed, or the key in a file. */
	CHECK(mx_conf_set(&c, "resync_rate", "fast", "--resync-rate"));
	CHECK_ERR("for --resync-rate");
	CHECK(!strstr(mx_errmsg, "resync_rate"));
	CHECK(mx_conf_set(&c, "async_limit", "lots", "--async-limit"));
	CHECK_ERR("bad size 'lots' for --async-limit");
	CHECK(mx_conf_set(&c, "on_congestion", "drop", "--on-congestion"));
	CHECK_ERR("bad --on-congestion 'drop'");
	CHECK(mx_conf_parse("name=mx\nnode_id=0\ndata_dev=/a\nmeta_dev=/b\nresync_rate=x\n",
			    "f.conf", &c));
	CHECK_ERR("f.conf line 5: bad rate 'x' for resync_rate");
	/* Rates: KiB/s, or a size per second. */
	CHECK(!mx_conf_set(&c, "resync_rate", "100M", "--resync-rate"));
	CHECK(c.resync_rate == 102400);
	CHECK(!mx_parse_rate("r", "2048", 16 << 20, &kib) && kib == 2048);
	CHECK(!mx_parse_rate("r", "1G/s", 16 << 20, &kib) && kib == 1 << 20);
	CHECK(!mx_parse_rate("r", "512K", 16 << 20, &kib) && kib == 512);
	CHECK(!mx_parse_rate("r", "64MiB/s", 16 << 20, &kib) && kib == 65536);
	CHECK(mx_parse_rate("r", "1000B", 16 << 20, &kib));
	CHECK_ERR("whole number of KiB/s");
	CHECK(mx_parse_rate("r", "8s", 16 << 20, &kib));
	CHECK_ERR("bad rate '8s' for r");
	CHECK(mx_parse_rate("r", "17G", 16 << 20, &kib));
	CHECK_ERR("out of range");
	CHECK(mx_parse_rate("r", "", 16 << 20, &kib));
	CHECK(mx_parse_rate("r", "-5", 16 << 20, &kib));
}

static void test_conf_files(void)
{
	char dir[] = "/tmp/mx-utest.XXXXXX", path[256];
	struct mx_conf c, d;

	CHECK(mkdtemp(dir) != NULL);
	setenv("MIRRORX_CONF_DIR", dir, 1);
	CHECK(mx_conf_load("none", &c) == 1);
	CHECK_ERR("unknown mirror 'none'");
	CHECK(!mx_conf_parse(good_conf, "t", &c));
	CHECK(!mx_conf_save(&c));
	CHECK(mx_conf_load("mx", &d) == 0);
	CHECK(!memcmp(&c, &d, sizeof(c)));
	/* A config naming another mirror is refused. */
	snprintf(path, sizeof(path), "%s/mx.conf", dir);
	snprintf(path, sizeof(path), "%s/other.conf", dir);
	{
		FILE *f = fopen(path, "w");

		fputs(good_conf, f);
		fclose(f);
	}
	CHECK(mx_conf_load("other", &d) < 0);
	CHECK_ERR("names mirror 'mx'");
	CHECK(!mx_conf_remove("mx"));
	CHECK(!mx_conf_remove("mx"));
	CHECK(mx_conf_load("mx", &d) == 1);
	unlink(path);
	rmdir(dir);
	unsetenv("MIRRORX_CONF_DIR");
}

static void test_status(void)
{
	struct mx_status st, st0;
	char buf[4096];
	FILE *f;

	CHECK(!mx_status_parse("source UpToDate 128 12/4096 2 1 Connected Resyncing sync 100 20/120 0 0 0 2 Connecting Idle async 7 0/0 4096 3 250",
			       &st));
	CHECK(st.role == MX_ROLE_SOURCE && st.region_sectors == 128);
	CHECK_STR(st.data_state, "UpToDate");
	CHECK(st.dirty == 12 && st.total == 4096 && st.nr_peers == 2);
	CHECK(st.peers[0].id == 1 && st.peers[0].oos == 100);
	CHECK(st.peers[0].done == 20 && st.peers[0].todo == 120);
	CHECK_STR(st.peers[1].conn, "Connecting");
	CHECK_STR(st.peers[1].mode, "async");
	CHECK(st.peers[1].queue == 4096 && st.peers[1].queue_writes == 3);
	CHECK(st.peers[1].lag_ms == 250);
	CHECK(!mx_peer_in_sync(&st.peers[0]) && !mx_status_all_in_sync(&st));
	CHECK(mx_status_peer_index(&st, 2) == 1);
	CHECK(mx_status_peer_index(&st, 3) == -1);

	/* The stats message: matched by id, later keys and peers skipped. */
	CHECK(!mx_stats_parse("peer 2 resync_regions 5 compared_bytes 327680 sent_bytes 0 zero_bytes 0\n"
			      "peer 1 resync_regions 30 sent_bytes 1966080 new_key 3 zero_bytes 65536\n"
			      "peer 6 resync_regions 1\n", &st));
	CHECK(st.peers[0].has_stats && st.peers[0].rs_regions == 30);
	CHECK(st.peers[0].rs_sent == 1966080 && st.peers[0].rs_zeroes == 65536);
	CHECK(st.peers[0].rs_compared == 0);
	CHECK(st.peers[1].has_stats && st.peers[1].rs_compared == 327680);
	CHECK(!mx_stats_parse("", &st));
	CHECK(mx_stats_parse("peer 1 resync_regions\n", &st));
	CHECK(mx_stats_parse("peer 1 resync_regions -3\n", &st));
	CHECK(mx_stats_parse("node 1 resync_regions 3\n", &st));
	CHECK(mx_stats_parse("peer 9 resync_regions 3\n", &st));

	/* Rates: 40 regions of 64 KiB in 2 s. */
	st.size_bytes = 4096ULL * 65536;
	st0 = st;
	st.peers[0].done = 60;
	mx_status_rates(&st, &st0, 2.0);
	CHECK(st.peers[0].speed == 20 * 65536.0);
	CHECK(st.peers[0].eta == 3.0);
	CHECK(st.peers[1].speed < 0 && st.peers[1].eta < 0);
	/* A new pass between the samples: unknown. */
	st.peers[0].todo = 500;
	mx_status_rates(&st, &st0, 2.0);
	CHECK(st.peers[0].speed < 0);
	CHECK(mx_peer_resync_percent(&st0.peers[0]) > 16.6 &&
	      mx_peer_resync_percent(&st0.peers[0]) < 16.7);
	CHECK(mx_peer_resync_percent(&st0.peers[1]) < 0);

	CHECK(!mx_status_parse("target Consistent 128 0/4096 1 - Listening Idle - 0 0/0 0 0 0",
			       &st));
	CHECK(st.role == MX_ROLE_TARGET && st.peers[0].id == -1);
	CHECK(!mx_status_all_in_sync(&st));
	CHECK(!mx_status_parse("target Consistent 128 0/4096 1 0 Connected InSync - 0 0/0 0 0 0",
			       &st));
	CHECK(mx_status_all_in_sync(&st));
	CHECK(mx_peer_resync_percent(&st.peers[0]) == 100.0);
	CHECK(!mx_status_parse("target Inconsistent 128 9/4096 1 0 Connected Resyncing - 0 0/0 0 0 0",
			       &st));
	CHECK(!mx_status_all_in_sync(&st));

	/* Outdated: a target the cluster may not promote. */
	CHECK(!mx_status_parse("target Outdated 128 0/4096 1 - Listening Idle - 0 0/0 0 0 0",
			       &st));
	CHECK_STR(st.data_state, "Outdated");
	CHECK(!mx_status_all_in_sync(&st) && !st.peers[0].fence[0]);
	/* fencing resource: a tenth field per peer, the fencing state. */
	CHECK(!mx_status_parse("source UpToDate 128 3/4096 2 1 Connecting Idle sync 3 0/0 0 0 0 Pending 2 Connected InSync sync 0 0/0 0 0 0 -",
			       &st));
	CHECK_STR(st.peers[0].fence, "Pending");
	CHECK_STR(st.peers[1].fence, "-");
	CHECK(st.peers[1].id == 2 && mx_peer_in_sync(&st.peers[1]));
	CHECK(mx_status_parse("source UpToDate 128 3/4096 1 1 Connecting Idle sync 3 0/0 0 0 0 Pen/ding",
			      &st));
	/* compress: a field with colons, after fencing or alone. */
	CHECK(!mx_status_parse("source UpToDate 128 3/4096 1 1 Connected InSync sync 0 0/0 0 0 0 - lz4:on:2000:1000",
			       &st));
	CHECK_STR(st.peers[0].fence, "-");
	CHECK_STR(st.peers[0].comp_alg, "lz4");
	CHECK_STR(st.peers[0].comp_state, "on");
	CHECK(st.peers[0].comp_raw == 2000 && st.peers[0].comp_wire == 1000);
	CHECK(mx_comp_ratio(&st.peers[0]) == 2.0);
	CHECK(!mx_status_parse("target Consistent 128 0/4096 1 0 Connected InSync - 0 0/0 0 0 0 zstd:refused-version:0:0",
			       &st));
	CHECK(!st.peers[0].fence[0]);
	CHECK_STR(st.peers[0].comp_state, "refused-version");
	CHECK(mx_comp_ratio(&st.peers[0]) == 1.0);
	CHECK(mx_status_parse("source UpToDate 128 3/4096 1 1 Connected InSync sync 0 0/0 0 0 0 lz4:on:1",
			      &st));
	CHECK(mx_status_parse("source UpToDate 128 3/4096 1 1 Connected InSync sync 0 0/0 0 0 0 lz4:on:1:2:3",
			      &st));
	CHECK(mx_status_parse("source UpToDate 128 3/4096 1 1 Connected InSync sync 0 0/0 0 0 0 lz4:on:x:2",
			      &st));
	/* The fencing word never after the compress field. */
	CHECK(mx_status_parse("source UpToDate 128 3/4096 1 1 Connected InSync sync 0 0/0 0 0 0 lz4:on:1:2 -",
			      &st));

	/* An async peer with writes queued is not in sync yet. */
	CHECK(!mx_status_parse("source UpToDate 128 0/4 1 1 Connected InSync async 0 0/0 8192 2 5",
			       &st));
	CHECK(mx_peer_in_sync(&st.peers[0]) && !mx_status_all_in_sync(&st));
	st.peers[0].queue = 0;
	CHECK(mx_status_all_in_sync(&st));

	/* JSON: every field, nulls where unknown (one mirror object). */
	CHECK(!mx_status_parse("source UpToDate 128 1/4 1 1 Connected InSync sync 1 4/4 0 0 0",
			       &st));
	st.size_bytes = 4 * 65536 - 512;
	{
		struct mx_json_mirror jm = {
			.name = "m\"x", .active = true, .role = MX_ROLE_SOURCE,
			.st = &st,
		};
		struct json_object *arr = mx_json_array();

		CHECK(!mx_json_add(arr, &jm));
		f = fmemopen(buf, sizeof(buf), "w");
		mx_json_emit(f, arr);
		fclose(f);
	}
	CHECK_STR(buf, "[{\"schema_version\":1,\"name\":\"m\\\"x\",\"error\":null,\"configured\":false,\"active\":true,\"suspended\":false,\"open_count\":0,\"role\":\"source\",\"configured_role\":null,\"node_id\":null,\"data_dev\":null,\"meta_dev\":null,\"data_state\":\"UpToDate\",\"size_bytes\":261632,\"region_sectors\":128,\"region_bytes\":65536,\"dirty_regions\":1,\"total_regions\":4,\"peers\":[{\"id\":1,\"address\":null,\"mode\":\"sync\",\"conn\":\"Connected\",\"repl\":\"InSync\",\"in_sync\":true,\"oos_regions\":1,\"oos_bytes\":65536,\"in_sync_percent\":75.00,\"resync_done\":4,\"resync_total\":4,\"resync_percent\":100.00,\"resync_regions\":null,\"resync_compared_bytes\":null,\"resync_sent_bytes\":null,\"resync_zero_bytes\":null,\"speed_bytes_per_sec\":null,\"eta_seconds\":null,\"queue_bytes\":0,\"queue_writes\":0,\"lag_ms\":0,\"fencing\":null,\"compress\":null}],\"config\":null}]\n");
	/* Bytes >= 0x80: valid UTF-8 kept, stray bytes as their code point. */
	{
		struct json_object *o = mx_json_string("caf\xc3\xa9 \xe9\xff\xed\xa0\x80\x01");

		CHECK_STR(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN),
			  "\"caf\xc3\xa9 \xc3\xa9\xc3\xbf\xc3\xad\xc2\xa0\xc2\x80\\u0001\"");
		json_object_put(o);
	}
	/* oos bytes never exceed the device. */
	CHECK(mx_status_bytes(&st, 4) == 4 * 65536 - 512);

	/* Rejects. */
	CHECK(mx_status_parse("", &st));
	CHECK_ERR("unexpected dm-mirrorx status line");
	CHECK(mx_status_parse("primary UpToDate 128 0/1 0", &st));
	CHECK(mx_status_parse("source UpToDate 128 0/1 1", &st));
	CHECK(mx_status_parse("source UpToDate 128 0-1 0", &st));
	CHECK(mx_status_parse("source UpToDate 0 0/1 0", &st));
	CHECK(mx_status_parse("source UpToDate 128 0/1 8", &st));
	CHECK(mx_status_parse("source UpToDate 128 0/1 1 9 Connected InSync sync 0 0/0 0 0 0", &st));
	CHECK(mx_status_parse("source UpToDate 128 0/1 1 1 Connected InSync sync x 0/0 0 0 0", &st));
	CHECK(mx_status_parse("source UpToDate 128 0/1 2 1 Connected InSync sync 0 0/0 0 0 0 2 Connected InSync sync 0 0/0 0 0 0 extra",
			      &st));
	CHECK(mx_status_parse("source Up\"ToDate 128 0/1 0", &st));
	CHECK(mx_status_parse("source UpToDate 128 0/1 1 1 Connected InSync sync 0 0/0 0", &st));
	CHECK(!mx_status_parse("source UpToDate 128 0/1 0", &st));
	/* Fields a later kernel appends to each group are skipped. */
	CHECK(!mx_status_parse("source UpToDate 128 0/1 2 1 Connected InSync sync 0 0/0 0 0 0 x 2 Connected Behind async 5 1/9 7 1 3 y",
			       &st));
	CHECK(st.peers[1].id == 2 && st.peers[1].oos == 5 && st.peers[1].lag_ms == 3);
	CHECK(mx_peer_copying(&st.peers[1]) && !mx_peer_copying(&st.peers[0]));
}

static void test_meta(void)
{
	static uint8_t block[MX_META_BLOCK];
	struct mx_meta_info mi;
	char path[] = "/tmp/mx-meta.XXXXXX";
	uint64_t need;
	int fd;

	/* 256 MiB, 64 KiB regions: 4096 regions, 1 bitmap block per node. */
	need = mx_meta_required_bytes(524288, 128);
	CHECK(need == (1 + 8) * 4096);
	CHECK(mx_meta_required_bytes(524288, 100) == 0);
	CHECK(mx_meta_required_bytes(0, 128) == 0);
	/* 1 TiB, 64 KiB regions: 16 MiB + 4 KiB (Documentation). */
	CHECK(mx_meta_required_bytes(1ULL << 31, 128) == (16 << 20) + 4096);

	memset(block, 0, sizeof(block));
	mx_meta_inspect(block, &mi);
	CHECK(mi.kind == MX_META_BLANK);
	memcpy(block, "\x7f" "ELF garbage", 12);
	mx_meta_inspect(block, &mi);
	CHECK(mi.kind == MX_META_FOREIGN);
	CHECK(strstr(mi.reason, "magic") != NULL);

	CHECK(!mx_meta_build(block, 524288, 128, 0, 1U << 1 | 1U << 3));
	mx_meta_inspect(block, &mi);
	CHECK(mi.kind == MX_META_VALID);
	CHECK(mi.fresh && !mi.inconsistent && !mi.has_uuid);
	CHECK(mi.region_sectors == 128 && mi.data_sectors == 524288);
	CHECK(mi.nr_regions == 4096 && mi.node_id == 0 && !mi.current_gen);
	CHECK(mi.slot_flags[1] == mx_meta_slot_assume_clean);
	CHECK(mi.slot_flags[3] == mx_meta_slot_assume_clean);
	CHECK(!mi.slot_flags[0] && !mi.slot_flags[2]);
	/* A flipped bit breaks the checksum. */
	block[100] ^= 1;
	mx_meta_inspect(block, &mi);
	CHECK(mi.kind == MX_META_FOREIGN);
	CHECK(strstr(mi.reason, "checksum") != NULL);
	CHECK(mx_meta_build(block, 524288, 12, 0, 0));
	CHECK_ERR("region size");
	CHECK(!mx_meta_build(block, 524288, 128, MX_META_NODE_UNSET, 0));
	mx_meta_inspect(block, &mi);
	CHECK(mi.node_id == MX_META_NODE_UNSET);

	/* Format a file full of garbage: superblock + bitmaps rewritten. */
	fd = mkstemp(path);
	CHECK(fd >= 0);
	memset(block, 0xa5, sizeof(block));
	for (int i = 0; i < 12; i++)
		CHECK(write(fd, block, sizeof(block)) == sizeof(block));
	CHECK(!mx_meta_read(fd, path, &mi) && mi.kind == MX_META_FOREIGN);
	CHECK(!mx_meta_format(fd, path, 524288, 128, 1, 0));
	CHECK(!mx_meta_read(fd, path, &mi) && mi.kind == MX_META_VALID);
	CHECK(mi.node_id == 1 && mi.fresh);
	for (int i = 1; i < 9; i++) {
		static const uint8_t zero[MX_META_BLOCK];

		CHECK(pread(fd, block, sizeof(block), i * 4096ULL) ==
		      sizeof(block));
		CHECK(!memcmp(block, zero, sizeof(block)));
	}
	/* Past the metadata: untouched. */
	CHECK(pread(fd, block, sizeof(block), 9 * 4096ULL) == sizeof(block));
	CHECK(block[0] == 0xa5 && block[4095] == 0xa5);
	CHECK(!mx_meta_wipe(fd, path));
	CHECK(!mx_meta_read(fd, path, &mi) && mi.kind == MX_META_BLANK);
	close(fd);
	unlink(path);
}

/* Issue 15: a format leaves room to grow; the grow check of resize/up. */
static void test_meta_room(void)
{
	char path[] = "/tmp/mxroomXXXXXX";
	static const uint8_t zero[MX_META_BLOCK];
	uint8_t block[MX_META_BLOCK];
	struct mx_meta_info mi;
	int fd;

	/* 25 blocks: (25 - 1) / 8 = 3 blocks per slot, 1 in use. */
	fd = mkstemp(path);
	CHECK(fd >= 0);
	memset(block, 0xa5, sizeof(block));
	for (int i = 0; i < 25; i++)
		CHECK(write(fd, block, sizeof(block)) == sizeof(block));
	CHECK(!mx_meta_format(fd, path, 524288, 128, 0, 0));
	CHECK(!mx_meta_read(fd, path, &mi) && mi.kind == MX_META_VALID);
	CHECK(mi.bitmap_blocks == 3);
	CHECK(mi.data_room == 3ULL * 32768 * 128);
	/* Slot n's block in use (1 + 3n) zeroed, the room left as it was. */
	for (int i = 1; i < 25; i++) {
		CHECK(pread(fd, block, sizeof(block), i * 4096ULL) ==
		      sizeof(block));
		if ((i - 1) % 3 == 0)
			CHECK(!memcmp(block, zero, sizeof(block)));
		else
			CHECK(block[0] == 0xa5);
	}
	close(fd);
	unlink(path);

	CHECK(!mx_meta_grow_ok(&mi, 524288));
	CHECK(!mx_meta_grow_ok(&mi, 3ULL * 32768 * 128));
	CHECK(mx_meta_grow_ok(&mi, 3ULL * 32768 * 128 + 1));
	CHECK(strstr(mx_errmsg, "metadata device of at least"));
	CHECK(mx_meta_grow_ok(&mi, 524288 - 8));
	CHECK(strstr(mx_errmsg, "shrinking is not supported"));
}

/* Issue 14, defect 5: wait-sync progress lines. */
static void test_progress(void)
{
	struct mx_status st;
	char line[256];
	unsigned int w;

	CHECK(!mx_status_parse("source UpToDate 128 12/4096 3 1 Connected Resyncing sync 100 20/120 0 0 0 2 Connected InSync async 0 0/0 4096 3 250 3 Connecting Idle sync 7 5/9 0 0 0",
			       &st));
	st.peers[0].speed = 1 << 20;
	st.peers[0].eta = 100;
	/* Fits the terminal, bar or not. */
	for (w = 20; w <= 200; w += 7) {
		mx_progress_line("a-rather-long-mirror-name", &st, &st.peers[0], w,
				 line, sizeof(line));
		CHECK(strlen(line) <= w - 1);
	}
	mx_progress_line("mx", &st, &st.peers[0], 80, line, sizeof(line));
	CHECK(strstr(line, "peer 1 Connected/Resyncing [") && strstr(line, "16.7%"));
	CHECK(strstr(line, "ETA 1:40") || strstr(line, "ETA 100s"));
	/* An async peer with a queue is not done, and does not say "in sync" alone. */
	CHECK(!mx_peer_done(&st.peers[1]) && mx_peer_in_sync(&st.peers[1]));
	CHECK(!mx_status_all_in_sync(&st));
	mx_progress_line("mx", &st, &st.peers[1], 80, line, sizeof(line));
	CHECK(strstr(line, "async queue 4.0 KiB to drain (3 writes, lag 250 ms)"));
	/* Not copying: what is out of sync, no stale percentage. */
	mx_progress_line("mx", &st, &st.peers[2], 80, line, sizeof(line));
	CHECK(strstr(line, "peer 3 Connecting/Idle 448.0 KiB out of sync"));
	CHECK(!strchr(line, '%'));
	/* Defect 9: no stale percentage of the last pass (5/9) when Idle. */
	CHECK(mx_peer_resync_percent(&st.peers[2]) < 0);
	CHECK(mx_peer_resync_percent(&st.peers[0]) > 16 &&
	      mx_peer_resync_percent(&st.peers[1]) == 100);
}

/* Events of a diff, formatted, one per line, into a buffer. */
struct ev_log {
	char buf[2048];
	size_t len;
};

static void ev_collect(const struct mx_event *e, void *arg)
{
	struct ev_log *l = arg;
	char line[256];

	mx_ev_format(e, line, sizeof(line));
	l->len += snprintf(l->buf + l->len, sizeof(l->buf) - l->len, "%s\n",
			   line);
}

/* The events from status line @a (NULL: no device) to @b (NULL: gone). */
static const char *ev_between(const char *a, const char *b, bool now,
			      bool b_suspended)
{
	static struct ev_log l;
	struct mx_ev_mirror ea = { 0 }, eb = { 0 };
	struct mx_status st;

	memset(&l, 0, sizeof(l));
	if (a) {
		CHECK(!mx_status_parse(a, &st));
		mx_ev_from_status(&ea, &st, false);
	}
	if (b) {
		CHECK(!mx_status_parse(b, &st));
		mx_ev_from_status(&eb, &st, b_suspended);
	}
	mx_ev_diff("mx", &ea, &eb, now, ev_collect, &l);
	return l.buf;
}

static void test_events(void)
{
	const char *insync = "source UpToDate 128 0/4096 1 1 Connected InSync sync 0 4096/4096 0 0 0";
	const char *cut = "source UpToDate 128 3/4096 1 1 Connecting Idle sync 3 4096/4096 0 0 0";
	const char *resync = "source UpToDate 128 3/4096 1 1 Connected Resyncing sync 3 0/3 0 0 0";
	const char *done = "source UpToDate 128 0/4096 1 1 Connected InSync sync 0 3/3 0 0 0";
	const char *split = "source UpToDate 128 3/4096 1 1 StandAlone SplitBrain sync 3 3/3 0 0 0";
	const char *tgt = "target Consistent 128 0/4096 1 - Listening Idle - 0 0/0 0 0 0";
	const char *tgt_conn = "target Inconsistent 128 0/4096 1 0 Connected Resyncing - 0 0/0 0 0 0";

	/* A mirror appears; --now lists it as it is. */
	CHECK_STR(ev_between(NULL, insync, false, false),
		  "create mirror name:mx role:source data:UpToDate suspended:no\n"
		  "create peer name:mx peer:1 conn:Connected repl:InSync\n");
	CHECK_STR(ev_between(cut, insync, true, false),
		  "exists mirror name:mx role:source data:UpToDate suspended:no\n"
		  "exists peer name:mx peer:1 conn:Connected repl:InSync\n");
	/* Nothing changed (out-of-sync counts are not events). */
	CHECK_STR(ev_between(insync, insync, false, false), "");
	/* Link cut, reconnect, resync, done: only the keys that changed. */
	CHECK_STR(ev_between(insync, cut, false, false),
		  "change peer name:mx peer:1 conn:Connecting repl:Idle\n");
	CHECK_STR(ev_between(cut, resync, false, false),
		  "change peer name:mx peer:1 conn:Connected repl:Resyncing\n"
		  "resync-start peer name:mx peer:1 repl:Resyncing regions:3\n");
	CHECK_STR(ev_between(resync, done, false, false),
		  "change peer name:mx peer:1 repl:InSync\n"
		  "resync-end peer name:mx peer:1 result:done\n");
	/* A whole resync between two looks still shows as one. */
	CHECK_STR(ev_between(cut, done, false, false),
		  "change peer name:mx peer:1 conn:Connected repl:InSync\n"
		  "resync-start peer name:mx peer:1 repl:Resyncing regions:3\n"
		  "resync-end peer name:mx peer:1 result:done\n");
	/* A resync that stops short says how. */
	CHECK_STR(ev_between(resync, cut, false, false),
		  "change peer name:mx peer:1 conn:Connecting repl:Idle\n"
		  "resync-end peer name:mx peer:1 result:Idle\n");
	CHECK_STR(ev_between(cut, split, false, false),
		  "change peer name:mx peer:1 conn:StandAlone repl:SplitBrain\n"
		  "refused peer name:mx peer:1 reason:SplitBrain\n");
	/* Suspension, a role change (table swap) and the end. */
	CHECK_STR(ev_between(insync, insync, false, true),
		  "change mirror name:mx suspended:yes\n");
	CHECK_STR(ev_between(insync, tgt, false, false),
		  "change mirror name:mx role:target data:Consistent\n"
		  "destroy peer name:mx peer:1\n"
		  "create peer name:mx peer:- conn:Listening repl:Idle\n");
	CHECK_STR(ev_between(tgt, tgt_conn, false, false),
		  "change mirror name:mx data:Inconsistent\n"
		  "change peer name:mx peer:0 source:0 conn:Connected repl:Resyncing\n"
		  "resync-start peer name:mx peer:0 repl:Resyncing\n");
	CHECK_STR(ev_between(insync, NULL, false, false),
		  "destroy peer name:mx peer:1\n"
		  "destroy mirror name:mx\n");
	CHECK_STR(ev_between(NULL, NULL, false, false), "");

	/* fencing resource: what a fence-peer handler waits for. */
	CHECK_STR(ev_between("source UpToDate 128 0/4096 1 1 Connected InSync sync 0 0/0 0 0 0 -",
			     "source UpToDate 128 3/4096 1 1 Connecting Idle sync 3 0/0 0 0 0 Pending",
			     false, false),
		  "change peer name:mx peer:1 conn:Connecting repl:Idle fencing:Pending\n");
	CHECK_STR(ev_between("source UpToDate 128 3/4096 1 1 Connecting Idle sync 3 0/0 0 0 0 Pending",
			     "source UpToDate 128 3/4096 1 1 Connecting Idle sync 3 0/0 0 0 0 PeerOutdated",
			     false, false),
		  "change peer name:mx peer:1 fencing:PeerOutdated\n");
	/* The target's side: its data Outdated. */
	CHECK_STR(ev_between(tgt, "target Outdated 128 0/4096 1 - Listening Idle - 0 0/0 0 0 0",
			     false, false),
		  "change mirror name:mx data:Outdated\n");
}

/* mx_conf_crosscheck() reports into this. */
static char xc_seen[4096];

static void xc_report(void *arg, const char *problem)
{
	int *n = arg;

	(*n)++;
	snprintf(xc_seen + strlen(xc_seen), sizeof(xc_seen) - strlen(xc_seen),
		 "%s\n", problem);
}

static int xc(const char *a_text, const char *b_text)
{
	struct mx_conf a, b;
	int n = 0, r;

	xc_seen[0] = '\0';
	if (mx_conf_parse(a_text, "a", &a) || mx_conf_parse(b_text, "b", &b))
		return -1;
	r = mx_conf_crosscheck(&a, &b, xc_report, &n);
	return r == n ? r : -2;
}

#define XC_A "name = mx\nnode_id = 0\nrole = source\ndata_dev = /dev/vda\nmeta_dev = /dev/vdb\n"
#define XC_B "name = mx\nnode_id = 1\nrole = target\ndata_dev = /dev/vda\nmeta_dev = /dev/vdb\n"

static void test_conf_crosscheck(void)
{
	/* Agree: each names the other where it listens (or a wildcard). */
	CHECK(xc(XC_A "listen = 10.0.0.1:7789\npeer.1 = 10.0.0.2:7789 sync\n",
		 XC_B "listen = 10.0.0.2:7789\npeer.0 = 10.0.0.1:7789\n") == 0);
	CHECK(xc(XC_A "peer.1 = 10.0.0.2:7790\n",
		 XC_B "listen = 0.0.0.0:7790\npeer.0 = 10.0.0.1:7789\n") == 0);
	CHECK(xc(XC_B "listen = [::]:7789\npeer.0 = [fd00::1]:7789\n",
		 XC_A "peer.1 = [fd00::2]:7789\n") == 0);
	/* Wrong port, wrong host, missing peer, each reported once. */
	CHECK(xc(XC_A "peer.1 = 10.0.0.2:7790\n",
		 XC_B "listen = 10.0.0.2:7789\npeer.0 = 10.0.0.1:7789\n") == 1);
	CHECK(strstr(xc_seen, "this config's peer.1 is 10.0.0.2:7790, but node 1 (the other config) listens on 10.0.0.2:7789"));
	CHECK(xc(XC_A "peer.1 = 10.0.0.3:7789\n",
		 XC_B "listen = 10.0.0.2:7789\npeer.0 = 10.0.0.1:7789\n") == 1);
	CHECK(xc(XC_A "peer.2 = 10.0.0.2:7789\n",
		 XC_B "peer.0 = 10.0.0.1:7789\n") == 1);
	CHECK(strstr(xc_seen, "this config has no peer.1 for node 1"));
	/* The other way round: A listens elsewhere than B's peer.0. */
	CHECK(xc(XC_A "listen = 10.0.0.1:7000\npeer.1 = 10.0.0.2:7789\n",
		 XC_B "peer.0 = 10.0.0.1:7789\n") == 1);
	CHECK(strstr(xc_seen, "the other config's peer.0 is 10.0.0.1:7789, but node 0 (this config) listens on 10.0.0.1:7000"));
	/* Same node id: nothing else is compared. */
	CHECK(xc(XC_A "peer.1 = 10.0.0.2:7789\n",
		 XC_A "peer.1 = 10.0.0.2:7789\n") == 1);
	CHECK(strstr(xc_seen, "both configs say node_id = 0"));
	/* Region size and auth key must match. */
	CHECK(xc(XC_A "peer.1 = 10.0.0.2:7789\nregion_size = 128K\nauth = mirrorx:k\n",
		 XC_B "peer.0 = 10.0.0.1:7789\n") == 2);
	CHECK(strstr(xc_seen, "region_size is 128K here and 64K in the other config"));
	CHECK(strstr(xc_seen, "auth is \"mirrorx:k\" here and \"(none)\" in the other config"));
}

int main(void)
{
	test_fail_wraps();
	test_numbers();
	test_addresses();
	test_format();
	test_conf();
	test_conf_user();
	test_conf_hot_set();
	test_conf_fence_peer();
	test_conf_crosscheck();
	test_meta_room();
	test_progress();
	test_conf_files();
	test_status();
	test_meta();
	test_events();
	printf("test_mirrorctl: %d checks, %d failed\n", checks, fails);
	return fails ? 1 : 0;
}
