/*
 * bundle.c - "trailscope bundle verify DIR --trust PUBFILE... [--tsa-ca
 * CA.pem]... [--witness W.pub]... [--quorum N] [--format text|json]",
 * "trailscope bundle custody DIR --action ACTION --actor NAME --key
 * KEYFILE [--note TEXT] [--role ROLE]" and "trailscope bundle
 * proof|leaf|raw DIR SEQ": checking an evidence bundle offline, adding to
 * its chain of custody, and taking one event out of it (docs/BUNDLE.md).
 */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "trailscope/bundle.h"
#include "cli.h"
#include "cmd.h"
#include "trailscope/keys.h"
#include "trailscope/textout.h"
#include "trailscope/verify_anchors.h"
#include "trailscope/util.h"

static json_t *anchors_json(const struct bundle_report *r, json_t *o)
{
	if (r->timestamp) {
		json_t *t = json_object();

		json_object_set_new(t, "tsa", json_string(r->timestamp->tsa));
		json_object_set_new(t, "time", *r->timestamp->time ? json_string(r->timestamp->time) : json_null());
		json_object_set_new(t, "status", json_string(anchor_status_name(r->timestamp->status,
										r->timestamp->fault)));
		json_object_set_new(o, "timestamp", t);
	} else {
		json_object_set_new(o, "timestamp", json_null());
	}
	json_object_set_new(o, "cosigners", cli_cosigners_json(r->cosigners, r->ncosigners));
	return o;
}

static void anchors_text(const struct bundle_report *r)
{
	if (r->timestamp)
		cli_timestamp_line("timestamp:   ", r->timestamp->time, r->timestamp->tsa, r->timestamp->status,
				   r->timestamp->fault);
	for (size_t i = 0; i < r->ncosigners; i++)
		cli_cosigner_line("cosigned:    by ", &r->cosigners[i]);
}

static void print_json(const struct bundle_report *r)
{
	json_t *o = json_object(), *faults = json_array(), *warns = json_array(), *cust = json_array();
	json_t *notes = json_array();

	json_object_set_new(o, "verdict", json_string(verdict_name(r->verdict)));
	json_object_set_new(o, "origin", r->origin ? json_string(r->origin) : json_null());
	json_object_set_new(o, "checkpoint_size", json_integer((json_int_t)r->checkpoint_size));
	json_object_set_new(o, "checkpoint_signed_by",
			    r->checkpoint_signer ? json_string(r->checkpoint_signer) : json_null());
	json_object_set_new(o, "events_verified", json_integer((json_int_t)r->events));
	json_object_set_new(o, "layout", json_string(r->layout ? r->layout : "per-event"));
	json_object_set_new(o, "events", json_integer((json_int_t)r->events_total));
	anchors_json(r, o);
	for (size_t i = 0; i < r->nfaults; i++) {
		json_t *f = json_object();

		json_object_set_new(f, "kind", json_string(bundle_fault_kind_name(r->faults[i].kind)));
		json_object_set_new(f, "file", json_string(r->faults[i].file));
		json_object_set_new(f, "line", r->faults[i].line ? json_integer(r->faults[i].line) : json_null());
		json_object_set_new(f, "detail", json_string(r->faults[i].detail));
		json_array_append_new(faults, f);
	}
	for (size_t i = 0; i < r->nwarnings; i++)
		json_array_append_new(warns, json_string(r->warnings[i]));
	for (size_t i = 0; i < r->custody.n; i++) {
		const struct custody_item *c = &r->custody.v[i];
		json_t *j = json_object();

		json_object_set_new(j, "line", json_integer(c->line));
		json_object_set_new(j, "action", json_string(c->action));
		json_object_set_new(j, "actor", json_string(c->actor));
		json_object_set_new(j, "role", json_string(c->role));
		json_object_set_new(j, "time", json_string(c->time));
		json_object_set_new(j, "signed_by", c->signer ? json_string(c->signer) : json_null());
		json_object_set_new(j, "trusted", json_boolean(c->trusted));
		json_array_append_new(cust, j);
	}
	for (size_t i = 0; i < r->nnotes; i++)
		json_array_append_new(notes, json_string(r->notes[i]));
	if (r->store_verdict) {
		json_t *st = json_object(), *sf = json_array();

		json_object_set_new(st, "verdict", json_string(r->store_verdict));
		json_object_set_new(st, "faults_total", json_integer((json_int_t)r->store_faults_total));
		for (size_t i = 0; i < r->nstore_faults; i++)
			json_array_append_new(sf, json_string(r->store_faults[i]));
		json_object_set_new(st, "faults", sf);
		json_object_set_new(o, "store", st);
	} else {
		json_object_set_new(o, "store", json_null());
	}
	json_object_set_new(o, "attestation", r->attestation ? json_string(r->attestation) : json_null());
	json_object_set_new(o, "faults", faults);
	json_object_set_new(o, "warnings", warns);
	json_object_set_new(o, "notes", notes);
	json_object_set_new(o, "custody", cust);
	json_dumpf(o, stdout, JSON_INDENT(2) | JSON_ENSURE_ASCII);
	putchar('\n');
	json_decref(o);
}

