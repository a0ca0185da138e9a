/*
 * format_jsonl.c - the generic schema (docs/EVENTS.md) and its JSON-lines
 * format: event_from_generic() normalises one record, with its documented
 * aliases (both shapes in DESIGN.md are instances of it), and
 * event_read_outcome() its "outcome" member, which mapped JSON reads too;
 * the format reads one record per line, strictly.
 * Cost: one strict parse per line; memory is one line.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "trailscope/format_util.h"
#include "trailscope/formats.h"
#include "trailscope/jcs.h"
#include "trailscope/util.h"

/* ---- the generic schema ------------------------------------------------ */

/* The first member of obj named in names (NULL-terminated) that is present. */
static json_t *member(const json_t *obj, const char *const *names, const char **which)
{
	for (; *names; names++) {
		json_t *v = json_object_get(obj, *names);

		if (v) {
			if (which)
				*which = *names;
			return v;
		}
	}
	return NULL;
}

/* Reading one record: the record and its text (for the exact digits of
 * a numeric id), the object being read ("actor", "target" or NULL), and
 * where the reason and the member at fault go. */
struct gen {
	const json_t *rec;
	const char *raw;
	size_t raw_len;
	const char *obj;
	struct buf *err;
	struct buf *member;
};

/* Reports a bad member name (of g->obj when reading one): returns -1. */
static int fail_at(struct gen *g, const char *name, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail_at(struct gen *g, const char *name, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	buf_vaddf(g->err, fmt, ap);
	va_end(ap);
	if (g->member && name) {
		buf_reset(g->member);
		buf_addf(g->member, "%s%s%s", g->obj ? g->obj : "", g->obj ? "." : "", name);
	}
	return -1;
}

enum { TEXT, ID };

/* A string member; for an ID, a JSON integer is accepted too, as the
 * digits of its text (exact, however large). Returns 1 and sets *out
 * (malloc'd), 0 when absent or null, -1 on a bad type or value. */
static int get_string(struct gen *g, const json_t *obj, const char *const *names, char **out,
		      int kind)
{
	const char *which = names[0];
	json_t *v = member(obj, names, &which);

	*out = NULL;
	if (!v || json_is_null(v))
		return 0;
	if (json_is_string(v)) {
		if (strlen(json_string_value(v)) != json_string_length(v))
			return fail_at(g, which, "NUL character in \"%s\"", which);
		*out = xstrdup(json_string_value(v));
		return 1;
	}
	if (json_is_number(v) && kind == ID) {
		struct buf b = BUF_INIT;

		if (!jcs_number_text(g->rec, g->raw, g->raw_len, v, &b) &&
		    strspn(b.buf, "0123456789") == b.len) {
			*out = buf_detach(&b, NULL);
			return 1;
		}
		buf_release(&b);
	}
	return fail_at(g, which, "expected string%s for \"%s\"", kind == ID ? " or integer" : "", which);
}

static int require_string(struct gen *g, const json_t *obj, const char *const *names, char **out,
			  int kind)
{
	int rc = get_string(g, obj, names, out, kind);

	if (rc == 0) {
		buf_addf(g->err, "missing \"%s\"", names[0]);
		return -1;
	}
	if (rc > 0 && !**out) {
		free(*out);
		*out = NULL;
		return fail_at(g, member(obj, names, NULL) ? names[0] : NULL, "empty \"%s\"", names[0]);
	}
	return rc < 0 ? -1 : 0;
}

static const char *const K_ID[] = { "event_id", "eventId", "id", "uuid", NULL };
static const char *const K_TIME[] = { "timestamp", "timestamp_utc", "ts", "time", "occurred_at", NULL };
static const char *const K_ACTOR[] = { "actor", NULL };
static const char *const K_ACTOR_ID[] = { "actor_id", "actorId", "user", NULL };
static const char *const K_ACTOR_NAME[] = { "actor_name", "actor_display_name", NULL };
static const char *const K_ACTOR_TYPE[] = { "actor_type", NULL };
static const char *const K_AUTH[] = { "auth_method", NULL };
static const char *const K_OBJ_ID[] = { "id", "email", "username", NULL };
static const char *const K_OBJ_NAME[] = { "display_name", "name", NULL };
static const char *const K_OBJ_TYPE[] = { "type", NULL };
static const char *const K_OBJ_AUTH[] = { "auth_method", "auth", NULL };
static const char *const K_ACTION[] = { "action", "event_type", NULL };
static const char *const K_TARGET[] = { "target", NULL };
static const char *const K_FLAG[] = { "flag_key", "flag_id", "flag", NULL };
static const char *const K_TARGET_KEY[] = { "target_key", "target_id", NULL };
static const char *const K_TARGET_KIND[] = { "target_kind", "target_type", NULL };
static const char *const K_OBJ_KEY[] = { "key", "id", "name", NULL };
static const char *const K_OBJ_KIND[] = { "kind", "type", NULL };
static const char *const K_ENV[] = { "environment", "env", NULL };
static const char *const K_BEFORE[] = { "previous_state", "before", "old_state", "previous", NULL };
static const char *const K_AFTER[] = { "new_state", "after", "current_state", "state", NULL };

/* Epoch numbers: the unit is chosen by magnitude (s, ms, us, ns). */
static int time_from_number(double d, usec_t *out)
{
	if (!isfinite(d) || d < 0)
		return -1;
	if (d < 1e11)
		d *= 1e6;
	else if (d < 1e14)
		d *= 1e3;
	else if (d >= 1e17)
		d /= 1e3;
	if (d > 253402300799e6)
		return -1;
	*out = (usec_t)llround(d);
	return 0;
}

static int read_time(struct gen *g, struct event *ev)
{
	const char *which = K_TIME[0];
	json_t *v = member(g->rec, K_TIME, &which);
	const char *why;

	if (!v || json_is_null(v)) {
		buf_addf(g->err, "missing \"timestamp\"");
		return -1;
	}
	if (json_is_number(v)) {
		struct buf b = BUF_INIT;

		if (time_from_number(json_number_value(v), &ev->ts))
			return fail_at(g, which, "impossible epoch time in \"%s\"", which);
		json_append(&b, v);
		ev->ts_source = buf_detach(&b, NULL);
		return 0;
	}
	if (!json_is_string(v))
		return fail_at(g, which, "expected string for \"%s\"", which);
	if (strlen(json_string_value(v)) != json_string_length(v))
		return fail_at(g, which, "NUL character in \"%s\"", which);
	if (time_parse_iso(json_string_value(v), &ev->ts, &why))
		return fail_at(g, which, "bad time in \"%s\": %s", which, why);
	ev->ts_source = xstrdup(json_string_value(v));
	return 0;
}

static char *normalise_actor_type(const char *t, const char *id)
{
	if (id && !strncmp(id, "system:serviceaccount:", 22))
		return xstrdup("service");
	if (!t)
		return xstrdup("unknown");
	if (!strcasecmp(t, "user") || !strcasecmp(t, "human") || !strcasecmp(t, "person") ||
	    !strcasecmp(t, "member"))
		return xstrdup("user");
	if (!strcasecmp(t, "service") || !strcasecmp(t, "service_account") ||
	    !strcasecmp(t, "serviceaccount") || !strcasecmp(t, "bot") || !strcasecmp(t, "token") ||
	    !strcasecmp(t, "system") || !strcasecmp(t, "api"))
		return xstrdup("service");
	return xstrdup("unknown");
}

static int read_actor(struct gen *g, struct event *ev)
{
	const json_t *rec = g->rec;
	json_t *a = member(rec, K_ACTOR, NULL);
	char *type = NULL;

	if (a && json_is_object(a)) {
		g->obj = "actor";
		if (require_string(g, a, K_OBJ_ID, &ev->actor_id, ID) ||
		    get_string(g, a, K_OBJ_NAME, &ev->actor_name, TEXT) < 0 ||
		    get_string(g, a, K_OBJ_TYPE, &type, TEXT) < 0 ||
		    get_string(g, a, K_OBJ_AUTH, &ev->actor_auth, TEXT) < 0) {
			free(type);
			g->obj = NULL;
			if (!strncmp(g->err->buf, "missing", 7) || !strncmp(g->err->buf, "empty", 5)) {
				buf_reset(g->err);
				return fail_at(g, "actor", "missing \"actor.id\"");
			}
			return -1;
		}
		g->obj = NULL;
	} else if (a && !json_is_null(a)) {
		if (require_string(g, rec, K_ACTOR, &ev->actor_id, ID))
			return -1;
	} else if (require_string(g, rec, K_ACTOR_ID, &ev->actor_id, ID)) {
		if (strncmp(g->err->buf, "missing", 7))
			return -1;      /* a bad actor_id */
		buf_reset(g->err);
		buf_addstr(g->err, "missing \"actor\" (or \"actor_id\")");
		return -1;
	}
	if (!ev->actor_name && get_string(g, rec, K_ACTOR_NAME, &ev->actor_name, TEXT) < 0)
		goto fail;
	if (!type && get_string(g, rec, K_ACTOR_TYPE, &type, TEXT) < 0)
		goto fail;
	if (!ev->actor_auth && get_string(g, rec, K_AUTH, &ev->actor_auth, TEXT) < 0)
		goto fail;
	ev->actor_type = normalise_actor_type(type, ev->actor_id);
	free(type);
	return 0;
fail:
	free(type);
	return -1;
}

static int read_target(struct gen *g, struct event *ev)
{
	const json_t *rec = g->rec;
	json_t *t = member(rec, K_TARGET, NULL);
	int rc;

	if (t && json_is_object(t)) {
		g->obj = "target";
		rc = require_string(g, t, K_OBJ_KEY, &ev->target_key, ID);
		if (rc && (!strncmp(g->err->buf, "missing", 7) || !strncmp(g->err->buf, "empty", 5))) {
			g->obj = NULL;
			buf_reset(g->err);
			return fail_at(g, "target", "missing \"target.key\"");
		}
		if (rc || get_string(g, t, K_OBJ_KIND, &ev->target_kind, TEXT) < 0) {
			g->obj = NULL;
			return -1;
		}
		g->obj = NULL;
	} else if (t && !json_is_null(t)) {
		if (require_string(g, rec, K_TARGET, &ev->target_key, ID))
			return -1;
	} else if ((rc = get_string(g, rec, K_FLAG, &ev->target_key, ID)) != 0) {
		if (rc < 0)
			return -1;
		ev->target_kind = xstrdup("flag");
	} else if (require_string(g, rec, K_TARGET_KEY, &ev->target_key, ID)) {
		if (strncmp(g->err->buf, "missing", 7))
			return -1;      /* a bad target_key */
		buf_reset(g->err);
		buf_addstr(g->err, "missing \"target\" (or \"flag_key\", \"flag_id\")");
		return -1;
	}
	if (!ev->target_kind && get_string(g, rec, K_TARGET_KIND, &ev->target_kind, TEXT) < 0)
		return -1;
	if (!ev->target_kind)
		ev->target_kind = xstrdup("object");
	if (!*ev->target_key) {
		buf_addstr(g->err, "empty target key");
		return -1;
	}
	return 0;
}

static int ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && !strcmp(s + n - m, suffix);
}

