/*
 * cli.h - helpers shared by the CLI subcommands: option parsing with one
 * error report, output formats, "did you mean", indented JSON with whole
 * numbers as integers, printing data safely to a terminal.
 */
#ifndef TRAILSCOPE_CLI_H
#define TRAILSCOPE_CLI_H

#include <stdio.h>
#include <jansson.h>
#include "trailscope/buf.h"
#include "trailscope/store.h"
#include "trailscope/verify.h"

enum out_format { FMT_TEXT, FMT_TABLE, FMT_JSON, FMT_JSONL, FMT_CSV };

/* Parses --format's value against the allowed mask (1 << FMT_x). Reports
 * "CMD: unknown format 'X' (use ...)" (class ERR_USAGE) and returns -1 on
 * a bad value. */
int cli_parse_format(const char *cmd, const char *value, unsigned allowed, enum out_format *out);

/* The exit status of a core call's result (README's exit-status table):
 * EXIT_OK for rc >= 0; for -1 the status of the class the failure left
 * (error_class(), diag.h): ERR_USAGE 3, ERR_INPUT 4, ERR_IO 5,
 * ERR_FAILED 1, ERR_UNVERIFIABLE 2 (nothing a trusted key signed anchors
 * what was asked), anything unclassified EXIT_INTERNAL. The one place the
 * CLI turns error classes into exit statuses. */
int cli_exit_status(int rc);

/* The exit status of a verdict: VERIFIED 0, FAILED 1, anything else
 * (UNVERIFIABLE, none) 2. The one place a verdict becomes a status. */
int cli_verdict_status(enum verdict v);

/* Reports MSG as an error of class ERR_USAGE ("trailscope: error: MSG")
 * and prints "usage: trailscope USAGE" (usage as in struct command,
 * without the program name); returns EXIT_USAGE. */
