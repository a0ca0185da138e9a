/*
 * format_registry.c - the list of source formats import knows. Add a
 * format here and in docs/FORMATS.md.
 */
#include "trailscope/formats.h"

const struct format_ops *const formats[] = {
	&format_jsonl,
	NULL,
};
