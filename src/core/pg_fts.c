/*
 * pg_fts.c - the free-text lexemes of a PostgreSQL store's entries_fts
 * (docs/STORE.md "Free text"): SQLite FTS5's own unicode61 tokenizer
 * (remove_diacritics 2), found through an in-memory SQLite connection,
 * turned into a tsvector literal with one weight per column, or into
 * the binary form of the same tsvector for COPY's binary format.
 */
#include <sqlite3.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "trailscope/diag.h"
#include "trailscope/util.h"
#include "pg_int.h"

/* PostgreSQL's limits (docs/STORE.md): the server refuses a lexeme of
 * 2047 bytes or more (MAXSTRLEN), so a longer token is left out of the
 * document, and a larger position is clamped. */
#define PG_LEXEME_MAX 2046

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
	if (tflags & FTS5_TOKEN_COLOCATED || n <= 0)
		return SQLITE_OK;
	if (n > PG_LEXEME_MAX) {
		d->pos = d->next++; /* left out, but it takes its place, as in FTS5 */
		return SQLITE_OK;
	}
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

/*
 * The same document as the value COPY's binary format carries (the
 * server's tsvector_recv): a 32-bit count of lexemes, then each lexeme,
 * in the server's order (bytewise, a prefix first), NUL-terminated, with
 * a 16-bit count of positions and each position as 16 bits, the weight
 * (A 3 ... D 0) in the top two. The server's text input (tsvector_in)
 * sorts the lexemes, merges repeated ones and their positions, keeps at
 * most 256 positions a lexeme and stops a lexeme's list at position
 * 16383; tsvector_recv does none of that, so the writer does the first
 * two here, and a document where the last two would matter (or with
 * over 512 kB of lexemes) is not encoded: the caller writes it
 * as the literal of pg_fts_doc, so that the server makes of it what it
 * always did.
 */
struct tok {
	const char *lex;    /* in the doc's lexeme bytes, set once they stop moving */
	size_t at;
	int len;
	uint16_t pos;       /* weight << 14 | position */
};

struct bindoc {
	struct buf lex;
	struct tok *v;
	size_t n, cap;
	long pos, next;
	int weight;
	int plain;          /* none of the exceptions above */
};

#define PG_POS_CLAMP 16383   /* the largest position (MAXENTRYPOS - 1) */
#define PG_POS_MAX_N 256     /* positions a lexeme keeps (MAXNUMPOS) */

static int add_token_bin(void *ctx, int tflags, const char *tok, int n, int start, int end)
{
	struct bindoc *d = ctx;
	long p;

	(void)start;
	(void)end;
	if (tflags & FTS5_TOKEN_COLOCATED || n <= 0)
		return SQLITE_OK;
	if (n > PG_LEXEME_MAX) {
		d->pos = d->next++; /* as add_token */
		return SQLITE_OK;
	}
	if (d->n == d->cap) {
		d->cap = d->cap ? d->cap * 2 : 32;
		d->v = xrealloc(d->v, d->cap * sizeof(*d->v));
	}
	d->pos = d->next++;
	p = d->pos < PG_POS_CLAMP ? d->pos : PG_POS_CLAMP;
	if (p == PG_POS_CLAMP)
		d->plain = 0;
	d->v[d->n].at = d->lex.len;
	d->v[d->n].len = n;
	d->v[d->n].pos = (uint16_t)(d->weight << 14 | p);
	d->n++;
	buf_add(&d->lex, tok, (size_t)n);
	return SQLITE_OK;
}

/* The server's order of lexemes (tsCompareString), then position. */
static int tok_cmp(const void *pa, const void *pb)
{
	const struct tok *a = pa, *b = pb;
	int c = memcmp(a->lex, b->lex, (size_t)(a->len < b->len ? a->len : b->len));

	if (c)
		return c;
	if (a->len != b->len)
		return a->len < b->len ? -1 : 1;
	return (a->pos & 0x3fff) < (b->pos & 0x3fff) ? -1 : (a->pos & 0x3fff) > (b->pos & 0x3fff);
}

static void be_put(struct buf *b, uint32_t v, int bytes)
{
	unsigned char out[4];

	for (int i = bytes - 1; i >= 0; i--, v >>= 8)
		out[i] = (unsigned char)(v & 0xff);
	buf_add(b, out, (size_t)bytes);
}

int pg_fts_doc_binary(struct pg_fts *f, const char *const text[4], struct buf *out)
{
	struct bindoc d = { .lex = BUF_INIT, .pos = 0, .next = 1, .plain = 1 };
	size_t len_at, start, nlex = 0;
	int ret = 0;

	for (int c = 0; c < 4 && !ret; c++) {
		if (!text[c] || !*text[c])
			continue;
		d.weight = 3 - c;
		d.next = d.pos ? d.pos + 2 : 1;
		if (f->api.xTokenize(f->tok, &d, FTS5_TOKENIZE_DOCUMENT, text[c], (int)strlen(text[c]),
				     add_token_bin) != SQLITE_OK)
			ret = error("cannot tokenize an entry's free text");
	}
	if (!ret && d.lex.len + 4 * d.n > ((size_t)512 << 10))
		d.plain = 0;
	if (ret || !d.plain)
		goto out;
	for (size_t i = 0; i < d.n; i++)
		d.v[i].lex = d.lex.buf + d.v[i].at;
	if (d.n > 1)
		qsort(d.v, d.n, sizeof(*d.v), tok_cmp);
	for (size_t i = 0, j; i < d.n; i = j) {
		for (j = i + 1; j < d.n && d.v[j].len == d.v[i].len && !memcmp(d.v[j].lex, d.v[i].lex, (size_t)d.v[i].len); j++)
			;
		if (j - i > PG_POS_MAX_N) {
			d.plain = 0;
			goto out;
		}
		nlex++;
	}
	len_at = out->len;
	be_put(out, 0, 4); /* the field's length, below */
	start = out->len;
	be_put(out, (uint32_t)nlex, 4);
	for (size_t i = 0, j; i < d.n; i = j) {
		for (j = i + 1; j < d.n && d.v[j].len == d.v[i].len && !memcmp(d.v[j].lex, d.v[i].lex, (size_t)d.v[i].len); j++)
			;
		buf_add(out, d.v[i].lex, (size_t)d.v[i].len);
		buf_addch(out, '\0');
		be_put(out, (uint32_t)(j - i), 2);
		for (size_t k = i; k < j; k++)
			be_put(out, d.v[k].pos, 2);
	}
	{
		uint32_t n = (uint32_t)(out->len - start);
		unsigned char *p = (unsigned char *)out->buf + len_at;

		p[0] = (unsigned char)(n >> 24), p[1] = (unsigned char)(n >> 16);
		p[2] = (unsigned char)(n >> 8), p[3] = (unsigned char)n;
	}
out:
	buf_release(&d.lex);
	free(d.v);
	return ret ? -1 : !d.plain;
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
