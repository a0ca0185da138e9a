/*
 * bundle_packed.c - the packed bundle layout's own pieces (docs/BUNDLE.md,
 * "Layout"): the lines of data/proofs.jsonl written and parsed, a line
 * file of a bundle mapped and split into lines, and one event's proof,
 * leaf or raw record taken out of a bundle of either layout (what
 * `trailscope bundle proof|leaf|raw` prints).
 */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "trailscope/b64.h"
#include "trailscope/bundle.h"
#include "trailscope/jcs.h"
#include "trailscope/leaf.h"
#include "trailscope/tlogproof.h"
#include "bundle_int.h"

#define MAX_PATH_HASHES 64
#define CHECKPOINT_MAX (1u << 20)
#define SPLIT_DROP ((size_t)8 << 20) /* a power of two */

void bundle_proof_line(struct buf *out, int64_t seq, const struct merkle_proof *p)
{
	buf_addf(out, "{\"index\":%lld,\"path\":[", (long long)seq - 1);
	for (size_t i = 0; i < p->n; i++) {
		if (i)
			buf_addch(out, ',');
		buf_addch(out, '"');
		b64_encode(out, p->hash[i], HASH_LEN);
		buf_addch(out, '"');
	}
	buf_addf(out, "],\"seq\":%lld}\n", (long long)seq);
}

/* Reads the decimal number at s[*i] (no sign, no leading zero) and moves
 * *i past it. Returns 0, or -1. */
static int read_uint(const char *s, size_t len, size_t *i, int64_t *out)
{
	size_t start = *i;
	int64_t v = 0;

	while (*i < len && s[*i] >= '0' && s[*i] <= '9' && *i - start < 18)
		v = v * 10 + (s[(*i)++] - '0');
	if (*i == start || (s[start] == '0' && *i - start > 1))
		return -1;
	*out = v;
	return 0;
}

static int expect(const char *s, size_t len, size_t *i, const char *lit)
{
	size_t n = strlen(lit);

	if (len - *i < n || memcmp(s + *i, lit, n))
		return -1;
	*i += n;
	return 0;
}

/* The canonical line read as it is written, without a JSON tree; -1 for
 * anything else (bundle_proof_line_parse then says what is wrong). */
static int parse_canonical(const char *s, size_t len, int64_t *seq, struct merkle_proof *p)
{
	struct buf dec = BUF_INIT;
	int64_t idx;
	size_t i = 0, alloc = 0;

	if (expect(s, len, &i, "{\"index\":") || read_uint(s, len, &i, &idx) || expect(s, len, &i, ",\"path\":["))
		return -1;
	/* "HASH" or "HASH","HASH",...: a comma between hashes, nothing else */
	for (int more = i < len && s[i] == '"'; more;) {
		buf_reset(&dec);
		if (p->n >= MAX_PATH_HASHES || len - i < 46 || s[i + 45] != '"' || b64_decode(&dec, s + i + 1, 44) ||
		    dec.len != HASH_LEN) {
			i = len; /* not canonical: fails below */
			break;
		}
		ALLOC_GROW(p->hash, p->n + 1, alloc);
		memcpy(p->hash[p->n++], dec.buf, HASH_LEN);
		i += 46;
		more = i + 1 < len && s[i] == ',' && s[i + 1] == '"';
		i += more;
	}
	buf_release(&dec);
	if (expect(s, len, &i, "],\"seq\":") || read_uint(s, len, &i, seq) || expect(s, len, &i, "}") || i != len ||
	    *seq < 1 || idx != *seq - 1) {
		merkle_proof_release(p);
		return -1;
	}
	return 0;
}

