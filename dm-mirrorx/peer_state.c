// SPDX-License-Identifier: GPL-2.0
/*
 * dm-mirrorx peer states: names and transition tables (pure functions, see
 * peer_state.h), in the manner of nvme_change_ctrl_state() and DRBD's
 * is_valid_conn_transition(): each row lists the states a state may be
 * left for. The tables say what the code does; a change the code makes
 * that is not in them is a bug, refused (with a warning) by
 * mx_peer_set_state_locked().
 */
#include <linux/bits.h>
#include <linux/kernel.h>
#include "meta_format.h"
#include "peer_state.h"

static const char * const mx_conn_names[MX_CS_NR] = {
	[MX_CS_STANDALONE] = "StandAlone",
	[MX_CS_CONNECTING] = "Connecting",
	[MX_CS_CONNECTED] = "Connected",
	[MX_CS_LISTENING] = "Listening",
};

static const char * const mx_repl_names[MX_RS_NR] = {
	[MX_RS_IDLE] = "Idle",
	[MX_RS_IN_SYNC] = "InSync",
	[MX_RS_RESYNCING] = "Resyncing",
	[MX_RS_PAUSED] = "Paused",
	[MX_RS_SPLIT_BRAIN] = "SplitBrain",
	[MX_RS_TARGET_NEWER] = "TargetNewer",
	[MX_RS_REFUSED] = "Refused",
	[MX_RS_BEHIND] = "Behind",
	[MX_RS_VERIFYING] = "Verifying",
};

static const char * const mx_data_names[MX_DS_NR] = {
	[MX_DS_UP_TO_DATE] = "UpToDate",
	[MX_DS_CONSISTENT] = "Consistent",
	[MX_DS_INCONSISTENT] = "Inconsistent",
	[MX_DS_FRESH] = "Fresh",
	[MX_DS_FAILED] = "Failed",
	[MX_DS_OUTDATED] = "Outdated",
};

static const char * const mx_fence_names[MX_FS_NR] = {
	[MX_FS_NONE] = "-",
	[MX_FS_PENDING] = "Pending",
	[MX_FS_FAILED] = "Failed",
	[MX_FS_OUTDATED] = "PeerOutdated",
};

const char *mx_conn_state_name(enum mx_conn_state s)
{
	return (unsigned int)s < MX_CS_NR ? mx_conn_names[s] : "?";
}

const char *mx_repl_state_name(enum mx_repl_state s)
{
	return (unsigned int)s < MX_RS_NR ? mx_repl_names[s] : "?";
}

enum mx_repl_state mx_repl_shown(enum mx_repl_state rs, bool paused)
{
	return rs == MX_RS_BEHIND && paused ? MX_RS_PAUSED : rs;
}

const char *mx_data_state_name(enum mx_data_state s)
{
	return (unsigned int)s < MX_DS_NR ? mx_data_names[s] : "?";
}

const char *mx_fence_state_name(enum mx_fence_state s)
{
	return (unsigned int)s < MX_FS_NR ? mx_fence_names[s] : "?";
}

#define CS(s)	BIT(MX_CS_##s)
#define RS(s)	BIT(MX_RS_##s)

/* Source role: the connection states each one may go to. */
static const u32 mx_conn_next[MX_CS_NR] = {
	/* connect message */
	[MX_CS_STANDALONE] = CS(CONNECTING),
	/* handshake done; disconnect message or a refusal */
	[MX_CS_CONNECTING] = CS(CONNECTED) | CS(STANDALONE),
	/* connection lost (retry), or dropped for the admin */
	[MX_CS_CONNECTED] = CS(CONNECTING) | CS(STANDALONE),
};

/* States of a live connection, and those that say why there is none. */
#define RS_LIVE		(RS(IN_SYNC) | RS(RESYNCING) | RS(PAUSED) | \
			 RS(BEHIND) | RS(VERIFYING))
#define RS_REFUSALS	(RS(SPLIT_BRAIN) | RS(TARGET_NEWER) | RS(REFUSED))

