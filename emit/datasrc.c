/* datasrc.c - the -d tables (see datasrc.h).
 *
 * Each table is built from leaf items of the finer source, each with the index of its parent
 * in the coarser one: segments (loadable ones, plus the file bytes outside them), sections
 * (memory size and the file bytes the file map gives them, plus the map's headers, padding
 * and unmapped bytes, so the file column adds up to the file size), symbols (the symbol
 * layer's rows: overlaps and aliases counted once, each section's uncovered bytes in a
 * "[section NAME: no symbol]" row, plus the same non-section bytes). Rows are sorted by file
 * size (-s vm: memory size), the largest first; -n N keeps N rows per level and sums the rest
 * in one "[K others]" row. */
#include <inttypes.h> /* PRIu64 */
#include <stdlib.h>   /* calloc, qsort_r, free */
#include <string.h>   /* strcmp, strchr */

#include "../core/debuginfo.h"
#include "../core/sizes.h"
#include "datasrc.h"
#include "emit_internal.h"
#include "escape.h"

static const char *const SOURCE_NAMES[SS_DS_COUNT] = {
    "members", "segments", "sections", "crates", "compileunits", "inputfiles", "symbols"};
#define SOURCE_LIST "members, segments, sections, crates, compileunits, inputfiles, symbols"

bool ss_datasrc_parse(const char *list, ss_emit_opts *o, const char **why)
{
    o->nsources = 0;
    const char *p = list;
    while (*p) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        size_t k = 0;
        while (k < SS_DS_COUNT &&
               !(strlen(SOURCE_NAMES[k]) == len && strncmp(SOURCE_NAMES[k], p, len) == 0))
            k++;
        if (k == SS_DS_COUNT) {
            *why = "unknown data source (" SOURCE_LIST ")";
            return false;
        }
        if (o->nsources == 2) {
            *why = "at most two data sources";
            return false;
        }
        if (o->nsources == 1 && (size_t)o->sources[0] >= k) {
            *why = "the second data source must be finer than the first (" SOURCE_LIST ")";
            return false;
        }
        o->sources[o->nsources++] = (ss_datasrc)k;
        p += len;
        if (*p == ',')
            p++;
    }
    if (o->nsources == 0) {
        *why = "no data source";
        return false;
    }
    return true;
}

bool ss_datasrc_wants_symbols(const ss_emit_opts *o)
{
    for (size_t i = 0; i < o->nsources; i++)
        if (o->sources[i] == SS_DS_SYMBOLS)
            return true;
    return false;
}

int ss_datasrc_wants_debug(const ss_emit_opts *o)
{
    int w = 0;
    for (size_t i = 0; i < o->nsources; i++) {
        if (o->sources[i] == SS_DS_INPUTFILES)
            w = 2;
        else if ((o->sources[i] == SS_DS_CRATES || o->sources[i] == SS_DS_COMPILEUNITS) && w < 1)
            w = 1;
    }
    return w;
}

/* ---- items ---------------------------------------------------------------------------------- */

typedef struct {
    const char *name;
    size_t parent; /* index into the parents, or 0 with one level */
    uint64_t vm, file;
} item;

typedef struct {
    item *v;
    size_t n, cap;
    item *parents;
    size_t np, capp;
    char **owned;
    size_t nowned, capo;
    bool oom;
    bool merge_all; /* rows of one name under one parent are one row (not only "[...]" ones) */
} table;

static item *push(item **v, size_t *n, size_t *cap, bool *oom)
{
    if (*n == *cap) {
        size_t nc = *cap ? *cap * 2 : 64;
        item *nv = realloc(*v, nc * sizeof *nv);
        if (nv == NULL) {
            *oom = true;
            return NULL;
        }
        *v = nv;
        *cap = nc;
    }
    item *it = &(*v)[(*n)++];
    *it = (item){0};
    return it;
}

static void add(table *t, const char *name, size_t parent, uint64_t vm, uint64_t file)
{
    item *it = push(&t->v, &t->n, &t->cap, &t->oom);
    if (it)
        *it = (item){name, parent, vm, file};
}

static size_t add_parent(table *t, const char *name)
{
    item *it = push(&t->parents, &t->np, &t->capp, &t->oom);
    if (it == NULL)
        return 0;
    it->name = name;
    return t->np - 1;
}

