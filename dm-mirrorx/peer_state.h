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
	MX_DS_NR,
};

const char *mx_conn_state_name(enum mx_conn_state s);
const char *mx_repl_state_name(enum mx_repl_state s);
const char *mx_data_state_name(enum mx_data_state s);

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
/* The target's connection state: Listening <-> Connected. */
bool mx_recv_transition_valid(enum mx_conn_state old, enum mx_conn_state new);

#endif /* DM_MIRRORX_PEER_STATE_H */
