/* bigmem.c - see bigmem.h. */
#include "bigmem.h"

#include <stdint.h> /* SIZE_MAX */
#include <stdlib.h> /* calloc, free */
#include <string.h> /* memcpy */

#if defined(__linux__)
#include <sys/mman.h> /* mmap, madvise, munmap */
/* From this size on a block is a mapping of its own, rounded up to whole 2 MiB pages: a fresh
 * 4 KiB page costs ~11 us on the project's VM (a 1 MiB table: 2.8 ms), a 2 MiB page ~0.2 ms
 * to clear. The literals analysis of libLLVM-15 has a dozen arrays of 0.25-2 MiB (its hash
 * tables, the radix sort's scratch, the bit map of fixed places). */
#define BIG (256u << 10)
#define HUGE (2u << 20)

static size_t round_big(size_t n)
{
    return (n + HUGE - 1) & ~(size_t)(HUGE - 1);
}

void *ss_big_alloc(size_t n)
{
    if (n < BIG)
        return calloc(n ? n : 1, 1);
    if (n > SIZE_MAX - HUGE)
        return NULL;
    void *p = mmap(NULL, round_big(n), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        return NULL;
#ifdef MADV_HUGEPAGE
    madvise(p, round_big(n), MADV_HUGEPAGE); /* advice only: 4 KiB pages work the same */
#endif
    return p;
}

void ss_big_free(void *p, size_t n)
{
    if (p == NULL)
        return;
    if (n < BIG)
        free(p);
    else
        munmap(p, round_big(n));
}

void *ss_big_realloc(void *p, size_t old, size_t n)
{
    if (p == NULL)
        return ss_big_alloc(n);
    if (old >= BIG && n >= BIG && round_big(old) == round_big(n))
        return p;
    void *q = ss_big_alloc(n);
    if (q == NULL)
        return NULL;
    memcpy(q, p, old < n ? old : n);
    ss_big_free(p, old);
    return q;
}
#else
void *ss_big_alloc(size_t n)
{
    return calloc(n ? n : 1, 1);
}

void ss_big_free(void *p, size_t n)
{
    (void)n;
    free(p);
}

void *ss_big_realloc(void *p, size_t old, size_t n)
{
    (void)old;
    return realloc(p, n ? n : 1);
}
#endif
