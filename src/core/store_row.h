/*
 * store_row.h - private to src/core: reading the columns of a result row
 * of the store's statements. One copy of what every reader of the store
 * needs (a column as an owned string, as text that may be NULL, as an
 * integer with a default for NULL), so a second store backend swaps one
 * file. The TUI and the CLI never see a statement: they call the core
 * functions that own the SQL (store.h, entry.h, timeline.h, ...).
 */
#ifndef TRAILSCOPE_STORE_ROW_H
#define TRAILSCOPE_STORE_ROW_H

#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>

/* Column col of the current row as a new string ("" for NULL; never
 * NULL; the caller frees it). Bytes past an embedded NUL are kept. */
char *store_col_dup(sqlite3_stmt *st, int col);

/* The same, but NULL for a NULL column. */
char *store_col_dup_or_null(sqlite3_stmt *st, int col);

/* Column col as text ("" for NULL), valid until the statement steps,
 * resets or is finalized. */
const char *store_col_text(sqlite3_stmt *st, int col);

/* Column col as text, NULL for a NULL column, with its length in *len. */
const char *store_col_text_len(sqlite3_stmt *st, int col, size_t *len);

/* Column col as an integer, dflt for a NULL column. */
int64_t store_col_int(sqlite3_stmt *st, int col, int64_t dflt);

#endif
