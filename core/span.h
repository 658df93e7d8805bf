/* span.h - bounded views of untrusted bytes.
 *
 * Every read of file bytes goes through an ss_span (a borrowed pointer and a length) or an
 * ss_cursor over one. Range checks are written so that they cannot overflow
 * (size <= len && off <= len - size), and products of counts and entry sizes go through
 * ss_mul_ok. Endianness lives in the cursor, never in a global. */
#ifndef SS_SPAN_H
#define SS_SPAN_H

#include <stdbool.h> /* bool */
#include <stddef.h>  /* size_t */
#include <stdint.h>  /* uint8_t, uint64_t */

typedef struct {
    const uint8_t *p; /* borrowed */
    size_t len;
} ss_span;

/* True when [off, off+size) lies inside a buffer of len bytes. Cannot overflow. */
static inline bool ss_range_ok(uint64_t off, uint64_t size, uint64_t len)
{
    return size <= len && off <= len - size;
}

/* *out = a*b; false on overflow. */
static inline bool ss_mul_ok(uint64_t a, uint64_t b, uint64_t *out)
{
    return !__builtin_mul_overflow(a, b, out);
}

/* *out = a+b; false on overflow. */
static inline bool ss_add_ok(uint64_t a, uint64_t b, uint64_t *out)
{
    return !__builtin_add_overflow(a, b, out);
}

/* The sub-span [off, off+size) of s, or false when it does not fit. */
static inline bool ss_span_sub(ss_span s, uint64_t off, uint64_t size, ss_span *out)
{
    if (!ss_range_ok(off, size, s.len))
        return false;
    out->p = s.p + off;
    out->len = (size_t)size;
    return true;
}

/* A reading position over a span. Reads past the end return 0 and set `failed` (sticky), so a
 * parser can read a whole header and check once; `fail_at` keeps the first offending offset. */
typedef struct {
    ss_span s;
    size_t pos;
    bool big_endian;
    bool failed;
    size_t fail_at;
} ss_cursor;

ss_cursor ss_cursor_at(ss_span s, size_t pos, bool big_endian);
uint8_t ss_u8(ss_cursor *c);
uint16_t ss_u16(ss_cursor *c);
uint32_t ss_u32(ss_cursor *c);
uint64_t ss_u64(ss_cursor *c);
/* Copies n bytes to dst (zero-filled on failure). */
void ss_bytes(ss_cursor *c, void *dst, size_t n);
void ss_skip(ss_cursor *c, size_t n);

/* Unchecked-free loads at a known-good pointer (caller already checked the range). */
uint16_t ss_load16(const uint8_t *p, bool big_endian);
uint32_t ss_load32(const uint8_t *p, bool big_endian);
uint64_t ss_load64(const uint8_t *p, bool big_endian);

/* Length of the NUL-terminated string at s.p[off], at most max bytes; false when no NUL is found
 * inside the span within max bytes (the string is unterminated or runs off the end). */
bool ss_strnlen_ok(ss_span s, uint64_t off, size_t max, size_t *len);

#endif
