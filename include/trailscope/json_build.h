/*
 * json_build.h - a one-pass reader that builds the jansson value
 * json_parse_strict (jcs.h) would build, for the texts it can vouch for
 * (json_build.c). json_parse_strict tries it first and falls back to
 * jansson's own reader, whose lexer saves each byte with a function call,
 * for everything else and for every error's message and place.
 */
#ifndef TRAILSCOPE_JSON_BUILD_H
#define TRAILSCOPE_JSON_BUILD_H

#include <jansson.h>
#include <stddef.h>

#define JSON_BUILD_DEPTH_MAX 32 /* deeper texts are "not sure" */

/*
 * Reads text (n bytes, NUL not needed) as one JSON value with whitespace
 * around it, the way json_loadb() does with JSON_REJECT_DUPLICATES,
 * JSON_DECODE_INT_AS_REAL, JSON_ALLOW_NUL and JSON_DECODE_ANY: the same
 * types, member order, string bytes and doubles, bit for bit. Returns a
 * new reference, or NULL when not sure: every text jansson refuses, and,
 * to stay simple, a member name holding "\u0000" or longer than 1 KiB
 * with escapes, a number longer than 64 bytes, nesting deeper than
 * JSON_BUILD_DEPTH_MAX, and a text longer than JSON_MAX_RECORD.
 */
json_t *json_build_strict(const char *text, size_t n);

/*
 * The length of the escape at s (n bytes, s[0] a backslash) as jansson
 * accepts it: 2 for \" \\ \/ \b \f \n \r \t, 6 for \uXXXX, 12 for a
 * high and a low surrogate's pair; 0 for anything jansson refuses (bad
 * digits, an unknown letter, a surrogate alone, the text ending). *unit,
 * when not NULL, gets the first code unit (or the escaped letter).
 */
size_t json_escape_len(const unsigned char *s, size_t n, long *unit);

#endif
