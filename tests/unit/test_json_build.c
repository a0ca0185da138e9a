/*
 * test_json_build.c - unit tests for the one-pass reader (json_build.c):
 * what it builds is what jansson builds with json_parse_strict's flags,
 * bit for bit (../fuzz/json_same.h); every kind of text jansson refuses it
 * refuses; what it leaves to jansson on purpose (deep nesting, long
 * numbers, long escaped names) json_parse_strict still reads; every line
 * and file of the shared samples and testdata reads the same both ways;
 * and every one-byte change of a few texts keeps that promise.
 */
#include <dirent.h>
#include <math.h>
#include <sys/stat.h>

#include "check.h"
#include "../fuzz/json_same.h"
#include "trailscope/jcs.h"
#include "trailscope/json_build.h"
#include "trailscope/util.h"

static json_t *by_jansson(const char *text, size_t n)
{
	return json_loadb(text, n, JSON_REJECT_DUPLICATES | JSON_DECODE_INT_AS_REAL |
			  JSON_ALLOW_NUL | JSON_DECODE_ANY, NULL);
}

/* 1 when the reader builds nothing, or builds exactly jansson's value. */
static int agrees(const char *text, size_t n)
{
	json_t *fast = json_build_strict(text, n), *slow;
	int ok;

	if (!fast)
		return 1;
	slow = by_jansson(text, n);
	ok = slow && json_same(fast, slow);
	json_decref(fast);
	json_decref(slow);
	return ok;
}

/* 1 when the reader builds exactly jansson's value (and builds one). */
static int builds_same(const char *text, size_t n)
{
	json_t *fast = json_build_strict(text, n), *slow = by_jansson(text, n);
	int ok = fast && slow && json_same(fast, slow);

	json_decref(fast);
	json_decref(slow);
	return ok;
}

#define S(lit) lit, sizeof(lit) - 1

static const struct { const char *t; size_t n; } built[] = {
	{ S("{}") }, { S("[]") }, { S(" \t\r\n{ } \r\n") }, { S("\"\"") }, { S("null") },
	{ S("true") }, { S("false") }, { S("0") }, { S("-0") }, { S(" 7 ") },
	{ S("{\"a\":1,\"b\":[1,2,{\"c\":null}],\"d\":\"x\\n\\u00e9\\ud83d\\ude00\",\"e\":true,\"f\":false}") },
	{ S("{\"z\":1,\"a\":2,\"m\":3}") },     /* member order as written */
	{ S("{\"a\":\"\\/\\\\\\\"\\b\\f\\r\\t\\n\"}") },
	{ S("[\"\\u0000\",\"a\\u0000b\",\"\\u0041\\u00DF\\u20aC\\uFFFF\"]") },
	{ S("{\"\xc3\xa9\":\"\xe2\x82\xac\xf0\x9f\x98\x80\x7f\xef\xbf\xbf\xf4\x8f\xbf\xbf\"}") },
	{ S("{\"k\\u00e9y\":1,\"k\\\"q\":2,\"\":3}") },
	{ S("[0,-0,1,-1,10,1.25,-3.0,0.1,1e3,1E+3,1e-3,-2.5E-7,1.7976931348623157e308]") },
	{ S("[123456789012345678,-123456789012345678,1234567890123456789,9007199254740993]") },
	{ S("[99999999999999999999999,18446744073709551616,9223372036854775808]") },
	{ S("[1e-400,-1e-400,4.9e-324,2.2250738585072011e-308,0.0000000000000000000000001]") },
	{ S("[1.00000000000000011102230246251565404236316680908203125]") },
	{ S("[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]") },  /* 32 deep */
	{ S("{\"a\":{\"x\":1},\"b\":{\"x\":2},\"c\":[{\"x\":1},{\"x\":1}]}") },
};

TEST(test_builds_what_jansson_builds)
{
	for (size_t i = 0; i < sizeof(built) / sizeof(built[0]); i++) {
		int ok = builds_same(built[i].t, built[i].n);

		if (!ok)
			fprintf(stderr, "  case %zu: %s\n", i, built[i].t);
		CHECK(ok);
	}
}

TEST(test_negative_zero_and_rounding)
{
	json_t *v = json_build_strict(S("[-0,0,9007199254740993,123456789012345678]"));
	double d;

	CHECK(v != NULL);
	d = json_real_value(json_array_get(v, 0));
	CHECK(d == 0 && signbit(d));
	d = json_real_value(json_array_get(v, 1));
	CHECK(d == 0 && !signbit(d));
	CHECK(json_real_value(json_array_get(v, 2)) == 9007199254740992.0);
	CHECK(json_real_value(json_array_get(v, 3)) == 123456789012345678.0);
	json_decref(v);
}

