/* macho_fixups.c - where a Mach-O image gets written at link or load time: MH_OBJECT relocation
 * entries, dyld's rebase and bind opcode streams (LC_DYLD_INFO) and chained fixups
 * (LC_DYLD_CHAINED_FIXUPS). The BSS analysis needs these places: bytes a fixup writes are not
 * "just zeros" even when the file holds zeros there.
 *
 * All three are untrusted programs of a kind. Opcode streams are consumed strictly forward (one
 * byte at least per opcode), every repeat count is paid for out of one budget of fixups per
 * image sized by the image's bytes, every target must lie inside its segment, and every chain
 * step moves forward inside one page: a crafted file can end decoding early (with a warning),
 * never loop or allocate without bound. */
#include "macho.h"

#include <stdlib.h> /* realloc, free */

#include "refs.h"

typedef struct {
    const ss_macho_fixups *fx;
    ss_image *im;
    uint64_t budget;  /* fixups still allowed */
    bool exhausted;   /* the budget ran out (warned once) */
    const char *what; /* stream being decoded, for messages */
    uint64_t at;      /* image offset of the opcode or entry being decoded */
    /* References (fx->refs): the pointers rebases fill, and what they will hold. */
    ss_vmap vm;
    uint64_t base;  /* vmaddr of the segment holding the header: chained offsets count from it */
    ss_fix *fix;
    size_t nfix, capfix;
    bool nomem;
} fx_run;

/* A stream decoder that meets something it cannot follow records one warning and stops. */
static bool stop(fx_run *f, const char *why)
{
    ss_image_warn(f->im, f->at, "%s: %s; decoding of this table stopped", f->what, why);
    return false;
}

static bool emit(fx_run *f, int64_t section, uint64_t addr, uint32_t size)
{
    if (f->budget == 0) {
        if (!f->exhausted)
            ss_image_warn(f->im, f->at,
                          "%s: more fixups than the image's size allows; the rest are not "
                          "decoded",
                          f->what);
        f->exhausted = true;
        return false;
    }
    f->budget--;
    if (!f->fx->relocs)
        return true;
    ss_reloc *r = ss_image_add_reloc(f->im);
    if (r == NULL) {
        f->budget = 0;
        f->exhausted = true;
        ss_image_warn(f->im, f->at, "%s: out of memory; the remaining fixups are not decoded",
                      f->what);
        return false;
    }
    r->section = section;
    r->addr = addr;
    r->size = size;
    return true;
}

/* A pointer at site that the loader sets to target (before sliding). Bounded by the fixup
 * budget: one per emitted fixup at most. */
static bool add_fix(fx_run *f, uint64_t site, uint64_t target)
{
    if (f->nfix == f->capfix) {
        size_t nc = f->capfix ? f->capfix * 2 : 1024;
        ss_fix *g = realloc(f->fix, nc * sizeof *g);
        if (g == NULL) {
            f->nomem = true;
            return false;
        }
        f->fix = g;
        f->capfix = nc;
    }
    f->fix[f->nfix++] = (ss_fix){site, target};
    return true;
}

static const ss_segment *segment(fx_run *f, uint64_t i)
{
    return i < f->im->v_segments.count ? (const ss_segment *)f->im->v_segments.items + i : NULL;
}

/* A fixup of size bytes at offset segoff of segment seg, checked to lie in the segment. */
static bool emit_seg(fx_run *f, int64_t seg, uint64_t segoff, uint32_t size)
{
    const ss_segment *g = seg >= 0 ? segment(f, (uint64_t)seg) : NULL;
    if (g == NULL)
        return stop(f, "fixup in a segment that does not exist");
    if (!ss_range_ok(segoff, size, g->vm_size))
        return stop(f, "fixup outside its segment");
    return emit(f, -1, g->vaddr + segoff, size);
}

/* ---- MH_OBJECT relocation entries -------------------------------------------------------- */

