/*
 * incident.c - "trailscope incident import STORE FILE... [--skip-invalid]",
 * "trailscope incident list STORE [--format table|json|jsonl|csv]" (also
 * "trailscope incidents STORE") and "trailscope incident show STORE ID":
 * incidents kept beside the events for correlation (docs/CORRELATION.md).
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "cmd.h"
#include "trailscope/incident.h"
#include "trailscope/textout.h"
#include "trailscope/util.h"

static int run_import(struct cmd_ctx *cx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "skip-invalid", no_argument, NULL, 'k' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct incident_import_options io = { 0 };
	struct incident_import_stats st;
	const char *usage = cx->cmd->usage;
	struct store *s;
	int c, quiet = 0, ret;

	while ((c = cli_getopt(argc, argv, "kqh", opts, "incident import", usage)) != -1) {
		switch (c) {
		case 'k': io.skip_invalid = 1; break;
		case 'q': quiet = 1; break;
		default:
			return cli_common_option(cx, c); /* --help, or cli_getopt said why */
		}
	}
	if (argc - optind < 2)
		return cli_usage_error(usage, "incident import: expected STORE and at least one FILE");
	if (cmd_store(cx, argv[optind], &s))
		return EXIT_IO;
	ret = cli_exit_status(incident_import(s, argv + optind + 1, argc - optind - 1, &io, &st));
	if (ret == EXIT_BADINPUT)
		diag_note("incident import stopped; nothing was written (--skip-invalid skips bad records)");
	else if (ret == EXIT_OK && !quiet) {
		printf("%llu incidents: %llu added, %llu updated, %llu unchanged",
		       (unsigned long long)st.records - st.skipped, (unsigned long long)st.added,
		       (unsigned long long)st.updated, (unsigned long long)st.unchanged);
		if (st.skipped)
			printf(", %llu skipped", (unsigned long long)st.skipped);
		printf("\n");
	}
	return ret;
}

/* "2026-03-05 13:39:17Z" or "-". */
static void short_time(usec_t t, char out[32])
{
	if (t == INCIDENT_NO_TIME) {
		snprintf(out, 32, "-");
		return;
	}
	time_format_short(t, out);
}

static void services_text(const struct incident *in, struct buf *out)
{
	for (size_t i = 0; i < in->nservices; i++) {
		if (i)
			buf_addch(out, ',');
		buf_addstr(out, in->services[i]);
	}
}

/* Writes s safely, padded or cut to width display columns (bytes of the
 * escaped text; wide characters make it approximate). */
static void put_cell(const char *s, int width, int last)
{
	struct buf b = BUF_INIT;

	buf_add_term_safe(&b, s, strlen(s));
	if (!last && (int)b.len > width) {
		buf_setlen(&b, (size_t)(width > 1 ? width - 1 : 0));
		buf_addch(&b, '~');
	}
	fputs(b.buf, stdout);
	if (!last)
		printf("%*s", width - (int)b.len + 2 > 0 ? width - (int)b.len + 2 : 1, "");
	buf_release(&b);
}

static void print_table(const struct incident_list *l)
{
	struct buf svc = BUF_INIT;
	int idw = 8;

	for (size_t i = 0; i < l->n; i++)
		if ((int)strlen(l->v[i].id) > idw)
			idw = strlen(l->v[i].id) > 24 ? 24 : (int)strlen(l->v[i].id);
	printf("%-*s  %-6s  %-20s  %-20s  %-12s  %-20s  %s\n", idw, "ID", "SEV", "STARTED", "RESOLVED",
	       "ENVIRONMENT", "SERVICES", "TITLE");
	for (size_t i = 0; i < l->n; i++) {
		const struct incident *in = &l->v[i];
		char t1[32], t2[32];

		short_time(in->started, t1);
		short_time(in->resolved, t2);
		buf_reset(&svc);
		services_text(in, &svc);
		put_cell(in->id, idw, 0);
		put_cell(in->severity, 6, 0);
		put_cell(t1, 20, 0);
		put_cell(t2, 20, 0);
		put_cell(in->environment, 12, 0);
		put_cell(svc.buf, 20, 0);
		put_cell(in->title, 0, 1);
		putchar('\n');
	}
	buf_release(&svc);
}

