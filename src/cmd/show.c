/*
 * show.c - "trailscope show STORE SEQ|EVENT_ID [--format text|json]": one
 * event's metadata, outcome, context, per-field changes and proof status.
 * Everything printed comes from the leaf (the changes and summary are
 * re-derived from it, not read from the derived tables), so what the
 * proof covers is what is shown.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "cmd.h"
#include "trailscope/entry.h"
#include "trailscope/jcs.h"
#include "trailscope/textout.h"
#include "trailscope/verify.h"
#include "trailscope/util.h"
#include "trailscope/verify_derived.h"

static void field(const char *label, const char *value)
{
	if (!value || !*value)
		return;
	printf("%-12s", label);
	cli_put_safe(stdout, value);
	putchar('\n');
}

static void put_value(const json_t *v, int unknown)
{
	struct buf b = BUF_INIT;

	text_json_value(&b, v, unknown);
	fwrite(b.buf, 1, b.len, stdout);
	buf_release(&b);
}

/*
 * The proof line: a checkpoint is cited as cover only when it verifies
 * (trusted signature, root of the store's tree at its size, the entry's
 * leaf included under it); a covering row that does not is named with
 * why.
 */
static void proof_line(const struct entry *e, const struct verify_cover *cv, struct buf *b)
{
	if (cv->size) {
		buf_addf(b, "covered by the checkpoint at size %" PRIu64 ", signed by %s "
			 "(signature, root and inclusion checked)", cv->size, cv->signer);
		if (cv->rejected)
			buf_addf(b, "; the checkpoint at size %" PRIu64 " does not verify: %s", cv->rejected,
				 cv->why);
	} else if (cv->rejected) {
		buf_addf(b, "not covered by a verified checkpoint: the checkpoint at size %" PRIu64
			 " does not verify: %s", cv->rejected, cv->why);
	} else if (e->covered_by) {
		buf_addstr(b, "not covered by a verified checkpoint");
	} else {
		buf_addstr(b, "pending: no checkpoint covers it yet");
	}
}

/* Every context member not printed above: often the only from -> to a
 * source gives (LaunchDarkly's description, a response status, ...). */
static void print_context(const struct entry *e, struct buf *b)
{
	static const char *const shown[] = { "reason", "ticket", "correlation_id", "approval", NULL };
	json_t *ctx = entry_leaf_get(e, "context"), *v;
	const char *key;
	int any = 0;

	json_object_foreach(ctx, key, v) {
		int skip = 0;

		for (int i = 0; shown[i]; i++)
			skip |= !strcmp(key, shown[i]);
		if (skip)
			continue;
		if (!any++)
			puts("context");
		buf_reset(b);
		if (json_is_string(v))
			buf_addstr(b, json_string_value(v));
		else
			json_append(b, v);
		fputs("  ", stdout);
		cli_put_safe(stdout, key);
		fputs(": ", stdout);
		cli_put_safe(stdout, b->buf);
		putchar('\n');
	}
}

