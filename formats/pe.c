/* pe.c - the PE/COFF reader: PE32 and PE32+ images (EXE, DLL, EFI) and COFF objects
 * (plain and /bigobj) into segscan's model.
 *
 * Design choices, stated once here because the format does not make them for us:
 *
 * Addresses. A section's vaddr is ImageBase + VirtualAddress, the address it has when the image
 * is loaded at its preferred base, so PE addresses read like ELF and Mach-O ones (llvm-readobj
 * prints the bare RVA). COFF objects have no base: their sections keep VirtualAddress (0).
 *
 * Segments. PE has no program headers; the loader maps the headers and then each section on
 * its own, with that section's protection, at SectionAlignment granularity. segscan mirrors
 * that: segment 0 is "[Headers]" (file bytes [0, SizeOfHeaders), mapped r-- at ImageBase, its
 * VM size rounded up to SectionAlignment), then one segment per section, named like the
 * section, with its vaddr, its VM size rounded up to SectionAlignment (what it really occupies),
 * its file range and its permissions. Section i lives in segment i+1. COFF objects are not
 * loaded, so they have no segments and their sections have segment -1.
 *
 * Kinds. PE flags say code / initialized / uninitialized and r/w/x; they have no "debug" or
 * "metadata" bit, so two rules use other facts (in this order of precedence):
 *   1. the section holding the TLS template (the TLS directory's StartAddressOfRawData) is
 *      tls-data;
 *   2. CNT_UNINITIALIZED_DATA alone is bss (no file bytes);
 *   3. CNT_CODE or MEM_EXECUTE is code;
 *   4. MEM_DISCARDABLE and a name beginning ".debug" is debug: the one place we look at a
 *      name, because DWARF in PE (mingw) and CodeView in objects (.debug$S) carry no other mark;
 *   5. metadata by data directory: a section that begins with the export, resource,
 *      exception or base-relocation directory and that the directory covers whole (its size
 *      >= VirtualSize: .edata, .rsrc, .pdata, .reloc, or an lld .rdata holding only exports);
 *      and a writable section that begins with the import directory (GNU ld's .idata, where
 *      the loader-written IAT sits beside the descriptors). A section that merely contains a
 *      directory stays program data: lld-link and MSVC put import descriptors and the export
 *      table inside read-only .rdata next to ordinary constants, and the import directory's
 *      size covers only the descriptors, never the lookup and name tables;
 *   6. MEM_WRITE is data, anything else initialized or readable is rodata, the rest other.
 * A section whose VirtualSize exceeds SizeOfRawData keeps its kind: the zero-filled tail shows
 * as vm_size > file_size (implicit BSS) for the BSS analysis.
 *
 * alloc. In images every section is alloc: the Windows and EFI loaders map all sections,
 * MEM_DISCARDABLE ones (DWARF in mingw images) included - discardable only lets kernel-mode
 * images free them later. In objects a section is alloc unless it is LNK_REMOVE/LNK_INFO
 * (.drectve) or debug (rule 4): those never reach a linked image's memory.
 *
 * Untrusted input: every header field that locates bytes is checked against the image length
 * (ss_range_ok, ss_mul_ok) before use, and every allocation is bounded by a count that was
 * checked to fit in the file. Broken headers fail with the offset; section data that starts or
 * runs past the end (a truncated file whose headers are intact) and damaged optional parts
 * (symbols, string table, relocations, certificates) become warnings with the offset. */
#include "pe_internal.h"

#include <stdlib.h> /* qsort */
#include <string.h> /* memcmp, strncmp */

/* ANON_OBJECT_HEADER_BIGOBJ's ClassID, which tells a bigobj COFF from an import object. */
static const uint8_t bigobj_classid[16] = {0xc7, 0xa1, 0xba, 0xd1, 0xee, 0xba, 0xa9, 0x4b,
                                           0xaf, 0x20, 0xfa, 0xf6, 0x6a, 0xa4, 0xdc, 0xb8};
#define BIGOBJ_HDR_SIZE 56u
#define COFF_HDR_SIZE 20u
#define DOS_HDR_SIZE 64u
/* COFF objects hold at most this many sections (more needs /bigobj). */
#define COFF_MAX_SECTIONS 65279u

enum {
    FILE_RELOCS_STRIPPED = 0x0001,
    FILE_EXECUTABLE_IMAGE = 0x0002,
    FILE_DLL = 0x2000,
};

/* ---- probe ------------------------------------------------------------------------------ */

