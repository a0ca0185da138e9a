/*
 * incident.c - incidents beside the events (see incident.h): strict
 * reading of JSON lines and PagerDuty-style exports, one transaction per
 * import, listing and lookup by id.
 *
 * Cost: an incident file is read whole (at most INCIDENT_MAX_FILE bytes),
 * every record parsed strictly once, then written in one transaction with
 * one indexed probe and one insert per incident. Lookups are one primary
 * key read.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "trailscope/incident.h"
#include "trailscope/jcs.h"
#include "trailscope/store_append.h"

#define MAX_ID 256

void incident_release(struct incident *in)
{
	free(in->id);
	free(in->title);
	free(in->severity);
	free(in->environment);
	for (size_t i = 0; i < in->nservices; i++)
		free(in->services[i]);
	free(in->services);
	free(in->raw);
	free(in->source_file);
	memset(in, 0, sizeof(*in));
}

/* ---- one record ------------------------------------------------------- */

static int has_control(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return 1;
	return 0;
}

/* A text member: a string, or an integral number written in decimal.
 * Returns 1 set, 0 absent (or null), -1 bad (reason in err). */
static int get_text(const json_t *rec, const char *key, int numbers, char **out, struct buf *err)
{
	json_t *v = json_object_get(rec, key);

	if (!v || json_is_null(v))
		return 0;
	if (json_is_string(v)) {
		if (json_string_length(v) > INCIDENT_MAX_TEXT) {
			buf_addf(err, "\"%s\" is longer than %u bytes", key, INCIDENT_MAX_TEXT);
			return -1;
		}
		if (strlen(json_string_value(v)) != json_string_length(v)) {
			buf_addf(err, "\"%s\" contains a NUL character", key);
			return -1;
		}
		*out = xstrdup(json_string_value(v));
		return 1;
	}
	if (numbers && json_is_number(v)) {
		double d = json_number_value(v);
		struct buf b = BUF_INIT;

		if (d != (double)(long long)d || d < 0 || d > 9007199254740992.0) {
			buf_addf(err, "expected a string or a whole number for \"%s\"", key);
			return -1;
		}
		buf_addf(&b, "%lld", (long long)d);
		*out = buf_detach(&b, NULL);
		return 1;
	}
	buf_addf(err, "expected %s for \"%s\"", numbers ? "a string or a number" : "a string", key);
	return -1;
}

/* A time member. Returns 1 set, 0 absent, -1 bad. */
static int get_time(const json_t *rec, const char *key, usec_t *out, struct buf *err)
{
	json_t *v = json_object_get(rec, key);
	const char *why;

	if (!v || json_is_null(v))
		return 0;
	if (!json_is_string(v)) {
		buf_addf(err, "expected a time string for \"%s\"", key);
		return -1;
	}
	if (time_parse_iso(json_string_value(v), out, &why)) {
		struct buf safe = BUF_INIT;

		buf_add_term_safe(&safe, json_string_value(v), json_string_length(v) > 64 ? 64 :
				  json_string_length(v));
		buf_addf(err, "bad time for \"%s\" (\"%s\"): %s", key, safe.buf, why);
		buf_release(&safe);
		return -1;
	}
	return 1;
}

static int add_service(struct incident *in, const char *name, size_t len, struct buf *err)
{
	if (!len) {
		buf_addstr(err, "empty service name");
		return -1;
	}
	if (len > INCIDENT_MAX_TEXT || strlen(name) != len) {
		buf_addstr(err, "service name too long or with a NUL character");
		return -1;
	}
	if (in->nservices >= INCIDENT_MAX_SERVICES) {
		buf_addf(err, "more than %d services", INCIDENT_MAX_SERVICES);
		return -1;
	}
	for (size_t i = 0; i < in->nservices; i++)
		if (!strcmp(in->services[i], name))
			return 0;
	in->services = xrealloc(in->services, (in->nservices + 1) * sizeof(*in->services));
	in->services[in->nservices++] = xstrdup(name);
	return 0;
}

