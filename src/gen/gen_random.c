/*
 * gen_random.c - the generator's random source: xoshiro256** seeded by
 * splitmix64, uniform and exponential draws with no libm beyond frexp (so
 * the same seed gives the same numbers everywhere), and the pacing of
 * background events by time of day and day of week.
 */
#include <math.h>

#include "gen_int.h"

static uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

void rng_seed(struct rng *r, uint64_t seed, uint64_t stream)
{
	uint64_t x = seed ^ (stream * 0xd1342543de82ef95ULL);

	for (int i = 0; i < 4; i++)
		r->s[i] = splitmix64(&x);
}

static uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

/* xoshiro256** */
static uint64_t rng_next(struct rng *r)
{
	uint64_t *s = r->s;
	uint64_t result = rotl(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return result;
}

/* Uniform in [0, n); n > 0. The modulo bias is below 2^-40 for our n. */
uint64_t below(struct rng *r, uint64_t n)
{
	return rng_next(r) % n;
}

/* Uniform in [lo, hi]. */
int64_t range(struct rng *r, int64_t lo, int64_t hi)
{
	return lo + (int64_t)below(r, (uint64_t)(hi - lo) + 1);
}

int chance(struct rng *r, unsigned per_mille)
{
	return below(r, 1000) < per_mille;
}

/* Natural log of x in (0, 1] with basic IEEE operations only, so the
 * result does not depend on the C library's log(). */
static double det_log(double x)
{
	int e;
	double m = frexp(x, &e), z, z2, term, sum = 0;

	if (m < 0.70710678118654752) {
		m *= 2;
		e--;
	}
	z = (m - 1) / (m + 1);
	z2 = z * z;
	term = z;
	for (int k = 1; k <= 23; k += 2) {
		sum += term / k;
		term *= z2;
	}
	return 2 * sum + e * 0.69314718055994531;
}

/* Exponentially distributed with the given mean. */
static double expo(struct rng *r, double mean)
{
	double u = (double)(rng_next(r) >> 11) * 0x1p-53; /* [0, 1) */

	return -mean * det_log(1.0 - u);
}

/* ---- time ------------------------------------------------------------ */

int64_t floor_div(int64_t a, int64_t b)
{
	return a >= 0 ? a / b : -((-a + b - 1) / b);
}

static int off_hours(usec_t t)
{
	int64_t day = floor_div(t, DAY);
	int64_t hour = floor_div(t - day * DAY, HOUR);
	int dow = (int)(((day + 4) % 7 + 7) % 7); /* 1970-01-01 was a Thursday; 0 = Sunday */

	return dow == 0 || dow == 6 || hour < 9 || hour >= 18;
}

usec_t next_gap(struct rng *r, usec_t t)
{
	double mean = BUSINESS_GAP_USEC * (off_hours(t) ? OFF_HOURS_FACTOR : 1.0);

	return (usec_t)expo(r, mean);
}
