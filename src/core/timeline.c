/*
 * timeline.c - keyset paging over entries_ts (ts, seq), time seeks,
 * position counts and density buckets (see timeline.h). Every query is a
 * range read on the index; nothing here holds more rows than asked for.
 * The SQL is written once for both backends and read through rows.h; the
 * leaf's members are the one place the dialects differ (row_sql).
 */
#include <ctype.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "trailscope/timeline.h"
#include "rows.h"

/* The display columns, then the leaf's context.approval (JSON text, or
 * NULL) and whether its outcome.status is "failure" (1 or 0). */
#define ROW_COLS "ts, seq, actor, actor_type, action, target, environment, summary, %s, " \
	"CASE WHEN %s = 'failure' THEN 1 ELSE 0 END"

static const char *const fetch_tail[4] = {
	"WHERE (ts, seq) > ($1, $2) ORDER BY ts, seq LIMIT $3",
	"WHERE (ts, seq) >= ($1, $2) ORDER BY ts, seq LIMIT $3",
	"WHERE (ts, seq) < ($1, $2) ORDER BY ts DESC, seq DESC LIMIT $3",
	"WHERE (ts, seq) <= ($1, $2) ORDER BY ts DESC, seq DESC LIMIT $3",
};
static const char *const first_tail[2] = {
	"ORDER BY ts, seq LIMIT $1",
	"ORDER BY ts DESC, seq DESC LIMIT $1",
};

/* "SELECT ROW_COLS FROM entries TAIL" in s's dialect: the leaf is a
 * BLOB of JSON text on SQLite, a bytea of UTF-8 JSON on PostgreSQL. */
static char *row_sql(const struct store *s, const char *tail)
{
	struct buf b = BUF_INIT;

	buf_addstr(&b, "SELECT ");
	if (s->pg)
		buf_addf(&b, ROW_COLS, "(convert_from(leaf, 'UTF8')::json -> 'context' -> 'approval')::text",
			 "(convert_from(leaf, 'UTF8')::json -> 'outcome' ->> 'status')");
	else
		buf_addf(&b, ROW_COLS, "json_extract(CAST(leaf AS TEXT), '$.context.approval')",
			 "json_extract(CAST(leaf AS TEXT), '$.outcome.status')");
	buf_addf(&b, " FROM entries %s", tail);
	return buf_detach(&b, NULL);
}

int timeline_open(struct timeline *tl, struct store *s, int newest_first)
{
	memset(tl, 0, sizeof(*tl));
	tl->s = s;
	tl->newest_first = newest_first;
	for (int i = 0; i < 4; i++)
		tl->fetch_sql[i] = row_sql(s, fetch_tail[i]);
	for (int i = 0; i < 2; i++)
		tl->first_sql[i] = row_sql(s, first_tail[i]);
	return 0;
}

