/* emit.h - rendering analyzed inputs: text, JSON, NDJSON, CSV, Markdown, SARIF, Graphviz.
 *
 * Emitters only read the model; they never decide what a byte is. They write to the FILE the
 * caller gives (cmd/ owns the terminal); errors of inputs are rendered by ss_emit_errors. */
#ifndef SS_EMIT_H
#define SS_EMIT_H

#include <stdbool.h> /* bool */
#include <stddef.h>  /* size_t */
#include <stdio.h>   /* FILE */

#include "../core/ci.h"
#include "../core/input.h"
#include "../core/symbols.h"
#include "term.h"

#define SS_JSON_SCHEMA_VERSION 1

/* Data sources of -d, coarsest first. */
typedef enum {
    SS_DS_MEMBERS, SS_DS_SEGMENTS, SS_DS_SECTIONS,
    SS_DS_CRATES, SS_DS_COMPILEUNITS, SS_DS_INPUTFILES, /* from the debug information */
    SS_DS_SYMBOLS,
    SS_DS_COUNT
} ss_datasrc;

typedef struct {
    size_t top;  /* -n: rows kept per table (the rest summed in one row); 0 keeps all */
    bool pretty; /* indent JSON */
    size_t dot_max_rows; /* DOT: rows per segment box (file column: 3x); 0 keeps all */
    ss_term term;        /* text: colour and width of the terminal (zero: a pipe's layout) */
    ss_term err_term;    /* the failure lines on err: colour when it is a terminal */
    size_t members_top;  /* text: rows of an archive's member summary; 0 keeps all */
    ss_datasrc sources[2]; /* -d: the levels of the breakdown, coarser first */
    size_t nsources;       /* 0: the default report */
    bool sort_vm;          /* -s vm: rows by memory size instead of file size */
    bool no_demangle;      /* --no-demangle: symbol names as stored */
} ss_emit_opts;

/* Parses -d's comma list (one or two of members, segments, sections, crates, compileunits,
 * inputfiles, symbols, the coarser
 * first) into o->sources; false with a reason in why when it is not one. */
bool ss_datasrc_parse(const char *list, ss_emit_opts *o, const char **why);
/* Whether o asks for the symbol layer (the symbol tables must be loaded). */
bool ss_datasrc_wants_symbols(const ss_emit_opts *o);
/* Whether o asks for the debug information (0: no; 1: compile units; 2: also line tables). */
int ss_datasrc_wants_debug(const ss_emit_opts *o);

/* Default rows of the member summary of an archive or universal binary (-n sets it too). */
#define SS_MEMBERS_TOP_DEFAULT 20

/* An output format: text, json, dot, csv, markdown, ndjson, sarif, junit (emitters.c holds the
 * table; svg and png are dot rendered by cmd/). Each renders some of the documents. */
typedef struct ss_emitter ss_emitter;
/* The documents a format may render. */
typedef enum { SS_DOC_REPORT, SS_DOC_CHECK, SS_DOC_DIFF, SS_DOC_WHERE } ss_doc;

/* The emitter named name (or by its alias, "md"), or NULL. */
const ss_emitter *ss_emitter_find(const char *name);
/* Whether e renders doc. */
bool ss_emitter_renders(const ss_emitter *e, ss_doc doc);
/* The names of the formats that render doc, "text, json or csv", into buf (usage messages). */
const char *ss_emitter_names(ss_doc doc, char *buf, size_t cap);
/* How the check and diff documents are rendered. */
typedef struct {
    bool pretty;          /* indented JSON */
    const ss_term *term;  /* text: colour of the verdicts (NULL: none) */
} ss_check_render_opts;
typedef struct {
    bool all;     /* text and Markdown: also unchanged rows */
    bool pretty;  /* indented JSON */
    ss_term term; /* text: colour of the permission changes (zero: none) */
} ss_diff_render_opts;

/* The check and diff documents in e's format (nothing when e does not render them). */
void ss_emit_check(FILE *f, const ss_emitter *e, const ss_check_result *c,
                   const ss_check_render_opts *o);
void ss_emit_diff(FILE *f, const ss_emitter *e, const ss_diff_result *d,
                  const ss_diff_render_opts *o);
/* The document of `segscan where`, streamed: begin, one call per matching symbol, end with the
 * NAMEs that matched nothing. The text wraps its lines to t's width (its colour is not used).
 * NULL when out of memory. */
typedef struct ss_where_doc ss_where_doc;
ss_where_doc *ss_where_begin(FILE *f, const ss_emitter *e, bool pretty, const ss_term *t);
void ss_where_match(ss_where_doc *w, const ss_image *im, const ss_symrow *r);
void ss_where_end(ss_where_doc *w, char *const *unmatched, size_t n); /* frees w */
/* The i-th emitter of the table (NULL past the end) and its name and one-line description. */
const ss_emitter *ss_emitter_at(size_t i);
const char *ss_emitter_name(const ss_emitter *e);
const char *ss_emitter_about(const ss_emitter *e);

/* Default of --dot-max-sections. */
#define SS_DOT_MAX_ROWS_DEFAULT 12

/* A report is streamed: each input is rendered as soon as it is handed over (so a run over
 * thousands of files keeps only small summaries), and the end writes the totals (and, for
 * JSON, the inputs[] and errors[] arrays). */
typedef struct ss_report ss_report;

/* Starts a report on out; failures go to err, one line each (NULL: not told, for a second
 * report of the same run). NULL when out of memory. */
ss_report *ss_report_begin(FILE *out, FILE *err, const ss_emitter *em, const ss_emit_opts *o);
/* Renders one input (its images, its container totals) and its failures. */
void ss_report_input(ss_report *r, const ss_input *in);
/* Writes the closing totals and frees the report. Accepts NULL. */
void ss_report_end(ss_report *r);

/* One line per failed input or member: "segscan: PATH(MEMBER): what (at offset 0x..)". */
void ss_emit_errors(FILE *f, const ss_input *in);
/* The same with the messages in t's failure style (bold red on a terminal). */
void ss_emit_errors_term(FILE *f, const ss_input *in, const ss_term *t);

/* "123 B", "1.5 KiB", "110.2 MiB" into buf. */
const char *ss_human(uint64_t v, char buf[16]);

#endif
