/*
 * bundle_verify_packed.c - the event pass of bundle verify over a packed
 * bundle (bundle_int.h, docs/BUNDLE.md "Layout"): line K of
 * data/leaves.jsonl, data/proofs.jsonl and data/events.jsonl are one
 * event's leaf, inclusion proof and record.
 *
 * Cost: the three files are mapped and split into lines once; each line
 * is parsed once, each proof verified with O(log n) hashes and each
 * record compared with its rendering, on every core (workpool.h), a
 * window of batches at a time; the caller's thread streams the two CSVs
 * past their renderings. Memory is the line offsets and a window's
 * renderings (the mapped files are the page cache's).
 */
#include <stdlib.h>
#include <string.h>

#include "trailscope/diff.h"
#include "trailscope/jcs.h"
#include "trailscope/json_member.h"
#include "trailscope/json_arena.h"
#include "trailscope/leaf.h"
#include "trailscope/util.h"
#include "trailscope/workpool.h"
#include "bundle_int.h"

#define EVENT_BATCH 64        /* events per index of a job */
#define WINDOW_BATCHES 16     /* batches per job */

#define LEAVES BUNDLE_LEAVES_FILE
#define PROOFS BUNDLE_PROOFS_FILE
#define EVENTS "data/events.jsonl"

enum { OUT_EVENTS_CSV, OUT_CHANGES_CSV, OUT__COUNT };
static const char *const out_files[OUT__COUNT] = { "data/events.csv", "data/changes.csv" };

struct batch {
	struct bundle_report faults;   /* its events' faults, in line order */
	struct buf out[OUT__COUNT];    /* its parsed leaves' CSV renderings */
};

struct pass {
	struct bundle_lines leaves, proofs, events;
	int have_proofs, have_events;  /* the file could be read */
	const struct checkpoint *cp;
	int csv_layout;
	struct bundle_item *items;     /* one per leaf line */
	size_t first;                  /* the window's first batch */
	struct batch *b;
};

/*
 * The fast way to check line k's record: its "raw" member read by a
 * scanner, then the record rendered from the leaf with it compared byte
 * for byte with the line (which then is exactly that canonical record,
 * seq included). Returns 1 when it matches and the raw record hashes to
 * the leaf's raw_sha256 (the leaf then carries it), 0 when the line needs
 * the full check.
 */
static int record_matches(const char *s, size_t len, json_t *leaf, const char *want, struct buf *line)
{
	struct buf raw = BUF_INIT;
	int ok = 0;

	if (want) {
		if (json_top_string(s, len, "raw", &raw) || !leaf_raw_matches(want, raw.buf, raw.len) ||
		    bundle_record_add_raw(leaf, raw.buf, raw.len)) {
			buf_release(&raw);
			return 0;
		}
	}
	bundle_record_line(leaf, NULL, line);
	ok = line->len == len + 1 && !memcmp(line->buf, s, len);
	if (!ok && want)
		json_object_del(leaf, "raw"); /* the full check sets the record's own */
	buf_release(&raw);
	return ok;
}

/* Line k's record: its seq is the leaf's, its raw record (a version 3
 * leaf's) hashes to the leaf's raw_sha256 and joins the leaf, and the
 * line is the leaf's canonical record. */
