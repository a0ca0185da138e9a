/*
 * timeline_cmp.c - the timeline model (timeline.h) on a PostgreSQL store
 * and on its SQLite copy, for tests/cli/pg_timeline.sh: the same calls on
 * both must give the same answers. Pages by (ts, seq) both ways from
 * every row (inclusive and exclusive, both display orders), first rows,
 * the row at every seq (and at seqs that do not exist), time seeks,
 * positions (count before), the time range, density buckets, and the
 * window model (struct tl_window) moved the same way over both. Prints
 * a PASS or FAIL line per check and "done: N checks, N failed".
 *   timeline_cmp SQLITE_STORE URI
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "trailscope/buf.h"
#include "trailscope/store.h"
#include "trailscope/timeline.h"

static int checks, failed;

static void verdict(const char *name, const struct buf *a, const struct buf *b, size_t rows)
{
	checks++;
	if (a->len == b->len && !memcmp(a->buf, b->buf, a->len) && rows > 0) {
		printf("PASS: pg timeline: %s (%zu values alike)\n", name, rows);
		return;
	}
	failed++;
	printf("FAIL: pg timeline: %s\n", name);
	if (!rows)
		printf("    nothing compared\n");
	for (size_t i = 0; i < a->len && i < b->len; i++) {
		if (a->buf[i] != b->buf[i]) {
			size_t from = i > 80 ? i - 80 : 0;

			printf("    SQLite:     %.160s\n    PostgreSQL: %.160s\n", a->buf + from, b->buf + from);
			return;
		}
	}
	printf("    lengths %zu and %zu\n", a->len, b->len);
}

static void add_row(struct buf *out, const struct tl_row *r)
{
	buf_addf(out, "%s|%lld|%s|%s|%s|%s|%s|%s|%u\n", r->key.ts, (long long)r->key.seq, r->actor, r->actor_type,
		 r->action, r->target, r->environment, r->summary, r->flags);
}

static void add_page(struct buf *out, int got, const struct tl_page *p)
{
	buf_addf(out, "got %d:", got);
	for (size_t i = 0; i < p->n; i++)
		add_row(out, &p->v[i]);
}

struct side {
	struct store s;
	struct timeline tl[2]; /* oldest first, newest first */
	struct buf out;
	struct tl_key *keys;   /* every row's key, oldest first (SQLite's) */
	size_t nkeys;
	unsigned flags_seen;
};

/* Every page from every row, both orders, both directions, both edges. */
static void pages(struct side *d, const struct tl_key *keys, size_t nkeys)
{
	struct tl_page p = TL_PAGE_INIT;

	for (int o = 0; o < 2; o++) {
		for (int fwd = 0; fwd < 2; fwd++) {
			add_page(&d->out, timeline_fetch(&d->tl[o], NULL, fwd, 0, 7, &p), &p);
			tl_page_clear(&p);
		}
		for (size_t i = 0; i < nkeys; i += 1 + i % 3) {
			for (int fwd = 0; fwd < 2; fwd++) {
				for (int inc = 0; inc < 2; inc++) {
					add_page(&d->out, timeline_fetch(&d->tl[o], &keys[i], fwd, inc, 1 + i % 9, &p),
						 &p);
					for (size_t k = 0; k < p.n; k++)
						d->flags_seen |= p.v[k].flags;
					tl_page_clear(&p);
				}
			}
		}
	}
	tl_page_release(&p);
}

static void rows_at(struct side *d, int64_t last)
{
	for (int64_t seq = -1; seq <= last + 2; seq++) {
		struct tl_row r;
		int got = timeline_row_at(&d->s, seq, &r);

		buf_addf(&d->out, "%lld %d:", (long long)seq, got);
		if (got == 1)
			add_row(&d->out, &r);
		tl_row_release(&r);
	}
}

static void seeks(struct side *d, const struct tl_key *keys, size_t nkeys)
{
	usec_t first = 0, last = 0, t;
	uint64_t counts[37];
	struct tl_key k;

	buf_addf(&d->out, "range %d %lld %lld\n", timeline_range(&d->s, &first, &last), (long long)first,
		 (long long)last);
	for (int i = -2; i < 30; i++) {
		t = first + (last - first) / 27 * i;
		memset(&k, 0, sizeof(k));
		buf_addf(&d->out, "seek %d ", timeline_seek_time(&d->tl[i & 1], t, &k));
		buf_addf(&d->out, "%s %lld\n", k.ts, (long long)k.seq);
	}
	for (size_t i = 0; i < nkeys; i += 1 + i % 5)
		buf_addf(&d->out, "before %lld\n", (long long)timeline_count_before(&d->s, &keys[i], NULL));
	for (size_t nb = 1; nb <= 37; nb += 12) {
		memset(counts, 0, sizeof(counts));
		buf_addf(&d->out, "density %zu %d:", nb, timeline_density(&d->s, first, last, nb, counts, NULL));
		for (size_t i = 0; i < nb; i++)
			buf_addf(&d->out, " %llu", (unsigned long long)counts[i]);
		buf_addch(&d->out, '\n');
	}
}

