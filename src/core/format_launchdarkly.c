/*
 * format_launchdarkly.c - LaunchDarkly audit-log entries: the REST API's
 * list ({"items":[...]}) and single entries (also what webhooks post),
 * the integration framework's rendered context (timestamp object,
 * project.environment, title/details as {plainText, markdown, html}), and
 * JSON lines of entries. The target and environment come from the first
 * accesses[] resource specifier (proj/P:env/E:flag/F), else from the
 * entry's kind, key and project; states from previousVersion and
 * currentVersion when the entry carries them (the detailed entry).
 *
 * Cost: one strict parse per entry.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "trailscope/format_util.h"
#include "trailscope/jcs.h"
#include "trailscope/util.h"

/* Splits a resource specifier into the kind/key of its last segment and
 * the key of its env segment. "proj/default:env/production:flag/demo" →
 * flag, demo, production. Tags after ';' are dropped. */
static void parse_spec(const char *spec, char **kind, char **key, char **env, char **proj)
{
	const char *seg = spec;

	*kind = *key = *env = *proj = NULL;
	while (seg && *seg) {
		const char *end = strchr(seg, ':'), *slash, *semi;
		size_t n = end ? (size_t)(end - seg) : strlen(seg);

		slash = memchr(seg, '/', n);
		if (slash) {
			size_t klen = (size_t)(slash - seg), vlen;

			semi = memchr(slash + 1, ';', n - klen - 1);
			vlen = (size_t)((semi ? semi : seg + n) - (slash + 1));
			free(*kind);
			free(*key);
			*kind = xstrndup(seg, klen);
			*key = xstrndup(slash + 1, vlen);
			if (!strcmp(*kind, "env")) {
				free(*env);
				*env = xstrndup(slash + 1, vlen);
			} else if (!strcmp(*kind, "proj")) {
				free(*proj);
				*proj = xstrndup(slash + 1, vlen);
			}
		}
		seg = end ? end + 1 : NULL;
	}
}

/* Text of a rendered field: a string, or the plainText of an object. */
static const char *plain(const json_t *v)
{
	if (json_is_string(v))
		return json_string_value(v);
	return fmt_str(v, "plainText");
}

static int read_time(struct event *ev, const json_t *e, struct buf *err)
{
	json_t *date = json_object_get(e, "date"), *ts = json_object_get(e, "timestamp");

	if (date)
		return fmt_time_epoch(ev, date, 1000, err);
	if (json_is_object(ts)) {
		json_t *ms = json_object_get(ts, "milliseconds");
		const char *rfc = fmt_str(ts, "rfc3339");

		if (ms) {
			usec_t other;
			const char *why;

			if (fmt_time_epoch(ev, ms, 1000, err))
				return -1;
			/* the rendered text sometimes disagrees: keep it */
			if (rfc && !time_parse_iso(rfc, &other, &why) && llabs(other - ev->ts) >= 1000000)
				fmt_ctx_str(ev->context, "time_conflict", rfc);
			return 0;
		}
		if (rfc)
			return fmt_time_iso(ev, rfc, err);
	}
	buf_addstr(err, "missing \"date\"");
	return -1;
}

