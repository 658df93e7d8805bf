/* symbols.c - the symbol layer (see symbols.h). */
#include "symbols.h"

#include <fnmatch.h> /* fnmatch */
#include <stdint.h>  /* uintptr_t */
#include <stdio.h>   /* snprintf */
#include <stdlib.h>  /* malloc, qsort_r, free */
#include <string.h>  /* memset, strcmp */

#include "demangle.h"

typedef struct {
    size_t sym;      /* index into im->symbols */
    int64_t section;
    uint64_t offset; /* in the section */
} cand;

static int bind_rank(ss_sym_bind b)
{
    switch (b) {
    case SS_BIND_GLOBAL: return 0;
    case SS_BIND_WEAK: return 1;
    case SS_BIND_LOCAL: return 2;
    default: return 3;
    }
}

/* Section, offset, larger first (an enclosing object before what it holds), then the name that
 * best stands for the bytes (global before weak before local, then the name), then table order:
 * a total order, so the rows do not depend on qsort's whims. */
static int cand_cmp(const void *a, const void *b, void *ctx)
{
    const ss_image *im = ctx;
    const cand *x = a, *y = b;
    if (x->section != y->section)
        return x->section < y->section ? -1 : 1;
    if (x->offset != y->offset)
        return x->offset < y->offset ? -1 : 1;
    const ss_symbol *sx = &im->symbols[x->sym], *sy = &im->symbols[y->sym];
    if (sx->size != sy->size)
        return sx->size > sy->size ? -1 : 1;
    int rx = bind_rank(sx->bind), ry = bind_rank(sy->bind);
    if (rx != ry)
        return rx < ry ? -1 : 1;
    int c = strcmp(sx->name, sy->name);
    if (c)
        return c;
    return x->sym < y->sym ? -1 : x->sym > y->sym;
}

static bool row_symbol(const ss_image *im, const ss_symbol *s)
{
    return s->defined && s->section >= 0 && (size_t)s->section < im->nsections && s->size > 0 &&
           s->type != SS_SYM_SECTION && s->type != SS_SYM_FILE && s->type != SS_SYM_COMMON &&
           s->name != NULL && s->name[0] != '\0';
}

/* Lowest address of the thread-local sections: linked images give TLS symbols as offsets from
 * the start of the TLS template, which is where its first section starts. */
static uint64_t tls_base(const ss_image *im, bool *found)
{
    uint64_t base = UINT64_MAX;
    for (size_t i = 0; i < im->nsections; i++) {
        const ss_section *s = &im->sections[i];
        if ((s->kind == SS_KIND_TLS_DATA || s->kind == SS_KIND_TLS_BSS) && s->alloc &&
            s->vaddr < base)
            base = s->vaddr;
    }
    *found = base != UINT64_MAX;
    return base;
}

/* Bytes of [a, a+n) inside [0, lim). */
static uint64_t overlap(uint64_t a, uint64_t n, uint64_t lim)
{
    if (a >= lim)
        return 0;
    return n < lim - a ? n : lim - a;
}

static bool own(ss_symtab *t, char *s)
{
    char **v = realloc(t->owned, (t->nowned + 1) * sizeof *v);
    if (v == NULL) {
        free(s);
        return false;
    }
    t->owned = v;
    t->owned[t->nowned++] = s;
    return true;
}

