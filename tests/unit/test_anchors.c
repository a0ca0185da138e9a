/*
 * test_anchors.c - cosignature/v1 lines (the message, signing, checking,
 * the C2SP spec's example line), witness keys (type 0x04) kept apart
 * from log keys, RFC 3161 requests and hostile tokens, and the store's
 * anchor tables.
 */
#include <openssl/ts.h>
#include <unistd.h>

#include "check.h"
#include "trailscope/anchors.h"
#include "trailscope/cosig.h"
#include "trailscope/note.h"
#include "trailscope/store_append.h"
#include "trailscope/tsa.h"
#include "trailscope/util.h"

static char tmpdir[256];

/* The checkpoint and a cosignature line from c2sp.org/tlog-cosignature. */
static const char spec_note[] =
	"example.com/behind-the-sofa\n"
	"20852163\n"
	"CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"
	"\n"
	"\xe2\x80\x94 example.com/behind-the-sofa Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJurmRDeOoRDe4URYN7u5/"
	"Zhcyv2q1gGzGku9nTo+zyWE+xeMcTOAYQ8=\n"
	"\xe2\x80\x94 witness.example.com/w1 jWbPPwAAAABkGFDLEZMHwSRaJNiIDoe9DYn/zXcrtPHeolMI5OWXEhZCB9dlrDJs"
	"X3b2oyin1nPZqhf5nNo0xUe+mbIUBkBIfZ+qnA==\n";

static void witness_keys(const char *name, struct note_signer *s, struct note_verifier *v)
{
	struct buf st = BUF_INIT, vt = BUF_INIT, err = BUF_INIT;

	CHECK_INT(note_keygen_type(name, NOTE_KEY_COSIGNATURE_V1, &st, &vt), 0);
	CHECK_INT(note_cosigner_signer_parse(st.buf, s, &err), 0);
	CHECK_INT(note_cosigner_parse(vt.buf, v, &err), 0);
	buf_release(&st);
	buf_release(&vt);
	buf_release(&err);
}

TEST(test_message)
{
	struct buf m = BUF_INIT;
	const char *body = "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n";

	cosig_message(body, strlen(body), 1679315147, &m);
	CHECK_STR(m.buf, "cosignature/v1\ntime 1679315147\nexample.com/behind-the-sofa\n20852163\n"
		  "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n");
	buf_reset(&m);
	cosig_message(body, strlen(body), 0, &m);
	CHECK(!strncmp(m.buf, "cosignature/v1\ntime 0\n", 22));
	buf_release(&m);
}

TEST(test_spec_example)
{
	struct note n;
	struct buf err = BUF_INIT;
	uint64_t t = 0;

	CHECK_INT(note_parse(spec_note, strlen(spec_note), &n, &err), 0);
	CHECK_INT(n.nsigs, 2);
	CHECK_INT(n.sigs[1].sig_len, 72);
	CHECK_INT(n.sigs[1].keyid, 0x8d66cf3f);
	CHECK_INT(cosig_line_time(&n.sigs[1], &t), 0);
	/* the timestamp of the spec's example message */
	CHECK_INT(t, 1679315147);
	CHECK_INT(cosig_line_time(&n.sigs[0], &t), -1); /* the log's own line is 64 bytes */
	note_release(&n);
	buf_release(&err);
}