/* "services": ["a", "b"] or "a"; "service": "a" or {"summary"|"name"|"id": "a"}. */
static int get_services(const json_t *rec, struct incident *in, struct buf *err)
{
	json_t *v = json_object_get(rec, "services");

	if (v && !json_is_null(v)) {
		size_t i;
		json_t *s;

		if (json_is_string(v))
			return add_service(in, json_string_value(v), json_string_length(v), err);
		if (!json_is_array(v)) {
			buf_addstr(err, "expected a list of strings for \"services\"");
			return -1;
		}
		json_array_foreach(v, i, s) {
			if (!json_is_string(s)) {
				buf_addf(err, "expected a list of strings for \"services\" (item %zu)", i);
				return -1;
			}
			if (add_service(in, json_string_value(s), json_string_length(s), err))
				return -1;
		}
		return 0;
	}
	v = json_object_get(rec, "service");
	if (!v || json_is_null(v))
		return 0;
	if (json_is_object(v)) {
		static const char *const keys[] = { "summary", "name", "id" };

		for (size_t k = 0; k < ARRAY_SIZE(keys); k++) {
			json_t *s = json_object_get(v, keys[k]);

			if (json_is_string(s))
				return add_service(in, json_string_value(s), json_string_length(s), err);
		}
		buf_addstr(err, "\"service\" has no \"summary\", \"name\" or \"id\" string");
		return -1;
	}
	if (json_is_string(v))
		return add_service(in, json_string_value(v), json_string_length(v), err);
	buf_addstr(err, "expected a string or an object for \"service\"");
	return -1;
}

int incident_from_json(const json_t *rec, struct incident *in, struct buf *err)
{
	json_t *prio;
	int rc;

	memset(in, 0, sizeof(*in));
	in->detected = in->resolved = INCIDENT_NO_TIME;
	if (!json_is_object(rec)) {
		buf_addstr(err, "expected a JSON object");
		goto bad;
	}
	if ((rc = get_text(rec, "id", 1, &in->id, err)) < 0)
		goto bad;
	if (!rc || !*in->id) {
		buf_addstr(err, rc ? "empty \"id\"" : "missing \"id\"");
		goto bad;
	}
	if (strlen(in->id) > MAX_ID) {
		buf_addf(err, "\"id\" is longer than %d bytes", MAX_ID);
		goto bad;
	}
	if (has_control(in->id)) {
		buf_addstr(err, "\"id\" contains control characters");
		goto bad;
	}
	if ((rc = get_text(rec, "title", 0, &in->title, err)) < 0)
		goto bad;
	if (!rc && get_text(rec, "summary", 0, &in->title, err) < 0)
		goto bad;
	if ((rc = get_text(rec, "severity", 1, &in->severity, err)) < 0)
		goto bad;
	prio = json_object_get(rec, "priority");
	if (!rc && json_is_object(prio) && json_is_string(json_object_get(prio, "summary")))
		rc = get_text(prio, "summary", 0, &in->severity, err);
	if (!rc && (rc = get_text(rec, "urgency", 0, &in->severity, err)) < 0)
		goto bad;
	if (get_services(rec, in, err))
		goto bad;
	if (get_text(rec, "environment", 0, &in->environment, err) < 0)
		goto bad;
	if ((rc = get_time(rec, "started_at", &in->started, err)) < 0)
		goto bad;
	if (!rc && (rc = get_time(rec, "created_at", &in->started, err)) < 0)
		goto bad;
	if (!rc) {
		buf_addstr(err, "missing \"started_at\" (or \"created_at\")");
		goto bad;
	}
	if ((rc = get_time(rec, "detected_at", &in->detected, err)) < 0)
		goto bad;
	if (!rc && get_time(rec, "created_at", &in->detected, err) < 0)
		goto bad;
	if ((rc = get_time(rec, "resolved_at", &in->resolved, err)) < 0)
		goto bad;
	if (!rc && json_is_string(json_object_get(rec, "status")) &&
	    !strcmp(json_string_value(json_object_get(rec, "status")), "resolved") &&
	    get_time(rec, "last_status_change_at", &in->resolved, err) < 0)
		goto bad;
	if (in->detected != INCIDENT_NO_TIME && in->detected < in->started) {
		buf_addstr(err, "detected_at is before started_at");
		goto bad;
	}
	if (in->resolved != INCIDENT_NO_TIME && in->resolved < in->started) {
		buf_addstr(err, "resolved_at is before started_at");
		goto bad;
	}
	if (!in->title)
		in->title = xstrdup("");
	if (!in->severity)
		in->severity = xstrdup("");
	if (!in->environment)
		in->environment = xstrdup("");
	return 0;
bad:
	incident_release(in);
	return -1;
}

