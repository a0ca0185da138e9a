/*
 * json_scan.h - a validating pass over one JSON object that builds no
 * tree (json_scan.c), for import's fast paths: it tells a record that
 * json_parse_strict (jcs.h) surely accepts, and where its top-level
 * members are, so that a record which needs no more (a Kubernetes read,
 * skipped) costs a scan instead of a parse.
 */
#ifndef TRAILSCOPE_JSON_SCAN_H
#define TRAILSCOPE_JSON_SCAN_H

#include <stddef.h>

enum json_scan_type {
	JSCAN_OBJECT = 1, JSCAN_ARRAY, JSCAN_STRING, JSCAN_NUMBER, JSCAN_TRUE, JSCAN_FALSE, JSCAN_NULL,
};

struct json_scan_value {
	enum json_scan_type type;
	const char *p;          /* a string's bytes between its quotes, as written;
	                           any other value's whole text */
	size_t n;
	int escaped;            /* a string holding a backslash escape */
};

struct json_scan_member {
	struct json_scan_value name; /* never escaped (json_scan_object) */
	struct json_scan_value value;
};

/*
 * Scans text (n bytes, NUL not needed) as one JSON object, with
 * whitespace around it. Returns the number of its members, their names
 * and values in out[] in the order written, when json_parse_strict
 * surely accepts the text; -1 when not sure. Not sure includes every text
 * the strict parser refuses, and beyond those, to stay simple: a
 * backslash in any member name, "\u0000", a number with an exponent or
 * longer than 40 bytes, nesting deeper than 32, more than max members at
 * the top, more than 512 names in the open objects at once, and a text
 * longer than JSON_MAX_RECORD. The caller then parses strictly, for the
 * verdict and the error's message and place.
 */
int json_scan_object(const char *text, size_t n, struct json_scan_member *out, size_t max);

/* The member named name (ASCII, without escapes) of scanned members, or NULL. */
const struct json_scan_value *json_scan_get(const struct json_scan_member *m, int n, const char *name);

/* 1 when v is a string without escapes whose bytes are exactly s. */
int json_scan_str_is(const struct json_scan_value *v, const char *s);

#endif
