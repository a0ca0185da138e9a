/*
 * dsse.h - DSSE envelopes (github.com/secure-systems-lab/dsse, v1.0.0)
 * signed with the Ed25519 keys of note.h, so that standard DSSE and
 * in-toto tooling can check an attestation's signature.
 *
 *   PAE(type, body) = "DSSEv1" SP LEN(type) SP type SP LEN(body) SP body
 *   (LEN: the byte length in ASCII decimal, no leading zeros)
 *   envelope = {"payload": BASE64(body), "payloadType": type,
 *               "signatures": [{"keyid": KEYID, "sig": BASE64(Ed25519(PAE))}]}
 *
 * KEYID is the signed-note key name and key id, "NAME+8HEX" (note.h): a
 * hint only; verification tries every trusted key.
 */
#ifndef TRAILSCOPE_DSSE_H
#define TRAILSCOPE_DSSE_H

#include <stddef.h>
#include "trailscope/buf.h"
#include "trailscope/note.h"

#define DSSE_MAX_SIZE (256u << 20) /* bytes of an envelope file */

/* Appends PAE(type, body) to out. */
void dsse_pae(const char *type, const void *body, size_t len, struct buf *out);

/* The keyid written for a key: "NAME+8HEX". */
void dsse_keyid(const char *name, uint32_t keyid, struct buf *out);

/* Appends the envelope of body, signed by key, as one line of compact
 * JSON ending in "\n". Returns 0, or -1 (reported). */
int dsse_sign(const struct note_signer *key, const char *type, const void *body, size_t len,
	      struct buf *out);

/* An envelope read back. */
struct dsse_envelope {
	char *type;            /* payloadType, owned */
	struct buf body;       /* the decoded payload */
	size_t nsigs;          /* signatures in the envelope */
	int trusted;           /* index in the trusted keys of a key whose signature
				* verifies, or -1 */
	int bad;               /* a signature whose keyid names a trusted key does
				* not verify under it */
};

/*
 * Parses an envelope (text, len bytes) and checks its signatures against
 * the n trusted keys. Returns 0 with *out filled (dsse_envelope_release()
 * it), or -1 with the reason in err for text that is not an envelope
 * (not JSON, a member missing or of the wrong type, bad base64).
 */
int dsse_open(const char *text, size_t len, const struct note_verifier *trusted, size_t n,
	      struct dsse_envelope *out, struct buf *err);
void dsse_envelope_release(struct dsse_envelope *e);

#endif
