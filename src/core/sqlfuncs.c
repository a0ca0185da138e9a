/*
 * sqlfuncs.c - the SQL functions the query language compiles to
 * (query.h): path patterns over changes.path, value comparisons on the
 * canonical JSON of changes.before/after, and pcre2 regexes (JIT, with a
 * match limit so a catastrophic pattern fails fast with a clear error)
 * over texts: the change summary and the raw record (entry_text, or a
 * leaf given as a BLOB, whose raw member is read); ts_raw and ts_raw_pack
 * turn entry_text.raw's packed form (raw_pack.h) into text and back.
 *
 * Cost: ts_path_match is a segment walk of two short strings; ts_value
 * parses one JSON value (a memmem pre-check skips most rows that cannot
 * match); ts_regexp compiles its pattern once per statement (auxdata) and
 * reads `raw` with a scanner that skips the leaf's other members without
 * building a tree, then unescapes it into a reused buffer.
 */
#include <jansson.h>
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdlib.h>
#include <string.h>

#include "query_int.h"
#include "trailscope/json_member.h"
#include "trailscope/raw_pack.h"
#include "trailscope/util.h"

#define REGEX_MATCH_LIMIT 1000000   /* backtracking steps per subject */
#define REGEX_DEPTH_LIMIT 10000
#define REGEX_HEAP_LIMIT 20000      /* KiB */
#define REGEX_JIT_STACK_MAX (1 << 20)

/* --- ts_path_match(pattern, path) ---------------------------------- */

static void fn_path_match(sqlite3_context *ctx, UNUSED int argc, sqlite3_value **argv)
{
	const char *pat = (const char *)sqlite3_value_text(argv[0]);
	const char *path = (const char *)sqlite3_value_text(argv[1]);
	const char *rest;

	if (!pat || !path) {
		sqlite3_result_int(ctx, 0);
		return;
	}
	sqlite3_result_int(ctx, ppat_relate(pat, path, (size_t)sqlite3_value_bytes(argv[1]), &rest) == 1);
}

/* --- ts_value(pattern, path, json, op, value) ---------------------- */

struct vcmp {
	int op;                /* enum qop */
	const char *pat;       /* value pattern */
	struct buf lit;        /* its literal text */
	int is_num;
	double num;
};

static int cmp_op(int op, int c)
{
	switch (op) {
	case QOP_EQ: return c == 0;
	case QOP_LT: return c < 0;
	case QOP_LE: return c <= 0;
	case QOP_GT: return c > 0;
	case QOP_GE: return c >= 0;
	}
	return 0;
}

static int scalar_match(const json_t *v, const struct vcmp *c)
{
	if (json_is_string(v)) {
		const char *s = json_string_value(v);
		size_t len = json_string_length(v);

		if (c->op == QOP_EQ)
			return vpat_match(c->pat, s, len);
		if (c->is_num)
			return 0;
		return cmp_op(c->op, strcmp(s, c->lit.buf));
	}
	if (json_is_number(v)) {
		double d = json_number_value(v);

		if (!c->is_num)
			return 0;
		return cmp_op(c->op, d < c->num ? -1 : d > c->num ? 1 : 0);
	}
	if (c->op != QOP_EQ)
		return 0;
	if (json_is_true(v))
		return !strcmp(c->lit.buf, "true");
	if (json_is_false(v))
		return !strcmp(c->lit.buf, "false");
	if (json_is_null(v))
		return !strcmp(c->lit.buf, "null");
	return 0;
}

/* The value or anything inside it matches. */
static int deep_match(const json_t *v, const struct vcmp *c, int depth)
{
	size_t i;
	const char *k;
	json_t *e;

	if (depth > 64)
		return 0;
	if (json_is_array(v)) {
		json_array_foreach(v, i, e)
			if (deep_match(e, c, depth + 1))
				return 1;
		return 0;
	}
	if (json_is_object(v)) {
		json_object_foreach((json_t *)v, k, e)
			if (deep_match(e, c, depth + 1))
				return 1;
		return 0;
	}
	return scalar_match(v, c);
}

