/*
 * format_util.c - the record reader the platform formats share (JSON
 * lines streamed; one JSON document read whole and cut into records by a
 * structural scan, so each record keeps its original bytes and its own
 * position), and small helpers for times, JSON Pointers and members.
 *
 * Cost: JSON lines hold one line in memory; a document is held whole (at
 * most FMT_MAX_DOCUMENT) and each byte is scanned once by the splitter
 * and once by the strict parser of its record.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "trailscope/format_util.h"
#include "trailscope/jcs.h"
#include "trailscope/util.h"

#define SCAN_ERR ((size_t)-1)

/* ---- positions ---- */

/* Turns byte offsets into line:col, moving forward only. */
struct cursor {
	const char *text;
	size_t pos, line_start;
	long line;
};

static void cursor_to(struct cursor *c, size_t off, long *line, int *col)
{
	if (off < c->pos) {      /* never happens in order; restart */
		c->pos = c->line_start = 0;
		c->line = 1;
	}
	for (; c->pos < off; c->pos++)
		if (c->text[c->pos] == '\n') {
			c->line++;
			c->line_start = c->pos + 1;
		}
	*line = c->line;
	*col = (int)(off - c->line_start + 1);
}

/* ---- structural scan ---- */

static size_t skip_ws(const char *t, size_t len, size_t i)
{
	while (i < len && (t[i] == ' ' || t[i] == '\t' || t[i] == '\n' || t[i] == '\r'))
		i++;
	return i;
}

/* End (exclusive) of the JSON value starting at t[i], found by brackets
 * and strings only; the strict parser checks the rest. SCAN_ERR when the
 * text ends inside it. */
static size_t value_end(const char *t, size_t len, size_t i)
{
	long depth = 0;
	int in_string = 0;

	if (i >= len)
		return SCAN_ERR;
	if (t[i] != '"' && t[i] != '{' && t[i] != '[') {
		while (i < len && !strchr(",]}: \t\r\n", t[i]))
			i++;
		return i;
	}
	for (; i < len; i++) {
		char ch = t[i];

		if (in_string) {
			if (ch == '\\')
				i++;
			else if (ch == '"') {
				in_string = 0;
				if (depth == 0)
					return i + 1;
			}
		} else if (ch == '"') {
			in_string = 1;
		} else if (ch == '{' || ch == '[') {
			depth++;
		} else if (ch == '}' || ch == ']') {
			if (--depth == 0)
				return i + 1;
			if (depth < 0)
				return SCAN_ERR;
		}
	}
	return SCAN_ERR;
}

static int is_wrapper(const struct fmt_reader *r, const char *key)
{
	for (const char *const *w = r->wrappers; w && *w; w++)
		if (!strcmp(*w, key))
			return (int)(w - r->wrappers) + 1;
	return 0;
}

static size_t member_value(const char *text, size_t len, size_t i, const char *name, size_t nlen);

/* A wrapper "OUTER.INNER" names an array INNER inside the object member
 * OUTER (a search response's "hits.hits"): when key is OUTER and its
 * object value at text[vs, end) holds INNER as an array, returns where
 * that array starts and sets *rank; else SCAN_ERR. */
static size_t nested_wrapper(const struct fmt_reader *r, const char *key, const char *text,
			     size_t end, size_t vs, int *rank)
{
	for (const char *const *w = r->wrappers; w && *w; w++) {
		const char *dot = strchr(*w, '.');
		size_t at;

		if (!dot || strlen(key) != (size_t)(dot - *w) || memcmp(key, *w, (size_t)(dot - *w)) ||
		    text[vs] != '{')
			continue;
		at = member_value(text, end, vs, dot + 1, strlen(dot + 1));
		if (at != SCAN_ERR && text[at] == '[') {
			*rank = (int)(w - r->wrappers) + 1;
			return at;
		}
	}
	return SCAN_ERR;
}

