/*
 * pg_append.c - the write seam (store_append.h) for a PostgreSQL store,
 * inside the writer's transaction under the append lock (pg_store.c).
 *
 * Rows are batched: up to PG_BATCH_EVENTS events are kept in COPY
 * buffers (in the binary format; the rare entries_fts documents that
 * pg_fts_doc_binary leaves to the server's text input in text) and the
 * completed Merkle nodes as arrays, then sent with one COPY per table
 * (in messages of 64 kB) and one INSERT ... ON CONFLICT DO NOTHING for
 * the nodes, by a sender thread while the next batch fills (one batch in
 * flight; pg_append_wait before any other use of the connection). The
 * look-ups see the
 * pending rows without sending them: has_event checks the pending event
 * ids in memory and the stored ones with one indexed probe; the previous
 * state and the recent toggles ask the server about the stored rows and
 * merge what the pending events of the same target give (kept in memory:
 * their ts, seq, target, kind, environment, whether they switched
 * something, and their leaf). Flushing for each such look-up instead made
 * batches of ~23 events on generated data, and the server's cost per
 * statement (parse, COPY set-up, the append trigger) dominated. The rows
 * are SQLite's, column for column.
 *
 * Into a store that was empty when the import took the append lock (a
 * first load), no stored event can have an id, so the probe is made only
 * when the id's 64-bit hash is one this import appended already (kept in
 * memory: 16 bytes a slot, for the import's events, not the store's), and
 * the recent toggles are counted in memory alone (pg_toggles.c), so that
 * the look-ups do not wait for the batch in flight.
 */
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "trailscope/diag.h"
#include "trailscope/diff.h"
#include "trailscope/jcs.h"
#include "trailscope/store_append.h"
#include "trailscope/util.h"
#include "pg_int.h"
#include "pg_toggles.h"

#define PG_BATCH_EVENTS 1000
#define PG_BATCH_BYTES ((size_t)8 << 20)
#define PG_ID_SLOTS 4096 /* a power of two, over twice PG_BATCH_EVENTS */
#define PG_COPY_PIECE ((size_t)64 << 10) /* bytes of COPY data per message */

enum { T_ENTRIES, T_CHANGES, T_FTS, T_TEXT, T_FTS_LITERAL, T_NTABLES };

static const char *const copy_sql[T_NTABLES] = {
	"COPY entries(seq, leaf, leaf_hash, event_id, ts, actor, actor_type, action, target, target_kind,"
	" environment, summary, nchanges, source_file, source_line, risk, outcome) FROM STDIN (FORMAT binary)",
	"COPY changes(seq, idx, path, kind, before, after, before_unknown) FROM STDIN (FORMAT binary)",
	"COPY entries_fts(seq, doc) FROM STDIN (FORMAT binary)",
	"COPY entry_text(seq, summary, raw) FROM STDIN (FORMAT binary)",
	"COPY entries_fts(seq, doc) FROM STDIN",
};
/* the documents pg_fts_doc_binary does not encode go as tsvector
 * literals, in text: rare (a lexeme at position 16383 or with over 256
 * positions, ...), so that the server treats them as it always did */
#define COPY_BINARY(t) ((t) != T_FTS_LITERAL)

/* statements prepared on the connection (bits of s->pg->prepared) */
enum { PREP_EXISTS = 1 << 4, PREP_PREV = 1 << 5, PREP_TOGGLES = 1 << 6 };

/* What the look-ups need of a pending event (offsets into names). */
struct pending {
	int64_t seq;
	size_t ts, target, kind, env;
	size_t leaf, leaf_len;      /* in leaves */
	int toggle;                 /* changed the state, "enabled" or "*.enabled" */
};

/* One batch as sent: COPY text per table, the Merkle nodes as array literals. */
struct batch {
	struct buf copy[T_NTABLES];
	struct buf node_level, node_idx, node_hash; /* without braces */
	size_t nnodes;
};

