/*
 * case.c - "trailscope case STORE mark|unmark|note|notes|list|query ...
 * [--case FILE]": the investigator's case file from the command line, for
 * scripts and tests (the TUI's m, M and N keys call the same casefile.h).
 * The store is only read (to resolve an event); only the case file is
 * written. A PostgreSQL store has no file to put the case beside, so
 * there --case FILE is required.
 */
#include <getopt.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "trailscope/casefile.h"
#include "cli.h"
#include "cmd.h"
#include "trailscope/entry.h"
#include "trailscope/util.h"

/* Resolves EVENT (seq or event id) through the store. */
static int resolve(struct store *s, const char *id, int64_t *seq, struct buf *event_id)
{
	struct entry e;
	int rc = entry_load(s, id, &e);

	if (rc < 0)
		return EXIT_IO;
	if (rc == 0)
		return cli_exit_status(error_as(ERR_INPUT, "case: no event '%s' in the store", id));
	*seq = e.seq;
	buf_reset(event_id);
	buf_addstr(event_id, e.event_id);
	entry_release(&e);
	return EXIT_OK;
}

static int print_query(void *ctx, const char *name, const char *query)
{
	(void)ctx;
	cli_put_safe(stdout, name);
	putchar('\t');
	cli_put_safe(stdout, query);
	putchar('\n');
	return 0;
}

static int list_notes(struct casefile *cf, int64_t seq, int json)
{
	struct case_notes n = { 0 };
	json_t *arr = json_array();

	if (casefile_notes(cf, seq, &n)) {
		json_decref(arr);
		return EXIT_IO;
	}
	for (size_t i = 0; i < n.n; i++) {
		const struct case_note *c = &n.v[i];

		if (json) {
			json_t *o = json_object();

			json_object_set_new(o, "id", json_integer(c->id));
			json_object_set_new(o, "seq", json_integer(c->seq));
			json_object_set_new(o, "event_id", json_string(c->event_id));
			json_object_set_new(o, "author", json_string(c->author));
			json_object_set_new(o, "created_at", json_string(c->created_at));
			json_object_set_new(o, "text", json_string(c->text));
			json_array_append_new(arr, o);
			continue;
		}
		printf("note %" PRId64 "  seq %" PRId64 "  ", c->id, c->seq);
		cli_put_safe(stdout, c->event_id);
		printf("  ");
		cli_put_safe(stdout, c->author);
		printf("  %s\n    ", c->created_at);
		cli_put_safe(stdout, c->text);
		putchar('\n');
	}
	if (json) {
		json_dumpf(arr, stdout, JSON_INDENT(2) | JSON_ENSURE_ASCII);
		putchar('\n');
	}
	json_decref(arr);
	case_notes_release(&n);
	return EXIT_OK;
}

static int list_marks(struct casefile *cf, int json)
{
	struct case_marks m = { 0 };
	json_t *arr = json_array();

	if (casefile_marks(cf, &m)) {
		json_decref(arr);
		return EXIT_IO;
	}
	for (size_t i = 0; i < m.n; i++) {
		if (json) {
			json_t *o = json_object();

			json_object_set_new(o, "seq", json_integer(m.v[i].seq));
			json_object_set_new(o, "event_id", json_string(m.v[i].event_id));
			json_object_set_new(o, "marked_at", json_string(m.v[i].marked_at));
			json_array_append_new(arr, o);
			continue;
		}
		printf("%" PRId64 "\t", m.v[i].seq);
		cli_put_safe(stdout, m.v[i].event_id);
		printf("\t%s\n", m.v[i].marked_at);
	}
	if (json) {
		json_dumpf(arr, stdout, JSON_INDENT(2) | JSON_ENSURE_ASCII);
		putchar('\n');
	}
	json_decref(arr);
	case_marks_release(&m);
	return EXIT_OK;
}

