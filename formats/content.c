/* content.c - section bytes, decompressed when the file stores them compressed. */
#include <zlib.h> /* inflate */
#include <zstd.h> /* ZSTD_decompressStream */

#include "formats.h"

/* Where decompressed bytes go: a buffer of the full size, or (to verify without keeping the
 * bytes) a small window that is reused as it fills. Either way at most `limit` bytes are
 * produced, so a stream longer than its header says is caught without running on. */
typedef struct {
    uint8_t *buf;
    size_t len;
    bool rolling;
    uint64_t limit, produced, consumed;
} sink;

/* Room for the next step: up to the window's end, never past the limit, at most 1 GiB (zlib
 * counts in uInt). */
static size_t room(sink *o, uint8_t **at)
{
    size_t off = o->rolling ? (size_t)(o->produced % o->len) : (size_t)o->produced;
    uint64_t r = o->len - off, left = o->limit - o->produced;
    if (r > left)
        r = left;
    if (r > (1u << 30))
        r = 1u << 30;
    *at = o->buf + off;
    return (size_t)r;
}

/* True when the stream ended cleanly. */
static bool run_zlib(ss_span in, sink *o, bool *started)
{
    z_stream z = {0};
    if (inflateInit(&z) != Z_OK)
        return *started = false;
    *started = true;
    int rc = Z_OK;
    while (rc == Z_OK) {
        uint8_t *at;
        size_t r = room(o, &at);
        uint64_t in_left = in.len - o->consumed;
        z.next_in = (Bytef *)(uintptr_t)(in.p + o->consumed);
        z.avail_in = (uInt)(in_left > (1u << 30) ? (1u << 30) : in_left);
        z.next_out = at;
        z.avail_out = (uInt)r;
        uInt ai = z.avail_in, ao = z.avail_out;
        rc = inflate(&z, Z_NO_FLUSH);
        o->consumed += ai - z.avail_in;
        o->produced += ao - z.avail_out;
        if (rc == Z_OK && ai == z.avail_in && ao == z.avail_out)
            break; /* no progress: the input ended or the limit is reached */
    }
    inflateEnd(&z);
    return rc == Z_STREAM_END;
}

static bool run_zstd(ss_span in, sink *o, bool *started, const char **err)
{
    ZSTD_DCtx *z = ZSTD_createDCtx();
    if (z == NULL)
        return *started = false;
    *started = true;
    ZSTD_inBuffer ib = {in.p, in.len, 0};
    size_t rc = 1;
    while (rc != 0) {
        uint8_t *at;
        size_t r = room(o, &at);
        ZSTD_outBuffer ob = {at, r, 0};
        size_t ipos = ib.pos;
        rc = ZSTD_decompressStream(z, &ob, &ib);
        o->produced += ob.pos;
        o->consumed = ib.pos;
        if (ZSTD_isError(rc)) {
            *err = ZSTD_getErrorName(rc);
            break;
        }
        if (ib.pos == ipos && ob.pos == 0)
            break;
    }
    ZSTD_freeDCtx(z);
    return rc == 0;
}

/* Decompresses the section's stream into o and checks it yields exactly `want` bytes. */
static ss_status inflate_into(const ss_section *s, ss_span body, uint64_t want, sink *o,
                              uint64_t base, ss_diag *d)
{
    bool started = false, ended;
    const char *err = NULL;
    ended = s->compression == SS_COMP_ZSTD ? run_zstd(body, o, &started, &err)
                                           : run_zlib(body, o, &started);
    if (!started)
        return ss_fail_nooff(d, SS_E_NOMEM, "decompressor could not start");
    if (err)
        return ss_fail(d, SS_E_CORRUPT, base + o->consumed, "section %s: compressed data is corrupt: %s",
                       s->name, err);
    if (o->produced > want || (!ended && o->produced == want))
        return ss_fail(d, SS_E_CORRUPT, base + o->consumed,
                       "section %s: compressed data is larger than its header states (%llu bytes)",
                       s->name, (unsigned long long)want);
    if (!ended)
        return ss_fail(d, SS_E_CORRUPT, base + o->consumed,
                       "section %s: compressed data is corrupt or short (%llu of %llu bytes)",
                       s->name, (unsigned long long)o->produced, (unsigned long long)want);
    if (o->produced != want)
        return ss_fail(d, SS_E_CORRUPT, base, "section %s: compressed data gives %llu bytes, header states %llu",
                       s->name, (unsigned long long)o->produced, (unsigned long long)want);
    return SS_OK;
}

