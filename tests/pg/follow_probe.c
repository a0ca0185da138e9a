/*
 * follow_probe.c - a follower for tests/cli/pg_live.sh: opens STORE
 * read-only, follows it with follow.h (on PostgreSQL: LISTEN/NOTIFY) and
 * prints "ready SIZE", then "size SIZE MS" each time the store changed
 * (MS: the wall clock in milliseconds since the epoch, when it saw it),
 * and after SECONDS "stopped". With --version it polls store_data_version
 * every 100 ms instead and prints "version V SIZE MS" on each change.
 *   follow_probe STORE SECONDS [--version]
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "trailscope/follow.h"
#include "trailscope/store.h"

static volatile sig_atomic_t stop;

static void on_alarm(int sig)
{
	(void)sig;
	stop = 1;
}

static long long now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_REALTIME, &t);
	return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static int by_version(struct store *s)
{
	int64_t v = store_data_version(s), w;

	if (v < 0)
		return 1;
	printf("ready %lld\n", (long long)store_size(s));
	fflush(stdout);
	while (!stop) {
		struct timespec t = { 0, 100 * 1000000L };

		nanosleep(&t, NULL);
		w = store_data_version(s);
		if (w < 0)
			return 1;
		if (w != v) {
			v = w;
			printf("version %lld %lld %lld\n", (long long)v, (long long)store_size(s), now_ms());
			fflush(stdout);
		}
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct sigaction sa;
	struct store s;
	struct store_follow f;
	int rc = 0;

	if (argc < 3) {
		fprintf(stderr, "usage: follow_probe STORE SECONDS [--version]\n");
		return 2;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm; /* no SA_RESTART: the wait returns */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	if (store_open(&s, argv[1], STORE_READONLY))
		return 1;
	alarm((unsigned)atoi(argv[2]));
	if (argc > 3 && !strcmp(argv[3], "--version")) {
		rc = by_version(&s);
	} else if (follow_init(&f, &s)) {
		rc = 1;
	} else {
		printf("ready %lld\n", (long long)store_size(&s));
		fflush(stdout);
		while (!rc) {
			int w = follow_wait(&f, 200, &stop);

			if (w <= 0) {
				rc = w < 0;
				break;
			}
			printf("size %lld %lld\n", (long long)store_size(&s), now_ms());
			fflush(stdout);
		}
	}
	printf("stopped\n");
	store_close(&s);
	return rc;
}
