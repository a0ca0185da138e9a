/*
 * main.c - the trailscope command: looks the subcommand (and its verb) up
 * in the table of cmd/commands.c, runs it, and closes the store it opened.
 * "trailscope STORE" opens the TUI, like "trailscope open".
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "trailscope/json_arena.h"
#include "trailscope/store.h"
#include "trailscope/util.h"
#include "trailscope/version.h"
#include "cmd/cli.h"
#include "cmd/cmd.h"

/* One entry of the list: its usage (the lines after the first indented
 * under the command name) and its summary. */
static void list_entry(FILE *f, const struct command *cmd)
{
	fputs("  ", f);
	for (const char *p = cmd->usage; *p; p++) {
		fputc(*p, f);
		if (*p == '\n') {
			fputs("      ", f);
			while (p[1] == ' ')
				p++;
		}
	}
	fprintf(f, "\n      %s\n", cmd->summary);
}

static void usage(FILE *f)
{
	fprintf(f, "usage: trailscope STORE              open STORE in the terminal UI\n"
		   "       trailscope COMMAND [ARGS]\n\ncommands:\n");
	for (size_t i = 0; commands[i]; i++) {
		if (!commands[i]->verbs || commands[i]->run)
			list_entry(f, commands[i]);
		for (size_t k = 0; commands[i]->verbs && commands[i]->verbs[k]; k++)
			list_entry(f, commands[i]->verbs[k]);
	}
	fprintf(f, "\nAfter the command (and the verb of incident, bundle, attest), options and operands\n"
		   "come in any order. An option's value is the next word. '--' ends the options;\n"
		   "an operand starting with '-' goes after it: trailscope query STORE -- -actor:x\n");
	fprintf(f, "\n'trailscope COMMAND --help' describes one command. Exit status: 0 ok or verified,\n"
		   "1 verification failed, 2 unverifiable (no trusted key), 3 usage, 4 bad input,\n"
		   "5 I/O or store error, 6 internal error.\n");
}

/* "trailscope WORD" with WORD neither a command nor a file: names the
 * nearest command when one is at most 2 edits away. Returns EXIT_USAGE. */
static int unknown_command(const char *word)
{
	size_t best = 3, at = 0;

	for (size_t i = 0; commands[i]; i++) {
		size_t d = cli_edit_distance(word, commands[i]->name);

		if (d < best) {
			best = d;
			at = i;
		}
	}
	if (best <= 2)
		error_as(ERR_USAGE, "unknown command '%s'; did you mean '%s'?", word, commands[at]->name);
	else
		error_as(ERR_USAGE, "unknown command '%s'", word);
	diag_hint("'trailscope --help' lists the commands.");
	return EXIT_USAGE;
}

/*
 * "trailscope FILE" opens FILE in the TUI only if it can be a store: a
 * store is an SQLite database, which starts with the 16 bytes "SQLite
 * format 3\0". A JSON lines file or a directory gets a hint instead.
 * Returns 1 for a possible store, 0 after printing why not (unreadable
 * files are left to the store's own error).
 */
static int looks_like_store(const char *path)
{
	static const char magic[16] = "SQLite format 3";
	char head[16];
	struct stat st;
	size_t n;
	FILE *f;

	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
		error_as(ERR_USAGE, "'%s' is a directory, not a store (for a bundle: trailscope bundle verify DIR)",
			 path);
		return 0;
	}
	if (!(f = fopen(path, "rb")))
		return 1;
	n = fread(head, 1, sizeof(head), f);
	fclose(f);
	if (n == sizeof(head) && !memcmp(head, magic, sizeof(magic)))
		return 1;
	error_as(ERR_USAGE, "'%s' is not a trailscope store (not an SQLite database)", path);
	diag_hint("to import its events into a store: trailscope import STORE %s", path);
	return 0;
}

/*
 * Runs cmd, or for a command made of verbs the verb named by argv[1]: the
 * command's own --help lists its verbs' usages. The store the command
 * opened through cmd_store is closed (or published) here.
 */
static int run_command(const struct command *cmd, int argc, char **argv)
{
	struct cmd_ctx cx = { .cmd = cmd };
	int ret;

	if (cmd->verbs) {
		const struct command *verb = argc > 1 ? command_find(cmd->verbs, argv[1]) : NULL;
		struct buf names = BUF_INIT;

		if (verb)
			return run_command(verb, argc - 1, argv + 1);
		if (cmd->run)
			goto run; /* a command that also has verbs (attest, attest verify) */
		if (argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
			printf("usage: trailscope %s", cmd->verbs[0]->usage);
			for (size_t k = 1; cmd->verbs[k]; k++)
				printf("\n       trailscope %s", cmd->verbs[k]->usage);
			printf("\n%s", cmd->help);
			return EXIT_OK;
		}
		for (size_t k = 0; cmd->verbs[k]; k++)
			buf_addf(&names, "%s%s", k ? ", " : "", cmd->verbs[k]->name);
		if (argc < 2)
			ret = cli_usage_error(cmd->usage, "%s: expected a subcommand (%s)", cmd->name, names.buf);
		else
			ret = cli_usage_error(cmd->usage, "%s: unknown subcommand '%s' (%s)", cmd->name, argv[1],
					      names.buf);
		buf_release(&names);
		return ret;
	}
run:
	optind = 0; /* getopt_long starts afresh for each command */
	ret = cmd->run(&cx, argc, argv);
	return cmd_finish(&cx, ret);
}

int main(int argc, char **argv)
{
	const struct command *cmd;

	json_arena_install(); /* before any JSON value exists */
	store_library_init(); /* before SQLite's first use */
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
	if ((cmd = command_find(commands, argv[1])))
		return run_command(cmd, argc - 1, argv + 1);
	if (argv[1][0] == '-') {
		error_as(ERR_USAGE, "unknown option '%s' (options go after the command: trailscope COMMAND [OPTIONS])",
			 argv[1]);
		diag_hint("'trailscope --help' lists the commands.");
		return EXIT_USAGE;
	}
	if (!access(argv[1], F_OK)) {
		if (!looks_like_store(argv[1]))
			return EXIT_USAGE;
	} else if (!strchr(argv[1], '.') && !strchr(argv[1], '/')) {
		return unknown_command(argv[1]);
	}
	argv[0] = (char *)"open";
	return run_command(&cmd_open_entry, argc, argv);
}