int bundle_proof_line_parse(const char *s, size_t len, int64_t *seq, struct merkle_proof *p, struct buf *why)
{
	struct buf err = BUF_INIT, dec = BUF_INIT, again = BUF_INIT;
	const json_t *path, *h;
	long long n, idx;
	json_t *j;
	size_t i;
	int line, col, ret = -1;

	memset(p, 0, sizeof(*p));
	if (parse_canonical(s, len, seq, p) == 0)
		return 0;
	j = json_parse_strict(s, len, &line, &col, &err);
	if (!j || !json_is_object(j)) {
		buf_addf(why, "not a JSON object%s%s", j ? "" : ": ", j ? "" : err.buf);
		goto out;
	}
	path = json_object_get(j, "path");
	if (json_object_size(j) != 3 || json_whole_number(json_object_get(j, "seq"), &n) || n < 1 ||
	    json_whole_number(json_object_get(j, "index"), &idx) || !json_is_array(path)) {
		buf_addstr(why, "not {\"index\":N,\"path\":[...],\"seq\":SEQ}");
		goto out;
	}
	if (idx != n - 1) {
		buf_addf(why, "index %lld is not the leaf's position %lld (seq %lld - 1)", idx, n - 1, n);
		goto out;
	}
	if (json_array_size(path) > MAX_PATH_HASHES) {
		buf_addf(why, "a path of more than %d hashes", MAX_PATH_HASHES);
		goto out;
	}
	p->hash = xcalloc(json_array_size(path) + 1, sizeof(*p->hash));
	json_array_foreach(path, i, h) {
		buf_reset(&dec);
		if (!json_is_string(h) ||
		    b64_decode(&dec, json_string_value(h), json_string_length(h)) || dec.len != HASH_LEN) {
			buf_addf(why, "path hash %zu is not the base64 of 32 bytes", i + 1);
			goto out;
		}
		memcpy(p->hash[p->n++], dec.buf, HASH_LEN);
	}
	*seq = n;
	bundle_proof_line(&again, n, p);
	if (again.len != len + 1 || memcmp(again.buf, s, len)) {
		buf_addstr(why, "not in canonical form");
		goto out;
	}
	ret = 0;
out:
	if (ret)
		merkle_proof_release(p);
	json_decref(j);
	buf_release(&err);
	buf_release(&dec);
	buf_release(&again);
	return ret;
}

/* ---- line files ---- */

int bundle_lines_open(int dfd, const char *path, size_t max, struct bundle_lines *l, struct buf *why)
{
	struct stat st;
	size_t alloc = 0, pos = 0, dropped = 0;
	int fd;

	memset(l, 0, sizeof(*l));
	fd = bag_open_read(dfd, path, why);
	if (fd < 0)
		return -1;
	if (fstat(fd, &st)) {
		buf_addstr(why, "cannot stat it");
		close(fd);
		return -1;
	}
	if ((uint64_t)st.st_size > max) {
		buf_addf(why, "larger than %zu bytes", max);
		close(fd);
		return -1;
	}
	l->len = (size_t)st.st_size;
	if (l->len) {
		l->map = mmap(NULL, l->len, PROT_READ, MAP_PRIVATE, fd, 0);
		if (l->map == MAP_FAILED) {
			l->map = NULL;
			buf_addstr(why, "cannot map it");
			close(fd);
			return -1;
		}
		madvise(l->map, l->len, MADV_SEQUENTIAL);
	}
	close(fd);
	l->text = l->map ? l->map : "";
	while (pos < l->len) {
		const char *nl = memchr(l->text + pos, '\n', l->len - pos);

		if (pos - dropped >= SPLIT_DROP) { /* memory: the pages split leave it as it goes */
			dropped = pos & ~(size_t)(SPLIT_DROP - 1);
			madvise(l->map, dropped, MADV_DONTNEED);
		}
		ALLOC_GROW(l->start, l->n + 2, alloc);
		l->start[l->n++] = pos;
		if (!nl) {
			l->unterminated = 1;
			pos = l->len;
		} else {
			pos = (size_t)(nl - l->text) + 1;
		}
	}
	ALLOC_GROW(l->start, l->n + 1, alloc);
	l->start[l->n] = l->len + (l->unterminated ? 1 : 0);
	if (l->map)
		madvise(l->map, l->len, MADV_DONTNEED);
	return 0;
}

void bundle_lines_get(const struct bundle_lines *l, size_t k, const char **s, size_t *len)
{
	*s = l->text + l->start[k];
	*len = l->start[k + 1] - l->start[k] - 1;
}

void bundle_lines_done(struct bundle_lines *l, size_t k)
{
	long page = sysconf(_SC_PAGESIZE);
	size_t off = l->start[k < l->n ? k : l->n];

	if (l->map && page > 0 && off >= (size_t)page)
		madvise(l->map, off / (size_t)page * (size_t)page, MADV_DONTNEED);
}

void bundle_lines_release(struct bundle_lines *l)
{
	if (l->map)
		munmap(l->map, l->len);
	free(l->start);
	memset(l, 0, sizeof(*l));
}

/* ---- one event out of a bundle ---- */

