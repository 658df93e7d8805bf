/* refs.c - references into read-only data from fixes and code (see refs.h). */
#include "refs.h"

#include <stdlib.h> /* malloc, free, qsort */
#include <string.h> /* memcpy */

#include "../core/bigmem.h"
#include "../core/radix.h"
#include "addrscan.h"

struct ss_vrange {
    uint64_t lo, hi;  /* virtual addresses [lo, hi) */
    uint64_t offset;  /* image-relative file offset of lo */
};

static int vrange_cmp(const void *x, const void *y)
{
    const struct ss_vrange *a = x, *b = y;
    return (a->lo > b->lo) - (a->lo < b->lo);
}

/* The last range starting at or before va, or -1. */
static ptrdiff_t vrange_find(const struct ss_vrange *r, size_t n, uint64_t va)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (r[mid].lo <= va)
            lo = mid + 1;
        else
            hi = mid;
    }
    return (ptrdiff_t)lo - 1;
}

/* The window of ss_vmap_word: 32 KiB, eight pages, one pread; or one page and a word after a
 * jump (the word may cross the page's end). */
#define VMAP_WINDOW ((size_t)32 << 10)
#define VMAP_PAGE ((size_t)4096 + 8)

bool ss_vmap_init(ss_vmap *m, const ss_image *im)
{
    *m = (ss_vmap){.im = im};
    m->r = malloc((im->nsections ? im->nsections : 1) * sizeof *m->r);
    m->win = im->src_fd >= 0 ? malloc(VMAP_WINDOW) : NULL;
    if (m->r == NULL || (im->src_fd >= 0 && m->win == NULL)) {
        ss_vmap_free(m);
        return false;
    }
    for (size_t i = 0; i < im->nsections; i++) {
        const ss_section *s = &im->sections[i];
        uint64_t len = s->file_size < s->vm_size ? s->file_size : s->vm_size;
        ss_span b;
        if (!s->alloc || len == 0 || s->compression != SS_COMP_NONE ||
            s->vaddr + len < s->vaddr || !ss_span_sub(im->bytes, s->offset, len, &b))
            continue;
        m->r[m->n++] = (struct ss_vrange){s->vaddr, s->vaddr + len, s->offset};
    }
    qsort(m->r, m->n, sizeof *m->r, vrange_cmp);
    return true;
}

void ss_vmap_free(ss_vmap *m)
{
    free(m->r);
    free(m->win);
    *m = (ss_vmap){0};
}

/* The range holding va (the last one used, else a binary search), or -1. */
static inline ptrdiff_t vmap_find(ss_vmap *m, uint64_t va)
{
    if (m->last < m->n && m->r[m->last].lo <= va && va < m->r[m->last].hi)
        return (ptrdiff_t)m->last;
    ptrdiff_t k = vrange_find(m->r, m->n, va);
    if (k >= 0 && va < m->r[k].hi)
        m->last = (size_t)k;
    return k;
}

/* Moves the window onto image offset o. Words asked in order (a relocation table sorted by
 * place) get a whole window; a jump back or far on, one page: libLLVM-15's symbolic relocations
 * come sorted by symbol, and reading 32 KiB for each of their ~290 scattered words read
 * 9.5 MB. */
static __attribute__((noinline)) bool vmap_move(ss_vmap *m, uint64_t o)
{
    bool ahead = o >= m->whi && o - m->whi < VMAP_WINDOW;
    uint64_t lo = o & ~(uint64_t)4095, left = m->im->bytes.len - lo;
    size_t want = ahead ? VMAP_WINDOW : VMAP_PAGE;
    size_t len = left < want ? (size_t)left : want;
    if (!ss_image_read(m->im, lo, m->win, len))
        return false;
    m->wlo = lo;
    m->whi = lo + len;
    return true;
}

/* The word at va in range k, which holds it whole. Inlined in the loop over the fixes (a call
 * a word was a fifth of the time spent finding libLLVM-15's 280,000 slice lengths); the window
 * moves out of line. */
static inline __attribute__((always_inline)) bool vmap_read(ss_vmap *m, ptrdiff_t k, uint64_t va,
                                                            unsigned width, uint64_t *out)
{
    uint64_t o = m->r[k].offset + (va - m->r[k].lo); /* o + width <= the image's bytes */
    const uint8_t *p = m->im->bytes.p + o;
    if (m->win) {
        if ((o < m->wlo || o + width > m->whi) && !vmap_move(m, o))
            return false;
        p = m->win + (o - m->wlo);
    }
    /* One load (and a swap for the other byte order): called once per fix and pair candidate. */
    bool swap = m->im->big_endian != (__BYTE_ORDER__ == __ORDER_BIG_ENDIAN__);
    if (width == 8) {
        uint64_t v;
        memcpy(&v, p, 8);
        *out = swap ? __builtin_bswap64(v) : v;
    } else {
        uint32_t v;
        memcpy(&v, p, 4);
        *out = swap ? __builtin_bswap32(v) : v;
    }
    return true;
}

bool ss_vmap_word(ss_vmap *m, uint64_t va, unsigned width, uint64_t *out)
{
    ptrdiff_t k = vmap_find(m, va);
    if (k < 0 || va + width < va || va + width > m->r[k].hi)
        return false;
    return vmap_read(m, k, va, width, out);
}

/* The word right after the one at site, in the same section (one search for both: a slice's
 * length is looked for after each of libLLVM-15's 280,000 pointers into read-only data). */
