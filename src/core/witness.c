/*
 * witness.c - cosigning a store's latest checkpoint as a witness: the
 * log's signature, then consistency with what this witness cosigned
 * before (an RFC 6962 consistency proof the store provides, checked
 * against the root kept in the witness's own state), then the state
 * file, then the cosignature line. The state is written before the
 * cosignature is stored, so a crash between them leaves the witness
 * ahead, never behind, of what it signed.
 *
 * Cost: one consistency proof, O(log n) reads of the store.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>

#include "trailscope/anchors.h"
#include "trailscope/b64.h"
#include "trailscope/cosig.h"
#include "trailscope/keys.h"
#include "trailscope/witness.h"
#include "trailscope/util.h"

#define STATE_MAGIC "trailscope-witness 1\n"
#define STATE_SUFFIX ".cosigned"
#define STATE_MAX (NOTE_MAX_SIZE + 4096)

void witness_result_release(struct witness_result *r)
{
	free(r->origin);
	free(r->state_file);
	memset(r, 0, sizeof(*r));
}

void witness_state_default(const struct note_signer *w, struct buf *out)
{
	char *dir = trust_state_dir();

	buf_addf(out, "%s/witness/", dir);
	keyfile_stem(w->name, out);
	buf_addf(out, "+%08x", (unsigned)w->keyid);
	free(dir);
}

static void root_text(const unsigned char root[HASH_LEN], struct buf *out)
{
	b64_encode(out, root, HASH_LEN);
}

/* Reads the state file: 1 with *prev filled, 0 when there is none, -1
 * (reported, class ERR_INPUT) when it cannot be read or is damaged. */
static int state_read(const char *path, struct checkpoint *prev, struct buf *when)
{
	struct buf err = BUF_INIT;
	size_t len;
	char *text = read_file(path, STATE_MAX, &len);
	const char *p, *body;
	int ret = -1;

	if (!text) {
		if (errno == ENOENT)
			return 0;
		return error_as(ERR_INPUT, "cannot read the witness state '%s': %s", path, strerror(errno));
	}
	if (strlen(text) != len || len < strlen(STATE_MAGIC) || memcmp(text, STATE_MAGIC, strlen(STATE_MAGIC))) {
		error_as(ERR_INPUT, "%s: not a witness state file (its first line is not \"trailscope-witness 1\")",
			 path);
		goto out;
	}
	body = strstr(text, "\n\n");
	if (!body) {
		error_as(ERR_INPUT, "%s: no checkpoint after the header", path);
		goto out;
	}
	p = text + strlen(STATE_MAGIC);
	if (!strncmp(p, "cosigned-at ", 12))
		buf_add(when, p + 12, strcspn(p + 12, "\n"));
	body += 2;
	if (checkpoint_parse(body, len - (size_t)(body - text), prev, &err)) {
		error_as(ERR_INPUT, "%s: damaged witness state: %s", path, err.buf);
		goto out;
	}
	ret = 1;
out:
	free(text);
	buf_release(&err);
	return ret;
}

static int state_write(const char *dir, const char *path, const char *body, size_t len)
{
	struct buf text = BUF_INIT;
	char now[32];
	int ret;

	if (mkdir_p(dir, 0700))
		return -1;
	time_format(time_now(), now);
	buf_addstr(&text, STATE_MAGIC);
	buf_addstr(&text, "cosigned-at ");
	buf_add(&text, now, 19);
	buf_addstr(&text, "Z\n\n");
	buf_add(&text, body, len);
	ret = write_file_atomic(path, text.buf, text.len, 0600);
	buf_release(&text);
	return ret;
}

/* Refuses a checkpoint that contradicts prev (-1, class ERR_FAILED; or
 * ERR_IO when the store cannot be read); 0 when it extends it (or is it). */
static int check_consistent(struct store *s, const struct checkpoint *prev, const struct checkpoint *cp,
			    const char *state, const char *when)
{
	struct buf a = BUF_INIT, b = BUF_INIT;
	struct merkle_proof p = { NULL, 0 };
	struct merkle_source src;
	int64_t have;
	int ret = -1;

	root_text(prev->root, &a);
	root_text(cp->root, &b);
	if (cp->size < prev->size) {
		error_as(ERR_FAILED, "refusing to cosign: a rollback: the latest checkpoint of \"%s\" has size %"
			 PRIu64 " (root %s), smaller than size %" PRIu64 " (root %s) this witness cosigned at %s (%s)",
			 cp->origin, cp->size, b.buf, prev->size, a.buf, when, state);
		goto out;
	}
	if (cp->size == prev->size) {
		if (memcmp(cp->root, prev->root, HASH_LEN)) {
			error_as(ERR_FAILED, "refusing to cosign: a fork: the latest checkpoint of \"%s\" at size %"
				 PRIu64 " has root %s, but this witness cosigned root %s at that size at %s (%s)",
				 cp->origin, cp->size, b.buf, a.buf, when, state);
			goto out;
		}
		ret = 0;
		goto out;
	}
	have = store_size(s);
	if (have < 0)
		goto out;
	store_merkle_source(s, &src);
	if ((uint64_t)have < cp->size || merkle_consistency_proof(&src, prev->size, cp->size, &p) ||
	    merkle_verify_consistency(prev->size, cp->size, prev->root, cp->root, &p)) {
		error_as(ERR_FAILED, "refusing to cosign: a fork: the latest checkpoint of \"%s\" (size %" PRIu64
			 ", root %s) is not consistent with size %" PRIu64 " (root %s) this witness cosigned at "
			 "%s (%s): %s", cp->origin, cp->size, b.buf, prev->size, a.buf, when, state,
			 (uint64_t)have < cp->size ? "the store holds fewer entries than the checkpoint, so "
			 "no consistency proof can be made"
			 : "no consistency proof between them verifies");
		goto out;
	}
	ret = 0;
out:
	merkle_proof_release(&p);
	buf_release(&a);
	buf_release(&b);
	return ret;
}

