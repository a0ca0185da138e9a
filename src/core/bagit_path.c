/*
 * bagit_path.c - paths inside a BagIt bag (RFC 8493; see bagit.h): which
 * payload paths are allowed, their manifest encoding, and reading and
 * hashing a file reached component by component with O_NOFOLLOW below the
 * bag's directory descriptor, so nothing outside the bag is ever touched.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <openssl/evp.h>

#include "trailscope/bagit.h"
#include "trailscope/util.h"
#include "bagit_int.h"

/* ---- paths ---- */

int bag_path_check(const char *path, struct buf *why)
{
	const char *p = path;

	if (!*path) {
		buf_addstr(why, "empty path");
		return -1;
	}
	if (*path == '/') {
		buf_addstr(why, "absolute path");
		return -1;
	}
	if (strchr(path, '\\')) {
		buf_addstr(why, "backslash in path");
		return -1;
	}
	while (*p) {
		const char *end = strchr(p, '/');
		size_t len = end ? (size_t)(end - p) : strlen(p);

		if (len == 0) {
			buf_addstr(why, "empty path component");
			return -1;
		}
		if ((len == 1 && p[0] == '.') || (len == 2 && p[0] == '.' && p[1] == '.')) {
			buf_addf(why, "'%.*s' component escapes or aliases the bag", (int)len, p);
			return -1;
		}
		if (!end)
			break;
		p = end + 1;
		if (!*p) {
			buf_addstr(why, "path ends with '/'");
			return -1;
		}
	}
	return 0;
}

void bag_path_encode(struct buf *out, const char *path)
{
	for (const char *p = path; *p; p++) {
		if (*p == '%')
			buf_addstr(out, "%25");
		else if (*p == '\n')
			buf_addstr(out, "%0A");
		else if (*p == '\r')
			buf_addstr(out, "%0D");
		else
			buf_addch(out, *p);
	}
}

/* Decodes only what RFC 8493 encodes (%0A, %0D, %25); any other '%' stays. */
void bag_path_decode(struct buf *out, const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '%' && i + 2 < len) {
			char a = s[i + 1], b = s[i + 2];

			if (a == '0' && (b == 'A' || b == 'a')) {
				buf_addch(out, '\n');
				i += 2;
				continue;
			}
			if (a == '0' && (b == 'D' || b == 'd')) {
				buf_addch(out, '\r');
				i += 2;
				continue;
			}
			if (a == '2' && b == '5') {
				buf_addch(out, '%');
				i += 2;
				continue;
			}
		}
		buf_addch(out, s[i]);
	}
}

/* Why opening a component failed, in words. */
void bag_explain_open(int dirfd, const char *name, int err, struct buf *why)
{
	struct stat st;

	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode))
		buf_addstr(why, "is a symbolic link");
	else if (err == ENOENT)
		buf_addstr(why, "no such file");
	else if (err == ENOTDIR)
		buf_addstr(why, "a path component is not a directory");
	else
		buf_addstr(why, strerror(err));
}

/* Opens the directory holding relpath's last component; *last points at it. */
int bag_open_parent(int dirfd, const char *relpath, const char **last, int create, struct buf *why)
{
	int fd = dup(dirfd);
	const char *p = relpath, *slash;

	if (fd < 0) {
		buf_addstr(why, strerror(errno));
		return -1;
	}
	while ((slash = strchr(p, '/'))) {
		char *comp = xstrndup(p, (size_t)(slash - p));
		int next;

		if (create && mkdirat(fd, comp, 0755) && errno != EEXIST) {
			buf_addf(why, "cannot create directory: %s", strerror(errno));
			free(comp);
			close(fd);
			return -1;
		}
		next = openat(fd, comp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (next < 0)
			bag_explain_open(fd, comp, errno, why);
		free(comp);
		close(fd);
		if (next < 0)
			return -1;
		fd = next;
		p = slash + 1;
	}
	*last = p;
	return fd;
}

int bag_open_read(int dirfd, const char *relpath, struct buf *why)
{
	const char *last;
	struct stat st;
	int pfd, fd;

	if (bag_path_check(relpath, why))
		return -1;
	pfd = bag_open_parent(dirfd, relpath, &last, 0, why);
	if (pfd < 0)
		return -1;
	fd = openat(pfd, last, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		bag_explain_open(pfd, last, errno, why);
		close(pfd);
		return -1;
	}
	close(pfd);
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		buf_addstr(why, "not a regular file");
		close(fd);
		return -1;
	}
	return fd;
}

