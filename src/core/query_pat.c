/*
 * query_pat.c - the value and path patterns of the query language (see
 * query_int.h): glob matching with `*`, SQLite GLOB translation, literal
 * prefixes for index ranges, and segment-wise path comparison. Pure
 * string functions, linear in their input except `*` backtracking, which
 * is bounded by the classic two-pointer algorithm (O(n*m) worst case).
 */
#include <string.h>

#include "query_int.h"

/* Glob match with '*' only; with escapes, "\*" and "\\" are literals. */
static int glob_match(const char *p, size_t plen, const char *s, size_t slen, int escapes)
{
	size_t pi = 0, si = 0, star_p = (size_t)-1, star_s = 0;

	while (si < slen) {
		if (pi < plen && p[pi] == '*') {
			star_p = ++pi;
			star_s = si;
			continue;
		}
		if (pi < plen) {
			size_t w = 1;
			char c = p[pi];

			if (escapes && c == '\\' && pi + 1 < plen) {
				c = p[pi + 1];
				w = 2;
			}
			if (c == s[si]) {
				pi += w;
				si++;
				continue;
			}
		}
		if (star_p == (size_t)-1)
			return 0;
		pi = star_p;
		si = ++star_s;
	}
	while (pi < plen && p[pi] == '*')
		pi++;
	return pi == plen;
}

int ppat_name_match(const char *pat, size_t plen, const char *s, size_t slen)
{
	return glob_match(pat, plen, s, slen, 0);
}

int vpat_has_wild(const char *p)
{
	for (; *p; p++) {
		if (*p == '\\' && p[1])
			p++;
		else if (*p == '*')
			return 1;
	}
	return 0;
}

void vpat_literal(const char *p, struct buf *out)
{
	for (; *p; p++) {
		if (*p == '\\' && p[1])
			p++;
		buf_addch(out, *p);
	}
}

void vpat_prefix(const char *p, struct buf *out)
{
	for (; *p && *p != '*'; p++) {
		if (*p == '\\' && p[1])
			p++;
		buf_addch(out, *p);
	}
}

void vpat_to_glob(const char *p, struct buf *out)
{
	for (; *p; p++) {
		char c = *p;

		if (c == '*') {
			buf_addch(out, '*');
			continue;
		}
		if (c == '\\' && p[1])
			c = *++p;
		if (c == '*' || c == '?' || c == '[')
			buf_addf(out, "[%c]", c);
		else
			buf_addch(out, c);
	}
}

/* A literal byte of a LIKE pattern (escape character backslash). */
static void like_literal(struct buf *out, char c)
{
	if (c == '%' || c == '_' || c == '\\')
		buf_addch(out, '\\');
	buf_addch(out, c);
}

void vpat_to_like(const char *p, struct buf *out)
{
	for (; *p; p++) {
		char c = *p;

		if (c == '*') {
			buf_addch(out, '%');
			continue;
		}
		if (c == '\\' && p[1])
			c = *++p;
		like_literal(out, c);
	}
}

void like_prefix(const char *prefix, size_t len, struct buf *out)
{
	for (size_t i = 0; i < len; i++)
		like_literal(out, prefix[i]);
	buf_addch(out, '%');
}

int vpat_match(const char *p, const char *s, size_t len)
{
	return glob_match(p, strlen(p), s, len, 1);
}

int action_has_tail_rule(const char *p)
{
	return !strpbrk(p, ":.");
}

const char *action_last_component(const char *action, size_t len, size_t *tail_len)
{
	size_t i = len;

	while (i > 0 && action[i - 1] != ':' && action[i - 1] != '.')
		i--;
	*tail_len = len - i;
	return i ? action + i : NULL;
}

int action_match(const char *p, const char *action, size_t len)
{
	const char *tail;
	size_t tlen;

	if (vpat_match(p, action, len))
		return 1;
	if (!action_has_tail_rule(p) || !(tail = action_last_component(action, len, &tlen)))
		return 0;
	return vpat_match(p, tail, tlen);
}

int str_prefix_upper(const char *prefix, size_t len, struct buf *out)
{
	while (len && (unsigned char)prefix[len - 1] == 0xff)
		len--;
	if (!len)
		return 0;
	buf_reset(out);
	buf_add(out, prefix, len);
	out->buf[len - 1] = (char)((unsigned char)out->buf[len - 1] + 1);
	return 1;
}

