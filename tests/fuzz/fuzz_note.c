/*
 * fuzz_note.c - libFuzzer harness for signed notes and checkpoints
 * (note.c): the input is parsed as a note, verified against a fixed key
 * (the C2SP test vector's), its text parsed as a checkpoint; the input is
 * also parsed as verifier and signer key text.
 */
#include "fuzz.h"
#include "trailscope/note.h"

static const char fuzz_vkey[] = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct note_verifier v;
	static int have_v;
	struct note n;
	struct note_verifier kv;
	struct note_signer ks;
	struct checkpoint cp;
	struct buf err = BUF_INIT, text = BUF_INIT;

	fuzz_dir();
	if (!have_v) {
		if (note_verifier_parse(fuzz_vkey, &v, &err))
			abort();
		have_v = 1;
	}
	memset(&n, 0, sizeof(n));
	if (!note_parse((const char *)data, size, &n, &err)) {
		note_verify(&n, &v);
		buf_reset(&err);
		memset(&cp, 0, sizeof(cp));
		if (!checkpoint_parse(n.text, n.text_len, &cp, &err))
			checkpoint_release(&cp);
		note_release(&n);
	}
	buf_reset(&err);
	memset(&cp, 0, sizeof(cp));
	if (!checkpoint_parse((const char *)data, size, &cp, &err))
		checkpoint_release(&cp);
	buf_add(&text, data, size);
	buf_reset(&err);
	memset(&kv, 0, sizeof(kv));
	if (!note_verifier_parse(text.buf, &kv, &err))
		note_verifier_release(&kv);
	buf_reset(&err);
	memset(&ks, 0, sizeof(ks));
	if (!note_signer_parse(text.buf, &ks, &err))
		note_signer_release(&ks);
	buf_release(&err);
	buf_release(&text);
	return 0;
}
