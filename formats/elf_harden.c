/* elf_harden.c - what an ELF image says about its hardening, as neutral checks on the image.
 *
 * Every decision about ELF constants is made here (core/ only prints the checks and raises the
 * findings worded here): the stack (PT_GNU_STACK, or .note.GNU-stack in an object) and NX as
 * checksec reads it, RELRO (PT_GNU_RELRO plus BIND_NOW), PIE and static PIE (ET_DYN with
 * PT_INTERP or DF_1_PIE), text relocations, the stack protector and FORTIFY_SOURCE (symbol
 * names), CET IBT/SHSTK and AArch64 BTI/PAC (the GNU property note), RPATH/RUNPATH, whether
 * the symbol table was stripped and whether debug information is present. README "Permissions
 * and hardening" says how each is decided. */
#include <gelf.h>   /* GElf_*, gelf_getshdr, gelf_getsym */
#include <stdio.h>  /* snprintf */
#include <string.h> /* strcmp, memmem, strnlen, memcmp */

#include "elf_internal.h"

static int64_t last_segment_of_type(const ss_image *im, uint32_t type)
{
    int64_t r = -1;
    for (size_t i = 0; i < im->nsegments; i++)
        if (im->segments[i].raw_type == type)
            r = (int64_t)i;
    return r;
}

static bool evidence_segment(ss_image *im, const char *key, int64_t g)
{
    if (g < 0)
        return true;
    ss_evidence e = ss_evidence_segment(im, (size_t)g);
    return ss_image_check_evidence(im, key, &e);
}

static const char *pf_str(unsigned f, char buf[4])
{
    buf[0] = (f & PF_R) ? 'R' : '-';
    buf[1] = (f & PF_W) ? 'W' : '-';
    buf[2] = (f & PF_X) ? 'E' : '-';
    buf[3] = '\0';
    return buf;
}

/* An object's .note.GNU-stack says what the linker will do with the stack; without one GNU ld
 * asks for an executable stack. The section name is the ELF convention itself. */
static bool object_stack(ss_image *im)
{
    ss_hval v = SS_HV_DEFAULT;
    int64_t at = -1;
    for (size_t i = 0; i < im->nsections; i++)
        if (strcmp(im->sections[i].name, ".note.GNU-stack") == 0) {
            v = (im->sections[i].raw_flags & SHF_EXECINSTR) ? SS_HV_YES : SS_HV_NO;
            at = (int64_t)i;
        }
    bool ok = v == SS_HV_DEFAULT
                  ? ss_image_check(im, "exec_stack", v, "no .note.GNU-stack section")
                  : ss_image_check(im, "exec_stack", v, ".note.GNU-stack (section %lld) %s SHF_EXECINSTR",
                                   (long long)at, v == SS_HV_YES ? "has" : "without");
    if (!ok || v == SS_HV_NO)
        return ok;
    bool yes = v == SS_HV_YES;
    ok = ss_image_check_finding(
        im, "exec_stack", yes ? "exec-stack" : "exec-stack-default", yes ? SS_SEV_ERROR : SS_SEV_WARNING,
        "%s", yes ? "the object asks for an executable stack (.note.GNU-stack is executable)"
                  : "the object has no .note.GNU-stack: GNU ld makes the stack of the program executable");
    for (size_t i = 0; ok && yes && i < im->nsections; i++)
        if (strcmp(im->sections[i].name, ".note.GNU-stack") == 0) {
            ss_evidence e = ss_evidence_section(im, i, false, 0);
            ok = ss_image_check_evidence(im, "exec_stack", &e);
        }
    return ok;
}

static bool linked_stack(ss_image *im, const ss_elf_facts *f)
{
    char b[4];
    int64_t g = last_segment_of_type(im, PT_GNU_STACK);
    ss_hval v = f->gnu_stack_flags < 0 ? SS_HV_DEFAULT
                : ((unsigned)f->gnu_stack_flags & PF_X) ? SS_HV_YES : SS_HV_NO;
    bool ok = v == SS_HV_DEFAULT
                  ? ss_image_check(im, "exec_stack", v, "no PT_GNU_STACK")
                  : ss_image_check(im, "exec_stack", v, "PT_GNU_STACK (segment %lld) flags %s",
                                   (long long)g, pf_str((unsigned)f->gnu_stack_flags, b));
    if (!ok || v == SS_HV_NO)
        return ok;
    bool yes = v == SS_HV_YES;
    return ss_image_check_finding(
               im, "exec_stack", yes ? "exec-stack" : "exec-stack-default",
               yes ? SS_SEV_ERROR : SS_SEV_WARNING, "%s",
               yes ? "the stack is executable (PT_GNU_STACK has PF_X)"
                   : "no PT_GNU_STACK: the platform decides whether the stack is executable (on "
                     "Linux it is, for x86 and most older ABIs)") &&
           evidence_segment(im, "exec_stack", g);
}