usec_t incident_end(const struct incident *in)
{
	if (in->resolved != INCIDENT_NO_TIME && in->resolved >= in->started)
		return in->resolved;
	if (in->detected != INCIDENT_NO_TIME && in->detected >= in->started)
		return in->detected;
	return in->started;
}

static json_t *time_or_null(usec_t t)
{
	char ts[32];

	if (t == INCIDENT_NO_TIME)
		return json_null();
	time_format(t, ts);
	return json_string(ts);
}

json_t *incident_to_json(const struct incident *in)
{
	json_t *o = json_object(), *svc = json_array();

	for (size_t i = 0; i < in->nservices; i++)
		json_array_append_new(svc, json_string(in->services[i]));
	json_object_set_new(o, "id", json_string(in->id));
	json_object_set_new(o, "title", json_string(in->title));
	json_object_set_new(o, "severity", json_string(in->severity));
	json_object_set_new(o, "services", svc);
	json_object_set_new(o, "environment", json_string(in->environment));
	json_object_set_new(o, "started_at", time_or_null(in->started));
	json_object_set_new(o, "detected_at", time_or_null(in->detected));
	json_object_set_new(o, "resolved_at", time_or_null(in->resolved));
	if (in->source_file)
		json_object_set_new(o, "source", json_pack("{s:s, s:I}", "file", in->source_file,
							   "line", (json_int_t)in->source_line));
	return o;
}

/* ---- reading files ------------------------------------------------------ */

struct reader {
	const struct incident_import_options *opt;
	struct incident_import_stats *stats;
	struct incident *v;       /* parsed so far, in file order */
	size_t n, alloc;
	size_t *slots;            /* open-addressing set of ids: index + 1, 0 empty */
	size_t nslots;
	const char *file;
	int bad;                  /* a bad record stopped the import */
};

static uint64_t hash_str(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3ULL;
	return h;
}

/* Finds id in the set; returns its slot (empty or holding it). */
static size_t id_slot(struct reader *r, const char *id)
{
	size_t i = (size_t)hash_str(id) & (r->nslots - 1);

	while (r->slots[i] && strcmp(r->v[r->slots[i] - 1].id, id))
		i = (i + 1) & (r->nslots - 1);
	return i;
}

static void id_grow(struct reader *r)
{
	if (r->nslots >= 2 * (r->n + 1))
		return;
	free(r->slots);
	r->nslots = r->nslots ? r->nslots * 2 : 64;
	while (r->nslots < 2 * (r->n + 1))
		r->nslots *= 2;
	r->slots = xcalloc(r->nslots, sizeof(*r->slots));
	for (size_t k = 0; k < r->n; k++)
		r->slots[id_slot(r, r->v[k].id)] = k + 1;
}

