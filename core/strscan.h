/* strscan.h - finding the string literals of read-only data, 64 bytes at a time.
 *
 * A string is a maximal run of text ending in a NUL, at least min bytes long (the NUL not
 * counted). Text is what strings(1) prints: a printable ASCII byte or a tab; and beyond it a
 * valid UTF-8 sequence of two to four bytes encoding a printable code point (no C1 controls),
 * decoded greedily from the first byte of each run of non-ASCII bytes. Other control bytes
 * (\n \v \f \r ESC ...) break a run: on libLLVM-15, 21 of the 100 largest duplicates under the
 * older definition, which took \n \v \f \r and ESC as text, were table bytes such as
 * "T\x0b\x0aww" (issue 19). This is the definition of the
 * string analysis (analysis.h); the scanner is its fast path, and tests check it against a
 * byte-at-a-time reference on every implementation. */
#ifndef SS_STRSCAN_H
#define SS_STRSCAN_H

#include <stdbool.h> /* bool */
#include <stddef.h>  /* size_t */
#include <stdint.h>  /* uint8_t, uint32_t, uint64_t */
#include <string.h>  /* memcpy */

/* Strings longer than this are not counted (no literal comes close; it bounds 32-bit lengths). */
#define SS_STRING_MAX_LEN (1u << 30)
/* Strings beyond this many are counted but not recorded (record indices are 32-bit). */
#define SS_STRING_MAX_RECORDS 0x7fffffffu

typedef struct {
    const uint8_t *p; /* first byte, inside the scanned buffer */
    uint32_t len;     /* bytes, without the NUL */
    uint32_t hash;    /* ss_str_hash(p, len) */
} ss_strrec;

/* The strings found so far, in order of their offsets; items from bigmem.h (cap elements),
 * freed with ss_strrecs_free. A fixed list has room the caller made sure of, in a block the
 * caller owns: it is never grown or freed here. */
typedef struct {
    ss_strrec *items;
    size_t n, cap;
    uint64_t count; /* strings found, recorded or not */
    uint64_t bytes; /* their bytes, NULs included */
    bool fixed;
} ss_strrecs;

/* Eight bytes at a time with a multiply-xorshift mix: the table only needs a good spread, not a
 * cryptographic hash. The last bytes are read as one overlapping word, never byte by byte. */
static inline uint32_t ss_str_hash(const uint8_t *p, size_t n)
{
    const uint64_t m = 0x9e3779b97f4a7c15ull;
    uint64_t h = n * m, w;
    size_t i = 0;
    for (; i + 8 < n; i += 8) {
        memcpy(&w, p + i, 8);
        h = (h ^ w) * m;
        h ^= h >> 32;
    }
    if (n >= 8) {
        memcpy(&w, p + n - 8, 8);
    } else if (n >= 4) {
        uint32_t lo, hi;
        memcpy(&lo, p, 4);
        memcpy(&hi, p + n - 4, 4);
        w = (uint64_t)hi << 32 | lo;
    } else {
        w = n ? (uint64_t)p[0] | (uint64_t)p[n / 2] << 8 | (uint64_t)p[n - 1] << 16 : 0;
    }
    h = (h ^ w) * m;
    h ^= h >> 29;
    h *= 0xbf58476d1ce4e5b9ull;
    return (uint32_t)((h ^ (h >> 32)) >> 32);
}

/* Frees r's items (unless fixed) and empties it. */
void ss_strrecs_free(ss_strrecs *r);
/* Makes room for n records in all; false when out of memory or fixed and too small. */
bool ss_strrecs_reserve(ss_strrecs *r, size_t n);

/* Appends the strings of p[0, n) to out. min >= 1. False when out of memory. */
bool ss_strscan(const uint8_t *p, size_t n, uint32_t min, ss_strrecs *out);

/* Which implementation ss_strscan uses: 0 the best this CPU has, 1 portable C, 2 SSE2, 3 AVX2.
 * For tests, which run every one the machine can; returns false (and changes nothing) for one
 * the build or the CPU lacks. */
bool ss_strscan_use(int impl);

#endif
