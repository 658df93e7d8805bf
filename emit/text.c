/* text.c - the terminal report: a header line, sizes, then segment and section tables. */
#include <inttypes.h> /* PRIu64, PRIx64 */
#include <stdint.h>   /* SIZE_MAX */
#include <stdlib.h>   /* qsort, calloc, free */
#include <string.h>   /* strcmp */

#include "../core/sizes.h"
#include "analysis_emit.h"
#include "datasrc.h"
#include "emit_internal.h"
#include "escape.h"
#include "strscan.h" /* ss_str_hash */

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

/* Column widths of a table. The wide layout is the one a pipe gets (fixed widths, so goldens
 * and scripts see one format); on a terminal narrower than that, columns are fitted to their
 * contents, names are shortened in the middle, and the human-unit, file% and kind columns are
 * dropped in that order until a row fits. */
typedef struct {
    size_t name, kind, addr, file, vm, human, pct; /* 0: the column is not shown */
    bool fit; /* fitted to a terminal: names longer than the name column are shortened */
} layout;

#define NAME_MIN 16    /* names are cut to this before any column is dropped */
#define NAME_FLOOR 8   /* and at most to this */

static size_t layout_width(const layout *l)
{
    /* "  NAME* KIND  PERMS  ADDRESS  FILE HUMAN  VM HUMAN  PCT" */
    size_t w = 2 + l->name + 2 + 5 + 2 + l->addr + 2 + l->file + 2 + l->vm;
    if (l->kind)
        w += l->kind + 2;
    if (l->human)
        w += 2 * (1 + l->human);
    if (l->pct)
        w += 2 + l->pct;
    return w;
}

static size_t digits(uint64_t v)
{
    size_t n = 1;
    while (v >= 10) {
        v /= 10;
        n++;
    }
    return n;
}

static size_t max_sz(size_t a, size_t b)
{
    return a > b ? a : b;
}

static layout fit_layout(const row *rows, size_t shown, size_t w, size_t title_w, uint64_t of,
                         uint64_t ov, bool others, size_t width)
{
    layout l = {.name = w, .kind = 8, .addr = 18, .file = 10, .vm = 10, .human = 10, .pct = 6};
    if (width == 0 || layout_width(&l) <= width)
        return l;
    l.kind = 4;
    l.addr = strlen("address");
    l.file = strlen("file size");
    l.vm = strlen("vm size");
    l.human = 5;
    char h[16];
    for (size_t i = 0; i < shown; i++) {
        const row *r = &rows[i];
        l.kind = max_sz(l.kind, r->kind ? strlen(r->kind) : 0);
        l.addr = max_sz(l.addr, r->has_addr ? 2 + (size_t)snprintf(h, sizeof h, "%" PRIx64, r->addr) : 1);
        l.file = max_sz(l.file, digits(r->file));
        l.vm = max_sz(l.vm, digits(r->vm));
        l.human = max_sz(l.human, strlen(ss_human(r->file, h)));
        l.human = max_sz(l.human, strlen(ss_human(r->vm, h)));
    }
    if (others) {
        l.file = max_sz(l.file, digits(of));
        l.vm = max_sz(l.vm, digits(ov));
        l.human = max_sz(l.human, strlen(ss_human(of, h)));
        l.human = max_sz(l.human, strlen(ss_human(ov, h)));
    }
    l.fit = true;
    size_t floor_w = max_sz(title_w, NAME_MIN), nd = 0;
    size_t *drop[] = {&l.human, &l.pct, &l.kind};
    while (layout_width(&l) > width) {
        size_t over = layout_width(&l) - width;
        if (l.name > floor_w)
            l.name = l.name > floor_w + over ? l.name - over : floor_w;
        else if (nd < sizeof drop / sizeof drop[0])
            *drop[nd++] = 0;
        else if (floor_w > max_sz(title_w, NAME_FLOOR))
            floor_w = max_sz(title_w, NAME_FLOOR);
        else
            break; /* narrower than any table: lines wrap */
    }
    /* what dropping a column freed goes back to the names */
    if (layout_width(&l) < width && l.name < w)
        l.name = w < l.name + (width - layout_width(&l)) ? w : l.name + (width - layout_width(&l));
    return l;
}

static void print_num_cols(FILE *f, const layout *l, uint64_t file, uint64_t vm, const char *p)
{
    char hf[16], hv[16];
    fprintf(f, "%*" PRIu64, (int)l->file, file);
    if (l->human)
        fprintf(f, " %-*s", (int)l->human, ss_human(file, hf));
    fprintf(f, "  %*" PRIu64, (int)l->vm, vm);
    if (l->human)
        fprintf(f, " %-*s", (int)l->human, ss_human(vm, hv));
    if (l->pct)
        fprintf(f, "  %*s", (int)l->pct, p);
    fputc('\n', f);
}

