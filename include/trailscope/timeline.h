/*
 * timeline.h - paging through a store's entries in time order without
 * ever loading them all: keyset pagination on the index entries_ts
 * (ts, seq), jumping to a time, counting a position, and density buckets
 * over the store's time range. Knows nothing of terminals; the TUI's
 * timeline view and benchmarks sit on top of it.
 *
 * Cost: every fetch is one indexed range read of the rows returned (plus
 * a parse of each row's leaf for the approval badge); counts and density
 * are indexed scans proportional to the rows counted, meant for a
 * background thread with its own connection.
 */
#ifndef TRAILSCOPE_TIMELINE_H
#define TRAILSCOPE_TIMELINE_H

#include <stddef.h>
#include <stdint.h>
#include "trailscope/store.h"
#include "trailscope/util.h"

/* The position of one row in time order: (ts, seq), as in entries_ts. */
struct tl_key {
	char ts[32];      /* "YYYY-MM-DDTHH:MM:SS.ffffffZ" */
	int64_t seq;
};

enum tl_row_flags {
	TL_SERVICE = 1 << 0,          /* actor_type is "service" */
	TL_PRODUCTION = 1 << 1,       /* environment looks like production */
	TL_APPROVAL_MISSING = 1 << 2, /* approval required (or production) but nobody approved */
	TL_FAILED = 1 << 3,           /* the leaf's outcome is "failure" */
};

struct tl_row {
	struct tl_key key;
	char *actor, *actor_type, *action, *target, *environment, *summary; /* owned, raw data */
	unsigned flags;   /* enum tl_row_flags */
};

struct tl_page {
	struct tl_row *v;
	size_t n, alloc;
};
#define TL_PAGE_INIT { NULL, 0, 0 }

struct timeline {
	struct store *s;          /* borrowed */
	int newest_first;         /* display order */
	sqlite3_stmt *st[4];      /* cached statements: asc/desc x inclusive/exclusive */
	sqlite3_stmt *first[2];   /* first rows asc/desc */
};

/* Prepares the statements. Returns 0 or -1 (reported). */
int timeline_open(struct timeline *tl, struct store *s, int newest_first);
void timeline_close(struct timeline *tl);

/*
 * Appends to out up to n rows next to from, in display order when forward
 * is set, in reverse display order (nearest first) when it is not. With
 * from NULL the rows start at the beginning (forward) or the end (not
 * forward) of the display order. inclusive includes the row at from.
 * Returns the number of rows appended, or -1 (reported).
 */
int timeline_fetch(struct timeline *tl, const struct tl_key *from, int forward, int inclusive,
		   size_t n, struct tl_page *out);

/* The key of the first row with ts >= t (time order), or of the newest
 * row when none is that late. Returns 1 found, 0 for an empty store, -1
 * on error. */
int timeline_seek_time(struct timeline *tl, usec_t t, struct tl_key *out);

/* Number of rows before key in time order (ascending). Cost: an indexed
 * count over those rows; cancel (may be NULL) stops it early (-1). */
int64_t timeline_count_before(struct store *s, const struct tl_key *key, volatile int *cancel);

/* Oldest and newest ts in the store; returns 1, 0 when empty, -1 on error. */
int timeline_range(struct store *s, usec_t *first, usec_t *last);

/* Fills counts[0..nbuckets) with the number of rows whose ts falls in each
 * of nbuckets equal slices of [first, last]. Returns 0, or -1 on error or
 * cancel. Cost: one indexed count per bucket (every row visited once). */
int timeline_density(struct store *s, usec_t first, usec_t last, size_t nbuckets,
		     uint64_t *counts, volatile int *cancel);

/* The bucket that time t falls in (clamped to [0, nbuckets)). */
size_t timeline_bucket_of(usec_t first, usec_t last, size_t nbuckets, usec_t t);

/* Parses the stored ts format into usec; returns 0 or -1. */
int timeline_parse_ts(const char *ts, usec_t *out);

/* Parses what a user types for a time: an absolute time ("2026-03-05
 * 14:00", "2026-03-05T14:00:00Z", "2026-03-05", "14:00" meaning that
 * time on the day of ref) or an offset from ref ("-2h", "+30m", "-1d",
 * "-90s", "-1w"). Returns 0, or -1 with a reason in *why. */
int timeline_parse_user_time(const char *s, usec_t ref, usec_t *out, const char **why);

void tl_page_clear(struct tl_page *p);
void tl_page_release(struct tl_page *p);
void tl_row_release(struct tl_row *r);
/* Moves src's row into dst (dst must be released or empty). */
void tl_row_move(struct tl_row *dst, struct tl_row *src);

#endif
