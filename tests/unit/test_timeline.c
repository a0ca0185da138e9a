/*
 * test_timeline.c - the timeline core: keyset paging in both orders,
 * seeking a time, counting a position, density buckets, parsing what a
 * user types for a time, the position model of the timeline's window
 * (struct tl_window), and the history reconstruction beside it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "fixtures.h"
#include "trailscope/history.h"
#include "trailscope/import.h"
#include "trailscope/timeline.h"
#include "trailscope/util.h"

static struct fixture_store fx; /* the store every case reads */

static const char events[] =
	"{\"event_id\":\"a\",\"timestamp\":\"2026-01-12T10:00:00Z\",\"actor\":\"x\",\"flag_key\":\"f\",\"environment\":\"production\",\"previous_state\":null,\"new_state\":{\"on\":false}}\n"
	"{\"event_id\":\"b\",\"timestamp\":\"2026-01-12T09:00:00Z\",\"actor\":\"y\",\"flag_key\":\"g\",\"new_state\":{\"n\":1}}\n"
	"{\"event_id\":\"c\",\"timestamp\":\"2026-01-12T11:00:00Z\",\"actor\":{\"id\":\"bot\",\"type\":\"service\"},\"flag_key\":\"f\",\"environment\":\"production\",\"previous_state\":{\"on\":false},\"new_state\":{\"on\":true},\"approval\":{\"required\":true}}\n"
	"{\"event_id\":\"d\",\"timestamp\":\"2026-01-12T12:00:00Z\",\"actor\":\"x\",\"flag_key\":\"g\",\"previous_state\":{\"n\":1},\"new_state\":{\"n\":2}}\n"
	"{\"event_id\":\"e\",\"timestamp\":\"2026-01-12T12:00:00Z\",\"actor\":\"x\",\"action\":\"flag.delete\",\"flag_key\":\"f\",\"environment\":\"production\",\"previous_state\":{\"on\":true},\"new_state\":null,\"approval\":{\"required\":true,\"approved_by\":\"m\"}}\n";

static void setup(void)
{
	if (fixture_store_open(&fx, "tstl", events, NULL))
		exit(2);
}

static const char *seqs(struct tl_page *p, char *out)
{
	out[0] = 0;
	for (size_t i = 0; i < p->n; i++)
		snprintf(out + strlen(out), 8, "%lld", (long long)p->v[i].key.seq);
	return out;
}

TEST(paging_newest_first)
{
	struct timeline tl;
	struct tl_page p = TL_PAGE_INIT;
	char s[64];

	CHECK_INT(timeline_open(&tl, &fx.s, 1), 0);
	CHECK_INT(timeline_fetch(&tl, NULL, 1, 0, 3, &p), 3);
	CHECK_STR(seqs(&p, s), "543");     /* 12:00 (5, 4 by seq desc), 11:00 */
	struct tl_key k = p.v[2].key;
	tl_page_clear(&p);
	CHECK_INT(timeline_fetch(&tl, &k, 1, 0, 10, &p), 2);
	CHECK_STR(seqs(&p, s), "12");
	tl_page_clear(&p);
	CHECK_INT(timeline_fetch(&tl, &k, 0, 1, 10, &p), 3);
	CHECK_STR(seqs(&p, s), "345");      /* backwards, nearest first */
	tl_page_clear(&p);
	CHECK_INT(timeline_fetch(&tl, NULL, 0, 0, 2, &p), 2);
	CHECK_STR(seqs(&p, s), "21");       /* the end of the display order */
	tl_page_release(&p);
	timeline_close(&tl);
}

