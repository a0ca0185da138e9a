/*
 * bagit.h - BagIt 1.0 bags (RFC 8493): writing one with payload and tag
 * manifests, and validating one without trusting it.
 *
 * Every file is reached from the bag's directory descriptor one path
 * component at a time with O_NOFOLLOW, so neither a manifest path nor a
 * symbolic link inside the bag can make the writer or the validator touch
 * anything outside the bag. Manifest paths are relative, '/'-separated,
 * with no empty, "." or ".." component and no backslash; CR, LF and '%'
 * are percent-encoded (%0D, %0A, %25), as RFC 8493 section 2.1.3 says.
 */
#ifndef TRAILSCOPE_BAGIT_H
#define TRAILSCOPE_BAGIT_H

#include <stddef.h>
#include <stdint.h>
#include "trailscope/buf.h"

#define BAG_MAX_TAG_FILE (64u << 20) /* tag files read whole: at most 64 MiB */
#define BAG_MAX_DEPTH 32             /* directory levels under data/ */

/* One problem found in a bag: file relative to the bag ("" for the bag
 * itself), 1-based line (0 when not about a line), message. */
struct bag_fault {
	char *file;    /* owned */
	long line;
	char *msg;     /* owned */
};

struct bag_faults {
	struct bag_fault *v;
	size_t n, alloc;
};
#define BAG_FAULTS_INIT { NULL, 0, 0 }

