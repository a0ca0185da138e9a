/*
 * store_copy.h - copying a store between backends (SQLite <-> PostgreSQL,
 * or SQLite to SQLite): every row of the log, its derived tables, the
 * cached Merkle nodes, the checkpoints, the anchors and the incidents,
 * byte for byte, so that the copy has the same leaves, roots and
 * checkpoints and verify gives the same verdict on both. The free-text
 * index is rebuilt from the leaves (SQLite's is contentless).
 */
#ifndef TRAILSCOPE_STORE_COPY_H
#define TRAILSCOPE_STORE_COPY_H

#include <stddef.h>
#include <stdint.h>
#include "trailscope/store.h"

/* One column of a copied table: how it is bound and written. COPY_RAW is
 * entry_text.raw: a TEXT record or a packed BLOB (raw_pack.h). A SQLite
 * destination gets either as it is; a PostgreSQL one gets text, a BLOB
 * unpacked against the entry's leaf. */
enum copy_type { COPY_INT, COPY_TEXT, COPY_BLOB, COPY_RAW };

/* A copied table: its columns in the stored order, and its key order. */
#define COPY_MAX_COLS 17
struct copy_table {
	const char *name;
	const char *order;
	int ncols;
	const char *cols[COPY_MAX_COLS];
	enum copy_type type[COPY_MAX_COLS];
};

/* One value of a row being copied: its bytes (an integer as decimal
 * text), borrowed; p NULL for SQL NULL; is_blob when SQLite stored a
 * BLOB. */
struct copy_val {
	const char *p;
	size_t len;
	int is_blob;
};

struct copy_stats {
	uint64_t rows[16]; /* per table, in store_copy's order */
	uint64_t entries, checkpoints;
};

/* Copies every row of src (open read-only) into dst (open for writing,
 * without entries or checkpoints), inside one transaction on dst that
 * this begins and commits. dst gets src's origin. Returns 0 or -1
 * (reported; dst's transaction rolled back). */
int store_copy(struct store *src, struct store *dst, struct copy_stats *st);

#endif
