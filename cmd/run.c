/* run.c - loading the inputs of one run. */
#include "run.h"

#include <stdlib.h> /* calloc, free */

ss_input **ss_run_load(char *const *paths, size_t n, const ss_load_opts *lo, bool *failed)
{
    ss_input **in = calloc(n ? n : 1, sizeof *in);
    if (in == NULL)
        return NULL;
    *failed = false;
    for (size_t i = 0; i < n; i++) {
        in[i] = ss_input_open(paths[i]);
        if (in[i] == NULL) {
            ss_run_free(in, i);
            return NULL;
        }
        ss_formats_load(in[i], lo);
        if (in[i]->status != SS_OK || ss_input_failures(in[i]) > 0)
            *failed = true;
    }
    return in;
}

void ss_run_free(ss_input **in, size_t n)
{
    if (in == NULL)
        return;
    for (size_t i = 0; i < n; i++)
        ss_input_free(in[i]);
    free(in);
}