static int fetch(void *ctx, const struct tl_key *from, int forward, int inclusive, size_t n, struct tl_page *out)
{
	return timeline_fetch(ctx, from, forward, inclusive, n, out);
}

static void window_state(struct buf *out, const struct tl_window *w)
{
	buf_addf(out, "cur %d dpos %lld n %zu:", w->cur, (long long)w->dpos, w->page.n);
	for (size_t i = 0; i < w->page.n; i++)
		buf_addf(out, " %lld", (long long)w->page.v[i].key.seq);
	buf_addch(out, '\n');
}

/* The TUI's moves over the window, newest first then oldest first. */
static void window(struct side *d, int64_t total, const struct tl_key *keys, size_t nkeys)
{
	for (int o = 1; o >= 0; o--) {
		struct tl_window w;

		tl_window_init(&w, fetch, &d->tl[o], 11);
		tl_window_first(&w);
		window_state(&d->out, &w);
		for (int i = 0; i < 40; i++) {
			tl_window_move(&w, i % 7 == 3 ? -5 : 4);
			window_state(&d->out, &w);
		}
		tl_window_page(&w, 11);
		window_state(&d->out, &w);
		tl_window_page(&w, -11);
		window_state(&d->out, &w);
		tl_window_last(&w, total, 1);
		window_state(&d->out, &w);
		tl_window_center(&w, &keys[nkeys / 2], 5);
		window_state(&d->out, &w);
		tl_window_resize(&w, 23);
		window_state(&d->out, &w);
		tl_window_resize(&w, 4);
		window_state(&d->out, &w);
		buf_addf(&d->out, "edges %d %d\n", tl_window_at_edge(&w, 0), tl_window_at_edge(&w, 1));
		tl_window_release(&w);
	}
}

int main(int argc, char **argv)
{
	struct side side[2];
	struct tl_page all = TL_PAGE_INIT;
	struct tl_key *keys;
	int64_t total;
	size_t nkeys;

	if (argc != 3) {
		fprintf(stderr, "usage: timeline_cmp SQLITE_STORE URI\n");
		return 2;
	}
	memset(side, 0, sizeof(side));
	for (int i = 0; i < 2; i++) {
		if (store_open(&side[i].s, argv[1 + i], STORE_READONLY))
			return 2;
		buf_init(&side[i].out);
		timeline_open(&side[i].tl[0], &side[i].s, 0);
		timeline_open(&side[i].tl[1], &side[i].s, 1);
	}
	total = store_size(&side[0].s);
	if (total < 1 || timeline_fetch(&side[0].tl[0], NULL, 1, 0, (size_t)total, &all) != total)
		return 2;
	nkeys = all.n;
	keys = calloc(nkeys, sizeof(*keys));
	for (size_t i = 0; i < nkeys; i++)
		keys[i] = all.v[i].key;
	tl_page_release(&all);

	for (int i = 0; i < 2; i++)
		pages(&side[i], keys, nkeys);
	verdict("pages by (ts, seq) from every other row, both orders, both ways, first rows", &side[0].out,
		&side[1].out, nkeys);
	checks++;
	if (side[0].flags_seen == (TL_SERVICE | TL_PRODUCTION | TL_APPROVAL_MISSING | TL_FAILED)) {
		printf("PASS: pg timeline: the pages hold rows of every flag (service, production, approval "
		       "missing, failed)\n");
	} else {
		failed++;
		printf("FAIL: pg timeline: the pages hold rows of every flag: only %#x\n", side[0].flags_seen);
	}
	for (int i = 0; i < 2; i++) {
		buf_reset(&side[i].out);
		rows_at(&side[i], total);
	}
	verdict("the row at every seq, and at seqs that do not exist", &side[0].out, &side[1].out, (size_t)total);
	for (int i = 0; i < 2; i++) {
		buf_reset(&side[i].out);
		seeks(&side[i], keys, nkeys);
	}
	verdict("time range, seeks, positions (count before), density buckets", &side[0].out, &side[1].out,
		nkeys);
	for (int i = 0; i < 2; i++) {
		buf_reset(&side[i].out);
		window(&side[i], total, keys, nkeys);
	}
	verdict("the window model's moves, pages, last, centre, resize, edges", &side[0].out, &side[1].out, nkeys);

	for (int i = 0; i < 2; i++) {
		timeline_close(&side[i].tl[0]);
		timeline_close(&side[i].tl[1]);
		buf_release(&side[i].out);
		store_close(&side[i].s);
	}
	free(keys);
	printf("done: %d checks, %d failed\n", checks, failed);
	return failed ? 1 : 0;
}
