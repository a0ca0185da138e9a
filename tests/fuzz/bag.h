/*
 * bag.h - the fixed bag the BagIt harnesses (fuzz_bag_manifest.c,
 * fuzz_bag_info.c) validate: bagit.txt, one payload file data/hello.txt,
 * a bag-info.txt and a SHA-256 manifest, in the scratch directory. Each
 * harness replaces one tag file with the input and runs bagit_validate.
 */
#ifndef FUZZ_BAG_H
#define FUZZ_BAG_H

#include <sys/stat.h>
#include "fuzz.h"
#include "trailscope/bagit.h"

#define BAG_INFO_TXT "Source-Organization: trailscope fuzz\nPayload-Oxum: 6.1\n"
#define BAG_MANIFEST_TXT \
	"5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03  data/hello.txt\n"

/* Creates the bag once; returns its path. */
static inline const char *fuzz_bag(void)
{
	static char path[8192];

	if (!path[0]) {
		char data[8192];
		fuzz_path(path, sizeof(path), "bag");
		fuzz_path(data, sizeof(data), "bag/data");
		if (mkdir(path, 0700) || mkdir(data, 0700))
			abort();
		fuzz_write("bag/bagit.txt", "BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n", 54);
		fuzz_write("bag/data/hello.txt", "hello\n", 6);
		fuzz_write("bag/bag-info.txt", BAG_INFO_TXT, strlen(BAG_INFO_TXT));
		fuzz_write("bag/manifest-sha256.txt", BAG_MANIFEST_TXT, strlen(BAG_MANIFEST_TXT));
	}
	return path;
}

/* Validates the bag, releasing what it found. */
static inline void fuzz_bag_validate(void)
{
	struct bag_faults F = BAG_FAULTS_INIT;
	struct bag_contents C;

	memset(&C, 0, sizeof(C));
	if (bagit_validate(fuzz_bag(), &F, &C) == 0)
		bag_info_get(&C, "Payload-Oxum");
	bag_contents_release(&C);
	bag_faults_release(&F);
}

#endif
