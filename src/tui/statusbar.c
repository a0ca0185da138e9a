/*
 * statusbar.c - the bottom line every view shares: the chain verdict
 * (or verification progress), the store, the position, the active filter
 * and passing messages. Also the per-event proof status derived from the
 * same verify report.
 */
#include <inttypes.h>
#include <string.h>

#include "app.h"
#include "bg.h"
#include "draw.h"
#include "statusbar.h"
#include "view.h"
#include "trailscope/textout.h"

static const struct verify_fault *fault_for(const struct verify_report *r, int64_t seq)
{
	for (size_t i = 0; i < r->nfaults; i++) {
		const struct verify_fault *f = &r->faults[i];

		if (!f->checkpoint && (uint64_t)seq >= f->seq && (uint64_t)seq <= f->seq_end)
			return f;
	}
	return NULL;
}

void proof_status(struct tui *t, int64_t seq, uint64_t covered_by, struct buf *out, enum role *r)
{
	const struct verify_report *rep = t->verify->report.verdict != VERDICT_NONE ? &t->verify->report : NULL;
	enum task_state st = bg_verify_poll(t->verify);
	uint64_t cover;
	char a[32];

	if (rep && st != TASK_RUNNING) {
		const struct verify_fault *f = fault_for(rep, seq);

		if (f) {
			buf_addf(out, "%s: ", fault_kind_name(f->kind));
			tui_safe(out, f->detail ? f->detail : "", f->detail ? strlen(f->detail) : 0);
			*r = ROLE_CHAIN_FAILED;
			return;
		}
	}
	/* covered_by is only the smallest checkpoint row at or past seq: a
	 * row is cited as cover only once verification found it OK (signed
	 * by a trusted key, its root the store's tree at its size) */
	if (!covered_by) {
		buf_addstr(out, "PENDING: after the last checkpoint, not yet covered by a signature");
		*r = ROLE_CHAIN_WARN;
		return;
	}
	if (!rep || st == TASK_RUNNING) {
		buf_addf(out, "checkpoint %s, not yet verified (verification running)", text_thousands(covered_by, a));
		*r = ROLE_CHAIN_WARN;
		return;
	}
	cover = verify_report_cover(rep, (uint64_t)seq);
	if (!cover) {
		enum fault_kind cs;
		int known = verify_report_checkpoint_status(rep, covered_by, &cs);

		buf_addf(out, "not covered by a verified checkpoint: checkpoint %s is %s",
			 text_thousands(covered_by, a), known ? fault_kind_name(cs) : "unchecked");
		if (rep->reason) {
			buf_addstr(out, " (");
			buf_addstr(out, rep->reason);
			buf_addch(out, ')');
		}
		*r = known && cs != FAULT_UNTRUSTED ? ROLE_CHAIN_FAILED : ROLE_CHAIN_WARN;
		return;
	}
	buf_addf(out, "covered by signed checkpoint %s", text_thousands(cover, a));
	if (verify_report_verified(rep)) {
		buf_addstr(out, ": VERIFIED (inclusion and signature checked)");
		*r = ROLE_CHAIN_OK;
	} else {
		buf_addstr(out, "; the store FAILED verification elsewhere (v for faults)");
		*r = ROLE_CHAIN_FAILED;
	}
}

