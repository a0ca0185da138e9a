/*
 * test_leaf.c - the leaf module (leaf.c) and the terminal-safe writer.
 * The scanner verify uses reads version 1 leaves (outcome "unknown"),
 * version 2 leaves (outcome required) and version 3 leaves (raw_sha256
 * instead of raw), and refuses leaves that disagree with their version; on every leaf built from a few thousand generated
 * events (and from adversarial strings, and from the same leaves written
 * with every character escaped) it reads exactly what jansson reads;
 * leaf_build writes canonical JSON, and leaf_set_seq gives a built leaf
 * any seq byte for byte as leaf_build would. The generic "outcome" member
 * in each accepted form and each refused one; the one summary function's
 * wording for an unrecorded state; buf_add_term_safe lets no control
 * character, escape, C1 or bidirectional control through, and loses
 * nothing (its output decodes back to its input).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "trailscope/diff.h"
#include "trailscope/event.h"
#include "trailscope/formats.h"
#include "trailscope/gen.h"
#include "trailscope/jcs.h"
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

/* SHA-256 of "abc" (FIPS 180-2), and two malformed forms of it */
#define SHA64 "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
#define SHA64_UPPER "BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD"
#define SHA63 "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015a"

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
	CHECK(scan("{" BODY ",\"outcome\":{\"status\":\"success\"},\"v\":4}", &f, &err) == -1);
	CHECK(strstr(err.buf, "not a known leaf version") != NULL);
	/* version 3: raw_sha256, 64 lowercase hex digits, instead of raw */
	CHECK(scan("{" BODY ",\"outcome\":{\"status\":\"success\"},\"raw_sha256\":\"" SHA64 "\",\"v\":3}",
		   &f, &err) == 0);
	CHECK(f.version == 3);
	CHECK_STR(f.raw_sha256.buf, SHA64);
	CHECK_STR(f.outcome.buf, "success");
	CHECK(scan("{" BODY ",\"outcome\":{\"status\":\"success\"},\"v\":3}", &f, &err) == -1);
	CHECK(strstr(err.buf, "version 3 leaf needs \"raw_sha256\"") != NULL);
	CHECK(scan("{" BODY ",\"outcome\":{\"status\":\"success\"},\"raw\":\"{}\",\"raw_sha256\":\"" SHA64
		   "\",\"v\":3}", &f, &err) == -1);
	CHECK(strstr(err.buf, "version 3 leaf has no \"raw\"") != NULL);
	CHECK(scan("{" BODY ",\"outcome\":{\"status\":\"success\"},\"raw_sha256\":\"" SHA64_UPPER "\",\"v\":3}",
		   &f, &err) == -1);
	CHECK(scan("{" BODY ",\"outcome\":{\"status\":\"success\"},\"raw_sha256\":\"" SHA63 "\",\"v\":3}",
		   &f, &err) == -1);
	CHECK(scan("{" BODY ",\"outcome\":{\"status\":\"success\"},\"raw_sha256\":null,\"v\":3}", &f, &err) == -1);
	CHECK(scan("{" BODY ",\"outcome\":{\"status\":\"success\"},\"raw_sha256\":7,\"v\":3}", &f, &err) == -1);
	CHECK(scan("{" BODY ",\"v\":3,\"raw_sha256\":\"" SHA64 "\"}", &f, &err) == -1); /* no outcome */
	CHECK(strstr(err.buf, "version 3 leaf needs \"outcome.status\"") != NULL);
	CHECK(scan("{" BODY ",\"outcome\":{\"status\":\"success\"},\"raw_sha256\":\"" SHA64 "\",\"v\":2}",
		   &f, &err) == -1);
	CHECK(strstr(err.buf, "version 1 or 2 leaf has no \"raw_sha256\"") != NULL);
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

