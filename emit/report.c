/* report.c - the streaming report driver: renders inputs as they come, keeps small summaries. */
#include <stdlib.h> /* calloc, realloc, free */
#include <string.h> /* strdup */

#include "../core/sizes.h" /* ss_sat_add */
#include "emit_internal.h"

ss_report *ss_report_begin(FILE *out, FILE *err, const ss_emitter *em, const ss_emit_opts *o)
{
    ss_report *r = calloc(1, sizeof *r);
    if (r == NULL)
        return NULL;
    r->out = out;
    r->err = err;
    r->em = em;
    r->opts = *o;
    if (em->begin && !em->begin(r)) {
        free(r);
        return NULL;
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
    for (size_t u = 0; u < in->nunits; u++) {
        skipped += in->units[u].skipped;
        if (in->units[u].image)
            ss_totals_add(&t, in->units[u].image);
    }
    t.file = in->bytes.len; /* an archive's own bytes, not just its members' */
    if (r->em->input)
        r->em->input(r, in, &t);
    r->inputs++;
    r->all.images += t.images;
    /* every sum runs (no short circuit); clang refuses '|' between two bools */
    bool sat = ss_sat_add(&r->all.file, t.file);
    sat |= ss_sat_add(&r->all.text, t.text);
    sat |= ss_sat_add(&r->all.data, t.data);
    sat |= ss_sat_add(&r->all.bss, t.bss);
    sat |= ss_sat_add(&r->all.vm, t.vm);
    if (t.saturated) /* the members' sums of this input */
        ss_emit_saturated(r->err, in->path);
    r->all.saturated |= sat;

    if (r->em->keep_inputs) {
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
    fflush(r->out); /* each input is on its way as soon as it is rendered (NDJSON streams) */
    if (r->err)
        ss_emit_errors_term(r->err, in, &r->opts.err_term);
}

void ss_report_end(ss_report *r)
{
    if (r == NULL)
        return;
    if (r->all.saturated)
        ss_emit_saturated(r->err, NULL);
    if (r->em->end)
        r->em->end(r);
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
