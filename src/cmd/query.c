/*
 * query.c - "trailscope query STORE QUERY [--format table|json|jsonl|csv]
 * [--limit N] [--count] [--reverse] [--now TIME] [--explain]": the events
 * matching a query (docs/QUERY.md), oldest first. Streams rows as they
 * come: memory stays constant however many events match.
 */
#include <getopt.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cmd.h"
#include "trailscope/policy.h"
#include "trailscope/query.h"
#include "trailscope/risk.h"
#include "trailscope/textout.h"
#include "trailscope/timeline.h"
#include "trailscope/util.h"

struct out {
	enum out_format fmt;
	int64_t n;
	struct buf line;
};

/* A string member as jansson has it, or null (no text, or not UTF-8). */
static json_t *str_or_null(const char *v)
{
	json_t *s = json_string(v);

	return s ? s : json_null();
}

/* The row as one compact JSON object, ASCII only. */
static void row_json(const struct query_row *r, struct buf *b)
{
	json_t *o, *risk = json_array();
	char *enc;

	for (int i = 0; risk_names[i].name; i++)
		if (r->risk & risk_names[i].flag)
			json_array_append_new(risk, json_string(risk_names[i].name));
	o = json_pack("{s:I, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o}",
		      "seq", (json_int_t)r->seq, "event_id", str_or_null(r->event_id),
		      "ts", str_or_null(r->ts), "actor", str_or_null(r->actor),
		      "actor_type", str_or_null(r->actor_type), "action", str_or_null(r->action),
		      "target", str_or_null(r->target), "target_kind", str_or_null(r->target_kind),
		      "environment", str_or_null(r->environment), "summary", str_or_null(r->summary),
		      "risk", risk, "outcome", str_or_null(r->outcome));
	if (!o)
		die("query: out of memory");
	enc = json_dumps(o, JSON_COMPACT | JSON_ENSURE_ASCII | JSON_PRESERVE_ORDER);
	json_decref(o);
	if (!enc)
		die("query: out of memory");
	buf_addstr(b, enc);
	free(enc);
}

static void risk_list(struct buf *b, unsigned risk)
{
	int first = 1;

	for (int i = 0; risk_names[i].name; i++) {
		if (!(risk & risk_names[i].flag))
			continue;
		buf_addf(b, "%s%s", first ? "" : " ", risk_names[i].name);
		first = 0;
	}
}
static int print_row(const struct query_row *r, void *ctx)
{
	struct out *o = ctx;
	struct buf *b = &o->line;

	buf_reset(b);
	switch (o->fmt) {
	case FMT_JSON:
	case FMT_JSONL:
		if (o->fmt == FMT_JSON)
			buf_addstr(b, o->n ? ",\n  " : "[\n  ");
		row_json(r, b);
		if (o->fmt == FMT_JSONL)
			buf_addch(b, '\n');
		fwrite(b->buf, 1, b->len, stdout);
		break;
	case FMT_CSV: {
		const char *cols[] = { NULL, r->ts, r->event_id, r->actor, r->actor_type, r->action,
				       r->target, r->target_kind, r->environment, r->summary };
		struct buf risk = BUF_INIT;

		if (!o->n)
			fputs("seq,ts,event_id,actor,actor_type,action,target,target_kind,environment,summary,risk,"
			      "outcome\n",
			      stdout);
		buf_addf(b, "%" PRId64, r->seq);
		for (size_t i = 1; i < ARRAY_SIZE(cols); i++) {
			buf_addch(b, ',');
			text_csv_field(b, cols[i], strlen(cols[i]));
		}
		buf_addch(b, ',');
		risk_list(&risk, r->risk);
		text_csv_field(b, risk.buf, risk.len);
		buf_addch(b, ',');
		buf_addstr(b, r->outcome);
		buf_release(&risk);
		buf_addch(b, '\n');
		fwrite(b->buf, 1, b->len, stdout);
		break;
	}
	default: {
		struct buf risk = BUF_INIT;

		if (!o->n)
			printf("%8s  %-19s  %-24s %-16s %-28s %-11s %s\n", "SEQ", "TIME (UTC)", "ACTOR",
			       "ACTION", "TARGET", "ENV", "CHANGE");
		printf("%8" PRId64 "  %.10s %.8s  ", r->seq, r->ts, r->ts + 11);
		buf_add_term_safe(b, r->actor, strlen(r->actor));
		printf("%-24s ", b->buf);
		buf_reset(b);
		buf_add_term_safe(b, r->action, strlen(r->action));
		printf("%-16s ", b->buf);
		buf_reset(b);
		buf_add_term_safe(b, r->target, strlen(r->target));
		printf("%-28s ", b->buf);
		buf_reset(b);
		buf_add_term_safe(b, r->environment, strlen(r->environment));
		printf("%-11s ", b->buf);
		buf_reset(b);
		if (outcome_parse(r->outcome) == OUTCOME_FAILURE)
			buf_addstr(b, "FAILED ");
		buf_add_term_safe(b, r->summary, strlen(r->summary));
		risk_list(&risk, r->risk);
		printf("%s%s%s\n", b->buf, risk.len ? "  !" : "", risk.buf);
		buf_release(&risk);
		break;
	}
	}
	o->n++;
	return ferror(stdout) != 0;
}

