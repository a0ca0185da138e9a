/*
 * tsa_http.c - posting an RFC 3161 request to a time-stamping authority
 * over HTTP (RFC 3161 §3.4: application/timestamp-query in,
 * application/timestamp-reply out) with libcurl. Only http and https,
 * no redirects, a time limit, and a cap on the response's size.
 */
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "trailscope/tsa.h"
#include "trailscope/util.h"

struct sink {
	struct buf *out;
	int too_big;
};

static size_t collect(char *data, size_t size, size_t nmemb, void *ctx)
{
	struct sink *k = ctx;
	size_t n = size * nmemb;

	if (k->out->len + n > TSA_MAX_RESPONSE) {
		k->too_big = 1;
		return 0; /* stops the transfer */
	}
	buf_add(k->out, data, n);
	return n;
}

/* The media type of a Content-Type value, without parameters, is one a
 * TSA answers with. */
static int reply_type(const char *ct)
{
	static const char *const ok[] = { "application/timestamp-reply", "application/timestamp-response" };
	size_t n;

	if (!ct)
		return 0;
	n = strcspn(ct, "; \t");
	for (size_t i = 0; i < ARRAY_SIZE(ok); i++)
		if (n == strlen(ok[i]) && !strncasecmp(ct, ok[i], n))
			return 1;
	return 0;
}

int tsa_http_post(const char *url, const void *req, size_t len, struct buf *resp, struct buf *err)
{
	static int initialised;
	struct sink k = { resp, 0 };
	struct curl_slist *hdr = NULL;
	char curl_err[CURL_ERROR_SIZE] = "";
	const char *ct = NULL;
	long code = 0;
	CURLcode rc;
	CURL *c;
	int ret = -1;

	if (strncasecmp(url, "http://", 7) && strncasecmp(url, "https://", 8)) {
		buf_addstr(err, "the TSA URL must start with http:// or https://");
		return -1;
	}
	if (!initialised && curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK)
		initialised = 1;
	c = curl_easy_init();
	if (!c) {
		buf_addstr(err, "cannot start libcurl");
		return -1;
	}
	hdr = curl_slist_append(hdr, "Content-Type: application/timestamp-query");
	hdr = curl_slist_append(hdr, "Accept: application/timestamp-reply");
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(c, CURLOPT_POST, 1L);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, req);
	curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdr);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &k);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, curl_err);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 10L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, (long)TSA_HTTP_TIMEOUT_S);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "trailscope");
	rc = curl_easy_perform(c);
	if (k.too_big) {
		buf_addf(err, "the TSA's response is larger than %u bytes", TSA_MAX_RESPONSE);
		goto out;
	}
	if (rc != CURLE_OK) {
		buf_addf(err, "cannot reach the TSA: %s", *curl_err ? curl_err : curl_easy_strerror(rc));
		goto out;
	}
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
	curl_easy_getinfo(c, CURLINFO_CONTENT_TYPE, &ct);
	if (code != 200) {
		buf_addf(err, "the TSA answered HTTP %ld", code);
		goto out;
	}
	if (!reply_type(ct)) {
		buf_addstr(err, "the TSA answered with content type '");
		buf_add_term_safe(err, ct ? ct : "(none)", strlen(ct ? ct : "(none)"));
		buf_addstr(err, "', not application/timestamp-reply");
		goto out;
	}
	ret = 0;
out:
	curl_slist_free_all(hdr);
	curl_easy_cleanup(c);
	return ret;
}
