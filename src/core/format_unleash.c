/*
 * format_unleash.c - Unleash event log: exports and API answers
 * ({"events":[...]}, or an array), and JSON lines of events. Each event
 * has id, createdAt, type, createdBy, and for flags featureName, project,
 * environment; preData and data are the states before and after. Flag
 * enable/disable events carry no data: they become {"enabled": bool}
 * after, with the state before unknown.
 *
 * Cost: one strict parse per event.
 */
#include <stdlib.h>
#include <string.h>

#include "trailscope/format_util.h"
#include "trailscope/jcs.h"
#include "trailscope/util.h"

static int ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && !strcmp(s + n - m, suffix);
}

/* Target of an event that is not about a flag: the type's first word
 * ("segment-created" → segment) and the object's name or id. */
static void other_target(struct event *ev, const struct fmt_record *rec, const char *type)
{
	const json_t *e = rec->json;
	const char *dash = strchr(type, '-');
	json_t *data = json_object_get(e, "data"), *pre = json_object_get(e, "preData");
	json_t *key = NULL;
	const char *names[] = { "name", "key", "id", "username", "email", NULL };

	ev->target_kind = dash ? xstrndup(type, (size_t)(dash - type)) : xstrdup(type);
	for (const char **n = names; *n && !key; n++) {
		json_t *v = json_object_get(data, *n);

		if (!v || json_is_null(v))
			v = json_object_get(pre, *n);
		if (json_is_string(v) || json_is_number(v))
			key = v;
	}
	if (json_is_string(key) && *json_string_value(key)) {
		ev->target_key = xstrdup(json_string_value(key));
	} else if (json_is_number(key)) {
		struct buf b = BUF_INIT;

		/* its digits as written, not through a double */
		if (jcs_number_text(e, rec->raw, rec->raw_len, key, &b))
			json_append(&b, key);
		ev->target_key = buf_detach(&b, NULL);
	} else {
		const char *project = fmt_str(e, "project");

		ev->target_key = xstrdup(project && *project ? project : type);
	}
}

/* The members an event is read from have their types when present: a
 * wrong one is an error at its value, never a silent fallback. */
static int check_members(struct fmt_reader *r, const struct fmt_record *rec)
{
	static const struct {
		const char *name;
		json_type type;
	} members[] = {
		{ "type", JSON_STRING }, { "createdAt", JSON_STRING }, { "createdBy", JSON_STRING },
		{ "featureName", JSON_STRING }, { "project", JSON_STRING }, { "environment", JSON_STRING },
		{ "createdByUserId", JSON_REAL }, { "tags", JSON_ARRAY }, { "ip", JSON_STRING },
		{ "label", JSON_STRING }, { "summary", JSON_STRING },
	};

	for (size_t i = 0; i < ARRAY_SIZE(members); i++) {
		json_t *v = json_object_get(rec->json, members[i].name);
		json_type t = members[i].type;

		if (!v || json_is_null(v) || json_typeof(v) == t || (t == JSON_REAL && json_is_number(v)))
			continue;
		return fmt_type_error(r, rec, members[i].name,
				      t == JSON_STRING ? "string" : t == JSON_ARRAY ? "array" : "number");
	}
	{
		json_t *id = json_object_get(rec->json, "id");

		if (id && !json_is_null(id) && !json_is_number(id) && !json_is_string(id))
			return fmt_type_error(r, rec, "id", "integer or string");
		if (json_is_string(id) && !*json_string_value(id))
			return fmt_bad_at(r, rec, "id", "empty \"id\"");
	}
	return 1;
}

