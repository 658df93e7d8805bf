/* fuzz_report.c - a libFuzzer target for the whole path: recognition, containers, readers,
 * analyzers (through the pipeline, as the command runs them), and every emitter of the table. */
#include <stdint.h> /* uint8_t */
#include <stdio.h>  /* fopen */
#include <stdlib.h> /* malloc, free, abort */
#include <string.h> /* memcpy */

#include "emit.h"
#include "pipeline.h"

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
    ss_pipeline_opts po = ss_pipeline_opts_default(); /* the command's pipeline, as it runs */
    po.symbols = true; /* and the symbol tables for the symbol layer (-d symbols, where) */
    ss_input *in = ss_pipeline_load_buffer("fuzz", copy, size, &po);
    if (in) {
        /* Every emitter of the table: text first (with -n 5), JSON pretty, DOT with 4 rows. */
        const ss_emitter *em;
        for (size_t f = 0; (em = ss_emitter_at(f)) != NULL; f++) {
            if (!ss_emitter_renders(em, SS_DOC_REPORT))
                continue; /* junit: check only */
            ss_emit_opts eo = {.top = f ? 0 : 5, .pretty = f == 1, .dot_max_rows = f == 2 ? 4 : 0};
            ss_report *r = ss_report_begin(sink, sink, em, &eo);
            if (r) {
                ss_report_input(r, in);
                ss_report_end(r);
            }
        }
        /* The symbol layer: -d sections,symbols as text (-n 3), -d members,symbols as JSON. */
        static const char *const lists[] = {"sections,symbols", "members,symbols"};
        for (int k = 0; k < 2; k++) {
            ss_emit_opts eo = {.top = 3};
            const char *why;
            if (!ss_datasrc_parse(lists[k], &eo, &why))
                abort(); /* the lists are valid: a failure here is a bug */
            ss_report *r = ss_report_begin(sink, sink, ss_emitter_find(k ? "json" : "text"), &eo);
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
