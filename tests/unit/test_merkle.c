/*
 * test_merkle.c - unit tests for merkle.c: the transparency-dev proof
 * vectors against the verifiers, the Certificate Transparency root of
 * eight known leaves, generated proofs against naive RFC 6962 reference
 * code for every size up to 70, the builder (callbacks, resume), and the
 * number of subtree lookups a million-leaf tree costs.
 */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <sys/stat.h>

#include <jansson.h>

#include "check.h"
#include "trailscope/b64.h"
#include "trailscope/buf.h"
#include "trailscope/merkle.h"
#include "trailscope/util.h"

/* ---- an in-memory tree: every perfect subtree precomputed ---- */

struct mem_tree {
	unsigned char (*level[64])[HASH_LEN]; /* level[l][i]: subtree (l, i) */
	uint64_t count[64];                   /* perfect subtrees per level */
	uint64_t n;                           /* leaves */
	unsigned long calls;                  /* subtree() calls so far */
};

static void mem_tree_init(struct mem_tree *t, const unsigned char (*leaf)[HASH_LEN], uint64_t n)
{
	memset(t, 0, sizeof(*t));
	t->n = n;
	t->count[0] = n;
	t->level[0] = xmalloc((n ? n : 1) * HASH_LEN);
	memcpy(t->level[0], leaf, n * HASH_LEN);
	for (unsigned l = 1; l < 64 && (t->count[l] = t->count[l - 1] / 2); l++) {
		t->level[l] = xmalloc(t->count[l] * HASH_LEN);
		for (uint64_t i = 0; i < t->count[l]; i++)
			merkle_node_hash(t->level[l - 1][2 * i], t->level[l - 1][2 * i + 1], t->level[l][i]);
	}
}

static void mem_tree_release(struct mem_tree *t)
{
	for (unsigned l = 0; l < 64; l++)
		free(t->level[l]);
	memset(t, 0, sizeof(*t));
}

static int mem_subtree(void *ctx, unsigned level, uint64_t idx, unsigned char out[HASH_LEN])
{
	struct mem_tree *t = ctx;

	t->calls++;
	if (level >= 64 || idx >= t->count[level])
		return -1;
	memcpy(out, t->level[level][idx], HASH_LEN);
	return 0;
}

static struct merkle_source mem_source(struct mem_tree *t)
{
	struct merkle_source s = { mem_subtree, t };

	return s;
}

/* Leaf hashes of n distinct test leaves ("leaf 0", "leaf 1", ...). */
static unsigned char (*test_leaves(uint64_t n))[HASH_LEN]
{
	unsigned char (*h)[HASH_LEN] = xmalloc((n ? n : 1) * HASH_LEN);
	struct buf b = BUF_INIT;

	for (uint64_t i = 0; i < n; i++) {
		buf_reset(&b);
		buf_addf(&b, "leaf %llu", (unsigned long long)i);
		merkle_leaf_hash(b.buf, b.len, h[i]);
	}
	buf_release(&b);
	return h;
}

/* ---- naive RFC 6962 section 2.1 reference code, straight from the text ---- */

static uint64_t ref_k(uint64_t n)
{
	uint64_t k = 1;

	while (k * 2 < n)
		k *= 2;
	return k;
}

static void ref_mth(const unsigned char (*d)[HASH_LEN], uint64_t n, unsigned char out[HASH_LEN])
{
	unsigned char l[HASH_LEN], r[HASH_LEN];
	uint64_t k;

	if (n == 0) {
		merkle_empty_root(out);
		return;
	}
	if (n == 1) {
		memcpy(out, d[0], HASH_LEN);
		return;
	}
	k = ref_k(n);
	ref_mth(d, k, l);
	ref_mth(d + k, n - k, r);
	merkle_node_hash(l, r, out);
}

struct ref_list {
	unsigned char h[MERKLE_MAX_PROOF][HASH_LEN];
	size_t n;
};

static void ref_path(uint64_t m, const unsigned char (*d)[HASH_LEN], uint64_t n, struct ref_list *out)
{
	uint64_t k;

	if (n <= 1)
		return;
	k = ref_k(n);
	if (m < k) {
		ref_path(m, d, k, out);
		ref_mth(d + k, n - k, out->h[out->n++]);
	} else {
		ref_path(m - k, d + k, n - k, out);
		ref_mth(d, k, out->h[out->n++]);
	}
}

