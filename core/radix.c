/* radix.c - stable LSD radix sort by a 64-bit key.
 *
 * Input already in order is noticed first and left alone; a few records are sorted by
 * insertion. Otherwise one read of the keys counts all eight byte histograms, and only the
 * digits that vary get a scatter pass. The scatter copies records with a size known at compile
 * time for the common sizes, so the copy is a few moves instead of a call to memcpy. */
#include "radix.h"
#include "bigmem.h"

#include <stdint.h> /* uint64_t */
#include <string.h> /* memcpy, memmove */

#if defined(__GNUC__)
#define SS_ALWAYS_INLINE inline __attribute__((always_inline))
#else
#define SS_ALWAYS_INLINE inline
#endif

/* Inputs this small (records this large at most) are sorted by insertion. */
#define SMALL_N 32
#define SMALL_SIZE 64

static SS_ALWAYS_INLINE uint64_t key_at(const unsigned char *rec, size_t key_off)
{
    uint64_t k;
    memcpy(&k, rec + key_off, sizeof k);
    return k;
}

/* One stable pass: each record of src goes to dst at pos[its digit]++. Called with a constant
 * size, the compiler inlines a fixed-size copy. */
static SS_ALWAYS_INLINE void scatter(const unsigned char *src, unsigned char *dst, size_t n,
                                     size_t size, size_t key_off, unsigned shift, size_t *pos)
{
    for (size_t i = 0; i < n; i++) {
        const unsigned char *rec = src + i * size;
        memcpy(dst + pos[(key_at(rec, key_off) >> shift) & 0xff]++ * size, rec, size);
    }
}

static void scatter_any(const unsigned char *src, unsigned char *dst, size_t n, size_t size,
                        size_t key_off, unsigned shift, size_t *pos)
{
    switch (size) {
    case 8: scatter(src, dst, n, 8, key_off, shift, pos); break;
    case 16: scatter(src, dst, n, 16, key_off, shift, pos); break;
    case 24: scatter(src, dst, n, 24, key_off, shift, pos); break;
    case 32: scatter(src, dst, n, 32, key_off, shift, pos); break;
    default: scatter(src, dst, n, size, key_off, shift, pos); break;
    }
}

/* A stable insertion sort for a few records, which costs less than clearing the histograms. */
static void insertion_sort(unsigned char *a, size_t n, size_t size, size_t key_off)
{
    unsigned char rec[SMALL_SIZE];
    for (size_t i = 1; i < n; i++) {
        uint64_t k = key_at(a + i * size, key_off);
        size_t j = i;
        while (j > 0 && key_at(a + (j - 1) * size, key_off) > k)
            j--;
        if (j == i)
            continue;
        memcpy(rec, a + i * size, size);
        memmove(a + (j + 1) * size, a + j * size, (i - j) * size);
        memcpy(a + j * size, rec, size);
    }
}

bool ss_radix_sort(void *items, size_t n, size_t size, size_t key_off)
{
    unsigned char *base = items;
    size_t i = 1;
    while (i < n && key_at(base + i * size, key_off) >= key_at(base + (i - 1) * size, key_off))
        i++;
    if (i >= n)
        return true; /* already in order */
    if (n <= SMALL_N && size <= SMALL_SIZE) {
        insertion_sort(base, n, size, key_off);
        return true;
    }

    /* All eight histograms in one read. */
    size_t cnt[8][256] = {{0}};
    for (i = 0; i < n; i++) {
        uint64_t k = key_at(base + i * size, key_off);
        for (unsigned d = 0; d < 8; d++)
            cnt[d][(k >> (8 * d)) & 0xff]++;
    }

    /* A digit that all keys share would order nothing: skip it. */
    uint64_t first = key_at(base, key_off);
    unsigned digits[8], nd = 0;
    for (unsigned d = 0; d < 8; d++)
        if (cnt[d][(first >> (8 * d)) & 0xff] != n)
            digits[nd++] = d;

    unsigned char *tmp = ss_big_alloc_raw(n * size); /* megabytes for a big library: bigmem.h */
    if (tmp == NULL)
        return false;
    unsigned char *src = items, *dst = tmp;
    for (unsigned t = 0; t < nd; t++) {
        unsigned d = digits[t];
        size_t *pos = cnt[d], sum = 0;
        for (unsigned b = 0; b < 256; b++) {
            size_t c = pos[b];
            pos[b] = sum;
            sum += c;
        }
        scatter_any(src, dst, n, size, key_off, 8 * d, pos);
        unsigned char *x = src;
        src = dst;
        dst = x;
    }
    if (src != items)
        memcpy(items, src, n * size);
    ss_big_free(tmp, n * size);
    return true;
}
