/*
 * test_textout.c - the shared output helpers (textout.c): thousands
 * separators, CSV fields (quoting, formula guard, terminal escaping) and
 * JSON values as text, as the commands, the TUI and bundles print them.
 */
#include <jansson.h>

#include "check.h"
#include "trailscope/textout.h"

TEST(thousands)
{
	char b[32];

	CHECK_STR(text_thousands(0, b), "0");
	CHECK_STR(text_thousands(999, b), "999");
	CHECK_STR(text_thousands(1000, b), "1,000");
	CHECK_STR(text_thousands(1204332, b), "1,204,332");
	CHECK_STR(text_thousands(18446744073709551615ULL, b), "18,446,744,073,709,551,615");
}

static const char *csv(const char *s, size_t len)
{
	static struct buf b = BUF_INIT;

	buf_reset(&b);
	text_csv_field(&b, s, len);
	return b.buf;
}

TEST(csv_fields)
{
	CHECK_STR(csv("plain", 5), "plain");
	CHECK_STR(csv("", 0), "");
	CHECK_STR(csv("a,b", 3), "\"a,b\"");
	CHECK_STR(csv("two words", 9), "\"two words\"");
	CHECK_STR(csv("say \"hi\"", 8), "\"say \"\"hi\"\"\"");
	CHECK_STR(csv("=SUM(A1)", 8), "\"'=SUM(A1)\"");
	CHECK_STR(csv("-1", 2), "\"'-1\"");
	CHECK_STR(csv("line\nbreak", 10), "line\\nbreak");
	CHECK_STR(csv("\x1b[2J", 4), "\\x1b[2J");
	CHECK_STR(csv("a\0b", 3), "a\\x00b");
	CHECK_STR(csv("abc", 2), "ab");
}

TEST(json_values)
{
	struct buf b = BUF_INIT;
	json_t *v = json_pack("{s:s}", "k", "\x1b]0;x\x07");

	text_json_value(&b, NULL, 1);
	CHECK_STR(b.buf, "(unknown)");
	buf_reset(&b);
	text_json_value(&b, NULL, 0);
	CHECK_STR(b.buf, "(absent)");
	buf_reset(&b);
	text_json_value(&b, v, 0);
	CHECK_STR(b.buf, "{\"k\":\"\\\\u001b]0;x\\\\u0007\"}");
	json_decref(v);
	buf_release(&b);
}

int main(void)
{
	RUN(thousands);
	RUN(csv_fields);
	RUN(json_values);
	return CHECK_DONE();
}
