/*
 * export.c - "trailscope export STORE --out DIR (--query Q | --incident ID |
 * --events SEQ,... | --marked) --case CASE_ID --examiner NAME --key KEYFILE
 * [--note TEXT] [--case-file FILE] [--trust PUBFILE]... [--allow-failed] [--force]
 * [--attest POLICY [--attest-since T] [--attest-until T]]":
 * writes an evidence bundle
 * (docs/BUNDLE.md) through bundle_export().
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "trailscope/bundle.h"
#include "cli.h"
#include "cmd.h"
#include "trailscope/keys.h"
#include "trailscope/textout.h"
#include "trailscope/timeline.h"
#include "trailscope/util.h"

static void show_progress(void *ctx, const char *phase, uint64_t done, uint64_t total)
{
	char a[32], b[32];

	(void)ctx;
	fprintf(stderr, "\rexport: %-9s %s/%s events", phase, text_thousands(done, a), text_thousands(total, b));
	if (done == total)
		fputs("   ", stderr);
}

static int run_export(struct cmd_ctx *cx, int argc, char **argv)
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
		{ "trust", required_argument, NULL, 't' },
		{ "allow-failed", no_argument, NULL, 'a' },
		{ "attest", required_argument, NULL, 'P' },
		{ "attest-since", required_argument, NULL, 'S' },
		{ "attest-until", required_argument, NULL, 'U' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *usage = cx->cmd->usage;
	struct bundle_export_options o = { 0 };
	struct bundle_export_result r;
	struct trust t;
	int c, nsel = 0, ret;
	char a[32];

	if (trust_load(&t))
		return EXIT_IO;
	while ((c = cli_getopt(argc, argv, "o:q:i:e:mc:x:k:n:C:ft:aP:S:U:h", opts, "export", usage)) != -1) {
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
		case 'a': o.allow_failed = 1; break;
		case 'P': o.attest_policy = optarg; break;
		case 'S':
		case 'U': {
			const char *why = NULL;
			usec_t *at = c == 'S' ? &o.attest_since : &o.attest_until;

			if (timeline_parse_user_time(optarg, time_now(), at, &why)) {
				ret = cli_usage_error(usage, "export: bad time for --attest-%s: %s", c == 'S' ? "since" :
						      "until", why ? why : "unreadable");
				goto out;
			}
			break;
		}
		case 't':
			if ((ret = cli_trust_option(&t, optarg, 0)) != EXIT_OK)
				goto out;
			break;
		default: ret = cli_common_option(cx, c); goto out; /* --help, or cli_getopt said why */
		}
	}
	ret = EXIT_BADINPUT;
	if (cli_signer_key_check("--key", o.keyfile))
		goto out;
	ret = EXIT_USAGE;
	if (argc - optind != 1) {
		cli_usage_error(usage, "export: expected one STORE");
		goto out;
	}
	if (nsel != 1) {
		cli_usage_error(usage, "export: give exactly one of --query, --incident, --events, --marked");
		goto out;
	}
	if (!o.out_dir || !o.case_id || !*o.case_id || !o.examiner || !*o.examiner) {
		cli_usage_error(usage, "export: --out, --case and --examiner are required");
		goto out;
	}
	o.store_path = argv[optind];
	o.trust = &t;
	if (isatty(2))
		o.progress = show_progress;
	ret = cli_exit_status(bundle_export(&o, &r));
	if (o.progress)
		fputc('\n', stderr);
	if (ret == EXIT_OK) {
		printf("exported %s event%s to ", text_thousands(r.events, a), r.events == 1 ? "" : "s");
		cli_put_safe(stdout, o.out_dir);
		printf(" (proofs against the checkpoint at size %llu%s)\n", (unsigned long long)r.checkpoint_size,
		       r.signed_checkpoint ? ", signed now" : "");
		if (r.attested) {
			printf("attested the policy: %zu rule%s failed, %llu violation%s (data/attestation.dsse.json",
			       r.attest_rules_failed, r.attest_rules_failed == 1 ? "" : "s",
			       (unsigned long long)r.attest_violations, r.attest_violations == 1 ? "" : "s");
			if (r.attest_added)
				printf("; %llu violating event%s added to the bundle", (unsigned long long)r.attest_added,
				       r.attest_added == 1 ? "" : "s");
			printf(")\n");
		}
		if (r.store_verdict != VERDICT_VERIFIED)
			printf("the store's verdict was %s: recorded in the bundle (bag-info.txt, data/report.txt, "
			       "custody.jsonl:1)\n", verdict_name(r.store_verdict));
		bundle_export_result_release(&r);
	}
out:
	trust_release(&t);
	return ret;
}

const struct command cmd_export_entry = {
	.name = "export",
	.usage = "export STORE --out DIR (--query QUERY | --incident ID | --events SEQ,... | --marked)\n"
		 "       --case CASE_ID --examiner NAME --key KEYFILE [--note TEXT] [--case-file FILE]\n"
		 "       [--trust PUBFILE]... [--allow-failed] [--force]\n"
		 "       [--attest POLICY [--attest-since TIME] [--attest-until TIME]]",
	.summary = "write an evidence bundle (BagIt, proofs, custody)",
	.help = "Writes a BagIt 1.0 evidence bundle into DIR: the selected events (JSON lines, CSV,\n"
		"per-field diffs, a readable timeline), each event's exact leaf and its inclusion\n"
		"proof against one signed checkpoint (one line each of data/leaves.jsonl and\n"
		"data/proofs.jsonl; 'trailscope bundle proof DIR SEQ' prints one as a\n"
		"c2sp.org/tlog-proof@v1), the case file's notes on them, and a chain-of-custody\n"
		"record. 'trailscope bundle verify' checks it offline.\n"
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
		"  --case-file FILE   the case file (default STORE.case; a PostgreSQL store has none\n"
		"                     beside it: notes come only from FILE, and --marked needs it)\n"
		"  --trust PUBFILE    also trust this verifier key (not pinned) when export first\n"
		"                     verifies the whole store, as 'trailscope verify' does, against\n"
		"                     the keys pinned in $XDG_STATE_HOME/trailscope\n"
		"  --allow-failed     export even when the store's verification FAILED; the verdict\n"
		"                     and every fault are recorded in data/report.txt, bag-info.txt\n"
		"                     and the custody record, and 'bundle verify' reports them\n"
		"  --force            replace the contents of a non-empty DIR (a DIR that is a\n"
		"                     symbolic link is always refused; links inside DIR are removed,\n"
		"                     never followed)\n"
		"  --attest POLICY    also attest the policy (docs/POLICY.md) over the bundle's\n"
		"                     checkpoint, signed with --key: data/attestation.dsse.json and\n"
		"                     data/attestation.md; its violating events join the bundle.\n"
		"                     Needs a store that verifies, under a checkpoint a trusted key\n"
		"                     signed (exit 1 FAILED, 2 otherwise)\n"
		"  --attest-since T, --attest-until T   the attested period (default: from the\n"
		"                     first selected event's time to just after the last one's)\n"
		"An UNVERIFIABLE store, and selected events no checkpoint covers yet, are recorded\n"
		"the same way.\n"
		"Exit: 0 written, 1 the store FAILED verification (without --allow-failed; with it,\n"
		"when selected events would need a new checkpoint) or contradicts its checkpoint,\n"
		"3 usage (also: no --key), 4 bad selection or key, 5 I/O (also: DIR is a link).\n",
	.flags = 0 /* bundle_export opens the store: read-only, and read-write only to sign */,
	.run = run_export,
};
