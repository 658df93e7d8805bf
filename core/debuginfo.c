/* debuginfo.c - units and source files as bytes per section (see debuginfo.h). */
#include "debuginfo.h"

#include <fnmatch.h> /* fnmatch */
#include <stdio.h>   /* snprintf */
#include <stdlib.h>  /* malloc, qsort, free */
#include <string.h>  /* strcmp */

#include "image.h"

typedef struct {
    ss_debug_range r;
    size_t order; /* index in the reader's list: ties keep the reader's order */
} sorted_range;

static int range_cmp(const void *a, const void *b)
{
    const sorted_range *x = a, *y = b;
    if (x->r.lo != y->r.lo)
        return x->r.lo < y->r.lo ? -1 : 1;
    return x->order < y->order ? -1 : x->order > y->order;
}

/* Bytes of [a, a+n) inside [0, lim). */
static uint64_t overlap(uint64_t a, uint64_t n, uint64_t lim)
{
    if (a >= lim)
        return 0;
    return n < lim - a ? n : lim - a;
}

/* A section whose addresses the ranges speak of: loaded, with memory, and not the TLS
 * zero-fill template (whose addresses overlap the sections after it). */
static bool attributable(const ss_image *im, const ss_section *s)
{
    return im->type != SS_TYPE_RELOCATABLE && s->alloc && s->vm_size > 0 &&
           s->kind != SS_KIND_TLS_BSS;
}

/* The reader's ranges sorted by address with overlaps removed (a byte belongs to the
 * lowest-starting range, then the one listed first): disjoint and in address order. */
static sorted_range *disjoint(const ss_debug_range *v, size_t n, size_t *out_n)
{
    sorted_range *s = malloc((n ? n : 1) * sizeof *s);
    if (s == NULL)
        return NULL;
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (v[i].hi > v[i].lo)
            s[k++] = (sorted_range){v[i], i};
    qsort(s, k, sizeof *s, range_cmp);
    size_t m = 0;
    uint64_t covered = 0;
    bool any = false;
    for (size_t i = 0; i < k; i++) {
        ss_debug_range r = s[i].r;
        if (any && r.lo < covered)
            r.lo = covered;
        if (r.lo >= r.hi)
            continue;
        covered = r.hi;
        any = true;
        s[m++] = (sorted_range){r, s[i].order};
    }
    *out_n = m;
    return s;
}

bool ss_debug_pieces(const ss_image *im, ss_debug_by by, ss_debug_piece **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    const ss_debuginfo *di = im->debug;
    const ss_debug_range *src = NULL;
    size_t nsrc = 0;
    if (di != NULL && di->status == SS_OK) {
        src = by == SS_DG_FILE ? di->lines : di->ranges;
        nsrc = by == SS_DG_FILE ? di->nlines : di->nranges;
    }
    size_t nr;
    sorted_range *r = disjoint(src, nsrc, &nr);
    if (r == NULL)
        return false;
    /* Sections that do not overlap give at most ranges + sections pieces (a range crosses k
     * sections only by ending k-1 of them), plus one remainder each. Hostile sections that
     * overlap would multiply that: pieces stop at the cap (the bytes then fall to the
     * remainder, so the sums stay exact), which also bounds the time. */
    size_t cap = 2 * (nr + im->nsections) + 1;
    ss_debug_piece *p = malloc(cap * sizeof *p);
    if (p == NULL) {
        free(r);
        return false;
    }
    size_t k = 0;
    for (size_t si = 0; si < im->nsections; si++) {
        const ss_section *s = &im->sections[si];
        uint64_t vm_lim = s->vm_size, file_lim = s->file_accounted;
        uint64_t sum_vm = 0, sum_file = 0;
        if (attributable(im, s)) {
            uint64_t lo = s->vaddr, hi = s->vaddr + vm_lim;
            if (hi < lo)
                hi = UINT64_MAX;
            /* First range ending after lo (ends are in order too: the ranges are disjoint). */
            size_t a = 0, b = nr;
            while (a < b) {
                size_t m = a + (b - a) / 2;
                if (r[m].r.hi <= lo)
                    a = m + 1;
                else
                    b = m;
            }
            for (size_t i = a; i < nr && r[i].r.lo < hi && k + (im->nsections - si) < cap; i++) {
                uint64_t pl = r[i].r.lo > lo ? r[i].r.lo : lo;
                uint64_t ph = r[i].r.hi < hi ? r[i].r.hi : hi;
                uint64_t off = pl - lo, len = ph - pl;
                uint64_t fb = overlap(off, len, file_lim);
                ss_debug_piece *last = k ? &p[k - 1] : NULL;
                if (last && last->section == (int64_t)si && last->unit == r[i].r.unit &&
                    last->file == r[i].r.file && last->lo + last->vm == off) {
                    last->vm += len;
                    last->file_bytes += fb;
                } else {
                    p[k++] = (ss_debug_piece){(int64_t)si, r[i].r.unit, r[i].r.file, off, len, fb};
                }
                sum_vm += len;
                sum_file += fb;
            }
        }
        if (sum_vm < vm_lim || sum_file < file_lim)
            p[k++] = (ss_debug_piece){(int64_t)si, SS_DEBUG_NONE, SS_DEBUG_NONE, 0,
                                      vm_lim - sum_vm, file_lim - sum_file};
    }
    free(r);
    *out = p;
    *n = k;
    return true;
}

const char *ss_debug_piece_name(const ss_image *im, const ss_debug_piece *p, ss_debug_name level,
                                char *buf, size_t len)
{
    const ss_debuginfo *di = im->debug;
    if (p->unit == SS_DEBUG_NONE || di == NULL || p->unit >= di->nunits ||
        (level == SS_DN_FILE && (p->file == SS_DEBUG_NONE || p->file >= di->nfiles))) {
        const ss_section *s = &im->sections[p->section];
        snprintf(buf, len, "[no debug info: %s]", s->name ? s->name : "");
        return buf;
    }
    const ss_debug_unit *u = &di->units[p->unit];
    switch (level) {
    case SS_DN_CRATE: return u->crate ? u->crate : "[non-Rust units]";
    case SS_DN_FILE: return di->files[p->file];
    default: return u->name;
    }
}

bool ss_debug_unit_matches(const char *pat, const ss_debug_unit *u, bool crate)
{
    const char *name = crate ? u->crate : u->name;
    if (name == NULL)
        return false;
    return strcmp(pat, name) == 0 || fnmatch(pat, name, 0) == 0;
}
