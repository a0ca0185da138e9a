/*
 * verify_derived.c - re-derives, from each leaf, what import derived from
 * its event (changes, summary, nchanges, risk, entry_text, source_*), with
 * the functions import uses (diff_json, entry_summary, risk_of_event,
 * risk_is_toggle), and compares it with what the store holds, so an edited
 * derived row is a verification fault rather than evidence (docs/STORE.md,
 * "Derived data").
 *
 * The seq range is cut in two halves, each checked on a thread with a
 * read-only connection of its own while verify.c hashes on the caller's
 * thread: on SQLite in one read transaction, on PostgreSQL in a READ ONLY
 * transaction that imports the caller's snapshot (pg_store_open_twins),
 * so the halves read exactly the log the caller's scan reads. When such
 * a connection cannot be had, that half is read after the hashing, on
 * the caller's thread and connection. The rows
 * come through rows.h, the same code for both backends. A half reads the entries, changes and
 * entry_text tables each with one cursor in seq order (a merge join). The
 * rapid-toggle bit depends on earlier entries of the same target and
 * environment, so the entries it can concern are set aside and decided at
 * the end, in seq order, from the sorted times per target and environment
 * that import's look-up counts.
 *
 * Cost per leaf: a walk over its members, a strict parse of only the state
 * members that differ (byte-identical ones produce no change), one diff,
 * one canonical serialisation of each changed value and a compare of the
 * raw record as it is decoded. Memory: two more connections (on
 * PostgreSQL, two more server backends reading), a JSON arena per
 * thread, a record per entry that touches an on/off switch, and the faults.
 */
#include <ctype.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "trailscope/diag.h"
#include "trailscope/jcs.h"
#include "trailscope/json_arena.h"
#include "trailscope/leaf.h"
#include "trailscope/pg_store.h"
#include "trailscope/risk.h"
#include "trailscope/raw_pack.h"
#include "trailscope/util.h"
#include "trailscope/verify.h"
#include "trailscope/verify_derived.h"
#include "rows.h"
#include "str_scan.h"

#define TOGGLE_WINDOW ((usec_t)30 * 60 * 1000000) /* import's rapid-toggle window */
#define SHOWN_VALUE_MAX 48            /* bytes of a value quoted in a fault */

/* ---- one leaf ---- */

void derived_init(struct derived *d)
{
	memset(d, 0, sizeof(*d));
	buf_init(&d->summary);
	d->source_line = -1;
}

void derived_release(struct derived *d)
{
	change_list_release(&d->changes);
	buf_release(&d->summary);
	derived_init(d);
}

