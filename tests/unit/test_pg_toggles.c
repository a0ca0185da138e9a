/*
 * test_pg_toggles.c - the in-memory rapid-toggle index of a first load
 * into a PostgreSQL store (src/core/pg_toggles.c): counts of from <= ts
 * < until per target and environment, whatever the order of adding,
 * against a plain count over every added toggle.
 */
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "../../src/core/pg_toggles.h"

TEST(counts_a_half_open_window)
{
	struct toggles t;

	toggles_init(&t);
	CHECK_INT(toggles_count(&t, "f", "prod", "2026-01-01", "2027-01-01"), 0);
	toggles_add(&t, "f", "prod", "2026-03-01T00:10:00.000000Z");
	toggles_add(&t, "f", "prod", "2026-03-01T00:20:00.000000Z");
	toggles_add(&t, "f", "prod", "2026-03-01T00:30:00.000000Z");
	CHECK_INT(toggles_count(&t, "f", "prod", "2026-03-01T00:10:00.000000Z", "2026-03-01T00:30:00.000000Z"), 2);
	CHECK_INT(toggles_count(&t, "f", "prod", "2026-03-01T00:10:00.000001Z", "2026-03-01T00:30:00.000001Z"), 2);
	CHECK_INT(toggles_count(&t, "f", "prod", "2026-03-01T00:00:00.000000Z", "2026-03-01T01:00:00.000000Z"), 3);
	CHECK_INT(toggles_count(&t, "f", "prod", "2026-03-01T00:30:00.000000Z", "2026-03-01T00:10:00.000000Z"), 0);
	/* another environment, another target, a target that is a prefix */
	CHECK_INT(toggles_count(&t, "f", "staging", "2026-01-01", "2027-01-01"), 0);
	CHECK_INT(toggles_count(&t, "g", "prod", "2026-01-01", "2027-01-01"), 0);
	toggles_add(&t, "f", "", "2026-03-01T00:15:00.000000Z");
	toggles_add(&t, "", "fprod", "2026-03-01T00:15:00.000000Z");
	CHECK_INT(toggles_count(&t, "f", "prod", "2026-01-01", "2027-01-01"), 3);
	CHECK_INT(toggles_count(&t, "f", "", "2026-01-01", "2027-01-01"), 1);
	CHECK_INT(toggles_count(&t, "", "fprod", "2026-01-01", "2027-01-01"), 1);
	toggles_release(&t);
}

/* Many targets (the table grows), ts added out of order and repeated:
 * every window's count equals a count over the list of what was added. */
TEST(matches_a_plain_count)
{
	enum { N = 3000, TARGETS = 97 };
	static char ts[N][32], target[N][16];
	struct toggles t;
	unsigned x = 12345;
	int bad = 0;

	toggles_init(&t);
	for (int i = 0; i < N; i++) {
		x = x * 1103515245u + 12345u;
		snprintf(target[i], sizeof(target[i]), "flag-%u", (x >> 8) % TARGETS);
		x = x * 1103515245u + 12345u;
		snprintf(ts[i], sizeof(ts[i]), "2026-03-01T%02u:%02u:00.000000Z", (x >> 8) % 24, (x >> 16) % 60);
		toggles_add(&t, target[i], "production", ts[i]);
	}
	for (int q = 0; q < 400; q++) {
		char from[32], until[32], name[16];
		int want = 0;

		x = x * 1103515245u + 12345u;
		snprintf(name, sizeof(name), "flag-%u", (x >> 8) % TARGETS);
		snprintf(from, sizeof(from), "2026-03-01T%02u:%02u:00.000000Z", (x >> 12) % 24, (x >> 20) % 60);
		x = x * 1103515245u + 12345u;
		snprintf(until, sizeof(until), "2026-03-01T%02u:%02u:00.000000Z", (x >> 12) % 24, (x >> 20) % 60);
		for (int i = 0; i < N; i++)
			if (!strcmp(target[i], name) && strcmp(ts[i], from) >= 0 && strcmp(ts[i], until) < 0)
				want++;
		if (toggles_count(&t, name, "production", from, until) != want)
			bad++;
	}
	CHECK_INT(bad, 0);
	CHECK_INT(toggles_count(&t, target[0], "production", "2026-03-01", "2026-03-02") > 0, 1);
	toggles_release(&t);
}

int main(void)
{
	RUN(counts_a_half_open_window);
	RUN(matches_a_plain_count);
	return CHECK_DONE();
}
