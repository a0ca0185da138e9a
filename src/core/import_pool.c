/*
 * import_pool.c - parallel parsing for import. A reader thread cuts a
 * JSON-lines file into batches of whole lines; N parser threads turn each
 * batch into prepared events (strict parse, normalise, diff, canonicalise,
 * each thread with its own JSON arena); the writer (the calling thread)
 * takes the batches back strictly in file order. Everything that depends
 * on earlier events (seqs, duplicate detection, rapid toggles, the Merkle
 * tree) stays on the writer, so the store gets the same rows as with one
 * parser, and a bad record stops the import at the same record.
 *
 * The one exception is a guess: for a SQLite store a parser also seals
 * each event for the seq it would get if every line from the writer's
 * last event on were one event (struct pool_seal): the leaf with that
 * seq, its hash, the raw record packed against it. The writer takes that
 * work only for the seq it does assign, which is the same bytes; a wrong
 * guess (after a skipped record or a duplicate) is sealed again there.
 *
 * A format whose records depend on each other (Kubernetes) has its lines
 * sifted instead (format_sift): what a line settles alone (a bad record,
 * a skipped read) is settled by the parser threads, the other lines are
 * handed to the writer in order, with everything between them.
 *
 * Cost: one copy of the input into batch buffers and one scan of it for
 * line ends. Memory is bounded: a ring of POOL_SLOTS_PER_THREAD * N + 2
 * batches of about POOL_BATCH_BYTES of text each, with their prepared
 * events, which the next batch in the same slot reuses (no allocation per
 * event once the buffers have grown to the records' size).
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "trailscope/json_arena.h"
#include "trailscope/util.h"
#include "import_int.h"

#define POOL_BATCH_BYTES ((size_t)256 << 10)
#define POOL_READ_CHUNK ((size_t)64 << 10)
#define POOL_SLOTS_PER_THREAD 2
#define POOL_MAX_THREADS 16

enum slot_state { SLOT_FREE, SLOT_READ, SLOT_PARSING, SLOT_PARSED };

struct batch {
	enum slot_state state;
	uint64_t no;             /* the batch's place in the file, from 0 */
	struct buf text;         /* whole lines, each ending in '\n' but perhaps the file's last */
	long first_line;         /* the line number of text's first line */
	struct prepared *items;  /* the records' results in order: n in use, cap kept */
	size_t n, cap;
	uint64_t not_events[SKIP_NREASONS];
};

struct pool {
	pthread_mutex_t lock;
	pthread_cond_t to_read;  /* a slot was freed, or stop */
	pthread_cond_t to_parse; /* a batch was read, or reading ended */
	pthread_cond_t to_write; /* a batch was parsed, or reading ended */
	struct batch *slots;
	size_t nslots;
	uint64_t read_no;        /* batches read so far */
	uint64_t parse_no;       /* batches claimed by parsers so far */
	int read_done;           /* the reader has published its last batch */
	uint64_t stop_after;     /* a bad record in this batch stops the import */
	int stop;                /* the writer wants nothing more */
	int read_failed, read_errno;
	/* set before the threads start */
	const struct format_ops *fmt;
	FILE *f;
	const char *file;
	const struct format_options *fopt;
	int skip_invalid;
	struct pool_seal *seal;  /* guesses seqs for sealing, or NULL: don't seal */
};

static struct batch *slot_of(struct pool *pl, uint64_t no)
{
	return &pl->slots[no % pl->nslots];
}

/* ---- reading ---------------------------------------------------------- */

/* Reads whole lines into b->text (after the partial line left in carry by
 * the previous batch) until it holds POOL_BATCH_BYTES or the file ends;
 * what follows the last line end goes back to carry. Returns 1 at the end
 * of the file, -1 on a read error (errno set), else 0. */
