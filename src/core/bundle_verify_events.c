/*
 * bundle_verify_events.c - the event pass of bundle verify (bundle_int.h):
 * each event's leaf and inclusion proof, and data/events.jsonl,
 * data/events.csv and data/changes.csv against the leaves' renderings.
 *
 * Cost: each leaf and proof file is read and parsed once, the proof
 * verified with O(log n) hashes and the three renderings made, on every
 * core (workpool.h), a window of batches at a time; the caller's thread
 * compares the renderings with the three files as it streams them, so
 * memory is a window of events, not the files. Only when events.jsonl
 * differs is it read again, line by line, to say which record is wrong.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "trailscope/json_arena.h"
#include "trailscope/jcs.h"
#include "trailscope/leaf.h"
#include "trailscope/tlogproof.h"
#include "trailscope/util.h"
#include "trailscope/workpool.h"
#include "bundle_int.h"

#define PROOF_MAX (1u << 20)
#define EVENT_BATCH 64        /* events per index of a job */
#define WINDOW_BATCHES 16     /* batches per job */

enum { OUT_JSONL, OUT_EVENTS_CSV, OUT_CHANGES_CSV, OUT__COUNT };
static const char *const out_files[OUT__COUNT] = { "data/events.jsonl", "data/events.csv", "data/changes.csv" };

/* The leaf of seq, parsed (NULL when it cannot be read or is not a JSON
 * object: a fault when report). bytes gets its bytes. */
static json_t *load_leaf(struct bag_dircache *dc, int dfd, int64_t seq, struct buf *bytes,
			 struct bundle_report *r, int report)
{
	struct buf path = BUF_INIT, err = BUF_INIT;
	json_t *j = NULL;
	int l, c;

	buf_addf(&path, "data/entries/%lld.leaf", (long long)seq);
	buf_reset(bytes);
	if (bag_read_cached(dc, dfd, path.buf, BUNDLE_MAX_LEAF, bytes, &err) == 0) {
		buf_reset(&err);
		j = json_parse_strict(bytes->buf, bytes->len, &l, &c, &err);
		if (!j || !json_is_object(j)) {
			if (report)
				bundle_report_faultf(r, BUNDLE_FAULT_LEAF, path.buf, j ? 1 : l, "not a JSON object%s%s",
						     j ? "" : ": ", j ? "" : err.buf);
			json_decref(j);
			j = NULL;
		}
	} else {
		buf_reset(bytes);
		if (report)
			bundle_report_faultf(r, BUNDLE_FAULT_MISSING, path.buf, 0, "cannot read: %s", err.buf);
	}
	buf_release(&path);
	buf_release(&err);
	return j;
}

/*
 * A version 3 leaf (raw_sha256 a string) commits to data/entries/SEQ.raw
 * by its SHA-256; earlier leaves hold their raw record and have no such
 * file. When report, a missing, unexpected or altered file is a fault.
 * The record read (even an altered one) is set on the parsed leaf as
 * "raw", as events.jsonl renders it.
 */
static void check_raw(struct bag_dircache *dc, int dfd, const struct bundle_item *it, json_t *leaf,
		      struct bundle_report *r, int report)
{
	const char *want = json_string_value(json_object_get(leaf, "raw_sha256"));
	struct buf path = BUF_INIT, raw = BUF_INIT, err = BUF_INIT;