/* Reports a bad record; returns 0 to go on, -1 to stop. */
static int report_bad(struct reader *r, long line, int col, long index, const char *why)
{
	struct buf safe = BUF_INIT, msg = BUF_INIT;

	buf_add_term_safe(&safe, r->file, strlen(r->file));
	buf_add_term_safe(&msg, why, strlen(why));
	if (index >= 0)
		fprintf(stderr, "%s:%ld:%d: incident %ld: %s%s\n", safe.buf, line, col, index, msg.buf,
			r->opt->skip_invalid ? " (skipped)" : "");
	else
		fprintf(stderr, "%s:%ld:%d: %s%s\n", safe.buf, line, col, msg.buf,
			r->opt->skip_invalid ? " (skipped)" : "");
	buf_release(&safe);
	buf_release(&msg);
	r->stats->records++;
	if (!r->opt->skip_invalid) {
		r->bad = 1;
		return -1;
	}
	r->stats->skipped++;
	return 0;
}

/* Takes one parsed record; returns 0 to go on, -1 to stop. */
static int take_record(struct reader *r, const json_t *rec, const char *raw, size_t raw_len,
		       long line, int col, long index)
{
	struct buf err = BUF_INIT;
	struct incident in;
	size_t slot;
	int ret;

	if (incident_from_json(rec, &in, &err)) {
		ret = report_bad(r, line, col, index, err.buf);
		buf_release(&err);
		return ret;
	}
	id_grow(r);
	slot = id_slot(r, in.id);
	if (r->slots[slot]) {
		const struct incident *first = &r->v[r->slots[slot] - 1];

		buf_addf(&err, "duplicate incident id \"%s\" (first at %s:%ld)", in.id, first->source_file,
			 first->source_line);
		incident_release(&in);
		ret = report_bad(r, line, col, index, err.buf);
		buf_release(&err);
		return ret;
	}
	in.raw = xstrndup(raw, raw_len);
	in.source_file = xstrdup(r->file);
	in.source_line = line;
	ALLOC_GROW(r->v, r->n + 1, r->alloc);
	r->v[r->n] = in;
	r->slots[slot] = ++r->n;
	r->stats->records++;
	buf_release(&err);
	return 0;
}

static int read_jsonl(struct reader *r, const char *text, size_t len)
{
	struct buf err = BUF_INIT;
	size_t pos = 0;
	long lineno = 0;
	int ret = 0;

	while (pos < len && ret == 0) {
		const char *line = text + pos, *nl = memchr(line, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - line) : len - pos;
		json_t *rec;
		int l = 0, c = 0;

		pos += n + (nl ? 1 : 0);
		lineno++;
		if (lineno == 1 && n >= 3 && !memcmp(line, "\xef\xbb\xbf", 3)) {
			line += 3; /* a UTF-8 byte order mark */
			n -= 3;
		}
		while (n > 0 && (line[n - 1] == '\r' || line[n - 1] == ' ' || line[n - 1] == '\t'))
			n--;
		if (!n)
			continue;
		if (n > JSON_MAX_RECORD) {
			ret = report_bad(r, lineno, 1, -1, "record larger than 4 MiB");
			continue;
		}
		buf_reset(&err);
		rec = json_parse_strict(line, n, &l, &c, &err);
		if (!rec) {
			ret = report_bad(r, lineno, c > 0 ? c : 1, -1, err.buf);
			continue;
		}
		ret = take_record(r, rec, line, n, lineno, 1, -1);
		json_decref(rec);
	}
	buf_release(&err);
	return ret;
}

/* ---- a PagerDuty-style export: {"incidents": [...]} --------------------- */

static size_t skip_ws(const char *t, size_t i, size_t n)
{
	while (i < n && (t[i] == ' ' || t[i] == '\t' || t[i] == '\r' || t[i] == '\n'))
		i++;
	return i;
}

/* t[i] is '"'; returns the index after the closing quote. */
static size_t skip_string(const char *t, size_t i, size_t n)
{
	for (i++; i < n && t[i] != '"'; i++)
		if (t[i] == '\\')
			i++;
	return i < n ? i + 1 : n;
}

