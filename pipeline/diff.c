/* diff.c - the document of `segscan diff BASE NEW`: what changed between two builds.
 *
 * Pairs the images of the two inputs (a plain file with a plain file, archive members and
 * universal slices by name), then per pair builds tables of segments, sections (plus the
 * header, padding and unmapped bytes of the file map, so the file column sums to the file size)
 * and kinds with VM and file size before and after, the totals and the analyzers' figures, and
 * the permission changes as findings. emit/diff_out.c renders the result; cmd/diff.c is the
 * command. */
#include <stdio.h>  /* snprintf */
#include <stdlib.h> /* calloc, qsort, free */
#include <string.h> /* strcmp, strdup */

#include "checks.h"
#include "analysis.h"
#include "pipeline.h"
#include "sizes.h"
#include "diff_debug.h"
#include "diff_symbols.h"

/* ---- names to indices -----------------------------------------------------------------------
 * Rows, same-named sections and archive members are paired by name through this open-addressed
 * table (a linear search per name made diff quadratic in the number of sections or members).
 * Keys are (borrowed string, number); values are indices. */

typedef struct {
    const char *name;
    size_t k, val;
} slot;

typedef struct {
    slot *s;
    size_t cap, n;
} namemap;

static size_t name_hash(const char *name, size_t k)
{
    uint64_t h = 1469598103934665603ull ^ k; /* FNV-1a */
    for (const unsigned char *p = (const unsigned char *)name; *p; p++)
        h = (h ^ *p) * 1099511628211ull;
    return (size_t)(h ^ h >> 29);
}

/* The slot of (name, k): a filled one, or the empty one where it would go. NULL on OOM. */
static slot *map_find(namemap *m, const char *name, size_t k)
{
    if (2 * (m->n + 1) > m->cap) {
        size_t cap = m->cap ? m->cap * 2 : 64;
        slot *ns = calloc(cap, sizeof *ns);
        if (ns == NULL)
            return NULL;
        for (size_t i = 0; i < m->cap; i++) {
            if (m->s[i].name == NULL)
                continue;
            size_t j = name_hash(m->s[i].name, m->s[i].k) & (cap - 1);
            while (ns[j].name)
                j = (j + 1) & (cap - 1);
            ns[j] = m->s[i];
        }
        free(m->s);
        m->s = ns;
        m->cap = cap;
    }
    size_t j = name_hash(name, k) & (m->cap - 1);
    while (m->s[j].name && (m->s[j].k != k || strcmp(m->s[j].name, name) != 0))
        j = (j + 1) & (m->cap - 1);
    return &m->s[j];
}

/* ---- tables --------------------------------------------------------------------------------- */

typedef struct {
    ss_diff_row *rows;
    size_t n, cap;
    bool oom;
    namemap by_name; /* row name -> index */
} table_b;

static ss_diff_row *row_for(table_b *t, const char *base, size_t rank, bool region)
{
    slot *sl = map_find(&t->by_name, base, rank * 2 + region);
    if (sl == NULL) {
        t->oom = true;
        return NULL;
    }
    if (sl->name)
        return &t->rows[sl->val];
    if (t->n == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 16;
        ss_diff_row *p = realloc(t->rows, cap * sizeof *p);
        if (p == NULL) {
            t->oom = true;
            return NULL;
        }
        t->rows = p;
        t->cap = cap;
    }
    ss_diff_row *r = &t->rows[t->n];
    memset(r, 0, sizeof *r);
    r->rank = rank;
    r->region = region;
    if ((r->base = strdup(base)) == NULL) {
        t->oom = true;
        return NULL;
    }
    t->n++; /* owned from here: free_table frees base and name */
    if (rank > 1) {
        size_t cap = strlen(base) + 24;
        if ((r->name = malloc(cap)) != NULL)
            snprintf(r->name, cap, "%s #%zu", base, rank);
    } else {
        r->name = strdup(base);
    }
    if (r->name == NULL) {
        t->oom = true;
        return NULL;
    }
    /* The key borrows r->base, which lives as long as the table (rows move, strings do not). */
    *sl = (slot){r->base, rank * 2 + region, t->n - 1};
    t->by_name.n++;
    return r;
}

/* Adds one side's sizes to the row (base, rank, region) (summing the file map's rows of one
 * name, which have rank 1). */
