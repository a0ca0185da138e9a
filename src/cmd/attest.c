/*
 * attest.c - "trailscope attest STORE --policy FILE --since T --until T
 * --key KEYFILE --out FILE [--format text|markdown|json] [--trust
 * PUBFILE]... [--now TIME]" signs a policy attestation (docs/POLICY.md);
 * "trailscope attest verify FILE --trust PUBFILE... [--store STORE |
 * --bundle DIR] [--format text|json]" checks one. Both go through
 * attest.h.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cmd.h"
#include "trailscope/attest.h"
#include "trailscope/dsse.h"
#include "trailscope/keys.h"
#include "trailscope/timeline.h"
#include "trailscope/util.h"

static int parse_time(const char *opt, const char *value, usec_t now, usec_t *out, const char *usage)
{
	const char *why = NULL;

	if (timeline_parse_user_time(value, now, out, &why))
		return cli_usage_error(usage, "attest: bad time for %s: %s", opt, why ? why : "unreadable");
	return 0;
}

static int run_attest(struct cmd_ctx *cx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "policy", required_argument, NULL, 'p' },
		{ "since", required_argument, NULL, 's' },
		{ "until", required_argument, NULL, 'u' },
		{ "key", required_argument, NULL, 'k' },
		{ "out", required_argument, NULL, 'o' },
		{ "format", required_argument, NULL, 'f' },
		{ "trust", required_argument, NULL, 't' },
		{ "now", required_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *usage = cx->cmd->usage, *since = NULL, *until = NULL, *now_text = NULL, *fmt = "text";
	struct attest_options o = { 0 };
	struct attest_result r;
	struct trust t;
	struct buf out = BUF_INIT;
	int c, ret = EXIT_USAGE;

	if (trust_load(&t))
		return EXIT_IO;
	while ((c = cli_getopt(argc, argv, "p:s:u:k:o:f:t:n:h", opts, "attest", usage)) != -1) {
		switch (c) {
		case 'p': o.policy_path = optarg; break;
		case 's': since = optarg; break;
		case 'u': until = optarg; break;
		case 'k': o.keyfile = optarg; break;
		case 'o': o.out_path = optarg; break;
		case 'f': fmt = optarg; break;
		case 'n': now_text = optarg; break;
		case 't':
			if (cli_trust_option(&t, optarg, 0) != EXIT_OK) {
				ret = EXIT_BADINPUT;
				goto out;
			}
			break;
		default: ret = cli_common_option(cx, c); goto out; /* --help, or cli_getopt said why */
		}
	}
	if (argc - optind != 1) {
		cli_usage_error(usage, "attest: expected one STORE (or: attest verify FILE)");
		goto out;
	}
	if (!o.policy_path || !since || !until || !o.keyfile || !o.out_path) {
		cli_usage_error(usage, "attest: --policy, --since, --until, --key and --out are required");
		goto out;
	}
	if (strcmp(fmt, "text") && strcmp(fmt, "markdown") && strcmp(fmt, "json")) {
		cli_usage_error(usage, "attest: unknown format '%s' (use text, markdown or json)", fmt);
		goto out;
	}
	o.now = time_now();
	if ((now_text && parse_time("--now", now_text, o.now, &o.now, usage)) ||
	    parse_time("--since", since, o.now, &o.since, usage) || parse_time("--until", until, o.now, &o.until, usage))
		goto out;
	o.store_path = argv[optind];
	o.trust = &t;
	ret = cli_exit_status(attest_create(&o, &r));
	if (ret)
		goto out;
	if (!strcmp(fmt, "json"))
		cli_json_print(stdout, r.statement);
	else
		attest_render(r.statement, fmt[0] == 'm', &out);
	fwrite(out.buf, 1, out.len, stdout);
	fprintf(stderr, "attest: wrote ");
	cli_put_safe(stderr, o.out_path);
	fprintf(stderr, ": %zu rule%s failed, %llu violation%s, over the checkpoint at size %llu\n", r.rules_failed,
		r.rules_failed == 1 ? "" : "s", (unsigned long long)r.violations, r.violations == 1 ? "" : "s",
		(unsigned long long)r.checkpoint_size);
	if (r.unverified_in_period)
		warning("attest: %llu event%s in the period %s after the checkpoint, not yet verified, and not "
			"evaluated (sign a checkpoint of the log first to include them)",
			(unsigned long long)r.unverified_in_period, r.unverified_in_period == 1 ? "" : "s",
			r.unverified_in_period == 1 ? "is" : "are");
	attest_result_release(&r);
