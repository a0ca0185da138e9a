/*
 * import.c - the import pipeline: read JSON lines, normalise each record
 * into an event, diff its states, build its canonical leaf, hash it and
 * append it with its changes and the Merkle subtrees it completes, all in
 * one transaction.
 *
 * Cost per event: one strict JSON parse, one canonical serialisation, one
 * SHA-256 of the leaf, one indexed uniqueness probe and 1 + changes row
 * inserts, plus the record's rows in entries_fts and entry_text. Every
 * statement lives behind the store's write seam (store_append.h); the leaf
 * is built and given its seq by leaf.h. Formats with independent lines
 * (format_ops.read_line: JSON lines) are parsed by a pool of parser
 * threads (import_pool.c) whose batches the writer takes back in file
 * order. Other formats that need no store look-ups while reading (all but
 * Kubernetes) run on two threads: a reader parses, diffs and canonicalises
 * into a bounded queue, the writer (this thread, which owns the SQLite
 * connection) assigns seqs, hashes and inserts. Parsers hand over flat
 * events (struct prepared, import_int.h). Whichever thread parses takes
 * its JSON values from a per-record arena (json_arena.c). Memory is
 * constant: a bounded queue or batch ring and a 64-entry frontier.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "trailscope/import.h"
#include "trailscope/jcs.h"
#include "trailscope/json_arena.h"
#include "trailscope/keys.h"
#include "trailscope/leaf.h"
#include "trailscope/risk.h"
#include "trailscope/store_append.h"
#include "trailscope/util.h"
#include "import_int.h"

struct importer {
	struct store *s;
	const struct import_options *opt;
	struct import_stats *stats;
	struct merkle_builder tree;
	int64_t next_seq;
	struct store_append *out; /* the store's write seam */
	struct buf leaf;          /* the leaf being appended */
	usec_t started, last_progress;
	int node_error;
	int bad_input;           /* a bad record stopped the import */
	const char *file;        /* the file being read, for messages */
	uint64_t pause_after;    /* TRAILSCOPE_TEST_PAUSE_AFTER, or 0 */
	int nthreads;            /* parser threads (import_threads) */
	const struct format_sift *sift; /* the file's ordered pass, or NULL */
	void *sift_state;
	int seal_on;             /* the parser pool seals (SQLite stores: they pack the raw record) */
	struct pool_seal seal;
};

/*
 * TEST ONLY. With TRAILSCOPE_TEST_PAUSE_AFTER=K in the environment, the
 * writer stops once the K-th event of this import has been appended
 * inside the still-open transaction: it prints "trailscope: test pause
 * after K records" to stderr and sleeps (at most 60 s, then goes on).
 * tests/cli/crash.sh waits for that line and kill -9s the import, so the
 * kill provably lands mid-import. Nothing else sets or documents it.
 */
static void test_pause(const struct importer *im)
{
	if (!im->pause_after || im->stats->added != im->pause_after)
		return;
	diag_note("test pause after %llu records", (unsigned long long)im->pause_after);
	fflush(stderr);
	for (int i = 0; i < 60; i++)
		sleep(1);
}

static void node_complete(void *ctx, unsigned level, uint64_t idx, const unsigned char hash[HASH_LEN])
{
	struct importer *im = ctx;

	if (!im->node_error && store_append_node(im->out, level, idx, hash))
		im->node_error = -1;
}

/* Buffers larger than this are freed when a prepared event is cleared,
 * so one huge record does not keep its memory in every reused slot. */
#define PREPARED_KEEP ((size_t)64 << 10)

/* Empties b, keeping its memory unless it grew large (a zeroed buf
 * becomes a valid empty one). */
static void buf_clear_keep(struct buf *b)
{
	if (b->alloc > PREPARED_KEEP || !b->alloc)
		buf_release(b);
	else
		buf_reset(b);
}

