/* diff.c - `segscan diff BASE NEW`: what changed between two builds.
 *
 * Pairs the images of the two inputs (a plain file with a plain file, archive members and
 * universal slices by name), then per pair builds tables of segments, sections (plus the
 * header, padding and unmapped bytes of the file map, so the file column sums to the file size)
 * and kinds with VM and file size before and after, the totals and the analyzers' figures, and
 * the permission changes as findings. diff_out.c renders the result. */
#include <errno.h>   /* errno */
#include <getopt.h>  /* getopt_long */
#include <stdio.h>   /* fprintf */
#include <stdlib.h>  /* calloc, qsort, free */
#include <string.h>  /* strchr, strcmp, strdup, strerror */
#include <unistd.h>  /* isatty */

#include "analysis.h"
#include "cmd.h"
#include "emit.h"
#include "escape.h" /* ss_esc_say */
#include "pipeline.h"
#include "sizes.h"

enum { EXIT_OK = 0, EXIT_USAGE = 2, EXIT_INPUT = 3, EXIT_WRITE = 4 };

static void diff_usage(FILE *f)
{
    fputs("usage: segscan diff [options] BASE NEW\n"
          "\n"
          "Compares two builds: per segment, section and kind, the VM and file size before and\n"
          "after with the change in bytes and percent (largest change first, a total row per\n"
          "table), added and removed sections, the change in movable zero bytes and string\n"
          "waste, and permission changes (\"PIE lost\", \"new W+X segment\", \"RELRO full ->\n"
          "partial\"). Archives are compared member by member, universal binaries slice by slice.\n"
          "\n"
          "options:\n"
          "  -f, --format FMT   text (default), json, csv or markdown\n"
          "  -o, --output FMT=FILE  also write FMT to FILE (repeatable): -o markdown=diff.md\n"
          "  -a, --all          text and markdown: also list unchanged rows and members\n"
          "  -j, --jobs N       analyze N files at a time (default: one per CPU)\n"
          "      --compact      JSON on one line\n"
          "  -h, --help         this help\n"
          "\n"
          "exit status:\n"
          "  0  the two inputs were compared (whatever changed)\n"
          "  2  usage error\n"
          "  3  an input or a member could not be analyzed (one line each on stderr; the\n"
          "     members that could are still compared)\n"
          "  4  the output could not be written (a full disk, a closed standard output)\n",
          f);
}

const char *ss_diff_metric_name(int m)
{
    static const char *const names[SS_DM_COUNT] = {
        [SS_DM_FILE] = "file-size", [SS_DM_VM] = "vm-size", [SS_DM_TEXT] = "text",
        [SS_DM_DATA] = "data", [SS_DM_BSS] = "bss", [SS_DM_MOVABLE] = "movable-zero-bytes",
        [SS_DM_ZERO_INIT] = "zero-init-bytes", [SS_DM_STRING_WASTE] = "string-waste",
    };
    return m >= 0 && m < SS_DM_COUNT ? names[m] : "?";
}

const char *ss_diff_perm_name(int p)
{
    static const char *const names[SS_DP_COUNT] = {
        [SS_DP_PIE] = "pie", [SS_DP_RELRO] = "relro", [SS_DP_EXEC_STACK] = "exec-stack",
        [SS_DP_NX] = "nx", [SS_DP_WX_SEGMENTS] = "wx-segments",
        [SS_DP_WX_SECTIONS] = "wx-sections", [SS_DP_TEXTREL] = "textrel",
    };
    size_t n;
    const ss_check_def *defs = ss_check_defs(&n);
    if (p >= SS_DP_COUNT && (size_t)(p - SS_DP_COUNT) < n)
        return defs[p - SS_DP_COUNT].key;
    return p >= 0 && p < SS_DP_COUNT ? names[p] : "?";
}

/* ---- tables --------------------------------------------------------------------------------- */

typedef struct {
    ss_diff_row *rows;
    size_t n, cap;
    bool oom;
} table_b;

