/*
 * query_parse.c - the query language's lexer and recursive-descent
 * parser (docs/QUERY.md): text in, a tree of struct qnode out, or an
 * error with its column. Values are decoded here (quotes, escapes),
 * times resolved against `now`, regexes checked with pcre2 so that a bad
 * pattern is reported at its column. Cost: linear in the query's length;
 * nothing touches the store.
 *
 *   query   := or EOF
 *   or      := and ("OR" and)*
 *   and     := unary (["AND"] unary)*
 *   unary   := "NOT" unary | "-" primary | primary
 *   primary := "(" or ")" | term
 *   term    := KEY ":" value | ("before."|"after.") PATH OP value
 *            | "/" regex "/" flags | word | "quoted text"
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "query_int.h"
#include "trailscope/risk.h"
#include "trailscope/timeline.h"

struct parser {
	const char *text;
	size_t len, pos;
	usec_t now;
	int depth, terms;
	struct query_error *err;
	int failed;
	struct qunknown *uk;   /* NULL, or where an unknown key is described */
};

/* 1-based column of byte pos, counting UTF-8 characters. */
static int col_of(const char *text, size_t pos)
{
	int col = 1;

	for (size_t i = 0; i < pos && text[i]; i++)
		if (((unsigned char)text[i] & 0xc0) != 0x80)
			col++;
	return col;
}

int qerror_at(struct query_error *err, const char *text, size_t pos, const char *fmt, ...)
{
	va_list ap;

	err->pos = pos;
	err->col = col_of(text, pos);
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return -1;
}

