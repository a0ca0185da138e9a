/*
 * init.c - "trailscope init STORE [--origin NAME] [--writer ROLE]...
 * [--reader ROLE]...": creates an empty store; on PostgreSQL (a URI) the
 * schema, and the grants of the writer and reader roles.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "cli.h"
#include "cmd.h"
#include "trailscope/note.h"
#include "trailscope/pg_store.h"
#include "trailscope/util.h"

static int run_init(struct cmd_ctx *cx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "origin", required_argument, NULL, 'o' },
		{ "writer", required_argument, NULL, 'w' },
		{ "reader", required_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *usage = cx->cmd->usage, *origin = NULL;
	struct store *s;
	struct stat st;
	char **writers = xcalloc((size_t)argc, sizeof(char *)), **readers = xcalloc((size_t)argc, sizeof(char *));
	size_t nw = 0, nr = 0;
	int c, ret;

	while ((c = cli_getopt(argc, argv, "o:w:r:h", opts, "init", usage)) != -1) {
		switch (c) {
		case 'o': origin = optarg; break;
		case 'w': writers[nw++] = optarg; break;
		case 'r': readers[nr++] = optarg; break;
		default: ret = cli_common_option(cx, c); goto out; /* --help, or cli_getopt said why */
		}
	}
	if (argc - optind != 1) {
		ret = cli_usage_error(usage, "init: expected one STORE");
		goto out;
	}
	if (origin && !note_name_valid(origin)) {
		ret = cli_usage_error(usage, "init: bad origin '%s' (no spaces or '+')", origin);
		goto out;
	}
	if (pg_is_uri(argv[optind])) {
		struct buf shown = BUF_INIT;

		ret = cli_exit_status(pg_store_init(argv[optind], origin, writers, nw, readers, nr));
		pg_uri_display(argv[optind], &shown);
		if (ret == EXIT_OK) {
			printf("created ");
			cli_put_safe(stdout, shown.buf);
			printf("\n");
		}
		buf_release(&shown);
		goto out;
	}
	if (nw || nr) {
		ret = cli_usage_error(usage, "init: --writer and --reader grant roles of a PostgreSQL store "
				      "(STORE a postgresql:// URI)");
		goto out;
	}
	ret = EXIT_IO;
	if (stat(argv[optind], &st) == 0) {
		error("'%s' already exists", argv[optind]);
		goto out;
	}
	if (cmd_store(cx, argv[optind], &s) || (origin && store_set_origin(s, origin)))
		goto out;
	printf("created %s\n", argv[optind]);
	ret = EXIT_OK;
out:
	free(writers);
	free(readers);
	return ret;
}

const struct command cmd_init_entry = {
	.name = "init",
	.usage = "init STORE [--origin NAME] [--writer ROLE]... [--reader ROLE]...",
	.summary = "create an empty store (a SQLite file, or on PostgreSQL)",
	.help = "Creates an empty store. The origin names the log in its checkpoints; without --origin the "
		"first signing key's name is used.\n"
		"STORE may be a PostgreSQL URI (postgresql://[USER@]HOST/DB or\n"
		"postgresql:///DB?host=/socket/dir): run as the role that is to own the store, init\n"
		"creates its schema (sql/pg_schema.sql) in the database, which must hold no store\n"
		"yet, and grants each --writer ROLE INSERT on the log (no UPDATE, DELETE or\n"
		"TRUNCATE) and each --reader ROLE SELECT only; the roles must exist. Passwords come\n"
		"from libpq (PGPASSWORD, ~/.pgpass, PGPASSFILE), never printed. docs/STORE.md.\n",
	.flags = CMD_STORE | CMD_WRITE | CMD_CREATE,
	.run = run_init,
};