	buf_addf(&path, "data/entries/%lld.raw", (long long)it->seq);
	if (!want) {
		if (it->raw && report)
			bundle_report_faultf(r, BUNDLE_FAULT_BAG, path.buf, 0, "unexpected file: data/entries/%lld.leaf "
					     "holds its raw record itself (a leaf before version 3)", (long long)it->seq);
	} else if (!it->raw) {
		if (report)
			bundle_report_faultf(r, BUNDLE_FAULT_MISSING, path.buf, 0, "no raw record for "
					     "data/entries/%lld.leaf, whose raw_sha256 names one", (long long)it->seq);
	} else if (bag_read_cached(dc, dfd, path.buf, BUNDLE_MAX_LEAF, &raw, &err)) {
		if (report)
			bundle_report_faultf(r, BUNDLE_FAULT_MISSING, path.buf, 0, "cannot read: %s", err.buf);
	} else {
		if (report && !leaf_raw_matches(want, raw.buf, raw.len))
			bundle_report_faultf(r, BUNDLE_FAULT_LEAF, path.buf, 0, "its SHA-256 is not the raw_sha256 of "
					     "data/entries/%lld.leaf: the raw record was altered", (long long)it->seq);
		bundle_record_add_raw(leaf, raw.buf, raw.len);
	}
	buf_release(&path);
	buf_release(&raw);
	buf_release(&err);
}

/* The per-event files of one event (the leaf, its proof) against the
 * checkpoint. Returns the parsed leaf (NULL when unusable), to render. */
static json_t *check_event(struct bag_dircache dc[2], int dfd, struct bundle_item *it, const struct buf *cp_bytes,
			   const struct checkpoint *cp, struct bundle_report *r)
{
	struct buf leaf = BUF_INIT, text = BUF_INIT, path = BUF_INIT, lpath = BUF_INIT, err = BUF_INIT;
	struct tlog_proof p;
	json_t *j;
	long line;
	size_t nf = r->nfaults;

	buf_addf(&lpath, "data/entries/%lld.leaf", (long long)it->seq);
	buf_addf(&path, "data/proofs/%lld.tlog-proof", (long long)it->seq);
	j = load_leaf(&dc[0], dfd, it->seq, &leaf, r, 1);
	if (leaf.len) {
		merkle_leaf_hash(leaf.buf, leaf.len, it->hash);
		it->hashed = 1;
	}
	if (j) {
		const json_t *s = json_object_get(j, "seq");

		if (!json_is_number(s) || json_number_value(s) != (double)it->seq)
			bundle_report_faultf(r, BUNDLE_FAULT_LEAF, lpath.buf, 1,
					     "its \"seq\" member is not %lld (a leaf moved or renamed)", (long long)it->seq);
		check_raw(&dc[0], dfd, it, j, r, 1);
	}
	if (bag_read_cached(&dc[1], dfd, path.buf, PROOF_MAX, &text, &err)) {
		bundle_report_faultf(r, BUNDLE_FAULT_MISSING, path.buf, 0, "cannot read: %s", err.buf);
		goto out;
	}
	buf_reset(&err);
	if (tlog_proof_parse(text.buf, text.len, &p, &line, &err)) {
		bundle_report_faultf(r, BUNDLE_FAULT_PROOF, path.buf, line, "%s", err.buf);
		goto out;
	}
	if (p.index != (uint64_t)it->seq - 1)
		bundle_report_faultf(r, BUNDLE_FAULT_PROOF, path.buf, p.has_extra ? 3 : 2,
				     "index %llu is not the leaf's position %lld (seq %lld - 1)",
				     (unsigned long long)p.index, (long long)it->seq - 1, (long long)it->seq);
	if (p.checkpoint.len != cp_bytes->len || memcmp(p.checkpoint.buf, cp_bytes->buf, cp_bytes->len))
		bundle_report_faultf(r, BUNDLE_FAULT_PROOF, path.buf, (long)(p.path.n + (p.has_extra ? 3 : 2) + 2),
				     "its checkpoint is not data/checkpoint byte for byte");
	if (cp && leaf.len) {
		if (p.index >= cp->size)
			bundle_report_faultf(r, BUNDLE_FAULT_PROOF, path.buf, p.has_extra ? 3 : 2,
					     "index %llu is beyond the checkpoint's size %llu",
					     (unsigned long long)p.index, (unsigned long long)cp->size);
		else if (merkle_verify_inclusion(p.index, cp->size, it->hash, &p.path, cp->root))
			bundle_report_faultf(r, BUNDLE_FAULT_PROOF, path.buf, 0,
					     "does not prove %s (its bytes) at index %llu in the tree of size %llu the "
					     "checkpoint signs: the leaf or the proof was altered", lpath.buf,
					     (unsigned long long)p.index, (unsigned long long)cp->size);
	}
	tlog_proof_release(&p);
out:
	it->ok = r->nfaults == nf && cp && leaf.len;
	buf_release(&leaf);
	buf_release(&text);
	buf_release(&path);
	buf_release(&lpath);
	buf_release(&err);
	return j;
}

