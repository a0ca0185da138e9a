/*
 * sql.c - "trailscope sql STORE 'SELECT ...' [--format table|json|jsonl|csv]":
 * one read-only SQL statement over the documented views (docs/QUERY.md),
 * for power users. Writes, ATTACH, DDL and setting pragmas are refused by
 * an authorizer (sqlview.c). Rows stream out; blobs print as hex.
 */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cmd.h"
#include "trailscope/query.h"
#include "trailscope/textout.h"
#include "trailscope/util.h"

/* The text form of column i (blobs in hex) into b. */
static void col_text(sqlite3_stmt *st, int i, struct buf *b)
{
	switch (sqlite3_column_type(st, i)) {
	case SQLITE_NULL:
		break;
	case SQLITE_BLOB:
		buf_addhex(b, sqlite3_column_blob(st, i), (size_t)sqlite3_column_bytes(st, i));
		break;
	default:
		buf_add(b, sqlite3_column_text(st, i), (size_t)sqlite3_column_bytes(st, i));
		break;
	}
}

static json_t *col_json(sqlite3_stmt *st, int i)
{
	struct buf b = BUF_INIT;
	json_t *v;

	switch (sqlite3_column_type(st, i)) {
	case SQLITE_NULL: return json_null();
	case SQLITE_INTEGER: return json_integer(sqlite3_column_int64(st, i));
	case SQLITE_FLOAT: return json_real(sqlite3_column_double(st, i));
	default:
		col_text(st, i, &b);
		v = json_stringn_nocheck(b.buf, b.len);
		buf_release(&b);
		return v;
	}
}

static int run(sqlite3_stmt *st, enum out_format fmt)
{
	int ncol = sqlite3_column_count(st), rc;
	long long rows = 0;
	struct buf line = BUF_INIT, v = BUF_INIT;

	if (fmt == FMT_TABLE || fmt == FMT_CSV) {
		for (int i = 0; i < ncol; i++) {
			const char *name = sqlite3_column_name(st, i);

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
	if (fmt == FMT_JSON)
		fputs("[", stdout);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		buf_reset(&line);
		if (fmt == FMT_JSON || fmt == FMT_JSONL) {
			json_t *o = json_object();
			char *enc;

			for (int i = 0; i < ncol; i++)
				json_object_set_new(o, sqlite3_column_name(st, i), col_json(st, i));
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
				buf_reset(&v);
				col_text(st, i, &v);
				if (i)
					buf_addstr(&line, fmt == FMT_CSV ? "," : " | ");
				if (fmt == FMT_CSV)
					text_csv_field(&line, v.buf, v.len);
				else if (sqlite3_column_type(st, i) == SQLITE_NULL)
					buf_addstr(&line, "NULL");
				else
					buf_add_term_safe(&line, v.buf, v.len);
			}
			buf_addch(&line, '\n');
		}
		fwrite(line.buf, 1, line.len, stdout);
		rows++;
	}
	if (fmt == FMT_JSON)
		fputs(rows ? "\n]\n" : "]\n", stdout);
	buf_release(&line);
	buf_release(&v);
	if (rc != SQLITE_DONE)
		return cli_exit_status(error("sql: %s", sqlite3_errmsg(sqlite3_db_handle(st))));
	if (fflush(stdout) || ferror(stdout))
		return error("sql: cannot write the output"), EXIT_IO;
	return EXIT_OK;
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
	sqlite3_stmt *st = NULL;
	struct store *s;
	int c, ret;

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
	if (cmd_store(cx, argv[optind], &s) || sqlview_open(s))
		return EXIT_IO;
	if (sqlview_prepare(s, argv[optind + 1], &st, &err)) {
		ret = cli_exit_status(error_as(ERR_USAGE, "sql: %s", err.buf));
	} else {
		ret = run(st, fmt);
	}
	sqlite3_finalize(st);
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
		"ts_leaf_raw(leaf) (NULL for a version 3 leaf: events.raw reads entry_text). Writes,\n"
		"ATTACH and setting pragmas are refused (exit 3).\n",
	.flags = CMD_STORE,
	.run = run_sql,
};
