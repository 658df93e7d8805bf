/* escape.c - escaping untrusted names. */
#include "escape.h"

#include <stdio.h>  /* snprintf */
#include <string.h> /* memcpy, strlen */

/* Code points that must not reach a terminal as they are. */
static int unsafe_cp(uint32_t cp)
{
    return cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp < 0xa0) || cp == 0x200e || cp == 0x200f ||
           (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069) || cp == 0xfeff;
}

size_t ss_escape_text(const char *s, char *buf, size_t cap)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t n = strlen(s), o = 0, width = 0;
    if (cap < 8) {
        if (cap)
            buf[0] = '\0';
        return 0;
    }
    for (size_t i = 0; i < n;) {
        char tmp[16];
        size_t tl;
        uint32_t cp;
        size_t l = ss_utf8_next(p + i, n - i, &cp);
        if (l == 0) {
            tl = (size_t)snprintf(tmp, sizeof tmp, "\\x%02x", p[i]);
            l = 1;
        } else if (cp == '\\') {
            memcpy(tmp, "\\\\", 2);
            tl = 2;
        } else if (unsafe_cp(cp)) {
            tl = cp < 0x100 ? (size_t)snprintf(tmp, sizeof tmp, "\\x%02x", (unsigned)cp)
                            : (size_t)snprintf(tmp, sizeof tmp, "\\u{%04x}", (unsigned)cp);
        } else {
            memcpy(tmp, p + i, l);
            tl = l;
        }
        if (o + tl + 4 > cap) { /* keep room for "..." and the NUL */
            memcpy(buf + o, "...", 3);
            o += 3;
            width += 3;
            break;
        }
        memcpy(buf + o, tmp, tl);
        o += tl;
        width += (l == 1 || tl != l) ? tl : 1;
        i += l;
    }
    buf[o] = '\0';
    return width;
}
