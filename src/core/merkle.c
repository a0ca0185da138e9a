/*
 * merkle.c - RFC 6962 Merkle tree hashes, roots, inclusion and consistency
 * proofs, the RFC 9162 verifiers, and the streaming builder.
 *
 * Cost: one SHA-256 per leaf or node (about 150 ns for a node), through
 * per-thread EVP contexts set up once and reused. Roots and proofs never
 * walk leaves: a range of n leaves is split into at most 65 perfect
 * subtrees asked of the merkle_source (popcount(n) lookups), and a proof
 * takes O(log n) lookups in all, since only the path along the right edge
 * of the tree meets ranges that are not perfect. Everything works in
 * fixed stack arrays (about 4 KiB); only the returned proof is allocated.
 */
#include <string.h>

#include <openssl/evp.h>

#include "trailscope/merkle.h"
#include "trailscope/util.h"

/* ---- hashing ---- */

/*
 * Per thread: two contexts that have absorbed the 0x00 and 0x01 prefixes,
 * copied into a working context for each hash. With OpenSSL 3.0 this is
 * the cheapest EVP route (re-initialising costs more than copying); the
 * provider still allocates its state inside each copy, which we cannot
 * avoid through EVP.
 */
struct sha256_state {
	EVP_MD_CTX *prefixed[2]; /* after Update(0x00) and Update(0x01) */
	EVP_MD_CTX *work;        /* copied from one of them for each hash */
};
static _Thread_local struct sha256_state sha;

static void sha256_setup(void)
{
	EVP_MD *md = EVP_MD_fetch(NULL, "SHA2-256", NULL);

	if (!md)
		die("libcrypto cannot provide SHA-256");
	for (unsigned char i = 0; i < 2; i++) {
		sha.prefixed[i] = EVP_MD_CTX_new();
		if (!sha.prefixed[i] || !EVP_DigestInit_ex2(sha.prefixed[i], md, NULL) ||
		    !EVP_DigestUpdate(sha.prefixed[i], &i, 1))
			die("libcrypto cannot provide SHA-256");
	}
	EVP_MD_free(md); /* the contexts hold their own references */
	sha.work = EVP_MD_CTX_new();
	if (!sha.work)
		die("libcrypto cannot provide SHA-256");
}

void merkle_thread_release(void)
{
	for (int i = 0; i < 2; i++)
		EVP_MD_CTX_free(sha.prefixed[i]);
	EVP_MD_CTX_free(sha.work);
	memset(&sha, 0, sizeof(sha));
}

/* SHA-256(prefix || a || b), prefix 0x00 or 0x01. */
static void hash3(unsigned prefix, const void *a, size_t alen, const void *b, size_t blen,
		  unsigned char out[HASH_LEN])
{
	unsigned int outlen = 0;

	if (!sha.work)
		sha256_setup();
	if (!EVP_MD_CTX_copy_ex(sha.work, sha.prefixed[prefix]) ||
	    (alen && !EVP_DigestUpdate(sha.work, a, alen)) ||
	    (blen && !EVP_DigestUpdate(sha.work, b, blen)) ||
	    !EVP_DigestFinal_ex(sha.work, out, &outlen) || outlen != HASH_LEN)
		die("SHA-256 failed in libcrypto");
}

void merkle_leaf_hash(const void *leaf, size_t len, unsigned char out[HASH_LEN])
{
	hash3(0, leaf, len, NULL, 0, out);
}

void merkle_node_hash(const unsigned char left[HASH_LEN], const unsigned char right[HASH_LEN],
		      unsigned char out[HASH_LEN])
{
	unsigned char tmp[HASH_LEN];

	hash3(1, left, HASH_LEN, right, HASH_LEN, tmp);
	memcpy(out, tmp, HASH_LEN); /* out may alias left or right */
}