static ss_diff_row *row_for(table_b *t, const char *base, size_t rank, bool region)
{
    for (size_t i = 0; i < t->n; i++)
        if (t->rows[i].rank == rank && t->rows[i].region == region &&
            strcmp(t->rows[i].base, base) == 0)
            return &t->rows[i];
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

/* k for the k-th row of that name on this side (1 for the first). */
static size_t occurrence(const char *name, const char *const *seen, size_t nseen)
{
    size_t k = 1;
    for (size_t i = 0; i < nseen; i++)
        k += strcmp(seen[i], name) == 0;
    return k;
}

static void add_sections(table_b *t, const ss_image *im, int side)
{
    const char **seen = calloc(im->nsections + 1, sizeof *seen);
    if (seen == NULL) {
        t->oom = true;
        return;
    }
    for (size_t i = 0; i < im->nsections; i++) {
        const ss_section *s = &im->sections[i];
        seen[i] = s->name;
        if (s->name[0] == '\0' && s->vm_size == 0 && s->file_size == 0)
            continue; /* ELF's null section 0: nothing to compare */
        put(t, s->name, occurrence(s->name, seen, i), false, side, s->vm_size, s->file_size,
            true);
    }
    free(seen);
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
    for (size_t i = 0; i < im->nsegments; i++) {
        const ss_segment *g = &im->segments[i];
        char p[4], key[300];
        /* ELF has many segments called LOAD: the permissions tell them apart. */
        snprintf(key, sizeof key, "%s %s", g->name, ss_perms_str(g->perms, p));
        put(t, key, occurrence(key, (const char *const *)keys, i), false, side, g->vm_size,
            g->file_size, g->loadable);
        if ((keys[i] = strdup(key)) == NULL) {
            t->oom = true;
            break;
        }
    }
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
    if (t->n)
        qsort(t->rows, t->n, sizeof *t->rows, row_cmp);
    out->rows = t->rows;
    out->n = t->n;
    return !t->oom;
}

/* ---- metrics and permissions ---------------------------------------------------------------- */

static void add_metrics(ss_diff_unit *u, const ss_image *im, int side)
{
    ss_sizes sz;
    ss_sizes_compute(im, &sz);
    if (sz.saturated) { /* the report carries this as the image's warning; diff has no place */
        char p[512], m[256];
        ss_escape_text(im->path, p, sizeof p);
        ss_escape_text(im->member ? im->member : "", m, sizeof m);
        fprintf(stderr, "segscan diff: %s%s%s%s: warning: %s\n", p, im->member ? "(" : "", m,
                im->member ? ")" : "", SS_SIZES_SATURATED_WARNING);
    }
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

static bool same_member(const char *a, const char *b)
{
    return (a == NULL && b == NULL) || (a && b && strcmp(a, b) == 0);
}

/* The k-th unit (0-based) of in with this member name, or NULL. */
static const ss_unit *nth_unit(const ss_input *in, const char *member, size_t k)
{
    for (size_t i = 0; i < in->nunits; i++)
        if (same_member(in->units[i].member, member) && k-- == 0)
            return &in->units[i];
    return NULL;
}

static size_t rank_of(const ss_input *in, size_t idx)
{
    size_t k = 0;
    for (size_t i = 0; i < idx; i++)
        k += same_member(in->units[i].member, in->units[idx].member);
    return k;
}

static bool build_unit(ss_diff_unit *u, const ss_unit *ua, const ss_unit *ub)
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
        add_metrics(u, im, s);
        add_segments(&seg, im, s);
        add_sections(&sec, im, s);
        add_kinds(&kin, im, s);
    }
    if (ua && ub && ua->image && ub->image)
        perm_changes(u, ua->image, ub->image);
    bool ok = finish_table(&seg, &u->segments);
    ok &= finish_table(&sec, &u->sections);
    ok &= finish_table(&kin, &u->kinds);
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

static void free_result(ss_diff_result *d)
{
    for (size_t i = 0; i < d->nunits; i++) {
        ss_diff_unit *u = &d->units[i];
        free(u->member);
        free_table(&u->segments);
        free_table(&u->sections);
        free_table(&u->kinds);
        free(u->changes);
    }
    free(d->units);
}

/* Builds the diff of two loaded inputs; false when out of memory. */
static bool build(ss_diff_result *d, const ss_input *a, const ss_input *b)
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
    for (size_t i = 0; i < a->nunits; i++) {
        const ss_unit *ua = &a->units[i];
        if (ua->skipped)
            continue;
        const ss_unit *ub = nth_unit(b, ua->member, rank_of(a, i));
        if (ub && ub->skipped)
            ub = NULL;
        if (!build_unit(&d->units[d->nunits++], ua, ub))
            return false;
    }
    for (size_t i = 0; i < b->nunits; i++) {
        const ss_unit *ub = &b->units[i];
        if (ub->skipped || nth_unit(a, ub->member, rank_of(b, i)))
            continue;
        if (!build_unit(&d->units[d->nunits++], NULL, ub))
            return false;
    }
    return true;
}