/* The compressed stream of section s, or a failure. */
static ss_status compressed_body(const ss_image *im, const ss_section *s, ss_span *body, ss_diag *d)
{
    ss_span raw;
    if (!ss_span_sub(im->bytes, s->offset, s->file_size, &raw))
        return ss_fail(d, SS_E_TRUNCATED, s->offset, "section %s runs past end of file", s->name);
    if (s->compression == SS_COMP_UNKNOWN || !s->uncompressed_known)
        return ss_fail(d, SS_E_UNSUPPORTED, s->offset, "section %s: compression segscan cannot read",
                       s->name);
    if (raw.len < s->comp_header_size)
        return ss_fail(d, SS_E_TRUNCATED, s->offset, "section %s: compression header cut short", s->name);
    *body = (ss_span){raw.p + s->comp_header_size, raw.len - s->comp_header_size};
    return SS_OK;
}

static bool over_ratio(const ss_span raw, uint64_t want)
{
    uint64_t ratio_cap;
    if (!ss_mul_ok(raw.len, SS_INFLATE_RATIO_MAX, &ratio_cap))
        return false;
    return want > ratio_cap;
}

uint64_t ss_inflate_budget(const ss_image *im)
{
    uint64_t per;
    if (!ss_mul_ok(im->bytes.len, SS_INFLATE_BUDGET_PER_BYTE, &per) ||
        per > UINT64_MAX - SS_INFLATE_BUDGET_BASE)
        return UINT64_MAX;
    return SS_INFLATE_BUDGET_BASE + per;
}

/* What decompressing s costs: the stream it reads and the bytes it states. */
static uint64_t cost_of(const ss_section *s)
{
    uint64_t c;
    if (!ss_add_ok(s->file_size, s->uncompressed_size, &c))
        return UINT64_MAX;
    return c;
}

bool ss_section_over_budget(const ss_image *im, size_t idx)
{
    if (idx >= im->nsections)
        return false;
    uint64_t budget = ss_inflate_budget(im), spent = im->inflate_spent;
    return cost_of(&im->sections[idx]) > (spent < budget ? budget - spent : 0);
}

/* Takes section idx's cost from the budget, or fails when it is spent. */
static ss_status charge(ss_image *im, size_t idx, ss_diag *d)
{
    const ss_section *s = &im->sections[idx];
    if (ss_section_over_budget(im, idx))
        return ss_fail(d, SS_E_LIMIT, s->offset,
                       "section %s: past the image's decompression budget (%llu bytes in and out)",
                       s->name, (unsigned long long)ss_inflate_budget(im));
    im->inflate_spent += cost_of(s);
    return SS_OK;
}

ss_status ss_section_verify(ss_image *im, size_t idx, ss_diag *d)
{
    if (idx >= im->nsections)
        return ss_fail_nooff(d, SS_E_CORRUPT, "no section %zu", idx);
    const ss_section *s = &im->sections[idx];
    if (s->compression == SS_COMP_NONE)
        return SS_OK;
    ss_span body;
    SS_TRY(compressed_body(im, s, &body, d));
    if (over_ratio(body, s->uncompressed_size))
        return ss_fail(d, SS_E_LIMIT, s->offset,
                       "section %s claims %llu bytes uncompressed from %zu stored: over the limit",
                       s->name, (unsigned long long)s->uncompressed_size, body.len);
    SS_TRY(charge(im, idx, d));
    uint8_t window[64 * 1024];
    sink o = {window, sizeof window, true, s->uncompressed_size + 1, 0, 0};
    return inflate_into(s, body, s->uncompressed_size, &o, s->offset + s->comp_header_size, d);
}

ss_status ss_section_content(ss_image *im, size_t idx, uint64_t cap, ss_span *out, ss_diag *d)
{
    *out = (ss_span){NULL, 0};
    if (idx >= im->nsections)
        return ss_fail_nooff(d, SS_E_CORRUPT, "no section %zu", idx);
    const ss_section *s = &im->sections[idx];
    if (s->compression == SS_COMP_NONE) {
        if (!ss_span_sub(im->bytes, s->offset, s->file_size, out))
            return ss_fail(d, SS_E_TRUNCATED, s->offset, "section %s runs past end of file", s->name);
        return SS_OK;
    }
    ss_span body;
    SS_TRY(compressed_body(im, s, &body, d));
    uint64_t want = s->uncompressed_size;
    if (want > cap || over_ratio(body, want))
        return ss_fail(d, SS_E_LIMIT, s->offset,
                       "section %s claims %llu bytes uncompressed from %zu stored: over the limit",
                       s->name, (unsigned long long)want, body.len);
    SS_TRY(charge(im, idx, d));
    uint8_t *dst = ss_arena_alloc(im->arena, (size_t)want);
    if (dst == NULL)
        return ss_fail_nooff(d, SS_E_NOMEM, "out of memory decompressing %s", s->name);
    sink o = {dst, (size_t)want, false, want, 0, 0};
    SS_TRY(inflate_into(s, body, want, &o, s->offset + s->comp_header_size, d));
    *out = (ss_span){dst, (size_t)want};
    return SS_OK;
}