void merkle_empty_root(unsigned char out[HASH_LEN])
{
	/* SHA-256("") */
	static const unsigned char empty[HASH_LEN] = {
		0xe3, 0xb0, 0xc4, 0x42, 0x98, 0xfc, 0x1c, 0x14, 0x9a, 0xfb, 0xf4, 0xc8,
		0x99, 0x6f, 0xb9, 0x24, 0x27, 0xae, 0x41, 0xe4, 0x64, 0x9b, 0x93, 0x4c,
		0xa4, 0x95, 0x99, 0x1b, 0x78, 0x52, 0xb8, 0x55,
	};

	memcpy(out, empty, HASH_LEN);
}

/* ---- bit helpers ---- */

static int is_pow2(uint64_t n)
{
	return n && !(n & (n - 1));
}

static unsigned log2_floor(uint64_t n) /* n > 0 */
{
	return 63u - (unsigned)__builtin_clzll(n);
}

/* The largest power of two strictly below n (n >= 2): RFC 6962's k. */
static uint64_t split_point(uint64_t n)
{
	return (uint64_t)1 << log2_floor(n - 1);
}

/* ---- roots ---- */

int merkle_range_hash(const struct merkle_source *src, uint64_t begin, uint64_t end,
		      unsigned char out[HASH_LEN])
{
	unsigned char sub[65][HASH_LEN];
	size_t count = 0;
	uint64_t at = begin;

	if (end < begin)
		return error("Merkle range [%llu, %llu) is reversed",
			     (unsigned long long)begin, (unsigned long long)end);
	if (end == begin) {
		merkle_empty_root(out);
		return 0;
	}
	/* MTH(D[at:end]) = HASH(MTH(D[at:at+k]) || MTH(D[at+k:end])): the left
	 * part is perfect, the right part recurses; collect the parts left to
	 * right, then fold them right to left. */
	while (at < end) {
		uint64_t n = end - at, k;
		unsigned level;

		if (is_pow2(n) && at % n == 0)
			k = n; /* includes n == 1 */
		else
			k = split_point(n);
		if (at % k)
			return error("Merkle range [%llu, %llu) is not aligned to stored subtrees",
				     (unsigned long long)begin, (unsigned long long)end);
		level = log2_floor(k);
		if (src->subtree(src->ctx, level, at >> level, sub[count]))
			return -1;
		count++;
		at += k;
	}
	while (count > 1) {
		merkle_node_hash(sub[count - 2], sub[count - 1], sub[count - 2]);
		count--;
	}
	memcpy(out, sub[0], HASH_LEN);
	return 0;
}

int merkle_root(const struct merkle_source *src, uint64_t size, unsigned char out[HASH_LEN])
{
	return merkle_range_hash(src, 0, size, out);
}

/* ---- proofs ---- */

void merkle_proof_release(struct merkle_proof *p)
{
	free(p->hash);
	p->hash = NULL;
	p->n = 0;
}

/* Sets out to first (when not NULL), then the nsib siblings last to first. */
static void proof_set(struct merkle_proof *out, const unsigned char *first,
		      unsigned char (*sib)[HASH_LEN], size_t nsib)
{
	size_t n = nsib + (first ? 1 : 0), at = 0;

	out->n = n;
	out->hash = n ? xmalloc(n * HASH_LEN) : NULL;
	if (first)
		memcpy(out->hash[at++], first, HASH_LEN);
	while (nsib)
		memcpy(out->hash[at++], sib[--nsib], HASH_LEN);
}

/* One step down from [*lo, *hi), split at k: into the left half when
 * left (sib gets the right half's hash), else into the right half (sib
 * gets the left's). Returns 0, or -1 (reported). */
static int descend(const struct merkle_source *src, uint64_t *lo, uint64_t *hi, uint64_t k, int left,
		   unsigned char sib[HASH_LEN])
{
	if (left) {
		if (merkle_range_hash(src, *lo + k, *hi, sib))
			return -1;
		*hi = *lo + k;
	} else {
		if (merkle_range_hash(src, *lo, *lo + k, sib))
			return -1;
		*lo += k;
	}
	return 0;
}