void bag_fault_add(struct bag_faults *f, const char *file, long line, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
void bag_faults_release(struct bag_faults *f);

/* A label/value pair of bag-info.txt, in file order. */
struct bag_tag {
	char *label, *value; /* owned */
	long line;           /* 1-based line in bag-info.txt where the element starts */
};

/* What validation learnt about a valid-looking bag. */
struct bag_contents {
	char **payload;       /* payload paths (decoded, "data/..."), sorted; owned */
	size_t npayload, payload_alloc;
	struct bag_tag *info; /* bag-info.txt elements; owned */
	size_t ninfo, info_alloc;
	uint64_t octets;      /* total payload bytes found */
};
void bag_contents_release(struct bag_contents *c);
/* The value of the first bag-info element with this label (labels compare
 * case-insensitively), or NULL. */
const char *bag_info_get(const struct bag_contents *c, const char *label);

/*
 * Validates the bag in dir (RFC 8493 section 3, "complete" and "valid"):
 * bagit.txt exactly as section 2.1.1 writes it; at least one payload
 * manifest; every manifest line well formed, with a safe path, listed once;
 * every listed file present, a regular file, with that checksum; every
 * payload file listed in every payload manifest; tag manifests listing no
 * payload file; Payload-Oxum, when present, matching. Supported algorithms:
 * md5, sha1, sha256, sha512. Faults are appended to faults; contents (may be
 * NULL) gets what was found. Returns 0 when the bag could be examined
 * (faults may be non-empty), -1 when dir cannot be opened (reported).
 */
int bagit_validate(const char *dir, struct bag_faults *faults, struct bag_contents *contents);

/* Checks a decoded manifest path: returns 0, or -1 with a reason in why. */
int bag_path_check(const char *path, struct buf *why);
/* Appends path with CR, LF and '%' percent-encoded. */
void bag_path_encode(struct buf *out, const char *path);

/*
 * Opens relpath below the directory dirfd for reading, component by
 * component, refusing symbolic links, non-regular files and unsafe paths.
 * Returns a file descriptor, or -1 with a reason in why.
 */
int bag_open_read(int dirfd, const char *relpath, struct buf *why);
/* Reads a whole file (at most max bytes) the same way. Returns 0 with the
 * bytes appended to out, or -1 with a reason in why. */
int bag_read(int dirfd, const char *relpath, size_t max, struct buf *out, struct buf *why);

/* The directory of the last file read through it, kept open: reading
 * many files of one directory costs one open each. Not shared between
 * threads. */
struct bag_dircache {
	char *dir;     /* its path relative to the bag, owned; NULL: none */
	int fd;        /* it, open; -1 none */
};
#define BAG_DIRCACHE_INIT { NULL, -1 }
/* bag_open_read and bag_read through c (the same checks: no symbolic
 * link, a regular file, no component outside the bag). */
int bag_open_read_cached(struct bag_dircache *c, int dirfd, const char *relpath, struct buf *why);
int bag_read_cached(struct bag_dircache *c, int dirfd, const char *relpath, size_t max, struct buf *out,
		    struct buf *why);
void bag_dircache_release(struct bag_dircache *c);

/* Hex digests of a file for one algorithm ("sha256", ...). Returns 0, or -1
 * with a reason in why. */
int bag_hash_file(int dirfd, const char *relpath, const char *alg, struct buf *hex, struct buf *why);

/*
 * Writing a bag. bag_writer_open creates dir (and its parents) when
 * missing, refuses a dir that is itself a symbolic link (with or without
 * force: the bag is never written through one), refuses a non-empty dir
 * unless force (then empties it, removing symbolic links inside it
 * themselves, never following them). Files are created with
 * O_CREAT|O_EXCL|O_NOFOLLOW below the bag's descriptor; payload files
 * (paths starting "data/") are hashed with SHA-256 and SHA-512 as they are
 * written and listed in the manifests. All functions return 0 or -1
 * (reported); after -1 the caller calls bag_writer_release and the
 * partial bag stays for inspection.
 *
 * A bag_stream is one file being written; several may be open at once
 * (the renderings of an export are written in one pass over the events).
 * bag_file_begin/write/end write one file at a time through the writer's
 * own stream. The directories of the last files created are kept open
 * (BAG_DIR_CACHE of them), so files in a few directories cost one openat
 * each.
 */
struct bag_stream {
	int fd;                    /* -1 when closed */
	char *path;                /* relative to the bag, owned */
	void *md256, *md512;       /* EVP_MD_CTX */
	uint64_t size;             /* bytes written */
};
#define BAG_STREAM_INIT { -1, NULL, NULL, NULL, 0 }
#define BAG_DIR_CACHE 4

struct bag_writer {
	int dirfd;                 /* the bag's directory */
	char *dir;                 /* owned, for messages */
	struct bag_entry *files;   /* payload files written, owned */
	size_t nfiles, files_alloc;
	uint64_t octets;           /* payload bytes written */
	struct bag_stream cur;     /* bag_file_begin's file */
	struct {
		char *path;        /* a directory of a file created (relative), owned */
		int fd;            /* it, open; -1 none */
	} pdir[BAG_DIR_CACHE];     /* most recently used first */
};

int bag_writer_open(struct bag_writer *w, const char *dir, int force);
/* Creates relpath (a fresh file) and opens f on it; f must be closed
 * (BAG_STREAM_INIT or after bag_stream_close). */
int bag_stream_open(struct bag_writer *w, struct bag_stream *f, const char *relpath);
int bag_stream_write(struct bag_writer *w, struct bag_stream *f, const void *data, size_t len);
/* The same without reporting: -1 with the reason in why. It touches only
 * f, so another thread may write a stream the writer opened (export's
 * renderer thread writes the renderings). */
int bag_stream_write_quiet(struct bag_stream *f, const void *data, size_t len, struct buf *why);
/* Closes f and, for a payload file, records its digests for the
 * manifests. Safe on a closed stream. */
int bag_stream_close(struct bag_writer *w, struct bag_stream *f);
/* Frees f's resources (closing without recording it). */
void bag_stream_release(struct bag_stream *f);
int bag_file_begin(struct bag_writer *w, const char *relpath);
int bag_file_write(struct bag_writer *w, const void *data, size_t len);
int bag_file_end(struct bag_writer *w);
/* begin + write + end. */
int bag_write_file(struct bag_writer *w, const char *relpath, const void *data, size_t len);

/* Writes bagit.txt, bag-info.txt (the given label/value pairs, then Payload-Oxum),
 * manifest-sha256.txt and manifest-sha512.txt (sorted by path). Values
 * must be one line. */
int bag_write_manifests(struct bag_writer *w, const char *const info[][2], size_t ninfo);
void bag_writer_release(struct bag_writer *w);

/* (Re)writes tagmanifest-sha256.txt and tagmanifest-sha512.txt of the bag
 * open at dirfd over the listed tag files, atomically (temp + rename).
 * Returns 0 or -1 (reported). */
int bag_write_tagmanifests(int dirfd, const char *const *files, size_t n);

#endif
