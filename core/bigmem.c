/* bigmem.c - see bigmem.h. */
#include "bigmem.h"

#include <stdbool.h> /* bool */
#include <stdint.h> /* SIZE_MAX */
#include <stdlib.h> /* calloc, free */
#include <string.h> /* memcpy */

#if defined(__linux__)
#include <pthread.h>  /* pthread_mutex_* */
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

/* Freed blocks are kept and handed out again instead of going back to the kernel: a process
 * that maps fresh memory pays for its pages to be cleared (clear_page was 21% of the full
 * analysis of libLLVM-15 in perf), and on the project's VM the first touches of memory the host
 * has not backed yet cost up to 1.2 ms per MiB (0.06 when it has). That analysis faulted
 * 126 MiB of 2 MiB pages for an 84 MiB peak: its phases free scratch that later phases need
 * again (the references' 18 MiB serve the string analysis, whose 108 MiB reservation serves
 * the literals analysis). A block is taken from the smallest kept one that holds it (the rest
 * stays kept); adjacent kept blocks are joined. When none holds a request, the largest kept
 * blocks are unmapped until at most POOL_KEEP bytes are kept, then a fresh mapping is made: the
 * memory mapped never exceeds what it was without the pool by more than that (libLLVM-15,
 * -j1: 63 -> 38 huge pages faulted, peak 83.3-83.9 MiB as before; with default threads 98-100
 * MiB against 84-93, blocks being kept while the other thread maps its own). Under
 * AddressSanitizer a freed block is unmapped at once, so that a use after free still faults. */
#if defined(__SANITIZE_ADDRESS__)
#define POOL_ON 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define POOL_ON 0
#endif
#endif
#ifndef POOL_ON
#define POOL_ON 1
#endif
#define POOL_MAX 64
#define POOL_KEEP ((size_t)32 << 20)

typedef struct {
    char *p;
    size_t len; /* whole 2 MiB pages */
} kept;

static kept pool[POOL_MAX];
static size_t npool;
static pthread_mutex_t pool_lock = PTHREAD_MUTEX_INITIALIZER;

static void pool_drop(size_t i)
{
    pool[i] = pool[--npool];
}

/* Puts [p, p + len) in the pool, joined with its neighbours; false when the pool is full. */
static bool pool_put(char *p, size_t len)
{
    for (size_t i = 0; i < npool;) {
        if (pool[i].p + pool[i].len == p) {
            p = pool[i].p;
            len += pool[i].len;
            pool_drop(i);
            i = 0;
        } else if (p + len == pool[i].p) {
            len += pool[i].len;
            pool_drop(i);
            i = 0;
        } else {
            i++;
        }
    }
    if (npool == POOL_MAX)
        return false;
    pool[npool++] = (kept){p, len};
    return true;
}

/* The smallest kept block of at least len bytes, cut to len (the rest kept); NULL if none. */
static char *pool_take(size_t len)
{
    size_t best = npool;
    for (size_t i = 0; i < npool; i++)
        if (pool[i].len >= len && (best == npool || pool[i].len < pool[best].len))
            best = i;
    if (best == npool)
        return NULL;
    char *p = pool[best].p;
    if (pool[best].len == len) {
        pool_drop(best);
    } else {
        pool[best].p += len;
        pool[best].len -= len;
    }
    return p;
}

/* Before a fresh mapping: the largest kept blocks unmapped until at most POOL_KEEP bytes are
 * kept. */
static void pool_trim(void)
{
    size_t total = 0;
    for (size_t i = 0; i < npool; i++)
        total += pool[i].len;
    while (total > POOL_KEEP) {
        size_t big = 0;
        for (size_t i = 1; i < npool; i++)
            big = pool[i].len > pool[big].len ? i : big;
        total -= pool[big].len;
        munmap(pool[big].p, pool[big].len);
        pool_drop(big);
    }
}

static void *map_fresh(size_t len)
{
    void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        return NULL;
#ifdef MADV_HUGEPAGE
    madvise(p, len, MADV_HUGEPAGE); /* advice only: 4 KiB pages work the same */
#endif
    return p;
}

static void *big_alloc(size_t n, bool zero)
{
    if (n < BIG)
        return zero ? calloc(n ? n : 1, 1) : malloc(n ? n : 1);
    if (n > SIZE_MAX - HUGE)
        return NULL;
    size_t len = round_big(n);
    pthread_mutex_lock(&pool_lock);
    char *p = pool_take(len);
    if (p == NULL)
        pool_trim();
    pthread_mutex_unlock(&pool_lock);
    if (p == NULL)
        return map_fresh(len);
    if (zero)
        memset(p, 0, n); /* a kept block holds what its last owner wrote */
    return p;
}

void *ss_big_alloc(size_t n)
{
    return big_alloc(n, true);
}

void *ss_big_alloc_raw(size_t n)
{
    return big_alloc(n, false);
}

void ss_big_free(void *p, size_t n)
{
    if (p == NULL)
        return;
    if (n < BIG) {
        free(p);
        return;
    }
    bool kept_it = false;
    if (POOL_ON) {
        pthread_mutex_lock(&pool_lock);
        kept_it = pool_put(p, round_big(n));
        pthread_mutex_unlock(&pool_lock);
    }
    if (!kept_it)
        munmap(p, round_big(n));
}

void *ss_big_realloc(void *p, size_t old, size_t n)
{
    if (p == NULL)
        return ss_big_alloc(n);
    if (old >= BIG && n >= BIG && round_big(old) == round_big(n))
        return p;
    if (old >= BIG && n >= BIG && n > old) {
        /* grown in place when the kept block right after it holds the rest */
        size_t have = round_big(old), more = round_big(n) - have;
        char *after = (char *)p + have;
        bool grown = false;
        pthread_mutex_lock(&pool_lock);
        for (size_t i = 0; i < npool && !grown; i++)
            if (pool[i].p == after && pool[i].len >= more) {
                if (pool[i].len == more)
                    pool_drop(i);
                else {
                    pool[i].p += more;
                    pool[i].len -= more;
                }
                grown = true;
            }
        pthread_mutex_unlock(&pool_lock);
        if (grown)
            return p; /* the bytes after old are not zero-filled (bigmem.h) */
    }
    void *q = ss_big_alloc_raw(n);
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

void *ss_big_alloc_raw(size_t n)
{
    return malloc(n ? n : 1);
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
