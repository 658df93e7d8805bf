/* elf.c - ELF32/ELF64, both byte orders, through libelf, into the segscan model.
 *
 * libelf does the byte-order conversion and the SHN_XINDEX/PN_XNUM escapes; everything it hands
 * back is still checked against the image length before segscan trusts an offset or a size
 * (STYLE.md: what a library reports is still untrusted). Header tables are validated here first
 * so that a broken file is reported with the offset of what is wrong, which libelf's own errors
 * do not carry. */
#include <gelf.h>    /* GElf_*, gelf_* */
#include <libelf.h>  /* elf_* */
#include <pthread.h> /* pthread_once */
#include <stdio.h>   /* snprintf */
#include <stdlib.h>  /* malloc, free */
#include <string.h>  /* memcmp, strncmp, strnlen */

#include "elf_internal.h"
#include "reader.h"

#ifndef ELFCOMPRESS_ZSTD
#define ELFCOMPRESS_ZSTD 2
#endif
#ifndef SHT_LLVM_ADDRSIG
#define SHT_LLVM_ADDRSIG 0x6fff4c03
#endif

/* Names longer than this are cut (and say so): no real section or symbol name comes close. */
#define NAME_MAX_LEN 4096

static pthread_once_t libelf_once = PTHREAD_ONCE_INIT;
static void libelf_init(void)
{
    elf_version(EV_CURRENT);
}

static bool elf_probe(ss_span head)
{
    return head.len >= EI_NIDENT && memcmp(head.p, ELFMAG, SELFMAG) == 0;
}

/* ---- names for output ------------------------------------------------------------------ */

static const char *machine_name(ss_image *im, unsigned m)
{
    switch (m) {
    case EM_X86_64: return "x86-64";
    case EM_386: return "i386";
    case EM_AARCH64: return "AArch64";
    case EM_ARM: return "ARM";
    case EM_RISCV: return "RISC-V";
    case EM_PPC: return "PowerPC";
    case EM_PPC64: return "PowerPC64";
    case EM_S390: return "IBM S/390";
    case EM_MIPS: return "MIPS";
    case EM_SPARC: return "SPARC";
    case EM_SPARCV9: return "SPARC v9";
    case EM_LOONGARCH: return "LoongArch";
    case EM_BPF: return "BPF";
    case EM_IA_64: return "IA-64";
    case EM_ALPHA: return "Alpha";
    case EM_68K: return "M68K";
    case EM_SH: return "SuperH";
    case EM_NONE: return "none";
    }
    const char *s = ss_arena_printf(im->arena, "machine %u", m);
    return s ? s : "unknown";
}

static const char *segment_name(ss_image *im, uint32_t t)
{
    switch (t) {
    case PT_NULL: return "NULL";
    case PT_LOAD: return "LOAD";
    case PT_DYNAMIC: return "DYNAMIC";
    case PT_INTERP: return "INTERP";
    case PT_NOTE: return "NOTE";
    case PT_SHLIB: return "SHLIB";
    case PT_PHDR: return "PHDR";
    case PT_TLS: return "TLS";
    case PT_GNU_EH_FRAME: return "GNU_EH_FRAME";
    case PT_GNU_STACK: return "GNU_STACK";
    case PT_GNU_RELRO: return "GNU_RELRO";
    case PT_GNU_PROPERTY: return "GNU_PROPERTY";
    }
    const char *s = t >= PT_LOOS && t <= PT_HIOS     ? ss_arena_printf(im->arena, "LOOS+0x%x", t - PT_LOOS)
                    : t >= PT_LOPROC && t <= PT_HIPROC ? ss_arena_printf(im->arena, "LOPROC+0x%x", t - PT_LOPROC)
                                                       : ss_arena_printf(im->arena, "0x%x", t);
    return s ? s : "?";
}

static const char *section_type_name(ss_image *im, uint32_t t)
{
    switch (t) {
    case SHT_NULL: return "NULL";
    case SHT_PROGBITS: return "PROGBITS";
    case SHT_SYMTAB: return "SYMTAB";
    case SHT_STRTAB: return "STRTAB";
    case SHT_RELA: return "RELA";
    case SHT_HASH: return "HASH";
    case SHT_DYNAMIC: return "DYNAMIC";
    case SHT_NOTE: return "NOTE";
    case SHT_NOBITS: return "NOBITS";
    case SHT_REL: return "REL";
    case SHT_SHLIB: return "SHLIB";
    case SHT_DYNSYM: return "DYNSYM";
    case SHT_INIT_ARRAY: return "INIT_ARRAY";
    case SHT_FINI_ARRAY: return "FINI_ARRAY";
    case SHT_PREINIT_ARRAY: return "PREINIT_ARRAY";
    case SHT_GROUP: return "GROUP";
    case SHT_SYMTAB_SHNDX: return "SYMTAB SECTION INDICES";
    case SHT_RELR: return "RELR";
    case SHT_GNU_HASH: return "GNU_HASH";
    case SHT_GNU_verdef: return "VERDEF";
    case SHT_GNU_verneed: return "VERNEED";
    case SHT_GNU_versym: return "VERSYM";
    case SHT_GNU_ATTRIBUTES: return "GNU_ATTRIBUTES";
    case SHT_GNU_LIBLIST: return "GNU_LIBLIST";
    case SHT_LLVM_ADDRSIG: return "LLVM_ADDRSIG";
    }
    const char *s = t >= SHT_LOOS && t <= SHT_HIOS       ? ss_arena_printf(im->arena, "LOOS+0x%x", t - SHT_LOOS)
                    : t >= SHT_LOPROC && t <= SHT_HIPROC ? ss_arena_printf(im->arena, "LOPROC+0x%x", t - SHT_LOPROC)
                                                         : ss_arena_printf(im->arena, "0x%x", t);
    return s ? s : "?";
}