struct pg_append {
	struct store *s;
	struct pg_fts *fts;
	struct batch batch[2];
	int fill;                   /* the batch being filled; the other one may be on the wire */
	size_t npending;            /* events in batch[fill] */
	struct buf names;           /* the pending events' ids, targets, ..., NUL-terminated */
	size_t id_slot[PG_ID_SLOTS]; /* offset + 1 in names of a pending event id, 0 free */
	struct pending *pend;       /* PG_BATCH_EVENTS of them */
	struct buf leaves;          /* the pending events' leaves */
	struct buf scratch;
	struct buf doc;             /* an entry's free-text document */
	int fresh;                  /* the store was empty under the lock */
	uint64_t *seen;             /* fresh: the appended ids' hashes, 0 free (open addressing) */
	size_t nseen, seen_cap;     /* seen_cap a power of two */
	struct toggles tog;         /* fresh only */
	/* the sender thread: sends batch[!fill] while the next one fills */
	pthread_t sender;
	int threaded;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int busy, stop;             /* under mu */
	int send_failed, reported;  /* under mu until reported */
	PGresult *send_err;         /* the failing result, or NULL: the connection's message */
	const char *send_what;
};

static void batch_init(struct batch *b)
{
	for (int t = 0; t < T_NTABLES; t++)
		buf_init(&b->copy[t]);
	buf_init(&b->node_level);
	buf_init(&b->node_idx);
	buf_init(&b->node_hash);
	b->nnodes = 0;
}

static void batch_reset(struct batch *b)
{
	for (int t = 0; t < T_NTABLES; t++)
		buf_reset(&b->copy[t]);
	buf_reset(&b->node_level);
	buf_reset(&b->node_idx);
	buf_reset(&b->node_hash);
	b->nnodes = 0;
}

static void batch_release(struct batch *b)
{
	for (int t = 0; t < T_NTABLES; t++)
		buf_release(&b->copy[t]);
	buf_release(&b->node_level);
	buf_release(&b->node_idx);
	buf_release(&b->node_hash);
}

/* Sends rows with COPY. On failure *err is the failing result, or stays
 * NULL when the connection failed. */
static int copy_table(PGconn *c, int t, const struct buf *rows, PGresult **err)
{
	PGresult *res = PQexec(c, copy_sql[t]);
	int ok;

	if (PQresultStatus(res) != PGRES_COPY_IN) {
		*err = res;
		return -1;
	}
	PQclear(res);
	/* in pieces: the server buffers each CopyData message whole before
	 * it parses a row of it (a batch of several MB in one message cost it
	 * ~5 % of an import's CPU, growing and copying that buffer) */
	ok = 1;
	for (size_t at = 0; at < rows->len && ok; at += PG_COPY_PIECE) {
		size_t n = rows->len - at < PG_COPY_PIECE ? rows->len - at : PG_COPY_PIECE;

		ok = PQputCopyData(c, rows->buf + at, (int)n) == 1;
	}
	if (PQputCopyEnd(c, ok ? NULL : "trailscope: cannot send rows") != 1)
		ok = 0;
	while ((res = PQgetResult(c))) {
		if (PQresultStatus(res) != PGRES_COMMAND_OK && !*err)
			*err = res;
		else
			PQclear(res);
	}
	return ok && !*err ? 0 : -1;
}

static int send_nodes(PGconn *c, const struct batch *b, PGresult **err)
{
	struct buf l = BUF_INIT, i = BUF_INIT, h = BUF_INIT;
	const char *p[3];
	PGresult *res;
	int ret = 0;

	buf_addf(&l, "{%s}", b->node_level.buf);
	buf_addf(&i, "{%s}", b->node_idx.buf);
	buf_addf(&h, "{%s}", b->node_hash.buf);
	p[0] = l.buf, p[1] = i.buf, p[2] = h.buf;
	res = PQexecParams(c, "INSERT INTO merkle_nodes(level, idx, hash)"
			   " SELECT l, i, decode(h, 'hex') FROM unnest($1::integer[], $2::bigint[], $3::text[])"
			   " AS n(l, i, h) ON CONFLICT DO NOTHING", 3, NULL, p, NULL, NULL, 0);
	if (PQresultStatus(res) == PGRES_COMMAND_OK) {
		PQclear(res);
	} else {
		*err = res;
		ret = -1;
	}
	buf_release(&l);
	buf_release(&i);
	buf_release(&h);
	return ret;
}

