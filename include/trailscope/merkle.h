/*
 * merkle.h - RFC 6962 / RFC 9162 Merkle tree hashing and proofs.
 *
 * Leaf hash SHA-256(0x00 || leaf), node hash SHA-256(0x01 || left || right),
 * empty tree SHA-256(""). The tree itself lives elsewhere (the store caches
 * complete subtrees); this module asks a merkle_source for the hash of any
 * complete subtree and builds roots and proofs from O(log n) of them.
 */
#ifndef TRAILSCOPE_MERKLE_H
#define TRAILSCOPE_MERKLE_H

#include <stddef.h>
#include <stdint.h>

#define HASH_LEN 32
#define MERKLE_MAX_PROOF 128 /* 2 * 64 levels: more is malformed */

void merkle_leaf_hash(const void *leaf, size_t len, unsigned char out[HASH_LEN]);
void merkle_node_hash(const unsigned char left[HASH_LEN], const unsigned char right[HASH_LEN],
		      unsigned char out[HASH_LEN]);
void merkle_empty_root(unsigned char out[HASH_LEN]);
/* Frees this thread's hashing contexts (set up on first use); a thread
 * that hashed should call it before it exits. */
void merkle_thread_release(void);

/*
 * A source of complete-subtree hashes: subtree(ctx, level, idx, out) writes
 * the hash of the perfect subtree of 2^level leaves covering leaves
 * [idx << level, (idx + 1) << level) (level 0 is a leaf hash). Returns 0,
 * or -1 when it cannot (an I/O error, already reported).
 */
struct merkle_source {
	int (*subtree)(void *ctx, unsigned level, uint64_t idx, unsigned char out[HASH_LEN]);
	void *ctx;
};

/* Hash of the leaves [begin, end), any range (RFC 6962 MTH of a slice,
 * where begin is a multiple of the largest power of two < end - begin, as
 * every range the proofs need is). Returns 0 or -1. */
int merkle_range_hash(const struct merkle_source *src, uint64_t begin, uint64_t end,
		      unsigned char out[HASH_LEN]);
/* Root of the tree of the first size leaves (size 0: the empty root). */
int merkle_root(const struct merkle_source *src, uint64_t size, unsigned char out[HASH_LEN]);

/* A proof: a list of hashes. Owned by the caller: merkle_proof_release(). */
struct merkle_proof {
	unsigned char (*hash)[HASH_LEN];
	size_t n;
};
void merkle_proof_release(struct merkle_proof *p);

/* RFC 6962 PATH(index, D[0:size]): 0 <= index < size. Returns 0 or -1. */
int merkle_inclusion_proof(const struct merkle_source *src, uint64_t index, uint64_t size,
			   struct merkle_proof *out);
/* RFC 6962 PROOF(size1, D[0:size2]): 0 < size1 <= size2. Returns 0 or -1. */
int merkle_consistency_proof(const struct merkle_source *src, uint64_t size1, uint64_t size2,
			     struct merkle_proof *out);

/* RFC 9162 section 2.1.3.2: returns 0 when the proof shows the leaf hash at
 * index in the tree of size with the given root, -1 otherwise. */
int merkle_verify_inclusion(uint64_t index, uint64_t size, const unsigned char leaf_hash[HASH_LEN],
			    const struct merkle_proof *proof, const unsigned char root[HASH_LEN]);
/* RFC 9162 section 2.1.4.2: returns 0 when the proof shows the tree of size2
 * with root2 extends the tree of size1 with root1, -1 otherwise (including
 * size1 > size2, and the size1 == 0 / size1 == size2 cases as RFC 9162 says). */
int merkle_verify_consistency(uint64_t size1, uint64_t size2,
			      const unsigned char root1[HASH_LEN], const unsigned char root2[HASH_LEN],
			      const struct merkle_proof *proof);

/*
 * A streaming builder: push leaf hashes in order; it keeps only the
 * O(log n) frontier. on_complete (may be NULL) is called for every perfect
 * subtree of level >= 1 as it completes, with its level, index and hash:
 * the store caches them, verify compares them.
 */
struct merkle_builder {
	unsigned char stack[64][HASH_LEN]; /* frontier hashes, largest first */
	unsigned level[64];                /* level of each frontier subtree */
	unsigned depth;                    /* entries used in stack */
	uint64_t size;                     /* leaves pushed so far */
};
typedef void merkle_complete_fn(void *ctx, unsigned level, uint64_t idx,
				const unsigned char hash[HASH_LEN]);
void merkle_builder_init(struct merkle_builder *b);
/* Starts from an existing tree of size leaves, reading its frontier from
 * src. Returns 0 or -1. */
int merkle_builder_resume(struct merkle_builder *b, const struct merkle_source *src, uint64_t size);
void merkle_builder_push(struct merkle_builder *b, const unsigned char leaf_hash[HASH_LEN],
			 merkle_complete_fn *on_complete, void *ctx);
/* Root of the leaves pushed so far. */
void merkle_builder_root(const struct merkle_builder *b, unsigned char out[HASH_LEN]);

#endif