/* Context members: name, expected JSON type (0 any string, 'o' object). */
static const struct {
	const char *name;
	char type;
} context_fields[] = {
	{ "scope", 'o' }, { "reason", 's' }, { "correlation_id", 's' }, { "ticket", 's' },
	{ "links", 'o' }, { "approval", 'o' }, { "pr", 's' }, { "build", 's' },
	{ "request_id", 's' }, { "source_ip", 's' }, { "user_agent", 's' }, { "comment", 's' },
};

static int read_context(struct gen *g, struct event *ev)
{
	ev->context = json_object();
	for (size_t i = 0; i < ARRAY_SIZE(context_fields); i++) {
		const char *name = context_fields[i].name;
		json_t *v = json_object_get(g->rec, name);

		if (!v || json_is_null(v))
			continue;
		if (context_fields[i].type == 's' && !json_is_string(v))
			return fail_at(g, name, "expected string for \"%s\"", name);
		if (context_fields[i].type == 'o' && !json_is_object(v))
			return fail_at(g, name, "expected object for \"%s\"", name);
		json_object_set(ev->context, context_fields[i].name, v);
	}
	return 0;
}

/* 1 success, 0 failure, -1 not a status word. */
static int status_word(const char *s)
{
	static const char *const ok[] = { "success", "succeeded", "ok", NULL };
	static const char *const bad[] = { "failure", "failed", "error", "denied", NULL };

	for (int i = 0; ok[i]; i++)
		if (!strcasecmp(s, ok[i]))
			return 1;
	for (int i = 0; bad[i]; i++)
		if (!strcasecmp(s, bad[i]))
			return 0;
	return -1;
}

