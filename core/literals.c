/* literals.c - read-only objects stored more than once: Rust &str literals, constant tables,
 * C/C++ arrays (definitions in analysis.h).
 *
 * Counting every repeated run of bytes would be wrong: on real binaries runs of 16+ bytes that
 * occur twice cover 15-63% of .rodata, and most of that is tables sharing stretches or messages
 * sharing a prefix, nothing a user can remove (issue 19). So the data is first cut into objects
 * at the places the program itself names (references, symbols), and only whole objects, or
 * matches that start and end at such places in both copies, are called copies.
 *
 * Cost: one sort of the boundaries, one hash of every object's bytes (a read of the literal
 * sections, as cat does), and an anchored match whose byte comparisons are bounded by a budget
 * proportional to the bytes scanned. Memory: the boundaries and one record per piece. */
#include <stdlib.h> /* malloc, calloc, free, qsort */
#include <string.h> /* memcmp, memset */
#if defined(__SSE2__)
#include <emmintrin.h> /* _mm_* */
#endif

#include "analysis.h"
#include "bigmem.h"
#include "radix.h"
#include "strscan.h" /* ss_str_hash */
#include "utf8.h"

/* The anchored match compares at most this many bytes per attempt, and all attempts together
 * at most BUDGET_FACTOR times the bytes scanned (plus BUDGET_BASE): enough for a 148 KiB table
 * stored twice, and never quadratic on hostile input. */
#define EXTEND_MAX ((uint64_t)16 << 20)
#define BUDGET_FACTOR 4
#define BUDGET_BASE ((uint64_t)1 << 20)
/* Boundaries are sorted through a bit map of the sections' bytes when there can be at least one
 * per this many bytes (bsink). */
#define BITMAP_RATIO 512
/* Visiting one boundary while cutting a match back counts as this many bytes of work. */
#define BOUNDARY_WORK 16
/* A hint is given and a finding raised from this much waste on. */
#define FINDING_MIN_BYTES 1024

typedef struct {
    uint64_t off, end; /* image-relative file offsets */
    uint64_t vaddr;
    int64_t index;     /* into im->sections */
} lsec;

enum {
    P_OBJECT = 1, /* a piece counted as an object (not short or fill; see group_exact for C
                   * strings) */
    P_LONE = 2,   /* an object whose length no other object has */
    P_CSTR = 4    /* the piece is one C string of the strings analysis */
};

typedef struct {
    uint64_t off, len;
    uint64_t olen;     /* the object's bytes: len, less trailing NULs when the rest is text */
    uint32_t leader;   /* the first piece of equal content (exact grouping); itself if none */
    uint32_t copies;   /* on a leader: pieces of its content */
    uint32_t plain;    /* on a leader: of those, pieces that are no C string */
    uint32_t sec;      /* into the kept sections */
    uint8_t flags;
} piece;

typedef struct {
    uint64_t a, len, b; /* the earlier copy, the length, the later copy */
} amatch;

typedef struct {
    uint64_t wasted, len, copies;
    uint64_t first;  /* exact: leader piece index; anchored: index of its first amatch */
    bool anchored;
} dgroup;

typedef struct {
    const ss_image *im;
    const uint8_t *base;
    lsec *secs;
    size_t nsecs;
    uint64_t *bounds; /* bigmem.h blocks: bounds_room and pc_room elements */
    size_t nbounds, bounds_room;
    bool bounds_inside; /* every boundary is in a kept section (or ends one) */
    piece *pc;
    size_t npc, pc_room;
    amatch *am;
    size_t nam;
    dgroup *dg;
    size_t ndg;
} lctx;

static void lctx_free(lctx *c)
{
    free(c->secs);
    ss_big_free(c->bounds, c->bounds_room * sizeof *c->bounds);
    ss_big_free(c->pc, c->pc_room * sizeof *c->pc);
    free(c->am);
    free(c->dg);
}

/* ---- sections and boundaries -------------------------------------------------------------- */

static int lsec_off_cmp(const void *x, const void *y)
{
    const lsec *a = x, *b = y;
    return (a->off > b->off) - (a->off < b->off);
}

/* The sections that can hold literals, by file offset; a section sharing file bytes with an
 * earlier one is left out (each byte is one object's at most). */
static bool collect_sections(lctx *c)
{
    const ss_image *im = c->im;
    c->secs = malloc((im->nsections ? im->nsections : 1) * sizeof *c->secs);
    if (c->secs == NULL)
        return false;
    size_t n = 0;
    for (size_t i = 0; i < im->nsections; i++) {
        uint64_t off, len;
        if (ss_image_lit_range(im, &im->sections[i], &off, &len))
            c->secs[n++] = (lsec){off, off + len, im->sections[i].vaddr, (int64_t)i};
    }
    qsort(c->secs, n, sizeof *c->secs, lsec_off_cmp);
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (k == 0 || c->secs[i].off >= c->secs[k - 1].end)
            c->secs[k++] = c->secs[i];
    c->nsecs = k;
    return true;
}

/* The kept section holding file offset off (its end included when at_end), or -1. */
static long sec_at(const lctx *c, uint64_t off, bool at_end)
{
    size_t lo = 0, hi = c->nsecs;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (c->secs[mid].end < off || (!at_end && c->secs[mid].end == off))
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo < c->nsecs && c->secs[lo].off <= off)
        return (long)lo;
    return -1;
}

typedef struct {
    const lctx *c;
    uint32_t *by_vaddr; /* kept sections ordered by address (linked images) */
    int32_t *by_index;  /* im->sections index -> kept section, or -1 (objects) */
    bool disjoint;      /* no two kept sections share an address */
    long last;          /* the kept section an address was last found inside, or -1 */
} addrmap;

/* A kept section and its address, sorted with ss_radix_sort. */
typedef struct {
    uint64_t vaddr;
    uint64_t idx;
} vrec;

