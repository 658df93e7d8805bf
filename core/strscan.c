/* strscan.c - the string scanner: byte classes as 64-bit masks, strings from the NUL bits.
 *
 * Each block of 64 bytes becomes three masks: A (ASCII text), Z (NUL) and H (bytes >= 0x80).
 * A string ends at a NUL whose previous byte may be text; its start is found with one
 * count-leading-zeros on the break bits below the NUL, carried across blocks. Non-ASCII bytes
 * are decided only where they can matter: a UTF-8 sequence is made of bytes >= 0x80 alone, so
 * the greedy decode of a run of such bytes starts fresh at the run's first byte, and is done
 * only for a NUL whose run, counting every such byte as text, is long enough. Binary data (most
 * of a big library's read-only bytes) thus costs a few vector instructions per 64 bytes, where
 * a byte-at-a-time scan cost about 2 ns a byte (libLLVM-15: 87 ms for 41 MB scanned).
 *
 * The masks come from AVX2 or SSE2 where the CPU has them, else from portable C; everything
 * after the masks is shared, so the implementations cannot disagree on anything but the masks,
 * and the tests compare all of them with a byte-at-a-time reference. */
#include "strscan.h"

#include <stdatomic.h> /* atomic_int */
#include <stdlib.h>    /* size_t */

#include "bigmem.h"

#include "utf8.h"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define SS_X86 1
#include <immintrin.h>
#endif

/* Length of a valid UTF-8 sequence of two to four bytes at p (n available) encoding a printable
 * code point (no C1 controls), or 0. */
static size_t utf8_len(const uint8_t *p, size_t n)
{
    uint32_t cp;
    size_t len = ss_utf8_next(p, n, &cp);
    return len >= 2 && !(cp >= 0x80 && cp <= 0x9f) ? len : 0;
}

static bool ascii_text(uint8_t b)
{
    return (b >= 0x20 && b <= 0x7e) || b == 0x09;
}

/* The start of the string that ends at the NUL at z, when [from, z) is ASCII text and the byte
 * before from is >= 0x80 (or from == z and the byte before z is): walks back over runs of
 * non-ASCII bytes, decoding each greedily from its first byte, until a byte that is not text.
 * The walk never passes the previous certain break, so all walks together read each byte at
 * most twice. */
static size_t resolve_start(const uint8_t *p, size_t from)
{
    size_t pos = from;
    while (pos > 0) {
        uint8_t c = p[pos - 1];
        if (c < 0x80) {
            if (!ascii_text(c))
                return pos;
            pos--;
            continue;
        }
        size_t b = pos, a = pos;
        while (a > 0 && p[a - 1] >= 0x80)
            a--;
        size_t last_break = SIZE_MAX;
        for (size_t x = a; x < b;) {
            size_t u = utf8_len(p + x, b - x);
            if (u) {
                x += u;
            } else {
                last_break = x;
                x++;
            }
        }
        if (last_break != SIZE_MAX)
            return last_break + 1;
        pos = a;
    }
    return 0;
}

void ss_strrecs_free(ss_strrecs *r)
{
    if (!r->fixed)
        ss_big_free(r->items, r->cap * sizeof *r->items);
    r->items = NULL;
    r->n = r->cap = 0;
}

bool ss_strrecs_reserve(ss_strrecs *r, size_t n)
{
    if (n <= r->cap)
        return true;
    if (r->fixed || n > SIZE_MAX / sizeof *r->items)
        return false;
    ss_strrec *ni = ss_big_realloc(r->items, r->cap * sizeof *ni, n * sizeof *ni);
    if (ni == NULL)
        return false;
    r->items = ni;
    r->cap = n;
    return true;
}

/* Records one string; false when out of memory. Out of line: the block loop stays in registers. */
static __attribute__((noinline)) bool emit(ss_strrecs *o, const uint8_t *s, size_t len)
{
    o->count++;
    o->bytes += len + 1;
    if (o->n >= SS_STRING_MAX_RECORDS)
        return true;
    if (o->n == o->cap && !ss_strrecs_reserve(o, o->cap ? o->cap * 2 : 4096))
        return false;
    o->items[o->n++] = (ss_strrec){s, (uint32_t)len, ss_str_hash(s, len)};
    return true;
}

