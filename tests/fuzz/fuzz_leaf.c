/*
 * fuzz_leaf.c - libFuzzer harness for the leaf scanner verify runs over
 * every stored leaf (leaf_scan in leaf.c), versions 1, 2 and 3, and for
 * the derivation verify and show make from a parsed leaf
 * (derived_from_leaf). Aborts when the scanner accepts a version 3 leaf
 * whose raw_sha256 is not 64 lowercase hex digits, or one carrying "raw",
 * or when it accepts a version outside 1..LEAF_VERSION.
 */
#include "fuzz.h"
#include "trailscope/jcs.h"
#include "trailscope/leaf.h"
#include "trailscope/verify_derived.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct leaf_fields f;
	struct derived d;
	struct buf err = BUF_INIT;
	json_t *j;
	int line, col, accepted;

	leaf_fields_init(&f);
	accepted = leaf_scan((const char *)data, size, &f, &err) == 0;
	if (accepted) {
		if (f.version < 1 || f.version > LEAF_VERSION)
			abort();
		if (f.version >= 3 && !leaf_raw_sha256_valid(f.raw_sha256.buf, f.raw_sha256.len))
			abort();
		if (f.version < 3 && f.raw_sha256.len)
			abort();
	}
	buf_reset(&err);
	j = json_parse_strict((const char *)data, size, &line, &col, &err);
	if (j) {
		/* a version 3 leaf the scanner accepted carries no "raw" */
		if (accepted && f.version >= 3 && json_is_object(j) && json_object_get(j, "raw"))
			abort();
		derived_init(&d);
		derived_from_leaf(j, &d);
		derived_release(&d);
		json_decref(j);
	}
	leaf_fields_release(&f);
	buf_release(&err);
	return 0;
}
