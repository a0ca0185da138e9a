/*
 * incident.h - incidents kept beside the events (docs/STORE.md, table
 * `incidents`): reading them from JSON lines or a PagerDuty-style export,
 * storing them, listing them and finding one by id. Incidents are context
 * for correlation, not evidence: re-importing an id replaces it.
 *
 * Accepted records (docs/CORRELATION.md): JSON lines, one incident per
 * line, with "id", "title", "severity", "services" (list), "environment",
 * "started_at" (impact start), "detected_at", "resolved_at"; or one JSON
 * document {"incidents": [...]} of PagerDuty incident objects ("id",
 * "title"/"summary", "created_at", "service": {"summary"}, "urgency",
 * "priority": {"summary"}, "resolved_at"/"last_status_change_at").
 */
#ifndef TRAILSCOPE_INCIDENT_H
#define TRAILSCOPE_INCIDENT_H

#include <jansson.h>
#include <stdint.h>
#include "trailscope/buf.h"
#include "trailscope/store.h"
#include "trailscope/util.h"

#define INCIDENT_NO_TIME INT64_MIN    /* a time the source did not give */
#define INCIDENT_MAX_SERVICES 64      /* more services in one incident is bad input */
#define INCIDENT_MAX_TEXT 4096        /* bytes in one id, title, severity, service */
#define INCIDENT_MAX_FILE (64u << 20) /* raw records held for one import: more is refused */

struct incident {
	char *id, *title, *severity, *environment; /* owned; "" when the source has none */
	char **services;          /* owned, nservices strings */
	size_t nservices;
	usec_t started;           /* impact start, always known */
	usec_t detected, resolved; /* INCIDENT_NO_TIME when unknown */
	char *raw;                /* the source record, verbatim (owned) */
	char *source_file;        /* owned */
	long source_line;
};

void incident_release(struct incident *in);

/*
 * Reads one incident record (either shape's member names). On error
 * returns -1 with a reason in err ('missing "started_at"', 'expected a
 * list of strings for "services"', 'resolved_at is before started_at').
 * Takes nothing from rec; raw and source are left NULL for the caller.
 */
int incident_from_json(const json_t *rec, struct incident *in, struct buf *err);

struct incident_import_options {
	int skip_invalid;         /* report bad records and go on */
};

struct incident_import_stats {
	uint64_t records;         /* records read */
	uint64_t added;           /* new ids */
	uint64_t updated;         /* ids already stored, replaced with a different record */
	uint64_t unchanged;       /* ids already stored with the same record */
	uint64_t skipped;         /* bad records skipped */
};

/*
 * Reads every file ("-" is standard input; plain or gzip) through the
 * record reader of format_util.h and stores its incidents in one
 * transaction. A bad record is reported as "FILE:LINE:COL: reason" and,
 * unless skip_invalid, stops the import with nothing written. Duplicate
 * ids within one import are bad records. Returns EXIT_OK, EXIT_BADINPUT
 * or EXIT_IO (messages already printed).
 */
int incident_import(struct store *s, char *const *files, int nfiles,
		    const struct incident_import_options *opt, struct incident_import_stats *stats);

struct incident_list {
	struct incident *v;       /* ordered by started, then id */
	size_t n, alloc;
};
#define INCIDENT_LIST_INIT { NULL, 0, 0 }

/* Loads every stored incident. Returns 0 or -1 (reported). */
int incident_list_load(struct store *s, struct incident_list *l);
void incident_list_release(struct incident_list *l);

/* Loads the incident with this id (exactly, else case-insensitively when
 * that matches exactly one). Returns 1 found, 0 not found, -1 on error. */
int incident_load(struct store *s, const char *id, struct incident *in);

/* The incident as a JSON object: id, title, severity, services,
 * environment, started_at, detected_at, resolved_at (null when unknown),
 * source {file, line}. New reference. */
json_t *incident_to_json(const struct incident *in);

/*
 * The incident's window: the events that could have caused it or happened
 * during it, the one definition that query's around:ID, correlate, export
 * --incident and the TUI use (docs/QUERY.md). Both ends included,
 * [*from, *to]: from is lookback before the impact start (started_at);
 * to is resolved_at, or lookback after the start while the incident is
 * unresolved. incident_window uses INCIDENT_LOOKBACK; correlate's
 * --lookback gives another.
 */
#define INCIDENT_LOOKBACK ((usec_t)2 * 3600 * 1000000) /* 2 h */
void incident_window(const struct incident *in, usec_t *from, usec_t *to);
void incident_window_lookback(const struct incident *in, usec_t lookback, usec_t *from, usec_t *to);

#endif
