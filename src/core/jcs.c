/*
 * jcs.c - RFC 8785 canonical JSON (JCS) over jansson values, the strict
 * reader every importer goes through, and JCS equality for diffs.
 *
 * Cost: serializing copies each object's member list once to sort it
 * (O(m log m) per object, comparing keys as UTF-16 without converting
 * them). A number costs up to 17 snprintf/strtod round trips to find its
 * shortest form. Parsing is jansson's, plus one walk of the tree for the
 * depth limit; the text is rescanned only to locate a depth error. The
 * exact form (jcs_serialize_exact, for derived event ids) scans the text
 * once more for its number tokens and looks each number up by address.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>

#include "trailscope/jcs.h"
#include "trailscope/json_build.h"
#include "trailscope/util.h"

/* Guards jcs_serialize and json_equal_canonical against values built in
 * code (or cyclic ones) that would exhaust the stack; parsed values stop
 * at JSON_MAX_DEPTH long before this. */
#define JCS_NEST_LIMIT 1024

/* ---- numbers ---- */

/* Parses digits[0..k) as the decimal d.ddd x 10^exp10, without a decimal
 * point so that the locale cannot matter. */
static double digits_value(const char *digits, int k, int exp10)
{
	char tmp[48];

	snprintf(tmp, sizeof(tmp), "%.*se%d", k, digits, exp10 - (k - 1));
	return strtod(tmp, NULL);
}

/* Adds (dir 1) or subtracts (dir -1) one unit in the last of the k digits,
 * keeping k digits: 9.99 + 0.01 is 1.00e1, 1.00 - 0.01 is 9.99e-1. */
static void digits_step(char *digits, int k, int *exp10, int dir)
{
	int i = k - 1;

	if (dir > 0) {
		while (i >= 0 && digits[i] == '9')
			digits[i--] = '0';
		if (i >= 0) {
			digits[i]++;
		} else {
			digits[0] = '1';
			(*exp10)++;
		}
	} else {
		while (i >= 0 && digits[i] == '0')
			digits[i--] = '9';
		digits[i]--; /* i >= 0: the leading digit is never 0 */
		if (digits[0] == '0') {
			memmove(digits, digits + 1, (size_t)k - 1);
			digits[k - 1] = '9';
			(*exp10)--;
		}
	}
}

/*
 * Finds the shortest decimal d.ddd x 10^exp10 that reads back as d (d >
 * 0, finite), and among those of that length the one nearest d, as
 * ECMA-262 Number::toString asks. printf rounds correctly (ties to even
 * on the exact binary value), so the nearest k-digit decimal is "%.*e";
 * at a power of two the rounding interval is lopsided, so the neighbour
 * on the far side may read back as d when the nearest does not. Writes
 * the digits (no trailing zeros, NUL-terminated) and returns their count.
 */
static int shortest_digits(double d, char digits[20], int *exp10)
{
	for (int p = 1; p <= 17; p++) {
		char tmp[48], *s;
		int k = 0, e = 0, neg = 0;

		snprintf(tmp, sizeof(tmp), "%.*e", p - 1, d);
		/* Digits up to 'e', skipping the decimal point, whatever it is. */
		for (s = tmp; *s && *s != 'e'; s++)
			if (*s >= '0' && *s <= '9' && k < p)
				digits[k++] = *s;
		if (*s++ != 'e' || k != p)
			die("jcs: unexpected printf output \"%s\"", tmp);
		if (*s == '-' || *s == '+')
			neg = *s++ == '-';
		for (; *s >= '0' && *s <= '9'; s++)
			e = e * 10 + (*s - '0');
		e = neg ? -e : e;

		double v = digits_value(digits, k, e);

		if (v != d) {
			if (p == 17)
				die("jcs: %.17g does not round-trip", d);
			digits_step(digits, k, &e, v < d ? 1 : -1);
			if (digits_value(digits, k, e) != d)
				continue;
		}
		while (k > 1 && digits[k - 1] == '0')
			k--;
		digits[k] = '\0';
		*exp10 = e;
		return k;
	}
	die("jcs: no shortest form for %.17g", d);
}