static bool relro(ss_image *im, const ss_elf_facts *f)
{
    int64_t g = last_segment_of_type(im, PT_GNU_RELRO);
    ss_hval v = !f->has_relro ? SS_HV_NONE : f->bind_now ? SS_HV_FULL : SS_HV_PARTIAL;
    bool ok = v == SS_HV_NONE      ? ss_image_check(im, "relro", v, "no PT_GNU_RELRO")
              : v == SS_HV_PARTIAL ? ss_image_check(im, "relro", v,
                                                    "PT_GNU_RELRO (segment %lld), no BIND_NOW",
                                                    (long long)g)
                                   : ss_image_check(im, "relro", v, "PT_GNU_RELRO (segment %lld) and %s",
                                                    (long long)g, f->bind_now_by);
    if (!ok || v == SS_HV_FULL)
        return ok;
    bool none = v == SS_HV_NONE;
    return ss_image_check_finding(
               im, "relro", none ? "relro-none" : "relro-partial", none ? SS_SEV_WARNING : SS_SEV_INFO,
               "%s", none ? "no PT_GNU_RELRO: relocated data (GOT, init arrays) stays writable"
                          : "partial RELRO: no BIND_NOW, so the PLT's GOT stays writable (link with -z now)") &&
           evidence_segment(im, "relro", g);
}

static bool pie(ss_image *im, const ss_elf_facts *f)
{
    if (f->e_type != ET_DYN)
        return ss_image_check(im, "pie", SS_HV_NO, "e_type %s",
                              f->e_type == ET_EXEC ? "ET_EXEC" : "not ET_DYN") &&
               ss_image_check_finding(im, "pie", "no-pie", SS_SEV_WARNING,
                                      "not a position-independent executable (ET_EXEC): loaded at "
                                      "a fixed address");
    /* A shared library is position-independent by nature, but no executable: n-a. */
    if (f->has_interp)
        return ss_image_check(im, "pie", SS_HV_YES, "ET_DYN with PT_INTERP");
    if (f->df1_pie) /* a PIE without an interpreter loads itself: static PIE */
        return ss_image_check(im, "pie", SS_HV_YES, "static PIE: ET_DYN with DT_FLAGS_1 PIE and no PT_INTERP");
    return true;
}

static bool textrel(ss_image *im, const ss_elf_facts *f)
{
    if (!f->has_dynamic)
        return true;
    if (!f->textrel)
        return ss_image_check(im, "textrel", SS_HV_NO, "PT_DYNAMIC without DT_TEXTREL or DF_TEXTREL");
    return ss_image_check(im, "textrel", SS_HV_YES, "%s", f->textrel_by) &&
           ss_image_check_finding(im, "textrel", "textrel", SS_SEV_WARNING,
                                  "text relocations (DT_TEXTREL): the loader writes into code pages");
}

/* lld and mold sign .comment ("Linker: LLD 14.0.6", "mold 1.10.1 (...)"); GNU ld writes nothing
 * there. .comment has no flag or type of its own: the name is all there is. Each byte is read
 * once: a .comment's bytes below the end of one already read are skipped. */
