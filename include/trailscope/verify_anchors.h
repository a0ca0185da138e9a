/*
 * verify_anchors.h - the part of verification that checks what anchors
 * checkpoints beyond the log's key: RFC 3161 time-stamp tokens (against
 * the TSA CAs given) and witness cosignatures (against the witness keys
 * given, with a quorum on the newest verified checkpoint). Called by
 * verify_store() once the checkpoints' statuses are known.
 */
#ifndef TRAILSCOPE_VERIFY_ANCHORS_H
#define TRAILSCOPE_VERIFY_ANCHORS_H

#include "trailscope/verify.h"

/* Fills r->timestamps and each checkpoint's cosigners, adds faults and
 * notes; o may be NULL (nothing checked, everything listed). Returns 0,
 * or -1 on an I/O error (reported). */
int verify_anchors(struct store *s, const struct anchor_options *o, struct verify_report *r);

/* Checks that each PEM file holds at least one certificate OpenSSL can
 * read. Returns 0, or -1 (reported, naming the file). */
int verify_tsa_ca_check(const char *const *files, size_t n);

#endif
