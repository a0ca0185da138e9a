/*
 * test_leaf.c - leaf versions and outcomes: the scanner verify uses reads
 * version 1 leaves (outcome "unknown") and version 2 leaves (outcome
 * required), and refuses leaves that disagree with their version; the
 * generic "outcome" member in each accepted form and each refused one;
 * the leaf event_leaf writes; and the one summary function's wording for
 * an unrecorded state.
 */
#include <string.h>

#include "check.h"
#include "trailscope/diff.h"
#include "trailscope/event.h"
#include "trailscope/leaf.h"

static int scan(const char *leaf, struct leaf_fields *f, struct buf *err)
{
	leaf_fields_release(f);
	leaf_fields_init(f);
	buf_reset(err);
	return leaf_scan(leaf, strlen(leaf), f, err);
}

#define BODY "\"action\":\"flag.update\",\"actor\":{\"id\":\"a\",\"type\":\"user\"},\"event_id\":\"e1\"," \
	"\"seq\":1,\"target\":{\"key\":\"f\",\"kind\":\"flag\"},\"ts\":\"2026-01-12T10:00:00.000000Z\""

TEST(test_scan_versions)
{
	struct leaf_fields f;
	struct buf err = BUF_INIT;

	leaf_fields_init(&f);
	CHECK(scan("{" BODY ",\"v\":1}", &f, &err) == 0);
	CHECK(f.version == 1);
	CHECK_STR(f.outcome.buf, "unknown");
	CHECK(scan("{" BODY ",\"outcome\":{\"status\":\"success\"},\"v\":2}", &f, &err) == 0);
	CHECK(f.version == 2);
	CHECK_STR(f.outcome.buf, "success");
	CHECK(scan("{" BODY ",\"outcome\":{\"code\":\"403\",\"message\":\"no \\\"way\\\"\",\"status\":\"failure\"},"
		   "\"v\":2}", &f, &err) == 0);
	CHECK_STR(f.outcome.buf, "failure");
	/* disagreements with the version */
	CHECK(scan("{" BODY ",\"v\":2}", &f, &err) == -1);
	CHECK(strstr(err.buf, "version 2 leaf needs") != NULL);
	CHECK(scan("{" BODY ",\"outcome\":{\"status\":\"maybe\"},\"v\":2}", &f, &err) == -1);
	CHECK(scan("{" BODY ",\"outcome\":{\"status\":7},\"v\":2}", &f, &err) == -1);
	CHECK(scan("{" BODY ",\"outcome\":{\"status\":\"failure\"},\"v\":1}", &f, &err) == -1);
	CHECK(strstr(err.buf, "version 1 leaf has no") != NULL);
	CHECK(scan("{" BODY ",\"outcome\":{\"status\":\"success\"},\"v\":3}", &f, &err) == -1);
	CHECK(strstr(err.buf, "not a known leaf version") != NULL);
	CHECK(scan("{" BODY ",\"outcome\":{\"status\":\"success\"},\"v\":22}", &f, &err) == -1);
	CHECK(scan("{" BODY "}", &f, &err) == -1);
	CHECK(strstr(err.buf, "lacks \"v\"") != NULL);
	leaf_fields_release(&f);
	buf_release(&err);
}

/* Reads rec as a generic event: 0 with ev filled, or -1 with err. */
static int read_generic(const char *rec, struct event *ev, struct buf *err)
{
	json_error_t je;
	json_t *j = json_loads(rec, JSON_ALLOW_NUL, &je);
	int rc;

	buf_reset(err);
	if (!j)
		return -2;
	rc = event_from_generic(j, rec, strlen(rec), ev, err, NULL);
	json_decref(j);
	return rc;
}

#define REC(outcome) "{\"timestamp\":\"2026-01-12T10:00:00Z\",\"actor\":\"a\",\"flag_key\":\"f\"," \
	"\"previous_state\":\"off\",\"new_state\":\"on\"" outcome "}"

TEST(test_generic_outcome)
{
	static const struct {
		const char *rec;
		enum outcome o;
		const char *code, *message;
	} ok[] = {
		{ REC(""), OUTCOME_SUCCESS, NULL, NULL },
		{ REC(",\"outcome\":null"), OUTCOME_SUCCESS, NULL, NULL },
		{ REC(",\"outcome\":\"Success\""), OUTCOME_SUCCESS, NULL, NULL },
		{ REC(",\"outcome\":\"ok\""), OUTCOME_SUCCESS, NULL, NULL },
		{ REC(",\"outcome\":\"failed\""), OUTCOME_FAILURE, NULL, NULL },
		{ REC(",\"outcome\":\"DENIED\""), OUTCOME_FAILURE, NULL, NULL },
		{ REC(",\"outcome\":404"), OUTCOME_FAILURE, "404", NULL },
		{ REC(",\"outcome\":204"), OUTCOME_SUCCESS, NULL, NULL },
		{ REC(",\"outcome\":{\"status\":\"failure\",\"code\":\"AccessDenied\",\"message\":\"no\"}"),
		  OUTCOME_FAILURE, "AccessDenied", "no" },
		{ REC(",\"outcome\":{\"status\":\"error\",\"code\":500}"), OUTCOME_FAILURE, "500", NULL },
		{ REC(",\"outcome\":{\"status\":\"success\"}"), OUTCOME_SUCCESS, NULL, NULL },
	};
	static const char *const bad[] = {
		REC(",\"outcome\":\"perhaps\""), REC(",\"outcome\":true"), REC(",\"outcome\":[\"failure\"]"),
		REC(",\"outcome\":42"), REC(",\"outcome\":400.5"), REC(",\"outcome\":{\"code\":403}"),
		REC(",\"outcome\":{\"status\":\"success\",\"message\":\"fine\"}"),
		REC(",\"outcome\":{\"status\":\"failure\",\"code\":{\"n\":1}}"),
		REC(",\"outcome\":\"failure\\u0000\""),
	};
	struct buf err = BUF_INIT;
	struct event ev;

	for (size_t i = 0; i < ARRAY_SIZE(ok); i++) {
		if (read_generic(ok[i].rec, &ev, &err)) {
			fprintf(stderr, "  refused: %s: %s\n", ok[i].rec, err.buf);
			CHECK(0);
			continue;
		}
		CHECK(ev.outcome == ok[i].o);
		CHECK((!ev.outcome_code && !ok[i].code) ||
		      (ev.outcome_code && ok[i].code && !strcmp(ev.outcome_code, ok[i].code)));
		CHECK((!ev.outcome_message && !ok[i].message) ||
		      (ev.outcome_message && ok[i].message && !strcmp(ev.outcome_message, ok[i].message)));
		event_release(&ev);
	}
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		CHECK(read_generic(bad[i], &ev, &err) == -1);
		CHECK(strstr(err.buf, "\"outcome\"") != NULL);
	}
	buf_release(&err);
}