static const struct { const char *t; size_t n; } refused[] = {
	{ S("") }, { S("   ") }, { S("{") }, { S("[1,]") }, { S("{\"a\":1,}") }, { S("{\"a\" 1}") },
	{ S("{a:1}") }, { S("{'a':1}") }, { S("[1 2]") }, { S("{} {}") }, { S("{}x") }, { S("tru") },
	{ S("truex") }, { S("nul") }, { S("True") }, { S("01") }, { S("-") }, { S("-a") }, { S("1.") },
	{ S(".5") }, { S("1e") }, { S("1e+") }, { S("+1") }, { S("0x10") }, { S("1e400") },
	{ S("-1e400") }, { S("NaN") }, { S("Infinity") }, { S("\"abc") }, { S("\"a\nb\"") },
	{ S("\"a\x01\"") }, { S("\"\\x\"") }, { S("\"\\u12\"") }, { S("\"\\u12G4\"") },
	{ S("\"\\udc00\"") }, { S("\"\\ud800\"") }, { S("\"\\ud800x\"") }, { S("\"\\ud800\\u0041\"") },
	{ S("\"\xc0\x80\"") }, { S("\"\xed\xa0\x80\"") }, { S("\"\xf4\x90\x80\x80\"") },
	{ S("\"\xe2\x82\"") }, { S("\"\x80\"") }, { S("\"\xff\"") }, { S("{\"a\":1,\"a\":2}") },
	{ S("{\"a\":1,\"\\u0061\":2}") }, { S("{\"a\\u0000\":1}") }, { S("\xef\xbb\xbf{}") },
	{ S("[1]\0") }, { S("{\"a\":[}") }, { S("[\"a\"}") },
};

TEST(test_refused_texts_not_built)
{
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		json_t *v = json_build_strict(refused[i].t, refused[i].n);
		json_t *j = by_jansson(refused[i].t, refused[i].n);

		if (v)
			fprintf(stderr, "  case %zu built: %s\n", i, refused[i].t);
		CHECK(v == NULL);
		/* BOM and NUL aside, each is a text jansson refuses too */
		CHECK(j == NULL);
		json_decref(v);
		json_decref(j);
	}
}

/* 1 when the reader leaves t to jansson and json_parse_strict still reads
 * it as jansson does. */
static int left_but_read(const struct buf *t)
{
	struct buf err = BUF_INIT;
	json_t *fast = json_build_strict(t->buf, t->len), *v, *j;
	int l, c, ok;

	v = json_parse_strict(t->buf, t->len, &l, &c, &err);
	j = by_jansson(t->buf, t->len);
	ok = !fast && v && j && json_same(v, j);
	json_decref(fast);
	json_decref(v);
	json_decref(j);
	buf_release(&err);
	return ok;
}

/* Left to jansson on purpose: nesting past the reader's depth, a long
 * number, a long escaped member name. */
TEST(test_left_to_jansson)
{
	struct buf t = BUF_INIT;

	for (int k = 0; k < 80; k++)
		buf_addch(&t, k < 40 ? '[' : ']');
	CHECK(left_but_read(&t));
	buf_reset(&t);
	buf_addstr(&t, "[1.");
	for (int k = 0; k < 80; k++)
		buf_addch(&t, '5');
	buf_addstr(&t, "]");
	CHECK(left_but_read(&t));
	buf_reset(&t);
	buf_addstr(&t, "{\"");
	for (int k = 0; k < 300; k++)
		buf_addstr(&t, "\\u00e9");
	buf_addstr(&t, "\":1}");
	CHECK(left_but_read(&t));
	buf_release(&t);
}

