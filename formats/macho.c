/* macho.c - the Mach-O reader: header, load commands, segments, sections, __LINKEDIT regions.
 * Symbols are read in macho_symbols.c, relocation targets decoded in macho_fixups.c.
 *
 * Every field comes from untrusted bytes: load commands are walked inside sizeofcmds with
 * cmdsize checked before use, every table's offset and size is range-checked against the
 * image, and nothing is allocated by a count a header states before that count has been
 * checked against the bytes that would hold it. */
#include "macho.h"

#include <stdio.h>  /* snprintf */
#include <stdlib.h> /* qsort */
#include <string.h> /* strnlen, memcmp, memcpy */

typedef struct {
    ss_image *im;
    const ss_load_opts *opts;
    ss_diag *d;
    ss_span b;
    bool be, is64;
    uint32_t cputype, cpusubtype, filetype, ncmds, sizeofcmds, flags;
    uint32_t hdr_size;

    bool has_symtab;
    uint32_t symoff, nsyms, stroff, strsize;

    bool has_main;
    uint64_t entryoff;
    bool has_thread_pc;
    uint64_t thread_pc;

    ss_vec sects; /* ss_macho_sect, parallel to im->v_sections */
    ss_vec seg_nsects; /* uint32_t per segment: its section count */
    ss_macho_fixups fx;
    ss_macho_security sec;
} mo;

static ss_segment *seg_at(mo *m, size_t i)
{
    return (ss_segment *)m->im->v_segments.items + i;
}

static ss_status oom(mo *m)
{
    return ss_fail_nooff(m->d, SS_E_NOMEM, "out of memory reading Mach-O tables");
}

/* ---- names ----------------------------------------------------------------------------- */

const char *ss_macho_arch_name(uint32_t cputype, uint32_t cpusubtype, char *buf, size_t n)
{
    uint32_t sub = cpusubtype & ~CPU_SUBTYPE_MASK;
    const char *s = NULL;
    switch (cputype) {
    case CPU_TYPE_X86: s = "i386"; break;
    case CPU_TYPE_X86_64: s = sub == 8 ? "x86_64h" : "x86_64"; break;
    case CPU_TYPE_ARM64: s = sub == CPU_SUBTYPE_ARM64E ? "arm64e" : "arm64"; break;
    case CPU_TYPE_ARM64_32: s = "arm64_32"; break;
    case CPU_TYPE_POWERPC: s = "ppc"; break;
    case CPU_TYPE_POWERPC64: s = "ppc64"; break;
    case CPU_TYPE_ARM:
        switch (sub) {
        case 6: s = "armv6"; break;
        case 9: s = "armv7"; break;
        case 11: s = "armv7s"; break;
        case 12: s = "armv7k"; break;
        case 14: s = "armv6m"; break;
        case 15: s = "armv7m"; break;
        case 16: s = "armv7em"; break;
        default: s = "arm"; break;
        }
        break;
    default: break;
    }
    if (s)
        snprintf(buf, n, "%s", s);
    else
        snprintf(buf, n, "cpu%u", cputype);
    return buf;
}

static const char *machine_name(mo *m)
{
    switch (m->cputype) {
    case CPU_TYPE_X86: return "i386";
    case CPU_TYPE_X86_64: return "x86-64";
    case CPU_TYPE_ARM: return "ARM";
    case CPU_TYPE_ARM64: return "AArch64";
    case CPU_TYPE_ARM64_32: return "AArch64 (ILP32)";
    case CPU_TYPE_POWERPC: return "PowerPC";
    case CPU_TYPE_POWERPC64: return "PowerPC64";
    }
    const char *s = ss_arena_printf(m->im->arena, "unknown (cputype 0x%x)", m->cputype);
    return s ? s : "unknown";
}

static void set_type(mo *m)
{
    static const char *const names[] = {
        [MH_OBJECT] = "MH_OBJECT",   [MH_EXECUTE] = "MH_EXECUTE", [MH_FVMLIB] = "MH_FVMLIB",
        [MH_CORE] = "MH_CORE",       [MH_PRELOAD] = "MH_PRELOAD", [MH_DYLIB] = "MH_DYLIB",
        [MH_DYLINKER] = "MH_DYLINKER", [MH_BUNDLE] = "MH_BUNDLE", [MH_DYLIB_STUB] = "MH_DYLIB_STUB",
        [MH_DSYM] = "MH_DSYM",       [MH_KEXT_BUNDLE] = "MH_KEXT_BUNDLE",
        [MH_FILESET] = "MH_FILESET",
    };
    ss_image *im = m->im;
    switch (m->filetype) {
    case MH_EXECUTE: im->type = SS_TYPE_EXECUTABLE; break;
    case MH_DYLIB: im->type = SS_TYPE_SHARED; break;
    case MH_BUNDLE: im->type = SS_TYPE_BUNDLE; break;
    case MH_OBJECT: im->type = SS_TYPE_RELOCATABLE; break;
    case MH_DSYM: im->type = SS_TYPE_DEBUG; break;
    case MH_CORE: im->type = SS_TYPE_CORE; break;
    default: im->type = SS_TYPE_OTHER; break;
    }
    const char *base = m->filetype < sizeof names / sizeof names[0] && names[m->filetype]
                           ? names[m->filetype]
                           : NULL;
    bool arm64e = m->cputype == CPU_TYPE_ARM64 &&
                  (m->cpusubtype & ~CPU_SUBTYPE_MASK) == CPU_SUBTYPE_ARM64E;
    const char *s;
    if (base)
        s = arm64e ? ss_arena_printf(im->arena, "%s (arm64e)", base) : base;
    else
        s = ss_arena_printf(im->arena, "filetype 0x%x%s", m->filetype, arm64e ? " (arm64e)" : "");
    im->type_detail = s ? s : "MH_?";
}