static void check_record(struct pass *ps, size_t k, json_t *leaf, int64_t seq, struct bundle_report *f)
{
	const char *want = json_string_value(json_object_get(leaf, "raw_sha256"));
	struct buf err = BUF_INIT, line = BUF_INIT, lpath = BUF_INIT;
	const json_t *raw;
	json_t *rec;
	const char *s;
	size_t len;
	long long rs;
	int l, c;

	if (!ps->have_events)
		goto out;
	if (k >= ps->events.n) {
		bundle_report_faultf(f, BUNDLE_FAULT_RECORD, EVENTS, 0, "no record for %s:%zu (seq %lld): the file "
				     "has %zu lines", LEAVES, k + 1, (long long)seq, ps->events.n);
		goto out;
	}
	bundle_lines_get(&ps->events, k, &s, &len);
	if (record_matches(s, len, leaf, want, &line))
		goto out;
	buf_reset(&line);
	buf_addf(&lpath, "%s:%zu", LEAVES, k + 1);
	rec = json_parse_strict(s, len, &l, &c, &err);
	if (!json_is_object(rec)) {
		bundle_report_faultf(f, BUNDLE_FAULT_RECORD, EVENTS, (long)k + 1, "col %d: %s", rec ? 1 : c,
				     rec ? "not a JSON object" : err.buf);
		json_decref(rec);
		goto out;
	}
	if (json_whole_number(json_object_get(rec, "seq"), &rs) || rs != seq) {
		bundle_report_faultf(f, BUNDLE_FAULT_RECORD, EVENTS, (long)k + 1, "not the record of %s (seq %lld): "
				     "records dropped, repeated or out of order", lpath.buf, (long long)seq);
		json_decref(rec);
		goto out;
	}
	raw = json_object_get(rec, "raw");
	if (want) {
		if (!json_is_string(raw)) {
			bundle_report_faultf(f, BUNDLE_FAULT_RECORD, EVENTS, (long)k + 1, "no \"raw\" string: %s names "
					     "its raw record by raw_sha256", lpath.buf);
		} else {
			if (!leaf_raw_matches(want, json_string_value(raw), json_string_length(raw)))
				bundle_report_faultf(f, BUNDLE_FAULT_LEAF, EVENTS, (long)k + 1, "its \"raw\" is not the raw "
						     "record whose SHA-256 is the raw_sha256 of %s: the raw record was "
						     "altered", lpath.buf);
			bundle_record_add_raw(leaf, json_string_value(raw), json_string_length(raw));
		}
	}
	bundle_record_line(leaf, NULL, &line);
	if (line.len != len + 1 || memcmp(line.buf, s, len))
		bundle_explain_record(rec, leaf, lpath.buf, (long)k + 1, f);
	json_decref(rec);
out:
	buf_release(&err);
	buf_release(&line);
	buf_release(&lpath);
}

/* Line k's proof: the proof of the leaf's seq, proving its bytes.
 * Returns 1 when it does. */
static int check_proof(struct pass *ps, size_t k, const struct bundle_item *it, struct bundle_report *f)
{
	struct buf why = BUF_INIT;
	struct merkle_proof p = { 0 };
	const char *s;
	size_t len;
	int64_t seq;
	int proven = 0;

	if (!ps->have_proofs)
		return 0;
	if (k >= ps->proofs.n) {
		bundle_report_faultf(f, BUNDLE_FAULT_MISSING, PROOFS, 0, "no proof for %s:%zu (seq %lld): the file "
				     "has %zu lines", LEAVES, k + 1, (long long)it->seq, ps->proofs.n);
		return 0;
	}
	bundle_lines_get(&ps->proofs, k, &s, &len);
	if (bundle_proof_line_parse(s, len, &seq, &p, &why)) {
		bundle_report_faultf(f, BUNDLE_FAULT_PROOF, PROOFS, (long)k + 1, "%s", why.buf);
	} else if (it->seq && seq != it->seq) {
		bundle_report_faultf(f, BUNDLE_FAULT_PROOF, PROOFS, (long)k + 1, "the proof of seq %lld, not of %s:%zu "
				     "(seq %lld): lines dropped, repeated or out of order", (long long)seq, LEAVES,
				     k + 1, (long long)it->seq);
	} else if (ps->cp && it->hashed) {
		if ((uint64_t)seq - 1 >= ps->cp->size)
			bundle_report_faultf(f, BUNDLE_FAULT_PROOF, PROOFS, (long)k + 1, "index %lld is beyond the "
					     "checkpoint's size %llu", (long long)seq - 1,
					     (unsigned long long)ps->cp->size);
		else if (merkle_verify_inclusion((uint64_t)seq - 1, ps->cp->size, it->hash, &p, ps->cp->root))
			bundle_report_faultf(f, BUNDLE_FAULT_PROOF, PROOFS, (long)k + 1, "does not prove %s:%zu (its "
					     "bytes) at index %lld in the tree of size %llu the checkpoint signs: the "
					     "leaf or the proof was altered", LEAVES, k + 1, (long long)seq - 1,
					     (unsigned long long)ps->cp->size);
		else
			proven = 1;
	}
	merkle_proof_release(&p);
	buf_release(&why);
	return proven;
}

