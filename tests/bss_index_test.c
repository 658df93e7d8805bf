/* bss_index_test.c - the BSS analysis on random synthetic images against a byte-by-byte model.
 *
 * The analysis finds the bytes relocations write through an index of sorted ranges (part read in
 * place from the image's relocation array, part copied and sorted); this test builds images
 * whose relocations come sorted, partly sorted, reversed or shuffled, with keys by section and
 * by address, sizes 0 to 4 GiB and ends that overflow, and checks the zero runs and the movable
 * and read-only zero objects against a model that marks every written byte. Prints one line per
 * failed check and "N passed, N failed"; exits 1 when anything failed. */
#include <stdint.h> /* uint64_t */
#include <stdio.h>  /* printf */
#include <stdlib.h> /* qsort */
#include <string.h> /* memset */

#include "analysis.h"
#include "image.h"

#define UNIT_SEED 0x2545f4914f6cdd1du
#include "unit_check.h"

enum { NSEC = 5, SECSZ = 1024, MAXREL = 700, MAXSYM = 40 };

/* Sections: 0 not allocated; 1 and 4 data without symbols (zero runs); 2 data that may have
 * symbols (movable objects, or zero runs when it has none); 3 RELRO that may have symbols
 * (read-only zero objects). */
static const ss_kind kinds[NSEC] = {SS_KIND_OTHER, SS_KIND_DATA, SS_KIND_DATA, SS_KIND_RELRO,
                                    SS_KIND_DATA};

static uint8_t bytes[NSEC * SECSZ];

static uint64_t vaddr_of(int si)
{
    return 0x10000u * (uint64_t)si + 0x40u * (uint64_t)si; /* sections not page aligned */
}

static bool writes(const ss_reloc *r, int64_t key, uint64_t p)
{
    if (r->size == 0 || r->section != key)
        return false;
    uint64_t end = r->addr + r->size < r->addr ? UINT64_MAX : r->addr + r->size;
    return r->addr <= p && p < end;
}

/* Is byte off of section si written, as the zero runs see it (by section in objects, by address
 * in linked images) or as objects see it (by section, and by address in linked images)? */
static bool written(const ss_image *im, bool relocatable, bool for_objects, int si, uint64_t off)
{
    for (size_t i = 0; i < im->nrelocs; i++) {
        const ss_reloc *r = &im->relocs[i];
        if (relocatable && writes(r, si, off))
            return true;
        if (!relocatable && writes(r, -1, vaddr_of(si) + off))
            return true;
        if (!relocatable && for_objects && writes(r, si, off))
            return true;
    }
    return false;
}

static int run_cmp(const void *a, const void *b)
{
    const ss_zero_run *x = a, *y = b;
    if (x->section != y->section)
        return x->section < y->section ? -1 : 1;
    return x->offset < y->offset ? -1 : x->offset > y->offset;
}

/* A random relocation place near the sections, in the key space of the image. */
static ss_reloc random_reloc(bool relocatable)
{
    ss_reloc r;
    int si = 1 + (int)rnd(NSEC - 1);
    bool by_section = relocatable ? rnd(10) != 0 : rnd(10) == 0;
    r.section = by_section ? si : -1;
    r.addr = (by_section ? 0 : vaddr_of(si)) + rnd(SECSZ + 16);
    if (r.addr >= 8 && rnd(4) == 0)
        r.addr -= 8;
    static const uint32_t widths[] = {1, 2, 4, 8, 8, 8, 0, 3, 300};
    r.size = widths[rnd(sizeof widths / sizeof *widths)];
    if (rnd(200) == 0)
        r.size = UINT32_MAX; /* a long range: every query looks far back */
    if (rnd(200) == 0)
        r.addr = UINT64_MAX - rnd(4); /* the end overflows: saturated */
    return r;
}