/* Appends 0.digits x 10^n (k digits, the first and last not 0) as
 * ECMA-262 Number::toString lays it out: plain digits up to 21 places,
 * else an exponent. */
static void format_digits(const char *digits, size_t k, long long n, struct buf *out)
{
	if ((long long)k <= n && n <= 21) {
		buf_add(out, digits, k);
		for (long long i = (long long)k; i < n; i++)
			buf_addch(out, '0');
	} else if (0 < n && n <= 21) {
		buf_add(out, digits, (size_t)n);
		buf_addch(out, '.');
		buf_add(out, digits + n, k - (size_t)n);
	} else if (-6 < n && n <= 0) {
		buf_addstr(out, "0.");
		for (long long i = n; i < 0; i++)
			buf_addch(out, '0');
		buf_add(out, digits, k);
	} else {
		buf_addch(out, digits[0]);
		if (k > 1) {
			buf_addch(out, '.');
			buf_add(out, digits + 1, k - 1);
		}
		buf_addf(out, "e%c%lld", n - 1 < 0 ? '-' : '+', n - 1 < 0 ? 1 - n : n - 1);
	}
}

void jcs_format_number(double d, struct buf *out)
{
	char digits[20];
	int k, e;

	if (!isfinite(d))
		die("jcs_format_number: non-finite number");
	if (d == 0) {
		buf_addch(out, '0'); /* -0 too */
		return;
	}
	if (d < 0) {
		buf_addch(out, '-');
		d = -d;
	}
	if (d < 9007199254740992.0 && d == (double)(uint64_t)d) {
		/* fast path: a whole number below 2^53 prints as its integer */
		char tmp[24];
		int len = 0;

		for (uint64_t u = (uint64_t)d; u; u /= 10)
			tmp[len++] = (char)('0' + u % 10);
		while (len)
			buf_addch(out, tmp[--len]);
		return;
	}
	k = shortest_digits(d, digits, &e);
	format_digits(digits, (size_t)k, (long long)e + 1, out);
}

/* Appends the exact decimal value of the JSON number text num[0, len)
 * (already validated) the way format_digits writes it: no double in
 * between, so 9007199254740993 stays itself. */
void jcs_format_decimal(const char *num, size_t len, struct buf *out)
{
	struct buf digits = BUF_INIT;
	size_t i = 0, k;
	long long frac = 0, exp = 0, n;
	int neg = 0, eneg = 0;

	if (i < len && num[i] == '-') {
		neg = 1;
		i++;
	}
	for (; i < len && num[i] >= '0' && num[i] <= '9'; i++)
		if (digits.len || num[i] != '0')
			buf_addch(&digits, num[i]);
	if (i < len && num[i] == '.')
		for (i++; i < len && num[i] >= '0' && num[i] <= '9'; i++) {
			frac++;
			if (digits.len || num[i] != '0')
				buf_addch(&digits, num[i]);
		}
	if (i < len && (num[i] == 'e' || num[i] == 'E')) {
		i++;
		if (i < len && (num[i] == '+' || num[i] == '-'))
			eneg = num[i++] == '-';
		for (; i < len && num[i] >= '0' && num[i] <= '9'; i++)
			if (exp < 1000000000000LL)  /* saturate: far beyond any text's digits */
				exp = exp * 10 + (num[i] - '0');
	}
	k = digits.len;
	while (k > 0 && digits.buf[k - 1] == '0')
		k--;
	if (!k) {
		buf_addch(out, '0'); /* -0 too */
		buf_release(&digits);
		return;
	}
	/* the value is 0.D x 10^n, D the digits from the first that is
	 * not 0 (as many places before the point as digits.len - frac) */
	n = (long long)digits.len - frac + (eneg ? -exp : exp);
	if (neg)
		buf_addch(out, '-');
	format_digits(digits.buf, k, n, out);
	buf_release(&digits);
}

/* ---- serialization ---- */