/* Takes ownership of s (freed with the table); "?" when s is NULL or out of memory. */
static const char *keep(table *t, char *s)
{
    if (s != NULL && t->nowned == t->capo) {
        size_t nc = t->capo ? t->capo * 2 : 16;
        char **v = realloc(t->owned, nc * sizeof *v);
        if (v == NULL) {
            free(s);
            s = NULL;
        } else {
            t->owned = v;
            t->capo = nc;
        }
    }
    if (s == NULL) {
        t->oom = true;
        return "?";
    }
    t->owned[t->nowned++] = s;
    return s;
}

static void table_free(table *t)
{
    for (size_t i = 0; i < t->nowned; i++)
        free(t->owned[i]);
    free(t->owned);
    free(t->v);
    free(t->parents);
}

static const char *seg_label(table *t, const ss_image *im, size_t i)
{
    char *s = NULL;
    if (asprintf(&s, "%s #%zu", im->segments[i].name[0] ? im->segments[i].name : "(unnamed)",
                 i) < 0)
        s = NULL;
    return keep(t, s);
}

static const char *map_label(const ss_image *im, const ss_map_entry *e)
{
    switch (e->what) {
    case SS_MAP_REGION: return im->regions[e->index].name;
    case SS_MAP_PADDING: return "[Padding]";
    default: return "[Unmapped]";
    }
}

/* Parent indices of an image's segments (loadable ones) and of "[outside loadable
 * segments]", when the coarser level is segments. */
typedef struct {
    size_t *of_seg;
    size_t outside;
} seg_parents;

static bool make_seg_parents(table *t, const ss_image *im, seg_parents *sp)
{
    sp->of_seg = calloc(im->nsegments ? im->nsegments : 1, sizeof *sp->of_seg);
    if (sp->of_seg == NULL)
        return false;
    for (size_t i = 0; i < im->nsegments; i++)
        if (im->segments[i].loadable)
            sp->of_seg[i] = add_parent(t, seg_label(t, im, i));
    sp->outside = add_parent(t, "[outside loadable segments]");
    return true;
}

static size_t seg_parent_at(const ss_image *im, const seg_parents *sp, uint64_t off)
{
    for (size_t i = 0; i < im->nsegments; i++) {
        const ss_segment *g = &im->segments[i];
        if (g->loadable && off >= g->offset && off - g->offset < g->file_size)
            return sp->of_seg[i];
    }
    return sp->outside;
}

static bool is_debug(ss_datasrc s)
{
    return s == SS_DS_CRATES || s == SS_DS_COMPILEUNITS || s == SS_DS_INPUTFILES;
}

/* The file map's bytes that belong to no section, as items. */
static void add_non_section(table *t, const ss_image *im, ss_datasrc parent, const seg_parents *sp,
                            size_t fixed_parent)
{
    /* Under sections, all padding is one parent and all unmapped bytes another (a file can
     * have a gap between every two sections); each named region is its own. */
    size_t gap_parent[2] = {SIZE_MAX, SIZE_MAX};
    for (size_t i = 0; i < im->nmap; i++) {
        const ss_map_entry *e = &im->map[i];
        if (e->what == SS_MAP_SECTION)
            continue;
        const char *name = map_label(im, e);
        size_t p = fixed_parent;
        if (parent == SS_DS_SEGMENTS) {
            p = seg_parent_at(im, sp, e->offset);
        } else if (parent == SS_DS_SECTIONS || is_debug(parent)) {
            size_t *g = e->what == SS_MAP_PADDING    ? &gap_parent[0]
                        : e->what == SS_MAP_UNMAPPED ? &gap_parent[1]
                                                     : NULL;
            if (g && *g != SIZE_MAX) {
                p = *g;
            } else {
                p = add_parent(t, name);
                if (g)
                    *g = p;
            }
        }
        add(t, name, p, 0, e->size);
    }
}

/* ---- sources from the debug information (core/debuginfo.h) ----------------------------------- */

static ss_debug_name level_of(ss_datasrc s)
{
    return s == SS_DS_CRATES ? SS_DN_CRATE : s == SS_DS_INPUTFILES ? SS_DN_FILE : SS_DN_UNIT;
}

/* Parents from a debug source: one per unit's group (crate or unit; units of one crate share
 * theirs), one "[no debug info: SECTION]" per section. */
typedef struct {
    size_t *of_unit, *of_none;
    size_t *crate_parents; /* parent indices of crates seen so far */
    size_t ncrates;
} dbg_parents;

