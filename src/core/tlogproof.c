/*
 * tlogproof.c - c2sp.org/tlog-proof@v1 text (see tlogproof.h). Cost:
 * linear in the text; the checkpoint is kept verbatim, not parsed here.
 */
#include <string.h>

#include "trailscope/b64.h"
#include "trailscope/tlogproof.h"
#include "trailscope/util.h"

void tlog_proof_format(struct buf *out, const void *extra, size_t extra_len, uint64_t index,
		       const struct merkle_proof *path, const char *checkpoint, size_t checkpoint_len)
{
	buf_addstr(out, TLOG_PROOF_HEADER "\n");
	if (extra) {
		buf_addstr(out, "extra ");
		b64_encode(out, extra, extra_len);
		buf_addch(out, '\n');
	}
	buf_addf(out, "index %llu\n", (unsigned long long)index);
	for (size_t i = 0; i < path->n; i++) {
		b64_encode(out, path->hash[i], HASH_LEN);
		buf_addch(out, '\n');
	}
	buf_addch(out, '\n');
	buf_add(out, checkpoint, checkpoint_len);
}

void tlog_proof_release(struct tlog_proof *p)
{
	buf_release(&p->extra);
	buf_release(&p->checkpoint);
	merkle_proof_release(&p->path);
	memset(p, 0, sizeof(*p));
}

/* The next line of text from *pos (without its "\n"); 0 at the end or when
 * the line has no terminating newline (*unterminated set). */
static int next_line(const char *text, size_t len, size_t *pos, const char **s, size_t *l)
{
	const char *nl;

	if (*pos >= len)
		return 0;
	nl = memchr(text + *pos, '\n', len - *pos);
	if (!nl)
		return -1;
	*s = text + *pos;
	*l = (size_t)(nl - *s);
	*pos = (size_t)(nl - text) + 1;
	return 1;
}

static int fail(struct buf *err, long *line, long no, const char *msg)
{
	*line = no;
	buf_addstr(err, msg);
	return -1;
}

int tlog_proof_parse(const char *text, size_t len, struct tlog_proof *out, long *line, struct buf *err)
{
	size_t pos = 0, l;
	const char *s;
	long no = 1;
	int rc;
	size_t alloc = 0;

	memset(out, 0, sizeof(*out));
	buf_init(&out->extra);
	buf_init(&out->checkpoint);
	rc = next_line(text, len, &pos, &s, &l);
	if (rc != 1 || l != strlen(TLOG_PROOF_HEADER) || memcmp(s, TLOG_PROOF_HEADER, l))
		return fail(err, line, 1, "expected the header line '" TLOG_PROOF_HEADER "'");
	rc = next_line(text, len, &pos, &s, &l);
	no++;
	if (rc == 1 && l >= 6 && !memcmp(s, "extra ", 6)) {
		if (b64_decode(&out->extra, s + 6, l - 6)) {
			tlog_proof_release(out);
			return fail(err, line, no, "bad base64 in the extra line");
		}
		out->has_extra = 1;
		rc = next_line(text, len, &pos, &s, &l);
		no++;
	}
	if (rc != 1 || l < 7 || memcmp(s, "index ", 6)) {
		tlog_proof_release(out);
		return fail(err, line, no, "expected 'index N'");
	}
	{
		uint64_t v = 0;
		size_t k;

		for (k = 6; k < l; k++) {
			if (s[k] < '0' || s[k] > '9' || v > (UINT64_MAX - 9) / 10)
				break;
			v = v * 10 + (uint64_t)(s[k] - '0');
		}
		if (k != l || (s[6] == '0' && l > 7)) {
			tlog_proof_release(out);
			return fail(err, line, no, "bad index (a decimal with no leading zeroes)");
		}
		out->index = v;
	}
	for (;;) {
		struct buf h = BUF_INIT;

		rc = next_line(text, len, &pos, &s, &l);
		no++;
		if (rc != 1) {
			tlog_proof_release(out);
			return fail(err, line, no, "missing the empty line and checkpoint after the proof hashes");
		}
		if (l == 0)
			break;
		if (out->path.n >= MERKLE_MAX_PROOF) {
			tlog_proof_release(out);
			return fail(err, line, no, "too many proof hashes");
		}
		if (b64_decode(&h, s, l) || h.len != HASH_LEN) {
			buf_release(&h);
			tlog_proof_release(out);
			return fail(err, line, no, "expected a base64 SHA-256 hash");
		}
		ALLOC_GROW(out->path.hash, out->path.n + 1, alloc);
		memcpy(out->path.hash[out->path.n++], h.buf, HASH_LEN);
		buf_release(&h);
	}
	if (pos >= len) {
		tlog_proof_release(out);
		return fail(err, line, no + 1, "missing the checkpoint");
	}
	buf_add(&out->checkpoint, text + pos, len - pos);
	*line = 0;
	return 0;
}
