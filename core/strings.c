/* strings.c - duplicated and tail-mergeable string literals in read-only data.
 *
 * Near-linear by construction: one pass over the bytes finds the strings, a hash table groups
 * equal ones, and one sort of the distinct strings by their reversed text puts each string right
 * before the strings it is a suffix of (so tail merging is a check of neighbours, never a
 * comparison of all pairs). Definitions are in analysis.h. */
#include <pthread.h> /* pthread_once */
#include <stddef.h> /* offsetof */
#include <stdlib.h> /* malloc, calloc, free, qsort */
#include <string.h> /* memcmp, memmem, strcmp */

#include "analysis.h"
#include "radix.h"
#include "utf8.h"

/* Strings longer than this are not counted (no literal comes close; it bounds uint32 lengths). */
#define MAX_STRING_LEN (1u << 30)
/* Occurrences beyond this are not recorded (indices are 32-bit). */
#define MAX_OCCURRENCES 0x7fffffffu

/* Length of a valid UTF-8 sequence of two to four bytes at p (n available) encoding a printable
 * code point (no C1 controls), or 0. */
static size_t utf8_len(const uint8_t *p, size_t n)
{
    uint32_t cp;
    size_t len = ss_utf8_next(p, n, &cp);
    return len >= 2 && !(cp >= 0x80 && cp <= 0x9f) ? len : 0;
}

static bool text_byte(uint8_t b)
{
    return (b >= 0x20 && b <= 0x7e) || (b >= 0x09 && b <= 0x0d) || b == 0x1b;
}

/* ---- occurrences and groups ------------------------------------------------------------- */

typedef struct {
    const uint8_t *p;
    uint32_t len;
    uint32_t copies;
    uint32_t first, last; /* occurrence indices: a list through occ.next */
} group;

typedef struct {
    uint64_t offset;      /* image-relative */
    uint32_t next;        /* next occurrence of the same group, UINT32_MAX at the end */
} occ;

typedef struct {
    group *g;
    size_t ng, capg;
    occ *o;
    size_t no, capo;
    uint64_t *table;      /* hash << 32 | (group index + 1); 0 empty */
    size_t tcap;          /* power of two */
} strtab;

/* Eight bytes at a time with a multiply-xorshift mix: several times faster than byte-wise FNV
 * on literals, and the table only needs a good spread, not a cryptographic hash. */
static uint64_t hash_bytes(const uint8_t *p, size_t n)
{
    const uint64_t m = 0x9e3779b97f4a7c15ull;
    uint64_t h = n * m;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, p + i, 8);
        h = (h ^ w) * m;
        h ^= h >> 32;
    }
    uint64_t w = 0;
    memcpy(&w, p + i, n - i);
    h = (h ^ w) * m;
    h ^= h >> 29;
    h *= 0xbf58476d1ce4e5b9ull;
    return h ^ (h >> 32);
}

static bool grow_table(strtab *t)
{
    size_t ncap = t->tcap ? t->tcap * 2 : 1024;
    uint64_t *nt = calloc(ncap, sizeof *nt);
    if (nt == NULL)
        return false;
    for (size_t i = 0; i < t->tcap; i++) {
        uint64_t e = t->table[i];
        if (e == 0)
            continue;
        size_t h = (size_t)(e >> 32) & (ncap - 1);
        while (nt[h])
            h = (h + 1) & (ncap - 1);
        nt[h] = e;
    }
    free(t->table);
    t->table = nt;
    t->tcap = ncap;
    return true;
}

static bool add_string(strtab *t, const uint8_t *p, size_t len, uint64_t offset)
{
    if (t->no >= MAX_OCCURRENCES)
        return true;
    if ((t->ng + 1) * 2 > t->tcap && !grow_table(t))
        return false;
    if (t->no == t->capo) {
        size_t nc = t->capo ? t->capo * 2 : 1024;
        occ *n = realloc(t->o, nc * sizeof *n);
        if (n == NULL)
            return false;
        t->o = n;
        t->capo = nc;
    }
    uint32_t oi = (uint32_t)t->no++;
    t->o[oi] = (occ){offset, UINT32_MAX};
    uint64_t hash = hash_bytes(p, len) >> 32;
    size_t h = (size_t)hash & (t->tcap - 1);
    while (t->table[h]) {
        if (t->table[h] >> 32 != hash) {
            h = (h + 1) & (t->tcap - 1);
            continue;
        }
        group *g = &t->g[(uint32_t)t->table[h] - 1];
        if (g->len == len && memcmp(g->p, p, len) == 0) {
            g->copies++;
            t->o[g->last].next = oi;
            g->last = oi;
            return true;
        }
        h = (h + 1) & (t->tcap - 1);
    }
    if (t->ng == t->capg) {
        size_t nc = t->capg ? t->capg * 2 : 1024;
        group *n = realloc(t->g, nc * sizeof *n);
        if (n == NULL)
            return false;
        t->g = n;
        t->capg = nc;
    }
    t->g[t->ng] = (group){p, (uint32_t)len, 1, oi, oi};
    t->table[h] = hash << 32 | (uint32_t)++t->ng;
    return true;
}

