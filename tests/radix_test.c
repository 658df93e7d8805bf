/* radix_test.c - ss_radix_sort against a stable insertion sort, for record sizes 8 (key only)
 * to 40, keys with all, some or no digits equal, sorted and reversed input, and n of 0, 1, 2.
 * Prints one line per failed check and "N passed, N failed"; exits 1 when anything failed. */
#include <stdint.h> /* uint64_t */
#include <stdio.h>  /* printf */
#include <stdlib.h> /* malloc, free */
#include <string.h> /* memcpy, memcmp */

#include "radix.h"

static int passed, failed;

#define CHECK(cond, ...)                                      \
    do {                                                      \
        if (cond)                                             \
            passed++;                                         \
        else {                                                \
            failed++;                                         \
            printf("FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond); \
            printf(__VA_ARGS__);                              \
            printf("\n");                                     \
        }                                                     \
    } while (0)

static uint64_t rng = 0x9e3779b97f4a7c15u;

static uint64_t next_rand(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static uint64_t key_of(const unsigned char *rec, size_t key_off)
{
    uint64_t k;
    memcpy(&k, rec + key_off, sizeof k);
    return k;
}

/* The reference: a stable insertion sort. */
static void insertion_sort(unsigned char *a, size_t n, size_t size, size_t key_off)
{
    unsigned char tmp[64];
    for (size_t i = 1; i < n; i++) {
        memcpy(tmp, a + i * size, size);
        uint64_t k = key_of(tmp, key_off);
        size_t j = i;
        while (j > 0 && key_of(a + (j - 1) * size, key_off) > k) {
            memcpy(a + j * size, a + (j - 1) * size, size);
            j--;
        }
        memcpy(a + j * size, tmp, size);
    }
}

enum { KEYS_RANDOM, KEYS_FEW, KEYS_EQUAL, KEYS_HIGH_BYTE, KEYS_SORTED, KEYS_REVERSED, KEYS_NMODES };

/* Fills n records: the key at key_off by mode, every other byte with the record's index (so
 * that a record's payload shows where it came from, and stability is checked by comparing). */
static void fill(unsigned char *a, size_t n, size_t size, size_t key_off, int mode)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char *rec = a + i * size;
        for (size_t b = 0; b < size; b++)
            rec[b] = (unsigned char)((i >> (8 * (b % 4))) + b);
        uint64_t k;
        switch (mode) {
        case KEYS_RANDOM: k = next_rand(); break;
        case KEYS_FEW: k = next_rand() % 5 * 0x0101010101010101u; break; /* many ties */
        case KEYS_EQUAL: k = 0x1234567890abcdefu; break;                  /* all digits equal */
        case KEYS_HIGH_BYTE: k = (next_rand() % 3) << 56 | 0x42; break;    /* one digit varies */
        case KEYS_SORTED: k = i * 3 / 2; break;
        default: k = UINT64_MAX - i / 2; break;
        }
        memcpy(rec + key_off, &k, sizeof k);
    }
}

static void check_one(size_t n, size_t size, size_t key_off, int mode)
{
    unsigned char *a = malloc(n * size + 1), *b = malloc(n * size + 1);
    if (a == NULL || b == NULL) {
        failed++;
        printf("FAIL: out of memory\n");
        free(a);
        free(b);
        return;
    }
    fill(a, n, size, key_off, mode);
    memcpy(b, a, n * size);
    insertion_sort(b, n, size, key_off);
    bool ok = ss_radix_sort(a, n, size, key_off);
    CHECK(ok && memcmp(a, b, n * size) == 0, "n=%zu size=%zu key_off=%zu mode=%d", n, size,
          key_off, mode);
    free(a);
    free(b);
}

int main(void)
{
    static const size_t sizes[] = {8, 16, 24, 32, 40, 12};
    static const size_t ns[] = {0, 1, 2, 3, 17, 300, 2000};
    for (size_t s = 0; s < sizeof sizes / sizeof *sizes; s++) {
        size_t size = sizes[s];
        for (size_t key_off = 0; key_off + 8 <= size; key_off += 4) /* also unaligned keys */
            for (size_t k = 0; k < sizeof ns / sizeof *ns; k++)
                for (int mode = 0; mode < KEYS_NMODES; mode++)
                    check_one(ns[k], size, key_off, mode);
    }
    /* n = 0 with no storage at all. */
    CHECK(ss_radix_sort(NULL, 0, 24, 0), "n=0");
    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
