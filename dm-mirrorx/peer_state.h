/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The states a peer connection goes through, for both roles: the source's
 * view of each target (connection and replication state, changed only by
 * mx_peer_set_state_locked() in peer.c) and the target's view of its
 * source (receiver.c), with the names the status line prints (tests and
 * mirrorctl parse them: never change one) and the transition tables
 * (peer_state.c, pure, KUnit-tested in peer_state_test.c). The table is
 * documented in Documentation/dm-mirrorx.rst, "State transitions".
 */
#ifndef DM_MIRRORX_PEER_STATE_H
#define DM_MIRRORX_PEER_STATE_H

#include <linux/types.h>

/* Connection state ("conn" in the status line). */
enum mx_conn_state {
	MX_CS_STANDALONE,	/* admin disconnected or refused: no retry */
	MX_CS_CONNECTING,
	MX_CS_CONNECTED,	/* handshake done */
	MX_CS_LISTENING,	/* target role only: no source connected */
	MX_CS_NR,
};

/* Replication state ("repl" in the status line). */
enum mx_repl_state {
	MX_RS_IDLE,		/* not connected */
	MX_RS_IN_SYNC,
	MX_RS_RESYNCING,
	MX_RS_PAUSED,		/* resync paused by admin */
	MX_RS_SPLIT_BRAIN,
	MX_RS_TARGET_NEWER,
	MX_RS_REFUSED,		/* other handshake refusal, see reason */
	MX_RS_BEHIND,		/* async queue overflowed: catching up */
	MX_RS_VERIFYING,	/* online verify running */
	MX_RS_NR,
};

/* Data state of a node ("data_state" in the status line). */
enum mx_data_state {
	MX_DS_UP_TO_DATE,	/* a source */
	MX_DS_CONSISTENT,
	MX_DS_INCONSISTENT,	/* a resync to it is under way or interrupted */
	MX_DS_FRESH,		/* never held mirrored data */
	MX_DS_FAILED,		/* its data device failed a write: detached */
	MX_DS_OUTDATED,		/* known to lack writes its source made */
	MX_DS_NR,
};

/*
 * Fencing of a sync peer ("fencing resource", fence.c; the status line's
 * last peer field when the option is on).
 */
enum mx_fence_state {
	MX_FS_NONE,		/* nothing to fence: "-" */
	MX_FS_PENDING,		/* lost while in sync: writes held */
	MX_FS_FAILED,		/* fence_timeout passed: writes still held */
	MX_FS_OUTDATED,		/* peer_outdated: writes go on without it */
	MX_FS_NR,
};

const char *mx_conn_state_name(enum mx_conn_state s);
const char *mx_repl_state_name(enum mx_repl_state s);
const char *mx_data_state_name(enum mx_data_state s);
const char *mx_fence_state_name(enum mx_fence_state s);

/*
 * May the source change a peer's connection (replication) state from @old
 * to @new? Staying in a state is always allowed (it changes nothing).
 */
bool mx_conn_transition_valid(enum mx_conn_state old, enum mx_conn_state new);
bool mx_repl_transition_valid(enum mx_repl_state old, enum mx_repl_state new);
/*
 * May a peer be in @cs and @rs at once? Connected goes with InSync,
 * Resyncing, Paused, Behind or Verifying, and nothing else does.
 */
bool mx_peer_state_valid(enum mx_conn_state cs, enum mx_repl_state rs);
/*
 * Is @rs a refusal (SplitBrain, TargetNewer, Refused)? It stays on show
 * after the connection ended, until the admin acts (connect message).
 */
bool mx_repl_refused(enum mx_repl_state rs);
/*
 * The replication state that status shows for a peer in @rs whose resync
 * is paused or not (@paused: the pause message, a read error, a refused
 * write). A Behind peer stays Behind (its writes are still only marked)
 * but copies nothing while paused: it shows Paused, Behind again after
 * resume. Every other state shows as it is.
 */
enum mx_repl_state mx_repl_shown(enum mx_repl_state rs, bool paused);
/* The target's connection state: Listening <-> Connected. */
bool mx_recv_transition_valid(enum mx_conn_state old, enum mx_conn_state new);

/*
 * A target's data state from its superblock flags (MX_SB_*) and whether
 * it detached after a write error: Failed, then Fresh, Inconsistent,
 * Outdated, Consistent (the first that applies).
 */
enum mx_data_state mx_recv_data_state(u32 sb_flags, bool failed);
/*
 * May a target's data go from @old to @new (the table in peer_state.c)?
 * UpToDate is the source's: a target never takes it.
 */
bool mx_data_transition_valid(enum mx_data_state old, enum mx_data_state new);
/*
 * Why data in state @ds must not serve as a source (a static sentence for
 * ti->error and the log), or NULL when it may. Fresh may: a new mirror's first
 * source is Fresh (mirrorctl asks for --force on a target).
 */
const char *mx_data_source_refusal(enum mx_data_state ds);

/*
 * May a peer's fencing state go from @old to @new: lost (None -> Pending),
 * timeout (Pending -> Failed), peer_outdated (Pending, Failed ->
 * Outdated), reconnected (any -> None)?
 */
bool mx_fence_transition_valid(enum mx_fence_state old,
			       enum mx_fence_state new);
/*
 * Is a sync peer that leaves replication state @rs (its connection lost or
 * dropped) to be fenced: did it hold all our acknowledged writes (InSync,
 * or Verifying, which is in sync too), or may it still say Consistent on
 * its disk while it lacks a write (@unconfirmed: it left InSync on a live
 * connection and has not acknowledged the RESYNC sync state yet)?
 */
bool mx_fence_on_loss(enum mx_repl_state rs, bool unconfirmed);
/* Does a peer in fencing state @fs hold the writes it missed? */
bool mx_fence_holds(enum mx_fence_state fs);

#endif /* DM_MIRRORX_PEER_STATE_H */
