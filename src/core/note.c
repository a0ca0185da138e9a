/*
 * note.c - C2SP signed notes with Ed25519 keys (c2sp.org/signed-note) and
 * the checkpoint text they carry (c2sp.org/tlog-checkpoint).
 *
 * Everything here reads hostile input: notes come from stores and bundles,
 * keys from files. Parsers check size, UTF-8 and control characters before
 * anything else, never trust a key id they did not recompute, and leave
 * their output zeroed on failure. Signing and verifying go through OpenSSL
 * 3 libcrypto; each call builds and frees its own EVP_PKEY, which costs a
 * few microseconds and keeps no secret state around. Secret seeds are wiped
 * with OPENSSL_cleanse wherever they pass through a temporary buffer.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "trailscope/b64.h"
#include "trailscope/note.h"
#include "trailscope/util.h"

#define ED25519_KEY_LEN 32
#define ED25519_SIG_LEN 64
#define KEYID_HEX_LEN 8
#define SIGNER_PREFIX "PRIVATE+KEY+"
#define SIG_PREFIX "\xe2\x80\x94 " /* U+2014 EM DASH, space */
#define SIG_PREFIX_LEN 4

/*
 * Checks that s is valid UTF-8 with no ASCII control character other than
 * newline (the signed-note rule). Returns 0, or -1 with a reason in err.
 */
static int check_text(const char *s, size_t len, const char *what, struct buf *err)
{
	const unsigned char *p = (const unsigned char *)s;

	for (size_t i = 0; i < len;) {
		unsigned cp;
		size_t n = utf8_decode(p + i, len - i, &cp);

		if (!n) {
			buf_addf(err, "%s: invalid UTF-8 at byte %zu", what, i);
			return -1;
		}
		if (cp < 0x20 && cp != '\n') {
			buf_addf(err, "%s: control character 0x%02x at byte %zu", what, cp, i);
			return -1;
		}
		i += n;
	}
	return 0;
}

/* The Unicode White_Space property (what Go's unicode.IsSpace accepts). */
static int is_unicode_space(unsigned cp)
{
	return (cp >= 0x09 && cp <= 0x0d) || cp == 0x20 || cp == 0x85 || cp == 0xa0 ||
	       cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200a) || cp == 0x2028 ||
	       cp == 0x2029 || cp == 0x202f || cp == 0x205f || cp == 0x3000;
}

static int name_valid(const char *name, size_t len)
{
	const unsigned char *p = (const unsigned char *)name;

	if (!len)
		return 0;
	for (size_t i = 0; i < len;) {
		unsigned cp;
		size_t n = utf8_decode(p + i, len - i, &cp);

		/* controls are not spaces, but no note could carry them */
		if (!n || cp == '+' || is_unicode_space(cp) || cp < 0x20 || cp == 0x7f ||
		    (cp >= 0x80 && cp < 0xa0))
			return 0;
		i += n;
	}
	return 1;
}

int note_name_valid(const char *name)
{
	return name && name_valid(name, strlen(name));
}

static uint32_t get_be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void put_be32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 24);
	p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8);
	p[3] = (unsigned char)v;
}

/* SHA-256(name || "\n" || type || pub)[:4], big-endian. */
static uint32_t key_id(const char *name, size_t name_len, unsigned type,
		       const unsigned char pub[ED25519_KEY_LEN])
{
	struct buf in = BUF_INIT;
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int md_len = 0;

	buf_add(&in, name, name_len);
	buf_addch(&in, '\n');
	buf_addch(&in, (char)type);
	buf_add(&in, pub, ED25519_KEY_LEN);
	if (!EVP_Digest(in.buf, in.len, md, &md_len, EVP_sha256(), NULL) || md_len < 4)
		die("SHA-256 failed");
	buf_release(&in);
	return get_be32(md);
}