TEST(test_leaf_v3)
{
	struct buf err = BUF_INIT, leaf = BUF_INIT;
	struct leaf_fields f;
	struct event ev;

	leaf_fields_init(&f);
	CHECK(read_generic(REC(",\"outcome\":{\"status\":\"failure\",\"code\":403,\"message\":\"m\"}"), &ev,
			   &err) == 0);
	event_set_source(&ev, "jsonl", "x.jsonl", 1);
	leaf_build(&ev, 5, &leaf, NULL);
	CHECK(strstr(leaf.buf, "\"outcome\":{\"code\":\"403\",\"message\":\"m\",\"status\":\"failure\"}") != NULL);
	CHECK(strstr(leaf.buf, ",\"v\":3}") != NULL);
	CHECK(leaf_scan(leaf.buf, leaf.len, &f, &err) == 0 && f.version == 3);
	/* version 3: the raw record's SHA-256, not the record */
	CHECK(strstr(leaf.buf, "\"raw\":") == NULL);
	CHECK(leaf_raw_matches(f.raw_sha256.buf, ev.raw, ev.raw_len));
	CHECK(!leaf_raw_matches(f.raw_sha256.buf, ev.raw, ev.raw_len - 1));
	CHECK_STR(f.outcome.buf, "failure");
	event_release(&ev);
	buf_reset(&leaf);
	leaf_fields_release(&f);
	leaf_fields_init(&f);
	CHECK(read_generic(REC(""), &ev, &err) == 0);
	event_set_source(&ev, "jsonl", "x.jsonl", 1);
	leaf_build(&ev, 6, &leaf, NULL);
	CHECK(strstr(leaf.buf, "\"outcome\":{\"status\":\"success\"}") != NULL);
	CHECK(leaf_scan(leaf.buf, leaf.len, &f, &err) == 0);
	CHECK_STR(f.outcome.buf, "success");
	event_release(&ev);
	leaf_fields_release(&f);
	buf_release(&leaf);
	buf_release(&err);
}