/* Iterates over a UTF-8 string as UTF-16 code units. */
struct u16_iter {
	const unsigned char *s;
	size_t len, i;
	unsigned low; /* pending low surrogate, or 0 */
};

/* Returns the next code unit, or -1 at the end. Invalid bytes (jansson
 * never lets them into a key) stand for themselves. */
static long u16_next(struct u16_iter *it)
{
	unsigned cp;
	size_t n;

	if (it->low) {
		cp = it->low;
		it->low = 0;
		return cp;
	}
	if (it->i >= it->len)
		return -1;
	n = utf8_decode(it->s + it->i, it->len - it->i, &cp);
	if (!n) {
		n = 1;
		cp = it->s[it->i];
	}
	it->i += n;
	if (cp >= 0x10000) {
		cp -= 0x10000;
		it->low = 0xdc00 + (cp & 0x3ff);
		return 0xd800 + (cp >> 10);
	}
	return cp;
}

struct member {
	const char *key;
	size_t len;
	json_t *value;
};

static int member_cmp(const void *pa, const void *pb)
{
	const struct member *a = pa, *b = pb;
	const unsigned char *ka = (const unsigned char *)a->key, *kb = (const unsigned char *)b->key;
	size_t n = a->len < b->len ? a->len : b->len, i = 0;
	struct u16_iter ia = { ka, a->len, 0, 0 };
	struct u16_iter ib = { kb, b->len, 0, 0 };

	/* Up to the first byte that differs the keys are the same; where both
	 * bytes there are ASCII, each is a whole character in both orders,
	 * so the byte order is the UTF-16 order. Otherwise compare code units. */
	while (i < n && ka[i] == kb[i])
		i++;
	if (i == n)
		return a->len < b->len ? -1 : a->len > b->len;
	if (ka[i] < 0x80 && kb[i] < 0x80)
		return ka[i] < kb[i] ? -1 : 1;
	for (;;) {
		long ca = u16_next(&ia), cb = u16_next(&ib);

		if (ca != cb)
			return ca < cb ? -1 : 1;
		if (ca < 0)
			return 0;
	}
}

#define R16(x) x, x, x, x, x, x, x, x, x, x, x, x, x, x, x, x

/* 1 for the bytes a string literal holds as they are: printable ASCII
 * but '"' and '\\'. Control characters and those two are escaped; bytes
 * from 0x80 start a UTF-8 sequence, which is checked and copied. */
static const unsigned char plain_byte[256] = {
	R16(0), R16(0),                                 /* 0x00-0x1f */
	1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 0x20-0x2f: '"' */
	R16(1), R16(1),                                 /* 0x30-0x4f */
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1, /* 0x50-0x5f: '\\' */
	R16(1), R16(1),                                 /* 0x60-0x7f */
	R16(0), R16(0), R16(0), R16(0), R16(0), R16(0), R16(0), R16(0), /* 0x80-0xff */
};

/* Appends s as a JSON string literal, escaping only what RFC 8785 asks.
 * Room for the worst case (every byte as \u00XX) is made once, then each
 * run of bytes that need no escape is copied whole. */
static int write_string(const char *str, size_t len, struct buf *out, struct buf *err)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0;
	char *o;

	if (len > (BUF_MAX - 3) / 6) {
		buf_addstr(err, "cannot canonicalize: string too long");
		return -1;
	}
	buf_grow(out, len * 6 + 2);
	o = out->buf + out->len;
	*o++ = '"';
	while (i < len) {
		size_t run = i;

		for (;;) {
			unsigned cp;
			size_t n;

			while (i < len && plain_byte[s[i]])
				i++;
			if (i == len || s[i] < 0x80)
				break;
			n = utf8_decode(s + i, len - i, &cp);
			if (!n) {
				out->buf[out->len] = '\0';
				buf_addf(err, "invalid UTF-8 in string (byte 0x%02x at offset %zu)",
					 s[i], i);
				return -1;
			}
			i += n;
		}
		memcpy(o, s + run, i - run);
		o += i - run;
		if (i == len)
			break;
		*o++ = '\\';
		switch (s[i]) {
		case '"': *o++ = '"'; break;
		case '\\': *o++ = '\\'; break;
		case '\b': *o++ = 'b'; break;
		case '\t': *o++ = 't'; break;
		case '\n': *o++ = 'n'; break;
		case '\f': *o++ = 'f'; break;
		case '\r': *o++ = 'r'; break;
		default:
			memcpy(o, "u00", 3);
			o[3] = hex[s[i] >> 4];
			o[4] = hex[s[i] & 15];
			o += 5;
			break;
		}
		i++;
	}
	*o++ = '"';
	out->len = (size_t)(o - out->buf);
	out->buf[out->len] = '\0';
	return 0;
}