static void print_text(const struct bundle_report *r, const char *dir)
{
	char a[32], b[32];

	printf("bundle:      ");
	cli_put_safe(stdout, dir);
	printf("\ncheckpoint:  ");
	if (r->origin) {
		cli_put_safe(stdout, r->origin);
		printf(" at size %s", text_thousands(r->checkpoint_size, a));
		if (r->checkpoint_signer) {
			printf(", signed by ");
			cli_put_safe(stdout, r->checkpoint_signer);
		}
	} else {
		printf("(none)");
	}
	printf("\n");
	anchors_text(r);
	printf("events:      %s of %s proven\n", text_thousands(r->events, a), text_thousands(r->events_total, b));
	printf("layout:      %s\n", r->layout && !strcmp(r->layout, "packed") ?
	       "packed (data/leaves.jsonl, data/proofs.jsonl)" : "per-event (data/entries/, data/proofs/)");
	printf("custody:     %zu entr%s\n", r->custody.n, r->custody.n == 1 ? "y" : "ies");
	for (size_t i = 0; i < r->custody.n; i++) {
		const struct custody_item *c = &r->custody.v[i];

		printf("  %ld  %-11s ", c->line, c->action);
		cli_put_safe(stdout, c->time);
		printf("  ");
		cli_put_safe(stdout, c->actor);
		printf(" (");
		cli_put_safe(stdout, c->role);
		printf(")  ");
		if (c->signer) {
			printf("signed by ");
			cli_put_safe(stdout, c->signer);
			printf(c->trusted ? " (trusted)" : " (untrusted key)");
		} else {
			printf("unsigned");
		}
		putchar('\n');
	}
	if (r->attestation) {
		printf("attestation: ");
		cli_put_safe(stdout, r->attestation);
		putchar('\n');
	}
	if (r->nfaults) {
		printf("faults:      %zu\n", r->nfaults);
		for (size_t i = 0; i < r->nfaults; i++) {
			const struct bundle_fault *f = &r->faults[i];

			printf("  %-10s ", bundle_fault_kind_name(f->kind));
			cli_put_safe(stdout, *f->file ? f->file : "(bundle)");
			if (f->line)
				printf(":%ld", f->line);
			printf(": ");
			cli_put_safe(stdout, f->detail);
			putchar('\n');
		}
	}
	if (r->store_verdict) {
		printf("store:       ");
		cli_put_safe(stdout, r->store_verdict);
		printf(" when the bundle was made (custody.jsonl:1)");
		if (r->store_faults_total)
			printf(", %llu fault%s", (unsigned long long)r->store_faults_total,
			       r->store_faults_total == 1 ? "" : "s");
		putchar('\n');
		for (size_t i = 0; i < r->nstore_faults; i++) {
			printf("  store fault ");
			cli_put_safe(stdout, r->store_faults[i]);
			putchar('\n');
		}
	}
	for (size_t i = 0; i < r->nwarnings; i++) {
		printf("warning:     ");
		cli_put_safe(stdout, r->warnings[i]);
		putchar('\n');
	}
	for (size_t i = 0; i < r->nnotes; i++) {
		printf("note:        ");
		cli_put_safe(stdout, r->notes[i]);
		putchar('\n');
	}
	if (r->verdict == VERDICT_VERIFIED) {
		printf("verdict:     VERIFIED: %s events proven in ", text_thousands(r->events, a));
		cli_put_safe(stdout, r->origin);
		printf(" at size %s", text_thousands(r->checkpoint_size, b));
	} else if (r->verdict == VERDICT_FAILED) {
		printf("verdict:     FAILED: %zu fault%s", r->nfaults, r->nfaults == 1 ? "" : "s");
	} else {
		printf("verdict:     UNVERIFIABLE: the checkpoint is not signed by a trusted key");
	}
	if (verdict_parse(r->store_verdict) == VERDICT_FAILED)
		printf("; MADE FROM A STORE THAT FAILED VERIFICATION (%llu fault%s, custody.jsonl:1)",
		       (unsigned long long)r->store_faults_total, r->store_faults_total == 1 ? "" : "s");
	else if (r->store_verdict && verdict_parse(r->store_verdict) != VERDICT_VERIFIED)
		printf("; made from a store whose verdict was %s", r->store_verdict);
	putchar('\n');
}

