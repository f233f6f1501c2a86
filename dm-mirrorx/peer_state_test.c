// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for the peer state names and transition tables
 * (peer_state.c). The allowed transitions are spelled out here once more,
 * as the documentation lists them: every pair of states is checked
 * against that list, so a change to either the code or this list that the
 * other does not share fails.
 */
#include <kunit/test.h>
#include "meta_format.h"
#include "peer_state.h"

struct t_move {
	unsigned int from, to;
};

/* Source role, connection state (Documentation/dm-mirrorx.rst). */
static const struct t_move t_conn_moves[] = {
	{ MX_CS_STANDALONE, MX_CS_CONNECTING },	/* connect */
	{ MX_CS_CONNECTING, MX_CS_CONNECTED },	/* handshake done */
	{ MX_CS_CONNECTING, MX_CS_STANDALONE },	/* disconnect, refusal */
	{ MX_CS_CONNECTED, MX_CS_CONNECTING },	/* connection lost */
	{ MX_CS_CONNECTED, MX_CS_STANDALONE },	/* disconnect */
};

/* Source role, replication state. */
static const struct t_move t_repl_moves[] = {
	{ MX_RS_IDLE, MX_RS_IN_SYNC },
	{ MX_RS_IDLE, MX_RS_RESYNCING },
	{ MX_RS_IDLE, MX_RS_PAUSED },
	{ MX_RS_IDLE, MX_RS_SPLIT_BRAIN },
	{ MX_RS_IDLE, MX_RS_TARGET_NEWER },
	{ MX_RS_IDLE, MX_RS_REFUSED },
	{ MX_RS_IN_SYNC, MX_RS_RESYNCING },
	{ MX_RS_IN_SYNC, MX_RS_PAUSED },
	{ MX_RS_IN_SYNC, MX_RS_BEHIND },
	{ MX_RS_IN_SYNC, MX_RS_VERIFYING },
	{ MX_RS_IN_SYNC, MX_RS_IDLE },
	{ MX_RS_RESYNCING, MX_RS_IN_SYNC },
	{ MX_RS_RESYNCING, MX_RS_PAUSED },
	{ MX_RS_RESYNCING, MX_RS_BEHIND },
	{ MX_RS_RESYNCING, MX_RS_IDLE },
	{ MX_RS_PAUSED, MX_RS_RESYNCING },
	{ MX_RS_PAUSED, MX_RS_BEHIND },
	{ MX_RS_PAUSED, MX_RS_IDLE },
	{ MX_RS_BEHIND, MX_RS_IN_SYNC },
	{ MX_RS_BEHIND, MX_RS_IDLE },
	{ MX_RS_VERIFYING, MX_RS_IN_SYNC },
	{ MX_RS_VERIFYING, MX_RS_RESYNCING },
	{ MX_RS_VERIFYING, MX_RS_PAUSED },
	{ MX_RS_VERIFYING, MX_RS_BEHIND },
	{ MX_RS_VERIFYING, MX_RS_IDLE },
	/* each refusal: connect message, another refusal, a decided retry */
	{ MX_RS_SPLIT_BRAIN, MX_RS_IDLE },
	{ MX_RS_SPLIT_BRAIN, MX_RS_TARGET_NEWER },
	{ MX_RS_SPLIT_BRAIN, MX_RS_REFUSED },
	{ MX_RS_SPLIT_BRAIN, MX_RS_IN_SYNC },
	{ MX_RS_SPLIT_BRAIN, MX_RS_RESYNCING },
	{ MX_RS_SPLIT_BRAIN, MX_RS_PAUSED },
	{ MX_RS_TARGET_NEWER, MX_RS_IDLE },
	{ MX_RS_TARGET_NEWER, MX_RS_SPLIT_BRAIN },
	{ MX_RS_TARGET_NEWER, MX_RS_REFUSED },
	{ MX_RS_TARGET_NEWER, MX_RS_IN_SYNC },
	{ MX_RS_TARGET_NEWER, MX_RS_RESYNCING },
	{ MX_RS_TARGET_NEWER, MX_RS_PAUSED },
	{ MX_RS_REFUSED, MX_RS_IDLE },
	{ MX_RS_REFUSED, MX_RS_SPLIT_BRAIN },
	{ MX_RS_REFUSED, MX_RS_TARGET_NEWER },
	{ MX_RS_REFUSED, MX_RS_IN_SYNC },
	{ MX_RS_REFUSED, MX_RS_RESYNCING },
	{ MX_RS_REFUSED, MX_RS_PAUSED },
};