void prepared_clear(struct prepared *p)
{
	struct buf strs = p->strs, summary = p->summary, leaf = p->leaf, vals = p->vals, why = p->why;
	struct buf sealed = p->sealed, packed = p->packed;
	struct store_change_row *changes = p->changes;
	size_t cap = p->changes_cap;

	buf_clear_keep(&strs);
	buf_clear_keep(&summary);
	buf_clear_keep(&leaf);
	buf_clear_keep(&vals);
	buf_clear_keep(&why);
	buf_clear_keep(&sealed);
	buf_clear_keep(&packed);
	json_decref(p->parsed); /* a line the writer never took */
	if (cap > 1024) {
		free(changes);
		changes = NULL;
		cap = 0;
	}
	memset(p, 0, sizeof(*p));
	p->strs = strs;
	p->summary = summary;
	p->leaf = leaf;
	p->vals = vals;
	p->why = why;
	p->sealed = sealed;
	p->packed = packed;
	p->changes = changes;
	p->changes_cap = cap;
}

void prepared_release(struct prepared *p)
{
	json_decref(p->parsed);
	buf_release(&p->strs);
	free(p->changes);
	buf_release(&p->summary);
	buf_release(&p->leaf);
	buf_release(&p->vals);
	buf_release(&p->why);
	buf_release(&p->sealed);
	buf_release(&p->packed);
	memset(p, 0, sizeof(*p));
}

static void prepared_free(struct prepared *p)
{
	prepared_release(p);
	free(p);
}

/* A new prepared event with empty buffers. */
static struct prepared *prepared_new(void)
{
	struct prepared *p = xcalloc(1, sizeof(*p));

	buf_init(&p->strs);
	buf_init(&p->summary);
	buf_init(&p->leaf);
	buf_init(&p->vals);
	buf_init(&p->why);
	buf_init(&p->sealed);
	buf_init(&p->packed);
	return p;
}

static void add_value(struct buf *vals, const json_t *v)
{
	if (v)
		json_append(vals, v);
	else
		buf_addch(vals, 1); /* NULL marker: absent */
	buf_addch(vals, '\0');
}

/* The next value add_value wrote at *at (NULL for absent); moves past it. */
static const char *next_value(const char **at)
{
	const char *v = *at;
	size_t n = strlen(v);

	*at += n + 1;
	return n == 1 && v[0] == 1 ? NULL : v;
}

/* Appends s (or nothing for NULL) to strs; returns its offset + 1, or 0. */
static size_t add_str(struct buf *strs, const char *s)
{
	size_t at = strs->len + 1;

	if (!s)
		return 0;
	buf_add(strs, s, strlen(s) + 1);
	return at;
}

static const char *str_at(const struct buf *strs, size_t off)
{
	return off ? strs->buf + off - 1 : NULL;
}

/* Copies what the writer needs out of ev, and its changes (whose values
 * are in p->vals already). */
static void flatten(struct prepared *p, const struct event *ev, const struct change_list *cl)
{
	const char *const src[] = {
		ev->event_id, ev->actor_id, ev->actor_name, ev->actor_type, ev->action, ev->target_key,
		ev->target_kind, ev->environment, json_string_value(json_object_get(ev->source, "file")),
		json_string_value(json_object_get(ev->context, "reason")),
		json_string_value(json_object_get(ev->context, "ticket")),
	};
	const char **const dst[ARRAY_SIZE(src)] = {
		&p->event_id, &p->actor_id, &p->actor_name, &p->actor_type, &p->action, &p->target_key,
		&p->target_kind, &p->environment, &p->source_file, &p->reason, &p->ticket,
	};
	size_t off[ARRAY_SIZE(src)], paths;
	const char *path, *val;

	for (size_t i = 0; i < ARRAY_SIZE(src); i++)
		off[i] = add_str(&p->strs, src[i]);
	p->source_line = (long)json_integer_value(json_object_get(ev->source, "line"));
	p->raw = p->strs.len;
	p->raw_len = ev->raw_len;
	buf_add(&p->strs, ev->raw ? ev->raw : "", ev->raw ? ev->raw_len : 0);
	buf_addch(&p->strs, '\0');
	paths = p->strs.len;
	for (size_t i = 0; i < cl->n; i++)
		buf_add(&p->strs, cl->v[i].path, strlen(cl->v[i].path) + 1);
	/* the buffers are final: turn offsets into pointers */
	for (size_t i = 0; i < ARRAY_SIZE(src); i++)
		*dst[i] = str_at(&p->strs, off[i]);
	p->nchanges = cl->n;
	if (cl->n > p->changes_cap) {
		free(p->changes);
		p->changes_cap = cl->n;
		p->changes = xcalloc(cl->n, sizeof(*p->changes));
	}
	path = p->strs.buf + paths;
	val = p->vals.buf;
	for (size_t i = 0; i < cl->n; i++) {
		struct store_change_row *c = &p->changes[i];

		c->path = path;
		path += strlen(path) + 1;
		c->kind = cl->v[i].kind;
		c->before = next_value(&val);
		c->after = next_value(&val);
		c->before_unknown = cl->v[i].before_unknown;
	}
}

