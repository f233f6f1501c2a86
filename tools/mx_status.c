// SPDX-License-Identifier: GPL-2.0
/*
 * Status line parsing and presentation (see mx_status.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "mx_status.h"
#include "mx_util.h"

#define MX_MAX_TOKENS	(5 + 2 * MX_PEER_FIELDS * MX_MAX_PEERS)

static int mx_split(char *s, char **tok, int max)
{
	int n = 0;
	char *save, *t;

	for (t = strtok_r(s, " \t\n", &save); t;
	     t = strtok_r(NULL, " \t\n", &save)) {
		if (n == max)
			return -1;
		tok[n++] = t;
	}
	return n;
}

/* "<a>/<b>" */
static int mx_parse_pair(const char *s, uint64_t *a, uint64_t *b)
{
	char buf[48];
	const char *slash = strchr(s, '/');
	size_t n;

	if (!slash)
		return -1;
	n = slash - s;
	if (n >= sizeof(buf))
		return -1;
	memcpy(buf, s, n);
	buf[n] = '\0';
	if (mx_parse_u64(buf, a) || mx_parse_u64(slash + 1, b))
		return -1;
	return 0;
}

/* A state word: letters, digits and '-' only, short. */
static int mx_word(const char *s, char *out)
{
	size_t n = strlen(s), i;

	if (!n || n >= MX_STATE_LEN)
		return -1;
	for (i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		      (s[i] >= 'A' && s[i] <= 'Z') ||
		      (s[i] >= '0' && s[i] <= '9') || s[i] == '-'))
			return -1;
	memcpy(out, s, n + 1);
	return 0;
}

int mx_status_parse(const char *line, struct mx_status *st)
{
	char *copy, *tok[MX_MAX_TOKENS];
	uint64_t v;
	int n, i, j, k, r = -1;

	memset(st, 0, sizeof(*st));
	copy = strdup(line);
	if (!copy)
		return mx_fail("out of memory");
	n = mx_split(copy, tok, MX_MAX_TOKENS);
	if (n < 5)
		goto bad;
	if (!strcmp(tok[0], "source"))
		st->role = MX_ROLE_SOURCE;
	else if (!strcmp(tok[0], "target"))
		st->role = MX_ROLE_TARGET;
	else
		goto bad;
	if (mx_word(tok[1], st->data_state))
		goto bad;
	if (mx_parse_u64(tok[2], &v) || !v || v > (1U << 21))
		goto bad;
	st->region_sectors = v;
	if (mx_parse_pair(tok[3], &st->dirty, &st->total))
		goto bad;
	if (mx_parse_u64(tok[4], &v) || v > MX_MAX_PEERS)
		goto bad;
	st->nr_peers = v;
	/* Fields a later version appends to each group are skipped. */
	k = st->nr_peers ? (n - 5) / (int)st->nr_peers : 0;
	if (st->nr_peers ? (k < MX_PEER_FIELDS ||
			    (n - 5) % (int)st->nr_peers) : n != 5)
		goto bad;
	for (i = 0; i < (int)st->nr_peers; i++) {
		struct mx_peer_status *p = &st->peers[i];
		char **t = tok + 5 + k * i;

		if (!strcmp(t[0], "-")) {
			p->id = -1;
		} else {
			if (mx_parse_u64(t[0], &v) || v >= MX_NODES)
				goto bad;
			p->id = v;
		}
		if (mx_word(t[1], p->conn) || mx_word(t[2], p->repl) ||
		    mx_word(t[3], p->mode) || mx_parse_u64(t[4], &p->oos) ||
		    mx_parse_pair(t[5], &p->done, &p->todo) ||
		    mx_parse_u64(t[6], &p->queue) ||
		    mx_parse_u64(t[7], &p->queue_writes) ||
		    mx_parse_u64(t[8], &p->lag_ms))
			goto bad;
		/* Optional fields: a fencing word, a compress a:b:c:d. */
		for (j = MX_PEER_FIELDS; j < k && j < MX_PEER_FIELDS + 2; j++) {
			if (strchr(t[j], ':')) {
				if (p->comp_alg[0] || mx_parse_comp(t[j], p))
					goto bad;
			} else if (p->fence[0] || p->comp_alg[0] ||
				   mx_word(t[j], p->fence)) {
				goto bad;
			}
		}
		p->speed = -1;
		p->eta = -1;
	}
	r = 0;
bad:
	free(copy);
	if (r)
		mx_fail("unexpected dm-mirrorx status line '%s' (module and mirrorctl versions differ?)",
			line);
	return r;
}

