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

#include <stdint.h> /* uint64_t */

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
} ss_sizes;

/* Fills out from the image's sections, segments and file map. */
void ss_sizes_compute(const ss_image *im, ss_sizes *out);

#endif
