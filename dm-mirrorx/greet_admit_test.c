// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for which new connections a target lets greet
 * (greet_admit.h).
 */
#include <kunit/test.h>
#include "greet_admit.h"

#define T_MAX	4U

static enum mx_greet_admit mx_ga(unsigned int n, bool host, bool host_authed,
				 bool unauthed, bool known)
{
	struct mx_greet_view v = {
		.nr_pending = n, .max = T_MAX, .host_pending = host,
		.host_authed = host_authed, .unauthed = unauthed,
		.known = known,
	};

	return mx_greet_admit(&v);
}

/* A host with no pending connection gets a free slot, known or not. */
static void mx_ga_free_slot(struct kunit *test)
{
	unsigned int n;

	for (n = 0; n < T_MAX; n++) {
		KUNIT_EXPECT_EQ(test, mx_ga(n, false, false, true, false),
				MX_GREET_ADMIT);
		KUNIT_EXPECT_EQ(test, mx_ga(n, false, false, true, true),
				MX_GREET_ADMIT);
		KUNIT_EXPECT_EQ(test, mx_ga(n, false, false, false, false),
				MX_GREET_ADMIT);
	}
}

/*
 * A host holds at most one slot: a stranger's second connection is closed
 * even with slots free; the known source's replaces its older one, unless
 * that one authenticated.
 */
static void mx_ga_one_per_host(struct kunit *test)
{
	unsigned int n;

	for (n = 1; n <= T_MAX; n++) {
		KUNIT_EXPECT_EQ(test, mx_ga(n, true, false, true, false),
				MX_GREET_REFUSE_HOST);
		KUNIT_EXPECT_EQ(test, mx_ga(n, true, true, true, false),
				MX_GREET_REFUSE_HOST);
		KUNIT_EXPECT_EQ(test, mx_ga(n, true, false, true, true),
				MX_GREET_REPLACE_HOST);
		KUNIT_EXPECT_EQ(test, mx_ga(n, true, true, true, true),
				MX_GREET_REFUSE_HOST);
	}
}

/*
 * Every slot taken: a stranger is closed; the known source evicts, but
 * only a connection that did not authenticate.
 */
static void mx_ga_full(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, mx_ga(T_MAX, false, false, true, false),
			MX_GREET_REFUSE);
	KUNIT_EXPECT_EQ(test, mx_ga(T_MAX, false, false, true, true),
			MX_GREET_EVICT_OLDEST);
	KUNIT_EXPECT_EQ(test, mx_ga(T_MAX, false, false, false, true),
			MX_GREET_REFUSE);
	/* Above the bound (never, but never admitted either). */
	KUNIT_EXPECT_EQ(test, mx_ga(T_MAX + 1, false, false, true, false),
			MX_GREET_REFUSE);
}

static void mx_ga_v4(struct sockaddr_storage *ss, u32 addr, u16 port)
{
	struct sockaddr_in *a = (void *)ss;

	memset(ss, 0, sizeof(*ss));
	a->sin_family = AF_INET;
	a->sin_addr.s_addr = htonl(addr);
	a->sin_port = htons(port);
}

/* fd00::<net>:0:0:0:<last> (@net in the /64 prefix) */
static void mx_ga_v6(struct sockaddr_storage *ss, u8 net, u8 last, u16 port,
		     u32 scope)
{
	struct sockaddr_in6 *a = (void *)ss;

	memset(ss, 0, sizeof(*ss));
	a->sin6_family = AF_INET6;
	a->sin6_addr.s6_addr[0] = 0xfd;
	a->sin6_addr.s6_addr[7] = net;
	a->sin6_addr.s6_addr[15] = last;
	a->sin6_port = htons(port);
	a->sin6_scope_id = scope;
}

/* ::ffff:@addr, an IPv4 peer of a dual-stack listener. */
static void mx_ga_v4mapped(struct sockaddr_storage *ss, u32 addr, u16 port)
{
	struct sockaddr_in6 *a = (void *)ss;

	memset(ss, 0, sizeof(*ss));
	a->sin6_family = AF_INET6;
	ipv6_addr_set_v4mapped(htonl(addr), &a->sin6_addr);
	a->sin6_port = htons(port);
}

