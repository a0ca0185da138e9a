/*
 * custody.h - the chain-of-custody record of an evidence bundle:
 * custody.jsonl, a tag file at the bag's root, one JSON object per line
 * in RFC 8785 canonical form. Each entry names an action (created,
 * transferred, received, verified, note), the actor, role, UTC time, host,
 * tool version, case id, a note, the SHA-256 of manifest-sha256.txt when
 * it was written, the SHA-256 of the previous line ("prev"), the actor's
 * verifier key and an Ed25519 signature over
 *     "trailscope-custody-v1\n" || JCS(entry without "sig").
 * Editing, removing, inserting or reordering a line breaks a link or a
 * signature. The first ("created") entry also commits to bag-info.txt
 * ("bag_info": its trailscope-written elements) and to the verdict of the
 * store the bundle was made from ("store"). docs/BUNDLE.md specifies the
 * members.
 */
#ifndef TRAILSCOPE_CUSTODY_H
#define TRAILSCOPE_CUSTODY_H

#include <jansson.h>
#include <stddef.h>
#include "trailscope/bagit.h"
#include "trailscope/buf.h"
#include "trailscope/note.h"

#define CUSTODY_FILE "custody.jsonl"
#define CUSTODY_SIG_DOMAIN "trailscope-custody-v1\n"
#define CUSTODY_MAX_SIZE (16u << 20)

struct custody_fields {
	const char *action;          /* created, transferred, received, verified, note */
	const char *actor;           /* who (non-empty) */
	const char *role;            /* NULL: derived from the action */
	const char *case_id;         /* the case, written as given: tag-safe text
				      * (buf_add_term_safe) or an earlier entry's */
	const char *note;            /* purpose or note, or NULL */
	const char *manifest_sha256; /* hex SHA-256 of manifest-sha256.txt */
	const char *time;            /* NULL: now (UTC) */
	const char *host;            /* NULL: this host's name */
	const char *tool;            /* NULL: "trailscope VERSION" */
	const json_t *extra;         /* "created" only: members added to the entry
				      * ("bag_info", "store"), or NULL; borrowed */
};

/* Whether action is one custody knows. */
int custody_action_valid(const char *action);

/*
 * Appends one entry line (with "\n") to out: seq is its 1-based line
 * number, prev the previous line without its newline (NULL for the
 * first), key the actor's signer key (required: every entry is signed).
 * actor, role, note, host and tool are escaped as for a terminal
 * (buf_add_term_safe), so no control character, C1 control or line
 * separator reaches the file raw. Returns 0 or -1 (reported).
 */
int custody_entry(const struct custody_fields *f, long seq, const char *prev, size_t prev_len,
		  const struct note_signer *key, struct buf *out);

struct custody_item {
	long line;
	char *action, *actor, *role, *time; /* owned */
	char *signer;                       /* key name, or NULL when unsigned; owned */
	int trusted;                        /* signer is one of the trusted keys */
};

struct custody_report {
	struct custody_item *v;
	size_t n, alloc;
	char *case_id;                      /* from the first entry; owned */
	json_t *created;                    /* the first entry when it is "created" and its
					     * signature verifies (its "bag_info" and
					     * "store" are then vouched for); owned */
	size_t unsigned_entries, untrusted_entries;
};
void custody_report_release(struct custody_report *r);

/*
 * Checks custody.jsonl text: every line canonical JSON with the members
 * above, seq equal to its line, "created" first and only first, the same
 * case id throughout, each prev the SHA-256 of the line before, each
 * signature valid for the key it carries, each manifest_sha256 equal to
 * manifest_hex (the bag's manifest-sha256.txt now), and, on the first
 * line, "bag_info" (when present) an array of [label, value] string pairs
 * and "store" (when present) an object with a string "verdict". Faults are added to
 * F against CUSTODY_FILE and a line. Keys in trusted (n of them) mark an
 * entry trusted. Always fills r.
 */
void custody_verify(const char *text, size_t len, const char *manifest_hex,
		    const struct note_verifier *trusted, size_t ntrusted,
		    struct bag_faults *F, struct custody_report *r);

#endif
