/* image.h - segscan's format-neutral model of one analyzed image.
 *
 * Readers in formats/ fill an ss_image; nothing outside formats/ knows a format's structs.
 * Analyzers and emitters read only this model. An image borrows its bytes (a view into the
 * mapped file: the whole file, an archive member or a universal-binary slice) and owns
 * everything else through its arena.
 *
 * Offsets in sections, segments and regions are relative to the image's bytes (for an archive
 * member, to the member's first byte); `base_offset` turns them into offsets in the file on disk,
 * which is what error messages print. */
#ifndef SS_IMAGE_H
#define SS_IMAGE_H

#include <stdbool.h> /* bool */
#include <stdint.h>  /* uint64_t */

#include "arena.h"
#include "diag.h"
#include "span.h"

typedef enum { SS_FORMAT_ELF, SS_FORMAT_PE, SS_FORMAT_MACHO } ss_format;

typedef enum {
    SS_TYPE_EXECUTABLE,  /* ELF ET_EXEC or PIE ET_DYN, PE EXE/EFI, Mach-O MH_EXECUTE */
    SS_TYPE_SHARED,      /* ELF ET_DYN library, PE DLL, Mach-O MH_DYLIB */
    SS_TYPE_RELOCATABLE, /* ELF ET_REL, COFF object, Mach-O MH_OBJECT */
    SS_TYPE_CORE,        /* ELF ET_CORE, Mach-O MH_CORE */
    SS_TYPE_BUNDLE,      /* Mach-O MH_BUNDLE */
    SS_TYPE_DEBUG,       /* Mach-O MH_DSYM companion */
    SS_TYPE_OTHER
} ss_type;

/* Section kinds, derived from types and flags, never from names (see README "Kinds"). */
typedef enum {
    SS_KIND_CODE,     /* allocated, executable */
    SS_KIND_RODATA,   /* allocated, read-only, not executable, program data */
    SS_KIND_DATA,     /* allocated, writable, initialized */
    SS_KIND_BSS,      /* allocated, writable, zero-filled: memory only, no file bytes */
    SS_KIND_TLS_DATA, /* thread-local initialized template */
    SS_KIND_TLS_BSS,  /* thread-local zero-filled */
    SS_KIND_RELRO,    /* writable at load time, read-only after relocation (ELF PT_GNU_RELRO) */
    SS_KIND_DEBUG,    /* debug information, not loaded */
    SS_KIND_METADATA, /* symbol/string/relocation tables, notes, dynamic linking info */
    SS_KIND_OTHER,
    SS_KIND_COUNT
} ss_kind;

enum { SS_PERM_R = 4, SS_PERM_W = 2, SS_PERM_X = 1 };

typedef enum {
    SS_COMP_NONE = 0,
    SS_COMP_ZLIB,   /* ELF SHF_COMPRESSED with ELFCOMPRESS_ZLIB */
    SS_COMP_ZSTD,   /* ELF SHF_COMPRESSED with ELFCOMPRESS_ZSTD */
    SS_COMP_ZDEBUG, /* the older GNU .zdebug_* form: "ZLIB" + 8-byte big-endian size */
    SS_COMP_UNKNOWN /* a compression type segscan does not know */
} ss_compression;

typedef struct {
    const char *name;  /* "LOAD", "__TEXT", "[Headers]" */
    uint32_t raw_type; /* p_type, load-command id, or 0 */
    uint32_t raw_flags;
    uint64_t vaddr, vm_size;
    uint64_t offset, file_size; /* file_size clipped to the image; see warnings */
    uint8_t perms;              /* SS_PERM_* at run time (Mach-O initprot) */
    uint8_t maxprot;            /* Mach-O maxprot; equal to perms elsewhere */
    bool loadable;              /* occupies process memory (PT_LOAD, Mach-O segments, PE) */
} ss_segment;

