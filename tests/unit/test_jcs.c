/*
 * test_jcs.c - unit tests for jcs.c: the RFC 8785 vectors in
 * $SHARED/vectors/jcs, ECMAScript number formatting, UTF-16 key order,
 * minimal string escaping, and the strict reader's rejections with their
 * positions. Cheap: the biggest input is one 4 MiB buffer of spaces.
 */
#include <dirent.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "trailscope/jcs.h"
#include "trailscope/util.h"

/* Parses text strictly and returns its canonical form (malloc'd), or NULL. */
static char *canon(const char *text, size_t len, size_t *outlen)
{
	struct buf out = BUF_INIT, err = BUF_INIT;
	int line, col;
	json_t *v = json_parse_strict(text, len, &line, &col, &err);
	char *s = NULL;

	if (!v) {
		fprintf(stderr, "  parse failed at %d:%d: %s\n", line, col, err.buf);
	} else if (jcs_serialize(v, &out, &err)) {
		fprintf(stderr, "  serialize failed: %s\n", err.buf);
	} else {
		s = buf_detach(&out, outlen);
	}
	json_decref(v);
	buf_release(&out);
	buf_release(&err);
	return s;
}

#define CANON_STR(text) canon((text), strlen(text), NULL)

/* Expects text to be rejected at line:col with a reason containing why. */
static int rejects(const char *text, size_t len, int eline, int ecol, const char *why)
{
	struct buf err = BUF_INIT;
	int line = -1, col = -1, ok = 1;
	json_t *v = json_parse_strict(text, len, &line, &col, &err);

	if (v) {
		fprintf(stderr, "  accepted \"%.40s\"\n", text);
		ok = 0;
	} else if (line != eline || col != ecol || !strstr(err.buf, why)) {
		fprintf(stderr, "  expected %d:%d \"%s\", got %d:%d \"%s\"\n",
			eline, ecol, why, line, col, err.buf);
		ok = 0;
	}
	json_decref(v);
	buf_release(&err);
	return ok;
}

#define REJECTS(text, l, c, why) CHECK(rejects((text), sizeof(text) - 1, (l), (c), (why)))

static int has_json_suffix(const char *name)
{
	size_t n = strlen(name);

	return n > 5 && !strcmp(name + n - 5, ".json");
}

TEST(test_vectors)
{
	struct buf dir = BUF_INIT, in = BUF_INIT, out = BUF_INIT;
	struct dirent *de;
	int count = 0;
	DIR *d;

	buf_addf(&dir, "%s/vectors/jcs/input", shared_dir());
	d = opendir(dir.buf);
	CHECK(d != NULL);
	while (d && (de = readdir(d))) {
		size_t ilen, olen, clen = 0;
		char *itext, *otext, *c;

		if (!has_json_suffix(de->d_name))
			continue;
		buf_reset(&in);
		buf_reset(&out);
		buf_addf(&in, "%s/vectors/jcs/input/%s", shared_dir(), de->d_name);
		buf_addf(&out, "%s/vectors/jcs/output/%s", shared_dir(), de->d_name);
		itext = read_file(in.buf, JSON_MAX_RECORD, &ilen);
		otext = read_file(out.buf, JSON_MAX_RECORD, &olen);
		CHECK(itext != NULL);
		CHECK(otext != NULL);
		if (itext && otext) {
			c = canon(itext, ilen, &clen);
			if (!c || clen != olen || memcmp(c, otext, olen)) {
				fprintf(stderr, "  %s: expected %s\n  got %s\n", de->d_name,
					otext, c ? c : "(null)");
				check_case_failed = 1;
			}
			free(c);
		}
		free(itext);
		free(otext);
		count++;
	}
	if (d)
		closedir(d);
	CHECK(count > 0);
	buf_release(&dir);
	buf_release(&in);
	buf_release(&out);
}

static double from_bits(uint64_t u)
{
	double d;

	memcpy(&d, &u, sizeof(d));
	return d;
}

