/*
 * fuzz_query.c - libFuzzer harness for the query language (query_parse.c,
 * query_sql.c): each input is a query string, compiled against an empty
 * store in the scratch directory at a fixed "now"; a query that compiles
 * is explained and counted (running its SQL), and the completion context
 * is computed at every few cursor positions.
 */
#include "fuzz.h"
#include "trailscope/query.h"
#include "trailscope/store.h"

#define FUZZ_NOW ((usec_t)1772611200 * 1000000) /* 2026-03-04T08:00:00Z */

static struct store fuzz_store;
static int fuzz_store_open;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct query *q = NULL;
	struct query_error qe;
	struct buf text = BUF_INIT, explain = BUF_INIT;
	size_t start, cur;

	if (!fuzz_store_open) {
		char path[8192];
		fuzz_path(path, sizeof(path), "query.db");
		if (store_open(&fuzz_store, path, STORE_CREATE)) {
			fprintf(stderr, "fuzz_query: cannot create %s: %s\n", path, last_error());
			abort();
		}
		fuzz_store_open = 1;
	}
	if (size > QUERY_MAX_LEN + 16)
		return 0;
	buf_add(&text, data, size); /* NUL-terminated; an inner NUL ends the query */
	for (cur = 0; cur <= strlen(text.buf); cur += 7)
		query_complete_context(text.buf, cur, &start);
	memset(&qe, 0, sizeof(qe));
	if (!query_compile(&fuzz_store, text.buf, FUZZ_NOW, &q, &qe)) {
		query_explain(q, &explain);
		query_count(q);
		query_free(q);
	} else if (q || qe.pos > strlen(text.buf) || !qe.msg[0]) {
		fprintf(stderr, "fuzz_query: bad error report (pos %zu, msg '%s')\n", qe.pos, qe.msg);
		abort();
	}
	buf_release(&text);
	buf_release(&explain);
	return 0;
}
