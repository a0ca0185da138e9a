/*
 * keys.c - key files, the trust state directory, and signing store heads.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "trailscope/b64.h"
#include "trailscope/keys.h"
#include "trailscope/store_append.h"
#include "trailscope/util.h"

#define KEYFILE_MAX 4096

static char *read_small(const char *path, const char *what)
{
	size_t len;
	char *text = read_file(path, KEYFILE_MAX, &len);

	if (!text) {
		error("cannot read %s '%s': %s", what, path,
		      errno == EFBIG ? "file too large for a key" : strerror(errno));
		return NULL;
	}
	if (strlen(text) != len) {
		free(text);
		error("%s: NUL byte in %s", path, what);
		return NULL;
	}
	return text;
}

/* Is text a verifier key (the public half)? */
static int is_verifier_text(const char *text)
{
	struct note_verifier v;
	struct buf err = BUF_INIT;
	int yes = note_verifier_parse(text, &v, &err) == 0;

	if (yes)
		note_verifier_release(&v);
	buf_release(&err);
	return yes;
}

int keyfile_is_verifier(const char *path)
{
	size_t len;
	char *text = read_file(path, KEYFILE_MAX, &len);
	int yes = text && strlen(text) == len && is_verifier_text(text);

	free(text);
	return yes;
}

static int load_signer(const char *path, int witness, struct note_signer *out)
{
	struct buf err = BUF_INIT;
	struct stat st;
	char *text = read_small(path, "signer key");
	int ret = -1;

	if (!text)
		return -1;
	if (is_verifier_text(text)) {
		error("%s is a public key: signing needs the private key (the .key file); a public key goes "
		      "to --trust", path);
		free(text);
		return -1;
	}
	if (stat(path, &st) == 0 && (st.st_mode & 077))
		warning("signer key '%s' is readable by other users (chmod 600)", path);
	if (witness ? note_cosigner_signer_parse(text, out, &err) : note_signer_parse(text, out, &err))
		error("%s: not a signer key: %s", path, err.buf);
	else
		ret = 0;
	free(text);
	buf_release(&err);
	return ret;
}

int keyfile_load_signer(const char *path, struct note_signer *out)
{
	return load_signer(path, 0, out);
}

int keyfile_load_cosigner_signer(const char *path, struct note_signer *out)
{
	return load_signer(path, 1, out);
}

static int load_verifier(const char *path, int witness, struct note_verifier *out)
{
	struct buf err = BUF_INIT;
	char *text = read_small(path, "verifier key");
	int ret = -1;

	if (!text)
		return -1;
	if (witness ? note_cosigner_parse(text, out, &err) : note_verifier_parse(text, out, &err))
		error("%s: not a verifier key: %s", path, err.buf);
	else
		ret = 0;
	free(text);
	buf_release(&err);
	return ret;
}

int keyfile_load_verifier(const char *path, struct note_verifier *out)
{
	return load_verifier(path, 0, out);
}

int keyfile_load_cosigner(const char *path, struct note_verifier *out)
{
	return load_verifier(path, 1, out);
}

void keyfile_stem(const char *name, struct buf *out)
{
	for (const char *p = name; *p; p++) {
		unsigned char c = (unsigned char)*p;

		if (c == '/' || c == '\\' || c == ':' || c < 0x20 || c == 0x7f)
			buf_addch(out, '_');
		else
			buf_addch(out, c);
	}
	if (!strcmp(out->buf, ".") || !strcmp(out->buf, "..")) {
		buf_reset(out);
		buf_addstr(out, "key");
	}
}

char *trust_state_dir(void)
{
	const char *x = getenv("XDG_STATE_HOME"), *home = getenv("HOME");
	struct buf b = BUF_INIT;

	if (x && *x == '/')
		buf_addf(&b, "%s/trailscope", x);
	else if (home && *home)
		buf_addf(&b, "%s/.local/state/trailscope", home);
	else
		buf_addstr(&b, ".trailscope-state");
	return buf_detach(&b, NULL);
}

