/*
 * bundle_render.c - the readable renderings of a bundle's events, which
 * export writes and verify regenerates to compare (see bundle.h,
 * docs/BUNDLE.md): events.jsonl records with their changes, events.csv,
 * changes.csv, and report.txt's entry for one event.
 */
#include <string.h>

#include "trailscope/bundle.h"
#include "trailscope/diff.h"
#include "trailscope/jcs.h"
#include "trailscope/textout.h"
#include "trailscope/util.h"

static const char *leaf_str(const json_t *o, const char *key)
{
	const json_t *v = json_object_get(o, key);

	return json_is_string(v) ? json_string_value(v) : "";
}

json_t *bundle_leaf_diff(const json_t *leaf, struct change_list *cl)
{
	json_t *arr = json_array();
	const json_t *bk = json_object_get(leaf, "before_known");

	diff_json(json_object_get(leaf, "before"), json_object_get(leaf, "after"), !json_is_false(bk), cl);
	for (size_t i = 0; i < cl->n; i++) {
		json_t *c = json_object();

		json_object_set_new(c, "path", json_string(cl->v[i].path));
		json_object_set_new(c, "kind", json_string(change_kind_name(cl->v[i].kind)));
		json_object_set_new(c, "before", cl->v[i].before ? json_incref(cl->v[i].before) : json_null());
		json_object_set_new(c, "after", cl->v[i].after ? json_incref(cl->v[i].after) : json_null());
		json_object_set_new(c, "before_unknown", json_boolean(cl->v[i].before_unknown));
		json_array_append_new(arr, c);
	}
	return arr;
}

json_t *bundle_leaf_changes(const json_t *leaf)
{
	struct change_list cl = CHANGE_LIST_INIT;
	json_t *arr = bundle_leaf_diff(leaf, &cl);

	change_list_release(&cl);
	return arr;
}

/* changes as given, or computed (then owned by the caller: decref it) */
static json_t *changes_of(const json_t *leaf, const json_t *changes)
{
	return changes ? json_incref((json_t *)changes) : bundle_leaf_changes(leaf);
}

int bundle_record_add_raw(json_t *leaf, const char *raw, size_t len)
{
	json_t *v = json_stringn(raw, len);

	return v ? json_object_set_new(leaf, "raw", v) : -1;
}

void bundle_record_line(const json_t *leaf, const json_t *changes, struct buf *out)
{
	/* a shallow copy: the record shares the leaf's members, adds changes */
	json_t *rec = json_copy((json_t *)leaf);

	json_object_set_new(rec, "changes", changes_of(leaf, changes));
	json_append(out, rec);
	buf_addch(out, '\n');
	json_decref(rec);
}

static void csv_str(struct buf *out, const char *s)
{
	text_csv_field(out, s, strlen(s));
}

static void csv_json(struct buf *out, const json_t *v)
{
	struct buf b = BUF_INIT;

	if (v)
		json_append(&b, v);
	csv_str(out, b.buf);
	buf_release(&b);
}

/* A field that is not the row's last: csv_str and its comma. */
static void csv_col(struct buf *out, const char *s)
{
	csv_str(out, s);
	buf_addch(out, ',');
}

#define EVENTS_CSV_V1_HEADER "seq,event_id,ts,actor,actor_name,actor_type,action,target_kind,target," \
	"environment,reason,ticket,correlation_id,approval_required,approved_by,nchanges,summary\n"
#define EVENTS_CSV_V2_HEADER "seq,event_id,ts,actor,actor_name,actor_type,action,target_kind,target," \
	"environment,outcome,outcome_code,outcome_message,reason,ticket,correlation_id," \
	"approval_required,approved_by,nchanges,summary\n"

void bundle_events_csv_header(struct buf *out, int layout)
{
	buf_addstr(out, layout == EVENTS_CSV_V1 ? EVENTS_CSV_V1_HEADER : EVENTS_CSV_V2_HEADER);
}

