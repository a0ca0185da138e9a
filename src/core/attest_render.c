/*
 * attest_render.c - the human reports of an attestation's statement
 * (attest.h): plain text for a terminal and Markdown for a ticket or a
 * bundle. Both are rendered from the statement alone, so `attest verify`
 * can show what it checked; everything from the data is made
 * terminal-safe, and Markdown's special characters are escaped.
 */
#include <string.h>

#include "trailscope/attest.h"
#include "trailscope/jcs.h"

static const char *str(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s ? s : "";
}

static long long num(const json_t *o, const char *key)
{
	return json_whole_or(json_object_get(o, key), 0);
}

/* Terminal-safe; in Markdown with its special characters escaped. */
static void put(struct buf *out, const char *s, int md)
{
	struct buf t = BUF_INIT;

	buf_add_term_safe(&t, s, strlen(s));
	for (size_t i = 0; i < t.len; i++) {
		if (md && strchr("\\`*_{}[]<>()#+-.!|~", t.buf[i]))
			buf_addch(out, '\\');
		buf_addch(out, t.buf[i]);
	}
	buf_release(&t);
}

static void violation(struct buf *out, const json_t *v, int md)
{
	buf_addf(out, md ? "- seq %lld, " : "    seq %lld  ", num(v, "seq"));
	put(out, str(v, "ts"), md);
	buf_addstr(out, md ? ", " : "  ");
	put(out, str(v, "actor"), md);
	buf_addstr(out, md ? ", " : "  ");
	put(out, str(v, "action"), md);
	buf_addch(out, ' ');
	put(out, str(v, "target"), md);
	if (*str(v, "environment")) {
		buf_addstr(out, " in ");
		put(out, str(v, "environment"), md);
	}
	buf_addstr(out, md ? ": " : "\n      ");
	put(out, str(v, "summary"), md);
	buf_addstr(out, md ? " (event " : "\n      event ");
	put(out, str(v, "event_id"), md);
	buf_addf(out, md ? ", leaf hash `%s`)\n" : ", leaf hash %s\n", str(v, "leaf_hash"));
}

void attest_render(const json_t *statement, int md, struct buf *out)
{
	const json_t *pred = json_object_get(statement, "predicate"), *pol = json_object_get(pred, "policy");
	const json_t *period = json_object_get(pred, "period"), *logj = json_object_get(pred, "log");
	const json_t *cov = json_object_get(pred, "coverage"), *rules = json_object_get(pred, "rules"), *r;
	const char *result = str(pred, "result");
	size_t i;

	buf_addstr(out, md ? "# Policy attestation: " : "POLICY ATTESTATION: ");
	put(out, str(pol, "name"), md);
	if (*str(pol, "version")) {
		buf_addstr(out, " ");
		put(out, str(pol, "version"), md);
	}
	buf_addf(out, md ? "\n\n**Result: %s** (%lld of %zu rules failed, %lld violations)\n\n" :
		 "\nresult         %s: %lld of %zu rules failed, %lld violations\n",
		 !strcmp(result, "pass") ? "PASS" : "FAIL", num(pred, "rules_failed"), json_array_size(rules),
		 num(pred, "violation_count"));
	buf_addstr(out, md ? "| | |\n|---|---|\n| period | " : "period         ");
	put(out, str(period, "since"), md);
	buf_addstr(out, " to ");
	put(out, str(period, "until"), md);
	buf_addstr(out, md ? " (until exclusive) |\n| log | " : " (until exclusive)\nlog            ");
	put(out, str(logj, "origin"), md);
	buf_addf(out, ", checkpoint at size %lld, root %s%s", num(logj, "tree_size"), str(logj, "root_hash"),
		 md ? " |\n| store verdict | " : "\nstore verdict  ");
	put(out, str(logj, "store_verdict"), md);
	buf_addf(out, md ? " |\n| events evaluated | %lld in the period under the checkpoint |\n" :
		 "\nevaluated      %lld events in the period under the checkpoint\n", num(cov, "events_in_period"));
	if (num(cov, "unverified_events_in_period"))
		buf_addf(out, md ? "| not evaluated | %lld events in the period after the checkpoint (not yet "
			 "verified) |\n" : "not evaluated  %lld events in the period after the checkpoint (not yet "
			 "verified)\n", num(cov, "unverified_events_in_period"));
	buf_addstr(out, md ? "| policy | sha256 `" : "policy sha256  ");
	buf_addstr(out, str(json_object_get(pol, "digest"), "sha256"));
	buf_addstr(out, md ? "` |\n| evaluated at | " : "\nevaluated at   ");
	put(out, str(pred, "evaluated_at"), md);
	buf_addstr(out, md ? " |\n" : "\n");
	json_array_foreach(rules, i, r) {
		const json_t *vs = json_object_get(r, "violations"), *v, *c;
		size_t k;

		buf_addstr(out, md ? "\n## " : "\n");
		buf_addstr(out, !strcmp(str(r, "result"), "pass") ? "PASS " : "FAIL ");
		put(out, str(r, "id"), md);
		buf_addstr(out, " (");
		put(out, str(r, "severity"), md);
		buf_addf(out, "): %lld violation%s\n", num(r, "violation_count"), num(r, "violation_count") == 1 ? "" : "s");
		buf_addstr(out, md ? "\n" : "  ");
		put(out, str(r, "description"), md);
		buf_addstr(out, md ? "\n\nQuery: `" : "\n  query: ");
		{
			/* a code span: terminal-safe, backticks cannot end it early */
			struct buf t = BUF_INIT;

			buf_add_term_safe(&t, str(r, "query"), strlen(str(r, "query")));
			for (size_t j = 0; j < t.len; j++)
				buf_addch(out, md && t.buf[j] == '`' ? '\'' : t.buf[j]);
			buf_release(&t);
		}
		buf_addstr(out, md ? "`\n" : "\n");
		if (json_array_size(json_object_get(r, "controls"))) {
			buf_addstr(out, md ? "\nControls: " : "  controls: ");
			json_array_foreach(json_object_get(r, "controls"), k, c) {
				if (k)
					buf_addstr(out, ", ");
				put(out, json_string_value(c), md);
			}
			buf_addch(out, '\n');
		}
		if (md && json_array_size(vs))
			buf_addch(out, '\n');
		json_array_foreach(vs, k, v)
			violation(out, v, md);
	}
}
