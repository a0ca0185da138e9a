/*
 * pg_toggles.h - the rapid-toggle index of a first load into a PostgreSQL
 * store (pg_append.c): what store_recent_toggles() counts, answered in
 * memory, since every stored entry is then one the import appended.
 */
#ifndef TRAILSCOPE_PG_TOGGLES_H
#define TRAILSCOPE_PG_TOGGLES_H

#include <stddef.h>
#include "trailscope/buf.h"

/* A first load's rapid-toggle index: for each target and environment
 * ("target\0env" in names), the ts of every event of this import that
 * switched something (offsets in names), sorted. */
struct toggle_key {
	size_t name;                /* offset + 1 in names, 0: a free slot */
	size_t n, cap, *ts;
};
struct toggles {
	struct toggle_key *slot;
	size_t nslots, used;        /* nslots a power of two */
	struct buf names;
};

void toggles_init(struct toggles *t);
void toggles_release(struct toggles *t);
/* Adds ts (the format of time_format, so that bytes order as times) to
 * target's in env. */
void toggles_add(struct toggles *t, const char *target, const char *env, const char *ts);
/* How many of target's ts in env have from <= ts < until. */
int toggles_count(struct toggles *t, const char *target, const char *env, const char *from,
		  const char *until);

#endif