TEST(test_escape_len)
{
	static const struct { const char *t; size_t len; long unit; } cases[] = {
		{ "\\n", 2, 'n' }, { "\\/x", 2, '/' }, { "\\u0041", 6, 0x41 }, { "\\u0000", 6, 0 },
		{ "\\ud83d\\ude00", 12, 0xD83D }, { "\\uFFFF", 6, 0xFFFF }, { "\\x", 0, -1 },
		{ "\\u12", 0, -1 }, { "\\u12G4", 0, -1 }, { "\\udc00", 0, -1 }, { "\\ud800", 0, -1 },
		{ "\\ud800\\u0041", 0, -1 }, { "\\ud800\\udbff", 0, -1 }, { "\\", 0, -1 }, { "n", 0, -1 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		long unit = -1;
		size_t k = json_escape_len((const unsigned char *)cases[i].t, strlen(cases[i].t), &unit);

		CHECK_INT(k, cases[i].len);
		if (cases[i].len)
			CHECK_INT(unit, cases[i].unit);
	}
}

/* A long escaped string value decodes through the heap, not the stack. */
TEST(test_long_escaped_value)
{
	struct buf t = BUF_INIT;

	buf_addstr(&t, "{\"a\":\"");
	for (int k = 0; k < 5000; k++)
		buf_addstr(&t, k % 7 ? "x" : "\\n\\u00e9\\ud83d\\ude00");
	buf_addstr(&t, "\"}");
	CHECK(builds_same(t.buf, t.len));
	buf_release(&t);
}

static int depth_of(const json_t *v)
{
	int max = 0;

	if (json_is_object(v)) {
		const char *k;
		json_t *m;

		json_object_foreach((json_t *)v, k, m) {
			int d = depth_of(m);

			max = d > max ? d : max;
		}
		return max + 1;
	}
	if (json_is_array(v)) {
		for (size_t i = 0; i < json_array_size(v); i++) {
			int d = depth_of(json_array_get(v, i));

			max = d > max ? d : max;
		}
		return max + 1;
	}
	return 0;
}

/* Each line of a file (and the whole file) reads the same both ways, and
 * the reader builds every one jansson reads, save those deeper than it
 * goes. Returns the number of texts it built, or -1. */
static long file_agrees(const char *path)
{
	size_t len;
	char *f = read_file(path, 64u << 20, &len);
	long built_n = 0;
	const char *p, *end, *eol;
	int bad = 0;

	if (!f)
		return -1;
	p = f;
	end = f + len;
	bad |= !agrees(f, len);
	if (len && memchr(f, '\n', len - 1)) {       /* the whole file, when it spans lines */
		json_t *whole = json_build_strict(f, len);

		built_n += whole != NULL;
		json_decref(whole);
	}
	for (; p < end; p = eol + 1) {
		json_t *fast, *slow;

		eol = memchr(p, '\n', (size_t)(end - p));
		if (!eol)
			eol = end;
		fast = json_build_strict(p, (size_t)(eol - p));
		slow = by_jansson(p, (size_t)(eol - p));
		if (fast)
			built_n++;
		if (fast ? !slow || !json_same(fast, slow) : slow && depth_of(slow) <= JSON_BUILD_DEPTH_MAX)
			bad = 1;
		json_decref(fast);
		json_decref(slow);
	}
	free(f);
	return bad ? -1 : built_n;
}

/* The same over a directory's files, and its directories' files. */
static long dir_agrees(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	struct buf path = BUF_INIT;
	long n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d))) {
		struct stat st;
		long r;

		if (e->d_name[0] == '.')
			continue;
		buf_reset(&path);
		buf_addf(&path, "%s/%s", dir, e->d_name);
		if (stat(path.buf, &st) || !(S_ISREG(st.st_mode) || S_ISDIR(st.st_mode)))
			continue;
		r = S_ISDIR(st.st_mode) ? dir_agrees(path.buf) : file_agrees(path.buf);
		if (r < 0)
			fprintf(stderr, "  %s: the reader and jansson differ\n", path.buf);
		n = r < 0 || n < 0 ? -1 : n + r;
	}
	closedir(d);
	buf_release(&path);
	return n;
}

TEST(test_samples_read_the_same)
{
	struct buf dir = BUF_INIT;
	static const char *const sub[] = { "k8s-falco", "cloudtrail", "launchdarkly" };

	for (size_t i = 0; i < sizeof(sub) / sizeof(sub[0]); i++) {
		buf_reset(&dir);
		buf_addf(&dir, "%s/samples/%s", shared_dir(), sub[i]);
		CHECK(dir_agrees(dir.buf) > 0);
	}
	CHECK(dir_agrees("testdata") > 0);
	buf_release(&dir);
}

/* Every single-byte change, among a few bytes that matter to JSON, of a
 * few texts: what the reader builds is still jansson's value. */
TEST(test_every_byte_changed)
{
	static const char texts[][160] = {
		"{\"a\":\"x\\n\\u00e9\\ud83d\\ude00\",\"b\":[1,-0,2.5e3,{\"c\":null}],\"d\":true}",
		"[\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\",123456789012345678,1e-7,false]",
	};
	static const unsigned char bytes[] = {
		'"', '\\', '{', '}', '[', ']', ',', ':', '-', '+', '.', 'e', '0', '9', 'u', 'a',
		' ', '\n', 0x00, 0x1f, 0x7f, 0x80, 0xbf, 0xc0, 0xc3, 0xe2, 0xed, 0xf0, 0xf4, 0xff,
	};
	char t[160];
	int bad = 0;

	for (size_t k = 0; k < sizeof(texts) / sizeof(texts[0]); k++) {
		size_t n = strlen(texts[k]);

		for (size_t at = 0; at < n; at++)
			for (size_t b = 0; b < sizeof(bytes); b++) {
				memcpy(t, texts[k], n);
				t[at] = (char)bytes[b];
				bad += !agrees(t, n);           /* changed */
				bad += !agrees(t, at);          /* cut short */
			}
	}
	CHECK_INT(bad, 0);
}

int main(void)
{
	RUN(test_builds_what_jansson_builds);
	RUN(test_negative_zero_and_rounding);
	RUN(test_refused_texts_not_built);
	RUN(test_left_to_jansson);
	RUN(test_escape_len);
	RUN(test_long_escaped_value);
	RUN(test_samples_read_the_same);
	RUN(test_every_byte_changed);
	return CHECK_DONE();
}