static void verifier_text(const struct note_verifier *v, struct buf *out)
{
	unsigned char key[33];

	key[0] = 0x01;
	memcpy(key + 1, v->pub, 32);
	buf_addf(out, "%s+%08x+", v->name, (unsigned)v->keyid);
	b64_encode(out, key, sizeof(key));
}

static int trust_has(const struct trust *t, const struct note_verifier *v)
{
	for (size_t i = 0; i < t->n; i++)
		if (t->keys[i].keyid == v->keyid && !strcmp(t->keys[i].name, v->name) &&
		    !memcmp(t->keys[i].pub, v->pub, sizeof(v->pub)))
			return 1;
	return 0;
}

static void trust_push(struct trust *t, struct note_verifier *v)
{
	if (trust_has(t, v)) {
		note_verifier_release(v);
		return;
	}
	ALLOC_GROW(t->keys, t->n + 1, t->alloc);
	t->keys[t->n++] = *v;
}

int trust_load(struct trust *t)
{
	struct buf path = BUF_INIT, err = BUF_INIT;
	char *text, *line, *save = NULL;
	size_t len;
	int lineno = 0, ret = 0;

	memset(t, 0, sizeof(*t));
	t->dir = trust_state_dir();
	buf_addf(&path, "%s/trusted.keys", t->dir);
	text = read_file(path.buf, 1 << 20, &len);
	if (!text) {
		if (errno != ENOENT)
			ret = error("cannot read '%s': %s", path.buf, strerror(errno));
		goto out;
	}
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		struct note_verifier v;

		lineno++;
		if (!*line || *line == '#')
			continue;
		buf_reset(&err);
		if (note_verifier_parse(line, &v, &err)) {
			warning("%s:%d: ignoring a bad key: %s", path.buf, lineno, err.buf);
			continue;
		}
		trust_push(t, &v);
	}
	free(text);
out:
	buf_release(&path);
	buf_release(&err);
	return ret;
}

void trust_release(struct trust *t)
{
	for (size_t i = 0; i < t->n; i++)
		note_verifier_release(&t->keys[i]);
	free(t->keys);
	free(t->dir);
	memset(t, 0, sizeof(*t));
}

int trust_add_file(struct trust *t, const char *pubfile, int pin)
{
	struct note_verifier v;
	struct buf path = BUF_INIT, line = BUF_INIT;
	int ret = 0, known;
	FILE *f;

	if (keyfile_load_verifier(pubfile, &v))
		return -1;
	known = trust_has(t, &v);
	if (pin && !known) {
		if (mkdir_p(t->dir, 0700))
			ret = -1;
		buf_addf(&path, "%s/trusted.keys", t->dir);
		verifier_text(&v, &line);
		f = ret ? NULL : fopen(path.buf, "a");
		if (!f) {
			if (!ret)
				ret = error("cannot write '%s': %s", path.buf, strerror(errno));
		} else {
			fprintf(f, "%s\n", line.buf);
			if (fclose(f))
				ret = error("cannot write '%s': %s", path.buf, strerror(errno));
		}
	}
	trust_push(t, &v);
	buf_release(&path);
	buf_release(&line);
	return ret;
}

void trust_origin_filename(const char *origin, struct buf *out)
{
	for (const unsigned char *p = (const unsigned char *)origin; *p; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p == '-' || *p == '_' || (*p == '.' && p != (const unsigned char *)origin))
			buf_addch(out, *p);
		else
			buf_addf(out, "%%%02X", *p);
	}
}

/* seen/KEY: the directory of what was remembered under one key. */
static void key_dir(const struct trust *t, const struct note_verifier *k, struct buf *out)
{
	buf_addf(out, "%s/seen/", t->dir);
	keyfile_stem(k->name, out);
	buf_addf(out, "+%08x", (unsigned)k->keyid);
}

#define MEMORY_MAGIC "trailscope-seen 1\n"
#define MEMORY_SUFFIX ".cp"
#define MEMORY_MAX (NOTE_MAX_SIZE + 8192)

static void utc_seconds(usec_t t, struct buf *out)
{
	char ts[32];

	time_format(t, ts);
	buf_add(out, ts, 19); /* YYYY-MM-DDTHH:MM:SS */
	buf_addch(out, 'Z');
}

