/*
 * format_registry.c - the list of source formats import knows. Add a
 * format here and in docs/FORMATS.md. Detection picks the highest score;
 * the generic JSON-lines format scores lowest, so platform formats win.
 */
#include "trailscope/format_util.h"
#include "trailscope/formats.h"

const struct format_ops *const formats[] = {
	&format_k8s,
	&format_cloudtrail,
	&format_launchdarkly,
	&format_unleash,
	&format_m365,
	&format_github,
	&format_opensearch,
	&format_gcp,
	&format_azure,
	&format_map,
	&format_jsonl,
	NULL,
};