static void object_relocs(fx_run *f)
{
    const ss_macho_fixups *fx = f->fx;
    bool has_scattered = (fx->cputype & CPU_ARCH_ABI64) == 0;
    f->what = "relocations";
    for (size_t i = 0; i < fx->nsects; i++) {
        const ss_macho_sect *x = &fx->sects[i];
        uint64_t size = (uint64_t)x->nreloc * 8;
        if (x->nreloc == 0 || !ss_range_ok(x->reloff, size, f->im->bytes.len))
            continue; /* a table past the end was reported when its region was recorded */
        bool warned = false;
        for (uint32_t k = 0; k < x->nreloc; k++) {
            f->at = x->reloff + (uint64_t)k * 8;
            const uint8_t *p = f->im->bytes.p + f->at;
            uint32_t w0 = ss_load32(p, fx->be), w1 = ss_load32(p + 4, fx->be);
            uint32_t addr, type, length;
            if (has_scattered && (w0 & 0x80000000u)) {
                /* scattered_relocation_info: the same bit positions in both byte orders */
                addr = w0 & 0x00ffffffu;
                type = (w0 >> 24) & 0xf;
                length = (w0 >> 28) & 0x3;
            } else if (fx->be) {
                addr = w0;
                type = w1 & 0xf;
                length = (w1 >> 5) & 0x3;
            } else {
                addr = w0;
                type = w1 >> 28;
                length = (w1 >> 25) & 0x3;
            }
            /* Entries that write nothing themselves: the PAIR half of a pair (i386, ARM, PPC),
             * arm64's ADDEND prefix, and the SUBTRACTOR half that is followed by the UNSIGNED
             * entry writing the same place. */
            if ((has_scattered && type == 1) ||
                (fx->cputype == CPU_TYPE_ARM64 && (type == 10 || type == 1)) ||
                (fx->cputype == CPU_TYPE_X86_64 && type == 5))
                continue;
            uint32_t bytes = 1u << length;
            if (!ss_range_ok(addr, bytes, x->size)) {
                if (!warned)
                    ss_image_warn(f->im, f->at,
                                  "relocation %u of section %zu patches offset 0x%x, outside "
                                  "the section",
                                  k, i, addr);
                warned = true;
                continue;
            }
            if (!emit(f, (int64_t)i, addr, bytes))
                return;
        }
    }
}

/* ---- dyld opcode streams --------------------------------------------------------------- */

typedef struct {
    const uint8_t *p;
    size_t len, pos;
    uint64_t base; /* image offset of p, for messages */
} opstream;

static bool uleb(fx_run *f, opstream *s, uint64_t *out)
{
    uint64_t v = 0;
    for (unsigned shift = 0;; shift += 7) {
        if (s->pos >= s->len)
            return stop(f, "ULEB128 runs past the end of the table");
        uint8_t b = s->p[s->pos++];
        if (shift >= 64 || (shift == 63 && (b & 0x7e)))
            return stop(f, "ULEB128 value does not fit 64 bits");
        v |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80))
            break;
    }
    *out = v;
    return true;
}

static bool sleb(fx_run *f, opstream *s)
{
    uint64_t ignored;
    return uleb(f, s, &ignored); /* the addend does not move the fixup: only skip it */
}

static bool open_stream(fx_run *f, const ss_macho_blob *bl, opstream *s)
{
    if (!bl->present)
        return false;
    s->p = f->im->bytes.p + bl->off; /* present: checked against the image by macho.c */
    s->len = bl->size;
    s->pos = 0;
    s->base = bl->off;
    return true;
}

static uint32_t fixup_size(const fx_run *f, uint8_t type)
{
    /* REBASE_TYPE_/BIND_TYPE_TEXT_ABSOLUTE32 (2) and TEXT_PCREL32 (3) patch 4 bytes of code;
     * POINTER (1) writes a pointer. */
    return (type == 2 || type == 3) ? 4 : f->fx->ptr_size;
}