/* Finds the strings of one section's bytes. */
/* Byte classes: 1 text, 2 NUL, 3 a possible UTF-8 lead byte, 4 a UTF-8 continuation byte
 * (text only inside a sequence), 0 a byte that can never be part of a string. */
static uint8_t byte_class[256];
static pthread_once_t byte_class_once = PTHREAD_ONCE_INIT;

static void byte_class_init(void)
{
    for (int c = 0; c < 256; c++)
        byte_class[c] = c == 0                    ? 2
                        : text_byte((uint8_t)c)   ? 1
                        : c >= 0xc2 && c <= 0xf4  ? 3
                        : c >= 0x80 && c <= 0xbf  ? 4
                                                  : 0;
}

/* Finds the strings of one section's bytes: maximal runs of text ending in a NUL, at least min
 * bytes long. Binary data is skipped the way strings(1) does it: a string starting at s needs
 * text at s + min - 1, so a NUL or a byte that is never text there rules out every start up to
 * it without looking at the bytes in between; the exact scan then decides every boundary. */
static bool scan(strtab *t, ss_span b, uint64_t file_off, uint32_t min, uint64_t *count,
                 uint64_t *bytes)
{
    pthread_once(&byte_class_once, byte_class_init);
    const uint8_t *p = b.p;
    size_t n = b.len, s = 0;
    size_t reach = min ? min - 1 : 0;
    while (s < n) {
        /* Skip starts that cannot begin a string of min bytes. */
        if (s + reach < n) {
            uint8_t k = byte_class[p[s + reach]];
            if (k == 0 || k == 2) {
                s += reach + 1;
                continue;
            }
            size_t r = s + reach; /* the bytes before it must be able to be text too */
            while (r > s && byte_class[p[r - 1]] != 0 && byte_class[p[r - 1]] != 2)
                r--;
            if (r > s) {
                s = r;
                continue;
            }
        }
        /* Exact scan of the run starting at s. */
        size_t i = s;
        for (;;) {
            if (i >= n) {
                s = n;
                break;
            }
            uint8_t k = byte_class[p[i]];
            if (k == 1) {
                i++;
            } else if (k == 2) {
                size_t len = i - s;
                if (len >= min && len <= MAX_STRING_LEN) {
                    if (!add_string(t, p + s, len, file_off + s))
                        return false;
                    (*count)++;
                    *bytes += len + 1;
                }
                s = i + 1;
                break;
            } else {
                size_t u = k == 3 ? utf8_len(p + i, n - i) : 0;
                if (u) {
                    i += u;
                } else {
                    s = i + 1;
                    break;
                }
            }
        }
    }
    return true;
}

/* ---- tail merging ----------------------------------------------------------------------- */

typedef struct {
    uint64_t key; /* the last 8 bytes, last byte most significant, zero-padded: orders like the
                   * reversed text as far as it goes */
    const uint8_t *p;
    uint32_t len;
} rstr;

static uint64_t rkey(const uint8_t *p, uint32_t len)
{
    uint64_t k = 0;
    for (uint32_t i = 0; i < 8; i++)
        k = k << 8 | (i < len ? p[len - 1 - i] : 0);
    return k;
}

/* Orders strings by their reversed text; a string comes right before those it ends. */
static int rstr_cmp(const void *a, const void *b)
{
    const rstr *x = a, *y = b;
    if (x->key != y->key)
        return x->key < y->key ? -1 : 1;
    uint32_t n = x->len < y->len ? x->len : y->len;
    const uint8_t *px = x->p + x->len, *py = y->p + y->len;
    for (uint32_t i = n < 8 ? n + 1 : 9; i <= n; i++) {
        uint8_t cx = px[-(ptrdiff_t)i], cy = py[-(ptrdiff_t)i];
        if (cx != cy)
            return cx < cy ? -1 : 1;
    }
    return x->len < y->len ? -1 : x->len > y->len;
}

