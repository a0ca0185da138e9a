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
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
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
	char *dir;                 /* relative path of the open directory, owned */
	int dfd;
	EVP_MD *md[BAG_NALGS];
	EVP_MD_CTX *ctx[BAG_NALGS];
};

static void hasher_release(struct hasher *h)
{
	if (h->dfd >= 0)
		close(h->dfd);
	free(h->dir);
	for (int a = 0; a < BAG_NALGS; a++) {
		EVP_MD_CTX_free(h->ctx[a]);
		EVP_MD_free(h->md[a]);
	}
}

/* Opens path for reading the way bag_open_read does (no link, a regular
 * file, no component outside the bag), keeping its directory open for the
 * next file. */
static int hasher_open(struct hasher *h, int dirfd, const char *path, struct buf *why)
{
	const char *slash = strrchr(path, '/'), *last = slash ? slash + 1 : path;
	size_t dlen = slash ? (size_t)(slash - path) : 0;
	struct stat st;
	int fd;

	if (bag_path_check(path, why))
		return -1;
	if (!h->dir || strlen(h->dir) != dlen || memcmp(h->dir, path, dlen)) {
		if (h->dfd >= 0)
			close(h->dfd);
		free(h->dir);
		h->dir = NULL;
		h->dfd = bag_open_parent(dirfd, path, &last, 0, why);
		if (h->dfd < 0)
			return -1;
		h->dir = xstrndup(path, dlen);
	}
	fd = openat(h->dfd, last, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		bag_explain_open(h->dfd, last, errno, why);
		return -1;
	}
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		buf_addstr(why, "not a regular file");
		close(fd);
		return -1;
	}
	return fd;
}

static void hash_one(struct hasher *h, int dirfd, struct bag_hash_job *j)
{
	static _Thread_local unsigned char tmp[65536];
	struct buf why = BUF_INIT;
	unsigned len;
	ssize_t n;
	int fd = hasher_open(h, dirfd, j->path, &why);

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
	struct hasher h = { NULL, -1, { NULL }, { NULL } };
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
