/* addrscan.c - address loads by byte patterns (see addrscan.h). */
#include "addrscan.h"

#include <stdlib.h> /* malloc, realloc, free, qsort */
#include <string.h> /* memcpy, strcmp */
#if defined(__SSE2__)
#include <emmintrin.h> /* _mm_* */
#endif

#include "../core/bigmem.h"
#include "../core/span.h"

ss_isa ss_addrscan_isa(const ss_image *im)
{
    if (im->machine == NULL || im->bits != 64 || im->big_endian)
        return SS_ISA_NONE;
    if (strcmp(im->machine, "x86-64") == 0)
        return SS_ISA_X86_64;
    if (strcmp(im->machine, "AArch64") == 0) /* every reader spells machines as ELF's does */
        return SS_ISA_AARCH64;
    return SS_ISA_NONE;
}

/* Room for one more load in *out. */
static bool room(ss_addr_load **out, size_t n, size_t *cap)
{
    if (n < *cap)
        return true;
    size_t nc = *cap ? *cap * 2 : 1024;
    /* fresh memory of megabytes for a big library: on 2 MiB pages (bigmem.h) */
    ss_addr_load *x = ss_big_realloc(*out, *cap * sizeof *x, nc * sizeof *x);
    if (x == NULL)
        return false;
    *out = x;
    *cap = nc;
    return true;
}

static bool push(ss_addr_load **out, size_t *n, size_t *cap, uint64_t at, uint64_t target)
{
    if (!room(out, *n, cap))
        return false;
    (*out)[(*n)++] = (ss_addr_load){at, target};
    return true;
}

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* x86-64: REX.W (0x48-0x4f), opcode 0x8d, ModRM with mod 00 and r/m 101 (RIP-relative in
 * 64-bit mode whatever REX.B says), then disp32; the target is relative to the next
 * instruction, 7 bytes on. */
static bool lea_at(const uint8_t *p, const uint8_t *o, uint64_t vaddr,
                   bool (*keep)(void *, uint64_t), void *ctx, ss_addr_load **out, size_t *no,
                   size_t *cap)
{
    int32_t disp = (int32_t)le32(o + 2);
    uint64_t at = vaddr + (uint64_t)(o - 1 - p);
    uint64_t target = at + 7 + (uint64_t)(int64_t)disp;
    return !keep(ctx, target) || push(out, no, cap, at, target);
}

/* The vector loops below make no call: a call inside them (keep, push) made the compiler keep
 * their constants on the stack and load them again every step, which doubled the scan's time
 * on libLLVM-15 (5.0 ms for its 53 MB of code, 150,574 matches). They note the matches of up to
 * BATCH bytes by their offset, and the matches are taken after each batch. */
#define BATCH 2048

static bool take(const uint8_t *p, const uint8_t *b, const uint16_t *at, size_t na,
                 uint64_t vaddr, bool (*keep)(void *, uint64_t), void *ctx, ss_addr_load **out,
                 size_t *no, size_t *cap)
{
    /* Each load is written, then kept by moving the count on: a third of libLLVM-15's matches
     * land outside the literal sections, a branch no predictor learns. */
    for (size_t i = 0; i < na; i++) {
        if (!room(out, *no, cap))
            return false;
        const uint8_t *o = b + at[i];
        uint64_t where = vaddr + (uint64_t)(o - 1 - p);
        uint64_t target = where + 7 + (uint64_t)(int64_t)(int32_t)le32(o + 2);
        (*out)[*no] = (ss_addr_load){where, target};
        *no += keep(ctx, target);
    }
    return true;
}

/* 0x8d is among the commonest bytes of x86 code, so looking for it with memchr stopped every
 * few bytes: 60-70 ms over libLLVM-15's 50 MB of code, three times `cat` of the whole file.
 * SSE2 (every x86-64 has it) tests the three bytes of the pattern for 16 places at once. */
