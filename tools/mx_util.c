// SPDX-License-Identifier: GPL-2.0
/*
 * mirrorctl helpers: errors, strict parsing, formatting (see mx_util.h).
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include "mx_util.h"

__thread char mx_errmsg[MX_ERRMSG_LEN];

int mx_fail(const char *fmt, ...)
{
	char msg[MX_ERRMSG_LEN];
	va_list ap;

	/* Through @msg: an argument may be mx_errmsg itself (the cause). */
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	memcpy(mx_errmsg, msg, sizeof(msg));
	return -1;
}

void mx_bprintf(struct mx_buf *b, const char *fmt, ...)
{
	va_list ap;
	int w;

	if (b->over)
		return;
	va_start(ap, fmt);
	w = vsnprintf(b->p + b->n, b->len - b->n, fmt, ap);
	va_end(ap);
	if (w < 0 || (size_t)w >= b->len - b->n) {
		b->over = true;
		b->p[b->n] = '\0';
		return;
	}
	b->n += w;
}

int mx_parse_u64(const char *s, uint64_t *v)
{
	uint64_t n = 0;

	if (!s || !*s)
		return -1;
	for (; *s; s++) {
		unsigned int d;

		if (*s < '0' || *s > '9')
			return -1;
		d = *s - '0';
		if (n > (UINT64_MAX - d) / 10)
			return -1;
		n = n * 10 + d;
	}
	*v = n;
	return 0;
}

int mx_parse_num(const char *what, const char *s, uint64_t min, uint64_t max,
		 uint64_t *v)
{
	uint64_t n;

	if (mx_parse_u64(s, &n))
		return mx_fail("bad number '%s' for %s: expected a whole number from %llu to %llu",
			       s ? s : "", what, (unsigned long long)min,
			       (unsigned long long)max);
	if (n < min || n > max)
		return mx_fail("%s %llu out of range: must be from %llu to %llu",
			       what, (unsigned long long)n,
			       (unsigned long long)min,
			       (unsigned long long)max);
	*v = n;
	return 0;
}

int mx_parse_size(const char *what, const char *s, uint64_t *bytes)
{
	char num[32];
	const char *p = s, *suf;
	unsigned int shift = 0;
	uint64_t n;
	size_t len;

	if (!s)
		s = "";
	while (*p >= '0' && *p <= '9')
		p++;
	len = p - s;
	suf = p;
	if (!len || len >= sizeof(num))
		goto bad;
	memcpy(num, s, len);
	num[len] = '\0';
	if (mx_parse_u64(num, &n))
		goto bad;
	switch (toupper((unsigned char)*suf)) {
	case '\0':
		break;
	case 'B':
		suf++;
		break;
	case 'S':
		shift = 9;
		suf++;
		break;
	case 'K':
		shift = 10;
		break;
	case 'M':
		shift = 20;
		break;
	case 'G':
		shift = 30;
		break;
	case 'T':
		shift = 40;
		break;
	default:
		goto bad;
	}
	if (shift >= 10) {
		suf++;
		if (!strcmp(suf, "iB") || !strcmp(suf, "B"))
			suf += strlen(suf);
	}
	if (*suf)
		goto bad;
	if (shift && n > (UINT64_MAX >> shift))
		return mx_fail("%s '%s' is too large", what, s);
	*bytes = n << shift;
	return 0;
bad:
	return mx_fail("bad size '%s' for %s: expected a number with an optional K, M, G or T suffix",
		       s, what);
}

int mx_parse_rate(const char *what, const char *s, uint64_t max_kib,
		  uint64_t *kib)
{
	char buf[40];
	size_t len = s ? strlen(s) : 0;
	uint64_t n;

	if (len && len < sizeof(buf) && strspn(s, "0123456789") == len)
		return mx_parse_num(what, s, 0, max_kib, kib);
	if (!len || len >= sizeof(buf))
		goto bad;
	memcpy(buf, s, len + 1);
	if (len > 2 && !strcmp(buf + len - 2, "/s"))
		buf[len - 2] = '\0';
	/* A sector count ("8s") is no rate. */
	if (toupper((unsigned char)buf[strlen(buf) - 1]) == 'S' ||
	    mx_parse_size(what, buf, &n))
		goto bad;
	if (n & 1023)
		return mx_fail("%s '%s' is not a whole number of KiB/s", what, s);
	if ((n >> 10) > max_kib)
		return mx_fail("%s '%s' out of range: at most %lluK/s", what, s,
			       (unsigned long long)max_kib);
	*kib = n >> 10;
	return 0;
bad:
	return mx_fail("bad rate '%s' for %s: expected KiB/s, or a size per second such as 100M or 1G/s",
		       s ? s : "", what);
}

int mx_parse_region(const char *s, uint32_t *sectors)
{
	uint64_t b = 0;

	if (mx_parse_size("region size", s, &b))
		return -1;
	if (b < 4096 || b > (1ULL << 30) || (b & (b - 1)))
		return mx_fail("bad region size '%s': must be a power of two from 4K to 1G",
			       s);
	*sectors = b >> 9;
	return 0;
}

