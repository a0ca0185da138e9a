/*
 * bundle_int.h - what the bundle files share (private to src/core/bundle_*.c):
 * the events a bundle holds, as verify finds them, and the event pass of
 * bundle_verify_events.c.
 */
#ifndef TRAILSCOPE_BUNDLE_INT_H
#define TRAILSCOPE_BUNDLE_INT_H

#include "trailscope/bundle.h"

/* One event of the bundle: which of its files are there, what checked. */
struct bundle_item {
	int64_t seq;
	int leaf, proof, record;  /* present */
	int raw;                  /* data/entries/SEQ.raw present */
	int ok;                   /* leaf and proof check */
	long record_line;
};

/* A line file of a bundle, mapped read-only and split into lines (each
 * without its LF). */
struct bundle_lines {
	const char *text;         /* the file's bytes */
	size_t len;
	size_t *start;            /* line k is text[start[k], start[k + 1] - 1) */
	size_t n;                 /* lines */
	int unterminated;         /* the last line has no LF */
	void *map;
};
/* Opens path (at most max bytes) the bag's safe way (bagit.h). Returns 0,
 * or -1 with a reason in why (bundle_packed.c). */
int bundle_lines_open(int dfd, const char *path, size_t max, struct bundle_lines *l, struct buf *why);
void bundle_lines_get(const struct bundle_lines *l, size_t k, const char **s, size_t *len);
void bundle_lines_release(struct bundle_lines *l);

/* Reads a bundle file (at most max bytes) into out; a failure is a
 * MISSING fault on r and -1 (bundle_verify.c). */
int bundle_read_part(int dfd, const char *path, size_t max, struct buf *out, struct bundle_report *r);

/* Adds a formatted fault to r (bundle_verify.c). */
void bundle_report_faultf(struct bundle_report *r, enum bundle_fault_kind kind, const char *file, long line,
			  const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/*
 * Checks every event of items (n of them, sorted by seq) and the
 * renderings made from their leaves: each leaf and its proof (against
 * cp, NULL when data/checkpoint is unusable, and cp_bytes), then
 * data/events.jsonl, data/events.csv and data/changes.csv against the
 * leaves' renderings, streamed. Each leaf and proof is read once, on
 * every core; faults come out in the order of items, then per file.
 */
void bundle_check_events(int dfd, struct bundle_item *items, size_t n, const struct buf *cp_bytes,
			 const struct checkpoint *cp, struct bundle_report *r);

#endif
