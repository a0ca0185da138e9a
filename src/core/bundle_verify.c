/*
 * bundle_verify.c - checks an evidence bundle offline (see bundle.h,
 * docs/BUNDLE.md): the bag and its manifests, the checkpoint's signature
 * by a trusted key, every inclusion proof for the leaf it names, every
 * record and CSV row against the leaves, and the custody chain. It reads
 * nothing but the bundle's files and the trusted keys.
 *
 * Cost: the bag validation reads every file once (both digests in one
 * pass, on every core); then each leaf, proof and record is read once
 * more, the proof verified with O(log n) hashes, and the renderings
 * compared (bundle_verify_packed.c for the packed layout,
 * bundle_verify_events.c for bundles written before it, per-event files).
 * Items are sorted, never searched one by one.
 */
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "trailscope/attest.h"
#include "trailscope/b64.h"
#include "trailscope/bundle.h"
#include "trailscope/dsse.h"
#include "trailscope/jcs.h"
#include "trailscope/tlogproof.h"
#include "trailscope/util.h"
#include "bundle_int.h"

#define NAME_OF(name, str) str,
static const char *const bundle_fault_names[] = { BUNDLE_FAULT_INFO(NAME_OF) };
#undef NAME_OF

const char *bundle_fault_kind_name(enum bundle_fault_kind k)
{
	return (size_t)k < ARRAY_SIZE(bundle_fault_names) ? bundle_fault_names[k] : "";
}

void bundle_report_fault(struct bundle_report *r, enum bundle_fault_kind kind, const char *file,
			 long line, const char *detail)
{
	bundle_report_faultf(r, kind, file, line, "%s", detail);
}

void bundle_report_faultf(struct bundle_report *r, enum bundle_fault_kind kind, const char *file, long line,
			  const char *fmt, ...)
{
	struct buf b = BUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	buf_vaddf(&b, fmt, ap);
	va_end(ap);
	ALLOC_GROW(r->faults, r->nfaults + 1, r->faults_alloc);
	r->faults[r->nfaults].kind = kind;
	r->faults[r->nfaults].file = xstrdup(file ? file : "");
	r->faults[r->nfaults].line = line;
	r->faults[r->nfaults].detail = buf_detach(&b, NULL);
	r->nfaults++;
}

/* the short name this file uses */
#define fault bundle_report_faultf