static int run_verify(struct cmd_ctx *cx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "trust", required_argument, NULL, 't' },
		{ "format", required_argument, NULL, 'f' },
		CLI_ANCHOR_LONGOPTS,
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct note_verifier *keys = NULL;
	size_t nkeys = 0, alloc = 0;
	struct cli_anchor_opts ao = CLI_ANCHOR_OPTS_INIT;
	enum out_format fmt = FMT_TEXT;
	const char *usage = cx->cmd->usage;
	struct bundle_report r;
	int c, ret = EXIT_USAGE;

	while ((c = cli_getopt(argc, argv, "t:f:" CLI_ANCHOR_SHORTOPTS "h", opts, "bundle verify", usage)) != -1) {
		switch (c) {
		case 't':
			ALLOC_GROW(keys, nkeys + 1, alloc);
			if (keyfile_load_verifier(optarg, &keys[nkeys])) {
				ret = EXIT_BADINPUT;
				goto out;
			}
			nkeys++;
			break;
		case 'f':
			if (cli_parse_format("bundle verify", optarg, 1u << FMT_TEXT | 1u << FMT_JSON, &fmt)) {
				ret = EXIT_USAGE; /* ret may hold an earlier option's EXIT_OK */
				goto out;
			}
			break;
		case 'c': case 'w': case 'q':
			if ((ret = cli_anchor_option(&ao, c, optarg, "bundle verify", usage)) != EXIT_OK)
				goto out;
			break;
		default:
			ret = cli_common_option(cx, c); /* --help, or cli_getopt said why */
			goto out;
		}
	}
	if (argc - optind != 1) {
		ret = cli_usage_error(usage, "bundle verify: expected one DIR");
		goto out;
	}
	if ((ret = cli_anchor_finish(&ao, "bundle verify", usage)) != EXIT_OK)
		goto out;
	if (bundle_verify_anchored(argv[optind], keys, nkeys, &ao.ao, &r)) {
		ret = cli_exit_status(-1);
		goto out;
	}
	if (fmt == FMT_JSON)
		print_json(&r);
	else
		print_text(&r, argv[optind]);
	ret = cli_verdict_status(r.verdict);
	bundle_report_release(&r);
out:
	for (size_t i = 0; i < nkeys; i++)
		note_verifier_release(&keys[i]);
	free(keys);
	cli_anchor_opts_release(&ao);
	return ret;
}

