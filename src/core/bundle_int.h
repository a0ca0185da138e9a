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
