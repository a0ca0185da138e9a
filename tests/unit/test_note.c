/*
 * test_note.c - unit tests for note.c: the Go sumdb/note Ed25519 vector,
 * key generation and parsing, signing and verifying (including tampered
 * notes and look-alike keys), malformed notes and keys, and checkpoint
 * text. Everything runs on fixed inputs except the keygen cases, whose
 * keys are random but whose outcomes are not.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>

#include "check.h"
#include "trailscope/b64.h"
#include "trailscope/note.h"
#include "trailscope/util.h"

/* the vector file: "vkey: ...", "skey: ...", then the note after "---" */
struct vector {
	char *file;
	char *vkey;
	char *skey;
	const char *note;
	size_t note_len;
};

static char *line_value(const char *text, const char *key)
{
	const char *p = strstr(text, key);
	const char *nl;

	if (!p) {
		fprintf(stderr, "  vector: no '%s' line\n", key);
		exit(2);
	}
	p += strlen(key);
	nl = strchr(p, '\n');
	return xstrndup(p, nl ? (size_t)(nl - p) : strlen(p));
}

static void vector_load(struct vector *v)
{
	struct buf path = BUF_INIT;
	size_t len;
	const char *sep;

	buf_addf(&path, "%s/vectors/note/ed25519-note-vector.txt", shared_dir());
	v->file = read_file(path.buf, 65536, &len);
	if (!v->file) {
		fprintf(stderr, "  cannot read %s\n", path.buf);
		exit(2);
	}
	buf_release(&path);
	v->vkey = line_value(v->file, "\nvkey: ");
	v->skey = line_value(v->file, "\nskey: ");
	sep = strstr(v->file, "\n---\n");
	if (!sep) {
		fprintf(stderr, "  vector: no '---' line\n");
		exit(2);
	}
	v->note = sep + 5;
	v->note_len = len - (size_t)(v->note - v->file);
}

static void vector_release(struct vector *v)
{
	free(v->file);
	free(v->vkey);
	free(v->skey);
}

/* The vector's signature line, for building malformed notes around it. */
static const char *vector_sig_line(const struct vector *v)
{
	const char *p = strstr(v->note, "\n\n");

	return p ? p + 2 : "";
}

static int parses(const char *msg, size_t len)
{
	struct note n;
	struct buf err = BUF_INIT;
	int ret = note_parse(msg, len, &n, &err);

	if (ret == 0)
		note_release(&n);
	else
		CHECK(err.len > 0);
	buf_release(&err);
	return ret == 0;
}

static int parses_str(const char *msg)
{
	return parses(msg, strlen(msg));
}

/* Parses msg and verifies it against v. */
static int verify_msg(const char *msg, size_t len, const struct note_verifier *v)
{
	struct note n;
	struct buf err = BUF_INIT;
	int st;

	if (note_parse(msg, len, &n, &err)) {
		fprintf(stderr, "  note_parse: %s\n", err.buf);
		buf_release(&err);
		return 99;
	}
	st = note_verify(&n, v);
	note_release(&n);
	buf_release(&err);
	return st;
}

