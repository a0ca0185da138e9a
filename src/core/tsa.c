/*
 * tsa.c - RFC 3161 requests, responses and tokens with OpenSSL's TS API
 * (ts.h). Requests carry SHA-256 imprints, a 64-bit random nonce and
 * certReq, so the TSA includes its certificate and a token verifies with
 * the CA alone. Verification builds one X509_STORE per token, with the
 * verification time set to the token's genTime: a TSA certificate that
 * has expired since still verifies a token it signed while valid.
 * OpenSSL's error queue is drained into the reason after each failure.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pkcs7.h>
#include <openssl/rand.h>
#include <openssl/ts.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "trailscope/tsa.h"
#include "trailscope/util.h"

/* Appends ": REASON" from OpenSSL's error queue (the first error), and
 * clears the queue. */
static void ossl_why(struct buf *err)
{
	unsigned long e = ERR_get_error();
	char text[256];

	if (e) {
		ERR_error_string_n(e, text, sizeof(text));
		buf_addf(err, " (%s)", text);
	}
	ERR_clear_error();
}

/* Appends an ASN1_INTEGER as lowercase hex without leading zeros. */
static int integer_hex(const ASN1_INTEGER *i, struct buf *out)
{
	BIGNUM *bn = ASN1_INTEGER_to_BN(i, NULL);
	char *hex = bn ? BN_bn2hex(bn) : NULL;

	BN_free(bn);
	if (!hex)
		return -1;
	for (char *p = hex; *p; p++)
		buf_addch(out, (char)tolower((unsigned char)*p));
	OPENSSL_free(hex);
	return 0;
}

int tsa_request_make(const void *data, size_t len, struct buf *der, struct buf *nonce_hex, struct buf *err)
{
	unsigned char md[32], rnd[8], *p = NULL;
	TS_REQ *req = TS_REQ_new();
	TS_MSG_IMPRINT *imp = TS_MSG_IMPRINT_new();
	X509_ALGOR *alg = X509_ALGOR_new();
	BIGNUM *bn = NULL;
	ASN1_INTEGER *nonce = NULL;
	int n, ret = -1;

	if (!req || !imp || !alg || !EVP_Digest(data, len, md, NULL, EVP_sha256(), NULL) ||
	    !X509_ALGOR_set0(alg, OBJ_nid2obj(NID_sha256), V_ASN1_NULL, NULL) ||
	    !TS_MSG_IMPRINT_set_algo(imp, alg) || !TS_MSG_IMPRINT_set_msg(imp, md, sizeof(md)) ||
	    !TS_REQ_set_version(req, 1) || !TS_REQ_set_msg_imprint(req, imp) ||
	    !TS_REQ_set_cert_req(req, 1)) {
		buf_addstr(err, "cannot build the time-stamp request");
		goto out;
	}
	if (RAND_bytes(rnd, sizeof(rnd)) != 1) {
		buf_addstr(err, "no random bytes for the nonce");
		goto out;
	}
	rnd[0] = (unsigned char)((rnd[0] & 0x7f) | 0x40); /* positive, 63 bits, no leading zero */
	bn = BN_bin2bn(rnd, sizeof(rnd), NULL);
	nonce = bn ? BN_to_ASN1_INTEGER(bn, NULL) : NULL;
	if (!nonce || !TS_REQ_set_nonce(req, nonce) || integer_hex(nonce, nonce_hex)) {
		buf_addstr(err, "cannot set the nonce");
		goto out;
	}
	n = i2d_TS_REQ(req, &p);
	if (n <= 0) {
		buf_addstr(err, "cannot encode the time-stamp request");
		goto out;
	}
	buf_add(der, p, (size_t)n);
	ret = 0;
out:
	if (ret)
		ossl_why(err);
	OPENSSL_free(p);
	ASN1_INTEGER_free(nonce);
	BN_free(bn);
	X509_ALGOR_free(alg);
	TS_MSG_IMPRINT_free(imp);
	TS_REQ_free(req);
	return ret;
}

