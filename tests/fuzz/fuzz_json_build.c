/*
 * fuzz_json_build.c - differential libFuzzer harness for the one-pass
 * reader (json_build.c) against jansson's own, with the flags
 * json_parse_strict uses. Whatever json_build_strict builds, jansson must
 * accept and build the same value (json_same.h: types, member order,
 * string bytes, the bits of every double); it may decline a text jansson
 * accepts, never accept one jansson refuses. The harness aborts
 * otherwise. json_parse_strict must then give that same value too.
 */
#include "fuzz.h"
#include <jansson.h>
#include "json_same.h"
#include "trailscope/jcs.h"
#include "trailscope/json_build.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t *fast, *slow, *strict;
	json_error_t jerr;
	struct buf err = BUF_INIT;
	int line, col;

	fast = json_build_strict((const char *)data, size);
	if (!fast)
		return 0;
	slow = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES | JSON_DECODE_INT_AS_REAL |
			  JSON_ALLOW_NUL | JSON_DECODE_ANY, &jerr);
	if (!slow) {
		fprintf(stderr, "json_build: accepted what jansson refuses: %s\n", jerr.text);
		abort();
	}
	if (!json_same(fast, slow)) {
		fprintf(stderr, "json_build: a value other than jansson's\n");
		abort();
	}
	strict = json_parse_strict((const char *)data, size, &line, &col, &err);
	if (!strict || !json_same(strict, slow)) {
		fprintf(stderr, "json_build: json_parse_strict differs: %s\n", err.buf ? err.buf : "");
		abort();
	}
	json_decref(fast);
	json_decref(slow);
	json_decref(strict);
	buf_release(&err);
	return 0;
}