static int read_batch(struct pool *pl, struct batch *b, struct buf *carry)
{
	size_t last_nl = SIZE_MAX;
	int ret = 0;

	buf_reset(&b->text);
	buf_add(&b->text, carry->buf, carry->len);
	if (carry->len) {
		const char *nl = memrchr(carry->buf, '\n', carry->len);

		if (nl)
			last_nl = (size_t)(nl - carry->buf);
	}
	buf_reset(carry);
	while (b->text.len < POOL_BATCH_BYTES || last_nl == SIZE_MAX) {
		size_t at = b->text.len, k;
		const char *nl;

		buf_grow(&b->text, POOL_READ_CHUNK);
		k = fread(b->text.buf + at, 1, POOL_READ_CHUNK, pl->f);
		b->text.len = at + k;
		b->text.buf[b->text.len] = '\0';
		if (k && (nl = memrchr(b->text.buf + at, '\n', k)))
			last_nl = (size_t)(nl - b->text.buf);
		if (k < POOL_READ_CHUNK) {
			if (ferror(pl->f)) {
				ret = -1;
				break; /* a partial line before a read error is dropped */
			}
			if (feof(pl->f))
				return 1; /* the file's last line may have no line end */
		}
	}
	/* keep whole lines only */
	if (last_nl == SIZE_MAX) {
		buf_reset(&b->text);
	} else {
		if (ret == 0)
			buf_add(carry, b->text.buf + last_nl + 1, b->text.len - last_nl - 1);
		buf_setlen(&b->text, last_nl + 1);
	}
	return ret;
}

static long count_lines(const struct buf *text)
{
	const char *p = text->buf, *end = text->buf + text->len;
	long n = 0;

	while (p < end && (p = memchr(p, '\n', (size_t)(end - p)))) {
		n++;
		p++;
	}
	return n;
}

static void *reader_main(void *arg)
{
	struct pool *pl = arg;
	struct buf carry = BUF_INIT;
	long line = 1;
	int end = 0;

	while (!end) {
		struct batch *b;
		uint64_t no;
		int rc, err = 0;

		pthread_mutex_lock(&pl->lock);
		while (!pl->stop && pl->read_no <= pl->stop_after &&
		       slot_of(pl, pl->read_no)->state != SLOT_FREE)
			pthread_cond_wait(&pl->to_read, &pl->lock);
		if (pl->stop || pl->read_no > pl->stop_after) {
			pthread_mutex_unlock(&pl->lock);
			break;
		}
		no = pl->read_no;
		b = slot_of(pl, no);
		pthread_mutex_unlock(&pl->lock);

		rc = read_batch(pl, b, &carry);
		if (rc < 0)
			err = errno;
		end = rc != 0;
		b->no = no;
		b->first_line = line;
		line += count_lines(&b->text);

		pthread_mutex_lock(&pl->lock);
		if (rc < 0) {
			pl->read_failed = 1;
			pl->read_errno = err;
		}
		if (b->text.len) {
			b->state = SLOT_READ;
			pl->read_no++;
			pthread_cond_signal(&pl->to_parse);
		}
		pthread_mutex_unlock(&pl->lock);
	}
	buf_release(&carry);
	pthread_mutex_lock(&pl->lock);
	pl->read_done = 1;
	pthread_cond_broadcast(&pl->to_parse);
	pthread_cond_signal(&pl->to_write);
	pthread_mutex_unlock(&pl->lock);
	return NULL;
}

/* ---- parsing ---------------------------------------------------------- */

struct parse_ctx {
	struct pool *pl;
	struct batch *b;
	struct raw_codec *codec; /* the thread's, when the pool seals */
	int64_t delta;           /* the seq guessed for line L: L + delta */
};

/* The batch's next result slot, cleared for reuse. */
static struct prepared *next_item(struct batch *b)
{
	if (b->n == b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 64;

		b->items = xrealloc(b->items, cap * sizeof(*b->items));
		memset(b->items + b->cap, 0, (cap - b->cap) * sizeof(*b->items));
		for (size_t i = b->cap; i < cap; i++)
			prepared_clear(&b->items[i]); /* empty buffers, never NULL */
		b->cap = cap;
	}
	prepared_clear(&b->items[b->n]);
	return &b->items[b->n++];
}