int mx_parse_comp(const char *s, struct mx_peer_status *p)
{
	char buf[96], *part[4], *save = NULL;
	int n = 0;

	if (strlen(s) >= sizeof(buf))
		return -1;
	strcpy(buf, s);
	for (part[n] = strtok_r(buf, ":", &save); part[n] && n < 4;
	     part[n] = strtok_r(NULL, ":", &save))
		if (++n == 4)
			break;
	if (n != 4 || strtok_r(NULL, ":", &save) ||
	    mx_word(part[0], p->comp_alg) || mx_word(part[1], p->comp_state) ||
	    mx_parse_u64(part[2], &p->comp_raw) ||
	    mx_parse_u64(part[3], &p->comp_wire)) {
		p->comp_alg[0] = '\0';
		return -1;
	}
	return 0;
}

double mx_comp_ratio(const struct mx_peer_status *p)
{
	return p->comp_wire ? (double)p->comp_raw / (double)p->comp_wire : 1.0;
}

/* The stats message's keys, and where each goes. */
static uint64_t *mx_stats_field(struct mx_peer_status *p, const char *key)
{
	if (!strcmp(key, "resync_regions"))
		return &p->rs_regions;
	if (!strcmp(key, "compared_bytes"))
		return &p->rs_compared;
	if (!strcmp(key, "sent_bytes"))
		return &p->rs_sent;
	if (!strcmp(key, "zero_bytes"))
		return &p->rs_zeroes;
	return NULL;
}

static int mx_stats_line(char *line, struct mx_status *st)
{
	char *tok[64];
	uint64_t id, v, *f;
	int n, i;

	n = mx_split(line, tok, 64);
	if (n == 0)
		return 0;
	if (n < 0 || n % 2 || strcmp(tok[0], "peer") ||
	    mx_parse_u64(tok[1], &id) || id >= MX_NODES)
		return -1;
	i = mx_status_peer_index(st, (int)id);
	for (n -= 2; n > 0; n -= 2) {
		if (mx_parse_u64(tok[n + 1], &v))
			return -1;
		f = i < 0 ? NULL : mx_stats_field(&st->peers[i], tok[n]);
		if (f)
			*f = v;
	}
	if (i >= 0)
		st->peers[i].has_stats = true;
	return 0;
}

int mx_stats_parse(const char *text, struct mx_status *st)
{
	char *copy, *line, *save;
	int r = 0;

	copy = strdup(text);
	if (!copy)
		return mx_fail("out of memory");
	for (line = strtok_r(copy, "\n", &save); line && !r;
	     line = strtok_r(NULL, "\n", &save))
		r = mx_stats_line(line, st);
	free(copy);
	if (r)
		return mx_fail("unexpected dm-mirrorx stats result '%s' (module and mirrorctl versions differ?)",
			       text);
	return 0;
}

uint64_t mx_status_bytes(const struct mx_status *st, uint64_t regions)
{
	uint64_t b = regions * ((uint64_t)st->region_sectors << 9);

	if (st->size_bytes && b > st->size_bytes)
		b = st->size_bytes;
	return b;
}

bool mx_peer_copying(const struct mx_peer_status *p)
{
	return !strcmp(p->repl, "Resyncing") || !strcmp(p->repl, "Behind") ||
	       !strcmp(p->repl, "Verifying");
}

void mx_status_rates(struct mx_status *now, const struct mx_status *before,
		     double dt)
{
	uint32_t i;
	int j;

	for (i = 0; i < now->nr_peers; i++) {
		struct mx_peer_status *p = &now->peers[i];
		const struct mx_peer_status *q;

		p->speed = -1;
		p->eta = -1;
		if (!mx_peer_copying(p) && strcmp(p->repl, "Paused"))
			continue;
		if (!strcmp(p->repl, "Paused")) {
			p->speed = 0;
			continue;
		}
		j = mx_status_peer_index(before, p->id);
		if (j < 0 || dt <= 0)
			continue;
		q = &before->peers[j];
		if (q->todo != p->todo || q->done > p->done)
			continue;	/* a new pass started between samples */
		p->speed = (double)(p->done - q->done) *
			   ((uint64_t)now->region_sectors << 9) / dt;
		if (p->speed > 0 && p->todo >= p->done)
			p->eta = (double)mx_status_bytes(now, p->todo - p->done) /
				 p->speed;
	}
}

