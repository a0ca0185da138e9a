/*
 * format_k8s.c - Kubernetes API-server audit logs (audit.k8s.io/v1,
 * v1beta1, and the older shape without apiVersion): JSON lines of Event
 * objects, or an EventList document. One event per auditID: the server
 * logs a request once per stage, and the ResponseComplete (or Panic)
 * stage is kept; a request seen only at earlier stages is kept at its
 * latest stage, at the end of the file. Read-only verbs are skipped
 * unless --include-reads. Kubernetes does not record the state before a
 * change: it is the stored state after the previous event for the same
 * object, or unknown.
 *
 * Cost: one strict parse per record, except the reads import skips from
 * JSON lines (most of a cluster's log): those are vouched for by a scan
 * that builds no tree (json_scan.c, k8s_line_is_read), in the parallel
 * first pass; memory holds the requests whose final stage has not been
 * seen yet (usually none).
 */
#include <stdlib.h>
#include <string.h>

#include "trailscope/format_util.h"
#include "trailscope/jcs.h"
#include "trailscope/json_arena.h"
#include "trailscope/json_scan.h"
#include "trailscope/util.h"

/* A request seen at a stage before its last. */
struct pending {
	json_t *json;          /* NULL once emitted */
	char *raw;
	size_t raw_len;
	struct fmt_record rec; /* position of that stage */
	int rank;
};

struct k8s {
	struct pending *v;
	size_t n, alloc;
	/* auditID -> index in v + 1 (0: free slot), open addressing */
	char **ids;
	size_t *slot_to;
	size_t nslots, used;
};

static int stage_rank(const char *stage)
{
	if (!stage)
		return 4;       /* no stage: the event as logged */
	if (!strcmp(stage, "RequestReceived"))
		return 1;
	if (!strcmp(stage, "ResponseStarted"))
		return 2;
	if (!strcmp(stage, "Panic"))
		return 3;
	if (!strcmp(stage, "ResponseComplete"))
		return 4;
	return 0;
}

static int is_final(int rank)
{
	return rank >= 3;
}

