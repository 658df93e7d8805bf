/* radix.h - a stable sort of records by an unsigned 64-bit key, in linear time.
 *
 * The analyses sort hundreds of thousands of records (relocation ranges, strings by their
 * reversed tail); glibc's qsort is a merge sort with a callback per comparison and was the
 * largest cost of both. */
#ifndef SS_RADIX_H
#define SS_RADIX_H

#include <stdbool.h> /* bool */
#include <stddef.h>  /* size_t */

/* Sorts n records of `size` bytes by the uint64_t stored at byte offset key_off of each record,
 * ascending and stable (LSD radix, 8 bits a pass; passes where all keys share the byte are
 * skipped, and input already in order is left alone without allocating). Records of 8, 16, 24
 * and 32 bytes are copied fastest. False only when the scratch copy cannot be allocated (items
 * are then unchanged). */
bool ss_radix_sort(void *items, size_t n, size_t size, size_t key_off);

#endif