static uint8_t vm_prot_perms(uint32_t prot)
{
    /* VM_PROT_READ 1, VM_PROT_WRITE 2, VM_PROT_EXECUTE 4 */
    return (uint8_t)(((prot & 1) ? SS_PERM_R : 0) | ((prot & 2) ? SS_PERM_W : 0) |
                     ((prot & 4) ? SS_PERM_X : 0));
}

static const char *section_type_name(uint32_t t)
{
    static const char *const names[] = {
        "S_REGULAR", "S_ZEROFILL", "S_CSTRING_LITERALS", "S_4BYTE_LITERALS",
        "S_8BYTE_LITERALS", "S_LITERAL_POINTERS", "S_NON_LAZY_SYMBOL_POINTERS",
        "S_LAZY_SYMBOL_POINTERS", "S_SYMBOL_STUBS", "S_MOD_INIT_FUNC_POINTERS",
        "S_MOD_TERM_FUNC_POINTERS", "S_COALESCED", "S_GB_ZEROFILL", "S_INTERPOSING",
        "S_16BYTE_LITERALS", "S_DTRACE_DOF", "S_LAZY_DYLIB_SYMBOL_POINTERS",
        "S_THREAD_LOCAL_REGULAR", "S_THREAD_LOCAL_ZEROFILL", "S_THREAD_LOCAL_VARIABLES",
        "S_THREAD_LOCAL_VARIABLE_POINTERS", "S_THREAD_LOCAL_INIT_FUNCTION_POINTERS",
        "S_INIT_FUNC_OFFSETS",
    };
    return t < sizeof names / sizeof names[0] ? names[t] : NULL;
}

/* A bounded copy of a NUL-padded 16-byte name field. */
static size_t name16_len(const char s[16])
{
    return strnlen(s, 16);
}

/* ---- regions --------------------------------------------------------------------------- */

/* Records a __LINKEDIT table as a region. A table that runs past the end of the image is
 * clipped with a warning: the bytes that are there are still that table's. Returns whether
 * the whole table is inside the image. */
static bool add_blob(mo *m, const char *name, uint64_t off, uint64_t size, uint64_t cmd_off)
{
    uint64_t len = m->b.len;
    if (size == 0)
        return true;
    if (ss_range_ok(off, size, len)) {
        if (!ss_image_add_region(m->im, name, off, size))
            ss_image_warn(m->im, cmd_off, "out of memory recording %s", name);
        return true;
    }
    ss_image_warn(m->im, cmd_off,
                  "%s (offset 0x%llx, size %llu) runs past the end of the file (%llu bytes); "
                  "clipped",
                  name, (unsigned long long)off, (unsigned long long)size,
                  (unsigned long long)len);
    if (off < len)
        ss_image_add_region(m->im, name, off, len - off);
    return false;
}

/* A count of fixed-size entries as a table region; false when the product overflows or the
 * table does not fit (a warning has been recorded). */
static bool add_table(mo *m, const char *name, uint32_t off, uint32_t count, uint32_t entsize,
                      uint64_t cmd_off)
{
    uint64_t size;
    if (!ss_mul_ok(count, entsize, &size)) /* cannot happen with 32-bit operands; kept honest */
        return false;
    return add_blob(m, name, off, size, cmd_off);
}

/* ---- load commands --------------------------------------------------------------------- */

static ss_status short_cmd(mo *m, const char *what, uint64_t off, uint32_t cmdsize)
{
    return ss_fail(m->d, SS_E_CORRUPT, off,
                   "%s load command has cmdsize %u, too small for its fields", what, cmdsize);
}

/* Kind and, for MH_OBJECT, protection of a section. Types and attributes decide, never the
 * section's name. In a linked image a section has no protection of its own: it gets its
 * segment's initprot. An MH_OBJECT has one unnamed segment with rwx, and a section's future
 * protection is that of the output segment ld64 will place it in, which ld64 chooses by the
 * section header's segname field: so in objects (only) instructions give r-x, literal types and
 * segname __TEXT give r--, everything else rw-. */