TEST(paging_oldest_first_and_flags)
{
	struct timeline tl;
	struct tl_page p = TL_PAGE_INIT;
	char s[64];

	CHECK_INT(timeline_open(&tl, &fx.s, 0), 0);
	CHECK_INT(timeline_fetch(&tl, NULL, 1, 0, 10, &p), 5);
	CHECK_STR(seqs(&p, s), "21345");
	CHECK_INT(p.v[2].flags, TL_SERVICE | TL_PRODUCTION | TL_APPROVAL_MISSING);
	CHECK_INT(p.v[1].flags, TL_PRODUCTION | TL_APPROVAL_MISSING); /* no approval recorded */
	CHECK_INT(p.v[4].flags, TL_PRODUCTION);                       /* approved */
	CHECK_INT(p.v[0].flags, 0);
	tl_page_release(&p);
	timeline_close(&tl);
}

TEST(seek_count_density)
{
	struct timeline tl;
	struct tl_key k;
	usec_t t, a, b;
	const char *why;
	uint64_t counts[4];

	CHECK_INT(timeline_open(&tl, &fx.s, 1), 0);
	time_parse_iso("2026-01-12T10:30:00Z", &t, &why);
	CHECK_INT(timeline_seek_time(&tl, t, &k), 1);
	CHECK_INT(k.seq, 3);
	CHECK_INT(timeline_count_before(&fx.s, &k, NULL), 2);
	time_parse_iso("2027-01-01", &t, &why);
	CHECK_INT(timeline_seek_time(&tl, t, &k), 1);
	CHECK_INT(k.seq, 5);                 /* past the end: the newest */
	CHECK_INT(timeline_range(&fx.s, &a, &b), 1);
	CHECK_INT(b - a, 3LL * 3600 * 1000000);
	CHECK_INT(timeline_density(&fx.s, a, b, 4, counts, NULL), 0);
	CHECK_INT(counts[0] + counts[1] + counts[2] + counts[3], 5);
	CHECK_INT(counts[3], 2);
	CHECK_INT(timeline_bucket_of(a, b, 4, b), 3);
	timeline_close(&tl);
}

TEST(user_times)
{
	usec_t ref, t, want;
	const char *why;

	time_parse_iso("2026-03-05T14:00:00Z", &ref, &why);
	CHECK_INT(timeline_parse_user_time("-2h", ref, &t, &why), 0);
	CHECK_INT(ref - t, 2LL * 3600 * 1000000);
	CHECK_INT(timeline_parse_user_time("+1d30m", ref, &t, &why), 0);
	CHECK_INT(t - ref, (86400LL + 1800) * 1000000);
	CHECK_INT(timeline_parse_user_time(" 2026-03-05 09:15 ", ref, &t, &why), 0);
	time_parse_iso("2026-03-05T09:15:00Z", &want, &why);
	CHECK_INT(t, want);
	CHECK_INT(timeline_parse_user_time("09:15", ref, &t, &why), 0);
	CHECK_INT(t, want);
	CHECK_INT(timeline_parse_user_time("-2x", ref, &t, &why), -1);
	CHECK_INT(timeline_parse_user_time("2026-02-30", ref, &t, &why), -1);
	CHECK_INT(timeline_parse_user_time("", ref, &t, &why), -1);
}

