/*
 * fuzz_launchdarkly.c - libFuzzer harness for the LaunchDarkly audit-log reader (format_launchdarkly.c):
 * the input is one import file, read with --include-reads when its length is odd.
 */
#include "fuzz.h"
#include "trailscope/format_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct format_options opt = { .map_file = NULL };

	opt.include_reads = size & 1;
	return fuzz_format(&format_launchdarkly, &opt, data, size);
}