static bool is_bigobj(ss_span h)
{
    return h.len >= BIGOBJ_HDR_SIZE && ss_load16(h.p, false) == 0 &&
           ss_load16(h.p + 2, false) == 0xffff && ss_load16(h.p + 4, false) >= 2 &&
           memcmp(h.p + 12, bigobj_classid, sizeof bigobj_classid) == 0;
}

/* A COFF object has no magic number, so everything that must hold is checked: a machine we
 * know, no optional header, a section table that fits, and a symbol table that starts after
 * it. Random bytes pass all of that only by accident. */
static bool probe_object(ss_span h)
{
    uint16_t machine;
    uint64_t nsec, symptr, nsym, table;
    if (is_bigobj(h)) {
        machine = ss_load16(h.p + 6, false);
        nsec = ss_load32(h.p + 44, false);
        symptr = ss_load32(h.p + 48, false);
        nsym = ss_load32(h.p + 52, false);
        table = BIGOBJ_HDR_SIZE;
    } else {
        if (h.len < COFF_HDR_SIZE || ss_load16(h.p + 16, false) != 0)
            return false;
        machine = ss_load16(h.p, false);
        nsec = ss_load16(h.p + 2, false);
        symptr = ss_load32(h.p + 8, false);
        nsym = ss_load32(h.p + 12, false);
        table = COFF_HDR_SIZE;
        if (nsec > COFF_MAX_SECTIONS)
            return false;
    }
    if (pe_machine_name(machine) == NULL || (nsec == 0 && nsym == 0))
        return false;
    uint64_t end = table + nsec * PE_SHDR_SIZE; /* nsec < 2^32: no overflow */
    if (end > h.len)
        return false;
    if (symptr != 0 && (symptr < end || symptr > h.len))
        return false;
    return true;
}

static bool pe_probe(ss_span h)
{
    if (h.len >= 2 && h.p[0] == 'M' && h.p[1] == 'Z')
        return true;
    return probe_object(h);
}

/* ---- headers ---------------------------------------------------------------------------- */

typedef struct {
    uint64_t lfanew, opt_off, sectab_off;
    uint16_t sizeopt, characteristics, magic, subsystem, dll_chars;
    uint32_t entry_rva, size_headers;
} pe_hdr;

