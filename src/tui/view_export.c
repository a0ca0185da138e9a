/*
 * view_export.c - the export dialog: scope (marked events, the current
 * filter, or an incident), case id, examiner, output directory, signer key
 * file and a note; then bundle_export() (bundle.h) runs in a thread of its
 * own with a progress bar and Esc to cancel, and the result shows the
 * bundle's manifest digest (SHA-256 of manifest-sha256.txt, the value the
 * custody record signs). The dialog shows the store's verdict (the
 * background verification's); exporting from a store that FAILED needs the
 * word "yes" typed at a prompt, and the bundle then records the verdict and
 * every fault. The store stays read-only unless events in the
 * selection are after the newest checkpoint: then the dialog says so, and
 * export also signs a checkpoint with the key file (the one write it makes).
 * The export thread hashes, so it calls merkle_thread_release() before it
 * ends.
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "trailscope/bagit.h"
#include "trailscope/bundle.h"
#include "trailscope/merkle.h"
#include "app.h"
#include "bg.h"
#include "draw.h"
#include "keys.h"
#include "view.h"
#include "trailscope/textout.h"

enum field { F_SCOPE, F_INCIDENT, F_CASE, F_EXAMINER, F_OUT, F_KEY, F_NOTE, F_GO, F__COUNT };
enum scope { S_MARKED, S_FILTER, S_INCIDENT, S__COUNT };

static const char *const field_names[F__COUNT] = {
	"Scope", "Incident", "Case id", "Examiner", "Output dir", "Key file", "Note", "",
};

struct export_job {
	pthread_t thread;
	int started;
	pthread_mutex_t lock;
	volatile int cancel;
	enum task_state state;
	/* options: owned copies */
	char *store, *out, *incident, *query, *case_path, *case_id, *examiner, *keyfile, *note;
	enum bundle_select select;
	struct trust *trust;       /* the TUI's (read only here) */
	int allow_failed;          /* the user typed "yes" for a FAILED store */
	int force;                 /* the user chose to overwrite a non-empty directory */
	/* progress */
	char phase[32];
	uint64_t done, total;
	/* result */
	int rc;                    /* bundle_export(): 0, or -1 (err says why) */
	char err[512];
	struct bundle_export_result res;
	char digest[80];
};

struct expv {
	int cur;                   /* selected field */
	enum scope scope;
	struct buf val[F__COUNT];
	int64_t checkpoint_size;   /* newest checkpoint, -1 unknown */
	int64_t max_marked;
};

static void progress(void *ctx, const char *phase, uint64_t done, uint64_t total)
{
	struct export_job *j = ctx;

	pthread_mutex_lock(&j->lock);
	snprintf(j->phase, sizeof(j->phase), "%s", phase);
	j->done = done;
	j->total = total;
	pthread_mutex_unlock(&j->lock);
}