/* Prints "<query>:1:COL: message" (diag_at), then the query and a caret
 * under COL when the query prints as it is. */
static void report(const char *text, const struct query_error *err)
{
	struct buf b = BUF_INIT;

	diag_at(QUERY_FILE, 1, err->col, "%s", err->msg);
	buf_add_term_safe(&b, text, strlen(text));
	if (b.len == strlen(text))
		fprintf(stderr, "  %s\n  %*s^\n", b.buf, err->col - 1, "");
	buf_release(&b);
}

/* Prints text's lines to f through the term-safe writer. */
static void put_lines(FILE *f, const char *prefix, char *text)
{
	for (char *line = text, *nl; *line; line = nl + 1) {
		nl = strchr(line, '\n');
		if (!nl)
			nl = line + strlen(line) - 1;
		else
			*nl = 0;
		fputs(prefix, f);
		cli_put_safe(f, line);
		fputc('\n', f);
	}
}

/* After no match: why, on stderr ("no event has environment 'prodution';
 * did you mean 'production'?"). */
static void zero_notes(struct query *q)
{
	struct query_strings notes = QUERY_STRINGS_INIT;

	if (query_zero_hints(q, &notes) > 0)
		for (size_t i = 0; i < notes.n; i++)
			diag_note("%s", notes.v[i]);
	query_strings_release(&notes);
}