static const char *str_member(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

/* What store_recent_toggles() counts: an entry with a changed row at
 * the state, at "enabled", or at a path ending in ".enabled" (SQL LIKE,
 * so ASCII case-insensitive). */
static int is_toggle_like(const struct change_list *l)
{
	static const char suffix[] = ".enabled";
	const size_t sl = sizeof(suffix) - 1;

	for (size_t i = 0; i < l->n; i++) {
		const char *p = l->v[i].path;
		size_t n = strlen(p);

		if (l->v[i].kind != CHANGE_CHANGED)
			continue;
		if (!n || !strcmp(p, "enabled") || (n >= sl && !strncasecmp(p + n - sl, suffix, sl)))
			return 1;
	}
	return 0;
}

int derived_from_leaf(const json_t *leaf, struct derived *d)
{
	const json_t *actor = json_object_get(leaf, "actor"), *target = json_object_get(leaf, "target");
	const json_t *source = json_object_get(leaf, "source"), *raw = json_object_get(leaf, "raw");
	const json_t *line = json_object_get(source, "line");
	const char *ts = str_member(leaf, "ts"), *why;
	struct event ev;

	derived_release(d);
	memset(&ev, 0, sizeof(ev));
	ev.actor_type = (char *)str_member(actor, "type");
	ev.action = (char *)str_member(leaf, "action");
	ev.environment = (char *)str_member(leaf, "environment");
	ev.target_key = (char *)str_member(target, "key");
	if (!json_is_object(leaf) || !ts || !ev.actor_type || !ev.action || !ev.environment ||
	    !ev.target_key || time_parse_iso(ts, &ev.ts, &why))
		return -1;
	ev.before = json_object_get(leaf, "before");
	ev.after = json_object_get(leaf, "after");
	ev.before_known = !json_is_false(json_object_get(leaf, "before_known"));
	ev.context = json_object_get(leaf, "context");
	diff_json(ev.before, ev.after, ev.before_known, &d->changes);
	entry_summary(&d->changes, ev.before_known, &d->summary);
	d->legacy_summary = !d->changes.n && !ev.before_known && json_is_number(json_object_get(leaf, "v")) &&
			    json_number_value(json_object_get(leaf, "v")) == 1;
	d->risk = risk_of_event(&ev, &d->changes);
	d->toggle = risk_is_toggle(&d->changes);
	d->toggle_like = is_toggle_like(&d->changes);
	d->ts = ev.ts;
	d->target = ev.target_key;
	d->environment = ev.environment;
	if (json_is_string(raw)) {
		d->raw = json_string_value(raw);
		d->raw_len = json_string_length(raw);
	}
	d->raw_sha256 = str_member(leaf, "raw_sha256");
	d->source_file = str_member(source, "file");
	d->source_line = json_whole_or(line, 0);
	return 0;
}

void derived_entry_from_leaf(struct entry *e)
{
	struct derived d;

	change_list_release(&e->changes);
	free(e->summary);
	derived_init(&d);
	if (e->leaf && !derived_from_leaf(e->leaf, &d)) {
		e->changes = d.changes;
		e->summary = buf_detach(&d.summary, NULL);
		memset(&d.changes, 0, sizeof(d.changes));
	} else {
		e->summary = xstrdup("");
	}
	derived_release(&d);
}

/* ---- a leaf's bytes, without parsing what is the same ----
 *
 * A strict parse of a whole leaf costs several times its SHA-256, and most
 * of it is spent on state members that are the same before and after and
 * on the raw record. diff_json() reports nothing for a member present on
 * both sides with equal values, and spends no work budget on it, so such
 * members can be left out of both states without changing its result:
 * here members whose bytes are identical are dropped (recursively through
 * objects), only the rest is parsed, and the parsed remainder goes through
 * derived_from_leaf() like any leaf. Any surprise in the bytes falls back
 * to parsing the whole leaf.
 */

struct span {
	const char *p;
	size_t n;
};

struct mspan {
	const char *key;        /* decoded key (into the leaf, or into keyv) */
	size_t keylen;
	json_t *keyv;           /* owns the decoded key when it had escapes */
	struct span val;
};

#define PRUNE_MAX_DEPTH 64

static void skip_ws(const char **p, const char *end)
{
	while (*p < end && (**p == ' ' || **p == '\t' || **p == '\n' || **p == '\r'))
		(*p)++;
}

/* At a '"': moves past the string; *escaped says whether it held a '\\'.
 * The string ends at the first '"' that no '\\' takes (a '\\' takes the
 * byte after it), found in one pass. */
static int skip_string(const char **p, const char *end, int *escaped)
{
	const char *q = *p + 1;
	int esc = 0;

	for (;;) {
		q = str_scan_plain(q, end, 0);
		if (q >= end)
			return -1;
		if (*q == '"')
			break;
		esc = 1;
		q += 2; /* the '\\' and the byte it takes */
		if (q > end)
			return -1;
	}
	*escaped = esc;
	*p = q + 1;
	return 0;
}

static int skip_value(const char **p, const char *end, int depth)
{
	int esc;

	skip_ws(p, end);
	if (*p >= end || depth > PRUNE_MAX_DEPTH)
		return -1;
	if (**p == '"')
		return skip_string(p, end, &esc);
	if (**p == '{' || **p == '[') {
		char close = **p == '{' ? '}' : ']';

		(*p)++;
		skip_ws(p, end);
		if (*p < end && **p == close) {
			(*p)++;
			return 0;
		}
		for (;;) {
			if (close == '}') {
				skip_ws(p, end);
				if (*p >= end || **p != '"' || skip_string(p, end, &esc))
					return -1;
				skip_ws(p, end);
				if (*p >= end || **p != ':')
					return -1;
				(*p)++;
			}
			if (skip_value(p, end, depth + 1))
				return -1;
			skip_ws(p, end);
			if (*p >= end)
				return -1;
			if (**p == close) {
				(*p)++;
				return 0;
			}
			if (**p != ',')
				return -1;
			(*p)++;
		}
	}
	/* a literal or number: letters, digits and "+-." (and NUL, which
	 * strchr("+-.", c) also found, so the same bytes pass as before) */
	while (*p < end && (isalnum((unsigned char)**p) || **p == '+' || **p == '-' || **p == '.' || !**p))
		(*p)++;
	return 0;
}

static json_t *parse_span(struct span s)
{
	struct buf err = BUF_INIT;
	int line, col;
	json_t *v = json_parse_strict(s.p, s.n, &line, &col, &err);

	buf_release(&err);
	return v;
}

/* A value without the strict parser where that is plain: a string
 * without escapes, a literal, or an integer short enough to be exact as a
 * double (as the parser decodes every number: a real). */
static json_t *value_of(struct span s)
{
	size_t i = s.n && s.p[0] == '-';

	if (s.n > i && s.n - i <= 15 && (s.p[i] != '0' || s.n - i == 1)) {
		long long v = 0;
		size_t k;

		for (k = i; k < s.n && s.p[k] >= '0' && s.p[k] <= '9'; k++)
			v = v * 10 + (s.p[k] - '0');
		if (k == s.n)
			return json_real(i ? -(double)v : (double)v);
	}
	if (s.n == 4 && !memcmp(s.p, "true", 4))
		return json_true();
	if (s.n == 5 && !memcmp(s.p, "false", 5))
		return json_false();
	if (s.n == 4 && !memcmp(s.p, "null", 4))
		return json_null();
	if (s.n >= 2 && s.p[0] == '"' && s.p[s.n - 1] == '"' && !memchr(s.p, '\\', s.n)) {
		json_t *v = json_stringn(s.p + 1, s.n - 2);

		if (v)
			return v;
	}
	return parse_span(s);
}

static int hex4(const char *p, unsigned *out)
{
	*out = 0;
	for (int i = 0; i < 4; i++) {
		char c = p[i];
		unsigned v = c >= '0' && c <= '9' ? (unsigned)(c - '0') : c >= 'a' && c <= 'f' ? (unsigned)(c - 'a' + 10) :
			     c >= 'A' && c <= 'F' ? (unsigned)(c - 'A' + 10) : 16;

		if (v > 15)
			return -1;
		*out = *out << 4 | v;
	}
	return 0;
}

/* At a '"': moves *pp past the string literal, comparing its decoded text
 * with text (n bytes; NULL: only skip) on the way: *eq is 1 (equal), 0
 * (not), or -1 (not compared, or an escape this does not decode, such as
 * a lone surrogate: ask the strict parser). No allocation. Returns 0, or
 * -1 when the string does not end. */
static int walk_string(const char **pp, const char *end, const char *text, size_t n, int *eq)
{
	const char *p = *pp + 1;
	size_t at = 0;
	int e = text ? 1 : -1;

	while (p < end && *p != '"') {
		const char *q = p;
		char u[4];
		size_t ul = 1;
		unsigned cp;

		if (*p != '\\') {
			if (e == 1 && (at >= n || *p != text[at]))
				e = 0;
			at++;
			p++;
			continue;
		}
		if (end - p < 2)
			return -1;
		if (e != 1) { /* skipping: \uXXXX's digits walk as plain bytes */
			p += 2;
			continue;
		}
		switch (q[1]) {
		case '"': case '\\': case '/': u[0] = q[1]; break;
		case 'b': u[0] = '\b'; break;
		case 'f': u[0] = '\f'; break;
		case 'n': u[0] = '\n'; break;
		case 'r': u[0] = '\r'; break;
		case 't': u[0] = '\t'; break;
		case 'u':
			if (end - q < 6 || hex4(q + 2, &cp)) {
				e = -1;
				break;
			}
			if (cp >= 0xd800 && cp < 0xdc00) {
				unsigned lo;

				if (end - q < 12 || q[6] != '\\' || q[7] != 'u' || hex4(q + 8, &lo) ||
				    lo < 0xdc00 || lo >= 0xe000) {
					e = -1;
					break;
				}
				cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
				q += 6;
			} else if (cp >= 0xdc00 && cp < 0xe000) {
				e = -1;
				break;
			}
			if (cp < 0x80) {
				u[0] = (char)cp;
			} else if (cp < 0x800) {
				u[0] = (char)(0xc0 | cp >> 6);
				u[1] = (char)(0x80 | (cp & 0x3f));
				ul = 2;
			} else if (cp < 0x10000) {
				u[0] = (char)(0xe0 | cp >> 12);
				u[1] = (char)(0x80 | (cp >> 6 & 0x3f));
				u[2] = (char)(0x80 | (cp & 0x3f));
				ul = 3;
			} else {
				u[0] = (char)(0xf0 | cp >> 18);
				u[1] = (char)(0x80 | (cp >> 12 & 0x3f));
				u[2] = (char)(0x80 | (cp >> 6 & 0x3f));
				u[3] = (char)(0x80 | (cp & 0x3f));
				ul = 4;
			}
			q += 4;
			break;
		default:
			e = -1;
			break;
		}
		if (e != 1) {
			p += 2;
			continue;
		}
		if (ul > n - at) {
			e = 0;
		} else {
			for (size_t k = 0; k < ul; k++)
				if (u[k] != text[at + k])
					e = 0;
		}
		at += ul;
		p = q + 2;
	}
	if (p >= end)
		return -1;
	if (e == 1 && at != n)
		e = 0;
	*eq = e;
	*pp = p + 1;
	return 0;
}

/* The top level's raw member, compared with entry_text.raw while it is
 * walked over (so the longest member is read once). */
struct raw_hook {
	const char *text;       /* entry_text.raw, or NULL */
	size_t n;
	int eq;                 /* walk_string's verdict, once walked */
	int walked;
};

static void mspans_release(struct mspan *m, size_t n)
{
	for (size_t i = 0; i < n; i++)
		json_decref(m[i].keyv);
	free(m);
}

static int mspan_cmp(const void *a, const void *b)
{
	const struct mspan *x = a, *y = b;
	size_t n = x->keylen < y->keylen ? x->keylen : y->keylen;
	int c;

	if (n && x->key[0] != y->key[0])
		return (unsigned char)x->key[0] - (unsigned char)y->key[0];
	c = memcmp(x->key, y->key, n);

	if (c)
		return c;
	return (x->keylen > y->keylen) - (x->keylen < y->keylen);
}

/* The top level's before and after members, walked member by member
 * while the top level is (so the states' bytes are walked once for both
 * the top level and prune()). */
struct state_walk {
	struct mspan *m[2];     /* before's, after's members; owned until taken */
	size_t n[2];
	int ok[2];              /* 1: m[k] is what members_of() gives for that value */
};

static int object_at(const char **pp, const char *end, struct mspan **out, size_t *nout, int vdepth,
		     struct raw_hook *hook, struct state_walk *sw);

/* At a top-level member's value: walks it as skip_value(.., 1) does, and
 * for "before" or "after" (k) that is an object keeps its members in sw. */
static int skip_state(const char **p, const char *end, int k, struct state_walk *sw)
{
	const char *q = *p;

	if (q < end && *q == '{' && !sw->ok[k] &&
	    !object_at(&q, end, &sw->m[k], &sw->n[k], 2, NULL, NULL)) {
		/* the same walk as skip_value(.., 1): its members one deeper */
		sw->ok[k] = 1;
		*p = q;
		return 0;
	}
	return skip_value(p, end, 1);
}

/* The object at *pp (after any whitespace), its members sorted by decoded
 * key; *pp moves past its '}'. Member values are skipped as skip_value(..,
 * vdepth) does. -1 when it is not an object, or has a duplicate key or a
 * bad key. */
static int object_at(const char **pp, const char *end, struct mspan **out, size_t *nout, int vdepth,
		     struct raw_hook *hook, struct state_walk *sw)
{
	const char *p = *pp;
	struct mspan *m = NULL;
	size_t n = 0, alloc = 0;

	*out = NULL;
	*nout = 0;
	skip_ws(&p, end);
	if (p >= end || *p != '{')
		return -1;
	p++;
	skip_ws(&p, end);
	if (p < end && *p == '}')
		p++;
	else {
		for (;;) {
			const char *k;
			int esc;

			skip_ws(&p, end);
			k = p;
			if (p >= end || *p != '"' || skip_string(&p, end, &esc))
				goto bad;
			ALLOC_GROW(m, n + 1, alloc);
			memset(&m[n], 0, sizeof(m[n]));
			if (esc) {
				m[n].keyv = parse_span((struct span){ k, (size_t)(p - k) });
				if (!json_is_string(m[n].keyv)) {
					n++;
					goto bad;
				}
				m[n].key = json_string_value(m[n].keyv);
				m[n].keylen = json_string_length(m[n].keyv);
			} else {
				m[n].key = k + 1;
				m[n].keylen = (size_t)(p - k) - 2;
			}
			n++;
			skip_ws(&p, end);
			if (p >= end || *p != ':')
				goto bad;
			p++;
			skip_ws(&p, end);
			m[n - 1].val.p = p;
			if (hook && m[n - 1].keylen == 3 && !memcmp(m[n - 1].key, "raw", 3) && p < end && *p == '"') {
				if (walk_string(&p, end, hook->text, hook->n, &hook->eq))
					goto bad;
				hook->walked = 1;
			} else if (sw && m[n - 1].keylen == 6 && !memcmp(m[n - 1].key, "before", 6)) {
				if (skip_state(&p, end, 0, sw))
					goto bad;
			} else if (sw && m[n - 1].keylen == 5 && !memcmp(m[n - 1].key, "after", 5)) {
				if (skip_state(&p, end, 1, sw))
					goto bad;
			} else if (skip_value(&p, end, vdepth)) {
				goto bad;
			}
			m[n - 1].val.n = (size_t)(p - m[n - 1].val.p);
			skip_ws(&p, end);
			if (p < end && *p == '}') {
				p++;
				break;
			}
			if (p >= end || *p != ',')
				goto bad;
			p++;
		}
	}
	/* a canonical leaf's members come sorted: check before sorting */
	for (size_t i = 1; i < n; i++) {
		if (mspan_cmp(&m[i - 1], &m[i]) >= 0) {
			qsort(m, n, sizeof(*m), mspan_cmp);
			for (i = 1; i < n; i++)
				if (!mspan_cmp(&m[i - 1], &m[i]))
					goto bad;
			break;
		}
	}
	*out = m;
	*nout = n;
	*pp = p;
	return 0;
bad:
	mspans_release(m, n);
	return -1;
}

/* The members of the object at s, sorted by decoded key; -1 when s is not
 * an object, or has a duplicate key or a bad key. With sw (the top
 * level), before's and after's members are kept there too. */
static int members_of(struct span s, struct mspan **out, size_t *nout, struct raw_hook *hook,
		      struct state_walk *sw)
{
	const char *p = s.p, *end = s.p + s.n;

	if (object_at(&p, end, out, nout, 1, hook, sw))
		return -1;
	skip_ws(&p, end);
	if (p != end) {
		mspans_release(*out, *nout);
		*out = NULL;
		*nout = 0;
		return -1;
	}
	return 0;
}

static const struct span *member_val(const struct mspan *m, size_t n, const char *key)
{
	struct mspan want = { key, strlen(key), NULL, { NULL, 0 } };
	const struct mspan *hit = n ? bsearch(&want, m, n, sizeof(*m), mspan_cmp) : NULL;

	return hit ? &hit->val : NULL;
}

/* members_of(v) for state k (0 before, 1 after): taken from sw when the
 * top level's walk kept it there. */
static int state_members(struct span v, int k, struct state_walk *sw, struct mspan **m, size_t *n)
{
	if (sw && sw->ok[k]) {
		*m = sw->m[k];
		*n = sw->n[k];
		sw->m[k] = NULL;
		sw->n[k] = 0;
		sw->ok[k] = 0;
		return 0;
	}
	return members_of(v, m, n, NULL, NULL);
}

static void state_walk_release(struct state_walk *sw)
{
	for (int k = 0; k < 2; k++)
		mspans_release(sw->m[k], sw->n[k]);
	memset(sw, 0, sizeof(*sw));
}

/* Both states with the members that are byte-for-byte the same left out
 * of both (sw: the top level's walk, for the top call). Returns 0, or -1
 * (the caller parses the whole leaf). */
static int prune(struct span b, struct span a, json_t **ob, json_t **oa, int depth, struct state_walk *sw)
{
	struct mspan *mb = NULL, *ma = NULL;
	size_t nb, na, i = 0, j = 0;
	int ret = -1;

	*ob = *oa = NULL;
	if (depth > PRUNE_MAX_DEPTH || state_members(b, 0, sw, &mb, &nb) || state_members(a, 1, sw, &ma, &na)) {
		mspans_release(mb, mb ? nb : 0); /* members_of leaves NULL on failure */
		*ob = value_of(b);
		*oa = value_of(a);
		return *ob && *oa ? 0 : -1;
	}
	*ob = json_object();
	*oa = json_object();
	while (i < nb || j < na) {
		int c = i >= nb ? 1 : j >= na ? -1 : mspan_cmp(&mb[i], &ma[j]);
		json_t *vb = NULL, *va = NULL;

		if (c < 0) {
			if (!(vb = value_of(mb[i].val)))
				goto out;
		} else if (c > 0) {
			if (!(va = value_of(ma[j].val)))
				goto out;
		} else if (mb[i].val.n != ma[j].val.n || memcmp(mb[i].val.p, ma[j].val.p, mb[i].val.n)) {
			if (prune(mb[i].val, ma[j].val, &vb, &va, depth + 1, NULL)) {
				json_decref(vb);
				json_decref(va);
				goto out;
			}
		}
		/* (a key that is not UTF-8 fails here, as the strict parse would) */
		if (vb && json_object_setn_new(*ob, mb[i].key, mb[i].keylen, vb)) {
			json_decref(va);
			goto out;
		}
		if (va && json_object_setn_new(*oa, ma[j].key, ma[j].keylen, va))
			goto out;
		i += c <= 0;
		j += c >= 0;
	}
	ret = 0;
out:
	mspans_release(mb, nb);
	mspans_release(ma, na);
	return ret;
}

/* What of an object to copy: members by name, each a value (sub NULL)
 * or an object of which to copy what sub says. */
struct pick_spec {
	const char *name;
	const struct pick_spec *sub;
};

/* Copies what spec names of the object at v into o (an object), making
 * the objects on the way (also for an object none of whose wanted members
 * is there). Each object is walked once. Returns 0, or -1 when the bytes
 * need a full parse. */
static int pick(json_t *o, struct span v, const struct pick_spec *spec)
{
	struct mspan *m;
	size_t n;
	int ret = 0;

	if (members_of(v, &m, &n, NULL, NULL))
		return -1;
	for (; spec->name && !ret; spec++) {
		const struct span *c = member_val(m, n, spec->name);
		json_t *j;

		if (!c)
			continue;
		if (spec->sub) {
			j = json_object_get(o, spec->name);
			if (!j) {
				j = json_object();
				json_object_set_new(o, spec->name, j);
			}
			ret = pick(j, *c, spec->sub);
		} else if ((j = value_of(*c))) {
			json_object_set_new(o, spec->name, j);
		} else {
			ret = -1;
		}
	}
	mspans_release(m, n);
	return ret;
}

/* The members derived_from_leaf() reads, with the states pruned: a new
 * object, or NULL when the bytes need a full parse. *raw gets the leaf's
 * raw member as JSON text. */
static json_t *leaf_essentials(const char *leaf, size_t len, struct span *raw, struct raw_hook *hook)
{
	static const char *const plain[] = { "v", "ts", "action", "environment", "before_known", "raw_sha256" };
	/* what risk_of_event() and the source check read below the top level */
	static const struct pick_spec actor[] = { { "type", NULL }, { NULL, NULL } };
	static const struct pick_spec target[] = { { "key", NULL }, { NULL, NULL } };
	static const struct pick_spec approval[] = { { "required", NULL }, { "approved_by", NULL }, { NULL, NULL } };
	static const struct pick_spec context[] = { { "approval", approval }, { NULL, NULL } };
	static const struct pick_spec source[] = { { "file", NULL }, { "line", NULL }, { NULL, NULL } };
	static const struct pick_spec sub[] = { { "actor", actor }, { "target", target }, { "context", context },
						{ "source", source } };
	struct mspan *top = NULL;
	size_t ntop = 0;
	const struct span *b, *a, *r;
	struct state_walk sw;
	json_t *o = json_object();

	memset(&sw, 0, sizeof(sw));
	if (members_of((struct span){ leaf, len }, &top, &ntop, hook, &sw))
		goto bad;
	for (size_t i = 0; i < ARRAY_SIZE(plain); i++) {
		const struct span *v = member_val(top, ntop, plain[i]);
		json_t *j = v ? value_of(*v) : NULL;

		if (v && !j)
			goto bad;
		if (j)
			json_object_set_new(o, plain[i], j);
	}
	for (size_t i = 0; i < ARRAY_SIZE(sub); i++) {
		const struct span *v = member_val(top, ntop, sub[i].name);
		json_t *parent;

		if (!v)
			continue;
		parent = json_object();
		json_object_set_new(o, sub[i].name, parent);
		if (pick(parent, *v, sub[i].sub))
			goto bad;
	}
	b = member_val(top, ntop, "before");
	a = member_val(top, ntop, "after");
	if (b && a && json_is_true(json_object_get(o, "before_known"))) {
		json_t *vb, *va;

		if (prune(*b, *a, &vb, &va, 1, &sw)) {
			json_decref(vb);
			json_decref(va);
			goto bad;
		}
		json_object_set_new(o, "before", vb);
		json_object_set_new(o, "after", va);
	} else {
		for (int k = 0; k < 2; k++) {
			const struct span *v = k ? a : b;
			json_t *j = v ? parse_span(*v) : NULL;

			if (v && !j)
				goto bad;
			if (j)
				json_object_set_new(o, k ? "after" : "before", j);
		}
	}
	r = member_val(top, ntop, "raw");
	*raw = r ? *r : (struct span){ NULL, 0 };
	mspans_release(top, ntop);
	state_walk_release(&sw);
	return o;
bad:
	mspans_release(top, ntop);
	state_walk_release(&sw);
	json_decref(o);
	return NULL;
}

/* ---- rapid toggles: per target and environment, the times counted ---- */

struct toggles {
	char *key;              /* target NUL environment */
	size_t keylen;
	usec_t *ts;             /* sorted */
	size_t n, alloc;
};

struct toggle_map {
	struct toggles **slot;  /* open addressing, power of two */
	size_t nslots, used;
};

static uint64_t key_hash(const char *k, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)k[i]) * 0x100000001b3ULL;
	return h ^ (h >> 29);
}

