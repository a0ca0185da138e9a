/*
 * import.h - appending audit events to a store, atomically.
 *
 * One import is one transaction: every file is read, every record is
 * normalised, diffed, canonicalised, hashed and appended, the Merkle
 * cache is extended and (with a signer) a checkpoint of the new head is
 * signed, and only then is anything committed. A bad record stops the
 * import with "FILE:LINE:COL: reason" and the store is left as it was,
 * unless skip_invalid is set, in which case each bad record is reported
 * and skipped. Events whose id is already stored are not added again.
 * Records a format reads but makes no event of (reads, earlier stages)
 * are counted by reason. An import whose records all fail or are skipped
 * (none is an event, none already stored) is bad input: nothing is
 * written.
 */
#ifndef TRAILSCOPE_IMPORT_H
#define TRAILSCOPE_IMPORT_H

#include <stdint.h>
#include "trailscope/event.h"
#include "trailscope/formats.h"
#include "trailscope/note.h"
#include "trailscope/store.h"

struct import_options {
	const char *format;               /* a format name, or NULL/"auto" to detect */
	struct format_options fopt;       /* format options (--include-reads, --map) */
	int verbose;                      /* say which format was detected */
	int skip_invalid;                 /* report and skip bad records */
	int progress;                     /* show progress on stderr */
	const struct note_signer *signer; /* sign the new head, or NULL */
};

struct import_stats {
	uint64_t records;     /* records read */
	uint64_t added;       /* entries appended */
	uint64_t duplicates;  /* already stored (same event id) */
	uint64_t skipped;     /* bad records skipped (--skip-invalid) */
	uint64_t not_events[SKIP_NREASONS]; /* records read that make no event, by reason */
	int nothing;          /* records were read but none made an event: the
			       * import failed (ERR_INPUT), already reported */
	uint64_t first_seq;   /* first appended seq, 0 if none */
	uint64_t size;        /* store size after the import */
	int signed_head;      /* a checkpoint was signed */
};

/* Returns 0, or -1 (reported; nothing written) with error_class()
 * ERR_INPUT for bad input (a bad record at "FILE:LINE:COL: reason", a
 * file in no known format, nothing to import) or ERR_IO. "-" reads
 * standard input. */
int import_files(struct store *s, char *const *files, int nfiles,
		 const struct import_options *opt, struct import_stats *stats);

#endif