static ss_linker find_linker(const ss_image *im)
{
    uint64_t done = 0;
    for (size_t i = 0; i < im->nsections; i++) {
        const ss_section *s = &im->sections[i];
        ss_span b;
        if (s->alloc || strcmp(s->name, ".comment") != 0 || s->compression != SS_COMP_NONE ||
            !ss_span_sub(im->bytes, s->offset, s->file_size, &b) || s->offset + b.len <= done)
            continue;
        if (s->offset < done) {
            b.p += done - s->offset;
            b.len -= done - s->offset;
        }
        done = s->offset + s->file_size;
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

/* ---- NX as checksec reads it ----------------------------------------------------------- */

/* checksec: PT_GNU_STACK present and not executable -> NX enabled; no PT_GNU_STACK -> disabled
 * (the stack is then executable on x86 Linux). exec_stack's finding already covers "no". */
static bool nx(ss_image *im, const ss_elf_facts *f)
{
    char b[4];
    if (f->gnu_stack_flags < 0)
        return ss_image_check(im, "nx", SS_HV_NO, "no PT_GNU_STACK: the stack may be executable");
    bool x = (unsigned)f->gnu_stack_flags & PF_X;
    return ss_image_check(im, "nx", x ? SS_HV_NO : SS_HV_YES, "PT_GNU_STACK (segment %lld) flags %s",
                          (long long)last_segment_of_type(im, PT_GNU_STACK),
                          pf_str((unsigned)f->gnu_stack_flags, b));
}

/* ---- symbol names: stack protector and FORTIFY_SOURCE ------------------------------------ */

/* The functions glibc 2.36 fortifies: each has a __<name>_chk twin in libc.so.6 (the list
 * checksec reads from the machine's libc; fixed here so that the answer does not depend on the
 * machine segscan runs on). Sorted for bsearch. */
static const char *const FORTIFIABLE[] = {
    "asprintf", "confstr", "dprintf", "explicit_bzero", "fdelt", "fgets", "fgets_unlocked",
    "fgetws", "fgetws_unlocked", "fprintf", "fread", "fread_unlocked", "fwprintf", "getcwd",
    "getdomainname", "getgroups", "gethostname", "getlogin_r", "gets", "getwd", "longjmp",
    "mbsnrtowcs", "mbsrtowcs", "mbstowcs", "memcpy", "memmove", "mempcpy", "memset",
    "obstack_printf", "obstack_vprintf", "poll", "ppoll", "pread", "pread64", "printf",
    "ptsname_r", "read", "readlink", "readlinkat", "realpath", "recv", "recvfrom", "snprintf",
    "sprintf", "stpcpy", "stpncpy", "strcat", "strcpy", "strncat", "strncpy", "swprintf",
    "syslog", "ttyname_r", "vasprintf", "vdprintf", "vfprintf", "vfwprintf", "vprintf",
    "vsnprintf", "vsprintf", "vswprintf", "vsyslog", "vwprintf", "wcpcpy", "wcpncpy", "wcrtomb",
    "wcscat", "wcscpy", "wcsncat", "wcsncpy", "wcsnrtombs", "wcsrtombs", "wcstombs", "wctomb",
    "wmemcpy", "wmemmove", "wmempcpy", "wmemset", "wprintf",
};
#define NFORTIFIABLE (sizeof FORTIFIABLE / sizeof FORTIFIABLE[0])

/* Whether the n bytes at p are one of FORTIFIABLE. */
static bool fortifiable(const char *p, size_t n)
{
    size_t lo = 0, hi = NFORTIFIABLE;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        const char *m = FORTIFIABLE[mid];
        int c = strncmp(p, m, n);
        if (c == 0 && m[n] != '\0')
            c = -1; /* p is a proper prefix of m */
        if (c == 0)
            return true;
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return false;
}

typedef struct {
    bool tables;          /* a symbol table was read */
    const char *canary;   /* the stack-protector symbol found, or NULL */
    const char *canary_in;
    uint64_t fortified, unfortified; /* symbol entries, counted as checksec counts them */
    const char *fortified_eg, *unfortified_eg;
    const char *fortify_in;          /* the table fortify was counted in */
} symfacts;

/* Reads one symbol table (section idx): the stack-protector names in every entry; with
 * `fortify`, the fortified and fortifiable names among its imports (every entry when
 * imports_only is false). Names are compared in the mapped string table, never copied:
 * checksec's rule, leading underscores dropped ("__memcpy_chk" is memcpy fortified). */
static void scan_symbols(ss_image *im, Elf *elf, size_t idx, bool is64, bool fortify,
                         bool imports_only, symfacts *sf)
{
    Elf_Scn *scn = elf_getscn(elf, idx);
    GElf_Shdr sh;
    if (scn == NULL || gelf_getshdr(scn, &sh) == NULL)
        return;
    size_t symsz = is64 ? sizeof(Elf64_Sym) : sizeof(Elf32_Sym);
    if (sh.sh_entsize != symsz || sh.sh_link == 0 || sh.sh_link >= im->nsections ||
        im->sections[sh.sh_link].raw_type != SHT_STRTAB)
        return;
    ss_span strtab;
    if (!ss_span_sub(im->bytes, im->sections[sh.sh_link].offset, im->sections[sh.sh_link].file_size,
                     &strtab) || strtab.len == 0)
        return;
    Elf_Data *data = elf_getdata(scn, NULL);
    if (data == NULL)
        return;
    /* A name starting before the table's last NUL ends inside the table. */
    const uint8_t *last_nul = memrchr(strtab.p, 0, strtab.len);
    size_t names_end = last_nul ? (size_t)(last_nul - strtab.p) + 1 : 0;
    sf->tables = true;
    const char *table = im->sections[idx].name;
    size_t n = data->d_size / symsz;
    for (size_t i = 1; i < n; i++) {
        GElf_Sym sym;
        if (gelf_getsym(data, (int)i, &sym) == NULL)
            break;
        if (sym.st_name == 0 || sym.st_name >= names_end)
            continue;
        const char *name = (const char *)strtab.p + sym.st_name;
        if (name[0] != '_' && !fortify)
            continue;
        if (sf->canary == NULL && name[0] == '_' &&
            (strncmp(name, "__stack_chk_fail", 16) == 0 || strncmp(name, "__stack_chk_guard", 17) == 0 ||
             strcmp(name, "__intel_security_cookie") == 0)) {
            sf->canary = name;
            sf->canary_in = table;
        }
        if (!fortify || (imports_only && sym.st_shndx != SHN_UNDEF))
            continue;
        const char *p = name;
        while (*p == '_')
            p++;
        size_t len = strlen(p);
        if (len > 4 && memcmp(p + len - 4, "_chk", 4) == 0 && fortifiable(p, len - 4)) {
            if (sf->fortified++ == 0)
                sf->fortified_eg = name;
        } else if (fortifiable(p, len)) {
            if (sf->unfortified++ == 0)
                sf->unfortified_eg = name;
        }
    }
    if (fortify)
        sf->fortify_in = table;
}

static int64_t section_of_type(const ss_image *im, uint32_t type)
{
    for (size_t i = 1; i < im->nsections; i++)
        if (im->sections[i].raw_type == type)
            return (int64_t)i;
    return -1;
}

static bool symbol_checks(ss_image *im, Elf *elf, const ss_elf_facts *f, bool linked)
{
    symfacts sf = {0};
    int64_t dyn = section_of_type(im, SHT_DYNSYM), sym = section_of_type(im, SHT_SYMTAB);
    /* FORTIFY counts imports: of .dynsym when the image links against libraries (what checksec
     * reads), of .symtab in an object; a static executable (static PIE included: its .dynsym
     * imports nothing) counts every entry of .symtab, the functions linked in. */
    bool is_static = linked && im->type == SS_TYPE_EXECUTABLE && !f->has_interp;
    bool dyn_fortify = dyn >= 0 && !is_static;
    if (dyn >= 0)
        scan_symbols(im, elf, (size_t)dyn, f->is64, dyn_fortify, true, &sf);
    if (sym >= 0 && (sf.canary == NULL || !dyn_fortify))
        scan_symbols(im, elf, (size_t)sym, f->is64, !dyn_fortify, im->type == SS_TYPE_RELOCATABLE, &sf);
    if (!dyn_fortify && sym < 0)
        sf.fortify_in = NULL; /* nothing counted: a stripped static executable */

    bool ok;
    if (!sf.tables)
        ok = ss_image_check(im, "canary", SS_HV_UNKNOWN, "no symbol table to read");
    else if (sf.canary)
        ok = ss_image_check(im, "canary", SS_HV_YES, "%s in %s", sf.canary, sf.canary_in);
    else
        ok = ss_image_check(im, "canary", SS_HV_NO,
                            "no __stack_chk_fail, __stack_chk_guard or __intel_security_cookie in %s%s%s",
                            dyn >= 0 ? im->sections[dyn].name : "",
                            dyn >= 0 && sym >= 0 ? " or " : "", sym >= 0 ? im->sections[sym].name : "");
    if (ok && linked && sf.tables && sf.canary == NULL)
        ok = ss_image_check_finding(im, "canary", "no-canary", SS_SEV_INFO,
                                    "no stack protector: no __stack_chk_fail or __stack_chk_guard "
                                    "(built without -fstack-protector, or no function needed one)");
    if (!ok)
        return false;

    uint64_t total = sf.fortified + sf.unfortified;
    const char *in = sf.fortify_in ? sf.fortify_in : "";
    if (!sf.tables || sf.fortify_in == NULL)
        ok = ss_image_check(im, "fortify", SS_HV_UNKNOWN, "no symbol table to count calls in");
    else if (total == 0)
        ok = ss_image_check(im, "fortify", SS_HV_NA, "no fortifiable function used (%s)", in);
    else if (sf.fortified == 0)
        ok = ss_image_check(im, "fortify", SS_HV_NO, "0 of %llu fortifiable calls fortified in %s (e.g. %s)",
                            (unsigned long long)total, in, sf.unfortified_eg);
    else
        ok = ss_image_check(im, "fortify", sf.unfortified ? SS_HV_PARTIAL : SS_HV_YES,
                            "%llu of %llu fortifiable calls fortified in %s (e.g. %s%s%s)",
                            (unsigned long long)sf.fortified, (unsigned long long)total, in,
                            sf.fortified_eg, sf.unfortified ? "; unfortified: " : "",
                            sf.unfortified ? sf.unfortified_eg : "");
    if (ok && linked && sf.fortify_in && total && sf.fortified == 0)
        ok = ss_image_check_finding(im, "fortify", "no-fortify", SS_SEV_INFO,
                                    "%llu fortifiable calls, none fortified (build with "
                                    "-D_FORTIFY_SOURCE=2 and optimisation)",
                                    (unsigned long long)total);
    return ok;
}

/* ---- GNU property note: CET IBT/SHSTK, AArch64 BTI/PAC ----------------------------------- */

#define NT_GNU_PROPERTY_TYPE_0_ 5u
#define GNU_PROPERTY_AARCH64_FEATURE_1_AND_ 0xc0000000u
#define GNU_PROPERTY_X86_FEATURE_1_AND_ 0xc0000002u
#ifndef PT_GNU_PROPERTY
#define PT_GNU_PROPERTY 0x6474e553u
#endif

typedef struct {
    bool found;       /* a FEATURE_1_AND property for this machine */
    uint32_t bits;
    const char *where;
} propfacts;

/* Walks the notes in b (align: 4 or 8, the note's alignment) for NT_GNU_PROPERTY_TYPE_0 and the
 * FEATURE_1_AND property of type want. Every read is through a bounded cursor. */
static void scan_notes(ss_span b, size_t align, bool be, uint32_t want, const char *where, propfacts *pf)
{
    size_t pos = 0;
    while (pos + 12 <= b.len) {
        ss_cursor c = ss_cursor_at(b, pos, be);
        uint32_t namesz = ss_u32(&c), descsz = ss_u32(&c), type = ss_u32(&c);
        /* Name and descriptor each start at the next multiple of the alignment (the note
         * header is 12 bytes: with 8-byte alignment "GNU\0" ends exactly at 16). */
        size_t name_at = pos + 12;
        uint64_t mask = (uint64_t)align - 1;
        uint64_t desc_at = ((uint64_t)name_at + namesz + mask) & ~mask;
        uint64_t next = (desc_at + descsz + mask) & ~mask;
        if (c.failed || desc_at > b.len || descsz > b.len - desc_at)
            return;
        if (type == NT_GNU_PROPERTY_TYPE_0_ && namesz == 4 && memcmp(b.p + name_at, "GNU", 4) == 0) {
            ss_span d = {b.p + desc_at, descsz};
            size_t at = 0;
            while (at + 8 <= d.len) {
                ss_cursor pc = ss_cursor_at(d, at, be);
                uint32_t pr_type = ss_u32(&pc), pr_datasz = ss_u32(&pc);
                if (pc.failed || pr_datasz > d.len - at - 8)
                    break;
                if (pr_type == want && pr_datasz >= 4) {
                    pf->found = true;
                    pf->bits |= ss_u32(&pc);
                    pf->where = where;
                }
                at += 8 + (((size_t)pr_datasz + align - 1) & ~(align - 1));
            }
        }
        if (next <= pos || next > b.len)
            return;
        pos = (size_t)next;
    }
}

static bool property_checks(ss_image *im, const ss_elf_facts *f)
{
    bool x86 = f->e_machine == EM_X86_64 || f->e_machine == EM_386;
    bool arm = f->e_machine == EM_AARCH64;
    if (!x86 && !arm)
        return true;
    uint32_t want = x86 ? GNU_PROPERTY_X86_FEATURE_1_AND_ : GNU_PROPERTY_AARCH64_FEATURE_1_AND_;
    size_t align = f->is64 ? 8 : 4;
    propfacts pf = {0};
    for (size_t i = 1; i < im->nsections; i++) {
        const ss_section *s = &im->sections[i];
        ss_span b;
        if (s->raw_type == SHT_NOTE && s->compression == SS_COMP_NONE &&
            ss_span_sub(im->bytes, s->offset, s->file_size, &b))
            scan_notes(b, s->align == 8 ? 8 : 4, f->be, want, s->name, &pf);
    }
    if (im->nsections <= 1) /* no section headers: the segment the loader reads */
        for (size_t i = 0; i < im->nsegments; i++) {
            const ss_segment *g = &im->segments[i];
            ss_span b;
            if (g->raw_type == PT_GNU_PROPERTY && ss_span_sub(im->bytes, g->offset, g->file_size, &b))
                scan_notes(b, align, f->be, want, "PT_GNU_PROPERTY", &pf);
        }
    const char *k1 = x86 ? "ibt" : "bti", *k2 = x86 ? "shstk" : "pac";
    const char *n1 = x86 ? "IBT" : "BTI", *n2 = x86 ? "SHSTK" : "PAC";
    const char *prop = x86 ? "X86_FEATURE_1_AND" : "AARCH64_FEATURE_1_AND";
    bool linked = im->type != SS_TYPE_RELOCATABLE;
    for (int k = 0; k < 2; k++) {
        const char *key = k ? k2 : k1, *nm = k ? n2 : n1;
        bool on = pf.bits & (k ? 2u : 1u);
        bool ok = pf.found ? ss_image_check(im, key, on ? SS_HV_YES : SS_HV_NO,
                                            "GNU property note (%s) %s 0x%x: %s %s", pf.where, prop,
                                            pf.bits, on ? "with" : "without", nm)
                           : ss_image_check(im, key, SS_HV_NO, "no GNU property note with %s", prop);
        if (ok && !on && linked)
            ok = ss_image_check_finding(
                im, key, k ? (x86 ? "no-shstk" : "no-pac") : (x86 ? "no-ibt" : "no-bti"), SS_SEV_INFO,
                "%s", x86 ? (k ? "no CET shadow stack (SHSTK) in the GNU property note (-fcf-protection=full)"
                               : "no CET indirect branch tracking (IBT) in the GNU property note "
                                 "(-fcf-protection=full)")
                          : (k ? "no pointer authentication (PAC) in the GNU property note "
                                 "(-mbranch-protection=standard)"
                               : "no branch target identification (BTI) in the GNU property note "
                                 "(-mbranch-protection=standard)"));
        if (!ok)
            return false;
    }
    return true;
}

/* ---- RPATH / RUNPATH ------------------------------------------------------------------- */

#define PATH_SHOWN 1024

/* The string at offset off of the dynamic string table (DT_STRTAB, a virtual address mapped
 * through the loadable segments), at most PATH_SHOWN bytes; NULL when it is not in the file. */
static const char *dynstr(ss_image *im, const ss_elf_facts *f, uint64_t off, bool *cut)
{
    *cut = false;
    if (!f->has_strtab)
        return NULL;
    for (size_t i = 0; i < im->nsegments; i++) {
        const ss_segment *g = &im->segments[i];
        if (!g->loadable || f->strtab < g->vaddr || f->strtab - g->vaddr >= g->file_size)
            continue;
        uint64_t delta = f->strtab - g->vaddr, avail = g->file_size - delta;
        if (f->strsz && f->strsz < avail)
            avail = f->strsz;
        if (off >= avail)
            return NULL;
        ss_span b;
        if (!ss_span_sub(im->bytes, g->offset + delta + off, avail - off, &b))
            return NULL;
        size_t n = strnlen((const char *)b.p, b.len < PATH_SHOWN ? b.len : PATH_SHOWN);
        *cut = n == PATH_SHOWN || n == b.len;
        return ss_image_name(im, (const char *)b.p, n);
    }
    return NULL;
}

static bool path_check(ss_image *im, const ss_elf_facts *f, const char *key, const char *tag,
                       bool has, uint64_t off)
{
    if (!has)
        return ss_image_check(im, key, SS_HV_NO, "no %s", tag);
    bool cut;
    const char *v = dynstr(im, f, off, &cut);
    if (v == NULL)
        return ss_image_check(im, key, SS_HV_YES, "%s (its string is not in the file)", tag);
    /* Each ':' entry: $ORIGIN (relative to the binary), absolute, or relative to the working
     * directory (an empty entry is the working directory itself): a writable-looking path. */
    bool origin = false, relative = false;
    const char *rel = NULL;
    for (const char *e = v;; ) {
        const char *end = strchr(e, ':');
        size_t n = end ? (size_t)(end - e) : strlen(e);
        if (n >= 7 && (memcmp(e, "$ORIGIN", 7) == 0 || (n >= 9 && memcmp(e, "${ORIGIN}", 9) == 0)))
            origin = true;
        else if (n == 0 || e[0] != '/') {
            relative = true;
            if (rel == NULL)
                rel = n == 0 ? "an empty entry (the working directory)" : "a relative entry";
        }
        if (end == NULL)
            break;
        e = end + 1;
    }
    char why[96];
    snprintf(why, sizeof why, "%s%s%s", origin ? "; $ORIGIN" : "", relative ? "; " : "",
             relative ? rel : "");
    if (!ss_image_check(im, key, SS_HV_YES, "%s \"%s\"%s%s", tag, v, cut ? " (cut)" : "", why))
        return false;
    if (relative)
        return ss_image_check_finding(im, key, key, SS_SEV_WARNING,
                                      "%s \"%s\" holds %s: libraries are searched relative to the "
                                      "working directory", tag, v, rel);
    return ss_image_check_finding(im, key, key, SS_SEV_INFO, "%s \"%s\"%s", tag, v,
                                  strcmp(key, "rpath") == 0
                                      ? ": searched before LD_LIBRARY_PATH (DT_RUNPATH is not)"
                                      : ": libraries are searched there first");
}

/* ---- symbols stripped, debug information ------------------------------------------------ */

static bool strip_checks(ss_image *im, const ss_elf_facts *f)
{
    int64_t sym = section_of_type(im, SHT_SYMTAB);
    bool ok = sym < 0 ? ss_image_check(im, "stripped", SS_HV_YES, "no SHT_SYMTAB section")
                      : ss_image_check(im, "stripped", SS_HV_NO, "SHT_SYMTAB %s (section %lld, %llu entries)",
                                       im->sections[sym].name, (long long)sym,
                                       (unsigned long long)(im->sections[sym].file_size /
                                                            (f->is64 ? sizeof(Elf64_Sym) : sizeof(Elf32_Sym))));
    if (!ok)
        return false;
    size_t n = 0, first = 0;
    int64_t link = -1;
    for (size_t i = 1; i < im->nsections; i++) {
        if (im->sections[i].kind == SS_KIND_DEBUG && n++ == 0)
            first = i;
        if (strcmp(im->sections[i].name, ".gnu_debuglink") == 0)
            link = (int64_t)i;
    }
    if (n)
        return ss_image_check(im, "debug_info", SS_HV_YES, "%zu debug section%s (%s, ...)", n,
                              n == 1 ? "" : "s", im->sections[first].name);
    return ss_image_check(im, "debug_info", SS_HV_NO, "no .debug*, .zdebug* or .stab* section%s",
                          link >= 0 ? "; .gnu_debuglink names a separate debug file" : "");
}

bool ss_elf_harden(ss_image *im, Elf *elf, const ss_elf_facts *f, bool checks)
{
    im->format_label = "ELF";
    im->object_linker = SS_LINKER_GNU;
    im->linker = im->type == SS_TYPE_RELOCATABLE ? SS_LINKER_NONE : find_linker(im);
    if (im->type == SS_TYPE_CORE || !checks)
        return true;
    bool linked = im->type != SS_TYPE_RELOCATABLE;
    if (!(linked ? linked_stack(im, f) && relro(im, f) && pie(im, f) && nx(im, f) && textrel(im, f)
                 : object_stack(im)))
        return false;
    if (!symbol_checks(im, elf, f, linked) || !property_checks(im, f) || !strip_checks(im, f))
        return false;
    if (!linked)
        return true;
    if (!f->has_dynamic) /* nothing is loaded at run time: no search path */
        return ss_image_check(im, "rpath", SS_HV_NO, "no PT_DYNAMIC") &&
               ss_image_check(im, "runpath", SS_HV_NO, "no PT_DYNAMIC");
    return path_check(im, f, "rpath", "DT_RPATH", f->has_rpath, f->rpath) &&
           path_check(im, f, "runpath", "DT_RUNPATH", f->has_runpath, f->runpath);
}
