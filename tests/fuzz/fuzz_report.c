/* fuzz_report.c - a libFuzzer target for the whole path: recognition, containers, readers,
 * analyzers, and every emitter (text, JSON, DOT), as the command runs them. */
#include <stdint.h> /* uint8_t */
#include <stdio.h>  /* fopen */
#include <stdlib.h> /* malloc, free */
#include <string.h> /* memcpy */

#include "emit.h"
#include "formats.h"
#include "analysis.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static FILE *sink;
    if (sink == NULL && (sink = fopen("/dev/null", "w")) == NULL)
        return 0;
    uint8_t *copy = malloc(size ? size : 1);
    if (copy == NULL)
        return 0;
    memcpy(copy, data, size);
    ss_input *in = ss_input_from_buffer("fuzz", copy, size);
    if (in) {
        ss_load_opts opts = ss_load_opts_default();
        opts.defer_tables = true; /* as the command loads: the analysis reads the tables */
        ss_formats_load(in, &opts);
        ss_analysis_opts ao = ss_analysis_opts_default();
        ss_analyze_input(in, &ao); /* what the command runs after loading */
        /* Every emitter of the table: text first (with -n 5), JSON pretty, DOT with 4 rows. */
        const ss_emitter *em;
        for (size_t f = 0; (em = ss_emitter_at(f)) != NULL; f++) {
            ss_emit_opts eo = {.top = f ? 0 : 5, .pretty = f == 1, .dot_max_rows = f == 2 ? 4 : 0};
            ss_report *r = ss_report_begin(sink, sink, em, &eo);
            if (r) {
                ss_report_input(r, in);
                ss_report_end(r);
            }
        }
        ss_input_free(in);
    }
    free(copy);
    return 0;
}