static void print_rows(FILE *f, row *rows, size_t nrows, size_t top, uint64_t file_size,
                       const char *title, bool with_kind, const ss_term *t)
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
    uint64_t of = 0, ov = 0;
    for (size_t i = shown; i < nrows; i++) {
        ss_sat_add(&of, rows[i].file); /* the "N others" row: checked sums */
        ss_sat_add(&ov, rows[i].vm);
    }
    layout l = fit_layout(rows, shown, w, strlen(title), of, ov, shown < nrows, t->width);
    /* styles wrap the text only, never the padding */
    fprintf(f, "\n  %s%s%s%*s  ", ss_term_on(t, SS_STYLE_HEAD), title, ss_term_off(t),
            (int)(l.name - strlen(title)), "");
    if (l.kind)
        fprintf(f, "%-*s  ", (int)l.kind, with_kind ? "kind" : "");
    fprintf(f, "%-5s  %-*s  ", "perms", (int)l.addr, "address");
    /* the size labels head the number and its human unit together */
    fprintf(f, "%*s", (int)l.file, "file size");
    if (l.human)
        fprintf(f, " %-*s", (int)l.human, "");
    fprintf(f, "  %*s", (int)l.vm, "vm size");
    if (l.human)
        fprintf(f, " %-*s", (int)l.human, "");
    if (l.pct)
        fprintf(f, "  %*s", (int)l.pct, "file%");
    fputc('\n', f);
    bool any_mark = false;
    for (size_t i = 0; i < shown; i++) {
        const row *r = &rows[i];
        char p[16], addr[24], nm[sizeof r->name];
        pct(p, sizeof p, r->file, file_size);
        if (r->has_addr)
            snprintf(addr, sizeof addr, "0x%" PRIx64, r->addr);
        else
            snprintf(addr, sizeof addr, "-");
        any_mark |= r->mark;
        size_t nw = ss_term_shorten(r->name, r->width, l.fit ? l.name : SIZE_MAX, t->utf8, nm,
                                    sizeof nm);
        int pad = (int)l.name - (int)nw;
        fprintf(f, "  %s%*s%s ", nm, pad > 0 ? pad : 0, "", r->mark ? "*" : " ");
        if (l.kind)
            fprintf(f, "%-*s  ", (int)l.kind, r->kind ? r->kind : "");
        bool wx = strcmp(r->perms, "rwx") == 0;
        fprintf(f, "%s%s%s%*s  %-*s  ", wx ? ss_term_on(t, SS_STYLE_BAD) : "", r->perms,
                wx ? ss_term_off(t) : "", (int)(5 - strlen(r->perms)), "", (int)l.addr, addr);
        print_num_cols(f, &l, r->file, r->vm, p);
    }
    if (shown < nrows) {
        char name[64], p[16];
        snprintf(name, sizeof name, "[%zu other%s]", nrows - shown, nrows - shown == 1 ? "" : "s");
        pct(p, sizeof p, of, file_size);
        fprintf(f, "  %-*s  ", (int)l.name, name);
        if (l.kind)
            fprintf(f, "%-*s  ", (int)l.kind, "");
        fprintf(f, "%-5s  %-*s  ", "", (int)l.addr, "");
        print_num_cols(f, &l, of, ov, p);
    }
    if (any_mark) {
        fputs("  ", f);
        ss_term_wrap(f, t, 2, 4,
                     "* overlaps bytes already counted in an earlier row; file size shows only "
                     "its own bytes");
    }
}

static void fill_name(row *r, const char *name)
{
    r->width = ss_escape_text(name, r->name, sizeof r->name);
}

static void print_segments(FILE *f, const ss_image *im, size_t top, const ss_term *t)
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
    print_rows(f, rows, im->nsegments, top, im->file_size, title, true, t);
    char hf[16], hv[16];
    fprintf(f, "  loaded segments: file %" PRIu64 " (%s), vm %" PRIu64 " (%s)\n", lf,
            ss_human(lf, hf), lv, ss_human(lv, hv));
    free(rows);
}

/* The section table is built from the file map, so its file column sums to the file size:
 * sections with their own bytes, named regions (headers, tables) and the gaps. */
