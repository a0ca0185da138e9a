/*
 * b64.h - strict standard base64 (RFC 4648, with padding), as used by
 * signed notes, checkpoints, proofs and test vectors.
 */
#ifndef TRAILSCOPE_B64_H
#define TRAILSCOPE_B64_H

#include <stddef.h>
#include "trailscope/buf.h"

void b64_encode(struct buf *out, const void *data, size_t len);
/* Decodes exactly len characters of s into out (appended). Returns 0, or
 * -1 on any character outside the alphabet, bad padding or bad length. */
int b64_decode(struct buf *out, const char *s, size_t len);

#endif
