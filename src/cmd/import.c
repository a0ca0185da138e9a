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
#include "trailscope/util.h"

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
		case 'm': io.fopt.map_file = optarg; io.format = "map"; break;
		case 'r': io.fopt.include_reads = 1; break;
		case 's': keyfile = optarg; break;
		case 'k': io.skip_invalid = 1; break;
		case 'q': quiet = 1; break;
		case 'h': return cmd_help(cx->cmd);
		default: return EXIT_USAGE; /* cli_getopt said why */
		}
	}
	if (argc - optind < 2)
		return cli_usage_error(usage, "import: expected STORE and at least one FILE");
	if (keyfile && keyfile_load_signer(keyfile, &key))
		return EXIT_BADINPUT;
	/* a store that does not exist yet is built privately and appears
	 * whole at the end (CMD_BUILD_NEW, store_private.c) */
	if (cmd_store(cx, argv[optind], &s)) {
		note_signer_release(&key);
		return EXIT_IO;
	}
	io.signer = keyfile ? &key : NULL;
	io.progress = !quiet && isatty(2);
	io.verbose = !quiet;
	ret = import_files(s, argv + optind + 1, argc - optind - 1, &io, &st);
	ret = cmd_finish(cx, ret); /* a new store appears now, before the report */
	if (ret == EXIT_BADINPUT)
		fprintf(stderr, "trailscope: import stopped; nothing was written "
				"(--skip-invalid skips bad records)\n");
	else if (ret == EXIT_OK && !quiet) {
		printf("%llu records: %llu added, %llu already present",
		       (unsigned long long)st.records, (unsigned long long)st.added,
		       (unsigned long long)st.duplicates);
		if (st.skipped)
			printf(", %llu skipped", (unsigned long long)st.skipped);
		printf("; store has %s entries", cli_thousands(st.size, n1));
		if (st.signed_head)
			printf("; signed checkpoint at %s", cli_thousands(st.size, n2));
		printf("\n");
	}
	note_signer_release(&key);
	return ret;
}

const struct command cmd_import_entry = {
	.name = "import",
	.usage = "import STORE FILE... [--format auto|FORMAT] [--map FILE] [--include-reads]\n"
		 "                         [--sign KEYFILE] [--skip-invalid] [--quiet]",
	.summary = "append events (JSON lines, k8s, CloudTrail, LaunchDarkly, Unleash, --map)",
	.help = "Appends events from JSON lines files (- reads standard input), creating STORE\n"
		"when missing (built beside it, it appears whole at the end). One import is\n"
		"atomic: a bad record stops it with FILE:LINE:COL and nothing is written, unless\n"
		"--skip-invalid. Events already stored (same event id) are not added again.\n"
		"--sign signs a checkpoint of the new head.\n"
		"--format picks the source format (default auto: detected from content and\n"
		"reported); gzip files are read transparently (a damaged one is bad input at\n"
		"its byte offset). Input is UTF-8 (a leading byte order mark is skipped;\n"
		"UTF-16 is refused). See docs/EVENTS.md and docs/FORMATS.md.\n",
	.flags = CMD_STORE | CMD_WRITE | CMD_CREATE | CMD_BUILD_NEW,
	.run = run_import,
};