static void put(table_b *t, const char *base, size_t rank, bool region, int side, uint64_t vm,
                uint64_t file, bool counted)
{
    ss_diff_row *r = row_for(t, base, rank, region);
    if (r == NULL)
        return;
    r->counted |= counted;
    r->vm.has[side] = r->file.has[side] = true;
    ss_sat_add(&r->vm.v[side], vm); /* same-named rows: a checked sum */
    ss_sat_add(&r->file.v[side], file);
}

/* k for the k-th row of that name on this side (1 for the first); seen counts the names so far
 * (it borrows name). 0 when out of memory. */
static size_t occurrence(const char *name, namemap *seen)
{
    slot *sl = map_find(seen, name, 0);
    if (sl == NULL)
        return 0;
    if (sl->name == NULL) {
        *sl = (slot){name, 0, 0};
        seen->n++;
    }
    return ++sl->val;
}

static void add_sections(table_b *t, const ss_image *im, int side)
{
    namemap seen = {0};
    for (size_t i = 0; i < im->nsections && !t->oom; i++) {
        const ss_section *s = &im->sections[i];
        size_t k = occurrence(s->name, &seen);
        if (k == 0)
            t->oom = true;
        else if (s->name[0] == '\0' && s->vm_size == 0 && s->file_size == 0)
            continue; /* ELF's null section 0: nothing to compare */
        else
            put(t, s->name, k, false, side, s->vm_size, s->file_size, true);
    }
    free(seen.s);
    /* Bytes no section owns, as the file map names them. */
    for (size_t i = 0; i < im->nmap; i++) {
        const ss_map_entry *e = &im->map[i];
        if (e->what == SS_MAP_REGION)
            put(t, im->regions[e->index].name, 1, true, side, 0, e->size, true);
        else if (e->what == SS_MAP_PADDING)
            put(t, "[Padding]", 1, true, side, 0, e->size, true);
        else if (e->what == SS_MAP_UNMAPPED)
            put(t, "[Unmapped]", 1, true, side, 0, e->size, true);
    }
}

static void add_segments(table_b *t, const ss_image *im, int side)
{
    char **keys = calloc(im->nsegments + 1, sizeof *keys);
    if (keys == NULL) {
        t->oom = true;
        return;
    }
    namemap seen = {0}; /* borrows keys[] */
    for (size_t i = 0; i < im->nsegments; i++) {
        const ss_segment *g = &im->segments[i];
        char p[4], key[300];
        /* ELF has many segments called LOAD: the permissions tell them apart. */
        snprintf(key, sizeof key, "%s %s", g->name, ss_perms_str(g->perms, p));
        size_t k = (keys[i] = strdup(key)) ? occurrence(keys[i], &seen) : 0;
        if (k == 0) {
            t->oom = true;
            break;
        }
        put(t, key, k, false, side, g->vm_size, g->file_size, g->loadable);
    }
    free(seen.s);
    for (size_t i = 0; i < im->nsegments; i++)
        free(keys[i]);
    free(keys);
}

static void add_kinds(table_b *t, const ss_image *im, int side)
{
    ss_sizes sz;
    ss_sizes_compute(im, &sz);
    for (int k = 0; k < SS_KIND_COUNT; k++)
        if (sz.kind_vm[k] || sz.kind_file[k])
            put(t, ss_kind_name((ss_kind)k), 1, false, side, sz.kind_vm[k], sz.kind_file[k],
                true);
}

static uint64_t absdelta(const ss_pair *p)
{
    int64_t d = ss_ci_delta(p);
    return d < 0 ? (uint64_t)0 - (uint64_t)d : (uint64_t)d;
}

static uint64_t larger(uint64_t a, uint64_t b)
{
    return a > b ? a : b;
}

static int row_cmp(const void *a, const void *b)
{
    const ss_diff_row *x = a, *y = b;
    uint64_t dx = larger(absdelta(&x->vm), absdelta(&x->file));
    uint64_t dy = larger(absdelta(&y->vm), absdelta(&y->file));
    if (dx != dy)
        return dx > dy ? -1 : 1;
    uint64_t sx = larger(larger(x->vm.v[0], x->vm.v[1]), larger(x->file.v[0], x->file.v[1]));
    uint64_t sy = larger(larger(y->vm.v[0], y->vm.v[1]), larger(y->file.v[0], y->file.v[1]));
    if (sx != sy)
        return sx > sy ? -1 : 1;
    int c = strcmp(x->base, y->base); /* the identity, not the printed name (may be NULL on OOM) */
    if (c != 0)
        return c;
    if (x->rank != y->rank)
        return x->rank < y->rank ? -1 : 1;
    return (int)x->region - (int)y->region;
}

