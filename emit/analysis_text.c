/* analysis_text.c - the "Savings" and "Permissions" blocks of the text report. */
#include <inttypes.h> /* PRIu64, PRIx64 */
#include <string.h>   /* strlen */

#include "analysis_emit.h"
#include "checks.h"
#include "escape.h"

/* Rows shown per list (the totals above them are always exact). */
#define TEXT_OBJECTS 10
#define TEXT_STRINGS 20
/* Sections named on one line before "and N more". */
#define TEXT_SECTIONS 4

static const char *sec_name(const ss_image *im, int64_t i, char *buf, size_t cap)
{
    if (i < 0 || (uint64_t)i >= im->nsections)
        return "?";
    ss_escape_text(im->sections[i].name, buf, cap);
    return buf;
}

/* " in .data 1200, .rodata 64" from the per-section figure chosen by field. */
static void per_section(FILE *f, const ss_image *im, const ss_bss_result *b,
                        uint64_t (*field)(const ss_bss_section *))
{
    size_t shown = 0, more = 0;
    for (size_t i = 0; i < b->nsections; i++) {
        uint64_t v = field(&b->sections[i]);
        if (v == 0)
            continue;
        if (shown == TEXT_SECTIONS) {
            more++;
            continue;
        }
        char n[80];
        fprintf(f, "%s%s %" PRIu64, shown ? ", " : " in ", sec_name(im, b->sections[i].section, n, sizeof n), v);
        shown++;
    }
    if (more)
        fprintf(f, " and %zu more", more);
}

static uint64_t f_zero_init(const ss_bss_section *s) { return s->zero_init_bytes; }
static uint64_t f_movable(const ss_bss_section *s) { return s->movable_bytes; }
static uint64_t f_readonly(const ss_bss_section *s) { return s->readonly_zero_bytes; }
static uint64_t f_runs(const ss_bss_section *s) { return s->zero_run_bytes; }

static void objects(FILE *f, const ss_image *im, const ss_zero_object *z, size_t n, uint64_t count)
{
    size_t shown = n < TEXT_OBJECTS ? n : TEXT_OBJECTS;
    for (size_t i = 0; i < shown; i++) {
        char name[120], sec[80], h[16];
        ss_escape_text(z[i].name, name, sizeof name);
        fprintf(f, "      %10" PRIu64 " %-10s %s  %s+0x%" PRIx64, z[i].size, ss_human(z[i].size, h),
                name[0] ? name : "(unnamed)", sec_name(im, z[i].section, sec, sizeof sec), z[i].offset);
        if (z[i].aliases)
            fprintf(f, "  (+%u alias%s)", z[i].aliases, z[i].aliases == 1 ? "" : "es");
        fputc('\n', f);
    }
    if (count > shown)
        fprintf(f, "      ... and %" PRIu64 " more\n", count - shown);
}

void ss_text_bss(FILE *f0, const ss_image *im, const ss_emit_opts *o)
{
    const ss_bss_result *b = &im->analysis->bss;
    const ss_term *t = &o->term;
    char h[16];
    ss_term_line line;
    FILE *f = ss_term_line_begin(&line, f0, t);
    fprintf(f, "    zero-init memory (costs no file bytes): %" PRIu64 " (%s)", b->zero_init_bytes,
            ss_human(b->zero_init_bytes, h));
    per_section(f, im, b, f_zero_init);
    ss_term_line_end(&line, t, 0, 6);
    f = f0;
    if (b->movable_count) {
        fprintf(f, "    zero-filled data that could be .bss: %" PRIu64 " object%s, %" PRIu64 " (%s)",
                b->movable_count, b->movable_count == 1 ? "" : "s", b->movable_bytes,
                ss_human(b->movable_bytes, h));
        per_section(f, im, b, f_movable);
        fprintf(f, "; moving them saves %" PRIu64 " file bytes\n", b->movable_bytes);
        objects(f, im, b->movable, b->nmovable, b->movable_count);
    } else {
        fprintf(f, "    zero-filled data that could be .bss: none\n");
    }
    if (b->readonly_zero_count) {
        fprintf(f, "    zero-filled read-only objects: %" PRIu64 ", %" PRIu64 " (%s)",
                b->readonly_zero_count, b->readonly_zero_bytes, ss_human(b->readonly_zero_bytes, h));
        per_section(f, im, b, f_readonly);
        fputs(" (.bss only if made writable)\n", f);
        objects(f, im, b->readonly_zero, b->nreadonly_zero, b->readonly_zero_count);
    }
    if (b->zero_run_count) {
        fprintf(f, "    zero runs of %" PRIu64 "+ bytes in data without symbols: %" PRIu64
                   " run%s, %" PRIu64 " (%s)",
                b->zero_run_min, b->zero_run_count, b->zero_run_count == 1 ? "" : "s",
                b->zero_run_bytes, ss_human(b->zero_run_bytes, h));
        per_section(f, im, b, f_runs);
        fputc('\n', f);
        size_t shown = b->nzero_runs < TEXT_OBJECTS ? b->nzero_runs : TEXT_OBJECTS;
        for (size_t i = 0; i < shown; i++) {
            char sec[80];
            fprintf(f, "      %10" PRIu64 " %-10s run at %s+0x%" PRIx64 "\n", b->zero_runs[i].size,
                    ss_human(b->zero_runs[i].size, h),
                    sec_name(im, b->zero_runs[i].section, sec, sizeof sec), b->zero_runs[i].offset);
        }
        if (b->zero_run_count > shown)
            fprintf(f, "      ... and %" PRIu64 " more\n", b->zero_run_count - shown);
    }
}