/* Sends a batch and empties it; on failure sets *err and *what. Touches
 * nothing but the connection and the batch (the sender thread runs it). */
static int send_batch(PGconn *c, struct batch *b, PGresult **err, const char **what)
{
	int ret = 0;

	*what = "cannot append";
	for (int t = 0; t < T_NTABLES && !ret; t++) {
		if (!b->copy[t].len)
			continue;
		if (COPY_BINARY(t))
			buf_add(&b->copy[t], "\377\377", 2); /* the trailer: a field count of -1 */
		ret = copy_table(c, t, &b->copy[t], err);
	}
	if (!ret && b->nnodes) {
		*what = "cannot cache Merkle nodes";
		ret = send_nodes(c, b, err);
	}
	batch_reset(b);
	return ret;
}

static void *sender_main(void *arg)
{
	struct pg_append *a = arg;

	pthread_mutex_lock(&a->mu);
	for (;;) {
		PGresult *err = NULL;
		const char *what;
		int rc;

		while (!a->busy && !a->stop)
			pthread_cond_wait(&a->cv, &a->mu);
		if (!a->busy)
			break;
		pthread_mutex_unlock(&a->mu);
		rc = send_batch(a->s->pg->conn, &a->batch[!a->fill], &err, &what);
		pthread_mutex_lock(&a->mu);
		if (rc && !a->send_failed) {
			a->send_failed = 1;
			a->send_err = err;
			a->send_what = what;
		} else {
			PQclear(err);
		}
		a->busy = 0;
		pthread_cond_broadcast(&a->cv);
	}
	pthread_mutex_unlock(&a->mu);
	return NULL;
}

/* Waits until no batch is on the wire; reports a failed send once (the
 * transaction is then doomed: the store's commit refuses). 0 or -1. */
static int wait_sent(struct pg_append *a)
{
	int failed;

	if (a->threaded) {
		pthread_mutex_lock(&a->mu);
		while (a->busy)
			pthread_cond_wait(&a->cv, &a->mu);
		pthread_mutex_unlock(&a->mu);
	}
	failed = a->send_failed;
	if (failed && !a->reported) {
		pg_report(a->s, a->send_err, a->send_what);
		PQclear(a->send_err);
		a->send_err = NULL;
		a->reported = 1;
		a->s->pg->failed = 1;
	}
	return failed ? -1 : 0;
}

int pg_append_wait(struct store *s)
{
	return s->pg && s->pg->append ? wait_sent(s->pg->append) : 0;
}

/* Hands the pending rows to the sender (or, without one, sends them),
 * once the previous batch is sent; the look-ups' pending state starts
 * again. */
static int flush(struct pg_append *a)
{
	int ret = wait_sent(a);

	if (!ret) {
		a->fill = !a->fill;
		if (a->threaded) {
			pthread_mutex_lock(&a->mu);
			a->busy = 1;
			pthread_cond_signal(&a->cv);
			pthread_mutex_unlock(&a->mu);
		} else {
			if (send_batch(a->s->pg->conn, &a->batch[!a->fill], &a->send_err, &a->send_what))
				a->send_failed = 1;
			ret = wait_sent(a);
		}
	}
	buf_reset(&a->names);
	buf_reset(&a->leaves);
	memset(a->id_slot, 0, sizeof(a->id_slot));
	a->npending = 0;
	return ret;
}

struct pg_append *pg_append_open(struct store *s)
{
	struct pg_append *a = xcalloc(1, sizeof(*a));

	a->s = s;
	batch_init(&a->batch[0]);
	batch_init(&a->batch[1]);
	buf_init(&a->names);
	buf_init(&a->leaves);
	buf_init(&a->scratch);
	buf_init(&a->doc);
	toggles_init(&a->tog);
	a->pend = xcalloc(PG_BATCH_EVENTS, sizeof(*a->pend));
	pthread_mutex_init(&a->mu, NULL);
	pthread_cond_init(&a->cv, NULL);
	a->fts = pg_fts_new();
	a->fresh = pg_store_size(s) == 0;
	if (!a->fts) {
		pg_append_close(a);
		return NULL;
	}
	a->threaded = pthread_create(&a->sender, NULL, sender_main, a) == 0;
	s->pg->append = a;
	return a;
}