TEST(test_sign_verify)
{
	struct note_signer w, w2;
	struct note_verifier v, v2;
	struct buf line = BUF_INIT, note = BUF_INIT, err = BUF_INIT;
	const char *body = "log.example/a\n5\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n";
	struct note n;
	uint64_t t = 0;

	witness_keys("witness.example/w1", &w, &v);
	witness_keys("witness.example/w2", &w2, &v2);
	CHECK_INT(v.type, NOTE_KEY_COSIGNATURE_V1);
	CHECK_INT(cosig_sign(&w, body, strlen(body), 1700000000, &line, &err), 0);
	CHECK(!strncmp(line.buf, "\xe2\x80\x94 witness.example/w1 ", 23));
	buf_addf(&note, "%s\n\xe2\x80\x94 log.example/a AAAAAAAA\n%s", body, line.buf);
	CHECK_INT(note_parse(note.buf, note.len, &n, &err), 0);
	CHECK_INT(cosig_verify(&n, &v, &t), COSIG_OK);
	CHECK_INT(t, 1700000000);
	CHECK_INT(cosig_verify(&n, &v2, NULL), COSIG_NONE);
	/* a witness key never counts as the log's signature */
	CHECK_INT(note_verify(&n, &v), NOTE_SIG_NONE);
	/* a different time in the line: the signature no longer matches */
	n.sigs[1].sig[7] ^= 1;
	CHECK_INT(cosig_verify(&n, &v, NULL), COSIG_BAD);
	n.sigs[1].sig[7] ^= 1;
	n.sigs[1].sig[40] ^= 1;
	CHECK_INT(cosig_verify(&n, &v, NULL), COSIG_BAD);
	n.sigs[1].sig[40] ^= 1;
	n.sigs[1].sig_len = 64;
	CHECK_INT(cosig_verify(&n, &v, NULL), COSIG_BAD);
	n.sigs[1].sig_len = 72;
	CHECK_INT(cosig_verify(&n, &v, NULL), COSIG_OK);
	note_release(&n);
	/* over another body */
	buf_reset(&note);
	buf_addf(&note, "log.example/a\n6\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n\n%s", line.buf);
	CHECK_INT(note_parse(note.buf, note.len, &n, &err), 0);
	CHECK_INT(cosig_verify(&n, &v, NULL), COSIG_BAD);
	note_release(&n);
	/* time bound, and a log key cannot cosign */
	buf_reset(&line);
	CHECK_INT(cosig_sign(&w, body, strlen(body), (uint64_t)INT64_MAX + 1, &line, &err), -1);
	w.type = NOTE_KEY_ED25519;
	CHECK_INT(cosig_sign(&w, body, strlen(body), 1, &line, &err), -1);
	note_signer_release(&w);
	note_signer_release(&w2);
	note_verifier_release(&v);
	note_verifier_release(&v2);
	buf_release(&line);
	buf_release(&note);
	buf_release(&err);
}

TEST(test_key_types)
{
	struct buf st = BUF_INIT, vt = BUF_INIT, err = BUF_INIT, text = BUF_INIT;
	struct note_signer s;
	struct note_verifier v;

	CHECK_INT(note_keygen_type("w.example", NOTE_KEY_COSIGNATURE_V1, &st, &vt), 0);
	CHECK_INT(note_verifier_parse(vt.buf, &v, &err), -1);
	CHECK(strstr(err.buf, "witness") != NULL);
	buf_reset(&err);
	CHECK_INT(note_signer_parse(st.buf, &s, &err), -1);
	CHECK_INT(note_cosigner_signer_parse(st.buf, &s, &err), 0);
	/* a witness key cannot sign a note as a log */
	CHECK_INT(note_sign(&s, "a\n", 2, &text, &err), -1);
	note_signer_verifier_text(&s, &text);
	CHECK_STR(text.buf, vt.buf);
	note_signer_release(&s);
	buf_reset(&st);
	buf_reset(&vt);
	CHECK_INT(note_keygen("log.example", &st, &vt), 0);
	CHECK_INT(note_cosigner_parse(vt.buf, &v, &err), -1);
	CHECK_INT(note_keygen_type("log.example", 0x02, &st, &vt), -1);
	buf_release(&st);
	buf_release(&vt);
	buf_release(&err);
	buf_release(&text);
}

TEST(test_tsa_request)
{
	struct buf der = BUF_INIT, nonce = BUF_INIT, err = BUF_INIT, tok = BUF_INIT;
	struct tsa_token_info info;
	const unsigned char *p;
	unsigned char md[32];
	TS_REQ *req;
	TS_MSG_IMPRINT *imp;
	ASN1_OCTET_STRING *h;

	CHECK_INT(tsa_request_make("abc", 3, &der, &nonce, &err), 0);
	CHECK(nonce.len > 0 && nonce.len <= 16);
	p = (const unsigned char *)der.buf;
	req = d2i_TS_REQ(NULL, &p, (long)der.len);
	CHECK(req != NULL);
	if (req) {
		imp = TS_REQ_get_msg_imprint(req);
		h = TS_MSG_IMPRINT_get_msg(imp);
		EVP_Digest("abc", 3, md, NULL, EVP_sha256(), NULL);
		CHECK_INT(ASN1_STRING_length(h), 32);
		CHECK(!memcmp(ASN1_STRING_get0_data(h), md, 32));
		CHECK_INT(OBJ_obj2nid(TS_MSG_IMPRINT_get_algo(imp)->algorithm), NID_sha256);
		CHECK_INT(TS_REQ_get_cert_req(req), 1);
		CHECK(TS_REQ_get_nonce(req) != NULL);
		TS_REQ_free(req);
	}
	/* hostile responses and tokens are refused, not crashed on */
	CHECK_INT(tsa_response_token(der.buf, der.len, &tok, &err), -1);
	CHECK_INT(tsa_response_token("", 0, &tok, &err), -1);
	CHECK_INT(tsa_token_info(der.buf, der.len, &info, &err), -1);
	CHECK_INT(tsa_token_info("\x30\x03\x02\x01\x00", 5, &info, &err), -1);
	CHECK_INT(tsa_token_verify("\x30\x00", 2, NULL, 0, &err), 1);
	buf_release(&der);
	buf_release(&nonce);
	buf_release(&err);
	buf_release(&tok);
}

