/*
 * bundle_anchors.c - a bundle's checkpoint anchors (docs/BUNDLE.md,
 * "Anchors"): export puts the checkpoint's cosignature lines after the
 * log's signature lines in data/checkpoint, and its first RFC 3161 token
 * in data/checkpoint.tst; verify checks them with the TSA CAs and witness
 * keys given, from the bundle's files alone. The token time-stamps the
 * note as the log signed it, before any cosignature was added, so its
 * imprint is checked against data/checkpoint and each prefix of it that
 * ends after a signature line.
 */
#include <stdlib.h>
#include <string.h>

#include "trailscope/anchors.h"
#include "trailscope/bundle.h"
#include "trailscope/cosig.h"
#include "trailscope/tsa.h"
#include "trailscope/util.h"

int bundle_anchors_load(struct store *s, uint64_t size, struct buf *note, struct buf *token)
{
	struct anchor_timestamp *v = NULL;
	size_t n = 0;

	if (anchors_cosignatures(s, size, note, NULL) || anchors_timestamps(s, size, &v, &n))
		return -1;
	if (n)
		buf_add(token, v[0].token, v[0].token_len);
	anchor_timestamps_free(v, n);
	return 0;
}

/* 1 when the token's imprint is SHA-256 of the note or of a prefix of it
 * that ends after one of its signature lines. */
static int token_covers_note(const struct tsa_token_info *info, const struct buf *cp)
{
	const char *blank;

	if (tsa_token_covers(info, cp->buf, cp->len))
		return 1;
	/* the signature lines start after the last blank line */
	for (blank = cp->buf + cp->len; blank > cp->buf + 1; blank--)
		if (blank[-1] == '\n' && blank[-2] == '\n')
			break;
	for (const char *p = blank; p < cp->buf + cp->len; p++)
		if (*p == '\n' && tsa_token_covers(info, cp->buf, (size_t)(p + 1 - cp->buf)))
			return 1;
	return 0;
}

static void check_token(int dfd, const struct buf *cp_bytes, const struct checkpoint *cp,
			const struct anchor_options *o, struct bundle_report *r)
{
	struct verify_timestamp *t = xcalloc(1, sizeof(*t));
	struct tsa_token_info info;
	struct buf tok = BUF_INIT, why = BUF_INIT, b = BUF_INIT;
	int have_info;

	r->timestamp = t;
	t->size = cp ? cp->size : 0;
	if (bag_read(dfd, BUNDLE_TOKEN_FILE, TSA_MAX_RESPONSE, &tok, &why)) {
		buf_addf(&b, "cannot read: %s", why.buf);
		bundle_report_fault(r, BUNDLE_FAULT_MISSING, BUNDLE_TOKEN_FILE, 0, b.buf);
		t->tsa = xstrdup("");
		goto out;
	}
	have_info = tsa_token_info(tok.buf, tok.len, &info, &why) == 0;
	t->tsa = xstrdup(have_info ? info.tsa : "");
	if (have_info)
		memcpy(t->time, info.time, sizeof(t->time));
	if (!o || !o->ntsa_ca) {
		bundle_report_note(r, "the checkpoint's time-stamp token (" BUNDLE_TOKEN_FILE ") was not "
				   "checked: pass --tsa-ca CA.pem");
		goto done;
	}
	t->status = ANCHOR_FAULT;
	t->fault = FAULT_BAD_TIMESTAMP;
	if (!have_info) {
		buf_addf(&b, "the time-stamp token cannot be read: %s", why.buf);
	} else if (!token_covers_note(&info, cp_bytes)) {
		buf_addstr(&b, "the time-stamp token's imprint is not the SHA-256 of data/checkpoint (as "
			   "the log signed it): it time-stamps other data");
	} else {
		int rc;

		buf_reset(&why);
		rc = tsa_token_verify(tok.buf, tok.len, o->tsa_ca, o->ntsa_ca, &why);
		if (rc)
			buf_addf(&b, "the time-stamp token by '%s' does not verify: %s", info.tsa,
				 rc < 0 ? "the TSA CA cannot be read" : why.buf);
		else
			t->status = ANCHOR_VERIFIED;
	}
	if (t->status == ANCHOR_FAULT)
		bundle_report_fault(r, BUNDLE_FAULT_TIMESTAMP, BUNDLE_TOKEN_FILE, 0, b.buf);
done:
	if (have_info)
		tsa_token_info_release(&info);
out:
	buf_release(&tok);
	buf_release(&why);
	buf_release(&b);
}