/* Follows the pattern segments rest[i..] down v; matches at the end. */
static int descend(const json_t *v, const char *rest, size_t n, size_t i, const struct vcmp *c, int depth)
{
	size_t j = i, idx;
	struct seg g = ppat_next_seg(rest, n, &j, 1);
	const char *k;
	json_t *e;

	if (depth > 64)
		return 0;
	switch (g.kind) {
	case SEG_END:
		return deep_match(v, c, depth);
	case SEG_ANY_INDEX:
		if (!json_is_array(v))
			return 0;
		json_array_foreach(v, idx, e)
			if (descend(e, rest, n, j, c, depth + 1))
				return 1;
		return 0;
	case SEG_INDEX:
		if (!json_is_array(v))
			return 0;
		idx = (size_t)strtoull(g.s, NULL, 10);
		e = json_array_get(v, idx);
		return e && descend(e, rest, n, j, c, depth + 1);
	case SEG_NAME:
		if (!json_is_object(v))
			return 0;
		json_object_foreach((json_t *)v, k, e)
			if (ppat_name_match(g.s, g.len, k, strlen(k)) && descend(e, rest, n, j, c, depth + 1))
				return 1;
		return 0;
	case SEG_QUOTED: {
		struct buf q = BUF_INIT;
		json_t *key;
		int r = 0;

		if (!json_is_object(v))
			return 0;
		buf_addch(&q, '"');
		buf_add(&q, g.s, g.len);
		buf_addch(&q, '"');
		key = json_loadb(q.buf, q.len, JSON_DECODE_ANY, NULL);
		buf_release(&q);
		if (json_is_string(key) && (e = json_object_get(v, json_string_value(key))))
			r = descend(e, rest, n, j, c, depth + 1);
		json_decref(key);
		return r;
	}
	default:
		return 0;
	}
}

static void vcmp_free(void *p)
{
	struct vcmp *c = p;

	buf_release(&c->lit);
	free(c);
}

static void fn_value(sqlite3_context *ctx, UNUSED int argc, sqlite3_value **argv)
{
	const char *pat = (const char *)sqlite3_value_text(argv[0]);
	const char *path = (const char *)sqlite3_value_text(argv[1]);
	const char *js = (const char *)sqlite3_value_text(argv[2]);
	const char *val = (const char *)sqlite3_value_text(argv[4]);
	struct vcmp *c = sqlite3_get_auxdata(ctx, 4);
	const char *rest = NULL;
	json_t *v;
	int rel, r;

	sqlite3_result_int(ctx, 0);
	if (!pat || !path || !js || !val)
		return;
	rel = ppat_relate(pat, path, (size_t)sqlite3_value_bytes(argv[1]), &rest);
	if (!rel)
		return;
	if (!c) {
		char *end;

		c = xcalloc(1, sizeof(*c));
		buf_init(&c->lit);
		c->op = sqlite3_value_int(argv[3]);
		vpat_literal(val, &c->lit);
		c->num = strtod(c->lit.buf, &end);
		c->is_num = c->lit.len && !*end && !vpat_has_wild(val) &&
			    (c->lit.buf[0] == '-' || c->lit.buf[0] == '.' ||
			     (c->lit.buf[0] >= '0' && c->lit.buf[0] <= '9'));
		sqlite3_set_auxdata(ctx, 4, c, vcmp_free);
		c = sqlite3_get_auxdata(ctx, 4);
		if (!c) {
			sqlite3_result_error_nomem(ctx);
			return;
		}
	}
	c->pat = val;
	if (rel == 2) {
		/* an enclosing value: skip it unless the name it leads to is in it */
		size_t i = 0, n = strlen(rest);
		struct seg g;

		while ((g = ppat_next_seg(rest, n, &i, 1)).kind != SEG_END) {
			if (g.kind == SEG_NAME && !memchr(g.s, '*', g.len)) {
				struct buf k = BUF_INIT;
				int found;

				buf_addch(&k, '"');
				buf_add(&k, g.s, g.len);
				buf_add(&k, "\":", 2);
				found = memmem(js, (size_t)sqlite3_value_bytes(argv[2]), k.buf, k.len) != NULL;
				buf_release(&k);
				if (!found)
					return;
			}
			if (g.kind == SEG_BAD)
				break;
		}
	}
	v = json_loadb(js, (size_t)sqlite3_value_bytes(argv[2]), JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL);
	if (!v)
		return;
	if (rel == 1)
		r = deep_match(v, c, 0);
	else
		r = descend(v, rest, strlen(rest), 0, c, 0);
	json_decref(v);
	sqlite3_result_int(ctx, r);
}

/* --- ts_leaf_raw(leaf) and the leaf scanner ------------------------- */

/* Finds the top-level member "raw" of a leaf and appends its unescaped
 * value to out. Returns 0, or -1 when there is none. */
static int leaf_raw(const char *p, size_t n, struct buf *out)
{
	return json_top_string(p, n, "raw", out);
}