static bool addrmap_init(addrmap *m, const lctx *c)
{
    const ss_image *im = c->im;
    m->c = c;
    m->by_vaddr = malloc((c->nsecs ? c->nsecs : 1) * sizeof *m->by_vaddr);
    m->by_index = malloc((im->nsections ? im->nsections : 1) * sizeof *m->by_index);
    vrec *v = malloc((c->nsecs ? c->nsecs : 1) * sizeof *v);
    if (m->by_vaddr == NULL || m->by_index == NULL || v == NULL) {
        free(v);
        return false;
    }
    for (size_t i = 0; i < im->nsections; i++)
        m->by_index[i] = -1;
    for (size_t k = 0; k < c->nsecs; k++) {
        m->by_index[c->secs[k].index] = (int32_t)k;
        v[k] = (vrec){c->secs[k].vaddr, k};
    }
    bool ok = ss_radix_sort(v, c->nsecs, sizeof *v, 0);
    m->disjoint = true;
    m->last = -1;
    for (size_t k = 0; k < c->nsecs; k++) {
        m->by_vaddr[k] = (uint32_t)v[k].idx;
        const lsec *s = &c->secs[v[k].idx];
        if (k + 1 < c->nsecs && (s->vaddr + (s->end - s->off) < s->vaddr ||
                                 s->vaddr + (s->end - s->off) > v[k + 1].vaddr))
            m->disjoint = false;
    }
    free(v);
    return ok;
}

static void addrmap_free(addrmap *m)
{
    free(m->by_vaddr);
    free(m->by_index);
}

/* The file offset of address a (or of offset a in section sec for objects), with its kept
 * section *k; false when it lies in none. An end (at_end) may be the section's end. */
static bool to_file(addrmap *m, int64_t sec, uint64_t a, bool at_end, uint64_t *off, long *k)
{
    const lctx *c = m->c;
    const lsec *s = NULL;
    if (sec < 0 && m->last >= 0) {
        /* Inside the section of the last address (libLLVM-15's 420,000 references all fall in
         * its one literal section): when no two sections share an address, the only one that
         * holds it. */
        s = &c->secs[m->last];
        if (a >= s->vaddr && a - s->vaddr < s->end - s->off) {
            *off = s->off + (a - s->vaddr);
            *k = m->last;
            return true;
        }
    }
    if (sec >= 0) {
        if ((uint64_t)sec >= c->im->nsections || m->by_index[sec] < 0)
            return false;
        s = &c->secs[m->by_index[sec]];
        if (a > s->end - s->off || (!at_end && a == s->end - s->off))
            return false;
        *off = s->off + a;
        *k = m->by_index[sec];
        return true;
    }
    /* the last section starting at or below a */
    size_t lo = 0, hi = c->nsecs;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (c->secs[m->by_vaddr[mid]].vaddr <= a)
            lo = mid + 1;
        else
            hi = mid;
    }
    /* sections of one address may be several (objects mapped at 0): try the nearest few */
    for (size_t j = lo, tries = 0; j-- > 0 && tries < 4; tries++) {
        s = &c->secs[m->by_vaddr[j]];
        uint64_t d = a - s->vaddr, n = s->end - s->off;
        if (d < n || (at_end && d == n)) {
            *off = s->off + d;
            *k = m->by_vaddr[j];
            if (m->disjoint && d < n)
                m->last = *k;
            return true;
        }
    }
    return false;
}

/* Where the boundaries go as they are found. Many over few bytes (libLLVM-15: 464,200 over
 * 35 MB) are set as bits of a map of the sections' bytes, as they come and with the section
 * each reference found already, and read back in order: 3 ms where the radix sort took 12
 * (setting a bit at random in a 4.4 MB map is most of it). Few over many bytes are
 * listed and radix-sorted, the map costing more to clear and scan. The map has a bit per
 * section byte and one for each section's end (an eighth of the bytes scanned, on 2 MiB
 * pages); places outside the sections are dropped either way by the pieces, so the map leaves
 * them out. */
typedef struct {
    uint64_t *map;  /* NULL: listed in c->bounds */
    uint64_t *base; /* the first bit of each kept section */
    size_t words, n;
    size_t room; /* boundaries that may be put */
} bsink;

/* Boundary off of kept section k (its end included). */
static inline void mark(const lctx *c, bsink *b, long k, uint64_t off)
{
    /* a place that ends one section and starts the next is the next one's start */
    if (off == c->secs[k].end && (size_t)k + 1 < c->nsecs && c->secs[k + 1].off == off)
        k++;
    uint64_t bit = b->base[k] + (off - c->secs[k].off);
    b->map[bit / 64] |= (uint64_t)1 << (bit % 64);
}

/* Boundary off, in kept section k (-1: to be found). */
static inline void put(lctx *c, bsink *b, long k, uint64_t off)
{
    if (b->map == NULL) {
        c->bounds[b->n++] = off;
        return;
    }
    if (k < 0)
        k = sec_at(c, off, true);
    if (k >= 0)
        mark(c, b, k, off);
}

/* A sink for at most room boundaries. */
static bool sink_open(lctx *c, bsink *b, size_t room)
{
    *b = (bsink){.room = room};
    uint64_t bits = 0;
    for (size_t k = 0; k < c->nsecs; k++)
        bits += c->secs[k].end - c->secs[k].off + 1;
    if ((uint64_t)room < bits / BITMAP_RATIO) {
        /* fresh memory of a few MiB: on 2 MiB pages (bigmem.h) */
        c->bounds = ss_big_alloc_raw(room * sizeof *c->bounds);
        c->bounds_room = c->bounds ? room : 0;
        return c->bounds != NULL;
    }
    b->words = (size_t)((bits + 63) / 64);
    b->map = ss_big_alloc(b->words * sizeof *b->map);
    b->base = malloc((c->nsecs ? c->nsecs : 1) * sizeof *b->base);
    if (b->map == NULL || b->base == NULL)
        return false;
    for (size_t k = 0, at = 0; k < c->nsecs; k++) {
        b->base[k] = at;
        at += c->secs[k].end - c->secs[k].off + 1;
    }
    return true;
}

