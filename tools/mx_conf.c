// SPDX-License-Identifier: GPL-2.0
/*
 * Mirror configuration files (see mx_conf.h and mirrorctl.8, FILES).
 *
 *   name = mx
 *   node_id = 0
 *   role = source
 *   data_dev = /dev/vg/data
 *   meta_dev = /dev/vg/meta
 *   region_size = 64K
 *   listen = 0.0.0.0:7789
 *   peer.1 = 10.0.0.2:7789 sync
 *   resync_rate = 100000
 *   hot_set = 4096
 *   fencing = resource
 *   fence_timeout = 60
 *   fence_peer = /usr/local/lib/mirrorx/mirrorx-fence-peer fence mx
 *   fence_peer_timeout = 120
 *   compress = lz4
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include "mx_conf.h"
#include "mx_util.h"

void mx_conf_init(struct mx_conf *c)
{
	memset(c, 0, sizeof(*c));
	c->role = MX_ROLE_TARGET;
	c->region_sectors = MX_DEFAULT_REGION;
	snprintf(c->listen, sizeof(c->listen), "0.0.0.0:%d", MX_DEFAULT_PORT);
}

const char *mx_role_name(enum mx_role r)
{
	switch (r) {
	case MX_ROLE_SOURCE:
		return "source";
	case MX_ROLE_TARGET:
		return "target";
	default:
		return "none";
	}
}

const char *mx_role_target(enum mx_role r)
{
	return r == MX_ROLE_SOURCE ? "mirrorx" : "mirrorx-recv";
}

int mx_parse_role(const char *s, enum mx_role *r)
{
	if (!strcmp(s, "source")) {
		*r = MX_ROLE_SOURCE;
		return 0;
	}
	if (!strcmp(s, "target")) {
		*r = MX_ROLE_TARGET;
		return 0;
	}
	return mx_fail("bad role '%s': expected source or target", s);
}

static int mx_parse_mode(const char *s, bool *async)
{
	if (!strcmp(s, "sync")) {
		*async = false;
		return 0;
	}
	if (!strcmp(s, "async")) {
		*async = true;
		return 0;
	}
	return mx_fail("bad mode '%s': expected sync or async", s);
}

static int mx_parse_bool(const char *what, const char *s, bool *v)
{
	if (!strcmp(s, "yes") || !strcmp(s, "1") || !strcmp(s, "true")) {
		*v = true;
		return 0;
	}
	if (!strcmp(s, "no") || !strcmp(s, "0") || !strcmp(s, "false")) {
		*v = false;
		return 0;
	}
	return mx_fail("bad value '%s' for %s: expected yes or no", s, what);
}

/* One peer from id, address and optional mode strings. */
static int mx_conf_set_peer(struct mx_conf *c, const char *id,
			    const char *addr, const char *mode)
{
	struct mx_conf_peer p = { .present = true };
	uint32_t n;

	if (mx_parse_node_id(id, &n))
		return -1;
	if (mx_check_hostport(addr))
		return -1;
	if (mx_strlcpy(p.addr, addr, sizeof(p.addr), "peer address"))
		return -1;
	if (mode && *mode && mx_parse_mode(mode, &p.async))
		return -1;
	c->peers[n] = p;
	return 0;
}

int mx_conf_parse_peer(struct mx_conf *c, const char *arg)
{
	char buf[MX_ADDR_LEN + 32], *id, *addr, *mode;

	if (strlen(arg) >= sizeof(buf))
		return mx_fail("peer '%s' is too long", arg);
	strcpy(buf, arg);
	id = buf;
	addr = strchr(buf, ',');
	if (!addr)
		return mx_fail("bad peer '%s': expected ID,HOST:PORT[,sync|async]",
			       arg);
	*addr++ = '\0';
	mode = strchr(addr, ',');
	if (mode)
		*mode++ = '\0';
	return mx_conf_set_peer(c, id, addr, mode);
}

unsigned int mx_conf_nr_peers(const struct mx_conf *c)
{
	unsigned int i, n = 0;

	for (i = 0; i < MX_NODES; i++)
		n += c->peers[i].present;
	return n;
}

static char *mx_trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

