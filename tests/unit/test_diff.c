/*
 * test_diff.c - unit tests for diff.c: field paths, identity matching,
 * LCS over plain arrays, unknown before states and the timeline summary.
 * Each case renders the change list as one line per change,
 * "kind path before after", so expectations read like the output.
 */
#include <stdint.h>

#include "check.h"
#include "trailscope/diff.h"
#include "trailscope/jcs.h"
#include "trailscope/util.h"

static json_t *parse(const char *text)
{
	json_error_t err;
	json_t *v = json_loads(text, JSON_DECODE_INT_AS_REAL | JSON_DECODE_ANY, &err);

	if (!v) {
		fprintf(stderr, "  bad test JSON: %s: %s\n", text, err.text);
		exit(2);
	}
	return v;
}

static void render(const struct change_list *l, struct buf *out)
{
	for (size_t i = 0; i < l->n; i++) {
		const struct change *c = &l->v[i];

		buf_addf(out, "%s %s ", change_kind_name(c->kind), c->path);
		if (c->before_unknown)
			buf_addch(out, '?');
		else if (c->before)
			json_append(out, c->before);
		else
			buf_addch(out, '-');
		buf_addch(out, ' ');
		if (c->after)
			json_append(out, c->after);
		else
			buf_addch(out, '-');
		buf_addch(out, '\n');
	}
}

/* Diffs two JSON texts (NULL for absent) and returns the rendering in a
 * static buffer, valid until the next call. */
static const char *diff_texts(const char *before, const char *after, int before_known)
{
	static struct buf out = BUF_INIT;
	struct change_list l = CHANGE_LIST_INIT;
	json_t *b = before ? parse(before) : NULL;
	json_t *a = after ? parse(after) : NULL;

	buf_reset(&out);
	diff_json(b, a, before_known, &l);
	render(&l, &out);
	change_list_release(&l);
	json_decref(b);
	json_decref(a);
	return out.buf;
}

static const char *summary_texts(const char *before, const char *after,
				 int before_known, size_t max)
{
	static struct buf out = BUF_INIT;
	struct change_list l = CHANGE_LIST_INIT;
	json_t *b = before ? parse(before) : NULL;
	json_t *a = after ? parse(after) : NULL;

	buf_reset(&out);
	diff_json(b, a, before_known, &l);
	change_list_summary(&l, max, &out);
	change_list_release(&l);
	json_decref(b);
	json_decref(a);
	return out.buf;
}

/* Diffs b and a (both known; json_pack values, whose references this
 * takes) and returns the kind of their one change at want_path, or -1
 * when there is not exactly that one change (which it checks). For values
 * no JSON text can spell: reals that are whole, as decoded events hold. */
static int one_change(json_t *b, json_t *a, const char *want_path)
{
	struct change_list l = CHANGE_LIST_INIT;
	int kind = -1;

	diff_json(b, a, 1, &l);
	CHECK_INT(l.n, 1);
	if (l.n == 1) {
		CHECK_STR(l.v[0].path, want_path);
		kind = (int)l.v[0].kind;
	}
	change_list_release(&l);
	json_decref(a);
	json_decref(b);
	return kind;
}

static const char *path_of_key(const char *prefix, const char *key, size_t len)
{
	static struct buf p = BUF_INIT;

	buf_reset(&p);
	buf_addstr(&p, prefix);
	path_append_key(&p, key, len);
	return p.buf;
}

TEST(test_kind_names)
{
	CHECK_STR(change_kind_name(CHANGE_ADDED), "added");
	CHECK_STR(change_kind_name(CHANGE_REMOVED), "removed");
	CHECK_STR(change_kind_name(CHANGE_CHANGED), "changed");
	/* names read back (leaves, the changes table) parse to their kind */
	for (int k = CHANGE_ADDED; k <= CHANGE_CHANGED; k++)
		CHECK_INT(change_kind_parse(change_kind_name((enum change_kind)k)), k);
	CHECK_INT(change_kind_parse("removed"), CHANGE_REMOVED);
	CHECK_INT(change_kind_parse("Added"), CHANGE_CHANGED); /* names are exact */
	CHECK_INT(change_kind_parse(NULL), CHANGE_CHANGED);
}

