/* analysis_emit.h - rendering the analyses of core/analysis.h (internal to emit/). */
#ifndef SS_ANALYSIS_EMIT_H
#define SS_ANALYSIS_EMIT_H

#include <stdio.h> /* FILE */

#include "../core/analysis.h"
#include "emit.h"
#include "jsonw.h"

/* Each analysis's writers, one entry per analysis (emit/analysis_emit.c), in the order of the
 * text report's blocks and of the JSON image's members. */
typedef struct {
    unsigned bit;        /* SS_AN_* */
    const char *heading; /* the text report's block it goes under */
    void (*text)(FILE *f, const ss_image *im, const ss_emit_opts *o);
    void (*json)(ss_jw *w, const ss_image *im); /* one member of the image object */
} ss_analysis_writer;
const ss_analysis_writer *ss_analysis_writers(size_t *n);

/* analysis_text.c, analysis_json.c */
void ss_text_bss(FILE *f, const ss_image *im, const ss_emit_opts *o);
void ss_text_strings(FILE *f, const ss_image *im, const ss_emit_opts *o);
void ss_text_perms(FILE *f, const ss_image *im, const ss_emit_opts *o);
void ss_text_literals(FILE *f, const ss_image *im, const ss_emit_opts *o);
void ss_json_bss(ss_jw *w, const ss_image *im);
void ss_json_strings(ss_jw *w, const ss_image *im);
void ss_json_perms(ss_jw *w, const ss_image *im);
void ss_json_literals(ss_jw *w, const ss_image *im);

/* The "Savings" and "Permissions" blocks of one image; nothing when it was not analyzed. */
void ss_text_analysis(FILE *f, const ss_image *im, const ss_emit_opts *o);
/* The bss, strings, literals, permissions and findings members of one image object (only those of the
 * analyses that ran). */
void ss_json_analysis(ss_jw *w, const ss_image *im);

#endif