static void classify(mo *m, ss_section *s, const char segname[16], uint32_t seg_initprot,
                     uint32_t seg_flags)
{
    uint32_t type = (uint32_t)s->raw_flags & SECTION_TYPE;
    uint32_t attrs = (uint32_t)s->raw_flags & ~SECTION_TYPE;
    bool instr = (attrs & (S_ATTR_PURE_INSTRUCTIONS | S_ATTR_SOME_INSTRUCTIONS)) != 0;
    bool object = m->filetype == MH_OBJECT;
    uint8_t perms = vm_prot_perms(seg_initprot);
    if (object) {
        bool literal = type == S_CSTRING_LITERALS || type == S_4BYTE_LITERALS ||
                       type == S_8BYTE_LITERALS || type == S_16BYTE_LITERALS;
        if (instr)
            perms = SS_PERM_R | SS_PERM_X;
        else if (literal || (name16_len(segname) == 6 && memcmp(segname, "__TEXT", 6) == 0))
            perms = SS_PERM_R;
        else
            perms = SS_PERM_R | SS_PERM_W;
    }
    s->perms = perms;

    if (attrs & S_ATTR_DEBUG)
        s->kind = SS_KIND_DEBUG;
    else if (type == S_ZEROFILL || type == S_GB_ZEROFILL)
        s->kind = SS_KIND_BSS;
    else if (type == S_THREAD_LOCAL_ZEROFILL)
        s->kind = SS_KIND_TLS_BSS;
    else if (type == S_THREAD_LOCAL_REGULAR || type == S_THREAD_LOCAL_VARIABLES ||
             type == S_THREAD_LOCAL_VARIABLE_POINTERS ||
             type == S_THREAD_LOCAL_INIT_FUNCTION_POINTERS)
        s->kind = SS_KIND_TLS_DATA;
    else if (instr)
        s->kind = SS_KIND_CODE;
    else if (perms & SS_PERM_W)
        /* SG_READ_ONLY (__DATA_CONST): written by dyld's fixups, then made read-only, which
         * is what ELF calls RELRO. */
        s->kind = (!object && (seg_flags & SG_READ_ONLY)) ? SS_KIND_RELRO : SS_KIND_DATA;
    else
        s->kind = SS_KIND_RODATA;
}

/* Whether a section can hold literals: literal sections by type (__cstring, __literal4/8/16),
 * and regular read-only sections (__TEXT,__const) or __DATA_CONST,__const (constant data dyld
 * fixes up: Rust and C++ tables of pointers and their literals) -- but not the unwind and
 * exception tables, which are S_REGULAR too and known only by their reserved names. */
static bool literal_section(const ss_section *s, const char *sectname16)
{
    uint32_t type = (uint32_t)s->raw_flags & SECTION_TYPE;
    char sect[17];
    memcpy(sect, sectname16, 16);
    sect[16] = 0;
    if (type == S_CSTRING_LITERALS || type == S_4BYTE_LITERALS || type == S_8BYTE_LITERALS ||
        type == S_16BYTE_LITERALS)
        return s->kind == SS_KIND_RODATA || s->kind == SS_KIND_RELRO;
    if (type != S_REGULAR)
        return false;
    if (s->kind == SS_KIND_RELRO)
        return strcmp(sect, "__const") == 0;
    return s->kind == SS_KIND_RODATA && strcmp(sect, "__eh_frame") != 0 &&
           strcmp(sect, "__unwind_info") != 0 && strcmp(sect, "__gcc_except_tab") != 0;
}

static ss_status read_section(mo *m, ss_cursor *c, uint64_t sec_off, size_t seg_index,
                              uint32_t seg_initprot)
{
    char sectname[16], segname[16];
    ss_bytes(c, sectname, 16);
    ss_bytes(c, segname, 16);
    uint64_t addr = m->is64 ? ss_u64(c) : ss_u32(c);
    uint64_t size = m->is64 ? ss_u64(c) : ss_u32(c);
    uint32_t offset = ss_u32(c), align = ss_u32(c), reloff = ss_u32(c), nreloc = ss_u32(c);
    uint32_t flags = ss_u32(c);
    ss_skip(c, m->is64 ? 12 : 8); /* reserved1..3 */
    if (c->failed) /* the caller checked nsects against cmdsize */
        return ss_fail(m->d, SS_E_CORRUPT, sec_off, "section header runs past its load command");

    const ss_segment *g = seg_at(m, seg_index); /* stable: only sections are added below */
    uint64_t len = m->b.len;

    ss_section *s = ss_image_add_section(m->im);
    ss_macho_sect *x = ss_vec_push(m->im->arena, &m->sects);
    if (s == NULL || x == NULL)
        return oom(m);
    x->addr = addr;
    x->size = size;
    x->reloff = reloff;
    x->nreloc = nreloc;

    const char *name = ss_arena_printf(m->im->arena, "%.*s,%.*s", (int)name16_len(segname),
                                       segname, (int)name16_len(sectname), sectname);
    if (name == NULL)
        return oom(m);
    s->name = name;
    uint32_t type = flags & SECTION_TYPE;
    const char *tn = section_type_name(type);
    s->type = tn ? tn : ss_arena_printf(m->im->arena, "S_TYPE_0x%x", type);
    if (s->type == NULL)
        return oom(m);
    s->raw_type = type;
    s->raw_flags = flags;
    s->vaddr = addr;
    s->offset = offset;
    s->segment = (int64_t)seg_index;
    if (align >= 64) {
        ss_image_warn(m->im, sec_off, "section %s: alignment 2^%u is impossible", name, align);
        s->align = 0;
    } else {
        s->align = (uint64_t)1 << align;
    }

    classify(m, s, segname, seg_initprot, g->raw_flags);
    s->literals = literal_section(s, sectname);

    bool zerofill = type == S_ZEROFILL || type == S_GB_ZEROFILL || type == S_THREAD_LOCAL_ZEROFILL;
    bool debug = s->kind == SS_KIND_DEBUG;
    /* A dSYM companion keeps the section headers of the stripped image but none of their
     * bytes (its __TEXT has filesize 0): such sections have no file bytes, and nothing of a
     * dSYM is mapped into a process. */
    s->alloc = !debug && g->vm_size > 0 && m->filetype != MH_DSYM;
    s->vm_size = s->alloc ? size : 0;
    bool no_file = zerofill || (m->filetype != MH_OBJECT && g->file_size == 0 && !debug);
    if (no_file) {
        s->file_size = 0;
    } else if (!ss_range_ok(offset, size, len)) {
        ss_image_warn(m->im, sec_off,
                      "section %s (offset 0x%x, size %llu) runs past the end of the file; clipped",
                      name, offset, (unsigned long long)size);
        s->file_size = offset < len ? len - offset : 0;
    } else {
        s->file_size = size;
        if (m->filetype != MH_OBJECT &&
            (offset < g->offset || offset - g->offset > g->file_size ||
             size > g->file_size - (offset - g->offset)))
            ss_image_warn(m->im, sec_off, "section %s lies outside the file range of segment %s",
                          name, g->name);
    }
    if (s->alloc && m->filetype != MH_OBJECT &&
        (addr < g->vaddr || !ss_range_ok(addr - g->vaddr, size, g->vm_size)))
        ss_image_warn(m->im, sec_off, "section %s lies outside the address range of segment %s",
                      name, g->name);
    return SS_OK;
}

