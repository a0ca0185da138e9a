/*
 * format_util.h - what the platform formats (format_k8s.c,
 * format_cloudtrail.c, format_launchdarkly.c, format_unleash.c,
 * format_map.c) share: one reader that finds the records of a file,
 * whatever its shape, with their verbatim text and their position;
 * reporting and emitting through the sink; times; JSON Pointers; small
 * JSON getters.
 *
 * Shapes (docs/FORMATS.md): JSON lines (one record per line, streamed);
 * one JSON document that is an array of records, or an object holding
 * the records in an array member named in the reader's wrappers
 * ("Records", "items", "events", ...), or a single record. A document is
 * read whole, at most FMT_MAX_DOCUMENT bytes; each of its records is
 * sliced from the original bytes (its raw text is verbatim) and parsed
 * with json_parse_strict, so each record is still at most 4 MiB and a bad
 * one is reported at its own line and column with its array index.
 */
#ifndef TRAILSCOPE_FORMAT_UTIL_H
#define TRAILSCOPE_FORMAT_UTIL_H

#include <stdio.h>
#include <jansson.h>
#include "trailscope/buf.h"
#include "trailscope/event.h"
#include "trailscope/formats.h"

/* The platform formats (registered in format_registry.c). */
extern const struct format_ops format_k8s;
extern const struct format_ops format_cloudtrail;
extern const struct format_ops format_launchdarkly;
extern const struct format_ops format_unleash;
extern const struct format_ops format_map;
extern const struct format_ops format_opensearch;

/* 1 when one line of a Kubernetes audit log (n bytes, as the reader got
 * it, line terminator included or not) is surely a read that import
 * skips without --include-reads: json_parse_strict accepts it, the
 * reader's checks of an Event pass, and its verb is get, list or watch.
 * 0 when not sure; the strict reader then decides. (format_k8s.c) */
int k8s_line_is_read(const char *line, size_t n);

#define FMT_MAX_DOCUMENT ((size_t)256 << 20) /* 256 MiB per whole-document file */

/* One record as the reader found it. */
struct fmt_record {
	json_t *json;        /* parsed record (borrowed; valid during the call) */
	const char *raw;     /* its verbatim text (not NUL-terminated) */
	size_t raw_len;
	long line;           /* 1-based line of its first byte */
	int col;             /* 1-based byte column of its first byte */
	long index;          /* position inside the document's array, or -1 */
};

struct fmt_reader {
	const char *format;              /* format name, for ev->source */
	const char *file;                /* file name, for messages */
	const struct format_options *opt;
	struct record_sink *sink;
	const char *const *wrappers;     /* NULL-terminated array member names, or NULL;
					  * "OUTER.INNER": the array INNER inside the
					  * object member OUTER of a document */
	/* Handles one record: returns 0, or -1 to stop (already reported). */
	int (*record)(struct fmt_reader *r, const struct fmt_record *rec);
	/* Called once after the last record, or NULL: returns 0 or -1. */
	int (*finish)(struct fmt_reader *r);
	void *data;                      /* the format's own state */
	int doc;                         /* set by fmt_read: the file is one document */
};

/* Reads every record of f and hands each to r->record, then calls
 * r->finish. Syntax errors go to the sink's bad(). Returns 0, or -1 when
 * the sink asked to stop or reading failed (reported). */
int fmt_read(struct fmt_reader *r, FILE *f);

/* Reads one line of a file of JSON lines through r, as fmt_read does each
 * line once it knows the file is JSON lines: trailing '\n' and '\r' are
 * cut, a blank line is skipped, a line too long, not strict JSON or with
 * a NUL character is a bad record, anything else goes to r->record.
 * line[n] must be writable. Returns r->record's answer (0 for a blank or
 * skipped bad line, -1 to stop). */
int fmt_read_line(struct fmt_reader *r, char *line, size_t n, long lineno);

/* As fmt_read_line, for a line already parsed into json (its length,
 * strictness and NUL characters checked): hands it to r->record and
 * releases json. */
int fmt_read_parsed(struct fmt_reader *r, char *line, size_t n, long lineno, json_t *json);

/* 1 when fmt_read would read a file starting with head (len bytes) as
 * JSON lines: its first non-blank line is all in head and a JSON object
 * that is not a document (no wrapper array of r at its top level). */
int fmt_head_is_lines(struct fmt_reader *r, const char *head, size_t len);

/* Reports rec as bad: "FILE:LINE:COL[: record N]: reason". Returns the
 * sink's answer: 0 to go on, -1 to stop. */