static bool finish_table(table_b *t, ss_diff_table *out)
{
    free(t->by_name.s);
    t->by_name = (namemap){0};
    if (t->n)
        qsort(t->rows, t->n, sizeof *t->rows, row_cmp);
    out->rows = t->rows;
    out->n = t->n;
    return !t->oom;
}

/* ---- metrics and permissions ---------------------------------------------------------------- */

static void add_metrics(ss_diff_unit *u, const ss_image *im, int side, ss_notes *notes)
{
    ss_sizes sz;
    ss_sizes_compute(im, &sz);
    if (sz.saturated) /* the report carries this as the image's warning; diff has no place */
        ss_notes_add(notes, "segscan diff: %s%s%s%s: warning: %s", im->path,
                     im->member ? "(" : "", im->member ? im->member : "", im->member ? ")" : "",
                     SS_SIZES_SATURATED_WARNING);
    uint64_t v[SS_DM_COUNT] = {
        [SS_DM_FILE] = im->file_size, [SS_DM_VM] = sz.vm_total, [SS_DM_TEXT] = sz.text,
        [SS_DM_DATA] = sz.data, [SS_DM_BSS] = sz.bss,
    };
    for (int m = 0; m <= SS_DM_BSS; m++) {
        u->metrics[m].has[side] = true;
        u->metrics[m].v[side] = v[m];
    }
    const ss_analysis *an = im->analysis;
    if (an && (an->ran & SS_AN_BSS)) {
        u->metrics[SS_DM_MOVABLE].has[side] = u->metrics[SS_DM_ZERO_INIT].has[side] = true;
        u->metrics[SS_DM_MOVABLE].v[side] = an->bss.movable_bytes;
        u->metrics[SS_DM_ZERO_INIT].v[side] = an->bss.zero_init_bytes;
    }
    if (an && (an->ran & SS_AN_STRINGS)) {
        u->metrics[SS_DM_STRING_WASTE].has[side] = true;
        u->metrics[SS_DM_STRING_WASTE].v[side] =
            an->strings.duplicate_bytes + an->strings.tail_merge_bytes;
    }
    if (an && (an->ran & SS_AN_LITERALS)) {
        u->metrics[SS_DM_LITERAL_WASTE].has[side] = true;
        u->metrics[SS_DM_LITERAL_WASTE].v[side] = an->literals.duplicate_bytes;
    }
    if (an && (an->ran & SS_AN_PERMS)) {
        const ss_perms_result *p = &an->perms;
        ss_hval pv[SS_DP_COUNT] = {
            [SS_DP_PIE] = p->pie, [SS_DP_RELRO] = p->relro, [SS_DP_EXEC_STACK] = p->exec_stack,
            [SS_DP_NX] = p->nx, [SS_DP_WX_SEGMENTS] = p->wx_segments,
            [SS_DP_WX_SECTIONS] = p->wx_sections, [SS_DP_TEXTREL] = p->textrel,
        };
        for (int i = 0; i < SS_DP_COUNT; i++)
            u->perms[side][i] = ss_hval_name(pv[i]);
        size_t n;
        const ss_check_def *defs = ss_check_defs(&n);
        for (size_t i = 0; i < n && SS_DP_COUNT + i < SS_DP_ALL; i++)
            u->perms[side][SS_DP_COUNT + i] = ss_hval_name(ss_image_check_value(im, defs[i].key));
    }
}

static size_t count_wx_segments(const ss_image *im)
{
    size_t n = 0;
    for (size_t i = 0; i < im->nsegments; i++)
        n += im->segments[i].loadable && (im->segments[i].perms & 3) == 3;
    return n;
}

static bool wx_section_in(const ss_image *im, const char *name)
{
    for (size_t i = 0; i < im->nsections; i++)
        if (im->sections[i].alloc && (im->sections[i].perms & 3) == 3 &&
            strcmp(im->sections[i].name, name) == 0)
            return true;
    return false;
}

