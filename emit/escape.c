/* escape.c - the one escaping module (see escape.h for the rules). */
#include "escape.h"

#include <stdarg.h> /* va_list */
#include <stdlib.h> /* malloc, free */
#include <string.h> /* memcpy, strlen, strchr */

bool ss_escape_unsafe_cp(uint32_t cp)
{
    return cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp < 0xa0) || cp == 0x061c ||
           cp == 0x200e || cp == 0x200f || cp == 0x2028 || cp == 0x2029 ||
           (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069) || cp == 0xfeff ||
           (cp >= 0xfdd0 && cp <= 0xfdef) || (cp & 0xfffe) == 0xfffe;
}

/* One step of the shared rule over s[i..n): the bytes to write for the next code point (the
 * code point itself, or its visible escape) into tok; returns the input bytes consumed. *cp is
 * the code point, or UINT32_MAX for an invalid byte. */
static size_t next_token(const unsigned char *p, size_t n, char tok[16], size_t *tl, uint32_t *cp)
{
    size_t l = ss_utf8_next(p, n, cp);
    if (l == 0) {
        *cp = UINT32_MAX;
        *tl = (size_t)snprintf(tok, 16, "\\x%02x", p[0]);
        return 1;
    }
    if (*cp == '\\') {
        memcpy(tok, "\\\\", 2);
        *tl = 2;
    } else if (ss_escape_unsafe_cp(*cp)) {
        *tl = *cp < 0x100 ? (size_t)snprintf(tok, 16, "\\x%02x", (unsigned)*cp)
                          : (size_t)snprintf(tok, 16, "\\u{%04x}", (unsigned)*cp);
    } else {
        memcpy(tok, p, l);
        *tl = l;
    }
    return l;
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
        size_t l = next_token(p + i, n - i, tmp, &tl, &cp);
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

void ss_escape_text_put(FILE *f, const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t n = strlen(s);
    for (size_t i = 0; i < n;) {
        char tmp[16];
        size_t tl;
        uint32_t cp;
        i += next_token(p + i, n - i, tmp, &tl, &cp);
        fwrite(tmp, 1, tl, f);
    }
}

/* Writes the first len bytes of s (or all of it when len is SIZE_MAX), escaped. */
static void put_text_n(FILE *f, const char *s, size_t len)
{
    if (s == NULL) {
        fputs("(null)", f);
        return;
    }
    size_t n = strnlen(s, len);
    char *copy = malloc(n + 1);
    if (copy == NULL) {
        fputs("(out of memory)", f);
        return;
    }
    memcpy(copy, s, n);
    copy[n] = '\0';
    ss_escape_text_put(f, copy);
    free(copy);
}

/* spec below is a piece of fmt, which the format attribute has checked at every call site. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
bool ss_escape_msg(FILE *f, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    for (const char *p = fmt; *p;) {
        if (*p != '%') {
            const char *q = strchr(p, '%');
            size_t len = q ? (size_t)(q - p) : strlen(p);
            fwrite(p, 1, len, f);
            p += len;
            continue;
        }
        /* One conversion: %[flags][width][.precision][length]conv. */
        const char *start = p++;
        while (*p && strchr("-+ #0", *p))
            p++;
        bool star_prec = false;
        while (*p >= '0' && *p <= '9')
            p++;
        if (*p == '.') {
            p++;
            if (*p == '*') {
                star_prec = true;
                p++;
            }
            while (*p >= '0' && *p <= '9')
                p++;
        }
        int longs = 0;
        bool size_t_len = false;
        while (*p == 'l' || *p == 'z' || *p == 'h' || *p == 'j') {
            if (*p == 'l')
                longs++;
            if (*p == 'z' || *p == 'j')
                size_t_len = true;
            p++;
        }
        char conv = *p ? *p++ : '\0';
        char spec[32];
        size_t sl = (size_t)(p - start);
        if (sl >= sizeof spec)
            sl = sizeof spec - 1;
        memcpy(spec, start, sl);
        spec[sl] = '\0';
        switch (conv) {
        case '%': fputc('%', f); break;
        case 's': {
            int prec = star_prec ? va_arg(ap, int) : -1;
            const char *s = va_arg(ap, const char *);
            put_text_n(f, s, prec >= 0 ? (size_t)prec : SIZE_MAX);
            break;
        }
        case 'c': {
            char c[2] = {(char)va_arg(ap, int), '\0'};
            ss_escape_text_put(f, c);
            break;
        }
        case 'd': case 'i':
            if (size_t_len)
                fprintf(f, spec, va_arg(ap, ssize_t));
            else if (longs >= 2)
                fprintf(f, spec, va_arg(ap, long long));
            else if (longs == 1)
                fprintf(f, spec, va_arg(ap, long));
            else
                fprintf(f, spec, va_arg(ap, int));
            break;
        case 'u': case 'x': case 'X': case 'o':
            if (size_t_len)
                fprintf(f, spec, va_arg(ap, size_t));
            else if (longs >= 2)
                fprintf(f, spec, va_arg(ap, unsigned long long));
            else if (longs == 1)
                fprintf(f, spec, va_arg(ap, unsigned long));
            else
                fprintf(f, spec, va_arg(ap, unsigned));
            break;
        default: /* not a form this function takes: show it rather than guess at the va_list */
            fputs(spec, f);
            break;
        }
    }
    va_end(ap);
    return !ferror(f);
}
#pragma GCC diagnostic pop