int fmt_bad(struct fmt_reader *r, const struct fmt_record *rec, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Where the value of a member of rec starts: member is a dotted path of
 * member names ("user", "objectRef.name") as written in the raw text.
 * Sets the record's own line and column when it is not found. */
void fmt_member_pos(const struct fmt_record *rec, const char *member, long *line, int *col);

/* fmt_bad at the value of member (a dotted path, as for fmt_member_pos):
 * "FILE:LINE:COL[: record N]: reason", COL where that value starts. */
int fmt_bad_at(struct fmt_reader *r, const struct fmt_record *rec, const char *member,
	       const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* fmt_bad_at(r, rec, member, "expected WANT for \"MEMBER\""). */
int fmt_type_error(struct fmt_reader *r, const struct fmt_record *rec, const char *member,
		   const char *want);

/* Completes ev and hands it to the sink, which owns it afterwards (ev must
 * be malloc'd): copies rec's raw text when ev->raw is NULL, derives the
 * id when ev->event_id is NULL, fills a NULL environment with "", a NULL
 * context with {}, a NULL actor_type with "unknown", and sets the source
 * (format, file, line, and index for array members). Returns 0 or -1
 * (stop). */
int fmt_emit(struct fmt_reader *r, const struct fmt_record *rec, struct event *ev);

/* The value at member path (dotted, as for fmt_member_pos) of rec as a
 * record of its own: its parsed value, its verbatim slice of rec's raw
 * text, its line and column; index is rec's. 0, or -1 when it is not
 * there as written. */
int fmt_sub_record(const struct fmt_record *rec, const char *path, struct fmt_record *out);

/* Calls fn for each element of arr (a record whose value is an array,
 * from fmt_sub_record), as a record with its verbatim slice, line, column
 * and index (its position in the array). Returns 0, fn's first non-zero
 * answer, or -2 when arr is not an array as written. */
int fmt_each_element(struct fmt_reader *r, const struct fmt_record *arr,
		     int (*fn)(struct fmt_reader *r, const struct fmt_record *elem));

/* The mapped-JSON format's map (--map FILE, format_map.c), for formats
 * whose records hold a document to read through it (format_opensearch.c).
 * fmt_map_load: the map, or NULL (reported: bad input). fmt_map_event:
 * the event of rec through m: 1 with *out set (not yet emitted), else the
 * sink's answer to the bad record (0 go on, -1 stop). */
struct fmt_map;
struct fmt_map *fmt_map_load(const char *path);
void fmt_map_free(struct fmt_map *m);
int fmt_map_event(struct fmt_reader *r, const struct fmt_map *m, const struct fmt_record *rec,
		  struct event **out);

/* format_skip(r->sink, reason): rec was read and makes no event. */
void fmt_skip(struct fmt_reader *r, enum skip_reason reason);

/* A new zeroed event (release with event_release + free, fmt_emit, or
 * fmt_event_abandon). */
struct event *fmt_event_new(void);
/* For a reader giving up on the event it was building (a bad record):
 * releases and frees ev and releases err (either may be NULL), and
 * returns rc, the sink's answer to the bad record:
 * "return fmt_event_abandon(ev, &err, fmt_bad(r, rec, "...: %s", err.buf));" */
int fmt_event_abandon(struct event *ev, struct buf *err, int rc);

/* Times. Each sets ev->ts and ev->ts_source, or returns -1 with a reason
 * in err. fmt_time_iso: RFC 3339 text. fmt_time_epoch: a JSON number or
 * a string of digits (exact) counting units per second (1, 1000,
 * 1000000, 1000000000); ts_source is the number's text. */
int fmt_time_iso(struct event *ev, const char *s, struct buf *err);
int fmt_time_epoch(struct event *ev, const json_t *v, long units_per_sec, struct buf *err);

/* RFC 6901 JSON Pointer. fmt_pointer_check: 0 if ptr is well formed,
 * else -1 with a reason in err. fmt_pointer_get: the value at ptr in v
 * (borrowed), or NULL when absent. */
int fmt_pointer_check(const char *ptr, struct buf *err);
json_t *fmt_pointer_get(const json_t *v, const char *ptr);

/* Getters: the string member name of obj (NULL when absent, null or not
 * a string); the same following a path of member names ending in NULL. */
const char *fmt_str(const json_t *obj, const char *name);
const char *fmt_str_path(const json_t *obj, ...) __attribute__((sentinel));
/* A copy of s, or NULL. */
char *fmt_dup(const char *s);
/* Sets context[name] = string s when s is not NULL or empty. */
void fmt_ctx_str(json_t *context, const char *name, const char *s);
/* Sets context[name] = a new reference to v when v is present and not null. */
void fmt_ctx_json(json_t *context, const char *name, const json_t *v);

/* NUL characters: a record whose strings hold "\u0000" is rejected (C
 * strings would cut its ids, times and keys short), at the escape's
 * position. fmt_nul_at: the offset of the first such escape inside a
 * string of the JSON text, or FMT_NO_NUL. */
#define FMT_NO_NUL ((size_t)-1)
#define FMT_NUL_MESSAGE "NUL character (U+0000) in a string"
size_t fmt_nul_at(const char *text, size_t len);

/* Detection helper: 1 when the NUL-terminated head contains the member
 * name "key" (with its quotes) followed by optional spaces and ':'. */
int fmt_head_has_key(const char *head, const char *key);

#endif
