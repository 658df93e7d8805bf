/* strings.c - duplicated and tail-mergeable string literals in read-only data.
 *
 * Near-linear by construction: one pass over the bytes finds the strings, a hash table groups
 * equal ones, and one sort of the distinct strings by their reversed text puts each string right
 * before the strings it is a suffix of (so tail merging is a check of neighbours, never a
 * comparison of all pairs). Definitions are in analysis.h. */
#include <stdatomic.h> /* atomic_size_t */
#include <stddef.h> /* size_t */
#include <stdlib.h> /* malloc, calloc, free, qsort */
#include <string.h> /* memcmp, memmem, strcmp */

#include "analysis.h"
#include "bigmem.h"
#include "helper.h"
#include "strscan.h"

/* ---- grouping equal strings ------------------------------------------------------------- */

typedef struct {
    const uint8_t *p;
    uint32_t len;
    uint32_t copies;
} group;

/* The copies of a group are not listed: only the kept duplicates' offsets are reported, and one
 * pass over the records finds them (copies_of). Linking every record into its group's list cost
 * a write per record and a fatter group: grouping libLLVM-15's strings on one thread went from
 * 4.1 to 2.9 ms without it. */
typedef struct {
    ss_strrecs r; /* every string found, in no particular order (see scan_all) */
    group *g;     /* distinct strings, in no particular order */
    size_t ng;
    size_t g_alloc; /* elements of g */
} strtab;

static void strtab_free(strtab *t)
{
    ss_strrecs_free(&t->r);
    ss_big_free(t->g, t->g_alloc * sizeof *t->g);
}

/* How far ahead of the insert the table slot is prefetched: the table is too big for the
 * caches of a big library (4 MiB for libLLVM-15), and with the next slots already on their way
 * the inserts no longer wait on memory one by one. */
#define PREFETCH_AHEAD 16
/* Below this many records one thread groups them all (a thread costs about 0.1 ms). */
#define GROUP_SPLIT_MIN 65536

/* Runs fn(a) here and fn(b) on a thread of its own (or after fn(a) when no thread can be
 * made), and returns when both are done. */
static void run_pair(void *(*fn)(void *), void *a, void *b)
{
    ss_helper h;
    bool threaded = ss_helper_start(&h, fn, b);
    fn(a);
    if (threaded)
        ss_helper_join(&h);
    else
        fn(b);
}

/* Groups the records of one part: those whose hash has top bit part, or all of them when parts
 * is 1. Each part has its own open-addressing table (load <= 1/2, entries hash << 32 | group
 * + 1) and writes its groups into the shared array from one end: part 0 from the front, part 1
 * from the back, so the two never meet. Nothing is written per record: two threads writing
 * entries of one array by record would share its cache lines all the way. */
typedef struct {
    _Alignas(64) strtab *t; /* on lines of its own, like tail_job */
    unsigned part, parts;
    size_t ng; /* groups found */
    bool ok;
} group_job;

static void *group_part(void *arg)
{
    group_job *j = arg;
    strtab *t = j->t;
    const ss_strrec *rec = t->r.items;
    size_t n = t->r.n;
    /* This part's records. */
    uint32_t *own = NULL;
    size_t m = n;
    if (j->parts > 1) {
        own = ss_big_alloc(n * sizeof *own);
        if (own == NULL) {
            j->ok = false;
            return NULL;
        }
        m = 0;
        for (size_t i = 0; i < n; i++) {
            own[m] = (uint32_t)i;
            m += rec[i].hash >> 31 == j->part;
        }
    }
    size_t cap = 1024;
    while (cap < 2 * m)
        cap <<= 1;
    size_t mask = cap - 1;
    uint64_t *table = ss_big_alloc(cap * sizeof *table);
    if (table == NULL) {
        ss_big_free(own, n * sizeof *own);
        j->ok = false;
        return NULL;
    }
    group *g = t->g;
    bool back = j->part == 1;
    size_t ng = 0; /* not j->ng: the two jobs' structs may share a cache line */
    for (size_t k = 0; k < m; k++) {
        if (k + PREFETCH_AHEAD < m)
            __builtin_prefetch(&table[rec[own ? own[k + PREFETCH_AHEAD] : k + PREFETCH_AHEAD].hash & mask]);
        const ss_strrec *r = &rec[own ? own[k] : k];
        size_t h = r->hash & mask;
        for (;;) {
            uint64_t e = table[h];
            if (e == 0) {
                g[back ? n - 1 - ng : ng] = (group){r->p, r->len, 1};
                table[h] = (uint64_t)r->hash << 32 | (uint64_t)++ng;
                break;
            }
            if ((uint32_t)(e >> 32) == r->hash) {
                size_t l = (uint32_t)e - 1;
                group *x = &g[back ? n - 1 - l : l];
                if (x->len == r->len && memcmp(x->p, r->p, r->len) == 0) {
                    x->copies++;
                    break;
                }
            }
            h = (h + 1) & mask;
        }
    }
    ss_big_free(table, cap * sizeof *table);
    ss_big_free(own, n * sizeof *own);
    j->ng = ng;
    j->ok = true;
    return NULL;
}

/* Groups the records; with two threads, each groups the records of one half of the hash space
 * (the 249k strings of libLLVM-15's .rodata, in a lab program: 2.9 ms on one thread, 2.1-2.6
 * ms on two). The order of the groups is not part of any result: the duplicates are ranked by a
 * total order and the rest are sums. */