static ss_status on_segment(mo *m, ss_span cs, uint64_t off, uint32_t cmd)
{
    bool is64 = cmd == LC_SEGMENT_64;
    const char *what = is64 ? "LC_SEGMENT_64" : "LC_SEGMENT";
    uint64_t hdr = is64 ? 72 : 56, sect_size = is64 ? 80 : 68;
    if (is64 != m->is64)
        ss_image_warn(m->im, off, "%s in a %u-bit Mach-O file", what, m->is64 ? 64 : 32);
    ss_cursor c = ss_cursor_at(cs, 8, m->be);
    char segname[16];
    ss_bytes(&c, segname, 16);
    uint64_t vmaddr = is64 ? ss_u64(&c) : ss_u32(&c);
    uint64_t vmsize = is64 ? ss_u64(&c) : ss_u32(&c);
    uint64_t fileoff = is64 ? ss_u64(&c) : ss_u32(&c);
    uint64_t filesize = is64 ? ss_u64(&c) : ss_u32(&c);
    uint32_t maxprot = ss_u32(&c), initprot = ss_u32(&c), nsects = ss_u32(&c);
    uint32_t flags = ss_u32(&c);
    if (c.failed)
        return short_cmd(m, what, off, (uint32_t)cs.len);
    uint64_t need;
    if (!ss_mul_ok(nsects, sect_size, &need) || need > cs.len - hdr)
        return ss_fail(m->d, SS_E_CORRUPT, off,
                       "%s (segment \"%.*s\"): %u sections need %llu bytes but the command has "
                       "%llu",
                       what, (int)name16_len(segname), segname, nsects,
                       (unsigned long long)need + hdr, (unsigned long long)cs.len);

    ss_segment *g = ss_image_add_segment(m->im);
    uint32_t *ns = ss_vec_push(m->im->arena, &m->seg_nsects);
    if (g == NULL || ns == NULL)
        return oom(m);
    *ns = nsects;
    size_t seg_index = m->im->v_segments.count - 1;
    g->name = ss_image_name(m->im, segname, name16_len(segname));
    if (g->name == NULL)
        return oom(m);
    g->raw_type = cmd;
    g->raw_flags = flags;
    g->vaddr = vmaddr;
    g->vm_size = vmsize;
    g->offset = fileoff;
    g->perms = vm_prot_perms(initprot);
    g->maxprot = vm_prot_perms(maxprot);
    /* Segments of a linked image are mappings, except one with no access at all and no file
     * bytes (__PAGEZERO, found by its protection, not its name): it only reserves address
     * space (4 GiB on 64-bit) so that null pointers fault, takes no memory, and counting it
     * would make every executable "4 GiB". It is still listed, with perms "---", but not
     * loadable. An MH_OBJECT's single unnamed segment is only a container the linker takes
     * apart, and nothing of a dSYM is mapped: neither is loadable (their sections still name
     * it as their segment). */
    g->loadable = m->filetype != MH_OBJECT && m->filetype != MH_DSYM &&
                  !(initprot == 0 && maxprot == 0 && filesize == 0);
    uint64_t len = m->b.len;
    if (filesize == 0) {
        g->file_size = 0;
    } else if (fileoff >= len) {
        ss_image_warn(m->im, off, "segment %s starts at 0x%llx, past the end of the file",
                      g->name, (unsigned long long)fileoff);
        g->file_size = 0;
    } else if (filesize > len - fileoff) {
        ss_image_warn(m->im, off,
                      "segment %s (offset 0x%llx, size %llu) runs past the end of the file; "
                      "clipped to %llu bytes",
                      g->name, (unsigned long long)fileoff, (unsigned long long)filesize,
                      (unsigned long long)(len - fileoff));
        g->file_size = len - fileoff;
    } else {
        g->file_size = filesize;
    }
    if (filesize > vmsize)
        ss_image_warn(m->im, off, "segment %s: filesize %llu exceeds vmsize %llu", g->name,
                      (unsigned long long)filesize, (unsigned long long)vmsize);

    for (uint32_t i = 0; i < nsects; i++) {
        uint64_t so = hdr + (uint64_t)i * sect_size;
        ss_cursor sc = ss_cursor_at(cs, (size_t)so, m->be);
        SS_TRY(read_section(m, &sc, off + so, seg_index, initprot));
    }
    return SS_OK;
}

