/*
 * format_map.c - any JSON-lines source, read through a map file
 * (--map FILE): a JSON Pointer (RFC 6901) or a constant per event field,
 * and the timestamp's format (RFC 3339, or epoch seconds, milliseconds,
 * microseconds or nanoseconds). docs/FORMATS.md has an example.
 *
 * Cost: the map is read once per input file; one strict parse and a few
 * pointer walks per record.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "trailscope/format_util.h"
#include "trailscope/jcs.h"
#include "trailscope/util.h"

enum map_field {
	M_EVENT_ID, M_TIMESTAMP, M_ACTOR_ID, M_ACTOR_NAME, M_ACTOR_TYPE, M_ACTOR_AUTH,
	M_ACTION, M_TARGET_KIND, M_TARGET_KEY, M_ENVIRONMENT, M_BEFORE, M_AFTER,
	M_REASON, M_TICKET, M_CORRELATION_ID, M_OUTCOME, M_NFIELDS
};

static const char *const field_names[M_NFIELDS] = {
	"event_id", "timestamp", "actor_id", "actor_name", "actor_type", "actor_auth",
	"action", "target_kind", "target_key", "environment", "before", "after",
	"reason", "ticket", "correlation_id", "outcome",
};

static const struct {
	const char *name;
	long units;            /* per second; 0: RFC 3339 text */
} time_formats[] = {
	{ "rfc3339", 0 }, { "epoch_s", 1 }, { "epoch_ms", 1000 },
	{ "epoch_us", 1000000 }, { "epoch_ns", 1000000000 },
};

struct fmt_map {
	char *ptr[M_NFIELDS];   /* JSON Pointer, or NULL */
	json_t *konst[M_NFIELDS]; /* constant value, or NULL */
	long units;
	const char *file;
};

static void map_release(struct fmt_map *m)
{
	for (int i = 0; i < M_NFIELDS; i++) {
		free(m->ptr[i]);
		json_decref(m->konst[i]);
	}
}

/* A map file error, "MAP:LINE:COL: reason", at the value of member (a
 * dotted path as for fmt_member_pos; "" for the start of the file).
 * Returns -1. */
