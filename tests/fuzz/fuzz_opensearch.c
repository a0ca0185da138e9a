/*
 * fuzz_opensearch.c - libFuzzer harness for OpenSearch/Elasticsearch
 * exports (format_opensearch.c): the input is a map file (--map), a NUL
 * byte, then the export (a search response, scroll pages, hit lines or
 * _source lines), as fuzz_map.c takes it. The map file is written to the
 * scratch directory, since the format reads it by name.
 */
#include "fuzz.h"
#include "trailscope/format_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fuzz_format_with_map(&format_opensearch, data, size);
}