static void sink_free(bsink *b)
{
    ss_big_free(b->map, b->words * sizeof *b->map);
    free(b->base);
}

/* The boundaries sorted, each once, into c->bounds. */
static bool sink_close(lctx *c, bsink *b)
{
    if (b->map == NULL) {
        size_t n = b->n;
        if (!ss_radix_sort(c->bounds, n, sizeof *c->bounds, 0))
            return false;
        size_t k = 0;
        for (size_t i = 0; i < n; i++)
            if (k == 0 || c->bounds[i] != c->bounds[k - 1])
                c->bounds[k++] = c->bounds[i];
        c->nbounds = k;
        return true;
    }
    /* room for every boundary put: only the pages written are made (counting the bits first
     * was a library call per word without -mpopcnt, 1 ms on libLLVM-15) */
    size_t room = b->room;
    c->bounds = ss_big_alloc_raw(room * sizeof *c->bounds);
    if (c->bounds == NULL)
        return false;
    c->bounds_room = room;
    size_t out = 0, k = 0;
    for (size_t w = 0; w < b->words; w++)
        for (uint64_t x = b->map[w]; x; x &= x - 1) {
            uint64_t bit = (uint64_t)w * 64 + (unsigned)__builtin_ctzll(x);
            while (k + 1 < c->nsecs && b->base[k + 1] <= bit)
                k++;
            uint64_t off = c->secs[k].off + (bit - b->base[k]);
            if ((out == 0 || c->bounds[out - 1] != off) && out < room) /* each bit was put */
                c->bounds[out++] = off;
        }
    c->nbounds = out;
    c->bounds_inside = true; /* the map has bits for the sections' bytes and ends only */
    return true;
}

static bool collect_bounds(lctx *c, ss_literals_result *r)
{
    const ss_image *im = c->im;
    size_t room = 2 * c->nsecs + 2 * im->nnoliteral;
    if (im->nrefs > (SIZE_MAX / 16) - room || im->nsymbols > (SIZE_MAX / 16) - room - im->nrefs)
        return false;
    room += 2 * im->nrefs + 2 * im->nsymbols;
    bsink b;
    addrmap m = {0};
    if (!sink_open(c, &b, room) || !addrmap_init(&m, c)) {
        sink_free(&b);
        addrmap_free(&m);
        return false;
    }
    for (size_t k = 0; k < c->nsecs; k++) {
        put(c, &b, (long)k, c->secs[k].off);
        put(c, &b, (long)k, c->secs[k].end);
    }
    for (size_t i = 0; i < im->nnoliteral; i++) {
        uint64_t a = im->noliteral[i].offset, z = a + im->noliteral[i].size;
        if (z < a || z > im->bytes.len)
            continue;
        put(c, &b, -1, a);
        put(c, &b, -1, z);
    }
    bool linked = im->type != SS_TYPE_RELOCATABLE;
    for (size_t i = 0; i < im->nrefs; i++) {
        const ss_ref *f = &im->refs[i];
        uint64_t off;
        long k;
        if (!to_file(&m, f->section, f->addr, false, &off, &k))
            continue;
        r->refs++;
        put(c, &b, k, off);
        if (f->len && f->len <= c->secs[k].end - off) /* most references state no length */
            put(c, &b, k, off + f->len);
    }
    for (size_t i = 0; i < im->nsymbols; i++) {
        const ss_symbol *s = &im->symbols[i];
        if (!s->defined || s->size == 0 || s->section < 0 ||
            (s->type != SS_SYM_OBJECT && s->type != SS_SYM_NOTYPE))
            continue;
        if ((uint64_t)s->section >= im->nsections || m.by_index[s->section] < 0)
            continue;
        long k = m.by_index[s->section];
        const lsec *sec = &c->secs[k];
        uint64_t rel = linked ? s->value - sec->vaddr : s->value;
        if ((linked && s->value < sec->vaddr) || rel >= sec->end - sec->off)
            continue;
        r->symbols++;
        put(c, &b, k, sec->off + rel);
        if (s->size <= sec->end - sec->off - rel)
            put(c, &b, k, sec->off + rel + s->size);
    }
    addrmap_free(&m);
    bool ok = sink_close(c, &b);
    sink_free(&b);
    return ok;
}

static bool is_bound(const lctx *c, uint64_t off)
{
    size_t lo = 0, hi = c->nbounds;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (c->bounds[mid] < off)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < c->nbounds && c->bounds[lo] == off;
}

/* ---- pieces ------------------------------------------------------------------------------- */

/* A pattern of period 1 to 8 (zeros, 0xff fill, repeated words). */
static bool is_fill(const uint8_t *p, uint64_t n)
{
    for (unsigned k = 1; k <= 8 && k < n; k++)
        if (p[k] == p[0] && (k + 1 >= n || p[k + 1] == p[1]) && memcmp(p, p + k, n - k) == 0)
            return true;
    return false;
}

/* Length of the text at p (strings(1)'s: printable ASCII, tab, printable UTF-8; with
 * newlines when nl) before the first byte that is not. *saw_nl (when given) tells whether a
 * newline was taken: the text without newlines then ends at the same place. */
