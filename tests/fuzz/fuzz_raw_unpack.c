/*
 * fuzz_raw_unpack.c - libFuzzer harness for packed raw records
 * (raw_pack.c), as a hostile store could hold them: the input is a leaf
 * (its length in the first two bytes, big-endian, cut to what there is)
 * and a frame (the rest). Unpacking must fail cleanly or give at most
 * RAW_UNPACK_MAX bytes, leaving out's earlier content alone; what it gives
 * must pack against the same leaf and unpack to the same bytes again.
 */
#include "fuzz.h"
#include "trailscope/raw_pack.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct raw_codec *c;
	struct buf out = BUF_INIT, again = BUF_INIT, packed = BUF_INIT;
	const char *why = NULL;
	size_t leaf_len;

	if (size < 2)
		return 0;
	c = raw_codec_new();
	leaf_len = (size_t)data[0] << 8 | data[1];
	if (leaf_len > size - 2)
		leaf_len = size - 2;
	buf_addstr(&out, "x");
	if (raw_unpack(c, data + 2 + leaf_len, size - 2 - leaf_len, data + 2, leaf_len, &out, &why)) {
		if (!why || out.len != 1 || out.buf[0] != 'x')
			abort();
	} else {
		if (out.len - 1 > RAW_UNPACK_MAX || out.buf[0] != 'x' || out.buf[out.len] != '\0')
			abort();
		if (raw_pack(c, out.buf + 1, out.len - 1, data + 2, leaf_len, &packed) ||
		    raw_unpack(c, packed.buf, packed.len, data + 2, leaf_len, &again, &why) ||
		    again.len != out.len - 1 || memcmp(again.buf, out.buf + 1, again.len))
			abort();
	}
	buf_release(&out);
	buf_release(&again);
	buf_release(&packed);
	raw_codec_free(c);
	return 0;
}