/* 1 when the checkpoint of size already carries a valid cosignature of w. */
static int already_cosigned(struct store *s, const struct note_signer *w, const struct buf *note, uint64_t size)
{
	struct note_verifier v = { w->name, w->keyid, { 0 }, NOTE_KEY_COSIGNATURE_V1 };
	struct buf all = BUF_INIT, err = BUF_INIT;
	struct note n;
	int ret = 0;

	memcpy(v.pub, w->pub, sizeof(v.pub));
	buf_add(&all, note->buf, note->len);
	if (anchors_cosignatures(s, size, &all, NULL) == 0 && note_parse(all.buf, all.len, &n, &err) == 0) {
		ret = cosig_verify(&n, &v, NULL) == COSIG_OK;
		note_release(&n);
	}
	buf_release(&all);
	buf_release(&err);
	return ret;
}

int witness_cosign(struct store *s, const struct note_signer *w, const struct note_verifier *log,
		   const char *state_dir, struct witness_result *r)
{
	struct buf note = BUF_INIT, err = BUF_INIT, dir = BUF_INIT, path = BUF_INIT, line = BUF_INIT;
	struct buf when = BUF_INIT;
	struct checkpoint cp = { 0 }, prev = { 0 };
	struct note n = { 0 };
	int ret = -1, rc, have_prev = 0;
	uint64_t size = 0;

	memset(r, 0, sizeof(*r));
	if (store_begin(s))
		return -1;
	rc = anchors_checkpoint_note(s, 0, &note, &size);
	if (rc <= 0) {
		if (rc == 0)
			error_as(ERR_INPUT, "%s: the store has no checkpoint to cosign", s->path);
		goto out;
	}
	r->size = size;
	if (note_parse(note.buf, note.len, &n, &err) || checkpoint_parse(n.text, n.text_len, &cp, &err)) {
		error_as(ERR_INPUT, "%s: the latest checkpoint (size %" PRIu64 ") is malformed: %s", s->path,
			 size, err.buf);
		goto out;
	}
	r->origin = xstrdup(cp.origin);
	if (cp.size != size) {
		error_as(ERR_INPUT, "%s: the latest checkpoint row says size %" PRIu64 " but its note says %" PRIu64,
			 s->path, size, cp.size);
		goto out;
	}
	switch (note_verify(&n, log)) {
	case NOTE_SIG_OK:
		break;
	case NOTE_SIG_BAD:
		error_as(ERR_FAILED, "refusing to cosign: the signature of log key '%s' on the checkpoint of size %"
			 PRIu64 " does not verify", log->name, size);
		goto out;
	default:
		error_as(ERR_FAILED, "refusing to cosign: the checkpoint of size %" PRIu64 " is not signed by the "
			 "log key '%s+%08x'", size, log->name, (unsigned)log->keyid);
		goto out;
	}
	if (state_dir)
		buf_addstr(&dir, state_dir);
	else
		witness_state_default(w, &dir);
	buf_addf(&path, "%s/", dir.buf);
	trust_origin_filename(cp.origin, &path);
	buf_addstr(&path, STATE_SUFFIX);
	r->state_file = xstrdup(path.buf);
	have_prev = state_read(path.buf, &prev, &when);
	if (have_prev < 0)
		goto out;
	if (have_prev) {
		r->prev_size = prev.size;
		if (check_consistent(s, &prev, &cp, path.buf, when.len ? when.buf : "(time unknown)"))
			goto out;
	}
	if (already_cosigned(s, w, &note, size)) {
		r->already = 1;
		ret = 0;
		goto out;
	}
	r->time = (uint64_t)(time_now() / 1000000);
	if (cosig_sign(w, n.text, n.text_len, r->time, &line, &err)) {
		error("cannot cosign: %s", err.buf);
		goto out;
	}
	buf_setlen(&line, line.len - 1); /* stored without its newline */
	if (state_write(dir.buf, path.buf, n.text, n.text_len) ||
	    anchors_add_cosignature(s, size, line.buf) || store_commit(s))
		goto out;
	ret = 0;
out:
	store_rollback(s);
	note_release(&n);
	checkpoint_release(&cp);
	if (have_prev > 0)
		checkpoint_release(&prev);
	buf_release(&note);
	buf_release(&err);
	buf_release(&dir);
	buf_release(&path);
	buf_release(&line);
	buf_release(&when);
	return ret;
}