/* ---- kinds ----------------------------------------------------------------------------- */

/* Section types that hold linking or loading metadata rather than program data. */
static bool metadata_type(uint32_t t)
{
    switch (t) {
    case SHT_SYMTAB: case SHT_STRTAB: case SHT_RELA: case SHT_REL: case SHT_RELR:
    case SHT_HASH: case SHT_GNU_HASH: case SHT_DYNAMIC: case SHT_NOTE: case SHT_DYNSYM:
    case SHT_GROUP: case SHT_SYMTAB_SHNDX: case SHT_GNU_verdef: case SHT_GNU_verneed:
    case SHT_GNU_versym: case SHT_GNU_ATTRIBUTES: case SHT_GNU_LIBLIST: case SHT_LLVM_ADDRSIG:
        return true;
    }
    return false;
}

/* ELF has no flag or type for debug information; DWARF reserves the ".debug_" prefix (and GNU
 * the ".zdebug_" form), so this is the one place where a name decides a kind. */
static bool debug_name(const char *n)
{
    return strncmp(n, ".debug", 6) == 0 || strncmp(n, ".zdebug", 7) == 0 ||
           strncmp(n, ".stab", 5) == 0 || strcmp(n, ".gdb_index") == 0;
}

/* Whether an allocated read-only section can hold literals: program data (PROGBITS), not the
 * unwind and exception tables the compiler emits as PROGBITS too (.eh_frame, .eh_frame_hdr,
 * .sframe, .gcc_except_table and its per-function forms), nor the loader's path (.interp). ELF
 * marks none of these by type or flag (on x86-64, lld types .eh_frame X86_64_UNWIND, GNU ld
 * PROGBITS), so their reserved names decide, as for debug sections. They were 14.5% of the
 * bytes the string scan read on libLLVM-15 (issue 24). */
static bool literal_section(const GElf_Shdr *sh, const char *name, ss_kind kind)
{
    if (kind != SS_KIND_RODATA || sh->sh_type != SHT_PROGBITS)
        return false;
    static const char *const none[] = {".eh_frame", ".eh_frame_hdr", ".sframe", ".interp"};
    for (size_t i = 0; i < sizeof none / sizeof none[0]; i++)
        if (strcmp(name, none[i]) == 0)
            return false;
    return strncmp(name, ".gcc_except_table", 17) != 0;
}

static ss_kind section_kind(const GElf_Shdr *sh, const char *name, const ss_elf_facts *p)
{
    uint64_t f = sh->sh_flags;
    if (!(f & SHF_ALLOC)) {
        if (metadata_type(sh->sh_type))
            return SS_KIND_METADATA;
        if (sh->sh_type == SHT_PROGBITS && debug_name(name))
            return SS_KIND_DEBUG;
        return SS_KIND_OTHER;
    }
    if (f & SHF_TLS)
        return sh->sh_type == SHT_NOBITS ? SS_KIND_TLS_BSS : SS_KIND_TLS_DATA;
    if (sh->sh_type == SHT_NOBITS)
        return SS_KIND_BSS;
    /* .dynamic is linking metadata by its type, even where it is writable (DT_DEBUG). */
    if (sh->sh_type == SHT_DYNAMIC)
        return SS_KIND_METADATA;
    if (f & SHF_EXECINSTR)
        return SS_KIND_CODE;
    if (f & SHF_WRITE) {
        /* Writable sections wholly inside PT_GNU_RELRO become read-only after relocation. */
        if (p->has_relro && sh->sh_addr >= p->relro_vaddr &&
            ss_range_ok(sh->sh_addr - p->relro_vaddr, sh->sh_size, p->relro_size))
            return SS_KIND_RELRO;
        return SS_KIND_DATA;
    }
    return metadata_type(sh->sh_type) ? SS_KIND_METADATA : SS_KIND_RODATA;
}

/* ---- helpers ----------------------------------------------------------------------------- */

typedef struct {
    ss_image *im;
    Elf *elf;
    const ss_load_opts *opts;
    bool is64, be;
    GElf_Ehdr eh;
    size_t shnum, shstrndx, phnum;
    bool have_shstrndx;
    ss_diag *d;
    ss_elf_facts facts;
} elf_ctx;