void prepared_fill(struct prepared *p, struct event *ev)
{
	struct change_list changes = CHANGE_LIST_INIT;

	diff_json(ev->before, ev->after, ev->before_known, &changes);
	entry_summary(&changes, ev->before_known, &p->summary);
	p->outcome = ev->outcome;
	p->risk = risk_of_event(ev, &changes);
	p->toggle = risk_is_toggle(&changes);
	p->t = ev->ts;
	time_format(ev->ts, p->ts);
	for (size_t i = 0; i < changes.n; i++) {
		add_value(&p->vals, changes.v[i].before);
		add_value(&p->vals, changes.v[i].after);
	}
	flatten(p, ev, &changes);
	change_list_release(&changes);
	/* its seq is set later (leaf_for_seq): by the writer, or for a guess by prepared_seal */
	leaf_build(ev, 0, &p->leaf, &p->seq_at);
	event_release(ev);
	free(ev);
}

/* p's leaf with seq set, into out (reset first), and its hash: what the
 * writer appends, wherever it is made. */
static void leaf_for_seq(const struct prepared *p, int64_t seq, struct buf *out, unsigned char hash[HASH_LEN])
{
	buf_reset(out);
	leaf_set_seq(p->leaf.buf, p->leaf.len, &p->seq_at, seq, out);
	merkle_leaf_hash(out->buf, out->len, hash);
}

void prepared_seal(struct prepared *p, int64_t seq, struct raw_codec *c)
{
	p->sealed_seq = 0;
	if (seq <= 0)
		return;
	buf_reset(&p->packed);
	leaf_for_seq(p, seq, &p->sealed, p->sealed_hash);
	if (raw_pack(c, p->strs.buf + p->raw, p->raw_len, p->sealed.buf, p->sealed.len, &p->packed))
		return; /* the writer packs it, and reports what fails */
	p->sealed_seq = seq;
}

void prepared_set_bad(struct prepared *p, long line, int col, long index, const char *why)
{
	p->bad = 1;
	p->line = line;
	p->col = col;
	p->index = index;
	buf_addstr(&p->why, why);
}

/* Diffs, summarises and canonicalises ev (taking ownership, and freeing
 * it) into a new prepared event. */
static struct prepared *prepare_event(struct event *ev)
{
	struct prepared *p = prepared_new();

	prepared_fill(p, ev);
	return p;
}

/* How far back a switch of the same target and environment counts towards
 * RISK_RAPID_TOGGLE. */
#define TOGGLE_WINDOW ((usec_t)30 * 60 * 1000000)

/* Writer only: assigns the seq and appends the prepared event. Returns 0
 * (also for a duplicate, which is counted and dropped) or -1. */