static ss_status on_symtab(mo *m, ss_span cs, uint64_t off)
{
    ss_cursor c = ss_cursor_at(cs, 8, m->be);
    uint32_t symoff = ss_u32(&c), nsyms = ss_u32(&c), stroff = ss_u32(&c), strsize = ss_u32(&c);
    if (c.failed)
        return short_cmd(m, "LC_SYMTAB", off, (uint32_t)cs.len);
    if (m->has_symtab) {
        ss_image_warn(m->im, off, "a second LC_SYMTAB is ignored");
        return SS_OK;
    }
    uint64_t entsize = m->is64 ? 16 : 12, size = (uint64_t)nsyms * entsize;
    if (!ss_range_ok(symoff, size, m->b.len))
        return ss_fail(m->d, SS_E_TRUNCATED, off,
                       "LC_SYMTAB: symbol table (offset 0x%x, %u symbols, %llu bytes) runs past "
                       "the end of the file (%zu bytes)",
                       symoff, nsyms, (unsigned long long)size, m->b.len);
    if (!ss_range_ok(stroff, strsize, m->b.len))
        return ss_fail(m->d, SS_E_TRUNCATED, off,
                       "LC_SYMTAB: string table (offset 0x%x, %u bytes) runs past the end of the "
                       "file (%zu bytes)",
                       stroff, strsize, m->b.len);
    m->has_symtab = true;
    m->symoff = symoff;
    m->nsyms = nsyms;
    m->stroff = stroff;
    m->strsize = strsize;
    add_blob(m, "[LINKEDIT: symbol table]", symoff, size, off);
    add_blob(m, "[LINKEDIT: string table]", stroff, strsize, off);
    return SS_OK;
}

static ss_status on_dysymtab(mo *m, ss_span cs, uint64_t off)
{
    ss_cursor c = ss_cursor_at(cs, 8, m->be);
    uint32_t v[18];
    for (int i = 0; i < 18; i++)
        v[i] = ss_u32(&c);
    if (c.failed)
        return short_cmd(m, "LC_DYSYMTAB", off, (uint32_t)cs.len);
    /* v[0..5]: index ranges into the symbol table (no bytes of their own). */
    add_table(m, "[LINKEDIT: table of contents]", v[6], v[7], 8, off);
    add_table(m, "[LINKEDIT: module table]", v[8], v[9], m->is64 ? 56 : 52, off);
    add_table(m, "[LINKEDIT: external references]", v[10], v[11], 4, off);
    add_table(m, "[LINKEDIT: indirect symbols]", v[12], v[13], 4, off);
    add_table(m, "[LINKEDIT: external relocations]", v[14], v[15], 8, off);
    add_table(m, "[LINKEDIT: local relocations]", v[16], v[17], 8, off);
    return SS_OK;
}

static void set_blob(mo *m, ss_macho_blob *bl, const char *name, uint32_t o, uint32_t sz,
                     uint64_t cmd_off)
{
    bl->off = o;
    bl->size = sz;
    bl->present = sz > 0 && add_blob(m, name, o, sz, cmd_off);
}

static ss_status on_dyld_info(mo *m, ss_span cs, uint64_t off)
{
    ss_cursor c = ss_cursor_at(cs, 8, m->be);
    uint32_t v[10];
    for (int i = 0; i < 10; i++)
        v[i] = ss_u32(&c);
    if (c.failed)
        return short_cmd(m, "LC_DYLD_INFO", off, (uint32_t)cs.len);
    set_blob(m, &m->fx.rebase, "[LINKEDIT: rebase info]", v[0], v[1], off);
    set_blob(m, &m->fx.bind, "[LINKEDIT: bind info]", v[2], v[3], off);
    set_blob(m, &m->fx.weak_bind, "[LINKEDIT: weak bind info]", v[4], v[5], off);
    set_blob(m, &m->fx.lazy_bind, "[LINKEDIT: lazy bind info]", v[6], v[7], off);
    add_blob(m, "[LINKEDIT: export info]", v[8], v[9], off);
    return SS_OK;
}

/* Commands whose payload is a linkedit_data_command (dataoff, datasize). */
static const char *linkedit_data_name(uint32_t cmd)
{
    switch (cmd) {
    case LC_CODE_SIGNATURE: return "[LINKEDIT: code signature]";
    case LC_SEGMENT_SPLIT_INFO: return "[LINKEDIT: split info]";
    case LC_FUNCTION_STARTS: return "[LINKEDIT: function starts]";
    case LC_DATA_IN_CODE: return "[LINKEDIT: data in code]";
    case LC_DYLIB_CODE_SIGN_DRS: return "[LINKEDIT: code signing DRs]";
    case LC_LINKER_OPTIMIZATION_HINT: return "[LINKEDIT: linker optimization hints]";
    case LC_DYLD_EXPORTS_TRIE: return "[LINKEDIT: exports trie]";
    case LC_DYLD_CHAINED_FIXUPS: return "[LINKEDIT: chained fixups]";
    case LC_ATOM_INFO: return "[LINKEDIT: atom info]";
    }
    return NULL;
}

/* The program counter of the first thread state of an LC_UNIXTHREAD, for the flavors of the
 * CPUs segscan names; other flavors leave the entry unknown. */
