/*
 * test_bagit.c - the BagIt writer and validator: path rules, percent
 * encoding, a written bag validating, the Library of Congress conformance
 * bags (valid accepted, every invalid one rejected), symlinks and edits
 * caught, --force semantics (a DIR that is a symbolic link is refused, a
 * link inside DIR is removed, not followed), bag-info line numbers.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "trailscope/bagit.h"
#include "trailscope/util.h"

static char tmpdir[] = "/tmp/test_bagit.XXXXXX";

static int faults_in(const char *dir, struct bag_faults *f)
{
	bag_faults_release(f);
	return bagit_validate(dir, f, NULL);
}

static int has_fault(const struct bag_faults *f, const char *file, const char *needle)
{
	for (size_t i = 0; i < f->n; i++)
		if (!strcmp(f->v[i].file, file) && strstr(f->v[i].msg, needle))
			return 1;
	return 0;
}

TEST(path_rules)
{
	static const char *const bad[] = { "", "/etc/passwd", "data/../x", "..", "data/./x", "data//x",
					   "data/x/", "data\\..\\x", "./data/x" };
	static const char *const good[] = { "data/x", "data/a b/c.txt", "bagit.txt", "data/..x", "data/x..",
					    "data/%41" };
	struct buf why = BUF_INIT;

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		buf_reset(&why);
		CHECK(bag_path_check(bad[i], &why) == -1);
		CHECK(why.len > 0);
	}
	for (size_t i = 0; i < ARRAY_SIZE(good); i++)
		CHECK(bag_path_check(good[i], &why) == 0);
	buf_reset(&why);
	bag_path_encode(&why, "data/a%b\nc\rd");
	CHECK_STR(why.buf, "data/a%25b%0Ac%0Dd");
	buf_release(&why);
}

static void write_bag(const char *dir, int force)
{
	static const char *const info[][2] = { { "Contact-Name", "Test" } };
	struct bag_writer w;
	static const char *const tags[] = { "bag-info.txt", "bagit.txt", "manifest-sha256.txt",
					    "manifest-sha512.txt" };

	CHECK(bag_writer_open(&w, dir, force) == 0);
	CHECK(bag_write_file(&w, "data/hello.txt", "hello\n", 6) == 0);
	CHECK(bag_write_file(&w, "data/sub/dir/odd%name\nx", "odd", 3) == 0);
	CHECK(bag_write_file(&w, "data/../escape", "x", 1) == -1);
	CHECK(bag_write_manifests(&w, info, 1) == 0);
	CHECK(bag_write_tagmanifests(w.dirfd, tags, ARRAY_SIZE(tags)) == 0);
	bag_writer_release(&w);
}

TEST(write_then_validate)
{
	struct bag_faults f = BAG_FAULTS_INIT;
	struct bag_contents c;
	struct buf dir = BUF_INIT, path = BUF_INIT;
	struct bag_writer w;

	buf_addf(&dir, "%s/bag", tmpdir);
	write_bag(dir.buf, 0);
	CHECK(bagit_validate(dir.buf, &f, &c) == 0);
	for (size_t i = 0; i < f.n; i++)
		fprintf(stderr, "  unexpected: %s:%ld: %s\n", f.v[i].file, f.v[i].line, f.v[i].msg);
	CHECK_INT(f.n, 0);
	CHECK_INT(c.npayload, 2);
	CHECK_STR(bag_info_get(&c, "payload-oxum"), "9.2");
	CHECK_STR(bag_info_get(&c, "Contact-Name"), "Test");
	CHECK_INT(c.ninfo, 2);
	CHECK(c.ninfo == 2 && c.info[0].line == 1 && c.info[1].line == 2);
	bag_contents_release(&c);

	/* a non-empty dir is refused without force, emptied with it */
	CHECK(bag_writer_open(&w, dir.buf, 0) == -1);
	bag_writer_release(&w);
	write_bag(dir.buf, 1);
	CHECK(faults_in(dir.buf, &f) == 0 && f.n == 0);

	/* an edited payload file */
	buf_addf(&path, "%s/data/hello.txt", dir.buf);
	FILE *fp = fopen(path.buf, "w");
	fputs("HELLO\n", fp);
	fclose(fp);
	CHECK(faults_in(dir.buf, &f) == 0);
	CHECK(has_fault(&f, "manifest-sha256.txt", "sha256 mismatch"));
	CHECK(has_fault(&f, "manifest-sha512.txt", "sha512 mismatch"));

	/* a symlink replacing a payload file */
	unlink(path.buf);
	CHECK(symlink("/etc/passwd", path.buf) == 0);
	CHECK(faults_in(dir.buf, &f) == 0);
	CHECK(has_fault(&f, "data/hello.txt", "symbolic link"));
	CHECK(has_fault(&f, "manifest-sha256.txt", "symbolic link"));

	/* a symlinked directory on the way to a listed file */
	unlink(path.buf);
	buf_reset(&path);
	buf_addf(&path, "%s/data/sub", dir.buf);
	{
		struct buf moved = BUF_INIT;

		buf_addf(&moved, "%s/moved", tmpdir);
		CHECK(rename(path.buf, moved.buf) == 0);
		CHECK(symlink(moved.buf, path.buf) == 0);
		buf_release(&moved);
	}
	CHECK(faults_in(dir.buf, &f) == 0);
	CHECK(has_fault(&f, "data/sub", "symbolic link"));
	CHECK(has_fault(&f, "manifest-sha256.txt", "is a symbolic link"));
	bag_faults_release(&f);
	buf_release(&dir);
	buf_release(&path);
}

