/*
 * verify_anchors.c - checks a store's time-stamp tokens and witness
 * cosignatures, the anchors beyond the log's own key (docs/STORE.md,
 * "Anchors"):
 *
 * - every token: its imprint is SHA-256 of the checkpoint's note exactly
 *   as stored, its nonce is the one of the request trailscope made (when
 *   it made one), its signature chains to a given TSA CA at its own time
 *   with the timeStamping EKU; and no checkpoint is time-stamped earlier
 *   than a smaller one it extends (TIME_ORDER);
 * - every cosignature line of a checkpoint from a given witness verifies
 *   (cosignature/v1), and the newest verified checkpoint carries valid
 *   cosignatures from at least the quorum of the given witnesses.
 *
 * Cost: a few rows and one signature check per anchor; nothing per entry.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/x509.h>

#include "trailscope/anchors.h"
#include "trailscope/cosig.h"
#include "trailscope/tsa.h"
#include "trailscope/verify_anchors.h"
#include "trailscope/util.h"

const char *anchor_status_name(enum anchor_status st, enum fault_kind fault)
{
	if (st == ANCHOR_VERIFIED)
		return "VERIFIED";
	if (st == ANCHOR_NOT_CHECKED)
		return "NOT_CHECKED";
	return fault_kind_name(fault);
}

const struct verify_timestamp *verify_report_time(const struct verify_report *r, uint64_t size)
{
	const struct verify_timestamp *best = NULL;

	for (size_t i = 0; i < r->ntimestamps; i++) {
		const struct verify_timestamp *t = &r->timestamps[i];

		if (t->size != size || !*t->time || t->status == ANCHOR_FAULT)
			continue;
		if (!best || strcmp(t->time, best->time) < 0)
			best = t;
	}
	return best;
}

int verify_tsa_ca_check(const char *const *files, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		X509_STORE *st = X509_STORE_new();
		int ok;

		if (!st)
			die("out of memory");
		ok = X509_STORE_load_file(st, files[i]) == 1 && sk_X509_OBJECT_num(X509_STORE_get0_objects(st)) > 0;
		X509_STORE_free(st);
		ERR_clear_error();
		if (!ok)
			return error("cannot read TSA CA certificates from '%s' (expected PEM certificates)", files[i]);
	}
	return 0;
}

/* What was read from one token, for the ordering check. */
struct token_check {
	struct tsa_token_info info;
	int have_info;
	uint64_t size;
};

static void ts_fault(struct verify_report *r, struct verify_timestamp *t, enum fault_kind kind,
		     const struct buf *why)
{
	t->status = ANCHOR_FAULT;
	t->fault = kind;
	verify_report_checkpoint_fault(r, kind, t->size, why->buf);
}