/* A rebase of the given type at offset off of segment seg: a place, and for a pointer
 * (REBASE_TYPE_POINTER) a reference to what the file's word there holds (the unslid address). */
static bool rebase_at(fx_run *f, int64_t seg, uint64_t off, uint8_t type)
{
    if (!emit_seg(f, seg, off, fixup_size(f, type)))
        return false;
    uint64_t site = segment(f, (uint64_t)seg)->vaddr + off, target;
    if (f->fx->refs && type == 1 && ss_vmap_word(&f->vm, site, f->fx->ptr_size, &target))
        return add_fix(f, site, target);
    return true;
}

static void run_rebase(fx_run *f)
{
    opstream s;
    if (!open_stream(f, &f->fx->rebase, &s))
        return;
    f->what = "rebase info";
    uint32_t ptr = f->fx->ptr_size;
    uint8_t type = 1;
    int64_t seg = -1;
    uint64_t off = 0, count, skip;
    while (s.pos < s.len) {
        f->at = s.base + s.pos;
        uint8_t byte = s.p[s.pos++], op = byte & 0xf0, imm = byte & 0x0f;
        switch (op) {
        case 0x00: /* REBASE_OPCODE_DONE */
            return;
        case 0x10: /* SET_TYPE_IMM */
            type = imm;
            break;
        case 0x20: /* SET_SEGMENT_AND_OFFSET_ULEB */
            seg = imm;
            if (!uleb(f, &s, &off))
                return;
            break;
        case 0x30: /* ADD_ADDR_ULEB */
            if (!uleb(f, &s, &skip))
                return;
            off += skip; /* wraps like dyld's; emit_seg rejects what leaves the segment */
            break;
        case 0x40: /* ADD_ADDR_IMM_SCALED */
            off += (uint64_t)imm * ptr;
            break;
        case 0x50: /* DO_REBASE_IMM_TIMES */
        case 0x60: /* DO_REBASE_ULEB_TIMES */
            count = imm;
            if (op == 0x60 && !uleb(f, &s, &count))
                return;
            for (uint64_t i = 0; i < count; i++, off += ptr)
                if (!rebase_at(f, seg, off, type))
                    return;
            break;
        case 0x70: /* DO_REBASE_ADD_ADDR_ULEB */
            if (!rebase_at(f, seg, off, type) || !uleb(f, &s, &skip))
                return;
            off += skip + ptr;
            break;
        case 0x80: /* DO_REBASE_ULEB_TIMES_SKIPPING_ULEB */
            if (!uleb(f, &s, &count) || !uleb(f, &s, &skip))
                return;
            for (uint64_t i = 0; i < count; i++, off += skip + ptr)
                if (!rebase_at(f, seg, off, type))
                    return;
            break;
        default:
            stop(f, "unknown rebase opcode");
            return;
        }
    }
}

/* Bind, weak-bind and lazy-bind streams share one opcode set; in the lazy stream DONE only
 * separates entries. */
