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

/* The three verdicts of DESIGN.md. _(NAME, "name") */
#define VERDICT_INFO(_) \
	_(VERIFIED, "VERIFIED") \
	_(FAILED, "FAILED") \
	_(UNVERIFIABLE, "UNVERIFIABLE")

#define VERDICT_ENUM(name, str) VERDICT_##name,
enum verdict {
	VERDICT_NONE,          /* no verdict (yet): a report not filled in */
	VERDICT_INFO(VERDICT_ENUM)
};
#undef VERDICT_ENUM

/* "VERIFIED", "FAILED", "UNVERIFIABLE"; "" for VERDICT_NONE. */
const char *verdict_name(enum verdict v);
/* The verdict a name says (as a custody record or bag-info.txt carries
 * it), or VERDICT_NONE for NULL or any other text. */
enum verdict verdict_parse(const char *name);

/*
 * What is wrong with entries (MODIFIED, MALFORMED, MISSING) or with a
 * checkpoint (MALFORMED and the rest). FAULT_OK is no fault: the status of
 * a checkpoint that verifies, never the kind of a fault.
 * _(NAME, "name")
 */
#define FAULT_INFO(_) \
	_(OK, "OK") \
	_(MODIFIED, "MODIFIED") \
	_(MALFORMED, "MALFORMED") \
	_(MISSING, "MISSING") \
	_(BAD_SIGNATURE, "BAD_SIGNATURE") \
	_(UNTRUSTED, "UNTRUSTED") \
	_(WRONG_ORIGIN, "WRONG_ORIGIN") \
	_(ROOT_MISMATCH, "ROOT_MISMATCH") \
	_(INCONSISTENT, "INCONSISTENT") \
	_(ROLLBACK, "ROLLBACK") \
	_(TRUNCATED, "TRUNCATED") \
	_(FORK, "FORK") \
	_(BAD_TIMESTAMP, "BAD_TIMESTAMP") \
	_(TIME_ORDER, "TIME_ORDER") \
	_(BAD_COSIGNATURE, "BAD_COSIGNATURE") \
	_(NO_QUORUM, "NO_QUORUM")

#define FAULT_ENUM(name, str) FAULT_##name,
enum fault_kind { FAULT_INFO(FAULT_ENUM) };
#undef FAULT_ENUM

/* "OK", "MODIFIED", ...: the name verify, the TUI and bundles print. */
const char *fault_kind_name(enum fault_kind k);

struct verify_fault {
	enum fault_kind kind;  /* MODIFIED, MALFORMED, MISSING (entries); MALFORMED,
				* BAD_SIGNATURE, UNTRUSTED, WRONG_ORIGIN, ROOT_MISMATCH,
				* INCONSISTENT, ROLLBACK, TRUNCATED, FORK (checkpoints);
				* BAD_TIMESTAMP, TIME_ORDER, BAD_COSIGNATURE, NO_QUORUM
				* (a checkpoint's anchors, verify_anchors.c) */
	int checkpoint;        /* 1: about the checkpoint of that size */
	uint64_t seq, seq_end; /* entry range, inclusive (entry faults) */
	uint64_t size;         /* checkpoint size (checkpoint faults) */
	char *detail;          /* owned */
};

/* How an anchor (a time-stamp token, a cosignature) fared. */
enum anchor_status {
	ANCHOR_NOT_CHECKED,    /* no TSA CA, or no key of that witness, was given */
	ANCHOR_VERIFIED,
	ANCHOR_FAULT,          /* see the fault kind beside it */
};
/* "VERIFIED", "NOT_CHECKED", or the fault kind's name. */
const char *anchor_status_name(enum anchor_status st, enum fault_kind fault);

/* One witness cosignature line of a checkpoint. */
struct verify_cosigner {
	char *name;            /* the key name the line gives, owned */
	uint32_t keyid;
	uint64_t time;         /* its cosignature/v1 timestamp; 0 when it has none */
	enum anchor_status status;
	enum fault_kind fault; /* BAD_COSIGNATURE when status is ANCHOR_FAULT */
};

struct verify_checkpoint {
	uint64_t size;
	enum fault_kind status; /* FAULT_OK or a checkpoint fault kind */
	char *signer;          /* trusted key name that signed it, or NULL */
	struct verify_cosigner *cosigners; /* its cosignature lines, owned */
	size_t ncosigners;
};

/* One RFC 3161 time-stamp token of a checkpoint. */
struct verify_timestamp {
	uint64_t size;         /* the checkpoint it is for */
	char *tsa;             /* the TSA's name, owned ("" when unreadable) */
	char time[32];         /* its time, "YYYY-MM-DDTHH:MM:SSZ" ("" when unreadable) */
	enum anchor_status status;
	enum fault_kind fault; /* BAD_TIMESTAMP or TIME_ORDER when ANCHOR_FAULT */
};