static uint64_t text_len_nl(const uint8_t *p, uint64_t n, bool nl, bool *saw_nl)
{
    uint64_t i = 0;
#if defined(__SSE2__)
    /* 16 printable ASCII bytes at a time (0x20-0x7e: as signed bytes, above 0x1f and below
     * 0x7f) up to the first that is not, which the byte step below decides: libLLVM-15's
     * .rodata holds some 10 MB of text, and byte by byte, twice (is_text, is_cstring), it was
     * most of the time spent cutting it into objects. */
    const __m128i lo = _mm_set1_epi8(0x1f), hi = _mm_set1_epi8(0x7f);
#endif
    while (i < n) {
#if defined(__SSE2__)
        while (n - i >= 16) {
            __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(p + i));
            __m128i ok = _mm_and_si128(_mm_cmpgt_epi8(v, lo), _mm_cmplt_epi8(v, hi));
            unsigned m = (unsigned)_mm_movemask_epi8(ok);
            if (m != 0xffff) {
                i += (unsigned)__builtin_ctz(~m); /* the first byte that is not */
                break;
            }
            i += 16;
        }
        if (i >= n)
            break;
#endif
        uint8_t b = p[i];
        if ((b >= 0x20 && b < 0x7f) || b == '\t') {
            i++;
            continue;
        }
        if (nl && (b == '\n' || b == '\r')) {
            if (saw_nl)
                *saw_nl = true;
            i++;
            continue;
        }
        if (b < 0x80)
            break;
        uint32_t cp;
        size_t l = ss_utf8_next(p + i, (size_t)(n - i), &cp);
        if (l == 0 || (cp >= 0x80 && cp < 0xa0))
            break;
        i += l;
    }
    return i;
}

static uint64_t text_len(const uint8_t *p, uint64_t n, bool nl)
{
    return text_len_nl(p, n, nl, NULL);
}

/* The piece less its trailing NULs (a zero-filled table's tail a word at a time). */
static uint64_t strip_nuls(const uint8_t *p, uint64_t n)
{
    for (uint64_t w; n >= 8 && (memcpy(&w, p + n - 8, 8), w == 0);)
        n -= 8;
    while (n && p[n - 1] == 0)
        n--;
    return n;
}

/* Exactly one C string the string analysis counts: a run of text that starts where a run
 * starts (section start, after a NUL or a byte that is not text) and ends in NULs. t is the
 * piece's length less its trailing NULs, plain whether it is text without newlines (both
 * found by make_pieces, which reads the bytes once for them). */
static bool is_cstring(const lctx *c, const piece *x, uint64_t t, bool plain, uint32_t min)
{
    const uint8_t *p = c->base + x->off;
    if (p[x->len - 1] != 0 || t < min || !plain)
        return false;
    uint64_t before = x->off - c->secs[x->sec].off;
    if (before == 0)
        return true;
    uint8_t b = p[-1];
    if (b < 0x80)
        return b == 0 || (b < 0x20 && b != '\t') || b == 0x7f;
    /* a byte >= 0x80 continues the run when it ends a printable UTF-8 sequence */
    for (unsigned l = 2; l <= 4 && l <= before; l++) {
        uint32_t cp = 0;
        if (ss_utf8_next(p - l, l, &cp) == l && cp >= 0xa0)
            return false;
    }
    return true;
}

static bool is_text(const uint8_t *p, uint64_t n)
{
    uint64_t t = strip_nuls(p, n);
    return t > 0 && text_len(p, t, true) == t;
}

static bool make_pieces(lctx *c, uint32_t min)
{
    const ss_image *im = c->im;
    /* the loader tables, sorted, to leave out the pieces inside them */
    size_t nnl = im->nnoliteral;
    uint64_t *nl = malloc((nnl ? 2 * nnl : 1) * sizeof *nl);
    c->pc = ss_big_alloc_raw(c->nbounds * sizeof *c->pc);
    if (c->pc)
        c->pc_room = c->nbounds;
    if (nl == NULL || c->pc == NULL) {
        free(nl);
        return false;
    }
    for (size_t i = 0; i < nnl; i++) {
        nl[2 * i] = im->noliteral[i].offset;
        nl[2 * i + 1] = im->noliteral[i].offset + im->noliteral[i].size;
    }
    if (!ss_radix_sort(nl, nnl, 2 * sizeof *nl, 0)) {
        free(nl);
        return false;
    }
    size_t s = 0, q = 0, n = 0;
    uint64_t nl_end = 0; /* the furthest end among the loader tables passed so far */
    for (size_t i = 0; i + 1 < c->nbounds && n < UINT32_MAX; i++) {
        uint64_t a = c->bounds[i], z = c->bounds[i + 1];
        while (s < c->nsecs && c->secs[s].end <= a)
            s++;
        if (s == c->nsecs)
            break;
        if (c->secs[s].off > a || z > c->secs[s].end)
            continue; /* between sections */
        while (q < nnl && nl[2 * q] <= a) {
            nl_end = nl[2 * q + 1] > nl_end ? nl[2 * q + 1] : nl_end;
            q++;
        }
        if (z <= nl_end)
            continue; /* inside a loader table */
        piece *x = &c->pc[n++];
        *x = (piece){a, z - a, z - a, (uint32_t)n - 1, 1, 0, (uint32_t)s, 0};
        if (x->len < SS_LITERAL_MIN)
            continue; /* no object: see below */
        /* the next pieces' last bytes are read ahead: one cache miss per piece, in file order,
         * was a third of the time spent here on libLLVM-15 (120,300 pieces over 35 MB) */
        if (i + 8 < c->nbounds)
            __builtin_prefetch(c->base + c->bounds[i + 8] - 1);
        const uint8_t *p = c->base + a;
        uint64_t t = x->len;
        bool text = false, newline = false;
        if (p[x->len - 1] == 0) {
            t = strip_nuls(p, x->len);
            text = t > 0 && text_len_nl(p, t, true, &newline) == t;
        }
        /* text padded with NULs up to the next object (alignment) is the text alone */
        if (text)
            x->olen = t;
        /* at least SS_LITERAL_MIN bytes with one terminating NUL, as C stores it */
        if (x->olen + (x->olen < x->len) >= SS_LITERAL_MIN && !is_fill(p, x->olen))
            x->flags = (uint8_t)(P_OBJECT |
                                 (is_cstring(c, x, t, text && !newline, min) ? P_CSTR : 0));
    }
    free(nl);
    c->npc = n;
    return true;
}

/* ---- grouping ----------------------------------------------------------------------------- */

/* The content hash of an object. ss_str_hash is one chain of multiplies, 8 bytes a step; four
 * independent chains over 32 bytes a step let the CPU run them side by side (on libLLVM-15's
 * .rodata cut at its symbols, 35 MB, the hash went from 25 ms to the time of reading the bytes).
 * The tail goes through ss_str_hash. A good spread is all the table needs. */