static int reloc_cmp(const void *a, const void *b)
{
    const ss_reloc *x = a, *y = b;
    uint64_t kx = x->section < 0 ? 0 : (uint64_t)x->section + 1;
    uint64_t ky = y->section < 0 ? 0 : (uint64_t)y->section + 1;
    if (kx != ky)
        return kx < ky ? -1 : 1;
    return x->addr < y->addr ? -1 : x->addr > y->addr;
}

static void trial(int t)
{
    bool relocatable = rnd(3) == 0;
    /* Mostly zeros, in stretches. */
    for (size_t i = 0; i < sizeof bytes;) {
        size_t len = 1 + rnd(rnd(2) ? 200 : 8);
        uint8_t v = rnd(3) == 0 ? (uint8_t)(1 + rnd(255)) : 0;
        for (size_t k = 0; k < len && i < sizeof bytes; k++, i++)
            bytes[i] = v;
    }
    ss_image *im = ss_image_new((ss_span){bytes, sizeof bytes}, 0, "synthetic", NULL, 64u << 20);
    if (im == NULL) {
        failed++;
        return;
    }
    im->type = relocatable ? SS_TYPE_RELOCATABLE : SS_TYPE_SHARED;
    for (int si = 0; si < NSEC; si++) {
        ss_section *s = ss_image_add_section(im);
        s->name = "s";
        s->kind = kinds[si];
        s->alloc = si != 0;
        s->vaddr = relocatable ? 0 : vaddr_of(si);
        s->offset = (uint64_t)si * SECSZ;
        s->file_size = s->vm_size = SECSZ;
    }
    /* Relocations: sorted, a sorted stretch among shuffled ones, reversed or shuffled. */
    size_t nrel = rnd(4) == 0 ? rnd(4) : rnd(MAXREL);
    ss_reloc rel[MAXREL];
    for (size_t i = 0; i < nrel; i++)
        rel[i] = random_reloc(relocatable);
    int order = (int)rnd(4);
    if (order == 0) {
        qsort(rel, nrel, sizeof *rel, reloc_cmp);
    } else if (order == 1 && nrel > 2) {
        size_t b = rnd(nrel / 2), e = b + nrel / 2;
        qsort(rel + b, e - b, sizeof *rel, reloc_cmp);
    } else if (order == 2) {
        qsort(rel, nrel, sizeof *rel, reloc_cmp);
        for (size_t i = 0; i < nrel / 2; i++) {
            ss_reloc x = rel[i];
            rel[i] = rel[nrel - 1 - i];
            rel[nrel - 1 - i] = x;
        }
    }
    for (size_t i = 0; i < nrel; i++)
        *ss_image_add_reloc(im) = rel[i];
    /* Object symbols in sections 2 and 3, some at the same place. */
    size_t nsym = rnd(MAXSYM);
    for (size_t i = 0; i < nsym; i++) {
        ss_symbol *y = ss_image_add_symbol(im);
        int si = 2 + (int)rnd(2);
        uint64_t size = 1 + rnd(rnd(2) ? 64 : 8);
        uint64_t off = rnd(SECSZ - size + 1);
        if (i > 0 && rnd(5) == 0) { /* an alias of the previous one */
            off = im->symbols[i - 1].value - (relocatable ? 0 : vaddr_of((int)im->symbols[i - 1].section));
            si = (int)im->symbols[i - 1].section;
            size = rnd(2) ? im->symbols[i - 1].size : 1;
        }
        y->name = rnd(2) ? "a" : "b";
        y->value = (relocatable ? 0 : vaddr_of(si)) + off;
        y->size = size;
        y->section = si;
        y->type = rnd(2) ? SS_SYM_OBJECT : SS_SYM_NOTYPE;
        y->bind = rnd(2) ? SS_BIND_GLOBAL : SS_BIND_LOCAL;
        y->defined = true;
    }

    /* Below and from 15, 31, 63 and 127 (where the search reads blocks of 8, 16, 32 and 64
     * bytes) and around them. */
    static const uint64_t mins[] = {1,  2,  8,  14, 15, 16,  20,  23,  30, 31,
                                    40, 50, 62, 63, 64, 100, 126, 127, 200};
    ss_analysis_opts o = ss_analysis_opts_default();
    o.which = SS_AN_BSS;
    o.zero_run_min = mins[rnd(sizeof mins / sizeof mins[0])];
    ss_bss_result res;
    ss_diag d;
    memset(&d, 0, sizeof d);
    ss_status st = ss_bss_analyze(im, &o, &res, &d);
    CHECK(st == SS_OK, t);
    if (st != SS_OK) {
        ss_image_free(im);
        return;
    }

    /* The model's zero runs. */
    static ss_zero_run runs[NSEC * SECSZ], got[NSEC * SECSZ];
    size_t nruns = 0;
    uint64_t run_bytes = 0;
    bool has_sym[NSEC] = {false};
    for (size_t i = 0; i < nsym; i++)
        has_sym[im->symbols[i].section] = true;
    for (int si = 1; si < NSEC; si++) {
        if (kinds[si] != SS_KIND_DATA || has_sym[si])
            continue; /* runs are looked for in data without symbols */
        uint64_t start = 0, len = 0;
        for (uint64_t off = 0; off <= SECSZ; off++) {
            bool good = off < SECSZ && bytes[si * SECSZ + off] == 0 &&
                        !written(im, relocatable, false, si, off);
            if (good) {
                if (len++ == 0)
                    start = off;
                continue;
            }
            if (len >= o.zero_run_min) {
                runs[nruns++] = (ss_zero_run){si, start, len};
                run_bytes += len;
            }
            len = 0;
        }
    }
    CHECK(res.zero_run_count == nruns, t);
    CHECK(res.zero_run_bytes == run_bytes, t);
    if (nruns > SS_KEEP_OBJECTS) {
        CHECK(res.nzero_runs == SS_KEEP_OBJECTS, t);
    } else if (res.nzero_runs == nruns) {
        if (nruns)
            memcpy(got, res.zero_runs, nruns * sizeof *got);
        qsort(got, nruns, sizeof *got, run_cmp);
        bool same = true;
        for (size_t i = 0; i < nruns; i++)
            same &= got[i].section == runs[i].section && got[i].offset == runs[i].offset &&
                    got[i].size == runs[i].size;
        CHECK(same, t);
    } else {
        CHECK(res.nzero_runs == nruns, t);
    }

    /* The model's objects: per place the largest size; zero and never written. */
    uint64_t count[4] = {0}, cover[4] = {0};
    for (int si = 2; si <= 3; si++) {
        bool covered[SECSZ] = {false};
        uint64_t best[SECSZ] = {0};
        for (size_t i = 0; i < nsym; i++) {
            const ss_symbol *y = &im->symbols[i];
            uint64_t off = y->value - (relocatable ? 0 : vaddr_of(si));
            if (y->section == si && y->size > best[off])
                best[off] = y->size;
        }
        for (uint64_t off = 0; off < SECSZ; off++) {
            if (best[off] == 0)
                continue;
            bool ok = true;
            for (uint64_t b = off; b < off + best[off] && ok; b++)
                ok = bytes[si * SECSZ + b] == 0 && !written(im, relocatable, true, si, b);
            if (!ok)
                continue;
            count[si]++;
            for (uint64_t b = off; b < off + best[off]; b++)
                covered[b] = true;
        }
        for (uint64_t b = 0; b < SECSZ; b++)
            cover[si] += covered[b];
    }
    CHECK(res.movable_count == count[2] && res.movable_bytes == cover[2], t);
    CHECK(res.readonly_zero_count == count[3] && res.readonly_zero_bytes == cover[3], t);
    ss_image_free(im);
}

int main(void)
{
    for (int t = 0; t < 1000; t++)
        trial(t);
    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