/* Where each number of a parsed value came from in its text (for
 * jcs_serialize_exact), sorted by value; NULL: write doubles. */
struct numsrc {
	const json_t *v;
	const char *text;
	size_t len;
};

struct numsrcs {
	struct numsrc *v;
	size_t n;
};

static int numsrc_cmp(const void *pa, const void *pb)
{
	const struct numsrc *a = pa, *b = pb;

	return a->v < b->v ? -1 : a->v > b->v;
}

static int serialize(const json_t *v, struct buf *out, struct buf *err, int depth,
		     const struct numsrcs *ns);

static int serialize_object(const json_t *v, struct buf *out, struct buf *err, int depth,
			    const struct numsrcs *ns)
{
	size_t n = json_object_size(v), i = 0;
	struct member small[16], *m;
	void *it;
	int ret = 0;

	if (!n) {
		buf_addstr(out, "{}");
		return 0;
	}
	m = n <= ARRAY_SIZE(small) ? small : xcalloc(n, sizeof(*m));
	for (it = json_object_iter((json_t *)v); it && i < n;
	     it = json_object_iter_next((json_t *)v, it), i++) {
		m[i].key = json_object_iter_key(it);
		m[i].len = json_object_iter_key_len(it);
		m[i].value = json_object_iter_value(it);
	}
	n = i;
	qsort(m, n, sizeof(*m), member_cmp);
	buf_addch(out, '{');
	for (i = 0; i < n && !ret; i++) {
		if (i)
			buf_addch(out, ',');
		ret = write_string(m[i].key, m[i].len, out, err);
		if (!ret) {
			buf_addch(out, ':');
			ret = serialize(m[i].value, out, err, depth + 1, ns);
		}
	}
	buf_addch(out, '}');
	if (m != small)
		free(m);
	return ret;
}

static int serialize(const json_t *v, struct buf *out, struct buf *err, int depth,
		     const struct numsrcs *ns)
{
	double d;

	if (depth > JCS_NEST_LIMIT) {
		buf_addf(err, "cannot canonicalize: nesting deeper than %d levels", JCS_NEST_LIMIT);
		return -1;
	}
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		return serialize_object(v, out, err, depth, ns);
	case JSON_ARRAY:
		buf_addch(out, '[');
		for (size_t i = 0; i < json_array_size(v); i++) {
			if (i)
				buf_addch(out, ',');
			if (serialize(json_array_get(v, i), out, err, depth + 1, ns))
				return -1;
		}
		buf_addch(out, ']');
		return 0;
	case JSON_STRING:
		return write_string(json_string_value(v), json_string_length(v), out, err);
	case JSON_INTEGER:
	case JSON_REAL:
		if (ns) {
			struct numsrc key = { v, NULL, 0 }, *src;

			src = bsearch(&key, ns->v, ns->n, sizeof(*ns->v), numsrc_cmp);
			if (!src) {
				buf_addstr(err, "cannot canonicalize: a number without its source text");
				return -1;
			}
			jcs_format_decimal(src->text, src->len, out);
			return 0;
		}
		d = json_number_value(v);
		if (!isfinite(d)) {
			buf_addstr(err, "cannot canonicalize a non-finite number");
			return -1;
		}
		jcs_format_number(d, out);
		return 0;
	case JSON_TRUE:
		buf_addstr(out, "true");
		return 0;
	case JSON_FALSE:
		buf_addstr(out, "false");
		return 0;
	case JSON_NULL:
		buf_addstr(out, "null");
		return 0;
	}
	buf_addstr(err, "cannot canonicalize: unknown JSON type");
	return -1;
}

