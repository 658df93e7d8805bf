/* csv.c - the report as CSV (RFC 4180, like bloaty's --csv): one row per image, segment and
 * section, each with the path, member and format columns, so a spreadsheet or DuckDB can group
 * and sum without knowing the JSON nesting. Numbers are exact bytes; names go through
 * ss_escape_csv. Columns never change meaning; new ones are only ever added at the end. */
#include <inttypes.h> /* PRIu64 */

#include "../core/sizes.h"
#include "emit_internal.h"
#include "escape.h"

static bool csv_begin(ss_report *r)
{
    fputs("path,member,format,row,index,name,kind,perms,vaddr,vm_size,offset,file_size\r\n",
          r->out);
    return true;
}

/* The three leading columns and the row type. */
static void lead(FILE *f, const ss_image *im, const char *row)
{
    ss_escape_csv(f, im->path);
    fputc(',', f);
    ss_escape_csv(f, im->member ? im->member : "");
    fprintf(f, ",%s,%s,", ss_format_name(im->format), row);
}

static void csv_image(ss_report *r, const ss_image *im)
{
    FILE *f = r->out;
    ss_totals t = {0};
    ss_totals_add(&t, im);
    /* The image row: kind is the file type, vm_size the memory total, offset its place in the
     * container (0 for a plain file). */
    lead(f, im, "image");
    fprintf(f, ",,%s,,,%" PRIu64 ",%" PRIu64 ",%" PRIu64 "\r\n", ss_type_name(im->type), t.vm,
            im->base_offset, im->file_size);
    for (size_t i = 0; i < im->nsegments; i++) {
        const ss_segment *g = &im->segments[i];
        char p[4];
        lead(f, im, "segment");
        fprintf(f, "%zu,", i);
        ss_escape_csv(f, g->name);
        fprintf(f, ",%s,%s,%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 "\r\n",
                g->loadable ? "loadable" : "other", ss_perms_str(g->perms, p), g->vaddr,
                g->vm_size, g->offset, g->file_size);
    }
    for (size_t i = 0; i < im->nsections; i++) {
        const ss_section *s = &im->sections[i];
        char p[4];
        lead(f, im, "section");
        fprintf(f, "%zu,", i);
        ss_escape_csv(f, s->name);
        fprintf(f, ",%s,%s,%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 "\r\n",
                ss_kind_name(s->kind), ss_perms_str(s->perms, p), s->vaddr, s->vm_size,
                s->offset, s->file_size);
    }
}

const ss_emitter ss_emitter_csv = {
    .name = "csv",
    .about = "one row per image, segment and section (RFC 4180)",
    .begin = csv_begin,
    .image = csv_image,
};