/* Derives the Ed25519 public key from a seed. Returns 0 or -1. */
static int derive_public(const unsigned char seed[ED25519_KEY_LEN], unsigned char pub[ED25519_KEY_LEN])
{
	EVP_PKEY *pkey = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, seed, ED25519_KEY_LEN);
	size_t len = ED25519_KEY_LEN;
	int ret = -1;

	if (!pkey)
		return -1;
	if (EVP_PKEY_get_raw_public_key(pkey, pub, &len) == 1 && len == ED25519_KEY_LEN)
		ret = 0;
	EVP_PKEY_free(pkey);
	return ret;
}

/* Appends "name+keyid+" then base64(type || key). */
static void add_key_text(struct buf *out, const char *name, uint32_t keyid, unsigned type,
			 const unsigned char key[ED25519_KEY_LEN])
{
	unsigned char raw[1 + ED25519_KEY_LEN];

	raw[0] = (unsigned char)type;
	memcpy(raw + 1, key, ED25519_KEY_LEN);
	/* room for everything up front, so no realloc leaves a copy behind */
	buf_grow(out, strlen(name) + 1 + KEYID_HEX_LEN + 1 + (sizeof(raw) + 2) / 3 * 4);
	buf_addf(out, "%s+%08" PRIx32 "+", name, keyid);
	b64_encode(out, raw, sizeof(raw));
	OPENSSL_cleanse(raw, sizeof(raw));
}

static int is_lower_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

/* "Ed25519 (0x01)" or "a witness cosigner (0x04)": for messages. */
static const char *key_type_words(unsigned type)
{
	return type == NOTE_KEY_COSIGNATURE_V1 ? "a witness (cosigner, signature type 0x04) key"
					       : "a log (Ed25519, signature type 0x01) key";
}

/*
 * Parses "NAME+KEYID+BASE64(type || key)" from s[0..len), where type must
 * be the expected one. On success sets *name (malloc'd), *keyid and key.
 * The decoded key goes through a buffer sized up front and wiped
 * afterwards, since it may be a secret seed.
 */
static int parse_key_fields(const char *s, size_t len, unsigned type, char **name, uint32_t *keyid,
			    unsigned char key[ED25519_KEY_LEN], struct buf *err)
{
	const char *plus = memchr(s, '+', len);
	const char *hex, *data;
	size_t name_len, data_len;
	struct buf raw = BUF_INIT;
	uint32_t id = 0;
	int ret = -1;

	if (!plus) {
		buf_addstr(err, "expected NAME+KEYID+KEY");
		return -1;
	}
	name_len = (size_t)(plus - s);
	if (!name_valid(s, name_len)) {
		buf_addstr(err, "bad key name (empty, or with spaces, '+', controls or invalid UTF-8)");
		return -1;
	}
	hex = plus + 1;
	if ((size_t)(s + len - hex) < KEYID_HEX_LEN + 1 || hex[KEYID_HEX_LEN] != '+') {
		buf_addstr(err, "expected an 8-digit key id after the name");
		return -1;
	}
	for (int i = 0; i < KEYID_HEX_LEN; i++) {
		if (!is_lower_hex(hex[i])) {
			buf_addstr(err, "the key id is not 8 lowercase hex digits");
			return -1;
		}
		id = id << 4 | (uint32_t)(hex[i] <= '9' ? hex[i] - '0' : hex[i] - 'a' + 10);
	}
	data = hex + KEYID_HEX_LEN + 1;
	data_len = (size_t)(s + len - data);
	if (data_len != (1 + ED25519_KEY_LEN + 2) / 3 * 4) {
		buf_addstr(err, "the key data has the wrong length");
		return -1;
	}
	buf_grow(&raw, data_len);
	if (b64_decode(&raw, data, data_len)) {
		buf_addstr(err, "the key data is not valid base64");
		goto out;
	}
	if (raw.len != 1 + ED25519_KEY_LEN) {
		buf_addstr(err, "the key data has the wrong length");
		goto out;
	}
	if ((unsigned char)raw.buf[0] != type) {
		unsigned got = (unsigned char)raw.buf[0];

		if (got == NOTE_KEY_ED25519 || got == NOTE_KEY_COSIGNATURE_V1)
			buf_addf(err, "this is %s, not %s", key_type_words(got), key_type_words(type));
		else
			buf_addf(err, "unsupported key type 0x%02x (expected 0x%02x)", got, type);
		goto out;
	}
	memcpy(key, raw.buf + 1, ED25519_KEY_LEN);
	*name = xstrndup(s, name_len);
	*keyid = id;
	ret = 0;
out:
	OPENSSL_cleanse(raw.buf, raw.alloc);
	buf_release(&raw);
	return ret;
}