/* '#' at the start or after white space starts a comment. */
static void mx_strip_comment(char *line)
{
	char *p;

	for (p = line; *p; p++) {
		if (*p == '#' && (p == line || isspace((unsigned char)p[-1]))) {
			*p = '\0';
			return;
		}
	}
}

/* Keys; a bit each in the "seen" mask to refuse duplicates. */
enum {
	K_NAME, K_NODE_ID, K_ROLE, K_DATA, K_META, K_REGION, K_LISTEN,
	K_ASYNC_LIMIT, K_ON_CONGESTION, K_ON_DISCONNECT, K_RESYNC_RATE,
	K_AUTH, K_DATA_CSUM, K_META_UUID, K_HOT_SET, K_FENCING,
	K_FENCE_TIMEOUT, K_COMPRESS, K_FENCE_PEER, K_FENCE_PEER_TIMEOUT,
};

static const char * const mx_keys[] = {
	[K_NAME] = "name", [K_NODE_ID] = "node_id", [K_ROLE] = "role",
	[K_DATA] = "data_dev", [K_META] = "meta_dev",
	[K_REGION] = "region_size", [K_LISTEN] = "listen",
	[K_ASYNC_LIMIT] = "async_limit", [K_ON_CONGESTION] = "on_congestion",
	[K_ON_DISCONNECT] = "on_disconnect", [K_RESYNC_RATE] = "resync_rate",
	[K_AUTH] = "auth", [K_DATA_CSUM] = "data_csum",
	[K_META_UUID] = "meta_uuid", [K_HOT_SET] = "hot_set",
	[K_FENCING] = "fencing", [K_FENCE_TIMEOUT] = "fence_timeout",
	[K_COMPRESS] = "compress", [K_FENCE_PEER] = "fence_peer",
	[K_FENCE_PEER_TIMEOUT] = "fence_peer_timeout",
};

/*
 * A fence_peer command: one line of the config file as written and read
 * back, so no control character (a tab excepted) and no '#' where the
 * file's comments start (first, or after white space).
 */
static int mx_check_command(const char *v, const char *what)
{
	const char *p;

	if (!*v)
		return mx_fail("bad %s '': expected a command (run by sh -c); leave the key out for none",
			       what);
	for (p = v; *p; p++) {
		if ((unsigned char)*p < 0x20 && *p != '\t')
			return mx_fail("bad %s: it contains a control character (one line of text expected)",
				       what);
		if (*p == '#' && (p == v || isspace((unsigned char)p[-1])))
			return mx_fail("bad %s '%s': a '#' first or after white space starts a comment in the config file, quoted or not (put the command in a script and name the script)",
				       what, v);
	}
	return 0;
}

/*
 * Set key @k from @v; messages name the setting @what as the user wrote
 * it (the key in a file, the option on the command line).
 */