int event_read_outcome(const json_t *v, struct event *ev, struct buf *err)
{
	static const char *const K_STATUS[] = { "status", NULL };
	static const char *const K_CODE[] = { "code", NULL };
	static const char *const K_MESSAGE[] = { "message", NULL };
	char *status = NULL, *code = NULL, *message = NULL;
	int ok, ret = -1;

	if (!v || json_is_null(v))
		return 0;
	if (json_is_number(v)) {
		/* an HTTP-like status code, e.g. from a map's pointer */
		double d = json_number_value(v);
		char num[32];

		if (!(d >= 100 && d <= 999) || d != floor(d)) {
			buf_addstr(err, "\"outcome\": a status code must be between 100 and 999");
			goto out;
		}
		snprintf(num, sizeof(num), "%.0f", d);
		if (d >= 400)
			event_set_failure(ev, num, NULL);
		ret = 0;
		goto out;
	}
	if (json_is_string(v)) {
		if (strlen(json_string_value(v)) != json_string_length(v)) {
			buf_addstr(err, "NUL character in \"outcome\"");
			goto out;
		}
		status = xstrdup(json_string_value(v));
	} else if (json_is_object(v)) {
		struct buf why = BUF_INIT;
		struct gen g = { .rec = v, .err = &why };

		json_t *c = json_object_get(v, K_CODE[0]);

		if (json_is_number(c) && json_number_value(c) == floor(json_number_value(c)) &&
		    fabs(json_number_value(c)) < 1e15) { /* a numeric status code */
			struct buf num = BUF_INIT;

			buf_addf(&num, "%.0f", json_number_value(c));
			code = buf_detach(&num, NULL);
		}
		if (get_string(&g, v, K_STATUS, &status, TEXT) < 0 ||
		    (!code && get_string(&g, v, K_CODE, &code, TEXT) < 0) ||
		    get_string(&g, v, K_MESSAGE, &message, TEXT) < 0) {
			buf_addf(err, "\"outcome\": %s", why.buf);
			buf_release(&why);
			goto out;
		}
		if (!status) {
			buf_addstr(err, "\"outcome\" has no \"status\"");
			goto out;
		}
	} else {
		buf_addstr(err, "expected string or object for \"outcome\"");
		goto out;
	}
	if ((ok = status_word(status)) < 0) {
		buf_addstr(err, "\"outcome\" is neither \"success\" nor \"failure\"");
		goto out;
	}
	if (ok && (code || message)) {
		buf_addstr(err, "\"outcome\": a success carries no \"code\" or \"message\"");
		goto out;
	}
	if (!ok)
		event_set_failure(ev, code, message);
	ret = 0;
out:
	free(status);
	free(code);
	free(message);
	return ret;
}