typedef struct {
    const char *name;    /* Mach-O: "SEGNAME,sectname" */
    const char *type;    /* format's type name: "PROGBITS", "NOBITS", "S_CSTRING_LITERALS" ... */
    ss_kind kind;
    uint32_t raw_type;
    uint64_t raw_flags;
    uint64_t vaddr, vm_size; /* vm_size 0: takes no memory (non-allocated) */
    uint64_t offset, file_size; /* file_size 0: no bytes in the file (NOBITS, zerofill) */
    uint64_t align;
    uint8_t perms;
    bool alloc;                /* occupies process memory at run time (ELF SHF_ALLOC) */
    int64_t segment;           /* index into segments of the loadable segment holding it, or -1 */
    uint64_t file_accounted;   /* bytes of the file map attributed to it (< file_size on overlap) */
    bool literals;             /* can hold literals (constant strings and tables): read-only
                                * program data, not unwind or exception tables, relocations,
                                * symbols, notes or loader data; the reader decides by type,
                                * flags and kind, and the string analysis scans only these */
    ss_compression compression;
    uint32_t comp_header_size;  /* bytes of compression header before the compressed stream */
    uint64_t uncompressed_size; /* size after decompression, as the header states */
    bool uncompressed_known;    /* false when the header is incomplete (the size is unknown) */
} ss_section;

typedef enum {
    SS_SYM_NOTYPE, SS_SYM_OBJECT, SS_SYM_FUNC, SS_SYM_SECTION, SS_SYM_FILE, SS_SYM_TLS,
    SS_SYM_COMMON, SS_SYM_OTHER
} ss_sym_type;

typedef enum { SS_BIND_LOCAL, SS_BIND_GLOBAL, SS_BIND_WEAK, SS_BIND_OTHER } ss_sym_bind;

typedef struct {
    const char *name;
    uint64_t value; /* address in linked images; offset in the section for relocatable objects */
    uint64_t size;
    int64_t section; /* index into sections, or -1 (undefined, absolute, common) */
    ss_sym_type type;
    ss_sym_bind bind;
    bool defined;
    bool size_derived; /* the format gives no size (Mach-O, COFF): distance to the next symbol */
} ss_symbol;

/* A place that a relocation (static or dynamic) writes to: the BSS analysis must not call such
 * bytes movable even when the file holds zeros there. */
typedef struct {
    uint64_t addr;   /* offset in that section, or the virtual address patched */
    int32_t section; /* relocatable objects: section patched; -1 when addr is a virtual address
                      * (an index of im->sections: the arena's cap keeps far below 2^31 of them) */
    uint32_t size;   /* bytes written (pointer size when unknown) */
} ss_reloc; /* 16 bytes: libLLVM-15 has 382,145 dynamic relocations (24 bytes each was 8.7 MiB) */

/* A reference into memory that can hold literals (a section with ss_section.literals), found by
 * a reader: where an object of read-only data starts, and where it ends when the reference says
 * so. The literals analysis cuts read-only data into objects at these places (and at symbols);
 * readers add them only when ss_load_opts.refs asks, and only for targets inside such a
 * section. */
typedef enum {
    SS_REF_RELOC, /* the target of a relocation, static or dynamic (ELF REL/RELA/RELR, PE base
                   * relocations, Mach-O rebases and chained fixups) */
    SS_REF_CODE,  /* an address an instruction loads (x86-64 lea rip-relative, AArch64 adrp+add) */
    SS_REF_PAIR   /* a relocated pointer followed by a plausible length: a slice (Rust &str,
                   * &[T]); len is that length */
} ss_ref_source;

typedef struct {
    uint64_t addr;   /* linked images: the virtual address referred to; relocatable objects: the
                      * offset in `section` */
    uint32_t len;    /* the object's length when the reference states it (SS_REF_PAIR), else 0 */
    signed int section : 24; /* relocatable objects: the section referred to (below
                              * SS_REF_MAX_SECTION: an ELF symbol's 16-bit index); linked
                              * images: -1 */
    unsigned int source : 8; /* ss_ref_source */
} ss_ref; /* 16 bytes: libLLVM-15 has about 420,000 (24 bytes each was 10 MiB, written and read
           * again by the literals analysis) */