static int mx_conf_key(struct mx_conf *c, int k, const char *v,
		       const char *what)
{
	uint64_t n;

	switch (k) {
	case K_NAME:
		if (mx_check_name(v))
			return -1;
		return mx_strlcpy(c->name, v, sizeof(c->name), what);
	case K_NODE_ID:
		return mx_parse_node_id(v, &c->node_id);
	case K_ROLE:
		return mx_parse_role(v, &c->role);
	case K_DATA:
		if (*v != '/')
			return mx_fail("%s '%s' is not an absolute path", what, v);
		return mx_strlcpy(c->data, v, sizeof(c->data), what);
	case K_META:
		if (*v != '/')
			return mx_fail("%s '%s' is not an absolute path", what, v);
		return mx_strlcpy(c->meta, v, sizeof(c->meta), what);
	case K_REGION:
		return mx_parse_region(v, &c->region_sectors);
	case K_LISTEN:
		if (mx_check_hostport(v))
			return -1;
		return mx_strlcpy(c->listen, v, sizeof(c->listen), what);
	case K_ASYNC_LIMIT:
		if (mx_parse_size(what, v, &n))
			return -1;
		if (n && (n < (1ULL << 20) || n > (16ULL << 30)))
			return mx_fail("%s '%s' out of range: must be from 1M to 16G",
				       what, v);
		c->async_limit = n;
		return 0;
	case K_ON_CONGESTION:
		if (strcmp(v, "block") && strcmp(v, "behind"))
			return mx_fail("bad %s '%s': expected block or behind",
				       what, v);
		c->congestion_behind = !strcmp(v, "behind");
		return 0;
	case K_ON_DISCONNECT:
		if (strcmp(v, "continue") && strcmp(v, "suspend"))
			return mx_fail("bad %s '%s': expected continue or suspend",
				       what, v);
		c->disconnect_suspend = !strcmp(v, "suspend");
		return 0;
	case K_RESYNC_RATE:
		if (mx_parse_rate(what, v, 16ULL << 20, &n))
			return -1;
		c->resync_rate = n;
		return 0;
	case K_HOT_SET:
		if (mx_parse_u64(v, &n))
			return mx_fail("bad %s '%s': expected a whole number of MiB from 0 to %u",
				       what, v, MX_MAX_HOT_SET);
		if (n > MX_MAX_HOT_SET)
			return mx_fail("%s '%s' out of range: must be from 0 to %u MiB (16 TiB); leave it out for the kernel's default (1024)",
				       what, v, MX_MAX_HOT_SET);
		c->hot_set = n;
		c->has_hot_set = true;
		return 0;
	case K_FENCING:
		if (strcmp(v, "none") && strcmp(v, "resource"))
			return mx_fail("bad %s '%s': expected none or resource",
				       what, v);
		c->fencing = !strcmp(v, "resource");
		return 0;
	case K_FENCE_TIMEOUT:
		if (mx_parse_u64(v, &n) || n > MX_MAX_FENCE_TIMEOUT)
			return mx_fail("bad %s '%s': expected seconds from 1 to %u (0: the kernel's default, 60)",
				       what, v, MX_MAX_FENCE_TIMEOUT);
		c->fence_timeout = n;
		return 0;
	case K_FENCE_PEER:
		if (mx_check_command(v, what))
			return -1;
		return mx_strlcpy(c->fence_peer, v, sizeof(c->fence_peer),
				  what);
	case K_FENCE_PEER_TIMEOUT:
		if (mx_parse_u64(v, &n) || n > MX_MAX_FENCE_TIMEOUT)
			return mx_fail("bad %s '%s': expected seconds from 1 to %u (0: the default, %u)",
				       what, v, MX_MAX_FENCE_TIMEOUT,
				       MX_DEFAULT_FENCE_PEER_TIMEOUT);
		c->fence_peer_timeout = n;
		return 0;
	case K_COMPRESS:
		if (strcmp(v, "none") && strcmp(v, "lz4") && strcmp(v, "zstd"))
			return mx_fail("bad %s '%s': expected lz4, zstd or none",
				       what, v);
		return mx_strlcpy(c->compress, strcmp(v, "none") ? v : "",
				  sizeof(c->compress), what);
	case K_AUTH:
		if (strpbrk(v, " \t"))
			return mx_fail("%s key description '%s' contains spaces",
				       what, v);
		return mx_strlcpy(c->auth, v, sizeof(c->auth), what);
	case K_DATA_CSUM:
		return mx_parse_bool(what, v, &c->data_csum);
	case K_META_UUID:
		if (strlen(v) != 32 || strspn(v, "0123456789abcdef") != 32)
			return mx_fail("bad %s '%s': expected 32 lowercase hex digits",
				       what, v);
		return mx_strlcpy(c->meta_uuid, v, sizeof(c->meta_uuid), what);
	}
	return mx_fail("internal: key %d", k);
}

int mx_conf_set(struct mx_conf *c, const char *key, const char *value,
		const char *what)
{
	size_t k;

	for (k = 0; k < ARRAY_SIZE(mx_keys); k++)
		if (mx_keys[k] && !strcmp(key, mx_keys[k]))
			return mx_conf_key(c, k, value, what ? what : key);
	return mx_fail("unknown key '%s'", key);
}

/* "peer.N = host:port [mode]" */
static int mx_conf_peer_line(struct mx_conf *c, const char *key, char *v,
			     uint32_t *seen_peers)
{
	char *addr = v, *mode;
	uint32_t id;

	if (mx_parse_node_id(key + 5, &id))
		return -1;
	if (*seen_peers & (1U << id))
		return mx_fail("duplicate key '%s'", key);
	*seen_peers |= 1U << id;
	mode = addr + strcspn(addr, " \t");
	if (*mode) {
		*mode++ = '\0';
		mode = mx_trim(mode);
	}
	return mx_conf_set_peer(c, key + 5, addr, mode);
}