static struct qnode *fail(struct parser *p, size_t pos, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static struct qnode *fail(struct parser *p, size_t pos, const char *fmt, ...)
{
	va_list ap;
	char msg[256];

	if (p->failed)
		return NULL;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	qerror_at(p->err, p->text, pos, "%s", msg);
	p->failed = 1;
	return NULL;
}

static struct qnode *node_new(enum qkind kind, size_t pos)
{
	struct qnode *n = xcalloc(1, sizeof(*n));

	n->kind = kind;
	n->pos = n->vpos = pos;
	return n;
}

void qnode_free(struct qnode *n)
{
	if (!n)
		return;
	qnode_free(n->a);
	qnode_free(n->b);
	free(n->path);
	free(n->value);
	free(n->set_sql);
	free(n);
}

static int at_end(struct parser *p) { return p->pos >= p->len; }
static int cur(struct parser *p) { return at_end(p) ? 0 : (unsigned char)p->text[p->pos]; }
static int is_space(int c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }
/* Characters that end a bare word. */
static int is_stop(int c) { return !c || is_space(c) || c == '(' || c == ')'; }

static void skip_space(struct parser *p)
{
	while (!at_end(p) && is_space(cur(p)))
		p->pos++;
}

/* Is the word at pos exactly kw (an operator keyword)? */
static int keyword(struct parser *p, const char *kw)
{
	size_t n = strlen(kw);

	if (p->len - p->pos < n || memcmp(p->text + p->pos, kw, n))
		return 0;
	return p->pos + n == p->len || is_stop((unsigned char)p->text[p->pos + n]);
}

/*
 * Reads a value at p->pos into out as a value pattern (wildcards `*`,
 * literal star `\*`, literal backslash `\\`). Quoted: "..." with \" \\ \*
 * escapes. Bare: up to a space or parenthesis, with \ escaping the next
 * character. Returns 0, or -1 (error set).
 */
static int read_value(struct parser *p, struct buf *out, int *quoted)
{
	size_t start = p->pos;

	*quoted = 0;
	if (cur(p) == '"') {
		*quoted = 1;
		p->pos++;
		for (;;) {
			int c = cur(p);

			if (at_end(p)) {
				fail(p, start, "unterminated quoted value");
				return -1;
			}
			p->pos++;
			if (c == '"')
				break;
			if (c == '\\' && !at_end(p)) {
				int e = cur(p);

				p->pos++;
				if (e == '*' || e == '\\')
					buf_addch(out, '\\');
				else if (e != '"')
					buf_add(out, "\\\\", 2);
				buf_addch(out, e);
				continue;
			}
			buf_addch(out, c);
		}
		if (!is_stop(cur(p))) {
			fail(p, p->pos, "expected a space or ')' after the closing quote");
			return -1;
		}
		return 0;
	}
	while (!is_stop(cur(p))) {
		int c = cur(p);

		p->pos++;
		if (c == '\\' && !at_end(p)) {
			int e = cur(p);

			p->pos++;
			if (e == '*' || e == '\\')
				buf_addch(out, '\\');
			buf_addch(out, e);
			continue;
		}
		buf_addch(out, c);
	}
	return 0;
}

static const struct {
	const char *key;
	int field;
} field_keys[] = {
	{ "actor", QF_ACTOR }, { "actor-type", QF_ACTOR_TYPE }, { "target", QF_TARGET },
	{ "target-kind", QF_TARGET_KIND }, { "kind", QF_TARGET_KIND }, { "env", QF_ENV },
	{ "environment", QF_ENV }, { "action", QF_ACTION }, { "id", QF_ID },
};

static const char key_list[] =
	"actor, actor-type, target, target-kind, env, action, id, changed, before.PATH, "
	"after.PATH, since, until, risk, outcome, around";

/* Every key, for suggestions. */
static const char *const all_keys[] = {
	"actor", "actor-type", "target", "target-kind", "kind", "env", "environment", "action", "id",
	"changed", "since", "until", "risk", "outcome", "around", "before", "after",
};

/*
 * Words people type for a key the language calls something else. A
 * suggestion ending in ':' takes the value typed; "text" means a bare word
 * (free text); anything else is a whole term.
 */
static const struct {
	const char *word, *suggest, *why;
} key_synonyms[] = {
	{ "approved-by", "risk:no-approval", "approvals are a risk signal: changes that needed approval and had none" },
	{ "approver", "risk:no-approval", "approvals are a risk signal: changes that needed approval and had none" },
	{ "approval", "risk:no-approval", "approvals are a risk signal: changes that needed approval and had none" },
	{ "approved", "risk:no-approval", "approvals are a risk signal: changes that needed approval and had none" },
	{ "user", "actor:", NULL }, { "who", "actor:", NULL }, { "by", "actor:", NULL },
	{ "principal", "actor:", NULL }, { "author", "actor:", NULL }, { "username", "actor:", NULL },
	{ "resource", "target:", NULL }, { "flag", "target:", NULL }, { "object", "target:", NULL },
	{ "resource-type", "target-kind:", NULL }, { "target-type", "target-kind:", NULL },
	{ "actortype", "actor-type:", NULL }, { "type", "actor-type:", "or target-kind: for the kind of target" },
	{ "event", "action:", NULL }, { "event-name", "action:", NULL }, { "eventname", "action:", NULL },
	{ "verb", "action:", NULL }, { "operation", "action:", NULL }, { "op", "action:", NULL },
	{ "method", "action:", NULL },
	{ "stage", "env:", NULL }, { "namespace", "env:", NULL },
	{ "from", "since:", NULL }, { "start", "since:", NULL }, { "after-time", "since:", NULL },
	{ "to", "until:", NULL }, { "end", "until:", NULL }, { "before-time", "until:", NULL },
	{ "path", "changed:", NULL }, { "field", "changed:", NULL },
	{ "status", "outcome:", NULL }, { "result", "outcome:", NULL },
	{ "error", "outcome:failure", "failed requests" }, { "failed", "outcome:failure", "failed requests" },
	{ "incident", "around:", NULL }, { "tag", "risk:", NULL }, { "signal", "risk:", NULL },
	{ "text", "text", NULL }, { "reason", "text", NULL }, { "ticket", "text", NULL },
	{ "comment", "text", NULL }, { "message", "text", NULL }, { "search", "text", NULL },
};

/* Byte offset after the operator and value that follow an unknown key at
 * k (read loosely: this is only for quoting them back). */
static size_t value_end(const struct parser *p, size_t k)
{
	size_t i = k;

	while (i < p->len && i < k + 2 && strchr(":<>=", p->text[i]))
		i++;
	if (i < p->len && p->text[i] == '"') {
		for (i++; i < p->len && p->text[i] != '"'; i++)
			if (p->text[i] == '\\' && i + 1 < p->len)
				i++;
		return i < p->len ? i + 1 : i;
	}
	for (; i < p->len && !is_stop((unsigned char)p->text[i]); i++)
		if (p->text[i] == '\\' && i + 1 < p->len)
			i++;
	return i;
}

/*
 * Refuses the unknown key text[start, k) with a suggestion: the key it
 * spells with '_' or other case (actor_type: actor-type:), a word for
 * something the language names otherwise (approved_by: risk:no-approval),
 * or a key a typo or two away; else the list of keys. Describes it in
 * p->uk so that the compiler can suggest a changed-field path instead.
 */
static struct qnode *unknown_key(struct parser *p, size_t start, size_t k)
{
	char typed[64], norm[64];
	size_t klen = k - start, vend = value_end(p, k), best_d = (size_t)-1;
	const char *best = NULL;
	int exact = 0;

	memcpy(typed, p->text + start, klen);
	typed[klen] = 0;
	for (size_t i = 0; i <= klen; i++)
		norm[i] = typed[i] == '_' ? '-' : (char)tolower((unsigned char)typed[i]);
	if (p->uk) {
		p->uk->set = 1;
		p->uk->pos = start;
		snprintf(p->uk->key, sizeof(p->uk->key), "%s", typed);
		snprintf(p->uk->rest, sizeof(p->uk->rest), "%.*s", (int)(vend - k), p->text + k);
	}
	for (size_t i = 0; i < ARRAY_SIZE(all_keys) && !exact; i++) {
		size_t d = strcmp(norm, all_keys[i]) ? str_edit_distance(norm, all_keys[i]) : 0;

		if (!d)
			exact = 1;
		if (d < best_d) {
			best_d = d;
			best = all_keys[i];
		}
	}
	if (exact) {
		if (p->uk)
			p->uk->have_suggestion = 1;
		return fail(p, start, "unknown key '%s'; did you mean '%s%s'?", typed, best,
			    !strcmp(best, "before") || !strcmp(best, "after") ? ".PATH:" : ":");
	}
	for (size_t i = 0; i < ARRAY_SIZE(key_synonyms); i++) {
		const char *sg = key_synonyms[i].suggest;
		const char *v = p->text + k + 1;
		int vlen = (int)(vend > k + 1 ? vend - k - 1 : 0);

		if (strcmp(norm, key_synonyms[i].word))
			continue;
		if (!strcmp(sg, "text"))
			return fail(p, start, "unknown key '%s'; did you mean '%.*s'? (a bare word or a \"quoted "
				    "phrase\" searches reason, target, actor and ticket)", typed, vlen, v);
		if (sg[strlen(sg) - 1] == ':')
			return fail(p, start, "unknown key '%s'; did you mean '%s%.*s'?%s%s%s", typed, sg,
				    vlen, v, key_synonyms[i].why ? " (" : "",
				    key_synonyms[i].why ? key_synonyms[i].why : "", key_synonyms[i].why ? ")" : "");
		return fail(p, start, "unknown key '%s'; did you mean '%s'? (%s)", typed, sg, key_synonyms[i].why);
	}
	if (best && best_d <= (klen <= 4 ? 1u : 2u))
		return fail(p, start, "unknown key '%s'; did you mean '%s%s'?", typed, best,
			    !strcmp(best, "before") || !strcmp(best, "after") ? ".PATH:" : ":");
	return fail(p, start, "unknown key '%s' (keys: %s); quote text that contains ':'", typed, key_list);
}

/* Is key (lower case) one of the language's keys taking ':'? */
static int known_key(const char *key)
{
	for (size_t i = 0; i < ARRAY_SIZE(all_keys); i++)
		if (!strcmp(key, all_keys[i]))
			return 1;
	return 0;
}

static int is_key_char(int c)
{
	return isalnum(c) || c == '-' || c == '_';
}

/* Reads an operator: ':' '<' '<=' '>' '>=' '='. Returns enum qop or -1. */
static int read_op(struct parser *p)
{
	int c = cur(p);

	if (c == ':' || c == '=') {
		p->pos++;
		return QOP_EQ;
	}
	if (c == '<' || c == '>') {
		p->pos++;
		if (cur(p) == '=') {
			p->pos++;
			return c == '<' ? QOP_LE : QOP_GE;
		}
		return c == '<' ? QOP_LT : QOP_GT;
	}
	return -1;
}

/* Reads a path pattern (bare path syntax) up to an operator, a space or
 * a parenthesis; quoted member names may hold any character. */
static int read_path(struct parser *p, struct buf *out, int stop_at_op)
{
	size_t start = p->pos;
	const char *why;
	size_t off;

	if (cur(p) == '"') {
		int quoted;
		struct buf v = BUF_INIT;

		if (read_value(p, &v, &quoted)) {
			buf_release(&v);
			return -1;
		}
		/* a quoted path: wildcards and escapes as in the path syntax */
		for (size_t i = 0; i < v.len; i++) {
			if (v.buf[i] == '\\' && i + 1 < v.len && (v.buf[i + 1] == '*' || v.buf[i + 1] == '\\'))
				i++;
			buf_addch(out, v.buf[i]);
		}
		buf_release(&v);
		start++;
	} else {
		while (!at_end(p)) {
			int c = cur(p);

			if (is_stop(c) || (stop_at_op && strchr(":<>=", c)))
				break;
			if (c == '[' && p->pos + 1 < p->len && p->text[p->pos + 1] == '"') {
				/* ["quoted key"]: copy through the closing quote */
				buf_add(out, "[\"", 2);
				p->pos += 2;
				while (!at_end(p) && cur(p) != '"') {
					if (cur(p) == '\\' && p->pos + 1 < p->len)
						buf_addch(out, p->text[p->pos++]);
					buf_addch(out, p->text[p->pos++]);
				}
				if (at_end(p)) {
					fail(p, start, "unterminated quoted member name in path");
					return -1;
				}
				buf_addch(out, '"');
				p->pos++;
				continue;
			}
			buf_addch(out, c);
			p->pos++;
		}
	}
	if (ppat_check(out->buf, out->len, &why, &off)) {
		fail(p, start + off, "bad path: %s", why);
		return -1;
	}
	return 0;
}

static struct qnode *parse_regex(struct parser *p)
{
	size_t start = p->pos;
	struct buf re = BUF_INIT, msg = BUF_INIT;
	struct qnode *n;
	size_t off, nflags = 0;
	char flags[8] = "";

	p->pos++;
	for (;;) {
		int c = cur(p);

		if (at_end(p)) {
			buf_release(&re);
			return fail(p, start, "unterminated regex: expected a closing '/'");
		}
		p->pos++;
		if (c == '/')
			break;
		if (c == '\\' && !at_end(p)) {
			int e = cur(p);

			p->pos++;
			if (e != '/')
				buf_addch(&re, '\\');
			buf_addch(&re, e);
			continue;
		}
		buf_addch(&re, c);
	}
	while (!is_stop(cur(p))) {
		int c = cur(p);

		if (!strchr("imsx", c) || !c) {
			buf_release(&re);
			return fail(p, p->pos, "unknown regex flag '%c' (use i, m, s or x)", c);
		}
		if (!strchr(flags, c) && nflags < sizeof(flags) - 1)
			flags[nflags++] = (char)c;
		p->pos++;
	}
	if (!re.len) {
		buf_release(&re);
		return fail(p, start, "empty regex");
	}
	if (sqlfuncs_regex_check(re.buf, re.len, flags, &msg, &off)) {
		/* off is in the pattern as passed; the escaped '/' shifts it
		 * at most one byte per escape, close enough for a caret */
		fail(p, start + 1 + (off < re.len ? off : re.len), "bad regex: %s", msg.buf);
		buf_release(&re);
		buf_release(&msg);
		return NULL;
	}
	buf_release(&msg);
	n = node_new(QN_REGEX, start);
	n->value = buf_detach(&re, NULL);
	memcpy(n->flags, flags, sizeof(flags));
	return n;
}

/* A free-text word or quoted phrase. */
static struct qnode *parse_text(struct parser *p)
{
	size_t start = p->pos;
	struct buf v = BUF_INIT, lit = BUF_INIT;
	struct qnode *n;
	int quoted;

	if (read_value(p, &v, &quoted)) {
		buf_release(&v);
		return NULL;
	}
	n = node_new(QN_TEXT, start);
	/* a trailing unescaped '*' asks for a prefix search */
	if (v.len && v.buf[v.len - 1] == '*' && (v.len < 2 || v.buf[v.len - 2] != '\\')) {
		buf_setlen(&v, v.len - 1);
		n->flags[0] = '*';
	}
	vpat_literal(v.buf, &lit);
	buf_release(&v);
	if (!lit.len && !quoted) {
		buf_release(&lit);
		qnode_free(n);
		return fail(p, start, "expected a word");
	}
	n->value = buf_detach(&lit, NULL);
	return n;
}

static struct qnode *parse_term(struct parser *p)
{
	size_t start = p->pos, k = p->pos, klen, vpos;
	struct buf v = BUF_INIT;
	struct qnode *n = NULL;
	int op, quoted;
	char key[64];

	if (++p->terms > QUERY_MAX_TERMS)
		return fail(p, start, "too many terms (at most %d)", QUERY_MAX_TERMS);
	if (cur(p) == '/')
		return parse_regex(p);
	if (cur(p) == '"')
		return parse_text(p);
	/* a key: letters (any case), digits, '-' and '_', from a letter */
	while (k < p->len && is_key_char((unsigned char)p->text[k]))
		k++;
	klen = k - start;
	if (!klen || !isalpha((unsigned char)p->text[start]) || k >= p->len ||
	    !strchr(":.<>=", p->text[k]) || klen >= sizeof(key))
		return parse_text(p);
	for (size_t i = 0; i < klen; i++)
		key[i] = (char)tolower((unsigned char)p->text[start + i]);
	key[klen] = 0;

	if (p->text[k] == '.' && (!strcmp(key, "before") || !strcmp(key, "after"))) {
		struct buf path = BUF_INIT;

		p->pos = k + 1;
		if (read_path(p, &path, 1)) {
			buf_release(&path);
			return NULL;
		}
		if (!path.len) {
			buf_release(&path);
			return fail(p, k + 1, "expected a path after '%s.'", key);
		}
		n = node_new(QN_VALUE, start);
		n->field = key[0] == 'a';
		n->path = buf_detach(&path, NULL);
		goto value_term;
	}
	if (p->text[k] == '.')
		return parse_text(p);
	if (!known_key(key))
		return unknown_key(p, start, k);
	p->pos = k;
	if (!strcmp(key, "before") || !strcmp(key, "after")) {
		/* before:V / after:V: the value at any path */
		n = node_new(QN_VALUE, start);
		n->field = key[0] == 'a';
		n->path = xstrdup("");
		goto value_term;
	}
	op = read_op(p);
	if (op != QOP_EQ) {
		return fail(p, k, "'%s' takes ':'; comparisons apply to before./after. values", key);
	}
	vpos = p->pos;
	if (!strcmp(key, "changed")) {
		struct buf path = BUF_INIT;

		if (is_stop(cur(p)))
			return fail(p, vpos, "expected a path after 'changed:'");
		if (read_path(p, &path, 0)) {
			buf_release(&path);
			return NULL;
		}
		n = node_new(QN_CHANGED, start);
		n->vpos = vpos;
		n->path = buf_detach(&path, NULL);
		return n;
	}
	for (size_t i = 0; i < ARRAY_SIZE(field_keys); i++) {
		if (strcmp(key, field_keys[i].key))
			continue;
		if (is_stop(cur(p)))
			return fail(p, vpos, "expected a value after '%s:'", key);
		if (read_value(p, &v, &quoted)) {
			buf_release(&v);
			return NULL;
		}
		n = node_new(QN_FIELD, start);
		n->vpos = vpos;
		n->field = field_keys[i].field;
		n->value = buf_detach(&v, NULL);
		return n;
	}
	if (is_stop(cur(p)))
		return fail(p, vpos, "expected a value after '%s:'", key);
	if (read_value(p, &v, &quoted)) {
		buf_release(&v);
		return NULL;
	}
	if (!strcmp(key, "since") || !strcmp(key, "until")) {
		struct buf lit = BUF_INIT;
		const char *why = NULL;
		usec_t t;

		vpat_literal(v.buf, &lit);
		buf_release(&v);
		if (timeline_parse_user_time(lit.buf, p->now, &t, &why)) {
			buf_release(&lit);
			return fail(p, vpos, "bad time for '%s:': %s", key, why ? why : "unreadable");
		}
		buf_release(&lit);
		n = node_new(QN_TIME, start);
		n->vpos = vpos;
		n->field = key[0] == 'u';
		n->t = t;
		return n;
	}
	if (!strcmp(key, "risk")) {
		struct buf lit = BUF_INIT, names = BUF_INIT;
		unsigned bits;

		vpat_literal(v.buf, &lit);
		buf_release(&v);
		bits = risk_lookup(lit.buf);
		buf_release(&lit);
		if (!bits) {
			for (int i = 0; risk_names[i].name; i++)
				buf_addf(&names, "%s%s", i ? ", " : "", risk_names[i].name);
			fail(p, vpos, "unknown risk (use %s)", names.buf);
			buf_release(&names);
			return NULL;
		}
		n = node_new(QN_RISK, start);
		n->vpos = vpos;
		n->bits = bits;
		return n;
	}
	if (!strcmp(key, "outcome")) {
		struct buf lit = BUF_INIT;

		vpat_literal(v.buf, &lit);
		buf_release(&v);
		if (outcome_parse(lit.buf) < 0) {
			buf_release(&lit);
			return fail(p, vpos, "unknown outcome (use success, failure, unknown)");
		}
		n = node_new(QN_OUTCOME, start);
		n->vpos = vpos;
		n->value = buf_detach(&lit, NULL);
		return n;
	}
	if (!strcmp(key, "around")) {
		struct buf lit = BUF_INIT;

		vpat_literal(v.buf, &lit);
		buf_release(&v);
		n = node_new(QN_AROUND, start);
		n->vpos = vpos;
		n->value = buf_detach(&lit, NULL);
		return n;
	}
	buf_release(&v);
	return fail(p, start, "internal error: key '%s' has no term", key);

value_term:
	op = read_op(p);
	if (op < 0) {
		qnode_free(n);
		return fail(p, p->pos, "expected ':', '<', '<=', '>' or '>=' after the path");
	}
	n->op = op;
	n->vpos = p->pos;
	if (is_stop(cur(p))) {
		qnode_free(n);
		return fail(p, p->pos, "expected a value");
	}
	if (read_value(p, &v, &quoted)) {
		buf_release(&v);
		qnode_free(n);
		return NULL;
	}
	n->value = buf_detach(&v, NULL);
	return n;
}

static struct qnode *parse_or(struct parser *p);

static struct qnode *parse_primary(struct parser *p)
{
	skip_space(p);
	if (at_end(p))
		return fail(p, p->pos, "expected a term");
	if (cur(p) == '(') {
		size_t open = p->pos;
		struct qnode *n;

		if (++p->depth > QUERY_MAX_DEPTH)
			return fail(p, p->pos, "nested too deeply (at most %d)", QUERY_MAX_DEPTH);
		p->pos++;
		skip_space(p);
		if (cur(p) == ')')
			return fail(p, p->pos, "expected a term inside '()'");
		n = parse_or(p);
		if (!n)
			return NULL;
		skip_space(p);
		if (cur(p) != ')') {
			qnode_free(n);
			if (at_end(p))
				return fail(p, p->pos, "expected ')' to close the '(' at col %d",
					    col_of(p->text, open));
			return fail(p, p->pos, "expected ')'");
		}
		p->pos++;
		p->depth--;
		return n;
	}
	if (cur(p) == ')')
		return fail(p, p->pos, "unexpected ')'");
	{
		struct qnode *n = parse_term(p);

		if (n)
			n->end = p->pos;
		return n;
	}
}

static struct qnode *parse_unary(struct parser *p)
{
	size_t start;
	struct qnode *n, *a;

	skip_space(p);
	start = p->pos;
	if (keyword(p, "NOT") || (cur(p) == '-' && p->pos + 1 < p->len &&
				  !is_space((unsigned char)p->text[p->pos + 1]) && p->text[p->pos + 1] != ')')) {
		int is_not = cur(p) == 'N';

		if (++p->depth > QUERY_MAX_DEPTH)
			return fail(p, p->pos, "nested too deeply (at most %d)", QUERY_MAX_DEPTH);
		p->pos += is_not ? 3 : 1;
		a = is_not ? parse_unary(p) : parse_primary(p);
		p->depth--;
		if (!a)
			return NULL;
		n = node_new(QN_NOT, start);
		n->a = a;
		return n;
	}
	if (cur(p) == '-')
		return fail(p, p->pos, "expected a term after '-'");
	return parse_primary(p);
}

static struct qnode *join(enum qkind kind, struct qnode *a, struct qnode *b)
{
	struct qnode *n = node_new(kind, a->pos);

	n->a = a;
	n->b = b;
	return n;
}

static struct qnode *parse_and(struct parser *p)
{
	struct qnode *left = parse_unary(p), *right;

	while (left) {
		skip_space(p);
		if (at_end(p) || cur(p) == ')' || keyword(p, "OR"))
			break;
		if (keyword(p, "AND")) {
			p->pos += 3;
			skip_space(p);
			if (at_end(p) || cur(p) == ')' || keyword(p, "OR") || keyword(p, "AND")) {
				qnode_free(left);
				return fail(p, p->pos, "expected a term after AND");
			}
		}
		right = parse_unary(p);
		if (!right) {
			qnode_free(left);
			return NULL;
		}
		left = join(QN_AND, left, right);
	}
	return left;
}

static struct qnode *parse_or(struct parser *p)
{
	struct qnode *left = parse_and(p), *right;

	while (left) {
		skip_space(p);
		if (!keyword(p, "OR"))
			break;
		p->pos += 2;
		skip_space(p);
		if (at_end(p) || cur(p) == ')' || keyword(p, "OR") || keyword(p, "AND")) {
			qnode_free(left);
			return fail(p, p->pos, "expected a term after OR");
		}
		right = parse_and(p);
		if (!right) {
			qnode_free(left);
			return NULL;
		}
		left = join(QN_OR, left, right);
	}
	return left;
}

struct qnode *qparse(const char *text, usec_t now, struct query_error *err, struct qunknown *uk)
{
	struct parser p = { text, strlen(text), 0, now, 0, 0, err, 0, uk };
	struct qnode *n;

	memset(err, 0, sizeof(*err));
	if (uk)
		memset(uk, 0, sizeof(*uk));
	if (p.len > QUERY_MAX_LEN) {
		qerror_at(err, text, QUERY_MAX_LEN, "query too long (at most %d bytes)", QUERY_MAX_LEN);
		return NULL;
	}
	for (size_t i = 0; i < p.len; i++) {
		if ((unsigned char)text[i] < 0x20 && !is_space((unsigned char)text[i])) {
			qerror_at(err, text, i, "control character in the query");
			return NULL;
		}
	}
	skip_space(&p);
	if (at_end(&p))
		return node_new(QN_ALL, 0);
	n = parse_or(&p);
	if (!n)
		return NULL;
	skip_space(&p);
	if (!at_end(&p)) {
		qnode_free(n);
		if (cur(&p) == ')')
			return fail(&p, p.pos, "unexpected ')' without a matching '('");
		return fail(&p, p.pos, "unexpected input");
	}
	return n;
}
