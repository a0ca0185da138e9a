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

static const char usage[] = "trailscope checkpoint STORE --key KEYFILE";

int cmd_checkpoint(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "key", required_argument, NULL, 'k' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct note_signer key = { 0 };
	const char *keyfile = NULL;
	struct store s;
	int64_t size;
	int c, ret = EXIT_IO;

	opterr = 0;
	while ((c = cli_getopt(argc, argv, "k:h", opts, "checkpoint", usage)) != -1) {
		switch (c) {
		case 'k': keyfile = optarg; break;
		case 'h': printf("usage: %s\nSigns a checkpoint (C2SP tlog-checkpoint) of the store's "
				 "current head and stores it.\n", usage);
			return EXIT_OK;
		default: return EXIT_USAGE; /* cli_getopt said why */
		}
	}
	if (argc - optind != 1 || !keyfile)
		return cli_usage_error(usage, "checkpoint: expected STORE and --key KEYFILE");
	if (keyfile_load_signer(keyfile, &key))
		return EXIT_BADINPUT;
	if (store_open(&s, argv[optind], 0))
		goto out_key;
	if (store_begin(&s))
		goto out;
	size = store_size(&s);
	if (size < 0)
		goto out;
	if (size == 0) {
		error("%s: the store is empty: nothing to sign", argv[optind]);
		goto out;
	}
	if (store_sign_head(&s, &key, (uint64_t)size, NULL) || store_commit(&s))
		goto out;
	printf("signed checkpoint of %s at size %" PRId64 "\n", s.origin, size);
	ret = EXIT_OK;
out:
	store_rollback(&s);
	store_close(&s);
out_key:
	note_signer_release(&key);
	return ret;
}
