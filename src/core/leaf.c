/*
 * leaf.c - the leaf (docs/STORE.md "Leaves") in one place: building an
 * event's canonical leaf, giving a built leaf its seq, and scanning a
 * stored leaf's top-level members in one pass.
 *
 * Building costs one canonical serialisation (jcs.c) of the event's
 * members and one SHA-256 of the raw record (version 3 commits to the
 * record by its digest; the record itself goes to entry_text). The members that sort before "seq" and those after it are
 * serialised as two objects and joined around the seq, so where the seq's
 * digits lie is known without searching the leaf, and import can build a
 * leaf on its reader thread and splice in the seq on the writer.
 *
 * Scanning decodes the strings that verification needs and skips
 * everything else with structural checks only. It runs at memory speed so
 * verify stays hashing-bound; full canonical re-serialisation is verify
 * --deep.
 */
#include <stdint.h>
#include <string.h>

#include <openssl/sha.h>

#include "trailscope/event.h"
#include "trailscope/jcs.h"
#include "trailscope/leaf.h"
#include "str_scan.h"

/* ---- building ---------------------------------------------------------- */

#define SEQ_MEMBER "seq"

/* Members sorting before "seq" go into lo, the others into hi; takes v. */
static void put(json_t *lo, json_t *hi, const char *key, json_t *v)
{
	json_object_set_new(strcmp(key, SEQ_MEMBER) < 0 ? lo : hi, key, v);
}

static json_t *str_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

void leaf_build(const struct event *ev, int64_t seq, struct buf *out, struct leaf_seq_at *at)
{
	char tsbuf[32];
	json_t *lo = json_object(), *hi = json_object();
	json_t *actor = json_object(), *target = json_object(), *outcome = json_object();
	struct buf tail = BUF_INIT;
	size_t start = out->len, digits;

	time_format(ev->ts, tsbuf);
	put(lo, hi, "v", json_integer(LEAF_VERSION));
	put(lo, hi, "event_id", json_string(ev->event_id));
	put(lo, hi, "ts", json_string(tsbuf));
	put(lo, hi, "ts_source", json_string(ev->ts_source));
	json_object_set_new(actor, "id", json_string(ev->actor_id));
	json_object_set_new(actor, "name", str_or_null(ev->actor_name));
	json_object_set_new(actor, "type", json_string(ev->actor_type));
	json_object_set_new(actor, "auth", str_or_null(ev->actor_auth));
	put(lo, hi, "actor", actor);
	put(lo, hi, "action", json_string(ev->action));
	json_object_set_new(target, "kind", json_string(ev->target_kind));
	json_object_set_new(target, "key", json_string(ev->target_key));
	put(lo, hi, "target", target);
	put(lo, hi, "environment", json_string(ev->environment));
	put(lo, hi, "before_known", json_boolean(ev->before_known));
	if (ev->before)
		put(lo, hi, "before", json_incref(ev->before));
	if (ev->after)
		put(lo, hi, "after", json_incref(ev->after));
	put(lo, hi, "context", ev->context ? json_incref(ev->context) : json_object());
	if (ev->source)
		put(lo, hi, "source", json_incref(ev->source));
	json_object_set_new(outcome, "status", json_string(outcome_name(ev->outcome)));
	if (ev->outcome_code)
		json_object_set_new(outcome, "code", json_string(ev->outcome_code));
	if (ev->outcome_message)
		json_object_set_new(outcome, "message", json_string(ev->outcome_message));
	put(lo, hi, "outcome", outcome);
	{
		char hex[LEAF_RAW_SHA256_HEX + 1];

		/* version 3: the raw record itself is entry_text.raw */
		leaf_raw_sha256(ev->raw ? ev->raw : "", ev->raw ? ev->raw_len : 0, hex);
		put(lo, hi, "raw_sha256", json_stringn(hex, LEAF_RAW_SHA256_HEX));
	}

	/* {lo members,"seq":N,hi members}: canonical, as members are sorted */
	json_append(out, lo);
	buf_setlen(out, out->len - 1); /* lo's '}' */
	if (json_object_size(lo))
		buf_addch(out, ',');
	buf_addstr(out, "\"" SEQ_MEMBER "\":");
	digits = out->len;
	buf_addf(out, "%lld", (long long)seq);
	if (at) {
		at->off = digits - start;
		at->len = out->len - digits;
	}
	json_append(&tail, hi);
	if (json_object_size(hi))
		buf_addch(out, ',');
	buf_add(out, tail.buf + 1, tail.len - 1); /* after hi's '{' */
	buf_release(&tail);
	json_decref(lo);
	json_decref(hi);
}

