/*
 * incident.c - incidents beside the events (see incident.h): strict
 * reading of JSON lines and PagerDuty-style exports through the events'
 * record reader (fmt_read), one transaction per import, listing, lookup
 * by id, and the incident's window.
 *
 * Cost: JSON lines are streamed, a document read whole (fmt_read's
 * limit); the records are held (at most INCIDENT_MAX_FILE bytes), each
 * parsed strictly once, then written in one transaction with
 * one indexed probe and one insert per incident. Lookups are one primary
 * key read.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "trailscope/format_util.h"
#include "trailscope/incident.h"
#include "trailscope/jcs.h"
#include "trailscope/store_append.h"
#include "row_read.h"

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

		if (!(d >= 0 && d <= 9007199254740992.0) || d != floor(d)) {
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

int incident_from_json(const json_t *rec, struct incident *in, struct buf *err, const char **at)
{
	const char *member = NULL; /* the member at fault, when one is */
	json_t *prio;
	int rc;

	memset(in, 0, sizeof(*in));
	in->detected = in->resolved = INCIDENT_NO_TIME;
	if (!json_is_object(rec)) {
		buf_addstr(err, "expected a JSON object");
		goto bad;
	}
	member = "id";
	if ((rc = get_text(rec, "id", 1, &in->id, err)) < 0)
		goto bad;
	if (!rc || !*in->id) {
		buf_addstr(err, rc ? "empty \"id\"" : "missing \"id\"");
		member = rc ? member : NULL;
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
	if ((rc = get_text(rec, member = "title", 0, &in->title, err)) < 0)
		goto bad;
	if (!rc && get_text(rec, member = "summary", 0, &in->title, err) < 0)
		goto bad;
	if ((rc = get_text(rec, member = "severity", 1, &in->severity, err)) < 0)
		goto bad;
	prio = json_object_get(rec, "priority");
	if (!rc && json_is_object(prio) && json_is_string(json_object_get(prio, "summary")))
		rc = get_text(prio, "summary", 0, &in->severity, err);
	if (!rc && (rc = get_text(rec, member = "urgency", 0, &in->severity, err)) < 0)
		goto bad;
	member = json_object_get(rec, "services") ? "services" : "service";
	if (get_services(rec, in, err))
		goto bad;
	if (get_text(rec, member = "environment", 0, &in->environment, err) < 0)
		goto bad;
	if ((rc = get_time(rec, member = "started_at", &in->started, err)) < 0)
		goto bad;
	if (!rc && (rc = get_time(rec, member = "created_at", &in->started, err)) < 0)
		goto bad;
	if (!rc) {
		buf_addstr(err, "missing \"started_at\" (or \"created_at\")");
		member = NULL;
		goto bad;
	}
	if ((rc = get_time(rec, member = "detected_at", &in->detected, err)) < 0)
		goto bad;
	if (!rc && get_time(rec, member = "created_at", &in->detected, err) < 0)
		goto bad;
	if ((rc = get_time(rec, member = "resolved_at", &in->resolved, err)) < 0)
		goto bad;
	if (!rc && json_is_string(json_object_get(rec, "status")) &&
	    !strcmp(json_string_value(json_object_get(rec, "status")), "resolved") &&
	    get_time(rec, member = "last_status_change_at", &in->resolved, err) < 0)
		goto bad;
	if (in->detected != INCIDENT_NO_TIME && in->detected < in->started) {
		buf_addstr(err, "detected_at is before started_at");
		member = json_object_get(rec, "detected_at") ? "detected_at" : "created_at";
		goto bad;
	}
	if (in->resolved != INCIDENT_NO_TIME && in->resolved < in->started) {
		buf_addstr(err, "resolved_at is before started_at");
		member = json_object_get(rec, "resolved_at") ? "resolved_at" : "last_status_change_at";
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
	if (at)
		*at = member;
	incident_release(in);
	return -1;
}

void incident_window_lookback(const struct incident *in, usec_t lookback, usec_t *from, usec_t *to)
{
	*from = in->started - lookback;
	if (in->resolved != INCIDENT_NO_TIME && in->resolved >= in->started)
		*to = in->resolved;
	else
		*to = in->started + lookback;
}

void incident_window(const struct incident *in, usec_t *from, usec_t *to)
{
	incident_window_lookback(in, INCIDENT_LOOKBACK, from, to);
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
	size_t held;              /* bytes of raw records held */
	int too_big;              /* held would pass INCIDENT_MAX_FILE */
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

/* Reports a bad record (the sink's bad()); returns 0 to go on, -1 to stop. */
static int report_bad(void *ctx, long line, int col, long index, const char *why)
{
	struct reader *r = ctx;

	format_report_bad(r->file, line, col, index, "incident", why, r->opt->skip_invalid);
	r->stats->records++;
	if (!r->opt->skip_invalid) {
		r->bad = 1;
		return -1;
	}
	r->stats->skipped++;
	return 0;
}

/* The reader's record callback: takes one parsed incident record of the
 * file. Returns 0 to go on, -1 to stop. */
static int take_record(struct fmt_reader *fr, const struct fmt_record *rec)
{
	struct reader *r = fr->data;
	struct buf err = BUF_INIT;
	struct incident in;
	const char *member;
	size_t slot;
	int ret;

	if (incident_from_json(rec->json, &in, &err, &member)) {
		/* at the value of the member at fault, when one is */
		long line = rec->line;
		int col = rec->col;

		if (member)
			fmt_member_pos(rec, member, &line, &col);
		ret = report_bad(r, line, col, rec->index, err.buf);
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
		ret = report_bad(r, rec->line, rec->col, rec->index, err.buf);
		buf_release(&err);
		return ret;
	}
	if (r->held + rec->raw_len > INCIDENT_MAX_FILE) {
		incident_release(&in);
		r->too_big = 1;
		return -1;
	}
	r->held += rec->raw_len;
	in.raw = xstrndup(rec->raw, rec->raw_len);
	in.source_file = xstrdup(r->file);
	in.source_line = rec->line;
	ALLOC_GROW(r->v, r->n + 1, r->alloc);
	r->v[r->n] = in;
	r->slots[slot] = ++r->n;
	r->stats->records++;
	buf_release(&err);
	return 0;
}

/* Reads one file through the record reader events use (format_util.h):
 * JSON lines, or one document whose "incidents" array (or top-level
 * array) holds the records, or a single record; gzip or plain. */
static int read_one(struct reader *r, const char *path)
{
	static const char *const wrappers[] = { "incidents", NULL };
	struct record_sink sink = { .bad = report_bad, .ctx = r };
	struct fmt_reader fr = {
		.format = "incidents", .sink = &sink, .wrappers = wrappers,
		.record = take_record, .data = r,
	};
	char head[64];
	size_t head_len = 0;
	FILE *f;
	int rc;

	r->file = fr.file = strcmp(path, "-") ? path : "<stdin>";
	f = format_open_input(path, r->file, head, sizeof(head) - 1, &head_len);
	if (!f)
		return -1;
	rc = fmt_read(&fr, f);
	fclose(f);
	if (r->too_big) {
		struct buf safe = BUF_INIT;

		buf_add_term_safe(&safe, r->file, strlen(r->file));
		error("%s: more than %u MiB of incident records in one import", safe.buf,
		      INCIDENT_MAX_FILE >> 20);
		buf_release(&safe);
		return failed_as(ERR_INPUT);
	}
	if (!rc)
		return 0;
	return failed_as(r->bad || rc == -2 ? ERR_INPUT : ERR_IO);
}

/* ---- storing ------------------------------------------------------------ */

/* Stores every incident read, in one transaction, counting each as added,
 * updated or unchanged. */
static int store_incidents(struct store *s, struct reader *r)
{
	struct store_append *out = NULL;
	int ret = -1;

	if (store_begin(s))
		return -1;
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
	ret = 0;
out:
	store_append_close(out);
	if (ret)
		store_rollback(s);
	return ret;
}

int incident_import(struct store *s, char *const *files, int nfiles,
		    const struct incident_import_options *opt, struct incident_import_stats *stats)
{
	struct reader r = { .opt = opt, .stats = stats };
	int ret = 0;

	memset(stats, 0, sizeof(*stats));
	for (int i = 0; i < nfiles && ret == 0; i++)
		ret = read_one(&r, files[i]);
	if (ret == 0 && r.n)
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

static int col_time(const struct rows *r, int col, usec_t *out)
{
	const char *t = rows_col(r, col)->p, *why;

	*out = INCIDENT_NO_TIME;
	return t ? time_parse_iso(t, out, &why) : 0;
}

/* Fills in from the current row; -1 (reported) when the row is damaged. */
static int from_row(const struct rows *r, struct incident *in)
{
	json_t *svc;

	memset(in, 0, sizeof(*in));
	in->id = row_dup(r, 0);
	in->title = row_dup(r, 1);
	in->severity = row_dup(r, 2);
	in->environment = row_dup(r, 4);
	in->raw = row_dup(r, 8);
	in->source_file = row_dup(r, 9);
	in->source_line = (long)rows_col(r, 10)->i;
	svc = row_json(r, 3);
	if (col_time(r, 5, &in->started) || in->started == INCIDENT_NO_TIME ||
	    col_time(r, 6, &in->detected) || col_time(r, 7, &in->resolved) || !json_is_array(svc)) {
		struct buf safe = BUF_INIT;

		buf_add_term_safe(&safe, in->id, strlen(in->id));
		error("incident '%s' is damaged in the store (bad time or services column)", safe.buf);
		buf_release(&safe);
		json_decref(svc);
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
	return 0;
}

int incident_list_load(struct store *s, struct incident_list *l)
{
	struct buf err = BUF_INIT;
	struct rows *r;
	int rc = -1;

	memset(l, 0, sizeof(*l));
	r = row_open(s, SELECT_COLS " ORDER BY started_at, id", NULL, 0, "incidents", &err);
	while (r && (rc = rows_next(r)) == 1) {
		ALLOC_GROW(l->v, l->n + 1, l->alloc);
		if (from_row(r, &l->v[l->n])) {
			rc = -2; /* reported */
			break;
		}
		l->n++;
	}
	if (r && rc == -1)
		row_fail(s, &err);
	rows_close(r);
	buf_release(&err);
	if (rc != 0) {
		incident_list_release(l);
		return -1;
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
	/* then without case, as SQLite's NOCASE: ASCII letters only. lower()
	 * of the column folds ASCII only on SQLite and under the column's
	 * "C" collation on PostgreSQL; the id is folded here, since the
	 * server would fold a parameter by the database's own collation */
	static const char *const sql[] = {
		SELECT_COLS " WHERE id = $1",
		SELECT_COLS " WHERE lower(id) = $1 LIMIT 2",
	};
	char *folded = xstrdup(id);
	const struct row_param p[][1] = { { ROW_TEXT(id) }, { ROW_TEXT(folded) } };
	int ret = 0;

	for (char *c = folded; *c; c++)
		if (*c >= 'A' && *c <= 'Z')
			*c = (char)(*c - 'A' + 'a');
	memset(in, 0, sizeof(*in));
	for (size_t k = 0; k < ARRAY_SIZE(sql) && !ret; k++) {
		struct buf err = BUF_INIT;
		struct rows *r = row_open(s, sql[k], p[k], 1, "incident", &err);
		int rc = -1, found = 0;

		while (r && (rc = rows_next(r)) == 1) {
			if (found++) {
				incident_release(in); /* ambiguous without case */
				break;
			}
			if (from_row(r, in)) {
				rc = -2; /* reported */
				break;
			}
		}
		if (r && rc == -1)
			row_fail(s, &err);
		rows_close(r);
		buf_release(&err);
		if (rc < 0) {
			if (found && rc == -1)
				incident_release(in);
			ret = -1;
		} else if (found == 1) {
			ret = 1;
		}
	}
	free(folded);
	return ret;
}