int mx_parse_node_id(const char *s, uint32_t *id)
{
	uint64_t v = 0;

	if (mx_parse_num("node id", s, 0, 7, &v))
		return -1;
	*id = v;
	return 0;
}

/* Split "host:port" / "[v6]:port" into @host and @port; 0 or -1. */
static int mx_split_hostport(const char *s, char *host, size_t hlen,
			     uint64_t *port)
{
	const char *colon, *h = s;
	size_t n;

	if (*s == '[') {
		const char *close = strchr(s, ']');

		if (!close || close[1] != ':')
			return -1;
		h = s + 1;
		n = close - h;
		colon = close + 1;
	} else {
		colon = strrchr(s, ':');
		if (!colon)
			return -1;
		n = colon - s;
		if (memchr(s, ':', n))
			return -1;	/* IPv6 needs brackets */
	}
	if (!n || n >= hlen)
		return -1;
	memcpy(host, h, n);
	host[n] = '\0';
	if (mx_parse_u64(colon + 1, port) || !*port || *port > 65535)
		return -1;
	return 0;
}

int mx_check_hostport(const char *s)
{
	char host[256];
	uint64_t port;
	const char *p;

	if (!s || mx_split_hostport(s, host, sizeof(host), &port))
		goto bad;
	if (*s == '[') {
		struct in6_addr a6;

		if (inet_pton(AF_INET6, host, &a6) != 1)
			goto bad;
		return 0;
	}
	for (p = host; *p; p++)
		if (!isalnum((unsigned char)*p) && *p != '.' && *p != '-' &&
		    *p != '_')
			goto bad;
	return 0;
bad:
	return mx_fail("bad address '%s': expected a.b.c.d:port, [v6addr]:port or host:port (port 1..65535)",
		       s ? s : "");
}

int mx_resolve_hostport(const char *s, char *out, size_t len)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *res;
	char host[256], num[INET6_ADDRSTRLEN];
	uint64_t port;
	int r;

	if (mx_check_hostport(s))
		return -1;
	mx_split_hostport(s, host, sizeof(host), &port);
	r = getaddrinfo(host, NULL, &hints, &res);
	if (r)
		return mx_fail("cannot resolve '%s': %s", host, gai_strerror(r));
	if (res->ai_family == AF_INET)
		inet_ntop(AF_INET,
			  &((struct sockaddr_in *)res->ai_addr)->sin_addr,
			  num, sizeof(num));
	else
		inet_ntop(AF_INET6,
			  &((struct sockaddr_in6 *)res->ai_addr)->sin6_addr,
			  num, sizeof(num));
	r = res->ai_family;
	freeaddrinfo(res);
	if (r == AF_INET)
		r = snprintf(out, len, "%s:%llu", num,
			     (unsigned long long)port);
	else
		r = snprintf(out, len, "[%s]:%llu", num,
			     (unsigned long long)port);
	if (r < 0 || (size_t)r >= len)
		return mx_fail("address '%s' is too long", s);
	return 0;
}

int mx_check_name(const char *name)
{
	const char *p;
	size_t n = name ? strlen(name) : 0;

	if (!n || n > 64 || !strcmp(name, ".") || !strcmp(name, "..") ||
	    name[0] == '-')
		goto bad;
	for (p = name; *p; p++)
		if (!isalnum((unsigned char)*p) && !strchr("_.+-", *p))
			goto bad;
	return 0;
bad:
	return mx_fail("bad mirror name '%s': use 1 to 64 of A-Z a-z 0-9 _ . + -, not starting with -",
		       name ? name : "");
}

const char *mx_fmt_bytes(uint64_t bytes, char *buf, size_t len)
{
	static const char * const units[] = { "KiB", "MiB", "GiB", "TiB",
					      "PiB" };
	double v = bytes;
	int u = -1;

	if (bytes < 1024) {
		snprintf(buf, len, "%llu B", (unsigned long long)bytes);
		return buf;
	}
	while (v >= 1024 && u < 4) {
		v /= 1024;
		u++;
	}
	snprintf(buf, len, "%.1f %s", v, units[u]);
	return buf;
}

const char *mx_fmt_duration(double secs, char *buf, size_t len)
{
	unsigned long long s;

	if (secs < 0) {
		snprintf(buf, len, "-");
		return buf;
	}
	s = (unsigned long long)(secs + 0.5);
	if (s < 60)
		snprintf(buf, len, "%llus", s);
	else if (s < 3600)
		snprintf(buf, len, "%llu:%02llu", s / 60, s % 60);
	else
		snprintf(buf, len, "%llu:%02llu:%02llu", s / 3600,
			 s / 60 % 60, s % 60);
	return buf;
}

int mx_strlcpy(char *dst, const char *src, size_t len, const char *what)
{
	size_t n = strlen(src);

	if (n >= len)
		return mx_fail("%s is too long (%zu characters, at most %zu)",
			       what, n, len - 1);
	memcpy(dst, src, n + 1);
	return 0;
}

double mx_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}