static int number_is(double d, const char *want)
{
	struct buf b = BUF_INIT;
	int ok;

	buf_addstr(&b, "x"); /* must append, not overwrite */
	jcs_format_number(d, &b);
	ok = !strcmp(b.buf + 1, want) && b.buf[0] == 'x';
	if (!ok)
		fprintf(stderr, "  %.17g: expected %s, got %s\n", d, want, b.buf + 1);
	buf_release(&b);
	return ok;
}

TEST(test_numbers_ecmascript)
{
	CHECK(number_is(0.0, "0"));
	CHECK(number_is(-0.0, "0"));
	CHECK(number_is(1, "1"));
	CHECK(number_is(-1, "-1"));
	CHECK(number_is(0.1, "0.1"));
	CHECK(number_is(0.3 - 0.1, "0.19999999999999998"));
	CHECK(number_is(100, "100"));
	CHECK(number_is(4.5, "4.5"));
	CHECK(number_is(0.002, "0.002"));
	CHECK(number_is(1e20, "100000000000000000000"));
	CHECK(number_is(1e21, "1e+21"));
	CHECK(number_is(1e30, "1e+30"));
	CHECK(number_is(1.5e300, "1.5e+300"));
	CHECK(number_is(123456789012345680000.0, "123456789012345680000"));
	CHECK(number_is(1e-6, "0.000001"));
	CHECK(number_is(0.000001234, "0.000001234"));
	CHECK(number_is(1e-7, "1e-7"));
	CHECK(number_is(-1.5e-9, "-1.5e-9"));
	CHECK(number_is(1e-27, "1e-27"));
	CHECK(number_is(333333333.33333329, "333333333.3333333"));
	CHECK(number_is(5e-324, "5e-324"));
	CHECK(number_is(1.7976931348623157e308, "1.7976931348623157e+308"));
	/* At a power of two the nearest 16-digit decimal does not read back,
	 * but the one on the other side does. */
	CHECK(number_is(ldexp(1, -1017), "7.120236347223045e-307"));
}

