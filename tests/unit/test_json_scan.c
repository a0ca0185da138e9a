/*
 * test_json_scan.c - unit tests for json_scan.c and the Kubernetes read
 * scan built on it (k8s_line_is_read, format_k8s.c): every text the scan
 * vouches for is accepted by json_parse_strict with the same members,
 * every kind of text the strict parser refuses is one the scan does not
 * vouch for, the cases the scan leaves to the parser on purpose stay
 * left, and a line is called a read only when the reader's strict path
 * skips it as one (tests/fuzz/k8s_oracle.h).
 */
#include <dirent.h>

#include "check.h"
#include "../fuzz/k8s_oracle.h"
#include "trailscope/jcs.h"
#include "trailscope/json_scan.h"

static int strict_ok(const char *text, size_t n, size_t *members)
{
	struct buf err = BUF_INIT;
	int l, c;
	json_t *j = json_parse_strict(text, n, &l, &c, &err);
	int ok = j != NULL;

	*members = json_is_object(j) ? json_object_size(j) : 0;
	json_decref(j);
	buf_release(&err);
	return ok;
}

static int scan(const char *text)
{
	struct json_scan_member m[64];

	return json_scan_object(text, strlen(text), m, 64);
}

TEST(test_vouched_texts_parse)
{
	static const char *const ok[] = {
		"{}", " \t\r\n{ } \r\n", "{\"a\":1}",
		"{\"a\":1,\"b\":[1,2,{\"c\":null}],\"d\":\"x\\n\\u00e9\\ud83d\\ude00\",\"e\":true,\"f\":false,\"g\":-0.5}",
		"{\"a\":{\"x\":1},\"b\":{\"x\":2}}", "{\"x\":{\"x\":{\"x\":[]}}}",
		"{\"\":\"\",\"\xc3\xa9\":\"\xe2\x82\xac\xf0\x9f\x98\x80\"}", "{\"a\":\"\\/\\\\\\\"\\b\\f\\r\\t\"}",
		"{\"n\":[0,-0,10,1.25,-3.0,1234567890123456789012345678901234567890]}",
		"{\"a\":\"\x7f\",\"b\":\"\xef\xbf\xbf\xf4\x8f\xbf\xbf\"}",
		"{\"k\":{\"k\":1},\"k2\":[{\"k\":1},{\"k\":2}]}",
	};
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		size_t members;
		int k = scan(ok[i]);

		if (k < 0 || !strict_ok(ok[i], strlen(ok[i]), &members) || (size_t)k != members)
			fprintf(stderr, "  case %zu: scan %d\n", i, k);
		CHECK(k >= 0);
		CHECK(strict_ok(ok[i], strlen(ok[i]), &members));
		CHECK_INT(k, members);
	}
}

TEST(test_members_and_types)
{
	const char *t = "{\"s\":\"a\\tb\",\"o\":{\"x\":[1]},\"a\":[],\"n\":-12.5,\"t\":true,\"f\":false,\"z\":null,\"p\":\"plain\"}";
	struct json_scan_member m[8];
	const struct json_scan_value *v;

	CHECK_INT(json_scan_object(t, strlen(t), m, 8), 8);
	CHECK_INT(json_scan_object(t, strlen(t), m, 7), -1); /* more members than room */
	v = json_scan_get(m, 8, "s");
	CHECK(v && v->type == JSCAN_STRING && v->escaped && v->n == 4 && !memcmp(v->p, "a\\tb", 4));
	v = json_scan_get(m, 8, "o");
	CHECK(v && v->type == JSCAN_OBJECT && v->n == 9 && !memcmp(v->p, "{\"x\":[1]}", 9));
	CHECK(json_scan_get(m, 8, "a")->type == JSCAN_ARRAY);
	v = json_scan_get(m, 8, "n");
	CHECK(v && v->type == JSCAN_NUMBER && v->n == 5);
	CHECK(json_scan_get(m, 8, "t")->type == JSCAN_TRUE);
	CHECK(json_scan_get(m, 8, "f")->type == JSCAN_FALSE);
	CHECK(json_scan_get(m, 8, "z")->type == JSCAN_NULL);
	CHECK(json_scan_str_is(json_scan_get(m, 8, "p"), "plain"));
	CHECK(!json_scan_str_is(json_scan_get(m, 8, "p"), "plai"));
	CHECK(!json_scan_str_is(json_scan_get(m, 8, "s"), "a\tb")); /* escaped: not compared */
	CHECK(!json_scan_get(m, 8, "x"));
}

