/* registry.c - recognising an input and dispatching it to its reader or container. */
#include "reader.h"

#include <stdio.h>  /* snprintf */
#include <string.h> /* strlen, strcmp */

static const ss_reader *const readers[] = {
    &ss_reader_elf,
    &ss_reader_pe,
    &ss_reader_macho,
};

static const ss_container *const containers[] = {
    &ss_container_ar,
    &ss_container_fat,
};

#define NREADERS (sizeof readers / sizeof readers[0])
#define NCONTAINERS (sizeof containers / sizeof containers[0])

/* Containers nest at most this deep (a universal binary holding static archives). */
#define MAX_DEPTH 2
/* An image may allocate at most this much beyond ARENA_PER_BYTE bytes per byte of its size:
 * enough for its tables and names, never an amount a header field alone decides. */
#define ARENA_BASE (64u << 20)
#define ARENA_PER_BYTE 8u

ss_load_opts ss_load_opts_default(void)
{
    return (ss_load_opts){.symbols = true, .relocs = true, .refs = true};
}

static const ss_reader *find_reader(ss_span head)
{
    for (size_t i = 0; i < NREADERS; i++)
        if (readers[i]->probe(head))
            return readers[i];
    return NULL;
}

static const ss_container *find_container(ss_span head)
{
    for (size_t i = 0; i < NCONTAINERS; i++)
        if (containers[i]->probe(head))
            return containers[i];
    return NULL;
}

bool ss_formats_recognised(ss_span head)
{
    return find_reader(head) != NULL || find_container(head) != NULL;
}

static size_t arena_cap(size_t len)
{
    size_t extra;
    if (__builtin_mul_overflow(len, (size_t)ARENA_PER_BYTE, &extra) ||
        extra > SIZE_MAX - ARENA_BASE)
        return SIZE_MAX;
    return ARENA_BASE + extra;
}

/* Decompresses each compressed section (streaming, capped) to check the size its header
 * states; a section that does not match gets a warning and an unknown size. */
static void verify_compressed(ss_image *im)
{
    size_t unchecked = 0, first = 0;
    for (size_t i = 0; i < im->nsections; i++) {
        ss_section *s = &im->sections[i];
        if (s->compression == SS_COMP_NONE || s->compression == SS_COMP_UNKNOWN ||
            !s->uncompressed_known)
            continue; /* nothing to check, or nothing segscan can decompress (already warned) */
        if (ss_section_over_budget(im, i)) { /* one warning for all of them, below */
            if (unchecked++ == 0)
                first = i;
            continue;
        }
        ss_diag d = {0};
        if (ss_section_verify(im, i, &d) != SS_OK) {
            ss_image_warn(im, d.has_offset ? d.offset : s->offset, "%s", d.msg);
            s->uncompressed_known = false;
        }
    }
    if (unchecked)
        ss_image_warn(im, im->sections[first].offset,
                      "decompression budget of this image (%llu bytes in and out) spent: %zu "
                      "compressed sections not verified, from %s on",
                      (unsigned long long)ss_inflate_budget(im), unchecked,
                      im->sections[first].name);
}

/* Loads one image; returns the unit's diagnostic status (the unit is always added). */
static void load_image(ss_input *in, const ss_reader *r, const ss_load_opts *opts, ss_span bytes,
                       uint64_t base, const char *member)
{
    ss_diag d = {0};
    ss_image *im = ss_image_new(bytes, base, in->path, member, arena_cap(bytes.len));
    /* a mapped file whose descriptor is kept (not a caller's buffer, not a small file); base
     * is where bytes start in the file: what ss_image_read's pread needs */
    if (im && in->map_addr != NULL && in->fd >= 0 && bytes.p == in->bytes.p + base)
        im->src_fd = in->fd;
    if (im == NULL) {
        ss_fail_nooff(&d, SS_E_NOMEM, "out of memory");
        ss_input_add_unit(in, member, NULL, &d, base, bytes.len);
        return;
    }
    ss_status st = r->load(im, opts, &d);
    if (st != SS_OK) {
        if (d.status == SS_OK) /* a reader that forgot to say why */
            ss_fail_nooff(&d, st, "%s reader failed", r->name);
        if (d.has_offset)
            d.offset += base;
        ss_image_free(im);
        ss_input_add_unit(in, member, NULL, &d, base, bytes.len);
        return;
    }
    if (opts->verify_compressed)
        verify_compressed(im);
    /* rustc's crate metadata is the section .rustc (ELF, PE; Mach-O: __DATA,.rustc) */
    for (size_t i = 0; i < im->nsections && !im->rustc_metadata; i++)
        im->rustc_metadata = im->sections[i].name && (strcmp(im->sections[i].name, ".rustc") == 0 ||
                                                      strcmp(im->sections[i].name, "__DATA,.rustc") == 0);
    ss_input_add_unit(in, member, im, NULL, base, bytes.len);
}