/* -o FMT=FILE outputs beside stdout. */
#define DIFF_MAX_OUTPUTS 8

int ss_cmd_diff(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"format", required_argument, NULL, 'f'},
        {"output", required_argument, NULL, 'o'},
        {"all", no_argument, NULL, 'a'},
        {"jobs", required_argument, NULL, 'j'},
        {"compact", no_argument, NULL, 'c'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const unsigned formats = SS_CI_ALLOW(SS_CI_TEXT) | SS_CI_ALLOW(SS_CI_JSON) |
                             SS_CI_ALLOW(SS_CI_CSV) | SS_CI_ALLOW(SS_CI_MARKDOWN);
    ss_ci_format fmt = SS_CI_TEXT;
    struct {
        ss_ci_format fmt;
        const char *path;
    } outs[DIFF_MAX_OUTPUTS];
    size_t nouts = 0;
    ss_diff_render_opts o = {.all = false, .pretty = true};
    ss_pipeline_opts ro = ss_pipeline_opts_default();
    int ch;
    optind = 1;
    static const char shortopts[] = "f:o:aj:h";
    while ((ch = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
        switch (ch) {
        case 'f':
            if (!ss_ci_parse_format(optarg, formats, &fmt)) {
                ss_esc_say(stderr, "segscan diff: unknown format (text, json, csv or markdown): '%s'",
                           optarg);
                fputs("Try 'segscan diff --help'.\n", stderr);
                return EXIT_USAGE;
            }
            break;
        case 'o': {
            char *eq = strchr(optarg, '=');
            bool ok = eq && eq != optarg && eq[1] && nouts < DIFF_MAX_OUTPUTS;
            if (ok) {
                *eq = '\0';
                ok = ss_ci_parse_format(optarg, formats, &outs[nouts].fmt);
                *eq = '=';
            }
            if (!ok) {
                ss_esc_say(stderr, "segscan diff: --output wants FMT=FILE with FMT text, json, csv "
                                   "or markdown (at most 8): '%s'", optarg);
                fputs("Try 'segscan diff --help'.\n", stderr);
                return EXIT_USAGE;
            }
            outs[nouts++].path = eq + 1;
            break;
        }
        case 'a': o.all = true; break;
        case 'c': o.pretty = false; break;
        case 'j': {
            char *end;
            errno = 0;
            unsigned long v = strtoul(optarg, &end, 10);
            if (errno || *end || end == optarg || optarg[0] == '-' || v == 0 || v > 1024) {
                ss_esc_say(stderr, "segscan diff: -j wants a number of jobs from 1 to 1024: '%s'",
                           optarg);
                return EXIT_USAGE;
            }
            ro.jobs = (unsigned)v;
            break;
        }
        case 'h': diff_usage(stdout); return EXIT_OK;
        default: return ss_cmd_bad_option("segscan diff", shortopts, argc, argv);
        }
    }
    if (argc - optind != 2) {
        fputs("segscan diff: name two inputs, BASE and NEW\nTry 'segscan diff --help'.\n",
              stderr);
        return EXIT_USAGE;
    }
    bool failed = false;
    ss_input **in = ss_pipeline_load(argv + optind, 2, &ro, &failed);
    if (in == NULL) {
        fputs("segscan diff: out of memory\n", stderr);
        return EXIT_INPUT;
    }
    ss_emit_errors(stderr, in[0]);
    ss_emit_errors(stderr, in[1]);
    int rc = failed ? EXIT_INPUT : EXIT_OK;
    if (in[0]->status == SS_OK && in[1]->status == SS_OK) {
        ss_diff_result d = {0};
        if (build(&d, in[0], in[1])) {
            ss_diff_render(stdout, &d, fmt, &o);
            for (size_t i = 0; i < nouts; i++) {
                FILE *f = fopen(outs[i].path, "w");
                if (f)
                    ss_diff_render(f, &d, outs[i].fmt, &o);
                if (f == NULL || (ferror(f) | fclose(f)) != 0) {
                    ss_esc_say(stderr, "segscan diff: cannot write %s: %s", outs[i].path,
                               strerror(errno));
                    rc = EXIT_WRITE; /* before every other status, as for stdout */
                }
            }
        } else {
            fputs("segscan diff: out of memory\n", stderr);
            rc = EXIT_INPUT;
        }
        free_result(&d);
    }
    ss_pipeline_free(in, 2);
    return rc;
}
