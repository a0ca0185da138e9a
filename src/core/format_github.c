/*
 * format_github.c - the GitHub audit log of an organisation or an
 * enterprise, as exported (a JSON array) or streamed (JSON lines), and as
 * the REST API returns it. Actor "actor" (bots are services), action
 * "action" ("repo.create"), target from repo/team/user/org chosen by the
 * action's prefix (target_of below), environment the organisation (or the
 * enterprise). GitHub records done actions: every event is a success.
 * old_X / X_was members and a "changes" object give per-field states
 * before and after; without them the state is not recorded. Events with
 * operation_type "access" are reads, skipped unless --include-reads.
 *
 * Cost: one strict parse per record.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "trailscope/format_util.h"
#include "trailscope/jcs.h"
#include "trailscope/util.h"

static int is_bot(const char *actor)
{
	size_t n = strlen(actor);

	return (n > 5 && !strcmp(actor + n - 5, "[bot]")) || !strcmp(actor, "github-actions") ||
	       !strcmp(actor, "dependabot") || !strcmp(actor, "github");
}

/* A string member, or an array of strings joined with ","; NULL when
 * absent or empty. The result is a new string. */
static char *str_or_list(const json_t *rec, const char *name)
{
	json_t *v = json_object_get(rec, name), *item;
	struct buf b = BUF_INIT;
	size_t i;

	if (json_is_string(v))
		return *json_string_value(v) ? xstrdup(json_string_value(v)) : NULL;
	json_array_foreach(v, i, item) {
		if (b.len)
			buf_addch(&b, ',');
		buf_addstr(&b, json_string_value(item));
	}
	if (!b.len)
		return NULL;
	return buf_detach(&b, NULL);
}

static const char *nonempty(const json_t *rec, const char *name)
{
	const char *s = fmt_str(rec, name);

	return s && *s ? s : NULL;
}

/* The target: its kind is the action's prefix ("protected_branch" for
 * "protected_branch.update"), its key
 *   protected_branch: REPO:NAME (the branch or pattern);
 *   team: the team ("org/team");
 *   org: ORG/USER when a user is named, else ORG;
 *   business: BUSINESS/USER when a user is named, else BUSINESS;
 *   anything else: the first of repo, team, user, org, business. */
static void target_of(const json_t *rec, const char *action, const char *org, struct event *ev)
{
	const char *dot = strchr(action, '.'), *repo = nonempty(rec, "repo"), *user = nonempty(rec, "user");
	const char *team = nonempty(rec, "team"), *biz = nonempty(rec, "business"), *name = nonempty(rec, "name");
	const char *key = NULL;
	struct buf b = BUF_INIT;
	char *kind = dot ? xstrndup(action, (size_t)(dot - action)) : xstrdup(action);

	if (!strcmp(kind, "protected_branch") && repo && name) {
		buf_addf(&b, "%s:%s", repo, name);
	} else if (!strcmp(kind, "team") && team) {
		key = team;
	} else if (!strcmp(kind, "org") && org) {
		buf_addstr(&b, org);
		if (user)
			buf_addf(&b, "/%s", user);
	} else if (!strcmp(kind, "business") && biz) {
		buf_addstr(&b, biz);
		if (user)
			buf_addf(&b, "/%s", user);
	} else if (!(key = repo) && !(key = team) && !(key = user) && !(key = org) && !(key = biz)) {
		key = "unknown";
	}
	if (key)
		buf_addstr(&b, key);
	ev->target_kind = kind;
	ev->target_key = buf_detach(&b, NULL);
}

/* The member a before-value names: "permission" for "old_permission",
 * "active" for "active_was", "events" for "events_were"; NULL otherwise.
 * The result is a new string. */
static char *changed_field(const char *key)
{
	size_t n = strlen(key);

	if (n > 4 && !strncmp(key, "old_", 4))
		return xstrdup(key + 4);
	if (n > 4 && !strcmp(key + n - 4, "_was"))
		return xstrndup(key, n - 4);
	if (n > 5 && !strcmp(key + n - 5, "_were"))
		return xstrndup(key, n - 5);
	return NULL;
}

