/* image.c - building an image and its exact file map. */
#include "image.h"
#include "bigmem.h" /* ss_big_alloc: the literal sections' copy */
#include "sizes.h"  /* ss_sizes_compute: totals that saturate are a warning */

#include <stdarg.h> /* va_list */
#include <stdint.h> /* uintptr_t */
#include <stdio.h>  /* vsnprintf */
#include <stdlib.h> /* calloc, free, qsort */
#include <errno.h>  /* EINTR */
#include <string.h> /* memchr, memcpy */
#include <unistd.h> /* pread */

#define MAX_WARNINGS 64

ss_image *ss_image_new(ss_span bytes, uint64_t base_offset, const char *path, const char *member,
                       size_t arena_cap)
{
    ss_image *im = calloc(1, sizeof *im);
    if (im == NULL)
        return NULL;
    im->arena = ss_arena_new(arena_cap);
    if (im->arena == NULL) {
        free(im);
        return NULL;
    }
    im->bytes = bytes;
    im->src_fd = -1;
    im->base_offset = base_offset;
    im->file_size = bytes.len;
    im->path = path ? ss_arena_strndup(im->arena, path, strlen(path)) : NULL;
    im->member = member ? ss_arena_strndup(im->arena, member, strlen(member)) : NULL;
    ss_vec_init(&im->v_segments, sizeof(ss_segment));
    ss_vec_init(&im->v_sections, sizeof(ss_section));
    ss_vec_init(&im->v_symbols, sizeof(ss_symbol));
    ss_vec_init(&im->v_relocs, sizeof(ss_reloc));
    ss_vec_init(&im->v_refs, sizeof(ss_ref));
    ss_vec_init(&im->v_regions, sizeof(ss_region));
    ss_vec_init(&im->v_noliteral, sizeof(ss_region));
    ss_vec_init(&im->v_warnings, sizeof(ss_warning));
    ss_vec_init(&im->v_checks, sizeof(ss_hcheck));
    ss_vec_init(&im->v_fields, sizeof(ss_field));
    return im;
}

void ss_image_free(ss_image *im)
{
    if (im == NULL)
        return;
    ss_big_free(im->lit_copy, im->lit_len);
    ss_arena_free(im->arena);
    free(im);
}

/* Each appender republishes its array, so im->segments, im->sections ... are valid at every
 * moment (a pointer to an element is valid only until the next add of its kind). */
#define PUBLISH(im, vec, arr, n) ((im)->arr = (im)->vec.items, (im)->n = (im)->vec.count)

ss_segment *ss_image_add_segment(ss_image *im)
{
    ss_segment *g = ss_vec_push(im->arena, &im->v_segments);
    PUBLISH(im, v_segments, segments, nsegments);
    return g;
}

ss_section *ss_image_add_section(ss_image *im)
{
    ss_section *s = ss_vec_push(im->arena, &im->v_sections);
    PUBLISH(im, v_sections, sections, nsections);
    if (s)
        s->segment = -1;
    return s;
}

ss_symbol *ss_image_add_symbol(ss_image *im)
{
    ss_symbol *s = ss_vec_push(im->arena, &im->v_symbols);
    PUBLISH(im, v_symbols, symbols, nsymbols);
    if (s)
        s->section = -1;
    return s;
}

ss_reloc *ss_image_add_reloc(ss_image *im)
{
    ss_reloc *r = ss_vec_push(im->arena, &im->v_relocs);
    PUBLISH(im, v_relocs, relocs, nrelocs);
    if (r)
        r->section = -1;
    return r;
}

ss_reloc *ss_image_add_relocs(ss_image *im, size_t n)
{
    if (n == 0 || !ss_vec_reserve(im->arena, &im->v_relocs, n))
        return NULL;
    ss_reloc *first = (ss_reloc *)im->v_relocs.items + im->v_relocs.count;
    im->v_relocs.count += n;
    PUBLISH(im, v_relocs, relocs, nrelocs);
    return first;
}

ss_ref *ss_image_add_ref(ss_image *im)
{
    ss_ref *r = ss_vec_push(im->arena, &im->v_refs);
    PUBLISH(im, v_refs, refs, nrefs);
    if (r)
        r->section = -1;
    return r;
}

