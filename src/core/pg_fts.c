/*
 * pg_fts.c - the free-text lexemes of a PostgreSQL store's entries_fts
 * (docs/STORE.md "Free text"): SQLite FTS5's own unicode61 tokenizer
 * (remove_diacritics 2), found through an in-memory SQLite connection,
 * turned into a tsvector literal with one weight per column.
 */
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include "trailscope/diag.h"
#include "trailscope/util.h"
#include "pg_int.h"

/* PostgreSQL's limits: a longer lexeme is refused by the server, a
 * larger position is clamped (docs/STORE.md). */
#define PG_LEXEME_MAX 2047

struct pg_fts {
	sqlite3 *db;          /* owns the tokenizer module */
	fts5_tokenizer api;
	Fts5Tokenizer *tok;
};

struct pg_fts *pg_fts_new(void)
{
	static const char *const args[] = { "remove_diacritics", "2" };
	struct pg_fts *f = xcalloc(1, sizeof(*f));
	fts5_api *fts = NULL;
	sqlite3_stmt *st = NULL;
	void *user = NULL;

	if (sqlite3_open_v2(":memory:", &f->db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(f->db, "SELECT fts5(?1)", -1, &st, NULL) != SQLITE_OK)
		goto fail;
	sqlite3_bind_pointer(st, 1, (void *)&fts, "fts5_api_ptr", NULL);
	sqlite3_step(st);
	sqlite3_finalize(st);
	if (!fts || fts->xFindTokenizer(fts, "unicode61", &user, &f->api) != SQLITE_OK ||
	    f->api.xCreate(user, (const char **)args, 2, &f->tok) != SQLITE_OK)
		goto fail;
	return f;
fail:
	error("cannot load SQLite FTS5's unicode61 tokenizer for the free-text index");
	pg_fts_free(f);
	return NULL;
}

void pg_fts_free(struct pg_fts *f)
{
	if (!f)
		return;
	if (f->tok)
		f->api.xDelete(f->tok);
	sqlite3_close(f->db);
	free(f);
}

struct doc {
	struct buf *out;
	long pos;      /* the position of the last token written, 0 before any */
	long next;     /* the position of the next token */
	char weight;
	int any;       /* a token was written */
};

static int add_token(void *ctx, int tflags, const char *tok, int n, int start, int end)
{
	struct doc *d = ctx;

	(void)start;
	(void)end;
	if (tflags & FTS5_TOKEN_COLOCATED || n <= 0 || n > PG_LEXEME_MAX)
		return SQLITE_OK;
	if (d->any++)
		buf_addch(d->out, ' ');
	buf_addch(d->out, '\'');
	for (int i = 0; i < n; i++) {
		if (tok[i] == '\'' || tok[i] == '\\')
			buf_addch(d->out, tok[i]);
		buf_addch(d->out, tok[i]);
	}
	d->pos = d->next++;
	buf_addf(d->out, "':%ld%c", d->pos < 16383 ? d->pos : 16383, d->weight);
	return SQLITE_OK;
}

int pg_fts_doc(struct pg_fts *f, const char *const text[4], struct buf *out)
{
	struct doc d = { .out = out, .pos = 0, .next = 1 };

	for (int c = 0; c < 4; c++) {
		if (!text[c] || !*text[c])
			continue;
		d.weight = (char)('A' + c);
		d.next = d.pos ? d.pos + 2 : 1;
		if (f->api.xTokenize(f->tok, &d, FTS5_TOKENIZE_DOCUMENT, text[c], (int)strlen(text[c]),
				     add_token) != SQLITE_OK)
			return error("cannot tokenize an entry's free text");
	}
	return 0;
}

/* ---- free-text queries (query_pg.c) ---- */

struct phrase {
	struct buf *out;
	int n;
	int too_long;  /* a token no entry's lexemes can hold */
};

static int add_query_token(void *ctx, int tflags, const char *tok, int n, int start, int end)
{
	struct phrase *p = ctx;

	(void)start;
	(void)end;
	if (tflags & FTS5_TOKEN_COLOCATED || n <= 0)
		return SQLITE_OK;
	p->too_long |= n > PG_LEXEME_MAX;
	if (p->n++)
		buf_addstr(p->out, " <-> ");
	buf_addch(p->out, '\'');
	for (int i = 0; i < n; i++) {
		if (tok[i] == '\'' || tok[i] == '\\')
			buf_addch(p->out, tok[i]);
		buf_addch(p->out, tok[i]);
	}
	buf_addch(p->out, '\'');
	return SQLITE_OK;
}

int pg_fts_tsquery(struct pg_fts *f, const char *text, int prefix, struct buf *out)
{
	struct phrase p = { out, 0, 0 };
	int flags = FTS5_TOKENIZE_QUERY | (prefix ? FTS5_TOKENIZE_PREFIX : 0);

	if (f->api.xTokenize(f->tok, &p, flags, text, (int)strlen(text), add_query_token) != SQLITE_OK)
		return error("cannot tokenize free text");
	if (p.too_long)
		return 0; /* no document has the lexeme (docs/STORE.md) */
	if (p.n && prefix)
		buf_addstr(out, ":*");
	return p.n;
}
