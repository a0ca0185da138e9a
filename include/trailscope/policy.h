/*
 * policy.h - policy files (docs/POLICY.md): named rules, each a query in
 * the query language (query.h) that selects violations, with a severity,
 * a description and optionally the compliance controls it evidences.
 * Loading parses the JSON strictly (jansson, through json_parse_strict)
 * and checks every rule's query, reporting each fault as FILE:LINE:COL,
 * a bad query at its own character inside the file. Evaluating gives the
 * violations in seq order: attestations (attest.h) over a period, watch
 * over the events appended since the last look.
 *
 * Knows nothing of terminals.
 */
#ifndef TRAILSCOPE_POLICY_H
#define TRAILSCOPE_POLICY_H

#include <stddef.h>
#include <stdint.h>
#include "trailscope/merkle.h"
#include "trailscope/query.h"
#include "trailscope/store.h"
#include "trailscope/util.h"

#define POLICY_MAX_SIZE (4u << 20) /* bytes of a policy file */
#define POLICY_MAX_RULES 256
#define POLICY_MAX_ID 64           /* bytes of a rule id */

/* _(NAME, "name"), lowest first */
#define POLICY_SEVERITY_INFO(_) \
	_(INFO, "info") \
	_(LOW, "low") \
	_(MEDIUM, "medium") \
	_(HIGH, "high") \
	_(CRITICAL, "critical")

#define POLICY_SEVERITY_ENUM(name, str) SEVERITY_##name,
enum policy_severity { POLICY_SEVERITY_INFO(POLICY_SEVERITY_ENUM) };
#undef POLICY_SEVERITY_ENUM

/* "info" ... "critical". */
const char *policy_severity_name(enum policy_severity s);

struct policy_rule {
	char *id;              /* letters, digits, '.', '_', '-'; unique; owned */
	char *query;           /* owned */
	enum policy_severity severity;
	char *description;     /* owned */
	char **controls;       /* optional "controls": ids such as "SOC2 CC8.1", owned */
	size_t ncontrols;
	size_t query_off;      /* byte offset of the query's opening quote in the file */
};

struct policy {
	char *path;            /* as given, owned */
	char *name;            /* "name", or the file's base name; owned */
	char *version;         /* "version", or NULL; owned */
	unsigned char sha256[HASH_LEN]; /* of the file's bytes */
	struct policy_rule *rules;      /* owned */
	size_t n;
	struct query_rule *named;       /* id and query of each rule, for
					 * query_set_rules(); borrows from rules */
	char *text;            /* the file, for error locations; owned */
	size_t len;
};

/*
 * Reads and checks the policy at path. Every fault is reported as
 * "FILE:LINE:COL: reason" (col in characters); a rule's bad query at the
 * character of the query the query parser points at. now resolves the
 * queries' relative times for the check. Returns 0 with *out filled
 * (policy_release() it), or -1 (reported) with the class ERR_INPUT (a
 * bad policy) or ERR_IO (unreadable); on failure nothing is left to
 * release.
 */
int policy_load(const char *path, usec_t now, struct policy *out);
void policy_release(struct policy *p);

/*
 * Compiles every rule's query against s (around: reads its incidents)
 * into out[0..p->n-1] (policy_queries_free() them). A query the store
 * refuses is reported at its place in the file. Returns 0, or -1 with
 * the class ERR_INPUT (a query the store refuses) or ERR_IO.
 */
int policy_compile(const struct policy *p, struct store *s, usec_t now, struct query ***out);
void policy_queries_free(struct query **q, size_t n);

/*
 * The policy the current process works with (`open --policy`): the TUI's
 * badges read it. Set once before use; p must outlive its use; NULL
 * clears it. Process-wide, like query_set_rules(), which the caller also
 * calls with p->named so that rule:ID filters work.
 */
void policy_set_active(const struct policy *p);
const struct policy *policy_active(void);

/* One violation: rule index and the event's row (valid during the call). */
typedef int policy_hit_fn(void *ctx, size_t rule, const struct query_row *row);

/*
 * Calls fn for every (event, rule) violation within range r, in seq
 * order and, for one event, in the rules' order; stops early when fn
 * returns nonzero. Returns the number of violations given to fn, or -1
 * (reported), or QUERY_CANCELLED.
 */
int64_t policy_each_hit(const struct policy *p, struct query **qs, const struct query_range *r,
			policy_hit_fn *fn, void *ctx);

#endif
