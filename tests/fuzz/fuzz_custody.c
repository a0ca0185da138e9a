/*
 * fuzz_custody.c - libFuzzer harness for the chain-of-custody reader
 * (custody.c): the input is a custody.jsonl, checked against a fixed
 * manifest digest with the key of the seed in tests/fuzz/corpus/custody as the
 * trusted key (so the seed verifies and mutations reach deep).
 */
#include "fuzz.h"
#include "trailscope/custody.h"

static const char fuzz_vkey[] = "example.org/audit+00b37c39+AbJId6NXxarAZ/wRigujd+F+AgZDSI5f3TPG66dhCv/w";
static const char fuzz_manifest[] = "60280d47c5891672a01e6a9bd2091e092c41ccf0e91184390f95c75ef3f933ad";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct note_verifier v;
	static int have_v;
	struct bag_faults F = BAG_FAULTS_INIT;
	struct custody_report r;
	struct buf err = BUF_INIT;

	fuzz_dir();
	if (!have_v) {
		if (note_verifier_parse(fuzz_vkey, &v, &err))
			abort();
		have_v = 1;
	}
	memset(&r, 0, sizeof(r));
	custody_verify((const char *)data, size, fuzz_manifest, &v, 1, &F, &r);
	custody_report_release(&r);
	bag_faults_release(&F);
	buf_release(&err);
	return 0;
}