TEST(test_design_shapes)
{
	CHECK_STR(diff_texts("{\"enabled\":false,\"targets\":[]}",
			     "{\"enabled\":true,\"targets\":[\"vip_segment\"],\"rollout_pct\":10}", 1),
		  "changed enabled false true\n"
		  "added rollout_pct - 10\n"
		  "added targets[0] - \"vip_segment\"\n");
	CHECK_STR(diff_texts("\"off\"", "\"on\"", 1), "changed  \"off\" \"on\"\n");
	CHECK_STR(summary_texts("\"off\"", "\"on\"", 1, 60), "(state): \"off\" \xe2\x86\x92 \"on\"");
	CHECK_STR(summary_texts("{\"enabled\":false,\"targets\":[]}",
				"{\"enabled\":true,\"targets\":[\"vip_segment\"],\"rollout_pct\":10}", 1, 60),
		  "enabled: false \xe2\x86\x92 true +2 more");
}

TEST(test_nested_path)
{
	static const char *before_id =
		"{\"rules\":[{\"id\":\"r1\",\"conditions\":[{\"attribute\":\"plan\",\"value\":\"free\"}]},"
		"{\"id\":\"r2\",\"conditions\":[{\"attribute\":\"plan\",\"value\":\"enterprise\"},"
		"{\"attribute\":\"country\",\"value\":\"DE\"}]}]}";
	static const char *after_id =
		"{\"rules\":[{\"id\":\"r1\",\"conditions\":[{\"attribute\":\"plan\",\"value\":\"free\"}]},"
		"{\"id\":\"r2\",\"conditions\":[{\"attribute\":\"plan\",\"value\":\"pro\"},"
		"{\"attribute\":\"country\",\"value\":\"DE\"}]}]}";
	/* the same without identities: LCS, then positional pairing */
	static const char *before_plain =
		"{\"rules\":[{\"conditions\":[{\"value\":\"free\"}]},"
		"{\"conditions\":[{\"value\":\"enterprise\",\"values\":[1,2]}]}]}";
	static const char *after_plain =
		"{\"rules\":[{\"conditions\":[{\"value\":\"free\"}]},"
		"{\"conditions\":[{\"value\":\"pro\",\"values\":[1,2,3]}]}]}";

	CHECK_STR(diff_texts(before_id, after_id, 1),
		  "changed rules[1].conditions[0].value \"enterprise\" \"pro\"\n");
	CHECK_STR(summary_texts(before_id, after_id, 1, 60),
		  "rules[1].conditions[0].value: \"enterprise\" \xe2\x86\x92 \"pro\"");
	CHECK_STR(diff_texts(before_plain, after_plain, 1),
		  "changed rules[1].conditions[0].value \"enterprise\" \"pro\"\n"
		  "added rules[1].conditions[0].values[2] - 3\n");
	CHECK_STR(diff_texts("[{\"a\":1},{\"b\":2},{\"c\":3}]", "[{\"a\":1},{\"b\":5},{\"c\":3}]", 1),
		  "changed [1].b 2 5\n");
}

TEST(test_identity_insert)
{
	CHECK_STR(diff_texts("{\"rules\":[{\"id\":\"a\",\"v\":1},{\"id\":\"b\",\"v\":2}]}",
			     "{\"rules\":[{\"id\":\"n\",\"v\":0},{\"id\":\"a\",\"v\":1},{\"id\":\"b\",\"v\":2}]}", 1),
		  "added rules[0] - {\"id\":\"n\",\"v\":0}\n");
	/* paths of matched pairs use the after index */
	CHECK_STR(diff_texts("[{\"id\":\"a\"},{\"id\":\"b\",\"x\":1}]",
			     "[{\"id\":\"a\"},{\"id\":\"n\"},{\"id\":\"b\",\"x\":2}]", 1),
		  "added [1] - {\"id\":\"n\"}\n"
		  "changed [2].x 1 2\n");
	/* "name" when "id" is missing; numeric identities compare as numbers */
	CHECK_STR(diff_texts("[{\"name\":\"a\",\"x\":1},{\"name\":\"b\"}]",
			     "[{\"name\":\"z\"},{\"name\":\"b\"},{\"name\":\"a\",\"x\":2}]", 1),
		  "added [0] - {\"name\":\"z\"}\n"
		  "changed [2].x 1 2\n");
	one_change(json_pack("[{s:i, s:i}, {s:i}]", "id", 1, "x", 1, "id", 2),
		   json_pack("[{s:f}, {s:f, s:i}]", "id", 2.0, "id", 1.0, "x", 3), "[1].x");
}

