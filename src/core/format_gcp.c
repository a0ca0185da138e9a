/*
 * format_gcp.c - Google Cloud Audit Logs: Cloud Logging LogEntry objects
 * whose protoPayload is a google.cloud.audit.AuditLog, as JSON lines (a
 * log sink's export), a JSON array (gcloud logging read --format=json) or
 * the API's {"entries":[...]}. Actor authenticationInfo.principalEmail,
 * action methodName, target resourceName of kind resource.type,
 * environment the project. The first and last entries of one long-running
 * operation (operation.id + producer) become one event. SetIamPolicy's
 * binding deltas become before/after states of the bindings they touch.
 * Read methods are skipped unless --include-reads; entries that are not
 * audit logs (jsonPayload, textPayload, other payload types) are skipped;
 * both are counted on standard error.
 *
 * Cost: one strict parse per entry; memory holds the operations whose
 * other end has not been read yet.
 */
#include <stdlib.h>
#include <string.h>

#include "format_group.h"
#include "trailscope/format_util.h"
#include "trailscope/jcs.h"
#include "trailscope/util.h"

#define AUDITLOG_TYPE "type.googleapis.com/google.cloud.audit.AuditLog"

struct gcp {
	struct fmt_groups ops;
};

/* The last segment of a method name: "SetIamPolicy" for
 * "google.iam.admin.v1.SetIamPolicy", "get" for "storage.objects.get". */
static const char *method_verb(const char *method)
{
	const char *dot = strrchr(method, '.');

	return dot ? dot + 1 : method;
}

static int starts_with(const char *s, const char *prefix)
{
	return !strncmp(s, prefix, strlen(prefix));
}

static int is_read_method(const char *method)
{
	const char *v = method_verb(method);

	return starts_with(v, "Get") || starts_with(v, "List") || !strcmp(v, "get") ||
	       !strcmp(v, "list") || !strcmp(v, "TestIamPermissions") ||
	       !strcmp(v, "testIamPermissions") || !strcmp(v, "getIamPolicy");
}

static int is_delete_method(const char *method)
{
	const char *v = method_verb(method);

	return starts_with(v, "Delete") || !strcmp(v, "delete");
}

/* The members an entry is read from have their types when present. */
static int check_members(struct fmt_reader *r, const struct fmt_record *rec)
{
	static const struct {
		const char *path;
		json_type type;
	} members[] = {
		{ "logName", JSON_STRING }, { "insertId", JSON_STRING }, { "timestamp", JSON_STRING },
		{ "severity", JSON_STRING }, { "resource", JSON_OBJECT }, { "resource.type", JSON_STRING },
		{ "resource.labels", JSON_OBJECT }, { "operation", JSON_OBJECT },
		{ "operation.id", JSON_STRING }, { "operation.producer", JSON_STRING },
		{ "operation.first", JSON_TRUE }, { "operation.last", JSON_TRUE },
		{ "protoPayload", JSON_OBJECT }, { "protoPayload.@type", JSON_STRING },
		{ "protoPayload.methodName", JSON_STRING }, { "protoPayload.serviceName", JSON_STRING },
		{ "protoPayload.resourceName", JSON_STRING },
		{ "protoPayload.authenticationInfo", JSON_OBJECT },
		{ "protoPayload.authenticationInfo.principalEmail", JSON_STRING },
		{ "protoPayload.authenticationInfo.serviceAccountDelegationInfo", JSON_ARRAY },
		{ "protoPayload.status", JSON_OBJECT }, { "protoPayload.status.code", JSON_INTEGER },
		{ "protoPayload.status.message", JSON_STRING },
		{ "protoPayload.requestMetadata", JSON_OBJECT },
		{ "protoPayload.serviceData", JSON_OBJECT },
		{ "protoPayload.serviceData.policyDelta", JSON_OBJECT },
		{ "protoPayload.serviceData.policyDelta.bindingDeltas", JSON_ARRAY },
		{ "protoPayload.resourceOriginalState", JSON_OBJECT },
	};

	for (size_t i = 0; i < ARRAY_SIZE(members); i++) {
		const char *p = members[i].path, *dot;
		const json_t *v = rec->json;
		struct buf name = BUF_INIT;
		long long whole;
		int ok;

		while (v && (dot = strchr(p, '.')) && strncmp(p, "@type", 5)) {
			buf_reset(&name);
			buf_add(&name, p, (size_t)(dot - p));
			v = json_object_get(v, name.buf);
			p = dot + 1;
		}
		v = json_object_get(v, p);
		buf_release(&name);
		if (!v || json_is_null(v))
			continue;
		switch (members[i].type) {
		case JSON_TRUE:
			ok = json_is_boolean(v);
			break;
		case JSON_INTEGER:      /* numbers are read as doubles */
			ok = !json_whole_number(v, &whole);
			break;
		default:
			ok = json_typeof(v) == members[i].type;
		}
		if (!ok)
			return fmt_type_error(r, rec, members[i].path,
					      members[i].type == JSON_STRING ? "string" :
					      members[i].type == JSON_OBJECT ? "object" :
					      members[i].type == JSON_ARRAY ? "array" :
					      members[i].type == JSON_TRUE ? "boolean" : "integer");
	}
	return 1;
}

