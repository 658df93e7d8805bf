/* utf8.h - the one UTF-8 decoder (strict: no overlong forms, no surrogates, nothing past
 * U+10FFFF), shared by the string analysis and the escaping of output. Inline because the string
 * scanner calls it for every non-ASCII byte of read-only data. */
#ifndef SS_UTF8_H
#define SS_UTF8_H

#include <stddef.h> /* size_t */
#include <stdint.h> /* uint32_t */

/* Length (1-4) of the valid UTF-8 sequence at p (n bytes available) and its code point, or 0
 * for an invalid, overlong, surrogate or out-of-range sequence. */
static inline size_t ss_utf8_next(const unsigned char *p, size_t n, uint32_t *cp)
{
    if (n == 0)
        return 0;
    unsigned char c = p[0];
    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    size_t len;
    uint32_t v, min;
    if ((c & 0xe0) == 0xc0) {
        len = 2; v = c & 0x1f; min = 0x80;
    } else if ((c & 0xf0) == 0xe0) {
        len = 3; v = c & 0x0f; min = 0x800;
    } else if ((c & 0xf8) == 0xf0) {
        len = 4; v = c & 0x07; min = 0x10000;
    } else {
        return 0;
    }
    if (n < len)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((p[i] & 0xc0) != 0x80)
            return 0;
        v = v << 6 | (p[i] & 0x3f);
    }
    if (v < min || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
        return 0;
    *cp = v;
    return len;
}

#endif