/* What a "FILE(MEMBER)" selection found, for the message when it found nothing. */
typedef struct {
    size_t taken;            /* members or slices that matched */
    size_t others;           /* members seen beside them, at the level the name was sought */
    int depth;               /* that level (1: the file's own members) */
    ss_container_kind where; /* that level's container */
    char names[120];         /* the first of those members' names */
} selection;

typedef struct {
    ss_input *in;
    const ss_load_opts *opts;
    const char *prefix; /* member name of the enclosing container member, or NULL */
    uint64_t base;      /* file offset of the container's bytes */
    int depth;
    ss_container_kind kind; /* of the container whose members these are */
    bool all;           /* inside the selected member: take everything */
    bool count_only;    /* left out by the selection: only count the members' bytes */
    selection *sel;     /* NULL when the input selects nothing */
} member_ctx;

static void note_other(selection *sel, const char *name)
{
    size_t o = strlen(sel->names);
    if (sel->others < 4 && o + strlen(name) + 3 < sizeof sel->names)
        snprintf(sel->names + o, sizeof sel->names - o, "%s%s", o ? ", " : "", name);
    else if (sel->others == 4 || (sel->others < 4 && o + 6 < sizeof sel->names))
        snprintf(sel->names + o, sizeof sel->names - o, ", ...");
    sel->others++;
}

/* Whether a member takes part in the input's selection: the selected member itself (*exact;
 * and everything in it), or a container on the way to it ("x86_64" for "x86_64/a.o":
 * *inside). */
static bool selected(member_ctx *ctx, const char *full, const char *name,
                     const ss_container *container, bool *inside, bool *exact)
{
    *inside = *exact = false;
    if (ctx->sel == NULL || ctx->all)
        return true;
    const char *want = ctx->in->select;
    size_t n = strlen(full);
    if (strcmp(want, full) == 0) {
        ctx->sel->taken++;
        *exact = true;
        return true;
    }
    if (container && strncmp(want, full, n) == 0 && want[n] == '/') {
        /* The name is sought among this container's members from now on. */
        ctx->sel->others = 0;
        ctx->sel->names[0] = '\0';
        ctx->sel->depth = ctx->depth + 1;
        ctx->sel->where = container->kind;
        *inside = true;
        return true;
    }
    if (ctx->depth == ctx->sel->depth)
        note_other(ctx->sel, name);
    return false;
}

static ss_status load_container(member_ctx *ctx, const ss_container *c, ss_span bytes,
                                ss_diag *d);

/* A member's name under its enclosing container member ("fat.a/arm64" style). */
static void member_name(const member_ctx *ctx, const char *name, char *full, size_t cap)
{
    if (ctx->prefix)
        snprintf(full, cap, "%s/%s", ctx->prefix, name);
    else
        snprintf(full, cap, "%s", name);
}

