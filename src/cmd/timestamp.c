/*
 * timestamp.c - "trailscope timestamp STORE [--size N] (--tsa URL |
 * --request-out FILE.tsq | --response FILE.tsr)": an RFC 3161 time-stamp
 * token over a checkpoint's signed note (the SHA-256 of exactly the bytes
 * stored in checkpoints.note), from a TSA over HTTP, or in two steps for
 * an air-gapped store: write the request, attach the response obtained
 * elsewhere (openssl ts compatible). A response that time-stamps other
 * data, or answers a request trailscope did not make for that checkpoint
 * (its nonce), is refused with exit 4 and nothing is stored.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cmd.h"
#include "trailscope/anchors.h"
#include "trailscope/tsa.h"
#include "trailscope/util.h"

/* 1 when the checkpoint of size already has exactly this token, 0, -1. */
static int token_stored(struct store *s, uint64_t size, const struct buf *token)
{
	struct anchor_timestamp *v;
	size_t n;
	int found = 0;

	if (anchors_timestamps(s, size, &v, &n))
		return -1;
	for (size_t i = 0; i < n; i++)
		if (v[i].token_len == token->len && !memcmp(v[i].token, token->buf, token->len))
			found = 1;
	anchor_timestamps_free(v, n);
	return found;
}

/* Checks that token answers the checkpoint note (imprint) and, when
 * nonce is given, that request (its nonce); else, that it answers one of
 * the requests recorded for size. Returns 0, or -1 (reported) of class
 * ERR_INPUT (a token that answers something else) or ERR_IO. */
static int check_answer(struct store *s, uint64_t size, const struct buf *note, const struct buf *token,
			const char *nonce, const char *what, struct tsa_token_info *info)
{
	struct buf err = BUF_INIT;
	int rc;

	if (tsa_token_info(token->buf, token->len, info, &err)) {
		error_as(ERR_INPUT, "%s: %s", what, err.buf);
		buf_release(&err);
		return -1;
	}
	if (!tsa_token_covers(info, note->buf, note->len))
		return error_as(ERR_INPUT, "%s: the token time-stamps other data: its imprint is not the SHA-256 "
				"of the note of checkpoint %" PRIu64 "; nothing was stored", what, size);
	if (!info->nonce_hex)
		return error_as(ERR_INPUT, "%s: the token carries no nonce, so it answers no request trailscope "
				"made for checkpoint %" PRIu64 "; nothing was stored", what, size);
	if (nonce) {
		rc = !strcmp(nonce, info->nonce_hex);
	} else {
		rc = anchors_request_made(s, size, info->nonce_hex);
		if (rc < 0)
			return -1;
	}
	if (!rc)
		return error_as(ERR_INPUT, "%s: the token answers another request: its nonce %s is not that of a "
				"request trailscope made for checkpoint %" PRIu64 " (%s); nothing was stored", what,
				info->nonce_hex, size, nonce ? nonce : "see --request-out");
	return 0;
}

