/*
 * gen.c - "trailscope gen": writes deterministic, realistic audit events
 * as JSON lines to stdout and, with --incidents FILE, incidents with
 * planted causes to FILE (see gen.h). Output goes through a 1 MiB stdio
 * buffer; a million events take well under two seconds.
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "trailscope/buf.h"
#include "cli.h"
#include "cmd.h"
#include "trailscope/gen.h"
#include "trailscope/util.h"

/* Events average ~260 s apart: 10^8 of them span ~800 years, which keeps
 * every timestamp below year 10000 for any start before 9000. */
#define MAX_EVENTS 100000000LL
#define LATEST_START "9000-01-01T00:00:00Z"

static int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Reports "gen: MSG" as a usage error (cli_usage_error), with the usage line. */
static int usage_error(const char *fmt, ...)
{
	struct buf msg = BUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	buf_vaddf(&msg, fmt, ap);
	va_end(ap);
	cli_usage_error(cmd_gen_entry.usage, "gen: %s", msg.buf);
	buf_release(&msg);
	return EXIT_USAGE;
}

static int run_gen(struct cmd_ctx *cx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "events", required_argument, NULL, 'n' },
		{ "seed", required_argument, NULL, 's' },
		{ "start", required_argument, NULL, 't' },
		{ "incidents", required_argument, NULL, 'i' },
		{ "incident-count", required_argument, NULL, 'k' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *usage = cx->cmd->usage;
	struct gen_options o;
	const char *incidents_path = NULL, *why;
	FILE *inc = NULL;
	usec_t latest;
	int64_t v;
	int c, ret;

	gen_options_init(&o);
	while ((c = cli_getopt(argc, argv, "h", opts, "gen", usage)) != -1) {
		switch (c) {
		case 'n':
			if (parse_int64(optarg, 1, MAX_EVENTS, &v))
				return usage_error("--events: expected a number from 1 to %lld, got '%s'",
						   MAX_EVENTS, optarg);
			o.events = (uint64_t)v;
			break;
		case 's':
			if (parse_int64(optarg, 0, INT64_MAX, &v))
				return usage_error("--seed: expected a non-negative number, got '%s'", optarg);
			o.seed = (uint64_t)v;
			break;
		case 't':
			if (time_parse_iso(optarg, &o.start, &why))
				return usage_error("--start: bad time '%s': %s", optarg, why);
			if (time_parse_iso(LATEST_START, &latest, &why) || o.start >= latest)
				return usage_error("--start: must be before %s, got '%s'", LATEST_START, optarg);
			break;
		case 'i':
			incidents_path = optarg;
			break;
		case 'k':
			if (parse_int64(optarg, 1, MAX_EVENTS / 6, &v))
				return usage_error("--incident-count: expected a positive number, got '%s'", optarg);
			o.incidents = (unsigned)v;
			break;
		default:
			return cli_common_option(cx, c); /* --help, or cli_getopt said why */
		}
	}
	if (optind < argc)
		return usage_error("unexpected argument '%s'", argv[optind]);
	if ((uint64_t)o.incidents * 6 > o.events)
		return usage_error("--incident-count %u needs at least %llu events", o.incidents,
				   (unsigned long long)o.incidents * 6);
	if (incidents_path && o.events < 6)
		return usage_error("--incidents needs at least 6 events");

	if (incidents_path && !(inc = fopen(incidents_path, "w"))) {
		error("cannot open '%s': %s", incidents_path, strerror(errno));
		return EXIT_IO;
	}
	setvbuf(stdout, NULL, _IOFBF, (size_t)1 << 20);
	ret = gen_run(&o, stdout, inc) ? EXIT_IO : EXIT_OK;
	if (fflush(stdout) && ret == EXIT_OK) {
		error("cannot write events: %s", strerror(errno));
		ret = EXIT_IO;
	}
	if (inc && fclose(inc) && ret == EXIT_OK) {
		error("cannot write '%s': %s", incidents_path, strerror(errno));
		ret = EXIT_IO;
	}
	return ret;
}

const struct command cmd_gen_entry = {
	.name = "gen",
	.usage = "gen [--events N] [--seed S] [--start TIME] [--incidents FILE] [--incident-count K]",
	.summary = "generate realistic test events (JSON lines)",
	.help = "\n"
		"Writes realistic, deterministic audit events (generic schema, JSON lines) to\n"
		"stdout: flag, segment and config changes by people and service accounts, with\n"
		"before/after states, approvals, tickets and links. The same options always give\n"
		"the same bytes.\n\n"
		"  --events N          number of events (default 10000, at most 100000000)\n"
		"  --seed S            random seed (default 1)\n"
		"  --start TIME        time of the first event (default 2026-03-01T00:00:00Z,\n"
		"                      before " LATEST_START ")\n"
		"  --incidents FILE    also write incidents (JSON lines) to FILE, each with a\n"
		"                      planted cause among distractors in the event stream\n"
		"  --incident-count K  incidents to plant (default events/2000, at least 1);\n"
		"                      needs at least 6*K events\n",
	.flags = 0,
	.run = run_gen,
};