TEST(history_states)
{
	struct history h;
	json_t *s = NULL;
	int64_t how;
	struct change_list cl = CHANGE_LIST_INIT;

	CHECK_INT(history_load(&fx.s, "f", "production", &h), 0);
	CHECK_INT(h.n, 3);
	CHECK_INT(history_state_at(&fx.s, &h, -1, &s, &how), HISTORY_ABSENT); /* created from null */
	CHECK_INT(history_state_at(&fx.s, &h, 1, &s, &how), HISTORY_PRESENT);
	CHECK(json_is_true(json_object_get(s, "on")));
	json_t *on = s;
	CHECK_INT(history_state_at(&fx.s, &h, 2, &s, &how), HISTORY_ABSENT);  /* deleted */
	CHECK_INT(how, 5);
	CHECK_INT(history_diff(HISTORY_PRESENT, on, HISTORY_ABSENT, NULL, &cl), 0);
	CHECK_INT(cl.n, 1);
	CHECK_INT(cl.v[0].kind, CHANGE_REMOVED);
	change_list_release(&cl);
	json_decref(on);
	history_release(&h);

	CHECK_INT(history_load(&fx.s, "g", "", &h), 0);
	CHECK_INT(h.n, 2);
	CHECK_INT(history_state_at(&fx.s, &h, -1, &s, &how), HISTORY_UNKNOWN); /* never recorded */
	CHECK(s == NULL);
	CHECK_INT(history_state_at(&fx.s, &h, 0, &s, &how), HISTORY_PRESENT);
	CHECK_INT(history_diff(HISTORY_UNKNOWN, NULL, HISTORY_PRESENT, s, &cl), 0);
	CHECK_INT(cl.n, 1);
	CHECK(cl.v[0].before_unknown);
	CHECK_INT(history_diff(HISTORY_PRESENT, s, HISTORY_UNKNOWN, NULL, &cl), 1);
	change_list_release(&cl);
	json_decref(s);
	history_release(&h);
}

/* A made-up display order for the position model: rows 1..n, seq i + 1
 * at index i, fetched with timeline_fetch()'s contract. */
struct fake {
	int n;
	int fetched;      /* rows handed out */
};

static int fake_fetch(void *ctx, const struct tl_key *from, int forward, int inclusive, size_t n,
		      struct tl_page *out)
{
	struct fake *f = ctx;
	int i, got = 0;

	if (from)
		i = (int)from->seq - 1 + (inclusive ? 0 : forward ? 1 : -1);
	else
		i = forward ? 0 : f->n - 1;
	for (; i >= 0 && i < f->n && (size_t)got < n; i += forward ? 1 : -1, got++) {
		struct tl_row *r;

		ALLOC_GROW(out->v, out->n + 1, out->alloc);
		r = &out->v[out->n++];
		memset(r, 0, sizeof(*r));
		time_format((usec_t)i * 1000000, r->key.ts);
		r->key.seq = i + 1;
		r->actor = xstrdup("x");
	}
	f->fetched += got;
	return got;
}

/* "5,[6],7" for a window showing seqs 5 to 7 with the cursor on 6 */
static const char *shown(const struct tl_window *w, char *out, size_t size)
{
	size_t o = 0;

	out[0] = 0;
	for (size_t i = 0; i < w->page.n && o < size; i++)
		o += (size_t)snprintf(out + o, size - o, i == (size_t)w->cur ? "%s[%lld]" : "%s%lld",
				      i ? "," : "", (long long)w->page.v[i].key.seq);
	return out;
}

static struct tl_key key_of(int64_t seq)
{
	struct tl_key k;

	memset(&k, 0, sizeof(k));
	time_format((usec_t)(seq - 1) * 1000000, k.ts);
	k.seq = seq;
	return k;
}