static ss_diff_change *add_change(ss_diff_unit *u, const char *id, bool regression)
{
    ss_diff_change *c = realloc(u->changes, (u->nchanges + 1) * sizeof *c);
    if (c == NULL)
        return NULL;
    u->changes = c;
    c = &u->changes[u->nchanges++];
    snprintf(c->id, sizeof c->id, "%s", id);
    c->regression = regression;
    c->message[0] = '\0';
    return c;
}

static int strength(ss_hval v)
{
    switch (v) {
    case SS_HV_NONE: return 0;
    case SS_HV_PARTIAL: return 1;
    case SS_HV_FULL: return 2;
    default: return -1;
    }
}

static const char *relro_word(ss_hval v)
{
    return v == SS_HV_FULL ? "full" : v == SS_HV_PARTIAL ? "partial" : "none";
}

/* The checks of core/checks.c: a protection that was yes and is now no or partial is lost
 * ("<key>-lost"), one that became yes gained; a hazard (rpath, runpath, debug info) that
 * appeared is new, one that went away gone. n-a and unknown on either side say nothing. */
static void check_changes(ss_diff_unit *u, const ss_image *a, const ss_image *b)
{
    size_t n;
    const ss_check_def *defs = ss_check_defs(&n);
    for (size_t i = 0; i < n; i++) {
        const ss_check_def *d = &defs[i];
        ss_hval x = ss_image_check_value(a, d->key), y = ss_image_check_value(b, d->key);
        bool known = (x == SS_HV_YES || x == SS_HV_NO || x == SS_HV_PARTIAL) &&
                     (y == SS_HV_YES || y == SS_HV_NO || y == SS_HV_PARTIAL);
        if (!known || x == y)
            continue;
        char id[40];
        ss_diff_change *c;
        if (d->sense == SS_CHECK_PROTECTION) {
            bool lost = x == SS_HV_YES || (x == SS_HV_PARTIAL && y == SS_HV_NO);
            snprintf(id, sizeof id, "%s-%s", d->key, lost ? "lost" : "gained");
            if ((c = add_change(u, id, lost)))
                snprintf(c->message, sizeof c->message, "%s %s (%s \xe2\x86\x92 %s)",
                         lost ? "lost" : "gained", d->label, ss_hval_name(x), ss_hval_name(y));
        } else {
            bool appeared = y == SS_HV_YES;
            snprintf(id, sizeof id, "%s-%s", d->key, appeared ? "new" : "gone");
            if ((c = add_change(u, id, appeared)))
                snprintf(c->message, sizeof c->message, "%s %s (%s \xe2\x86\x92 %s)", d->label,
                         appeared ? "added" : "removed", ss_hval_name(x), ss_hval_name(y));
        }
    }
}

