/*
 * fuzz_tlogproof.c - libFuzzer harness for c2sp.org/tlog-proof@v1 files
 * (tlogproof.c). A proof that parses is formatted again and that text
 * must parse to the same index, path and checkpoint (abort otherwise).
 */
#include "fuzz.h"
#include "trailscope/tlogproof.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tlog_proof p, p2;
	struct buf err = BUF_INIT, text = BUF_INIT;
	long line = 0;

	fuzz_dir();
	memset(&p, 0, sizeof(p));
	if (tlog_proof_parse((const char *)data, size, &p, &line, &err)) {
		if (line < 0)
			abort();
		goto done;
	}
	tlog_proof_format(&text, p.has_extra ? p.extra.buf : NULL, p.extra.len, p.index, &p.path,
			  p.checkpoint.buf, p.checkpoint.len);
	memset(&p2, 0, sizeof(p2));
	if (tlog_proof_parse(text.buf, text.len, &p2, &line, &err)) {
		fprintf(stderr, "tlogproof: formatted proof does not parse (line %ld: %s)\n", line, err.buf);
		abort();
	}
	if (p2.index != p.index || p2.has_extra != p.has_extra || p2.extra.len != p.extra.len ||
	    memcmp(p2.extra.buf, p.extra.buf, p.extra.len) || p2.checkpoint.len != p.checkpoint.len ||
	    memcmp(p2.checkpoint.buf, p.checkpoint.buf, p.checkpoint.len) || p2.path.n != p.path.n ||
	    (p.path.n && memcmp(p2.path.hash, p.path.hash, p.path.n * HASH_LEN))) {
		fprintf(stderr, "tlogproof: round trip changed the proof\n");
		abort();
	}
	tlog_proof_release(&p2);
	tlog_proof_release(&p);
done:
	buf_release(&err);
	buf_release(&text);
	return 0;
}
