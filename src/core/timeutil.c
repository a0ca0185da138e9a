/*
 * timeutil.c - UTC timestamps as microseconds: strict ISO 8601 / RFC 3339
 * parsing (impossible dates rejected) and fixed-width formatting; and
 * durations: the one grammar users type them in ("2h", "1h30m", "-1d"
 * is a sign and a duration) and the two ways they are shown.
 * No locale, no TZ environment: all arithmetic is done by hand.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "trailscope/buf.h"
#include "trailscope/util.h"

static int is_leap(long y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int days_in_month(long y, int m)
{
	static const int d[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	return m == 2 && is_leap(y) ? 29 : d[m - 1];
}

/* Days since 1970-01-01 of a civil date (proleptic Gregorian). */
static int64_t days_from_civil(long y, int m, int d)
{
	y -= m <= 2;
	long era = (y >= 0 ? y : y - 399) / 400;
	long yoe = y - era * 400;
	long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

	return (int64_t)era * 146097 + doe - 719468;
}

static void civil_from_days(int64_t z, long *y, int *m, int *d)
{
	z += 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	long doe = (long)(z - era * 146097);
	long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	long mp = (5 * doy + 2) / 153;

	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = (long)(yoe + era * 400) + (*m <= 2);
}

static int digits(const char **p, int n, long *out)
{
	long v = 0;

	for (int i = 0; i < n; i++) {
		if (!isdigit((unsigned char)(*p)[i]))
			return -1;
		v = v * 10 + ((*p)[i] - '0');
	}
	*p += n;
	*out = v;
	return 0;
}

int time_parse_iso(const char *s, usec_t *out, const char **why)
{
	const char *p = s;
	long y, mo, d, h = 0, mi = 0, sec = 0, frac = 0, offset = 0;

	*why = "expected a time like 2026-01-12T14:32:08Z";
	if (digits(&p, 4, &y) || *p++ != '-' || digits(&p, 2, &mo) ||
	    *p++ != '-' || digits(&p, 2, &d))
		return -1;
	if (mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, (int)mo)) {
		*why = "impossible date";
		return -1;
	}
	if (*p == 'T' || *p == 't' || *p == ' ') {
		p++;
		if (digits(&p, 2, &h) || *p++ != ':' || digits(&p, 2, &mi))
			return -1;
		if (*p == ':') {
			p++;
			if (digits(&p, 2, &sec))
				return -1;
			if (*p == '.' || *p == ',') {
				int n = 0;

				p++;
				if (!isdigit((unsigned char)*p))
					return -1;
				while (isdigit((unsigned char)*p)) {
					if (n < 6) {
						frac = frac * 10 + (*p - '0');
						n++;
					}
					p++;
				}
				while (n++ < 6)
					frac *= 10;
			}
		}
		if (h > 23 || mi > 59 || sec > 60) {
			*why = "impossible time of day";
			return -1;
		}
		if (sec == 60)
			sec = 59; /* leap second: clamp, keep ordering */
		if (*p == 'Z' || *p == 'z') {
			p++;
		} else if (*p == '+' || *p == '-') {
			int sign = *p++ == '-' ? -1 : 1;
			long oh, om = 0;

			if (digits(&p, 2, &oh))
				return -1;
			if (*p == ':')
				p++;
			if (isdigit((unsigned char)*p) && digits(&p, 2, &om))
				return -1;
			if (oh > 23 || om > 59) {
				*why = "impossible UTC offset";
				return -1;
			}
			offset = sign * (oh * 3600 + om * 60);
		}
	}
	if (*p) {
		*why = "unexpected text after the time";
		return -1;
	}
	if (y < 1970 || y > 9999) {
		*why = "year out of range (1970-9999)";
		return -1;
	}
	int64_t secs = days_from_civil(y, (int)mo, (int)d) * 86400 + h * 3600 + mi * 60 + sec - offset;
	*out = secs * 1000000 + frac;
	return 0;
}

void time_format(usec_t t, char out[32])
{
	int64_t secs = t >= 0 ? t / 1000000 : (t - 999999) / 1000000;
	long us = (long)(t - secs * 1000000);
	int64_t days = secs >= 0 ? secs / 86400 : (secs - 86399) / 86400;
	long rem = (long)(secs - days * 86400);
	long y;
	int m, d;

	civil_from_days(days, &y, &m, &d);
	snprintf(out, 32, "%04u-%02u-%02uT%02u:%02u:%02u.%06uZ",
		 (unsigned)y % 10000u, (unsigned)m % 100u, (unsigned)d % 100u,
		 (unsigned)(rem / 3600) % 24u, (unsigned)(rem / 60) % 60u, (unsigned)rem % 60u,
		 (unsigned)us % 1000000u);
}

void time_format_short(usec_t t, char out[32])
{
	time_format(t, out);
	out[10] = ' ';
	out[19] = 'Z';
	out[20] = '\0';
}

void time_local_clock(usec_t t, int utc_offset_min, int *wday, int *hour, int *minute)
{
	int64_t secs = t / 1000000 + (int64_t)utc_offset_min * 60;
	int64_t days = secs >= 0 ? secs / 86400 : (secs - 86399) / 86400;
	int64_t rem = secs - days * 86400;

	*wday = (int)(((days % 7) + 10) % 7); /* 1970-01-01 was a Thursday (3) */
	*hour = (int)(rem / 3600);
	*minute = (int)(rem / 60 % 60);
}

usec_t time_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (usec_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* ---- durations ---- */

int time_parse_duration(const char *s, usec_t max, usec_t *out)
{
	usec_t total = 0;
	const char *p = s;

	if (!*p)
		return -1;
	while (*p) {
		int64_t n = 0, unit;
		int digits = 0;

		while (*p >= '0' && *p <= '9') {
			if (n > 100000000)
				return -1;
			n = n * 10 + (*p++ - '0');
			digits++;
		}
		if (!digits)
			return -1;
		switch (*p++) {
		case 's': unit = 1; break;
		case 'm': unit = 60; break;
		case 'h': unit = 3600; break;
		case 'd': unit = 86400; break;
		case 'w': unit = 7 * 86400; break;
		default: return -1;
		}
		/* n * unit fits (below 2^50 seconds); in microseconds it may not */
		if (n * unit > max / 1000000 || total > max - n * unit * 1000000)
			return -2;
		total += n * unit * 1000000;
	}
	*out = total;
	return 0;
}

void time_format_duration(usec_t d, struct buf *out)
{
	int64_t s = (d < 0 ? -d : d) / 1000000;

	if (s < 60)
		buf_addf(out, "%lld s", (long long)s);
	else if (s < 7200)
		buf_addf(out, "%lld min", (long long)(s / 60));
	else if (s < 172800)
		buf_addf(out, "%lld h %02lld min", (long long)(s / 3600), (long long)(s / 60 % 60));
	else
		buf_addf(out, "%lld d %lld h", (long long)(s / 86400), (long long)(s / 3600 % 24));
}

void time_format_duration_short(usec_t d, struct buf *out)
{
	long m = (long)(d / 60000000);

	if (m >= 60 * 24)
		buf_addf(out, "%ldd%02ldh", m / (60 * 24), m / 60 % 24);
	else if (m >= 60)
		buf_addf(out, "%ldh%02ldm", m / 60, m % 60);
	else
		buf_addf(out, "%ldm", m);
}
