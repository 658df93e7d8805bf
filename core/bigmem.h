/* bigmem.h - large scratch arrays of the analyses, backed by 2 MiB pages where the kernel has
 * them.
 *
 * On the project's machine a first touch of fresh memory costs 0.7-2.9 ms per MiB in 4 KiB
 * page faults, against 0.15 ms per MiB with transparent huge pages (64 MiB touched: 43 ms
 * against 7 ms; 35 MiB on 2026-12-04: 102 ms against 5 ms); the analyses of libLLVM-15 touch
 * some 40 MiB of such arrays. Arrays below 256 KiB go to calloc; from 256 KiB on, a block is
 * whole 2 MiB pages. The caller keeps the size: it is needed to free or grow. */
#ifndef SS_BIGMEM_H
#define SS_BIGMEM_H

#include <stddef.h> /* size_t */

/* n bytes, zero-filled; NULL when out of memory (n == 0 gives a valid, empty block). */
void *ss_big_alloc(size_t n);
/* n bytes whose contents are undefined, for arrays written before they are read: a block the
 * pool hands out again (bigmem.c) is then not cleared. NULL when out of memory. */
void *ss_big_alloc_raw(size_t n);
/* Grows or shrinks a block of old bytes to n; the first min(old, n) bytes are kept, the rest is
 * not zero-filled. NULL (and the old block still valid) when out of memory. */
void *ss_big_realloc(void *p, size_t old, size_t n);
/* Frees a block of n bytes. Accepts NULL. */
void ss_big_free(void *p, size_t n);

#endif