TEST(test_identity_remove_and_reorder)
{
	CHECK_STR(diff_texts("[{\"id\":\"a\"},{\"id\":\"b\",\"v\":1},{\"id\":\"c\"}]",
			     "[{\"id\":\"a\"},{\"id\":\"c\"}]", 1),
		  "removed [1] {\"id\":\"b\",\"v\":1} -\n");
	CHECK_STR(diff_texts("[{\"id\":\"a\"},{\"id\":\"b\"},{\"id\":\"c\"},{\"id\":\"d\"}]",
			     "[{\"id\":\"a\"},{\"id\":\"c\"},{\"id\":\"x\"},{\"id\":\"d\"}]", 1),
		  "removed [1] {\"id\":\"b\"} -\n"
		  "added [2] - {\"id\":\"x\"}\n");
	/* removal at the end, and removal of everything */
	CHECK_STR(diff_texts("[{\"id\":\"a\"},{\"id\":\"b\"}]", "[{\"id\":\"a\"}]", 1),
		  "removed [1] {\"id\":\"b\"} -\n");
	CHECK_STR(diff_texts("{\"r\":[{\"id\":\"a\"}]}", "{\"r\":[]}", 1),
		  "removed r[0] {\"id\":\"a\"} -\n");
	/* pure reordering */
	CHECK_STR(diff_texts("[{\"id\":\"a\",\"v\":[1]},{\"id\":\"b\"},{\"id\":\"c\"}]",
			     "[{\"id\":\"c\"},{\"id\":\"a\",\"v\":[1.0]},{\"id\":\"b\"}]", 1), "");
	/* reorder plus an edit: the edit is reported at the after index */
	CHECK_STR(diff_texts("[{\"id\":\"a\",\"v\":1},{\"id\":\"b\"}]",
			     "[{\"id\":\"b\"},{\"id\":\"a\",\"v\":2}]", 1),
		  "changed [1].v 1 2\n");
}

TEST(test_identity_not_usable)
{
	/* duplicate ids: plain LCS, so the front insertion is still one change */
	CHECK_STR(diff_texts("[{\"id\":\"a\",\"v\":1},{\"id\":\"a\",\"v\":2}]",
			     "[{\"id\":\"a\",\"v\":0},{\"id\":\"a\",\"v\":1},{\"id\":\"a\",\"v\":2}]", 1),
		  "added [0] - {\"id\":\"a\",\"v\":0}\n");
	/* "id" only in before, "key" in both: matched by key */
	CHECK_STR(diff_texts("[{\"id\":1,\"key\":\"a\"},{\"id\":2,\"key\":\"b\"}]",
			     "[{\"key\":\"b\"},{\"key\":\"a\"}]", 1),
		  "removed [0].id 2 -\n"
		  "removed [1].id 1 -\n");
	/* an identity that is not a scalar */
	CHECK_STR(diff_texts("[{\"id\":[1]},{\"id\":[2]}]", "[{\"id\":[2]}]", 1),
		  "removed [0] {\"id\":[1]} -\n");
	/* not all objects */
	CHECK_STR(diff_texts("[{\"id\":\"a\"},1]", "[1,{\"id\":\"a\"}]", 1),
		  "removed [0] {\"id\":\"a\"} -\n"
		  "added [1] - {\"id\":\"a\"}\n");
}