static int is_ascii_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

/* Trims ASCII whitespace around text; sets *start and *len. */
static void trim(const char *text, const char **start, size_t *len)
{
	const char *e = text + strlen(text);

	while (*text && is_ascii_space(*text))
		text++;
	while (e > text && is_ascii_space(e[-1]))
		e--;
	*start = text;
	*len = (size_t)(e - text);
}

static int verifier_parse(const char *text, unsigned type, struct note_verifier *out, struct buf *err)
{
	const char *s;
	size_t len;

	memset(out, 0, sizeof(*out));
	trim(text, &s, &len);
	if (len >= strlen(SIGNER_PREFIX) && !memcmp(s, SIGNER_PREFIX, strlen(SIGNER_PREFIX))) {
		buf_addstr(err, "this is a signer (private) key, not a verifier key");
		return -1;
	}
	if (parse_key_fields(s, len, type, &out->name, &out->keyid, out->pub, err))
		return -1;
	if (key_id(out->name, strlen(out->name), type, out->pub) != out->keyid) {
		buf_addstr(err, "the key id does not match the key");
		note_verifier_release(out);
		return -1;
	}
	out->type = (unsigned char)type;
	return 0;
}

int note_verifier_parse(const char *text, struct note_verifier *out, struct buf *err)
{
	return verifier_parse(text, NOTE_KEY_ED25519, out, err);
}

int note_cosigner_parse(const char *text, struct note_verifier *out, struct buf *err)
{
	return verifier_parse(text, NOTE_KEY_COSIGNATURE_V1, out, err);
}

static int signer_parse(const char *text, unsigned type, struct note_signer *out, struct buf *err)
{
	const char *s;
	size_t len, plen = strlen(SIGNER_PREFIX);

	memset(out, 0, sizeof(*out));
	trim(text, &s, &len);
	if (len < plen || memcmp(s, SIGNER_PREFIX, plen)) {
		buf_addstr(err, "a signer key starts with PRIVATE+KEY+");
		return -1;
	}
	if (parse_key_fields(s + plen, len - plen, type, &out->name, &out->keyid, out->seed, err))
		goto fail;
	if (derive_public(out->seed, out->pub)) {
		buf_addstr(err, "cannot derive the public key");
		goto fail;
	}
	if (key_id(out->name, strlen(out->name), type, out->pub) != out->keyid) {
		buf_addstr(err, "the key id does not match the key");
		goto fail;
	}
	out->type = (unsigned char)type;
	return 0;
fail:
	note_signer_release(out);
	return -1;
}

int note_signer_parse(const char *text, struct note_signer *out, struct buf *err)
{
	return signer_parse(text, NOTE_KEY_ED25519, out, err);
}

int note_cosigner_signer_parse(const char *text, struct note_signer *out, struct buf *err)
{
	return signer_parse(text, NOTE_KEY_COSIGNATURE_V1, out, err);
}

void note_verifier_release(struct note_verifier *v)
{
	free(v->name);
	memset(v, 0, sizeof(*v));
}

void note_signer_release(struct note_signer *s)
{
	free(s->name);
	OPENSSL_cleanse(s, sizeof(*s));
}

void note_signer_verifier_text(const struct note_signer *s, struct buf *out)
{
	add_key_text(out, s->name, s->keyid, s->type ? s->type : NOTE_KEY_ED25519, s->pub);
}