TEST(test_raw_sha256)
{
	char hex[LEAF_RAW_SHA256_HEX + 1];

	leaf_raw_sha256("abc", 3, hex);
	CHECK_STR(hex, SHA64);
	CHECK(leaf_raw_matches(SHA64, "abc", 3));
	CHECK(!leaf_raw_matches(SHA64, "abd", 3));
	CHECK(!leaf_raw_matches(NULL, "abc", 3));
	CHECK(leaf_raw_sha256_valid(SHA64, 64));
	CHECK(!leaf_raw_sha256_valid(SHA64_UPPER, 64));
	CHECK(!leaf_raw_sha256_valid(SHA63, 63));
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

/* ---- leaf_scan against jansson ------------------------------------------ */

/* A string member of obj as jansson reads it ("" when absent or null, as
 * leaf_scan leaves it), compared with what leaf_scan decoded. */
static int same_member(const json_t *obj, const char *name, const struct buf *got)
{
	const json_t *v = json_object_get(obj, name);
	const char *want = json_is_string(v) ? json_string_value(v) : "";
	size_t len = json_is_string(v) ? json_string_length(v) : 0;

	if (got->len == len && !memcmp(got->buf, want, len))
		return 1;
	fprintf(stderr, "  member \"%s\": leaf_scan read \"%s\", jansson \"%s\"\n", name, got->buf, want);
	return 0;
}

/* leaf_scan reads leaf[0..len) exactly as jansson does: 1, or 0 (said). */
static int scan_agrees(const char *leaf, size_t len)
{
	struct leaf_fields f;
	struct buf err = BUF_INIT;
	json_error_t je;
	json_t *j = json_loadb(leaf, len, JSON_ALLOW_NUL | JSON_REJECT_DUPLICATES, &je);
	int ok = 0;

	leaf_fields_init(&f);
	if (!j) {
		fprintf(stderr, "  jansson refused a leaf: %s: %.*s\n", je.text, (int)len, leaf);
		goto out;
	}
	if (leaf_scan(leaf, len, &f, &err)) {
		fprintf(stderr, "  leaf_scan refused a leaf jansson reads: %s: %.*s\n", err.buf, (int)len, leaf);
		goto out;
	}
	json_t *actor = json_object_get(j, "actor"), *target = json_object_get(j, "target");
	json_t *outcome = json_object_get(j, "outcome");

	ok = json_is_integer(json_object_get(j, "seq")) &&
	     f.seq == json_integer_value(json_object_get(j, "seq")) &&
	     f.version == json_integer_value(json_object_get(j, "v")) &&
	     same_member(j, "event_id", &f.event_id) && same_member(j, "ts", &f.ts) &&
	     same_member(actor, "id", &f.actor) && same_member(actor, "type", &f.actor_type) &&
	     same_member(j, "action", &f.action) && same_member(target, "key", &f.target) &&
	     same_member(target, "kind", &f.target_kind) &&
	     same_member(j, "environment", &f.environment) &&
	     (f.version == 1 ? !outcome && !strcmp(f.outcome.buf, "unknown")
			     : same_member(outcome, "status", &f.outcome));
	if (!ok)
		fprintf(stderr, "  in %.*s\n", (int)len, leaf);
out:
	json_decref(j);
	leaf_fields_release(&f);
	buf_release(&err);
	return ok;
}

/* The same leaf written by jansson with every non-ASCII character as a
 * \u escape (astral ones as surrogate pairs) and '/' as "\/": a JSON text
 * that is not canonical but holds the same values. */
static void escaped_form(const char *leaf, size_t len, struct buf *out)
{
	json_t *j = json_loadb(leaf, len, JSON_ALLOW_NUL, NULL);
	char *text = json_dumps(j, JSON_COMPACT | JSON_ENSURE_ASCII | JSON_ESCAPE_SLASH);

	buf_reset(out);
	buf_addstr(out, text ? text : "");
	free(text);
	json_decref(j);
}

/* Checks everything about one built event's leaf: canonical, scanned as
 * jansson reads it (also escaped), and re-seq'd byte for byte. */
static void check_leaf_of(const struct event *ev, int64_t seq)
{
	struct buf leaf = BUF_INIT, zero = BUF_INIT, spliced = BUF_INIT, canon = BUF_INIT;
	struct buf err = BUF_INIT, esc = BUF_INIT;
	struct leaf_seq_at at, at0;
	json_t *j;
	int l, c;

	buf_addstr(&leaf, "prefix:"); /* at is relative to the leaf, not the buffer */
	leaf_build(ev, seq, &leaf, &at);
	const char *lp = leaf.buf + 7;
	size_t ll = leaf.len - 7;
	char digits[32];

	snprintf(digits, sizeof(digits), "%lld", (long long)seq);
	CHECK(at.len == strlen(digits) && !memcmp(lp + at.off, digits, at.len));
	/* canonical: exactly its own RFC 8785 form */
	j = json_parse_strict(lp, ll, &l, &c, &err);
	CHECK(j != NULL);
	CHECK(j && jcs_serialize_exact(j, lp, ll, &canon, &err) == 0);
	CHECK(canon.len == ll && !memcmp(canon.buf, lp, ll));
	json_decref(j);
	/* built with seq 0, then given seq: the same bytes */
	leaf_build(ev, 0, &zero, &at0);
	CHECK(at0.len == 1 && zero.buf[at0.off] == '0');
	leaf_set_seq(zero.buf, zero.len, &at0, seq, &spliced);
	CHECK(spliced.len == ll && !memcmp(spliced.buf, lp, ll));
	CHECK(scan_agrees(lp, ll));
	escaped_form(lp, ll, &esc);
	CHECK(esc.len > 0 && scan_agrees(esc.buf, esc.len));
	buf_release(&leaf);
	buf_release(&zero);
	buf_release(&spliced);
	buf_release(&canon);
	buf_release(&err);
	buf_release(&esc);
}

/* Reads one generated line as a generic event, sourced as import does. */
static int event_of_line(const char *line, size_t len, long lineno, struct event *ev)
{
	struct buf err = BUF_INIT;
	int l, c, rc;
	json_t *rec = json_parse_strict(line, len, &l, &c, &err);

	rc = rec ? event_from_generic(rec, line, len, ev, &err, NULL) : -1;
	if (rc)
		fprintf(stderr, "  line %ld: %s\n", lineno, err.buf);
	else
		event_set_source(ev, "jsonl", "gen.jsonl", lineno);
	json_decref(rec);
	buf_release(&err);
	return rc;
}

#define GEN_EVENTS 3000

/* Every leaf of GEN_EVENTS generated events, at seqs from 1 to ~10^15. */
TEST(test_scan_generated)
{
	struct gen_options o;
	char *text = NULL, *line, *save = NULL;
	size_t size = 0;
	long n = 0;
	FILE *f = open_memstream(&text, &size);

	gen_options_init(&o);
	o.events = GEN_EVENTS;
	o.seed = 13;
	CHECK(f && gen_run(&o, f, NULL) == 0);
	fclose(f);
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		struct event ev;

		n++;
		if (event_of_line(line, strlen(line), n, &ev)) {
			CHECK(0);
			continue;
		}
		check_leaf_of(&ev, n % 7 ? n : n * 142857142857LL);
		event_release(&ev);
	}
	CHECK_INT(n, GEN_EVENTS);
	free(text);
}