TEST(test_numbers_rfc8785)
{
	static const struct {
		uint64_t bits;
		const char *want;
	} cases[] = {
		{ 0x0000000000000000, "0" },
		{ 0x8000000000000000, "0" },
		{ 0x0000000000000001, "5e-324" },
		{ 0x8000000000000001, "-5e-324" },
		{ 0x7fefffffffffffff, "1.7976931348623157e+308" },
		{ 0xffefffffffffffff, "-1.7976931348623157e+308" },
		{ 0x4340000000000000, "9007199254740992" },
		{ 0xc340000000000000, "-9007199254740992" },
		{ 0x4430000000000000, "295147905179352830000" },
		{ 0x44b52d02c7e14af5, "9.999999999999997e+22" },
		{ 0x44b52d02c7e14af6, "1e+23" },
		{ 0x44b52d02c7e14af7, "1.0000000000000001e+23" },
		{ 0x444b1ae4d6e2ef4e, "999999999999999700000" },
		{ 0x444b1ae4d6e2ef4f, "999999999999999900000" },
		{ 0x444b1ae4d6e2ef50, "1e+21" },
		{ 0x3eb0c6f7a0b5ed8c, "9.999999999999997e-7" },
		{ 0x3eb0c6f7a0b5ed8d, "0.000001" },
		{ 0x41b3de4355555553, "333333333.3333332" },
		{ 0x41b3de4355555554, "333333333.33333325" },
		{ 0x41b3de4355555555, "333333333.3333333" },
		{ 0x41b3de4355555556, "333333333.3333334" },
		{ 0x41b3de4355555557, "333333333.33333343" },
		{ 0xbecbf647612f3696, "-0.0000033333333333333333" },
		{ 0x43143ff3c1cb0959, "1424953923781206.2" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++)
		CHECK(number_is(from_bits(cases[i].bits), cases[i].want));
}

TEST(test_numbers_from_text)
{
	static const struct {
		const char *in, *want;
	} cases[] = {
		{ "9007199254740993", "9007199254740992" },
		{ "[9007199254740993, -0, -0.0, 0e10]", "[9007199254740992,0,0,0]" },
		{ "[1E30, 4.50, 2e-3, 0.000000000000000000000000001]", "[1e+30,4.5,0.002,1e-27]" },
		{ "[1e21, 1e-7, 1e-6, 123456789012345680000]", "[1e+21,1e-7,0.000001,123456789012345680000]" },
		{ "[5e-324, 1.7976931348623157e308, 56.0]", "[5e-324,1.7976931348623157e+308,56]" },
		{ "{\"n\": 100}", "{\"n\":100}" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		char *c = CANON_STR(cases[i].in);

		CHECK_STR(c, cases[i].want);
		free(c);
	}
	REJECTS("[1e400]", 1, 2, "overflow");
}

/* jcs_serialize_exact: the same bytes as jcs_serialize while no number
 * loses digits as a double; the exact value when one does. */
TEST(test_exact_numbers)
{
	static const struct {
		const char *in, *want;
	} cases[] = {
		{ "[9007199254740993, 9007199254740992, 9007199254740993.0, 90071992547409930e-1]",
		  "[9007199254740993,9007199254740992,9007199254740993,9007199254740993]" },
		{ "[0.30000000000000001, 0.3, 0.1, 1.0, 2E3, -0, -0.0, 0e10, 0.000]",
		  "[0.30000000000000001,0.3,0.1,1,2000,0,0,0,0]" },
		{ "[-1e-400, 123456789012345678901234, 1.5e-7, 1e21, 1e-6, 12.5e1]",
		  "[-1e-400,1.23456789012345678901234e+23,1.5e-7,1e+21,0.000001,125]" },
		{ "{\"b\": \"1.0 \\\" 2\", \"a\": [-12.750, {\"x\": 18014398509481985}]}",
		  "{\"a\":[-12.75,{\"x\":18014398509481985}],\"b\":\"1.0 \\\" 2\"}" },
	};
	static const char *const same[] = {
		"{\"ratio\":0.1,\"big\":1e21,\"small\":1.5e-7,\"neg\":-0,\"whole\":2.0,\"exp\":1E2}",
		"[1.7976931348623157e308, 5e-324, 3.141592653589793, 9007199254740991, 4.50, \"9\"]",
		"{\"z\": 1, \"\u00e9\": [true, null, 0.000001, 123456789012345680000]}",
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct buf out = BUF_INIT, err = BUF_INIT;
		int l, c;
		json_t *v = json_parse_strict(cases[i].in, strlen(cases[i].in), &l, &c, &err);

		CHECK(v != NULL);
		CHECK(jcs_serialize_exact(v, cases[i].in, strlen(cases[i].in), &out, &err) == 0);
		CHECK_STR(out.buf, cases[i].want);
		json_decref(v);
		buf_release(&out);
		buf_release(&err);
	}
	for (size_t i = 0; i < ARRAY_SIZE(same); i++) {
		struct buf out = BUF_INIT, err = BUF_INIT;
		int l, c;
		json_t *v = json_parse_strict(same[i], strlen(same[i]), &l, &c, &err);
		char *old = CANON_STR(same[i]);

		CHECK(jcs_serialize_exact(v, same[i], strlen(same[i]), &out, &err) == 0);
		CHECK_STR(out.buf, old);
		free(old);
		json_decref(v);
		buf_release(&out);
		buf_release(&err);
	}
	/* text that is not what the value was read from */
	{
		struct buf out = BUF_INIT, err = BUF_INIT;
		json_t *v = json_pack("[i,i]", 1, 2);

		CHECK(jcs_serialize_exact(v, "[1]", 3, &out, &err) == -1);
		CHECK(strstr(err.buf ? err.buf : "", "numbers") != NULL);
		json_decref(v);
		buf_release(&out);
		buf_release(&err);
	}
}

TEST(test_integers_and_scalars)
{
	struct buf out = BUF_INIT, err = BUF_INIT;
	json_t *a = json_pack("[I,I,I,f,b,b,n,s]", (json_int_t)9007199254740993LL,
			      (json_int_t)-5, (json_int_t)INT64_MAX, 2.5, 1, 0, "x");

	CHECK(jcs_serialize(a, &out, &err) == 0);
	CHECK_STR(out.buf, "[9007199254740992,-5,9223372036854776000,2.5,true,false,null,\"x\"]");
	json_decref(a);

	char *c = CANON_STR(" \"top\" ");
	CHECK_STR(c, "\"top\"");
	free(c);
	c = CANON_STR("null");
	CHECK_STR(c, "null");
	free(c);
	c = CANON_STR("[ ]");
	CHECK_STR(c, "[]");
	free(c);
	buf_release(&out);
	buf_release(&err);
}

TEST(test_key_order_utf16)
{
	/* UTF-8 byte order would be: "", "a", "ab", "b", U+20AC, U+FB33,
	 * U+1F602. UTF-16 puts the surrogate pair (0xD83D) before U+FB33. */
	char *c = CANON_STR("{\"\\ufb33\":1,\"\\ud83d\\ude02\":2,\"\\u20ac\":3,"
			    "\"b\":4,\"ab\":5,\"a\":6,\"\":7,\"\\uffff\":8,\"\\ud800\\udc00\":9}");

	CHECK_STR(c, "{\"\":7,\"a\":6,\"ab\":5,\"b\":4,\"\xe2\x82\xac\":3,"
		  "\"\xf0\x90\x80\x80\":9,\"\xf0\x9f\x98\x82\":2,"
		  "\"\xef\xac\xb3\":1,\"\xef\xbf\xbf\":8}");
	free(c);

	/* Nested objects are sorted too; arrays keep their order. */
	c = CANON_STR("{\"z\":[{\"y\":1,\"x\":2},3,1],\"A\":{\"b\":{},\"a\":[]}}");
	CHECK_STR(c, "{\"A\":{\"a\":[],\"b\":{}},\"z\":[{\"x\":2,\"y\":1},3,1]}");
	free(c);
}

TEST(test_string_escaping)
{
	struct buf want = BUF_INIT, out = BUF_INIT, err = BUF_INIT;
	char raw[32 + 16];
	size_t n = 0;
	json_t *s;

	for (int i = 0; i < 32; i++)
		raw[n++] = (char)i;
	memcpy(raw + n, "\"\\/\x7f\xc2\x80\xe2\x80\xa8<>'", 12);
	n += 12;
	s = json_stringn(raw, n);
	CHECK(s != NULL);

	buf_addstr(&want, "\"\\u0000\\u0001\\u0002\\u0003\\u0004\\u0005\\u0006\\u0007"
		   "\\b\\t\\n\\u000b\\f\\r\\u000e\\u000f"
		   "\\u0010\\u0011\\u0012\\u0013\\u0014\\u0015\\u0016\\u0017"
		   "\\u0018\\u0019\\u001a\\u001b\\u001c\\u001d\\u001e\\u001f"
		   "\\\"\\\\/\x7f\xc2\x80\xe2\x80\xa8<>'\"");
	CHECK(jcs_serialize(s, &out, &err) == 0);
	CHECK_STR(out.buf, want.buf);
	json_decref(s);

	/* Escapes in the input are decoded, then only the needed ones return. */
	char *c = CANON_STR("[\"\\u0041\\u00e9\\u2028\\u007f\\/\\u001F\"]");
	CHECK_STR(c, "[\"A\xc3\xa9\xe2\x80\xa8\x7f/\\u001f\"]");
	free(c);

	buf_release(&want);
	buf_release(&out);
	buf_release(&err);
}

TEST(test_nul_in_strings)
{
	static const char text[] = "{\"k\":\"a\\u0000b\"}";
	struct buf out = BUF_INIT, err = BUF_INIT;
	int line, col;
	json_t *v = json_parse_strict(text, sizeof(text) - 1, &line, &col, &err);
	json_t *s = json_object_get(v, "k");

	CHECK(v != NULL);
	CHECK(json_string_length(s) == 3);
	CHECK(s && !memcmp(json_string_value(s), "a\0b", 3));
	CHECK(jcs_serialize(v, &out, &err) == 0);
	CHECK_STR(out.buf, "{\"k\":\"a\\u0000b\"}");
	json_decref(v);

	/* jansson cannot hold a NUL in a key; that is a clear rejection. */
	REJECTS("{\"a\\u0000b\":1}", 1, 2, "NUL");
	buf_release(&out);
	buf_release(&err);
}

TEST(test_duplicate_keys)
{
	REJECTS("{\"a\":1,\"a\":2}", 1, 8, "duplicate object key");
	REJECTS("{\"a\":1,\n \"a\":2}", 2, 2, "duplicate object key");
	REJECTS("[{},\n{\"x\":{\"a\":1,\"b\":{},\"a\":2}}]", 2, 20, "duplicate object key");
	/* Same key spelled with an escape is still a duplicate. */
	REJECTS("{\"a\":1,\"\\u0061\":2}", 1, 8, "duplicate object key");
}

TEST(test_invalid_utf8)
{
	REJECTS("[\"\xff\"]", 1, 3, "invalid UTF-8");
	REJECTS("[\"\xc3\xa9\xff\"]", 1, 5, "invalid UTF-8");
	REJECTS("\n[\"\xc0\xaf\"]", 2, 3, "invalid UTF-8");          /* overlong "/" */
	REJECTS("[\"\xed\xa0\x80\"]", 1, 3, "invalid UTF-8");         /* encoded surrogate */
	REJECTS("[\"\xf4\x90\x80\x80\"]", 1, 3, "invalid UTF-8");     /* above U+10FFFF */
	REJECTS("[\"\xe2\x82\"]", 1, 3, "invalid UTF-8");             /* truncated */
	REJECTS("[\"\\ud800\"]", 1, 2, "invalid Unicode");           /* lone surrogate */
	REJECTS("\xef\xbb\xbf[]", 1, 1, "byte order mark");

	/* Values built in code with invalid UTF-8 cannot be canonicalized. */
	struct buf out = BUF_INIT, err = BUF_INIT;
	json_t *v = json_pack("[s]", "ok");

	json_array_append_new(v, json_stringn_nocheck("\xff", 1));
	buf_addstr(&out, "keep");
	CHECK(jcs_serialize(v, &out, &err) == -1);
	CHECK(strstr(err.buf, "invalid UTF-8") != NULL);
	CHECK_STR(out.buf, "keep");
	json_decref(v);
	buf_reset(&err);
	CHECK(jcs_serialize(NULL, &out, &err) == -1);
	CHECK_STR(out.buf, "keep");
	buf_release(&out);
	buf_release(&err);
}

static void nested(struct buf *b, int levels)
{
	for (int i = 0; i < levels; i++)
		buf_addstr(b, i % 2 ? "{\"k\":" : "[");
	buf_addch(b, '0');
	for (int i = levels - 1; i >= 0; i--)
		buf_addch(b, i % 2 ? '}' : ']');
}

TEST(test_depth)
{
	struct buf b = BUF_INIT, err = BUF_INIT;
	int line, col;
	json_t *v;

	nested(&b, JSON_MAX_DEPTH);
	v = json_parse_strict(b.buf, b.len, &line, &col, &err);
	CHECK(v != NULL);
	json_decref(v);

	buf_reset(&b);
	buf_addstr(&b, "[\"[[{\\\"\", \n\t");
	nested(&b, JSON_MAX_DEPTH);
	buf_addstr(&b, "]");
	/* Level 65 opens on line 2 after the tab and 63 more levels: 32 "["
	 * and 31 "{\"k\":" of 5 bytes. Brackets in the string do not count. */
	CHECK(rejects(b.buf, b.len, 2, 1 + 32 + 31 * 5 + 1, "nesting deeper than 64 levels"));

	/* Exactly 65 brackets, all nesting: rejected (the walk is skipped
	 * only for texts with at most 64 brackets in all). */
	buf_reset(&b);
	nested(&b, JSON_MAX_DEPTH + 1);
	CHECK(rejects(b.buf, b.len, 1, 1 + 32 + 32 * 5, "nesting deeper than 64 levels"));
	/* Many brackets side by side nest only two deep: accepted. */
	buf_reset(&b);
	buf_addch(&b, '[');
	for (int i = 0; i < 200; i++)
		buf_addstr(&b, i ? ",{}" : "{}");
	buf_addch(&b, ']');
	v = json_parse_strict(b.buf, b.len, &line, &col, &err);
	CHECK(v != NULL && json_array_size(v) == 200);
	json_decref(v);

	/* Deeper than jansson's own limit: same message, same place. */
	buf_reset(&b);
	for (int i = 0; i < 5000; i++)
		buf_addch(&b, '[');
	CHECK(rejects(b.buf, b.len, 1, 65, "nesting deeper than 64 levels"));

	buf_release(&b);
	buf_release(&err);
}

TEST(test_syntax_errors)
{
	REJECTS("\n\n  [1,,2]", 3, 6, "unexpected token");
	REJECTS("[1,2", 1, 5, "expected");
	REJECTS("[1,2\n", 2, 1, "expected");
	REJECTS("", 1, 1, "");
	REJECTS("[1]x", 1, 4, "end of file expected");
	REJECTS("[\"ab\x01\"]", 1, 5, "control character");
	REJECTS("[01]", 1, 2, "invalid token");
	REJECTS("[tru]", 1, 2, "invalid token");
	REJECTS("{'a':1}", 1, 2, "");
	REJECTS("[NaN]", 1, 2, "");
	REJECTS("[\"a\0b\"]", 1, 4, "control character");

	char *big = xmalloc(JSON_MAX_RECORD + 1);

	memset(big, ' ', JSON_MAX_RECORD + 1);
	big[0] = '0';
	CHECK(rejects(big, JSON_MAX_RECORD + 1, 1, 1, "larger than 4 MiB"));
	free(big);
}

TEST(test_append)
{
	struct buf b = BUF_INIT;
	json_t *v = json_pack("{s:f,s:[]}", "b", 0.5, "a");

	buf_addstr(&b, "leaf=");
	json_append(&b, v);
	CHECK_STR(b.buf, "leaf={\"a\":[],\"b\":0.5}");
	json_decref(v);
	buf_release(&b);
}

static int equal_texts(const char *a, const char *b)
{
	struct buf err = BUF_INIT;
	int l, c, eq;
	json_t *va = json_parse_strict(a, strlen(a), &l, &c, &err);
	json_t *vb = json_parse_strict(b, strlen(b), &l, &c, &err);

	if (!va || !vb)
		fprintf(stderr, "  parse failed: %s\n", err.buf);
	eq = va && vb && json_equal_canonical(va, vb);
	if (eq != json_equal_canonical(vb, va))
		eq = -1;
	json_decref(va);
	json_decref(vb);
	buf_release(&err);
	return eq;
}

TEST(test_equal_canonical)
{
	CHECK(equal_texts("{\"a\":1,\"b\":[1,2,{\"c\":null}]}", "{\"b\":[1.0,2e0,{\"c\":null}],\"a\":1}") == 1);
	CHECK(equal_texts("[0]", "[-0]") == 1);
	CHECK(equal_texts("[\"a\\u0000b\"]", "[\"a\\u0000b\"]") == 1);
	CHECK(equal_texts("[\"a\\u0000b\"]", "[\"a\\u0000c\"]") == 0);
	CHECK(equal_texts("[\"a\\u0000\"]", "[\"a\"]") == 0);
	CHECK(equal_texts("[1,2]", "[2,1]") == 0);
	CHECK(equal_texts("{\"a\":1}", "{\"a\":1,\"b\":2}") == 0);
	CHECK(equal_texts("{\"a\":1,\"c\":2}", "{\"a\":1,\"b\":2}") == 0);
	CHECK(equal_texts("{\"a\":true}", "{\"a\":false}") == 0);
	CHECK(equal_texts("{\"a\":null}", "{\"a\":{}}") == 0);
	CHECK(equal_texts("{}", "[]") == 0);
	CHECK(equal_texts("\"1\"", "1") == 0);

	json_t *i = json_integer(3), *r = json_real(3.0), *r2 = json_real(3.5);

	CHECK(json_equal_canonical(i, r));
	CHECK(!json_equal_canonical(i, r2));
	CHECK(!json_equal_canonical(i, NULL));
	json_decref(i);
	json_decref(r);
	json_decref(r2);
}

/* ---- the span writer and the key order against plain references ---- */

/* The pieces random strings are made of: ASCII, every kind of escape,
 * and UTF-8 of 2, 3 and 4 bytes, including U+E000..U+FFFF and
 * supplementary characters, whose UTF-16 order differs from UTF-8's. */
static const char *const piece[] = {
	"a", "b", "z", "~", " ", "\x7f", "\"", "\\", "/", "\n", "\t", "\x01", "\x1f", "\b",
	"\xc3\xa9", "\xe2\x82\xac", "\xee\x80\x80", "\xef\xbf\xbf", "\xf0\x90\x80\x80",
	"\xf0\x9f\x98\x82",
};

/* The reference: one character at a time, as RFC 8785 section 3.2.2.2. */
static void ref_escape(const char *s, size_t len, struct buf *out)
{
	buf_addch(out, '"');
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '"' || c == '\\') {
			buf_addch(out, '\\');
			buf_addch(out, c);
		} else if (c == '\b') {
			buf_addstr(out, "\\b");
		} else if (c == '\t') {
			buf_addstr(out, "\\t");
		} else if (c == '\n') {
			buf_addstr(out, "\\n");
		} else if (c == '\f') {
			buf_addstr(out, "\\f");
		} else if (c == '\r') {
			buf_addstr(out, "\\r");
		} else if (c < 0x20) {
			buf_addf(out, "\\u%04x", c);
		} else {
			buf_addch(out, c);
		}
	}
	buf_addch(out, '"');
}