static int run_timestamp(struct cmd_ctx *cx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "size", required_argument, NULL, 's' },
		{ "tsa", required_argument, NULL, 't' },
		{ "request-out", required_argument, NULL, 'q' },
		{ "response", required_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *usage = cx->cmd->usage, *url = NULL, *reqout = NULL, *respfile = NULL;
	struct buf note = BUF_INIT, req = BUF_INIT, nonce = BUF_INIT, resp = BUF_INIT, token = BUF_INIT;
	struct buf err = BUF_INIT, what = BUF_INIT;
	struct tsa_token_info info = { 0 };
	struct store *s = NULL;
	int64_t want = 0;
	uint64_t size = 0;
	int c, rc, ret = -1;

	while ((c = cli_getopt(argc, argv, "s:t:q:r:h", opts, "timestamp", usage)) != -1) {
		switch (c) {
		case 's':
			if (parse_int64(optarg, 1, INT64_MAX, &want))
				return cli_usage_error(usage, "timestamp: --size needs a checkpoint size (got '%s')",
						       optarg);
			break;
		case 't': url = optarg; break;
		case 'q': reqout = optarg; break;
		case 'r': respfile = optarg; break;
		default: return cli_common_option(cx, c); /* --help, or cli_getopt said why */
		}
	}
	if (argc - optind != 1)
		return cli_usage_error(usage, "timestamp: expected one STORE");
	if (!!url + !!reqout + !!respfile != 1)
		return cli_usage_error(usage, "timestamp: give exactly one of --tsa URL, --request-out FILE "
				       "and --response FILE");
	if (cmd_store(cx, argv[optind], &s))
		goto out;
	rc = anchors_checkpoint_note(s, (uint64_t)want, &note, &size);
	if (rc <= 0) {
		if (rc == 0 && want)
			error_as(ERR_INPUT, "%s: no checkpoint of size %lld", argv[optind], (long long)want);
		else if (rc == 0)
			error_as(ERR_INPUT, "%s: the store has no checkpoint to time-stamp (trailscope checkpoint)",
				 argv[optind]);
		goto out;
	}
	if (url || reqout) {
		if (tsa_request_make(note.buf, note.len, &req, &nonce, &err)) {
			error("%s", err.buf);
			goto out;
		}
	}
	if (reqout) {
		/* the write lock only now: never held while waiting for a TSA */
		if (store_begin(s) || anchors_add_request(s, size, nonce.buf, req.buf, req.len) ||
		    store_commit(s) || write_file_atomic(reqout, req.buf, req.len, 0644))
			goto out;
		printf("wrote the time-stamp request for checkpoint %" PRIu64 " to ", size);
		cli_put_safe(stdout, reqout);
		printf(" (nonce %s); attach the TSA's answer with --response\n", nonce.buf);
		ret = 0;
		goto out;
	}
	if (url) {
		if (tsa_http_post(url, req.buf, req.len, &resp, &err)) {
			error("%s: %s", url, err.buf);
			goto out;
		}
		buf_addstr(&what, url);
	} else {
		size_t len;
		char *data = read_file(respfile, TSA_MAX_RESPONSE, &len);

		if (!data) {
			error("cannot read '%s': %s", respfile, strerror(errno));
			goto out;
		}
		buf_add(&resp, data, len);
		free(data);
		buf_addf(&what, "response %s", respfile);
	}
	if (tsa_response_token(resp.buf, resp.len, &token, &err)) {
		error_as(ERR_INPUT, "%s: %s; nothing was stored", what.buf, err.buf);
		goto out;
	}
	if (check_answer(s, size, &note, &token, url ? nonce.buf : NULL, what.buf, &info))
		goto out;
	rc = token_stored(s, size, &token);
	if (rc < 0)
		goto out;
	if (rc) {
		printf("checkpoint %" PRIu64 " already has this token (%s by ", size, info.time);
		cli_put_safe(stdout, info.tsa);
		printf("): nothing added\n");
		ret = 0;
		goto out;
	}
	if (store_begin(s) || anchors_add_timestamp(s, size, token.buf, token.len, info.nonce_hex, what.buf) ||
	    store_commit(s))
		goto out;
	printf("time-stamped checkpoint %" PRIu64 " at %s by ", size, info.time);
	cli_put_safe(stdout, info.tsa);
	printf("\n");
	ret = 0;
out:
	if (s)
		store_rollback(s);
	tsa_token_info_release(&info);
	buf_release(&note);
	buf_release(&req);
	buf_release(&nonce);
	buf_release(&resp);
	buf_release(&token);
	buf_release(&err);
	buf_release(&what);
	return cli_exit_status(ret);
}

const struct command cmd_timestamp_entry = {
	.name = "timestamp",
	.usage = "timestamp STORE [--size N] (--tsa URL | --request-out FILE.tsq | --response FILE.tsr)",
	.summary = "get an RFC 3161 time-stamp token for a checkpoint",
	.help = "Asks a time-stamping authority for a token over a checkpoint's signed note (the\n"
		"SHA-256 of the note exactly as stored), with a nonce and certReq, and stores it\n"
		"beside the checkpoint. --size picks the checkpoint (default: the latest).\n"
		"--tsa URL posts the request over HTTP(S) (application/timestamp-query).\n"
		"Air-gapped, compatible with openssl ts: --request-out writes the request (DER) and\n"
		"records its nonce in the store; --response attaches the TSA's response (DER)\n"
		"after checking that it time-stamps that checkpoint's note and answers a request\n"
		"made for it. trailscope verify --tsa-ca CA.pem checks the tokens.\n"
		"STORE may be a PostgreSQL URI (a writer role; under the append lock).\n"
		"Exit: 0 stored, 3 usage, 4 a response over other data or for another request,\n"
		"a refusal by the TSA, no such checkpoint; 5 I/O or network errors.\n",
	.flags = CMD_STORE | CMD_WRITE,
	.run = run_timestamp,
};