/* Strings a hostile source may send, in every member leaf_scan reads. */
static const char *const hostile[] = {
	"quote \" inside", "back\\slash \\u0041 not an escape", "slash / and \\/",
	"controls \x01\x02\x1b[31m\x1f", "white \n\r\t\b\f", "del \x7f",
	"C1 \xc2\x85 \xc2\x9b", "bidi \xe2\x80\xae\xe2\x81\xa6 rlo", "BOM \xef\xbb\xbf",
	"astral \xf0\x9f\x98\x80 \xf0\x90\x80\x80 \xf4\x8f\xbf\xbf", "\xe2\x80\xa8 line separator",
	"seq", "\"seq\":0,", "{\"v\":3}", " ",
};

TEST(test_scan_hostile)
{
	static const char rec[] = "{\"timestamp\":\"2026-01-12T10:00:00Z\",\"actor\":\"a\",\"flag_key\":\"f\","
		"\"previous_state\":{\"seq\":0,\"v\":9},\"new_state\":{\"seq\":1,\"actor\":{\"id\":\"x\"}}}";
	struct event ev;

	CHECK(event_of_line(rec, strlen(rec), 1, &ev) == 0);
	for (size_t i = 0; i < ARRAY_SIZE(hostile); i++) {
		char **fields[] = { &ev.event_id, &ev.actor_id, &ev.actor_type, &ev.action,
				    &ev.target_key, &ev.target_kind, &ev.environment, &ev.actor_name };
		char *saved[ARRAY_SIZE(fields)];

		for (size_t k = 0; k < ARRAY_SIZE(fields); k++) {
			saved[k] = *fields[k];
			*fields[k] = (char *)hostile[(i + k) % ARRAY_SIZE(hostile)];
		}
		check_leaf_of(&ev, (int64_t)i + 1);
		for (size_t k = 0; k < ARRAY_SIZE(fields); k++)
			*fields[k] = saved[k];
	}
	/* an empty environment and actor name are read; an empty id is refused */
	{
		char *env = ev.environment, *name = ev.actor_name, *id = ev.event_id;
		struct buf leaf = BUF_INIT, err = BUF_INIT;
		struct leaf_fields f;

		ev.environment = (char *)"";
		ev.actor_name = (char *)"";
		check_leaf_of(&ev, 3);
		ev.event_id = (char *)"";
		leaf_build(&ev, 3, &leaf, NULL);
		leaf_fields_init(&f);
		CHECK(leaf_scan(leaf.buf, leaf.len, &f, &err) == -1);
		CHECK(strstr(err.buf, "lacks a required member") != NULL);
		leaf_fields_release(&f);
		buf_release(&leaf);
		buf_release(&err);
		ev.environment = env;
		ev.actor_name = name;
		ev.event_id = id;
	}
	event_release(&ev);
}

/* Hand-written (non-canonical) leaves: every escape form, "\u0000",
 * surrogate pairs, members in any order, whitespace-free nesting. */
