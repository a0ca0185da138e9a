/*
 * fuzz_tsa.c - libFuzzer harness for RFC 3161 input (tsa.c): the input is
 * read as a TimeStampResp (tsa_response_token) and as a TimeStampToken
 * (tsa_token_info, tsa_token_verify with no CA), and so is the token
 * taken out of a granted response; a parsed token's fields must be sane
 * (abort otherwise). A note's signature lines read a cosignature time
 * only when they have a cosignature's length (cosig.c).
 */
#include "fuzz.h"
#include "trailscope/cosig.h"
#include "trailscope/tsa.h"

static void token(const void *data, size_t size)
{
	struct tsa_token_info info;
	struct buf err = BUF_INIT;

	if (tsa_token_info(data, size, &info, &err) == 0) {
		if (!info.tsa || strlen(info.time) >= sizeof(info.time))
			abort();
		(void)tsa_token_covers(&info, data, size);
		tsa_token_info_release(&info);
	}
	buf_reset(&err);
	(void)tsa_token_verify(data, size, NULL, 0, &err);
	buf_release(&err);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct buf tok = BUF_INIT, err = BUF_INIT;
	struct note n;

	fuzz_dir();
	if (tsa_response_token(data, size, &tok, &err) == 0)
		token(tok.buf, tok.len);
	token(data, size);
	if (note_parse((const char *)data, size, &n, &err) == 0) {
		for (size_t i = 0; i < n.nsigs; i++) {
			uint64_t t;

			if (cosig_line_time(&n.sigs[i], &t) == 0 && n.sigs[i].sig_len != 72)
				abort();
		}
		note_release(&n);
	}
	buf_release(&tok);
	buf_release(&err);
	return 0;
}