int pg_append_close(struct pg_append *a)
{
	int ret = 0;

	if (!a)
		return 0;
	if (!a->s->pg->failed && a->npending)
		ret = flush(a);
	if (wait_sent(a))
		ret = -1;
	if (a->threaded) {
		pthread_mutex_lock(&a->mu);
		a->stop = 1;
		pthread_cond_signal(&a->cv);
		pthread_mutex_unlock(&a->mu);
		pthread_join(a->sender, NULL);
	}
	pthread_mutex_destroy(&a->mu);
	pthread_cond_destroy(&a->cv);
	if (a->s->pg->append == a)
		a->s->pg->append = NULL;
	batch_release(&a->batch[0]);
	batch_release(&a->batch[1]);
	buf_release(&a->names);
	buf_release(&a->leaves);
	buf_release(&a->scratch);
	buf_release(&a->doc);
	toggles_release(&a->tog);
	free(a->pend);
	free(a->seen);
	pg_fts_free(a->fts);
	free(a);
	return ret;
}

static size_t id_hash(const char *s)
{
	size_t h = 2166136261u;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h & (PG_ID_SLOTS - 1);
}

/* FNV-1a, 64 bits; never 0 (0 marks a free slot). */
static uint64_t id_hash64(const char *s)
{
	uint64_t h = 14695981039346656037u;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211u;
	return h ? h : 1;
}

/* Is h among the appended ids' hashes? With add, adds it when not. */
static int seen_has(struct pg_append *a, uint64_t h, int add)
{
	size_t i;

	if (add && (a->nseen + 1) * 2 > a->seen_cap) {
		uint64_t *old = a->seen;
		size_t n = a->seen_cap;

		a->seen_cap = n ? n * 2 : 4096;
		a->seen = xcalloc(a->seen_cap, sizeof(*a->seen));
		a->nseen = 0;
		for (size_t k = 0; k < n; k++)
			if (old[k])
				seen_has(a, old[k], 1);
		free(old);
	}
	if (!a->seen_cap)
		return 0;
	for (i = h & (a->seen_cap - 1); a->seen[i]; i = (i + 1) & (a->seen_cap - 1))
		if (a->seen[i] == h)
			return 1;
	if (add) {
		a->seen[i] = h;
		a->nseen++;
	}
	return 0;
}

static int prepare(struct pg_append *a, unsigned bit, const char *name, const char *sql, int n)
{
	PGresult *res;
	int ret = 0;

	if (a->s->pg->prepared & bit)
		return 0;
	res = PQprepare(a->s->pg->conn, name, sql, n, NULL);
	if (PQresultStatus(res) != PGRES_COMMAND_OK)
		ret = pg_report(a->s, res, "cannot prepare a look-up");
	else
		a->s->pg->prepared |= bit;
	PQclear(res);
	return ret;
}

int pg_has_event(struct pg_append *a, const char *event_id)
{
	PGresult *res;
	int ret;

	for (size_t i = id_hash(event_id); a->id_slot[i]; i = (i + 1) & (PG_ID_SLOTS - 1))
		if (!strcmp(a->names.buf + a->id_slot[i] - 1, event_id))
			return 1;
	if (a->fresh && !seen_has(a, id_hash64(event_id), 0))
		return 0; /* neither stored before this import nor appended by it */
	if (wait_sent(a) || prepare(a, PREP_EXISTS, "ts_exists", "SELECT 1 FROM entries WHERE event_id = $1", 1))
		return -1;
	res = PQexecPrepared(a->s->pg->conn, "ts_exists", 1, &event_id, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK)
		ret = pg_report(a->s, res, "cannot look up event id");
	else
		ret = PQntuples(res) > 0;
	PQclear(res);
	return ret;
}

static void field(struct buf *b, const char *text, size_t len, int last)
{
	if (text)
		pg_copy_text(b, text, len);
	else
		buf_addstr(b, "\\N");
	buf_addch(b, last ? '\n' : '\t');
}

