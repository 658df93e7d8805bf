/* pe_internal.h - state shared by the PE/COFF reader's files (internal to formats/pe*.c).
 *
 * pe.c reads the headers, the section table and the data directories and fills the model;
 * pe_coff.c reads the COFF symbol table, the string table and both kinds of relocations;
 * pe_names.c maps numbers (machines, relocation types) to names and sizes. Every field here was
 * range-checked by pe.c before it was stored, except where a comment says otherwise. */
#ifndef SS_PE_INTERNAL_H
#define SS_PE_INTERNAL_H

#include <stdbool.h> /* bool */
#include <stdint.h>  /* uint32_t */

#include "reader.h"

/* IMAGE_SCN_* section characteristics used by the reader. */
enum {
    PE_SCN_CNT_CODE = 0x00000020,
    PE_SCN_CNT_INITIALIZED_DATA = 0x00000040,
    PE_SCN_CNT_UNINITIALIZED_DATA = 0x00000080,
    PE_SCN_LNK_INFO = 0x00000200,
    PE_SCN_LNK_REMOVE = 0x00000800,
    PE_SCN_ALIGN_MASK = 0x00F00000,
    PE_SCN_LNK_NRELOC_OVFL = 0x01000000,
    PE_SCN_MEM_DISCARDABLE = 0x02000000,
    PE_SCN_MEM_EXECUTE = 0x20000000,
    PE_SCN_MEM_READ = 0x40000000,
    PE_SCN_MEM_WRITE = 0x80000000u,
};

/* Data directory indices. */
enum {
    PE_DIR_EXPORT = 0,
    PE_DIR_IMPORT = 1,
    PE_DIR_RESOURCE = 2,
    PE_DIR_EXCEPTION = 3,
    PE_DIR_SECURITY = 4, /* its "address" is a file offset, not an RVA */
    PE_DIR_BASERELOC = 5,
    PE_DIR_DEBUG = 6,
    PE_DIR_TLS = 9,
    PE_DIR_LOAD_CONFIG = 10,
    PE_NDIRS = 16
};

#define PE_SHDR_SIZE 40u
#define PE_SYM_SIZE 18u        /* IMAGE_SYMBOL */
#define PE_SYM_SIZE_BIGOBJ 20u /* IMAGE_SYMBOL_EX: 32-bit section numbers */
#define PE_RELOC_SIZE 10u

/* One section header as stored (name already resolved). */
typedef struct {
    const char *name;
    uint32_t vsize, va, rawsize, rawptr, relptr, lineptr;
    uint16_t nrel, nline;
    uint32_t chars;
    uint64_t hdr_off; /* where the header sits, for messages */
} pe_shdr;

typedef struct {
    ss_image *im;
    ss_span b;          /* == im->bytes */
    bool is_image;      /* MZ + PE image; false for COFF objects */
    bool bigobj;        /* ANON_OBJECT_HEADER_BIGOBJ object */
    uint16_t machine;
    uint32_t nsec;
    pe_shdr *sh;        /* nsec headers */
    uint32_t symptr, nsym; /* symtab checked to fit when has_symtab */
    bool has_symtab;
    unsigned symsize;   /* PE_SYM_SIZE or PE_SYM_SIZE_BIGOBJ */
    uint64_t strtab_off, strtab_size; /* strtab_size 0: none; else [off, off+size) fits */
    uint64_t image_base;
    uint32_t sect_align;
    struct {
        uint32_t rva, size;
    } dir[PE_NDIRS];    /* unchecked values; directories past NumberOfRvaAndSizes are zero */
    uint32_t ndirs;
} pe_ctx;

/* pe_names.c */
/* Machine name for a known IMAGE_FILE_MACHINE value, NULL otherwise. */
const char *pe_machine_name(uint16_t machine);
/* Natural pointer width in bits of a known machine (for COFF objects, which have no magic). */
unsigned pe_machine_bits(uint16_t machine);
/* Bytes written by a COFF object relocation of this type; 0 for no-op (ABSOLUTE) types. */
uint32_t pe_coff_reloc_size(uint16_t machine, uint16_t type);
/* Bytes written by a base relocation of this type; 0 for ABSOLUTE (padding) entries. */
uint32_t pe_base_reloc_size(unsigned type, unsigned ptr_bytes);

/* pe_coff.c */
/* Locates the string table after the symbol table (sets strtab_*); warns when it is damaged. */
void pe_find_strtab(pe_ctx *c);
/* Resolves a raw 8-byte section name ("/123" or "//BASE64" through the string table). */
const char *pe_section_name(pe_ctx *c, const uint8_t raw[8], uint64_t hdr_off);
/* Reads the COFF symbol table into im->symbols. */
ss_status pe_read_symbols(pe_ctx *c, ss_diag *d);
/* Adds a "[Relocations]" region for each section's COFF relocation table and, when record is
 * set, each relocation (objects) to im->relocs. */
ss_status pe_object_relocs(pe_ctx *c, bool record, ss_diag *d);
/* Reads the base relocation blocks of an image into im->relocs. */
ss_status pe_read_base_relocs(pe_ctx *c, ss_diag *d);
/* Adds the references into literal sections (formats/refs.h) that the base relocations state
 * (the address stored at each pointer-sized site), their (pointer, length) pairs, and the code
 * address loads of an x86-64 or ARM64 image. Past the memory the image may use, the references
 * stop with a warning and the image still loads; fails only when the first allocation does. */
ss_status pe_read_refs(pe_ctx *c, ss_diag *d);
/* File offset of an RVA inside some section's raw data, with the bytes available from there
 * inside that section (clipped to the file); false when no section holds it in the file. */
bool pe_rva_to_off(const pe_ctx *c, uint32_t rva, uint64_t *off, uint64_t *avail);

/* pe_harden.c */
/* The header facts the hardening checks read. */
typedef struct {
    bool is_image; /* false: a COFF object */
    uint16_t magic, characteristics, dll_characteristics;
} pe_harden_in;
/* Sets im's hardening checks, their findings, the linker and the format label. False on OOM. */
bool pe_harden(ss_image *im, const pe_harden_in *in);

/* pe_security.c */
/* Sets the image's checks aslr, high_entropy_va, cfg, safeseh, gs, force_integrity,
 * appcontainer, cet_compat and signed from the headers, the load config, the debug directory
 * and the certificate table (nothing for COFF objects). Damage is a warning and a value of
 * "unknown" or "no"; false only when out of memory. */
bool pe_security_checks(pe_ctx *c, uint16_t magic, uint16_t characteristics,
                        uint16_t dll_characteristics);

#endif
