/*
 * format_m365.c - the Microsoft 365 unified audit log: Office 365
 * Management Activity API records (a JSON array as the API's content
 * blobs hold them, JSON lines, or one record), and the compliance
 * portal's CSV export, whose AuditData column holds each record's JSON.
 * Actor UserId, action Operation, target ObjectId (kind from RecordType,
 * else Workload), environment the tenant (OrganizationId). Azure AD
 * ModifiedProperties give per-field states before and after; Exchange
 * cmdlet Parameters give the state after (before unknown). ResultStatus
 * Failed/Failure/False marks a failed request. Read-only operations
 * (is_read below) are skipped unless --include-reads.
 *
 * Cost: one strict parse per record; the CSV export holds one record
 * (its physical lines) in memory at a time and unquotes it once.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "trailscope/format_util.h"
#include "trailscope/jcs.h"
#include "trailscope/util.h"

/* AuditLogRecordType values named in the Management Activity API schema
 * that trailscope uses as the target's kind. */
static const struct {
	int value;
	const char *name;
} record_types[] = {
	{ 1, "ExchangeAdmin" }, { 2, "ExchangeItem" }, { 3, "ExchangeItemGroup" },
	{ 4, "SharePoint" }, { 6, "SharePointFileOperation" }, { 7, "OneDrive" },
	{ 8, "AzureActiveDirectory" }, { 9, "AzureActiveDirectoryAccountLogon" },
	{ 10, "DataCenterSecurityCmdlet" }, { 11, "ComplianceDLPSharePoint" }, { 12, "Sway" },
	{ 13, "ComplianceDLPExchange" }, { 14, "SharePointSharingOperation" },
	{ 15, "AzureActiveDirectoryStsLogon" }, { 18, "SecurityComplianceCenterEOPCmdlet" },
	{ 20, "PowerBIAudit" }, { 22, "Yammer" }, { 25, "MicrosoftTeams" },
};

/* Where the record being read came from (CSV records map positions in
 * their AuditData JSON back to the file). */
struct m365 {
	int csv;                 /* the record is a CSV AuditData field */
	const char *text;        /* the CSV record's bytes */
	size_t field;            /* offset of the AuditData field in text */
	int quoted;              /* that field is quoted */
	long line;               /* line of text[0] */
};

/* ---- the rules ---- */

static int ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);

	return n >= k && !strcmp(s + n - k, suffix);
}

/* Read-only operations: names that start with "Search" or "Get-" (an
 * Exchange cmdlet that only reads), or end with "Accessed",
 * "AccessedExtended", "Viewed", "ViewedExtended", "Previewed",
 * "Downloaded", "Listed" or "Retrieved", and MailboxLogin. */
static int is_read(const char *op)
{
	static const char *const suffixes[] = {
		"Accessed", "AccessedExtended", "Viewed", "ViewedExtended", "Previewed",
		"Downloaded", "Listed", "Retrieved", NULL,
	};

	if (!strncmp(op, "Search", 6) || !strncasecmp(op, "Get-", 4) || !strcmp(op, "MailboxLogin"))
		return 1;
	for (const char *const *s = suffixes; *s; s++)
		if (ends_with(op, *s))
			return 1;
	return 0;
}

/* UserType 4 System, 5 Application, 6 ServicePrincipal, 7 CustomPolicy,
 * 8 SystemPolicy (or those names) are services; 0 Regular, 2 Admin,
 * 3 DcAdmin are users. System accounts and service principals named in
 * UserId are services whatever UserType says. */
static const char *actor_type_of(const json_t *utype, const char *user)
{
	static const char *const names[] = {
		"Regular", "Reserved", "Admin", "DcAdmin", "System", "Application",
		"ServicePrincipal", "CustomPolicy", "SystemPolicy",
	};
	long t = -1;

	if (!strncasecmp(user, "ServicePrincipal_", 17) || !strncasecmp(user, "NT AUTHORITY\\", 13) ||
	    !strcasecmp(user, "SHAREPOINT\\system") || !strcasecmp(user, "app@sharepoint"))
		return "service";
	if (json_is_number(utype))
		t = json_whole_or(utype, -1) < 0 || json_whole_or(utype, -1) > 99 ? -1 : (long)json_whole_or(utype, -1);
	else if (json_is_string(utype))
		for (size_t i = 0; i < ARRAY_SIZE(names); i++)
			if (!strcasecmp(json_string_value(utype), names[i]))
				t = (long)i;
	if (t >= 4 && t <= 8)
		return "service";
	if (t == 0 || t == 2 || t == 3)
		return "user";
	return "unknown";
}