static void read_actor(struct event *ev, const json_t *e)
{
	json_t *m = json_object_get(e, "member"), *tok = json_object_get(e, "token");
	json_t *app = json_object_get(e, "app");
	struct buf b = BUF_INIT;

	if (json_is_object(m)) {
		const char *first = fmt_str(m, "firstName"), *last = fmt_str(m, "lastName");
		const char *id = fmt_str(m, "email");

		ev->actor_id = xstrdup(id && *id ? id : fmt_str(m, "_id") ? fmt_str(m, "_id") : "unknown");
		if (fmt_str(m, "displayName") && *fmt_str(m, "displayName"))
			ev->actor_name = xstrdup(fmt_str(m, "displayName"));
		else if ((first && *first) || (last && *last)) {
			buf_addf(&b, "%s%s%s", first ? first : "", first && *first && last && *last ? " " : "",
				 last ? last : "");
			ev->actor_name = buf_detach(&b, NULL);
		}
		ev->actor_type = xstrdup("user");
		if (json_is_object(tok))
			ev->actor_auth = xstrdup("token");
	} else if (json_is_object(tok)) {
		const char *name = fmt_str(tok, "name"), *id = fmt_str(tok, "_id");

		buf_addf(&b, "token:%s", id ? id : name ? name : "unknown");
		ev->actor_id = buf_detach(&b, NULL);
		ev->actor_name = fmt_dup(name);
		ev->actor_type = xstrdup("service");
		ev->actor_auth = xstrdup("token");
	} else if (json_is_object(app)) {
		const char *name = fmt_str(app, "name"), *id = fmt_str(app, "_id");

		buf_addf(&b, "app:%s", id ? id : name ? name : "unknown");
		ev->actor_id = buf_detach(&b, NULL);
		ev->actor_name = fmt_dup(name);
		ev->actor_type = xstrdup("service");
	} else {
		ev->actor_id = xstrdup("unknown");
		ev->actor_type = xstrdup("unknown");
	}
	fmt_ctx_json(ev->context, "token", tok);
	fmt_ctx_json(ev->context, "app", app);
}

/* The members an entry is read from have their types when present: a
 * wrong one is an error at its value, never a silent fallback. An empty
 * "accesses" is no resource: the target then comes from kind and key. */
static int check_members(struct fmt_reader *r, const struct fmt_record *rec)
{
	static const struct {
		const char *name;
		json_type type;
	} members[] = {
		{ "_id", JSON_STRING }, { "member", JSON_OBJECT }, { "token", JSON_OBJECT },
		{ "app", JSON_OBJECT }, { "accesses", JSON_ARRAY }, { "kind", JSON_STRING },
		{ "key", JSON_STRING }, { "name", JSON_STRING }, { "comment", JSON_STRING },
		{ "project", JSON_OBJECT }, { "target", JSON_OBJECT },
	};
	static const char *const names[] = { "string", "object", "array" };
	json_t *e = rec->json, *acc = json_array_get(json_object_get(e, "accesses"), 0), *v;

	for (size_t i = 0; i < ARRAY_SIZE(members); i++) {
		v = json_object_get(e, members[i].name);
		if (v && !json_is_null(v) && json_typeof(v) != members[i].type)
			return fmt_type_error(r, rec, members[i].name,
					      names[members[i].type == JSON_STRING ? 0 :
						    members[i].type == JSON_OBJECT ? 1 : 2]);
	}
	if (acc && !json_is_object(acc))
		return fmt_bad_at(r, rec, "accesses", "expected objects in \"accesses\"");
	if ((v = json_object_get(acc, "resource")) && !json_is_string(v))
		return fmt_bad_at(r, rec, "accesses", "expected string for \"accesses[0].resource\"");
	if ((v = json_object_get(acc, "action")) && !json_is_string(v))
		return fmt_bad_at(r, rec, "accesses", "expected string for \"accesses[0].action\"");
	return 1;
}