static void *export_main(void *arg)
{
	struct export_job *j = arg;
	struct bundle_export_options o;
	struct bundle_export_result r;
	char err[512] = "", digest[80] = "";
	int rc;

	memset(&o, 0, sizeof(o));
	memset(&r, 0, sizeof(r));
	o.store_path = j->store;
	o.out_dir = j->out;
	o.select = j->select;
	o.incident = j->incident;
	o.query = j->query;
	o.case_path = j->case_path;
	o.case_id = j->case_id;
	o.examiner = j->examiner;
	o.keyfile = j->keyfile && *j->keyfile ? j->keyfile : NULL;
	o.note = j->note && *j->note ? j->note : NULL;
	o.trust = j->trust;
	o.allow_failed = j->allow_failed;
	o.force = j->force;
	o.progress = progress;
	o.progress_ctx = j;
	o.cancel = &j->cancel;
	rc = bundle_export(&o, &r);
	if (rc) {
		snprintf(err, sizeof(err), "%s", j->cancel ? "cancelled (a partial bag is left in the directory)" :
			 *last_error() ? last_error() : "export failed");
	} else {
		struct buf hex = BUF_INIT, why = BUF_INIT;
		int fd = open(j->out, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

		if (fd >= 0 && bag_hash_file(fd, "manifest-sha256.txt", "sha256", &hex, &why) == 0)
			snprintf(digest, sizeof(digest), "%s", hex.buf);
		else
			snprintf(digest, sizeof(digest), "(cannot read manifest-sha256.txt)");
		if (fd >= 0)
			close(fd);
		buf_release(&hex);
		buf_release(&why);
	}
	merkle_thread_release();
	pthread_mutex_lock(&j->lock);
	j->rc = rc;
	j->res = r;
	snprintf(j->err, sizeof(j->err), "%s", err);
	snprintf(j->digest, sizeof(j->digest), "%s", digest);
	j->state = rc == 0 ? TASK_DONE : TASK_FAILED;
	pthread_mutex_unlock(&j->lock);
	return NULL;
}

static enum task_state job_poll(struct export_job *j)
{
	enum task_state st;

	if (!j)
		return TASK_IDLE;
	pthread_mutex_lock(&j->lock);
	st = j->state;
	pthread_mutex_unlock(&j->lock);
	if (j->started && st != TASK_RUNNING) {
		pthread_join(j->thread, NULL);
		j->started = 0;
	}
	return st;
}

int export_job_running(struct tui *t)
{
	return job_poll(t->export) == TASK_RUNNING;
}

void export_job_free(struct tui *t)
{
	struct export_job *j = t->export;

	if (!j)
		return;
	j->cancel = 1;
	if (j->started)
		pthread_join(j->thread, NULL);
	pthread_mutex_destroy(&j->lock);
	bundle_export_result_release(&j->res);
	free(j->store);
	free(j->out);
	free(j->incident);
	free(j->query);
	free(j->case_path);
	free(j->case_id);
	free(j->examiner);
	free(j->keyfile);
	free(j->note);
	free(j);
	t->export = NULL;
}

static char *dup_or_null(const struct buf *b)
{
	return b->len ? xstrdup(b->buf) : NULL;
}

/* The background verification's report, when it has finished; else NULL. */
static const struct verify_report *store_report(struct tui *t)
{
	if (bg_verify_poll(t->verify) != TASK_DONE || t->verify->report.verdict == VERDICT_NONE)
		return NULL;
	return &t->verify->report;
}

/* A FAILED store: the user must type "yes". Returns 1 when confirmed. */
static int confirm_failed(struct tui *t, const struct verify_report *rep)
{
	struct buf prompt = BUF_INIT, val = BUF_INIT;
	char a[32];
	int ok;

	buf_addf(&prompt, "The store FAILED verification (%s fault%s). Type yes to export anyway, recording "
		 "every fault in the bundle: ", text_thousands(rep->faults_total, a), rep->faults_total == 1 ? "" : "s");
	ok = tui_prompt(t, prompt.buf, &val) == 0 && !strcmp(val.buf, "yes");
	if (!ok)
		tui_message(t, ROLE_CHAIN_FAILED, "not exported: the store FAILED verification (type yes to "
			    "export anyway)");
	buf_release(&prompt);
	buf_release(&val);
	return ok;
}

/* Is dir there with something in it? */
static int dir_nonempty(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int any = 0;

	if (!d)
		return 0;
	while (!any && (de = readdir(d)))
		any = strcmp(de->d_name, ".") && strcmp(de->d_name, "..");
	closedir(d);
	return any;
}

/* A non-empty output directory: the user types "overwrite" to replace its
 * contents (as export --force), anything else keeps it. 1 when chosen. */
static int confirm_overwrite(struct tui *t, const char *dir)
{
	struct buf prompt = BUF_INIT, val = BUF_INIT, safe = BUF_INIT;
	int ok;

	tui_safe(&safe, dir, strlen(dir));
	buf_addf(&prompt, "'%s' is not empty. Type overwrite to replace its contents (Esc keeps it): ", safe.buf);
	ok = tui_prompt(t, prompt.buf, &val) == 0 && !strcmp(val.buf, "overwrite");
	if (!ok)
		tui_message(t, ROLE_CHAIN_WARN, "not exported: '%s' is kept as it is (choose another Output dir, "
			    "or type overwrite)", safe.buf);
	buf_release(&prompt);
	buf_release(&val);
	buf_release(&safe);
	return ok;
}

static void start(struct view *v)
{
	struct expv *p = v->priv;
	struct tui *t = v->tui;
	struct export_job *j;
	struct buf cp = BUF_INIT;
	const char *missing = NULL;
	const struct verify_report *rep;
	int allow_failed = 0, force = 0;

	if (export_job_running(t)) {
		tui_message(t, ROLE_CHAIN_WARN, "an export is running");
		return;
	}
	if (p->scope == S_INCIDENT && !p->val[F_INCIDENT].len)
		missing = "an incident id";
	else if (p->scope == S_FILTER && !t->filter.len)
		missing = "a filter (press / on the timeline first)";
	else if (!p->val[F_CASE].len)
		missing = "a case id";
	else if (!p->val[F_EXAMINER].len)
		missing = "an examiner";
	else if (!p->val[F_OUT].len)
		missing = "an output directory";
	if (missing) {
		tui_message(t, ROLE_ERROR, "export needs %s", missing);
		return;
	}
	rep = store_report(t);
	if (rep && rep->verdict == VERDICT_FAILED) {
		if (!confirm_failed(t, rep))
			return;
		allow_failed = 1;
	}
	/* ~ and ~user in the paths, as a shell would */
	for (int f = F_OUT; f <= F_KEY; f++) {
		struct buf x = BUF_INIT;

		tui_expand_tilde(p->val[f].buf, &x);
		buf_reset(&p->val[f]);
		buf_add(&p->val[f], x.buf, x.len);
		buf_release(&x);
	}
	if (dir_nonempty(p->val[F_OUT].buf)) {
		if (!confirm_overwrite(t, p->val[F_OUT].buf))
			return;
		force = 1;
	}
	export_job_free(t);
	j = xcalloc(1, sizeof(*j));
	pthread_mutex_init(&j->lock, NULL);
	j->store = xstrdup(t->path);
	j->out = xstrdup(p->val[F_OUT].buf);
	j->select = p->scope == S_MARKED ? BUNDLE_MARKED : p->scope == S_FILTER ? BUNDLE_QUERY : BUNDLE_INCIDENT;
	j->incident = p->scope == S_INCIDENT ? dup_or_null(&p->val[F_INCIDENT]) : NULL;
	j->query = p->scope == S_FILTER ? xstrdup(t->filter.buf) : NULL;
	j->case_path = tui_case_path(t, &cp) ? NULL : buf_detach(&cp, NULL);
	buf_release(&cp);
	j->case_id = dup_or_null(&p->val[F_CASE]);
	j->examiner = dup_or_null(&p->val[F_EXAMINER]);
	j->keyfile = dup_or_null(&p->val[F_KEY]);
	j->note = dup_or_null(&p->val[F_NOTE]);
	j->trust = t->trust;
	j->allow_failed = allow_failed;
	j->force = force;
	j->state = TASK_RUNNING;
	snprintf(j->phase, sizeof(j->phase), "starting");
	t->export = j;
	if (pthread_create(&j->thread, NULL, export_main, j)) {
		j->state = TASK_FAILED;
		snprintf(j->err, sizeof(j->err), "cannot start a thread");
		return;
	}
	j->started = 1;
}

/* Edits the selected field; typed (a key typed on it, or 0) starts the
 * text. */
static void edit(struct view *v, int typed)
{
	struct expv *p = v->priv;
	struct buf prompt = BUF_INIT, val = BUF_INIT;

	if (p->cur == F_SCOPE) {
		p->scope = (p->scope + 1) % S__COUNT;
		return;
	}
	if (p->cur == F_GO) {
		start(v);
		return;
	}
	buf_addf(&prompt, "%s%s: ", field_names[p->cur],
		 p->cur == F_OUT || p->cur == F_KEY ? " (Tab completes)" : "");
	buf_add(&val, p->val[p->cur].buf, p->val[p->cur].len);
	if (typed)
		buf_addch(&val, typed);
	if ((p->cur == F_OUT || p->cur == F_KEY ? tui_prompt_path : tui_prompt_edit)(v->tui, prompt.buf, &val) == 0) {
		buf_reset(&p->val[p->cur]);
		buf_add(&p->val[p->cur], val.buf, val.len);
		if (p->cur == F_INCIDENT && val.len)
			p->scope = S_INCIDENT;
	}
	buf_release(&prompt);
	buf_release(&val);
}

static void scope_text(struct view *v, struct buf *out)
{
	struct expv *p = v->priv;
	struct tui *t = v->tui;

	switch (p->scope) {
	case S_MARKED:
		buf_addf(out, "marked events (%zu)", t->nmarks);
		break;
	case S_FILTER:
		buf_addstr(out, "current filter: ");
		if (t->filter.len)
			tui_safe(out, t->filter.buf, t->filter.len);
		else
			buf_addstr(out, "(none: press / on the timeline)");
		break;
	default:
		buf_addstr(out, "an incident (its window: 2 h before the start to the resolution, or to 2 h after the start)");
	}
}

static int row_text(struct view *v, int y, int w, const char *label, enum role lr, const char *safe,
		    enum role r, int sel)
{
	char pad[32];
	int x;

	snprintf(pad, sizeof(pad), "  %-12s ", label);
	draw_fill(y, 0, w, sel ? ROLE_SELECTION : ROLE_DEFAULT);
	x = draw_str(y, 0, w, sel ? ROLE_SELECTION : lr, pad);
	x = draw_text(y, x, w, sel ? ROLE_SELECTION : r, safe, strlen(safe));
	(void)v;
	return x;
}

static void expv_draw(struct view *v, int y, int h, int w)
{
	struct expv *p = v->priv;
	struct tui *t = v->tui;
	struct export_job *j = t->export;
	enum task_state st = job_poll(j);
	int x, row = y + 2;
	char a[32], b[32];

	x = draw_str(y, 0, w, ROLE_HEADER, " export \xc2\xb7 Up/Down choose; type or Enter edits (Tab completes "
		     "paths); Ctrl-X exports; Esc closes \xc2\xb7 evidence bundle (BagIt, proofs, custody)");
	draw_fill(y, x, w, ROLE_HEADER);
	for (int i = y + 1; i < y + h; i++)
		draw_fill(i, 0, w, ROLE_DEFAULT);
	for (int f = 0; f < F__COUNT && row < y + h; f++, row++) {
		struct buf s = BUF_INIT;

		if (f == F_GO) {
			row++;
			draw_fill(row, 0, w, ROLE_DEFAULT);
			x = draw_str(row, 2, w, p->cur == f ? ROLE_SELECTION : ROLE_KEY,
				     st == TASK_RUNNING ? "[ exporting... Esc cancels ]" : "[ Export ]");
			continue;
		}
		if (f == F_SCOPE)
			scope_text(v, &s);
		else if (p->val[f].len)
			tui_safe(&s, p->val[f].buf, p->val[f].len);
		row_text(v, row, w, field_names[f], ROLE_LABEL, s.len ? s.buf :
			 f == F_KEY ? "(none)" : f == F_NOTE ? "(optional)" : "", ROLE_DEFAULT, p->cur == f);
		buf_release(&s);
	}
	row++;
	/* the store's verdict, and what the store will see */
	if (row < y + h) {
		struct buf s = BUF_INIT;
		enum role r = ROLE_MUTED;
		const struct verify_report *rep = store_report(t);
		int verified = rep && verify_report_verified(rep) && rep->verified_through >= (uint64_t)t->max_seq;
		struct lines L = { 0 };

		if (!rep) {
			buf_addstr(&s, bg_verify_poll(t->verify) == TASK_RUNNING ?
				   "being verified; export verifies it again before writing anything" :
				   "not verified; export verifies it before writing anything");
			r = ROLE_CHAIN_WARN;
		} else if (rep->verdict == VERDICT_FAILED) {
			buf_addf(&s, "FAILED verification: %s fault%s (v lists them). Export asks you to type yes, "
				 "and the bundle then records the verdict and every fault.",
				 text_thousands(rep->faults_total, a), rep->faults_total == 1 ? "" : "s");
			r = ROLE_CHAIN_FAILED;
		} else if (rep->verdict == VERDICT_UNVERIFIABLE) {
			buf_addstr(&s, "UNVERIFIABLE: no trusted key signed its checkpoints (the bundle records this)");
			r = ROLE_CHAIN_WARN;
		} else {
			buf_addf(&s, "VERIFIED through %s", text_thousands(rep->verified_through, a));
			r = ROLE_CHAIN_OK;
		}
		lines_add_wrapped(&L, ROLE_LABEL, "  Store        ", r, s.buf, w - 2, 15);
		buf_reset(&s);
		r = ROLE_MUTED;
		if (p->checkpoint_size < 0) {
			buf_addstr(&s, "The store has no checkpoint: the key file also signs one "
				   "(the store is then opened read-write once, to store it).");
			r = ROLE_CHAIN_WARN;
		} else if (t->max_seq > p->checkpoint_size) {
			buf_addf(&s, "%s event%s after the newest checkpoint (size %s)",
				 text_thousands((unsigned long long)(t->max_seq - p->checkpoint_size), a),
				 t->max_seq - p->checkpoint_size == 1 ? " is" : "s are",
				 text_thousands((unsigned long long)p->checkpoint_size, b));
			if (p->scope == S_MARKED && p->max_marked <= p->checkpoint_size)
				buf_addstr(&s, "; the marked events are all covered: the store is only read.");
			else
				buf_addstr(&s, ": if the selection includes any, the key file also signs a "
					   "checkpoint (the store is then opened read-write once).");
			r = ROLE_CHAIN_WARN;
		} else if (verified) {
			buf_addstr(&s, "Every event is covered by a checkpoint: the store is only read. "
				   "The key file (required) signs the custody record.");
		} else {
			buf_addstr(&s, "No event is after the newest checkpoint, but the store is not verified: "
				   "no checkpoint is known to cover them. The store is only read; the key file "
				   "(required) signs the custody record.");
			r = ROLE_CHAIN_WARN;
		}
		lines_add_wrapped(&L, ROLE_DEFAULT, "  ", r, s.buf, w - 2, 2);
		for (size_t i = 0; i < L.n && row < y + h; i++, row++)
			draw_line(row, 0, w, &L.v[i], 0);
		lines_release(&L);
		buf_release(&s);
	}
	row++;
	if (!j || row >= y + h)
		return;
	pthread_mutex_lock(&j->lock);
	if (st == TASK_RUNNING) {
		int cells = w - 30 > 50 ? 50 : w - 30, fill;
		struct buf bar = BUF_INIT;

		if (cells < 10)
			cells = 10;
		fill = j->total ? (int)(j->done * (uint64_t)cells / j->total) : 0;
		for (int i = 0; i < cells; i++)
			buf_addstr(&bar, i < fill ? "\xe2\x96\x88" : "\xc2\xb7");
		x = draw_str(row, 2, w, ROLE_SCORE, bar.buf);
		buf_reset(&bar);
		buf_addf(&bar, " %s %s/%s", j->phase, text_thousands(j->done, a), text_thousands(j->total, b));
		draw_str(row, x, w, ROLE_DEFAULT, bar.buf);
		buf_release(&bar);
	} else if (st == TASK_DONE) {
		struct buf s = BUF_INIT, safe = BUF_INIT;
		struct lines L = { 0 };

		tui_safe(&safe, j->out, strlen(j->out));
		buf_addf(&s, "Exported %s event%s to %s, proven against checkpoint size %s%s; custody signed.",
			 text_thousands(j->res.events, a), j->res.events == 1 ? "" : "s", safe.buf,
			 text_thousands(j->res.checkpoint_size, b),
			 j->res.signed_checkpoint ? " (signed now)" : "");
		lines_add_wrapped_safe(&L, ROLE_CHAIN_OK, "  Done  ", ROLE_DEFAULT, s.buf, s.len, w, 8);
		buf_reset(&s);
		buf_addstr(&s, j->digest);
		lines_add_wrapped_safe(&L, ROLE_LABEL, "  Manifest digest (SHA-256 of manifest-sha256.txt)  ",
				       ROLE_KEY, s.buf, s.len, w, 8);
		buf_reset(&s);
		buf_addf(&s, "trailscope bundle verify %s --trust PUBFILE", safe.buf);
		lines_add_wrapped_safe(&L, ROLE_LABEL, "  Check it: ", ROLE_DEFAULT, s.buf, s.len, w, 8);
		for (size_t i = 0; i < L.n && row < y + h; i++, row++)
			draw_line(row, 0, w, &L.v[i], 0);
		lines_release(&L);
		buf_release(&s);
		buf_release(&safe);
	} else if (st == TASK_FAILED) {
		struct lines L = { 0 };

		lines_add_wrapped(&L, ROLE_CHAIN_FAILED, "  Failed  ", ROLE_ERROR, j->err, w, 10);
		for (size_t i = 0; i < L.n && row < y + h; i++, row++)
			draw_line(row, 0, w, &L.v[i], 0);
		lines_release(&L);
	}
	pthread_mutex_unlock(&j->lock);
}

static int expv_request(struct view *v, enum request req)
{
	struct expv *p = v->priv;
	struct tui *t = v->tui;

	switch (req) {
	case REQ_MOVE_DOWN:
		if (p->cur < F_GO)
			p->cur++;
		return 1;
	case REQ_MOVE_UP:
		if (p->cur > 0)
			p->cur--;
		return 1;
	case REQ_FIRST: p->cur = 0; return 1;
	case REQ_LAST: p->cur = F_GO; return 1;
	case REQ_EDIT: edit(v, 0); return 1;
	case REQ_ENTER: edit(v, 0); return 1;
	case REQ_START: start(v); return 1;
	case REQ_EXPORT: return 1;
	case REQ_BACK:
	case REQ_CLOSE:
		if (export_job_running(t)) {
			t->export->cancel = 1;
			tui_message(t, ROLE_CHAIN_WARN, "cancelling the export...");
			return 1;
		}
		return 0;
	default:
		return 0;
	}
}

/* Typing on a text field edits it: no letter typed there reaches the key
 * map (i, e, v, q, T, ... would open views or quit). */
static int expv_key(struct view *v, int c)
{
	struct expv *p = v->priv;

	if (p->cur == F_SCOPE || p->cur == F_GO || c < 0x20 || c >= 0x100 || c == 0x7f)
		return 0;
	if (export_job_running(v->tui))
		return 0;
	if (c == ' ' && !p->val[p->cur].len)
		return 0; /* Space still pages nothing here; no leading blank */
	edit(v, c);
	return 1;
}

static int expv_tick(struct view *v)
{
	return job_poll(v->tui->export) != TASK_IDLE;
}

static void expv_position(struct view *v, struct buf *pos, struct buf *filter)
{
	struct expv *p = v->priv;

	(void)filter;
	buf_addf(pos, "field %d of %d", p->cur + 1, F__COUNT);
}

static void expv_close(struct view *v)
{
	struct expv *p = v->priv;

	for (int i = 0; i < F__COUNT; i++)
		buf_release(&p->val[i]);
	free(p);
}

struct view *export_view_new(struct tui *t)
{
	struct view *v = view_new(t, &export_view_ops, sizeof(struct expv));
	struct expv *p = v->priv;
	struct view *below = tui_top(t);
	const char *user = getenv("USER");
	int64_t newest;

	for (int i = 0; i < F__COUNT; i++)
		buf_init(&p->val[i]);
	tui_is_marked(t, 0);
	p->max_marked = t->nmarks ? t->marks[t->nmarks - 1] : 0;
	if (below && (below->ops == &incidents_view_ops || below->ops == &correlation_view_ops) && t->inc_id[0])
		p->scope = S_INCIDENT;
	else if (t->nmarks)
		p->scope = S_MARKED;
	else if (t->filter.len)
		p->scope = S_FILTER;
	else if (t->inc_id[0])
		p->scope = S_INCIDENT;
	buf_addstr(&p->val[F_INCIDENT], t->inc_id);
	if (user && *user)
		buf_addstr(&p->val[F_EXAMINER], user);
	buf_addstr(&p->val[F_OUT], "bundle");
	p->cur = F_CASE;
	p->checkpoint_size = -1;
	if (store_newest_checkpoint(&t->store, &newest) == 1)
		p->checkpoint_size = newest;
	return v;
}

const struct view_ops export_view_ops = {
	.name = "export",
	.scope = SCOPE_EXPORT,
	.close = expv_close,
	.draw = expv_draw,
	.request = expv_request,
	.position = expv_position,
	.tick = expv_tick,
	.key = expv_key,
};
