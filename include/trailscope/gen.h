/*
 * gen.h - deterministic, realistic test data: audit events as JSON lines
 * in trailscope's generic schema (docs/EVENTS.md), and incidents with a
 * planted cause among plausible distractors.
 */
#ifndef TRAILSCOPE_GEN_H
#define TRAILSCOPE_GEN_H

#include <stdint.h>
#include <stdio.h>
#include "trailscope/util.h"

struct gen_options {
	uint64_t events;      /* number of events to write (default 10000) */
	uint64_t seed;        /* PRNG seed (default 1) */
	usec_t start;         /* time of the first event (default 2026-03-01T00:00:00Z) */
	unsigned incidents;   /* incidents to plant (default events / 2000, min 1 when incidents_out) */
};
void gen_options_init(struct gen_options *o);

/* Writes o->events events (JSON lines, time-ordered) to events_out and,
 * when incidents_out is not NULL, o->incidents incidents (JSON lines) to
 * incidents_out; each incident's planted cause is recorded in the incident
 * as "planted_cause": EVENT_ID (the field importers ignore, benchmarks
 * read). Same options, same bytes. Returns 0, or -1 on a write error. */
int gen_run(const struct gen_options *o, FILE *events_out, FILE *incidents_out);

#endif