static bool group_all(strtab *t, unsigned threads)
{
    size_t n = t->r.n;
    t->ng = 0;
    if (n == 0)
        return true;
    t->g = ss_big_alloc(n * sizeof *t->g);
    t->g_alloc = n;
    if (t->g == NULL)
        return false;
    if (threads < 2 || n < GROUP_SPLIT_MIN) {
        group_job j = {t, 0, 1, 0, false};
        group_part(&j);
        t->ng = j.ng;
        return j.ok;
    }
    group_job j0 = {t, 0, 2, 0, false}, j1 = {t, 1, 2, 0, false};
    run_pair(group_part, &j0, &j1);
    if (!j0.ok || !j1.ok)
        return false;
    /* Part 1's groups close the gap after part 0's. */
    memmove(t->g + j0.ng, t->g + (n - j1.ng), j1.ng * sizeof *t->g);
    t->ng = j0.ng + j1.ng;
    return true;
}

/* ---- tail merging ----------------------------------------------------------------------- */

typedef struct {
    uint64_t key;  /* the last 8 bytes of the text reversed, zero-padded (no string holds a NUL,
                    * so a string that ends sorts first) */
    uint64_t next; /* the 8 bytes before those, the same way; deeper ones while refining */
    uint32_t gi;   /* group */
    uint32_t len;
} rstr;

/* The reversed text of p[0, len) from byte depth on, 8 bytes as a big-endian number: the byte
 * nearest the end is the most significant. On a little-endian machine that is one load of the
 * eight bytes before len - depth. */
static uint64_t rkey(const uint8_t *p, uint32_t len, size_t depth)
{
    if (depth >= len)
        return 0;
    size_t r = len - depth; /* bytes left, the last one at p[r - 1] */
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    uint64_t w = 0;
    if (r >= 8) {
        memcpy(&w, p + r - 8, 8);
        return w;
    }
    for (size_t i = 0; i < r; i++)
        w |= (uint64_t)p[i] << (8 * (i + 8 - r));
    return w;
#else
    uint64_t k = 0;
    for (size_t i = 0; i < 8; i++)
        k = k << 8 | (i < r ? p[r - 1 - i] : 0);
    return k;
#endif
}

typedef struct {
    size_t a, b, depth;
} span3;

/* (key, next) as one 16-byte big-endian number: byte d of it. */
static unsigned digit(const rstr *x, unsigned d)
{
    return (unsigned)((d < 8 ? x->key >> (56 - 8 * d) : x->next >> (120 - 8 * d)) & 0xff);
}

static bool pair_less(const rstr *x, const rstr *y)
{
    return x->key != y->key ? x->key < y->key : x->next < y->next;
}

/* Runs up to this long are insertion-sorted: below about a hundred records a radix level's
 * three passes and 256 counters cost more than the moves (libLLVM-15's 227k distinct strings,
 * side by side in a lab program: the tail merge on one thread took 13.4-14.1 ms at 32,
 * 12.3-12.5 at 96, 11.9-13.1 at 128, 12.3-13.4 at 256). */
#define SMALL_RUN 96

static void insertion_sort(rstr *r, size_t n)
{
    for (size_t i = 1; i < n; i++) {
        rstr v = r[i];
        size_t j = i;
        while (j > 0 && pair_less(&v, &r[j - 1])) {
            r[j] = r[j - 1];
            j--;
        }
        r[j] = v;
    }
}

/* Most-significant-digit radix sort by (key, next) from byte d on, tmp as scratch of n. A level
 * reads only the bucket it splits, which soon fits the cache, and text spreads over the 256
 * buckets fast: libLLVM's strings need two or three levels, where a least-significant-digit
 * sort makes all sixteen passes over the whole array. Depth is at most 16. */
static void msd_sort(rstr *r, rstr *tmp, size_t n, unsigned d)
{
    if (n > SMALL_RUN && d < 16) {
        /* Skip the bytes every record shares (strings with a common ending), in one pass. */
        uint64_t dk = 0, dn = 0;
        for (size_t i = 1; i < n; i++) {
            dk |= r[i].key ^ r[0].key;
            dn |= r[i].next ^ r[0].next;
        }
        unsigned first = dk ? (unsigned)__builtin_clzll(dk) / 8
                            : dn ? 8 + (unsigned)__builtin_clzll(dn) / 8 : 16;
        if (first > d)
            d = first;
    }
    if (n > SMALL_RUN && d < 16) {
        size_t cnt[256] = {0};
        for (size_t i = 0; i < n; i++)
            cnt[digit(&r[i], d)]++;
        size_t pos[256], sum = 0;
        for (unsigned b = 0; b < 256; b++) {
            pos[b] = sum;
            sum += cnt[b];
        }
        for (size_t i = 0; i < n; i++)
            tmp[pos[digit(&r[i], d)]++] = r[i];
        memcpy(r, tmp, n * sizeof *r);
        for (size_t b = 0, at = 0; b < 256; at += cnt[b], b++)
            if (cnt[b] > 1)
                msd_sort(r + at, tmp + at, cnt[b], d + 1);
    } else if (n <= SMALL_RUN) {
        insertion_sort(r, n);
    }
}

/* Sorts r[0, n) by reversed text: by the last sixteen bytes, which the build put in each record,
 * then runs that share them by eight more bytes at each level, read from the strings. Each level
 * reads only bytes no earlier level could tell apart, so the work is bounded by the strings'
 * bytes. */
static bool push_span(span3 **stack, size_t *ns, size_t *caps, span3 sp)
{
    if (*ns == *caps) {
        size_t nc = *caps ? *caps * 2 : 64;
        span3 *s2 = realloc(*stack, nc * sizeof *s2);
        if (s2 == NULL)
            return false;
        *stack = s2;
        *caps = nc;
    }
    (*stack)[(*ns)++] = sp;
    return true;
}

/* Sorts r[0, n) by reversed text from byte d of the 16-byte pair on: by those sixteen bytes,
 * which the build put in each record, then runs that share them by eight more bytes at each
 * level, read from the strings. Each level reads only bytes no earlier level could tell apart,
 * so the work is bounded by the strings' bytes. */