/* UTF-16 code units of a valid UTF-8 key, for the reference order. */
static size_t to_utf16(const char *s, size_t len, unsigned *u)
{
	size_t n = 0, i = 0;

	while (i < len) {
		unsigned cp;
		size_t k = utf8_decode((const unsigned char *)s + i, len - i, &cp);

		i += k ? k : 1;
		if (cp >= 0x10000) {
			u[n++] = 0xd800 + ((cp - 0x10000) >> 10);
			u[n++] = 0xdc00 + ((cp - 0x10000) & 0x3ff);
		} else {
			u[n++] = cp;
		}
	}
	return n;
}

static int ref_key_cmp(const void *pa, const void *pb)
{
	const struct buf *a = pa, *b = pb;
	unsigned ua[256], ub[256];
	size_t na = to_utf16(a->buf, a->len, ua), nb = to_utf16(b->buf, b->len, ub);

	for (size_t i = 0; i < na && i < nb; i++)
		if (ua[i] != ub[i])
			return ua[i] < ub[i] ? -1 : 1;
	return na < nb ? -1 : na > nb;
}

/* A random string of up to max pieces from a fixed-seed generator. */
static void random_text(unsigned *seed, size_t max, struct buf *out)
{
	size_t n = (size_t)rand_r(seed) % (max + 1);

	buf_reset(out);
	for (size_t i = 0; i < n; i++)
		buf_addstr(out, piece[(size_t)rand_r(seed) % ARRAY_SIZE(piece)]);
}

