/*
 * keys.h - key files on disk, the trust state kept outside the store, and
 * signing a checkpoint of a store's head.
 *
 * Trust lives in the user's state directory ($XDG_STATE_HOME/trailscope,
 * default ~/.local/state/trailscope): "trusted.keys" holds pinned verifier
 * keys, one per line; "seen/KEY/ORIGIN.cp" holds, per trusted key (KEY is
 * the key's name made file-safe, "+", its key id), the newest checkpoint
 * of each origin that key was seen to sign, when it was remembered, and
 * the log's roots at power-of-two sizes (docs/STORE.md). Older versions
 * wrote "checkpoints/ORIGIN" (the note alone); those files are still
 * read. ORIGIN has '/' and other unsafe bytes escaped as %XX. A store can
 * lie about itself, this directory cannot be reached by whoever edits the
 * store.
 */
#ifndef TRAILSCOPE_KEYS_H
#define TRAILSCOPE_KEYS_H

#include "trailscope/note.h"
#include "trailscope/store.h"

/* Reads a signer key file (warns when it is readable by others; a
 * verifier key given instead is refused as such, before anything else). */
int keyfile_load_signer(const char *path, struct note_signer *out);
/* 1 when path holds a verifier key (a .pub), where a signer key may be
 * wanted; 0 otherwise, unreadable included. Prints nothing. */
int keyfile_is_verifier(const char *path);
int keyfile_load_verifier(const char *path, struct note_verifier *out);
/* The same for a witness's keys (cosigner, type 0x04). */
int keyfile_load_cosigner_signer(const char *path, struct note_signer *out);
int keyfile_load_cosigner(const char *path, struct note_verifier *out);
/* File-name stem for a key name: "example.org/audit" -> "example.org_audit". */
void keyfile_stem(const char *name, struct buf *out);

/* The state directory: $XDG_STATE_HOME/trailscope, ~/.local/state/trailscope
 * without it (malloc'd). */
char *trust_state_dir(void);
/* Appends origin as a file name: bytes other than A-Z a-z 0-9 - _ (and a
 * '.' not in first place) as %XX. */
void trust_origin_filename(const char *origin, struct buf *out);

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
/* The root of a log at one size. */
struct trust_root {
	uint64_t size;
	unsigned char root[HASH_LEN];
};

/* One remembered checkpoint. */
struct trust_memory {
	char *path;                 /* the state file it was read from, owned */
	char *when;                 /* UTC time it was remembered (the file's
				     * mtime for an old-layout file), owned */
	long key;                   /* index in trust.keys it was remembered
				     * under; -1 for an old checkpoints/ORIGIN file */
	char *note;                 /* the checkpoint, a signed note, owned */
	struct trust_root *roots;   /* the log's roots at power-of-two sizes
				     * below the checkpoint's (may be none), owned */
	size_t nroots;
};

/*
 * Loads what is remembered that can concern a store of this origin: the
 * old-layout file checkpoints/ORIGIN (when origin is not empty) and every
 * checkpoint remembered under each trusted key, whatever its origin. A
 * file that does not parse is warned about and skipped. Returns 0 with
 * *out (free with trust_memories_free()) or -1 on an I/O error.
 */
int trust_memories_load(const struct trust *t, const char *origin, struct trust_memory **out, size_t *n);
void trust_memories_free(struct trust_memory *m, size_t n);
/*
 * Remembers note, a checkpoint of origin verified under t->keys[key],
 * with the log's roots at power-of-two sizes, and the current time, in
 * seen/KEY/ORIGIN.cp (replacing what was there). Returns 0 or -1.
 */
int trust_remember(const struct trust *t, size_t key, const char *origin, const char *note,
		   const struct trust_root *roots, size_t nroots);

/*
 * Signs a checkpoint of the store's current head with key and stores it
 * (inside the caller's transaction if one is open). When the store has no
 * origin yet, the key's name becomes the origin. root may be NULL (it is
 * then computed). Returns 0 or -1; *size_out gets the signed size.
 */
int store_sign_head(struct store *s, const struct note_signer *key, uint64_t size,
		    const unsigned char root[HASH_LEN]);

#endif
