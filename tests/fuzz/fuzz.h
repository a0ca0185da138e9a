/*
 * fuzz.h - what the libFuzzer harnesses in tests/fuzz/fuzz_*.c share: a
 * private scratch directory (made once per process, removed at exit; the
 * only place a harness writes), writing a file there, a record sink that
 * throws events away, and splitting one input in two parts.
 *
 * Each harness defines LLVMFuzzerTestOneInput. Built with clang
 * -fsanitize=fuzzer it is a fuzzer (make fuzz); linked with replay.c
 * instead it replays files (tests/run.sh over tests/fuzz/corpus and
 * tests/fuzz/regress). Harnesses must be deterministic: no clock, no
 * randomness, no state kept from one input to the next except the
 * scratch directory's fixed files.
 */
#ifndef FUZZ_H
#define FUZZ_H

#include <dirent.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "trailscope/buf.h"
#include "trailscope/event.h"
#include "trailscope/formats.h"
#include "trailscope/util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char fuzz_dir_path[4096];

/* Removes the scratch directory: its files, and one level of
 * subdirectories (the harnesses make no deeper ones). */
static inline void fuzz_rm_tree(const char *path, int depth)
{
	DIR *d = opendir(path);
	struct dirent *e;
	struct buf sub = BUF_INIT;

	if (!d)
		return;
	while ((e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		buf_reset(&sub);
		buf_addf(&sub, "%s/%s", path, e->d_name);
		if (unlink(sub.buf) && depth < 4)
			fuzz_rm_tree(sub.buf, depth + 1);
	}
	closedir(d);
	buf_release(&sub);
	rmdir(path);
}

static inline void fuzz_cleanup(void)
{
	if (fuzz_dir_path[0])
		fuzz_rm_tree(fuzz_dir_path, 0);
}

/* The scratch directory ($TMPDIR/tsfuzz.XXXXXX), created on first use. */
static inline const char *fuzz_dir(void)
{
	if (!fuzz_dir_path[0]) {
		const char *tmp = getenv("TMPDIR");
		snprintf(fuzz_dir_path, sizeof(fuzz_dir_path), "%s/tsfuzz.XXXXXX",
			 tmp && *tmp ? tmp : "/tmp");
		if (!mkdtemp(fuzz_dir_path)) {
			perror("fuzz: mkdtemp");
			abort();
		}
		atexit(fuzz_cleanup);
		set_error_quiet(1);
	}
	return fuzz_dir_path;
}

/* path receives fuzz_dir()/name. */
static inline void fuzz_path(char *path, size_t cap, const char *name)
{
	snprintf(path, cap, "%s/%s", fuzz_dir(), name);
}

/* Writes data to fuzz_dir()/name (replacing it); aborts on I/O errors,
 * which are the harness's fault, not the input's. */
static inline void fuzz_write(const char *name, const void *data, size_t size)
{
	char path[8192];
	FILE *f;

	fuzz_path(path, sizeof(path), name);
	f = fopen(path, "wb");
	if (!f || (size && fwrite(data, 1, size, f) != size) || fclose(f)) {
		perror(path);
		abort();
	}
}

/* A sink that releases every event and skips every bad record. */
static inline int fuzz_emit(void *ctx, struct event *ev)
{
	(*(unsigned long *)ctx)++;
	event_release(ev);
	free(ev);
	return 0;
}

static inline int fuzz_bad(UNUSED void *ctx, UNUSED long line, UNUSED int col, UNUSED long index,
			   UNUSED const char *why)
{
	return 0;
}

/* Feeds the input to one format's reader (as a stream, like a file). */
static inline int fuzz_format(const struct format_ops *fmt, const struct format_options *opt,
		       const uint8_t *data, size_t size)
{
	unsigned long n = 0;
	struct record_sink sink = { fuzz_emit, fuzz_bad, NULL, &n, NULL };
	char head[4097];
	size_t hlen = size < sizeof(head) - 1 ? size : sizeof(head) - 1;
	FILE *f;

	fuzz_dir();
	memcpy(head, data, hlen);
	head[hlen] = 0;
	if (fmt->detect)
		fmt->detect(head, hlen);
	/* fmemopen cannot open zero bytes: read an empty file instead. */
	f = size ? fmemopen((void *)data, size, "rb") : fopen("/dev/null", "rb");
	if (!f)
		abort();
	fmt->read(f, "fuzz-input", opt, &sink);
	fclose(f);
	return 0;
}

/* Splits data at the first NUL byte: *a (alen) before, *b (blen) after;
 * with no NUL, everything is in a and b is empty. */
static inline void fuzz_split(const uint8_t *data, size_t size, const uint8_t **a, size_t *alen,
		       const uint8_t **b, size_t *blen)
{
	const uint8_t *nul = size ? memchr(data, 0, size) : NULL;

	*a = data;
	*alen = nul ? (size_t)(nul - data) : size;
	*b = nul ? nul + 1 : data + size;
	*blen = nul ? size - *alen - 1 : 0;
}

/* For a format read through a map file: the input is the map (written to
 * the scratch directory as map.json, since --map names a file), a NUL
 * byte, then the records, fed to fmt with map_file set. */
static inline int fuzz_format_with_map(const struct format_ops *fmt, const uint8_t *data, size_t size)
{
	const uint8_t *map, *records;
	size_t map_len, records_len;
	char path[8192];
	struct format_options opt = { .map_file = path };

	fuzz_split(data, size, &map, &map_len, &records, &records_len);
	fuzz_write("map.json", map, map_len);
	fuzz_path(path, sizeof(path), "map.json");
	return fuzz_format(fmt, &opt, records, records_len);
}

#endif
