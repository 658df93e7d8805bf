/* macho.h - Mach-O constants and the pieces shared by macho.c, macho_fixups.c and fat.c
 * (internal to formats/; nothing outside formats/ knows these structs).
 *
 * Values are those of Apple's <mach-o/loader.h>, <mach-o/nlist.h>, <mach-o/reloc.h>,
 * <mach-o/fat.h> and <mach-o/fixup-chains.h>, which this machine does not have. */
#ifndef SS_MACHO_H
#define SS_MACHO_H

#include <stdbool.h> /* bool */
#include <stddef.h>  /* size_t */
#include <stdint.h>  /* uint32_t */

#include "reader.h"

/* mach_header magic as read little-endian from the first four bytes. */
#define MH_MAGIC 0xfeedfaceu
#define MH_CIGAM 0xcefaedfeu
#define MH_MAGIC_64 0xfeedfacfu
#define MH_CIGAM_64 0xcffaedfeu
/* fat_header magic, always stored big-endian. */
#define FAT_MAGIC 0xcafebabeu
#define FAT_MAGIC_64 0xcafebabfu

#define CPU_ARCH_ABI64 0x01000000u
#define CPU_ARCH_ABI64_32 0x02000000u
#define CPU_TYPE_X86 7u
#define CPU_TYPE_X86_64 (CPU_TYPE_X86 | CPU_ARCH_ABI64)
#define CPU_TYPE_ARM 12u
#define CPU_TYPE_ARM64 (CPU_TYPE_ARM | CPU_ARCH_ABI64)
#define CPU_TYPE_ARM64_32 (CPU_TYPE_ARM | CPU_ARCH_ABI64_32)
#define CPU_TYPE_POWERPC 18u
#define CPU_TYPE_POWERPC64 (CPU_TYPE_POWERPC | CPU_ARCH_ABI64)
#define CPU_SUBTYPE_MASK 0xff000000u
#define CPU_SUBTYPE_ARM64E 2u

/* Filetypes. */
#define MH_OBJECT 0x1u
#define MH_EXECUTE 0x2u
#define MH_FVMLIB 0x3u
#define MH_CORE 0x4u
#define MH_PRELOAD 0x5u
#define MH_DYLIB 0x6u
#define MH_DYLINKER 0x7u
#define MH_BUNDLE 0x8u
#define MH_DYLIB_STUB 0x9u
#define MH_DSYM 0xau
#define MH_KEXT_BUNDLE 0xbu
#define MH_FILESET 0xcu

/* Load commands. */
#define LC_REQ_DYLD 0x80000000u
#define LC_SEGMENT 0x1u
#define LC_SYMTAB 0x2u
#define LC_THREAD 0x4u
#define LC_UNIXTHREAD 0x5u
#define LC_DYSYMTAB 0xbu
#define LC_UUID 0x1bu
#define LC_TWOLEVEL_HINTS 0x16u
#define LC_SEGMENT_64 0x19u
#define LC_CODE_SIGNATURE 0x1du
#define LC_ENCRYPTION_INFO 0x21u
#define LC_ENCRYPTION_INFO_64 0x2cu
#define LC_SEGMENT_SPLIT_INFO 0x1eu
#define LC_DYLD_INFO 0x22u
#define LC_DYLD_INFO_ONLY (0x22u | LC_REQ_DYLD)
#define LC_FUNCTION_STARTS 0x26u
#define LC_MAIN (0x28u | LC_REQ_DYLD)
#define LC_DATA_IN_CODE 0x29u
#define LC_DYLIB_CODE_SIGN_DRS 0x2bu
#define LC_LINKER_OPTIMIZATION_HINT 0x2eu
#define LC_DYLD_EXPORTS_TRIE (0x33u | LC_REQ_DYLD)
#define LC_DYLD_CHAINED_FIXUPS (0x34u | LC_REQ_DYLD)
#define LC_ATOM_INFO 0x36u

/* Segment flags. */
#define SG_READ_ONLY 0x10u /* dyld makes the segment read-only once fixups are applied */