int bundle_events_csv_layout(const char *text, size_t len)
{
	size_t n = strlen(EVENTS_CSV_V1_HEADER);

	return len >= n && !memcmp(text, EVENTS_CSV_V1_HEADER, n) ? EVENTS_CSV_V1 : EVENTS_CSV_CURRENT;
}

void bundle_events_csv_row_of(const json_t *leaf, const struct change_list *diff, struct buf *out, int layout)
{
	const json_t *actor = json_object_get(leaf, "actor"), *target = json_object_get(leaf, "target");
	const json_t *ctx = json_object_get(leaf, "context"), *appr = json_object_get(ctx, "approval");
	const json_t *seq = json_object_get(leaf, "seq");
	const struct change_list cl = *diff;
	struct buf sum = BUF_INIT;

	if (layout == EVENTS_CSV_V1)
		change_list_summary(&cl, 80, &sum);
	else if (cl.n || !json_is_false(json_object_get(leaf, "before_known")))
		change_list_summary(&cl, 80, &sum);
	else
		buf_addstr(&sum, STATE_NOT_RECORDED);
	const char *const who_what[] = {
		leaf_str(leaf, "event_id"), leaf_str(leaf, "ts"), leaf_str(actor, "id"), leaf_str(actor, "name"),
		leaf_str(actor, "type"), leaf_str(leaf, "action"), leaf_str(target, "kind"),
		leaf_str(target, "key"), leaf_str(leaf, "environment"),
	};

	buf_addf(out, "%lld,", json_whole_or(seq, 0));
	for (size_t i = 0; i < ARRAY_SIZE(who_what); i++)
		csv_col(out, who_what[i]);
	if (layout != EVENTS_CSV_V1) {
		/* a version 1 leaf records no outcome: "unknown" */
		const json_t *oc = json_object_get(leaf, "outcome");

		csv_col(out, json_is_object(oc) ? leaf_str(oc, "status") : "unknown");
		csv_col(out, leaf_str(oc, "code"));
		csv_col(out, leaf_str(oc, "message"));
	}
	csv_col(out, leaf_str(ctx, "reason"));
	if (json_is_string(json_object_get(ctx, "ticket")))
		csv_str(out, leaf_str(ctx, "ticket"));
	else
		csv_json(out, json_object_get(ctx, "ticket"));
	buf_addch(out, ',');
	csv_col(out, leaf_str(ctx, "correlation_id"));
	csv_col(out, !json_is_object(appr) ? "" :
		json_is_true(json_object_get(appr, "required")) ? "true" : "false");
	csv_str(out, leaf_str(appr, "approved_by"));
	buf_addf(out, ",%zu,", cl.n);
	csv_str(out, sum.buf);
	buf_addch(out, '\n');
	buf_release(&sum);
}

void bundle_events_csv_row(const json_t *leaf, struct buf *out, int layout)
{
	struct change_list cl = CHANGE_LIST_INIT;

	diff_json(json_object_get(leaf, "before"), json_object_get(leaf, "after"),
		  !json_is_false(json_object_get(leaf, "before_known")), &cl);
	bundle_events_csv_row_of(leaf, &cl, out, layout);
	change_list_release(&cl);
}

void bundle_changes_csv_header(struct buf *out)
{
	buf_addstr(out, "seq,event_id,path,kind,before,after,before_unknown\n");
}