/* The "seq" a data/proofs.jsonl line ends with (",\"seq\":N}"), or 0. */
static int64_t proof_line_seq(const char *s, size_t len)
{
	int64_t v = 0, mul = 1;
	size_t i;

	if (len < 9 || s[len - 1] != '}')
		return 0;
	for (i = len - 1; i > 0 && s[i - 1] >= '0' && s[i - 1] <= '9' && mul <= 1000000000000000LL; i--) {
		v += (s[i - 1] - '0') * mul;
		mul *= 10;
	}
	return i >= 7 && !memcmp(s + i - 7, ",\"seq\":", 7) ? v : 0;
}

/* The raw record of leaf j: a version 3 leaf's from its record (line k of
 * data/events.jsonl, checked against raw_sha256), an older one's from the
 * leaf itself. */
static int packed_raw(int dfd, const json_t *leaf, size_t k, int64_t seq, struct buf *out)
{
	const char *want = json_string_value(json_object_get(leaf, "raw_sha256"));
	struct bundle_lines ev;
	struct buf why = BUF_INIT;
	const json_t *raw;
	json_t *rec = NULL;
	const char *s;
	size_t len;
	long long rs;
	int l, c, ret = -1;

	if (!want) {
		raw = json_object_get(leaf, "raw");
		if (!json_is_string(raw))
			return error_as(ERR_FAILED, "the leaf of seq %lld holds no raw record", (long long)seq);
		buf_add(out, json_string_value(raw), json_string_length(raw));
		return 0;
	}
	if (bundle_lines_open(dfd, "data/events.jsonl", BUNDLE_MAX_MAPPED, &ev, &why)) {
		error_as(ERR_IO, "cannot read data/events.jsonl: %s", why.buf);
		buf_release(&why);
		return -1;
	}
	if (k < ev.n) {
		bundle_lines_get(&ev, k, &s, &len);
		rec = json_parse_strict(s, len, &l, &c, &why);
	}
	raw = json_object_get(rec, "raw");
	if (!rec || json_whole_number(json_object_get(rec, "seq"), &rs) || rs != seq || !json_is_string(raw)) {
		error_as(ERR_FAILED, "data/events.jsonl:%zu is not the record of seq %lld with its raw record "
			 "(run 'trailscope bundle verify')", k + 1, (long long)seq);
	} else if (!leaf_raw_matches(want, json_string_value(raw), json_string_length(raw))) {
		error_as(ERR_FAILED, "data/events.jsonl:%zu: the raw record is not the one the leaf's raw_sha256 "
			 "names (run 'trailscope bundle verify')", k + 1);
	} else {
		buf_add(out, json_string_value(raw), json_string_length(raw));
		ret = 0;
	}
	json_decref(rec);
	bundle_lines_release(&ev);
	buf_release(&why);
	return ret;
}

static int packed_part(int dfd, int64_t seq, enum bundle_part what, struct buf *out)
{
	struct bundle_lines pl = { 0 }, ll = { 0 };
	struct buf why = BUF_INIT, cp = BUF_INIT;
	struct merkle_proof p = { 0 };
	const char *s = NULL;
	size_t len = 0, k;
	int64_t got = 0;
	json_t *leaf = NULL;
	long long ls;
	int l, c, ret = -1;

	if (bundle_lines_open(dfd, BUNDLE_PROOFS_FILE, BUNDLE_MAX_MAPPED, &pl, &why)) {
		error_as(ERR_IO, "cannot read %s: %s", BUNDLE_PROOFS_FILE, why.buf);
		goto out;
	}
	for (k = 0; k < pl.n; k++) {
		bundle_lines_get(&pl, k, &s, &len);
		if (proof_line_seq(s, len) == seq)
			break;
		if (k % 8192 == 8191)
			bundle_lines_done(&pl, k); /* memory: the lines passed leave it */
	}
	if (k == pl.n) {
		error_as(ERR_INPUT, "no event %lld in the bundle (no line of %s is its proof)", (long long)seq,
			 BUNDLE_PROOFS_FILE);
		goto out;
	}
	if (bundle_proof_line_parse(s, len, &got, &p, &why)) {
		error_as(ERR_FAILED, "%s:%zu: %s (run 'trailscope bundle verify')", BUNDLE_PROOFS_FILE, k + 1, why.buf);
		goto out;
	}
	if (what == BUNDLE_PART_PROOF) {
		if (bag_read(dfd, "data/checkpoint", CHECKPOINT_MAX, &cp, &why)) {
			error_as(ERR_IO, "cannot read data/checkpoint: %s", why.buf);
			goto out;
		}
		tlog_proof_format(out, NULL, 0, (uint64_t)seq - 1, &p, cp.buf, cp.len);
		ret = 0;
		goto out;
	}
	if (bundle_lines_open(dfd, BUNDLE_LEAVES_FILE, BUNDLE_MAX_MAPPED, &ll, &why)) {
		error_as(ERR_IO, "cannot read %s: %s", BUNDLE_LEAVES_FILE, why.buf);
		goto out;
	}
	if (k < ll.n) {
		bundle_lines_get(&ll, k, &s, &len);
		leaf = json_parse_strict(s, len, &l, &c, &why);
	}
	if (!json_is_object(leaf) || json_whole_number(json_object_get(leaf, "seq"), &ls) || ls != seq) {
		error_as(ERR_FAILED, "%s:%zu is not the leaf of seq %lld, whose proof is %s:%zu (run 'trailscope "
			 "bundle verify')", BUNDLE_LEAVES_FILE, k + 1, (long long)seq, BUNDLE_PROOFS_FILE, k + 1);
		goto out;
	}
	if (what == BUNDLE_PART_LEAF) {
		buf_add(out, s, len);
		ret = 0;
	} else {
		ret = packed_raw(dfd, leaf, k, seq, out);
	}
out:
	json_decref(leaf);
	merkle_proof_release(&p);
	bundle_lines_release(&pl);
	bundle_lines_release(&ll);
	buf_release(&why);
	buf_release(&cp);
	return ret;
}