/*
 * COPY's binary format, for entries, changes and entry_text: the server
 * neither scans the rows for escapes nor decodes the leaves' hex. The
 * stream begins with a header (the signature, 32-bit flags and header
 * extension length, both 0); each row is a 16-bit field count, then each
 * field a 32-bit length (-1: NULL) and its bytes (integers big-endian,
 * text and bytea as they are); send_batch adds the trailer.
 */
static void bin_be(struct buf *b, uint64_t v, int bytes)
{
	unsigned char out[8];

	for (int i = bytes - 1; i >= 0; i--, v >>= 8)
		out[i] = (unsigned char)(v & 0xff);
	buf_add(b, out, (size_t)bytes);
}

static void bin_row(struct buf *b, int nfields)
{
	static const unsigned char header[19] = { 'P', 'G', 'C', 'O', 'P', 'Y', '\n', 0xff, '\r', '\n', 0 };

	if (!b->len)
		buf_add(b, header, sizeof(header));
	bin_be(b, (uint64_t)nfields, 2);
}

static void bin_bytes(struct buf *b, const void *data, size_t len)
{
	if (!data) {
		bin_be(b, 0xffffffffu, 4);
		return;
	}
	bin_be(b, len, 4);
	buf_add(b, data, len);
}

static void bin_str(struct buf *b, const char *text)
{
	bin_bytes(b, text, text ? strlen(text) : 0);
}

static void bin_int8(struct buf *b, int64_t v)
{
	bin_be(b, 8, 4);
	bin_be(b, (uint64_t)v, 8);
}

static void bin_int4(struct buf *b, int32_t v)
{
	bin_be(b, 4, 4);
	bin_be(b, (uint32_t)v, 4);
}

/* The longest value a B-tree index entry of the server holds (docs/STORE.md,
 * "Tables and types"); checked on the bytes as given, before compression. */
#define PG_INDEX_MAX 2704

/* Refuses an event with an indexed value the server's B-tree cannot hold,
 * naming its source line, before anything of it is sent. */
static int check_indexed(const struct store_entry_row *e)
{
	const char *name[] = { "event id", "timestamp", "actor", "action", "target", "environment" };
	const char *val[] = { e->event_id, e->ts, e->actor_id, e->action, e->target_key, e->environment };
	const char *what = NULL;
	size_t len = 0;

	for (size_t i = 0; i < ARRAY_SIZE(val) && !what; i++)
		if (val[i] && strlen(val[i]) > PG_INDEX_MAX)
			what = name[i], len = strlen(val[i]);
	for (size_t i = 0; i < e->nchanges && !what; i++)
		if (strlen(e->changes[i].path) > PG_INDEX_MAX)
			what = "changed field path", len = strlen(e->changes[i].path);
	if (!what)
		return 0;
	return error_as(ERR_INPUT, "%s:%ld: the event's %s is %zu bytes; a PostgreSQL store indexes "
			"values of at most %d bytes", e->source_file ? e->source_file : "-", e->source_line,
			what, len, PG_INDEX_MAX);
}

static size_t add_name(struct pg_append *a, const char *text)
{
	size_t at = a->names.len;

	buf_add(&a->names, text, strlen(text) + 1);
	return at;
}

/* What store_recent_toggles() counts (store_append.c's SQL, and
 * verify_derived.c): a changed row at the state, at "enabled", or at a
 * path ending in ".enabled", ASCII case-insensitive as LIKE/ILIKE. */
static int is_toggle(const struct store_entry_row *e)
{
	static const char suffix[] = ".enabled";
	const size_t sl = sizeof(suffix) - 1;

	for (size_t i = 0; i < e->nchanges; i++) {
		const char *path = e->changes[i].path;
		size_t n = strlen(path);

		if (e->changes[i].kind != CHANGE_CHANGED)
			continue;
		if (!n || !strcmp(path, "enabled") || (n >= sl && !strncasecmp(path + n - sl, suffix, sl)))
			return 1;
	}
	return 0;
}

