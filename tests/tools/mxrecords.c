// SPDX-License-Identifier: GPL-2.0
/*
 * mxrecords: numbered dependent records for write-order tests.
 *
 *   mxrecords write DEV OFFSET COUNT ROUND [DEPTH]
 *       writes record 0, 1, ... COUNT-1 (4 KiB each, O_DIRECT) at OFFSET
 *       with DEPTH writes in flight (default 1): record N is written only
 *       after record N-DEPTH completed and was flushed (fdatasync), so it
 *       depends on it (DEPTH threads, thread t writing records t, t+DEPTH,
 *       ...). With DEPTH 1, record N+1 depends on record N. With
 *       MXRECORDS_STARTED=FILE in the environment it creates FILE once
 *       record 0 is durable (a test's kill then lands mid-stream).
 *   mxrecords check DEV OFFSET COUNT ROUND [DEPTH]
 *       prints "prefix K" where records 0..K-1 of ROUND are intact, and
 *       exits 1 printing "gap at N" if a record is intact while an earlier
 *       one it depends on (same thread: N-DEPTH, N-2*DEPTH, ...) is not.
 *       Each thread's records must be a prefix of its own chain; the
 *       chains are independent (a slow thread may lag far behind).
 *
 * A record: magic, round, index, then bytes derived from (round, index),
 * and a trailing checksum of the rest.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define REC 4096
#define MAGIC 0x5245434f52445321ULL

static uint64_t sum(const unsigned char *p, size_t n)
{
	uint64_t h = 1469598103934665603ULL;

	while (n--)
		h = (h ^ *p++) * 1099511628211ULL;
	return h;
}

static void fill(unsigned char *b, uint64_t round, uint64_t i)
{
	uint64_t *w = (uint64_t *)b, x = round * 0x9e3779b97f4a7c15ULL + i;
	size_t k;

	w[0] = MAGIC;
	w[1] = round;
	w[2] = i;
	for (k = 3; k < REC / 8 - 1; k++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		w[k] = x;
	}
	w[REC / 8 - 1] = sum(b, REC - 8);
}

static int intact(const unsigned char *b, uint64_t round, uint64_t i)
{
	static unsigned char want[REC] __attribute__((aligned(4096)));

	fill(want, round, i);
	return !memcmp(b, want, REC);
}

struct writer {
	pthread_t thread;
	int fd, failed;
	uint64_t off, count, round, first, step;
};

/* Records first, first + step, ...: each after the previous is durable. */
static void *writer(void *arg)
{
	struct writer *wr = arg;
	unsigned char *b;
	uint64_t i;

	if (posix_memalign((void **)&b, 4096, REC)) {
		wr->failed = 1;
		return NULL;
	}
	for (i = wr->first; i < wr->count; i += wr->step) {
		fill(b, wr->round, i);
		if (pwrite(wr->fd, b, REC, wr->off + i * REC) != REC ||
		    fdatasync(wr->fd)) {
			perror("write");
			wr->failed = 1;
			break;
		}
		if (i == 0 && getenv("MXRECORDS_STARTED")) {
			int fd = open(getenv("MXRECORDS_STARTED"),
				      O_WRONLY | O_CREAT, 0644);

			if (fd >= 0)
				close(fd);
		}
	}
	free(b);
	return NULL;
}

int main(int argc, char **argv)
{
	struct writer wr[64];
	unsigned char *b;
	uint64_t off, count, round, depth = 1, i, prefix;
	int fd, w, failed = 0;

	if (argc != 6 && argc != 7) {
		fprintf(stderr, "usage: mxrecords write|check DEV OFFSET COUNT ROUND [DEPTH]\n");
		return 2;
	}
	w = !strcmp(argv[1], "write");
	off = strtoull(argv[3], NULL, 0);
	count = strtoull(argv[4], NULL, 0);
	round = strtoull(argv[5], NULL, 0);
	if (argc == 7)
		depth = strtoull(argv[6], NULL, 0);
	if (depth < 1 || depth > 64) {
		fprintf(stderr, "mxrecords: DEPTH must be 1..64\n");
		return 2;
	}
	fd = open(argv[2], (w ? O_WRONLY : O_RDONLY) | O_DIRECT);
	if (fd < 0 || posix_memalign((void **)&b, 4096, REC)) {
		perror(argv[2]);
		return 2;
	}
	if (w) {
		for (i = 0; i < depth; i++) {
			wr[i] = (struct writer){ .fd = fd, .off = off,
				.count = count, .round = round, .first = i,
				.step = depth };
			if (pthread_create(&wr[i].thread, NULL, writer, &wr[i])) {
				perror("pthread_create");
				return 2;
			}
		}
		for (i = 0; i < depth; i++) {
			pthread_join(wr[i].thread, NULL);
			failed |= wr[i].failed;
		}
		if (failed)
			return 2;
		printf("wrote %llu\n", (unsigned long long)count);
		return 0;
	}
	prefix = count;
	for (i = 0; i < depth; i++)
		wr[i].first = count;	/* first missing record of chain i */
	for (i = 0; i < count; i++) {
		uint64_t *miss = &wr[i % depth].first;

		if (pread(fd, b, REC, off + i * REC) != REC) {
			perror("read");
			return 2;
		}
		if (intact(b, round, i)) {
			if (*miss != count) {
				printf("prefix %llu\ngap at %llu\n",
				       (unsigned long long)prefix,
				       (unsigned long long)*miss);
				return 1;
			}
		} else {
			if (prefix == count)
				prefix = i;
			if (*miss == count)
				*miss = i;
		}
	}
	printf("prefix %llu\n", (unsigned long long)prefix);
	return 0;
}
