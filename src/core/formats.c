/*
 * formats.c - the registry of source formats, detection by content, and
 * opening input files: gzip and plain files read alike (a damaged gzip
 * stream is bad input at a byte offset), and the first bytes are kept so
 * detection can look at them before the format reads the file from its
 * start.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include <sys/stat.h>
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

/*
 * An input stream: plain bytes, or gzip members (one or more, as gzip
 * concatenates them) inflated here rather than through gzFile, so that
 * a stream cut short, a bad CRC or length, and bytes after the last
 * member are errors that name the compressed byte offset, where zlib's
 * gzread would end quietly at a truncation and ignore trailing garbage.
 */
struct zcookie {
	int fd;
	int gzip;            /* the input starts with the gzip magic */
	int in_member;       /* inside a gzip member (its end not reached) */
	int eof;             /* the file has no more bytes */
	int failed;          /* bad input: reported once, then every read fails */
	int reported;
	z_stream zs;
	unsigned char *in;   /* compressed bytes read, not yet inflated */
	uint64_t base;       /* compressed offset of the current member */
	uint64_t file_len;   /* bytes read from the file so far */
	struct buf why;      /* the bad-input message, until reported */
	char *name;          /* for messages */
	char *head;          /* bytes already read for detection, replayed first */
	size_t head_len, head_pos;
};

#define ZIN (1u << 17)

static void bad_stream(struct zcookie *z, uint64_t off, const char *what)
{
	if (z->failed)
		return;
	z->failed = 1;
	buf_addf(&z->why, "byte offset %llu: %s", (unsigned long long)off, what);
}

/* Reads more compressed input; 0 at the end of the file, -1 on error. */
static int fill(struct zcookie *z)
{
	ssize_t n;

	if (z->eof)
		return 0;
	do
		n = read(z->fd, z->in, ZIN);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -1;
	if (n == 0) {
		z->eof = 1;
		return 0;
	}
	z->zs.next_in = z->in;
	z->zs.avail_in = (uInt)n;
	z->file_len += (uint64_t)n;
	return 1;
}

/* Produces up to n bytes of the stream; 0 at its end, -1 with errno
 * (EBADMSG: bad input, described in z->why). */
static ssize_t z_produce(struct zcookie *z, char *out, size_t n)
{
	if (z->failed) {
		errno = EBADMSG;
		return -1;
	}
	if (!z->gzip) {
		if (z->zs.avail_in) {
			size_t k = z->zs.avail_in < n ? z->zs.avail_in : n;

			memcpy(out, z->zs.next_in, k);
			z->zs.next_in += k;
			z->zs.avail_in -= (uInt)k;
			return (ssize_t)k;
		}
		if (z->eof)
			return 0;
		for (;;) {
			ssize_t r = read(z->fd, out, n);

			if (r >= 0 || errno != EINTR) {
				if (r == 0)
					z->eof = 1;
				return r;
			}
		}
	}
	if (n > (1u << 30))
		n = 1u << 30;
	z->zs.next_out = (Bytef *)out;
	z->zs.avail_out = (uInt)n;
	while (z->zs.avail_out == n) {
		int rc;

		if (!z->zs.avail_in) {
			int f = fill(z);

			if (f < 0)
				return -1;
			if (!f) {
				if (z->in_member) {
					bad_stream(z, z->file_len, "truncated gzip stream (the file ends inside it)");
					errno = EBADMSG;
					return -1;
				}
				return 0;
			}
		}
		if (!z->in_member && z->zs.next_in[0] != 0x1f) {
			/* what follows a member must be another one */
			bad_stream(z, z->base, "data after the end of the gzip stream");
			errno = EBADMSG;
			return -1;
		}
		z->in_member = 1;
		rc = inflate(&z->zs, Z_NO_FLUSH);
		if (rc == Z_STREAM_END) {
			z->base += z->zs.total_in;
			z->in_member = 0;
			if (inflateReset(&z->zs) != Z_OK)
				die("inflateReset failed");
		} else if (rc == Z_DATA_ERROR) {
			uint64_t at = z->base + z->zs.total_in;
			const char *msg = z->zs.msg ? z->zs.msg : "corrupt data";
			struct buf b = BUF_INIT;

			/* a member that is not gzip can only follow the first */
			if (!strcmp(msg, "incorrect header check")) {
				at = z->base;
				buf_addstr(&b, "data after the end of the gzip stream");
			} else if (!strcmp(msg, "incorrect data check") || !strcmp(msg, "incorrect length check")) {
				/* the trailer's CRC-32 or length has just been read */
				at -= 4;
				buf_addf(&b, "bad gzip %s", msg[10] == 'd' ? "CRC-32" : "length");
			} else {
				buf_addf(&b, "corrupt gzip data (%s)", msg);
			}
			bad_stream(z, at, b.buf);
			buf_release(&b);
			if (z->zs.avail_out < n)
				break;  /* hand over what came before; fail next time */
			errno = EBADMSG;
			return -1;
		} else if (rc == Z_MEM_ERROR) {
			errno = ENOMEM;
			return -1;
		} else if (rc != Z_OK && rc != Z_BUF_ERROR) {
			die("inflate: unexpected result %d", rc);
		}
	}
	return (ssize_t)(n - z->zs.avail_out);
}

