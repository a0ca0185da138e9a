/*
 * leaf.h - the leaf, in one module (leaf.c): building an event's leaf (the
 * RFC 8785 canonical JSON object of docs/STORE.md "Leaves", the bytes the
 * store keeps verbatim and the Merkle tree hashes), putting its seq in
 * place once the writer knows it, and a fast, allocation-light reader of
 * stored leaves that pulls out the members verification cross-checks
 * against the display columns, without building a tree.
 */
#ifndef TRAILSCOPE_LEAF_H
#define TRAILSCOPE_LEAF_H

#include <stddef.h>
#include <stdint.h>
#include "trailscope/buf.h"

struct event;

/* Leaf format written now: 3 replaces the raw record ("raw") by its
 * SHA-256 ("raw_sha256"; the record itself is entry_text.raw), 2 added the
 * "outcome" member (docs/STORE.md). Leaves of versions 1 and 2 stay valid;
 * version 1 reads as outcome "unknown". */
#define LEAF_VERSION 3

/* Hex digits of a version 3 leaf's "raw_sha256". */
#define LEAF_RAW_SHA256_HEX 64

/* Writes to hex the lowercase hex SHA-256 of the raw record raw[0..len)
 * (its bytes as entry_text.raw holds them), NUL-terminated. */
void leaf_raw_sha256(const char *raw, size_t len, char hex[LEAF_RAW_SHA256_HEX + 1]);
/* 1 when raw[0..len) hashes to raw_sha256 (NUL-terminated hex, as a v3
 * leaf holds it), 0 otherwise (also when raw_sha256 is NULL). */
int leaf_raw_matches(const char *raw_sha256, const char *raw, size_t len);
/* 1 when s[0..len) is a well-formed "raw_sha256": 64 lowercase hex digits. */
int leaf_raw_sha256_valid(const char *s, size_t len);

/* ---- building ---------------------------------------------------------- */

/* Where a built leaf's seq number lies: bytes [off, off + len) from the
 * start of the leaf. */
struct leaf_seq_at {
	size_t off;
	size_t len;
};

/*
 * Appends the leaf of ev for seq (canonical JSON object, version
 * LEAF_VERSION) to out and, when at is not NULL, sets *at to where the
 * digits of seq lie in it, so that leaf_set_seq can give the same leaf
 * another seq without building it again (import builds a leaf before the
 * writer has assigned its seq). Cannot fail (ev's strings are valid).
 */
void leaf_build(const struct event *ev, int64_t seq, struct buf *out, struct leaf_seq_at *at);

/* Appends to out the leaf leaf[0..len) (as leaf_build wrote it, with at
 * from that call) with its seq replaced by seq: byte for byte the leaf
 * leaf_build would write for seq. */
void leaf_set_seq(const char *leaf, size_t len, const struct leaf_seq_at *at, int64_t seq,
		  struct buf *out);

/* ---- scanning ---------------------------------------------------------- */

struct leaf_fields {
	int64_t seq;           /* -1 when absent */
	struct buf event_id, ts, actor, actor_type, action, target, target_kind, environment;
	int version;           /* the leaf's "v": 1, 2 or 3 */
	struct buf outcome;    /* "outcome.status" (v2, v3), or "unknown" for a v1 leaf */
	struct buf raw_sha256; /* "raw_sha256" (v3: 64 lowercase hex digits), empty before v3 */
};

void leaf_fields_init(struct leaf_fields *f);
void leaf_fields_release(struct leaf_fields *f);
/* As leaf_fields_init, keeping the buffers' memory for the next leaf. */
void leaf_fields_reset(struct leaf_fields *f);
/* Reads len bytes of leaf. Returns 0, or -1 with a reason in err when the
 * bytes are not a well-formed JSON object, lack a required member, have a
 * "v" other than 1, 2 or 3, or disagree with their version about "outcome"
 * (v2, v3: required, status "success" or "failure"; v1: absent) or the raw
 * record (v1, v2: "raw" and no "raw_sha256"; v3: "raw_sha256" of 64
 * lowercase hex digits and no "raw"). */
int leaf_scan(const char *leaf, size_t len, struct leaf_fields *f, struct buf *err);

#endif
