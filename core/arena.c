/* arena.c - a chunked bump allocator with a cap. */
#include "arena.h"

#include "bigmem.h"

#include <stdarg.h> /* va_list */
#include <stdint.h> /* SIZE_MAX */
#include <stdio.h>  /* vsnprintf */
#include <stdlib.h> /* malloc, free */
#include <string.h> /* memcpy, memset */

#define CHUNK_MIN (64 * 1024)
/* Chunks from this size on (a big table: libLLVM-15's 9 MiB of relocation targets) come from
 * bigmem, on 2 MiB pages. */
#define CHUNK_BIG (2u << 20)
#define ALIGN 16

struct chunk {
    struct chunk *next;
    size_t size, used;
    _Alignas(ALIGN) unsigned char data[];
};

struct ss_arena {
    struct chunk *head;
    size_t cap, used;
};

ss_arena *ss_arena_new(size_t cap)
{
    ss_arena *a = calloc(1, sizeof *a);
    if (a)
        a->cap = cap;
    return a;
}

void ss_arena_free(ss_arena *a)
{
    if (a == NULL)
        return;
    for (struct chunk *c = a->head, *n; c; c = n) {
        n = c->next;
        size_t total = sizeof *c + c->size;
        if (total >= CHUNK_BIG)
            ss_big_free(c, total);
        else
            free(c);
    }
    free(a);
}

/* n bytes, aligned, not cleared. */
static void *arena_take(ss_arena *a, size_t n)
{
    if (n == 0)
        n = 1;
    if (n > SIZE_MAX - ALIGN)
        return NULL;
    size_t need = (n + ALIGN - 1) & ~(size_t)(ALIGN - 1);
    if (need > a->cap || a->used > a->cap - need)
        return NULL;
    struct chunk *c = a->head;
    if (c == NULL || c->size - c->used < need) {
        size_t sz = need > CHUNK_MIN ? need : CHUNK_MIN;
        c = sizeof *c + sz >= CHUNK_BIG ? ss_big_alloc_raw(sizeof *c + sz)
                                        : malloc(sizeof *c + sz);
        if (c == NULL)
            return NULL;
        c->size = sz;
        c->used = 0;
        c->next = a->head;
        a->head = c;
    }
    void *p = c->data + c->used;
    c->used += need;
    a->used += need;
    return p;
}

void *ss_arena_alloc(ss_arena *a, size_t n)
{
    void *p = arena_take(a, n);
    if (p)
        memset(p, 0, n ? n : 1);
    return p;
}

void *ss_arena_array(ss_arena *a, size_t count, size_t size)
{
    size_t n;
    if (__builtin_mul_overflow(count, size, &n))
        return NULL;
    return ss_arena_alloc(a, n);
}

char *ss_arena_strndup(ss_arena *a, const char *s, size_t n)
{
    if (n == SIZE_MAX)
        return NULL;
    char *d = ss_arena_alloc(a, n + 1);
    if (d) {
        memcpy(d, s, n);
        d[n] = '\0';
    }
    return d;
}

char *ss_arena_vprintf(ss_arena *a, const char *fmt, va_list ap)
{
    va_list aq;
    va_copy(aq, ap);
    int n = vsnprintf(NULL, 0, fmt, aq);
    va_end(aq);
    if (n < 0)
        return NULL;
    char *d = ss_arena_alloc(a, (size_t)n + 1);
    if (d)
        vsnprintf(d, (size_t)n + 1, fmt, ap);
    return d;
}

char *ss_arena_printf(ss_arena *a, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *d = ss_arena_vprintf(a, fmt, ap);
    va_end(ap);
    return d;
}

size_t ss_arena_used(const ss_arena *a)
{
    return a->used;
}

void ss_vec_init(ss_vec *v, size_t elem)
{
    v->items = NULL;
    v->count = v->cap = 0;
    v->elem = elem;
}

static bool vec_grow(ss_arena *a, ss_vec *v, size_t ncap)
{
    /* Elements are zeroed when pushed, so the new storage needs no clearing of its own. */
    size_t bytes;
    if (__builtin_mul_overflow(ncap, v->elem, &bytes))
        return false;
    void *n = arena_take(a, bytes);
    if (n == NULL)
        return false;
    if (v->count)
        memcpy(n, v->items, v->count * v->elem);
    v->items = n;
    v->cap = ncap;
    return true;
}

bool ss_vec_reserve(ss_arena *a, ss_vec *v, size_t n)
{
    if (n <= v->cap - v->count)
        return true;
    size_t want;
    if (__builtin_add_overflow(v->count, n, &want))
        return false;
    /* Never less than doubling, so many small reservations stay linear in time and space. */
    return vec_grow(a, v, want > v->cap * 2 ? want : v->cap * 2);
}

static size_t aligned(size_t n)
{
    return ((n ? n : 1) + ALIGN - 1) & ~(size_t)(ALIGN - 1);
}

void ss_vec_trim(ss_arena *a, ss_vec *v, size_t n)
{
    v->count -= n < v->count ? n : v->count;
    struct chunk *c = a->head;
    if (v->items == NULL || c == NULL)
        return;
    size_t had = aligned(v->cap * v->elem), keep = aligned(v->count * v->elem);
    if ((unsigned char *)v->items + had != c->data + c->used || keep >= had)
        return; /* not the latest block: its room stays with the array */
    c->used -= had - keep;
    a->used -= had - keep;
    v->cap = keep / v->elem;
}

void *ss_vec_push(ss_arena *a, ss_vec *v)
{
    if (v->count == v->cap && !vec_grow(a, v, v->cap ? v->cap * 2 : 16))
        return NULL;
    void *p = (unsigned char *)v->items + v->count * v->elem;
    v->count++;
    memset(p, 0, v->elem);
    return p;
}