static int commit_event(struct importer *im, struct prepared *p)
{
	unsigned char hash[HASH_LEN];
	const struct buf *leaf;
	int64_t seq;
	int rc;

	rc = store_has_event(im->out, p->event_id);
	if (rc) {
		if (rc > 0)
			im->stats->duplicates++;
		return rc < 0 ? -1 : 0;
	}
	seq = im->next_seq;
	if (p->sealed_seq == seq) {
		/* a parser guessed this seq: its leaf is the one built here */
		leaf = &p->sealed;
		memcpy(hash, p->sealed_hash, HASH_LEN);
	} else {
		leaf_for_seq(p, seq, &im->leaf, hash);
		leaf = &im->leaf;
	}
	if (p->toggle) {
		rc = store_recent_toggles(im->out, p->target_key, p->environment, p->t - TOGGLE_WINDOW, p->t);
		if (rc < 0)
			return -1;
		if (rc >= 2)
			p->risk |= RISK_RAPID_TOGGLE;
	}
	const struct store_entry_row row = {
		.seq = seq, .leaf = leaf->buf, .leaf_len = leaf->len, .leaf_hash = hash,
		.event_id = p->event_id, .ts = p->ts, .actor_id = p->actor_id,
		.actor_name = p->actor_name, .actor_type = p->actor_type, .action = p->action,
		.target_key = p->target_key, .target_kind = p->target_kind,
		.environment = p->environment, .summary = p->summary.buf,
		.summary_len = p->summary.len, .source_file = p->source_file,
		.source_line = p->source_line, .risk = p->risk, .outcome = p->outcome,
		.reason = p->reason, .ticket = p->ticket, .raw = p->strs.buf + p->raw,
		.raw_len = p->raw_len, .changes = p->changes, .nchanges = p->nchanges,
		.raw_packed = leaf == &p->sealed ? p->packed.buf : NULL, .raw_packed_len = p->packed.len,
	};
	if (store_append_event(im->out, &row))
		return -1;
	merkle_builder_push(&im->tree, hash, node_complete, im);
	if (im->node_error)
		return -1;
	if (im->seal_on && p->source_line > 0)
		atomic_store_explicit(&im->seal.delta, seq - p->source_line, memory_order_relaxed);
	if (!im->stats->first_seq)
		im->stats->first_seq = (uint64_t)seq;
	im->next_seq++;
	im->stats->added++;
	test_pause(im);
	return 0;
}

static void progress(struct importer *im, int final)
{
	usec_t now;

	if (!im->opt->progress)
		return;
	now = time_now();
	if (!final && now - im->last_progress < 250000)
		return;
	if (now - im->started < 1000000 && !final)
		return;
	if (final && !im->last_progress)
		return;
	im->last_progress = now;
	double secs = (double)(now - im->started) / 1e6;
	fprintf(stderr, "\rimporting: %llu records, %llu added (%.0f/s)%s",
		(unsigned long long)im->stats->records, (unsigned long long)im->stats->added,
		secs > 0 ? (double)im->stats->records / secs : 0.0, final ? "\n" : "");
}

static int sink_bad(void *ctx, long line, int col, long index, const char *why)
{
	struct importer *im = ctx;

	if (im->opt->progress && im->last_progress)
		fputc('\n', stderr);
	format_report_bad(im->file, line, col, index, "record", why, im->opt->skip_invalid);
	im->stats->records++;
	if (!im->opt->skip_invalid) {
		im->bad_input = 1;
		return -1;
	}
	im->stats->skipped++;
	return 0;
}

static void sink_skip(void *ctx, enum skip_reason reason)
{
	struct importer *im = ctx;

	im->stats->records++;
	im->stats->not_events[reason]++;
}

static int sink_emit(void *ctx, struct event *ev)
{
	struct importer *im = ctx;
	int rc;

	struct prepared *p;

	im->stats->records++;
	p = prepare_event(ev);
	rc = commit_event(im, p);
	prepared_free(p);
	progress(im, 0);
	return rc;
}

static json_t *sink_previous_state(void *ctx, const char *kind, const char *key, const char *env)
{
	struct importer *im = ctx;

	return store_prev_state(im->out, kind, key, env);
}

/* The bounded queue between the reader thread and the writer. */
#define QUEUE_LEN 256

struct queue {
	pthread_mutex_t lock;
	pthread_cond_t not_empty, not_full;
	struct prepared *items[QUEUE_LEN];
	size_t head, count;
	int done;                /* the reader has finished */
	int stop;                /* the writer wants no more */
	int skip_invalid;
	/* records skipped by the format: written by the reader only, read
	 * by the writer after joining it */
	uint64_t not_events[SKIP_NREASONS];
};

