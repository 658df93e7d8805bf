/* pipeline.h - the library pipeline: inputs -> loading -> analysis -> a sink, in path order.
 *
 * Every command (the report, diff, check) and the fuzz targets load and analyse through here,
 * so the settings that belong together (which tables to read, deferred tables, threads per input)
 * are decided once, from the analyzer registry (core/analysis.h), and never copied. cmd/ only
 * parses options into ss_pipeline_opts, picks a sink (an emitter, emit/emit.h) and maps the
 * outcome to exit codes and messages. */
#ifndef SS_PIPELINE_H
#define SS_PIPELINE_H

#include <stdbool.h> /* bool */
#include <stddef.h>  /* size_t */
#include <stdio.h>   /* FILE */

#include "analysis.h"
#include "ci.h"
#include "formats.h"

typedef struct {
    ss_load_opts load;         /* symbols/relocs/defer_tables are settled by the pipeline */
    ss_analysis_opts analysis; /* .which: SS_AN_* bits of the registry; .threads settled */
    unsigned jobs;             /* worker threads; 0 = one per online CPU */
    bool progress;             /* a progress line on stderr (the caller checks it is a terminal) */
    bool symbols;              /* read the symbol tables for the symbol layer (core/symbols.h),
                                * whatever the analyses need: where, -d symbols, diff -d symbols */
    bool debug;                /* read the debug information (-d compileunits, crates, inputfiles) */
    ss_debug_opts debug_opts;  /* how: line tables, --debug-file, the usual places */
} ss_pipeline_opts;

/* Default loading, every registered analysis, default thresholds. */
ss_pipeline_opts ss_pipeline_opts_default(void);

/* Where analysed inputs go: called on the calling thread for each input in path order; the input
 * is freed after it returns. */
typedef struct {
    void (*input)(void *ctx, const ss_input *in);
    void *ctx;
} ss_sink;

/* Loads and analyses paths on o->jobs threads and hands them to sink in order, each as soon as
 * it and all before it are ready; workers run at most a few inputs ahead, so memory stays bounded
 * however many paths there are. Returns false when out of memory; *failed is set when any input
 * or member could not be analyzed. */
bool ss_pipeline_run(char *const *paths, size_t n, const ss_pipeline_opts *o, const ss_sink *sink,
                     bool *failed);

/* Loads and analyses every path and keeps them all (for commands that compare inputs). NULL
 * when out of memory. */
ss_input **ss_pipeline_load(char *const *paths, size_t n, const ss_pipeline_opts *o, bool *failed);
/* Frees what ss_pipeline_load returned. Accepts NULL. */
void ss_pipeline_free(ss_input **in, size_t n);

/* Loads and analyses one in-memory file (bytes borrowed; the fuzz targets). NULL when out of
 * memory. */
ss_input *ss_pipeline_load_buffer(const char *name, const void *bytes, size_t len,
                                  const ss_pipeline_opts *o);

/* Collects the files under each path that look like binaries (by magic; symbolic links found
 * inside are not followed, a path given that is a link to a directory is), sorted by path;
 * non-directories are passed through as given. *skipped counts the files that are not
 * binaries; each file or directory that cannot be read is named in one line on diag and
 * counted in *unreadable. Returns false when out of memory or when a walk cannot start (with a
 * message in err). */
bool ss_walk(char *const *paths, size_t n, FILE *diag, char ***out, size_t *nout,
             size_t *skipped, size_t *unreadable, char *err, size_t errlen);
void ss_walk_free(char **paths, size_t n);

/* ---- documents of inputs loaded above ------------------------------------------------------ */

/* check (pipeline/check.c): judges every rule of res->budget on the artifacts in[] (and base[i],
 * the baseline of in[i], or NULL) into res->rows and res->count; *budget_error when a rule names
 * what the budget cannot measure (a usage error). False when out of memory. */
bool ss_check_evaluate(ss_check_result *res, ss_input **in, ss_input **base, size_t n,
                       bool allow_unmatched, bool *budget_error);
void ss_check_free(ss_check_result *res);
/* The baseline file of artifact under baseline (a file, or a directory when dir: the
 * artifact's relative path, then its base name), or NULL when there is none (*oom on failure). */
char *ss_check_baseline_of(const char *baseline, bool dir, const char *artifact, bool *oom);

/* What diff compares beyond segments, sections and kinds. */
typedef struct {
    bool symbols;  /* -d symbols: the symbols that changed (the symbol tables must be loaded) */
    bool demangle; /* symbol names demangled (--no-demangle: as stored) */
    const char *debug; /* -d compileunits, crates or inputfiles: that table too (the debug
                        * information must be loaded); NULL: none */
} ss_diff_opts;

/* diff (pipeline/diff.c): the document comparing a with b. False when out of memory. */
bool ss_diff_build(ss_diff_result *d, const ss_input *a, const ss_input *b,
                   const ss_diff_opts *o);
void ss_diff_free(ss_diff_result *d);

#endif