/* The new value of field: the member of that name; for "name", the repo
 * or team when the record has no "name" (a rename names the new one). */
static json_t *new_value(const json_t *rec, const char *field)
{
	json_t *v = json_object_get(rec, field);

	if (!v && !strcmp(field, "name") && !(v = json_object_get(rec, "repo")))
		v = json_object_get(rec, "team");
	return v;
}

/* The states, from old_X / X_was pairs and a "changes" object whose
 * members are {"from": old[, "to": new]}. A before-value whose new value
 * the record does not hold goes to context.old_values. */
static void read_states(const json_t *rec, struct event *ev)
{
	json_t *changes = json_object_get(rec, "changes"), *v, *orphans = json_object();
	const char *key;

	ev->before = json_object();
	ev->after = json_object();
	json_object_foreach((json_t *)rec, key, v) {
		char *field = changed_field(key);
		json_t *nv;

		if (!field)
			continue;
		if ((nv = new_value(rec, field))) {
			json_object_set(ev->before, field, v);
			json_object_set(ev->after, field, nv);
		} else {
			json_object_set(orphans, key, v);
		}
		free(field);
	}
	json_object_foreach(changes, key, v) {
		json_t *from = json_object_get(v, "from"), *to = json_object_get(v, "to");

		if (!json_is_object(v) || !from)
			continue;
		if (!to)
			to = json_object_get(rec, key);
		if (to) {
			json_object_set(ev->before, key, from);
			json_object_set(ev->after, key, to);
		} else {
			json_object_set(orphans, key, from);
		}
	}
	if (json_object_size(orphans))
		json_object_set(ev->context, "old_values", orphans);
	json_decref(orphans);
	if (!json_object_size(ev->before)) {
		json_decref(ev->before);
		json_decref(ev->after);
		ev->before = ev->after = NULL;
		ev->before_known = 0;   /* the state is not recorded */
		return;
	}
	ev->before_known = 1;
}

/* The members an event is read from have their types when present. */
static int check_members(struct fmt_reader *r, const struct fmt_record *rec)
{
	static const char *const strings[] = {
		"_document_id", "actor", "action", "repo", "user", "team", "business", "name",
		"user_agent", "operation_type", "programmatic_access_type", "hashed_token", "actor_ip",
		NULL,
	};
	static const char *const times[] = { "@timestamp", "created_at", NULL };
	json_t *j = rec->json, *v, *item;
	size_t i;

	for (const char *const *m = strings; *m; m++)
		if ((v = json_object_get(j, *m)) && !json_is_string(v) && !json_is_null(v))
			return fmt_type_error(r, rec, *m, "string");
	for (const char *const *m = times; *m; m++)
		if ((v = json_object_get(j, *m)) && !json_is_string(v) && !json_is_number(v) &&
		    !json_is_null(v))
			return fmt_type_error(r, rec, *m, "number");
	if ((v = json_object_get(j, "org")) && !json_is_string(v) && !json_is_array(v) && !json_is_null(v))
		return fmt_type_error(r, rec, "org", "string");
	json_array_foreach(v, i, item)
		if (!json_is_string(item))
			return fmt_bad_at(r, rec, "org", "expected strings in \"org\" (item %zu)", i);
	if ((v = json_object_get(j, "actor_location")) && !json_is_object(v) && !json_is_null(v))
		return fmt_type_error(r, rec, "actor_location", "object");
	if ((v = json_object_get(v, "country_code")) && !json_is_string(v) && !json_is_null(v))
		return fmt_type_error(r, rec, "actor_location.country_code", "string");
	if ((v = json_object_get(j, "changes")) && !json_is_object(v) && !json_is_null(v))
		return fmt_type_error(r, rec, "changes", "object");
	return 1;
}

/* Sets ev's time from "@timestamp" or "created_at": milliseconds since
 * the epoch (a number or a string of digits), or RFC 3339 text. */