/* Skips one value of an already validated document. */
static size_t skip_value(const char *t, size_t i, size_t n)
{
	int depth = 0;

	if (i < n && t[i] == '"')
		return skip_string(t, i, n);
	while (i < n) {
		char c = t[i];

		if (c == '"') {
			i = skip_string(t, i, n);
			continue;
		}
		if (c == '{' || c == '[') {
			depth++;
		} else if (c == '}' || c == ']') {
			if (!depth)
				return i;
			if (!--depth)
				return i + 1;
		} else if (!depth && (c == ',' || c == ' ' || c == '\t' || c == '\r' || c == '\n')) {
			return i;
		}
		i++;
	}
	return n;
}

struct span {
	size_t start, end;
};

/* Finds the elements of the top-level "incidents" array in a validated
 * document, so each can be reported at its line and kept verbatim.
 * Returns the number found (0 when the key is spelled with escapes). */
static size_t find_elements(const char *t, size_t n, struct span **out)
{
	size_t i = skip_ws(t, 0, n), count = 0, alloc = 0;

	*out = NULL;
	if (i >= n || t[i] != '{')
		return 0;
	i++;
	while (i < n) {
		size_t ks, ke;

		i = skip_ws(t, i, n);
		if (i >= n || t[i] != '"')
			break;
		ks = i;
		ke = skip_string(t, i, n);
		i = skip_ws(t, ke, n);
		if (i >= n || t[i] != ':')
			break;
		i = skip_ws(t, i + 1, n);
		if (ke - ks == 11 && !memcmp(t + ks, "\"incidents\"", 11) && i < n && t[i] == '[') {
			i = skip_ws(t, i + 1, n);
			while (i < n && t[i] != ']') {
				struct span sp;

				sp.start = i;
				sp.end = skip_value(t, i, n);
				ALLOC_GROW(*out, count + 1, alloc);
				(*out)[count++] = sp;
				i = skip_ws(t, sp.end, n);
				if (i < n && t[i] == ',')
					i = skip_ws(t, i + 1, n);
			}
			return count;
		}
		i = skip_ws(t, skip_value(t, i, n), n);
		if (i < n && t[i] == ',')
			i++;
	}
	return count;
}

static int read_export(struct reader *r, const char *text, size_t len)
{
	struct buf err = BUF_INIT;
	json_t *doc, *arr, *rec;
	struct span *spans = NULL;
	size_t nspans, idx, at = 0;
	long line = 1;
	int col = 1, l = 0, c = 0, ret = 0;

	doc = json_parse_strict(text, len, &l, &c, &err);
	if (!doc) {
		ret = report_bad(r, l > 0 ? l : 1, c > 0 ? c : 1, -1, err.buf);
		buf_release(&err);
		return r->opt->skip_invalid ? 0 : ret; /* nothing else to read in this file */
	}
	arr = json_object_get(doc, "incidents");
	if (!json_is_array(arr)) {
		ret = report_bad(r, 1, 1, -1, "expected JSON lines or an object with an \"incidents\" list");
		json_decref(doc);
		buf_release(&err);
		return ret;
	}
	nspans = find_elements(text, len, &spans);
	json_array_foreach(arr, idx, rec) {
		const char *raw = NULL;
		size_t raw_len = 0;
		struct buf canon = BUF_INIT;

		if (nspans == json_array_size(arr)) {
			/* line and column of the element's first byte */
			for (; at < spans[idx].start; at++) {
				if (text[at] == '\n') {
					line++;
					col = 1;
				} else {
					col++;
				}
			}
			raw = text + spans[idx].start;
			raw_len = spans[idx].end - spans[idx].start;
		} else {
			json_append(&canon, rec);
			raw = canon.buf;
			raw_len = canon.len;
		}
		ret = take_record(r, rec, raw, raw_len, line, col, (long)idx);
		buf_release(&canon);
		if (ret)
			break;
	}
	free(spans);
	json_decref(doc);
	buf_release(&err);
	return ret;
}

/* A PagerDuty-style export when the file starts with '{' followed by
 * the end of the line (a pretty-printed document) or by the member
 * "incidents"; JSON lines otherwise. */
