/* csv.c - the report as CSV (RFC 4180: quoted fields, CRLF line ends), one row per image and
 * one per segment and section of it, like bloaty's --csv: easy to load into a spreadsheet, a
 * database or pandas, and to concatenate across runs (every row carries its path and member).
 * Names go through ss_esc_csv (escaped as in the text report, quoted, formulas neutralised). */
#include <inttypes.h> /* PRIu64 */

#include "../core/sizes.h"
#include "emit_internal.h"
#include "escape.h"

static bool csv_begin(ss_report *r)
{
    fputs("path,member,format,table,index,name,kind,perms,address,vm_size,file_size,text,data,"
          "bss\r\n",
          r->out);
    return true;
}

/* The columns every row starts with: path, member, format, table. */
static void lead(FILE *f, const ss_image *im, const char *table)
{
    ss_esc_csv(f, im->path);
    fputc(',', f);
    ss_esc_csv(f, im->member ? im->member : "");
    fprintf(f, ",%s,%s,", ss_format_name(im->format), table);
}

static void csv_image(FILE *f, const ss_image *im)
{
    ss_sizes sz;
    ss_sizes_compute(im, &sz);
    lead(f, im, "image");
    /* index, name, kind (the image type), perms, address (the entry point) */
    fprintf(f, ",,%s,,", ss_type_name(im->type));
    if (im->has_entry)
        fprintf(f, "0x%" PRIx64, im->entry);
    fprintf(f, ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 "\r\n", sz.vm_total,
            im->file_size, sz.text, sz.data, sz.bss);
    for (size_t i = 0; i < im->nsegments; i++) {
        const ss_segment *g = &im->segments[i];
        char p[4];
        lead(f, im, "segment");
        fprintf(f, "%zu,", i);
        ss_esc_csv(f, g->name);
        fprintf(f, ",%s,%s,0x%" PRIx64 ",%" PRIu64 ",%" PRIu64 ",,,\r\n",
                g->loadable ? "loaded" : "not loaded", ss_perms_str(g->perms, p), g->vaddr,
                g->vm_size, g->file_size);
    }
    for (size_t i = 0; i < im->nsections; i++) {
        const ss_section *s = &im->sections[i];
        char p[4];
        lead(f, im, "section");
        fprintf(f, "%zu,", i);
        ss_esc_csv(f, s->name);
        fprintf(f, ",%s,%s,0x%" PRIx64 ",%" PRIu64 ",%" PRIu64 ",,,\r\n", ss_kind_name(s->kind),
                ss_perms_str(s->perms, p), s->vaddr, s->vm_size, s->file_size);
    }
}

static void csv_input(ss_report *r, const ss_input *in, const ss_totals *t)
{
    (void)t;
    for (size_t u = 0; u < in->nunits; u++)
        if (in->units[u].image)
            csv_image(r->out, in->units[u].image);
}

const ss_emitter ss_emitter_csv = {
    .name = "csv",
    .about = "CSV, one row per image, segment and section (path and member on every row)",
    .begin = csv_begin,
    .input = csv_input,
    .diff = ss_diff_csv,
};