static void run_bind(fx_run *f, const ss_macho_blob *bl, const char *what, bool lazy)
{
    opstream s;
    if (!open_stream(f, bl, &s))
        return;
    f->what = what;
    uint32_t ptr = f->fx->ptr_size;
    uint8_t type = 1;
    int64_t seg = -1;
    uint64_t off = 0, count, skip;
    while (s.pos < s.len) {
        f->at = s.base + s.pos;
        uint8_t byte = s.p[s.pos++], op = byte & 0xf0, imm = byte & 0x0f;
        switch (op) {
        case 0x00: /* BIND_OPCODE_DONE */
            if (!lazy)
                return;
            break;
        case 0x10: /* SET_DYLIB_ORDINAL_IMM */
        case 0x30: /* SET_DYLIB_SPECIAL_IMM */
            break;
        case 0x20: /* SET_DYLIB_ORDINAL_ULEB */
        case 0x60: /* SET_ADDEND_SLEB */
            if (!(op == 0x20 ? uleb(f, &s, &skip) : sleb(f, &s)))
                return;
            break;
        case 0x40: /* SET_SYMBOL_TRAILING_FLAGS_IMM: a NUL-terminated name follows */
            while (s.pos < s.len && s.p[s.pos] != 0)
                s.pos++;
            if (s.pos >= s.len) {
                stop(f, "symbol name runs past the end of the table");
                return;
            }
            s.pos++;
            break;
        case 0x50: /* SET_TYPE_IMM */
            type = imm;
            break;
        case 0x70: /* SET_SEGMENT_AND_OFFSET_ULEB */
            seg = imm;
            if (!uleb(f, &s, &off))
                return;
            break;
        case 0x80: /* ADD_ADDR_ULEB */
            if (!uleb(f, &s, &skip))
                return;
            off += skip;
            break;
        case 0x90: /* DO_BIND */
            if (!emit_seg(f, seg, off, fixup_size(f, type)))
                return;
            off += ptr;
            break;
        case 0xa0: /* DO_BIND_ADD_ADDR_ULEB */
            if (!emit_seg(f, seg, off, fixup_size(f, type)) || !uleb(f, &s, &skip))
                return;
            off += skip + ptr;
            break;
        case 0xb0: /* DO_BIND_ADD_ADDR_IMM_SCALED */
            if (!emit_seg(f, seg, off, fixup_size(f, type)))
                return;
            off += (uint64_t)imm * ptr + ptr;
            break;
        case 0xc0: /* DO_BIND_ULEB_TIMES_SKIPPING_ULEB */
            if (!uleb(f, &s, &count) || !uleb(f, &s, &skip))
                return;
            for (uint64_t i = 0; i < count; i++, off += skip + ptr)
                if (!emit_seg(f, seg, off, fixup_size(f, type)))
                    return;
            break;
        case 0xd0: /* THREADED: arm64e's older in-place chains, not decoded here */
            stop(f, "threaded bind opcodes are not decoded");
            return;
        default:
            stop(f, "unknown bind opcode");
            return;
        }
    }
}

/* ---- chained fixups -------------------------------------------------------------------- */

typedef struct {
    uint32_t stride; /* bytes per unit of `next` */
    uint32_t width;  /* pointer bytes */
    unsigned next_shift, next_bits;
    uint16_t fmt;    /* DYLD_CHAINED_PTR_* */
} chain_format;

static bool chain_format_of(uint16_t fmt, chain_format *cf)
{
    switch (fmt) {
    case 1:  /* DYLD_CHAINED_PTR_ARM64E */
    case 9:  /* ARM64E_USERLAND */
    case 12: /* ARM64E_USERLAND24 */
        *cf = (chain_format){8, 8, 51, 11};
        return true;
    case 7:  /* ARM64E_KERNEL */
    case 10: /* ARM64E_FIRMWARE */
        *cf = (chain_format){4, 8, 51, 11};
        return true;
    case 2: /* DYLD_CHAINED_PTR_64 */
    case 6: /* 64_OFFSET */
    case 8: /* 64_KERNEL_CACHE */
        *cf = (chain_format){4, 8, 51, 12};
        return true;
    case 11: /* X86_64_KERNEL_CACHE */
        *cf = (chain_format){1, 8, 51, 12};
        return true;
    case 3: /* DYLD_CHAINED_PTR_32 */
        *cf = (chain_format){4, 4, 26, 5};
        return true;
    case 4: /* 32_CACHE */
        *cf = (chain_format){4, 4, 30, 2};
        return true;
    case 5: /* 32_FIRMWARE */
        *cf = (chain_format){4, 4, 26, 6};
        return true;
    }
    return false;
}

