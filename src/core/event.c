/*
 * event.c - the normalised audit event: releasing one, the names of its
 * outcomes, marking a failed request, the id derived for a record that has
 * none, and where it was read. Reading the generic schema is
 * format_jsonl.c's; building the leaf is leaf.c's.
 */
#include <openssl/sha.h>
#include <stdlib.h>
#include <string.h>

#include "trailscope/event.h"
#include "trailscope/jcs.h"

void event_release(struct event *ev)
{
	free(ev->event_id);
	free(ev->ts_source);
	free(ev->actor_id);
	free(ev->actor_name);
	free(ev->actor_type);
	free(ev->actor_auth);
	free(ev->action);
	free(ev->target_kind);
	free(ev->target_key);
	free(ev->environment);
	json_decref(ev->before);
	json_decref(ev->after);
	json_decref(ev->context);
	json_decref(ev->source);
	free(ev->outcome_code);
	free(ev->outcome_message);
	free(ev->raw);
	memset(ev, 0, sizeof(*ev));
}


#define NAME_OF(name, str) str,
static const char *const outcome_names[] = { OUTCOME_INFO(NAME_OF) };
#undef NAME_OF

const char *outcome_name(enum outcome o)
{
	return (size_t)o < ARRAY_SIZE(outcome_names) ? outcome_names[o] : "success";
}

int outcome_parse(const char *name)
{
	return name_index(outcome_names, ARRAY_SIZE(outcome_names), name);
}

void event_set_failure(struct event *ev, const char *code, const char *message)
{
	free(ev->outcome_code);
	free(ev->outcome_message);
	ev->outcome = OUTCOME_FAILURE;
	ev->outcome_code = code && *code ? xstrdup(code) : NULL;
	ev->outcome_message = message && *message ? xstrdup(message) : NULL;
}

void event_derive_id(struct event *ev, const json_t *rec, const char *raw, size_t raw_len)
{
	struct buf b = BUF_INIT, id = BUF_INIT, err = BUF_INIT;
	unsigned char md[SHA256_DIGEST_LENGTH];

	/* exact numbers: records that differ only beyond a double's 17
	 * digits must not share an id (docs/EVENTS.md) */
	if (jcs_serialize_exact(rec, raw, raw_len, &b, &err))
		die("event id: %s", err.buf);
	buf_release(&err);
	SHA256((const unsigned char *)b.buf, b.len, md);
	buf_addstr(&id, "sha256:");
	buf_addhex(&id, md, 16);
	free(ev->event_id);
	ev->event_id = buf_detach(&id, NULL);
	buf_release(&b);
}

void event_set_source(struct event *ev, const char *format, const char *file, long line)
{
	json_decref(ev->source);
	ev->source = json_pack("{s:s, s:s, s:I}", "format", format, "file", file, "line", (json_int_t)line);
}
