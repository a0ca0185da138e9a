/*
 * fuzz_map.c - libFuzzer harness for mapped JSON (format_map.c): the
 * input is a map file (--map), a NUL byte, then the records it maps. The
 * map file is written to the scratch directory, since the format reads
 * it by name.
 */
#include "fuzz.h"
#include "trailscope/format_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fuzz_format_with_map(&format_map, data, size);
}