/* Texts json_parse_strict refuses: the scan must not vouch for any. */
TEST(test_refused_texts_not_vouched)
{
	static const char *const bad[] = {
		"{\"a\":1,\"a\":2}", "{\"o\":{\"k\":1,\"k\":2}}", "{\"a\":[{\"k\":1,\"k\":1}]}",
		"{\"a\":01}", "{\"a\":1.}", "{\"a\":.5}", "{\"a\":+1}", "{\"a\":-}", "{\"a\":-a}",
		"{\"a\":tru}", "{\"a\":truex}", "{\"a\":nul}", "{\"a\":1,}", "{\"a\":[1,]}", "{\"a\" 1}",
		"{a:1}", "{\"a\":1", "{\"a\":\"x}", "{\"a\":\"\x01\"}", "{\"a\":\"\\q\"}",
		"{\"a\":\"\\ud800\"}", "{\"a\":\"\\udc00\"}", "{\"a\":\"\\ud800\\u0041\"}",
		"{\"a\":\"\\ud800\\\"}", "{\"a\":\"\\u12\"}", "{\"a\":\"\\u12g4\"}",
		"{\"a\":\"\xc0\x80\"}", "{\"a\":\"\xc1\xbf\"}", "{\"a\":\"\xed\xa0\x80\"}",
		"{\"a\":\"\xf4\x90\x80\x80\"}", "{\"a\":\"\xe2\x82\"}", "{\"a\":\"\x80\"}",
		"{\"a\":\"\xff\"}", "{\"a\":\"\xf0\x8f\xbf\xbf\"}", "{\"a\":\"\xe0\x9f\xbf\"}",
		"{\"a\":1} x", "{\"a\":1}}", "{\"a\":1}{}", "\xef\xbb\xbf{}", "", "   ",
		"{\"a\":[1}", "{\"a\":{]}", "{,}", "{\"a\":1,,\"b\":2}", "{\"a\":'x'}",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		size_t members;

		if (scan(bad[i]) >= 0 || strict_ok(bad[i], strlen(bad[i]), &members))
			fprintf(stderr, "  case %zu\n", i);
		CHECK(!strict_ok(bad[i], strlen(bad[i]), &members));
		CHECK_INT(scan(bad[i]), -1);
	}
	/* a NUL byte, inside a string and outside */
	CHECK_INT(json_scan_object("{\"a\":\"x\0\"}", 9, (struct json_scan_member[4]){ 0 }, 4), -1);
	CHECK_INT(json_scan_object("{\"a\":1}\0", 8, (struct json_scan_member[4]){ 0 }, 4), -1);
}

static char *nested(int depth)
{
	struct buf b = BUF_INIT;

	buf_addch(&b, '{');
	for (int i = 1; i < depth; i++)
		buf_addstr(&b, "\"a\":{");
	for (int i = 0; i < depth; i++)
		buf_addch(&b, '}');
	return buf_detach(&b, NULL);
}