static ss_status read_image_headers(pe_ctx *c, pe_hdr *h, ss_diag *d)
{
    ss_span b = c->b;
    if (b.len < DOS_HDR_SIZE)
        return ss_fail(d, SS_E_TRUNCATED, 0, "DOS header needs %u bytes, the file has %zu",
                       DOS_HDR_SIZE, b.len);
    h->lfanew = ss_load32(b.p + 0x3c, false);
    if (!ss_range_ok(h->lfanew, 4, b.len))
        return ss_fail(d, SS_E_TRUNCATED, 0x3c,
                       "e_lfanew points at 0x%llx, past the end of the file (%zu bytes)",
                       (unsigned long long)h->lfanew, b.len);
    const uint8_t *sig = b.p + h->lfanew;
    if (memcmp(sig, "PE\0\0", 4) != 0) {
        if ((sig[0] == 'N' || sig[0] == 'L') && (sig[1] == 'E' || sig[1] == 'X'))
            return ss_fail(d, SS_E_UNSUPPORTED, h->lfanew,
                           "16-bit or VxD executable (%c%c header), not PE", sig[0], sig[1]);
        return ss_fail(d, SS_E_CORRUPT, h->lfanew,
                       "MZ file without a PE signature at e_lfanew 0x%llx",
                       (unsigned long long)h->lfanew);
    }
    uint64_t coff = h->lfanew + 4;
    if (!ss_range_ok(coff, COFF_HDR_SIZE, b.len))
        return ss_fail(d, SS_E_TRUNCATED, coff, "COFF header at 0x%llx runs past the end of the file",
                       (unsigned long long)coff);
    ss_cursor k = ss_cursor_at(b, (size_t)coff, false);
    c->machine = ss_u16(&k);
    c->nsec = ss_u16(&k);
    ss_skip(&k, 4); /* TimeDateStamp */
    c->symptr = ss_u32(&k);
    c->nsym = ss_u32(&k);
    h->sizeopt = ss_u16(&k);
    h->characteristics = ss_u16(&k);

    h->opt_off = coff + COFF_HDR_SIZE;
    if (h->sizeopt < 2)
        return ss_fail(d, SS_E_CORRUPT, coff + 16,
                       "PE image with SizeOfOptionalHeader %u: no optional header", h->sizeopt);
    if (!ss_range_ok(h->opt_off, h->sizeopt, b.len))
        return ss_fail(d, SS_E_TRUNCATED, h->opt_off,
                       "optional header (%u bytes) at 0x%llx runs past the end of the file (%zu bytes)",
                       h->sizeopt, (unsigned long long)h->opt_off, b.len);
    ss_span opt = {b.p + h->opt_off, h->sizeopt};
    h->magic = ss_load16(opt.p, false);
    unsigned base;
    if (h->magic == 0x10b) {
        c->im->bits = 32;
        base = 96;
    } else if (h->magic == 0x20b) {
        c->im->bits = 64;
        base = 112;
    } else if (h->magic == 0x107) {
        return ss_fail(d, SS_E_UNSUPPORTED, h->opt_off, "PE ROM image (optional header magic 0x107)");
    } else {
        return ss_fail(d, SS_E_CORRUPT, h->opt_off, "unknown optional header magic 0x%04x",
                       h->magic);
    }
    if (h->sizeopt < base)
        return ss_fail(d, SS_E_CORRUPT, coff + 16,
                       "SizeOfOptionalHeader %u is too small for %s (needs at least %u)",
                       h->sizeopt, c->im->bits == 64 ? "PE32+" : "PE32", base);
    ss_cursor o = ss_cursor_at(opt, 16, false);
    h->entry_rva = ss_u32(&o);
    ss_skip(&o, c->im->bits == 64 ? 4 : 8); /* BaseOfCode (and BaseOfData in PE32) */
    c->image_base = c->im->bits == 64 ? ss_u64(&o) : ss_u32(&o);
    c->sect_align = ss_u32(&o); /* offset 32 */
    o.pos = 60;
    h->size_headers = ss_u32(&o);
    o.pos = 68;
    h->subsystem = ss_u16(&o);
    h->dll_chars = ss_u16(&o);
    o.pos = base - 4;
    uint32_t nrva = ss_u32(&o);
    if (o.failed) /* cannot happen: sizeopt >= base was checked */
        return ss_fail(d, SS_E_TRUNCATED, h->opt_off + o.fail_at, "optional header truncated");
    uint32_t fits = (h->sizeopt - base) / 8;
    c->ndirs = nrva < fits ? nrva : fits;
    if (nrva > fits)
        ss_image_warn(c->im, h->opt_off + base - 4,
                      "NumberOfRvaAndSizes %u but the optional header holds only %u directories",
                      nrva, fits);
    if (c->ndirs > PE_NDIRS)
        c->ndirs = PE_NDIRS;
    for (uint32_t i = 0; i < c->ndirs; i++) {
        c->dir[i].rva = ss_load32(opt.p + base + 8 * i, false);
        c->dir[i].size = ss_load32(opt.p + base + 8 * i + 4, false);
    }
    if (c->sect_align == 0 || (c->sect_align & (c->sect_align - 1)) != 0) {
        ss_image_warn(c->im, h->opt_off + 32, "SectionAlignment 0x%x is not a power of two",
                      c->sect_align);
        c->sect_align = 1;
    }
    h->sectab_off = h->opt_off + h->sizeopt;
    return SS_OK;
}

static ss_status read_object_header(pe_ctx *c, pe_hdr *h, ss_diag *d)
{
    ss_span b = c->b;
    if (is_bigobj(b)) {
        c->bigobj = true;
        c->machine = ss_load16(b.p + 6, false);
        c->nsec = ss_load32(b.p + 44, false);
        c->symptr = ss_load32(b.p + 48, false);
        c->nsym = ss_load32(b.p + 52, false);
        h->sectab_off = BIGOBJ_HDR_SIZE;
    } else {
        if (b.len < COFF_HDR_SIZE) /* the probe makes sure; keep the reader safe on its own */
            return ss_fail(d, SS_E_TRUNCATED, 0, "COFF header needs 20 bytes");
        c->machine = ss_load16(b.p, false);
        c->nsec = ss_load16(b.p + 2, false);
        c->symptr = ss_load32(b.p + 8, false);
        c->nsym = ss_load32(b.p + 12, false);
        h->sizeopt = ss_load16(b.p + 16, false);
        h->characteristics = ss_load16(b.p + 18, false);
        h->sectab_off = COFF_HDR_SIZE + (uint64_t)h->sizeopt;
    }
    c->im->bits = pe_machine_bits(c->machine);
    return SS_OK;
}

/* ---- sections --------------------------------------------------------------------------- */

