/*
 * event.h - the normalised audit event, how it is read from a JSON record
 * (the generic schema of docs/EVENTS.md, which includes both shapes shown
 * in DESIGN.md), and how it becomes a leaf: the RFC 8785 canonical JSON
 * bytes that the store keeps verbatim and the Merkle tree hashes.
 */
#ifndef TRAILSCOPE_EVENT_H
#define TRAILSCOPE_EVENT_H

#include <jansson.h>
#include "trailscope/buf.h"
#include "trailscope/diff.h"
#include "trailscope/util.h"

/* Leaf format written now: 2 adds the "outcome" member (docs/STORE.md);
 * leaves of version 1 stay valid and read as outcome "unknown". */
#define LEAF_VERSION 2

/* What became of the request an event records. _(NAME, "name") */
#define OUTCOME_INFO(_) \
	_(SUCCESS, "success") /* it was carried out (or the source says nothing of failure) */ \
	_(FAILURE, "failure") /* the source says it failed: it changed nothing */ \
	_(UNKNOWN, "unknown") /* a version 1 leaf, which does not say */

#define OUTCOME_ENUM(name, str) OUTCOME_##name,
enum outcome { OUTCOME_INFO(OUTCOME_ENUM) };
#undef OUTCOME_ENUM

struct event {
	char *event_id;       /* from the source, or "sha256:" + digest of the record */
	usec_t ts;            /* UTC microseconds */
	char *ts_source;      /* the source's own text for the time */
	char *actor_id;
	char *actor_name;     /* display name, or NULL */
	char *actor_type;     /* "user", "service", or "unknown" */
	char *actor_auth;     /* auth method, or NULL */
	char *action;
	char *target_kind;
	char *target_key;
	char *environment;    /* "" when the source has none */
	json_t *before;       /* state before, or NULL (absent or unknown) */
	json_t *after;        /* state after, or NULL (absent, e.g. a delete) */
	int before_known;     /* the source recorded the state before */
	json_t *context;      /* object: scope, reason, correlation_id, ticket,
			       * links, approval (members only when present) */
	json_t *source;       /* object: format, file, line (+ index) */
	enum outcome outcome; /* OUTCOME_SUCCESS or OUTCOME_FAILURE */
	char *outcome_code;   /* the source's failure code ("403", "AccessDenied"), or NULL */
	char *outcome_message; /* the source's failure message, or NULL */
	char *raw;            /* the original record's text, verbatim */
	size_t raw_len;
};

void event_release(struct event *ev);

/*
 * Reads one generic-schema record (already parsed from raw). On error
 * returns -1 and writes a reason into err (e.g. 'missing "timestamp"',
 * 'expected string for "actor"') and, when at is not NULL and one member
 * is at fault, its dotted path into at ("actor.id"), so the caller can
 * report the column where its value starts; a missing member leaves at
 * empty (the record's own position). Takes its own references to parts
 * of rec; rec may be released afterwards. raw is copied. Ids (event id,
 * actor id, target key) may be JSON integers, taken as the digits of
 * their text; other text fields must be strings.
 */
int event_from_generic(const json_t *rec, const char *raw, size_t raw_len,
		       struct event *ev, struct buf *err, struct buf *at);

/* Sets ev->source = {"format": format, "file": file, "line": line}. */
void event_set_source(struct event *ev, const char *format, const char *file, long line);

/* When the source gave no id: "sha256:" + the first 16 bytes, in hex, of
 * the SHA-256 of the record's exact canonical JSON (jcs_serialize_exact
 * over raw, the text rec was parsed from), so importing it again is
 * recognised and records that differ in any digit are not. */
void event_derive_id(struct event *ev, const json_t *rec, const char *raw, size_t raw_len);

/* Marks ev as a failed request with the source's code and message (either
 * may be NULL or empty; both are copied). */
void event_set_failure(struct event *ev, const char *code, const char *message);

/*
 * Reads a generic "outcome" member (docs/EVENTS.md): "success"/"failure"
 * (and the synonyms listed there), or {"status": ..., "code": ...,
 * "message": ...}. Absent or null leaves ev a success. Returns 0, or -1
 * with a reason in err.
 */
int event_read_outcome(const json_t *v, struct event *ev, struct buf *err);

/* "success", "failure" or "unknown": the outcome's name in the leaf and in
 * entries.outcome. */
const char *outcome_name(enum outcome o);
/* The outcome a name says, exactly as outcome_name() writes it (a leaf's
 * "outcome.status", entries.outcome, a query's outcome:VALUE), or -1 for
 * NULL or any other text. The synonyms import accepts are not names. */
int outcome_parse(const char *name);

/* Builds the leaf (canonical JSON object, docs/STORE.md) for seq. */
void event_leaf(const struct event *ev, int64_t seq, struct buf *out);


#endif