static bool sort_range(const group *g, rstr *r, rstr *tmp, size_t n, unsigned d)
{
    msd_sort(r, tmp, n, d);
    span3 *stack = NULL;
    size_t ns = 0, caps = 0;
    bool ok = true;
    /* Runs equal in all sixteen bytes, at depth 16; deeper, rstr.next holds the run's key. */
    for (size_t a = 0; a < n && ok;) {
        size_t b = a + 1;
        while (b < n && r[b].key == r[a].key && r[b].next == r[a].next)
            b++;
        if (b - a > 1)
            ok = push_span(&stack, &ns, &caps, (span3){a, b, 16});
        a = b;
    }
    while (ok && ns) {
        span3 sp = stack[--ns];
        uint32_t longest = 0;
        for (size_t i = sp.a; i < sp.b; i++) {
            r[i].next = rkey(g[r[i].gi].p, r[i].len, sp.depth);
            longest = r[i].len > longest ? r[i].len : longest;
        }
        msd_sort(r + sp.a, tmp + sp.a, sp.b - sp.a, 8); /* keys are equal: bytes 8.. of the pair */
        for (size_t i = sp.a; i < sp.b && ok;) {
            size_t j = i + 1;
            while (j < sp.b && r[j].next == r[i].next)
                j++;
            /* Distinct strings differ before the longest ends; equal ones can only come from
             * bytes that changed since they were told apart (a file that shrank under its
             * mapping reads as zeros, see core/mapguard.h): the sort stops there. */
            if (j - i > 1 && sp.depth + 8 < longest)
                ok = push_span(&stack, &ns, &caps, (span3){i, j, sp.depth + 8});
            i = j;
        }
    }
    free(stack);
    return ok;
}

/* The first level of the sort takes the last two bytes at once: one pass over all records into
 * 65,536 buckets, where byte-at-a-time it is two passes and a copy back (libLLVM-15's 282k
 * distinct strings: 22.9 -> 20.3 ms for the tail merge, side by side in one run). Small inputs
 * skip it: its table costs more than they do. */
#define TOP_BITS 16
#define TOP_BUCKETS (1u << TOP_BITS)
#define TOP_MIN 4096
_Static_assert(TOP_BITS == 16, "the buckets are bytes 0 and 1: the buckets' sort starts at byte 2");

static unsigned top_of(const rstr *x)
{
    return (unsigned)(x->key >> (64 - TOP_BITS));
}

static rstr rstr_of(const group *g, size_t i)
{
    return (rstr){rkey(g[i].p, g[i].len, 0), rkey(g[i].p, g[i].len, 8), (uint32_t)i, g[i].len};
}

/* Whether s is a proper suffix of n, the string right after it in reversed-text order. */
static bool is_tail(const group *g, const rstr *s, const rstr *n)
{
    if (s->len >= n->len)
        return false;
    if (s->len < 8) /* the key holds all of s: its top len bytes must match */
        return (s->key ^ n->key) >> (8 * (8 - s->len)) == 0;
    return s->key == n->key &&
           memcmp(g[s->gi].p, g[n->gi].p + (n->len - s->len), s->len - 8) == 0;
}

/* One thread's share of the tail merge. Every step but the one between the scatter and the sort
 * splits in two (on libLLVM-15's 227k distinct strings the build, the first pass and the check
 * took 5.4 of the 14 ms on one thread). */
typedef struct {
    /* Each job on cache lines of its own, and its results written once at the end: with the
     * two jobs' fields on one line, every write in a loop moved the line between the cores
     * (grouping libLLVM-15's strings took 4.5 ms on two threads, 2.1 ms without). */
    _Alignas(64) const group *g;
    rstr *r, *tmp;       /* the records are built in r and scattered into tmp, sorted there */
    size_t lo, hi;       /* the records this part builds and scatters */
    uint32_t *cnt;       /* TOP_BUCKETS: how many of them each bucket gets, then where the next
                          * one goes */
    const uint32_t *end; /* end[b]: one past bucket b */
    uint32_t b0, b1;     /* the buckets this part sorts and checks */
    uint64_t strings, bytes;
    bool ok;
} tail_job;

static void *tail_build(void *arg)
{
    tail_job *j = arg;
    for (size_t i = j->lo; i < j->hi; i++) {
        j->r[i] = rstr_of(j->g, i);
        j->cnt[top_of(&j->r[i])]++;
    }
    return NULL;
}

static void *tail_scatter(void *arg)
{
    tail_job *j = arg;
    for (size_t i = j->lo; i < j->hi; i++)
        j->tmp[j->cnt[top_of(&j->r[i])]++] = j->r[i];
    return NULL;
}

/* Counts the tails among r[a, b), pairs inside the range only. */
static void count_tails(const group *g, const rstr *r, size_t a, size_t b, uint64_t *strings,
                        uint64_t *bytes)
{
    for (size_t i = a; i + 1 < b; i++)
        if (is_tail(g, &r[i], &r[i + 1])) {
            (*strings)++;
            *bytes += (uint64_t)r[i].len + 1;
        }
}

/* Sorts each bucket of the part from byte 2 (bytes 0 and 1 are the bucket), then counts the
 * tails among them. */
static void *tail_sort(void *arg)
{
    tail_job *j = arg;
    bool ok = true; /* locals, not j's fields: see tail_job */
    for (uint32_t b = j->b0; b < j->b1 && ok; b++) {
        size_t at = b ? j->end[b - 1] : 0, n = j->end[b] - at;
        if (n > 1)
            ok = sort_range(j->g, j->tmp + at, j->r + at, n, 2);
    }
    j->ok = ok;
    uint64_t strings = 0, bytes = 0;
    if (ok && j->b1 > j->b0)
        count_tails(j->g, j->tmp, j->b0 ? j->end[j->b0 - 1] : 0, j->end[j->b1 - 1], &strings,
                    &bytes);
    j->strings = strings;
    j->bytes = bytes;
    return NULL;
}

