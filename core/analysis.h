/* analysis.h - what segscan concludes about an image: BSS-vs-DATA savings, duplicated string
 * literals, permissions and hardening, and the findings drawn from them.
 *
 * The analyzers read only the model of image.h (sections, segments, symbols, relocation targets,
 * ss_props), so they work unchanged on ELF, PE/COFF and Mach-O. Results live in the image's
 * arena (im->analysis) and borrow names and string bytes from the image. Nothing here prints.
 *
 * Definitions (also in docs/segscan.schema.json):
 *  - zero_init_bytes: memory that is zero-filled at load time and has no bytes in the file: the
 *    union, in the address space, of every allocated section's part beyond its file bytes
 *    (ELF NOBITS .bss/.tbss, Mach-O zerofill, PE VirtualSize beyond SizeOfRawData and
 *    uninitialized-data sections) and of every writable loadable segment's part beyond its file
 *    bytes (ELF PT_LOAD memsz > filesz, Mach-O vmsize > filesize). Each byte counts once, so
 *    .bss inside a PT_LOAD tail is not counted twice. PE has no segments of its own (segscan's
 *    per-section segments are rounded up to SectionAlignment), so for PE only sections count.
 *    Relocatable objects have no addresses: the sum of their sections' parts.
 *  - movable objects: symbols (object, or untyped with a size; never functions, sections, TLS
 *    or commons) lying wholly in the file bytes of a writable initialized data section (kind
 *    data), all of whose bytes are zero in the file and none of which a relocation writes.
 *    RELRO data is excluded: moving it to .bss would lose the read-only protection; an all-zero
 *    RELRO object is listed with the read-only zero objects instead. Symbols at the same place
 *    count once (the largest size wins); overlapping objects count their union in the totals.
 *  - zero runs: in a data section that holds no such symbol at all (a stripped image), runs of
 *    at least zero_run_min zero bytes that no relocation writes.
 *  - strings: NUL-terminated runs of text as strings(1) sees it (printable ASCII and tab), or
 *    valid UTF-8, at least min_string bytes long, in the sections whose reader says they can
 *    hold literals (ss_section.literals: read-only program data, not unwind tables, exception
 *    tables, relocations, symbols or notes), whatever their merge flags say. A run starts after a NUL or after a byte that is not
 *    text. duplicate_bytes = sum over groups of equal strings of (copies - 1) * (len + 1);
 *    tail_merge_bytes = sum of len + 1 over the distinct strings that are a proper suffix of
 *    another distinct string (each such string once: its other copies are already in
 *    duplicate_bytes). Their sum is exactly what full merging with tail merging would save. */
#ifndef SS_ANALYSIS_H
#define SS_ANALYSIS_H

#include <stdbool.h> /* bool */
#include <stddef.h>  /* size_t */
#include <stdint.h>  /* uint64_t */

#include "diag.h"
#include "image.h"
#include "input.h"

/* Bits of the analyses, each one entry of the registry (ss_analyzers). */
enum {
    SS_AN_SIZES = 1,   /* the size tables (always computed by the emitters; a no-op here) */
    SS_AN_BSS = 2,
    SS_AN_STRINGS = 4,
    SS_AN_PERMS = 8,
    SS_AN_LITERALS = 16
};

typedef struct {
    unsigned which;        /* SS_AN_* bits */
    uint64_t zero_run_min; /* shortest zero run reported (default 64) */
    uint32_t min_string;   /* shortest string scanned, in bytes without the NUL (default 4) */
    bool keep_distinct;    /* keep every distinct string (ss_analyze_input sets it for archive
                            * members, whose strings are then compared across members) */
    unsigned threads;      /* threads one image's analysis may use (1: none of its own; the
                            * command gives all of -j to a single input, 1 to each of many) */
} ss_analysis_opts;

#define SS_ZERO_RUN_DEFAULT 64
#define SS_MIN_STRING_DEFAULT 4
/* Entries kept in result lists; counts and byte totals are always exact. */
#define SS_KEEP_OBJECTS 1000
#define SS_KEEP_STRINGS 100
#define SS_KEEP_OFFSETS 16

/* Every analysis on, default thresholds. */
ss_analysis_opts ss_analysis_opts_default(void);
/* Parses a comma list of registry names (or "all") into *which; on an unknown
 * word returns false and points *bad at it (inside list). */
