/*
 * formats.h - source formats that import reads: each turns a file of
 * records into normalised events and hands them to a sink. The generic
 * JSON-lines schema (docs/EVENTS.md) is one format; Kubernetes audit,
 * CloudTrail, LaunchDarkly, Unleash, Google Cloud Audit Logs, the
 * Azure Activity Log and mapped JSON are others
 * (docs/FORMATS.md).
 */
#ifndef TRAILSCOPE_FORMATS_H
#define TRAILSCOPE_FORMATS_H

#include <stdio.h>
#include <jansson.h>
#include "trailscope/buf.h"
#include "trailscope/event.h"

struct format_options {
	int include_reads;       /* keep read-only events (get/list/watch, readOnly) */
	const char *map_file;    /* --map FILE for the "map" format, or NULL */
	int quiet;               /* --quiet: no notes on standard error */
};

/* Why a format read a record and made no event of it (counted in the
 * import summary: "215 reads, 320 earlier stages skipped"). Bad records
 * go to the sink's bad() instead; duplicates are counted by the import. */
enum skip_reason {
	SKIP_READ,      /* a read-only operation, without --include-reads */
	SKIP_STAGE,     /* another stage of a request whose event is kept */
	SKIP_NOT_EVENT, /* a record the format documents as not an audit event */
	SKIP_NREASONS
};
/* The summary's word for reason ("reads", "earlier stages", ...). */
const char *skip_reason_name(enum skip_reason reason, int plural);

/* Where a format delivers its results. */
struct record_sink {
	/* Takes an event whose source is set (event_set_source and, for
	 * records inside an array, a "index" member). The sink owns ev
	 * afterwards (it releases it). Returns 0, or -1 to stop (I/O error,
	 * already reported). */
	int (*emit)(void *ctx, struct event *ev);
	/* Reports a bad record at line:col (index >= 0: position inside a
	 * Records/items/events array). Returns 0 to go on (skip it) or -1
	 * to stop the import. */
	int (*bad)(void *ctx, long line, int col, long index, const char *why);
	/* The newest stored state ("after") of target+environment before this
	 * import, for sources that do not record the state before; NULL when
	 * unknown. Returns a new reference. May be NULL itself. */
	json_t *(*previous_state)(void *ctx, const char *target_kind, const char *target_key,
				  const char *environment);
	void *ctx;
	/* Counts a record that makes no event (format_skip); may be NULL. */
	void (*skip)(void *ctx, enum skip_reason reason);
};

/* Tells the sink that one record was read and skipped for reason. */
void format_skip(struct record_sink *sink, enum skip_reason reason);

/* Describes the start of a file in no recognised format, for the error:
 * "line 1 is a JSON object with members timestamp, level, msg, ...",
 * "line 1 is CSV (a, b, c, ...)", "line 1 is text: \"...\"" (safe for a
 * terminal). */
void format_describe(const char *head, size_t len, struct buf *out);

/*
 * A parallel first pass for a format of JSON lines whose records depend on
 * each other (Kubernetes: the stages of one request, the state before
 * from the store). Parser threads run line() on every line: what one
 * line decides alone (a bad record, a skipped read) is settled there; the
 * other lines go on to feed(), in file order, on the importing thread.
 * Together they make the same sink calls, in the same order, as read().
 */
struct format_sift {
	/* 1 when read() would read a file starting with head (len bytes,
	 * NUL-terminated) as JSON lines, so this pass may read it. */
	int (*lines)(const char *head, size_t len);
	/* Reads line lineno (as format_ops.read_line gets it) as far as it
	 * can alone: reports a bad record or skips one through sink and
	 * returns 0 (-1 when the sink asked to stop), or returns 1 to hand
	 * the line on to feed(), setting *parsed to the record it parsed (a
	 * new reference made outside any JSON arena, json_arena_pause) or
	 * leaving it NULL. Any thread. */
	int (*line)(char *line, size_t n, long lineno, const char *file,
		    const struct format_options *opt, struct record_sink *sink, json_t **parsed);
	/* The ordered pass: open() before the first line; feed() each line
	 * that line() handed on, with what it parsed or NULL, which feed()
	 * releases (0, or -1 to stop); close() at the end, where
	 * with finish set it hands over what the format held back (0 or -1),
	 * and frees the state. */
	void *(*open)(const char *file, const struct format_options *opt, struct record_sink *sink);
	int (*feed)(void *state, char *line, size_t n, long lineno, json_t *parsed);
	int (*close)(void *state, int finish);
};

