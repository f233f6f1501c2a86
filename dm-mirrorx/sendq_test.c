// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for the send queue (sendq.c): which packets are bulk, and
 * the order the sender takes them in.
 */
#include <kunit/test.h>
#include "sendq.h"
#include "wire.h"

#define T_PACKETS	4000

struct t_pkt {
	struct mx_sendq_entry e;
	u16 type;
	u32 n;				/* order of queueing */
	bool queued;
};

static void mx_sendq_bulk_types(struct kunit *test)
{
	u16 t;

	KUNIT_EXPECT_TRUE(test, mx_sendq_is_bulk(MX_P_RS_DATA));
	KUNIT_EXPECT_TRUE(test, mx_sendq_is_bulk(MX_P_CSUM_REQ));
	for (t = 0; t < MX_P_TYPE_MAX + 2; t++)
		if (t != MX_P_RS_DATA && t != MX_P_CSUM_REQ)
			KUNIT_EXPECT_FALSE_MSG(test, mx_sendq_is_bulk(t),
					       "type %u", t);
}

/* An application write overtakes a resync copy queued before it. */
static void mx_sendq_main_first(struct kunit *test)
{
	struct t_pkt rs = { .type = MX_P_RS_DATA };
	struct t_pkt data = { .type = MX_P_DATA };
	struct t_pkt flush = { .type = MX_P_FLUSH };
	unsigned long now = jiffies;
	struct mx_sendq q;

	mx_sendq_init(&q);
	KUNIT_EXPECT_TRUE(test, mx_sendq_empty(&q));
	KUNIT_EXPECT_NULL(test, mx_sendq_pop(&q, true, now));
	mx_sendq_add(&q, &rs.e, rs.type, now);
	mx_sendq_add(&q, &data.e, data.type, now + 1);
	mx_sendq_add(&q, &flush.e, flush.type, now + 2);
	KUNIT_EXPECT_FALSE(test, mx_sendq_empty(&q));
	KUNIT_EXPECT_PTR_EQ(test, mx_sendq_pop(&q, true, now + 3), &data.e);
	KUNIT_EXPECT_PTR_EQ(test, mx_sendq_pop(&q, true, now + 3), &flush.e);
	KUNIT_EXPECT_PTR_EQ(test, mx_sendq_pop(&q, true, now + 3), &rs.e);
	KUNIT_EXPECT_TRUE(test, mx_sendq_empty(&q));
	KUNIT_EXPECT_NULL(test, mx_sendq_pop(&q, true, now + 3));
}

/*
 * A copy that waited MX_SENDQ_BULK_WAIT goes before application writes
 * queued after that, never before one queued earlier (jiffies wrap too).
 */
static void mx_sendq_bulk_not_starved(struct kunit *test)
{
	struct t_pkt rs = { .type = MX_P_CSUM_REQ };
	struct t_pkt early = { .type = MX_P_SYNC_STATE };
	struct t_pkt late = { .type = MX_P_DATA };
	struct t_pkt later = { .type = MX_P_DATA };
	unsigned long now = (unsigned long)-3;
	struct mx_sendq q;

	mx_sendq_init(&q);
	mx_sendq_add(&q, &early.e, early.type, now);
	mx_sendq_add(&q, &rs.e, rs.type, now);
	mx_sendq_add(&q, &late.e, late.type, now + MX_SENDQ_BULK_WAIT);
	mx_sendq_add(&q, &later.e, later.type, now + MX_SENDQ_BULK_WAIT + 1);
	KUNIT_EXPECT_PTR_EQ(test, mx_sendq_pop(&q, true, now), &early.e);
	now += MX_SENDQ_BULK_WAIT + 1;
	KUNIT_EXPECT_PTR_EQ(test, mx_sendq_pop(&q, true, now), &late.e);
	KUNIT_EXPECT_PTR_EQ(test, mx_sendq_pop(&q, true, now), &rs.e);
	KUNIT_EXPECT_PTR_EQ(test, mx_sendq_pop(&q, true, now), &later.e);
	KUNIT_EXPECT_NULL(test, mx_sendq_pop(&q, true, now));
}

