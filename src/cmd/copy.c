/*
 * copy.c - "trailscope copy SRC DST": copies a store between backends
 * (a SQLite file or a PostgreSQL URI on either side; store_copy.h). A
 * SQLite DST must not exist (it is built privately and appears whole); a
 * PostgreSQL DST must be an empty store (trailscope init URI).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "cmd.h"
#include "trailscope/pg_store.h"
#include "trailscope/store_copy.h"
#include "trailscope/textout.h"
#include "trailscope/util.h"

/* Opens the destination: an empty PostgreSQL store for writing, or a new
 * SQLite file built privately (*building set). */
static int open_dst(struct store *dst, const char *path, int *building)
{
	*building = 0;
	if (pg_is_uri(path))
		return store_open(dst, path, 0);
	if (access(path, F_OK) == 0 || errno != ENOENT) {
		struct buf safe = BUF_INIT;

		buf_add_term_safe(&safe, path, strlen(path));
		error("'%s' already exists: copy writes a new SQLite store", safe.buf);
		buf_release(&safe);
		return -1;
	}
	if (store_create_private(dst, path))
		return -1;
	*building = 1;
	return 0;
}

static int run_copy(struct cmd_ctx *cx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *usage = cx->cmd->usage;
	struct store src, dst;
	struct copy_stats st;
	int c, quiet = 0, building = 0, rc;
	char n1[32], n2[32];

	while ((c = cli_getopt(argc, argv, "qh", opts, "copy", usage)) != -1) {
		switch (c) {
		case 'q': quiet = 1; break;
		default: return cli_common_option(cx, c); /* --help, or cli_getopt said why */
		}
	}
	if (argc - optind != 2)
		return cli_usage_error(usage, "copy: expected SRC and DST");
	if (store_open(&src, argv[optind], STORE_READONLY))
		return cli_exit_status(-1);
	if (open_dst(&dst, argv[optind + 1], &building)) {
		store_close(&src);
		return cli_exit_status(-1);
	}
	rc = store_copy(&src, &dst, &st);
	if (building) {
		if (rc)
			store_discard(&dst);
		else
			rc = store_publish(&dst);
	}
	if (!rc && !quiet) {
		printf("copied %s entries and %s checkpoint%s from ", text_thousands(st.entries, n1),
		       text_thousands(st.checkpoints, n2), st.checkpoints == 1 ? "" : "s");
		cli_put_safe(stdout, src.path);
		printf(" to ");
		if (building) {
			cli_put_safe(stdout, argv[optind + 1]);
		} else {
			cli_put_safe(stdout, dst.path);
		}
		printf("\n");
	}
	if (!building)
		store_close(&dst);
	store_close(&src);
	return cli_exit_status(rc);
}

const struct command cmd_copy_entry = {
	.name = "copy",
	.usage = "copy SRC DST [--quiet]",
	.summary = "copy a store between SQLite and PostgreSQL, row for row",
	.help = "Copies every row of the store SRC into DST: entries, changes, entry text,\n"
		"cached Merkle nodes, checkpoints, time-stamps, cosignatures and incidents,\n"
		"byte for byte (the free-text index is rebuilt from the leaves), so both have\n"
		"the same leaves, roots and checkpoints and verify gives the same verdict on\n"
		"both. Either may be a SQLite file or a PostgreSQL URI (postgresql://...). A\n"
		"SQLite DST must not exist: it is built beside its path and appears whole at the\n"
		"end. A PostgreSQL DST must be an empty store (trailscope init URI) and the role\n"
		"a writer; the copy is one transaction under the append lock. SRC is read in one\n"
		"read-only snapshot. A copy to SQLite is how the commands that do not read\n"
		"PostgreSQL stores yet reach one (docs/STORE.md).\n",
	.flags = 0 /* opens both stores itself */,
	.run = run_copy,
};