bool ss_image_read(const ss_image *im, uint64_t off, void *buf, size_t len)
{
    if (off > im->bytes.len || len > im->bytes.len - off)
        return false;
    size_t got = 0;
    if (im->src_fd >= 0) {
        off_t at = (off_t)(im->base_offset + off);
        while (got < len) {
            ssize_t r = pread(im->src_fd, (uint8_t *)buf + got, len - got, at + (off_t)got);
            if (r < 0 && errno == EINTR)
                continue;
            if (r <= 0)
                break;
            got += (size_t)r;
        }
    }
    /* The rest (a buffer; or a file that shrank, whose mapping then faults and the mapguard
     * turns that into the input's error) from the bytes themselves. */
    if (got < len)
        memcpy((uint8_t *)buf + got, im->bytes.p + off + got, len - got);
    return true;
}

ss_ref *ss_image_add_refs(ss_image *im, size_t n)
{
    if (n == 0 || !ss_vec_reserve(im->arena, &im->v_refs, n))
        return NULL;
    ss_ref *first = (ss_ref *)im->v_refs.items + im->v_refs.count;
    im->v_refs.count += n;
    PUBLISH(im, v_refs, refs, nrefs);
    return first;
}

void ss_image_drop_refs(ss_image *im, size_t n)
{
    ss_vec_trim(im->arena, &im->v_refs, n);
    PUBLISH(im, v_refs, refs, nrefs);
}

bool ss_image_lit_range(const ss_image *im, const ss_section *s, uint64_t *off, uint64_t *len)
{
    if (!s->alloc || !s->literals || s->file_size == 0 || s->compression != SS_COMP_NONE)
        return false;
    uint64_t n = s->file_size;
    if (s->vm_size && s->vm_size < n)
        n = s->vm_size;
    ss_span b;
    if (!ss_span_sub(im->bytes, s->offset, n, &b) || b.len == 0)
        return false;
    *off = s->offset;
    *len = b.len;
    return true;
}

/* A copy is made when the sections' bytes are at least half the range they span, and the
 * range is at most LIT_COPY_MAX bytes: beyond that the mapping's pages, which the kernel can
 * drop and read again, cost less than memory of our own (the largest library of the project's
 * machine, libLLVM-15, has 35 MB of .rodata). */
#define LIT_COPY_SPREAD 2
#define LIT_COPY_MAX ((uint64_t)256 << 20)

void ss_image_copy_literals(ss_image *im)
{
    if (im->src_fd < 0 || im->lit_copy != NULL)
        return;
    uint64_t lo = UINT64_MAX, hi = 0, total = 0;
    for (size_t i = 0; i < im->nsections; i++) {
        uint64_t off, len;
        if (!ss_image_lit_range(im, &im->sections[i], &off, &len))
            continue;
        lo = off < lo ? off : lo;
        hi = off + len > hi ? off + len : hi; /* inside the image: no overflow */
        total += len;
    }
    if (total == 0 || hi - lo > LIT_COPY_SPREAD * total || hi - lo > LIT_COPY_MAX)
        return;
    size_t n = (size_t)(hi - lo);
    uint8_t *buf = ss_big_alloc_raw(n);
    if (buf == NULL)
        return;
    if (!ss_image_read(im, lo, buf, n)) {
        ss_big_free(buf, n);
        return;
    }
    im->lit_copy = buf;
    im->lit_lo = lo;
    im->lit_len = n;
}

const uint8_t *ss_image_lit_base(const ss_image *im)
{
    if (im->lit_copy == NULL)
        return im->bytes.p;
    /* an address, not an object: only base + off for off in [lit_lo, lit_lo + lit_len] is used */
    return (const uint8_t *)((uintptr_t)im->lit_copy - (uintptr_t)im->lit_lo);
}

const uint8_t *ss_image_view(const ss_image *im, uint64_t off, size_t len, void *buf)
{
    if (off > im->bytes.len || len > im->bytes.len - off)
        return NULL;
    if (im->src_fd < 0)
        return im->bytes.p + off;
    return ss_image_read(im, off, buf, len) ? buf : NULL;
}