/* Runs fn on the first part here and on the second on a helper, or on the one part. */
static void run_parts(void *(*fn)(void *), tail_job *jobs, unsigned parts)
{
    if (parts > 1)
        run_pair(fn, &jobs[0], &jobs[1]);
    else
        fn(&jobs[0]);
}

/* Distinct strings that are a proper suffix of another distinct string: in reversed-text order
 * a string comes right before the strings it ends. */
static bool tail_merge(const group *g, size_t ng, unsigned threads, uint64_t *strings,
                       uint64_t *bytes)
{
    *strings = *bytes = 0;
    if (ng < 2)
        return true;
    rstr *r = ss_big_alloc(ng * sizeof *r), *tmp = ss_big_alloc(ng * sizeof *tmp);
    uint32_t *cnt = NULL, *end = NULL;
    bool ok = r && tmp;
    if (ok && ng < TOP_MIN) {
        for (size_t i = 0; i < ng; i++)
            r[i] = rstr_of(g, i);
        ok = sort_range(g, r, tmp, ng, 0);
        if (ok)
            count_tails(g, r, 0, ng, strings, bytes);
        goto done;
    }
    unsigned parts = threads > 1 ? 2 : 1;
    cnt = ok ? calloc((size_t)parts * TOP_BUCKETS, sizeof *cnt) : NULL;
    end = cnt ? malloc(TOP_BUCKETS * sizeof *end) : NULL;
    if (end == NULL) {
        ok = false;
        goto done;
    }
    tail_job jobs[2];
    for (unsigned k = 0; k < parts; k++)
        jobs[k] = (tail_job){g, r, tmp, ng * k / parts, ng * (k + 1) / parts,
                             cnt + (size_t)k * TOP_BUCKETS, end, 0, TOP_BUCKETS, 0, 0, false};
    run_parts(tail_build, jobs, parts);
    /* Each part's records go after the earlier parts' in every bucket; the sort splits the
     * buckets where half the records are behind. */
    uint32_t sum = 0, mid = 0;
    for (uint32_t b = 0; b < TOP_BUCKETS; b++) {
        for (unsigned k = 0; k < parts; k++) {
            uint32_t c = jobs[k].cnt[b];
            jobs[k].cnt[b] = sum;
            sum += c;
        }
        end[b] = sum;
        if (sum <= ng / 2)
            mid = b + 1;
    }
    run_parts(tail_scatter, jobs, parts);
    if (parts > 1) {
        jobs[0].b1 = mid;
        jobs[1].b0 = mid;
    }
    run_parts(tail_sort, jobs, parts);
    for (unsigned k = 0; k < parts; k++) {
        ok &= jobs[k].ok;
        *strings += jobs[k].strings;
        *bytes += jobs[k].bytes;
    }
    /* The pair across the split. */
    size_t at = mid ? end[mid - 1] : 0;
    if (ok && parts > 1 && at > 0 && at < ng && is_tail(g, &tmp[at - 1], &tmp[at])) {
        (*strings)++;
        *bytes += (uint64_t)tmp[at - 1].len + 1;
    }
done:
    free(cnt);
    free(end);
    ss_big_free(r, ng * sizeof *r);
    ss_big_free(tmp, ng * sizeof *tmp);
    return ok;
}

/* ---- duplicates list ------------------------------------------------------------------- */

typedef struct {
    const uint8_t *p;
    uint32_t len;
    uint64_t copies, wasted;
    size_t gi;
} dup;

static int dup_cmp(const void *a, const void *b)
{
    const dup *x = a, *y = b;
    if (x->wasted != y->wasted)
        return x->wasted > y->wasted ? -1 : 1;
    if (x->len != y->len)
        return x->len > y->len ? -1 : 1;
    int c = memcmp(x->p, y->p, x->len);
    return c;
}

/* Heap of the kept duplicates, the one ranked last at the root: a candidate that ranks before
 * the root replaces it. */
static void dup_sift_down(dup *h, size_t n, size_t i)
{
    for (;;) {
        size_t l = 2 * i + 1, m = i;
        if (l < n && dup_cmp(&h[l], &h[m]) > 0)
            m = l;
        if (l + 1 < n && dup_cmp(&h[l + 1], &h[m]) > 0)
            m = l + 1;
        if (m == i)
            return;
        dup t = h[i];
        h[i] = h[m];
        h[m] = t;
        i = m;
    }
}

static void dup_sift_up(dup *h, size_t i)
{
    while (i > 0 && dup_cmp(&h[(i - 1) / 2], &h[i]) < 0) {
        dup t = h[i];
        h[i] = h[(i - 1) / 2];
        h[(i - 1) / 2] = t;
        i = (i - 1) / 2;
    }
}

/* The SS_KEEP_STRINGS groups with more than one copy that waste the most, largest waste first,
 * in *out (malloc'd, NULL when there are none); *n gets the number of all such groups, *bytes
 * their total waste, Σ (copies - 1) × (len + 1). Only the kept ones are sorted: a heap of them
 * rejects most candidates on one compare (the 6,897 duplicated groups of 32 MiB of libLLVM-15's
 * .rodata: sorting them all took 1.6 ms). False when out of memory. */
