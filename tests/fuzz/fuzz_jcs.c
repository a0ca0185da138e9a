/*
 * fuzz_jcs.c - libFuzzer harness for the strict JSON reader and the
 * RFC 8785 canonicaliser (jcs.c). Whatever json_parse_strict accepts must
 * canonicalise, and canonicalisation must be a fixed point:
 * canonical(parse(canonical(x))) == canonical(x), byte for byte, and the
 * two values compare equal; the harness aborts when that is violated.
 */
#include "fuzz.h"
#include <jansson.h>
#include "trailscope/jcs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct buf c1 = BUF_INIT, c2 = BUF_INIT, err = BUF_INIT;
	json_t *v1, *v2 = NULL;
	int line, col;

	fuzz_dir();
	v1 = json_parse_strict((const char *)data, size, &line, &col, &err);
	if (!v1)
		goto done;
	if (line < 0 || col < 0)
		abort();
	if (jcs_serialize(v1, &c1, &err)) {
		fprintf(stderr, "jcs: parsed value does not canonicalise: %s\n", err.buf);
		abort();
	}
	buf_reset(&err);
	v2 = json_parse_strict(c1.buf, c1.len, &line, &col, &err);
	if (!v2) {
		fprintf(stderr, "jcs: canonical form does not parse (%d:%d: %s): %s\n", line, col,
			err.buf, c1.buf);
		abort();
	}
	if (jcs_serialize(v2, &c2, &err) || c1.len != c2.len || memcmp(c1.buf, c2.buf, c1.len)) {
		fprintf(stderr, "jcs: not a fixed point:\n  %s\n  %s\n", c1.buf, c2.buf);
		abort();
	}
	if (!json_equal_canonical(v1, v2)) {
		fprintf(stderr, "jcs: reparsed canonical form differs: %s\n", c1.buf);
		abort();
	}
done:
	json_decref(v1);
	json_decref(v2);
	buf_release(&c1);
	buf_release(&c2);
	buf_release(&err);
	return 0;
}
