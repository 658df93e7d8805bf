/* formats.h - the public entry point of segscan's format readers. */
#ifndef SS_FORMATS_H
#define SS_FORMATS_H

#include <stdbool.h> /* bool */
#include <stdint.h>  /* uint64_t */

#include "../core/image.h"
#include "../core/input.h"

typedef struct {
    bool symbols; /* read symbol tables (needed by the BSS analysis) */
    bool relocs;  /* read relocation targets (needed by the BSS analysis) */
    bool refs;    /* add references into literal-capable sections (ss_ref: relocation targets,
                   * code address loads, pointer-length pairs; needed by the literals analysis) */
    bool verify_compressed; /* decompress compressed sections to check their stated sizes */
    bool defer_tables; /* ELF: leave symbols and relocs to ss_image_load_tables (the analysis
                        * then reads them on its own thread while the string analysis runs:
                        * 2-3 ms of libLLVM-15's load) */
    bool no_checks; /* skip the hardening checks (ELF: canary, FORTIFY, stripping, RELRO, ...),
                     * which only the perms analysis reads: over 493 libraries with --only sizes
                     * the two symbol-table scans for canary and FORTIFY were 9% of the time */
} ss_load_opts;

/* Options with everything on. */
ss_load_opts ss_load_opts_default(void);

/* Recognises in->bytes (ELF, PE/COFF, Mach-O, ar archive, universal binary) and fills in->units.
 * A failure of the input as a whole (unknown format, broken container) sets in->status and
 * in->diag; failures of single members become units without an image. */
void ss_formats_load(ss_input *in, const ss_load_opts *opts);

/* True when the first bytes look like a format segscan reads (used by directory walks). */
bool ss_formats_recognised(ss_span head);

/* Most bytes ss_section_content will inflate a compressed section to, relative to its stored
 * size: a decompression bomb stops here (zlib's best ratio is about 1032:1). */
#define SS_INFLATE_RATIO_MAX 1100u

/* One decompression budget per image, whatever reads compressed bytes (verification,
 * content reads): the bytes a stream takes in plus the bytes it gives out, for all sections
 * together. 2,000 sections sharing one 100 KB stream of 100 MiB each ran for minutes; the
 * budget stops such a file after a few hundred MiB. A section past it is not decompressed. */
#define SS_INFLATE_BUDGET_BASE (256u << 20)
#define SS_INFLATE_BUDGET_PER_BYTE 64u
uint64_t ss_inflate_budget(const ss_image *im);
/* True when decompressing section idx would spend more than the image's budget left. */
bool ss_section_over_budget(const ss_image *im, size_t idx);

/* The bytes of section idx as the program sees them: borrowed from the image when stored
 * plainly, decompressed into the image's arena when compressed (zlib, zstd, .zdebug). Refuses
 * (SS_E_LIMIT) to produce more than cap bytes or more than SS_INFLATE_RATIO_MAX times the stored
 * size, and fails (SS_E_CORRUPT) when the stream does not yield exactly the size its header
 * states. NOBITS/zerofill sections give an empty span. */
ss_status ss_section_content(ss_image *im, size_t idx, uint64_t cap, ss_span *out, ss_diag *d);

/* Checks that compressed section idx decompresses to exactly the size its header states,
 * streaming through a 64 KiB window (nothing is kept, nothing sized by the header is
 * allocated), under the same ratio cap. SS_OK for uncompressed sections. */
ss_status ss_section_verify(ss_image *im, size_t idx, ss_diag *d);

/* What ss_image_load_debug reads. */
typedef struct {
    bool lines;                     /* also the line tables (-d inputfiles) */
    char *const *debug_files;       /* --debug-file paths, tried first (checked by build-id) */
    size_t ndebug_files;
    bool lookup;                    /* then the usual places: /usr/lib/debug/.build-id/xx/rest.debug,
                                     * .gnu_debuglink next to the file, in its .debug/ and under
                                     * /usr/lib/debug (SEGSCAN_DEBUG_ROOT replaces that root) */
} ss_debug_opts;

/* Reads im's compile units (and line tables when asked) into im->debug (core/debuginfo.h),
 * through libdw: from the image's own DWARF sections, or from its separate debug file when it
 * has none. Never fails visibly: im->debug->status and diag say why there are no units, and
 * im->debug->warning names a debug file that did not match. Once per image; im->debug stays
 * NULL only when out of memory. */
void ss_image_load_debug(ss_image *im, const ss_debug_opts *o);

#endif
