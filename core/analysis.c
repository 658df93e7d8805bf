/* analysis.c - running the analyzers on an image and drawing findings from their results. */
#include <stdarg.h> /* va_list */
#include <stdio.h>  /* snprintf, vsnprintf */
#include <stdlib.h> /* malloc, free */
#include <string.h> /* strlen, strncmp */

#include "analysis.h"

/* Evidence items kept per finding (the finding's message still states the full count). */
#define MAX_EVIDENCE 16
/* Below this many bytes an image's analyses run on one thread: a thread costs about 0.1 ms to
 * start and join, and the whole analysis of a 1 MiB library takes about 2 ms. */
#define PAIR_MIN_BYTES (1u << 20)

/* The hooks of the registry's entries (defined with the findings below). */
static ss_status run_perms(ss_image *im, const ss_analysis_opts *o, ss_an_ctx *c, ss_diag *d);
static void find_perms(ss_an_ctx *c, const ss_analysis *a);
static ss_status run_bss(ss_image *im, const ss_analysis_opts *o, ss_an_ctx *c, ss_diag *d);
static void reset_bss(ss_analysis *a);
static void find_bss(ss_an_ctx *c, const ss_analysis *a);
static ss_status run_strings(ss_image *im, const ss_analysis_opts *o, ss_an_ctx *c, ss_diag *d);
static void reset_strings(ss_analysis *a);
static void find_strings(ss_an_ctx *c, const ss_analysis *a);
static ss_status run_literals(ss_image *im, const ss_analysis_opts *o, ss_an_ctx *c, ss_diag *d);
static void reset_literals(ss_analysis *a);
static void find_literals(ss_an_ctx *c, const ss_analysis *a);

/* In the order the analyses run and their findings are listed: permissions first (their
 * findings are the most severe), then the savings analyses. The literals analysis runs last:
 * it reads the symbol tables, loaded (deferred) while the string job runs on its thread. */
static const ss_analyzer registry[] = {
    {"sizes", SS_AN_SIZES, false, false, false, "segment and section size tables (always shown)", NULL,
     NULL, NULL},
    {"perms", SS_AN_PERMS, false, false, false, "permissions and hardening", run_perms, NULL,
     find_perms},
    {"bss", SS_AN_BSS, true, true, false, "zero-initialised data that could move to .bss", run_bss,
     reset_bss, find_bss},
    {"strings", SS_AN_STRINGS, false, false, false, "duplicated string literals", run_strings,
     reset_strings, find_strings},
    {"literals", SS_AN_LITERALS, true, false, true,
     "read-only objects stored twice: Rust literals, constant tables", run_literals,
     reset_literals, find_literals},
};
#define NREGISTRY (sizeof registry / sizeof registry[0])

const ss_analyzer *ss_analyzers(size_t *n)
{
    *n = NREGISTRY;
    return registry;
}

unsigned ss_analysis_all(void)
{
    unsigned w = 0;
    for (size_t i = 0; i < NREGISTRY; i++)
        w |= registry[i].bit;
    return w;
}

bool ss_analysis_needs_symbols(unsigned which)
{
    for (size_t i = 0; i < NREGISTRY; i++)
        if ((which & registry[i].bit) && registry[i].needs_symbols)
            return true;
    return false;
}

bool ss_analysis_needs_relocs(unsigned which)
{
    for (size_t i = 0; i < NREGISTRY; i++)
        if ((which & registry[i].bit) && registry[i].needs_relocs)
            return true;
    return false;
}

bool ss_analysis_needs_refs(unsigned which)
{
    for (size_t i = 0; i < NREGISTRY; i++)
        if ((which & registry[i].bit) && registry[i].needs_refs)
            return true;
    return false;
}

bool ss_analysis_any(unsigned which)
{
    return (which & ~(unsigned)SS_AN_SIZES) != 0;
}

ss_analysis_opts ss_analysis_opts_default(void)
{
    return (ss_analysis_opts){ss_analysis_all(), SS_ZERO_RUN_DEFAULT, SS_MIN_STRING_DEFAULT, false,
                              1};
}