static bool ranked_dups(const group *gs, size_t ng, dup **out, size_t *n, uint64_t *bytes)
{
    *out = NULL;
    *n = 0;
    dup *h = malloc(SS_KEEP_STRINGS * sizeof *h);
    if (h == NULL)
        return false;
    size_t nh = 0;
    for (size_t i = 0; i < ng; i++) {
        const group *g = &gs[i];
        if (g->copies < 2)
            continue;
        uint64_t w = (uint64_t)(g->copies - 1) * ((uint64_t)g->len + 1);
        *bytes += w;
        ++*n;
        dup c = {g->p, g->len, g->copies, w, i};
        if (nh < SS_KEEP_STRINGS) {
            h[nh] = c;
            dup_sift_up(h, nh++);
        } else if (dup_cmp(&c, &h[0]) < 0) {
            h[0] = c;
            dup_sift_down(h, nh, 0);
        }
    }
    if (nh == 0) {
        free(h);
        return true;
    }
    qsort(h, nh, sizeof *h, dup_cmp);
    *out = h;
    return true;
}

/* ---- which linker ----------------------------------------------------------------------- */

/* The linker is the reader's finding (im->linker); for an object, im->object_linker names the
 * family whose merge rules will apply. */
static const char *make_hint(const ss_strings_result *r, ss_linker object_linker)
{
    if (r->duplicate_bytes == 0 && r->tail_merge_bytes == 0)
        return NULL;
    bool dups = r->duplicate_bytes != 0, tails = r->tail_merge_bytes != 0;
    switch (r->linker) {
    case SS_LINKER_NONE:
        if (object_linker == SS_LINKER_LD64)
            return "an object: ld64 merges __cstring literals when linking; ld64.lld only with "
                   "--deduplicate-literals";
        if (object_linker == SS_LINKER_PE)
            return "an object: the linker merges only literals the compiler put in COMDATs "
                   "(MSVC/clang-cl /GF)";
        return "an object: the linker merges strings of SHF_MERGE|SHF_STRINGS sections (GNU ld "
               "by default, also tail merging; lld at -O1, tail merging at -O2); copies built "
               "with -fno-merge-constants or held in char arrays stay";
    case SS_LINKER_LLD:
        if (dups && tails)
            return "lld merges equal strings at -O1 (its default) and tail-merges only at -Wl,-O2; "
                   "the equal copies were linked at -O0 or never mergeable "
                   "(-fno-merge-constants, char arrays)";
        if (dups)
            return "lld merges equal strings at -O1 (its default): these copies were linked at "
                   "-O0 or never mergeable (-fno-merge-constants, char arrays)";
        return "lld tail-merges strings only at -Wl,-O2";
    case SS_LINKER_GNU:
        return "GNU ld merges and tail-merges strings by default, but only from "
               "SHF_MERGE|SHF_STRINGS input of equal alignment: these copies were not "
               "(-fno-merge-constants, char arrays, which are never merged)";
    case SS_LINKER_MOLD:
        return "mold merges strings of SHF_MERGE|SHF_STRINGS input: these copies were never "
               "mergeable (-fno-merge-constants, char arrays)";
    case SS_LINKER_LD64:
        if (dups)
            return "ld64.lld merges __cstring literals only with --deduplicate-literals "
                   "(Apple ld64 with -deduplicate-literals)";
        return "ld64.lld does not tail-merge __cstring literals, even with "
               "--deduplicate-literals";
    case SS_LINKER_PE:
        return "the PE linker merges only literals the compiler put in COMDATs (MSVC/clang-cl "
               "/GF); lld-link tail-merges them with /opt:lldtailmerge";
    case SS_LINKER_UNKNOWN:
        break;
    }
    return NULL;
}

/* ---- the analysis ------------------------------------------------------------------------- */

/* Below this many bytes to scan, a second thread costs more than it saves. */
#define SPLIT_MIN_BYTES (4u << 20)
/* The scan threads take turns at chunks of about this many bytes, so that the one that also
 * shares its CPU with the BSS analysis, or meets denser text, simply takes fewer: two fixed
 * halves of libLLVM-15's .rodata finished 2 ms apart. Each chunk ends just after a NUL (a NUL
 * ends every string, so the chunks find exactly the strings one scan would), looked for at most
 * CHUNK_LOOK bytes past the nominal end before the chunk takes in the next CHUNK bytes too. */
#define CHUNK (1u << 20)
#define CHUNK_LOOK (64u << 10)

typedef struct {
    _Alignas(64) const ss_span *chunks; /* on lines of its own, like tail_job */
    size_t nchunks;
    atomic_size_t *next; /* the next chunk to take, shared */
    uint32_t min;
    ss_strrecs out;
    bool ok;
} scan_job;

static void *scan_chunks(void *arg)
{
    scan_job *j = arg;
    ss_strrecs out = j->out; /* a local copy: the two jobs' structs may share a cache line */
    bool ok = true;
    for (;;) {
        size_t c = atomic_fetch_add_explicit(j->next, 1, memory_order_relaxed);
        if (c >= j->nchunks || !ok)
            break;
        ok = ss_strscan(j->chunks[c].p, j->chunks[c].len, j->min, &out);
    }
    j->out = out;
    j->ok = ok;
    return NULL;
}

/* Cuts the pieces into chunks (at most total / CHUNK + npc of them); returns how many. */
static size_t make_chunks(const ss_span *pc, size_t npc, ss_span *out)
{
    size_t n = 0;
    for (size_t k = 0; k < npc; k++) {
        const uint8_t *p = pc[k].p;
        size_t len = pc[k].len, at = 0;
        while (at < len) {
            size_t end = len, look = at + CHUNK;
            while (look < len) {
                size_t lim = len - look < CHUNK_LOOK ? len - look : CHUNK_LOOK;
                const uint8_t *z = memchr(p + look, 0, lim);
                if (z != NULL) {
                    end = (size_t)(z - p) + 1;
                    break;
                }
                look += CHUNK;
            }
            out[n++] = (ss_span){p + at, end - at};
            at = end;
        }
    }
    return n;
}

