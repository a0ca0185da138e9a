/*
 * history.c - "trailscope history STORE TARGET [--env ENV] [--format
 * table|json|jsonl|csv]": every change to one target, oldest first, in one
 * environment or (without --env) in all of them.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "cmd.h"
#include "trailscope/history.h"
#include "trailscope/state.h"
#include "trailscope/textout.h"
#include "trailscope/util.h"

struct row {
	const struct history_item *it;
	const char *env;
};

static json_t *item_json(const struct history_item *it, const char *env)
{
	json_t *o = json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "seq", (json_int_t)it->seq,
			      "ts", it->ts, "environment", env, "actor", it->actor, "actor_type", it->actor_type,
			      "action", it->action, "summary", it->summary, "outcome", it->outcome);

	/* the recorded history does not chain here */
	json_object_set_new(o, "gap_after", it->gap_after ? json_integer((json_int_t)it->gap_after) : json_null());
	return o;
}

static void put_cell(const char *s, int width)
{
	struct buf b = BUF_INIT;

	buf_add_term_safe(&b, s, strlen(s));
	if (width && (int)b.len > width) {
		buf_setlen(&b, (size_t)width - 1);
		buf_addch(&b, '~');
	}
	fputs(b.buf, stdout);
	if (width)
		printf("%*s", width - (int)b.len + 2, "");
	buf_release(&b);
}

static void print_rows(const struct row *rows, size_t n, enum out_format fmt, const char *target)
{
	struct buf line = BUF_INIT;

	if (fmt == FMT_JSON) {
		json_t *arr = json_array(), *o;

		for (size_t i = 0; i < n; i++)
			json_array_append_new(arr, item_json(rows[i].it, rows[i].env));
		o = json_pack("{s:s, s:o}", "target", target, "changes", arr);
		json_dumpf(o, stdout, JSON_INDENT(2) | JSON_ENSURE_ASCII);
		putchar('\n');
		json_decref(o);
		return;
	}
	if (fmt == FMT_CSV)
		puts("seq,ts,environment,actor,actor_type,action,summary,outcome,gap_after");
	else if (fmt == FMT_TABLE)
		printf("%-8s  %-27s  %-12s  %-24s  %-14s  %s\n", "SEQ", "TIME", "ENVIRONMENT", "ACTOR", "ACTION",
		       "CHANGE");
	for (size_t i = 0; i < n; i++) {
		const struct history_item *it = rows[i].it;

		if (fmt == FMT_JSONL) {
			json_t *o = item_json(it, rows[i].env);

			json_dumpf(o, stdout, JSON_COMPACT | JSON_ENSURE_ASCII);
			putchar('\n');
			json_decref(o);
		} else if (fmt == FMT_CSV) {
			buf_reset(&line);
			buf_addf(&line, "%" PRId64 ",%s,", it->seq, it->ts);
			text_csv_field(&line, rows[i].env, strlen(rows[i].env));
			buf_addch(&line, ',');
			text_csv_field(&line, it->actor, strlen(it->actor));
			buf_addch(&line, ',');
			text_csv_field(&line, it->actor_type, strlen(it->actor_type));
			buf_addch(&line, ',');
			text_csv_field(&line, it->action, strlen(it->action));
			buf_addch(&line, ',');
			text_csv_field(&line, it->summary, strlen(it->summary));
			buf_addf(&line, ",%s,", it->outcome);
			if (it->gap_after)
				buf_addf(&line, "%" PRId64, it->gap_after);
			puts(line.buf);
		} else {
			printf("%-8" PRId64 "  %-27s  ", it->seq, it->ts);
			put_cell(*rows[i].env ? rows[i].env : "-", 12);
			put_cell(it->actor, 24);
			put_cell(it->action, 14);
			if (outcome_parse(it->outcome) == OUTCOME_FAILURE)
				fputs("FAILED (changed nothing) ", stdout);
			put_cell(it->summary, 0);
			if (it->gap_after)
				printf("  [gap: its state before is not the state after #%" PRId64 "]", it->gap_after);
			putchar('\n');
		}
	}
	buf_release(&line);
}

