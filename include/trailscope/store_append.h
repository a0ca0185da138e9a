/*
 * store_append.h - the store's write seam: the one place that owns every
 * write statement and the look-ups import needs; the PostgreSQL store
 * implements the same interface (pg_append.c, which these functions
 * dispatch to when the store is one).
 *
 * Behind it (store_append.c, for SQLite): the rows of an appended event
 * (entries, changes, entries_fts, entry_text), the cached Merkle nodes,
 * checkpoints and incidents, and the look-ups made while appending (is an
 * event id stored, a target's previous state, its recent toggles). Every
 * statement an append handle uses is prepared once and reused. The anchor
 * rows (time-stamp tokens, their requests, witness cosignatures; declared
 * in anchors.h) are added here too, one statement per call. Creating
 * and upgrading the schema and writing meta stay with store_open
 * (store.c). All writes happen inside the caller's transaction
 * (store_begin ... store_commit); nothing here begins or commits one.
 * Errors are reported (store_error) and returned as -1.
 */
#ifndef TRAILSCOPE_STORE_APPEND_H
#define TRAILSCOPE_STORE_APPEND_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include "trailscope/diff.h"
#include "trailscope/event.h"
#include "trailscope/merkle.h"
#include "trailscope/store.h"
#include "trailscope/util.h"

struct incident;

/* An append handle: one import's (or incident import's) prepared
 * statements on s, and their scratch space. */
struct store_append;

/* One row of `changes`. Strings are borrowed for the call. */
struct store_change_row {
	const char *path;
	enum change_kind kind;
	const char *before, *after; /* canonical JSON, or NULL (absent) */
	int before_unknown;
};

/* One appended event: its `entries` row, its changes, and the text its
 * `entries_fts` and `entry_text` rows index. Everything is borrowed for
 * the call. */
struct store_entry_row {
	int64_t seq;
	const char *leaf;
	size_t leaf_len;
	const unsigned char *leaf_hash;  /* HASH_LEN bytes */
	const char *event_id, *ts, *actor_id, *actor_name, *actor_type, *action, *target_key,
		*target_kind, *environment;  /* actor_name may be NULL */
	const char *summary;
	size_t summary_len;
	const char *source_file;         /* may be NULL */
	long source_line;
	unsigned risk;                   /* RISK_* bits */
	enum outcome outcome;
	const char *reason, *ticket;     /* for entries_fts; either may be NULL */
	const char *raw;                 /* the source record, verbatim, for entry_text */
	size_t raw_len;
	/* raw already packed against this very leaf (raw_pack.h), or NULL:
	 * a SQLite store then packs it; PostgreSQL keeps raw as text */
	const void *raw_packed;
	size_t raw_packed_len;
	const struct store_change_row *changes;
	size_t nchanges;
};

/* Prepares the append statements on s, which must be open for writing
 * and inside a transaction. Returns the handle, or NULL (reported). */
struct store_append *store_append_open(struct store *s);
/* Finalizes the handle's statements and frees it (NULL is fine). Call it
 * before store_commit or store_rollback. */
void store_append_close(struct store_append *a);

/* 1 when an entry with event_id is stored, 0 when not, -1 on error. */
int store_has_event(struct store_append *a, const char *event_id);

/* Appends e: its entries row, its changes rows (idx 0, 1, ... in order),
 * its entries_fts row (reason, target, actor id and name, ticket) and its
 * entry_text row (summary, raw). Returns 0 or -1. */
int store_append_event(struct store_append *a, const struct store_entry_row *e);

/* Caches the Merkle subtree hash at (level, idx) when level is one the
 * store caches (a multiple of STORE_NODE_STRIDE), replacing any stored
 * one; other levels are ignored. Returns 0 or -1. */
int store_append_node(struct store_append *a, unsigned level, uint64_t idx,
		      const unsigned char hash[HASH_LEN]);

/* The "after" member of the newest stored leaf (by ts, then seq) of the
 * target kind/key in env: a new reference, or NULL when there is none, it
 * has no "after", or the look-up failed. */
json_t *store_prev_state(struct store_append *a, const char *kind, const char *key,
			 const char *env);

/* The number of stored entries of target in env with from <= ts < until
 * that switched something (a change of the whole state, of "enabled" or
 * of a member ending ".enabled"), or -1 on error. */
int store_recent_toggles(struct store_append *a, const char *target, const char *env,
			 usec_t from, usec_t until);

/* Stores incident in (INSERT OR REPLACE by id) and sets *was to 0 when
 * its id was new, 1 when the same record was stored, 2 when a different
 * one was (and is replaced). Returns 0 or -1. */
enum { STORE_INCIDENT_NEW, STORE_INCIDENT_SAME, STORE_INCIDENT_REPLACED };
int store_put_incident(struct store_append *a, const struct incident *in, int *was);

/* Adds a signed checkpoint note for tree size (a no-op when one of that
 * size is stored), stamped with the current time. Returns 0 or -1. */
int store_add_checkpoint(struct store *s, uint64_t size, const char *note);

#endif
