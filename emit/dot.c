/* dot.c - Graphviz memory-layout diagrams (--format dot; svg and png are this piped through dot).
 *
 * One graph per run, one cluster per image (inside a cluster per archive or universal file).
 * Each image shows two columns, both drawn with LOW addresses / offsets at the BOTTOM:
 *   - the file, one row per piece of the exact file map (headers, sections, padding, overlay);
 *   - memory, one box per loadable segment ordered by address, holding what the segment maps
 *     (sections, the headers it covers) and its zero-fill; gaps between segments are thin rows
 *     labelled with their size.
 * Edges go from each file row to where its bytes are mapped, so zero-fill (BSS) has no edge.
 * Rows are not to scale; their height grows with the logarithm of their size.
 *
 * Compact mode (max_rows > 0) bounds the rows of each box: the largest items stay, runs of the
 * others between them become one "N others" row each, so a box has at most max_rows rows, the
 * file column at most 3 * max_rows, and at most max_rows segment boxes are drawn (runs of small
 * segments merged). Everything is ordered by numbers with the index as the last key, so the
 * same input gives byte-identical DOT. Every string from the binary goes through put_html. */
#include <inttypes.h> /* PRIx64, PRIu64 */
#include <stdlib.h>   /* calloc, free, qsort */
#include <string.h>   /* memset, strcmp, strlen */

#include "../core/analysis.h"
#include "../core/sizes.h"
#include "dot.h"
#include "emit_internal.h"
#include "escape.h"

/* Longest name shown, in code points (longer ones end in "..."). */
#define NAME_MAX_CP 48
#define PATH_MAX_CP 120
#define MSG_MAX_CP 140
/* Member images of one archive or universal binary drawn in full; the others are summarised in
 * one box. dot's layout time grows faster than linearly with the nodes of one graph: glibc's
 * libc.a (about 1,900 members) gave 12 MB of DOT and more than 10 minutes of dot; 32 members
 * of at most --dot-max-sections rows each stay well under SS_DOT_MAX_BYTES (README, Diagrams). */
#define DOT_MAX_MEMBERS 32
/* Warnings and findings listed in an image's note; the rest are counted. */
#define NOTE_MAX_LINES 8
/* The file column keeps this many times max_rows rows. */
#define FILE_ROWS_FACTOR 3

/* ---- colours --------------------------------------------------------------------------------- */

typedef enum {
    ST_SECTION,  /* bytes of a section (loaded or not: see perms / loaded) */
    ST_HEADER,   /* a named region: headers, tables, overlay */
    ST_PADDING,  /* all-zero bytes covered by nothing */
    ST_UNMAPPED, /* other bytes covered by nothing */
    ST_ZERO,     /* zero-fill in memory (BSS, segment tails): no file bytes */
    ST_MERGED    /* "N others" */
} row_style;

typedef struct {
    const char *fill, *border;
} colours;

static const colours C_R = {"#dbe8f7", "#3e6fa8"};
static const colours C_RX = {"#fde2c4", "#b5651d"};
static const colours C_RW = {"#d6efd0", "#3a8a2c"};
static const colours C_WX = {"#ff9c9c", "#cc0000"};
static const colours C_NONE = {"#eeeeee", "#777777"}; /* no access, or odd permissions */
static const colours C_HEADER = {"#fff3bf", "#9c8526"};
static const colours C_UNLOADED = {"#e4e4e4", "#808080"};
static const colours C_PADDING = {"#ffffff", "#a0a0a0"};
static const colours C_ZERO = {"#ffffff", "#3a8a2c"};
static const colours C_MERGED = {"#f7f7f7", "#909090"};

static colours perm_colours(uint8_t perms)
{
    if ((perms & SS_PERM_W) && (perms & SS_PERM_X))
        return C_WX;
    if (!(perms & SS_PERM_R))
        return C_NONE;
    if (perms & SS_PERM_X)
        return C_RX;
    if (perms & SS_PERM_W)
        return C_RW;
    return C_R;
}

/* ---- rows ------------------------------------------------------------------------------------ */

typedef struct {
    uint64_t addr;     /* virtual address (memory) or file offset (file) */
    uint64_t vm, file; /* bytes in memory and in the file */
    const char *name;  /* untrusted; escaped on output */
    const char *kind;  /* segscan's own words */
    uint8_t perms;
    bool loaded;       /* file rows: mapped into memory */
    bool no_addr;      /* memory rows of sections not placed yet: the address means nothing */
    row_style style;
    int64_t section;   /* the section it shows, or -1 */
    int64_t map;       /* the file map piece it shows (non-section pieces), or -1 */
    size_t order;      /* insertion order: the last sort key */
    size_t row;        /* display row after compaction */
} item;

typedef struct {
    size_t first, count; /* items (in address order) shown by this row */
    bool own;            /* an item kept for its size; else a run of the others */
    uint64_t vm, file;
} group;

static int item_addr_cmp(const void *a, const void *b)
{
    const item *x = a, *y = b;
    if (x->addr != y->addr)
        return x->addr < y->addr ? -1 : 1;
    return x->order < y->order ? -1 : x->order > y->order;
}

/* Sizes from hostile headers can sum past 2^64: totals saturate instead of wrapping. */
static uint64_t sat_add(uint64_t a, uint64_t b)
{
    return a + b < a ? UINT64_MAX : a + b;
}

static uint64_t item_key(const item *it)
{
    return it->vm > it->file ? it->vm : it->file;
}

typedef struct {
    uint64_t key;
    size_t idx;
} rank_ref;

static int rank_cmp(const void *a, const void *b)
{
    const rank_ref *x = a, *y = b;
    if (x->key != y->key)
        return x->key > y->key ? -1 : 1;
    return x->idx < y->idx ? -1 : x->idx > y->idx;
}

/* Groups n items (in display order) into at most max rows (max 0: a row each): the largest
 * items keep a row of their own and each run of the others between them shares one. Fills
 * groups (room for n) and returns their count; 0 when out of memory. */
