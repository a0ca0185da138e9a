/*
 * leaf.h - a fast, allocation-light reader of stored leaves (canonical
 * JSON objects, docs/STORE.md) that pulls out the members verification
 * cross-checks against the display columns, without building a tree.
 */
#ifndef TRAILSCOPE_LEAF_H
#define TRAILSCOPE_LEAF_H

#include <stddef.h>
#include <stdint.h>
#include "trailscope/buf.h"

struct leaf_fields {
	int64_t seq;           /* -1 when absent */
	struct buf event_id, ts, actor, actor_type, action, target, target_kind, environment;
	int version;           /* the leaf's "v": 1 or 2 */
	struct buf outcome;    /* "outcome.status" (v2), or "unknown" for a v1 leaf */
};

void leaf_fields_init(struct leaf_fields *f);
void leaf_fields_release(struct leaf_fields *f);
/* Reads len bytes of leaf. Returns 0, or -1 with a reason in err when the
 * bytes are not a well-formed JSON object, lack a required member, have a
 * "v" other than 1 or 2, or disagree with their version about "outcome"
 * (v2: required, status "success" or "failure"; v1: absent). */
int leaf_scan(const char *leaf, size_t len, struct leaf_fields *f, struct buf *err);

#endif
