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
	QN_OUTCOME,    /* outcome:success|failure|unknown (value) */
	QN_CLOCK,      /* hour:, weekday: (bits, offset_min) */
};

enum qfield { QF_ACTOR, QF_ACTOR_TYPE, QF_TARGET, QF_TARGET_KIND, QF_ENV, QF_ACTION, QF_ID };
enum qop { QOP_EQ, QOP_LT, QOP_LE, QOP_GT, QOP_GE };

struct qnode {
	enum qkind kind;
	size_t pos;            /* byte offset of the term, for errors */
	size_t end;            /* byte offset just after the term (terms only) */
	size_t vpos;           /* byte offset of its value */
	struct qnode *a, *b;   /* operands of AND/OR (a, b) and NOT (a) */
	int field;             /* QN_FIELD: enum qfield; QN_VALUE: 0 before, 1 after;
				  QN_TIME: 0 since, 1 until; QN_CLOCK: 0 hour, 1 weekday */
	int op;                /* enum qop */
	char *path;            /* QN_CHANGED, QN_VALUE: path pattern (owned) */
	char *value;           /* value pattern, regex, text or incident id (owned) */
	char flags[8];         /* QN_REGEX: flags; QN_TEXT: "*" for a prefix search */
	unsigned bits;         /* QN_RISK: risk bits; QN_CLOCK: hours (bit H) or
				  weekdays (bit 0 Sunday .. bit 6 Saturday) */
	int offset_min;        /* QN_CLOCK: minutes east of UTC the clock is read at */
	usec_t t;              /* QN_TIME */
	/* set terms (changed:, after./before., free text, regex), filled by
	 * query_sql.c for counting (query_count.c): */
	char *set_sql;         /* "SELECT seq ..." of the matching entries, using
				  the query's ?N */
	int set_scan;          /* set_sql scans a whole table; it then takes a seq
				  range :lo <= seq < :hi, so halves can run at once */
	size_t wpos, wlen;     /* the term's text in the query's condition */
	int pparam;            /* ?N that carries its seq set to ts_inset() */
};

/*
 * An unknown key the parser refused (`rollout_pct:100`), for query_sql.c
 * to look up as a changed-field path in the store and suggest
 * `after.rollout_pct:100` instead of the parser's message.
 */
struct qunknown {
	int set;               /* the parse failed on an unknown key */
	int have_suggestion;   /* the parser's message already suggests something */
	size_t pos;            /* byte offset of the key */
	char key[64];          /* as typed */
	char rest[200];        /* the operator and the value as typed ("<50"), may be cut */
};

/* Parses text into a tree (query_parse.c). Returns NULL with *err filled
 * (and *uk, when not NULL, for an unknown key). */
struct qnode *qparse(const char *text, usec_t now, struct query_error *err, struct qunknown *uk);
/* The same; as_rule parses a named rule's query, where rule: is refused. */
struct qnode *qparse_as(const char *text, usec_t now, int as_rule, struct query_error *err,
			struct qunknown *uk);
