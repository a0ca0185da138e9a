/*
 * event.h - the normalised audit event that every format reads records
 * into (formats.h; the generic schema of docs/EVENTS.md is
 * format_jsonl.c's) and that becomes a leaf (leaf.h): the RFC 8785
 * canonical JSON bytes that the store keeps verbatim and the Merkle tree
 * hashes.
 */
#ifndef TRAILSCOPE_EVENT_H
#define TRAILSCOPE_EVENT_H

#include <jansson.h>
#include "trailscope/buf.h"
#include "trailscope/diff.h"
#include "trailscope/util.h"

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

/* "success", "failure" or "unknown": the outcome's name in the leaf and in
 * entries.outcome. */
const char *outcome_name(enum outcome o);
/* The outcome a name says, exactly as outcome_name() writes it (a leaf's
 * "outcome.status", entries.outcome, a query's outcome:VALUE), or -1 for
 * NULL or any other text. The synonyms import accepts are not names. */
int outcome_parse(const char *name);

#endif