int event_from_generic(const json_t *rec, const char *raw, size_t raw_len,
		       struct event *ev, struct buf *err, struct buf *at)
{
	struct gen g = { rec, raw, raw_len, NULL, err, at };
	json_t *before, *after;
	int rc;

	memset(ev, 0, sizeof(*ev));
	if (!json_is_object(rec)) {
		buf_addstr(err, "expected a JSON object");
		return -1;
	}
	ev->raw = xstrndup(raw, raw_len);
	ev->raw_len = raw_len;
	if ((rc = get_string(&g, rec, K_ID, &ev->event_id, ID)) < 0)
		goto fail;
	if (rc > 0 && !*ev->event_id) {
		const char *which = K_ID[0];

		member(rec, K_ID, &which);
		fail_at(&g, which, "empty \"%s\"", which);
		goto fail;
	}
	if (read_time(&g, ev) || read_actor(&g, ev) || read_target(&g, ev))
		goto fail;
	if (get_string(&g, rec, K_ACTION, &ev->action, TEXT) < 0)
		goto fail;
	if (!ev->action || !*ev->action) {
		free(ev->action);
		ev->action = xstrdup(!strcmp(ev->target_kind, "flag") ? "flag.update" : "update");
	}
	if (get_string(&g, rec, K_ENV, &ev->environment, TEXT) < 0)
		goto fail;
	if (!ev->environment)
		ev->environment = xstrdup("");
	before = member(rec, K_BEFORE, NULL);
	after = member(rec, K_AFTER, NULL);
	if (before) {
		ev->before_known = 1;
		ev->before = json_is_null(before) ? NULL : json_incref(before);
	} else if (ends_with(ev->action, "create") || ends_with(ev->action, "created")) {
		ev->before_known = 1;
	}
	ev->after = after && !json_is_null(after) ? json_incref(after) : NULL;
	if (read_context(&g, ev))
		goto fail;
	if (event_read_outcome(json_object_get(rec, "outcome"), ev, g.err)) {
		if (g.member) {
			buf_reset(g.member);
			buf_addstr(g.member, "outcome");
		}
		goto fail;
	}
	if (!ev->event_id)
		event_derive_id(ev, rec, raw, raw_len);
	return 0;
fail:
	event_release(ev);
	return -1;
}


