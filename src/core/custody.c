/*
 * custody.c - writing and checking the chain-of-custody record (see
 * custody.h). Cost: one canonical serialisation, one SHA-256 and one
 * Ed25519 operation per entry.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <openssl/evp.h>

#include "trailscope/b64.h"
#include "trailscope/custody.h"
#include "trailscope/jcs.h"
#include "trailscope/util.h"
#include "trailscope/version.h"

static const char *const actions[][2] = {
	{ "created", "examiner" },
	{ "transferred", "sender" },
	{ "received", "recipient" },
	{ "verified", "verifier" },
	{ "note", "custodian" },
};

int custody_action_valid(const char *action)
{
	for (size_t i = 0; i < ARRAY_SIZE(actions); i++)
		if (!strcmp(action, actions[i][0]))
			return 1;
	return 0;
}

static const char *default_role(const char *action)
{
	for (size_t i = 0; i < ARRAY_SIZE(actions); i++)
		if (!strcmp(action, actions[i][0]))
			return actions[i][1];
	return "custodian";
}

static void sha256_hex(const void *data, size_t len, struct buf *out)
{
	unsigned char md[32];
	unsigned mdlen = 0;

	if (!EVP_Digest(data, len, md, &mdlen, EVP_sha256(), NULL))
		die("SHA-256 failed");
	buf_addhex(out, md, 32);
}

/* The signed message: the domain string, then the entry without "sig". */
static int signed_message(const json_t *entry, struct buf *msg)
{
	json_t *copy = json_deep_copy(entry);
	struct buf err = BUF_INIT;
	int ret;

	json_object_del(copy, "sig");
	buf_addstr(msg, CUSTODY_SIG_DOMAIN);
	ret = jcs_serialize(copy, msg, &err);
	json_decref(copy);
	buf_release(&err);
	return ret;
}

static int ed25519_sign(const unsigned char seed[32], const struct buf *msg, unsigned char sig[64])
{
	EVP_PKEY *pkey = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, seed, 32);
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	size_t len = 64;
	int ok = pkey && ctx && EVP_DigestSignInit(ctx, NULL, NULL, NULL, pkey) == 1 &&
		 EVP_DigestSign(ctx, sig, &len, (const unsigned char *)msg->buf, msg->len) == 1 && len == 64;

	EVP_MD_CTX_free(ctx);
	EVP_PKEY_free(pkey);
	return ok ? 0 : -1;
}

static int ed25519_verify(const unsigned char pub[32], const unsigned char sig[64], const struct buf *msg)
{
	EVP_PKEY *pkey = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, pub, 32);
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	int ok = pkey && ctx && EVP_DigestVerifyInit(ctx, NULL, NULL, NULL, pkey) == 1 &&
		 EVP_DigestVerify(ctx, sig, 64, (const unsigned char *)msg->buf, msg->len) == 1;

	EVP_MD_CTX_free(ctx);
	EVP_PKEY_free(pkey);
	return ok;
}

/* The string as tag-safe text: controls, C1, bidi and line separators escaped. */
static json_t *safe_string(const char *s)
{
	struct buf b = BUF_INIT;
	json_t *j;

	buf_add_term_safe(&b, s, strlen(s));
	j = json_string(b.buf);
	buf_release(&b);
	return j;
}

static json_t *str_or_null(const char *s)
{
	return s ? safe_string(s) : json_null();
}