static const char *copy_name(ss_image *im, const char *s)
{
    size_t n = strnlen(s, NAME_MAX_LEN + 1);
    if (n > NAME_MAX_LEN) {
        const char *cut = ss_arena_printf(im->arena, "%.*s...", NAME_MAX_LEN, s);
        return cut ? cut : "?";
    }
    const char *c = ss_image_name(im, s, n);
    return c ? c : "?";
}

static ss_status oom(elf_ctx *c)
{
    return ss_fail_nooff(c->d, SS_E_NOMEM, "out of memory (or over the memory cap for this image)");
}

/* The header fields that locate the tables, read with our own cursor (not libelf) so that a
 * broken file is described with the offset of what is wrong. The escapes for large counts are
 * resolved here too: e_phnum == PN_XNUM and e_shnum == 0 take the real count from section 0's
 * sh_info and sh_size, e_shstrndx == SHN_XINDEX from its sh_link. */
static ss_status check_tables(elf_ctx *c)
{
    ss_image *im = c->im;
    uint64_t len = im->bytes.len;
    size_t ehsize = c->is64 ? sizeof(Elf64_Ehdr) : sizeof(Elf32_Ehdr);
    size_t phent = c->is64 ? sizeof(Elf64_Phdr) : sizeof(Elf32_Phdr);
    size_t shent = c->is64 ? sizeof(Elf64_Shdr) : sizeof(Elf32_Shdr);
    if (len < ehsize)
        return ss_fail(c->d, SS_E_TRUNCATED, 0, "ELF header needs %zu bytes, file has %llu",
                       ehsize, (unsigned long long)len);
    ss_cursor h = ss_cursor_at(im->bytes, c->is64 ? 32 : 28, c->be);
    uint64_t phoff = c->is64 ? ss_u64(&h) : ss_u32(&h);
    uint64_t shoff = c->is64 ? ss_u64(&h) : ss_u32(&h);
    ss_skip(&h, 6); /* e_flags, e_ehsize */
    unsigned phentsize = ss_u16(&h), phnum = ss_u16(&h);
    unsigned shentsize = ss_u16(&h), shnum = ss_u16(&h), shstrndx = ss_u16(&h);
    size_t at_phentsize = c->is64 ? 54 : 42, at_shentsize = c->is64 ? 58 : 46;

    /* Section 0 first: it carries the escapes. */
    uint64_t sh0_size = 0, sh0_link = 0, sh0_info = 0;
    if (shoff != 0) {
        if (shentsize != shent)
            return ss_fail(c->d, SS_E_CORRUPT, at_shentsize, "e_shentsize is %u, expected %zu",
                           shentsize, shent);
        if (!ss_range_ok(shoff, shent, len))
            return ss_fail(c->d, SS_E_TRUNCATED, shoff,
                           "section header table at 0x%llx starts past end of file (%llu bytes)",
                           (unsigned long long)shoff, (unsigned long long)len);
        ss_cursor s0 = ss_cursor_at(im->bytes, (size_t)shoff + (c->is64 ? 32 : 20), c->be);
        sh0_size = c->is64 ? ss_u64(&s0) : ss_u32(&s0);
        sh0_link = ss_u32(&s0);
        sh0_info = ss_u32(&s0);
    }
    uint64_t nph = phnum == PN_XNUM && shoff != 0 ? sh0_info : phnum;
    uint64_t nsh = shoff == 0 ? 0 : shnum == 0 ? sh0_size : shnum;
    uint64_t strndx = shstrndx == SHN_XINDEX ? sh0_link : shstrndx;

    uint64_t tab;
    if (nph > 0) {
        if (phentsize != phent)
            return ss_fail(c->d, SS_E_CORRUPT, at_phentsize, "e_phentsize is %u, expected %zu",
                           phentsize, phent);
        if (!ss_mul_ok(nph, phent, &tab) || !ss_range_ok(phoff, tab, len))
            return ss_fail(c->d, SS_E_TRUNCATED, phoff,
                           "program header table (%llu entries at 0x%llx) runs past end of file (%llu bytes)",
                           (unsigned long long)nph, (unsigned long long)phoff,
                           (unsigned long long)len);
    }
    if (nsh > 0 && (!ss_mul_ok(nsh, shent, &tab) || !ss_range_ok(shoff, tab, len)))
        return ss_fail(c->d, SS_E_TRUNCATED, shoff,
                       "section header table (%llu entries at 0x%llx) runs past end of file (%llu bytes)",
                       (unsigned long long)nsh, (unsigned long long)shoff, (unsigned long long)len);

    /* libelf must see the same tables; if it does not, say so rather than guess. */
    size_t lphnum = 0, lshnum = 0;
    if (elf_getphdrnum(c->elf, &lphnum) != 0 || lphnum != nph)
        return ss_fail(c->d, SS_E_CORRUPT, c->is64 ? 0x38 : 0x2c,
                       "program header count %llu unreadable by libelf", (unsigned long long)nph);
    if (nsh > 0 && (elf_getshdrnum(c->elf, &lshnum) != 0 || lshnum != nsh))
        return ss_fail(c->d, SS_E_CORRUPT, shoff, "section header count %llu unreadable by libelf",
                       (unsigned long long)nsh);
    c->phnum = (size_t)nph;
    c->shnum = (size_t)nsh;
    c->eh.e_phoff = phoff;
    c->eh.e_shoff = shoff;
    if (nsh > 0) {
        if (strndx != SHN_UNDEF && strndx < nsh) {
            c->shstrndx = (size_t)strndx;
            c->have_shstrndx = true;
        } else {
            ss_image_warn(im, c->is64 ? 0x3e : 0x32,
                          "e_shstrndx %llu does not name a section: section names unknown",
                          (unsigned long long)strndx);
        }
    }

    /* libelf's elf_strptr inflates a compressed (SHF_COMPRESSED) name table itself, outside
     * the image's decompression budget (a 1 MB file cost 1 GB, and a stream one byte short was
     * inflated again for every name): such a table is refused before libelf reads it. */
    GElf_Shdr ssh;
    Elf_Scn *sscn = c->have_shstrndx ? elf_getscn(c->elf, c->shstrndx) : NULL;
    if (sscn && gelf_getshdr(sscn, &ssh) && (ssh.sh_flags & SHF_COMPRESSED)) {
        c->have_shstrndx = false;
        ss_image_warn(im, ssh.sh_offset,
                      "the section name table (section %zu) is compressed: segscan does not "
                      "inflate it, section names unknown",
                      c->shstrndx);
    }

    if (!ss_image_add_region(im, "[ELF Header]", 0, ehsize) ||
        !ss_image_add_region(im, "[Program Headers]", phoff, (uint64_t)c->phnum * phent) ||
        !ss_image_add_region(im, "[Section Headers]", shoff, (uint64_t)c->shnum * shent))
        return oom(c);
    return SS_OK;
}

