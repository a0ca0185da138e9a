/*
 * json_build.c - a one-pass reader that builds jansson values
 * (json_build.h), for the import's hot path: every record goes through
 * json_parse_strict, and jansson's own lexer saves each byte of the text
 * with a function call and a copy before it builds anything. This reader
 * scans strings a run of plain bytes at a time, takes a string without
 * escapes straight from the text, and builds through jansson's public
 * API, so the values are jansson's own and are freed by json_decref as
 * usual.
 *
 * It vouches only for what it is sure jansson accepts the same way (the
 * grammar of RFC 8259, jansson's UTF-8 and escape rules, duplicate names
 * refused, every number a double as jansson's strtod makes it); anything
 * else returns NULL and the caller asks jansson, which also words every
 * error. The differential harness tests/fuzz/fuzz_json_build.c holds it
 * to that, value for value and bit for bit.
 */
#include <errno.h>
#include <locale.h>
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "trailscope/buf.h"
#include "trailscope/jcs.h"
#include "trailscope/json_build.h"

#define NUMBER_MAX 64           /* bytes of one number's text */
#define ESCAPED_NAME_MAX 1024   /* bytes of a member name with escapes */
#define SHORT_STRING 512        /* escaped strings up to this decode on the stack */

struct reader {
	const unsigned char *s;
	size_t n, i;
};

/* 1 for the bytes that end a run of plain string bytes: the quote, the
 * backslash, control characters and the start of every multi-byte form. */
static const unsigned char special[256] = {
	[0x00 ... 0x1f] = 1, ['"'] = 1, ['\\'] = 1, [0x80 ... 0xff] = 1,
};

static locale_t c_locale;
static pthread_once_t c_locale_once = PTHREAD_ONCE_INIT;

static void c_locale_make(void)
{
	c_locale = newlocale(LC_ALL_MASK, "C", (locale_t)0);
}

static void skip_ws(struct reader *r)
{
	while (r->i < r->n && (r->s[r->i] == ' ' || r->s[r->i] == '\n' ||
			       r->s[r->i] == '\r' || r->s[r->i] == '\t'))
		r->i++;
}

static int hex_digit(unsigned c)
{
	if (c >= '0' && c <= '9')
		return (int)(c - '0');
	if (c >= 'a' && c <= 'f')
		return (int)(c - 'a' + 10);
	if (c >= 'A' && c <= 'F')
		return (int)(c - 'A' + 10);
	return -1;
}

/* The value of the four hex digits at s[0..3] (the caller has checked
 * there are four bytes), or -1. */
static long hex4(const unsigned char *s)
{
	long v = 0;

	for (int k = 0; k < 4; k++) {
		int d = hex_digit(s[k]);

		if (d < 0)
			return -1;
		v = v << 4 | d;
	}
	return v;
}

size_t json_escape_len(const unsigned char *s, size_t n, long *unit)
{
	long u, low;

	if (n < 2 || s[0] != '\\')
		return 0;
	switch (s[1]) {
	case '"': case '\\': case '/': case 'b': case 'f': case 'n': case 'r': case 't':
		if (unit)
			*unit = s[1];
		return 2;
	case 'u':
		break;
	default:
		return 0;
	}
	if (n < 6 || (u = hex4(s + 2)) < 0 || (u >= 0xDC00 && u <= 0xDFFF))
		return 0;       /* bad digits, or a low surrogate alone */
	if (unit)
		*unit = u;
	if (u < 0xD800 || u > 0xDBFF)
		return 6;
	if (n < 12 || s[6] != '\\' || s[7] != 'u' || (low = hex4(s + 8)) < 0xDC00 || low > 0xDFFF)
		return 0;       /* a high surrogate not followed by a low one */
	return 12;
}

/*
 * The string whose opening quote is at r->i, checked as jansson checks
 * it: its raw bytes (between the quotes) in *p and *len, whether it holds
 * an escape in *escaped, and r->i past the closing quote. 0 when jansson
 * would refuse it (or would surely refuse the text).
 */
static int scan_string(struct reader *r, const unsigned char **p, size_t *len, int *escaped)
{
	const unsigned char *s = r->s;
	size_t i = r->i + 1, n = r->n;

	*p = s + i;
	*escaped = 0;
	for (;;) {
		unsigned c;
		size_t k;

		while (i < n && !special[s[i]])
			i++;
		if (i >= n)
			return 0;
		c = s[i];
		if (c == '"')
			break;
		if (c >= 0x80) {
			unsigned cp;

			if (!(k = utf8_decode(s + i, n - i, &cp)))
				return 0;
			i += k;
			continue;
		}
		if (c != '\\' || i + 1 >= n)
			return 0;       /* a control character, or the text ends */
		*escaped = 1;
		if (!(k = json_escape_len(s + i, n - i, NULL)))
			return 0;
		i += k;
	}
	*len = (size_t)(s + i - *p);
	r->i = i + 1;
	return 1;
}

