/*
 * verify.c - "trailscope verify STORE [--trust PUB]... [--tsa-ca CA.pem]...
 * [--witness W.pub]... [--quorum N] [--format text|json] [--deep]
 * [--no-remember]": prints the verdict, every checkpoint with its status,
 * time-stamps and cosigners, and every fault with its location; exits 0,
 * 1 or 2 as DESIGN.md fixes.
 */
#include <getopt.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "cmd.h"
#include "trailscope/textout.h"
#include "trailscope/verify.h"
#include "trailscope/verify_anchors.h"
#include "trailscope/util.h"

static void print_json(const struct verify_report *r)
{
	json_t *o = json_object(), *faults = json_array(), *cps = json_array(), *notes = json_array();
	json_t *tss = json_array();

	struct buf line = BUF_INIT;

	verify_verdict_line(r, 0, &line);
	/* the same guard as the text: never VERIFIED with nothing anchored */
	json_object_set_new(o, "verdict", json_string(verdict_name(verify_report_verdict(r))));
	json_object_set_new(o, "verdict_line", json_string(line.buf));
	if (r->reason)
		json_object_set_new(o, "reason", json_string(r->reason));
	buf_release(&line);
	json_object_set_new(o, "origin", json_string(r->origin));
	json_object_set_new(o, "entries", json_integer((json_int_t)r->entries));
	json_object_set_new(o, "verified_through", json_integer((json_int_t)r->verified_through));
	json_object_set_new(o, "pending", json_integer((json_int_t)r->pending));
	for (size_t i = 0; i < r->nfaults; i++) {
		const struct verify_fault *f = &r->faults[i];
		json_t *j = json_object();

		json_object_set_new(j, "kind", json_string(fault_kind_name(f->kind)));
		if (f->checkpoint) {
			json_object_set_new(j, "size", json_integer((json_int_t)f->size));
		} else {
			json_object_set_new(j, "seq", json_integer((json_int_t)f->seq));
			json_object_set_new(j, "seq_end", json_integer((json_int_t)f->seq_end));
		}
		json_object_set_new(j, "detail", json_string(f->detail));
		json_array_append_new(faults, j);
	}
	for (size_t i = 0; i < r->ncheckpoints; i++) {
		json_t *j = json_object();

		json_object_set_new(j, "size", json_integer((json_int_t)r->checkpoints[i].size));
		json_object_set_new(j, "status", json_string(fault_kind_name(r->checkpoints[i].status)));
		if (r->checkpoints[i].signer)
			json_object_set_new(j, "signed_by", json_string(r->checkpoints[i].signer));
		json_object_set_new(j, "cosigners", cli_cosigners_json(r->checkpoints[i].cosigners,
								       r->checkpoints[i].ncosigners));
		json_array_append_new(cps, j);
	}
	for (size_t i = 0; i < r->ntimestamps; i++) {
		const struct verify_timestamp *t = &r->timestamps[i];
		json_t *j = json_object();

		json_object_set_new(j, "size", json_integer((json_int_t)t->size));
		json_object_set_new(j, "tsa", json_string(t->tsa));
		json_object_set_new(j, "time", *t->time ? json_string(t->time) : json_null());
		json_object_set_new(j, "status", json_string(anchor_status_name(t->status, t->fault)));
		json_array_append_new(tss, j);
	}
	for (size_t i = 0; i < r->nnotes; i++)
		json_array_append_new(notes, json_string(r->notes[i]));
	json_object_set_new(o, "faults", faults);
	json_object_set_new(o, "faults_total", json_integer((json_int_t)r->faults_total));
	json_object_set_new(o, "checkpoints", cps);
	json_object_set_new(o, "timestamps", tss);
	json_object_set_new(o, "notes", notes);
	json_dumpf(o, stdout, JSON_INDENT(2) | JSON_ENSURE_ASCII);
	putchar('\n');
	json_decref(o);
}

/* Under a checkpoint: its time-stamps and its cosigners. */
static void print_anchors(const struct verify_report *r, const struct verify_checkpoint *c)
{
	for (size_t i = 0; i < r->ntimestamps; i++) {
		const struct verify_timestamp *t = &r->timestamps[i];

		if (t->size == c->size)
			cli_timestamp_line("    time-stamped ", t->time, t->tsa, t->status, t->fault);
	}
	for (size_t i = 0; i < c->ncosigners; i++)
		cli_cosigner_line("    cosigned by ", &c->cosigners[i]);
}

static void print_text(const struct verify_report *r, const char *path)
{
	struct buf line = BUF_INIT;
	char a[32], b[32];

	printf("store:       ");
	cli_put_safe(stdout, path);
	printf(" (origin ");
	cli_put_safe(stdout, *r->origin ? r->origin : "(none)");
	printf(", %s entries)\n", text_thousands(r->entries, a));
	printf("checkpoints: %zu\n", r->ncheckpoints);
	for (size_t i = 0; i < r->ncheckpoints; i++) {
		printf("  size %-12s %-14s", text_thousands(r->checkpoints[i].size, a),
		       fault_kind_name(r->checkpoints[i].status));
		if (r->checkpoints[i].signer) {
			printf(" signed by ");
			cli_put_safe(stdout, r->checkpoints[i].signer);
		}
		putchar('\n');
		print_anchors(r, &r->checkpoints[i]);
	}
	if (r->nfaults) {
		printf("faults:      %zu\n", r->faults_total);
		for (size_t i = 0; i < r->nfaults; i++) {
			const struct verify_fault *f = &r->faults[i];

			if (f->checkpoint)
				printf("  %-14s checkpoint %s: ", fault_kind_name(f->kind), text_thousands(f->size, a));
			else if (f->seq == f->seq_end)
				printf("  %-14s seq %s: ", fault_kind_name(f->kind), text_thousands(f->seq, a));
			else
				printf("  %-14s seq %s-%s: ", fault_kind_name(f->kind), text_thousands(f->seq, a),
				       text_thousands(f->seq_end, b));
			cli_put_safe(stdout, f->detail);
			putchar('\n');
		}
		if (r->faults_total > r->nfaults)
			printf("  ... and %zu more\n", r->faults_total - r->nfaults);
	}
	for (size_t i = 0; i < r->nnotes; i++) {
		printf("note:        ");
		cli_put_safe(stdout, r->notes[i]);
		putchar('\n');
	}
	verify_verdict_line(r, 0, &line);
	printf("verdict:     ");
	cli_put_safe(stdout, line.buf);
	putchar('\n');
	buf_release(&line);
}

