/*
 * rulehits.c - rule hits for the timeline's badges (rulehits.h). Each
 * rule's query is compiled once on the TUI's store; rows not yet cached
 * are evaluated in one query_each_range per rule over their seq range, so
 * a screen costs one query per rule, and a row already seen costs
 * nothing. A rule with a set term (changed:, values, free text, regex)
 * reads its set at each such query, as a count does.
 */
#include <stdlib.h>
#include <string.h>

#include "trailscope/policy.h"
#include "rulehits.h"

#define CACHE_SLOTS 8192 /* seqs remembered; the cache starts over when full */

struct slot {
	int64_t seq;           /* 0: empty */
	uint64_t rules;        /* bit i: rule i (the first 64 rules) */
	int more;              /* rules past the 64th hit too */
};

static struct slot cache[CACHE_SLOTS];
static size_t used;
static struct query **queries;
static const struct policy *compiled_for;
static struct store *compiled_on;

static struct slot *lookup(int64_t seq, int insert)
{
	size_t h = (size_t)(seq * 2654435761u) % CACHE_SLOTS;

	for (size_t i = 0; i < CACHE_SLOTS; i++, h = (h + 1) % CACHE_SLOTS) {
		if (cache[h].seq == seq)
			return &cache[h];
		if (!cache[h].seq) {
			if (!insert)
				return NULL;
			if (used >= CACHE_SLOTS / 2) {
				memset(cache, 0, sizeof(cache));
				used = 0;
				return lookup(seq, 1);
			}
			cache[h].seq = seq;
			cache[h].rules = 0;
			cache[h].more = 0;
			used++;
			return &cache[h];
		}
	}
	return NULL;
}

struct range_ctx {
	size_t rule;
	int64_t lo, hi;
	const int64_t *want;   /* the seqs asked for, sorted */
	size_t nwant;
};

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

static int mark(const struct query_row *row, void *ctx)
{
	const struct range_ctx *c = ctx;
	struct slot *sl;

	if (!bsearch(&row->seq, c->want, c->nwant, sizeof(*c->want), cmp_i64))
		return 0;
	sl = lookup(row->seq, 1);
	if (sl && c->rule < 64)
		sl->rules |= (uint64_t)1 << c->rule;
	else if (sl)
		sl->more = 1;
	return 0;
}

static int compile(struct store *s, const struct policy *p)
{
	if (compiled_for == p && compiled_on == s)
		return queries ? 0 : -1;
	policy_queries_free(queries, compiled_for ? compiled_for->n : 0);
	queries = NULL;
	compiled_for = p;
	compiled_on = s;
	memset(cache, 0, sizeof(cache));
	used = 0;
	set_error_quiet(1);
	if (policy_compile(p, s, time_now(), &queries))
		queries = NULL;
	set_error_quiet(0);
	return queries ? 0 : -1;
}

void rulehits_prepare(struct store *s, const struct tl_row *rows, size_t n)
{
	const struct policy *p = policy_active();
	int64_t *want;
	size_t nwant = 0;

	if (!p || !n || compile(s, p))
		return;
	want = xmalloc(n * sizeof(*want));
	for (size_t i = 0; i < n; i++)
		if (!lookup(rows[i].key.seq, 0))
			want[nwant++] = rows[i].key.seq;
	if (nwant) {
		struct range_ctx c = { 0, 0, 0, want, nwant };
		struct query_range rg = { 0, 0, NULL, NULL };

		qsort(want, nwant, sizeof(*want), cmp_i64);
		rg.seq_after = want[0] - 1;
		rg.seq_through = want[nwant - 1];
		for (size_t i = 0; i < nwant; i++)
			lookup(want[i], 1);
		for (size_t r = 0; r < p->n; r++) {
			c.rule = r;
			if (query_each_range(queries[r], &rg, mark, &c) < 0)
				break;
		}
	}
	free(want);
}

int rulehits_badge(int64_t seq, struct buf *out)
{
	const struct policy *p = policy_active();
	const struct slot *sl = p ? lookup(seq, 0) : NULL;
	int hits = 0, first = -1;

	if (!sl)
		return 0;
	for (size_t i = 0; i < p->n && i < 64; i++) {
		if (sl->rules >> i & 1) {
			if (first < 0)
				first = (int)i;
			hits++;
		}
	}
	if (sl->more)
		hits++;
	if (first >= 0) {
		buf_addstr(out, p->rules[first].id);
		if (hits > 1)
			buf_addf(out, "+%d", hits - 1);
	} else if (hits) {
		buf_addstr(out, "rules");
	}
	return hits;
}

int rulehits_badge_width(int w)
{
	const struct policy *p = policy_active();
	int longest = 0;

	for (size_t i = 0; p && i < p->n; i++)
		if ((int)strlen(p->rules[i].id) > longest)
			longest = (int)strlen(p->rules[i].id);
	if (!longest)
		return 0;
	longest += 4; /* "+N" and a space */
	return longest < w / 5 ? longest : w / 5;
}
