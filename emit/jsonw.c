/* jsonw.c - streaming JSON output. */
#include "jsonw.h"

#include <inttypes.h> /* PRIu64 */
#include <math.h>     /* isfinite */
#include <string.h>   /* strlen */

#include "escape.h"
#include "put.h"

void ss_jw_init(ss_jw *w, FILE *f, bool pretty)
{
    memset(w, 0, sizeof *w);
    w->f = f;
    w->pretty = pretty;
}

/* Separator, newline and indentation before a value; then the key if any. */
static void lead(ss_jw *w, const char *key)
{
    if (w->depth > 0) {
        if (w->has_items[w->depth])
            fputc(',', w->f);
        w->has_items[w->depth] = true;
        if (w->pretty) {
            fputc('\n', w->f);
            for (int i = 0; i < w->depth; i++)
                fputs("  ", w->f);
        }
    }
    if (key) {
        ss_esc_json(w->f, key);
        fputs(w->pretty ? ": " : ":", w->f);
    }
}

static void open_(ss_jw *w, const char *key, char c)
{
    lead(w, key);
    fputc(c, w->f);
    if (w->depth + 1 < SS_JW_MAX_DEPTH)
        w->depth++;
    w->has_items[w->depth] = false;
}

static void close_(ss_jw *w, char c)
{
    bool had = w->has_items[w->depth];
    if (w->depth > 0)
        w->depth--;
    if (w->pretty && had) {
        fputc('\n', w->f);
        for (int i = 0; i < w->depth; i++)
            fputs("  ", w->f);
    }
    fputc(c, w->f);
}

void ss_jw_obj(ss_jw *w, const char *key) { open_(w, key, '{'); }
void ss_jw_arr(ss_jw *w, const char *key) { open_(w, key, '['); }
void ss_jw_end_obj(ss_jw *w) { close_(w, '}'); }
void ss_jw_end_arr(ss_jw *w) { close_(w, ']'); }

void ss_jw_str(ss_jw *w, const char *key, const char *s)
{
    lead(w, key);
    if (s)
        ss_esc_json(w->f, s);
    else
        fputs("null", w->f);
}

void ss_jw_u64(ss_jw *w, const char *key, uint64_t v)
{
    lead(w, key);
    ss_put_u64(w->f, v); /* not fprintf: the inner loop of NDJSON over many files */
}

void ss_jw_i64(ss_jw *w, const char *key, int64_t v)
{
    lead(w, key);
    ss_put_i64(w->f, v);
}

void ss_jw_dbl(ss_jw *w, const char *key, double v)
{
    lead(w, key);
    if (isfinite(v))
        fprintf(w->f, "%.6g", v);
    else
        fputs("null", w->f);
}

void ss_jw_bool(ss_jw *w, const char *key, bool v)
{
    lead(w, key);
    fputs(v ? "true" : "false", w->f);
}

void ss_jw_null(ss_jw *w, const char *key)
{
    lead(w, key);
    fputs("null", w->f);
}

void ss_jw_finish(ss_jw *w)
{
    fputc('\n', w->f);
}