static uint32_t obj_hash(const uint8_t *p, uint64_t n)
{
    if (n < 64)
        return ss_str_hash(p, (size_t)n);
    const uint64_t m = 0x9e3779b97f4a7c15ull;
    uint64_t h0 = n * m, h1 = h0 ^ 0x6a09e667f3bcc908ull, h2 = h0 ^ 0xbb67ae8584caa73bull,
             h3 = h0 ^ 0x3c6ef372fe94f82bull;
    uint64_t i = 0;
    for (; i + 32 <= n; i += 32) {
        uint64_t w[4];
        memcpy(w, p + i, 32);
        h0 = (h0 ^ w[0]) * m;
        h1 = (h1 ^ w[1]) * m;
        h2 = (h2 ^ w[2]) * m;
        h3 = (h3 ^ w[3]) * m;
        h0 ^= h0 >> 29;
        h1 ^= h1 >> 29;
        h2 ^= h2 >> 29;
        h3 ^= h3 >> 29;
    }
    uint64_t h = h0 ^ (h1 * 0xbf58476d1ce4e5b9ull) ^ (h2 * 0x94d049bb133111ebull) ^
                 (h3 * 0xff51afd7ed558ccdull);
    h ^= h >> 32;
    return (uint32_t)h ^ ss_str_hash(p + i, (size_t)(n - i));
}

typedef struct {
    uint64_t len, idx;
} lenrec;

/* Marks the objects of at least LONE_MIN bytes whose length no other object has: they equal no
 * other, so their bytes need no hash (libLLVM-15's .rodata cut at its symbols is 35 MB in 679
 * objects, nearly all of a length of their own). One radix sort of those lengths: shorter
 * objects cost less to hash than to sort (cut at its references too, libLLVM-15's .rodata is
 * 71,613 objects, 70,857 of them sharing a length with another; sorting all lengths took
 * 0.9 ms). */
#define LONE_MIN 256
static bool mark_lone_lengths(lctx *c, size_t nobj)
{
    lenrec *l = ss_big_alloc_raw(nobj * sizeof *l);
    if (l == NULL)
        return false;
    size_t n = 0;
    for (size_t i = 0; i < c->npc; i++)
        if ((c->pc[i].flags & P_OBJECT) && c->pc[i].olen >= LONE_MIN)
            l[n++] = (lenrec){c->pc[i].olen, i};
    if (!ss_radix_sort(l, n, sizeof *l, 0)) {
        ss_big_free(l, nobj * sizeof *l);
        return false;
    }
    for (size_t i = 0; i < n; i++)
        if ((i == 0 || l[i - 1].len != l[i].len) && (i + 1 == n || l[i + 1].len != l[i].len))
            c->pc[l[i].idx].flags |= P_LONE;
    ss_big_free(l, nobj * sizeof *l);
    return true;
}

static size_t table_size(size_t n)
{
    size_t t = 16;
    while (t < 2 * n && t < (SIZE_MAX >> 2))
        t <<= 1;
    return t;
}

/* Equal objects: each piece's leader is the first piece of its content. A content whose every
 * copy is one C string of the strings analysis is left to that analysis; when one copy is not
 * (a Rust literal whose other copies happen to be followed by alignment NULs), the group is
 * counted here, every copy with it. Then the objects are counted. */
static bool group_exact(lctx *c, ss_literals_result *r)
{
    size_t nobj = 0;
    for (size_t i = 0; i < c->npc; i++)
        nobj += (c->pc[i].flags & P_OBJECT) != 0;
    if (!mark_lone_lengths(c, nobj))
        return false;
    /* Each entry is an object's hash and its piece + 1 (0: empty): a probe reads one entry, not
     * an entry, a hash beside it and the piece (the table is 2 MB for libLLVM-15's 71,613
     * objects: a cache miss a probe). */
    size_t tn = table_size(nobj);
    uint64_t *tab = ss_big_alloc(tn * sizeof *tab);
    if (tab == NULL)
        return false;
    for (size_t i = 0; i < c->npc; i++) {
        piece *x = &c->pc[i];
        if (!(x->flags & P_OBJECT))
            continue;
        x->plain = !(x->flags & P_CSTR);
        if (x->flags & P_LONE)
            continue;
        const uint8_t *p = c->base + x->off;
        uint32_t h = obj_hash(p, x->olen);
        size_t at = h & (tn - 1);
        for (; tab[at]; at = (at + 1) & (tn - 1)) {
            if ((uint32_t)(tab[at] >> 32) != h)
                continue;
            const piece *y = &c->pc[(uint32_t)tab[at] - 1];
            if (y->olen == x->olen && memcmp(c->base + y->off, p, x->olen) == 0)
                break;
        }
        if (tab[at]) {
            x->leader = (uint32_t)tab[at] - 1;
            c->pc[x->leader].copies++;
            c->pc[x->leader].plain += !(x->flags & P_CSTR);
            x->plain = 0;
        } else {
            tab[at] = (uint64_t)h << 32 | ((uint32_t)i + 1);
        }
    }
    for (size_t i = 0; i < c->npc; i++) {
        piece *x = &c->pc[i];
        if (!(x->flags & P_OBJECT))
            continue;
        if (c->pc[x->leader].plain == 0) {
            x->flags &= (uint8_t)~P_OBJECT;
            continue;
        }
        r->count++;
        r->bytes += x->olen;
        r->unique += x->leader == i;
    }
    ss_big_free(tab, tn * sizeof *tab);
    return true;
}

/* Bytes equal at a and b, at most lim, compared a block at a time. */
static uint64_t common(const uint8_t *a, const uint8_t *b, uint64_t lim)
{
    uint64_t i = 0;
    while (i + 256 <= lim && memcmp(a + i, b + i, 256) == 0)
        i += 256;
    while (i < lim && a[i] == b[i])
        i++;
    return i;
}

