/*
 * format_azure.c - the Azure Activity Log: a diagnostic-settings export
 * to storage ({"records":[...]} documents, also one per line, or JSON
 * lines of records), and the REST API's {"value":[...]} pages with their
 * camelCase members (operationName, status, category as {value,
 * localizedValue} objects). Actor caller (claims for the display name),
 * action operationName, target resourceId of kind the resource type,
 * environment the subscription, outcome status/resultType. The begin
 * (Started, Accepted) and final (Succeeded, Failed, Canceled) events of
 * one operation (correlationId + operationName + resourceId) become one
 * event. "*\/read" operations are skipped unless --include-reads (counted
 * on standard error).
 *
 * Cost: one strict parse per record (two for a {"records":[...]} line);
 * memory holds the begun operations not yet finished and one key per
 * finished operation.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "format_group.h"
#include "trailscope/format_util.h"
#include "trailscope/util.h"

#define CLAIM_UPN "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn"
#define CLAIM_NAME "name"
#define CLAIM_GIVEN "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/givenname"
#define CLAIM_SURNAME "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/surname"
#define CLAIM_OID "http://schemas.microsoft.com/identity/claims/objectidentifier"
#define CLAIM_AMR "http://schemas.microsoft.com/claims/authnmethodsreferences"

struct azure {
	struct fmt_groups ops;
};

enum phase { PHASE_OTHER, PHASE_BEGIN, PHASE_FINAL };

/* A member that is a string in exports and {"value": ...} in the REST API. */
static const char *value_of(const json_t *obj, const char *name)
{
	json_t *v = json_object_get(obj, name);

	if (json_is_object(v))
		return fmt_str(v, "value");
	return json_string_value(v);
}

static int ieq(const char *a, const char *b)
{
	return a && !strcasecmp(a, b);
}

static const char *status_of(const json_t *j)
{
	const char *s = value_of(j, "status");

	return s && *s ? s : fmt_str(j, "resultType");
}

static enum phase phase_of(const char *status)
{
	if (ieq(status, "Started") || ieq(status, "Start") || ieq(status, "Accepted") ||
	    ieq(status, "Accept"))
		return PHASE_BEGIN;
	if (ieq(status, "Succeeded") || ieq(status, "Success") || ieq(status, "Failed") ||
	    ieq(status, "Failure") || ieq(status, "Canceled") || ieq(status, "Cancelled"))
		return PHASE_FINAL;
	return PHASE_OTHER;
}

static int is_failed(const char *status)
{
	return ieq(status, "Failed") || ieq(status, "Failure") || ieq(status, "Canceled") ||
	       ieq(status, "Cancelled");
}

static int is_read_operation(const char *op)
{
	size_t n = op ? strlen(op) : 0;

	return n >= 5 && !strcasecmp(op + n - 5, "/read");
}

/* 8-4-4-4-12 hexadecimal digits. */
static int is_guid(const char *s)
{
	static const int groups[] = { 8, 4, 4, 4, 12 };

	for (size_t g = 0; g < ARRAY_SIZE(groups); g++) {
		for (int i = 0; i < groups[g]; i++, s++)
			if (!isxdigit((unsigned char)*s))
				return 0;
		if (g + 1 < ARRAY_SIZE(groups) && *s++ != '-')
			return 0;
	}
	return *s == '\0';
}

/* The resource type of a resource id: "Microsoft.Compute/virtualMachines"
 * for .../providers/Microsoft.Compute/virtualMachines/vm1, nested types
 * joined (".../servers/s1/databases/db1" -> "Microsoft.Sql/servers/databases");
 * "resourceGroups" or "subscriptions" for those scopes. */
static char *kind_of(const char *id)
{
	struct buf b = BUF_INIT;
	const char *p = NULL, *q, *seg;
	size_t i;

	for (q = id; (q = strcasestr(q, "/providers/")); q++)
		p = q;
	if (p) {
		p += 11;
		q = strchr(p, '/');
		if (!q)
			return xstrdup(p);
		buf_add(&b, p, (size_t)(q - p));   /* the namespace */
		/* then type/name pairs: keep the types */
		for (i = 0, seg = q + 1; *seg; i++) {
			const char *end = strchr(seg, '/');
			size_t n = end ? (size_t)(end - seg) : strlen(seg);

			if (i % 2 == 0) {
				buf_addch(&b, '/');
				buf_add(&b, seg, n);
			}
			seg += n + (end ? 1 : 0);
		}
		return buf_detach(&b, NULL);
	}
	if (strcasestr(id, "/resourceGroups/"))
		return xstrdup("resourceGroups");
	if (strcasestr(id, "/subscriptions/"))
		return xstrdup("subscriptions");
	return xstrdup("unknown");
}

