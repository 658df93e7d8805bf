/* literals_unit.c - the literals analysis (core/literals.c) on random synthetic images against a
 * byte-by-byte model, with references of every kind, before the readers fill them.
 *
 * Each trial lays tokens (a Rust-style message without a NUL, a printf format ending in "\n"
 * and a NUL, a 48-byte table, a 24-byte table, zero fill, a C string) at random into two
 * literal sections and one writable section, and cuts them with references (by address in
 * linked images, by section and offset in objects; pairs with a length; targets past the
 * section, in the writable section or nowhere) and object symbols. The model marks boundaries
 * in a byte map, cuts pieces, applies the definitions of analysis.h byte by byte and groups
 * equal pieces by comparing every pair. Checked: boundaries, count, bytes, unique, and the
 * exact duplicates' waste (duplicate_bytes - anchored_bytes); for every reported row, that its
 * kept copies hold equal bytes and start and end at boundaries. A fixed case checks that the
 * printf format, which strings(1) does not count, is found as text when references bound it.
 * Prints one line per failed check and "N passed, N failed"; exits 1 when anything failed. */
#include <stdint.h> /* uint64_t */
#include <stdio.h>  /* printf */
#include <stdlib.h> /* calloc, free */
#include <string.h> /* memcmp, memcpy, memset, strlen */

#include "analysis.h"
#include "image.h"

#define UNIT_SEED 0x9e3779b97f4a7c15u
#include "unit_check.h"

/* Sections of 2 KiB, densely cut (the analysis sorts the boundaries through a bit map), or of
 * 64 KiB, sparsely cut (through the radix sort): see sort_bounds in core/literals.c. */
static uint64_t SECSZ, FILESZ, SEC_OFF[3];
static const uint64_t SEC_VA[3] = {0x401000, 0x441000, 0x481000};

static const char MSG[] = "called `Option::unwrap()` on a `None` value";
static const char FMT[] = "count %d items\n"; /* + NUL: 16 bytes, not a C string */
static const char CSTR[] = "a plain C string here"; /* + NUL: left to the strings analysis */
static uint8_t T48[48], T24[24];

typedef struct {
    const uint8_t *p;
    size_t n;
} token;

static token tok(int k)
{
    switch (k) {
    case 0: return (token){(const uint8_t *)MSG, sizeof MSG - 1};
    case 1: return (token){(const uint8_t *)FMT, sizeof FMT};  /* with its NUL */
    case 2: return (token){T48, sizeof T48};
    case 3: return (token){T24, sizeof T24};
    case 4: { static const uint8_t z[32]; return (token){z, sizeof z}; }
    default: return (token){(const uint8_t *)CSTR, sizeof CSTR}; /* with its NUL */
    }
}

/* ---- the model ------------------------------------------------------------------------------ */

static bool fill(const uint8_t *p, size_t n)
{
    for (size_t k = 1; k <= 8 && k < n; k++) {
        size_t i = k;
        while (i < n && p[i] == p[i - k])
            i++;
        if (i == n)
            return true;
    }
    return false;
}

static bool printable(uint8_t b, bool nl)
{
    return (b >= 0x20 && b < 0x7f) || b == '\t' || (nl && (b == '\n' || b == '\r'));
}

/* One string of the strings analysis: text (no \n) and NULs, where a run starts. */
static bool cstring(const uint8_t *file, uint64_t sec_off, uint64_t off, size_t n)
{
    size_t t = n;
    while (t && file[off + t - 1] == 0)
        t--;
    if (t == n || t < SS_MIN_STRING_DEFAULT)
        return false;
    for (size_t i = 0; i < t; i++)
        if (!printable(file[off + i], false))
            return false;
    return off == sec_off || !printable(file[off - 1], false);
}

static bool textual(const uint8_t *p, size_t n)
{
    while (n && p[n - 1] == 0)
        n--;
    if (n == 0)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!printable(p[i], true))
            return false;
    return true;
}

typedef struct {
    uint64_t boundaries, count, bytes, unique, exact_waste;
} model;

