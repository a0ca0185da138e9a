/*
 * diff.h - per-field differences between two JSON states, and the path
 * syntax they are named by.
 *
 * Paths: object members are joined with "." when the key is an identifier
 * ([A-Za-z_][A-Za-z0-9_-]*), else written ["key"] with JSON string
 * escaping; array elements are [N]. The root is the empty path; a member
 * of the root has no leading dot: rules[1].conditions[0].value,
 * labels["app.kubernetes.io/name"], ["weird key"].x.
 */
#ifndef TRAILSCOPE_DIFF_H
#define TRAILSCOPE_DIFF_H

#include <jansson.h>
#include "trailscope/buf.h"

/* _(NAME, "name in leaves, the changes table and CSV") */
#define CHANGE_KIND_INFO(_) \
	_(ADDED, "added")     /* absent before, present after */ \
	_(REMOVED, "removed") /* present before, absent after */ \
	_(CHANGED, "changed") /* present in both, different */

#define CHANGE_KIND_ENUM(name, str) CHANGE_##name,
enum change_kind { CHANGE_KIND_INFO(CHANGE_KIND_ENUM) };
#undef CHANGE_KIND_ENUM

struct change {
	char *path;             /* owned */
	enum change_kind kind;
	json_t *before;         /* own reference; NULL when absent or unknown */
	json_t *after;          /* own reference; NULL when absent */
	int before_unknown;     /* the source never recorded the state before */
};

struct change_list {
	struct change *v;
	size_t n, alloc;
};
#define CHANGE_LIST_INIT { NULL, 0, 0 }

const char *change_kind_name(enum change_kind k); /* "added", "removed", "changed" */
/* The kind a name says (a "kind" read back from a leaf's changes or the
 * changes table); CHANGE_CHANGED for NULL or any other text. */
enum change_kind change_kind_parse(const char *name);

/*
 * Appends the differences from before to after. Either may be NULL
 * (absent). When before_known is 0 the state before was never recorded:
 * every leaf value of after is reported as CHANGE_CHANGED with
 * before_unknown set (a scalar after gives one change at the root).
 * Objects recurse member by member in sorted key order; arrays whose
 * elements are all objects sharing an identity member (the first of "id",
 * "_id", "key", "name" present in every element of both arrays, with
 * unique string or number values) are matched by identity, paths using the
 * after index (the before index for removals); other arrays are matched by
 * a longest common subsequence of equal elements, and unmatched elements at
 * the same position are diffed recursively. A whole added or removed
 * subtree is one change.
 */
void diff_json(const json_t *before, const json_t *after, int before_known,
	       struct change_list *out);
void change_list_release(struct change_list *l);

void path_append_key(struct buf *path, const char *key, size_t keylen);
void path_append_index(struct buf *path, size_t index);

/* One-line summary for a timeline: "enabled: false → true",
 * "rules[1].conditions[0].value: \"enterprise\" → \"pro\"", "+3 more".
 * Values longer than max_value bytes are cut with "…". Appends to out. */
void change_list_summary(const struct change_list *l, size_t max_value, struct buf *out);

/* What a summary, the event view, show and CSV say when the source recorded
 * no state at all (neither before nor after): not "no field changed". */
#define STATE_NOT_RECORDED "state not recorded by this source"

/* Values in entries.summary are cut at this many bytes. */
#define ENTRY_SUMMARY_VALUE_MAX 60

/*
 * THE summary of an entry, as import stores it in entries.summary and
 * entry_text.summary (and as anyone re-deriving it must compute it): l is
 * diff_json(before, after, before_known) of the leaf. With changes, their
 * change_list_summary (values cut at ENTRY_SUMMARY_VALUE_MAX); with none,
 * STATE_NOT_RECORDED when !before_known (the source recorded no state),
 * else "" (both states known and equal: nothing changed). Appends to out.
 */
void entry_summary(const struct change_list *l, int before_known, struct buf *out);

#endif
