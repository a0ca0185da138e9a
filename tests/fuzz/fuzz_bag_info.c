/*
 * fuzz_bag_info.c - libFuzzer harness for bag-info.txt reading (bagit.c,
 * as bundle verify uses it): the input becomes the bag's bag-info.txt
 * (labels, continuation lines, Payload-Oxum) and the bag is validated.
 */
#include "bag.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_bag();
	fuzz_write("bag/bag-info.txt", data, size);
	fuzz_bag_validate();
	return 0;
}
