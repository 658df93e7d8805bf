/* unit.c - unit tests for the pieces no file-level oracle reaches: bounded cursors, the arena
 * cap, file-map attribution, capped decompression and escaping. Prints one line per failed
 * check and a closing "N passed, N failed" line; exits 1 when anything failed. */
#include <stdio.h>  /* printf */
#include <stdlib.h> /* malloc, free */
#include <string.h> /* memset, strcmp */
#include <zlib.h>   /* compress2 */
#include <zstd.h>   /* ZSTD_compress */

#include "arena.h"
#include "escape.h"
#include "formats.h"
#include "image.h"
#include "span.h"

static int passed, failed;

#define CHECK(cond)                                                    \
    do {                                                               \
        if (cond)                                                      \
            passed++;                                                  \
        else {                                                         \
            failed++;                                                  \
            printf("FAIL %s:%d: %s\n", __FILE__, __LINE__, #cond);     \
        }                                                              \
    } while (0)

static void test_ranges(void)
{
    CHECK(ss_range_ok(0, 10, 10));
    CHECK(!ss_range_ok(1, 10, 10));
    CHECK(!ss_range_ok(UINT64_MAX, 2, 10));       /* off + size overflows */
    CHECK(!ss_range_ok(5, UINT64_MAX - 2, 10));
    CHECK(ss_range_ok(10, 0, 10));
    CHECK(!ss_range_ok(11, 0, 10));
    uint64_t out;
    CHECK(!ss_mul_ok(UINT64_MAX / 2 + 1, 2, &out));
    CHECK(ss_mul_ok(1u << 20, 24, &out) && out == 24u << 20);
}

static void test_cursor(void)
{
    uint8_t b[6] = {1, 2, 3, 4, 5, 6};
    ss_cursor c = ss_cursor_at((ss_span){b, sizeof b}, 0, false);
    CHECK(ss_u32(&c) == 0x04030201u && !c.failed);
    CHECK(ss_u32(&c) == 0 && c.failed && c.fail_at == 4); /* only 2 bytes left */
    CHECK(ss_u8(&c) == 0 && c.failed);                     /* failure is sticky */
    ss_cursor be = ss_cursor_at((ss_span){b, sizeof b}, 2, true);
    CHECK(ss_u16(&be) == 0x0304);
    ss_cursor past = ss_cursor_at((ss_span){b, sizeof b}, 7, false);
    CHECK(past.failed);
    size_t len;
    uint8_t s[] = {'a', 'b', 0, 'c'};
    CHECK(ss_strnlen_ok((ss_span){s, 4}, 0, 10, &len) && len == 2);
    CHECK(!ss_strnlen_ok((ss_span){s, 4}, 3, 10, &len)); /* unterminated */
    CHECK(!ss_strnlen_ok((ss_span){s, 4}, 9, 10, &len)); /* past the end */
}

static void test_arena(void)
{
    ss_arena *a = ss_arena_new(1000);
    CHECK(ss_arena_alloc(a, 900) != NULL);
    CHECK(ss_arena_alloc(a, 200) == NULL); /* over the cap */
    CHECK(ss_arena_array(a, SIZE_MAX / 2, 4) == NULL);
    ss_vec v;
    ss_vec_init(&v, 8);
    CHECK(!ss_vec_reserve(a, &v, 1000)); /* 8000 bytes: refused, not allocated */
    ss_arena_free(a);
    ss_arena_free(NULL);
}

/* A synthetic image: two sections overlapping, a header region, a zero gap and a non-zero gap. */
static void test_file_map(void)
{
    uint8_t bytes[100];
    memset(bytes, 0, sizeof bytes);
    memset(bytes + 90, 0xaa, 10); /* non-zero tail covered by nothing */
    ss_image *im = ss_image_new((ss_span){bytes, sizeof bytes}, 0, "t", NULL, 1 << 20);
    CHECK(im != NULL);
    ss_image_add_region(im, "[Header]", 0, 16);
    ss_section *s = ss_image_add_section(im);
    s->name = "a";
    s->offset = 10; /* overlaps the header's last 6 bytes */
    s->file_size = 30;
    s = ss_image_add_section(im);
    s->name = "b";
    s->offset = 20; /* inside a */
    s->file_size = 10;
    s = ss_image_add_section(im);
    s->name = "c";
    s->offset = 60;
    s->file_size = 1000; /* runs past the end: clipped */
    ss_diag d = {0};
    CHECK(ss_image_finish(im, &d) == SS_OK);
    uint64_t sum = 0, at = 0;
    bool contiguous = true;
    for (size_t i = 0; i < im->nmap; i++) {
        contiguous &= im->map[i].offset == at;
        at += im->map[i].size;
        sum += im->map[i].size;
    }
    CHECK(contiguous && sum == sizeof bytes);
    CHECK(im->sections[0].file_accounted == 24); /* 16..40 */
    CHECK(im->sections[1].file_accounted == 0);  /* wholly inside a */
    CHECK(im->sections[2].file_accounted == 40); /* 60..100 */
    CHECK(im->nmap == 4 && im->map[2].what == SS_MAP_PADDING && im->map[2].size == 20);
    ss_image_free(im);

    /* A gap with non-zero bytes is unmapped, not padding. */
    ss_image *im2 = ss_image_new((ss_span){bytes, sizeof bytes}, 0, "t", NULL, 1 << 20);
    ss_image_add_region(im2, "[Header]", 0, 16);
    CHECK(ss_image_finish(im2, &d) == SS_OK);
    CHECK(im2->nmap == 2 && im2->map[1].what == SS_MAP_UNMAPPED && im2->map[1].size == 84);
    ss_image_free(im2);
}

/* An image with one compressed section whose header states `claim` bytes. */
static ss_image *compressed_image(uint8_t *buf, size_t len, ss_compression how, uint64_t claim,
                                  uint32_t hdr)
{
    ss_image *im = ss_image_new((ss_span){buf, len}, 0, "t", NULL, 256u << 20);
    ss_section *s = ss_image_add_section(im);
    s->name = ".debug_x";
    s->offset = 0;
    s->file_size = len;
    s->compression = how;
    s->comp_header_size = hdr;
    s->uncompressed_size = claim;
    s->uncompressed_known = true;
    ss_diag d = {0};
    ss_image_finish(im, &d);
    return im;
}

static void test_decompress(void)
{
    enum { N = 1 << 20 };
    uint8_t *plain = calloc(1, N); /* 1 MiB of zeros: compresses about 1000:1 */
    uint8_t *buf = malloc(N);
    uLongf clen = N - 24;
    CHECK(compress2(buf + 24, &clen, plain, N, 9) == Z_OK);
    ss_diag d = {0};
    ss_span out;

    ss_image *im = compressed_image(buf, 24 + clen, SS_COMP_ZLIB, N, 24);
    CHECK(ss_section_content(im, 0, 64u << 20, &out, &d) == SS_OK && out.len == N);
    ss_image_free(im);

    im = compressed_image(buf, 24 + clen, SS_COMP_ZLIB, N, 24); /* streaming check agrees */
    CHECK(ss_section_verify(im, 0, &d) == SS_OK);
    ss_image_free(im);

    im = compressed_image(buf, 24 + clen, SS_COMP_ZLIB, N - 1, 24); /* header lies: too small */
    CHECK(ss_section_content(im, 0, 64u << 20, &out, &d) == SS_E_CORRUPT);
    CHECK(ss_section_verify(im, 0, &d) == SS_E_CORRUPT && strstr(d.msg, "larger") != NULL);
    ss_image_free(im);

    im = compressed_image(buf, 24 + clen, SS_COMP_ZLIB, N + 5, 24); /* header lies: too large */
    CHECK(ss_section_content(im, 0, 64u << 20, &out, &d) == SS_E_CORRUPT);
    CHECK(ss_section_verify(im, 0, &d) == SS_E_CORRUPT);
    ss_image_free(im);

    im = compressed_image(buf, 24 + clen, SS_COMP_ZLIB, N, 24); /* an incomplete header */
    im->sections[0].uncompressed_known = false;
    CHECK(ss_section_verify(im, 0, &d) == SS_E_UNSUPPORTED);
    ss_image_free(im);

    /* A bomb claim: far more than 1100x the stored bytes is refused before any allocation. */
    im = compressed_image(buf, 24 + clen, SS_COMP_ZLIB, (uint64_t)1 << 40, 24);
    CHECK(ss_section_content(im, 0, UINT64_MAX, &out, &d) == SS_E_LIMIT);
    CHECK(ss_section_verify(im, 0, &d) == SS_E_LIMIT);
    ss_image_free(im);

    im = compressed_image(buf, 24 + clen, SS_COMP_ZLIB, N, 24); /* caller's cap */
    CHECK(ss_section_content(im, 0, N / 2, &out, &d) == SS_E_LIMIT);
    ss_image_free(im);

    memset(buf + 24, 0x5a, 64); /* corrupt stream */
    im = compressed_image(buf, 24 + 64, SS_COMP_ZLIB, 1000, 24);
    CHECK(ss_section_content(im, 0, 64u << 20, &out, &d) == SS_E_CORRUPT);
    ss_image_free(im);

    size_t zl = ZSTD_compress(buf + 24, N - 24, plain, 4096, 3);
    CHECK(!ZSTD_isError(zl));
    im = compressed_image(buf, 24 + zl, SS_COMP_ZSTD, 4096, 24);
    CHECK(ss_section_content(im, 0, 64u << 20, &out, &d) == SS_OK && out.len == 4096);
    CHECK(ss_section_verify(im, 0, &d) == SS_OK);
    ss_image_free(im);
    im = compressed_image(buf, 24 + zl, SS_COMP_ZSTD, 4000, 24);
    CHECK(ss_section_content(im, 0, 64u << 20, &out, &d) == SS_E_CORRUPT);
    CHECK(ss_section_verify(im, 0, &d) == SS_E_CORRUPT);
    ss_image_free(im);

    free(plain);
    free(buf);
}

static void test_escape(void)
{
    char out[64];
    ss_escape_text("ok.text", out, sizeof out);
    CHECK(strcmp(out, "ok.text") == 0);
    ss_escape_text("a\x1b[31mb", out, sizeof out);
    CHECK(strcmp(out, "a\\x1b[31mb") == 0); /* ESC never reaches the terminal */
    ss_escape_text("x\xff\xfey", out, sizeof out);
    CHECK(strcmp(out, "x\\xff\\xfey") == 0); /* invalid UTF-8 */
    ss_escape_text("caf\xc3\xa9", out, sizeof out);
    CHECK(strcmp(out, "caf\xc3\xa9") == 0); /* valid UTF-8 stays */
    ss_escape_text("\xc2\x9b" "2J", out, sizeof out);
    CHECK(strcmp(out, "\\x9b2J") == 0); /* C1 CSI, even when validly encoded */
    ss_escape_text("\xe2\x80\xae" "abc", out, sizeof out);
    CHECK(strcmp(out, "\\u{202e}abc") == 0); /* bidi override */
    ss_escape_text("back\\slash", out, sizeof out);
    CHECK(strcmp(out, "back\\\\slash") == 0);
    size_t w = ss_escape_text("0123456789012345678901234567890123456789", out, 16);
    CHECK(strlen(out) < 16 && strstr(out, "...") != NULL && w == strlen(out));
    uint32_t cp;
    CHECK(ss_utf8_next((const unsigned char *)"\xc0\x80", 2, &cp) == 0); /* overlong */
    CHECK(ss_utf8_next((const unsigned char *)"\xed\xa0\x80", 3, &cp) == 0); /* surrogate */
    CHECK(ss_utf8_next((const unsigned char *)"\xf4\x90\x80\x80", 4, &cp) == 0); /* > U+10FFFF */
}

/* The reference: one linear scan of the segments per query (what the reader did before). */
static int64_t segment_of_linear(const ss_image *im, uint64_t vaddr, uint64_t size)
{
    for (size_t i = 0; i < im->nsegments; i++) {
        const ss_segment *g = &im->segments[i];
        if (!g->loadable || vaddr < g->vaddr)
            continue;
        uint64_t rel = vaddr - g->vaddr;
        if (size == 0 ? rel < g->vm_size || (rel == 0 && g->vm_size == 0)
                      : ss_range_ok(rel, size, g->vm_size))
            return (int64_t)i;
    }
    return -1;
}

static uint64_t rnd(uint64_t *seed)
{
    *seed = *seed * 6364136223846793005ull + 1442695040888963407ull;
    return *seed >> 33;
}

/* ss_image_segments_of (all queries at once) against segment_of_linear (one linear scan per
 * query) on random segments: overlapping, empty, ending past 2^64, not loadable. */
static void test_segments_of(void)
{
    static const uint64_t starts[] = {0, 0x1000, 0x2000, 0x2fff, 0x3000, UINT64_MAX - 0x1000,
                                      UINT64_MAX};
    static const uint64_t sizes[] = {0, 1, 0x800, 0x1000, 0x3000, UINT64_MAX};
    uint8_t bytes[16] = {0};
    uint64_t seed = 12345;
#define RND() rnd(&seed)
    int mismatches = 0;
    for (int round = 0; round < 200; round++) {
        ss_image *im = ss_image_new((ss_span){bytes, sizeof bytes}, 0, "t", NULL, 1 << 20);
        if (im == NULL) {
            CHECK(im != NULL);
            return;
        }
        size_t nseg = RND() % 12;
        for (size_t j = 0; j < nseg; j++) {
            ss_segment *g = ss_image_add_segment(im);
            g->loadable = RND() % 5 != 0;
            g->vaddr = starts[RND() % 7] + RND() % 3;
            g->vm_size = sizes[RND() % 6];
        }
        enum { NQ = 64 };
        uint64_t va[NQ], sz[NQ];
        int64_t out[NQ];
        for (size_t i = 0; i < NQ; i++) {
            va[i] = starts[RND() % 7] + RND() % 0x1800;
            if (nseg && RND() % 2) { /* at, just before or just after a segment's start or end */
                const ss_segment *g = &im->segments[RND() % nseg];
                va[i] = (RND() % 2 ? g->vaddr : g->vaddr + g->vm_size) + RND() % 3 - 1;
            }
            sz[i] = RND() % 3 == 0 ? 0 : sizes[RND() % 6] / (1 + RND() % 4);
        }
        CHECK(ss_image_segments_of(im, va, sz, NQ, out));
        for (size_t i = 0; i < NQ; i++)
            mismatches += out[i] != segment_of_linear(im, va[i], sz[i]);
        ss_image_free(im);
    }
#undef RND
    CHECK(mismatches == 0);
}

int main(void)
{
    test_ranges();
    test_cursor();
    test_arena();
    test_file_map();
    test_segments_of();
    test_decompress();
    test_escape();
    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