static void on_unixthread(mo *m, ss_span cs, uint64_t off)
{
    size_t pos = 8;
    for (int guard = 0; guard < 64 && pos + 8 <= cs.len; guard++) {
        ss_cursor c = ss_cursor_at(cs, pos, m->be);
        uint32_t flavor = ss_u32(&c), count = ss_u32(&c);
        uint64_t bytes = (uint64_t)count * 4;
        if (c.failed || bytes > cs.len - c.pos) {
            ss_image_warn(m->im, off, "LC_UNIXTHREAD: thread state runs past its command");
            return;
        }
        long pc_at = -1; /* byte offset of pc inside the state */
        bool pc64 = false;
        if (m->cputype == CPU_TYPE_X86_64 && flavor == 4) /* x86_THREAD_STATE64: rip */
            pc_at = 16 * 8, pc64 = true;
        else if (m->cputype == CPU_TYPE_X86 && flavor == 1) /* x86_THREAD_STATE32: eip */
            pc_at = 10 * 4;
        else if (m->cputype == CPU_TYPE_ARM64 && flavor == 6) /* ARM_THREAD_STATE64: pc */
            pc_at = 32 * 8, pc64 = true;
        else if (m->cputype == CPU_TYPE_ARM && flavor == 1) /* ARM_THREAD_STATE: r15 */
            pc_at = 15 * 4;
        else if (m->cputype == CPU_TYPE_POWERPC && flavor == 1) /* PPC_THREAD_STATE: srr0 */
            pc_at = 0;
        if (pc_at >= 0 && (uint64_t)pc_at + (pc64 ? 8 : 4) <= bytes) {
            ss_cursor p = ss_cursor_at(cs, c.pos + (size_t)pc_at, m->be);
            m->thread_pc = pc64 ? ss_u64(&p) : ss_u32(&p);
            m->has_thread_pc = !p.failed;
            return;
        }
        pos = c.pos + (size_t)bytes;
    }
}

static ss_status on_command(mo *m, uint32_t cmd, ss_span cs, uint64_t off)
{
    switch (cmd) {
    case LC_SEGMENT:
    case LC_SEGMENT_64:
        return on_segment(m, cs, off, cmd);
    case LC_SYMTAB:
        return on_symtab(m, cs, off);
    case LC_DYSYMTAB:
        return on_dysymtab(m, cs, off);
    case LC_UUID:
        /* The image's identity, which pairs it with its .dSYM (formats/dwarf.c): kept as two
         * big-endian halves. A short command is no identity (the pairing then refuses). */
        if (cs.len >= 24) {
            uint64_t hi = 0, lo = 0;
            for (int i = 0; i < 8; i++) {
                hi = hi << 8 | cs.p[8 + i];
                lo = lo << 8 | cs.p[16 + i];
            }
            if (!ss_image_field(m->im, "LC_UUID[0:8]", hi) ||
                !ss_image_field(m->im, "LC_UUID[8:16]", lo))
                return ss_fail_nooff(m->d, SS_E_NOMEM, "out of memory");
        }
        return SS_OK;
    case LC_DYLD_INFO:
    case LC_DYLD_INFO_ONLY:
        return on_dyld_info(m, cs, off);
    case LC_TWOLEVEL_HINTS: {
        ss_cursor c = ss_cursor_at(cs, 8, m->be);
        uint32_t o = ss_u32(&c), n = ss_u32(&c);
        if (c.failed)
            return short_cmd(m, "LC_TWOLEVEL_HINTS", off, (uint32_t)cs.len);
        add_table(m, "[LINKEDIT: two-level hints]", o, n, 4, off);
        return SS_OK;
    }
    case LC_MAIN: {
        ss_cursor c = ss_cursor_at(cs, 8, m->be);
        uint64_t entryoff = ss_u64(&c);
        if (c.failed)
            return short_cmd(m, "LC_MAIN", off, (uint32_t)cs.len);
        m->has_main = true;
        m->entryoff = entryoff;
        return SS_OK;
    }
    case LC_UNIXTHREAD:
        on_unixthread(m, cs, off);
        return SS_OK;
    case LC_ENCRYPTION_INFO:
    case LC_ENCRYPTION_INFO_64: {
        ss_cursor c = ss_cursor_at(cs, 8, m->be);
        uint32_t o = ss_u32(&c), sz = ss_u32(&c), id = ss_u32(&c);
        if (c.failed)
            return short_cmd(m, "LC_ENCRYPTION_INFO", off, (uint32_t)cs.len);
        m->sec.encryption_cmd = cmd;
        m->sec.cryptoff = o;
        m->sec.cryptsize = sz;
        m->sec.cryptid = id;
        return SS_OK;
    }
    default:
        break;
    }
    const char *name = linkedit_data_name(cmd);
    if (name) {
        ss_cursor c = ss_cursor_at(cs, 8, m->be);
        uint32_t o = ss_u32(&c), sz = ss_u32(&c);
        if (c.failed)
            return short_cmd(m, "linkedit data", off, (uint32_t)cs.len);
        if (cmd == LC_CODE_SIGNATURE) {
            m->sec.has_signature = true;
            m->sec.sig_off = o;
            m->sec.sig_size = sz;
        }
        if (cmd == LC_DYLD_CHAINED_FIXUPS)
            set_blob(m, &m->fx.chained, name, o, sz, off);
        else
            add_blob(m, name, o, sz, off);
    }
    return SS_OK;
}

