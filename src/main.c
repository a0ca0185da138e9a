/*
 * main.c - the trailscope command: dispatches to one subcommand from the
 * table below. "trailscope STORE" opens the TUI, like "trailscope open".
 */
#include <stdio.h>
#include <string.h>

#include "trailscope/cmd.h"
#include "trailscope/cli.h"
#include "trailscope/util.h"

static const struct command {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *usage;
	const char *help;
} commands[] = {
	{ "open", cmd_open, "open STORE [--trust PUB]... [--theme NAME]", "browse a store in the terminal UI" },
	{ "init", cmd_init, "init STORE [--origin NAME]", "create an empty store" },
	{ "import", cmd_import, "import STORE FILE... [--sign KEY] [--skip-invalid]",
	  "append events from JSON lines (- for stdin)" },
	{ "verify", cmd_verify, "verify STORE [--trust PUB]... [--format text|json] [--deep]",
	  "check every entry, checkpoint and signature" },
	{ "keygen", cmd_keygen, "keygen NAME --out DIR", "create an Ed25519 signer/verifier key pair" },
	{ "checkpoint", cmd_checkpoint, "checkpoint STORE --key KEY", "sign a checkpoint of the current head" },
	{ "show", cmd_show, "show STORE SEQ|EVENT_ID [--format text|json]",
	  "one event: metadata and per-field changes" },
	{ "gen", cmd_gen, "gen [--events N] [--seed S] [--incidents FILE]",
	  "generate realistic test events (JSON lines)" },
};

static void usage(FILE *f)
{
	fprintf(f, "usage: trailscope STORE              open STORE in the terminal UI\n"
		   "       trailscope COMMAND [ARGS]\n\ncommands:\n");
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
		fprintf(f, "  %-56s %s\n", commands[i].usage, commands[i].help);
	fprintf(f, "\n'trailscope COMMAND --help' describes one command. Exit status: 0 ok or verified,\n"
		   "1 verification failed, 2 unverifiable (no trusted key), 3 usage, 4 bad input,\n"
		   "5 I/O or store error, 6 internal error.\n");
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return EXIT_OK;
	}
	if (!strcmp(argv[1], "--version")) {
		printf("trailscope %s\n", TRAILSCOPE_VERSION);
		return EXIT_OK;
	}
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].fn(argc - 1, argv + 1);
	if (argv[1][0] != '-' && (strchr(argv[1], '.') || strchr(argv[1], '/'))) {
		argv[0] = (char *)"open";
		return cmd_open(argc, argv);
	}
	fputs("trailscope: unknown command '", stderr);
	cli_put_safe(stderr, argv[1]);
	fputs("'\n\n", stderr);
	usage(stderr);
	return EXIT_USAGE;
}
