// SPDX-License-Identifier: GPL-2.0
/*
 * OpenMetrics text of mirrors (see mx_metrics.h; the metric list is in
 * Documentation/mirrorctl.8, METRICS). A family's samples stand together
 * after its TYPE and HELP lines, as the format requires.
 */
#include <string.h>
#include "mx_metrics.h"
#include "mx_util.h"

enum mx_fam_kind { MX_FAM_MIRROR, MX_FAM_PEER };

struct mx_family {
	const char *name;
	const char *help;
	enum mx_fam_kind kind;
	/* Print the samples of one mirror (@p: one of its peers). */
	void (*emit)(FILE *f, const char *lbl, const struct mx_status *st,
		     const struct mx_peer_status *p);
};

static void mx_sample(FILE *f, const char *name, const char *lbl,
		      const char *extra, double v)
{
	fprintf(f, "%s{%s%s} %.17g\n", name, lbl, extra ? extra : "", v);
}

static void mx_f_up(FILE *f, const char *lbl, const struct mx_status *st,
		    const struct mx_peer_status *p)
{
	(void)p;
	mx_sample(f, "mirrorx_mirror_up", lbl, NULL, st ? 1 : 0);
}

static void mx_f_role(FILE *f, const char *lbl, const struct mx_status *st,
		      const struct mx_peer_status *p)
{
	char extra[64];

	(void)p;
	if (!st)
		return;
	snprintf(extra, sizeof(extra), ",role=\"%s\"", mx_role_name(st->role));
	mx_sample(f, "mirrorx_mirror_role", lbl, extra, 1);
}

static void mx_f_data(FILE *f, const char *lbl, const struct mx_status *st,
		      const struct mx_peer_status *p)
{
	char extra[64];

	(void)p;
	if (!st)
		return;
	snprintf(extra, sizeof(extra), ",state=\"%s\"", st->data_state);
	mx_sample(f, "mirrorx_mirror_data_state", lbl, extra, 1);
}

static void mx_f_size(FILE *f, const char *lbl, const struct mx_status *st,
		      const struct mx_peer_status *p)
{
	(void)p;
	if (st)
		mx_sample(f, "mirrorx_mirror_size_bytes", lbl, NULL,
			  (double)st->size_bytes);
}

static void mx_f_dirty(FILE *f, const char *lbl, const struct mx_status *st,
		       const struct mx_peer_status *p)
{
	(void)p;
	if (st)
		mx_sample(f, "mirrorx_mirror_dirty_bytes", lbl, NULL,
			  (double)mx_status_bytes(st, st->dirty));
}

static void mx_f_conn(FILE *f, const char *lbl, const struct mx_status *st,
		      const struct mx_peer_status *p)
{
	(void)st;
	mx_sample(f, "mirrorx_peer_connected", lbl, NULL,
		  !strcmp(p->conn, "Connected"));
}

static void mx_f_state(FILE *f, const char *lbl, const struct mx_status *st,
		       const struct mx_peer_status *p)
{
	char extra[96];

	(void)st;
	snprintf(extra, sizeof(extra), ",conn=\"%s\",repl=\"%s\"", p->conn,
		 p->repl);
	mx_sample(f, "mirrorx_peer_state", lbl, extra, 1);
}

static void mx_f_oos(FILE *f, const char *lbl, const struct mx_status *st,
		     const struct mx_peer_status *p)
{
	mx_sample(f, "mirrorx_peer_out_of_sync_bytes", lbl, NULL,
		  (double)mx_status_bytes(st, p->oos));
}

static void mx_f_progress(FILE *f, const char *lbl,
			  const struct mx_status *st,
			  const struct mx_peer_status *p)
{
	double pct = mx_peer_resync_percent(p);

	(void)st;
	if (pct >= 0)
		mx_sample(f, "mirrorx_peer_resync_progress_ratio", lbl, NULL,
			  pct / 100);
}

static void mx_f_speed(FILE *f, const char *lbl, const struct mx_status *st,
		       const struct mx_peer_status *p)
{
	(void)st;
	if (p->speed >= 0)
		mx_sample(f, "mirrorx_peer_resync_speed_bytes_per_second", lbl,
			  NULL, p->speed);
}

static void mx_f_queue(FILE *f, const char *lbl, const struct mx_status *st,
		       const struct mx_peer_status *p)
{
	(void)st;
	mx_sample(f, "mirrorx_peer_async_queue_bytes", lbl, NULL,
		  (double)p->queue);
}