static bool scan_x86_64(const uint8_t *p, size_t n, uint64_t vaddr,
                        bool (*keep)(void *, uint64_t), void *ctx, ss_addr_load **out,
                        size_t *no, size_t *cap, size_t from)
{
    if (n < 7)
        return true;
    /* the opcode's first place not yet looked at (from: what a wider loop did), and its last */
    const uint8_t *q = p + from, *end = p + n - 5;
#if defined(__SSE2__)
    const __m128i k8d = _mm_set1_epi8((char)0x8d), kc7 = _mm_set1_epi8((char)0xc7),
                  k05 = _mm_set1_epi8(0x05), kf8 = _mm_set1_epi8((char)0xf8),
                  k48 = _mm_set1_epi8(0x48);
    uint16_t at[BATCH];
    /* q - 1 .. q + 16 must be inside [p, end + 1]: q + 16 < end + 1 */
    while (end - q > 16) {
        const uint8_t *b = q;
        size_t na = 0;
        for (; end - q > 16 && q - b < BATCH; q += 16) {
            __m128i op = _mm_loadu_si128((const __m128i *)(const void *)q);
            __m128i rm = _mm_loadu_si128((const __m128i *)(const void *)(q + 1));
            __m128i rex = _mm_loadu_si128((const __m128i *)(const void *)(q - 1));
            __m128i m = _mm_and_si128(
                _mm_cmpeq_epi8(op, k8d),
                _mm_and_si128(_mm_cmpeq_epi8(_mm_and_si128(rm, kc7), k05),
                              _mm_cmpeq_epi8(_mm_and_si128(rex, kf8), k48)));
            for (unsigned bits = (unsigned)_mm_movemask_epi8(m); bits; bits &= bits - 1)
                at[na++] = (uint16_t)(q - b + __builtin_ctz(bits));
        }
        if (!take(p, b, at, na, vaddr, keep, ctx, out, no, cap))
            return false;
    }
#endif
    for (; q < end; q++)
        if (*q == 0x8d && (q[-1] & 0xf8) == 0x48 && (q[1] & 0xc7) == 0x05 &&
            !lea_at(p, q, vaddr, keep, ctx, out, no, cap))
            return false;
    return true;
}

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h> /* _mm256_* */
#define HAVE_AVX2_SCAN 1
/* The same test on 32 places at once where the CPU has AVX2 (chosen at run time, as the
 * string scanner does). It stops where fewer than 32 places are left; scan_x86_64 goes on from
 * there. */
__attribute__((target("avx2"))) static bool scan_x86_64_avx2(
    const uint8_t *p, size_t n, uint64_t vaddr, bool (*keep)(void *, uint64_t), void *ctx,
    ss_addr_load **out, size_t *no, size_t *cap, size_t *done)
{
    *done = 1;
    if (n < 7)
        return true;
    const uint8_t *q = p + 1, *end = p + n - 5;
    const __m256i k8d = _mm256_set1_epi8((char)0x8d), kc7 = _mm256_set1_epi8((char)0xc7),
                  k05 = _mm256_set1_epi8(0x05), kf8 = _mm256_set1_epi8((char)0xf8),
                  k48 = _mm256_set1_epi8(0x48);
    uint16_t at[BATCH];
    while (end - q > 32) { /* q - 1 .. q + 32 inside [p, end + 1] */
        const uint8_t *b = q;
        size_t na = 0;
        for (; end - q > 32 && q - b < BATCH; q += 32) {
            __m256i op = _mm256_loadu_si256((const __m256i *)(const void *)q);
            __m256i rm = _mm256_loadu_si256((const __m256i *)(const void *)(q + 1));
            __m256i rex = _mm256_loadu_si256((const __m256i *)(const void *)(q - 1));
            __m256i m = _mm256_and_si256(
                _mm256_cmpeq_epi8(op, k8d),
                _mm256_and_si256(_mm256_cmpeq_epi8(_mm256_and_si256(rm, kc7), k05),
                                 _mm256_cmpeq_epi8(_mm256_and_si256(rex, kf8), k48)));
            /* The first match is noted without a branch (na moves on only when there is
             * one): a branch taken once in eleven steps, unpredictably, cost 1 ms of 4. */
            unsigned bits = (unsigned)_mm256_movemask_epi8(m), o = (unsigned)(q - b);
            at[na] = (uint16_t)(o + (unsigned)__builtin_ctz(bits | 0x80000000u));
            na += bits != 0;
            for (bits &= bits - 1; __builtin_expect(bits != 0, 0); bits &= bits - 1)
                at[na++] = (uint16_t)(o + (unsigned)__builtin_ctz(bits));
        }
        if (!take(p, b, at, na, vaddr, keep, ctx, out, no, cap))
            return false;
    }
    *done = (size_t)(q - p);
    return true;
}
#endif

/* AArch64: adrp Xd (op 1, bits 28-24 10000) and, within the next AARCH64_LOOK instructions, an
 * `add Xd', Xn, #imm12` (64-bit, no shift) with Xn the adrp's Xd; the search stops at another
 * adrp to the same register. The target is the adrp's page plus imm12. */