int mx_conf_parse(const char *text, const char *where, struct mx_conf *c)
{
	uint32_t seen = 0, seen_peers = 0;
	char *copy, *line, *next;
	unsigned int lineno = 0;
	int r = 0;

	mx_conf_init(c);
	copy = strdup(text);
	if (!copy)
		return mx_fail("%s: out of memory", where);
	for (line = copy; line && !r; line = next) {
		char *key, *val, *eq;
		size_t k;

		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		lineno++;
		mx_strip_comment(line);
		key = mx_trim(line);
		if (!*key)
			continue;
		eq = strchr(key, '=');
		if (!eq) {
			r = mx_fail("%s line %u: expected 'key = value', got '%s'",
				    where, lineno, key);
			break;
		}
		*eq = '\0';
		val = mx_trim(eq + 1);
		key = mx_trim(key);
		if (!strncmp(key, "peer.", 5)) {
			r = mx_conf_peer_line(c, key, val, &seen_peers);
		} else {
			for (k = 0; k < ARRAY_SIZE(mx_keys); k++)
				if (mx_keys[k] && !strcmp(key, mx_keys[k]))
					break;
			if (k == ARRAY_SIZE(mx_keys))
				r = mx_fail("unknown key '%s'", key);
			else if (seen & (1U << k))
				r = mx_fail("duplicate key '%s'", key);
			else
				r = mx_conf_key(c, k, val, mx_keys[k]);
			seen |= 1U << k;
		}
		if (r) {
			char msg[MX_ERRMSG_LEN];

			snprintf(msg, sizeof(msg), "%s", mx_errmsg);
			mx_fail("%s line %u: %s", where, lineno, msg);
		}
	}
	free(copy);
	if (r)
		return r;
	if (!(seen & (1U << K_NAME)))
		return mx_fail("%s: missing key 'name'", where);
	if (!(seen & (1U << K_NODE_ID)))
		return mx_fail("%s: missing key 'node_id'", where);
	if (!(seen & (1U << K_DATA)))
		return mx_fail("%s: missing key 'data_dev'", where);
	if (!(seen & (1U << K_META)))
		return mx_fail("%s: missing key 'meta_dev'", where);
	if (mx_conf_validate(c)) {
		char msg[MX_ERRMSG_LEN];

		snprintf(msg, sizeof(msg), "%s", mx_errmsg);
		return mx_fail("%s: %s", where, msg);
	}
	return 0;
}

int mx_conf_validate(const struct mx_conf *c)
{
	if (mx_check_name(c->name))
		return -1;
	if (c->node_id >= MX_NODES)
		return mx_fail("node id %u out of range 0..7", c->node_id);
	if (!c->data[0] || !c->meta[0])
		return mx_fail("data and metadata devices are required");
	if (!strcmp(c->data, c->meta))
		return mx_fail("data and metadata devices are the same (%s)",
			       c->data);
	if (c->peers[c->node_id].present)
		return mx_fail("peer %u is this node's own id (node_id %u)",
			       c->node_id, c->node_id);
	if (c->role == MX_ROLE_SOURCE && !mx_conf_nr_peers(c))
		return mx_fail("a source needs at least one peer");
	return 0;
}

static const char *mx_fmt_region(uint32_t sectors, char *buf, size_t len)
{
	uint64_t b = (uint64_t)sectors << 9;

	if (!(b & ((1ULL << 30) - 1)))
		snprintf(buf, len, "%lluG", (unsigned long long)(b >> 30));
	else if (!(b & ((1ULL << 20) - 1)))
		snprintf(buf, len, "%lluM", (unsigned long long)(b >> 20));
	else
		snprintf(buf, len, "%lluK", (unsigned long long)(b >> 10));
	return buf;
}

