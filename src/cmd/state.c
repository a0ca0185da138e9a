/*
 * state.c - "trailscope state STORE TARGET --at TIME [--env ENV]
 * [--diff TIME2] [--format text|json]": a target's state rebuilt at a
 * moment by replaying its changes, or the per-field difference between
 * two moments. What the sources never recorded is reported as unknown.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cmd.h"
#include "trailscope/diff.h"
#include "trailscope/incident.h"
#include "trailscope/jcs.h"
#include "trailscope/state.h"
#include "trailscope/timeline.h"
#include "trailscope/util.h"

/* TIME: "2026-03-05T14:00Z", "2026-03-05 14:00", "14:00" (today), "-2h"
 * (from now), or an incident id (its impact start). */
static int parse_at(struct store *s, const char *text, usec_t *out)
{
	const char *why;
	struct incident in;
	int rc;

	if (!timeline_parse_user_time(text, time_now(), out, &why))
		return 0;
	rc = incident_load(s, text, &in);
	if (rc > 0) {
		*out = in.started;
		incident_release(&in);
		return 0;
	}
	if (rc == 0)
		error_as(ERR_USAGE, "state: bad time '%s': %s (or an incident id)", text, why);
	return -1;
}

static json_t *point_json(const struct state_point *p)
{
	char at[32];
	json_t *o = json_object();

	time_format(p->at, at);
	json_object_set_new(o, "at", json_string(at));
	json_object_set_new(o, "state", json_string(state_kind_name(p->kind)));
	json_object_set_new(o, "value", p->value ? json_incref(p->value) : json_null());
	if (p->seq)
		json_object_set_new(o, "settled_by", json_pack("{s:I, s:s, s:s, s:s, s:s, s:b}",
			"seq", (json_int_t)p->seq, "event_id", p->event_id, "ts", p->ts, "actor", p->actor,
			"action", p->action, "before_first_change", p->before_first));
	else
		json_object_set_new(o, "settled_by", json_null());
	return o;
}

/* One line saying where the state comes from. */
static void explain(const struct state_point *p)
{
	char at[32];

	time_format(p->at, at);
	printf("at          %s\n", at);
	printf("state       %s", state_kind_name(p->kind));
	if (!p->seq) {
		printf(": no change to the target is recorded\n");
		return;
	}
	if (p->before_first)
		printf(p->kind == HISTORY_UNKNOWN ? ": before the first recorded change #%lld (%s), whose "
		       "source did not record the state before it\n" : ": before the first recorded change "
		       "#%lld (%s), as that change recorded it\n", (long long)p->seq, p->ts);
	else
		printf(p->kind == HISTORY_ABSENT ? ": deleted by #%lld (%s, " : ": after #%lld (%s, ",
		       (long long)p->seq, p->ts);
	if (!p->before_first) {
		cli_put_safe(stdout, p->actor);
		fputs(", ", stdout);
		cli_put_safe(stdout, p->action);
		fputs(")\n", stdout);
	}
}

static void indent(struct buf *b, int depth)
{
	buf_addch(b, '\n');
	for (int i = 0; i < depth; i++)
		buf_add(b, "  ", 2);
}

/* Canonical JSON (RFC 8785: sorted members, numbers as they were meant)
 * laid out two spaces per level. */
static void pretty(const json_t *v, struct buf *out)
{
	struct buf c = BUF_INIT;
	int depth = 0;

	json_append(&c, v);
	for (size_t i = 0; i < c.len; i++) {
		char ch = c.buf[i];

		if (ch == '"') {
			size_t j = i + 1;

			while (j < c.len && c.buf[j] != '"')
				j += c.buf[j] == '\\' ? 2 : 1;
			buf_add(out, c.buf + i, j + 1 - i);
			i = j;
		} else if ((ch == '{' || ch == '[') && i + 1 < c.len && (c.buf[i + 1] == '}' || c.buf[i + 1] == ']')) {
			buf_add(out, c.buf + i, 2);
			i++;
		} else if (ch == '{' || ch == '[') {
			buf_addch(out, ch);
			indent(out, ++depth);
		} else if (ch == '}' || ch == ']') {
			indent(out, --depth);
			buf_addch(out, ch);
		} else if (ch == ',') {
			buf_addch(out, ch);
			indent(out, depth);
		} else if (ch == ':') {
			buf_add(out, ": ", 2);
		} else {
			buf_addch(out, ch);
		}
	}
	buf_release(&c);
}

static void put_value(const json_t *v, int unknown, int multiline)
{
	struct buf b = BUF_INIT;

	if (unknown)
		buf_addstr(&b, "(unknown)");
	else if (!v)
		buf_addstr(&b, "(absent)");
	else if (multiline)
		pretty(v, &b);
	else
		json_append(&b, v);
	/* line by line, so the layout survives and the data cannot break out */
	for (char *line = b.buf, *nl; line; line = nl ? nl + 1 : NULL) {
		nl = strchr(line, '\n');
		if (nl)
			*nl = '\0';
		cli_put_safe(stdout, line);
		if (nl)
			putchar('\n');
	}
	buf_release(&b);
}

static json_t *change_json(const struct change *c)
{
	json_t *o = json_object();

	json_object_set_new(o, "path", json_string(c->path));
	json_object_set_new(o, "kind", json_string(change_kind_name(c->kind)));
	json_object_set_new(o, "before", c->before ? json_incref(c->before) : json_null());
	json_object_set_new(o, "after", c->after ? json_incref(c->after) : json_null());
	json_object_set_new(o, "before_unknown", json_boolean(c->before_unknown));
	return o;
}

