/* analysis_json.c - the bss, strings, permissions and findings objects of an image
 * (docs/segscan.schema.json). Lists are cut at SS_KEEP_* entries; counts and bytes are exact. */
#include "analysis_emit.h"

static void section_ref(ss_jw *w, const ss_image *im, int64_t i)
{
    if (i >= 0 && (uint64_t)i < im->nsections) {
        ss_jw_str(w, "section", im->sections[i].name);
        ss_jw_u64(w, "section_index", (uint64_t)i);
    } else {
        ss_jw_null(w, "section");
        ss_jw_null(w, "section_index");
    }
}

static void objects(ss_jw *w, const char *key, const ss_image *im, const ss_zero_object *z, size_t n)
{
    ss_jw_arr(w, key);
    for (size_t i = 0; i < n; i++) {
        ss_jw_obj(w, NULL);
        ss_jw_str(w, "name", z[i].name);
        section_ref(w, im, z[i].section);
        ss_jw_u64(w, "offset", z[i].offset);
        ss_jw_u64(w, "size", z[i].size);
        if (im->type == SS_TYPE_RELOCATABLE)
            ss_jw_null(w, "vaddr");
        else
            ss_jw_u64(w, "vaddr", z[i].vaddr);
        ss_jw_u64(w, "aliases", z[i].aliases);
        ss_jw_end_obj(w);
    }
    ss_jw_end_arr(w);
}

void ss_json_bss(ss_jw *w, const ss_image *im)
{
    const ss_bss_result *b = &im->analysis->bss;
    ss_jw_obj(w, "bss");
    ss_jw_u64(w, "zero_init_bytes", b->zero_init_bytes);
    ss_jw_u64(w, "movable_bytes", b->movable_bytes);
    ss_jw_u64(w, "movable_count", b->movable_count);
    objects(w, "movable", im, b->movable, b->nmovable);
    ss_jw_u64(w, "readonly_zero_bytes", b->readonly_zero_bytes);
    ss_jw_u64(w, "readonly_zero_count", b->readonly_zero_count);
    objects(w, "readonly_zero", im, b->readonly_zero, b->nreadonly_zero);
    ss_jw_u64(w, "zero_run_min", b->zero_run_min);
    ss_jw_u64(w, "zero_run_bytes", b->zero_run_bytes);
    ss_jw_u64(w, "zero_run_count", b->zero_run_count);
    ss_jw_arr(w, "zero_runs");
    for (size_t i = 0; i < b->nzero_runs; i++) {
        ss_jw_obj(w, NULL);
        section_ref(w, im, b->zero_runs[i].section);
        ss_jw_u64(w, "offset", b->zero_runs[i].offset);
        ss_jw_u64(w, "size", b->zero_runs[i].size);
        ss_jw_end_obj(w);
    }
    ss_jw_end_arr(w);
    ss_jw_arr(w, "sections");
    for (size_t i = 0; i < b->nsections; i++) {
        const ss_bss_section *s = &b->sections[i];
        ss_jw_obj(w, NULL);
        section_ref(w, im, s->section);
        ss_jw_u64(w, "zero_init_bytes", s->zero_init_bytes);
        ss_jw_u64(w, "movable_bytes", s->movable_bytes);
        ss_jw_u64(w, "movable_count", s->movable);
        ss_jw_u64(w, "readonly_zero_bytes", s->readonly_zero_bytes);
        ss_jw_u64(w, "readonly_zero_count", s->readonly_zero);
        ss_jw_u64(w, "zero_run_bytes", s->zero_run_bytes);
        ss_jw_u64(w, "zero_run_count", s->zero_runs);
        ss_jw_end_obj(w);
    }
    ss_jw_end_arr(w);
    ss_jw_end_obj(w);
}

static void dups(ss_jw *w, const char *key, const char *count_key, const ss_string_dup *d, size_t n,
                 bool offsets)
{
    ss_jw_arr(w, key);
    for (size_t i = 0; i < n; i++) {
        ss_jw_obj(w, NULL);
        ss_jw_str(w, "text", d[i].text);
        ss_jw_u64(w, "len", d[i].len);
        ss_jw_u64(w, count_key, d[i].copies);
        ss_jw_u64(w, "bytes_wasted", d[i].wasted);
        if (offsets) {
            ss_jw_arr(w, "offsets");
            for (size_t k = 0; k < d[i].noffsets; k++)
                ss_jw_u64(w, NULL, d[i].offsets[k]);
            ss_jw_end_arr(w);
        }
        ss_jw_end_obj(w);
    }
    ss_jw_end_arr(w);
}