static size_t compact(const item *items, size_t n, size_t max, group *groups)
{
    bool *kept = NULL;
    if (max != 0 && n > max) {
        rank_ref *rank = calloc(n, sizeof *rank);
        kept = calloc(n, sizeof *kept);
        if (rank == NULL || kept == NULL) {
            free(rank);
            free(kept);
            return 0;
        }
        for (size_t i = 0; i < n; i++)
            rank[i] = (rank_ref){item_key(&items[i]), i};
        qsort(rank, n, sizeof *rank, rank_cmp);
        /* The most items kept (largest first) whose runs of the others still fit in max rows:
         * keeping one more item changes the number of runs by at most one, tracked as we go. */
        size_t runs = 1, best = 0;
        for (size_t keep = 1; keep < max; keep++) {
            size_t i = rank[keep - 1].idx;
            bool left = i > 0 && !kept[i - 1], right = i + 1 < n && !kept[i + 1];
            kept[i] = true;
            runs = runs + left + right - 1;
            if (keep + runs <= max)
                best = keep;
        }
        memset(kept, 0, n * sizeof *kept);
        for (size_t i = 0; i < best; i++)
            kept[rank[i].idx] = true;
        free(rank);
    }
    size_t ng = 0;
    for (size_t i = 0; i < n; i++) {
        bool own = kept == NULL || kept[i];
        if (own || ng == 0 || groups[ng - 1].own)
            groups[ng++] = (group){.first = i, .own = own};
        group *g = &groups[ng - 1];
        g->count++;
        g->vm = sat_add(g->vm, items[i].vm);
        g->file = sat_add(g->file, items[i].file);
    }
    free(kept);
    return ng;
}

/* ---- one image ------------------------------------------------------------------------------- */

typedef struct {
    size_t first, count;    /* its items in mem[] (address order) */
    size_t gfirst, gcount;  /* its rows in mgroups[] */
    size_t seg_first, nseg; /* its segments in segs[] (a merged box holds several) */
    uint64_t lo, hi;        /* address range, hi exclusive */
    uint64_t vm, file;
    uint8_t perms;
    bool mixed;             /* merged segments with different permissions */
    bool unplaced;          /* allocated sections in no loadable segment (relocatable files) */
} box;

typedef struct {
    size_t from, to; /* file row, memory row */
} edge;

typedef struct {
    FILE *f;
    const ss_image *im;
    size_t id;           /* image number in the graph: node names i<id>f, i<id>m, i<id>n */
    size_t max;          /* rows per box (0: no limit) */
    item *mem;           /* memory items: box after box, address order inside a box */
    size_t nmem, capmem;
    size_t *segs;        /* loadable segments by address */
    size_t nsegs;
    box *boxes;
    size_t nboxes;
    size_t *sec_first;   /* segment -> its sections in sec_list[sec_first[g] .. sec_first[g+1]) */
    size_t *sec_list;
    size_t *reg_first;   /* segment -> the header pieces it draws, likewise in reg_list */
    size_t *reg_list;
    int64_t *sec_item;   /* section -> memory item, or -1 */
    int64_t *map_item;   /* map piece -> memory item, or -1 */
    item *file;          /* one per map piece */
    group *fgroups;
    size_t nfgroups;
    group *mgroups;
    size_t nmgroups;
    edge *edges;
    size_t nedges;
} dot_image;

static void dot_image_free(dot_image *d)
{
    free(d->mem);
    free(d->segs);
    free(d->boxes);
    free(d->sec_first);
    free(d->sec_list);
    free(d->reg_first);
    free(d->reg_list);
    free(d->sec_item);
    free(d->map_item);
    free(d->file);
    free(d->fgroups);
    free(d->mgroups);
    free(d->edges);
}

/* Sorts segment indices s[0..n) by key (vaddr or offset), then index. */
static bool sort_segments(const ss_image *im, size_t *s, size_t n, bool by_offset)
{
    rank_ref *r = calloc(n + 1, sizeof *r);
    if (r == NULL)
        return false;
    for (size_t i = 0; i < n; i++) {
        const ss_segment *g = &im->segments[s[i]];
        /* rank_cmp sorts keys downwards: store the complement for an upward order. */
        r[i] = (rank_ref){UINT64_MAX - (by_offset ? g->offset : g->vaddr), s[i]};
    }
    qsort(r, n, sizeof *r, rank_cmp);
    for (size_t i = 0; i < n; i++)
        s[i] = r[i].idx;
    free(r);
    return true;
}

static const char *map_name(const ss_image *im, const ss_map_entry *e)
{
    switch (e->what) {
    case SS_MAP_REGION: return im->regions[e->index].name;
    case SS_MAP_SECTION: return im->sections[e->index].name;
    case SS_MAP_PADDING: return "[Padding]";
    case SS_MAP_UNMAPPED: return "[Unmapped]";
    }
    return "";
}

static bool is_null_section(const ss_section *s)
{
    return s->file_size == 0 && s->vm_size == 0 && s->raw_type == 0 && s->name[0] == '\0';
}

static item *add_mem(dot_image *d)
{
    if (d->nmem == d->capmem) /* cannot happen: capmem counts every item build() can add */
        return NULL;
    item *it = &d->mem[d->nmem];
    *it = (item){.section = -1, .map = -1, .order = d->nmem};
    d->nmem++;
    return it;
}

static void add_zero(dot_image *d, uint64_t lo, uint64_t hi, uint8_t perms)
{
    item *z = add_mem(d);
    if (z == NULL)
        return;
    z->addr = lo;
    z->vm = hi - lo;
    z->name = "[zero-fill]";
    z->kind = "zero-fill";
    z->perms = perms;
    z->style = ST_ZERO;
}

/* Adds the zero-fill of a segment's tail [lo, hi) that no section already shown covers (a .bss
 * section shows itself). Items from first on are the segment's so far. */
static void add_zero_tail(dot_image *d, size_t first, uint64_t lo, uint64_t hi, uint8_t perms)
{
    size_t end = d->nmem;
    qsort(d->mem + first, end - first, sizeof *d->mem, item_addr_cmp);
    uint64_t cur = lo;
    for (size_t i = first; i < end && cur < hi; i++) {
        const item *it = &d->mem[i];
        if (it->section < 0 || it->vm == 0 || sat_add(it->addr, it->vm) <= cur)
            continue;
        if (it->kind != NULL && strcmp(it->kind, "tls-bss") == 0)
            continue; /* a .tbss takes no address space of its segment */
        if (it->addr > cur)
            add_zero(d, cur, it->addr < hi ? it->addr : hi, perms);
        cur = sat_add(it->addr, it->vm);
    }
    if (cur < hi)
        add_zero(d, cur, hi, perms);
}

