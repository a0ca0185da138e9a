/*
 * query_terms.c - what a query looks for, as text to highlight: the words
 * and phrases of its free-text terms, the literal parts of its field and
 * value terms (actor:alice, after.enabled:true) and its regexes, leaving
 * out anything under NOT. The TUI's search highlights these in rows and
 * in the event view. Parses the query once (query_parse.c); reads no rows.
 */
#include <string.h>

#include "query_int.h"

static void add_unique(struct query_strings *l, const char *s, size_t len)
{
	for (size_t i = 0; i < l->n; i++)
		if (strlen(l->v[i]) == len && !memcmp(l->v[i], s, len))
			return;
	ALLOC_GROW(l->v, l->n + 1, l->alloc);
	l->v[l->n++] = xstrndup(s, len);
}

/* The literal runs of a value pattern (wildcards split them); runs
 * shorter than two bytes would light up half the screen. */
static void add_literals(struct query_strings *words, const char *pattern)
{
	struct buf lit = BUF_INIT;
	size_t start = 0;

	if (!pattern)
		return;
	vpat_literal(pattern, &lit);
	for (size_t i = 0; i <= lit.len; i++) {
		if (i < lit.len && lit.buf[i] != '*')
			continue;
		if (i - start >= 2)
			add_unique(words, lit.buf + start, i - start);
		start = i + 1;
	}
	buf_release(&lit);
}

static void walk(const struct qnode *n, struct query_terms *out)
{
	if (!n)
		return;
	switch (n->kind) {
	case QN_AND:
	case QN_OR:
		walk(n->a, out);
		walk(n->b, out);
		break;
	case QN_FIELD:
		if (n->field != QF_ACTOR_TYPE)
			add_literals(&out->words, n->value);
		break;
	case QN_VALUE:
		add_literals(&out->words, n->value);
		break;
	case QN_TEXT:
		if (n->value && strlen(n->value) >= 2)
			add_unique(&out->words, n->value, strlen(n->value));
		break;
	case QN_REGEX:
		if (n->value) {
			add_unique(&out->regexes, n->value, strlen(n->value));
			if (out->regexes.n > out->regex_flags.n) {
				ALLOC_GROW(out->regex_flags.v, out->regex_flags.n + 1, out->regex_flags.alloc);
				out->regex_flags.v[out->regex_flags.n++] = xstrdup(n->flags);
			}
		}
		break;
	default: /* NOT, time, risk, outcome, changed: nothing to light up */
		break;
	}
}

int query_terms(const char *text, struct query_terms *out)
{
	struct query_error err;
	struct qnode *tree = qparse(text, 0, &err);

	if (!tree)
		return -1;
	walk(tree, out);
	qnode_free(tree);
	return 0;
}

void query_terms_release(struct query_terms *t)
{
	query_strings_release(&t->words);
	query_strings_release(&t->regexes);
	query_strings_release(&t->regex_flags);
}