static bool dbg_parents_init(dbg_parents *dp, const ss_image *im)
{
    size_t nu = im->debug ? im->debug->nunits : 0;
    dp->of_unit = malloc((nu ? nu : 1) * sizeof *dp->of_unit);
    dp->crate_parents = malloc((nu ? nu : 1) * sizeof *dp->crate_parents);
    dp->of_none = malloc((im->nsections ? im->nsections : 1) * sizeof *dp->of_none);
    dp->ncrates = 0;
    if (!dp->of_unit || !dp->of_none || !dp->crate_parents)
        return false;
    memset(dp->of_unit, 0xff, (nu ? nu : 1) * sizeof *dp->of_unit);
    memset(dp->of_none, 0xff, (im->nsections ? im->nsections : 1) * sizeof *dp->of_none);
    return true;
}

static void dbg_parents_free(dbg_parents *dp)
{
    free(dp->of_unit), free(dp->of_none), free(dp->crate_parents);
}

/* The parent of piece p when the coarser source is a debug one. */
static size_t dbg_parent(table *t, const ss_image *im, const ss_debug_piece *p, ss_datasrc parent,
                         dbg_parents *dp)
{
    char buf[320];
    if (p->unit == SS_DEBUG_NONE) {
        size_t *slot = &dp->of_none[p->section];
        if (*slot == SIZE_MAX)
            *slot = add_parent(t, keep(t, strdup(ss_debug_piece_name(im, p, SS_DN_UNIT, buf,
                                                                     sizeof buf))));
        return *slot;
    }
    size_t *slot = &dp->of_unit[p->unit];
    if (*slot != SIZE_MAX)
        return *slot;
    const char *name = ss_debug_piece_name(im, p, level_of(parent), buf, sizeof buf);
    if (parent == SS_DS_CRATES) {
        for (size_t i = 0; i < dp->ncrates; i++)
            if (strcmp(t->parents[dp->crate_parents[i]].name, name) == 0)
                return *slot = dp->crate_parents[i];
        *slot = add_parent(t, name);
        dp->crate_parents[dp->ncrates++] = *slot;
        return *slot;
    }
    return *slot = add_parent(t, name);
}

/* The parent of piece p for any coarser source. */
static size_t piece_parent(table *t, const ss_image *im, const ss_debug_piece *p,
                           ss_datasrc parent, const seg_parents *sp, size_t sec_base,
                           size_t fixed_parent, dbg_parents *dp)
{
    if (parent == SS_DS_SEGMENTS) {
        int64_t g = im->sections[p->section].segment;
        return g >= 0 ? sp->of_seg[g] : sp->outside;
    }
    if (parent == SS_DS_SECTIONS)
        return sec_base + (size_t)p->section;
    if (is_debug(parent))
        return dbg_parent(t, im, p, parent, dp);
    return fixed_parent;
}

/* Items of a debug source (crates, compileunits, inputfiles) under any coarser source. */
static void debug_leaf_items(table *t, const ss_image *im, ss_datasrc leaf, ss_datasrc parent,
                             const seg_parents *sp, size_t sec_base, size_t fixed_parent)
{
    ss_debug_piece *pv;
    size_t n;
    dbg_parents dp = {0};
    if (!dbg_parents_init(&dp, im) ||
        !ss_debug_pieces(im, leaf == SS_DS_INPUTFILES || parent == SS_DS_INPUTFILES ? SS_DG_FILE
                                                                                   : SS_DG_UNIT,
                         &pv, &n)) {
        dbg_parents_free(&dp);
        t->oom = true;
        return;
    }
    char buf[320];
    for (size_t i = 0; i < n && !t->oom; i++) {
        const ss_debug_piece *p = &pv[i];
        size_t par = piece_parent(t, im, p, parent, sp, sec_base, fixed_parent, &dp);
        const char *name = ss_debug_piece_name(im, p, level_of(leaf), buf, sizeof buf);
        if (name == buf)
            name = keep(t, strdup(buf));
        add(t, name, par, p->vm, p->file_bytes);
    }
    free(pv);
    dbg_parents_free(&dp);
}

/* Symbols under a debug source: each symbol's counted bytes split by the units (or files) whose
 * ranges they lie in; per parent the bytes no symbol covers are one "[no symbol]" row. */
