/*
 * fuzz_keyfile.c - libFuzzer harness for key files (keys.c): the input
 * is written to the scratch directory as a key file (mode 0600) and
 * loaded as a signer and as a verifier key file, of a log and of a
 * witness (cosigner, type 0x04).
 */
#include <sys/stat.h>
#include "fuzz.h"
#include "trailscope/keys.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[8192];
	struct note_signer s;
	struct note_verifier v;

	fuzz_write("key", data, size);
	fuzz_path(path, sizeof(path), "key");
	if (chmod(path, 0600))
		abort();
	memset(&s, 0, sizeof(s));
	if (!keyfile_load_signer(path, &s))
		note_signer_release(&s);
	memset(&v, 0, sizeof(v));
	if (!keyfile_load_verifier(path, &v))
		note_verifier_release(&v);
	memset(&s, 0, sizeof(s));
	if (!keyfile_load_cosigner_signer(path, &s))
		note_signer_release(&s);
	memset(&v, 0, sizeof(v));
	if (!keyfile_load_cosigner(path, &v))
		note_verifier_release(&v);
	return 0;
}
