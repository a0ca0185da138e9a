/*
 * format_group.c - records held back per operation for the GCP and Azure
 * formats (format_group.h): a hash table from an operation key to the
 * records kept of it, in the order the operations were first seen.
 *
 * Cost: memory for the held records only (operations whose other half has
 * not been read yet) and one key per operation seen.
 */
#include <stdlib.h>
#include <string.h>

#include "format_group.h"
#include "trailscope/util.h"

static size_t hash_key(const char *s)
{
	size_t h = 1469598103934665603ULL;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

static size_t find_slot(const struct fmt_groups *g, const char *key)
{
	size_t i = hash_key(key) & (g->nslots - 1);

	while (g->slots[i] && strcmp(g->v[g->slots[i] - 1].key, key))
		i = (i + 1) & (g->nslots - 1);
	return i;
}

static void grow(struct fmt_groups *g)
{
	free(g->slots);
	g->nslots = g->nslots ? g->nslots * 2 : 64;
	g->slots = xcalloc(g->nslots, sizeof(*g->slots));
	for (size_t k = 0; k < g->n; k++)
		g->slots[find_slot(g, g->v[k].key)] = k + 1;
}

struct fmt_group *fmt_group_get(struct fmt_groups *g, const char *key)
{
	size_t i;

	if ((g->n + 1) * 2 > g->nslots)
		grow(g);
	i = find_slot(g, key);
	if (!g->slots[i]) {
		ALLOC_GROW(g->v, g->n + 1, g->alloc);
		memset(&g->v[g->n], 0, sizeof(g->v[g->n]));
		g->v[g->n].key = xstrdup(key);
		g->slots[i] = ++g->n;
	}
	return &g->v[g->slots[i] - 1];
}

void fmt_held_clear(struct fmt_held *h)
{
	if (h->set) {
		json_decref(h->rec.json);
		free((char *)h->rec.raw);
	}
	memset(h, 0, sizeof(*h));
}

void fmt_held_set(struct fmt_held *h, const struct fmt_record *rec)
{
	fmt_held_clear(h);
	h->rec = *rec;
	h->rec.json = json_incref(rec->json);
	h->rec.raw = xstrndup(rec->raw, rec->raw_len);
	h->set = 1;
}

int fmt_groups_flush(struct fmt_groups *g, struct fmt_reader *r,
		     int (*emit)(struct fmt_reader *r, const struct fmt_record *first,
				 const struct fmt_record *last))
{
	for (size_t i = 0; i < g->n; i++) {
		struct fmt_group *grp = &g->v[i];
		int rc = 0;

		if (grp->first.set || grp->last.set)
			rc = emit(r, grp->first.set ? &grp->first.rec : NULL, grp->last.set ? &grp->last.rec : NULL);
		fmt_held_clear(&grp->first);
		fmt_held_clear(&grp->last);
		if (rc)
			return -1;
	}
	return 0;
}

void fmt_groups_release(struct fmt_groups *g)
{
	for (size_t i = 0; i < g->n; i++) {
		fmt_held_clear(&g->v[i].first);
		fmt_held_clear(&g->v[i].last);
		free(g->v[i].key);
	}
	free(g->v);
	free(g->slots);
	memset(g, 0, sizeof(*g));
}

