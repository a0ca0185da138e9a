/*
 * str_scan.h - the end of a run of plain bytes inside a JSON string, for
 * the scanners that walk stored leaves without building values (leaf.c's
 * leaf_scan, verify_derived.c's walk): eight bytes a step where a word's
 * bytes are in memory order (little endian), a byte at a time elsewhere.
 */
#ifndef TRAILSCOPE_STR_SCAN_H
#define TRAILSCOPE_STR_SCAN_H

#include <stdint.h>
#include <string.h>

/* The first '"' or '\\' at or after p (with controls, also the first
 * control character, below 0x20), or end. In each test the lowest flagged
 * byte of a word is a true match (a false flag only ever sits above a
 * true one), so the lowest flag of all is the first such byte. */
static inline const char *str_scan_plain(const char *p, const char *end, int controls)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__ && defined(__GNUC__)
	const uint64_t ones = 0x0101010101010101ULL, high = 0x8080808080808080ULL;

	while (end - p >= 8) {
		uint64_t w, q, b, m;

		memcpy(&w, p, 8);
		q = w ^ (ones * '"');
		b = w ^ (ones * '\\');
		m = ((q - ones) & ~q) | ((b - ones) & ~b);
		if (controls)
			m |= (w - ones * 0x20) & ~w;
		m &= high;
		if (m)
			return p + (__builtin_ctzll(m) >> 3);
		p += 8;
	}
#endif
	while (p < end && *p != '"' && *p != '\\' && (!controls || (unsigned char)*p >= 0x20))
		p++;
	return p;
}

#endif
