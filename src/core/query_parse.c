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
	int in_rule;           /* parsing a named rule's query: no rule: inside */
	struct qunknown *uk;   /* NULL, or where an unknown key is described */
};

/* The named rules rule:ID expands (query_set_rules), process-wide. */
static const struct query_rule *named_rules;
static size_t n_named_rules;

void query_set_rules(const struct query_rule *rules, size_t n)
{
	named_rules = rules;
	n_named_rules = rules ? n : 0;
}

int query_col_of(const char *text, size_t pos)
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
	err->col = query_col_of(text, pos);
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
	"after.PATH, since, until, hour, weekday, risk, outcome, around, rule";

/* Every key, for suggestions. */
static const char *const all_keys[] = {
	"actor", "actor-type", "target", "target-kind", "kind", "env", "environment", "action", "id",
	"changed", "since", "until", "hour", "weekday", "risk", "outcome", "around", "rule", "before", "after",
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

/* A whole number of at most 2 digits at *s, advancing *s; -1 if none. */
static int read_small(const char **s)
{
	int v = -1;

	for (int i = 0; i < 2 && **s >= '0' && **s <= '9'; i++, (*s)++)
		v = (v < 0 ? 0 : v * 10) + (**s - '0');
	return v;
}

static const char *const weekday_names[7] = { "sun", "mon", "tue", "wed", "thu", "fri", "sat" };

/* A weekday name (three letters, or the whole English name) at *s:
 * 0 Sunday .. 6 Saturday, advancing *s; -1 if none. */
static int read_weekday(const char **s)
{
	static const char *const full[7] = { "sunday", "monday", "tuesday", "wednesday", "thursday",
					     "friday", "saturday" };

	for (int d = 0; d < 7; d++) {
		size_t n = strlen(full[d]);

		if (!strncmp(*s, full[d], n)) {
			*s += n;
			return d;
		}
	}
	for (int d = 0; d < 7; d++) {
		if (!strncmp(*s, weekday_names[d], 3)) {
			*s += 3;
			return d;
		}
	}
	return -1;
}

/*
 * hour:SPEC and weekday:SPEC (docs/QUERY.md): a comma-separated list of
 * items, each one value or a range (hours half-open, H1-H2 is H1 to
 * H2 - 1; weekdays inclusive; a range whose start is past its end wraps),
 * then optionally @+HH:MM or @-HH:MM, the UTC offset of the clock read.
 */
static struct qnode *parse_clock(struct parser *p, size_t start, size_t vpos, int weekday, const char *v)
{
	const char *s = v;
	unsigned bits = 0;
	int offset = 0;
	struct qnode *n;

	for (;;) {
		const char *item = s;
		int a = weekday ? read_weekday(&s) : read_small(&s), b;

		if (a < 0 || (!weekday && a > 23))
			return fail(p, vpos + (size_t)(item - v), weekday ?
				    "expected a weekday (mon, tue, wed, thu, fri, sat, sun)" :
				    "expected an hour from 0 to 23");
		b = weekday ? a : a + 1;
		if (*s == '-') {
			s++;
			item = s;
			b = weekday ? read_weekday(&s) : read_small(&s);
			if (b < 0 || (!weekday && b > 24))
				return fail(p, vpos + (size_t)(item - v), weekday ?
					    "expected a weekday after '-'" : "expected an hour from 1 to 24 after '-'");
			if (!weekday && a == b)
				return fail(p, vpos + (size_t)(item - v),
					    "empty hour range (write 0-24 for the whole day)");
		}
		if (weekday) {
			for (int d = a;; d = (d + 1) % 7) {
				bits |= 1u << d;
				if (d == b)
					break;
			}
		} else {
			for (int h = a; h != b; h = (h + 1) % 24) {
				bits |= 1u << h;
				if (b == 24 && h == 23)
					break;
			}
		}
		if (*s != ',')
			break;
		s++;
	}
	if (*s == '@') {
		const char *at = s++;
		int sign = *s == '-' ? -1 : *s == '+' ? 1 : 0, hh, mm = 0;

		if (sign)
			s++;
		hh = read_small(&s);
		if (*s == ':') {
			s++;
			mm = read_small(&s);
		}
		if (!sign || hh < 0 || hh > 14 || mm < 0 || mm > 59 || *s)
			return fail(p, vpos + (size_t)(at - v), "expected a UTC offset like @+02:00 or @-05:30");
		offset = sign * (hh * 60 + mm);
	}
	if (*s)
		return fail(p, vpos + (size_t)(s - v), weekday ?
			    "expected ',', '-', '@' or the end of the weekdays" :
			    "expected ',', '-', '@' or the end of the hours");
	n = node_new(QN_CLOCK, start);
	n->vpos = vpos;
	n->field = weekday;
	n->bits = bits;
	n->offset_min = offset;
	return n;
}

static struct qnode *parse_or(struct parser *p);

/* Every node of a rule's tree reports errors at the rule: term. */
static void place_at(struct qnode *n, size_t pos)
{
	if (!n)
		return;
	n->pos = n->vpos = pos;
	place_at(n->a, pos);
	place_at(n->b, pos);
}

/* rule:ID - the named rule's query (query_set_rules), as if written here
 * in parentheses; its terms and nesting count toward the limits. */
static struct qnode *parse_rule(struct parser *p, size_t start, size_t vpos, const char *id)
{
	const struct query_rule *r = NULL;
	struct query_error e;
	struct parser sub;
	struct qnode *n;

	if (p->in_rule)
		return fail(p, start, "rule: cannot be used inside a rule's query");
	for (size_t i = 0; i < n_named_rules && !r; i++)
		if (!strcmp(named_rules[i].id, id))
			r = &named_rules[i];
	if (!r) {
		struct buf names = BUF_INIT;

		for (size_t i = 0; i < n_named_rules && names.len < 160; i++)
			buf_addf(&names, "%s%s", i ? ", " : "", named_rules[i].id);
		fail(p, vpos, n_named_rules ? "no rule '%.64s' in the policy (rules: %s)" :
		     "no rule '%.64s': no policy is loaded (--policy FILE)%s", id, names.buf);
		buf_release(&names);
		return NULL;
	}
	memset(&sub, 0, sizeof(sub));
	sub.text = r->query;
	sub.len = strlen(r->query);
	sub.now = p->now;
	sub.depth = p->depth + 1;
	sub.terms = p->terms - 1;
	sub.err = &e;
	sub.in_rule = 1;
	memset(&e, 0, sizeof(e));
	if (sub.depth > QUERY_MAX_DEPTH)
		return fail(p, start, "nested too deeply (at most %d)", QUERY_MAX_DEPTH);
	skip_space(&sub);
	if (at_end(&sub)) {
		n = node_new(QN_ALL, start);
	} else {
		n = parse_or(&sub);
		skip_space(&sub);
		if (n && !at_end(&sub)) {
			qnode_free(n);
			n = NULL;
			fail(&sub, sub.pos, "unexpected input");
		}
	}
	if (!n)
		return fail(p, start, "rule '%.64s': col %d: %s", id, e.col, e.msg);
	p->terms = sub.terms;
	if (p->terms > QUERY_MAX_TERMS) {
		qnode_free(n);
		return fail(p, start, "too many terms (at most %d) with rule '%.64s'", QUERY_MAX_TERMS, id);
	}
	place_at(n, start);
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
	if (!strcmp(key, "hour") || !strcmp(key, "weekday") || !strcmp(key, "rule")) {
		struct buf lit = BUF_INIT;

		vpat_literal(v.buf, &lit);
		buf_release(&v);
		n = key[0] == 'r' ? parse_rule(p, start, vpos, lit.buf) :
		    parse_clock(p, start, vpos, key[0] == 'w', lit.buf);
		buf_release(&lit);
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
					    query_col_of(p->text, open));
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
	return qparse_as(text, now, 0, err, uk);
}

struct qnode *qparse_as(const char *text, usec_t now, int as_rule, struct query_error *err,
			struct qunknown *uk)
{
	struct parser p = { text, strlen(text), 0, now, 0, 0, err, 0, as_rule, uk };
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