/* While the peer holds its limit of bulk data, only @main is taken. */
static void mx_sendq_bulk_held(struct kunit *test)
{
	struct t_pkt rs = { .type = MX_P_RS_DATA };
	struct t_pkt data = { .type = MX_P_DATA };
	struct mx_sendq q;

	mx_sendq_init(&q);
	mx_sendq_add(&q, &rs.e, rs.type, 0);
	mx_sendq_add(&q, &data.e, data.type, 10 * MX_SENDQ_BULK_WAIT);
	KUNIT_EXPECT_TRUE(test, mx_sendq_more(&q, false));
	KUNIT_EXPECT_PTR_EQ(test, mx_sendq_pop(&q, false, 0), &data.e);
	/* Nothing follows the write at once: it must not be corked. */
	KUNIT_EXPECT_FALSE(test, mx_sendq_more(&q, false));
	KUNIT_EXPECT_TRUE(test, mx_sendq_more(&q, true));
	KUNIT_EXPECT_NULL(test, mx_sendq_pop(&q, false, 0));
	KUNIT_EXPECT_FALSE(test, mx_sendq_empty(&q));
	KUNIT_EXPECT_PTR_EQ(test, mx_sendq_pop(&q, true, 0), &rs.e);
	KUNIT_EXPECT_TRUE(test, mx_sendq_empty(&q));
}

/*
 * Bulk packets the limit held back for long are not late when room opens:
 * a write queued meanwhile goes first, and so does one queued within
 * MX_SENDQ_BULK_WAIT of the opening; one queued later than that does not.
 * (Counting the held time made every opening send bulk packets before
 * the waiting write: a write during a resync waited for the whole limit.)
 */
static void mx_sendq_held_not_late(struct kunit *test)
{
	struct t_pkt rs1 = { .type = MX_P_RS_DATA };
	struct t_pkt rs2 = { .type = MX_P_RS_DATA };
	struct t_pkt rs3 = { .type = MX_P_RS_DATA };
	struct t_pkt w1 = { .type = MX_P_DATA };
	struct t_pkt w2 = { .type = MX_P_DATA };
	struct t_pkt w3 = { .type = MX_P_DATA };
	unsigned long open = (unsigned long)-2 + 10 * MX_SENDQ_BULK_WAIT;
	struct mx_sendq q;

	mx_sendq_init(&q);
	mx_sendq_add(&q, &rs1.e, rs1.type, (unsigned long)-2);
	mx_sendq_add(&q, &rs2.e, rs2.type, (unsigned long)-1);
	mx_sendq_add(&q, &rs3.e, rs3.type, (unsigned long)-1);
	/* Held back by the limit, long after they were queued. */
	KUNIT_EXPECT_NULL(test, mx_sendq_pop(&q, false, open - 5));
	mx_sendq_add(&q, &w1.e, w1.type, open - 1);
	/* Room opens: the write that waited goes first. */
	KUNIT_EXPECT_PTR_EQ(test, mx_sendq_pop(&q, true, open), &w1.e);
	KUNIT_EXPECT_PTR_EQ(test, mx_sendq_pop(&q, true, open), &rs1.e);
	mx_sendq_add(&q, &w2.e, w2.type, open + MX_SENDQ_BULK_WAIT);
	KUNIT_EXPECT_PTR_EQ(test, mx_sendq_pop(&q, true, open + 200),
			    &w2.e);
	/* Still allowed since @open: now that copy is late. */
	mx_sendq_add(&q, &w3.e, w3.type, open + MX_SENDQ_BULK_WAIT + 1);
	KUNIT_EXPECT_PTR_EQ(test, mx_sendq_pop(&q, true, open + 300),
			    &rs2.e);
	/* Held again, then allowed: the time held does not count. */
	KUNIT_EXPECT_PTR_EQ(test, mx_sendq_pop(&q, false, open + 400),
			    &w3.e);
	mx_sendq_add(&q, &w1.e, w1.type, open + 500);
	KUNIT_EXPECT_PTR_EQ(test, mx_sendq_pop(&q, true, open + 501),
			    &w1.e);
	KUNIT_EXPECT_PTR_EQ(test, mx_sendq_pop(&q, true, open + 501),
			    &rs3.e);
	KUNIT_EXPECT_TRUE(test, mx_sendq_empty(&q));
}

static const u16 t_types[] = {
	MX_P_DATA, MX_P_FLUSH, MX_P_SYNC_STATE, MX_P_VERIFY_REQ, MX_P_PING,
	MX_P_BYE, MX_P_RS_DATA, MX_P_RS_DATA, MX_P_CSUM_REQ,
};