static void print_csv(const struct incident_list *l)
{
	struct buf line = BUF_INIT, svc = BUF_INIT;

	puts("id,severity,started_at,detected_at,resolved_at,environment,services,title");
	for (size_t i = 0; i < l->n; i++) {
		const struct incident *in = &l->v[i];
		usec_t times[3] = { in->started, in->detected, in->resolved };

		buf_reset(&line);
		text_csv_field(&line, in->id, strlen(in->id));
		buf_addch(&line, ',');
		text_csv_field(&line, in->severity, strlen(in->severity));
		for (int k = 0; k < 3; k++) {
			char ts[32] = "";

			if (times[k] != INCIDENT_NO_TIME)
				time_format(times[k], ts);
			buf_addch(&line, ',');
			buf_addstr(&line, ts);
		}
		buf_addch(&line, ',');
		text_csv_field(&line, in->environment, strlen(in->environment));
		buf_reset(&svc);
		services_text(in, &svc);
		buf_addch(&line, ',');
		text_csv_field(&line, svc.buf, svc.len);
		buf_addch(&line, ',');
		text_csv_field(&line, in->title, strlen(in->title));
		puts(line.buf);
	}
	buf_release(&line);
	buf_release(&svc);
}

static void print_json(const struct incident_list *l, int lines)
{
	json_t *arr = json_array();

	for (size_t i = 0; i < l->n; i++) {
		json_t *o = incident_to_json(&l->v[i]);

		if (lines) {
			json_dumpf(o, stdout, JSON_COMPACT | JSON_ENSURE_ASCII);
			putchar('\n');
			json_decref(o);
		} else {
			json_array_append_new(arr, o);
		}
	}
	if (!lines) {
		json_t *doc = json_pack("{s:o}", "incidents", arr);

		json_dumpf(doc, stdout, JSON_INDENT(2) | JSON_ENSURE_ASCII);
		putchar('\n');
		json_decref(doc);
	} else {
		json_decref(arr);
	}
}

static int run_list(struct cmd_ctx *cx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	enum out_format fmt = FMT_TABLE;
	const char *usage = cx->cmd->usage;
	struct incident_list l;
	struct store *s;
	int c;

	while ((c = cli_getopt(argc, argv, "f:h", opts, "incident list", usage)) != -1) {
		switch (c) {
		case 'f':
			if (cli_parse_format("incident list", optarg, 1u << FMT_TABLE | 1u << FMT_JSON |
					     1u << FMT_JSONL | 1u << FMT_CSV, &fmt))
				return EXIT_USAGE;
			break;
		default:
			return cli_common_option(cx, c); /* --help, or cli_getopt said why */
		}
	}
	if (argc - optind != 1)
		return cli_usage_error(usage, "incident list: expected STORE");
	if (cmd_store(cx, argv[optind], &s) || incident_list_load(s, &l))
		return EXIT_IO;
	if (fmt == FMT_JSON || fmt == FMT_JSONL)
		print_json(&l, fmt == FMT_JSONL);
	else if (fmt == FMT_CSV)
		print_csv(&l);
	else
		print_table(&l);
	incident_list_release(&l);
	return EXIT_OK;
}

static void field(const char *label, const char *value)
{
	printf("%-12s", label);
	cli_put_safe(stdout, value);
	putchar('\n');
}