static int parse_emit(void *ctx, struct event *ev)
{
	struct parse_ctx *pc = ctx;
	struct prepared *p = next_item(pc->b);

	prepared_fill(p, ev);
	if (pc->codec && p->source_line > 0)
		prepared_seal(p, p->source_line + pc->delta, pc->codec);
	return 0;
}

static int parse_bad(void *ctx, long line, int col, long index, const char *why)
{
	struct parse_ctx *pc = ctx;

	prepared_set_bad(next_item(pc->b), line, col, index, why);
	return pc->pl->skip_invalid ? 0 : -1;
}

static void parse_skip(void *ctx, enum skip_reason reason)
{
	struct parse_ctx *pc = ctx;

	pc->b->not_events[reason]++;
}

/* Parses every line of b (sealing its events with codec, when not NULL);
 * returns -1 when a bad record stopped it. */
static int parse_batch(struct pool *pl, struct batch *b, struct raw_codec *codec)
{
	struct parse_ctx pc = { pl, b, codec, 0 };
	struct record_sink sink = { parse_emit, parse_bad, NULL, &pc, parse_skip };
	char *p = b->text.buf, *end = b->text.buf + b->text.len;
	long line = b->first_line;

	b->n = 0;
	memset(b->not_events, 0, sizeof(b->not_events));
	if (codec)
		pc.delta = atomic_load_explicit(&pl->seal->delta, memory_order_relaxed);
	while (p < end) {
		char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);

		p[n] = '\0';
		if (pl->fmt->read_line) {
			if (pl->fmt->read_line(p, n, line, pl->file, pl->fopt, &sink))
				return -1;
		} else {
			json_t *parsed = NULL;
			int rc = pl->fmt->sift->line(p, n, line, pl->file, pl->fopt, &sink, &parsed);

			if (rc < 0)
				return -1;
			if (rc > 0) { /* for the ordered pass, as line() left it */
				struct prepared *item = next_item(b);

				item->pass = 1;
				item->line = line;
				item->parsed = parsed;
				buf_add(&item->strs, p, strnlen(p, n));
			}
		}
		line++;
		p += n + 1;
	}
	return 0;
}

static void *parser_main(void *arg)
{
	struct pool *pl = arg;
	/* this thread's JSON values live and die within each record */
	struct json_arena *arena = json_arena_enter();
	struct raw_codec *codec = pl->seal ? raw_codec_new() : NULL;

	pthread_mutex_lock(&pl->lock);
	for (;;) {
		struct batch *b;
		int wanted, stopped = 0;

		while (!pl->stop && pl->parse_no == pl->read_no && !pl->read_done)
			pthread_cond_wait(&pl->to_parse, &pl->lock);
		if (pl->stop || pl->parse_no == pl->read_no)
			break;
		b = slot_of(pl, pl->parse_no++);
		b->state = SLOT_PARSING;
		wanted = b->no <= pl->stop_after;
		pthread_mutex_unlock(&pl->lock);

		if (wanted)
			stopped = parse_batch(pl, b, codec) != 0;
		else {
			b->n = 0; /* after a record that stops the import */
			memset(b->not_events, 0, sizeof(b->not_events));
		}

		pthread_mutex_lock(&pl->lock);
		b->state = SLOT_PARSED;
		if (stopped && b->no < pl->stop_after) {
			pl->stop_after = b->no;
			pthread_cond_signal(&pl->to_read);
		}
		pthread_cond_signal(&pl->to_write);
	}
	pthread_mutex_unlock(&pl->lock);
	raw_codec_free(codec);
	merkle_thread_release(); /* prepared_seal hashed on this thread */
	json_arena_leave(arena);
	return NULL;
}

/* ---- the writer's side ------------------------------------------------- */