static int is_failure(const char *status)
{
	return status && (!strcasecmp(status, "Failed") || !strcasecmp(status, "Failure") ||
			  !strcasecmp(status, "False"));
}

/* The target's kind: the RecordType's name, else the Workload. */
static char *kind_of(const json_t *rtype, const char *workload)
{
	struct buf b = BUF_INIT;

	if (json_is_string(rtype) && *json_string_value(rtype))
		return xstrdup(json_string_value(rtype));
	if (json_is_number(rtype)) {
		double v = json_number_value(rtype);

		for (size_t i = 0; i < ARRAY_SIZE(record_types); i++)
			if (v == record_types[i].value)
				return xstrdup(record_types[i].name);
	}
	if (workload && *workload)
		return xstrdup(workload);
	if (json_is_number(rtype)) {
		buf_addf(&b, "RecordType %.0f", json_number_value(rtype));
		return buf_detach(&b, NULL);
	}
	return xstrdup("m365");
}

/* The Value of the parameter named name, or NULL. */
static const char *param_value(const json_t *params, const char *name)
{
	size_t i;
	json_t *p;

	json_array_foreach(params, i, p)
		if (fmt_str(p, "Name") && !strcasecmp(fmt_str(p, "Name"), name))
			return fmt_str(p, "Value");
	return NULL;
}

/* ---- positions inside a CSV AuditData field ---- */

/* Offset in the CSV text of byte off of the field's unquoted value. */
static size_t csv_offset(const struct m365 *m, size_t off)
{
	size_t i = m->field + (m->quoted ? 1 : 0);

	for (; off > 0; off--)
		i += m->quoted && m->text[i] == '"' ? 2 : 1;
	return i;
}

static void csv_line_col(const struct m365 *m, size_t at, long *line, int *col)
{
	size_t start = 0;

	*line = m->line;
	for (size_t i = 0; i < at; i++)
		if (m->text[i] == '\n') {
			(*line)++;
			start = i + 1;
		}
	*col = (int)(at - start + 1);
}

/* The offset in text of line l, column c (both 1-based). */
static size_t offset_of(const char *text, size_t len, long l, int c)
{
	size_t i = 0;

	for (; l > 1 && i < len; i++)
		if (text[i] == '\n')
			l--;
	i += c > 1 ? (size_t)(c - 1) : 0;
	return i < len ? i : len;
}