/* Target role. */
static const struct t_move t_recv_moves[] = {
	{ MX_CS_LISTENING, MX_CS_CONNECTED },
	{ MX_CS_CONNECTED, MX_CS_LISTENING },
};

static bool t_listed(const struct t_move *m, size_t n, unsigned int from,
		     unsigned int to)
{
	size_t i;

	if (from == to)
		return true;	/* staying put changes nothing */
	for (i = 0; i < n; i++)
		if (m[i].from == from && m[i].to == to)
			return true;
	return false;
}

/* Every listed move is allowed, every other one refused. */
static void mx_ps_conn_table(struct kunit *test)
{
	unsigned int a, b;

	for (a = 0; a < MX_CS_NR; a++) {
		for (b = 0; b < MX_CS_NR; b++) {
			bool want = a != MX_CS_LISTENING &&
				    b != MX_CS_LISTENING &&
				    t_listed(t_conn_moves,
					     ARRAY_SIZE(t_conn_moves), a, b);

			KUNIT_EXPECT_EQ_MSG(test,
					    mx_conn_transition_valid(a, b),
					    want, "%s -> %s",
					    mx_conn_state_name(a),
					    mx_conn_state_name(b));
		}
	}
}

static void mx_ps_repl_table(struct kunit *test)
{
	unsigned int a, b;

	for (a = 0; a < MX_RS_NR; a++) {
		for (b = 0; b < MX_RS_NR; b++) {
			bool want = t_listed(t_repl_moves,
					     ARRAY_SIZE(t_repl_moves), a, b);

			KUNIT_EXPECT_EQ_MSG(test,
					    mx_repl_transition_valid(a, b),
					    want, "%s -> %s",
					    mx_repl_state_name(a),
					    mx_repl_state_name(b));
		}
	}
}

static void mx_ps_recv_table(struct kunit *test)
{
	unsigned int a, b;

	for (a = 0; a < MX_CS_NR; a++) {
		for (b = 0; b < MX_CS_NR; b++) {
			bool target = (a == MX_CS_LISTENING ||
				       a == MX_CS_CONNECTED) &&
				      (b == MX_CS_LISTENING ||
				       b == MX_CS_CONNECTED);
			bool want = target &&
				    t_listed(t_recv_moves,
					     ARRAY_SIZE(t_recv_moves), a, b);

			KUNIT_EXPECT_EQ_MSG(test,
					    mx_recv_transition_valid(a, b),
					    want, "%s -> %s",
					    mx_conn_state_name(a),
					    mx_conn_state_name(b));
		}
	}
}

