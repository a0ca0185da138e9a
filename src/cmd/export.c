/*
 * export.c - "trailscope export STORE --out DIR (--query Q | --incident ID |
 * --events SEQ,... | --marked) --case CASE_ID --examiner NAME --key KEYFILE
 * [--note TEXT] [--case-file FILE] [--force]": writes an evidence bundle
 * (docs/BUNDLE.md) through bundle_export().
 */
#include <getopt.h>
#include <stdio.h>
#include <unistd.h>

#include "trailscope/bundle.h"
#include "trailscope/cli.h"
#include "trailscope/cmd.h"
#include "trailscope/util.h"

static const char usage[] =
	"trailscope export STORE --out DIR (--query QUERY | --incident ID | --events SEQ,... | --marked)\n"
	"       --case CASE_ID --examiner NAME --key KEYFILE [--note TEXT] [--case-file FILE] [--force]";

static void show_progress(void *ctx, const char *phase, uint64_t done, uint64_t total)
{
	char a[32], b[32];

	(void)ctx;
	fprintf(stderr, "\rexport: %-9s %s/%s events", phase, cli_thousands(done, a), cli_thousands(total, b));
	if (done == total)
		fputs("   ", stderr);
}

static void help(void)
{
	printf("usage: %s\n"
	       "Writes a BagIt 1.0 evidence bundle into DIR: the selected events (JSON lines, CSV,\n"
	       "per-field diffs, a readable timeline), each event's exact leaf and its inclusion\n"
	       "proof (c2sp.org/tlog-proof@v1) against one signed checkpoint, the case file's notes\n"
	       "on them, and a chain-of-custody record. 'trailscope bundle verify' checks it offline.\n"
	       "\n"
	       "  --events SEQ,...   seqs, ranges (3-9) or event ids, comma-separated\n"
	       "  --incident ID      events from 2 h before the incident's start to its resolution\n"
	       "  --query QUERY      events matching a query (docs/QUERY.md)\n"
	       "  --marked           events marked in the case file\n"
	       "  --case CASE_ID     the case id (bag-info External-Identifier)\n"
	       "  --examiner NAME    who exports (bag-info Contact-Name, custody actor)\n"
	       "  --key KEYFILE      the examiner's signer key (required): signs the custody\n"
	       "                     record's first entry, and, when\n"
	       "                     selected events are after the newest checkpoint, a new\n"
	       "                     checkpoint of the store's head. Only then is the store opened\n"
	       "                     read-write (once, to store that checkpoint); otherwise export\n"
	       "                     never writes to the store.\n"
	       "  --note TEXT        purpose of the export (custody record)\n"
	       "  --case-file FILE   the case file (default STORE.case)\n"
	       "  --force            replace the contents of a non-empty DIR\n"
	       "Exit: 0 written, 1 the store contradicts its checkpoint, 3 usage (also: no --key),\n"
	       "4 bad selection or key, 5 I/O.\n", usage);
}

int cmd_export(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "out", required_argument, NULL, 'o' },
		{ "query", required_argument, NULL, 'q' },
		{ "incident", required_argument, NULL, 'i' },
		{ "events", required_argument, NULL, 'e' },
		{ "marked", no_argument, NULL, 'm' },
		{ "case", required_argument, NULL, 'c' },
		{ "examiner", required_argument, NULL, 'x' },
		{ "key", required_argument, NULL, 'k' },
		{ "note", required_argument, NULL, 'n' },
		{ "case-file", required_argument, NULL, 'C' },
		{ "force", no_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct bundle_export_options o = { 0 };
	struct bundle_export_result r;
	int c, nsel = 0, ret;
	char a[32];

	opterr = 0;
	while ((c = cli_getopt(argc, argv, "o:q:i:e:mc:x:k:n:C:fh", opts, "export", usage)) != -1) {
		switch (c) {
		case 'o': o.out_dir = optarg; break;
		case 'q': o.select = BUNDLE_QUERY; o.query = optarg; nsel++; break;
		case 'i': o.select = BUNDLE_INCIDENT; o.incident = optarg; nsel++; break;
		case 'e': o.select = BUNDLE_EVENTS; o.events = optarg; nsel++; break;
		case 'm': o.select = BUNDLE_MARKED; nsel++; break;
		case 'c': o.case_id = optarg; break;
		case 'x': o.examiner = optarg; break;
		case 'k': o.keyfile = optarg; break;
		case 'n': o.note = optarg; break;
		case 'C': o.case_path = optarg; break;
		case 'f': o.force = 1; break;
		case 'h': help(); return EXIT_OK;
		default: return EXIT_USAGE; /* cli_getopt said why */
		}
	}
	if (argc - optind != 1)
		return cli_usage_error(usage, "export: expected one STORE");
	if (nsel != 1)
		return cli_usage_error(usage, "export: give exactly one of --query, --incident, --events, --marked");
	if (!o.out_dir || !o.case_id || !*o.case_id || !o.examiner || !*o.examiner)
		return cli_usage_error(usage, "export: --out, --case and --examiner are required");
	o.store_path = argv[optind];
	if (isatty(2))
		o.progress = show_progress;
	ret = bundle_export(&o, &r);
	if (o.progress)
		fputc('\n', stderr);
	if (ret == EXIT_OK) {
		printf("exported %s event%s to ", cli_thousands(r.events, a), r.events == 1 ? "" : "s");
		cli_put_safe(stdout, o.out_dir);
		printf(" (proofs against the checkpoint at size %llu%s)\n", (unsigned long long)r.checkpoint_size,
		       r.signed_checkpoint ? ", signed now" : "");
		bundle_export_result_release(&r);
	}
	return ret;
}