#define AARCH64_LOOK 8
static bool scan_aarch64(const uint8_t *p, size_t n, uint64_t vaddr,
                         bool (*keep)(void *, uint64_t), void *ctx, ss_addr_load **out,
                         size_t *no, size_t *cap)
{
    size_t count = n / 4;
    for (size_t i = 0; i < count; i++) {
        uint32_t w = le32(p + 4 * i);
        if ((w & 0x9f000000u) != 0x90000000u)
            continue;
        unsigned rd = w & 31;
        uint64_t imm = (uint64_t)((w >> 5) & 0x7ffff) << 2 | ((w >> 29) & 3);
        if (imm & (1u << 20)) /* 21-bit signed page count */
            imm |= ~(uint64_t)0x1fffff;
        uint64_t pc = vaddr + 4 * (uint64_t)i;
        uint64_t page = (pc & ~(uint64_t)0xfff) + (imm << 12);
        for (size_t j = i + 1; j < count && j <= i + AARCH64_LOOK; j++) {
            uint32_t x = le32(p + 4 * j);
            if ((x & 0x9f000000u) == 0x90000000u && (x & 31) == rd)
                break;
            if ((x & 0xffc00000u) == 0x91000000u && ((x >> 5) & 31) == rd) {
                uint64_t target = page + ((x >> 10) & 0xfff);
                if (keep(ctx, target) && !push(out, no, cap, pc, target))
                    return false;
                break;
            }
        }
    }
    return true;
}

bool ss_addrscan(ss_isa isa, const uint8_t *code, size_t n_code, uint64_t vaddr,
                 bool (*keep)(void *ctx, uint64_t target), void *ctx, ss_addr_load **out,
                 size_t *n, size_t *cap)
{
    switch (isa) {
    case SS_ISA_X86_64: {
        size_t from = 1;
#ifdef HAVE_AVX2_SCAN
        if (__builtin_cpu_supports("avx2") &&
            !scan_x86_64_avx2(code, n_code, vaddr, keep, ctx, out, n, cap, &from))
            return false;
#endif
        return scan_x86_64(code, n_code, vaddr, keep, ctx, out, n, cap, from);
    }
    case SS_ISA_AARCH64: return scan_aarch64(code, n_code, vaddr, keep, ctx, out, n, cap);
    case SS_ISA_NONE: break;
    }
    return true;
}

/* ---- a whole image ------------------------------------------------------------------------ */

static int range_cmp(const void *a, const void *b)
{
    const ss_addr_range *x = a, *y = b;
    return (x->lo > y->lo) - (x->lo < y->lo);
}

bool ss_litmap_init(ss_litmap *l, const ss_image *im)
{
    l->n = 0;
    l->r = malloc((im->nsections ? im->nsections : 1) * sizeof *l->r);
    if (l->r == NULL)
        return false;
    for (size_t i = 0; i < im->nsections; i++) {
        const ss_section *s = &im->sections[i];
        if (s->literals && s->alloc && s->vm_size && s->vaddr + s->vm_size > s->vaddr)
            l->r[l->n++] = (ss_addr_range){s->vaddr, s->vaddr + s->vm_size};
    }
    qsort(l->r, l->n, sizeof *l->r, range_cmp);
    return true;
}

void ss_litmap_free(ss_litmap *l)
{
    free(l->r);
    *l = (ss_litmap){0};
}

const ss_addr_range *ss_litmap_find(const ss_litmap *l, uint64_t va)
{
    size_t lo = 0, hi = l->n; /* the last section starting at or below va */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (l->r[mid].lo <= va)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo > 0 && va < l->r[lo - 1].hi ? &l->r[lo - 1] : NULL;
}

/* The literal sections, with the one a target was last found in tried first: a big library's
 * loads land mostly in one (libLLVM-15 has a single one, .rodata). */
typedef struct {
    ss_litmap map;
    const ss_addr_range *last;
} litkeep;

static bool in_literals(void *ctx, uint64_t target)
{
    litkeep *k = ctx;
    if (k->last && target >= k->last->lo && target < k->last->hi)
        return true;
    const ss_addr_range *r = ss_litmap_find(&k->map, target);
    k->last = r ? r : k->last;
    return r != NULL;
}

/* A section's code is read and scanned READ_CHUNK bytes at a time: the chunk stays in the
 * cache between the copy and the scan, and the mapping is never touched (libLLVM-15's 53 MB of
 * code: 48-62 ms through first touches of the mapping, see input.h). A pattern starting in a
 * chunk may end up to CHUNK_OVERLAP bytes into the next (x86-64: 7 bytes; AArch64: an add 8
 * instructions on) and is the chunk's: loads found further on are the next chunk's. Bytes that
 * are a buffer already (a small file, a caller's bytes) are scanned where they are. */
#define READ_CHUNK ((size_t)256 << 10)
#define CHUNK_OVERLAP 64
#define LOAD_SPACING 256