/* The project (or "organizations/O", "folders/F", "billingAccounts/B")
 * the entry belongs to. */
static char *environment_of(const json_t *j)
{
	const char *p = fmt_str_path(j, "resource", "labels", "project_id", (const char *)NULL);
	const char *log = fmt_str(j, "logName"), *slash;

	if (p && *p)
		return xstrdup(p);
	if (!log)
		return xstrdup("");
	if (starts_with(log, "projects/")) {
		log += 9;
		slash = strchr(log, '/');
		return slash ? xstrndup(log, (size_t)(slash - log)) : xstrdup(log);
	}
	if (starts_with(log, "organizations/") || starts_with(log, "folders/") ||
	    starts_with(log, "billingAccounts/")) {
		slash = strchr(strchr(log, '/') + 1, '/');
		return slash ? xstrndup(log, (size_t)(slash - log)) : xstrdup(log);
	}
	return xstrdup("");
}

/* "activity", "data_access", "system_event", "policy" from the log name. */
static void log_type(json_t *context, const char *log)
{
	const char *p = log ? strstr(log, "cloudaudit.googleapis.com%2F") : NULL;

	if (p)
		fmt_ctx_str(context, "log_type", p + 28);
}

static void read_actor(const json_t *pp, const json_t *other, struct event *ev)
{
	json_t *auth = json_object_get(pp, "authenticationInfo");
	json_t *deleg = json_object_get(auth, "serviceAccountDelegationInfo");
	const char *email = fmt_str(auth, "principalEmail");
	const char *subject = fmt_str(auth, "principalSubject");

	if ((!email || !*email) && other) {
		auth = json_object_get(other, "authenticationInfo");
		deleg = json_object_get(auth, "serviceAccountDelegationInfo");
		email = fmt_str(auth, "principalEmail");
		subject = fmt_str(auth, "principalSubject");
	}
	if (!json_array_size(deleg) && other)   /* often on the first entry only */
		deleg = json_object_get(json_object_get(other, "authenticationInfo"),
					"serviceAccountDelegationInfo");
	if (email && *email) {
		size_t n = strlen(email);

		ev->actor_id = xstrdup(email);
		if (n > 20 && !strcmp(email + n - 20, ".gserviceaccount.com"))
			ev->actor_type = xstrdup("service");
		else if (strchr(email, '@'))
			ev->actor_type = xstrdup("user");
		else
			ev->actor_type = xstrdup("unknown");
	} else if (subject && *subject) {
		ev->actor_id = xstrdup(subject);
		ev->actor_type = xstrdup(starts_with(subject, "serviceAccount:") ? "service" :
					 starts_with(subject, "user:") ? "user" : "unknown");
	} else {
		ev->actor_id = xstrdup("unknown");
		ev->actor_type = xstrdup("unknown");
	}
	if (json_array_size(deleg) > 0) {
		ev->actor_auth = xstrdup("delegation");
		fmt_ctx_json(ev->context, "delegation", deleg);
	} else if (fmt_str(auth, "serviceAccountKeyName")) {
		ev->actor_auth = xstrdup("service-account-key");
	}
	fmt_ctx_str(ev->context, "principal_subject", subject);
	fmt_ctx_str(ev->context, "service_account_key", fmt_str(auth, "serviceAccountKeyName"));
	fmt_ctx_json(ev->context, "authority_selector", json_object_get(auth, "authoritySelector"));
}

