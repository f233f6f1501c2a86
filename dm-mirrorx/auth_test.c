// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for the peer authentication MAC (auth.c). The expected
 * values were computed independently with Python's hmac module:
 * hmac.new(secret, nonce + bytes([role]), hashlib.sha256).
 */
#include <kunit/test.h>
#include "auth.h"
#include "wire.h"

static const u8 mx_t_secret[] = "correct horse battery staple";

static const u8 mx_t_mac_source[MX_AUTH_MAC_LEN] = {
	0xe5, 0x8c, 0xf3, 0xda, 0x70, 0x3d, 0x7f, 0x0e, 0x25, 0xc6, 0xbc,
	0x7a, 0x07, 0x05, 0xa8, 0x9f, 0x4e, 0xb3, 0xd4, 0xb7, 0xe0, 0x49,
	0x25, 0x0d, 0x3e, 0xdd, 0xde, 0x77, 0x63, 0x16, 0x74, 0xe7,
};

static const u8 mx_t_mac_target[MX_AUTH_MAC_LEN] = {
	0x48, 0xd8, 0xf9, 0x57, 0x1c, 0xcb, 0x9f, 0xa9, 0xe4, 0x8a, 0x1d,
	0x47, 0xea, 0x1a, 0x4c, 0x1c, 0x27, 0xd2, 0xf0, 0x59, 0xb2, 0x48,
	0xac, 0x4b, 0x2f, 0x2f, 0x14, 0xa3, 0x21, 0x63, 0x9c, 0xfc,
};

static void mx_t_setup(struct mx_auth_secret *s, u8 *nonce)
{
	u32 i;

	memset(s, 0, sizeof(*s));
	s->len = sizeof(mx_t_secret) - 1;
	memcpy(s->data, mx_t_secret, s->len);
	for (i = 0; i < MX_AUTH_NONCE_LEN; i++)
		nonce[i] = i;
}

static void mx_auth_mac_vectors(struct kunit *test)
{
	struct mx_auth_secret s;
	u8 nonce[MX_AUTH_NONCE_LEN], mac[MX_AUTH_MAC_LEN];

	mx_t_setup(&s, nonce);
	KUNIT_ASSERT_EQ(test, 0, mx_auth_mac(&s, nonce, MX_ROLE_SOURCE, mac));
	KUNIT_EXPECT_EQ(test, 0, memcmp(mac, mx_t_mac_source, MX_AUTH_MAC_LEN));
	KUNIT_ASSERT_EQ(test, 0, mx_auth_mac(&s, nonce, MX_ROLE_TARGET, mac));
	KUNIT_EXPECT_EQ(test, 0, memcmp(mac, mx_t_mac_target, MX_AUTH_MAC_LEN));
}

/* A reflected answer (the other role's) or another secret never matches. */
static void mx_auth_mac_binds(struct kunit *test)
{
	struct mx_auth_secret s;
	u8 nonce[MX_AUTH_NONCE_LEN], mac[MX_AUTH_MAC_LEN];

	mx_t_setup(&s, nonce);
	s.data[0] ^= 1;
	KUNIT_ASSERT_EQ(test, 0, mx_auth_mac(&s, nonce, MX_ROLE_SOURCE, mac));
	KUNIT_EXPECT_NE(test, 0, memcmp(mac, mx_t_mac_source,
					MX_AUTH_MAC_LEN));
	mx_t_setup(&s, nonce);
	nonce[31] ^= 0x80;
	KUNIT_ASSERT_EQ(test, 0, mx_auth_mac(&s, nonce, MX_ROLE_SOURCE, mac));
	KUNIT_EXPECT_NE(test, 0, memcmp(mac, mx_t_mac_source,
					MX_AUTH_MAC_LEN));
}

static struct kunit_case mx_auth_cases[] = {
	KUNIT_CASE(mx_auth_mac_vectors),
	KUNIT_CASE(mx_auth_mac_binds),
	{}
};

static struct kunit_suite mx_auth_suite = {
	.name = "dm_mirrorx_auth",
	.test_cases = mx_auth_cases,
};

kunit_test_suite(mx_auth_suite);