/* The address a chained rebase entry v will hold (unslid), or false for a bind or a format
 * whose rebases are not decoded here (kernel and firmware caches). Targets are 36 bits plus a
 * top byte (PTR_64: an address; 64_OFFSET: an offset from the image's base), ARM64E's 43 bits
 * plus a top byte or, authenticated, a 32-bit offset; PTR_32's 26 bits are an address. */
static bool chain_target(const fx_run *f, uint16_t fmt, uint64_t v, uint64_t *t)
{
    switch (fmt) {
    case 2: /* DYLD_CHAINED_PTR_64 */
    case 6: /* 64_OFFSET */
        if (v >> 63)
            return false;
        *t = (v & 0xfffffffffu) | ((v >> 36) & 0xff) << 56;
        if (fmt == 6)
            *t += f->base;
        return true;
    case 1:  /* ARM64E: non-authenticated targets are addresses */
    case 9:  /* ARM64E_USERLAND: offsets */
    case 12: /* ARM64E_USERLAND24 */
        if ((v >> 62) & 1)
            return false; /* bind */
        if (v >> 63)
            *t = (v & 0xffffffffu) + f->base; /* auth rebase: always an offset */
        else
            *t = ((v & 0x7ffffffffffu) + (fmt == 1 ? 0 : f->base)) | ((v >> 43) & 0xff) << 56;
        return true;
    case 3: /* PTR_32 */
        if (v >> 31)
            return false;
        *t = v & 0x3ffffff;
        return true;
    }
    return false;
}

/* Follows one chain that starts `start` bytes into page `page` of segment g. Each step moves
 * forward by at least one byte and must stay inside the page and the segment's file bytes. */
static bool walk_chain(fx_run *f, const ss_segment *g, uint64_t page, uint32_t page_size,
                       uint32_t start, const chain_format *cf)
{
    uint64_t page_off;
    if (!ss_mul_ok(page, page_size, &page_off))
        return stop(f, "page offset overflows");
    uint64_t in_page = start;
    for (;;) {
        uint64_t seg_off = page_off + in_page; /* both bounded by 2^32 * 2^16 */
        if (in_page >= page_size || !ss_range_ok(seg_off, cf->width, g->file_size))
            return stop(f, "chain leaves its page or its segment's file bytes");
        f->at = g->offset + seg_off; /* inside the image: file_size is clipped to it */
        const uint8_t *p = f->im->bytes.p + f->at;
        uint64_t v = cf->width == 8 ? ss_load64(p, f->fx->be) : ss_load32(p, f->fx->be);
        if (!emit(f, -1, g->vaddr + seg_off, cf->width))
            return false;
        uint64_t target;
        if (f->fx->refs && chain_target(f, cf->fmt, v, &target) &&
            !add_fix(f, g->vaddr + seg_off, target))
            return false;
        uint64_t next = (v >> cf->next_shift) & (((uint64_t)1 << cf->next_bits) - 1);
        if (next == 0)
            return true;
        in_page += next * cf->stride;
    }
}