int mx_conf_format(const struct mx_conf *c, char *buf, size_t len)
{
	struct mx_buf b = { .p = buf, .len = len };
	char rbuf[32];
	int i;

	buf[0] = '\0';
	mx_bprintf(&b, "# dm-mirrorx mirror \"%s\": this node's side, both roles.\n",
		   c->name);
	mx_bprintf(&b, "# Written by mirrorctl; see mirrorctl(8), FILES.\n");
	mx_bprintf(&b, "name = %s\n", c->name);
	mx_bprintf(&b, "node_id = %u\n", c->node_id);
	mx_bprintf(&b, "role = %s\n", mx_role_name(c->role));
	mx_bprintf(&b, "data_dev = %s\n", c->data);
	mx_bprintf(&b, "meta_dev = %s\n", c->meta);
	mx_bprintf(&b, "region_size = %s\n",
		   mx_fmt_region(c->region_sectors, rbuf, sizeof(rbuf)));
	mx_bprintf(&b, "listen = %s\n", c->listen);
	for (i = 0; i < MX_NODES; i++)
		if (c->peers[i].present)
			mx_bprintf(&b, "peer.%d = %s %s\n", i, c->peers[i].addr,
				   c->peers[i].async ? "async" : "sync");
	mx_bprintf(&b, "resync_rate = %u\n", c->resync_rate);
	if (c->async_limit)
		mx_bprintf(&b, "async_limit = %llu\n",
			   (unsigned long long)c->async_limit);
	mx_bprintf(&b, "on_congestion = %s\n",
		   c->congestion_behind ? "behind" : "block");
	mx_bprintf(&b, "on_disconnect = %s\n",
		   c->disconnect_suspend ? "suspend" : "continue");
	if (c->has_hot_set)
		mx_bprintf(&b, "hot_set = %u\n", c->hot_set);
	/* Only when set: a config without it stays readable by an older mirrorctl. */
	if (c->fencing)
		mx_bprintf(&b, "fencing = resource\n");
	if (c->fence_timeout)
		mx_bprintf(&b, "fence_timeout = %u\n", c->fence_timeout);
	if (c->fence_peer[0])
		mx_bprintf(&b, "fence_peer = %s\n", c->fence_peer);
	if (c->fence_peer_timeout)
		mx_bprintf(&b, "fence_peer_timeout = %u\n",
			   c->fence_peer_timeout);
	if (c->compress[0])
		mx_bprintf(&b, "compress = %s\n", c->compress);
	if (c->auth[0])
		mx_bprintf(&b, "auth = %s\n", c->auth);
	mx_bprintf(&b, "data_csum = %s\n", c->data_csum ? "yes" : "no");
	if (c->meta_uuid[0])
		mx_bprintf(&b, "meta_uuid = %s\n", c->meta_uuid);
	return b.over ? mx_fail("config text too long") : 0;
}

const char *mx_conf_dir(void)
{
	const char *d = getenv("MIRRORX_CONF_DIR");

	return d && *d ? d : MX_DEFAULT_CONF_DIR;
}

int mx_conf_path(const char *name, char *buf, size_t len)
{
	int w;

	if (mx_check_name(name))
		return -1;
	w = snprintf(buf, len, "%s/%s.conf", mx_conf_dir(), name);
	if (w < 0 || (size_t)w >= len)
		return mx_fail("config path too long");
	return 0;
}

/* Read and parse a config from @fd (named @path in errors). */
static int mx_conf_read_fd(int fd, const char *path, struct mx_conf *c)
{
	size_t have = 0;
	ssize_t n;
	char *text;
	int r;

	text = malloc(MX_CONF_MAX + 2);
	if (!text)
		return mx_fail("out of memory");
	do {
		n = read(fd, text + have, MX_CONF_MAX + 1 - have);
		if (n > 0)
			have += n;
	} while ((n > 0 || (n < 0 && errno == EINTR)) && have <= MX_CONF_MAX);
	if (n < 0 || have > MX_CONF_MAX) {
		free(text);
		return mx_fail("cannot read %s: %s", path,
			       n < 0 ? strerror(errno) : "file too large");
	}
	text[have] = '\0';
	r = mx_conf_parse(text, path, c);
	free(text);
	return r ? MX_CONF_BAD : 0;
}

int mx_conf_load(const char *name, struct mx_conf *c)
{
	char path[MX_PATH_LEN + 80];
	int fd, r;

	if (mx_conf_path(name, path, sizeof(path)))
		return -1;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT) {
			mx_fail("unknown mirror '%s': no %s", name, path);
			return 1;
		}
		return mx_fail("cannot read %s: %s", path, strerror(errno));
	}
	r = mx_conf_read_fd(fd, path, c);
	close(fd);
	if (r)
		return r;
	if (strcmp(c->name, name)) {
		mx_fail("%s names mirror '%s', not '%s'", path, c->name, name);
		return MX_CONF_BAD;
	}
	return 0;
}