/* Scans the pieces into t->r: on two threads taking turns at chunks when threads > 1 and there
 * is enough to scan, else on this one. The records come out in no particular order (nothing
 * needs them in offset order: see copies_of). Every record has its room from the start, in one
 * block: a string takes at least min + 1 bytes with its NUL, so a part scanning a share of
 * total bytes finds at most total / (min + 1) strings, and each part gets that much (pages of
 * the block are only made when written). The second part's records then close up to the
 * first's. When the block cannot be had, the parts grow lists of their own. */
static bool scan_all(const ss_span *pc, size_t npc, uint64_t total, uint32_t min,
                     unsigned threads, strtab *t)
{
    unsigned parts = threads > 1 && total >= SPLIT_MIN_BYTES ? 2 : 1;
    size_t maxc = (size_t)(total / CHUNK) + npc + 1;
    ss_span *chunks = malloc(maxc * sizeof *chunks);
    if (chunks == NULL)
        return false;
    size_t nchunks = make_chunks(pc, npc, chunks);
    uint64_t bound64 = total / ((uint64_t)min + 1) + 1;
    size_t bound = bound64 < SS_STRING_MAX_RECORDS ? (size_t)bound64 : SS_STRING_MAX_RECORDS;
    ss_strrec *block = NULL;
    if (bound <= SIZE_MAX / sizeof *block / parts)
        block = ss_big_alloc_raw(parts * bound * sizeof *block);
    atomic_size_t next = 0;
    scan_job jobs[2];
    for (unsigned k = 0; k < parts; k++) {
        ss_strrecs out = {0};
        if (block != NULL)
            out = (ss_strrecs){.items = block + k * bound, .cap = bound, .fixed = true};
        jobs[k] = (scan_job){chunks, nchunks, &next, min, out, false};
    }
    if (parts > 1)
        run_pair(scan_chunks, &jobs[0], &jobs[1]);
    else
        scan_chunks(&jobs[0]);
    free(chunks);
    bool ok = jobs[0].ok && (parts < 2 || jobs[1].ok);
    ss_strrecs r = jobs[0].out;
    if (parts > 1) {
        const ss_strrecs *o = &jobs[1].out;
        size_t n0 = r.n, n = n0 + o->n > SS_STRING_MAX_RECORDS ? SS_STRING_MAX_RECORDS : n0 + o->n;
        if (block != NULL) {
            memmove(block + n0, o->items, (n - n0) * sizeof *block);
        } else if (ok && n > n0) {
            ok = ss_strrecs_reserve(&r, n);
            if (ok)
                memcpy(r.items + n0, o->items, (n - n0) * sizeof *r.items);
        }
        r.n = n;
        r.count += o->count;
        r.bytes += o->bytes;
        if (block == NULL)
            ss_strrecs_free(&jobs[1].out);
    }
    if (block != NULL) /* the whole block is the list now */
        r = (ss_strrecs){.items = block, .n = r.n, .cap = parts * bound, .count = r.count,
                         .bytes = r.bytes};
    t->r = r;
    return ok;
}

/* Everything the analysis computes before it writes into the image's arena: no arena use, so it
 * may run on a thread of its own beside the BSS analysis. */
struct ss_strings_job {
    ss_image *im; /* read only, but for the copy of its literal sections compute makes first */
    ss_analysis_opts o;
    strtab t;
    ss_strings_result res; /* the figures; lists are filled when published */
    dup *dl;
    size_t nd;
    bool oom;
    ss_helper th;
    bool threaded;
};

static int span_cmp(const void *a, const void *b)
{
    const ss_span *x = a, *y = b;
    if (x->p != y->p)
        return x->p < y->p ? -1 : 1;
    return (x->len > y->len) - (x->len < y->len);
}

/* Sorts the pieces by where they lie in the file and merges those that overlap, so that each
 * byte is scanned once however many sections claim it (10,000 sections over one 1 MiB made
 * 10 GB of records). Pieces that only touch stay apart: a string does not run across a
 * section boundary. Returns the new count. */
static size_t span_union(ss_span *pc, size_t n)
{
    if (n < 2)
        return n;
    qsort(pc, n, sizeof *pc, span_cmp);
    size_t k = 0;
    for (size_t i = 1; i < n; i++) {
        const uint8_t *end = pc[k].p + pc[k].len;
        if (pc[i].p < end) {
            if (pc[i].p + pc[i].len > end)
                pc[k].len = (size_t)(pc[i].p + pc[i].len - pc[k].p);
        } else {
            pc[++k] = pc[i];
        }
    }
    return k + 1;
}

/* Takes the bytes of cut[0, ncut) (sorted by start, merged) out of the sorted, disjoint pieces
 * pc[0, npc); pc has room for npc + ncut pieces (each cut splits at most one piece in two).
 * Returns the new count. Linear after the sorts. */
static size_t span_subtract(ss_span *pc, size_t npc, const ss_span *cut, size_t ncut)
{
    if (ncut == 0)
        return npc;
    size_t room = npc + ncut, w = room; /* the result is built from the back of pc's room */
    size_t k = ncut;
    for (size_t i = npc; i-- > 0;) {
        const uint8_t *a = pc[i].p, *b = pc[i].p + pc[i].len;
        /* Cuts that start at or after b cannot touch this piece or any before it. */
        while (k > 0 && cut[k - 1].p >= b)
            k--;
        size_t c = k;
        while (b > a) {
            const uint8_t *ca = c > 0 ? cut[c - 1].p : NULL, *cb = c > 0 ? ca + cut[c - 1].len : NULL;
            if (c == 0 || cb <= a) {
                pc[--w] = (ss_span){a, (size_t)(b - a)};
                break;
            }
            if (cb < b)
                pc[--w] = (ss_span){cb, (size_t)(b - cb)};
            b = ca > a ? ca : a;
            c--;
        }
    }
    memmove(pc, pc + w, (room - w) * sizeof *pc);
    return room - w;
}