static void print_text(const struct entry *e, const struct verify_cover *cv)
{
	json_t *actor = entry_leaf_get(e, "actor"), *source = entry_leaf_get(e, "source");
	json_t *approval = json_object_get(entry_leaf_get(e, "context"), "approval");
	struct buf b = BUF_INIT;

	printf("event       %" PRId64 "  ", e->seq);
	cli_put_safe(stdout, e->event_id);
	putchar('\n');
	field("time", e->ts);
	buf_addstr(&b, e->actor);
	if (json_is_string(json_object_get(actor, "name")))
		buf_addf(&b, " (%s)", json_string_value(json_object_get(actor, "name")));
	buf_addf(&b, ", %s", e->actor_type);
	if (json_is_string(json_object_get(actor, "auth")))
		buf_addf(&b, ", auth %s", json_string_value(json_object_get(actor, "auth")));
	field("actor", b.buf);
	field("action", e->action);
	buf_reset(&b);
	buf_addf(&b, "%s %s", e->target_kind, e->target);
	field("target", b.buf);
	field("environment", e->environment);
	buf_reset(&b);
	entry_outcome_text(e, &b);
	field("outcome", b.buf);
	field("reason", entry_context_str(e, "reason"));
	field("ticket", entry_context_str(e, "ticket"));
	field("correlation", entry_context_str(e, "correlation_id"));
	if (json_is_object(approval)) {
		json_t *by = json_object_get(approval, "approved_by");

		buf_reset(&b);
		buf_addstr(&b, json_is_true(json_object_get(approval, "required")) ? "required" : "not required");
		if (json_is_string(by))
			buf_addf(&b, ", approved by %s", json_string_value(by));
		else if (json_is_true(json_object_get(approval, "required")))
			buf_addstr(&b, ", NOT APPROVED");
		if (json_is_string(json_object_get(approval, "approved_at")))
			buf_addf(&b, " at %s", json_string_value(json_object_get(approval, "approved_at")));
		field("approval", b.buf);
	}
	if (json_is_object(source)) {
		buf_reset(&b);
		buf_addf(&b, "%s:%lld (%s)", json_string_value(json_object_get(source, "file")),
			 json_whole_or(json_object_get(source, "line"), 0),
			 json_string_value(json_object_get(source, "format")));
		field("source", b.buf);
	}
	buf_reset(&b);
	proof_line(e, cv, &b);
	field("proof", b.buf);
	print_context(e, &b);
	if (entry_state_not_recorded(e))
		puts("changes     none known: " STATE_NOT_RECORDED);
	else if (!e->changes.n)
		puts("changes     0 (no field changed)");
	else
		printf("changes     %zu\n", e->changes.n);
	for (size_t i = 0; i < e->changes.n; i++) {
		const struct change *c = &e->changes.v[i];

		printf("  %-8s ", change_kind_name(c->kind));
		cli_put_safe(stdout, *c->path ? c->path : "(state)");
		printf(": ");
		if (c->kind == CHANGE_ADDED) {
			put_value(c->after, 0);
		} else if (c->kind == CHANGE_REMOVED) {
			put_value(c->before, 0);
		} else {
			put_value(c->before, c->before_unknown);
			printf(" \u2192 ");
			put_value(c->after, 0);
		}
		putchar('\n');
	}
	buf_release(&b);
}

static int run_show(struct cmd_ctx *cx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *usage = cx->cmd->usage;
	enum out_format fmt = FMT_TEXT;
	struct verify_cover cv;
	struct trust t;
	struct store *s;
	struct entry e;
	int c, rc, ret = EXIT_IO;

	while ((c = cli_getopt(argc, argv, "f:h", opts, "show", usage)) != -1) {
		switch (c) {
		case 'f':
			if (cli_parse_format("show", optarg, 1u << FMT_TEXT | 1u << FMT_JSON, &fmt))
				return EXIT_USAGE;
			break;
		default: return cli_common_option(cx, c); /* --help, or cli_getopt said why */
		}
	}
	if (argc - optind != 2)
		return cli_usage_error(usage, "show: expected STORE and SEQ or EVENT_ID");
	if (trust_load(&t))
		return EXIT_IO;
	rc = cmd_store(cx, argv[optind], &s) ? -1 : entry_load(s, argv[optind + 1], &e);
	if (rc > 0 && verify_cover(s, &t, (uint64_t)e.seq, &cv)) {
		entry_release(&e);
		rc = -1;
	}
	if (rc == 0) {
		ret = cli_exit_status(error_as(ERR_INPUT, "no event '%s' in the store", argv[optind + 1]));
	} else if (rc > 0) {
		derived_entry_from_leaf(&e); /* the changes the leaf hash covers, not the table's */
		if (fmt == FMT_JSON) {
			json_t *j = entry_to_json(&e);
			struct buf pl = BUF_INIT;

			/* only a checkpoint that verifies is cover */
			json_object_set_new(j, "covered_by_checkpoint",
					    cv.size ? json_integer((json_int_t)cv.size) : json_null());
			proof_line(&e, &cv, &pl);
			json_object_set_new(j, "proof", json_string(pl.buf));
			buf_release(&pl);

			cli_json_print(stdout, j); /* whole numbers as 54, not 54.0 */
			json_decref(j);
		} else {
			print_text(&e, &cv);
		}
		verify_cover_release(&cv);
		entry_release(&e);
		ret = EXIT_OK;
	}
	trust_release(&t);
	return ret;
}

const struct command cmd_show_entry = {
	.name = "show",
	.usage = "show STORE SEQ|EVENT_ID [--format text|json]",
	.summary = "one event: metadata and per-field changes",
	.help = "Prints one event: metadata, outcome (FAILED with the source's code and\n"
		"message), context, per-field changes (or that the source recorded no state),\n"
		"proof status. A checkpoint is cited as proof only when it is signed by a key\n"
		"pinned in $XDG_STATE_HOME/trailscope, its root is the store's tree at its size\n"
		"and the event's leaf is included under it.\n",
	.flags = CMD_STORE,
	.run = run_show,
};
