/* report.c - the streaming report driver: renders inputs as they come, keeps small summaries. */
#include <stdlib.h> /* calloc, realloc, free */
#include <string.h> /* strdup */

#include "../core/sizes.h" /* ss_sat_add */
#include "dot.h"
#include "emit_internal.h"

struct ss_report {
    FILE *out, *err;
    ss_out_format fmt;
    ss_emit_opts opts;
    ss_jw jw;
    size_t inputs, images_printed;
    size_t containers; /* DOT: clusters of archives and universal files */
    ss_totals all;
    ss_input_summary *sum; /* JSON only */
    size_t nsum, capsum;
    ss_error_copy *errs;   /* JSON only */
    size_t nerr, caperr;
};

ss_report *ss_report_begin(FILE *out, FILE *err, ss_out_format fmt, const ss_emit_opts *o)
{
    ss_report *r = calloc(1, sizeof *r);
    if (r == NULL)
        return NULL;
    r->out = out;
    r->err = err;
    r->fmt = fmt;
    r->opts = *o;
    if (fmt == SS_OUT_JSON) {
        ss_jw_init(&r->jw, out, o->pretty);
        ss_json_begin(&r->jw);
    } else if (fmt == SS_OUT_DOT) {
        ss_dot_begin(out);
    }
    return r;
}

/* Grows an array of elem-sized items; false when out of memory (the item is then dropped,
 * which only loses a summary line, never a report). */
static bool grow(void **items, size_t *cap, size_t count, size_t elem)
{
    if (count < *cap)
        return true;
    size_t ncap = *cap ? *cap * 2 : 16;
    void *n = realloc(*items, ncap * elem);
    if (n == NULL)
        return false;
    *items = n;
    *cap = ncap;
    return true;
}

static void keep_error(ss_report *r, const char *path, const char *member, const ss_diag *d)
{
    if (!grow((void **)&r->errs, &r->caperr, r->nerr, sizeof *r->errs))
        return;
    ss_error_copy *e = &r->errs[r->nerr];
    e->path = strdup(path);
    e->member = member ? strdup(member) : NULL;
    e->diag = *d;
    if (e->path)
        r->nerr++;
}

void ss_report_input(ss_report *r, const ss_input *in)
{
    ss_totals t = {0};
    size_t skipped = 0;
    bool dot_cluster = r->fmt == SS_OUT_DOT && in->container != SS_CONTAINER_NONE;
    if (dot_cluster)
        ss_dot_container_begin(r->out, in, r->containers++);
    for (size_t u = 0; u < in->nunits; u++) {
        const ss_image *im = in->units[u].image;
        skipped += in->units[u].skipped;
        if (im == NULL)
            continue;
        if (r->fmt == SS_OUT_JSON) {
            ss_json_image(&r->jw, im);
        } else if (r->fmt == SS_OUT_DOT) {
            ss_dot_image(r->out, im, r->images_printed, &r->opts);
        } else {
            if (r->images_printed)
                fputc('\n', r->out);
            ss_text_image(r->out, im, &r->opts);
        }
        r->images_printed++;
        ss_totals_add(&t, im);
    }
    if (dot_cluster)
        ss_dot_container_end(r->out);
    if (r->fmt == SS_OUT_TEXT && in->container != SS_CONTAINER_NONE)
        ss_text_container(r->out, in, &t);
    t.file = in->bytes.len; /* an archive's own bytes, not just its members' */
    r->inputs++;
    r->all.images += t.images;
    bool sat = ss_sat_add(&r->all.file, t.file) | ss_sat_add(&r->all.text, t.text) |
               ss_sat_add(&r->all.data, t.data) | ss_sat_add(&r->all.bss, t.bss) |
               ss_sat_add(&r->all.vm, t.vm);
    if (t.saturated) /* the members' sums of this input */
        ss_emit_saturated(r->err, in->path);
    r->all.saturated |= sat;

    if (r->fmt == SS_OUT_JSON) {
        if (grow((void **)&r->sum, &r->capsum, r->nsum, sizeof *r->sum)) {
            ss_input_summary *s = &r->sum[r->nsum];
            s->path = strdup(in->path);
            s->container = in->container;
            s->file_size = in->bytes.len;
            s->totals = t;
            s->failed = ss_input_failures(in) + (in->status != SS_OK);
            s->skipped = skipped;
            s->container_bytes = ss_input_container_bytes(in);
            if (s->path)
                r->nsum++;
        }
        if (in->status != SS_OK)
            keep_error(r, in->path, NULL, &in->diag);
        for (size_t u = 0; u < in->nunits; u++)
            if (in->units[u].image == NULL && !in->units[u].skipped)
                keep_error(r, in->path, in->units[u].member, &in->units[u].diag);
    }
    fflush(r->out);
    ss_emit_errors(r->err, in);
}

void ss_report_end(ss_report *r)
{
    if (r == NULL)
        return;
    if (r->all.saturated)
        ss_emit_saturated(r->err, NULL);
    if (r->fmt == SS_OUT_JSON)
        ss_json_end(&r->jw, r->sum, r->nsum, r->errs, r->nerr, &r->all);
    else if (r->fmt == SS_OUT_DOT)
        ss_dot_end(r->out);
    else if (r->inputs > 1 || r->all.images > 1)
        ss_text_total(r->out, r->inputs, &r->all);
    fflush(r->out);
    for (size_t i = 0; i < r->nsum; i++)
        free(r->sum[i].path);
    for (size_t i = 0; i < r->nerr; i++) {
        free(r->errs[i].path);
        free(r->errs[i].member);
    }
    free(r->sum);
    free(r->errs);
    free(r);
}