static int amatch_cmp(const void *x, const void *y)
{
    const amatch *a = x, *b = y;
    if (a->a != b->a)
        return a->a < b->a ? -1 : 1;
    if (a->len != b->len)
        return a->len < b->len ? -1 : 1;
    return (a->b > b->b) - (a->b < b->b);
}

/* Whether piece w is a whole table (a boundary at each end) of at least WHOLE_TABLE_MIN bytes
 * that a match of m bytes covers and that lies inside the other copy's one piece (room bytes):
 * then the other copy holds all of it although nothing marks its end there (Rust's const
 * tables are read by loads that are not address loads; issue 19's litbin.rs SHARED_TABLE).
 * Not for text, nor short tables: distinct messages and tables share prefixes (issue 19: most
 * repeated runs of read-only data are such stretches), and without an end in both copies a
 * prefix cannot be told from a copy; 64 bytes kept libLLVM-15's anchored groups free of the
 * shared prefixes ("Assume that the ", 16 bytes, x24) that 16 let in. */
#define WHOLE_TABLE_MIN 64
static bool whole_table(const lctx *c, const piece *w, uint64_t m, uint64_t room)
{
    return w->olen >= WHOLE_TABLE_MIN && w->olen <= m && w->olen <= room &&
           !is_text(c->base + w->off, w->olen);
}

/* Objects that equal no other, matched from their start with an earlier one of the same first
 * SS_LITERAL_MIN bytes (see analysis.h). Goes through the pieces in file order; a match claims
 * the later copy's bytes, whose pieces then start no match of their own. */
static bool group_anchored(lctx *c, ss_literals_result *r)
{
    size_t nsingle = 0, nlead = 0;
    for (size_t i = 0; i < c->npc; i++) {
        nsingle += (c->pc[i].flags & P_OBJECT) && c->pc[c->pc[i].leader].copies == 1;
        nlead += (c->pc[i].flags & P_OBJECT) && c->pc[i].leader == i;
    }
    if (nsingle == 0 || nlead < 2)
        return true;
    size_t tn = table_size(nlead);
    uint64_t *tab = ss_big_alloc(tn * sizeof *tab); /* as group_exact's: hash, piece + 1 */
    c->am = malloc(nsingle * sizeof *c->am);
    if (tab == NULL || c->am == NULL) {
        ss_big_free(tab, tn * sizeof *tab);
        return false;
    }
    uint64_t budget = BUDGET_BASE + BUDGET_FACTOR * r->scanned_bytes, work = 0;
    uint64_t claimed = 0;
    for (size_t i = 0; i < c->npc; i++) {
        piece *x = &c->pc[i];
        /* the first piece of an equal group can lead a match (a third copy whose piece runs on
         * past the table) but is not matched itself */
        bool group = (x->flags & P_OBJECT) && x->leader == i && x->copies > 1;
        if (!(x->flags & P_OBJECT) || (c->pc[x->leader].copies != 1 && !group) ||
            x->off < claimed || x->len < SS_LITERAL_MIN)
            continue;
        const uint8_t *p = c->base + x->off;
        uint32_t h = ss_str_hash(p, SS_LITERAL_MIN);
        size_t at = h & (tn - 1);
        for (; tab[at]; at = (at + 1) & (tn - 1))
            if ((uint32_t)(tab[at] >> 32) == h &&
                memcmp(c->base + c->pc[(uint32_t)tab[at] - 1].off, p, SS_LITERAL_MIN) == 0)
                break;
        if (tab[at] == 0 || group) {
            if (tab[at] == 0)
                tab[at] = (uint64_t)h << 32 | ((uint32_t)i + 1);
            continue;
        }
        if (work > budget) {
            r->work_capped = true;
            break;
        }
        piece *l = &c->pc[(uint32_t)tab[at] - 1];
        uint64_t a = l->off, b = x->off;
        uint64_t lim = b - a, e1 = c->secs[l->sec].end - a, e2 = c->secs[x->sec].end - b;
        lim = lim < e1 ? lim : e1;
        lim = lim < e2 ? lim : e2;
        lim = lim < EXTEND_MAX ? lim : EXTEND_MAX;
        uint64_t m = common(c->base + a, p, lim);
        work += m + BOUNDARY_WORK;
        if (l->copies > 1 && m >= l->olen && x->len >= l->olen) {
            /* the group's copies bound the object; this piece starts with all of it and runs on
             * (no reference marks its end): one more copy of the group */
            x->leader = (uint32_t)(l - c->pc);
            l->copies++;
            r->anchored_bytes += l->olen;
            claimed = b + l->olen;
            continue;
        }
        /* cut back to the last boundary at the same distance in both, never taking in an object
         * that equals another (it is counted with its group already) */
        uint64_t best = 0;
        for (size_t j = i; j < c->npc && c->pc[j].sec == x->sec; j++) {
            const piece *y = &c->pc[j];
            if (y->off + y->len > b + m || (j > i && y->off != c->pc[j - 1].off + c->pc[j - 1].len))
                break;
            if ((y->flags & P_OBJECT) && c->pc[y->leader].copies > 1)
                break;
            work += BOUNDARY_WORK;
            if (work > budget) { /* no single try runs far past the budget either */
                r->work_capped = true;
                break;
            }
            if (is_bound(c, a + (y->off + y->len - b)))
                best = y->off + y->len - b;
        }
        /* An object whole in one copy (a boundary at each end there) whose other copy starts
         * at a boundary with all of its bytes but has none at its end: nothing references the
         * end of a table (the Rust fixture's SHARED_TABLE without LTO, litbin.rs). */
        if (best == 0 && whole_table(c, l, m, x->len))
            best = l->olen;
        else if (best == 0 && whole_table(c, x, m, l->len))
            best = x->olen;
        if (best >= SS_LITERAL_MIN && l->copies > 1 && (best == l->len || best == l->olen)) {
            /* one more copy of an equal group: counted with it */
            x->leader = (uint32_t)(l - c->pc);
            l->copies++;
            r->anchored_bytes += l->olen;
            claimed = b + best;
        } else if (best >= SS_LITERAL_MIN && l->copies == 1) {
            c->am[c->nam++] = (amatch){a, best, b};
            claimed = b + best;
        }
    }
    ss_big_free(tab, tn * sizeof *tab);
    qsort(c->am, c->nam, sizeof *c->am, amatch_cmp);
    return true;
}