/* SetIamPolicy's binding deltas as states: {"bindings": {ROLE: [MEMBER,
 * ...]}} before and after, for the roles and members the delta touches.
 * Returns 1 when the deltas were usable. */
static int binding_states(const json_t *deltas, struct event *ev)
{
	json_t *before = json_object(), *after = json_object();
	json_t *bb = json_object(), *ab = json_object();
	size_t i;
	json_t *d;

	json_object_set_new(before, "bindings", bb);
	json_object_set_new(after, "bindings", ab);
	json_array_foreach(deltas, i, d) {
		const char *action = fmt_str(d, "action"), *role = fmt_str(d, "role");
		const char *member = fmt_str(d, "member");
		json_t *rb, *ra;

		if (!action || !role || !member || (strcmp(action, "ADD") && strcmp(action, "REMOVE"))) {
			json_decref(before);
			json_decref(after);
			return 0;
		}
		if (!(rb = json_object_get(bb, role))) {
			json_object_set_new(bb, role, rb = json_array());
			json_object_set_new(ab, role, ra = json_array());
		} else {
			ra = json_object_get(ab, role);
		}
		json_array_append_new(strcmp(action, "ADD") ? rb : ra, json_string(member));
	}
	ev->before = before;
	ev->after = after;
	ev->before_known = 1;
	fmt_ctx_str(ev->context, "state_from", "serviceData.policyDelta.bindingDeltas");
	return 1;
}

/* Builds the event of one entry, or of an operation's first and last
 * entries (either may be NULL, not both), and emits it. */
