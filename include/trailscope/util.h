/*
 * util.h - allocation wrappers that abort, small helpers; error reporting
 * comes with it from diag.h.
 *
 * Only main and the CLI layer exit; library code returns -1 after
 * reporting through diag.h (error(), diag_at()), which also keeps the
 * class of the failure. die() is for broken invariants and allocation
 * failure.
 */
#ifndef TRAILSCOPE_UTIL_H
#define TRAILSCOPE_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include "trailscope/diag.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
/* Marks a parameter a callback's signature imposes but this one ignores. */
#define UNUSED __attribute__((unused))

void *xmalloc(size_t n);
void *xcalloc(size_t nmemb, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
/* Grows *arr (of *alloc elements of size elem) to hold at least n. */
void *xgrow(void *arr, size_t *alloc, size_t n, size_t elem);
#define ALLOC_GROW(arr, n, alloc) ((arr) = xgrow((arr), &(alloc), (n), sizeof(*(arr))))
/* Appends the formatted text, malloc'd, to the growable string array *v
 * of *n entries (*alloc allocated), as reports collect their notes. */
void strv_vaddf(char ***v, size_t *n, size_t *alloc, const char *fmt, va_list ap)
	__attribute__((format(printf, 4, 0)));

/* The Damerau-Levenshtein distance of a and b (optimal string alignment:
 * insert, delete, substitute, swap two neighbours), for "did you mean";
 * strings over 64 bytes get the longer length. */
size_t str_edit_distance(const char *a, const char *b);


/* Exit statuses: stable, documented in README.md. */
enum exit_status {
	EXIT_OK = 0,
	EXIT_FAILED = 1,       /* verification found faults */
	EXIT_UNVERIFIABLE = 2, /* no trusted key to verify against */
	EXIT_USAGE = 3,        /* bad command line or query */
	EXIT_BADINPUT = 4,     /* bad input data (record, key, note, bundle) */
	EXIT_IO = 5,           /* I/O error, or a store that cannot be used */
	EXIT_INTERNAL = 6,     /* a bug */
};

/* Time: microseconds since the Unix epoch, UTC. */
typedef int64_t usec_t;
/* Parses RFC 3339 / ISO 8601 ("2026-01-12T14:32:08Z", with fraction and
 * offset, "2026-01-12 14:32", a date alone). Returns 0, or -1 with a
 * reason in *why. Rejects impossible dates (Feb 30, hour 25). */
int time_parse_iso(const char *s, usec_t *out, const char **why);
/* Formats as "2026-01-12T14:32:08.000000Z" (27 chars + NUL). */
void time_format(usec_t t, char out[32]);
/* Formats to the second, with a space: "2026-01-12 14:32:08Z". */
void time_format_short(usec_t t, char out[32]);
usec_t time_now(void);
/* The weekday (0 = Monday), hour and minute of t on a clock utc_offset_min
 * minutes east of UTC. */
void time_local_clock(usec_t t, int utc_offset_min, int *wday, int *hour, int *minute);

struct buf;
/* A duration as users type it: one or more of a number and a unit, s m h
 * d or w ("45s", "90m", "2h", "1h30m", "1d12h", "2w"); no sign (an offset
 * like "-2h" is a sign and a duration). A number above 1000000009 is
 * refused. Returns
 * 0 with *out in microseconds (0 for "0h": callers that need more say
 * so), -1 when s is not a duration, -2 when it is longer than max. */
int time_parse_duration(const char *s, usec_t max, usec_t *out);
/* |d| in words, coarsening as it grows: "45 s", "12 min", "2 h 05 min",
 * "3 d 4 h" (seconds below 1 min, minutes below 2 h, hours below 2 d). */
void time_format_duration(usec_t d, struct buf *out);
/* d compactly, in whole minutes: "5m", "1h05m", "1d02h". */
void time_format_duration_short(usec_t d, struct buf *out);

int hex_decode(const char *hex, unsigned char *out, size_t outlen);
/* The value of one hex digit (either case), or -1. */
int hex_digit(int c);

/* The index of name in names[0..n) (a name table made from an X-macro
 * list: verdicts, fault kinds, change kinds, outcomes), or -1 for NULL or
 * a name not in it. Names are exact: case matters. */
int name_index(const char *const *names, size_t n, const char *name);
/* Returns a malloc'd copy of the file's contents (NUL-terminated) or NULL
 * with errno set; refuses files larger than max bytes (errno EFBIG). */
char *read_file(const char *path, size_t max, size_t *len);
/* Parses a decimal in [min,max]; returns 0 or -1. */
int parse_int64(const char *s, int64_t min, int64_t max, int64_t *out);
/* Writes a file atomically (temp file + rename) with the given mode. */
int write_file_atomic(const char *path, const void *data, size_t len, int mode);
/* mkdir -p with mode. */
int mkdir_p(const char *path, int mode);

#endif