/* Appends what fd holds (at most max bytes) to out, then closes fd. */
static int read_fd(int fd, size_t max, struct buf *out, struct buf *why)
{
	char tmp[65536];
	size_t start = out->len;
	ssize_t n;

	while ((n = read(fd, tmp, sizeof(tmp))) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			buf_addstr(why, strerror(errno));
			close(fd);
			return -1;
		}
		if (out->len - start + (size_t)n > max) {
			buf_addf(why, "larger than %zu bytes", max);
			close(fd);
			return -1;
		}
		buf_add(out, tmp, (size_t)n);
	}
	close(fd);
	return 0;
}

int bag_read(int dirfd, const char *relpath, size_t max, struct buf *out, struct buf *why)
{
	int fd = bag_open_read(dirfd, relpath, why);

	return fd < 0 ? -1 : read_fd(fd, max, out, why);
}

int bag_open_read_cached(struct bag_dircache *c, int dirfd, const char *relpath, struct buf *why)
{
	const char *slash = strrchr(relpath, '/'), *last = slash ? slash + 1 : relpath;
	size_t dlen = slash ? (size_t)(slash - relpath) : 0;
	struct stat st;
	int fd;

	if (bag_path_check(relpath, why))
		return -1;
	if (!c->dir || strlen(c->dir) != dlen || memcmp(c->dir, relpath, dlen)) {
		bag_dircache_release(c);
		c->fd = bag_open_parent(dirfd, relpath, &last, 0, why);
		if (c->fd < 0)
			return -1;
		c->dir = xstrndup(relpath, dlen);
	}
	fd = openat(c->fd, last, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		bag_explain_open(c->fd, last, errno, why);
		return -1;
	}
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		buf_addstr(why, "not a regular file");
		close(fd);
		return -1;
	}
	return fd;
}

int bag_read_cached(struct bag_dircache *c, int dirfd, const char *relpath, size_t max, struct buf *out,
		    struct buf *why)
{
	int fd = bag_open_read_cached(c, dirfd, relpath, why);

	return fd < 0 ? -1 : read_fd(fd, max, out, why);
}

void bag_dircache_release(struct bag_dircache *c)
{
	if (c->fd >= 0)
		close(c->fd);
	free(c->dir);
	c->dir = NULL;
	c->fd = -1;
}

const EVP_MD *bag_alg_md(const char *alg)
{
	if (!strcmp(alg, "sha256"))
		return EVP_sha256();
	if (!strcmp(alg, "sha512"))
		return EVP_sha512();
	if (!strcmp(alg, "sha1"))
		return EVP_sha1();
	if (!strcmp(alg, "md5"))
		return EVP_md5();
	return NULL;
}

int bag_hash_file(int dirfd, const char *relpath, const char *alg, struct buf *hex, struct buf *why)
{
	const EVP_MD *md = bag_alg_md(alg);
	unsigned char out[EVP_MAX_MD_SIZE], tmp[65536];
	unsigned outlen = 0;
	EVP_MD_CTX *ctx;
	ssize_t n;
	int fd, ret = -1;

	if (!md) {
		buf_addf(why, "unsupported algorithm '%s'", alg);
		return -1;
	}
	fd = bag_open_read(dirfd, relpath, why);
	if (fd < 0)
		return -1;
	ctx = EVP_MD_CTX_new();
	if (!ctx || !EVP_DigestInit_ex(ctx, md, NULL))
		die("cannot initialise %s", alg);
	while ((n = read(fd, tmp, sizeof(tmp))) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			buf_addstr(why, strerror(errno));
			goto out;
		}
		EVP_DigestUpdate(ctx, tmp, (size_t)n);
	}
	EVP_DigestFinal_ex(ctx, out, &outlen);
	buf_addhex(hex, out, outlen);
	ret = 0;
out:
	EVP_MD_CTX_free(ctx);
	close(fd);
	return ret;
}

