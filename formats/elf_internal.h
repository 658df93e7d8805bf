/* elf_internal.h - pieces of the ELF reader split into their own files. */
#ifndef SS_ELF_INTERNAL_H
#define SS_ELF_INTERNAL_H

#include <libelf.h> /* Elf */

#include "../core/image.h"

/* Reads the relocation tables, each walked once for both outputs: the places written (places:
 * static ones, section-relative, in relocatable files; dynamic ones, virtual addresses of REL,
 * RELA and RELR, in linked images) and the references into read-only data (refs: ss_ref from the
 * dynamic relocations' RELATIVE, absolute and GLOB_DAT pointers of x86-64, AArch64, i386 and
 * ARM and RELR, their (pointer, length) pairs, and the address loads of code, formats/refs.h;
 * in relocatable objects the section + offset targets of the static relocations: pointers,
 * absolute fields, x86 PC-relative displacements, AArch64 adrp/add low parts, and the pairs
 * among the pointers). Sections must already be in im->sections. References that do not fit
 * stop with a warning; places that do not fit fail. */
ss_status ss_elf_read_relocs(ss_image *im, Elf *elf, bool is64, size_t shnum, bool places,
                             bool refs, ss_diag *d);

/* What the headers and the dynamic section say about hardening, as the format states it (the
 * reader's own: nothing outside formats/elf*.c sees it). */
typedef struct {
    bool is64, be;
    uint16_t e_type;
    uint16_t e_machine;
    bool has_interp, has_dynamic;
    bool bind_now;        /* DT_BIND_NOW, DF_BIND_NOW or DF_1_NOW */
    const char *bind_now_by; /* which of them said so first */
    bool df1_pie, textrel;
    const char *textrel_by;  /* DT_TEXTREL or DF_TEXTREL */
    int gnu_stack_flags;  /* p_flags of the last PT_GNU_STACK, -1 when there is none */
    bool has_relro;
    uint64_t relro_vaddr, relro_size;
    /* DT_RPATH / DT_RUNPATH: offsets into the dynamic string table (DT_STRTAB, DT_STRSZ). */
    bool has_rpath, has_runpath, has_strtab;
    uint64_t rpath, runpath, strtab, strsz;
} ss_elf_facts;

/* Sets the image's hardening checks, findings, linker and format label from the facts and the
 * sections read (call after the sections, before ss_image_finish). False only on OOM. */
bool ss_elf_harden(ss_image *im, Elf *elf, const ss_elf_facts *f, bool checks);

#endif