static void run_chained(fx_run *f)
{
    const ss_macho_blob *bl = &f->fx->chained;
    if (!bl->present)
        return;
    f->what = "chained fixups";
    f->at = bl->off;
    ss_span ch = {f->im->bytes.p + bl->off, bl->size};
    bool be = f->fx->be;
    ss_cursor c = ss_cursor_at(ch, 0, be);
    uint32_t version = ss_u32(&c), starts = ss_u32(&c);
    if (c.failed || version != 0) {
        stop(f, c.failed ? "header runs past the table" : "unknown fixups_version");
        return;
    }
    c = ss_cursor_at(ch, starts, be);
    uint32_t seg_count = ss_u32(&c);
    if (c.failed || !ss_range_ok(c.pos, (uint64_t)seg_count * 4, ch.len)) {
        f->at = bl->off + starts;
        stop(f, "segment table runs past the table");
        return;
    }
    for (uint32_t i = 0; i < seg_count; i++) {
        ss_cursor ci = ss_cursor_at(ch, starts + 4 + (size_t)i * 4, be);
        uint32_t info = ss_u32(&ci);
        if (info == 0)
            continue;
        uint64_t so = (uint64_t)starts + info;
        f->at = bl->off + starts + 4 + (uint64_t)i * 4;
        const ss_segment *g = segment(f, i);
        if (g == NULL || so >= ch.len) {
            stop(f, g ? "segment starts lie past the table"
                      : "starts for a segment that does not exist");
            return;
        }
        ss_cursor cs = ss_cursor_at(ch, (size_t)so, be);
        uint32_t size = ss_u32(&cs);
        uint16_t page_size = ss_u16(&cs), fmt = ss_u16(&cs);
        ss_u64(&cs); /* segment_offset: we use the segment command's own address */
        ss_u32(&cs); /* max_valid_pointer */
        uint16_t page_count = ss_u16(&cs);
        f->at = bl->off + so;
        if (cs.failed || !ss_range_ok(so, size, ch.len) || size < 22 ||
            (uint64_t)page_count * 2 > size - 22) {
            stop(f, "segment starts run past the table");
            return;
        }
        chain_format cf;
        if (!chain_format_of(fmt, &cf)) {
            stop(f, "unknown pointer_format");
            return;
        }
        cf.fmt = fmt;
        if (page_size == 0) {
            stop(f, "page_size is 0");
            return;
        }
        const uint8_t *ps = ch.p + so + 22;
        size_t nextra = (size - 22) / 2; /* u16 slots: page starts, then overflow lists */
        for (uint32_t pg = 0; pg < page_count; pg++) {
            uint16_t start = ss_load16(ps + pg * 2, be);
            if (start == 0xffff) /* DYLD_CHAINED_PTR_START_NONE */
                continue;
            if ((start & 0x8000) && cf.width == 4) {
                /* DYLD_CHAINED_PTR_START_MULTI (32-bit formats): several chains in this page,
                 * listed in the overflow area, the last one marked with START_LAST. */
                for (size_t k = (size_t)(start & 0x7fff); k < nextra; k++) {
                    uint16_t e = ss_load16(ps + k * 2, be);
                    if (!walk_chain(f, g, pg, page_size, e & 0x7fff, &cf))
                        return;
                    if (e & 0x8000)
                        break;
                }
                continue;
            }
            if (!walk_chain(f, g, pg, page_size, start, &cf))
                return;
        }
    }
}

bool ss_macho_decode_fixups(const ss_macho_fixups *fx)
{
    /* A fixup writes at least 4 bytes that the file holds (pointers or code), and rarely two
     * fixups name one place: a budget of one per 8 bytes of image (plus slack for tiny files)
     * admits every real image and keeps a crafted one from filling the arena. */
    fx_run f = {.fx = fx, .im = fx->im, .budget = fx->im->bytes.len / 8 + 4096};
    if (fx->filetype == MH_OBJECT) {
        if (fx->relocs)
            object_relocs(&f); /* an object's references are symbol-relative: not read */
        return true;
    }
    if (fx->refs) {
        if (!ss_vmap_init(&f.vm, fx->im))
            return false;
        /* The image's base: the segment that maps the header (file offset 0, bytes in it). */
        for (size_t i = 0; i < fx->im->nsegments; i++) {
            const ss_segment *g = &fx->im->segments[i];
            if (g->offset == 0 && g->file_size) {
                f.base = g->vaddr;
                break;
            }
        }
    }
    run_rebase(&f);
    run_bind(&f, &fx->bind, "bind info", false);
    run_bind(&f, &fx->weak_bind, "weak bind info", false);
    run_bind(&f, &fx->lazy_bind, "lazy bind info", true);
    run_chained(&f);
    if (!fx->refs)
        return true;
    ss_vmap_free(&f.vm);
    bool ok = !f.nomem && ss_refs_build(fx->im, f.fix, f.nfix, fx->ptr_size);
    free(f.fix);
    return ok;
}