TEST(test_scan_escapes)
{
	static const char *const leaves[] = {
		"{\"v\":2,\"seq\":7,\"event_id\":\"\\u0000nul\\u0000\",\"ts\":\"t\",\"action\":\"a\\/b\","
		"\"actor\":{\"type\":\"\\u0075ser\",\"id\":\"\\ud83d\\ude00\\uD834\\uDD1E\"},"
		"\"target\":{\"kind\":\"\\\"q\\\"\",\"key\":\"\\\\\\b\\f\\n\\r\\t\"},"
		"\"environment\":\"\\u00e9\\u202e\\u001b\",\"outcome\":{\"status\":\"\\u0073uccess\"}}",
		"{\"seq\":1,\"v\":1,\"event_id\":\"e\",\"ts\":\"t\",\"action\":\"a\",\"environment\":\"\","
		"\"actor\":{\"id\":\"i\",\"type\":null,\"extra\":[{\"id\":\"no\"}]},"
		"\"target\":{\"key\":\"k\",\"x\":{\"key\":\"no\"}},\"before\":{\"seq\":99,\"event_id\":\"no\"}}",
	};

	for (size_t i = 0; i < ARRAY_SIZE(leaves); i++)
		CHECK(scan_agrees(leaves[i], strlen(leaves[i])));
}

/* ---- the terminal-safe writer ------------------------------------------- */

/* Undoes buf_add_term_safe's escapes (\\, \t, \n, \r, \xHH, \uHHHH). */
static void unescape(const char *s, size_t len, struct buf *out)
{
	for (size_t i = 0; i < len; i++) {
		if (s[i] != '\\' || i + 1 >= len) {
			buf_addch(out, s[i]);
			continue;
		}
		char e = s[++i];
		char hex[5] = { 0 };

		if (e == '\\' || e == 't' || e == 'n' || e == 'r') {
			buf_addch(out, e == '\\' ? '\\' : e == 't' ? '\t' : e == 'n' ? '\n' : '\r');
		} else if (e == 'x' && i + 2 < len) {
			memcpy(hex, s + i + 1, 2);
			buf_addch(out, (int)strtoul(hex, NULL, 16));
			i += 2;
		} else if (e == 'u' && i + 4 < len) {
			unsigned cp;
			char utf8[4];
			size_t n = 0;

			memcpy(hex, s + i + 1, 4);
			cp = (unsigned)strtoul(hex, NULL, 16);
			if (cp < 0x800) {
				utf8[n++] = (char)(0xc0 | cp >> 6);
			} else {
				utf8[n++] = (char)(0xe0 | cp >> 12);
				utf8[n++] = (char)(0x80 | (cp >> 6 & 0x3f));
			}
			utf8[n++] = (char)(0x80 | (cp & 0x3f));
			buf_add(out, utf8, n);
			i += 4;
		} else {
			buf_addch(out, '\\');
			buf_addch(out, e);
		}
	}
}

/* The output holds no byte a terminal would act on: no C0 control, no
 * DEL, and (decoding it as UTF-8, which it must be) no C1 control, no
 * bidirectional control, no line or paragraph separator, no BOM. */
static int term_clean(const struct buf *b)
{
	const unsigned char *p = (const unsigned char *)b->buf;

	for (size_t i = 0; i < b->len;) {
		unsigned cp;
		size_t n = utf8_decode(p + i, b->len - i, &cp);

		if (!n || cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp < 0xa0) ||
		    (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069) ||
		    cp == 0x200e || cp == 0x200f || cp == 0x061c || cp == 0x2028 || cp == 0x2029 ||
		    cp == 0xfeff) {
			fprintf(stderr, "  unsafe byte 0x%02x at %zu in \"%s\"\n", p[i], i, b->buf);
			return 0;
		}
		i += n;
	}
	return 1;
}