/* Collects what loadable segment gi maps: its sections, the headers and tables in its file
 * range (headers are not drawn twice: the first segment by address holding one gets it), and
 * its zero-fill tail. */
static void collect_segment(dot_image *d, size_t gi)
{
    const ss_image *im = d->im;
    const ss_segment *g = &im->segments[gi];
    size_t first = d->nmem;
    for (size_t j = d->sec_first[gi]; j < d->sec_first[gi + 1]; j++) {
        size_t i = d->sec_list[j];
        const ss_section *s = &im->sections[i];
        item *it = add_mem(d);
        if (it == NULL)
            return;
        it->addr = s->vaddr;
        it->vm = s->vm_size;
        it->file = s->file_size;
        it->name = s->name;
        it->kind = ss_kind_name(s->kind);
        it->perms = s->perms;
        it->style = s->file_size == 0 && s->vm_size > 0 ? ST_ZERO : ST_SECTION;
        it->section = (int64_t)i;
        d->sec_item[i] = 0; /* placed; the real position is set once sorted */
    }
    uint64_t fend = sat_add(g->offset, g->file_size);
    for (size_t j = d->reg_first[gi]; j < d->reg_first[gi + 1]; j++) {
        size_t m = d->reg_list[j];
        const ss_map_entry *e = &im->map[m];
        item *it = add_mem(d);
        if (it == NULL)
            return;
        uint64_t size = e->size < fend - e->offset ? e->size : fend - e->offset;
        it->addr = g->vaddr + (e->offset - g->offset); /* wraps only in hostile files */
        it->vm = it->file = size;
        it->name = map_name(im, e);
        it->kind = "header";
        it->perms = g->perms;
        it->style = ST_HEADER;
        it->map = (int64_t)m;
    }
    if (g->vm_size > g->file_size)
        add_zero_tail(d, first, sat_add(g->vaddr, g->file_size), sat_add(g->vaddr, g->vm_size),
                      g->perms);
}

/* Min-heap of segment ranks (address order), for assign_headers. */
static void heap_push(size_t *h, size_t *n, size_t v)
{
    size_t i = (*n)++;
    for (; i > 0 && h[(i - 1) / 2] > v; i = (i - 1) / 2)
        h[i] = h[(i - 1) / 2];
    h[i] = v;
}

static void heap_pop(size_t *h, size_t *n)
{
    size_t v = h[--*n], i = 0;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= *n)
            break;
        if (c + 1 < *n && h[c + 1] < h[c])
            c++;
        if (h[c] >= v)
            break;
        h[i] = h[c];
        i = c;
    }
    if (*n > 0)
        h[i] = v;
}

/* Buckets what each loadable segment draws, in time linear in the image's tables (a hostile
 * file may have very many segments and sections): its allocated sections, and the headers
 * (region pieces of the file map) inside its file range - each header goes to the first
 * segment by address that holds it, found by a sweep over the pieces in offset order with a
 * heap of the segments open at that offset. */
static bool bucket(dot_image *d)
{
    const ss_image *im = d->im;
    size_t ng = im->nsegments, ns = im->nsections, nm = im->nmap;
    size_t *rank = calloc(ng + 1, sizeof *rank);   /* segment -> position by address */
    size_t *by_off = calloc(ng + 1, sizeof *by_off);
    size_t *heap = calloc(ng + 1, sizeof *heap);
    size_t *owner = calloc(nm + 1, sizeof *owner); /* map piece -> segment + 1, or 0 */
    bool ok = rank && by_off && heap && owner;
    if (ok) {
        for (size_t i = 0; i < ng; i++)
            rank[i] = SIZE_MAX;
        for (size_t k = 0; k < d->nsegs; k++)
            rank[d->segs[k]] = k;
        /* Sections, counted per segment, then placed (a counting sort keeps section order). */
        for (size_t i = 0; i < ns; i++) {
            const ss_section *s = &im->sections[i];
            if (s->alloc && s->segment >= 0 && (uint64_t)s->segment < ng &&
                rank[s->segment] != SIZE_MAX)
                d->sec_first[s->segment + 1]++;
        }
        for (size_t g = 0; g < ng; g++)
            d->sec_first[g + 1] += d->sec_first[g];
        for (size_t i = 0; i < ns; i++) {
            const ss_section *s = &im->sections[i];
            if (s->alloc && s->segment >= 0 && (uint64_t)s->segment < ng &&
                rank[s->segment] != SIZE_MAX)
                d->sec_list[d->sec_first[s->segment] + d->reg_first[s->segment]++] = i;
        }
        memset(d->reg_first, 0, (ng + 1) * sizeof *d->reg_first);

        /* Headers: the sweep. */
        size_t nb = 0, nh = 0, next = 0;
        for (size_t k = 0; k < d->nsegs; k++)
            if (im->segments[d->segs[k]].file_size > 0)
                by_off[nb++] = d->segs[k];
        ok = sort_segments(im, by_off, nb, true);
        for (size_t m = 0; m < nm && ok; m++) {
            const ss_map_entry *e = &im->map[m];
            if (e->what != SS_MAP_REGION)
                continue;
            while (next < nb && im->segments[by_off[next]].offset <= e->offset)
                heap_push(heap, &nh, rank[by_off[next++]]);
            /* Segments ending at or before this offset end before every later one too. */
            while (nh > 0) {
                const ss_segment *g = &im->segments[d->segs[heap[0]]];
                if (sat_add(g->offset, g->file_size) > e->offset)
                    break;
                heap_pop(heap, &nh);
            }
            if (nh > 0) {
                size_t gi = d->segs[heap[0]];
                owner[m] = gi + 1;
                d->reg_first[gi + 1]++;
            }
        }
        for (size_t g = 0; g < ng; g++)
            d->reg_first[g + 1] += d->reg_first[g];
        size_t *fill = heap; /* reused: per-segment fill counts */
        memset(fill, 0, (ng + 1) * sizeof *fill);
        for (size_t m = 0; m < nm; m++)
            if (owner[m]) {
                size_t gi = owner[m] - 1;
                d->reg_list[d->reg_first[gi] + fill[gi]++] = m;
            }
    }
    free(rank);
    free(by_off);
    free(heap);
    free(owner);
    return ok;
}

