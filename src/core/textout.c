/*
 * textout.c - output helpers shared by the commands, the TUI and the
 * bundle renderings (see textout.h): thousands separators, CSV fields,
 * JSON values as terminal-safe text.
 */
#include <stdio.h>
#include <string.h>

#include "trailscope/jcs.h"
#include "trailscope/textout.h"

const char *text_thousands(unsigned long long n, char out[32])
{
	char tmp[32];
	int len = snprintf(tmp, sizeof(tmp), "%llu", n), o = 0;

	for (int i = 0; i < len; i++) {
		if (i && (len - i) % 3 == 0)
			out[o++] = ',';
		out[o++] = tmp[i];
	}
	out[o] = '\0';
	return out;
}

void text_csv_field(struct buf *out, const char *s, size_t len)
{
	struct buf safe = BUF_INIT;
	int formula, quote;

	/* the escaping leaves no control character, so no CR or LF to quote */
	buf_add_term_safe(&safe, s, len);
	formula = safe.len && strchr("=+-@", safe.buf[0]);
	quote = formula || strpbrk(safe.buf, "\", ") != NULL;
	if (!quote) {
		buf_add(out, safe.buf, safe.len);
	} else {
		buf_addch(out, '"');
		if (formula)
			buf_addch(out, '\'');
		for (size_t i = 0; i < safe.len; i++) {
			if (safe.buf[i] == '"')
				buf_addch(out, '"');
			buf_addch(out, safe.buf[i]);
		}
		buf_addch(out, '"');
	}
	buf_release(&safe);
}

void text_json_value(struct buf *out, const json_t *v, int unknown)
{
	struct buf b = BUF_INIT;

	if (unknown)
		buf_addstr(&b, "(unknown)");
	else if (!v)
		buf_addstr(&b, "(absent)");
	else
		json_append(&b, v);
	buf_add_term_safe(out, b.buf, b.len);
	buf_release(&b);
}
