/* analysis_emit.h - rendering the analyses of core/analysis.h (internal to emit/). */
#ifndef SS_ANALYSIS_EMIT_H
#define SS_ANALYSIS_EMIT_H

#include <stdio.h> /* FILE */

#include "../core/analysis.h"
#include "emit.h"
#include "jsonw.h"

/* The "Savings" and "Permissions" blocks of one image; nothing when it was not analyzed. */
void ss_text_analysis(FILE *f, const ss_image *im, const ss_emit_opts *o);
/* The bss, strings, permissions and findings members of one image object (only those of the
 * analyses that ran). */
void ss_json_analysis(ss_jw *w, const ss_image *im);

#endif
