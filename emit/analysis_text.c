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

static void print_bss(FILE *f, const ss_image *im, const ss_bss_result *b)
{
    char h[16];
    fprintf(f, "    zero-init memory (costs no file bytes): %" PRIu64 " (%s)", b->zero_init_bytes,
            ss_human(b->zero_init_bytes, h));
    per_section(f, im, b, f_zero_init);
    fputc('\n', f);
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

static void print_strings(FILE *f, const ss_strings_result *s, const ss_strings_across *x)
{
    char h[16], h2[16];
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
    fputc('\n', f);
    size_t shown = s->nduplicates < TEXT_STRINGS ? s->nduplicates : TEXT_STRINGS;
    for (size_t i = 0; i < shown; i++)
        dup_row(f, &s->duplicates[i], "copies");
    if (s->duplicate_groups > shown)
        fprintf(f, "      ... and %" PRIu64 " more\n", s->duplicate_groups - shown);
    if (s->hint)
        fprintf(f, "    hint: %s\n", s->hint);
    if (x) {
        fprintf(f, "    strings across the %" PRIu64 " archive members: %" PRIu64 " unique; each "
                   "member's own copies waste %" PRIu64 " (%s) in %" PRIu64 " string%s\n",
                x->members, x->unique, x->duplicate_bytes, ss_human(x->duplicate_bytes, h),
                x->duplicate_groups, x->duplicate_groups == 1 ? "" : "s");
        size_t xs = x->nduplicates < TEXT_STRINGS ? x->nduplicates : TEXT_STRINGS;
        for (size_t i = 0; i < xs; i++)
            dup_row(f, &x->duplicates[i], "members");
        if (x->duplicate_groups > xs)
            fprintf(f, "      ... and %" PRIu64 " more\n", x->duplicate_groups - xs);
    }
}

static void print_perms(FILE *f, const ss_image *im, const ss_perms_result *p)
{
    fprintf(f, "    W+X segments %s  W+X sections %s  exec stack %s  RELRO %s  PIE %s  NX %s  "
               "TEXTREL %s  rodata in exec segment %s\n",
            ss_hval_name(p->wx_segments), ss_hval_name(p->wx_sections), ss_hval_name(p->exec_stack),
            ss_hval_name(p->relro), ss_hval_name(p->pie), ss_hval_name(p->nx),
            ss_hval_name(p->textrel), ss_hval_name(p->rodata_exec));
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
        fprintf(f, "    %-16s %-7s %s\n", defs[i].label, ss_hval_name(c->value), ev);
    }
}

static void print_findings(FILE *f, const ss_analysis *a)
{
    for (size_t i = 0; i < a->nfindings; i++) {
        const ss_finding *x = &a->findings[i];
        char msg[600];
        ss_escape_text(x->message, msg, sizeof msg);
        fprintf(f, "    %-7s %s: %s", ss_severity_name(x->severity), x->id, msg);
        /* The first piece of evidence, briefly. */
        if (x->nevidence && x->evidence[0].what && strcmp(x->evidence[0].what, "string") != 0) {
            const ss_evidence *e = &x->evidence[0];
            char name[80], p[4];
            ss_escape_text(e->name ? e->name : "", name, sizeof name);
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
        fputc('\n', f);
    }
}

void ss_text_analysis(FILE *f, const ss_image *im, const ss_emit_opts *o)
{
    (void)o;
    const ss_analysis *a = im->analysis;
    if (a == NULL || !(a->ran & (SS_AN_BSS | SS_AN_STRINGS | SS_AN_PERMS)))
        return;
    if (a->ran & (SS_AN_BSS | SS_AN_STRINGS)) {
        fputs("\n  Savings\n", f);
        if (a->ran & SS_AN_BSS)
            print_bss(f, im, &a->bss);
        if (a->ran & SS_AN_STRINGS)
            print_strings(f, &a->strings, a->across);
    }
    if (a->ran & SS_AN_PERMS) {
        fputs("\n  Permissions\n", f);
        print_perms(f, im, &a->perms);
    }
    if (a->nfindings) {
        fputs("\n  Findings\n", f);
        print_findings(f, a);
    }
}