/*
 * A random mix of queueing and sending, the clock moving 0 to 9 jiffies a
 * step and the peer's limit holding bulk packets back at random: each
 * list keeps its order; a bulk packet is never sent while held back, nor
 * while a packet of @main queued before it waits (a sync state is never
 * sent after a copy queued after it); no bulk packet waits more than
 * MX_SENDQ_BULK_WAIT past the first @main packet queued after it could
 * go (after it was queued and bulk packets were allowed without a break,
 * which the test tracks on its own). Its backlog keeps @main's head old,
 * so it seldom meets a starving rule: mx_sendq_bulk_not_starved and
 * mx_sendq_held_not_late are the cases that catch one.
 */
static void mx_sendq_order(struct kunit *test)
{
	struct t_pkt *pkts = kunit_kcalloc(test, T_PACKETS, sizeof(*pkts),
					   GFP_KERNEL);
	u32 added = 0, sent = 0, seed = 0x5e4d, nr_bulk = 0, i;
	s64 last_main = -1, last_bulk = -1;
	unsigned long now = (unsigned long)-5000, allowed_since = 0;
	bool allowed = false, bulk_ok;
	struct mx_sendq q;

	KUNIT_ASSERT_NOT_NULL(test, pkts);
	mx_sendq_init(&q);
	while (sent < T_PACKETS) {
		struct mx_sendq_entry *e;
		struct t_pkt *p;

		seed = seed * 1103515245 + 12345;
		now += (seed >> 4) % 10;
		if (added < T_PACKETS && (seed >> 16) % 3) {
			p = &pkts[added];
			p->type = t_types[(seed >> 8) % ARRAY_SIZE(t_types)];
			p->n = added++;
			p->queued = true;
			if (mx_sendq_is_bulk(p->type))
				nr_bulk++;
			mx_sendq_add(&q, &p->e, p->type, now);
			continue;
		}
		bulk_ok = (seed >> 20) % 4 != 0;
		if (!bulk_ok || !nr_bulk) {
			allowed = false;
		} else if (!allowed) {
			allowed = true;
			allowed_since = now;
		}
		e = mx_sendq_pop(&q, bulk_ok, now);
		if (!e) {
			KUNIT_ASSERT_TRUE(test, list_empty(&q.main));
			KUNIT_ASSERT_TRUE(test, !bulk_ok || !nr_bulk);
			continue;
		}
		p = container_of(e, struct t_pkt, e);
		KUNIT_ASSERT_TRUE(test, p->queued);
		p->queued = false;
		sent++;
		if (!mx_sendq_is_bulk(p->type)) {
			KUNIT_ASSERT_GT(test, (s64)p->n, last_main);
			last_main = p->n;
			if (!allowed)
				continue;
			/* A bulk packet waiting past its deadline goes first. */
			for (i = 0; i < p->n; i++) {
				unsigned long from = pkts[i].e.queued;

				if (!pkts[i].queued ||
				    !mx_sendq_is_bulk(pkts[i].type))
					continue;
				if (time_before(from, allowed_since))
					from = allowed_since;
				KUNIT_ASSERT_FALSE_MSG(test,
						       time_before(from + MX_SENDQ_BULK_WAIT,
								   p->e.queued),
						       "bulk packet %u starved by %u",
						       i, p->n);
			}
			continue;
		}
		KUNIT_ASSERT_TRUE(test, bulk_ok);
		nr_bulk--;
		KUNIT_ASSERT_GT(test, (s64)p->n, last_bulk);
		last_bulk = p->n;
		for (i = 0; i < p->n; i++)
			KUNIT_ASSERT_FALSE_MSG(test, pkts[i].queued &&
					       !mx_sendq_is_bulk(pkts[i].type),
					       "packet %u (type %u) sent after bulk packet %u",
					       i, pkts[i].type, p->n);
	}
	KUNIT_EXPECT_TRUE(test, mx_sendq_empty(&q));
}

