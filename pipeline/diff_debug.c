/* diff_debug.c - the compile-unit, crate or source-file table of `segscan diff -d compileunits`
 * (crates, inputfiles): which units grew, shrank, appeared or disappeared between two images.
 *
 * Each side's bytes per section and unit (core/debuginfo.h: ranges clipped to sections,
 * overlaps once, "[no debug info: SECTION]" remainders) are summed by the name the table shows
 * (a unit's name, its crate, a source file), sorted by name and merged: O(n log n). Only rows
 * that changed are kept. */
#include <stdlib.h> /* malloc, qsort, free */
#include <string.h> /* strcmp, strdup */

#include "debuginfo.h"
#include "diff_debug.h"
#include "diff_rows.h"
#include "image.h"

typedef struct {
    char *name;
    uint64_t vm, file;
} entry;

static int by_name(const void *a, const void *b)
{
    return strcmp(((const entry *)a)->name, ((const entry *)b)->name);
}

static void free_entries(entry *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i].name);
    free(v);
}

/* The image's rows summed by name, sorted by name. */
static entry *entries(const ss_image *im, ss_debug_name level, size_t *n, bool *oom)
{
    *n = 0;
    ss_debug_piece *pv;
    size_t np;
    if (!ss_debug_pieces(im, level == SS_DN_FILE ? SS_DG_FILE : SS_DG_UNIT, &pv, &np)) {
        *oom = true;
        return NULL;
    }
    entry *v = malloc((np ? np : 1) * sizeof *v);
    if (v == NULL) {
        free(pv);
        *oom = true;
        return NULL;
    }
    char buf[320];
    for (size_t i = 0; i < np; i++) {
        char *s = strdup(ss_debug_piece_name(im, &pv[i], level, buf, sizeof buf));
        if (s == NULL) {
            *oom = true;
            break;
        }
        v[(*n)++] = (entry){s, pv[i].vm, pv[i].file_bytes};
    }
    free(pv);
    qsort(v, *n, sizeof *v, by_name);
    size_t k = 0;
    for (size_t i = 0; i < *n; i++) {
        if (k && strcmp(v[k - 1].name, v[i].name) == 0) {
            v[k - 1].vm += v[i].vm;
            v[k - 1].file += v[i].file;
            free(v[i].name);
        } else {
            v[k++] = v[i];
        }
    }
    *n = k;
    return v;
}

static bool push(ss_diff_table *out, size_t *cap, const char *name, const entry *a,
                 const entry *b)
{
    if (a && b && a->vm == b->vm && a->file == b->file)
        return true; /* unchanged */
    ss_diff_row *r = ss_diff_row_new(out, cap);
    if (r == NULL || (r->name = strdup(name)) == NULL || (r->base = strdup(name)) == NULL)
        return false;
    r->rank = 1;
    r->counted = true;
    r->region = name[0] == '[';
    if (a)
        ss_diff_row_side(r, 0, a->vm, a->file);
    if (b)
        ss_diff_row_side(r, 1, b->vm, b->file);
    return true;
}

bool ss_diff_debug(ss_diff_table *out, const ss_image *a, const ss_image *b, ss_debug_name level)
{
    memset(out, 0, sizeof *out);
    entry *ea = NULL, *eb = NULL;
    size_t na = 0, nb = 0, cap = 0;
    bool oom = false;
    if (a)
        ea = entries(a, level, &na, &oom);
    if (!oom && b)
        eb = entries(b, level, &nb, &oom);
    size_t i = 0, j = 0;
    while (!oom && (i < na || j < nb)) {
        int c = i == na ? 1 : j == nb ? -1 : strcmp(ea[i].name, eb[j].name);
        if (c < 0) {
            oom = !push(out, &cap, ea[i].name, &ea[i], NULL);
            i++;
        } else if (c > 0) {
            oom = !push(out, &cap, eb[j].name, NULL, &eb[j]);
            j++;
        } else {
            oom = !push(out, &cap, ea[i].name, &ea[i], &eb[j]);
            i++, j++;
        }
    }
    free_entries(ea, na);
    free_entries(eb, nb);
    return !oom;
}
