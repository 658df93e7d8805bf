/* term.c - colour and width of the text report on a terminal (see term.h). */
#include "term.h"

#include <stdlib.h>    /* getenv, strtoul */
#include <string.h>    /* strcmp, strlen, memcpy */
#include <strings.h>   /* strcasecmp */
#include <sys/ioctl.h> /* ioctl, TIOCGWINSZ */
#include <unistd.h>    /* isatty */

bool ss_color_mode_parse(const char *s, ss_color_mode *out)
{
    static const struct {
        const char *word;
        ss_color_mode mode;
    } words[] = {{"auto", SS_COLOR_AUTO}, {"always", SS_COLOR_ALWAYS}, {"never", SS_COLOR_NEVER}};
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
        if (strcmp(s, words[i].word) == 0) {
            *out = words[i].mode;
            return true;
        }
    return false;
}

/* The character set of the locale the user set, without calling setlocale (which would change
 * how the rest of the program formats): the first of LC_ALL, LC_CTYPE, LANG that is set. */
static bool locale_utf8(void)
{
    static const char *const vars[] = {"LC_ALL", "LC_CTYPE", "LANG"};
    for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++) {
        const char *v = getenv(vars[i]);
        if (v == NULL || v[0] == '\0')
            continue;
        const char *dot = strchr(v, '.');
        if (dot == NULL)
            return false;
        char cs[16];
        size_t n = strcspn(dot + 1, "@");
        if (n >= sizeof cs)
            return false;
        memcpy(cs, dot + 1, n);
        cs[n] = '\0';
        return strcasecmp(cs, "UTF-8") == 0 || strcasecmp(cs, "utf8") == 0;
    }
    return false;
}

ss_term ss_term_detect(int fd, ss_color_mode mode)
{
    ss_term t = {.color = false, .utf8 = locale_utf8(), .width = 0};
    bool tty = isatty(fd) == 1;
    const char *no_color = getenv("NO_COLOR");
    const char *term = getenv("TERM");
    if (mode == SS_COLOR_ALWAYS)
        t.color = true;
    else if (mode == SS_COLOR_AUTO)
        t.color = tty && (no_color == NULL || no_color[0] == '\0') && term && term[0] &&
                  strcmp(term, "dumb") != 0;
    const char *cols = getenv("COLUMNS");
    if (cols && cols[0]) {
        char *end;
        unsigned long v = strtoul(cols, &end, 10);
        if (*end == '\0' && cols[0] != '-' && v >= 20 && v <= 10000)
            t.width = v;
    }
    struct winsize ws;
    if (t.width == 0 && tty && ioctl(fd, TIOCGWINSZ, &ws) == 0 && ws.ws_col >= 20)
        t.width = ws.ws_col;
    return t;
}

const char *ss_term_on(const ss_term *t, ss_style s)
{
    if (!t->color)
        return "";
    switch (s) {
    case SS_STYLE_BAD: return "\033[1;31m";
    case SS_STYLE_WARN: return "\033[1;33m";
    case SS_STYLE_GOOD: return "\033[32m";
    case SS_STYLE_HEAD: return "\033[1m";
    }
    return "";
}

const char *ss_term_off(const ss_term *t)
{
    return t->color ? "\033[0m" : "";
}

/* Bytes of the first n code points of s (valid UTF-8: a code point starts at every byte that
 * is not a continuation byte). */
static size_t cp_bytes(const char *s, size_t n)
{
    size_t i = 0;
    while (s[i] && n) {
        i++;
        while ((s[i] & 0xc0) == 0x80)
            i++;
        n--;
    }
    return i;
}

static size_t cp_count(const char *s, size_t len)
{
    size_t n = 0;
    for (size_t i = 0; i < len; i++)
        n += (s[i] & 0xc0) != 0x80;
    return n;
}

size_t ss_term_shorten(const char *name, size_t w, size_t max, bool utf8, char *out, size_t cap)
{
    const char *ell = utf8 ? "\xe2\x80\xa6" : "...";
    size_t ell_w = utf8 ? 1 : 3;
    if (w <= max || max < ell_w + 2) {
        snprintf(out, cap, "%s", name);
        return w;
    }
    /* Keep the head and the tail (the tail one longer: it tells .debug_info from .debug_line
     * and libfoo.so.1 from libfoo.so.2). */
    size_t keep = max - ell_w, head = keep / 2, tail = keep - head;
    size_t hb = cp_bytes(name, head);
    const char *t = name + cp_bytes(name, w - tail);
    snprintf(out, cap, "%.*s%s%s", (int)hb, name, ell, t);
    return head + ell_w + tail;
}

void ss_term_wrap(FILE *f, const ss_term *t, size_t col, size_t indent, const char *text)
{
    size_t len = strlen(text);
    if (t->width == 0 || col + cp_count(text, len) <= t->width) {
        fputs(text, f);
        fputc('\n', f);
        return;
    }
    /* Runs of spaces are kept as they are, except the one a line breaks at. */
    size_t at = col;
    bool words = false; /* a word is on the current line */
    const char *p = text;
    while (*p) {
        size_t gap = strspn(p, " ");
        size_t wl = strcspn(p + gap, " ");
        size_t ww = cp_count(p + gap, wl);
        /* a word too long for any line stays where it is: a break would only add a line */
        if (words && wl && at + gap + ww > t->width && indent + ww <= t->width) {
            fprintf(f, "\n%*s", (int)indent, "");
            at = indent;
        } else {
            fwrite(p, 1, gap, f);
            at += gap;
        }
        fwrite(p + gap, 1, wl, f);
        at += ww;
        words |= wl > 0;
        p += gap + wl;
    }
    fputc('\n', f);
}

FILE *ss_term_line_begin(ss_term_line *l, FILE *f, const ss_term *t)
{
    l->f = f;
    l->buf = NULL;
    l->len = 0;
    l->m = t->width ? open_memstream(&l->buf, &l->len) : NULL;
    return l->m ? l->m : f;
}

void ss_term_line_end(ss_term_line *l, const ss_term *t, size_t col, size_t indent)
{
    if (l->m == NULL) {
        fputc('\n', l->f);
        return;
    }
    bool ok = fclose(l->m) == 0 && l->buf;
    if (ok)
        ss_term_wrap(l->f, t, col, indent, l->buf);
    else
        fputc('\n', l->f);
    free(l->buf);
}