static void print_changes(const struct change_list *l)
{
	printf("changes     %zu\n", l->n);
	for (size_t i = 0; i < l->n; i++) {
		const struct change *c = &l->v[i];

		printf("  %-8s ", change_kind_name(c->kind));
		cli_put_safe(stdout, *c->path ? c->path : "(state)");
		fputs(": ", stdout);
		if (c->kind == CHANGE_ADDED && !c->before_unknown) {
			put_value(c->after, 0, 0);
		} else if (c->kind == CHANGE_REMOVED) {
			put_value(c->before, 0, 0);
		} else {
			put_value(c->before, c->before_unknown, 0);
			fputs(" \u2192 ", stdout);
			put_value(c->after, 0, 0);
		}
		putchar('\n');
	}
}

static int run_state(struct cmd_ctx *cx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "at", required_argument, NULL, 'a' },
		{ "diff", required_argument, NULL, 'd' },
		{ "env", required_argument, NULL, 'e' },
		{ "format", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *usage = cx->cmd->usage;
	enum out_format fmt = FMT_TEXT;
	const char *at_text = NULL, *diff_text = NULL, *env = NULL, *target;
	struct state_point p1 = { 0 }, p2 = { 0 };
	struct change_list changes = CHANGE_LIST_INIT;
	struct target_envs envs = { 0 };
	struct store *s;
	usec_t t1, t2;
	int c, ret = EXIT_IO, to_unknown = 0;

	while ((c = cli_getopt(argc, argv, "a:d:e:f:h", opts, "state", usage)) != -1) {
		switch (c) {
		case 'a': at_text = optarg; break;
		case 'd': diff_text = optarg; break;
		case 'e': env = optarg; break;
		case 'f':
			if (cli_parse_format("state", optarg, 1u << FMT_TEXT | 1u << FMT_JSON, &fmt))
				return EXIT_USAGE;
			break;
		default:
			return cli_common_option(cx, c); /* --help, or cli_getopt said why */
		}
	}
	if (argc - optind != 2)
		return cli_usage_error(usage, "state: expected STORE and TARGET");
	if (!at_text)
		return cli_usage_error(usage, "state: --at TIME is required");
	target = argv[optind + 1];
	if (cmd_store(cx, argv[optind], &s))
		return EXIT_IO;
	if (parse_at(s, at_text, &t1) || (diff_text && parse_at(s, diff_text, &t2))) {
		ret = EXIT_USAGE;
		goto out;
	}
	if (!env) {
		if (state_target_envs(s, target, &envs))
			goto out;
		if (envs.n == 0) {
			ret = cli_exit_status(error_as(ERR_INPUT, "no changes to '%s' in the store", target));
			goto out;
		}
		if (envs.n > 1) {
			struct buf list = BUF_INIT;

			for (size_t i = 0; i < envs.n; i++)
				buf_addf(&list, "%s'%s'", i ? ", " : "", envs.v[i]);
			ret = cli_usage_error(usage, "state: '%s' has changes in %zu environments (%s): choose one "
					      "with --env", target, envs.n, list.buf);
			buf_release(&list);
			goto out;
		}
		env = envs.v[0];
	}
	if (state_at(s, target, env, t1, &p1) || (diff_text && state_at(s, target, env, t2, &p2)))
		goto out;
	if (!p1.seq) {
		ret = cli_exit_status(error_as(ERR_INPUT, "no changes to '%s' in environment '%s'", target, env));
		goto out;
	}
	if (diff_text)
		to_unknown = history_diff(p1.kind, p1.value, p2.kind, p2.value, &changes);
	if (fmt == FMT_JSON) {
		json_t *o = json_pack("{s:s, s:s}", "target", target, "environment", env);

		if (diff_text) {
			json_t *arr = json_array();

			for (size_t i = 0; i < changes.n; i++)
				json_array_append_new(arr, change_json(&changes.v[i]));
			json_object_set_new(o, "from", point_json(&p1));
			json_object_set_new(o, "to", point_json(&p2));
			json_object_set_new(o, "changes", to_unknown ? json_null() : arr);
			if (to_unknown)
				json_decref(arr);
		} else {
			json_t *pj = point_json(&p1);

			json_object_update(o, pj);
			json_decref(pj);
		}
		cli_json_print(stdout, o); /* whole numbers as 54, not 54.0 */
		json_decref(o);
	} else {
		fputs("target      ", stdout);
		cli_put_safe(stdout, target);
		fputs("\nenvironment ", stdout);
		cli_put_safe(stdout, *env ? env : "(none)");
		putchar('\n');
		explain(&p1);
		if (diff_text) {
			explain(&p2);
			if (to_unknown)
				printf("changes     unknown: the state at the second time was never recorded\n");
			else
				print_changes(&changes);
		} else if (p1.kind == HISTORY_PRESENT) {
			put_value(p1.value, 0, 1);
			putchar('\n');
		}
	}
	ret = EXIT_OK;
out:
	change_list_release(&changes);
	state_point_release(&p1);
	state_point_release(&p2);
	target_envs_release(&envs);
	return ret;
}

const struct command cmd_state_entry = {
	.name = "state",
	.usage = "state STORE TARGET --at TIME [--env ENV] [--diff TIME2] [--format text|json]",
	.summary = "a target's state rebuilt at a time, or between two",
	.help = "\n"
		"Rebuilds TARGET's state at TIME from its recorded changes: the state after the\n"
		"latest change at or before TIME (absent after a delete), or before the first\n"
		"change when that change recorded it. Anything else is reported as unknown,\n"
		"never guessed. --diff compares the states at TIME and TIME2 field by field.\n"
		"TIME: 2026-03-05T14:00:00Z, \"2026-03-05 14:00\", 14:00 (today, UTC), -2h or\n"
		"+30m (from now), or an incident id (its impact start). --env is needed when\n"
		"the target has changes in more than one environment.\n",
	.flags = CMD_STORE,
	.run = run_state,
};
