/*
 * policy.c - policy files (policy.h, docs/POLICY.md): strict JSON in,
 * checked rules out, every fault at FILE:LINE:COL; and the violations of
 * the rules within a seq and time range, in seq order.
 *
 * jansson (json_parse_strict) decodes the file and says where a syntax
 * error is; it keeps no positions of the values it decodes, so the
 * locator below walks the (already valid) text again to find where a
 * member's value starts, and through a query string's escapes to the
 * character the query parser blames. Cost: linear in the file, per fault.
 */
#include <errno.h>
#include <openssl/evp.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "trailscope/jcs.h"
#include "trailscope/policy.h"

#define NAME_OF(name, str) str,
static const char *const severity_names[] = { POLICY_SEVERITY_INFO(NAME_OF) };
#undef NAME_OF

const char *policy_severity_name(enum policy_severity s)
{
	return (size_t)s < ARRAY_SIZE(severity_names) ? severity_names[s] : "";
}

/* ---- positions in the file ---- */

static size_t skip_ws(const char *t, size_t len, size_t i)
{
	while (i < len && (t[i] == ' ' || t[i] == '\t' || t[i] == '\n' || t[i] == '\r'))
		i++;
	return i;
}

/* Past the string whose opening quote is at i. */
static size_t skip_string(const char *t, size_t len, size_t i)
{
	for (i++; i < len && t[i] != '"'; i++)
		if (t[i] == '\\')
			i++;
	return i < len ? i + 1 : len;
}

/* Past the value at i (the text is valid JSON). */
static size_t skip_value(const char *t, size_t len, size_t i)
{
	int depth = 0;

	do {
		i = skip_ws(t, len, i);
		if (i >= len)
			return len;
		if (t[i] == '"') {
			i = skip_string(t, len, i);
		} else if (t[i] == '{' || t[i] == '[') {
			depth++;
			i++;
		} else if (t[i] == '}' || t[i] == ']') {
			depth--;
			i++;
		} else if (t[i] == ',' || t[i] == ':') {
			i++;
		} else {
			while (i < len && !strchr(",]} \t\r\n", t[i]))
				i++;
		}
	} while (depth > 0);
	return i;
}

/* The offset of member key's value in the object at i, or of the object
 * itself when it has no such member (a key spelled with escapes too). */
static size_t member_at(const char *t, size_t len, size_t obj, const char *key)
{
	size_t i = skip_ws(t, len, obj), klen = strlen(key);

	if (i >= len || t[i] != '{')
		return obj;
	for (i++;;) {
		size_t k, end;

		i = skip_ws(t, len, i);
		if (i >= len || t[i] != '"')
			return obj;
		k = i + 1;
		end = skip_string(t, len, i);
		i = skip_ws(t, len, end);
		if (i < len && t[i] == ':')
			i = skip_ws(t, len, i + 1);
		if (end - k - 1 == klen && !memcmp(t + k, key, klen))
			return i;
		i = skip_ws(t, len, skip_value(t, len, i));
		if (i >= len || t[i] != ',')
			return obj;
		i++;
	}
}

/* The offset of element idx of the array at i, or of the array. */
static size_t element_at(const char *t, size_t len, size_t arr, size_t idx)
{
	size_t i = skip_ws(t, len, arr);

	if (i >= len || t[i] != '[')
		return arr;
	i++;
	for (size_t n = 0;; n++) {
		i = skip_ws(t, len, i);
		if (n == idx)
			return i;
		i = skip_ws(t, len, skip_value(t, len, i));
		if (i >= len || t[i] != ',')
			return arr;
		i++;
	}
}

/* The offset of rules[idx] (key NULL) or of its member key's value. */
static size_t rule_at(const struct policy *p, size_t idx, const char *key)
{
	size_t rules = member_at(p->text, p->len, 0, "rules"), r;

	if (rules == 0 && skip_ws(p->text, p->len, 0) < p->len && p->text[skip_ws(p->text, p->len, 0)] == '{')
		return skip_ws(p->text, p->len, 0);
	r = element_at(p->text, p->len, rules, idx);
	return key ? member_at(p->text, p->len, r, key) : r;
}

/* Line and column (characters, 1-based) of byte off. */
static void line_col(const char *t, size_t off, int *line, int *col)
{
	*line = 1;
	*col = 1;
	for (size_t i = 0; i < off && t[i]; i++) {
		if (t[i] == '\n') {
			(*line)++;
			*col = 1;
		} else if (((unsigned char)t[i] & 0xc0) != 0x80) {
			(*col)++;
		}
	}
}