int jcs_serialize(const json_t *v, struct buf *out, struct buf *err)
{
	size_t start = out->len;

	if (!v) {
		buf_addstr(err, "cannot canonicalize: no value");
		return -1;
	}
	if (serialize(v, out, err, 0, NULL)) {
		if (out->alloc)
			buf_setlen(out, start);
		return -1;
	}
	return 0;
}

/* Appends v's numbers to ns in document order (jansson keeps members in
 * the order it read them). */
static void collect_numbers(const json_t *v, struct numsrcs *ns, size_t *alloc, int depth)
{
	const char *key;
	json_t *m;
	size_t i;

	if (depth > JCS_NEST_LIMIT)
		return;
	if (json_is_number(v)) {
		ALLOC_GROW(ns->v, ns->n + 1, *alloc);
		ns->v[ns->n++].v = v;
	} else if (json_is_object(v)) {
		json_object_foreach((json_t *)v, key, m)
			collect_numbers(m, ns, alloc, depth + 1);
	} else if (json_is_array(v)) {
		json_array_foreach(v, i, m)
			collect_numbers(m, ns, alloc, depth + 1);
	}
}

/* The index of the first byte at or after i of the JSON text that is
 * outside every string (a string, quotes included, is skipped); len when
 * there is none. For the scanners that walk lexed text. */
static size_t outside_strings(const char *text, size_t len, size_t i)
{
	while (i < len && text[i] == '"') {
		for (i++; i < len && text[i] != '"'; i++)
			if (text[i] == '\\')
				i++;
		i++;
	}
	return i < len ? i : len;
}

/* Sets the text of each of ns's numbers from the number tokens of text,
 * in order; returns how many tokens there are. */
static size_t number_tokens(const char *text, size_t len, struct numsrcs *ns)
{
	size_t found = 0;

	for (size_t i = outside_strings(text, len, 0); i < len; i = outside_strings(text, len, i + 1)) {
		char c = text[i];

		if (c == '-' || (c >= '0' && c <= '9')) {
			size_t end = i;

			while (end < len && text[end] && strchr("0123456789+-.eE", text[end]))
				end++;
			if (found < ns->n) {
				ns->v[found].text = text + i;
				ns->v[found].len = end - i;
			}
			found++;
			i = end - 1;
		}
	}
	return found;
}

int jcs_number_text(const json_t *root, const char *text, size_t len, const json_t *num, struct buf *out)
{
	struct numsrcs ns = { NULL, 0 };
	size_t alloc = 0;
	int ret = -1;

	collect_numbers(root, &ns, &alloc, 0);
	if (number_tokens(text, len, &ns) == ns.n)
		for (size_t i = 0; i < ns.n; i++)
			if (ns.v[i].v == num) {
				jcs_format_decimal(ns.v[i].text, ns.v[i].len, out);
				ret = 0;
				break;
			}
	free(ns.v);
	return ret;
}

int jcs_serialize_exact(const json_t *v, const char *text, size_t len, struct buf *out, struct buf *err)
{
	struct numsrcs ns = { NULL, 0 };
	size_t alloc = 0, found, start = out->len;
	int ret = -1;

	if (!v) {
		buf_addstr(err, "cannot canonicalize: no value");
		return -1;
	}
	collect_numbers(v, &ns, &alloc, 0);
	found = number_tokens(text, len, &ns);
	if (found != ns.n) {
		buf_addf(err, "cannot canonicalize: %zu numbers in the text, %zu in the value", found, ns.n);
		goto out;
	}
	if (ns.n)
		qsort(ns.v, ns.n, sizeof(*ns.v), numsrc_cmp);
	if (serialize(v, out, err, 0, &ns)) {
		if (out->alloc)
			buf_setlen(out, start);
		goto out;
	}
	ret = 0;
out:
	free(ns.v);
	return ret;
}