/* Appends a named range to a list of regions (size 0: nothing); false only on OOM. */
static bool push_region(ss_image *im, ss_vec *v, const char *name, uint64_t offset,
                        uint64_t size)
{
    if (size == 0)
        return true;
    ss_region *r = ss_vec_push(im->arena, v);
    if (r != NULL)
        *r = (ss_region){name, offset, size};
    return r != NULL;
}

bool ss_image_add_region(ss_image *im, const char *name, uint64_t offset, uint64_t size)
{
    bool ok = push_region(im, &im->v_regions, name, offset, size);
    PUBLISH(im, v_regions, regions, nregions);
    return ok;
}

bool ss_image_add_noliteral(ss_image *im, const char *name, uint64_t offset, uint64_t size)
{
    bool ok = push_region(im, &im->v_noliteral, name, offset, size);
    PUBLISH(im, v_noliteral, noliteral, nnoliteral);
    return ok;
}

void ss_image_warn(ss_image *im, uint64_t offset, const char *fmt, ...)
{
    if (im->v_warnings.count > MAX_WARNINGS)
        return;
    ss_warning *w = ss_vec_push(im->arena, &im->v_warnings);
    PUBLISH(im, v_warnings, warnings, nwarnings);
    if (w == NULL)
        return;
    w->offset = offset;
    if (im->v_warnings.count > MAX_WARNINGS) {
        w->message = "further warnings omitted";
        w->offset = UINT64_MAX;
        return;
    }
    char buf[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    w->message = ss_arena_strndup(im->arena, buf, strlen(buf));
    if (w->message == NULL)
        w->message = "warning (out of memory for its text)";
}

const char *ss_image_name(ss_image *im, const char *s, size_t n)
{
    return ss_arena_strndup(im->arena, s, n);
}

/* ---- many sections to segments -------------------------------------------------------------
 * "The first loadable segment (by index) that holds [v, v + size)" is a dominance query: a
 * segment [s, e) holds it when s <= v and e >= v + size. Asked once per section against every
 * segment it was sections x segments (65,535 of each in a hostile ELF). Answered offline: the
 * queries sorted by v, the segments by s; a segment enters a Fenwick tree over its end (largest
 * end first) when the sweep passes its start, and each query takes the smallest index among the
 * entered segments whose end is large enough: O((segments + queries) log segments).
 * Ends and v + size are exact 65-bit numbers (hi, lo): a segment may end past 2^64. */

typedef struct {
    uint64_t hi, lo;
} wide;

static wide wide_add(uint64_t a, uint64_t b)
{
    return (wide){a + b < a, a + b};
}

static bool wide_ge(wide a, wide b)
{
    return a.hi != b.hi ? a.hi > b.hi : a.lo >= b.lo;
}

typedef struct {
    uint64_t start;
    wide end;
    size_t index;
} seg_iv;

typedef struct {
    uint64_t v;
    size_t i;
} query_at;

static int by_start(const void *a, const void *b)
{
    const seg_iv *x = a, *y = b;
    if (x->start != y->start)
        return x->start < y->start ? -1 : 1;
    return x->index < y->index ? -1 : x->index > y->index;
}

static int by_end_desc(const void *a, const void *b)
{
    const seg_iv *x = a, *y = b;
    if (x->end.hi != y->end.hi || x->end.lo != y->end.lo)
        return wide_ge(x->end, y->end) ? -1 : 1;
    return x->index < y->index ? -1 : x->index > y->index;
}

static int by_v(const void *a, const void *b)
{
    const query_at *x = a, *y = b;
    if (x->v != y->v)
        return x->v < y->v ? -1 : 1;
    return x->i < y->i ? -1 : x->i > y->i;
}

bool ss_image_segments_of(const ss_image *im, const uint64_t *vaddr, const uint64_t *size,
                          size_t n, int64_t *out)
{
    for (size_t i = 0; i < n; i++)
        out[i] = -1;
    size_t nseg = 0, nzero = 0;
    for (size_t j = 0; j < im->nsegments; j++)
        if (im->segments[j].loadable)
            im->segments[j].vm_size ? nseg++ : nzero++;
    if (n == 0 || nseg + nzero == 0)
        return true;
    seg_iv *byst = malloc((nseg + 1) * sizeof *byst), *byend = malloc((nseg + 1) * sizeof *byend);
    seg_iv *zero = malloc((nzero + 1) * sizeof *zero);
    size_t *pos = malloc((im->nsegments + 1) * sizeof *pos); /* segment index -> tree position */
    size_t *tree = malloc((nseg + 1) * sizeof *tree);           /* 1-based; SIZE_MAX: none */
    query_at *q = malloc(n * sizeof *q);
    bool ok = byst && byend && zero && pos && tree && q;
    if (ok) {
        size_t a = 0, z = 0;
        for (size_t j = 0; j < im->nsegments; j++) {
            const ss_segment *g = &im->segments[j];
            if (!g->loadable)
                continue;
            seg_iv iv = {g->vaddr, wide_add(g->vaddr, g->vm_size), j};
            if (g->vm_size) {
                byst[a] = byend[a] = iv;
                a++;
            } else
                zero[z++] = iv;
        }
        qsort(byst, nseg, sizeof *byst, by_start);
        qsort(byend, nseg, sizeof *byend, by_end_desc);
        qsort(zero, nzero, sizeof *zero, by_start);
        for (size_t p = 0; p < nseg; p++) {
            pos[byend[p].index] = p + 1;
            tree[p + 1] = SIZE_MAX;
        }
        for (size_t i = 0; i < n; i++)
            q[i] = (query_at){vaddr[i], i};
        qsort(q, n, sizeof *q, by_v);
        size_t next = 0;
        for (size_t k = 0; k < n; k++) {
            uint64_t v = q[k].v, sz = size[q[k].i];
            for (; next < nseg && byst[next].start <= v; next++)
                for (size_t p = pos[byst[next].index]; p <= nseg; p += p & (0 - p))
                    if (byst[next].index < tree[p])
                        tree[p] = byst[next].index;
            /* The entered segments whose end reaches v + size (v + 1: the address itself) are a
             * prefix of byend: its length by binary search. */
            wide need = wide_add(v, sz ? sz : 1);
            size_t lo = 0, hi = nseg;
            while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;
                if (wide_ge(byend[mid].end, need))
                    lo = mid + 1;
                else
                    hi = mid;
            }
            size_t best = SIZE_MAX;
            for (size_t p = lo; p > 0; p -= p & (0 - p))
                if (tree[p] < best)
                    best = tree[p];
            if (sz == 0) { /* an empty segment that starts at v holds the address too */
                size_t zl = 0, zh = nzero;
                while (zl < zh) {
                    size_t mid = zl + (zh - zl) / 2;
                    if (zero[mid].start < v)
                        zl = mid + 1;
                    else
                        zh = mid;
                }
                if (zl < nzero && zero[zl].start == v && zero[zl].index < best)
                    best = zero[zl].index;
            }
            if (best != SIZE_MAX)
                out[q[k].i] = (int64_t)best;
        }
    }
    free(byst);
    free(byend);
    free(zero);
    free(pos);
    free(tree);
    free(q);
    return ok;
}