/* The subscription: subscriptionId, else the /subscriptions/ID/ segment. */
static char *subscription_of(const json_t *j)
{
	const char *s = fmt_str(j, "subscriptionId"), *id = fmt_str(j, "resourceId"), *p, *e;

	if (s && *s)
		return xstrdup(s);
	if (id && (p = strcasestr(id, "/subscriptions/"))) {
		p += 15;
		e = strchr(p, '/');
		return e ? xstrndup(p, (size_t)(e - p)) : xstrdup(p);
	}
	return xstrdup("");
}

static json_t *claims_of(const json_t *j)
{
	json_t *c = json_object_get(j, "claims");

	return json_is_object(c) ? c : json_object_get(json_object_get(j, "identity"), "claims");
}

static void read_actor(const json_t *j, struct event *ev)
{
	json_t *claims = claims_of(j);
	const char *caller = fmt_str(j, "caller"), *name = fmt_str(claims, CLAIM_NAME);
	const char *given = fmt_str(claims, CLAIM_GIVEN), *sur = fmt_str(claims, CLAIM_SURNAME);
	const char *amr = fmt_str(claims, CLAIM_AMR), *idtyp = fmt_str(claims, "idtyp");
	const char *category = value_of(j, "category");

	if (!caller || !*caller)
		caller = fmt_str(claims, CLAIM_UPN);
	if (!caller || !*caller)
		caller = fmt_str(claims, "appid");
	if (!caller || !*caller)
		caller = fmt_str(claims, CLAIM_OID);
	if (caller && *caller) {
		ev->actor_id = xstrdup(caller);
		if (ieq(idtyp, "app") || is_guid(caller))
			ev->actor_type = xstrdup("service");
		else if (ieq(idtyp, "user") || strchr(caller, '@'))
			ev->actor_type = xstrdup("user");
		else
			ev->actor_type = xstrdup("unknown");
	} else if (category && *category && strcasecmp(category, "Administrative")) {
		/* platform events (service health, autoscale, ...) name no caller */
		struct buf b = BUF_INIT;

		buf_addf(&b, "azure:%s", category);
		ev->actor_id = buf_detach(&b, NULL);
		ev->actor_type = xstrdup("service");
	} else {
		ev->actor_id = xstrdup("unknown");
		ev->actor_type = xstrdup("unknown");
	}
	if (name && *name) {
		ev->actor_name = xstrdup(name);
	} else if (given && *given) {
		struct buf b = BUF_INIT;

		buf_addstr(&b, given);
		if (sur && *sur)
			buf_addf(&b, " %s", sur);
		ev->actor_name = buf_detach(&b, NULL);
	}
	if (amr && strstr(amr, "mfa"))
		ev->actor_auth = xstrdup("mfa");
	fmt_ctx_json(ev->context, "claims", claims);
}

/* The failure code and message: subStatus (else resultSignature, else
 * properties.statusCode), and the error inside properties.statusMessage
 * (a JSON text) or that text itself. */
static void read_failure(const json_t *j, struct event *ev)
{
	json_t *props = json_object_get(j, "properties"), *parsed = NULL;
	const char *code = value_of(j, "subStatus"), *msg = fmt_str(props, "statusMessage");
	const char *inner_code = NULL, *inner_msg = NULL;

	if (!code || !*code)
		code = fmt_str(j, "resultSignature");
	if (!code || !*code)
		code = fmt_str(props, "statusCode");
	if (msg && *msg == '{' && (parsed = json_loads(msg, 0, NULL))) {
		json_t *err = json_object_get(parsed, "error");

		inner_code = fmt_str(err, "code");
		inner_msg = fmt_str(err, "message");
		if (inner_code)
			fmt_ctx_str(ev->context, "error_code", inner_code);
	}
	if ((!code || !*code) && inner_code)
		code = inner_code;
	if (!code || !*code)
		code = status_of(j);
	json_object_set_new(ev->context, "failed", json_true());
	event_set_failure(ev, code, inner_msg ? inner_msg : msg);
	json_decref(parsed);
}

/* Builds the event of one record, or of an operation's begin and final
 * records (begin may be NULL), and emits it. */
