/*
 * correlate.c - "trailscope correlate STORE INCIDENT_ID [--lookback 2h]
 * [--format text|json] [--limit N] [--business-hours 09-18] [--tz +02:00]
 * [--weight NAME=W]...": the changes that could have caused an incident,
 * ranked, each with the reasons for its rank (docs/CORRELATION.md).
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "cmd.h"
#include "trailscope/correlate.h"
#include "trailscope/util.h"

static void put_time_short(usec_t t)
{
	char ts[32];

	if (t == INCIDENT_NO_TIME) {
		fputs("-", stdout);
		return;
	}
	time_format_short(t, ts);
	fputs(ts, stdout);
}

static void print_text(const struct incident *in, const struct correlation *c, size_t limit)
{
	struct buf b = BUF_INIT;

	cli_put_safe(stdout, in->id);
	fputs("  ", stdout);
	cli_put_safe(stdout, in->title);
	putchar('\n');
	fputs("severity ", stdout);
	cli_put_safe(stdout, *in->severity ? in->severity : "-");
	fputs(", environment ", stdout);
	cli_put_safe(stdout, *in->environment ? in->environment : "(not given)");
	fputs(", services ", stdout);
	for (size_t i = 0; i < in->nservices; i++) {
		if (i)
			putchar(',');
		cli_put_safe(stdout, in->services[i]);
	}
	if (!in->nservices)
		fputs("(none)", stdout);
	fputs("\nimpact start ", stdout);
	put_time_short(in->started);
	fputs(", detected ", stdout);
	put_time_short(in->detected);
	fputs(", resolved ", stdout);
	put_time_short(in->resolved);
	fputs("\nwindow ", stdout);
	put_time_short(c->from);
	fputs(" .. ", stdout);
	put_time_short(c->to);
	printf(": %zu change%s%s\n", c->changes, c->changes == 1 ? "" : "s",
	       c->truncated ? " (truncated: narrow --lookback)" : "");
	for (size_t i = 0; i < c->n && (!limit || i < limit); i++) {
		const struct correlate_candidate *k = &c->v[i];

		printf("\n#%d  score %.2f  seq %lld  ", k->rank, k->score, (long long)k->seq);
		cli_put_safe(stdout, k->event_id);
		fputs("  ", stdout);
		cli_put_safe(stdout, k->ts);
		fputs("\n    ", stdout);
		cli_put_safe(stdout, k->actor);
		fputs(" (", stdout);
		cli_put_safe(stdout, k->actor_type);
		fputs(")  ", stdout);
		cli_put_safe(stdout, k->action);
		fputs("  ", stdout);
		cli_put_safe(stdout, k->target);
		fputs("  ", stdout);
		cli_put_safe(stdout, *k->environment ? k->environment : "-");
		fputs("\n    ", stdout);
		if (k->tier != TIER_CHANGE) {
			fputs(k->tier == TIER_FAILED ? "FAILED (changed nothing)" : "NO-OP (changed nothing)", stdout);
			if (*k->summary)
				putchar(' ');
		}
		cli_put_safe(stdout, k->summary);
		putchar('\n');
		for (size_t r = 0; r < k->nreasons; r++) {
			buf_reset(&b);
			correlate_reason_format(&k->reasons[r], &b);
			fputs("      ", stdout);
			cli_put_safe(stdout, b.buf);
			putchar('\n');
		}
	}
	if (limit && c->n > limit)
		printf("\n(%zu more candidates; --limit 0 shows all)\n", c->n - limit);
	else if (!c->n)
		printf("\nno changes in the window\n");
	buf_release(&b);
}

static int run_correlate(struct cmd_ctx *cx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "lookback", required_argument, NULL, 'l' },
		{ "format", required_argument, NULL, 'f' },
		{ "limit", required_argument, NULL, 'n' },
		{ "business-hours", required_argument, NULL, 'b' },
		{ "tz", required_argument, NULL, 'z' },
		{ "weight", required_argument, NULL, 'w' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *usage = cx->cmd->usage;
	struct correlate_options o;
	enum out_format fmt = FMT_TEXT;
	struct correlation cor;
	struct incident in;
	struct store *s;
	int64_t limit = -1;
	const char *why;
	int c, ret = EXIT_IO;

	correlate_options_init(&o);
	while ((c = cli_getopt(argc, argv, "l:f:n:b:z:w:h", opts, "correlate", usage)) != -1) {
		switch (c) {
		case 'l':
			if (correlate_parse_duration(optarg, &o.lookback, &why))
				return cli_usage_error(usage, "correlate: --lookback '%s': %s", optarg, why);
			break;
		case 'f':
			if (cli_parse_format("correlate", optarg, 1u << FMT_TEXT | 1u << FMT_JSON, &fmt))
				return EXIT_USAGE;
			break;
		case 'n':
			if (parse_int64(optarg, 0, 1000000, &limit))
				return cli_usage_error(usage, "correlate: --limit '%s': expected a number (0: all)",
						       optarg);
			break;
		case 'b':
			if (correlate_parse_hours(optarg, &o.biz_from, &o.biz_to, &why))
				return cli_usage_error(usage, "correlate: --business-hours '%s': %s", optarg, why);
			break;
		case 'z':
			if (correlate_parse_tz(optarg, &o.utc_offset_min, &why))
				return cli_usage_error(usage, "correlate: --tz '%s': %s", optarg, why);
			break;
		case 'w':
			if (correlate_parse_weight(&o, optarg, &why))
				return cli_usage_error(usage, "correlate: --weight '%s': %s", optarg, why);
			break;
		default:
			return cli_common_option(cx, c); /* --help, or cli_getopt said why */
		}
	}
	if (argc - optind != 2)
		return cli_usage_error(usage, "correlate: expected STORE and INCIDENT_ID");
	if (cmd_store(cx, argv[optind], &s))
		return EXIT_IO;
	if ((ret = cli_incident_load(s, argv[optind + 1], &in)) != EXIT_OK)
		return ret;
	ret = cli_exit_status(correlate_run(s, &in, &o, &cor));
	if (ret == EXIT_OK) {
		if (fmt == FMT_JSON) {
			json_t *j = correlation_to_json(&in, &cor, limit < 0 ? 0 : (size_t)limit);

			json_dumpf(j, stdout, JSON_INDENT(2) | JSON_ENSURE_ASCII | JSON_REAL_PRECISION(6));
			putchar('\n');
			json_decref(j);
		} else {
			print_text(&in, &cor, limit < 0 ? 10 : (size_t)limit);
		}
		if (cor.truncated)
			warning("the window holds more than %zu changes; only the first were ranked "
				"(narrow --lookback)", o.max_changes);
		correlation_release(&cor);
	}
	incident_release(&in);
	return ret;
}

const struct command cmd_correlate_entry = {
	.name = "correlate",
	.usage = "correlate STORE INCIDENT_ID [--lookback 2h] [--format text|json] [--limit N]\n"
		 "                            [--business-hours 09-18] [--tz +00:00] [--weight NAME=W]...",
	.summary = "rank the changes that could have caused an incident",
	.help = "\n"
		"Ranks the changes that could have caused incident INCIDENT_ID: every change from\n"
		"the look-back (default 2h) before its impact start to its resolution, or to the\n"
		"look-back after the start while it is unresolved (query around:ID's window). Each\n"
		"candidate shows its score and the weighted reasons behind it. --format json\n"
		"prints {\"incident\", \"window\", \"candidates\": [{\"rank\", \"seq\", \"event_id\",\n"
		"\"score\", \"reasons\"}, ...]}, best first. Business hours are Mon-Fri in the\n"
		"--tz offset. --limit defaults to 10 for text and all for JSON. --weight\n"
		"overrides one signal's weight. The model: docs/CORRELATION.md.\n",
	.flags = CMD_STORE,
	.run = run_correlate,
};