/* ---- file map -------------------------------------------------------------------------- */

typedef struct {
    uint64_t start, end;
    ss_map_what what;
    int64_t index;
} claim;

static int claim_cmp(const void *a, const void *b)
{
    const claim *x = a, *y = b;
    if (x->start != y->start)
        return x->start < y->start ? -1 : 1;
    if (x->what != y->what) /* regions (headers) before sections at the same offset */
        return x->what == SS_MAP_REGION ? -1 : 1;
    if (x->end != y->end) /* the larger first */
        return x->end > y->end ? -1 : 1;
    return x->index < y->index ? -1 : x->index > y->index;
}

/* The largest gap between claims read to tell padding from other bytes: above the largest
 * alignment linkers pad to (64 KiB pages on arm64, 2 MiB huge-page segments). */
#define PADDING_MAX (2u << 20)

static bool all_zero(const uint8_t *p, uint64_t n)
{
    for (uint64_t i = 0; i < n; i++)
        if (p[i])
            return false;
    return true;
}

static bool map_push(ss_image *im, ss_vec *v, uint64_t off, uint64_t size, ss_map_what what,
                     int64_t index)
{
    if (size == 0)
        return true;
    /* Padding is all zero; a gap too large to be a linker's alignment is called unmapped
     * without reading it: bytes no header points at are not read (a 1 GiB sparse file with a
     * good header at the front took 18 s and 1 GB of page cache for --only sizes). */
    if (what == SS_MAP_PADDING && (size > PADDING_MAX || !all_zero(im->bytes.p + off, size)))
        what = SS_MAP_UNMAPPED;
    ss_map_entry *prev = v->count ? (ss_map_entry *)v->items + v->count - 1 : NULL;
    if (prev && prev->what == what && what >= SS_MAP_PADDING && prev->offset + prev->size == off) {
        prev->size += size;
        return true;
    }
    ss_map_entry *e = ss_vec_push(im->arena, v);
    if (e == NULL)
        return false;
    e->offset = off;
    e->size = size;
    e->what = what;
    e->index = index;
    return true;
}