/* A teardown takes every packet: those of @main first, each list in order. */
static void mx_sendq_take_all_order(struct kunit *test)
{
	struct t_pkt pkts[6] = {
		{ .type = MX_P_RS_DATA }, { .type = MX_P_DATA },
		{ .type = MX_P_CSUM_REQ }, { .type = MX_P_FLUSH },
		{ .type = MX_P_RS_DATA }, { .type = MX_P_SYNC_STATE },
	};
	static const u32 want[] = { 1, 3, 5, 0, 2, 4 };
	struct mx_sendq q;
	struct t_pkt *p;
	LIST_HEAD(out);
	u32 i = 0;

	mx_sendq_init(&q);
	for (i = 0; i < ARRAY_SIZE(pkts); i++) {
		pkts[i].n = i;
		mx_sendq_add(&q, &pkts[i].e, pkts[i].type, jiffies);
	}
	mx_sendq_take_all(&q, &out);
	KUNIT_EXPECT_TRUE(test, mx_sendq_empty(&q));
	i = 0;
	list_for_each_entry(p, &out, e.list) {
		KUNIT_ASSERT_LT(test, i, (u32)ARRAY_SIZE(want));
		KUNIT_EXPECT_EQ(test, p->n, want[i]);
		i++;
	}
	KUNIT_EXPECT_EQ(test, i, (u32)ARRAY_SIZE(want));
}

/*
 * The link is the resync's only after MX_SENDQ_APP_IDLE without an
 * application write: other packets do not count, a new write ends the
 * spell at once, and the answer holds across a jiffies wrap.
 */
static void mx_sendq_app_idle_spell(struct kunit *test)
{
	struct t_pkt pkts[] = {
		{ .type = MX_P_DATA }, { .type = MX_P_RS_DATA },
		{ .type = MX_P_FLUSH }, { .type = MX_P_PING },
		{ .type = MX_P_SYNC_STATE }, { .type = MX_P_DATA },
	};
	unsigned long starts[] = { 0, ULONG_MAX - MX_SENDQ_APP_IDLE / 2 };
	unsigned long now;
	struct mx_sendq q;
	u32 i, k;

	for (k = 0; k < ARRAY_SIZE(starts); k++) {
		now = starts[k];
		mx_sendq_init(&q);
		KUNIT_EXPECT_TRUE(test, mx_sendq_app_idle(&q, now));
		mx_sendq_add(&q, &pkts[0].e, pkts[0].type, now);
		KUNIT_EXPECT_FALSE(test, mx_sendq_app_idle(&q, now));
		/* Not the resync, a flush, a ping or a sync state. */
		for (i = 1; i < 5; i++)
			mx_sendq_add(&q, &pkts[i].e, pkts[i].type, now + i);
		KUNIT_EXPECT_FALSE(test,
				   mx_sendq_app_idle(&q, now + MX_SENDQ_APP_IDLE - 1));
		KUNIT_EXPECT_TRUE(test,
				  mx_sendq_app_idle(&q, now + MX_SENDQ_APP_IDLE));
		/* Sending does not end it; a write queued does. */
		while (mx_sendq_pop(&q, true, now + MX_SENDQ_APP_IDLE))
			;
		KUNIT_EXPECT_TRUE(test,
				  mx_sendq_app_idle(&q, now + MX_SENDQ_APP_IDLE + 1));
		now += 2 * MX_SENDQ_APP_IDLE;
		mx_sendq_add(&q, &pkts[5].e, pkts[5].type, now);
		KUNIT_EXPECT_FALSE(test, mx_sendq_app_idle(&q, now + 1));
		/* Forgotten once idle: never recent again, however long. */
		KUNIT_EXPECT_TRUE(test,
				  mx_sendq_app_idle(&q, now + MX_SENDQ_APP_IDLE));
		KUNIT_EXPECT_TRUE(test,
				  mx_sendq_app_idle(&q, now + MX_SENDQ_APP_IDLE +
						    ULONG_MAX / 2 + 1));
		KUNIT_EXPECT_TRUE(test, mx_sendq_app_idle(&q, now));
		while (mx_sendq_pop(&q, true, now))
			;
	}
}

static struct kunit_case mx_sendq_cases[] = {
	KUNIT_CASE(mx_sendq_bulk_types),
	KUNIT_CASE(mx_sendq_main_first),
	KUNIT_CASE(mx_sendq_bulk_not_starved),
	KUNIT_CASE(mx_sendq_bulk_held),
	KUNIT_CASE(mx_sendq_held_not_late),
	KUNIT_CASE(mx_sendq_order),
	KUNIT_CASE(mx_sendq_take_all_order),
	KUNIT_CASE(mx_sendq_app_idle_spell),
	{}
};

static struct kunit_suite mx_sendq_suite = {
	.name = "dm_mirrorx_sendq",
	.test_cases = mx_sendq_cases,
};

kunit_test_suite(mx_sendq_suite);