/* ---- the pass, on every core ---- */

struct batch {
	struct bundle_report faults;   /* its events' faults, in order (only faults used) */
	struct buf out[OUT__COUNT];    /* its parsed leaves' renderings, in seq order */
	int all_parsed;                /* every leaf parsed: events.jsonl is all there */
};

struct pass {
	int dfd;
	struct bundle_item *items;
	size_t n;
	const struct buf *cp_bytes;
	const struct checkpoint *cp;
	int csv_layout;                /* the events.csv layout its header names */
	size_t first;                  /* the window's first batch */
	struct batch *b;               /* WINDOW_BATCHES of them */
};

static void check_batch(void *ctx, size_t index)
{
	struct pass *ps = ctx;
	struct batch *b = &ps->b[index];
	struct bag_dircache dc[2] = { BAG_DIRCACHE_INIT, BAG_DIRCACHE_INIT };
	struct json_arena *arena = json_arena_enter();
	struct buf leaf = BUF_INIT;
	size_t from = (ps->first + index) * EVENT_BATCH;

	b->all_parsed = 1;
	for (size_t i = from; i < from + EVENT_BATCH && i < ps->n; i++) {
		struct bundle_item *it = &ps->items[i];
		json_t *j, *changes;

		if (!it->leaf && !it->proof) {
			bundle_report_faultf(&b->faults, BUNDLE_FAULT_MISSING, "data/entries/", 0,
					     "no leaf %lld.leaf for data/entries/%lld.raw",
					     (long long)it->seq, (long long)it->seq);
			continue;
		}
		if (!it->proof) {
			bundle_report_faultf(&b->faults, BUNDLE_FAULT_MISSING, "data/proofs/", 0,
					     "no proof %lld.tlog-proof for data/entries/%lld.leaf",
					     (long long)it->seq, (long long)it->seq);
			j = load_leaf(&dc[0], ps->dfd, it->seq, &leaf, &b->faults, 0); /* still rendered */
			if (leaf.len) {
				merkle_leaf_hash(leaf.buf, leaf.len, it->hash);
				it->hashed = 1;
			}
			if (j)
				check_raw(&dc[0], ps->dfd, it, j, &b->faults, 0);
		} else if (!it->leaf) {
			bundle_report_faultf(&b->faults, BUNDLE_FAULT_MISSING, "data/entries/", 0,
					     "no leaf %lld.leaf for data/proofs/%lld.tlog-proof",
					     (long long)it->seq, (long long)it->seq);
			continue;
		} else {
			j = check_event(dc, ps->dfd, it, ps->cp_bytes, ps->cp, &b->faults);
		}
		if (!j) {
			b->all_parsed = 0;
			continue;
		}
		changes = bundle_leaf_changes(j);
		bundle_record_line(j, changes, &b->out[OUT_JSONL]);
		bundle_events_csv_row(j, &b->out[OUT_EVENTS_CSV], ps->csv_layout);
		bundle_changes_csv_rows(j, changes, &b->out[OUT_CHANGES_CSV]);
		json_decref(changes);
		json_decref(j);
	}
	json_arena_leave(arena);
	buf_release(&leaf);
	bag_dircache_release(&dc[0]);
	bag_dircache_release(&dc[1]);
}