static size_t utf8_put(unsigned char *out, unsigned long cp)
{
	if (cp < 0x80) {
		out[0] = (unsigned char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (unsigned char)(0xC0 | cp >> 6);
		out[1] = (unsigned char)(0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (unsigned char)(0xE0 | cp >> 12);
		out[1] = (unsigned char)(0x80 | (cp >> 6 & 0x3F));
		out[2] = (unsigned char)(0x80 | (cp & 0x3F));
		return 3;
	}
	out[0] = (unsigned char)(0xF0 | cp >> 18);
	out[1] = (unsigned char)(0x80 | (cp >> 12 & 0x3F));
	out[2] = (unsigned char)(0x80 | (cp >> 6 & 0x3F));
	out[3] = (unsigned char)(0x80 | (cp & 0x3F));
	return 4;
}

/* Decodes the escapes of len raw bytes that scan_string accepted into
 * out, which holds at least len bytes (no escape decodes longer than it
 * is written). Returns the decoded length. */
static size_t unescape(const unsigned char *p, size_t len, unsigned char *out)
{
	size_t i = 0, o = 0;

	while (i < len) {
		unsigned long cp;

		if (p[i] != '\\') {
			out[o++] = p[i++];
			continue;
		}
		switch (p[i + 1]) {
		case 'b': out[o++] = '\b'; i += 2; continue;
		case 'f': out[o++] = '\f'; i += 2; continue;
		case 'n': out[o++] = '\n'; i += 2; continue;
		case 'r': out[o++] = '\r'; i += 2; continue;
		case 't': out[o++] = '\t'; i += 2; continue;
		case 'u': break;
		default: out[o++] = p[i + 1]; i += 2; continue;     /* " \ / */
		}
		cp = (unsigned long)hex4(p + i + 2);
		i += 6;
		if (cp >= 0xD800 && cp <= 0xDBFF) {
			cp = 0x10000 + ((cp - 0xD800) << 10) + ((unsigned long)hex4(p + i + 2) - 0xDC00);
			i += 6;
		}
		o += utf8_put(out + o, cp);
	}
	return o;
}

/* The string value at r->i, or NULL. */
static json_t *read_string(struct reader *r)
{
	const unsigned char *p;
	unsigned char small[SHORT_STRING], *out;
	size_t len, dlen;
	int escaped;
	json_t *v;

	if (!scan_string(r, &p, &len, &escaped))
		return NULL;
	if (!escaped)
		return json_stringn_nocheck((const char *)p, len);
	out = len <= sizeof(small) ? small : malloc(len);
	if (!out)
		return NULL;
	dlen = unescape(p, len, out);
	v = json_stringn_nocheck((const char *)out, dlen);
	if (out != small)
		free(out);
	return v;
}

/* The member name at r->i into *name and *len (pointing into the text or
 * into buf, ESCAPED_NAME_MAX bytes). 0 when not sure. */
static int read_name(struct reader *r, unsigned char *buf, const char **name, size_t *len)
{
	const unsigned char *p;
	size_t raw;
	int escaped;

	if (r->i >= r->n || r->s[r->i] != '"' || !scan_string(r, &p, &raw, &escaped))
		return 0;
	if (!escaped) {
		*name = (const char *)p;
		*len = raw;
		return 1;
	}
	if (raw > ESCAPED_NAME_MAX)
		return 0;
	*len = unescape(p, raw, buf);
	*name = (const char *)buf;
	return !memchr(buf, '\0', *len);        /* jansson refuses NUL in names */
}

static int is_digit(unsigned c)
{
	return c >= '0' && c <= '9';
}

/*
 * The number at r->i as the double jansson makes of it (JSON_DECODE_INT_AS_REAL:
 * strtod over the whole token), or NULL. An integer of up to 18 digits is
 * exact in an int64_t and its conversion is correctly rounded, as glibc's
 * strtod is, so it skips strtod; "-0" stays negative zero, as strtod
 * makes it.
 */
static json_t *read_number(struct reader *r)
{
	const unsigned char *s = r->s;
	size_t i = r->i, n = r->n, start = r->i, digits;
	int neg = 0, plain = 1;
	int64_t whole = 0;
	char text[NUMBER_MAX + 1];
	double d;

	if (s[i] == '-') {
		neg = 1;
		i++;
	}
	if (i >= n)
		return NULL;
	if (s[i] == '0') {
		i++;
	} else if (s[i] >= '1' && s[i] <= '9') {
		digits = 0;
		while (i < n && is_digit(s[i])) {
			if (++digits <= 18)
				whole = whole * 10 + (s[i] - '0');
			else
				plain = 0;
			i++;
		}
	} else {
		return NULL;
	}
	if (i < n && s[i] == '.') {
		plain = 0;
		if (++i >= n || !is_digit(s[i]))
			return NULL;
		while (i < n && is_digit(s[i]))
			i++;
	}
	if (i < n && (s[i] == 'e' || s[i] == 'E')) {
		plain = 0;
		i++;
		if (i < n && (s[i] == '+' || s[i] == '-'))
			i++;
		if (i >= n || !is_digit(s[i]))
			return NULL;
		while (i < n && is_digit(s[i]))
			i++;
	}
	r->i = i;
	if (plain) {
		d = (double)whole;
		return json_real(neg ? -d : d);
	}
	if (i - start > NUMBER_MAX)
		return NULL;
	pthread_once(&c_locale_once, c_locale_make);
	if (!c_locale)
		return NULL;
	memcpy(text, s + start, i - start);
	text[i - start] = '\0';
	errno = 0;
	d = strtod_l(text, NULL, c_locale);
	if (errno == ERANGE && isinf(d))
		return NULL;    /* jansson: "real number overflow" */
	return json_real(d);
}

/* true, false or null at r->i, or NULL. */
static json_t *read_word(struct reader *r)
{
	size_t left = r->n - r->i;
	const unsigned char *p = r->s + r->i;

	if (left >= 4 && !memcmp(p, "true", 4)) {
		r->i += 4;
		return json_true();
	}
	if (left >= 5 && !memcmp(p, "false", 5)) {
		r->i += 5;
		return json_false();
	}
	if (left >= 4 && !memcmp(p, "null", 4)) {
		r->i += 4;
		return json_null();
	}
	return NULL;
}

/* Puts v (a new reference, taken) under the innermost open container.
 * 0 when it cannot: a name already in the object. */
static int attach(json_t *parent, const char *name, size_t len, json_t *v)
{
	size_t before;

	if (json_is_array(parent))
		return !json_array_append_new(parent, v);
	before = json_object_size(parent);
	if (json_object_setn_new_nocheck(parent, name, len, v))
		return 0;
	return json_object_size(parent) > before;
}

json_t *json_build_strict(const char *text, size_t n)
{
	struct reader r = { (const unsigned char *)text, n, 0 };
	json_t *open[JSON_BUILD_DEPTH_MAX];     /* the open containers, outermost first */
	size_t depth = 0;
	json_t *root = NULL, *v;
	unsigned char name_buf[ESCAPED_NAME_MAX];
	const char *name = NULL;
	size_t name_len = 0;
	int container;

	if (n > JSON_MAX_RECORD)
		return NULL;
	skip_ws(&r);
	goto value;

member:         /* inside an object, at a member's name */
	if (!read_name(&r, name_buf, &name, &name_len))
		goto fail;
	skip_ws(&r);
	if (r.i >= n || r.s[r.i] != ':')
		goto fail;
	r.i++;
	skip_ws(&r);
	/* fall through to the value */
value:          /* at a value's first byte */
	if (r.i >= n)
		goto fail;
	container = 0;
	switch (r.s[r.i]) {
	case '{':
		v = json_object();
		container = 1;
		break;
	case '[':
		v = json_array();
		container = 1;
		break;
	case '"':
		v = read_string(&r);
		break;
	case '-': case '0': case '1': case '2': case '3': case '4':
	case '5': case '6': case '7': case '8': case '9':
		v = read_number(&r);
		break;
	default:
		v = read_word(&r);
		break;
	}
	if (!v)
		goto fail;
	if (!depth)
		root = v;
	else if (!attach(open[depth - 1], name, name_len, v))
		goto fail;
	if (container) {
		if (depth == JSON_BUILD_DEPTH_MAX)
			goto fail;
		open[depth++] = v;
		r.i++;
		skip_ws(&r);
		if (r.i < n && r.s[r.i] == (json_is_object(v) ? '}' : ']'))
			goto close;
		if (json_is_object(v))
			goto member;
		goto value;
	}
	if (!depth)
		goto end;
	goto after;

close:          /* at the closing bracket of the innermost open container */
	depth--;
	r.i++;
	if (!depth)
		goto end;
	/* fall through */
after:          /* just past a value inside an open container */
	skip_ws(&r);
	if (r.i >= n)
		goto fail;
	if (r.s[r.i] == ',') {
		r.i++;
		skip_ws(&r);
		if (json_is_object(open[depth - 1]))
			goto member;
		goto value;
	}
	if (r.s[r.i] == (json_is_object(open[depth - 1]) ? '}' : ']'))
		goto close;
	goto fail;

end:            /* past the outermost value */
	skip_ws(&r);
	if (r.i == n)
		return root;
fail:
	json_decref(root);
	return NULL;
}
