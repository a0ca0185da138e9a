/*
 * verify.h - verification of a store against its signed checkpoints and
 * the trust state: the verdicts of DESIGN.md with their locations.
 */
#ifndef TRAILSCOPE_VERIFY_H
#define TRAILSCOPE_VERIFY_H

#include <stdint.h>
#include "trailscope/keys.h"
#include "trailscope/store.h"

#define VERIFY_MAX_FAULTS 10000 /* more are counted, not listed */

struct verify_fault {
	const char *kind;      /* MODIFIED, MALFORMED, MISSING (entries); MALFORMED,
				* BAD_SIGNATURE, UNTRUSTED, WRONG_ORIGIN, ROOT_MISMATCH,
				* INCONSISTENT, ROLLBACK, TRUNCATED, FORK (checkpoints) */
	int checkpoint;        /* 1: about the checkpoint of that size */
	uint64_t seq, seq_end; /* entry range, inclusive (entry faults) */
	uint64_t size;         /* checkpoint size (checkpoint faults) */
	char *detail;          /* owned */
};

struct verify_checkpoint {
	uint64_t size;
	const char *status;    /* OK or a checkpoint fault kind */
	char *signer;          /* trusted key name that signed it, or NULL */
};

struct verify_report {
	const char *verdict;   /* "VERIFIED", "FAILED", "UNVERIFIABLE" */
	int exit_code;         /* EXIT_OK, EXIT_FAILED, EXIT_UNVERIFIABLE */
	uint64_t entries;      /* rows in the store */
	uint64_t verified_through;
	uint64_t pending;
	char *origin;
	struct verify_fault *faults;
	size_t nfaults, faults_alloc, faults_total;
	struct verify_checkpoint *checkpoints;
	size_t ncheckpoints, checkpoints_alloc;
	char **notes;          /* plain statements of what could not be checked */
	size_t nnotes, notes_alloc;
};

struct verify_options {
	struct trust *trust;   /* pinned keys and remembered checkpoints */
	int deep;              /* also re-canonicalise every leaf */
	int remember;          /* record the newest verified checkpoint */
	/* progress, called about every 64k entries with the entries read and
	 * the store's size; may be NULL */
	void (*progress)(void *ctx, uint64_t done, uint64_t total);
	void *progress_ctx;
	volatile int *cancel;  /* when set non-zero, verification stops (-1) */
};

/* Returns 0 with the report filled (release it with
 * verify_report_release()), or -1 on an I/O error or cancel (reported;
 * nothing to release). */
int verify_store(struct store *s, const struct verify_options *opt, struct verify_report *r);
void verify_report_release(struct verify_report *r);

#endif
