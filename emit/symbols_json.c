/* symbols_json.c - symbol rows (core/symbols.h) as JSON objects: the matches of `segscan where`
 * and the "symbols" array of an image in the report with -d symbols. */
#include "datasrc.h"
#include "emit_internal.h"

static const char *bind_name(ss_sym_bind b)
{
    switch (b) {
    case SS_BIND_LOCAL: return "local";
    case SS_BIND_GLOBAL: return "global";
    case SS_BIND_WEAK: return "weak";
    default: return "other";
    }
}

void ss_json_symrow(ss_jw *w, const ss_image *im, const ss_symrow *r, const ss_symtab *table)
{
    char meaning[256], pb[4];
    const ss_section *sec = &im->sections[r->section];
    const ss_segment *seg = r->segment >= 0 ? &im->segments[r->segment] : NULL;
    ss_jw_obj(w, NULL);
    ss_jw_str(w, "name", r->name);
    ss_jw_str(w, "mangled", r->mangled);
    ss_jw_str(w, "path", im->path);
    ss_jw_str(w, "member", im->member);
    ss_jw_str(w, "section", sec->name);
    ss_jw_str(w, "segment", seg ? seg->name : NULL);
    ss_jw_str(w, "perms", ss_perms_str(seg ? seg->perms : sec->perms, pb));
    ss_jw_u64(w, "vaddr", r->vaddr);
    ss_jw_u64(w, "size", r->size);
    ss_jw_u64(w, "vm_size", r->vm_size);
    if (r->file_offset != UINT64_MAX)
        ss_jw_u64(w, "file_offset", r->file_offset);
    else
        ss_jw_null(w, "file_offset");
    ss_jw_u64(w, "file_size", r->file_size);
    ss_jw_str(w, "kind", ss_kind_name(sec->kind));
    if (!r->nosym)
        ss_jw_str(w, "meaning", ss_symrow_meaning(im, r, meaning, sizeof meaning));
    ss_jw_bool(w, "size_derived", r->size_derived);
    if (table) {
        ss_jw_u64(w, "section_index", (uint64_t)r->section);
        ss_jw_str(w, "binding", r->nosym ? NULL : bind_name(r->bind));
        ss_jw_bool(w, "no_symbol", r->nosym);
        ss_jw_u64(w, "counted_vm_size", r->row_vm);
        ss_jw_u64(w, "counted_file_size", r->row_file);
        if (r->alias_of >= 0)
            ss_jw_str(w, "alias_of", table->rows[r->alias_of].name);
        else
            ss_jw_null(w, "alias_of");
    }
    ss_jw_end_obj(w);
}

void ss_json_symbols(ss_jw *w, const ss_image *im, const ss_emit_opts *o)
{
    if (im->tables_status != SS_OK) {
        ss_jw_null(w, "symbols");
        return;
    }
    ss_symtab t;
    if (!ss_symtab_build(im, !o->no_demangle, &t)) {
        ss_jw_null(w, "symbols");
        return;
    }
    ss_jw_arr(w, "symbols");
    for (size_t i = 0; i < t.n; i++)
        ss_json_symrow(w, im, &t.rows[i], &t);
    ss_jw_end_arr(w);
    ss_symtab_free(&t);
}