static void ref_subproof(uint64_t m, const unsigned char (*d)[HASH_LEN], uint64_t n, int b,
			 struct ref_list *out)
{
	uint64_t k;

	if (m == n) {
		if (!b)
			ref_mth(d, n, out->h[out->n++]);
		return;
	}
	k = ref_k(n);
	if (m <= k) {
		ref_subproof(m, d, k, b, out);
		ref_mth(d + k, n - k, out->h[out->n++]);
	} else {
		ref_subproof(m - k, d + k, n - k, 0, out);
		ref_mth(d, k, out->h[out->n++]);
	}
}

static int proof_equals(const struct merkle_proof *p, const struct ref_list *r)
{
	if (p->n != r->n)
		return 0;
	for (size_t i = 0; i < p->n; i++)
		if (memcmp(p->hash[i], r->h[i], HASH_LEN))
			return 0;
	return 1;
}

static void to_hex(const unsigned char h[HASH_LEN], char out[2 * HASH_LEN + 1])
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < HASH_LEN; i++) {
		out[2 * i] = digits[h[i] >> 4];
		out[2 * i + 1] = digits[h[i] & 15];
	}
	out[2 * HASH_LEN] = '\0';
}

/* ---- the CT leaves ---- */

static const char *const ct_leaves[] = {
	"", "00", "10", "2021", "3031", "40414243", "5051525354555657",
	"606162636465666768696a6b6c6d6e6f",
};

static void ct_tree(struct mem_tree *t)
{
	unsigned char h[ARRAY_SIZE(ct_leaves)][HASH_LEN];

	for (size_t i = 0; i < ARRAY_SIZE(ct_leaves); i++) {
		unsigned char raw[16];
		size_t len = strlen(ct_leaves[i]) / 2;

		if (hex_decode(ct_leaves[i], raw, len))
			abort();
		merkle_leaf_hash(raw, len, h[i]);
	}
	mem_tree_init(t, (const unsigned char (*)[HASH_LEN])h, ARRAY_SIZE(ct_leaves));
}

