/*
 * test_diag.c - the one diagnostic path (diag.h): the "FILE:LINE:COL:
 * reason" form, terminal safety of file and reason, the error classes a
 * failure leaves, and what last_error() keeps.
 */
#include <fcntl.h>
#include <pthread.h>
#include <unistd.h>

#include "check.h"
#include "trailscope/buf.h"
#include "trailscope/diag.h"
#include "trailscope/util.h"

static const char *formatted(struct buf *b, const char *file, long line, int col, const char *msg)
{
	buf_reset(b);
	diag_format(b, file, line, col, msg);
	return b->buf;
}

TEST(test_format)
{
	struct buf b = BUF_INIT;

	CHECK_STR(formatted(&b, "events.jsonl", 12, 31, "bad time for \"started_at\""),
		  "events.jsonl:12:31: bad time for \"started_at\"");
	CHECK_STR(formatted(&b, "<query>", 1, 25, "expected ')'"), "<query>:1:25: expected ')'");
	/* a place before the start is the start */
	CHECK_STR(formatted(&b, "f", 0, -3, "x"), "f:1:1: x");
	/* nothing from the data reaches the terminal raw: the file and the reason */
	CHECK_STR(formatted(&b, "a\033[31m.jsonl", 2, 3, "value \"\033]0;x\a\""),
		  "a\\x1b[31m.jsonl:2:3: value \"\\x1b]0;x\\x07\"");
	buf_release(&b);
}

TEST(test_diag_at)
{
	set_error_quiet(1);
	failed_as(ERR_NONE);
	CHECK_INT(diag_at("map.json", 1, 41, "unknown field \"%s\"", "actor"), -1);
	CHECK_INT(error_class(), ERR_INPUT);
	CHECK_STR(last_error(), "map.json:1:41: unknown field \"actor\"");
	CHECK_INT(diag_at("x\ny", 3, 4, "%d%%", 50), -1);
	CHECK_STR(last_error(), "x\\ny:3:4: 50%");
	set_error_quiet(0);
}

TEST(test_classes)
{
	set_error_quiet(1);
	CHECK_INT(error("cannot open '%s'", "x"), -1);
	CHECK_INT(error_class(), ERR_IO);
	CHECK_STR(last_error(), "cannot open 'x'");
	CHECK_INT(error_as(ERR_USAGE, "bad --%s", "limit"), -1);
	CHECK_INT(error_class(), ERR_USAGE);
	warning("changes no class");
	CHECK_INT(error_class(), ERR_USAGE);
	CHECK_STR(last_error(), "changes no class");
	CHECK_INT(failed_as(ERR_FAILED), -1);
	CHECK_INT(error_class(), ERR_FAILED);
	set_error_quiet(0);
	CHECK_STR(err_class_name(ERR_NONE), "none");
	CHECK_STR(err_class_name(ERR_INPUT), "bad input");
	CHECK_STR(err_class_name(ERR_INTERNAL), "internal");
	CHECK_STR(err_class_name(ERR_CLASS_COUNT), "");
	CHECK_STR(err_class_name((enum err_class)-1), "");
}

/* What f printed to stderr with msg (at most n - 1 bytes into out). */
static const char *printed(void (*f)(const char *fmt, ...), const char *msg, char *out, size_t n)
{
	char path[] = "/tmp/test_diag.XXXXXX";
	int fd = mkstemp(path), saved;
	ssize_t len = -1;

	out[0] = '\0';
	if (fd < 0)
		return out;
	fflush(stderr);
	saved = dup(2);
	dup2(fd, 2);
	f("%s", msg);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	if (lseek(fd, 0, SEEK_SET) == 0)
		len = read(fd, out, n - 1);
	out[len > 0 ? len : 0] = '\0';
	close(fd);
	unlink(path);
	return out;
}

/* Notes and hints: their prefix, made safe, and they leave the last
 * failure's class and message alone. */
TEST(test_note_hint)
{
	char out[256];

	set_error_quiet(1);
	CHECK_INT(error_as(ERR_INPUT, "the failure"), -1);
	set_error_quiet(0);
	CHECK_STR(printed(diag_note, "import stopped; nothing was written", out, sizeof(out)),
		  "trailscope: note: import stopped; nothing was written\n");
	CHECK_STR(printed(diag_hint, "try \033[2J--map", out, sizeof(out)), "trailscope: hint: try \\x1b[2J--map\n");
	CHECK_INT(error_class(), ERR_INPUT);
	CHECK_STR(last_error(), "the failure");
	set_error_quiet(1);
	CHECK_STR(printed(diag_note, "quiet", out, sizeof(out)), "");
	set_error_quiet(0);
	CHECK_STR(err_class_name(ERR_UNVERIFIABLE), "unverifiable");
}

static void *other_thread(void *arg)
{
	enum err_class *seen = arg;

	*seen = error_class();
	set_error_quiet(1);
	diag_at("t", 1, 1, "in a thread");
	return NULL;
}

/* The class and the message are per thread: a reader thread's failure
 * does not overwrite the caller's. */
TEST(test_per_thread)
{
	enum err_class seen = ERR_INTERNAL;
	pthread_t t;

	set_error_quiet(1);
	error_as(ERR_USAGE, "main");
	CHECK(pthread_create(&t, NULL, other_thread, &seen) == 0);
	pthread_join(t, NULL);
	CHECK_INT(seen, ERR_NONE);
	CHECK_INT(error_class(), ERR_USAGE);
	CHECK_STR(last_error(), "main");
	set_error_quiet(0);
}

int main(void)
{
	RUN(test_format);
	RUN(test_diag_at);
	RUN(test_classes);
	RUN(test_per_thread);
	RUN(test_note_hint);
	return CHECK_DONE();
}