/* ---- program headers ------------------------------------------------------------------- */

static ss_status read_segments(elf_ctx *c)
{
    ss_image *im = c->im;
    uint64_t len = im->bytes.len;
    size_t phent = c->is64 ? sizeof(Elf64_Phdr) : sizeof(Elf32_Phdr);
    for (size_t i = 0; i < c->phnum; i++) {
        GElf_Phdr ph;
        uint64_t at = c->eh.e_phoff + i * phent;
        if (gelf_getphdr(c->elf, (int)i, &ph) == NULL)
            return ss_fail(c->d, SS_E_CORRUPT, at, "program header %zu unreadable: %s", i,
                           elf_errmsg(-1));
        if (ph.p_filesz && !ss_range_ok(ph.p_offset, ph.p_filesz, len))
            return ss_fail(c->d, SS_E_TRUNCATED, at,
                           "segment %zu (%s, offset 0x%llx, size 0x%llx) runs past end of file (%llu bytes)",
                           i, segment_name(im, ph.p_type), (unsigned long long)ph.p_offset,
                           (unsigned long long)ph.p_filesz, (unsigned long long)len);
        ss_segment *g = ss_image_add_segment(im);
        if (g == NULL)
            return oom(c);
        g->name = segment_name(im, ph.p_type);
        g->raw_type = ph.p_type;
        g->raw_flags = ph.p_flags;
        g->vaddr = ph.p_vaddr;
        g->vm_size = ph.p_memsz;
        g->offset = ph.p_offset;
        g->file_size = ph.p_filesz;
        g->perms = (uint8_t)(ph.p_flags & (PF_R | PF_W | PF_X)); /* same bits as SS_PERM_* */
        g->maxprot = g->perms;
        g->loadable = ph.p_type == PT_LOAD;

        switch (ph.p_type) {
        case PT_INTERP: c->facts.has_interp = true; break;
        case PT_DYNAMIC: c->facts.has_dynamic = true; break;
        case PT_GNU_STACK: c->facts.gnu_stack_flags = (int)ph.p_flags; break; /* last wins */
        case PT_GNU_RELRO:
            c->facts.has_relro = true;
            c->facts.relro_vaddr = ph.p_vaddr;
            c->facts.relro_size = ph.p_memsz;
            break;
        }
    }
    return SS_OK;
}

static void set_once(bool *flag, const char **by, const char *what)
{
    if (!*flag)
        *by = what;
    *flag = true;
}

/* DT_FLAGS, DT_FLAGS_1, DT_BIND_NOW and DT_TEXTREL, read straight from PT_DYNAMIC's bytes so
 * that files without section headers are covered too. */
