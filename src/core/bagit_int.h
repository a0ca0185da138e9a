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

#endif