static void verdict(struct tui *t, struct buf *out, enum role *r)
{
	enum task_state st = bg_verify_poll(t->verify);
	const struct verify_report *rep = &t->verify->report;
	char a[32], b[32];

	if (st == TASK_RUNNING) {
		uint64_t done, total;

		pthread_mutex_lock(&t->verify->lock);
		done = t->verify->done;
		total = t->verify->total;
		pthread_mutex_unlock(&t->verify->lock);
		buf_addf(out, "VERIFYING %u%% (%s of %s)",
			 total ? (unsigned)(done * 100 / total) : 0, text_thousands(done, a), text_thousands(total, b));
		*r = ROLE_CHAIN_WARN;
		return;
	}
	if (st == TASK_FAILED || rep->verdict == VERDICT_NONE) {
		buf_addstr(out, "VERIFY ERROR: ");
		tui_safe(out, t->verify->err, strnlen(t->verify->err, 80));
		*r = ROLE_CHAIN_FAILED;
		return;
	}
	/* pending counts the store as the TUI sees it now */
	verify_verdict_short(rep, t->max_seq > 0 ? (uint64_t)t->max_seq : 0, out);
	if (verify_report_verified(rep))
		*r = ROLE_CHAIN_OK;
	else if (rep->verdict == VERDICT_FAILED)
		*r = ROLE_CHAIN_FAILED;
	else
		*r = ROLE_CHAIN_WARN;
}

/* A message wider than the room beside the verdict, wrapped at words on
 * the lines just above the status line (at most three; the view's last
 * lines show again once the message goes), so none of it is cut off. */
static void message_above(struct tui *t, int y, int w)
{
	enum { MAX_LINES = 3 };
	struct lines L = { 0 };
	size_t n;

	lines_add_wrapped_safe(&L, ROLE_STATUS, "", t->message_role, t->message.buf, t->message.len,
			       w - 2, 0);
	n = L.n < MAX_LINES ? L.n : MAX_LINES;
	for (size_t i = 0; i < n; i++) {
		int row = y - (int)n + (int)i;

		draw_fill(row, 0, w, ROLE_STATUS);
		draw_line(row, 1, w - 1, &L.v[i], 0);
	}
	lines_release(&L);
}

void statusbar_draw(struct tui *t, int y, int w)
{
	struct buf v = BUF_INIT, pos = BUF_INIT, filter = BUF_INIT, mid = BUF_INIT, store = BUF_INIT;
	struct view *top = tui_top(t);
	enum role vr = ROLE_CHAIN_WARN;
	/* a file by its name; a PostgreSQL store by its URI as printed, which
	 * never holds the password (t->path may) */
	const char *base = t->store.pg ? t->store.path : strrchr(t->path, '/') ? strrchr(t->path, '/') + 1 : t->path;
	int x, right, msg;

	verdict(t, &v, &vr);
	if (top && top->ops->position)
		top->ops->position(top, &pos, &filter);
	tui_safe(&store, base, strlen(base));
	x = draw_text(y, 0, w, vr, " ", 1);
	x = draw_text(y, x, w, vr, v.buf, v.len);
	x = draw_text(y, x, w, vr, " ", 1);
	x = draw_text(y, x, w, ROLE_STATUS, " ", 1);
	msg = t->message.len && (t->script || time_now() < t->message_until);
	if (msg && text_cols(t->message.buf, t->message.len) > w - x) {
		/* too long beside the verdict: wrapped on the lines above */
		message_above(t, y, w);
		msg = 0;
	}
	if (msg) {
		x = draw_text(y, x, w, t->message_role, t->message.buf, t->message.len);
		draw_fill(y, x, w, ROLE_STATUS);
	} else {
		right = w - text_cols(pos.buf, pos.len) - 1;
		buf_add(&mid, store.buf, store.len);
		if (!filter.len && t->filter.len) {
			buf_addstr(&filter, "filter: ");
			tui_safe_typed(&filter, t->filter.buf, t->filter.len);
		}
		if (filter.len)
			buf_addf(&mid, "  %s", filter.buf);
		if (right - 1 > x)
			x = draw_field_safe(y, x, right - 1 - x, ROLE_STATUS, mid.buf, mid.len);
		draw_fill(y, x, w, ROLE_STATUS);
		if (right > x)
			draw_text(y, right, w, ROLE_STATUS, pos.buf, pos.len);
	}
	buf_release(&v);
	buf_release(&pos);
	buf_release(&filter);
	buf_release(&mid);
	buf_release(&store);
}