static void run_model(const uint8_t *file, const uint8_t *mark, model *m)
{
    memset(m, 0, sizeof *m);
    /* every candidate object: offset, object length (text less its NUL padding), C string? */
    uint64_t *po = malloc(2 * (SECSZ + 1) * sizeof *po), *pl = malloc(2 * (SECSZ + 1) * sizeof *pl);
    bool *cs = malloc(2 * (SECSZ + 1) * sizeof *cs);
    size_t np = 0;
    if (po == NULL || pl == NULL || cs == NULL)
        abort();
    for (int s = 0; s < 2; s++) { /* the literal sections */
        uint64_t last = SEC_OFF[s];
        for (uint64_t o = SEC_OFF[s]; o <= SEC_OFF[s] + SECSZ; o++) {
            if (!mark[o])
                continue;
            if (o > last) {
                size_t n = (size_t)(o - last), ol = n;
                if (n >= SS_LITERAL_MIN && file[last + n - 1] == 0 && textual(file + last, n))
                    while (ol && file[last + ol - 1] == 0)
                        ol--;
                if (ol + (ol < n) >= SS_LITERAL_MIN && !fill(file + last, ol)) {
                    po[np] = last;
                    pl[np] = ol;
                    cs[np++] = cstring(file, SEC_OFF[s], last, n);
                }
            }
            last = o;
        }
    }
    /* each place once: the first section's end is the second's start */
    for (uint64_t o = SEC_OFF[0]; o <= SEC_OFF[1] + SECSZ; o++)
        m->boundaries += mark[o];
    /* groups of equal objects; those whose every copy is a C string belong to strings */
    for (size_t i = 0; i < np; i++) {
        size_t first = i, copies = 0, plain = 0;
        for (size_t j = 0; j < np; j++)
            if (pl[j] == pl[i] && memcmp(file + po[j], file + po[i], pl[i]) == 0) {
                if (copies == 0)
                    first = j;
                copies++;
                plain += !cs[j];
            }
        if (first != i || plain == 0)
            continue;
        m->unique++;
        m->count += copies;
        m->bytes += copies * pl[i];
        m->exact_waste += (copies - 1) * pl[i];
    }
    free(po);
    free(pl);
    free(cs);
}

/* ---- one trial ------------------------------------------------------------------------------ */

static bool is_mark(const uint8_t *mark, uint64_t off)
{
    return off < FILESZ && mark[off];
}