/* A bundle written before the packed layout: the event's own files. */
static int per_event_part(int dfd, int64_t seq, enum bundle_part what, struct buf *out)
{
	struct buf path = BUF_INIT, why = BUF_INIT, leaf = BUF_INIT;
	json_t *j = NULL;
	int l, c, ret = -1;

	buf_addf(&path, what == BUNDLE_PART_PROOF ? "data/proofs/%lld.tlog-proof" : "data/entries/%lld.leaf",
		 (long long)seq);
	if (bag_read(dfd, path.buf, BUNDLE_MAX_LEAF, &leaf, &why)) {
		error_as(ERR_INPUT, "no event %lld in the bundle (%s: %s)", (long long)seq, path.buf, why.buf);
		goto out;
	}
	if (what != BUNDLE_PART_RAW) {
		buf_add(out, leaf.buf, leaf.len);
		ret = 0;
		goto out;
	}
	j = json_parse_strict(leaf.buf, leaf.len, &l, &c, &why);
	if (!json_is_object(j)) {
		error_as(ERR_FAILED, "%s is not a JSON object (run 'trailscope bundle verify')", path.buf);
	} else if (json_is_string(json_object_get(j, "raw_sha256"))) {
		buf_reset(&path);
		buf_addf(&path, "data/entries/%lld.raw", (long long)seq);
		buf_reset(&why);
		buf_reset(&leaf); /* parsed into j: its bytes are not needed again */
		if (bag_read(dfd, path.buf, BUNDLE_MAX_LEAF, &leaf, &why)) {
			error_as(ERR_FAILED, "cannot read %s: %s", path.buf, why.buf);
		} else if (!leaf_raw_matches(json_string_value(json_object_get(j, "raw_sha256")), leaf.buf,
					     leaf.len)) {
			error_as(ERR_FAILED, "%s is not the raw record the leaf's raw_sha256 names (run "
				 "'trailscope bundle verify')", path.buf);
		} else {
			buf_add(out, leaf.buf, leaf.len);
			ret = 0;
		}
	} else if (json_is_string(json_object_get(j, "raw"))) {
		const json_t *raw = json_object_get(j, "raw");

		buf_add(out, json_string_value(raw), json_string_length(raw));
		ret = 0;
	} else {
		error_as(ERR_FAILED, "the leaf of seq %lld holds no raw record", (long long)seq);
	}
out:
	json_decref(j);
	buf_release(&path);
	buf_release(&why);
	buf_release(&leaf);
	return ret;
}

int bundle_event_part(const char *dir, int64_t seq, enum bundle_part what, struct buf *out)
{
	struct buf why = BUF_INIT;
	int dfd, fd, ret;

	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return error_as(ERR_IO, "cannot open bundle '%s'", dir);
	fd = bag_open_read(dfd, BUNDLE_PROOFS_FILE, &why);
	if (fd >= 0)
		close(fd);
	ret = fd >= 0 ? packed_part(dfd, seq, what, out) : per_event_part(dfd, seq, what, out);
	close(dfd);
	buf_release(&why);
	return ret;
}
