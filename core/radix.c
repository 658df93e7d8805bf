/* radix.c - stable LSD radix sort by a 64-bit key. */
#include "radix.h"

#include <stdint.h> /* uint64_t */
#include <stdlib.h> /* malloc, free */
#include <string.h> /* memcpy */

static uint64_t key_at(const unsigned char *rec, size_t key_off)
{
    uint64_t k;
    memcpy(&k, rec + key_off, sizeof k);
    return k;
}

bool ss_radix_sort(void *items, size_t n, size_t size, size_t key_off)
{
    if (n < 2)
        return true;
    unsigned char *tmp = malloc(n * size);
    if (tmp == NULL)
        return false;
    unsigned char *src = items, *dst = tmp;
    for (unsigned shift = 0; shift < 64; shift += 8) {
        size_t cnt[256] = {0};
        for (size_t i = 0; i < n; i++)
            cnt[(key_at(src + i * size, key_off) >> shift) & 0xff]++;
        if (cnt[(key_at(src, key_off) >> shift) & 0xff] == n)
            continue; /* every key has this byte: the pass would order nothing */
        size_t pos = 0;
        for (int b = 0; b < 256; b++) {
            size_t c = cnt[b];
            cnt[b] = pos;
            pos += c;
        }
        for (size_t i = 0; i < n; i++) {
            const unsigned char *rec = src + i * size;
            memcpy(dst + cnt[(key_at(rec, key_off) >> shift) & 0xff]++ * size, rec, size);
        }
        unsigned char *t = src;
        src = dst;
        dst = t;
    }
    if (src != items)
        memcpy(items, src, n * size);
    free(tmp);
    return true;
}
