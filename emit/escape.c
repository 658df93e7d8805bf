/* escape.c - escaping untrusted names, one function per target over one walk. */
#include "escape.h"

#include <stdarg.h> /* va_list */
#include <string.h> /* memcpy, strlen, strchr */

bool ss_escape_unsafe(uint32_t cp)
{
    return cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp < 0xa0) || cp == 0x61c ||
           cp == 0x200e || cp == 0x200f || (cp >= 0x2028 && cp <= 0x202e) ||
           (cp >= 0x2066 && cp <= 0x206f) || cp == 0xfeff || (cp >= 0xfdd0 && cp <= 0xfdef) ||
           (cp >= 0xfff9 && cp <= 0xfffb) || (cp & 0xfffe) == 0xfffe ||
           (cp >= 0xe0000 && cp <= 0xe007f);
}

typedef enum { T_TEXT, T_JSON, T_MD, T_XML, T_DOT } target;

/* Where escaped pieces go: a file, or a buffer that is cut with "..." when a piece does not fit.
 * A piece (the rendering of one code point or byte) is written whole or not at all. */
typedef struct {
    FILE *f;
    char *buf;
    size_t cap, len;
    size_t max_cp, shown; /* pieces written; max_cp 0: no limit */
    size_t width;         /* display width written */
    bool stop;
} out;

static void put(out *o, const char *s, size_t n, size_t width)
{
    if (o->stop)
        return;
    if (o->max_cp && o->shown == o->max_cp) {
        fputs("...", o->f);
        o->stop = true;
        return;
    }
    if (o->buf) {
        if (o->len + n + 4 > o->cap) { /* keep room for "..." and the NUL */
            memcpy(o->buf + o->len, "...", 3);
            o->len += 3;
            o->width += 3;
            o->stop = true;
            return;
        }
        memcpy(o->buf + o->len, s, n);
        o->len += n;
    } else {
        fwrite(s, 1, n, o->f);
    }
    o->shown++;
    o->width += width;
}

static const char HEX[] = "0123456789abcdef";

/* The visible form of an invalid byte or an unsafe code point: \xNN or \u{NNNN}. The backslash
 * is written twice where the target itself escapes backslashes (JSON, Markdown). */
static size_t visible(char *t, uint32_t v, bool byte, bool dbl)
{
    size_t k = 0;
    t[k++] = '\\';
    if (dbl)
        t[k++] = '\\';
    if (byte || v < 0x100) {
        t[k++] = 'x';
        t[k++] = HEX[v >> 4 & 15];
        t[k++] = HEX[v & 15];
        return k;
    }
    t[k++] = 'u';
    t[k++] = '{';
    int digits = v > 0xffff ? 5 : 4;
    for (int d = digits - 1; d >= 0; d--)
        t[k++] = HEX[v >> (4 * d) & 15];
    t[k++] = '}';
    return k;
}

static bool starts(const unsigned char *p, size_t n, const char *lit)
{
    size_t l = strlen(lit);
    return n >= l && memcmp(p, lit, l) == 0;
}

