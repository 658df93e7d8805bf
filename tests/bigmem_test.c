/* bigmem_test.c - the pool of big blocks (core/bigmem.c) and the arena's trim (core/arena.c)
 * against a model: random allocations, frees and reallocations of 0.25-6 MiB, each live block
 * filled with its own byte. After every step no two live blocks overlap, every live block
 * still holds its byte (a block handed out twice, or cleared while live, fails), a block from
 * ss_big_alloc is all zero even when the pool hands out a block another owner wrote, and a
 * reallocation keeps the bytes it promises. Then ss_vec_trim gives a reservation's unused tail
 * back to the arena and the next allocation lands there.
 * Prints one line per failed check and "N passed, N failed"; exits 1 when anything failed. */
#include <stdint.h> /* uintptr_t */
#include <string.h> /* memset */

#include "arena.h"
#include "bigmem.h"

#define UNIT_SEED 0x2545f4914f6cdd1dull
#include "unit_check.h"

#define SLOTS 24
#define STEPS 600
#define MIN_BYTES ((size_t)256 << 10)
#define MAX_BYTES ((size_t)6 << 20)
#define HUGE_PAGE ((uintptr_t)2 << 20)

typedef struct {
    unsigned char *p;
    size_t n;
    unsigned char fill;
} block;

static block live[SLOTS];

/* The bytes a block owns: whole 2 MiB pages (bigmem.h). */
static uintptr_t end_of(const block *b)
{
    return (uintptr_t)b->p + ((b->n + HUGE_PAGE - 1) & ~(HUGE_PAGE - 1));
}

static bool all_zero(const unsigned char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i])
            return false;
    return true;
}

/* Every live block holds its byte at 64 places and its ends, and overlaps no other. */
static void check_live(int step)
{
    for (int i = 0; i < SLOTS; i++) {
        const block *a = &live[i];
        if (a->p == NULL)
            continue;
        bool intact = a->p[0] == a->fill && a->p[a->n - 1] == a->fill;
        for (int k = 0; k < 64 && intact; k++)
            intact = a->p[rnd(a->n)] == a->fill;
        CHECK(intact, step);
        for (int j = i + 1; j < SLOTS; j++) {
            const block *b = &live[j];
            if (b->p == NULL)
                continue;
            bool apart = end_of(a) <= (uintptr_t)b->p || end_of(b) <= (uintptr_t)a->p;
            CHECK(apart, step);
        }
    }
}

static size_t random_size(void)
{
    return MIN_BYTES + (size_t)rnd(MAX_BYTES - MIN_BYTES);
}

static void pool_model(void)
{
    unsigned char fill = 0;
    for (int step = 0; step < STEPS; step++) {
        block *b = &live[rnd(SLOTS)];
        unsigned op = (unsigned)rnd(4);
        if (b->p == NULL) {
            size_t n = random_size();
            bool raw = op == 0;
            b->p = raw ? ss_big_alloc_raw(n) : ss_big_alloc(n);
            CHECK(b->p != NULL, step);
            if (b->p == NULL)
                continue;
            if (!raw)
                CHECK(all_zero(b->p, n), step);
            b->n = n;
            if (++fill == 0) /* never 0: a cleared block must show */
                fill = 1;
            b->fill = fill;
            memset(b->p, b->fill, n);
        } else if (op == 0) {
            size_t n = random_size(), keep = n < b->n ? n : b->n;
            unsigned char *q = ss_big_realloc(b->p, b->n, n);
            CHECK(q != NULL, step);
            if (q == NULL)
                continue;
            bool kept = q[0] == b->fill && q[keep - 1] == b->fill && q[keep / 2] == b->fill;
            CHECK(kept, step);
            b->p = q;
            b->n = n;
            memset(b->p, b->fill, n);
        } else {
            ss_big_free(b->p, b->n);
            b->p = NULL;
        }
        check_live(step);
    }
    for (int i = 0; i < SLOTS; i++)
        ss_big_free(live[i].p, live[i].n);
}

static void vec_trim(void)
{
    ss_arena *a = ss_arena_new(SIZE_MAX);
    CHECK(a != NULL, 0);
    if (a == NULL)
        return;
    ss_vec v;
    ss_vec_init(&v, 24);
    CHECK(ss_vec_reserve(a, &v, 100000), 0);
    size_t used = ss_arena_used(a);
    v.count = 100000;
    ss_vec_trim(a, &v, 60000);
    CHECK(v.count == 40000, 0);
    CHECK(ss_arena_used(a) == used - 60000 * 24, 0);
    unsigned char *next = ss_arena_alloc(a, 16);
    CHECK(next == (unsigned char *)v.items + 40000 * 24, 0);
    /* Not the arena's latest block any more: the count drops, the room stays. */
    used = ss_arena_used(a);
    ss_vec_trim(a, &v, 1000);
    CHECK(v.count == 39000 && ss_arena_used(a) == used, 0);
    ss_vec_trim(a, &v, SIZE_MAX);
    CHECK(v.count == 0, 0);
    ss_arena_free(a);
}

int main(void)
{
    pool_model();
    vec_trim();
    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