static int queue_push(struct queue *q, struct prepared *p)
{
	pthread_mutex_lock(&q->lock);
	while (q->count == QUEUE_LEN && !q->stop)
		pthread_cond_wait(&q->not_full, &q->lock);
	if (q->stop) {
		pthread_mutex_unlock(&q->lock);
		prepared_free(p);
		return -1;
	}
	q->items[(q->head + q->count++) % QUEUE_LEN] = p;
	/* wake the writer only when it may be waiting: at a quarter full */
	if (q->count == QUEUE_LEN / 4)
		pthread_cond_signal(&q->not_empty);
	pthread_mutex_unlock(&q->lock);
	return 0;
}

/* Moves up to max prepared events into out; 0 when the reader is done and
 * the queue empty. */
static size_t queue_pop(struct queue *q, struct prepared **out, size_t max)
{
	size_t n = 0;

	pthread_mutex_lock(&q->lock);
	while (q->count < QUEUE_LEN / 4 && !q->done)
		pthread_cond_wait(&q->not_empty, &q->lock);
	while (q->count && n < max) {
		out[n++] = q->items[q->head];
		q->head = (q->head + 1) % QUEUE_LEN;
		q->count--;
	}
	pthread_cond_signal(&q->not_full);
	pthread_mutex_unlock(&q->lock);
	return n;
}

static int reader_emit(void *ctx, struct event *ev)
{
	return queue_push(ctx, prepare_event(ev));
}

static int reader_bad(void *ctx, long line, int col, long index, const char *why)
{
	struct queue *q = ctx;
	struct prepared *p = prepared_new();

	prepared_set_bad(p, line, col, index, why);
	if (queue_push(q, p))
		return -1;
	return q->skip_invalid ? 0 : -1;
}

static void reader_skip(void *ctx, enum skip_reason reason)
{
	struct queue *q = ctx;

	q->not_events[reason]++;
}

struct reader {
	struct queue *q;
	const struct format_ops *fmt;
	FILE *f;
	const char *file;
	const struct format_options *fopt;
	int rc;
};

static void *reader_main(void *arg)
{
	struct reader *r = arg;
	struct record_sink sink = { reader_emit, reader_bad, NULL, r->q, reader_skip };
	/* the reader's JSON values live and die within each record */
	struct json_arena *arena = json_arena_enter();

	r->rc = r->fmt->read(r->f, r->file, r->fopt, &sink);
	json_arena_leave(arena);
	pthread_mutex_lock(&r->q->lock);
	r->q->done = 1;
	pthread_cond_signal(&r->q->not_empty);
	pthread_mutex_unlock(&r->q->lock);
	return NULL;
}

/* Reads f on a reader thread while this thread writes. Returns 0, or -1
 * with the class set (ERR_INPUT for bad input). */
static int import_parallel(struct importer *im, const struct format_ops *fmt, FILE *f)
{
	struct queue q = { .skip_invalid = im->opt->skip_invalid };
	struct reader r = { &q, fmt, f, im->file, &im->opt->fopt, 0 };
	struct prepared *p, *batch[QUEUE_LEN];
	pthread_t tid;
	size_t n;
	int failed = 0;

	pthread_mutex_init(&q.lock, NULL);
	pthread_cond_init(&q.not_empty, NULL);
	pthread_cond_init(&q.not_full, NULL);
	if (pthread_create(&tid, NULL, reader_main, &r))
		die("cannot start the reader thread");
	while ((n = queue_pop(&q, batch, QUEUE_LEN))) {
		for (size_t i = 0; i < n; i++) {
			p = batch[i];
			if (!failed) {
				if (p->bad)
					failed = sink_bad(im, p->line, p->col, p->index, p->why.buf) ? 1 : 0;
				else {
					im->stats->records++;
					failed = commit_event(im, p) ? 2 : 0;
				}
				if (failed) {
					pthread_mutex_lock(&q.lock);
					q.stop = 1;
					pthread_cond_signal(&q.not_full);
					pthread_mutex_unlock(&q.lock);
				}
			}
			prepared_free(p);
		}
		progress(im, 0);
	}
	pthread_join(tid, NULL);
	for (int i = 0; i < SKIP_NREASONS; i++) {
		im->stats->records += q.not_events[i];
		im->stats->not_events[i] += q.not_events[i];
	}
	pthread_mutex_destroy(&q.lock);
	pthread_cond_destroy(&q.not_empty);
	pthread_cond_destroy(&q.not_full);
	if (im->bad_input || r.rc == -2)
		return failed_as(ERR_INPUT);
	if (failed || r.rc)
		return failed_as(ERR_IO);
	return 0;
}