int note_keygen(const char *name, struct buf *signer_text, struct buf *verifier_text)
{
	return note_keygen_type(name, NOTE_KEY_ED25519, signer_text, verifier_text);
}

int note_keygen_type(const char *name, unsigned type, struct buf *signer_text, struct buf *verifier_text)
{
	unsigned char seed[ED25519_KEY_LEN], pub[ED25519_KEY_LEN];
	uint32_t keyid;
	int ret = -1;

	if (!note_name_valid(name) || (type != NOTE_KEY_ED25519 && type != NOTE_KEY_COSIGNATURE_V1))
		return -1;
	if (RAND_bytes(seed, sizeof(seed)) != 1 || derive_public(seed, pub))
		goto out;
	keyid = key_id(name, strlen(name), type, pub);
	buf_grow(signer_text, strlen(SIGNER_PREFIX));
	buf_addstr(signer_text, SIGNER_PREFIX);
	add_key_text(signer_text, name, keyid, type, seed);
	add_key_text(verifier_text, name, keyid, type, pub);
	ret = 0;
out:
	OPENSSL_cleanse(seed, sizeof(seed));
	return ret;
}

int note_ed25519_sign(const unsigned char seed[32], const void *msg, size_t len, unsigned char sig[64])
{
	EVP_PKEY *pkey = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, seed, ED25519_KEY_LEN);
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	size_t sig_len = ED25519_SIG_LEN;
	int ok = pkey && ctx && EVP_DigestSignInit(ctx, NULL, NULL, NULL, pkey) == 1 &&
		 EVP_DigestSign(ctx, sig, &sig_len, msg, len) == 1 && sig_len == ED25519_SIG_LEN;

	EVP_MD_CTX_free(ctx);
	EVP_PKEY_free(pkey);
	return ok ? 0 : -1;
}

int note_sign(const struct note_signer *s, const char *text, size_t len,
	      struct buf *out, struct buf *err)
{
	unsigned char payload[4 + ED25519_SIG_LEN];

	if (s->type == NOTE_KEY_COSIGNATURE_V1) {
		buf_addstr(err, "a witness (cosigner) key cannot sign a checkpoint as the log");
		return -1;
	}
	if (!len) {
		buf_addstr(err, "the note text is empty");
		return -1;
	}
	if (len > NOTE_MAX_SIZE) {
		buf_addstr(err, "the note text is too large");
		return -1;
	}
	if (check_text(text, len, "note text", err))
		return -1;
	if (text[len - 1] != '\n') {
		buf_addstr(err, "the note text does not end with a newline");
		return -1;
	}
	if (text[0] == '\n' || memmem(text, len, "\n\n", 2)) {
		buf_addstr(err, "the note text contains a blank line");
		return -1;
	}
	if (!note_name_valid(s->name)) {
		buf_addstr(err, "bad signer key name");
		return -1;
	}
	if (len + strlen(s->name) + 2 + SIG_PREFIX_LEN + 1 + (sizeof(payload) + 2) / 3 * 4 + 1 >
	    NOTE_MAX_SIZE) {
		buf_addstr(err, "the signed note would be too large");
		return -1;
	}
	if (note_ed25519_sign(s->seed, text, len, payload + 4)) {
		buf_addstr(err, "Ed25519 signing failed");
		return -1;
	}
	put_be32(payload, s->keyid);
	buf_add(out, text, len);
	buf_addch(out, '\n');
	note_sig_line(s->name, payload, sizeof(payload), out);
	return 0;
}

void note_sig_line(const char *name, const void *data, size_t len, struct buf *out)
{
	buf_addstr(out, SIG_PREFIX);
	buf_addstr(out, name);
	buf_addch(out, ' ');
	b64_encode(out, data, len);
	buf_addch(out, '\n');
}