TEST(window_moves_and_position)
{
	struct fake f = { 12, 0 };
	struct tl_window w;
	char s[128];

	tl_window_init(&w, fake_fetch, &f, 5);
	tl_window_first(&w);
	CHECK_STR(shown(&w, s, sizeof(s)), "[1],2,3,4,5");
	CHECK_INT(w.dpos, 0);
	CHECK_INT(tl_window_at_edge(&w, 0), 1);
	for (int i = 0; i < 4; i++)
		tl_window_move(&w, 1);
	CHECK_STR(shown(&w, s, sizeof(s)), "1,2,3,4,[5]");
	CHECK_INT(f.fetched, 5);          /* moving inside the window fetches nothing */
	tl_window_move(&w, 1);
	CHECK_STR(shown(&w, s, sizeof(s)), "2,3,4,5,[6]");
	tl_window_move(&w, 3);
	CHECK_STR(shown(&w, s, sizeof(s)), "5,6,7,8,[9]");
	CHECK_INT(w.dpos, 8);             /* row 9 of 12 */
	tl_window_move(&w, 10);           /* past the end: stops on the last row */
	CHECK_STR(shown(&w, s, sizeof(s)), "8,9,10,11,[12]");
	CHECK_INT(w.dpos, 11);
	CHECK_INT(tl_window_at_edge(&w, 1), 1);
	CHECK_INT(tl_window_at_edge(&w, 0), 0);
	tl_window_page(&w, -5);           /* the cursor keeps its line */
	CHECK_STR(shown(&w, s, sizeof(s)), "3,4,5,6,[7]");
	CHECK_INT(w.dpos, 6);
	tl_window_page(&w, -5);           /* only two rows above: the rest by the cursor */
	CHECK_STR(shown(&w, s, sizeof(s)), "1,[2],3,4,5");
	CHECK_INT(w.dpos, 1);
	CHECK_INT(tl_window_cursor(&w)->key.seq, 2);
	CHECK_INT(tl_window_at_edge(&w, 0), 0);
	tl_window_move(&w, -5);
	CHECK_STR(shown(&w, s, sizeof(s)), "[1],2,3,4,5");
	CHECK_INT(w.dpos, 0);
	CHECK_INT(f.fetched, 19);         /* 5 + 1 + 3 + 3 + 5 + 2 rows, a few per move */
	tl_window_release(&w);
}

TEST(window_jumps_and_counts)
{
	struct fake f = { 12, 0 };
	struct tl_window w;
	struct tl_key k;
	char s[128];
	unsigned gen;

	tl_window_init(&w, fake_fetch, &f, 5);
	tl_window_first(&w);
	/* a jump: centred with one row above, the position to be counted */
	k = key_of(6);
	tl_window_center(&w, &k, 1);
	tl_window_forget(&w);
	CHECK_STR(shown(&w, s, sizeof(s)), "5,[6],7,8,9");
	CHECK_INT(w.dpos, -1);
	gen = tl_window_rank_ask(&w);
	CHECK_INT(w.rank_pending, 1);
	tl_window_move(&w, 1);            /* moves while the count runs are added to it */
	CHECK_INT(w.dpos, -1);
	CHECK_INT(tl_window_ranked(&w, 5, 12, 0), 1);
	CHECK_INT(w.dpos, 6);             /* 5 rows before row 6, then one down */
	CHECK_INT(w.rank_pending, 0);
	CHECK_INT(gen, w.rank_gen);
	CHECK_INT(tl_window_rank_ask(&w), gen + 1);
	CHECK_INT(tl_window_ranked(&w, 5, 12, 1), 1);
	CHECK_INT(w.dpos, 6);             /* newest first: 12 - 1 - 5 */
	tl_window_rank_ask(&w);
	CHECK_INT(tl_window_ranked(&w, 20, 12, 0), 0); /* the rows moved: unknown */
	CHECK_INT(w.dpos, -1);
	/* near the end: more rows above */
	k = key_of(11);
	tl_window_center(&w, &k, 1);
	CHECK_STR(shown(&w, s, sizeof(s)), "8,9,10,[11],12");
	/* the key shown: the cursor goes to it; not shown: nothing moves */
	k = key_of(9);
	CHECK_INT(tl_window_cursor_to(&w, &k), 1);
	CHECK_STR(shown(&w, s, sizeof(s)), "8,[9],10,11,12");
	k = key_of(2);
	CHECK_INT(tl_window_cursor_to(&w, &k), 0);
	CHECK_STR(shown(&w, s, sizeof(s)), "8,[9],10,11,12");
	/* the last row, total known */
	tl_window_last(&w, 12, 0);
	CHECK_STR(shown(&w, s, sizeof(s)), "8,9,10,11,[12]");
	CHECK_INT(w.dpos, 11);
	CHECK_INT(w.from_end, 0);
	/* the last row while the total is counted: settled when it arrives */
	tl_window_last(&w, -1, 1);
	CHECK_INT(w.dpos, -1);
	CHECK_INT(w.from_end, 1);
	tl_window_move(&w, -2);
	CHECK_INT(tl_window_settle(&w, -1), 0);
	CHECK_INT(tl_window_settle(&w, 12), 1);
	CHECK_INT(w.dpos, 9);             /* row 10: two up from the last */
	CHECK_INT(tl_window_settle(&w, 12), 0);
	/* an empty total is position 0 when nothing is being counted */
	tl_window_last(&w, 0, 0);
	CHECK_INT(w.dpos, 0);
	/* reversed order: row i of N becomes row N - 1 - i */
	w.dpos = 6;
	tl_window_reversed(&w, 12);
	CHECK_INT(w.dpos, 5);
	tl_window_reversed(&w, -1);
	CHECK_INT(w.dpos, -1);
	tl_window_release(&w);
}