static int name_char(char c, int wild)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '-' || (wild && c == '*');
}

struct seg ppat_next_seg(const char *s, size_t n, size_t *i, int wild)
{
	struct seg g = { SEG_END, NULL, 0 };
	size_t j = *i;

	if (j >= n)
		return g;
	g.kind = SEG_BAD;
	if (s[j] == '.' && j > 0)
		j++;
	else if (s[j] == '.')
		return g;
	if (j < n && s[j] == '[') {
		j++;
		if (j < n && s[j] == '"') {
			size_t k = ++j;

			while (k < n && s[k] != '"') {
				if (s[k] == '\\' && k + 1 < n)
					k++;
				k++;
			}
			if (k + 1 >= n || s[k + 1] != ']')
				return g;
			g.kind = SEG_QUOTED;
			g.s = s + j;
			g.len = k - j;
			*i = k + 2;
			return g;
		}
		if (wild && j + 1 < n && s[j] == '*' && s[j + 1] == ']') {
			g.kind = SEG_ANY_INDEX;
			*i = j + 2;
			return g;
		}
		{
			size_t k = j;

			while (k < n && s[k] >= '0' && s[k] <= '9')
				k++;
			if (k == j || k >= n || s[k] != ']')
				return g;
			g.kind = SEG_INDEX;
			g.s = s + j;
			g.len = k - j;
			*i = k + 1;
			return g;
		}
	}
	if (*i > 0 && s[*i] != '.')
		return g;      /* a name must start the path or follow '.' */
	{
		size_t k = j;

		while (k < n && name_char(s[k], wild))
			k++;
		if (k == j || (k < n && s[k] != '.' && s[k] != '['))
			return g;
		g.kind = SEG_NAME;
		g.s = s + j;
		g.len = k - j;
		*i = k;
		return g;
	}
}

int ppat_check(const char *p, size_t len, const char **why, size_t *off)
{
	size_t i = 0;

	while (i < len) {
		size_t at = i;
		struct seg g = ppat_next_seg(p, len, &i, 1);

		if (g.kind == SEG_BAD) {
			*off = at;
			if (p[at] == '[')
				*why = "expected [N], [*] or [\"key\"]";
			else if (p[at] == '.' && (at == 0 || at + 1 >= len))
				*why = "expected a member name";
			else
				*why = "expected a member name, '.' or '['";
			return -1;
		}
	}
	return 0;
}

void ppat_prefix(const char *p, struct buf *out)
{
	int in_quote = 0;

	for (; *p; p++) {
		if (in_quote) {
			if (*p == '\\' && p[1])
				buf_addch(out, *p++);
			else if (*p == '"')
				in_quote = 0;
		} else if (*p == '*') {
			/* "[*]" leaves "[" in the prefix */
			break;
		} else if (*p == '[' && p[1] == '"') {
			in_quote = 1;
			buf_addch(out, *p++);
		}
		buf_addch(out, *p);
	}
}

static int seg_match(const struct seg *pat, const struct seg *path)
{
	switch (pat->kind) {
	case SEG_ANY_INDEX:
		return path->kind == SEG_INDEX;
	case SEG_INDEX:
		return path->kind == SEG_INDEX && pat->len == path->len && !memcmp(pat->s, path->s, pat->len);
	case SEG_QUOTED:
		return path->kind == SEG_QUOTED && pat->len == path->len && !memcmp(pat->s, path->s, pat->len);
	case SEG_NAME:
		return (path->kind == SEG_NAME || path->kind == SEG_QUOTED) &&
		       ppat_name_match(pat->s, pat->len, path->s, path->len);
	default:
		return 0;
	}
}

int ppat_relate(const char *pat, const char *path, size_t pathlen, const char **rest)
{
	size_t pi = 0, si = 0, plen = strlen(pat);

	for (;;) {
		size_t at = pi;
		struct seg a = ppat_next_seg(pat, plen, &pi, 1);
		struct seg b;

		if (a.kind == SEG_END)
			return 1;
		b = ppat_next_seg(path, pathlen, &si, 0);
		if (b.kind == SEG_END) {
			*rest = pat + at + (pat[at] == '.');
			return 2;
		}
		if (a.kind == SEG_BAD || b.kind == SEG_BAD || !seg_match(&a, &b))
			return 0;
	}
}