/* Source role: the replication states each one may go to. */
static const u32 mx_repl_next[MX_RS_NR] = {
	/* the handshake decided: in sync, resync (maybe paused), refused */
	[MX_RS_IDLE] = RS(IN_SYNC) | RS(RESYNCING) | RS(PAUSED) | RS_REFUSALS,
	/*
	 * A write missed (resync, maybe paused), the async queue overflowed,
	 * verify message; the connection lost.
	 */
	[MX_RS_IN_SYNC] = RS(RESYNCING) | RS(PAUSED) | RS(BEHIND) |
			  RS(VERIFYING) | RS(IDLE),
	/* finished, pause message, async queue overflowed; lost */
	[MX_RS_RESYNCING] = RS(IN_SYNC) | RS(PAUSED) | RS(BEHIND) | RS(IDLE),
	/* resume message, async queue overflowed; lost */
	[MX_RS_PAUSED] = RS(RESYNCING) | RS(BEHIND) | RS(IDLE),
	/* caught up and the queue drained; lost */
	[MX_RS_BEHIND] = RS(IN_SYNC) | RS(IDLE),
	/*
	 * verify ended; a write missed (resync, maybe paused) or the async
	 * queue overflowed: either ends the verify; lost
	 */
	[MX_RS_VERIFYING] = RS(IN_SYNC) | RS(RESYNCING) | RS(PAUSED) |
			    RS(BEHIND) | RS(IDLE),
	/*
	 * Refusals last until the connect (or "resync full") message makes
	 * the peer Idle again; a retry may be refused for another reason or,
	 * when it raced with that message, be decided.
	 */
	[MX_RS_SPLIT_BRAIN] = RS(IDLE) | RS_REFUSALS | RS(IN_SYNC) |
			      RS(RESYNCING) | RS(PAUSED),
	[MX_RS_TARGET_NEWER] = RS(IDLE) | RS_REFUSALS | RS(IN_SYNC) |
			       RS(RESYNCING) | RS(PAUSED),
	[MX_RS_REFUSED] = RS(IDLE) | RS_REFUSALS | RS(IN_SYNC) |
			  RS(RESYNCING) | RS(PAUSED),
};

/* Target role: a source connects, and goes. */
static const u32 mx_recv_next[MX_CS_NR] = {
	[MX_CS_LISTENING] = CS(CONNECTED),
	[MX_CS_CONNECTED] = CS(LISTENING),
};

static bool mx_next_valid(const u32 *next, unsigned int nr, unsigned int old,
			  unsigned int new)
{
	if (old >= nr || new >= nr)
		return false;
	return old == new || (next[old] & BIT(new));
}

bool mx_conn_transition_valid(enum mx_conn_state old, enum mx_conn_state new)
{
	/* Listening is the target's: never a source's peer state. */
	if (old == MX_CS_LISTENING || new == MX_CS_LISTENING)
		return false;
	return mx_next_valid(mx_conn_next, MX_CS_NR, old, new);
}

bool mx_repl_transition_valid(enum mx_repl_state old, enum mx_repl_state new)
{
	return mx_next_valid(mx_repl_next, MX_RS_NR, old, new);
}

bool mx_repl_refused(enum mx_repl_state rs)
{
	return (unsigned int)rs < MX_RS_NR && (RS_REFUSALS & BIT(rs));
}

bool mx_peer_state_valid(enum mx_conn_state cs, enum mx_repl_state rs)
{
	if ((unsigned int)cs >= MX_CS_NR || cs == MX_CS_LISTENING ||
	    (unsigned int)rs >= MX_RS_NR)
		return false;
	return (cs == MX_CS_CONNECTED) == !!(RS_LIVE & BIT(rs));
}

bool mx_recv_transition_valid(enum mx_conn_state old, enum mx_conn_state new)
{
	if (old != MX_CS_LISTENING && old != MX_CS_CONNECTED)
		return false;
	return mx_next_valid(mx_recv_next, MX_CS_NR, old, new);
}