static struct toggles *toggle_find(struct toggle_map *m, const char *key, size_t keylen)
{
	size_t mask, i;

	if (2 * (m->used + 1) > m->nslots) {
		struct toggle_map bigger = { NULL, m->nslots ? 2 * m->nslots : 256, m->used };

		bigger.slot = xcalloc(bigger.nslots, sizeof(*bigger.slot));
		for (size_t k = 0; k < m->nslots; k++) {
			struct toggles *t = m->slot[k];

			if (!t)
				continue;
			for (i = key_hash(t->key, t->keylen) & (bigger.nslots - 1); bigger.slot[i];
			     i = (i + 1) & (bigger.nslots - 1))
				;
			bigger.slot[i] = t;
		}
		free(m->slot);
		*m = bigger;
	}
	mask = m->nslots - 1;
	for (i = key_hash(key, keylen) & mask; m->slot[i]; i = (i + 1) & mask) {
		struct toggles *t = m->slot[i];

		if (t->keylen == keylen && !memcmp(t->key, key, keylen))
			return t;
	}
	m->slot[i] = xcalloc(1, sizeof(**m->slot));
	m->slot[i]->key = xmalloc(keylen ? keylen : 1);
	memcpy(m->slot[i]->key, key, keylen);
	m->slot[i]->keylen = keylen;
	m->used++;
	return m->slot[i];
}