TEST(test_key_paths)
{
	CHECK_STR(path_of_key("", "enabled", 7), "enabled");
	CHECK_STR(path_of_key("x", "enabled", 7), "x.enabled");
	CHECK_STR(path_of_key("x", "_a-b9", 5), "x._a-b9");
	CHECK_STR(path_of_key("x", "9a", 2), "x[\"9a\"]");
	CHECK_STR(path_of_key("x", "-a", 2), "x[\"-a\"]");
	CHECK_STR(path_of_key("", "", 0), "[\"\"]");
	CHECK_STR(path_of_key("labels", "app.kubernetes.io/name", 22),
		  "labels[\"app.kubernetes.io/name\"]");
	CHECK_STR(path_of_key("", "weird key", 9), "[\"weird key\"]");
	CHECK_STR(path_of_key("", "a\"b\\c", 5), "[\"a\\\"b\\\\c\"]");
	CHECK_STR(path_of_key("", "a\nb\x1f", 4), "[\"a\\u000ab\\u001f\"]");
	CHECK_STR(path_of_key("", "a\0b", 3), "[\"a\\u0000b\"]");
	CHECK_STR(path_of_key("", "caf\xc3\xa9", 5), "[\"caf\xc3\xa9\"]");
	{
		struct buf p = BUF_INIT;

		path_append_index(&p, 3);
		path_append_key(&p, "a", 1);
		path_append_index(&p, 0);
		path_append_key(&p, "b c", 3);
		CHECK_STR(p.buf, "[3].a[0][\"b c\"]");
		buf_release(&p);
	}

	CHECK_STR(diff_texts("{\"labels\":{\"app.kubernetes.io/name\":\"web\"}}",
			     "{\"labels\":{\"app.kubernetes.io/name\":\"api\"}}", 1),
		  "changed labels[\"app.kubernetes.io/name\"] \"web\" \"api\"\n");
	CHECK_STR(diff_texts("{\"weird key\":{\"x\":1},\"\":1,\"q\\\"k\":1,\"\\u00e9t\\u00e9\":1}",
			     "{\"weird key\":{\"x\":2},\"\":2,\"q\\\"k\":2,\"\\u00e9t\\u00e9\":2}", 1),
		  "changed [\"\"] 1 2\n"
		  "changed [\"q\\\"k\"] 1 2\n"
		  "changed [\"weird key\"].x 1 2\n"
		  "changed [\"\xc3\xa9t\xc3\xa9\"] 1 2\n");
}

TEST(test_scalar_arrays)
{
	CHECK_STR(diff_texts("[\"a\",\"b\",\"c\"]", "[\"x\",\"a\",\"b\",\"c\"]", 1),
		  "added [0] - \"x\"\n");
	CHECK_STR(diff_texts("{\"t\":[\"a\",\"b\",\"c\"]}", "{\"t\":[\"a\",\"c\"]}", 1),
		  "removed t[1] \"b\" -\n");
	CHECK_STR(diff_texts("[1,2,3,4]", "[1,9,3,4,5]", 1),
		  "changed [1] 2 9\n"
		  "added [4] - 5\n");
	CHECK_STR(diff_texts("[\"a\",\"b\",\"c\",\"d\"]", "[\"a\",\"x\",\"c\",\"y\",\"d\"]", 1),
		  "changed [1] \"b\" \"x\"\n"
		  "added [3] - \"y\"\n");
	CHECK_STR(diff_texts("[]", "[]", 1), "");
	CHECK_STR(diff_texts("[1,2]", "[]", 1),
		  "removed [0] 1 -\n"
		  "removed [1] 2 -\n");
}

TEST(test_type_change)
{
	CHECK_STR(diff_texts("{\"x\":1}", "{\"x\":\"1\"}", 1), "changed x 1 \"1\"\n");
	CHECK_STR(diff_texts("{\"x\":{\"a\":1}}", "{\"x\":[1]}", 1), "changed x {\"a\":1} [1]\n");
	CHECK_STR(diff_texts("{\"x\":null}", "{\"x\":false}", 1), "changed x null false\n");
	CHECK_STR(diff_texts("[1]", "{\"0\":1}", 1), "changed  [1] {\"0\":1}\n");
}