static int az_emit(struct fmt_reader *r, const struct fmt_record *begin, const struct fmt_record *rec)
{
	const json_t *j = rec->json;
	json_t *props = json_object_get(j, "properties"), *http = json_object_get(j, "httpRequest");
	const char *t = fmt_str(j, "eventTimestamp"), *op = value_of(j, "operationName");
	const char *id = fmt_str(j, "eventDataId"), *res = fmt_str(j, "resourceId");
	const char *status = status_of(j), *ip = fmt_str(j, "callerIpAddress");
	struct event *ev = fmt_event_new();
	struct buf err = BUF_INIT;

	if (!t || !*t)
		t = fmt_str(j, "time");
	if (fmt_time_iso(ev, t, &err))
		return fmt_event_abandon(ev, &err, fmt_bad_at(r, rec, fmt_str(j, "eventTimestamp") ?
							      "eventTimestamp" : "time", "bad time: %s", err.buf));
	buf_release(&err);
	/* the final record's id (kept when its begin was read first) */
	ev->event_id = fmt_dup(id && *id ? id : NULL);
	if (!ev->event_id)
		event_derive_id(ev, rec->json, rec->raw, rec->raw_len);
	ev->context = json_object();
	/* a final record without a caller: the begin's */
	read_actor(begin && !fmt_str(j, "caller") && !claims_of(j) ? begin->json : j, ev);
	ev->action = xstrdup(op);
	ev->target_kind = res && *res ? kind_of(res) : xstrdup("subscriptions");
	ev->environment = subscription_of(j);
	if (res && *res) {
		ev->target_key = xstrdup(res);
	} else {
		struct buf b = BUF_INIT;

		buf_addf(&b, "/subscriptions/%s", ev->environment);
		ev->target_key = buf_detach(&b, NULL);
	}

	fmt_ctx_str(ev->context, "correlation_id", fmt_str(j, "correlationId"));
	fmt_ctx_str(ev->context, "operation_id", fmt_str(j, "operationId"));
	fmt_ctx_str(ev->context, "category", value_of(j, "category"));
	fmt_ctx_str(ev->context, "level", fmt_str(j, "level"));
	fmt_ctx_str(ev->context, "status", status);
	fmt_ctx_str(ev->context, "sub_status", value_of(j, "subStatus"));
	fmt_ctx_str(ev->context, "result_signature", fmt_str(j, "resultSignature"));
	fmt_ctx_str(ev->context, "operation_display", fmt_str(json_object_get(j, "operationName"),
							       "localizedValue"));
	fmt_ctx_str(ev->context, "resource_group", fmt_str(j, "resourceGroupName"));
	if (!ip || !*ip)
		ip = fmt_str(http, "clientIpAddress");
	fmt_ctx_str(ev->context, "source_ip", ip);
	fmt_ctx_json(ev->context, "authorization", json_object_get(j, "authorization"));
	if (!json_object_get(j, "authorization"))
		fmt_ctx_json(ev->context, "authorization",
			     json_object_get(json_object_get(j, "identity"), "authorization"));
	fmt_ctx_json(ev->context, "http_request", http);
	fmt_ctx_json(ev->context, "properties", props);
	if (begin) {
		json_object_set_new(ev->context, "operation_merged", json_true());
		fmt_ctx_str(ev->context, "begin_status", status_of(begin->json));
		fmt_ctx_str(ev->context, "begin_time", fmt_str(begin->json, "eventTimestamp") ?
			    fmt_str(begin->json, "eventTimestamp") : fmt_str(begin->json, "time"));
	}
	if (is_read_operation(op))
		json_object_set_new(ev->context, "read_only", json_true());
	if (is_failed(status))
		read_failure(j, ev);
	/* the Activity Log records no resource state */
	ev->before_known = 0;
	if (begin) {
		struct buf raw = BUF_INIT;

		buf_add(&raw, begin->raw, begin->raw_len);
		buf_addch(&raw, '\n');
		buf_add(&raw, rec->raw, rec->raw_len);
		ev->raw = buf_detach(&raw, &ev->raw_len);
	}
	return fmt_emit(r, begin ? begin : rec, ev);
}

