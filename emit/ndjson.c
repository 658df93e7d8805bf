/* ndjson.c - the report as newline-delimited JSON: one image object per line (the report
 * schema's $defs/image), written and flushed as each input finishes, so a run over a whole
 * distribution streams into jq or a log pipeline and sharded runs concatenate without a merge.
 * Inputs that fail are reported on stderr (and in the exit status) as for every format. */
#include "datasrc.h"
#include "emit_internal.h"

static void ndjson_input(ss_report *r, const ss_input *in, const ss_totals *t)
{
    (void)t;
    for (size_t u = 0; u < in->nunits; u++) {
        if (in->units[u].image == NULL)
            continue;
        ss_jw w;
        ss_jw_init(&w, r->out, false);
        ss_json_image(&w, in->units[u].image, &r->opts);
        ss_jw_finish(&w); /* the newline */
    }
}

const ss_emitter ss_emitter_ndjson = {
    .name = "ndjson",
    .about = "one JSON image object per line, streamed as each file finishes",
    .input = ndjson_input,
};