/* Parses one signature line s[0..len) (without its newline) into sig. */
static int parse_sig_line(const char *s, size_t len, struct note_sig *sig, struct buf *err)
{
	const char *name, *sp, *data;
	struct buf raw = BUF_INIT;
	int ret = -1;

	if (len < SIG_PREFIX_LEN || memcmp(s, SIG_PREFIX, SIG_PREFIX_LEN)) {
		buf_addstr(err, "does not start with an em dash (U+2014) and a space");
		return -1;
	}
	name = s + SIG_PREFIX_LEN;
	sp = memchr(name, ' ', (size_t)(s + len - name));
	if (!sp) {
		buf_addstr(err, "expected a key name, a space and a signature");
		return -1;
	}
	if (!name_valid(name, (size_t)(sp - name))) {
		buf_addstr(err, "bad key name");
		return -1;
	}
	data = sp + 1;
	if (b64_decode(&raw, data, (size_t)(s + len - data))) {
		buf_addstr(err, "the signature is not valid base64");
		goto out;
	}
	if (raw.len < 5) {
		buf_addstr(err, "the signature is too short");
		goto out;
	}
	sig->name = xstrndup(name, (size_t)(sp - name));
	sig->keyid = get_be32((const unsigned char *)raw.buf);
	sig->sig_len = raw.len - 4;
	memcpy(sig->sig, raw.buf + 4, sig->sig_len < sizeof(sig->sig) ? sig->sig_len : sizeof(sig->sig));
	ret = 0;
out:
	buf_release(&raw);
	return ret;
}

int note_parse(const char *msg, size_t len, struct note *out, struct buf *err)
{
	size_t split, nlines = 0, i;
	const char *block, *end = msg + len;

	memset(out, 0, sizeof(*out));
	if (len > NOTE_MAX_SIZE) {
		buf_addf(err, "note too large (%zu bytes, limit %u)", len, NOTE_MAX_SIZE);
		return -1;
	}
	if (check_text(msg, len, "note", err))
		return -1;
	if (!len || msg[len - 1] != '\n') {
		buf_addstr(err, "note does not end with a newline");
		return -1;
	}
	/* the signatures start after the last blank line */
	for (split = len - 1; split > 0 && !(msg[split - 1] == '\n' && msg[split] == '\n'); split--)
		;
	if (!split) {
		buf_addstr(err, "note has no blank line before its signatures");
		return -1;
	}
	block = msg + split + 1;
	for (i = 0; i < split && msg[i] == '\n'; i++)
		;
	if (i == split) {
		buf_addstr(err, "note text is empty");
		return -1;
	}
	for (const char *p = block; p < end; p++)
		nlines += *p == '\n';
	if (!nlines) {
		buf_addstr(err, "note has no signatures");
		return -1;
	}
	if (nlines > NOTE_MAX_SIGS) {
		buf_addf(err, "note has %zu signatures, more than %d", nlines, NOTE_MAX_SIGS);
		return -1;
	}
	out->sigs = xcalloc(nlines, sizeof(*out->sigs));
	for (const char *p = block; p < end; out->nsigs++) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		struct buf why = BUF_INIT;

		if (parse_sig_line(p, (size_t)(nl - p), &out->sigs[out->nsigs], &why)) {
			buf_addf(err, "signature line %zu: %s", out->nsigs + 1, why.buf);
			buf_release(&why);
			note_release(out);
			return -1;
		}
		p = nl + 1;
	}
	out->text = xstrndup(msg, split);
	out->text_len = split;
	return 0;
}

void note_release(struct note *n)
{
	for (size_t i = 0; i < n->nsigs; i++)
		free(n->sigs[i].name);
	free(n->sigs);
	free(n->text);
	memset(n, 0, sizeof(*n));
}

int note_ed25519_verify(const unsigned char pub[32], const unsigned char sig[64], const void *msg, size_t len)
{
	EVP_PKEY *pkey = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, pub, ED25519_KEY_LEN);
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	int ok = pkey && ctx &&
		 EVP_DigestVerifyInit(ctx, NULL, NULL, NULL, pkey) == 1 &&
		 EVP_DigestVerify(ctx, sig, ED25519_SIG_LEN, msg, len) == 1;

	EVP_MD_CTX_free(ctx);
	EVP_PKEY_free(pkey);
	return ok;
}