/* Permission changes between two analyzed images, as findings. */
static void perm_changes(ss_diff_unit *u, const ss_image *a, const ss_image *b)
{
    if (a->analysis == NULL || b->analysis == NULL || !(a->analysis->ran & SS_AN_PERMS) ||
        !(b->analysis->ran & SS_AN_PERMS))
        return;
    const ss_perms_result *p = &a->analysis->perms, *q = &b->analysis->perms;
    ss_diff_change *c;
    if (p->pie == SS_HV_YES && q->pie == SS_HV_NO && (c = add_change(u, "pie-lost", true)))
        snprintf(c->message, sizeof c->message, "PIE lost");
    if (p->pie == SS_HV_NO && q->pie == SS_HV_YES && (c = add_change(u, "pie-gained", false)))
        snprintf(c->message, sizeof c->message, "PIE gained");
    int rs = strength(p->relro), rt = strength(q->relro);
    if (rs >= 0 && rt >= 0 && rs != rt &&
        (c = add_change(u, rt < rs ? "relro-weaker" : "relro-stronger", rt < rs)))
        snprintf(c->message, sizeof c->message, "RELRO %s \xe2\x86\x92 %s", relro_word(p->relro),
                 relro_word(q->relro));
    bool xs = p->exec_stack == SS_HV_YES || p->exec_stack == SS_HV_DEFAULT;
    bool xt = q->exec_stack == SS_HV_YES || q->exec_stack == SS_HV_DEFAULT;
    if (p->exec_stack != SS_HV_NA && q->exec_stack != SS_HV_NA && xs != xt &&
        (c = add_change(u, xt ? "exec-stack-new" : "exec-stack-gone", xt)))
        snprintf(c->message, sizeof c->message, "%s (exec-stack %s \xe2\x86\x92 %s)",
                 xt ? "stack may now be executable" : "stack no longer executable",
                 ss_hval_name(p->exec_stack), ss_hval_name(q->exec_stack));
    if (p->nx == SS_HV_YES && q->nx == SS_HV_NO && (c = add_change(u, "nx-lost", true)))
        snprintf(c->message, sizeof c->message, "NX lost");
    if (p->nx == SS_HV_NO && q->nx == SS_HV_YES && (c = add_change(u, "nx-gained", false)))
        snprintf(c->message, sizeof c->message, "NX gained");
    size_t ws = count_wx_segments(a), wt = count_wx_segments(b);
    if (wt > ws && (c = add_change(u, "wx-segment-new", true)))
        snprintf(c->message, sizeof c->message, "new W+X segment (%zu \xe2\x86\x92 %zu)", ws, wt);
    if (wt < ws && (c = add_change(u, "wx-segment-gone", false)))
        snprintf(c->message, sizeof c->message, "W+X segment removed (%zu \xe2\x86\x92 %zu)", ws,
                 wt);
    for (size_t i = 0; i < b->nsections; i++) {
        const ss_section *s = &b->sections[i];
        if (s->alloc && (s->perms & 3) == 3 && !wx_section_in(a, s->name) &&
            (c = add_change(u, "wx-section-new", true)))
            snprintf(c->message, sizeof c->message, "new W+X section %.120s", s->name);
    }
    for (size_t i = 0; i < a->nsections; i++) {
        const ss_section *s = &a->sections[i];
        if (s->alloc && (s->perms & 3) == 3 && !wx_section_in(b, s->name) &&
            (c = add_change(u, "wx-section-gone", false)))
            snprintf(c->message, sizeof c->message, "W+X section %.120s removed", s->name);
    }
    if (p->textrel != SS_HV_YES && q->textrel == SS_HV_YES &&
        (c = add_change(u, "textrel-new", true)))
        snprintf(c->message, sizeof c->message, "text relocations added");
    if (p->textrel == SS_HV_YES && q->textrel == SS_HV_NO &&
        (c = add_change(u, "textrel-gone", false)))
        snprintf(c->message, sizeof c->message, "text relocations removed");
    check_changes(u, a, b);
}

/* ---- pairing -------------------------------------------------------------------------------- */

/* Indexes the units of in by (member, rank among units of that member name) in m, and fills
 * rank[i] for each unit. A plain file's NULL member is kept apart from an empty name by the
 * number's low bit. False when out of memory. */
static bool index_units(const ss_input *in, namemap *m, size_t *rank)
{
    namemap count = {0};
    bool ok = true;
    for (size_t i = 0; i < in->nunits && ok; i++) {
        const char *mem = in->units[i].member;
        const char *key = mem ? mem : "";
        slot *c = map_find(&count, key, mem == NULL);
        ok = c != NULL;
        if (!ok)
            break;
        if (c->name == NULL) {
            *c = (slot){key, mem == NULL, 0};
            count.n++;
        }
        rank[i] = c->val++;
        slot *u = map_find(m, key, rank[i] * 2 + (mem == NULL));
        ok = u != NULL;
        if (ok) {
            *u = (slot){key, rank[i] * 2 + (mem == NULL), i};
            m->n++;
        }
    }
    free(count.s);
    return ok;
}

/* The unit of in indexed in m with this member name and rank, or NULL. */
static const ss_unit *unit_of(const ss_input *in, namemap *m, const char *member, size_t rank)
{
    slot *u = map_find(m, member ? member : "", rank * 2 + (member == NULL));
    return u && u->name ? &in->units[u->val] : NULL;
}

