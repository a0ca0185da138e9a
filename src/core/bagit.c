/*
 * bagit.c - BagIt 1.0 bags (RFC 8493): the writer and the validator (see
 * bagit.h). Cost: validation reads every listed file once per manifest
 * that lists it and walks data/ once; the writer hashes as it writes.
 * Every file is reached component by component with O_NOFOLLOW below the
 * bag's directory descriptor: nothing outside the bag is ever touched.
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

#define MANIFEST_MAX (256u << 20)

struct bag_entry {
	char *path;                  /* "data/...", owned */
	unsigned char sha256[32];
	unsigned char sha512[64];
};

/* ---- faults and contents ---- */

void bag_fault_add(struct bag_faults *f, const char *file, long line, const char *fmt, ...)
{
	struct buf b = BUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	buf_vaddf(&b, fmt, ap);
	va_end(ap);
	ALLOC_GROW(f->v, f->n + 1, f->alloc);
	f->v[f->n].file = xstrdup(file ? file : "");
	f->v[f->n].line = line;
	f->v[f->n].msg = buf_detach(&b, NULL);
	f->n++;
}

void bag_faults_release(struct bag_faults *f)
{
	for (size_t i = 0; i < f->n; i++) {
		free(f->v[i].file);
		free(f->v[i].msg);
	}
	free(f->v);
	memset(f, 0, sizeof(*f));
}

void bag_contents_release(struct bag_contents *c)
{
	for (size_t i = 0; i < c->npayload; i++)
		free(c->payload[i]);
	free(c->payload);
	for (size_t i = 0; i < c->ninfo; i++) {
		free(c->info[i].label);
		free(c->info[i].value);
	}
	free(c->info);
	memset(c, 0, sizeof(*c));
}

