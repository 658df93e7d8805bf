/* ar.c - static archives (System V/GNU and BSD ar, which also carry COFF .lib files).
 *
 * Format-neutral: each member's bytes go back to the registry, which recognises ELF, COFF or
 * Mach-O objects alike. Symbol-table members ("/", "/SYM64/", "__.SYMDEF*") and the GNU
 * long-name table ("//") are not members of interest and are skipped. Every header field is
 * ASCII and untrusted: sizes are parsed with overflow checks and bounded by the file. */
#include <stdio.h>  /* snprintf */
#include <string.h> /* memcmp, memchr */

#include "reader.h"

#define AR_MAGIC "!<arch>\n"
#define AR_THIN "!<thin>\n"
#define AR_HDR 60

static bool ar_probe(ss_span head)
{
    return head.len >= 8 && (memcmp(head.p, AR_MAGIC, 8) == 0 || memcmp(head.p, AR_THIN, 8) == 0);
}

/* Parses a decimal ASCII field padded with spaces; false when it is empty, has other bytes or
 * overflows. */
static bool parse_dec(const uint8_t *p, size_t n, uint64_t *out)
{
    uint64_t v = 0;
    size_t i = 0;
    while (i < n && p[i] == ' ')
        i++;
    size_t digits = 0;
    for (; i < n && p[i] >= '0' && p[i] <= '9'; i++, digits++)
        if (!ss_mul_ok(v, 10, &v) || !ss_add_ok(v, (uint64_t)(p[i] - '0'), &v))
            return false;
    for (; i < n; i++)
        if (p[i] != ' ')
            return false;
    *out = v;
    return digits > 0;
}

/* Copies a name of at most n bytes, stopping at terminator characters. */
static void copy_name(char *dst, size_t cap, const uint8_t *p, size_t n)
{
    size_t k = 0;
    for (size_t i = 0; i < n && k + 1 < cap; i++) {
        if (p[i] == '\0' || p[i] == '\n')
            break;
        dst[k++] = (char)p[i];
    }
    dst[k] = '\0';
}

static bool is_symtab_name(const char *n)
{
    return strcmp(n, "/") == 0 || strcmp(n, "/SYM64/") == 0 || strncmp(n, "__.SYMDEF", 9) == 0;
}

static ss_status ar_each(ss_span bytes, ss_member_fn fn, ss_member_bad_fn bad, void *ctx,
                         ss_diag *d)
{
    if (bytes.len >= 8 && memcmp(bytes.p, AR_THIN, 8) == 0)
        return ss_fail(d, SS_E_UNSUPPORTED, 0,
                       "thin archive: its members are separate files, analyze those instead");
    ss_span longnames = {NULL, 0};
    uint64_t off = 8;
    size_t index = 0;
    while (off < bytes.len) {
        if (bytes.len - off < AR_HDR) {
            /* A single trailing newline of padding is common; anything else is truncation. */
            if (bytes.len - off == 1 && bytes.p[off] == '\n')
                break;
            return ss_fail(d, SS_E_TRUNCATED, off, "archive member header needs 60 bytes, %llu left",
                           (unsigned long long)(bytes.len - off));
        }
        const uint8_t *h = bytes.p + off;
        if (h[58] != '`' || h[59] != '\n')
            return ss_fail(d, SS_E_CORRUPT, off + 58, "archive member header has no terminator");
        uint64_t size;
        if (!parse_dec(h + 48, 10, &size))
            return ss_fail(d, SS_E_CORRUPT, off + 48, "archive member size is not a number");
        uint64_t data = off + AR_HDR;
        if (!ss_range_ok(data, size, bytes.len))
            return ss_fail(d, SS_E_TRUNCATED, off,
                           "archive member of %llu bytes at 0x%llx runs past end of file",
                           (unsigned long long)size, (unsigned long long)off);

        char name[256];
        copy_name(name, sizeof name, h, 16);
        ss_span body = {bytes.p + data, (size_t)size};
        uint64_t body_off = data;

        if (strncmp(name, "#1/", 3) == 0) {
            /* BSD: the name is the first N bytes of the member's data. */
            uint64_t nlen;
            if (!parse_dec(h + 3, 13, &nlen) || nlen > size) {
                /* The member's size is sound, so the next header is found: only this one is
                 * lost. */
                ss_diag md = {0};
                ss_fail(&md, SS_E_CORRUPT, off, "BSD archive name length is bad");
                snprintf(name, sizeof name, "member %zu", index++);
                bad(ctx, name, &md, off, AR_HDR + size);
                goto next;
            }
            copy_name(name, sizeof name, body.p, (size_t)nlen);
            body.p += nlen;
            body.len -= (size_t)nlen;
            body_off += nlen;
        } else if (strcmp(name, "//") == 0 || strncmp(name, "// ", 3) == 0) {
            longnames = body;
            goto next;
        } else if (name[0] == '/' && name[1] >= '0' && name[1] <= '9') {
            /* GNU long name: "/N" is an offset into the "//" table. */
            uint64_t at;
            size_t e = 1;
            while (e < 16 && h[e] >= '0' && h[e] <= '9')
                e++;
            if (!parse_dec(h + 1, e - 1, &at) || at >= longnames.len) {
                ss_diag md = {0};
                snprintf(name, sizeof name, "%.*s", (int)e, (const char *)h); /* "/N" */
                ss_fail(&md, SS_E_CORRUPT, off,
                        "archive long name %s is outside the name table (%zu bytes)", name,
                        longnames.len);
                bad(ctx, name, &md, off, AR_HDR + size);
                index++;
                goto next;
            }
            const uint8_t *s = longnames.p + at;
            size_t max = longnames.len - (size_t)at;
            const uint8_t *nl = memchr(s, '\n', max);
            size_t n = nl ? (size_t)(nl - s) : max;
            if (n > 0 && s[n - 1] == '/')
                n--;
            copy_name(name, sizeof name, s, n);
        } else {
            /* GNU short names end with '/', BSD ones are space-padded. */
            if (!is_symtab_name(name)) {
                size_t n = strlen(name);
                while (n > 0 && name[n - 1] == ' ')
                    n--;
                if (n > 0 && name[n - 1] == '/' && name[0] != '/') /* keep "/", "/SYM64/" */
                    n--;
                name[n] = '\0';
            }
        }
        if (is_symtab_name(name))
            goto next;
        if (name[0] == '\0')
            snprintf(name, sizeof name, "member %zu", index);
        {
            ss_status st = fn(ctx, name, body, body_off);
            if (st != SS_OK)
                return st;
        }
        index++;
    next:
        off = data + size + (size & 1);
    }
    return SS_OK;
}

const ss_container ss_container_ar = {
    .name = "ar",
    .kind = SS_CONTAINER_ARCHIVE,
    .probe = ar_probe,
    .each = ar_each,
};