static size_t hash_str(const char *s)
{
	size_t h = 1469598103934665603ULL;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

/* The slot for id (found, or the free slot where it would go). */
static size_t find_slot(const struct k8s *k, const char *id)
{
	size_t i = hash_str(id) & (k->nslots - 1);

	while (k->ids[i] && strcmp(k->ids[i], id))
		i = (i + 1) & (k->nslots - 1);
	return i;
}

static void grow_table(struct k8s *k)
{
	char **ids = k->ids;
	size_t *to = k->slot_to, n = k->nslots;

	k->nslots = n ? n * 2 : 64;
	k->ids = xcalloc(k->nslots, sizeof(*k->ids));
	k->slot_to = xcalloc(k->nslots, sizeof(*k->slot_to));
	for (size_t i = 0; i < n; i++)
		if (ids[i]) {
			size_t j = find_slot(k, ids[i]);

			k->ids[j] = ids[i];
			k->slot_to[j] = to[i];
		}
	free(ids);
	free(to);
}

static void k8s_release(struct k8s *k)
{
	for (size_t i = 0; i < k->n; i++) {
		json_decref(k->v[i].json);
		free(k->v[i].raw);
	}
	for (size_t i = 0; i < k->nslots; i++)
		free(k->ids[i]);
	free(k->v);
	free(k->ids);
	free(k->slot_to);
}

static const char *const read_verbs[] = { "get", "list", "watch", NULL };

static int is_read_verb(const char *verb)
{
	for (const char *const *v = read_verbs; *v; v++)
		if (!strcmp(verb, *v))
			return 1;
	return 0;
}

/*
 * The actor type of a Kubernetes username (docs/FORMATS.md). Kubernetes
 * reserves the "system:" prefix: system:serviceaccount:NS:NAME are service
 * accounts, system:node:NAME the kubelets, system:kube-* (controller
 * manager, scheduler, proxy, aggregator) and system:apiserver the control
 * plane's own components: services. system:anonymous is an
 * unauthenticated request: unknown. system:admin is the cluster
 * administrator's credential (the one people log in with on OpenShift and
 * from admin kubeconfigs): a user. Any other system: name is reserved but
 * not documented as a machine identity, so it is unknown, never a service
 * account by guess.
 */
static char *actor_type_of(const char *user)
{
	if (!strncmp(user, "system:serviceaccount:", 22) || !strncmp(user, "system:node:", 12) ||
	    !strncmp(user, "system:kube-", 12) || !strcmp(user, "system:apiserver"))
		return xstrdup("service");
	if (!strcmp(user, "system:admin"))
		return xstrdup("user");
	if (!strcmp(user, "system:anonymous") || !strcmp(user, "unknown") || !strncmp(user, "system:", 7))
		return xstrdup("unknown");
	return xstrdup("user");
}

/* A full object state: an object that is not a Status or options. */
static json_t *as_state(json_t *v)
{
	const char *kind = fmt_str(v, "kind");

	if (!json_is_object(v))
		return NULL;
	if (kind && (!strcmp(kind, "Status") || !strcmp(kind, "DeleteOptions")))
		return NULL;
	return v;
}

static json_t *previous(struct fmt_reader *r, const struct event *ev)
{
	if (!r->sink->previous_state)
		return NULL;
	return r->sink->previous_state(r->sink->ctx, ev->target_kind, ev->target_key, ev->environment);
}

/* Builds the event of one request from its kept stage, and emits it. */
static int k8s_emit(struct fmt_reader *r, const struct fmt_record *rec)
{
	json_t *j = rec->json, *obj = json_object_get(j, "objectRef"), *user = json_object_get(j, "user");
	json_t *imp = json_object_get(j, "impersonatedUser"), *resp = json_object_get(j, "responseObject");
	json_t *req = json_object_get(j, "requestObject"), *status = json_object_get(j, "responseStatus");
	json_t *code = json_object_get(status, "code"), *ips = json_object_get(j, "sourceIPs");
	const char *verb = fmt_str(j, "verb"), *username = fmt_str(user, "username");
	const char *t, *ns, *name, *res, *sub, *at = ""; /* at: the member at fault */
	struct event *ev = fmt_event_new();
	struct buf b = BUF_INIT, err = BUF_INIT;
	json_t *state = NULL, *prev;
	int failed = json_is_number(code) && json_number_value(code) >= 400;

	ev->event_id = xstrdup(fmt_str(j, "auditID"));
	if (!(t = fmt_str(j, at = "requestReceivedTimestamp")) && !(t = fmt_str(j, at = "stageTimestamp")) &&
	    !(t = fmt_str(j, at = "timestamp"))) {
		buf_addstr(&err, "missing \"requestReceivedTimestamp\"");
		at = "";
		goto bad;
	}
	if (fmt_time_iso(ev, t, &err))
		goto bad;
	at = "";

	ev->actor_id = xstrdup(username && *username ? username : "unknown");
	ev->actor_type = actor_type_of(ev->actor_id);
	ev->context = json_object();
	if (json_is_object(imp)) {
		const char *as = fmt_str(imp, "username");

		ev->actor_auth = xstrdup("impersonation");
		if (as) {
			buf_addf(&b, "%s (as %s)", ev->actor_id, as);
			ev->actor_name = buf_detach(&b, NULL);
		}
		fmt_ctx_json(ev->context, "impersonated_user", imp);
	}
	fmt_ctx_json(ev->context, "groups", json_object_get(user, "groups"));
	fmt_ctx_json(ev->context, "user_extra", json_object_get(user, "extra"));
	ev->action = xstrdup(verb);

	if (json_is_object(obj)) {
		if (!(res = fmt_str(obj, "resource")) || !*res) {
			buf_addstr(&err, "missing \"objectRef.resource\"");
			goto bad;
		}
		sub = fmt_str(obj, "subresource");
		ns = fmt_str(obj, "namespace");
		name = fmt_str(obj, "name");
		if (!name || !*name)
			name = fmt_str_path(as_state(resp), "metadata", "name", (const char *)NULL);
		if ((!name || !*name) && strcmp(verb, "patch"))
			name = fmt_str_path(as_state(req), "metadata", "name", (const char *)NULL);
		buf_addstr(&b, res);
		if (sub && *sub)
			buf_addf(&b, "/%s", sub);
		ev->target_kind = buf_detach(&b, NULL);
		if (ns && *ns)
			buf_addf(&b, "%s/", ns);
		buf_addstr(&b, name && *name ? name : "*");
		ev->target_key = buf_detach(&b, NULL);
		fmt_ctx_str(ev->context, "api_group", fmt_str(obj, "apiGroup"));
		fmt_ctx_str(ev->context, "api_version", fmt_str(obj, "apiVersion"));
		fmt_ctx_str(ev->context, "uid", fmt_str(obj, "uid"));
	} else {
		const char *uri = fmt_str(j, "requestURI");

		ev->target_kind = xstrdup("url");
		ev->target_key = xstrdup(uri && *uri ? uri : "/");
	}
	ev->environment = xstrdup("");

	fmt_ctx_str(ev->context, "stage", fmt_str(j, "stage"));
	fmt_ctx_str(ev->context, "level", fmt_str(j, "level"));
	fmt_ctx_str(ev->context, "request_uri", fmt_str(j, "requestURI"));
	if (json_is_array(ips) && json_is_string(json_array_get(ips, 0)))
		fmt_ctx_str(ev->context, "source_ip", json_string_value(json_array_get(ips, 0)));
	fmt_ctx_json(ev->context, "source_ips", ips);
	fmt_ctx_str(ev->context, "user_agent", fmt_str(j, "userAgent"));
	fmt_ctx_json(ev->context, "response_status", status);
	fmt_ctx_json(ev->context, "annotations", json_object_get(j, "annotations"));
	if (failed) {
		char codebuf[32];

		json_object_set_new(ev->context, "failed", json_true());
		snprintf(codebuf, sizeof(codebuf), "%.0f", json_number_value(code));
		event_set_failure(ev, codebuf, fmt_str(status, "message"));
	}

	/* the states */
	sub = json_is_object(obj) ? fmt_str(obj, "subresource") : NULL;
	if (!failed && strcmp(verb, "delete") && strcmp(verb, "deletecollection")) {
		if ((state = as_state(resp)))
			fmt_ctx_str(ev->context, "state_from", "responseObject");
		else if ((!strcmp(verb, "create") || !strcmp(verb, "update")) && (state = as_state(req)))
			fmt_ctx_str(ev->context, "state_from", "requestObject");
	}
	if (failed) {
		prev = previous(r, ev);
		ev->before_known = prev != NULL;
		ev->before = prev;
		ev->after = json_incref(prev);
	} else if (!strcmp(verb, "delete") || !strcmp(verb, "deletecollection")) {
		prev = previous(r, ev);
		ev->before_known = prev != NULL;
		ev->before = prev;
	} else if (!state) {
		ev->before_known = 0;   /* nothing known before or after */
	} else if (!strcmp(verb, "create") && !(sub && *sub)) {
		ev->before_known = 1;   /* nothing existed */
		ev->after = json_incref(state);
	} else {
		prev = previous(r, ev);
		ev->before_known = prev != NULL;
		ev->before = prev;
		ev->after = json_incref(state);
	}
	buf_release(&b);
	buf_release(&err);
	return fmt_emit(r, rec, ev);
bad:
	event_release(ev);
	free(ev);
	buf_release(&b);
	{
		int rc = fmt_bad_at(r, rec, at, "%s", err.buf);

		buf_release(&err);
		return rc;
	}
}

/* The members of an event that, when present, are strings or null. */
static const char *const string_members[] = {
	"requestReceivedTimestamp", "stageTimestamp", "timestamp", "requestURI", "level", NULL,
};

/* The members an event is built from, when present, have their types:
 * a wrong one is an error at its value, never a silent fallback. */
static int check_members(struct fmt_reader *r, const struct fmt_record *rec)
{
	json_t *j = rec->json, *user = json_object_get(j, "user"), *v;
	json_t *status = json_object_get(j, "responseStatus");

	if ((v = json_object_get(j, "stage")) && !json_is_string(v))
		return fmt_type_error(r, rec, "stage", "string");
	if (v && !stage_rank(json_string_value(v)))
		return fmt_bad_at(r, rec, "stage", "unknown \"stage\" (want RequestReceived, "
				  "ResponseStarted, ResponseComplete or Panic)");
	if (!user)
		return fmt_bad(r, rec, "missing \"user\"");
	if (!json_is_object(user))
		return fmt_type_error(r, rec, "user", "object");
	if ((v = json_object_get(user, "username")) && !json_is_string(v) && !json_is_null(v))
		return fmt_type_error(r, rec, "user.username", "string");
	if ((v = json_object_get(j, "objectRef")) && !json_is_object(v) && !json_is_null(v))
		return fmt_type_error(r, rec, "objectRef", "object");
	if (status && !json_is_object(status) && !json_is_null(status))
		return fmt_type_error(r, rec, "responseStatus", "object");
	if ((v = json_object_get(status, "code")) && !json_is_number(v) && !json_is_null(v))
		return fmt_type_error(r, rec, "responseStatus.code", "number");
	if ((v = json_object_get(j, "impersonatedUser")) && !json_is_object(v) && !json_is_null(v))
		return fmt_type_error(r, rec, "impersonatedUser", "object");
	for (const char *const *m = string_members; *m; m++)
		if ((v = json_object_get(j, *m)) && !json_is_string(v) && !json_is_null(v))
			return fmt_type_error(r, rec, *m, "string");
	return 1;
}

static int check_event(struct fmt_reader *r, const struct fmt_record *rec)
{
	json_t *j = rec->json, *kind = json_object_get(j, "kind");
	const char *api = fmt_str(j, "apiVersion"), *id = fmt_str(j, "auditID");
	const char *verb = fmt_str(j, "verb");

	if (!json_is_object(j))
		return fmt_bad(r, rec, "expected a Kubernetes audit Event object");
	if (json_is_string(kind) && !strcmp(json_string_value(kind), "EventList"))
		return fmt_bad(r, rec, "an EventList must be the whole file, not one of many lines");
	if (!json_is_string(kind) || strcmp(json_string_value(kind), "Event"))
		return fmt_bad(r, rec, "not a Kubernetes audit event (\"kind\" is not \"Event\")");
	if (json_object_get(j, "apiVersion") &&
	    (!api || (strcmp(api, "audit.k8s.io/v1") && strcmp(api, "audit.k8s.io/v1beta1") &&
		      strcmp(api, "audit.k8s.io/v1alpha1"))))
		return fmt_bad(r, rec, "unsupported apiVersion (want audit.k8s.io/v1 or v1beta1)");
	if (json_object_get(j, "auditID") && !id)
		return fmt_type_error(r, rec, "auditID", "string");
	if (!id || !*id)
		return fmt_bad(r, rec, "missing \"auditID\"");
	if (json_object_get(j, "verb") && !verb)
		return fmt_type_error(r, rec, "verb", "string");
	if (!verb || !*verb)
		return fmt_bad(r, rec, "missing \"verb\"");
	return check_members(r, rec);
}

static int k8s_record(struct fmt_reader *r, const struct fmt_record *rec)
{
	struct k8s *k = r->data;
	const char *id, *stage;
	struct pending *p;
	size_t slot;
	int rank, rc = check_event(r, rec);

	if (rc <= 0)
		return rc;
	if (!r->opt->include_reads && is_read_verb(fmt_str(rec->json, "verb"))) {
		fmt_skip(r, SKIP_READ);
		return 0;
	}
	id = fmt_str(rec->json, "auditID");
	stage = fmt_str(rec->json, "stage");
	rank = stage_rank(stage);
	if (!k->nslots || (k->used + 1) * 2 > k->nslots)
		grow_table(k);
	slot = find_slot(k, id);
	p = k->ids[slot] ? &k->v[k->slot_to[slot] - 1] : NULL;
	if (p && !p->json) {
		fmt_skip(r, SKIP_STAGE); /* a stage of a request already kept */
		return 0;
	}
	if (is_final(rank)) {
		if (p) {                /* drop the earlier stage */
			fmt_skip(r, SKIP_STAGE);
			json_decref(p->json);
			p->json = NULL;
			free(p->raw);
			p->raw = NULL;
		}
		return k8s_emit(r, rec);
	}
	if (p && p->rank >= rank) {
		fmt_skip(r, SKIP_STAGE);
		return 0;
	}
	if (p)
		fmt_skip(r, SKIP_STAGE); /* replaced by this later stage */
	else {
		ALLOC_GROW(k->v, k->n + 1, k->alloc);
		p = &k->v[k->n++];
		memset(p, 0, sizeof(*p));
		k->ids[slot] = xstrdup(id);
		k->slot_to[slot] = k->n;
		k->used++;
	}
	json_decref(p->json);
	free(p->raw);
	p->json = json_incref(rec->json);
	p->raw = xstrndup(rec->raw, rec->raw_len);
	p->raw_len = rec->raw_len;
	p->rec = *rec;
	p->rank = rank;
	return 0;
}

/* Emits the requests never seen at their final stage, in file order. */
static int k8s_finish(struct fmt_reader *r)
{
	struct k8s *k = r->data;

	for (size_t i = 0; i < k->n; i++) {
		struct pending *p = &k->v[i];
		struct fmt_record rec;
		int rc;

		if (!p->json)
			continue;
		rec = p->rec;
		rec.json = p->json;
		rec.raw = p->raw;
		rc = k8s_emit(r, &rec);
		json_decref(p->json);
		p->json = NULL;
		free(p->raw);
		p->raw = NULL;
		if (rc)
			return -1;
	}
	return 0;
}

static int k8s_detect(const char *head, size_t len)
{
	(void)len;
	if (fmt_head_has_key(head, "auditID") &&
	    (strstr(head, "audit.k8s.io") || fmt_head_has_key(head, "stage") ||
	     fmt_head_has_key(head, "verb")))
		return 90;
	if (strstr(head, "\"EventList\"") && strstr(head, "audit.k8s.io"))
		return 90;
	return 0;
}

static const char *const k8s_wrappers[] = { "items", NULL };

static int k8s_read(FILE *f, const char *file, const struct format_options *opt,
		    struct record_sink *sink)
{
	struct k8s k = { 0 };
	struct fmt_reader r = {
		.format = "k8s", .file = file, .opt = opt, .sink = sink, .wrappers = k8s_wrappers,
		.record = k8s_record, .finish = k8s_finish, .data = &k,
	};
	int rc = fmt_read(&r, f);

	k8s_release(&k);
	return rc;
}

/* ---- the parallel first pass (format_sift) ------------------------------ */

/* Settles a record alone when it can: bad, or a read that is skipped.
 * Otherwise keeps a copy of it outside the thread's JSON arena in
 * *r->data, so that the ordered pass need not parse it again. */
static int k8s_sift_record(struct fmt_reader *r, const struct fmt_record *rec)
{
	struct json_arena *arena;
	json_t **keep = r->data;
	int rc = check_event(r, rec);

	if (rc <= 0)
		return rc;
	if (!r->opt->include_reads && is_read_verb(fmt_str(rec->json, "verb"))) {
		fmt_skip(r, SKIP_READ);
		return 0;
	}
	arena = json_arena_pause();
	*keep = json_deep_copy(rec->json);
	json_arena_resume(arena);
	return 1;               /* for the ordered pass */
}

/* A scanned member that check_members() accepts when present: absent, or
 * of type a or b (b may be 0). */
static int scanned_is(const struct json_scan_member *m, int n, const char *name,
		      enum json_scan_type a, enum json_scan_type b)
{
	const struct json_scan_value *v = json_scan_get(m, n, name);

	return !v || v->type == a || (b && v->type == b);
}

/* A scanned string without escapes, NUL-terminated into out (size
 * bytes); 0 when it is not one or does not fit. */
static int scanned_word(const struct json_scan_value *v, char *out, size_t size)
{
	if (!v || v->type != JSCAN_STRING || v->escaped || v->n >= size)
		return 0;
	memcpy(out, v->p, v->n);
	out[v->n] = '\0';
	return 1;
}

/* The object member name of the scanned members passes
 * check_members()'s test of the member inside it (inner, of type a or
 * null), or is null or absent when null_ok. */
static int scanned_inner(const struct json_scan_member *m, int n, const char *name, int null_ok,
			 const char *inner, enum json_scan_type a)
{
	const struct json_scan_value *v = json_scan_get(m, n, name);
	struct json_scan_member sub[32];
	int k;

	if (!v || v->type != JSCAN_OBJECT)
		return null_ok && (!v || v->type == JSCAN_NULL);
	k = json_scan_object(v->p, v->n, sub, sizeof(sub) / sizeof(sub[0]));
	return k >= 0 && scanned_is(sub, k, inner, a, JSCAN_NULL);
}

/* What check_event() and is_read_verb() decide, from a scan: 1 only when
 * every check passes and the verb is a read (each string compared is
 * free of escapes, so its bytes are its value). */
int k8s_line_is_read(const char *line, size_t n)
{
	struct json_scan_member m[64];
	const struct json_scan_value *v;
	char word[32];
	int k = json_scan_object(line, n, m, sizeof(m) / sizeof(m[0]));

	if (k < 0 || !json_scan_str_is(json_scan_get(m, k, "kind"), "Event"))
		return 0;
	if ((v = json_scan_get(m, k, "apiVersion")) && !json_scan_str_is(v, "audit.k8s.io/v1") &&
	    !json_scan_str_is(v, "audit.k8s.io/v1beta1") && !json_scan_str_is(v, "audit.k8s.io/v1alpha1"))
		return 0;
	if (!(v = json_scan_get(m, k, "auditID")) || v->type != JSCAN_STRING || !v->n)
		return 0;
	if (!scanned_word(json_scan_get(m, k, "verb"), word, sizeof(word)) || !is_read_verb(word))
		return 0;
	if ((v = json_scan_get(m, k, "stage")) && (!scanned_word(v, word, sizeof(word)) || !stage_rank(word)))
		return 0;
	if (!scanned_inner(m, k, "user", 0, "username", JSCAN_STRING) ||
	    !scanned_inner(m, k, "responseStatus", 1, "code", JSCAN_NUMBER) ||
	    !scanned_is(m, k, "objectRef", JSCAN_OBJECT, JSCAN_NULL) ||
	    !scanned_is(m, k, "impersonatedUser", JSCAN_OBJECT, JSCAN_NULL))
		return 0;
	for (const char *const *s = string_members; *s; s++)
		if (!scanned_is(m, k, *s, JSCAN_STRING, JSCAN_NULL))
			return 0;
	return 1;
}

static int k8s_sift_lines(const char *head, size_t len)
{
	struct fmt_reader r = { .format = "k8s", .wrappers = k8s_wrappers };

	return fmt_head_is_lines(&r, head, len);
}

static int k8s_sift_line(char *line, size_t n, long lineno, const char *file,
			 const struct format_options *opt, struct record_sink *sink, json_t **parsed)
{
	struct fmt_reader r = {
		.format = "k8s", .file = file, .opt = opt, .sink = sink, .wrappers = k8s_wrappers,
		.record = k8s_sift_record, .data = parsed,
	};

	*parsed = NULL;
	if (!opt->include_reads && k8s_line_is_read(line, n)) {
		fmt_skip(&r, SKIP_READ); /* what k8s_sift_record does, without the parse */
		return 0;
	}
	return fmt_read_line(&r, line, n, lineno);
}

struct k8s_ordered {
	struct fmt_reader r;
	struct k8s k;
};

static void *k8s_open(const char *file, const struct format_options *opt, struct record_sink *sink)
{
	struct k8s_ordered *o = xcalloc(1, sizeof(*o));

	o->r = (struct fmt_reader){
		.format = "k8s", .file = file, .opt = opt, .sink = sink, .wrappers = k8s_wrappers,
		.record = k8s_record, .finish = k8s_finish, .data = &o->k,
	};
	return o;
}

static int k8s_feed(void *state, char *line, size_t n, long lineno, json_t *parsed)
{
	struct k8s_ordered *o = state;

	if (parsed)
		return fmt_read_parsed(&o->r, line, n, lineno, parsed) ? -1 : 0;
	return fmt_read_line(&o->r, line, n, lineno) ? -1 : 0;
}

static int k8s_close(void *state, int finish)
{
	struct k8s_ordered *o = state;
	int rc = finish ? k8s_finish(&o->r) : 0;

	k8s_release(&o->k);
	free(o);
	return rc;
}

static const struct format_sift k8s_sift = {
	k8s_sift_lines, k8s_sift_line, k8s_open, k8s_feed, k8s_close,
};

/* Not FORMAT_PARALLEL: it asks the store for the state before; the
 * records that need nothing earlier are settled in parallel (k8s_sift). */
const struct format_ops format_k8s = { "k8s", k8s_detect, k8s_read, 0, NULL, &k8s_sift };