static void debug_symbol_items(table *t, const ss_image *im, const ss_symtab *st,
                               ss_datasrc parent)
{
    ss_debug_piece *pv;
    size_t n;
    dbg_parents dp = {0};
    if (!dbg_parents_init(&dp, im) ||
        !ss_debug_pieces(im, parent == SS_DS_INPUTFILES ? SS_DG_FILE : SS_DG_UNIT, &pv, &n)) {
        dbg_parents_free(&dp);
        t->oom = true;
        return;
    }
    uint64_t *cov_vm = calloc(n ? n : 1, sizeof *cov_vm), *cov_file = calloc(n ? n : 1, sizeof *cov_file);
    if (cov_vm == NULL || cov_file == NULL) {
        free(cov_vm), free(cov_file), free(pv);
        dbg_parents_free(&dp);
        t->oom = true;
        return;
    }
    size_t pi = 0, ri = 0;
    for (size_t si = 0; si < im->nsections && !t->oom; si++) {
        const ss_section *sec = &im->sections[si];
        size_t pa = pi; /* this section's pieces: [pa, pb), the remainder (if any) last */
        while (pi < n && pv[pi].section == (int64_t)si)
            pi++;
        size_t pb = pi;
        uint64_t file_lim = sec->file_size;
        uint64_t nosym_vm = 0, nosym_file = 0, unit_nosym_vm = 0, unit_nosym_file = 0;
        size_t j = pa;
        for (; ri < st->n && st->rows[ri].section == (int64_t)si; ri++) {
            const ss_symrow *r = &st->rows[ri];
            if (r->alias_of >= 0)
                continue;
            if (r->nosym) {
                nosym_vm += r->row_vm;
                nosym_file += r->row_file;
                continue;
            }
            if (r->row_vm == 0 && r->row_file == 0)
                continue;
            /* The bytes the row counts: [end - row_vm, end), end clipped to the section. */
            uint64_t end = r->offset + r->size < r->offset ? UINT64_MAX : r->offset + r->size;
            if (end > sec->vm_size)
                end = sec->vm_size;
            uint64_t lo = end - r->row_vm, left_vm = r->row_vm, left_file = r->row_file;
            while (j < pb && pv[j].unit != SS_DEBUG_NONE && pv[j].lo + pv[j].vm <= lo)
                j++;
            for (size_t k = j; k < pb && pv[k].unit != SS_DEBUG_NONE && pv[k].lo < end; k++) {
                uint64_t a = pv[k].lo > lo ? pv[k].lo : lo;
                uint64_t b = pv[k].lo + pv[k].vm < end ? pv[k].lo + pv[k].vm : end;
                if (b <= a)
                    continue;
                uint64_t fb = a < file_lim ? (b < file_lim ? b : file_lim) - a : 0;
                if (fb > left_file)
                    fb = left_file;
                add(t, keep(t, strdup(r->name)), dbg_parent(t, im, &pv[k], parent, &dp), b - a, fb);
                cov_vm[k] += b - a;
                cov_file[k] += fb;
                left_vm -= b - a;
                left_file -= fb;
            }
            if (left_vm || left_file) {
                ss_debug_piece none = {(int64_t)si, SS_DEBUG_NONE, SS_DEBUG_NONE, 0, 0, 0};
                add(t, keep(t, strdup(r->name)), dbg_parent(t, im, &none, parent, &dp), left_vm,
                    left_file);
            }
        }
        /* Each unit piece's bytes no symbol took; what is left of the section's no-symbol
         * bytes lies where no unit is. */
        for (size_t k = pa; k < pb; k++) {
            if (pv[k].unit == SS_DEBUG_NONE)
                continue;
            uint64_t pf = pv[k].lo < file_lim
                              ? (pv[k].lo + pv[k].vm < file_lim ? pv[k].vm : file_lim - pv[k].lo)
                              : 0;
            uint64_t v = pv[k].vm - cov_vm[k], f = pf > cov_file[k] ? pf - cov_file[k] : 0;
            if (v > nosym_vm - unit_nosym_vm)
                v = nosym_vm - unit_nosym_vm;
            if (f > nosym_file - unit_nosym_file)
                f = nosym_file - unit_nosym_file;
            if (v || f)
                add(t, "[no symbol]", dbg_parent(t, im, &pv[k], parent, &dp), v, f);
            unit_nosym_vm += v;
            unit_nosym_file += f;
        }
        if (nosym_vm > unit_nosym_vm || nosym_file > unit_nosym_file) {
            ss_debug_piece none = {(int64_t)si, SS_DEBUG_NONE, SS_DEBUG_NONE, 0, 0, 0};
            add(t, "[no symbol]", dbg_parent(t, im, &none, parent, &dp), nosym_vm - unit_nosym_vm,
                nosym_file - unit_nosym_file);
        }
    }
    free(cov_vm), free(cov_file), free(pv);
    dbg_parents_free(&dp);
}