/* Refusals the code must never make, named one by one. */
static void mx_ps_refused(struct kunit *test)
{
	/* A handshake that ends after the disconnect message. */
	KUNIT_EXPECT_FALSE(test, mx_conn_transition_valid(MX_CS_STANDALONE,
							  MX_CS_CONNECTED));
	/* Listening is the target's. */
	KUNIT_EXPECT_FALSE(test, mx_conn_transition_valid(MX_CS_CONNECTING,
							  MX_CS_LISTENING));
	KUNIT_EXPECT_FALSE(test, mx_conn_transition_valid(MX_CS_LISTENING,
							  MX_CS_CONNECTING));
	/* InSync only after a handshake or a finished resync. */
	KUNIT_EXPECT_FALSE(test, mx_repl_transition_valid(MX_RS_PAUSED,
							  MX_RS_IN_SYNC));
	/* A peer Behind is Inconsistent: it catches up, not pauses. */
	KUNIT_EXPECT_FALSE(test, mx_repl_transition_valid(MX_RS_BEHIND,
							  MX_RS_PAUSED));
	KUNIT_EXPECT_FALSE(test, mx_repl_transition_valid(MX_RS_BEHIND,
							  MX_RS_RESYNCING));
	/* Verify only from InSync. */
	KUNIT_EXPECT_FALSE(test, mx_repl_transition_valid(MX_RS_RESYNCING,
							  MX_RS_VERIFYING));
	KUNIT_EXPECT_FALSE(test, mx_repl_transition_valid(MX_RS_PAUSED,
							  MX_RS_VERIFYING));
	/* Behind and Verifying need a live connection first. */
	KUNIT_EXPECT_FALSE(test, mx_repl_transition_valid(MX_RS_IDLE,
							  MX_RS_BEHIND));
	KUNIT_EXPECT_FALSE(test, mx_repl_transition_valid(MX_RS_IDLE,
							  MX_RS_VERIFYING));
	/* A refusal comes from a handshake, not a live connection. */
	KUNIT_EXPECT_FALSE(test, mx_repl_transition_valid(MX_RS_IN_SYNC,
							  MX_RS_SPLIT_BRAIN));
	KUNIT_EXPECT_FALSE(test, mx_repl_transition_valid(MX_RS_RESYNCING,
							  MX_RS_REFUSED));
	/* Out of range. */
	KUNIT_EXPECT_FALSE(test, mx_conn_transition_valid(MX_CS_NR,
							  MX_CS_CONNECTING));
	KUNIT_EXPECT_FALSE(test, mx_repl_transition_valid(MX_RS_IDLE,
							  MX_RS_NR));
	KUNIT_EXPECT_FALSE(test, mx_recv_transition_valid(MX_CS_LISTENING,
							  MX_CS_NR));
	KUNIT_EXPECT_FALSE(test, mx_recv_transition_valid(MX_CS_STANDALONE,
							  MX_CS_STANDALONE));
}

/* Connected goes with the live replication states, and only it does. */
static void mx_ps_pairs(struct kunit *test)
{
	unsigned int cs, rs;

	for (cs = 0; cs < MX_CS_NR; cs++) {
		for (rs = 0; rs < MX_RS_NR; rs++) {
			bool live = rs == MX_RS_IN_SYNC ||
				    rs == MX_RS_RESYNCING ||
				    rs == MX_RS_PAUSED ||
				    rs == MX_RS_BEHIND ||
				    rs == MX_RS_VERIFYING;
			bool want = cs != MX_CS_LISTENING &&
				    (cs == MX_CS_CONNECTED) == live;

			KUNIT_EXPECT_EQ_MSG(test, mx_peer_state_valid(cs, rs),
					    want, "%s %s",
					    mx_conn_state_name(cs),
					    mx_repl_state_name(rs));
		}
	}
	KUNIT_EXPECT_FALSE(test, mx_peer_state_valid(MX_CS_NR, MX_RS_IDLE));
	KUNIT_EXPECT_FALSE(test, mx_peer_state_valid(MX_CS_CONNECTED,
						     MX_RS_NR));
}

static void mx_ps_refusals(struct kunit *test)
{
	unsigned int rs;

	for (rs = 0; rs < MX_RS_NR; rs++)
		KUNIT_EXPECT_EQ_MSG(test, mx_repl_refused(rs),
				    rs == MX_RS_SPLIT_BRAIN ||
				    rs == MX_RS_TARGET_NEWER ||
				    rs == MX_RS_REFUSED,
				    "%s", mx_repl_state_name(rs));
	KUNIT_EXPECT_FALSE(test, mx_repl_refused(MX_RS_NR));
}

