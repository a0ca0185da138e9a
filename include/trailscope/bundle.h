/*
 * bundle.h - evidence bundles: a BagIt bag (bagit.h) holding a selection
 * of events with their exact leaves and one RFC 6962 inclusion proof each
 * against one signed checkpoint (the packed layout: a line file of each;
 * bundles written before it hold a file per leaf and a
 * c2sp.org/tlog-proof@v1 file per proof), readable renderings (JSON
 * lines, CSV, a timeline report), the investigator's notes, and a signed
 * chain-of-custody record (custody.h). docs/BUNDLE.md is the contract.
 *
 * Export reads the store read-only; only when the selection is not yet
 * covered by a checkpoint and a key is given does it open the store
 * read-write, once, to sign and store a checkpoint of the head.
 * Verification uses nothing but the bundle's files and the trusted keys.
 * No ncurses here: the CLI and the TUI's export dialog call the same code.
 */
#ifndef TRAILSCOPE_BUNDLE_H
#define TRAILSCOPE_BUNDLE_H

#include <jansson.h>
#include <stdint.h>
#include "trailscope/bagit.h"
#include "trailscope/buf.h"
#include "trailscope/custody.h"
#include "trailscope/keys.h"
#include "trailscope/merkle.h"
#include "trailscope/note.h"
#include "trailscope/util.h"
#include "trailscope/verify.h"

#define BUNDLE_MAX_LEAF (16u << 20)
#define BUNDLE_MAX_RENDER (1u << 30)  /* a rendering read into memory whole: 1 GiB */
/* A line file mapped, or a rendering compared as it streams: no more than
 * the address space bounds (memory stays a window of lines). */
#define BUNDLE_MAX_MAPPED (SIZE_MAX >> 1)

/* The packed layout (docs/BUNDLE.md, "Layout"): each event's leaf, one a
 * line, and its inclusion proof, one canonical JSON line each, in seq
 * order. Bundles written before it hold data/entries/SEQ.leaf, SEQ.raw and
 * data/proofs/SEQ.tlog-proof instead. */
#define BUNDLE_LEAVES_FILE "data/leaves.jsonl"
#define BUNDLE_PROOFS_FILE "data/proofs.jsonl"
#define BUNDLE_LAYOUT_LABEL "Trailscope-Bundle-Layout"

enum bundle_select {
	BUNDLE_EVENTS,   /* .events: "SEQ,A-B,EVENT_ID,..." or .seqs/.nseqs */
	BUNDLE_INCIDENT, /* .incident: events in [started_at - 2 h, resolved_at] */
	BUNDLE_QUERY,    /* .query: the query language (query.h) */
	BUNDLE_MARKED,   /* the case file's marks */
};

/* Progress: phase is a short word ("proofs", "records"); done of total. */
typedef void bundle_progress_fn(void *ctx, const char *phase, uint64_t done, uint64_t total);

struct bundle_export_options {
	const char *store_path;
	const char *out_dir;
	int force;                  /* replace the contents of a non-empty out_dir */
	enum bundle_select select;
	const char *events;         /* BUNDLE_EVENTS, text form; or: */
	const int64_t *seqs;        /* BUNDLE_EVENTS, when events is NULL */
	size_t nseqs;
	const char *incident;       /* BUNDLE_INCIDENT: incident id */
	const char *query;          /* BUNDLE_QUERY */
	const char *case_path;      /* NULL: STORE.case (missing: no notes) */
	const char *case_id;        /* required */
	const char *examiner;       /* required */
	const char *role;           /* NULL: "examiner" */
	const char *keyfile;        /* signer key: signs custody entry 1, and a new
				     * checkpoint when events are pending; may be NULL */
	const char *note;           /* purpose, recorded in custody entry 1 */
	struct trust *trust;        /* keys the store is verified against before export
				     * (read only, nothing remembered); NULL: the keys
				     * pinned in the state directory */
	int allow_failed;           /* export from a store whose verification FAILED
				     * (the verdict and faults are recorded) */
	const char *attest_policy;  /* also attest this policy (attest.h) over the bundle's
				     * checkpoint, signed with keyfile; NULL: no attestation */
	usec_t attest_since, attest_until; /* its period; 0: from the first selected
				     * event's time, to just after the last one's */
	bundle_progress_fn *progress; /* may be NULL; phase "verifying" counts entries */
	void *progress_ctx;
	volatile int *cancel;       /* non-zero: stop (EXIT_IO, partial bag left) */
};

