/*
 * import.c - "trailscope import STORE FILE... [--sign KEY] [--skip-invalid]".
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "cmd.h"
#include "trailscope/import.h"
#include "trailscope/keys.h"
#include "trailscope/textout.h"
#include "trailscope/util.h"

/* "757 records: 222 added, 0 already present; 215 reads, 320 earlier
 * stages, 2 invalid skipped" */
static void counts(const struct import_stats *st, struct buf *b)
{
	int any = 0;

	buf_addf(b, "%llu records: %llu added, %llu already present", (unsigned long long)st->records,
		 (unsigned long long)st->added, (unsigned long long)st->duplicates);
	for (int i = 0; i < SKIP_NREASONS; i++)
		if (st->not_events[i]) {
			buf_addf(b, "%s%llu %s", any++ ? ", " : "; ", (unsigned long long)st->not_events[i],
				 skip_reason_name((enum skip_reason)i, st->not_events[i] != 1));
		}
	if (st->skipped)
		buf_addf(b, "%s%llu invalid", any++ ? ", " : "; ", (unsigned long long)st->skipped);
	if (any)
		buf_addstr(b, " skipped");
}

static int run_import(struct cmd_ctx *cx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "sign", required_argument, NULL, 's' },
		{ "skip-invalid", no_argument, NULL, 'k' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "format", required_argument, NULL, 'f' },
		{ "map", required_argument, NULL, 'm' },
		{ "include-reads", no_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *usage = cx->cmd->usage, *keyfile = NULL;
	struct import_options io = { 0 };
	struct import_stats st;
	struct note_signer key = { 0 };
	struct store *s;
	int c, quiet = 0, ret;
	char n1[32], n2[32];

	while ((c = cli_getopt(argc, argv, "s:kqf:m:rh", opts, "import", usage)) != -1) {
		switch (c) {
		case 'f':
			if (strcmp(optarg, "auto") && !format_find(optarg)) {
				struct buf names = BUF_INIT;

				for (int i = 0; formats[i]; i++)
					buf_addf(&names, " %s", formats[i]->name);
				c = cli_usage_error(usage, "import: unknown format '%s' (auto%s)", optarg, names.buf);
				buf_release(&names);
				return c;
			}
			io.format = optarg;
			break;
		case 'm': io.fopt.map_file = optarg; break;
		case 'r': io.fopt.include_reads = 1; break;
		case 's': keyfile = optarg; break;
		case 'k': io.skip_invalid = 1; break;
		case 'q': quiet = 1; break;
		default: return cli_common_option(cx, c); /* --help, or cli_getopt said why */
		}
	}
	if (cli_signer_key_check("--sign", keyfile))
		return EXIT_BADINPUT;
	if (io.fopt.map_file && io.format && strcmp(io.format, "auto") && strcmp(io.format, "map") &&
	    strcmp(io.format, "opensearch"))
		return cli_usage_error(usage, "import: --map applies to --format map or opensearch, not %s",
				       io.format);
	if (argc - optind < 2)
		return cli_usage_error(usage, "import: expected STORE and at least one FILE");
	if (keyfile && keyfile_load_signer(keyfile, &key))
		return EXIT_BADINPUT;
	/* a store that does not exist yet is built privately and appears
	 * whole at the end (CMD_BUILD_NEW, store_private.c) */
	if (cmd_store(cx, argv[optind], &s)) {
		note_signer_release(&key);
		return error_class() == ERR_USAGE ? EXIT_USAGE : EXIT_IO;
	}
	io.signer = keyfile ? &key : NULL;
	io.progress = !quiet && isatty(2);
	io.verbose = !quiet;
	io.fopt.quiet = quiet;
	ret = cli_exit_status(import_files(s, argv + optind + 1, argc - optind - 1, &io, &st));
	ret = cmd_finish(cx, ret); /* a new store appears now, before the report */
	if (ret == EXIT_BADINPUT && st.nothing) {
		struct buf b = BUF_INIT;

		counts(&st, &b);
		error_as(ERR_INPUT, "nothing to import (%s); nothing was written%s", b.buf,
			 st.not_events[SKIP_READ] ? " (--include-reads imports read-only requests)" : "");
		buf_release(&b);
	} else if (ret == EXIT_BADINPUT) {
		diag_note("import stopped; nothing was written (--skip-invalid skips bad records)");
	} else if (ret == EXIT_OK && !quiet) {
		struct buf b = BUF_INIT;

		counts(&st, &b);
		printf("%s; store has %s entries", b.buf, text_thousands(st.size, n1));
		buf_release(&b);
		if (st.signed_head)
			printf("; signed checkpoint at %s", text_thousands(st.size, n2));
		printf("\n");
	}
	note_signer_release(&key);
	return ret;
}

const struct command cmd_import_entry = {
	.name = "import",
	.usage = "import STORE FILE... [--format auto|FORMAT] [--map FILE] [--include-reads]\n"
		 "                         [--sign KEYFILE] [--skip-invalid] [--quiet]",
	.summary = "append events (JSON lines, k8s, CloudTrail, LaunchDarkly, Unleash, M365, GitHub,\n"
		   "      Google Cloud, Azure, OpenSearch, --map)",
	.help = "Appends events from audit log files (- reads standard input), creating STORE\n"
		"when missing (built beside it, it appears whole at the end). One import is\n"
		"atomic: a bad record stops it with FILE:LINE:COL and nothing is written, unless\n"
		"--skip-invalid. Events already stored (same event id) are not added again.\n"
		"--sign signs a checkpoint of the new head.\n"
		"--format picks the source format: jsonl, k8s, cloudtrail, launchdarkly, unleash,\n"
		"m365 (JSON, or the compliance portal's CSV export), github, gcp, azure,\n"
		"opensearch (default auto: detected from content and reported); gzip files are\n"
		"read transparently (a damaged one is bad input at its byte offset). Input is\n"
		"UTF-8 (a leading byte order mark is skipped; UTF-16 is refused). A file in no\n"
		"recognised format is bad input, described.\n"
		"--map FILE reads JSON records of another shape (and, with --format opensearch\n"
		"or when detected, the _source of OpenSearch/Elasticsearch hits). The summary\n"
		"counts the records skipped and why (reads, earlier stages, invalid); an import\n"
		"of records none of which is an event fails and writes nothing.\n"
		"JSON lines (jsonl) are parsed on several threads, one per core up to 4, or\n"
		"TRAILSCOPE_IMPORT_THREADS (1-16); the store is the same whatever the number.\n"
		"STORE may be a PostgreSQL URI (postgresql://USER@HOST/DB, ?host=/socket/dir):\n"
		"an existing store (trailscope init URI), written as a writer role, in one\n"
		"transaction under the store's append lock; importers may run at once.\n"
		"See docs/EVENTS.md, docs/FORMATS.md and docs/STORE.md.\n",
	.flags = CMD_STORE | CMD_WRITE | CMD_CREATE | CMD_BUILD_NEW,
	.run = run_import,
};