TEST(test_root)
{
	CHECK_STR(diff_texts(NULL, "{\"a\":1}", 1), "added  - {\"a\":1}\n");
	CHECK_STR(diff_texts("{\"a\":1}", NULL, 1), "removed  {\"a\":1} -\n");
	CHECK_STR(diff_texts(NULL, NULL, 1), "");
	CHECK_STR(diff_texts("{\"a\":[1,{\"b\":null}]}", "{\"a\":[1,{\"b\":null}]}", 1), "");
	CHECK_STR(summary_texts(NULL, "\"on\"", 1, 60), "(state): (absent) \xe2\x86\x92 \"on\"");
	CHECK_STR(summary_texts("\"on\"", NULL, 1, 60), "(state): \"on\" \xe2\x86\x92 (absent)");
}

TEST(test_before_unknown)
{
	struct change_list l = CHANGE_LIST_INIT;
	json_t *a = parse("{\"enabled\":true,\"targets\":[\"a\",{\"k\":1}],\"x\":{},\"y\":[]}");

	CHECK_STR(diff_texts(NULL, "{\"enabled\":true,\"targets\":[\"a\",{\"k\":1}],\"x\":{},\"y\":[]}", 0),
		  "changed enabled ? true\n"
		  "changed targets[0] ? \"a\"\n"
		  "changed targets[1].k ? 1\n"
		  "changed x ? {}\n"
		  "changed y ? []\n");
	diff_json(NULL, a, 0, &l);
	CHECK_INT(l.n, 5);
	for (size_t i = 0; i < l.n; i++) {
		CHECK(l.v[i].kind == CHANGE_CHANGED);
		CHECK(l.v[i].before == NULL);
		CHECK_INT(l.v[i].before_unknown, 1);
	}
	change_list_release(&l);
	CHECK(l.v == NULL && l.n == 0);
	json_decref(a);

	/* a before value passed with before_known == 0 is ignored */
	CHECK_STR(diff_texts("\"x\"", "\"on\"", 0), "changed  ? \"on\"\n");
	CHECK_STR(diff_texts(NULL, NULL, 0), "");
	CHECK_STR(summary_texts(NULL, "{\"enabled\":true,\"pct\":5}", 0, 60),
		  "enabled: ? \xe2\x86\x92 true +1 more");
	CHECK_STR(summary_texts(NULL, "\"on\"", 0, 60), "(state): ? \xe2\x86\x92 \"on\"");
}

TEST(test_numbers)
{
	struct change_list l = CHANGE_LIST_INIT;
	json_t *b = json_pack("{s:i, s:[i,i], s:{s:i}}", "a", 1, "l", 1, 2, "o", "k", 7);
	json_t *a = json_pack("{s:f, s:[f,f], s:{s:f}}", "a", 1.0, "l", 1.0, 2.0, "o", "k", 7.0);

	diff_json(b, a, 1, &l);
	CHECK_INT(l.n, 0);
	change_list_release(&l);
	json_decref(a);
	json_decref(b);

	CHECK_INT(one_change(json_pack("{s:i}", "a", 1), json_pack("{s:f}", "a", 1.5), "a"), CHANGE_CHANGED);
	/* integer and real elements anchor the LCS together */
	one_change(json_pack("[i,i,i]", 1, 2, 3), json_pack("[f,f,f,f]", 0.5, 1.0, 2.0, 3.0), "[0]");
}

