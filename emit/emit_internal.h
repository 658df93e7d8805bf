/* emit_internal.h - what the report driver (report.c) shares with the emitters. */
#ifndef SS_EMIT_INTERNAL_H
#define SS_EMIT_INTERNAL_H

#include "emit.h"
#include "jsonw.h"

typedef struct {
    uint64_t images, file, text, data, bss, vm;
    bool saturated; /* a sum over images passed 2^64-1 and is held at UINT64_MAX */
} ss_totals;

/* Adds one image's sizes (Berkeley rule) to t. */
void ss_totals_add(ss_totals *t, const ss_image *im);

/* Summary of an input kept until the end of a JSON report. */
typedef struct {
    char *path;
    ss_container_kind container;
    uint64_t file_size;
    ss_totals totals;
    size_t failed, skipped;
    uint64_t container_bytes;
} ss_input_summary;

typedef struct {
    char *path, *member;
    ss_diag diag;
} ss_error_copy;

/* The report driver's state (report.c), which every emitter reads and writes through. */
struct ss_report {
    FILE *out, *err;
    const ss_emitter *em;
    ss_emit_opts opts;
    ss_jw jw;                  /* JSON-based emitters */
    size_t inputs, images_printed;
    size_t containers;         /* DOT: clusters of archives and universal files */
    ss_totals all;
    ss_input_summary *sum;     /* kept only when em->keep_inputs */
    size_t nsum, capsum;
    ss_error_copy *errs;       /* kept only when em->keep_inputs */
    size_t nerr, caperr;
    void *state;               /* the emitter's own, freed by its end() */
};

/* One output format, for every document that has it (the report, check, diff). A new format
 * is one file in emit/ defining one of these, plus its entry in the table of emitters.c. */
struct ss_emitter {
    const char *name;    /* the -f word */
    const char *about;   /* one line for --help and the README */
    bool keep_inputs;    /* the driver keeps input summaries and errors for end() */
    /* All three may be NULL. begin may set r->state; false means out of memory. */
    bool (*begin)(ss_report *r);
    /* One input, after its images were loaded and analyzed; t: the sizes of its images (t->file
     * is the input's own size). */
    void (*input)(ss_report *r, const ss_input *in, const ss_totals *t);
    void (*end)(ss_report *r);
    /* The documents of `segscan check` and `segscan diff` in this format; NULL when the format
     * does not render that document (a format with no input() renders no report). */
    void (*check)(FILE *f, const ss_check_result *c, const ss_check_render_opts *o);
    void (*diff)(FILE *f, const ss_diff_result *d, const ss_diff_render_opts *o);
    /* The document of `segscan where`, one match at a time; where_match NULL: not rendered. */
    void (*where_begin)(ss_where_doc *w, bool pretty);
    void (*where_match)(ss_where_doc *w, const ss_image *im, const ss_symrow *r);
    void (*where_end)(ss_where_doc *w, char *const *unmatched, size_t n);
    const char *alias; /* another -f word for it ("md"), or NULL */
};

/* where_out.c: the where document in each format that renders it. */
void ss_where_text_match(ss_where_doc *w, const ss_image *im, const ss_symrow *r);
void ss_where_json_begin(ss_where_doc *w, bool pretty);
void ss_where_json_match(ss_where_doc *w, const ss_image *im, const ss_symrow *r);
void ss_where_json_end(ss_where_doc *w, char *const *unmatched, size_t n);

/* check_out.c: the check document in each format that renders it. */
void ss_check_text(FILE *f, const ss_check_result *c, const ss_check_render_opts *o);
void ss_check_json(FILE *f, const ss_check_result *c, const ss_check_render_opts *o);
void ss_check_markdown(FILE *f, const ss_check_result *c, const ss_check_render_opts *o);
void ss_check_junit(FILE *f, const ss_check_result *c, const ss_check_render_opts *o);
void ss_check_sarif(FILE *f, const ss_check_result *c, const ss_check_render_opts *o);

/* diff_out.c: the diff document in each format that renders it. */
void ss_diff_text(FILE *f, const ss_diff_result *d, const ss_diff_render_opts *o);
void ss_diff_json(FILE *f, const ss_diff_result *d, const ss_diff_render_opts *o);
void ss_diff_csv(FILE *f, const ss_diff_result *d, const ss_diff_render_opts *o);
void ss_diff_markdown(FILE *f, const ss_diff_result *d, const ss_diff_render_opts *o);

/* text.c */
void ss_text_image(FILE *f, const ss_image *im, const ss_emit_opts *o);
void ss_text_container(FILE *f, const ss_input *in, const ss_totals *t, const ss_term *term);
void ss_text_total(FILE *f, size_t inputs, const ss_totals *all, const ss_term *term);

/* text_members.c */
/* The members of an archive or universal binary sorted by file size, largest first, with their
 * VM sizes (at most o->members_top rows, the rest summed in one "[N others]" row); nothing and
 * false when it has fewer than two images. blank_before: a blank line first. */
bool ss_text_members(FILE *f, const ss_input *in, const ss_emit_opts *o, bool blank_before);
/* One warning line on f: the totals of path's members (NULL: of the whole run) passed 2^64-1
 * bytes and are saturated. */
void ss_emit_saturated(FILE *f, const char *path);

/* json.c */
/* The JSON image object (the report schema's "image" definition); o (may be NULL) adds the
 * "symbols" array when it asks for symbols. */
void ss_json_begin(ss_jw *w);
void ss_json_image(ss_jw *w, const ss_image *im, const ss_emit_opts *o);
void ss_json_end(ss_jw *w, const ss_input_summary *in, size_t nin, const ss_error_copy *err,
                 size_t nerr, const ss_totals *all);

#endif