TEST(conformance_suite)
{
	static const char *const invalid[] = {
		"bagit-with-invalid-whitespace", "notAllManifestsListAllFiles",
		"same-filename-listed-twice-with-different-hashes",
		"same-filename-listed-twice-with-the-same-hash",
	};
	struct bag_faults f = BAG_FAULTS_INIT;
	struct buf dir = BUF_INIT;

	buf_addf(&dir, "%s/samples/bagit-conformance/valid/basicBag", shared_dir());
	CHECK(faults_in(dir.buf, &f) == 0);
	CHECK_INT(f.n, 0);
	for (size_t i = 0; i < ARRAY_SIZE(invalid); i++) {
		buf_reset(&dir);
		buf_addf(&dir, "%s/samples/bagit-conformance/invalid/%s", shared_dir(), invalid[i]);
		CHECK(faults_in(dir.buf, &f) == 0);
		if (!f.n)
			fprintf(stderr, "  %s accepted\n", invalid[i]);
		CHECK(f.n > 0);
	}
	buf_reset(&dir);
	buf_addf(&dir, "%s/samples/bagit-conformance/invalid/bagit-with-invalid-whitespace", shared_dir());
	faults_in(dir.buf, &f);
	CHECK(has_fault(&f, "bagit.txt", "label, colon, one space"));
	CHECK(f.v[0].line == 1);
	buf_reset(&dir);
	buf_addf(&dir, "%s/samples/bagit-conformance/invalid/notAllManifestsListAllFiles", shared_dir());
	faults_in(dir.buf, &f);
	CHECK(has_fault(&f, "manifest-sha512.txt", "data/missingFromManifest.txt"));
	buf_reset(&dir);
	buf_addf(&dir, "%s/samples/bagit-conformance/invalid/same-filename-listed-twice-with-the-same-hash",
		 shared_dir());
	faults_in(dir.buf, &f);
	CHECK(has_fault(&f, "manifest-sha256.txt", "listed twice"));
	bag_faults_release(&f);
	buf_release(&dir);
	CHECK(bagit_validate("/nonexistent/bag", &f, NULL) == -1);
}

TEST(read_refuses_escapes)
{
	struct buf why = BUF_INIT, out = BUF_INIT, dir = BUF_INIT;
	int dfd;

	buf_addf(&dir, "%s/bag", tmpdir);
	dfd = open(dir.buf, O_RDONLY | O_DIRECTORY);
	CHECK(dfd >= 0);
	CHECK(bag_read(dfd, "../bag/bagit.txt", 100, &out, &why) == -1);
	buf_reset(&why);
	CHECK(bag_read(dfd, "/etc/passwd", 100, &out, &why) == -1);
	buf_reset(&why);
	CHECK(bag_read(dfd, "bagit.txt", 100, &out, &why) == 0);
	CHECK(!strncmp(out.buf, "BagIt-Version: 1.0\n", 19));
	buf_reset(&why);
	CHECK(bag_read(dfd, "bagit.txt", 10, &out, &why) == -1);
	close(dfd);
	buf_release(&why);
	buf_release(&out);
	buf_release(&dir);
}

/* --force never follows a symbolic link: not DIR itself, not one inside it */
TEST(writer_never_follows_links)
{
	struct buf target = BUF_INIT, link = BUF_INIT, p = BUF_INIT, dir = BUF_INIT;
	struct bag_writer w;
	struct stat st;
	FILE *fp;

	buf_addf(&target, "%s/target", tmpdir);
	buf_addf(&link, "%s/link", tmpdir);
	CHECK(mkdir(target.buf, 0755) == 0);
	buf_addf(&p, "%s/keep", target.buf);
	fp = fopen(p.buf, "w");
	CHECK(fp != NULL);
	if (fp)
		fclose(fp);
	CHECK(symlink(target.buf, link.buf) == 0);
	CHECK(bag_writer_open(&w, link.buf, 1) == -1);
	CHECK(strstr(last_error(), "is a symbolic link") != NULL);
	bag_writer_release(&w);
	buf_addch(&link, '/');
	CHECK(bag_writer_open(&w, link.buf, 1) == -1);
	bag_writer_release(&w);
	CHECK(stat(p.buf, &st) == 0);

	/* a link inside DIR is removed itself; its target stays */
	buf_addf(&dir, "%s/withlink", tmpdir);
	CHECK(mkdir(dir.buf, 0755) == 0);
	buf_reset(&link);
	buf_addf(&link, "%s/inner", dir.buf);
	CHECK(symlink(target.buf, link.buf) == 0);
	CHECK(bag_writer_open(&w, dir.buf, 1) == 0);
	bag_writer_release(&w);
	CHECK(lstat(link.buf, &st) == -1);
	CHECK(stat(p.buf, &st) == 0);
	buf_release(&target);
	buf_release(&link);
	buf_release(&p);
	buf_release(&dir);
}

int main(void)
{
	struct buf cmd = BUF_INIT;

	if (!mkdtemp(tmpdir))
		return 1;
	RUN(path_rules);
	RUN(write_then_validate);
	RUN(conformance_suite);
	RUN(read_refuses_escapes);
	RUN(writer_never_follows_links);
	buf_addf(&cmd, "rm -rf %s", tmpdir);
	if (system(cmd.buf))
		fprintf(stderr, "cannot remove %s\n", tmpdir);
	buf_release(&cmd);
	return CHECK_DONE();
}