void qnode_free(struct qnode *n);
/* Fills err->pos, err->col (from text) and err->msg. Returns -1. */
int qerror_at(struct query_error *err, const char *text, size_t pos, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* A compiled query's parts, for query_hint.c. */
const struct qnode *query_tree(const struct query *q);
const char *query_text(const struct query *q);
struct store *query_store(const struct query *q);

/* Value patterns. */
int vpat_has_wild(const char *p);
void vpat_literal(const char *p, struct buf *out);       /* unescaped, wildcards as '*' */
void vpat_prefix(const char *p, struct buf *out);        /* literal text before the first wildcard */
void vpat_to_glob(const char *p, struct buf *out);       /* SQLite GLOB pattern */
int vpat_match(const char *p, const char *s, size_t len); /* 1 when s matches */

/*
 * action:V (docs/QUERY.md): the action is V, or, when V has neither ':'
 * nor '.', the action's last component (after its last ':' or '.') is V:
 * action:TerminateInstances matches ec2.amazonaws.com:TerminateInstances.
 */
int action_has_tail_rule(const char *p);                 /* V has neither ':' nor '.' */
/* The part after the last ':' or '.', or NULL when there is none. */
const char *action_last_component(const char *action, size_t len, size_t *tail_len);
int action_match(const char *p, const char *action, size_t len); /* 1 when it matches */

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
 * Counting by sets (query_count.c). Each set term's matching seqs are
 * read from its own index into a bitmap over 1..size (a set_scan leaf in
 * two halves, the second on a helper thread with its own read-only
 * connection). When every leaf is a set term the tree is then evaluated
 * word by word (qcount_sets); otherwise the caller binds each bitmap to
 * its term's ts_inset(?N, e.seq) and lets SQLite count the rest over the
 * indexes. bind binds the query's parameters to a statement. Functions
 * return 0 or the count, QUERY_CANCELLED, or -1 (reported).
 */
struct seqset {
	uint64_t *w;
	size_t nwords;
};
#define SEQSET_POINTER "trailscope_seqset"   /* sqlite3_bind_pointer type */
struct qcounter {
	sqlite3 *db;
	int64_t size;
	void (*bind)(void *ctx, sqlite3_stmt *st);
	void *ctx;
	volatile int *cancel;  /* the caller's flag, or NULL */
	/* when set, reads a set term's seqs into b (zeroed, bits 0..size)
	 * instead of running its set_sql on db: 0, QUERY_CANCELLED or -1 */
	int (*leaf)(void *ctx, const struct qnode *n, struct seqset *b);
};
int qnode_is_set_term(const struct qnode *n);
int qcount_has_set_term(const struct qnode *n);
int qcount_only_set_terms(const struct qnode *n);
int qcount_fill(struct qcounter *c, const struct qnode *leaf, struct seqset *out);
void seqset_release(struct seqset *s);
int64_t qcount_sets(struct qcounter *c, const struct qnode *tree);
/* 1 when seq is in the set (for ts_inset). */
int seqset_has(const struct seqset *s, int64_t seq);

/* The 1-based column of byte pos of a query's text, counting UTF-8
 * characters: the COL of "<query>:1:COL:" and of the hints. */
int query_col_of(const char *text, size_t pos);

/* Upper bound of the index range of strings starting with prefix: the
 * prefix with its last byte incremented (bytes 0xff dropped). Returns 0
 * when there is no bound (empty prefix or all 0xff). */
int str_prefix_upper(const char *prefix, size_t len, struct buf *out);

/*
 * A compiled query (query_sql.c builds it; query_pg.c runs it on a
 * PostgreSQL store). The condition is written with ?N parameters;
 * on PostgreSQL they are sent as $N (query_pg.c).
 */
enum { P_TEXT, P_INT, P_SET };

struct qparam {
	int type;
	char *text;            /* owned; on PostgreSQL a P_SET's bitmap bytes (len) */
	size_t len;
	int64_t i;
};

struct qpg;                    /* query_pg.c's state */

struct query {
	struct store *s;       /* borrowed */
	char *text;            /* the query as typed (owned) */
	struct qnode *tree;
	struct buf where;      /* the SQL condition over entries AS e */
	struct qparam *params;
	size_t nparams, alloc;
	sqlite3_stmt *each[6]; /* [desc * 3 + (no key, exclusive, inclusive)] */
	sqlite3_stmt *count, *match;
	sqlite3_stmt *set_count;  /* count with set terms as ts_inset() tests */
	sqlite3_stmt *range;      /* query_each_range */
	volatile int *cancel;
	int pg;                /* s is a PostgreSQL store: the condition is in its dialect */
	struct qpg *pgx;       /* NULL until first run there */
};

/* Binds q's text and integer parameters to a SQLite statement (its ?N). */
void query_bind_sqlite(void *q, sqlite3_stmt *st);

/*
 * PostgreSQL (query_pg.c). qpg_fts_query writes the tsquery of free text
 * (FTS5's tokens as a phrase, the last a prefix when prefix) and returns
 * its number of tokens (0: the phrase matches nothing), or -1. The
 * others are query.h's calls on a PostgreSQL store.
 */
int qpg_fts_query(const char *text, int prefix, struct buf *out);
int qpg_action_tails(struct query *q, const char *pattern, struct buf *out);
void qpg_init(struct query *q);
/* around:ID's window on a PostgreSQL store, as incident_load() finds the
 * incident (its id, else without ASCII case when unique) and
 * incident_window() reads it: 1, 0 no such incident, -1 (reported). */
int qpg_incident_window(struct store *s, const char *id, usec_t *from, usec_t *to);
int64_t qpg_each(struct query *q, const struct query_fetch *f, query_row_fn fn, void *ctx);
int64_t qpg_each_range(struct query *q, const struct query_range *r, query_row_fn fn, void *ctx);
int64_t qpg_count(struct query *q);
int qpg_matches(struct query *q, int64_t seq);
void qpg_interrupt(struct query *q);
void qpg_free(struct query *q);
/*
 * The distinct values of table.col (names from the code, never from a
 * query) in byte order on a PostgreSQL store, starting at from (at or
 * after it with inclusive), while they start with prefix, at most limit:
 * rows.h's cursor over one column. NULL with err filled on failure.
 */
struct rows *qpg_walk(struct store *s, const char *table, const char *col, const char *from, int inclusive,
		      const char *prefix, int64_t limit, struct buf *err);
/* Appends sql with its ?N parameters written $N. */
void qpg_dialect(const char *sql, struct buf *out);

/* LIKE patterns (escape character backslash): a value pattern's, and
 * the one for the strings starting with prefix. */
void vpat_to_like(const char *p, struct buf *out);
void like_prefix(const char *prefix, size_t len, struct buf *out);

#endif
