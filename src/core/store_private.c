/*
 * store_private.c - a new store built where nobody can see it: the first
 * import into a path that does not exist yet writes PATH.importing-XXXXXX
 * beside it, without a rollback journal or WAL (there is nothing earlier
 * to protect, and a file that never gets published is simply removed),
 * then publishes it: WAL mode, synced, linked into place under PATH,
 * directory synced. Readers and a crash see either no store or the whole
 * import, as with a journaled import, but every page is written once
 * instead of twice.
 *
 * A build killed half-way leaves its private file behind; it holds an
 * flock(2) on the file while it lives, so the next private build at the
 * same path removes the leftovers whose lock it can take.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "trailscope/store.h"
#include "trailscope/util.h"

#define PRIVATE_SUFFIX ".importing-"

static char *dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');

	if (!slash)
		return xstrdup(".");
	if (slash == path)
		return xstrdup("/");
	return xstrndup(path, (size_t)(slash - path));
}

static void fsync_dir(const char *path)
{
	char *dir = dir_of(path);
	int fd = open(dir, O_RDONLY | O_DIRECTORY);

	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
	free(dir);
}

static void unlink_with_sidecars(const char *file)
{
	static const char *const sidecars[] = { "", "-wal", "-shm", "-journal" };
	struct buf b = BUF_INIT;

	for (size_t i = 0; i < ARRAY_SIZE(sidecars); i++) {
		buf_reset(&b);
		buf_addf(&b, "%s%s", file, sidecars[i]);
		unlink(b.buf);
	}
	buf_release(&b);
}

/* Removes private files of earlier builds at path whose builder is gone
 * (their flock can be taken). */
static void remove_leftovers(const char *path)
{
	char *dir = dir_of(path);
	const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	struct buf prefix = BUF_INIT, file = BUF_INIT;
	DIR *d = opendir(dir);
	struct dirent *e;

	buf_addf(&prefix, "%s%s", base, PRIVATE_SUFFIX);
	while (d && (e = readdir(d))) {
		size_t n = strlen(e->d_name);
		int fd;

		if (strncmp(e->d_name, prefix.buf, prefix.len) || n != prefix.len + 6)
			continue;
		buf_reset(&file);
		buf_addf(&file, "%s/%s", dir, e->d_name);
		fd = open(file.buf, O_RDONLY);
		if (fd < 0)
			continue;
		if (flock(fd, LOCK_EX | LOCK_NB) == 0)
			unlink_with_sidecars(file.buf);
		close(fd);
	}
	if (d)
		closedir(d);
	buf_release(&prefix);
	buf_release(&file);
	free(dir);
}

int store_create_private(struct store *s, const char *path)
{
	struct buf tmp = BUF_INIT;
	mode_t mode;
	int fd;

	memset(s, 0, sizeof(*s));
	remove_leftovers(path);
	buf_addf(&tmp, "%s%sXXXXXX", path, PRIVATE_SUFFIX);
	fd = mkstemp(tmp.buf);
	if (fd < 0) {
		error("cannot create store '%s': %s", path, strerror(errno));
		buf_release(&tmp);
		return -1;
	}
	mode = umask(0);
	umask(mode);
	if (fchmod(fd, 0666 & ~mode) || flock(fd, LOCK_EX | LOCK_NB)) {
		error("cannot lock '%s': %s", tmp.buf, strerror(errno));
		close(fd);
		unlink(tmp.buf);
		buf_release(&tmp);
		return -1;
	}
	if (store_open(s, tmp.buf, STORE_CREATE)) {
		close(fd);
		unlink_with_sidecars(tmp.buf);
		buf_release(&tmp);
		return -1;
	}
	s->private_fd = fd;
	s->private_path = buf_detach(&tmp, NULL);
	/* messages name the store the user asked for */
	free(s->path);
	s->path = xstrdup(path);
	if (store_exec(s, "PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF")) {
		store_discard(s);
		return -1;
	}
	return 0;
}

int store_publish(struct store *s)
{
	char *final = xstrdup(s->path), *tmp = s->private_path;
	int fd = s->private_fd, ret = -1;

	if (store_exec(s, "PRAGMA journal_mode = WAL") < 0) {
		store_discard(s);
		free(final);
		return -1;
	}
	s->private_path = NULL;
	store_close(s); /* checkpoints and removes the WAL */
	if (fsync(fd)) {
		error("cannot sync '%s': %s", tmp, strerror(errno));
	} else if (link(tmp, final)) {
		if (errno == EEXIST)
			error("store '%s' appeared while importing into it; nothing was written to it", final);
		else
			error("cannot create store '%s': %s", final, strerror(errno));
	} else {
		fsync_dir(final);
		ret = 0;
	}
	unlink_with_sidecars(tmp);
	close(fd);
	free(tmp);
	free(final);
	return ret;
}

void store_discard(struct store *s)
{
	char *tmp = s->private_path;
	int fd = s->private_fd;

	s->private_path = NULL;
	store_close(s);
	if (tmp) {
		unlink_with_sidecars(tmp);
		close(fd);
		free(tmp);
	}
}