TEST(test_string_writer_matches_reference)
{
	struct buf text = BUF_INIT, want = BUF_INIT, out = BUF_INIT, err = BUF_INIT;
	unsigned seed = 18;
	int bad = 0;

	for (int round = 0; round < 2000 && !bad; round++) {
		json_t *s;

		random_text(&seed, round < 1000 ? 12 : 400, &text);
		s = json_stringn(text.buf, text.len);
		buf_reset(&want);
		buf_reset(&out);
		ref_escape(text.buf, text.len, &want);
		if (!s || jcs_serialize(s, &out, &err) || out.len != want.len ||
		    memcmp(out.buf, want.buf, want.len)) {
			fprintf(stderr, "  round %d: got %s, want %s\n", round, out.buf, want.buf);
			bad = 1;
		}
		json_decref(s);
	}
	CHECK(!bad);
	/* appended after what the buffer holds, NUL-terminated */
	buf_reset(&out);
	buf_addstr(&out, "x");
	json_t *s = json_string("a\"b");
	CHECK(jcs_serialize(s, &out, &err) == 0);
	CHECK_STR(out.buf, "x\"a\\\"b\"");
	json_decref(s);
	/* invalid UTF-8 (jansson lets it in through _nocheck) is refused and
	 * leaves the buffer as it was */
	s = json_stringn_nocheck("ab\xc3(", 4);
	CHECK(jcs_serialize(s, &out, &err) == -1);
	CHECK(strstr(err.buf, "invalid UTF-8") != NULL);
	CHECK_STR(out.buf, "x\"a\\\"b\"");
	json_decref(s);
	buf_release(&text);
	buf_release(&want);
	buf_release(&out);
	buf_release(&err);
}