static bool alloc_all(dot_image *d)
{
    const ss_image *im = d->im;
    size_t ns = im->nsections, nm = im->nmap, ng = im->nsegments;
    /* Each section once, each map piece once, and per segment at most one zero-fill piece more
     * than the sections it holds. Counts are bounded by the image's arena, far from overflow. */
    d->capmem = 2 * ns + nm + 2 * ng + 2;
    d->mem = calloc(d->capmem, sizeof *d->mem);
    d->segs = calloc(ng + 1, sizeof *d->segs);
    d->boxes = calloc(ng + 2, sizeof *d->boxes);
    d->sec_first = calloc(ng + 2, sizeof *d->sec_first);
    d->sec_list = calloc(ns + 1, sizeof *d->sec_list);
    d->reg_first = calloc(ng + 2, sizeof *d->reg_first);
    d->reg_list = calloc(nm + 1, sizeof *d->reg_list);
    d->sec_item = calloc(ns + 1, sizeof *d->sec_item);
    d->map_item = calloc(nm + 1, sizeof *d->map_item);
    d->file = calloc(nm + 1, sizeof *d->file);
    d->fgroups = calloc(nm + 1, sizeof *d->fgroups);
    d->mgroups = calloc(d->capmem, sizeof *d->mgroups);
    d->edges = calloc(nm + 1, sizeof *d->edges);
    return d->mem && d->segs && d->boxes && d->sec_first && d->sec_list && d->reg_first &&
           d->reg_list && d->sec_item && d->map_item && d->file &&
           d->fgroups && d->mgroups && d->edges;
}

/* Segment boxes; with more loadable segments than max, runs of small ones share a box. */
static bool build_boxes(dot_image *d)
{
    const ss_image *im = d->im;
    for (size_t i = 0; i < im->nsegments; i++)
        if (im->segments[i].loadable)
            d->segs[d->nsegs++] = i;
    if (!sort_segments(im, d->segs, d->nsegs, false) || !bucket(d))
        return false;
    if (d->nsegs == 0)
        return true;
    item *sitems = calloc(d->nsegs, sizeof *sitems);
    group *sgroups = calloc(d->nsegs, sizeof *sgroups);
    size_t nsg = 0;
    if (sitems && sgroups) {
        for (size_t k = 0; k < d->nsegs; k++) {
            const ss_segment *g = &im->segments[d->segs[k]];
            sitems[k] = (item){.addr = g->vaddr, .vm = g->vm_size, .file = g->file_size};
        }
        nsg = compact(sitems, d->nsegs, d->max, sgroups);
    }
    for (size_t k = 0; k < nsg; k++) {
        box *b = &d->boxes[d->nboxes++];
        b->first = d->nmem;
        b->seg_first = sgroups[k].first;
        b->nseg = sgroups[k].count;
        b->lo = UINT64_MAX;
        for (size_t j = 0; j < b->nseg; j++) {
            size_t gi = d->segs[b->seg_first + j];
            const ss_segment *g = &im->segments[gi];
            collect_segment(d, gi);
            uint64_t end = sat_add(g->vaddr, g->vm_size);
            b->lo = g->vaddr < b->lo ? g->vaddr : b->lo;
            b->hi = end > b->hi ? end : b->hi;
            b->vm = sat_add(b->vm, g->vm_size);
            b->file = sat_add(b->file, g->file_size);
            if (j > 0 && g->perms != b->perms)
                b->mixed = true;
            b->perms = g->perms;
        }
        b->count = d->nmem - b->first;
        qsort(d->mem + b->first, b->count, sizeof *d->mem, item_addr_cmp);
    }
    free(sitems);
    free(sgroups);
    return nsg > 0;
}

/* Allocated sections that no loadable segment holds (relocatable files have no segments; their
 * sections get addresses at link time): one box, in section order. */
static void build_unplaced(dot_image *d)
{
    const ss_image *im = d->im;
    box *u = &d->boxes[d->nboxes];
    u->first = d->nmem;
    u->unplaced = true;
    for (size_t i = 0; i < im->nsections; i++) {
        const ss_section *s = &im->sections[i];
        if (!s->alloc || d->sec_item[i] >= 0 || is_null_section(s))
            continue;
        item *it = add_mem(d);
        if (it == NULL)
            break;
        it->vm = s->vm_size;
        it->file = s->file_size;
        it->addr = s->vaddr;
        it->no_addr = true;
        it->name = s->name;
        it->kind = ss_kind_name(s->kind);
        it->perms = s->perms;
        it->style = s->file_size == 0 && s->vm_size > 0 ? ST_ZERO : ST_SECTION;
        it->section = (int64_t)i;
        d->sec_item[i] = 0;
        if (u->count > 0 && s->perms != u->perms)
            u->mixed = true;
        u->perms = s->perms;
        u->vm = sat_add(u->vm, s->vm_size);
        u->file = sat_add(u->file, s->file_size);
        u->count++;
    }
    if (u->count > 0)
        d->nboxes++;
}

static int edge_cmp(const void *a, const void *b)
{
    const edge *x = a, *y = b;
    if (x->from != y->from)
        return x->from < y->from ? -1 : 1;
    return x->to < y->to ? -1 : x->to > y->to;
}