int mx_conf_load_file(const char *path, struct mx_conf *c)
{
	int fd, r;

	if (!strcmp(path, "-"))
		return mx_conf_read_fd(STDIN_FILENO, "standard input", c);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return mx_fail("cannot read %s: %s", path, strerror(errno));
	r = mx_conf_read_fd(fd, path, c);
	close(fd);
	return r;
}

static int mx_write_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t w = write(fd, buf, len);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		buf += w;
		len -= w;
	}
	return 0;
}

int mx_conf_lock(const char *name)
{
	static char held[MX_NAME_LEN];
	char path[MX_PATH_LEN + 80];
	static int fd = -1;
	int i;

	if (fd >= 0 && !strcmp(held, name))
		return 0;
	if (mx_check_name(name))
		return -1;
	/* --all: the mirror before is done with; its lock goes. */
	if (fd >= 0) {
		close(fd);
		fd = -1;
	}
	held[0] = '\0';
	if (mkdir(mx_conf_dir(), 0755) && errno != EEXIST)
		return mx_fail("cannot create %s: %s", mx_conf_dir(),
			       strerror(errno));
	snprintf(path, sizeof(path), "%s/.%s.lock", mx_conf_dir(), name);
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return mx_fail("cannot open %s: %s", path, strerror(errno));
	for (i = 0; i < MX_LOCK_WAIT * 10; i++) {
		if (!flock(fd, LOCK_EX | LOCK_NB)) {
			snprintf(held, sizeof(held), "%s", name);
			return 0;
		}
		if (errno != EWOULDBLOCK)
			break;
		usleep(100000);
	}
	if (errno == EWOULDBLOCK)
		mx_fail("%s is locked by another mirrorctl for more than %d s (%s): try again",
			name, MX_LOCK_WAIT, path);
	else
		mx_fail("cannot lock %s: %s", path, strerror(errno));
	close(fd);
	fd = -1;
	return -1;
}

int mx_conf_save(const struct mx_conf *c)
{
	char path[MX_PATH_LEN + 80], tmp[MX_PATH_LEN + 96];
	char *text;
	int fd, r = -1;

	if (mx_conf_validate(c) || mx_conf_path(c->name, path, sizeof(path)))
		return -1;
	if (mkdir(mx_conf_dir(), 0755) && errno != EEXIST)
		return mx_fail("cannot create %s: %s", mx_conf_dir(),
			       strerror(errno));
	text = malloc(MX_CONF_MAX);
	if (!text)
		return mx_fail("out of memory");
	if (mx_conf_format(c, text, MX_CONF_MAX))
		goto out;
	snprintf(tmp, sizeof(tmp), "%s.tmp.%d", path, (int)getpid());
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		mx_fail("cannot write %s: %s", tmp, strerror(errno));
		goto out;
	}
	if (mx_write_all(fd, text, strlen(text)) || fsync(fd)) {
		mx_fail("cannot write %s: %s", tmp, strerror(errno));
		close(fd);
		unlink(tmp);
		goto out;
	}
	close(fd);
	if (rename(tmp, path)) {
		mx_fail("cannot rename %s to %s: %s", tmp, path,
			strerror(errno));
		unlink(tmp);
		goto out;
	}
	r = 0;
out:
	free(text);
	return r;
}

int mx_conf_remove(const char *name)
{
	char path[MX_PATH_LEN + 80];

	if (mx_conf_path(name, path, sizeof(path)))
		return -1;
	if (unlink(path) && errno != ENOENT)
		return mx_fail("cannot remove %s: %s", path, strerror(errno));
	return 0;
}

/* Append the optional arguments ("<#> words...") to @b. */
static void mx_conf_opts(const struct mx_conf *c, bool source,
			 struct mx_buf *b)
{
	char text[512];
	struct mx_buf w = { .p = text, .len = sizeof(text) };
	int count = 0;

