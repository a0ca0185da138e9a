/*
 * anchors.h - what anchors a checkpoint beyond the log's own key, as the
 * store keeps it (schema version 4, docs/STORE.md): RFC 3161 time-stamp
 * tokens over a checkpoint's note (checkpoint_timestamps), the requests
 * trailscope made for them (timestamp_requests, so a response can be
 * matched to its request by nonce), and witnesses' cosignature/v1 lines
 * (checkpoint_cosignatures). All append-only; a checkpoint's note itself
 * never changes. A store below version 4 (opened read-only) has none.
 */
#ifndef TRAILSCOPE_ANCHORS_H
#define TRAILSCOPE_ANCHORS_H

#include <stdint.h>
#include "trailscope/buf.h"
#include "trailscope/store.h"

struct anchor_timestamp {
	int64_t id;                /* row id: the order tokens were added in */
	uint64_t size;             /* the checkpoint it is for */
	unsigned char *token;      /* RFC 3161 TimeStampToken, DER, owned */
	size_t token_len;
	char *nonce;               /* hex of the nonce trailscope sent, or NULL, owned */
	char *tsa;                 /* where it came from (URL, or "response FILE"), owned */
};

/* Every token of the checkpoint of that size (size 0: of every
 * checkpoint), by size then as added. Returns 0 with *out (free with
 * anchor_timestamps_free) or -1 (reported). */
int anchors_timestamps(struct store *s, uint64_t size, struct anchor_timestamp **out, size_t *n);
void anchor_timestamps_free(struct anchor_timestamp *v, size_t n);
int anchors_add_timestamp(struct store *s, uint64_t size, const void *token, size_t len,
			  const char *nonce_hex, const char *tsa);

/* Records a request made for the checkpoint of that size; and whether one
 * with that nonce was made (1, 0, or -1 on error). */
int anchors_add_request(struct store *s, uint64_t size, const char *nonce_hex, const void *req, size_t len);
int anchors_request_made(struct store *s, uint64_t size, const char *nonce_hex);

/* The cosignature lines of the checkpoint of that size, each ending in
 * "\n", appended to out in the order added; *n (may be NULL) gets their
 * number. Returns 0 or -1. */
int anchors_cosignatures(struct store *s, uint64_t size, struct buf *out, size_t *n);
/* Whether any checkpoint has cosignature lines: 1, 0, or -1 on error. */
int anchors_any_cosignature(struct store *s);
/* Adds one line (without its newline). Returns 0 or -1. */
int anchors_add_cosignature(struct store *s, uint64_t size, const char *line);

/* The note of the checkpoint of that size (0: the largest), verbatim, in
 * note; *size_out gets its size. Returns 1, 0 when there is none, -1. */
int anchors_checkpoint_note(struct store *s, uint64_t size, struct buf *note, uint64_t *size_out);

#endif