static bool build(dot_image *d)
{
    const ss_image *im = d->im;
    if (!alloc_all(d))
        return false;
    for (size_t i = 0; i < im->nsections; i++)
        d->sec_item[i] = -1;
    for (size_t i = 0; i < im->nmap; i++)
        d->map_item[i] = -1;
    if (!build_boxes(d))
        return false;
    build_unplaced(d);

    /* Memory rows, box by box; then the index maps from the final positions. */
    for (size_t k = 0; k < d->nboxes; k++) {
        box *b = &d->boxes[k];
        b->gfirst = d->nmgroups;
        b->gcount = compact(d->mem + b->first, b->count, d->max, d->mgroups + b->gfirst);
        if (b->count > 0 && b->gcount == 0)
            return false;
        for (size_t g = b->gfirst; g < b->gfirst + b->gcount; g++) {
            d->mgroups[g].first += b->first;
            for (size_t i = 0; i < d->mgroups[g].count; i++)
                d->mem[d->mgroups[g].first + i].row = g;
        }
        d->nmgroups += b->gcount;
    }
    for (size_t i = 0; i < d->nmem; i++) {
        if (d->mem[i].section >= 0)
            d->sec_item[d->mem[i].section] = (int64_t)i;
        if (d->mem[i].map >= 0)
            d->map_item[d->mem[i].map] = (int64_t)i;
    }

    /* The file column: the file map as it is (offset order). */
    for (size_t m = 0; m < im->nmap; m++) {
        const ss_map_entry *e = &im->map[m];
        item *it = &d->file[m];
        *it = (item){.addr = e->offset, .file = e->size, .name = map_name(im, e), .section = -1,
                     .map = (int64_t)m, .order = m};
        int64_t target = d->map_item[m];
        switch (e->what) {
        case SS_MAP_SECTION: {
            const ss_section *s = &im->sections[e->index];
            it->kind = ss_kind_name(s->kind);
            it->perms = s->perms;
            it->style = ST_SECTION;
            it->section = e->index;
            target = d->sec_item[e->index];
            break;
        }
        case SS_MAP_REGION: it->kind = "header"; it->style = ST_HEADER; break;
        case SS_MAP_PADDING: it->kind = "padding"; it->style = ST_PADDING; break;
        case SS_MAP_UNMAPPED: it->kind = "unmapped"; it->style = ST_UNMAPPED; break;
        }
        it->loaded = target >= 0;
    }
    size_t fmax = d->max ? d->max * FILE_ROWS_FACTOR : 0;
    d->nfgroups = im->nmap ? compact(d->file, im->nmap, fmax, d->fgroups) : 0;
    if (im->nmap && d->nfgroups == 0)
        return false;
    for (size_t g = 0; g < d->nfgroups; g++)
        for (size_t i = 0; i < d->fgroups[g].count; i++)
            d->file[d->fgroups[g].first + i].row = g;

    /* Edges: file row -> memory row, once per pair. */
    for (size_t m = 0; m < im->nmap; m++) {
        const ss_map_entry *e = &im->map[m];
        int64_t t = e->what == SS_MAP_SECTION ? d->sec_item[e->index] : d->map_item[m];
        if (t >= 0)
            d->edges[d->nedges++] = (edge){d->file[m].row, d->mem[t].row};
    }
    qsort(d->edges, d->nedges, sizeof *d->edges, edge_cmp);
    size_t n = 0;
    for (size_t i = 0; i < d->nedges; i++)
        if (n == 0 || edge_cmp(&d->edges[n - 1], &d->edges[i]) != 0)
            d->edges[n++] = d->edges[i];
    d->nedges = n;
    return true;
}

/* ---- output ---------------------------------------------------------------------------------- */

/* Minimum row height in points: grows with log2 of the size, so rows hint at size without being
 * to scale (a 100 MB section next to a 16-byte one would be unreadable otherwise). */
static unsigned row_height(uint64_t size)
{
    unsigned lg = size ? 63u - (unsigned)__builtin_clzll(size) : 0;
    unsigned h = lg > 8 ? 18 + 3 * (lg - 8) : 18;
    return h > 60 ? 60 : h;
}

static void put_size(FILE *f, uint64_t v)
{
    char h[16];
    fputs(ss_human(v, h), f);
}

static void put_bytes(FILE *f, uint64_t v)
{
    char h[16];
    if (v < 1024)
        fprintf(f, "%" PRIu64 " B", v);
    else
        fprintf(f, "%" PRIu64 " B (%s)", v, ss_human(v, h));
}

static colours row_colours(const item *it, bool file_side)
{
    switch (it->style) {
    case ST_SECTION: return file_side && !it->loaded ? C_UNLOADED : perm_colours(it->perms);
    case ST_HEADER: return C_HEADER;
    case ST_PADDING: return C_PADDING;
    case ST_UNMAPPED: return C_UNLOADED;
    case ST_ZERO: return C_ZERO;
    case ST_MERGED: return C_MERGED;
    }
    return C_MERGED;
}

/* The item a row shows, or NULL for a run of several items ("N others"). */
static const item *group_item(const item *items, const group *g)
{
    return g->count == 1 ? &items[g->first] : NULL;
}

static void put_row(FILE *f, const item *items, const group *g, size_t row, bool file_side)
{
    const item *it = group_item(items, g);
    item merged = {.addr = items[g->first].addr, .vm = g->vm, .file = g->file,
                   .no_addr = items[g->first].no_addr, .style = ST_MERGED};
    if (it == NULL)
        it = &merged;
    colours c = row_colours(it, file_side);
    bool zero = it->style == ST_ZERO;
    const char *dash = zero ? " STYLE=\"dashed\"" : "";
    uint64_t size = file_side ? it->file : it->vm;
    /* Edges leave the file column on the right and enter memory on the left: the port is the
     * outer cell of each side. */
    char port[32];
    snprintf(port, sizeof port, " PORT=\"%c%zu\"", file_side ? 'f' : 'm', row);
    fprintf(f, "<TR><TD%s ALIGN=\"LEFT\" BGCOLOR=\"%s\" HEIGHT=\"%u\"%s>", file_side ? "" : port,
            c.fill, row_height(size), dash);
    if (it->no_addr)
        fputs("<FONT POINT-SIZE=\"8\">-</FONT></TD>", f);
    else
        fprintf(f, "<FONT POINT-SIZE=\"8\">0x%" PRIx64 "</FONT></TD>", it->addr);
    fprintf(f, "<TD ALIGN=\"LEFT\" BGCOLOR=\"%s\"%s>", c.fill, dash);
    if (it == &merged) {
        fprintf(f, "<I>%zu others</I>", g->count);
    } else {
        if (zero)
            fputs("<I>", f);
        ss_esc_dot(f, it->name, NAME_MAX_CP);
        if (zero)
            fputs("</I>", f);
    }
    fprintf(f, "</TD><TD ALIGN=\"LEFT\" BGCOLOR=\"%s\"%s>", c.fill, dash);
    /* Graphviz rejects an empty FONT element. */
    if (it != &merged && it->kind && it->kind[0])
        fprintf(f, "<FONT POINT-SIZE=\"8\">%s%s</FONT>", it->kind,
                file_side && !it->loaded && it->style == ST_SECTION ? ", not loaded" : "");
    fprintf(f, "</TD><TD%s ALIGN=\"RIGHT\" BGCOLOR=\"%s\"%s>", file_side ? port : "", c.fill,
            dash);
    put_size(f, size);
    if (!file_side && it->file != it->vm) {
        if (it->file == 0)
            fputs(", 0 file bytes", f);
        else {
            fputs(" (file ", f);
            put_size(f, it->file);
            fputs(")", f);
        }
    }
    fputs("</TD></TR>\n", f);
}