int tsa_response_token(const void *der, size_t len, struct buf *token, struct buf *err)
{
	const unsigned char *p = der;
	TS_RESP *resp;
	TS_STATUS_INFO *si;
	PKCS7 *tok;
	long status;
	unsigned char *out = NULL;
	int n, ret = -1;

	if (len > TSA_MAX_RESPONSE) {
		buf_addf(err, "the response is larger than %u bytes", TSA_MAX_RESPONSE);
		return -1;
	}
	resp = d2i_TS_RESP(NULL, &p, (long)len);
	if (!resp || p != (const unsigned char *)der + len) {
		buf_addstr(err, "not an RFC 3161 time-stamp response (DER TimeStampResp)");
		ossl_why(err);
		TS_RESP_free(resp);
		return -1;
	}
	si = TS_RESP_get_status_info(resp);
	status = ASN1_INTEGER_get(TS_STATUS_INFO_get0_status(si));
	if (status != 0 && status != 1) { /* granted, grantedWithMods */
		const STACK_OF(ASN1_UTF8STRING) *text = TS_STATUS_INFO_get0_text(si);

		buf_addf(err, "the TSA did not grant the request (status %ld", status);
		for (int i = 0; text && i < sk_ASN1_UTF8STRING_num(text); i++) {
			ASN1_UTF8STRING *t = sk_ASN1_UTF8STRING_value(text, i);

			buf_addstr(err, i ? "; " : ": ");
			buf_add_term_safe(err, (const char *)ASN1_STRING_get0_data(t), (size_t)ASN1_STRING_length(t));
		}
		buf_addch(err, ')');
		goto out;
	}
	tok = TS_RESP_get_token(resp);
	if (!tok) {
		buf_addstr(err, "the response grants the request but carries no token");
		goto out;
	}
	n = i2d_PKCS7(tok, &out);
	if (n <= 0) {
		buf_addstr(err, "cannot encode the token");
		ossl_why(err);
		goto out;
	}
	buf_add(token, out, (size_t)n);
	ret = 0;
out:
	OPENSSL_free(out);
	TS_RESP_free(resp);
	return ret;
}

static PKCS7 *token_parse(const void *der, size_t len, struct buf *err)
{
	const unsigned char *p = der;
	PKCS7 *tok;

	if (len > TSA_MAX_RESPONSE) {
		buf_addf(err, "the token is larger than %u bytes", TSA_MAX_RESPONSE);
		return NULL;
	}
	tok = d2i_PKCS7(NULL, &p, (long)len);
	if (!tok || p != (const unsigned char *)der + len) {
		buf_addstr(err, "not an RFC 3161 time-stamp token (DER CMS SignedData)");
		ossl_why(err);
		PKCS7_free(tok);
		return NULL;
	}
	return tok;
}

static void name_text(const X509_NAME *name, struct buf *out)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *data;
	long n;

	if (!b)
		return;
	if (X509_NAME_print_ex(b, name, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB) >= 0) {
		n = BIO_get_mem_data(b, &data);
		if (n > 0)
			buf_add_term_safe(out, data, (size_t)n);
	}
	BIO_free(b);
}

/* The certificate that signed the token, from the certificates it
 * carries; NULL when it carries none (certReq was not set). Not owned. */
static X509 *token_signer(PKCS7 *tok)
{
	STACK_OF(X509) *signers;
	X509 *x = NULL;

	if (!PKCS7_type_is_signed(tok))
		return NULL;
	signers = PKCS7_get0_signers(tok, NULL, 0);
	ERR_clear_error();
	if (signers && sk_X509_num(signers) == 1)
		x = sk_X509_value(signers, 0);
	sk_X509_free(signers);
	return x;
}

int tsa_token_info(const void *token, size_t len, struct tsa_token_info *out, struct buf *err)
{
	PKCS7 *tok = token_parse(token, len, err);
	TS_TST_INFO *ti;
	const ASN1_GENERALIZEDTIME *gt;
	const GENERAL_NAME *gn;
	TS_MSG_IMPRINT *imp;
	ASN1_OCTET_STRING *h;
	struct buf name = BUF_INIT;
	struct tm tm;
	X509 *signer;
	int ret = -1;

	memset(out, 0, sizeof(*out));
	if (!tok)
		return -1;
	ti = PKCS7_to_TS_TST_INFO(tok);
	if (!ti) {
		buf_addstr(err, "the token holds no TSTInfo");
		ossl_why(err);
		goto out;
	}
	gt = TS_TST_INFO_get_time(ti);
	if (!gt || !ASN1_TIME_to_tm(gt, &tm)) {
		buf_addstr(err, "the token's time is not a valid GeneralizedTime");
		goto out;
	}
	out->when = (int64_t)timegm(&tm);
	strftime(out->time, sizeof(out->time), "%Y-%m-%dT%H:%M:%SZ", &tm);
	if (TS_TST_INFO_get_nonce(ti)) {
		struct buf hex = BUF_INIT;

		if (integer_hex(TS_TST_INFO_get_nonce(ti), &hex) == 0)
			out->nonce_hex = buf_detach(&hex, NULL);
		buf_release(&hex);
	}
	imp = TS_TST_INFO_get_msg_imprint(ti);
	h = TS_MSG_IMPRINT_get_msg(imp);
	out->imprint_sha256 = OBJ_obj2nid(TS_MSG_IMPRINT_get_algo(imp)->algorithm) == NID_sha256;
	out->imprint_len = (size_t)ASN1_STRING_length(h);
	if (out->imprint_len > sizeof(out->imprint))
		out->imprint_len = sizeof(out->imprint);
	memcpy(out->imprint, ASN1_STRING_get0_data(h), out->imprint_len);
	gn = TS_TST_INFO_get_tsa(ti);
	signer = token_signer(tok);
	if (gn && gn->type == GEN_DIRNAME)
		name_text(gn->d.directoryName, &name);
	else if (signer)
		name_text(X509_get_subject_name(signer), &name);
	if (!name.len)
		buf_addstr(&name, "(unnamed TSA)");
	out->tsa = buf_detach(&name, NULL);
	ret = 0;
out:
	buf_release(&name);
	TS_TST_INFO_free(ti);
	PKCS7_free(tok);
	if (ret)
		tsa_token_info_release(out);
	return ret;
}

