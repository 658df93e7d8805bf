/* fuzz_dwarf.c - a libFuzzer target for the debug-information path (issue 22): the readers,
 * then formats/dwarf.c through libdw (units, ranges, .debug_aranges, line tables; compressed
 * debug sections through the content layer and the in-memory ELF), core/debuginfo.c's pieces,
 * and the -d tables and JSON arrays of crates, compileunits, inputfiles and symbols under them.
 * No lookup of separate debug files: a fuzz input must not read the machine's files. */
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
    ss_pipeline_opts po = ss_pipeline_opts_default();
    po.analysis.which = SS_AN_SIZES; /* the other analyses have their own target */
    po.symbols = true;
    po.debug = true;
    po.debug_opts = (ss_debug_opts){.lines = true, .lookup = false};
    ss_input *in = ss_pipeline_load_buffer("fuzz", copy, size, &po);
    if (in) {
        static const char *const lists[] = {"compileunits,symbols", "crates,compileunits",
                                            "compileunits,inputfiles", "sections,inputfiles"};
        for (int k = 0; k < 4; k++) {
            for (int json = 0; json < 2; json++) {
                ss_emit_opts eo = {.top = 3};
                const char *why;
                if (!ss_datasrc_parse(lists[k], &eo, &why))
                    abort(); /* the lists are valid: a failure here is a bug */
                ss_report *r =
                    ss_report_begin(sink, sink, ss_emitter_find(json ? "json" : "text"), &eo);
                if (r) {
                    ss_report_input(r, in);
                    ss_report_end(r);
                }
            }
        }
        ss_input_free(in);
    }
    free(copy);
    return 0;
}