/* The outcome names, from the one table, and back: exact names only. */
TEST(test_outcome_names)
{
	CHECK_STR(outcome_name(OUTCOME_SUCCESS), "success");
	CHECK_STR(outcome_name(OUTCOME_FAILURE), "failure");
	CHECK_STR(outcome_name(OUTCOME_UNKNOWN), "unknown");
	for (int o = OUTCOME_SUCCESS; o <= OUTCOME_UNKNOWN; o++)
		CHECK_INT(outcome_parse(outcome_name((enum outcome)o)), o);
	CHECK_INT(outcome_parse("failed"), -1); /* an import synonym, not a name */
	CHECK_INT(outcome_parse("Failure"), -1);
	CHECK_INT(outcome_parse(""), -1);
	CHECK_INT(outcome_parse(NULL), -1);
}

TEST(test_leaf_v2)
{
	struct buf err = BUF_INIT, leaf = BUF_INIT;
	struct leaf_fields f;
	struct event ev;

	leaf_fields_init(&f);
	CHECK(read_generic(REC(",\"outcome\":{\"status\":\"failure\",\"code\":403,\"message\":\"m\"}"), &ev,
			   &err) == 0);
	event_set_source(&ev, "jsonl", "x.jsonl", 1);
	event_leaf(&ev, 5, &leaf);
	CHECK(strstr(leaf.buf, "\"outcome\":{\"code\":\"403\",\"message\":\"m\",\"status\":\"failure\"}") != NULL);
	CHECK(strstr(leaf.buf, ",\"v\":2}") != NULL);
	CHECK(leaf_scan(leaf.buf, leaf.len, &f, &err) == 0 && f.version == 2);
	CHECK_STR(f.outcome.buf, "failure");
	event_release(&ev);
	buf_reset(&leaf);
	leaf_fields_release(&f);
	leaf_fields_init(&f);
	CHECK(read_generic(REC(""), &ev, &err) == 0);
	event_set_source(&ev, "jsonl", "x.jsonl", 1);
	event_leaf(&ev, 6, &leaf);
	CHECK(strstr(leaf.buf, "\"outcome\":{\"status\":\"success\"}") != NULL);
	CHECK(leaf_scan(leaf.buf, leaf.len, &f, &err) == 0);
	CHECK_STR(f.outcome.buf, "success");
	event_release(&ev);
	leaf_fields_release(&f);
	buf_release(&leaf);
	buf_release(&err);
}

TEST(test_summary_words)
{
	struct change_list l = CHANGE_LIST_INIT;
	struct buf b = BUF_INIT;
	json_t *on = json_string("on"), *off = json_string("off");

	/* nothing recorded: said so, never "no field changed" */
	diff_json(NULL, NULL, 0, &l);
	entry_summary(&l, 0, &b);
	CHECK_STR(b.buf, STATE_NOT_RECORDED);
	change_list_release(&l);
	/* both states known and equal: nothing changed, nothing to say */
	buf_reset(&b);
	diff_json(on, on, 1, &l);
	entry_summary(&l, 1, &b);
	CHECK_STR(b.buf, "");
	change_list_release(&l);
	/* a change */
	buf_reset(&b);
	diff_json(off, on, 1, &l);
	entry_summary(&l, 1, &b);
	CHECK_STR(b.buf, "(state): \"off\" \xe2\x86\x92 \"on\"");
	change_list_release(&l);
	/* only the state after recorded */
	buf_reset(&b);
	diff_json(NULL, on, 0, &l);
	entry_summary(&l, 0, &b);
	CHECK_STR(b.buf, "(state): ? \xe2\x86\x92 \"on\"");
	change_list_release(&l);
	json_decref(on);
	json_decref(off);
	buf_release(&b);
}

int main(void)
{
	RUN(test_scan_versions);
	RUN(test_generic_outcome);
	RUN(test_outcome_names);
	RUN(test_leaf_v2);
	RUN(test_summary_words);
	return CHECK_DONE();
}