static int unleash_record(struct fmt_reader *r, const struct fmt_record *rec)
{
	json_t *e = rec->json, *id = json_object_get(e, "id"), *uid = json_object_get(e, "createdByUserId");
	json_t *pre, *data;
	const char *type = fmt_str(e, "type"), *by = fmt_str(e, "createdBy");
	const char *flag = fmt_str(e, "featureName"), *time = fmt_str(e, "createdAt");
	struct buf b = BUF_INIT, err = BUF_INIT;
	struct event *ev;
	int rc;

	if (!json_is_object(e))
		return fmt_bad(r, rec, "expected an Unleash event object");
	if ((rc = check_members(r, rec)) <= 0)
		return rc;
	if (!type || !*type)
		return fmt_bad(r, rec, "not an Unleash event (missing \"type\")");
	if (!time)
		return fmt_bad(r, rec, "missing \"createdAt\"");
	if (json_is_number(id) && (jcs_number_text(e, rec->raw, rec->raw_len, id, &b) ||
				   strspn(b.buf, "0123456789") != b.len)) {
		buf_release(&b);
		return fmt_bad_at(r, rec, "id", "expected an integer for \"id\"");
	}
	buf_reset(&b);
	ev = fmt_event_new();
	ev->context = json_object();
	if (fmt_time_iso(ev, time, &err)) {
		buf_release(&b);
		return fmt_event_abandon(ev, &err, fmt_bad_at(r, rec, "createdAt", "\"createdAt\": %s", err.buf));
	}
	if (id && !json_is_null(id)) {
		/* the id's digits as written: exact, however large */
		buf_addstr(&b, "unleash:");
		if (json_is_string(id))
			buf_addstr(&b, json_string_value(id));
		else
			jcs_number_text(e, rec->raw, rec->raw_len, id, &b);
		ev->event_id = buf_detach(&b, NULL);
	}
	ev->actor_id = xstrdup(by && *by ? by : "unknown");
	if (json_is_number(uid) && json_number_value(uid) < 0)
		ev->actor_type = xstrdup("service");
	else
		ev->actor_type = xstrdup(by && *by && strcmp(by, "unknown") ? "user" : "unknown");
	ev->action = xstrdup(type);
	if (flag && *flag) {
		ev->target_kind = xstrdup("flag");
		ev->target_key = xstrdup(flag);
	} else {
		other_target(ev, rec, type);
	}
	ev->environment = xstrdup(fmt_str(e, "environment") ? fmt_str(e, "environment") : "");

	pre = json_object_get(e, "preData");
	data = json_object_get(e, "data");
	if ((!data || json_is_null(data)) &&
	    (!strcmp(type, "feature-environment-enabled") || !strcmp(type, "feature-environment-disabled"))) {
		ev->after = json_pack("{s:b}", "enabled", !strcmp(type, "feature-environment-enabled"));
		ev->before_known = 0;
		json_object_set_new(ev->context, "state_from", json_string("type"));
	} else {
		if (pre && !json_is_null(pre)) {
			ev->before_known = 1;
			ev->before = json_incref(pre);
		} else if (ends_with(type, "-created") || ends_with(type, "-added") || ends_with(type, "-imported")) {
			ev->before_known = 1;
		}
		ev->after = data && !json_is_null(data) ? json_incref(data) : NULL;
	}
	fmt_ctx_str(ev->context, "project", fmt_str(e, "project"));
	fmt_ctx_json(ev->context, "created_by_user_id", uid);
	fmt_ctx_str(ev->context, "source_ip", fmt_str(e, "ip"));
	fmt_ctx_json(ev->context, "tags", json_array_size(json_object_get(e, "tags")) ?
		     json_object_get(e, "tags") : NULL);
	fmt_ctx_str(ev->context, "label", fmt_str(e, "label"));
	fmt_ctx_str(ev->context, "summary", fmt_str(e, "summary"));
	buf_release(&b);
	buf_release(&err);
	return fmt_emit(r, rec, ev);
}

static int unleash_detect(const char *head, size_t len)
{
	(void)len;
	if (fmt_head_has_key(head, "createdBy") && fmt_head_has_key(head, "type") &&
	    (fmt_head_has_key(head, "featureName") || fmt_head_has_key(head, "events") ||
	     fmt_head_has_key(head, "preData")))
		return 85;
	return 0;
}

static int unleash_read(FILE *f, const char *file, const struct format_options *opt,
			struct record_sink *sink)
{
	static const char *const wrappers[] = { "events", NULL };
	struct fmt_reader r = {
		.format = "unleash", .file = file, .opt = opt, .sink = sink,
		.wrappers = wrappers, .record = unleash_record,
	};

	return fmt_read(&r, f);
}

const struct format_ops format_unleash = { "unleash", unleash_detect, unleash_read, FORMAT_PARALLEL, NULL, NULL };
