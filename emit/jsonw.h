/* jsonw.h - a small streaming JSON writer.
 *
 * Why not jansson for output: jansson stores integers as json_int_t (long long), and ELF
 * addresses of kernel images exceed 2^63, so exact unsigned 64-bit values need a writer of our
 * own; streaming also keeps memory flat on archives with thousands of members. Strings are
 * written as valid JSON whatever bytes they hold: control characters as \u00XX, bytes that are
 * not valid UTF-8 as the text \xNN (backslash, x, two hex digits), and a literal backslash as
 * two backslashes - the same convention as the text report - so the two cannot be confused. */
#ifndef SS_JSONW_H
#define SS_JSONW_H

#include <stdbool.h> /* bool */
#include <stdint.h>  /* uint64_t */
#include <stdio.h>   /* FILE */

#define SS_JW_MAX_DEPTH 32

typedef struct {
    FILE *f;
    int depth;
    bool pretty;
    bool has_items[SS_JW_MAX_DEPTH];
} ss_jw;

void ss_jw_init(ss_jw *w, FILE *f, bool pretty);
/* key is NULL inside arrays and at the top level. */
void ss_jw_obj(ss_jw *w, const char *key);
void ss_jw_arr(ss_jw *w, const char *key);
void ss_jw_end_obj(ss_jw *w);
void ss_jw_end_arr(ss_jw *w);
void ss_jw_str(ss_jw *w, const char *key, const char *s); /* NULL writes null */
void ss_jw_u64(ss_jw *w, const char *key, uint64_t v);
void ss_jw_i64(ss_jw *w, const char *key, int64_t v);
void ss_jw_dbl(ss_jw *w, const char *key, double v);
void ss_jw_bool(ss_jw *w, const char *key, bool v);
void ss_jw_null(ss_jw *w, const char *key);
/* Ends the document with a newline. */
void ss_jw_finish(ss_jw *w);

#endif