static void toggle_map_release(struct toggle_map *m)
{
	for (size_t i = 0; i < m->nslots; i++) {
		if (m->slot[i]) {
			free(m->slot[i]->key);
			free(m->slot[i]->ts);
			free(m->slot[i]);
		}
	}
	free(m->slot);
	memset(m, 0, sizeof(*m));
}

/* Index of the first time >= t. */
static size_t lower_bound(const struct toggles *t, usec_t x)
{
	size_t lo = 0, hi = t->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (t->ts[mid] < x)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* The entries counted so far in [x - window, x). */
static size_t toggles_before(const struct toggles *t, usec_t x)
{
	return lower_bound(t, x) - lower_bound(t, x - TOGGLE_WINDOW);
}

static void toggles_add(struct toggles *t, usec_t x)
{
	size_t at = t->n && t->ts[t->n - 1] <= x ? t->n : lower_bound(t, x);

	ALLOC_GROW(t->ts, t->n + 1, t->alloc);
	memmove(t->ts + at + 1, t->ts + at, (t->n - at) * sizeof(*t->ts));
	t->ts[at] = x;
	t->n++;
}

/* ---- the check ---- */

struct dfault {
	enum fault_kind kind;   /* MODIFIED, or MALFORMED for a leaf nothing derives from */
	uint64_t seq, seq_end;  /* a range only for faults past the listed ones */
	size_t order;           /* when found, to keep faults of one seq in order */
	char *detail;
};

/* An entry whose rapid-toggle bit depends on the entries before it: the
 * bit is decided, and its risk compared, once every part is done. */
struct trec {
	uint64_t seq;
	char *key;              /* target NUL environment */
	size_t keylen;
	usec_t ts;
	unsigned stored, base;  /* entries.risk; the leaf's bits but rapid-toggle */
	unsigned char toggle, toggle_like, compare;
};

/* One seq range (from, to], checked by one thread. */
struct part {
	struct derived_check *owner;
	int64_t from, to;
	sqlite3 *db;            /* the thread's own connection (SQLite), or NULL */
	struct store pgs;       /* the thread's own reader (PostgreSQL), when pgs.pg */
	pthread_t thread;
	int threaded;
	int ret;                /* 0, or -1 with err */
	struct buf err;
	struct dfault *faults;
	size_t nfaults, alloc;
	struct trec *recs;
	size_t nrecs, recs_alloc;
	struct buf key, a, detail, detail2; /* scratch */
	struct buf rerr;        /* the cursors' error, moved to err */
	struct raw_codec *codec; /* unpacks entry_text.raw (raw_pack.h) */
	struct buf unpacked;
};

#define NPARTS 2

struct derived_check {
	struct store *s;        /* the caller's store: its path, schema, and the fallback connection */
	volatile int *cancel;
	volatile int stop;      /* the caller gave up: stop early */
	struct part parts[NPARTS];
	int nparts;
};

static const char unlisted[] = "derived rows differ from the leaf";

static void add_fault(struct part *dc, uint64_t seq, const char *table, const struct buf *what)
{
	struct dfault *last = dc->nfaults ? &dc->faults[dc->nfaults - 1] : NULL;
	struct buf b = BUF_INIT;

	if (dc->nfaults >= VERIFY_MAX_FAULTS) {
		/* past what verify lists: one detail, merged into ranges, so
		 * memory stays bounded however many rows were edited */
		if (last && !strcmp(last->detail, unlisted) && seq >= last->seq && seq <= last->seq_end + 1) {
			if (seq > last->seq_end)
				last->seq_end = seq;
			return;
		}
		buf_addstr(&b, unlisted);
	} else {
		buf_addf(&b, "%s of seq %" PRIu64 " %s from the leaf: %s", table, seq,
			 !strcmp(table, "changes") ? "differ" : "differs", what->buf);
	}
	ALLOC_GROW(dc->faults, dc->nfaults + 1, dc->alloc);
	dc->faults[dc->nfaults] = (struct dfault){ FAULT_MODIFIED, seq, seq, dc->nfaults, buf_detach(&b, NULL) };
	dc->nfaults++;
}

/* Appends a shortened text (cut at a character boundary), quoted unless
 * it is JSON text already; NULL is "(absent)". */
static void add_value_text(struct buf *out, const char *s, size_t n, int quote)
{
	if (!s) {
		buf_addstr(out, "(absent)");
		return;
	}
	if (quote)
		buf_addch(out, '"');
	if (n > SHOWN_VALUE_MAX) {
		size_t cut = SHOWN_VALUE_MAX;

		while (cut > 0 && ((unsigned char)s[cut] & 0xc0) == 0x80)
			cut--;
		buf_add(out, s, cut);
		buf_addstr(out, "\xe2\x80\xa6");
	} else {
		buf_add(out, s, n);
	}
	if (quote)
		buf_addch(out, '"');
}

static void add_shown(struct buf *out, const char *s, size_t n)
{
	add_value_text(out, s, n, 1);
}

/* Column col of the current row: its bytes (NULL for NULL), its integer. */
static const char *col_text(const struct rows *r, int col, size_t *n)
{
	const struct row_col *c = rows_col(r, col);

	*n = c->n;
	return c->p;
}

static int64_t col_int(const struct rows *r, int col)
{
	return rows_int(r, col);
}

static int col_is_int(const struct rows *r, int col)
{
	return rows_is_int(r, col);
}

/* An integer column as a number, anything else stored there quoted. */
static void add_int_col(struct buf *out, const struct rows *st, int col)
{
	size_t n;
	const char *t;

	if (col_is_int(st, col)) {
		buf_addf(out, "%lld", (long long)col_int(st, col));
	} else {
		t = col_text(st, col, &n);
		add_shown(out, t, n);
	}
}

static void add_mismatch_as(struct buf *out, const char *what, const char *stored, size_t sn,
			    const char *derived, size_t dn, int quote)
{
	size_t at = 0;

	/* long texts that differ late: show them from a little before */
	while (stored && derived && at < sn && at < dn && stored[at] == derived[at])
		at++;
	if (at > SHOWN_VALUE_MAX / 2) {
		at -= 8;
		while (at > 0 && ((unsigned char)stored[at] & 0xc0) == 0x80)
			at--;
		buf_addf(out, "%s from byte %zu ", what, at);
		stored += at;
		sn -= at;
		derived += at;
		dn -= at;
	} else {
		buf_addf(out, "%s ", what);
	}
	add_value_text(out, stored, sn, quote);
	buf_addstr(out, " in the table, ");
	add_value_text(out, derived, dn, quote);
	buf_addstr(out, " in the leaf");
}

static void add_mismatch(struct buf *out, const char *what, const char *stored, size_t sn,
			 const char *derived, size_t dn)
{
	add_mismatch_as(out, what, stored, sn, derived, dn, 1);
}

static int same_text(const char *t, size_t n, const char *want, size_t wn)
{
	return t && n == wn && !memcmp(t, want, n);
}

/* The stored summary is the derived one, or, for a v1 leaf that recorded
 * no state, the empty summary that stores written before leaf v2 kept. */
static int summary_matches(const struct derived *d, const char *t, size_t n)
{
	return same_text(t, n, d->summary.buf, d->summary.len) || (d->legacy_summary && t && !n);
}

static void risk_names_of(struct buf *out, unsigned bits)
{
	const char *sep = "";

	for (const struct risk_name *r = risk_names; r->name; r++) {
		if (bits & r->flag) {
			buf_addf(out, "%s%s", sep, r->name);
			sep = ",";
			bits &= ~r->flag;
		}
	}
	if (bits)
		buf_addf(out, "%s0x%x", sep, bits);
	if (!*sep && !bits)
		buf_addstr(out, "none");
}

static void add_risk_mismatch(struct buf *w, unsigned stored, unsigned derived)
{
	buf_addstr(w, "risk ");
	risk_names_of(w, stored);
	buf_addstr(w, " in the table, ");
	risk_names_of(w, derived);
	buf_addstr(w, " in the leaf");
}

/* Compares the changes row at st with the derived change c (the idx-th). */
static int change_differs(struct part *dc, const struct rows *st, const struct change *c, struct buf *out)
{
	size_t n;
	const char *t;
	const char *kind = change_kind_name(c->kind);

	t = col_text(st, 2, &n);
	if (!same_text(t, n, c->path, strlen(c->path))) {
		add_mismatch(out, "path", t, n, c->path, strlen(c->path));
		return 1;
	}
	t = col_text(st, 3, &n);
	if (!same_text(t, n, kind, strlen(kind))) {
		buf_addf(out, "%s: ", *c->path ? c->path : "(state)");
		add_mismatch(out, "kind", t, n, kind, strlen(kind));
		return 1;
	}
	for (int k = 0; k < 2; k++) {
		const json_t *v = k ? c->after : c->before;

		buf_reset(&dc->a);
		if (v)
			json_append(&dc->a, v);
		t = col_text(st, 4 + k, &n);
		if (v ? !same_text(t, n, dc->a.buf, dc->a.len) : t != NULL) {
			buf_addf(out, "%s: ", *c->path ? c->path : "(state)");
			add_mismatch_as(out, k ? "after" : "before", t, n, v ? dc->a.buf : NULL, dc->a.len, 0);
			return 1;
		}
	}
	if (col_int(st, 6) != c->before_unknown || !col_is_int(st, 6)) {
		buf_addf(out, "%s: before_unknown ", *c->path ? c->path : "(state)");
		add_int_col(out, st, 6);
		buf_addf(out, " in the table, %d in the leaf", c->before_unknown);
		return 1;
	}
	return 0;
}

enum { E_SEQ, E_LEAF, E_SUMMARY, E_NCHANGES, E_RISK, E_SFILE, E_SLINE };
enum { C_SEQ, C_IDX };
enum { T_SEQ, T_SUMMARY, T_RAW };

/* Steps a cursor; returns 1 on a row, 0 at the end, -1 on error (the
 * first one kept in dc->err). */
static int next_row(struct part *dc, struct rows *st)
{
	int rc = rows_next(st);

	if (rc >= 0)
		return rc;
	if (!dc->ret)
		buf_add(&dc->err, dc->rerr.buf, dc->rerr.len);
	buf_reset(&dc->rerr);
	dc->ret = -1;
	return -1;
}

/* Does the JSON string literal s decode to exactly text (n bytes)? 1 or
 * 0; -1 when s is not a string this reads: the caller then asks the
 * strict parser. */
static int span_string_equals(struct span s, const char *text, size_t n)
{
	const char *p = s.p;
	int eq;

	if (s.n < 2 || s.p[0] != '"' || walk_string(&p, s.p + s.n, text, n, &eq) || p != s.p + s.n)
		return -1;
	return eq;
}

/* Is text (n bytes) the leaf's raw record? From a full parse d has it
 * decoded; otherwise known_equal says the member walk found it equal, or
 * raw holds it as JSON text, decoded while compared, and by the strict
 * parser when that does not settle it. On a mismatch *leaf_text is the
 * leaf's text, or NULL when it has none. */
static int raw_matches(struct part *dc, const char *text, size_t n, const struct derived *d,
		       struct span raw, int known_equal, const char **leaf_text, size_t *leaf_len)
{
	json_t *v;
	int same;

	*leaf_text = d->raw;
	*leaf_len = d->raw_len;
	if (d->raw)
		return same_text(text, n, d->raw, d->raw_len);
	if (!raw.p)
		return 0;
	buf_reset(&dc->detail2);
	if (known_equal || (text && span_string_equals(raw, text, n) == 1))
		return 1;
	v = parse_span(raw);
	same = json_is_string(v) && same_text(text, n, json_string_value(v), json_string_length(v));
	if (!same && json_is_string(v)) {
		buf_add(&dc->detail2, json_string_value(v), json_string_length(v));
		*leaf_text = dc->detail2.buf;
		*leaf_len = dc->detail2.len;
	}
	json_decref(v);
	return same;
}

/* The raw record of the entry_text row at tx into *t, *n: the column as
 * it is, or (a BLOB, schema 6) unpacked against the leaf of the entry row
 * at e. Returns 0, or -1 with what is wrong written to w. */
static int raw_text(struct part *dc, const struct rows *tx, const struct rows *e, const char **t,
		    size_t *n, struct buf *w)
{
	const char *leaf, *why;
	size_t leaf_len;

	*t = col_text(tx, T_RAW, n);
	if (!*t || !rows_col(tx, T_RAW)->is_blob)
		return 0;
	leaf = col_text(e, E_LEAF, &leaf_len);
	buf_reset(&dc->unpacked);
	if (raw_unpack(dc->codec, *t, *n, leaf ? leaf : "", leaf_len, &dc->unpacked, &why)) {
		buf_addf(w, "raw record: the packed form does not unpack against the leaf (%s)", why);
		return -1;
	}
	*t = dc->unpacked.buf;
	*n = dc->unpacked.len;
	return 0;
}

/* Checks the entry row at e: its own columns, its changes rows (advancing
 * ch, *ch_row says whether it holds a row) and its entry_text row. */
static void check_entry(struct part *dc, struct rows *e, struct rows *ch, int *ch_row,
			struct rows *tx, int *tx_row, const struct derived *d, struct span raw,
			int raw_equal)
{
	uint64_t seq = (uint64_t)col_int(e, E_SEQ);
	struct buf *w = &dc->detail;
	size_t n, i = 0;
	const char *t;
	unsigned risk = d->risk, stored;
	int reported = 0;

	/* entries.summary, nchanges, risk, source_* */
	t = col_text(e, E_SUMMARY, &n);
	if (!summary_matches(d, t, n)) {
		buf_reset(w);
		add_mismatch(w, "summary", t, n, d->summary.buf, d->summary.len);
		add_fault(dc, seq, "entries.summary", w);
	}
	if (!col_is_int(e, E_NCHANGES) || col_int(e, E_NCHANGES) != (int64_t)d->changes.n) {
		buf_reset(w);
		buf_addstr(w, "nchanges ");
		add_int_col(w, e, E_NCHANGES);
		buf_addf(w, " in the table, %zu in the leaf", d->changes.n);
		add_fault(dc, seq, "entries.nchanges", w);
	}
	stored = (unsigned)col_int(e, E_RISK);
	if (!col_is_int(e, E_RISK) || (uint64_t)col_int(e, E_RISK) > 0xffffffffu) {
		buf_reset(w);
		buf_addstr(w, "risk ");
		add_int_col(w, e, E_RISK);
		buf_addstr(w, " in the table, ");
		risk_names_of(w, risk);
		buf_addstr(w, d->toggle ? " (and maybe rapid-toggle) in the leaf" : " in the leaf");
		add_fault(dc, seq, "entries.risk", w);
		stored = ~0u;
	}
	if (d->toggle || d->toggle_like || (stored != ~0u && (stored & RISK_RAPID_TOGGLE))) {
		struct trec *tr;

		ALLOC_GROW(dc->recs, dc->nrecs + 1, dc->recs_alloc);
		tr = &dc->recs[dc->nrecs++];
		buf_reset(&dc->key);
		buf_addstr(&dc->key, d->target);
		buf_addch(&dc->key, '\0');
		buf_addstr(&dc->key, d->environment);
		tr->seq = seq;
		tr->keylen = dc->key.len;
		tr->key = xmalloc(dc->key.len);
		memcpy(tr->key, dc->key.buf, dc->key.len);
		tr->ts = d->ts;
		tr->stored = stored;
		tr->base = risk;
		tr->toggle = (unsigned char)d->toggle;
		tr->toggle_like = (unsigned char)d->toggle_like;
		tr->compare = stored != ~0u;
	} else if (stored != ~0u && stored != risk) {
		buf_reset(w);
		add_risk_mismatch(w, stored, risk);
		add_fault(dc, seq, "entries.risk", w);
	}
	t = col_text(e, E_SFILE, &n);
	if (!d->source_file || !same_text(t, n, d->source_file, strlen(d->source_file))) {
		buf_reset(w);
		add_mismatch(w, "source_file", t, n, d->source_file, d->source_file ? strlen(d->source_file) : 0);
		add_fault(dc, seq, "entries.source_file", w);
	} else if (!col_is_int(e, E_SLINE) || col_int(e, E_SLINE) != d->source_line) {
		buf_reset(w);
		buf_addstr(w, "source_line ");
		add_int_col(w, e, E_SLINE);
		buf_addf(w, " in the table, %lld in the leaf", d->source_line);
		add_fault(dc, seq, "entries.source_line", w);
	}

	/* changes rows of seq, in idx order */
	buf_reset(w);
	while (*ch_row == 1 && (uint64_t)col_int(ch, C_SEQ) == seq) {
		if (!reported) {
			int64_t idx = col_int(ch, C_IDX);

			if (idx != (int64_t)i) {
				buf_addf(w, "row %zu is missing (the table has idx %lld next)", i, (long long)idx);
				reported = 1;
			} else if (i >= d->changes.n) {
				t = col_text(ch, 2, &n);
				buf_addf(w, "extra row %zu (", i);
				add_shown(w, t, n);
				buf_addf(w, "): the leaf has %zu change%s", d->changes.n, d->changes.n == 1 ? "" : "s");
				reported = 1;
			} else if (change_differs(dc, ch, &d->changes.v[i], w)) {
				reported = 1;
			}
		}
		i++;
		*ch_row = next_row(dc, ch);
	}
	if (!reported && i < d->changes.n) {
		const char *p = d->changes.v[i].path;

		buf_addf(w, "row %zu (%s) is missing: the leaf has %zu change%s", i, *p ? p : "(state)",
			 d->changes.n, d->changes.n == 1 ? "" : "s");
		reported = 1;
	}
	if (reported)
		add_fault(dc, seq, "changes", w);

	/* entry_text (schema 2); for a version 3 leaf its raw is evidence */
	if (!tx) {
		if (d->raw_sha256) {
			buf_reset(w);
			buf_addstr(w, "the raw record is missing: the store has no entry_text table");
			add_fault(dc, seq, "entry_text", w);
		}
		return;
	}
	if (*tx_row != 1 || (uint64_t)col_int(tx, T_SEQ) != seq) {
		buf_reset(w);
		buf_addstr(w, d->raw_sha256 ? "the row is missing, and with it the raw record the leaf's raw_sha256 "
			   "commits to" : "the row is missing");
		add_fault(dc, seq, "entry_text", w);
		return;
	}
	buf_reset(w);
	if (d->raw_sha256) {
		/* the raw record first: SHA-256 of its bytes against the leaf */
		char hex[LEAF_RAW_SHA256_HEX + 1];

		if (!raw_text(dc, tx, e, &t, &n, w)) {
			leaf_raw_sha256(t ? t : "", n, hex);
			if (!t || strcmp(hex, d->raw_sha256))
				buf_addf(w, "raw record: SHA-256 %s in the table, raw_sha256 %s in the leaf",
					 t ? hex : "(NULL)", d->raw_sha256);
		}
	}
	t = col_text(tx, T_SUMMARY, &n);
	if (w->len) {
		/* reported: one fault per table and seq */
	} else if (!summary_matches(d, t, n)) {
		add_mismatch(w, "summary", t, n, d->summary.buf, d->summary.len);
	} else if (!d->raw_sha256) {
		const char *lt;
		size_t ln;

		if (!raw_text(dc, tx, e, &t, &n, w) && !raw_matches(dc, t, n, d, raw, raw_equal, &lt, &ln))
			add_mismatch(w, "raw", t, n, lt, ln);
	}
	if (w->len)
		add_fault(dc, seq, "entry_text", w);
	*tx_row = next_row(dc, tx);
}

/* Rows of a derived table whose seq has no entry. */
static void orphans(struct part *dc, struct rows *st, int *row, const char *table, int64_t below, int to_end)
{
	while (*row == 1 && (to_end || col_int(st, 0) < below)) {
		int64_t seq = col_int(st, 0);

		buf_reset(&dc->detail);
		buf_addstr(&dc->detail, "rows for an entry the store does not have");
		add_fault(dc, seq > 0 ? (uint64_t)seq : 0, table, &dc->detail);
		while (*row == 1 && col_int(st, 0) == seq)
			*row = next_row(dc, st);
	}
}

/* Checks dc's seq range, reading s, through db (a worker's own SQLite
 * connection) when set. */
static void run_check(struct part *dc, struct store *s, sqlite3 *db)
{
	const struct row_param range[] = { ROW_INT(dc->from), ROW_INT(dc->to) };
	struct rows *e = NULL, *ch = NULL, *tx = NULL;
	struct derived d;
	struct buf err = BUF_INIT;
	int e_row, ch_row = 0, tx_row = 0;

	derived_init(&d);
	if (!(e = rows_open(s, db, "SELECT seq, leaf, summary, nchanges, risk, source_file, source_line"
			    " FROM entries WHERE seq > $1 AND seq <= $2 ORDER BY seq", range, 2, "entries",
			    &dc->rerr)) ||
	    !(ch = rows_open(s, db, "SELECT seq, idx, path, kind, before, after, before_unknown"
			     " FROM changes WHERE seq > $1 AND seq <= $2 ORDER BY seq, idx", range, 2, "changes",
			     &dc->rerr)) ||
	    (s->schema >= 2 &&
	     !(tx = rows_open(s, db, "SELECT seq, summary, raw FROM entry_text WHERE seq > $1 AND seq <= $2"
			      " ORDER BY seq", range, 2, "entry_text", &dc->rerr)))) {
		buf_add(&dc->err, dc->rerr.buf, dc->rerr.len);
		dc->ret = -1;
		goto out;
	}
	ch_row = next_row(dc, ch);
	if (tx)
		tx_row = next_row(dc, tx);
	while ((e_row = next_row(dc, e)) == 1) {
		int64_t seq = col_int(e, E_SEQ);
		size_t len;
		const char *leaf = col_text(e, E_LEAF, &len);
		struct span raw;
		struct raw_hook hook;
		int line, col;
		json_t *j;

		if ((dc->owner->cancel && *dc->owner->cancel) || dc->owner->stop)
			break;
		orphans(dc, ch, &ch_row, "changes", seq, 0);
		if (tx)
			orphans(dc, tx, &tx_row, "entry_text", seq, 0);
		buf_reset(&err);
		raw = (struct span){ NULL, 0 };
		hook = (struct raw_hook){ NULL, 0, -1, 0 };
		if (tx && tx_row == 1 && col_int(tx, T_SEQ) == seq && !rows_col(tx, T_RAW)->is_blob)
			hook.text = col_text(tx, T_RAW, &hook.n);
		j = leaf_essentials(leaf ? leaf : "", len, &raw, &hook);
		if (!j)
			j = json_parse_strict(leaf ? leaf : "", len, &line, &col, &err);
		if (j && !derived_from_leaf(j, &d)) {
			check_entry(dc, e, ch, &ch_row, tx, &tx_row, &d, raw, hook.walked && hook.eq == 1);
		} else {
			/* nothing to derive from: a leaf verify's own scan rejects
			 * is reported there, any other here */
			struct leaf_fields f;

			leaf_fields_init(&f);
			if (!leaf_scan(leaf ? leaf : "", len, &f, NULL)) {
				struct dfault *df;

				ALLOC_GROW(dc->faults, dc->nfaults + 1, dc->alloc);
				df = &dc->faults[dc->nfaults];
				df->kind = FAULT_MALFORMED;
				df->seq = df->seq_end = (uint64_t)seq;
				df->order = dc->nfaults++;
				buf_reset(&dc->detail);
				buf_addf(&dc->detail, "leaf is not a valid event, so its derived rows cannot be checked: %s",
					 j ? "a member the derivation needs is missing or of the wrong type" : err.buf);
				df->detail = xstrdup(dc->detail.buf);
			}
			leaf_fields_release(&f);
			while (ch_row == 1 && col_int(ch, C_SEQ) == seq)
				ch_row = next_row(dc, ch);
			while (tx && tx_row == 1 && col_int(tx, T_SEQ) == seq)
				tx_row = next_row(dc, tx);
		}
		derived_release(&d);
		json_decref(j);
	}
	if (e_row == 0) {
		orphans(dc, ch, &ch_row, "changes", 0, 1);
		if (tx)
			orphans(dc, tx, &tx_row, "entry_text", 0, 1);
	}
out:
	rows_close(e);
	rows_close(ch);
	rows_close(tx);
	derived_release(&d);
	buf_release(&err);
}

static void *worker(void *arg)
{
	struct part *pt = arg;
	struct json_arena *arena;

	if (pt->db && sqlite3_exec(pt->db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK) {
		buf_addf(&pt->err, "cannot read the derived tables: %s", sqlite3_errmsg(pt->db));
		pt->ret = -1;
		return NULL;
	}
	/* every JSON value of a leaf is released before the next: an arena */
	arena = json_arena_enter();
	if (pt->db) {
		run_check(pt, pt->owner->s, pt->db);
		sqlite3_exec(pt->db, "COMMIT", NULL, NULL, NULL);
	} else {
		run_check(pt, &pt->pgs, NULL);
	}
	json_arena_leave(arena);
	return NULL;
}

/*
 * TEST ONLY. With TRAILSCOPE_TEST_PAUSE_DERIVED=before in the
 * environment, verify of a PostgreSQL store stops just before it opens
 * the derived halves' connections (long after the reader took its
 * snapshot); with =open, once they are open, before they read anything.
 * It prints "trailscope: test pause before|open" to stderr and stops
 * itself (SIGSTOP) until it gets SIGCONT. tests/cli/pg_store.sh appends
 * and edits rows meanwhile, to show that the verdict is about the
 * reader's snapshot alone, or ends a half's connection. Nothing else sets
 * or documents it.
 */
static void test_pause(const char *when)
{
	const char *pause = getenv("TRAILSCOPE_TEST_PAUSE_DERIVED");

	if (!pause || strcmp(pause, when))
		return;
	diag_note("test pause %s", when);
	fflush(stderr);
	raise(SIGSTOP);
}

struct derived_check *derived_check_start(struct store *s, volatile int *cancel)
{
	struct derived_check *dc = xcalloc(1, sizeof(*dc));
	struct buf err = BUF_INIT;
	struct rows *r;
	struct store twins[NPARTS];
	int64_t last = 0;
	int have_twins = 0;

	dc->s = s;
	dc->cancel = cancel;
	/* two halves of the seq range, each on a thread of its own; a
	 * failure here shows again when a half reads */
	if ((r = rows_open(s, NULL, "SELECT max(seq) FROM entries", NULL, 0, "entries", &err))) {
		if (rows_next(r) == 1)
			last = rows_col(r, 0)->i;
		rows_close(r);
	}
	buf_release(&err);
	dc->nparts = last >= 2 ? NPARTS : 1;
	if (s->pg) {
		test_pause("before");
		if (!pg_store_open_twins(s, twins, dc->nparts)) {
			have_twins = 1;
			test_pause("open");
		}
	}
	for (int k = 0; k < dc->nparts; k++) {
		struct part *pt = &dc->parts[k];

		pt->owner = dc;
		pt->from = k == 0 ? INT64_MIN : last / NPARTS * k;
		pt->to = k == dc->nparts - 1 ? INT64_MAX : last / NPARTS * (k + 1);
		buf_init(&pt->err);
		buf_init(&pt->key);
		buf_init(&pt->a);
		buf_init(&pt->detail);
		buf_init(&pt->detail2);
		buf_init(&pt->rerr);
		buf_init(&pt->unpacked);
		pt->codec = raw_codec_new();
		if (have_twins) {
			pt->pgs = twins[k];
			if (!pthread_create(&pt->thread, NULL, worker, pt))
				pt->threaded = 1;
			else
				pg_store_close(&pt->pgs);
		} else if (!s->pg && s->path && store_sqlite_open_ro(s->path, s->immutable, &pt->db) == SQLITE_OK &&
			   sqlite3_exec(pt->db, "PRAGMA query_only = 1",
					NULL, NULL, NULL) == SQLITE_OK &&
			   !pthread_create(&pt->thread, NULL, worker, pt)) {
			pt->threaded = 1;
		} else if (pt->db) {
			sqlite3_close(pt->db);
			pt->db = NULL;
		}
	}
	return dc;
}

static int fault_cmp(const void *a, const void *b)
{
	const struct dfault *x = a, *y = b;

	if (x->seq != y->seq)
		return (x->seq > y->seq) - (x->seq < y->seq);
	return (x->order > y->order) - (x->order < y->order);
}

/* Decides rapid-toggle in seq order, as import did while appending, and
 * compares the risk of the entries it concerns (faults go to last). */
static void rapid_toggles(struct derived_check *dc, struct part *last)
{
	struct toggle_map map = { NULL, 0, 0 };

	for (int k = 0; k < dc->nparts; k++) {
		for (size_t i = 0; i < dc->parts[k].nrecs; i++) {
			const struct trec *tr = &dc->parts[k].recs[i];
			struct toggles *t = toggle_find(&map, tr->key, tr->keylen);
			unsigned want = tr->base;

			if (tr->toggle && toggles_before(t, tr->ts) >= 2)
				want |= RISK_RAPID_TOGGLE;
			if (tr->compare && tr->stored != want) {
				buf_reset(&last->detail);
				add_risk_mismatch(&last->detail, tr->stored, want);
				add_fault(last, tr->seq, "entries.risk", &last->detail);
			}
			if (tr->toggle_like)
				toggles_add(t, tr->ts);
		}
	}
	toggle_map_release(&map);
}

int derived_check_finish(struct derived_check *dc, derived_fault_fn *fault, void *ctx)
{
	struct part *last = &dc->parts[dc->nparts - 1];
	struct dfault *all = NULL;
	size_t nall = 0, alloc = 0;
	int ret = 0;

	if (!fault)
		dc->stop = 1;
	for (int k = 0; k < dc->nparts; k++) {
		struct part *pt = &dc->parts[k];

		if (pt->threaded)
			pthread_join(pt->thread, NULL);
		else if (fault && !ret) {
			struct json_arena *arena = json_arena_enter(); /* as a worker does */

			run_check(pt, dc->s, NULL);
			json_arena_leave(arena);
		}
		if (pt->db)
			sqlite3_close(pt->db);
		if (pt->pgs.pg)
			pg_store_close(&pt->pgs);
		if (pt->ret && !ret)
			ret = error("%s", pt->err.buf);
	}
	if (!ret && dc->cancel && *dc->cancel)
		ret = -1; /* the caller asked: nothing to report */
	if (!ret && fault) {
		rapid_toggles(dc, last);
		/* one list in seq order (orphan rows and risk come out of order) */
		for (int k = 0; k < dc->nparts; k++) {
			for (size_t i = 0; i < dc->parts[k].nfaults; i++) {
				ALLOC_GROW(all, nall + 1, alloc);
				all[nall] = dc->parts[k].faults[i];
				all[nall].order = nall;
				nall++;
			}
			dc->parts[k].nfaults = 0;
		}
		if (nall)
			qsort(all, nall, sizeof(*all), fault_cmp);
		for (size_t i = 0; i < nall; i++)
			fault(ctx, all[i].kind, all[i].seq, all[i].seq_end, all[i].detail);
	}
	for (size_t i = 0; i < nall; i++)
		free(all[i].detail);
	free(all);
	for (int k = 0; k < dc->nparts; k++) {
		struct part *pt = &dc->parts[k];

		for (size_t i = 0; i < pt->nfaults; i++)
			free(pt->faults[i].detail);
		free(pt->faults);
		for (size_t i = 0; i < pt->nrecs; i++)
			free(pt->recs[i].key);
		free(pt->recs);
		buf_release(&pt->err);
		buf_release(&pt->key);
		buf_release(&pt->a);
		buf_release(&pt->detail);
		buf_release(&pt->detail2);
		buf_release(&pt->rerr);
		buf_release(&pt->unpacked);
		raw_codec_free(pt->codec);
	}
	free(dc);
	return ret;
}
