/*
 * sqlview.c - the read-only SQL surface behind `trailscope sql` and the
 * TUI's `:sql` (query.h): TEMP views `events` and `event_changes` over the
 * store (documented in docs/QUERY.md), the query SQL functions, and an
 * authorizer that lets through only reads: no writes, no DDL, no ATTACH,
 * no transactions, no pragma that sets anything. Defence in depth: the
 * store is also opened SQLITE_OPEN_READONLY with PRAGMA query_only, the
 * connection is put in defensive mode, and a statement that SQLite does
 * not call read-only is refused. Cost: a few statements at open.
 */
#include <string.h>

#include "trailscope/query.h"
#include "trailscope/sqlcursor.h"
#include "trailscope/util.h"

/* events.raw: a version 1 or 2 leaf's raw member, else (a version 3 leaf)
 * the entry_text row its raw_sha256 commits to (ts_raw unpacks a packed
 * one, raw_pack.h); schema 1 has no entry_text. */
#define RAW_SQL "coalesce(ts_leaf_raw(leaf), (SELECT ts_raw(t.raw, entries.leaf) FROM main.entry_text AS t WHERE t.seq = entries.seq))"
#define RAW_SQL_V1 "ts_leaf_raw(leaf)"

/* printf format: %s is RAW_SQL or RAW_SQL_V1 */
static const char views_sql[] =
	"CREATE TEMP VIEW IF NOT EXISTS events AS SELECT seq, event_id, ts, actor, actor_type,"
	" action, target, target_kind, environment, summary, nchanges, risk, source_file, source_line,"
	" json_extract(CAST(leaf AS TEXT), '$.actor.name') AS actor_name,"
	" json_extract(CAST(leaf AS TEXT), '$.context.reason') AS reason,"
	" json_extract(CAST(leaf AS TEXT), '$.context.ticket') AS ticket,"
	" json_extract(CAST(leaf AS TEXT), '$.context.correlation_id') AS correlation_id,"
	/* from the leaf, so that a schema 1 or 2 store (version 1 leaves) reads unknown */
	" coalesce(json_extract(CAST(leaf AS TEXT), '$.outcome.status'), 'unknown') AS outcome,"
	" json_extract(CAST(leaf AS TEXT), '$.outcome.code') AS outcome_code,"
	" json_extract(CAST(leaf AS TEXT), '$.outcome.message') AS outcome_message,"
	" %s AS raw, CAST(leaf AS TEXT) AS leaf FROM main.entries;"
	"CREATE TEMP VIEW IF NOT EXISTS event_changes AS SELECT c.seq, c.idx, e.ts, e.actor, e.action,"
	" e.target, e.environment, c.path, c.kind, c.before, c.after, c.before_unknown"
	" FROM main.changes AS c JOIN main.entries AS e ON e.seq = c.seq;";

/* Pragmas that only read (any argument names what to read). */
static const char *const read_pragmas[] = {
	"table_info", "table_xinfo", "table_list", "index_list", "index_info", "index_xinfo",
	"foreign_key_list", "collation_list", "function_list", "pragma_list", "compile_options",
	"database_list", "module_list",
};
/* Pragmas that read without an argument and would set something with one. */
static const char *const get_pragmas[] = {
	"user_version", "application_id", "schema_version", "page_count", "page_size",
	"freelist_count", "data_version", "encoding", "journal_mode",
};

static int authorize(UNUSED void *ctx, int action, const char *a1, const char *a2, UNUSED const char *db,
		     UNUSED const char *trigger)
{
	switch (action) {
	case SQLITE_SELECT:
	case SQLITE_READ:
	case SQLITE_RECURSIVE:
		return SQLITE_OK;
	case SQLITE_FUNCTION:
		if (a2 && (!strcmp(a2, "load_extension") || !strcmp(a2, "fts3_tokenizer")))
			return SQLITE_DENY;
		return SQLITE_OK;
	case SQLITE_PRAGMA:
		for (size_t i = 0; i < ARRAY_SIZE(read_pragmas); i++)
			if (a1 && !strcmp(a1, read_pragmas[i]))
				return SQLITE_OK;
		for (size_t i = 0; i < ARRAY_SIZE(get_pragmas); i++)
			if (a1 && !a2 && !strcmp(a1, get_pragmas[i]))
				return SQLITE_OK;
		return SQLITE_DENY;
	default:
		return SQLITE_DENY;
	}
}

int sqlview_open(struct store *s)
{
	if (sqlfuncs_register(s->db))
		return -1;
	if ((s->flags & STORE_READONLY) && store_exec(s, "PRAGMA query_only = 0"))
		return -1;
	{
		struct buf sql = BUF_INIT;
		int rc;

		buf_addf(&sql, views_sql, s->schema >= 2 ? RAW_SQL : RAW_SQL_V1);
		rc = store_exec(s, sql.buf);
		buf_release(&sql);
		if (rc)
			return -1;
	}
	if ((s->flags & STORE_READONLY) && store_exec(s, "PRAGMA query_only = 1"))
		return -1;
	sqlite3_db_config(s->db, SQLITE_DBCONFIG_DEFENSIVE, 1, NULL);
	sqlite3_limit(s->db, SQLITE_LIMIT_ATTACHED, 0);
	sqlite3_set_authorizer(s->db, authorize, NULL);
	return 0;
}

int sqlview_blank(const char *p)
{
	while (*p) {
		if (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r' || *p == ';') {
			p++;
		} else if (p[0] == '-' && p[1] == '-') {
			while (*p && *p != '\n')
				p++;
		} else if (p[0] == '/' && p[1] == '*') {
			const char *e = strstr(p + 2, "*/");

			if (!e)
				return 1;
			p = e + 2;
		} else {
			return 0;
		}
	}
	return 1;
}

int sqlview_prepare(struct store *s, const char *sql, sqlite3_stmt **st, struct buf *err)
{
	const char *tail = NULL;
	int rc = sqlite3_prepare_v2(s->db, sql, -1, st, &tail);

	if (rc != SQLITE_OK) {
		int off = sqlite3_error_offset(s->db);

		buf_addstr(err, sqlite3_errmsg(s->db));
		if ((rc & 0xff) == SQLITE_AUTH)
			buf_addstr(err, " (sql is read-only: SELECT over events, event_changes, changes,"
				   " entries, incidents)");
		else if (off >= 0)
			buf_addf(err, " (at offset %d)", off);
		*st = NULL;
		return -1;
	}
	if (!*st) {
		buf_addstr(err, "empty statement");
		return -1;
	}
	if (tail && !sqlview_blank(tail)) {
		buf_addstr(err, "one statement at a time");
		goto fail;
	}
	if (!sqlite3_stmt_readonly(*st)) {
		buf_addstr(err, "not authorized (sql is read-only)");
		goto fail;
	}
	return 0;
fail:
	sqlite3_finalize(*st);
	*st = NULL;
	return -1;
}