/* The loader tables the reader marked inside literal sections, as sorted, merged spans. */
static size_t noliteral_spans(const ss_image *im, const uint8_t *base, ss_span *out)
{
    /* the tables as they lie where the sections are read (ss_image_lit_base): clipped to the
     * copy when there is one */
    uint64_t lo = im->lit_copy ? im->lit_lo : 0;
    uint64_t hi = im->lit_copy ? lo + im->lit_len : im->bytes.len;
    size_t n = 0;
    for (size_t i = 0; i < im->nnoliteral; i++) {
        ss_span b;
        const ss_region *r = &im->noliteral[i];
        if (!ss_span_sub(im->bytes, r->offset, r->size, &b) || b.len == 0)
            continue;
        uint64_t a = r->offset > lo ? r->offset : lo;
        uint64_t z = r->offset + b.len < hi ? r->offset + b.len : hi;
        if (a < z)
            out[n++] = (ss_span){base + a, (size_t)(z - a)};
    }
    return span_union(out, n);
}

static void compute(ss_strings_job *j)
{
    ss_image_copy_literals(j->im);
    const ss_image *im = j->im;
    ss_strings_result *out = &j->res;
    uint32_t min = j->o.min_string ? j->o.min_string : 1;
    size_t room = im->nsections + im->nnoliteral + 1;
    ss_span *pc = malloc(room * sizeof *pc), *cut = malloc(room * sizeof *cut);
    if (pc == NULL || cut == NULL) {
        free(pc);
        free(cut);
        goto oom;
    }
    size_t npc = 0;
    const uint8_t *base = ss_image_lit_base(im);
    for (size_t i = 0; i < im->nsections; i++) {
        uint64_t off, n;
        if (!ss_image_lit_range(im, &im->sections[i], &off, &n))
            continue;
        out->sections++;
        pc[npc++] = (ss_span){base + off, (size_t)n};
    }
    npc = span_union(pc, npc);
    npc = span_subtract(pc, npc, cut, noliteral_spans(im, base, cut));
    free(cut);
    for (size_t i = 0; i < npc; i++)
        out->scanned_bytes += pc[i].len;
    bool ok = scan_all(pc, npc, out->scanned_bytes, min, j->o.threads, &j->t);
    free(pc);
    if (!ok)
        goto oom;
    out->count = j->t.r.count;
    out->string_bytes = j->t.r.bytes;
    if (!group_all(&j->t, j->o.threads))
        goto oom;
    out->unique = j->t.ng;
    if (!tail_merge(j->t.g, j->t.ng, j->o.threads, &out->tail_merge_strings,
                    &out->tail_merge_bytes))
        goto oom;
    if (!ranked_dups(j->t.g, j->t.ng, &j->dl, &j->nd, &out->duplicate_bytes))
        goto oom;
    out->duplicate_groups = j->nd;
    out->linker = im->linker;
    out->hint = make_hint(out, im->object_linker);
    return;
oom:
    j->oom = true;
}

static void *compute_thread(void *arg)
{
    compute(arg);
    return NULL;
}

/* Where the first copies of the kept duplicates are (e[k].offsets has room for
 * min(copies, SS_KEEP_OFFSETS)): one pass over the records, each looked up in a small table of
 * the kept strings by hash, keeping each string's smallest offsets in order (the records come
 * in no particular order). A list of every group's copies made while grouping cost a write per
 * record, from both threads into one array. */
#define KEPT_SLOTS 256 /* a power of two, at least twice SS_KEEP_STRINGS */
#define KEPT_BITS_LOG 12
#define KEPT_BITS (1u << KEPT_BITS_LOG)
_Static_assert(KEPT_SLOTS >= 2 * SS_KEEP_STRINGS && SS_KEEP_STRINGS < 256, "kept table");

static void copies_of(const ss_strrecs *r, ss_string_dup *e, size_t keep, const uint8_t *base)
{
    uint32_t hash[SS_KEEP_STRINGS];
    uint8_t slot[KEPT_SLOTS] = {0}; /* kept index + 1 */
    /* A bit per value of the hash's top 12 bits: with at most 100 strings kept about 2% of the
     * bits are set, so nearly every record is passed over on one test (the probes alone took
     * 2.4 ms for the 249k records of libLLVM-15's .rodata). */
    uint64_t seen[KEPT_BITS / 64] = {0};
    for (size_t k = 0; k < keep; k++) {
        hash[k] = ss_str_hash((const uint8_t *)e[k].text, e[k].len);
        size_t h = hash[k] & (KEPT_SLOTS - 1);
        while (slot[h])
            h = (h + 1) & (KEPT_SLOTS - 1);
        slot[h] = (uint8_t)(k + 1);
        uint32_t b = hash[k] >> (32 - KEPT_BITS_LOG);
        seen[b / 64] |= (uint64_t)1 << (b % 64);
    }
    for (size_t i = 0; i < r->n; i++) {
        const ss_strrec *x = &r->items[i];
        uint32_t b = x->hash >> (32 - KEPT_BITS_LOG);
        if (!(seen[b / 64] >> (b % 64) & 1))
            continue;
        for (size_t h = x->hash & (KEPT_SLOTS - 1); slot[h]; h = (h + 1) & (KEPT_SLOTS - 1)) {
            ss_string_dup *d = &e[slot[h] - 1];
            if (hash[slot[h] - 1] != x->hash || d->len != x->len ||
                memcmp(d->text, x->p, x->len) != 0)
                continue;
            size_t cap = d->copies < SS_KEEP_OFFSETS ? (size_t)d->copies : SS_KEEP_OFFSETS;
            uint64_t off = (uint64_t)(x->p - base);
            size_t at = d->noffsets;
            if (at == cap) {
                if (off > d->offsets[cap - 1])
                    break;
                at--; /* the largest kept one drops out */
            } else {
                d->noffsets++;
            }
            for (; at > 0 && d->offsets[at - 1] > off; at--)
                d->offsets[at] = d->offsets[at - 1];
            d->offsets[at] = off;
            break;
        }
    }
}

