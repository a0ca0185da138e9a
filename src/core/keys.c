/*
 * keys.c - key files, the trust state directory, and signing store heads.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "trailscope/b64.h"
#include "trailscope/keys.h"
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

int keyfile_load_signer(const char *path, struct note_signer *out)
{
	struct buf err = BUF_INIT;
	struct stat st;
	char *text = read_small(path, "signer key");
	int ret = -1;

	if (!text)
		return -1;
	if (stat(path, &st) == 0 && (st.st_mode & 077))
		warning("signer key '%s' is readable by other users (chmod 600)", path);
	if (note_signer_parse(text, out, &err))
		error("%s: not a signer key: %s", path, err.buf);
	else
		ret = 0;
	free(text);
	buf_release(&err);
	return ret;
}

int keyfile_load_verifier(const char *path, struct note_verifier *out)
{
	struct buf err = BUF_INIT;
	char *text = read_small(path, "verifier key");
	int ret = -1;

	if (!text)
		return -1;
	if (note_verifier_parse(text, out, &err))
		error("%s: not a verifier key: %s", path, err.buf);
	else
		ret = 0;
	free(text);
	buf_release(&err);
	return ret;
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

static char *state_dir(void)
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
	t->dir = state_dir();
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

static void origin_file(const struct trust *t, const char *origin, struct buf *out)
{
	buf_addf(out, "%s/checkpoints/", t->dir);
	for (const unsigned char *p = (const unsigned char *)origin; *p; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p == '-' || *p == '_' || (*p == '.' && p != (const unsigned char *)origin))
			buf_addch(out, *p);
		else
			buf_addf(out, "%%%02X", *p);
	}
}

int trust_remembered(const struct trust *t, const char *origin, struct buf *note)
{
	struct buf path = BUF_INIT;
	size_t len;
	char *text;
	int ret;

	origin_file(t, origin, &path);
	text = read_file(path.buf, 1 << 20, &len);
	if (!text) {
		ret = errno == ENOENT ? 0 : error("cannot read '%s': %s", path.buf, strerror(errno));
	} else {
		buf_reset(note);
		buf_add(note, text, len);
		free(text);
		ret = 1;
	}
	buf_release(&path);
	return ret;
}

int trust_remember(const struct trust *t, const char *origin, const char *note)
{
	struct buf path = BUF_INIT, dir = BUF_INIT;
	int ret;

	buf_addf(&dir, "%s/checkpoints", t->dir);
	origin_file(t, origin, &path);
	ret = mkdir_p(dir.buf, 0700);
	if (!ret)
		ret = write_file_atomic(path.buf, note, strlen(note), 0600);
	buf_release(&path);
	buf_release(&dir);
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
