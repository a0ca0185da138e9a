/*
 * buf.c - the growable byte buffer (see buf.h), plus the terminal-safe
 * escaper every face of trailscope uses before data reaches a screen.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "trailscope/buf.h"
#include "trailscope/util.h"

char buf_empty[1];

void buf_init(struct buf *b)
{
	b->buf = buf_empty;
	b->len = 0;
	b->alloc = 0;
}

void buf_release(struct buf *b)
{
	if (b->alloc)
		free(b->buf);
	buf_init(b);
}

void buf_grow(struct buf *b, size_t extra)
{
	size_t need;

	if (extra > BUF_MAX || b->len + extra + 1 > BUF_MAX)
		die("buffer would exceed %zu bytes", (size_t)BUF_MAX);
	need = b->len + extra + 1;
	if (need <= b->alloc)
		return;
	size_t n = b->alloc ? b->alloc : 64;
	while (n < need)
		n = n < BUF_MAX / 2 ? n * 2 : BUF_MAX;
	if (!b->alloc) {
		b->buf = xmalloc(n);
		b->buf[0] = '\0';
	} else {
		b->buf = xrealloc(b->buf, n);
	}
	b->alloc = n;
}

void buf_setlen(struct buf *b, size_t len)
{
	if (!b->alloc) {
		if (len)
			die("buf_setlen beyond allocation");
		return;
	}
	if (len >= b->alloc)
		die("buf_setlen beyond allocation");
	b->len = len;
	b->buf[len] = '\0';
}

void buf_add(struct buf *b, const void *data, size_t len)
{
	if (!len)
		return;
	buf_grow(b, len);
	memcpy(b->buf + b->len, data, len);
	b->len += len;
	b->buf[b->len] = '\0';
}

void buf_addstr(struct buf *b, const char *s)
{
	buf_add(b, s, strlen(s));
}

void buf_addch(struct buf *b, int c)
{
	buf_grow(b, 1);
	b->buf[b->len++] = (char)c;
	b->buf[b->len] = '\0';
}

void buf_vaddf(struct buf *b, const char *fmt, va_list ap)
{
	va_list cp;
	int n;

	va_copy(cp, ap);
	n = vsnprintf(b->buf + b->len, b->alloc ? b->alloc - b->len : 0, fmt, cp);
	va_end(cp);
	if (n < 0)
		die("vsnprintf failed");
	if ((size_t)n >= (b->alloc ? b->alloc - b->len : 0)) {
		buf_grow(b, (size_t)n);
		n = vsnprintf(b->buf + b->len, b->alloc - b->len, fmt, ap);
		if (n < 0)
			die("vsnprintf failed");
	}
	b->len += (size_t)n;
}

void buf_addf(struct buf *b, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	buf_vaddf(b, fmt, ap);
	va_end(ap);
}

void buf_addhex(struct buf *b, const unsigned char *data, size_t len)
{
	static const char digits[] = "0123456789abcdef";

	buf_grow(b, len * 2);
	for (size_t i = 0; i < len; i++) {
		b->buf[b->len++] = digits[data[i] >> 4];
		b->buf[b->len++] = digits[data[i] & 15];
	}
	b->buf[b->len] = '\0';
}

size_t utf8_decode(const unsigned char *s, size_t len, unsigned *cp)
{
	unsigned c = s[0];
	size_t n;
	unsigned min;

	if (c < 0x80) {
		*cp = c;
		return 1;
	} else if ((c & 0xe0) == 0xc0) {
		n = 2; *cp = c & 0x1f; min = 0x80;
	} else if ((c & 0xf0) == 0xe0) {
		n = 3; *cp = c & 0x0f; min = 0x800;
	} else if ((c & 0xf8) == 0xf0) {
		n = 4; *cp = c & 0x07; min = 0x10000;
	} else {
		return 0;
	}
	if (len < n)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		*cp = (*cp << 6) | (s[i] & 0x3f);
	}
	if (*cp < min || *cp > 0x10ffff || (*cp >= 0xd800 && *cp <= 0xdfff))
		return 0;
	return n;
}

static int is_unsafe_codepoint(unsigned cp)
{
	return cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp < 0xa0) ||
	       (cp >= 0x202a && cp <= 0x202e) || /* bidi embeddings, overrides */
	       (cp >= 0x2066 && cp <= 0x2069) || /* bidi isolates */
	       cp == 0x200e || cp == 0x200f || cp == 0x061c ||
	       cp == 0x2028 || cp == 0x2029 || cp == 0xfeff;
}

void buf_add_term_safe(struct buf *b, const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;

	while (i < len) {
		unsigned cp;
		size_t n = utf8_decode(p + i, len - i, &cp);

		if (!n) {
			buf_addf(b, "\\x%02x", p[i]);
			i++;
			continue;
		}
		if (is_unsafe_codepoint(cp)) {
			if (cp == '\t')
				buf_addstr(b, "\\t");
			else if (cp == '\n')
				buf_addstr(b, "\\n");
			else if (cp == '\r')
				buf_addstr(b, "\\r");
			else if (cp < 0x100)
				buf_addf(b, "\\x%02x", cp);
			else
				buf_addf(b, "\\u%04x", cp);
		} else if (cp == '\\') {
			buf_addstr(b, "\\\\");
		} else {
			buf_add(b, p + i, n);
		}
		i += n;
	}
}

char *buf_detach(struct buf *b, size_t *len)
{
	char *s;

	if (len)
		*len = b->len;
	if (!b->alloc)
		s = xstrdup("");
	else
		s = b->buf;
	buf_init(b);
	return s;
}
