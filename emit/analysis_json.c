/* analysis_json.c - the bss, strings, permissions and findings objects of an image
 * (docs/segscan.schema.json). Lists are cut at SS_KEEP_* entries; counts and bytes are exact. */
#include "analysis_emit.h"
#include "checks.h"

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

/* `literals` (analysis.h): the figures, then the top duplicates with their excerpt, kind,
 * offsets and the sections those offsets lie in (each once, in order of first offset). */
void ss_json_literals(ss_jw *w, const ss_image *im)
{
    const ss_literals_result *l = &im->analysis->literals;
    ss_jw_obj(w, "literals");
    ss_jw_u64(w, "sections_scanned", l->sections);
    ss_jw_u64(w, "bytes_scanned", l->scanned_bytes);
    ss_jw_u64(w, "boundaries", l->boundaries);
    ss_jw_u64(w, "refs", l->refs);
    ss_jw_u64(w, "symbols", l->symbols);
    ss_jw_u64(w, "count", l->count);
    ss_jw_u64(w, "bytes", l->bytes);
    ss_jw_u64(w, "unique", l->unique);
    ss_jw_u64(w, "duplicate_groups", l->duplicate_groups);
    ss_jw_u64(w, "duplicate_bytes", l->duplicate_bytes);
    ss_jw_u64(w, "text_groups", l->text_groups);
    ss_jw_u64(w, "text_bytes", l->text_bytes);
    ss_jw_u64(w, "table_groups", l->table_groups);
    ss_jw_u64(w, "table_bytes", l->table_bytes);
    ss_jw_u64(w, "anchored_groups", l->anchored_groups);
    ss_jw_u64(w, "anchored_bytes", l->anchored_bytes);
    ss_jw_bool(w, "work_capped", l->work_capped);
    ss_jw_str(w, "toolchain", l->toolchain);
    ss_jw_str(w, "linker", ss_linker_name(l->linker));
    ss_jw_str(w, "hint", l->hint);
    ss_jw_arr(w, "duplicates");
    for (size_t i = 0; i < l->nduplicates; i++) {
        const ss_literal_dup *d = &l->duplicates[i];
        ss_jw_obj(w, NULL);
        ss_jw_str(w, "text", d->text);
        ss_jw_str(w, "kind", d->table ? "table" : "text");
        ss_jw_str(w, "match", d->anchored ? "anchored" : "exact");
        ss_jw_bool(w, "excerpt_cut", d->excerpt_cut);
        ss_jw_u64(w, "len", d->len);
        ss_jw_u64(w, "copies", d->copies);
        ss_jw_u64(w, "bytes_wasted", d->wasted);
        ss_jw_arr(w, "offsets");
        for (size_t k = 0; k < d->noffsets; k++)
            ss_jw_u64(w, NULL, d->offsets[k]);
        ss_jw_end_arr(w);
        ss_jw_arr(w, "sections");
        for (size_t k = 0; k < d->noffsets; k++) {
            int64_t s = d->offset_sections[k];
            bool seen = s < 0 || (uint64_t)s >= im->nsections;
            for (size_t j = 0; j < k && !seen; j++)
                seen = d->offset_sections[j] == s;
            if (!seen)
                ss_jw_str(w, NULL, im->sections[s].name);
        }
        ss_jw_end_arr(w);
        ss_jw_end_obj(w);
    }
    ss_jw_end_arr(w);
    ss_jw_end_obj(w);
}

static const char *check_ev(const ss_image *im, const char *key)
{
    const ss_hcheck *c = ss_image_find_check(im, key);
    return c ? c->evidence : NULL;
}

/* `permissions`: the older keys, then every key of core/checks.c (n-a when the reader did not
 * set it); `permissions_evidence`: the same keys, each with the evidence that decided it (null
 * when there is none). */
void ss_json_perms(ss_jw *w, const ss_image *im)
{
    const ss_perms_result *p = &im->analysis->perms;
    size_t n;
    const ss_check_def *defs = ss_check_defs(&n);
    ss_jw_obj(w, "permissions");
    ss_jw_str(w, "wx_segments", ss_hval_name(p->wx_segments));
    ss_jw_str(w, "wx_sections", ss_hval_name(p->wx_sections));
    ss_jw_str(w, "exec_stack", ss_hval_name(p->exec_stack));
    ss_jw_str(w, "relro", ss_hval_name(p->relro));
    ss_jw_str(w, "pie", ss_hval_name(p->pie));
    ss_jw_str(w, "nx", ss_hval_name(p->nx));
    ss_jw_str(w, "textrel", ss_hval_name(p->textrel));
    ss_jw_str(w, "rodata_in_exec", ss_hval_name(p->rodata_exec));
    for (size_t i = 0; i < n; i++)
        ss_jw_str(w, defs[i].key, ss_hval_name(ss_image_check_value(im, defs[i].key)));
    ss_jw_end_obj(w);
    ss_jw_obj(w, "permissions_evidence");
    ss_jw_str(w, "wx_segments", p->wx_segments_ev);
    ss_jw_str(w, "wx_sections", p->wx_sections_ev);
    ss_jw_str(w, "exec_stack", check_ev(im, "exec_stack"));
    ss_jw_str(w, "relro", check_ev(im, "relro"));
    ss_jw_str(w, "pie", check_ev(im, "pie"));
    ss_jw_str(w, "nx", check_ev(im, "nx"));
    ss_jw_str(w, "textrel", check_ev(im, "textrel"));
    ss_jw_str(w, "rodata_in_exec", p->rodata_exec_ev);
    for (size_t i = 0; i < n; i++)
        ss_jw_str(w, defs[i].key, check_ev(im, defs[i].key));
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
