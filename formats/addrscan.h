/* addrscan.h - where code takes the address of read-only data: object starts from instructions.
 *
 * Literals and constant tables carry no size of their own; the code that uses one loads its
 * address, and that address is where the object starts. Two instruction forms load nearly all
 * such addresses: x86-64 `lea reg, [rip + disp32]` and AArch64 `adrp` followed by `add` of the
 * low 12 bits. They are found by a byte-pattern scan of executable sections, not by disassembly:
 * a pattern can also match inside another instruction's bytes, so only targets that land inside
 * a section that can hold literals are kept, and tests/addrscan_check.py measures the agreement
 * with llvm-objdump-14 on real binaries (issue 19, item 2). */
#ifndef SS_ADDRSCAN_H
#define SS_ADDRSCAN_H

#include <stdbool.h> /* bool */
#include <stddef.h>  /* size_t */
#include <stdint.h>  /* uint64_t */

#include "../core/image.h"

typedef enum { SS_ISA_NONE, SS_ISA_X86_64, SS_ISA_AARCH64 } ss_isa;

/* One address load: the instruction's address (the adrp's for AArch64) and the address loaded. */
typedef struct {
    uint64_t at, target;
} ss_addr_load;

/* The instruction set whose address loads segscan can find in im, or SS_ISA_NONE. */
ss_isa ss_addrscan_isa(const ss_image *im);

/* Appends to *out (ss_big_alloc'd, core/bigmem.h: *n entries, *cap room) the address loads in code[0, n_code) mapped at
 * vaddr whose target satisfies keep(ctx, target). False when out of memory. Linear in n_code. */
bool ss_addrscan(ss_isa isa, const uint8_t *code, size_t n_code, uint64_t vaddr,
                 bool (*keep)(void *ctx, uint64_t target), void *ctx, ss_addr_load **out,
                 size_t *n, size_t *cap);

/* The sections that can hold literals (ss_section.literals, allocated) by address: where a
 * loaded or relocated address may start an object. */
typedef struct {
    uint64_t lo, hi; /* virtual addresses [lo, hi) */
} ss_addr_range;
typedef struct {
    ss_addr_range *r; /* sorted by lo */
    size_t n;
} ss_litmap;
/* Builds the map of im (false when out of memory); ss_litmap_free releases it. */
bool ss_litmap_init(ss_litmap *l, const ss_image *im);
void ss_litmap_free(ss_litmap *l);
/* The literal-capable section holding va, or NULL. */
const ss_addr_range *ss_litmap_find(const ss_litmap *l, uint64_t va);

/* A list of address loads on 2 MiB pages where big (core/bigmem.h); free with ss_addr_list_free. */
typedef struct {
    ss_addr_load *v;
    size_t n, cap;
} ss_addr_list;

/* The address loads of every executable section of a linked image (ELF, PE, Mach-O) whose
 * target lies in a section that can hold literals (ss_section.literals), in file order; a
 * section whose bytes an earlier one holds already is not scanned again. The code is read with
 * ss_image_read, a chunk at a time, not through the mapping. False (and an empty list) when out
 * of memory. */
bool ss_addrscan_image(const ss_image *im, ss_addr_list *out);
/* The same, read chunk bytes (a multiple of 4) at a time whatever the bytes are
 * (ss_addrscan_image: 256 KiB, from a mapped file only); for the tests, whose small chunks put
 * many patterns across chunk ends. */
bool ss_addrscan_image_chunked(const ss_image *im, size_t chunk, ss_addr_list *out);
void ss_addr_list_free(ss_addr_list *l);

#endif
