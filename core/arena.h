/* arena.h - one owner for everything an image allocates.
 *
 * An image's names, tables and analysis results live in its arena and are freed together. The
 * arena has an upper bound on the bytes it will hand out, so a hostile header cannot make
 * segscan allocate without limit (curl's dynbuf habit). */
#ifndef SS_ARENA_H
#define SS_ARENA_H

#include <stdbool.h> /* bool */
#include <stdarg.h> /* va_list */
#include <stddef.h>  /* size_t */

typedef struct ss_arena ss_arena;

/* A new arena that refuses to hand out more than cap bytes in total; NULL when out of memory. */
ss_arena *ss_arena_new(size_t cap);
/* Frees the arena and everything allocated from it. Accepts NULL. */
void ss_arena_free(ss_arena *a);
/* n bytes aligned for any type, zero-filled; NULL when over the cap or out of memory. */
void *ss_arena_alloc(ss_arena *a, size_t n);
/* count*size bytes, checked for overflow; NULL as above. */
void *ss_arena_array(ss_arena *a, size_t count, size_t size);
/* A NUL-terminated copy of n bytes (which need not be terminated). */
char *ss_arena_strndup(ss_arena *a, const char *s, size_t n);
/* printf into the arena. */
char *ss_arena_printf(ss_arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
char *ss_arena_vprintf(ss_arena *a, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
/* Bytes handed out so far. */
size_t ss_arena_used(const ss_arena *a);

/* A growable array inside an arena: grows by doubling, old storage is simply abandoned to the
 * arena (cheap, and the arena's cap still bounds the total). */
typedef struct {
    void *items;
    size_t count, cap, elem;
} ss_vec;

void ss_vec_init(ss_vec *v, size_t elem);
/* Pointer to a new zeroed element at the end, or NULL when the arena refuses. */
void *ss_vec_push(ss_arena *a, ss_vec *v);
/* Makes room for at least n more elements (one allocation instead of repeated doubling);
 * false when the arena refuses. */
bool ss_vec_reserve(ss_arena *a, ss_vec *v, size_t n);
/* Drops the last n elements (at most all); when the array's storage is the arena's latest
 * block, the room they held goes back to the arena: a reservation made for an upper bound and
 * filled to less costs only what it kept. */
void ss_vec_trim(ss_arena *a, ss_vec *v, size_t n);

#endif