static void read_dynamic(elf_ctx *c)
{
    ss_image *im = c->im;
    for (size_t i = 0; i < im->nsegments; i++) {
        const ss_segment *g = &im->segments[i];
        if (g->raw_type != PT_DYNAMIC)
            continue;
        ss_span dyn;
        if (!ss_span_sub(im->bytes, g->offset, g->file_size, &dyn))
            continue;
        ss_cursor cur = ss_cursor_at(dyn, 0, c->be);
        size_t ent = c->is64 ? 16 : 8;
        for (size_t n = 0; n < dyn.len / ent; n++) {
            uint64_t tag = c->is64 ? ss_u64(&cur) : ss_u32(&cur);
            uint64_t val = c->is64 ? ss_u64(&cur) : ss_u32(&cur);
            if (cur.failed || tag == DT_NULL)
                break;
            ss_elf_facts *f = &c->facts;
            if (tag == DT_BIND_NOW)
                set_once(&f->bind_now, &f->bind_now_by, "DT_BIND_NOW");
            else if (tag == DT_TEXTREL)
                set_once(&f->textrel, &f->textrel_by, "DT_TEXTREL");
            else if (tag == DT_FLAGS) {
                if (val & DF_BIND_NOW)
                    set_once(&f->bind_now, &f->bind_now_by, "DT_FLAGS BIND_NOW");
                if (val & DF_TEXTREL)
                    set_once(&f->textrel, &f->textrel_by, "DT_FLAGS TEXTREL");
            } else if (tag == DT_FLAGS_1) {
                if (val & DF_1_NOW)
                    set_once(&f->bind_now, &f->bind_now_by, "DT_FLAGS_1 NOW");
                if (val & DF_1_PIE)
                    f->df1_pie = true;
            } else if (tag == DT_RPATH) {
                f->has_rpath = true;
                f->rpath = val;
            } else if (tag == DT_RUNPATH) {
                f->has_runpath = true;
                f->runpath = val;
            } else if (tag == DT_STRTAB) {
                f->has_strtab = true;
                f->strtab = val;
            } else if (tag == DT_STRSZ) {
                f->strsz = val;
            }
        }
        break;
    }
}

/* ---- sections ---------------------------------------------------------------------------- */

static void read_compression(elf_ctx *c, ss_section *s, const GElf_Shdr *sh)
{
    ss_span raw;
    if (sh->sh_type == SHT_NOBITS || !ss_span_sub(c->im->bytes, sh->sh_offset, sh->sh_size, &raw))
        return;
    if (sh->sh_flags & SHF_COMPRESSED) {
        ss_cursor cur = ss_cursor_at(raw, 0, c->be);
        uint32_t type = ss_u32(&cur);
        uint64_t size;
        if (c->is64) {
            ss_skip(&cur, 4); /* ch_reserved */
            size = ss_u64(&cur);
            ss_skip(&cur, 8);
        } else {
            size = ss_u32(&cur);
            ss_skip(&cur, 4);
        }
        s->comp_header_size = c->is64 ? 24 : 12;
        if (cur.failed) {
            s->compression = SS_COMP_UNKNOWN;
            ss_image_warn(c->im, sh->sh_offset,
                          "section %s: SHF_COMPRESSED but too small for a compression header",
                          s->name);
            return;
        }
        s->compression = type == ELFCOMPRESS_ZLIB   ? SS_COMP_ZLIB
                         : type == ELFCOMPRESS_ZSTD ? SS_COMP_ZSTD
                                                    : SS_COMP_UNKNOWN;
        /* The header's layout does not depend on the algorithm, so its size stands even for a
         * type segscan cannot decompress. */
        s->uncompressed_size = size;
        s->uncompressed_known = true;
        if (s->compression == SS_COMP_UNKNOWN)
            ss_image_warn(c->im, sh->sh_offset,
                          "section %s: unknown compression type %u: its header states %llu bytes "
                          "uncompressed, which segscan cannot check",
                          s->name, type, (unsigned long long)size);
    } else if (strncmp(s->name, ".zdebug", 7) == 0 && raw.len >= 12 &&
               memcmp(raw.p, "ZLIB", 4) == 0) {
        s->compression = SS_COMP_ZDEBUG;
        s->comp_header_size = 12;
        s->uncompressed_size = ss_load64(raw.p + 4, true); /* always big-endian */
        s->uncompressed_known = true;
    }
}

/* Each allocated section's segment: the first loadable one that holds it, all sections at once
 * (one lookup per section against every segment was quadratic in what the file declares). */
static ss_status place_sections(elf_ctx *c)
{
    ss_image *im = c->im;
    size_t n = im->nsections;
    uint64_t *va = malloc((n + 1) * sizeof *va), *sz = malloc((n + 1) * sizeof *sz);
    int64_t *seg = malloc((n + 1) * sizeof *seg);
    bool ok = va && sz && seg;
    for (int pass = 0; ok && pass < 2; pass++) {
        /* Pass 0: the section's range (.tbss occupies no address space of its segment: its start
         * address alone); pass 1: the start address of sections whose range no segment holds. */
        for (size_t i = 0; i < n; i++) {
            const ss_section *s = &im->sections[i];
            bool tbss = s->raw_type == SHT_NOBITS && (s->raw_flags & SHF_TLS);
            va[i] = s->vaddr;
            sz[i] = pass == 0 && !tbss ? s->vm_size : 0;
        }
        ok = ss_image_segments_of(im, va, sz, n, seg);
        for (size_t i = 0; ok && i < n; i++) {
            ss_section *s = &im->sections[i];
            if (s->alloc && (pass == 0 || s->segment < 0))
                s->segment = seg[i];
        }
    }
    free(va);
    free(sz);
    free(seg);
    return ok ? SS_OK : oom(c);
}

