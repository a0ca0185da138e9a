/*
 * diff.c - per-field differences between two JSON states (see diff.h),
 * computed once per event at import.
 *
 * Objects are merged in sorted key order. Arrays of objects with an
 * identity member are matched by sorting the identities. Other arrays
 * put every element in an equality class (structural hash, numbers as
 * doubles and member order ignored, confirmed by json_equal_canonical),
 * then work on ranges: drop the common prefix and suffix; run a longest
 * common subsequence when the range is small; otherwise anchor on
 * elements that occur once on each side (patience diff) and split; and
 * when nothing anchors, pair elements by position.
 *
 * Cost: hashing is linear in each array's subtree, so a value nested d
 * arrays deep is hashed d times. Sorting is O(n log n). An LCS costs
 * n*m steps and 4*n*m bytes, at most LCS_MAX_CELLS per range; all LCS
 * and patience work in one diff_json() call shares DIFF_WORK_MAX steps,
 * after which arrays are compared by position, in linear time. The
 * result is never wrong, only noisier: every element is either matched
 * to an equal one, diffed against one at the same place, or reported
 * added or removed.
 */
#include <stdint.h>
#include <string.h>

#include "trailscope/diff.h"
#include "trailscope/jcs.h"
#include "trailscope/util.h"

#define LCS_MAX_CELLS 1000000   /* largest LCS table for one range */
#define DIFF_WORK_MAX 16000000  /* LCS cells plus patience steps per call */
#define CLASS_MAX_PROBES 8      /* distinct values compared per hash */

static const char *const identity_keys[] = { "id", "_id", "key", "name" };

struct diff_ctx {
	struct change_list *out;
	struct buf path;        /* path of the value being diffed */
	size_t budget;          /* work left for LCS and patience */
};

#define NAME_OF(name, str) str,
static const char *const change_kind_names[] = { CHANGE_KIND_INFO(NAME_OF) };
#undef NAME_OF

const char *change_kind_name(enum change_kind k)
{
	return (size_t)k < ARRAY_SIZE(change_kind_names) ? change_kind_names[k] : "unknown";
}

enum change_kind change_kind_parse(const char *name)
{
	int i = name_index(change_kind_names, ARRAY_SIZE(change_kind_names), name);

	return i < 0 ? CHANGE_CHANGED : (enum change_kind)i;
}

void change_list_release(struct change_list *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->v[i].path);
		json_decref(l->v[i].before);
		json_decref(l->v[i].after);
	}
	free(l->v);
	l->v = NULL;
	l->n = l->alloc = 0;
}

static void push_change(struct diff_ctx *ctx, enum change_kind kind,
			const json_t *before, const json_t *after, int before_unknown)
{
	struct change_list *out = ctx->out;
	struct change *c;

	ALLOC_GROW(out->v, out->n + 1, out->alloc);
	c = &out->v[out->n++];
	c->path = xstrndup(ctx->path.buf, ctx->path.len);
	c->kind = kind;
	c->before = before ? json_incref((json_t *)before) : NULL;
	c->after = after ? json_incref((json_t *)after) : NULL;
	c->before_unknown = before_unknown;
}

/* Pushes one change for element index of an array (before or after). */
static void push_at(struct diff_ctx *ctx, size_t index, enum change_kind kind,
		    const json_t *before, const json_t *after)
{
	size_t base = ctx->path.len;

	path_append_index(&ctx->path, index);
	push_change(ctx, kind, before, after, 0);
	buf_setlen(&ctx->path, base);
}

/* ---- paths ---- */

static int is_identifier(const char *key, size_t len)
{
	if (!len)
		return 0;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)key[i];

		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_')
			continue;
		if (i && ((c >= '0' && c <= '9') || c == '-'))
			continue;
		return 0;
	}
	return 1;
}

