/* pipeline.c - loading and analysing inputs, in parallel, handed back in order. */
#if defined(__linux__) && !defined(_GNU_SOURCE)
#define _GNU_SOURCE /* sched_getaffinity, CPU_COUNT */
#endif
#include "pipeline.h"
#include "emit.h" /* ss_emit_errors */

#include <pthread.h> /* pthread_* */
#include <sched.h>   /* sched_getaffinity */
#include <stdio.h>   /* fprintf */
#include <stdlib.h>  /* calloc, free */
#include <time.h>    /* clock_gettime */
#include <unistd.h>  /* sysconf */

/* The CPUs this process may run on (its affinity mask: taskset, cgroups' cpusets), not the
 * machine's: a thread more than those only waits its turn. */
static unsigned cpus_given(void)
{
#if defined(__linux__)
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) == 0 && CPU_COUNT(&set) > 0)
        return (unsigned)CPU_COUNT(&set);
#endif
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    return cpus > 0 ? (unsigned)cpus : 1;
}

/* Of those, how many no other task is using now: /proc/loadavg's runnable count at this
 * moment, ourselves included. With the other CPU of a 2-CPU machine busy, a second thread
 * only shares a CPU with the busy task: the full analysis of libLLVM-15 then took 1.05-1.18x
 * the time of -j1 (issue 24). Where the count cannot be read, every given CPU counts. */
static unsigned cpus_free(unsigned given)
{
    FILE *f = fopen("/proc/loadavg", "re");
    if (f == NULL)
        return given;
    unsigned running = 0;
    int got = fscanf(f, "%*s %*s %*s %u/", &running);
    fclose(f);
    if (got != 1 || running == 0)
        return given;
    unsigned others = running - 1;
    return others < given ? given - others : 1;
}

/* Threads when -j was not given: one per given CPU that is free now. */
static unsigned default_jobs(void)
{
    return cpus_free(cpus_given());
}

/* How far workers may run ahead of the consumer, per worker. */
#define AHEAD_PER_JOB 4

ss_pipeline_opts ss_pipeline_opts_default(void)
{
    return (ss_pipeline_opts){.load = ss_load_opts_default(),
                              .analysis = ss_analysis_opts_default()};
}

/* The settings that follow from others, decided here once for every command: the tables the
 * chosen analyses read (symbols and relocation targets serve only the BSS analysis), read by
 * the analysis rather than the reader (beside the string job), the hardening checks (only the
 * perms analysis reads them), and the threads one input's
 * analysis may use (all of -j for a single input, 1 each when inputs run in parallel). */
static ss_pipeline_opts settle(const ss_pipeline_opts *o, size_t n)
{
    ss_pipeline_opts s = *o;
    s.load.symbols = o->symbols || (o->load.symbols && ss_analysis_needs_symbols(o->analysis.which));
    s.load.relocs = o->load.relocs && ss_analysis_needs_relocs(o->analysis.which);
    s.load.refs = ss_analysis_needs_refs(o->analysis.which);
    s.load.defer_tables = true;
    s.load.no_checks = o->load.no_checks || !(o->analysis.which & SS_AN_PERMS);
    s.jobs = o->jobs ? o->jobs : default_jobs(); /* read once: the load moves */
    s.analysis.threads = n != 1 ? 1 : s.jobs;
    return s;
}

static void analyse(ss_input *in, const ss_pipeline_opts *o)
{
    ss_formats_load(in, &o->load);
    if (ss_analysis_any(o->analysis.which))
        ss_analyze_input(in, &o->analysis);
    /* The symbol layer wants the tables even where no analysis read them (once per image; a
     * failure is kept in the image for the command to tell). */
    for (size_t i = 0; o->symbols && i < in->nunits; i++)
        if (in->units[i].image)
            (void)ss_image_load_tables(in->units[i].image);
    for (size_t i = 0; o->debug && i < in->nunits; i++)
        if (in->units[i].image)
            ss_image_load_debug(in->units[i].image, &o->debug_opts);
}

