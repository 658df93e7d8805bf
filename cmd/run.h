/* run.h - loading the inputs of one command run (shared by the report, diff and check). */
#ifndef SS_RUN_H
#define SS_RUN_H

#include <stddef.h> /* size_t */

#include "formats.h"

/* Opens and loads each path (in order); never NULL entries unless out of memory, in which case
 * NULL is returned. *failed is set when any input or member could not be analyzed. */
ss_input **ss_run_load(char *const *paths, size_t n, const ss_load_opts *lo, bool *failed);
/* Frees what ss_run_load returned. Accepts NULL. */
void ss_run_free(ss_input **in, size_t n);

#endif