static void dup_row(FILE *f, const ss_string_dup *d, const char *unit)
{
    char txt[100], h[16];
    ss_escape_text(d->text, txt, sizeof txt);
    fprintf(f, "      %10" PRIu64 " %-10s x%-4" PRIu64 " %-7s \"%s\"\n", d->wasted,
            ss_human(d->wasted, h), d->copies, unit, txt);
}

void ss_text_strings(FILE *f0, const ss_image *im, const ss_emit_opts *o)
{
    const ss_strings_result *s = &im->analysis->strings;
    const ss_strings_across *x = im->analysis->across;
    const ss_term *t = &o->term;
    char h[16], h2[16];
    ss_term_line line;
    FILE *f = ss_term_line_begin(&line, f0, t);
    fprintf(f, "    strings: %" PRIu64 " in %" PRIu64 " read-only section%s, %" PRIu64 " unique",
            s->count, s->sections, s->sections == 1 ? "" : "s", s->unique);
    if (s->duplicate_bytes)
        fprintf(f, "; duplicates waste %" PRIu64 " (%s) in %" PRIu64 " string%s",
                s->duplicate_bytes, ss_human(s->duplicate_bytes, h), s->duplicate_groups,
                s->duplicate_groups == 1 ? "" : "s");
    else if (s->count)
        fputs("; no duplicates", f);
    if (s->tail_merge_bytes)
        fprintf(f, "; tail merging would save %" PRIu64 " (%s) in %" PRIu64 " string%s",
                s->tail_merge_bytes, ss_human(s->tail_merge_bytes, h2), s->tail_merge_strings,
                s->tail_merge_strings == 1 ? "" : "s");
    ss_term_line_end(&line, t, 0, 6);
    f = f0;
    size_t shown = s->nduplicates < TEXT_STRINGS ? s->nduplicates : TEXT_STRINGS;
    for (size_t i = 0; i < shown; i++)
        dup_row(f, &s->duplicates[i], "copies");
    if (s->duplicate_groups > shown)
        fprintf(f, "      ... and %" PRIu64 " more\n", s->duplicate_groups - shown);
    if (s->hint) {
        fputs("    hint: ", f);
        ss_term_wrap(f, t, 10, 10, s->hint);
    }
    if (x) {
        f = ss_term_line_begin(&line, f0, t);
        fprintf(f, "    strings across the %" PRIu64 " archive members: %" PRIu64 " unique; each "
                   "member's own copies waste %" PRIu64 " (%s) in %" PRIu64 " string%s",
                x->members, x->unique, x->duplicate_bytes, ss_human(x->duplicate_bytes, h),
                x->duplicate_groups, x->duplicate_groups == 1 ? "" : "s");
        ss_term_line_end(&line, t, 0, 6);
        f = f0;
        size_t xs = x->nduplicates < TEXT_STRINGS ? x->nduplicates : TEXT_STRINGS;
        for (size_t i = 0; i < xs; i++)
            dup_row(f, &x->duplicates[i], "members");
        if (x->duplicate_groups > xs)
            fprintf(f, "      ... and %" PRIu64 " more\n", x->duplicate_groups - xs);
    }
}