void path_append_key(struct buf *path, const char *key, size_t keylen)
{
	if (is_identifier(key, keylen)) {
		if (path->len)
			buf_addch(path, '.');
		buf_add(path, key, keylen);
		return;
	}
	buf_addstr(path, "[\"");
	for (size_t i = 0; i < keylen; i++) {
		unsigned char c = (unsigned char)key[i];

		if (c == '"' || c == '\\') {
			buf_addch(path, '\\');
			buf_addch(path, c);
		} else if (c < 0x20) {
			buf_addf(path, "\\u%04x", c);
		} else {
			buf_addch(path, c);
		}
	}
	buf_addstr(path, "\"]");
}

void path_append_index(struct buf *path, size_t index)
{
	buf_addf(path, "[%zu]", index);
}

/* ---- structural hash: canonically equal values hash equal ---- */

static uint64_t mix64(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebULL;
	x ^= x >> 31;
	return x;
}

static uint64_t hash_bytes(const char *s, size_t len)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (size_t i = 0; i < len; i++) {
		h ^= (unsigned char)s[i];
		h *= 0x100000001b3ULL;
	}
	return mix64(h ^ len);
}

static uint64_t hash_json(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_NULL:
		return 0x6e756c6c;
	case JSON_TRUE:
		return 0x74727565;
	case JSON_FALSE:
		return 0x66616c73;
	case JSON_INTEGER:
	case JSON_REAL: {
		double d = json_number_value(v);
		uint64_t bits;

		if (d == 0)
			d = 0; /* -0 and 0 are equal */
		memcpy(&bits, &d, sizeof(bits));
		return mix64(bits ^ 0x4e554d);
	}
	case JSON_STRING:
		return hash_bytes(json_string_value(v), json_string_length(v));
	case JSON_ARRAY: {
		uint64_t h = 0x415252;

		for (size_t i = 0; i < json_array_size(v); i++)
			h = mix64(h * 31 + hash_json(json_array_get(v, i)));
		return mix64(h ^ json_array_size(v));
	}
	case JSON_OBJECT: {
		uint64_t h = 0; /* a sum, so member order does not matter */
		const char *key;
		size_t keylen;
		json_t *val;

		json_object_keylen_foreach((json_t *)v, key, keylen, val)
			h += mix64(hash_bytes(key, keylen) * 3 + hash_json(val));
		return mix64(h ^ 0x4f424a ^ json_object_size(v));
	}
	}
	return 0;
}

/* The JSON type, with integers and reals both counting as numbers. */
static int json_kind(const json_t *v)
{
	return json_is_number(v) ? JSON_REAL : (int)json_typeof(v);
}

static void diff_value(struct diff_ctx *ctx, const json_t *before, const json_t *after);

/* ---- objects ---- */

struct member {
	const char *key;
	size_t keylen;
	json_t *val;
};

static int member_cmp(const void *a, const void *b)
{
	const struct member *x = a, *y = b;
	size_t n = x->keylen < y->keylen ? x->keylen : y->keylen;
	int c = memcmp(x->key, y->key, n);

	if (c)
		return c;
	return x->keylen < y->keylen ? -1 : x->keylen > y->keylen;
}

/* Returns the members of o sorted by key bytes, in a malloc'd array. */
static struct member *sorted_members(const json_t *o, size_t *n)
{
	struct member *m;
	const char *key;
	size_t keylen, i = 0;
	json_t *val;

	*n = json_object_size(o);
	m = xmalloc((*n ? *n : 1) * sizeof(*m));
	json_object_keylen_foreach((json_t *)o, key, keylen, val) {
		m[i].key = key;
		m[i].keylen = keylen;
		m[i].val = val;
		i++;
	}
	qsort(m, *n, sizeof(*m), member_cmp);
	return m;
}

