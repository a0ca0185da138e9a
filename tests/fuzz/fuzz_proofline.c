/*
 * fuzz_proofline.c - libFuzzer harness for the lines of a packed bundle
 * that bundle verify reads without a JSON tree: a data/proofs.jsonl line
 * (bundle_proof_line_parse, bundle_packed.c), which must format back to
 * exactly the input when it parses (abort otherwise), and the "raw" member
 * of a data/events.jsonl line (json_top_string, json_member.c), which must
 * stay within the input.
 */
#include "fuzz.h"
#include "trailscope/bundle.h"
#include "trailscope/json_member.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct merkle_proof p = { 0 };
	struct buf why = BUF_INIT, line = BUF_INIT, raw = BUF_INIT;
	int64_t seq = 0;

	fuzz_dir();
	if (bundle_proof_line_parse((const char *)data, size, &seq, &p, &why) == 0) {
		bundle_proof_line(&line, seq, &p);
		if (line.len != size + 1 || memcmp(line.buf, data, size)) {
			fprintf(stderr, "proofline: a line that parses is not its canonical form\n");
			abort();
		}
		merkle_proof_release(&p);
	} else if (!why.len) {
		fprintf(stderr, "proofline: refused without a reason\n");
		abort();
	}
	if (json_top_string((const char *)data, size, "raw", &raw) == 0 && raw.len > size) {
		fprintf(stderr, "proofline: the raw member is longer than the text\n");
		abort();
	}
	buf_release(&why);
	buf_release(&line);
	buf_release(&raw);
	return 0;
}
