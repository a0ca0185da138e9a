/*
 * jcs.h - RFC 8785 JSON Canonicalization Scheme over jansson values, and
 * the strict JSON reader every importer uses.
 *
 * Numbers are IEEE 754 doubles (I-JSON): json_parse_strict() decodes all
 * numbers as reals, and jcs_serialize() writes them the way ECMAScript's
 * Number.prototype.toString does. Object members are sorted by their
 * UTF-16 code units. Strings are escaped minimally, as RFC 8785 says.
 */
#ifndef TRAILSCOPE_JCS_H
#define TRAILSCOPE_JCS_H

#include <jansson.h>
#include "trailscope/buf.h"

#define JSON_MAX_DEPTH 64      /* deeper records are rejected */
#define JSON_MAX_RECORD (4u << 20) /* 4 MiB per record */

/* Appends the canonical form of v to out. Returns 0, or -1 with a reason
 * in err (a non-finite number cannot be canonicalized). */
int jcs_serialize(const json_t *v, struct buf *out, struct buf *err);

/* Appends the canonical form of v, which json_parse_strict read from
 * text[0, len), with each number written from its source text instead of
 * its double: the exact value, laid out by the same ECMAScript rules
 * (jcs_format_decimal). Equal to jcs_serialize whenever every number's
 * text has the value of its double's shortest form (0.1, 1.0, 2e3), and
 * different when a double lost digits (9007199254740993). Returns 0, or
 * -1 with a reason in err when text is not what v was read from. */
int jcs_serialize_exact(const json_t *v, const char *text, size_t len, struct buf *out, struct buf *err);

/* Appends the exact value (as jcs_format_decimal writes it) of the number
 * num, a value inside root, which json_parse_strict read from text[0,
 * len). Returns 0, or -1 when num is not one of root's numbers. */
int jcs_number_text(const json_t *root, const char *text, size_t len, const json_t *num, struct buf *out);

/* Appends the exact value of the JSON number text num[0, len) in the
 * layout jcs_format_number uses ("9007199254740993", "1.25e-30",
 * "1e-400"; "-0" becomes "0"). */
void jcs_format_decimal(const char *num, size_t len, struct buf *out);

/* Appends the ECMAScript shortest round-trip form of d ("1e+21", "0.1",
 * "-0" becomes "0"). d must be finite. */
void jcs_format_number(double d, struct buf *out);

/* Parses one JSON text strictly: valid UTF-8 only, duplicate keys
 * rejected, every number decoded as a double, nesting at most
 * JSON_MAX_DEPTH, "\u0000" allowed inside strings. Returns a new
 * reference, or NULL with *line, *col (1-based, col in bytes) and a
 * reason in err. */
json_t *json_parse_strict(const char *text, size_t len, int *line, int *col, struct buf *err);

/* Appends the value as compact canonical JSON (jcs_serialize), dying only
 * on non-finite numbers, which json_parse_strict never produces. */
void json_append(struct buf *out, const json_t *v);

/* Stores v's value in *out and returns 0 if v is a number whose value is a
 * whole number that a long long holds; returns -1 otherwise (not a
 * number, a fraction, or out of range), leaving *out alone. */
int json_whole_number(const json_t *v, long long *out);

/* v's value as a long long when json_whole_number() accepts it, else dflt. */
long long json_whole_or(const json_t *v, long long dflt);

/* Compares two values for equality the way JCS would (numbers as doubles,
 * object member order ignored). */
int json_equal_canonical(const json_t *a, const json_t *b);

#endif