TEST(test_vector)
{
	struct vector vec;
	struct note_verifier v;
	struct note_signer s;
	struct note n;
	struct buf err = BUF_INIT, vt = BUF_INIT, signed_note = BUF_INIT;

	vector_load(&vec);
	CHECK_INT(note_verifier_parse(vec.vkey, &v, &err), 0);
	CHECK_STR(v.name, "PeterNeumann");
	CHECK_INT(v.keyid, 0xc74f20a3);
	CHECK_INT(note_signer_parse(vec.skey, &s, &err), 0);
	CHECK_STR(s.name, "PeterNeumann");
	CHECK_INT(s.keyid, 0xc74f20a3);
	CHECK(!memcmp(s.pub, v.pub, sizeof(v.pub)));
	note_signer_verifier_text(&s, &vt);
	CHECK_STR(vt.buf, vec.vkey);

	CHECK_INT(note_parse(vec.note, vec.note_len, &n, &err), 0);
	CHECK_INT(n.nsigs, 1);
	CHECK_STR(n.text, "If you think cryptography is the answer to your problem,\n"
		  "then you don't know what your problem is.\n");
	CHECK_INT(n.text_len, strlen(n.text));
	CHECK_STR(n.sigs[0].name, "PeterNeumann");
	CHECK_INT(n.sigs[0].keyid, 0xc74f20a3);
	CHECK_INT(n.sigs[0].sig_len, 64);
	CHECK_INT(note_verify(&n, &v), NOTE_SIG_OK);

	/* Ed25519 is deterministic: signing again gives the same bytes */
	CHECK_INT(note_sign(&s, n.text, n.text_len, &signed_note, &err), 0);
	CHECK_INT(signed_note.len, vec.note_len);
	CHECK(signed_note.len == vec.note_len && !memcmp(signed_note.buf, vec.note, vec.note_len));
	if (err.len)
		fprintf(stderr, "  unexpected error: %s\n", err.buf);

	note_release(&n);
	note_signer_release(&s);
	CHECK(s.name == NULL);
	for (size_t i = 0; i < sizeof(s.seed); i++)
		CHECK(s.seed[i] == 0);
	note_verifier_release(&v);
	buf_release(&vt);
	buf_release(&signed_note);
	buf_release(&err);
	vector_release(&vec);
}

TEST(test_keygen_roundtrip)
{
	struct buf st = BUF_INIT, vt = BUF_INIT, st2 = BUF_INIT, vt2 = BUF_INIT;
	struct buf err = BUF_INIT, msg = BUF_INIT, vt_again = BUF_INIT;
	struct note_signer s, s2;
	struct note_verifier v, v2, lookalike;
	struct note n;
	const char *text = "example.org/audit\n42\nsome text with ünïcode — fine\n";

	CHECK_INT(note_keygen("example.org/audit", &st, &vt), 0);
	CHECK_INT(note_keygen("example.org/audit", &st2, &vt2), 0);
	CHECK(!strncmp(st.buf, "PRIVATE+KEY+example.org/audit+", 30));
	CHECK(!strncmp(vt.buf, "example.org/audit+", 18));
	CHECK(strcmp(vt.buf, vt2.buf) != 0);
	CHECK(!strchr(st.buf, '\n') && !strchr(vt.buf, '\n'));

	CHECK_INT(note_signer_parse(st.buf, &s, &err), 0);
	CHECK_INT(note_verifier_parse(vt.buf, &v, &err), 0);
	CHECK_INT(note_signer_parse(st2.buf, &s2, &err), 0);
	CHECK_INT(note_verifier_parse(vt2.buf, &v2, &err), 0);
	CHECK_INT(s.keyid, v.keyid);
	note_signer_verifier_text(&s, &vt_again);
	CHECK_STR(vt_again.buf, vt.buf);

	CHECK_INT(note_sign(&s, text, strlen(text), &msg, &err), 0);
	CHECK(!strncmp(msg.buf, text, strlen(text)));
	CHECK_INT(verify_msg(msg.buf, msg.len, &v), NOTE_SIG_OK);
	/* a different key (same name, other key id) is simply not there */
	CHECK_INT(verify_msg(msg.buf, msg.len, &v2), NOTE_SIG_NONE);

	/* a flipped bit in the text */
	msg.buf[3] ^= 1;
	CHECK_INT(verify_msg(msg.buf, msg.len, &v), NOTE_SIG_BAD);
	msg.buf[3] ^= 1;
	CHECK_INT(verify_msg(msg.buf, msg.len, &v), NOTE_SIG_OK);

	/* a changed base64 character in the signature */
	{
		char *b64 = strrchr(msg.buf, ' ') + 1;

		b64[20] = b64[20] == 'A' ? 'B' : 'A';
		CHECK_INT(verify_msg(msg.buf, msg.len, &v), NOTE_SIG_BAD);
	}

	/* a flipped bit in the parsed signature */
	buf_reset(&msg);
	CHECK_INT(note_sign(&s, text, strlen(text), &msg, &err), 0);
	CHECK_INT(note_parse(msg.buf, msg.len, &n, &err), 0);
	CHECK_INT(note_verify(&n, &v), NOTE_SIG_OK);
	n.sigs[0].sig[10] ^= 0x80;
	CHECK_INT(note_verify(&n, &v), NOTE_SIG_BAD);
	n.sigs[0].sig[10] ^= 0x80;
	n.sigs[0].sig_len = 63;
	CHECK_INT(note_verify(&n, &v), NOTE_SIG_BAD);
	n.sigs[0].sig_len = 64;

	/* same name and key id, different key material: BAD, not NONE */
	lookalike = v2;
	lookalike.name = v.name;
	lookalike.keyid = v.keyid;
	CHECK_INT(note_verify(&n, &lookalike), NOTE_SIG_BAD);
	/* same key id, other name: NONE */
	lookalike = v;
	lookalike.name = (char *)"example.org/other";
	CHECK_INT(note_verify(&n, &lookalike), NOTE_SIG_NONE);
	note_release(&n);

	CHECK_INT(note_keygen("bad name", &st, &vt), -1);
	CHECK_INT(note_keygen("", &st, &vt), -1);
	CHECK_INT(note_keygen("a+b", &st, &vt), -1);

	note_signer_release(&s);
	note_signer_release(&s2);
	note_verifier_release(&v);
	note_verifier_release(&v2);
	buf_release(&st);
	buf_release(&vt);
	buf_release(&st2);
	buf_release(&vt2);
	buf_release(&vt_again);
	buf_release(&msg);
	buf_release(&err);
}