/* What verification checks beyond the log's key (verify_anchors.c). */
struct anchor_options {
	const char *const *tsa_ca;  /* PEM files of the TSA CAs to trust; none:
				     * tokens are listed, not checked */
	size_t ntsa_ca;
	const struct note_verifier *witnesses; /* cosigner keys (type 0x04) */
	size_t nwitnesses;
	size_t quorum;              /* valid cosignatures the newest verified
				     * checkpoint needs; 0: every witness given */
};

struct verify_report {
	enum verdict verdict;  /* VERDICT_NONE until verify_store() fills it */
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
	char *reason;          /* owned; why the verdict is UNVERIFIABLE ("no trusted
				* key", "empty store, nothing to verify", "no checkpoint
				* signed by a trusted key anchors the N entries");
				* NULL otherwise */
	struct verify_timestamp *timestamps; /* every token, by checkpoint size; owned */
	size_t ntimestamps;
};

struct verify_options {
	struct trust *trust;   /* pinned keys and remembered checkpoints */
	int deep;              /* also re-canonicalise every leaf */
	int remember;          /* on VERIFIED, record the newest verified checkpoint
				* under each trusted key that signed it */
	/* progress, called about every 64k entries with the entries read and
	 * the store's size; may be NULL */
	void (*progress)(void *ctx, uint64_t done, uint64_t total);
	void *progress_ctx;
	volatile int *cancel;  /* when set non-zero, verification stops (-1) */
	const struct anchor_options *anchors; /* may be NULL: time-stamps and
				* cosignatures are listed, not checked */
};

/* Adds a fault about the checkpoint of that size to the report, and a
 * note (for verify_anchors.c, which fills in what anchors say). */
void verify_report_checkpoint_fault(struct verify_report *r, enum fault_kind kind, uint64_t size,
				    const char *detail);
void verify_report_note(struct verify_report *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The time of the checkpoint of that size for display: the earliest time
 * of its tokens that did not fail, or NULL; *status gets that token's. */
const struct verify_timestamp *verify_report_time(const struct verify_report *r, uint64_t size);

/* Returns 0 with the report filled (release it with
 * verify_report_release()), or -1 on an I/O error or cancel (reported;
 * nothing to release). */
int verify_store(struct store *s, const struct verify_options *opt, struct verify_report *r);
void verify_report_release(struct verify_report *r);

/*
 * Appends the one-line verdict every surface prints: "VERIFIED through N
 * (+P pending)", "FAILED: N faults" or "UNVERIFIABLE: REASON". entries is
 * the store's size for the pending count (0: the report's own). A report
 * that would say VERIFIED through 0 is printed UNVERIFIABLE: nothing is
 * anchored.
 */
void verify_verdict_line(const struct verify_report *r, uint64_t entries, struct buf *out);
/* The same for a status bar: UNVERIFIABLE says only "no trusted key",
 * "empty store" or "no trusted checkpoint". */
void verify_verdict_short(const struct verify_report *r, uint64_t entries, struct buf *out);
/* The role of the verdict line: 1 when it says VERIFIED (the same guard). */
int verify_report_verified(const struct verify_report *r);
/* The verdict the verdict line says: VERIFIED only with the guard above,
 * FAILED, else UNVERIFIABLE (also for a report not filled in). */
enum verdict verify_report_verdict(const struct verify_report *r);
/* The smallest checkpoint of the report with status OK whose size covers
 * seq, or 0 when no verified checkpoint covers it. */
uint64_t verify_report_cover(const struct verify_report *r, uint64_t seq);
/* The report's status of the checkpoint of that size; 0 when the report
 * has no checkpoint of that size, else 1 with *status set. */
int verify_report_checkpoint_status(const struct verify_report *r, uint64_t size,
				    enum fault_kind *status);

/*
 * What proves one entry, for `show`: the smallest checkpoint row covering
 * seq that verifies (parses, has the store's origin, is signed by a
 * trusted key with no failing line from one, its root is the store's tree
 * at its size and the entry's leaf is proven included under it), and the
 * first covering row before it that does not, with why.
 */
struct verify_cover {
	uint64_t size;         /* the verified checkpoint, 0 when none */
	char *signer;          /* its trusted signer's name, owned */
	uint64_t rejected;     /* a covering row that does not verify, 0 when none */
	char *why;             /* why it does not, owned */
};
/* Returns 0 with out filled (release with verify_cover_release()), or -1
 * on an I/O error (reported). */
int verify_cover(struct store *s, const struct trust *t, uint64_t seq, struct verify_cover *out);
void verify_cover_release(struct verify_cover *c);

#endif
