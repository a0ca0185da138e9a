/*
 * format_opensearch.c - OpenSearch / Elasticsearch exports of an index
 * that holds audit records: search responses ({"took", "hits": {"total",
 * "hits": [hit, ...]}}, one per file or one per line as a scroll dump
 * writes them), hits one per line or in an array (elasticdump's
 * {"_index", "_id", "_source"} lines), and bare _source documents one per
 * line. Every hit's _source is read through the --map file, as the
 * mapped-JSON format reads a record (format_map.c); the hit's _index and
 * _id are kept in the event's source and context, and make its id
 * ("<_index>/<_id>") when the map gives none. The raw record is the hit
 * verbatim. docs/FORMATS.md, "OpenSearch / Elasticsearch".
 *
 * Cost: one strict parse per line or document (a response is parsed
 * whole: at most 4 MiB on one line, 256 MiB as a document), then a
 * structural scan to slice each hit and its _source.
 */
#include <stdlib.h>
#include <string.h>

#include "trailscope/format_util.h"
#include "trailscope/util.h"

/* The map example in errors: the members of a typical audit document. */
#define OS_MAP_EXAMPLE \
	"{\"fields\": {\"timestamp\": \"/@timestamp\", \"actor_id\": \"/user/name\", " \
	"\"action\": \"/event/action\", \"target_key\": \"/resource\"}}"

/* One hit (or a bare _source document): map its document, emit. */
static int os_hit(struct fmt_reader *r, const struct fmt_record *hit)
{
	json_t *j = hit->json, *v;
	struct fmt_record doc;
	struct event *ev = NULL;
	const char *index, *id;
	int rc;

	if (!json_is_object(j))
		return fmt_bad(r, hit, "expected a search hit or a _source object");
	if ((v = json_object_get(j, "_index")) && !json_is_string(v))
		return fmt_type_error(r, hit, "_index", "string");
	if ((v = json_object_get(j, "_id")) && !json_is_string(v))
		return fmt_type_error(r, hit, "_id", "string");
	index = fmt_str(j, "_index");
	id = fmt_str(j, "_id");
	v = json_object_get(j, "_source");
	if (v) {
		if (!json_is_object(v))
			return fmt_type_error(r, hit, "_source", "object");
		if (fmt_sub_record(hit, "_source", &doc))
			return fmt_bad(r, hit, "cannot find \"_source\" as written (escaped member name?)");
	} else if (index || id) {
		return fmt_bad(r, hit, "missing \"_source\": the hit was exported without its document "
			       "(search with \"_source\": true)");
	} else {
		doc = *hit;     /* a bare _source document */
	}
	rc = fmt_map_event(r, r->data, &doc, &ev);
	if (rc != 1)
		return rc;
	if ((!ev->event_id || !*ev->event_id) && index && id) {
		struct buf b = BUF_INIT;

		free(ev->event_id);
		buf_addf(&b, "%s/%s", index, id);
		ev->event_id = buf_detach(&b, NULL);
	}
	if (index || id) {
		ev->source = json_object();
		if (index)
			json_object_set_new(ev->source, "_index", json_string(index));
		if (id)
			json_object_set_new(ev->source, "_id", json_string(id));
		fmt_ctx_str(ev->context, "search_index", index);
		fmt_ctx_str(ev->context, "search_id", id);
	}
	/* the raw record is the hit, with its _index and _id */
	return fmt_emit(r, hit, ev);
}

/* A search response: its hits.hits, each a record of its own. */
static int os_response(struct fmt_reader *r, const struct fmt_record *rec)
{
	json_t *j = rec->json, *hits = json_object_get(j, "hits"), *v;
	struct fmt_record arr;
	int rc;

	if (!json_is_object(hits))
		return fmt_type_error(r, rec, "hits", "object");
	if (!(v = json_object_get(hits, "hits")))
		return fmt_bad_at(r, rec, "hits", "missing \"hits.hits\" (the array of hits)");
	if (!json_is_array(v))
		return fmt_type_error(r, rec, "hits.hits", "array");
	v = json_object_get(json_object_get(j, "_shards"), "failed");
	if (json_is_true(json_object_get(j, "timed_out")) || (json_is_integer(v) && json_integer_value(v) > 0)) {
		struct buf safe = BUF_INIT;

		buf_add_term_safe(&safe, r->file, strlen(r->file));
		warning("%s:%ld: the search response %s: its hits may be incomplete", safe.buf, rec->line,
			json_is_true(json_object_get(j, "timed_out")) ? "timed out" : "reports failed shards");
		buf_release(&safe);
	}
	if (fmt_sub_record(rec, "hits.hits", &arr))
		return fmt_bad_at(r, rec, "hits", "cannot find \"hits.hits\" as written");
	rc = fmt_each_element(r, &arr, os_hit);
	if (rc == -2)
		return fmt_bad_at(r, rec, "hits.hits", "cannot read the hits as written");
	return rc;
}

static int os_record(struct fmt_reader *r, const struct fmt_record *rec)
{
	json_t *hits = json_object_get(rec->json, "hits");

	/* a response has "hits" holding an object (a document may have a
	 * member "hits" of its own: a number, say) */
	if (json_is_object(rec->json) && json_is_object(hits) && !json_object_get(rec->json, "_source"))
		return os_response(r, rec);
	return os_hit(r, rec);
}

static int os_detect(const char *head, size_t len)
{
	(void)len;
	if (!fmt_head_has_key(head, "_source"))
		return 0;
	if (fmt_head_has_key(head, "hits") || fmt_head_has_key(head, "_index") ||
	    fmt_head_has_key(head, "_id"))
		return 90;
	return 0;
}

static int os_read(FILE *f, const char *file, const struct format_options *opt,
		   struct record_sink *sink)
{
	/* a response as one document: its hits are cut out of it one by one
	 * (no 4 MiB limit on the whole response) */
	static const char *const wrappers[] = { "hits.hits", NULL };
	struct fmt_reader r = {
		.format = "opensearch", .file = file, .opt = opt, .sink = sink, .wrappers = wrappers,
		.record = os_record,
	};
	struct fmt_map *m;
	int rc;

	if (!opt->map_file) {
		struct buf safe = BUF_INIT;

		buf_add_term_safe(&safe, file, strlen(file));
		error("%s: an OpenSearch/Elasticsearch export: its _source documents are read through a "
		      "map naming their time, actor and target: --map FILE, e.g. " OS_MAP_EXAMPLE
		      " (docs/FORMATS.md, \"OpenSearch / Elasticsearch\")", safe.buf);
		buf_release(&safe);
		return -2;
	}
	if (!(m = fmt_map_load(opt->map_file)))
		return -2;
	r.data = m;
	rc = fmt_read(&r, f);
	fmt_map_free(m);
	return rc;
}

const struct format_ops format_opensearch = { "opensearch", os_detect, os_read, FORMAT_PARALLEL, NULL, NULL };