TEST(test_multiple_signatures)
{
	struct vector vec;
	struct buf st = BUF_INIT, vt = BUF_INIT, err = BUF_INIT, msg = BUF_INIT, msg2 = BUF_INIT;
	struct note_signer s;
	struct note_verifier v, pv;
	struct note n;
	const char *text = "origin\n1\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n";
	const char *nl;

	vector_load(&vec);
	CHECK_INT(note_verifier_parse(vec.vkey, &pv, &err), 0);
	CHECK_INT(note_keygen("log.example/a", &st, &vt), 0);
	CHECK_INT(note_signer_parse(st.buf, &s, &err), 0);
	CHECK_INT(note_verifier_parse(vt.buf, &v, &err), 0);
	CHECK_INT(note_sign(&s, text, strlen(text), &msg, &err), 0);

	/* an unknown signature before ours, and a bad one from a known key after */
	nl = strstr(msg.buf, "\n\n");
	buf_add(&msg2, msg.buf, (size_t)(nl - msg.buf) + 2);
	buf_addstr(&msg2, "— witness.example/w AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n");
	buf_addstr(&msg2, nl + 2);
	buf_addstr(&msg2, vector_sig_line(&vec));
	CHECK_INT(note_parse(msg2.buf, msg2.len, &n, &err), 0);
	CHECK_INT(n.nsigs, 3);
	CHECK_STR(n.sigs[0].name, "witness.example/w");
	CHECK_INT(n.sigs[0].sig_len, 62);
	CHECK_INT(note_verify(&n, &v), NOTE_SIG_OK);
	/* the vector's signature is over other text */
	CHECK_INT(note_verify(&n, &pv), NOTE_SIG_BAD);
	note_release(&n);

	/* a bad line from the same key taints the note, before or after a
	 * good one (as Go's note.Open: any failing known signature is an
	 * error) */
	for (int bad_first = 1; bad_first >= 0; bad_first--) {
		const char *line = nl + 2, *b64 = strrchr(line, ' ') + 1;
		struct buf bad = BUF_INIT;

		/* the 7th base64 character is past the 4-byte key id */
		buf_add(&bad, line, (size_t)(b64 - line) + 6);
		buf_addch(&bad, b64[6] == 'A' ? 'B' : 'A');
		buf_addstr(&bad, b64 + 7);
		buf_reset(&msg2);
		buf_add(&msg2, msg.buf, (size_t)(nl - msg.buf) + 2);
		buf_addstr(&msg2, bad_first ? bad.buf : line);
		buf_addstr(&msg2, bad_first ? line : bad.buf);
		CHECK_INT(note_parse(msg2.buf, msg2.len, &n, &err), 0);
		CHECK_INT(n.nsigs, 2);
		CHECK_INT(n.sigs[0].keyid, v.keyid);
		CHECK_INT(n.sigs[1].keyid, v.keyid);
		note_release(&n);
		CHECK_INT(verify_msg(msg2.buf, msg2.len, &v), NOTE_SIG_BAD);
		buf_release(&bad);
	}
	/* the good line alone verifies */
	CHECK_INT(verify_msg(msg.buf, msg.len, &v), NOTE_SIG_OK);
	/* two good lines from the same key verify */
	buf_reset(&msg2);
	buf_addstr(&msg2, msg.buf);
	buf_addstr(&msg2, nl + 2);
	CHECK_INT(verify_msg(msg2.buf, msg2.len, &v), NOTE_SIG_OK);

	/* the text may hold blank lines: the last one splits */
	if (note_parse("a\n\nb\n\n— x AAAAAAA=\n", 21, &n, &err) == 0) {
		CHECK_STR(n.text, "a\n\nb\n");
		CHECK_INT(n.nsigs, 1);
		CHECK_INT(n.sigs[0].sig_len, 1);
		note_release(&n);
	} else {
		CHECK(!"blank line in text");
	}

	note_signer_release(&s);
	note_verifier_release(&v);
	note_verifier_release(&pv);
	buf_release(&st);
	buf_release(&vt);
	buf_release(&msg);
	buf_release(&msg2);
	buf_release(&err);
	vector_release(&vec);
}

