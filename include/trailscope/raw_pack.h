/*
 * raw_pack.h - the stored form of a raw source record (raw_pack.c). From
 * store schema version 6 a SQLite store keeps each entry_text.raw as a
 * BLOB: one zstd frame (RFC 8878) of the record, compressed with the
 * entry's leaf bytes as its dictionary (a raw-content dictionary, zstd's
 * "prefix": no dictionary id). The leaf and the record share most of
 * their text, so a record of ~1.36 KB keeps ~190 bytes. A TEXT value is a
 * record stored as it is (older schemas; PostgreSQL). docs/STORE.md says
 * how another program reads it.
 */
#ifndef TRAILSCOPE_RAW_PACK_H
#define TRAILSCOPE_RAW_PACK_H

#include <stddef.h>

#include "trailscope/buf.h"

/* The largest record raw_unpack gives back: a frame that says it holds
 * more is refused before anything is allocated; one that does not say
 * its size is refused once it has given that much. */
#define RAW_UNPACK_MAX ((size_t)64 << 20)

/* A compressor and a decompressor, reused from one record to the next;
 * one thread at a time. Making one is cheap: the zstd contexts are made
 * on first use. */
struct raw_codec;

struct raw_codec *raw_codec_new(void);
void raw_codec_free(struct raw_codec *c);

/* Appends raw[0..n) packed against leaf to out. Returns 0, or -1 (out of
 * memory inside zstd: reported). */
int raw_pack(struct raw_codec *c, const char *raw, size_t n, const void *leaf, size_t leaf_len,
	     struct buf *out);

/* Appends the record that the frame packed[0..n) holds, unpacked against
 * leaf, to out, NUL-terminated (the NUL not counted in out->len). Returns
 * 0, or -1 with *why saying what is wrong with the frame (damaged, not
 * made against this leaf, larger than RAW_UNPACK_MAX); out keeps its
 * length then. */
int raw_unpack(struct raw_codec *c, const void *packed, size_t n, const void *leaf, size_t leaf_len,
	       struct buf *out, const char **why);

#endif
