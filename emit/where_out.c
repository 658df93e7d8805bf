/* where_out.c - the document of `segscan where`, streamed one match at a time: text (a block
 * per symbol) and JSON (docs/segscan-where.schema.json). The emitter table (emitters.c) names
 * the formats that render it. */
#include <stdio.h>  /* fprintf */
#include <stdlib.h> /* calloc, free */
#include <string.h> /* strcmp */

#include "datasrc.h" /* ss_json_symrow */
#include "emit_internal.h"
#include "escape.h"

#define WHERE_SCHEMA_VERSION 1

struct ss_where_doc {
    FILE *f;
    const ss_emitter *em;
    ss_jw jw;
};

static const char *seg_name(const ss_image *im, const ss_symrow *r)
{
    return r->segment >= 0 ? im->segments[r->segment].name : NULL;
}

static uint8_t perms_of(const ss_image *im, const ss_symrow *r)
{
    return r->segment >= 0 ? im->segments[r->segment].perms : im->sections[r->section].perms;
}

void ss_where_text_match(ss_where_doc *w, const ss_image *im, const ss_symrow *r)
{
    FILE *f = w->f;
    char b1[1024], b2[1024], meaning[256], pb[4];
    const ss_section *sec = &im->sections[r->section];
    fprintf(f, "%s\n", ss_esc_text(r->name, b1, sizeof b1));
    if (strcmp(r->name, r->mangled) != 0)
        fprintf(f, "  mangled      %s\n", ss_esc_text(r->mangled, b1, sizeof b1));
    if (im->member)
        fprintf(f, "  file         %s(%s)\n", ss_esc_text(im->path, b1, sizeof b1),
               ss_esc_text(im->member, b2, sizeof b2));
    else
        fprintf(f, "  file         %s\n", ss_esc_text(im->path, b1, sizeof b1));
    fprintf(f, "  section      %s (%s)\n", ss_esc_text(sec->name ? sec->name : "", b1, sizeof b1),
           ss_kind_name(sec->kind));
    const char *sn = seg_name(im, r);
    if (sn && sn[0] == '\0')
        sn = "(unnamed)";
    if (sn)
        fprintf(f, "  segment      %s #%lld, %s\n", ss_esc_text(sn, b1, sizeof b1),
               (long long)r->segment, ss_perms_str(perms_of(im, r), pb));
    else
        fprintf(f, "  segment      none (not loaded), section %s\n", ss_perms_str(perms_of(im, r), pb));
    fprintf(f, "  address      0x%llx\n", (unsigned long long)r->vaddr);
    fprintf(f, "  size         %llu bytes%s\n", (unsigned long long)r->size,
           r->size_derived ? " (derived: the format stores none; distance to the next symbol)"
                           : "");
    if (r->file_offset != UINT64_MAX)
        fprintf(f, "  file offset  0x%llx\n", (unsigned long long)r->file_offset);
    else
        fprintf(f, "  file offset  none\n");
    fprintf(f, "  file bytes   %llu\n", (unsigned long long)r->file_size);
    fprintf(f, "  memory bytes %llu\n", (unsigned long long)r->vm_size);
    fprintf(f, "  %s\n", ss_symrow_meaning(im, r, meaning, sizeof meaning));
    if (r->alias_of >= 0)
        fprintf(f, "  an alias: another name at this address and size is counted for these bytes\n");
    else if (r->aliases)
        fprintf(f, "  %u other name%s at this address and size (aliases) share these bytes\n",
               (unsigned)r->aliases, r->aliases == 1 ? "" : "s");
    fprintf(f, "\n");
}

void ss_where_json_begin(ss_where_doc *w, bool pretty)
{
    ss_jw_init(&w->jw, w->f, pretty);
    ss_jw_obj(&w->jw, NULL);
    ss_jw_u64(&w->jw, "schema_version", WHERE_SCHEMA_VERSION);
    ss_jw_arr(&w->jw, "matches");
}

void ss_where_json_match(ss_where_doc *w, const ss_image *im, const ss_symrow *r)
{
    ss_json_symrow(&w->jw, im, r, NULL);
}

void ss_where_json_end(ss_where_doc *w, char *const *unmatched, size_t n)
{
    ss_jw_end_arr(&w->jw);
    ss_jw_arr(&w->jw, "unmatched");
    for (size_t k = 0; k < n; k++)
        ss_jw_str(&w->jw, NULL, unmatched[k]);
    ss_jw_end_arr(&w->jw);
    ss_jw_end_obj(&w->jw);
    ss_jw_finish(&w->jw);
}

ss_where_doc *ss_where_begin(FILE *f, const ss_emitter *e, bool pretty)
{
    ss_where_doc *w = calloc(1, sizeof *w);
    if (w == NULL)
        return NULL;
    w->f = f;
    w->em = e;
    if (e->where_begin)
        e->where_begin(w, pretty);
    return w;
}

void ss_where_match(ss_where_doc *w, const ss_image *im, const ss_symrow *r)
{
    if (w->em->where_match)
        w->em->where_match(w, im, r);
}

void ss_where_end(ss_where_doc *w, char *const *unmatched, size_t n)
{
    if (w == NULL)
        return;
    if (w->em->where_end)
        w->em->where_end(w, unmatched, n);
    free(w);
}