int pg_append_event(struct pg_append *a, const struct store_entry_row *e)
{
	struct buf *b = &a->batch[a->fill].copy[T_ENTRIES];
	const char *text[4];
	struct pending *p;
	size_t at;
	int rc;

	if (check_indexed(e))
		return -1;

	bin_row(b, 17);
	bin_int8(b, e->seq);
	bin_bytes(b, e->leaf, e->leaf_len);
	bin_bytes(b, e->leaf_hash, HASH_LEN);
	bin_str(b, e->event_id);
	bin_str(b, e->ts);
	bin_str(b, e->actor_id);
	bin_str(b, e->actor_type);
	bin_str(b, e->action);
	bin_str(b, e->target_key);
	bin_str(b, e->target_kind);
	bin_str(b, e->environment);
	bin_bytes(b, e->summary, e->summary_len);
	bin_int4(b, (int32_t)e->nchanges);
	bin_str(b, e->source_file);
	bin_int8(b, e->source_line);
	bin_int4(b, (int32_t)e->risk);
	bin_str(b, outcome_name(e->outcome));

	b = &a->batch[a->fill].copy[T_CHANGES];
	for (size_t i = 0; i < e->nchanges; i++) {
		const struct store_change_row *c = &e->changes[i];

		bin_row(b, 7);
		bin_int8(b, e->seq);
		bin_int4(b, (int32_t)i);
		bin_str(b, c->path);
		bin_str(b, change_kind_name(c->kind));
		bin_str(b, c->before);
		bin_str(b, c->after);
		bin_int4(b, c->before_unknown);
	}

	buf_reset(&a->scratch);
	if (e->actor_name)
		buf_addf(&a->scratch, "%s %s", e->actor_id, e->actor_name);
	else
		buf_addstr(&a->scratch, e->actor_id);
	text[0] = e->reason, text[1] = e->target_key, text[2] = a->scratch.buf, text[3] = e->ticket;
	b = &a->batch[a->fill].copy[T_FTS];
	rc = pg_fts_doc_binary(a->fts, text, &a->doc);
	if (rc < 0)
		return -1;
	if (!rc) {
		bin_row(b, 2);
		bin_int8(b, e->seq);
		buf_add(b, a->doc.buf, a->doc.len);
	} else {
		b = &a->batch[a->fill].copy[T_FTS_LITERAL];
		buf_addf(b, "%" PRId64 "\t", e->seq);
		buf_reset(&a->doc);
		if (pg_fts_doc(a->fts, text, &a->doc))
			return -1;
		field(b, a->doc.buf, a->doc.len, 1);
	}
	buf_reset(&a->doc);

	b = &a->batch[a->fill].copy[T_TEXT];
	bin_row(b, 3);
	bin_int8(b, e->seq);
	bin_bytes(b, e->summary, e->summary_len);
	bin_bytes(b, e->raw, e->raw_len);

	/* remember the id, and what the look-ups need, until the flush */
	at = a->names.len;
	buf_add(&a->names, e->event_id, strlen(e->event_id) + 1);
	for (size_t i = id_hash(e->event_id);; i = (i + 1) & (PG_ID_SLOTS - 1)) {
		if (!a->id_slot[i]) {
			a->id_slot[i] = at + 1;
			break;
		}
	}
	if (a->fresh)
		seen_has(a, id_hash64(e->event_id), 1);
	p = &a->pend[a->npending];
	p->seq = e->seq;
	p->ts = add_name(a, e->ts);
	p->target = add_name(a, e->target_key);
	p->kind = add_name(a, e->target_kind);
	p->env = add_name(a, e->environment);
	p->leaf = a->leaves.len;
	p->leaf_len = e->leaf_len;
	buf_add(&a->leaves, e->leaf, e->leaf_len);
	p->toggle = is_toggle(e);
	if (a->fresh && p->toggle)
		toggles_add(&a->tog, e->target_key, e->environment, e->ts);
	a->npending++;
	if (a->npending == PG_BATCH_EVENTS || a->batch[a->fill].copy[T_ENTRIES].len + a->batch[a->fill].copy[T_TEXT].len > PG_BATCH_BYTES)
		return flush(a);
	return 0;
}