/* Same host: family and address; the port never matters. */
static void mx_ga_hosts(struct kunit *test, bool pfx)
{
	struct sockaddr_storage a, b, none;

	memset(&none, 0, sizeof(none));
	mx_ga_v4(&a, 0x0a4d0001, 40000);
	mx_ga_v4(&b, 0x0a4d0001, 40001);
	KUNIT_EXPECT_TRUE(test, mx_same_host(&a, &b, pfx));
	mx_ga_v4(&b, 0x0a4d0065, 40000);
	KUNIT_EXPECT_FALSE(test, mx_same_host(&a, &b, pfx));
	/* Nothing known yet (family 0) matches nothing, not even itself. */
	KUNIT_EXPECT_FALSE(test, mx_same_host(&none, &a, pfx));
	KUNIT_EXPECT_FALSE(test, mx_same_host(&none, &none, pfx));

	mx_ga_v6(&a, 0, 1, 40000, 0);
	mx_ga_v6(&b, 0, 1, 50000, 0);
	KUNIT_EXPECT_TRUE(test, mx_same_host(&a, &b, pfx));
	/* Another interface id in the same /64: the same host by prefix. */
	mx_ga_v6(&b, 0, 2, 40000, 0);
	KUNIT_EXPECT_EQ(test, mx_same_host(&a, &b, pfx), pfx);
	/* Another /64 is another host either way. */
	mx_ga_v6(&b, 1, 1, 40000, 0);
	KUNIT_EXPECT_FALSE(test, mx_same_host(&a, &b, pfx));
	/* A link-local address on another interface: another host. */
	mx_ga_v6(&b, 0, 1, 40000, 3);
	KUNIT_EXPECT_FALSE(test, mx_same_host(&a, &b, pfx));
	/* Families differ. */
	mx_ga_v4(&b, 0x0a4d0001, 40000);
	KUNIT_EXPECT_FALSE(test, mx_same_host(&a, &b, pfx));
	/*
	 * IPv4 hosts on a dual-stack listener: by their IPv4 address, not
	 * all one host by the (zero) /64 they share.
	 */
	mx_ga_v4mapped(&a, 0x0a4d0001, 40000);
	mx_ga_v4mapped(&b, 0x0a4d0001, 50000);
	KUNIT_EXPECT_TRUE(test, mx_same_host(&a, &b, pfx));
	mx_ga_v4mapped(&b, 0x0a4d0065, 40000);
	KUNIT_EXPECT_FALSE(test, mx_same_host(&a, &b, pfx));
	/* ::1 (a zero /64 too) is no IPv4 host, in either order. */
	mx_ga_v6(&b, 0, 1, 40000, 0);
	b.ss_family = AF_INET6;
	((struct sockaddr_in6 *)&b)->sin6_addr.s6_addr[0] = 0;
	KUNIT_EXPECT_FALSE(test, mx_same_host(&a, &b, pfx));
	KUNIT_EXPECT_FALSE(test, mx_same_host(&b, &a, pfx));
}

/* The known source: exact addresses. */
static void mx_ga_same_host_exact(struct kunit *test)
{
	mx_ga_hosts(test, false);
}

/* The slot per host: IPv6 by its /64. */
static void mx_ga_same_host_prefix(struct kunit *test)
{
	mx_ga_hosts(test, true);
}

static struct kunit_case mx_ga_cases[] = {
	KUNIT_CASE(mx_ga_free_slot),
	KUNIT_CASE(mx_ga_one_per_host),
	KUNIT_CASE(mx_ga_full),
	KUNIT_CASE(mx_ga_same_host_exact),
	KUNIT_CASE(mx_ga_same_host_prefix),
	{}
};

static struct kunit_suite mx_ga_suite = {
	.name = "dm_mirrorx_greet_admit",
	.test_cases = mx_ga_cases,
};

kunit_test_suite(mx_ga_suite);
