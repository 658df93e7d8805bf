/* elf_internal.h - pieces of the ELF reader split into their own files. */
#ifndef SS_ELF_INTERNAL_H
#define SS_ELF_INTERNAL_H

#include <libelf.h> /* Elf */

#include "../core/image.h"

/* Adds the places written by relocations: static ones (section-relative) in relocatable files,
 * dynamic ones (virtual addresses: REL, RELA and RELR) in linked images. Sections must already
 * be in im->sections. */
ss_status ss_elf_read_relocs(ss_image *im, Elf *elf, bool is64, size_t shnum, ss_diag *d);

#endif