static ss_status read_commands(mo *m)
{
    uint64_t off = m->hdr_size, end = (uint64_t)m->hdr_size + m->sizeofcmds;
    uint32_t align = m->is64 ? 8 : 4;
    for (uint32_t i = 0; i < m->ncmds; i++) {
        if (!ss_range_ok(off, 8, end))
            return ss_fail(m->d, SS_E_CORRUPT, off,
                           "load command %u of %u lies past the end of the load commands "
                           "(sizeofcmds %u)",
                           i, m->ncmds, m->sizeofcmds);
        ss_cursor c = ss_cursor_at(m->b, (size_t)off, m->be);
        uint32_t cmd = ss_u32(&c), cmdsize = ss_u32(&c);
        if (cmdsize < 8)
            return ss_fail(m->d, SS_E_CORRUPT, off,
                           "load command %u (cmd 0x%x) has cmdsize %u, less than 8", i, cmd,
                           cmdsize);
        if (cmdsize % align)
            return ss_fail(m->d, SS_E_CORRUPT, off,
                           "load command %u (cmd 0x%x) has cmdsize %u, not a multiple of %u", i,
                           cmd, cmdsize, align);
        if (!ss_range_ok(off, cmdsize, end))
            return ss_fail(m->d, SS_E_CORRUPT, off,
                           "load command %u (cmd 0x%x, cmdsize %u) runs past the end of the "
                           "load commands (sizeofcmds %u)",
                           i, cmd, cmdsize, m->sizeofcmds);
        ss_span cs = {0};
        ss_span_sub(m->b, off, cmdsize, &cs); /* inside [hdr, end], which is inside b */
        SS_TRY(on_command(m, cmd, cs, off));
        off += cmdsize;
    }
    if (off < end)
        ss_image_warn(m->im, off, "%llu bytes of sizeofcmds follow the last load command",
                      (unsigned long long)(end - off));
    return SS_OK;
}

static int region_cmp(const void *a, const void *b)
{
    const ss_region *x = a, *y = b;
    return x->offset < y->offset ? -1 : x->offset > y->offset;
}

typedef struct {
    uint64_t start, end;
    size_t index; /* the segment's */
} span_of_seg;

static int span_cmp(const void *a, const void *b)
{
    const span_of_seg *x = a, *y = b;
    if (x->start != y->start)
        return x->start < y->start ? -1 : 1;
    return x->index < y->index ? -1 : x->index > y->index;
}

/* Label the bytes of section-less segments (__LINKEDIT) that no table claims with the
 * segment's name, so they read "[__LINKEDIT]" instead of anonymous padding. A file can hold
 * many thousands of table commands and of segments, so both are sorted by offset and swept
 * once together: the segments' ranges are first made disjoint (a byte two segments claim is
 * labelled by the one that starts first), then the regions are subtracted with one pointer
 * and the furthest end seen (a sweep restarted per segment was nseg x nregions). */
static bool cover_sectionless(mo *m)
{
    ss_image *im = m->im;
    size_t nseg = im->v_segments.count, nreg = im->v_regions.count;
    const uint32_t *nsects = m->seg_nsects.items;
    ss_region *sorted = nreg ? ss_arena_array(im->arena, nreg, sizeof *sorted) : NULL;
    span_of_seg *spans = nseg ? ss_arena_array(im->arena, nseg, sizeof *spans) : NULL;
    if ((nreg && sorted == NULL) || (nseg && spans == NULL))
        return false;
    if (nreg) {
        memcpy(sorted, im->v_regions.items, nreg * sizeof *sorted);
        qsort(sorted, nreg, sizeof *sorted, region_cmp);
    }
    size_t nspan = 0;
    for (size_t i = 0; i < nseg; i++) {
        const ss_segment *g = seg_at(m, i);
        if (nsects[i] != 0 || g->file_size == 0 || g->offset == 0)
            continue;
        spans[nspan++] = (span_of_seg){g->offset, g->offset + g->file_size, i}; /* in the image */
    }
    if (nspan > 1)
        qsort(spans, nspan, sizeof *spans, span_cmp);
    size_t r = 0;
    uint64_t covered = 0, reach = 0; /* reach: the furthest end of the regions passed */
    for (size_t k = 0; k < nspan; k++) {
        uint64_t cur = spans[k].start > covered ? spans[k].start : covered, end = spans[k].end;
        if (end > covered)
            covered = end;
        if (cur >= end)
            continue; /* all claimed by a segment that starts earlier */
        const char *label = ss_arena_printf(im->arena, "[%s]", seg_at(m, spans[k].index)->name);
        if (label == NULL)
            return false;
        if (reach > cur)
            cur = reach;
        for (; r < nreg && cur < end && sorted[r].offset < end; r++) {
            uint64_t rs = sorted[r].offset, re = rs + sorted[r].size; /* inside the image */
            if (rs > cur) {
                if (!ss_image_add_region(im, label, cur, rs - cur))
                    return false;
            }
            if (re > cur)
                cur = re;
            if (re > reach)
                reach = re;
        }
        if (cur < end && !ss_image_add_region(im, label, cur, end - cur))
            return false;
    }
    return true;
}

/* ---- reader ---------------------------------------------------------------------------- */

static bool macho_probe(ss_span head)
{
    /* The magic alone: a file cut inside its header should hear that, not "unknown format". */
    if (head.len < 4)
        return false;
    uint32_t magic = ss_load32(head.p, false);
    return magic == MH_MAGIC || magic == MH_CIGAM || magic == MH_MAGIC_64 || magic == MH_CIGAM_64;
}