int merkle_inclusion_proof(const struct merkle_source *src, uint64_t index, uint64_t size,
			   struct merkle_proof *out)
{
	unsigned char sib[64][HASH_LEN];
	size_t nsib = 0;
	uint64_t lo = 0, hi = size;

	out->hash = NULL;
	out->n = 0;
	if (index >= size)
		return error("no inclusion proof for leaf %llu in a tree of %llu",
			     (unsigned long long)index, (unsigned long long)size);
	/* Walk down from the root to the leaf, noting each sibling; the
	 * proof lists them from the leaf up. */
	while (hi - lo > 1) {
		uint64_t k = split_point(hi - lo);

		if (descend(src, &lo, &hi, k, index < lo + k, sib[nsib++]))
			return -1;
	}
	proof_set(out, NULL, sib, nsib);
	return 0;
}

int merkle_consistency_proof(const struct merkle_source *src, uint64_t size1, uint64_t size2,
			     struct merkle_proof *out)
{
	unsigned char sib[64][HASH_LEN], last[HASH_LEN];
	size_t nsib = 0;
	uint64_t lo = 0, hi = size2;
	int whole = 1;     /* SUBPROOF's b: still inside the old tree's root */
	int have_last = 0; /* last holds the subtree the proof starts with */

	out->hash = NULL;
	out->n = 0;
	if (size1 == 0 || size1 > size2)
		return error("no consistency proof from size %llu to %llu",
			     (unsigned long long)size1, (unsigned long long)size2);
	/* SUBPROOF(m, D[lo:hi], b), unrolled: descend until the old tree's
	 * edge is a subtree boundary; that subtree is the first hash unless
	 * it is the whole old tree, then come the siblings from the bottom. */
	for (;;) {
		uint64_t n = hi - lo, m = size1 - lo, k;

		if (m == n) {
			if (!whole) {
				if (merkle_range_hash(src, lo, hi, last))
					return -1;
				have_last = 1;
			}
			break;
		}
		k = split_point(n);
		if (m > k)
			whole = 0; /* the old tree's edge is in the right half */
		if (descend(src, &lo, &hi, k, m <= k, sib[nsib++]))
			return -1;
	}
	proof_set(out, have_last ? last : NULL, sib, nsib);
	return 0;
}

/* ---- verifiers ---- */

static int hash_eq(const unsigned char a[HASH_LEN], const unsigned char b[HASH_LEN])
{
	return !memcmp(a, b, HASH_LEN);
}

/*
 * One step of RFC 9162's proof walks (2.1.3.2 inclusion, 2.1.4.2
 * consistency), with c the next proof hash: when the path turns (fn odd,
 * or fn at the right edge sn) c goes on the left of sr, and of fr when
 * fr is not NULL, and fn skips the levels where it is a left child;
 * otherwise c goes on the right of sr. Then fn and sn go one level up.
 * Returns 0, or -1 when the proof is longer than the path (sn is 0).
 */
static int proof_step(const unsigned char c[HASH_LEN], unsigned char *fr, unsigned char sr[HASH_LEN],
		      uint64_t *fn, uint64_t *sn)
{
	if (*sn == 0)
		return -1;
	if ((*fn & 1) || *fn == *sn) {
		if (fr)
			merkle_node_hash(c, fr, fr);
		merkle_node_hash(c, sr, sr);
		while (!(*fn & 1) && *fn) {
			*fn >>= 1;
			*sn >>= 1;
		}
	} else {
		merkle_node_hash(sr, c, sr);
	}
	*fn >>= 1;
	*sn >>= 1;
	return 0;
}

