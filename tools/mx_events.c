// SPDX-License-Identifier: GPL-2.0
/*
 * Events between two snapshots of a mirror (see mx_events.h).
 */
#include <stdio.h>
#include <string.h>
#include "mx_events.h"
#include "mx_util.h"

void mx_ev_from_status(struct mx_ev_mirror *ev, const struct mx_status *st,
		       bool suspended)
{
	uint32_t i;

	memset(ev, 0, sizeof(*ev));
	ev->exists = true;
	snprintf(ev->role, sizeof(ev->role), "%s", mx_role_name(st->role));
	snprintf(ev->data, sizeof(ev->data), "%s", st->data_state);
	ev->suspended = suspended;
	ev->nr_peers = st->nr_peers;
	for (i = 0; i < st->nr_peers && i < MX_MAX_PEERS; i++) {
		const struct mx_peer_status *p = &st->peers[i];

		ev->peers[i].id = p->id;
		snprintf(ev->peers[i].conn, MX_STATE_LEN, "%s", p->conn);
		snprintf(ev->peers[i].repl, MX_STATE_LEN, "%s", p->repl);
		snprintf(ev->peers[i].fence, MX_STATE_LEN, "%s", p->fence);
		ev->peers[i].done = p->done;
		ev->peers[i].todo = p->todo;
	}
}

static bool mx_ev_copying(const char *repl)
{
	return !strcmp(repl, "Resyncing") || !strcmp(repl, "Behind") ||
	       !strcmp(repl, "Verifying");
}

static bool mx_ev_refusal(const char *repl)
{
	return !strcmp(repl, "SplitBrain") || !strcmp(repl, "TargetNewer") ||
	       !strcmp(repl, "Refused");
}

struct mx_ev_ctx {
	const char *name;
	void (*emit)(const struct mx_event *e, void *arg);
	void *arg;
	unsigned int n;
};

static void mx_ev_init(struct mx_event *e, const char *kind,
		       const char *object, const char *name, int peer)
{
	memset(e, 0, sizeof(*e));
	e->kind = kind;
	e->object = object;
	e->name = name;
	e->peer = peer;
}

static void mx_ev_key(struct mx_event *e, const char *key, const char *val)
{
	if (e->nr_keys >= MX_EV_MAX_KEYS)
		return;
	e->keys[e->nr_keys] = key;
	snprintf(e->vals[e->nr_keys], MX_STATE_LEN, "%s", val);
	e->nr_keys++;
}

static void mx_ev_send(struct mx_ev_ctx *c, const struct mx_event *e)
{
	c->emit(e, c->arg);
	c->n++;
}

static void mx_ev_mirror_keys(struct mx_event *e, const struct mx_ev_mirror *o,
			      const struct mx_ev_mirror *n)
{
	if (!o || strcmp(o->role, n->role))
		mx_ev_key(e, "role", n->role);
	if (!o || strcmp(o->data, n->data))
		mx_ev_key(e, "data", n->data);
	if (!o || o->suspended != n->suspended)
		mx_ev_key(e, "suspended", n->suspended ? "yes" : "no");
}

/*
 * Peer @id of @m. A target has one peer, its source, named "-" until one
 * connects: on a target (in @m and @other) that one slot is the same peer
 * whatever its id.
 */
static const struct mx_ev_peer *mx_ev_find(const struct mx_ev_mirror *m,
					   const struct mx_ev_mirror *other,
					   int id)
{
	uint32_t i;

	if (!m->exists)
		return NULL;
	for (i = 0; i < m->nr_peers && i < MX_MAX_PEERS; i++)
		if (m->peers[i].id == id)
			return &m->peers[i];
	if (!strcmp(m->role, "target") && !strcmp(other->role, "target") &&
	    m->nr_peers == 1 && other->nr_peers == 1)
		return &m->peers[0];
	return NULL;
}

