/*
 * keys.c - the tables generated from keys.h: the key map, the help text
 * of every request, and the lookup the main loop dispatches with.
 */
#include "trailscope/util.h"
#include "keys.h"

#define KEY_ROW(scope, key, name, req) { SCOPE_##scope, key, name, REQ_##req },
const struct keybinding keymap[] = { KEYMAP(KEY_ROW) };
#undef KEY_ROW
const size_t keymap_size = ARRAY_SIZE(keymap);

#define REQ_HELP(name, help) help,
const char *const request_help[] = { REQ_INFO(REQ_HELP) };
#undef REQ_HELP

const char *const scope_names[] = {
	"Everywhere", "Timeline", "Event", "History", "Verify", "Incidents", "Correlation",
	"Marks", "SQL result", "Export dialog",
};

enum request key_to_request(enum key_scope scope, int key)
{
	for (size_t i = 0; i < keymap_size; i++)
		if (keymap[i].scope == scope && keymap[i].key == key)
			return keymap[i].req;
	for (size_t i = 0; i < keymap_size; i++)
		if (keymap[i].scope == SCOPE_GLOBAL && keymap[i].key == key)
			return keymap[i].req;
	return REQ_NONE;
}
