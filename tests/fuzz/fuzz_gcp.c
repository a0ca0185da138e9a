/*
 * fuzz_gcp.c - libFuzzer harness for the Google Cloud Audit Logs reader (format_gcp.c), JSON lines, a gcloud array or an entries response:
 * the input is one import file, read with --include-reads when its length is odd.
 */
#include "fuzz.h"
#include "trailscope/format_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct format_options opt = { .map_file = NULL };

	opt.include_reads = size & 1;
	return fuzz_format(&format_gcp, &opt, data, size);
}
