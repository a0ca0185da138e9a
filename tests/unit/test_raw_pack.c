/*
 * test_raw_pack.c - unit tests for raw_pack.c: a raw record packed against
 * its leaf unpacks to exactly its bytes (empty, unlike the leaf, large),
 * packs small when it repeats the leaf, and a frame that is damaged, cut,
 * followed by more bytes, not a frame, unpacked against another leaf or
 * claiming more than RAW_UNPACK_MAX is refused or gives other bytes (which
 * verify then reports through raw_sha256), leaving out's length alone.
 */
#include <string.h>

#include <zstd.h>

#include "check.h"
#include "trailscope/raw_pack.h"

static const char leaf[] =
	"{\"action\":\"flag.update\",\"actor\":{\"id\":\"alice@example.com\",\"name\":\"Alice\",\"type\":\"user\"},"
	"\"after\":{\"enabled\":true,\"rollout_pct\":50,\"rules\":[{\"id\":\"rule-1\",\"serve\":\"on\"}]},"
	"\"before\":{\"enabled\":false,\"rollout_pct\":10,\"rules\":[{\"id\":\"rule-1\",\"serve\":\"off\"}]},"
	"\"environment\":\"production\",\"event_id\":\"evt-1\",\"seq\":1,\"v\":3}";
static const char raw[] =
	"{\"event_id\":\"evt-1\",\"actor\":{\"id\":\"alice@example.com\",\"display_name\":\"Alice\"},"
	"\"action\":\"flag.update\",\"environment\":\"production\","
	"\"previous_state\":{\"enabled\":false,\"rollout_pct\":10,\"rules\":[{\"id\":\"rule-1\",\"serve\":\"off\"}]},"
	"\"new_state\":{\"enabled\":true,\"rollout_pct\":50,\"rules\":[{\"id\":\"rule-1\",\"serve\":\"on\"}]}}";

/* Packs text against l, unpacks it, and checks the bytes come back. */
static void round_trip(struct raw_codec *c, const char *text, size_t n, const char *l, size_t ln)
{
	struct buf packed = BUF_INIT, out = BUF_INIT;
	const char *why = NULL;

	CHECK_INT(raw_pack(c, text, n, l, ln, &packed), 0);
	buf_addstr(&out, "kept:");
	CHECK_INT(raw_unpack(c, packed.buf, packed.len, l, ln, &out, &why), 0);
	CHECK_INT(out.len, n + 5);
	CHECK(!memcmp(out.buf, "kept:", 5) && !memcmp(out.buf + 5, text, n));
	CHECK(out.buf[out.len] == '\0');
	buf_release(&packed);
	buf_release(&out);
}

/* 1 when packed[0..n) does not unpack against l to exactly want. */
static int refused_or_other(struct raw_codec *c, const void *packed, size_t n, const char *l, size_t ln,
			    const char *want, size_t want_len)
{
	struct buf out = BUF_INIT;
	const char *why = NULL;
	int rc = raw_unpack(c, packed, n, l, ln, &out, &why);
	int other = rc < 0 ? why != NULL && out.len == 0 : out.len != want_len || memcmp(out.buf, want, want_len);

	buf_release(&out);
	return other;
}

TEST(test_round_trips)
{
	struct raw_codec *c = raw_codec_new();
	struct buf big = BUF_INIT;

	round_trip(c, raw, strlen(raw), leaf, strlen(leaf));
	round_trip(c, "", 0, leaf, strlen(leaf));
	round_trip(c, raw, strlen(raw), "", 0);                   /* an empty leaf: no dictionary */
	round_trip(c, "nothing in common \x01\x7f\xff", 22, leaf, strlen(leaf));
	for (unsigned i = 0; big.len < (1u << 20); i++)
		buf_addf(&big, "{\"n\":%u,\"x\":\"%08x\"}\n", i, i * 2654435761u);
	round_trip(c, big.buf, big.len, leaf, strlen(leaf));
	/* the codec is reused: the same record again */
	round_trip(c, raw, strlen(raw), leaf, strlen(leaf));
	buf_release(&big);
	raw_codec_free(c);
}

/* A frame without its content size, as the zstd command writes from a
 * pipe: unpacked as a stream, the same bytes; cut short, refused. */
