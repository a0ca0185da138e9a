/*
 * init.c - "trailscope init STORE [--origin NAME]": creates an empty store.
 */
#include <getopt.h>
#include <stdio.h>
#include <sys/stat.h>

#include "cli.h"
#include "cmd.h"
#include "trailscope/note.h"
#include "trailscope/util.h"

static int run_init(struct cmd_ctx *cx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "origin", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *usage = cx->cmd->usage, *origin = NULL;
	struct store *s;
	struct stat st;
	int c;

	while ((c = cli_getopt(argc, argv, "o:h", opts, "init", usage)) != -1) {
		switch (c) {
		case 'o': origin = optarg; break;
		default: return cli_common_option(cx, c); /* --help, or cli_getopt said why */
		}
	}
	if (argc - optind != 1)
		return cli_usage_error(usage, "init: expected one STORE");
	if (origin && !note_name_valid(origin))
		return cli_usage_error(usage, "init: bad origin '%s' (no spaces or '+')", origin);
	if (stat(argv[optind], &st) == 0) {
		error("'%s' already exists", argv[optind]);
		return EXIT_IO;
	}
	if (cmd_store(cx, argv[optind], &s) || (origin && store_set_origin(s, origin)))
		return EXIT_IO;
	printf("created %s\n", argv[optind]);
	return EXIT_OK;
}

const struct command cmd_init_entry = {
	.name = "init",
	.usage = "init STORE [--origin NAME]",
	.summary = "create an empty store",
	.help = "Creates an empty store. The origin names the log in its checkpoints; without --origin the "
		"first signing key's name is used.\n",
	.flags = CMD_STORE | CMD_WRITE | CMD_CREATE,
	.run = run_init,
};
