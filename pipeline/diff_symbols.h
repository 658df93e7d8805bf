/* diff_symbols.h - the symbol table of `segscan diff -d symbols` (diff_symbols.c). */
#ifndef SS_DIFF_SYMBOLS_H
#define SS_DIFF_SYMBOLS_H

#include <stdbool.h> /* bool */

#include "ci.h"
#include "image.h"

/* Rows of the symbols that changed between a (base; NULL when absent) and b (new; NULL when
 * absent), unsorted; rows are owned by out (freed like the other diff tables) also when it
 * returns false (out of memory). */
bool ss_diff_symbols(ss_diff_table *out, const ss_image *a, const ss_image *b, bool demangle);

#endif