TEST(test_summary)
{
	struct change_list none = CHANGE_LIST_INIT;
	struct buf out = BUF_INIT;

	buf_addstr(&out, "keep");
	change_list_summary(&none, 60, &out);
	CHECK_STR(out.buf, "keep");
	buf_release(&out);

	CHECK_STR(summary_texts("{\"enabled\":false}", "{\"enabled\":true}", 1, 60),
		  "enabled: false \xe2\x86\x92 true");
	CHECK_STR(summary_texts("{\"a\":1,\"b\":1,\"c\":1,\"d\":1}", "{\"a\":2,\"b\":2,\"c\":2,\"d\":2}", 1, 60),
		  "a: 1 \xe2\x86\x92 2 +3 more");
	CHECK_STR(summary_texts("{}", "{\"x\":1}", 1, 60), "x: (absent) \xe2\x86\x92 1");
	CHECK_STR(summary_texts("{\"x\":1}", "{}", 1, 60), "x: 1 \xe2\x86\x92 (absent)");
	/* values cut at max bytes, at a character boundary, with "…" */
	CHECK_STR(summary_texts("{\"x\":\"abcdefghijklmnop\"}", "{\"x\":\"abc\"}", 1, 10),
		  "x: \"abcdefghi\xe2\x80\xa6 \xe2\x86\x92 \"abc\"");
	CHECK_STR(summary_texts("{\"x\":\"abcdefgh\"}", "{\"x\":\"abcdefg\"}", 1, 10),
		  "x: \"abcdefgh\" \xe2\x86\x92 \"abcdefg\"");
	CHECK_STR(summary_texts("{\"x\":1}", "{\"x\":\"\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\"}", 1, 4),
		  "x: 1 \xe2\x86\x92 \"\xc3\xa9\xe2\x80\xa6");
	CHECK_STR(summary_texts("{\"x\":1}", "{\"x\":\"\xe2\x82\xac\xe2\x82\xac\"}", 1, 3),
		  "x: 1 \xe2\x86\x92 \"\xe2\x80\xa6");
	CHECK_STR(summary_texts("{\"x\":1}", "{\"x\":{\"a\":[1,2,3]}}", 1, 6),
		  "x: 1 \xe2\x86\x92 {\"a\":[\xe2\x80\xa6");
}

TEST(test_large_arrays)
{
	struct change_list l = CHANGE_LIST_INIT;
	json_t *b = json_array(), *a = json_array(), *c = json_array(), *ob = json_array(), *oa = json_array();

	for (int i = 0; i < 5000; i++) {
		json_array_append_new(b, json_real(i));
		json_array_append_new(c, json_real(i + 100000));
		json_array_append_new(ob, json_pack("{s:i, s:i}", "id", i, "v", i));
		json_array_append_new(oa, json_pack("{s:i, s:i}", "id", 4999 - i, "v", i == 10 ? -1 : 4999 - i));
	}
	json_array_append_new(a, json_real(-1));
	for (int i = 0; i < 5000; i++)
		json_array_append_new(a, json_real(i == 2500 ? -2 : i));

	/* front insertion plus one change in the middle: prefix/suffix trim, LCS */
	diff_json(b, a, 1, &l);
	CHECK_INT(l.n, 2);
	if (l.n == 2) {
		CHECK_STR(l.v[0].path, "[0]");
		CHECK(l.v[0].kind == CHANGE_ADDED);
		CHECK_STR(l.v[1].path, "[2501]");
		CHECK(l.v[1].kind == CHANGE_CHANGED);
	}
	change_list_release(&l);

	/* nothing in common, over the LCS cap: element by element */
	diff_json(b, c, 1, &l);
	CHECK_INT(l.n, 5000);
	if (l.n == 5000)
		CHECK_STR(l.v[4999].path, "[4999]");
	change_list_release(&l);

	/* reversed objects with identities, one edited */
	diff_json(ob, oa, 1, &l);
	CHECK_INT(l.n, 1);
	if (l.n == 1)
		CHECK_STR(l.v[0].path, "[10].v");
	change_list_release(&l);

	/* under the LCS cap with many edits */
	{
		json_t *x = json_array(), *y = json_array();

		for (int i = 0; i < 900; i++) {
			json_array_append_new(x, json_real(i % 7));
			json_array_append_new(y, json_real(i % 5));
		}
		diff_json(x, y, 1, &l);
		CHECK(l.n > 0 && l.n < 900);
		change_list_release(&l);
		json_decref(x);
		json_decref(y);
	}
	json_decref(a);
	json_decref(b);
	json_decref(c);
	json_decref(oa);
	json_decref(ob);
}

int main(void)
{
	RUN(test_kind_names);
	RUN(test_design_shapes);
	RUN(test_nested_path);
	RUN(test_identity_insert);
	RUN(test_identity_remove_and_reorder);
	RUN(test_identity_not_usable);
	RUN(test_key_paths);
	RUN(test_scalar_arrays);
	RUN(test_type_change);
	RUN(test_root);
	RUN(test_before_unknown);
	RUN(test_numbers);
	RUN(test_summary);
	RUN(test_large_arrays);
	return CHECK_DONE();
}
