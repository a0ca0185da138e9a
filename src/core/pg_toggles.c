/*
 * pg_toggles.c - the rapid-toggle index of a first load (pg_toggles.h):
 * an open-addressing table of "target\0env" keys, each with the sorted
 * ts of the switching events, counted by binary search.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "trailscope/util.h"
#include "pg_toggles.h"

void toggles_init(struct toggles *t)
{
	memset(t, 0, sizeof(*t));
	buf_init(&t->names);
}

void toggles_release(struct toggles *t)
{
	for (size_t i = 0; i < t->nslots; i++)
		free(t->slot[i].ts);
	free(t->slot);
	buf_release(&t->names);
	toggles_init(t);
}

static uint64_t key_hash(const char *target, const char *env)
{
	uint64_t h = 14695981039346656037u;

	for (const char *p = target; *p; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211u;
	h = (h ^ 0xff) * 1099511628211u; /* not a byte of UTF-8 text */
	for (const char *p = env; *p; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211u;
	return h;
}

/* The slot of target and env: theirs, or the free one where they go. */
static struct toggle_key *toggles_slot(struct toggles *t, const char *target, const char *env)
{
	size_t i;

	for (i = key_hash(target, env) & (t->nslots - 1); t->slot[i].name; i = (i + 1) & (t->nslots - 1)) {
		const char *n = t->names.buf + t->slot[i].name - 1;

		if (!strcmp(n, target) && !strcmp(n + strlen(n) + 1, env))
			break;
	}
	return &t->slot[i];
}

/* The first of k's ts that is not before ts. */
static size_t toggles_lower(const struct toggles *t, const struct toggle_key *k, const char *ts)
{
	size_t lo = 0, hi = k->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (strcmp(t->names.buf + k->ts[mid], ts) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

void toggles_add(struct toggles *t, const char *target, const char *env, const char *ts)
{
	struct toggle_key *k;
	size_t at, name;

	if ((t->used + 1) * 2 > t->nslots) {
		struct toggle_key *old = t->slot;
		size_t n = t->nslots;

		t->nslots = n ? n * 2 : 256;
		t->slot = xcalloc(t->nslots, sizeof(*t->slot));
		for (size_t i = 0; i < n; i++) {
			if (old[i].name) {
				const char *on = t->names.buf + old[i].name - 1;

				*toggles_slot(t, on, on + strlen(on) + 1) = old[i];
			}
		}
		free(old);
	}
	k = toggles_slot(t, target, env);
	if (!k->name) {
		k->name = t->names.len + 1;
		buf_add(&t->names, target, strlen(target) + 1);
		buf_add(&t->names, env, strlen(env) + 1);
		t->used++;
	}
	name = t->names.len;
	buf_add(&t->names, ts, strlen(ts) + 1);
	if (k->n == k->cap) {
		k->cap = k->cap ? k->cap * 2 : 8;
		k->ts = xrealloc(k->ts, k->cap * sizeof(*k->ts));
	}
	at = toggles_lower(t, k, ts);
	while (at < k->n && strcmp(t->names.buf + k->ts[at], ts) <= 0)
		at++; /* after equal ones: the order among them does not matter */
	memmove(&k->ts[at + 1], &k->ts[at], (k->n - at) * sizeof(*k->ts));
	k->ts[at] = name;
	k->n++;
}

int toggles_count(struct toggles *t, const char *target, const char *env, const char *from,
		  const char *until)
{
	const struct toggle_key *k;
	size_t lo, hi;

	if (!t->nslots)
		return 0;
	k = toggles_slot(t, target, env);
	if (!k->name)
		return 0;
	lo = toggles_lower(t, k, from);
	hi = toggles_lower(t, k, until);
	return hi > lo ? (int)(hi - lo) : 0;
}