void ss_escape_json(FILE *f, const char *s)
{
    if (s == NULL) {
        fputs("null", f);
        return;
    }
    const unsigned char *p = (const unsigned char *)s;
    size_t n = strlen(s);
    fputc('"', f);
    for (size_t i = 0; i < n;) {
        uint32_t cp;
        size_t l = ss_utf8_next(p + i, n - i, &cp);
        if (l == 0) {
            fprintf(f, "\\\\x%02x", p[i]);
            i++;
            continue;
        }
        if (cp == '"')
            fputs("\\\"", f);
        else if (cp == '\\')
            fputs("\\\\\\\\", f); /* a literal backslash is doubled, so \\xNN is unambiguous */
        else if (cp == '\n')
            fputs("\\n", f);
        else if (cp == '\t')
            fputs("\\t", f);
        else if (ss_escape_unsafe_cp(cp) && cp <= 0xffff)
            fprintf(f, "\\u%04x", (unsigned)cp);
        else if (ss_escape_unsafe_cp(cp)) /* a noncharacter above the BMP: a surrogate pair */
            fprintf(f, "\\u%04x\\u%04x", (unsigned)(0xd800 + ((cp - 0x10000) >> 10)),
                    (unsigned)(0xdc00 + ((cp - 0x10000) & 0x3ff)));
        else
            fwrite(p + i, 1, l, f);
        i += l;
    }
    fputc('"', f);
}

void ss_escape_csv(FILE *f, const char *s)
{
    char tmp[1024];
    ss_escape_text(s ? s : "", tmp, sizeof tmp);
    /* A leading = + - @ would make a spreadsheet evaluate a name from a binary as a formula. */
    bool formula = tmp[0] && strchr("=+-@", tmp[0]) != NULL;
    bool quote = strpbrk(tmp, ",\"\r\n") != NULL || formula;
    if (!quote) {
        fputs(tmp, f);
        return;
    }
    fputc('"', f);
    if (formula)
        fputc('\'', f);
    for (const char *p = tmp; *p; p++) {
        if (*p == '"')
            fputc('"', f);
        fputc(*p, f);
    }
    fputc('"', f);
}

const char *ss_escape_md(const char *s, char *buf, size_t cap)
{
    static const char zwsp[] = "&#8203;";
    char tmp[512];
    ss_escape_text(s ? s : "", tmp, sizeof tmp);
    size_t o = 0;
    if (cap == 0)
        return buf;
    for (const char *p = tmp; *p && o + 16 < cap; p++) {
        if (*p == '<') {
            memcpy(buf + o, "&lt;", 4);
            o += 4;
        } else if (*p == '>') {
            memcpy(buf + o, "&gt;", 4);
            o += 4;
        } else if (*p == '&') {
            memcpy(buf + o, "&amp;", 5);
            o += 5;
        } else if (*p == '@') {
            /* "@everyone" from a binary must not notify a whole organisation from a bot's PR
             * comment, nor "a@b.c" become a mail link. */
            buf[o++] = '@';
            memcpy(buf + o, zwsp, sizeof zwsp - 1);
            o += sizeof zwsp - 1;
        } else if (*p == ':' && p[1] == '/' && p[2] == '/') {
            buf[o++] = ':'; /* "http://..." stays text, not an autolink */
            memcpy(buf + o, zwsp, sizeof zwsp - 1);
            o += sizeof zwsp - 1;
        } else if ((*p == 'w' || *p == 'W') && strncasecmp(p, "www.", 4) == 0) {
            memcpy(buf + o, p, 3); /* "www.example.com" is autolinked too */
            o += 3;
            memcpy(buf + o, zwsp, sizeof zwsp - 1);
            o += sizeof zwsp - 1;
            p += 2;
        } else {
            /* Markdown punctuation that could start emphasis, code or a link, or end a cell
             * (a cell never starts a line, so list and heading markers are harmless). */
            if (strchr("\\`*_[]|~", *p))
                buf[o++] = '\\';
            buf[o++] = *p;
        }
    }
    buf[o] = '\0';
    return buf;
}

char *ss_escape_uri(const char *path)
{
    size_t n = strlen(path);
    char *u = malloc(3 * n + 8);
    if (u == NULL)
        return NULL;
    size_t o = 0;
    if (path[0] == '/') {
        memcpy(u, "file://", 7);
        o = 7;
    }
    for (const unsigned char *p = (const unsigned char *)path; *p; p++) {
        if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
            strchr("-._~/", *p))
            u[o++] = (char)*p;
        else
            o += (size_t)snprintf(u + o, 4, "%%%02X", *p);
    }
    u[o] = '\0';
    return u;
}

/* XML entities for the markup characters of an already terminal-escaped string. */
static void put_xml_escaped(FILE *f, const char *t)
{
    for (const char *p = t; *p; p++) {
        switch (*p) {
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '&': fputs("&amp;", f); break;
        case '"': fputs("&quot;", f); break;
        case '\'': fputs("&apos;", f); break;
        default: fputc(*p, f);
        }
    }
}

void ss_escape_xml(FILE *f, const char *s)
{
    char tmp[1024];
    ss_escape_text(s ? s : "", tmp, sizeof tmp);
    put_xml_escaped(f, tmp);
}

void ss_escape_dot(FILE *f, const char *s, size_t max)
{
    const unsigned char *p = (const unsigned char *)(s ? s : "");
    size_t n = strlen((const char *)p), shown = 0;
    for (size_t i = 0; i < n; shown++) {
        if (max && shown == max) {
            fputs("...", f);
            return;
        }
        char tok[16];
        size_t tl;
        uint32_t cp;
        i += next_token(p + i, n - i, tok, &tl, &cp);
        tok[tl] = '\0';
        if (tl == 1 && tok[0] == '\'')
            fputs("&#39;", f); /* as the DOT output always wrote it */
        else
            put_xml_escaped(f, tok);
    }
}