static int row_cmp(const void *a, const void *b)
{
	const struct row *x = a, *y = b;
	int c = strcmp(x->it->ts, y->it->ts);

	if (c)
		return c;
	return x->it->seq < y->it->seq ? -1 : x->it->seq > y->it->seq;
}

static int run_history(struct cmd_ctx *cx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "env", required_argument, NULL, 'e' },
		{ "format", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *usage = cx->cmd->usage;
	enum out_format fmt = FMT_TABLE;
	const char *env = NULL, *target;
	struct target_envs envs = { 0 };
	struct history *hs = NULL;
	struct row *rows = NULL;
	size_t nrows = 0, alloc = 0;
	int64_t more = 0;
	struct store *s;
	int c, ret = EXIT_IO;

	while ((c = cli_getopt(argc, argv, "e:f:h", opts, "history", usage)) != -1) {
		switch (c) {
		case 'e': env = optarg; break;
		case 'f':
			if (cli_parse_format("history", optarg, 1u << FMT_TABLE | 1u << FMT_JSON | 1u << FMT_JSONL |
					     1u << FMT_CSV, &fmt))
				return EXIT_USAGE;
			break;
		default:
			return cli_common_option(cx, c); /* --help, or cli_getopt said why */
		}
	}
	if (argc - optind != 2)
		return cli_usage_error(usage, "history: expected STORE and TARGET");
	target = argv[optind + 1];
	if (cmd_store(cx, argv[optind], &s))
		return EXIT_IO;
	if (env) {
		envs.v = xmalloc(sizeof(*envs.v));
		envs.v[0] = xstrdup(env);
		envs.n = 1;
	} else if (state_target_envs(s, target, &envs)) {
		goto out;
	}
	hs = xcalloc(envs.n ? envs.n : 1, sizeof(*hs));
	for (size_t i = 0; i < envs.n; i++) {
		if (history_load(s, target, envs.v[i], &hs[i]))
			goto out;
		more += hs[i].total - (int64_t)hs[i].n;
		for (size_t k = 0; k < hs[i].n; k++) {
			ALLOC_GROW(rows, nrows + 1, alloc);
			rows[nrows].it = &hs[i].v[k];
			rows[nrows++].env = envs.v[i];
		}
	}
	if (!nrows) {
		if (env)
			error_as(ERR_INPUT, "no changes to '%s' in environment '%s' in the store", target, env);
		else
			error_as(ERR_INPUT, "no changes to '%s' in the store", target);
		ret = cli_exit_status(-1);
		goto out;
	}
	if (nrows > 1)
		qsort(rows, nrows, sizeof(*rows), row_cmp);
	print_rows(rows, nrows, fmt, target);
	if (more)
		diag_note("%lld more changes not listed (at most %d per environment)", (long long)more, HISTORY_MAX);
	ret = EXIT_OK;
out:
	for (size_t i = 0; hs && i < envs.n; i++)
		history_release(&hs[i]);
	free(hs);
	free(rows);
	target_envs_release(&envs);
	return ret;
}

const struct command cmd_history_entry = {
	.name = "history",
	.usage = "history STORE TARGET [--env ENV] [--format table|json|jsonl|csv]",
	.summary = "every change to one target",
	.help = "\n"
		"Lists every change to TARGET (its key), oldest first: in ENV, or in every\n"
		"environment it has changes in, each with its outcome; a failed request is\n"
		"marked FAILED (it changed nothing), and a change whose recorded state before\n"
		"is not the state after the previous one is marked as a gap (gap_after in\n"
		"json/csv). `trailscope state` rebuilds its state at a time.\n",
	.flags = CMD_STORE,
	.run = run_history,
};
