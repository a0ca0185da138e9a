/*
 * check.h - the unit-test harness: TEST() defines a case, CHECK() records
 * a failed condition with its location, RUN() runs a case and prints
 * "PASS: name" or "FAIL: name" for tests/run.sh to count. main() ends
 * with "return CHECK_DONE();", which prints the closing line
 * "done: N cases, N failed" and gives the exit status (1 when a case
 * failed); tests/run.sh fails a binary that exits without that line (it
 * stopped early) or exits non-zero.
 */
#ifndef CHECK_H
#define CHECK_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int check_case_failed;
static int check_failed_cases;
static int check_cases;

#define TEST(name) static void name(void)

#define CHECK(cond) do { \
	if (!(cond)) { \
		fprintf(stderr, "  %s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
		check_case_failed = 1; \
	} \
} while (0)

#define CHECK_STR(a, b) do { \
	const char *check_a_ = (a), *check_b_ = (b); \
	if (!check_a_ || !check_b_ || strcmp(check_a_, check_b_)) { \
		fprintf(stderr, "  %s:%d: expected \"%s\", got \"%s\"\n", __FILE__, __LINE__, \
			check_b_ ? check_b_ : "(null)", check_a_ ? check_a_ : "(null)"); \
		check_case_failed = 1; \
	} \
} while (0)

#define CHECK_INT(a, b) do { \
	long long check_a_ = (long long)(a), check_b_ = (long long)(b); \
	if (check_a_ != check_b_) { \
		fprintf(stderr, "  %s:%d: %s: expected %lld, got %lld\n", __FILE__, __LINE__, \
			#a, check_b_, check_a_); \
		check_case_failed = 1; \
	} \
} while (0)

#define RUN(name) do { \
	check_case_failed = 0; \
	name(); \
	printf("%s: %s\n", check_case_failed ? "FAIL" : "PASS", #name); \
	fflush(stdout); \
	check_failed_cases += check_case_failed; \
	check_cases++; \
} while (0)

/* The closing line and the exit status. */
static inline int check_done(void)
{
	printf("done: %d cases, %d failed\n", check_cases, check_failed_cases);
	fflush(stdout);
	return check_failed_cases ? 1 : 0;
}
#define CHECK_DONE() check_done()

/* Where ../shared/ is; tests that need the vectors use this. */
static inline const char *shared_dir(void)
{
	const char *s = getenv("SHARED");
	return s && *s ? s : "../shared";
}

#endif