static ss_status on_member(void *vctx, const char *name, ss_span bytes, uint64_t offset)
{
    member_ctx *ctx = vctx;
    char full[512];
    member_name(ctx, name, full, sizeof full);
    uint64_t base = ctx->base + offset;

    const ss_container *c = ctx->depth < MAX_DEPTH ? find_container(bytes) : NULL;
    bool inside = false, exact = false;
    if (ctx->count_only || !selected(ctx, full, name, c, &inside, &exact)) {
        /* Left out: its bytes are members' bytes all the same, and a container's own headers
         * stay container bytes, so the totals do not depend on the selection. */
        uint64_t before = ctx->in->unselected_bytes;
        if (c) {
            member_ctx sub = {ctx->in, ctx->opts, full, base, ctx->depth + 1, c->kind, false,
                              true, NULL};
            ss_diag d = {0};
            if (load_container(&sub, c, bytes, &d) == SS_OK)
                return SS_OK;
        }
        uint64_t counted = ctx->in->unselected_bytes - before;
        if (counted < bytes.len)
            ctx->in->unselected_bytes += bytes.len - counted;
        return SS_OK;
    }
    if (c) {
        member_ctx sub = {ctx->in, ctx->opts, full, base, ctx->depth + 1, c->kind, !inside,
                          false, ctx->sel};
        ss_diag d = {0};
        size_t before = ctx->in->nunits;
        uint64_t unselected = ctx->in->unselected_bytes;
        if (load_container(&sub, c, bytes, &d) != SS_OK) {
            if (d.has_offset)
                d.offset += base;
            /* The failed container's unit holds its bytes that no member read before the
             * failure already holds, so no byte is counted twice. */
            uint64_t taken = ctx->in->unselected_bytes - unselected;
            for (size_t i = before; i < ctx->in->nunits; i++)
                taken += ctx->in->units[i].size;
            ss_input_add_unit(ctx->in, full, NULL, &d, base,
                              taken < bytes.len ? bytes.len - taken : 0);
        }
        return SS_OK;
    }
    const ss_reader *r = find_reader(bytes);
    if (r == NULL) {
        ss_diag d = {0};
        ss_fail(&d, SS_E_UNKNOWN, base, "member is not an ELF, PE/COFF or Mach-O file");
        if (ss_input_add_unit(ctx->in, full, NULL, &d, base, bytes.len))
            ctx->in->units[ctx->in->nunits - 1].skipped = !exact; /* asked for: an error */
        return SS_OK;
    }
    load_image(ctx->in, r, ctx->opts, bytes, base, full);
    return SS_OK;
}

/* A member the container could not hand over: one failed unit holding its bytes. */
static void on_bad_member(void *vctx, const char *name, const ss_diag *md, uint64_t offset,
                          uint64_t size)
{
    member_ctx *ctx = vctx;
    char full[512];
    member_name(ctx, name, full, sizeof full);
    ss_diag d = *md;
    if (d.has_offset)
        d.offset += ctx->base;
    ss_input_add_unit(ctx->in, full, NULL, &d, ctx->base + offset, size);
}

static ss_status load_container(member_ctx *ctx, const ss_container *c, ss_span bytes,
                                ss_diag *d)
{
    return c->each(bytes, on_member, on_bad_member, ctx, d);
}

/* A selection that found nothing becomes one failed unit named by it: the run reports
 * "FILE(MEMBER): no such member (...)" and exits 3, as for any member that cannot be read. */
static void selection_missed(ss_input *in, const selection *sel, const char *why)
{
    ss_diag d = {0};
    if (why)
        ss_fail_nooff(&d, SS_E_IO, "no such member: %s", why);
    else if (sel->others == 0)
        ss_fail_nooff(&d, SS_E_IO, "no such member: the %s has none",
                      sel->where == SS_CONTAINER_UNIVERSAL ? "universal binary" : "archive");
    else
        ss_fail_nooff(&d, SS_E_IO, "no such %s (the %s has %zu: %s)",
                      sel->where == SS_CONTAINER_UNIVERSAL ? "slice" : "member",
                      sel->where == SS_CONTAINER_UNIVERSAL ? "universal binary" : "archive",
                      sel->others, sel->names);
    ss_input_add_unit(in, in->select, NULL, &d, 0, 0);
}

void ss_formats_load(ss_input *in, const ss_load_opts *opts)
{
    ss_load_opts defaults = ss_load_opts_default();
    if (opts == NULL)
        opts = &defaults;
    if (in->status != SS_OK)
        return;
    const ss_container *c = find_container(in->bytes);
    if (c) {
        in->container = c->kind;
        selection sel = {.where = c->kind, .depth = 1};
        member_ctx ctx = {in, opts, NULL, 0, 1, c->kind, false, false, in->select ? &sel : NULL};
        ss_status st = load_container(&ctx, c, in->bytes, &in->diag);
        if (st != SS_OK)
            in->status = st;
        else if (in->select && sel.taken == 0)
            selection_missed(in, &sel, NULL);
        return;
    }
    const ss_reader *r = find_reader(in->bytes);
    if (r == NULL) {
        in->status = ss_fail(&in->diag, SS_E_UNKNOWN, 0,
                             "not an ELF, PE/COFF, Mach-O, archive or universal binary");
        return;
    }
    if (in->select) {
        selection_missed(in, NULL, "not an archive or universal binary");
        return;
    }
    load_image(in, r, opts, in->bytes, 0, NULL);
}
