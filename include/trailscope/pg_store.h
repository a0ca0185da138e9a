/*
 * pg_store.h - the PostgreSQL store backend (docs/STORE.md, "PostgreSQL
 * schema"): a STORE operand that is a libpq URI (postgresql://... or
 * postgres://...) opens the same store on a server. store.c and
 * store_append.c dispatch to these functions when s->pg is set; the
 * commands call pg_store_init and the URI helpers directly.
 *
 * Passwords never leave libpq: s->path holds the URI as printed
 * (pg_uri_display, without any password), every libpq message is
 * scrubbed of the password before it is printed, and PGPASSWORD,
 * PGPASSFILE/.pgpass and sslmode are libpq's own business.
 */
#ifndef TRAILSCOPE_PG_STORE_H
#define TRAILSCOPE_PG_STORE_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include "trailscope/buf.h"
#include "trailscope/merkle.h"

struct store;
struct store_append;
struct store_entry_row;

/* 1 when operand names a PostgreSQL store (starts postgresql:// or
 * postgres://), else 0. */
int pg_is_uri(const char *operand);

/* Appends uri (a libpq URI or key=value conninfo) to out as it may be
 * printed: without its password. Like a file name, it is printed
 * through error() or cli_put_safe, which escape control bytes. */
void pg_uri_display(const char *uri, struct buf *out);

/* Opens the store at uri (store_open's STORE_READONLY applies: then the
 * whole use runs in one READ ONLY REPEATABLE READ transaction). A
 * database without a trailscope store, or with a newer schema, is
 * refused. Returns 0 or -1 (reported; s is closed). */
int pg_store_open(struct store *s, const char *uri, unsigned flags);
void pg_store_close(struct store *s);

/*
 * Opens n more readers of what the reader s sees, for threads of their
 * own: each its own connection with s's URI and a READ ONLY REPEATABLE
 * READ transaction that imports s's snapshot (pg_export_snapshot) before
 * anything else, so all of them read one log of one size, whatever is
 * appended meanwhile. Only for a reader (STORE_READONLY). Returns 0, or -1 with nothing said and none left open (the
 * server refused a connection or the import): the caller reads through
 * s instead. Each twin is closed with pg_store_close, before s.
 */
int pg_store_open_twins(struct store *s, struct store *twins, int n);

/*
 * Creates a store in the database at uri from the embedded
 * sql/pg_schema.sql, sets its origin when given, and grants the writer
 * and reader roles (trailscope_grant_writer/_reader), all in one
 * transaction: a database that already holds a store, a missing role or
 * a refusal leaves the database as it was. Returns 0 or -1 (reported).
 */
int pg_store_init(const char *uri, const char *origin, char *const *writers, size_t nwriters,
		  char *const *readers, size_t nreaders);

/* store.c's operations for a PostgreSQL store (see store.h). */
int pg_store_begin(struct store *s);
int pg_store_commit(struct store *s);
void pg_store_rollback(struct store *s);
int64_t pg_store_size(struct store *s);
/* The number of appends to the store seen since the first call, which
 * starts listening (pg_follow.c): no query while none came; on a change,
 * a new snapshot. -1 on error (reported). */
int64_t pg_store_data_version(struct store *s);
int pg_store_get_meta(struct store *s, const char *key, struct buf *value);
int pg_store_set_meta(struct store *s, const char *key, const char *value);
int pg_store_newest_checkpoint(struct store *s, int64_t *size);
/* store_set_progress: fn is asked between batches of rows (pg_progress). */
void pg_store_set_progress(struct store *s, int (*fn)(void *ctx), void *ctx);
int pg_store_add_checkpoint(struct store *s, uint64_t size, const char *note);
/* Runs one writing statement with n parameters (val[i] NULL: SQL NULL;
 * binary[i] set: len[i] bytes for a bytea, else text). Returns 0 or -1
 * (reported as "cannot WHAT"). */
int pg_store_write(struct store *s, const char *sql, int n, const char *const *val, const int *len,
		   const int *binary, const char *what);
/* count consecutive hashes at level (0: leaf hashes, else merkle_nodes)
 * from idx: 0, or -1 when any is missing (an error is reported). */
int pg_store_read_hashes(struct store *s, unsigned level, uint64_t idx, uint64_t count,
			 unsigned char (*out)[HASH_LEN]);

/* store_append.h's operations for a PostgreSQL store (pg_append.c). */
struct pg_append *pg_append_open(struct store *s);
int pg_append_close(struct pg_append *a);
int pg_has_event(struct pg_append *a, const char *event_id);
int pg_append_event(struct pg_append *a, const struct store_entry_row *e);
int pg_append_node(struct pg_append *a, unsigned level, uint64_t idx, const unsigned char hash[HASH_LEN]);
json_t *pg_prev_state(struct pg_append *a, const char *kind, const char *key, const char *env);
int pg_recent_toggles(struct pg_append *a, const char *target, const char *env, const char *from_ts,
		      const char *until_ts);

/* ---- reading (pg_read.c), inside the reader's READ ONLY transaction ---- */

/* What verify reads of one entry: borrowed for the callback; a text
 * column NULL when the row holds NULL. */
struct store_leaf_row {
	int64_t seq;
	const void *leaf;
	size_t leaf_len;
	const void *leaf_hash;
	size_t hash_len;
	const char *col[9];  /* event_id ts actor actor_type action target target_kind environment outcome */
	size_t len[9];
};

/* Calls fn(ctx, size, note) for every checkpoint row, by size. Returns 0,
 * or -1 (reported). */
int pg_read_checkpoints(struct store *s, void (*fn)(void *ctx, int64_t size, const char *note), void *ctx);

/* Calls fn for every entry, by seq, reading them through a cursor in
 * batches; a non-zero answer from fn stops (and is returned). Returns 0,
 * fn's answer, or -1 (reported). */
int pg_read_entries(struct store *s, int (*fn)(void *ctx, const struct store_leaf_row *row), void *ctx);

/* The cached Merkle node at (level, idx): 1 with out set, 2 when the
 * stored hash is not HASH_LEN bytes, 0 when there is none, -1 on error
 * (reported). */
int pg_read_node(struct store *s, unsigned level, uint64_t idx, unsigned char out[HASH_LEN]);

/* ---- copying (pg_copy.c; store_copy.h) ---- */
struct copy_table;
struct copy_val;

/* Calls fn(ctx, vals) for every row of t, in t's key order, through a
 * cursor (values as bytes; integers as decimal text). A non-zero answer
 * stops and is returned. Returns 0, fn's answer, or -1 (reported). */
int pg_copy_read(struct store *s, const struct copy_table *t,
		 int (*fn)(void *ctx, const struct copy_val *vals), void *ctx);

/* Writing t's rows with one COPY: begin, a row at a time, end (which
 * reports the server's verdict). Return 0 or -1 (reported). */
int pg_copy_begin(struct store *s, const struct copy_table *t);
int pg_copy_row(struct store *s, const struct copy_table *t, const struct copy_val *vals);
int pg_copy_end(struct store *s, int ok);

#endif
