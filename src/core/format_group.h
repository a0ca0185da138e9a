/*
 * format_group.h - what the GCP and Azure formats share: a table of
 * records held back until the other records of the same operation arrive
 * (a long-running operation's first and last entry, an Azure operation's
 * begin and final event), and the note on skipped records.
 */
#ifndef TRAILSCOPE_FORMAT_GROUP_H
#define TRAILSCOPE_FORMAT_GROUP_H

#include "trailscope/format_util.h"

/* A record kept past its reader's call: its parsed JSON, verbatim text and
 * position (rec.json and rec.raw point into the copies). */
struct fmt_held {
	struct fmt_record rec;
	int set;               /* 0 empty; else held (the format may use 2, 3, ... as marks) */
};

struct fmt_group {
	char *key;
	struct fmt_held first, last;
	int done;              /* emitted: later records of the operation are dropped */
};

struct fmt_groups {
	struct fmt_group *v;   /* in the order their first record was read */
	size_t n, alloc;
	size_t *slots;         /* open addressing: index in v + 1, 0 free */
	size_t nslots;
};

/* The group of key, created (empty) when absent. The pointer is valid
 * until the next call. */
struct fmt_group *fmt_group_get(struct fmt_groups *g, const char *key);
/* Keeps a copy of rec in h (replacing what it held). */
void fmt_held_set(struct fmt_held *h, const struct fmt_record *rec);
void fmt_held_clear(struct fmt_held *h);
void fmt_groups_release(struct fmt_groups *g);

/* At the end of a file: for each group that still holds a record, in the
 * order read, calls emit(r, first, last) with what it holds (NULL for an
 * end it does not hold), then clears the group. Returns 0, or -1 as soon
 * as emit returned non-zero. */
int fmt_groups_flush(struct fmt_groups *g, struct fmt_reader *r,
		     int (*emit)(struct fmt_reader *r, const struct fmt_record *first,
				 const struct fmt_record *last));

#endif