#define SS_REF_MAX_SECTION ((1 << 23) - 1)
_Static_assert(sizeof(ss_ref) == 16, "ss_ref packs into 16 bytes");

/* A named range of file bytes that is not a section: headers, tables, linkedit parts, overlay.
 * The file map takes these before sections when attributing bytes. */
typedef struct {
    const char *name; /* "[ELF Header]", "[Section Headers]", "[Overlay]" ... */
    uint64_t offset, size;
} ss_region;

typedef enum {
    SS_MAP_REGION,   /* index: into regions */
    SS_MAP_SECTION,  /* index: into sections */
    SS_MAP_PADDING,  /* bytes covered by nothing, all zero */
    SS_MAP_UNMAPPED  /* bytes covered by nothing, not all zero */
} ss_map_what;

/* One piece of the exact partition of the image's bytes; pieces are in offset order, do not
 * overlap, and their sizes sum to the image size. */
typedef struct {
    uint64_t offset, size;
    ss_map_what what;
    int64_t index;
} ss_map_entry;

typedef struct {
    uint64_t offset; /* image-relative; UINT64_MAX when none */
    const char *message;
} ss_warning;

/* ---- hardening: neutral facts a reader decides ---------------------------------------------
 *
 * Every hardening property is a check: a key (the JSON key of the `permissions` object: "pie",
 * "canary", "cfg", ...), a value and the evidence that decided it, worded by the reader (the flag
 * and its value, the segment, the symbol, the note). core/ and emit/ print checks generically and
 * know no format: a key a reader does not set is n-a. Values beyond yes/no/partial (default,
 * none, full) are the older keys' (exec_stack: no PT_GNU_STACK; relro). */
typedef enum {
    SS_HV_NA, SS_HV_YES, SS_HV_NO, SS_HV_PARTIAL, SS_HV_UNKNOWN,
    SS_HV_DEFAULT, /* exec_stack: the platform decides (ELF without PT_GNU_STACK) */
    SS_HV_NONE, SS_HV_FULL /* relro */
} ss_hval;

typedef enum { SS_SEV_ERROR, SS_SEV_WARNING, SS_SEV_INFO } ss_severity;

/* One structured piece of evidence of a finding. */
typedef struct {
    const char *what;  /* "segment", "section", "flag", "symbol", "string" */
    const char *name;
    int64_t index;     /* segment or section index, -1 when none */
    int perms;         /* SS_PERM_* or -1 */
    bool has_flags, has_vaddr, has_offset, has_size;
    uint64_t flags, vaddr, offset, size; /* offset: image-relative file offset */
} ss_evidence;

typedef struct {
    const char *key;      /* the JSON key: "canary", "cfg", "pie" ... (a static string) */
    ss_hval value;
    const char *evidence; /* arena string worded by the reader, or NULL */
    /* The finding this value raises, worded by the reader (finding_id NULL: none). core/
     * publishes it among the image's findings; ev holds at most SS_CHECK_EVIDENCE items,
     * ev_total counts all that were offered. */
    const char *finding_id;
    ss_severity severity;
    const char *message;
    ss_evidence *ev;
    size_t nev, ev_total;
} ss_hcheck;

#define SS_CHECK_EVIDENCE 16

/* A raw header field as the format names it ("DllCharacteristics", "mach_header.flags"): kept
 * for diagnostics and tests; core/ and emit/ never interpret one. */
typedef struct {
    const char *name; /* a static string */
    uint64_t value;
} ss_field;

/* The linker family that wrote an image, as far as the image tells (its reader decides). */
typedef enum {
    SS_LINKER_UNKNOWN, SS_LINKER_NONE /* not linked */, SS_LINKER_LLD, SS_LINKER_GNU,
    SS_LINKER_MOLD, SS_LINKER_LD64, SS_LINKER_PE
} ss_linker;

