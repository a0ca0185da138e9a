/*
 * casefile.h - the investigator's case file: marks, notes and saved
 * queries, kept in a small SQLite file beside the store (STORE.case by
 * default), never in the store itself. Browsing stays read-only on the
 * evidence; only this file is written. docs/BUNDLE.md gives the schema.
 *
 * Events are named by seq and event id both; the id is what a note is
 * really about (a store re-imported elsewhere keeps ids, not seqs).
 * No ncurses here: the TUI and `trailscope case` call the same functions.
 */
#ifndef TRAILSCOPE_CASEFILE_H
#define TRAILSCOPE_CASEFILE_H

#include <sqlite3.h>
#include <stdint.h>
#include "trailscope/buf.h"

#define CASEFILE_SCHEMA_VERSION 1
#define CASEFILE_APPLICATION_ID 0x74726361 /* "trca" */
#define CASEFILE_MAX_NOTE (64u << 10)      /* bytes in one note */

enum casefile_flags {
	CASEFILE_READONLY = 1 << 0, /* a missing file reads as an empty case */
};

struct casefile {
	sqlite3 *db;   /* NULL: read-only open of a missing file (empty case) */
	char *path;    /* owned */
	unsigned flags;
};

/* Appends the default case file path for a store, "STORE.case", and
 * returns 0; a PostgreSQL store (a URI) has no file beside it: 1, and
 * nothing appended (the case file must then be named). */
int casefile_default_path(const char *store_path, struct buf *out);

/* Opens (creating when missing, unless CASEFILE_READONLY) the case file.
 * A file that is SQLite but not a case file is refused. Returns 0 or -1
 * (reported). Close with casefile_close(). */
int casefile_open(struct casefile *c, const char *path, unsigned flags);
void casefile_close(struct casefile *c);

struct case_mark {
	int64_t seq;
	char *event_id;   /* owned */
	char *marked_at;  /* UTC, owned */
};
struct case_marks {
	struct case_mark *v;
	size_t n, alloc;
};
void case_marks_release(struct case_marks *m);

/* Mark / unmark one event (idempotent). Return 0 or -1. */
int casefile_mark(struct casefile *c, int64_t seq, const char *event_id);
int casefile_unmark(struct casefile *c, int64_t seq);
/* Flips the mark: returns 1 (now marked), 0 (now unmarked) or -1. */
int casefile_toggle_mark(struct casefile *c, int64_t seq, const char *event_id);
/* 1 marked, 0 not, -1 error. */
int casefile_is_marked(struct casefile *c, int64_t seq);
/* All marks in seq order, appended to out. Returns 0 or -1. */
int casefile_marks(struct casefile *c, struct case_marks *out);

struct case_note {
	int64_t id;        /* the note's number in the case file */
	int64_t seq;
	char *event_id;    /* owned */
	char *author;      /* owned */
	char *created_at;  /* UTC, owned */
	char *text;        /* owned; may span lines */
};
struct case_notes {
	struct case_note *v;
	size_t n, alloc;
};
void case_notes_release(struct case_notes *n);

/* Attaches a note to an event. author may be NULL ($USER, else
 * "unknown"). Text must be non-empty valid UTF-8 of at most
 * CASEFILE_MAX_NOTE bytes. Returns the new note id (> 0) or -1. */
int64_t casefile_add_note(struct casefile *c, int64_t seq, const char *event_id,
			  const char *author, const char *text);
int casefile_delete_note(struct casefile *c, int64_t id);
/* Notes of one event (seq > 0) or of all events (seq == 0), in seq then
 * id order, appended to out. Returns 0 or -1. */
int casefile_notes(struct casefile *c, int64_t seq, struct case_notes *out);

/* Saved queries by name (replacing one of the same name). */
int casefile_save_query(struct casefile *c, const char *name, const char *query);
int casefile_delete_query(struct casefile *c, const char *name);
/* Appends the query text of name to out: 1 found, 0 not, -1 error. */
int casefile_get_query(struct casefile *c, const char *name, struct buf *out);
/* Calls fn for each saved query in name order; stops when fn returns non-zero. */
int casefile_each_query(struct casefile *c, int (*fn)(void *ctx, const char *name, const char *query),
			void *ctx);

#endif
