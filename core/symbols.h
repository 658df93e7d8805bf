/* symbols.h - the symbol layer: every named object of an image with the bytes it costs.
 *
 * Built from the symbol table a reader loaded (ss_image.symbols), format-neutrally: each
 * defined symbol with a size becomes a row attributed to its section and that section's
 * loadable segment, with the memory bytes and file bytes it covers (an object in a zero-fill
 * section costs memory and no file bytes). Several names at one address and size (aliases) are
 * counted once: one row holds the bytes, the others point at it. Bytes of a section that no
 * symbol covers become one "[section NAME: no symbol]" row, so that per section the attributed
 * bytes of its rows add up exactly to its memory size and to its file size.
 *
 * Cost: one sort of the symbols by (section, offset) - O(n log n) - and one linear pass;
 * allocations are sized by the number of symbols the reader already holds, never by a header
 * field. */
#ifndef SS_SYMBOLS_H
#define SS_SYMBOLS_H

#include <stdbool.h> /* bool */
#include <stddef.h>  /* size_t */
#include <stdint.h>  /* uint64_t */

#include "image.h"

typedef struct {
    const char *name;    /* demangled (unless demangling is off or the name is no mangled name);
                          * "[section NAME: no symbol]" for a no-symbol row */
    const char *mangled; /* the name as stored in the table; NULL for a no-symbol row */
    int64_t section;     /* index into im->sections */
    int64_t segment;     /* index into im->segments of the loadable segment, or -1 */
    uint64_t value;      /* the table's value: an address, a section offset (relocatable
                          * objects) or a TLS offset (thread-local symbols of linked images) */
    uint64_t vaddr;      /* the address of its first byte (relocatable objects: section offset) */
    uint64_t offset;     /* offset of its first byte in its section */
    uint64_t size;       /* its size: the table's, or derived (size_derived) */
    uint64_t vm_size;    /* bytes of memory it occupies (0 in a section not loaded) */
    uint64_t file_size;  /* bytes of the file it occupies (0 in zero-fill) */
    uint64_t file_offset; /* file offset (in the file on disk) of its first file byte, or
                           * UINT64_MAX when it has no file bytes */
    uint64_t row_vm, row_file; /* bytes this row accounts for in tables: its own, less what a
                                * lower-addressed row already covers (overlaps counted once);
                                * 0 for aliases */
    int64_t alias_of;    /* index of the row holding its bytes (same address and size), or -1 */
    uint32_t aliases;    /* names sharing this row's bytes (alias rows pointing at it) */
    ss_sym_type type;
    ss_sym_bind bind;
    bool size_derived;
    bool nosym;          /* a "[section NAME: no symbol]" row */
} ss_symrow;

typedef struct {
    ss_symrow *rows; /* per section in offset order, each section's no-symbol row last */
    size_t n;
    char **owned;    /* demangled names (freed by ss_symtab_free) */
    size_t nowned;
} ss_symtab;

/* Builds the rows of im (demangle: show demangled names). false when out of memory. */
bool ss_symtab_build(const ss_image *im, bool demangle, ss_symtab *out);
void ss_symtab_free(ss_symtab *t);

/* What a symbol in a section of kind k is, in words, for `segscan where`
 * ("zero-initialised: costs 10000 bytes of memory and no file bytes"), into buf. */
const char *ss_symrow_meaning(const ss_image *im, const ss_symrow *r, char *buf, size_t len);

/* Whether pat (an exact name or a glob) matches the row: its demangled or mangled name, the
 * mangled name without the format's leading character lead (Mach-O's '_'; 0: none), or the last
 * part of a qualified demangled name ("BUFFER" matches "app::BUFFER"). */
bool ss_symrow_matches(const char *pat, const ss_symrow *r, char lead);

#endif
