/*
 * bagit_check.c - the BagIt validator (bagit_validate, see bagit.h): the
 * faults it collects, bagit.txt, bag-info.txt, every manifest and
 * tag manifest against the files, and Payload-Oxum. Cost: every listed
 * file is read once (hashed with every algorithm whose manifest lists it,
 * on every core: bagit_hash.c) and data/ is walked once.
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

#define MANIFEST_MAX (256u << 20)

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

/* One line of a manifest, kept until its file is hashed so that faults
 * come out in line order. */
struct mentry {
	long no;
	char *fault;          /* what is wrong with the line itself (owned), or NULL */
	char *path;           /* the decoded path (owned) */
	char sum[129];        /* the checksum as written */
	size_t job;           /* its file's bag_hash_job */
};

struct manifest {
	char *name;           /* owned */
	char *alg;            /* owned */
	int ialg;             /* bag_alg_index, or -1 */
	int tag;
	struct bag_faults pre; /* faults about the whole file, before its lines */
	struct mentry *v;
	size_t n, alloc;
};

static void manifest_release(struct manifest *m)
{
	for (size_t i = 0; i < m->n; i++) {
		free(m->v[i].fault);
		free(m->v[i].path);
	}
	free(m->v);
	free(m->name);
	free(m->alg);
	bag_faults_release(&m->pre);
}

/* Reads and parses a manifest's lines (no file is read yet). */
static void parse_manifest(int dfd, struct manifest *m)
{
	const EVP_MD *md = bag_alg_md(m->alg);
	struct buf text = BUF_INIT, path = BUF_INIT, why = BUF_INIT, msg = BUF_INIT;
	struct line *lines = NULL;
	size_t n, hexlen;

	if (!md || m->ialg < 0) {
		bag_fault_add(&m->pre, m->name, 0, "unsupported checksum algorithm '%s' (md5, sha1, sha256, sha512)",
			      m->alg);
		return;
	}
	hexlen = (size_t)EVP_MD_size(md) * 2;
	if (read_tag_text(dfd, m->name, MANIFEST_MAX, &text, &m->pre))
		goto out;
	n = split_lines(text.buf, text.len, &lines);
	for (size_t i = 0; i < n; i++) {
		const char *s = lines[i].s;
		size_t len = lines[i].len, k = 0, p;
		struct mentry *e;

		if (!len)
			continue;
		while (k < len && is_hex(s[k]))
			k++;
		p = k;
		while (p < len && (s[p] == ' ' || s[p] == '\t'))
			p++;
		ALLOC_GROW(m->v, m->n + 1, m->alloc);
		e = &m->v[m->n++];
		memset(e, 0, sizeof(*e));
		e->no = lines[i].no;
		buf_reset(&msg);
		if (k != hexlen || p == k || p == len) {
			buf_addf(&msg, "expected '%s-CHECKSUM  PATH' (%zu hex digits, whitespace, path)", m->alg, hexlen);
			e->fault = buf_detach(&msg, NULL);
			continue;
		}
		buf_reset(&path);
		bag_path_decode(&path, s + p, len - p);
		buf_reset(&why);
		if (memchr(path.buf, '\0', path.len) || bag_path_check(path.buf, &why))
			buf_addf(&msg, "unsafe path '%s': %s", path.buf, why.len ? why.buf : "NUL byte");
		else if (!m->tag && strncmp(path.buf, "data/", 5))
			buf_addf(&msg, "'%s' is outside the payload directory data/", path.buf);
		else if (m->tag && !strncmp(path.buf, "data/", 5))
			buf_addf(&msg, "a tag manifest lists the payload file '%s'", path.buf);
		if (msg.len) {
			e->fault = buf_detach(&msg, NULL);
			continue;
		}
		e->path = xstrdup(path.buf);
		memcpy(e->sum, s, hexlen);
	}
out:
	free(lines);
	buf_release(&text);
	buf_release(&path);
	buf_release(&why);
	buf_release(&msg);
}

struct jobref {
	const char *path;
	struct mentry *e;
	int ialg;
};

static int cmp_jobref(const void *a, const void *b)
{
	return strcmp(((const struct jobref *)a)->path, ((const struct jobref *)b)->path);
}

/* Every file the manifests list, read once and hashed with every
 * algorithm that lists it. Returns the jobs (*njobs of them). */
static struct bag_hash_job *hash_listed(int dfd, struct manifest *ms, size_t nms, size_t *njobs)
{
	struct jobref *refs = NULL;
	struct bag_hash_job *jobs = NULL;
	size_t nrefs = 0, ralloc = 0, n = 0;