void ss_text_literals(FILE *f0, const ss_image *im, const ss_emit_opts *o)
{
    const ss_literals_result *l = &im->analysis->literals;
    const ss_term *t = &o->term;
    char h[16], h2[16], h3[16];
    ss_term_line line;
    FILE *f = ss_term_line_begin(&line, f0, t);
    fprintf(f, "    literals: %" PRIu64 " read-only object%s (%" PRIu64 " bytes) between %" PRIu64
               " boundaries, %" PRIu64 " unique",
            l->count, l->count == 1 ? "" : "s", l->bytes, l->boundaries, l->unique);
    if (l->duplicate_bytes)
        fprintf(f, "; stored more than once: %" PRIu64 " (%s) in %" PRIu64 " object%s (text %s, "
                   "tables %s)",
                l->duplicate_bytes, ss_human(l->duplicate_bytes, h), l->duplicate_groups,
                l->duplicate_groups == 1 ? "" : "s", ss_human(l->text_bytes, h2),
                ss_human(l->table_bytes, h3));
    else if (l->count)
        fputs("; no duplicates", f);
    if (l->work_capped)
        fputs("; the anchored match stopped at its work budget", f);
    ss_term_line_end(&line, t, 0, 6);
    f = f0;
    size_t shown = l->nduplicates < TEXT_STRINGS ? l->nduplicates : TEXT_STRINGS;
    for (size_t i = 0; i < shown; i++) {
        const ss_literal_dup *d = &l->duplicates[i];
        char txt[100];
        ss_escape_text(d->text, txt, sizeof txt);
        fprintf(f, "      %10" PRIu64 " %-10s x%-4" PRIu64 " %-5s %8" PRIu64 " B %s%s%s\n",
                d->wasted, ss_human(d->wasted, h), d->copies, d->table ? "table" : "text", d->len,
                d->table ? "" : "\"", txt, d->table ? "" : "\"");
    }
    if (l->duplicate_groups > shown)
        fprintf(f, "      ... and %" PRIu64 " more\n", l->duplicate_groups - shown);
    if (l->hint) {
        fputs("    hint: ", f);
        ss_term_wrap(f, t, 10, 10, l->hint);
    }
}

/* How a permission value looks: a missing protection stands out, one in place is green. */
static ss_style perm_style(int which, ss_hval v, bool *styled)
{
    *styled = true;
    switch (which) {
    case 0: case 1: /* W+X segments, W+X sections */
        if (v == SS_HV_YES)
            return SS_STYLE_BAD;
        break;
    case 2: /* exec stack */
        if (v == SS_HV_YES)
            return SS_STYLE_BAD;
        if (v == SS_HV_DEFAULT)
            return SS_STYLE_WARN;
        break;
    case 3: /* RELRO */
        if (v == SS_HV_NONE)
            return SS_STYLE_WARN;
        if (v == SS_HV_FULL)
            return SS_STYLE_GOOD;
        break;
    case 4: /* PIE */
        if (v == SS_HV_NO)
            return SS_STYLE_WARN;
        if (v == SS_HV_YES)
            return SS_STYLE_GOOD;
        break;
    case 5: /* NX */
        if (v == SS_HV_NO)
            return SS_STYLE_BAD;
        if (v == SS_HV_YES)
            return SS_STYLE_GOOD;
        break;
    default: /* TEXTREL, rodata in an executable segment */
        if (v == SS_HV_YES)
            return SS_STYLE_WARN;
        break;
    }
    *styled = false;
    return SS_STYLE_HEAD;
}