static void memory_release(struct trust_memory *m)
{
	free(m->path);
	free(m->when);
	free(m->note);
	free(m->roots);
	memset(m, 0, sizeof(*m));
}

void trust_memories_free(struct trust_memory *m, size_t n)
{
	for (size_t i = 0; i < n; i++)
		memory_release(&m[i]);
	free(m);
}

/*
 * Parses a seen/ file: MEMORY_MAGIC, "remembered-at TIME", "root SIZE
 * BASE64" lines, a blank line, the note. Returns 0, or -1 with a reason.
 */
static int memory_parse(const char *text, size_t len, struct trust_memory *m, struct buf *why)
{
	const char *p = text, *end = text + len;
	size_t alloc = 0;

	if (len < strlen(MEMORY_MAGIC) || memcmp(text, MEMORY_MAGIC, strlen(MEMORY_MAGIC))) {
		buf_addstr(why, "not a remembered checkpoint (its first line is not \"trailscope-seen 1\")");
		return -1;
	}
	p += strlen(MEMORY_MAGIC);
	while (p < end && *p != '\n') {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n;

		if (!nl) {
			buf_addstr(why, "the header does not end");
			return -1;
		}
		n = (size_t)(nl - p);
		if (n > 14 && !memcmp(p, "remembered-at ", 14) && !m->when) {
			m->when = xstrndup(p + 14, n - 14);
		} else if (n > 5 && !memcmp(p, "root ", 5)) {
			const char *sp = memchr(p + 5, ' ', n - 5);
			struct buf num = BUF_INIT, raw = BUF_INIT;
			int64_t size;
			int bad;

			bad = !sp;
			if (!bad) {
				buf_add(&num, p + 5, (size_t)(sp - (p + 5)));
				bad = parse_int64(num.buf, 1, INT64_MAX, &size) ||
				      b64_decode(&raw, sp + 1, (size_t)(nl - sp - 1)) || raw.len != HASH_LEN;
			}
			if (!bad) {
				ALLOC_GROW(m->roots, m->nroots + 1, alloc);
				m->roots[m->nroots].size = (uint64_t)size;
				memcpy(m->roots[m->nroots++].root, raw.buf, HASH_LEN);
			}
			buf_release(&num);
			buf_release(&raw);
			if (bad) {
				buf_addstr(why, "a bad \"root\" line");
				return -1;
			}
		} /* other lines: from a newer version, ignored */
		p = nl + 1;
	}
	if (p >= end) {
		buf_addstr(why, "no checkpoint after the header");
		return -1;
	}
	m->note = xstrndup(p + 1, (size_t)(end - p - 1));
	if (!m->when)
		m->when = xstrdup("(time unknown)");
	return 0;
}

/* Reads one remembered checkpoint; 1 read, 0 absent or skipped, -1 error. */
static int memory_read(const char *path, long key, struct trust_memory *m)
{
	struct buf why = BUF_INIT, when = BUF_INIT;
	struct stat st;
	size_t len;
	char *text = read_file(path, MEMORY_MAX, &len);
	int ret = 1;

	memset(m, 0, sizeof(*m));
	if (!text) {
		if (errno == ENOENT)
			return 0;
		return error("cannot read '%s': %s", path, strerror(errno));
	}
	if (strlen(text) != len) {
		warning("ignoring the remembered checkpoint '%s': it holds a NUL byte", path);
		ret = 0;
	} else if (key < 0) { /* old layout: the note alone; the time is the file's */
		m->note = xstrndup(text, len);
		if (stat(path, &st) == 0)
			utc_seconds((usec_t)st.st_mtime * 1000000, &when);
		else
			buf_addstr(&when, "(time unknown)");
		m->when = buf_detach(&when, NULL);
	} else if (memory_parse(text, len, m, &why)) {
		warning("ignoring the remembered checkpoint '%s': %s", path, why.buf);
		memory_release(m);
		ret = 0;
	}
	if (ret > 0) {
		m->path = xstrdup(path);
		m->key = key;
	}
	free(text);
	buf_release(&why);
	buf_release(&when);
	return ret;
}

