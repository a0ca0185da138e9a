/*
 * json_scan.c - a validating pass over one JSON object that builds no tree
 * (json_scan.h). It answers "surely valid" only for a text that
 * json_parse_strict (jcs.c: jansson with duplicate names refused,
 * integers read as doubles, "\u0000" allowed, nesting at most
 * JSON_MAX_DEPTH) accepts, and "not sure" for everything else, so the
 * caller keeps the strict parser's verdict and message for any text this
 * pass does not vouch for.
 *
 * What jansson accepts, and this pass checks byte by byte: RFC 8259's
 * grammar; strings of well-formed UTF-8 (no overlong form, no surrogate,
 * nothing past U+10FFFF) with no raw byte below 0x20, escapes among
 * \" \\ \/ \b \f \n \r \t \uXXXX, a \u high surrogate only followed by a
 * \u low one and no low one alone; numbers as -?(0|[1-9]\d*)(\.\d+)?
 * (an exponent is "not sure": its range decides whether jansson's
 * strtod overflows); true, false, null; no two members of one object
 * with the same name; nothing after the value but whitespace.
 *
 * Cost: one pass over the bytes, no allocation. A member name is compared
 * with the earlier names of its own object only (names are never
 * escaped here, so equal bytes are equal names); an object's compares are
 * quadratic in its members, bounded by the 512 names held at once.
 */
#include <string.h>

#include "trailscope/buf.h"
#include "trailscope/jcs.h"
#include "trailscope/json_build.h"
#include "trailscope/json_scan.h"

#define SCAN_DEPTH_MAX 32       /* well below JSON_MAX_DEPTH */
#define SCAN_NAMES_MAX 512      /* names of the open objects, held at once */
#define SCAN_NUMBER_MAX 40      /* bytes: no double overflows below that */

struct span {
	const unsigned char *p;
	size_t n;
};

struct scan {
	const unsigned char *s;
	size_t n, i;
	struct span names[SCAN_NAMES_MAX];
	size_t nnames;
};

static void skip_ws(struct scan *sc)
{
	while (sc->i < sc->n && (sc->s[sc->i] == ' ' || sc->s[sc->i] == '\t' ||
				 sc->s[sc->i] == '\n' || sc->s[sc->i] == '\r'))
		sc->i++;
}

/* The string whose opening quote is at sc->i: its bytes into *v, and
 * sc->i past its closing quote. 0 when not sure. */
static int scan_string(struct scan *sc, struct json_scan_value *v)
{
	const unsigned char *s = sc->s;
	size_t i = sc->i + 1, len;
	long unit;

	v->type = JSCAN_STRING;
	v->p = (const char *)s + i;
	v->escaped = 0;
	for (;;) {
		unsigned c;

		if (i >= sc->n)
			return 0;
		c = s[i];
		if (c == '"')
			break;
		if (c < 0x20)
			return 0;
		if (c < 0x80 && c != '\\') {
			i++;
			continue;
		}
		if (c >= 0x80) {
			unsigned cp;

			if (!(len = utf8_decode(s + i, sc->n - i, &cp)))
				return 0;
			i += len;
			continue;
		}
		v->escaped = 1;
		if (!(len = json_escape_len(s + i, sc->n - i, &unit)) || unit == 0)
			return 0;       /* refused, or "\u0000" (not sure here) */
		i += len;
	}
	v->n = (size_t)((const char *)s + i - v->p);
	sc->i = i + 1;
	return 1;
}

static int is_digit(unsigned c)
{
	return c >= '0' && c <= '9';
}

/* The number at sc->i, sc->i past it. 0 when not sure. */
static int scan_number(struct scan *sc)
{
	const unsigned char *s = sc->s;
	size_t i = sc->i;

	if (s[i] == '-')
		i++;
	if (i >= sc->n)
		return 0;
	if (s[i] == '0')
		i++;
	else if (s[i] >= '1' && s[i] <= '9')
		while (i < sc->n && is_digit(s[i]))
			i++;
	else
		return 0;
	if (i < sc->n && s[i] == '.') {
		i++;
		if (i >= sc->n || !is_digit(s[i]))
			return 0;
		while (i < sc->n && is_digit(s[i]))
			i++;
	}
	if (i < sc->n && (s[i] == 'e' || s[i] == 'E'))
		return 0;
	if (i - sc->i > SCAN_NUMBER_MAX)
		return 0;
	sc->i = i;
	return 1;
}

/* true, false or null at sc->i, sc->i past it. 0 when it is none. */
static int scan_word(struct scan *sc, enum json_scan_type *type)
{
	static const struct { const char *w; size_t n; enum json_scan_type t; } words[] = {
		{ "true", 4, JSCAN_TRUE }, { "false", 5, JSCAN_FALSE }, { "null", 4, JSCAN_NULL },
	};

	for (size_t k = 0; k < sizeof(words) / sizeof(words[0]); k++) {
		if (sc->n - sc->i >= words[k].n && !memcmp(sc->s + sc->i, words[k].w, words[k].n)) {
			sc->i += words[k].n;
			*type = words[k].t;
			return 1;
		}
	}
	return 0;
}