static int is_export(const char *text, size_t len)
{
	size_t i = skip_ws(text, len >= 3 && !memcmp(text, "\xef\xbb\xbf", 3) ? 3 : 0, len);

	if (i >= len || text[i] != '{')
		return 0;
	for (i++; i < len && (text[i] == ' ' || text[i] == '\t' || text[i] == '\r'); i++)
		;
	if (i >= len || text[i] == '\n')
		return 1;
	return len - i >= 11 && !memcmp(text + i, "\"incidents\"", 11);
}

static char *slurp(const char *path, size_t *len)
{
	struct buf b = BUF_INIT;
	char chunk[65536];
	size_t n;

	if (strcmp(path, "-"))
		return read_file(path, INCIDENT_MAX_FILE, len);
	while ((n = fread(chunk, 1, sizeof(chunk), stdin)) > 0) {
		if (b.len + n > INCIDENT_MAX_FILE) {
			buf_release(&b);
			errno = EFBIG;
			return NULL;
		}
		buf_add(&b, chunk, n);
	}
	if (ferror(stdin)) {
		buf_release(&b);
		errno = EIO;
		return NULL;
	}
	return buf_detach(&b, len);
}

static int read_one(struct reader *r, const char *path)
{
	size_t len = 0;
	char *text;
	int ret;

	r->file = strcmp(path, "-") ? path : "<stdin>";
	text = slurp(path, &len);
	if (!text) {
		if (errno == EFBIG)
			error("'%s' is larger than %u MiB", r->file, INCIDENT_MAX_FILE >> 20);
		else
			error("cannot read '%s': %s", r->file, strerror(errno));
		return EXIT_IO;
	}
	if (is_export(text, len)) {
		size_t bom = len >= 3 && !memcmp(text, "\xef\xbb\xbf", 3) ? 3 : 0;

		ret = read_export(r, text + bom, len - bom);
	} else {
		ret = read_jsonl(r, text, len);
	}
	free(text);
	if (ret)
		return r->bad ? EXIT_BADINPUT : EXIT_IO;
	return EXIT_OK;
}

/* ---- storing ------------------------------------------------------------ */

/* Stores every incident read, in one transaction, counting each as added,
 * updated or unchanged. */
static int store_incidents(struct store *s, struct reader *r)
{
	struct store_append *out = NULL;
	int ret = EXIT_IO;

	if (store_begin(s))
		return EXIT_IO;
	if (!(out = store_append_open(s)))
		goto out;
	for (size_t i = 0; i < r->n; i++) {
		int was;

		if (store_put_incident(out, &r->v[i], &was))
			goto out;
		if (was == STORE_INCIDENT_NEW)
			r->stats->added++;
		else if (was == STORE_INCIDENT_SAME)
			r->stats->unchanged++;
		else
			r->stats->updated++;
	}
	store_append_close(out);
	out = NULL;
	if (store_commit(s))
		goto out;
	ret = EXIT_OK;
out:
	store_append_close(out);
	if (ret != EXIT_OK)
		store_rollback(s);
	return ret;
}

int incident_import(struct store *s, char *const *files, int nfiles,
		    const struct incident_import_options *opt, struct incident_import_stats *stats)
{
	struct reader r = { .opt = opt, .stats = stats };
	int ret = EXIT_OK;

	memset(stats, 0, sizeof(*stats));
	for (int i = 0; i < nfiles && ret == EXIT_OK; i++)
		ret = read_one(&r, files[i]);
	if (ret == EXIT_OK && r.n)
		ret = store_incidents(s, &r);
	for (size_t i = 0; i < r.n; i++)
		incident_release(&r.v[i]);
	free(r.v);
	free(r.slots);
	return ret;
}

/* ---- reading back ---------------------------------------------------- */

#define SELECT_COLS "SELECT id, title, severity, services, environment, started_at, detected_at," \
		    " resolved_at, raw, source_file, source_line FROM incidents"

