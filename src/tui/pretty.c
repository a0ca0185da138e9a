/*
 * pretty.c - JSON values pretty-printed for the screen: two-space
 * indentation, members in sorted order, numbers as JCS prints them, small
 * scalar-only containers on one line, and every string made terminal-safe
 * (quotes escaped as \" so the result still reads as JSON).
 */
#include <stdlib.h>
#include <string.h>

#include "trailscope/jcs.h"
#include "trailscope/util.h"
#include "draw.h"

#define INLINE_MAX 60

static void safe_string(struct buf *out, const char *s, size_t len)
{
	size_t start = 0;

	buf_addch(out, '"');
	for (size_t i = 0; i <= len; i++) {
		if (i == len || s[i] == '"') {
			tui_safe(out, s + start, i - start);
			if (i < len)
				buf_addstr(out, "\\\"");
			start = i + 1;
		}
	}
	buf_addch(out, '"');
}

static void scalar(const json_t *v, struct buf *out)
{
	switch (json_typeof(v)) {
	case JSON_STRING: safe_string(out, json_string_value(v), json_string_length(v)); break;
	case JSON_INTEGER: buf_addf(out, "%lld", (long long)json_integer_value(v)); break;
	case JSON_REAL: jcs_format_number(json_real_value(v), out); break;
	case JSON_TRUE: buf_addstr(out, "true"); break;
	case JSON_FALSE: buf_addstr(out, "false"); break;
	default: buf_addstr(out, "null"); break;
	}
}

static int cmp_key(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Sorted keys of an object (the array is malloc'd; keys borrowed). */
static const char **sorted_keys(const json_t *o, size_t *n)
{
	const char **keys = xmalloc((json_object_size(o) + 1) * sizeof(*keys));
	const char *k;
	json_t *val;
	size_t i = 0;

	json_object_foreach((json_t *)o, k, val)
		keys[i++] = k;
	qsort(keys, i, sizeof(*keys), cmp_key);
	*n = i;
	return keys;
}

static int all_scalars(const json_t *v)
{
	size_t i;
	const char *k;
	json_t *x;

	if (json_is_array(v)) {
		json_array_foreach(v, i, x)
			if (json_is_object(x) || json_is_array(x))
				return 0;
	} else {
		json_object_foreach((json_t *)v, k, x)
			if (json_is_object(x) || json_is_array(x))
				return 0;
	}
	return 1;
}

static void compact(const json_t *v, struct buf *out)
{
	if (json_is_array(v)) {
		buf_addch(out, '[');
		for (size_t i = 0; i < json_array_size(v); i++) {
			if (i)
				buf_addstr(out, ", ");
			compact(json_array_get(v, i), out);
		}
		buf_addch(out, ']');
	} else if (json_is_object(v)) {
		size_t n;
		const char **keys = sorted_keys(v, &n);

		buf_addch(out, '{');
		for (size_t i = 0; i < n; i++) {
			if (i)
				buf_addstr(out, ", ");
			safe_string(out, keys[i], strlen(keys[i]));
			buf_addstr(out, ": ");
			compact(json_object_get(v, keys[i]), out);
		}
		buf_addch(out, '}');
		free(keys);
	} else {
		scalar(v, out);
	}
}

static void indent_to(struct buf *out, int depth)
{
	for (int i = 0; i < depth; i++)
		buf_addstr(out, "  ");
}

static void pretty(const json_t *v, struct buf *out, int depth)
{
	size_t start = out->len;

	if (!json_is_array(v) && !json_is_object(v)) {
		scalar(v, out);
		return;
	}
	if (all_scalars(v)) {
		compact(v, out);
		if (out->len - start <= INLINE_MAX)
			return;
		buf_setlen(out, start);
	}
	if (json_is_array(v)) {
		if (!json_array_size(v)) {
			buf_addstr(out, "[]");
			return;
		}
		buf_addstr(out, "[\n");
		for (size_t i = 0; i < json_array_size(v); i++) {
			indent_to(out, depth + 1);
			pretty(json_array_get(v, i), out, depth + 1);
			buf_addstr(out, i + 1 < json_array_size(v) ? ",\n" : "\n");
		}
		indent_to(out, depth);
		buf_addch(out, ']');
	} else {
		size_t n;
		const char **keys = sorted_keys(v, &n);

		if (!n) {
			buf_addstr(out, "{}");
			free(keys);
			return;
		}
		buf_addstr(out, "{\n");
		for (size_t i = 0; i < n; i++) {
			indent_to(out, depth + 1);
			safe_string(out, keys[i], strlen(keys[i]));
			buf_addstr(out, ": ");
			pretty(json_object_get(v, keys[i]), out, depth + 1);
			buf_addstr(out, i + 1 < n ? ",\n" : "\n");
		}
		indent_to(out, depth);
		buf_addch(out, '}');
		free(keys);
	}
}

void pretty_json_buf(const json_t *v, struct buf *out)
{
	pretty(v, out, 0);
}

void pretty_json(const json_t *v, struct lines *L, enum role r, const char *prefix,
		 int width, int indent)
{
	struct buf text = BUF_INIT;
	size_t pos = 0;

	pretty(v, &text, 0);
	while (pos <= text.len) {
		const char *nl = memchr(text.buf + pos, '\n', text.len - pos);
		size_t ll = nl ? (size_t)(nl - (text.buf + pos)) : text.len - pos;
		size_t lead = 0;
		struct buf pre = BUF_INIT;

		while (lead < ll && text.buf[pos + lead] == ' ')
			lead++;
		if (pos == 0)
			buf_addstr(&pre, prefix);
		else
			for (int i = 0; i < indent; i++)
				buf_addch(&pre, ' ');
		lines_add_wrapped_safe(L, r, pre.buf, r, text.buf + pos, ll, width,
				       indent + (int)lead + 2);
		buf_release(&pre);
		pos += ll + 1;
		if (!nl)
			break;
	}
	buf_release(&text);
}