typedef struct ss_image {
    ss_arena *arena; /* owns everything below except `bytes` */
    ss_span bytes;   /* borrowed: the image's bytes inside the mapped file */
    uint64_t base_offset; /* where bytes start in the file on disk */

    const char *path;   /* the input path as given */
    const char *member; /* archive member or universal slice name, or NULL */

    ss_format format;
    unsigned bits;      /* 32 or 64 */
    bool big_endian;
    const char *machine; /* "x86-64", "AArch64", "i386" ... */
    ss_type type;
    const char *type_detail; /* "DYN (PIE executable)", "EXEC", "DLL", "MH_BUNDLE" ... */
    bool has_entry;
    uint64_t entry;
    uint64_t file_size; /* == bytes.len */
    char sym_lead;      /* character the format puts before C names (Mach-O '_'), or 0 */
    bool sym_tls_offsets; /* thread-local symbols' values are offsets in the TLS template
                           * (ELF), not addresses */

    ss_segment *segments;
    size_t nsegments;
    ss_section *sections;
    size_t nsections;
    ss_symbol *symbols;
    size_t nsymbols;
    ss_reloc *relocs;
    size_t nrelocs;
    ss_ref *refs; /* references into literal-capable sections (ss_load_opts.refs), unordered,
                   * possibly repeated */
    size_t nrefs;
    ss_region *regions;
    size_t nregions;
    ss_region *noliteral; /* loader tables inside sections that can hold literals (PE data
                           * directories in .rdata): the string analysis skips these bytes */
    size_t nnoliteral;
    ss_map_entry *map;
    size_t nmap;
    ss_warning *warnings;
    size_t nwarnings;

    /* Neutral facts the reader decides (core/ and emit/ know no format constant). */
    const char *format_label; /* "ELF", "PE", "Mach-O": how reports name the format */
    ss_hcheck *checks;        /* hardening checks the reader set, in the order it set them */
    size_t nchecks;
    bool segments_from_sections; /* segscan made the segments from sections (PE): a segment's
                                  * memory beyond its file bytes is its sections' own */
    bool segments_not_layout;    /* the segments are containers, not a program's memory layout
                                  * (Mach-O MH_OBJECT): no W+X segment verdict */
    bool rodata_exec_usual;      /* read-only data in an executable segment is the format's
                                  * normal layout (Mach-O __TEXT): no finding */
    ss_field *fields;            /* raw header fields (ss_image_field) */
    size_t nfields;
    bool rustc_metadata;         /* the image carries rustc's crate metadata (a Rust dylib or
                                  * proc-macro): a Rust image even without Rust's symbols */
    int src_fd;                  /* the mapped file, open, for ss_image_read; -1 when the bytes
                                  * are a buffer (small file, caller's bytes) */
    uint8_t *lit_copy;           /* ss_image_copy_literals: image bytes [lit_lo, lit_lo +
                                  * lit_len) read into memory of their own, or NULL */
    uint64_t lit_lo;
    size_t lit_len;
    ss_linker linker;            /* who linked it (SS_LINKER_NONE: an object) */
    ss_linker object_linker;     /* an object: the family that will link it (its merge rules) */

    /* Results of the analyzers (core/analysis.h), allocated in the arena; NULL until run. */
    struct ss_analysis *analysis;

    /* Compile units and source files from the debug information (core/debuginfo.h), in the
     * arena; NULL until ss_image_load_debug (formats.h) has run. */
    struct ss_debuginfo *debug;

    /* Symbol and relocation tables the reader left to be read when they are needed
     * (ss_load_opts.defer_tables: the analysis reads them beside the string analysis): fn and
     * its context (in the arena) until ss_image_load_tables has run; then tables_status says
     * how that went, and tables_diag why it failed (file offsets). A failure there is a failure
     * to load the image, unless it was for want of memory (ss_image_tables_unaffordable): then
     * only the BSS analysis, which needs the tables, is lost, with a warning. */
    ss_status (*tables_fn)(struct ss_image *im, void *ctx, ss_diag *d);
    void *tables_ctx;
    ss_status tables_status;
    ss_diag tables_diag;

    /* Growable storage behind the arrays above; the ss_image_add_* functions keep the arrays
     * above pointing at it, so they are valid while a reader is still filling them. */
    ss_vec v_segments, v_sections, v_symbols, v_relocs, v_refs, v_regions, v_noliteral, v_warnings, v_checks,
        v_fields;

    /* Bytes taken from and given by decompression so far, against the image's one budget
     * (formats/content.c). */
    uint64_t inflate_spent;
} ss_image;

