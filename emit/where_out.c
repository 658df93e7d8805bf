/* where_out.c - the document of `segscan where`, streamed one match at a time: text (a block
 * per symbol) and JSON (docs/segscan-where.schema.json). The emitter table (emitters.c) names
 * the formats that render it. */
#include <stdarg.h> /* va_list */
#include <stdio.h>  /* fprintf, vsnprintf */
#include <stdlib.h> /* calloc, free */
#include <string.h> /* strcmp */

#include "datasrc.h" /* ss_json_symrow */
#include "emit_internal.h"
#include "escape.h"

#define WHERE_SCHEMA_VERSION 1
#define V 15 /* the value column of a text block: "  file offset  " */

struct ss_where_doc {
    FILE *f;
    const ss_emitter *em;
    ss_term term; /* the text's width on a terminal (no colour) */
    ss_jw jw;
};

/* One line of a text block, wrapped at spaces to the terminal's width with its continuation
 * lines under the value column (a pipe gets it whole). A single word longer than the line (a
 * mangled name, a path) is kept whole: cutting it would lose the identity the user asked for. */
static void line(ss_where_doc *w, size_t indent, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void line(ss_where_doc *w, size_t indent, const char *fmt, ...)
{
    char buf[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    ss_term_wrap(w->f, &w->term, 0, indent, buf);
}

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
    char b1[1024], b2[1024], meaning[256], pb[4];
    const ss_section *sec = &im->sections[r->section];
    line(w, 2, "%s", ss_esc_text(r->name, b1, sizeof b1));
    if (strcmp(r->name, r->mangled) != 0)
        line(w, V, "  mangled      %s", ss_esc_text(r->mangled, b1, sizeof b1));
    if (im->member)
        line(w, V, "  file         %s(%s)", ss_esc_text(im->path, b1, sizeof b1),
             ss_esc_text(im->member, b2, sizeof b2));
    else
        line(w, V, "  file         %s", ss_esc_text(im->path, b1, sizeof b1));
    line(w, V, "  section      %s (%s)", ss_esc_text(sec->name ? sec->name : "", b1, sizeof b1),
             ss_kind_name(sec->kind));
    const char *sn = seg_name(im, r);
    if (sn && sn[0] == '\0')
        sn = "(unnamed)";
    if (sn)
        line(w, V, "  segment      %s #%lld, %s", ss_esc_text(sn, b1, sizeof b1),
             (long long)r->segment, ss_perms_str(perms_of(im, r), pb));
    else
        line(w, V, "  segment      none (not loaded), section %s",
             ss_perms_str(perms_of(im, r), pb));
    line(w, V, "  address      0x%llx", (unsigned long long)r->vaddr);
    line(w, V, "  size         %llu bytes%s", (unsigned long long)r->size,
         r->size_derived ? " (derived: the format stores none; distance to the next symbol)" : "");
    if (r->file_offset != UINT64_MAX)
        line(w, V, "  file offset  0x%llx", (unsigned long long)r->file_offset);
    else
        line(w, V, "  file offset  none");
    line(w, V, "  file bytes   %llu", (unsigned long long)r->file_size);
    line(w, V, "  memory bytes %llu", (unsigned long long)r->vm_size);
    line(w, 4, "  %s", ss_symrow_meaning(im, r, meaning, sizeof meaning));
    if (r->alias_of >= 0)
        line(w, 4, "  an alias: another name at this address and size is counted for these bytes");
    else if (r->aliases)
        line(w, 4, "  %u other name%s at this address and size (aliases) share these bytes",
             (unsigned)r->aliases, r->aliases == 1 ? "" : "s");
    fputc('\n', w->f);
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

ss_where_doc *ss_where_begin(FILE *f, const ss_emitter *e, bool pretty, const ss_term *t)
{
    ss_where_doc *w = calloc(1, sizeof *w);
    if (w == NULL)
        return NULL;
    w->f = f;
    w->term = *t;
    w->term.color = false;
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