static ss_status read_section_table(pe_ctx *c, const pe_hdr *h, ss_diag *d)
{
    uint64_t bytes;
    if (!ss_mul_ok(c->nsec, PE_SHDR_SIZE, &bytes) || !ss_range_ok(h->sectab_off, bytes, c->b.len))
        return ss_fail(d, SS_E_TRUNCATED, h->sectab_off,
                       "section table (%u entries) at 0x%llx runs past the end of the file (%zu bytes)",
                       c->nsec, (unsigned long long)h->sectab_off, c->b.len);

    /* The symbol table (needed first: long section names live in its string table). */
    c->symsize = c->bigobj ? PE_SYM_SIZE_BIGOBJ : PE_SYM_SIZE;
    if (c->symptr != 0 && c->nsym != 0) {
        uint64_t symbytes;
        if (ss_mul_ok(c->nsym, c->symsize, &symbytes) && ss_range_ok(c->symptr, symbytes, c->b.len)) {
            c->has_symtab = true;
        } else if (!c->is_image) {
            return ss_fail(d, SS_E_TRUNCATED, c->symptr,
                           "COFF symbol table (%u symbols) at 0x%x runs past the end of the file (%zu bytes)",
                           c->nsym, c->symptr, c->b.len);
        } else {
            ss_image_warn(c->im, c->symptr,
                          "COFF symbol table (%u symbols) at 0x%x runs past the end of the file; ignored",
                          c->nsym, c->symptr);
        }
    }
    pe_find_strtab(c);

    c->sh = c->nsec ? ss_arena_array(c->im->arena, c->nsec, sizeof *c->sh) : NULL;
    if (c->nsec && c->sh == NULL)
        return ss_fail_nooff(d, SS_E_NOMEM, "out of memory for %u section headers", c->nsec);
    for (uint32_t i = 0; i < c->nsec; i++) {
        uint64_t off = h->sectab_off + (uint64_t)i * PE_SHDR_SIZE;
        const uint8_t *p = c->b.p + off;
        pe_shdr *s = &c->sh[i];
        s->hdr_off = off;
        s->name = pe_section_name(c, p, off);
        if (s->name == NULL)
            return ss_fail_nooff(d, SS_E_NOMEM, "out of memory for section names");
        s->vsize = ss_load32(p + 8, false);
        s->va = ss_load32(p + 12, false);
        s->rawsize = ss_load32(p + 16, false);
        s->rawptr = ss_load32(p + 20, false);
        s->relptr = ss_load32(p + 24, false);
        s->lineptr = ss_load32(p + 28, false);
        s->nrel = ss_load16(p + 32, false);
        s->nline = ss_load16(p + 34, false);
        s->chars = ss_load32(p + 36, false);
    }
    return SS_OK;
}

static bool uninit_only(uint32_t ch)
{
    return (ch & PE_SCN_CNT_UNINITIALIZED_DATA) &&
           !(ch & (PE_SCN_CNT_INITIALIZED_DATA | PE_SCN_CNT_CODE));
}

/* RVA of the TLS template (StartAddressOfRawData - ImageBase), or false when there is none. */
static bool tls_template_rva(pe_ctx *c, uint32_t *rva)
{
    if (!c->is_image || c->dir[PE_DIR_TLS].size == 0)
        return false;
    uint64_t off, avail;
    unsigned ptr = c->im->bits / 8;
    if (!pe_rva_to_off(c, c->dir[PE_DIR_TLS].rva, &off, &avail) || avail < ptr) {
        ss_image_warn(c->im, UINT64_MAX, "TLS directory RVA 0x%x is in no section's file data",
                      c->dir[PE_DIR_TLS].rva);
        return false;
    }
    uint64_t start = ptr == 8 ? ss_load64(c->b.p + off, false) : ss_load32(c->b.p + off, false);
    if (start < c->image_base || start - c->image_base > UINT32_MAX)
        return false;
    *rva = (uint32_t)(start - c->image_base);
    return true;
}

static ss_kind section_kind(pe_ctx *c, const pe_shdr *s, bool has_tls, uint32_t tls_rva)
{
    uint32_t ch = s->chars;
    uint64_t extent = s->vsize > s->rawsize ? s->vsize : s->rawsize;
    if (has_tls && tls_rva >= s->va && tls_rva - s->va < extent)
        return SS_KIND_TLS_DATA;
    if (uninit_only(ch))
        return SS_KIND_BSS;
    if (ch & (PE_SCN_CNT_CODE | PE_SCN_MEM_EXECUTE))
        return SS_KIND_CODE;
    if ((ch & PE_SCN_MEM_DISCARDABLE) && strncmp(s->name, ".debug", 6) == 0)
        return SS_KIND_DEBUG;
    if (c->is_image) {
        static const int whole_dirs[] = {PE_DIR_EXPORT, PE_DIR_RESOURCE, PE_DIR_EXCEPTION,
                                         PE_DIR_BASERELOC};
        uint32_t content = s->vsize ? s->vsize : s->rawsize;
        for (size_t i = 0; i < sizeof whole_dirs / sizeof whole_dirs[0]; i++) {
            int k = whole_dirs[i];
            if (c->dir[k].size != 0 && c->dir[k].rva == s->va && c->dir[k].size >= content)
                return SS_KIND_METADATA;
        }
        if (c->dir[PE_DIR_IMPORT].size != 0 && c->dir[PE_DIR_IMPORT].rva == s->va &&
            (ch & PE_SCN_MEM_WRITE))
            return SS_KIND_METADATA;
    }
    if (ch & PE_SCN_MEM_WRITE)
        return SS_KIND_DATA;
    if (ch & (PE_SCN_CNT_INITIALIZED_DATA | PE_SCN_MEM_READ))
        return SS_KIND_RODATA;
    return SS_KIND_OTHER;
}

