/*
 * buf.h - the one growable byte buffer.
 *
 * A struct buf always points at valid, NUL-terminated memory (BUF_INIT
 * points at a shared empty string), so callers never test for NULL.
 * Growth aborts on allocation failure and on passing BUF_MAX, because
 * every buffer here may be fed by hostile input; code that reads input
 * enforces its own smaller limits before appending.
 */
#ifndef TRAILSCOPE_BUF_H
#define TRAILSCOPE_BUF_H

#include <stdarg.h>
#include <stddef.h>

#define BUF_MAX ((size_t)1 << 31) /* 2 GiB: more is a bug, not data */

struct buf {
	char *buf;    /* data, always NUL-terminated */
	size_t len;   /* bytes in use, excluding the NUL */
	size_t alloc; /* bytes allocated; 0 while buf points at buf_empty */
};

extern char buf_empty[];
#define BUF_INIT { buf_empty, 0, 0 }

void buf_init(struct buf *b);
/* Frees the memory and leaves b as BUF_INIT. */
void buf_release(struct buf *b);
/* Ensures room for extra more bytes (plus the NUL). */
void buf_grow(struct buf *b, size_t extra);
void buf_setlen(struct buf *b, size_t len);
static inline void buf_reset(struct buf *b) { buf_setlen(b, 0); }
void buf_add(struct buf *b, const void *data, size_t len);
void buf_addstr(struct buf *b, const char *s);
void buf_addch(struct buf *b, int c);
void buf_addf(struct buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void buf_vaddf(struct buf *b, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));
void buf_addhex(struct buf *b, const unsigned char *data, size_t len);
/* Appends s with control characters, DEL, C1 controls, invalid UTF-8 and
 * bidirectional overrides escaped (\x1b, \u202e), safe for a terminal. */
void buf_add_term_safe(struct buf *b, const char *s, size_t len);
/* Decodes the UTF-8 sequence at s[0..len) into *cp and returns its length
 * (1..4), or 0 when it is not well-formed (overlong, surrogate, beyond
 * U+10FFFF, truncated). len must be at least 1. */
size_t utf8_decode(const unsigned char *s, size_t len, unsigned *cp);
/* Returns the malloc'd string (caller frees) and resets b; *len may be NULL. */
char *buf_detach(struct buf *b, size_t *len);

#endif