TEST(test_store_tables)
{
	struct store s;
	struct anchor_timestamp *v = NULL;
	struct buf lines = BUF_INIT, note = BUF_INIT;
	char path[300];
	size_t n = 0;
	uint64_t size = 0;

	snprintf(path, sizeof(path), "%s/a.db", tmpdir);
	CHECK_INT(store_open(&s, path, STORE_CREATE), 0);
	CHECK_INT(s.schema, 4);
	CHECK_INT(anchors_checkpoint_note(&s, 0, &note, &size), 0);
	CHECK_INT(store_add_checkpoint(&s, 3, "o\n3\nx\n\n\xe2\x80\x94 o AAAA\n"), 0);
	CHECK_INT(store_add_checkpoint(&s, 7, "o\n7\ny\n\n\xe2\x80\x94 o AAAA\n"), 0);
	CHECK_INT(anchors_checkpoint_note(&s, 0, &note, &size), 1);
	CHECK_INT(size, 7);
	CHECK_INT(anchors_checkpoint_note(&s, 3, &note, &size), 1);
	CHECK(!strncmp(note.buf, "o\n3\n", 4));
	CHECK_INT(anchors_add_timestamp(&s, 7, "\x01\x02", 2, "ab", "tsa-1"), 0);
	CHECK_INT(anchors_add_timestamp(&s, 3, "\x03", 1, NULL, "tsa-2"), 0);
	CHECK_INT(anchors_timestamps(&s, 0, &v, &n), 0);
	CHECK_INT(n, 2);
	if (n == 2) {
		CHECK_INT(v[0].size, 3);
		CHECK(v[0].nonce == NULL);
		CHECK_INT(v[1].token_len, 2);
		CHECK_STR(v[1].nonce, "ab");
		CHECK_STR(v[1].tsa, "tsa-1");
	}
	anchor_timestamps_free(v, n);
	CHECK_INT(anchors_add_request(&s, 7, "ab", "r", 1), 0);
	CHECK_INT(anchors_request_made(&s, 7, "ab"), 1);
	CHECK_INT(anchors_request_made(&s, 3, "ab"), 0);
	CHECK_INT(anchors_add_cosignature(&s, 7, "L1"), 0);
	CHECK_INT(anchors_add_cosignature(&s, 7, "L2"), 0);
	CHECK_INT(anchors_cosignatures(&s, 7, &lines, &n), 0);
	CHECK_STR(lines.buf, "L1\nL2\n");
	CHECK_INT(n, 2);
	CHECK(store_exec(&s, "UPDATE checkpoint_cosignatures SET line = 'x'") != 0);
	CHECK(store_exec(&s, "DELETE FROM checkpoint_timestamps") != 0);
	store_close(&s);
	buf_release(&lines);
	buf_release(&note);
}

int main(void)
{
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/test_anchors.XXXXXX");
	if (!mkdtemp(tmpdir))
		return 2;
	set_error_quiet(1);
	RUN(test_message);
	RUN(test_spec_example);
	RUN(test_sign_verify);
	RUN(test_key_types);
	RUN(test_tsa_request);
	RUN(test_store_tables);
	{
		char cmd[300];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
		if (system(cmd))
			fprintf(stderr, "cannot remove %s\n", tmpdir);
	}
	return CHECK_DONE();
}
