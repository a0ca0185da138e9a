/*
 * entry.h - reading one stored event back: its display columns, its
 * parsed leaf (context, source, raw record, states) and its per-field
 * changes, plus which checkpoint covers it. Shared by `show`, the TUI and
 * exports.
 */
#ifndef TRAILSCOPE_ENTRY_H
#define TRAILSCOPE_ENTRY_H

#include <jansson.h>
#include <stdint.h>
#include "trailscope/diff.h"
#include "trailscope/event.h"
#include "trailscope/store.h"

/* Where an entry's raw source record came from (entry_raw). */
enum entry_raw_state {
	ENTRY_RAW_NONE,          /* none: the leaf does not parse or has no raw record */
	ENTRY_RAW_LEAF,          /* the leaf's "raw" member (leaf versions 1 and 2) */
	ENTRY_RAW_TEXT,          /* entry_text.raw, matching the leaf's raw_sha256 (version 3) */
	ENTRY_RAW_MISSING,       /* version 3, but entry_text has no row for the entry */
	ENTRY_RAW_ALTERED,       /* version 3, but entry_text.raw does not match raw_sha256 */
	ENTRY_RAW_DAMAGED,       /* version 3, but entry_text.raw is packed and does not unpack */
};

struct entry {
	int64_t seq;
	char *event_id, *ts, *actor, *actor_type, *action, *target, *target_kind, *environment;
	char *summary;
	json_t *leaf;            /* the parsed leaf, or NULL when it does not parse */
	char *raw;               /* the raw source record (entry_raw), or NULL */
	size_t raw_len;
	enum entry_raw_state raw_state;
	struct change_list changes;
	uint64_t covered_by;     /* size of the smallest checkpoint covering seq, 0 if pending */
};

/* Loads by seq (when id is all digits) or by event id. Returns 1 found,
 * 0 not found, -1 on error. Release with entry_release(). */
int entry_load(struct store *s, const char *id, struct entry *e);
int entry_load_seq(struct store *s, int64_t seq, struct entry *e);
void entry_release(struct entry *e);
/* The event id of the entry at seq, without loading the rest: 1 with *id
 * set (the caller frees it), 0 when no entry (or one without an id) has
 * that seq, -1 on error (reported). */
int entry_event_id(struct store *s, int64_t seq, char **id);

/*
 * The raw source record of the entry, as the leaf commits to it: the
 * leaf's "raw" member (versions 1 and 2) or the entry_text row whose
 * SHA-256 is the leaf's "raw_sha256" (version 3). Returns it with its
 * length in *len (borrowed from e), or NULL when there is none or the row
 * is missing or does not match (e->raw_state says which; verify reports
 * it as MODIFIED).
 */
const char *entry_raw(const struct entry *e, size_t *len);
/* Why entry_raw gave NULL, in words ("" when it did not). */
const char *entry_raw_problem(const struct entry *e);

/* Convenience accessors into the leaf ("" or NULL when absent). */
const char *entry_context_str(const struct entry *e, const char *key);
json_t *entry_leaf_get(const struct entry *e, const char *key);

/*
 * The outcome as the leaf records it: OUTCOME_SUCCESS or OUTCOME_FAILURE (a
 * version 2 leaf), or OUTCOME_UNKNOWN (version 1, or a leaf that does not
 * parse). *code and *message get the leaf's failure code and message, or
 * NULL.
 */
enum outcome entry_outcome(const struct entry *e, const char **code, const char **message);

/*
 * For a version 1 leaf (outcome "unknown"), what its own context says of
 * failure, for display only: 1 when the importer marked it failed
 * (context.failed, from a Kubernetes code >= 400 or a CloudTrail
 * errorCode), appending the code found there (if any) to code. 0
 * otherwise.
 */
int entry_v1_context_failed(const struct entry *e, struct buf *code);

/* The outcome in words, appended to out: "success"; "FAILED CODE: MESSAGE
 * (a failed request changed nothing)"; for a version 1 leaf "unknown (a
 * version 1 leaf records none)", plus what its context says of failure,
 * labelled as such. */
void entry_outcome_text(const struct entry *e, struct buf *out);

/* 1 when the source recorded no state for this event (the leaf's
 * before_known is false and it has no after): the event view, show, the
 * summary and CSV then say STATE_NOT_RECORDED, not "no field changed". */
int entry_state_not_recorded(const struct entry *e);

/* The entry as the JSON object `show --format json` prints (new ref). */
json_t *entry_to_json(const struct entry *e);

#endif