void bundle_cmp_open(struct bundle_cmp *c, int dfd, const char *file, struct bundle_report *r)
{
	struct buf why = BUF_INIT;
	struct stat st;

	memset(c, 0, sizeof(*c));
	c->file = file;
	c->line = 1;
	c->fd = bag_open_read(dfd, file, &why);
	if (c->fd >= 0 && !fstat(c->fd, &st) && (uint64_t)st.st_size > BUNDLE_MAX_MAPPED) {
		buf_addf(&why, "larger than %zu bytes", (size_t)BUNDLE_MAX_MAPPED);
		close(c->fd);
		c->fd = -1;
	}
	if (c->fd < 0)
		bundle_report_faultf(r, BUNDLE_FAULT_MISSING, file, 0, "cannot read: %s", why.buf);
	buf_release(&why);
}

void bundle_cmp_open_all(struct bundle_cmp *cmp, int n, int dfd, const char *const *files,
			 struct bundle_report *late, int ev, int ch, int csv_layout)
{
	struct buf head = BUF_INIT;

	for (int k = 0; k < n; k++)
		bundle_cmp_open(&cmp[k], dfd, files[k], late);
	bundle_events_csv_header(&head, csv_layout);
	bundle_cmp_feed(&cmp[ev], head.buf, head.len);
	buf_reset(&head);
	bundle_changes_csv_header(&head);
	bundle_cmp_feed(&cmp[ch], head.buf, head.len);
	buf_release(&head);
}

static int cmp_fill(struct bundle_cmp *c)
{
	ssize_t got;

	if (c->pos < c->len)
		return 1;
	if (c->eof)
		return 0;
	do
		got = read(c->fd, c->buf, sizeof(c->buf));
	while (got < 0 && errno == EINTR);
	c->pos = 0;
	c->len = got > 0 ? (size_t)got : 0;
	c->eof = got <= 0;
	return got > 0;
}

/* Compares the next len bytes of the file with want. */
void bundle_cmp_feed(struct bundle_cmp *c, const char *want, size_t len)
{
	while (len && c->fd >= 0 && !c->differs) {
		size_t k, m = 0;

		if (!cmp_fill(c)) {
			c->differs = 1;
			break;
		}
		k = c->len - c->pos < len ? c->len - c->pos : len;
		if (memcmp(c->buf + c->pos, want, k))
			while (c->buf[c->pos + m] == want[m])
				m++;
		else
			m = k;
		for (const char *p = want; (p = memchr(p, '\n', (size_t)(want + m - p))); p++)
			c->line++;
		if (m < k)
			c->differs = 1;
		c->pos += m;
		want += m;
		len -= m;
	}
}

/* The file matched so far: it must end here. */
void bundle_cmp_finish(struct bundle_cmp *c)
{
	if (c->fd >= 0 && !c->differs && cmp_fill(c))
		c->differs = 1;
}

void bundle_cmp_close(struct bundle_cmp *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
}

/* The layout the header line of data/events.csv names. */
int bundle_csv_layout(int dfd)
{
	struct buf why = BUF_INIT;
	char tmp[4096];
	ssize_t got;
	int fd = bag_open_read(dfd, "data/events.csv", &why), layout = EVENTS_CSV_CURRENT;

	if (fd >= 0) {
		got = read(fd, tmp, sizeof(tmp));
		if (got > 0)
			layout = bundle_events_csv_layout(tmp, (size_t)got);
		close(fd);
	}
	buf_release(&why);
	return layout;
}

/* ---- the record-by-record check, when events.jsonl is not the leaves' ---- */

/* Says which member of a record differs from what its leaf gives. */
void bundle_explain_record(const json_t *rec, const json_t *leaf, const char *lpath, long line,
			   struct bundle_report *r)
{
	const char *key;
	json_t *v, *changes = bundle_leaf_changes(leaf);