static ss_status read_sections(elf_ctx *c)
{
    ss_image *im = c->im;
    uint64_t len = im->bytes.len;
    size_t shent = c->is64 ? sizeof(Elf64_Shdr) : sizeof(Elf32_Shdr);
    for (size_t i = 0; i < c->shnum; i++) {
        uint64_t at = c->eh.e_shoff + i * shent;
        Elf_Scn *scn = elf_getscn(c->elf, i);
        GElf_Shdr sh;
        if (scn == NULL || gelf_getshdr(scn, &sh) == NULL)
            return ss_fail(c->d, SS_E_CORRUPT, at, "section header %zu unreadable: %s", i,
                           elf_errmsg(-1));
        const char *raw_name = NULL;
        if (c->have_shstrndx)
            raw_name = elf_strptr(c->elf, c->shstrndx, sh.sh_name);
        ss_section *s = ss_image_add_section(im);
        if (s == NULL)
            return oom(c);
        if (raw_name)
            s->name = copy_name(im, raw_name);
        else if (i == 0 || !c->have_shstrndx)
            s->name = i == 0 ? "" : ss_arena_printf(im->arena, "[section %zu]", i);
        else {
            s->name = ss_arena_printf(im->arena, "<bad name 0x%x>", sh.sh_name);
            ss_image_warn(im, at, "section %zu: name offset 0x%x outside the string table", i,
                          sh.sh_name);
        }
        if (s->name == NULL)
            return oom(c);

        bool nobits = sh.sh_type == SHT_NOBITS;
        if (!nobits && sh.sh_type != SHT_NULL && sh.sh_size &&
            !ss_range_ok(sh.sh_offset, sh.sh_size, len))
            return ss_fail(c->d, SS_E_TRUNCATED, at,
                           "section [%zu] %s (offset 0x%llx, size 0x%llx) runs past end of file (%llu bytes)",
                           i, s->name, (unsigned long long)sh.sh_offset,
                           (unsigned long long)sh.sh_size, (unsigned long long)len);
        s->type = section_type_name(im, sh.sh_type);
        s->raw_type = sh.sh_type;
        s->raw_flags = sh.sh_flags;
        s->alloc = (sh.sh_flags & SHF_ALLOC) != 0;
        s->kind = sh.sh_type == SHT_NULL ? SS_KIND_OTHER : section_kind(&sh, s->name, &c->facts);
        s->literals = s->alloc && literal_section(&sh, s->name, s->kind);
        s->vaddr = sh.sh_addr;
        s->vm_size = s->alloc ? sh.sh_size : 0;
        s->offset = sh.sh_offset;
        s->file_size = nobits || sh.sh_type == SHT_NULL ? 0 : sh.sh_size;
        s->align = sh.sh_addralign;
        s->perms = (uint8_t)((s->alloc ? SS_PERM_R : 0) | (sh.sh_flags & SHF_WRITE ? SS_PERM_W : 0) |
                             (sh.sh_flags & SHF_EXECINSTR ? SS_PERM_X : 0));
        read_compression(c, s, &sh);
    }
    return place_sections(c);
}

/* ---- symbols ----------------------------------------------------------------------------- */

static ss_sym_type sym_type(unsigned t, unsigned shndx)
{
    if (shndx == SHN_COMMON)
        return SS_SYM_COMMON;
    switch (t) {
    case STT_NOTYPE: return SS_SYM_NOTYPE;
    case STT_OBJECT: return SS_SYM_OBJECT;
    case STT_FUNC: case STT_GNU_IFUNC: return SS_SYM_FUNC;
    case STT_SECTION: return SS_SYM_SECTION;
    case STT_FILE: return SS_SYM_FILE;
    case STT_TLS: return SS_SYM_TLS;
    case STT_COMMON: return SS_SYM_COMMON;
    }
    return SS_SYM_OTHER;
}

static ss_sym_bind sym_bind(unsigned b)
{
    switch (b) {
    case STB_LOCAL: return SS_BIND_LOCAL;
    case STB_GLOBAL: case STB_GNU_UNIQUE: return SS_BIND_GLOBAL;
    case STB_WEAK: return SS_BIND_WEAK;
    }
    return SS_BIND_OTHER;
}