static const char *section_type(uint32_t ch)
{
    if (ch & PE_SCN_CNT_CODE)
        return "CODE";
    if (ch & PE_SCN_CNT_INITIALIZED_DATA)
        return "INITIALIZED_DATA";
    if (ch & PE_SCN_CNT_UNINITIALIZED_DATA)
        return "UNINITIALIZED_DATA";
    return "OTHER";
}

static uint8_t section_perms(uint32_t ch)
{
    return (uint8_t)(((ch & PE_SCN_MEM_READ) ? SS_PERM_R : 0) |
                     ((ch & PE_SCN_MEM_WRITE) ? SS_PERM_W : 0) |
                     ((ch & PE_SCN_MEM_EXECUTE) ? SS_PERM_X : 0));
}

static uint64_t align_up(uint64_t v, uint32_t a)
{
    uint64_t r;
    if (a <= 1 || !ss_add_ok(v, a - 1, &r))
        return v;
    return r & ~(uint64_t)(a - 1);
}

static ss_status fill_sections(pe_ctx *c, ss_diag *d)
{
    uint32_t tls_rva = 0;
    bool has_tls = tls_template_rva(c, &tls_rva);
    for (uint32_t i = 0; i < c->nsec; i++) {
        const pe_shdr *h = &c->sh[i];
        ss_section *s = ss_image_add_section(c->im);
        if (s == NULL)
            return ss_fail_nooff(d, SS_E_NOMEM, "out of memory for sections");
        s->name = h->name;
        s->type = section_type(h->chars);
        s->raw_flags = h->chars;
        s->perms = section_perms(h->chars);
        s->kind = section_kind(c, h, has_tls, tls_rva);
        /* Read-only data can hold literals, but not an object's unwind data (.pdata, .xdata;
         * an image's sit in .pdata, its exception directory, or in .rdata, where
         * mark_directories takes them out). */
        s->literals = s->kind == SS_KIND_RODATA && strcmp(h->name, ".pdata") != 0 &&
                      strcmp(h->name, ".xdata") != 0;
        s->offset = h->rawptr;

        if (c->is_image) {
            s->alloc = true;
            if (!ss_add_ok(c->image_base, h->va, &s->vaddr))
                return ss_fail(d, SS_E_CORRUPT, h->hdr_off + 12,
                               "ImageBase 0x%llx + VirtualAddress 0x%x of section %s overflows",
                               (unsigned long long)c->image_base, h->va, h->name);
            /* Loaders use SizeOfRawData when VirtualSize is 0 (old linkers left it unset). */
            s->vm_size = h->vsize ? h->vsize : h->rawsize;
            s->align = c->sect_align;
        } else {
            s->alloc = !(h->chars & (PE_SCN_LNK_REMOVE | PE_SCN_LNK_INFO)) &&
                       s->kind != SS_KIND_DEBUG;
            s->vaddr = h->va;
            /* Objects leave VirtualSize 0; SizeOfRawData is what the section will take. */
            s->vm_size = s->alloc ? h->rawsize : 0;
            unsigned a = (h->chars & PE_SCN_ALIGN_MASK) >> 20;
            s->align = a >= 1 && a <= 14 ? (uint64_t)1 << (a - 1) : 0;
        }

        if (s->kind == SS_KIND_BSS || h->rawptr == 0 || h->rawsize == 0) {
            s->file_size = 0;
        } else if (h->rawptr >= c->b.len) {
            /* A truncated file whose headers are intact: the section table is still the truth
             * about the layout, so the image is reported with no file bytes for this section
             * and the cut as a warning (as for data that runs past the end, below). */
            s->file_size = 0;
            ss_image_warn(c->im, h->rawptr,
                          "raw data of section %u (%s) at 0x%x is past the end of the file (%zu "
                          "bytes): the file is truncated; 0 of %u bytes kept",
                          i, h->name, h->rawptr, c->b.len, h->rawsize);
        } else if (h->rawsize > c->b.len - h->rawptr) {
            s->file_size = c->b.len - h->rawptr;
            ss_image_warn(c->im, h->rawptr,
                          "section %s: SizeOfRawData %u at 0x%x runs past the end of the file; %llu bytes kept",
                          h->name, h->rawsize, h->rawptr, (unsigned long long)s->file_size);
        } else {
            s->file_size = h->rawsize;
        }
    }
    return SS_OK;
}