static int gcp_emit(struct fmt_reader *r, const struct fmt_record *first, const struct fmt_record *last)
{
	const struct fmt_record *fin = last ? last : first, *pos = first ? first : last;
	const json_t *j = fin->json, *oj = first && last ? first->json : NULL;
	json_t *pp = json_object_get(j, "protoPayload"), *opp = json_object_get(oj, "protoPayload");
	json_t *status = json_object_get(pp, "status"), *code = json_object_get(status, "code");
	json_t *req = json_object_get(first ? first->json : j, "protoPayload");
	json_t *meta = json_object_get(pp, "requestMetadata"), *deltas;
	const char *method = fmt_str(pp, "methodName"), *name = fmt_str(pp, "resourceName");
	const char *kind = fmt_str_path(j, "resource", "type", (const char *)NULL);
	const char *id = fmt_str(pos->json, "insertId");
	struct event *ev = fmt_event_new();
	struct buf err = BUF_INIT;

	req = json_object_get(req, "request");
	if (!meta && opp)
		meta = json_object_get(opp, "requestMetadata");
	if (!req && opp)
		req = json_object_get(pp, "request");
	if (fmt_time_iso(ev, fmt_str(j, "timestamp"), &err))
		return fmt_event_abandon(ev, &err, fmt_bad_at(r, fin, "timestamp", "\"timestamp\": %s", err.buf));
	buf_release(&err);
	ev->event_id = fmt_dup(id && *id ? id : NULL);
	ev->context = json_object();
	read_actor(pp, opp, ev);
	if ((!method || !*method) && opp)
		method = fmt_str(opp, "methodName");
	ev->action = xstrdup(method);
	if ((!name || !*name) && opp)
		name = fmt_str(opp, "resourceName");
	if (!kind && oj)
		kind = fmt_str_path(oj, "resource", "type", (const char *)NULL);
	ev->environment = environment_of(j);
	if (!*ev->environment && oj) {
		free(ev->environment);
		ev->environment = environment_of(oj);
	}
	ev->target_kind = xstrdup(kind && *kind ? kind : "unknown");
	if (name && *name) {
		ev->target_key = xstrdup(name);
	} else {
		const char *svc = fmt_str(pp, "serviceName");

		ev->target_key = xstrdup(svc && *svc ? svc : ev->environment);
	}

	fmt_ctx_str(ev->context, "service_name", fmt_str(pp, "serviceName"));
	fmt_ctx_str(ev->context, "log_name", fmt_str(j, "logName"));
	log_type(ev->context, fmt_str(j, "logName"));
	fmt_ctx_str(ev->context, "severity", fmt_str(j, "severity"));
	fmt_ctx_json(ev->context, "resource_labels", json_object_get(json_object_get(j, "resource"), "labels"));
	fmt_ctx_json(ev->context, "labels", json_object_get(j, "labels"));
	fmt_ctx_str(ev->context, "source_ip", fmt_str(meta, "callerIp"));
	fmt_ctx_str(ev->context, "user_agent", fmt_str(meta, "callerSuppliedUserAgent"));
	fmt_ctx_json(ev->context, "authorization_info", json_object_get(pp, "authorizationInfo"));
	fmt_ctx_json(ev->context, "request", req);
	fmt_ctx_json(ev->context, "response", json_object_get(pp, "response"));
	fmt_ctx_json(ev->context, "metadata", json_object_get(pp, "metadata"));
	fmt_ctx_json(ev->context, "service_data", json_object_get(pp, "serviceData"));
	fmt_ctx_json(ev->context, "resource_location", json_object_get(pp, "resourceLocation"));
	if (json_is_object(json_object_get(j, "operation"))) {
		json_t *op = json_object_get(j, "operation");

		fmt_ctx_json(ev->context, "operation", op);
		fmt_ctx_str(ev->context, "correlation_id", fmt_str(op, "id"));
		if (first && last)
			json_object_set_new(ev->context, "operation_merged", json_true());
		else if (first && !json_is_true(json_object_get(op, "last")))
			json_object_set_new(ev->context, "operation_unfinished", json_true());
	}
	if (is_read_method(method))
		json_object_set_new(ev->context, "read_only", json_true());

	if (json_is_number(code) && json_number_value(code) != 0) {
		char codebuf[32];

		snprintf(codebuf, sizeof(codebuf), "%.0f", json_number_value(code));
		json_object_set_new(ev->context, "failed", json_true());
		fmt_ctx_json(ev->context, "status", status);
		event_set_failure(ev, codebuf, fmt_str(status, "message"));
	} else if (json_is_array(deltas = json_object_get(json_object_get(json_object_get(pp, "serviceData"),
									  "policyDelta"), "bindingDeltas")) &&
		   binding_states(deltas, ev)) {
		/* states set */
	} else {
		json_t *orig = json_object_get(pp, "resourceOriginalState");

		if (!orig && opp)
			orig = json_object_get(opp, "resourceOriginalState");
		if (json_is_object(orig)) {
			ev->before = json_incref(orig);
			ev->before_known = 1;
		}
		/* a delete leaves nothing after it */
		if (!is_delete_method(method) && json_is_object(req)) {
			ev->after = json_copy(req);   /* shallow: without the type tag */
			json_object_del(ev->after, "@type");
			fmt_ctx_str(ev->context, "state_from", "request");
		}
	}

	if (first && last) {
		struct buf raw = BUF_INIT;

		buf_add(&raw, first->raw, first->raw_len);
		buf_addch(&raw, '\n');
		buf_add(&raw, last->raw, last->raw_len);
		ev->raw = buf_detach(&raw, &ev->raw_len);
	}
	return fmt_emit(r, pos, ev);
}