static int run_query(struct cmd_ctx *cx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "limit", required_argument, NULL, 'n' },
		{ "count", no_argument, NULL, 'c' },
		{ "reverse", no_argument, NULL, 'r' },
		{ "now", required_argument, NULL, 'N' },
		{ "explain", no_argument, NULL, 'e' },
		{ "policy", required_argument, NULL, 'P' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *usage = cx->cmd->usage;
	struct out o = { FMT_TABLE, 0, BUF_INIT };
	int64_t limit = 0, n;
	int c, count = 0, reverse = 0, explain = 0, ret = EXIT_IO;
	usec_t now = time_now();
	struct query_error err;
	struct query *q = NULL;
	struct query_fetch f;
	struct store *s;
	struct policy policy;
	int have_policy = 0;

	while ((c = cli_getopt(argc, argv, "f:n:crh", opts, "query", usage)) != -1) {
		switch (c) {
		case 'f':
			if (cli_parse_format("query", optarg, 1u << FMT_TABLE | 1u << FMT_JSON | 1u << FMT_JSONL |
					     1u << FMT_CSV, &o.fmt)) {
				ret = EXIT_USAGE;
				goto out;
			}
			break;
		case 'n':
			if (parse_int64(optarg, 1, INT64_MAX, &limit)) {
				ret = cli_usage_error(usage, "query: --limit wants a positive number, not '%s'", optarg);
				goto out;
			}
			break;
		case 'c': count = 1; break;
		case 'r': reverse = 1; break;
		case 'e': explain = 1; break;
		case 'P':
			/* rule:ID names the policy's rules (docs/POLICY.md) */
			if (have_policy) {
				ret = cli_usage_error(usage, "query: one --policy");
				goto out;
			}
			if ((ret = cli_exit_status(policy_load(optarg, now, &policy))))
				goto out;
			have_policy = 1;
			query_set_rules(policy.named, policy.n);
			break;
		case 'N': {
			const char *why = NULL;

			if (timeline_parse_user_time(optarg, time_now(), &now, &why)) {
				ret = cli_usage_error(usage, "query: bad --now '%s': %s", optarg, why ? why : "");
				goto out;
			}
			break;
		}
		default: ret = cli_common_option(cx, c); goto out; /* --help, or cli_getopt said why */
		}
	}
	ret = EXIT_USAGE;
	if (argc - optind != 2) {
		cli_usage_error(usage, "query: expected STORE and QUERY");
		goto out;
	}
	ret = EXIT_IO;
	if (cmd_store(cx, argv[optind], &s))
		goto out;
	if (query_compile(s, argv[optind + 1], now, &q, &err)) {
		report(argv[optind + 1], &err);
		ret = EXIT_USAGE;
		goto out;
	}
	if (explain) {
		struct buf b = BUF_INIT;

		query_describe(q, &b);
		fputs("read as:\n", stdout);
		put_lines(stdout, "  ", b.buf);
		buf_reset(&b);
		query_explain(q, &b);
		fputs("SQL:\n", stdout);
		put_lines(stdout, "", b.buf);
		buf_release(&b);
		ret = EXIT_OK;
		goto out;
	}
	if (count) {
		n = query_count(q);
		if (n < 0)
			goto out;
		printf("%" PRId64 "\n", n);
		if (!n)
			zero_notes(q);
		ret = EXIT_OK;
		goto out;
	}
	memset(&f, 0, sizeof(f));
	f.desc = reverse;
	f.limit = limit;
	n = query_each(q, &f, print_row, &o);
	if (n < 0)
		goto out;
	if (o.fmt == FMT_JSON)
		fputs(o.n ? "\n]\n" : "[]\n", stdout);
	if (fflush(stdout) || ferror(stdout)) {
		error("query: cannot write the output");
		goto out;
	}
	if (!n)
		zero_notes(q);
	ret = EXIT_OK;
out:
	buf_release(&o.line);
	query_free(q);
	if (have_policy) {
		query_set_rules(NULL, 0);
		policy_release(&policy);
	}
	return ret;
}

const struct command cmd_query_entry = {
	.name = "query",
	.usage = "query STORE QUERY [--format table|json|jsonl|csv] [--limit N] [--count] [--reverse]"
		 " [--now TIME] [--explain]\n       [--policy FILE]",
	.summary = "events matching a query (docs/QUERY.md)",
	.help = "Prints the events matching QUERY, oldest first (--reverse: newest first).\n"
		"The language is in docs/QUERY.md, e.g.\n"
		"  'actor-type:service target:checkout-* env:production since:-2h'\n"
		"  'changed:rules[*].conditions[*].values after.enabled:true -actor:*-bot'\n"
		"--count prints only the number of matches; --now TIME sets the time that\n"
		"relative times (since:-2h) count from; --explain prints how each term was\n"
		"read (a bare word is free text), then the SQL and its parameters; --policy\n"
		"FILE lets rule:ID stand for a policy's rule (docs/POLICY.md). When nothing\n"
		"matches, a note on stderr names a value no event has and the nearest one\n"
		"there is (\"no event has environment 'prodution'; did you mean\n"
		"'production'?\"). Exit status: 0 (also for no match), 3 for a malformed\n"
		"query (with its column and a suggestion for an unknown key), 4 a bad\n"
		"policy, 5 when the store cannot be read or the query fails.\n",
	.flags = CMD_STORE,
	.run = run_query,
};