static void print_sections(FILE *f, const ss_image *im, size_t top, const ss_term *t)
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
    /* Regions and gaps, merged by name through a hash of the rows' names (a linear search per
     * map entry was quadratic in the number of regions a file can declare). */
    size_t first_extra = n;
    size_t hcap = 16;
    while (hcap < 2 * cap)
        hcap *= 2;
    size_t *slots = calloc(hcap, sizeof *slots); /* 0: empty, else row index + 1 */
    if (slots == NULL) {
        free(rows);
        return;
    }
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
        size_t h = ss_str_hash((const uint8_t *)esc, strlen(esc)) & (hcap - 1);
        for (; slots[h] != 0; h = (h + 1) & (hcap - 1))
            if (strcmp(rows[slots[h] - 1].name, esc) == 0) {
                r = &rows[slots[h] - 1];
                break;
            }
        if (r == NULL) {
            if (n == cap)
                continue;
            slots[h] = n + 1;
            r = &rows[n++];
            fill_name(r, name);
            r->kind = e->what == SS_MAP_REGION ? "header" : "";
            strcpy(r->perms, "");
        }
        r->file += e->size;
    }
    free(slots);
    uint64_t tf = 0, tv = 0;
    for (size_t i = 0; i < n; i++) {
        ss_sat_add(&tf, rows[i].file);
        ss_sat_add(&tv, rows[i].vm);
    }
    /* The title counts every row shown: the sections (not the ELF null section, which has no
     * row) plus the header, table and padding rows, "Sections (30+4)" over 34 rows; the line
     * below the total says what the second number is (issues 17 class 9, 23 item 5). The split
     * keeps the first number comparable with readelf's section count. */
    char title[64], hf[16], hv[16];
    size_t extra = n - first_extra;
    if (extra)
        snprintf(title, sizeof title, "Sections (%zu+%zu)", first_extra, extra);
    else
        snprintf(title, sizeof title, "Sections (%zu)", first_extra);
    print_rows(f, rows, n, top, im->file_size, title, true, t);
    bool differs = tf != im->file_size;
    ss_term_line line;
    FILE *lf = ss_term_line_begin(&line, f, t);
    fprintf(lf, "  total: file %" PRIu64 " (%s)%s%s%s, vm %" PRIu64 " (%s)", tf, ss_human(tf, hf),
            differs ? ss_term_on(t, SS_STYLE_BAD) : "",
            differs ? " (differs from file size!)" : " = file size", differs ? ss_term_off(t) : "",
            tv, ss_human(tv, hv));
    ss_term_line_end(&line, t, 0, 4);
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
    ss_term_line title;
    FILE *tf = ss_term_line_begin(&title, f, &o->term);
    image_title(tf, im);
    fprintf(tf, ": %s%u %s-endian %s, %s, %" PRIu64 " bytes (%s)",
            im->format_label ? im->format_label : ss_format_name(im->format),
            im->bits, im->big_endian ? "big" : "little", im->machine, im->type_detail,
            im->file_size, ss_human(im->file_size, h));
    if (im->has_entry)
        fprintf(tf, ", entry 0x%" PRIx64, im->entry);
    ss_term_line_end(&title, &o->term, 0, 4);

    ss_sizes sz;
    ss_sizes_compute(im, &sz);
    const ss_term *t = &o->term;
    ss_term_line line;
    FILE *lf = ss_term_line_begin(&line, f, t);
    fprintf(lf, "  text %" PRIu64 "  data %" PRIu64 "  bss %" PRIu64 "  (size rule: %s)", sz.text,
            sz.data, sz.bss, SS_SIZE_RULE_TEXT);
    ss_term_line_end(&line, t, 0, 4);
    print_segments(f, im, o->top, &o->term);
    print_sections(f, im, o->top, &o->term);
    ss_text_analysis(f, im, o);
    for (size_t i = 0; i < im->nwarnings; i++) {
        char msg[512];
        ss_escape_text(im->warnings[i].message, msg, sizeof msg);
        fprintf(f, "  %swarning:%s ", ss_term_on(t, SS_STYLE_WARN), ss_term_off(t));
        lf = ss_term_line_begin(&line, f, t);
        if (im->warnings[i].offset != UINT64_MAX)
            fprintf(lf, "%s (at offset 0x%" PRIx64 ")", msg,
                    im->warnings[i].offset + im->base_offset);
        else
            fputs(msg, lf);
        ss_term_line_end(&line, t, 11, 4);
    }
}

