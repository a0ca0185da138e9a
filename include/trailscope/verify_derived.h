/*
 * verify_derived.h - re-deriving what import derives from a leaf (the
 * per-field changes, the summary, the change count, the risk bits and the
 * regex text) and checking the store's derived rows against it, so that
 * nothing a view shows as evidence can be edited without `verify` failing
 * (docs/STORE.md, "Derived data").
 */
#ifndef TRAILSCOPE_VERIFY_DERIVED_H
#define TRAILSCOPE_VERIFY_DERIVED_H

#include <jansson.h>
#include <stdint.h>
#include "trailscope/buf.h"
#include "trailscope/diff.h"
#include "trailscope/entry.h"
#include "trailscope/store.h"
#include "trailscope/util.h"
#include "trailscope/verify.h"

/* What import derives from one event, re-derived from its parsed leaf. */
struct derived {
	struct change_list changes;  /* diff_json(before, after, before_known) */
	struct buf summary;          /* entry_summary(changes, before_known) */
	int legacy_summary;          /* a v1 leaf with no state recorded: stores written
				      * before leaf v2 kept an empty summary for it */
	unsigned risk;               /* risk_of_event(): every bit but RISK_RAPID_TOGGLE */
	int toggle;                  /* risk_is_toggle(): may earn RISK_RAPID_TOGGLE */
	int toggle_like;             /* counted by a later toggle's rapid-toggle look-up */
	usec_t ts;                   /* the leaf's ts */
	const char *target, *environment; /* borrowed from the leaf */
	const char *raw;             /* the leaf's raw member, borrowed; NULL when absent */
	size_t raw_len;
	const char *raw_sha256;      /* a version 3 leaf's raw_sha256, borrowed; else NULL */
	const char *source_file;     /* the leaf's source.file, borrowed, or NULL */
	long long source_line;       /* the leaf's source.line, or -1 */
};

void derived_init(struct derived *d);
void derived_release(struct derived *d);
/* Fills d from leaf, a parsed leaf object (borrowed: d points into it, so
 * keep it alive while d is used). Returns 0, or -1 when the leaf lacks a
 * member the derivation needs (verify reports such a leaf as MALFORMED). */
int derived_from_leaf(const json_t *leaf, struct derived *d);

/* For views that show one event (`show`, the TUI event view): replaces the
 * entry's changes and summary, as read from the derived tables, with those
 * re-derived from its leaf, so what is shown is what the leaf hash covers.
 * An entry whose leaf does not parse is left with no changes and an empty
 * summary. */
void derived_entry_from_leaf(struct entry *e);

/*
 * Checks every derived row and column of the store (docs/STORE.md,
 * "Derived data") against the leaves, in one consistent read of its own.
 * derived_check_start runs it on a worker thread with a read-only
 * connection of its own, so it overlaps the caller's hashing; where a
 * second connection cannot be opened it runs at derived_check_finish on
 * the caller's connection instead. cancel, when set non-zero, stops it.
 * derived_check_finish waits and calls fault(ctx, kind, seq, seq_end,
 * detail) once per entry and table that differs (kind FAULT_MODIFIED, seq_end =
 * seq; past VERIFY_MAX_FAULTS per half, ranges with one detail), or per
 * leaf that verify's own scan accepts but that is not a valid event to
 * derive from (kind FAULT_MALFORMED), in seq order; with fault NULL it stops the
 * check early and reports nothing (the caller gave up). It returns 0 or -1
 * (an I/O error, reported, or a cancel) and frees dc in every case.
 */
struct derived_check;
typedef void derived_fault_fn(void *ctx, enum fault_kind kind, uint64_t seq, uint64_t seq_end, const char *detail);
struct derived_check *derived_check_start(struct store *s, volatile int *cancel);
int derived_check_finish(struct derived_check *dc, derived_fault_fn *fault, void *ctx);

#endif