static void diff_object(struct diff_ctx *ctx, const json_t *before, const json_t *after)
{
	size_t nb, na, i = 0, j = 0, base = ctx->path.len;
	struct member *mb = sorted_members(before, &nb);
	struct member *ma = sorted_members(after, &na);

	while (i < nb || j < na) {
		int c = i >= nb ? 1 : j >= na ? -1 : member_cmp(&mb[i], &ma[j]);
		const struct member *m = c <= 0 ? &mb[i] : &ma[j];

		path_append_key(&ctx->path, m->key, m->keylen);
		if (c < 0)
			push_change(ctx, CHANGE_REMOVED, mb[i++].val, NULL, 0);
		else if (c > 0)
			push_change(ctx, CHANGE_ADDED, NULL, ma[j++].val, 0);
		else
			diff_value(ctx, mb[i++].val, ma[j++].val);
		buf_setlen(&ctx->path, base);
	}
	free(mb);
	free(ma);
}

/* ---- arrays matched by identity ---- */

struct ident {
	const json_t *id; /* a string or a number */
	size_t index;     /* of the element in its array */
};

static int ident_cmp(const void *a, const void *b)
{
	const json_t *x = ((const struct ident *)a)->id;
	const json_t *y = ((const struct ident *)b)->id;
	size_t lx, ly;
	int c;

	if (json_is_number(x) != json_is_number(y))
		return json_is_number(x) ? -1 : 1;
	if (json_is_number(x)) {
		double dx = json_number_value(x), dy = json_number_value(y);

		return dx < dy ? -1 : dx > dy;
	}
	lx = json_string_length(x);
	ly = json_string_length(y);
	c = memcmp(json_string_value(x), json_string_value(y), lx < ly ? lx : ly);
	if (c)
		return c;
	return lx < ly ? -1 : lx > ly;
}

/*
 * Fills ids with the value of key in every element of a (all objects),
 * sorted. Returns 0, or -1 when an element lacks the key, its value is
 * not a string or a number, or two elements share it.
 */
static int collect_idents(const json_t *a, const char *key, struct ident *ids)
{
	size_t n = json_array_size(a);

	for (size_t i = 0; i < n; i++) {
		const json_t *id = json_object_get(json_array_get(a, i), key);

		if (!id || !(json_is_string(id) || json_is_number(id)))
			return -1;
		ids[i].id = id;
		ids[i].index = i;
	}
	qsort(ids, n, sizeof(*ids), ident_cmp);
	for (size_t i = 1; i < n; i++)
		if (!ident_cmp(&ids[i - 1], &ids[i]))
			return -1;
	return 0;
}

static int all_objects(const json_t *a)
{
	for (size_t i = 0; i < json_array_size(a); i++)
		if (!json_is_object(json_array_get(a, i)))
			return 0;
	return 1;
}

static void push_removals(struct diff_ctx *ctx, const json_t *before,
			  const size_t *partner, size_t *cursor, size_t upto)
{
	for (; *cursor < upto; (*cursor)++)
		if (partner[*cursor] == SIZE_MAX)
			push_at(ctx, *cursor, CHANGE_REMOVED, json_array_get(before, *cursor), NULL);
}

/*
 * Diffs two arrays by identity; returns -1 (having reported nothing) when
 * they have none. Output order: pairs and additions in after order; each
 * removal just before the first pair whose before element came after
 * it, the rest at the end. Without reordering, that is the order of the
 * edits.
 */