void ss_text_perms(FILE *f, const ss_image *im, const ss_emit_opts *o)
{
    const ss_perms_result *p = &im->analysis->perms;
    const ss_term *t = &o->term;
    const char *const names[] = {"W+X segments", "W+X sections", "exec stack", "RELRO",
                                 "PIE",          "NX",           "TEXTREL",
                                 "rodata in exec segment"};
    const ss_hval vals[] = {p->wx_segments, p->wx_sections, p->exec_stack, p->relro,
                            p->pie,         p->nx,          p->textrel,    p->rodata_exec};
    fputs("   ", f);
    size_t col = 3;
    for (int i = 0; i < 8; i++) {
        const char *v = ss_hval_name(vals[i]);
        size_t w = strlen(names[i]) + 1 + strlen(v);
        if (t->width && col > 4 && col + 2 + w > t->width) {
            fputs("\n   ", f);
            col = 3;
        }
        bool styled;
        ss_style st = perm_style(i, vals[i], &styled);
        fprintf(f, "%s%s %s%s%s", col > 3 ? "  " : " ", names[i], styled ? ss_term_on(t, st) : "",
                v, styled ? ss_term_off(t) : "");
        col += (col > 3 ? 2 : 1) + w;
    }
    fputc('\n', f);
    /* The checks the reader decided, one line each with the evidence (keys that do not apply
     * to the format are left out here; JSON lists them as n-a). */
    size_t n;
    const ss_check_def *defs = ss_check_defs(&n);
    for (size_t i = 0; i < n; i++) {
        const ss_hcheck *c = ss_image_find_check(im, defs[i].key);
        if (c == NULL || c->value == SS_HV_NA)
            continue;
        char ev[300];
        ss_escape_text(c->evidence ? c->evidence : "", ev, sizeof ev);
        fprintf(f, "    %-16s %-7s ", defs[i].label, ss_hval_name(c->value));
        ss_term_line line; /* the evidence wraps under itself on a narrow terminal */
        FILE *lf = ss_term_line_begin(&line, f, t);
        fputs(ev, lf);
        ss_term_line_end(&line, t, 29, 29);
    }
}

static void print_findings(FILE *f0, const ss_analysis *a, const ss_term *t)
{
    for (size_t i = 0; i < a->nfindings; i++) {
        const ss_finding *x = &a->findings[i];
        char msg[600];
        ss_escape_text(x->message, msg, sizeof msg);
        bool loud = x->severity != SS_SEV_INFO;
        ss_style st = x->severity == SS_SEV_ERROR ? SS_STYLE_BAD : SS_STYLE_WARN;
        const char *sev = ss_severity_name(x->severity);
        fprintf(f0, "    %s%s%s%*s ", loud ? ss_term_on(t, st) : "", sev, loud ? ss_term_off(t) : "",
                (int)(7 - strlen(sev)), "");
        ss_term_line line;
        FILE *f = ss_term_line_begin(&line, f0, t);
        fprintf(f, "%s: %s", x->id, msg);
        /* The first piece of evidence, briefly. */
        if (x->nevidence && x->evidence[0].what && strcmp(x->evidence[0].what, "string") != 0) {
            const ss_evidence *e = &x->evidence[0];
            char name[80], cut[80], p[4];
            size_t nw = ss_escape_text(e->name ? e->name : "", name, sizeof name);
            if (t->width > 32) { /* a name longer than a wrapped line is cut in the middle */
                ss_term_shorten(name, nw, t->width - 16, t->utf8, cut, sizeof cut);
                memcpy(name, cut, sizeof name);
            }
            fprintf(f, " [%s %s", e->what, name);
            if (e->perms >= 0)
                fprintf(f, " %s", ss_perms_str((uint8_t)e->perms, p));
            if (e->has_flags)
                fprintf(f, " flags 0x%" PRIx64, e->flags);
            if (e->has_vaddr)
                fprintf(f, " at 0x%" PRIx64, e->vaddr);
            size_t total = x->evidence_total > x->nevidence ? x->evidence_total : x->nevidence;
            if (total > 1)
                fprintf(f, "; +%zu more", total - 1);
            fputc(']', f);
        }
        ss_term_line_end(&line, t, 12, 12);
    }
}

void ss_text_analysis(FILE *f, const ss_image *im, const ss_emit_opts *o)
{
    const ss_analysis *a = im->analysis;
    if (a == NULL)
        return;
    size_t n;
    const ss_analysis_writer *w = ss_analysis_writers(&n);
    const char *heading = NULL; /* analyses under one heading share it ("Savings") */
    for (size_t i = 0; i < n; i++) {
        if (!(a->ran & w[i].bit))
            continue;
        if (heading == NULL || strcmp(heading, w[i].heading) != 0)
            fprintf(f, "\n  %s%s%s\n", ss_term_on(&o->term, SS_STYLE_HEAD), heading = w[i].heading,
                    ss_term_off(&o->term));
        w[i].text(f, im, o);
    }
    if (heading && a->nfindings) {
        fprintf(f, "\n  %sFindings%s\n", ss_term_on(&o->term, SS_STYLE_HEAD), ss_term_off(&o->term));
        print_findings(f, a, &o->term);
    }
}