struct bundle_export_result {
	uint64_t events;            /* events exported */
	uint64_t checkpoint_size;   /* the checkpoint the proofs are against */
	int signed_checkpoint;      /* 1: export signed a new checkpoint */
	char *origin;               /* owned */
	enum verdict store_verdict; /* the store's verdict before export */
	size_t store_faults;        /* its number of faults */
	uint64_t pending_selected;  /* selected events no stored checkpoint covered */
	int attested;               /* the bundle holds an attestation */
	uint64_t attest_violations; /* its violations */
	size_t attest_rules_failed;
	uint64_t attest_added;      /* violating events added to the selection */
};
void bundle_export_result_release(struct bundle_export_result *r);

/* Writes the bundle. First verifies the whole store (verify.h) against
 * o->trust: a FAILED store is refused unless o->allow_failed, and the
 * verdict, every fault and the pending events are recorded in report.txt,
 * bag-info.txt and custody entry 1 (which also signs bag-info.txt's
 * elements). Returns 0, or -1 (reported) with the class of the failure
 * (diag.h): ERR_USAGE for missing options; ERR_INPUT for an unknown event
 * or incident, an empty selection, a bad key file, or pending events
 * without a key; ERR_FAILED when the store FAILED verification (without
 * allow_failed, or when pending events would need a new checkpoint over
 * it) or contradicts its own checkpoint; ERR_UNVERIFIABLE when --attest
 * has no checkpoint a trusted key signed; ERR_IO otherwise (also: out_dir
 * is a symbolic link). A bad query is reported at its column, ERR_USAGE. */
int bundle_export(const struct bundle_export_options *o, struct bundle_export_result *r);

/* Renderings shared by export and verify (both regenerate them from the
 * leaves). leaf is the parsed leaf object; changes is its
 * bundle_leaf_changes(), or NULL to have each function compute it (export
 * computes it once for the three renderings that show it). */
void bundle_record_line(const json_t *leaf, const json_t *changes, struct buf *out); /* events.jsonl line */
/* A version 3 leaf's events.jsonl record also carries its raw record
 * (data/entries/SEQ.raw) as "raw", as version 1 and 2 leaves do: sets it
 * on the parsed leaf before bundle_record_line. Returns 0, or -1 (leaf
 * unchanged) when raw[0..len) is not UTF-8 text. */
int bundle_record_add_raw(json_t *leaf, const char *raw, size_t len);
/* events.csv layouts: 1 as bundles before outcomes were written (no
 * outcome columns; an unrecorded state summarised as ""), 2 since (export
 * writes it; bundle verify renders the layout the file's header names). */
enum { EVENTS_CSV_V1 = 1, EVENTS_CSV_V2 = 2, EVENTS_CSV_CURRENT = EVENTS_CSV_V2 };
void bundle_events_csv_header(struct buf *out, int layout);
void bundle_events_csv_row(const json_t *leaf, struct buf *out, int layout);
/* The layout whose header the file's first line is (EVENTS_CSV_CURRENT
 * when it is neither's). */
int bundle_events_csv_layout(const char *text, size_t len);
void bundle_changes_csv_header(struct buf *out);
void bundle_changes_csv_rows(const json_t *leaf, const json_t *changes, struct buf *out);
/* One event's entry in report.txt: its line, context and changes. */
void bundle_report_event(const json_t *leaf, const json_t *changes, struct buf *out);
/* The changes of a leaf as the JSON array an events.jsonl record carries. */
json_t *bundle_leaf_changes(const json_t *leaf);
/* The same, also filling cl (diff.h; release it with change_list_release)
 * so that bundle_events_csv_row_of need not diff the leaf again. */