static ss_status read_header(mo *m)
{
    uint32_t magic = m->b.len >= 4 ? ss_load32(m->b.p, false) : 0;
    if (magic != MH_MAGIC && magic != MH_CIGAM && magic != MH_MAGIC_64 && magic != MH_CIGAM_64)
        return ss_fail(m->d, SS_E_UNKNOWN, 0, "not a Mach-O file (magic 0x%08x)", magic);
    m->be = magic == MH_CIGAM || magic == MH_CIGAM_64;
    m->is64 = magic == MH_MAGIC_64 || magic == MH_CIGAM_64;
    m->hdr_size = m->is64 ? 32 : 28;
    ss_cursor c = ss_cursor_at(m->b, 4, m->be);
    m->cputype = ss_u32(&c);
    m->cpusubtype = ss_u32(&c);
    m->filetype = ss_u32(&c);
    m->ncmds = ss_u32(&c);
    m->sizeofcmds = ss_u32(&c);
    m->flags = ss_u32(&c);
    if (m->is64)
        ss_u32(&c); /* reserved */
    if (c.failed)
        return ss_fail(m->d, SS_E_TRUNCATED, 0, "Mach-O header needs %u bytes, the file has %zu",
                       m->hdr_size, m->b.len);
    if (!ss_range_ok(m->hdr_size, m->sizeofcmds, m->b.len))
        return ss_fail(m->d, SS_E_TRUNCATED, m->hdr_size,
                       "load commands (sizeofcmds %u) run past the end of the file (%zu bytes)",
                       m->sizeofcmds, m->b.len);
    ss_image *im = m->im;
    im->format = SS_FORMAT_MACHO;
    im->sym_lead = '_'; /* C names carry a leading underscore */
    im->bits = m->is64 ? 64 : 32;
    im->big_endian = m->be;
    im->machine = machine_name(m);
    set_type(m);
    if (!ss_image_field(im, "mach_header.flags", m->flags) ||
        !ss_image_field(im, "filetype", m->filetype) || !ss_macho_harden(im, m->cputype, m->filetype, m->flags))
        return oom(m);
    if (!ss_image_add_region(im, "[Mach-O Header]", 0, m->hdr_size) ||
        !ss_image_add_region(im, "[Load Commands]", m->hdr_size, m->sizeofcmds))
        return oom(m);
    return SS_OK;
}

static void set_entry(mo *m)
{
    ss_image *im = m->im;
    if (m->has_main) {
        /* entryoff counts from the Mach header, which the segment mapping file offset 0
         * (normally __TEXT) places at its vmaddr. */
        for (size_t i = 0; i < im->v_segments.count; i++) {
            const ss_segment *g = seg_at(m, i);
            if (g->offset == 0 && g->file_size > 0) {
                im->has_entry = true;
                im->entry = g->vaddr + m->entryoff;
                return;
            }
        }
        ss_image_warn(im, UINT64_MAX, "LC_MAIN present but no segment maps the Mach header");
    } else if (m->has_thread_pc) {
        im->has_entry = true;
        im->entry = m->thread_pc;
    }
}

static ss_status macho_load(ss_image *im, const ss_load_opts *opts, ss_diag *d)
{
    mo m = {.im = im, .opts = opts, .d = d, .b = im->bytes};
    ss_vec_init(&m.sects, sizeof(ss_macho_sect));
    ss_vec_init(&m.seg_nsects, sizeof(uint32_t));
    SS_TRY(read_header(&m));
    SS_TRY(read_commands(&m));
    set_entry(&m);

    if (m.filetype == MH_OBJECT) {
        const ss_macho_sect *xs = m.sects.items;
        for (size_t i = 0; i < m.sects.count; i++)
            add_table(&m, "[Relocations]", xs[i].reloff, xs[i].nreloc, 8, UINT64_MAX);
    }
    if (!cover_sectionless(&m))
        return oom(&m);
    if (m.has_symtab && opts->symbols) {
        ss_macho_symtab st = {m.symoff, m.nsyms, m.stroff, m.strsize};
        SS_TRY(ss_macho_read_symbols(im, &st, m.be, m.is64, m.filetype == MH_OBJECT,
                                     m.sects.items, d));
    }
    if (opts->relocs || opts->refs) {
        m.fx.im = im;
        m.fx.relocs = opts->relocs;
        m.fx.refs = opts->refs;
        m.fx.be = m.be;
        m.fx.is64 = m.is64;
        m.fx.cputype = m.cputype;
        m.fx.filetype = m.filetype;
        m.fx.ptr_size = m.is64 ? 8 : 4;
        m.fx.sects = m.sects.items;
        m.fx.nsects = m.sects.count;
        if (!ss_macho_decode_fixups(&m.fx)) /* refused by the arena's cap: keep the image */
            ss_image_warn(im, UINT64_MAX, "references into read-only data exceed the memory "
                                          "segscan allows for this file; %zu kept",
                          im->nrefs);
    }
    m.sec.cputype = m.cputype;
    m.sec.cpusubtype = m.cpusubtype;
    m.sec.filetype = m.filetype;
    if (!ss_macho_security_checks(im, &m.sec))
        return oom(&m);
    return ss_image_finish(im, d);
}

const ss_reader ss_reader_macho = {
    .name = "Mach-O",
    .probe = macho_probe,
    .load = macho_load,
};