bool ss_symtab_build(const ss_image *im, bool demangle, ss_symtab *out)
{
    memset(out, 0, sizeof *out);
    bool relocatable = im->type == SS_TYPE_RELOCATABLE;
    bool has_tls;
    uint64_t tls = tls_base(im, &has_tls);
    size_t nc = 0;
    cand *cs = malloc((im->nsymbols ? im->nsymbols : 1) * sizeof *cs);
    if (cs == NULL)
        return false;
    for (size_t i = 0; i < im->nsymbols; i++) {
        const ss_symbol *s = &im->symbols[i];
        if (!row_symbol(im, s))
            continue;
        const ss_section *sec = &im->sections[s->section];
        uint64_t off;
        if (relocatable)
            off = s->value;
        else if (s->type == SS_SYM_TLS && im->sym_tls_offsets && has_tls &&
                 (sec->kind == SS_KIND_TLS_DATA || sec->kind == SS_KIND_TLS_BSS))
            off = s->value + (tls - sec->vaddr); /* wraps back into range when in the section */
        else
            off = s->value - sec->vaddr; /* below the section: wraps high, covers nothing */
        cs[nc++] = (cand){i, s->section, off};
    }
    qsort_r(cs, nc, sizeof *cs, cand_cmp, (void *)(uintptr_t)im);

    /* Rows: one per candidate, one no-symbol row per section (at most). */
    size_t cap = nc + im->nsections;
    out->rows = calloc(cap ? cap : 1, sizeof *out->rows);
    if (out->rows == NULL) {
        free(cs);
        return false;
    }
    size_t n = 0;
    size_t ci = 0;
    for (size_t si = 0; si < im->nsections; si++) {
        const ss_section *sec = &im->sections[si];
        uint64_t vm_lim = sec->vm_size, file_lim = sec->file_size;
        uint64_t cursor = 0, sum_vm = 0, sum_file = 0;
        int64_t primary = -1;
        for (; ci < nc && cs[ci].section == (int64_t)si; ci++) {
            const ss_symbol *s = &im->symbols[cs[ci].sym];
            ss_symrow *r = &out->rows[n];
            uint64_t off = cs[ci].offset;
            r->mangled = s->name;
            r->name = s->name;
            if (demangle) {
                char *dm = ss_demangle(s->name, im->sym_lead);
                if (dm != NULL) {
                    if (!own(out, dm))
                        goto oom;
                    r->name = dm;
                }
            }
            r->section = (int64_t)si;
            r->segment = sec->segment;
            r->value = s->value;
            r->offset = off;
            r->vaddr = relocatable ? off : sec->vaddr + off;
            r->size = s->size;
            r->vm_size = overlap(off, s->size, vm_lim);
            r->file_size = overlap(off, s->size, file_lim);
            r->file_offset = r->file_size ? im->base_offset + sec->offset + off : UINT64_MAX;
            r->type = s->type;
            r->bind = s->bind;
            r->size_derived = s->size_derived;
            r->alias_of = -1;
            if (primary >= 0 && out->rows[primary].offset == off &&
                out->rows[primary].size == s->size) {
                r->alias_of = primary;
                out->rows[primary].aliases++;
            } else {
                primary = (int64_t)n;
                /* The part not yet covered by a lower row: [max(off, cursor), off + size). */
                uint64_t end = off + (s->size < UINT64_MAX - off ? s->size : UINT64_MAX - off);
                uint64_t start = off > cursor ? off : cursor;
                if (end > start) {
                    r->row_vm = overlap(start, end - start, vm_lim);
                    r->row_file = overlap(start, end - start, file_lim);
                    cursor = end;
                }
                sum_vm += r->row_vm;
                sum_file += r->row_file;
            }
            n++;
        }
        if (sum_vm < vm_lim || sum_file < file_lim) {
            ss_symrow *r = &out->rows[n++];
            char *nm = NULL;
            if (asprintf(&nm, "[section %s: no symbol]", sec->name ? sec->name : "") < 0)
                goto oom;
            if (!own(out, nm))
                goto oom;
            r->name = nm;
            r->section = (int64_t)si;
            r->segment = sec->segment;
            r->vaddr = sec->vaddr;
            r->vm_size = r->row_vm = vm_lim - sum_vm;
            r->file_size = r->row_file = file_lim - sum_file;
            r->file_offset = UINT64_MAX;
            r->alias_of = -1;
            r->type = SS_SYM_OTHER;
            r->bind = SS_BIND_OTHER;
            r->nosym = true;
        }
    }
    out->n = n;
    free(cs);
    return true;
oom:
    free(cs);
    out->n = n;
    ss_symtab_free(out);
    return false;
}