static bool scan_section(const ss_image *im, ss_isa isa, uint64_t off, size_t len, uint64_t vaddr,
                         litkeep *rs, uint8_t *buf, size_t chunk, ss_addr_load **out, size_t *n,
                         size_t *cap)
{
    if (buf == NULL)
        return ss_addrscan(isa, im->bytes.p + off, len, vaddr, in_literals, rs, out, n, cap);
    for (size_t a = 0; a < len; a += chunk) {
        size_t e = len - a > chunk ? a + chunk : len;
        size_t stop = len - e > CHUNK_OVERLAP ? e + CHUNK_OVERLAP : len, n0 = *n;
        if (!ss_image_read(im, off + a, buf, stop - a) ||
            !ss_addrscan(isa, buf, stop - a, vaddr + a, in_literals, rs, out, n, cap))
            return false;
        while (*n > n0 && (*out)[*n - 1].at >= vaddr + e) /* in address order: the next chunk's */
            (*n)--;
    }
    return true;
}

void ss_addr_list_free(ss_addr_list *l)
{
    ss_big_free(l->v, l->cap * sizeof *l->v);
    *l = (ss_addr_list){0};
}

/* A code section to scan: its bytes in the image and its address. */
typedef struct {
    uint64_t off, len, vaddr;
} csec;

static int csec_cmp(const void *a, const void *b)
{
    const csec *x = a, *y = b;
    return (x->off > y->off) - (x->off < y->off);
}

/* The code sections by file offset, each byte in one at most: a section sharing file bytes with
 * an earlier one is left out. A crafted file can name the same bytes from thousands of section
 * headers (quadratic.code-sections: 2,000 headers of 64 bytes over 128 KB of code would scan
 * 256 MB), and a real image's code sections never overlap. */
static size_t code_sections(const ss_image *im, csec *c)
{
    size_t n = 0, k = 0;
    for (size_t i = 0; i < im->nsections; i++) {
        const ss_section *s = &im->sections[i];
        ss_span b;
        if (s->kind == SS_KIND_CODE && s->alloc && s->file_size && s->compression == SS_COMP_NONE &&
            ss_span_sub(im->bytes, s->offset, s->file_size, &b))
            c[n++] = (csec){s->offset, b.len, s->vaddr};
    }
    qsort(c, n, sizeof *c, csec_cmp);
    for (size_t i = 0; i < n; i++)
        if (k == 0 || c[i].off >= c[k - 1].off + c[k - 1].len)
            c[k++] = c[i];
    return k;
}

static bool scan_image(const ss_image *im, size_t chunk, bool read, ss_addr_list *out)
{
    *out = (ss_addr_list){0};
    if (chunk == 0 || chunk % 4 || chunk > SIZE_MAX - CHUNK_OVERLAP)
        return false; /* AArch64's instructions must stay 4-aligned in each chunk */
    ss_isa isa = ss_addrscan_isa(im);
    if (isa == SS_ISA_NONE || im->type == SS_TYPE_RELOCATABLE)
        return true; /* an object's code holds relocations where the displacements will be */
    litkeep rs = {0};
    csec *cs = malloc((im->nsections ? im->nsections : 1) * sizeof *cs);
    uint8_t *buf = read ? malloc(chunk + CHUNK_OVERLAP) : NULL;
    bool ok = ss_litmap_init(&rs.map, im) && cs != NULL && (!read || buf != NULL);
    size_t ncs = ok && rs.map.n ? code_sections(im, cs) : 0;
    /* Room for one load per LOAD_SPACING bytes of code at once (libLLVM-15: one per 520): the
     * list's pages are only touched as it fills, and growing it by doubling from small cost 4% of
     * the literals analysis in copies to fresh blocks. The sections do not overlap: their bytes
     * add up to at most the file's. */
    uint64_t code = 0;
    for (size_t i = 0; i < ncs; i++)
        code += cs[i].len;
    if (ok && code / LOAD_SPACING > 1024) {
        size_t room = (size_t)(code / LOAD_SPACING);
        out->v = ss_big_alloc_raw(room * sizeof *out->v);
        out->cap = out->v ? room : 0;
        ok = out->v != NULL;
    }
    for (size_t i = 0; i < ncs && ok; i++)
        ok = scan_section(im, isa, cs[i].off, (size_t)cs[i].len, cs[i].vaddr, &rs, buf, chunk,
                          &out->v, &out->n, &out->cap);
    ss_litmap_free(&rs.map);
    free(cs);
    free(buf);
    if (!ok)
        ss_addr_list_free(out);
    return ok;
}

bool ss_addrscan_image(const ss_image *im, ss_addr_list *out)
{
    return scan_image(im, READ_CHUNK, im->src_fd >= 0, out);
}

bool ss_addrscan_image_chunked(const ss_image *im, size_t chunk, ss_addr_list *out)
{
    return scan_image(im, chunk, true, out);
}