static int gcp_record(struct fmt_reader *r, const struct fmt_record *rec)
{
	struct gcp *g = r->data;
	json_t *j = rec->json, *pp, *op;
	const char *type, *method;
	int rc;

	if (!json_is_object(j))
		return fmt_bad(r, rec, "expected a Cloud Logging LogEntry object");
	if ((rc = check_members(r, rec)) <= 0)
		return rc;
	pp = json_object_get(j, "protoPayload");
	if (!json_is_object(pp)) {
		if (json_object_get(j, "jsonPayload") || json_object_get(j, "textPayload") ||
		    json_object_get(j, "logName")) {
			fmt_skip(r, SKIP_NOT_EVENT);
			return 0;
		}
		return fmt_bad(r, rec, "not a Cloud Logging entry (no \"protoPayload\", \"jsonPayload\", "
			       "\"textPayload\" or \"logName\")");
	}
	type = fmt_str(pp, "@type");
	if (!type || strcmp(type, AUDITLOG_TYPE)) {
		fmt_skip(r, SKIP_NOT_EVENT);
		return 0;
	}
	if (!fmt_str(j, "timestamp"))
		return fmt_bad(r, rec, "missing \"timestamp\"");
	method = fmt_str(pp, "methodName");
	if (!method || !*method)
		return fmt_bad(r, rec, "missing \"protoPayload.methodName\"");
	if (!r->opt->include_reads && is_read_method(method)) {
		fmt_skip(r, SKIP_READ);
		return 0;
	}
	op = json_object_get(j, "operation");
	if (json_is_object(op) && fmt_str(op, "id") && *fmt_str(op, "id")) {
		int is_first = json_is_true(json_object_get(op, "first"));
		int is_last = json_is_true(json_object_get(op, "last"));
		const char *producer = fmt_str(op, "producer");
		struct fmt_group *grp;
		struct buf key = BUF_INIT;

		if (is_first && is_last)
			return gcp_emit(r, rec, NULL);
		buf_addf(&key, "%s\n%s", producer ? producer : "", fmt_str(op, "id"));
		grp = fmt_group_get(&g->ops, key.buf);
		buf_release(&key);
		if (grp->done)
			return 0;       /* the operation's event is already out */
		if (is_last && grp->first.set == 1) {
			rc = gcp_emit(r, &grp->first.rec, rec);
		} else if (is_first && grp->last.set) {
			rc = gcp_emit(r, rec, &grp->last.rec);
		} else {
			if (is_last && !grp->last.set)
				fmt_held_set(&grp->last, rec);
			else if (is_first || !grp->first.set) {
				/* a first entry, or a middle one standing in for it */
				fmt_held_set(&grp->first, rec);
				grp->first.set = is_first ? 1 : 2;
			}
			return 0;
		}
		grp->done = 1;
		fmt_held_clear(&grp->first);
		fmt_held_clear(&grp->last);
		return rc;
	}
	return gcp_emit(r, rec, NULL);
}

/* Operations whose other end never came: each alone, in the order read. */
static int gcp_finish(struct fmt_reader *r)
{
	struct gcp *g = r->data;

	return fmt_groups_flush(&g->ops, r, gcp_emit);
}

static int gcp_detect(const char *head, size_t len)
{
	(void)len;
	if (strstr(head, "google.cloud.audit.AuditLog"))
		return 90;
	if (fmt_head_has_key(head, "protoPayload") && fmt_head_has_key(head, "insertId"))
		return 85;
	if (fmt_head_has_key(head, "logName") && fmt_head_has_key(head, "insertId") &&
	    (fmt_head_has_key(head, "jsonPayload") || fmt_head_has_key(head, "textPayload")))
		return 80;
	return 0;
}

static int gcp_read(FILE *f, const char *file, const struct format_options *opt,
		    struct record_sink *sink)
{
	static const char *const wrappers[] = { "entries", NULL };
	struct gcp g = { 0 };
	struct fmt_reader r = {
		.format = "gcp", .file = file, .opt = opt, .sink = sink, .wrappers = wrappers,
		.record = gcp_record, .finish = gcp_finish, .data = &g,
	};
	int rc = fmt_read(&r, f);

	fmt_groups_release(&g.ops);
	return rc;
}

const struct format_ops format_gcp = { "gcp", gcp_detect, gcp_read, FORMAT_PARALLEL, NULL, NULL };
