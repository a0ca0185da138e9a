/*
 * timeline.c - keyset paging over entries_ts (ts, seq), time seeks,
 * position counts and density buckets (see timeline.h). Every query is a
 * range read on the index; nothing here holds more rows than asked for.
 */
#include <ctype.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "trailscope/timeline.h"

#define ROW_COLS "ts, seq, actor, actor_type, action, target, environment, summary, " \
	"json_extract(CAST(leaf AS TEXT), '$.context.approval'), " \
	"json_extract(CAST(leaf AS TEXT), '$.outcome.status') = 'failure'"

static const char *const fetch_sql[4] = {
	"SELECT " ROW_COLS " FROM entries WHERE (ts, seq) > (?1, ?2) ORDER BY ts, seq LIMIT ?3",
	"SELECT " ROW_COLS " FROM entries WHERE (ts, seq) >= (?1, ?2) ORDER BY ts, seq LIMIT ?3",
	"SELECT " ROW_COLS " FROM entries WHERE (ts, seq) < (?1, ?2) ORDER BY ts DESC, seq DESC LIMIT ?3",
	"SELECT " ROW_COLS " FROM entries WHERE (ts, seq) <= (?1, ?2) ORDER BY ts DESC, seq DESC LIMIT ?3",
};
static const char *const first_sql[2] = {
	"SELECT " ROW_COLS " FROM entries ORDER BY ts, seq LIMIT ?1",
	"SELECT " ROW_COLS " FROM entries ORDER BY ts DESC, seq DESC LIMIT ?1",
};

int timeline_open(struct timeline *tl, struct store *s, int newest_first)
{
	memset(tl, 0, sizeof(*tl));
	tl->s = s;
	tl->newest_first = newest_first;
	for (int i = 0; i < 4; i++)
		if (store_prepare(s, fetch_sql[i], &tl->st[i]))
			goto fail;
	for (int i = 0; i < 2; i++)
		if (store_prepare(s, first_sql[i], &tl->first[i]))
			goto fail;
	return 0;
fail:
	timeline_close(tl);
	return -1;
}

void timeline_close(struct timeline *tl)
{
	for (int i = 0; i < 4; i++)
		sqlite3_finalize(tl->st[i]);
	for (int i = 0; i < 2; i++)
		sqlite3_finalize(tl->first[i]);
	memset(tl, 0, sizeof(*tl));
}

static char *col_dup(sqlite3_stmt *st, int col)
{
	const unsigned char *t = sqlite3_column_text(st, col);

	return xstrndup(t ? (const char *)t : "", (size_t)sqlite3_column_bytes(st, col));
}

static int is_production(const char *env)
{
	static const char *const names[] = { "production", "prod", "prd", "live" };

	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		if (!strcasecmp(env, names[i]))
			return 1;
	return !strncasecmp(env, "prod", 4);
}

/* Approval is missing when it was required (or the change is in
 * production and no approval is recorded) and nobody approved. */
static int approval_missing(const char *approval, int production)
{
	json_t *a, *req, *by;
	int missing;

	if (!approval)
		return production;
	a = json_loads(approval, JSON_DECODE_ANY, NULL);
	if (!json_is_object(a)) {
		json_decref(a);
		return production;
	}
	req = json_object_get(a, "required");
	by = json_object_get(a, "approved_by");
	missing = (json_is_true(req) || (production && !json_is_false(req))) &&
		  (!by || json_is_null(by) || (json_is_string(by) && !*json_string_value(by)));
	json_decref(a);
	return missing;
}

static void row_read(sqlite3_stmt *st, struct tl_row *r)
{
	const unsigned char *ts = sqlite3_column_text(st, 0);
	const char *approval = (const char *)sqlite3_column_text(st, 8);

	memset(r, 0, sizeof(*r));
	snprintf(r->key.ts, sizeof(r->key.ts), "%s", ts ? (const char *)ts : "");
	r->key.seq = sqlite3_column_int64(st, 1);
	r->actor = col_dup(st, 2);
	r->actor_type = col_dup(st, 3);
	r->action = col_dup(st, 4);
	r->target = col_dup(st, 5);
	r->environment = col_dup(st, 6);
	r->summary = col_dup(st, 7);
	if (!strcmp(r->actor_type, "service"))
		r->flags |= TL_SERVICE;
	if (is_production(r->environment))
		r->flags |= TL_PRODUCTION;
	if (approval_missing(approval, !!(r->flags & TL_PRODUCTION)))
		r->flags |= TL_APPROVAL_MISSING;
	if (sqlite3_column_int(st, 9) == 1)
		r->flags |= TL_FAILED;
}