static void warn(struct bundle_report *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void warn(struct bundle_report *r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	strv_vaddf(&r->warnings, &r->nwarnings, &r->warnings_alloc, fmt, ap);
	va_end(ap);
}

static void note(struct bundle_report *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void note(struct bundle_report *r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	strv_vaddf(&r->notes, &r->nnotes, &r->notes_alloc, fmt, ap);
	va_end(ap);
}

void bundle_report_release(struct bundle_report *r)
{
	for (size_t i = 0; i < r->nfaults; i++) {
		free(r->faults[i].file);
		free(r->faults[i].detail);
	}
	free(r->faults);
	for (size_t i = 0; i < r->nwarnings; i++)
		free(r->warnings[i]);
	free(r->warnings);
	for (size_t i = 0; i < r->nnotes; i++)
		free(r->notes[i]);
	free(r->notes);
	for (size_t i = 0; i < r->nstore_faults; i++)
		free(r->store_faults[i]);
	free(r->store_faults);
	free(r->store_verdict);
	free(r->origin);
	free(r->checkpoint_signer);
	free(r->attestation);
	custody_report_release(&r->custody);
	if (r->timestamp)
		free(r->timestamp->tsa);
	free(r->timestamp);
	for (size_t i = 0; i < r->ncosigners; i++)
		free(r->cosigners[i].name);
	free(r->cosigners);
	free(r->leaf_seqs);
	free(r->leaf_hashes);
	memset(r, 0, sizeof(*r));
}

int bundle_read_part(int dfd, const char *path, size_t max, struct buf *out, struct bundle_report *r)
{
	struct buf why = BUF_INIT;
	int ret = 0;

	buf_reset(out);
	if (bag_read(dfd, path, max, out, &why)) {
		fault(r, BUNDLE_FAULT_MISSING, path, 0, "cannot read: %s", why.buf);
		ret = -1;
	}
	buf_release(&why);
	return ret;
}

/* "data/entries/12.leaf" -> 12 when dir and suffix match; 0 otherwise. */
static int64_t seq_of(const char *path, const char *dir, const char *suffix)
{
	size_t dl = strlen(dir), sl = strlen(suffix), len = strlen(path);
	int64_t v = 0;
	const char *p;

	if (len <= dl + sl || strncmp(path, dir, dl) || strcmp(path + len - sl, suffix))
		return -1;
	p = path + dl;
	if (*p == '0')
		return -1;
	for (; p < path + len - sl; p++) {
		if (*p < '0' || *p > '9' || v > INT64_MAX / 10 - 10)
			return -1;
		v = v * 10 + (*p - '0');
	}
	return v;
}

static int cmp_item(const void *a, const void *b)
{
	int64_t x = ((const struct bundle_item *)a)->seq, y = ((const struct bundle_item *)b)->seq;

	return x < y ? -1 : x > y;
}

static void check_checkpoint(int dfd, const struct note_verifier *trusted,
			     size_t ntrusted, struct buf *cp_bytes, struct checkpoint *cp, int *have_cp,
			     int *trusted_sig, struct bundle_report *r)
{
	struct buf err = BUF_INIT, names = BUF_INIT;
	struct note n = { 0 };
	int bad = 0;

	*have_cp = *trusted_sig = 0;
	if (bundle_read_part(dfd, "data/checkpoint", NOTE_MAX_SIZE, cp_bytes, r))
		return;
	if (note_parse(cp_bytes->buf, cp_bytes->len, &n, &err) ||
	    checkpoint_parse(n.text, n.text_len, cp, &err)) {
		fault(r, BUNDLE_FAULT_CHECKPOINT, "data/checkpoint", 0, "malformed: %s", err.buf);
		goto out;
	}
	*have_cp = 1;
	r->origin = xstrdup(cp->origin);
	r->checkpoint_size = cp->size;
	for (size_t i = 0; i < ntrusted; i++) {
		enum note_sig_status st = note_verify(&n, &trusted[i]);

		if (st == NOTE_SIG_OK && !r->checkpoint_signer) {
			r->checkpoint_signer = xstrdup(trusted[i].name);
		} else if (st == NOTE_SIG_BAD) {
			fault(r, BUNDLE_FAULT_CHECKPOINT, "data/checkpoint", 0,
			      "the signature by trusted key '%s' does not verify", trusted[i].name);
			bad = 1;
		}
	}
	*trusted_sig = r->checkpoint_signer && !bad;
	if (!r->checkpoint_signer && !bad) {
		for (size_t i = 0; i < n.nsigs; i++)
			buf_addf(&names, "%s%s", i ? ", " : "", n.sigs[i].name);
		warn(r, "the checkpoint is not signed by any trusted key (it carries signatures by: %s); "
		     "pass the log's verifier key with --trust", names.buf);
	}
out:
	note_release(&n);
	buf_release(&err);
	buf_release(&names);
}

static const char *created_str(const struct bundle_report *r, const char *key)
{
	const json_t *v = json_object_get(r->custody.created, key);

	return json_is_string(v) ? json_string_value(v) : NULL;
}

/*
 * What the data says a bag-info element must be, or NULL when nothing in
 * the bundle fixes it. want is filled with the expected tag-safe value.
 */
static int expected_value(const char *label, const struct bundle_report *r, const struct checkpoint *cp,
			  struct buf *want, const char **source)
{
	const char *v;

	buf_reset(want);
	if (!strcasecmp(label, "External-Identifier") && r->custody.case_id) {
		buf_addstr(want, r->custody.case_id);
		*source = "the custody record's case id";
	} else if (!strcasecmp(label, "Contact-Name") && (v = created_str(r, "actor"))) {
		buf_addstr(want, v);
		*source = "the examiner of custody.jsonl:1";
	} else if (!strcasecmp(label, "Bagging-Date") && (v = created_str(r, "time")) && strlen(v) >= 10) {
		buf_add(want, v, 10);
		*source = "the date of custody.jsonl:1";
	} else if (!strcasecmp(label, "Bag-Software-Agent") && (v = created_str(r, "tool"))) {
		buf_addstr(want, v);
		*source = "the tool of custody.jsonl:1";
	} else if (!strcasecmp(label, "Trailscope-Store-Origin") && cp) {
		buf_add_term_safe(want, cp->origin, strlen(cp->origin));
		*source = "the checkpoint's origin";
	} else if (!strcasecmp(label, "Trailscope-Checkpoint-Size") && cp) {
		buf_addf(want, "%llu", (unsigned long long)cp->size);
		*source = "the checkpoint's size";
	} else if (!strcasecmp(label, "Trailscope-Checkpoint-Root") && cp) {
		b64_encode(want, cp->root, HASH_LEN);
		*source = "the checkpoint's root";
	} else if (!strcasecmp(label, "Trailscope-Event-Count")) {
		buf_addf(want, "%llu", (unsigned long long)r->events_total);
		*source = strcmp(r->layout, "packed") ? "the number of leaves in data/entries/"
						      : "the number of leaves in " BUNDLE_LEAVES_FILE;
	} else if (!strcasecmp(label, BUNDLE_LAYOUT_LABEL)) {
		buf_addstr(want, r->layout);
		*source = "the files the bundle holds";
	} else if (!strcasecmp(label, "Trailscope-Store-Verdict") && r->store_verdict) {
		buf_addstr(want, r->store_verdict);
		*source = "the store verdict of custody.jsonl:1";
	} else if (!strcasecmp(label, "Payload-Oxum")) {
		*source = NULL; /* checked against the payload by the bag validation */
		return 1;
	} else {
		return 0;
	}
	return 1;
}

/*
 * Every bag-info element against the pairs custody entry 1 signed ("bag_info")
 * and against what the data fixes; an element nothing vouches for is a note.
 */
static void check_bag_info(const struct bag_contents *C, const struct checkpoint *cp, struct bundle_report *r)
{
	const json_t *pairs = json_object_get(r->custody.created, "bag_info");
	size_t ns = json_is_array(pairs) ? json_array_size(pairs) : 0;
	char *used = xcalloc(ns + 1, 1);
	struct buf want = BUF_INIT;

	if (!json_is_array(pairs))
		pairs = NULL;
	if (r->custody.created && !pairs)
		note(r, "bag-info.txt is not covered by the custody record (its first entry has no \"bag_info\": "
		     "a bundle from an older trailscope); only the elements the data fixes are checked");
	for (size_t i = 0; i < C->ninfo; i++) {
		const struct bag_tag *e = &C->info[i];
		const char *source = NULL;
		int vouched = 0;

		for (size_t k = 0; k < ns; k++) {
			const json_t *p = json_array_get(pairs, k);
			const char *l = json_string_value(json_array_get(p, 0));
			const char *v = json_string_value(json_array_get(p, 1));

			if (used[k] || !l || !v || strcasecmp(l, e->label))
				continue;
			used[k] = 1;
			vouched = 1;
			if (strcmp(l, e->label) || strcmp(v, e->value))
				fault(r, BUNDLE_FAULT_BAG, "bag-info.txt", e->line, "%s is '%s', but custody.jsonl:1 signed %s: %s: "
				      "the element was edited after export", e->label, e->value, l, v);
			break;
		}
		if (expected_value(e->label, r, cp, &want, &source)) {
			vouched = 1;
			if (source && strcmp(want.buf, e->value))
				fault(r, BUNDLE_FAULT_BAG, "bag-info.txt", e->line, "%s '%s' is not %s ('%s')", e->label, e->value,
				      source, want.buf);
		}
		if (!vouched)
			note(r, "bag-info.txt:%ld: %s is unsigned: neither the custody record nor the data vouches "
			     "for it%s", e->line, e->label, pairs ? " (added after export?)" : "");
	}
	for (size_t k = 0; k < ns; k++)
		if (!used[k] && json_is_string(json_array_get(json_array_get(pairs, k), 0)))
			fault(r, BUNDLE_FAULT_BAG, "bag-info.txt", 0, "%s, signed in custody.jsonl:1, is missing",
			      json_string_value(json_array_get(json_array_get(pairs, k), 0)));
	free(used);
	buf_release(&want);
}

/* The store's verdict at export, as the signed custody entry 1 records it. */
static void read_store_verdict(struct bundle_report *r)
{
	const json_t *st = json_object_get(r->custody.created, "store"), *f;
	const json_t *total = json_object_get(st, "faults_total");
	size_t i;

	if (!r->custody.created)
		return;
	if (!json_is_string(json_object_get(st, "verdict"))) {
		note(r, "the custody record does not say whether the store verified when the bundle was made "
		     "(a bundle from an older trailscope)");
		return;
	}
	r->store_verdict = xstrdup(json_string_value(json_object_get(st, "verdict")));
	json_array_foreach(json_object_get(st, "faults"), i, f) {
		if (!json_is_string(f))
			continue;
		ALLOC_GROW(r->store_faults, r->nstore_faults + 1, r->store_faults_alloc);
		r->store_faults[r->nstore_faults++] = xstrdup(json_string_value(f));
	}
	r->store_faults_total = json_whole_or(total, -1) >= 0 ?
		(uint64_t)json_whole_or(total, -1) : r->nstore_faults;
	if (json_is_true(json_object_get(st, "checkpoint_signed_at_export"))) {
		double n = json_number_value(json_object_get(st, "pending_selected"));

		note(r, "the checkpoint was signed at export, by the key of custody.jsonl:1, over %.0f selected "
		     "event%s no earlier checkpoint covered", n, n == 1 ? "" : "s");
	}
}

static void check_custody(int dfd, const struct note_verifier *trusted, size_t ntrusted,
			  struct bundle_report *r)
{
	struct buf text = BUF_INIT, hex = BUF_INIT, why = BUF_INIT;
	struct bag_faults F = BAG_FAULTS_INIT;

	if (bundle_read_part(dfd, CUSTODY_FILE, CUSTODY_MAX_SIZE, &text, r))
		goto out;
	if (bag_hash_file(dfd, "manifest-sha256.txt", "sha256", &hex, &why))
		buf_reset(&hex);
	custody_verify(text.buf, text.len, hex.len ? hex.buf : NULL, trusted, ntrusted, &F, &r->custody);
	for (size_t i = 0; i < F.n; i++)
		fault(r, BUNDLE_FAULT_CUSTODY, F.v[i].file, F.v[i].line, "%s", F.v[i].msg);
	for (size_t i = 0; i < r->custody.n; i++)
		if (r->custody.v[i].signer && !r->custody.v[i].trusted)
			warn(r, "custody.jsonl:%ld: signed by '%s', a key not among the trusted ones",
			     r->custody.v[i].line, r->custody.v[i].signer);
out:
	bag_faults_release(&F);
	buf_release(&text);
	buf_release(&hex);
	buf_release(&why);
}

void bundle_report_note(struct bundle_report *r, const char *text)
{
	note(r, "%s", text);
}

static const char *text_or(const json_t *v)
{
	return json_is_string(v) ? json_string_value(v) : "?";
}

/* data/attestation.dsse.json, when the bundle holds one (attest.h): signed
 * by a trusted key, about the bundle's checkpoint, listing only events the
 * bundle proves. */
int bundle_report_leaf_hash(void *ctx, int64_t seq, unsigned char out[HASH_LEN])
{
	const struct bundle_report *r = ctx;
	size_t lo = 0, hi = r->nleaves;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (r->leaf_seqs[mid] < seq)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == r->nleaves || r->leaf_seqs[lo] != seq)
		return -1;
	memcpy(out, r->leaf_hashes[lo], HASH_LEN);
	return 0;
}

/* The items' leaf hashes (items sorted by seq) into r, for lookups. */
static void keep_leaf_hashes(struct bundle_report *r, const struct bundle_item *items, size_t n)
{
	r->leaf_seqs = xcalloc(n + 1, sizeof(*r->leaf_seqs));
	r->leaf_hashes = xcalloc(n + 1, sizeof(*r->leaf_hashes));
	for (size_t i = 0; i < n; i++) {
		if (!items[i].hashed || !items[i].seq)
			continue;
		r->leaf_seqs[r->nleaves] = items[i].seq;
		memcpy(r->leaf_hashes[r->nleaves++], items[i].hash, HASH_LEN);
	}
}

static void check_attestation(int dfd, const struct bag_contents *C, const struct note_verifier *trusted,
			      size_t ntrusted, const struct checkpoint *cp, struct bundle_report *r)
{
	struct attest_report ar;
	struct buf text = BUF_INIT, sum = BUF_INIT;
	const json_t *pred;
	size_t i;

	for (i = 0; i < C->npayload && strcmp(C->payload[i], ATTEST_BUNDLE_FILE); i++)
		;
	if (i == C->npayload)
		return;
	if (bundle_read_part(dfd, ATTEST_BUNDLE_FILE, DSSE_MAX_SIZE, &text, r))
		return;
	if (!cp) {
		fault(r, BUNDLE_FAULT_ATTESTATION, ATTEST_BUNDLE_FILE, 0, "not checked: the bundle has no checkpoint");
		buf_release(&text);
		return;
	}
	attest_verify_in_bundle(text.buf, text.len, trusted, ntrusted, bundle_report_leaf_hash, r, cp, &ar);
	for (i = 0; i < ar.nfaults; i++)
		fault(r, BUNDLE_FAULT_ATTESTATION, ATTEST_BUNDLE_FILE, 0, "%s", ar.faults[i]);
	for (i = 0; i < ar.nnotes; i++)
		note(r, "attestation: %s", ar.notes[i]);
	pred = json_object_get(ar.statement, "predicate");
	if (pred && ar.signer) {
		const json_t *period = json_object_get(pred, "period");
		double nv = json_number_value(json_object_get(pred, "violation_count"));

		buf_addf(&sum, "%s: %s, %.0f violation%s over %s to %s, signed by ",
			 text_or(json_object_get(json_object_get(pred, "policy"), "name")),
			 text_or(json_object_get(pred, "result")), nv, nv == 1 ? "" : "s",
			 text_or(json_object_get(period, "since")), text_or(json_object_get(period, "until")));
		buf_addstr(&sum, ar.signer);
		{
			struct buf safe = BUF_INIT;

			buf_add_term_safe(&safe, sum.buf, sum.len);
			buf_reset(&sum);
			buf_add(&sum, safe.buf, safe.len);
			buf_release(&safe);
		}
	} else {
		buf_addstr(&sum, "not signed by a trusted key (give the attester's key with --trust)");
		if (ntrusted && !ar.nfaults)
			warn(r, "the attestation in %s is not signed by a trusted key", ATTEST_BUNDLE_FILE);
	}
	r->attestation = buf_detach(&sum, NULL);
	attest_report_release(&ar);
	buf_release(&text);
}

int bundle_verify(const char *dir, const struct note_verifier *trusted, size_t ntrusted,
		  struct bundle_report *r)
{
	return bundle_verify_anchored(dir, trusted, ntrusted, NULL, r);
}

int bundle_verify_anchored(const char *dir, const struct note_verifier *trusted, size_t ntrusted,
			   const struct anchor_options *anchors, struct bundle_report *r)
{
	static const char *const required[] = {
		"bagit.txt", "bag-info.txt", "manifest-sha256.txt", "manifest-sha512.txt",
		"tagmanifest-sha256.txt", "tagmanifest-sha512.txt", CUSTODY_FILE, "data/checkpoint",
		"data/events.jsonl", "data/events.csv", "data/changes.csv",
	};
	struct bag_faults bf = BAG_FAULTS_INIT;
	struct bag_contents C = { 0 };
	struct buf cp_bytes = BUF_INIT, why = BUF_INIT;
	struct checkpoint cp = { 0 };
	struct bundle_item *items = NULL;
	size_t nitems = 0, ialloc = 0;
	int dfd, have_cp = 0, trusted_sig = 0, has_token = 0, packed = 0, per_event = 0;

	memset(r, 0, sizeof(*r));
	if (bagit_validate(dir, &bf, &C))
		return -1;
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0) {
		bag_faults_release(&bf);
		bag_contents_release(&C);
		return error("cannot open bundle '%s'", dir);
	}
	for (size_t i = 0; i < bf.n; i++)
		fault(r, BUNDLE_FAULT_BAG, bf.v[i].file, bf.v[i].line, "%s", bf.v[i].msg);
	for (size_t i = 0; i < ARRAY_SIZE(required); i++) {
		int fd;

		buf_reset(&why);
		fd = bag_open_read(dfd, required[i], &why);
		if (fd < 0)
			fault(r, BUNDLE_FAULT_MISSING, required[i], 0, "required bundle file: %s", why.buf);
		else
			close(fd);
	}
	check_checkpoint(dfd, trusted, ntrusted, &cp_bytes, &cp, &have_cp, &trusted_sig, r);
	for (size_t i = 0; i < C.npayload; i++) {
		if (!strcmp(C.payload[i], BUNDLE_LEAVES_FILE) || !strcmp(C.payload[i], BUNDLE_PROOFS_FILE))
			packed = 1;
		else if (!strncmp(C.payload[i], "data/entries/", 13) || !strncmp(C.payload[i], "data/proofs/", 12))
			per_event = 1;
	}
	r->layout = packed ? "packed" : "per-event";
	if (packed && per_event)
		fault(r, BUNDLE_FAULT_BAG, "data/", 0, "holds both layouts: %s and %s, and per-event files in "
		      "data/entries/ or data/proofs/ (a bundle has one; the packed one was checked)",
		      BUNDLE_LEAVES_FILE, BUNDLE_PROOFS_FILE);
	for (size_t i = 0; i < C.npayload && !packed; i++) {
		const char *p = C.payload[i];
		int64_t seq;
		int leaf = 0, raw = 0;

		if (!strncmp(p, "data/entries/", 13)) {
			seq = seq_of(p, "data/entries/", ".leaf");
			leaf = 1;
			if (seq <= 0 && (seq = seq_of(p, "data/entries/", ".raw")) > 0)
				leaf = 0, raw = 1;
		} else if (!strncmp(p, "data/proofs/", 12)) {
			seq = seq_of(p, "data/proofs/", ".tlog-proof");
		} else {
			continue;
		}
		if (seq <= 0) {
			fault(r, BUNDLE_FAULT_BAG, p, 0, "unexpected file (expected %s)",
			      leaf ? "data/entries/SEQ.leaf or SEQ.raw" : "data/proofs/SEQ.tlog-proof");
			continue;
		}
		/* one per file for now; merged by seq below */
		ALLOC_GROW(items, nitems + 1, ialloc);
		memset(&items[nitems], 0, sizeof(*items));
		items[nitems].seq = seq;
		items[nitems].leaf = leaf;
		items[nitems].raw = raw;
		items[nitems].proof = !leaf && !raw;
		nitems++;
	}
	if (nitems)
		qsort(items, nitems, sizeof(*items), cmp_item);
	{
		size_t o = 0;

		for (size_t i = 0; i < nitems; i++) {
			if (o && items[o - 1].seq == items[i].seq) {
				items[o - 1].leaf |= items[i].leaf;
				items[o - 1].proof |= items[i].proof;
				items[o - 1].raw |= items[i].raw;
			} else {
				items[o++] = items[i];
			}
		}
		nitems = o;
	}
	if (packed) {
		bundle_check_packed(dfd, have_cp ? &cp : NULL, &items, &nitems, r);
		if (nitems)
			qsort(items, nitems, sizeof(*items), cmp_item); /* for lookups by seq */
		r->events_total = nitems;
	} else {
		for (size_t i = 0; i < nitems; i++)
			r->events_total += items[i].leaf;
		bundle_check_events(dfd, items, nitems, &cp_bytes, have_cp ? &cp : NULL, r);
	}
	check_custody(dfd, trusted, ntrusted, r);
	for (size_t i = 0; i < C.npayload; i++)
		has_token |= !strcmp(C.payload[i], BUNDLE_TOKEN_FILE);
	bundle_anchors_check(dfd, &cp_bytes, have_cp ? &cp : NULL, has_token, anchors, r);
	read_store_verdict(r);
	check_bag_info(&C, have_cp ? &cp : NULL, r);
	keep_leaf_hashes(r, items, nitems);
	check_attestation(dfd, &C, trusted, ntrusted, have_cp ? &cp : NULL, r);
	for (size_t i = 0; i < nitems; i++)
		r->events += items[i].ok;
	if (!ntrusted)
		warn(r, "no trusted key given: the checkpoint's signature was not checked");
	if (r->nfaults) {
		r->verdict = VERDICT_FAILED;
	} else if (!trusted_sig) {
		r->verdict = VERDICT_UNVERIFIABLE;
	} else {
		r->verdict = VERDICT_VERIFIED;
	}
	close(dfd);
	free(items);
	checkpoint_release(&cp);
	bag_faults_release(&bf);
	bag_contents_release(&C);
	buf_release(&cp_bytes);
	buf_release(&why);
	return 0;
}

