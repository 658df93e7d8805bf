/* json.c - the JSON report (docs/segscan.schema.json, schema_version 1). */
#include <string.h> /* strcmp */

#include "../core/sizes.h"
#include "analysis_emit.h"
#include "datasrc.h"
#include "emit_internal.h"

void ss_totals_add(ss_totals *t, const ss_image *im)
{
    ss_sizes sz;
    ss_sizes_compute(im, &sz);
    t->images++;
    /* checked sums (an image's own saturated totals carry their warning already) */
    /* every sum runs (no short circuit); one statement each, as clang's
     * -Wbitwise-instead-of-logical refuses '|' between two bools */
    bool sat = ss_sat_add(&t->file, im->file_size);
    sat |= ss_sat_add(&t->text, sz.text);
    sat |= ss_sat_add(&t->data, sz.data);
    sat |= ss_sat_add(&t->bss, sz.bss);
    sat |= ss_sat_add(&t->vm, sz.vm_total);
    t->saturated |= sat;
}

static void write_totals(ss_jw *w, const char *key, const ss_totals *t)
{
    ss_jw_obj(w, key);
    ss_jw_u64(w, "images", t->images);
    ss_jw_u64(w, "file_size", t->file);
    ss_jw_u64(w, "text", t->text);
    ss_jw_u64(w, "data", t->data);
    ss_jw_u64(w, "bss", t->bss);
    ss_jw_u64(w, "vm_size", t->vm);
    ss_jw_end_obj(w);
}

static void write_segments(ss_jw *w, const ss_image *im)
{
    ss_jw_arr(w, "segments");
    for (size_t i = 0; i < im->nsegments; i++) {
        const ss_segment *g = &im->segments[i];
        char p[4], m[4];
        ss_jw_obj(w, NULL);
        ss_jw_u64(w, "index", i);
        ss_jw_str(w, "name", g->name);
        ss_jw_u64(w, "raw_type", g->raw_type);
        ss_jw_u64(w, "raw_flags", g->raw_flags);
        ss_jw_u64(w, "vaddr", g->vaddr);
        ss_jw_u64(w, "vm_size", g->vm_size);
        ss_jw_u64(w, "offset", g->offset);
        ss_jw_u64(w, "file_size", g->file_size);
        ss_jw_str(w, "perms", ss_perms_str(g->perms, p));
        ss_jw_str(w, "maxprot", ss_perms_str(g->maxprot, m));
        ss_jw_bool(w, "loadable", g->loadable);
        ss_jw_end_obj(w);
    }
    ss_jw_end_arr(w);
}

static void write_sections(ss_jw *w, const ss_image *im)
{
    ss_jw_arr(w, "sections");
    for (size_t i = 0; i < im->nsections; i++) {
        const ss_section *s = &im->sections[i];
        char p[4];
        ss_jw_obj(w, NULL);
        ss_jw_u64(w, "index", i);
        ss_jw_str(w, "name", s->name);
        ss_jw_str(w, "type", s->type ? s->type : "");
        ss_jw_str(w, "kind", ss_kind_name(s->kind));
        ss_jw_u64(w, "vaddr", s->vaddr);
        ss_jw_u64(w, "vm_size", s->vm_size);
        ss_jw_u64(w, "offset", s->offset);
        ss_jw_u64(w, "file_size", s->file_size);
        ss_jw_u64(w, "file_accounted", s->file_accounted);
        ss_jw_u64(w, "align", s->align);
        ss_jw_str(w, "perms", ss_perms_str(s->perms, p));
        ss_jw_u64(w, "flags", s->raw_flags);
        ss_jw_bool(w, "alloc", s->alloc);
        if (s->segment >= 0)
            ss_jw_u64(w, "segment", (uint64_t)s->segment);
        else
            ss_jw_null(w, "segment");
        if (s->compression != SS_COMP_NONE) {
            ss_jw_obj(w, "compressed");
            ss_jw_str(w, "format", ss_compression_name(s->compression));
            if (s->uncompressed_known)
                ss_jw_u64(w, "uncompressed_size", s->uncompressed_size);
            else
                ss_jw_null(w, "uncompressed_size");
            ss_jw_end_obj(w);
        }
        ss_jw_end_obj(w);
    }
    ss_jw_end_arr(w);
}

static void write_map(ss_jw *w, const ss_image *im)
{
    ss_jw_arr(w, "file_map");
    for (size_t i = 0; i < im->nmap; i++) {
        const ss_map_entry *e = &im->map[i];
        ss_jw_obj(w, NULL);
        ss_jw_u64(w, "offset", e->offset);
        ss_jw_u64(w, "size", e->size);
        switch (e->what) {
        case SS_MAP_REGION:
            ss_jw_str(w, "what", "header");
            ss_jw_str(w, "name", im->regions[e->index].name);
            break;
        case SS_MAP_SECTION:
            ss_jw_str(w, "what", "section");
            ss_jw_str(w, "name", im->sections[e->index].name);
            ss_jw_u64(w, "section", (uint64_t)e->index);
            break;
        case SS_MAP_PADDING:
            ss_jw_str(w, "what", "padding");
            ss_jw_str(w, "name", "[Padding]");
            break;
        case SS_MAP_UNMAPPED:
            ss_jw_str(w, "what", "unmapped");
            ss_jw_str(w, "name", "[Unmapped]");
            break;
        }
        ss_jw_end_obj(w);
    }
    ss_jw_end_arr(w);
}