static void show_progress(void *ctx, uint64_t done, uint64_t total)
{
	char a[32];

	(void)ctx;
	(void)total;
	fprintf(stderr, "\rverifying: %s entries", text_thousands(done, a));
}

static int run_verify(struct cmd_ctx *cx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "trust", required_argument, NULL, 't' },
		{ "format", required_argument, NULL, 'f' },
		{ "deep", no_argument, NULL, 'd' },
		{ "no-remember", no_argument, NULL, 'n' },
		CLI_ANCHOR_LONGOPTS,
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *usage = cx->cmd->usage;
	enum out_format fmt = FMT_TEXT;
	struct verify_options vo = { 0 };
	struct cli_anchor_opts ao = CLI_ANCHOR_OPTS_INIT;
	struct verify_report r;
	struct trust t;
	struct store *s;
	int c, ret, remember = 1;

	if (trust_load(&t))
		return EXIT_IO;
	while ((c = cli_getopt(argc, argv, "t:f:dn" CLI_ANCHOR_SHORTOPTS "h", opts, "verify", usage)) != -1) {
		switch (c) {
		case 't':
			if ((ret = cli_trust_option(&t, optarg, 1)) != EXIT_OK)
				goto out;
			break;
		case 'f':
			if (cli_parse_format("verify", optarg, 1u << FMT_TEXT | 1u << FMT_JSON, &fmt)) {
				ret = EXIT_USAGE;
				goto out;
			}
			break;
		case 'd': vo.deep = 1; break;
		case 'n': remember = 0; break;
		case 'c': case 'w': case 'q':
			if ((ret = cli_anchor_option(&ao, c, optarg, "verify", usage)) != EXIT_OK)
				goto out;
			break;
		default: ret = cli_common_option(cx, c); goto out; /* --help, or cli_getopt said why */
		}
	}
	if ((ret = cli_anchor_finish(&ao, "verify", usage)) != EXIT_OK)
		goto out;
	ret = EXIT_IO;
	if (argc - optind != 1)
		ret = cli_usage_error(usage, "verify: expected one STORE");
	else if (cmd_store(cx, argv[optind], &s))
		ret = cli_exit_status(-1); /* 3 for a URI libpq cannot parse, else 5 */
	else {
		vo.trust = &t;
		vo.anchors = &ao.ao;
		vo.remember = remember;
		if (isatty(2) && fmt == FMT_TEXT)
			vo.progress = show_progress;
		if (verify_store(s, &vo, &r) == 0) {
			if (vo.progress && r.entries >= 65536)
				fputc('\n', stderr);
			if (fmt == FMT_JSON)
				print_json(&r);
			else
				print_text(&r, s->path);
			/* the exit status follows the printed verdict */
			ret = cli_verdict_status(verify_report_verdict(&r));
			verify_report_release(&r);
		}
	}
out:
	cli_anchor_opts_release(&ao);
	trust_release(&t);
	return ret;
}

const struct command cmd_verify_entry = {
	.name = "verify",
	.usage = "verify STORE [--trust PUBFILE]... [--tsa-ca CA.pem]... [--witness W.pub]... [--quorum N]\n"
		 "                  [--format text|json] [--deep] [--no-remember]",
	.summary = "check every entry, derived row, checkpoint and signature",
	.help = "Recomputes every leaf hash and the Merkle root at every checkpoint, checks the\n"
		"signatures against trusted keys, cross-checks the display columns against each\n"
		"leaf, re-derives the derived rows (changes, summary, nchanges, risk, entry_text)\n"
		"from each leaf and compares them, checks each version 3 leaf's raw record\n"
		"(entry_text.raw) against its raw_sha256, and compares the store with the checkpoints\n"
		"seen before (kept per trusted key in $XDG_STATE_HOME/trailscope). --trust pins a\n"
		"verifier key there. --deep also checks that every leaf is canonical JSON.\n"
		"--no-remember does not record the newest verified checkpoint there.\n"
		"--tsa-ca checks every RFC 3161 time-stamp token (trailscope timestamp) against\n"
		"the TSA certificate authority in CA.pem: imprint over the checkpoint's note, nonce,\n"
		"signature chain, timeStamping EKU, and that no checkpoint is time-stamped earlier\n"
		"than one it extends. --witness checks the cosignatures (trailscope witness cosign)\n"
		"of that witness key; the newest verified checkpoint must carry valid ones from\n"
		"--quorum N of the witnesses given (default: all). Without them, tokens and\n"
		"cosignatures are listed as NOT_CHECKED.\n"
		"STORE may be a PostgreSQL URI: everything above is checked the same way, in one\n"
		"READ ONLY snapshot.\n"
		"Exit: 0 VERIFIED, 1 FAILED, 2 UNVERIFIABLE (no trusted key, an empty store, or no\n"
		"checkpoint signed by a trusted key), 3+ errors.\n",
	.flags = CMD_STORE,
	.run = run_verify,
};
