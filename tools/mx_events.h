/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mirrorctl events: what a mirror looks like to an observer (role, data
 * state, suspension, each peer's connection and replication state), and
 * the events between two such snapshots, in the spirit of drbdsetup
 * events2. Pure: mx_cmd_events.c takes the snapshots (woken by
 * device-mapper's event wait) and prints what this returns.
 *
 * Event kinds and objects, in the order a diff emits them:
 *
 *   create|exists|change|destroy mirror  name, role, data, suspended
 *   create|exists|change|destroy peer    name, peer, conn, repl, fencing
 *                                        (fencing resource only)
 *   resync-start peer                    name, peer, repl, regions
 *   resync-end peer                      name, peer, result (done when
 *                                        the peer ended InSync, else
 *                                        the replication state it left for)
 *
 * A copy that began and ended between two snapshots (its done/todo
 * changed and finished, the peer not copying before and InSync after)
 * still gives its resync-start and resync-end.
 *   refused peer                         name, peer (the peer's
 *                                        replication state became Refused:
 *                                        split brain, newer data, mismatch)
 *
 * "exists" is the --now listing; "change" carries only the keys that
 * changed.
 */
#ifndef MX_EVENTS_H
#define MX_EVENTS_H

#include <stdbool.h>
#include <stdint.h>
#include "mx_status.h"

struct mx_ev_peer {
	int id;
	char conn[MX_STATE_LEN];
	char repl[MX_STATE_LEN];
	char fence[MX_STATE_LEN];	/* "" without fencing resource */
	uint64_t done, todo;		/* regions of the current or last copy */
};

/* One mirror as events see it; !exists: no dm device of that name. */
struct mx_ev_mirror {
	bool exists;
	char role[MX_STATE_LEN];	/* source, target */
	char data[MX_STATE_LEN];	/* UpToDate, Consistent, ... */
	bool suspended;
	uint32_t nr_peers;
	struct mx_ev_peer peers[MX_MAX_PEERS];
};

/* The most keys an event has (name, peer and four more). */
#define MX_EV_MAX_KEYS	8

struct mx_event {
	const char *kind;		/* create, exists, change, ... */
	const char *object;		/* mirror, peer */
	const char *name;
	int peer;			/* -1: a mirror event */
	unsigned int nr_keys;
	const char *keys[MX_EV_MAX_KEYS];	/* after name and peer */
	char vals[MX_EV_MAX_KEYS][MX_STATE_LEN];
};

/* A snapshot from a parsed status line and device-mapper's suspension. */
void mx_ev_from_status(struct mx_ev_mirror *ev, const struct mx_status *st,
		       bool suspended);

/*
 * Call @emit for each event from @old to @new of mirror @name (@old may
 * be a !exists snapshot: the mirror appeared). @now: list @new as
 * "exists" events instead. Returns how many were emitted.
 */
unsigned int mx_ev_diff(const char *name, const struct mx_ev_mirror *old,
			const struct mx_ev_mirror *new, bool now,
			void (*emit)(const struct mx_event *e, void *arg),
			void *arg);

/* "change peer name:mx peer:1 conn:Connected" (no newline). */
void mx_ev_format(const struct mx_event *e, char *buf, size_t len);

#endif /* MX_EVENTS_H */