/* The writer's side of the parser pool: a bad record or an event, in
 * file order. */
static int pool_consume(void *ctx, struct prepared *p)
{
	struct importer *im = ctx;
	int rc;

	if (p->pass) {
		json_t *parsed = p->parsed;

		p->parsed = NULL; /* feed releases it */
		return im->sift->feed(im->sift_state, p->strs.buf, p->strs.len, p->line, parsed);
	}
	if (p->bad)
		return sink_bad(im, p->line, p->col, p->index, p->why.buf);
	im->stats->records++;
	rc = commit_event(im, p);
	progress(im, 0);
	return rc;
}

/* Returns 0, or -1 with the class set (ERR_INPUT, ERR_IO). */
static int import_one(struct importer *im, const char *path)
{
	enum { HEAD = 65536 };
	struct record_sink sink = { sink_emit, sink_bad, sink_previous_state, im, sink_skip };
	const struct format_ops *fmt = NULL;
	struct json_arena *arena;
	char *head = xmalloc(HEAD + 1);
	size_t head_len = 0;
	FILE *f;
	int rc, pooled;

	im->file = strcmp(path, "-") ? path : "<stdin>";
	f = format_open_input(path, im->file, head, HEAD, &head_len);
	if (!f) {
		free(head);
		return -1;
	}
	if (im->opt->format && strcmp(im->opt->format, "auto")) {
		fmt = format_find(im->opt->format);
	} else {
		const struct format_ops *os = format_find("opensearch");

		fmt = format_detect(head, head_len);
		if (!fmt && strspn(head, " \t\r\n") == head_len)
			fmt = &format_jsonl; /* an empty file imports nothing */
		if (im->opt->fopt.map_file && (!fmt || fmt != os)) {
			fmt = format_find("map"); /* --map: any JSON records */
		} else if (fmt && im->opt->verbose) {
			struct buf safe = BUF_INIT;

			buf_add_term_safe(&safe, im->file, strlen(im->file));
			fprintf(stderr, "%s: detected format %s%s\n", safe.buf, fmt->name,
				fmt == os && os ? " (search response or hits: each hit's _source is read "
				"through --map)" : "");
			buf_release(&safe);
		}
	}
	if (!fmt) {
		struct buf safe = BUF_INIT, what = BUF_INIT;

		buf_add_term_safe(&safe, im->file, strlen(im->file));
		format_describe(head, head_len, &what);
		error("%s: not a recognised audit format: %s; no format matched", safe.buf, what.buf);
		diag_hint("JSON records of another shape are read through a map: "
			  "--map FILE, e.g. {\"fields\": {\"timestamp\": \"/timestamp\", \"actor_id\": \"/user\", "
			  "\"target_key\": \"/resource\"}} (docs/FORMATS.md, \"Mapped JSON\"); "
			  "--format FORMAT names the format of a file that is not detected");
		buf_release(&safe);
		buf_release(&what);
		free(head);
		fclose(f);
		return failed_as(ERR_INPUT);
	}
	pooled = fmt->read_line || (fmt->sift && fmt->sift->lines(head, head_len));
	free(head);
	if (pooled && im->nthreads > 1) {
		uint64_t skipped[SKIP_NREASONS] = { 0 };

		arena = NULL;
		if (!fmt->read_line) {
			/* the ordered pass reads on this thread */
			arena = json_arena_enter();
			im->sift = fmt->sift;
			im->sift_state = fmt->sift->open(im->file, &im->opt->fopt, &sink);
		}
		/* the file's first line gets the next seq, if it is an event */
		atomic_store_explicit(&im->seal.delta, im->next_seq - 1, memory_order_relaxed);
		rc = import_pool_run(fmt, f, im->file, &im->opt->fopt, im->nthreads, im->opt->skip_invalid,
				     im->seal_on ? &im->seal : NULL, pool_consume, im, skipped);
		for (int i = 0; i < SKIP_NREASONS; i++) {
			im->stats->records += skipped[i];
			im->stats->not_events[i] += skipped[i];
		}
		if (im->sift) {
			int closed = im->sift->close(im->sift_state, !rc);

			rc = rc ? rc : closed;
			im->sift = NULL;
			im->sift_state = NULL;
			json_arena_leave(arena);
		}
		fclose(f);
		if (!rc)
			return 0;
		return failed_as(im->bad_input || rc == -2 ? ERR_INPUT : ERR_IO);
	}
	if (fmt->flags & FORMAT_PARALLEL) {
		rc = import_parallel(im, fmt, f);
		fclose(f);
		return rc;
	}
	arena = json_arena_enter();
	rc = fmt->read(f, im->file, &im->opt->fopt, &sink);
	json_arena_leave(arena);
	fclose(f);
	if (!rc)
		return 0;
	return failed_as(im->bad_input || rc == -2 ? ERR_INPUT : ERR_IO);
}

