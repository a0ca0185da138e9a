/*
 * note.h - C2SP signed notes with Ed25519 keys, and tlog checkpoints.
 *
 * Key text forms (c2sp.org/signed-note):
 *   verifier  NAME+KEYID+BASE64(0x01 || 32-byte public key)
 *   signer    PRIVATE+KEY+NAME+KEYID+BASE64(0x01 || 32-byte seed)
 * KEYID is 8 lowercase hex digits: the first 4 bytes of
 * SHA-256(NAME || "\n" || 0x01 || public key), big-endian.
 * A note is TEXT (ending in "\n"), a blank line, then one or more lines
 * "— NAME BASE64(4-byte keyid || 64-byte signature)\n" (U+2014 em dash).
 * Checkpoints (c2sp.org/tlog-checkpoint) are notes whose text is
 * "ORIGIN\nSIZE\nBASE64(root)\n" followed by optional extension lines.
 */
#ifndef TRAILSCOPE_NOTE_H
#define TRAILSCOPE_NOTE_H

#include <stddef.h>
#include <stdint.h>
#include "trailscope/buf.h"
#include "trailscope/merkle.h"

#define NOTE_MAX_SIZE (1u << 20)
#define NOTE_MAX_SIGS 100
/* Signature types (the byte after the key name in the key id hash and
 * the first byte of a key's data): a log's Ed25519 key, and a witness's
 * Ed25519 cosigner key (c2sp.org/tlog-cosignature, cosignature/v1). */
#define NOTE_KEY_ED25519 0x01
#define NOTE_KEY_COSIGNATURE_V1 0x04
/* Bytes of a signature line after the key id: 64 for Ed25519, 8 + 64 for
 * a cosignature/v1 (timestamp and signature). Longer ones are kept cut. */
#define NOTE_SIG_MAX 72

struct note_verifier {
	char *name;                /* key name, owned */
	uint32_t keyid;
	unsigned char pub[32];     /* Ed25519 public key */
	unsigned char type;        /* NOTE_KEY_ED25519 (0 reads as it) or
				    * NOTE_KEY_COSIGNATURE_V1 */
};

struct note_signer {
	char *name;                /* key name, owned */
	uint32_t keyid;
	unsigned char seed[32];    /* Ed25519 private key seed */
	unsigned char pub[32];     /* derived public key */
	unsigned char type;        /* as in note_verifier */
};

/* Name rules: non-empty, no whitespace, no '+', valid UTF-8. */
int note_name_valid(const char *name);

/* Parse key text (surrounding whitespace/newline allowed). Return 0, or
 * -1 with a reason in err. Release with note_*_release(). The note_*
 * forms take only log keys (type 0x01), the note_cosigner_* forms only
 * witness keys (type 0x04); each names the other kind when given it. */
int note_verifier_parse(const char *text, struct note_verifier *out, struct buf *err);
int note_signer_parse(const char *text, struct note_signer *out, struct buf *err);
int note_cosigner_parse(const char *text, struct note_verifier *out, struct buf *err);
int note_cosigner_signer_parse(const char *text, struct note_signer *out, struct buf *err);
void note_verifier_release(struct note_verifier *v);
void note_signer_release(struct note_signer *s);
/* Verifier text for a signer ("name+keyid+base64"). */
void note_signer_verifier_text(const struct note_signer *s, struct buf *out);

/* Generates a fresh key pair (OpenSSL RNG) and appends both text forms
 * (without newline). Returns 0, or -1 on a bad name or RNG failure. */
int note_keygen(const char *name, struct buf *signer_text, struct buf *verifier_text);
/* The same for a key of the given type (NOTE_KEY_*). */
int note_keygen_type(const char *name, unsigned type, struct buf *signer_text, struct buf *verifier_text);

/* Raw Ed25519 over msg: sign returns 0 or -1; verify returns 1 when sig
 * is valid, 0 otherwise. */
int note_ed25519_sign(const unsigned char seed[32], const void *msg, size_t len, unsigned char sig[64]);
int note_ed25519_verify(const unsigned char pub[32], const unsigned char sig[64], const void *msg, size_t len);
/* Appends a signature line: "— NAME BASE64(data)\n". */
void note_sig_line(const char *name, const void *data, size_t len, struct buf *out);

/* Signs text (which must be non-empty, end in "\n", and contain no blank
 * line... see C2SP) and appends the complete note: text, "\n", signature
 * line. Returns 0 or -1 with a reason in err (also for a witness key). */
int note_sign(const struct note_signer *s, const char *text, size_t len,
	      struct buf *out, struct buf *err);

struct note_sig {
	char *name;                /* owned */
	uint32_t keyid;
	unsigned char sig[NOTE_SIG_MAX]; /* the first NOTE_SIG_MAX of them */
	size_t sig_len;            /* bytes after the key id; 64 for Ed25519,
				    * 72 for a cosignature/v1 */
};

struct note {
	char *text;                /* owned copy of the signed text, ends in "\n" */
	size_t text_len;
	struct note_sig *sigs;     /* owned */
	size_t nsigs;
};

/* Splits a note into text and signature lines. Returns 0, or -1 with a
 * reason in err for a malformed note (no blank line, bad signature line,
 * invalid UTF-8, control characters, too large, no signatures). */
int note_parse(const char *msg, size_t len, struct note *out, struct buf *err);
void note_release(struct note *n);

enum note_sig_status {
	NOTE_SIG_NONE = 0,         /* no signature line from this key */
	NOTE_SIG_OK = 1,           /* every line from this key verifies */
	NOTE_SIG_BAD = -1,         /* a line names this key but does not verify,
				    * whatever the other lines from it say */
};
/* Checks the lines of a log key (a cosigner key is NOTE_SIG_NONE here:
 * see cosig.h). */
enum note_sig_status note_verify(const struct note *n, const struct note_verifier *v);

struct checkpoint {
	char *origin;              /* owned */
	uint64_t size;
	unsigned char root[HASH_LEN];
};
/* Parses a checkpoint body (a note's text). Returns 0 or -1 with reason. */
int checkpoint_parse(const char *text, size_t len, struct checkpoint *out, struct buf *err);
void checkpoint_release(struct checkpoint *c);
/* Appends "origin\nsize\nbase64(root)\n". */
void checkpoint_format(const char *origin, uint64_t size, const unsigned char root[HASH_LEN],
		       struct buf *out);

#endif