static ss_status read_symtab(elf_ctx *c, size_t idx)
{
    ss_image *im = c->im;
    Elf_Scn *scn = elf_getscn(c->elf, idx);
    GElf_Shdr sh;
    if (scn == NULL || gelf_getshdr(scn, &sh) == NULL)
        return SS_OK;
    size_t symsz = c->is64 ? sizeof(Elf64_Sym) : sizeof(Elf32_Sym);
    if (sh.sh_entsize != symsz) {
        ss_image_warn(im, sh.sh_offset, "symbol table %s: entry size %llu, expected %zu; skipped",
                      im->sections[idx].name,
                      (unsigned long long)sh.sh_entsize, symsz);
        return SS_OK;
    }
    /* Extended section indices, if this table has a SHT_SYMTAB_SHNDX companion. */
    Elf_Data *xdata = NULL;
    for (size_t j = 1; j < c->shnum; j++) {
        const ss_section *x = &im->sections[j];
        if (x->raw_type == SHT_SYMTAB_SHNDX) {
            GElf_Shdr xs;
            Elf_Scn *xscn = elf_getscn(c->elf, j);
            if (xscn && gelf_getshdr(xscn, &xs) && xs.sh_link == idx)
                xdata = elf_getdata(xscn, NULL);
        }
    }
    Elf_Data *data = elf_getdata(scn, NULL);
    if (data == NULL) {
        ss_image_warn(im, sh.sh_offset, "symbol table unreadable: %s", elf_errmsg(-1));
        return SS_OK;
    }
    size_t n = data->d_size / symsz;
    /* Names are borrowed from the string table's bytes in the mapped file (checked to end in a
     * NUL inside the table), not copied: libLLVM's 60k dynamic symbols cost no allocation. */
    ss_span strtab = {NULL, 0};
    if (sh.sh_link > 0 && sh.sh_link < c->shnum && im->sections[sh.sh_link].raw_type == SHT_STRTAB)
        (void)ss_span_sub(im->bytes, im->sections[sh.sh_link].offset,
                          im->sections[sh.sh_link].file_size, &strtab);
    else
        ss_image_warn(im, sh.sh_offset, "symbol table's sh_link %u is no string table", sh.sh_link);
    /* Every name starting before the table's last NUL ends inside the table: one search per
     * table, not one per symbol (a table with no NUL must not make this quadratic). */
    const uint8_t *last_nul = strtab.len ? memrchr(strtab.p, 0, strtab.len) : NULL;
    size_t names_end = last_nul ? (size_t)(last_nul - strtab.p) + 1 : 0;
    bool bad_name = false;
    if (n > 1 && !ss_vec_reserve(im->arena, &im->v_symbols, n - 1))
        return oom(c);
    for (size_t i = 1; i < n; i++) {
        GElf_Sym sym;
        Elf32_Word xndx = 0;
        if (gelf_getsymshndx(data, xdata, (int)i, &sym, &xndx) == NULL)
            break;
        unsigned shndx = sym.st_shndx;
        if (shndx == SHN_XINDEX)
            shndx = xndx;
        ss_symbol *s = ss_image_add_symbol(im);
        if (s == NULL)
            return oom(c);
        s->name = "";
        if (sym.st_name < names_end)
            s->name = (const char *)strtab.p + sym.st_name;
        else if (sym.st_name != 0)
            bad_name = true;
        s->value = sym.st_value;
        s->size = sym.st_size;
        s->type = sym_type(GELF_ST_TYPE(sym.st_info), sym.st_shndx);
        s->bind = sym_bind(GELF_ST_BIND(sym.st_info));
        s->defined = sym.st_shndx != SHN_UNDEF;
        if (sym.st_shndx != SHN_UNDEF && sym.st_shndx != SHN_ABS && sym.st_shndx != SHN_COMMON &&
            shndx < c->shnum)
            s->section = (int64_t)shndx;
    }
    if (bad_name)
        ss_image_warn(im, sh.sh_offset,
                      "symbol table %s: some names lie outside its string table (shown empty)",
                      im->sections[idx].name);
    return SS_OK;
}

static ss_status read_symbols(elf_ctx *c)
{
    const ss_section *secs = c->im->sections;
    for (int pass = 0; pass < 2; pass++) {
        uint32_t want = pass == 0 ? SHT_SYMTAB : SHT_DYNSYM;
        for (size_t i = 1; i < c->shnum; i++)
            if (secs[i].raw_type == want)
                return read_symtab(c, i);
    }
    return SS_OK;
}

/* ---- load -------------------------------------------------------------------------------- */

static ss_status fill_header(elf_ctx *c)
{
    ss_image *im = c->im;
    im->format = SS_FORMAT_ELF;
    im->sym_tls_offsets = true;
    im->bits = c->is64 ? 64 : 32;
    im->big_endian = c->be;
    im->machine = machine_name(im, c->eh.e_machine);
    bool pie = c->facts.df1_pie || c->facts.has_interp;
    c->facts.e_type = c->eh.e_type;
    c->facts.e_machine = c->eh.e_machine;
    switch (c->eh.e_type) {
    case ET_EXEC: im->type = SS_TYPE_EXECUTABLE; im->type_detail = "EXEC"; break;
    case ET_DYN:
        im->type = pie ? SS_TYPE_EXECUTABLE : SS_TYPE_SHARED;
        im->type_detail = pie ? "DYN (PIE executable)" : "DYN (shared object)";
        break;
    case ET_REL: im->type = SS_TYPE_RELOCATABLE; im->type_detail = "REL"; break;
    case ET_CORE: im->type = SS_TYPE_CORE; im->type_detail = "CORE"; break;
    default:
        im->type = SS_TYPE_OTHER;
        im->type_detail = ss_arena_printf(im->arena, "type 0x%x", c->eh.e_type);
        if (im->type_detail == NULL)
            return oom(c);
    }
    im->entry = c->eh.e_entry;
    im->has_entry = c->eh.e_entry != 0 || c->eh.e_type == ET_EXEC;
    return SS_OK;
}