bool ss_analysis_parse_only(const char *list, unsigned *which, const char **bad, size_t *badlen);

typedef struct ss_analysis ss_analysis;
typedef struct ss_an_ctx ss_an_ctx; /* one image's run (core/analysis.c): shared state, findings */

/* The analyzer registry: one entry per analysis, in the order they run (and their findings are
 * listed). --only's parser and message, --help's list, the default set, the load options the
 * pipeline asks the readers for, ss_analyze's runs and the findings come from the table; the
 * emitters' per-analysis writers have a table of their own (emit/analysis_emit.c). A new
 * analysis is its file in core/ (its run and findings functions), one entry here, its writers in
 * emit/ and one entry there. */
typedef struct {
    const char *name;   /* its --only word */
    unsigned bit;       /* SS_AN_* */
    bool needs_symbols; /* the symbol tables must be loaded (ss_load_opts.symbols) */
    bool needs_relocs;  /* the relocation targets must be loaded (ss_load_opts.relocs) */
    bool needs_refs;    /* references into read-only data must be loaded (ss_load_opts.refs) */
    const char *about;  /* one line for --help */
    /* Runs the analysis on im into its part of im->analysis (NULL: nothing to run, the sizes
     * are computed by the emitters). A failure is returned in d; the run goes on with the
     * others. */
    ss_status (*run)(ss_image *im, const ss_analysis_opts *o, ss_an_ctx *c, ss_diag *d);
    /* After a failed run: clears its part of the result (may be NULL). */
    void (*reset)(ss_analysis *a);
    /* Draws its findings from its result (may be NULL). */
    void (*findings)(ss_an_ctx *c, const ss_analysis *a);
} ss_analyzer;

/* The registry; *n receives its length. */
const ss_analyzer *ss_analyzers(size_t *n);
/* Bits of every registered analysis. */
unsigned ss_analysis_all(void);
/* Whether the analyses in which read the symbol tables / relocation targets. */
bool ss_analysis_needs_symbols(unsigned which);
bool ss_analysis_needs_relocs(unsigned which);
bool ss_analysis_needs_refs(unsigned which);
/* Whether which holds an analysis that runs after loading (anything beyond the size tables). */
bool ss_analysis_any(unsigned which);


/* ---- BSS vs DATA ---------------------------------------------------------------------------- */

typedef struct {
    const char *name; /* borrowed from the image */
    int64_t section;
    uint64_t offset;  /* in the section */
    uint64_t size;
    uint64_t vaddr;   /* linked images: the address; relocatable objects: 0 */
    uint32_t aliases; /* other symbols at the same place */
} ss_zero_object;

typedef struct {
    int64_t section;
    uint64_t offset, size; /* offset in the section */
} ss_zero_run;

typedef struct {
    int64_t section;
    uint64_t zero_init_bytes;     /* vm bytes beyond the section's file bytes */
    uint64_t movable_bytes, readonly_zero_bytes, zero_run_bytes;
    uint64_t movable, readonly_zero, zero_runs; /* counts */
} ss_bss_section;

typedef struct {
    uint64_t zero_init_bytes;
    ss_zero_object *movable;       /* largest first, at most SS_KEEP_OBJECTS */
    size_t nmovable;
    uint64_t movable_count, movable_bytes;
    ss_zero_object *readonly_zero; /* largest first, at most SS_KEEP_OBJECTS */
    size_t nreadonly_zero;
    uint64_t readonly_zero_count, readonly_zero_bytes;
    ss_zero_run *zero_runs;        /* largest first, at most SS_KEEP_OBJECTS */
    size_t nzero_runs;
    uint64_t zero_run_count, zero_run_bytes, zero_run_min;
    ss_bss_section *sections;      /* sections with a non-zero figure, in section order */
    size_t nsections;
} ss_bss_result;

/* ---- strings -------------------------------------------------------------------------------- */

typedef struct {
    const char *text;   /* borrowed from the image's bytes; NUL-terminated there */
    uint32_t len;       /* bytes without the NUL */
    uint64_t copies;
    uint64_t wasted;    /* (copies - 1) * (len + 1) */
    uint64_t *offsets;  /* image-relative file offsets of the first SS_KEEP_OFFSETS copies */
    size_t noffsets;
} ss_string_dup;

typedef struct {
    const char *text;
    uint32_t len;
    uint64_t copies;
} ss_string_entry;

