/*
 * sql.c - "trailscope sql STORE 'SELECT ...' [--format table|json|jsonl|csv]":
 * one read-only SQL statement over the documented views (docs/QUERY.md),
 * for power users, on either backend through sqlcursor.h. On SQLite writes,
 * ATTACH, DDL and setting pragmas are refused by an authorizer
 * (sqlview.c); on PostgreSQL by pg_sql.c and the READ ONLY transaction.
 * Rows stream out; blobs print as hex.
 */
#include <getopt.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cmd.h"
#include "trailscope/diag.h"
#include "trailscope/sqlcursor.h"
#include "trailscope/textout.h"
#include "trailscope/util.h"

/* The text form of a value (blobs in hex) into b. */
static void col_text(const struct sql_value *v, struct buf *b)
{
	if (v->type == SQL_BLOB)
		buf_addhex(b, (const unsigned char *)v->p, v->n);
	else if (v->type != SQL_NULL)
		buf_add(b, v->p, v->n);
}

static json_t *col_json(const struct sql_value *v)
{
	struct buf b = BUF_INIT;
	json_t *j;

	switch (v->type) {
	case SQL_NULL: return json_null();
	case SQL_INTEGER: return json_integer(v->i);
	case SQL_REAL: return json_real(v->d);
	default:
		col_text(v, &b);
		j = json_stringn_nocheck(b.buf, b.len);
		buf_release(&b);
		return j;
	}
}

static int run(struct sql_cursor *c, enum out_format fmt)
{
	int ncol = sql_cursor_ncols(c), rc, cls = ERR_IO;
	long long rows = 0;
	struct buf line = BUF_INIT, v = BUF_INIT, err = BUF_INIT;

	/* the first row before the header: a statement refused as it starts
	 * (PostgreSQL's read-only transaction) prints nothing */
	rc = sql_cursor_next(c, &err, &cls);
	if (rc >= 0 && (fmt == FMT_TABLE || fmt == FMT_CSV)) {
		for (int i = 0; i < ncol; i++) {
			const char *name = sql_cursor_name(c, i);

			if (i)
				buf_addstr(&line, fmt == FMT_CSV ? "," : " | ");
			if (fmt == FMT_CSV)
				text_csv_field(&line, name, strlen(name));
			else
				buf_add_term_safe(&line, name, strlen(name));
		}
		buf_addch(&line, '\n');
		fwrite(line.buf, 1, line.len, stdout);
	}
	if (rc >= 0 && fmt == FMT_JSON)
		fputs("[", stdout);
	for (; rc == 1; rc = sql_cursor_next(c, &err, &cls)) {
		buf_reset(&line);
		if (fmt == FMT_JSON || fmt == FMT_JSONL) {
			json_t *o = json_object();
			char *enc;

			for (int i = 0; i < ncol; i++)
				json_object_set_new(o, sql_cursor_name(c, i), col_json(sql_cursor_value(c, i)));
			enc = json_dumps(o, JSON_COMPACT | JSON_ENSURE_ASCII | JSON_PRESERVE_ORDER);
			json_decref(o);
			if (fmt == FMT_JSON)
				buf_addstr(&line, rows ? ",\n  " : "\n  ");
			buf_addstr(&line, enc ? enc : "null");
			if (fmt == FMT_JSONL)
				buf_addch(&line, '\n');
			free(enc);
		} else {
			for (int i = 0; i < ncol; i++) {
				const struct sql_value *val = sql_cursor_value(c, i);

				buf_reset(&v);
				col_text(val, &v);
				if (i)
					buf_addstr(&line, fmt == FMT_CSV ? "," : " | ");
				if (fmt == FMT_CSV)
					text_csv_field(&line, v.buf, v.len);
				else if (val->type == SQL_NULL)
					buf_addstr(&line, "NULL");
				else
					buf_add_term_safe(&line, v.buf, v.len);
			}
			buf_addch(&line, '\n');
		}
		fwrite(line.buf, 1, line.len, stdout);
		rows++;
	}
	if (fmt == FMT_JSON && (rows || rc == 0))
		fputs(rows ? "\n]\n" : "]\n", stdout);
	buf_release(&line);
	buf_release(&v);
	if (rc < 0) {
		rc = cli_exit_status(error_as((enum err_class)cls, "sql: %s", err.buf));
		buf_release(&err);
		return rc;
	}
	buf_release(&err);
	if (fflush(stdout) || ferror(stdout))
		return error("sql: cannot write the output"), EXIT_IO;
	return EXIT_OK;
}

