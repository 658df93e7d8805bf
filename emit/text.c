/* text.c - the terminal report: a header line, sizes, then segment and section tables. */
#include <inttypes.h> /* PRIu64, PRIx64 */
#include <stdlib.h>   /* qsort, calloc, free */
#include <string.h>   /* strcmp */

#include "../core/sizes.h"
#include "analysis_emit.h"
#include "emit_internal.h"
#include "escape.h"

#define NAME_W_MAX 40

const char *ss_human(uint64_t v, char buf[16])
{
    static const char *const units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
    double d = (double)v;
    int u = 0;
    while (d >= 1024.0 && u < 6) {
        d /= 1024.0;
        u++;
    }
    if (u == 0)
        snprintf(buf, 16, "%" PRIu64 " B", v);
    else
        snprintf(buf, 16, "%.1f %s", d, units[u]);
    return buf;
}

typedef struct {
    char name[160];
    size_t width;
    const char *kind;
    char perms[4];
    bool has_addr;
    uint64_t addr;
    uint64_t file, vm;
    bool mark; /* file bytes fewer than the header states: overlap */
} row;

static uint64_t row_key(const row *r)
{
    return r->file > r->vm ? r->file : r->vm;
}

static int row_cmp(const void *a, const void *b)
{
    const row *x = a, *y = b;
    uint64_t kx = row_key(x), ky = row_key(y);
    if (kx != ky)
        return kx > ky ? -1 : 1;
    if (x->file != y->file)
        return x->file > y->file ? -1 : 1;
    return strcmp(x->name, y->name);
}

static void pct(char *buf, size_t n, uint64_t part, uint64_t whole)
{
    if (whole == 0)
        snprintf(buf, n, "-");
    else
        snprintf(buf, n, "%.1f%%", 100.0 * (double)part / (double)whole);
}

static void print_rows(FILE *f, row *rows, size_t nrows, size_t top, uint64_t file_size,
                       const char *title, bool with_kind)
{
    qsort(rows, nrows, sizeof *rows, row_cmp);
    size_t shown = top && top < nrows ? top : nrows;
    size_t w = 4;
    for (size_t i = 0; i < shown; i++)
        if (rows[i].width > w)
            w = rows[i].width;
    if (w > NAME_W_MAX + 3)
        w = NAME_W_MAX + 3;
    if (strlen(title) > w)
        w = strlen(title);
    fprintf(f, "\n  %-*s  %-8s  %-5s  %-18s  %10s %-10s  %10s %-10s  %6s\n", (int)w, title,
            with_kind ? "kind" : "", "perms", "address", "file size", "", "vm size", "", "file%");
    uint64_t of = 0, ov = 0;
    bool any_mark = false;
    for (size_t i = 0; i < nrows; i++) {
        const row *r = &rows[i];
        if (i >= shown) {
            ss_sat_add(&of, r->file); /* the "N others" row: checked sums */
            ss_sat_add(&ov, r->vm);
            continue;
        }
        char hf[16], hv[16], p[16], addr[24];
        pct(p, sizeof p, r->file, file_size);
        if (r->has_addr)
            snprintf(addr, sizeof addr, "0x%" PRIx64, r->addr);
        else
            snprintf(addr, sizeof addr, "-");
        any_mark |= r->mark;
        int pad = (int)w - (int)r->width;
        fprintf(f, "  %s%*s%s %-8s  %-5s  %-18s  %10" PRIu64 " %-10s  %10" PRIu64 " %-10s  %6s\n",
                r->name, pad > 0 ? pad : 0, "", r->mark ? "*" : " ", r->kind ? r->kind : "",
                r->perms, addr, r->file, ss_human(r->file, hf), r->vm, ss_human(r->vm, hv), p);
    }
    if (shown < nrows) {
        char name[64], hf[16], hv[16], p[16];
        snprintf(name, sizeof name, "[%zu other%s]", nrows - shown, nrows - shown == 1 ? "" : "s");
        pct(p, sizeof p, of, file_size);
        fprintf(f, "  %-*s  %-8s  %-5s  %-18s  %10" PRIu64 " %-10s  %10" PRIu64 " %-10s  %6s\n",
                (int)w, name, "", "", "", of, ss_human(of, hf), ov, ss_human(ov, hv), p);
    }
    if (any_mark)
        fprintf(f, "  * overlaps bytes already counted in an earlier row; file size shows only its own bytes\n");
}

static void fill_name(row *r, const char *name)
{
    r->width = ss_escape_text(name, r->name, sizeof r->name);
}