int custody_entry(const struct custody_fields *f, long seq, const char *prev, size_t prev_len,
		  const struct note_signer *key, struct buf *out)
{
	json_t *o;
	struct buf msg = BUF_INIT, h = BUF_INIT, kt = BUF_INIT, sig64 = BUF_INIT, err = BUF_INIT;
	char now[32], host[256], tool[64];
	int ret = -1;

	if (!custody_action_valid(f->action))
		return error("unknown custody action '%s' (created, transferred, received, verified, note)",
			     f->action);
	if (!f->actor || !*f->actor)
		return error("a custody entry needs an actor");
	if (!key)
		return error("a custody entry needs the actor's signing key");
	if (!f->time)
		time_format(time_now(), now);
	if (!f->host && gethostname(host, sizeof(host)))
		snprintf(host, sizeof(host), "unknown");
	host[sizeof(host) - 1] = '\0';
	snprintf(tool, sizeof(tool), "trailscope %s", TRAILSCOPE_VERSION);
	o = json_object();
	json_object_set_new(o, "v", json_integer(1));
	json_object_set_new(o, "seq", json_integer(seq));
	json_object_set_new(o, "action", json_string(f->action));
	json_object_set_new(o, "actor", safe_string(f->actor));
	json_object_set_new(o, "role", safe_string(f->role && *f->role ? f->role : default_role(f->action)));
	json_object_set_new(o, "time", json_string(f->time ? f->time : now));
	json_object_set_new(o, "host", safe_string(f->host ? f->host : host));
	json_object_set_new(o, "tool", safe_string(f->tool ? f->tool : tool));
	json_object_set_new(o, "case_id", json_string(f->case_id ? f->case_id : ""));
	json_object_set_new(o, "note", str_or_null(f->note && *f->note ? f->note : NULL));
	json_object_set_new(o, "manifest_sha256", json_string(f->manifest_sha256));
	if (prev) {
		sha256_hex(prev, prev_len, &h);
		json_object_set_new(o, "prev", json_string(h.buf));
	} else {
		json_object_set_new(o, "prev", json_null());
	}
	if (f->extra && !strcmp(f->action, "created")) {
		const char *k;
		json_t *v;

		json_object_foreach((json_t *)f->extra, k, v)
			if (!json_object_get(o, k))
				json_object_set(o, k, v);
	}
	if (key) {
		unsigned char sig[64];

		note_signer_verifier_text(key, &kt);
		json_object_set_new(o, "key", json_string(kt.buf));
		if (signed_message(o, &msg) || ed25519_sign(key->seed, &msg, sig)) {
			error("cannot sign the custody entry");
			goto out;
		}
		b64_encode(&sig64, sig, 64);
		json_object_set_new(o, "sig", json_string(sig64.buf));
	} else {
		json_object_set_new(o, "key", json_null());
		json_object_set_new(o, "sig", json_null());
	}
	if (jcs_serialize(o, out, &err)) {
		error("cannot serialise the custody entry: %s", err.buf);
		goto out;
	}
	buf_addch(out, '\n');
	ret = 0;
out:
	json_decref(o);
	buf_release(&msg);
	buf_release(&h);
	buf_release(&kt);
	buf_release(&sig64);
	buf_release(&err);
	return ret;
}

void custody_report_release(struct custody_report *r)
{
	for (size_t i = 0; i < r->n; i++) {
		free(r->v[i].action);
		free(r->v[i].actor);
		free(r->v[i].role);
		free(r->v[i].time);
		free(r->v[i].signer);
	}
	free(r->v);
	free(r->case_id);
	json_decref(r->created);
	memset(r, 0, sizeof(*r));
}

static const char *member_str(const json_t *o, const char *key)
{
	const json_t *v = json_object_get(o, key);

	return json_is_string(v) ? json_string_value(v) : NULL;
}

static int is_hex64(const char *s)
{
	if (!s || strlen(s) != 64)
		return 0;
	for (; *s; s++)
		if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f')))
			return 0;
	return 1;
}

static int key_trusted(const struct note_verifier *v, const struct note_verifier *trusted, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (trusted[i].keyid == v->keyid && !strcmp(trusted[i].name, v->name) &&
		    !memcmp(trusted[i].pub, v->pub, 32))
			return 1;
	return 0;
}

#define FAULT(...) bag_fault_add(F, CUSTODY_FILE, no, __VA_ARGS__)

static void check_line(const char *s, size_t len, long no, const char *prev, size_t prev_len,
		       const char *manifest_hex, const struct note_verifier *trusted, size_t ntrusted,
		       struct bag_faults *F, struct custody_report *r)
{
	struct buf err = BUF_INIT, canon = BUF_INIT, h = BUF_INIT, msg = BUF_INIT, sig = BUF_INIT;
	const char *action, *actor, *role, *time, *case_id, *keytext, *sig64, *mh;
	const json_t *seq, *pv, *note;
	struct custody_item *it;
	json_t *o;
	int line, col;
	usec_t t;