static int run_custody(struct cmd_ctx *cx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "action", required_argument, NULL, 'a' },
		{ "actor", required_argument, NULL, 'A' },
		{ "key", required_argument, NULL, 'k' },
		{ "note", required_argument, NULL, 'n' },
		{ "role", required_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct custody_fields f = { 0 };
	struct note_signer key = { 0 };
	const char *usage = cx->cmd->usage, *keyfile = NULL;
	int c, ret;

	while ((c = cli_getopt(argc, argv, "a:A:k:n:r:h", opts, "bundle custody", usage)) != -1) {
		switch (c) {
		case 'a': f.action = optarg; break;
		case 'A': f.actor = optarg; break;
		case 'k': keyfile = optarg; break;
		case 'n': f.note = optarg; break;
		case 'r': f.role = optarg; break;
		default:
			return cli_common_option(cx, c); /* --help, or cli_getopt said why */
		}
	}
	if (cli_signer_key_check("--key", keyfile))
		return EXIT_BADINPUT;
	if (argc - optind != 1)
		return cli_usage_error(usage, "bundle custody: expected one DIR");
	if (!f.action || !f.actor || !*f.actor || !keyfile)
		return cli_usage_error(usage, "bundle custody: --action, --actor and --key are required");
	if (!custody_action_valid(f.action) || !strcmp(f.action, "created"))
		return cli_usage_error(usage, "bundle custody: --action must be transferred, received, "
				       "verified or note");
	if (keyfile_load_signer(keyfile, &key))
		return EXIT_BADINPUT;
	ret = cli_exit_status(bundle_custody_append(argv[optind], &f, &key));
	if (ret == EXIT_OK) {
		printf("custody: %s by ", f.action);
		cli_put_safe(stdout, f.actor);
		printf(" recorded in ");
		cli_put_safe(stdout, argv[optind]);
		putchar('\n');
	}
	note_signer_release(&key);
	return ret;
}

/* bundle proof|leaf|raw DIR SEQ: one event's part, its exact bytes on
 * stdout; escaped for the terminal when stdout is one. */
static int run_part(struct cmd_ctx *cx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *verb = cx->cmd->name, *usage = cx->cmd->usage;
	enum bundle_part what = !strcmp(verb, "proof") ? BUNDLE_PART_PROOF :
				!strcmp(verb, "leaf") ? BUNDLE_PART_LEAF : BUNDLE_PART_RAW;
	struct buf out = BUF_INIT, where = BUF_INIT;
	int64_t seq;
	int c, ret;

	buf_addf(&where, "bundle %s", verb);
	while ((c = cli_getopt(argc, argv, "h", opts, where.buf, usage)) != -1) {
		buf_release(&where);
		return cli_common_option(cx, c); /* --help, or cli_getopt said why */
	}
	if (argc - optind != 2) {
		ret = cli_usage_error(usage, "%s: expected DIR and SEQ", where.buf);
		buf_release(&where);
		return ret;
	}
	if (parse_int64(argv[optind + 1], 1, INT64_MAX, &seq)) {
		ret = cli_usage_error(usage, "%s: SEQ must be an event's position in the log (1, 2, ...)", where.buf);
		buf_release(&where);
		return ret;
	}
	ret = cli_exit_status(bundle_event_part(argv[optind], seq, what, &out));
	if (ret == EXIT_OK) {
		if (isatty(STDOUT_FILENO)) {
			struct buf safe = BUF_INIT;

			buf_add_term_safe(&safe, out.buf, out.len);
			fwrite(safe.buf, 1, safe.len, stdout);
			if (!safe.len || safe.buf[safe.len - 1] != '\n')
				putchar('\n');
			fprintf(stderr, "(escaped for the terminal: redirect stdout for the exact bytes)\n");
			buf_release(&safe);
		} else if (fwrite(out.buf, 1, out.len, stdout) != out.len || fflush(stdout)) {
			ret = cli_exit_status(error("cannot write to standard output"));
		}
	}
	buf_release(&out);
	buf_release(&where);
	return ret;
}

static const struct command bundle_proof_verb = {
	.name = "proof",
	.usage = "bundle proof DIR SEQ",
	.summary = "print one event's inclusion proof (c2sp.org/tlog-proof@v1)",
	.help = "Prints the inclusion proof of event SEQ of the bundle in DIR as a\n"
		"c2sp.org/tlog-proof@v1 text (header, index, path, an empty line, then\n"
		"data/checkpoint verbatim), so that any tlog tool can check that one event\n"
		"with the leaf 'bundle leaf' prints. For a packed bundle it is made from the\n"
		"event's line of data/proofs.jsonl, byte for byte the file\n"
		"data/proofs/SEQ.tlog-proof a bundle written before the packed layout holds\n"
		"(and prints). Only the lines used are checked: 'bundle verify' checks all.\n"
		"When stdout is a terminal the bytes are escaped; redirect them to a file.\n"
		"Exit: 0, 1 lines that disagree, 3 usage, 4 no such event, 5 unreadable.\n",
	.flags = 0,
	.run = run_part,
};