static char *col_dup(sqlite3_stmt *st, int col)
{
	const unsigned char *t = sqlite3_column_text(st, col);

	return xstrndup(t ? (const char *)t : "", (size_t)sqlite3_column_bytes(st, col));
}

static int col_time(sqlite3_stmt *st, int col, usec_t *out)
{
	const char *t = (const char *)sqlite3_column_text(st, col), *why;

	*out = INCIDENT_NO_TIME;
	return t ? time_parse_iso(t, out, &why) : 0;
}

/* Fills in from the current row; -1 (reported) when the row is damaged. */
static int from_row(sqlite3_stmt *st, struct incident *in)
{
	struct buf err = BUF_INIT;
	json_t *svc;
	int l, c;

	memset(in, 0, sizeof(*in));
	in->id = col_dup(st, 0);
	in->title = col_dup(st, 1);
	in->severity = col_dup(st, 2);
	in->environment = col_dup(st, 4);
	in->raw = col_dup(st, 8);
	in->source_file = col_dup(st, 9);
	in->source_line = (long)sqlite3_column_int64(st, 10);
	svc = json_parse_strict((const char *)sqlite3_column_text(st, 3) ? (const char *)sqlite3_column_text(st, 3) : "",
				(size_t)sqlite3_column_bytes(st, 3), &l, &c, &err);
	if (col_time(st, 5, &in->started) || in->started == INCIDENT_NO_TIME ||
	    col_time(st, 6, &in->detected) || col_time(st, 7, &in->resolved) || !json_is_array(svc)) {
		struct buf safe = BUF_INIT;

		buf_add_term_safe(&safe, in->id, strlen(in->id));
		error("incident '%s' is damaged in the store (bad time or services column)", safe.buf);
		buf_release(&safe);
		json_decref(svc);
		buf_release(&err);
		incident_release(in);
		return -1;
	}
	for (size_t i = 0; i < json_array_size(svc); i++) {
		json_t *v = json_array_get(svc, i);

		if (json_is_string(v) && in->nservices < INCIDENT_MAX_SERVICES) {
			in->services = xrealloc(in->services, (in->nservices + 1) * sizeof(*in->services));
			in->services[in->nservices++] = xstrdup(json_string_value(v));
		}
	}
	json_decref(svc);
	buf_release(&err);
	return 0;
}

int incident_list_load(struct store *s, struct incident_list *l)
{
	sqlite3_stmt *st;
	int rc;

	memset(l, 0, sizeof(*l));
	if (store_prepare(s, SELECT_COLS " ORDER BY started_at, id", &st))
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		ALLOC_GROW(l->v, l->n + 1, l->alloc);
		if (from_row(st, &l->v[l->n])) {
			sqlite3_finalize(st);
			incident_list_release(l);
			return -1;
		}
		l->n++;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		incident_list_release(l);
		return store_error(s, "cannot read incidents");
	}
	return 0;
}

void incident_list_release(struct incident_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		incident_release(&l->v[i]);
	free(l->v);
	memset(l, 0, sizeof(*l));
}

int incident_load(struct store *s, const char *id, struct incident *in)
{
	static const char *const sql[] = {
		SELECT_COLS " WHERE id = ?1",
		SELECT_COLS " WHERE id = ?1 COLLATE NOCASE LIMIT 2",
	};

	memset(in, 0, sizeof(*in));
	for (size_t k = 0; k < ARRAY_SIZE(sql); k++) {
		sqlite3_stmt *st;
		int rc, found = 0;

		if (store_prepare(s, sql[k], &st))
			return -1;
		sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
		while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
			if (found++) {
				incident_release(in); /* ambiguous without case */
				break;
			}
			if (from_row(st, in)) {
				sqlite3_finalize(st);
				return -1;
			}
		}
		sqlite3_finalize(st);
		if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
			if (found)
				incident_release(in);
			return store_error(s, "cannot read incident");
		}
		if (found == 1)
			return 1;
	}
	return 0;
}
