/*
 * checkpoint.c - "trailscope checkpoint STORE --key KEYFILE": signs a
 * checkpoint of the store's current head.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>

#include "cli.h"
#include "cmd.h"
#include "trailscope/keys.h"
#include "trailscope/util.h"

static int run_checkpoint(struct cmd_ctx *cx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "key", required_argument, NULL, 'k' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *usage = cx->cmd->usage, *keyfile = NULL;
	struct note_signer key = { 0 };
	struct store *s = NULL;
	int64_t size;
	int c, ret = EXIT_IO;

	while ((c = cli_getopt(argc, argv, "k:h", opts, "checkpoint", usage)) != -1) {
		switch (c) {
		case 'k': keyfile = optarg; break;
		default: return cli_common_option(cx, c); /* --help, or cli_getopt said why */
		}
	}
	if (cli_signer_key_check("--key", keyfile))
		return EXIT_BADINPUT;
	if (argc - optind != 1 || !keyfile)
		return cli_usage_error(usage, "checkpoint: expected STORE and --key KEYFILE");
	if (keyfile_load_signer(keyfile, &key))
		return EXIT_BADINPUT;
	if (cmd_store(cx, argv[optind], &s)) {
		ret = cli_exit_status(-1); /* 3 for a URI libpq cannot parse, else 5 */
		goto out;
	}
	if (store_begin(s))
		goto out;
	size = store_size(s);
	if (size < 0)
		goto out;
	if (size == 0) {
		error("%s: the store is empty: nothing to sign", s->path);
		goto out;
	}
	if (store_sign_head(s, &key, (uint64_t)size, NULL) || store_commit(s))
		goto out;
	printf("signed checkpoint of %s at size %" PRId64 "\n", s->origin, size);
	ret = EXIT_OK;
out:
	if (s)
		store_rollback(s);
	note_signer_release(&key);
	return ret;
}

const struct command cmd_checkpoint_entry = {
	.name = "checkpoint",
	.usage = "checkpoint STORE --key KEYFILE",
	.summary = "sign a checkpoint of the current head",
	.help = "Signs a checkpoint (C2SP tlog-checkpoint) of the store's current head and stores it.\n"
		"STORE may be a PostgreSQL URI (a writer role; under the append lock).\n",
	.flags = CMD_STORE | CMD_WRITE,
	.run = run_checkpoint,
};
