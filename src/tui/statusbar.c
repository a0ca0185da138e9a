/*
 * statusbar.c - the bottom line every view shares: the chain verdict
 * (or verification progress), the store, the position, the active filter
 * and passing messages. Also the per-event proof status derived from the
 * same verify report, and small formatting helpers.
 */
#include <inttypes.h>
#include <string.h>

#include "tui.h"

const char *thousands(unsigned long long n, char out[32])
{
	char tmp[32];
	int len = snprintf(tmp, sizeof(tmp), "%llu", n), o = 0;

	for (int i = 0; i < len; i++) {
		if (i && (len - i) % 3 == 0)
			out[o++] = ',';
		out[o++] = tmp[i];
	}
	out[o] = 0;
	return out;
}

void ts_display(const char *ts, int with_date, struct buf *out)
{
	/* stored: 2026-03-05T14:02:07.123456Z */
	if (strlen(ts) < 19 || ts[10] != 'T') {
		tui_safe(out, ts, strlen(ts));
		return;
	}
	if (with_date) {
		buf_add(out, ts, 10);
		buf_addch(out, ' ');
	} else {
		buf_add(out, ts + 5, 5);
		buf_addch(out, ' ');
	}
	buf_add(out, ts + 11, 8);
}

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
	const struct verify_report *rep = t->verify->report.verdict ? &t->verify->report : NULL;
	enum task_state st = bg_verify_poll(t->verify);
	char a[32];

	if (rep && st != TASK_RUNNING) {
		const struct verify_fault *f = fault_for(rep, seq);

		if (f) {
			buf_addf(out, "%s: ", f->kind);
			tui_safe(out, f->detail ? f->detail : "", f->detail ? strlen(f->detail) : 0);
			*r = ROLE_CHAIN_FAILED;
			return;
		}
	}
	if (!covered_by) {
		buf_addstr(out, "PENDING: after the last checkpoint, not yet covered by a signature");
		*r = ROLE_CHAIN_WARN;
		return;
	}
	buf_addf(out, "covered by signed checkpoint %s", thousands(covered_by, a));
	if (!rep || st == TASK_RUNNING) {
		buf_addstr(out, " (verification running)");
		*r = ROLE_CHAIN_WARN;
	} else if (!strcmp(rep->verdict, "VERIFIED") && covered_by <= rep->verified_through) {
		buf_addstr(out, ": VERIFIED (inclusion and signature checked)");
		*r = ROLE_CHAIN_OK;
	} else if (!strcmp(rep->verdict, "UNVERIFIABLE")) {
		buf_addstr(out, ", but UNVERIFIABLE: no trusted key");
		*r = ROLE_CHAIN_WARN;
	} else if (!strcmp(rep->verdict, "FAILED")) {
		buf_addstr(out, "; the store FAILED verification elsewhere (v for faults)");
		*r = ROLE_CHAIN_FAILED;
	} else {
		buf_addstr(out, " (not yet verified)");
		*r = ROLE_CHAIN_WARN;
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
			 total ? (unsigned)(done * 100 / total) : 0, thousands(done, a), thousands(total, b));
		*r = ROLE_CHAIN_WARN;
		return;
	}
	if (st == TASK_FAILED || !rep->verdict) {
		buf_addstr(out, "VERIFY ERROR: ");
		tui_safe(out, t->verify->err, strnlen(t->verify->err, 80));
		*r = ROLE_CHAIN_FAILED;
		return;
	}
	if (rep->exit_code == EXIT_OK) {
		uint64_t pending = (uint64_t)t->max_seq > rep->verified_through ?
				   (uint64_t)t->max_seq - rep->verified_through : 0;

		buf_addf(out, "VERIFIED through %s (+%s pending)", thousands(rep->verified_through, a),
			 thousands(pending, b));
		*r = ROLE_CHAIN_OK;
	} else if (rep->exit_code == EXIT_FAILED) {
		buf_addf(out, "FAILED: %s fault%s", thousands(rep->faults_total, a),
			 rep->faults_total == 1 ? "" : "s");
		*r = ROLE_CHAIN_FAILED;
	} else {
		buf_addstr(out, "UNVERIFIABLE: no trusted key");
		*r = ROLE_CHAIN_WARN;
	}
}

void statusbar_draw(struct tui *t, int y, int w)
{
	struct buf v = BUF_INIT, pos = BUF_INIT, filter = BUF_INIT, mid = BUF_INIT, store = BUF_INIT;
	struct view *top = tui_top(t);
	enum role vr = ROLE_CHAIN_WARN;
	const char *base = strrchr(t->path, '/') ? strrchr(t->path, '/') + 1 : t->path;
	int x, right;

	verdict(t, &v, &vr);
	if (top && top->ops->position)
		top->ops->position(top, &pos, &filter);
	tui_safe(&store, base, strlen(base));
	x = draw_text(y, 0, w, vr, " ", 1);
	x = draw_text(y, x, w, vr, v.buf, v.len);
	x = draw_text(y, x, w, vr, " ", 1);
	x = draw_text(y, x, w, ROLE_STATUS, " ", 1);
	if (t->message.len && (t->script || time_now() < t->message_until)) {
		x = draw_text(y, x, w, t->message_role, t->message.buf, t->message.len);
		draw_fill(y, x, w, ROLE_STATUS);
	} else {
		right = w - (int)pos.len - 1;
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
