/* put.h - numbers and padding written without printf, for the inner loops of the emitters.
 *
 * Over many files the report is mostly rows of numbers, and vfprintf's parsing of the format
 * was the first user-space cost of a text or NDJSON run over the machine's libraries (issue 24).
 * These write the same characters as the printf conversions named beside each. */
#ifndef SS_PUT_H
#define SS_PUT_H

#include <stddef.h> /* size_t */
#include <stdint.h> /* uint64_t, int64_t */
#include <stdio.h>  /* FILE */

/* Decimal digits of v into buf (at least 20 bytes, not NUL-terminated); returns their count. */
size_t ss_u64_digits(uint64_t v, char *buf);
/* "0x%" PRIx64 into buf (at least 19 bytes), NUL-terminated; returns buf. */
char *ss_hex0x(uint64_t v, char *buf);
void ss_put_u64(FILE *f, uint64_t v);              /* "%" PRIu64 */
void ss_put_i64(FILE *f, int64_t v);               /* "%" PRId64 */
void ss_put_u64_right(FILE *f, uint64_t v, size_t w); /* "%*" PRIu64 */
void ss_put_pad(FILE *f, size_t n);                /* n spaces */
void ss_put_left(FILE *f, const char *s, size_t w);  /* "%-*s" */
void ss_put_right(FILE *f, const char *s, size_t w); /* "%*s" */

#endif