out:
	buf_release(&out);
	trust_release(&t);
	return ret;
}

static void print_report_json(const struct attest_report *r)
{
	json_t *o = json_object(), *faults = json_array(), *notes = json_array();
	const json_t *pred = json_object_get(r->statement, "predicate");

	json_object_set_new(o, "verdict", json_string(verdict_name(r->verdict)));
	json_object_set_new(o, "signed_by", r->signer ? json_string(r->signer) : json_null());
	json_object_set_new(o, "inclusion_checked", json_boolean(r->inclusion_checked));
	json_object_set_new(o, "completeness_checked", json_boolean(r->completeness_checked));
	json_object_set_new(o, "result", json_is_string(json_object_get(pred, "result")) ?
			    json_incref(json_object_get(pred, "result")) : json_null());
	for (size_t i = 0; i < r->nfaults; i++)
		json_array_append_new(faults, json_string(r->faults[i]));
	for (size_t i = 0; i < r->nnotes; i++)
		json_array_append_new(notes, json_string(r->notes[i]));
	json_object_set_new(o, "faults", faults);
	json_object_set_new(o, "notes", notes);
	json_object_set_new(o, "statement", r->statement ? json_incref(r->statement) : json_null());
	cli_json_print(stdout, o);
	json_decref(o);
}

static void print_report_text(const struct attest_report *r)
{
	struct buf out = BUF_INIT;

	if (r->statement && r->signer) {
		attest_render(r->statement, 0, &out);
		fwrite(out.buf, 1, out.len, stdout);
		putchar('\n');
	}
	for (size_t i = 0; i < r->nfaults; i++) {
		printf("fault:       ");
		cli_put_safe(stdout, r->faults[i]);
		putchar('\n');
	}
	for (size_t i = 0; i < r->nnotes; i++) {
		printf("note:        ");
		cli_put_safe(stdout, r->notes[i]);
		putchar('\n');
	}
	printf("verdict:     %s", verdict_name(r->verdict));
	if (r->verdict == VERDICT_VERIFIED) {
		printf(": signed by ");
		cli_put_safe(stdout, r->signer);
		printf("%s%s", r->inclusion_checked ? "; every listed event is in the log" : "",
		       r->completeness_checked ? "; the violation lists are complete" : "");
	} else if (r->verdict == VERDICT_FAILED) {
		printf(": %zu fault%s", r->nfaults, r->nfaults == 1 ? "" : "s");
	} else {
		printf(": no trusted key signed the attestation");
	}
	putchar('\n');
	buf_release(&out);
}

static int run_verify(struct cmd_ctx *cx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "trust", required_argument, NULL, 't' },
		{ "store", required_argument, NULL, 's' },
		{ "bundle", required_argument, NULL, 'b' },
		{ "format", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *usage = cx->cmd->usage, *store_path = NULL;
	struct attest_verify_options o = { 0 };
	struct attest_report r;
	enum out_format fmt = FMT_TEXT;
	struct trust t;
	char *text = NULL;
	size_t len;
	int c, ret = EXIT_USAGE;

	if (trust_load(&t))
		return EXIT_IO;
	while ((c = cli_getopt(argc, argv, "t:s:b:f:h", opts, "attest verify", usage)) != -1) {
		switch (c) {
		case 't':
			if (cli_trust_option(&t, optarg, 0) != EXIT_OK) {
				ret = EXIT_BADINPUT;
				goto out;
			}
			break;
		case 's': store_path = optarg; break;
		case 'b': o.bundle_dir = optarg; break;
		case 'f':
			if (cli_parse_format("attest verify", optarg, 1u << FMT_TEXT | 1u << FMT_JSON, &fmt))
				goto out;
			break;
		default: ret = cli_common_option(cx, c); goto out; /* --help, or cli_getopt said why */
		}
	}
	if (argc - optind != 1) {
		cli_usage_error(usage, "attest verify: expected one attestation FILE");
		goto out;
	}
	if (store_path && o.bundle_dir) {
		cli_usage_error(usage, "attest verify: give --store or --bundle, not both");
		goto out;
	}
	text = read_file(argv[optind], DSSE_MAX_SIZE, &len);
	if (!text) {
		error("cannot read '%s'", argv[optind]);
		ret = EXIT_IO;
		goto out;
	}
	if (store_path && cmd_store(cx, store_path, &o.store)) {
		ret = EXIT_IO;
		goto out;
	}
	o.keys = t.keys;
	o.nkeys = t.n;
	o.trust = &t;
	if (attest_verify(text, len, &o, &r)) {
		ret = EXIT_IO;
		goto out;
	}
	if (r.not_envelope) {
		error("%s: %s", argv[optind], r.faults[0]);
		ret = EXIT_BADINPUT;
		attest_report_release(&r);
		goto out;
	}
	if (fmt == FMT_JSON)
		print_report_json(&r);
	else
		print_report_text(&r);
	ret = cli_verdict_status(r.verdict);
	attest_report_release(&r);
out:
	free(text);
	trust_release(&t);
	return ret;
}