/* A new empty image over bytes (borrowed); arena_cap bounds its allocations. NULL on OOM. */
ss_image *ss_image_new(ss_span bytes, uint64_t base_offset, const char *path, const char *member,
                       size_t arena_cap);
/* Frees the image and its arena. Accepts NULL. */
void ss_image_free(ss_image *im);

/* Appenders: a zeroed element, or NULL when the arena's cap is reached. */
ss_segment *ss_image_add_segment(ss_image *im);
ss_section *ss_image_add_section(ss_image *im);
ss_symbol *ss_image_add_symbol(ss_image *im);
ss_reloc *ss_image_add_reloc(ss_image *im);
/* n new relocation entries at once (uninitialized: the caller fills every field), or NULL. */
ss_reloc *ss_image_add_relocs(ss_image *im, size_t n);
/* Adds a reference (a zeroed element, section -1), or NULL when the arena's cap is reached. */
ss_ref *ss_image_add_ref(ss_image *im);
/* n new references at once (uninitialized: the caller fills every field), or NULL. One block
 * for all: the arena keeps what doubling abandons (libLLVM-15's 522,000 references, added as
 * they came, left 10 MiB behind). */
ss_ref *ss_image_add_refs(ss_image *im, size_t n);
/* Drops the last n references added (a reservation filled to less than its bound). */
void ss_image_drop_refs(ss_image *im, size_t n);
/* Copies bytes [off, off + len) of the image into buf; false when the range is not inside the
 * image. From a mapped file they come by pread(2), which leaves the mapping untouched: a range
 * read once, whole and in order (the code scanned for address loads), costs no page faults of
 * the process (see input.h). They are the bytes as stored in the file: only for ranges that no
 * library converts in place (libelf may, in images of the other byte order). */
bool ss_image_read(const ss_image *im, uint64_t off, void *buf, size_t len);
/* Bytes [off, off + len) of the image to be read once: read into buf (len bytes of room) when
 * they come from a mapped file, else where they lie; NULL when the range is not inside the
 * image. For tables walked once in order (relocations), as ss_image_read. */
const uint8_t *ss_image_view(const ss_image *im, uint64_t off, size_t len, void *buf);
/* The bytes of section s that can hold literals, as the string and literals analyses read
 * them: an allocated section flagged literals, stored and not compressed, its file size or its
 * memory size when smaller, inside the image. False for any other section. */
bool ss_image_lit_range(const ss_image *im, const ss_section *s, uint64_t *off, uint64_t *len);
/* Reads the bytes of the sections that can hold literals (ss_image_lit_range), from the first
 * to the end of the last, into memory of their own, when the image is a mapped file and they
 * are not scattered over much more than their size. The string analysis reads them all in
 * order and the literals analysis at random; through the mapping, the first touch of each page
 * cost them about 2.3 us (libLLVM-15's 35 MB of .rodata: 17-21 ms), one pread into 2 MiB pages
 * 7-9 ms. Best effort: without memory for it the analyses read the mapping. Freed with the
 * image; call before the analyses start (they may run on two threads). */
void ss_image_copy_literals(ss_image *im);
/* Where the analyses read literal-capable sections: base + off is the byte at image offset off
 * for every off inside such a section (and its end), in the copy when one was made, else in the
 * image's bytes. Not for other offsets. */
const uint8_t *ss_image_lit_base(const ss_image *im);
/* Adds a named file region; regions of size 0 are ignored. Returns false only on OOM. */
bool ss_image_add_region(ss_image *im, const char *name, uint64_t offset, uint64_t size);
/* Marks image bytes inside a section that can hold literals as a loader table holding none
 * (name a static string); size 0 is ignored. Returns false only on OOM. */
