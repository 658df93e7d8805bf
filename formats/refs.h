/* refs.h - references into read-only data (core/image.h ss_ref), shared by the readers.
 *
 * Each reader knows how its format fills pointers at load time (ELF relocations, PE base
 * relocations, Mach-O rebases and chained fixups) and turns them into fixes: a pointer-sized
 * place and the address it receives. What a fix says about read-only data is the same in every
 * format, and is decided here once: a target inside a section that can hold literals starts an
 * object there (SS_REF_RELOC), and a fixed pointer followed by a plausible length is a slice
 * whose end is known (SS_REF_PAIR: Rust's &str and &[T], C's {ptr, len} tables). The address
 * loads of code (addrscan.h) are added here too. */
#ifndef SS_REFS_H
#define SS_REFS_H

#include <stdbool.h> /* bool */
#include <stddef.h>  /* size_t */
#include <stdint.h>  /* uint64_t */

#include "../core/image.h"

/* A pointer-sized place that is filled at load time, and the address it receives. */
typedef struct {
    uint64_t site, target;
} ss_fix;

/* The allocated sections with file bytes, by address: reads of words at virtual addresses.
 * From a mapped file the words come through a window read by pread (ss_image_read), moved as
 * the reads go: the fixes are read in the order of their places, and a first touch of a mapped
 * page costs ~2.3 us on this project's VM (libLLVM-15's 8 MB of .data.rel.ro: ~4.6 ms). */
typedef struct {
    const ss_image *im;
    struct ss_vrange *r;
    size_t n;
    uint8_t *win;      /* the window (malloc'd), or NULL: the bytes are read where they lie */
    uint64_t wlo, whi; /* the image offsets it holds */
    size_t last;       /* the range of the last read: the next is most often in it */
} ss_vmap;

/* Builds the map of im (false when out of memory); ss_vmap_free releases it. */
bool ss_vmap_init(ss_vmap *m, const ss_image *im);
void ss_vmap_free(ss_vmap *m);
/* The width-byte word (4 or 8) at virtual address va, in the image's byte order: false when
 * those bytes are not all in the file bytes of one allocated section. */
bool ss_vmap_word(ss_vmap *m, uint64_t va, unsigned width, uint64_t *out);

/* Adds the references of a linked image, reserved at once:
 * - from the fixes (fx may be sorted here by site; ptr is the pointer size): SS_REF_RELOC for
 *   each target inside a literal-capable section, and SS_REF_PAIR where the word after a fixed
 *   pointer, in the same section, is not itself fixed and holds a length from 1 to the bytes
 *   left in that section after the target (a pointer ending .data.rel.ro is followed by
 *   .dynamic's first tag, DT_NEEDED = 1: no length);
 * - from the code: SS_REF_CODE for the targets of the address loads that lie in literal-capable
 *   sections (addrscan.h: x86-64 and AArch64; nothing for other machines or objects).
 * False when out of memory (the arena's cap included). */
bool ss_refs_build(ss_image *im, ss_fix *fx, size_t n, unsigned ptr);

#endif
