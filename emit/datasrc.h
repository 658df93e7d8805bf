/* datasrc.h - bloaty-style data sources (-d): the report as one table of segments, sections,
 * symbols or archive members, or a two-level breakdown (-d sections,symbols: the largest
 * symbols inside each section), and the symbol rows in JSON. */
#ifndef SS_DATASRC_H
#define SS_DATASRC_H

#include <stdbool.h> /* bool */
#include <stdio.h>   /* FILE */

#include "../core/input.h"
#include "../core/symbols.h"
#include "emit.h"
#include "jsonw.h"

/* The text tables of one input for o->sources (members: one table over its units; otherwise
 * one table per image). */
void ss_text_datasrc(FILE *f, const ss_input *in, const ss_emit_opts *o);

/* One symbol row as a JSON object: the fields of a `segscan where` match; with table (the
 * rows it belongs to) also binding, no_symbol, counted sizes and alias_of. */
void ss_json_symrow(ss_jw *w, const ss_image *im, const ss_symrow *r, const ss_symtab *table);
/* The image's "symbols" array (null when its symbol tables could not be read). */
void ss_json_symbols(ss_jw *w, const ss_image *im, const ss_emit_opts *o);

/* With a debug source in o: the image's "debuginfo" object (whether units were read, why not,
 * from which debug file) and its "crates", "compileunits" and "inputfiles" arrays (those asked
 * for), each row {"name", "vm_size", "file_size"}. */
void ss_json_debug(ss_jw *w, const ss_image *im, const ss_emit_opts *o);

#endif