/* Distinct strings that are a proper suffix of another distinct string. */
/* Sorts like qsort(rstr_cmp), in linear time for the common case: a radix sort on the 8-byte
 * key, then the full comparison only inside runs of equal keys (strings that share their last
 * eight bytes). */
static bool sort_rstr(rstr *r, size_t n)
{
    if (!ss_radix_sort(r, n, sizeof *r, offsetof(rstr, key)))
        return false;
    for (size_t i = 0; i < n;) {
        size_t j = i + 1;
        while (j < n && r[j].key == r[i].key)
            j++;
        if (j - i > 1)
            qsort(r + i, j - i, sizeof *r, rstr_cmp);
        i = j;
    }
    return true;
}

static bool tail_merge(const group *g, size_t ng, uint64_t *strings, uint64_t *bytes)
{
    *strings = *bytes = 0;
    if (ng < 2)
        return true;
    rstr *r = malloc(ng * sizeof *r);
    if (r == NULL)
        return false;
    for (size_t i = 0; i < ng; i++)
        r[i] = (rstr){rkey(g[i].p, g[i].len), g[i].p, g[i].len};
    if (!sort_rstr(r, ng)) {
        free(r);
        return false;
    }
    for (size_t i = 0; i + 1 < ng; i++) {
        const rstr *s = &r[i], *n = &r[i + 1];
        if (s->len < n->len && memcmp(s->p, n->p + (n->len - s->len), s->len) == 0) {
            (*strings)++;
            *bytes += (uint64_t)s->len + 1;
        }
    }
    free(r);
    return true;
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

/* The groups with more than one copy, largest waste first, in *out (malloc'd, NULL when there
 * are none); *bytes gets their total waste, Σ (copies - 1) × (len + 1). False when out of
 * memory. */
static bool ranked_dups(const strtab *t, dup **out, size_t *n, uint64_t *bytes)
{
    size_t nd = 0;
    for (size_t i = 0; i < t->ng; i++)
        nd += t->g[i].copies > 1;
    *out = NULL;
    *n = nd;
    if (nd == 0)
        return true;
    dup *dl = malloc(nd * sizeof *dl);
    if (dl == NULL)
        return false;
    nd = 0;
    for (size_t i = 0; i < t->ng; i++) {
        const group *g = &t->g[i];
        if (g->copies < 2)
            continue;
        uint64_t w = (uint64_t)(g->copies - 1) * ((uint64_t)g->len + 1);
        *bytes += w;
        dl[nd++] = (dup){g->p, g->len, g->copies, w, i};
    }
    qsort(dl, nd, sizeof *dl, dup_cmp);
    *out = dl;
    return true;
}

/* ---- which linker ----------------------------------------------------------------------- */

/* The linker that wrote the image, as far as the image tells: lld and mold sign ELF .comment
 * (GNU ld writes nothing there); Mach-O and PE name their family only. */
static ss_linker find_linker(const ss_image *im)
{
    if (im->type == SS_TYPE_RELOCATABLE)
        return SS_LINKER_NONE;
    if (im->format == SS_FORMAT_MACHO)
        return SS_LINKER_LD64;
    if (im->format == SS_FORMAT_PE)
        return SS_LINKER_PE;
    for (size_t i = 0; i < im->nsections; i++) {
        const ss_section *s = &im->sections[i];
        ss_span b;
        /* .comment has no flag or type of its own: the name is all there is (hint text only). */
        if (s->alloc || strcmp(s->name, ".comment") != 0 || s->compression != SS_COMP_NONE ||
            !ss_span_sub(im->bytes, s->offset, s->file_size, &b))
            continue;
        /* "Linker: LLD 14.0.6", "Linker: Debian LLD 14.0.6", "mold 1.10.1 (...)". */
        for (size_t at = 0; at < b.len;) {
            size_t n = strnlen((const char *)b.p + at, b.len - at);
            if (memmem(b.p + at, n, "Linker: ", 8) && memmem(b.p + at, n, "LLD", 3))
                return SS_LINKER_LLD;
            if (n >= 5 && memcmp(b.p + at, "mold ", 5) == 0)
                return SS_LINKER_MOLD;
            at += n + 1;
        }
    }
    return SS_LINKER_GNU;
}

static const char *make_hint(const ss_strings_result *r, ss_format fmt)
{
    if (r->duplicate_bytes == 0 && r->tail_merge_bytes == 0)
        return NULL;
    bool dups = r->duplicate_bytes != 0, tails = r->tail_merge_bytes != 0;
    switch (r->linker) {
    case SS_LINKER_NONE:
        if (fmt == SS_FORMAT_MACHO)
            return "an object: ld64 merges __cstring literals when linking; ld64.lld only with "
                   "--deduplicate-literals";
        if (fmt == SS_FORMAT_PE)
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

ss_status ss_strings_analyze(ss_image *im, const ss_analysis_opts *o, ss_strings_result *out,
                             ss_diag *d)
{
    memset(out, 0, sizeof *out);
    uint32_t min = o->min_string ? o->min_string : 1;
    strtab t = {0};
    dup *dl = NULL;
    ss_status st = SS_OK;

    for (size_t i = 0; i < im->nsections; i++) {
        const ss_section *s = &im->sections[i];
        ss_span b;
        if (!s->alloc || s->kind != SS_KIND_RODATA || s->file_size == 0 ||
            s->compression != SS_COMP_NONE)
            continue;
        uint64_t n = s->file_size;
        if (s->vm_size && s->vm_size < n)
            n = s->vm_size;
        if (!ss_span_sub(im->bytes, s->offset, n, &b))
            continue;
        out->sections++;
        out->scanned_bytes += b.len;
        if (!scan(&t, b, s->offset, min, &out->count, &out->string_bytes))
            goto oom;
    }
    out->unique = t.ng;
    if (!tail_merge(t.g, t.ng, &out->tail_merge_strings, &out->tail_merge_bytes))
        goto oom;

    size_t nd;
    if (!ranked_dups(&t, &dl, &nd, &out->duplicate_bytes))
        goto oom;
    out->duplicate_groups = nd;
    if (nd) {
        size_t keep = nd < SS_KEEP_STRINGS ? nd : SS_KEEP_STRINGS;
        out->duplicates = ss_arena_array(im->arena, keep, sizeof *out->duplicates);
        if (out->duplicates == NULL)
            goto oom;
        for (size_t k = 0; k < keep; k++) {
            const group *g = &t.g[dl[k].gi];
            ss_string_dup *e = &out->duplicates[k];
            e->text = (const char *)g->p;
            e->len = g->len;
            e->copies = g->copies;
            e->wasted = dl[k].wasted;
            size_t no = g->copies < SS_KEEP_OFFSETS ? g->copies : SS_KEEP_OFFSETS;
            e->offsets = ss_arena_array(im->arena, no, sizeof *e->offsets);
            if (e->offsets == NULL)
                goto oom;
            for (uint32_t oi = g->first; oi != UINT32_MAX && e->noffsets < no; oi = t.o[oi].next)
                e->offsets[e->noffsets++] = t.o[oi].offset;
        }
        out->nduplicates = keep;
    }

    if (t.ng && o->keep_distinct) {
        out->distinct = ss_arena_array(im->arena, t.ng, sizeof *out->distinct);
        if (out->distinct == NULL)
            goto oom;
        for (size_t i = 0; i < t.ng; i++)
            out->distinct[i] = (ss_string_entry){(const char *)t.g[i].p, t.g[i].len,
                                                 t.g[i].copies};
        out->ndistinct = t.ng;
    }
    out->linker = find_linker(im);
    out->hint = make_hint(out, im->format);
    goto done;
oom:
    st = ss_fail_nooff(d, SS_E_NOMEM, "out of memory in the string analysis");
done:
    free(t.g);
    free(t.o);
    free(t.table);
    free(dl);
    return st;
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
    for (size_t i = 0; i < n; i++) {
        const ss_analysis *a = ims[i]->analysis;
        if (a == NULL || !(a->ran & SS_AN_STRINGS))
            continue;
        r->members++;
        for (size_t k = 0; k < a->strings.ndistinct; k++) {
            const ss_string_entry *e = &a->strings.distinct[k];
            if (!add_string(&t, (const uint8_t *)e->text, e->len, 0))
                goto oom;
        }
    }
    r->unique = t.ng;
    size_t nd;
    if (!ranked_dups(&t, &dl, &nd, &r->duplicate_bytes))
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
    free(t.g);
    free(t.o);
    free(t.table);
    free(dl);
    return st;
}
