/*
 * watch.c - "trailscope watch STORE --policy FILE [--format jsonl|text]
 * [--since-seq N] [--interval MS]": follows the store (follow.h) and
 * prints one alert line per new (event, rule) violation as events arrive
 * (docs/POLICY.md), for a SIEM forwarder. Every alert of one event goes
 * out in one write, flushed; SIGINT and SIGTERM stop it cleanly between
 * events. Memory: the alerts of one poll's new events.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "cmd.h"
#include "trailscope/follow.h"
#include "trailscope/policy.h"
#include "trailscope/util.h"

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

struct alerts {
	const struct policy *p;
	int jsonl;
	int64_t seq;           /* the event whose alerts are in line */
	struct buf line;
	int failed;            /* a write failed */
	uint64_t count;
};

static int flush_alerts(struct alerts *a)
{
	if (!a->line.len)
		return 0;
	if (fwrite(a->line.buf, 1, a->line.len, stdout) != a->line.len || fflush(stdout)) {
		a->failed = 1;
		return -1;
	}
	buf_reset(&a->line);
	return 0;
}

/* One line: "[severity] rule: actor action target (env): summary". */
static void message(const struct policy_rule *r, const struct query_row *row, struct buf *out)
{
	buf_addf(out, "[%s] %s: %s %s %s", policy_severity_name(r->severity), r->id, row->actor, row->action,
		 row->target);
	if (*row->environment)
		buf_addf(out, " in %s", row->environment);
	buf_addf(out, ": %s", *row->summary ? row->summary : "(no field changed)");
}

static int alert(void *ctx, size_t rule, const struct query_row *row)
{
	struct alerts *a = ctx;
	const struct policy_rule *r = &a->p->rules[rule];
	struct buf msg = BUF_INIT;

	if (row->seq != a->seq && flush_alerts(a))
		return 1;
	a->seq = row->seq;
	message(r, row, &msg);
	if (a->jsonl) {
		json_t *o = json_object();
		char *enc;

		json_object_set_new(o, "rule", json_string(r->id));
		json_object_set_new(o, "severity", json_string(policy_severity_name(r->severity)));
		json_object_set_new(o, "description", json_string(r->description));
		json_object_set_new(o, "seq", json_integer((json_int_t)row->seq));
		json_object_set_new(o, "event_id", json_string(row->event_id));
		json_object_set_new(o, "ts", json_string(row->ts));
		json_object_set_new(o, "actor", json_string(row->actor));
		json_object_set_new(o, "actor_type", json_string(row->actor_type));
		json_object_set_new(o, "action", json_string(row->action));
		json_object_set_new(o, "target", json_string(row->target));
		json_object_set_new(o, "target_kind", json_string(row->target_kind));
		json_object_set_new(o, "environment", json_string(row->environment));
		json_object_set_new(o, "outcome", json_string(row->outcome));
		json_object_set_new(o, "summary", json_string(row->summary));
		json_object_set_new(o, "message", json_string(msg.buf));
		enc = json_dumps(o, JSON_COMPACT | JSON_ENSURE_ASCII | JSON_PRESERVE_ORDER);
		json_decref(o);
		if (!enc)
			die("watch: out of memory");
		buf_addstr(&a->line, enc);
		free(enc);
	} else {
		buf_addf(&a->line, "%s seq %lld ", row->ts, (long long)row->seq);
		buf_add_term_safe(&a->line, msg.buf, msg.len);
	}
	buf_addch(&a->line, '\n');
	buf_release(&msg);
	a->count++;
	return 0;
}