struct change_list;
json_t *bundle_leaf_diff(const json_t *leaf, struct change_list *cl);
void bundle_events_csv_row_of(const json_t *leaf, const struct change_list *cl, struct buf *out, int layout);

/* ---- the packed layout (bundle_packed.c) ---- */

/* Appends seq's line of data/proofs.jsonl, LF included:
 * {"index":SEQ-1,"path":["BASE64",...],"seq":SEQ} (the RFC 6962 path,
 * the leaf's sibling first). */
void bundle_proof_line(struct buf *out, int64_t seq, const struct merkle_proof *p);
/* Parses one such line (without its LF): exactly that canonical form, the
 * index seq - 1, each hash 32 bytes. Returns 0 with *seq and p (release
 * with merkle_proof_release), or -1 with a reason in why. */
int bundle_proof_line_parse(const char *s, size_t len, int64_t *seq, struct merkle_proof *p, struct buf *why);

/* What `trailscope bundle proof|leaf|raw` print of one event. */
enum bundle_part {
	BUNDLE_PART_PROOF,  /* its c2sp.org/tlog-proof@v1 text against data/checkpoint */
	BUNDLE_PART_LEAF,   /* its exact leaf bytes */
	BUNDLE_PART_RAW,    /* its raw source record's bytes */
};
/* Appends that part of event seq of the bundle in dir, of either layout
 * (a per-event bundle's files verbatim; a packed bundle's lines, the
 * proof formatted as the per-event layout wrote it). Only the lines it
 * uses are checked (their seq, and a raw record against its leaf's
 * raw_sha256): `bundle verify` checks the rest. Returns 0, or -1
 * (reported) with its class: ERR_INPUT when the bundle has no such
 * event, ERR_FAILED when its lines disagree, ERR_IO. */
int bundle_event_part(const char *dir, int64_t seq, enum bundle_part what, struct buf *out);

/* ---- verification ---- */

/* What part of a bundle a fault is about. _(NAME, "name") */
#define BUNDLE_FAULT_INFO(_) \
	_(BAG, "BAG") \
	_(CHECKPOINT, "CHECKPOINT") \
	_(PROOF, "PROOF") \
	_(LEAF, "LEAF") \
	_(RECORD, "RECORD") \
	_(CUSTODY, "CUSTODY") \
	_(MISSING, "MISSING") \
	_(TIMESTAMP, "TIMESTAMP") \
	_(COSIGNATURE, "COSIGNATURE") \
	_(ATTESTATION, "ATTESTATION")

#define BUNDLE_FAULT_ENUM(name, str) BUNDLE_FAULT_##name,
enum bundle_fault_kind { BUNDLE_FAULT_INFO(BUNDLE_FAULT_ENUM) };
#undef BUNDLE_FAULT_ENUM

/* "BAG", "CHECKPOINT", ...: the name `bundle verify` prints. */
const char *bundle_fault_kind_name(enum bundle_fault_kind k);

struct bundle_fault {
	enum bundle_fault_kind kind;
	char *file;        /* relative to the bundle; owned */
	long line;         /* 0 when not about a line */
	char *detail;      /* owned */
};

