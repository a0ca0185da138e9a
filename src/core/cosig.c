/*
 * cosig.c - cosignature/v1 lines (c2sp.org/tlog-cosignature, Ed25519):
 * the message a witness signs, its signature line, and checking one. The
 * Ed25519 work is note.c's; this file only frames it. A verifier
 * configured with (name, key) ignores lines with another name or key id,
 * as the spec says, and refuses every line that names it but does not
 * verify.
 */
#include <inttypes.h>
#include <string.h>

#include "trailscope/cosig.h"

#define COSIG_SIG_LEN (8 + 64)

void cosig_message(const char *body, size_t len, uint64_t t, struct buf *out)
{
	buf_addstr(out, COSIG_HEADER);
	buf_addf(out, "time %" PRIu64 "\n", t);
	buf_add(out, body, len);
}

static void put_be64(unsigned char *p, uint64_t v)
{
	for (int i = 7; i >= 0; i--, v >>= 8)
		p[i] = (unsigned char)v;
}

static uint64_t get_be64(const unsigned char *p)
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

int cosig_sign(const struct note_signer *w, const char *body, size_t len, uint64_t t,
	       struct buf *line, struct buf *err)
{
	unsigned char data[4 + COSIG_SIG_LEN];
	struct buf msg = BUF_INIT;
	int ret = -1;

	if (w->type != NOTE_KEY_COSIGNATURE_V1) {
		buf_addstr(err, "not a witness (cosigner) key");
		return -1;
	}
	if (t > (uint64_t)COSIG_MAX_TIME) {
		buf_addstr(err, "the timestamp exceeds 2^63 - 1");
		return -1;
	}
	cosig_message(body, len, t, &msg);
	data[0] = (unsigned char)(w->keyid >> 24);
	data[1] = (unsigned char)(w->keyid >> 16);
	data[2] = (unsigned char)(w->keyid >> 8);
	data[3] = (unsigned char)w->keyid;
	put_be64(data + 4, t);
	if (note_ed25519_sign(w->seed, msg.buf, msg.len, data + 12)) {
		buf_addstr(err, "Ed25519 signing failed");
		goto out;
	}
	note_sig_line(w->name, data, sizeof(data), line);
	ret = 0;
out:
	buf_release(&msg);
	return ret;
}

int cosig_line_time(const struct note_sig *sig, uint64_t *time)
{
	if (sig->sig_len != COSIG_SIG_LEN)
		return -1;
	*time = get_be64(sig->sig);
	return 0;
}

enum cosig_status cosig_verify(const struct note *n, const struct note_verifier *w, uint64_t *time)
{
	enum cosig_status st = COSIG_NONE;
	struct buf msg = BUF_INIT;
	uint64_t newest = 0;

	if (!w->name || w->type != NOTE_KEY_COSIGNATURE_V1)
		return COSIG_NONE;
	for (size_t i = 0; i < n->nsigs; i++) {
		const struct note_sig *sig = &n->sigs[i];
		uint64_t t;

		if (sig->keyid != w->keyid || strcmp(sig->name, w->name))
			continue;
		if (cosig_line_time(sig, &t) || t > (uint64_t)COSIG_MAX_TIME) {
			st = COSIG_BAD;
			break;
		}
		buf_reset(&msg);
		cosig_message(n->text, n->text_len, t, &msg);
		if (!note_ed25519_verify(w->pub, sig->sig + 8, msg.buf, msg.len)) {
			st = COSIG_BAD;
			break;
		}
		st = COSIG_OK;
		if (t > newest)
			newest = t;
	}
	buf_release(&msg);
	if (st == COSIG_OK && time)
		*time = newest;
	return st;
}