static ss_status read_tables(elf_ctx *c, bool symbols, bool relocs, bool refs)
{
    ss_status st = SS_OK;
    if (symbols)
        st = read_symbols(c);
    if (st == SS_OK && (relocs || refs))
        st = ss_elf_read_relocs(c->im, c->elf, c->is64, c->shnum, relocs, refs, c->d);
    return st;
}

/* What a deferred read of the tables needs to know of the file (the rest is in the image). */
typedef struct {
    bool is64, be, symbols, relocs, refs;
    size_t shnum;
} elf_tables;

static ss_status load_tables(ss_image *im, void *ctx, ss_diag *d)
{
    const elf_tables *t = ctx;
    elf_ctx c = {.im = im, .d = d, .is64 = t->is64, .be = t->be, .shnum = t->shnum};
    c.elf = elf_memory((char *)(uintptr_t)im->bytes.p, im->bytes.len);
    if (c.elf == NULL)
        return ss_fail(d, SS_E_CORRUPT, 0, "libelf cannot read this file: %s", elf_errmsg(-1));
    ss_status st = read_tables(&c, t->symbols, t->relocs, t->refs);
    elf_end(c.elf);
    return st;
}

static ss_status elf_load(ss_image *im, const ss_load_opts *opts, ss_diag *d)
{
    pthread_once(&libelf_once, libelf_init);
    const uint8_t *p = im->bytes.p;
    if (im->bytes.len < EI_NIDENT)
        return ss_fail(d, SS_E_TRUNCATED, 0, "ELF identification needs %d bytes", EI_NIDENT);
    if (p[EI_CLASS] != ELFCLASS32 && p[EI_CLASS] != ELFCLASS64)
        return ss_fail(d, SS_E_CORRUPT, EI_CLASS, "bad ELF class %u", p[EI_CLASS]);
    if (p[EI_DATA] != ELFDATA2LSB && p[EI_DATA] != ELFDATA2MSB)
        return ss_fail(d, SS_E_CORRUPT, EI_DATA, "bad ELF data encoding %u", p[EI_DATA]);

    elf_ctx c = {.im = im, .opts = opts, .d = d};
    c.facts.gnu_stack_flags = -1;
    c.is64 = p[EI_CLASS] == ELFCLASS64;
    c.be = p[EI_DATA] == ELFDATA2MSB;
    c.facts.is64 = c.is64;
    c.facts.be = c.be;
    size_t ehsize = c.is64 ? sizeof(Elf64_Ehdr) : sizeof(Elf32_Ehdr);
    if (im->bytes.len < ehsize)
        return ss_fail(d, SS_E_TRUNCATED, 0, "ELF header needs %zu bytes, file has %zu", ehsize,
                       im->bytes.len);
    /* libelf never writes through a read-only descriptor; the cast only satisfies its API. */
    c.elf = elf_memory((char *)(uintptr_t)im->bytes.p, im->bytes.len);
    if (c.elf == NULL)
        return ss_fail(d, SS_E_CORRUPT, 0, "libelf cannot read this file: %s", elf_errmsg(-1));
    ss_status st = SS_OK;
    if (elf_kind(c.elf) != ELF_K_ELF || gelf_getehdr(c.elf, &c.eh) == NULL) {
        st = ss_fail(d, SS_E_TRUNCATED, 0, "ELF header unreadable: %s", elf_errmsg(-1));
        goto out;
    }
    if ((st = check_tables(&c)) != SS_OK || (st = read_segments(&c)) != SS_OK)
        goto out;
    read_dynamic(&c);
    if ((st = fill_header(&c)) != SS_OK || (st = read_sections(&c)) != SS_OK)
        goto out;
    if (!ss_elf_harden(im, c.elf, &c.facts, !opts->no_checks)) {
        st = oom(&c);
        goto out;
    }
    if ((opts->symbols || opts->relocs || opts->refs) && opts->defer_tables) {
        elf_tables *t = ss_arena_alloc(im->arena, sizeof *t);
        if (t == NULL) {
            st = oom(&c);
            goto out;
        }
        *t = (elf_tables){c.is64, c.be, opts->symbols, opts->relocs, opts->refs, c.shnum};
        im->tables_fn = load_tables;
        im->tables_ctx = t;
    } else {
        /* Read now (check, diff, the library default). A table too large for the memory
         * segscan allows costs only the BSS analysis (a warning), never the image. */
        ss_diag td = {0};
        c.d = &td;
        st = read_tables(&c, opts->symbols, opts->relocs, opts->refs);
        c.d = d;
        if (st == SS_E_LIMIT || st == SS_E_NOMEM) {
            ss_image_tables_failed(im, st, &td);
        } else if (st != SS_OK) {
            *d = td;
            goto out;
        }
    }
    st = ss_image_finish(im, d);
out:
    elf_end(c.elf);
    return st;
}

const ss_reader ss_reader_elf = {
    .name = "elf",
    .probe = elf_probe,
    .load = elf_load,
};