/* 1 when s holds a C1 control as UTF-8 (C2 80 - C2 9F). */
static int has_c1(const char *s, size_t len)
{
	for (size_t i = 0; i + 1 < len; i++)
		if ((unsigned char)s[i] == 0xc2 && (unsigned char)s[i + 1] >= 0x80 &&
		    (unsigned char)s[i + 1] < 0xa0)
			return 1;
	return 0;
}

/* s made safe is clean and, but for one ambiguity, decodes back to s:
 * a C1 control (U+0085) and a stray byte of the same value (0x85, not
 * UTF-8) are both shown as "\x85". */
static void check_term_safe(const char *s, size_t len)
{
	struct buf out = BUF_INIT, back = BUF_INIT;

	buf_add_term_safe(&out, s, len);
	CHECK(term_clean(&out));
	CHECK(strlen(out.buf) == out.len); /* no NUL either */
	unescape(out.buf, out.len, &back);
	CHECK(has_c1(s, len) || (back.len == len && !memcmp(back.buf, s, len)));
	buf_release(&out);
	buf_release(&back);
}

TEST(test_term_safe)
{
	static const struct {
		const char *in, *out;
	} known[] = {
		{ "plain", "plain" },
		{ "\x1b[2J\x1b]0;title\x07", "\\x1b[2J\\x1b]0;title\\x07" },
		{ "a\tb\nc\rd", "a\\tb\\nc\\rd" },
		{ "\x7f\xc2\x9b" "31m", "\\x7f\\x9b" "31m" },
		{ "rlo \xe2\x80\xae evil", "rlo \\u202e evil" },
		{ "bad \xff\xfe utf8 \xc3", "bad \\xff\\xfe utf8 \\xc3" },
		{ "back\\slash", "back\\\\slash" },
		{ "caf\xc3\xa9 \xf0\x9f\x98\x80", "caf\xc3\xa9 \xf0\x9f\x98\x80" },
	};
	struct buf b = BUF_INIT;
	char all[256];
	unsigned seed = 7;

	for (size_t i = 0; i < ARRAY_SIZE(known); i++) {
		buf_reset(&b);
		buf_add_term_safe(&b, known[i].in, strlen(known[i].in));
		CHECK_STR(b.buf, known[i].out);
		check_term_safe(known[i].in, strlen(known[i].in));
	}
	/* every byte value, alone and together; every hostile string */
	for (int c = 0; c < 256; c++) {
		all[c] = (char)c;
		check_term_safe(all + c, 1);
	}
	check_term_safe(all, sizeof(all));
	for (size_t i = 0; i < ARRAY_SIZE(hostile); i++)
		check_term_safe(hostile[i], strlen(hostile[i]));
	/* every code point from U+0000 to U+FFFF, and random bytes */
	for (unsigned cp = 0; cp < 0x10000; cp++) {
		char u[3];
		size_t n;

		if (cp >= 0xd800 && cp < 0xe000)
			continue;
		if (cp < 0x80) {
			u[0] = (char)cp;
			n = 1;
		} else if (cp < 0x800) {
			u[0] = (char)(0xc0 | cp >> 6);
			u[1] = (char)(0x80 | (cp & 0x3f));
			n = 2;
		} else {
			u[0] = (char)(0xe0 | cp >> 12);
			u[1] = (char)(0x80 | (cp >> 6 & 0x3f));
			u[2] = (char)(0x80 | (cp & 0x3f));
			n = 3;
		}
		check_term_safe(u, n);
	}
	for (int round = 0; round < 2000; round++) {
		char r[64];

		for (size_t i = 0; i < sizeof(r); i++) {
			seed = seed * 1103515245 + 12345;
			r[i] = (char)(seed >> 16);
		}
		check_term_safe(r, sizeof(r));
	}
	buf_release(&b);
}

int main(void)
{
	RUN(test_scan_versions);
	RUN(test_generic_outcome);
	RUN(test_outcome_names);
	RUN(test_leaf_v3);
	RUN(test_raw_sha256);
	RUN(test_summary_words);
	RUN(test_scan_generated);
	RUN(test_scan_hostile);
	RUN(test_scan_escapes);
	RUN(test_term_safe);
	return CHECK_DONE();
}
