/*
 * json_member.c - reads one top-level string member out of a JSON object's
 * text without building a tree (json_member.h): the raw record of a leaf
 * for the query language's regexes (sqlfuncs.c), the raw record of a
 * bundle record for bundle verify.
 */
#include <string.h>

#include "trailscope/json_member.h"

/* Skips the JSON string starting at p[i] == '"'; returns the index after
 * its closing quote, or n. */
static size_t skip_string(const char *p, size_t n, size_t i)
{
	i++;
	for (;;) {
		const char *q = memchr(p + i, '"', n - i);
		size_t bs = 0;

		if (!q)
			return n;
		i = (size_t)(q - p);
		while (bs < i && p[i - 1 - bs] == '\\')
			bs++;
		i++;
		if (!(bs & 1))
			return i;
	}
}

/* Skips one JSON value at p[i]; returns the index after it, or n. */
static size_t skip_value(const char *p, size_t n, size_t i)
{
	int depth = 0;

	while (i < n) {
		char ch = p[i];

		if (ch == '"') {
			i = skip_string(p, n, i);
		} else if (ch == '{' || ch == '[') {
			depth++;
			i++;
		} else if (ch == '}' || ch == ']') {
			if (!depth)
				return i;
			depth--;
			i++;
		} else if (ch == ',' && !depth) {
			return i;
		} else {
			i++;
		}
		if (!depth && (i >= n || p[i] == ',' || p[i] == '}' || p[i] == ']'))
			return i;
	}
	return n;
}

static void put_utf8(struct buf *out, unsigned cp)
{
	char b[4];
	size_t n;

	if (cp < 0x80) {
		b[0] = (char)cp;
		n = 1;
	} else if (cp < 0x800) {
		b[0] = (char)(0xc0 | cp >> 6);
		b[1] = (char)(0x80 | (cp & 0x3f));
		n = 2;
	} else if (cp < 0x10000) {
		b[0] = (char)(0xe0 | cp >> 12);
		b[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		b[2] = (char)(0x80 | (cp & 0x3f));
		n = 3;
	} else {
		b[0] = (char)(0xf0 | cp >> 18);
		b[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
		b[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
		b[3] = (char)(0x80 | (cp & 0x3f));
		n = 4;
	}
	buf_add(out, b, n);
}

static int hex4(const char *p, unsigned *out)
{
	unsigned v = 0;

	for (int i = 0; i < 4; i++) {
		char c = p[i];

		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v |= (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			v |= (unsigned)(c - 'A' + 10);
		else
			return -1;
	}
	*out = v;
	return 0;
}

/* Appends the unescaped contents of the JSON string p[0..n) (without
 * its quotes). */
static void unescape(const char *p, size_t n, struct buf *out)
{
	size_t i = 0;

	buf_grow(out, n);
	while (i < n) {
		const char *q = memchr(p + i, '\\', n - i);
		size_t run = q ? (size_t)(q - p) - i : n - i;
		unsigned cp, lo;

		buf_add(out, p + i, run);
		i += run;
		if (i + 1 >= n)
			break;
		i++;
		switch (p[i]) {
		case 'b': buf_addch(out, '\b'); break;
		case 'f': buf_addch(out, '\f'); break;
		case 'n': buf_addch(out, '\n'); break;
		case 'r': buf_addch(out, '\r'); break;
		case 't': buf_addch(out, '\t'); break;
		case 'u':
			if (i + 4 >= n || hex4(p + i + 1, &cp))
				return;
			i += 4;
			if (cp >= 0xd800 && cp < 0xdc00 && i + 6 < n && p[i + 1] == '\\' && p[i + 2] == 'u' &&
			    !hex4(p + i + 3, &lo) && lo >= 0xdc00 && lo < 0xe000) {
				cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
				i += 6;
			}
			put_utf8(out, cp);
			break;
		default: buf_addch(out, p[i]); break;
		}
		i++;
	}
}

int json_top_string(const char *p, size_t n, const char *key, struct buf *out)
{
	size_t klen = strlen(key);

	size_t i = 0;

	while (i < n && p[i] != '{')
		i++;
	i++;
	while (i < n) {
		size_t k = i, v;

		if (p[i] != '"')
			return -1;
		i = skip_string(p, n, i);
		if (i >= n || p[i] != ':')
			return -1;
		v = ++i;
		i = skip_value(p, n, i);
		if (v - k == klen + 3 && !memcmp(p + k + 1, key, klen) && v < n && p[v] == '"' && i - v >= 2) {
			unescape(p + v + 1, i - v - 2, out);
			return 0;
		}
		if (i >= n || p[i] != ',')
			return -1;
		i++;
	}
	return -1;
}