void tsa_token_info_release(struct tsa_token_info *i)
{
	free(i->tsa);
	free(i->nonce_hex);
	memset(i, 0, sizeof(*i));
}

int tsa_token_covers(const struct tsa_token_info *i, const void *data, size_t len)
{
	unsigned char md[32];

	if (!i->imprint_sha256 || i->imprint_len != sizeof(md) ||
	    !EVP_Digest(data, len, md, NULL, EVP_sha256(), NULL))
		return 0;
	return !memcmp(md, i->imprint, sizeof(md));
}

/* The timeStamping extended key usage RFC 3161 §2.3 requires: present,
 * the only purpose, critical. 0, or -1 with why. */
static int check_eku(X509 *x, struct buf *err)
{
	int idx = X509_get_ext_by_NID(x, NID_ext_key_usage, -1);
	struct buf subj = BUF_INIT;
	int ret = 0;

	name_text(X509_get_subject_name(x), &subj);
	if (idx < 0 || !(X509_get_extension_flags(x) & EXFLAG_XKUSAGE) ||
	    !(X509_get_extended_key_usage(x) & XKU_TIMESTAMP)) {
		buf_addf(err, "the TSA certificate '%s' has no timeStamping extended key usage", subj.buf);
		ret = -1;
	} else if (!X509_EXTENSION_get_critical(X509_get_ext(x, idx))) {
		buf_addf(err, "the TSA certificate '%s' has a timeStamping extended key usage that is not "
			 "critical (RFC 3161 requires it critical)", subj.buf);
		ret = -1;
	} else if (X509_get_extended_key_usage(x) != XKU_TIMESTAMP) {
		buf_addf(err, "the TSA certificate '%s' has other extended key usages than timeStamping",
			 subj.buf);
		ret = -1;
	}
	buf_release(&subj);
	return ret;
}

int tsa_token_verify(const void *token, size_t len, const char *const *ca_files, size_t nca,
		     struct buf *err)
{
	PKCS7 *tok = token_parse(token, len, err);
	struct tsa_token_info info;
	TS_VERIFY_CTX *ctx = NULL;
	X509_STORE *store = NULL;
	X509 *signer;
	int ret = 1;

	if (!tok)
		return 1;
	if (tsa_token_info(token, len, &info, err))
		goto out;
	signer = token_signer(tok);
	if (!signer) {
		buf_addstr(err, "the token carries no signing certificate (it was requested without certReq)");
		goto out_info;
	}
	if (check_eku(signer, err))
		goto out_info;
	store = X509_STORE_new();
	ctx = TS_VERIFY_CTX_new();
	if (!store || !ctx)
		die("out of memory");
	for (size_t i = 0; i < nca; i++) {
		if (X509_STORE_load_file(store, ca_files[i]) != 1) {
			struct buf why = BUF_INIT;

			ossl_why(&why);
			ret = error("cannot read the TSA CA certificates '%s'%s", ca_files[i], why.buf);
			buf_release(&why);
			goto out_info;
		}
	}
	X509_VERIFY_PARAM_set_time(X509_STORE_get0_param(store), (time_t)info.when);
	TS_VERIFY_CTX_set_store(ctx, store);
	store = NULL; /* the context owns it now */
	TS_VERIFY_CTX_set_flags(ctx, TS_VFY_SIGNATURE | TS_VFY_VERSION);
	if (TS_RESP_verify_token(ctx, tok) != 1) {
		buf_addstr(err, "the token's signature does not verify against the given TSA CA");
		ossl_why(err);
		goto out_info;
	}
	ret = 0;
out_info:
	tsa_token_info_release(&info);
out:
	ERR_clear_error();
	TS_VERIFY_CTX_free(ctx);
	X509_STORE_free(store);
	PKCS7_free(tok);
	return ret;
}
