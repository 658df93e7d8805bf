/* put.c - see put.h. */
#include "put.h"

#include <string.h> /* strlen */

size_t ss_u64_digits(uint64_t v, char *buf)
{
    char tmp[20];
    size_t n = 0;
    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    for (size_t i = 0; i < n; i++)
        buf[i] = tmp[n - 1 - i];
    return n;
}

char *ss_hex0x(uint64_t v, char *buf)
{
    static const char hex[] = "0123456789abcdef";
    char tmp[16];
    size_t n = 0;
    do {
        tmp[n++] = hex[v & 15];
        v >>= 4;
    } while (v);
    buf[0] = '0';
    buf[1] = 'x';
    for (size_t i = 0; i < n; i++)
        buf[2 + i] = tmp[n - 1 - i];
    buf[2 + n] = 0;
    return buf;
}

void ss_put_u64(FILE *f, uint64_t v)
{
    char b[20];
    fwrite(b, 1, ss_u64_digits(v, b), f);
}

void ss_put_i64(FILE *f, int64_t v)
{
    if (v < 0) {
        fputc('-', f);
        ss_put_u64(f, (uint64_t)0 - (uint64_t)v); /* INT64_MIN too */
    } else {
        ss_put_u64(f, (uint64_t)v);
    }
}

void ss_put_pad(FILE *f, size_t n)
{
    static const char spaces[] = "                                ";
    while (n > 0) {
        size_t k = n < sizeof spaces - 1 ? n : sizeof spaces - 1;
        fwrite(spaces, 1, k, f);
        n -= k;
    }
}

void ss_put_u64_right(FILE *f, uint64_t v, size_t w)
{
    char b[20];
    size_t n = ss_u64_digits(v, b);
    if (n < w)
        ss_put_pad(f, w - n);
    fwrite(b, 1, n, f);
}

void ss_put_left(FILE *f, const char *s, size_t w)
{
    size_t n = strlen(s);
    fwrite(s, 1, n, f);
    if (n < w)
        ss_put_pad(f, w - n);
}

void ss_put_right(FILE *f, const char *s, size_t w)
{
    size_t n = strlen(s);
    if (n < w)
        ss_put_pad(f, w - n);
    fwrite(s, 1, n, f);
}
