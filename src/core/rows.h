/*
 * rows.h - private to src/core: a cursor over the rows of one SELECT that
 * reads a store the same way whichever backend holds it (SQLite or
 * PostgreSQL), for the checks that must give the same verdicts on both
 * (verify_derived.c, anchors.c), and the timeline model (timeline.c).
 * The SQL is written once, in the subset
 * both speak, with its parameters as $1, $2, ...; each row's columns are
 * decoded into struct row_col, so the caller never sees a backend's
 * statement or result. Cost: one prepared statement (SQLite) or one
 * server-side cursor fetched in batches (PostgreSQL, inside a
 * transaction; outside one the rows come in one result).
 */
#ifndef TRAILSCOPE_ROWS_H
#define TRAILSCOPE_ROWS_H

#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>
#include "trailscope/buf.h"
#include "trailscope/store.h"

#define ROWS_MAX_COLS 16 /* entry.c reads 13 */

/* One column of the current row, valid until the next rows_next. */
struct row_col {
	const char *p;  /* the bytes of a text or blob value (NUL-terminated), NULL for NULL;
			 * SQLite also gives an integer's decimal text, PostgreSQL NULL */
	size_t n;       /* bytes at p */
	int is_int;     /* the value is an integer: i holds it */
	int is_blob;    /* SQLite: the value is a BLOB (entry_text.raw packed, raw_pack.h) */
	int64_t i;
};

/* A parameter: the text s when set, else the integer i. */
struct row_param {
	const char *s;
	int64_t i;
};
#define ROW_INT(v) { NULL, (v) }
#define ROW_TEXT(v) { (v), 0 }

struct rows;

/*
 * Runs sql with its np parameters on s (on db instead when db is set: a
 * SQLite connection of the caller's own, e.g. a worker thread's).
 * Returns the cursor, or NULL with the reason in err ("cannot read WHAT:
 * MESSAGE"); nothing is reported, so a thread may call it.
 */
struct rows *rows_open(struct store *s, sqlite3 *db, const char *sql, const struct row_param *p, int np,
		       const char *what, struct buf *err);
/* Steps to the next row: 1 (its columns in rows_col), 0 at the end, -1
 * on error (the reason appended to err given at open). */
int rows_next(struct rows *r);
const struct row_col *rows_col(const struct rows *r, int col);
/* A column's integer and whether it is one, without making its text. */
int64_t rows_int(const struct rows *r, int col);
int rows_is_int(const struct rows *r, int col);
/* Ends the cursor (NULL is fine). */
void rows_close(struct rows *r);

/* ---- the backends' halves (rows.c, pg_read.c) ---- */
struct rows_ops {
	int (*next)(struct rows *r);
	void (*close)(struct rows *r);
};

struct rows {
	const struct rows_ops *ops;
	struct store *s;
	struct buf *err;                 /* the caller's */
	const char *what;
	int ncols;
	struct row_col col[ROWS_MAX_COLS];
	unsigned text_later;             /* SQLite: integer columns whose text rows_col makes when asked */
};

struct rows *pg_rows_open(struct store *s, const char *sql, const struct row_param *p, int np,
			  const char *what, struct buf *err);

#endif