	json_object_foreach((json_t *)leaf, key, v) {
		if (!json_object_get(rec, key) || !json_equal_canonical(json_object_get(rec, key), v)) {
			bundle_report_faultf(r, BUNDLE_FAULT_RECORD, "data/events.jsonl", line, "member \"%s\" differs from %s",
					     key, lpath);
			goto out;
		}
	}
	json_object_foreach((json_t *)rec, key, v) {
		if (!strcmp(key, "changes")) {
			if (!json_equal_canonical(v, changes)) {
				bundle_report_faultf(r, BUNDLE_FAULT_RECORD, "data/events.jsonl", line,
						     "\"changes\" differ from the diff of %s", lpath);
				goto out;
			}
		} else if (!json_object_get(leaf, key)) {
			bundle_report_faultf(r, BUNDLE_FAULT_RECORD, "data/events.jsonl", line, "member \"%s\" is not in %s",
					     key, lpath);
			goto out;
		}
	}
	bundle_report_faultf(r, BUNDLE_FAULT_RECORD, "data/events.jsonl", line, "not the canonical record of %s", lpath);
out:
	json_decref(changes);
}

struct bundle_item *bundle_find_item(struct bundle_item *v, size_t n, int64_t seq)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (v[mid].seq < seq)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < n && v[lo].seq == seq ? &v[lo] : NULL;
}

static void check_records(int dfd, struct bundle_item *items, size_t n, struct bundle_report *r)
{
	struct buf text = BUF_INIT, leaf = BUF_INIT, want = BUF_INIT, err = BUF_INIT, lpath = BUF_INIT;
	struct bag_dircache dc = BAG_DIRCACHE_INIT;
	size_t pos = 0;
	long no = 0;

	if (bundle_read_part(dfd, "data/events.jsonl", BUNDLE_MAX_RENDER, &text, r))
		goto out;
	while (pos < text.len) {
		const char *s = text.buf + pos, *nl = memchr(s, '\n', text.len - pos);
		size_t l = nl ? (size_t)(nl - s) : text.len - pos;
		json_t *rec, *lj;
		struct bundle_item *it;
		const json_t *seq;
		long long whole;
		int line, col;

		no++;
		pos += l + 1;
		buf_reset(&err);
		rec = json_parse_strict(s, l, &line, &col, &err);
		if (!rec || !json_is_object(rec)) {
			bundle_report_faultf(r, BUNDLE_FAULT_RECORD, "data/events.jsonl", no, "col %d: %s", rec ? 1 : col,
					     rec ? "not a JSON object" : err.buf);
			json_decref(rec);
			continue;
		}
		seq = json_object_get(rec, "seq");
		it = !json_whole_number(seq, &whole) ? bundle_find_item(items, n, (int64_t)whole) : NULL;
		if (!it || !it->leaf) {
			bundle_report_faultf(r, BUNDLE_FAULT_RECORD, "data/events.jsonl", no,
					     "no leaf in data/entries/ for this record's seq");
			json_decref(rec);
			continue;
		}
		if (it->record) {
			bundle_report_faultf(r, BUNDLE_FAULT_RECORD, "data/events.jsonl", no,
					     "a second record for seq %lld (line %ld)", (long long)it->seq, it->record_line);
			json_decref(rec);
			continue;
		}
		it->record = 1;
		it->record_line = no;
		buf_reset(&lpath);
		buf_addf(&lpath, "data/entries/%lld.leaf", (long long)it->seq);
		lj = load_leaf(&dc, dfd, it->seq, &leaf, r, 0);
		if (lj)
			check_raw(&dc, dfd, it, lj, r, 0);
		if (lj) {
			buf_reset(&want);
			bundle_record_line(lj, NULL, &want);
			if (want.len != l + 1 || memcmp(want.buf, s, l)) {
				bundle_explain_record(rec, lj, lpath.buf, no, r);
				it->ok = 0;
			}
			json_decref(lj);
		}
		json_decref(rec);
	}
	for (size_t i = 0; i < n; i++)
		if (items[i].leaf && !items[i].record) {
			bundle_report_faultf(r, BUNDLE_FAULT_RECORD, "data/events.jsonl", 0, "no record for data/entries/%lld.leaf",
					     (long long)items[i].seq);
			items[i].ok = 0;
		}
out:
	bag_dircache_release(&dc);
	buf_release(&text);
	buf_release(&leaf);
	buf_release(&want);
	buf_release(&err);
	buf_release(&lpath);
}

