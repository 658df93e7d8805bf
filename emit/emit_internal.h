/* emit_internal.h - what the report driver (report.c) shares with the emitters. */
#ifndef SS_EMIT_INTERNAL_H
#define SS_EMIT_INTERNAL_H

#include "emit.h"
#include "jsonw.h"

typedef struct {
    uint64_t images, file, text, data, bss, vm;
} ss_totals;

/* Adds one image's sizes (Berkeley rule) to t. */
void ss_totals_add(ss_totals *t, const ss_image *im);

/* Summary of an input kept until the end of a report (emitters with keep_summaries). */
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

/* The state of one report, as every emitter sees it. */
struct ss_report {
    const ss_emitter *e;
    FILE *out, *err;
    ss_emit_opts opts;
    ss_jw jw;
    size_t inputs, images_printed;
    size_t containers;     /* DOT: clusters of archives and universal files */
    ss_totals all;
    ss_input_summary *sum; /* keep_summaries only */
    size_t nsum, capsum;
    ss_error_copy *errs;   /* keep_summaries only */
    size_t nerr, caperr;
    void *state;           /* the emitter's own, from its begin hook; freed by its end hook */
};

/* An output format: hooks the driver calls in order (any may be NULL). */
struct ss_emitter {
    const char *name;
    const char *about;
    bool keep_summaries; /* the driver keeps each input's summary and errors for end */
    bool (*begin)(ss_report *r);                      /* false: out of memory */
    void (*input_begin)(ss_report *r, const ss_input *in);
    void (*image)(ss_report *r, const ss_image *im);
    void (*input_end)(ss_report *r, const ss_input *in, const ss_totals *t);
    void (*end)(ss_report *r);
};

/* The emitters (one file each). */
extern const ss_emitter ss_emitter_text, ss_emitter_json, ss_emitter_ndjson, ss_emitter_csv,
    ss_emitter_markdown, ss_emitter_sarif, ss_emitter_dot;

/* text.c */
void ss_text_image(FILE *f, const ss_image *im, const ss_emit_opts *o);
void ss_text_container(FILE *f, const ss_input *in, const ss_totals *t);
void ss_text_total(FILE *f, size_t inputs, const ss_totals *all);

/* json.c */
void ss_json_begin(ss_jw *w);
void ss_json_image(ss_jw *w, const ss_image *im);
void ss_json_end(ss_jw *w, const ss_input_summary *in, size_t nin, const ss_error_copy *err,
                 size_t nerr, const ss_totals *all);

#endif
