/* strscan_test.c - the string scanner against a byte-at-a-time reference, on every
 * implementation this machine runs (portable C, SSE2, AVX2), and the string analysis'
 * near-linear growth (issue 8).
 *
 * The reference reads the definition of strscan.h literally: decode greedily from the start,
 * a byte that is not text ends the run, a NUL after at least min bytes of text ends a string.
 * Inputs are random with a bias towards the hard cases: runs straddling 64-byte blocks, UTF-8
 * sequences (valid, C1 controls, overlong, surrogates, past U+10FFFF, cut short), and lengths
 * around min. A failure prints the seed, the length and the first record that differs. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "strscan.h"
#include "utf8.h"

static int failures;

static size_t ref_utf8(const uint8_t *p, size_t n)
{
    uint32_t cp;
    size_t len = ss_utf8_next(p, n, &cp);
    return len >= 2 && !(cp >= 0x80 && cp <= 0x9f) ? len : 0;
}

static void ref_scan(const uint8_t *p, size_t n, uint32_t min, ss_strrecs *out)
{
    size_t start = 0, i = 0;
    while (i < n) {
        uint8_t c = p[i];
        if (c == 0) {
            size_t len = i - start;
            if (len >= min && len <= SS_STRING_MAX_LEN) {
                out->count++;
                out->bytes += len + 1;
                ss_strrecs_reserve(out, out->n + 1);
                out->items[out->n++] = (ss_strrec){p + start, (uint32_t)len, ss_str_hash(p + start, len)};
            }
            start = ++i;
        } else if ((c >= 0x20 && c <= 0x7e) || c == 0x09) {
            i++;
        } else {
            size_t u = c >= 0x80 ? ref_utf8(p + i, n - i) : 0;
            if (u) {
                i += u;
            } else {
                start = ++i;
            }
        }
    }
}

static uint64_t rng = 0x243f6a8885a308d3ull;
static uint32_t next_rand(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)(rng >> 16);
}

/* Pieces the generator strings together. */
static const char *const pieces[] = {
    "\xc3\xa9",         /* é */
    "\xe2\x82\xac",     /* € */
    "\xf0\x9f\x98\x80", /* U+1F600 */
    "\xc2\x85",         /* C1 control: not text */
    "\xc0\xaf",         /* overlong */
    "\xed\xa0\x80",     /* surrogate */
    "\xf4\x90\x80\x80", /* past U+10FFFF */
    "\xe2\x82",         /* cut short */
    "\x80",             /* lone continuation */
    "\xff",
    "\t", "\x1b", "\x7f", "\x01", "\n", "\r", "\x0b", "\x0c", "\x08", "\x0e",
};

static void fill(uint8_t *b, size_t n, unsigned mode)
{
    for (size_t i = 0; i < n;) {
        uint32_t r = next_rand();
        unsigned pick = r % 100;
        if (mode == 0) { /* uniform random bytes: binary data */
            b[i++] = (uint8_t)r;
        } else if (pick < 55) { /* text */
            b[i++] = (uint8_t)(0x20 + (r >> 8) % 95);
        } else if (pick < 68 + (mode == 2 ? 10 : 0)) {
            b[i++] = 0;
        } else if (pick < 90) {
            const char *s = pieces[(r >> 8) % (sizeof pieces / sizeof pieces[0])];
            for (size_t k = 0; s[k] && i < n; k++)
                b[i++] = (uint8_t)s[k];
        } else {
            b[i++] = (uint8_t)(r >> 8);
        }
    }
}

static void compare(const uint8_t *b, size_t n, uint32_t min, int impl, unsigned seed)
{
    ss_strrecs want = {0}, got = {0};
    ref_scan(b, n, min, &want);
    if (!ss_strscan(b, n, min, &got)) {
        printf("FAIL impl %d: out of memory\n", impl);
        failures++;
        return;
    }
    bool same = want.n == got.n && want.count == got.count && want.bytes == got.bytes;
    size_t k = 0;
    for (; same && k < want.n; k++)
        same = want.items[k].p == got.items[k].p && want.items[k].len == got.items[k].len &&
               want.items[k].hash == got.items[k].hash;
    if (!same) {
        failures++;
        printf("FAIL impl %d seed %u n %zu min %u: %zu strings wanted, %zu found", impl, seed, n,
               min, want.n, got.n);
        if (k > 0 && k <= want.n && k <= got.n)
            printf("; record %zu: offset %td len %u wanted, offset %td len %u found", k - 1,
                   want.items[k - 1].p - b, want.items[k - 1].len, got.items[k - 1].p - b,
                   got.items[k - 1].len);
        printf("\n");
    }
    ss_strrecs_free(&want);
    ss_strrecs_free(&got);
}

int main(void)
{
    int impls = 0;
    for (int impl = 1; impl <= 3; impl++) {
        if (!ss_strscan_use(impl)) {
            printf("implementation %d: not on this machine\n", impl);
            continue;
        }
        impls++;
        unsigned cases = 0;
        for (unsigned seed = 1; seed <= 3000; seed++) {
            rng = 0x9e3779b97f4a7c15ull * seed;
            size_t n = seed % 7 == 0 ? 4096 + next_rand() % 8192 : next_rand() % 300;
            uint8_t *b = malloc(n ? n : 1);
            fill(b, n, seed % 3);
            static const uint32_t mins[] = {1, 2, 3, 4, 5, 7, 8, 9, 16, 31, 63, 64, 65, 100};
            uint32_t min = mins[seed % (sizeof mins / sizeof mins[0])];
            compare(b, n, min, impl, seed);
            free(b);
            cases++;
        }
        /* Long strings over many blocks, and a buffer that is all text (no NUL). */
        size_t n = 1 << 16;
        uint8_t *b = malloc(n);
        for (size_t i = 0; i < n; i++)
            b[i] = (uint8_t)('a' + i % 26);
        b[n - 1] = 0;
        b[70] = 0;
        b[5000] = 0;
        compare(b, n, 4, impl, 0);
        compare(b, n - 1, 4, impl, 0);
        memcpy(b + 3000, "\xe2\x82\xac", 3);
        compare(b, n, 4, impl, 0);
        free(b);
        printf("implementation %d: %u random inputs and 3 long ones agree with the reference\n",
               impl, cases);
    }
    ss_strscan_use(0);
    if (impls == 0) {
        printf("FAIL: no implementation ran\n");
        failures++;
    }
    return failures ? 1 : 0;
}
