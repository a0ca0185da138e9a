/*
 * test_cli.c - the CLI's shared helpers (src/cmd/cli.c): the anchor trust
 * options verify and bundle verify share (--tsa-ca, --witness, --quorum),
 * the one mapping of error classes and verdicts to exit statuses, and
 * cli_getopt's report of an option missing its value. Links the CLI's
 * objects (all but main.o).
 */
#include <fcntl.h>
#include <getopt.h>
#include <unistd.h>

#include "check.h"
#include "fixtures.h"
#include "../../src/cmd/cli.h"
#include "trailscope/note.h"
#include "trailscope/util.h"

static char dir[256];

/* stderr goes to a file from stderr_capture() until
 * stderr_text() reads it back (at most n - 1 bytes) and restores it. */
static int saved_fd = -1;
static char capture_path[300];

static void stderr_capture(void)
{
	int fd;

	fflush(stderr);
	snprintf(capture_path, sizeof(capture_path), "%s/stderr.txt", dir);
	fd = open(capture_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	saved_fd = dup(2);
	dup2(fd, 2);
	close(fd);
}

static const char *stderr_text(char *out, size_t n)
{
	FILE *f;
	size_t len = 0;

	fflush(stderr);
	dup2(saved_fd, 2);
	close(saved_fd);
	f = fopen(capture_path, "r");
	if (f) {
		len = fread(out, 1, n - 1, f);
		fclose(f);
	}
	out[len] = '\0';
	return out;
}

/* Writes a fresh key of type to DIR/NAME.pub; returns its path. */
static const char *key_file(const char *name, unsigned type, char *path, size_t n)
{
	struct buf st = BUF_INIT, vt = BUF_INIT;

	CHECK_INT(note_keygen_type(name, type, &st, &vt), 0);
	buf_addch(&vt, '\n');
	snprintf(path, n, "%s/%s.pub", dir, name);
	CHECK_INT(fixture_write(path, vt.buf), 0);
	buf_release(&st);
	buf_release(&vt);
	return path;
}

TEST(anchor_options_taken)
{
	struct cli_anchor_opts a = CLI_ANCHOR_OPTS_INIT;
	char w1[300], w2[300];

	key_file("w1", NOTE_KEY_COSIGNATURE_V1, w1, sizeof(w1));
	key_file("w2", NOTE_KEY_COSIGNATURE_V1, w2, sizeof(w2));
	CHECK_INT(cli_anchor_option(&a, 'w', w1, "verify", "verify STORE"), EXIT_OK);
	CHECK_INT(cli_anchor_option(&a, 'w', w2, "verify", "verify STORE"), EXIT_OK);
	CHECK_INT(cli_anchor_option(&a, 'q', "2", "verify", "verify STORE"), EXIT_OK);
	CHECK_INT(a.nwitnesses, 2);
	CHECK_INT(a.quorum, 2);
	if (a.nwitnesses == 2) {
		CHECK_STR(a.witnesses[0].name, "w1");
		CHECK_STR(a.witnesses[1].name, "w2");
		CHECK_INT(a.witnesses[1].type, NOTE_KEY_COSIGNATURE_V1);
	}
	CHECK_INT(cli_anchor_finish(&a, "verify", "verify STORE"), EXIT_OK);
	CHECK(a.ao.witnesses == a.witnesses);
	CHECK_INT(a.ao.nwitnesses, 2);
	CHECK_INT(a.ao.quorum, 2);
	CHECK_INT(a.ao.ntsa_ca, 0);
	cli_anchor_opts_release(&a);
	CHECK(a.witnesses == NULL);
	CHECK_INT(a.nwitnesses, 0);
	cli_anchor_opts_release(&a); /* twice is harmless */
}

TEST(anchor_options_refused)
{
	struct cli_anchor_opts a = CLI_ANCHOR_OPTS_INIT;
	char logkey[300], w1[300], notcert[300], err[1024];

	key_file("log", NOTE_KEY_ED25519, logkey, sizeof(logkey));
	key_file("w1", NOTE_KEY_COSIGNATURE_V1, w1, sizeof(w1));
	set_error_quiet(1);
	/* a log key is not a witness key; a missing file is no key */
	CHECK_INT(cli_anchor_option(&a, 'w', logkey, "verify", "verify STORE"), EXIT_BADINPUT);
	CHECK_INT(cli_anchor_option(&a, 'w', "/nonexistent/w.pub", "verify", "verify STORE"), EXIT_BADINPUT);
	CHECK_INT(a.nwitnesses, 0);
	set_error_quiet(0);
	/* --quorum: a whole number from 1 to 1000 */
	stderr_capture();
	CHECK_INT(cli_anchor_option(&a, 'q', "0", "bundle verify", "bundle verify DIR"), EXIT_USAGE);
	CHECK_STR(stderr_text(err, sizeof(err)), "trailscope: error: bundle verify: --quorum needs a number from 1 (got '0')\n"
		  "usage: trailscope bundle verify DIR\n");
	stderr_capture();
	CHECK_INT(cli_anchor_option(&a, 'q', "two", "verify", "verify STORE"), EXIT_USAGE);
	CHECK_INT(cli_anchor_option(&a, 'q', "1001", "verify", "verify STORE"), EXIT_USAGE);
	CHECK_INT(cli_anchor_option(&a, 'q', "", "verify", "verify STORE"), EXIT_USAGE);
	stderr_text(err, sizeof(err));
	CHECK_INT(a.quorum, 0);
	CHECK_INT(cli_anchor_option(&a, 'q', "1000", "verify", "verify STORE"), EXIT_OK);
	/* a quorum beyond the witnesses given */
	CHECK_INT(cli_anchor_option(&a, 'w', w1, "verify", "verify STORE"), EXIT_OK);
	CHECK_INT(cli_anchor_option(&a, 'q', "2", "verify", "verify STORE"), EXIT_OK);
	stderr_capture();
	CHECK_INT(cli_anchor_finish(&a, "verify", "verify STORE"), EXIT_USAGE);
	CHECK_STR(stderr_text(err, sizeof(err)), "trailscope: error: verify: --quorum 2 needs at least that many --witness "
		  "keys (1 given)\nusage: trailscope verify STORE\n");
	CHECK(a.ao.witnesses == NULL); /* not made ready */
	/* a --tsa-ca file without a certificate */
	CHECK_INT(cli_anchor_option(&a, 'q', "1", "verify", "verify STORE"), EXIT_OK);
	snprintf(notcert, sizeof(notcert), "%s/not.pem", dir);
	CHECK_INT(fixture_write(notcert, "not a certificate\n"), 0);
	CHECK_INT(cli_anchor_option(&a, 'c', notcert, "verify", "verify STORE"), EXIT_OK);
	CHECK_INT(a.ntsa_ca, 1);
	set_error_quiet(1);
	CHECK_INT(cli_anchor_finish(&a, "verify", "verify STORE"), EXIT_BADINPUT);
	set_error_quiet(0);
	CHECK(strstr(last_error(), "not.pem") != NULL);
	cli_anchor_opts_release(&a);
}

/* cli_getopt over the options as verify lists them: a missing value. */
TEST(anchor_option_missing_value)
{
	static const struct option opts[] = {
		{ "trust", required_argument, NULL, 't' },
		CLI_ANCHOR_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};
	char a0[] = "verify", a1[] = "s.db", a2[] = "--quorum", a3[] = "--witness", err[1024];
	char *argv[] = { a0, a1, a2, a3, NULL };
	int c;

	optind = 0;
	stderr_capture();
	c = cli_getopt(2, argv, "t:" CLI_ANCHOR_SHORTOPTS, opts, "verify", "verify STORE");
	CHECK_INT(c, -1);
	optind = 0;
	/* "--quorum --witness": getopt takes "--witness" as --quorum's value */
	c = cli_getopt(4, argv, "t:" CLI_ANCHOR_SHORTOPTS, opts, "verify", "verify STORE");
	CHECK_INT(c, 'q');
	CHECK_STR(optarg, "--witness");
	optind = 0;
	c = cli_getopt(3, argv, "t:" CLI_ANCHOR_SHORTOPTS, opts, "verify", "verify STORE");
	CHECK_INT(c, '?');
	CHECK_STR(stderr_text(err, sizeof(err)), "trailscope: error: verify: option --quorum needs a value\n"
		  "usage: trailscope verify STORE\n");
	optind = 0;
}

TEST(exit_statuses)
{
	static const struct { enum err_class c; int status; } map[] = {
		{ ERR_USAGE, EXIT_USAGE }, { ERR_INPUT, EXIT_BADINPUT }, { ERR_IO, EXIT_IO },
		{ ERR_FAILED, EXIT_FAILED }, { ERR_UNVERIFIABLE, EXIT_UNVERIFIABLE },
		{ ERR_INTERNAL, EXIT_INTERNAL }, { ERR_NONE, EXIT_INTERNAL },
	};

	for (size_t i = 0; i < ARRAY_SIZE(map); i++) {
		CHECK_INT(failed_as(map[i].c), -1);
		CHECK_INT(cli_exit_status(-1), map[i].status);
		CHECK_INT(cli_exit_status(0), EXIT_OK);
		CHECK_INT(cli_exit_status(1), EXIT_OK);
	}
	CHECK_STR(err_class_name(ERR_UNVERIFIABLE), "unverifiable");
	CHECK_INT(cli_verdict_status(VERDICT_VERIFIED), EXIT_OK);
	CHECK_INT(cli_verdict_status(VERDICT_FAILED), EXIT_FAILED);
	CHECK_INT(cli_verdict_status(VERDICT_UNVERIFIABLE), EXIT_UNVERIFIABLE);
	CHECK_INT(cli_verdict_status(VERDICT_NONE), EXIT_UNVERIFIABLE);
}

int main(void)
{
	if (fixture_tmpdir(dir, sizeof(dir), "test_cli"))
		return 2;
	RUN(anchor_options_taken);
	RUN(anchor_options_refused);
	RUN(anchor_option_missing_value);
	RUN(exit_statuses);
	fixture_rmdir(dir);
	return CHECK_DONE();
}