/* Moves a batch's faults to r, in order. */
void bundle_take_faults(struct bundle_report *r, struct bundle_report *from)
{
	for (size_t i = 0; i < from->nfaults; i++) {
		ALLOC_GROW(r->faults, r->nfaults + 1, r->faults_alloc);
		r->faults[r->nfaults++] = from->faults[i];
	}
	free(from->faults);
	memset(from, 0, sizeof(*from));
}

/* Copies the faults of late about file to r. */
void bundle_late_faults(struct bundle_report *r, const struct bundle_report *late, const char *file)
{
	for (size_t i = 0; i < late->nfaults; i++)
		if (!strcmp(late->faults[i].file, file))
			bundle_report_faultf(r, late->faults[i].kind, file, late->faults[i].line, "%s",
					     late->faults[i].detail);
}

void bundle_check_events(int dfd, struct bundle_item *items, size_t n, const struct buf *cp_bytes,
			 const struct checkpoint *cp, struct bundle_report *r)
{
	struct pass ps = { dfd, items, n, cp_bytes, cp, bundle_csv_layout(dfd), 0, NULL };
	struct bundle_cmp *cmp = xcalloc(OUT__COUNT, sizeof(*cmp));
	struct bundle_report late = { 0 };   /* the renderings' faults, after the events' */
	struct workpool *pool = workpool_new(0);
	size_t nbatches = (n + EVENT_BATCH - 1) / EVENT_BATCH;
	int all_parsed = 1;

	ps.b = xcalloc(WINDOW_BATCHES, sizeof(*ps.b));
	for (size_t b = 0; b < WINDOW_BATCHES; b++)
		for (int k = 0; k < OUT__COUNT; k++)
			buf_init(&ps.b[b].out[k]);
	bundle_cmp_open_all(cmp, OUT__COUNT, dfd, out_files, &late, OUT_EVENTS_CSV, OUT_CHANGES_CSV, ps.csv_layout);
	for (ps.first = 0; ps.first < nbatches; ps.first += WINDOW_BATCHES) {
		size_t nb = nbatches - ps.first < WINDOW_BATCHES ? nbatches - ps.first : WINDOW_BATCHES;

		workpool_start(pool, check_batch, &ps, nb);
		workpool_wait(pool);
		for (size_t b = 0; b < nb; b++) {
			struct batch *bt = &ps.b[b];

			bundle_take_faults(r, &bt->faults);
			all_parsed &= bt->all_parsed;
			for (int k = 0; k < OUT__COUNT; k++) {
				bundle_cmp_feed(&cmp[k], bt->out[k].buf, bt->out[k].len);
				buf_release(&bt->out[k]);
			}
		}
	}
	workpool_free(pool);
	if (!n)
		bundle_report_faultf(r, BUNDLE_FAULT_MISSING, "data/entries/", 0, "the bundle holds no events");
	for (int k = 0; k < OUT__COUNT; k++)
		bundle_cmp_finish(&cmp[k]);
	/* events.jsonl: the fault that it cannot be read, or each wrong record */
	if (cmp[OUT_JSONL].fd < 0)
		bundle_late_faults(r, &late, out_files[OUT_JSONL]);
	else if (cmp[OUT_JSONL].differs || !all_parsed)
		check_records(dfd, items, n, r);
	for (int k = OUT_EVENTS_CSV; k < OUT__COUNT; k++) {
		if (cmp[k].fd < 0)
			bundle_late_faults(r, &late, out_files[k]);
		else if (cmp[k].differs)
			bundle_report_faultf(r, BUNDLE_FAULT_RECORD, out_files[k], cmp[k].line,
					     "differs from the rendering of the leaves in data/entries/");
		bundle_cmp_close(&cmp[k]);
	}
	bundle_cmp_close(&cmp[OUT_JSONL]);
	bundle_report_release(&late);
	free(ps.b);
	free(cmp);
}