void bundle_changes_csv_rows(const json_t *leaf, const json_t *given, struct buf *out)
{
	json_t *changes = changes_of(leaf, given);
	long long seq = json_whole_or(json_object_get(leaf, "seq"), 0);
	size_t i;
	json_t *c;

	json_array_foreach(changes, i, c) {
		const json_t *before = json_object_get(c, "before"), *after = json_object_get(c, "after");
		int unknown = json_is_true(json_object_get(c, "before_unknown"));
		enum change_kind kind = change_kind_parse(leaf_str(c, "kind"));

		buf_addf(out, "%lld,", seq);
		csv_col(out, leaf_str(leaf, "event_id"));
		csv_col(out, leaf_str(c, "path"));
		csv_col(out, leaf_str(c, "kind"));
		csv_json(out, json_is_null(before) && (unknown || kind == CHANGE_ADDED) ? NULL : before);
		buf_addch(out, ',');
		csv_json(out, json_is_null(after) && kind == CHANGE_REMOVED ? NULL : after);
		buf_addf(out, ",%s\n", unknown ? "true" : "false");
	}
	json_decref(changes);
}

static void report_line(struct buf *out, const char *label, const char *value)
{
	if (!value || !*value)
		return;
	buf_addf(out, "    %-11s ", label);
	buf_add_term_safe(out, value, strlen(value));
	buf_addch(out, '\n');
}

void bundle_report_event(const json_t *leaf, const json_t *given, struct buf *out)
{
	const json_t *actor = json_object_get(leaf, "actor"), *target = json_object_get(leaf, "target");
	const json_t *ctx = json_object_get(leaf, "context"), *appr = json_object_get(ctx, "approval");
	json_t *changes = changes_of(leaf, given), *c;
	struct buf b = BUF_INIT;
	size_t i;

	buf_addf(&b, "%s  #%lld  %s  %s  %s %s", leaf_str(leaf, "ts"),
		 json_whole_or(json_object_get(leaf, "seq"), 0), leaf_str(actor, "id"),
		 leaf_str(leaf, "action"), leaf_str(target, "kind"), leaf_str(target, "key"));
	if (*leaf_str(leaf, "environment"))
		buf_addf(&b, "  [%s]", leaf_str(leaf, "environment"));
	buf_add_term_safe(out, b.buf, b.len);
	buf_addch(out, '\n');
	report_line(out, "event id", leaf_str(leaf, "event_id"));
	report_line(out, "actor type", leaf_str(actor, "type"));
	report_line(out, "reason", leaf_str(ctx, "reason"));
	report_line(out, "ticket", leaf_str(ctx, "ticket"));
	report_line(out, "correlation", leaf_str(ctx, "correlation_id"));
	if (json_is_object(appr)) {
		buf_reset(&b);
		buf_addstr(&b, json_is_true(json_object_get(appr, "required")) ? "required" : "not required");
		if (*leaf_str(appr, "approved_by"))
			buf_addf(&b, ", approved by %s", leaf_str(appr, "approved_by"));
		else if (json_is_true(json_object_get(appr, "required")))
			buf_addstr(&b, ", NOT APPROVED");
		report_line(out, "approval", b.buf);
	}
	json_array_foreach(changes, i, c) {
		const char *kind = leaf_str(c, "kind"), *path = leaf_str(c, "path");
		enum change_kind ck = change_kind_parse(kind);

		buf_addf(out, "    %-8s ", kind);
		buf_add_term_safe(out, *path ? path : "(state)", strlen(*path ? path : "(state)"));
		buf_addstr(out, ": ");
		if (ck == CHANGE_ADDED) {
			text_json_value(out, json_object_get(c, "after"), 0);
		} else if (ck == CHANGE_REMOVED) {
			text_json_value(out, json_object_get(c, "before"), 0);
		} else {
			text_json_value(out, json_object_get(c, "before"),
				     json_is_true(json_object_get(c, "before_unknown")));
			buf_addstr(out, " \u2192 ");
			text_json_value(out, json_object_get(c, "after"), 0);
		}
		buf_addch(out, '\n');
	}
	buf_addstr(out, "    proof       entries/");
	buf_addf(out, "%lld.leaf, proofs/%lld.tlog-proof\n\n",
		 json_whole_or(json_object_get(leaf, "seq"), 0),
		 json_whole_or(json_object_get(leaf, "seq"), 0));
	json_decref(changes);
	buf_release(&b);
}