static void check_batch(void *ctx, size_t index)
{
	struct pass *ps = ctx;
	struct batch *b = &ps->b[index];
	struct json_arena *arena = json_arena_enter();
	struct buf err = BUF_INIT;
	size_t from = (ps->first + index) * EVENT_BATCH;

	for (size_t k = from; k < from + EVENT_BATCH && k < ps->leaves.n; k++) {
		struct bundle_item *it = &ps->items[k];
		struct change_list cl = CHANGE_LIST_INIT;
		size_t nf = b->faults.nfaults, len;
		json_t *j, *changes;
		const char *s;
		long long seq;
		int l, c, proven;

		bundle_lines_get(&ps->leaves, k, &s, &len);
		merkle_leaf_hash(s, len, it->hash);
		it->hashed = 1;
		buf_reset(&err);
		j = json_parse_strict(s, len, &l, &c, &err);
		if (!json_is_object(j)) {
			bundle_report_faultf(&b->faults, BUNDLE_FAULT_LEAF, LEAVES, (long)k + 1, "not a JSON object%s%s",
					     j ? "" : ": ", j ? "" : err.buf);
			json_decref(j);
			j = NULL;
		} else if (json_whole_number(json_object_get(j, "seq"), &seq) || seq < 1) {
			bundle_report_faultf(&b->faults, BUNDLE_FAULT_LEAF, LEAVES, (long)k + 1,
					     "no \"seq\" member that is a position in the log");
		} else {
			it->seq = seq;
		}
		proven = check_proof(ps, k, it, &b->faults);
		if (j && it->seq)
			check_record(ps, k, j, it->seq, &b->faults);
		it->leaf = it->proof = it->record = 1;
		/* counted proven: its leaf, proof and record all check */
		it->ok = proven && j && it->seq && ps->have_events && b->faults.nfaults == nf;
		if (!j)
			continue;
		changes = bundle_leaf_diff(j, &cl);
		bundle_events_csv_row_of(j, &cl, &b->out[OUT_EVENTS_CSV], ps->csv_layout);
		bundle_changes_csv_rows(j, changes, &b->out[OUT_CHANGES_CSV]);
		change_list_release(&cl);
		json_decref(changes);
		json_decref(j);
	}
	buf_release(&err);
	json_arena_leave(arena);
}

/* Opens a line file; one that cannot be read is a MISSING fault (the
 * required files' check names it) and is left out. */
static int open_lines(int dfd, const char *file, struct bundle_lines *l, struct bundle_report *r)
{
	struct buf why = BUF_INIT;
	int ok = bundle_lines_open(dfd, file, BUNDLE_MAX_MAPPED, l, &why) == 0;

	if (!ok)
		bundle_report_faultf(r, BUNDLE_FAULT_MISSING, file, 0, "cannot read: %s", why.buf);
	buf_release(&why);
	return ok;
}

/* After the pass: every leaf's seq after the one before, no line left
 * over in the proofs or the records, and each file's last line ended. */
static void check_lines(struct pass *ps, struct bundle_report *r)
{
	int64_t prev = 0;
	size_t prev_line = 0;

	for (size_t k = 0; k < ps->leaves.n; k++) {
		struct bundle_item *it = &ps->items[k];

		if (!it->seq)
			continue;
		if (it->seq <= prev) {
			bundle_report_faultf(r, BUNDLE_FAULT_LEAF, LEAVES, (long)k + 1, "seq %lld is not after seq %lld "
					     "of line %zu: leaves repeated or out of order", (long long)it->seq,
					     (long long)prev, prev_line);
			it->ok = 0;
		} else {
			prev = it->seq;
			prev_line = k + 1;
		}
	}
	if (ps->have_proofs && ps->proofs.n > ps->leaves.n)
		bundle_report_faultf(r, BUNDLE_FAULT_PROOF, PROOFS, (long)ps->leaves.n + 1, "%zu proof line%s after "
				     "the last leaf of %s", ps->proofs.n - ps->leaves.n,
				     ps->proofs.n - ps->leaves.n == 1 ? "" : "s", LEAVES);
	if (ps->have_events && ps->events.n > ps->leaves.n)
		bundle_report_faultf(r, BUNDLE_FAULT_RECORD, EVENTS, (long)ps->leaves.n + 1, "%zu record%s after the "
				     "last leaf of %s", ps->events.n - ps->leaves.n,
				     ps->events.n - ps->leaves.n == 1 ? "" : "s", LEAVES);
	if (ps->leaves.unterminated)
		bundle_report_faultf(r, BUNDLE_FAULT_LEAF, LEAVES, (long)ps->leaves.n, "the last line has no LF");
	if (ps->have_proofs && ps->proofs.unterminated)
		bundle_report_faultf(r, BUNDLE_FAULT_PROOF, PROOFS, (long)ps->proofs.n, "the last line has no LF");
	if (ps->have_events && ps->events.unterminated)
		bundle_report_faultf(r, BUNDLE_FAULT_RECORD, EVENTS, (long)ps->events.n, "the last line has no LF");
}