struct t_step {
	enum mx_conn_state cs;
	enum mx_repl_state rs;
};

/* Each step of @st is a change the setter takes (all three checks). */
static void t_story(struct kunit *test, const char *name,
		    const struct t_step *st, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		KUNIT_EXPECT_TRUE_MSG(test, mx_peer_state_valid(st[i].cs,
								st[i].rs),
				      "%s: step %zu", name, i);
	for (i = 1; i < n; i++) {
		KUNIT_EXPECT_TRUE_MSG(test,
				      mx_conn_transition_valid(st[i - 1].cs,
							       st[i].cs),
				      "%s: step %zu", name, i);
		KUNIT_EXPECT_TRUE_MSG(test,
				      mx_repl_transition_valid(st[i - 1].rs,
							       st[i].rs),
				      "%s: step %zu", name, i);
	}
}

/* Sequences the source goes through, as the guest tests drive them. */
static void mx_ps_stories(struct kunit *test)
{
	/* Connect, resync, verify, link cut, reconnect in sync. */
	static const struct t_step link_cut[] = {
		{ MX_CS_CONNECTING, MX_RS_IDLE },
		{ MX_CS_CONNECTED, MX_RS_RESYNCING },
		{ MX_CS_CONNECTED, MX_RS_PAUSED },
		{ MX_CS_CONNECTED, MX_RS_RESYNCING },
		{ MX_CS_CONNECTED, MX_RS_IN_SYNC },
		{ MX_CS_CONNECTED, MX_RS_VERIFYING },
		{ MX_CS_CONNECTED, MX_RS_IN_SYNC },
		{ MX_CS_CONNECTING, MX_RS_IDLE },
		{ MX_CS_CONNECTED, MX_RS_IN_SYNC },
	};
	/* Async: the queue overflows, the peer catches up. */
	static const struct t_step behind[] = {
		{ MX_CS_CONNECTED, MX_RS_IN_SYNC },
		{ MX_CS_CONNECTED, MX_RS_BEHIND },
		{ MX_CS_CONNECTED, MX_RS_IN_SYNC },
		{ MX_CS_CONNECTED, MX_RS_RESYNCING },
		{ MX_CS_CONNECTED, MX_RS_BEHIND },
		{ MX_CS_STANDALONE, MX_RS_IDLE },
	};
	/* Split brain, then "resync full" on the winner. */
	static const struct t_step split[] = {
		{ MX_CS_CONNECTING, MX_RS_IDLE },
		{ MX_CS_CONNECTING, MX_RS_SPLIT_BRAIN },
		{ MX_CS_STANDALONE, MX_RS_SPLIT_BRAIN },
		{ MX_CS_CONNECTING, MX_RS_IDLE },
		{ MX_CS_CONNECTED, MX_RS_RESYNCING },
	};
	/* A wrong key, then the right one; admin disconnect and connect. */
	static const struct t_step auth[] = {
		{ MX_CS_CONNECTING, MX_RS_IDLE },
		{ MX_CS_CONNECTING, MX_RS_REFUSED },
		{ MX_CS_CONNECTED, MX_RS_IN_SYNC },
		{ MX_CS_STANDALONE, MX_RS_IDLE },
		{ MX_CS_CONNECTING, MX_RS_IDLE },
		{ MX_CS_STANDALONE, MX_RS_IDLE },
	};

	t_story(test, "link_cut", link_cut, ARRAY_SIZE(link_cut));
	t_story(test, "behind", behind, ARRAY_SIZE(behind));
	t_story(test, "split", split, ARRAY_SIZE(split));
	t_story(test, "auth", auth, ARRAY_SIZE(auth));
}