static void print_segments(FILE *f, const ss_image *im, size_t top)
{
    if (im->nsegments == 0) {
        fprintf(f, "\n  Segments: none\n");
        return;
    }
    row *rows = calloc(im->nsegments, sizeof *rows);
    if (rows == NULL)
        return;
    uint64_t lf = 0, lv = 0;
    for (size_t i = 0; i < im->nsegments; i++) {
        const ss_segment *g = &im->segments[i];
        row *r = &rows[i];
        char nm[200];
        snprintf(nm, sizeof nm, "%s", g->name);
        fill_name(r, nm);
        r->kind = g->loadable ? "loaded" : "";
        ss_perms_str(g->perms, r->perms);
        r->has_addr = true;
        r->addr = g->vaddr;
        r->file = g->file_size;
        r->vm = g->vm_size;
        if (g->loadable) {
            ss_sat_add(&lf, g->file_size);
            ss_sat_add(&lv, g->vm_size);
        }
    }
    char title[64];
    snprintf(title, sizeof title, "Segments (%zu)", im->nsegments);
    print_rows(f, rows, im->nsegments, top, im->file_size, title, true);
    char hf[16], hv[16];
    fprintf(f, "  loaded segments: file %" PRIu64 " (%s), vm %" PRIu64 " (%s)\n", lf,
            ss_human(lf, hf), lv, ss_human(lv, hv));
    free(rows);
}

/* The section table is built from the file map, so its file column sums to the file size:
 * sections with their own bytes, named regions (headers, tables) and the gaps. */
static void print_sections(FILE *f, const ss_image *im, size_t top)
{
    size_t cap = im->nsections + im->nregions + 2;
    row *rows = calloc(cap, sizeof *rows);
    if (rows == NULL)
        return;
    size_t n = 0;
    for (size_t i = 0; i < im->nsections; i++) {
        const ss_section *s = &im->sections[i];
        if (s->file_size == 0 && s->vm_size == 0 && s->raw_type == 0 && s->name[0] == '\0')
            continue; /* the ELF null section */
        row *r = &rows[n++];
        fill_name(r, s->name);
        r->kind = ss_kind_name(s->kind);
        ss_perms_str(s->perms, r->perms);
        r->has_addr = s->alloc;
        r->addr = s->vaddr;
        r->file = s->file_accounted;
        r->vm = s->alloc ? s->vm_size : 0;
        r->mark = s->file_accounted < s->file_size;
    }
    /* Regions and gaps, merged by name. */
    size_t first_extra = n;
    for (size_t i = 0; i < im->nmap; i++) {
        const ss_map_entry *e = &im->map[i];
        const char *name = e->what == SS_MAP_REGION    ? im->regions[e->index].name
                           : e->what == SS_MAP_PADDING ? "[Padding]"
                           : e->what == SS_MAP_UNMAPPED ? "[Unmapped]"
                                                        : NULL;
        if (name == NULL)
            continue;
        row *r = NULL;
        char esc[160];
        ss_escape_text(name, esc, sizeof esc);
        for (size_t k = first_extra; k < n; k++)
            if (strcmp(rows[k].name, esc) == 0)
                r = &rows[k];
        if (r == NULL) {
            if (n == cap)
                continue;
            r = &rows[n++];
            fill_name(r, name);
            r->kind = e->what == SS_MAP_REGION ? "header" : "";
            strcpy(r->perms, "");
        }
        r->file += e->size;
    }
    uint64_t tf = 0, tv = 0;
    for (size_t i = 0; i < n; i++) {
        ss_sat_add(&tf, rows[i].file);
        ss_sat_add(&tv, rows[i].vm);
    }
    /* The title counts the sections in the table (not the ELF null section, which has no row);
     * the header, table and padding rows are counted on their own line below, so that every
     * row is accounted for (issue 17, class 9). */
    char title[64], hf[16], hv[16];
    size_t extra = n - first_extra;
    snprintf(title, sizeof title, "Sections (%zu)", first_extra);
    print_rows(f, rows, n, top, im->file_size, title, true);
    fprintf(f, "  total: file %" PRIu64 " (%s)%s, vm %" PRIu64 " (%s)\n", tf, ss_human(tf, hf),
            tf == im->file_size ? " = file size" : " (differs from file size!)", tv,
            ss_human(tv, hv));
    if (extra)
        fprintf(f, "  rows: %zu section%s and %zu region%s (headers, tables, padding)\n",
                first_extra, first_extra == 1 ? "" : "s", extra, extra == 1 ? "" : "s");
    free(rows);
}

static void image_title(FILE *f, const ss_image *im)
{
    char path[512], member[256];
    ss_escape_text(im->path ? im->path : "", path, sizeof path);
    if (im->member) {
        ss_escape_text(im->member, member, sizeof member);
        fprintf(f, "%s(%s)", path, member);
    } else {
        fputs(path, f);
    }
}