/* Items of source leaf for one image; parent: the coarser source (or leaf itself with one
 * level: every parent index is then fixed_parent). */
static bool image_items(table *t, const ss_image *im, ss_datasrc leaf, ss_datasrc parent,
                        size_t fixed_parent, const ss_emit_opts *o)
{
    seg_parents sp = {0};
    size_t sec_base = 0;
    if (parent == SS_DS_SEGMENTS && leaf != SS_DS_SEGMENTS && !make_seg_parents(t, im, &sp))
        return false;
    if (parent == SS_DS_SECTIONS) {
        sec_base = t->np;
        for (size_t i = 0; i < im->nsections; i++)
            add_parent(t, im->sections[i].name ? im->sections[i].name : "");
    }
    switch (leaf) {
    case SS_DS_MEMBERS:
    case SS_DS_COUNT: break;
    case SS_DS_CRATES:
    case SS_DS_COMPILEUNITS:
    case SS_DS_INPUTFILES:
        t->merge_all = true; /* a crate's or file's rows from several units are one row */
        debug_leaf_items(t, im, leaf, parent, &sp, sec_base, fixed_parent);
        add_non_section(t, im, parent, &sp, fixed_parent);
        break;
    case SS_DS_SEGMENTS: {
        uint64_t in = 0;
        for (size_t i = 0; i < im->nsegments; i++) {
            const ss_segment *g = &im->segments[i];
            if (!g->loadable)
                continue;
            add(t, seg_label(t, im, i), fixed_parent, g->vm_size, g->file_size);
            ss_sat_add(&in, g->file_size);
        }
        if (im->file_size > in)
            add(t, "[outside loadable segments]", fixed_parent, 0, im->file_size - in);
        break;
    }
    case SS_DS_SECTIONS:
        for (size_t i = 0; i < im->nsections; i++) {
            const ss_section *s = &im->sections[i];
            if (s->vm_size == 0 && s->file_accounted == 0)
                continue;
            size_t p = fixed_parent;
            if (parent == SS_DS_SEGMENTS)
                p = s->segment >= 0 ? sp.of_seg[s->segment] : sp.outside;
            add(t, s->name ? s->name : "", p, s->vm_size, s->file_accounted);
        }
        add_non_section(t, im, parent, &sp, fixed_parent);
        break;
    case SS_DS_SYMBOLS: {
        ss_symtab st;
        if (im->tables_status != SS_OK) {
            add(t, "[symbol tables unreadable]", fixed_parent, 0, 0);
            break;
        }
        if (!ss_symtab_build(im, !o->no_demangle, &st)) {
            t->oom = true;
            break;
        }
        if (is_debug(parent)) {
            debug_symbol_items(t, im, &st, parent);
        }
        for (size_t i = 0; !is_debug(parent) && i < st.n; i++) {
            const ss_symrow *r = &st.rows[i];
            if (r->alias_of >= 0 || (r->row_vm == 0 && r->row_file == 0))
                continue;
            size_t p = fixed_parent;
            if (parent == SS_DS_SEGMENTS)
                p = r->segment >= 0 ? sp.of_seg[r->segment] : sp.outside;
            else if (parent == SS_DS_SECTIONS)
                p = sec_base + (size_t)r->section;
            char *nm = strdup(r->name);
            add(t, keep(t, nm), p, r->row_vm, r->row_file);
        }
        ss_symtab_free(&st);
        add_non_section(t, im, parent, &sp, fixed_parent);
        break;
    }
    }
    free(sp.of_seg);
    return !t->oom;
}

/* ---- printing ------------------------------------------------------------------------------- */

static int key_cmp(bool by_vm, uint64_t fa, uint64_t va, uint64_t fb, uint64_t vb,
                   const char *na, const char *nb)
{
    uint64_t ka = by_vm ? va : fa, kb = by_vm ? vb : fb;
    uint64_t sa = by_vm ? fa : va, sb = by_vm ? fb : vb;
    if (ka != kb)
        return ka > kb ? -1 : 1;
    if (sa != sb)
        return sa > sb ? -1 : 1;
    return strcmp(na, nb);
}