void ss_json_image(ss_jw *w, const ss_image *im, const ss_emit_opts *o)
{
    ss_jw_obj(w, NULL);
    ss_jw_str(w, "path", im->path);
    ss_jw_str(w, "member", im->member);
    ss_jw_u64(w, "base_offset", im->base_offset);
    ss_jw_str(w, "format", ss_format_name(im->format));
    ss_jw_u64(w, "class", im->bits);
    ss_jw_str(w, "endian", im->big_endian ? "big" : "little");
    ss_jw_str(w, "machine", im->machine);
    ss_jw_str(w, "type", ss_type_name(im->type));
    ss_jw_str(w, "type_detail", im->type_detail);
    if (im->has_entry)
        ss_jw_u64(w, "entry", im->entry);
    else
        ss_jw_null(w, "entry");
    ss_jw_u64(w, "file_size", im->file_size);
    ss_totals t = {0};
    ss_totals_add(&t, im);
    write_totals(w, "totals", &t);

    ss_sizes sz;
    ss_sizes_compute(im, &sz);
    ss_jw_obj(w, "kinds");
    for (int k = 0; k < SS_KIND_COUNT; k++) {
        if (sz.kind_vm[k] == 0 && sz.kind_file[k] == 0)
            continue;
        ss_jw_obj(w, ss_kind_name((ss_kind)k));
        ss_jw_u64(w, "vm_size", sz.kind_vm[k]);
        ss_jw_u64(w, "file_size", sz.kind_file[k]);
        ss_jw_end_obj(w);
    }
    ss_jw_end_obj(w);

    write_segments(w, im);
    write_sections(w, im);
    write_map(w, im);
    ss_json_analysis(w, im);
    if (o && ss_datasrc_wants_symbols(o))
        ss_json_symbols(w, im, o);
    if (o)
        ss_json_debug(w, im, o);
    ss_jw_arr(w, "warnings");
    for (size_t i = 0; i < im->nwarnings; i++) {
        ss_jw_obj(w, NULL);
        if (im->warnings[i].offset == UINT64_MAX)
            ss_jw_null(w, "offset");
        else
            ss_jw_u64(w, "offset", im->warnings[i].offset + im->base_offset);
        ss_jw_str(w, "message", im->warnings[i].message);
        ss_jw_end_obj(w);
    }
    ss_jw_end_arr(w);
    ss_jw_end_obj(w);
}

static void write_error(ss_jw *w, const char *path, const char *member, const ss_diag *d)
{
    ss_jw_obj(w, NULL);
    ss_jw_str(w, "path", path);
    ss_jw_str(w, "member", member);
    ss_jw_str(w, "error", ss_status_name(d->status));
    ss_jw_str(w, "message", d->msg);
    if (d->has_offset)
        ss_jw_u64(w, "offset", d->offset);
    else
        ss_jw_null(w, "offset");
    ss_jw_end_obj(w);
}

void ss_json_begin(ss_jw *w)
{
    ss_jw_obj(w, NULL);
    ss_jw_u64(w, "schema_version", SS_JSON_SCHEMA_VERSION);
    ss_jw_str(w, "generator", "segscan " SEGSCAN_VERSION);
    ss_jw_str(w, "size_rule", SS_SIZE_RULE);
    ss_jw_arr(w, "images");
}

void ss_json_end(ss_jw *w, const ss_input_summary *in, size_t nin, const ss_error_copy *err,
                 size_t nerr, const ss_totals *all)
{
    ss_jw_end_arr(w); /* images */
    ss_jw_arr(w, "inputs");
    for (size_t i = 0; i < nin; i++) {
        ss_jw_obj(w, NULL);
        ss_jw_str(w, "path", in[i].path);
        ss_jw_str(w, "container", ss_container_name(in[i].container));
        ss_jw_u64(w, "file_size", in[i].file_size);
        ss_jw_u64(w, "images", in[i].totals.images);
        ss_jw_u64(w, "failed", in[i].failed);
        ss_jw_u64(w, "skipped", in[i].skipped);
        ss_jw_u64(w, "container_bytes", in[i].container_bytes);
        write_totals(w, "totals", &in[i].totals);
        ss_jw_end_obj(w);
    }
    ss_jw_end_arr(w);
    ss_jw_arr(w, "errors");
    for (size_t i = 0; i < nerr; i++)
        write_error(w, err[i].path, err[i].member, &err[i].diag);
    ss_jw_end_arr(w);
    write_totals(w, "total", all);
    ss_jw_end_obj(w);
    ss_jw_finish(w);
}

/* ---- the JSON emitter ------------------------------------------------------------------------ */

static bool json_begin(ss_report *r)
{
    ss_jw_init(&r->jw, r->out, r->opts.pretty);
    ss_json_begin(&r->jw);
    return true;
}

static void json_input(ss_report *r, const ss_input *in, const ss_totals *t)
{
    (void)t;
    for (size_t u = 0; u < in->nunits; u++)
        if (in->units[u].image)
            ss_json_image(&r->jw, in->units[u].image, &r->opts);
}

static void json_end(ss_report *r)
{
    ss_json_end(&r->jw, r->sum, r->nsum, r->errs, r->nerr, &r->all);
}

const ss_emitter ss_emitter_json = {
    .name = "json",
    .about = "one JSON document (docs/segscan.schema.json)",
    .keep_inputs = true,
    .begin = json_begin,
    .input = json_input,
    .end = json_end,
    .check = ss_check_json,
    .diff = ss_diff_json,
    .where_begin = ss_where_json_begin,
    .where_match = ss_where_json_match,
    .where_end = ss_where_json_end,
};