/* What the status line prints: tests and mirrorctl parse these. */
static void mx_ps_names(struct kunit *test)
{
	static const char * const conn[] = {
		"StandAlone", "Connecting", "Connected", "Listening",
	};
	static const char * const repl[] = {
		"Idle", "InSync", "Resyncing", "Paused", "SplitBrain",
		"TargetNewer", "Refused", "Behind", "Verifying",
	};
	static const char * const data[] = {
		"UpToDate", "Consistent", "Inconsistent", "Fresh", "Failed",
		"Outdated",
	};
	unsigned int i;

	KUNIT_ASSERT_EQ(test, ARRAY_SIZE(conn), (size_t)MX_CS_NR);
	KUNIT_ASSERT_EQ(test, ARRAY_SIZE(repl), (size_t)MX_RS_NR);
	KUNIT_ASSERT_EQ(test, ARRAY_SIZE(data), (size_t)MX_DS_NR);
	for (i = 0; i < MX_CS_NR; i++)
		KUNIT_EXPECT_STREQ(test, mx_conn_state_name(i), conn[i]);
	for (i = 0; i < MX_RS_NR; i++)
		KUNIT_EXPECT_STREQ(test, mx_repl_state_name(i), repl[i]);
	for (i = 0; i < MX_DS_NR; i++)
		KUNIT_EXPECT_STREQ(test, mx_data_state_name(i), data[i]);
	KUNIT_EXPECT_STREQ(test, mx_conn_state_name(MX_CS_NR), "?");
	KUNIT_EXPECT_STREQ(test, mx_repl_state_name(MX_RS_NR), "?");
	KUNIT_EXPECT_STREQ(test, mx_data_state_name(MX_DS_NR), "?");
	KUNIT_EXPECT_STREQ(test, mx_repl_state_name(-1), "?");
}

/* A target's data state from its superblock: the worst flag wins. */
static void mx_ps_data_of_sb(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, mx_recv_data_state(0, false), MX_DS_CONSISTENT);
	KUNIT_EXPECT_EQ(test, mx_recv_data_state(MX_SB_OUTDATED, false),
			MX_DS_OUTDATED);
	KUNIT_EXPECT_EQ(test, mx_recv_data_state(MX_SB_OUTDATED |
						 MX_SB_INCONSISTENT, false),
			MX_DS_INCONSISTENT);
	/* Outdated Fresh: refused as a source like any Outdated data. */
	KUNIT_EXPECT_EQ(test, mx_recv_data_state(MX_SB_FRESH |
						 MX_SB_OUTDATED, false),
			MX_DS_OUTDATED);
	KUNIT_EXPECT_EQ(test, mx_recv_data_state(MX_SB_FRESH, false),
			MX_DS_FRESH);
	KUNIT_EXPECT_EQ(test, mx_recv_data_state(MX_SB_OUTDATED, true),
			MX_DS_FAILED);
	KUNIT_EXPECT_EQ(test, mx_recv_data_state(0, true), MX_DS_FAILED);
}

static void mx_ps_data_table(struct kunit *test)
{
	static const struct {
		enum mx_data_state from, to;
		bool ok;
	} t[] = {
		{ MX_DS_CONSISTENT, MX_DS_OUTDATED, true },
		{ MX_DS_FRESH, MX_DS_OUTDATED, true },
		{ MX_DS_OUTDATED, MX_DS_OUTDATED, true },
		/* a resync from the source clears it */
		{ MX_DS_OUTDATED, MX_DS_INCONSISTENT, true },
		{ MX_DS_OUTDATED, MX_DS_CONSISTENT, true },
		{ MX_DS_INCONSISTENT, MX_DS_CONSISTENT, true },
		{ MX_DS_CONSISTENT, MX_DS_FAILED, true },
		{ MX_DS_OUTDATED, MX_DS_FAILED, true },
		/* Inconsistent is worse than Outdated: it stays */
		{ MX_DS_INCONSISTENT, MX_DS_OUTDATED, false },
		{ MX_DS_FAILED, MX_DS_CONSISTENT, false },
		{ MX_DS_FAILED, MX_DS_OUTDATED, false },
		{ MX_DS_OUTDATED, MX_DS_FRESH, false },
		{ MX_DS_CONSISTENT, MX_DS_FRESH, false },
		{ MX_DS_CONSISTENT, MX_DS_UP_TO_DATE, false },
		{ MX_DS_UP_TO_DATE, MX_DS_UP_TO_DATE, false },
		{ MX_DS_NR, MX_DS_CONSISTENT, false },
		{ MX_DS_CONSISTENT, MX_DS_NR, false },
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(t); i++)
		KUNIT_EXPECT_EQ_MSG(test, mx_data_transition_valid(t[i].from,
								   t[i].to),
				    t[i].ok, "%s -> %s",
				    mx_data_state_name(t[i].from),
				    mx_data_state_name(t[i].to));
}