double mx_peer_resync_percent(const struct mx_peer_status *p)
{
	/* Idle, Connecting, refused...: the last pass's figure is stale. */
	if (!mx_peer_copying(p) && strcmp(p->repl, "Paused"))
		return !strcmp(p->repl, "InSync") ? 100.0 : -1;
	if (p->todo)
		return 100.0 * (double)p->done / (double)p->todo;
	if (!strcmp(p->repl, "InSync"))
		return 100.0;
	return -1;
}

bool mx_peer_in_sync(const struct mx_peer_status *p)
{
	return !strcmp(p->conn, "Connected") && !strcmp(p->repl, "InSync");
}

bool mx_peer_done(const struct mx_peer_status *p)
{
	return mx_peer_in_sync(p) && !p->queue;
}

bool mx_status_all_in_sync(const struct mx_status *st)
{
	uint32_t i;

	if (!st->nr_peers)
		return false;
	if (st->role == MX_ROLE_TARGET && strcmp(st->data_state, "Consistent"))
		return false;
	/* An async peer is in sync once its queue is drained too. */
	for (i = 0; i < st->nr_peers; i++)
		if (!mx_peer_done(&st->peers[i]))
			return false;
	return true;
}

#define MX_BAR_MAX	30
#define MX_BAR_MIN	10

void mx_progress_line(const char *name, const struct mx_status *st,
		      const struct mx_peer_status *p, unsigned int width,
		      char *buf, size_t len)
{
	char who[16], tail[160], bar[MX_BAR_MAX + 3], b1[32], b2[32];
	double pct = mx_peer_resync_percent(p);
	size_t room, head;
	int fill;

	if (p->id < 0)
		snprintf(who, sizeof(who), "source");
	else
		snprintf(who, sizeof(who), "peer %d", p->id);
	bar[0] = '\0';
	if (mx_peer_copying(p) || !strcmp(p->repl, "Paused")) {
		snprintf(tail, sizeof(tail), "%5.1f%% %s%s ETA %s",
			 pct < 0 ? 0 : pct, p->speed < 0 ? "-" :
			 mx_fmt_bytes((uint64_t)p->speed, b1, sizeof(b1)),
			 p->speed < 0 ? "" : "/s",
			 mx_fmt_duration(p->eta, b2, sizeof(b2)));
	} else if (mx_peer_in_sync(p)) {
		snprintf(tail, sizeof(tail),
			 "async queue %s to drain (%llu writes, lag %llu ms)",
			 mx_fmt_bytes(p->queue, b1, sizeof(b1)),
			 (unsigned long long)p->queue_writes,
			 (unsigned long long)p->lag_ms);
	} else if (st->role == MX_ROLE_TARGET) {
		snprintf(tail, sizeof(tail), "data %s", st->data_state);
	} else {
		snprintf(tail, sizeof(tail), "%s out of sync",
			 mx_fmt_bytes(mx_status_bytes(st, p->oos), b1,
				      sizeof(b1)));
	}
	snprintf(buf, len, "%s: %s %s/%s ", name, who, p->conn, p->repl);
	head = strlen(buf);
	/* The bar gets what is left of the width, within bounds. */
	room = width > head + strlen(tail) + 1 ?
	       width - head - strlen(tail) - 1 : 0;
	if ((mx_peer_copying(p) || !strcmp(p->repl, "Paused")) &&
	    room >= MX_BAR_MIN + 3) {
		room = room - 3 > MX_BAR_MAX ? MX_BAR_MAX : room - 3;
		fill = pct < 0 ? 0 : (int)(pct * room / 100);
		bar[0] = '[';
		memset(bar + 1, '#', fill);
		memset(bar + 1 + fill, '-', room - fill);
		bar[room + 1] = ']';
		bar[room + 2] = '\0';
	}
	snprintf(buf + head, len > head ? len - head : 0, "%s%s%s", bar,
		 bar[0] ? " " : "", tail);
	if (width && strlen(buf) > width - 1)
		buf[width - 1] = '\0';
}

int mx_status_peer_index(const struct mx_status *st, int id)
{
	uint32_t i;

	for (i = 0; i < st->nr_peers; i++)
		if (st->peers[i].id == id)
			return i;
	return -1;
}