static int check_timestamps(struct store *s, const struct anchor_options *o, struct verify_report *r)
{
	struct anchor_timestamp *tok = NULL;
	struct token_check *tc;
	struct buf note = BUF_INIT, why = BUF_INIT;
	size_t n = 0, alloc = 0;
	int check = o && o->ntsa_ca > 0, ret = -1;

	if (anchors_timestamps(s, 0, &tok, &n))
		return -1;
	tc = xcalloc(n ? n : 1, sizeof(*tc));
	for (size_t i = 0; i < n; i++) {
		struct verify_timestamp *t;
		uint64_t got;
		int rc;

		ALLOC_GROW(r->timestamps, r->ntimestamps + 1, alloc);
		t = &r->timestamps[r->ntimestamps++];
		memset(t, 0, sizeof(*t));
		t->size = tok[i].size;
		tc[i].size = tok[i].size;
		buf_reset(&why);
		if (tsa_token_info(tok[i].token, tok[i].token_len, &tc[i].info, &why) == 0) {
			tc[i].have_info = 1;
			t->tsa = xstrdup(tc[i].info.tsa);
			memcpy(t->time, tc[i].info.time, sizeof(t->time));
		} else {
			t->tsa = xstrdup("");
		}
		if (!check)
			continue;
		if (!tc[i].have_info) {
			struct buf b = BUF_INIT;

			buf_addf(&b, "a time-stamp token cannot be read: %s", why.buf);
			ts_fault(r, t, FAULT_BAD_TIMESTAMP, &b);
			buf_release(&b);
			continue;
		}
		rc = anchors_checkpoint_note(s, t->size, &note, &got);
		if (rc < 0)
			goto out;
		buf_reset(&why);
		if (rc == 0) {
			buf_addf(&why, "a time-stamp token names a checkpoint of size %" PRIu64 " that the "
				 "store does not have", t->size);
		} else if (!tsa_token_covers(&tc[i].info, note.buf, note.len)) {
			buf_addstr(&why, "the time-stamp token's imprint is not the SHA-256 of this checkpoint's "
				   "note: it time-stamps other data");
		} else if (tok[i].nonce && (!tc[i].info.nonce_hex || strcmp(tok[i].nonce, tc[i].info.nonce_hex))) {
			buf_addf(&why, "the time-stamp token's nonce %s is not %s, the nonce of the request "
				 "trailscope made: it answers another request",
				 tc[i].info.nonce_hex ? tc[i].info.nonce_hex : "(none)", tok[i].nonce);
		} else {
			struct buf err = BUF_INIT;

			rc = tsa_token_verify(tok[i].token, tok[i].token_len, o->tsa_ca, o->ntsa_ca, &err);
			if (rc < 0) {
				buf_release(&err);
				goto out;
			}
			if (rc)
				buf_addf(&why, "the time-stamp token by '%s' does not verify: %s", t->tsa, err.buf);
			buf_release(&err);
		}
		if (why.len)
			ts_fault(r, t, FAULT_BAD_TIMESTAMP, &why);
		else
			t->status = ANCHOR_VERIFIED;
	}
	/* a checkpoint cannot have been made before one it extends */
	for (size_t b = 0; check && b < r->ntimestamps; b++) {
		struct verify_timestamp *tb = &r->timestamps[b];

		for (size_t a = 0; tb->status == ANCHOR_VERIFIED && a < r->ntimestamps; a++) {
			const struct verify_timestamp *ta = &r->timestamps[a];

			if (ta->status != ANCHOR_VERIFIED || ta->size >= tb->size ||
			    tc[a].info.when <= tc[b].info.when)
				continue;
			buf_reset(&why);
			buf_addf(&why, "time-stamped at %s, earlier than the checkpoint of size %" PRIu64
				 " it extends, time-stamped at %s", tb->time, ta->size, ta->time);
			ts_fault(r, tb, FAULT_TIME_ORDER, &why);
		}
	}
	if (n && !check)
		verify_report_note(r, "%zu time-stamp token%s not checked: pass --tsa-ca CA.pem to check "
				   "%s against the TSA's certificate authority", n, n == 1 ? " was" : "s were",
				   n == 1 ? "it" : "them");
	else if (!n && check)
		verify_report_note(r, "no checkpoint carries a time-stamp token (trailscope timestamp)");
	ret = 0;
out:
	for (size_t i = 0; i < n; i++)
		if (tc[i].have_info)
			tsa_token_info_release(&tc[i].info);
	free(tc);
	anchor_timestamps_free(tok, n);
	buf_release(&note);
	buf_release(&why);
	return ret;
}

/* The cosignature lines of one checkpoint and what the given witnesses
 * make of them; *ok gets, per witness, 1 when it cosigned validly. */
static int check_cosigners(struct store *s, const struct anchor_options *o, struct verify_checkpoint *c,
			   struct verify_report *r, unsigned char *ok)
{
	struct buf text = BUF_INIT, err = BUF_INIT;
	struct note n;
	enum cosig_status *st = NULL;
	size_t nlines = 0, nw = o ? o->nwitnesses : 0;
	uint64_t size;
	int rc;