int merkle_verify_inclusion(uint64_t index, uint64_t size, const unsigned char leaf_hash[HASH_LEN],
			    const struct merkle_proof *proof, const unsigned char root[HASH_LEN])
{
	unsigned char r[HASH_LEN];
	uint64_t fn, sn;
	size_t n = proof ? proof->n : 0;

	if (index >= size || n > MERKLE_MAX_PROOF)
		return -1;
	fn = index;
	sn = size - 1;
	memcpy(r, leaf_hash, HASH_LEN);
	for (size_t i = 0; i < n; i++)
		if (proof_step(proof->hash[i], NULL, r, &fn, &sn))
			return -1;
	return sn == 0 && hash_eq(r, root) ? 0 : -1;
}

int merkle_verify_consistency(uint64_t size1, uint64_t size2,
			      const unsigned char root1[HASH_LEN], const unsigned char root2[HASH_LEN],
			      const struct merkle_proof *proof)
{
	unsigned char fr[HASH_LEN], sr[HASH_LEN];
	uint64_t fn, sn;
	size_t n = proof ? proof->n : 0, i = 0;

	/* A tree of size 0 proves nothing, and trees do not shrink. */
	if (size1 == 0 || size1 > size2 || n > MERKLE_MAX_PROOF)
		return -1;
	if (size1 == size2)
		return n == 0 && hash_eq(root1, root2) ? 0 : -1;
	if (n == 0)
		return -1;
	/* When size1 is a power of two the proof omits root1: start from it. */
	if (is_pow2(size1)) {
		memcpy(fr, root1, HASH_LEN);
	} else {
		memcpy(fr, proof->hash[0], HASH_LEN);
		i = 1;
	}
	memcpy(sr, fr, HASH_LEN);
	fn = size1 - 1;
	sn = size2 - 1;
	while (fn & 1) {
		fn >>= 1;
		sn >>= 1;
	}
	for (; i < n; i++)
		if (proof_step(proof->hash[i], fr, sr, &fn, &sn))
			return -1;
	return sn == 0 && hash_eq(fr, root1) && hash_eq(sr, root2) ? 0 : -1;
}

/* ---- builder ---- */

void merkle_builder_init(struct merkle_builder *b)
{
	memset(b, 0, sizeof(*b));
}

int merkle_builder_resume(struct merkle_builder *b, const struct merkle_source *src, uint64_t size)
{
	uint64_t at = 0;

	merkle_builder_init(b);
	/* The frontier is the binary decomposition of size, largest first. */
	for (unsigned level = 64; level-- > 0;) {
		if (!(size >> level & 1))
			continue;
		if (src->subtree(src->ctx, level, at >> level, b->stack[b->depth])) {
			merkle_builder_init(b);
			return -1;
		}
		b->level[b->depth++] = level;
		at += (uint64_t)1 << level;
	}
	b->size = size;
	return 0;
}

void merkle_builder_push(struct merkle_builder *b, const unsigned char leaf_hash[HASH_LEN],
			 merkle_complete_fn *on_complete, void *ctx)
{
	unsigned char h[HASH_LEN];
	unsigned level = 0;

	if (b->size == UINT64_MAX)
		die("Merkle tree full");
	memcpy(h, leaf_hash, HASH_LEN);
	/* Leaf number size closes one perfect subtree per trailing one bit. */
	while (b->depth && b->level[b->depth - 1] == level) {
		merkle_node_hash(b->stack[b->depth - 1], h, h);
		b->depth--;
		level++;
		if (on_complete)
			on_complete(ctx, level, b->size >> level, h);
	}
	memcpy(b->stack[b->depth], h, HASH_LEN);
	b->level[b->depth++] = level;
	b->size++;
}

void merkle_builder_root(const struct merkle_builder *b, unsigned char out[HASH_LEN])
{
	unsigned char acc[HASH_LEN];

	if (!b->depth) {
		merkle_empty_root(out);
		return;
	}
	memcpy(acc, b->stack[b->depth - 1], HASH_LEN);
	for (unsigned i = b->depth - 1; i-- > 0;)
		merkle_node_hash(b->stack[i], acc, acc);
	memcpy(out, acc, HASH_LEN);
}