/* Outdated, Inconsistent and Failed data never serve as a source. */
static void mx_ps_data_source(struct kunit *test)
{
	KUNIT_EXPECT_NULL(test, mx_data_source_refusal(MX_DS_CONSISTENT));
	KUNIT_EXPECT_NULL(test, mx_data_source_refusal(MX_DS_UP_TO_DATE));
	KUNIT_EXPECT_NULL(test, mx_data_source_refusal(MX_DS_FRESH));
	KUNIT_EXPECT_NOT_NULL(test, strstr(mx_data_source_refusal(MX_DS_OUTDATED),
					   "Outdated"));
	KUNIT_EXPECT_NOT_NULL(test,
			      strstr(mx_data_source_refusal(MX_DS_INCONSISTENT),
				     "inconsistent"));
	KUNIT_EXPECT_NOT_NULL(test, mx_data_source_refusal(MX_DS_FAILED));
	KUNIT_EXPECT_NOT_NULL(test, mx_data_source_refusal(MX_DS_NR));
}

static void mx_ps_fence(struct kunit *test)
{
	static const char * const names[] = {
		"-", "Pending", "Failed", "PeerOutdated",
	};
	static const struct {
		enum mx_fence_state from, to;
		bool ok;
	} t[] = {
		{ MX_FS_NONE, MX_FS_PENDING, true },
		{ MX_FS_PENDING, MX_FS_OUTDATED, true },
		{ MX_FS_PENDING, MX_FS_FAILED, true },
		{ MX_FS_PENDING, MX_FS_NONE, true },
		{ MX_FS_FAILED, MX_FS_OUTDATED, true },
		{ MX_FS_FAILED, MX_FS_NONE, true },
		{ MX_FS_OUTDATED, MX_FS_NONE, true },
		{ MX_FS_OUTDATED, MX_FS_OUTDATED, true },
		/* peer_outdated with nothing being fenced changes nothing */
		{ MX_FS_NONE, MX_FS_OUTDATED, false },
		{ MX_FS_NONE, MX_FS_FAILED, false },
		/* a peer confirmed outdated is not fenced again while away */
		{ MX_FS_OUTDATED, MX_FS_PENDING, false },
		{ MX_FS_FAILED, MX_FS_PENDING, false },
		{ MX_FS_NR, MX_FS_NONE, false },
	};
	unsigned int i;

	KUNIT_ASSERT_EQ(test, ARRAY_SIZE(names), (size_t)MX_FS_NR);
	for (i = 0; i < MX_FS_NR; i++)
		KUNIT_EXPECT_STREQ(test, mx_fence_state_name(i), names[i]);
	KUNIT_EXPECT_STREQ(test, mx_fence_state_name(MX_FS_NR), "?");
	for (i = 0; i < ARRAY_SIZE(t); i++)
		KUNIT_EXPECT_EQ_MSG(test, mx_fence_transition_valid(t[i].from,
								    t[i].to),
				    t[i].ok, "%s -> %s",
				    mx_fence_state_name(t[i].from),
				    mx_fence_state_name(t[i].to));
	KUNIT_EXPECT_TRUE(test, mx_fence_on_loss(MX_RS_IN_SYNC, false));
	KUNIT_EXPECT_TRUE(test, mx_fence_on_loss(MX_RS_VERIFYING, false));
	KUNIT_EXPECT_TRUE(test, mx_fence_on_loss(MX_RS_IN_SYNC, true));
	/* A peer lost mid-resync is Inconsistent on its own disk already... */
	KUNIT_EXPECT_FALSE(test, mx_fence_on_loss(MX_RS_RESYNCING, false));
	KUNIT_EXPECT_FALSE(test, mx_fence_on_loss(MX_RS_PAUSED, false));
	/*
	 * ...once it acknowledged the RESYNC announce: before that it may
	 * still say Consistent while it lacks the write that sent it there.
	 */
	KUNIT_EXPECT_TRUE(test, mx_fence_on_loss(MX_RS_RESYNCING, true));
	KUNIT_EXPECT_TRUE(test, mx_fence_on_loss(MX_RS_PAUSED, true));
	KUNIT_EXPECT_FALSE(test, mx_fence_on_loss(MX_RS_IDLE, false));
	KUNIT_EXPECT_FALSE(test, mx_fence_on_loss(MX_RS_IDLE, true));
	KUNIT_EXPECT_FALSE(test, mx_fence_on_loss(MX_RS_BEHIND, false));
	KUNIT_EXPECT_FALSE(test, mx_fence_on_loss(MX_RS_BEHIND, true));
	KUNIT_EXPECT_FALSE(test, mx_fence_on_loss(MX_RS_TARGET_NEWER, true));
	KUNIT_EXPECT_TRUE(test, mx_fence_holds(MX_FS_PENDING));
	KUNIT_EXPECT_TRUE(test, mx_fence_holds(MX_FS_FAILED));
	KUNIT_EXPECT_FALSE(test, mx_fence_holds(MX_FS_NONE));
	KUNIT_EXPECT_FALSE(test, mx_fence_holds(MX_FS_OUTDATED));
}