static bool alnum(unsigned char c)
{
    return (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z');
}

#define ZWJ "\xe2\x80\x8d"

/* The target's rendering of a safe code point at p[i] into t; 0 means "as it is". *used is set
 * when the rendering stands for more input bytes than the code point's own. */
static size_t syntax(target tg, const unsigned char *p, size_t i, size_t n, uint32_t cp, char *t,
                     size_t *used)
{
    switch (tg) {
    case T_TEXT: return 0;
    case T_JSON:
        if (cp == '"') {
            memcpy(t, "\\\"", 2);
            return 2;
        }
        return 0;
    case T_XML:
    case T_DOT:
        switch (cp) {
        case '&': memcpy(t, "&amp;", 5); return 5;
        case '<': memcpy(t, "&lt;", 4); return 4;
        case '>': memcpy(t, "&gt;", 4); return 4;
        case '"': memcpy(t, "&quot;", 6); return 6;
        case '\'':
            if (tg == T_DOT) {
                memcpy(t, "&#39;", 5);
                return 5;
            }
            memcpy(t, "&apos;", 6);
            return 6;
        }
        return 0;
    case T_MD:
        switch (cp) {
        case '&': memcpy(t, "&amp;", 5); return 5;
        case '<': memcpy(t, "&lt;", 4); return 4;
        case '>': memcpy(t, "&gt;", 4); return 4;
        case '@': memcpy(t, "@" ZWJ, 4); return 4; /* @mention, user@host autolink */
        case '~': memcpy(t, "&#126;", 6); return 6; /* strike-through; not every renderer
                                                      * takes \~ */
        case ':':
            if (starts(p + i + 1, n - i - 1, "//")) { /* scheme://: a bare URL */
                memcpy(t, ":" ZWJ, 4);
                return 4;
            }
            return 0;
        case 'w':
        case 'W':
            /* "www." at the start of a word is a GFM autolink. */
            if ((i == 0 || !alnum(p[i - 1])) && n - i >= 4 && (p[i + 1] | 0x20) == 'w' &&
                (p[i + 2] | 0x20) == 'w' && p[i + 3] == '.') {
                memcpy(t, p + i, 3);
                memcpy(t + 3, ZWJ, 3);
                t[6] = '.';
                *used = 4;
                return 7;
            }
            return 0;
        default:
            /* Punctuation that could start emphasis, code, a link, strike-through or end the
             * cell (a cell never starts a line, so list and heading markers are harmless). */
            if (cp < 0x80 && strchr("`*_[]|", (int)cp)) {
                t[0] = '\\';
                t[1] = (char)cp;
                return 2;
            }
            return 0;
        }
    }
    return 0;
}

static void walk(target tg, const char *s, out *o)
{
    const unsigned char *p = (const unsigned char *)(s ? s : "");
    size_t n = strlen((const char *)p);
    /* Graphviz reads backslash escapes (\N, \\) even in HTML-like labels: a backslash meant to
     * be drawn is written twice there too. */
    bool dbl = tg != T_TEXT && tg != T_XML;
    for (size_t i = 0; i < n && !o->stop;) {
        /* JSON to a stream without a limit: a run of printable ASCII that needs no escape goes
         * out in one write (one fwrite per character was a quarter of NDJSON over many files) */
        if (tg == T_JSON && o->buf == NULL && o->max_cp == 0) {
            size_t j = i;
            while (j < n && p[j] >= 0x20 && p[j] < 0x7f && p[j] != '"' && p[j] != '\\')
                j++;
            if (j > i) {
                fwrite(p + i, 1, j - i, o->f);
                o->shown += j - i;
                o->width += j - i;
                i = j;
                continue;
            }
        }
        char t[24];
        size_t tl, w;
        uint32_t cp;
        size_t l = ss_utf8_next(p + i, n - i, &cp);
        if (l == 0) {
            tl = w = visible(t, p[i], true, dbl);
            l = 1;
        } else if (cp == '\\') {
            tl = w = dbl ? 4 : 2;
            memcpy(t, "\\\\\\\\", tl);
        } else if (ss_escape_unsafe(cp)) {
            if (tg == T_JSON) { /* JSON's own escapes: the documented contract */
                if (cp == '\n')
                    tl = 2, memcpy(t, "\\n", 2);
                else if (cp == '\t')
                    tl = 2, memcpy(t, "\\t", 2);
                else if (cp <= 0xffff) {
                    tl = 6;
                    memcpy(t, "\\u", 2);
                    for (int d = 0; d < 4; d++)
                        t[2 + d] = HEX[cp >> (4 * (3 - d)) & 15];
                } else { /* a tag character: a surrogate pair */
                    uint32_t v = cp - 0x10000, hi = 0xd800 + (v >> 10), lo = 0xdc00 + (v & 0x3ff);
                    tl = 12;
                    t[0] = '\\', t[1] = 'u', t[6] = '\\', t[7] = 'u';
                    for (int d = 0; d < 4; d++) {
                        t[2 + d] = HEX[hi >> (4 * (3 - d)) & 15];
                        t[8 + d] = HEX[lo >> (4 * (3 - d)) & 15];
                    }
                }
                w = 1;
            } else {
                tl = w = visible(t, cp, false, dbl);
            }
        } else {
            size_t used = l;
            tl = syntax(tg, p, i, n, cp, t, &used);
            if (tl == 0) {
                memcpy(t, p + i, l);
                tl = l;
            }
            w = used; /* ASCII when used > l */
            l = used;
        }
        put(o, t, tl, w);
        i += l;
    }
}

static const char *to_buf(target tg, const char *s, char *buf, size_t cap, size_t *width)
{
    if (cap < 8) {
        if (cap)
            buf[0] = '\0';
        if (width)
            *width = 0;
        return buf;
    }
    out o = {.buf = buf, .cap = cap};
    walk(tg, s, &o);
    buf[o.len] = '\0';
    if (width)
        *width = o.width;
    return buf;
}

size_t ss_escape_text(const char *s, char *buf, size_t cap)
{
    size_t w;
    to_buf(T_TEXT, s, buf, cap, &w);
    return w;
}

const char *ss_esc_text(const char *s, char *buf, size_t cap)
{
    return to_buf(T_TEXT, s, buf, cap, NULL);
}

const char *ss_esc_md(const char *s, char *buf, size_t cap)
{
    return to_buf(T_MD, s, buf, cap, NULL);
}

void ss_esc_json(FILE *f, const char *s)
{
    out o = {.f = f};
    fputc('"', f);
    walk(T_JSON, s, &o);
    fputc('"', f);
}

void ss_esc_xml(FILE *f, const char *s)
{
    out o = {.f = f};
    walk(T_XML, s, &o);
}

void ss_esc_dot(FILE *f, const char *s, size_t max_cp)
{
    out o = {.f = f, .max_cp = max_cp};
    walk(T_DOT, s && s[0] ? s : "(unnamed)", &o);
}

void ss_esc_csv(FILE *f, const char *s)
{
    char tmp[4096];
    ss_esc_text(s, tmp, sizeof tmp);
    /* A leading = + - @ would make a spreadsheet evaluate a name from a binary as a formula. */
    bool formula = tmp[0] && strchr("=+-@", tmp[0]) != NULL;
    if (!formula && strpbrk(tmp, ",\"") == NULL) {
        fputs(tmp, f);
        return;
    }
    fputc('"', f);
    if (formula)
        fputc('\'', f);
    for (const char *c = tmp; *c; c++) {
        if (*c == '"')
            fputc('"', f);
        fputc(*c, f);
    }
    fputc('"', f);
}

void ss_esc_say(FILE *f, const char *fmt, ...)
{
    char msg[2048], esc[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    fprintf(f, "%s\n", ss_esc_text(msg, esc, sizeof esc));
}

const char *ss_esc_uri(const char *path, char *buf, size_t cap)
{
    size_t o = 0;
    for (const unsigned char *p = (const unsigned char *)(path ? path : ""); *p && o + 4 < cap;
         p++) {
        unsigned char c = *p;
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
            c == '-' || c == '.' || c == '_' || c == '~' || c == '/') {
            buf[o++] = (char)c;
        } else {
            buf[o++] = '%';
            buf[o++] = "0123456789ABCDEF"[c >> 4];
            buf[o++] = "0123456789ABCDEF"[c & 15];
        }
    }
    if (cap)
        buf[o] = '\0';
    return buf;
}

uint64_t ss_sarif_hash(uint64_t h, const char *s)
{
    for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++)
        h = (h ^ *p) * 0x100000001b3ULL;
    return (h ^ 0xff) * 0x100000001b3ULL;
}
