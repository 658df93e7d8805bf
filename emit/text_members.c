/* text_members.c - the member summary of an archive or universal binary in the text report:
 * its members sorted by size, largest first, before the per-member detail, so that a 2,000-member
 * libc.a starts with what weighs most instead of 40,000 lines in archive order. */
#include <inttypes.h> /* PRIu64 */
#include <stdint.h>   /* SIZE_MAX */
#include <stdlib.h>   /* qsort, calloc, free */
#include <string.h>   /* strcmp, strlen */

#include "../core/sizes.h"
#include "emit_internal.h"
#include "escape.h"

typedef struct {
    char name[160];
    size_t width;
    uint64_t file, vm;
} member_row;

static int member_cmp(const void *a, const void *b)
{
    const member_row *x = a, *y = b;
    if (x->file != y->file)
        return x->file > y->file ? -1 : 1;
    if (x->vm != y->vm)
        return x->vm > y->vm ? -1 : 1;
    return strcmp(x->name, y->name);
}

#define NAME_W_MAX 43 /* as the section tables: longer names overflow on a pipe */
#define NAME_MIN 12   /* a terminal cuts names down to this before dropping human units */

/* "  NAME  FILE HUMAN  VM HUMAN  PCT" */
static size_t line_width(size_t name, size_t human)
{
    return 2 + name + 2 + 10 + (human ? 1 + human : 0) + 2 + 10 + (human ? 1 + human : 0) + 2 + 6;
}

static void size_cols(FILE *f, uint64_t file, uint64_t vm, uint64_t whole, size_t human)
{
    char hf[16], hv[16], p[16];
    if (whole)
        snprintf(p, sizeof p, "%.1f%%", 100.0 * (double)file / (double)whole);
    else
        snprintf(p, sizeof p, "-");
    fprintf(f, "%10" PRIu64, file);
    if (human)
        fprintf(f, " %-*s", (int)human, ss_human(file, hf));
    fprintf(f, "  %10" PRIu64, vm);
    if (human)
        fprintf(f, " %-*s", (int)human, ss_human(vm, hv));
    fprintf(f, "  %6s\n", p);
}

bool ss_text_members(FILE *f, const ss_input *in, const ss_emit_opts *o, bool blank_before)
{
    size_t n = 0;
    for (size_t u = 0; u < in->nunits; u++)
        n += in->units[u].image != NULL;
    if (n < 2) /* one member (FILE(MEMBER), a one-slice universal file): its detail says it all */
        return false;
    member_row *rows = calloc(n, sizeof *rows);
    if (rows == NULL)
        return false;
    size_t k = 0;
    for (size_t u = 0; u < in->nunits; u++) {
        const ss_unit *un = &in->units[u];
        if (un->image == NULL)
            continue;
        member_row *r = &rows[k++];
        r->width = ss_escape_text(un->member ? un->member : "", r->name, sizeof r->name);
        ss_totals t = {0};
        ss_totals_add(&t, un->image);
        r->file = t.file;
        r->vm = t.vm;
    }
    qsort(rows, n, sizeof *rows, member_cmp);
    size_t top = o->members_top, shown = top && top < n ? top : n;
    uint64_t of = 0, ov = 0, tf = 0, tv = 0;
    for (size_t i = 0; i < n; i++) {
        ss_sat_add(&tf, rows[i].file);
        ss_sat_add(&tv, rows[i].vm);
        if (i >= shown) {
            ss_sat_add(&of, rows[i].file);
            ss_sat_add(&ov, rows[i].vm);
        }
    }
    char title[64];
    bool fat = in->container == SS_CONTAINER_UNIVERSAL;
    snprintf(title, sizeof title, "%s (%zu)", fat ? "Slices" : "Members", n);
    size_t w = strlen(title);
    for (size_t i = 0; i < shown; i++)
        if (rows[i].width > w)
            w = rows[i].width;
    if (w > NAME_W_MAX)
        w = NAME_W_MAX;
    const ss_term *t = &o->term;
    size_t human = 10;
    bool fit = false;
    if (t->width && line_width(w, human) > t->width) {
        /* names down to NAME_MIN (or the title) first; when the human units still do not fit
         * they go, and the names get back what that freed, up to their own width */
        fit = true;
        size_t natural = w, floor_w = strlen(title) > NAME_MIN ? strlen(title) : NAME_MIN;
        if (floor_w > natural)
            floor_w = natural;
        if (line_width(floor_w, human) > t->width)
            human = 0;
        size_t avail = t->width > line_width(0, human) ? t->width - line_width(0, human) : 0;
        w = avail < floor_w ? floor_w : avail > natural ? natural : avail;
    }
    char path[512];
    ss_esc_text(in->path, path, sizeof path);
    if (blank_before)
        fputc('\n', f);
    ss_term_line line;
    FILE *lf = ss_term_line_begin(&line, f, t);
    fprintf(lf, "%s: %s of %zu %s, largest first%s", path,
            fat ? "universal binary" : "archive", n, fat ? "slices" : "members",
            shown < n ? " (-n sets how many are listed)" : "");
    ss_term_line_end(&line, t, 0, 4);
    fprintf(f, "\n  %s%s%s%*s  %10s", ss_term_on(t, SS_STYLE_HEAD), title, ss_term_off(t),
            (int)(w - strlen(title)), "", "file size");
    if (human)
        fprintf(f, " %-*s", (int)human, "");
    fprintf(f, "  %10s", "vm size");
    if (human)
        fprintf(f, " %-*s", (int)human, "");
    fprintf(f, "  %6s\n", "file%");
    for (size_t i = 0; i < shown; i++) {
        char nm[sizeof rows[i].name];
        size_t nw = ss_term_shorten(rows[i].name, rows[i].width, fit ? w : SIZE_MAX, t->utf8, nm,
                                    sizeof nm);
        fprintf(f, "  %s%*s  ", nm, nw < w ? (int)(w - nw) : 0, "");
        size_cols(f, rows[i].file, rows[i].vm, in->bytes.len, human);
    }
    if (shown < n) {
        char name[64];
        snprintf(name, sizeof name, "[%zu other%s]", n - shown, n - shown == 1 ? "" : "s");
        fprintf(f, "  %-*s  ", (int)w, name);
        size_cols(f, of, ov, in->bytes.len, human);
    }
    char hf[16], hv[16];
    fprintf(f, "  %s: file %" PRIu64 " (%s), vm %" PRIu64 " (%s)\n", fat ? "slices" : "members", tf, ss_human(tf, hf),
            tv, ss_human(tv, hv));
    free(rows);
    return true;
}