TEST(test_malformed_notes)
{
	struct vector vec;
	struct buf b = BUF_INIT;
	const char *sig;
	static const char *const bad[] = {
		"",
		"\n",
		"\n\n",
		"text\n",
		"text\n\n",
		"text\n— PeterNeumann x08go/ZJ\n",                   /* no blank line */
		"\n\n— PeterNeumann AAAAAAA=\n",                     /* empty text */
		"\n\n\n— PeterNeumann AAAAAAA=\n",                   /* text of blank lines */
		"text\n\n— PeterNeumann AAAAAAA=",                   /* no final newline */
		"text\n\n— PeterNeumann AAAAAAA=\n\n",               /* trailing blank line */
		"text\n\n— PeterNeumann AAAA*AA=\n",                 /* bad base64 */
		"text\n\n— PeterNeumann AAAAAA=\n",                  /* base64 length */
		"text\n\n— PeterNeumann AAAAAB==\n",                 /* non-canonical base64 */
		"text\n\n— PeterNeumann AAAAAA==\n",                 /* 4 bytes: too short */
		"text\n\n— PeterNeumann \n",                         /* empty signature */
		"text\n\n— PeterNeumann\n",                          /* no signature */
		"text\n\n- PeterNeumann AAAAAAA=\n",                 /* ASCII dash */
		"text\n\n—PeterNeumann AAAAAAA=\n",                  /* no space after dash */
		"text\n\n—  PeterNeumann AAAAAAA=\n",                /* two spaces */
		"text\n\n— PeterNeumann  AAAAAAA=\n",                /* two spaces */
		"text\n\n— PeterNeumann AAAAAAA= \n",                /* trailing space */
		"text\n\n — PeterNeumann AAAAAAA=\n",                /* leading space */
		"text\n\n— Peter+Neumann AAAAAAA=\n",                /* '+' in name */
		"text\n\n— Peter\u00a0Neumann AAAAAAA=\n",           /* no-break space */
		"text\n\n— PeterNeumann AAAAAAA=\ngarbage\n",        /* junk line */
		"text\r\n\n— PeterNeumann AAAAAAA=\n",               /* CR */
		"te\txt\n\n— PeterNeumann AAAAAAA=\n",               /* tab */
		"te\033xt\n\n— PeterNeumann AAAAAAA=\n",             /* ESC */
		"te\xffxt\n\n— PeterNeumann AAAAAAA=\n",             /* invalid UTF-8 */
		"te\xc0\xafxt\n\n— PeterNeumann AAAAAAA=\n",         /* overlong */
		"te\xed\xa0\x80xt\n\n— PeterNeumann AAAAAAA=\n",     /* surrogate */
		"text\n\n\xe2\x80 PeterNeumann AAAAAAA=\n",          /* truncated dash */
	};

	vector_load(&vec);
	CHECK(parses(vec.note, vec.note_len));
	CHECK(parses_str("text\n\n— PeterNeumann AAAAAAA=\n"));
	CHECK(parses_str("text\n\n— PeterNeumann AAAAAAA=\n— Other AAAAAAAA\n"));
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		if (parses_str(bad[i])) {
			fprintf(stderr, "  accepted bad note %zu: \"%s\"\n", i, bad[i]);
			check_case_failed = 1;
		}
	}

	/* NUL inside the text, with the length given */
	buf_add(&b, "te\0xt\n\n", 7);
	sig = vector_sig_line(&vec);
	buf_addstr(&b, sig);
	CHECK(!parses(b.buf, b.len));
	b.buf[2] = 'e';
	CHECK(parses(b.buf, b.len));
	/* a short signature: key id and nothing else */
	buf_reset(&b);
	buf_addstr(&b, "text\n\n— PeterNeumann ");
	b64_encode(&b, "\xc7\x4f\x20\xa3", 4);
	buf_addch(&b, '\n');
	CHECK(!parses(b.buf, b.len));
	/* the vector's signature line with a trailing space */
	buf_reset(&b);
	buf_add(&b, vec.note, vec.note_len);
	CHECK(parses(b.buf, b.len));
	b.buf[b.len - 1] = ' ';
	buf_addch(&b, '\n');
	CHECK(!parses(b.buf, b.len));

	buf_release(&b);
	vector_release(&vec);
}

