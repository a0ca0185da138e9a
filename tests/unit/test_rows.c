/*
 * test_rows.c - the SQLite half of rows.h, the cursor verify's derived
 * and anchor checks read through on both backends: $N parameters (text
 * and integer, one used twice), columns decoded by storage class (an
 * integer, text, a blob holding NUL, an empty blob that is not NULL,
 * NULL), and errors reported into the caller's buffer, at prepare and at
 * step. (Its PostgreSQL half is checked by tests/cli/pg_store.sh, which
 * compares verify's reports on both backends.)
 */
#include <sqlite3.h>
#include <string.h>

#include "check.h"
#include "trailscope/util.h"
#include "../../src/core/rows.h"

TEST(test_columns_and_params)
{
	struct store s;
	sqlite3 *db;
	struct buf err = BUF_INIT;
	const struct row_param p[] = { ROW_INT(41), ROW_TEXT("abc") };
	struct rows *r;
	const struct row_col *c;

	memset(&s, 0, sizeof(s));
	CHECK_INT(sqlite3_open(":memory:", &db), SQLITE_OK);
	r = rows_open(&s, db, "SELECT $1 + 1, $2, x'00ff', NULL, x'', $1, 7.5", p, 2, "test", &err);
	CHECK(r != NULL);
	if (!r)
		goto out;
	CHECK_INT(rows_next(r), 1);
	c = rows_col(r, 0);
	CHECK(c->is_int && c->i == 42);
	c = rows_col(r, 1);
	CHECK(!c->is_int && c->n == 3 && !memcmp(c->p, "abc", 3));
	c = rows_col(r, 2);
	CHECK(!c->is_int && c->n == 2 && c->p && !memcmp(c->p, "\0\xff", 2));
	c = rows_col(r, 3);
	CHECK(!c->is_int && !c->p && c->n == 0);
	c = rows_col(r, 4);
	CHECK(c->p != NULL && c->n == 0); /* an empty blob is not NULL */
	c = rows_col(r, 5);
	CHECK(c->is_int && c->i == 41); /* $1 named twice is one parameter */
	c = rows_col(r, 6);
	CHECK(!c->is_int && c->n == 3 && !memcmp(c->p, "7.5", 3));
	CHECK_INT(rows_next(r), 0);
	CHECK_INT((int)err.len, 0);
	rows_close(r);
out:
	sqlite3_close(db);
	buf_release(&err);
}

TEST(test_errors)
{
	struct store s;
	sqlite3 *db;
	struct buf err = BUF_INIT;
	struct rows *r;

	memset(&s, 0, sizeof(s));
	CHECK_INT(sqlite3_open(":memory:", &db), SQLITE_OK);
	CHECK(rows_open(&s, db, "SELECT x FROM nowhere", NULL, 0, "the void", &err) == NULL);
	CHECK_STR(err.buf, "cannot read the void: no such table: nowhere");
	buf_reset(&err);
	/* an error at the step, not at prepare: integer overflow */
	r = rows_open(&s, db, "SELECT abs(-9223372036854775807 - 1)", NULL, 0, "numbers", &err);
	CHECK(r != NULL);
	if (r) {
		CHECK_INT(rows_next(r), -1);
		CHECK_STR(err.buf, "cannot read numbers: integer overflow");
		rows_close(r);
	}
	rows_close(NULL);
	sqlite3_close(db);
	buf_release(&err);
}

int main(void)
{
	RUN(test_columns_and_params);
	RUN(test_errors);
	return CHECK_DONE();
}