int import_threads(void)
{
	const char *env = getenv("TRAILSCOPE_IMPORT_THREADS");
	long cores;

	if (env && *env) {
		char *end;
		long n = strtol(env, &end, 10);

		if (!*end && n >= 1 && n <= POOL_MAX_THREADS)
			return (int)n;
		warning("TRAILSCOPE_IMPORT_THREADS must be a number from 1 to %d; using the default",
			POOL_MAX_THREADS);
	}
	cores = sysconf(_SC_NPROCESSORS_ONLN);
	return cores < 1 ? 1 : cores > 4 ? 4 : (int)cores;
}

int import_pool_run(const struct format_ops *fmt, FILE *f, const char *file,
		    const struct format_options *fopt, int nthreads, int skip_invalid,
		    struct pool_seal *seal, import_consume_fn *consume, void *ctx,
		    uint64_t not_events[SKIP_NREASONS])
{
	struct pool pl = {
		.stop_after = UINT64_MAX, .fmt = fmt, .f = f, .file = file, .fopt = fopt,
		.skip_invalid = skip_invalid, .seal = seal,
	};
	pthread_t reader, parsers[POOL_MAX_THREADS];
	uint64_t no = 0;
	int nparsers = nthreads < 1 ? 1 : nthreads > POOL_MAX_THREADS ? POOL_MAX_THREADS : nthreads;
	int ret = 0;

	pl.nslots = (size_t)nparsers * POOL_SLOTS_PER_THREAD + 2;
	pl.slots = xcalloc(pl.nslots, sizeof(*pl.slots));
	for (size_t i = 0; i < pl.nslots; i++)
		buf_init(&pl.slots[i].text);
	pthread_mutex_init(&pl.lock, NULL);
	pthread_cond_init(&pl.to_read, NULL);
	pthread_cond_init(&pl.to_parse, NULL);
	pthread_cond_init(&pl.to_write, NULL);
	if (pthread_create(&reader, NULL, reader_main, &pl))
		die("cannot start the import reader thread");
	for (int i = 0; i < nparsers; i++)
		if (pthread_create(&parsers[i], NULL, parser_main, &pl))
			die("cannot start an import parser thread");

	pthread_mutex_lock(&pl.lock);
	for (;;) {
		struct batch *b = slot_of(&pl, no);

		while (!(b->state == SLOT_PARSED && b->no == no) && !(pl.read_done && no == pl.read_no))
			pthread_cond_wait(&pl.to_write, &pl.lock);
		if (!(b->state == SLOT_PARSED && b->no == no))
			break; /* every batch consumed */
		pthread_mutex_unlock(&pl.lock);

		for (size_t i = 0; i < b->n && !ret; i++)
			if (consume(ctx, &b->items[i]))
				ret = -1;
		for (int r = 0; r < SKIP_NREASONS; r++)
			not_events[r] += b->not_events[r];

		pthread_mutex_lock(&pl.lock);
		b->state = SLOT_FREE;
		pthread_cond_signal(&pl.to_read);
		no++;
		if (ret)
			break;
	}
	pl.stop = 1;
	pthread_cond_broadcast(&pl.to_read);
	pthread_cond_broadcast(&pl.to_parse);
	pthread_mutex_unlock(&pl.lock);
	pthread_join(reader, NULL);
	for (int i = 0; i < nparsers; i++)
		pthread_join(parsers[i], NULL);

	if (!ret && pl.read_failed) {
		errno = pl.read_errno;
		ret = format_read_failed(file);
	}
	for (size_t i = 0; i < pl.nslots; i++) {
		for (size_t k = 0; k < pl.slots[i].cap; k++)
			prepared_release(&pl.slots[i].items[k]);
		free(pl.slots[i].items);
		buf_release(&pl.slots[i].text);
	}
	free(pl.slots);
	pthread_mutex_destroy(&pl.lock);
	pthread_cond_destroy(&pl.to_read);
	pthread_cond_destroy(&pl.to_parse);
	pthread_cond_destroy(&pl.to_write);
	return ret;
}
