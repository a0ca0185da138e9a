/*
 * b64.c - strict base64 (RFC 4648 section 4) encode and decode.
 * Hand-written because OpenSSL's EVP_DecodeBlock accepts whitespace and
 * reports padding bytes as data; checkpoints need exact round trips.
 */
#include <string.h>

#include "trailscope/b64.h"

static const char alphabet[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

void b64_encode(struct buf *out, const void *data, size_t len)
{
	const unsigned char *p = data;

	buf_grow(out, (len + 2) / 3 * 4);
	for (size_t i = 0; i < len; i += 3) {
		unsigned v = (unsigned)p[i] << 16;

		if (i + 1 < len)
			v |= (unsigned)p[i + 1] << 8;
		if (i + 2 < len)
			v |= p[i + 2];
		buf_addch(out, alphabet[v >> 18 & 63]);
		buf_addch(out, alphabet[v >> 12 & 63]);
		buf_addch(out, i + 1 < len ? alphabet[v >> 6 & 63] : '=');
		buf_addch(out, i + 2 < len ? alphabet[v & 63] : '=');
	}
}

static int value(char c)
{
	const char *p = c ? strchr(alphabet, c) : NULL;

	return p ? (int)(p - alphabet) : -1;
}

int b64_decode(struct buf *out, const char *s, size_t len)
{
	if (len % 4)
		return -1;
	for (size_t i = 0; i < len; i += 4) {
		int v[4], pad = 0;

		for (int k = 0; k < 4; k++) {
			if (s[i + k] == '=' && i + 4 == len && k >= 2) {
				v[k] = 0;
				pad++;
			} else {
				if (pad)
					return -1;
				v[k] = value(s[i + k]);
				if (v[k] < 0)
					return -1;
			}
		}
		unsigned w = (unsigned)v[0] << 18 | (unsigned)v[1] << 12 | (unsigned)v[2] << 6 | (unsigned)v[3];
		/* non-canonical trailing bits are rejected */
		if ((pad == 1 && (w & 0xff)) || (pad == 2 && (w & 0xffff)))
			return -1;
		buf_addch(out, (int)(w >> 16 & 0xff));
		if (pad < 2)
			buf_addch(out, (int)(w >> 8 & 0xff));
		if (pad < 1)
			buf_addch(out, (int)(w & 0xff));
	}
	return 0;
}