static int fault_at(const struct policy *p, size_t off, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int fault_at(const struct policy *p, size_t off, const char *fmt, ...)
{
	struct buf msg = BUF_INIT;
	va_list ap;
	int line, col;

	va_start(ap, fmt);
	buf_vaddf(&msg, fmt, ap);
	va_end(ap);
	line_col(p->text, off, &line, &col);
	diag_at(p->path, line, col, "%s", msg.buf);
	buf_release(&msg);
	return -1;
}

/*
 * The file offset of byte qpos of a query string's decoded value, the
 * string's opening quote being at quote: walks the raw string through its
 * escapes (\uXXXX gives 1 to 4 decoded bytes, a surrogate pair 4).
 */
static size_t query_offset(const struct policy *p, size_t quote, size_t qpos)
{
	size_t i = quote + 1, decoded = 0;

	while (i < p->len && p->text[i] != '"' && decoded < qpos) {
		if (p->text[i] != '\\') {
			i++;
			decoded++;
			continue;
		}
		if (i + 1 < p->len && p->text[i + 1] == 'u' && i + 6 <= p->len) {
			unsigned cp;
			char hex[5];

			memcpy(hex, p->text + i + 2, 4);
			hex[4] = 0;
			cp = (unsigned)strtoul(hex, NULL, 16);
			i += 6;
			if (cp >= 0xd800 && cp < 0xdc00 && i + 6 <= p->len && p->text[i] == '\\') {
				i += 6;
				decoded += 4;
			} else {
				decoded += cp < 0x80 ? 1 : cp < 0x800 ? 2 : 3;
			}
		} else {
			i += 2;
			decoded++;
		}
	}
	return i;
}

/* ---- loading ---- */

void policy_release(struct policy *p)
{
	for (size_t i = 0; i < p->n; i++) {
		struct policy_rule *r = &p->rules[i];

		free(r->id);
		free(r->query);
		free(r->description);
		for (size_t k = 0; k < r->ncontrols; k++)
			free(r->controls[k]);
		free(r->controls);
	}
	free(p->rules);
	free(p->named);
	free(p->path);
	free(p->name);
	free(p->version);
	free(p->text);
	memset(p, 0, sizeof(*p));
}

static int id_valid(const char *id)
{
	size_t n = strlen(id);

	if (!n || n > POLICY_MAX_ID)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!((id[i] >= 'a' && id[i] <= 'z') || (id[i] >= 'A' && id[i] <= 'Z') ||
		      (id[i] >= '0' && id[i] <= '9') || strchr("._-", id[i])))
			return 0;
	return 1;
}

/* A required (or, with optional, absent-allowed) non-empty string member. */
static int get_string(const struct policy *p, size_t idx, const json_t *obj, const char *key, int optional,
		      char **out)
{
	const json_t *v = json_object_get(obj, key);

	*out = NULL;
	if (!v && optional)
		return 0;
	if (!v)
		return fault_at(p, rule_at(p, idx, NULL), "rule %zu has no \"%s\"", idx + 1, key);
	if (!json_is_string(v) || (!json_string_length(v) && strcmp(key, "query")))
		return fault_at(p, rule_at(p, idx, key), "\"%s\" must be a non-empty string", key);
	if (memchr(json_string_value(v), 0, json_string_length(v)))
		return fault_at(p, rule_at(p, idx, key), "\"%s\" contains a NUL character", key);
	*out = xstrdup(json_string_value(v));
	return 0;
}

