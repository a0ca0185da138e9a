/*
 * cli.h - helpers shared by the CLI subcommands: output formats, opening
 * a store with a clear error, printing data safely to a terminal.
 */
#ifndef TRAILSCOPE_CLI_H
#define TRAILSCOPE_CLI_H

#include <stdio.h>
#include "trailscope/buf.h"
#include "trailscope/store.h"

enum out_format { FMT_TEXT, FMT_TABLE, FMT_JSON, FMT_JSONL, FMT_CSV };

/* Parses --format's value against the allowed mask (1 << FMT_x). Prints
 * an error naming the command and returns -1 on a bad value. */
int cli_parse_format(const char *cmd, const char *value, unsigned allowed, enum out_format *out);

/* Prints "trailscope CMD: MSG" and the usage line; returns EXIT_USAGE. */
int cli_usage_error(const char *usage, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Writes s to f with terminal-unsafe characters escaped. */
void cli_put_safe(FILE *f, const char *s);
/* Appends a CSV field (RFC 4180 quoting) with terminal-unsafe characters
 * escaped; formula-leading characters (= + - @) are prefixed with '. */
void cli_csv_field(struct buf *out, const char *s, size_t len);
/* Formats n with thousands separators ("1,204,332"). */
const char *cli_thousands(unsigned long long n, char out[32]);

#endif
