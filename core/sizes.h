/* sizes.h - size totals of an image under one documented rule.
 *
 * GNU size, llvm-size and eu-size disagree on where read-only data goes. segscan uses the
 * Berkeley rule of GNU size (bfd's berkeley_sum): over allocated sections, executable or
 * read-only ones count as text, writable ones with file bytes as data, writable zero-fill as
 * bss. Core files, whose contents are their segments, are summed over their loadable segments
 * the way bfd turns them into sections. The text report names the rule; the JSON carries it as
 * "size_rule". */
#ifndef SS_SIZES_H
#define SS_SIZES_H

#include <stdbool.h> /* bool */
#include <stdint.h>  /* uint64_t */

#include "image.h"

#define SS_SIZE_RULE "berkeley"
#define SS_SIZE_RULE_TEXT "berkeley: read-only data counts as text, as in GNU size"

typedef struct {
    uint64_t text, data, bss;     /* the rule above, in VM bytes */
    uint64_t vm_total;            /* sum of VM sizes of allocated sections */
    uint64_t segments_vm;         /* sum of VM sizes of loadable segments */
    uint64_t kind_vm[SS_KIND_COUNT];
    uint64_t kind_file[SS_KIND_COUNT]; /* file bytes attributed in the file map */
    uint64_t headers_file;        /* file bytes in named regions (headers, tables) */
    uint64_t padding_file;        /* all-zero bytes covered by nothing */
    uint64_t unmapped_file;       /* other bytes covered by nothing */
    bool saturated;               /* a sum above passed 2^64-1 and is held at UINT64_MAX */
} ss_sizes;

/* *acc += v, held at UINT64_MAX instead of wrapping; true when it saturated. Every total of
 * sizes is a checked sum: two NOBITS sections of 2^63 and 2^63+1 bytes are "bss
 * 18446744073709551615", never "bss 1", so no budget on a total passes a file that claims
 * more than the address space. */
static inline bool ss_sat_add(uint64_t *acc, uint64_t v)
{
    if (__builtin_add_overflow(*acc, v, acc)) {
        *acc = UINT64_MAX;
        return true;
    }
    return false;
}

/* The warning ss_image_finish attaches to an image whose totals saturated. */
#define SS_SIZES_SATURATED_WARNING                                                              \
    "the sizes of its sections or segments sum past 2^64-1 bytes: totals are saturated at "    \
    "18446744073709551615"

/* Fills out from the image's sections, segments and file map. */
void ss_sizes_compute(const ss_image *im, ss_sizes *out);

#endif