static bool build_unit(ss_diff_unit *u, const ss_unit *ua, const ss_unit *ub,
                       const ss_diff_opts *o, ss_notes *notes)
{
    const ss_unit *side[2] = {ua, ub};
    const char *m = ua ? ua->member : ub->member;
    if (m && (u->member = strdup(m)) == NULL)
        return false;
    table_b seg = {0}, sec = {0}, kin = {0};
    for (int s = 0; s < 2; s++) {
        if (side[s] == NULL)
            continue;
        u->present[s] = true;
        const ss_image *im = side[s]->image;
        if (im == NULL) {
            u->failed = true;
            continue;
        }
        add_metrics(u, im, s, notes);
        add_segments(&seg, im, s);
        add_sections(&sec, im, s);
        add_kinds(&kin, im, s);
    }
    if (ua && ub && ua->image && ub->image)
        perm_changes(u, ua->image, ub->image);
    bool ok = finish_table(&seg, &u->segments);
    ok &= finish_table(&sec, &u->sections);
    ok &= finish_table(&kin, &u->kinds);
    if (o->symbols && !u->failed) {
        const ss_image *ia = ua ? ua->image : NULL, *ib = ub ? ub->image : NULL;
        u->has_symbols = true;
        ok &= ss_diff_symbols(&u->symbols, ia, ib, o->demangle);
        if (u->symbols.n)
            qsort(u->symbols.rows, u->symbols.n, sizeof *u->symbols.rows, row_cmp);
    }
    if (o->debug && !u->failed) {
        const ss_image *ia = ua ? ua->image : NULL, *ib = ub ? ub->image : NULL;
        ss_debug_name level = strcmp(o->debug, "crates") == 0       ? SS_DN_CRATE
                              : strcmp(o->debug, "inputfiles") == 0 ? SS_DN_FILE
                                                                    : SS_DN_UNIT;
        u->debug_what = o->debug;
        ok &= ss_diff_debug(&u->debug, ia, ib, level);
        if (u->debug.n)
            qsort(u->debug.rows, u->debug.n, sizeof *u->debug.rows, row_cmp);
    }
    return ok;
}

static void free_table(ss_diff_table *t)
{
    for (size_t i = 0; i < t->n; i++) {
        free(t->rows[i].name);
        free(t->rows[i].base);
    }
    free(t->rows);
}

void ss_diff_free(ss_diff_result *d)
{
    for (size_t i = 0; i < d->nunits; i++) {
        ss_diff_unit *u = &d->units[i];
        free(u->member);
        free_table(&u->segments);
        free_table(&u->sections);
        free_table(&u->kinds);
        free_table(&u->symbols);
        free_table(&u->debug);
        free(u->changes);
    }
    free(d->units);
    ss_notes_free(&d->notes);
}

/* Builds the diff of two loaded inputs; false when out of memory. */
bool ss_diff_build(ss_diff_result *d, const ss_input *a, const ss_input *b,
                   const ss_diff_opts *o)
{
    d->path[0] = a->path;
    d->path[1] = b->path;
    d->container[0] = a->container;
    d->container[1] = b->container;
    d->file_size[0] = a->bytes.len;
    d->file_size[1] = b->bytes.len;
    d->units = calloc(a->nunits + b->nunits + 1, sizeof *d->units);
    if (d->units == NULL)
        return false;
    /* Members pair by name and by rank among members of that name (archives may repeat one). */
    namemap ma = {0}, mb = {0};
    size_t *ra = calloc(a->nunits + 1, sizeof *ra), *rb = calloc(b->nunits + 1, sizeof *rb);
    bool ok = ra && rb && index_units(a, &ma, ra) && index_units(b, &mb, rb);
    for (size_t i = 0; i < a->nunits && ok; i++) {
        const ss_unit *ua = &a->units[i];
        if (ua->skipped)
            continue;
        const ss_unit *ub = unit_of(b, &mb, ua->member, ra[i]);
        if (ub && ub->skipped)
            ub = NULL;
        ok = build_unit(&d->units[d->nunits++], ua, ub, o, &d->notes);
    }
    for (size_t i = 0; i < b->nunits && ok; i++) {
        const ss_unit *ub = &b->units[i];
        if (ub->skipped || unit_of(a, &ma, ub->member, rb[i]))
            continue;
        ok = build_unit(&d->units[d->nunits++], NULL, ub, o, &d->notes);
    }
    free(ma.s);
    free(mb.s);
    free(ra);
    free(rb);
    return ok;
}