struct format_ops {
	const char *name;        /* "jsonl", "k8s", "cloudtrail", ... */
	/* How sure (0-100) the format is that head (the first bytes of a
	 * file, NUL-terminated) is its own. */
	int (*detect)(const char *head, size_t len);
	/* Reads every record of f ("file" is the name for messages). Returns
	 * 0; -1 when the sink asked to stop or reading failed; -2 when the
	 * format's own options or input cannot be used at all (a bad --map
	 * file: reported, exit status "bad input"). */
	int (*read)(FILE *f, const char *file, const struct format_options *opt,
		    struct record_sink *sink);
	unsigned flags;          /* FORMAT_PARALLEL when read() never calls
				  * previous_state: import may then run it on
				  * a reader thread (sink calls come from it) */
	/* Optional, for a format whose records are one per line and
	 * independent of each other (no state from line to line): reads
	 * line number lineno, line[0, n) (NUL-terminated at n, its '\n'
	 * removed), exactly as read() would, with the same sink calls.
	 * Import then parses lines on several threads at once (every sink
	 * call for one line comes from one thread). Returns 0, or -1 when
	 * the sink asked to stop. */
	int (*read_line)(char *line, size_t n, long lineno, const char *file,
			 const struct format_options *opt, struct record_sink *sink);
	const struct format_sift *sift; /* optional (format_sift) */
};
enum { FORMAT_PARALLEL = 1 << 0 };

/* The registered formats, NULL-terminated. */
extern const struct format_ops *const formats[];
const struct format_ops *format_find(const char *name);
/* Picks the most likely format for head; NULL if none is plausible. */
const struct format_ops *format_detect(const char *head, size_t len);

/* Opens path for reading, transparently decompressing gzip files (one or
 * more members); "-" is standard input. When head is not NULL, up to cap
 * bytes from the start are copied there (NUL-terminated, so head needs
 * cap + 1 bytes) and *head_len set; the returned stream still starts at
 * the beginning, past a UTF-8 byte order mark (EF BB BF), which is
 * skipped. Returns NULL with errno set (EISDIR for a directory).
 * A gzip stream that is cut short, fails its CRC-32 or length check, or
 * is followed by other bytes makes a read fail with errno EBADMSG, after
 * "FILE: byte offset N: reason" has been reported (N counts compressed
 * bytes from 0). */
FILE *format_open(const char *path, char *head, size_t cap, size_t *head_len);

/* 1 when head (the first bytes of a file) is UTF-16: a byte order mark
 * FF FE or FE FF, or ASCII with every other byte NUL. */
int format_is_utf16(const char *head, size_t len);

/*
 * Opens an input file for import (events or incidents) with format_open,
 * refusing what no reader takes, with the message import gives: a
 * directory ("NAME: is a directory: name the files to import") and UTF-16
 * ("NAME: UTF-16 is not supported: convert to UTF-8") fail with the error
 * class ERR_INPUT, a file that cannot be opened ("cannot open 'NAME':
 * reason") with ERR_IO (diag.h). name is the file's name in messages
 * ("<stdin>" for "-"); head, cap and head_len as for format_open (head is
 * needed, cap >= 2). Returns the stream, or NULL (reported, class set).
 */
FILE *format_open_input(const char *path, const char *name, char *head, size_t cap, size_t *head_len);

/* Reports a bad record on standard error through diag_at, the one form
 * every import uses: "FILE:LINE:COL: REASON", "FILE:LINE:COL: NOUN INDEX: REASON" for
 * an element of a document's array (NOUN "record", "incident"), with
 * " (skipped)" when skipped; file and reason made safe for a terminal. */
void format_report_bad(const char *file, long line, int col, long index, const char *noun,
		       const char *why, int skipped);

/* For a format's reader after a read of file failed: -2 when the input
 * was bad (EBADMSG, already reported), else reports the I/O error and
 * returns -1. */
int format_read_failed(const char *file);

/* The generic JSON-lines format (format_jsonl.c). */
extern const struct format_ops format_jsonl;

/* The generic schema (format_jsonl.c), which mapped JSON shares. */
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

/*
 * Reads a generic "outcome" member (docs/EVENTS.md): "success"/"failure"
 * (and the synonyms listed there), or {"status": ..., "code": ...,
 * "message": ...}. Absent or null leaves ev a success. Returns 0, or -1
 * with a reason in err.
 */
int event_read_outcome(const json_t *v, struct event *ev, struct buf *err);

/* The Microsoft 365 unified audit log (format_m365.c). */
extern const struct format_ops format_m365;
/* The GitHub organisation/enterprise audit log (format_github.c). */
extern const struct format_ops format_github;
/* Google Cloud Audit Logs (format_gcp.c). */
extern const struct format_ops format_gcp;
/* Azure Activity Log (format_azure.c). */
extern const struct format_ops format_azure;

#endif