int bundle_custody_append(const char *dir, const struct custody_fields *f, const struct note_signer *key)
{
	struct bag_faults bf = BAG_FAULTS_INIT;
	struct custody_report cr;
	struct buf text = BUF_INIT, hex = BUF_INIT, why = BUF_INIT, line = BUF_INIT;
	struct custody_fields g = *f;
	const char *prev = NULL;
	size_t prev_len = 0;
	long n = 0;
	int dfd = -1, fd;
	enum err_class cls = ERR_FAILED; /* of the failure, ERR_NONE once appended */

	if (!custody_action_valid(f->action) || !strcmp(f->action, "created")) {
		return error_as(ERR_USAGE, "custody: --action must be transferred, received, verified or note");
	}
	if (bagit_validate(dir, &bf, NULL))
		return failed_as(ERR_IO);
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0) {
		error("cannot open bundle '%s'", dir);
		cls = ERR_IO;
		goto out;
	}
	if (bf.n) {
		error("%s: the bag is damaged (%s%s%ld: %s%s); run 'trailscope bundle verify'", dir,
		      bf.v[0].file, bf.v[0].line ? ":" : "", bf.v[0].line, bf.v[0].msg,
		      bf.n > 1 ? ", ..." : "");
		goto out;
	}
	if (bag_read(dfd, CUSTODY_FILE, CUSTODY_MAX_SIZE, &text, &why) ||
	    bag_hash_file(dfd, "manifest-sha256.txt", "sha256", &hex, &why)) {
		error("%s: %s", dir, why.buf);
		goto out;
	}
	custody_verify(text.buf, text.len, hex.buf, NULL, 0, &bf, &cr);
	if (bf.n) {
		error("%s: the custody record is damaged (%s:%ld: %s); nothing appended", dir, bf.v[0].file,
		      bf.v[0].line, bf.v[0].msg);
		custody_report_release(&cr);
		goto out;
	}
	for (size_t pos = 0; pos < text.len;) {
		const char *nl = memchr(text.buf + pos, '\n', text.len - pos);

		prev = text.buf + pos;
		prev_len = (size_t)(nl - prev);
		pos += prev_len + 1;
		n++;
	}
	g.case_id = cr.case_id;
	g.manifest_sha256 = hex.buf;
	cls = ERR_IO;
	if (custody_entry(&g, n + 1, prev, prev_len, key, &line)) {
		custody_report_release(&cr);
		goto out;
	}
	custody_report_release(&cr);
	fd = openat(dfd, CUSTODY_FILE, O_WRONLY | O_APPEND | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 || write(fd, line.buf, line.len) != (ssize_t)line.len || fsync(fd)) {
		error("cannot append to %s/%s", dir, CUSTODY_FILE);
		if (fd >= 0)
			close(fd);
		goto out;
	}
	close(fd);
	if (bag_write_tagmanifests(dfd, bundle_tag_files, bundle_ntag_files))
		goto out;
	cls = ERR_NONE;
out:
	if (dfd >= 0)
		close(dfd);
	bag_faults_release(&bf);
	buf_release(&text);
	buf_release(&hex);
	buf_release(&why);
	buf_release(&line);
	return cls == ERR_NONE ? 0 : failed_as(cls);
}