static const struct command attest_verify_verb = {
	.name = "verify",
	.usage = "attest verify FILE --trust PUBFILE... [--store STORE | --bundle DIR] [--format text|json]",
	.summary = "check a policy attestation: signature, events, completeness",
	.help = "Checks the DSSE envelope FILE: its signature by a trusted key (--trust, and the keys\n"
		"pinned in $XDG_STATE_HOME/trailscope), the in-toto statement's shape, and the\n"
		"checkpoint it names (its signature too when the log's key is trusted).\n"
		"\n"
		"  --store STORE   verify the store, check it holds the attested log (the root at\n"
		"                  the subject's size), every listed event at its seq with its leaf\n"
		"                  hash and an inclusion proof, and re-evaluate every rule over the\n"
		"                  period: the violation lists must be exactly complete\n"
		"  --bundle DIR    verify the evidence bundle, check it is proven against the same\n"
		"                  checkpoint and holds every listed event with its leaf hash (a\n"
		"                  bundle is a selection: completeness is not checked)\n"
		"  --format F      text (default: the report, faults, notes, verdict) or json\n"
		"Exit: 0 VERIFIED, 1 FAILED (a bad signature, a changed statement, a missing or\n"
		"changed event, incomplete lists, a store that fails verification), 2 UNVERIFIABLE\n"
		"(no trusted key signed it), 3 usage, 4 not an envelope, 5 I/O or store error.\n",
	.flags = 0,
	.run = run_verify,
};

static const struct command *const attest_verbs[] = { &attest_verify_verb, NULL };

const struct command cmd_attest_entry = {
	.name = "attest",
	.usage = "attest STORE --policy FILE --since TIME --until TIME --key KEYFILE --out FILE\n"
		 "       [--format text|markdown|json] [--trust PUBFILE]... [--now TIME]",
	.summary = "sign an in-toto attestation of a policy's rules over a period",
	.help = "Verifies the store, then evaluates every rule of the policy (docs/POLICY.md) over\n"
		"the events with a time in [--since, --until) under the newest checkpoint a trusted\n"
		"key signed, and writes to --out an in-toto Statement v1 in a DSSE envelope signed\n"
		"with KEYFILE: the subject is that checkpoint (origin, root hash, size), the\n"
		"predicate lists each rule with pass or fail and every violating event. Prints the\n"
		"report on standard output.\n"
		"\n"
		"  --policy FILE   the policy (JSON rules)\n"
		"  --since TIME    start of the period, inclusive (times as in queries)\n"
		"  --until TIME    end of the period, exclusive\n"
		"  --key KEYFILE   the attester's signer key\n"
		"  --out FILE      where the envelope is written\n"
		"  --format F      the report: text (default), markdown, or json (the statement)\n"
		"  --trust PUB     also trust this verifier key when verifying the store\n"
		"  --now TIME      'now' for relative times (reproducible runs)\n"
		"Events of the period after that checkpoint are not evaluated: counted in the\n"
		"statement and warned about. See also: trailscope attest verify.\n"
		"Exit: 0 written (whatever the rules' results), 1 the store FAILED verification,\n"
		"2 no checkpoint signed by a trusted key, 3 usage, 4 bad policy or key, 5 I/O.\n",
	.flags = 0,
	.run = run_attest,
	.verbs = attest_verbs,
};
