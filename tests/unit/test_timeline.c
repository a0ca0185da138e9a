/*
 * test_timeline.c - the timeline core: keyset paging in both orders,
 * seeking a time, counting a position, density buckets, parsing what a
 * user types for a time, and the history reconstruction beside it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "trailscope/history.h"
#include "trailscope/import.h"
#include "trailscope/timeline.h"
#include "trailscope/util.h"

static char dir[] = "/tmp/tstl.XXXXXX";
static struct store st;

static const char events[] =
	"{\"event_id\":\"a\",\"timestamp\":\"2026-01-12T10:00:00Z\",\"actor\":\"x\",\"flag_key\":\"f\",\"environment\":\"production\",\"previous_state\":null,\"new_state\":{\"on\":false}}\n"
	"{\"event_id\":\"b\",\"timestamp\":\"2026-01-12T09:00:00Z\",\"actor\":\"y\",\"flag_key\":\"g\",\"new_state\":{\"n\":1}}\n"
	"{\"event_id\":\"c\",\"timestamp\":\"2026-01-12T11:00:00Z\",\"actor\":{\"id\":\"bot\",\"type\":\"service\"},\"flag_key\":\"f\",\"environment\":\"production\",\"previous_state\":{\"on\":false},\"new_state\":{\"on\":true},\"approval\":{\"required\":true}}\n"
	"{\"event_id\":\"d\",\"timestamp\":\"2026-01-12T12:00:00Z\",\"actor\":\"x\",\"flag_key\":\"g\",\"previous_state\":{\"n\":1},\"new_state\":{\"n\":2}}\n"
	"{\"event_id\":\"e\",\"timestamp\":\"2026-01-12T12:00:00Z\",\"actor\":\"x\",\"action\":\"flag.delete\",\"flag_key\":\"f\",\"environment\":\"production\",\"previous_state\":{\"on\":true},\"new_state\":null,\"approval\":{\"required\":true,\"approved_by\":\"m\"}}\n";

static void setup(void)
{
	char path[64], ev[64];
	FILE *f;
	char *files[1];
	struct import_options o;
	struct import_stats stats;

	if (!mkdtemp(dir))
		exit(2);
	snprintf(ev, sizeof(ev), "%s/ev.jsonl", dir);
	f = fopen(ev, "w");
	fputs(events, f);
	fclose(f);
	snprintf(path, sizeof(path), "%s/s.db", dir);
	if (store_open(&st, path, STORE_CREATE))
		exit(2);
	memset(&o, 0, sizeof(o));
	files[0] = ev;
	if (import_files(&st, files, 1, &o, &stats))
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

	CHECK_INT(timeline_open(&tl, &st, 1), 0);
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

	CHECK_INT(timeline_open(&tl, &st, 0), 0);
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

	CHECK_INT(timeline_open(&tl, &st, 1), 0);
	time_parse_iso("2026-01-12T10:30:00Z", &t, &why);
	CHECK_INT(timeline_seek_time(&tl, t, &k), 1);
	CHECK_INT(k.seq, 3);
	CHECK_INT(timeline_count_before(&st, &k, NULL), 2);
	time_parse_iso("2027-01-01", &t, &why);
	CHECK_INT(timeline_seek_time(&tl, t, &k), 1);
	CHECK_INT(k.seq, 5);                 /* past the end: the newest */
	CHECK_INT(timeline_range(&st, &a, &b), 1);
	CHECK_INT(b - a, 3LL * 3600 * 1000000);
	CHECK_INT(timeline_density(&st, a, b, 4, counts, NULL), 0);
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

	CHECK_INT(history_load(&st, "f", "production", &h), 0);
	CHECK_INT(h.n, 3);
	CHECK_INT(history_state_at(&st, &h, -1, &s, &how), HISTORY_ABSENT); /* created from null */
	CHECK_INT(history_state_at(&st, &h, 1, &s, &how), HISTORY_PRESENT);
	CHECK(json_is_true(json_object_get(s, "on")));
	json_t *on = s;
	CHECK_INT(history_state_at(&st, &h, 2, &s, &how), HISTORY_ABSENT);  /* deleted */
	CHECK_INT(how, 5);
	CHECK_INT(history_diff(HISTORY_PRESENT, on, HISTORY_ABSENT, NULL, &cl), 0);
	CHECK_INT(cl.n, 1);
	CHECK_INT(cl.v[0].kind, CHANGE_REMOVED);
	change_list_release(&cl);
	json_decref(on);
	history_release(&h);

	CHECK_INT(history_load(&st, "g", "", &h), 0);
	CHECK_INT(h.n, 2);
	CHECK_INT(history_state_at(&st, &h, -1, &s, &how), HISTORY_UNKNOWN); /* never recorded */
	CHECK(s == NULL);
	CHECK_INT(history_state_at(&st, &h, 0, &s, &how), HISTORY_PRESENT);
	CHECK_INT(history_diff(HISTORY_UNKNOWN, NULL, HISTORY_PRESENT, s, &cl), 0);
	CHECK_INT(cl.n, 1);
	CHECK(cl.v[0].before_unknown);
	CHECK_INT(history_diff(HISTORY_PRESENT, s, HISTORY_UNKNOWN, NULL, &cl), 1);
	change_list_release(&cl);
	json_decref(s);
	history_release(&h);
}

int main(void)
{
	char cmd[128];

	set_error_quiet(1);
	setup();
	RUN(paging_newest_first);
	RUN(paging_oldest_first_and_flags);
	RUN(seek_count_density);
	RUN(user_times);
	RUN(history_states);
	store_close(&st);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd))
		return 2;
	return CHECK_DONE();
}
