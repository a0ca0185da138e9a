/*
 * store.h - the audit store: one SQLite file (WAL) holding append-only
 * entries, their per-field changes, cached Merkle subtrees and signed
 * checkpoints. docs/STORE.md specifies the schema for other programs.
 *
 * Read-only opens use SQLITE_OPEN_READONLY plus PRAGMA query_only, so
 * browsing can never change a byte of evidence; on read-only media, where
 * SQLite cannot create the WAL's -shm/-wal, they fall back to immutable=1
 * unless the -wal holds committed transactions (refused, saying so).
 */
#ifndef TRAILSCOPE_STORE_H
#define TRAILSCOPE_STORE_H

#include <sqlite3.h>
#include <stdint.h>
#include "trailscope/buf.h"
#include "trailscope/merkle.h"

#define STORE_SCHEMA_VERSION 6
#define STORE_APPLICATION_ID 0x74727363 /* "trsc" */
#define STORE_NODE_STRIDE 4 /* merkle_nodes caches levels 4, 8, 12, ... */

enum store_flags {
	STORE_READONLY = 1 << 0,
	STORE_CREATE = 1 << 1, /* create the file and schema when missing */
};

struct store {
	sqlite3 *db;
	char *path;            /* owned */
	unsigned flags;
	char *origin;          /* owned; the checkpoint origin line */
	int schema;            /* PRAGMA user_version: 1 has no entry_text, 1 and 2 no
				* entries.outcome, 1 to 3 no anchor tables, 1 to 4
				* no entry_text DELETE trigger (leaves before v3) */
	char *private_path;    /* store_create_private: the file being built */
	int private_fd;        /* and its flock */
	sqlite3_stmt *leaf_hash_stmt;  /* cached statements, lazily prepared */
	sqlite3_stmt *leaf_range_stmt;
	sqlite3_stmt *node_stmt;
	sqlite3_stmt *node_range_stmt;
	int immutable;         /* read-only media: opened with immutable=1 */
	struct pg_store *pg;   /* a PostgreSQL store (pg_store.h): then db is NULL and
				* path is the URI as printed, without its password */
};

/* How long a connection waits for another's lock before SQLITE_BUSY. */
#define STORE_BUSY_TIMEOUT_MS 5000

struct pg_store;

/* Opens (or with STORE_CREATE creates) the store at path; a path that is a
 * libpq URI (postgresql://, postgres://) opens a PostgreSQL store instead
 * (pg_store.h), which STORE_CREATE does not create (trailscope init does). A file that is
 * not SQLite, or SQLite without our schema, or a newer schema version,
 * is refused with a message saying so. With STORE_READONLY a store on
 * read-only media opens too (docs/STORE.md "Read-only media"; then
 * s->immutable). Returns 0 or -1 (reported). */
int store_open(struct store *s, const char *path, unsigned flags);

/* Sets SQLite up for this process (no allocation statistics, which cost a
 * global lock per malloc). Call once, first thing, before any store is
 * opened. */
void store_library_init(void);
void store_close(struct store *s);

/*
 * Opens a read-only connection (query_only, busy timeout) to the store
 * file at path; immutable reads it as on read-only media (no locks, no
 * WAL), as store_open falls back to when it must (s->immutable). For
 * helpers that need a second connection. Returns the SQLite result code;
 * *out may be non-NULL on failure (close it). Not reported.
 */
int store_sqlite_open_ro(const char *path, int immutable, sqlite3 **out);

/*
 * A new store built privately (store_private.c): PATH.importing-XXXXXX
 * beside PATH, without a journal, made PATH by store_publish (WAL mode,
 * synced, linked into place; fails if PATH appeared meanwhile) or removed
 * by store_discard. Both close s. Return 0 or -1 (reported).
 */
int store_create_private(struct store *s, const char *path);
int store_publish(struct store *s);
void store_discard(struct store *s);

/* Sets the origin of a store that has no entries yet. */
int store_set_origin(struct store *s, const char *origin);

/* The SQL expression of an entry's outcome in a statement over entries:
 * "outcome" (no other table has a column of that name), or "'unknown'"
 * for a schema 1 or 2 store opened read-only, which has no such column
 * and holds only version 1 leaves. */
const char *store_outcome_sql(const struct store *s);

/* Number of entries (the largest seq; 0 when empty). -1 on error. */
int64_t store_size(struct store *s);

/* PRAGMA data_version of the store's connection: it changes when another
 * connection commits to the file (the TUI's follow mode polls it). -1 on
 * error, not reported (a poll tries again). On PostgreSQL the count of
 * appends notified since the first call (pg_store_data_version: LISTEN,
 * no query while idle; each change starts a new snapshot), errors
 * reported. */
int64_t store_data_version(struct store *s);

/* Calls fn(ctx) every `every` virtual machine steps of the store's
 * statements; a non-zero answer interrupts the statement running
 * (SQLITE_INTERRUPT to its caller). fn NULL removes the handler. fn must
 * not use the store's connection. On PostgreSQL fn is asked between
 * batches of rows instead, and a non-zero answer ends the read
 * ("interrupted") or the query (QUERY_CANCELLED). */
void store_set_progress(struct store *s, int (*fn)(void *ctx), void *ctx, int every);

/* The size of the newest (largest) stored checkpoint: 1 with *size set,
 * 0 when the store has none, -1 on error (reported). */
int store_newest_checkpoint(struct store *s, int64_t *size);

/* A merkle_source reading the store's leaf hashes and cached nodes. */
void store_merkle_source(struct store *s, struct merkle_source *src);
int store_root(struct store *s, uint64_t size, unsigned char out[HASH_LEN]);

/* Transactions for writers. begin takes the write lock (IMMEDIATE),
 * waiting up to STORE_BUSY_TIMEOUT_MS for another writer, then fails
 * with "store is busy". */
int store_begin(struct store *s);
int store_commit(struct store *s);
void store_rollback(struct store *s);

/* Runs SQL with no result rows; reports errors with context. */
int store_exec(struct store *s, const char *sql);
/* Prepares a statement, reporting errors. */
int store_prepare(struct store *s, const char *sql, sqlite3_stmt **stmt);
/* Reports the SQLite error of the store's connection with context. */
int store_error(struct store *s, const char *what);

/* Meta key/value (origin, created_at, ...): returns 1 found, 0 not, -1 err. */
int store_get_meta(struct store *s, const char *key, struct buf *value);
int store_set_meta(struct store *s, const char *key, const char *value);

#endif