/* Attribute every byte of the image exactly once: claims are taken in offset order (headers
 * before sections at one offset); a byte already taken stays with its first claimant, and bytes
 * claimed by nothing become padding (all zero) or unmapped (anything else). */
static ss_status build_map(ss_image *im, ss_diag *d)
{
    uint64_t len = im->bytes.len;
    size_t n = im->nregions + im->nsections;
    claim *cl = n ? ss_arena_array(im->arena, n, sizeof *cl) : NULL;
    if (n && cl == NULL)
        return ss_fail_nooff(d, SS_E_NOMEM, "out of memory building the file map");
    size_t k = 0;
    for (size_t i = 0; i < im->nregions; i++) {
        const ss_region *r = &im->regions[i];
        if (r->offset >= len)
            continue;
        uint64_t end = r->size > len - r->offset ? len : r->offset + r->size;
        cl[k++] = (claim){r->offset, end, SS_MAP_REGION, (int64_t)i};
    }
    for (size_t i = 0; i < im->nsections; i++) {
        const ss_section *s = &im->sections[i];
        if (s->file_size == 0 || s->offset >= len)
            continue;
        uint64_t end = s->file_size > len - s->offset ? len : s->offset + s->file_size;
        cl[k++] = (claim){s->offset, end, SS_MAP_SECTION, (int64_t)i};
    }
    if (k)
        qsort(cl, k, sizeof *cl, claim_cmp);

    ss_vec v;
    ss_vec_init(&v, sizeof(ss_map_entry));
    uint64_t cur = 0;
    bool ok = true;
    for (size_t i = 0; i < k && ok; i++) {
        if (cl[i].end <= cur)
            continue;
        if (cl[i].start > cur)
            ok = map_push(im, &v, cur, cl[i].start - cur, SS_MAP_PADDING, -1);
        uint64_t from = cl[i].start > cur ? cl[i].start : cur;
        ok = ok && map_push(im, &v, from, cl[i].end - from, cl[i].what, cl[i].index);
        if (ok && cl[i].what == SS_MAP_SECTION)
            im->sections[cl[i].index].file_accounted += cl[i].end - from;
        cur = cl[i].end;
    }
    if (ok && cur < len)
        ok = map_push(im, &v, cur, len - cur, SS_MAP_PADDING, -1);
    if (!ok)
        return ss_fail_nooff(d, SS_E_NOMEM, "out of memory building the file map");
    im->map = v.items;
    im->nmap = v.count;
    return SS_OK;
}

void ss_image_tables_failed(ss_image *im, ss_status st, const ss_diag *d)
{
    im->tables_fn = NULL;
    im->tables_status = st;
    im->tables_diag = *d;
    if (im->tables_diag.has_offset)
        im->tables_diag.offset += im->base_offset;
}

bool ss_image_tables_unaffordable(const ss_image *im)
{
    return im->tables_status == SS_E_LIMIT || im->tables_status == SS_E_NOMEM;
}