TEST(test_limits)
{
	struct buf b = BUF_INIT;
	struct note n;
	struct buf err = BUF_INIT;

	buf_addstr(&b, "text\n\n");
	for (int i = 0; i < NOTE_MAX_SIGS; i++)
		buf_addf(&b, "— k%d AAAAAAA=\n", i);
	CHECK_INT(note_parse(b.buf, b.len, &n, &err), 0);
	CHECK_INT(n.nsigs, NOTE_MAX_SIGS);
	note_release(&n);
	buf_addstr(&b, "— one.too.many AAAAAAA=\n");
	CHECK_INT(note_parse(b.buf, b.len, &n, &err), -1);
	CHECK(n.sigs == NULL && n.text == NULL);

	/* exactly the size limit is fine, one byte more is not */
	buf_reset(&b);
	buf_addstr(&b, "— k AAAAAAA=\n");
	{
		size_t tail = b.len;
		struct buf big = BUF_INIT;

		while (big.len < NOTE_MAX_SIZE - tail - 2)
			buf_addch(&big, big.len % 64 == 63 ? '\n' : 'x');
		buf_addstr(&big, "\n\n");
		buf_add(&big, b.buf, tail);
		CHECK_INT(big.len, NOTE_MAX_SIZE);
		CHECK(parses(big.buf, big.len));
		buf_reset(&big);
		while (big.len < NOTE_MAX_SIZE - tail - 1)
			buf_addch(&big, big.len % 64 == 63 ? '\n' : 'x');
		buf_addstr(&big, "\n\n");
		buf_add(&big, b.buf, tail);
		CHECK(!parses(big.buf, big.len));
		buf_release(&big);
	}
	buf_release(&b);
	buf_release(&err);
}

TEST(test_sign_rejects)
{
	struct vector vec;
	struct note_signer s;
	struct buf err = BUF_INIT, out = BUF_INIT;
	static const char *const bad[] = {
		"",
		"\n",
		"no newline",
		"\nleading blank line\n",
		"blank\n\nline\n",
		"trailing blank line\n\n",
		"carriage\r\n",
		"tab\there\n",
		"bad \xff utf8\n",
	};

	vector_load(&vec);
	CHECK_INT(note_signer_parse(vec.skey, &s, &err), 0);
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		buf_reset(&err);
		if (note_sign(&s, bad[i], strlen(bad[i]), &out, &err) != -1 || !err.len) {
			fprintf(stderr, "  signed bad text %zu\n", i);
			check_case_failed = 1;
		}
	}
	CHECK_INT(note_sign(&s, "nul\0here\n", 9, &out, &err), -1);
	CHECK_INT(out.len, 0);
	CHECK_INT(note_sign(&s, "ok\n", 3, &out, &err), 0);
	CHECK(parses(out.buf, out.len));
	note_signer_release(&s);
	buf_release(&out);
	buf_release(&err);
	vector_release(&vec);
}

