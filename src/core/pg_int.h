/*
 * pg_int.h - what the PostgreSQL backend's files (pg_conn.c, pg_store.c,
 * pg_append.c, pg_fts.c, pg_read.c) share and nothing else sees: the connection
 * state behind struct store's pg member, and their libpq helpers.
 */
#ifndef TRAILSCOPE_PG_INT_H
#define TRAILSCOPE_PG_INT_H

#include <libpq-fe.h>
#include "trailscope/buf.h"
#include "trailscope/pg_store.h"
#include "trailscope/store.h"

/* The append lock of docs/STORE.md "Appending: one writer at a time". */
#define PG_LOCK_SQL "SELECT pg_advisory_xact_lock(1953657699, 1)"

/* How many spellings of a URI's password pg_connect keeps to scrub. */
#define PG_SECRETS 6

struct pg_store {
	PGconn *conn;
	char *uri;           /* as opened, password and all: pg_store_open_twins connects with it
			      * again; never printed (s->path is the display form) */
	char *secret[PG_SECRETS]; /* the URI's passwords, scrubbed from messages (pg_connect) */
	int in_tx;           /* a transaction is open */
	int readonly;        /* the READ ONLY snapshot transaction of a reader */
	int failed;          /* an append failed after its caller was told: commit refuses */
	int prepared;        /* bits: statements prepared on this connection (pg_store.c) */
	unsigned cursors;    /* cursors opened so far: names them (pg_read.c) */
	struct pg_listen *listen; /* following: the LISTEN connection (pg_follow.c) */
	struct pg_append *append; /* the open append handle: a batch of it may be on the wire */
	int (*progress)(void *ctx); /* store_set_progress: asked between batches of rows */
	void *progress_ctx;
};

/* store_set_progress's handler, asked between batches of a reader's rows
 * (where SQLite asks it every N steps): non-zero means stop. 0 when none
 * is set. */
int pg_progress(struct store *s);

/* Waits until the open append handle's batch in flight, if any, is sent
 * (pg_append.c's sender thread owns the connection meanwhile): every use
 * of the connection by a writer starts with it. 0, or -1 when that batch
 * failed (reported once; the transaction is doomed). */
int pg_append_wait(struct store *s);

/*
 * Connects to uri: display is the URI as printed (pg_uri_display);
 * secret[] gets every spelling of a password the URI holds, raw and
 * percent-decoded, as libpq reads it and up to the last '@' of the
 * authority (NULL after the last; the caller frees them). Errors (a bad
 * URI: usage; no server, refused authentication: I/O) are reported with
 * the display URI and no password. Returns the connection or NULL.
 */
PGconn *pg_connect(const char *uri, const char *display, char *secret[PG_SECRETS]);
/* The same without a word: NULL when it fails, for a caller that can do
 * without the connection. */
PGconn *pg_connect_quiet(const char *uri);

/* Appends msg to out without any of the secrets (nor PGPASSWORD), on
 * one line (libpq's line breaks and tabs made spaces), for error(),
 * which escapes any other control byte. */
void pg_scrub(char *const secret[PG_SECRETS], const char *msg, struct buf *out);

/* Reports "DISPLAY: what: MESSAGE" (libpq's message of res, or of the
 * connection, scrubbed of any password and control bytes) as an I/O
 * error; SQLSTATE 42501 (permission denied) says the role may not do
 * that. Returns -1. */
int pg_report(struct store *s, const PGresult *res, const char *what);

/* Runs sql (no parameters, no rows wanted); reports and returns -1 unless
 * it succeeds. */
int pg_exec(struct store *s, const char *sql, const char *what);

/* The result's SQLSTATE ("" when none). */
const char *pg_sqlstate(const PGresult *res);

/* Appends text to out escaped for COPY's text format (\\, \n, \r, \t). */
void pg_copy_text(struct buf *out, const char *text, size_t len);

/*
 * The free-text lexemes of docs/STORE.md "Free text": exactly the tokens
 * of SQLite FTS5's unicode61 remove_diacritics 2 tokenizer (borrowed
 * from SQLite itself, through an in-memory connection).
 * pg_fts_doc appends the tsvector literal of an entry's reason (A),
 * target (B), actor (C) and ticket (D), any of them NULL: positions from
 * 1, each column's first token two after the last one before it.
 */
struct pg_fts;
struct pg_fts *pg_fts_new(void); /* NULL when FTS5 is missing (reported) */
int pg_fts_doc(struct pg_fts *f, const char *const text[4], struct buf *out);
/* The same document as a field of COPY's binary format (its 32-bit
 * length, then the tsvector's binary form), appended to out: 0; or 1,
 * out untouched, for a document the server's text input treats in ways
 * the binary one does not (a lexeme's positions cut or stopped, a lexeme
 * it refuses: pg_fts.c), to be sent as pg_fts_doc's literal; or -1. */
int pg_fts_doc_binary(struct pg_fts *f, const char *const text[4], struct buf *out);
void pg_fts_free(struct pg_fts *f);
/* Appends the tsquery of free text as FTS5 reads the phrase "text" (its
 * tokens adjacent and in order, the last a prefix when prefix): 'a' <->
 * 'b':*. Returns the number of tokens (0 matches nothing), or -1. */
int pg_fts_tsquery(struct pg_fts *f, const char *text, int prefix, struct buf *out);

/*
 * Following (pg_follow.c): start LISTENs on a second connection and takes
 * a new snapshot (0 or -1, reported); wait waits up to timeout_ms (-1:
 * no limit) for an append to this store, then takes a new snapshot:
 * 1, 0 when none came (or a signal interrupted), -1 (reported); close
 * ends the listener (pg_store_close calls it).
 */
int pg_follow_start(struct store *s);
int pg_follow_wait(struct store *s, int timeout_ms);
void pg_follow_close(struct store *s);

/* sql/pg_schema.sql, NUL-terminated (generated at build time). */
extern const char pg_schema_sql[];

#endif