int import_files(struct store *s, char *const *files, int nfiles,
		 const struct import_options *opt, struct import_stats *stats)
{
	struct importer im = { .s = s, .opt = opt, .stats = stats };
	struct merkle_source src;
	const char *pause = getenv("TRAILSCOPE_TEST_PAUSE_AFTER"); /* test only: test_pause() */
	int64_t size;
	int ret = -1;

	memset(stats, 0, sizeof(*stats));
	buf_init(&im.leaf);
	im.started = time_now();
	im.nthreads = import_threads();
	im.seal_on = !s->pg; /* PostgreSQL keeps the record as text: nothing to pack */
	if (pause && *pause)
		im.pause_after = strtoull(pause, NULL, 10);
	if (store_begin(s))
		return -1;
	size = store_size(s);
	if (size < 0 || !(im.out = store_append_open(s)))
		goto out;
	store_merkle_source(s, &src);
	if (merkle_builder_resume(&im.tree, &src, (uint64_t)size)) {
		error("%s: cannot read the Merkle tree frontier at size %lld", s->path, (long long)size);
		goto out;
	}
	im.next_seq = size + 1;
	for (int i = 0; i < nfiles; i++) {
		struct import_stats before = *stats;

		ret = import_one(&im, files[i]);
		if (ret)
			goto out;
		if (stats->added == before.added && stats->duplicates == before.duplicates &&
		    stats->not_events[SKIP_READ] > before.not_events[SKIP_READ]) {
			struct buf safe = BUF_INIT;

			buf_add_term_safe(&safe, im.file, strlen(im.file));
			warning("%s: no changes: its %llu read-only requests (get/list/watch, readOnly) "
				"are skipped; --include-reads imports them too", safe.buf,
				(unsigned long long)(stats->not_events[SKIP_READ] - before.not_events[SKIP_READ]));
			buf_release(&safe);
		}
	}
	if (stats->records && !stats->added && !stats->duplicates) {
		/* nothing of what was read is an event: fail, write nothing */
		stats->nothing = 1;
		ret = failed_as(ERR_INPUT);
		goto out;
	}
	ret = -1;
	stats->size = (uint64_t)(im.next_seq - 1);
	if (opt->signer && stats->size > 0) {
		unsigned char root[HASH_LEN];

		merkle_builder_root(&im.tree, root);
		if (store_sign_head(s, opt->signer, stats->size, root))
			goto out;
		stats->signed_head = 1;
	}
	store_append_close(im.out);
	im.out = NULL;
	if (store_commit(s))
		goto out;
	ret = 0;
out:
	progress(&im, 1);
	store_append_close(im.out);
	if (ret) {
		enum err_class why = error_class();

		store_rollback(s);
		ret = failed_as(why); /* the import's failure, not the rollback's */
	}
	buf_release(&im.leaf);
	return ret;
}
