/* content.c - section bytes, decompressed when the file stores them compressed. */
#include <zlib.h> /* inflate */
#include <zstd.h> /* ZSTD_decompressStream */

#include "formats.h"

static ss_status inflate_zlib(ss_span in, uint8_t *dst, uint64_t want, uint64_t base, ss_diag *d)
{
    z_stream z = {0};
    if (inflateInit(&z) != Z_OK)
        return ss_fail_nooff(d, SS_E_NOMEM, "zlib could not start");
    uint64_t done = 0, used = 0;
    int rc = Z_OK;
    /* zlib counts in uInt: feed and drain in bounded steps. */
    while (rc == Z_OK) {
        uint64_t in_left = in.len - used, out_left = want - done;
        z.next_in = (Bytef *)(uintptr_t)(in.p + used);
        z.avail_in = (uInt)(in_left > (1u << 30) ? (1u << 30) : in_left);
        z.next_out = dst + done;
        z.avail_out = (uInt)(out_left > (1u << 30) ? (1u << 30) : out_left);
        uInt ai = z.avail_in, ao = z.avail_out;
        rc = inflate(&z, Z_NO_FLUSH);
        used += ai - z.avail_in;
        done += ao - z.avail_out;
        if (rc == Z_OK && ai == z.avail_in && ao == z.avail_out)
            break; /* no progress: input ended or output is full */
    }
    inflateEnd(&z);
    if (rc != Z_STREAM_END)
        return ss_fail(d, SS_E_CORRUPT, base + used,
                       done >= want ? "compressed data is larger than its header states (%llu bytes)"
                                    : "compressed data is corrupt or short (%llu bytes produced)",
                       (unsigned long long)(done >= want ? want : done));
    if (done != want)
        return ss_fail(d, SS_E_CORRUPT, base, "compressed data gives %llu bytes, header states %llu",
                       (unsigned long long)done, (unsigned long long)want);
    return SS_OK;
}

static ss_status inflate_zstd(ss_span in, uint8_t *dst, uint64_t want, uint64_t base, ss_diag *d)
{
    ZSTD_DCtx *z = ZSTD_createDCtx();
    if (z == NULL)
        return ss_fail_nooff(d, SS_E_NOMEM, "zstd could not start");
    ZSTD_inBuffer ib = {in.p, in.len, 0};
    ZSTD_outBuffer ob = {dst, (size_t)want, 0};
    size_t rc = 1;
    while (rc != 0 && ib.pos < ib.size) {
        size_t ipos = ib.pos, opos = ob.pos;
        rc = ZSTD_decompressStream(z, &ob, &ib);
        if (ZSTD_isError(rc) || (ib.pos == ipos && ob.pos == opos))
            break;
    }
    ZSTD_freeDCtx(z);
    if (ZSTD_isError(rc))
        return ss_fail(d, SS_E_CORRUPT, base + ib.pos, "zstd data is corrupt: %s",
                       ZSTD_getErrorName(rc));
    if (rc != 0 || ob.pos != want)
        return ss_fail(d, SS_E_CORRUPT, base, "zstd data gives %llu bytes, header states %llu",
                       (unsigned long long)ob.pos, (unsigned long long)want);
    return SS_OK;
}

ss_status ss_section_content(ss_image *im, size_t idx, uint64_t cap, ss_span *out, ss_diag *d)
{
    *out = (ss_span){NULL, 0};
    if (idx >= im->nsections)
        return ss_fail_nooff(d, SS_E_CORRUPT, "no section %zu", idx);
    const ss_section *s = &im->sections[idx];
    ss_span raw;
    if (!ss_span_sub(im->bytes, s->offset, s->file_size, &raw))
        return s->file_size ? ss_fail(d, SS_E_TRUNCATED, s->offset, "section %s runs past end of file", s->name)
                            : SS_OK;
    if (s->compression == SS_COMP_NONE) {
        *out = raw;
        return SS_OK;
    }
    if (s->compression == SS_COMP_UNKNOWN)
        return ss_fail(d, SS_E_UNSUPPORTED, s->offset, "section %s: unknown compression", s->name);
    if (raw.len < s->comp_header_size)
        return ss_fail(d, SS_E_TRUNCATED, s->offset, "section %s: compression header cut short", s->name);
    ss_span body = {raw.p + s->comp_header_size, raw.len - s->comp_header_size};
    uint64_t want = s->uncompressed_size, ratio_cap;
    if (!ss_mul_ok(raw.len, SS_INFLATE_RATIO_MAX, &ratio_cap))
        ratio_cap = UINT64_MAX;
    if (want > cap || want > ratio_cap)
        return ss_fail(d, SS_E_LIMIT, s->offset,
                       "section %s claims %llu bytes uncompressed from %zu stored: over the limit",
                       s->name, (unsigned long long)want, raw.len);
    uint8_t *dst = ss_arena_alloc(im->arena, (size_t)want);
    if (dst == NULL)
        return ss_fail_nooff(d, SS_E_NOMEM, "out of memory decompressing %s", s->name);
    uint64_t base = s->offset + s->comp_header_size;
    ss_status st = s->compression == SS_COMP_ZSTD ? inflate_zstd(body, dst, want, base, d)
                                                  : inflate_zlib(body, dst, want, base, d);
    if (st == SS_OK)
        *out = (ss_span){dst, (size_t)want};
    return st;
}