/* fmt_bad_at, for records from either shape. */
static int bad_at(struct fmt_reader *r, const struct fmt_record *rec, const char *member,
		  const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static int bad_at(struct fmt_reader *r, const struct fmt_record *rec, const char *member,
		  const char *fmt, ...)
{
	const struct m365 *m = r->data;
	struct buf msg = BUF_INIT;
	va_list ap;
	long line;
	int col, rc;

	va_start(ap, fmt);
	buf_vaddf(&msg, fmt, ap);
	va_end(ap);
	if (!m->csv) {
		rc = fmt_bad_at(r, rec, member, "%s", msg.buf);
	} else {
		struct fmt_record local = *rec;

		local.line = 1;
		local.col = 1;
		fmt_member_pos(&local, member, &line, &col);
		csv_line_col(m, csv_offset(m, offset_of(rec->raw, rec->raw_len, line, col)), &line, &col);
		rc = r->sink->bad(r->sink->ctx, line, col, -1, msg.buf);
	}
	buf_release(&msg);
	return rc;
}

static int type_error(struct fmt_reader *r, const struct fmt_record *rec, const char *member,
		      const char *want)
{
	return bad_at(r, rec, member, "expected %s for \"%s\"", want, member);
}

/* ---- records ---- */

/* The members an event is read from have their types when present. */
static int check_members(struct fmt_reader *r, const struct fmt_record *rec)
{
	static const char *const strings[] = {
		"CreationTime", "Id", "Operation", "OrganizationId", "UserKey", "UserId", "Workload",
		"ClientIP", "ClientIPAddress", "ObjectId", "ResultStatus", "LogonError", NULL,
	};
	static const char *const arrays[] = { "Parameters", "ModifiedProperties", NULL };
	json_t *j = rec->json, *v, *item;
	size_t i;

	for (const char *const *m = strings; *m; m++)
		if ((v = json_object_get(j, *m)) && !json_is_string(v) && !json_is_null(v))
			return type_error(r, rec, *m, "string");
	if ((v = json_object_get(j, "RecordType")) && !json_is_number(v) && !json_is_string(v) &&
	    !json_is_null(v))
		return type_error(r, rec, "RecordType", "number");
	if ((v = json_object_get(j, "UserType")) && !json_is_number(v) && !json_is_string(v) &&
	    !json_is_null(v))
		return type_error(r, rec, "UserType", "number");
	for (const char *const *m = arrays; *m; m++) {
		if (!(v = json_object_get(j, *m)) || json_is_null(v))
			continue;
		if (!json_is_array(v))
			return type_error(r, rec, *m, "array");
		json_array_foreach(v, i, item)
			if (!json_is_object(item) || !json_is_string(json_object_get(item, "Name")))
				return bad_at(r, rec, *m, "expected {\"Name\": string, ...} objects in \"%s\" "
					      "(item %zu)", *m, i);
	}
	return 1;
}

/* A ModifiedProperties value: Azure AD writes JSON arrays and objects
 * as text ("[\"Sales\"]"); those are parsed, so the diff shows their
 * members. Anything else is kept as it is. Returns a new reference. */
static json_t *property_value(json_t *v)
{
	const char *s = json_string_value(v);
	size_t len = json_string_length(v), i = 0;
	struct buf err = BUF_INIT;
	json_t *parsed = NULL;
	int l, c;

	while (s && i < len && strchr(" \t\r\n", s[i]))
		i++;
	if (s && i < len && (s[i] == '[' || s[i] == '{') && fmt_nul_at(s, len) == FMT_NO_NUL)
		parsed = json_parse_strict(s, len, &l, &c, &err);
	buf_release(&err);
	return parsed ? parsed : json_incref(v);
}

/* The states: ModifiedProperties give both sides (before known);
 * Parameters give the state after (before unknown) when there are no
 * ModifiedProperties, else they go to the context. */
static void read_states(const json_t *j, struct event *ev)
{
	json_t *mods = json_object_get(j, "ModifiedProperties"), *params = json_object_get(j, "Parameters");
	json_t *item;
	size_t i;

	if (json_array_size(mods)) {
		ev->before = json_object();
		ev->after = json_object();
		json_array_foreach(mods, i, item) {
			const char *name = fmt_str(item, "Name");
			json_t *oldv = json_object_get(item, "OldValue"), *newv = json_object_get(item, "NewValue");

			if (oldv)
				json_object_set_new(ev->before, name, property_value(oldv));
			if (newv)
				json_object_set_new(ev->after, name, property_value(newv));
		}
		ev->before_known = 1;
		fmt_ctx_json(ev->context, "parameters", json_array_size(params) ? params : NULL);
		return;
	}
	ev->before_known = 0;
	if (json_array_size(params)) {
		ev->after = json_object();
		json_array_foreach(params, i, item) {
			json_t *v = json_object_get(item, "Value");

			json_object_set(ev->after, fmt_str(item, "Name"), v ? v : json_null());
		}
	}
}

static int m365_record(struct fmt_reader *r, const struct fmt_record *rec)
{
	json_t *j = rec->json;
	const char *time, *op, *user, *key, *status, *ip, *workload;
	struct buf err = BUF_INIT;
	struct event *ev;
	int rc;

	if (!json_is_object(j))
		return fmt_bad(r, rec, "expected a Microsoft 365 audit record object");
	if ((rc = check_members(r, rec)) <= 0)
		return rc;
	if (!(time = fmt_str(j, "CreationTime")))
		return fmt_bad(r, rec, "not a Microsoft 365 audit record (missing \"CreationTime\")");
	if (!(op = fmt_str(j, "Operation")) || !*op)
		return fmt_bad(r, rec, "missing \"Operation\"");
	if (is_read(op) && !r->opt->include_reads) {
		fmt_skip(r, SKIP_READ);
		return 0;
	}
	ev = fmt_event_new();
	if (fmt_time_iso(ev, time, &err))
		return fmt_event_abandon(ev, &err, bad_at(r, rec, "CreationTime", "\"CreationTime\": %s", err.buf));
	buf_release(&err);
	ev->event_id = fmt_dup(fmt_str(j, "Id"));
	user = fmt_str(j, "UserId");
	ev->actor_id = xstrdup(user && *user ? user : "unknown");
	ev->actor_type = xstrdup(actor_type_of(json_object_get(j, "UserType"), ev->actor_id));
	ev->action = xstrdup(op);
	workload = fmt_str(j, "Workload");
	ev->target_kind = kind_of(json_object_get(j, "RecordType"), workload);
	if (!(key = fmt_str(j, "ObjectId")) || !*key)
		if (!(key = param_value(json_object_get(j, "Parameters"), "Identity")) || !*key)
			if (!(key = fmt_str(j, "MailboxOwnerUPN")) || !*key)
				if (!(key = fmt_str(j, "SiteUrl")) || !*key)
					key = workload && *workload ? workload : "unknown";
	ev->target_key = xstrdup(key);
	ev->environment = xstrdup(fmt_str(j, "OrganizationId") ? fmt_str(j, "OrganizationId") : "");

	ev->context = json_object();
	fmt_ctx_str(ev->context, "user_key", fmt_str(j, "UserKey"));
	fmt_ctx_json(ev->context, "user_type", json_object_get(j, "UserType"));
	fmt_ctx_str(ev->context, "workload", workload);
	fmt_ctx_json(ev->context, "record_type", json_object_get(j, "RecordType"));
	if (!(ip = fmt_str(j, "ClientIP")) || !*ip)
		ip = fmt_str(j, "ClientIPAddress");
	fmt_ctx_str(ev->context, "source_ip", ip);
	fmt_ctx_str(ev->context, "user_agent", fmt_str(j, "UserAgent"));
	status = fmt_str(j, "ResultStatus");
	fmt_ctx_str(ev->context, "result_status", status);
	if (is_read(op))
		json_object_set_new(ev->context, "read_only", json_true());
	if (is_failure(status)) {
		const char *why = fmt_str(j, "LogonError");

		json_object_set_new(ev->context, "failed", json_true());
		event_set_failure(ev, status, why);
		fmt_ctx_json(ev->context, "parameters", json_object_get(j, "Parameters"));
		fmt_ctx_json(ev->context, "modified_properties", json_object_get(j, "ModifiedProperties"));
		ev->before_known = 0;
	} else {
		read_states(j, ev);
	}
	return fmt_emit(r, rec, ev);
}

/* ---- the compliance portal's CSV export ---- */

struct csv_field {
	size_t start;            /* offset of the field in the record's text */
	int quoted;
	struct buf value;        /* unquoted */
};

struct csv {
	struct buf text;         /* the record's bytes, its line ends included */
	long line;               /* line of its first byte */
	struct csv_field *f;
	size_t n, alloc;
};

static int csv_bad(struct fmt_reader *r, const struct csv *c, size_t at, const char *why)
{
	struct m365 m = { 1, c->text.buf, 0, 0, c->line };
	long line;
	int col;

	csv_line_col(&m, at, &line, &col);
	return r->sink->bad(r->sink->ctx, line, col, -1, why);
}

/* Splits c->text into fields (RFC 4180: quotes doubled inside quoted
 * fields, which may hold line ends). Returns 1, or what bad() answered. */
static int csv_split(struct fmt_reader *r, struct csv *c)
{
	const char *t = c->text.buf;
	size_t len = c->text.len, i = 0;

	while (len > 0 && (t[len - 1] == '\n' || t[len - 1] == '\r'))
		len--;
	c->n = 0;
	for (;;) {
		struct csv_field *f;

		if (c->n == c->alloc) {
			ALLOC_GROW(c->f, c->n + 1, c->alloc);
			for (size_t k = c->n; k < c->alloc; k++)
				buf_init(&c->f[k].value);
		}
		f = &c->f[c->n++];
		buf_reset(&f->value);
		f->start = i;
		f->quoted = i < len && t[i] == '"';
		if (f->quoted) {
			for (i++;; i++) {
				if (i >= len)
					return csv_bad(r, c, f->start, "unterminated quoted field");
				if (t[i] == '"') {
					if (i + 1 < len && t[i + 1] == '"') {
						buf_addch(&f->value, '"');
						i++;
						continue;
					}
					i++;
					break;
				}
				buf_addch(&f->value, t[i]);
			}
			if (i < len && t[i] != ',')
				return csv_bad(r, c, i, "expected ',' after a quoted field");
		} else {
			size_t s = i;

			while (i < len && t[i] != ',') {
				if (t[i] == '"')
					return csv_bad(r, c, i, "quote inside an unquoted field");
				i++;
			}
			buf_add(&f->value, t + s, i - s);
		}
		if (i >= len)
			return 1;
		i++;                    /* the comma */
	}
}

/* Reads the next record's lines into c->text: 1, 0 at the end, -1 on a
 * read error, 2 when a record grows past twice JSON_MAX_RECORD. A line
 * end ends the record unless it is inside a quoted field (a quote opens
 * one only at the start of a field); csv_split reports the rest. */
static int csv_next(FILE *f, struct csv *c, long *lineno, char **line, size_t *cap)
{
	enum { START, UNQUOTED, QUOTED, QUOTE_SEEN } st = START;
	ssize_t n;

	buf_reset(&c->text);
	while ((n = getline(line, cap, f)) >= 0) {
		if (ferror(f))
			return -1;
		if (!c->text.len)
			c->line = *lineno + 1;
		(*lineno)++;
		buf_add(&c->text, *line, (size_t)n);
		for (ssize_t i = 0; i < n; i++) {
			char ch = (*line)[i];

			if (st == QUOTED)
				st = ch == '"' ? QUOTE_SEEN : QUOTED;
			else if (ch == ',')
				st = START;
			else if (st == START && ch == '"')
				st = QUOTED;
			else if (st == QUOTE_SEEN && ch == '"')
				st = QUOTED;
			else if (ch != '\r' && ch != '\n')
				st = UNQUOTED;
		}
		if (st != QUOTED) {
			/* blank lines between records are skipped */
			if (strspn(c->text.buf, "\r\n") == c->text.len) {
				buf_reset(&c->text);
				st = START;
				continue;
			}
			return 1;
		}
		if (c->text.len > JSON_MAX_RECORD * 2)
			return 2;       /* too long: the caller reports it */
	}
	if (ferror(f))
		return -1;
	return c->text.len ? 1 : 0;
}

static int csv_read(struct fmt_reader *r, FILE *f)
{
	struct csv c = { .text = BUF_INIT };
	struct m365 *m = r->data;
	char *line = NULL;
	size_t cap = 0, col_audit = 0, ncols = 0;
	long lineno = 0;
	int rc, ret = -1, got;

	/* the header names the columns */
	if ((got = csv_next(f, &c, &lineno, &line, &cap)) <= 0) {
		ret = got < 0 ? format_read_failed(r->file) : 0;
		goto out;
	}
	if ((rc = csv_split(r, &c)) <= 0) {
		ret = rc < 0 ? -1 : -2;  /* a bad header: nothing can be read */
		goto out;
	}
	ncols = c.n;
	for (col_audit = 0; col_audit < c.n; col_audit++)
		if (!strcasecmp(c.f[col_audit].value.buf, "AuditData"))
			break;
	if (col_audit == c.n) {
		ret = csv_bad(r, &c, 0, "not a Microsoft 365 audit log export (no \"AuditData\" column)")
		      ? -1 : -2;
		goto out;
	}
	while ((got = csv_next(f, &c, &lineno, &line, &cap)) > 0) {
		struct fmt_record rec = { .index = -1 };
		struct csv_field *fa;
		struct buf err = BUF_INIT;
		size_t nul;
		int l, cl;

		if (got == 2) {         /* no way to find the next record */
			ret = csv_bad(r, &c, 0, "record larger than 8 MiB (an unterminated quoted field?)")
			      ? -1 : -2;
			goto out;
		}
		if ((rc = csv_split(r, &c)) < 0)
			goto out;
		if (!rc)
			continue;
		if (c.n <= col_audit) {
			struct buf why = BUF_INIT;

			buf_addf(&why, "%zu fields where the header has %zu (no AuditData)", c.n, ncols);
			rc = csv_bad(r, &c, 0, why.buf);
			buf_release(&why);
			if (rc)
				goto out;
			continue;
		}
		fa = &c.f[col_audit];
		m->csv = 1;
		m->text = c.text.buf;
		m->field = fa->start;
		m->quoted = fa->quoted;
		m->line = c.line;
		rec.raw = fa->value.buf;
		rec.raw_len = fa->value.len;
		csv_line_col(m, csv_offset(m, 0), &rec.line, &rec.col);
		if (rec.raw_len > JSON_MAX_RECORD) {
			rc = csv_bad(r, &c, fa->start, "record larger than 4 MiB");
		} else if (!(rec.json = json_parse_strict(rec.raw, rec.raw_len, &l, &cl, &err))) {
			long el;
			int ec;
			struct buf why = BUF_INIT;

			csv_line_col(m, csv_offset(m, offset_of(rec.raw, rec.raw_len, l, cl)), &el, &ec);
			buf_addf(&why, "in \"AuditData\": %s", err.buf);
			rc = r->sink->bad(r->sink->ctx, el, ec, -1, why.buf);
			buf_release(&why);
		} else if ((nul = fmt_nul_at(rec.raw, rec.raw_len)) != FMT_NO_NUL) {
			long el;
			int ec;

			csv_line_col(m, csv_offset(m, nul), &el, &ec);
			rc = r->sink->bad(r->sink->ctx, el, ec, -1, "in \"AuditData\": " FMT_NUL_MESSAGE);
		} else {
			rc = m365_record(r, &rec);
		}
		json_decref(rec.json);
		buf_release(&err);
		if (rc)
			goto out;
	}
	ret = got < 0 ? format_read_failed(r->file) : 0;
out:
	free(line);
	buf_release(&c.text);
	for (size_t k = 0; k < c.alloc; k++)
		buf_release(&c.f[k].value);
	free(c.f);
	m->csv = 0;
	return ret;
}

/* ---- detection and reading ---- */

/* 1 when the first line of head is a CSV header naming AuditData. */
static int is_csv_export(const char *head)
{
	size_t n = strcspn(head, "\n");
	const char *p = head;

	if (*p == '{' || *p == '[')
		return 0;
	for (; p < head + n && (p = strstr(p, "AuditData")) && p < head + n; p += 9) {
		char before = p == head ? ',' : p[-1], after = p[9];

		if ((before == ',' || before == '"') && (after == ',' || after == '"' || after == '\r' ||
							 after == '\n' || !after))
			return 1;
	}
	return 0;
}

static int m365_detect(const char *head, size_t len)
{
	(void)len;
	if (is_csv_export(head))
		return 90;
	if (fmt_head_has_key(head, "CreationTime") && fmt_head_has_key(head, "Operation") &&
	    (fmt_head_has_key(head, "RecordType") || fmt_head_has_key(head, "Workload") ||
	     fmt_head_has_key(head, "OrganizationId")))
		return 85;
	return 0;
}

static int m365_read(FILE *f, const char *file, const struct format_options *opt,
		     struct record_sink *sink)
{
	struct m365 m = { 0 };
	struct fmt_reader r = {
		.format = "m365", .file = file, .opt = opt, .sink = sink,
		.record = m365_record, .data = &m,
	};
	int c = getc(f), rc;

	if (c == EOF)
		return ferror(f) ? format_read_failed(file) : 0;
	if (ungetc(c, f) == EOF)
		return format_read_failed(file);
	if (c == '{' || c == '[' || c == ' ' || c == '\t' || c == '\r' || c == '\n')
		rc = fmt_read(&r, f);
	else
		rc = csv_read(&r, f);
	return rc;
}

const struct format_ops format_m365 = { "m365", m365_detect, m365_read, FORMAT_PARALLEL, NULL, NULL };
