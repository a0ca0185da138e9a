/*
 * row_read.h - private to src/core: what the read commands' loaders
 * (entry.c, history.c, state.c, incident.c, correlate.c, verify.c's
 * cover check) need on top of rows.h's backend-neutral cursor: a
 * column as an owned or borrowed string, the leaf parsed, the leaf as
 * JSON in SQL, and one way to report a failed read. With these a loader writes its SELECT once,
 * in the SQL both SQLite and PostgreSQL speak, and reads either store.
 */
#ifndef TRAILSCOPE_ROW_READ_H
#define TRAILSCOPE_ROW_READ_H

#include <jansson.h>
#include "rows.h"

/* Column col as a new string ("" for NULL; the caller frees it). */
char *row_dup(const struct rows *r, int col);

/* Column col as text ("" for NULL), valid until the next rows_next. */
const char *row_text(const struct rows *r, int col);

/* Column col as JSON parsed strictly (a leaf, a JSON column); NULL for
 * NULL or what does not parse. The caller owns the reference. */
json_t *row_json(const struct rows *r, int col);

/*
 * The one dialect difference of these reads: the SQL expression of an
 * entry's leaf as JSON, "CAST(leaf AS TEXT)" on SQLite and
 * "convert_from(leaf, 'UTF8')::json" on PostgreSQL. Both then take
 * members with the operators they share: LEAF -> 'key' (the member as
 * JSON text, NULL when absent) and LEAF -> 'key' ->> 'key' (a string
 * member as text). %s it into a SELECT over entries.
 */
const char *row_leaf_json(const struct store *s);

/* Reports "STORE: MESSAGE" (err as rows_open/rows_next left it, "cannot
 * read WHAT: ...") as an I/O error. Returns -1. */
int row_fail(const struct store *s, const struct buf *err);

/*
 * Opens sql with its parameters; NULL when it failed (reported with
 * row_fail). The cursor's later errors land in err (report them with
 * row_fail).
 */
struct rows *row_open(struct store *s, const char *sql, const struct row_param *p, int np,
		      const char *what, struct buf *err);

#endif
