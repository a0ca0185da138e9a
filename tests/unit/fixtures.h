/*
 * fixtures.h - the set-up unit tests share: a private scratch directory,
 * a store built there from JSON lines through the real import path, SQL
 * run against it (for tampering), fresh key pairs, and a trust state
 * holding one signer's key. Linked into every unit-test binary (Makefile) beside check.h.
 *
 * Failures are printed with the call's purpose and returned as -1: a test
 * CHECKs the result, so a broken fixture fails the case that needed it.
 */
#ifndef FIXTURES_H
#define FIXTURES_H

#include <stddef.h>
#include "trailscope/import.h"
#include "trailscope/keys.h"
#include "trailscope/store.h"

/* A store for one test: DIR/ev.jsonl imported into DIR/s.db. */
struct fixture_store {
	char dir[256];     /* the scratch directory (removed by fixture_store_remove) */
	char events[300];  /* DIR/ev.jsonl, the events last imported */
	char db[300];      /* DIR/s.db */
	struct store s;    /* open read-write once fixture_store_open returned 0 */
	int open;
};

/* Makes a new directory named after prefix under $TMPDIR (or /tmp) into
 * dir (of size n). Returns 0, or -1 (printed). */
int fixture_tmpdir(char *dir, size_t n, const char *prefix);
/* Removes dir and everything in it. */
void fixture_rmdir(const char *dir);
/* Writes text to path (replacing it). Returns 0 or -1 (printed). */
int fixture_write(const char *path, const char *text);

/* Makes the scratch directory, creates the store and, unless events is
 * NULL, imports events (JSON lines text) with io (NULL: the defaults).
 * Returns 0, or -1 (printed; fixture_store_remove still cleans up). */
int fixture_store_open(struct fixture_store *fx, const char *prefix, const char *events,
		       const struct import_options *io);
/* Writes events to fx->events and imports them into the open store:
 * import_files's answer (0, or -1 with error_class()). */
int fixture_store_import(struct fixture_store *fx, const char *events, const struct import_options *io);
/* Closes the store and removes its directory. */
void fixture_store_remove(struct fixture_store *fx);

/* Runs the SQL (formatted) on s, printing it when it fails. Returns 0 or
 * -1. For tampering with a store behind the import path's back. */
int fixture_sql(struct store *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* A fresh key pair named name of type (NOTE_KEY_ED25519, a log's key, or
 * NOTE_KEY_COSIGNATURE_V1, a witness's) into s and v (either may be NULL;
 * release what was filled with note_signer_release/note_verifier_release).
 * Returns 0, or -1 (printed). */
int fixture_keys(const char *name, unsigned type, struct note_signer *s, struct note_verifier *v);

/* A trust state in dir (state files: remembered checkpoints) pinning
 * key's verifier, or no key when key is NULL. Release with
 * trust_release(). */
struct trust fixture_trust(const struct note_signer *key, const char *dir);

#endif