static int dgroup_cmp(const void *x, const void *y)
{
    const dgroup *a = x, *b = y;
    if (a->wasted != b->wasted)
        return a->wasted > b->wasted ? -1 : 1;
    if (a->len != b->len)
        return a->len > b->len ? -1 : 1;
    return (a->first > b->first) - (a->first < b->first);
}

/* The first byte of a group's first copy. */
static uint64_t group_off(const lctx *c, const dgroup *g)
{
    return g->anchored ? c->am[g->first].a : c->pc[g->first].off;
}

static bool collect_groups(lctx *c, ss_literals_result *r)
{
    size_t n = 0;
    for (size_t i = 0; i < c->npc; i++)
        n += (c->pc[i].flags & P_OBJECT) && c->pc[i].leader == i && c->pc[i].copies > 1;
    for (size_t i = 0; i < c->nam; i++)
        n += i == 0 || c->am[i].a != c->am[i - 1].a || c->am[i].len != c->am[i - 1].len;
    c->dg = malloc((n ? n : 1) * sizeof *c->dg);
    if (c->dg == NULL)
        return false;
    for (size_t i = 0; i < c->npc; i++) {
        const piece *x = &c->pc[i];
        if ((x->flags & P_OBJECT) && x->leader == i && x->copies > 1)
            c->dg[c->ndg++] = (dgroup){(x->copies - 1) * x->olen, x->olen, x->copies, i, false};
    }
    for (size_t i = 0; i < c->nam;) {
        size_t j = i + 1;
        while (j < c->nam && c->am[j].a == c->am[i].a && c->am[j].len == c->am[i].len)
            j++;
        uint64_t copies = 1 + (j - i);
        c->dg[c->ndg++] = (dgroup){(copies - 1) * c->am[i].len, c->am[i].len, copies, i, true};
        r->anchored_groups++;
        r->anchored_bytes += (copies - 1) * c->am[i].len;
        i = j;
    }
    for (size_t i = 0; i < c->ndg; i++) {
        const dgroup *g = &c->dg[i];
        r->duplicate_groups++;
        r->duplicate_bytes += g->wasted;
        if (is_text(c->base + group_off(c, g), g->len)) {
            r->text_groups++;
            r->text_bytes += g->wasted;
        } else {
            r->table_groups++;
            r->table_bytes += g->wasted;
        }
    }
    qsort(c->dg, c->ndg, sizeof *c->dg, dgroup_cmp);
    return true;
}

/* ---- the result --------------------------------------------------------------------------- */

static const char *excerpt(ss_arena *a, const uint8_t *p, uint64_t len, bool table, bool *cut)
{
    static const char hex[] = "0123456789abcdef";
    if (!table) {
        uint64_t t = strip_nuls(p, len), n = t < SS_LITERAL_EXCERPT ? t : SS_LITERAL_EXCERPT;
        /* do not cut inside a UTF-8 sequence */
        while (n < t && n > 0 && (p[n] & 0xc0) == 0x80)
            n--;
        *cut = n < t;
        return ss_arena_strndup(a, (const char *)p, (size_t)n);
    }
    uint64_t n = len < SS_LITERAL_EXCERPT / 2 ? len : SS_LITERAL_EXCERPT / 2;
    char *s = ss_arena_alloc(a, (size_t)(2 * n + 1));
    if (s == NULL)
        return NULL;
    for (uint64_t i = 0; i < n; i++) {
        s[2 * i] = hex[p[i] >> 4];
        s[2 * i + 1] = hex[p[i] & 15];
    }
    s[2 * n] = '\0';
    *cut = n < len;
    return s;
}

static bool add_offset(const lctx *c, ss_literal_dup *e, uint64_t off)
{
    if (e->noffsets >= SS_KEEP_OFFSETS)
        return false;
    long k = sec_at(c, off, false);
    e->offsets[e->noffsets] = off;
    e->offset_sections[e->noffsets] = k >= 0 ? c->secs[k].index : -1;
    e->noffsets++;
    return true;
}

static bool publish(lctx *c, ss_image *im, ss_literals_result *r)
{
    size_t keep = c->ndg < SS_KEEP_STRINGS ? c->ndg : SS_KEEP_STRINGS;
    if (keep == 0)
        return true;
    r->duplicates = ss_arena_array(im->arena, keep, sizeof *r->duplicates);
    uint8_t *slot = calloc(c->npc ? c->npc : 1, 1); /* exact leader -> kept index + 1 */
    if (r->duplicates == NULL || slot == NULL) {
        free(slot);
        return false;
    }
    for (size_t k = 0; k < keep; k++) {
        const dgroup *g = &c->dg[k];
        ss_literal_dup *e = &r->duplicates[k];
        const uint8_t *p = c->base + group_off(c, g);
        e->table = !is_text(p, g->len);
        e->anchored = g->anchored;
        e->len = g->len;
        e->copies = g->copies;
        e->wasted = g->wasted;
        e->text = excerpt(im->arena, p, g->len, e->table, &e->excerpt_cut);
        size_t no = g->copies < SS_KEEP_OFFSETS ? (size_t)g->copies : SS_KEEP_OFFSETS;
        e->offsets = ss_arena_array(im->arena, no, sizeof *e->offsets);
        e->offset_sections = ss_arena_array(im->arena, no, sizeof *e->offset_sections);
        if (e->text == NULL || e->offsets == NULL || e->offset_sections == NULL) {
            free(slot);
            return false;
        }
        if (g->anchored) {
            add_offset(c, e, c->am[g->first].a);
            for (uint64_t i = g->first; i < g->first + g->copies - 1; i++)
                add_offset(c, e, c->am[i].b);
        } else {
            slot[g->first] = (uint8_t)(k + 1);
        }
    }
    r->nduplicates = keep;
    for (size_t i = 0; i < c->npc; i++) {
        const piece *x = &c->pc[i];
        if ((x->flags & P_OBJECT) && slot[x->leader])
            add_offset(c, &r->duplicates[slot[x->leader] - 1], x->off);
    }
    free(slot);
    return true;
}

