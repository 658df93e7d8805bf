/* elf_relocs.c - where relocations write, for the BSS analysis.
 *
 * A zero-filled object that a relocation writes to is not really zero at run time (lld leaves
 * zero bytes where an R_X86_64_RELATIVE fills a pointer at load time), so the analysis needs
 * every written range. Tables are read with a cursor straight from the file bytes: the ranges
 * are already checked by the section reader, and RELR is not a type every libelf converts. */
#include <gelf.h>   /* GElf_Shdr, SHT_*, R_* */
#include <stdlib.h> /* malloc, free */
#include <string.h> /* memcpy */

#include "../core/bigmem.h"
#include "elf_internal.h"
#include "refs.h"

#ifndef SHT_RELR
#define SHT_RELR 19
#endif

/* Bytes written by a relocation type; the pointer size when the type is not in this table,
 * which errs on the side of calling fewer bytes movable. */
static uint32_t reloc_width(unsigned machine, uint32_t type, uint32_t ptr)
{
    if (machine == EM_X86_64) {
        switch (type) {
        case R_X86_64_PC32: case R_X86_64_GOT32: case R_X86_64_PLT32: case R_X86_64_32:
        case R_X86_64_32S: case R_X86_64_GOTPCREL: case R_X86_64_TPOFF32: case R_X86_64_DTPOFF32:
        case R_X86_64_GOTPC32: case R_X86_64_GOTPCRELX: case R_X86_64_REX_GOTPCRELX:
        case R_X86_64_TLSGD: case R_X86_64_TLSLD: case R_X86_64_GOTTPOFF:
            return 4;
        case R_X86_64_16: case R_X86_64_PC16: return 2;
        case R_X86_64_8: case R_X86_64_PC8: return 1;
        case R_X86_64_NONE: return 0;
        }
        return 8;
    }
    if (machine == EM_386) {
        switch (type) {
        case R_386_16: case R_386_PC16: return 2;
        case R_386_8: case R_386_PC8: return 1;
        case R_386_NONE: return 0;
        }
        return 4;
    }
    if (machine == EM_AARCH64) {
        switch (type) {
        case R_AARCH64_ABS64: case R_AARCH64_PREL64: case R_AARCH64_RELATIVE:
        case R_AARCH64_GLOB_DAT: case R_AARCH64_JUMP_SLOT: case R_AARCH64_TLS_TPREL:
        case R_AARCH64_TLS_DTPMOD: case R_AARCH64_TLS_DTPREL: case R_AARCH64_IRELATIVE:
        case R_AARCH64_TLSDESC:
            return 8;
        case R_AARCH64_ABS16: case R_AARCH64_PREL16: return 2;
        case R_AARCH64_NONE: return 0;
        }
        return 4; /* instruction fields */
    }
    return ptr;
}

/* Loads of table fields. ss_load32/64 are out of line and read a byte at a time; these inline
 * to one load (and a byte swap for the other byte order) in the loops over a big library's
 * hundreds of thousands of entries. The caller has checked the range. */
static inline uint64_t load64(const uint8_t *p, bool be)
{
    uint64_t v;
    memcpy(&v, p, sizeof v);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    return be ? v : __builtin_bswap64(v);
#else
    return be ? __builtin_bswap64(v) : v;
#endif
}

static inline uint32_t load32(const uint8_t *p, bool be)
{
    uint32_t v;
    memcpy(&v, p, sizeof v);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    return be ? v : __builtin_bswap32(v);
#else
    return be ? __builtin_bswap32(v) : v;
#endif
}

/* Relocation tables are walked once, in order, a block of entries at a time read by pread
 * (ss_image_view), not through the mapping: on this project's VM a first touch of a mapped page
 * costs ~2.3 us, and libLLVM-15's .rela.dyn is 9.2 MB (2,240 pages, ~5 ms). libelf converts no
 * relocation table in place (only symbol tables and .dynamic, through elf_getdata), so the bytes
 * read are the ones the mapping holds. BLOCK_ENTRIES of the largest entry (24 bytes) is the
 * block on the stack. */
#define BLOCK_ENTRIES 2048
#define BLOCK_BYTES (BLOCK_ENTRIES * 24)