int cli_usage_error(const char *usage, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

struct cmd_ctx;
/* The answer to an option cli_getopt returned that the command's own
 * switch does not take: 'h' (--help) prints the command's help and gives
 * EXIT_OK; anything else cli_getopt has reported already: EXIT_USAGE.
 * Every command ends its option switch with
 * "default: return cli_common_option(cx, c);". */
int cli_common_option(const struct cmd_ctx *cx, int c);

struct trust;
/* Adds the verifier key of a --trust PUBFILE (trust_add_file; pin records
 * it in trusted.keys). Returns EXIT_OK, or EXIT_BADINPUT (reported). */
int cli_trust_option(struct trust *t, const char *pubfile, int pin);

/*
 * The anchor trust options of verify and bundle verify: --tsa-ca CA.pem,
 * --witness W.pub (repeatable) and --quorum N. A command lists
 * CLI_ANCHOR_LONGOPTS in its options and CLI_ANCHOR_SHORTOPTS in its
 * optstring, passes 'c', 'w' and 'q' to cli_anchor_option, calls
 * cli_anchor_finish after the options, and gives .ao to the core.
 * cli_anchor_opts_release frees it (also after a failure).
 */
struct cli_anchor_opts {
	const char **tsa_ca;       /* the --tsa-ca values (argv's, not owned) */
	size_t ntsa_ca, tsa_ca_alloc;
	struct note_verifier *witnesses; /* the --witness keys, owned */
	size_t nwitnesses, witnesses_alloc;
	int64_t quorum;            /* 0: every witness given */
	struct anchor_options ao;  /* set by cli_anchor_finish; borrows from above */
};
#define CLI_ANCHOR_OPTS_INIT { NULL, 0, 0, NULL, 0, 0, 0, { NULL, 0, NULL, 0, 0 } }
#define CLI_ANCHOR_SHORTOPTS "c:w:q:"
#define CLI_ANCHOR_LONGOPTS \
	{ "tsa-ca", required_argument, NULL, 'c' }, \
	{ "witness", required_argument, NULL, 'w' }, \
	{ "quorum", required_argument, NULL, 'q' }

/* Takes option c ('c', 'w' or 'q') with its value. Returns EXIT_OK;
 * EXIT_BADINPUT for a --witness file that is not a witness key
 * (reported); EXIT_USAGE for a --quorum that is not a number from 1 to
 * 1000 ("CMD: --quorum needs a number from 1 (got 'X')" and the usage). */
int cli_anchor_option(struct cli_anchor_opts *a, int c, const char *value, const char *cmd, const char *usage);

/* After the options: EXIT_USAGE when --quorum is more than the witnesses
 * given; EXIT_BADINPUT when a --tsa-ca file holds no certificate (both
 * reported); else EXIT_OK with a->ao ready. */
int cli_anchor_finish(struct cli_anchor_opts *a, const char *cmd, const char *usage);
void cli_anchor_opts_release(struct cli_anchor_opts *a);

/* The cosigners of a checkpoint as verify --format json and bundle verify
 * --format json list them: [{name, key_id (8 hex digits), time, status}]
 * (a new reference). */
json_t *cli_cosigners_json(const struct verify_cosigner *w, size_t n);
/* One text line of an anchor after lead: "LEADTIME by TSA: STATUS" for a
 * time-stamp token (time and tsa "" when unreadable), "LEADNAME+KEYID at
 * TIME: STATUS" for a cosignature. Data is printed terminal-safe. */
void cli_timestamp_line(const char *lead, const char *time, const char *tsa, enum anchor_status status,
			enum fault_kind fault);
void cli_cosigner_line(const char *lead, const struct verify_cosigner *w);

struct incident;
/* Loads the incident named id (incident_load). Returns EXIT_OK; EXIT_BADINPUT
 * after "trailscope: error: no incident 'ID' in the store (trailscope
 * incident import STORE FILE)"; or EXIT_IO (reported). */
int cli_incident_load(struct store *s, const char *id, struct incident *in);

struct option;
/*
 * getopt_long for every subcommand, with one error report. Options and
 * operands come in any order (GNU argument permutation; "--" ends the
 * options, so an operand starting with '-', like the query "-actor:x",
 * goes after it). optstring is written without a leading ':' or '+'.
 * Returns the next option's value, -1 when the options are over (the
 * operands are then argv[optind..argc-1]), or '?' after reporting
 * "CMD: option --trust needs a value" or "CMD: unknown option '--bogus'"
 * (cli_usage_error) and the usage line: the caller then returns
 * EXIT_USAGE. main sets optind to 0 (a fresh start) before each command.
 */
int cli_getopt(int argc, char **argv, const char *optstring, const struct option *opts,
	       const char *cmd, const char *usage);

/* A signer key option's file (--key, --sign): when it is a verifier key
 * (a .pub), says so first ("--key wants the private key; X is a public
 * key: use --trust") and returns -1; else 0 (other faults are left to
 * keyfile_load_signer). */
int cli_signer_key_check(const char *opt, const char *path);

/* The Damerau-Levenshtein distance (optimal string alignment: insert,
 * delete, substitute or swap two neighbours, each costing 1) of a and b;
 * words over 64 bytes get the longer length. For "did you mean"; the core
 * has it as str_edit_distance (util.h). */
size_t cli_edit_distance(const char *a, const char *b);

/*
 * Prints v and a newline to f as indented JSON (2 spaces, members in
 * their insertion order, ASCII only with control characters and DEL
 * escaped: the layout of jansson's JSON_INDENT(2) | JSON_ENSURE_ASCII),
 * with every number in its shortest ECMAScript form
 * (jcs_format_number). Event values are decoded as doubles, which
 * json_dumpf would print as 54.0; here a whole number prints as 54.
 */
void cli_json_print(FILE *f, const json_t *v);

/* Writes s to f with terminal-unsafe characters escaped. */
void cli_put_safe(FILE *f, const char *s);

#endif