static int run_rows(struct timeline *tl, sqlite3_stmt *st, struct tl_page *out)
{
	int rc, got = 0;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		ALLOC_GROW(out->v, out->n + 1, out->alloc);
		row_read(st, &out->v[out->n++]);
		got++;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return store_error(tl->s, "cannot read the timeline");
	return got;
}

int timeline_fetch(struct timeline *tl, const struct tl_key *from, int forward, int inclusive,
		   size_t n, struct tl_page *out)
{
	/* display forward in newest-first order is descending time */
	int asc = forward ? !tl->newest_first : tl->newest_first;
	sqlite3_stmt *st;

	if (!n)
		return 0;
	if (!from) {
		st = tl->first[asc ? 0 : 1];
		sqlite3_bind_int64(st, 1, (sqlite3_int64)n);
	} else {
		st = tl->st[(asc ? 0 : 2) + (inclusive ? 1 : 0)];
		sqlite3_bind_text(st, 1, from->ts, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(st, 2, from->seq);
		sqlite3_bind_int64(st, 3, (sqlite3_int64)n);
	}
	return run_rows(tl, st, out);
}

static int one_key(struct store *s, const char *sql, const char *ts, struct tl_key *out)
{
	sqlite3_stmt *st;
	int rc, ret;

	if (store_prepare(s, sql, &st))
		return -1;
	if (ts)
		sqlite3_bind_text(st, 1, ts, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		const unsigned char *t = sqlite3_column_text(st, 0);

		snprintf(out->ts, sizeof(out->ts), "%s", t ? (const char *)t : "");
		out->seq = sqlite3_column_int64(st, 1);
		ret = 1;
	} else {
		ret = rc == SQLITE_DONE ? 0 : store_error(s, "cannot seek in the timeline");
	}
	sqlite3_finalize(st);
	return ret;
}

int timeline_seek_time(struct timeline *tl, usec_t t, struct tl_key *out)
{
	char ts[32];
	int ret;

	time_format(t, ts);
	ret = one_key(tl->s, "SELECT ts, seq FROM entries WHERE ts >= ?1 ORDER BY ts, seq LIMIT 1", ts, out);
	if (ret == 0)
		ret = one_key(tl->s, "SELECT ts, seq FROM entries ORDER BY ts DESC, seq DESC LIMIT 1",
			      NULL, out);
	return ret;
}

static int progress_cancel(void *ctx)
{
	volatile int *cancel = ctx;

	return cancel && *cancel;
}

static int64_t count_sql(struct store *s, const char *sql, const char *a, int64_t b, const char *c,
			 volatile int *cancel)
{
	sqlite3_stmt *st;
	int64_t n = -1;
	int rc;

	if (store_prepare(s, sql, &st))
		return -1;
	sqlite3_bind_text(st, 1, a, -1, SQLITE_TRANSIENT);
	if (c)
		sqlite3_bind_text(st, 2, c, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_int64(st, 2, b);
	if (cancel)
		sqlite3_progress_handler(s->db, 10000, progress_cancel, (void *)cancel);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	else if (!(cancel && *cancel))
		store_error(s, "cannot count entries");
	if (cancel)
		sqlite3_progress_handler(s->db, 0, NULL, NULL);
	sqlite3_finalize(st);
	return n;
}

int64_t timeline_count_before(struct store *s, const struct tl_key *key, volatile int *cancel)
{
	return count_sql(s, "SELECT count(*) FROM entries WHERE (ts, seq) < (?1, ?2)",
			 key->ts, key->seq, NULL, cancel);
}

int timeline_parse_ts(const char *ts, usec_t *out)
{
	const char *why;

	return time_parse_iso(ts, out, &why);
}

int timeline_range(struct store *s, usec_t *first, usec_t *last)
{
	struct tl_key a, b;
	int ret;

	ret = one_key(s, "SELECT ts, seq FROM entries ORDER BY ts, seq LIMIT 1", NULL, &a);
	if (ret <= 0)
		return ret;
	ret = one_key(s, "SELECT ts, seq FROM entries ORDER BY ts DESC, seq DESC LIMIT 1", NULL, &b);
	if (ret <= 0)
		return ret;
	if (timeline_parse_ts(a.ts, first) || timeline_parse_ts(b.ts, last))
		return error("unreadable time in the store ('%s' or '%s')", a.ts, b.ts);
	return 1;
}

static usec_t bucket_start(usec_t first, usec_t last, size_t nbuckets, size_t i)
{
	/* span + 1 so that last falls inside the last bucket */
	double span = (double)(last - first) + 1.0;

	return first + (usec_t)(span * (double)i / (double)nbuckets);
}

size_t timeline_bucket_of(usec_t first, usec_t last, size_t nbuckets, usec_t t)
{
	double span = (double)(last - first) + 1.0;
	double b;

	if (!nbuckets || t <= first)
		return 0;
	b = (double)(t - first) * (double)nbuckets / span;
	return b >= (double)nbuckets ? nbuckets - 1 : (size_t)b;
}

int timeline_density(struct store *s, usec_t first, usec_t last, size_t nbuckets,
		     uint64_t *counts, volatile int *cancel)
{
	for (size_t i = 0; i < nbuckets; i++) {
		char a[32], b[32];
		int64_t n;

		time_format(bucket_start(first, last, nbuckets, i), a);
		if (i + 1 == nbuckets) {
			/* the last bucket is open-ended so that nothing is lost to rounding */
			n = count_sql(s, "SELECT count(*) FROM entries WHERE ts >= ?1 AND ?2 = 0",
				      a, 0, NULL, cancel);
		} else {
			time_format(bucket_start(first, last, nbuckets, i + 1), b);
			n = count_sql(s, "SELECT count(*) FROM entries WHERE ts >= ?1 AND ts < ?2",
				      a, 0, b, cancel);
		}
		if (n < 0 || (cancel && *cancel))
			return -1;
		counts[i] = (uint64_t)n;
	}
	return 0;
}

int timeline_parse_user_time(const char *s, usec_t ref, usec_t *out, const char **why)
{
	char buf[64];
	size_t len;

	while (isspace((unsigned char)*s))
		s++;
	len = strlen(s);
	while (len && isspace((unsigned char)s[len - 1]))
		len--;
	if (!len || len >= sizeof(buf)) {
		*why = "expected a time like 2026-03-05 14:00, 14:00, -2h or +30m";
		return -1;
	}
	memcpy(buf, s, len);
	buf[len] = 0;
	if (buf[0] == '-' || buf[0] == '+') {
		usec_t off;
		int rc = time_parse_duration(buf + 1, INT64_MAX / 2, &off);

		if (rc) {
			*why = rc == -2 ? "offset too large" : "expected an offset like -2h, +30m, -1d or -90s";
			return -1;
		}
		*out = buf[0] == '-' ? ref - off : ref + off;
		return 0;
	}
	if (len >= 4 && buf[2] == ':' && isdigit((unsigned char)buf[0])) {
		/* a time of day on the day of ref */
		char day[32], full[128];

		time_format(ref, day);
		day[10] = 0;
		snprintf(full, sizeof(full), "%sT%sZ", day, buf);
		if (time_parse_iso(full, out, why) == 0)
			return 0;
		*why = "expected a time of day like 14:00 or 14:00:30";
		return -1;
	}
	return time_parse_iso(buf, out, why);
}

void tl_row_release(struct tl_row *r)
{
	free(r->actor);
	free(r->actor_type);
	free(r->action);
	free(r->target);
	free(r->environment);
	free(r->summary);
	memset(r, 0, sizeof(*r));
}

void tl_row_move(struct tl_row *dst, struct tl_row *src)
{
	*dst = *src;
	memset(src, 0, sizeof(*src));
}

void tl_page_clear(struct tl_page *p)
{
	for (size_t i = 0; i < p->n; i++)
		tl_row_release(&p->v[i]);
	p->n = 0;
}

void tl_page_release(struct tl_page *p)
{
	tl_page_clear(p);
	free(p->v);
	p->v = NULL;
	p->alloc = 0;
}
