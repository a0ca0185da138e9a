/*
 * k8s_oracle.h - what the Kubernetes reader's strict path makes of one
 * line of JSON lines (the ordered pass of format_k8s's sift, which parses
 * every line with json_parse_strict), for the checks that the scan
 * k8s_line_is_read() vouches only for lines that path skips as reads:
 * tests/unit/test_json_scan.c and tests/fuzz/fuzz_k8s_scan.c.
 */
#ifndef K8S_ORACLE_H
#define K8S_ORACLE_H

#include <stdlib.h>
#include <string.h>
#include "trailscope/event.h"
#include "trailscope/format_util.h"
#include "trailscope/util.h"

struct k8s_oracle {
	unsigned long emitted, bad, reads, other_skips;
};

static inline int k8s_oracle_emit(void *ctx, struct event *ev)
{
	((struct k8s_oracle *)ctx)->emitted++;
	event_release(ev);
	free(ev);
	return 0;
}

static inline int k8s_oracle_bad(void *ctx, UNUSED long line, UNUSED int col, UNUSED long index,
				 UNUSED const char *why)
{
	((struct k8s_oracle *)ctx)->bad++;
	return 0;
}

static inline void k8s_oracle_skip(void *ctx, enum skip_reason reason)
{
	struct k8s_oracle *o = ctx;

	if (reason == SKIP_READ)
		o->reads++;
	else
		o->other_skips++;
}

/* 1 when the strict path skips line (n bytes) as a read, and does
 * nothing else with it. */
static inline int k8s_oracle_is_read(const char *line, size_t n)
{
	struct k8s_oracle o = { 0 };
	struct record_sink sink = { k8s_oracle_emit, k8s_oracle_bad, NULL, &o, k8s_oracle_skip };
	struct format_options opt = { .map_file = NULL };
	char *copy = xmalloc(n + 1);
	void *state;

	memcpy(copy, line, n);
	copy[n] = '\0';
	state = format_k8s.sift->open("oracle", &opt, &sink);
	format_k8s.sift->feed(state, copy, n, 1, NULL);
	format_k8s.sift->close(state, 1);
	free(copy);
	return o.reads == 1 && !o.bad && !o.emitted && !o.other_skips;
}

#endif