/* A paused catch-up shows Paused; nothing else changes with the pause. */
static void mx_ps_shown(struct kunit *test)
{
	enum mx_repl_state rs;

	KUNIT_EXPECT_EQ(test, mx_repl_shown(MX_RS_BEHIND, true), MX_RS_PAUSED);
	KUNIT_EXPECT_EQ(test, mx_repl_shown(MX_RS_BEHIND, false), MX_RS_BEHIND);
	for (rs = 0; rs < MX_RS_NR; rs++) {
		KUNIT_EXPECT_EQ(test, mx_repl_shown(rs, false), rs);
		if (rs != MX_RS_BEHIND)
			KUNIT_EXPECT_EQ_MSG(test, mx_repl_shown(rs, true), rs,
					    "%s", mx_repl_state_name(rs));
	}
}

static struct kunit_case mx_ps_cases[] = {
	KUNIT_CASE(mx_ps_conn_table),
	KUNIT_CASE(mx_ps_repl_table),
	KUNIT_CASE(mx_ps_recv_table),
	KUNIT_CASE(mx_ps_refused),
	KUNIT_CASE(mx_ps_pairs),
	KUNIT_CASE(mx_ps_refusals),
	KUNIT_CASE(mx_ps_stories),
	KUNIT_CASE(mx_ps_names),
	KUNIT_CASE(mx_ps_shown),
	KUNIT_CASE(mx_ps_data_of_sb),
	KUNIT_CASE(mx_ps_data_table),
	KUNIT_CASE(mx_ps_data_source),
	KUNIT_CASE(mx_ps_fence),
	{}
};

static struct kunit_suite mx_ps_suite = {
	.name = "dm_mirrorx_peer_state",
	.test_cases = mx_ps_cases,
};

kunit_test_suite(mx_ps_suite);