/* Events of one peer, from @o (NULL: new) to @p. */
static void mx_ev_peer(struct mx_ev_ctx *c, const struct mx_ev_peer *o,
		       const struct mx_ev_peer *p, bool now)
{
	struct mx_event e;
	char num[MX_STATE_LEN];

	mx_ev_init(&e, now ? "exists" : o ? "change" : "create", "peer",
		   c->name, p->id);
	if (o && o->id != p->id) {
		/* A target's source: "-" until one connects. */
		if (p->id >= 0)
			snprintf(num, sizeof(num), "%d", p->id);
		else
			snprintf(num, sizeof(num), "-");
		mx_ev_key(&e, "source", num);
	}
	if (!o || strcmp(o->conn, p->conn))
		mx_ev_key(&e, "conn", p->conn);
	if (!o || strcmp(o->repl, p->repl))
		mx_ev_key(&e, "repl", p->repl);
	/* What a fence-peer handler waits for: fencing:Pending. */
	if (p->fence[0] && (!o || strcmp(o->fence, p->fence)))
		mx_ev_key(&e, "fencing", p->fence);
	if (e.nr_keys)
		mx_ev_send(c, &e);
	if (now)
		return;
	/* A whole copy between two looks: its counters moved, it finished. */
	if (o && !mx_ev_copying(o->repl) && !strcmp(p->repl, "InSync") &&
	    (o->done != p->done || o->todo != p->todo) && p->todo &&
	    p->done == p->todo) {
		mx_ev_init(&e, "resync-start", "peer", c->name, p->id);
		mx_ev_key(&e, "repl", "Resyncing");
		snprintf(num, sizeof(num), "%llu", (unsigned long long)p->todo);
		mx_ev_key(&e, "regions", num);
		mx_ev_send(c, &e);
		mx_ev_init(&e, "resync-end", "peer", c->name, p->id);
		mx_ev_key(&e, "result", "done");
		mx_ev_send(c, &e);
	}
	/* A copy ended: done when the peer is now in sync. */
	if (o && mx_ev_copying(o->repl) && strcmp(o->repl, p->repl)) {
		mx_ev_init(&e, "resync-end", "peer", c->name, p->id);
		mx_ev_key(&e, "result",
			  !strcmp(p->repl, "InSync") ? "done" : p->repl);
		mx_ev_send(c, &e);
	}
	if (mx_ev_copying(p->repl) && (!o || strcmp(o->repl, p->repl))) {
		mx_ev_init(&e, "resync-start", "peer", c->name, p->id);
		mx_ev_key(&e, "repl", p->repl);
		/* A target does not know how many (its status says 0/0). */
		if (p->todo) {
			snprintf(num, sizeof(num), "%llu",
				 (unsigned long long)p->todo);
			mx_ev_key(&e, "regions", num);
		}
		mx_ev_send(c, &e);
	}
	if (mx_ev_refusal(p->repl) && (!o || strcmp(o->repl, p->repl))) {
		mx_ev_init(&e, "refused", "peer", c->name, p->id);
		mx_ev_key(&e, "reason", p->repl);
		mx_ev_send(c, &e);
	}
}

unsigned int mx_ev_diff(const char *name, const struct mx_ev_mirror *old,
			const struct mx_ev_mirror *new, bool now,
			void (*emit)(const struct mx_event *e, void *arg),
			void *arg)
{
	struct mx_ev_ctx c = { .name = name, .emit = emit, .arg = arg };
	const struct mx_ev_mirror *o = old && old->exists && !now ? old : NULL;
	struct mx_event e;
	uint32_t i;

	if (!new->exists) {
		if (!o)
			return 0;
		for (i = 0; i < o->nr_peers && i < MX_MAX_PEERS; i++) {
			mx_ev_init(&e, "destroy", "peer", name, o->peers[i].id);
			mx_ev_send(&c, &e);
		}
		mx_ev_init(&e, "destroy", "mirror", name, -1);
		mx_ev_send(&c, &e);
		return c.n;
	}
	mx_ev_init(&e, now ? "exists" : o ? "change" : "create", "mirror",
		   name, -1);
	mx_ev_mirror_keys(&e, o, new);
	if (e.nr_keys)
		mx_ev_send(&c, &e);
	/* Peers gone (a table reload with fewer peers). */
	for (i = 0; o && i < o->nr_peers && i < MX_MAX_PEERS; i++) {
		if (mx_ev_find(new, o, o->peers[i].id))
			continue;
		mx_ev_init(&e, "destroy", "peer", name, o->peers[i].id);
		mx_ev_send(&c, &e);
	}
	for (i = 0; i < new->nr_peers && i < MX_MAX_PEERS; i++) {
		const struct mx_ev_peer *p = &new->peers[i];

		mx_ev_peer(&c, o ? mx_ev_find(o, new, p->id) : NULL, p, now);
	}
	return c.n;
}

void mx_ev_format(const struct mx_event *e, char *buf, size_t len)
{
	size_t off;
	unsigned int i;

	off = snprintf(buf, len, "%s %s name:%s", e->kind, e->object, e->name);
	if (off < len && !strcmp(e->object, "peer")) {
		/* A target's peer before any source connected: "-". */
		if (e->peer >= 0)
			off += snprintf(buf + off, len - off, " peer:%d",
					e->peer);
		else
			off += snprintf(buf + off, len - off, " peer:-");
	}
	for (i = 0; i < e->nr_keys && off < len; i++)
		off += snprintf(buf + off, len - off, " %s:%s", e->keys[i],
				e->vals[i]);
}
