/*
 * query.h - the query language (docs/QUERY.md): compile a query string
 * into parameterised SQL over the store's indexes, then count matches,
 * page through them in (ts, seq) order, or test one event. Also the
 * completion candidates the TUI's query bar offers, and the read-only
 * `sql` surface (views + authorizer) behind `trailscope sql` and `:sql`.
 *
 * No text from a query is ever spliced into SQL: every value is a bound
 * parameter. Field and time terms use the entries_* indexes; path terms an
 * index range on changes_path; free text the FTS5 index; regexes a pcre2
 * (JIT) SQL function with a match limit.
 *
 * Threads: a compiled query belongs to the connection (struct store) it
 * was compiled on and is used by one thread at a time, like the connection
 * itself (stores are opened SQLITE_OPEN_NOMUTEX): give a background thread
 * its own store and its own compiled query. The one call that is safe from
 * any other thread is query_interrupt() (or setting the flag given to
 * query_set_cancel()).
 *
 * Knows nothing of terminals.
 */
#ifndef TRAILSCOPE_QUERY_H
#define TRAILSCOPE_QUERY_H

#include <stddef.h>
#include <stdint.h>
#include "trailscope/buf.h"
#include "trailscope/event.h"
#include "trailscope/store.h"
#include "trailscope/util.h"

#define QUERY_MAX_LEN 4096     /* longer query strings are refused */
#define QUERY_MAX_DEPTH 64     /* nesting of parentheses and NOT */
#define QUERY_MAX_TERMS 256
#define QUERY_CANCELLED (-2)   /* returned by the running calls when cancelled */

/* The name a query's errors are reported under, as a one-line file:
 * "<query>:1:COL: message" (diag_at; COL in characters). */
#define QUERY_FILE "<query>"

/* A compile error: what and where. */
struct query_error {
	size_t pos;            /* byte offset into the query string (0-based) */
	int col;               /* 1-based column in characters (UTF-8 aware), for a caret */
	char msg[256];         /* e.g. "expected ')'" */
};

struct query;                  /* opaque; one compiled query */

/*
 * Compiles text against store s (which must stay open while q lives).
 * now is the reference time for relative times (since:-2h); pass
 * time_now() unless reproducing. An empty or blank query matches every
 * event. Returns 0 and sets *out, or -1 and fills *err (nothing printed;
 * *out is NULL). around:ID reads the incidents table here.
 */
int query_compile(struct store *s, const char *text, usec_t now, struct query **out,
		  struct query_error *err);
void query_free(struct query *q);

/* Checks text's syntax without a store (everything query_compile checks
 * but around:'s incident); as_rule checks it as a named rule's query
 * (query_set_rules), in which rule: is refused. Returns 0, or -1 with
 * *err filled. */
int query_check(const char *text, usec_t now, int as_rule, struct query_error *err);

/*
 * Named rules for the rule:ID term (a policy's rules, policy.h): rule:ID
 * stands for ID's query in parentheses. Process-wide: set before queries
 * are compiled and keep rules (and its strings) alive while any may be;
 * not to be changed while another thread compiles. NULL, 0 removes them.
 * A rule's query cannot itself use rule:.
 */
struct query_rule {
	const char *id;
	const char *query;
};
void query_set_rules(const struct query_rule *rules, size_t n);

/* The generated SQL condition and its parameters, for --explain and
 * tests ("?1='alice'" lines, values escaped). */
void query_explain(const struct query *q, struct buf *out);

/*
 * How each term was read, in words, one line per term in the order typed:
 * "col 1   actor-type:service   actor type is 'service'", and for a bare
 * word "col 20  checkout   free text: the word 'checkout' in reason,
 * target, actor or ticket". For --explain and the query bar. Values are
 * as typed (not made terminal-safe).
 */
void query_describe(const struct query *q, struct buf *out);
/* The terms read as free text, as typed and quoted ("'checkout', 'foo'"),
 * appended to out; returns how many. */
int query_text_terms(const struct query *q, struct buf *out);

/*
 * Why a query matched nothing: for each field term that is not negated
 * and whose value no event has, a note appended to out, such as "no event
 * has environment 'prodution'; did you mean 'production'?" (the nearest
 * value in the column's index, by edit distance and case), or the values
 * there are when they are few. Terms on actor, target, environment,
 * action, id and actor type are looked at. Cost: one index seek per term,
 * and for a missing value up to QUERY_HINT_SEEKS seeks through the
 * column's distinct values. Returns the number of notes, or -1 (reported).
 */
#define QUERY_HINT_SEEKS 5000
struct query_strings;
int query_zero_hints(struct query *q, struct query_strings *out);

/* One matching row, valid only during the callback. */
struct query_row {
	int64_t seq;
	const char *ts, *event_id, *actor, *actor_type, *action, *target, *target_kind,
		*environment, *summary;
	unsigned risk;         /* enum risk_flags */
	const char *outcome;   /* "success", "failure" or "unknown" (outcome_parse()) */
};
/* Return 0 to go on, nonzero to stop early. */
typedef int (*query_row_fn)(const struct query_row *row, void *ctx);

/* Position in time order, as timeline.h's tl_key: (ts, seq). */
struct query_key {
	char ts[32];
	int64_t seq;
};

struct query_fetch {
	const struct query_key *from;  /* NULL: start at the beginning (or end when desc) */
	int inclusive;                 /* include the row at from */
	int desc;                      /* newest first */
	int64_t limit;                 /* 0: no limit */
};

