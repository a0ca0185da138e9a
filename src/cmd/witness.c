/*
 * witness.c - "trailscope witness cosign STORE --key W.key --trust LOG.pub
 * [--state DIR]": acting as a witness, cosign the store's latest
 * checkpoint (cosignature/v1) after checking the log's signature and
 * proving it consistent with what this witness cosigned before; a fork or
 * rollback is refused with exit 1 (witness.h).
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>

#include "cli.h"
#include "cmd.h"
#include "trailscope/keys.h"
#include "trailscope/witness.h"
#include "trailscope/util.h"

static int run_cosign(struct cmd_ctx *cx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "key", required_argument, NULL, 'k' },
		{ "trust", required_argument, NULL, 't' },
		{ "state", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *usage = cx->cmd->usage, *keyfile = NULL, *logfile = NULL, *state = NULL;
	struct note_signer w = { 0 };
	struct note_verifier log = { 0 };
	struct witness_result r = { 0 };
	struct store *s;
	int c, ret = EXIT_BADINPUT;

	while ((c = cli_getopt(argc, argv, "k:t:s:h", opts, "witness cosign", usage)) != -1) {
		switch (c) {
		case 'k': keyfile = optarg; break;
		case 't': logfile = optarg; break;
		case 's': state = optarg; break;
		default: return cli_common_option(cx, c); /* --help, or cli_getopt said why */
		}
	}
	if (argc - optind != 1 || !keyfile || !logfile)
		return cli_usage_error(usage, "witness cosign: expected STORE, --key W.key and --trust LOG.pub");
	if (keyfile_load_cosigner_signer(keyfile, &w) || keyfile_load_verifier(logfile, &log))
		goto out;
	ret = EXIT_IO;
	if (cmd_store(cx, argv[optind], &s))
		goto out;
	ret = cli_exit_status(witness_cosign(s, &w, &log, state, &r));
	if (ret != EXIT_OK)
		goto out;
	if (r.already) {
		printf("witness %s had already cosigned checkpoint %" PRIu64 " of ", w.name, r.size);
		cli_put_safe(stdout, r.origin);
		printf(": nothing added\n");
	} else {
		printf("witness %s cosigned checkpoint %" PRIu64 " of ", w.name, r.size);
		cli_put_safe(stdout, r.origin);
		if (r.prev_size)
			printf(" (consistent with size %" PRIu64 " cosigned before)\n", r.prev_size);
		else
			printf(" (the first of this origin it cosigned)\n");
	}
out:
	witness_result_release(&r);
	note_signer_release(&w);
	note_verifier_release(&log);
	return ret;
}

static const struct command witness_cosign_verb = {
	.name = "cosign",
	.usage = "witness cosign STORE --key W.key --trust LOG.pub [--state DIR]",
	.summary = "as a witness, cosign the store's latest checkpoint",
	.help = "Acts as a witness (C2SP tlog-witness, tlog-cosignature): checks the log's\n"
		"signature (LOG.pub) on the store's latest checkpoint, proves it consistent with\n"
		"the checkpoint of that origin this witness last cosigned (kept in DIR, default\n"
		"$XDG_STATE_HOME/trailscope/witness/NAME+KEYID), records it there, then stores its\n"
		"cosignature/v1 line beside the checkpoint (the note is never rewritten). W.key is a\n"
		"witness key (trailscope keygen NAME --out DIR --witness).\n"
		"STORE may be a PostgreSQL URI (a writer role; under the append lock).\n"
		"Exit: 0 cosigned (or already was), 1 refused: the log's signature does not verify,\n"
		"a rollback or a fork (the message names the sizes and roots), 4 bad key or no\n"
		"checkpoint, 5 I/O.\n",
	.flags = CMD_STORE | CMD_WRITE,
	.run = run_cosign,
};

static const struct command *const witness_verbs[] = { &witness_cosign_verb, NULL };

const struct command cmd_witness_entry = {
	.name = "witness",
	.usage = "witness cosign STORE ...",
	.summary = "cosign a store's checkpoints as an independent witness",
	.help = "",
	.verbs = witness_verbs,
};
