/*
 * test_store_cache.c - the import's page cache (store_bulk_cache): an
 * import raises the connection's cache to STORE_BULK_CACHE_KIB before it
 * takes the write lock and puts it back to STORE_CACHE_KIB after its
 * commit or rollback, so the same connection (and every other one) keeps
 * the normal cache; nothing else about the connection changes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "check.h"
#include "fixtures.h"
#include "trailscope/diag.h"
#include "trailscope/import.h"
#include "trailscope/util.h"

static const char events[] =
	"{\"event_id\":\"e1\",\"timestamp\":\"2026-01-12T10:00:00Z\",\"actor\":\"a\","
	"\"action\":\"flag.update\",\"flag_key\":\"f\",\"previous_state\":{\"n\":1},\"new_state\":{\"n\":2}}\n"
	"{\"event_id\":\"e2\",\"timestamp\":\"2026-01-12T10:01:00Z\",\"actor\":\"a\","
	"\"action\":\"flag.update\",\"flag_key\":\"f\",\"previous_state\":{\"n\":2},\"new_state\":{\"n\":3}}\n";

static int64_t pragma(struct store *s, const char *sql)
{
	sqlite3_stmt *st;
	int64_t v = 0;

	if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

/* The statements the connection ran, one a line (sqlite3_trace_v2). */
static int trace_sql(unsigned what, void *ctx, void *p, void *x)
{
	struct buf *log = ctx;
	char *sql = sqlite3_expanded_sql(p);

	(void)what;
	(void)x;
	if (sql)
		buf_addf(log, "%s\n", sql);
	sqlite3_free(sql);
	return 0;
}

static const char *find(const char *log, const char *what, const char *from)
{
	const char *p = strstr(from ? from : log, what);

	if (!p)
		fprintf(stderr, "  not in the trace%s: %s\n", from ? " after that" : "", what);
	return p;
}

#define STR_(x) #x
#define STR(x) STR_(x)
#define BULK "PRAGMA cache_size = -" STR(STORE_BULK_CACHE_KIB)
#define NORMAL "PRAGMA cache_size = -" STR(STORE_CACHE_KIB)

TEST(switch_sets_and_restores)
{
	struct fixture_store fx;

	CHECK(fixture_store_open(&fx, "ts-cache", NULL, NULL) == 0);
	CHECK_INT(pragma(&fx.s, "PRAGMA cache_size"), -STORE_CACHE_KIB);
	CHECK_INT(store_bulk_cache(&fx.s, 1), 0);
	CHECK_INT(pragma(&fx.s, "PRAGMA cache_size"), -STORE_BULK_CACHE_KIB);
	CHECK_INT(store_bulk_cache(&fx.s, 0), 0);
	CHECK_INT(pragma(&fx.s, "PRAGMA cache_size"), -STORE_CACHE_KIB);
	/* the rest of the set-up is as store_open left it */
	CHECK_INT(pragma(&fx.s, "PRAGMA synchronous"), 1); /* NORMAL */
	CHECK_INT(pragma(&fx.s, "PRAGMA temp_store"), 2);  /* MEMORY */
	fixture_store_remove(&fx);
}

/* Raised before BEGIN IMMEDIATE, restored after COMMIT, on the same
 * connection; the store itself says WAL and holds the events. */
TEST(import_raises_then_restores)
{
	struct fixture_store fx;
	struct buf log = BUF_INIT;
	const char *p;

	CHECK(fixture_store_open(&fx, "ts-cache", NULL, NULL) == 0);
	sqlite3_trace_v2(fx.s.db, SQLITE_TRACE_STMT, trace_sql, &log);
	CHECK_INT(fixture_store_import(&fx, events, NULL), 0);
	sqlite3_trace_v2(fx.s.db, 0, NULL, NULL);
	p = find(log.buf, BULK, NULL);
	p = p ? find(log.buf, "BEGIN IMMEDIATE", p) : NULL;
	p = p ? find(log.buf, "COMMIT", p) : NULL;
	p = p ? find(log.buf, NORMAL, p) : NULL;
	CHECK(p != NULL);
	CHECK_INT(pragma(&fx.s, "PRAGMA cache_size"), -STORE_CACHE_KIB);
	CHECK_INT(store_size(&fx.s), 2);
	CHECK_INT(pragma(&fx.s, "SELECT journal_mode = 'wal' FROM pragma_journal_mode"), 1);
	buf_release(&log);
	fixture_store_remove(&fx);
}

/* A failed import (nothing in the file is an event) rolls back and
 * restores the cache too. */
TEST(failed_import_restores)
{
	struct fixture_store fx;
	struct buf log = BUF_INIT;
	const char *p;

	CHECK(fixture_store_open(&fx, "ts-cache", events, NULL) == 0);
	sqlite3_trace_v2(fx.s.db, SQLITE_TRACE_STMT, trace_sql, &log);
	CHECK(fixture_store_import(&fx, "{\"hello\":1}\n", NULL) != 0);
	sqlite3_trace_v2(fx.s.db, 0, NULL, NULL);
	p = find(log.buf, BULK, NULL);
	p = p ? find(log.buf, "ROLLBACK", p) : NULL;
	p = p ? find(log.buf, NORMAL, p) : NULL;
	CHECK(p != NULL);
	CHECK_INT(pragma(&fx.s, "PRAGMA cache_size"), -STORE_CACHE_KIB);
	CHECK_INT(store_size(&fx.s), 2);
	buf_release(&log);
	fixture_store_remove(&fx);
}

int main(void)
{
	RUN(switch_sets_and_restores);
	RUN(import_raises_then_restores);
	RUN(failed_import_restores);
	return CHECK_DONE();
}