void ss_text_container(FILE *f0, const ss_input *in, const ss_totals *t, const ss_term *term)
{
    ss_term_line line;
    fputc('\n', f0);
    FILE *f = ss_term_line_begin(&line, f0, term);
    char path[512], h[16];
    ss_escape_text(in->path, path, sizeof path);
    size_t failed = ss_input_failures(in), skipped = 0;
    for (size_t u = 0; u < in->nunits; u++)
        skipped += in->units[u].skipped;
    fprintf(f, "%s: %s of %zu bytes (%s): %" PRIu64 " image%s", path,
            ss_container_name(in->container), in->bytes.len, ss_human(in->bytes.len, h),
            t->images, t->images == 1 ? "" : "s");
    if (failed)
        fprintf(f, ", %zu failed", failed);
    if (skipped)
        fprintf(f, ", %zu skipped (not binaries)", skipped);
    uint64_t own = ss_input_container_bytes(in);
    fprintf(f, "; text %" PRIu64 "  data %" PRIu64 "  bss %" PRIu64, t->text, t->data, t->bss);
    ss_term_line_end(&line, term, 0, 4);
    f = ss_term_line_begin(&line, f0, term);
    fprintf(f, "  %s headers, tables and padding: %" PRIu64 " bytes (%s); members: %" PRIu64
               " bytes",
            ss_container_name(in->container), own, ss_human(own, h), (uint64_t)in->bytes.len - own);
    ss_term_line_end(&line, term, 0, 4);
}

void ss_text_total(FILE *f0, size_t inputs, const ss_totals *all, const ss_term *term)
{
    char h[16];
    ss_term_line line;
    fputc('\n', f0);
    FILE *f = ss_term_line_begin(&line, f0, term);
    fprintf(f, "Total: %zu input%s, %" PRIu64 " image%s, %" PRIu64 " bytes (%s); text %" PRIu64
               "  data %" PRIu64 "  bss %" PRIu64,
            inputs, inputs == 1 ? "" : "s", all->images, all->images == 1 ? "" : "s", all->file,
            ss_human(all->file, h), all->text, all->data, all->bss);
    ss_term_line_end(&line, term, 0, 4);
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
    static const ss_term plain = {0};
    ss_emit_errors_term(f, in, &plain);
}

void ss_emit_errors_term(FILE *f, const ss_input *in, const ss_term *t)
{
    const char *on = ss_term_on(t, SS_STYLE_BAD), *off = ss_term_off(t);
    char path[512];
    ss_escape_text(in->path, path, sizeof path);
    if (in->status != SS_OK) {
        char msg[512];
        ss_escape_text(in->diag.msg, msg, sizeof msg);
        if (in->diag.has_offset)
            fprintf(f, "segscan: %s: %s%s%s (at offset 0x%" PRIx64 ")\n", path, on, msg, off,
                    in->diag.offset);
        else
            fprintf(f, "segscan: %s: %s%s%s\n", path, on, msg, off);
    }
    for (size_t u = 0; u < in->nunits; u++) {
        const ss_unit *un = &in->units[u];
        if (un->image || un->skipped)
            continue;
        char member[256], msg[512];
        ss_escape_text(un->member ? un->member : "", member, sizeof member);
        ss_escape_text(un->diag.msg, msg, sizeof msg);
        fprintf(f, "segscan: %s%s%s%s: %s%s%s", path, un->member ? "(" : "", member,
                un->member ? ")" : "", on, msg, off);
        if (un->diag.has_offset)
            fprintf(f, " (at offset 0x%" PRIx64 ")", un->diag.offset);
        fputc('\n', f);
    }
}

/* ---- the text emitter ------------------------------------------------------------------------ */

static void text_input(ss_report *r, const ss_input *in, const ss_totals *t)
{
    if (r->opts.nsources) { /* -d: the data-source tables instead (datasrc.c) */
        ss_text_datasrc(r->out, in, &r->opts);
        return;
    }
    if (in->container != SS_CONTAINER_NONE &&
        ss_text_members(r->out, in, &r->opts, r->images_printed > 0))
        r->images_printed++; /* the first member's detail follows after a blank line */
    for (size_t u = 0; u < in->nunits; u++) {
        const ss_image *im = in->units[u].image;
        if (im == NULL)
            continue;
        if (r->images_printed++)
            fputc('\n', r->out);
        ss_text_image(r->out, im, &r->opts);
    }
    if (in->container != SS_CONTAINER_NONE)
        ss_text_container(r->out, in, t, &r->opts.term);
}

static void text_end(ss_report *r)
{
    if (r->inputs > 1 || r->all.images > 1)
        ss_text_total(r->out, r->inputs, &r->all, &r->opts.term);
}

const ss_emitter ss_emitter_text = {
    .name = "text",
    .about = "a readable report for a terminal (the default)",
    .input = text_input,
    .end = text_end,
    .check = ss_check_text,
    .diff = ss_diff_text,
    .where_match = ss_where_text_match,
};
