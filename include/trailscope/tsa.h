/*
 * tsa.h - RFC 3161 time-stamps through OpenSSL's TS API: making a request
 * for the SHA-256 of some bytes (with a nonce and certReq), taking the
 * token out of a response, reading a token's time, TSA name, nonce and
 * imprint, and verifying a token's signature against CA certificates.
 * tsa_http.c posts a request to a TSA over HTTP (libcurl).
 *
 * A token (TimeStampToken, RFC 3161 §2.4.2) is the DER CMS SignedData
 * the TSA signed; a response (.tsr) wraps one with a status. Everything
 * parsed here is hostile input: sizes are capped, nothing is trusted
 * before tsa_token_verify().
 */
#ifndef TRAILSCOPE_TSA_H
#define TRAILSCOPE_TSA_H

#include <stddef.h>
#include <stdint.h>
#include "trailscope/buf.h"

#define TSA_MAX_RESPONSE (1u << 20) /* a response or token larger than 1 MiB is refused */
#define TSA_HTTP_TIMEOUT_S 30

/* Makes a DER TimeStampReq over SHA-256(data) with a fresh 64-bit nonce
 * and certReq set; appends it to der and the nonce (lowercase hex, no
 * leading zeros) to nonce_hex. Returns 0 or -1 with a reason in err. */
int tsa_request_make(const void *data, size_t len, struct buf *der, struct buf *nonce_hex, struct buf *err);
/* Takes the token out of a DER TimeStampResp, which must say granted (or
 * grantedWithMods); appends the token's DER to token. Returns 0, or -1
 * with a reason (the TSA's status and text when it refused). */
int tsa_response_token(const void *der, size_t len, struct buf *token, struct buf *err);

struct tsa_token_info {
	char *tsa;                 /* the TSA's name (its tsa field, else the signing
				    * certificate's subject), RFC 2253; owned */
	char time[32];             /* genTime, "YYYY-MM-DDTHH:MM:SSZ" (seconds) */
	int64_t when;              /* genTime, seconds since the Epoch */
	char *nonce_hex;           /* lowercase hex, or NULL when it has none; owned */
	int imprint_sha256;        /* 1: its imprint's algorithm is SHA-256 */
	unsigned char imprint[64]; /* the hashed message */
	size_t imprint_len;
};
/* Parses a token. Returns 0 with out filled (release it), or -1 with a reason. */
int tsa_token_info(const void *token, size_t len, struct tsa_token_info *out, struct buf *err);
void tsa_token_info_release(struct tsa_token_info *i);
/* 1 when the token's imprint is SHA-256 of data, else 0. */
int tsa_token_covers(const struct tsa_token_info *i, const void *data, size_t len);

/*
 * Verifies a token's signature: the signing certificate chains, at the
 * token's own time, to one of the CA certificates in the PEM files
 * ca_files; it carries the timeStamping extended key usage, critical
 * (RFC 3161 §2.3); the ESS signing-certificate attribute names it; and
 * the token is version 1. Neither the imprint nor the nonce (see
 * tsa_token_info) nor revocation is checked here. Returns 0 when it
 * verifies, 1 when it does not (why in err), -1 when a CA file cannot
 * be read (reported).
 */
int tsa_token_verify(const void *token, size_t len, const char *const *ca_files, size_t nca,
		     struct buf *err);

/* Posts the DER request to url (http or https) as
 * application/timestamp-query and appends the response body to resp.
 * Returns 0, or -1 with a reason (transport, HTTP status, content type,
 * a response over TSA_MAX_RESPONSE). */
int tsa_http_post(const char *url, const void *req, size_t len, struct buf *resp, struct buf *err);

#endif