void ss_text_image(FILE *f, const ss_image *im, const ss_emit_opts *o)
{
    char h[16];
    image_title(f, im);
    fprintf(f, ": %s%u %s-endian %s, %s, %" PRIu64 " bytes (%s)",
            im->format_label ? im->format_label : ss_format_name(im->format),
            im->bits, im->big_endian ? "big" : "little", im->machine, im->type_detail,
            im->file_size, ss_human(im->file_size, h));
    if (im->has_entry)
        fprintf(f, ", entry 0x%" PRIx64, im->entry);
    fputc('\n', f);

    ss_sizes sz;
    ss_sizes_compute(im, &sz);
    fprintf(f, "  text %" PRIu64 "  data %" PRIu64 "  bss %" PRIu64 "  (size rule: %s)\n", sz.text,
            sz.data, sz.bss, SS_SIZE_RULE_TEXT);
    print_segments(f, im, o->top);
    print_sections(f, im, o->top);
    ss_text_analysis(f, im, o);
    for (size_t i = 0; i < im->nwarnings; i++) {
        char msg[512];
        ss_escape_text(im->warnings[i].message, msg, sizeof msg);
        if (im->warnings[i].offset != UINT64_MAX)
            fprintf(f, "  warning: %s (at offset 0x%" PRIx64 ")\n", msg,
                    im->warnings[i].offset + im->base_offset);
        else
            fprintf(f, "  warning: %s\n", msg);
    }
}

void ss_text_container(FILE *f, const ss_input *in, const ss_totals *t)
{
    char path[512], h[16];
    ss_escape_text(in->path, path, sizeof path);
    size_t failed = ss_input_failures(in), skipped = 0;
    for (size_t u = 0; u < in->nunits; u++)
        skipped += in->units[u].skipped;
    fprintf(f, "\n%s: %s of %zu bytes (%s): %" PRIu64 " image%s", path,
            ss_container_name(in->container), in->bytes.len, ss_human(in->bytes.len, h),
            t->images, t->images == 1 ? "" : "s");
    if (failed)
        fprintf(f, ", %zu failed", failed);
    if (skipped)
        fprintf(f, ", %zu skipped (not binaries)", skipped);
    uint64_t own = ss_input_container_bytes(in);
    fprintf(f, "; text %" PRIu64 "  data %" PRIu64 "  bss %" PRIu64 "\n", t->text, t->data,
            t->bss);
    fprintf(f, "  %s headers, tables and padding: %" PRIu64 " bytes (%s); members: %" PRIu64
               " bytes\n",
            ss_container_name(in->container), own, ss_human(own, h), (uint64_t)in->bytes.len - own);
}

void ss_text_total(FILE *f, size_t inputs, const ss_totals *all)
{
    char h[16];
    fprintf(f, "\nTotal: %zu input%s, %" PRIu64 " image%s, %" PRIu64 " bytes (%s); text %" PRIu64
               "  data %" PRIu64 "  bss %" PRIu64 "\n",
            inputs, inputs == 1 ? "" : "s", all->images, all->images == 1 ? "" : "s", all->file,
            ss_human(all->file, h), all->text, all->data, all->bss);
}

void ss_emit_saturated(FILE *f, const char *path)
{
    char p[512];
    ss_escape_text(path ? path : "", p, sizeof p);
    fprintf(f, "segscan: %s%swarning: the totals %s pass 2^64-1 bytes: saturated at "
               "18446744073709551615\n",
            p, path ? ": " : "", path ? "of its members" : "of the run");
}

void ss_emit_errors(FILE *f, const ss_input *in)
{
    char path[512];
    ss_escape_text(in->path, path, sizeof path);
    if (in->status != SS_OK) {
        char msg[512];
        ss_escape_text(in->diag.msg, msg, sizeof msg);
        if (in->diag.has_offset)
            fprintf(f, "segscan: %s: %s (at offset 0x%" PRIx64 ")\n", path, msg, in->diag.offset);
        else
            fprintf(f, "segscan: %s: %s\n", path, msg);
    }
    for (size_t u = 0; u < in->nunits; u++) {
        const ss_unit *un = &in->units[u];
        if (un->image || un->skipped)
            continue;
        char member[256], msg[512];
        ss_escape_text(un->member ? un->member : "", member, sizeof member);
        ss_escape_text(un->diag.msg, msg, sizeof msg);
        fprintf(f, "segscan: %s%s%s%s: %s", path, un->member ? "(" : "", member,
                un->member ? ")" : "", msg);
        if (un->diag.has_offset)
            fprintf(f, " (at offset 0x%" PRIx64 ")", un->diag.offset);
        fputc('\n', f);
    }
}

/* ---- the text emitter ------------------------------------------------------------------------ */

static void text_input(ss_report *r, const ss_input *in, const ss_totals *t)
{
    for (size_t u = 0; u < in->nunits; u++) {
        const ss_image *im = in->units[u].image;
        if (im == NULL)
            continue;
        if (r->images_printed++)
            fputc('\n', r->out);
        ss_text_image(r->out, im, &r->opts);
    }
    if (in->container != SS_CONTAINER_NONE)
        ss_text_container(r->out, in, t);
}

static void text_end(ss_report *r)
{
    if (r->inputs > 1 || r->all.images > 1)
        ss_text_total(r->out, r->inputs, &r->all);
}

const ss_emitter ss_emitter_text = {
    .name = "text",
    .about = "a readable report for a terminal (the default)",
    .input = text_input,
    .end = text_end,
};