TEST(test_names)
{
	CHECK(note_name_valid("PeterNeumann"));
	CHECK(note_name_valid("example.org/audit"));
	CHECK(note_name_valid("quasimodo.example/salvatore"));
	CHECK(note_name_valid("ünïcödé"));
	CHECK(!note_name_valid(NULL));
	CHECK(!note_name_valid(""));
	CHECK(!note_name_valid("a+b"));
	CHECK(!note_name_valid("a b"));
	CHECK(!note_name_valid("a\tb"));
	CHECK(!note_name_valid("ab\n"));
	CHECK(!note_name_valid("a\u00a0b"));
	CHECK(!note_name_valid("a\u2003b"));
	CHECK(!note_name_valid("a\u3000b"));
	CHECK(!note_name_valid("a\x01" "b"));
	CHECK(!note_name_valid("a\xff"));
	CHECK(!note_name_valid("a\xc3"));
}

/* Expects key text to be rejected as a verifier and as a signer. */
static void check_bad_key(const char *text, const char *why)
{
	struct note_verifier v;
	struct note_signer s;
	struct buf err = BUF_INIT;

	if (!note_verifier_parse(text, &v, &err)) {
		fprintf(stderr, "  accepted bad verifier key (%s): %s\n", why, text);
		check_case_failed = 1;
		note_verifier_release(&v);
	} else {
		CHECK(err.len > 0);
		CHECK(v.name == NULL);
	}
	buf_reset(&err);
	if (!note_signer_parse(text, &s, &err)) {
		fprintf(stderr, "  accepted bad signer key (%s): %s\n", why, text);
		check_case_failed = 1;
		note_signer_release(&s);
	} else {
		CHECK(err.len > 0);
		CHECK(s.name == NULL);
	}
	buf_release(&err);
}