int trust_memories_load(const struct trust *t, const char *origin, struct trust_memory **out, size_t *n)
{
	struct buf path = BUF_INIT;
	struct trust_memory *v = NULL, m;
	size_t nv = 0, alloc = 0;
	int ret = 0, rc;

	if (origin && *origin) {
		buf_addf(&path, "%s/checkpoints/", t->dir);
		trust_origin_filename(origin, &path);
		rc = memory_read(path.buf, -1, &m);
		if (rc < 0) {
			ret = -1;
			goto out;
		}
		if (rc > 0) {
			ALLOC_GROW(v, nv + 1, alloc);
			v[nv++] = m;
		}
	}
	for (size_t k = 0; k < t->n; k++) {
		DIR *d;
		struct dirent *de;
		size_t base;

		buf_reset(&path);
		key_dir(t, &t->keys[k], &path);
		d = opendir(path.buf);
		if (!d) {
			if (errno == ENOENT)
				continue;
			ret = error("cannot read '%s': %s", path.buf, strerror(errno));
			goto out;
		}
		buf_addch(&path, '/');
		base = path.len;
		while ((de = readdir(d))) {
			size_t nl = strlen(de->d_name);

			/* temporary files of write_file_atomic end otherwise */
			if (de->d_name[0] == '.' || nl <= strlen(MEMORY_SUFFIX) ||
			    strcmp(de->d_name + nl - strlen(MEMORY_SUFFIX), MEMORY_SUFFIX))
				continue;
			buf_setlen(&path, base);
			buf_addstr(&path, de->d_name);
			rc = memory_read(path.buf, (long)k, &m);
			if (rc < 0) {
				ret = -1;
				break;
			}
			if (rc > 0) {
				ALLOC_GROW(v, nv + 1, alloc);
				v[nv++] = m;
			}
		}
		closedir(d);
		if (ret)
			goto out;
	}
out:
	buf_release(&path);
	if (ret) {
		trust_memories_free(v, nv);
		v = NULL;
		nv = 0;
	}
	*out = v;
	*n = nv;
	return ret;
}

int trust_remember(const struct trust *t, size_t key, const char *origin, const char *note,
		   const struct trust_root *roots, size_t nroots)
{
	struct buf path = BUF_INIT, text = BUF_INIT;
	int ret;

	key_dir(t, &t->keys[key], &path);
	ret = mkdir_p(path.buf, 0700);
	buf_addch(&path, '/');
	trust_origin_filename(origin, &path);
	buf_addstr(&path, MEMORY_SUFFIX);
	buf_addstr(&text, MEMORY_MAGIC);
	buf_addstr(&text, "remembered-at ");
	utc_seconds(time_now(), &text);
	buf_addch(&text, '\n');
	for (size_t i = 0; i < nroots; i++) {
		buf_addf(&text, "root %llu ", (unsigned long long)roots[i].size);
		b64_encode(&text, roots[i].root, HASH_LEN);
		buf_addch(&text, '\n');
	}
	buf_addch(&text, '\n');
	buf_addstr(&text, note);
	if (!ret)
		ret = write_file_atomic(path.buf, text.buf, text.len, 0600);
	buf_release(&path);
	buf_release(&text);
	return ret;
}

int store_sign_head(struct store *s, const struct note_signer *key, uint64_t size,
		    const unsigned char root[HASH_LEN])
{
	struct buf text = BUF_INIT, note = BUF_INIT, err = BUF_INIT;
	unsigned char computed[HASH_LEN];
	int ret = -1;

	if (!*s->origin && store_set_origin(s, key->name))
		return -1;
	if (!root) {
		if (store_root(s, size, computed))
			return -1;
		root = computed;
	}
	checkpoint_format(s->origin, size, root, &text);
	if (note_sign(key, text.buf, text.len, &note, &err)) {
		error("cannot sign checkpoint: %s", err.buf);
		goto out;
	}
	ret = store_add_checkpoint(s, size, note.buf);
out:
	buf_release(&text);
	buf_release(&note);
	buf_release(&err);
	return ret;
}