typedef struct {
    uint64_t sections;          /* sections scanned */
    uint64_t scanned_bytes;
    uint64_t count, unique;
    uint64_t string_bytes;      /* sum of len + 1 over all strings found */
    uint64_t duplicate_groups, duplicate_bytes;
    uint64_t tail_merge_strings, tail_merge_bytes;
    ss_string_dup *duplicates;  /* largest waste first, at most SS_KEEP_STRINGS */
    size_t nduplicates;
    ss_string_entry *distinct;  /* every distinct string, when keep_distinct was asked */
    size_t ndistinct;
    ss_linker linker;
    const char *hint;           /* which setting recovers the waste; NULL when nothing to say */
} ss_strings_result;

/* Strings duplicated across the members of one archive (each member keeps its own copy):
 * duplicate_bytes = sum over distinct strings of (members holding it - 1) * (len + 1). */
typedef struct {
    uint64_t members;           /* images taking part */
    uint64_t unique;            /* distinct strings over all members */
    uint64_t duplicate_groups, duplicate_bytes;
    ss_string_dup *duplicates;  /* copies = members holding it; no offsets */
    size_t nduplicates;
} ss_strings_across;

/* ---- literals -------------------------------------------------------------------------------
 *
 * Read-only objects stored more than once: literals without a terminator (Rust &str), constant
 * tables and arrays. Definitions (also in docs/segscan.schema.json and the README):
 *  - boundaries: in each section that can hold literals (ss_section.literals, less the loader
 *    tables of im->noliteral), the section's start and end, every reference's target (and
 *    target + len when the reference states a length), and the start and end of every defined
 *    object or untyped symbol with a size inside the section;
 *  - a piece is the bytes between two consecutive boundaries; its object is the piece, or for
 *    text followed by NULs (a C literal, or a literal padded up to the next object) the text
 *    alone; an object counts when it holds at least SS_LITERAL_MIN bytes (with one NUL when it
 *    had one) and is not fill (a pattern of period 1 to 8 bytes, zeros included);
 *  - an object whose every copy is exactly one C string the string analysis counts (text and
 *    its NULs, starting where a string run starts) is left to that analysis; when one copy is
 *    not (a Rust literal without a NUL), every copy is counted here;
 *  - duplicates: objects of equal content (copies of one group); then, among objects that equal
 *    no other, an object whose first SS_LITERAL_MIN bytes equal an earlier such object's is
 *    compared further: the match runs forward while the bytes are equal and is cut back to the
 *    last place that is a boundary at the same distance from both starts (a table whose copies
 *    hold different interior references). Each byte is counted in at most one copy;
 *  - duplicate_bytes = sum over groups of (copies - 1) * len (text without its NULs);
 *  - kind text: the bytes, less trailing NULs, are printable ASCII, tab, \n, \r or printable
 *    UTF-8, with no NUL inside; table otherwise. */
#define SS_LITERAL_MIN 16
/* Bytes of a duplicate kept as its excerpt (text) or written as hex (tables: half as many). */
#define SS_LITERAL_EXCERPT 160

typedef struct {
    const char *text;  /* excerpt in the arena, NUL-terminated: the first bytes of a text object
                        * (trailing NULs dropped), or the hex of a table's first bytes */
    bool table;        /* kind: table (else text) */
    bool anchored;     /* found by the anchored match (else equal whole objects) */
    bool excerpt_cut;  /* the excerpt holds fewer bytes than len */
    uint64_t len;      /* bytes of one copy */
    uint64_t copies;
    uint64_t wasted;   /* (copies - 1) * len */
    uint64_t *offsets; /* image-relative file offsets of the first SS_KEEP_OFFSETS copies */
    int64_t *offset_sections; /* the section of each of those offsets */
    size_t noffsets;
} ss_literal_dup;