ss_status ss_image_load_tables(ss_image *im)
{
    ss_status (*fn)(ss_image *, void *, ss_diag *) = im->tables_fn;
    if (fn == NULL)
        return im->tables_status;
    im->tables_fn = NULL;
    ss_diag *d = &im->tables_diag;
    ss_status st = fn(im, im->tables_ctx, d);
    if (st != SS_OK) {
        if (d->status == SS_OK) /* a reader that forgot to say why */
            ss_fail_nooff(d, st, "the symbol or relocation tables could not be read");
        if (d->has_offset)
            d->offset += im->base_offset;
    }
    im->tables_status = st;
    return st;
}

ss_status ss_image_finish(ss_image *im, ss_diag *d)
{
    im->file_size = im->bytes.len;
    for (size_t i = 0; i < im->nsections; i++)
        im->sections[i].file_accounted = 0;
    ss_status st = build_map(im, d);
    if (st == SS_OK) {
        ss_sizes sz;
        ss_sizes_compute(im, &sz);
        if (sz.saturated)
            ss_image_warn(im, UINT64_MAX, "%s", SS_SIZES_SATURATED_WARNING);
    }
    return st;
}

/* ---- names ----------------------------------------------------------------------------- */

const char *ss_format_name(ss_format f)
{
    switch (f) {
    case SS_FORMAT_ELF: return "elf";
    case SS_FORMAT_PE: return "pe";
    case SS_FORMAT_MACHO: return "macho";
    }
    return "unknown";
}

const char *ss_type_name(ss_type t)
{
    switch (t) {
    case SS_TYPE_EXECUTABLE: return "executable";
    case SS_TYPE_SHARED: return "shared";
    case SS_TYPE_RELOCATABLE: return "relocatable";
    case SS_TYPE_CORE: return "core";
    case SS_TYPE_BUNDLE: return "bundle";
    case SS_TYPE_DEBUG: return "debug";
    case SS_TYPE_OTHER: return "other";
    }
    return "other";
}

const char *ss_kind_name(ss_kind k)
{
    static const char *const names[SS_KIND_COUNT] = {
        [SS_KIND_CODE] = "code",         [SS_KIND_RODATA] = "rodata",
        [SS_KIND_DATA] = "data",         [SS_KIND_BSS] = "bss",
        [SS_KIND_TLS_DATA] = "tls-data", [SS_KIND_TLS_BSS] = "tls-bss",
        [SS_KIND_RELRO] = "relro",       [SS_KIND_DEBUG] = "debug",
        [SS_KIND_METADATA] = "metadata", [SS_KIND_OTHER] = "other",
    };
    return (unsigned)k < SS_KIND_COUNT ? names[k] : "other";
}

const char *ss_compression_name(ss_compression c)
{
    switch (c) {
    case SS_COMP_NONE: return "none";
    case SS_COMP_ZLIB: return "zlib";
    case SS_COMP_ZSTD: return "zstd";
    case SS_COMP_ZDEBUG: return "zdebug";
    case SS_COMP_UNKNOWN: return "unknown";
    }
    return "unknown";
}

const char *ss_perms_str(uint8_t perms, char buf[4])
{
    buf[0] = (perms & SS_PERM_R) ? 'r' : '-';
    buf[1] = (perms & SS_PERM_W) ? 'w' : '-';
    buf[2] = (perms & SS_PERM_X) ? 'x' : '-';
    buf[3] = '\0';
    return buf;
}

const char *ss_hval_name(ss_hval v)
{
    switch (v) {
    case SS_HV_NA: return "n-a";
    case SS_HV_YES: return "yes";
    case SS_HV_NO: return "no";
    case SS_HV_PARTIAL: return "partial";
    case SS_HV_UNKNOWN: return "unknown";
    case SS_HV_DEFAULT: return "default";
    case SS_HV_NONE: return "none";
    case SS_HV_FULL: return "full";
    }
    return "n-a";
}

const char *ss_severity_name(ss_severity s)
{
    return s == SS_SEV_ERROR ? "error" : s == SS_SEV_WARNING ? "warning" : "info";
}

/* ---- hardening checks ------------------------------------------------------------------- */

static ss_hcheck *check_of(const ss_image *im, const char *key)
{
    for (size_t i = 0; i < im->nchecks; i++)
        if (strcmp(im->checks[i].key, key) == 0)
            return &im->checks[i];
    return NULL;
}