static ssize_t z_read(void *c, char *out, size_t n)
{
	struct zcookie *z = c;
	ssize_t r;

	if (z->head_pos < z->head_len) {
		size_t k = z->head_len - z->head_pos;

		if (k > n)
			k = n;
		memcpy(out, z->head + z->head_pos, k);
		z->head_pos += k;
		return (ssize_t)k;
	}
	r = z_produce(z, out, n);
	if (r < 0 && errno == EBADMSG && !z->reported) {
		struct buf safe = BUF_INIT;

		buf_add_term_safe(&safe, z->name, strlen(z->name));
		error("%s: %s", safe.buf, z->why.buf);
		buf_release(&safe);
		z->reported = 1;
		errno = EBADMSG;
	}
	return r;
}

static int z_close(void *c)
{
	struct zcookie *z = c;
	int r = close(z->fd);

	inflateEnd(&z->zs);
	free(z->in);
	free(z->head);
	free(z->name);
	buf_release(&z->why);
	free(z);
	return r ? EOF : 0;
}

FILE *format_open(const char *path, char *head, size_t cap, size_t *head_len)
{
	cookie_io_functions_t io = { .read = z_read, .close = z_close };
	struct zcookie *z;
	struct stat st;
	int fd = strcmp(path, "-") ? open(path, O_RDONLY | O_CLOEXEC) : dup(0);
	FILE *f;
	int r;

	if (fd < 0)
		return NULL;
	if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
		close(fd);
		errno = EISDIR;
		return NULL;
	}
	z = xcalloc(1, sizeof(*z));
	z->fd = fd;
	z->in = xmalloc(ZIN);
	z->name = xstrdup(strcmp(path, "-") ? path : "<stdin>");
	buf_init(&z->why);
	if (inflateInit2(&z->zs, 15 + 16) != Z_OK)
		die("inflateInit2 failed");
	/* the first two bytes tell gzip (1f 8b) from plain text */
	r = fill(z);
	if (r > 0 && z->zs.avail_in < 2) {
		ssize_t k;

		do
			k = read(fd, z->in + 1, 1);
		while (k < 0 && errno == EINTR);
		if (k > 0) {
			z->zs.avail_in = 2;
			z->file_len++;
		} else if (k == 0) {
			z->eof = 1;
		}
		r = k < 0 ? -1 : 1;
	}
	if (r < 0) {
		int e = errno;

		z_close(z);
		errno = e;
		return NULL;
	}
	z->gzip = z->zs.avail_in >= 2 && z->zs.next_in[0] == 0x1f && z->zs.next_in[1] == 0x8b;
	/* the bytes for detection: an error among them is kept for its turn */
	z->head = xmalloc(cap + 1);
	while (z->head_len < cap) {
		ssize_t k = z_produce(z, z->head + z->head_len, cap - z->head_len);

		if (k < 0 && errno == EBADMSG)
			break;
		if (k < 0) {
			int e = errno;

			z_close(z);
			errno = e;
			return NULL;
		}
		if (k == 0)
			break;
		z->head_len += (size_t)k;
	}
	if (z->head_len >= 3 && !memcmp(z->head, "\xef\xbb\xbf", 3))
		z->head_pos = 3;        /* a UTF-8 byte order mark: skipped */
	if (head) {
		memcpy(head, z->head + z->head_pos, z->head_len - z->head_pos);
		head[z->head_len - z->head_pos] = '\0';
		*head_len = z->head_len - z->head_pos;
	}
	f = fopencookie(z, "r", io);
	if (!f) {
		z_close(z);
		return NULL;
	}
	setvbuf(f, NULL, _IOFBF, 1 << 17);
	return f;
}

int format_is_utf16(const char *head, size_t len)
{
	const unsigned char *h = (const unsigned char *)head;

	if (len >= 2 && ((h[0] == 0xff && h[1] == 0xfe) || (h[0] == 0xfe && h[1] == 0xff)))
		return 1;               /* a UTF-16 byte order mark */
	/* ASCII as UTF-16 without one: every other byte is NUL */
	return len >= 2 && (h[0] == 0) != (h[1] == 0);
}

FILE *format_open_input(const char *path, const char *name, char *head, size_t cap, size_t *head_len,
			int *status)
{
	struct buf safe = BUF_INIT;
	FILE *f = format_open(path, head, cap, head_len);
	int e = errno;

	buf_add_term_safe(&safe, name, strlen(name));
	if (!f) {
		if (e == EISDIR)
			error("%s: is a directory: name the files to import", safe.buf);
		else
			error("cannot open '%s': %s", safe.buf, strerror(e));
		*status = e == EISDIR ? EXIT_BADINPUT : EXIT_IO;
	} else if (format_is_utf16(head, *head_len)) {
		error("%s: UTF-16 is not supported: convert to UTF-8", safe.buf);
		fclose(f);
		f = NULL;
		*status = EXIT_BADINPUT;
	} else {
		*status = EXIT_OK;
	}
	buf_release(&safe);
	return f;
}