static int run_case(struct cmd_ctx *cx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "case", required_argument, NULL, 'c' },
		{ "author", required_argument, NULL, 'a' },
		{ "format", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *usage = cx->cmd->usage, *case_path = NULL, *author = NULL, *verb;
	enum out_format fmt = FMT_TEXT;
	struct buf path = BUF_INIT, id = BUF_INIT;
	struct casefile cf;
	struct store *s;
	int c, ret = EXIT_OK, ro, nargs;
	char **args;

	while ((c = cli_getopt(argc, argv, "c:a:f:h", opts, "case", usage)) != -1) {
		switch (c) {
		case 'c': case_path = optarg; break;
		case 'a': author = optarg; break;
		case 'f':
			if (cli_parse_format("case", optarg, 1u << FMT_TEXT | 1u << FMT_JSON, &fmt))
				return EXIT_USAGE;
			break;
		default: return cli_common_option(cx, c); /* --help, or cli_getopt said why */
		}
	}
	if (argc - optind < 2)
		return cli_usage_error(usage, "case: expected STORE and a verb");
	verb = argv[optind + 1];
	args = argv + optind + 2;
	nargs = argc - optind - 2;
	ro = !strcmp(verb, "list") || !strcmp(verb, "notes") || !strcmp(verb, "queries");
	if (case_path)
		buf_addstr(&path, case_path);
	else if (casefile_default_path(argv[optind], &path))
		return cli_usage_error(usage, "case: a PostgreSQL store has no file beside it for the case: "
				       "name one with --case FILE");
	if (cmd_store(cx, argv[optind], &s) || casefile_open(&cf, path.buf, ro ? CASEFILE_READONLY : 0)) {
		buf_release(&path);
		return EXIT_IO;
	}
	if (!strcmp(verb, "mark") || !strcmp(verb, "unmark") || !strcmp(verb, "toggle")) {
		if (!nargs)
			ret = cli_usage_error(usage, "case %s: expected EVENT...", verb);
		for (int i = 0; i < nargs && !ret; i++) {
			int64_t seq;
			int rc;

			ret = resolve(s, args[i], &seq, &id);
			if (ret)
				break;
			if (!strcmp(verb, "mark"))
				rc = casefile_mark(&cf, seq, id.buf);
			else if (!strcmp(verb, "unmark"))
				rc = casefile_unmark(&cf, seq);
			else
				rc = casefile_toggle_mark(&cf, seq, id.buf);
			if (rc < 0)
				ret = EXIT_IO;
		}
	} else if (!strcmp(verb, "note")) {
		int64_t seq, nid;

		if (nargs != 2)
			ret = cli_usage_error(usage, "case note: expected EVENT TEXT");
		else if (!(ret = resolve(s, args[0], &seq, &id))) {
			nid = casefile_add_note(&cf, seq, id.buf, author, args[1]);
			if (nid < 0)
				ret = EXIT_BADINPUT;
			else
				printf("note %" PRId64 " on event %" PRId64 "\n", nid, seq);
		}
	} else if (!strcmp(verb, "notes")) {
		int64_t seq = 0;

		if (nargs > 1)
			ret = cli_usage_error(usage, "case notes: expected at most one EVENT");
		else if (nargs == 0 || !(ret = resolve(s, args[0], &seq, &id)))
			ret = list_notes(&cf, seq, fmt == FMT_JSON);
	} else if (!strcmp(verb, "list")) {
		ret = nargs ? cli_usage_error(usage, "case list: no arguments") : list_marks(&cf, fmt == FMT_JSON);
	} else if (!strcmp(verb, "save-query")) {
		if (nargs != 2)
			ret = cli_usage_error(usage, "case save-query: expected NAME QUERY");
		else if (casefile_save_query(&cf, args[0], args[1]))
			ret = EXIT_IO;
	} else if (!strcmp(verb, "queries")) {
		if (casefile_each_query(&cf, print_query, NULL))
			ret = EXIT_IO;
	} else {
		ret = cli_usage_error(usage, "case: unknown verb '%s'", verb);
	}
	casefile_close(&cf);
	buf_release(&path);
	buf_release(&id);
	return ret;
}

const struct command cmd_case_entry = {
	.name = "case",
	.usage = "case STORE mark|unmark|toggle EVENT... | note EVENT TEXT [--author NAME] |\n"
		 "       notes [EVENT] | list | save-query NAME QUERY | queries  [--case FILE] [--format text|json]",
	.summary = "the investigator's marks and notes",
	.help = "Marks, notes and saved queries of the investigator, kept in the case file\n"
		"(default STORE.case), never in the store. EVENT is a seq or an event id.\n"
		"STORE may be a PostgreSQL URI (read only; --case FILE is then required).\n",
	.flags = CMD_STORE,
	.run = run_case,
};
