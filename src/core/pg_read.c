/*
 * pg_read.c - what verify reads of a PostgreSQL store (pg_store.h): the
 * checkpoint rows, the entries' leaves and display columns through a
 * cursor in batches (binary results: bytea and text as their bytes), and
 * single cached Merkle nodes. All inside the reader's READ ONLY
 * REPEATABLE READ transaction, so one scan sees one log.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "trailscope/diag.h"
#include "trailscope/util.h"
#include "pg_int.h"

#define PG_FETCH_ROWS "2000"

enum { PREP_NODE = 1 << 8 };

static int64_t be64(const char *p)
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v = v << 8 | (unsigned char)p[i];
	return (int64_t)v;
}

int pg_read_checkpoints(struct store *s, void (*fn)(void *ctx, int64_t size, const char *note), void *ctx)
{
	PGresult *res = PQexec(s->pg->conn, "SELECT size, note FROM checkpoints ORDER BY size");

	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		pg_report(s, res, "cannot read checkpoints");
		PQclear(res);
		return -1;
	}
	for (int i = 0; i < PQntuples(res); i++)
		fn(ctx, strtoll(PQgetvalue(res, i, 0), NULL, 10), PQgetvalue(res, i, 1));
	PQclear(res);
	return 0;
}

/* Runs sql expecting rows in binary; NULL when it failed (reported). */
static PGresult *binary(struct store *s, const char *sql, const char *what)
{
	PGresult *res = PQexecParams(s->pg->conn, sql, 0, NULL, NULL, NULL, NULL, 1);

	if (PQresultStatus(res) == PGRES_TUPLES_OK)
		return res;
	pg_report(s, res, what);
	PQclear(res);
	return NULL;
}

int pg_read_entries(struct store *s, int (*fn)(void *ctx, const struct store_leaf_row *row), void *ctx)
{
	PGresult *res;
	int rc = 0, n;

	if (pg_exec(s, "DECLARE ts_scan NO SCROLL CURSOR FOR SELECT seq, leaf, leaf_hash, event_id, ts,"
		    " actor, actor_type, action, target, target_kind, environment, outcome FROM entries"
		    " ORDER BY seq", "cannot read entries"))
		return -1;
	do {
		if (!(res = binary(s, "FETCH FORWARD " PG_FETCH_ROWS " FROM ts_scan", "cannot read entries")))
			return -1;
		n = PQntuples(res);
		for (int i = 0; i < n && !rc; i++) {
			struct store_leaf_row row;

			row.seq = PQgetlength(res, i, 0) == 8 ? be64(PQgetvalue(res, i, 0)) : 0;
			row.leaf = PQgetvalue(res, i, 1);
			row.leaf_len = (size_t)PQgetlength(res, i, 1);
			row.leaf_hash = PQgetvalue(res, i, 2);
			row.hash_len = (size_t)PQgetlength(res, i, 2);
			for (int c = 0; c < 9; c++) {
				row.col[c] = PQgetisnull(res, i, 3 + c) ? NULL : PQgetvalue(res, i, 3 + c);
				row.len[c] = (size_t)PQgetlength(res, i, 3 + c);
			}
			rc = fn(ctx, &row);
		}
		PQclear(res);
	} while (n > 0 && !rc);
	if (pg_exec(s, "CLOSE ts_scan", "cannot read entries"))
		return -1;
	return rc;
}

int pg_read_node(struct store *s, unsigned level, uint64_t idx, unsigned char out[HASH_LEN])
{
	char l[16], i[24];
	const char *p[] = { l, i };
	PGresult *res;
	int ret = 0;

	if (!(s->pg->prepared & PREP_NODE)) {
		res = PQprepare(s->pg->conn, "ts_node", "SELECT hash FROM merkle_nodes WHERE level = $1 AND idx = $2",
				2, NULL);
		if (PQresultStatus(res) != PGRES_COMMAND_OK) {
			ret = pg_report(s, res, "cannot read Merkle nodes");
			PQclear(res);
			return ret;
		}
		PQclear(res);
		s->pg->prepared |= PREP_NODE;
	}
	snprintf(l, sizeof(l), "%u", level);
	snprintf(i, sizeof(i), "%" PRIu64, idx);
	res = PQexecPrepared(s->pg->conn, "ts_node", 2, p, NULL, NULL, 1);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		ret = pg_report(s, res, "cannot read Merkle nodes");
	} else if (PQntuples(res) > 0 && PQgetlength(res, 0, 0) != HASH_LEN) {
		ret = 2;
	} else if (PQntuples(res) > 0) {
		memcpy(out, PQgetvalue(res, 0, 0), HASH_LEN);
		ret = 1;
	}
	PQclear(res);
	return ret;
}

int64_t pg_count_anchors(struct store *s)
{
	PGresult *res = PQexec(s->pg->conn, "SELECT (SELECT count(*) FROM checkpoint_timestamps)"
			       " + (SELECT count(*) FROM checkpoint_cosignatures)");
	int64_t n = -1;

	if (PQresultStatus(res) == PGRES_TUPLES_OK)
		n = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	else
		pg_report(s, res, "cannot read the anchor tables");
	PQclear(res);
	return n;
}