static int diff_by_identity(struct diff_ctx *ctx, const json_t *before, const json_t *after)
{
	size_t nb = json_array_size(before), na = json_array_size(after);
	size_t base = ctx->path.len, cursor = 0, k;
	struct ident *ib, *ia;
	size_t *pb, *pa; /* partner index in the other array, or SIZE_MAX */

	if (!nb || !na || !all_objects(before) || !all_objects(after))
		return -1;
	ib = xmalloc(nb * sizeof(*ib));
	ia = xmalloc(na * sizeof(*ia));
	for (k = 0; k < ARRAY_SIZE(identity_keys); k++)
		if (!collect_idents(before, identity_keys[k], ib) &&
		    !collect_idents(after, identity_keys[k], ia))
			break;
	if (k == ARRAY_SIZE(identity_keys)) {
		free(ib);
		free(ia);
		return -1;
	}

	pb = xmalloc(nb * sizeof(*pb));
	pa = xmalloc(na * sizeof(*pa));
	memset(pb, 0xff, nb * sizeof(*pb));
	memset(pa, 0xff, na * sizeof(*pa));
	for (size_t i = 0, j = 0; i < nb && j < na;) {
		int c = ident_cmp(&ib[i], &ia[j]);

		if (c < 0) {
			i++;
		} else if (c > 0) {
			j++;
		} else {
			pb[ib[i].index] = ia[j].index;
			pa[ia[j].index] = ib[i].index;
			i++;
			j++;
		}
	}

	for (size_t j = 0; j < na; j++) {
		if (pa[j] == SIZE_MAX) {
			push_at(ctx, j, CHANGE_ADDED, NULL, json_array_get(after, j));
			continue;
		}
		push_removals(ctx, before, pb, &cursor, pa[j]);
		path_append_index(&ctx->path, j);
		diff_value(ctx, json_array_get(before, pa[j]), json_array_get(after, j));
		buf_setlen(&ctx->path, base);
	}
	push_removals(ctx, before, pb, &cursor, nb);
	free(pb);
	free(pa);
	free(ib);
	free(ia);
	return 0;
}

/* ---- other arrays ---- */

struct seq {
	const json_t *before, *after;
	size_t nb, na;
	size_t *cls;            /* nb + na equality classes: before, then after */
	size_t *cb, *ca;        /* cls, cls + nb */
	size_t nclasses;
	size_t *count_b, *count_a, *pos_a; /* per class, for patience */
};

struct range {
	size_t bi, n;           /* before[bi..bi+n) */
	size_t aj, m;           /* after[aj..aj+m) */
};

struct hashed {
	uint64_t hash;
	size_t pos;             /* in the combined list: before, then after */
};

static int hashed_cmp(const void *x, const void *y)
{
	const struct hashed *p = x, *q = y;

	if (p->hash != q->hash)
		return p->hash < q->hash ? -1 : 1;
	return p->pos < q->pos ? -1 : p->pos > q->pos;
}

static const json_t *seq_elem(const struct seq *s, size_t pos)
{
	return pos < s->nb ? json_array_get(s->before, pos) : json_array_get(s->after, pos - s->nb);
}

/*
 * Numbers every element into s->cls so that equal numbers mean equal
 * elements. Only elements of equal hash are compared, against at most
 * CLASS_MAX_PROBES earlier values; past that an element gets a class of
 * its own, which costs precision but never correctness.
 */
static void assign_classes(struct seq *s)
{
	size_t total = s->nb + s->na;
	struct hashed *h = xmalloc((total ? total : 1) * sizeof(*h));
	size_t *rep = xmalloc((total ? total : 1) * sizeof(*rep)); /* first member of a class */
	size_t next = 0;

	for (size_t p = 0; p < total; p++) {
		h[p].hash = hash_json(seq_elem(s, p));
		h[p].pos = p;
	}
	qsort(h, total, sizeof(*h), hashed_cmp);
	for (size_t start = 0, end; start < total; start = end) {
		size_t first = next;

		for (end = start; end < total && h[end].hash == h[start].hash; end++) {
			size_t c, stop = next - first > CLASS_MAX_PROBES ? first + CLASS_MAX_PROBES : next;

			for (c = first; c < stop; c++)
				if (json_equal_canonical(seq_elem(s, rep[c]), seq_elem(s, h[end].pos)))
					break;
			if (c == stop) {
				c = next++;
				rep[c] = h[end].pos;
			}
			s->cls[h[end].pos] = c;
		}
	}
	s->nclasses = next;
	free(rep);
	free(h);
}

/*
 * Reports before[bi..bi+n) against after[aj..aj+m), where no element is
 * matched: elements at the same offset are diffed, the surplus is
 * removed (before) or added (after).
 */