bool ss_image_add_noliteral(ss_image *im, const char *name, uint64_t offset, uint64_t size);
/* Records a warning at an image-relative offset (UINT64_MAX for none). Never fails visibly:
 * warnings beyond a fixed count are dropped and counted in one last warning. */
void ss_image_warn(ss_image *im, uint64_t offset, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* A copy of an untrusted name of at most max bytes into the arena (NULL on OOM). */
const char *ss_image_name(ss_image *im, const char *s, size_t n);

/* Sets the check `key` (a static string) to v with the evidence printf'd into the arena
 * (evidence_fmt NULL: none); setting a key again replaces its value and evidence. False only on
 * OOM. */
bool ss_image_check(ss_image *im, const char *key, ss_hval v, const char *evidence_fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Attaches to the check `key` (set before) the finding its value raises: a stable id, a
 * severity and a one-line message printf'd into the arena. False on OOM or an unset key. */
bool ss_image_check_finding(ss_image *im, const char *key, const char *id, ss_severity sev,
                            const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* Adds a piece of evidence to the finding of check `key` (at most SS_CHECK_EVIDENCE are kept,
 * all are counted). The ss_evidence_* helpers fill one from a segment, section or flag. */
bool ss_image_check_evidence(ss_image *im, const char *key, const ss_evidence *e);
/* The check `key`, or NULL when the reader did not set it. */
const ss_hcheck *ss_image_find_check(const ss_image *im, const char *key);
/* The check's value, SS_HV_NA when it is not set. */
ss_hval ss_image_check_value(const ss_image *im, const char *key);

/* Records a raw header field (name a static string). False only on OOM. */
bool ss_image_field(ss_image *im, const char *name, uint64_t value);

/* Evidence naming segment i / section i (size: has_size ? size : the section's own size) /
 * a raw flag word and its value. */
ss_evidence ss_evidence_segment(const ss_image *im, size_t i);
ss_evidence ss_evidence_section(const ss_image *im, size_t i, bool has_size, uint64_t size);
ss_evidence ss_evidence_flag(const char *name, uint64_t flags);

/* Builds the file map. Readers call it last. */
ss_status ss_image_finish(ss_image *im, ss_diag *d);
/* Records that the symbol or relocation tables could not be read while loading (d's offsets
 * image-relative): the outcome ss_image_load_tables would have given. */
void ss_image_tables_failed(ss_image *im, ss_status st, const ss_diag *d);
/* True when the tables failed for want of memory (SS_E_LIMIT, SS_E_NOMEM): a large but
 * well-formed table costs only the analysis that needs it (a warning), never the image. */
bool ss_image_tables_unaffordable(const ss_image *im);
/* Reads the tables the reader deferred, if any (once); the outcome is in im->tables_status and
 * im->tables_diag, and returned. */
ss_status ss_image_load_tables(ss_image *im);

/* For each of n queries, the index of the first loadable segment containing [vaddr[i],
 * vaddr[i]+size[i]) (size 0: the address itself, or an empty segment starting there), or -1,
 * into out[i]; all at once in O((nsegments + n) log nsegments) (one linear scan per query was
 * sections x segments). False when out of memory (out is then all -1). */
bool ss_image_segments_of(const ss_image *im, const uint64_t *vaddr, const uint64_t *size,
                          size_t n, int64_t *out);

/* Names used in output. */
const char *ss_format_name(ss_format f);  /* "elf", "pe", "macho" */
const char *ss_type_name(ss_type t);      /* "executable", "shared", "relocatable", ... */
const char *ss_kind_name(ss_kind k);      /* "code", "rodata", ... "tls-bss" ... */
const char *ss_compression_name(ss_compression c); /* "zlib", "zstd", "zdebug", "unknown" */
const char *ss_hval_name(ss_hval v);       /* "yes", "no", "n-a", "partial", "unknown", "default",
                                            * "none", "full" */
const char *ss_severity_name(ss_severity s); /* "error", "warning", "info" */
/* "r-x" style, into buf of at least 4 bytes. */
const char *ss_perms_str(uint8_t perms, char buf[4]);

#endif