	o = json_parse_strict(s, len, &line, &col, &err);
	if (!o || !json_is_object(o)) {
		FAULT("not a JSON object%s%s", o ? "" : ": ", o ? "" : err.buf);
		goto out;
	}
	if (jcs_serialize(o, &canon, &err) || canon.len != len || memcmp(canon.buf, s, len))
		FAULT("not in canonical form (RFC 8785): the line was edited");
	action = member_str(o, "action");
	actor = member_str(o, "actor");
	role = member_str(o, "role");
	time = member_str(o, "time");
	case_id = member_str(o, "case_id");
	keytext = member_str(o, "key");
	sig64 = member_str(o, "sig");
	mh = member_str(o, "manifest_sha256");
	seq = json_object_get(o, "seq");
	pv = json_object_get(o, "prev");
	note = json_object_get(o, "note");
	ALLOC_GROW(r->v, r->n + 1, r->alloc);
	it = &r->v[r->n++];
	memset(it, 0, sizeof(*it));
	it->line = no;
	it->action = xstrdup(action ? action : "?");
	it->actor = xstrdup(actor ? actor : "?");
	it->role = xstrdup(role ? role : "?");
	it->time = xstrdup(time ? time : "?");
	if (!json_is_number(json_object_get(o, "v")) || json_number_value(json_object_get(o, "v")) != 1)
		FAULT("\"v\" must be 1");
	if (!json_is_number(seq) || json_number_value(seq) != (double)no)
		FAULT("\"seq\" must be %ld, its line number (entries were removed, added or reordered)", no);
	if (!action || !custody_action_valid(action))
		FAULT("bad \"action\" (created, transferred, received, verified, note)");
	else if ((no == 1) != !strcmp(action, "created"))
		FAULT(no == 1 ? "the first entry must be \"created\"" : "\"created\" after the first entry");
	if (!actor || !*actor)
		FAULT("missing \"actor\"");
	if (!role || !member_str(o, "host") || !member_str(o, "tool"))
		FAULT("missing \"role\", \"host\" or \"tool\"");
	if (!time || time_parse_iso(time, &t, &(const char *){ NULL }))
		FAULT("missing or bad \"time\"");
	if (!json_is_string(note) && !json_is_null(note))
		FAULT("\"note\" must be a string or null");
	if (!case_id) {
		FAULT("missing \"case_id\"");
	} else if (!r->case_id) {
		r->case_id = xstrdup(case_id);
	} else if (strcmp(r->case_id, case_id)) {
		FAULT("case id '%s' differs from the first entry's '%s'", case_id, r->case_id);
	}
	if (!is_hex64(mh))
		FAULT("missing or bad \"manifest_sha256\"");
	else if (manifest_hex && strcmp(mh, manifest_hex))
		FAULT("manifest_sha256 %.16s... does not match manifest-sha256.txt (%.16s...): the payload "
		      "manifest changed after this entry", mh, manifest_hex);
	if (no == 1) {
		const json_t *bi = json_object_get(o, "bag_info"), *st = json_object_get(o, "store"), *pair;
		size_t i;
		int bad = !!bi && !json_is_array(bi);

		json_array_foreach(bi, i, pair)
			if (!json_is_array(pair) || json_array_size(pair) != 2 ||
			    !json_is_string(json_array_get(pair, 0)) || !json_is_string(json_array_get(pair, 1)))
				bad = 1;
		if (bad)
			FAULT("\"bag_info\" must be an array of [label, value] string pairs");
		if (st && (!json_is_object(st) || !json_is_string(json_object_get(st, "verdict"))))
			FAULT("\"store\" must be an object with a string \"verdict\"");
	} else if (json_object_get(o, "bag_info") || json_object_get(o, "store")) {
		FAULT("\"bag_info\" and \"store\" belong to the first entry only");
	}
	if (!prev) {
		if (!json_is_null(pv))
			FAULT("the first entry's \"prev\" must be null");
	} else {
		sha256_hex(prev, prev_len, &h);
		if (!json_is_string(pv) || strcmp(json_string_value(pv), h.buf))
			FAULT("\"prev\" does not match the SHA-256 of line %ld: the chain is broken", no - 1);
	}
	if (!keytext || !sig64) {
		r->unsigned_entries++;
		FAULT("missing \"key\" or \"sig\": every custody entry must be signed by its actor");
	} else {
		struct note_verifier v = { 0 };
		struct buf kerr = BUF_INIT;

		if (note_verifier_parse(keytext, &v, &kerr)) {
			FAULT("bad \"key\": %s", kerr.buf);
		} else if (b64_decode(&sig, sig64, strlen(sig64)) || sig.len != 64) {
			FAULT("bad \"sig\" (base64 of a 64-byte Ed25519 signature)");
		} else if (signed_message(o, &msg) ||
			   !ed25519_verify(v.pub, (const unsigned char *)sig.buf, &msg)) {
			FAULT("signature does not verify with the key of '%s'", v.name);
		} else {
			it->signer = xstrdup(v.name);
			it->trusted = key_trusted(&v, trusted, ntrusted);
			if (no == 1 && action && !strcmp(action, "created") && !r->created)
				r->created = json_incref(o);
			if (!it->trusted)
				r->untrusted_entries++;
		}
		buf_release(&kerr);
		note_verifier_release(&v);
	}
out:
	json_decref(o);
	buf_release(&err);
	buf_release(&canon);
	buf_release(&h);
	buf_release(&msg);
	buf_release(&sig);
}

void custody_verify(const char *text, size_t len, const char *manifest_hex,
		    const struct note_verifier *trusted, size_t ntrusted,
		    struct bag_faults *F, struct custody_report *r)
{
	const char *prev = NULL;
	size_t prev_len = 0, pos = 0;
	long no = 0;

	memset(r, 0, sizeof(*r));
	if (!len) {
		bag_fault_add(F, CUSTODY_FILE, 0, "empty: no \"created\" entry");
		return;
	}
	while (pos < len) {
		const char *s = text + pos, *nl = memchr(s, '\n', len - pos);
		size_t l = nl ? (size_t)(nl - s) : len - pos;

		no++;
		if (!nl)
			FAULT("the last line has no newline (truncated?)");
		if (!l)
			FAULT("empty line");
		else
			check_line(s, l, no, prev, prev_len, manifest_hex, trusted, ntrusted, F, r);
		prev = s;
		prev_len = l;
		pos += l + 1;
	}
}
