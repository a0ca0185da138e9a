/*
 * import_int.h - what the import pipeline's files share (private to
 * src/core/import*.c): an event made ready for the store by a parsing
 * thread (struct prepared, import.c), and the pool of parser threads that
 * makes them from a JSON-lines file in parallel (import_pool.c).
 */
#ifndef TRAILSCOPE_IMPORT_INT_H
#define TRAILSCOPE_IMPORT_INT_H

#include <stdatomic.h>
#include <stdint.h>

#include "trailscope/buf.h"
#include "trailscope/event.h"
#include "trailscope/formats.h"
#include "trailscope/leaf.h"
#include "trailscope/merkle.h"
#include "trailscope/raw_pack.h"
#include "trailscope/store_append.h"
#include "trailscope/util.h"

/* An event made ready for the store by any thread: everything but its
 * seq, which only the writer can assign. Flat (no jansson values), so the
 * thread that prepared it frees the event's many small allocations itself.
 * Its buffers are kept from one use to the next (prepared_clear), so a
 * parser that reuses its prepared events allocates nothing per event once
 * they have grown to the records' size. */
struct prepared {
	/* the event's strings, NUL-terminated, in strs */
	const char *event_id, *actor_id, *actor_name, *actor_type, *action, *target_key,
		*target_kind, *environment, *source_file, *reason, *ticket;
	long source_line;
	struct buf strs;
	size_t raw, raw_len;       /* the record verbatim: offset into strs */
	struct store_change_row *changes; /* strings in strs and vals */
	size_t nchanges, changes_cap;
	struct buf summary;
	struct buf leaf;           /* the leaf built with seq 0 */
	struct leaf_seq_at seq_at; /* where its seq lies */
	/* sealed by a parser (prepared_seal) for the seq it guessed, or
	 * sealed_seq 0: the leaf with that seq, its hash, and the raw record
	 * packed against it (raw_pack.h) */
	int64_t sealed_seq;
	struct buf sealed, packed;
	unsigned char sealed_hash[HASH_LEN];
	struct buf vals;           /* each change's before and after as canonical JSON, NUL-separated */
	unsigned risk;
	enum outcome outcome;      /* for entries.outcome */
	int toggle;                /* flips a switch: check for rapid toggling */
	usec_t t;                  /* the event time, for the rapid-toggle window */
	char ts[32];
	/* a line for the format's ordered pass (format_sift) instead of an
	 * event: its text in strs, its number in line, the record as the
	 * format parsed it or NULL */
	int pass;
	json_t *parsed;
	/* a bad record instead of an event */
	int bad;
	long line, index;
	int col;
	struct buf why;
};

/* Fills p (cleared or zeroed) from ev: diffs, summarises and
 * canonicalises it, taking ownership of ev and freeing it. Pure: no store
 * access, so any thread may run it. */
void prepared_fill(struct prepared *p, struct event *ev);
/* Seals p for seq on the calling thread: sets the seq in a copy of its
 * leaf, hashes it and packs the raw record against it with c. The writer
 * uses the result only when it gives p that very seq (the leaf is then
 * byte for byte the one it would build), so a wrong guess costs only the
 * work; a failure leaves p unsealed. */
void prepared_seal(struct prepared *p, int64_t seq, struct raw_codec *c);
/* Makes p (cleared or zeroed) a bad record at line:col (index as the
 * record_sink's bad() gives it) with its reason. */
void prepared_set_bad(struct prepared *p, long line, int col, long index, const char *why);
/* Makes p ready for reuse, keeping its buffers unless one grew large. */
void prepared_clear(struct prepared *p);
/* Frees what p holds (not p itself). */
void prepared_release(struct prepared *p);

/*
 * The parsers' guess at seqs, so that they can seal the events they make
 * (prepared_seal) off the writer's thread: the writer stores, after each
 * event it appends, its seq less its source line; a parser guesses that
 * the lines of the batch it takes keep that difference (one event a line,
 * none dropped), which holds for JSON lines until a record is skipped or
 * a duplicate dropped, and then again from the writer's next event.
 */
struct pool_seal {
	_Atomic int_least64_t delta;
};

/* Called by the writer for each record's result, in file order: returns
 * 0 to go on, or -1 to stop the import. p stays the pool's. */
typedef int import_consume_fn(void *ctx, struct prepared *p);

/*
 * Reads f, a file of fmt (which has read_line, or a sift whose lines()
 * said yes: lines it hands on are results with pass set), with nthreads parser
 * threads (>= 1) and one reader thread, and hands every record's result
 * to consume on the calling thread in file order. Memory is bounded: at
 * most a few batches of POOL_BATCH_BYTES of text and their prepared
 * events are in flight. Skipped records are added to not_events[] as
 * their batch is consumed. With seal, the parsers also seal each event for
 * the seq seal's delta guesses (each parser with a raw_codec of its own).
 * Returns 0; -1 when consume stopped the import
 * or reading failed (reported); -2 when the input stream itself was bad
 * (a damaged gzip stream: reported).
 */
int import_pool_run(const struct format_ops *fmt, FILE *f, const char *file,
		    const struct format_options *fopt, int nthreads, int skip_invalid,
		    struct pool_seal *seal, import_consume_fn *consume, void *ctx,
		    uint64_t not_events[SKIP_NREASONS]);

/* The parser threads an import uses: TRAILSCOPE_IMPORT_THREADS when set
 * (1-16), else the online cores, at most 4. */
int import_threads(void);

#endif
