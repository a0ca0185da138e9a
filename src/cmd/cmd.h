/*
 * cmd.h - the CLI subcommands. Each src/cmd/NAME.c defines one
 * `const struct command cmd_NAME_entry`: its name, its usage line, the
 * one-line summary `trailscope --help` lists, its --help text, what it
 * needs of a store (flags) and its run function. commands.c lists them
 * all in commands[]; main() looks the command (and its verb) up there,
 * and closes the store the command opened through cmd_store().
 */
#ifndef TRAILSCOPE_CMD_H
#define TRAILSCOPE_CMD_H

#include "trailscope/store.h"

enum command_flags {
	CMD_STORE = 1 << 0,     /* its first operand is a STORE it opens with cmd_store() */
	CMD_WRITE = 1 << 1,     /* opened read-write (else read-only, read-only media too) */
	CMD_CREATE = 1 << 2,    /* created when missing */
	CMD_BUILD_NEW = 1 << 3, /* a missing store is built privately and appears whole
				 * when the command succeeds (store_create_private) */
};

struct cmd_ctx;

struct command {
	const char *name;     /* the word after "trailscope" (or after the command, for a verb) */
	const char *usage;    /* after "trailscope ": the usage line(s), in --help and the list */
	const char *summary;  /* one line for `trailscope --help` */
	const char *help;     /* what --help prints after the usage line */
	unsigned flags;       /* enum command_flags */
	/* argv[0] is the command's (or verb's) name; returns an exit status
	 * (enum exit_status). NULL for a command made of verbs. */
	int (*run)(struct cmd_ctx *cx, int argc, char **argv);
	const struct command *const *verbs; /* NULL-terminated, or NULL */
};

/* What main hands a command: its entry, and the store cmd_store opened. */
struct cmd_ctx {
	const struct command *cmd;
	struct store store;   /* valid once cmd_store returned 0 */
	int have_store;       /* cmd_store opened it; cmd_finish closes it */
	int building;         /* CMD_BUILD_NEW: built privately, not published yet */
};

/* Every command, in the order `trailscope --help` lists them; NULL-terminated. */
extern const struct command *const commands[];

/* The command or verb named name in a NULL-terminated table, or NULL. */
const struct command *command_find(const struct command *const *table, const char *name);

/* Prints "usage: trailscope USAGE" and the command's help to stdout;
 * returns EXIT_OK. */
int cmd_help(const struct command *cmd);

/*
 * Opens the store at path as cx->cmd's flags say: read-only (read-only
 * media too) for a reader; read-write for CMD_WRITE, creating it when
 * missing with CMD_CREATE; with CMD_BUILD_NEW a missing store is built
 * privately. A PostgreSQL URI (pg_store.h) is opened read-only, or for
 * writing with CMD_WRITE (never created: init does that). Call at most once. Returns 0 and sets *out, or -1
 * (reported; the caller returns EXIT_IO).
 */
int cmd_store(struct cmd_ctx *cx, const char *path, struct store **out);

/*
 * Ends the command's use of the store: a store built privately is
 * published when ret is EXIT_OK (EXIT_IO if that fails) and discarded
 * otherwise; any other is closed. A no-op without a store, so a command
 * may call it early (import, to publish before reporting) and main calls
 * it after every command. Returns the final exit status.
 */
int cmd_finish(struct cmd_ctx *cx, int ret);

extern const struct command cmd_open_entry, cmd_init_entry, cmd_import_entry, cmd_verify_entry,
	cmd_keygen_entry, cmd_checkpoint_entry, cmd_query_entry, cmd_sql_entry, cmd_show_entry,
	cmd_gen_entry, cmd_incident_entry, cmd_incidents_entry, cmd_correlate_entry, cmd_history_entry,
	cmd_state_entry, cmd_export_entry, cmd_bundle_entry, cmd_case_entry,
	cmd_timestamp_entry, cmd_witness_entry, cmd_attest_entry, cmd_watch_entry, cmd_copy_entry;

#endif
