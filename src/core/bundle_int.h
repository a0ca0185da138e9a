/*
 * bundle_int.h - what the bundle files share (private to src/core/bundle_*.c):
 * the events a bundle holds, as verify finds them, and the event pass of
 * bundle_verify_events.c.
 */
#ifndef TRAILSCOPE_BUNDLE_INT_H
#define TRAILSCOPE_BUNDLE_INT_H

#include "trailscope/bundle.h"

/* One event of the bundle: which of its files are there, what checked
 * (a packed bundle's: one line of each line file; seq 0 when its leaf
 * line has none). */
struct bundle_item {
	int64_t seq;
	int leaf, proof, record;  /* present */
	int raw;                  /* data/entries/SEQ.raw present (per-event) */
	int ok;                   /* leaf and proof check */
	long record_line;
	int hashed;               /* hash is the leaf's hash */
	unsigned char hash[HASH_LEN];
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
/* Lines before k will not be read again: their pages leave the
 * process's memory (the file stays in the page cache). */
void bundle_lines_done(struct bundle_lines *l, size_t k);
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

/* A rendering compared with its file as the file is read
 * (bundle_verify_events.c). */
struct bundle_cmp {
	const char *file;
	int fd;                        /* -1: unreadable (a fault said so) */
	char buf[65536];
	size_t pos, len;
	int eof, differs;
	long line;                     /* 1 + the newlines that matched */
};

/* Opens file for comparing (a MISSING fault on r when it cannot be read). */
void bundle_cmp_open(struct bundle_cmp *c, int dfd, const char *file, struct bundle_report *r);
/* Compares the next len bytes of the file with want. */
void bundle_cmp_feed(struct bundle_cmp *c, const char *want, size_t len);
/* Opens the n files for comparing (cmp[k] compares files[k]; faults go to
 * late), then compares the header lines of data/events.csv (cmp[ev], of
 * csv_layout) and data/changes.csv (cmp[ch]) before their rows. */
void bundle_cmp_open_all(struct bundle_cmp *cmp, int n, int dfd, const char *const *files,
			 struct bundle_report *late, int ev, int ch, int csv_layout);
/* The file matched so far: it must end here. */
void bundle_cmp_finish(struct bundle_cmp *c);
void bundle_cmp_close(struct bundle_cmp *c);
/* The events.csv layout the header line of data/events.csv names. */
int bundle_csv_layout(int dfd);
/* A RECORD fault at data/events.jsonl:line saying which member of rec
 * differs from what leaf (named lpath) gives. */
void bundle_explain_record(const json_t *rec, const json_t *leaf, const char *lpath, long line,
			   struct bundle_report *r);
/* Moves from's faults to r, in order. */
void bundle_take_faults(struct bundle_report *r, struct bundle_report *from);
/* Copies the faults of late about file to r. */
void bundle_late_faults(struct bundle_report *r, const struct bundle_report *late, const char *file);

/*
 * The event pass over a packed bundle (bundle_verify_packed.c): each line
 * of data/leaves.jsonl with the same line of data/proofs.jsonl (its
 * inclusion proof against cp) and of data/events.jsonl (its record, whose
 * raw record is checked against the leaf's raw_sha256), every line's seq
 * after the one before, and data/events.csv and data/changes.csv against
 * the leaves' renderings, streamed. Fills *items (one per leaf line, in
 * line order, malloc'd) with each leaf's seq, hash and verdict.
 */
void bundle_check_packed(int dfd, const struct checkpoint *cp, struct bundle_item **items, size_t *nitems,
			 struct bundle_report *r);
/* The item of seq in items (n, sorted by seq), or NULL. */
struct bundle_item *bundle_find_item(struct bundle_item *items, size_t n, int64_t seq);

#endif