/* The data directories the loader reads (imports, exports, debug, load config, TLS, delay
 * imports, IAT, ...) usually sit inside .rdata: their bytes hold no literals, so the string
 * analysis is told to skip them. The security directory's "address" is a file offset outside
 * every section. */
static ss_status mark_directories(pe_ctx *c, ss_diag *d)
{
    static const char *const names[PE_NDIRS] = {
        "export directory", "import directory", "resource directory", "exception directory",
        NULL, "base relocations", "debug directory", "architecture directory", NULL,
        "TLS directory", "load config directory", "bound import directory", "import address table",
        "delay import directory", "CLR runtime header", NULL};
    for (int k = 0; k < PE_NDIRS; k++) {
        uint64_t off, avail;
        if (names[k] == NULL || c->dir[k].size == 0 ||
            !pe_rva_to_off(c, c->dir[k].rva, &off, &avail))
            continue;
        if (!ss_image_add_noliteral(c->im, names[k], off,
                                    c->dir[k].size < avail ? c->dir[k].size : avail))
            return ss_fail_nooff(d, SS_E_NOMEM, "out of memory");
    }
    return SS_OK;
}

/* One segment for the headers, then one per section (see the comment at the top). */
static ss_status fill_segments(pe_ctx *c, const pe_hdr *h, ss_diag *d)
{
    ss_segment *g = ss_image_add_segment(c->im);
    if (g == NULL)
        return ss_fail_nooff(d, SS_E_NOMEM, "out of memory for segments");
    g->name = "[Headers]";
    g->vaddr = c->image_base;
    g->vm_size = align_up(h->size_headers, c->sect_align);
    g->offset = 0;
    g->file_size = h->size_headers < c->b.len ? h->size_headers : c->b.len;
    g->perms = g->maxprot = SS_PERM_R;
    g->loadable = true;
    for (uint32_t i = 0; i < c->nsec; i++) {
        g = ss_image_add_segment(c->im);
        if (g == NULL)
            return ss_fail_nooff(d, SS_E_NOMEM, "out of memory for segments");
        ss_section *s = (ss_section *)c->im->v_sections.items + i;
        g->name = s->name;
        g->raw_flags = c->sh[i].chars;
        g->vaddr = s->vaddr;
        g->vm_size = align_up(s->vm_size, c->sect_align);
        g->offset = s->offset;
        g->file_size = s->file_size;
        g->perms = g->maxprot = s->perms;
        g->loadable = true;
        s->segment = (int64_t)i + 1;
    }
    return SS_OK;
}

/* ---- regions ---------------------------------------------------------------------------- */

static bool add_clipped(pe_ctx *c, const char *name, uint64_t off, uint64_t size)
{
    if (off >= c->b.len)
        return true;
    if (size > c->b.len - off)
        size = c->b.len - off;
    return ss_image_add_region(c->im, name, off, size);
}

/* Debug data (CodeView records and the like) that a debug directory entry places outside
 * every section's raw data; usually it is inside .rdata or .buildid and needs no row, but it
 * holds no literal (the string analysis skips it). */
static bool debug_data_regions(pe_ctx *c)
{
    uint64_t off, avail;
    uint32_t size = c->dir[PE_DIR_DEBUG].size;
    if (size == 0 || !pe_rva_to_off(c, c->dir[PE_DIR_DEBUG].rva, &off, &avail))
        return true;
    uint64_t n = (size < avail ? size : avail) / 28; /* IMAGE_DEBUG_DIRECTORY entries */
    /* Real images have a handful (CodeView, POGO, repro, ...). Each entry is matched against
     * every section, so a crafted directory must not multiply two large counts. */
    if (n > 64) {
        ss_image_warn(c->im, off, "debug directory at 0x%llx claims %llu entries; only 64 read",
                      (unsigned long long)off, (unsigned long long)n);
        n = 64;
    }
    const ss_section *secs = c->im->v_sections.items;
    for (uint64_t k = 0; k < n; k++) {
        const uint8_t *p = c->b.p + off + 28 * k;
        uint32_t dsize = ss_load32(p + 16, false), dptr = ss_load32(p + 24, false);
        if (dsize == 0 || dptr == 0)
            continue;
        bool inside = false;
        for (size_t i = 0; i < c->nsec && !inside; i++)
            inside = secs[i].file_size && dptr >= secs[i].offset &&
                     dptr - secs[i].offset < secs[i].file_size;
        if (!inside && !add_clipped(c, "[Debug Directory data]", dptr, dsize))
            return false;
        /* Inside a section (lld-link puts the CodeView record, with the PDB's path, in .rdata):
         * no literal either. */
        if (inside && !ss_image_add_noliteral(c->im, "debug data", dptr,
                                              dptr < c->b.len && dsize > c->b.len - dptr
                                                  ? c->b.len - dptr
                                                  : dsize))
            return false;
    }
    return true;
}

