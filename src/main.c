/*
 * main.c - the trailscope command: dispatches to one subcommand from the
 * table below. "trailscope STORE" opens the TUI, like "trailscope open".
 */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "trailscope/json_arena.h"
#include "trailscope/util.h"
#include "trailscope/version.h"
#include "cmd/cli.h"
#include "cmd/cmd.h"

static const struct command {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *usage;
	const char *help;
} commands[] = {
	{ "open", cmd_open, "open STORE [--trust PUB]... [--theme NAME]", "browse a store in the terminal UI" },
	{ "init", cmd_init, "init STORE [--origin NAME]", "create an empty store" },
	{ "import", cmd_import, "import STORE FILE... [--format F] [--sign KEY] [--skip-invalid]",
	  "append events (JSON lines, k8s, CloudTrail, LaunchDarkly, Unleash, --map)" },
	{ "verify", cmd_verify, "verify STORE [--trust PUB]... [--format text|json] [--deep]",
	  "check every entry, checkpoint and signature" },
	{ "keygen", cmd_keygen, "keygen NAME --out DIR", "create an Ed25519 signer/verifier key pair" },
	{ "checkpoint", cmd_checkpoint, "checkpoint STORE --key KEY", "sign a checkpoint of the current head" },
	{ "query", cmd_query, "query STORE QUERY [--format table|json|jsonl|csv] [--limit N] [--count]",
	  "events matching a query (docs/QUERY.md)" },
	{ "sql", cmd_sql, "sql STORE 'SELECT ...' [--format table|json|jsonl|csv]",
	  "read-only SQL over the events and changes views" },
	{ "show", cmd_show, "show STORE SEQ|EVENT_ID [--format text|json]",
	  "one event: metadata and per-field changes" },
	{ "gen", cmd_gen, "gen [--events N] [--seed S] [--incidents FILE]",
	  "generate realistic test events (JSON lines)" },
	{ "incident", cmd_incident, "incident import|list|show STORE ...", "incidents kept beside the events" },
	{ "incidents", cmd_incident, "incidents STORE [--format table|json|jsonl|csv]", "list incidents" },
	{ "correlate", cmd_correlate, "correlate STORE INCIDENT_ID [--lookback 2h] [--format text|json]",
	  "rank the changes that could have caused an incident" },
	{ "history", cmd_history, "history STORE TARGET [--env ENV] [--format table|json|jsonl|csv]",
	  "every change to one target" },
	{ "state", cmd_state, "state STORE TARGET --at TIME [--env ENV] [--diff TIME2]",
	  "a target's state rebuilt at a time, or between two" },
	{ "export", cmd_export, "export STORE --out DIR (--events|--incident|--query|--marked) --case ID --examiner NAME",
	  "write an evidence bundle (BagIt, proofs, custody)" },
	{ "bundle", cmd_bundle, "bundle verify|custody DIR ...", "verify a bundle offline; add to its chain of custody" },
	{ "case", cmd_case, "case STORE mark|unmark|note|notes|list ...", "the investigator's marks and notes" },
};

static void usage(FILE *f)
{
	fprintf(f, "usage: trailscope STORE              open STORE in the terminal UI\n"
		   "       trailscope COMMAND [ARGS]\n\ncommands:\n");
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
		fprintf(f, "  %s\n      %s\n", commands[i].usage, commands[i].help);
	fprintf(f, "\nAfter the command (and the verb of incident, bundle), options and operands\n"
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

	for (size_t i = 0; i < ARRAY_SIZE(commands); i++) {
		size_t d = cli_edit_distance(word, commands[i].name);

		if (d < best) {
			best = d;
			at = i;
		}
	}
	fputs("trailscope: unknown command '", stderr);
	cli_put_safe(stderr, word);
	if (best <= 2)
		fprintf(stderr, "'; did you mean '%s'?\n", commands[at].name);
	else
		fputs("'\n", stderr);
	fputs("'trailscope --help' lists the commands.\n", stderr);
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
		fputs("trailscope: '", stderr);
		cli_put_safe(stderr, path);
		fputs("' is a directory, not a store (for a bundle: trailscope bundle verify DIR)\n", stderr);
		return 0;
	}
	if (!(f = fopen(path, "rb")))
		return 1;
	n = fread(head, 1, sizeof(head), f);
	fclose(f);
	if (n == sizeof(head) && !memcmp(head, magic, sizeof(magic)))
		return 1;
	fputs("trailscope: '", stderr);
	cli_put_safe(stderr, path);
	fputs("' is not a trailscope store (not an SQLite database)\n"
	      "to import its events into a store: trailscope import STORE ", stderr);
	cli_put_safe(stderr, path);
	fputs("\n", stderr);
	return 0;
}

int main(int argc, char **argv)
{
	json_arena_install(); /* before any JSON value exists */
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
	if (argv[1][0] == '-') {
		fputs("trailscope: unknown option '", stderr);
		cli_put_safe(stderr, argv[1]);
		fputs("' (options go after the command: trailscope COMMAND [OPTIONS])\n"
		      "'trailscope --help' lists the commands.\n", stderr);
		return EXIT_USAGE;
	}
	if (!access(argv[1], F_OK)) {
		if (!looks_like_store(argv[1]))
			return EXIT_USAGE;
	} else if (!strchr(argv[1], '.') && !strchr(argv[1], '/')) {
		return unknown_command(argv[1]);
	}
	argv[0] = (char *)"open";
	return cmd_open(argc, argv);
}