static ss_input *load_one(const char *path, const ss_pipeline_opts *o)
{
    ss_input *in = ss_input_open(path);
    if (in == NULL)
        return NULL;
    analyse(in, o);
    ss_input_check_changed(in); /* a file that shrank meanwhile is one failure, not a signal */
    return in;
}

ss_input *ss_pipeline_load_buffer(const char *name, const void *bytes, size_t len,
                                  const ss_pipeline_opts *o)
{
    ss_pipeline_opts s = settle(o, 1);
    ss_input *in = ss_input_from_buffer(name, bytes, len);
    if (in)
        analyse(in, &s);
    return in;
}

/* A file that shrank while its report was being written (names are read from the mapping):
 * the report is out, so the failure is one more line and the exit code. */
static void late_change(ss_input *in, bool *failed)
{
    if (in->status == SS_OK && ss_input_check_changed(in)) {
        ss_emit_errors(stderr, in);
        *failed = true;
    }
}

static bool input_failed(const ss_input *in)
{
    return in->status != SS_OK || ss_input_failures(in) > 0;
}

typedef struct {
    char *const *paths;
    size_t n;
    const ss_pipeline_opts *ro;
    ss_input **slot;
    bool *done;
    size_t next, consumed, window;
    bool oom;
    pthread_mutex_t mu;
    pthread_cond_t ready, space;
} pool;