static int read_time(struct fmt_reader *r, const struct fmt_record *rec, struct event *ev)
{
	const char *member = "@timestamp";
	json_t *v = json_object_get(rec->json, member);
	struct buf err = BUF_INIT;
	int rc = 0;

	if (!v || json_is_null(v))
		v = json_object_get(rec->json, member = "created_at");
	if (!v || json_is_null(v))
		return fmt_bad(r, rec, "not a GitHub audit event (missing \"@timestamp\" or \"created_at\")");
	if (json_is_string(v) && strspn(json_string_value(v), "0123456789") != json_string_length(v))
		rc = fmt_time_iso(ev, json_string_value(v), &err);
	else
		rc = fmt_time_epoch(ev, v, 1000, &err);
	if (rc)
		rc = fmt_bad_at(r, rec, member, "\"%s\": %s", member, err.buf);
	else
		rc = 1;
	buf_release(&err);
	return rc;
}

static int gh_record(struct fmt_reader *r, const struct fmt_record *rec)
{
	json_t *j = rec->json;
	const char *action, *actor, *op;
	struct event *ev;
	char *org;
	int rc;

	if (!json_is_object(j))
		return fmt_bad(r, rec, "expected a GitHub audit event object");
	if ((rc = check_members(r, rec)) <= 0)
		return rc;
	if (!(action = nonempty(j, "action")))
		return fmt_bad(r, rec, "missing \"action\"");
	op = fmt_str(j, "operation_type");
	if (op && !strcmp(op, "access") && !r->opt->include_reads) {
		fmt_skip(r, SKIP_READ);
		return 0;
	}
	ev = fmt_event_new();
	if ((rc = read_time(r, rec, ev)) <= 0) {
		event_release(ev);
		free(ev);
		return rc;
	}
	ev->event_id = fmt_dup(nonempty(j, "_document_id"));
	actor = nonempty(j, "actor");
	ev->actor_id = xstrdup(actor ? actor : "unknown");
	ev->actor_type = xstrdup(!actor ? "unknown" : is_bot(actor) ? "service" : "user");
	ev->action = xstrdup(action);
	org = str_or_list(j, "org");
	target_of(j, action, org, ev);
	if (org)
		ev->environment = org;
	else
		ev->environment = xstrdup(nonempty(j, "business") ? nonempty(j, "business") : "");

	ev->context = json_object();
	fmt_ctx_str(ev->context, "country_code",
		    fmt_str_path(j, "actor_location", "country_code", (const char *)NULL));
	fmt_ctx_str(ev->context, "user_agent", fmt_str(j, "user_agent"));
	fmt_ctx_str(ev->context, "operation_type", op);
	fmt_ctx_str(ev->context, "programmatic_access_type", fmt_str(j, "programmatic_access_type"));
	fmt_ctx_str(ev->context, "hashed_token", fmt_str(j, "hashed_token"));
	fmt_ctx_json(ev->context, "token_id", json_object_get(j, "token_id"));
	fmt_ctx_str(ev->context, "source_ip", fmt_str(j, "actor_ip"));
	fmt_ctx_str(ev->context, "user", fmt_str(j, "user"));
	fmt_ctx_str(ev->context, "business", fmt_str(j, "business"));
	if (op && !strcmp(op, "access"))
		json_object_set_new(ev->context, "read_only", json_true());
	read_states(j, ev);
	return fmt_emit(r, rec, ev);
}

static int gh_detect(const char *head, size_t len)
{
	(void)len;
	if (!fmt_head_has_key(head, "action"))
		return 0;
	if (fmt_head_has_key(head, "_document_id"))
		return 90;
	if (fmt_head_has_key(head, "@timestamp") && fmt_head_has_key(head, "actor"))
		return 85;
	if (fmt_head_has_key(head, "created_at") && fmt_head_has_key(head, "actor") &&
	    (fmt_head_has_key(head, "actor_location") || fmt_head_has_key(head, "operation_type")))
		return 80;
	return 0;
}

static int gh_read(FILE *f, const char *file, const struct format_options *opt,
		   struct record_sink *sink)
{
	struct fmt_reader r = {
		.format = "github", .file = file, .opt = opt, .sink = sink, .record = gh_record,
	};
	return fmt_read(&r, f);
}

const struct format_ops format_github = { "github", gh_detect, gh_read, FORMAT_PARALLEL, NULL, NULL };
