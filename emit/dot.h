/* dot.h - the Graphviz memory-layout diagram (--format dot), driven by report.c. */
#ifndef SS_DOT_H
#define SS_DOT_H

#include <stdio.h> /* FILE */

#include "emit.h"

/* Opens the graph (one per run). */
void ss_dot_begin(FILE *f);
/* Opens and closes the cluster around the members or slices of an archive or universal file;
 * id numbers containers within the run. */
void ss_dot_container_begin(FILE *f, const ss_input *in, size_t id);
void ss_dot_container_end(FILE *f);
/* Writes one image's cluster; id numbers images within the run (node names depend on it). */
void ss_dot_image(FILE *f, const ss_image *im, size_t id, const ss_emit_opts *o);
/* Writes the legend and the caption and closes the graph. */
void ss_dot_end(FILE *f);

#endif
