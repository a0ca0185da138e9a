/*
 * tlogproof.h - c2sp.org/tlog-proof@v1: an offline-verifiable proof that
 * one entry is in a transparency log, as text:
 *
 *   c2sp.org/tlog-proof@v1
 *   extra BASE64          (optional, unauthenticated)
 *   index N               (zero-based, decimal, no leading zeroes)
 *   BASE64(hash)          (zero or more: the RFC 6962 inclusion path,
 *   ...                    from the leaf's sibling up to the root's child)
 *                         (an empty line)
 *   CHECKPOINT NOTE       (the signed checkpoint, verbatim, to the end)
 */
#ifndef TRAILSCOPE_TLOGPROOF_H
#define TRAILSCOPE_TLOGPROOF_H

#include <stddef.h>
#include <stdint.h>
#include "trailscope/buf.h"
#include "trailscope/merkle.h"

#define TLOG_PROOF_HEADER "c2sp.org/tlog-proof@v1"

struct tlog_proof {
	int has_extra;
	struct buf extra;          /* decoded extra data (when has_extra) */
	uint64_t index;            /* zero-based leaf index */
	struct merkle_proof path;  /* inclusion path */
	struct buf checkpoint;     /* the checkpoint note, verbatim */
};

/* Appends the text form. extra may be NULL (no extra line). */
void tlog_proof_format(struct buf *out, const void *extra, size_t extra_len, uint64_t index,
		       const struct merkle_proof *path, const char *checkpoint, size_t checkpoint_len);

/* Parses text. Returns 0, or -1 with *line (1-based) and a reason in err.
 * On success release with tlog_proof_release(). */
int tlog_proof_parse(const char *text, size_t len, struct tlog_proof *out, long *line, struct buf *err);
void tlog_proof_release(struct tlog_proof *p);

#endif