/* ctx: a bool, true to sort by memory size (-s vm). */
static int item_cmp(const void *a, const void *b, void *ctx)
{
    const item *x = a, *y = b;
    if (x->parent != y->parent)
        return x->parent < y->parent ? -1 : 1;
    return key_cmp(*(const bool *)ctx, x->file, x->vm, y->file, y->vm, x->name, y->name);
}

static int parent_cmp(const void *a, const void *b, void *ctx)
{
    const item *x = a, *y = b;
    return key_cmp(*(const bool *)ctx, x->file, x->vm, y->file, y->vm, x->name, y->name);
}

/* On a terminal narrower than a row with the human units and a 16-column name (two-level
 * tables indent by 4), the human units go; a name longer than what is left is cut in the middle.
 * Without a width (a pipe) rows are as wide as they need. */
#define ROW_WIDE 58   /* "  " file 12, human 10, vm 12, human 10, file% 6, "  " */
#define ROW_NARROW 36 /* the same without the human units */

static bool row_human(const ss_term *t)
{
    return t->width == 0 || t->width >= ROW_WIDE + 4 + 16;
}

static void row(FILE *f, const ss_term *t, int indent, const char *name, uint64_t file,
                uint64_t vm, uint64_t whole)
{
    char hf[16], hv[16], p[16], nb[1024], cut[1024];
    if (whole)
        snprintf(p, sizeof p, "%.1f%%", 100.0 * (double)file / (double)whole);
    else
        snprintf(p, sizeof p, "-");
    size_t nw = ss_escape_text(name, nb, sizeof nb);
    bool human = row_human(t);
    size_t room = (human ? ROW_WIDE : ROW_NARROW) + (size_t)indent;
    if (t->width && room + nw > t->width) {
        size_t max = t->width > room + 8 ? t->width - room : 8;
        ss_term_shorten(nb, nw, max, t->utf8, cut, sizeof cut);
        memcpy(nb, cut, sizeof nb);
    }
    if (human)
        fprintf(f, "  %12" PRIu64 " %-10s %12" PRIu64 " %-10s %6s  %*s%s\n", file,
                ss_human(file, hf), vm, ss_human(vm, hv), p, indent, "", nb);
    else
        fprintf(f, "  %12" PRIu64 " %12" PRIu64 " %6s  %*s%s\n", file, vm, p, indent, "", nb);
}

static void others(FILE *f, const ss_term *t, int indent, size_t k, uint64_t file, uint64_t vm,
                   uint64_t whole)
{
    char name[64];
    snprintf(name, sizeof name, "[%zu other%s]", k, k == 1 ? "" : "s");
    row(f, t, indent, name, file, vm, whole);
}

/* Rows [a, b) of t->v (one parent's), sorted; top N, the rest summed. */
static void print_children(FILE *f, const ss_term *t, const item *v, size_t a, size_t b,
                           size_t top, int indent, uint64_t whole)
{
    size_t shown = top && top < b - a ? top : b - a;
    uint64_t of = 0, ov = 0;
    for (size_t i = a; i < b; i++) {
        if (i - a < shown)
            row(f, t, indent, v[i].name, v[i].file, v[i].vm, whole);
        else {
            ss_sat_add(&of, v[i].file);
            ss_sat_add(&ov, v[i].vm);
        }
    }
    if (shown < b - a)
        others(f, t, indent, b - a - shown, of, ov, whole);
}

/* One level: items of one name (the padding between sections, a member name twice) summed
 * into one row; t->v is sorted, so equal names of equal parent are found with one more sort. */
static int name_cmp(const void *a, const void *b)
{
    const item *x = a, *y = b;
    if (x->parent != y->parent)
        return x->parent < y->parent ? -1 : 1;
    return strcmp(x->name, y->name);
}

static void merge_same(table *t, bool by_vm)
{
    if (t->n < 2) {
        qsort_r(t->v, t->n, sizeof *t->v, item_cmp, &by_vm);
        return;
    }
    qsort(t->v, t->n, sizeof *t->v, name_cmp);
    size_t k = 0;
    for (size_t i = 1; i < t->n; i++) {
        if (t->v[i].parent == t->v[k].parent && strcmp(t->v[i].name, t->v[k].name) == 0 &&
            (t->v[i].name[0] == '[' || t->merge_all)) {
            ss_sat_add(&t->v[k].file, t->v[i].file);
            ss_sat_add(&t->v[k].vm, t->v[i].vm);
        } else {
            t->v[++k] = t->v[i];
        }
    }
    t->n = k + 1;
    qsort_r(t->v, t->n, sizeof *t->v, item_cmp, &by_vm);
}