void format_report_bad(const char *file, long line, int col, long index, const char *noun,
		       const char *why, int skipped)
{
	struct buf safe = BUF_INIT, msg = BUF_INIT;

	buf_add_term_safe(&safe, file, strlen(file));
	buf_add_term_safe(&msg, why, strlen(why));
	if (index >= 0)
		fprintf(stderr, "%s:%ld:%d: %s %ld: %s%s\n", safe.buf, line, col, noun, index, msg.buf,
			skipped ? " (skipped)" : "");
	else
		fprintf(stderr, "%s:%ld:%d: %s%s\n", safe.buf, line, col, msg.buf, skipped ? " (skipped)" : "");
	buf_release(&safe);
	buf_release(&msg);
}

int format_read_failed(const char *file)
{
	struct buf safe = BUF_INIT;

	if (errno == EBADMSG)
		return -2;      /* bad input, reported by the stream */
	buf_add_term_safe(&safe, file, strlen(file));
	error("cannot read '%s': %s", safe.buf, strerror(errno));
	buf_release(&safe);
	return -1;
}

/* ---- skipped records ---- */

const char *skip_reason_name(enum skip_reason reason, int plural)
{
	switch (reason) {
	case SKIP_READ: return plural ? "reads" : "read";
	case SKIP_STAGE: return plural ? "earlier stages" : "earlier stage";
	case SKIP_NOT_EVENT: return plural ? "non-audit records" : "non-audit record";
	default: return "?";
	}
}

void format_skip(struct record_sink *sink, enum skip_reason reason)
{
	if (sink->skip && reason < SKIP_NREASONS)
		sink->skip(sink->ctx, reason);
}

/* ---- describing a file no format recognises ---- */

/* Member names of obj, terminal-safe: "a, b, c, ..." (at most 8). */
static void describe_members(const json_t *obj, struct buf *out)
{
	const char *key;
	json_t *v;
	size_t n = 0;

	json_object_foreach((json_t *)obj, key, v) {
		(void)v;
		if (n == 8) {
			buf_addstr(out, ", …");
			break;
		}
		if (n++)
			buf_addstr(out, ", ");
		buf_add_term_safe(out, key, strlen(key) > 40 ? 40 : strlen(key));
	}
	if (!n)
		buf_addstr(out, "(none)");
}

void format_describe(const char *head, size_t len, struct buf *out)
{
	const char *p = head, *end = head + len, *eol;
	long line = 1;
	json_t *v;
	json_error_t jerr;
	size_t n;

	for (;;) {
		while (p < end && (*p == ' ' || *p == '\t' || *p == '\r'))
			p++;
		if (p < end && *p == '\n') {
			p++;
			line++;
			continue;
		}
		break;
	}
	if (p >= end) {
		buf_addstr(out, "the file holds only blank lines");
		return;
	}
	eol = memchr(p, '\n', (size_t)(end - p));
	n = (size_t)((eol ? eol : end) - p);
	while (n && (p[n - 1] == '\r' || p[n - 1] == ' ' || p[n - 1] == '\t'))
		n--;
	if (*p == '{' || *p == '[') {
		v = json_loadb(p, n, JSON_DECODE_ANY, &jerr);
		if (!v && *p == '[')
			v = json_loadb(p, (size_t)(end - p), JSON_DECODE_ANY, &jerr);
		if (json_is_object(v)) {
			buf_addf(out, "line %ld is a JSON object with members ", line);
			describe_members(v, out);
		} else if (json_is_array(v) && json_is_object(json_array_get(v, 0))) {
			buf_addf(out, "the file is a JSON array of objects with members ");
			describe_members(json_array_get(v, 0), out);
		} else if (json_is_array(v)) {
			buf_addstr(out, "the file is a JSON array of no objects");
		} else {
			buf_addf(out, "line %ld starts a JSON %s that is not a record on one line "
				 "(or is cut short)", line, *p == '{' ? "object" : "array");
		}
		json_decref(v);
		return;
	}
	if (memchr(p, ',', n) && !memchr(p, '{', n)) {
		size_t k = n > 80 ? 80 : n;

		buf_addf(out, "line %ld looks like CSV, not JSON (", line);
		buf_add_term_safe(out, p, k);
		buf_addstr(out, k < n ? "…)" : ")");
		return;
	}
	buf_addf(out, "line %ld is text, not JSON (\"", line);
	buf_add_term_safe(out, p, n > 60 ? 60 : n);
	buf_addstr(out, n > 60 ? "…\")" : "\")");
}
