/* diff_symbols.c - the symbol table of `segscan diff -d symbols`: which named objects grew,
 * shrank, appeared or disappeared between two images.
 *
 * A symbol is known by its demangled name (Rust's legacy hash suffix, which changes with every
 * build, is not part of it) and, for names that occur more than once (local statics of several
 * files), by its rank among them in address order. Each side's rows (core/symbols.h: aliases
 * and overlaps counted once, a section's uncovered bytes as its "[section NAME: no symbol]"
 * row) are sorted by (name, rank) and merged: O(n log n), where looking each name up in the
 * other side's list would be quadratic on libLLVM's 45,000 symbols. Only rows that changed are
 * kept. */
#include <stdlib.h> /* malloc, qsort, free */
#include <string.h> /* strcmp, strdup */

#include "ci.h"
#include "diff_rows.h"
#include "diff_symbols.h"
#include "sizes.h"
#include "symbols.h"

typedef struct {
    const char *name;
    uint64_t addr;
    size_t rank;
    uint64_t vm, file;
} entry;

static int by_name_addr(const void *a, const void *b)
{
    const entry *x = a, *y = b;
    int c = strcmp(x->name, y->name);
    if (c)
        return c;
    return x->addr < y->addr ? -1 : x->addr > y->addr;
}

/* The image's rows as entries sorted by (name, rank); NULL with *n = 0 when it has none. */
static entry *entries(const ss_symtab *t, size_t *n, bool *oom)
{
    *n = 0;
    entry *v = malloc((t->n ? t->n : 1) * sizeof *v);
    if (v == NULL) {
        *oom = true;
        return NULL;
    }
    for (size_t i = 0; i < t->n; i++) {
        const ss_symrow *r = &t->rows[i];
        if (r->alias_of >= 0)
            continue;
        v[(*n)++] = (entry){r->name, r->vaddr, 1, r->row_vm, r->row_file};
    }
    qsort(v, *n, sizeof *v, by_name_addr);
    for (size_t i = 1; i < *n; i++)
        if (strcmp(v[i].name, v[i - 1].name) == 0)
            v[i].rank = v[i - 1].rank + 1;
    return v;
}

static int cmp_key(const entry *x, const entry *y)
{
    int c = strcmp(x->name, y->name);
    if (c)
        return c;
    return x->rank < y->rank ? -1 : x->rank > y->rank;
}

static bool push(ss_diff_table *out, size_t *cap, const entry *e, const entry *a, const entry *b)
{
    if ((a && b && a->vm == b->vm && a->file == b->file) || (!a && !b))
        return true; /* unchanged */
    ss_diff_row *r = ss_diff_row_new(out, cap);
    if (r == NULL || (r->base = strdup(e->name)) == NULL)
        return false;
    if (e->rank > 1) {
        size_t len = strlen(e->name) + 24;
        r->name = malloc(len);
        if (r->name)
            snprintf(r->name, len, "%s #%zu", e->name, e->rank);
    } else {
        r->name = strdup(e->name);
    }
    if (r->name == NULL)
        return false;
    r->rank = e->rank;
    r->counted = true;
    if (a)
        ss_diff_row_side(r, 0, a->vm, a->file);
    if (b)
        ss_diff_row_side(r, 1, b->vm, b->file);
    return true;
}

bool ss_diff_symbols(ss_diff_table *out, const ss_image *a, const ss_image *b, bool demangle)
{
    memset(out, 0, sizeof *out);
    ss_symtab ta = {0}, tb = {0};
    entry *ea = NULL, *eb = NULL;
    size_t na = 0, nb = 0, cap = 0;
    bool oom = false;
    if ((a && !ss_symtab_build(a, demangle, &ta)) || (b && !ss_symtab_build(b, demangle, &tb)))
        oom = true;
    if (!oom && a)
        ea = entries(&ta, &na, &oom);
    if (!oom && b)
        eb = entries(&tb, &nb, &oom);
    size_t i = 0, j = 0;
    while (!oom && (i < na || j < nb)) {
        int c = i == na ? 1 : j == nb ? -1 : cmp_key(&ea[i], &eb[j]);
        if (c < 0) {
            oom = !push(out, &cap, &ea[i], &ea[i], NULL);
            i++;
        } else if (c > 0) {
            oom = !push(out, &cap, &eb[j], NULL, &eb[j]);
            j++;
        } else {
            oom = !push(out, &cap, &ea[i], &ea[i], &eb[j]);
            i++, j++;
        }
    }
    free(ea);
    free(eb);
    ss_symtab_free(&ta);
    ss_symtab_free(&tb);
    return !oom;
}