static int check_members(struct fmt_reader *r, const struct fmt_record *rec)
{
	static const char *const strings[] = {
		"caller", "resourceId", "subscriptionId", "eventTimestamp", "time", "correlationId",
		"eventDataId", "level", "resultType", "resultSignature", "callerIpAddress",
		"operationId", "resourceGroupName", NULL,
	};
	static const char *const values[] = {
		"operationName", "status", "subStatus", "category", NULL,
	};
	static const char *const objects[] = {
		"claims", "identity", "properties", "httpRequest", "authorization", NULL,
	};
	json_t *j = rec->json, *v;
	struct buf path = BUF_INIT;
	int rc = 1;

	for (const char *const *m = strings; *m; m++)
		if ((v = json_object_get(j, *m)) && !json_is_null(v) && !json_is_string(v))
			return fmt_type_error(r, rec, *m, "string");
	for (const char *const *m = objects; *m; m++)
		if ((v = json_object_get(j, *m)) && !json_is_null(v) && !json_is_object(v))
			return fmt_type_error(r, rec, *m, "object");
	for (const char *const *m = values; *m; m++) {
		v = json_object_get(j, *m);
		if (!v || json_is_null(v) || json_is_string(v))
			continue;
		if (!json_is_object(v))
			return fmt_type_error(r, rec, *m, "string or object");
		v = json_object_get(v, "value");
		if (v && !json_is_null(v) && !json_is_string(v)) {
			buf_addf(&path, "%s.value", *m);
			rc = fmt_type_error(r, rec, path.buf, "string");
			buf_release(&path);
			return rc;
		}
	}
	if ((v = json_object_get(claims_of(j), "name")) && !json_is_null(v) && !json_is_string(v))
		return fmt_type_error(r, rec, json_object_get(j, "claims") ? "claims.name" : "identity.claims.name",
				      "string");
	if ((v = json_object_get(json_object_get(j, "properties"), "statusMessage")) && !json_is_null(v) &&
	    !json_is_string(v))
		return fmt_type_error(r, rec, "properties.statusMessage", "string");
	return 1;
}

static int az_record(struct fmt_reader *r, const struct fmt_record *rec)
{
	struct azure *a = r->data;
	json_t *j = rec->json;
	const char *op, *status, *corr, *res;
	struct fmt_group *grp;
	struct buf key = BUF_INIT;
	enum phase ph;
	int rc;

	if (!json_is_object(j))
		return fmt_bad(r, rec, "expected an Activity Log record object");
	if ((rc = check_members(r, rec)) <= 0)
		return rc;
	op = value_of(j, "operationName");
	if (!op || !*op)
		return fmt_bad(r, rec, "not an Activity Log record (missing \"operationName\")");
	if (!fmt_str(j, "eventTimestamp") && !fmt_str(j, "time"))
		return fmt_bad(r, rec, "missing \"eventTimestamp\" or \"time\"");
	if (!r->opt->include_reads && is_read_operation(op)) {
		fmt_skip(r, SKIP_READ);
		return 0;
	}
	status = status_of(j);
	ph = phase_of(status);
	corr = fmt_str(j, "correlationId");
	if (ph == PHASE_OTHER || !corr || !*corr)
		return az_emit(r, NULL, rec);
	res = fmt_str(j, "resourceId");
	buf_addf(&key, "%s\n%s\n%s", corr, op, res ? res : "");
	for (size_t i = 0; i < key.len; i++)
		key.buf[i] = (char)tolower((unsigned char)key.buf[i]);
	grp = fmt_group_get(&a->ops, key.buf);
	buf_release(&key);
	if (ph == PHASE_BEGIN) {
		if (!grp->done && !grp->first.set)
			fmt_held_set(&grp->first, rec);
		return 0;       /* held, or a begin of an operation already out */
	}
	if (grp->done)
		return az_emit(r, NULL, rec);   /* another final: its own event */
	grp->done = 1;
	rc = az_emit(r, grp->first.set ? &grp->first.rec : NULL, rec);
	fmt_held_clear(&grp->first);
	return rc;
}

/* An operation seen only begun (held as its group's first; Azure holds no
 * last): the begin alone, as its own event. */
static int az_emit_begun(struct fmt_reader *r, const struct fmt_record *begin,
			 const struct fmt_record *last UNUSED)
{
	return az_emit(r, NULL, begin);
}

/* Operations seen only begun: each alone, in the order read. */
static int az_finish(struct fmt_reader *r)
{
	struct azure *a = r->data;

	return fmt_groups_flush(&a->ops, r, az_emit_begun);
}

/* ---- {"records":[...]} documents one per line ---- */

/* Reads one line that is a {"records":[...]} document: its records are
 * cut from the line as from any document, at positions on that line. */
struct line_doc {
	struct fmt_reader *outer;
	long line;
};

static int line_doc_record(struct fmt_reader *inner, const struct fmt_record *rec)
{
	struct line_doc *ld = inner->data;
	struct fmt_record at = *rec;

	at.line = ld->line + rec->line - 1;
	return az_record(ld->outer, &at);
}

static int line_doc_emit(void *ctx, struct event *ev)
{
	struct line_doc *ld = ctx;
	struct record_sink *s = ld->outer->sink;

	return s->emit(s->ctx, ev);
}