static void fn_leaf_raw(sqlite3_context *ctx, UNUSED int argc, sqlite3_value **argv)
{
	const char *leaf = sqlite3_value_blob(argv[0]);
	struct buf b = BUF_INIT;
	size_t len;
	char *s;

	if (!leaf || leaf_raw(leaf, (size_t)sqlite3_value_bytes(argv[0]), &b)) {
		buf_release(&b);
		sqlite3_result_null(ctx);
		return;
	}
	s = buf_detach(&b, &len);
	sqlite3_result_text(ctx, s, (int)len, free);
}

/* --- ts_regexp(pattern, flags, text...) ---------------------------- */

struct rx {
	pcre2_code *code;
	pcre2_match_data *md;
	pcre2_match_context *mctx;
	pcre2_jit_stack *stack;
	struct buf raw;        /* reused buffer for the unescaped raw record */
	struct raw_codec *codec; /* ts_regexp_raw: unpacks entry_text.raw */
};

static uint32_t regex_options(const char *flags)
{
	uint32_t o = PCRE2_UTF | PCRE2_MATCH_INVALID_UTF;

	for (; flags && *flags; flags++) {
		switch (*flags) {
		case 'i': o |= PCRE2_CASELESS; break;
		case 'm': o |= PCRE2_MULTILINE; break;
		case 's': o |= PCRE2_DOTALL; break;
		case 'x': o |= PCRE2_EXTENDED; break;
		}
	}
	return o;
}

static pcre2_code *regex_compile(const char *pattern, size_t len, const char *flags, struct buf *msg,
				 size_t *offset)
{
	int code;
	PCRE2_SIZE off;
	pcre2_code *re = pcre2_compile((PCRE2_SPTR)pattern, len, regex_options(flags), &code, &off, NULL);

	if (!re) {
		PCRE2_UCHAR text[256];

		pcre2_get_error_message(code, text, sizeof(text));
		buf_addstr(msg, (const char *)text);
		*offset = off;
	}
	return re;
}

int sqlfuncs_regex_check(const char *pattern, size_t len, const char *flags, struct buf *msg,
			 size_t *offset)
{
	pcre2_code *re = regex_compile(pattern, len, flags, msg, offset);

	if (!re)
		return -1;
	pcre2_code_free(re);
	return 0;
}

static void rx_free(void *p)
{
	struct rx *r = p;

	pcre2_match_data_free(r->md);
	pcre2_match_context_free(r->mctx);
	pcre2_jit_stack_free(r->stack);
	pcre2_code_free(r->code);
	buf_release(&r->raw);
	raw_codec_free(r->codec);
	free(r);
}

static struct rx *rx_get(sqlite3_context *ctx, sqlite3_value **argv)
{
	struct rx *r = sqlite3_get_auxdata(ctx, 0);
	struct buf msg = BUF_INIT;
	size_t off;

	if (r)
		return r;
	r = xcalloc(1, sizeof(*r));
	buf_init(&r->raw);
	r->code = regex_compile((const char *)sqlite3_value_text(argv[0]), (size_t)sqlite3_value_bytes(argv[0]),
				(const char *)sqlite3_value_text(argv[1]), &msg, &off);
	if (!r->code) {
		buf_addf(&msg, " at offset %zu", off);
		sqlite3_result_error(ctx, msg.buf, -1);
		buf_release(&msg);
		free(r);
		return NULL;
	}
	r->codec = raw_codec_new(); /* its zstd context made on first use */
	pcre2_jit_compile(r->code, PCRE2_JIT_COMPLETE); /* falls back to the interpreter */
	r->md = pcre2_match_data_create_from_pattern(r->code, NULL);
	r->mctx = pcre2_match_context_create(NULL);
	r->stack = pcre2_jit_stack_create(32 * 1024, REGEX_JIT_STACK_MAX, NULL);
	if (!r->md || !r->mctx || !r->stack)
		die("out of memory for a regex");
	pcre2_set_match_limit(r->mctx, REGEX_MATCH_LIMIT);
	pcre2_set_depth_limit(r->mctx, REGEX_DEPTH_LIMIT);
	pcre2_set_heap_limit(r->mctx, REGEX_HEAP_LIMIT);
	pcre2_jit_stack_assign(r->mctx, NULL, r->stack);
	sqlite3_set_auxdata(ctx, 0, r, rx_free);
	r = sqlite3_get_auxdata(ctx, 0);
	if (!r)
		sqlite3_result_error_nomem(ctx);
	return r;
}

/* The compiled regex of a call whose argv[0] is the pattern and argv[1]
 * its flags; NULL when the result is already set: NULL for a NULL
 * pattern, or an error. */
static struct rx *rx_for_call(sqlite3_context *ctx, sqlite3_value **argv)
{
	if (sqlite3_value_type(argv[0]) == SQLITE_NULL) {
		sqlite3_result_null(ctx);
		return NULL;
	}
	return rx_get(ctx, argv);
}