static int load_rule(struct policy *p, size_t idx, const json_t *obj, usec_t now)
{
	static const char *const known[] = { "id", "query", "severity", "description", "controls" };
	struct policy_rule *r = &p->rules[idx];
	struct query_error qe;
	const json_t *v;
	const char *key;
	char *sev = NULL;
	int ret;

	if (!json_is_object(obj))
		return fault_at(p, rule_at(p, idx, NULL), "rule %zu must be an object", idx + 1);
	json_object_foreach((json_t *)obj, key, v) {
		if (name_index(known, ARRAY_SIZE(known), key) < 0)
			return fault_at(p, rule_at(p, idx, key), "unknown member \"%s\" in rule %zu (members: id, "
					"query, severity, description, controls)", key, idx + 1);
	}
	if ((ret = get_string(p, idx, obj, "id", 0, &r->id)) ||
	    (ret = get_string(p, idx, obj, "query", 0, &r->query)) ||
	    (ret = get_string(p, idx, obj, "severity", 0, &sev)) ||
	    (ret = get_string(p, idx, obj, "description", 0, &r->description))) {
		free(sev);
		return ret;
	}
	if (!id_valid(r->id))
		ret = fault_at(p, rule_at(p, idx, "id"), "bad rule id '%.64s' (1 to %d letters, digits, '.', '_' "
			       "or '-')", r->id, POLICY_MAX_ID);
	for (size_t k = 0; !ret && k < idx; k++)
		if (!strcmp(p->rules[k].id, r->id))
			ret = fault_at(p, rule_at(p, idx, "id"), "duplicate rule id '%s' (also rule %zu)", r->id, k + 1);
	if (!ret) {
		int s = name_index(severity_names, ARRAY_SIZE(severity_names), sev);

		if (s < 0)
			ret = fault_at(p, rule_at(p, idx, "severity"), "unknown severity '%.32s' (use info, low, "
				       "medium, high or critical)", sev);
		else
			r->severity = (enum policy_severity)s;
	}
	free(sev);
	if (ret)
		return ret;
	v = json_object_get(obj, "controls");
	if (v) {
		size_t i;
		const json_t *c;

		if (!json_is_array(v))
			return fault_at(p, rule_at(p, idx, "controls"), "\"controls\" must be an array of strings");
		r->controls = xcalloc(json_array_size(v) + 1, sizeof(*r->controls));
		json_array_foreach(v, i, c) {
			if (!json_is_string(c) || !json_string_length(c))
				return fault_at(p, element_at(p->text, p->len, rule_at(p, idx, "controls"), i),
						"\"controls\" must be an array of non-empty strings");
			r->controls[r->ncontrols++] = xstrdup(json_string_value(c));
		}
	}
	r->query_off = rule_at(p, idx, "query");
	if (query_check(r->query, now, 1, &qe))
		return fault_at(p, query_offset(p, r->query_off, qe.pos), "rule '%s': query: %s", r->id, qe.msg);
	return 0;
}

static void base_name(const char *path, struct buf *out)
{
	const char *slash = strrchr(path, '/'), *b = slash ? slash + 1 : path;
	const char *dot = strrchr(b, '.');

	buf_add(out, b, dot && dot > b ? (size_t)(dot - b) : strlen(b));
}

int policy_load(const char *path, usec_t now, struct policy *out)
{
	static const char *const known[] = { "name", "version", "description", "rules" };
	struct policy *p = out;
	struct buf err = BUF_INIT, name = BUF_INIT;
	const json_t *rules, *v;
	const char *key;
	json_t *root = NULL;
	int line, col, ret = -1;
	unsigned md_len;

	memset(p, 0, sizeof(*p));
	p->path = xstrdup(path);
	p->text = read_file(path, POLICY_MAX_SIZE, &p->len);
	if (!p->text) {
		error("cannot read policy '%s': %s", path, errno == EFBIG ? "larger than 4 MiB" : strerror(errno));
		goto out;
	}
	if (!EVP_Digest(p->text, p->len, p->sha256, &md_len, EVP_sha256(), NULL)) {
		error("%s: cannot hash the policy", path);
		goto out;
	}
	root = json_parse_strict(p->text, p->len, &line, &col, &err);
	if (!root) {
		diag_at(path, line, col, "%s", err.buf);
		goto out;
	}
	if (!json_is_object(root)) {
		fault_at(p, skip_ws(p->text, p->len, 0), "a policy is a JSON object with \"rules\"");
		goto out;
	}
	json_object_foreach(root, key, v) {
		if (name_index(known, ARRAY_SIZE(known), key) < 0) {
			fault_at(p, member_at(p->text, p->len, 0, key), "unknown member \"%s\" (members: name, "
				 "version, description, rules)", key);
			goto out;
		}
		if (strcmp(key, "rules") && !json_is_string(v)) {
			fault_at(p, member_at(p->text, p->len, 0, key), "\"%s\" must be a string", key);
			goto out;
		}
	}
	rules = json_object_get(root, "rules");
	if (!json_is_array(rules) || !json_array_size(rules)) {
		fault_at(p, rules ? member_at(p->text, p->len, 0, "rules") : skip_ws(p->text, p->len, 0),
			 "\"rules\" must be a non-empty array of rules");
		goto out;
	}
	if (json_array_size(rules) > POLICY_MAX_RULES) {
		fault_at(p, element_at(p->text, p->len, member_at(p->text, p->len, 0, "rules"), POLICY_MAX_RULES),
			 "too many rules (at most %d)", POLICY_MAX_RULES);
		goto out;
	}
	p->rules = xcalloc(json_array_size(rules), sizeof(*p->rules));
	for (size_t i = 0; i < json_array_size(rules); i++) {
		p->n = i + 1;
		if (load_rule(p, i, json_array_get(rules, i), now))
			goto out;
	}
	if (json_is_string(json_object_get(root, "name")) && json_string_length(json_object_get(root, "name"))) {
		buf_addstr(&name, json_string_value(json_object_get(root, "name")));
	} else {
		base_name(path, &name);
	}
	p->name = buf_detach(&name, NULL);
	if (json_is_string(json_object_get(root, "version")))
		p->version = xstrdup(json_string_value(json_object_get(root, "version")));
	p->named = xcalloc(p->n, sizeof(*p->named));
	for (size_t i = 0; i < p->n; i++) {
		p->named[i].id = p->rules[i].id;
		p->named[i].query = p->rules[i].query;
	}
	ret = 0;
out:
	json_decref(root);
	buf_release(&err);
	buf_release(&name);
	if (ret)
		policy_release(p);
	return ret;
}

