/*
 * keys.h - key files on disk, the trust state kept outside the store, and
 * signing a checkpoint of a store's head.
 *
 * Trust lives in the user's state directory ($XDG_STATE_HOME/trailscope,
 * default ~/.local/state/trailscope): "trusted.keys" holds pinned verifier
 * keys, one per line; "checkpoints/ORIGIN" holds the newest checkpoint of
 * each origin seen verified (ORIGIN with '/' and other unsafe bytes
 * escaped as %XX). A store can lie about itself, this directory cannot be
 * reached by whoever edits the store.
 */
#ifndef TRAILSCOPE_KEYS_H
#define TRAILSCOPE_KEYS_H

#include "trailscope/note.h"
#include "trailscope/store.h"

/* Reads a signer key file (warns when it is readable by others). */
int keyfile_load_signer(const char *path, struct note_signer *out);
int keyfile_load_verifier(const char *path, struct note_verifier *out);
/* File-name stem for a key name: "example.org/audit" -> "example.org_audit". */
void keyfile_stem(const char *name, struct buf *out);

struct trust {
	struct note_verifier *keys; /* owned */
	size_t n, alloc;
	char *dir;                  /* state directory, owned */
};

/* Loads pinned keys from the state directory (a missing file is no key). */
int trust_load(struct trust *t);
void trust_release(struct trust *t);
/* Adds the verifier key in pubfile; pin also records it in trusted.keys. */
int trust_add_file(struct trust *t, const char *pubfile, int pin);
/* The remembered checkpoint note for origin: 1 found, 0 none, -1 error. */
int trust_remembered(const struct trust *t, const char *origin, struct buf *note);
int trust_remember(const struct trust *t, const char *origin, const char *note);

/*
 * Signs a checkpoint of the store's current head with key and stores it
 * (inside the caller's transaction if one is open). When the store has no
 * origin yet, the key's name becomes the origin. root may be NULL (it is
 * then computed). Returns 0 or -1; *size_out gets the signed size.
 */
int store_sign_head(struct store *s, const struct note_signer *key, uint64_t size,
		    const unsigned char root[HASH_LEN]);

#endif