void ss_symtab_free(ss_symtab *t)
{
    if (t == NULL)
        return;
    for (size_t i = 0; i < t->nowned; i++)
        free(t->owned[i]);
    free(t->owned);
    free(t->rows);
    memset(t, 0, sizeof *t);
}

const char *ss_symrow_meaning(const ss_image *im, const ss_symrow *r, char *buf, size_t len)
{
    const ss_section *sec = &im->sections[r->section];
    unsigned long long vm = r->vm_size, file = r->file_size;
    switch (sec->kind) {
    case SS_KIND_BSS:
        snprintf(buf, len, "zero-initialised: costs %llu bytes of memory and no file bytes", vm);
        break;
    case SS_KIND_TLS_BSS:
        snprintf(buf, len, "thread-local, zero-initialised: %llu bytes of memory per thread and "
                           "no file bytes", vm);
        break;
    case SS_KIND_TLS_DATA:
        snprintf(buf, len, "thread-local, initialised: %llu file bytes copied into each "
                           "thread's memory", file);
        break;
    case SS_KIND_DATA:
        if (file == 0 && vm)
            snprintf(buf, len, "zero-initialised, in the zero-filled tail of a data section: "
                               "costs %llu bytes of memory and no file bytes", vm);
        else if (file < vm)
            snprintf(buf, len, "writable data: %llu bytes in the file, loaded into %llu bytes "
                               "of memory (the other %llu lie past the section's file bytes: "
                               "zero-filled)", file, vm, vm - file);
        else
            snprintf(buf, len, "writable data: %llu bytes in the file, loaded into %llu bytes "
                               "of memory", file, vm);
        break;
    case SS_KIND_RELRO:
        snprintf(buf, len, "writable data that holds pointers, made read-only after relocation "
                           "(RELRO): %llu file bytes, %llu bytes of memory", file, vm);
        break;
    case SS_KIND_RODATA:
        snprintf(buf, len, "read-only data: %llu file bytes, %llu bytes of memory", file, vm);
        break;
    case SS_KIND_CODE:
        snprintf(buf, len, "code: %llu file bytes, %llu bytes of memory", file, vm);
        break;
    case SS_KIND_DEBUG:
        snprintf(buf, len, "debug information: %llu file bytes, not loaded", file);
        break;
    default:
        if (vm == 0 && file)
            snprintf(buf, len, "%llu file bytes, not loaded", file);
        else
            snprintf(buf, len, "%llu file bytes, %llu bytes of memory", file, vm);
    }
    return buf;
}

/* ---- matching a NAME of `segscan where` ------------------------------------------------------ */

/* The part after the last "::" outside brackets of a demangled name ("app::BUFFER" ->
 * "BUFFER"), or NULL when it is not qualified. */
static const char *last_part(const char *s)
{
    const char *last = NULL;
    int depth = 0;
    for (const char *p = s; *p; p++) {
        if (*p == '<' || *p == '(' || *p == '[')
            depth++;
        else if ((*p == '>' || *p == ')' || *p == ']') && depth > 0)
            depth--;
        else if (depth == 0 && p[0] == ':' && p[1] == ':')
            last = p + 2;
    }
    return last && *last ? last : NULL;
}

bool ss_symrow_matches(const char *pat, const ss_symrow *r, char lead)
{
    if (fnmatch(pat, r->name, 0) == 0 || fnmatch(pat, r->mangled, 0) == 0)
        return true;
    if (lead && r->mangled[0] == lead && fnmatch(pat, r->mangled + 1, 0) == 0)
        return true;
    const char *tail = last_part(r->name);
    return tail && fnmatch(pat, tail, 0) == 0;
}