static void print_table(FILE *f, table *t, bool two, const ss_emit_opts *o, const char *what)
{
    bool by_vm = o->sort_vm;
    uint64_t tf = 0, tv = 0;
    for (size_t i = 0; i < t->n; i++) {
        ss_sat_add(&tf, t->v[i].file);
        ss_sat_add(&tv, t->v[i].vm);
        if (two) {
            ss_sat_add(&t->parents[t->v[i].parent].file, t->v[i].file);
            ss_sat_add(&t->parents[t->v[i].parent].vm, t->v[i].vm);
        }
    }
    char head[160];
    if (row_human(&o->term))
        snprintf(head, sizeof head, "  %12s %-10s %12s %-10s %6s  %s (by %s size)", "file size", "",
                 "vm size", "", "file%", what, o->sort_vm ? "vm" : "file");
    else
        snprintf(head, sizeof head, "  %12s %12s %6s  %s (by %s size)", "file size", "vm size",
                 "file%", what, o->sort_vm ? "vm" : "file");
    ss_term_wrap(f, &o->term, 0, ROW_NARROW, head);
    merge_same(t, by_vm);
    if (!two) {
        print_children(f, &o->term, t->v, 0, t->n, o->top, 0, tf);
    } else {
        /* Parents in size order, each followed by its children; empty parents left out. */
        size_t *start = calloc(t->np + 1, sizeof *start);
        size_t *order = calloc(t->np ? t->np : 1, sizeof *order);
        item *ps = calloc(t->np ? t->np : 1, sizeof *ps);
        if (start == NULL || order == NULL || ps == NULL) {
            free(start), free(order), free(ps);
            t->oom = true;
            return;
        }
        for (size_t i = 0; i < t->n; i++)
            start[t->v[i].parent + 1]++;
        for (size_t p = 0; p < t->np; p++)
            start[p + 1] += start[p];
        size_t nps = 0;
        for (size_t p = 0; p < t->np; p++)
            if (start[p + 1] > start[p]) {
                ps[nps] = t->parents[p];
                ps[nps].parent = p; /* its own index, carried through the sort */
                nps++;
            }
        qsort_r(ps, nps, sizeof *ps, parent_cmp, &by_vm);
        size_t shown = o->top && o->top < nps ? o->top : nps;
        uint64_t of = 0, ov = 0;
        for (size_t k = 0; k < nps; k++) {
            if (k >= shown) {
                ss_sat_add(&of, ps[k].file);
                ss_sat_add(&ov, ps[k].vm);
                continue;
            }
            row(f, &o->term, 0, ps[k].name, ps[k].file, ps[k].vm, tf);
            size_t a = start[ps[k].parent], b = start[ps[k].parent + 1];
            /* A region under sections is its own only child: not repeated. */
            if (b - a > 1 || strcmp(t->v[a].name, ps[k].name) != 0)
                print_children(f, &o->term, t->v, a, b, o->top, 4, tf);
        }
        if (shown < nps)
            others(f, &o->term, 0, nps - shown, of, ov, tf);
        free(start), free(order), free(ps);
    }
    row(f, &o->term, 0, "TOTAL", tf, tv, tf);
}

static void title(FILE *f, const char *path, const char *member)
{
    char pb[512], mb[256];
    fputs(ss_esc_text(path ? path : "", pb, sizeof pb), f);
    if (member)
        fprintf(f, "(%s)", ss_esc_text(member, mb, sizeof mb));
    fputs(":\n", f);
}

/* Where the units came from, or why there are none, and a debug file that did not match. */
static void debug_notes(FILE *f, const ss_image *im)
{
    const ss_debuginfo *di = im->debug;
    char mb[600];
    if (di == NULL) {
        fprintf(f, "  note: debug information not read (out of memory)\n");
        return;
    }
    if (di->warning)
        fprintf(f, "  warning: %s\n", ss_esc_text(di->warning, mb, sizeof mb));
    if (di->status != SS_OK)
        fprintf(f, "  note: %s\n", ss_esc_text(di->diag.msg, mb, sizeof mb));
    else if (di->from)
        fprintf(f, "  debug information from %s\n", ss_esc_text(di->from, mb, sizeof mb));
}

