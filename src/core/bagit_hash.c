/*
 * bagit_hash.c - hashing many files of a bag at once (bag_hash_many, see
 * bagit_int.h): each file is read once for every algorithm the manifests
 * ask of it, on every core (workpool.h), files of one directory reached
 * through that directory's descriptor, opened once per run of files.
 *
 * Cost: one open, the reads and one close per file; the digests, at
 * the speed of libcrypto, dominate for large files.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <openssl/evp.h>

#include "trailscope/util.h"
#include "trailscope/workpool.h"
#include "bagit_int.h"

#define HASH_CHUNK 128 /* files per index of the job */

static const char *const alg_names[BAG_NALGS] = { "md5", "sha1", "sha256", "sha512" };
static const char *const alg_fetch[BAG_NALGS] = { "MD5", "SHA1", "SHA2-256", "SHA2-512" };

int bag_alg_index(const char *alg)
{
	for (int i = 0; i < BAG_NALGS; i++)
		if (!strcmp(alg, alg_names[i]))
			return i;
	return -1;
}

struct hash_run {
	int dirfd;
	struct bag_hash_job *jobs;
	size_t n;
};

/* One worker's state over a run of files: the last directory opened and
 * one digest context per algorithm. */
struct hasher {
	struct bag_dircache dir;
	EVP_MD *md[BAG_NALGS];
	EVP_MD_CTX *ctx[BAG_NALGS];
};

static void hasher_release(struct hasher *h)
{
	bag_dircache_release(&h->dir);
	for (int a = 0; a < BAG_NALGS; a++) {
		EVP_MD_CTX_free(h->ctx[a]);
		EVP_MD_free(h->md[a]);
	}
}

static void hash_one(struct hasher *h, int dirfd, struct bag_hash_job *j)
{
	static _Thread_local unsigned char tmp[65536];
	struct buf why = BUF_INIT;
	unsigned len;
	ssize_t n;
	int fd = bag_open_read_cached(&h->dir, dirfd, j->path, &why);

	if (fd < 0)
		goto out;
	for (int a = 0; a < BAG_NALGS; a++) {
		if (!(j->algs & 1u << a))
			continue;
		if (!h->md[a] && !(h->md[a] = EVP_MD_fetch(NULL, alg_fetch[a], NULL)))
			die("libcrypto cannot provide %s", alg_names[a]);
		if (!h->ctx[a] && !(h->ctx[a] = EVP_MD_CTX_new()))
			die("out of memory");
		if (!EVP_DigestInit_ex2(h->ctx[a], h->md[a], NULL))
			die("cannot initialise %s", alg_names[a]);
	}
	while ((n = read(fd, tmp, sizeof(tmp))) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			buf_addstr(&why, strerror(errno));
			break;
		}
		for (int a = 0; a < BAG_NALGS; a++)
			if (j->algs & 1u << a)
				EVP_DigestUpdate(h->ctx[a], tmp, (size_t)n);
	}
	close(fd);
	if (!why.len)
		for (int a = 0; a < BAG_NALGS; a++)
			if (j->algs & 1u << a)
				EVP_DigestFinal_ex(h->ctx[a], j->digest[a], &len);
out:
	if (why.len)
		j->why = buf_detach(&why, NULL);
	buf_release(&why);
}

static void hash_chunk(void *ctx, size_t index)
{
	struct hash_run *run = ctx;
	struct hasher h = { BAG_DIRCACHE_INIT, { NULL }, { NULL } };
	size_t end = (index + 1) * HASH_CHUNK;

	for (size_t i = index * HASH_CHUNK; i < end && i < run->n; i++)
		hash_one(&h, run->dirfd, &run->jobs[i]);
	hasher_release(&h);
}

void bag_hash_many(int dirfd, struct bag_hash_job *jobs, size_t n)
{
	struct hash_run run = { dirfd, jobs, n };
	size_t chunks = (n + HASH_CHUNK - 1) / HASH_CHUNK;
	struct workpool *p;

	if (!n)
		return;
	p = workpool_new(chunks > 1 ? 0 : 1);
	workpool_start(p, hash_chunk, &run, chunks);
	workpool_wait(p);
	workpool_free(p);
}