bool ss_analysis_parse_only(const char *list, unsigned *which, const char **bad, size_t *badlen)
{
    unsigned w = 0;
    const char *p = list;
    for (;;) {
        size_t n = strcspn(p, ",");
        bool found = n == 3 && strncmp(p, "all", 3) == 0;
        if (found)
            w |= ss_analysis_all();
        for (size_t i = 0; i < NREGISTRY; i++)
            if (n == strlen(registry[i].name) && strncmp(p, registry[i].name, n) == 0) {
                w |= registry[i].bit;
                found = true;
            }
        if (!found) {
            *bad = p;
            *badlen = n;
            return false;
        }
        if (p[n] == '\0')
            break;
        p += n + 1;
    }
    *which = w;
    return true;
}

const char *ss_linker_name(ss_linker l)
{
    switch (l) {
    case SS_LINKER_LLD: return "lld";
    case SS_LINKER_GNU: return "gnu-ld";
    case SS_LINKER_MOLD: return "mold";
    case SS_LINKER_LD64: return "ld64";
    case SS_LINKER_PE: return "pe-linker";
    case SS_LINKER_NONE:
    case SS_LINKER_UNKNOWN: break;
    }
    return NULL;
}

/* ---- findings -------------------------------------------------------------------------- */

/* One image's run: the findings drawn so far, and the string job started beside the BSS
 * analysis (run_strings finishes it). */
struct ss_an_ctx {
    ss_image *im;
    ss_vec findings; /* ss_finding */
    bool oom;
    ss_strings_job *sj;
};
typedef struct ss_an_ctx fctx;