int pg_append_node(struct pg_append *a, unsigned level, uint64_t idx, const unsigned char hash[HASH_LEN])
{
	struct batch *b = &a->batch[a->fill];
	const char *sep = b->nnodes ? "," : "";

	buf_addf(&b->node_level, "%s%u", sep, level);
	buf_addf(&b->node_idx, "%s%" PRIu64, sep, idx);
	buf_addstr(&b->node_hash, sep);
	buf_addhex(&b->node_hash, hash, HASH_LEN);
	b->nnodes++;
	return 0;
}

static const char *pend_str(const struct pg_append *a, size_t at)
{
	return a->names.buf + at;
}

/* The after member of leaf (a new reference), or NULL. */
static json_t *leaf_after(const char *leaf, size_t len)
{
	struct buf err = BUF_INIT;
	int l, c;
	json_t *doc = json_parse_strict(leaf, len, &l, &c, &err), *after;

	after = json_incref(json_object_get(doc, "after"));
	json_decref(doc);
	buf_release(&err);
	return after;
}

json_t *pg_prev_state(struct pg_append *a, const char *kind, const char *key, const char *env)
{
	const char *p[] = { key, env, kind };
	const struct pending *best = NULL;
	json_t *after = NULL;
	PGresult *res;

	/* the newest pending one (by ts, then seq: later in the batch) */
	for (size_t i = 0; i < a->npending; i++) {
		const struct pending *q = &a->pend[i];

		if (!strcmp(pend_str(a, q->target), key) && !strcmp(pend_str(a, q->env), env) &&
		    !strcmp(pend_str(a, q->kind), kind) &&
		    (!best || strcmp(pend_str(a, q->ts), pend_str(a, best->ts)) >= 0))
			best = q;
	}
	if (wait_sent(a) || prepare(a, PREP_PREV, "ts_prev",
	    "SELECT leaf, ts FROM entries WHERE target = $1 AND environment = $2 AND target_kind = $3"
	    " ORDER BY ts DESC, seq DESC LIMIT 1", 3))
		return NULL;
	res = PQexecPrepared(a->s->pg->conn, "ts_prev", 3, p, NULL, NULL, 1);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		pg_report(a->s, res, "cannot look up the previous state");
	} else if (PQntuples(res) > 0 && !(best && strcmp(pend_str(a, best->ts), PQgetvalue(res, 0, 1)) >= 0)) {
		/* a stored one newer than any pending (a pending seq is larger,
		 * so a pending one of the same ts is the newer) */
		after = leaf_after(PQgetvalue(res, 0, 0), (size_t)PQgetlength(res, 0, 0));
	} else if (best) {
		after = leaf_after(a->leaves.buf + best->leaf, best->leaf_len);
	}
	PQclear(res);
	return after;
}

int pg_recent_toggles(struct pg_append *a, const char *target, const char *env, const char *from_ts,
		      const char *until_ts)
{
	const char *p[] = { target, env, from_ts, until_ts };
	PGresult *res;
	int n = -1, pending = 0;

	if (a->fresh)
		return toggles_count(&a->tog, target, env, from_ts, until_ts);
	for (size_t i = 0; i < a->npending; i++) {
		const struct pending *q = &a->pend[i];
		const char *ts = pend_str(a, q->ts);

		if (q->toggle && !strcmp(pend_str(a, q->target), target) && !strcmp(pend_str(a, q->env), env) &&
		    strcmp(ts, from_ts) >= 0 && strcmp(ts, until_ts) < 0)
			pending++;
	}
	if (wait_sent(a) || prepare(a, PREP_TOGGLES, "ts_toggles",
	    "SELECT count(DISTINCT e.seq) FROM entries e JOIN changes c ON c.seq = e.seq"
	    " WHERE e.target = $1 AND e.environment = $2 AND e.ts >= $3 AND e.ts < $4"
	    " AND c.kind = 'changed' AND (c.path = '' OR c.path = 'enabled' OR c.path ILIKE '%.enabled')", 4))
		return -1;
	res = PQexecPrepared(a->s->pg->conn, "ts_toggles", 4, p, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK)
		pg_report(a->s, res, "cannot look up recent toggles");
	else
		n = atoi(PQgetvalue(res, 0, 0)) + pending;
	PQclear(res);
	return n;
}
