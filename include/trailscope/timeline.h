/*
 * timeline.h - paging through a store's entries in time order without
 * ever loading them all: keyset pagination on the index entries_ts
 * (ts, seq), jumping to a time, counting a position, density buckets
 * over the store's time range, and the position model of a window of rows
 * (struct tl_window). Knows nothing of terminals; the TUI's
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
	char *target_kind; /* owned, raw data; NULL when the fetch did not read it */
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
	char *fetch_sql[4];       /* owned: the SQL of asc/desc x exclusive/inclusive pages */
	char *first_sql[2];       /* owned: first rows asc/desc */
};

/* Readies the SQL for s's backend (SQLite or PostgreSQL: every function
 * here reads both, through rows.h). Returns 0. */
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

/* The row of the entry at seq (its key, display columns and flags, as a
 * fetch gives it): 1 found (release with tl_row_release), 0 when the
 * store has no such seq, -1 on error (reported). One primary-key read. */
int timeline_row_at(struct store *s, int64_t seq, struct tl_row *out);

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

/*
 * The timeline's position model: the window of rows on screen over the
 * (ts, seq) keyset pages, the cursor in it, and the cursor's position in
 * display order ("row i of N"). Only the rows shown are held; every move
 * is a fetch of a few rows next to the window's edge. Knows nothing of
 * terminals: fetch is timeline_fetch()'s contract over whatever the
 * caller pages (the TUI: its filter's query).
 */
typedef int (*tl_fetch_fn)(void *ctx, const struct tl_key *from, int forward, int inclusive,
			   size_t n, struct tl_page *out);

struct tl_window {
	tl_fetch_fn fetch;
	void *ctx;
	struct tl_page page;  /* rows shown, in display order */
	int cur;              /* cursor index in page */
	int rows;             /* rows that fit; 0 means 20 */
	int64_t dpos;         /* cursor's 0-based position in display order, -1 unknown */
	int rank_pending;     /* a count of the cursor's position was asked for */
	unsigned rank_gen;    /* generation of that request */
	int64_t rank_delta;   /* cursor moves (display order) since it was asked */
	int from_end;         /* dpos is total - 1 + rank_delta once the total is known */
};

void tl_window_init(struct tl_window *w, tl_fetch_fn fetch, void *ctx, int rows);
void tl_window_release(struct tl_window *w);
/* Rows the window holds when full. */
int tl_window_rows(const struct tl_window *w);
/* The row under the cursor, NULL when the window is empty. */
const struct tl_row *tl_window_cursor(const struct tl_window *w);
/* Fills the window with up to `above` rows before key and the rest from
 * key on (inclusive; more rows above near the end); the cursor lands on
 * key. The position is left as it was (see tl_window_forget). */
void tl_window_center(struct tl_window *w, const struct tl_key *key, int above);
/* The first rows of the display order, cursor on the first (position 0). */
void tl_window_first(struct tl_window *w);
/* The last rows, cursor on the last: position total - 1 when total (rows
 * in the display order, -1 while unknown) is known; unknown and settled by
 * tl_window_settle when counted is set, else 0. */
void tl_window_last(struct tl_window *w, int64_t total, int counted);
/* Scrolls the window by k rows (positive: later in display order); the
 * cursor stays on its row while shown. Returns how far it moved. */
int tl_window_scroll(struct tl_window *w, int k);
/* Puts the cursor on index i of the window (clamped), tracking the position. */
void tl_window_set_cursor(struct tl_window *w, int i);
/* Moves the cursor by n rows, scrolling only as needed. */
void tl_window_move(struct tl_window *w, int n);
/* Pages: the window moves by n rows, the cursor keeps its line (or moves
 * the rest of the way at either end). */
void tl_window_page(struct tl_window *w, int n);
/* Puts the cursor on the row with key's seq, if shown: 1 found, else 0. */
int tl_window_cursor_to(struct tl_window *w, const struct tl_key *key);
/* The position is unknown (after a jump): it is to be counted. */
void tl_window_forget(struct tl_window *w);
/* The window now holds rows rows: refetched from its first row when it
 * grows, cut around the cursor when it shrinks. */
void tl_window_resize(struct tl_window *w, int rows);
/* Is the cursor on the last row of the display order (end set) or the
 * first (end clear), with no row beyond it? An empty window is. */
int tl_window_at_edge(struct tl_window *w, int end);
/* The display order was reversed, the window re-centred on the cursor's
 * row: position i becomes total - 1 - i (forgotten while total is -1). */
void tl_window_reversed(struct tl_window *w, int64_t total);
/* Settles a position waiting for the total (tl_window_last): returns 1
 * when the position became known. */
int tl_window_settle(struct tl_window *w, int64_t total);
/* Asks for a count of the cursor's position: returns the generation the
 * answer must carry. */
unsigned tl_window_rank_ask(struct tl_window *w);
/* The count arrived: before rows precede the cursor's row in time order,
 * of total rows, display order newest first or not. Returns 1 when it
 * gave a position (0: out of range, the rows moved; count again). */
int tl_window_ranked(struct tl_window *w, int64_t before, int64_t total, int newest_first);

void tl_page_clear(struct tl_page *p);
void tl_page_release(struct tl_page *p);
void tl_row_release(struct tl_row *r);
/* Moves src's row into dst (dst must be released or empty). */
void tl_row_move(struct tl_row *dst, struct tl_row *src);

#endif