void timeline_close(struct timeline *tl)
{
	for (int i = 0; i < 4; i++)
		free(tl->fetch_sql[i]);
	for (int i = 0; i < 2; i++)
		free(tl->first_sql[i]);
	memset(tl, 0, sizeof(*tl));
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
static int approval_missing(const char *approval, size_t len, int production)
{
	json_t *a, *req, *by;
	int missing;

	if (!approval)
		return production;
	a = json_loadb(approval, len, JSON_DECODE_ANY, NULL);
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

/* A text column's value, owned ("" for NULL). */
static char *col_dup(const struct rows *r, int col)
{
	const struct row_col *c = rows_col(r, col);

	return c->p ? xstrndup(c->p, c->n) : xstrdup("");
}

static void key_read(const struct rows *r, struct tl_key *k)
{
	const struct row_col *ts = rows_col(r, 0);

	snprintf(k->ts, sizeof(k->ts), "%.*s", ts->p ? (int)ts->n : 0, ts->p ? ts->p : "");
	k->seq = rows_col(r, 1)->i;
}

static void row_read(const struct rows *r, struct tl_row *out)
{
	const struct row_col *approval = rows_col(r, 8), *failed = rows_col(r, 9);

	memset(out, 0, sizeof(*out));
	key_read(r, &out->key);
	out->actor = col_dup(r, 2);
	out->actor_type = col_dup(r, 3);
	out->action = col_dup(r, 4);
	out->target = col_dup(r, 5);
	out->environment = col_dup(r, 6);
	out->summary = col_dup(r, 7);
	if (!strcmp(out->actor_type, "service"))
		out->flags |= TL_SERVICE;
	if (is_production(out->environment))
		out->flags |= TL_PRODUCTION;
	if (approval_missing(approval->p, approval->n, !!(out->flags & TL_PRODUCTION)))
		out->flags |= TL_APPROVAL_MISSING;
	if (failed->is_int && failed->i == 1)
		out->flags |= TL_FAILED;
}

/* Runs sql and appends its rows to out. Returns the rows read, or -1
 * (reported: "STORE: cannot read WHAT: MESSAGE"). */
static int run_rows(struct store *s, const char *sql, const struct row_param *p, int np, const char *what,
		    struct tl_page *out)
{
	struct buf err = BUF_INIT;
	struct rows *r = rows_open(s, NULL, sql, p, np, what, &err);
	int rc = r ? 1 : -1, got = 0;

	while (r && (rc = rows_next(r)) == 1) {
		ALLOC_GROW(out->v, out->n + 1, out->alloc);
		row_read(r, &out->v[out->n++]);
		got++;
	}
	rows_close(r);
	if (rc < 0)
		got = error("%s: %s", s->path, err.buf);
	buf_release(&err);
	return got;
}

int timeline_fetch(struct timeline *tl, const struct tl_key *from, int forward, int inclusive,
		   size_t n, struct tl_page *out)
{
	/* display forward in newest-first order is descending time */
	int asc = forward ? !tl->newest_first : tl->newest_first;

	if (!n)
		return 0;
	if (!from) {
		const struct row_param p[] = { ROW_INT((int64_t)n) };

		return run_rows(tl->s, tl->first_sql[asc ? 0 : 1], p, 1, "the timeline", out);
	} else {
		const struct row_param p[] = { ROW_TEXT(from->ts), ROW_INT(from->seq), ROW_INT((int64_t)n) };

		return run_rows(tl->s, tl->fetch_sql[(asc ? 0 : 2) + (inclusive ? 1 : 0)], p, 3, "the timeline",
				out);
	}
}

/* The (ts, seq) of the first row sql gives: 1, 0 when none, -1 (reported). */
static int one_key(struct store *s, const char *sql, const char *ts, struct tl_key *out)
{
	const struct row_param p[] = { ROW_TEXT(ts) };
	struct buf err = BUF_INIT;
	struct rows *r = rows_open(s, NULL, sql, p, ts ? 1 : 0, "the timeline (seeking)", &err);
	int ret = r ? rows_next(r) : -1;

	if (ret == 1)
		key_read(r, out);
	rows_close(r);
	if (ret < 0)
		error("%s: %s", s->path, err.buf);
	buf_release(&err);
	return ret;
}

int timeline_row_at(struct store *s, int64_t seq, struct tl_row *out)
{
	const struct row_param p[] = { ROW_INT(seq) };
	struct tl_page page = TL_PAGE_INIT;
	char *sql = row_sql(s, "WHERE seq = $1");
	int got = run_rows(s, sql, p, 1, "the entry", &page);

	free(sql);
	memset(out, 0, sizeof(*out));
	if (got > 0)
		tl_row_move(out, &page.v[0]);
	tl_page_release(&page);
	return got < 0 ? -1 : got > 0;
}

int timeline_seek_time(struct timeline *tl, usec_t t, struct tl_key *out)
{
	char ts[32];
	int ret;

	time_format(t, ts);
	ret = one_key(tl->s, "SELECT ts, seq FROM entries WHERE ts >= $1 ORDER BY ts, seq LIMIT 1", ts, out);
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

/* The count sql gives with its parameters. On SQLite cancel (may be
 * NULL) interrupts it (progress handler); a PostgreSQL count runs to its
 * end, cancel read after it. -1 on error (reported) or cancel. */
static int64_t count_sql(struct store *s, const char *sql, const struct row_param *p, int np,
			 volatile int *cancel)
{
	struct buf err = BUF_INIT;
	struct rows *r;
	int64_t n = -1;
	int rc;

	if (cancel && !s->pg)
		store_set_progress(s, progress_cancel, (void *)cancel, 10000);
	r = rows_open(s, NULL, sql, p, np, "entries", &err);
	rc = r ? rows_next(r) : -1;
	if (rc == 1 && rows_col(r, 0)->is_int)
		n = rows_col(r, 0)->i;
	rows_close(r);
	if (cancel && !s->pg)
		store_set_progress(s, NULL, NULL, 0);
	if (n < 0 && !(cancel && *cancel))
		error("%s: %s", s->path, err.len ? err.buf : "cannot count entries");
	buf_release(&err);
	return n;
}

int64_t timeline_count_before(struct store *s, const struct tl_key *key, volatile int *cancel)
{
	const struct row_param p[] = { ROW_TEXT(key->ts), ROW_INT(key->seq) };

	return count_sql(s, "SELECT count(*) FROM entries WHERE (ts, seq) < ($1, $2)", p, 2, cancel);
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
			const struct row_param p[] = { ROW_TEXT(a) };

			n = count_sql(s, "SELECT count(*) FROM entries WHERE ts >= $1", p, 1, cancel);
		} else {
			const struct row_param p[] = { ROW_TEXT(a), ROW_TEXT(b) };

			time_format(bucket_start(first, last, nbuckets, i + 1), b);
			n = count_sql(s, "SELECT count(*) FROM entries WHERE ts >= $1 AND ts < $2", p, 2, cancel);
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
	free(r->target_kind);
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

/* The position model: the window of rows shown over the keyset pages. */

void tl_window_init(struct tl_window *w, tl_fetch_fn fetch, void *ctx, int rows)
{
	memset(w, 0, sizeof(*w));
	w->fetch = fetch;
	w->ctx = ctx;
	w->rows = rows;
}

void tl_window_release(struct tl_window *w)
{
	tl_page_release(&w->page);
}

int tl_window_rows(const struct tl_window *w)
{
	return w->rows > 0 ? w->rows : 20;
}

const struct tl_row *tl_window_cursor(const struct tl_window *w)
{
	return w->page.n ? &w->page.v[w->cur] : NULL;
}

static int win_fetch(struct tl_window *w, const struct tl_key *from, int forward, int inclusive,
		     size_t n, struct tl_page *out)
{
	if (!n)
		return 0;
	return w->fetch(w->ctx, from, forward, inclusive, n, out);
}

static void swap_pages(struct tl_page *a, struct tl_page *b)
{
	struct tl_page t = *a;

	*a = *b;
	*b = t;
}

void tl_window_center(struct tl_window *w, const struct tl_key *key, int above)
{
	struct tl_page back = TL_PAGE_INIT, fwd = TL_PAGE_INIT;
	int n = tl_window_rows(w), got;

	if (above >= n)
		above = n - 1;
	win_fetch(w, key, 0, 0, (size_t)above, &back);
	got = win_fetch(w, key, 1, 1, (size_t)(n - (int)back.n), &fwd);
	if (got >= 0 && (int)(back.n + fwd.n) < n && back.n == (size_t)above) {
		/* near the end: show more rows above */
		win_fetch(w, back.n ? &back.v[back.n - 1].key : key, 0, 0,
			  (size_t)(n - (int)(back.n + fwd.n)), &back);
	}
	tl_page_clear(&w->page);
	for (size_t i = back.n; i-- > 0;) {
		ALLOC_GROW(w->page.v, w->page.n + 1, w->page.alloc);
		tl_row_move(&w->page.v[w->page.n++], &back.v[i]);
	}
	w->cur = (int)w->page.n;
	for (size_t i = 0; i < fwd.n; i++) {
		ALLOC_GROW(w->page.v, w->page.n + 1, w->page.alloc);
		tl_row_move(&w->page.v[w->page.n++], &fwd.v[i]);
	}
	if (w->cur >= (int)w->page.n)
		w->cur = (int)w->page.n - 1;
	if (w->cur < 0)
		w->cur = 0;
	back.n = fwd.n = 0;
	tl_page_release(&back);
	tl_page_release(&fwd);
}

void tl_window_first(struct tl_window *w)
{
	tl_page_clear(&w->page);
	win_fetch(w, NULL, 1, 0, (size_t)tl_window_rows(w), &w->page);
	w->cur = 0;
	w->dpos = 0;
	w->from_end = 0;
	w->rank_pending = 0;
}

void tl_window_last(struct tl_window *w, int64_t total, int counted)
{
	struct tl_page back = TL_PAGE_INIT;

	win_fetch(w, NULL, 0, 0, (size_t)tl_window_rows(w), &back);
	tl_page_clear(&w->page);
	for (size_t i = back.n; i-- > 0;) {
		ALLOC_GROW(w->page.v, w->page.n + 1, w->page.alloc);
		tl_row_move(&w->page.v[w->page.n++], &back.v[i]);
	}
	back.n = 0;
	tl_page_release(&back);
	w->cur = w->page.n ? (int)w->page.n - 1 : 0;
	w->dpos = total > 0 ? total - 1 : counted ? -1 : 0;
	w->rank_pending = 0;
	w->rank_delta = 0;
	w->from_end = w->dpos < 0;
}

int tl_window_scroll(struct tl_window *w, int k)
{
	struct tl_page more = TL_PAGE_INIT, np = TL_PAGE_INIT;
	int n = tl_window_rows(w), got;

	if (!k || !w->page.n)
		return 0;
	if (k > 0) {
		got = win_fetch(w, &w->page.v[w->page.n - 1].key, 1, 0, (size_t)k, &more);
		if (got <= 0)
			goto out;
		/* keep the last n rows of page + more */
		size_t total = w->page.n + more.n, drop = total > (size_t)n ? total - (size_t)n : 0;

		for (size_t i = 0; i < w->page.n; i++) {
			if (i < drop) {
				tl_row_release(&w->page.v[i]);
				continue;
			}
			ALLOC_GROW(np.v, np.n + 1, np.alloc);
			tl_row_move(&np.v[np.n++], &w->page.v[i]);
		}
		for (size_t i = 0; i < more.n; i++) {
			if (w->page.n + i < drop) {
				tl_row_release(&more.v[i]);
				continue;
			}
			ALLOC_GROW(np.v, np.n + 1, np.alloc);
			tl_row_move(&np.v[np.n++], &more.v[i]);
		}
		w->page.n = 0;
		more.n = 0;
		swap_pages(&w->page, &np);
		w->cur -= (int)drop;
		got = (int)drop;
	} else {
		got = win_fetch(w, &w->page.v[0].key, 0, 0, (size_t)-k, &more);
		if (got <= 0)
			goto out;
		for (size_t i = more.n; i-- > 0;) {
			ALLOC_GROW(np.v, np.n + 1, np.alloc);
			tl_row_move(&np.v[np.n++], &more.v[i]);
		}
		for (size_t i = 0; i < w->page.n; i++) {
			if (np.n >= (size_t)n) {
				tl_row_release(&w->page.v[i]);
				continue;
			}
			ALLOC_GROW(np.v, np.n + 1, np.alloc);
			tl_row_move(&np.v[np.n++], &w->page.v[i]);
		}
		w->page.n = 0;
		more.n = 0;
		swap_pages(&w->page, &np);
		w->cur += got;
		got = -got;
	}
out:
	tl_page_release(&more);
	tl_page_release(&np);
	return got < 0 && k > 0 ? 0 : got;
}

void tl_window_set_cursor(struct tl_window *w, int i)
{
	if (i >= (int)w->page.n)
		i = (int)w->page.n - 1;
	if (i < 0)
		i = 0;
	w->dpos += w->dpos >= 0 ? i - w->cur : 0;
	w->rank_delta += i - w->cur;
	w->cur = i;
}

void tl_window_move(struct tl_window *w, int n)
{
	if (!w->page.n)
		return;
	if (n > 0 && w->cur + n >= (int)w->page.n && (int)w->page.n >= tl_window_rows(w))
		tl_window_scroll(w, w->cur + n - ((int)w->page.n - 1));
	else if (n < 0 && w->cur + n < 0)
		tl_window_scroll(w, w->cur + n);
	/* scrolling kept the cursor on its row; now move it */
	tl_window_set_cursor(w, w->cur + n);
}

void tl_window_page(struct tl_window *w, int n)
{
	if (!w->page.n)
		return;
	tl_window_scroll(w, n);
	tl_window_set_cursor(w, w->cur + n);
}

int tl_window_cursor_to(struct tl_window *w, const struct tl_key *key)
{
	for (size_t i = 0; i < w->page.n; i++) {
		if (w->page.v[i].key.seq == key->seq) {
			w->cur = (int)i;
			return 1;
		}
	}
	return 0;
}

void tl_window_forget(struct tl_window *w)
{
	w->dpos = -1;
	w->from_end = 0;
	w->rank_pending = 0;
}

void tl_window_resize(struct tl_window *w, int rows)
{
	int old = w->rows;

	if (rows == old)
		return;
	w->rows = rows;
	if (w->page.n && rows > old) {
		struct tl_key key = w->page.v[0].key, ckey = w->page.v[w->cur].key;

		tl_window_center(w, &key, 0);
		if (!tl_window_cursor_to(w, &ckey))
			tl_window_forget(w);
	} else if ((int)w->page.n > rows) {
		/* shrink: keep the cursor visible */
		int drop_top = w->cur >= rows ? w->cur - rows + 1 : 0;

		for (int i = 0; i < drop_top; i++)
			tl_row_release(&w->page.v[i]);
		memmove(w->page.v, w->page.v + drop_top, (w->page.n - (size_t)drop_top) * sizeof(*w->page.v));
		w->page.n -= (size_t)drop_top;
		w->cur -= drop_top;
		while ((int)w->page.n > rows)
			tl_row_release(&w->page.v[--w->page.n]);
	} else if (!w->page.n) {
		tl_window_first(w);
	}
}

int tl_window_at_edge(struct tl_window *w, int end)
{
	struct tl_page probe = TL_PAGE_INIT;
	int ret;

	if (!w->page.n)
		return 1;
	if (!end) {
		if (w->cur != 0)
			return 0;
		ret = win_fetch(w, &w->page.v[0].key, 0, 0, 1, &probe) == 0;
	} else {
		if (w->cur != (int)w->page.n - 1)
			return 0;
		ret = win_fetch(w, &w->page.v[w->page.n - 1].key, 1, 0, 1, &probe) == 0;
	}
	tl_page_release(&probe);
	return ret;
}

void tl_window_reversed(struct tl_window *w, int64_t total)
{
	if (w->dpos >= 0 && total >= 0)
		w->dpos = total - 1 - w->dpos;
	else
		tl_window_forget(w);
}

int tl_window_settle(struct tl_window *w, int64_t total)
{
	if (!w->from_end || total < 0)
		return 0;
	w->dpos = total - 1 + w->rank_delta;
	w->from_end = 0;
	return 1;
}

unsigned tl_window_rank_ask(struct tl_window *w)
{
	w->rank_gen++;
	w->rank_delta = 0;
	w->rank_pending = 1;
	return w->rank_gen;
}

int tl_window_ranked(struct tl_window *w, int64_t before, int64_t total, int newest_first)
{
	w->rank_pending = 0;
	w->dpos = (newest_first ? total - 1 - before : before) + w->rank_delta;
	if (w->dpos < 0 || w->dpos >= total)
		w->dpos = -1; /* the rows moved under us: count again */
	return w->dpos >= 0;
}