/* 1 match, 0 none, -1 error (reported on ctx). */
static int rx_match(sqlite3_context *ctx, struct rx *r, const char *s, size_t len)
{
	int rc = pcre2_match(r->code, (PCRE2_SPTR)s, len, 0, 0, r->md, r->mctx);

	if (rc >= 0)
		return 1;
	if (rc == PCRE2_ERROR_NOMATCH)
		return 0;
	if (rc == PCRE2_ERROR_MATCHLIMIT || rc == PCRE2_ERROR_DEPTHLIMIT || rc == PCRE2_ERROR_HEAPLIMIT ||
	    rc == PCRE2_ERROR_JIT_STACKLIMIT) {
		sqlite3_result_error(ctx, "regex gave up: match limit exceeded (catastrophic backtracking?"
				     " simplify the pattern)", -1);
	} else {
		PCRE2_UCHAR text[256];

		pcre2_get_error_message(rc, text, sizeof(text));
		sqlite3_result_error(ctx, (const char *)text, -1);
	}
	return -1;
}

static void fn_regexp(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	struct rx *r;
	const char *leaf;
	int m = 0;

	if (argc < 3) {
		sqlite3_result_error(ctx, "ts_regexp(pattern, flags, text, ...) takes at least three arguments", -1);
		return;
	}
	r = rx_for_call(ctx, argv);
	if (!r)
		return;
	for (int i = 2; i < argc && !m; i++) {
		if (sqlite3_value_type(argv[i]) == SQLITE_NULL)
			continue;
		if (sqlite3_value_type(argv[i]) == SQLITE_BLOB) {
			/* a leaf: match its raw record */
			leaf = sqlite3_value_blob(argv[i]);
			buf_reset(&r->raw);
			if (!leaf || leaf_raw(leaf, (size_t)sqlite3_value_bytes(argv[i]), &r->raw))
				continue;
			m = rx_match(ctx, r, r->raw.buf, r->raw.len);
		} else {
			const char *s = (const char *)sqlite3_value_text(argv[i]);

			m = rx_match(ctx, r, s, (size_t)sqlite3_value_bytes(argv[i]));
		}
		if (m < 0)
			return;
	}
	sqlite3_result_int(ctx, m);
}

/* ts_regexp_raw(pattern, flags, summary, raw, leaf): 1 when the regex
 * matches the summary or the raw record entry_text.raw holds: a TEXT raw
 * as it is, a BLOB one unpacked against leaf (raw_pack.h) only when the
 * summary did not match. A BLOB that does not unpack matches nothing
 * (verify reports it). */
static void fn_regexp_raw(sqlite3_context *ctx, UNUSED int argc, sqlite3_value **argv)
{
	struct rx *r;
	const char *why;
	int m = 0;

	r = rx_for_call(ctx, argv);
	if (!r)
		return;
	if (sqlite3_value_type(argv[2]) != SQLITE_NULL)
		m = rx_match(ctx, r, (const char *)sqlite3_value_text(argv[2]), (size_t)sqlite3_value_bytes(argv[2]));
	if (!m && sqlite3_value_type(argv[3]) == SQLITE_BLOB) {
		buf_reset(&r->raw);
		if (!raw_unpack(r->codec, sqlite3_value_blob(argv[3]), (size_t)sqlite3_value_bytes(argv[3]),
				sqlite3_value_blob(argv[4]), (size_t)sqlite3_value_bytes(argv[4]), &r->raw, &why))
			m = rx_match(ctx, r, r->raw.buf, r->raw.len);
	} else if (!m && sqlite3_value_type(argv[3]) != SQLITE_NULL) {
		m = rx_match(ctx, r, (const char *)sqlite3_value_text(argv[3]), (size_t)sqlite3_value_bytes(argv[3]));
	}
	if (m >= 0)
		sqlite3_result_int(ctx, m);
}

/* --- ts_raw(raw, leaf) and ts_raw_pack(raw, leaf) ------------------- */

/* ts_raw(raw, leaf): the raw record entry_text.raw holds, as TEXT: a TEXT
 * value as it is, a BLOB unpacked against leaf (raw_pack.h); NULL for a
 * NULL raw and for a BLOB that does not unpack (verify says why). Each
 * connection has its own codec (the function's user data). */