static void diff_gap(struct diff_ctx *ctx, const struct seq *s, const struct range *r)
{
	size_t base = ctx->path.len, k;

	for (k = 0; k < r->n && k < r->m; k++) {
		path_append_index(&ctx->path, r->aj + k);
		diff_value(ctx, json_array_get(s->before, r->bi + k), json_array_get(s->after, r->aj + k));
		buf_setlen(&ctx->path, base);
	}
	for (; k < r->n; k++)
		push_at(ctx, r->bi + k, CHANGE_REMOVED, json_array_get(s->before, r->bi + k), NULL);
	for (; k < r->m; k++)
		push_at(ctx, r->aj + k, CHANGE_ADDED, NULL, json_array_get(s->after, r->aj + k));
}

static void diff_lcs(struct diff_ctx *ctx, const struct seq *s, const struct range *r)
{
	const size_t *cb = s->cb + r->bi, *ca = s->ca + r->aj;
	size_t n = r->n, m = r->m, w = m + 1, i = 0, j = 0, gi = 0, gj = 0;
	uint32_t *t = xcalloc((n + 1) * w, sizeof(*t)); /* [i*w+j]: LCS of cb[i..], ca[j..] */
	struct range gap;

	for (size_t x = n; x-- > 0;)
		for (size_t y = m; y-- > 0;) {
			uint32_t down = t[(x + 1) * w + y], right = t[x * w + y + 1];

			if (cb[x] == ca[y])
				t[x * w + y] = t[(x + 1) * w + y + 1] + 1;
			else
				t[x * w + y] = down >= right ? down : right;
		}
	for (;;) {
		while (i < n && j < m && cb[i] != ca[j]) {
			if (t[(i + 1) * w + j] >= t[i * w + j + 1])
				i++;
			else
				j++;
		}
		if (i >= n || j >= m)
			break;
		gap = (struct range){ r->bi + gi, i - gi, r->aj + gj, j - gj };
		diff_gap(ctx, s, &gap);
		gi = ++i;
		gj = ++j;
	}
	gap = (struct range){ r->bi + gi, n - gi, r->aj + gj, m - gj };
	diff_gap(ctx, s, &gap);
	free(t);
}

struct anchor {
	size_t i, j;            /* before and after index */
	size_t prev;            /* previous anchor in the chain, or SIZE_MAX */
};

/*
 * Patience anchors: pairs of elements that occur exactly once in each
 * side of r, reduced to their longest chain increasing on both sides.
 * Returns the count; *out (malloc'd, caller frees) lists them in order.
 */
static size_t patience_anchors(struct seq *s, const struct range *r, struct anchor **out)
{
	struct anchor *cand;
	size_t *tails, ncand = 0, len = 0, k, at;

	for (size_t i = r->bi; i < r->bi + r->n; i++)
		s->count_b[s->cb[i]]++;
	for (size_t j = r->aj; j < r->aj + r->m; j++) {
		s->count_a[s->ca[j]]++;
		s->pos_a[s->ca[j]] = j;
	}
	cand = xmalloc((r->n ? r->n : 1) * sizeof(*cand));
	for (size_t i = r->bi; i < r->bi + r->n; i++) {
		size_t c = s->cb[i];

		if (s->count_b[c] == 1 && s->count_a[c] == 1) {
			cand[ncand].i = i;
			cand[ncand].j = s->pos_a[c];
			cand[ncand].prev = SIZE_MAX;
			ncand++;
		}
	}
	for (size_t i = r->bi; i < r->bi + r->n; i++)
		s->count_b[s->cb[i]] = 0;
	for (size_t j = r->aj; j < r->aj + r->m; j++)
		s->count_a[s->ca[j]] = 0;

	/* longest increasing subsequence of j; tails[l]: candidate ending
	 * the best chain of length l + 1 */
	tails = xmalloc((ncand ? ncand : 1) * sizeof(*tails));
	for (k = 0; k < ncand; k++) {
		size_t lo = 0, hi = len;

		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;

			if (cand[tails[mid]].j < cand[k].j)
				lo = mid + 1;
			else
				hi = mid;
		}
		cand[k].prev = lo ? tails[lo - 1] : SIZE_MAX;
		tails[lo] = k;
		if (lo == len)
			len++;
	}
	*out = xmalloc((len ? len : 1) * sizeof(**out));
	at = len ? tails[len - 1] : SIZE_MAX;
	for (k = len; k-- > 0; at = cand[at].prev)
		(*out)[k] = cand[at];
	free(tails);
	free(cand);
	return len;
}