	rc = anchors_checkpoint_note(s, c->size, &text, &size);
	if (rc <= 0)
		return rc;
	if (anchors_cosignatures(s, c->size, &text, &nlines)) {
		buf_release(&text);
		return -1;
	}
	if (!nlines || note_parse(text.buf, text.len, &n, &err)) {
		/* no lines, or a note that does not parse: its status says so */
		buf_release(&text);
		buf_release(&err);
		return 0;
	}
	st = xcalloc(nw ? nw : 1, sizeof(*st));
	for (size_t k = 0; k < nw; k++) {
		st[k] = cosig_verify(&n, &o->witnesses[k], NULL);
		ok[k] = st[k] == COSIG_OK;
		if (st[k] == COSIG_BAD) {
			struct buf b = BUF_INIT;

			buf_addf(&b, "a cosignature line of witness '%s' does not verify", o->witnesses[k].name);
			verify_report_checkpoint_fault(r, FAULT_BAD_COSIGNATURE, c->size, b.buf);
			buf_release(&b);
		}
	}
	c->cosigners = xcalloc(nlines, sizeof(*c->cosigners));
	for (size_t i = n.nsigs >= nlines ? n.nsigs - nlines : 0; i < n.nsigs; i++) {
		const struct note_sig *sig = &n.sigs[i];
		struct verify_cosigner *v = &c->cosigners[c->ncosigners++];

		v->name = xstrdup(sig->name);
		v->keyid = sig->keyid;
		if (cosig_line_time(sig, &v->time))
			v->time = 0;
		v->status = ANCHOR_NOT_CHECKED;
		for (size_t k = 0; k < nw; k++) {
			if (sig->keyid != o->witnesses[k].keyid || strcmp(sig->name, o->witnesses[k].name))
				continue;
			v->status = st[k] == COSIG_OK ? ANCHOR_VERIFIED : ANCHOR_FAULT;
			v->fault = FAULT_BAD_COSIGNATURE;
		}
	}
	free(st);
	note_release(&n);
	buf_release(&text);
	buf_release(&err);
	return 0;
}

static int check_cosignatures(struct store *s, const struct anchor_options *o, struct verify_report *r)
{
	size_t nw = o ? o->nwitnesses : 0, need, have = 0, lines = 0;
	unsigned char *ok = xcalloc(nw ? nw : 1, 1), *latest = xcalloc(nw ? nw : 1, 1);
	int found = 0, ret = -1, any = anchors_any_cosignature(s);

	if (any < 0)
		goto out;
	for (size_t i = 0; i < r->ncheckpoints; i++) {
		struct verify_checkpoint *c = &r->checkpoints[i];

		memset(ok, 0, nw ? nw : 1);
		/* a store nobody cosigned costs one query, not one per checkpoint */
		if (any && check_cosigners(s, o, c, r, ok))
			goto out;
		lines += c->ncosigners;
		if (c->size == r->verified_through && c->status == FAULT_OK) {
			memcpy(latest, ok, nw ? nw : 1);
			found = 1;
		}
	}
	if (lines && !nw)
		verify_report_note(r, "%zu cosignature%s not checked: pass --witness W.pub to check witnesses' "
				   "cosignatures", lines, lines == 1 ? " was" : "s were");
	if (nw) {
		need = o->quorum ? o->quorum : nw;
		if (!found) {
			verify_report_note(r, "no verified checkpoint, so no witness quorum could be checked");
		} else {
			struct buf b = BUF_INIT;

			for (size_t k = 0; k < nw; k++)
				have += latest[k];
			if (have < need) {
				buf_addf(&b, "cosigned by %zu of the %zu witnesses given, fewer than the quorum of "
					 "%zu; missing:", have, nw, need);
				for (size_t k = 0; k < nw; k++)
					if (!latest[k])
						buf_addf(&b, " %s+%08x", o->witnesses[k].name,
							 (unsigned)o->witnesses[k].keyid);
				verify_report_checkpoint_fault(r, FAULT_NO_QUORUM, r->verified_through, b.buf);
			}
			buf_release(&b);
		}
	}
	ret = 0;
out:
	free(ok);
	free(latest);
	return ret;
}

int verify_anchors(struct store *s, const struct anchor_options *o, struct verify_report *r)
{
	if (check_timestamps(s, o, r) || check_cosignatures(s, o, r))
		return -1;
	return 0;
}