/*
 * Calls fn for each match in (ts, seq) order (descending with desc),
 * starting after (or at, with inclusive) from: keyset paging, so the next
 * page starts from the last row's key. Returns the number of rows given to
 * fn, QUERY_CANCELLED, or -1 (reported with error(), e.g. a regex that hit
 * its match limit).
 */
int64_t query_each(struct query *q, const struct query_fetch *f, query_row_fn fn, void *ctx);

/*
 * Calls fn for each match in seq order within a seq range and a time
 * range: seq_after < seq <= seq_through (0: no upper bound) and ts_from
 * <= ts < ts_until (NULL: unbounded; times as time_format() writes them).
 * For policies: an attestation's period under its checkpoint, the new
 * events a watch has not alerted on. Returns the number of rows given to
 * fn, QUERY_CANCELLED, or -1 (reported).
 */
struct query_range {
	int64_t seq_after, seq_through;
	const char *ts_from, *ts_until;
};
int64_t query_each_range(struct query *q, const struct query_range *r, query_row_fn fn, void *ctx);

/* Number of matches, QUERY_CANCELLED, or -1 (reported). */
int64_t query_count(struct query *q);

/* Does event seq match? 1 yes, 0 no, QUERY_CANCELLED, -1 (reported). */
int query_matches(struct query *q, int64_t seq);

/*
 * Cancelling a running call. query_interrupt() may be called from any
 * thread; it is sqlite3_interrupt() on q's connection, so it stops every
 * statement running there. query_set_cancel() instead installs a progress
 * handler that stops the running call when *flag becomes nonzero (NULL
 * removes it); the flag is read, never reset, by trailscope. It replaces
 * any other progress handler of the connection (one per connection).
 * On a PostgreSQL store, query_interrupt() sends the server a cancel
 * request and the flag is read between batches of rows (query_pg.c).
 */
void query_interrupt(struct query *q);
void query_set_cancel(struct query *q, volatile int *flag);

/*
 * Completion for the query bar. query_complete_context() says what the
 * word ending at byte offset cursor is (a key, a path after changed:/
 * before./after., an actor, ...) and where it starts (*start, a byte
 * offset; the prefix is text[*start, cursor)). query_complete() lists up
 * to max distinct candidates starting with prefix, sorted: keys are the
 * term keys ("actor:", "after.", "since:", "AND", ...); paths are the
 * distinct changes.path with array indexes written [*]; actors, targets,
 * environments and actions come from their indexes; risks from
 * risk_names; incidents from the incidents table. Cost: one index seek
 * per candidate. Returns the count or -1 (reported).
 */
enum query_complete_kind {
	QC_NONE, QC_KEY, QC_PATH, QC_ACTOR, QC_TARGET, QC_ENV, QC_ACTION,
	QC_ACTOR_TYPE, QC_RISK, QC_INCIDENT, QC_OUTCOME,
};
struct query_strings {
	char **v;
	size_t n, alloc;
};
#define QUERY_STRINGS_INIT { NULL, 0, 0 }
enum query_complete_kind query_complete_context(const char *text, size_t cursor, size_t *start);
int query_complete(struct store *s, enum query_complete_kind kind, const char *prefix, size_t max,
		   struct query_strings *out);
void query_strings_release(struct query_strings *l);

/*
 * What a query looks for, for highlighting (query_terms.c): the literal
 * text of its free-text, field and value terms (wildcards split a value
 * into its literal runs; runs under two bytes are left out) and its
 * regexes with their flags (regex_flags.v[i] belongs to regexes.v[i]);
 * terms under NOT are left out. Parses only. Returns 0, or -1 when text
 * does not parse (out untouched). The caller releases out.
 */
struct query_terms {
	struct query_strings words;
	struct query_strings regexes;
	struct query_strings regex_flags;
};
#define QUERY_TERMS_INIT { QUERY_STRINGS_INIT, QUERY_STRINGS_INIT, QUERY_STRINGS_INIT }
int query_terms(const char *text, struct query_terms *out);
void query_terms_release(struct query_terms *t);
/*
 * SQL functions the generated SQL uses (src/core/sqlfuncs.c), registered
 * on a connection by query_compile and sqlview_open; also available to
 * `trailscope sql`:
 *   ts_path_match(pattern, path)   1 when path is at or below pattern
 *   ts_value(pattern, path, json, op, value)   see docs/QUERY.md
 *   ts_regexp(pattern, flags, text...)   1 when pcre2 matches any text (a BLOB
 *                                  argument is a leaf: its raw record)
 *   ts_leaf_raw(leaf)              the leaf's `raw` member, unescaped (NULL for a
 *                                  version 3 leaf: its record is entry_text.raw)
 * Returns 0 or -1 (reported).
 */
int sqlfuncs_register(sqlite3 *db);
/* Checks a regex (flags: "i" and friends) the way ts_regexp compiles it:
 * 0, or -1 with a message and the byte offset of the fault in the pattern. */
int sqlfuncs_regex_check(const char *pattern, size_t len, const char *flags, struct buf *msg,
			 size_t *offset);

/*
 * The read-only SQL surface. sqlview_open() creates the TEMP views
 * `events` and `event_changes` (docs/QUERY.md) on s's connection,
 * registers the SQL functions and installs an authorizer that denies
 * every write, ATTACH/DETACH, DDL, transactions and every pragma except
 * a few read-only ones. Use a connection of its own: the authorizer stays.
 * sqlview_prepare() prepares exactly one read-only statement; on failure
 * it returns -1 with the reason in err (nothing printed).
 */
int sqlview_open(struct store *s);
int sqlview_prepare(struct store *s, const char *sql, sqlite3_stmt **st, struct buf *err);

#endif