static int region_cmp(const void *a, const void *b)
{
    const ss_region *x = a, *y = b;
    return x->offset < y->offset ? -1 : x->offset > y->offset;
}

/* "[Overlay]": bytes after the end of the last section's raw data (appended installers,
 * signatures' padding, payloads) that no other region claims. */
static bool overlay_regions(pe_ctx *c, uint64_t headers_end)
{
    const ss_section *secs = c->im->v_sections.items;
    uint64_t last = headers_end;
    for (size_t i = 0; i < c->nsec; i++)
        if (secs[i].file_size && secs[i].offset + secs[i].file_size > last)
            last = secs[i].offset + secs[i].file_size;
    if (last >= c->b.len)
        return true;
    size_t n = c->im->v_regions.count;
    ss_region *rs = n ? ss_arena_array(c->im->arena, n, sizeof *rs) : NULL;
    if (n && rs == NULL)
        return false;
    if (n) {
        memcpy(rs, c->im->v_regions.items, n * sizeof *rs);
        qsort(rs, n, sizeof *rs, region_cmp);
    }
    uint64_t cur = last;
    for (size_t i = 0; i < n; i++) {
        uint64_t end = rs[i].offset + rs[i].size; /* regions were clipped to the file */
        if (end <= cur)
            continue;
        if (rs[i].offset > cur && !ss_image_add_region(c->im, "[Overlay]", cur, rs[i].offset - cur))
            return false;
        cur = end;
    }
    return ss_image_add_region(c->im, "[Overlay]", cur, c->b.len - cur);
}

static ss_status add_regions(pe_ctx *c, const pe_hdr *h, ss_diag *d)
{
    bool ok = true;
    uint64_t table_end = h->sectab_off + (uint64_t)c->nsec * PE_SHDR_SIZE;
    if (c->is_image) {
        ok = ss_image_add_region(c->im, "[DOS Header]", 0, DOS_HDR_SIZE);
        if (ok && h->lfanew > DOS_HDR_SIZE)
            ok = ss_image_add_region(c->im, "[DOS Stub]", DOS_HDR_SIZE, h->lfanew - DOS_HDR_SIZE);
        ok = ok && ss_image_add_region(c->im, "[PE Signature]", h->lfanew, 4);
        ok = ok && ss_image_add_region(c->im, "[COFF Header]", h->lfanew + 4, COFF_HDR_SIZE);
        ok = ok && ss_image_add_region(c->im, "[Optional Header]", h->opt_off, h->sizeopt);
    } else if (c->bigobj) {
        ok = ss_image_add_region(c->im, "[COFF Header]", 0, BIGOBJ_HDR_SIZE);
    } else {
        ok = ss_image_add_region(c->im, "[COFF Header]", 0, COFF_HDR_SIZE);
        ok = ok && ss_image_add_region(c->im, "[Optional Header]", COFF_HDR_SIZE, h->sizeopt);
    }
    ok = ok && ss_image_add_region(c->im, "[Section Table]", h->sectab_off,
                                   (uint64_t)c->nsec * PE_SHDR_SIZE);
    if (ok && c->has_symtab)
        ok = ss_image_add_region(c->im, "[COFF Symbol Table]", c->symptr,
                                 (uint64_t)c->nsym * c->symsize);
    if (ok && c->strtab_size)
        ok = ss_image_add_region(c->im, "[COFF String Table]", c->strtab_off, c->strtab_size);
    for (uint32_t i = 0; ok && i < c->nsec; i++) {
        const pe_shdr *s = &c->sh[i];
        uint64_t lines = (uint64_t)s->nline * 6; /* IMAGE_LINENUMBER, deprecated but present */
        if (s->lineptr && lines)
            ok = add_clipped(c, "[Line Numbers]", s->lineptr, lines);
    }
    if (ok && c->is_image) {
        uint32_t coff = c->dir[PE_DIR_SECURITY].rva, csize = c->dir[PE_DIR_SECURITY].size;
        if (csize) {
            if (!ss_range_ok(coff, csize, c->b.len))
                ss_image_warn(c->im, coff,
                              "certificate table at file offset 0x%x (%u bytes) runs past the end of the file",
                              coff, csize);
            ok = add_clipped(c, "[Certificate Table]", coff, csize);
        }
        ok = ok && debug_data_regions(c);
        uint64_t hdr_end = h->size_headers > table_end ? h->size_headers : table_end;
        ok = ok && overlay_regions(c, hdr_end < c->b.len ? hdr_end : c->b.len);
    }
    if (!ok)
        return ss_fail_nooff(d, SS_E_NOMEM, "out of memory for file regions");
    return SS_OK;
}