static int run_show(struct cmd_ctx *cx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	enum out_format fmt = FMT_TEXT;
	const char *usage = cx->cmd->usage;
	struct incident in;
	struct store *s;
	int c, rc;

	while ((c = cli_getopt(argc, argv, "f:h", opts, "incident show", usage)) != -1) {
		switch (c) {
		case 'f':
			if (cli_parse_format("incident show", optarg, 1u << FMT_TEXT | 1u << FMT_JSON, &fmt))
				return EXIT_USAGE;
			break;
		default:
			return cli_common_option(cx, c); /* --help, or cli_getopt said why */
		}
	}
	if (argc - optind != 2)
		return cli_usage_error(usage, "incident show: expected STORE and ID");
	if (cmd_store(cx, argv[optind], &s))
		return EXIT_IO;
	if ((rc = cli_incident_load(s, argv[optind + 1], &in)) != EXIT_OK)
		return rc;
	if (fmt == FMT_JSON) {
		json_t *o = incident_to_json(&in);

		json_object_set_new(o, "raw", json_string(in.raw));
		json_dumpf(o, stdout, JSON_INDENT(2) | JSON_ENSURE_ASCII);
		putchar('\n');
		json_decref(o);
	} else {
		struct buf b = BUF_INIT;
		char t[32];

		field("incident", in.id);
		field("title", in.title);
		field("severity", in.severity);
		services_text(&in, &b);
		field("services", b.buf);
		field("environment", *in.environment ? in.environment : "(not given)");
		short_time(in.started, t);
		field("started", t);
		short_time(in.detected, t);
		field("detected", t);
		short_time(in.resolved, t);
		field("resolved", t);
		buf_reset(&b);
		buf_addf(&b, "%s:%ld", in.source_file, in.source_line);
		field("source", b.buf);
		field("raw", in.raw);
		buf_release(&b);
	}
	incident_release(&in);
	return EXIT_OK;
}

static const char list_help[] = "\nLists the stored incidents, oldest impact start first.\n";

static const struct command incident_import_verb = {
	.name = "import",
	.usage = "incident import STORE FILE... [--skip-invalid] [--quiet]",
	.summary = "store incidents beside the events (JSON lines or a PagerDuty-style export)",
	.help = "\n"
		"Stores incidents beside the events, creating STORE when missing. FILE holds\n"
		"JSON lines (id, title, severity, services, environment, started_at,\n"
		"detected_at, resolved_at) or a PagerDuty-style export {\"incidents\": [...]}\n"
		"(created_at, service, urgency), plain or gzip; - reads standard input. A bad\n"
		"record stops the import with FILE:LINE:COL and nothing is written, unless\n"
		"--skip-invalid.\n"
		"An id already stored is replaced: incidents are context, not evidence.\n"
		"STORE may be a PostgreSQL URI (a writer role; never created there: init does).\n",
	.flags = CMD_STORE | CMD_WRITE | CMD_CREATE,
	.run = run_import,
};

static const struct command incident_list_verb = {
	.name = "list",
	.usage = "incident list STORE [--format table|json|jsonl|csv]",
	.summary = "list the incidents",
	.help = list_help,
	.flags = CMD_STORE,
	.run = run_list,
};

static const struct command incident_show_verb = {
	.name = "show",
	.usage = "incident show STORE ID [--format text|json]",
	.summary = "one incident and the record it was read from",
	.help = "\nPrints one incident and the source record it was read from.\n",
	.flags = CMD_STORE,
	.run = run_show,
};

static const struct command *const incident_verbs[] = {
	&incident_import_verb, &incident_list_verb, &incident_show_verb, NULL,
};

const struct command cmd_incident_entry = {
	.name = "incident",
	.usage = "incident import|list|show STORE ...",
	.summary = "incidents kept beside the events",
	.help = "\nIncidents are kept beside the events for `trailscope correlate`;\n"
		"see docs/CORRELATION.md.\n",
	.verbs = incident_verbs,
};

const struct command cmd_incidents_entry = {
	.name = "incidents",
	.usage = "incidents STORE [--format table|json|jsonl|csv]",
	.summary = "list incidents (incident list)",
	.help = list_help,
	.flags = CMD_STORE,
	.run = run_list,
};