static int ld_record(struct fmt_reader *r, const struct fmt_record *rec)
{
	json_t *e = rec->json, *acc, *prev, *cur;
	const char *id = fmt_str(e, "_id"), *spec, *action, *site;
	char *kind = NULL, *key = NULL, *env = NULL, *proj = NULL;
	struct buf err = BUF_INIT;
	struct event *ev;
	int rc;

	if (!json_is_object(e))
		return fmt_bad(r, rec, "expected a LaunchDarkly audit-log entry object");
	if ((rc = check_members(r, rec)) <= 0)
		return rc;
	if (!id || !*id)
		return fmt_bad(r, rec, "not a LaunchDarkly audit-log entry (missing \"_id\")");
	ev = fmt_event_new();
	ev->context = json_object();
	ev->event_id = xstrdup(id);
	if (read_time(ev, e, &err)) {
		rc = fmt_bad_at(r, rec, json_object_get(e, "date") ? "date" : "timestamp", "%s", err.buf);
		goto fail;
	}
	read_actor(ev, e);

	acc = json_array_get(json_object_get(e, "accesses"), 0);
	spec = fmt_str(acc, "resource");
	if (spec)
		parse_spec(spec, &kind, &key, &env, &proj);
	if (!kind || !*kind || !key || !*key) {
		const char *k = fmt_str(e, "key"), *tid = fmt_str_path(e, "target", "_id", (const char *)NULL);

		free(kind);
		free(key);
		kind = fmt_dup(fmt_str(e, "kind"));
		key = fmt_dup(k && *k ? k : tid && *tid ? tid : fmt_str(e, "name"));
	}
	if (!env)
		env = fmt_dup(fmt_str_path(e, "project", "environment", "key", (const char *)NULL));
	if (!kind || !*kind || !key || !*key) {
		free(kind);
		free(key);
		free(env);
		free(proj);
		rc = fmt_bad_at(r, rec, json_object_get(e, "accesses") ? "accesses" : "",
				"no target: no \"accesses\" resource and no \"kind\" with \"key\"");
		goto fail;
	}
	ev->target_kind = kind;
	ev->target_key = key;
	if (env && (!strcmp(env, "~") || !strcmp(env, "*")))
		*env = '\0';        /* every environment */
	ev->environment = env ? env : xstrdup("");
	if (!(action = fmt_str(acc, "action")) && !(action = fmt_str(e, "verbKind")) &&
	    !(action = fmt_str(e, "titleVerb")))
		action = "update";
	ev->action = xstrdup(action);

	prev = json_object_get(e, "previousVersion");
	cur = json_object_get(e, "currentVersion");
	if (prev) {
		ev->before_known = 1;
		ev->before = json_is_null(prev) ? NULL : json_incref(prev);
	} else if (cur && !strncmp(action, "create", 6)) {
		ev->before_known = 1;
	}
	ev->after = cur && !json_is_null(cur) ? json_incref(cur) : NULL;

	fmt_ctx_str(ev->context, "reason", fmt_str(e, "comment"));
	fmt_ctx_str(ev->context, "title", plain(json_object_get(e, "title")));
	fmt_ctx_str(ev->context, "description", plain(json_object_get(e, "description")));
	fmt_ctx_str(ev->context, "details", plain(json_object_get(e, "details")));
	fmt_ctx_str(ev->context, "project", proj ? proj : fmt_str_path(e, "project", "key", (const char *)NULL));
	free(proj);
	fmt_ctx_str(ev->context, "resource", spec);
	fmt_ctx_json(ev->context, "delta", json_object_get(e, "delta"));
	fmt_ctx_json(ev->context, "approval", json_object_get(e, "approvalRequest"));
	fmt_ctx_json(ev->context, "custom_properties", json_object_get(e, "customProperties"));
	site = fmt_str_path(e, "_links", "site", "href", (const char *)NULL);
	if (site && *site)
		json_object_set_new(ev->context, "links", json_pack("{s:s}", "site", site));
	buf_release(&err);
	return fmt_emit(r, rec, ev);
fail:
	event_release(ev);
	free(ev);
	buf_release(&err);
	return rc;
}

static int ld_detect(const char *head, size_t len)
{
	(void)len;
	if (fmt_head_has_key(head, "_accountId") || fmt_head_has_key(head, "titleVerb") ||
	    fmt_head_has_key(head, "verbKind") ||
	    (fmt_head_has_key(head, "accesses") && fmt_head_has_key(head, "_id")))
		return 85;
	if (fmt_head_has_key(head, "items") && fmt_head_has_key(head, "_id") &&
	    fmt_head_has_key(head, "date"))
		return 70;
	return 0;
}

static int ld_read(FILE *f, const char *file, const struct format_options *opt,
		   struct record_sink *sink)
{
	static const char *const wrappers[] = { "items", NULL };
	struct fmt_reader r = {
		.format = "launchdarkly", .file = file, .opt = opt, .sink = sink,
		.wrappers = wrappers, .record = ld_record,
	};

	return fmt_read(&r, f);
}

const struct format_ops format_launchdarkly = { "launchdarkly", ld_detect, ld_read, FORMAT_PARALLEL, NULL, NULL };
