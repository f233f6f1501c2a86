// SPDX-License-Identifier: GPL-2.0
/*
 * Device-mapper event waits with a timeout (see mx_watch.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "mx_conf.h"
#include "mx_dm.h"
#include "mx_util.h"
#include "mx_watch.h"

struct mx_watcher {
	char name[MX_NAME_LEN];		/* set before the thread starts */
	uint32_t event_nr;		/* likewise */
	atomic_bool running;		/* cleared by the thread as it ends */
	bool used;			/* slot taken (main thread only) */
};

static struct mx_watcher mx_watchers[MX_WATCH_MAX];
static int mx_watch_pipe[2] = { -1, -1 };

static void mx_watch_poke(void)
{
	ssize_t n = write(mx_watch_pipe[1], "e", 1);

	(void)n;	/* a full pipe already wakes the waiter */
}

static void *mx_watch_thread(void *arg)
{
	struct mx_watcher *w = arg;
	uint32_t nr = w->event_nr, now;

	while (!mx_dm_wait_event(w->name, nr, &now)) {
		if (now == nr) {
			/* Woken without an event: do not spin. */
			usleep(100000);
			continue;
		}
		nr = now;
		mx_watch_poke();
	}
	/* The device is gone: the caller's next status read sees it. */
	atomic_store(&w->running, false);
	mx_watch_poke();
	return NULL;
}

static int mx_watch_init(void)
{
	if (mx_watch_pipe[0] >= 0)
		return 0;
	if (pipe2(mx_watch_pipe, O_CLOEXEC | O_NONBLOCK))
		return mx_fail("cannot make a pipe: %s", strerror(errno));
	return 0;
}

int mx_watch_add(const char *name, uint32_t event_nr)
{
	struct mx_watcher *w = NULL;
	pthread_attr_t attr;
	pthread_t t;
	size_t i;
	int r;

	if (mx_watch_init())
		return -1;
	for (i = 0; i < MX_WATCH_MAX; i++) {
		struct mx_watcher *c = &mx_watchers[i];
		/* A slot whose thread ended is free: it no longer touches it. */
		bool free_slot = !c->used || !atomic_load(&c->running);

		if (c->used && !free_slot && !strcmp(c->name, name))
			return 0;
		if (free_slot && !w)
			w = c;
	}
	if (!w)
		return mx_fail("more than %d devices to watch", MX_WATCH_MAX);
	if (mx_strlcpy(w->name, name, sizeof(w->name), "mirror name"))
		return -1;
	w->event_nr = event_nr;
	w->used = true;
	atomic_store(&w->running, true);
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	/* The thread only waits: a small stack. */
	pthread_attr_setstacksize(&attr, 256 * 1024);
	r = pthread_create(&t, &attr, mx_watch_thread, w);
	pthread_attr_destroy(&attr);
	if (r) {
		atomic_store(&w->running, false);
		return mx_fail("cannot start a thread to watch %s: %s", name,
			       strerror(r));
	}
	return 0;
}

int mx_watch_wait(int timeout_ms)
{
	struct pollfd pfd;
	char buf[64];
	int r;

	if (mx_watch_init())
		return -1;
	pfd.fd = mx_watch_pipe[0];
	pfd.events = POLLIN;
	do {
		r = poll(&pfd, 1, timeout_ms);
	} while (r < 0 && errno == EINTR);
	if (r < 0)
		return mx_fail("poll: %s", strerror(errno));
	if (r == 0)
		return 0;
	while (read(mx_watch_pipe[0], buf, sizeof(buf)) > 0)
		;
	return 1;
}

int mx_watch_name(const char *name)
{
	struct mx_dm_info info;

	if (mx_dm_info(name, &info))
		return -1;
	return info.exists ? mx_watch_add(name, info.event_nr) : 0;
}

bool mx_watch_active(void)
{
	size_t i;

	for (i = 0; i < MX_WATCH_MAX; i++)
		if (mx_watchers[i].used && atomic_load(&mx_watchers[i].running))
			return true;
	return false;
}
