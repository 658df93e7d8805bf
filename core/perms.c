/* perms.c - permissions and hardening properties, each yes / no / n-a (never absent).
 *
 * The facts come from segment and section permissions and from ss_props, which keeps each
 * format's raw header bits; the flag values below are the formats' published constants. */

#include <string.h> /* memset, strcmp */

#include "analysis.h"

/* PE Characteristics and DllCharacteristics. */
#define PE_FILE_RELOCS_STRIPPED 0x0001u
#define PE_DLL_HIGH_ENTROPY_VA 0x0020u
#define PE_DLL_DYNAMIC_BASE 0x0040u
#define PE_DLL_NX_COMPAT 0x0100u
#define PE_MAGIC_PE32PLUS 0x20bu
/* Mach-O header flags and file types. */
#define MH_OBJECT 0x1u
#define MH_EXECUTE 0x2u
#define MH_PIE 0x200000u
#define MH_ALLOW_STACK_EXECUTION 0x20000u
#define MH_NO_HEAP_EXECUTION 0x1000000u
/* ELF PF_X. */
#define ELF_PF_X 0x1u

static bool wx(uint8_t perms)
{
    return (perms & (SS_PERM_W | SS_PERM_X)) == (SS_PERM_W | SS_PERM_X);
}

static bool linked(const ss_image *im)
{
    return im->type != SS_TYPE_RELOCATABLE && im->type != SS_TYPE_CORE;
}

static bool elf_dyn(const ss_image *im)
{
    return im->props.elf_type == 3; /* ET_DYN */
}

static bool macho_object(const ss_image *im)
{
    return im->format == SS_FORMAT_MACHO && im->props.macho_filetype == MH_OBJECT;
}

/* A PE image (not a COFF object): it has an optional header. */
static bool pe_image(const ss_image *im)
{
    return im->format == SS_FORMAT_PE && im->props.pe_magic != 0;
}

void ss_perms_analyze(const ss_image *im, ss_perms_result *out)
{
    const ss_props *p = &im->props;
    memset(out, 0, sizeof *out); /* SS_PV_NA everywhere */

    /* W+X segments: loadable ones; an MH_OBJECT's one segment is no program layout. */
    bool any_seg = false, wx_seg = false;
    for (size_t i = 0; i < im->nsegments; i++) {
        const ss_segment *g = &im->segments[i];
        if (!g->loadable)
            continue;
        any_seg = true;
        wx_seg |= wx(g->perms);
    }
    if (any_seg && !macho_object(im) && im->type != SS_TYPE_CORE)
        out->wx_segments = wx_seg ? SS_PV_YES : SS_PV_NO;

    bool any_sec = false, wx_sec = false;
    for (size_t i = 0; i < im->nsections; i++) {
        const ss_section *s = &im->sections[i];
        if (!s->alloc)
            continue;
        any_sec = true;
        wx_sec |= wx(s->perms);
    }
    if (any_sec && im->type != SS_TYPE_CORE)
        out->wx_sections = wx_sec ? SS_PV_YES : SS_PV_NO;

    /* Read-only data in an executable segment. */
    if (any_seg && linked(im)) {
        out->rodata_exec = SS_PV_NO;
        for (size_t i = 0; i < im->nsections; i++) {
            const ss_section *s = &im->sections[i];
            if (s->alloc && s->kind == SS_KIND_RODATA && s->vm_size && s->segment >= 0 &&
                (size_t)s->segment < im->nsegments && (im->segments[s->segment].perms & SS_PERM_X))
                out->rodata_exec = SS_PV_YES;
        }
    }

    switch (im->format) {
    case SS_FORMAT_ELF:
        if (im->type == SS_TYPE_RELOCATABLE) {
            /* The object's .note.GNU-stack says what the linker will do; without it GNU ld
             * asks for an executable stack. The name is the ELF convention itself. */
            out->exec_stack = SS_PV_DEFAULT;
            for (size_t i = 0; i < im->nsections; i++)
                if (strcmp(im->sections[i].name, ".note.GNU-stack") == 0)
                    out->exec_stack = (im->sections[i].raw_flags & 0x4u /* SHF_EXECINSTR */)
                                          ? SS_PV_YES : SS_PV_NO;
        } else if (im->type != SS_TYPE_CORE) {
            out->exec_stack = p->elf_gnu_stack_flags < 0 ? SS_PV_DEFAULT
                              : ((unsigned)p->elf_gnu_stack_flags & ELF_PF_X) ? SS_PV_YES
                                                                               : SS_PV_NO;
            out->relro = !p->elf_has_relro ? SS_PV_NONE : p->elf_bind_now ? SS_PV_FULL : SS_PV_PARTIAL;
            if (!elf_dyn(im))
                out->pie = SS_PV_NO;
            else if (p->elf_has_interp || p->elf_df1_pie)
                out->pie = SS_PV_YES;
            if (p->elf_has_dynamic)
                out->textrel = p->elf_textrel ? SS_PV_YES : SS_PV_NO;
        }
        break;
    case SS_FORMAT_PE:
        if (pe_image(im)) {
            uint16_t dc = p->pe_dll_characteristics;
            bool aslr = (dc & PE_DLL_DYNAMIC_BASE) && !(p->pe_characteristics & PE_FILE_RELOCS_STRIPPED);
            if (p->pe_magic == PE_MAGIC_PE32PLUS)
                aslr = aslr && (dc & PE_DLL_HIGH_ENTROPY_VA);
            out->pie = aslr ? SS_PV_YES : SS_PV_NO;
            out->nx = (dc & PE_DLL_NX_COMPAT) ? SS_PV_YES : SS_PV_NO;
            out->exec_stack = (dc & PE_DLL_NX_COMPAT) ? SS_PV_NO : SS_PV_YES;
        }
        break;
    case SS_FORMAT_MACHO:
        if (p->macho_filetype == MH_EXECUTE) {
            out->pie = (p->macho_flags & MH_PIE) ? SS_PV_YES : SS_PV_NO;
            out->exec_stack = (p->macho_flags & MH_ALLOW_STACK_EXECUTION) ? SS_PV_YES : SS_PV_NO;
            out->nx = (p->macho_flags & MH_NO_HEAP_EXECUTION) ? SS_PV_YES : SS_PV_NO;
        }
        break;
    }
}