struct bundle_report {
	enum verdict verdict;      /* VERIFIED, FAILED, UNVERIFIABLE */
	char *origin;              /* checkpoint origin, owned (or NULL) */
	uint64_t checkpoint_size;
	char *checkpoint_signer;   /* trusted key name that signed it, owned (or NULL) */
	uint64_t events;           /* events whose leaf, proof and record all check */
	uint64_t events_total;     /* leaves in the bundle */
	const char *layout;        /* "packed" or "per-event" (static) */
	int64_t *leaf_seqs;        /* the seqs of the leaves that could be read, sorted; owned */
	unsigned char (*leaf_hashes)[HASH_LEN]; /* each one's leaf hash; owned */
	size_t nleaves;
	struct bundle_fault *faults;
	size_t nfaults, faults_alloc;
	char **warnings;           /* owned; plain statements, not failures */
	size_t nwarnings, warnings_alloc;
	char **notes;              /* owned; what nothing vouches for (unsigned bag-info
				    * elements, a bundle from an older trailscope) */
	size_t nnotes, notes_alloc;
	char *store_verdict;       /* the store's verdict at export, from the signed custody
				    * entry 1 (text: verdict_parse() reads it); NULL when it
				    * does not say; owned */
	char **store_faults;       /* its faults as recorded; owned */
	size_t nstore_faults, store_faults_alloc;
	uint64_t store_faults_total;
	struct custody_report custody;
	struct verify_timestamp *timestamp; /* data/checkpoint.tst, or NULL when the
				    * bundle has none; owned (size: the checkpoint's) */
	struct verify_cosigner *cosigners; /* data/checkpoint's cosignature lines, owned */
	size_t ncosigners;
	char *attestation;         /* the attestation's summary ("POLICY: pass|fail, N
				    * violations, signed by KEY"), owned; NULL when the
				    * bundle holds none */
};
void bundle_report_release(struct bundle_report *r);
/* The leaf hash of event seq in the bundle r reports on (ctx: the
 * report): 0, or -1 when it holds no readable leaf of seq. */
int bundle_report_leaf_hash(void *ctx, int64_t seq, unsigned char out[HASH_LEN]);

/* Verifies the bundle in dir against the n trusted verifier keys. Returns 0
 * with r filled, or -1 when dir cannot be opened (reported). */
int bundle_verify(const char *dir, const struct note_verifier *trusted, size_t n,
		  struct bundle_report *r);
/* The same, also checking the checkpoint's anchors against anchors (may
 * be NULL: listed, not checked): data/checkpoint.tst against the TSA CAs,
 * data/checkpoint's cosignature lines against the witnesses and quorum. */
int bundle_verify_anchored(const char *dir, const struct note_verifier *trusted, size_t n,
			   const struct anchor_options *anchors, struct bundle_report *r);

/* ---- anchors (bundle_anchors.c) ---- */

#define BUNDLE_TOKEN_FILE "data/checkpoint.tst"

/* For export: appends the cosignature lines the store holds for the
 * checkpoint of that size to note (data/checkpoint is the note as the log
 * signed it followed by them), and its first time-stamp token to token
 * (nothing when it has none). Returns 0 or -1 (reported). */
int bundle_anchors_load(struct store *s, uint64_t size, struct buf *note, struct buf *token);
/* For verify: checks the token (when has_token) and the cosignatures of
 * the checkpoint cp_bytes (its parsed body cp, NULL when malformed) and
 * adds faults and notes to r. Returns 0. */
int bundle_anchors_check(int dfd, const struct buf *cp_bytes, const struct checkpoint *cp, int has_token,
			 const struct anchor_options *anchors, struct bundle_report *r);
/* Adds a fault or a note to a bundle report (bundle_verify.c). */
void bundle_report_fault(struct bundle_report *r, enum bundle_fault_kind kind, const char *file,
			 long line, const char *detail);
void bundle_report_note(struct bundle_report *r, const char *text);

/*
 * Appends a custody entry to the bundle in dir (after checking that the
 * bag, its manifests and the custody chain are intact: a damaged bundle is
 * refused), then rewrites the tag manifests. Returns 0, or -1 (reported)
 * with its class: ERR_FAILED (damaged bundle), ERR_USAGE (an action
 * other than transferred, received, verified, note), ERR_IO.
 */
int bundle_custody_append(const char *dir, const struct custody_fields *f,
			  const struct note_signer *key);

/* The tag files a bundle's tag manifests list. */
extern const char *const bundle_tag_files[];
extern const size_t bundle_ntag_files;

#endif
