/*
 * bagit_int.h - what the BagIt files share (private to src/core/bagit_*.c):
 * the safe path walk of bagit_path.c used by validation and writing.
 */
#ifndef TRAILSCOPE_BAGIT_INT_H
#define TRAILSCOPE_BAGIT_INT_H

#include <openssl/evp.h>

#include "trailscope/bagit.h"
#include "trailscope/buf.h"

/* Decodes only what RFC 8493 encodes (%0A, %0D, %25); any other '%' stays. */
void bag_path_decode(struct buf *out, const char *s, size_t len);
/* Why opening a component failed, in words. */
void bag_explain_open(int dirfd, const char *name, int err, struct buf *why);
/* Opens the directory holding relpath's last component; *last points at it. */
int bag_open_parent(int dirfd, const char *relpath, const char **last, int create, struct buf *why);
/* The digest of "sha256" or "sha512", else NULL. */
const EVP_MD *bag_alg_md(const char *alg);

/* The algorithms a manifest may name, as bits of bag_hash_job.algs. */
enum { BAG_MD5, BAG_SHA1, BAG_SHA256, BAG_SHA512, BAG_NALGS };
/* BAG_MD5 ... for "md5" ..., else -1. */
int bag_alg_index(const char *alg);

/* One file for bag_hash_many: read once, hashed with every algorithm of
 * algs (a bit per BAG_*). */
struct bag_hash_job {
	const char *path;                    /* relative to the bag; not owned */
	unsigned algs;
	unsigned char digest[BAG_NALGS][64]; /* out: each asked digest */
	char *why;                           /* out: why it cannot be read, or NULL; owned */
};
/* Hashes every job's file below dirfd (opened as bag_open_read does), on
 * every core; jobs sorted by path share their directory's descriptor. */
void bag_hash_many(int dirfd, struct bag_hash_job *jobs, size_t n);

#endif