static void *worker(void *arg)
{
    pool *p = arg;
    pthread_mutex_lock(&p->mu);
    for (;;) {
        while (p->next < p->n && p->next >= p->consumed + p->window)
            pthread_cond_wait(&p->space, &p->mu);
        if (p->next >= p->n)
            break;
        size_t i = p->next++;
        pthread_mutex_unlock(&p->mu);
        ss_input *in = load_one(p->paths[i], p->ro);
        pthread_mutex_lock(&p->mu);
        p->slot[i] = in;
        p->done[i] = true;
        if (in == NULL)
            p->oom = true;
        pthread_cond_broadcast(&p->ready);
    }
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void progress(const ss_pipeline_opts *ro, size_t done, size_t n, double *last)
{
    if (!ro->progress || n < 2)
        return;
    double t = now_s();
    if (done < n && t - *last < 0.1)
        return;
    *last = t;
    if (done < n)
        fprintf(stderr, "\r\033[Ksegscan: %zu/%zu files", done, n);
    else
        fputs("\r\033[K", stderr);
    fflush(stderr);
}

static unsigned jobs_for(const ss_pipeline_opts *ro, size_t n)
{
    unsigned jobs = ro->jobs; /* settled */
    if (jobs > n)
        jobs = (unsigned)n;
    return jobs ? jobs : 1;
}

bool ss_pipeline_run(char *const *paths, size_t n, const ss_pipeline_opts *o, const ss_sink *sink,
                     bool *failed)
{
    ss_pipeline_opts settled = settle(o, n);
    const ss_pipeline_opts *ro = &settled;
    *failed = false;
    double last = 0;
    unsigned jobs = jobs_for(ro, n);
    if (jobs <= 1) {
        for (size_t i = 0; i < n; i++) {
            ss_input *in = load_one(paths[i], ro);
            if (in == NULL)
                return false;
            *failed |= input_failed(in);
            sink->input(sink->ctx, in);
            late_change(in, failed);
            ss_input_free(in);
            progress(ro, i + 1, n, &last);
        }
        return true;
    }

    pool p = {.paths = paths, .n = n, .ro = ro, .window = (size_t)jobs * AHEAD_PER_JOB};
    p.slot = calloc(n, sizeof *p.slot);
    p.done = calloc(n, sizeof *p.done);
    pthread_t *th = calloc(jobs, sizeof *th);
    if (p.slot == NULL || p.done == NULL || th == NULL) {
        free(p.slot);
        free(p.done);
        free(th);
        return false;
    }
    pthread_mutex_init(&p.mu, NULL);
    pthread_cond_init(&p.ready, NULL);
    pthread_cond_init(&p.space, NULL);
    unsigned started = 0;
    for (; started < jobs; started++)
        if (pthread_create(&th[started], NULL, worker, &p) != 0)
            break;
    if (started == 0) /* no threads to be had: do the work here */
        worker(&p);

    bool ok = true;
    for (size_t i = 0; i < n; i++) {
        pthread_mutex_lock(&p.mu);
        while (!p.done[i])
            pthread_cond_wait(&p.ready, &p.mu);
        ss_input *in = p.slot[i];
        p.slot[i] = NULL;
        pthread_mutex_unlock(&p.mu);
        if (in == NULL) {
            ok = false;
        } else {
            *failed |= input_failed(in);
            sink->input(sink->ctx, in);
            late_change(in, failed);
            ss_input_free(in);
        }
        pthread_mutex_lock(&p.mu);
        p.consumed = i + 1;
        pthread_cond_broadcast(&p.space);
        pthread_mutex_unlock(&p.mu);
        progress(ro, i + 1, n, &last);
    }
    for (unsigned t = 0; t < started; t++)
        pthread_join(th[t], NULL);
    pthread_cond_destroy(&p.ready);
    pthread_cond_destroy(&p.space);
    pthread_mutex_destroy(&p.mu);
    free(p.slot);
    free(p.done);
    free(th);
    return ok;
}

/* ss_pipeline_load's threads take the next path until none is left. */
typedef struct {
    char *const *paths;
    size_t n;
    const ss_pipeline_opts *ro;
    ss_input **in;
    pthread_mutex_t mu;
    size_t next;
} load_all;

static void *load_worker(void *arg)
{
    load_all *l = arg;
    for (;;) {
        pthread_mutex_lock(&l->mu);
        size_t i = l->next++;
        pthread_mutex_unlock(&l->mu);
        if (i >= l->n)
            return NULL;
        l->in[i] = load_one(l->paths[i], l->ro);
        /* The caller keeps every input for what it builds next (a diff, a check): the file
         * pages the analyses read are not needed again, so the next input does not add its
         * peak to theirs (a diff of libLLVM-14 and -15 with -j1: 146 MiB before this). */
        ss_input_release_pages(l->in[i]);
    }
}

ss_input **ss_pipeline_load(char *const *paths, size_t n, const ss_pipeline_opts *o, bool *failed)
{
    ss_pipeline_opts settled = settle(o, n);
    ss_input **in = calloc(n ? n : 1, sizeof *in);
    if (in == NULL)
        return NULL;
    *failed = false;
    /* The inputs at once, one thread each as far as the plan gives threads (a diff's two
     * inputs: libLLVM-14 and -15 load side by side); this thread takes its share. */
    load_all l = {.paths = paths, .n = n, .ro = &settled, .in = in};
    pthread_mutex_init(&l.mu, NULL);
    unsigned extra = jobs_for(&settled, n) - 1, started = 0;
    pthread_t th[8];
    if (extra > sizeof th / sizeof th[0])
        extra = sizeof th / sizeof th[0];
    for (; started < extra; started++)
        if (pthread_create(&th[started], NULL, load_worker, &l) != 0)
            break;
    load_worker(&l);
    for (unsigned i = 0; i < started; i++)
        pthread_join(th[i], NULL);
    pthread_mutex_destroy(&l.mu);
    for (size_t i = 0; i < n; i++) {
        if (in[i] == NULL) {
            ss_pipeline_free(in, n);
            return NULL;
        }
        *failed |= input_failed(in[i]);
    }
    return in;
}

void ss_pipeline_free(ss_input **in, size_t n)
{
    if (in == NULL)
        return;
    for (size_t i = 0; i < n; i++)
        ss_input_free(in[i]);
    free(in);
}