/* SIGINT or SIGTERM while a PostgreSQL statement runs: the server is told
 * to cancel it (a killed client would leave it running), then the signal
 * ends the program as it would without this handler. */
static void on_signal(int sig)
{
	sql_cursor_interrupt();
	signal(sig, SIG_DFL);
	raise(sig);
}

static int run_sql(struct cmd_ctx *cx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *usage = cx->cmd->usage;
	enum out_format fmt = FMT_TABLE;
	struct buf err = BUF_INIT;
	struct sql_cursor *cur;
	struct store *s;
	int c, ret, cls = ERR_IO;

	while ((c = cli_getopt(argc, argv, "f:h", opts, "sql", usage)) != -1) {
		switch (c) {
		case 'f':
			if (cli_parse_format("sql", optarg, 1u << FMT_TABLE | 1u << FMT_JSON | 1u << FMT_JSONL |
					     1u << FMT_CSV, &fmt))
				return EXIT_USAGE;
			break;
		default: return cli_common_option(cx, c); /* --help, or cli_getopt said why */
		}
	}
	if (argc - optind != 2)
		return cli_usage_error(usage, "sql: expected STORE and one SQL statement");
	if (cmd_store(cx, argv[optind], &s))
		return EXIT_IO;
	if (s->pg) {
		struct sigaction sa;

		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = on_signal;
		sigemptyset(&sa.sa_mask);
		sigaction(SIGINT, &sa, NULL);
		sigaction(SIGTERM, &sa, NULL);
	}
	cur = sql_cursor_open(s, argv[optind + 1], &err, &cls);
	if (!cur)
		ret = err.len ? cli_exit_status(error_as((enum err_class)cls, "sql: %s", err.buf)) : EXIT_IO;
	else
		ret = run(cur, fmt);
	sql_cursor_close(cur);
	buf_release(&err);
	return ret;
}

const struct command cmd_sql_entry = {
	.name = "sql",
	.usage = "sql STORE 'SELECT ...' [--format table|json|jsonl|csv]",
	.summary = "read-only SQL over the events and changes views",
	.help = "Runs one read-only SQL statement. Views: events (seq, event_id, ts, actor,\n"
		"actor_type, action, target, target_kind, environment, summary, nchanges, risk,\n"
		"source_file, source_line, actor_name, reason, ticket, correlation_id, raw, leaf)\n"
		"and event_changes (seq, idx, ts, actor, action, target, environment, path, kind,\n"
		"before, after, before_unknown); the tables of docs/STORE.md are readable too.\n"
		"Functions: ts_regexp(re, flags, text), ts_path_match(pattern, path),\n"
		"ts_leaf_raw(leaf) (NULL for a version 3 leaf: events.raw reads entry_text),\n"
		"ts_raw(raw, leaf) (entry_text.raw as text: schema 6 packs it against the leaf).\n"
		"Writes, ATTACH and setting pragmas are refused (exit 3).\n"
		"STORE may be a PostgreSQL URI: the same views, the statement run in a READ ONLY\n"
		"transaction; one that returns no rows is refused (exit 3); no ts_* functions\n"
		"(docs/QUERY.md, \"`sql` on PostgreSQL\").\n",
	.flags = CMD_STORE,
	.run = run_sql,
};