static int map_error(const char *path, const struct fmt_record *map, const char *member,
		     const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static int map_error(const char *path, const struct fmt_record *map, const char *member,
		     const char *fmt, ...)
{
	va_list ap;
	long line;
	int col;

	fmt_member_pos(map, member, &line, &col);
	va_start(ap, fmt);
	diag_vat(path, line, col, fmt, ap);
	va_end(ap);
	return -1;
}

/* Reads and checks the map file; errors name the map file and the place
 * in it. */
static int map_load(struct fmt_map *m, const char *path)
{
	struct buf err = BUF_INIT;
	json_t *doc = NULL, *fields, *tf, *v;
	const char *key;
	size_t len, bom, nul;
	char *text;
	struct fmt_record map;
	int l, c, ret = -1;

	memset(m, 0, sizeof(*m));
	m->file = path;
	if (!path)
		return error_as(ERR_INPUT, "the map format needs --map FILE");
	text = read_file(path, 1 << 20, &len);
	if (!text)
		return error_as(ERR_INPUT, "cannot read map '%s': %s", path,
				errno == EFBIG ? "larger than 1 MiB" : strerror(errno));
	bom = len >= 3 && !memcmp(text, "\xef\xbb\xbf", 3) ? 3 : 0;
	map = (struct fmt_record){ .raw = text + bom, .raw_len = len - bom, .line = 1,
				   .col = 1 + (int)bom, .index = -1 };
	if (format_is_utf16(text, len)) {
		map_error(path, &map, "", "UTF-16 is not supported: convert to UTF-8");
		goto out;
	}
	doc = json_parse_strict(text + bom, len - bom, &l, &c, &err);
	nul = doc ? fmt_nul_at(text + bom, len - bom) : FMT_NO_NUL;
	if (nul != FMT_NO_NUL) {
		/* its line and column, as for a syntax error */
		l = c = 1;
		for (size_t i = bom; i < bom + nul; i++, c++)
			if (text[i] == '\n') {
				l++;
				c = 0;
			}
	}
	if (!doc) {
		diag_at(path, l, c, "%s", err.buf);
		goto out;
	}
	if (nul != FMT_NO_NUL) {
		diag_at(path, l, c, FMT_NUL_MESSAGE);
		goto out;
	}
	if (!json_is_object(doc)) {
		map_error(path, &map, "", "expected a JSON object with \"fields\"");
		goto out;
	}
	json_object_foreach(doc, key, v)
		if (strcmp(key, "fields") && strcmp(key, "timestamp_format") && strcmp(key, "description")) {
			map_error(path, &map, key, "unknown member \"%s\" (expected \"fields\", \"timestamp_format\")",
				  key);
			goto out;
		}
	fields = json_object_get(doc, "fields");
	if (!json_is_object(fields)) {
		map_error(path, &map, fields ? "fields" : "", "missing \"fields\" (an object of field: JSON Pointer)");
		goto out;
	}
	json_object_foreach(fields, key, v) {
		struct buf at = BUF_INIT;
		int f;

		buf_addf(&at, "fields.%s", key);
		for (f = 0; f < M_NFIELDS && strcmp(field_names[f], key); f++)
			;
		if (f == M_NFIELDS) {
			struct buf names = BUF_INIT;

			for (int i = 0; i < M_NFIELDS; i++)
				buf_addf(&names, "%s%s", i ? ", " : "", field_names[i]);
			map_error(path, &map, at.buf, "unknown field \"%s\" in \"fields\" (known: %s)", key, names.buf);
			buf_release(&names);
			buf_release(&at);
			goto out;
		}
		if (json_is_string(v)) {
			buf_reset(&err);
			if (fmt_pointer_check(json_string_value(v), &err)) {
				map_error(path, &map, at.buf, "field \"%s\": %s", key, err.buf);
				buf_release(&at);
				goto out;
			}
			m->ptr[f] = xstrdup(json_string_value(v));
		} else if (json_is_object(v) && json_object_size(v) == 1 && json_object_get(v, "const") &&
			   f != M_TIMESTAMP) {
			m->konst[f] = json_incref(json_object_get(v, "const"));
		} else {
			map_error(path, &map, at.buf, "field \"%s\": expected a JSON Pointer string%s", key,
				  f == M_TIMESTAMP ? "" : " or {\"const\": value}");
			buf_release(&at);
			goto out;
		}
		buf_release(&at);
	}
	if (!m->ptr[M_TIMESTAMP] || (!m->ptr[M_ACTOR_ID] && !m->konst[M_ACTOR_ID]) ||
	    (!m->ptr[M_TARGET_KEY] && !m->konst[M_TARGET_KEY])) {
		map_error(path, &map, "fields", "\"fields\" must map \"timestamp\", \"actor_id\" and \"target_key\"");
		goto out;
	}
	tf = json_object_get(doc, "timestamp_format");
	if (tf) {
		size_t i;

		for (i = 0; i < ARRAY_SIZE(time_formats); i++)
			if (json_is_string(tf) && !strcmp(json_string_value(tf), time_formats[i].name))
				break;
		if (i == ARRAY_SIZE(time_formats)) {
			map_error(path, &map, "timestamp_format",
				  "\"timestamp_format\" must be rfc3339, epoch_s, epoch_ms, epoch_us or epoch_ns");
			goto out;
		}
		m->units = time_formats[i].units;
	}
	ret = 0;
out:
	json_decref(doc);
	free(text);
	buf_release(&err);
	if (ret)
		map_release(m);
	return ret;
}

/* The value of field f in rec: the constant, or what its pointer finds. */
static json_t *value_of(const struct fmt_map *m, const json_t *rec, int f)
{
	if (m->konst[f])
		return m->konst[f];
	if (!m->ptr[f])
		return NULL;
	return fmt_pointer_get(rec, m->ptr[f]);
}

/* A string field: 1 set, 0 absent/null, -1 bad (err set). A number from
 * the record is written from its text, exactly. */
static int string_of(const struct fmt_map *m, const struct fmt_record *rec, int f, char **out,
		     struct buf *err, int *at)
{
	json_t *v = value_of(m, rec->json, f);

	*out = NULL;
	*at = f;
	if (!v || json_is_null(v))
		return 0;
	if (json_is_string(v)) {
		if (strlen(json_string_value(v)) != json_string_length(v)) {
			buf_addf(err, "NUL character at \"%s\" (%s)", m->ptr[f] ? m->ptr[f] : "", field_names[f]);
			return -1;
		}
		*out = xstrdup(json_string_value(v));
		return 1;
	}
	if (json_is_number(v) || json_is_boolean(v)) {
		struct buf b = BUF_INIT;

		if (m->konst[f] || !json_is_number(v) ||
		    jcs_number_text(rec->json, rec->raw, rec->raw_len, v, &b))
			json_append(&b, v);
		*out = buf_detach(&b, NULL);
		return 1;
	}
	buf_addf(err, "expected a string at \"%s\" (%s)", m->ptr[f] ? m->ptr[f] : "", field_names[f]);
	return -1;
}

static int required(const struct fmt_map *m, const struct fmt_record *rec, int f, char **out,
		    struct buf *err, int *at)
{
	int rc = string_of(m, rec, f, out, err, at);

	if (rc == 0)
		*at = -1;       /* nothing there: the record is at fault */
	if (rc == 0 || (rc > 0 && !**out)) {
		free(*out);
		*out = NULL;
		buf_addf(err, "%s \"%s\" (%s)", rc ? "empty value at" : "nothing at",
			 m->ptr[f] ? m->ptr[f] : "", field_names[f]);
		return -1;
	}
	return rc < 0 ? -1 : 0;
}

/* The dotted member path (fmt_member_pos) of a JSON Pointer: 1, or 0
 * when a token holds a '.' or the pointer is the whole record. */
static int pointer_path(const char *ptr, struct buf *out)
{
	for (const char *p = ptr; *p; p++) {
		if (*p == '/') {
			if (p != ptr)
				buf_addch(out, '.');
		} else if (*p == '.') {
			return 0;
		} else if (*p == '~' && (p[1] == '0' || p[1] == '1')) {
			buf_addch(out, p[1] == '0' ? '~' : '/');
			p++;
		} else {
			buf_addch(out, *p);
		}
	}
	return out->len > 0;
}

int fmt_map_event(struct fmt_reader *r, const struct fmt_map *m, const struct fmt_record *rec,
		  struct event **out)
{
	json_t *t, *before, *after;
	struct buf err = BUF_INIT, path = BUF_INIT;
	struct event *ev;
	char *s = NULL, *type = NULL;
	int rc, at = M_TIMESTAMP;

	if (!json_is_object(rec->json) && !json_is_array(rec->json))
		return fmt_bad(r, rec, "expected a JSON object");
	ev = fmt_event_new();
	ev->context = json_object();
	t = value_of(m, rec->json, M_TIMESTAMP);
	if (!t || json_is_null(t)) {
		buf_addf(&err, "nothing at \"%s\" (timestamp)", m->ptr[M_TIMESTAMP]);
		at = -1;
		goto bad;
	}
	if (m->units) {
		if (fmt_time_epoch(ev, t, m->units, &err))
			goto bad;
	} else if (!json_is_string(t)) {
		buf_addf(&err, "expected RFC 3339 text at \"%s\" (timestamp); set \"timestamp_format\" "
			 "for epoch numbers", m->ptr[M_TIMESTAMP]);
		goto bad;
	} else if (fmt_time_iso(ev, json_string_value(t), &err)) {
		goto bad;
	}
	if (string_of(m, rec, M_EVENT_ID, &ev->event_id, &err, &at) < 0 ||
	    required(m, rec, M_ACTOR_ID, &ev->actor_id, &err, &at) ||
	    string_of(m, rec, M_ACTOR_NAME, &ev->actor_name, &err, &at) < 0 ||
	    string_of(m, rec, M_ACTOR_TYPE, &type, &err, &at) < 0 ||
	    string_of(m, rec, M_ACTOR_AUTH, &ev->actor_auth, &err, &at) < 0 ||
	    string_of(m, rec, M_ACTION, &ev->action, &err, &at) < 0 ||
	    string_of(m, rec, M_TARGET_KIND, &ev->target_kind, &err, &at) < 0 ||
	    required(m, rec, M_TARGET_KEY, &ev->target_key, &err, &at) ||
	    string_of(m, rec, M_ENVIRONMENT, &ev->environment, &err, &at) < 0)
		goto bad;
	if (type && (!strcmp(type, "user") || !strcmp(type, "human") || !strcmp(type, "member")))
		ev->actor_type = xstrdup("user");
	else if (type && (!strcmp(type, "service") || !strcmp(type, "bot") || !strcmp(type, "token") ||
			  !strcmp(type, "system") || !strcmp(type, "service_account")))
		ev->actor_type = xstrdup("service");
	else
		ev->actor_type = xstrdup("unknown");
	free(type);
	type = NULL;
	if (!ev->action || !*ev->action) {
		free(ev->action);
		ev->action = xstrdup("update");
	}
	if (!ev->target_kind || !*ev->target_kind) {
		free(ev->target_kind);
		ev->target_kind = xstrdup("object");
	}
	before = value_of(m, rec->json, M_BEFORE);
	after = value_of(m, rec->json, M_AFTER);
	if (before) {
		ev->before_known = 1;
		ev->before = json_is_null(before) ? NULL : json_incref(before);
	}
	ev->after = after && !json_is_null(after) ? json_incref(after) : NULL;
	for (int f = M_REASON; f <= M_CORRELATION_ID; f++) {
		if (string_of(m, rec, f, &s, &err, &at) < 0)
			goto bad;
		fmt_ctx_str(ev->context, field_names[f], s);
		free(s);
		s = NULL;
	}
	if (event_read_outcome(value_of(m, rec->json, M_OUTCOME), ev, &err))
		goto bad;
	buf_release(&err);
	*out = ev;
	return 1;
bad:
	free(type);
	event_release(ev);
	free(ev);
	/* at the value the field's pointer found, when it names members */
	if (at >= 0 && m->ptr[at] && pointer_path(m->ptr[at], &path))
		rc = fmt_bad_at(r, rec, path.buf, "%s", err.buf);
	else
		rc = fmt_bad(r, rec, "%s", err.buf);
	buf_release(&path);
	buf_release(&err);
	return rc;
}

static int map_record(struct fmt_reader *r, const struct fmt_record *rec)
{
	struct event *ev;
	int rc = fmt_map_event(r, r->data, rec, &ev);

	return rc == 1 ? fmt_emit(r, rec, ev) : rc;
}

struct fmt_map *fmt_map_load(const char *path)
{
	struct fmt_map *m = xmalloc(sizeof(*m));

	if (map_load(m, path)) {
		free(m);
		return NULL;
	}
	return m;
}

void fmt_map_free(struct fmt_map *m)
{
	if (m) {
		map_release(m);
		free(m);
	}
}

static int map_read(FILE *f, const char *file, const struct format_options *opt,
		    struct record_sink *sink)
{
	struct fmt_map m;
	struct fmt_reader r = {
		.format = "map", .file = file, .opt = opt, .sink = sink, .record = map_record, .data = &m,
	};
	int rc;

	if (map_load(&m, opt->map_file))
		return -2; /* an unusable map file: bad input, not I/O */
	rc = fmt_read(&r, f);
	map_release(&m);
	return rc;
}

/* Never detected: chosen with --map. */
const struct format_ops format_map = { "map", NULL, map_read, FORMAT_PARALLEL, NULL, NULL };