/* A table's entries, read a block at a time. */
typedef struct {
    const ss_image *im;
    uint64_t at;      /* the table's image offset */
    size_t n, ent;    /* its entries and their size */
    const uint8_t *b; /* the block of the entry last asked for */
    uint8_t blk[BLOCK_BYTES];
} tabcur;

static void tab_open(tabcur *c, const ss_image *im, ss_span tab, size_t n, size_t ent)
{
    c->im = im;
    c->at = (uint64_t)(tab.p - im->bytes.p);
    c->n = n;
    c->ent = ent;
    c->b = NULL;
}

/* Entry k, asked for in order k = 0, 1, ... (k < n, n * ent within the table); NULL when its
 * block cannot be read. */
static const uint8_t *tab_entry(tabcur *c, size_t k)
{
    if (k % BLOCK_ENTRIES == 0) {
        size_t m = c->n - k < BLOCK_ENTRIES ? c->n - k : BLOCK_ENTRIES;
        if ((c->b = ss_image_view(c->im, c->at + k * c->ent, m * c->ent, c->blk)) == NULL)
            return NULL;
    }
    return c->b + (k % BLOCK_ENTRIES) * c->ent;
}

/* The bytes of one entry of a REL or RELA table. */
static size_t entry_size(uint32_t type, bool is64)
{
    return is64 ? (type == SHT_RELA ? 24 : 16) : (type == SHT_RELA ? 12 : 8);
}

/* RELR: an even word is an address written and the next base; an odd word is a bitmap of the
 * following 63 (or 31) words. The number of places a table writes: */
static size_t relr_count(ss_span tab, bool is64, bool be)
{
    size_t w = is64 ? 8 : 4, n = 0;
    for (size_t i = 0; i < tab.len / w; i++) {
        uint64_t e = is64 ? load64(tab.p + i * w, be) : load32(tab.p + i * w, be);
        n += (e & 1) == 0 ? 1 : (size_t)__builtin_popcountll(e >> 1);
    }
    return n;
}

/* The count places of a RELR table (relr_count's). */
static bool read_relr(ss_image *im, ss_span tab, size_t count, bool is64, bool be)
{
    if (count == 0)
        return true;
    ss_reloc *out = ss_image_add_relocs(im, count);
    if (out == NULL)
        return false;
    uint32_t w = is64 ? 8 : 4;
    uint64_t base = 0;
    size_t k = 0;
    for (size_t i = 0; i < tab.len / w; i++) {
        uint64_t e = is64 ? load64(tab.p + i * w, be) : load32(tab.p + i * w, be);
        if ((e & 1) == 0) {
            out[k++] = (ss_reloc){.section = -1, .addr = e, .size = w};
            base = e + w;
        } else {
            unsigned bits = w * 8 - 1;
            for (unsigned b = 0; b < bits; b++)
                if ((e >> (b + 1)) & 1)
                    out[k++] = (ss_reloc){.section = -1, .addr = base + (uint64_t)b * w, .size = w};
            base += (uint64_t)bits * w;
        }
    }
    return true;
}

/* The table of relocation section i (its range checked by the section reader) and the section
 * its places are relative to (-1: addresses), or false when it is not one or is skipped. */
static bool reloc_table(const ss_image *im, Elf *elf, size_t i, size_t shnum, ss_span *tab,
                        int64_t *target)
{
    const ss_section *s = &im->sections[i];
    if (s->raw_type != SHT_REL && s->raw_type != SHT_RELA && s->raw_type != SHT_RELR)
        return false;
    if (!ss_span_sub(im->bytes, s->offset, s->file_size, tab))
        return false;
    *target = -1;
    if (s->raw_type != SHT_RELR && im->type == SS_TYPE_RELOCATABLE) {
        /* In relocatable files r_offset is relative to the section named by sh_info. */
        Elf_Scn *scn = elf_getscn(elf, i);
        GElf_Shdr sh;
        if (scn == NULL || gelf_getshdr(scn, &sh) == NULL || sh.sh_info == 0 ||
            sh.sh_info >= shnum)
            return false;
        *target = (int64_t)sh.sh_info;
    }
    return true;
}

/* ---- references into read-only data (issue 19) ------------------------------------------- */

