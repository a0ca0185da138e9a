/*
 * replay.c - the main() that turns a fuzz harness into a plain program:
 * it feeds each file named on the command line (directories: each file
 * in them, sorted by name) to LLVMFuzzerTestOneInput once. tests/run.sh
 * runs it over the harness's seeds and tests/fuzz/regress/HARNESS, so a
 * crash the fuzzer once found stays fixed. Prints "PASS: ..." per
 * directory and a closing "done: N cases" line; a crash kills it before
 * that line, which the runner notices.
 */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int run_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	uint8_t *data = NULL;
	size_t len = 0, cap = 0, n;

	if (!f) {
		printf("FAIL: replay %s: %s\n", path, strerror(errno));
		return -1;
	}
	for (;;) {
		if (len == cap) {
			cap = cap ? cap * 2 : 65536;
			data = realloc(data, cap);
			if (!data)
				abort();
		}
		n = fread(data + len, 1, cap - len, f);
		if (!n)
			break;
		len += n;
	}
	if (ferror(f)) {
		printf("FAIL: replay %s: read error\n", path);
		fclose(f);
		free(data);
		return -1;
	}
	fclose(f);
	/* A copy of exactly len bytes, so ASan sees reads past the end. */
	{
		uint8_t *exact = malloc(len ? len : 1);
		if (!exact)
			abort();
		memcpy(exact, data, len);
		free(data);
		fprintf(stderr, "replay: %s\n", path);
		LLVMFuzzerTestOneInput(exact, len);
		free(exact);
	}
	return 0;
}

static int cmp_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(int argc, char **argv)
{
	int i, failed = 0;
	long total = 0;

	for (i = 1; i < argc; i++) {
		struct stat st;
		if (stat(argv[i], &st)) {
			/* A harness with no regression inputs yet has no directory. */
			continue;
		}
		if (S_ISDIR(st.st_mode)) {
			DIR *d = opendir(argv[i]);
			struct dirent *e;
			char **names = NULL;
			size_t n = 0, cap = 0, k;
			long ran = 0;
			if (!d) {
				printf("FAIL: replay %s: %s\n", argv[i], strerror(errno));
				failed = 1;
				continue;
			}
			while ((e = readdir(d))) {
				if (e->d_name[0] == '.')
					continue;
				if (n == cap) {
					cap = cap ? cap * 2 : 64;
					names = realloc(names, cap * sizeof(*names));
					if (!names)
						abort();
				}
				names[n++] = strdup(e->d_name);
			}
			closedir(d);
			qsort(names, n, sizeof(*names), cmp_name);
			for (k = 0; k < n; k++) {
				size_t plen = strlen(argv[i]) + strlen(names[k]) + 2;
				char *p = malloc(plen);
				struct stat fst;
				if (!p)
					abort();
				snprintf(p, plen, "%s/%s", argv[i], names[k]);
				if (!stat(p, &fst) && S_ISREG(fst.st_mode)) {
					if (run_file(p))
						failed = 1;
					else
						ran++;
				}
				free(p);
				free(names[k]);
			}
			free(names);
			printf("PASS: replay %s (%ld inputs)\n", argv[i], ran);
			total += ran;
		} else if (run_file(argv[i])) {
			failed = 1;
		} else {
			printf("PASS: replay %s\n", argv[i]);
			total++;
		}
	}
	printf("done: %ld cases\n", total);
	return failed;
}