/* Copies the kept lists into the arena and frees the job. */
static ss_status publish(ss_strings_job *j, ss_image *im, ss_strings_result *out, ss_diag *d)
{
    ss_status st = SS_OK;
    const strtab *t = &j->t;
    *out = j->res;
    if (j->oom)
        goto oom;
    if (j->nd) {
        size_t keep = j->nd < SS_KEEP_STRINGS ? j->nd : SS_KEEP_STRINGS;
        out->duplicates = ss_arena_array(im->arena, keep, sizeof *out->duplicates);
        if (out->duplicates == NULL)
            goto oom;
        for (size_t k = 0; k < keep; k++) {
            const group *g = &t->g[j->dl[k].gi];
            ss_string_dup *e = &out->duplicates[k];
            e->text = (const char *)g->p;
            e->len = g->len;
            e->copies = g->copies;
            e->wasted = j->dl[k].wasted;
            size_t no = g->copies < SS_KEEP_OFFSETS ? g->copies : SS_KEEP_OFFSETS;
            e->offsets = ss_arena_array(im->arena, no, sizeof *e->offsets);
            if (e->offsets == NULL)
                goto oom;
        }
        out->nduplicates = keep;
        copies_of(&t->r, out->duplicates, keep, ss_image_lit_base(im));
    }
    if (t->ng && j->o.keep_distinct) {
        out->distinct = ss_arena_array(im->arena, t->ng, sizeof *out->distinct);
        if (out->distinct == NULL)
            goto oom;
        for (size_t i = 0; i < t->ng; i++)
            out->distinct[i] = (ss_string_entry){(const char *)t->g[i].p, t->g[i].len,
                                                 t->g[i].copies};
        out->ndistinct = t->ng;
    }
    goto done;
oom:
    memset(out, 0, sizeof *out);
    st = ss_fail_nooff(d, SS_E_NOMEM, "out of memory in the string analysis");
done:
    strtab_free(&j->t);
    free(j->dl);
    free(j);
    return st;
}

ss_strings_job *ss_strings_start(ss_image *im, const ss_analysis_opts *o)
{
    ss_strings_job *j = calloc(1, sizeof *j);
    if (j == NULL)
        return NULL;
    j->im = im;
    j->o = *o;
    j->threaded = ss_helper_start(&j->th, compute_thread, j);
    if (!j->threaded)
        compute(j);
    return j;
}

ss_status ss_strings_finish(ss_strings_job *j, ss_image *im, ss_strings_result *out,
                            ss_diag *d)
{
    if (j->threaded)
        ss_helper_join(&j->th);
    return publish(j, im, out, d);
}

ss_status ss_strings_analyze(ss_image *im, const ss_analysis_opts *o, ss_strings_result *out,
                             ss_diag *d)
{
    ss_strings_job *j = calloc(1, sizeof *j);
    if (j == NULL) {
        memset(out, 0, sizeof *out);
        return ss_fail_nooff(d, SS_E_NOMEM, "out of memory in the string analysis");
    }
    j->im = im;
    j->o = *o;
    compute(j);
    return publish(j, im, out, d);
}

/* ---- across archive members ------------------------------------------------------------- */

ss_status ss_strings_across_compute(ss_image *owner, ss_image *const *ims, size_t n,
                                    ss_strings_across **out, ss_diag *d)
{
    *out = NULL;
    strtab t = {0};
    dup *dl = NULL;
    ss_status st = SS_OK;
    ss_strings_across *r = ss_arena_alloc(owner->arena, sizeof *r);
    if (r == NULL)
        goto oom;
    /* Each member's distinct strings once: a group's copies are then the members holding it. */
    size_t total = 0;
    for (size_t i = 0; i < n; i++) {
        const ss_analysis *a = ims[i]->analysis;
        if (a != NULL && (a->ran & SS_AN_STRINGS))
            total += a->strings.ndistinct;
    }
    if (total > SS_STRING_MAX_RECORDS)
        total = SS_STRING_MAX_RECORDS;
    if (!ss_strrecs_reserve(&t.r, total ? total : 1))
        goto oom;
    for (size_t i = 0; i < n; i++) {
        const ss_analysis *a = ims[i]->analysis;
        if (a == NULL || !(a->ran & SS_AN_STRINGS))
            continue;
        r->members++;
        for (size_t k = 0; k < a->strings.ndistinct && t.r.n < total; k++) {
            const ss_string_entry *e = &a->strings.distinct[k];
            const uint8_t *p = (const uint8_t *)e->text;
            t.r.items[t.r.n++] = (ss_strrec){p, e->len, ss_str_hash(p, e->len)};
        }
    }
    if (!group_all(&t, 1))
        goto oom;
    r->unique = t.ng;
    size_t nd;
    if (!ranked_dups(t.g, t.ng, &dl, &nd, &r->duplicate_bytes))
        goto oom;
    r->duplicate_groups = nd;
    if (nd) {
        size_t keep = nd < SS_KEEP_STRINGS ? nd : SS_KEEP_STRINGS;
        r->duplicates = ss_arena_array(owner->arena, keep, sizeof *r->duplicates);
        if (r->duplicates == NULL)
            goto oom;
        for (size_t k = 0; k < keep; k++)
            r->duplicates[k] = (ss_string_dup){(const char *)dl[k].p, dl[k].len, dl[k].copies,
                                               dl[k].wasted, NULL, 0};
        r->nduplicates = keep;
    }
    *out = r;
    goto done;
oom:
    st = ss_fail_nooff(d, SS_E_NOMEM, "out of memory comparing the strings of archive members");
done:
    strtab_free(&t);
    free(dl);
    return st;
}
