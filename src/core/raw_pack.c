/*
 * raw_pack.c - packing and unpacking a raw source record against its leaf
 * (raw_pack.h) with libzstd: ZSTD_CCtx_refPrefix / ZSTD_DCtx_refPrefix make
 * the leaf's bytes the window the frame starts with, so the record's text
 * that repeats the leaf (member values, the before and after states) costs
 * a few bytes a match. The frame records its content size, which is
 * checked before unpacking; it carries no checksum: the leaf's raw_sha256
 * covers the record, and verify checks it.
 *
 * Cost: level 3 (zstd's default), measured on generated records of ~1.36
 * KB against leaves of ~1.6 KB: ~4.5 us to pack and ~0.75 us to unpack
 * one, 186 bytes packed (level 1: 5.5 us, 1.25 us, 200 bytes; level 4:
 * 165 bytes but 6-8 us to pack). Each zstd context is made on its first
 * use and reused, so nothing is allocated per record once the output
 * buffer has grown, and a codec that never packs costs no compressor. A
 * frame without its content size (another writer's: the zstd command
 * from a pipe) is unpacked as a stream, within the same limit.
 */
#include <stdlib.h>
#include <zstd.h>

#include "trailscope/raw_pack.h"
#include "trailscope/util.h"

#define RAW_PACK_LEVEL 3

struct raw_codec {
	ZSTD_CCtx *cctx;
	ZSTD_DCtx *dctx;
};

struct raw_codec *raw_codec_new(void)
{
	return xcalloc(1, sizeof(struct raw_codec));
}

void raw_codec_free(struct raw_codec *c)
{
	if (!c)
		return;
	ZSTD_freeCCtx(c->cctx);
	ZSTD_freeDCtx(c->dctx);
	free(c);
}

int raw_pack(struct raw_codec *c, const char *raw, size_t n, const void *leaf, size_t leaf_len,
	     struct buf *out)
{
	size_t bound = ZSTD_compressBound(n), got;

	if (!c->cctx && !(c->cctx = ZSTD_createCCtx()))
		return error("out of memory for zstd");
	ZSTD_CCtx_reset(c->cctx, ZSTD_reset_session_only);
	if (ZSTD_isError(ZSTD_CCtx_setParameter(c->cctx, ZSTD_c_compressionLevel, RAW_PACK_LEVEL)) ||
	    ZSTD_isError(ZSTD_CCtx_setParameter(c->cctx, ZSTD_c_contentSizeFlag, 1)) ||
	    ZSTD_isError(ZSTD_CCtx_refPrefix(c->cctx, leaf, leaf_len)))
		return error("zstd refused its parameters");
	buf_grow(out, bound);
	got = ZSTD_compress2(c->cctx, out->buf + out->len, bound, raw, n);
	if (ZSTD_isError(got))
		return error("cannot compress a raw record: %s", ZSTD_getErrorName(got));
	buf_setlen(out, out->len + got);
	return 0;
}

/* Unpacks a frame that does not say its size (one another program wrote,
 * e.g. the zstd command from a pipe) as a stream, up to RAW_UNPACK_MAX. */
static int unpack_stream(struct raw_codec *c, const void *packed, size_t n, struct buf *out,
			 const char **why)
{
	ZSTD_inBuffer in = { packed, n, 0 };
	size_t start = out->len, rc;

	for (;;) {
		ZSTD_outBuffer o;

		buf_grow(out, 4096);
		o = (ZSTD_outBuffer){ out->buf + out->len, out->alloc - out->len - 1, 0 };
		rc = ZSTD_decompressStream(c->dctx, &o, &in);
		if (ZSTD_isError(rc))
			break;
		out->len += o.pos;
		if (out->len - start > RAW_UNPACK_MAX) {
			*why = "a zstd frame that holds more than 64 MiB";
			rc = 1;
			break;
		}
		if (rc == 0) { /* the frame is complete: nothing may follow */
			if (in.pos != n)
				break;
			buf_setlen(out, out->len);
			return 0;
		}
		if (in.pos == n && o.pos < o.size) {
			*why = "a zstd frame cut short";
			rc = 1;
			break;
		}
	}
	if (ZSTD_isError(rc) || (rc == 0 && in.pos != n))
		*why = ZSTD_isError(rc) ? "a damaged zstd frame (or one not packed against this leaf)"
					: "not one whole zstd frame";
	buf_setlen(out, start);
	return -1;
}

int raw_unpack(struct raw_codec *c, const void *packed, size_t n, const void *leaf, size_t leaf_len,
	       struct buf *out, const char **why)
{
	unsigned long long size = ZSTD_getFrameContentSize(packed, n);
	size_t got;

	if (size == ZSTD_CONTENTSIZE_ERROR) {
		*why = "not one whole zstd frame";
		return -1;
	}
	if (size != ZSTD_CONTENTSIZE_UNKNOWN && ZSTD_findFrameCompressedSize(packed, n) != n) {
		*why = "not one whole zstd frame";
		return -1;
	}
	if (size != ZSTD_CONTENTSIZE_UNKNOWN && size > RAW_UNPACK_MAX) {
		*why = "a zstd frame that says it holds more than 64 MiB";
		return -1;
	}
	if (!c->dctx && !(c->dctx = ZSTD_createDCtx())) {
		*why = "out of memory for zstd";
		return -1;
	}
	ZSTD_DCtx_reset(c->dctx, ZSTD_reset_session_only);
	if (ZSTD_isError(ZSTD_DCtx_refPrefix(c->dctx, leaf, leaf_len))) {
		*why = "zstd refused the leaf as a dictionary";
		return -1;
	}
	if (size == ZSTD_CONTENTSIZE_UNKNOWN)
		return unpack_stream(c, packed, n, out, why);
	buf_grow(out, (size_t)size + 1);
	got = ZSTD_decompressDCtx(c->dctx, out->buf + out->len, (size_t)size, packed, n);
	if (ZSTD_isError(got) || got != size) {
		out->buf[out->len] = '\0';
		*why = ZSTD_isError(got) ? "a damaged zstd frame (or one not packed against this leaf)"
					 : "a zstd frame shorter than it says";
		return -1;
	}
	buf_setlen(out, out->len + got);
	return 0;
}