/* Texts the strict parser accepts that the scan leaves to it on purpose. */
TEST(test_left_to_the_parser)
{
	static const char *const left[] = {
		"{\"a\\u0062\":1}", "{\"a\\\"\":1}", "{\"a\":\"\\u0000\"}", "{\"a\":1e5}", "{\"a\":1.5E-3}",
		"{\"a\":12345678901234567890123456789012345678901}", "[1]", "\"s\"", "1",
	};
	struct buf many = BUF_INIT;
	size_t members;
	char *deep;

	for (size_t i = 0; i < sizeof(left) / sizeof(left[0]); i++) {
		CHECK(strict_ok(left[i], strlen(left[i]), &members));
		CHECK_INT(scan(left[i]), -1);
	}
	deep = nested(32);
	CHECK(scan(deep) >= 0);
	free(deep);
	deep = nested(33);
	CHECK(strict_ok(deep, strlen(deep), &members));
	CHECK_INT(scan(deep), -1);
	free(deep);
	/* 600 names open at once (one inner object) */
	buf_addstr(&many, "{\"o\":{");
	for (int i = 0; i < 600; i++)
		buf_addf(&many, "%s\"k%d\":%d", i ? "," : "", i, i);
	buf_addstr(&many, "}}");
	CHECK(strict_ok(many.buf, many.len, &members));
	CHECK_INT(scan(many.buf), -1);
	buf_release(&many);
}

#define READ_LINE(verb, extra) "{\"kind\":\"Event\",\"apiVersion\":\"audit.k8s.io/v1\",\"level\":\"Metadata\"," \
	"\"auditID\":\"a-1\",\"stage\":\"ResponseComplete\",\"requestURI\":\"/api/v1/namespaces/x/configmaps/c\"," \
	"\"verb\":\"" verb "\",\"user\":{\"username\":\"system:serviceaccount:x:y\",\"groups\":[\"g\"]}," \
	"\"sourceIPs\":[\"10.0.0.1\"],\"objectRef\":{\"resource\":\"configmaps\",\"name\":\"c\"}," \
	"\"responseStatus\":{\"metadata\":{},\"code\":200},\"requestReceivedTimestamp\":\"2026-03-01T00:00:00.000000Z\"," \
	"\"stageTimestamp\":\"2026-03-01T00:00:00.000000Z\"" extra "}"

static void check_read(const char *line, int want)
{
	int got = k8s_line_is_read(line, strlen(line));

	if (got != want)
		fprintf(stderr, "  k8s_line_is_read %d, want %d: %s\n", got, want, line);
	CHECK_INT(got, want);
	if (got)
		CHECK(k8s_oracle_is_read(line, strlen(line)));
}