static void check_cosignatures(const struct buf *cp_bytes, const struct anchor_options *o,
			       struct bundle_report *r)
{
	size_t nw = o ? o->nwitnesses : 0, have = 0, need;
	struct buf err = BUF_INIT, b = BUF_INIT;
	enum cosig_status *st;
	struct note n;

	if (note_parse(cp_bytes->buf, cp_bytes->len, &n, &err)) {
		buf_release(&err);
		return; /* a CHECKPOINT fault already */
	}
	st = xcalloc(nw ? nw : 1, sizeof(*st));
	for (size_t k = 0; k < nw; k++) {
		st[k] = cosig_verify(&n, &o->witnesses[k], NULL);
		if (st[k] == COSIG_OK)
			have++;
		if (st[k] == COSIG_BAD) {
			buf_reset(&b);
			buf_addf(&b, "a cosignature line of witness '%s' does not verify", o->witnesses[k].name);
			bundle_report_fault(r, BUNDLE_FAULT_COSIGNATURE, "data/checkpoint", 0, b.buf);
		}
	}
	/* the lines shaped as cosignatures (timestamp and signature) */
	r->cosigners = xcalloc(n.nsigs ? n.nsigs : 1, sizeof(*r->cosigners));
	for (size_t i = 0; i < n.nsigs; i++) {
		struct verify_cosigner *v;
		uint64_t t;

		if (cosig_line_time(&n.sigs[i], &t))
			continue;
		v = &r->cosigners[r->ncosigners++];
		v->name = xstrdup(n.sigs[i].name);
		v->keyid = n.sigs[i].keyid;
		v->time = t;
		v->status = ANCHOR_NOT_CHECKED;
		for (size_t k = 0; k < nw; k++) {
			if (n.sigs[i].keyid == o->witnesses[k].keyid && !strcmp(n.sigs[i].name, o->witnesses[k].name)) {
				v->status = st[k] == COSIG_OK ? ANCHOR_VERIFIED : ANCHOR_FAULT;
				v->fault = FAULT_BAD_COSIGNATURE;
			}
		}
	}
	if (nw) {
		need = o->quorum ? o->quorum : nw;
		if (have < need) {
			buf_reset(&b);
			buf_addf(&b, "cosigned by %zu of the %zu witnesses given, fewer than the quorum of %zu; "
				 "missing:", have, nw, need);
			for (size_t k = 0; k < nw; k++)
				if (st[k] != COSIG_OK)
					buf_addf(&b, " %s+%08x", o->witnesses[k].name, (unsigned)o->witnesses[k].keyid);
			bundle_report_fault(r, BUNDLE_FAULT_COSIGNATURE, "data/checkpoint", 0, b.buf);
		}
	} else if (r->ncosigners) {
		buf_reset(&b);
		buf_addf(&b, "%zu cosignature%s in data/checkpoint %s not checked: pass --witness W.pub",
			 r->ncosigners, r->ncosigners == 1 ? "" : "s", r->ncosigners == 1 ? "was" : "were");
		bundle_report_note(r, b.buf);
	}
	free(st);
	note_release(&n);
	buf_release(&err);
	buf_release(&b);
}

int bundle_anchors_check(int dfd, const struct buf *cp_bytes, const struct checkpoint *cp, int has_token,
			 const struct anchor_options *anchors, struct bundle_report *r)
{
	if (has_token)
		check_token(dfd, cp_bytes, cp, anchors, r);
	else if (anchors && anchors->ntsa_ca)
		bundle_report_fault(r, BUNDLE_FAULT_TIMESTAMP, BUNDLE_TOKEN_FILE, 0,
				    "--tsa-ca was given but the bundle carries no time-stamp token");
	if (cp_bytes->len)
		check_cosignatures(cp_bytes, anchors, r);
	return 0;
}