	text[0] = '\0';
	if (source) {
		if (c->async_limit) {
			mx_bprintf(&w, " async_limit %llu",
				   (unsigned long long)c->async_limit);
			count += 2;
		}
		if (c->congestion_behind) {
			mx_bprintf(&w, " on_congestion behind");
			count += 2;
		}
		if (c->disconnect_suspend) {
			mx_bprintf(&w, " on_disconnect suspend");
			count += 2;
		}
		if (c->resync_rate) {
			mx_bprintf(&w, " resync_rate %u", c->resync_rate);
			count += 2;
		}
		if (c->has_hot_set) {
			mx_bprintf(&w, " hot_set %u", c->hot_set);
			count += 2;
		}
		if (c->fencing) {
			mx_bprintf(&w, " fencing resource");
			count += 2;
		}
		if (c->fence_timeout) {
			mx_bprintf(&w, " fence_timeout %u", c->fence_timeout);
			count += 2;
		}
		if (c->force_promote) {
			mx_bprintf(&w, " force_promote");
			count++;
		}
	}
	if (c->auth[0]) {
		mx_bprintf(&w, " auth %s", c->auth);
		count += 2;
	}
	if (c->data_csum) {
		mx_bprintf(&w, " data_csum");
		count++;
	}
	/* Both roles: the target offers what the source asks for. */
	if (c->compress[0]) {
		mx_bprintf(&w, " compress %s", c->compress);
		count += 2;
	}
	/* A source's own id defaults to 0; a target always names its id. */
	if (!source || c->node_id) {
		mx_bprintf(&w, " node_id %u", c->node_id);
		count += 2;
	}
	if (w.over)
		b->over = true;
	else if (count)
		mx_bprintf(b, " %d%s", count, text);
}

int mx_conf_source_params(const struct mx_conf *c, char *buf, size_t len)
{
	struct mx_buf b = { .p = buf, .len = len };
	char addr[MX_ADDR_LEN];
	int i;

	if (!mx_conf_nr_peers(c))
		return mx_fail("mirror %s has no peers in its config: a source needs at least one (mirrorctl set %s --peer ID,HOST:PORT)",
			       c->name, c->name);
	mx_bprintf(&b, "%s %s %u %u", c->data, c->meta, c->region_sectors,
		   mx_conf_nr_peers(c));
	for (i = 0; i < MX_NODES; i++) {
		if (!c->peers[i].present)
			continue;
		if (mx_resolve_hostport(c->peers[i].addr, addr, sizeof(addr)))
			return -1;
		mx_bprintf(&b, " %d %s %s", i, addr,
			   c->peers[i].async ? "async" : "sync");
	}
	mx_conf_opts(c, true, &b);
	return b.over ? mx_fail("table line too long") : 0;
}

int mx_conf_target_params(const struct mx_conf *c, char *buf, size_t len)
{
	struct mx_buf b = { .p = buf, .len = len };
	char addr[MX_ADDR_LEN];

	if (mx_resolve_hostport(c->listen, addr, sizeof(addr)))
		return -1;
	mx_bprintf(&b, "%s %s %s", c->data, c->meta, addr);
	mx_conf_opts(c, false, &b);
	return b.over ? mx_fail("table line too long") : 0;
}

int mx_conf_check_tables(const struct mx_conf *c, enum mx_role role)
{
	char addr[MX_ADDR_LEN], why[MX_ERRMSG_LEN];
	char *params;
	int i, r = 0;

	if (mx_resolve_hostport(c->listen, addr, sizeof(addr))) {
		snprintf(why, sizeof(why), "%s", mx_errmsg);
		return mx_fail("listen: %s", why);
	}
	for (i = 0; i < MX_NODES; i++) {
		if (!c->peers[i].present ||
		    !mx_resolve_hostport(c->peers[i].addr, addr, sizeof(addr)))
			continue;
		snprintf(why, sizeof(why), "%s", mx_errmsg);
		return mx_fail("peer %d: %s", i, why);
	}
	if (role == MX_ROLE_NONE)
		return 0;
	params = malloc(MX_TABLE_LEN);
	if (!params)
		return mx_fail("out of memory");
	if (role == MX_ROLE_SOURCE)
		r = mx_conf_source_params(c, params, MX_TABLE_LEN);
	else
		r = mx_conf_target_params(c, params, MX_TABLE_LEN);
	free(params);
	return r;
}