/* How a dynamic relocation type fills a pointer: 1 the addend (or the word in place for REL)
 * is the address, 2 a symbol's value plus the addend, 0 neither (code, TLS, PLT slots, ifuncs:
 * nothing that points at read-only data). */
static int fix_kind(unsigned machine, uint32_t type)
{
    switch (machine) {
    case EM_X86_64:
        return type == R_X86_64_RELATIVE ? 1 : type == R_X86_64_64 || type == R_X86_64_GLOB_DAT ? 2 : 0;
    case EM_AARCH64:
        return type == R_AARCH64_RELATIVE ? 1
               : type == R_AARCH64_ABS64 || type == R_AARCH64_GLOB_DAT ? 2 : 0;
    case EM_386:
        return type == R_386_RELATIVE ? 1 : type == R_386_32 || type == R_386_GLOB_DAT ? 2 : 0;
    case EM_ARM:
        return type == R_ARM_RELATIVE ? 1 : type == R_ARM_ABS32 || type == R_ARM_GLOB_DAT ? 2 : 0;
    }
    return 0;
}

/* The value of symbol `sym` of the symbol table section `link` (read from the file: its range
 * is checked here), or false. */
static bool sym_value(const ss_image *im, size_t link, uint64_t sym, bool is64, bool be,
                      uint64_t *out)
{
    if (link == 0 || link >= im->nsections || sym == 0)
        return false;
    const ss_section *s = &im->sections[link];
    size_t ent = is64 ? 24 : 16;
    ss_span tab;
    if (!ss_span_sub(im->bytes, s->offset, s->file_size, &tab) || sym >= tab.len / ent)
        return false;
    const uint8_t *e = tab.p + sym * ent;
    *out = is64 ? load64(e + 8, be) : load32(e + 4, be);
    return true;
}

/* How a relocation in an object refers to data: 1 a pointer-sized word (S + A), 2 a narrow or
 * instruction field (S + A), 3 an x86 PC-relative displacement (the object is at S + A + 4: the
 * displacement ends the lea or mov that loads a literal's address), 0 nothing used here. */
static int object_kind(unsigned machine, uint32_t type)
{
    switch (machine) {
    case EM_X86_64:
        return type == R_X86_64_64 ? 1 : type == R_X86_64_32 || type == R_X86_64_32S ? 2
               : type == R_X86_64_PC32 ? 3 : 0;
    case EM_AARCH64:
        return type == R_AARCH64_ABS64 ? 1
               : type == R_AARCH64_ADD_ABS_LO12_NC || type == R_AARCH64_ADR_PREL_LO21 ? 2 : 0;
    case EM_386:
        return type == R_386_32 ? 1 : type == R_386_PC32 ? 3 : 0;
    case EM_ARM:
        return type == R_ARM_ABS32 ? 1 : 0;
    }
    return 0;
}

