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
	const uint8_t *map, *records;
	size_t map_len, records_len;
	char path[8192];
	struct format_options opt = { .map_file = path };

	fuzz_split(data, size, &map, &map_len, &records, &records_len);
	fuzz_write("map.json", map, map_len);
	fuzz_path(path, sizeof(path), "map.json");
	return fuzz_format(&format_opensearch, &opt, records, records_len);
}