/* check_bad_key of the text fmt makes. */
static void check_bad_keyf(const char *why, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void check_bad_keyf(const char *why, const char *fmt, ...)
{
	struct buf text = BUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	buf_vaddf(&text, fmt, ap);
	va_end(ap);
	check_bad_key(text.buf, why);
	buf_release(&text);
}

/* Replaces the key type byte of key text ending in base64(type || key). */
static void retype(const char *text, int type, struct buf *out)
{
	/* base64 may hold '+': the data is the last 44 characters */
	const char *data = text + strlen(text) - 44;
	struct buf raw = BUF_INIT;

	CHECK(b64_decode(&raw, data, 44) == 0 && raw.len == 33);
	raw.buf[0] = (char)type;
	buf_add(out, text, (size_t)(data - text));
	b64_encode(out, raw.buf, raw.len);
	buf_release(&raw);
}

TEST(test_malformed_keys)
{
	struct vector vec;
	struct note_verifier v;
	struct note_signer s;
	struct buf err = BUF_INIT, b = BUF_INIT;
	const char *vdata, *sdata;

	vector_load(&vec);
	vdata = vec.vkey + strlen("PeterNeumann+c74f20a3+");
	sdata = vec.skey + strlen("PRIVATE+KEY+PeterNeumann+c74f20a3+");

	/* surrounding whitespace is fine */
	buf_addf(&b, "  %s\r\n\n", vec.vkey);
	CHECK_INT(note_verifier_parse(b.buf, &v, &err), 0);
	note_verifier_release(&v);
	buf_reset(&b);
	buf_addf(&b, "\n%s\n", vec.skey);
	CHECK_INT(note_signer_parse(b.buf, &s, &err), 0);
	note_signer_release(&s);

	/* the wrong kind of key */
	check_bad_key("", "empty");
	buf_reset(&err);
	CHECK_INT(note_verifier_parse(vec.skey, &v, &err), -1);
	CHECK(strstr(err.buf, "signer") != NULL);
	CHECK_INT(note_signer_parse(vec.vkey, &s, &err), -1);

	/* wrong key ids */
	buf_reset(&b);
	buf_addf(&b, "PeterNeumann+c74f20a4+%s", vdata);
	check_bad_key(b.buf, "wrong key id");
	buf_reset(&err);
	CHECK_INT(note_verifier_parse(b.buf, &v, &err), -1);
	CHECK(strstr(err.buf, "does not match") != NULL);
	buf_reset(&b);
	buf_addf(&b, "PRIVATE+KEY+PeterNeumann+c74f20a4+%s", sdata);
	check_bad_key(b.buf, "wrong signer key id");
	buf_reset(&err);
	CHECK_INT(note_signer_parse(b.buf, &s, &err), -1);
	CHECK(strstr(err.buf, "does not match") != NULL);
	check_bad_keyf("uppercase key id", "PeterNeumann+C74F20A3+%s", vdata);
	check_bad_keyf("short key id", "PeterNeumann+c74f20a+%s", vdata);
	check_bad_keyf("no '+' after key id", "PeterNeumann+c74f20a3%s", vdata);
	/* a different name changes the key id */
	check_bad_keyf("other name", "PeterNeumanN+c74f20a3+%s", vdata);

	/* key type byte */
	buf_reset(&b);
	retype(vec.vkey, 2, &b);
	check_bad_key(b.buf, "type 2 verifier");
	buf_reset(&err);
	CHECK_INT(note_verifier_parse(b.buf, &v, &err), -1);
	CHECK(strstr(err.buf, "type") != NULL);
	buf_reset(&b);
	retype(vec.skey, 0, &b);
	buf_reset(&err);
	CHECK_INT(note_signer_parse(b.buf, &s, &err), -1);
	CHECK(strstr(err.buf, "type") != NULL);
	buf_reset(&b);
	retype(vec.vkey, 1, &b);
	CHECK_STR(b.buf, vec.vkey);

	/* bad names */
	check_bad_keyf("'+' in name", "Peter+Neumann+c74f20a3+%s", vdata);
	check_bad_keyf("space in name", "Peter Neumann+c74f20a3+%s", vdata);
	check_bad_keyf("tab in name", "Peter\tNeumann+c74f20a3+%s", vdata);
	check_bad_keyf("empty name", "+c74f20a3+%s", vdata);
	check_bad_keyf("space in signer name", "PRIVATE+KEY+Peter Neumann+c74f20a3+%s", sdata);

	/* key data */
	check_bad_keyf("short key", "PeterNeumann+c74f20a3+%.40s", vdata);
	check_bad_keyf("long key", "PeterNeumann+c74f20a3+%sAAAA", vdata);
	check_bad_keyf("space in key data", "PeterNeumann+c74f20a3+%.20s %s", vdata, vdata + 21);
	check_bad_keyf("bad base64", "PeterNeumann+c74f20a3+%.20s*%s", vdata, vdata + 21);
	buf_reset(&b);
	buf_addf(&b, "PeterNeumann+c74f20a3+%s x", vdata);
	check_bad_key(b.buf, "trailing junk");
	check_bad_key("PeterNeumann+c74f20a3+", "no key");
	check_bad_key("PeterNeumann+c74f20a3", "no key");
	check_bad_key("PeterNeumann", "name only");
	check_bad_key("PRIVATE+KEY+", "prefix only");

	buf_release(&b);
	buf_release(&err);
	vector_release(&vec);
}

static int cp_parses(const char *text)
{
	struct checkpoint c;
	struct buf err = BUF_INIT;
	int ret = checkpoint_parse(text, strlen(text), &c, &err);

	if (ret == 0)
		checkpoint_release(&c);
	else
		CHECK(err.len > 0 && c.origin == NULL);
	buf_release(&err);
	return ret == 0;
}

TEST(test_checkpoints)
{
	unsigned char root[HASH_LEN];
	struct buf text = BUF_INIT, err = BUF_INIT;
	struct checkpoint c;
	static const char *const bad[] = {
		"",
		"example.org/audit\n",
		"example.org/audit\n1\n",
		"example.org/audit\n1\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
		"\n1\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n",
		"example.org/audit\n01\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n",
		"example.org/audit\n00\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n",
		"example.org/audit\n-1\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n",
		"example.org/audit\n+1\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n",
		"example.org/audit\n 1\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n",
		"example.org/audit\n1 \nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n",
		"example.org/audit\n0x10\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n",
		"example.org/audit\n\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n",
		"example.org/audit\n18446744073709551616\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n",
		"example.org/audit\n99999999999999999999\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n",
		"example.org/audit\n1\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==\n",  /* 31 bytes */
		"example.org/audit\n1\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n", /* 36 bytes */
		"example.org/audit\n1\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA*=\n",
		"example.org/audit\n1\n\n",
		"example.org/audit\n1\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n\n",
		"example.org/audit\n1\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\next\n\nmore\n",
		"example.org/audit\n1\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\next",
		"exa\rmple\n1\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n",
	};

	for (int i = 0; i < HASH_LEN; i++)
		root[i] = (unsigned char)(i * 7 + 1);

	checkpoint_format("example.org/audit", 0, root, &text);
	CHECK_STR(text.buf, "example.org/audit\n0\nAQgPFh0kKzI5QEdOVVxjanF4f4aNlJuiqbC3vsXM09o=\n");
	CHECK_INT(checkpoint_parse(text.buf, text.len, &c, &err), 0);
	CHECK_STR(c.origin, "example.org/audit");
	CHECK_INT(c.size, 0);
	CHECK(!memcmp(c.root, root, HASH_LEN));
	checkpoint_release(&c);

	buf_reset(&text);
	checkpoint_format("example.org/audit", UINT64_MAX, root, &text);
	CHECK(strstr(text.buf, "\n18446744073709551615\n") != NULL);
	CHECK_INT(checkpoint_parse(text.buf, text.len, &c, &err), 0);
	CHECK(c.size == UINT64_MAX);
	CHECK(!memcmp(c.root, root, HASH_LEN));
	checkpoint_release(&c);

	/* extension lines are allowed and ignored */
	buf_addstr(&text, "ext one\n— not a signature\n");
	CHECK_INT(checkpoint_parse(text.buf, text.len, &c, &err), 0);
	CHECK(c.size == UINT64_MAX);
	checkpoint_release(&c);

	CHECK(cp_parses("example.org/audit\n1\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n"));
	CHECK(cp_parses("o\n1234567890\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n"));
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		if (cp_parses(bad[i])) {
			fprintf(stderr, "  accepted bad checkpoint %zu: \"%s\"\n", i, bad[i]);
			check_case_failed = 1;
		}
	}
	if (err.len)
		fprintf(stderr, "  unexpected error: %s\n", err.buf);
	buf_release(&text);
	buf_release(&err);
}

