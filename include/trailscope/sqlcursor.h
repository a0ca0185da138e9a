/*
 * sqlcursor.h - one read-only SQL statement of `trailscope sql` over a
 * store of either backend (docs/QUERY.md, "Read-only SQL"): on SQLite the
 * authorized statement of sqlview_prepare over the TEMP views, on
 * PostgreSQL the same text prepared in the reader's READ ONLY transaction
 * over the permanent views (sql/pg_schema.sql). Each value comes back as
 * SQLite would give it, so that one printer serves both: integers (and
 * PostgreSQL booleans, as 1 and 0) as INTEGER, floating and fractional
 * numbers as REAL with SQLite's text of a REAL, bytea as BLOB, anything
 * else as TEXT in the server's text form. Rows stream: one at a time.
 */
#ifndef TRAILSCOPE_SQLCURSOR_H
#define TRAILSCOPE_SQLCURSOR_H

#include <stddef.h>
#include <stdint.h>
#include "trailscope/buf.h"
#include "trailscope/store.h"

enum sql_type { SQL_NULL, SQL_INTEGER, SQL_REAL, SQL_TEXT, SQL_BLOB };

/* One value of the current row, valid until the next sql_cursor_next. */
struct sql_value {
	enum sql_type type;
	const char *p;  /* text (an INTEGER's or REAL's too) or the blob's bytes; NULL for NULL */
	size_t n;
	int64_t i;      /* INTEGER */
	double d;       /* REAL */
};

struct sql_cursor;

/*
 * Prepares sql on s (opened read-only): exactly one statement, refused
 * unless it only reads (docs/QUERY.md says what is refused on each
 * backend). Returns the cursor, or NULL with the reason in err and the
 * error class (ERR_USAGE: a statement that is refused or does not
 * compile; ERR_IO: the store) in *cls; nothing is printed, but for a
 * store that fails (reported already: err left empty).
 */
struct sql_cursor *sql_cursor_open(struct store *s, const char *sql, struct buf *err, int *cls);
int sql_cursor_ncols(const struct sql_cursor *c);
const char *sql_cursor_name(const struct sql_cursor *c, int col);
/* Steps: 1 with a row, 0 at the end, -1 with the reason in err and the
 * class in *cls (ERR_USAGE: a write the read-only transaction refused). */
int sql_cursor_next(struct sql_cursor *c, struct buf *err, int *cls);
const struct sql_value *sql_cursor_value(const struct sql_cursor *c, int col);
void sql_cursor_close(struct sql_cursor *c);

/* Asks the server to cancel the PostgreSQL statement running, if any;
 * async-signal-safe (PQcancel), for a SIGINT handler. */
void sql_cursor_interrupt(void);

/* 1 when text holds no statement: only blanks, ';' and comments. */
int sqlview_blank(const char *text);

#endif
