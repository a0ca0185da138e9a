/*
 * witness.h - a witness (c2sp.org/tlog-witness, in spirit; run locally
 * against a store rather than over HTTP) that cosigns a log's latest
 * checkpoint with cosignature/v1 (cosig.h), only after checking the log's
 * signature and proving the checkpoint consistent with the last one of
 * that origin it cosigned. What it cosigned is kept in its own state
 * directory, one file per origin:
 *
 *   DIR/ORIGIN.cosigned   (ORIGIN escaped as trust_origin_filename does)
 *     trailscope-witness 1
 *     cosigned-at 2026-03-05T14:02:07Z
 *     <blank line>
 *     <the checkpoint body: origin, size, base64 root, extension lines>
 *
 * DIR defaults to $XDG_STATE_HOME/trailscope/witness/KEY, KEY being the
 * witness key's name made file-safe, "+", its key id.
 */
#ifndef TRAILSCOPE_WITNESS_H
#define TRAILSCOPE_WITNESS_H

#include <stdint.h>
#include "trailscope/note.h"
#include "trailscope/store.h"

struct witness_result {
	char *origin;              /* the checkpoint's origin, owned */
	uint64_t size;             /* the checkpoint cosigned (or refused) */
	uint64_t prev_size;        /* the size cosigned before; 0 when none */
	int already;               /* this witness had cosigned it already: nothing added */
	uint64_t time;             /* the cosignature's timestamp */
	char *state_file;          /* where the witness keeps the origin's state, owned */
};
void witness_result_release(struct witness_result *r);

/* The default state directory of witness key w (appended to out). */
void witness_state_default(const struct note_signer *w, struct buf *out);

/*
 * Cosigns the store's latest checkpoint with w after checking it is
 * signed by log (every line from that key verifies) and consistent with
 * what the state in state_dir (NULL: the default) says w cosigned
 * before for its origin; then records it there and appends the
 * cosignature to the store (checkpoint_cosignatures), in one write
 * transaction. Returns 0, or -1 (reported) with the class (diag.h):
 * ERR_FAILED when it refuses (bad or missing log signature, a rollback,
 * a fork, a checkpoint the store cannot prove consistent) with the sizes
 * and roots in the message; ERR_INPUT (no checkpoint, a malformed one, a
 * damaged or unreadable state file); ERR_IO (the store, the disk).
 */
int witness_cosign(struct store *s, const struct note_signer *w, const struct note_verifier *log,
		   const char *state_dir, struct witness_result *r);

#endif
