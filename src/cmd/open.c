/*
 * open.c - "trailscope open STORE [--trust PUBFILE]... [--theme NAME]
 * [--oldest-first] [--case FILE] [--policy FILE]" (also "trailscope STORE"): parses the options, loads
 * the trust state like `trailscope verify`, and runs the terminal UI on
 * the store opened read-only. The command layer enters the TUI here, through
 * tui_run (src/tui/tui.h) and nothing else.
 */
#include <getopt.h>
#include <locale.h>
#include <stdio.h>

#include "../cmd/cli.h"
#include "../cmd/cmd.h"
#include "trailscope/keys.h"
#include "trailscope/policy.h"
#include "trailscope/util.h"
#include "../tui/tui.h"

static int run_open(struct cmd_ctx *cx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "trust", required_argument, NULL, 't' },
		{ "theme", required_argument, NULL, 'T' },
		{ "oldest-first", no_argument, NULL, 'o' },
		{ "case", required_argument, NULL, 'c' },
		{ "policy", required_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *usage = cx->cmd->usage;
	usec_t started = time_now();
	const char *theme = NULL, *case_path = NULL, *policy_path = NULL;
	int c, newest_first = 1, ret, have_policy = 0;
	struct policy policy;
	struct trust t;

	setlocale(LC_ALL, "");
	if (trust_load(&t))
		return EXIT_IO;
	while ((c = cli_getopt(argc, argv, "t:T:oc:p:h", opts, "open", usage)) != -1) {
		switch (c) {
		case 't':
			if ((ret = cli_trust_option(&t, optarg, 1)) != EXIT_OK)
				goto out;
			break;
		case 'T': theme = optarg; break;
		case 'o': newest_first = 0; break;
		case 'c': case_path = optarg; break;
		case 'p': policy_path = optarg; break;
		default: ret = cli_common_option(cx, c); goto out; /* --help, or cli_getopt said why */
		}
	}
	if (argc - optind != 1) {
		ret = cli_usage_error(usage, "open: expected one STORE");
		goto out;
	}
	if (policy_path) {
		/* rule:ID filters and the timeline's rule badges (docs/POLICY.md) */
		ret = cli_exit_status(policy_load(policy_path, time_now(), &policy));
		if (ret)
			goto out;
		have_policy = 1;
		query_set_rules(policy.named, policy.n);
		policy_set_active(&policy);
	}
	ret = tui_run(argv[optind], &t, theme, newest_first, started, case_path);
out:
	if (have_policy) {
		policy_set_active(NULL);
		query_set_rules(NULL, 0);
		policy_release(&policy);
	}
	trust_release(&t);
	return ret;
}

const struct command cmd_open_entry = {
	.name = "open",
	.usage = "open STORE [--trust PUBFILE]... [--theme NAME] [--oldest-first] [--case FILE]\n"
		 "       [--policy FILE]",
	.summary = "browse a store in the terminal UI",
	.help = "Browses the store in the terminal: timeline, event diffs, target history,\n"
		"verification. The store is opened read-only. Verification runs in the\n"
		"background against the keys pinned in $XDG_STATE_HOME/trailscope; --trust pins\n"
		"a verifier key there, as 'trailscope verify --trust' does. --theme picks a\n"
		"theme (default, light, high-contrast, monochrome, or a file path); NO_COLOR\n"
		"turns colours off. Marks and notes go to the case file, STORE.case beside the\n"
		"store unless --case FILE (a PostgreSQL URI has no file beside it: there marks\n"
		"and notes need --case FILE); the store itself is never written. --policy FILE\n"
		"loads a policy (docs/POLICY.md): each row shows the first rule it violates as\n"
		"a badge (\"+N\" more), and the filter 'rule:ID' selects a rule's violations.\n"
		"Press ? inside for the keys (docs/TUI.md).\n",
	.flags = 0 /* tui_run opens the store read-only, with threads of its own */,
	.run = run_open,
};