TEST(test_signed_checkpoint)
{
	struct buf st = BUF_INIT, vt = BUF_INIT, text = BUF_INIT, msg = BUF_INIT, err = BUF_INIT;
	struct note_signer s;
	struct note_verifier v;
	struct note n;
	struct checkpoint c;
	unsigned char root[HASH_LEN] = { 0xde, 0xad, 0xbe, 0xef };

	CHECK_INT(note_keygen("example.org/audit", &st, &vt), 0);
	CHECK_INT(note_signer_parse(st.buf, &s, &err), 0);
	CHECK_INT(note_verifier_parse(vt.buf, &v, &err), 0);
	checkpoint_format("example.org/audit", 12345, root, &text);
	CHECK_INT(note_sign(&s, text.buf, text.len, &msg, &err), 0);
	CHECK_INT(note_parse(msg.buf, msg.len, &n, &err), 0);
	CHECK_INT(note_verify(&n, &v), NOTE_SIG_OK);
	CHECK_INT(checkpoint_parse(n.text, n.text_len, &c, &err), 0);
	CHECK_STR(c.origin, "example.org/audit");
	CHECK(c.size == 12345);
	CHECK(!memcmp(c.root, root, HASH_LEN));
	checkpoint_release(&c);
	note_release(&n);
	note_signer_release(&s);
	note_verifier_release(&v);
	buf_release(&st);
	buf_release(&vt);
	buf_release(&text);
	buf_release(&msg);
	buf_release(&err);
}

int main(void)
{
	RUN(test_vector);
	RUN(test_keygen_roundtrip);
	RUN(test_multiple_signatures);
	RUN(test_malformed_notes);
	RUN(test_limits);
	RUN(test_sign_rejects);
	RUN(test_names);
	RUN(test_malformed_keys);
	RUN(test_checkpoints);
	RUN(test_signed_checkpoint);
	return CHECK_DONE();
}