/* The scan state, kept in the loop's locals. */
typedef struct {
    size_t run_a;    /* one past the last byte before the block that is not ASCII text */
    size_t run_t;    /* one past the last byte before the block that is neither ASCII text nor
                      * >= 0x80 (a certain break) */
    uint64_t prev_t; /* the previous block's "maybe text" bits */
} state;

/* One block at byte i of p: A, Z, H as above (bits past the end are breaks). need is min, at
 * most 64: the bytes of maybe-text a NUL needs right before it to be looked at. False when out
 * of memory. */
static inline __attribute__((always_inline)) bool block(state *st, const uint8_t *p, size_t i,
                                                         uint64_t A, uint64_t Z, uint64_t H,
                                                         uint32_t min, unsigned need,
                                                         ss_strrecs *out)
{
    uint64_t T = A | H;   /* maybe text */
    uint64_t ba = ~A;     /* breaks if every non-ASCII byte is one */
    uint64_t bt = ~T;     /* certain breaks */
    /* NULs with at least `need` maybe-text bytes right before them, by doubling: bit x of w
     * says bytes x-k .. x-1 are all maybe text; two windows of k >= need/2 bytes then cover
     * need. The previous block supplies the bits shifted in. */
    unsigned __int128 w = ((unsigned __int128)st->prev_t | (unsigned __int128)T << 64) << 1;
    unsigned k = 1;
    for (; 2 * k <= need; k *= 2)
        w &= w << k;
    if (k < need)
        w &= w << (need - k);
    uint64_t ends = Z & (uint64_t)(w >> 64);
    bool ok = true;
    while (ends) {
        unsigned z = (unsigned)__builtin_ctzll(ends);
        ends &= ends - 1;
        uint64_t below = ((uint64_t)1 << z) - 1;
        uint64_t mt = bt & below;
        size_t start_t = mt ? i + 64 - (size_t)__builtin_clzll(mt) : st->run_t;
        size_t end = i + z;
        if (end - start_t < min)
            continue; /* too short even if every non-ASCII byte were text */
        uint64_t ma = ba & below;
        size_t start = ma ? i + 64 - (size_t)__builtin_clzll(ma) : st->run_a;
        if (start != start_t)
            start = resolve_start(p, start);
        size_t len = end - start;
        if (len >= min && len <= SS_STRING_MAX_LEN)
            ok &= emit(out, p + start, len);
    }
    if (ba)
        st->run_a = i + 64 - (size_t)__builtin_clzll(ba);
    if (bt)
        st->run_t = i + 64 - (size_t)__builtin_clzll(bt);
    st->prev_t = T;
    return ok;
}

static inline __attribute__((always_inline)) void masks_c(const uint8_t *b, uint64_t *A,
                                                           uint64_t *Z, uint64_t *H)
{
    uint64_t a = 0, z = 0, h = 0;
    for (unsigned k = 0; k < 64; k++) {
        uint8_t c = b[k];
        a |= (uint64_t)ascii_text(c) << k;
        z |= (uint64_t)(c == 0) << k;
        h |= (uint64_t)(c >> 7) << k;
    }
    *A = a;
    *Z = z;
    *H = h;
}

/* The last partial block, padded with 0x01 (never text: a break). */
static bool tail(state *st, const uint8_t *p, size_t n, size_t i, uint32_t min, unsigned need,
                 ss_strrecs *out)
{
    uint8_t buf[64];
    memset(buf, 0x01, sizeof buf);
    memcpy(buf, p + i, n - i);
    uint64_t A, Z, H;
    masks_c(buf, &A, &Z, &H);
    return block(st, p, i, A, Z, H, min, need, out);
}

/* One scan loop per way of making the masks. */
#define SCAN_BLOCKS(MASKS, NEED)                                                              \
    for (; i + 64 <= n; i += 64) {                                                            \
        uint64_t A, Z, H;                                                                     \
        MASKS(p + i, &A, &Z, &H);                                                             \
        ok &= block(&st, p, i, A, Z, H, min, NEED, out);                                      \
    }
/* The default minimum (4) gets a loop of its own, where the filter's shifts are constants. */
#define SCAN_LOOP(MASKS)                                                                      \
    state st = {0, 0, 0};                                                                     \
    unsigned need = min < 64 ? min : 64;                                                      \
    bool ok = true;                                                                           \
    size_t i = 0;                                                                             \
    if (need == 4) {                                                                          \
        SCAN_BLOCKS(MASKS, 4)                                                                 \
    } else {                                                                                  \
        SCAN_BLOCKS(MASKS, need)                                                              \
    }                                                                                         \
    if (i < n)                                                                                \
        ok &= tail(&st, p, n, i, min, need, out);                                             \
    return ok

