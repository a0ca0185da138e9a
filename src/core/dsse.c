/*
 * dsse.c - DSSE envelopes signed with Ed25519 (dsse.h): the
 * pre-authentication encoding, signing through libcrypto, and reading an
 * envelope back with its signatures checked. Cost: one Ed25519 operation
 * per signature over the PAE, which holds the whole payload.
 */
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "trailscope/b64.h"
#include "trailscope/dsse.h"
#include "trailscope/jcs.h"
#include "trailscope/util.h"

#define ED25519_SIG_LEN 64

void dsse_pae(const char *type, const void *body, size_t len, struct buf *out)
{
	buf_addf(out, "DSSEv1 %zu %s %zu ", strlen(type), type, len);
	buf_add(out, body, len);
}

void dsse_keyid(const char *name, uint32_t keyid, struct buf *out)
{
	buf_addf(out, "%s+%08x", name, keyid);
}

int dsse_sign(const struct note_signer *key, const char *type, const void *body, size_t len,
	      struct buf *out)
{
	struct buf pae = BUF_INIT, b64 = BUF_INIT, kid = BUF_INIT;
	unsigned char sig[ED25519_SIG_LEN];
	size_t sig_len = sizeof(sig);
	EVP_PKEY *pkey = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, key->seed, sizeof(key->seed));
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	json_t *env = NULL, *sigs, *s;
	int ret = -1;

	dsse_pae(type, body, len, &pae);
	if (!pkey || !ctx || EVP_DigestSignInit(ctx, NULL, NULL, NULL, pkey) != 1 ||
	    EVP_DigestSign(ctx, sig, &sig_len, (const unsigned char *)pae.buf, pae.len) != 1 ||
	    sig_len != ED25519_SIG_LEN) {
		error("cannot sign the envelope with key '%s'", key->name);
		goto out;
	}
	env = json_object();
	b64_encode(&b64, body, len);
	json_object_set_new(env, "payload", json_string(b64.buf));
	json_object_set_new(env, "payloadType", json_string(type));
	buf_reset(&b64);
	b64_encode(&b64, sig, sig_len);
	dsse_keyid(key->name, key->keyid, &kid);
	s = json_object();
	json_object_set_new(s, "keyid", json_string(kid.buf));
	json_object_set_new(s, "sig", json_string(b64.buf));
	sigs = json_array();
	json_array_append_new(sigs, s);
	json_object_set_new(env, "signatures", sigs);
	json_append(out, env);
	buf_addch(out, '\n');
	ret = 0;
out:
	json_decref(env);
	EVP_MD_CTX_free(ctx);
	EVP_PKEY_free(pkey);
	buf_release(&pae);
	buf_release(&b64);
	buf_release(&kid);
	return ret;
}

static int ed25519_ok(const unsigned char pub[32], const unsigned char *sig, const struct buf *msg)
{
	EVP_PKEY *pkey = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, pub, 32);
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	int ok = pkey && ctx && EVP_DigestVerifyInit(ctx, NULL, NULL, NULL, pkey) == 1 &&
		 EVP_DigestVerify(ctx, sig, ED25519_SIG_LEN, (const unsigned char *)msg->buf, msg->len) == 1;

	EVP_MD_CTX_free(ctx);
	EVP_PKEY_free(pkey);
	return ok;
}

/* Base64, standard or URL-safe (DSSE allows both), padding optional. */
static int b64_any(const char *s, size_t len, struct buf *out)
{
	struct buf t = BUF_INIT;
	int ret;

	for (size_t i = 0; i < len; i++)
		buf_addch(&t, s[i] == '-' ? '+' : s[i] == '_' ? '/' : s[i]);
	while (t.len % 4)
		buf_addch(&t, '=');
	ret = b64_decode(out, t.buf, t.len);
	buf_release(&t);
	return ret;
}

void dsse_envelope_release(struct dsse_envelope *e)
{
	free(e->type);
	buf_release(&e->body);
	memset(e, 0, sizeof(*e));
}

int dsse_open(const char *text, size_t len, const struct note_verifier *trusted, size_t n,
	      struct dsse_envelope *out, struct buf *err)
{
	json_t *env;
	const json_t *payload, *type, *sigs, *s;
	struct buf pae = BUF_INIT, sig = BUF_INIT, kid = BUF_INIT;
	json_error_t jerr;
	int ret = -1;
	size_t i;

	memset(out, 0, sizeof(*out));
	buf_init(&out->body);
	out->trusted = -1;
	/* jansson itself, not json_parse_strict: an envelope holds a whole
	 * statement, larger than one event's record may be */
	env = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!env) {
		buf_addf(err, "%d:%d: not a DSSE envelope: %s", jerr.line, jerr.column, jerr.text);
		return -1;
	}
	payload = json_object_get(env, "payload");
	type = json_object_get(env, "payloadType");
	sigs = json_object_get(env, "signatures");
	if (!json_is_object(env) || !json_is_string(payload) || !json_is_string(type) || !json_is_array(sigs)) {
		buf_addstr(err, "not a DSSE envelope: it needs \"payload\" and \"payloadType\" strings and a "
			   "\"signatures\" array");
		goto out;
	}
	if (b64_any(json_string_value(payload), json_string_length(payload), &out->body)) {
		buf_addstr(err, "the envelope's \"payload\" is not base64");
		goto out;
	}
	out->type = xstrdup(json_string_value(type));
	dsse_pae(out->type, out->body.buf, out->body.len, &pae);
	json_array_foreach(sigs, i, s) {
		const json_t *sv = json_object_get(s, "sig"), *kv = json_object_get(s, "keyid");
		const char *keyid = json_is_string(kv) ? json_string_value(kv) : "";

		if (!json_is_string(sv)) {
			buf_addf(err, "signature %zu has no \"sig\" string", i + 1);
			goto out;
		}
		out->nsigs++;
		buf_reset(&sig);
		if (b64_any(json_string_value(sv), json_string_length(sv), &sig) || sig.len != ED25519_SIG_LEN) {
			/* not an Ed25519 signature: no key of ours made it */
			for (size_t k = 0; k < n; k++) {
				buf_reset(&kid);
				dsse_keyid(trusted[k].name, trusted[k].keyid, &kid);
				if (!strcmp(kid.buf, keyid))
					out->bad = 1;
			}
			continue;
		}
		for (size_t k = 0; k < n; k++) {
			int named;

			buf_reset(&kid);
			dsse_keyid(trusted[k].name, trusted[k].keyid, &kid);
			named = !strcmp(kid.buf, keyid);
			if (ed25519_ok(trusted[k].pub, (const unsigned char *)sig.buf, &pae)) {
				if (out->trusted < 0)
					out->trusted = (int)k;
			} else if (named) {
				out->bad = 1;
			}
		}
	}
	ret = 0;
out:
	if (ret)
		dsse_envelope_release(out);
	json_decref(env);
	buf_release(&pae);
	buf_release(&sig);
	buf_release(&kid);
	return ret;
}