static void put_file_node(const dot_image *d)
{
    FILE *f = d->f;
    fprintf(f, "    i%zuf [label=<<TABLE BORDER=\"1\" CELLBORDER=\"1\" CELLSPACING=\"0\" "
               "CELLPADDING=\"3\" COLOR=\"#555555\">\n",
            d->id);
    fputs("<TR><TD COLSPAN=\"4\" ALIGN=\"LEFT\" BGCOLOR=\"#f0f0f0\"><B>File</B> by offset, "
          "offset 0 at the bottom<BR ALIGN=\"LEFT\"/>",
          f);
    put_bytes(f, d->im->file_size);
    fputs("<BR ALIGN=\"LEFT\"/></TD></TR>\n", f);
    for (size_t g = d->nfgroups; g-- > 0;)
        put_row(f, d->file, &d->fgroups[g], g, true);
    if (d->nfgroups == 0)
        fputs("<TR><TD COLSPAN=\"4\"><I>empty</I></TD></TR>\n", f);
    fputs("</TABLE>>];\n", f);
}

static void put_box_header(const dot_image *d, const box *b)
{
    FILE *f = d->f;
    const ss_image *im = d->im;
    colours c = b->mixed ? C_MERGED : perm_colours(b->perms);
    char p[4];
    fprintf(f, "<TR><TD><TABLE BORDER=\"2\" CELLBORDER=\"1\" CELLSPACING=\"0\" CELLPADDING=\"3\" "
               "COLOR=\"%s\">\n<TR><TD COLSPAN=\"4\" ALIGN=\"LEFT\" BGCOLOR=\"%s\">",
            c.border, c.fill);
    if (b->unplaced) {
        fputs("<B>allocated sections, not placed</B><BR ALIGN=\"LEFT\"/>"
              "<FONT POINT-SIZE=\"9\">no loadable segment holds them (the linker assigns "
              "addresses)</FONT><BR ALIGN=\"LEFT\"/>",
              f);
    } else if (b->nseg == 1) {
        size_t gi = d->segs[b->seg_first];
        const ss_segment *g = &im->segments[gi];
        fputs("<B>", f);
        ss_esc_dot(f, g->name, NAME_MAX_CP);
        fprintf(f, "</B> #%zu  %s<BR ALIGN=\"LEFT\"/>", gi, ss_perms_str(g->perms, p));
    } else {
        fprintf(f, "<B>%zu segments</B> (merged: compact mode)  %s<BR ALIGN=\"LEFT\"/>", b->nseg,
                b->mixed ? "mixed" : ss_perms_str(b->perms, p));
    }
    if (!b->unplaced)
        fprintf(f, "0x%" PRIx64 " to 0x%" PRIx64 "<BR ALIGN=\"LEFT\"/>", b->lo, b->hi);
    fputs("vm ", f);
    put_bytes(f, b->vm);
    fputs(", file ", f);
    put_bytes(f, b->file);
    fputs("<BR ALIGN=\"LEFT\"/></TD></TR>\n", f);
}

static void put_mem_node(const dot_image *d)
{
    FILE *f = d->f;
    fprintf(f, "    i%zum [label=<<TABLE BORDER=\"0\" CELLBORDER=\"0\" CELLSPACING=\"3\" "
               "CELLPADDING=\"0\">\n<TR><TD ALIGN=\"LEFT\"><B>Memory</B> by address, low "
               "addresses at the bottom</TD></TR>\n",
            d->id);
    if (d->nboxes == 0)
        fputs("<TR><TD BORDER=\"1\"><I>nothing is loaded</I></TD></TR>\n", f);
    for (size_t k = d->nboxes; k-- > 0;) {
        const box *b = &d->boxes[k];
        put_box_header(d, b);
        for (size_t g = b->gfirst + b->gcount; g-- > b->gfirst;)
            put_row(f, d->mem, &d->mgroups[g], g, false);
        if (b->gcount == 0)
            fputs("<TR><TD COLSPAN=\"4\"><I>empty</I></TD></TR>\n", f);
        fputs("</TABLE></TD></TR>\n", f);
        /* The gap down to the next lower box. */
        if (k > 0 && !b->unplaced && !d->boxes[k - 1].unplaced && b->lo > d->boxes[k - 1].hi) {
            uint64_t gap = b->lo - d->boxes[k - 1].hi;
            fputs("<TR><TD HEIGHT=\"6\"><FONT POINT-SIZE=\"8\" COLOR=\"#666666\">gap: ", f);
            put_bytes(f, gap);
            fputs(" not mapped</FONT></TD></TR>\n", f);
        }
    }
    fputs("</TABLE>>];\n", f);
}