/* What a compress state means, for people. */
static const char *mx_comp_state_text(const char *st)
{
	if (!strcmp(st, "on"))
		return "on";
	if (!strcmp(st, "off"))
		return "not negotiated (not connected)";
	if (!strcmp(st, "refused-peer"))
		return "refused: the target does not offer it (its config lacks the same compress setting, or its kernel the algorithm): sending uncompressed";
	if (!strcmp(st, "refused-version"))
		return "refused: the peer's module is older: uncompressed";
	if (!strcmp(st, "refused-kernel"))
		return "refused: this kernel lacks the algorithm (its crypto module): uncompressed";
	return st;
}

static void mx_comp_human(FILE *f, const struct mx_peer_status *p)
{
	char b1[32], b2[32];

	fprintf(f, "       compress: %s %s, %s of data as %s on the wire (ratio %.2f)\n",
		p->comp_alg, mx_comp_state_text(p->comp_state),
		mx_fmt_bytes(p->comp_raw, b1, sizeof(b1)),
		mx_fmt_bytes(p->comp_wire, b2, sizeof(b2)), mx_comp_ratio(p));
}

/* The counters of the current or last resync, under the peer's row. */
static void mx_print_resync_stats(FILE *f, const struct mx_peer_status *p)
{
	char b1[32], b2[32], b3[32];

	fprintf(f, "       resync: %llu regions, %s compared, %s sent, %s as zeroes\n",
		(unsigned long long)p->rs_regions,
		mx_fmt_bytes(p->rs_compared, b1, sizeof(b1)),
		mx_fmt_bytes(p->rs_sent, b2, sizeof(b2)),
		mx_fmt_bytes(p->rs_zeroes, b3, sizeof(b3)));
}

void mx_status_human(FILE *f, const char *name, const struct mx_status *st,
		     const struct mx_conf *c, int open_count, bool suspended)
{
	char b1[32], b2[32], b3[48], b4[32], b5[32], pct[16], id[16];
	const char *addr;
	uint32_t i;

	fprintf(f, "%s: %s, %s, %s, region %s, %llu of %llu regions dirty, %s, open %d\n",
		name, mx_role_name(st->role), st->data_state,
		mx_fmt_bytes(st->size_bytes, b1, sizeof(b1)),
		mx_fmt_bytes((uint64_t)st->region_sectors << 9, b2, sizeof(b2)),
		(unsigned long long)st->dirty, (unsigned long long)st->total,
		suspended ? "SUSPENDED" : "running", open_count);
	fprintf(f, "  %-4s %-21s %-11s %-11s %-5s %-12s %-7s %-12s %-8s %-10s %s\n",
		"PEER", "ADDRESS", "CONN", "REPL", "MODE", "OUT-OF-SYNC",
		"RESYNC", "SPEED", "ETA", "QUEUE", "LAG");
	for (i = 0; i < st->nr_peers; i++) {
		const struct mx_peer_status *p = &st->peers[i];
		double r = mx_peer_resync_percent(p);

		if (p->id < 0)
			snprintf(id, sizeof(id), "-");
		else
			snprintf(id, sizeof(id), "%d", p->id);
		if (r < 0)
			snprintf(pct, sizeof(pct), "-");
		else
			snprintf(pct, sizeof(pct), "%.1f%%", r);
		if (p->speed < 0)
			snprintf(b3, sizeof(b3), "-");
		else
			snprintf(b3, sizeof(b3), "%s/s",
				 mx_fmt_bytes((uint64_t)p->speed, b4,
					      sizeof(b4)));
		addr = "-";
		if (c && p->id >= 0 && p->id < MX_NODES &&
		    c->peers[p->id].present)
			addr = c->peers[p->id].addr;
		fprintf(f, "  %-4s %-21s %-11s %-11s %-5s %-12s %-7s %-12s %-8s %-10s %llu ms\n",
			id, addr, p->conn, p->repl, p->mode,
			mx_fmt_bytes(mx_status_bytes(st, p->oos), b1,
				     sizeof(b1)),
			pct, b3, mx_fmt_duration(p->eta, b2, sizeof(b2)),
			mx_fmt_bytes(p->queue, b5, sizeof(b5)),
			(unsigned long long)p->lag_ms);
		if (p->comp_alg[0])
			mx_comp_human(f, p);
		if (p->has_stats && (p->rs_regions || p->rs_compared ||
				     p->rs_sent || p->rs_zeroes))
			mx_print_resync_stats(f, p);
		if (p->fence[0] && strcmp(p->fence, "-"))
			fprintf(f, "       fencing: %s%s\n", p->fence,
				!strcmp(p->fence, "PeerOutdated") ? "" :
				" (writes held: outdate the peer, then mirrorctl peer-outdated)");
	}
}