/* ---- evaluating ---- */

static const struct policy *active;

void policy_set_active(const struct policy *p)
{
	active = p;
}

const struct policy *policy_active(void)
{
	return active;
}

int policy_compile(const struct policy *p, struct store *s, usec_t now, struct query ***out)
{
	struct query **qs = xcalloc(p->n ? p->n : 1, sizeof(*qs));
	struct query_error qe;

	*out = NULL;
	for (size_t i = 0; i < p->n; i++) {
		if (query_compile(s, p->rules[i].query, now, &qs[i], &qe)) {
			int ret = fault_at(p, query_offset(p, p->rules[i].query_off, qe.pos), "rule '%s': query: %s",
					   p->rules[i].id, qe.msg);

			policy_queries_free(qs, i);
			return ret;
		}
	}
	*out = qs;
	return 0;
}

void policy_queries_free(struct query **q, size_t n)
{
	if (!q)
		return;
	for (size_t i = 0; i < n; i++)
		query_free(q[i]);
	free(q);
}

/* A violation kept until every rule has been asked: the row's strings
 * copied into one allocation. */
struct hit {
	int64_t seq;
	size_t rule;
	struct query_row row;
	char *strings;
};

struct hits {
	struct hit *v;
	size_t n, alloc;
	size_t rule;
};

static int keep_hit(const struct query_row *row, void *ctx)
{
	struct hits *h = ctx;
	const char *src[10] = { row->ts, row->event_id, row->actor, row->actor_type, row->action, row->target,
				row->target_kind, row->environment, row->summary, row->outcome };
	const char **dst[10];
	struct hit *x;
	size_t total = 0;
	char *p;

	ALLOC_GROW(h->v, h->n + 1, h->alloc);
	x = &h->v[h->n++];
	x->seq = row->seq;
	x->rule = h->rule;
	x->row = *row;
	dst[0] = &x->row.ts;
	dst[1] = &x->row.event_id;
	dst[2] = &x->row.actor;
	dst[3] = &x->row.actor_type;
	dst[4] = &x->row.action;
	dst[5] = &x->row.target;
	dst[6] = &x->row.target_kind;
	dst[7] = &x->row.environment;
	dst[8] = &x->row.summary;
	dst[9] = &x->row.outcome;
	for (size_t i = 0; i < ARRAY_SIZE(src); i++)
		total += strlen(src[i]) + 1;
	p = x->strings = xmalloc(total);
	for (size_t i = 0; i < ARRAY_SIZE(src); i++) {
		size_t l = strlen(src[i]) + 1;

		memcpy(p, src[i], l);
		*dst[i] = p;
		p += l;
	}
	return 0;
}

static int cmp_hit(const void *a, const void *b)
{
	const struct hit *x = a, *y = b;

	if (x->seq != y->seq)
		return x->seq < y->seq ? -1 : 1;
	return x->rule < y->rule ? -1 : x->rule > y->rule;
}

int64_t policy_each_hit(const struct policy *p, struct query **qs, const struct query_range *r,
			policy_hit_fn *fn, void *ctx)
{
	struct hits h = { NULL, 0, 0, 0 };
	int64_t ret = 0;

	for (size_t i = 0; i < p->n && ret >= 0; i++) {
		int64_t n;

		h.rule = i;
		n = query_each_range(qs[i], r, keep_hit, &h);
		if (n < 0)
			ret = n;
	}
	if (ret >= 0 && h.n > 1)
		qsort(h.v, h.n, sizeof(*h.v), cmp_hit);
	for (size_t i = 0; i < h.n && ret >= 0; i++) {
		ret++;
		if (fn(ctx, h.v[i].rule, &h.v[i].row))
			break;
	}
	for (size_t i = 0; i < h.n; i++)
		free(h.v[i].strings);
	free(h.v);
	return ret;
}
