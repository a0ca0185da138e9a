/*
 * case.c - the TUI's side of the case file (casefile.h): opened
 * read-write on first use (STORE.case beside the store, or --case FILE;
 * a PostgreSQL store has no file beside it, so there only --case FILE),
 * never the store itself. Marked seqs are cached in a sorted array so the
 * timeline can draw its mark gutter without a query per row; the cache is
 * loaded once (read-only, a missing file is an empty case) and kept in
 * step with every toggle.
 */
#include <stdlib.h>
#include <string.h>

#include "trailscope/casefile.h"
#include "trailscope/entry.h"
#include "app.h"
#include "draw.h"

int tui_case_path(struct tui *t, struct buf *out)
{
	if (!t->case_path)
		return casefile_default_path(t->path, out);
	buf_addstr(out, t->case_path);
	return 0;
}

struct casefile *tui_case(struct tui *t)
{
	struct buf path = BUF_INIT;

	if (t->cf && t->cf->db)
		return t->cf;
	if (t->cf) {
		casefile_close(t->cf);
		free(t->cf);
	}
	if (tui_case_path(t, &path)) {
		tui_message(t, ROLE_ERROR, "%s", TUI_NO_CASE);
		return NULL;
	}
	t->cf = xcalloc(1, sizeof(*t->cf));
	if (casefile_open(t->cf, path.buf, 0)) {
		tui_message(t, ROLE_ERROR, "case file: %s", last_error());
		free(t->cf);
		t->cf = NULL;
	}
	buf_release(&path);
	return t->cf;
}

static int cmp_seq(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

static void load_marks(struct tui *t)
{
	struct casefile cf, *c = t->cf;
	struct case_marks m = { NULL, 0, 0 };
	struct buf path = BUF_INIT;

	t->marks_loaded = 1;
	t->nmarks = 0;
	if (!c) {
		/* read-only until the user marks something: a missing file is empty */
		if (tui_case_path(t, &path) || casefile_open(&cf, path.buf, CASEFILE_READONLY)) {
			buf_release(&path);
			return;
		}
		c = &cf;
	}
	if (casefile_marks(c, &m) == 0) {
		for (size_t i = 0; i < m.n; i++) {
			ALLOC_GROW(t->marks, t->nmarks + 1, t->marks_alloc);
			t->marks[t->nmarks++] = m.v[i].seq;
		}
		if (t->nmarks)
			qsort(t->marks, t->nmarks, sizeof(*t->marks), cmp_seq);
	}
	case_marks_release(&m);
	if (c == &cf)
		casefile_close(&cf);
	buf_release(&path);
}

int tui_is_marked(struct tui *t, int64_t seq)
{
	if (!t->marks_loaded)
		load_marks(t);
	return t->nmarks && bsearch(&seq, t->marks, t->nmarks, sizeof(*t->marks), cmp_seq) != NULL;
}

char *tui_event_id(struct tui *t, int64_t seq)
{
	char *id;

	entry_event_id(&t->store, seq, &id);
	return id;
}

void tui_toggle_mark(struct tui *t, int64_t seq)
{
	struct casefile *c;
	char *id;
	int r;

	if (seq <= 0) {
		tui_message(t, ROLE_ERROR, "no event selected");
		return;
	}
	if (!(c = tui_case(t)))
		return;
	id = tui_event_id(t, seq);
	r = casefile_toggle_mark(c, seq, id ? id : "");
	free(id);
	if (r < 0) {
		tui_message(t, ROLE_ERROR, "case file: %s", last_error());
		return;
	}
	load_marks(t);
	tui_message(t, ROLE_STATUS, "seq %lld %s (%zu marked)", (long long)seq,
		    r ? "marked" : "unmarked", t->nmarks);
}

void tui_add_note(struct tui *t, int64_t seq)
{
	struct buf text = BUF_INIT, prompt = BUF_INIT;
	struct casefile *c;
	char *id;
	int64_t n;

	if (seq <= 0) {
		tui_message(t, ROLE_ERROR, "no event selected");
		return;
	}
	buf_addf(&prompt, "Note on seq %lld (Enter saves, Esc cancels): ", (long long)seq);
	if (tui_prompt(t, prompt.buf, &text) || !text.len) {
		tui_message(t, ROLE_STATUS, "no note added");
		goto out;
	}
	if (!(c = tui_case(t)))
		goto out;
	id = tui_event_id(t, seq);
	n = casefile_add_note(c, seq, id ? id : "", NULL, text.buf);
	free(id);
	if (n < 0)
		tui_message(t, ROLE_ERROR, "note not saved: %s", last_error());
	else
		tui_message(t, ROLE_STATUS, "note %lld added to seq %lld", (long long)n, (long long)seq);
out:
	buf_release(&text);
	buf_release(&prompt);
}