static bool scan_c(const uint8_t *p, size_t n, uint32_t min, ss_strrecs *out)
{
    SCAN_LOOP(masks_c);
}

#ifdef SS_X86
/* Signed compares: bytes >= 0x80 are negative, so "> 0x1f and < 0x7f" is printable ASCII. */
static inline __attribute__((always_inline)) void masks_sse2(const uint8_t *b, uint64_t *A,
                                                              uint64_t *Z, uint64_t *H)
{
    uint64_t a = 0, z = 0, h = 0;
    for (unsigned k = 0; k < 4; k++) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(b + 16 * k));
        __m128i pr = _mm_and_si128(_mm_cmpgt_epi8(v, _mm_set1_epi8(0x1f)),
                                   _mm_cmplt_epi8(v, _mm_set1_epi8(0x7f)));
        __m128i t = _mm_or_si128(pr, _mm_cmpeq_epi8(v, _mm_set1_epi8(0x09)));
        a |= (uint64_t)(uint16_t)_mm_movemask_epi8(t) << (16 * k);
        z |= (uint64_t)(uint16_t)_mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_setzero_si128()))
             << (16 * k);
        h |= (uint64_t)(uint16_t)_mm_movemask_epi8(v) << (16 * k);
    }
    *A = a;
    *Z = z;
    *H = h;
}

static bool scan_sse2(const uint8_t *p, size_t n, uint32_t min, ss_strrecs *out)
{
    SCAN_LOOP(masks_sse2);
}

__attribute__((target("avx2"))) static inline uint64_t bits_avx2(__m256i lo, __m256i hi)
{
    return (uint64_t)(uint32_t)_mm256_movemask_epi8(lo) |
           (uint64_t)(uint32_t)_mm256_movemask_epi8(hi) << 32;
}

__attribute__((target("avx2"))) static inline __m256i text_avx2(__m256i v)
{
    __m256i pr = _mm256_and_si256(_mm256_cmpgt_epi8(v, _mm256_set1_epi8(0x1f)),
                                  _mm256_cmpgt_epi8(_mm256_set1_epi8(0x7f), v));
    return _mm256_or_si256(pr, _mm256_cmpeq_epi8(v, _mm256_set1_epi8(0x09)));
}

__attribute__((target("avx2"))) static inline void masks_avx2(const uint8_t *b, uint64_t *A,
                                                               uint64_t *Z, uint64_t *H)
{
    __m256i lo = _mm256_loadu_si256((const __m256i *)(const void *)b);
    __m256i hi = _mm256_loadu_si256((const __m256i *)(const void *)(b + 32));
    __m256i zero = _mm256_setzero_si256();
    *A = bits_avx2(text_avx2(lo), text_avx2(hi));
    *Z = bits_avx2(_mm256_cmpeq_epi8(lo, zero), _mm256_cmpeq_epi8(hi, zero));
    *H = bits_avx2(lo, hi);
}

__attribute__((target("avx2"))) static bool scan_avx2(const uint8_t *p, size_t n, uint32_t min,
                                                       ss_strrecs *out)
{
    SCAN_LOOP(masks_avx2);
}
#endif

static atomic_int forced; /* 0: choose by CPU */

static int best_impl(void)
{
#ifdef SS_X86
    return __builtin_cpu_supports("avx2") ? 3 : 2;
#else
    return 1;
#endif
}

bool ss_strscan_use(int impl)
{
    if (impl < 0 || impl > 3 || impl > best_impl())
        return false;
    atomic_store_explicit(&forced, impl, memory_order_relaxed);
    return true;
}

bool ss_strscan(const uint8_t *p, size_t n, uint32_t min, ss_strrecs *out)
{
    if (min == 0)
        min = 1;
    int impl = atomic_load_explicit(&forced, memory_order_relaxed);
    switch (impl ? impl : best_impl()) {
#ifdef SS_X86
    case 3: return scan_avx2(p, n, min, out);
    case 2: return scan_sse2(p, n, min, out);
#endif
    default: return scan_c(p, n, min, out);
    }
}