void leaf_set_seq(const char *leaf, size_t len, const struct leaf_seq_at *at, int64_t seq,
		  struct buf *out)
{
	buf_add(out, leaf, at->off);
	buf_addf(out, "%lld", (long long)seq);
	buf_add(out, leaf + at->off + at->len, len - at->off - at->len);
}

void leaf_raw_sha256(const char *raw, size_t len, char hex[LEAF_RAW_SHA256_HEX + 1])
{
	static const char digits[] = "0123456789abcdef";
	unsigned char md[SHA256_DIGEST_LENGTH];

	SHA256((const unsigned char *)raw, len, md);
	for (size_t i = 0; i < SHA256_DIGEST_LENGTH; i++) {
		hex[2 * i] = digits[md[i] >> 4];
		hex[2 * i + 1] = digits[md[i] & 0xf];
	}
	hex[LEAF_RAW_SHA256_HEX] = '\0';
}

int leaf_raw_matches(const char *raw_sha256, const char *raw, size_t len)
{
	char hex[LEAF_RAW_SHA256_HEX + 1];

	leaf_raw_sha256(raw ? raw : "", raw ? len : 0, hex);
	return raw_sha256 && !strcmp(raw_sha256, hex);
}

int leaf_raw_sha256_valid(const char *s, size_t len)
{
	if (len != LEAF_RAW_SHA256_HEX)
		return 0;
	for (size_t i = 0; i < len; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return 1;
}

/* ---- scanning ---------------------------------------------------------- */

void leaf_fields_init(struct leaf_fields *f)
{
	f->seq = -1;
	buf_init(&f->event_id);
	buf_init(&f->ts);
	buf_init(&f->actor);
	buf_init(&f->actor_type);
	buf_init(&f->action);
	buf_init(&f->target);
	buf_init(&f->target_kind);
	buf_init(&f->environment);
	buf_init(&f->outcome);
	buf_init(&f->raw_sha256);
	f->version = 0;
}

void leaf_fields_release(struct leaf_fields *f)
{
	buf_release(&f->event_id);
	buf_release(&f->ts);
	buf_release(&f->actor);
	buf_release(&f->actor_type);
	buf_release(&f->action);
	buf_release(&f->target);
	buf_release(&f->target_kind);
	buf_release(&f->environment);
	buf_release(&f->outcome);
	buf_release(&f->raw_sha256);
}

void leaf_fields_reset(struct leaf_fields *f)
{
	f->seq = -1;
	buf_reset(&f->event_id);
	buf_reset(&f->ts);
	buf_reset(&f->actor);
	buf_reset(&f->actor_type);
	buf_reset(&f->action);
	buf_reset(&f->target);
	buf_reset(&f->target_kind);
	buf_reset(&f->environment);
	buf_reset(&f->outcome);
	buf_reset(&f->raw_sha256);
	f->version = 0;
}

struct scan {
	const char *p, *end;
	const char *why;
};

static void put_utf8(struct buf *b, unsigned cp)
{
	if (cp < 0x80) {
		buf_addch(b, (int)cp);
	} else if (cp < 0x800) {
		buf_addch(b, (int)(0xc0 | cp >> 6));
		buf_addch(b, (int)(0x80 | (cp & 0x3f)));
	} else if (cp < 0x10000) {
		buf_addch(b, (int)(0xe0 | cp >> 12));
		buf_addch(b, (int)(0x80 | (cp >> 6 & 0x3f)));
		buf_addch(b, (int)(0x80 | (cp & 0x3f)));
	} else {
		buf_addch(b, (int)(0xf0 | cp >> 18));
		buf_addch(b, (int)(0x80 | (cp >> 12 & 0x3f)));
		buf_addch(b, (int)(0x80 | (cp >> 6 & 0x3f)));
		buf_addch(b, (int)(0x80 | (cp & 0x3f)));
	}
}

/* At a '"': reads a string, decoding into out when out is not NULL. */
static int scan_string(struct scan *s, struct buf *out)
{
	if (s->p >= s->end || *s->p != '"')
		return s->why = "expected a string", -1;
	s->p++;
	for (;;) {
		const char *q = str_scan_plain(s->p, s->end, 1);

		if (out)
			buf_add(out, s->p, (size_t)(q - s->p));
		s->p = q;
		if (q >= s->end)
			return s->why = "unterminated string", -1;
		if (*q == '"') {
			s->p++;
			return 0;
		}
		if ((unsigned char)*q < 0x20)
			return s->why = "control character in string", -1;
		if (q + 1 >= s->end)
			return s->why = "unterminated escape", -1;
		char e = q[1];
		s->p = q + 2;
		switch (e) {
		case '"': case '\\': case '/':
			if (out)
				buf_addch(out, e);
			break;
		case 'b': if (out) buf_addch(out, '\b'); break;
		case 'f': if (out) buf_addch(out, '\f'); break;
		case 'n': if (out) buf_addch(out, '\n'); break;
		case 'r': if (out) buf_addch(out, '\r'); break;
		case 't': if (out) buf_addch(out, '\t'); break;
		case 'u': {
			unsigned cp = 0;

			if (s->end - s->p < 4)
				return s->why = "bad \\u escape", -1;
			for (int i = 0; i < 4; i++) {
				int v = hex_digit(s->p[i]);

				if (v < 0)
					return s->why = "bad \\u escape", -1;
				cp = cp << 4 | (unsigned)v;
			}
			s->p += 4;
			if (cp >= 0xd800 && cp < 0xdc00 && s->end - s->p >= 6 && s->p[0] == '\\' && s->p[1] == 'u') {
				unsigned lo = 0;

				for (int i = 2; i < 6; i++) {
					int v = hex_digit(s->p[i]);

					if (v < 0)
						return s->why = "bad \\u escape", -1;
					lo = lo << 4 | (unsigned)v;
				}
				if (lo >= 0xdc00 && lo < 0xe000) {
					cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
					s->p += 6;
				}
			}
			if (out)
				put_utf8(out, cp);
			break;
		}
		default:
			return s->why = "bad escape", -1;
		}
	}
}

static int scan_value(struct scan *s, int depth);

/* strcmp(key, name) == 0, its first byte compared first (most keys
 * differ there, and a leaf's keys are compared with many names). */
static int same_key(const char *key, const char *name)
{
	return key[0] == name[0] && !strcmp(key, name);
}

static int scan_container(struct scan *s, int depth, char close)
{
	int first = 1;

	if (depth > 200)
		return s->why = "nesting too deep", -1;
	s->p++;
	for (;;) {
		if (s->p >= s->end)
			return s->why = "unterminated container", -1;
		if (*s->p == close) {
			s->p++;
			return 0;
		}
		if (!first) {
			if (*s->p != ',')
				return s->why = "expected ','", -1;
			s->p++;
		}
		first = 0;
		if (close == '}') {
			if (scan_string(s, NULL))
				return -1;
			if (s->p >= s->end || *s->p != ':')
				return s->why = "expected ':'", -1;
			s->p++;
		}
		if (scan_value(s, depth + 1))
			return -1;
	}
}

static int scan_value(struct scan *s, int depth)
{
	if (s->p >= s->end)
		return s->why = "expected a value", -1;
	switch (*s->p) {
	case '"':
		return scan_string(s, NULL);
	case '{':
		return scan_container(s, depth, '}');
	case '[':
		return scan_container(s, depth, ']');
	case 't':
		if (s->end - s->p >= 4 && !memcmp(s->p, "true", 4))
			return s->p += 4, 0;
		break;
	case 'f':
		if (s->end - s->p >= 5 && !memcmp(s->p, "false", 5))
			return s->p += 5, 0;
		break;
	case 'n':
		if (s->end - s->p >= 4 && !memcmp(s->p, "null", 4))
			return s->p += 4, 0;
		break;
	default:
		if (*s->p == '-' || (*s->p >= '0' && *s->p <= '9')) {
			s->p++;
			/* the bytes strchr("0123456789.eE+-", c) finds, its NUL too */
			while (s->p < s->end && ((*s->p >= '0' && *s->p <= '9') || *s->p == '.' || *s->p == 'e' ||
						 *s->p == 'E' || *s->p == '+' || *s->p == '-' || !*s->p))
				s->p++;
			return 0;
		}
	}
	return s->why = "unexpected character", -1;
}

/* Reads an object, storing string members named in names[] into outs[]. */
static int scan_members(struct scan *s, const char *const *names, struct buf **outs)
{
	struct buf key = BUF_INIT;
	int first = 1, ret = -1;

	if (s->p >= s->end || *s->p != '{') {
		s->why = "expected an object";
		goto out;
	}
	s->p++;
	for (;;) {
		if (s->p >= s->end) {
			s->why = "unterminated object";
			goto out;
		}
		if (*s->p == '}') {
			s->p++;
			ret = 0;
			goto out;
		}
		if (!first) {
			if (*s->p != ',') {
				s->why = "expected ','";
				goto out;
			}
			s->p++;
		}
		first = 0;
		buf_reset(&key);
		if (scan_string(s, &key))
			goto out;
		if (s->p >= s->end || *s->p != ':') {
			s->why = "expected ':'";
			goto out;
		}
		s->p++;
		int matched = 0;
		for (int i = 0; names[i]; i++) {
			if (!same_key(key.buf, names[i]))
				continue;
			matched = 1;
			if (outs[i]) {
				if (s->p < s->end && *s->p == 'n' && !scan_value(s, 1))
					break; /* null: leave empty */
				if (scan_string(s, outs[i]))
					goto out;
			}
			break;
		}
		if (!matched && scan_value(s, 1))
			goto out;
	}
out:
	buf_release(&key);
	return ret;
}

int leaf_scan(const char *leaf, size_t len, struct leaf_fields *f, struct buf *err)
{
	static const char *const top[] = { "seq", "event_id", "ts", "action", "environment", "raw_sha256",
					   NULL };
	static const char *const actor[] = { "id", "type", NULL };
	static const char *const target[] = { "key", "kind", NULL };
	static const char *const outcome[] = { "status", NULL };
	struct scan s = { leaf, leaf + len, NULL };
	struct buf key = BUF_INIT;
	int first = 1, ret = -1;
	int have_actor = 0, have_target = 0, have_outcome = 0, have_raw = 0, have_sha = 0, status;

	/* The top level is walked here so that the nested actor and target
	 * objects can be read with their own member lists. */
	if (s.p >= s.end || *s.p != '{') {
		s.why = "leaf is not a JSON object";
		goto out;
	}
	s.p++;
	for (;;) {
		if (s.p >= s.end) {
			s.why = "unterminated object";
			goto out;
		}
		if (*s.p == '}') {
			s.p++;
			break;
		}
		if (!first) {
			if (*s.p != ',') {
				s.why = "expected ','";
				goto out;
			}
			s.p++;
		}
		first = 0;
		buf_reset(&key);
		if (scan_string(&s, &key))
			goto out;
		if (s.p >= s.end || *s.p != ':') {
			s.why = "expected ':'";
			goto out;
		}
		s.p++;
		if (same_key(key.buf, "actor")) {
			struct buf *o[] = { &f->actor, &f->actor_type };

			if (scan_members(&s, actor, o))
				goto out;
			have_actor = 1;
		} else if (same_key(key.buf, "target")) {
			struct buf *o[] = { &f->target, &f->target_kind };

			if (scan_members(&s, target, o))
				goto out;
			have_target = 1;
		} else if (same_key(key.buf, "outcome")) {
			struct buf *o[] = { &f->outcome };

			if (scan_members(&s, outcome, o))
				goto out;
			have_outcome = 1;
		} else if (same_key(key.buf, "v")) {
			if (s.p < s.end && *s.p >= '1' && *s.p <= '0' + LEAF_VERSION &&
			    (s.p + 1 == s.end || s.p[1] == ',' || s.p[1] == '}')) {
				f->version = *s.p++ - '0';
			} else {
				s.why = "\"v\" is not a known leaf version (1, 2 or 3)";
				goto out;
			}
		} else {
			int i;

			for (i = 0; top[i] && !same_key(key.buf, top[i]); i++)
				;
			if (i == 0) {
				const char *start = s.p;
				int64_t v = 0;

				while (s.p < s.end && *s.p >= '0' && *s.p <= '9' && v < INT64_MAX / 10)
					v = v * 10 + (*s.p++ - '0');
				if (s.p == start || (s.p < s.end && strchr(".eE", *s.p))) {
					s.why = "\"seq\" is not a whole number";
					goto out;
				}
				f->seq = v;
			} else if (top[i]) {
				struct buf *dst[] = { NULL, &f->event_id, &f->ts, &f->action, &f->environment,
						      &f->raw_sha256 };

				if (scan_string(&s, dst[i]))
					goto out;
				have_sha |= i == 5;
			} else if (same_key(key.buf, "raw")) {
				if (scan_value(&s, 1))
					goto out;
				have_raw = 1;
			} else if (scan_value(&s, 1)) {
				goto out;
			}
		}
	}
	if (s.p != s.end) {
		s.why = "trailing bytes after the leaf object";
		goto out;
	}
	if (f->seq < 0 || !f->event_id.len || !f->ts.len || !have_actor || !have_target || !f->action.len) {
		s.why = "leaf lacks a required member (seq, event_id, ts, actor, target, action)";
		goto out;
	}
	if (!f->version) {
		s.why = "leaf lacks \"v\"";
		goto out;
	}
	if (f->version == 1 && have_outcome) {
		s.why = "a version 1 leaf has no \"outcome\"";
		goto out;
	}
	if (f->version == 1) {
		buf_addstr(&f->outcome, outcome_name(OUTCOME_UNKNOWN));
	} else if (!have_outcome || ((status = outcome_parse(f->outcome.buf)) != OUTCOME_SUCCESS &&
				     status != OUTCOME_FAILURE)) {
		s.why = f->version == 2 ? "a version 2 leaf needs \"outcome.status\" \"success\" or \"failure\""
					: "a version 3 leaf needs \"outcome.status\" \"success\" or \"failure\"";
		goto out;
	}
	if (f->version < 3 && have_sha) {
		s.why = "a version 1 or 2 leaf has no \"raw_sha256\"";
		goto out;
	}
	if (f->version >= 3 && have_raw) {
		s.why = "a version 3 leaf has no \"raw\" (its raw record is entry_text.raw)";
		goto out;
	}
	if (f->version >= 3 && !leaf_raw_sha256_valid(f->raw_sha256.buf, f->raw_sha256.len)) {
		s.why = "a version 3 leaf needs \"raw_sha256\", 64 lowercase hex digits";
		goto out;
	}
	ret = 0;
out:
	if (ret && err)
		buf_addf(err, "%s at byte %zu", s.why ? s.why : "malformed", (size_t)(s.p - leaf));
	buf_release(&key);
	return ret;
}
