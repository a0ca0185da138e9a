/*
 * format_jsonl.c - the generic JSON-lines format (docs/EVENTS.md): one
 * record per line, read strictly, normalised by event_from_generic().
 * Cost: one strict parse per line; memory is one line.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "trailscope/format_util.h"
#include "trailscope/formats.h"
#include "trailscope/jcs.h"
#include "trailscope/util.h"

/* A JSON object per line whose first line names an actor or a target
 * (EVENTS.md) is plausible; real platform formats that also start with
 * '{' score higher. A first line that does not parse (or is longer than
 * head) is given the benefit of the doubt, so its error is located; a
 * complete object with neither is another format's record, for which
 * import says what it looks like (format_describe). */
static int jsonl_detect(const char *head, size_t len)
{
	static const char *const names[] = {
		"actor", "actor_id", "actorId", "user", "target", "flag_key", "flag_id", "flag",
		"target_key", "target_id", NULL,
	};
	const char *p = head, *eol;
	json_t *first;
	int score = 10;

	while (p < head + len && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n'))
		p++;
	if (p >= head + len || *p != '{')
		return 0;
	eol = memchr(p, '\n', (size_t)(head + len - p));
	first = eol ? json_loadb(p, (size_t)(eol - p), 0, NULL) : NULL;
	if (json_is_object(first)) {
		score = 0;
		for (const char *const *n = names; *n && !score; n++)
			if (json_object_get(first, *n))
				score = 10;
	}
	json_decref(first);
	return score;
}

static int jsonl_read(FILE *f, const char *file, const struct format_options *opt,
		      struct record_sink *sink)
{
	struct buf err = BUF_INIT, at = BUF_INIT;
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	long lineno = 0;
	int ret = 0;

	(void)opt;
	while ((n = getline(&line, &cap, f)) >= 0) {
		struct event *ev;
		json_t *rec;
		size_t nul;
		int l = 0, c = 0;

		if (ferror(f))
			break;          /* a partial line before a read error */
		lineno++;
		while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			line[--n] = '\0';
		if (strspn(line, " \t\r") == (size_t)n)
			continue;       /* a blank line */
		buf_reset(&err);
		if ((size_t)n > JSON_MAX_RECORD) {
			if (sink->bad(sink->ctx, lineno, 1, -1, "record larger than 4 MiB"))
				goto stop;
			continue;
		}
		rec = json_parse_strict(line, (size_t)n, &l, &c, &err);
		if (!rec) {
			if (sink->bad(sink->ctx, lineno, c > 0 ? c : 1, -1, err.buf))
				goto stop;
			continue;
		}
		if ((nul = fmt_nul_at(line, (size_t)n)) != FMT_NO_NUL) {
			json_decref(rec);
			if (sink->bad(sink->ctx, lineno, (int)nul + 1, -1, FMT_NUL_MESSAGE))
				goto stop;
			continue;
		}
		ev = xmalloc(sizeof(*ev));
		buf_reset(&at);
		if (event_from_generic(rec, line, (size_t)n, ev, &err, &at)) {
			/* at the value of the member at fault, if one is */
			struct fmt_record where = { .raw = line, .raw_len = (size_t)n, .line = lineno, .col = 1 };
			long l2;
			int c2;

			fmt_member_pos(&where, at.len ? at.buf : "", &l2, &c2);
			free(ev);
			json_decref(rec);
			if (sink->bad(sink->ctx, lineno, c2, -1, err.buf))
				goto stop;
			continue;
		}
		json_decref(rec);
		event_set_source(ev, "jsonl", file, lineno);
		if (sink->emit(sink->ctx, ev))
			goto stop;
	}
	if (ferror(f)) {
		ret = format_read_failed(file);
		goto out;
	}
	goto out;
stop:
	ret = -1;
out:
	free(line);
	buf_release(&err);
	buf_release(&at);
	return ret;
}

const struct format_ops format_jsonl = { "jsonl", jsonl_detect, jsonl_read, FORMAT_PARALLEL };
