/*
 * fuzz_azure.c - libFuzzer harness for the Azure Activity Log reader (format_azure.c), records documents, JSON lines or a REST value array:
 * the input is one import file, read with --include-reads when its length is odd.
 */
#include "fuzz.h"
#include "trailscope/format_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct format_options opt = { .map_file = NULL };

	opt.include_reads = size & 1;
	return fuzz_format(&format_azure, &opt, data, size);
}
