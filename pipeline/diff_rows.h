/* diff_rows.h - appending rows to a diff table, shared by the symbol and debug-info tables. */
#ifndef SS_DIFF_ROWS_H
#define SS_DIFF_ROWS_H

#include <stdint.h> /* uint64_t */
#include <stdlib.h> /* realloc */
#include <string.h> /* memset */

#include "ci.h"

/* A new zeroed row at the end of out, owned by the table from here (its names are freed with
 * it, NULL included); NULL when out of memory. cap: the rows allocated. */
static inline ss_diff_row *ss_diff_row_new(ss_diff_table *out, size_t *cap)
{
    if (out->n == *cap) {
        size_t nc = *cap ? *cap * 2 : 64;
        ss_diff_row *v = realloc(out->rows, nc * sizeof *v);
        if (v == NULL)
            return NULL;
        out->rows = v;
        *cap = nc;
    }
    ss_diff_row *r = &out->rows[out->n++];
    memset(r, 0, sizeof *r);
    return r;
}

/* Side s (0 base, 1 new) of r holds vm and file bytes. */
static inline void ss_diff_row_side(ss_diff_row *r, int s, uint64_t vm, uint64_t file)
{
    r->vm.has[s] = r->file.has[s] = true;
    r->vm.v[s] = vm;
    r->file.v[s] = file;
}

#endif