static bool vmap_next_word(ss_vmap *m, uint64_t site, unsigned width, uint64_t *out)
{
    ptrdiff_t k = vmap_find(m, site);
    uint64_t va = site + width;
    if (k < 0 || site >= m->r[k].hi || va < site || va + width < va || va + width > m->r[k].hi)
        return false;
    return vmap_read(m, k, va, width, out);
}

/* Which places are fixed: a bit per byte over the span of the sites when that costs no more
 * than a sorted copy would (libLLVM-15: 382,145 sites over 8.3 MB, a 1 MiB map), else the fixes
 * sorted by site. Sorting them was 12% of the literals analysis' time on libLLVM-15, whose
 * relocation table comes in two runs (RELATIVE first). */
typedef struct {
    const ss_fix *fx; /* sorted by site when map is NULL */
    size_t n;
    uint64_t lo, span;
    uint8_t *map;
} fixset;

static bool fixset_init(fixset *f, ss_fix *fx, size_t n)
{
    *f = (fixset){fx, n, UINT64_MAX, 0, NULL};
    uint64_t hi = 0;
    for (size_t i = 0; i < n; i++) {
        f->lo = fx[i].site < f->lo ? fx[i].site : f->lo;
        hi = fx[i].site > hi ? fx[i].site : hi;
    }
    f->span = hi - f->lo + 1;
    if (f->span / 8 <= (uint64_t)n * sizeof *fx && (f->map = ss_big_alloc(f->span / 8 + 1))) {
        for (size_t i = 0; i < n; i++) {
            uint64_t k = fx[i].site - f->lo;
            f->map[k / 8] |= (uint8_t)(1u << (k % 8));
        }
        return true;
    }
    bool sorted = true; /* RELR is in order by construction, one table usually is */
    for (size_t i = 1; i < n && sorted; i++)
        sorted = fx[i - 1].site <= fx[i].site;
    return sorted || ss_radix_sort(fx, n, sizeof *fx, offsetof(ss_fix, site));
}

static bool fixset_has(const fixset *f, uint64_t site)
{
    if (f->map) {
        uint64_t k = site - f->lo;
        return site >= f->lo && k < f->span && (f->map[k / 8] >> (k % 8) & 1);
    }
    size_t lo = 0, hi = f->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (f->fx[mid].site < site)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < f->n && f->fx[lo].site == site;
}

/* The slice length after the fixed pointer at site, or 0: the word after the pointer must be
 * in the same section, no fix's (a fixed word holds an address or nothing yet, never a
 * length) and hold 1..left. */
static uint64_t slice_len(ss_vmap *vm, const fixset *fs, uint64_t site, unsigned ptr,
                          uint64_t left)
{
    uint64_t next = site + ptr, len;
    if (next < site || fixset_has(fs, next) || !vmap_next_word(vm, site, ptr, &len))
        return 0;
    return len > 0 && len <= left && len <= UINT32_MAX ? len : 0;
}

bool ss_refs_build(ss_image *im, ss_fix *fx, size_t n, unsigned ptr)
{
    ss_litmap lit;
    ss_vmap vm = {0};
    fixset fs = {0};
    ss_addr_list code = {0};
    if (!ss_litmap_init(&lit, im))
        return false;
    if (lit.n == 0) {
        ss_litmap_free(&lit);
        return true;
    }
    /* The code's address loads first, so that the references are reserved once: reserving the
     * code's after the fixes' grew libLLVM-15's 10 MB of references into a new block (zeroed
     * 2 MiB pages and a copy: 6% of the literals analysis). */
    bool ok = ss_addrscan_image(im, &code) && (n == 0 || (ss_vmap_init(&vm, im) &&
                                                          fixset_init(&fs, fx, n)));
    /* The references are written straight into one reservation for the most they can be (a
     * target and a slice per fix, and the code's), and what is left of it given back: a list
     * of the targets found first, then copied, was 4.5 MB written and read again on
     * libLLVM-15. */
    size_t most = 0;
    ok = ok && !__builtin_mul_overflow(n, (size_t)2, &most) &&
         !__builtin_add_overflow(most, code.n, &most);
    ss_ref *r = ok && most ? ss_image_add_refs(im, most) : NULL, *r0 = r;
    ok = ok && (most == 0 || r != NULL);
    const ss_addr_range *in = NULL; /* the last section hit, tried first (as in_literals) */
    for (size_t i = 0; i < n && ok; i++) {
        uint64_t t = fx[i].target;
        if (in == NULL || t < in->lo || t >= in->hi)
            in = ss_litmap_find(&lit, t);
        if (in == NULL)
            continue;
        uint64_t len = slice_len(&vm, &fs, fx[i].site, ptr, in->hi - t);
        *r++ = (ss_ref){.addr = t, .section = -1, .source = SS_REF_RELOC};
        if (len) /* slice_len keeps it below 2^32 */
            *r++ = (ss_ref){t, (uint32_t)len, -1, SS_REF_PAIR};
    }
    for (size_t i = 0; i < code.n && ok; i++)
        *r++ = (ss_ref){.addr = code.v[i].target, .section = -1, .source = SS_REF_CODE};
    if (r0)
        ss_image_drop_refs(im, most - (size_t)(r - r0));
    ss_big_free(fs.map, fs.map ? fs.span / 8 + 1 : 0);
    ss_addr_list_free(&code);
    ss_vmap_free(&vm);
    ss_litmap_free(&lit);
    return ok;
}
