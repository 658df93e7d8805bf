/* span.c - cursor reads over untrusted bytes. */
#include "span.h"

#include <string.h> /* memcpy, memset, memchr */

ss_cursor ss_cursor_at(ss_span s, size_t pos, bool big_endian)
{
    ss_cursor c = {s, pos, big_endian, false, 0};
    if (pos > s.len) {
        c.failed = true;
        c.fail_at = pos;
    }
    return c;
}

/* Reserve n bytes at the cursor; NULL (and failure recorded) when they are not all there. */
static const uint8_t *take(ss_cursor *c, size_t n)
{
    if (c->failed)
        return NULL;
    if (!ss_range_ok(c->pos, n, c->s.len)) {
        c->failed = true;
        c->fail_at = c->pos;
        return NULL;
    }
    const uint8_t *p = c->s.p + c->pos;
    c->pos += n;
    return p;
}

uint16_t ss_load16(const uint8_t *p, bool be)
{
    return be ? (uint16_t)(p[0] << 8 | p[1]) : (uint16_t)(p[1] << 8 | p[0]);
}

uint32_t ss_load32(const uint8_t *p, bool be)
{
    if (be)
        return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
    return (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}

uint64_t ss_load64(const uint8_t *p, bool be)
{
    uint64_t hi = ss_load32(be ? p : p + 4, be), lo = ss_load32(be ? p + 4 : p, be);
    return hi << 32 | lo;
}

uint8_t ss_u8(ss_cursor *c)
{
    const uint8_t *p = take(c, 1);
    return p ? p[0] : 0;
}

uint16_t ss_u16(ss_cursor *c)
{
    const uint8_t *p = take(c, 2);
    return p ? ss_load16(p, c->big_endian) : 0;
}

uint32_t ss_u32(ss_cursor *c)
{
    const uint8_t *p = take(c, 4);
    return p ? ss_load32(p, c->big_endian) : 0;
}

uint64_t ss_u64(ss_cursor *c)
{
    const uint8_t *p = take(c, 8);
    return p ? ss_load64(p, c->big_endian) : 0;
}

void ss_bytes(ss_cursor *c, void *dst, size_t n)
{
    const uint8_t *p = take(c, n);
    if (p)
        memcpy(dst, p, n);
    else
        memset(dst, 0, n);
}

void ss_skip(ss_cursor *c, size_t n)
{
    (void)take(c, n);
}

bool ss_strnlen_ok(ss_span s, uint64_t off, size_t max, size_t *len)
{
    if (off >= s.len)
        return false;
    size_t avail = s.len - (size_t)off;
    size_t lim = avail < max ? avail : max;
    const uint8_t *nul = memchr(s.p + off, 0, lim);
    if (nul == NULL)
        return false;
    *len = (size_t)(nul - (s.p + off));
    return true;
}
