/*
 * commands.c - the table of subcommands (cmd.h), and what they share:
 * help printed from each command's own strings, and the store opened the
 * way the command's flags say, then closed (or published) in one place.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "trailscope/pg_store.h"
#include "trailscope/util.h"
#include "cmd.h"

const struct command *const commands[] = {
	&cmd_open_entry,
	&cmd_init_entry,
	&cmd_import_entry,
	&cmd_copy_entry,
	&cmd_verify_entry,
	&cmd_keygen_entry,
	&cmd_checkpoint_entry,
	&cmd_timestamp_entry,
	&cmd_witness_entry,
	&cmd_query_entry,
	&cmd_sql_entry,
	&cmd_show_entry,
	&cmd_gen_entry,
	&cmd_incident_entry,
	&cmd_incidents_entry,
	&cmd_correlate_entry,
	&cmd_history_entry,
	&cmd_state_entry,
	&cmd_export_entry,
	&cmd_bundle_entry,
	&cmd_case_entry,
	&cmd_attest_entry,
	&cmd_watch_entry,
	NULL,
};

const struct command *command_find(const struct command *const *table, const char *name)
{
	for (; table && *table; table++)
		if (!strcmp((*table)->name, name))
			return *table;
	return NULL;
}

int cmd_help(const struct command *cmd)
{
	printf("usage: trailscope %s\n%s", cmd->usage, cmd->help);
	return EXIT_OK;
}

int cmd_store(struct cmd_ctx *cx, const char *path, struct store **out)
{
	unsigned flags = cx->cmd->flags;
	int rc;

	if (cx->have_store)
		die("cmd_store called twice");
	if (pg_is_uri(path)) {
		rc = store_open(&cx->store, path, flags & CMD_WRITE ? 0 : STORE_READONLY);
	} else if ((flags & CMD_BUILD_NEW) && access(path, F_OK) != 0 && errno == ENOENT) {
		rc = store_create_private(&cx->store, path);
		cx->building = !rc;
	} else if (flags & CMD_WRITE) {
		rc = store_open(&cx->store, path, flags & (CMD_CREATE | CMD_BUILD_NEW) ? STORE_CREATE : 0);
	} else {
		rc = store_open(&cx->store, path, STORE_READONLY);
	}
	if (rc)
		return -1;
	cx->have_store = 1;
	*out = &cx->store;
	return 0;
}

int cmd_finish(struct cmd_ctx *cx, int ret)
{
	if (!cx->have_store)
		return ret;
	cx->have_store = 0;
	if (!cx->building) {
		store_close(&cx->store);
		return ret;
	}
	cx->building = 0;
	if (ret != EXIT_OK)
		store_discard(&cx->store);
	else if (store_publish(&cx->store))
		ret = EXIT_IO;
	return ret;
}
