/*
 * cmd.h - the CLI subcommands. Each cmd_NAME(argc, argv) gets argv[0] ==
 * "NAME", parses its own options (getopt_long), and returns an exit status
 * from enum exit_status. main() dispatches through the table in main.c.
 */
#ifndef TRAILSCOPE_CMD_H
#define TRAILSCOPE_CMD_H

int cmd_init(int argc, char **argv);
int cmd_import(int argc, char **argv);
int cmd_verify(int argc, char **argv);
int cmd_keygen(int argc, char **argv);
int cmd_checkpoint(int argc, char **argv);
int cmd_show(int argc, char **argv);
int cmd_query(int argc, char **argv);
int cmd_sql(int argc, char **argv);
int cmd_gen(int argc, char **argv);
int cmd_open(int argc, char **argv);
int cmd_incident(int argc, char **argv);
int cmd_correlate(int argc, char **argv);
int cmd_history(int argc, char **argv);
int cmd_state(int argc, char **argv);
int cmd_export(int argc, char **argv);
int cmd_bundle(int argc, char **argv);
int cmd_case(int argc, char **argv);

#endif
