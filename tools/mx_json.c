// SPDX-License-Identifier: GPL-2.0
/*
 * mirrorctl's JSON object model (see mx_json.h), built with json-c.
 */
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>
#include "mx_json.h"
#include "mx_util.h"

/* Length of the valid UTF-8 sequence at @s, 0 when there is none. */
static size_t mx_utf8_len(const unsigned char *s)
{
	unsigned char lo = 0x80, hi = 0xbf;
	size_t n, i;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4;
	else
		return 0;
	/* No overlong forms, no surrogates, nothing past U+10FFFF. */
	if (s[0] == 0xe0)
		lo = 0xa0;
	else if (s[0] == 0xed)
		hi = 0x9f;
	else if (s[0] == 0xf0)
		lo = 0x90;
	else if (s[0] == 0xf4)
		hi = 0x8f;
	if (s[1] < lo || s[1] > hi)
		return 0;
	for (i = 2; i < n; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return n;
}

struct json_object *mx_json_string(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	struct json_object *o;
	char *buf, *q;
	size_t n;

	if (!s)
		return NULL;
	buf = malloc(2 * strlen(s) + 1);
	if (!buf)
		return NULL;
	for (q = buf; *p; ) {
		n = mx_utf8_len(p);
		if (n) {
			memcpy(q, p, n);
			q += n;
			p += n;
			continue;
		}
		/* A stray byte: the character of that code point. */
		*q++ = 0xc0 | (*p >> 6);
		*q++ = 0x80 | (*p & 0x3f);
		p++;
	}
	*q = '\0';
	o = json_object_new_string(buf);
	free(buf);
	return o;
}

static void mx_put(struct json_object *o, const char *key,
		   struct json_object *v)
{
	json_object_object_add(o, key, v);
}

static struct json_object *mx_u64(uint64_t v)
{
	return json_object_new_uint64(v);
}

/* A non-negative number with @decimals, null when < 0 (unknown). */
static struct json_object *mx_num(double v, int decimals)
{
	char buf[48];

	if (v < 0)
		return NULL;
	snprintf(buf, sizeof(buf), "%.*f", decimals, v);
	return json_object_new_double_s(v, buf);
}

/* A peer's link compression: algorithm, state, bytes, ratio. */
static struct json_object *mx_comp_obj(const struct mx_peer_status *p)
{
	struct json_object *o = json_object_new_object();

	mx_put(o, "algorithm", json_object_new_string(p->comp_alg));
	mx_put(o, "state", json_object_new_string(p->comp_state));
	mx_put(o, "data_bytes", mx_u64(p->comp_raw));
	mx_put(o, "wire_bytes", mx_u64(p->comp_wire));
	mx_put(o, "ratio", mx_num(mx_comp_ratio(p), 2));
	return o;
}

static struct json_object *mx_peer_obj(const struct mx_json_mirror *m,
				       int id, const struct mx_peer_status *p)
{
	const struct mx_conf_peer *cp = NULL;
	const struct mx_status *st = m->st;
	struct json_object *o = json_object_new_object();
	const char *mode = NULL;

	if (!o)
		return NULL;
	if (m->conf && id >= 0 && id < MX_NODES && m->conf->peers[id].present)
		cp = &m->conf->peers[id];
	/* Running: the kernel's ("-", null, on a target); stopped: the config's. */
	if (p)
		mode = strcmp(p->mode, "-") ? p->mode : NULL;
	else if (cp)
		mode = cp->async ? "async" : "sync";
	mx_put(o, "id", id < 0 ? NULL : json_object_new_int(id));
	mx_put(o, "address", cp ? mx_json_string(cp->addr) : NULL);
	mx_put(o, "mode", mode ? json_object_new_string(mode) : NULL);
	mx_put(o, "conn", p ? mx_json_string(p->conn) : NULL);
	mx_put(o, "repl", p ? mx_json_string(p->repl) : NULL);
	mx_put(o, "in_sync", p ? json_object_new_boolean(mx_peer_in_sync(p)) :
	       NULL);
	mx_put(o, "oos_regions", p ? mx_u64(p->oos) : NULL);
	mx_put(o, "oos_bytes", p ? mx_u64(mx_status_bytes(st, p->oos)) : NULL);
	mx_put(o, "in_sync_percent", !p ? NULL : mx_num(st->total ?
	       100.0 * (double)(st->total - (p->oos < st->total ?
					     p->oos : st->total)) /
	       (double)st->total : 100.0, 2));
	mx_put(o, "resync_done", p ? mx_u64(p->done) : NULL);
	mx_put(o, "resync_total", p ? mx_u64(p->todo) : NULL);
	mx_put(o, "resync_percent", p ? mx_num(mx_peer_resync_percent(p), 2) :
	       NULL);
	mx_put(o, "resync_regions", p && p->has_stats ? mx_u64(p->rs_regions) :
	       NULL);
	mx_put(o, "resync_compared_bytes", p && p->has_stats ?
	       mx_u64(p->rs_compared) : NULL);
	mx_put(o, "resync_sent_bytes", p && p->has_stats ? mx_u64(p->rs_sent) :
	       NULL);
	mx_put(o, "resync_zero_bytes", p && p->has_stats ?
	       mx_u64(p->rs_zeroes) : NULL);
	mx_put(o, "speed_bytes_per_sec", p ? mx_num(p->speed, 0) : NULL);
	mx_put(o, "eta_seconds", p ? mx_num(p->eta, 0) : NULL);
	mx_put(o, "queue_bytes", p ? mx_u64(p->queue) : NULL);
	mx_put(o, "queue_writes", p ? mx_u64(p->queue_writes) : NULL);
	mx_put(o, "lag_ms", p ? mx_u64(p->lag_ms) : NULL);
	mx_put(o, "fencing", p && p->fence[0] ? mx_json_string(p->fence) :
	       NULL);
	mx_put(o, "compress", p && p->comp_alg[0] ? mx_comp_obj(p) : NULL);
	return o;
}

/* The effective config: every key, defaults filled in. */
static struct json_object *mx_conf_obj(const struct mx_conf *c)
{
	struct json_object *o = json_object_new_object();
	struct json_object *peers = json_object_new_array();
	int i;

	if (!o || !peers) {
		json_object_put(o);
		json_object_put(peers);
		return NULL;
	}
	mx_put(o, "name", mx_json_string(c->name));
	mx_put(o, "node_id", json_object_new_int(c->node_id));
	mx_put(o, "role", json_object_new_string(mx_role_name(c->role)));
	mx_put(o, "data_dev", mx_json_string(c->data));
	mx_put(o, "meta_dev", mx_json_string(c->meta));
	mx_put(o, "region_bytes", mx_u64((uint64_t)c->region_sectors << 9));
	mx_put(o, "listen", mx_json_string(c->listen));
	for (i = 0; i < MX_NODES; i++) {
		struct json_object *p;

		if (!c->peers[i].present)
			continue;
		p = json_object_new_object();
		mx_put(p, "id", json_object_new_int(i));
		mx_put(p, "address", mx_json_string(c->peers[i].addr));
		mx_put(p, "mode", json_object_new_string(c->peers[i].async ?
							 "async" : "sync"));
		json_object_array_add(peers, p);
	}
	mx_put(o, "peers", peers);
	mx_put(o, "resync_rate_kib", json_object_new_int64(c->resync_rate));
	mx_put(o, "async_limit_bytes", c->async_limit ?
	       mx_u64(c->async_limit) : NULL);
	mx_put(o, "hot_set_mib", c->has_hot_set ?
	       json_object_new_int64(c->hot_set) : NULL);
	mx_put(o, "on_congestion", json_object_new_string(c->congestion_behind ?
							  "behind" : "block"));
	mx_put(o, "on_disconnect", json_object_new_string(c->disconnect_suspend ?
							  "suspend" : "continue"));
	mx_put(o, "fencing", json_object_new_string(c->fencing ? "resource" :
						    "none"));
	mx_put(o, "fence_timeout_s", c->fence_timeout ?
	       json_object_new_int64(c->fence_timeout) : NULL);
	mx_put(o, "fence_peer", c->fence_peer[0] ?
	       mx_json_string(c->fence_peer) : NULL);
	mx_put(o, "fence_peer_timeout_s", c->fence_peer_timeout ?
	       json_object_new_int64(c->fence_peer_timeout) : NULL);
	mx_put(o, "auth", c->auth[0] ? mx_json_string(c->auth) : NULL);
	mx_put(o, "data_csum", json_object_new_boolean(c->data_csum));
	mx_put(o, "compress", c->compress[0] ?
	       json_object_new_string(c->compress) : NULL);
	mx_put(o, "meta_uuid", c->meta_uuid[0] ?
	       json_object_new_string(c->meta_uuid) : NULL);
	return o;
}

static struct json_object *mx_mirror_obj(const struct mx_json_mirror *m)
{
	const struct mx_status *st = m->st;
	const struct mx_conf *c = m->conf;
	struct json_object *o, *peers, *err = NULL;
	const char *data, *meta;
	uint32_t region = 0;
	int i;

	o = json_object_new_object();
	peers = json_object_new_array();
	if (!o || !peers) {
		json_object_put(o);
		json_object_put(peers);
		return NULL;
	}
	if (m->err_code) {
		err = json_object_new_object();
		mx_put(err, "code", json_object_new_int(m->err_code));
		mx_put(err, "message", mx_json_string(m->err_msg ?
						      m->err_msg : ""));
	}
	data = c ? c->data : m->table_data;
	meta = c ? c->meta : m->table_meta;
	if (st)
		region = st->region_sectors;
	else if (c)
		region = c->region_sectors;
	mx_put(o, "schema_version",
	       json_object_new_int(MX_JSON_SCHEMA_VERSION));
	mx_put(o, "name", mx_json_string(m->name));
	mx_put(o, "error", err);
	mx_put(o, "configured", json_object_new_boolean(!!c));
	mx_put(o, "active", json_object_new_boolean(m->active));
	mx_put(o, "suspended", m->active ?
	       json_object_new_boolean(m->suspended) : NULL);
	mx_put(o, "open_count", m->active ?
	       json_object_new_int(m->open_count) : NULL);
	mx_put(o, "role", m->active ?
	       json_object_new_string(mx_role_name(m->role)) : NULL);
	mx_put(o, "configured_role", c ?
	       json_object_new_string(mx_role_name(c->role)) : NULL);
	mx_put(o, "node_id", c ? json_object_new_int(c->node_id) : NULL);
	mx_put(o, "data_dev", data && *data ? mx_json_string(data) : NULL);
	mx_put(o, "meta_dev", meta && *meta ? mx_json_string(meta) : NULL);
	mx_put(o, "data_state", st ? mx_json_string(st->data_state) : NULL);
	mx_put(o, "size_bytes", st ? mx_u64(st->size_bytes) : NULL);
	mx_put(o, "region_sectors", region ? mx_u64(region) : NULL);
	mx_put(o, "region_bytes", region ? mx_u64((uint64_t)region << 9) :
	       NULL);
	mx_put(o, "dirty_regions", st ? mx_u64(st->dirty) : NULL);
	mx_put(o, "total_regions", st ? mx_u64(st->total) : NULL);
	/* Running: the kernel's peers; stopped: the config's. */
	if (st) {
		for (i = 0; i < (int)st->nr_peers; i++)
			json_object_array_add(peers,
					      mx_peer_obj(m, st->peers[i].id,
							  &st->peers[i]));
	} else if (c && !m->err_code) {
		for (i = 0; i < MX_NODES; i++)
			if (c->peers[i].present)
				json_object_array_add(peers,
						      mx_peer_obj(m, i, NULL));
	}
	mx_put(o, "peers", peers);
	mx_put(o, "config", c ? mx_conf_obj(c) : NULL);
	return o;
}

struct json_object *mx_json_array(void)
{
	return json_object_new_array();
}

int mx_json_add(struct json_object *arr, const struct mx_json_mirror *m)
{
	struct json_object *o = mx_mirror_obj(m);

	if (!o || json_object_array_add(arr, o)) {
		json_object_put(o);
		return mx_fail("out of memory");
	}
	return 0;
}

void mx_json_emit(FILE *f, struct json_object *arr)
{
	fprintf(f, "%s\n",
		json_object_to_json_string_ext(arr, JSON_C_TO_STRING_PLAIN |
					       JSON_C_TO_STRING_NOSLASHESCAPE));
	fflush(f);
	json_object_put(arr);
}