typedef struct {
    uint64_t sections;      /* sections scanned */
    uint64_t scanned_bytes;
    uint64_t boundaries;    /* distinct boundaries inside those sections */
    uint64_t refs, symbols; /* references and symbols that gave one */
    uint64_t count, bytes;  /* objects and their bytes */
    uint64_t unique;        /* distinct contents among the objects */
    uint64_t duplicate_groups, duplicate_bytes;
    uint64_t text_groups, text_bytes, table_groups, table_bytes; /* the duplicates by kind */
    uint64_t anchored_groups, anchored_bytes; /* of them, found by the anchored match */
    bool work_capped;       /* the anchored match stopped at its work budget */
    ss_literal_dup *duplicates; /* largest waste first, at most SS_KEEP_STRINGS */
    size_t nduplicates;
    const char *toolchain;  /* "rust", "c" (symbols without Rust's marks) or NULL (no symbols) */
    ss_linker linker;
    const char *hint;       /* which setting recovers the waste; NULL when nothing to say */
} ss_literals_result;

/* ---- permissions ---------------------------------------------------------------------------- */

/* The older keys of `permissions`: the format-free ones (wx_segments, wx_sections,
 * rodata_exec) decided here with their evidence; exec_stack, relro, pie, nx and textrel copied
 * from the reader's checks (their evidence is the check's). The other keys are the image's
 * checks, listed by core/checks.h. */
typedef struct {
    ss_hval wx_segments, wx_sections, exec_stack, relro, pie, nx, textrel, rodata_exec;
    const char *wx_segments_ev, *wx_sections_ev, *rodata_exec_ev; /* arena strings or NULL */
} ss_perms_result;

/* ---- findings ------------------------------------------------------------------------------- */

typedef struct {
    const char *id;    /* stable: "wx-segment", "exec-stack", ... */
    ss_severity severity;
    const char *message;
    ss_evidence *evidence;
    size_t nevidence;      /* kept: at most MAX_EVIDENCE (core/analysis.c) */
    size_t evidence_total; /* how many there were: the text report's "+N more" counts these */
} ss_finding;

struct ss_analysis {
    unsigned ran;      /* SS_AN_* bits of the analyses that completed */
    ss_bss_result bss;
    ss_strings_result strings;
    ss_perms_result perms;
    ss_literals_result literals;
    ss_strings_across *across; /* first member of an archive only, else NULL */
    ss_finding *findings;
    size_t nfindings;
};
/* Runs the analyses o selects on im and stores the result in im->analysis. A failure (out of
 * memory, over the arena's cap) is returned in d and also recorded as an image warning; the
 * analyses that completed stay available. The BSS analysis first reads the tables the reader
 * deferred (ss_image_load_tables); when they cannot be read the image failed to load: that is
 * returned in d (and in im->tables_status), nothing else runs, and the image is to be dropped
 * as ss_analyze_input does. */
ss_status ss_analyze(ss_image *im, const ss_analysis_opts *o, ss_diag *d);
/* Analyzes every image of an input, then the strings shared across archive members. Safe to
 * call from several threads on different inputs. */
void ss_analyze_input(ss_input *in, const ss_analysis_opts *o);

/* Names used in output. */
const char *ss_linker_name(ss_linker l);     /* "lld", "gnu-ld", ... or NULL */

/* Internal to core/: one analysis each (analysis.c calls them). */
ss_status ss_bss_analyze(ss_image *im, const ss_analysis_opts *o, ss_bss_result *out, ss_diag *d);
ss_status ss_strings_analyze(ss_image *im, const ss_analysis_opts *o, ss_strings_result *out,
                             ss_diag *d);
/* The string analysis on a thread of its own: start it, run the BSS analysis meanwhile, then
 * finish it (which joins the thread and writes the lists into im's arena). The job first makes
 * im's copy of the literal sections (ss_image_copy_literals) on its thread, and otherwise reads
 * im only; NULL when out of memory. */
typedef struct ss_strings_job ss_strings_job;
ss_strings_job *ss_strings_start(ss_image *im, const ss_analysis_opts *o);
ss_status ss_strings_finish(ss_strings_job *j, ss_image *im, ss_strings_result *out,
                            ss_diag *d);
ss_status ss_literals_analyze(ss_image *im, const ss_analysis_opts *o, ss_literals_result *out,
                              ss_diag *d);
void ss_perms_analyze(const ss_image *im, ss_perms_result *out);
/* Whether section i is read-only data in an executable segment (the rodata_in_exec rule). */
bool ss_perms_rodata_exec(const ss_image *im, size_t i);
/* Cross-member figures over n analyzed images; the result is allocated in owner's arena. */
ss_status ss_strings_across_compute(ss_image *owner, ss_image *const *ims, size_t n,
                                    ss_strings_across **out, ss_diag *d);

#endif