static int u64_cmp(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

static bool add_obj_ref(ss_image *im, int64_t sec, uint64_t off, uint64_t len, ss_ref_source src)
{
    if (sec > SS_REF_MAX_SECTION) /* not from a 16-bit index: see object_refs */
        return true;
    ss_ref *r = ss_image_add_ref(im);
    if (r == NULL)
        return false;
    *r = (ss_ref){.addr = off, .len = (uint32_t)len, .section = (int)sec, .source = src};
    return true;
}

/* An object's references: relocations name a symbol (usually a section symbol) and an addend,
 * so each target is a section and an offset in it. A pointer relocation whose next word, in the
 * same section, no relocation of that section writes and which holds 1..(bytes left in the
 * target section) is a slice. False when the references stopped for want of memory. */
static bool object_refs(ss_image *im, Elf *elf, bool is64, bool be, size_t shnum, size_t n,
                        unsigned machine)
{
    unsigned ptr = is64 ? 8 : 4;
    for (size_t i = 1; i < n; i++) {
        ss_span tab;
        int64_t sec;
        if (!reloc_table(im, elf, i, shnum, &tab, &sec) || sec < 0 || (size_t)sec >= n ||
            im->sections[i].raw_type == SHT_RELR)
            continue;
        bool rela = im->sections[i].raw_type == SHT_RELA;
        size_t ent = entry_size(im->sections[i].raw_type, is64), count = tab.len / ent;
        Elf_Scn *scn = elf_getscn(elf, i);
        GElf_Shdr sh;
        size_t link = scn && gelf_getshdr(scn, &sh) ? sh.sh_link : 0;
        if (link == 0 || link >= n)
            continue;
        const ss_section *place = &im->sections[sec], *st = &im->sections[link];
        ss_span data = {0}, syms;
        if (!ss_span_sub(im->bytes, st->offset, st->file_size, &syms))
            continue;
        if (place->file_size && place->compression == SS_COMP_NONE)
            (void)ss_span_sub(im->bytes, place->offset, place->file_size, &data);
        /* The places this table writes, sorted: a slice's length word is not one of them. */
        uint64_t *offs = count ? malloc(count * sizeof *offs) : NULL;
        if (count && offs == NULL)
            return false;
        for (size_t k = 0; k < count; k++)
            offs[k] = is64 ? load64(tab.p + k * ent, be) : load32(tab.p + k * ent, be);
        if (count > 1) /* qsort wants a non-null array even for none */
            qsort(offs, count, sizeof *offs, u64_cmp);
        bool ok = true;
        for (size_t k = 0; k < count && ok; k++) {
            const uint8_t *e = tab.p + k * ent;
            uint64_t off = is64 ? load64(e, be) : load32(e, be);
            uint64_t info = is64 ? load64(e + 8, be) : load32(e + 4, be);
            uint32_t type = is64 ? (uint32_t)(info & 0xffffffffu) : (uint32_t)(info & 0xff);
            uint64_t sym = is64 ? info >> 32 : info >> 8;
            int kind = object_kind(machine, type);
            size_t sent = is64 ? 24 : 16;
            if (kind == 0 || sym == 0 || sym >= syms.len / sent)
                continue;
            const uint8_t *se = syms.p + sym * sent;
            uint64_t value = is64 ? load64(se + 8, be) : load32(se + 4, be);
            uint16_t shndx = ss_load16(se + (is64 ? 6 : 14), be);
            if (shndx == 0 || shndx >= n || shndx >= SHN_LORESERVE || !im->sections[shndx].literals)
                continue;
            uint64_t addend;
            if (rela)
                addend = is64 ? load64(e + 16, be) : load32(e + 8, be);
            else if (data.p && off <= data.len && data.len - off >= 4)
                addend = load32(data.p + off, be); /* REL (32-bit targets): in the place */
            else
                continue;
            uint64_t target = value + addend + (kind == 3 ? 4 : 0);
            if (!is64)
                target &= 0xffffffffu;
            const ss_section *ts = &im->sections[shndx];
            uint64_t size = ts->file_size ? ts->file_size : ts->vm_size;
            if (target >= size)
                continue;
            ok = add_obj_ref(im, shndx, target, 0, SS_REF_RELOC);
            uint64_t next = off + ptr, len;
            if (!ok || kind != 1 || next < off || !data.p || next > data.len ||
                data.len - next < ptr || bsearch(&next, offs, count, sizeof *offs, u64_cmp))
                continue;
            len = ptr == 8 ? load64(data.p + next, be) : load32(data.p + next, be);
            if (len >= 1 && len <= size - target && len <= UINT32_MAX)
                ok = add_obj_ref(im, shndx, target, len, SS_REF_PAIR);
        }
        free(offs);
        if (!ok)
            return false;
    }
    return true;
}

/* A relocation table of the image: section i, its bytes, the section its places are relative to
 * (-1: addresses), its type and its entries (RELR: the places it names). */
typedef struct {
    size_t i;
    ss_span tab;
    int64_t target;
    uint32_t type;
    size_t count;
} reltab;

/* The fixes of a linked image's dynamic relocations (refs.h), collected while its tables are
 * walked for the places they write. */
typedef struct {
    ss_vmap vm;
    ss_fix *fx;
    size_t n, cap;
} fixes;

/* RELR: every place holds its own address, to be moved by the load base. */
static void relr_fixes(fixes *f, ss_span tab, unsigned ptr, bool be)
{
    bool is64 = ptr == 8;
    uint64_t base = 0;
    for (size_t k = 0; k < tab.len / ptr && f->n < f->cap; k++) {
        uint64_t e = is64 ? load64(tab.p + k * ptr, be) : load32(tab.p + k * ptr, be);
        uint64_t v;
        if ((e & 1) == 0) {
            if (ss_vmap_word(&f->vm, e, ptr, &v))
                f->fx[f->n++] = (ss_fix){e, v};
            base = e + ptr;
        } else {
            for (unsigned b = 0; b < ptr * 8 - 1 && f->n < f->cap; b++) {
                uint64_t at = base + (uint64_t)b * ptr;
                if ((e >> (b + 1)) & 1 && ss_vmap_word(&f->vm, at, ptr, &v))
                    f->fx[f->n++] = (ss_fix){at, v};
            }
            base += (uint64_t)(ptr * 8 - 1) * ptr;
        }
    }
}

/* The entries of relocation section i (REL or RELA, count entries of ent bytes): the places
 * they write into out (when given: room for count) and the pointers they fill into f (when
 * given), in one walk; the number of places written. */
static size_t walk_table(ss_image *im, Elf *elf, size_t i, ss_span tab, size_t count,
                         size_t ent, int64_t target, unsigned machine, bool is64, bool be,
                         ss_reloc *out, fixes *f)
{
    uint32_t t = im->sections[i].raw_type, ptr = is64 ? 8 : 4;
    size_t link = 0, kept = 0;
    if (f) {
        Elf_Scn *scn = elf_getscn(elf, i);
        GElf_Shdr sh;
        link = scn && gelf_getshdr(scn, &sh) ? sh.sh_link : 0;
    }
    /* count * ent <= tab.len, so every entry read below is inside the table. */
    tabcur tc;
    tab_open(&tc, im, tab, count, ent);
    for (size_t k = 0; k < count; k++) {
        const uint8_t *e = tab_entry(&tc, k);
        if (e == NULL)
            break;
        uint64_t off = is64 ? load64(e, be) : load32(e, be);
        uint64_t info = is64 ? load64(e + 8, be) : load32(e + 4, be);
        uint32_t type = is64 ? (uint32_t)(info & 0xffffffffu) : (uint32_t)(info & 0xff);
        if (out) {
            uint32_t width = reloc_width(machine, type, ptr);
            if (width) /* R_*_NONE writes nothing */
                out[kept++] = (ss_reloc){.section = target, .addr = off, .size = width};
        }
        int kind = f && f->n < f->cap ? fix_kind(machine, type) : 0;
        if (kind == 0)
            continue;
        uint64_t addend, value = 0, sym = is64 ? info >> 32 : info >> 8;
        if (t == SHT_RELA)
            addend = is64 ? load64(e + 16, be) : load32(e + 8, be);
        else if (!ss_vmap_word(&f->vm, off, ptr, &addend))
            continue;
        if (kind == 2 && !sym_value(im, link, sym, is64, be, &value))
            continue;
        uint64_t to = value + addend;
        f->fx[f->n++] = (ss_fix){off, is64 ? to : to & 0xffffffffu};
    }
    return kept;
}

/* Each table is walked once for both outputs: the BSS analysis' places and the references
 * each decoded libLLVM-15's 9.2 MB .rela.dyn on their own (read, 383,000 entries), ~2 ms of the
 * literals analysis' time. */
ss_status ss_elf_read_relocs(ss_image *im, Elf *elf, bool is64, size_t shnum, bool places,
                             bool refs, ss_diag *d)
{
    const uint8_t *p = im->bytes.p;
    bool be = p[EI_DATA] == ELFDATA2MSB;
    unsigned machine = ss_load16(p + 18, be);
    uint32_t ptr = is64 ? 8 : 4;
    size_t n = shnum < im->nsections ? shnum : im->nsections;
    if (refs && im->type == SS_TYPE_RELOCATABLE) {
        if (!object_refs(im, elf, is64, be, shnum, n, machine))
            ss_image_warn(im, UINT64_MAX, "references into read-only data exceed the memory "
                                          "segscan allows for this file; %zu kept",
                          im->nrefs);
        refs = false;
    }

    if (!places && !refs)
        return SS_OK;

    /* The tables and their entries (RELR: places), found once; room for every entry at once:
     * growing the array table by table copied a big library's hundreds of thousands of entries
     * into a fresh block twice as large. */
    reltab *tabs = malloc((n ? n : 1) * sizeof *tabs);
    if (tabs == NULL)
        return ss_fail_nooff(d, SS_E_NOMEM, "out of memory reading relocations");
    size_t ntabs = 0, total = 0;
    for (size_t i = 1; i < n; i++) {
        reltab *r = &tabs[ntabs];
        if (!reloc_table(im, elf, i, shnum, &r->tab, &r->target))
            continue;
        r->i = i;
        r->type = im->sections[i].raw_type;
        r->count = r->type == SHT_RELR ? relr_count(r->tab, is64, be)
                                       : r->tab.len / entry_size(r->type, is64);
        if (__builtin_add_overflow(total, r->count, &total))
            total = SIZE_MAX;
        ntabs++;
    }
    /* The arena's cap is what refuses here, not the machine: say so (it said "out of memory"). */
    if (places && total && !ss_vec_reserve(im->arena, &im->v_relocs, total)) {
        free(tabs);
        return ss_fail_nooff(d, SS_E_LIMIT,
                             "relocation tables (%zu entries) exceed the memory segscan allows "
                             "for this file",
                             total);
    }

    /* Each fix is a word of the file's bytes, so a sane image has at most one per pointer-sized
     * word; a crafted RELR table names 63 places a word and can name the same ones again and
     * again (an even entry resets the base): 64 fixes of 16 bytes for every 16 bytes of table.
     * Past this bound the fixes stop with a warning. */
    fixes fx = {0}, *f = NULL;
    size_t max_fx = im->bytes.len / ptr + 4096;
    bool refs_ok = true;
    if (refs && total) {
        fx.cap = total < max_fx ? total : max_fx;
        /* fresh memory of megabytes (libLLVM-15: 6 MB): on 2 MiB pages (bigmem.h) */
        fx.fx = fx.cap <= SIZE_MAX / sizeof *fx.fx ? ss_big_alloc_raw(fx.cap * sizeof *fx.fx)
                                                   : NULL;
        refs_ok = fx.fx != NULL && ss_vmap_init(&fx.vm, im);
        f = refs_ok ? &fx : NULL;
    }

    for (size_t k = 0; k < ntabs; k++) {
        const reltab *r = &tabs[k];
        bool ok = true;
        if (r->type == SHT_RELR) {
            ok = !places || read_relr(im, r->tab, r->count, is64, be);
            if (f)
                relr_fixes(f, r->tab, ptr, be);
        } else if (places || f) {
            ss_reloc *out = places ? ss_image_add_relocs(im, r->count) : NULL;
            ok = !places || r->count == 0 || out != NULL;
            size_t kept = walk_table(im, elf, r->i, r->tab, r->count, entry_size(r->type, is64),
                                     r->target, machine, is64, be, out, f);
            if (out) { /* give back the entries of NONE relocations */
                im->v_relocs.count -= r->count - kept;
                im->nrelocs = im->v_relocs.count;
            }
        }
        if (!ok) {
            free(tabs);
            ss_big_free(fx.fx, fx.cap * sizeof *fx.fx);
            ss_vmap_free(&fx.vm);
            return ss_fail_nooff(d, SS_E_NOMEM, "out of memory reading relocations");
        }
    }
    free(tabs);
    if (refs) {
        ss_vmap_free(&fx.vm);
        if (fx.n == max_fx)
            ss_image_warn(im, UINT64_MAX, "relocations fill more pointers (%zu read) than the "
                                          "file has words; the rest give no references",
                          fx.n);
        refs_ok = refs_ok && ss_refs_build(im, fx.fx, fx.n, ptr);
        ss_big_free(fx.fx, fx.cap * sizeof *fx.fx);
        /* Refused by the arena's cap (or the machine): as for PE and Mach-O, the references
         * stop with a warning, and the symbol and relocation tables read with them stand. */
        if (!refs_ok)
            ss_image_warn(im, UINT64_MAX, "references into read-only data exceed the memory "
                                          "segscan allows for this file; %zu kept",
                          im->nrefs);
    }
    return SS_OK;
}
