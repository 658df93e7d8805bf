/* run.h - loading the inputs of one command run (shared by the report, diff and check). */
#ifndef SS_RUN_H
#define SS_RUN_H

#include <stdbool.h> /* bool */
#include <stddef.h>  /* size_t */
#include <stdio.h>   /* FILE */

#include "formats.h"

typedef struct {
    ss_load_opts load;
    unsigned jobs;  /* worker threads; 0 = one per online CPU */
    bool progress;  /* a progress line on stderr (the caller checks it is a terminal) */
    /* Runs in the worker thread right after an input is loaded (the analyzers go here). */
    void (*after_load)(ss_input *in, void *ctx);
    void *after_load_ctx;
} ss_run_opts;

/* Threads each input's analysis may use: all of -j (or one per CPU) when there is a single
 * input, else 1, as the inputs are then analysed in parallel. */
unsigned ss_run_threads_each(const ss_run_opts *ro, size_t n);

/* Called on the calling thread for each input in path order; the input is freed after it
 * returns. */
typedef void (*ss_run_fn)(void *ctx, const ss_input *in);

/* Loads paths on ro->jobs threads and hands them to fn in order, each as soon as it and all
 * before it are ready; workers run at most a few inputs ahead, so memory stays bounded however
 * many paths there are. Returns false when out of memory; *failed is set when any input or
 * member could not be analyzed. */
bool ss_run_each(char *const *paths, size_t n, const ss_run_opts *ro, ss_run_fn fn, void *ctx,
                 bool *failed);

/* Loads every path and keeps them all (for commands that compare inputs). NULL when out of
 * memory. */
ss_input **ss_run_load(char *const *paths, size_t n, const ss_run_opts *ro, bool *failed);
/* Frees what ss_run_load returned. Accepts NULL. */
void ss_run_free(ss_input **in, size_t n);

/* Collects the files under each path that look like binaries (by magic; symbolic links found
 * inside are not followed, a path given that is a link to a directory is), sorted by path;
 * non-directories are passed through as given. *skipped counts the files that are not
 * binaries; each file or directory that cannot be read is named in one line on diag and
 * counted in *unreadable. Returns false when out of memory or when a walk cannot start (with a
 * message in err). */
bool ss_walk(char *const *paths, size_t n, FILE *diag, char ***out, size_t *nout,
             size_t *skipped, size_t *unreadable, char *err, size_t errlen);
void ss_walk_free(char **paths, size_t n);

#endif
