/*
 * attest.h - policy attestations (docs/POLICY.md): every rule of a
 * policy (policy.h) evaluated over a period on verified data, written as
 * an in-toto Statement v1 whose subject is the covering checkpoint
 * (name: the log's origin, digest: sha256 = its root hash in hex,
 * annotations: tree_size) and whose predicate (ATTEST_PREDICATE_TYPE)
 * lists each rule with pass or fail and every violating event; signed in
 * a DSSE envelope (dsse.h). Also the human reports (text, Markdown) and
 * the checks of `attest verify` and `bundle verify`.
 *
 * Knows nothing of terminals; the reports are made terminal-safe.
 */
#ifndef TRAILSCOPE_ATTEST_H
#define TRAILSCOPE_ATTEST_H

#include <jansson.h>
#include <stdint.h>
#include "trailscope/buf.h"
#include "trailscope/keys.h"
#include "trailscope/note.h"
#include "trailscope/policy.h"
#include "trailscope/store.h"
#include "trailscope/verify.h"

#define ATTEST_PAYLOAD_TYPE "application/vnd.in-toto+json"
#define ATTEST_STATEMENT_TYPE "https://in-toto.io/Statement/v1"
#define ATTEST_PREDICATE_TYPE "https://trailscope.dev/attestation/policy/v1"
/* The attestation inside a bundle, and its readable report. */
#define ATTEST_BUNDLE_FILE "data/attestation.dsse.json"
#define ATTEST_BUNDLE_REPORT "data/attestation.md"

/*
 * Evaluates p's rules on s over ts in [since, until) and seq <= cp->size
 * (queries compiled with now, which the statement records for relative
 * times), and builds the statement. cp_note is the signed checkpoint
 * (recorded verbatim); verdict_line the store's verdict, recorded too.
 * Returns 0 with *out (a new reference), or -1 (reported) with the
 * class ERR_INPUT for a query the store refuses, else ERR_IO.
 */
int attest_statement(struct store *s, const struct policy *p, const char *cp_note, const struct checkpoint *cp,
		     usec_t since, usec_t until, usec_t now, const char *verdict_line, json_t **out);

/* The statement as a signed DSSE envelope (one line of JSON): its JCS
 * form is the payload. Returns 0 or -1 (reported). */
int attest_envelope(const json_t *statement, const struct note_signer *key, struct buf *out);

struct attest_options {
	const char *store_path;
	const char *policy_path;
	usec_t since, until;    /* the period, [since, until) */
	usec_t now;             /* relative times in the rules; the statement's time */
	const char *keyfile;    /* the attester's signer key */
	struct trust *trust;    /* keys the store is verified against */
	const char *out_path;   /* where the envelope is written (atomically) */
};

struct attest_result {
	json_t *statement;      /* owned */
	uint64_t violations;
	size_t rules_failed;
	uint64_t unverified_in_period; /* events in the period after the checkpoint */
	uint64_t checkpoint_size;
};
void attest_result_release(struct attest_result *r);

/*
 * attest: verifies the store (verify.h): a FAILED store is refused
 * (class ERR_FAILED), as is one with no checkpoint a trusted key signed
 * (ERR_UNVERIFIABLE); the newest verified checkpoint is the subject.
 * Then evaluates, signs and writes. Returns 0, or -1 (reported) with the
 * class: also ERR_USAGE (an empty period), ERR_INPUT (a bad policy or
 * key), ERR_IO.
 */
int attest_create(const struct attest_options *o, struct attest_result *r);

/* The statement as a report: text (markdown 0) or Markdown (1). */
void attest_render(const json_t *statement, int markdown, struct buf *out);

/* ---- verification ---- */

struct attest_report {
	enum verdict verdict;   /* VERIFIED, FAILED or UNVERIFIABLE */
	char **faults;          /* owned; what does not hold */
	size_t nfaults, faults_alloc;
	char **notes;           /* owned; what was not checked, and why */
	size_t nnotes, notes_alloc;
	json_t *statement;      /* the statement when it parsed; owned */
	char *signer;           /* the trusted key that signed it, owned */
	int inclusion_checked;  /* every listed event was proven in the log */
	int completeness_checked; /* every rule was re-evaluated */
	int not_envelope;       /* the text is not a DSSE envelope at all */
};
void attest_report_release(struct attest_report *r);

struct attest_verify_options {
	const struct note_verifier *keys; /* trusted keys: the attester's, the log's */
	size_t nkeys;
	struct store *store;    /* check against this store, or NULL */
	struct trust *trust;    /* with store: what it is verified against */
	const char *bundle_dir; /* or check against this evidence bundle, or NULL */
};

/*
 * Checks an envelope: its signature by a trusted key, the statement's
 * shape, its checkpoint against its subject and, with a store, that the
 * store verifies, holds the log the subject names, every listed event at
 * its seq with its leaf hash (an inclusion proof under the subject's
 * root) and that re-evaluating every rule gives exactly the listed
 * violations; with a bundle, that the bundle verifies, is proven against
 * the same checkpoint and holds every listed event with that leaf hash.
 * Returns 0 with r filled, or -1 (reported) on an I/O error.
 */
int attest_verify(const char *text, size_t len, const struct attest_verify_options *o, struct attest_report *r);

/*
 * For bundle verify: checks the envelope inside a bundle against the
 * bundle's checkpoint cp and its leaves, as attest_verify does with a
 * bundle whose own checks are done by the caller: leaf_hash(ctx, seq, out)
 * gives the leaf hash of the bundle's event seq (0), or -1 when the bundle
 * does not hold it. Faults and notes go to r.
 */
typedef int attest_leaf_hash_fn(void *ctx, int64_t seq, unsigned char out[HASH_LEN]);
void attest_verify_in_bundle(const char *text, size_t len, const struct note_verifier *keys, size_t nkeys,
			     attest_leaf_hash_fn *leaf_hash, void *ctx, const struct checkpoint *cp,
			     struct attest_report *r);

#endif
