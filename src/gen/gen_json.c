/*
 * gen_json.c - the generator's JSON writer: events and incidents written
 * as text straight into a buffer (no JSON library: this is the hot path),
 * with the escaping that keeps the hostile reasons valid JSON.
 */
#include <errno.h>

#include "gen_int.h"

static const char *const flag_tags[] = {
	"experiment", "release", "ops", "kill-switch", "ui", "backend", "permission",
};
static const char *const flag_desc_suffix[] = {
	"", " (owner: team {s})", " - see runbook", " - remove after GA", " - beta",
};


void put_uint(struct buf *b, uint64_t v, int width)
{
	char d[24];
	int n = 0;

	do {
		d[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n < width)
		d[n++] = '0';
	if (b->alloc - b->len <= (size_t)n)
		buf_grow(b, (size_t)n);
	while (n)
		b->buf[b->len++] = d[--n];
	b->buf[b->len] = '\0';
}

void put_int(struct buf *b, int64_t v)
{
	if (v < 0) {
		put_ch(b, '-');
		put_uint(b, (uint64_t)0 - (uint64_t)v, 0);
	} else {
		put_uint(b, (uint64_t)v, 0);
	}
}

static void put_hex4(struct buf *b, unsigned cp)
{
	static const char hex[] = "0123456789abcdef";
	char u[6] = { '\\', 'u', hex[cp >> 12 & 15], hex[cp >> 8 & 15], hex[cp >> 4 & 15], hex[cp & 15] };

	put_mem(b, u, sizeof(u));
}

/* Appends s as a JSON string. Escapes what JSON requires, plus DEL, C1
 * controls, line separators and bidirectional controls, so the output is
 * safe to page through; other UTF-8 (our own tables only) passes raw. */
static void put_jstr(struct buf *b, const char *s)
{
	const unsigned char *p = (const unsigned char *)s, *run = p;

	put_ch(b, '"');
	for (;; p++) {
		unsigned c = *p, cp = 0;
		size_t skip = 0;

		if (c >= 0x20 && c != '"' && c != '\\' && c < 0x7f)
			continue;
		if (c >= 0x80) {
			if (c == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f) {
				cp = p[1];
				skip = 2;
			} else if (c == 0xe2 && p[1] == 0x80 && p[2] >= 0xa8 && p[2] <= 0xae) {
				cp = 0x2000 + (p[2] - 0x80);
				skip = 3;
			} else if (c == 0xe2 && p[1] == 0x81 && p[2] >= 0xa6 && p[2] <= 0xa9) {
				cp = 0x2040 + (p[2] - 0x80);
				skip = 3;
			} else {
				continue;
			}
		}
		put_mem(b, run, (size_t)(p - run));
		if (!c)
			break;
		if (skip) {
			put_hex4(b, cp);
			p += skip - 1;
		} else if (c == '"') {
			put_mem(b, "\\\"", 2);
		} else if (c == '\\') {
			put_mem(b, "\\\\", 2);
		} else if (c == '\n') {
			put_mem(b, "\\n", 2);
		} else if (c == '\t') {
			put_mem(b, "\\t", 2);
		} else if (c == '\r') {
			put_mem(b, "\\r", 2);
		} else {
			put_hex4(b, c);
		}
		run = p + 1;
	}
	put_ch(b, '"');
}

/* Appends s quoted as is: for the generator's own table text, which has
 * nothing to escape (the unit test parses every line to hold us to it). */
static void put_qstr(struct buf *b, const char *s)
{
	put_ch(b, '"');
	put_str(b, s);
	put_ch(b, '"');
}

static void put_qbuf(struct buf *b, const struct buf *s)
{
	put_ch(b, '"');
	put_mem(b, s->buf, s->len);
	put_ch(b, '"');
}

/* Appends "key": with key a plain identifier. */
static void put_key(struct buf *b, const char *key)
{
	put_ch(b, '"');
	put_str(b, key);
	put_mem(b, "\":", 2);
}

static void cache_day(struct gen *g, int64_t day)
{
	char text[32];

	if (day == g->cached_day && g->day_text[0])
		return;
	time_format(day * DAY, text);
	g->day_len = strcspn(text, "T") + 1; /* 11, unless the year has 5 digits */
	memcpy(g->day_text, text, g->day_len);
	g->day_text[g->day_len] = '\0';
	g->cached_day = day;
}

/* "2026-03-01T00:03:12.123456Z", or without the fraction. Formatting the
 * date only when the day changes keeps snprintf off the hot path. */
static void put_time(struct gen *g, struct buf *b, usec_t t, int frac)
{
	int64_t day = floor_div(t, DAY), rem = t - day * DAY;
	int64_t secs = rem / USEC, us = rem % USEC;
	char text[20] = {
		(char)('0' + secs / 36000), (char)('0' + secs / 3600 % 10), ':',
		(char)('0' + secs / 600 % 6), (char)('0' + secs / 60 % 10), ':',
		(char)('0' + secs % 60 / 10), (char)('0' + secs % 10), '.',
	};
	size_t n = 8;

	cache_day(g, day);
	put_mem(b, g->day_text, g->day_len);
	if (frac) {
		for (int i = 5; i >= 0; i--, us /= 10)
			text[9 + i] = (char)('0' + us % 10);
		n = 15;
	}
	text[n++] = 'Z';
	put_mem(b, text, n);
}

/* "20260301" for t's day. */
void put_date_compact(struct gen *g, struct buf *b, usec_t t)
{
	cache_day(g, floor_div(t, DAY));
	for (size_t i = 0; i + 1 < g->day_len; i++)
		if (g->day_text[i] != '-')
			put_ch(b, g->day_text[i]);
}

static void put_cond(struct buf *b, const struct cond *c)
{
	const struct attr_def *a = &attrs[c->attr];
	int first = 1;

	put_lit(b, "{\"attribute\":\"");
	put_str(b, a->name);
	put_lit(b, "\",\"op\":\"");
	put_str(b, a->op);
	put_lit(b, "\",\"values\":[");
	for (int v = 0; v < 8 && a->values[v]; v++) {
		if (!(c->mask & 1u << v))
			continue;
		if (!first)
			put_ch(b, ',');
		first = 0;
		put_ch(b, '"');
		put_str(b, a->values[v]);
		put_ch(b, '"');
	}
	put_mem(b, "]}", 2);
}

static void put_conds(struct buf *b, const struct rule *r)
{
	put_lit(b, "\"conditions\":[");
	for (int c = 0; c < r->nconds; c++) {
		if (c)
			put_ch(b, ',');
		put_cond(b, &r->conds[c]);
	}
	put_ch(b, ']');
}

/* Feature words: "express-pay" -> "express pay". */
void put_words(struct buf *b, const char *s)
{
	size_t start = b->len;

	put_str(b, s);
	for (size_t i = start; i < b->len; i++)
		if (b->buf[i] == '-')
			b->buf[i] = ' ';
}

static void put_flag_description(struct buf *b, int f, const struct state *s)
{
	const char *suffix = flag_desc_suffix[s->desc_rev % (int)ARRAY_SIZE(flag_desc_suffix)];
	size_t start = b->len;

	put_words(b, flag_defs[f].feature);
	if (b->buf[start] >= 'a' && b->buf[start] <= 'z')
		b->buf[start] = (char)(b->buf[start] - 'a' + 'A');
	put_lit(b, " for ");
	put_str(b, svc_names[flag_defs[f].svc]);
	for (; *suffix; suffix++) {
		if (suffix[0] == '{' && suffix[1] == 's' && suffix[2] == '}') {
			put_str(b, svc_names[flag_defs[f].svc]);
			suffix += 2;
		} else {
			put_ch(b, *suffix);
		}
	}
	if (s->desc_rev >= (int)ARRAY_SIZE(flag_desc_suffix)) {
		put_lit(b, " (rev ");
		put_uint(b, (uint64_t)s->desc_rev, 0);
		put_ch(b, ')');
	}
}

static void put_state(struct buf *b, int t, const struct state *s)
{
	int kind = target_kind(t);

	put_ch(b, '{');
	if (kind == KIND_FLAG) {
		put_str(b, s->enabled ? "\"enabled\":true" : "\"enabled\":false");
		put_lit(b, ",\"rollout_pct\":");
		put_uint(b, (uint64_t)s->rollout, 0);
		put_lit(b, ",\"rules\":[");
		for (int i = 0; i < s->nrules; i++) {
			const struct rule *r = &s->rules[i];

			if (i)
				put_ch(b, ',');
			put_lit(b, "{\"id\":\"rule-");
			put_uint(b, (uint64_t)r->id, 0);
			put_lit(b, "\",\"description\":\"");
			put_str(b, attrs[r->conds[0].attr].label);
			put_lit(b, "\",");
			put_conds(b, r);
			put_str(b, r->serve_on ? ",\"serve\":\"on\"}" : ",\"serve\":\"off\"}");
		}
		put_lit(b, "],\"targets\":[");
		for (int i = 0, n = 0; i < NSEGS; i++) {
			if (!(s->targets & 1u << i))
				continue;
			if (n++)
				put_ch(b, ',');
			put_qstr(b, segment_defs[i].key);
		}
		put_lit(b, "],\"tags\":[\"");
		put_str(b, svc_names[flag_defs[t].svc]);
		put_lit(b, "\",\"");
		put_str(b, flag_tags[t % (int)ARRAY_SIZE(flag_tags)]);
		put_lit(b, "\"],\"description\":");
		put_ch(b, '"');
		put_flag_description(b, t, s);
		put_ch(b, '"');
	} else if (kind == KIND_SEGMENT) {
		const struct segment_def *d = &segment_defs[t - NFLAGS];

		put_key(b, "name");
		put_qstr(b, d->name);
		put_lit(b, ",\"description\":");
		put_qstr(b, d->description);
		put_lit(b, ",\"rules\":[{\"id\":\"rule-");
		put_uint(b, (uint64_t)s->rules[0].id, 0);
		put_lit(b, "\",");
		put_conds(b, &s->rules[0]);
		put_lit(b, "}],\"included\":[");
		for (int i = 0; i < s->nincluded; i++) {
			if (i)
				put_ch(b, ',');
			put_lit(b, "\"user-");
			put_uint(b, (uint64_t)s->included[i], 0);
			put_ch(b, '"');
		}
		put_ch(b, ']');
	} else {
		int c = t - NFLAGS - NSEGS;

		put_lit(b, "\"values\":{");
		for (int i = 0; i < config_nparams(c); i++) {
			if (i)
				put_ch(b, ',');
			put_key(b, config_defs[c].params[i]);
			put_int(b, s->values[i]);
		}
		put_lit(b, "},\"tags\":[\"");
		put_str(b, svc_names[config_defs[c].svc]);
		put_mem(b, "\"]", 2);
	}
	put_lit(b, ",\"version\":");
	put_uint(b, (uint64_t)s->version, 0);
	put_ch(b, '}');
}

void write_event(struct gen *g, const struct ev *e)
{
	struct buf *b = &g->out_buf;
	const struct actor_def *a = &actors[e->actor];
	struct state *s = &g->st[e->target][e->env];
	struct buf *cache = &g->cache[e->target][e->env];
	int kind = target_kind(e->target);

	g->seq++;
	put_lit(b, "{\"event_id\":\"evt-");
	put_uint(b, g->seq, 8);
	put_lit(b, "\",\"timestamp\":\"");
	put_time(g, b, e->t, 1);
	put_lit(b, "\",\"actor\":{\"id\":");
	put_qstr(b, a->id);
	put_lit(b, ",\"display_name\":");
	put_jstr(b, a->name);
	put_str(b, e->actor < NPEOPLE ? ",\"type\":\"user\"" : ",\"type\":\"service\"");
	put_lit(b, ",\"auth_method\":\"");
	put_str(b, a->auth);
	put_lit(b, "\"},\"action\":\"");
	put_str(b, e->action);
	put_lit(b, "\",\"target\":{\"kind\":\"");
	put_str(b, kind == KIND_FLAG ? "flag" : kind == KIND_SEGMENT ? "segment" : "config");
	put_lit(b, "\",\"key\":");
	put_qstr(b, g->keys[e->target]);
	put_lit(b, "},\"environment\":\"");
	put_str(b, env_names[e->env]);
	put_ch(b, '"');
	if (e->had_prev) {
		put_lit(b, ",\"previous_state\":");
		put_mem(b, cache->buf, cache->len);
	}
	if (s->exists) {
		struct buf swap;

		buf_reset(&g->tmp);
		put_state(&g->tmp, e->target, s);
		put_lit(b, ",\"new_state\":");
		put_mem(b, g->tmp.buf, g->tmp.len);
		swap = g->tmp;
		g->tmp = *cache;
		*cache = swap;
	} else {
		buf_reset(cache);
	}
	if (kind == KIND_FLAG && s->exists) {
		put_lit(b, ",\"scope\":{");
		for (int i = 0; i < NSEGS; i++) {
			if (s->targets & 1u << i) {
				put_lit(b, "\"segment\":");
				put_qstr(b, segment_defs[i].key);
				put_ch(b, ',');
				break;
			}
		}
		put_lit(b, "\"percent\":");
		put_uint(b, (uint64_t)s->rollout, 0);
		put_ch(b, '}');
	}
	if (g->reason.len) {
		put_lit(b, ",\"reason\":");
		put_jstr(b, g->reason.buf);
	}
	if (g->corr.len) {
		put_lit(b, ",\"correlation_id\":");
		put_qbuf(b, &g->corr);
	}
	if (g->ticket.len) {
		put_lit(b, ",\"ticket\":");
		put_qbuf(b, &g->ticket);
	}
	if (g->pr.len || g->build.len) {
		put_lit(b, ",\"links\":{");
		if (g->pr.len) {
			put_lit(b, "\"pr\":");
			put_qbuf(b, &g->pr);
		}
		if (g->build.len) {
			put_str(b, g->pr.len ? ",\"build\":" : "\"build\":");
			put_qbuf(b, &g->build);
		}
		put_ch(b, '}');
	}
	switch (e->approval) {
	case AP_APPROVED:
		put_lit(b, ",\"approval\":{\"required\":true,\"approved_by\":");
		put_qstr(b, actors[e->approver].id);
		put_lit(b, ",\"approved_at\":\"");
		put_time(g, b, e->approved_at, 0);
		put_mem(b, "\"}", 2);
		break;
	case AP_MISSING:
		put_lit(b, ",\"approval\":{\"required\":true}");
		break;
	default:
		put_lit(b, ",\"approval\":{\"required\":false}");
		break;
	}
	put_mem(b, "}\n", 2);
}

void flush_out(struct gen *g)
{
	if (g->out_buf.len && !g->write_failed &&
	    fwrite(g->out_buf.buf, 1, g->out_buf.len, g->out) != g->out_buf.len)
		g->write_failed = errno ? errno : EIO;
	buf_reset(&g->out_buf);
}

void put_incident_id(struct buf *b, unsigned i)
{
	put_lit(b, "INC-");
	put_uint(b, (uint64_t)i + 1, 4);
}

void put_incident(struct gen *g, struct buf *b, const struct incident *in, unsigned i)
{
	put_lit(b, "{\"id\":\"");
	put_incident_id(b, i);
	put_lit(b, "\",\"title\":");
	put_jstr(b, incident_titles[in->svc][in->title]);
	put_lit(b, ",\"severity\":\"SEV");
	put_uint(b, (uint64_t)in->severity, 0);
	put_lit(b, "\",\"services\":[\"");
	put_str(b, svc_names[in->svc]);
	if (in->svc2 >= 0) {
		put_lit(b, "\",\"");
		put_str(b, svc_names[in->svc2]);
	}
	put_lit(b, "\"],\"environment\":\"production\",\"started_at\":\"");
	put_time(g, b, in->started, 0);
	put_lit(b, "\",\"detected_at\":\"");
	put_time(g, b, in->detected, 0);
	put_lit(b, "\",\"resolved_at\":\"");
	put_time(g, b, in->resolved, 0);
	put_lit(b, "\",\"planted_cause\":\"evt-");
	put_uint(b, in->cause_seq, 8);
	put_mem(b, "\"}\n", 3);
}