TEST(test_key_order_matches_reference)
{
	struct buf keys[40], out = BUF_INIT, want = BUF_INIT, err = BUF_INIT;
	unsigned seed = 7;
	int bad = 0;

	for (int round = 0; round < 300 && !bad; round++) {
		/* up to 40 members: past the writer's 16 on the stack too */
		size_t n = 1 + (size_t)rand_r(&seed) % ARRAY_SIZE(keys), m = 0;
		json_t *obj = json_object();

		for (size_t i = 0; i < n; i++) {
			buf_init(&keys[m]);
			/* shared prefixes make the first difference fall anywhere */
			buf_addstr(&keys[m], round % 2 ? "prefix" : "");
			random_text(&seed, 6, &out);
			buf_add(&keys[m], out.buf, out.len);
			if (json_object_getn(obj, keys[m].buf, keys[m].len)) {
				buf_release(&keys[m]);
				continue;
			}
			json_object_setn_new(obj, keys[m].buf, keys[m].len, json_integer((json_int_t)m));
			m++;
		}
		qsort(keys, m, sizeof(*keys), ref_key_cmp);
		buf_reset(&want);
		buf_addch(&want, '{');
		for (size_t i = 0; i < m; i++) {
			if (i)
				buf_addch(&want, ',');
			ref_escape(keys[i].buf, keys[i].len, &want);
			buf_addf(&want, ":%lld", (long long)json_integer_value(
				json_object_getn(obj, keys[i].buf, keys[i].len)));
		}
		buf_addch(&want, '}');
		buf_reset(&out);
		if (jcs_serialize(obj, &out, &err) || strcmp(out.buf, want.buf)) {
			fprintf(stderr, "  round %d: got %s\n  want %s\n", round, out.buf, want.buf);
			bad = 1;
		}
		for (size_t i = 0; i < m; i++)
			buf_release(&keys[i]);
		json_decref(obj);
	}
	CHECK(!bad);
	buf_release(&out);
	buf_release(&want);
	buf_release(&err);
}

int main(void)
{
	RUN(test_vectors);
	RUN(test_numbers_ecmascript);
	RUN(test_numbers_rfc8785);
	RUN(test_numbers_from_text);
	RUN(test_exact_numbers);
	RUN(test_integers_and_scalars);
	RUN(test_key_order_utf16);
	RUN(test_string_escaping);
	RUN(test_string_writer_matches_reference);
	RUN(test_key_order_matches_reference);
	RUN(test_nul_in_strings);
	RUN(test_duplicate_keys);
	RUN(test_invalid_utf8);
	RUN(test_depth);
	RUN(test_syntax_errors);
	RUN(test_append);
	RUN(test_equal_canonical);
	return CHECK_DONE();
}