TEST(test_known_values)
{
	struct mem_tree t;
	struct merkle_source src;
	struct merkle_builder b;
	unsigned char root[HASH_LEN];
	char hex[2 * HASH_LEN + 1];

	merkle_empty_root(root);
	to_hex(root, hex);
	CHECK_STR(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	merkle_leaf_hash("", 0, root);
	to_hex(root, hex);
	CHECK_STR(hex, "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d");

	ct_tree(&t);
	src = mem_source(&t);
	CHECK_INT(merkle_root(&src, 8, root), 0);
	to_hex(root, hex);
	CHECK_STR(hex, "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328");

	merkle_builder_init(&b);
	merkle_builder_root(&b, root);
	to_hex(root, hex);
	CHECK_STR(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	for (int i = 0; i < 8; i++)
		merkle_builder_push(&b, t.level[0][i], NULL, NULL);
	merkle_builder_root(&b, root);
	to_hex(root, hex);
	CHECK_STR(hex, "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328");
	CHECK_INT(b.size, 8);
	CHECK_INT(b.depth, 1);

	CHECK_INT(merkle_root(&src, 0, root), 0);
	to_hex(root, hex);
	CHECK_STR(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	mem_tree_release(&t);
}

/* ---- the vectors ---- */

struct vec_stats {
	int inclusion, consistency; /* vectors checked */
	int turned_away;            /* with a hash that is not 32 bytes */
	int happy_matched;          /* happy paths regenerated exactly */
	struct mem_tree ct;         /* the CT leaves, which the happy paths use */
};

/* A number field: jansson has no unsigned 64-bit integers, so values above
 * INT64_MAX (leafIdx "sub @1" is 2^64 - 1) are read from the text. */
static int get_u64(json_t *obj, const char *key, const char *text, uint64_t *out)
{
	json_t *v = json_object_get(obj, key);
	struct buf pat = BUF_INIT;
	const char *p;
	char *end;

	if (json_is_integer(v) && json_integer_value(v) >= 0) {
		*out = (uint64_t)json_integer_value(v);
		return 0;
	}
	if (!json_is_real(v))
		return -1;
	buf_addf(&pat, "\"%s\"", key);
	p = strstr(text, pat.buf);
	buf_release(&pat);
	if (!p)
		return -1;
	p += strlen(key) + 2;
	p += strspn(p, " \t\r\n");
	if (*p++ != ':')
		return -1;
	p += strspn(p, " \t\r\n");
	if (*p < '0' || *p > '9')
		return -1;
	errno = 0;
	*out = strtoull(p, &end, 10);
	return errno ? -1 : 0;
}

/*
 * Base64 hash fields. The verifiers take 32-byte hashes, so a caller must
 * turn away anything else before calling them, as the reference code does
 * for a leaf hash: a leaf hash or proof hash that is null, empty or of
 * another length is HASH_BAD_SIZE (with strict set), and the verdict is an
 * error without asking the verifier. Roots are only
 * ever compared, and the vectors use short "don't care" roots where only
 * equality matters, so roots are zero-padded instead: equal values stay
 * equal and none matches a real hash. Bad base64 is an unreadable vector.
 */
enum { HASH_OK = 0, HASH_BAD_SIZE = 1, HASH_UNREADABLE = -1 };

static int decode_hash(json_t *v, int strict, unsigned char out[HASH_LEN])
{
	struct buf b = BUF_INIT;
	int ret = HASH_OK;

	memset(out, 0, HASH_LEN);
	if (json_is_string(v)) {
		if (b64_decode(&b, json_string_value(v), json_string_length(v)) || b.len > HASH_LEN)
			ret = HASH_UNREADABLE;
		else if (b.len != HASH_LEN && strict)
			ret = HASH_BAD_SIZE;
		else
			memcpy(out, b.buf, b.len);
	} else if (!v || !json_is_null(v)) {
		ret = HASH_UNREADABLE;
	} else if (strict) {
		ret = HASH_BAD_SIZE;
	}
	buf_release(&b);
	return ret;
}

/* The proof (null: empty). Returns the worst decode_hash() result. */
static int decode_proof(json_t *v, struct merkle_proof *p)
{
	int ret = HASH_OK;

	p->hash = NULL;
	p->n = 0;
	if (!v || json_is_null(v))
		return HASH_OK;
	if (!json_is_array(v))
		return HASH_UNREADABLE;
	p->n = json_array_size(v);
	p->hash = xmalloc((p->n ? p->n : 1) * HASH_LEN);
	for (size_t i = 0; i < p->n; i++) {
		int r = decode_hash(json_array_get(v, i), 1, p->hash[i]);

		if (r == HASH_UNREADABLE)
			return r;
		if (r == HASH_BAD_SIZE)
			ret = r;
	}
	return ret;
}

static void check_inclusion_vector(const char *path, json_t *j, const char *text, struct vec_stats *st)
{
	uint64_t idx, size;
	unsigned char root[HASH_LEN], leaf[HASH_LEN];
	struct merkle_proof proof = { NULL, 0 };
	json_t *want = json_object_get(j, "wantErr");
	int got, r1 = HASH_UNREADABLE, r2 = HASH_UNREADABLE, r3 = HASH_UNREADABLE;

	if (get_u64(j, "leafIdx", text, &idx) || get_u64(j, "treeSize", text, &size) ||
	    (r1 = decode_hash(json_object_get(j, "root"), 0, root)) < 0 ||
	    (r2 = decode_hash(json_object_get(j, "leafHash"), 1, leaf)) < 0 ||
	    (r3 = decode_proof(json_object_get(j, "proof"), &proof)) < 0 || !json_is_boolean(want)) {
		fprintf(stderr, "  %s: cannot read the vector\n", path);
		CHECK(0);
		merkle_proof_release(&proof);
		return;
	}
	if (r1 || r2 || r3) {
		got = -1; /* turned away before verifying */
		st->turned_away++;
	} else {
		got = merkle_verify_inclusion(idx, size, leaf, &proof, root);
	}
	if (got != (json_is_true(want) ? -1 : 0)) {
		fprintf(stderr, "  %s: verifier returned %d\n", path, got);
		CHECK(0);
	}
	/* A happy path over the CT leaves: our proof must be the same. */
	if (!json_is_true(want) && idx < size && size <= st->ct.n) {
		struct merkle_source src = mem_source(&st->ct);
		unsigned char ct_root[HASH_LEN];
		struct merkle_proof mine;

		if (!merkle_root(&src, size, ct_root) && !memcmp(ct_root, root, HASH_LEN) &&
		    !memcmp(st->ct.level[0][idx], leaf, HASH_LEN)) {
			CHECK_INT(merkle_inclusion_proof(&src, idx, size, &mine), 0);
			CHECK_INT(mine.n, proof.n);
			CHECK(mine.n == proof.n && (!mine.n || !memcmp(mine.hash, proof.hash, mine.n * HASH_LEN)));
			merkle_proof_release(&mine);
			st->happy_matched++;
		}
	}
	merkle_proof_release(&proof);
	st->inclusion++;
}

static void check_consistency_vector(const char *path, json_t *j, const char *text, struct vec_stats *st)
{
	uint64_t size1, size2;
	unsigned char root1[HASH_LEN], root2[HASH_LEN];
	struct merkle_proof proof = { NULL, 0 };
	json_t *want = json_object_get(j, "wantErr");
	int got, r = HASH_UNREADABLE;

	if (get_u64(j, "size1", text, &size1) || get_u64(j, "size2", text, &size2) ||
	    decode_hash(json_object_get(j, "root1"), 0, root1) < 0 ||
	    decode_hash(json_object_get(j, "root2"), 0, root2) < 0 ||
	    (r = decode_proof(json_object_get(j, "proof"), &proof)) < 0 || !json_is_boolean(want)) {
		fprintf(stderr, "  %s: cannot read the vector\n", path);
		CHECK(0);
		merkle_proof_release(&proof);
		return;
	}
	if (r) {
		got = -1; /* turned away before verifying */
		st->turned_away++;
	} else {
		got = merkle_verify_consistency(size1, size2, root1, root2, &proof);
	}
	if (got != (json_is_true(want) ? -1 : 0)) {
		fprintf(stderr, "  %s: verifier returned %d\n", path, got);
		CHECK(0);
	}
	if (!json_is_true(want) && size1 > 0 && size1 <= size2 && size2 <= st->ct.n) {
		struct merkle_source src = mem_source(&st->ct);
		unsigned char r1[HASH_LEN], r2[HASH_LEN];
		struct merkle_proof mine;

		if (!merkle_root(&src, size1, r1) && !merkle_root(&src, size2, r2) &&
		    !memcmp(r1, root1, HASH_LEN) && !memcmp(r2, root2, HASH_LEN)) {
			CHECK_INT(merkle_consistency_proof(&src, size1, size2, &mine), 0);
			CHECK_INT(mine.n, proof.n);
			CHECK(mine.n == proof.n && (!mine.n || !memcmp(mine.hash, proof.hash, mine.n * HASH_LEN)));
			merkle_proof_release(&mine);
			st->happy_matched++;
		}
	}
	merkle_proof_release(&proof);
	st->consistency++;
}

static void check_vector_file(const char *path, int consistency, struct vec_stats *st)
{
	size_t len;
	char *text = read_file(path, 1 << 20, &len);
	json_error_t err;
	json_t *j;

	if (!text) {
		fprintf(stderr, "  %s: %s\n", path, strerror(errno));
		CHECK(0);
		return;
	}
	j = json_loadb(text, len, 0, &err);
	if (!j) /* an integer beyond int64: see get_u64() */
		j = json_loadb(text, len, JSON_DECODE_INT_AS_REAL, &err);
	if (!j || !json_is_object(j)) {
		fprintf(stderr, "  %s:%d: %s\n", path, err.line, j ? "not an object" : err.text);
		CHECK(0);
	} else if (consistency) {
		check_consistency_vector(path, j, text, st);
	} else {
		check_inclusion_vector(path, j, text, st);
	}
	json_decref(j);
	free(text);
}

static void walk_vectors(const char *dir, int consistency, struct vec_stats *st)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	struct buf path = BUF_INIT;

	if (!d) {
		fprintf(stderr, "  cannot open %s: %s\n", dir, strerror(errno));
		CHECK(0);
		return;
	}
	while ((e = readdir(d))) {
		struct stat sb;
		size_t n = strlen(e->d_name);

		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		buf_reset(&path);
		buf_addf(&path, "%s/%s", dir, e->d_name);
		if (stat(path.buf, &sb)) {
			fprintf(stderr, "  cannot stat %s: %s\n", path.buf, strerror(errno));
			CHECK(0);
		} else if (S_ISDIR(sb.st_mode)) {
			walk_vectors(path.buf, consistency, st);
		} else if (S_ISREG(sb.st_mode) && n > 5 && !strcmp(e->d_name + n - 5, ".json")) {
			check_vector_file(path.buf, consistency, st);
		}
	}
	closedir(d);
	buf_release(&path);
}

TEST(test_vectors)
{
	struct vec_stats st;
	struct buf dir = BUF_INIT;

	memset(&st, 0, sizeof(st));
	ct_tree(&st.ct);
	buf_addf(&dir, "%s/vectors/merkle/inclusion", shared_dir());
	walk_vectors(dir.buf, 0, &st);
	buf_reset(&dir);
	buf_addf(&dir, "%s/vectors/merkle/consistency", shared_dir());
	walk_vectors(dir.buf, 1, &st);
	buf_release(&dir);
	printf("  checked %d inclusion and %d consistency vectors (%d with a hash that is not"
	       " 32 bytes, %d happy paths regenerated exactly)\n",
	       st.inclusion, st.consistency, st.turned_away, st.happy_matched);
	CHECK(st.inclusion > 0);
	CHECK(st.consistency > 0);
	CHECK(st.happy_matched > 0);
	mem_tree_release(&st.ct);
}

/* ---- generated proofs ---- */

#define MAX_N 70

TEST(test_inclusion_generated)
{
	unsigned char (*leaf)[HASH_LEN] = test_leaves(MAX_N);
	struct mem_tree t;
	struct merkle_source src;

	mem_tree_init(&t, (const unsigned char (*)[HASH_LEN])leaf, MAX_N);
	src = mem_source(&t);
	for (uint64_t n = 1; n <= MAX_N; n++) {
		unsigned char root[HASH_LEN], ref[HASH_LEN];

		CHECK_INT(merkle_root(&src, n, root), 0);
		ref_mth((const unsigned char (*)[HASH_LEN])leaf, n, ref);
		CHECK(!memcmp(root, ref, HASH_LEN));
		for (uint64_t m = 0; m < n; m++) {
			struct merkle_proof p;
			struct ref_list want;

			want.n = 0;
			ref_path(m, (const unsigned char (*)[HASH_LEN])leaf, n, &want);
			if (merkle_inclusion_proof(&src, m, n, &p)) {
				CHECK(0);
				continue;
			}
			CHECK(proof_equals(&p, &want));
			CHECK_INT(merkle_verify_inclusion(m, n, leaf[m], &p, root), 0);
			/* the wrong leaf, index or root */
			CHECK_INT(merkle_verify_inclusion(m, n, leaf[(m + 1) % MAX_N], &p, root), -1);
			if (m + 1 < n)
				CHECK_INT(merkle_verify_inclusion(m + 1, n, leaf[m], &p, root), -1);
			if ((m ^ 1) < n)
				CHECK_INT(merkle_verify_inclusion(m ^ 1, n, leaf[m], &p, root), -1);
			CHECK_INT(merkle_verify_inclusion(n, n, leaf[m], &p, root), -1);
			root[n % HASH_LEN] ^= 0x10;
			CHECK_INT(merkle_verify_inclusion(m, n, leaf[m], &p, root), -1);
			root[n % HASH_LEN] ^= 0x10;
			/* one bit flipped anywhere in the proof */
			for (size_t i = 0; i < p.n; i++) {
				size_t bit = (i * 37 + m) % (8 * HASH_LEN);

				p.hash[i][bit / 8] ^= (unsigned char)(1u << bit % 8);
				CHECK_INT(merkle_verify_inclusion(m, n, leaf[m], &p, root), -1);
				p.hash[i][bit / 8] ^= (unsigned char)(1u << bit % 8);
			}
			/* one hash missing, one too many */
			if (p.n) {
				p.n--;
				CHECK_INT(merkle_verify_inclusion(m, n, leaf[m], &p, root), -1);
				p.n++;
			}
			{
				struct merkle_proof longer = { xmalloc((p.n + 1) * HASH_LEN), p.n + 1 };

				if (p.n)
					memcpy(longer.hash, p.hash, p.n * HASH_LEN);
				memcpy(longer.hash[p.n], leaf[0], HASH_LEN);
				CHECK_INT(merkle_verify_inclusion(m, n, leaf[m], &longer, root), -1);
				merkle_proof_release(&longer);
			}
			merkle_proof_release(&p);
			CHECK(p.hash == NULL && p.n == 0);
		}
		/* out of range */
		{
			struct merkle_proof p;

			set_error_quiet(1);
			CHECK_INT(merkle_inclusion_proof(&src, n, n, &p), -1);
			set_error_quiet(0);
			CHECK(p.hash == NULL && p.n == 0);
		}
	}
	mem_tree_release(&t);
	free(leaf);
}

TEST(test_consistency_generated)
{
	unsigned char (*leaf)[HASH_LEN] = test_leaves(MAX_N);
	unsigned char root[MAX_N + 1][HASH_LEN];
	struct mem_tree t;
	struct merkle_source src;

	mem_tree_init(&t, (const unsigned char (*)[HASH_LEN])leaf, MAX_N);
	src = mem_source(&t);
	for (uint64_t n = 0; n <= MAX_N; n++)
		CHECK_INT(merkle_root(&src, n, root[n]), 0);
	for (uint64_t n = 1; n <= MAX_N; n++) {
		for (uint64_t m = 1; m <= n; m++) {
			struct merkle_proof p;
			struct ref_list want;

			want.n = 0;
			ref_subproof(m, (const unsigned char (*)[HASH_LEN])leaf, n, 1, &want);
			if (merkle_consistency_proof(&src, m, n, &p)) {
				CHECK(0);
				continue;
			}
			CHECK(proof_equals(&p, &want));
			CHECK_INT(merkle_verify_consistency(m, n, root[m], root[n], &p), 0);
			if (m == n) {
				CHECK_INT(p.n, 0);
				CHECK_INT(merkle_verify_consistency(m, n, root[m], root[n - 1], &p), -1);
			} else {
				/* swapped or wrong roots */
				CHECK_INT(merkle_verify_consistency(m, n, root[n], root[m], &p), -1);
				CHECK_INT(merkle_verify_consistency(m, n, root[m - 1], root[n], &p), -1);
				CHECK_INT(merkle_verify_consistency(m, n, root[m], root[m], &p), -1);
				CHECK_INT(merkle_verify_consistency(n, m, root[m], root[n], &p), -1);
				CHECK_INT(merkle_verify_consistency(0, n, root[0], root[n], &p), -1);
			}
			for (size_t i = 0; i < p.n; i++) {
				size_t bit = (i * 53 + m + n) % (8 * HASH_LEN);

				p.hash[i][bit / 8] ^= (unsigned char)(1u << bit % 8);
				CHECK_INT(merkle_verify_consistency(m, n, root[m], root[n], &p), -1);
				p.hash[i][bit / 8] ^= (unsigned char)(1u << bit % 8);
			}
			if (p.n) {
				p.n--;
				CHECK_INT(merkle_verify_consistency(m, n, root[m], root[n], &p), -1);
				p.n++;
			}
			{
				struct merkle_proof longer = { xmalloc((p.n + 1) * HASH_LEN), p.n + 1 };

				if (p.n)
					memcpy(longer.hash, p.hash, p.n * HASH_LEN);
				memcpy(longer.hash[p.n], leaf[0], HASH_LEN);
				CHECK_INT(merkle_verify_consistency(m, n, root[m], root[n], &longer), -1);
				merkle_proof_release(&longer);
			}
			merkle_proof_release(&p);
		}
	}
	{
		struct merkle_proof p;

		set_error_quiet(1);
		CHECK_INT(merkle_consistency_proof(&src, 0, 5, &p), -1);
		CHECK(p.hash == NULL && p.n == 0);
		CHECK_INT(merkle_consistency_proof(&src, 6, 5, &p), -1);
		CHECK(p.hash == NULL && p.n == 0);
		set_error_quiet(0);
	}
	mem_tree_release(&t);
	free(leaf);
}

TEST(test_range_hash)
{
	unsigned char (*leaf)[HASH_LEN] = test_leaves(MAX_N);
	struct mem_tree t;
	struct merkle_source src;
	int valid = 0;

	mem_tree_init(&t, (const unsigned char (*)[HASH_LEN])leaf, MAX_N);
	src = mem_source(&t);
	set_error_quiet(1);
	for (uint64_t begin = 0; begin <= MAX_N; begin++)
		for (uint64_t end = begin; end <= MAX_N; end++) {
			uint64_t n = end - begin;
			unsigned char got[HASH_LEN], want[HASH_LEN];

			if (n > 1 && begin % ref_k(n)) {
				/* not a range of the RFC 6962 recursion */
				CHECK_INT(merkle_range_hash(&src, begin, end, got), -1);
				continue;
			}
			t.calls = 0;
			CHECK_INT(merkle_range_hash(&src, begin, end, got), 0);
			CHECK(t.calls <= 1 + (unsigned long)__builtin_popcountll(n));
			ref_mth((const unsigned char (*)[HASH_LEN])leaf + begin, n, want);
			CHECK(!memcmp(got, want, HASH_LEN));
			valid++;
		}
	CHECK_INT(merkle_range_hash(&src, 5, 4, (unsigned char[HASH_LEN]){ 0 }), -1);
	CHECK_INT(merkle_range_hash(&src, 64, 72, (unsigned char[HASH_LEN]){ 0 }), -1); /* beyond the tree */
	set_error_quiet(0);
	CHECK(valid > 500);
	mem_tree_release(&t);
	free(leaf);
}

/* ---- the builder ---- */

struct seen {
	struct mem_tree *t;
	uint64_t pushing;         /* index of the leaf being pushed */
	int count[8][MAX_N];      /* reports per (level, idx) */
	int bad;                  /* reports with a wrong place or hash */
};

static void on_complete(void *ctx, unsigned level, uint64_t idx, const unsigned char hash[HASH_LEN])
{
	struct seen *s = ctx;

	if (level < 1 || level >= 8 || idx >= MAX_N || ((idx + 1) << level) != s->pushing + 1 ||
	    memcmp(hash, s->t->level[level][idx], HASH_LEN)) {
		s->bad++;
		return;
	}
	s->count[level][idx]++;
}

/* Every perfect subtree of level >= 1 ending at or before leaf n - 1, and
 * after leaf from - 1, reported exactly once. */
static int seen_exactly(const struct seen *s, uint64_t from, uint64_t n)
{
	for (unsigned l = 1; l < 8; l++)
		for (uint64_t i = 0; i < MAX_N; i++) {
			uint64_t last = ((i + 1) << l) - 1;
			int want = last >= from && last < n;

			if (s->count[l][i] != want)
				return 0;
		}
	return 1;
}

TEST(test_builder)
{
	unsigned char (*leaf)[HASH_LEN] = test_leaves(MAX_N);
	struct mem_tree t;
	struct merkle_source src;
	struct merkle_builder b;
	struct seen *s = xcalloc(1, sizeof(*s));

	mem_tree_init(&t, (const unsigned char (*)[HASH_LEN])leaf, MAX_N);
	src = mem_source(&t);
	s->t = &t;
	merkle_builder_init(&b);
	for (uint64_t n = 1; n <= MAX_N; n++) {
		unsigned char want[HASH_LEN], got[HASH_LEN];

		s->pushing = n - 1;
		merkle_builder_push(&b, leaf[n - 1], on_complete, s);
		CHECK_INT(b.size, n);
		CHECK_INT(b.depth, __builtin_popcountll(n));
		CHECK_INT(merkle_root(&src, n, want), 0);
		merkle_builder_root(&b, got);
		CHECK(!memcmp(want, got, HASH_LEN));
		CHECK(seen_exactly(s, 0, n));
	}
	CHECK_INT(s->bad, 0);

	/* resume at every size, then push the rest */
	for (uint64_t k = 0; k <= MAX_N; k++) {
		unsigned char want[HASH_LEN], got[HASH_LEN];

		memset(s->count, 0, sizeof(s->count));
		t.calls = 0;
		CHECK_INT(merkle_builder_resume(&b, &src, k), 0);
		CHECK_INT(t.calls, __builtin_popcountll(k));
		CHECK_INT(b.size, k);
		CHECK_INT(merkle_root(&src, k, want), 0);
		merkle_builder_root(&b, got);
		CHECK(!memcmp(want, got, HASH_LEN));
		for (uint64_t i = k; i < MAX_N; i++) {
			s->pushing = i;
			merkle_builder_push(&b, leaf[i], on_complete, s);
		}
		merkle_builder_root(&b, got);
		CHECK_INT(merkle_root(&src, MAX_N, want), 0);
		CHECK(!memcmp(want, got, HASH_LEN));
		CHECK(seen_exactly(s, k, MAX_N));
	}
	CHECK_INT(s->bad, 0);

	/* a source that fails: resume reports it and leaves an empty builder */
	CHECK_INT(merkle_builder_resume(&b, &src, MAX_N + 2), -1);
	CHECK_INT(b.size, 0);
	CHECK_INT(b.depth, 0);

	/* no callback is fine */
	merkle_builder_init(&b);
	for (uint64_t i = 0; i < MAX_N; i++)
		merkle_builder_push(&b, leaf[i], NULL, NULL);
	CHECK_INT(b.size, MAX_N);
	free(s);
	mem_tree_release(&t);
	free(leaf);
}

/* ---- cost at a million leaves ---- */

struct fake {
	unsigned long calls;
	uint64_t size; /* leaves that exist */
};

static int fake_subtree(void *ctx, unsigned level, uint64_t idx, unsigned char out[HASH_LEN])
{
	struct fake *f = ctx;
	uint64_t x = (uint64_t)level * 0x9e3779b97f4a7c15ull ^ idx;

	f->calls++;
	if (level >= 64 || (idx + 1) > (f->size >> level))
		return -1;
	for (size_t i = 0; i < HASH_LEN; i++) {
		x ^= x >> 33;
		x *= 0xff51afd7ed558ccdull;
		out[i] = (unsigned char)(x >> 56);
	}
	return 0;
}

TEST(test_lookup_cost)
{
	const uint64_t n = 1000000;
	struct fake f = { 0, n };
	struct merkle_source src = { fake_subtree, &f };
	struct merkle_proof p;
	unsigned char root[HASH_LEN];
	static const uint64_t idx[] = { 0, 1, 2, 12345, 524287, 524288, 999998, 999999 };
	static const uint64_t old[] = { 1, 2, 3, 7, 12345, 524288, 524289, 999999, 1000000 };

	CHECK_INT(merkle_root(&src, n, root), 0);
	CHECK_INT(f.calls, __builtin_popcountll(n));
	for (size_t i = 0; i < ARRAY_SIZE(idx); i++) {
		f.calls = 0;
		CHECK_INT(merkle_inclusion_proof(&src, idx[i], n, &p), 0);
		CHECK(f.calls < 200);
		CHECK(p.n >= 1 && p.n <= 20);
		merkle_proof_release(&p);
	}
	for (size_t i = 0; i < ARRAY_SIZE(old); i++) {
		f.calls = 0;
		CHECK_INT(merkle_consistency_proof(&src, old[i], n, &p), 0);
		CHECK(f.calls < 200);
		CHECK(p.n <= 2 * 20);
		merkle_proof_release(&p);
	}
	/* and at the top of the range */
	f.size = UINT64_MAX;
	f.calls = 0;
	CHECK_INT(merkle_root(&src, UINT64_MAX, root), 0);
	CHECK_INT(f.calls, 64);
	for (uint64_t i = 0; i < 3; i++) {
		f.calls = 0;
		CHECK_INT(merkle_inclusion_proof(&src, i * (UINT64_MAX / 2), UINT64_MAX, &p), 0);
		CHECK(f.calls < 200);
		/* 2^63 - 1 and 0 sit in the left perfect 2^63 block; the last
		 * leaf is alone at the end of 63 ever smaller parts */
		CHECK_INT(p.n, i == 2 ? 63 : 64);
		merkle_proof_release(&p);
	}
	f.calls = 0;
	CHECK_INT(merkle_consistency_proof(&src, UINT64_MAX / 3, UINT64_MAX, &p), 0);
	CHECK(f.calls < 300);
	CHECK(p.n <= MERKLE_MAX_PROOF);
	merkle_proof_release(&p);
}

int main(void)
{
	RUN(test_known_values);
	RUN(test_vectors);
	RUN(test_range_hash);
	RUN(test_inclusion_generated);
	RUN(test_consistency_generated);
	RUN(test_builder);
	RUN(test_lookup_cost);
	return CHECK_DONE();
}