/* ---- the toolchain's hint ----------------------------------------------------------------- */

static bool hexdigits(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return false;
    return true;
}

/* Rust's marks: a legacy-mangled name ending in its hash (_ZN...17h<16 hex>E), a v0-mangled
 * name (_R + an uppercase tag), or the runtime's own symbols. */
static bool rust_symbol(const char *n, char lead)
{
    if (lead && n[0] == lead)
        n++;
    if (strncmp(n, "_ZN", 3) == 0) {
        size_t len = strlen(n);
        return len > 24 && n[len - 1] == 'E' && strncmp(n + len - 20, "17h", 3) == 0 &&
               hexdigits(n + len - 17, 16);
    }
    if (n[0] == '_' && n[1] == 'R' && n[2] >= 'A' && n[2] <= 'Z')
        return true;
    return strcmp(n, "rust_begin_unwind") == 0 || strcmp(n, "rust_panic") == 0 ||
           strcmp(n, "__rust_alloc") == 0 || strcmp(n, "__rust_probestack") == 0;
}

/* Symbols looked at for Rust's marks: a Rust binary's symbols are nearly all Rust's, and
 * reading every name of a C++ library would find none. The names are read from at most
 * TOOLCHAIN_PAGES pages of memory: a hashed dynamic symbol table names its symbols all over its
 * string table, and on the project's VM each page read costs 2-9 us even where the hardening
 * checks read it before (libLLVM-15: 4,096 names on some 780 pages, 1.7-1.9 ms; 64 pages
 * 0.6 ms; 8 pages 0.08 ms). The toolchain found is the same with 8 pages as with all 4,096
 * names on the 2,507 ELF files of the project's machine (5 of them Rust's). */
#define TOOLCHAIN_SYMBOLS 4096
#define TOOLCHAIN_PAGES 8

static const char *toolchain(const ss_image *im)
{
    if (im->rustc_metadata)
        return "rust";
    bool named = false;
    uintptr_t page[2 * TOOLCHAIN_PAGES] = {0}; /* the pages read, + 1, open addressing */
    size_t npage = 0;
    for (size_t i = 0; i < im->nsymbols && i < TOOLCHAIN_SYMBOLS; i++) {
        const char *n = im->symbols[i].name;
        if (n == NULL)
            continue;
        uintptr_t pg = ((uintptr_t)n >> 12) + 1;
        size_t k = (size_t)(pg * 0x9e3779b97f4a7c15ull >> 40) % (2 * TOOLCHAIN_PAGES);
        while (page[k] && page[k] != pg)
            k = (k + 1) % (2 * TOOLCHAIN_PAGES);
        if (page[k] == 0) {
            if (npage == TOOLCHAIN_PAGES)
                continue; /* a name on a page not read yet */
            page[k] = pg;
            npage++;
        }
        if (n[0] == '\0')
            continue;
        named = true;
        if (rust_symbol(n, im->sym_lead))
            return "rust";
    }
    return named ? "c" : NULL;
}

static const char *make_hint(ss_image *im, const ss_literals_result *r)
{
    if (r->duplicate_bytes < FINDING_MIN_BYTES)
        return NULL;
    const char *lang;
    if (r->toolchain && strcmp(r->toolchain, "rust") == 0)
        lang = "Rust stores a literal or constant table once per codegen unit that uses it: "
               "lto = \"fat\" in the release profile merges the copies of different crates, "
               "codegen-units = 1 those inside one crate";
    else
        lang = "a table or literal defined static (or const at namespace scope) in a header is "
               "stored once per translation unit that uses it: define it once (extern in the "
               "header and the data in one source file, or C++17 inline constexpr)";
    if (r->linker != SS_LINKER_LLD)
        return lang;
    return ss_arena_printf(im->arena,
                           "%s; lld can also fold identical read-only data with --icf=all "
                           "--ignore-data-address-equality, which is unsafe where code compares "
                           "the addresses of distinct objects",
                           lang);
}

/* ---- the analysis ------------------------------------------------------------------------- */

ss_status ss_literals_analyze(ss_image *im, const ss_analysis_opts *o, ss_literals_result *out,
                              ss_diag *d)
{
    memset(out, 0, sizeof *out);
    lctx c = {.im = im, .base = ss_image_lit_base(im)};
    uint32_t min = o->min_string ? o->min_string : 1;
    if (!collect_sections(&c))
        goto oom;
    out->sections = c.nsecs;
    for (size_t k = 0; k < c.nsecs; k++)
        out->scanned_bytes += c.secs[k].end - c.secs[k].off;
    if (!collect_bounds(&c, out))
        goto oom;
    for (size_t i = 0; i < c.nbounds && !c.bounds_inside; i++)
        out->boundaries += sec_at(&c, c.bounds[i], true) >= 0;
    if (c.bounds_inside)
        out->boundaries = c.nbounds;
    if (!make_pieces(&c, min) || !group_exact(&c, out) || !group_anchored(&c, out) ||
        !collect_groups(&c, out))
        goto oom;
    out->toolchain = toolchain(im);
    out->linker = im->linker;
    out->hint = make_hint(im, out);
    if (!publish(&c, im, out))
        goto oom;
    lctx_free(&c);
    return SS_OK;
oom:
    lctx_free(&c);
    memset(out, 0, sizeof *out);
    return ss_fail_nooff(d, SS_E_NOMEM, "out of memory in the literals analysis");
}
