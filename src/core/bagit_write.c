/*
 * bagit_write.c - the BagIt writer (see bagit.h): a fresh bag directory,
 * payload files hashed (SHA-256 and SHA-512) as they are written (several
 * at once when the caller streams them, each stream from any one thread
 * at a time; the directories of recent files stay open), then bagit.txt,
 * bag-info.txt, the manifests and tag manifests.
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

struct bag_entry {
	char *path;                  /* "data/...", owned */
	unsigned char sha256[32];
	unsigned char sha512[64];
};

/* ---- writing ---- */

static int write_all(int fd, const void *data, size_t len)
{
	const char *p = data;

	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int empty_dir(int fd, const char *dir, int depth)
{
	int dup_fd = dup(fd), ret = 0;
	struct dirent *de;
	DIR *d;

	if (dup_fd < 0 || !(d = fdopendir(dup_fd))) {
		if (dup_fd >= 0)
			close(dup_fd);
		return error("cannot list '%s': %s", dir, strerror(errno));
	}
	rewinddir(d);
	while ((de = readdir(d)) && !ret) {
		struct stat st;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (fstatat(fd, de->d_name, &st, AT_SYMLINK_NOFOLLOW))
			continue;
		if (S_ISDIR(st.st_mode)) {
			int sub = openat(fd, de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

			if (sub < 0 || depth > 64)
				ret = error("cannot empty '%s/%s'", dir, de->d_name);
			else
				ret = empty_dir(sub, dir, depth + 1);
			if (sub >= 0)
				close(sub);
			if (!ret && unlinkat(fd, de->d_name, AT_REMOVEDIR))
				ret = error("cannot remove '%s/%s': %s", dir, de->d_name, strerror(errno));
		} else if (unlinkat(fd, de->d_name, 0)) {
			ret = error("cannot remove '%s/%s': %s", dir, de->d_name, strerror(errno));
		}
	}
	closedir(d);
	return ret;
}

int bag_writer_open(struct bag_writer *w, const char *dir, int force)
{
	struct buf path = BUF_INIT;
	struct dirent *de;
	int dup_fd, nonempty = 0, ret = -1;
	DIR *d;

	memset(w, 0, sizeof(*w));
	w->dirfd = -1;
	w->cur.fd = -1;
	for (size_t k = 0; k < BAG_DIR_CACHE; k++)
		w->pdir[k].fd = -1;
	w->dir = xstrdup(dir);
	/* "LINK/" would resolve LINK: drop trailing slashes so O_NOFOLLOW sees it */
	{
		size_t n = strlen(dir);

		while (n > 1 && dir[n - 1] == '/')
			n--;
		buf_add(&path, dir, n);
	}
	if (mkdir_p(path.buf, 0755))
		goto out;
	w->dirfd = open(path.buf, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (w->dirfd < 0) {
		struct stat st;

		if (lstat(path.buf, &st) == 0 && S_ISLNK(st.st_mode))
			error("'%s' is a symbolic link: export never writes through one (give the "
			      "directory it points to, or remove the link)", dir);
		else
			error("cannot open '%s': %s", dir, strerror(errno));
		goto out;
	}
	dup_fd = dup(w->dirfd);
	if (dup_fd < 0 || !(d = fdopendir(dup_fd))) {
		if (dup_fd >= 0)
			close(dup_fd);
		error("cannot list '%s': %s", dir, strerror(errno));
		goto out;
	}
	rewinddir(d);
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			nonempty = 1;
	closedir(d);
	if (nonempty && !force) {
		error("'%s' exists and is not empty (use --force to replace its contents)", dir);
		goto out;
	}
	if (nonempty && empty_dir(w->dirfd, dir, 0))
		goto out;
	ret = 0;
out:
	buf_release(&path);
	return ret;
}

/* The directory of relpath, opened (and created) below the bag: a cached
 * one when it was used recently. Returns a descriptor the writer owns, or
 * -1 with a reason in why; *last is the file's name. */
static int parent_dir(struct bag_writer *w, const char *relpath, const char **last, struct buf *why)
{
	const char *slash = strrchr(relpath, '/');
	size_t dlen = slash ? (size_t)(slash - relpath) : 0, k;
	char *path;
	int fd;

	for (k = 0; k < BAG_DIR_CACHE && w->pdir[k].fd >= 0; k++) {
		if (strlen(w->pdir[k].path) != dlen || memcmp(w->pdir[k].path, relpath, dlen))
			continue;
		path = w->pdir[k].path;
		fd = w->pdir[k].fd;
		goto front;
	}
	fd = bag_open_parent(w->dirfd, relpath, last, 1, why);
	if (fd < 0)
		return -1;
	path = xstrndup(relpath, dlen);
	k = BAG_DIR_CACHE - 1;
	if (w->pdir[k].fd >= 0) {
		close(w->pdir[k].fd);
		free(w->pdir[k].path);
	}
front:
	memmove(&w->pdir[1], &w->pdir[0], k * sizeof(w->pdir[0]));
	w->pdir[0].path = path;
	w->pdir[0].fd = fd;
	*last = slash ? slash + 1 : relpath;
	return fd;
}

int bag_stream_open(struct bag_writer *w, struct bag_stream *f, const char *relpath)
{
	struct buf why = BUF_INIT;
	const char *last;
	int pfd;

	if (f->fd >= 0)
		die("bag_stream_open: '%s' still open", f->path);
	if (bag_path_check(relpath, &why)) {
		error("refusing to write '%s' in the bag: %s", relpath, why.buf);
		buf_release(&why);
		return -1;
	}
	pfd = parent_dir(w, relpath, &last, &why);
	if (pfd < 0) {
		error("cannot write '%s/%s': %s", w->dir, relpath, why.buf);
		buf_release(&why);
		return -1;
	}
	buf_release(&why);
	f->fd = openat(pfd, last, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (f->fd < 0)
		return error("cannot create '%s/%s': %s", w->dir, relpath, strerror(errno));
	free(f->path);
	f->path = xstrdup(relpath);
	f->size = 0;
	if (!f->md256)
		f->md256 = EVP_MD_CTX_new();
	if (!f->md512)
		f->md512 = EVP_MD_CTX_new();
	if (!f->md256 || !f->md512 || !EVP_DigestInit_ex(f->md256, EVP_sha256(), NULL) ||
	    !EVP_DigestInit_ex(f->md512, EVP_sha512(), NULL))
		die("cannot initialise SHA-2");
	return 0;
}

int bag_stream_write_quiet(struct bag_stream *f, const void *data, size_t len, struct buf *why)
{
	if (write_all(f->fd, data, len)) {
		buf_addf(why, "cannot write '%s': %s", f->path, strerror(errno));
		return -1;
	}
	EVP_DigestUpdate(f->md256, data, len);
	EVP_DigestUpdate(f->md512, data, len);
	f->size += len;
	return 0;
}

int bag_stream_write(struct bag_writer *w, struct bag_stream *f, const void *data, size_t len)
{
	struct buf why = BUF_INIT;
	int ret = 0;

	if (bag_stream_write_quiet(f, data, len, &why))
		ret = error("%s (in '%s')", why.buf, w->dir);
	buf_release(&why);
	return ret;
}

int bag_stream_close(struct bag_writer *w, struct bag_stream *f)
{
	unsigned len;
	int ret = 0;

	if (f->fd < 0)
		return 0;
	if (close(f->fd))
		ret = error("cannot write '%s/%s': %s", w->dir, f->path, strerror(errno));
	f->fd = -1;
	if (!strncmp(f->path, "data/", 5)) {
		struct bag_entry *e;

		ALLOC_GROW(w->files, w->nfiles + 1, w->files_alloc);
		e = &w->files[w->nfiles++];
		e->path = xstrdup(f->path);
		EVP_DigestFinal_ex(f->md256, e->sha256, &len);
		EVP_DigestFinal_ex(f->md512, e->sha512, &len);
		w->octets += f->size;
	}
	return ret;
}

void bag_stream_release(struct bag_stream *f)
{
	if (f->fd >= 0)
		close(f->fd);
	free(f->path);
	EVP_MD_CTX_free(f->md256);
	EVP_MD_CTX_free(f->md512);
	memset(f, 0, sizeof(*f));
	f->fd = -1;
}

int bag_file_begin(struct bag_writer *w, const char *relpath)
{
	if (w->cur.fd >= 0)
		die("bag_file_begin: '%s' still open", w->cur.path);
	return bag_stream_open(w, &w->cur, relpath);
}

int bag_file_write(struct bag_writer *w, const void *data, size_t len)
{
	return bag_stream_write(w, &w->cur, data, len);
}

int bag_file_end(struct bag_writer *w)
{
	return bag_stream_close(w, &w->cur);
}

int bag_write_file(struct bag_writer *w, const char *relpath, const void *data, size_t len)
{
	if (bag_file_begin(w, relpath))
		return -1;
	if (bag_file_write(w, data, len)) {
		bag_file_end(w);
		return -1;
	}
	return bag_file_end(w);
}

static int cmp_entry(const void *a, const void *b)
{
	return strcmp(((const struct bag_entry *)a)->path, ((const struct bag_entry *)b)->path);
}

int bag_write_manifests(struct bag_writer *w, const char *const info[][2], size_t ninfo)
{
	static const char bagit_txt[] = "BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n";
	struct buf b = BUF_INIT;
	int ret;

	ret = bag_write_file(w, "bagit.txt", bagit_txt, sizeof(bagit_txt) - 1);
	for (size_t i = 0; i < ninfo; i++)
		buf_addf(&b, "%s: %s\n", info[i][0], info[i][1]);
	buf_addf(&b, "Payload-Oxum: %llu.%zu\n", (unsigned long long)w->octets, w->nfiles);
	if (!ret)
		ret = bag_write_file(w, "bag-info.txt", b.buf, b.len);
	if (w->nfiles)
		qsort(w->files, w->nfiles, sizeof(*w->files), cmp_entry);
	for (int alg = 0; alg < 2 && !ret; alg++) {
		buf_reset(&b);
		for (size_t i = 0; i < w->nfiles; i++) {
			if (alg == 0)
				buf_addhex(&b, w->files[i].sha256, 32);
			else
				buf_addhex(&b, w->files[i].sha512, 64);
			buf_addstr(&b, "  ");
			bag_path_encode(&b, w->files[i].path);
			buf_addch(&b, '\n');
		}
		ret = bag_write_file(w, alg == 0 ? "manifest-sha256.txt" : "manifest-sha512.txt", b.buf, b.len);
	}
	buf_release(&b);
	return ret;
}

void bag_writer_release(struct bag_writer *w)
{
	bag_stream_release(&w->cur);
	for (size_t k = 0; k < BAG_DIR_CACHE; k++) {
		if (w->pdir[k].fd >= 0)
			close(w->pdir[k].fd);
		free(w->pdir[k].path);
	}
	if (w->dirfd >= 0)
		close(w->dirfd);
	for (size_t i = 0; i < w->nfiles; i++)
		free(w->files[i].path);
	free(w->files);
	free(w->dir);
	memset(w, 0, sizeof(*w));
	w->dirfd = w->cur.fd = -1;
	for (size_t k = 0; k < BAG_DIR_CACHE; k++)
		w->pdir[k].fd = -1;
}

int bag_write_tagmanifests(int dirfd, const char *const *files, size_t n)
{
	static const char *const algs[] = { "sha256", "sha512" };
	struct buf b = BUF_INIT, hex = BUF_INIT, why = BUF_INIT, tmp = BUF_INIT, final = BUF_INIT;
	int ret = 0;

	for (size_t a = 0; a < ARRAY_SIZE(algs) && !ret; a++) {
		int fd;

		buf_reset(&b);
		for (size_t i = 0; i < n && !ret; i++) {
			buf_reset(&hex);
			buf_reset(&why);
			if (bag_hash_file(dirfd, files[i], algs[a], &hex, &why)) {
				ret = error("cannot hash tag file '%s': %s", files[i], why.buf);
				break;
			}
			buf_addf(&b, "%s  ", hex.buf);
			bag_path_encode(&b, files[i]);
			buf_addch(&b, '\n');
		}
		if (ret)
			break;
		buf_reset(&tmp);
		buf_reset(&final);
		buf_addf(&final, "tagmanifest-%s.txt", algs[a]);
		buf_addf(&tmp, ".%s.tmp", final.buf);
		unlinkat(dirfd, tmp.buf, 0);
		fd = openat(dirfd, tmp.buf, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
		if (fd < 0) {
			ret = error("cannot create '%s': %s", tmp.buf, strerror(errno));
			break;
		}
		if (write_all(fd, b.buf, b.len) || fsync(fd)) {
			ret = error("cannot write '%s': %s", tmp.buf, strerror(errno));
			close(fd);
			unlinkat(dirfd, tmp.buf, 0);
			break;
		}
		close(fd);
		if (renameat(dirfd, tmp.buf, dirfd, final.buf)) {
			ret = error("cannot replace '%s': %s", final.buf, strerror(errno));
			unlinkat(dirfd, tmp.buf, 0);
		}
	}
	buf_release(&b);
	buf_release(&hex);
	buf_release(&why);
	buf_release(&tmp);
	buf_release(&final);
	return ret;
}