/* Adds a member name of the innermost open object, whose names start at
 * names[first]. 0 when it repeats one of them, or when too many are held. */
static int add_name(struct scan *sc, size_t first, const struct json_scan_value *name)
{
	for (size_t k = first; k < sc->nnames; k++)
		if (sc->names[k].n == name->n && !memcmp(sc->names[k].p, name->p, name->n))
			return 0;
	if (sc->nnames == SCAN_NAMES_MAX)
		return 0;
	sc->names[sc->nnames].p = (const unsigned char *)name->p;
	sc->names[sc->nnames].n = name->n;
	sc->nnames++;
	return 1;
}

int json_scan_object(const char *text, size_t n, struct json_scan_member *out, size_t max)
{
	struct scan sc;
	unsigned char open[SCAN_DEPTH_MAX];     /* '{' or '[' of each open value */
	size_t names_at[SCAN_DEPTH_MAX];        /* each open object's first name */
	size_t depth = 0, count = 0, value_at = 0;
	enum json_scan_type type = JSCAN_NULL;
	struct json_scan_value name;

	if (n > JSON_MAX_RECORD)
		return -1;
	sc.s = (const unsigned char *)text;
	sc.n = n;
	sc.i = 0;
	sc.nnames = 0;
	skip_ws(&sc);
	if (sc.i >= n || sc.s[sc.i] != '{')
		return -1;
	goto value;

member:         /* inside an object, at a member's name */
	if (sc.i >= n || sc.s[sc.i] != '"' || !scan_string(&sc, &name) || name.escaped ||
	    !add_name(&sc, names_at[depth - 1], &name))
		return -1;
	skip_ws(&sc);
	if (sc.i >= n || sc.s[sc.i] != ':')
		return -1;
	sc.i++;
	skip_ws(&sc);
	if (depth == 1) {
		if (count == max)
			return -1;
		out[count].name = name;
		value_at = sc.i;
	}
	/* fall through to the value */
value:          /* at a value's first byte */
	if (sc.i >= n)
		return -1;
	switch (sc.s[sc.i]) {
	case '{':
	case '[':
		if (depth == SCAN_DEPTH_MAX)
			return -1;
		open[depth] = sc.s[sc.i];
		names_at[depth] = sc.nnames;
		depth++;
		sc.i++;
		skip_ws(&sc);
		if (sc.i < n && sc.s[sc.i] == (open[depth - 1] == '{' ? '}' : ']'))
			goto close;
		if (open[depth - 1] == '{')
			goto member;
		goto value;
	case '"': {
		struct json_scan_value str;

		if (!scan_string(&sc, &str))
			return -1;
		type = JSCAN_STRING;
		break;
	}
	case '-': case '0': case '1': case '2': case '3': case '4':
	case '5': case '6': case '7': case '8': case '9':
		if (!scan_number(&sc))
			return -1;
		type = JSCAN_NUMBER;
		break;
	default:
		if (!scan_word(&sc, &type))
			return -1;
		break;
	}
	goto after;

close:          /* at the closing bracket of the innermost open value */
	type = open[depth - 1] == '{' ? JSCAN_OBJECT : JSCAN_ARRAY;
	sc.nnames = names_at[depth - 1];
	depth--;
	sc.i++;
	if (depth == 0) {
		skip_ws(&sc);
		return sc.i == n ? (int)count : -1;
	}
	/* fall through */
after:          /* just past a value inside an open one */
	if (depth == 1) {
		struct json_scan_value *v = &out[count++].value;

		v->type = type;
		v->p = text + value_at;
		v->n = sc.i - value_at;
		v->escaped = 0;
		if (type == JSCAN_STRING) {
			v->p++;
			v->n -= 2;
			v->escaped = memchr(v->p, '\\', v->n) != NULL;
		}
	}
	skip_ws(&sc);
	if (sc.i >= n)
		return -1;
	if (sc.s[sc.i] == ',') {
		sc.i++;
		skip_ws(&sc);
		if (open[depth - 1] == '{')
			goto member;
		goto value;
	}
	if (sc.s[sc.i] == (open[depth - 1] == '{' ? '}' : ']'))
		goto close;
	return -1;
}

const struct json_scan_value *json_scan_get(const struct json_scan_member *m, int n, const char *name)
{
	size_t len = strlen(name);

	for (int k = 0; k < n; k++)
		if (m[k].name.n == len && !memcmp(m[k].name.p, name, len))
			return &m[k].value;
	return NULL;
}

int json_scan_str_is(const struct json_scan_value *v, const char *s)
{
	return v && v->type == JSCAN_STRING && !v->escaped && v->n == strlen(s) && !memcmp(v->p, s, v->n);
}