/*
 * Splits r at its patience anchors, pushing the ranges between them on
 * the stack so that the first is popped first. Returns -1 if there are
 * no anchors.
 */
static int split_range(struct seq *s, const struct range *r,
		       struct range **stack, size_t *nstack, size_t *alloc)
{
	struct anchor *a;
	size_t na = patience_anchors(s, r, &a);
	size_t end_i = r->bi + r->n, end_j = r->aj + r->m;

	if (!na) {
		free(a);
		return -1;
	}
	for (size_t k = na + 1; k-- > 0;) {
		size_t i0 = k ? a[k - 1].i + 1 : r->bi, j0 = k ? a[k - 1].j + 1 : r->aj;
		size_t i1 = k < na ? a[k].i : end_i, j1 = k < na ? a[k].j : end_j;

		if (i0 == i1 && j0 == j1)
			continue;
		ALLOC_GROW(*stack, *nstack + 1, *alloc);
		(*stack)[(*nstack)++] = (struct range){ i0, i1 - i0, j0, j1 - j0 };
	}
	free(a);
	return 0;
}

static void diff_sequence(struct diff_ctx *ctx, const json_t *before, const json_t *after)
{
	struct seq s = { before, after, json_array_size(before), json_array_size(after),
			 NULL, NULL, NULL, 0, NULL, NULL, NULL };
	struct range *stack = NULL, r;
	size_t nstack = 0, alloc = 0;

	s.cls = xmalloc((s.nb + s.na ? s.nb + s.na : 1) * sizeof(*s.cls));
	s.cb = s.cls;
	s.ca = s.cls + s.nb;
	assign_classes(&s);
	s.count_b = xcalloc(s.nclasses ? s.nclasses : 1, sizeof(size_t));
	s.count_a = xcalloc(s.nclasses ? s.nclasses : 1, sizeof(size_t));
	s.pos_a = xcalloc(s.nclasses ? s.nclasses : 1, sizeof(size_t));

	ALLOC_GROW(stack, 1, alloc);
	stack[nstack++] = (struct range){ 0, s.nb, 0, s.na };
	while (nstack) {
		r = stack[--nstack];
		while (r.n && r.m && s.cb[r.bi] == s.ca[r.aj]) {
			r.bi++, r.aj++;
			r.n--, r.m--;
		}
		while (r.n && r.m && s.cb[r.bi + r.n - 1] == s.ca[r.aj + r.m - 1])
			r.n--, r.m--;
		if (!r.n || !r.m) {
			diff_gap(ctx, &s, &r);
		} else if (r.n <= LCS_MAX_CELLS / r.m && r.n * r.m <= ctx->budget) {
			ctx->budget -= r.n * r.m;
			diff_lcs(ctx, &s, &r);
		} else if (r.n + r.m <= ctx->budget) {
			ctx->budget -= r.n + r.m;
			if (split_range(&s, &r, &stack, &nstack, &alloc))
				diff_gap(ctx, &s, &r);
		} else {
			diff_gap(ctx, &s, &r);
		}
	}
	free(stack);
	free(s.count_b);
	free(s.count_a);
	free(s.pos_a);
	free(s.cls);
}

/* ---- driver ---- */