/* The note: the image's findings and savings (when the analyzers ran) and its warnings. */
static size_t note_lines(const ss_image *im, FILE *f, bool print)
{
    size_t n = 0;
    const ss_analysis *a = im->analysis;
#define NOTE_LINE(...)                                                                             \
    do {                                                                                           \
        if (print) {                                                                               \
            fputs("<TR><TD ALIGN=\"LEFT\">", f);                                                   \
            __VA_ARGS__;                                                                           \
            fputs("</TD></TR>\n", f);                                                              \
        }                                                                                          \
        n++;                                                                                       \
    } while (0)
    if (a != NULL && (a->ran & SS_AN_BSS)) {
        const ss_bss_result *b = &a->bss;
        if (b->zero_init_bytes)
            NOTE_LINE(fputs("zero-fill (BSS): ", f); put_bytes(f, b->zero_init_bytes);
                      fputs(" of memory, no file bytes", f));
        if (b->movable_bytes)
            NOTE_LINE(fputs("could move to BSS: ", f); put_bytes(f, b->movable_bytes);
                      fprintf(f, " of all-zero initialized data (%" PRIu64 " objects)",
                              b->movable_count));
        if (b->zero_run_bytes)
            NOTE_LINE(fputs("zero runs in data: ", f); put_bytes(f, b->zero_run_bytes));
    }
    if (a != NULL && (a->ran & SS_AN_STRINGS)) {
        const ss_strings_result *s = &a->strings;
        if (s->duplicate_bytes || s->tail_merge_bytes)
            NOTE_LINE(fputs("duplicate strings: ", f); put_bytes(f, s->duplicate_bytes);
                      fprintf(f, " in %" PRIu64 " groups; tail merging: ", s->duplicate_groups);
                      put_bytes(f, s->tail_merge_bytes));
        if (s->hint && (s->duplicate_bytes || s->tail_merge_bytes))
            NOTE_LINE(ss_esc_dot(f, s->hint, MSG_MAX_CP));
    }
    if (a != NULL) {
        size_t shown = 0;
        for (size_t i = 0; i < a->nfindings; i++) {
            const ss_finding *fd = &a->findings[i];
            if (fd->severity == SS_SEV_INFO)
                continue;
            if (shown++ == NOTE_MAX_LINES) {
                NOTE_LINE(fputs("(more findings in the text report)", f));
                break;
            }
            NOTE_LINE(fputs(fd->severity == SS_SEV_ERROR ? "<FONT COLOR=\"#cc0000\">" : "<FONT>",
                            f);
                      fputs(ss_severity_name(fd->severity), f); fputs(" ", f);
                      ss_esc_dot(f, fd->id ? fd->id : "", NAME_MAX_CP); fputs(": ", f);
                      ss_esc_dot(f, fd->message ? fd->message : "", MSG_MAX_CP);
                      fputs("</FONT>", f));
        }
    }
    for (size_t i = 0; i < im->nwarnings; i++) {
        if (i == NOTE_MAX_LINES) {
            NOTE_LINE(fprintf(f, "%zu more warnings", im->nwarnings - i));
            break;
        }
        NOTE_LINE(fputs("warning: ", f); ss_esc_dot(f, im->warnings[i].message, MSG_MAX_CP));
    }
#undef NOTE_LINE
    return n;
}

static void put_note(const dot_image *d)
{
    FILE *f = d->f;
    if (note_lines(d->im, f, false) == 0)
        return;
    fprintf(f, "    i%zun [shape=note, style=filled, fillcolor=\"#fffbe6\", color=\"#9c8526\", "
               "label=<<TABLE BORDER=\"0\" CELLBORDER=\"0\" CELLSPACING=\"1\">\n"
               "<TR><TD ALIGN=\"LEFT\"><B>Findings</B></TD></TR>\n",
            d->id);
    note_lines(d->im, f, true);
    fprintf(f, "</TABLE>>];\n    i%zum -> i%zun [style=invis];\n", d->id, d->id);
}

static void put_edges(const dot_image *d)
{
    for (size_t i = 0; i < d->nedges; i++) {
        const edge *e = &d->edges[i];
        const group *g = &d->mgroups[e->to];
        const item *it = group_item(d->mem, g);
        colours c = it ? row_colours(it, false) : C_MERGED;
        if (it && it->style == ST_ZERO)
            c = perm_colours(it->perms);
        fprintf(d->f, "    i%zuf:f%zu:e -> i%zum:m%zu:w [color=\"%s\"];\n", d->id, e->from, d->id,
                e->to, c.border);
    }
}

static void put_title(FILE *f, const ss_image *im)
{
    char h[16];
    fputs("<B>", f);
    ss_esc_dot(f, im->path ? im->path : "", PATH_MAX_CP);
    if (im->member) {
        fputs("(", f);
        ss_esc_dot(f, im->member, PATH_MAX_CP);
        fputs(")", f);
    }
    fprintf(f, "</B><BR ALIGN=\"LEFT\"/>%s%u %s-endian ",
            im->format_label ? im->format_label : ss_format_name(im->format),
            im->bits, im->big_endian ? "big" : "little");
    ss_esc_dot(f, im->machine ? im->machine : "", NAME_MAX_CP);
    fputs(", ", f);
    ss_esc_dot(f, im->type_detail ? im->type_detail : "", NAME_MAX_CP);
    fprintf(f, ", %" PRIu64 " bytes (%s)", im->file_size, ss_human(im->file_size, h));
    ss_sizes sz;
    ss_sizes_compute(im, &sz);
    fprintf(f, "<BR ALIGN=\"LEFT\"/>text %" PRIu64 "  data %" PRIu64 "  bss %" PRIu64
               " (size rule: " SS_SIZE_RULE ")<BR ALIGN=\"LEFT\"/>",
            sz.text, sz.data, sz.bss);
}

void ss_dot_image(FILE *f, const ss_image *im, size_t id, const ss_emit_opts *o)
{
    dot_image d = {.f = f, .im = im, .id = id, .max = o->dot_max_rows};
    fprintf(f, "  subgraph cluster_i%zu {\n    label=<", id);
    put_title(f, im);
    fputs(">;\n    labelloc=t; labeljust=l; style=rounded; color=\"#888888\";\n", f);
    if (build(&d)) {
        put_file_node(&d);
        put_mem_node(&d);
        put_note(&d);
        put_edges(&d);
    } else {
        fprintf(f, "    i%zuf [label=\"(out of memory while drawing this image)\"];\n", id);
    }
    fputs("  }\n", f);
    dot_image_free(&d);
}

void ss_dot_begin(FILE *f)
{
    fputs("// segscan memory-layout diagram; render with Graphviz: dot -Tsvg\n"
          "digraph segscan {\n"
          "  graph [rankdir=LR, charset=\"UTF-8\", fontname=\"Helvetica\", fontsize=11, "
          "nodesep=0.4, ranksep=1.4];\n"
          "  node [shape=plaintext, fontname=\"Helvetica\", fontsize=10];\n"
          "  edge [arrowsize=0.6, penwidth=1.2];\n",
          f);
}

