/*
 * test_timeutil.c - time helpers (timeutil.c). Durations: the one grammar
 * takes every input that the timeline's offsets ("-2h", "+1d12h") and
 * correlate's --lookback ("2h", "1h30m") took before they shared it,
 * refuses what both refused and keeps each caller's bound; the two
 * formatters; the weekday and hour on a clock east or west of UTC; the
 * time to the second.
 */
#include <stdint.h>

#include "check.h"
#include "trailscope/buf.h"
#include "trailscope/correlate.h"
#include "trailscope/timeline.h"
#include "trailscope/util.h"

#define SEC ((usec_t)1000000)
#define TEN_YEARS ((usec_t)3660 * 86400 * SEC)

static usec_t dur(const char *s, usec_t max)
{
	usec_t d = -1;

	return time_parse_duration(s, max, &d) == 0 ? d : -1;
}

TEST(grammar_takes_both_sets)
{
	/* what correlate's --lookback took */
	CHECK_INT(dur("2h", INT64_MAX), 7200 * SEC);
	CHECK_INT(dur("90m", INT64_MAX), 5400 * SEC);
	CHECK_INT(dur("1d", INT64_MAX), 86400 * SEC);
	CHECK_INT(dur("45s", INT64_MAX), 45 * SEC);
	CHECK_INT(dur("1h30m", INT64_MAX), 5400 * SEC);
	CHECK_INT(dur("2w", INT64_MAX), 14 * 86400 * SEC);
	/* what the timeline's offsets took after their sign */
	CHECK_INT(dur("30m", INT64_MAX), 1800 * SEC);
	CHECK_INT(dur("1d12h", INT64_MAX), 129600 * SEC);
	CHECK_INT(dur("90s", INT64_MAX), 90 * SEC);
	CHECK_INT(dur("1w", INT64_MAX), 604800 * SEC);
	CHECK_INT(dur("0h", INT64_MAX), 0);
	CHECK_INT(dur("1m1m", INT64_MAX), 120 * SEC);
	CHECK_INT(dur("1000000009s", INT64_MAX), 1000000009 * SEC);
}

TEST(grammar_refuses)
{
	usec_t d = 42;

	CHECK_INT(time_parse_duration("", INT64_MAX, &d), -1);
	CHECK_INT(time_parse_duration("2", INT64_MAX, &d), -1);
	CHECK_INT(time_parse_duration("h", INT64_MAX, &d), -1);
	CHECK_INT(time_parse_duration("-1h", INT64_MAX, &d), -1);
	CHECK_INT(time_parse_duration("2y", INT64_MAX, &d), -1);
	CHECK_INT(time_parse_duration("2h ", INT64_MAX, &d), -1);
	CHECK_INT(time_parse_duration("1h30", INT64_MAX, &d), -1);
	CHECK_INT(time_parse_duration("10000000000s", INT64_MAX, &d), -1);
	CHECK_INT(d, 42); /* untouched on failure */
	/* longer than the caller's bound, and never an overflow */
	CHECK_INT(time_parse_duration("3661d", TEN_YEARS, &d), -2);
	CHECK_INT(time_parse_duration("3000d661d", TEN_YEARS, &d), -2);
	CHECK_INT(time_parse_duration("999999999w", INT64_MAX, &d), -2);
	CHECK_INT(time_parse_duration("1000000000h1000000000h", INT64_MAX / 2, &d), -2);
	CHECK_INT(time_parse_duration("3660d", TEN_YEARS, &d), 0);
	CHECK_INT(d, TEN_YEARS);
}

TEST(callers_keep_their_rules)
{
	usec_t ref = 1767225600 * SEC, t = 0, d = 0;
	const char *why = NULL;

	/* the timeline: a sign and a duration from ref */
	CHECK(!timeline_parse_user_time("-2h", ref, &t, &why) && t == ref - 7200 * SEC);
	CHECK(!timeline_parse_user_time("+1d12h", ref, &t, &why) && t == ref + 129600 * SEC);
	CHECK(!timeline_parse_user_time(" -0m ", ref, &t, &why) && t == ref);
	CHECK(timeline_parse_user_time("-", ref, &t, &why));
	CHECK_STR(why, "expected an offset like -2h, +30m, -1d or -90s");
	CHECK(timeline_parse_user_time("-999999999w", ref, &t, &why));
	CHECK_STR(why, "offset too large");
	/* correlate: positive, at most ten years, no sign */
	CHECK(!correlate_parse_duration("1d12h", &d, &why) && d == 129600 * SEC);
	CHECK(correlate_parse_duration("-2h", &d, &why));
	CHECK_STR(why, "expected a duration like 2h, 90m, 1d or 1h30m");
	CHECK(correlate_parse_duration("0h", &d, &why));
	CHECK_STR(why, "duration must be positive");
	CHECK(correlate_parse_duration("3661d", &d, &why));
	CHECK_STR(why, "duration longer than ten years");
	CHECK(correlate_parse_duration("999999999w", &d, &why));
	CHECK_STR(why, "duration longer than ten years");
}

TEST(formatters)
{
	static const struct {
		usec_t d;
		const char *words, *compact;
	} cases[] = {
		{ 0, "0 s", "0m" },
		{ 45 * SEC, "45 s", "0m" },
		{ 60 * SEC, "1 min", "1m" },
		{ 7199 * SEC, "119 min", "1h59m" },
		{ 7200 * SEC, "2 h 00 min", "2h00m" },
		{ 7500 * SEC, "2 h 05 min", "2h05m" },
		{ 172799 * SEC, "47 h 59 min", "1d23h" },
		{ 187200 * SEC, "2 d 4 h", "2d04h" },
		{ -90 * SEC, "1 min", "-1m" },
	};
	struct buf b = BUF_INIT;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		buf_reset(&b);
		time_format_duration(cases[i].d, &b);
		CHECK_STR(b.buf, cases[i].words);
		buf_reset(&b);
		time_format_duration_short(cases[i].d, &b);
		CHECK_STR(b.buf, cases[i].compact);
	}
	buf_release(&b);
}

TEST(local_clock)
{
	usec_t t = (1767225600 + 23 * 3600 + 30 * 60) * SEC; /* Thu 2026-01-01 23:30Z */
	int wday = -1, hour = -1, minute = -1;

	time_local_clock(t, 0, &wday, &hour, &minute);
	CHECK(wday == 3 && hour == 23 && minute == 30);
	time_local_clock(t, 60, &wday, &hour, &minute);
	CHECK(wday == 4 && hour == 0 && minute == 30);
	time_local_clock(t, -330, &wday, &hour, &minute);
	CHECK(wday == 3 && hour == 18 && minute == 0);
	time_local_clock(-3600 * SEC, 0, &wday, &hour, &minute); /* Wed 1969-12-31 23:00Z */
	CHECK(wday == 2 && hour == 23 && minute == 0);
}

TEST(short_time)
{
	char ts[32];

	time_format_short((1767225600 + 3723) * SEC + 456789, ts);
	CHECK_STR(ts, "2026-01-01 01:02:03Z");
}

int main(void)
{
	RUN(grammar_takes_both_sets);
	RUN(grammar_refuses);
	RUN(callers_keep_their_rules);
	RUN(formatters);
	RUN(local_clock);
	RUN(short_time);
	return CHECK_DONE();
}