/* ---- load ------------------------------------------------------------------------------- */

static const char *image_type(pe_ctx *c, const pe_hdr *h)
{
    ss_image *im = c->im;
    switch (h->subsystem) {
    case 10: im->type = SS_TYPE_EXECUTABLE; return "EFI application";
    case 11: im->type = SS_TYPE_EXECUTABLE; return "EFI boot service driver";
    case 12: im->type = SS_TYPE_EXECUTABLE; return "EFI runtime driver";
    case 13: im->type = SS_TYPE_EXECUTABLE; return "EFI ROM image";
    default: break;
    }
    if (h->characteristics & FILE_DLL) {
        im->type = SS_TYPE_SHARED;
        return "DLL";
    }
    if (h->characteristics & FILE_EXECUTABLE_IMAGE) {
        im->type = SS_TYPE_EXECUTABLE;
        return "EXE";
    }
    im->type = SS_TYPE_OTHER;
    return "PE image (not marked executable)";
}

static ss_status pe_load(ss_image *im, const ss_load_opts *opts, ss_diag *d)
{
    pe_ctx c = {0};
    pe_hdr h = {0};
    c.im = im;
    c.b = im->bytes;
    c.is_image = c.b.len >= 2 && c.b.p[0] == 'M' && c.b.p[1] == 'Z';
    im->format = SS_FORMAT_PE;
    im->big_endian = false;

    SS_TRY(c.is_image ? read_image_headers(&c, &h, d) : read_object_header(&c, &h, d));
    const char *mname = pe_machine_name(c.machine);
    if (mname == NULL) {
        mname = ss_arena_printf(im->arena, "unknown (0x%04x)", c.machine);
        if (mname == NULL)
            return ss_fail_nooff(d, SS_E_NOMEM, "out of memory");
    }
    im->machine = mname;
    SS_TRY(read_section_table(&c, &h, d));
    SS_TRY(fill_sections(&c, d));
    if (c.is_image) {
        SS_TRY(fill_segments(&c, &h, d));
        SS_TRY(mark_directories(&c, d));
    }

    if (c.is_image) {
        im->type_detail = image_type(&c, &h);
        im->has_entry = h.entry_rva != 0;
        im->entry = im->has_entry ? c.image_base + h.entry_rva : 0;
    } else {
        im->type = SS_TYPE_RELOCATABLE;
        im->type_detail = c.bigobj ? "COFF object (bigobj)" : "COFF object";
    }
    pe_harden_in hin = {c.is_image, h.magic, h.characteristics, h.dll_chars};
    bool fields = ss_image_field(im, "Characteristics", h.characteristics);
    if (c.is_image)
        fields = fields && ss_image_field(im, "DllCharacteristics", h.dll_chars) &&
                 ss_image_field(im, "Subsystem", h.subsystem) &&
                 ss_image_field(im, "Magic", h.magic) &&
                 ss_image_field(im, "base_relocs", c.dir[PE_DIR_BASERELOC].size != 0 &&
                                                       !(h.characteristics & FILE_RELOCS_STRIPPED));
    if (!fields || !pe_harden(im, &hin) ||
        !pe_security_checks(&c, h.magic, h.characteristics, h.dll_chars))
        return ss_fail_nooff(d, SS_E_NOMEM, "out of memory (or over the memory cap for this image)");

    SS_TRY(add_regions(&c, &h, d));
    if (!c.is_image)
        SS_TRY(pe_object_relocs(&c, opts->relocs, d));
    else if (opts->relocs)
        SS_TRY(pe_read_base_relocs(&c, d));
    if (c.is_image && opts->refs)
        SS_TRY(pe_read_refs(&c, d));
    if (opts->symbols)
        SS_TRY(pe_read_symbols(&c, d));
    return ss_image_finish(im, d);
}

const ss_reader ss_reader_pe = {.name = "pe", .probe = pe_probe, .load = pe_load};
