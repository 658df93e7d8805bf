/* debuginfo.h - compile units, crates and source files of an image, from its debug information.
 *
 * A reader in formats/ (formats/dwarf.c, through libdw) fills an ss_debuginfo in the image's
 * arena with format-neutral facts: each compile unit's name (relative to its compilation
 * directory when that is shorter), the crate of a Rust unit, the address ranges each unit's
 * code covers and, when asked, the ranges the line table gives each source file. core/ turns
 * them into bytes per section here: each range is clipped to the sections it lies in (overlaps
 * counted once, the lower range first), and what no range covers is the section's "no debug
 * info" remainder, so that per section the pieces add up exactly to its memory size and to the
 * file bytes the file map gives it. core/ and emit/ include no DWARF header.
 *
 * Cost: one sort of the ranges, one binary search per section, one pass per piece; every array
 * is sized by what the reader kept (which formats/dwarf.c caps by the debug sections' sizes). */
#ifndef SS_DEBUGINFO_H
#define SS_DEBUGINFO_H

#include <stdbool.h> /* bool */
#include <stddef.h>  /* size_t */
#include <stdint.h>  /* uint64_t, uint32_t */

#include "diag.h"

struct ss_image;

#define SS_DEBUG_NONE UINT32_MAX /* no unit / no file */

typedef struct {
    uint64_t lo, hi; /* [lo, hi) virtual addresses */
    uint32_t unit;   /* index into units */
    uint32_t file;   /* index into files (line ranges), or SS_DEBUG_NONE (unit ranges) */
} ss_debug_range;

typedef struct {
    const char *name;  /* DW_AT_name, relative to the compilation directory when shorter */
    const char *crate; /* a Rust unit's crate ("regex" of ".../@/regex.1a2b-cgu.0"), or NULL */
} ss_debug_unit;

typedef struct ss_debuginfo {
    /* SS_OK when the debug information was read; otherwise diag says in one line why there is
     * none or why it was not read (no .debug_info, a PDB, a hostile length), and what the rows
     * then are: every byte "[no debug info: SECTION]". */
    ss_status status;
    ss_diag diag;
    const char *from;   /* the separate debug file the units came from, or NULL */
    const char *warning; /* one line about the lookup (a debug file whose build-id does not
                          * match), or NULL */
    ss_debug_unit *units;
    size_t nunits;
    ss_debug_range *ranges; /* unit ranges, as the units give them (unsorted, may overlap) */
    size_t nranges;
    const char **files;     /* source files of the line tables (when asked for) */
    size_t nfiles;
    ss_debug_range *lines;  /* line-table ranges: unit and file */
    size_t nlines;
    bool has_lines;         /* the line tables were read */
} ss_debuginfo;

/* What a piece is grouped by. */
typedef enum { SS_DG_UNIT, SS_DG_FILE } ss_debug_by;

/* Bytes of one section that one unit (or source file) covers; unit == SS_DEBUG_NONE: the
 * section's bytes no range covers ("[no debug info: SECTION]"). lo is the piece's first
 * section offset (pieces of a section are in offset order; the remainder comes last). */
typedef struct {
    int64_t section;
    uint32_t unit, file;
    uint64_t lo, vm, file_bytes;
} ss_debug_piece;

/* The pieces of every section of im (im->debug may be NULL or unread: then one remainder piece
 * per section with bytes). by: unit ranges or line ranges. false when out of memory. */
bool ss_debug_pieces(const struct ss_image *im, ss_debug_by by, ss_debug_piece **out, size_t *n);

/* The name a row of piece p has at grouping level: "crates" (a unit's crate, "[non-Rust
 * units]" for the others), units or files; the remainder "[no debug info: SECTION]" is written
 * into buf. */
typedef enum { SS_DN_CRATE, SS_DN_UNIT, SS_DN_FILE } ss_debug_name;
const char *ss_debug_piece_name(const struct ss_image *im, const ss_debug_piece *p,
                                ss_debug_name level, char *buf, size_t len);

/* Whether pattern (a name or glob) matches the unit (its name, or its crate). */
bool ss_debug_unit_matches(const char *pat, const ss_debug_unit *u, bool crate);

#endif