TEST(window_resize_and_empty)
{
	struct fake f = { 12, 0 }, none = { 0, 0 };
	struct tl_window w;
	struct tl_key k = key_of(11);
	char s[128];

	tl_window_init(&w, fake_fetch, &f, 5);
	tl_window_center(&w, &k, 1);
	CHECK_STR(shown(&w, s, sizeof(s)), "8,9,10,[11],12");
	tl_window_resize(&w, 3);          /* shrinks around the cursor */
	CHECK_STR(shown(&w, s, sizeof(s)), "9,10,[11]");
	tl_window_resize(&w, 5);          /* grows from its first row, cursor kept */
	CHECK_STR(shown(&w, s, sizeof(s)), "8,9,10,[11],12");
	tl_window_release(&w);

	tl_window_init(&w, fake_fetch, &none, 0);
	CHECK_INT(tl_window_rows(&w), 20);
	tl_window_resize(&w, 4);          /* an empty window fetches its first rows */
	CHECK_STR(shown(&w, s, sizeof(s)), "");
	CHECK(tl_window_cursor(&w) == NULL);
	CHECK_INT(tl_window_at_edge(&w, 0), 1);
	CHECK_INT(tl_window_at_edge(&w, 1), 1);
	tl_window_move(&w, 1);
	tl_window_page(&w, -4);
	CHECK_INT(w.cur, 0);
	CHECK_INT(w.dpos, 0);
	tl_window_release(&w);
}

static int store_fetch(void *ctx, const struct tl_key *from, int forward, int inclusive, size_t n,
		       struct tl_page *out)
{
	return timeline_fetch(ctx, from, forward, inclusive, n, out);
}

TEST(window_over_the_store)
{
	struct timeline tl;
	struct tl_window w;
	char s[128];

	CHECK_INT(timeline_open(&tl, &fx.s, 1), 0);
	tl_window_init(&w, store_fetch, &tl, 2);
	tl_window_first(&w);
	CHECK_STR(shown(&w, s, sizeof(s)), "[5],4");
	tl_window_move(&w, 2);
	CHECK_STR(shown(&w, s, sizeof(s)), "4,[3]");
	CHECK_INT(w.dpos, 2);
	tl_window_last(&w, 5, 0);         /* newest first: 5 4 3 1 2 (seq 2 is the oldest) */
	CHECK_STR(shown(&w, s, sizeof(s)), "1,[2]");
	CHECK_INT(w.dpos, 4);
	CHECK_INT(tl_window_at_edge(&w, 1), 1);
	tl_window_release(&w);
	timeline_close(&tl);
}

int main(void)
{
	set_error_quiet(1);
	setup();
	RUN(paging_newest_first);
	RUN(paging_oldest_first_and_flags);
	RUN(seek_count_density);
	RUN(user_times);
	RUN(history_states);
	RUN(window_moves_and_position);
	RUN(window_jumps_and_counts);
	RUN(window_resize_and_empty);
	RUN(window_over_the_store);
	fixture_store_remove(&fx);
	return CHECK_DONE();
}