static void mx_f_lag(FILE *f, const char *lbl, const struct mx_status *st,
		     const struct mx_peer_status *p)
{
	(void)st;
	mx_sample(f, "mirrorx_peer_async_lag_seconds", lbl, NULL,
		  (double)p->lag_ms / 1000);
}

static void mx_f_rs_sent(FILE *f, const char *lbl,
			 const struct mx_status *st,
			 const struct mx_peer_status *p)
{
	(void)st;
	if (p->has_stats)
		mx_sample(f, "mirrorx_peer_resync_sent_bytes", lbl, NULL,
			  (double)p->rs_sent);
}

static void mx_f_rs_compared(FILE *f, const char *lbl,
			     const struct mx_status *st,
			     const struct mx_peer_status *p)
{
	(void)st;
	if (p->has_stats)
		mx_sample(f, "mirrorx_peer_resync_compared_bytes", lbl, NULL,
			  (double)p->rs_compared);
}

static const struct mx_family mx_families[] = {
	{ "mirrorx_mirror_up", "1 when the mirror's device runs, 0 when only configured",
	  MX_FAM_MIRROR, mx_f_up },
	{ "mirrorx_mirror_role", "this node's role (label role), 1",
	  MX_FAM_MIRROR, mx_f_role },
	{ "mirrorx_mirror_data_state", "this node's data state (label state), 1",
	  MX_FAM_MIRROR, mx_f_data },
	{ "mirrorx_mirror_size_bytes", "size of the mirror device",
	  MX_FAM_MIRROR, mx_f_size },
	{ "mirrorx_mirror_dirty_bytes", "regions the intent log marks, in bytes",
	  MX_FAM_MIRROR, mx_f_dirty },
	{ "mirrorx_peer_connected", "1 when the peer is Connected",
	  MX_FAM_PEER, mx_f_conn },
	{ "mirrorx_peer_state", "connection and replication state (labels conn, repl), 1",
	  MX_FAM_PEER, mx_f_state },
	{ "mirrorx_peer_out_of_sync_bytes", "data that differs from the peer",
	  MX_FAM_PEER, mx_f_oos },
	{ "mirrorx_peer_resync_progress_ratio", "progress of the running resync, 0 to 1",
	  MX_FAM_PEER, mx_f_progress },
	{ "mirrorx_peer_resync_speed_bytes_per_second", "resync speed (from two samples)",
	  MX_FAM_PEER, mx_f_speed },
	{ "mirrorx_peer_resync_sent_bytes", "data the current or last resync sent (not counting write-zeroes)",
	  MX_FAM_PEER, mx_f_rs_sent },
	{ "mirrorx_peer_resync_compared_bytes", "data the current or last resync compared by checksum",
	  MX_FAM_PEER, mx_f_rs_compared },
	{ "mirrorx_peer_async_queue_bytes", "writes queued for an async peer",
	  MX_FAM_PEER, mx_f_queue },
	{ "mirrorx_peer_async_lag_seconds", "age of the oldest queued write",
	  MX_FAM_PEER, mx_f_lag },
};

void mx_metrics_write(FILE *f, const struct mx_metrics_mirror *m, size_t n)
{
	const struct mx_family *fam;
	char lbl[160];
	size_t i, k;
	uint32_t j;

	for (k = 0; k < ARRAY_SIZE(mx_families); k++) {
		fam = &mx_families[k];
		fprintf(f, "# TYPE %s gauge\n# HELP %s %s.\n", fam->name,
			fam->name, fam->help);
		for (i = 0; i < n; i++) {
			const struct mx_status *st = m[i].st;

			/* Names are [A-Za-z0-9_.+-]: nothing to escape. */
			snprintf(lbl, sizeof(lbl), "mirror=\"%s\"", m[i].name);
			if (fam->kind == MX_FAM_MIRROR) {
				fam->emit(f, lbl, st, NULL);
				continue;
			}
			for (j = 0; st && j < st->nr_peers; j++) {
				const struct mx_peer_status *p = &st->peers[j];

				if (p->id < 0)
					snprintf(lbl, sizeof(lbl),
						 "mirror=\"%s\",peer=\"none\"",
						 m[i].name);
				else
					snprintf(lbl, sizeof(lbl),
						 "mirror=\"%s\",peer=\"%d\"",
						 m[i].name, p->id);
				fam->emit(f, lbl, st, p);
			}
		}
	}
	fputs("# EOF\n", f);
}
