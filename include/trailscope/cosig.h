/*
 * cosig.h - witness cosignatures on checkpoints, as c2sp.org/tlog-cosignature
 * specifies its Ed25519 type (cosignature/v1):
 *
 *   key id     SHA-256(NAME || "\n" || 0x04 || public key)[:4]
 *   line       "— NAME BASE64(key id || u64 timestamp (big-endian) || signature)"
 *   signed     "cosignature/v1\ntime T\n" || the checkpoint body (the note's
 *              text, extension lines and final newline included, no
 *              signature lines), T the timestamp in decimal
 *
 * A cosignature states that, as of T, the largest consistent tree the
 * witness has seen for the checkpoint's origin has that root.
 */
#ifndef TRAILSCOPE_COSIG_H
#define TRAILSCOPE_COSIG_H

#include <stdint.h>
#include "trailscope/buf.h"
#include "trailscope/note.h"

#define COSIG_HEADER "cosignature/v1\n"
#define COSIG_MAX_TIME INT64_MAX /* the spec's bound, 2^63 - 1 */

/* Appends the message a cosignature at time t signs over body. */
void cosig_message(const char *body, size_t len, uint64_t t, struct buf *out);

/* Signs body (a checkpoint note's text) with the witness key w at time t
 * and appends its signature line (with the newline). Returns 0, or -1
 * with a reason in err (not a witness key, t too large, signing failed). */
int cosig_sign(const struct note_signer *w, const char *body, size_t len, uint64_t t,
	       struct buf *line, struct buf *err);

enum cosig_status {
	COSIG_NONE = 0,   /* no line carries this witness's name and key id */
	COSIG_OK = 1,     /* every such line verifies */
	COSIG_BAD = -1,   /* one does not (wrong length, time or signature) */
};

/* Checks n's lines from witness w (a NOTE_KEY_COSIGNATURE_V1 verifier);
 * on COSIG_OK *time gets the newest line's timestamp. */
enum cosig_status cosig_verify(const struct note *n, const struct note_verifier *w, uint64_t *time);

/* The timestamp a signature line carries when it has a cosignature's
 * length (72 bytes after the key id): 0 with *time set, or -1. Says
 * nothing of whether it verifies. */
int cosig_line_time(const struct note_sig *sig, uint64_t *time);

#endif