enum mx_data_state mx_recv_data_state(u32 sb_flags, bool failed)
{
	if (failed)
		return MX_DS_FAILED;
	/* An outdated Fresh target lacks writes too: Outdated wins. */
	if ((sb_flags & MX_SB_FRESH) && !(sb_flags & MX_SB_OUTDATED))
		return MX_DS_FRESH;
	if (sb_flags & MX_SB_INCONSISTENT)
		return MX_DS_INCONSISTENT;
	if (sb_flags & MX_SB_OUTDATED)
		return MX_DS_OUTDATED;
	return MX_DS_CONSISTENT;
}

#define DS(s)	BIT(MX_DS_##s)

/* Target role: the data states each one may go to. */
static const u32 mx_data_next[MX_DS_NR] = {
	/* first connect: resync, or in sync (assume_clean); outdate; error */
	[MX_DS_FRESH] = DS(INCONSISTENT) | DS(CONSISTENT) | DS(OUTDATED) |
			DS(FAILED),
	/* a write missed (resync); outdate message; write error */
	[MX_DS_CONSISTENT] = DS(INCONSISTENT) | DS(OUTDATED) | DS(FAILED),
	/* resync done; write error */
	[MX_DS_INCONSISTENT] = DS(CONSISTENT) | DS(FAILED),
	/*
	 * The source reconnects: in sync (nothing missed) or a resync
	 * starts; write error.
	 */
	[MX_DS_OUTDATED] = DS(CONSISTENT) | DS(INCONSISTENT) | DS(FAILED),
	/* Failed lasts until the table is loaded again. */
};

bool mx_data_transition_valid(enum mx_data_state old, enum mx_data_state new)
{
	if (old == MX_DS_UP_TO_DATE || new == MX_DS_UP_TO_DATE)
		return false;
	return mx_next_valid(mx_data_next, MX_DS_NR, old, new);
}

/* The refusals too long for a return line, each kept whole (grep-able). */
#define MX_REFUSAL_INCONSISTENT \
	"Data is inconsistent (interrupted resync or failed write as target): refusing the source role (force_promote overrides)"
#define MX_REFUSAL_OUTDATED \
	"Data is Outdated (it lacks writes its source made): refusing the source role (force_promote overrides)"

const char *mx_data_source_refusal(enum mx_data_state ds)
{
	switch (ds) {
	case MX_DS_INCONSISTENT:
		return MX_REFUSAL_INCONSISTENT;
	case MX_DS_OUTDATED:
		return MX_REFUSAL_OUTDATED;
	case MX_DS_FAILED:
		return "Data device failed a write: refusing the source role";
	case MX_DS_UP_TO_DATE:
	case MX_DS_CONSISTENT:
	case MX_DS_FRESH:
		return NULL;
	default:
		return "Unknown data state: refusing the source role";
	}
}

#define FS(s)	BIT(MX_FS_##s)

/* Source role, fencing resource: a sync peer's fencing states. */
static const u32 mx_fence_next[MX_FS_NR] = {
	/* lost while in sync */
	[MX_FS_NONE] = FS(PENDING),
	/* reconnected; fence_timeout; peer_outdated message */
	[MX_FS_PENDING] = FS(NONE) | FS(FAILED) | FS(OUTDATED),
	/* reconnected; peer_outdated message (late) */
	[MX_FS_FAILED] = FS(NONE) | FS(OUTDATED),
	/* reconnected */
	[MX_FS_OUTDATED] = FS(NONE),
};

bool mx_fence_transition_valid(enum mx_fence_state old,
			       enum mx_fence_state new)
{
	return mx_next_valid(mx_fence_next, MX_FS_NR, old, new);
}

bool mx_fence_on_loss(enum mx_repl_state rs, bool unconfirmed)
{
	/* A refusal or an idle peer got no writes: nothing it could claim. */
	if (unconfirmed && (rs == MX_RS_RESYNCING || rs == MX_RS_PAUSED))
		return true;
	return rs == MX_RS_IN_SYNC || rs == MX_RS_VERIFYING;
}

bool mx_fence_holds(enum mx_fence_state fs)
{
	return fs == MX_FS_PENDING || fs == MX_FS_FAILED;
}