TEST(test_k8s_reads)
{
	check_read(READ_LINE("get", ""), 1);
	check_read(READ_LINE("list", "") "\n", 1);
	check_read(READ_LINE("watch", "") "\r\n", 1);
	check_read(READ_LINE("get", ",\"impersonatedUser\":null,\"timestamp\":null"), 1);
	check_read(READ_LINE("get", ",\"annotations\":{\"a\":\"\\u00e9\"}"), 1);
	/* what the strict path keeps or refuses, or the scan leaves to it */
	check_read(READ_LINE("update", ""), 0);
	check_read(READ_LINE("GET", ""), 0);
	check_read(READ_LINE("g\\u0065t", ""), 0);     /* a read, but escaped: left */
	check_read(READ_LINE("", ""), 0);
	check_read(READ_LINE("get", ",\"impersonatedUser\":\"u\""), 0);
	check_read(READ_LINE("get", ",\"objectRef\":[]"), 0); /* and a duplicate */
	check_read(READ_LINE("get", ",\"level\":5"), 0);
	check_read(READ_LINE("get", ",\"timestamp\":5"), 0);
	check_read(READ_LINE("get", ",\"x\":1,\"x\":2"), 0);
	check_read(READ_LINE("get", ",\"x\":\"\xff\""), 0);
	check_read("{\"kind\":\"EventList\",\"auditID\":\"a\",\"verb\":\"get\",\"user\":{}}", 0);
	check_read("{\"kind\":\"Event\",\"auditID\":\"a\",\"verb\":\"get\",\"user\":{}}", 1);
	check_read("{\"kind\":\"Event\",\"auditID\":\"a\",\"verb\":\"get\"}", 0);
	check_read("{\"kind\":\"Event\",\"auditID\":\"a\",\"verb\":\"get\",\"user\":null}", 0);
	check_read("{\"kind\":\"Event\",\"auditID\":\"a\",\"verb\":\"get\",\"user\":{\"username\":1}}", 0);
	check_read("{\"kind\":\"Event\",\"auditID\":\"a\",\"verb\":\"get\",\"user\":{\"username\":null}}", 1);
	check_read("{\"kind\":\"Event\",\"auditID\":\"\",\"verb\":\"get\",\"user\":{}}", 0);
	check_read("{\"kind\":\"Event\",\"auditID\":7,\"verb\":\"get\",\"user\":{}}", 0);
	check_read("{\"kind\":\"Event\",\"verb\":\"get\",\"user\":{}}", 0);
	check_read("{\"kind\":\"Event\",\"apiVersion\":\"v1\",\"auditID\":\"a\",\"verb\":\"get\",\"user\":{}}", 0);
	check_read("{\"kind\":\"Event\",\"apiVersion\":\"audit.k8s.io/v1beta1\",\"auditID\":\"a\",\"verb\":\"get\","
		   "\"user\":{}}", 1);
	check_read("{\"kind\":\"Event\",\"auditID\":\"a\",\"verb\":\"get\",\"user\":{},\"stage\":\"Later\"}", 0);
	check_read("{\"kind\":\"Event\",\"auditID\":\"a\",\"verb\":\"get\",\"user\":{},\"stage\":\"Panic\"}", 1);
	check_read("{\"kind\":\"Event\",\"auditID\":\"a\",\"verb\":\"get\",\"user\":{},"
		   "\"responseStatus\":{\"code\":\"200\"}}", 0);
	check_read("{\"kind\":\"Event\",\"auditID\":\"a\",\"verb\":\"get\",\"user\":{},\"responseStatus\":null}", 1);
	check_read("{\"kind\":\"Event\",\"auditID\":\"a\",\"verb\":\"get\",\"user\":{},\"responseStatus\":7}", 0);
	check_read("{\"kind\":\"Event\",\"auditID\":\"a\",\"verb\":\"get\",\"user\":{},\"objectRef\":null}", 1);
	check_read("[{\"kind\":\"Event\",\"auditID\":\"a\",\"verb\":\"get\",\"user\":{}}]", 0);
	check_read("", 0);
}

/* The lines of file called reads, each checked against the strict path;
 * -1 when the file cannot be read. */
static int sample_reads(const char *file)
{
	FILE *in = fopen(file, "r");
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	int reads = 0;

	if (!in)
		return -1;
	while ((n = getline(&line, &cap, in)) > 0) {
		int fast = k8s_line_is_read(line, (size_t)n);

		reads += fast;
		if (fast && !k8s_oracle_is_read(line, (size_t)n)) {
			fprintf(stderr, "  %s: not a read to the strict path: %s", file, line);
			check_case_failed = 1;
		}
	}
	free(line);
	fclose(in);
	return reads;
}

/* Every line of the samples (ours and ../shared's Falco recordings of
 * real clusters): each one called a read is one. */
TEST(test_k8s_samples)
{
	struct buf path = BUF_INIT;
	DIR *d;
	struct dirent *e;
	int reads = sample_reads("testdata/formats/k8s-stages.jsonl"), files = 0, falco = 0;

	CHECK(reads > 0);
	buf_addf(&path, "%s/samples/k8s-falco", shared_dir());
	d = opendir(path.buf);
	CHECK(d != NULL);
	while (d && (e = readdir(d))) {
		int r;

		if (e->d_name[0] == '.')
			continue;
		buf_reset(&path);
		buf_addf(&path, "%s/samples/k8s-falco/%s", shared_dir(), e->d_name);
		r = sample_reads(path.buf);
		CHECK(r >= 0);
		falco += r > 0 ? r : 0;
		files++;
	}
	if (d)
		closedir(d);
	CHECK(files > 40);
	CHECK(falco > 0);
	buf_release(&path);
}

int main(void)
{
	RUN(test_vouched_texts_parse);
	RUN(test_members_and_types);
	RUN(test_refused_texts_not_vouched);
	RUN(test_left_to_the_parser);
	RUN(test_k8s_reads);
	RUN(test_k8s_samples);
	return CHECK_DONE();
}