void ss_json_strings(ss_jw *w, const ss_image *im)
{
    const ss_strings_result *s = &im->analysis->strings;
    const ss_strings_across *x = im->analysis->across;
    ss_jw_obj(w, "strings");
    ss_jw_u64(w, "sections_scanned", s->sections);
    ss_jw_u64(w, "bytes_scanned", s->scanned_bytes);
    ss_jw_u64(w, "count", s->count);
    ss_jw_u64(w, "unique", s->unique);
    ss_jw_u64(w, "string_bytes", s->string_bytes);
    ss_jw_u64(w, "duplicate_groups", s->duplicate_groups);
    ss_jw_u64(w, "duplicate_bytes", s->duplicate_bytes);
    ss_jw_u64(w, "tail_merge_strings", s->tail_merge_strings);
    ss_jw_u64(w, "tail_merge_bytes", s->tail_merge_bytes);
    ss_jw_str(w, "linker", ss_linker_name(s->linker));
    ss_jw_str(w, "hint", s->hint);
    dups(w, "duplicates", "copies", s->duplicates, s->nduplicates, true);
    if (x) {
        ss_jw_obj(w, "across_members");
        ss_jw_u64(w, "members", x->members);
        ss_jw_u64(w, "unique", x->unique);
        ss_jw_u64(w, "duplicate_groups", x->duplicate_groups);
        ss_jw_u64(w, "duplicate_bytes", x->duplicate_bytes);
        dups(w, "duplicates", "members", x->duplicates, x->nduplicates, false);
        ss_jw_end_obj(w);
    }
    ss_jw_end_obj(w);
}

void ss_json_perms(ss_jw *w, const ss_image *im)
{
    const ss_perms_result *p = &im->analysis->perms;
    ss_jw_obj(w, "permissions");
    ss_jw_str(w, "wx_segments", ss_pval_name(p->wx_segments));
    ss_jw_str(w, "wx_sections", ss_pval_name(p->wx_sections));
    ss_jw_str(w, "exec_stack", ss_pval_name(p->exec_stack));
    ss_jw_str(w, "relro", ss_pval_name(p->relro));
    ss_jw_str(w, "pie", ss_pval_name(p->pie));
    ss_jw_str(w, "nx", ss_pval_name(p->nx));
    ss_jw_str(w, "textrel", ss_pval_name(p->textrel));
    ss_jw_str(w, "rodata_in_exec", ss_pval_name(p->rodata_exec));
    ss_jw_end_obj(w);
}

static void write_findings(ss_jw *w, const ss_analysis *a)
{
    ss_jw_arr(w, "findings");
    for (size_t i = 0; i < a->nfindings; i++) {
        const ss_finding *f = &a->findings[i];
        ss_jw_obj(w, NULL);
        ss_jw_str(w, "id", f->id);
        ss_jw_str(w, "severity", ss_severity_name(f->severity));
        ss_jw_str(w, "message", f->message);
        ss_jw_arr(w, "evidence");
        for (size_t k = 0; k < f->nevidence; k++) {
            const ss_evidence *e = &f->evidence[k];
            char p[4];
            ss_jw_obj(w, NULL);
            ss_jw_str(w, "what", e->what);
            ss_jw_str(w, "name", e->name);
            if (e->index >= 0)
                ss_jw_u64(w, "index", (uint64_t)e->index);
            if (e->perms >= 0)
                ss_jw_str(w, "perms", ss_perms_str((uint8_t)e->perms, p));
            if (e->has_flags)
                ss_jw_u64(w, "flags", e->flags);
            if (e->has_vaddr)
                ss_jw_u64(w, "vaddr", e->vaddr);
            if (e->has_offset)
                ss_jw_u64(w, "offset", e->offset);
            if (e->has_size)
                ss_jw_u64(w, "size", e->size);
            ss_jw_end_obj(w);
        }
        ss_jw_end_arr(w);
        ss_jw_end_obj(w);
    }
    ss_jw_end_arr(w);
}

void ss_json_analysis(ss_jw *w, const ss_image *im)
{
    const ss_analysis *a = im->analysis;
    if (a == NULL)
        return;
    size_t n;
    const ss_analysis_writer *t = ss_analysis_writers(&n);
    bool any = false;
    for (size_t i = 0; i < n; i++)
        if (a->ran & t[i].bit) {
            t[i].json(w, im);
            any = true;
        }
    if (any)
        write_findings(w, a);
}