enum note_sig_status note_verify(const struct note *n, const struct note_verifier *v)
{
	enum note_sig_status st = NOTE_SIG_NONE;

	if (!v->name || v->type == NOTE_KEY_COSIGNATURE_V1)
		return NOTE_SIG_NONE; /* a cosigner's lines sign another message (cosig.h) */
	/* Every line naming the key is checked: one that fails taints the
	 * note even when another line from the key verifies (Go's note.Open
	 * rejects such a note too). */
	for (size_t i = 0; i < n->nsigs; i++) {
		const struct note_sig *sig = &n->sigs[i];

		if (sig->keyid != v->keyid || strcmp(sig->name, v->name))
			continue;
		if (sig->sig_len != ED25519_SIG_LEN || !note_ed25519_verify(v->pub, sig->sig, n->text, n->text_len))
			return NOTE_SIG_BAD;
		st = NOTE_SIG_OK;
	}
	return st;
}

/* Parses a tree size: decimal, no leading zeros, fits uint64. */
static int parse_size(const char *s, size_t len, uint64_t *out)
{
	uint64_t v = 0;

	if (!len || (len > 1 && s[0] == '0'))
		return -1;
	for (size_t i = 0; i < len; i++) {
		unsigned d = (unsigned)(s[i] - '0');

		if (s[i] < '0' || s[i] > '9' || v > (UINT64_MAX - d) / 10)
			return -1;
		v = v * 10 + d;
	}
	*out = v;
	return 0;
}

int checkpoint_parse(const char *text, size_t len, struct checkpoint *out, struct buf *err)
{
	const char *line[3], *end = text + len, *p = text;
	size_t line_len[3];
	struct buf raw = BUF_INIT;

	memset(out, 0, sizeof(*out));
	if (len > NOTE_MAX_SIZE) {
		buf_addstr(err, "checkpoint too large");
		return -1;
	}
	if (check_text(text, len, "checkpoint", err))
		return -1;
	if (!len || text[len - 1] != '\n') {
		buf_addstr(err, "checkpoint does not end with a newline");
		return -1;
	}
	for (int i = 0; i < 3; i++) {
		const char *nl = p < end ? memchr(p, '\n', (size_t)(end - p)) : NULL;

		if (!nl) {
			buf_addf(err, "checkpoint has %d lines, expected at least 3", i);
			return -1;
		}
		line[i] = p;
		line_len[i] = (size_t)(nl - p);
		p = nl + 1;
	}
	if (!line_len[0]) {
		buf_addstr(err, "checkpoint origin is empty");
		return -1;
	}
	if (parse_size(line[1], line_len[1], &out->size)) {
		buf_addstr(err, "checkpoint tree size is not a decimal number without leading zeros "
			   "that fits 64 bits");
		return -1;
	}
	if (b64_decode(&raw, line[2], line_len[2]) || raw.len != HASH_LEN) {
		buf_release(&raw);
		buf_addstr(err, "checkpoint root hash is not base64 of 32 bytes");
		return -1;
	}
	memcpy(out->root, raw.buf, HASH_LEN);
	buf_release(&raw);
	/* extension lines: opaque, but each must be non-empty */
	for (; p < end; p++) {
		if (*p == '\n' && p[-1] == '\n') {
			buf_addstr(err, "checkpoint has an empty extension line");
			memset(out, 0, sizeof(*out));
			return -1;
		}
	}
	out->origin = xstrndup(line[0], line_len[0]);
	return 0;
}

void checkpoint_release(struct checkpoint *c)
{
	free(c->origin);
	memset(c, 0, sizeof(*c));
}

void checkpoint_format(const char *origin, uint64_t size, const unsigned char root[HASH_LEN],
		       struct buf *out)
{
	buf_addf(out, "%s\n%" PRIu64 "\n", origin, size);
	b64_encode(out, root, HASH_LEN);
	buf_addch(out, '\n');
}