static const struct command bundle_leaf_verb = {
	.name = "leaf",
	.usage = "bundle leaf DIR SEQ",
	.summary = "print one event's exact leaf bytes",
	.help = "Prints the leaf of event SEQ of the bundle in DIR, byte for byte (no line\n"
		"terminator): its line of data/leaves.jsonl, or data/entries/SEQ.leaf in a\n"
		"bundle written before the packed layout. Its SHA-256 after a 0x00 byte is\n"
		"the leaf hash the proof of 'bundle proof' starts from.\n"
		"When stdout is a terminal the bytes are escaped; redirect them to a file.\n"
		"Exit: 0, 1 lines that disagree, 3 usage, 4 no such event, 5 unreadable.\n",
	.flags = 0,
	.run = run_part,
};

static const struct command bundle_raw_verb = {
	.name = "raw",
	.usage = "bundle raw DIR SEQ",
	.summary = "print one event's raw source record",
	.help = "Prints the raw source record of event SEQ of the bundle in DIR, as read by\n"
		"import (no line terminator). A version 3 leaf holds its SHA-256\n"
		"(raw_sha256), which is checked: the record is the \"raw\" member of the\n"
		"event's line of data/events.jsonl (data/entries/SEQ.raw in a bundle written\n"
		"before the packed layout). An older leaf holds its raw record itself.\n"
		"When stdout is a terminal the bytes are escaped; redirect them to a file.\n"
		"Exit: 0, 1 a record that is not its leaf's, 3 usage, 4 no such event,\n"
		"5 unreadable.\n",
	.flags = 0,
	.run = run_part,
};

static const struct command bundle_verify_verb = {
	.name = "verify",
	.usage = "bundle verify DIR --trust PUBFILE... [--tsa-ca CA.pem]... [--witness W.pub]...\n"
		 "                  [--quorum N] [--format text|json]",
	.summary = "verify an evidence bundle offline",
	.help = "Checks an evidence bundle with nothing but its files and the trusted keys: the\n"
		"BagIt manifests (every file listed, present, unchanged; no path outside the bag),\n"
		"the checkpoint's signature, each event's inclusion proof for its exact leaf, each\n"
		"record and CSV row against the leaves, and the chain of custody's links and\n"
		"signatures. Every bag-info.txt element is checked against the pairs the\n"
		"custody record's first entry signed and against the data; one nothing vouches\n"
		"for is a note. The verdict line also says when the bundle was made from a\n"
		"store that FAILED verification (or was UNVERIFIABLE). Every fault is named\n"
		"with its file and line.\n"
		"--tsa-ca checks the checkpoint's RFC 3161 time-stamp token (data/checkpoint.tst)\n"
		"against that TSA certificate authority; --witness checks the witnesses'\n"
		"cosignature lines in data/checkpoint, of which --quorum N (default: all given)\n"
		"must be valid. Without them, both are listed as NOT_CHECKED.\n"
		"Exit: 0 VERIFIED, 1 FAILED, 2 UNVERIFIABLE (no trusted signature), 3+ errors.\n",
	.flags = 0,
	.run = run_verify,
};

static const struct command bundle_custody_verb = {
	.name = "custody",
	.usage = "bundle custody DIR --action transferred|received|verified|note --actor NAME "
		 "--key KEYFILE [--note TEXT] [--role ROLE]",
	.summary = "add a signed entry to a bundle's chain of custody",
	.help = "Appends a signed entry to the bundle's chain of custody (custody.jsonl), linked\n"
		"by hash to the entry before it, and updates the tag manifests. A bundle whose\n"
		"bag or custody record is damaged is refused.\n",
	.flags = 0,
	.run = run_custody,
};

static const struct command *const bundle_verbs[] = {
	&bundle_verify_verb, &bundle_custody_verb, &bundle_proof_verb, &bundle_leaf_verb, &bundle_raw_verb, NULL,
};

const struct command cmd_bundle_entry = {
	.name = "bundle",
	.usage = "bundle verify|custody|proof|leaf|raw DIR ...",
	.summary = "verify a bundle offline; add to its chain of custody; print one event's proof, leaf, raw record",
	.help = "",
	.verbs = bundle_verbs,
};