void ss_dot_container_begin(FILE *f, const ss_input *in, size_t id)
{
    char h[16];
    fprintf(f, " subgraph cluster_c%zu {\n  label=<<B>", id);
    ss_esc_dot(f, in->path, PATH_MAX_CP);
    fprintf(f, "</B>: %s, %zu bytes (%s)>;\n  labelloc=t; labeljust=l; style=dashed; "
               "color=\"#555555\";\n",
            ss_container_name(in->container), in->bytes.len, ss_human(in->bytes.len, h));
}

void ss_dot_container_end(FILE *f)
{
    fputs(" }\n", f);
}

static void legend_row(FILE *f, colours c, const char *style, const char *text)
{
    fprintf(f, "<TR><TD BORDER=\"1\" COLOR=\"%s\" BGCOLOR=\"%s\" WIDTH=\"28\"%s></TD>"
               "<TD ALIGN=\"LEFT\">%s</TD></TR>\n",
            c.border, c.fill, style, text);
}

void ss_dot_end(FILE *f)
{
    fputs("  subgraph cluster_legend {\n    label=<<B>Legend</B>>; labelloc=t; labeljust=l; "
          "style=rounded; color=\"#888888\";\n"
          "    legend [label=<<TABLE BORDER=\"0\" CELLBORDER=\"0\" CELLSPACING=\"3\">\n",
          f);
    legend_row(f, C_R, "", "r-- read-only (rodata, headers mapped)");
    legend_row(f, C_RX, "", "r-x code");
    legend_row(f, C_RW, "", "rw- writable data");
    legend_row(f, C_WX, "", "<B>writable and executable (w+x)</B>");
    legend_row(f, C_NONE, "", "no access, or other permissions");
    legend_row(f, C_ZERO, " STYLE=\"dashed\"", "zero-fill (BSS): memory only, 0 file bytes");
    legend_row(f, C_HEADER, "", "headers and tables");
    legend_row(f, C_UNLOADED, "", "file bytes not loaded (symbols, debug, ...)");
    legend_row(f, C_PADDING, "", "padding");
    legend_row(f, C_MERGED, "", "N others: small rows merged (--dot-max-sections)");
    fputs("<TR><TD>&#8594;</TD><TD ALIGN=\"LEFT\">file bytes to where they are mapped</TD></TR>\n"
          "</TABLE>>];\n  }\n"
          "  label=<Both columns have <B>low addresses and offsets at the bottom</B>, as in the "
          "classic process picture. Rows are not to scale. An arrow goes from file bytes to "
          "where they are loaded; zero-fill has none: it costs no file bytes.>;\n"
          "  labelloc=b; labeljust=l;\n"
          "}\n",
          f);
}

/* ---- the DOT emitter ------------------------------------------------------------------------- */

static bool dot_begin(ss_report *r)
{
    ss_dot_begin(r->out);
    return true;
}

/* Which member images to draw: all when there are at most DOT_MAX_MEMBERS, else the
 * DOT_MAX_MEMBERS largest by file size (ties: the earlier member). draw[u] is set for them. */
static size_t pick_members(const ss_input *in, bool *draw)
{
    size_t nimages = 0;
    for (size_t u = 0; u < in->nunits; u++)
        nimages += in->units[u].image != NULL;
    for (size_t u = 0; u < in->nunits; u++)
        draw[u] = in->units[u].image != NULL;
    if (nimages <= DOT_MAX_MEMBERS)
        return nimages;
    for (size_t u = 0; u < in->nunits; u++) {
        if (!draw[u])
            continue;
        size_t larger = 0; /* images ranked before this one */
        uint64_t s = in->units[u].image->file_size;
        for (size_t v = 0; v < in->nunits && larger < DOT_MAX_MEMBERS; v++) {
            const ss_image *o = in->units[v].image;
            if (o && v != u && (o->file_size > s || (o->file_size == s && v < u)))
                larger++;
        }
        draw[u] = larger < DOT_MAX_MEMBERS;
    }
    return DOT_MAX_MEMBERS;
}

static void dot_input(ss_report *r, const ss_input *in, const ss_totals *t)
{
    (void)t;
    bool cluster = in->container != SS_CONTAINER_NONE;
    bool *draw = in->nunits ? calloc(in->nunits, sizeof *draw) : NULL;
    size_t drawn = 0, nimages = 0;
    uint64_t rest_bytes = 0;
    if (in->nunits && draw == NULL) {
        fprintf(r->out, "  oom_i%zu [label=\"(out of memory while drawing this input)\"];\n",
                r->images_printed++);
        return;
    }
    if (in->nunits)
        drawn = pick_members(in, draw);
    if (cluster)
        ss_dot_container_begin(r->out, in, r->containers++);
    for (size_t u = 0; u < in->nunits; u++) {
        if (in->units[u].image == NULL)
            continue;
        nimages++;
        if (draw[u])
            ss_dot_image(r->out, in->units[u].image, r->images_printed++, &r->opts);
        else
            ss_sat_add(&rest_bytes, in->units[u].image->file_size);
    }
    if (nimages > drawn) {
        /* One box for the members not drawn, and a line on stderr saying so. */
        char h[16];
        fprintf(r->out,
                "  rest_c%zu [shape=box, style=dashed, label=<%zu more member images not drawn "
                "(%" PRIu64 " bytes, %s): the diagram draws the %d largest of %zu. "
                "segscan FILE(MEMBER) draws one.>];\n",
                r->containers, nimages - drawn, rest_bytes, ss_human(rest_bytes, h),
                DOT_MAX_MEMBERS, nimages);
        char p[512];
        ss_escape_text(in->path, p, sizeof p);
        fprintf(stderr,
                "segscan: %s: the diagram draws the %d largest of %zu member images; the other "
                "%zu are summarised in one box\n",
                p, DOT_MAX_MEMBERS, nimages, nimages - drawn);
    }
    if (cluster)
        ss_dot_container_end(r->out);
    free(draw);
}

static void dot_end(ss_report *r)
{
    ss_dot_end(r->out);
}

const ss_emitter ss_emitter_dot = {
    .name = "dot",
    .about = "a memory-layout diagram in Graphviz's language (svg and png: rendered by dot)",
    .begin = dot_begin,
    .input = dot_input,
    .end = dot_end,
};
