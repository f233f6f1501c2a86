/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mirrorctl helpers: one error message buffer, strict number and size
 * parsing, address checks and human sizes. Pure: no device
 * or device-mapper access, so the unit tests can drive all of it.
 */
#ifndef MX_UTIL_H
#define MX_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Exit codes, documented in mirrorctl.8. */
#define MX_EXIT_OK		0
#define MX_EXIT_FAIL		1	/* the operation failed */
#define MX_EXIT_USAGE		2	/* bad arguments */
#define MX_EXIT_NOTFOUND	3	/* unknown mirror */
#define MX_EXIT_REFUSED		4	/* a safety check refused (--force) */
#define MX_EXIT_TIMEOUT		5	/* wait-sync timed out */

#define MX_ERRMSG_LEN		512

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a)		(sizeof(a) / sizeof((a)[0]))
#endif
#ifndef __weak
#define __weak			__attribute__((weak))
#endif
#ifndef __printf
#define __printf(a, b)		__attribute__((format(printf, a, b)))
#endif

/* A bounded text buffer: appends stop (and @over is set) when full. */
struct mx_buf {
	char *p;
	size_t len, n;
	bool over;
};

/* Append to @b (printf style). */
void mx_bprintf(struct mx_buf *b, const char *fmt, ...) __printf(2, 3);

/*
 * The last error, one line without the "mirrorctl: " prefix. Functions
 * that fail set it with mx_fail() and return -1; the verb prints it.
 */
extern __thread char mx_errmsg[MX_ERRMSG_LEN];

/* Set mx_errmsg (printf style) and return -1. */
int mx_fail(const char *fmt, ...) __printf(1, 2);

/* Strict unsigned decimal: digits only, no sign, no junk, no overflow. */
int mx_parse_u64(const char *s, uint64_t *v);

/*
 * A number for option @what in [@min, @max]; mx_errmsg names @what and the
 * range on failure.
 */
int mx_parse_num(const char *what, const char *s, uint64_t min, uint64_t max,
		 uint64_t *v);

/*
 * A size in bytes: digits with an optional binary suffix K, M, G, T
 * (optionally followed by "iB" or "B"), or "s" for 512-byte sectors.
 */
int mx_parse_size(const char *what, const char *s, uint64_t *bytes);

/*
 * A rate in KiB/s, at most @max_kib: a plain number is KiB/s; a size
 * with a suffix (mx_parse_size, "100M", "1G") is per second, optionally
 * followed by "/s", and must be whole KiB.
 */
int mx_parse_rate(const char *what, const char *s, uint64_t max_kib,
		  uint64_t *kib);

/* Region size in bytes -> sectors: power of two, 4 KiB .. 1 GiB. */
int mx_parse_region(const char *s, uint32_t *sectors);

/* Node id 0..7. */
int mx_parse_node_id(const char *s, uint32_t *id);

/*
 * "a.b.c.d:port", "[v6]:port" or "hostname:port" (port 1..65535). Checks
 * the form only; mx_resolve_hostport() turns it into the numeric form the
 * kernel accepts.
 */
int mx_check_hostport(const char *s);

/* Numeric "a.b.c.d:port" / "[v6]:port" of @s into @out (getaddrinfo). */
int mx_resolve_hostport(const char *s, char *out, size_t len);

/* Mirror names: [A-Za-z0-9_.+-], 1..64 characters, not "." or "..". */
int mx_check_name(const char *name);

/* "512 B", "64.0 KiB", "1.5 GiB" ... into @buf. */
const char *mx_fmt_bytes(uint64_t bytes, char *buf, size_t len);

/* "1:02:03" or "42s", "-" when @secs < 0. */
const char *mx_fmt_duration(double secs, char *buf, size_t len);

/* Copy @src into @dst of @len bytes; -1 (mx_errmsg) when it does not fit. */
int mx_strlcpy(char *dst, const char *src, size_t len, const char *what);

/* Seconds since an arbitrary point (CLOCK_MONOTONIC). */
double mx_now(void);

#endif /* MX_UTIL_H */