void ss_text_datasrc(FILE *f, const ss_input *in, const ss_emit_opts *o)
{
    bool two = o->nsources == 2;
    ss_datasrc top = o->sources[0], leaf = o->sources[o->nsources - 1];
    char what[64];
    snprintf(what, sizeof what, "%s%s%s", SOURCE_NAMES[top], two ? " / " : "",
             two ? SOURCE_NAMES[leaf] : "");
    if (top == SS_DS_MEMBERS) {
        table t = {0};
        for (size_t u = 0; u < in->nunits; u++) {
            const ss_image *im = in->units[u].image;
            if (im == NULL)
                continue;
            const char *label = in->units[u].member ? in->units[u].member : in->path;
            if (!two) {
                ss_sizes sz;
                ss_sizes_compute(im, &sz);
                add(&t, label, 0, sz.vm_total, in->units[u].size);
            } else {
                image_items(&t, im, leaf, SS_DS_MEMBERS, add_parent(&t, label), o);
            }
        }
        /* The container's own bytes (archive headers and index, universal header, padding),
         * so the file column adds up to the file's size. */
        uint64_t cb = ss_input_container_bytes(in);
        const char *cname = in->container == SS_CONTAINER_ARCHIVE ? "[archive headers and index]"
                                                                  : "[container headers]";
        if (cb)
            add(&t, cname, two ? add_parent(&t, cname) : 0, 0, cb);
        title(f, in->path, NULL);
        if (!t.oom)
            print_table(f, &t, two, o, what);
        if (t.oom)
            fprintf(f, "  (out of memory)\n");
        table_free(&t);
        return;
    }
    for (size_t u = 0; u < in->nunits; u++) {
        const ss_image *im = in->units[u].image;
        if (im == NULL)
            continue;
        table t = {0};
        title(f, im->path, im->member);
        /* One level: MEMBERS as the parent source means "no parent" for an image's items. */
        if (image_items(&t, im, leaf, two ? top : SS_DS_MEMBERS, 0, o))
            print_table(f, &t, two, o, what);
        if (t.oom)
            fprintf(f, "  (out of memory)\n");
        if (leaf == SS_DS_SYMBOLS && im->tables_status != SS_OK) {
            char mb[512];
            fprintf(f, "  warning: symbol tables unreadable: %s\n",
                    ss_esc_text(im->tables_diag.msg, mb, sizeof mb));
        }
        if (ss_datasrc_wants_debug(o))
            debug_notes(f, im);
        table_free(&t);
        fputc('\n', f);
    }
}

/* ---- JSON ----------------------------------------------------------------------------------- */

/* One array of rows {"name", "vm_size", "file_size"} of a debug source, largest first. */
static void json_debug_rows(ss_jw *w, const ss_image *im, ss_datasrc src, const ss_emit_opts *o)
{
    table t = {0};
    if (!image_items(&t, im, src, SS_DS_MEMBERS, 0, o)) {
        table_free(&t);
        ss_jw_null(w, SOURCE_NAMES[src]);
        return;
    }
    merge_same(&t, o->sort_vm);
    ss_jw_arr(w, SOURCE_NAMES[src]);
    for (size_t i = 0; i < t.n; i++) {
        ss_jw_obj(w, NULL);
        ss_jw_str(w, "name", t.v[i].name);
        ss_jw_u64(w, "vm_size", t.v[i].vm);
        ss_jw_u64(w, "file_size", t.v[i].file);
        ss_jw_end_obj(w);
    }
    ss_jw_end_arr(w);
    table_free(&t);
}

void ss_json_debug(ss_jw *w, const ss_image *im, const ss_emit_opts *o)
{
    if (!ss_datasrc_wants_debug(o))
        return;
    const ss_debuginfo *di = im->debug;
    ss_jw_obj(w, "debuginfo");
    ss_jw_bool(w, "read", di && di->status == SS_OK);
    if (di && di->status == SS_OK)
        ss_jw_null(w, "message");
    else
        ss_jw_str(w, "message", di ? di->diag.msg : "out of memory");
    if (di && di->from)
        ss_jw_str(w, "from", di->from);
    else
        ss_jw_null(w, "from");
    if (di && di->warning)
        ss_jw_str(w, "warning", di->warning);
    else
        ss_jw_null(w, "warning");
    ss_jw_u64(w, "units", di && di->status == SS_OK ? di->nunits : 0);
    ss_jw_end_obj(w);
    bool seen[SS_DS_COUNT] = {0};
    for (size_t i = 0; i < o->nsources; i++) {
        ss_datasrc s = o->sources[i];
        if (is_debug(s) && !seen[s]) {
            seen[s] = true;
            json_debug_rows(w, im, s, o);
        }
    }
}