const char *bag_info_get(const struct bag_contents *c, const char *label)
{
	for (size_t i = 0; i < c->ninfo; i++)
		if (!strcasecmp(c->info[i].label, label))
			return c->info[i].value;
	return NULL;
}

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
static void path_decode(struct buf *out, const char *s, size_t len)
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
static void explain_open(int dirfd, const char *name, int err, struct buf *why)
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
static int open_parent(int dirfd, const char *relpath, const char **last, int create, struct buf *why)
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
			explain_open(fd, comp, errno, why);
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
	pfd = open_parent(dirfd, relpath, &last, 0, why);
	if (pfd < 0)
		return -1;
	fd = openat(pfd, last, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		explain_open(pfd, last, errno, why);
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

int bag_read(int dirfd, const char *relpath, size_t max, struct buf *out, struct buf *why)
{
	char tmp[65536];
	size_t start = out->len;
	ssize_t n;
	int fd = bag_open_read(dirfd, relpath, why);

	if (fd < 0)
		return -1;
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

static const EVP_MD *alg_md(const char *alg)
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
	const EVP_MD *md = alg_md(alg);
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

/* ---- validation ---- */

static int utf8_valid(const unsigned char *s, size_t len, size_t *bad)
{
	size_t i = 0;

	while (i < len) {
		unsigned c = s[i], n, cp;

		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf) { n = 1; cp = c & 0x1f; }
		else if (c >= 0xe0 && c <= 0xef) { n = 2; cp = c & 0x0f; }
		else if (c >= 0xf0 && c <= 0xf4) { n = 3; cp = c & 0x07; }
		else goto fail;
		if (i + n >= len)
			goto fail;
		for (unsigned k = 1; k <= n; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				goto fail;
			cp = cp << 6 | (s[i + k] & 0x3f);
		}
		if ((n == 2 && cp < 0x800) || (n == 3 && (cp < 0x10000 || cp > 0x10ffff)) ||
		    (cp >= 0xd800 && cp <= 0xdfff))
			goto fail;
		i += n + 1;
	}
	return 1;
fail:
	*bad = i;
	return 0;
}

/* Splits text into lines (LF or CRLF); calls fn for each with its number. */
struct line {
	const char *s;
	size_t len;
	long no;
};

static size_t split_lines(const char *text, size_t len, struct line **out)
{
	size_t n = 0, alloc = 0, i = 0;
	long no = 1;

	*out = NULL;
	while (i < len) {
		const char *nl = memchr(text + i, '\n', len - i);
		size_t end = nl ? (size_t)(nl - text) : len, l = end - i;

		if (l && text[i + l - 1] == '\r')
			l--;
		ALLOC_GROW(*out, n + 1, alloc);
		(*out)[n].s = text + i;
		(*out)[n].len = l;
		(*out)[n].no = no++;
		n++;
		i = end + 1;
	}
	return n;
}

static int read_tag_text(int dfd, const char *name, size_t max, struct buf *text,
			 struct bag_faults *F)
{
	struct buf why = BUF_INIT;
	size_t bad;

	if (bag_read(dfd, name, max, text, &why)) {
		bag_fault_add(F, name, 0, "cannot read: %s", why.buf);
		buf_release(&why);
		return -1;
	}
	buf_release(&why);
	if (!utf8_valid((const unsigned char *)text->buf, text->len, &bad)) {
		long line = 1;

		for (size_t i = 0; i < bad; i++)
			line += text->buf[i] == '\n';
		bag_fault_add(F, name, line, "invalid UTF-8 (tag files are UTF-8)");
		return -1;
	}
	return 0;
}

static void check_bagit_txt(int dfd, struct bag_faults *F)
{
	static const char v_label[] = "BagIt-Version: ", e_label[] = "Tag-File-Character-Encoding: ";
	struct buf text = BUF_INIT;
	struct line *lines = NULL;
	size_t n;

	if (read_tag_text(dfd, "bagit.txt", 4096, &text, F))
		goto out;
	if (text.len >= 3 && !memcmp(text.buf, "\xef\xbb\xbf", 3)) {
		bag_fault_add(F, "bagit.txt", 1, "starts with a byte-order mark");
		goto out;
	}
	n = split_lines(text.buf, text.len, &lines);
	if (n != 2) {
		bag_fault_add(F, "bagit.txt", n > 2 ? 3 : 0,
			      "must hold exactly two lines (BagIt-Version, Tag-File-Character-Encoding)");
		goto out;
	}
	if (lines[0].len < sizeof(v_label) - 1 || memcmp(lines[0].s, v_label, sizeof(v_label) - 1)) {
		bag_fault_add(F, "bagit.txt", 1, "expected 'BagIt-Version: M.N' (label, colon, one space)");
	} else {
		const char *v = lines[0].s + sizeof(v_label) - 1;
		size_t vl = lines[0].len - (sizeof(v_label) - 1), i = 0, dots = 0;

		for (i = 0; i < vl; i++) {
			if (v[i] == '.')
				dots++;
			else if (v[i] < '0' || v[i] > '9')
				break;
		}
		if (i != vl || dots != 1 || !vl || v[0] == '.' || v[vl - 1] == '.')
			bag_fault_add(F, "bagit.txt", 1, "bad version '%.*s' (expected M.N, no whitespace)",
				      (int)(vl > 40 ? 40 : vl), v);
		else if (!(vl == 3 && !memcmp(v, "1.0", 3)) && !(vl == 4 && !memcmp(v, "0.97", 4)))
			bag_fault_add(F, "bagit.txt", 1, "unsupported BagIt version %.*s (1.0 or 0.97)",
				      (int)vl, v);
	}
	if (lines[1].len < sizeof(e_label) - 1 || memcmp(lines[1].s, e_label, sizeof(e_label) - 1)) {
		bag_fault_add(F, "bagit.txt", 2,
			      "expected 'Tag-File-Character-Encoding: UTF-8' (label, colon, one space)");
	} else {
		const char *v = lines[1].s + sizeof(e_label) - 1;
		size_t vl = lines[1].len - (sizeof(e_label) - 1);

		if (vl != 5 || strncasecmp(v, "UTF-8", 5))
			bag_fault_add(F, "bagit.txt", 2, "unsupported tag file encoding '%.*s' (UTF-8)",
				      (int)(vl > 40 ? 40 : vl), v);
	}
out:
	free(lines);
	buf_release(&text);
}

static void parse_bag_info(int dfd, struct bag_faults *F, struct bag_contents *C)
{
	struct buf text = BUF_INIT;
	struct line *lines = NULL;
	size_t n;

	if (faccessat(dfd, "bag-info.txt", F_OK, AT_SYMLINK_NOFOLLOW) && errno == ENOENT)
		return;
	if (read_tag_text(dfd, "bag-info.txt", BAG_MAX_TAG_FILE, &text, F))
		goto out;
	n = split_lines(text.buf, text.len, &lines);
	for (size_t i = 0; i < n; i++) {
		const char *s = lines[i].s, *colon;
		size_t len = lines[i].len;

		if (!len)
			continue;
		if (s[0] == ' ' || s[0] == '\t') {
			struct bag_tag *t;
			struct buf v = BUF_INIT;
			size_t k = 0;

			if (!C->ninfo) {
				bag_fault_add(F, "bag-info.txt", lines[i].no, "continuation line with no element");
				continue;
			}
			while (k < len && (s[k] == ' ' || s[k] == '\t'))
				k++;
			t = &C->info[C->ninfo - 1];
			buf_addstr(&v, t->value);
			buf_addch(&v, ' ');
			buf_add(&v, s + k, len - k);
			free(t->value);
			t->value = buf_detach(&v, NULL);
			continue;
		}
		colon = memchr(s, ':', len);
		if (!colon) {
			bag_fault_add(F, "bag-info.txt", lines[i].no, "expected 'Label: value'");
			continue;
		}
		if (colon == s || colon[-1] == ' ' || colon[-1] == '\t') {
			bag_fault_add(F, "bag-info.txt", lines[i].no, "whitespace before the colon of a label");
			continue;
		}
		ALLOC_GROW(C->info, C->ninfo + 1, C->info_alloc);
		C->info[C->ninfo].label = xstrndup(s, (size_t)(colon - s));
		colon++;
		if (colon < s + len && (*colon == ' ' || *colon == '\t'))
			colon++;
		C->info[C->ninfo].value = xstrndup(colon, (size_t)(s + len - colon));
		C->info[C->ninfo].line = lines[i].no;
		C->ninfo++;
	}
out:
	free(lines);
	buf_release(&text);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

struct walk {
	struct bag_contents *C;
	struct bag_faults *F;
	uint64_t octets;
};

static void walk_payload(int fd, struct buf *path, int depth, struct walk *w)
{
	DIR *d;
	struct dirent *de;
	int dup_fd = dup(fd);

	if (dup_fd < 0 || !(d = fdopendir(dup_fd))) {
		if (dup_fd >= 0)
			close(dup_fd);
		bag_fault_add(w->F, path->buf, 0, "cannot list directory: %s", strerror(errno));
		return;
	}
	rewinddir(d);
	while ((de = readdir(d))) {
		size_t save = path->len;
		struct stat st;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		buf_addf(path, "/%s", de->d_name);
		if (fstatat(fd, de->d_name, &st, AT_SYMLINK_NOFOLLOW)) {
			bag_fault_add(w->F, path->buf, 0, "cannot stat: %s", strerror(errno));
		} else if (S_ISLNK(st.st_mode)) {
			bag_fault_add(w->F, path->buf, 0, "symbolic link in the payload (refused)");
		} else if (S_ISDIR(st.st_mode)) {
			int sub = openat(fd, de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

			if (depth >= BAG_MAX_DEPTH)
				bag_fault_add(w->F, path->buf, 0, "directories nested too deep");
			else if (sub < 0)
				bag_fault_add(w->F, path->buf, 0, "cannot open directory: %s", strerror(errno));
			else
				walk_payload(sub, path, depth + 1, w);
			if (sub >= 0)
				close(sub);
		} else if (!S_ISREG(st.st_mode)) {
			bag_fault_add(w->F, path->buf, 0, "not a regular file");
		} else {
			ALLOC_GROW(w->C->payload, w->C->npayload + 1, w->C->payload_alloc);
			w->C->payload[w->C->npayload++] = xstrdup(path->buf);
			w->octets += (uint64_t)st.st_size;
		}
		buf_setlen(path, save);
	}
	closedir(d);
}

struct mline {
	char *path;
	long no;
};

static int cmp_mline(const void *a, const void *b)
{
	const struct mline *x = a, *y = b;
	int c = strcmp(x->path, y->path);

	return c ? c : (x->no < y->no ? -1 : x->no > y->no);
}

static int is_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static void check_manifest(int dfd, const char *name, const char *alg, int tag,
			   const struct bag_contents *C, struct bag_faults *F)
{
	const EVP_MD *md = alg_md(alg);
	struct buf text = BUF_INIT, path = BUF_INIT, why = BUF_INIT, hex = BUF_INIT;
	struct line *lines = NULL;
	struct mline *ml = NULL;
	size_t n, nml = 0, mlalloc = 0, hexlen;

	if (!md) {
		bag_fault_add(F, name, 0, "unsupported checksum algorithm '%s' (md5, sha1, sha256, sha512)", alg);
		return;
	}
	hexlen = (size_t)EVP_MD_size(md) * 2;
	if (read_tag_text(dfd, name, MANIFEST_MAX, &text, F))
		goto out;
	n = split_lines(text.buf, text.len, &lines);
	for (size_t i = 0; i < n; i++) {
		const char *s = lines[i].s;
		size_t len = lines[i].len, k = 0, p;

		if (!len)
			continue;
		while (k < len && is_hex(s[k]))
			k++;
		p = k;
		while (p < len && (s[p] == ' ' || s[p] == '\t'))
			p++;
		if (k != hexlen || p == k || p == len) {
			bag_fault_add(F, name, lines[i].no, "expected '%s-CHECKSUM  PATH' (%zu hex digits, "
				      "whitespace, path)", alg, hexlen);
			continue;
		}
		buf_reset(&path);
		path_decode(&path, s + p, len - p);
		buf_reset(&why);
		if (memchr(path.buf, '\0', path.len) || bag_path_check(path.buf, &why)) {
			bag_fault_add(F, name, lines[i].no, "unsafe path '%s': %s", path.buf,
				      why.len ? why.buf : "NUL byte");
			continue;
		}
		if (!tag && strncmp(path.buf, "data/", 5)) {
			bag_fault_add(F, name, lines[i].no, "'%s' is outside the payload directory data/", path.buf);
			continue;
		}
		if (tag && !strncmp(path.buf, "data/", 5)) {
			bag_fault_add(F, name, lines[i].no, "a tag manifest lists the payload file '%s'", path.buf);
			continue;
		}
		ALLOC_GROW(ml, nml + 1, mlalloc);
		ml[nml].path = xstrdup(path.buf);
		ml[nml].no = lines[i].no;
		nml++;
		buf_reset(&hex);
		buf_reset(&why);
		if (bag_hash_file(dfd, path.buf, alg, &hex, &why)) {
			bag_fault_add(F, name, lines[i].no, "%s: %s", path.buf, why.buf);
			continue;
		}
		if (strncasecmp(hex.buf, s, hexlen))
			bag_fault_add(F, name, lines[i].no, "%s: %s mismatch (manifest %.16s..., file %.16s...)",
				      path.buf, alg, s, hex.buf);
	}
	if (nml)
		qsort(ml, nml, sizeof(*ml), cmp_mline);
	for (size_t i = 1; i < nml; i++)
		if (!strcmp(ml[i].path, ml[i - 1].path))
			bag_fault_add(F, name, ml[i].no, "'%s' is listed twice (also line %ld)",
				      ml[i].path, ml[i - 1].no);
	if (!tag) {
		for (size_t i = 0; i < C->npayload; i++) {
			struct mline key = { C->payload[i], 0 };
			size_t lo = 0, hi = nml;

			while (lo < hi) {
				size_t mid = (lo + hi) / 2;

				if (cmp_mline(&ml[mid], &key) < 0)
					lo = mid + 1;
				else
					hi = mid;
			}
			if (lo >= nml || strcmp(ml[lo].path, C->payload[i]))
				bag_fault_add(F, name, 0, "payload file '%s' is not listed", C->payload[i]);
		}
	}
out:
	for (size_t i = 0; i < nml; i++)
		free(ml[i].path);
	free(ml);
	free(lines);
	buf_release(&text);
	buf_release(&path);
	buf_release(&why);
	buf_release(&hex);
}

static void check_oxum(const struct bag_contents *C, struct bag_faults *F)
{
	const char *ox = bag_info_get(C, "Payload-Oxum");
	unsigned long long oct, cnt;
	char end;

	if (!ox)
		return;
	if (sscanf(ox, "%llu.%llu%c", &oct, &cnt, &end) != 2) {
		bag_fault_add(F, "bag-info.txt", 0, "bad Payload-Oxum '%s' (expected OCTETS.COUNT)", ox);
		return;
	}
	if (oct != C->octets || cnt != C->npayload)
		bag_fault_add(F, "bag-info.txt", 0, "Payload-Oxum is %s but the payload has %llu.%zu",
			      ox, (unsigned long long)C->octets, C->npayload);
}

int bagit_validate(const char *dir, struct bag_faults *F, struct bag_contents *contents)
{
	struct bag_contents local = { 0 }, *C = contents ? contents : &local;
	struct buf path = BUF_INIT;
	struct walk w = { C, F, 0 };
	char **names = NULL;
	size_t nnames = 0, nalloc = 0, npayload_manifests = 0;
	struct dirent *de;
	DIR *d;
	int dfd, datafd, dup_fd;

	memset(C, 0, sizeof(*C));
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return error("cannot open bag '%s': %s", dir, strerror(errno));
	check_bagit_txt(dfd, F);
	datafd = openat(dfd, "data", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (datafd < 0) {
		struct buf why = BUF_INIT;

		explain_open(dfd, "data", errno, &why);
		bag_fault_add(F, "data", 0, "payload directory: %s", why.buf);
		buf_release(&why);
	} else {
		buf_addstr(&path, "data");
		walk_payload(datafd, &path, 0, &w);
		close(datafd);
		if (C->npayload)
			qsort(C->payload, C->npayload, sizeof(*C->payload), cmp_str);
		C->octets = w.octets;
	}
	parse_bag_info(dfd, F, C);
	dup_fd = dup(dfd);
	if (dup_fd < 0 || !(d = fdopendir(dup_fd))) {
		if (dup_fd >= 0)
			close(dup_fd);
		bag_fault_add(F, "", 0, "cannot list the bag: %s", strerror(errno));
	} else {
		rewinddir(d);
		while ((de = readdir(d))) {
			ALLOC_GROW(names, nnames + 1, nalloc);
			names[nnames++] = xstrdup(de->d_name);
		}
		closedir(d);
	}
	if (nnames)
		qsort(names, nnames, sizeof(*names), cmp_str);
	for (size_t i = 0; i < nnames; i++) {
		const char *nm = names[i];
		size_t len = strlen(nm);
		int tag = !strncmp(nm, "tagmanifest-", 12);

		if ((!tag && strncmp(nm, "manifest-", 9)) || len < 5 || strcmp(nm + len - 4, ".txt"))
			continue;
		{
			size_t pre = tag ? 12 : 9;
			char *alg = xstrndup(nm + pre, len - pre - 4);

			check_manifest(dfd, nm, alg, tag, C, F);
			free(alg);
		}
		npayload_manifests += !tag;
	}
	if (!npayload_manifests)
		bag_fault_add(F, "", 0, "no payload manifest (manifest-ALGORITHM.txt)");
	check_oxum(C, F);
	for (size_t i = 0; i < nnames; i++)
		free(names[i]);
	free(names);
	buf_release(&path);
	bag_contents_release(&local);
	close(dfd);
	return 0;
}

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
	w->fd = -1;
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

int bag_file_begin(struct bag_writer *w, const char *relpath)
{
	struct buf why = BUF_INIT;
	const char *last;
	int pfd;

	if (w->fd >= 0)
		die("bag_file_begin: '%s' still open", w->cur);
	if (bag_path_check(relpath, &why)) {
		error("refusing to write '%s' in the bag: %s", relpath, why.buf);
		buf_release(&why);
		return -1;
	}
	pfd = open_parent(w->dirfd, relpath, &last, 1, &why);
	if (pfd < 0) {
		error("cannot write '%s/%s': %s", w->dir, relpath, why.buf);
		buf_release(&why);
		return -1;
	}
	w->fd = openat(pfd, last, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	close(pfd);
	buf_release(&why);
	if (w->fd < 0)
		return error("cannot create '%s/%s': %s", w->dir, relpath, strerror(errno));
	free(w->cur);
	w->cur = xstrdup(relpath);
	w->cur_size = 0;
	if (!w->md256)
		w->md256 = EVP_MD_CTX_new();
	if (!w->md512)
		w->md512 = EVP_MD_CTX_new();
	if (!w->md256 || !w->md512 || !EVP_DigestInit_ex(w->md256, EVP_sha256(), NULL) ||
	    !EVP_DigestInit_ex(w->md512, EVP_sha512(), NULL))
		die("cannot initialise SHA-2");
	return 0;
}

int bag_file_write(struct bag_writer *w, const void *data, size_t len)
{
	if (write_all(w->fd, data, len))
		return error("cannot write '%s/%s': %s", w->dir, w->cur, strerror(errno));
	EVP_DigestUpdate(w->md256, data, len);
	EVP_DigestUpdate(w->md512, data, len);
	w->cur_size += len;
	return 0;
}

int bag_file_end(struct bag_writer *w)
{
	unsigned len;
	int ret = 0;

	if (close(w->fd))
		ret = error("cannot write '%s/%s': %s", w->dir, w->cur, strerror(errno));
	w->fd = -1;
	if (!strncmp(w->cur, "data/", 5)) {
		struct bag_entry *e;

		ALLOC_GROW(w->files, w->nfiles + 1, w->files_alloc);
		e = &w->files[w->nfiles++];
		e->path = xstrdup(w->cur);
		EVP_DigestFinal_ex(w->md256, e->sha256, &len);
		EVP_DigestFinal_ex(w->md512, e->sha512, &len);
		w->octets += w->cur_size;
	}
	return ret;
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
	if (w->fd >= 0)
		close(w->fd);
	if (w->dirfd >= 0)
		close(w->dirfd);
	for (size_t i = 0; i < w->nfiles; i++)
		free(w->files[i].path);
	free(w->files);
	free(w->cur);
	free(w->dir);
	EVP_MD_CTX_free(w->md256);
	EVP_MD_CTX_free(w->md512);
	memset(w, 0, sizeof(*w));
	w->dirfd = w->fd = -1;
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
