/*
 * fixtures.c - the set-up unit tests share (fixtures.h): scratch
 * directories, stores built through the real import path, tampering SQL,
 * trust states.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fixtures.h"
#include "trailscope/buf.h"
#include "trailscope/util.h"

int fixture_tmpdir(char *dir, size_t n, const char *prefix)
{
	const char *tmp = getenv("TMPDIR");

	snprintf(dir, n, "%s/%s.XXXXXX", tmp && *tmp ? tmp : "/tmp", prefix);
	if (!mkdtemp(dir)) {
		fprintf(stderr, "  fixture: cannot make a directory %s\n", dir);
		return -1;
	}
	return 0;
}

void fixture_rmdir(const char *dir)
{
	struct buf cmd = BUF_INIT;

	if (!*dir)
		return;
	buf_addstr(&cmd, "rm -rf '");
	buf_addstr(&cmd, dir);
	buf_addch(&cmd, '\'');
	if (system(cmd.buf))
		fprintf(stderr, "  fixture: cannot remove %s\n", dir);
	buf_release(&cmd);
}

int fixture_write(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	int ok;

	if (!f) {
		fprintf(stderr, "  fixture: cannot write %s\n", path);
		return -1;
	}
	ok = fputs(text, f) >= 0;
	ok = !fclose(f) && ok;
	return ok ? 0 : -1;
}

int fixture_store_import(struct fixture_store *fx, const char *events, const struct import_options *io)
{
	struct import_options none = { 0 };
	struct import_stats st;
	char *files[1] = { fx->events };

	if (fixture_write(fx->events, events))
		return -1;
	return import_files(&fx->s, files, 1, io ? io : &none, &st);
}

int fixture_store_open(struct fixture_store *fx, const char *prefix, const char *events,
		       const struct import_options *io)
{
	memset(fx, 0, sizeof(*fx));
	if (fixture_tmpdir(fx->dir, sizeof(fx->dir), prefix))
		return -1;
	snprintf(fx->events, sizeof(fx->events), "%s/ev.jsonl", fx->dir);
	snprintf(fx->db, sizeof(fx->db), "%s/s.db", fx->dir);
	if (store_open(&fx->s, fx->db, STORE_CREATE)) {
		fprintf(stderr, "  fixture: cannot create %s\n", fx->db);
		return -1;
	}
	fx->open = 1;
	if (events && fixture_store_import(fx, events, io)) {
		fprintf(stderr, "  fixture: cannot import into %s\n", fx->db);
		return -1;
	}
	return 0;
}

void fixture_store_remove(struct fixture_store *fx)
{
	if (fx->open)
		store_close(&fx->s);
	fx->open = 0;
	fixture_rmdir(fx->dir);
}

int fixture_sql(struct store *s, const char *fmt, ...)
{
	struct buf b = BUF_INIT;
	va_list ap;
	int rc;

	va_start(ap, fmt);
	buf_vaddf(&b, fmt, ap);
	va_end(ap);
	rc = store_exec(s, b.buf);
	if (rc)
		fprintf(stderr, "  sql failed: %s\n", b.buf);
	buf_release(&b);
	return rc;
}

int fixture_keys(const char *name, unsigned type, struct note_signer *s, struct note_verifier *v)
{
	struct buf st = BUF_INIT, vt = BUF_INIT, err = BUF_INIT;
	int witness = type == NOTE_KEY_COSIGNATURE_V1, rc = -1;

	if (note_keygen_type(name, type, &st, &vt))
		fprintf(stderr, "  fixture: cannot make a key named '%s' of type %u\n", name, type);
	else if (s && (witness ? note_cosigner_signer_parse(st.buf, s, &err) : note_signer_parse(st.buf, s, &err)))
		fprintf(stderr, "  fixture: the new signer key does not parse: %s\n", err.buf);
	else if (v && (witness ? note_cosigner_parse(vt.buf, v, &err) : note_verifier_parse(vt.buf, v, &err)))
		fprintf(stderr, "  fixture: the new verifier key does not parse: %s\n", err.buf);
	else
		rc = 0;
	buf_release(&st);
	buf_release(&vt);
	buf_release(&err);
	return rc;
}

struct trust fixture_trust(const struct note_signer *key, const char *dir)
{
	struct trust t = { 0 };

	t.dir = xstrdup(dir);
	if (key) {
		struct buf err = BUF_INIT, txt = BUF_INIT;

		note_signer_verifier_text(key, &txt);
		t.keys = xcalloc(1, sizeof(*t.keys));
		if (note_verifier_parse(txt.buf, &t.keys[0], &err))
			fprintf(stderr, "  fixture: the signer's verifier does not parse: %s\n", err.buf);
		else
			t.n = t.alloc = 1;
		buf_release(&err);
		buf_release(&txt);
	}
	return t;
}