void json_append(struct buf *out, const json_t *v)
{
	struct buf err = BUF_INIT;

	if (jcs_serialize(v, out, &err))
		die("json_append: %s", err.buf);
}

int json_whole_number(const json_t *v, long long *out)
{
	double d;

	if (json_is_integer(v)) {
		*out = (long long)json_integer_value(v);
		return 0;
	}
	if (!json_is_real(v))
		return -1;
	d = json_real_value(v);
	/* -2^63 and 2^63 are exact doubles; NaN fails both comparisons. */
	if (!(d >= -9223372036854775808.0 && d < 9223372036854775808.0) || d != floor(d))
		return -1;
	*out = (long long)d;
	return 0;
}

long long json_whole_or(const json_t *v, long long dflt)
{
	long long n;

	return json_whole_number(v, &n) ? dflt : n;
}

/* ---- strict parsing ---- */

/* Depth of v: 0 for a scalar, 1 for [] or {}. Stops counting past limit. */
static int json_depth(const json_t *v, int limit)
{
	int max = 0, d;

	if (json_is_object(v)) {
		const char *key;
		json_t *m;

		if (limit <= 0)
			return 1;
		json_object_foreach((json_t *)v, key, m) {
			if ((d = json_depth(m, limit - 1)) > max)
				max = d;
			if (max >= limit)
				break;
		}
		return max + 1;
	}
	if (json_is_array(v)) {
		if (limit <= 0)
			return 1;
		for (size_t i = 0; i < json_array_size(v) && max < limit; i++)
			if ((d = json_depth(json_array_get(v, i), limit - 1)) > max)
				max = d;
		return max + 1;
	}
	return 0;
}

/* 1 when text holds more than limit '[' and '{' bytes, anywhere: only
 * then can a value read from it nest deeper than limit. */
static int brackets_over(const char *text, size_t len, int limit)
{
	size_t n = 0;

	for (size_t i = 0; i < len; i++)
		n += text[i] == '[' || text[i] == '{';
	return n > (size_t)limit;
}

/* 1-based line and byte column of text[off] (off may equal len). */
static void locate(const char *text, size_t len, size_t off, int *line, int *col)
{
	size_t start = 0;
	int l = 1;

	if (off > len)
		off = len;
	for (size_t i = 0; i < off; i++) {
		if (text[i] == '\n') {
			l++;
			start = i + 1;
		}
	}
	*line = l;
	*col = (int)(off - start + 1);
}

/* Offset of the bracket that opens level JSON_MAX_DEPTH + 1 in a text
 * jansson has lexed that far, or len if there is none. */
static size_t find_too_deep(const char *text, size_t len)
{
	int depth = 0;

	for (size_t i = outside_strings(text, len, 0); i < len; i = outside_strings(text, len, i + 1)) {
		char c = text[i];

		if (c == '[' || c == '{') {
			if (++depth > JSON_MAX_DEPTH)
				return i;
		} else if (c == ']' || c == '}') {
			depth--;
		}
	}
	return len;
}

/*
 * Where a jansson error points: jansson's position is just past the token
 * it choked on, which its message quotes ("... near '\"a\"'"), so point at
 * the token's first byte when the quote matches the text; otherwise at
 * the last byte read. A control character in a string is not consumed.
 */
static size_t error_offset(const char *text, size_t len, const json_error_t *jerr)
{
	size_t pos = jerr->position > 0 ? (size_t)jerr->position : 0;
	const char *near = strstr(jerr->text, " near '");
	size_t tlen;

	if (pos > len)
		pos = len;
	if (!strncmp(jerr->text, "control character", 17) ||
	    !strncmp(jerr->text, "unexpected newline", 18))
		return pos;
	if (near) {
		near += 7;
		tlen = strlen(near);
		if (tlen > 1 && near[tlen - 1] == '\'' && tlen - 1 <= pos &&
		    !memcmp(text + pos - (tlen - 1), near, tlen - 1))
			return pos - (tlen - 1);
	}
	return pos ? pos - 1 : 0;
}