void bundle_check_packed(int dfd, const struct checkpoint *cp, struct bundle_item **items, size_t *nitems, struct bundle_report *r)
{
	struct pass ps;
	struct bundle_cmp *cmp = xcalloc(OUT__COUNT, sizeof(*cmp));
	struct bundle_report late = { 0 };   /* the CSVs' faults, after the events' */
	struct workpool *pool;
	size_t nbatches;

	memset(&ps, 0, sizeof(ps));
	*items = NULL;
	*nitems = 0;
	if (!open_lines(dfd, LEAVES, &ps.leaves, r)) {
		free(cmp);
		return;
	}
	ps.have_proofs = open_lines(dfd, PROOFS, &ps.proofs, r);
	ps.have_events = open_lines(dfd, EVENTS, &ps.events, r);
	ps.cp = cp;
	ps.csv_layout = bundle_csv_layout(dfd);
	ps.items = xcalloc(ps.leaves.n + 1, sizeof(*ps.items));
	ps.b = xcalloc(WINDOW_BATCHES, sizeof(*ps.b));
	for (size_t b = 0; b < WINDOW_BATCHES; b++)
		for (int k = 0; k < OUT__COUNT; k++)
			buf_init(&ps.b[b].out[k]);
	bundle_cmp_open_all(cmp, OUT__COUNT, dfd, out_files, &late, OUT_EVENTS_CSV, OUT_CHANGES_CSV, ps.csv_layout);
	nbatches = (ps.leaves.n + EVENT_BATCH - 1) / EVENT_BATCH;
	pool = workpool_new(0);
	for (ps.first = 0; ps.first < nbatches; ps.first += WINDOW_BATCHES) {
		size_t nb = nbatches - ps.first < WINDOW_BATCHES ? nbatches - ps.first : WINDOW_BATCHES;

		workpool_start(pool, check_batch, &ps, nb);
		workpool_wait(pool);
		for (size_t b = 0; b < nb; b++) {
			bundle_take_faults(r, &ps.b[b].faults);
			for (int k = 0; k < OUT__COUNT; k++) {
				bundle_cmp_feed(&cmp[k], ps.b[b].out[k].buf, ps.b[b].out[k].len);
				buf_reset(&ps.b[b].out[k]);
			}
		}
		/* memory: the lines of the windows done leave it */
		bundle_lines_done(&ps.leaves, (ps.first + nb) * EVENT_BATCH);
		if (ps.have_proofs)
			bundle_lines_done(&ps.proofs, (ps.first + nb) * EVENT_BATCH);
		if (ps.have_events)
			bundle_lines_done(&ps.events, (ps.first + nb) * EVENT_BATCH);
	}
	workpool_free(pool);
	if (!ps.leaves.n)
		bundle_report_faultf(r, BUNDLE_FAULT_MISSING, LEAVES, 0, "the bundle holds no events");
	check_lines(&ps, r);
	for (int k = 0; k < OUT__COUNT; k++) {
		bundle_cmp_finish(&cmp[k]);
		if (cmp[k].fd < 0)
			bundle_late_faults(r, &late, out_files[k]);
		else if (cmp[k].differs)
			bundle_report_faultf(r, BUNDLE_FAULT_RECORD, out_files[k], cmp[k].line,
					     "differs from the rendering of the leaves in %s", LEAVES);
		bundle_cmp_close(&cmp[k]);
	}
	for (size_t b = 0; b < WINDOW_BATCHES; b++)
		for (int k = 0; k < OUT__COUNT; k++)
			buf_release(&ps.b[b].out[k]);
	*items = ps.items;
	*nitems = ps.leaves.n;
	bundle_report_release(&late);
	bundle_lines_release(&ps.leaves);
	bundle_lines_release(&ps.proofs);
	bundle_lines_release(&ps.events);
	free(ps.b);
	free(cmp);
}
