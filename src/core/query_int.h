/*
 * query_int.h - private to the query modules: the syntax tree the parser
 * (query_parse.c) builds and the SQL generator (query_sql.c) walks, and
 * the path/value pattern helpers they share with sqlfuncs.c.
 *
 * Value patterns: the text of a value with `*` as the only wildcard; a
 * literal star is stored as `\*` and a literal backslash as `\\`.
 * Path patterns: the path syntax of docs/STORE.md where `[*]` is any
 * array index and `*` inside a member name any run of name characters.
 */
#ifndef TRAILSCOPE_QUERY_INT_H
#define TRAILSCOPE_QUERY_INT_H

#include <stddef.h>
#include "trailscope/query.h"

enum qkind {
	QN_AND, QN_OR, QN_NOT,
	QN_ALL,        /* the empty query */
	QN_FIELD,      /* actor:, target:, env:, ... */
	QN_CHANGED,    /* changed:PATH */
	QN_VALUE,      /* before.PATH OP V, after.PATH OP V */
	QN_TIME,       /* since:, until: (resolved to t) */
	QN_AROUND,     /* around:INCIDENT, resolved by query_sql.c */
	QN_TEXT,       /* free text (FTS5) */
	QN_REGEX,      /* /re/flags */
	QN_RISK,       /* risk:NAME */
};

enum qfield { QF_ACTOR, QF_ACTOR_TYPE, QF_TARGET, QF_TARGET_KIND, QF_ENV, QF_ACTION, QF_ID };
enum qop { QOP_EQ, QOP_LT, QOP_LE, QOP_GT, QOP_GE };

struct qnode {
	enum qkind kind;
	size_t pos;            /* byte offset of the term, for errors */
	size_t vpos;           /* byte offset of its value */
	struct qnode *a, *b;   /* operands of AND/OR (a, b) and NOT (a) */
	int field;             /* QN_FIELD: enum qfield; QN_VALUE: 0 before, 1 after;
				  QN_TIME: 0 since, 1 until */
	int op;                /* enum qop */
	char *path;            /* QN_CHANGED, QN_VALUE: path pattern (owned) */
	char *value;           /* value pattern, regex, text or incident id (owned) */
	char flags[8];         /* QN_REGEX: flags; QN_TEXT: "*" for a prefix search */
	unsigned bits;         /* QN_RISK */
	usec_t t;              /* QN_TIME */
	char *set_sql;         /* leaves: "SELECT seq ..." of the matching entries on
				  their own, using the query's ?N (query_sql.c);
				  NULL when that would read every entries row */
	int set_scan;          /* set_sql scans a whole table; it then takes a seq
				  range :lo <= seq < :hi, so halves can run at once */
};

/* Parses text into a tree (query_parse.c). Returns NULL with *err filled. */
struct qnode *qparse(const char *text, usec_t now, struct query_error *err);
void qnode_free(struct qnode *n);
/* Fills err->pos, err->col (from text) and err->msg. Returns -1. */
int qerror_at(struct query_error *err, const char *text, size_t pos, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Value patterns. */
int vpat_has_wild(const char *p);
void vpat_literal(const char *p, struct buf *out);       /* unescaped, wildcards as '*' */
void vpat_prefix(const char *p, struct buf *out);        /* literal text before the first wildcard */
void vpat_to_glob(const char *p, struct buf *out);       /* SQLite GLOB pattern */
int vpat_match(const char *p, const char *s, size_t len); /* 1 when s matches */

/* Path patterns. */
void ppat_prefix(const char *p, struct buf *out);        /* literal text before the first wildcard */
/* Checks a path pattern's syntax: 0, or -1 with a message and the offset. */
int ppat_check(const char *p, size_t len, const char **why, size_t *off);
/*
 * Compares path with pattern segment by segment. Returns 1 when path is
 * at or below the pattern, 2 when path is a strict ancestor of it (then
 * *rest points at the pattern's remaining segments, a pattern of its own:
 * "conditions[*].values" or "[*].serve"), 0 otherwise.
 */
int ppat_relate(const char *pat, const char *path, size_t pathlen, const char **rest);

/* One segment of a path or path pattern. */
enum seg_kind { SEG_END, SEG_NAME, SEG_QUOTED, SEG_INDEX, SEG_ANY_INDEX, SEG_BAD };
struct seg {
	enum seg_kind kind;
	const char *s;         /* the name, quoted name (raw, JSON escapes kept) or digits */
	size_t len;
};
/* Reads the segment at *i of s (n bytes) and advances *i; wild allows
 * `*` in names and `[*]`. */
struct seg ppat_next_seg(const char *s, size_t n, size_t *i, int wild);
/* Glob match of a name pattern (`*` only). */
int ppat_name_match(const char *pat, size_t plen, const char *s, size_t slen);

/*
 * Counting by sets (query_count.c): when every leaf of the tree has a
 * set_sql and at least one leaf is a set term (changed:, after./before.,
 * free text, regex), each leaf's seqs go into a bitmap of the store's
 * size and the tree is evaluated word by word. bind binds the query's
 * parameters to a statement; a set_scan leaf is read in two halves, the
 * second on a helper thread with its own read-only connection. Returns the count, QUERY_CANCELLED, or -1
 * (reported); qcount_can says whether the tree qualifies.
 */
int qcount_can(const struct qnode *n);
int64_t qcount_sets(sqlite3 *db, const struct qnode *tree, int64_t size,
		    void (*bind)(void *ctx, sqlite3_stmt *st), void *ctx, volatile int *cancel);

/* Upper bound of the index range of strings starting with prefix: the
 * prefix with its last byte incremented (bytes 0xff dropped). Returns 0
 * when there is no bound (empty prefix or all 0xff). */
int str_prefix_upper(const char *prefix, size_t len, struct buf *out);

#endif