static ss_finding *add_finding(fctx *c, const char *id, ss_severity sev, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static ss_finding *add_finding(fctx *c, const char *id, ss_severity sev, const char *fmt, ...)
{
    ss_finding *f = ss_vec_push(c->im->arena, &c->findings);
    if (f == NULL) {
        c->oom = true;
        return NULL;
    }
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    f->id = id;
    f->severity = sev;
    f->message = ss_arena_strndup(c->im->arena, buf, strlen(buf));
    f->evidence = ss_arena_array(c->im->arena, MAX_EVIDENCE, sizeof *f->evidence);
    if (f->message == NULL || f->evidence == NULL) {
        c->oom = true;
        c->findings.count--;
        return NULL;
    }
    return f;
}

static ss_evidence *add_evidence(ss_finding *f)
{
    if (f == NULL)
        return NULL;
    f->evidence_total++; /* counted even when not kept, so "+N more" stays true */
    if (f->nevidence >= MAX_EVIDENCE)
        return NULL;
    ss_evidence *e = &f->evidence[f->nevidence++];
    memset(e, 0, sizeof *e);
    e->index = -1;
    e->perms = -1;
    return e;
}

static void ev_put(ss_finding *f, const ss_evidence *src)
{
    ss_evidence *e = add_evidence(f);
    if (e)
        *e = *src;
}

static void ev_segment(ss_finding *f, const ss_image *im, size_t i)
{
    ss_evidence e = ss_evidence_segment(im, i);
    ev_put(f, &e);
}

static void ev_section(ss_finding *f, const ss_image *im, size_t i, bool has_size, uint64_t size)
{
    ss_evidence e = ss_evidence_section(im, i, has_size, size);
    ev_put(f, &e);
}

/* The finding a reader attached to a check, published as the image's. */
static void check_finding(fctx *c, const ss_hcheck *k)
{
    if (k == NULL || k->finding_id == NULL)
        return;
    ss_finding *f = add_finding(c, k->finding_id, k->severity, "%s", k->message);
    for (size_t i = 0; i < k->nev; i++)
        ev_put(f, &k->ev[i]);
    if (f)
        f->evidence_total += k->ev_total - k->nev; /* the ones the check could not keep */
}

/* The keys whose findings come before rodata-executable, in the order findings always had. */
static const char *const early_keys[] = {"exec_stack", "relro", "pie", "nx", "textrel"};
#define NEARLY (sizeof early_keys / sizeof early_keys[0])

static bool early_key(const char *key)
{
    for (size_t i = 0; i < NEARLY; i++)
        if (strcmp(early_keys[i], key) == 0)
            return true;
    return false;
}

static void perms_findings(fctx *c, const ss_perms_result *p)
{
    const ss_image *im = c->im;
    ss_finding *f;
    if (p->wx_segments == SS_HV_YES) {
        for (size_t i = 0; i < im->nsegments; i++) {
            const ss_segment *g = &im->segments[i];
            if (!g->loadable || (g->perms & 3) != 3)
                continue;
            f = add_finding(c, "wx-segment", SS_SEV_ERROR,
                            "segment %zu (%s) is writable and executable", i, g->name);
            ev_segment(f, im, i);
        }
    }
    if (p->wx_sections == SS_HV_YES) {
        size_t n = 0;
        for (size_t i = 0; i < im->nsections; i++)
            n += im->sections[i].alloc && (im->sections[i].perms & 3) == 3;
        f = add_finding(c, "wx-section", SS_SEV_ERROR, "%zu section%s writable and executable", n,
                        n == 1 ? " is" : "s are");
        for (size_t i = 0; i < im->nsections; i++)
            if (im->sections[i].alloc && (im->sections[i].perms & 3) == 3)
                ev_section(f, im, i, false, 0);
    }
    for (size_t i = 0; i < NEARLY; i++)
        check_finding(c, ss_image_find_check(im, early_keys[i]));
    if (p->rodata_exec == SS_HV_YES && !im->rodata_exec_usual) {
        size_t n = 0;
        for (size_t i = 0; i < im->nsections; i++)
            n += ss_perms_rodata_exec(im, i);
        f = add_finding(c, "rodata-executable", SS_SEV_INFO,
                        "%zu read-only data section%s in an executable segment (e.g. "
                        "-z noseparate-code, lld --no-rosegment)",
                        n, n == 1 ? " lies" : "s lie");
        for (size_t i = 0; i < im->nsections; i++)
            if (ss_perms_rodata_exec(im, i))
                ev_section(f, im, i, false, 0);
    }
    for (size_t i = 0; i < im->nchecks; i++)
        if (!early_key(im->checks[i].key))
            check_finding(c, &im->checks[i]);
}

static void bss_findings(fctx *c, const ss_bss_result *b)
{
    ss_finding *f;
    if (b->movable_bytes) {
        f = add_finding(c, "movable-zero-data", SS_SEV_INFO,
                        "%llu zero-filled object%s (%llu bytes) in writable data could live in "
                        ".bss: %llu file bytes saved",
                        (unsigned long long)b->movable_count, b->movable_count == 1 ? "" : "s",
                        (unsigned long long)b->movable_bytes, (unsigned long long)b->movable_bytes);
        for (size_t i = 0; i < b->nsections; i++)
            if (b->sections[i].movable_bytes)
                ev_section(f, c->im, (size_t)b->sections[i].section, true,
                           b->sections[i].movable_bytes);
    }
    if (b->zero_run_bytes) {
        f = add_finding(c, "zero-runs", SS_SEV_INFO,
                        "%llu zero run%s of at least %llu bytes (%llu bytes) in writable data "
                        "without symbols",
                        (unsigned long long)b->zero_run_count, b->zero_run_count == 1 ? "" : "s",
                        (unsigned long long)b->zero_run_min, (unsigned long long)b->zero_run_bytes);
        for (size_t i = 0; i < b->nsections; i++)
            if (b->sections[i].zero_run_bytes)
                ev_section(f, c->im, (size_t)b->sections[i].section, true,
                           b->sections[i].zero_run_bytes);
    }
    if (b->readonly_zero_bytes) {
        f = add_finding(c, "readonly-zero-data", SS_SEV_INFO,
                        "%llu zero-filled object%s (%llu bytes) in read-only data (they could "
                        "become .bss only by being made writable)",
                        (unsigned long long)b->readonly_zero_count,
                        b->readonly_zero_count == 1 ? "" : "s",
                        (unsigned long long)b->readonly_zero_bytes);
        for (size_t i = 0; i < b->nsections; i++)
            if (b->sections[i].readonly_zero_bytes)
                ev_section(f, c->im, (size_t)b->sections[i].section, true,
                           b->sections[i].readonly_zero_bytes);
    }
}

static void strings_findings(fctx *c, const ss_strings_result *s)
{
    if (s->duplicate_bytes == 0 && s->tail_merge_bytes == 0)
        return;
    char what[160];
    if (s->duplicate_bytes)
        snprintf(what, sizeof what, "%llu bytes in %llu duplicated string%s, %llu more by tail merging",
                 (unsigned long long)s->duplicate_bytes, (unsigned long long)s->duplicate_groups,
                 s->duplicate_groups == 1 ? "" : "s", (unsigned long long)s->tail_merge_bytes);
    else
        snprintf(what, sizeof what, "%llu bytes by tail merging %llu string%s into longer ones",
                 (unsigned long long)s->tail_merge_bytes, (unsigned long long)s->tail_merge_strings,
                 s->tail_merge_strings == 1 ? "" : "s");
    /* The linker advice is strings.hint; the message stays one line. */
    ss_finding *f = add_finding(c, "duplicate-strings", SS_SEV_INFO, "%s", what);
    for (size_t i = 0; i < s->nduplicates && i < 3; i++) {
        ss_evidence *e = add_evidence(f);
        if (e == NULL)
            break;
        e->what = "string";
        e->name = s->duplicates[i].text;
        e->has_offset = s->duplicates[i].noffsets > 0;
        e->offset = e->has_offset ? s->duplicates[i].offsets[0] : 0;
        e->has_size = true;
        e->size = s->duplicates[i].wasted;
    }
}

/* From this much waste on the literals analysis raises a finding (smaller figures stay in its
 * report): a few small tables stored twice are not worth a change of build settings. */
#define LITERALS_FINDING_MIN 1024

static void literals_findings(fctx *c, const ss_literals_result *l)
{
    if (l->duplicate_bytes < LITERALS_FINDING_MIN)
        return;
    ss_finding *f = add_finding(c, "duplicate-literals", SS_SEV_INFO,
                                "%llu bytes in %llu read-only object%s stored more than once "
                                "(%llu bytes of text, %llu bytes of tables)",
                                (unsigned long long)l->duplicate_bytes,
                                (unsigned long long)l->duplicate_groups,
                                l->duplicate_groups == 1 ? "" : "s",
                                (unsigned long long)l->text_bytes,
                                (unsigned long long)l->table_bytes);
    for (size_t i = 0; i < l->nduplicates && i < 3; i++) {
        ss_evidence *e = add_evidence(f);
        if (e == NULL)
            break;
        e->what = l->duplicates[i].table ? "table" : "literal";
        e->name = l->duplicates[i].text;
        e->has_offset = l->duplicates[i].noffsets > 0;
        e->offset = e->has_offset ? l->duplicates[i].offsets[0] : 0;
        e->has_size = true;
        e->size = l->duplicates[i].wasted;
    }
}

/* Refreshes the published warnings after a late ss_image_warn. */
static void warn_late(ss_image *im, const char *msg)
{
    ss_image_warn(im, UINT64_MAX, "%s", msg);
    im->warnings = im->v_warnings.items;
    im->nwarnings = im->v_warnings.count;
}

typedef struct {
    uint64_t start, end;
} frange;

static int frange_cmp(const void *a, const void *b)
{
    const frange *x = a, *y = b;
    return (x->start > y->start) - (x->start < y->start);
}

/* The analyses scan the union of the data sections' file bytes, each byte once; sections that
 * share bytes with another are said once, here, before the work starts (the threads that run
 * beside each other do not warn). */
static void warn_overlap(ss_image *im)
{
    frange *r = malloc((im->nsections ? im->nsections : 1) * sizeof *r);
    if (r == NULL)
        return;
    size_t n = 0, shared = 0;
    for (size_t i = 0; i < im->nsections; i++) {
        const ss_section *s = &im->sections[i];
        if (s->alloc && s->file_size && (s->kind == SS_KIND_RODATA || s->kind == SS_KIND_DATA))
            r[n++] = (frange){s->offset, s->offset + s->file_size};
    }
    qsort(r, n, sizeof *r, frange_cmp);
    uint64_t end = 0, first = UINT64_MAX;
    for (size_t i = 0; i < n; i++) {
        if (i > 0 && r[i].start < end) {
            shared++;
            first = first < r[i].start ? first : r[i].start;
        }
        end = r[i].end > end ? r[i].end : end;
    }
    free(r);
    if (shared)
        ss_image_warn(im, first,
                      "%zu data sections share file bytes with another; the analyses read "
                      "those bytes once",
                      shared);
    im->warnings = im->v_warnings.items;
    im->nwarnings = im->v_warnings.count;
}

/* ---- the registry's hooks ------------------------------------------------------------------ */

static ss_status run_perms(ss_image *im, const ss_analysis_opts *o, ss_an_ctx *c, ss_diag *d)
{
    (void)o, (void)c, (void)d;
    ss_perms_analyze(im, &im->analysis->perms);
    return SS_OK;
}

static void find_perms(ss_an_ctx *c, const ss_analysis *a)
{
    perms_findings(c, &a->perms);
}

static ss_status run_bss(ss_image *im, const ss_analysis_opts *o, ss_an_ctx *c, ss_diag *d)
{
    (void)c;
    return ss_bss_analyze(im, o, &im->analysis->bss, d);
}

static void reset_bss(ss_analysis *a)
{
    memset(&a->bss, 0, sizeof a->bss);
}

static void find_bss(ss_an_ctx *c, const ss_analysis *a)
{
    bss_findings(c, &a->bss);
}

static ss_status run_strings(ss_image *im, const ss_analysis_opts *o, ss_an_ctx *c, ss_diag *d)
{
    ss_strings_job *sj = c->sj; /* started beside the BSS analysis: collected here */
    c->sj = NULL;
    return sj ? ss_strings_finish(sj, im, &im->analysis->strings, d)
              : ss_strings_analyze(im, o, &im->analysis->strings, d);
}

static void reset_strings(ss_analysis *a)
{
    memset(&a->strings, 0, sizeof a->strings);
}

static void find_strings(ss_an_ctx *c, const ss_analysis *a)
{
    strings_findings(c, &a->strings);
}

static ss_status run_literals(ss_image *im, const ss_analysis_opts *o, ss_an_ctx *c, ss_diag *d)
{
    (void)c;
    return ss_literals_analyze(im, o, &im->analysis->literals, d);
}

static void reset_literals(ss_analysis *a)
{
    memset(&a->literals, 0, sizeof a->literals);
}

static void find_literals(ss_an_ctx *c, const ss_analysis *a)
{
    literals_findings(c, &a->literals);
}

ss_status ss_analyze(ss_image *im, const ss_analysis_opts *o, ss_diag *d)
{
    ss_analysis_opts def = ss_analysis_opts_default();
    if (o == NULL)
        o = &def;
    ss_analysis *a = ss_arena_alloc(im->arena, sizeof *a);
    if (a == NULL)
        return ss_fail_nooff(d, SS_E_NOMEM, "out of memory for the analysis");
    im->analysis = a;
    ss_status st = SS_OK;
    /* With threads to spare and an image worth a thread, the string analysis runs beside the
     * BSS analysis (on libLLVM-15 they are the two halves of the work). */
    ss_strings_job *sj = NULL;
    if (o->which & (SS_AN_BSS | SS_AN_STRINGS))
        warn_overlap(im);
    if (o->threads > 1 && im->bytes.len >= PAIR_MIN_BYTES && (o->which & SS_AN_BSS) &&
        (o->which & SS_AN_STRINGS))
        sj = ss_strings_start(im, o); /* it copies the literal sections, on its thread */
    else if (o->which & (SS_AN_STRINGS | SS_AN_LITERALS))
        ss_image_copy_literals(im);
    /* The tables the reader left for the BSS and literals analyses, read here while the strings
     * job runs. When they cannot be read the image failed to load: the caller drops it (see
     * ss_analyze_input), so only the string job is still waited for. */
    bool tables = !(o->which & (SS_AN_BSS | SS_AN_LITERALS)) || ss_image_load_tables(im) == SS_OK;
    unsigned which = o->which;
    if (!tables && ss_image_tables_unaffordable(im)) {
        /* A large but well-formed table: only the analysis that needs it is lost. */
        const ss_diag *td = &im->tables_diag;
        if (o->which & SS_AN_BSS)
            ss_image_warn(im, td->has_offset ? td->offset - im->base_offset : UINT64_MAX,
                          "%s: the BSS analysis, which needs these tables, did not run",
                          td->msg);
        if (o->which & SS_AN_LITERALS)
            ss_image_warn(im, td->has_offset ? td->offset - im->base_offset : UINT64_MAX,
                          "%s: the literals analysis ran without the symbols' boundaries",
                          td->msg);
        im->warnings = im->v_warnings.items;
        im->nwarnings = im->v_warnings.count;
        which &= ~(unsigned)SS_AN_BSS;
    } else if (!tables) {
        if (sj)
            ss_strings_finish(sj, im, &a->strings, d);
        *d = im->tables_diag;
        return im->tables_status;
    }
    fctx c = {.im = im, .sj = sj};
    ss_vec_init(&c.findings, sizeof(ss_finding));
    for (size_t i = 0; i < NREGISTRY; i++) {
        const ss_analyzer *an = &registry[i];
        if (!(which & an->bit) || an->run == NULL)
            continue;
        ss_status s = an->run(im, o, &c, d);
        if (s == SS_OK)
            a->ran |= an->bit;
        else {
            st = s;
            if (an->reset)
                an->reset(a);
            warn_late(im, d->msg);
        }
    }
    if (c.sj) /* started, but its analysis was not asked to finish it */
        ss_strings_finish(c.sj, im, &a->strings, d);
    for (size_t i = 0; i < NREGISTRY; i++)
        if ((a->ran & registry[i].bit) && registry[i].findings)
            registry[i].findings(&c, a);
    a->findings = c.findings.items;
    a->nfindings = c.findings.count;
    if (c.oom) {
        st = ss_fail_nooff(d, SS_E_NOMEM, "out of memory listing findings");
        warn_late(im, d->msg);
    }
    return st;
}

void ss_analyze_input(ss_input *in, const ss_analysis_opts *opts)
{
    ss_analysis_opts mo = *opts;
    const ss_analysis_opts *o = &mo;
    mo.keep_distinct = in->container == SS_CONTAINER_ARCHIVE;
    size_t n = 0;
    for (size_t u = 0; u < in->nunits; u++) {
        ss_image *im = in->units[u].image;
        if (im == NULL)
            continue;
        ss_diag d = {0};
        ss_analyze(im, o, &d); /* failures are recorded as image warnings */
        if (im->tables_status != SS_OK && !ss_image_tables_unaffordable(im)) {
            /* the image failed to load after all */
            in->units[u].diag = im->tables_diag;
            in->units[u].image = NULL;
            ss_image_free(im);
            continue;
        }
        n++;
    }
    if (in->container != SS_CONTAINER_ARCHIVE || n < 2 || !(o->which & SS_AN_STRINGS))
        return;
    ss_image **ims = malloc(n * sizeof *ims);
    if (ims == NULL)
        return;
    n = 0;
    for (size_t u = 0; u < in->nunits; u++)
        if (in->units[u].image)
            ims[n++] = in->units[u].image;
    ss_diag d = {0};
    ss_image *first = ims[0];
    if (first->analysis &&
        ss_strings_across_compute(first, ims, n, &first->analysis->across, &d) != SS_OK)
        warn_late(first, d.msg);
    free(ims);
}