size_t fmt_nul_at(const char *text, size_t len)
{
	int in_string = 0;

	if (!memmem(text, len, "\\u0000", 6))
		return FMT_NO_NUL;      /* the usual case: one pass of memmem */
	for (size_t i = 0; i < len; i++) {
		if (in_string) {
			if (text[i] == '"') {
				in_string = 0;
			} else if (text[i] == '\\') {
				if (i + 5 < len && !memcmp(text + i + 1, "u0000", 5))
					return i;
				i++;
			}
		} else if (text[i] == '"') {
			in_string = 1;
		}
	}
	return FMT_NO_NUL;
}

/* ---- reporting and emitting ---- */

/* Hands the formatted reason to the sink's bad(); returns its answer. */
static int vbad(struct fmt_reader *r, long line, int col, long index, const char *fmt, va_list ap)
	__attribute__((format(printf, 5, 0)));

static int vbad(struct fmt_reader *r, long line, int col, long index, const char *fmt, va_list ap)
{
	struct buf msg = BUF_INIT;
	int rc;

	buf_vaddf(&msg, fmt, ap);
	rc = r->sink->bad(r->sink->ctx, line, col > 0 ? col : 1, index, msg.buf);
	buf_release(&msg);
	return rc;
}

static int bad_at(struct fmt_reader *r, long line, int col, long index, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

static int bad_at(struct fmt_reader *r, long line, int col, long index, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = vbad(r, line, col, index, fmt, ap);
	va_end(ap);
	return rc;
}

int fmt_bad(struct fmt_reader *r, const struct fmt_record *rec, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = vbad(r, rec->line, rec->col, rec->index, fmt, ap);
	va_end(ap);
	return rc;
}

/* Offset in text[0, len) of the value of member name (raw, unescaped
 * bytes) of the object starting at text[i], or SCAN_ERR. */
static size_t member_value(const char *text, size_t len, size_t i, const char *name, size_t nlen)
{
	i = skip_ws(text, len, i);
	if (i >= len || text[i] != '{')
		return SCAN_ERR;
	for (i = skip_ws(text, len, i + 1); i < len && text[i] == '"';) {
		size_t ke = value_end(text, len, i), vs;

		if (ke == SCAN_ERR)
			return SCAN_ERR;
		vs = skip_ws(text, len, ke);
		if (vs >= len || text[vs] != ':')
			return SCAN_ERR;
		vs = skip_ws(text, len, vs + 1);
		if (ke - i - 2 == nlen && !memcmp(text + i + 1, name, nlen))
			return vs;
		i = value_end(text, len, vs);
		if (i == SCAN_ERR)
			return SCAN_ERR;
		i = skip_ws(text, len, i);
		if (i < len && text[i] == ',')
			i = skip_ws(text, len, i + 1);
	}
	return SCAN_ERR;
}

void fmt_member_pos(const struct fmt_record *rec, const char *path, long *line, int *col)
{
	size_t at = 0;

	*line = rec->line;
	*col = rec->col;
	while (*path) {
		size_t n = strcspn(path, ".");

		at = member_value(rec->raw, rec->raw_len, at, path, n);
		if (at == SCAN_ERR)
			return;         /* not found as written: the record's start */
		path += n + (path[n] == '.');
	}
	for (size_t i = 0; i < at; i++) {
		if (rec->raw[i] == '\n') {
			(*line)++;
			*col = 0;
		}
		(*col)++;
	}
}

int fmt_bad_at(struct fmt_reader *r, const struct fmt_record *rec, const char *member,
	       const char *fmt, ...)
{
	va_list ap;
	long line;
	int col, rc;

	fmt_member_pos(rec, member, &line, &col);
	va_start(ap, fmt);
	rc = vbad(r, line, col, rec->index, fmt, ap);
	va_end(ap);
	return rc;
}

int fmt_type_error(struct fmt_reader *r, const struct fmt_record *rec, const char *member,
		   const char *want)
{
	return fmt_bad_at(r, rec, member, "expected %s for \"%s\"", want, member);
}

struct event *fmt_event_new(void)
{
	return xcalloc(1, sizeof(struct event));
}

int fmt_event_abandon(struct event *ev, struct buf *err, int rc)
{
	if (ev) {
		event_release(ev);
		free(ev);
	}
	if (err)
		buf_release(err);
	return rc;
}

int fmt_emit(struct fmt_reader *r, const struct fmt_record *rec, struct event *ev)
{
	if (!ev->raw) {
		ev->raw = xstrndup(rec->raw, rec->raw_len);
		ev->raw_len = rec->raw_len;
	}
	if (!ev->event_id || !*ev->event_id)
		event_derive_id(ev, rec->json, rec->raw, rec->raw_len);
	if (!ev->environment)
		ev->environment = xstrdup("");
	if (!ev->context)
		ev->context = json_object();
	if (!ev->actor_type)
		ev->actor_type = xstrdup("unknown");
	json_t *extra = json_incref(ev->source);

	event_set_source(ev, r->format, r->file, rec->line);
	if (extra) {            /* the format's own members (opensearch's _index, _id) */
		json_object_update_missing(ev->source, extra);
		json_decref(extra);
	}
	if (rec->index >= 0)
		json_object_set_new(ev->source, "index", json_integer(rec->index));
	return r->sink->emit(r->sink->ctx, ev);
}

/* ---- records ---- */

/* Parses text[start, end) as one record and hands it on. */
static int one_record(struct fmt_reader *r, struct cursor *cur, const char *text,
		      size_t start, size_t end, long index)
{
	struct fmt_record rec = { .raw = text + start, .raw_len = end - start, .index = index };
	struct buf err = BUF_INIT;
	size_t nul;
	int l, c, rc;

	cursor_to(cur, start, &rec.line, &rec.col);
	rec.json = json_parse_strict(rec.raw, rec.raw_len, &l, &c, &err);
	if (!rec.json) {
		long line = rec.line + l - 1;
		int col = l == 1 ? rec.col + c - 1 : c;

		rc = bad_at(r, line, col, index, "%s", err.buf);
		buf_release(&err);
		return rc;
	}
	buf_release(&err);
	if ((nul = fmt_nul_at(rec.raw, rec.raw_len)) != FMT_NO_NUL) {
		long line;
		int col;

		cursor_to(cur, start + nul, &line, &col);
		rc = bad_at(r, line, col, index, FMT_NUL_MESSAGE);
	} else {
		rc = r->record(r, &rec);
	}
	json_decref(rec.json);
	return rc;
}

/* Reads a whole document in text (NUL-terminated at len). */
static int read_document(struct fmt_reader *r, const char *text, size_t len)
{
	struct cursor cur = { text, 0, 0, 1 };
	size_t i = skip_ws(text, len, 0), arr = SCAN_ERR, end;
	int arr_rank = 0, top_array = i < len && text[i] == '[';
	long line;
	int col;

	r->doc = 1;
	if (i < len && text[i] == '{') {
		struct buf err = BUF_INIT;
		json_t *keys = json_object();
		size_t obj = i;
		int rc = -1;

		i = skip_ws(text, len, i + 1);
		if (i < len && text[i] == '}')
			i++;
		else for (;;) {
			size_t ks = i, ke, vs, nested;
			json_t *key;
			int l, c, rank;

			if (i >= len || text[i] != '"') {
				cursor_to(&cur, i, &line, &col);
				rc = bad_at(r, line, col, -1, i >= len ? "unexpected end of the document" :
					    "expected a member name");
				goto doc_fail;
			}
			ke = value_end(text, len, i);
			key = ke == SCAN_ERR ? NULL : json_parse_strict(text + ks, ke - ks, &l, &c, &err);
			if (!key) {
				cursor_to(&cur, ks, &line, &col);
				rc = bad_at(r, line, col + (ke == SCAN_ERR ? 0 : c - 1), -1, "%s",
				       ke == SCAN_ERR ? "unterminated string" : err.buf);
				goto doc_fail;
			}
			if (json_object_get(keys, json_string_value(key))) {
				cursor_to(&cur, ks, &line, &col);
				rc = bad_at(r, line, col, -1, "duplicate object key near '%.*s'",
				       (int)(ke - ks > 60 ? 60 : ke - ks), text + ks);
				json_decref(key);
				goto doc_fail;
			}
			json_object_set_new(keys, json_string_value(key), json_true());
			i = skip_ws(text, len, ke);
			if (i >= len || text[i] != ':') {
				cursor_to(&cur, i, &line, &col);
				rc = bad_at(r, line, col, -1, "expected ':' after a member name");
				json_decref(key);
				goto doc_fail;
			}
			vs = skip_ws(text, len, i + 1);
			end = value_end(text, len, vs);
			if (end == SCAN_ERR || end == vs) {
				cursor_to(&cur, vs, &line, &col);
				rc = bad_at(r, line, col, -1, "unexpected end of the document");
				json_decref(key);
				goto doc_fail;
			}
			rank = is_wrapper(r, json_string_value(key));
			nested = rank ? SCAN_ERR : nested_wrapper(r, json_string_value(key), text, end, vs, &rank);
			json_decref(key);
			if (nested != SCAN_ERR && (!arr_rank || rank < arr_rank)) {
				/* the object's other members must be valid JSON:
				 * checked with the records' array left out */
				size_t aend = value_end(text, len, nested);
				struct buf rest = BUF_INIT;
				json_t *v;

				buf_add(&rest, text + vs, nested - vs);
				buf_addstr(&rest, "[]");
				buf_add(&rest, text + aend, end - aend);
				buf_reset(&err);
				v = json_parse_strict(rest.buf, rest.len, &l, &c, &err);
				if (!v) {
					/* the error's offset in rest, back in text */
					size_t off = 0;

					for (int k = 1; k < l && off < rest.len; off++)
						if (rest.buf[off] == '\n')
							k++;
					off += c > 0 ? (size_t)c - 1 : 0;
					off = off < nested - vs ? vs + off : aend + (off - (nested - vs) - 2);
					buf_release(&rest);
					cursor_to(&cur, off < len ? off : vs, &line, &col);
					rc = bad_at(r, line, col, -1, "%s", err.buf);
					goto doc_fail;
				}
				buf_release(&rest);
				json_decref(v);
				arr = nested;
				arr_rank = rank;
			} else if (rank && nested == SCAN_ERR && text[vs] == '[' && (!arr_rank || rank < arr_rank)) {
				arr = vs;
				arr_rank = rank;
			} else if (end - vs > 1 || !strchr("{[\"", text[vs])) {
				/* other members must be valid JSON too */
				json_t *v;

				buf_reset(&err);
				v = json_parse_strict(text + vs, end - vs, &l, &c, &err);
				if (!v) {
					cursor_to(&cur, vs, &line, &col);
					rc = bad_at(r, line + l - 1, l == 1 ? col + c - 1 : c, -1, "%s", err.buf);
					goto doc_fail;
				}
				json_decref(v);
			}
			i = skip_ws(text, len, end);
			if (i < len && text[i] == ',') {
				i = skip_ws(text, len, i + 1);
				continue;
			}
			if (i < len && text[i] == '}') {
				i++;
				break;
			}
			cursor_to(&cur, i, &line, &col);
			rc = bad_at(r, line, col, -1, i >= len ? "unexpected end of the document" :
			       "expected ',' or '}' after an object member");
			goto doc_fail;
		}
		json_decref(keys);
		buf_release(&err);
		end = i;
		i = skip_ws(text, len, i);
		if (i < len) {
			cursor_to(&cur, i, &line, &col);
			return bad_at(r, line, col, -1, "unexpected text after the JSON document");
		}
		if (arr == SCAN_ERR) {
			if (one_record(r, &cur, text, obj, end, -1))
				return -1;
			return r->finish ? r->finish(r) : 0;
		}
		i = arr;
		goto array;
doc_fail:
		json_decref(keys);
		buf_release(&err);
		return rc;
	}
	if (i >= len || text[i] != '[') {
		cursor_to(&cur, i, &line, &col);
		return bad_at(r, line, col, -1, "expected a JSON object or array");
	}
array:
	/* i is at the '[' of the records' array */
	{
		size_t close = value_end(text, len, i);
		long index = 0;

		if (close == SCAN_ERR) {
			cursor_to(&cur, i, &line, &col);
			return bad_at(r, line, col, -1, "unterminated array of records");
		}
		i = skip_ws(text, len, i + 1);
		if (text[i] != ']') for (;; index++) {
			end = value_end(text, len, i);
			if (end == SCAN_ERR || end == i || end > close) {
				cursor_to(&cur, i, &line, &col);
				return bad_at(r, line, col, index, "expected a record");
			}
			if (one_record(r, &cur, text, i, end, index))
				return -1;
			i = skip_ws(text, len, end);
			if (i < close && text[i] == ',') {
				i = skip_ws(text, len, i + 1);
				continue;
			}
			if (i + 1 == close && text[i] == ']')
				break;
			cursor_to(&cur, i, &line, &col);
			return bad_at(r, line, col, index, "expected ',' or ']' after a record");
		}
		if (top_array && skip_ws(text, len, close) < len) {
			cursor_to(&cur, skip_ws(text, len, close), &line, &col);
			return bad_at(r, line, col, -1, "unexpected text after the JSON document");
		}
	}
	return r->finish ? r->finish(r) : 0;
}

/* 1 when line (NUL-terminated) is one complete JSON value that is not a
 * document (an array, or an object holding a wrapper array). */
static int is_json_line(struct fmt_reader *r, const char *line, size_t len)
{
	size_t i = skip_ws(line, len, 0), end = value_end(line, len, i);

	if (i >= len || line[i] != '{' || end == SCAN_ERR || skip_ws(line, len, end) != len)
		return 0;
	/* a wrapper member at the top level makes it a document */
	for (const char *const *w = r->wrappers; w && *w; w++) {
		struct buf k = BUF_INIT;
		const char *p;
		int found = 0;

		buf_addf(&k, "\"%s\"", *w);
		for (p = line; (p = strstr(p, k.buf)); p += k.len) {
			size_t j = skip_ws(line, len, (size_t)(p - line) + k.len);

			if (j < len && line[j] == ':' && line[skip_ws(line, len, j + 1)] == '[') {
				found = 1;
				break;
			}
		}
		buf_release(&k);
		if (found)
			return 0;
	}
	return 1;
}

static int line_record(struct fmt_reader *r, char *line, size_t n, long lineno)
{
	struct fmt_record rec = { .raw = line, .raw_len = n, .line = lineno, .col = 1, .index = -1 };
	struct buf err = BUF_INIT;
	size_t nul;
	int l = 0, c = 0, rc;

	if (n > JSON_MAX_RECORD)
		return bad_at(r, lineno, 1, -1, "record larger than %u MiB", JSON_MAX_RECORD >> 20);
	rec.json = json_parse_strict(line, n, &l, &c, &err);
	if (!rec.json) {
		rc = bad_at(r, lineno, c, -1, "%s", err.buf);
		buf_release(&err);
		return rc;
	}
	buf_release(&err);
	if ((nul = fmt_nul_at(line, n)) != FMT_NO_NUL)
		rc = bad_at(r, lineno, (int)nul + 1, -1, FMT_NUL_MESSAGE);
	else
		rc = r->record(r, &rec);
	json_decref(rec.json);
	return rc;
}

int fmt_read_line(struct fmt_reader *r, char *line, size_t n, long lineno)
{
	while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
		line[--n] = '\0';
	if (skip_ws(line, n, 0) == n)
		return 0;       /* a blank line */
	return line_record(r, line, n, lineno);
}

int fmt_read_parsed(struct fmt_reader *r, char *line, size_t n, long lineno, json_t *json)
{
	struct fmt_record rec = { .raw = line, .raw_len = n, .line = lineno, .col = 1, .index = -1,
				  .json = json };
	int rc = r->record(r, &rec);

	json_decref(json);
	return rc;
}

int fmt_head_is_lines(struct fmt_reader *r, const char *head, size_t len)
{
	size_t i = skip_ws(head, len, 0), n;
	struct buf first = BUF_INIT;
	const char *eol;
	int ret;

	if (i >= len || !(eol = memchr(head + i, '\n', len - i)))
		return 0;       /* no first line, or not all of it */
	n = (size_t)(eol - (head + i));
	while (n > 0 && head[i + n - 1] == '\r')
		n--;
	buf_add(&first, head + i, n); /* NUL-terminated, as is_json_line wants */
	ret = is_json_line(r, first.buf, first.len);
	buf_release(&first);
	return ret;
}

static ssize_t get_line(char **line, size_t *cap, FILE *f)
{
	ssize_t n = getline(line, cap, f);

	while (n > 0 && ((*line)[n - 1] == '\n' || (*line)[n - 1] == '\r'))
		(*line)[--n] = '\0';
	return n;
}

int fmt_read(struct fmt_reader *r, FILE *f)
{
	struct buf doc = BUF_INIT;
	char *line = NULL;
	size_t cap = 0, m;
	ssize_t n;
	long lineno = 0;
	int ret = -1;

	r->doc = 0;
	/* the first non-blank line decides: JSON lines, or one document */
	while ((n = getline(&line, &cap, f)) >= 0) {
		if (ferror(f))
			goto io;        /* a partial line before a read error */
		lineno++;
		buf_add(&doc, line, (size_t)n);
		if (skip_ws(line, (size_t)n, 0) < (size_t)n)
			break;
	}
	if (n < 0) {
		if (ferror(f))
			goto io;
		ret = r->finish ? r->finish(r) : 0;
		goto out;
	}
	m = (size_t)n;
	while (m > 0 && (line[m - 1] == '\n' || line[m - 1] == '\r'))
		line[--m] = '\0';
	if (m <= JSON_MAX_RECORD && is_json_line(r, line, m)) {
		buf_release(&doc);
		if (line_record(r, line, m, lineno))
			goto out;
		while ((n = get_line(&line, &cap, f)) >= 0) {
			if (ferror(f))
				goto io;
			lineno++;
			if (skip_ws(line, (size_t)n, 0) == (size_t)n)
				continue;
			if (line_record(r, line, (size_t)n, lineno))
				goto out;
		}
		if (ferror(f))
			goto io;
		ret = r->finish ? r->finish(r) : 0;
		goto out;
	}
	for (;;) {
		char chunk[65536];
		size_t k = fread(chunk, 1, sizeof(chunk), f);

		if (k)
			buf_add(&doc, chunk, k);
		if (doc.len > FMT_MAX_DOCUMENT) {
			bad_at(r, 1, 1, -1, "document larger than %zu MiB (use JSON lines)",
			       FMT_MAX_DOCUMENT >> 20);
			goto out;
		}
		if (k < sizeof(chunk))
			break;
	}
	if (ferror(f))
		goto io;
	ret = read_document(r, doc.buf, doc.len);
	goto out;
io:
	ret = format_read_failed(r->file);
out:
	free(line);
	buf_release(&doc);
	return ret;
}

/* ---- times ---- */

int fmt_time_iso(struct event *ev, const char *s, struct buf *err)
{
	const char *why;

	if (time_parse_iso(s, &ev->ts, &why)) {
		buf_addf(err, "bad time \"%.40s\": %s", s, why);
		return -1;
	}
	free(ev->ts_source);
	ev->ts_source = xstrdup(s);
	return 0;
}

#define MAX_USEC 253402300799999999LL /* 9999-12-31T23:59:59.999999Z */

int fmt_time_epoch(struct event *ev, const json_t *v, long units_per_sec, struct buf *err)
{
	long long us;

	if (json_is_string(v)) {
		const char *s = json_string_value(v);
		unsigned long long n = 0, frac_num = 0, frac_den = 1;
		const char *p = s;

		if (!isdigit((unsigned char)*p))
			goto bad;
		for (; isdigit((unsigned char)*p); p++) {
			if (n > (~0ULL - 9) / 10)
				goto range;
			n = n * 10 + (unsigned)(*p - '0');
		}
		if (*p == '.') {
			for (p++; isdigit((unsigned char)*p); p++)
				if (frac_den < 1000000000000ULL) {
					frac_num = frac_num * 10 + (unsigned)(*p - '0');
					frac_den *= 10;
				}
		}
		if (*p)
			goto bad;
		if (n / (unsigned long long)units_per_sec > (unsigned long long)(MAX_USEC / 1000000))
			goto range;
		/* microseconds = n * 1e6 / units, rounded half up */
		{
			unsigned long long whole = n / (unsigned long long)units_per_sec;
			unsigned long long rest = n % (unsigned long long)units_per_sec;
			long double frac = ((long double)rest + (long double)frac_num / (long double)frac_den)
					   * 1e6L / (long double)units_per_sec;

			us = (long long)whole * 1000000LL + (long long)llroundl(frac);
		}
		free(ev->ts_source);
		ev->ts_source = xstrdup(s);
	} else if (json_is_number(v)) {
		double d = json_number_value(v);
		struct buf b = BUF_INIT;

		if (!isfinite(d) || d < 0)
			goto range;
		d = d * (1e6 / (double)units_per_sec);
		if (d > (double)MAX_USEC)
			goto range;
		us = llround(d);
		json_append(&b, v);
		free(ev->ts_source);
		ev->ts_source = buf_detach(&b, NULL);
	} else {
		buf_addstr(err, "expected a number of seconds since the epoch");
		return -1;
	}
	if (us > MAX_USEC)
		goto range;
	ev->ts = us;
	return 0;
bad:
	buf_addf(err, "bad epoch time \"%.40s\"", json_string_value(v));
	return -1;
range:
	buf_addstr(err, "epoch time out of range");
	return -1;
}

/* ---- JSON Pointer ---- */

int fmt_pointer_check(const char *ptr, struct buf *err)
{
	if (*ptr && *ptr != '/') {
		buf_addf(err, "JSON Pointer \"%s\" must be empty or start with '/'", ptr);
		return -1;
	}
	for (const char *p = ptr; *p; p++)
		if (*p == '~' && p[1] != '0' && p[1] != '1') {
			buf_addf(err, "JSON Pointer \"%s\": '~' must be followed by 0 or 1", ptr);
			return -1;
		}
	return 0;
}

json_t *fmt_pointer_get(const json_t *v, const char *ptr)
{
	struct buf tok = BUF_INIT;
	const json_t *cur = v;

	if (*ptr && *ptr != '/')
		return NULL;
	while (cur && *ptr == '/') {
		const char *p = ++ptr;

		buf_reset(&tok);
		for (; *p && *p != '/'; p++) {
			if (*p == '~' && p[1] == '0') {
				buf_addch(&tok, '~');
				p++;
			} else if (*p == '~' && p[1] == '1') {
				buf_addch(&tok, '/');
				p++;
			} else {
				buf_addch(&tok, *p);
			}
		}
		ptr = p;
		if (json_is_object(cur)) {
			cur = json_object_getn(cur, tok.buf, tok.len);
		} else if (json_is_array(cur)) {
			char *end;
			unsigned long idx;

			if (!tok.len || !isdigit((unsigned char)tok.buf[0]) ||
			    (tok.buf[0] == '0' && tok.len > 1)) {
				cur = NULL;
				break;
			}
			errno = 0;
			idx = strtoul(tok.buf, &end, 10);
			cur = *end || errno ? NULL : json_array_get(cur, idx);
		} else {
			cur = NULL;
		}
	}
	buf_release(&tok);
	return (json_t *)cur;
}

/* ---- getters ---- */

const char *fmt_str(const json_t *obj, const char *name)
{
	json_t *v = json_object_get(obj, name);

	return json_is_string(v) ? json_string_value(v) : NULL;
}

const char *fmt_str_path(const json_t *obj, ...)
{
	const json_t *cur = obj;
	const char *name;
	va_list ap;

	va_start(ap, obj);
	while (cur && (name = va_arg(ap, const char *)))
		cur = json_object_get(cur, name);
	va_end(ap);
	return json_is_string(cur) ? json_string_value(cur) : NULL;
}

char *fmt_dup(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

void fmt_ctx_str(json_t *context, const char *name, const char *s)
{
	if (s && *s)
		json_object_set_new(context, name, json_string(s));
}

void fmt_ctx_json(json_t *context, const char *name, const json_t *v)
{
	if (v && !json_is_null(v))
		json_object_set(context, name, (json_t *)v);
}

int fmt_head_has_key(const char *head, const char *key)
{
	size_t klen = strlen(key);

	for (const char *p = head; (p = strstr(p, key)); p += klen) {
		const char *q = p + klen;

		if (p == head || p[-1] != '"' || *q != '"')
			continue;
		for (q++; *q == ' ' || *q == '\t'; q++)
			;
		if (*q == ':')
			return 1;
	}
	return 0;
}

void fmt_skip(struct fmt_reader *r, enum skip_reason reason)
{
	format_skip(r->sink, reason);
}

int fmt_sub_record(const struct fmt_record *rec, const char *path, struct fmt_record *out)
{
	const json_t *v = rec->json;
	size_t at = 0, end;

	while (*path) {
		size_t n = strcspn(path, ".");
		char *name = xstrndup(path, n);

		v = json_object_get(v, name);
		free(name);
		at = member_value(rec->raw, rec->raw_len, at, path, n);
		if (!v || at == SCAN_ERR)
			return -1;
		path += n + (path[n] == '.');
	}
	end = value_end(rec->raw, rec->raw_len, at);
	if (end == SCAN_ERR)
		return -1;
	out->json = (json_t *)v;
	out->raw = rec->raw + at;
	out->raw_len = end - at;
	out->index = rec->index;
	out->line = rec->line;
	out->col = rec->col;
	for (size_t i = 0; i < at; i++) {
		if (rec->raw[i] == '\n') {
			out->line++;
			out->col = 0;
		}
		out->col++;
	}
	return 0;
}

int fmt_each_element(struct fmt_reader *r, const struct fmt_record *arr,
		     int (*fn)(struct fmt_reader *r, const struct fmt_record *elem))
{
	const char *t = arr->raw;
	size_t len = arr->raw_len, i = skip_ws(t, len, 0), pos = 0;
	long line = arr->line;
	int col = arr->col;

	if (!json_is_array(arr->json) || i >= len || t[i] != '[')
		return -2;
	i = skip_ws(t, len, i + 1);
	for (size_t idx = 0; i < len && t[i] != ']'; idx++) {
		size_t e = value_end(t, len, i);
		struct fmt_record el = { .json = json_array_get(arr->json, idx), .raw = t + i, .index = (long)idx };
		int rc;

		if (e == SCAN_ERR || !el.json)
			return -2;
		for (; pos < i; pos++, col++)
			if (t[pos] == '\n') {
				line++;
				col = 0;
			}
		el.raw_len = e - i;
		el.line = line;
		el.col = col;
		if ((rc = fn(r, &el)))
			return rc;
		i = skip_ws(t, len, e);
		if (i < len && t[i] == ',')
			i = skip_ws(t, len, i + 1);
	}
	return 0;
}