TEST(test_frame_without_size)
{
	ZSTD_CCtx *z = ZSTD_createCCtx();
	struct raw_codec *c = raw_codec_new();
	struct buf out = BUF_INIT;
	unsigned char frame[2048];
	const char *why = NULL;
	size_t n;

	ZSTD_CCtx_setParameter(z, ZSTD_c_contentSizeFlag, 0);
	ZSTD_CCtx_refPrefix(z, leaf, strlen(leaf));
	n = ZSTD_compress2(z, frame, sizeof(frame), raw, strlen(raw));
	CHECK(!ZSTD_isError(n));
	CHECK(ZSTD_getFrameContentSize(frame, n) == ZSTD_CONTENTSIZE_UNKNOWN);
	buf_addstr(&out, ">");
	CHECK_INT(raw_unpack(c, frame, n, leaf, strlen(leaf), &out, &why), 0);
	CHECK(out.len == strlen(raw) + 1 && !memcmp(out.buf + 1, raw, strlen(raw)) && !out.buf[out.len]);
	for (size_t k = 4; k < n; k++) {
		buf_setlen(&out, 1);
		why = NULL;
		CHECK_INT(raw_unpack(c, frame, k, leaf, strlen(leaf), &out, &why), -1);
		CHECK(why != NULL && out.len == 1);
	}
	buf_setlen(&out, 1);
	frame[n] = 0;
	CHECK_INT(raw_unpack(c, frame, n + 1, leaf, strlen(leaf), &out, &why), -1);
	buf_release(&out);
	raw_codec_free(c);
	ZSTD_freeCCtx(z);
}

TEST(test_packs_small_against_its_leaf)
{
	struct raw_codec *c = raw_codec_new();
	struct buf with = BUF_INIT, without = BUF_INIT;

	CHECK_INT(raw_pack(c, raw, strlen(raw), leaf, strlen(leaf), &with), 0);
	CHECK_INT(raw_pack(c, raw, strlen(raw), "", 0, &without), 0);
	fprintf(stderr, "  %zu bytes: %zu packed against the leaf, %zu alone\n", strlen(raw), with.len,
		without.len);
	CHECK(with.len * 3 < strlen(raw));
	CHECK(with.len < without.len);
	buf_release(&with);
	buf_release(&without);
	raw_codec_free(c);
}

TEST(test_bad_frames)
{
	struct raw_codec *c = raw_codec_new();
	struct buf packed = BUF_INIT, twice = BUF_INIT, out = BUF_INIT;
	const char *why = NULL;
	const size_t n = strlen(raw), ln = strlen(leaf);
	char other_leaf[sizeof(leaf)];
	/* a frame header that says 1 GiB (Frame_Content_Size of 8 bytes), then an empty last raw block */
	static const unsigned char huge[] = { 0x28, 0xb5, 0x2f, 0xfd, 0xc0, 0x00,
					      0, 0, 0, 0x40, 0, 0, 0, 0, 0x01, 0x00, 0x00 };

	CHECK_INT(raw_pack(c, raw, n, leaf, ln, &packed), 0);
	/* cut short, at every length */
	for (size_t k = 0; k < packed.len; k++)
		CHECK(refused_or_other(c, packed.buf, k, leaf, ln, raw, n));
	/* one byte changed, at every place past the magic number */
	for (size_t k = 4; k < packed.len; k++) {
		packed.buf[k] ^= 0x5a;
		CHECK(refused_or_other(c, packed.buf, packed.len, leaf, ln, raw, n));
		packed.buf[k] ^= 0x5a;
	}
	/* another leaf: one byte of it changed where the record repeats it */
	memcpy(other_leaf, leaf, sizeof(leaf));
	other_leaf[strstr(leaf, "production") - leaf] = 'P';
	CHECK(refused_or_other(c, packed.buf, packed.len, other_leaf, ln, raw, n));
	/* two frames, or trailing bytes */
	buf_add(&twice, packed.buf, packed.len);
	buf_add(&twice, packed.buf, packed.len);
	CHECK_INT(raw_unpack(c, twice.buf, twice.len, leaf, ln, &out, &why), -1);
	CHECK(why && strstr(why, "frame"));
	buf_addch(&packed, 0);
	CHECK_INT(raw_unpack(c, packed.buf, packed.len, leaf, ln, &out, &why), -1);
	/* not a frame at all: a record stored as text */
	CHECK_INT(raw_unpack(c, raw, n, leaf, ln, &out, &why), -1);
	CHECK_INT(raw_unpack(c, "", 0, leaf, ln, &out, &why), -1);
	/* more than the limit: refused before anything is allocated */
	why = NULL;
	CHECK_INT(raw_unpack(c, huge, sizeof(huge), leaf, ln, &out, &why), -1);
	CHECK(why && strstr(why, "64 MiB"));
	CHECK_INT(out.len, 0);
	/* still works after all that */
	buf_setlen(&packed, packed.len - 1);
	CHECK_INT(raw_unpack(c, packed.buf, packed.len, leaf, ln, &out, &why), 0);
	CHECK(out.len == n && !memcmp(out.buf, raw, n));
	buf_release(&packed);
	buf_release(&twice);
	buf_release(&out);
	raw_codec_free(c);
}

int main(void)
{
	RUN(test_round_trips);
	RUN(test_frame_without_size);
	RUN(test_packs_small_against_its_leaf);
	RUN(test_bad_frames);
	return CHECK_DONE();
}