static int run_watch(struct cmd_ctx *cx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "policy", required_argument, NULL, 'p' },
		{ "format", required_argument, NULL, 'f' },
		{ "since-seq", required_argument, NULL, 's' },
		{ "interval", required_argument, NULL, 'i' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *usage = cx->cmd->usage, *policy_path = NULL;
	struct alerts a = { NULL, 1, 0, BUF_INIT, 0, 0 };
	struct policy p;
	struct query **qs = NULL;
	struct store *s;
	struct store_follow f;
	struct sigaction sa;
	enum out_format fmt = FMT_JSONL;
	int64_t since = -1, interval = FOLLOW_INTERVAL_MS, last, size;
	int c, ret = EXIT_USAGE, have_policy = 0;

	while ((c = cli_getopt(argc, argv, "p:f:s:i:h", opts, "watch", usage)) != -1) {
		switch (c) {
		case 'p': policy_path = optarg; break;
		case 'f':
			if (cli_parse_format("watch", optarg, 1u << FMT_JSONL | 1u << FMT_TEXT, &fmt))
				goto out;
			break;
		case 's':
			if (parse_int64(optarg, 0, INT64_MAX, &since)) {
				cli_usage_error(usage, "watch: --since-seq needs a seq (0 or more)");
				goto out;
			}
			break;
		case 'i':
			if (parse_int64(optarg, 50, 60000, &interval)) {
				cli_usage_error(usage, "watch: --interval needs milliseconds from 50 to 60000");
				goto out;
			}
			break;
		case 'h': ret = cmd_help(cx->cmd); goto out;
		default: goto out;
		}
	}
	if (argc - optind != 1 || !policy_path) {
		cli_usage_error(usage, "watch: expected one STORE and --policy FILE");
		goto out;
	}
	a.jsonl = fmt == FMT_JSONL;
	ret = cli_exit_status(policy_load(policy_path, time_now(), &p));
	if (ret)
		goto out;
	have_policy = 1;
	a.p = &p;
	ret = EXIT_IO;
	if (cmd_store(cx, argv[optind], &s) || follow_init(&f, s))
		goto out;
	ret = cli_exit_status(policy_compile(&p, s, time_now(), &qs));
	if (ret)
		goto out;
	ret = EXIT_IO;
	size = store_size(s);
	if (size < 0)
		goto out;
	last = since >= 0 ? since : size;
	if (last > size) {
		error("watch: --since-seq %lld is beyond the store's %lld events", (long long)last, (long long)size);
		ret = EXIT_BADINPUT;
		goto out;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal; /* no SA_RESTART: the sleep returns */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	fprintf(stderr, "watch: following %s after seq %lld with %zu rule%s (stop with Ctrl-C)\n", s->path,
		(long long)last, p.n, p.n == 1 ? "" : "s");
	for (;;) {
		struct query_range rg;
		int w;

		size = store_size(s);
		if (size < 0)
			goto out;
		if (size < last) {
			error("watch: the store shrank from %lld to %lld events: it was truncated or replaced",
			      (long long)last, (long long)size);
			ret = EXIT_FAILED;
			goto out;
		}
		if (size > last) {
			rg.seq_after = last;
			rg.seq_through = size;
			rg.ts_from = rg.ts_until = NULL;
			a.seq = 0;
			if (policy_each_hit(&p, qs, &rg, alert, &a) < 0 || flush_alerts(&a) || a.failed) {
				if (a.failed)
					error("watch: cannot write the alerts: %s", strerror(errno));
				goto out;
			}
			last = size;
		}
		w = follow_wait(&f, (unsigned)interval, &stop_requested);
		if (w < 0)
			goto out;
		if (!w)
			break;
	}
	fprintf(stderr, "watch: stopped after seq %lld, %llu alert%s; resume with --since-seq %lld\n",
		(long long)last, (unsigned long long)a.count, a.count == 1 ? "" : "s", (long long)last);
	ret = EXIT_OK;
out:
	if (have_policy) {
		policy_queries_free(qs, p.n);
		policy_release(&p);
	}
	buf_release(&a.line);
	return ret;
}

const struct command cmd_watch_entry = {
	.name = "watch",
	.usage = "watch STORE --policy FILE [--format jsonl|text] [--since-seq N] [--interval MS]",
	.summary = "follow a store, one alert line per new policy violation",
	.help = "Follows STORE as events are appended and prints one line per new event that\n"
		"violates a rule of the policy (docs/POLICY.md): JSON lines with the rule, its\n"
		"severity, the event's fields and a one-line message (jsonl, the default), or\n"
		"text. Every alert of one event is written at once and flushed.\n"
		"\n"
		"  --policy FILE    the policy (JSON rules)\n"
		"  --format F       jsonl (default) or text\n"
		"  --since-seq N    alert on events after seq N (default: only events appended from\n"
		"                   now on); a forwarder resumes with the seq of the last alert it\n"
		"                   forwarded, or the seq watch reported when it stopped\n"
		"  --interval MS    how often the store is polled for changes (default 500); a\n"
		"                   PostgreSQL store is not polled: the server announces each\n"
		"                   append (LISTEN/NOTIFY) and watch wakes at once\n"
		"Stops cleanly on SIGINT or SIGTERM, saying the seq to resume after.\n"
		"Exit: 0 stopped by a signal, 1 the store shrank, 3 usage, 4 bad policy or\n"
		"--since-seq beyond the store, 5 I/O or store error.\n",
	.flags = 0,
	.run = run_watch,
};
