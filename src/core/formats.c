/*
 * formats.c - the registry of source formats, detection by content, and
 * opening input files: zlib reads gzip and plain files alike, and the
 * first bytes are kept so detection can look at them before the format
 * reads the file from its start.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "trailscope/formats.h"
#include "trailscope/util.h"

const struct format_ops *format_find(const char *name)
{
	for (int i = 0; formats[i]; i++)
		if (!strcmp(formats[i]->name, name))
			return formats[i];
	return NULL;
}

const struct format_ops *format_detect(const char *head, size_t len)
{
	const struct format_ops *best = NULL;
	int best_score = 0;

	for (int i = 0; formats[i]; i++) {
		int score = formats[i]->detect ? formats[i]->detect(head, len) : 0;

		if (score > best_score) {
			best = formats[i];
			best_score = score;
		}
	}
	return best;
}

struct gzcookie {
	gzFile gz;
	char *head;          /* bytes already read for detection, replayed first */
	size_t head_len, head_pos;
};

static ssize_t gz_read(void *c, char *out, size_t n)
{
	struct gzcookie *g = c;
	int r;

	if (g->head_pos < g->head_len) {
		size_t k = g->head_len - g->head_pos;

		if (k > n)
			k = n;
		memcpy(out, g->head + g->head_pos, k);
		g->head_pos += k;
		return (ssize_t)k;
	}
	if (n > (1u << 30))
		n = 1u << 30;
	r = gzread(g->gz, out, (unsigned)n);
	if (r < 0) {
		errno = EIO;
		return -1;
	}
	return r;
}

static int gz_close(void *c)
{
	struct gzcookie *g = c;
	int r = gzclose(g->gz);

	free(g->head);
	free(g);
	return r == Z_OK ? 0 : EOF;
}

FILE *format_open(const char *path, char *head, size_t cap, size_t *head_len)
{
	cookie_io_functions_t io = { .read = gz_read, .close = gz_close };
	struct gzcookie *g;
	int fd = strcmp(path, "-") ? open(path, O_RDONLY | O_CLOEXEC) : dup(0);
	FILE *f;
	int r;

	if (fd < 0)
		return NULL;
	g = xcalloc(1, sizeof(*g));
	g->gz = gzdopen(fd, "rb");
	if (!g->gz) {
		close(fd);
		free(g);
		errno = ENOMEM;
		return NULL;
	}
	gzbuffer(g->gz, 1 << 17);
	g->head = xmalloc(cap + 1);
	r = gzread(g->gz, g->head, (unsigned)cap);
	if (r < 0) {
		gz_close(g);
		errno = EIO;
		return NULL;
	}
	g->head_len = (size_t)r;
	if (head) {
		memcpy(head, g->head, g->head_len);
		head[g->head_len] = '\0';
		*head_len = g->head_len;
	}
	f = fopencookie(g, "r", io);
	if (!f) {
		gz_close(g);
		return NULL;
	}
	setvbuf(f, NULL, _IOFBF, 1 << 17);
	return f;
}