/* Section type (low byte of flags) and attributes. */
#define SECTION_TYPE 0x000000ffu
#define S_REGULAR 0x0u
#define S_ZEROFILL 0x1u
#define S_CSTRING_LITERALS 0x2u
#define S_4BYTE_LITERALS 0x3u
#define S_8BYTE_LITERALS 0x4u
#define S_LITERAL_POINTERS 0x5u
#define S_NON_LAZY_SYMBOL_POINTERS 0x6u
#define S_LAZY_SYMBOL_POINTERS 0x7u
#define S_SYMBOL_STUBS 0x8u
#define S_MOD_INIT_FUNC_POINTERS 0x9u
#define S_MOD_TERM_FUNC_POINTERS 0xau
#define S_COALESCED 0xbu
#define S_GB_ZEROFILL 0xcu
#define S_INTERPOSING 0xdu
#define S_16BYTE_LITERALS 0xeu
#define S_DTRACE_DOF 0xfu
#define S_LAZY_DYLIB_SYMBOL_POINTERS 0x10u
#define S_THREAD_LOCAL_REGULAR 0x11u
#define S_THREAD_LOCAL_ZEROFILL 0x12u
#define S_THREAD_LOCAL_VARIABLES 0x13u
#define S_THREAD_LOCAL_VARIABLE_POINTERS 0x14u
#define S_THREAD_LOCAL_INIT_FUNCTION_POINTERS 0x15u
#define S_INIT_FUNC_OFFSETS 0x16u
#define S_ATTR_PURE_INSTRUCTIONS 0x80000000u
#define S_ATTR_DEBUG 0x02000000u
#define S_ATTR_SOME_INSTRUCTIONS 0x00000400u

/* nlist n_type and n_desc bits. */
#define N_STAB 0xe0u
#define N_PEXT 0x10u
#define N_TYPE 0x0eu
#define N_EXT 0x01u
#define N_UNDF 0x0u
#define N_ABS 0x2u
#define N_SECT 0xeu
#define N_PBUD 0xcu
#define N_INDR 0xau
#define N_WEAK_REF 0x0040u
#define N_WEAK_DEF 0x0080u

/* What macho.c hands to macho_fixups.c for one image. */
typedef struct {
    uint32_t off, size;
    bool present;
} ss_macho_blob;

/* Raw facts of one section that the model does not keep. */
typedef struct {
    uint64_t addr, size; /* as the section header states them */
    uint32_t reloff, nreloc; /* MH_OBJECT relocation table */
} ss_macho_sect;

typedef struct {
    ss_image *im;
    bool be, is64;
    uint32_t cputype;
    uint32_t filetype;
    uint32_t ptr_size;
    ss_macho_blob rebase, bind, weak_bind, lazy_bind, chained;
    const ss_macho_sect *sects; /* same index as im's sections */
    size_t nsects;
    bool relocs; /* record the places in im->relocs (ss_load_opts.relocs) */
    bool refs;   /* add the references the rebases state (ss_load_opts.refs, formats/refs.h) */
} ss_macho_fixups;

/* LC_SYMTAB's ranges, already checked to lie inside the image. */
typedef struct {
    uint32_t symoff, nsyms, stroff, strsize;
} ss_macho_symtab;

/* Adds the symbols of st to im (sections must be in im->v_sections, sects parallel to them):
 * debugger (N_STAB) entries are skipped, sizes derived, and for MH_OBJECT files (object)
 * values made section-relative as the model wants. Fails only when out of memory. */
ss_status ss_macho_read_symbols(ss_image *im, const ss_macho_symtab *st, bool be, bool is64,
                                bool object, const ss_macho_sect *sects, ss_diag *d);

/* Decodes relocation targets into im's relocs (fx->relocs): MH_OBJECT relocation entries, dyld
 * rebase and bind opcodes, chained fixups; with fx->refs, the pointers rebases and chained
 * rebases fill become references into literal sections (formats/refs.h), with the slices among
 * them and the code's address loads (linked images). Odd input becomes a warning and decoding
 * of that stream stops; all work is bounded by the sizes of the tables and the image. Segments
 * and sections must already be in im->v_segments / im->v_sections. False when the references
 * were cut short for want of memory (the arena's cap): the caller warns, the image stands. */
bool ss_macho_decode_fixups(const ss_macho_fixups *fx);

/* Sets im's hardening checks, their findings, the linker and the format label from the header
 * (im->type set before). False on OOM. */
bool ss_macho_harden(ss_image *im, uint32_t cputype, uint32_t filetype, uint32_t flags);

/* What macho.c hands to macho_security.c: the header's CPU and file type, LC_CODE_SIGNATURE's
 * data (unchecked: the checks bound it) and the last LC_ENCRYPTION_INFO[_64]. */
typedef struct {
    uint32_t cputype, cpusubtype, filetype;
    bool has_signature;
    uint32_t sig_off, sig_size;
    uint32_t encryption_cmd; /* LC_ENCRYPTION_INFO, LC_ENCRYPTION_INFO_64, or 0: none */
    uint32_t cryptoff, cryptsize, cryptid;
} ss_macho_security;

/* Sets im's checks signed, hardened_runtime, restrict, encrypted and arm64e (sections must be in
 * im->v_sections). Damage is a value of "unknown"; false only when out of memory. */
bool ss_macho_security_checks(ss_image *im, const ss_macho_security *s);

/* The arch name lipo and the universal header use ("x86_64", "arm64e", "i386", ...), into buf;
 * "cpu<type>" when unknown. */
const char *ss_macho_arch_name(uint32_t cputype, uint32_t cpusubtype, char *buf, size_t n);

#endif
