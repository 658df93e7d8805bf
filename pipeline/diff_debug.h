/* diff_debug.h - the compile-unit, crate or source-file table of `segscan diff -d compileunits`
 * (diff_debug.c). */
#ifndef SS_DIFF_DEBUG_H
#define SS_DIFF_DEBUG_H

#include <stdbool.h> /* bool */

#include "ci.h"
#include "debuginfo.h"
#include "image.h"

/* Rows of the units (crates, files: level) that changed between a (base; NULL when absent) and
 * b (new; NULL when absent), unsorted; the images' debug information must have been read (an
 * image without it has only "[no debug info: SECTION]" rows). Rows are owned by out also when
 * it returns false (out of memory). */
bool ss_diff_debug(ss_diff_table *out, const ss_image *a, const ss_image *b, ss_debug_name level);

#endif