static int line_doc_bad(void *ctx, long line, int col, long index, const char *why)
{
	struct line_doc *ld = ctx;
	struct record_sink *s = ld->outer->sink;

	return s->bad(s->ctx, ld->line + line - 1, col, index, why);
}

static int read_line_doc(struct fmt_reader *r, char *text, size_t len, long line)
{
	static const char *const wrappers[] = { "records", NULL };
	struct line_doc ld = { r, line };
	struct record_sink sink = { line_doc_emit, line_doc_bad, NULL, &ld, NULL };
	struct fmt_reader inner = {
		.format = "azure", .file = r->file, .opt = r->opt, .sink = &sink, .wrappers = wrappers,
		.record = line_doc_record, .data = &ld,
	};
	FILE *f = fmemopen(text, len, "r");
	int rc;

	if (!f)
		return format_read_failed(r->file);
	rc = fmt_read(&inner, f);
	fclose(f);
	return rc;
}

/* 1 when line is one complete JSON object with a "records" array. */
static int is_records_line(const char *line, size_t len)
{
	json_t *v;
	int yes;

	if (!memchr(line, '{', len) || !strstr(line, "\"records\""))
		return 0;
	v = json_loadb(line, len, 0, NULL);
	yes = json_is_object(v) && json_is_array(json_object_get(v, "records"));
	json_decref(v);
	return yes;
}

/* A stream that gives back the text already read, then the rest of f. */
struct pushback {
	const char *text;
	size_t len, pos;
	FILE *f;
};

static ssize_t pushback_read(void *cookie, char *out, size_t size)
{
	struct pushback *p = cookie;
	size_t k;

	if (p->pos < p->len) {
		k = p->len - p->pos < size ? p->len - p->pos : size;
		memcpy(out, p->text + p->pos, k);
		p->pos += k;
		return (ssize_t)k;
	}
	k = fread(out, 1, size, p->f);
	if (!k && ferror(p->f))
		return -1;
	return (ssize_t)k;
}

static int az_detect(const char *head, size_t len)
{
	(void)len;
	if (fmt_head_has_key(head, "operationName") &&
	    (fmt_head_has_key(head, "correlationId") || fmt_head_has_key(head, "eventDataId")) &&
	    (fmt_head_has_key(head, "resourceId") || fmt_head_has_key(head, "caller")))
		return 90;
	if (fmt_head_has_key(head, "records") && fmt_head_has_key(head, "operationName") &&
	    fmt_head_has_key(head, "resourceId"))
		return 85;
	return 0;
}

static int az_read(FILE *f, const char *file, const struct format_options *opt,
		   struct record_sink *sink)
{
	static const char *const wrappers[] = { "records", "value", NULL };
	struct azure a = { 0 };
	struct fmt_reader r = {
		.format = "azure", .file = file, .opt = opt, .sink = sink, .wrappers = wrappers,
		.record = az_record, .finish = az_finish, .data = &a,
	};
	struct buf seen = BUF_INIT;
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	long lineno = 0;
	int rc = -1;

	/* the first non-blank line: a whole {"records":[...]} object on
	 * it makes the file such objects, one per line */
	while ((n = getline(&line, &cap, f)) >= 0) {
		size_t m = (size_t)n;

		lineno++;
		buf_add(&seen, line, m);
		while (m > 0 && (line[m - 1] == '\n' || line[m - 1] == '\r'))
			line[--m] = '\0';
		if (strspn(line, " \t") == m)
			continue;
		if (!is_records_line(line, m))
			break;
		rc = read_line_doc(&r, line, m, lineno);
		while (!rc && (n = getline(&line, &cap, f)) >= 0) {
			m = (size_t)n;
			lineno++;
			while (m > 0 && (line[m - 1] == '\n' || line[m - 1] == '\r'))
				line[--m] = '\0';
			if (strspn(line, " \t") < m)
				rc = read_line_doc(&r, line, m, lineno);
		}
		if (!rc && ferror(f))
			rc = format_read_failed(file);
		if (!rc)
			rc = az_finish(&r);
		goto out;
	}
	if (ferror(f)) {
		rc = format_read_failed(file);
		goto out;
	}
	{
		struct pushback pb = { seen.buf, seen.len, 0, f };
		cookie_io_functions_t io = { .read = pushback_read };
		FILE *all = fopencookie(&pb, "r", io);

		if (!all)
			die("cannot open a stream");
		rc = fmt_read(&r, all);
		fclose(all);
	}
out:
	free(line);
	buf_release(&seen);
	fmt_groups_release(&a.ops);
	return rc < 0 ? rc : 0;
}

const struct format_ops format_azure = { "azure", az_detect, az_read, FORMAT_PARALLEL, NULL, NULL };