	for (size_t k = 0; k < nms; k++)
		for (size_t i = 0; i < ms[k].n; i++)
			if (!ms[k].v[i].fault) {
				ALLOC_GROW(refs, nrefs + 1, ralloc);
				refs[nrefs++] = (struct jobref){ ms[k].v[i].path, &ms[k].v[i], ms[k].ialg };
			}
	if (nrefs)
		qsort(refs, nrefs, sizeof(*refs), cmp_jobref);
	jobs = xcalloc(nrefs ? nrefs : 1, sizeof(*jobs));
	for (size_t i = 0; i < nrefs; i++) {
		if (!n || strcmp(jobs[n - 1].path, refs[i].path))
			jobs[n++].path = refs[i].path;
		jobs[n - 1].algs |= 1u << refs[i].ialg;
		refs[i].e->job = n - 1;
	}
	free(refs);
	bag_hash_many(dfd, jobs, n);
	*njobs = n;
	return jobs;
}

/* A manifest's faults, in line order, once its files are hashed. */
static void report_manifest(const struct manifest *m, const struct bag_hash_job *jobs,
			    const struct bag_contents *C, struct bag_faults *F)
{
	struct buf hex = BUF_INIT;
	struct mline *ml = NULL;
	size_t nml = 0, mlalloc = 0;

	for (size_t i = 0; i < m->pre.n; i++)
		bag_fault_add(F, m->pre.v[i].file, m->pre.v[i].line, "%s", m->pre.v[i].msg);
	if (m->pre.n)
		return;
	for (size_t i = 0; i < m->n; i++) {
		const struct mentry *e = &m->v[i];
		const struct bag_hash_job *j;
		size_t hexlen = strlen(e->sum);

		if (e->fault) {
			bag_fault_add(F, m->name, e->no, "%s", e->fault);
			continue;
		}
		ALLOC_GROW(ml, nml + 1, mlalloc);
		ml[nml].path = e->path;
		ml[nml].no = e->no;
		nml++;
		j = &jobs[e->job];
		if (j->why) {
			bag_fault_add(F, m->name, e->no, "%s: %s", e->path, j->why);
			continue;
		}
		buf_reset(&hex);
		buf_addhex(&hex, j->digest[m->ialg], hexlen / 2);
		if (strncasecmp(hex.buf, e->sum, hexlen))
			bag_fault_add(F, m->name, e->no, "%s: %s mismatch (manifest %.16s..., file %.16s...)",
				      e->path, m->alg, e->sum, hex.buf);
	}
	if (nml)
		qsort(ml, nml, sizeof(*ml), cmp_mline);
	for (size_t i = 1; i < nml; i++)
		if (!strcmp(ml[i].path, ml[i - 1].path))
			bag_fault_add(F, m->name, ml[i].no, "'%s' is listed twice (also line %ld)",
				      ml[i].path, ml[i - 1].no);
	if (!m->tag) {
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
				bag_fault_add(F, m->name, 0, "payload file '%s' is not listed", C->payload[i]);
		}
	}
	free(ml);
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
	struct manifest *ms = NULL;
	struct bag_hash_job *jobs;
	size_t nnames = 0, nalloc = 0, npayload_manifests = 0, nms = 0, msalloc = 0, njobs = 0;
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

		bag_explain_open(dfd, "data", errno, &why);
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
		size_t len = strlen(nm), pre;
		int tag = !strncmp(nm, "tagmanifest-", 12);
		struct manifest *m;

		if ((!tag && strncmp(nm, "manifest-", 9)) || len < 5 || strcmp(nm + len - 4, ".txt"))
			continue;
		pre = tag ? 12 : 9;
		ALLOC_GROW(ms, nms + 1, msalloc);
		m = &ms[nms++];
		memset(m, 0, sizeof(*m));
		m->name = xstrdup(nm);
		m->alg = xstrndup(nm + pre, len - pre - 4);
		m->ialg = bag_alg_index(m->alg);
		m->tag = tag;
		parse_manifest(dfd, m);
		npayload_manifests += !tag;
	}
	jobs = hash_listed(dfd, ms, nms, &njobs);
	for (size_t k = 0; k < nms; k++)
		report_manifest(&ms[k], jobs, C, F);
	for (size_t k = 0; k < njobs; k++)
		free(jobs[k].why);
	free(jobs);
	for (size_t k = 0; k < nms; k++)
		manifest_release(&ms[k]);
	free(ms);
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

