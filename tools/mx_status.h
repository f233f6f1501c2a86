/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The dm-mirrorx status line (Documentation/dm-mirrorx.rst, Status):
 *
 *   <role> <data_state> <region_sectors> <dirty>/<total> <#peers>
 *       {<peer_id> <conn> <repl> <mode> <oos> <done>/<todo>
 *        <queue_bytes> <queue_writes> <lag_ms> [<fencing>] [<compress>]}...
 *
 * (<fencing> only on a source whose table says fencing resource,
 * <compress> "<alg>:<state>:<data bytes>:<wire bytes>" only with the
 * compress option)
 *
 * parsed strictly, with what mirrorctl derives from it: sizes in bytes,
 * resync progress, and speed and ETA from two samples.
 */
#ifndef MX_STATUS_H
#define MX_STATUS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include "mx_conf.h"

#define MX_STATE_LEN	24
#define MX_MAX_PEERS	7
#define MX_PEER_FIELDS	9	/* per peer; later versions may append */

struct mx_peer_status {
	int id;				/* -1: "-" (target, no source) */
	char conn[MX_STATE_LEN];
	char repl[MX_STATE_LEN];
	char mode[MX_STATE_LEN];	/* sync, async, "-" */
	uint64_t oos;			/* regions */
	uint64_t done, todo;		/* regions, current or last resync */
	uint64_t queue;			/* bytes (async) */
	uint64_t queue_writes;		/* writes in the queue */
	uint64_t lag_ms;		/* age of the oldest queued write */
	char fence[MX_STATE_LEN];	/* fencing state, "" without fencing */
	/*
	 * Link compression (the compress field, "" without the option):
	 * algorithm, state ("on", "off", "refused-peer"...), data bytes
	 * sent (a target: received) and their bytes on the wire.
	 */
	char comp_alg[MX_STATE_LEN];
	char comp_state[MX_STATE_LEN];
	uint64_t comp_raw, comp_wire;
	/* From the stats message (a source only): current or last resync. */
	bool has_stats;
	uint64_t rs_regions;		/* regions copied or compared */
	uint64_t rs_compared;		/* bytes compared by checksum */
	uint64_t rs_sent;		/* bytes of data sent */
	uint64_t rs_zeroes;		/* bytes sent as write-zeroes */
	double speed;			/* resync bytes/s, < 0: unknown */
	double eta;			/* seconds, < 0: unknown */
};

struct mx_status {
	enum mx_role role;
	char data_state[MX_STATE_LEN];
	uint32_t region_sectors;
	uint64_t dirty, total;		/* regions */
	uint64_t size_bytes;		/* mirror size (from the table) */
	uint32_t nr_peers;
	struct mx_peer_status peers[MX_MAX_PEERS];
};

/* Parse a status line; speed and eta unknown. */
int mx_status_parse(const char *line, struct mx_status *st);

/*
 * Parse the result of the stats message into @st's peers (matched by id):
 * one line per peer, "peer <id>" then "<key> <value>" pairs; keys a later
 * version adds are skipped, a line of an unknown peer too.
 */
int mx_stats_parse(const char *text, struct mx_status *st);
/* Regions to bytes, at most the mirror size when it is known. */
uint64_t mx_status_bytes(const struct mx_status *st, uint64_t regions);

/*
 * Fill speed and ETA of @now's resyncing peers from @before, taken @dt
 * seconds earlier (same peers, same resync pass).
 */
void mx_status_rates(struct mx_status *now, const struct mx_status *before,
		     double dt);

/*
 * Progress of the current resync in percent (100 when InSync), < 0 when
 * none runs or is paused.
 */
double mx_peer_resync_percent(const struct mx_peer_status *p);

/* Copying regions: Resyncing, Behind (async catch-up) or Verifying. */
bool mx_peer_copying(const struct mx_peer_status *p);

/* Connected and InSync. */
bool mx_peer_in_sync(const struct mx_peer_status *p);

/*
 * Every peer in sync, async queues drained (a target: connected, InSync,
 * Consistent).
 */
bool mx_status_all_in_sync(const struct mx_status *st);

/* A peer wait-sync waits for no more: in sync, its async queue drained. */
bool mx_peer_done(const struct mx_peer_status *p);

/*
 * wait-sync's progress line of peer @p of mirror @name, at most @width - 1
 * columns (a bar when there is room): state, resync progress, speed and
 * ETA, or the async queue still to drain, or what is out of sync.
 */
void mx_progress_line(const char *name, const struct mx_status *st,
		      const struct mx_peer_status *p, unsigned int width,
		      char *buf, size_t len);

/*
 * A compress field "<alg>:<state>:<raw>:<wire>" into @p; -1 when @s is
 * not one.
 */
int mx_parse_comp(const char *s, struct mx_peer_status *p);

/* Data bytes per wire byte of @p's compression (1 when nothing sent). */
double mx_comp_ratio(const struct mx_peer_status *p);

/* Index of node @id among the peers, -1 when absent. */
int mx_status_peer_index(const struct mx_status *st, int id);

/*
 * Human-readable block: @c (may be NULL) gives the peers' addresses, the
 * device's open count and suspension come from device-mapper.
 */
void mx_status_human(FILE *f, const char *name, const struct mx_status *st,
		     const struct mx_conf *c, int open_count, bool suspended);

#endif /* MX_STATUS_H */