/* "HOST" part of a numeric "a.b.c.d:port" / "[v6]:port" (into @host). */
static void mx_split_hostport(const char *numeric, char *host, size_t len,
			      const char **port)
{
	const char *colon = strrchr(numeric, ':');
	size_t n = colon ? (size_t)(colon - numeric) : strlen(numeric);

	if (n >= len)
		n = len - 1;
	memcpy(host, numeric, n);
	host[n] = '\0';
	*port = colon ? colon + 1 : "";
}

static bool mx_wildcard_host(const char *host)
{
	return !strcmp(host, "0.0.0.0") || !strcmp(host, "[::]");
}

/*
 * @from names node @to as peer.@to: is that where @to listens? Reports
 * and returns 1 when not.
 */
static int mx_crosscheck_peer(const struct mx_conf *from, const char *from_what,
			      const struct mx_conf *to, const char *to_what,
			      void (*report)(void *, const char *), void *arg)
{
	char msg[MX_ERRMSG_LEN + 2 * MX_ADDR_LEN + 256];
	char want[MX_ADDR_LEN], have[MX_ADDR_LEN];
	char want_host[MX_ADDR_LEN], have_host[MX_ADDR_LEN];
	const char *want_port, *have_port;
	const struct mx_conf_peer *p = &from->peers[to->node_id];

	if (!p->present) {
		snprintf(msg, sizeof(msg),
			 "%s has no peer.%u for node %u (%s): add \"peer.%u = HOST:PORT\" with the address node %u listens on (%s)",
			 from_what, to->node_id, to->node_id, to_what,
			 to->node_id, to->node_id, to->listen);
		report(arg, msg);
		return 1;
	}
	if (mx_resolve_hostport(p->addr, have, sizeof(have)) ||
	    mx_resolve_hostport(to->listen, want, sizeof(want))) {
		snprintf(msg, sizeof(msg),
			 "cannot compare %s's peer.%u (%s) with %s's listen (%s): %s",
			 from_what, to->node_id, p->addr, to_what, to->listen,
			 mx_errmsg);
		report(arg, msg);
		return 1;
	}
	mx_split_hostport(want, want_host, sizeof(want_host), &want_port);
	mx_split_hostport(have, have_host, sizeof(have_host), &have_port);
	if (strcmp(want_port, have_port) ||
	    (!mx_wildcard_host(want_host) && strcmp(want_host, have_host))) {
		snprintf(msg, sizeof(msg),
			 "%s's peer.%u is %s, but node %u (%s) listens on %s: the source would connect where nobody listens; make them the same address and port",
			 from_what, to->node_id, p->addr, to->node_id, to_what,
			 to->listen);
		report(arg, msg);
		return 1;
	}
	return 0;
}

int mx_conf_crosscheck(const struct mx_conf *mine, const struct mx_conf *theirs,
		       void (*report)(void *arg, const char *problem),
		       void *arg)
{
	char msg[2 * MX_KEY_LEN + 256], a[16], b[16];
	int n = 0;

	if (mine->node_id == theirs->node_id) {
		snprintf(msg, sizeof(msg),
			 "both configs say node_id = %u: each node of a mirror needs its own id",
			 mine->node_id);
		report(arg, msg);
		return 1;
	}
	n += mx_crosscheck_peer(mine, "this config", theirs, "the other config",
				report, arg);
	n += mx_crosscheck_peer(theirs, "the other config", mine, "this config",
				report, arg);
	if (mine->region_sectors != theirs->region_sectors) {
		snprintf(msg, sizeof(msg),
			 "region_size is %s here and %s in the other config: the handshake refuses it (region_mismatch); use one size on both nodes",
			 mx_fmt_region(mine->region_sectors, a, sizeof(a)),
			 mx_fmt_region(theirs->region_sectors, b, sizeof(b)));
		report(arg, msg);
		n++;
	}
	if (strcmp(mine->auth, theirs->auth)) {
		snprintf(msg, sizeof(msg),
			 "auth is \"%s\" here and \"%s\" in the other config: the nodes would refuse each other; name the same key on both nodes",
			 mine->auth[0] ? mine->auth : "(none)",
			 theirs->auth[0] ? theirs->auth : "(none)");
		report(arg, msg);
		n++;
	}
	return n;
}
