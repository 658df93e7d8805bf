/* unit_check.h - the check counters and the random source of the randomized unit tests
 * (bss_index_test.c, literals_unit.c, bigmem_test.c). Define UNIT_SEED before including it:
 * each test keeps its own fixed sequence, so a failing trial number names the same input on
 * every run. */
#ifndef UNIT_CHECK_H
#define UNIT_CHECK_H

#include <stdint.h> /* uint64_t */
#include <stdio.h>  /* printf */

static int passed, failed;

#define CHECK(cond, trial)                                                          \
    do {                                                                            \
        if (cond)                                                                   \
            passed++;                                                               \
        else {                                                                      \
            failed++;                                                               \
            printf("FAIL %s:%d: trial %d: %s\n", __FILE__, __LINE__, trial, #cond); \
        }                                                                           \
    } while (0)

static uint64_t rng = UNIT_SEED;

static uint64_t rnd(uint64_t n) /* xorshift64, uniform enough in [0, n) */
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return n ? rng % n : 0;
}

#endif