static void diff_value(struct diff_ctx *ctx, const json_t *before, const json_t *after)
{
	if (before == after)
		return;
	if (json_kind(before) != json_kind(after)) {
		push_change(ctx, CHANGE_CHANGED, before, after, 0);
		return;
	}
	if (json_is_object(before))
		diff_object(ctx, before, after);
	else if (json_is_array(before)) {
		if (diff_by_identity(ctx, before, after))
			diff_sequence(ctx, before, after);
	} else if (!json_equal_canonical(before, after)) {
		push_change(ctx, CHANGE_CHANGED, before, after, 0);
	}
}

/* Reports every leaf of v (an empty object or array is a leaf). */
static void report_unknown(struct diff_ctx *ctx, const json_t *v)
{
	size_t base = ctx->path.len;

	if (json_is_object(v) && json_object_size(v)) {
		size_t n;
		struct member *m = sorted_members(v, &n);

		for (size_t i = 0; i < n; i++) {
			path_append_key(&ctx->path, m[i].key, m[i].keylen);
			report_unknown(ctx, m[i].val);
			buf_setlen(&ctx->path, base);
		}
		free(m);
	} else if (json_is_array(v) && json_array_size(v)) {
		for (size_t i = 0; i < json_array_size(v); i++) {
			path_append_index(&ctx->path, i);
			report_unknown(ctx, json_array_get(v, i));
			buf_setlen(&ctx->path, base);
		}
	} else {
		push_change(ctx, CHANGE_CHANGED, NULL, v, 1);
	}
}

void diff_json(const json_t *before, const json_t *after, int before_known,
	       struct change_list *out)
{
	struct diff_ctx ctx = { out, BUF_INIT, DIFF_WORK_MAX };

	if (!before_known) {
		if (after)
			report_unknown(&ctx, after);
	} else if (!before && after) {
		push_change(&ctx, CHANGE_ADDED, NULL, after, 0);
	} else if (before && !after) {
		push_change(&ctx, CHANGE_REMOVED, before, NULL, 0);
	} else if (before && after) {
		diff_value(&ctx, before, after);
	}
	buf_release(&ctx.path);
}

/* ---- summary ---- */

/* Appends v as canonical JSON; past max bytes it is cut at a character
 * boundary and "…" is appended. */
static void add_value(struct buf *out, const json_t *v, size_t max, struct buf *tmp)
{
	size_t len;

	buf_reset(tmp);
	json_append(tmp, v);
	len = tmp->len;
	if (len <= max) {
		buf_add(out, tmp->buf, len);
		return;
	}
	len = max;
	while (len && ((unsigned char)tmp->buf[len] & 0xc0) == 0x80)
		len--;
	buf_add(out, tmp->buf, len);
	buf_addstr(out, "\xe2\x80\xa6");
}

/*
 * "path: BEFORE → AFTER" for the first change, BEFORE being "(absent)"
 * for additions and "?" when unknown, AFTER "(absent)" for removals; the
 * root path shows as "(state)"; then " +N more".
 */
void change_list_summary(const struct change_list *l, size_t max_value, struct buf *out)
{
	struct buf tmp = BUF_INIT;
	const struct change *c;

	if (!l->n)
		return;
	c = &l->v[0];
	buf_addstr(out, *c->path ? c->path : "(state)");
	buf_addstr(out, ": ");
	if (c->before_unknown)
		buf_addch(out, '?');
	else if (c->before)
		add_value(out, c->before, max_value, &tmp);
	else
		buf_addstr(out, "(absent)");
	buf_addstr(out, " \xe2\x86\x92 ");
	if (c->after)
		add_value(out, c->after, max_value, &tmp);
	else
		buf_addstr(out, "(absent)");
	if (l->n > 1)
		buf_addf(out, " +%zu more", l->n - 1);
	buf_release(&tmp);
}

void entry_summary(const struct change_list *l, int before_known, struct buf *out)
{
	if (l->n)
		change_list_summary(l, ENTRY_SUMMARY_VALUE_MAX, out);
	else if (!before_known)
		buf_addstr(out, STATE_NOT_RECORDED);
}
