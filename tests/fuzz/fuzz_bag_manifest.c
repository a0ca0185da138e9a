/*
 * fuzz_bag_manifest.c - libFuzzer harness for BagIt manifest reading
 * (bagit.c, as bundle verify uses it): the input becomes the bag's
 * manifest-sha256.txt and also its tagmanifest-md5.txt, and the bag is
 * validated.
 */
#include "bag.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_bag();
	fuzz_write("bag/manifest-sha256.txt", data, size);
	fuzz_write("bag/tagmanifest-md5.txt", data, size);
	fuzz_bag_validate();
	return 0;
}