const ss_hcheck *ss_image_find_check(const ss_image *im, const char *key)
{
    return check_of(im, key);
}

ss_hval ss_image_check_value(const ss_image *im, const char *key)
{
    const ss_hcheck *c = check_of(im, key);
    return c ? c->value : SS_HV_NA;
}

bool ss_image_check(ss_image *im, const char *key, ss_hval v, const char *evidence_fmt, ...)
{
    const char *ev = NULL;
    if (evidence_fmt) {
        va_list ap;
        va_start(ap, evidence_fmt);
        ev = ss_arena_vprintf(im->arena, evidence_fmt, ap);
        va_end(ap);
        if (ev == NULL)
            return false;
    }
    ss_hcheck *c = check_of(im, key);
    if (c == NULL) {
        c = ss_vec_push(im->arena, &im->v_checks);
        PUBLISH(im, v_checks, checks, nchecks);
        if (c == NULL)
            return false;
        c->key = key;
    }
    c->value = v;
    c->evidence = ev;
    return true;
}

bool ss_image_check_finding(ss_image *im, const char *key, const char *id, ss_severity sev,
                            const char *fmt, ...)
{
    ss_hcheck *c = check_of(im, key);
    if (c == NULL)
        return false;
    va_list ap;
    va_start(ap, fmt);
    const char *msg = ss_arena_vprintf(im->arena, fmt, ap);
    va_end(ap);
    if (msg == NULL)
        return false;
    c->finding_id = id;
    c->severity = sev;
    c->message = msg;
    return true;
}

bool ss_image_check_evidence(ss_image *im, const char *key, const ss_evidence *e)
{
    ss_hcheck *c = check_of(im, key);
    if (c == NULL)
        return false;
    c->ev_total++;
    if (c->nev >= SS_CHECK_EVIDENCE)
        return true;
    if (c->ev == NULL && (c->ev = ss_arena_array(im->arena, SS_CHECK_EVIDENCE, sizeof *c->ev)) == NULL)
        return false;
    c->ev[c->nev++] = *e;
    return true;
}

bool ss_image_field(ss_image *im, const char *name, uint64_t value)
{
    ss_field *f = ss_vec_push(im->arena, &im->v_fields);
    PUBLISH(im, v_fields, fields, nfields);
    if (f == NULL)
        return false;
    f->name = name;
    f->value = value;
    return true;
}

static ss_evidence evidence_blank(void)
{
    ss_evidence e;
    memset(&e, 0, sizeof e);
    e.index = -1;
    e.perms = -1;
    return e;
}

ss_evidence ss_evidence_segment(const ss_image *im, size_t i)
{
    ss_evidence e = evidence_blank();
    const ss_segment *g = &im->segments[i];
    e.what = "segment";
    e.name = g->name;
    e.index = (int64_t)i;
    e.perms = g->perms;
    e.has_flags = true;
    e.flags = g->raw_flags;
    e.has_vaddr = true;
    e.vaddr = g->vaddr;
    e.has_offset = true;
    e.offset = g->offset;
    e.has_size = true;
    e.size = g->vm_size;
    return e;
}

ss_evidence ss_evidence_section(const ss_image *im, size_t i, bool has_size, uint64_t size)
{
    ss_evidence e = evidence_blank();
    const ss_section *s = &im->sections[i];
    e.what = "section";
    e.name = s->name;
    e.index = (int64_t)i;
    e.perms = s->perms;
    e.has_flags = true;
    e.flags = s->raw_flags;
    if (s->alloc && im->type != SS_TYPE_RELOCATABLE) {
        e.has_vaddr = true;
        e.vaddr = s->vaddr;
    }
    e.has_offset = true;
    e.offset = s->offset;
    e.has_size = true;
    e.size = has_size ? size : (s->vm_size ? s->vm_size : s->file_size);
    return e;
}

ss_evidence ss_evidence_flag(const char *name, uint64_t flags)
{
    ss_evidence e = evidence_blank();
    e.what = "flag";
    e.name = name;
    e.has_flags = true;
    e.flags = flags;
    return e;
}