static void trial(int t, bool relocatable, bool fixed, bool sparse)
{
    SECSZ = sparse ? 65536 : 2048;
    FILESZ = 0x100 + 3 * SECSZ;
    for (int s = 0; s < 3; s++)
        SEC_OFF[s] = 0x100 + (uint64_t)s * SECSZ;
    uint8_t *file = calloc(FILESZ, 1), *mark = calloc(FILESZ + 1, 1);
    ss_image *im = ss_image_new((ss_span){file, FILESZ}, 0, "synthetic", NULL, 64u << 20);
    if (file == NULL || mark == NULL || im == NULL) {
        CHECK(!"out of memory", t);
        return;
    }
    im->type = relocatable ? SS_TYPE_RELOCATABLE : SS_TYPE_EXECUTABLE;
    static const char *const names[3] = {".rodata", ".rodata.rel", ".data"};
    for (int s = 0; s < 3; s++) {
        ss_section *sec = ss_image_add_section(im);
        sec->name = names[s];
        sec->kind = s < 2 ? SS_KIND_RODATA : SS_KIND_DATA;
        sec->alloc = true;
        sec->literals = s < 2;
        sec->perms = s < 2 ? SS_PERM_R : SS_PERM_R | SS_PERM_W;
        sec->offset = SEC_OFF[s];
        sec->file_size = sec->vm_size = SECSZ;
        sec->vaddr = relocatable ? 0 : SEC_VA[s];
    }
    for (int s = 0; s < 2; s++)
        mark[SEC_OFF[s]] = mark[SEC_OFF[s] + SECSZ] = 1;
    /* tokens and their references */
    for (int s = 0; s < 3; s++) {
        uint64_t o = 0;
        int k = 0;
        while (o < SECSZ) {
            int kind = fixed ? (k == 1 || k == 3 ? 1 : k == 0 ? 5 : 3) : (int)rnd(6);
            k++;
            token tk = tok(kind);
            if (o + tk.n > SECSZ)
                break;
            memcpy(file + SEC_OFF[s] + o, tk.p, tk.n);
            uint64_t start = SEC_OFF[s] + o;
            uint64_t r = fixed ? 0 : sparse && rnd(40) ? 9 : rnd(10);
            if (r < 7) { /* a reference to it: code, relocation, or a pair with its length */
                ss_ref *f = ss_image_add_ref(im);
                f->source = (uint8_t)(r % 3);
                f->addr = relocatable ? o : SEC_VA[s] + o;
                f->section = relocatable ? s : -1;
                f->len = f->source == SS_REF_PAIR ? tk.n : 0;
                if (s < 2) {
                    mark[start] = 1;
                    if (f->len)
                        mark[start + f->len] = 1;
                }
            } else if (r == 7) { /* an object symbol with its size */
                ss_symbol *y = ss_image_add_symbol(im);
                y->name = "obj";
                y->defined = true;
                y->type = SS_SYM_OBJECT;
                y->section = s;
                y->value = relocatable ? o : SEC_VA[s] + o;
                y->size = tk.n;
                if (s < 2)
                    mark[start] = mark[start + tk.n] = 1;
            }
            o += tk.n + (fixed ? 0 : rnd(3) == 0 ? rnd(5) : 0);
        }
    }
    if (!fixed) { /* hostile references and symbols: none gives a boundary */
        ss_ref *f = ss_image_add_ref(im);
        f->addr = relocatable ? SECSZ + 10 : SEC_VA[1] + SECSZ + 10;
        f->section = relocatable ? 1 : -1;
        f = ss_image_add_ref(im);
        f->addr = relocatable ? 5 : 0x10; /* objects: section 7 does not exist */
        f->section = relocatable ? 7 : -1;
        f = ss_image_add_ref(im); /* a pair whose length runs past the section: its start only */
        f->source = SS_REF_PAIR;
        f->addr = relocatable ? 100 : SEC_VA[0] + 100;
        f->section = relocatable ? 0 : -1;
        f->len = UINT32_MAX - 50; /* ss_ref.len is 32 bits */
        mark[SEC_OFF[0] + 100] = 1;
        ss_symbol *y = ss_image_add_symbol(im);
        y->name = "past";
        y->defined = true;
        y->type = SS_SYM_OBJECT;
        y->section = 0;
        y->value = relocatable ? SECSZ + 1 : SEC_VA[0] + SECSZ + 1;
        y->size = 16;
        y = ss_image_add_symbol(im); /* a function: no boundary */
        y->name = "fn";
        y->defined = true;
        y->type = SS_SYM_FUNC;
        y->section = 0;
        y->value = relocatable ? 7 : SEC_VA[0] + 7;
        y->size = 16;
    }
    im->refs = im->v_refs.items;
    im->nrefs = im->v_refs.count;
    im->symbols = im->v_symbols.items;
    im->nsymbols = im->v_symbols.count;
    im->sections = im->v_sections.items;
    im->nsections = im->v_sections.count;

    model m;
    run_model(file, mark, &m);
    ss_analysis_opts o = ss_analysis_opts_default();
    ss_literals_result r;
    ss_diag d = {0};
    CHECK(ss_literals_analyze(im, &o, &r, &d) == SS_OK, t);
    CHECK(r.boundaries == m.boundaries, t);
    CHECK(r.count == m.count, t);
    CHECK(r.bytes == m.bytes, t);
    CHECK(r.unique == m.unique, t);
    CHECK(r.duplicate_bytes - r.anchored_bytes == m.exact_waste, t);
    CHECK(r.duplicate_bytes == r.text_bytes + r.table_bytes, t);
    if (r.boundaries != m.boundaries || r.count != m.count || r.unique != m.unique ||
        r.duplicate_bytes - r.anchored_bytes != m.exact_waste)
        printf("  trial %d: boundaries %llu/%llu count %llu/%llu unique %llu/%llu exact waste "
               "%llu/%llu\n", t, (unsigned long long)r.boundaries,
               (unsigned long long)m.boundaries, (unsigned long long)r.count,
               (unsigned long long)m.count, (unsigned long long)r.unique,
               (unsigned long long)m.unique,
               (unsigned long long)(r.duplicate_bytes - r.anchored_bytes),
               (unsigned long long)m.exact_waste);
    for (size_t i = 0; i < r.nduplicates; i++) {
        const ss_literal_dup *e = &r.duplicates[i];
        size_t ends = 0;
        CHECK(e->wasted == (e->copies - 1) * e->len, t);
        CHECK(e->noffsets == (e->copies < SS_KEEP_OFFSETS ? e->copies : SS_KEEP_OFFSETS), t);
        CHECK(e->table == !textual(file + e->offsets[0], e->len), t);
        for (size_t k = 0; k < e->noffsets; k++) {
            CHECK(e->offsets[k] + e->len <= FILESZ, t);
            CHECK(memcmp(file + e->offsets[k], file + e->offsets[0], e->len) == 0, t);
            /* every copy starts at a boundary; copies end at one (text: NULs may follow it up
             * to one), except a copy whose piece runs on past the group's object */
            uint64_t end = e->offsets[k] + e->len;
            while (!e->table && end < FILESZ && !mark[end] && file[end] == 0)
                end++;
            CHECK(is_mark(mark, e->offsets[k]), t);
            ends += is_mark(mark, end);
            CHECK(e->offset_sections[k] == (e->offsets[k] < SEC_OFF[1] ? 0 : 1), t);
            CHECK(k == 0 || e->offsets[k] > e->offsets[k - 1], t);
        }
        CHECK(ends >= 1, t);
    }
    if (fixed) {
        /* "a plain C string here" once (the strings analysis' own), then the printf format
         * twice between references, the 24-byte table, ...: the format is a text duplicate */
        bool found = false;
        for (size_t i = 0; i < r.nduplicates; i++)
            found |= !r.duplicates[i].table && r.duplicates[i].len == sizeof FMT - 1 &&
                     strcmp(r.duplicates[i].text, FMT) == 0 && r.duplicates[i].copies >= 4;
        CHECK(found, t);
        CHECK(r.text_bytes > 0 && r.table_bytes > 0, t);
    }
    ss_image_free(im);
    free(file);
    free(mark);
}

int main(void)
{
    for (int i = 0; i < 24; i++)
        T48[i * 2] = (uint8_t)(i * 37 + 1), T48[i * 2 + 1] = (uint8_t)(0x80 | i);
    for (int i = 0; i < 24; i++)
        T24[i] = (uint8_t)(i * 91 + 7);
    trial(0, false, true, false);
    trial(1, true, true, false);
    for (int t = 2; t < 400; t++)
        trial(t, t % 2 == 1, false, false);
    for (int t = 400; t < 440; t++)
        trial(t, t % 2 == 1, false, true);
    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