static void fn_raw(sqlite3_context *ctx, UNUSED int argc, sqlite3_value **argv)
{
	struct raw_codec *c = sqlite3_user_data(ctx);
	struct buf out = BUF_INIT;
	const char *why;
	size_t len;
	char *text;

	if (sqlite3_value_type(argv[0]) != SQLITE_BLOB) {
		if (sqlite3_value_type(argv[0]) == SQLITE_NULL)
			sqlite3_result_null(ctx);
		else
			sqlite3_result_value(ctx, argv[0]);
		return;
	}
	if (raw_unpack(c, sqlite3_value_blob(argv[0]), (size_t)sqlite3_value_bytes(argv[0]),
		       sqlite3_value_blob(argv[1]), (size_t)sqlite3_value_bytes(argv[1]), &out, &why)) {
		buf_release(&out);
		sqlite3_result_null(ctx);
		return;
	}
	text = buf_detach(&out, &len);
	sqlite3_result_text64(ctx, text, len, free, SQLITE_UTF8);
}

/* ts_raw_pack(raw, leaf): raw packed against leaf, a BLOB (NULL for NULL):
 * what entry_text.raw holds from schema version 6. */
static void fn_raw_pack(sqlite3_context *ctx, UNUSED int argc, sqlite3_value **argv)
{
	struct raw_codec *c = sqlite3_user_data(ctx);
	struct buf out = BUF_INIT;
	const char *raw = (const char *)sqlite3_value_text(argv[0]);
	size_t len;
	char *blob;

	if (!raw) {
		sqlite3_result_null(ctx);
		return;
	}
	if (raw_pack(c, raw, (size_t)sqlite3_value_bytes(argv[0]), sqlite3_value_blob(argv[1]),
		     (size_t)sqlite3_value_bytes(argv[1]), &out)) {
		buf_release(&out);
		sqlite3_result_error(ctx, "cannot pack a raw record", -1);
		return;
	}
	blob = buf_detach(&out, &len);
	sqlite3_result_blob64(ctx, blob, len, free);
}

static void codec_free(void *p)
{
	raw_codec_free(p);
}

/* --- ts_inset(set, seq) --------------------------------------------- */

/* 1 when seq is in the seq bitmap bound (sqlite3_bind_pointer) as set;
 * query counts bind one per set term (query_sql.c). Any other value is
 * an empty set. */
static void fn_inset(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	const struct seqset *set = sqlite3_value_pointer(argv[0], SEQSET_POINTER);

	(void)argc;
	sqlite3_result_int(ctx, set && seqset_has(set, sqlite3_value_int64(argv[1])));
}

/* ts_action_match(pattern, action): action:V's rule (action_match). */
static void fn_action_match(sqlite3_context *ctx, UNUSED int argc, sqlite3_value **argv)
{
	const char *p = (const char *)sqlite3_value_text(argv[0]);
	const char *a = (const char *)sqlite3_value_text(argv[1]);

	if (!p || !a) {
		sqlite3_result_null(ctx);
		return;
	}
	sqlite3_result_int(ctx, action_match(p, a, (size_t)sqlite3_value_bytes(argv[1])));
}

int sqlfuncs_register(sqlite3 *db)
{
	static const struct {
		const char *name;
		int nargs;
		void (*fn)(sqlite3_context *, int, sqlite3_value **);
	} fns[] = {
		{ "ts_path_match", 2, fn_path_match },
		{ "ts_value", 5, fn_value },
		{ "ts_leaf_raw", 1, fn_leaf_raw },
		{ "ts_regexp", -1, fn_regexp },
		{ "ts_regexp_raw", 5, fn_regexp_raw },
		{ "ts_inset", 2, fn_inset },
		{ "ts_action_match", 2, fn_action_match },
	};
	sqlite3_stmt *st;

	/* already there? (re-registering would expire prepared statements) */
	if (sqlite3_prepare_v2(db, "SELECT ts_path_match('', '')", -1, &st, NULL) == SQLITE_OK) {
		sqlite3_finalize(st);
		return 0;
	}
	for (size_t i = 0; i < ARRAY_SIZE(fns); i++) {
		if (sqlite3_create_function_v2(db, fns[i].name, fns[i].nargs,
					       SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS, NULL,
					       fns[i].fn, NULL, NULL, NULL) != SQLITE_OK)
			return error("cannot register SQL function %s: %s", fns[i].name, sqlite3_errmsg(db));
	}
	if (sqlite3_create_function_v2(db, "ts_raw", 2, SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS,
				       raw_codec_new(), fn_raw, NULL, NULL, codec_free) != SQLITE_OK ||
	    sqlite3_create_function_v2(db, "ts_raw_pack", 2, SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS,
				       raw_codec_new(), fn_raw_pack, NULL, NULL, codec_free) != SQLITE_OK)
		return error("cannot register SQL function ts_raw: %s", sqlite3_errmsg(db));
	return 0;
}