/* ---- the JSON-lines format --------------------------------------------- */

/* A JSON object per line whose first line names an actor or a target
 * (EVENTS.md) is plausible; real platform formats that also start with
 * '{' score higher. A first line that does not parse (or is longer than
 * head, or cut by its end) is given the benefit of the doubt, so its error is located; a
 * complete object with neither is another format's record, for which
 * import says what it looks like (format_describe). */
static int jsonl_detect(const char *head, size_t len)
{
	static const char *const names[] = {
		"actor", "actor_id", "actorId", "user", "target", "flag_key", "flag_id", "flag",
		"target_key", "target_id", NULL,
	};
	const char *p = head, *eol;
	json_t *first;
	int score = 10;

	while (p < head + len && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n'))
		p++;
	if (p >= head + len || *p != '{')
		return 0;
	eol = memchr(p, '\n', (size_t)(head + len - p));
	/* a file of one line with no newline at its end is that line */
	first = json_loadb(p, eol ? (size_t)(eol - p) : (size_t)(head + len - p), 0, NULL);
	if (json_is_object(first)) {
		score = 0;
		for (const char *const *n = names; *n && !score; n++)
			if (json_object_get(first, *n))
				score = 10;
	}
	json_decref(first);
	return score;
}

/* One line (without its '\n'); its trailing '\r's are cut here. Bad
 * records go to the sink with the column at fault. */
static int jsonl_line(char *line, size_t len, long lineno, const char *file,
		      const struct format_options *opt, struct record_sink *sink)
{
	struct buf err = BUF_INIT, at = BUF_INIT;
	struct event *ev;
	json_t *rec;
	size_t nul, n = len;
	int l = 0, c = 0, ret = 0;

	(void)opt;
	while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
		line[--n] = '\0';
	if (strspn(line, " \t\r") == n)
		return 0;       /* a blank line */
	if (n > JSON_MAX_RECORD)
		return sink->bad(sink->ctx, lineno, 1, -1, "record larger than 4 MiB") ? -1 : 0;
	rec = json_parse_strict(line, n, &l, &c, &err);
	if (!rec) {
		ret = sink->bad(sink->ctx, lineno, c > 0 ? c : 1, -1, err.buf) ? -1 : 0;
		goto out;
	}
	if ((nul = fmt_nul_at(line, n)) != FMT_NO_NUL) {
		json_decref(rec);
		ret = sink->bad(sink->ctx, lineno, (int)nul + 1, -1, FMT_NUL_MESSAGE) ? -1 : 0;
		goto out;
	}
	ev = xmalloc(sizeof(*ev));
	if (event_from_generic(rec, line, n, ev, &err, &at)) {
		/* at the value of the member at fault, if one is */
		struct fmt_record where = { .raw = line, .raw_len = n, .line = lineno, .col = 1 };
		long l2;
		int c2;

		fmt_member_pos(&where, at.len ? at.buf : "", &l2, &c2);
		free(ev);
		json_decref(rec);
		ret = sink->bad(sink->ctx, lineno, c2, -1, err.buf) ? -1 : 0;
		goto out;
	}
	json_decref(rec);
	event_set_source(ev, "jsonl", file, lineno);
	ret = sink->emit(sink->ctx, ev) ? -1 : 0;
out:
	buf_release(&err);
	buf_release(&at);
	return ret;
}

static int jsonl_read(FILE *f, const char *file, const struct format_options *opt,
		      struct record_sink *sink)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	long lineno = 0;
	int ret = 0;

	while ((n = getline(&line, &cap, f)) >= 0) {
		if (ferror(f))
			break;          /* a partial line before a read error */
		lineno++;
		if (jsonl_line(line, (size_t)n, lineno, file, opt, sink)) {
			ret = -1;
			goto out;
		}
	}
	if (ferror(f))
		ret = format_read_failed(file);
out:
	free(line);
	return ret;
}

const struct format_ops format_jsonl = {
	"jsonl", jsonl_detect, jsonl_read, FORMAT_PARALLEL, jsonl_line, NULL,
};