json_t *json_parse_strict(const char *text, size_t len, int *line, int *col, struct buf *err)
{
	json_error_t jerr;
	json_t *v;
	size_t off;

	*line = 1;
	*col = 1;
	if (len > JSON_MAX_RECORD) {
		buf_addf(err, "record larger than %u MiB", JSON_MAX_RECORD >> 20);
		return NULL;
	}
	if (len >= 3 && !memcmp(text, "\xef\xbb\xbf", 3)) {
		buf_addstr(err, "byte order mark (U+FEFF) before the JSON text");
		return NULL;
	}
	/* the one-pass reader first; jansson for what it is not sure of,
	 * and for every error's message and place */
	if ((v = json_build_strict(text, len)))
		return v;
	v = json_loadb(text, len, JSON_REJECT_DUPLICATES | JSON_DECODE_INT_AS_REAL |
		       JSON_ALLOW_NUL | JSON_DECODE_ANY, &jerr);
	if (!v) {
		size_t pos = jerr.position > 0 ? (size_t)jerr.position : 0;

		switch (json_error_code(&jerr)) {
		case json_error_stack_overflow:
			locate(text, len, find_too_deep(text, len), line, col);
			buf_addf(err, "nesting deeper than %d levels", JSON_MAX_DEPTH);
			return NULL;
		case json_error_invalid_utf8: {
			/* jansson stops before the bad byte; its "near" text is noise. */
			const char *near = strstr(jerr.text, " near '");
			int n = near ? (int)(near - jerr.text) : (int)strlen(jerr.text);

			locate(text, len, pos, line, col);
			buf_addf(err, "invalid UTF-8: %.*s", n, jerr.text);
			return NULL;
		}
		case json_error_premature_end_of_input:
			off = pos;
			break;
		default:
			off = error_offset(text, len, &jerr);
			break;
		}
		locate(text, len, off, line, col);
		buf_addstr(err, jerr.text[0] ? jerr.text : "invalid JSON");
		return NULL;
	}
	/* the tree is only walked when the text holds enough brackets to
	 * nest that deep (most records hold a few dozen) */
	if (brackets_over(text, len, JSON_MAX_DEPTH) && json_depth(v, JSON_MAX_DEPTH + 1) > JSON_MAX_DEPTH) {
		locate(text, len, find_too_deep(text, len), line, col);
		buf_addf(err, "nesting deeper than %d levels", JSON_MAX_DEPTH);
		json_decref(v);
		return NULL;
	}
	return v;
}

/* ---- equality ---- */

static int equal(const json_t *a, const json_t *b, int depth)
{
	if (a == b)
		return 1;
	if (!a || !b || depth > JCS_NEST_LIMIT)
		return 0;
	if (json_is_number(a) && json_is_number(b))
		return json_number_value(a) == json_number_value(b);
	if (json_typeof(a) != json_typeof(b))
		return 0;
	switch (json_typeof(a)) {
	case JSON_OBJECT: {
		if (json_object_size(a) != json_object_size(b))
			return 0;
		for (void *it = json_object_iter((json_t *)a); it;
		     it = json_object_iter_next((json_t *)a, it)) {
			json_t *m = json_object_getn(b, json_object_iter_key(it),
						     json_object_iter_key_len(it));

			if (!equal(json_object_iter_value(it), m, depth + 1))
				return 0;
		}
		return 1;
	}
	case JSON_ARRAY:
		if (json_array_size(a) != json_array_size(b))
			return 0;
		for (size_t i = 0; i < json_array_size(a); i++)
			if (!equal(json_array_get(a, i), json_array_get(b, i), depth + 1))
				return 0;
		return 1;
	case JSON_STRING:
		return json_string_length(a) == json_string_length(b) &&
		       !memcmp(json_string_value(a), json_string_value(b), json_string_length(a));
	default:
		return 1; /* true, false, null: the type is the value */
	}
}

int json_equal_canonical(const json_t *a, const json_t *b)
{
	return equal(a, b, 0);
}
