/* check.c - `segscan check`: judge artifacts against a budget file.
 *
 * Loads the budget (errors: exit 2), loads the artifacts and, with --baseline, their
 * baselines through the pipeline, running only the analyses the rules need; the rows are
 * judged by pipeline/check.c and rendered by the emitters (emit/check_out.c). */
#include <errno.h>    /* errno */
#include <getopt.h>   /* getopt_long */
#include <stdio.h>    /* fprintf, fopen */
#include <stdlib.h>   /* calloc, free */
#include <string.h>   /* strcmp, strdup */
#include <sys/stat.h> /* stat */
#include <unistd.h>   /* isatty */

#include "analysis.h"
#include "cmd.h"
#include "emit.h"
#include "escape.h"
#include "measure.h"
#include "pipeline.h"

enum { EXIT_OK = 0, EXIT_FAIL = 1, EXIT_USAGE = 2, EXIT_INPUT = 3, EXIT_WRITE = 4 };

#define MAX_OUTPUTS 8

static void check_usage(FILE *f)
{
    fputs("usage: segscan check --budget FILE [options] ARTIFACT...\n"
          "\n"
          "Measures each ARTIFACT against the size budgets and permission policy of a budget\n"
          "file (YAML: README.md, \"Size budgets and diffs in CI\", documents it) and prints\n"
          "every rule with its value, limit, headroom and verdict. README.md and the JSON\n"
          "Schema docs/segscan-check.schema.json are installed in " SEGSCAN_DOCDIR "/.\n"
          "\n"
          "options:\n"
          "  -b, --budget FILE        the budget file (required)\n"
          "  -B, --baseline PATH      a baseline build for max-growth limits: a directory (the\n"
          "                           baseline of ARTIFACT is PATH/ARTIFACT, else\n"
          "                           PATH/basename) or one file (the baseline of every artifact)\n"
          "  -f, --format FMT         text (default), json, markdown, junit or sarif, on stdout\n"
          "  -o, --output FMT=FILE    also write FMT to FILE (repeatable): -o junit=check.xml\n"
          "                           -o sarif=check.sarif\n"
          "  -j, --jobs N             analyze N files at a time (default: one per\n"
          "                           free CPU)\n"
          "  -q, --quiet              no progress line on stderr\n"
          "      --compact            JSON on one line\n"
          "      --color WHEN         colour the text verdicts: auto (on a terminal, unless\n"
          "                           NO_COLOR is set), always or never\n"
          "      --allow-unmatched    a rule whose artifacts (or members) pattern matches\n"
          "                           nothing is skipped; without it, such a rule fails (as\n"
          "                           does one without 'optional: true' in the budget file)\n"
          "  -h, --help               this help\n"
          "\n"
          "exit status:\n"
          "  0  every rule passed (warnings allowed)\n"
          "  1  a rule of level fail failed, or matched no artifact (or member)\n"
          "  2  usage error or budget-file error (syntax with line and column, unknown metric,\n"
          "     unknown section, bad size unit, ...)\n"
          "  3  an artifact or its baseline could not be analyzed (takes precedence over 1)\n"
          "  4  a report could not be written, on stdout or to an -o FILE (takes precedence\n"
          "     over all the others: a CI job must not pass on a missing report)\n",
          f);
}

static int check_usage_error(const char *what, const char *arg)
{
    ss_esc_say(stderr, "segscan check: %s: '%s'", what, arg);
    fputs("Try 'segscan check --help'.\n", stderr);
    return EXIT_USAGE;
}

const ss_emitter *ss_cmd_format(const char *word, ss_doc doc)
{
    const ss_emitter *e = ss_emitter_find(word);
    return e && ss_emitter_renders(e, doc) ? e : NULL;
}

/* "unknown format (text, json, ...)" with the formats that render doc, for a usage error. */
static const char *unknown_format(const char *what, ss_doc doc, char *buf, size_t cap)
{
    char names[160];
    snprintf(buf, cap, "%s (%s)", what, ss_emitter_names(doc, names, sizeof names));
    return buf;
}

/* ---- the command ---------------------------------------------------------------------------- */

typedef struct {
    const ss_emitter *fmt;
    const char *path;
} output;

static bool write_output(const output *o, const ss_check_result *res, bool pretty)
{
    FILE *f = fopen(o->path, "w");
    if (f == NULL) {
        ss_esc_say(stderr, "segscan check: cannot write %s: %s", o->path, strerror(errno));
        return false;
    }
    ss_emit_check(f, o->fmt, res, &(ss_check_render_opts){.pretty = pretty});
    /* ferror: a write that failed before the last flush (a full disk) leaves fclose's own
     * flush nothing to fail on. */
    errno = 0;
    bool bad = fflush(f) != 0 || ferror(f);
    int err = errno;
    if (fclose(f) != 0 && !bad) {
        bad = true;
        err = errno;
    }
    if (bad)
        ss_esc_say(stderr, "segscan check: cannot write %s: %s", o->path,
                err ? strerror(err) : "a write failed");
    return !bad;
}

int ss_cmd_check(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"budget", required_argument, NULL, 'b'},
        {"baseline", required_argument, NULL, 'B'},
        {"format", required_argument, NULL, 'f'},
        {"output", required_argument, NULL, 'o'},
        {"jobs", required_argument, NULL, 'j'},
        {"quiet", no_argument, NULL, 'q'},
        {"compact", no_argument, NULL, 'c'},
        {"allow-unmatched", no_argument, NULL, 'U'},
        {"color", required_argument, NULL, 'C'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *budget_path = NULL, *baseline = NULL;
    const ss_emitter *fmt = ss_cmd_format("text", SS_DOC_CHECK);
    char msg[256];
    output outs[MAX_OUTPUTS];
    size_t nouts = 0;
    bool quiet = false, pretty = true, allow_unmatched = false;
    ss_color_mode color = SS_COLOR_AUTO;
    ss_pipeline_opts ro = ss_pipeline_opts_default();
    int ch;
    optind = 1;
    static const char shortopts[] = "b:B:f:o:j:qh";
    while ((ch = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
        switch (ch) {
        case 'b': budget_path = optarg; break;
        case 'B': baseline = optarg; break;
        case 'f':
            if ((fmt = ss_cmd_format(optarg, SS_DOC_CHECK)) == NULL)
                return check_usage_error(
                    unknown_format("unknown format", SS_DOC_CHECK, msg, sizeof msg), optarg);
            break;
        case 'o': {
            char *eq = strchr(optarg, '=');
            if (eq == NULL || eq[1] == '\0' || nouts == MAX_OUTPUTS)
                return check_usage_error("--output wants FMT=FILE (at most 8)", optarg);
            *eq = '\0';
            outs[nouts].fmt = ss_cmd_format(optarg, SS_DOC_CHECK);
            *eq = '=';
            if (outs[nouts].fmt == NULL)
                return check_usage_error(
                    unknown_format("unknown output format", SS_DOC_CHECK, msg, sizeof msg), optarg);
            outs[nouts++].path = eq + 1;
            break;
        }
        case 'j': {
            char *end;
            errno = 0;
            unsigned long v = strtoul(optarg, &end, 10);
            if (errno || *end || end == optarg || optarg[0] == '-' || v == 0 || v > 1024)
                return check_usage_error("-j wants a number of jobs from 1 to 1024", optarg);
            ro.jobs = (unsigned)v;
            break;
        }
        case 'q': quiet = true; break;
        case 'c': pretty = false; break;
        case 'U': allow_unmatched = true; break;
        case 'C':
            if (!ss_color_mode_parse(optarg, &color))
                return check_usage_error("--color wants auto, always or never", optarg);
            break;
        case 'h': check_usage(stdout); return EXIT_OK;
        default: return ss_cmd_bad_option("segscan check", shortopts, argc, argv);
        }
    }
    if (budget_path == NULL) {
        fputs("segscan check: --budget FILE is required\nTry 'segscan check --help'.\n", stderr);
        return EXIT_USAGE;
    }
    size_t n = (size_t)(argc - optind);
    if (n == 0) {
        fputs("segscan check: name at least one ARTIFACT\nTry 'segscan check --help'.\n", stderr);
        return EXIT_USAGE;
    }
    char **paths = argv + optind;

    char err[SS_BUDGET_ERR];
    ss_budget *b = ss_budget_load(budget_path, err, sizeof err);
    if (b == NULL) {
        ss_esc_say(stderr, "%s", err);
        return EXIT_USAGE;
    }
    bool base_dir = false;
    if (baseline) {
        struct stat st;
        if (stat(baseline, &st) != 0) {
            ss_esc_say(stderr, "segscan check: baseline %s: %s", baseline, strerror(errno));
            ss_budget_free(b);
            return EXIT_USAGE;
        }
        base_dir = S_ISDIR(st.st_mode);
    }

    ro.analysis.which = 0;
    for (size_t i = 0; i < b->nrules; i++)
        ro.analysis.which |= ss_rule_analyses(&b->rules[i]);
    for (size_t i = 0; i < b->nrules; i++) {
        ro.symbols |= !b->rules[i].is_policy && b->rules[i].scope == SS_SCOPE_SYMBOLS;
        ro.debug |= !b->rules[i].is_policy && (b->rules[i].scope == SS_SCOPE_UNITS ||
                                               b->rules[i].scope == SS_SCOPE_CRATES);
    }
    ro.debug_opts.lookup = true;
    ro.progress = !quiet && isatty(2);

    int rc = EXIT_OK;
    bool failed = false, bfailed = false, oom = false;
    ss_input **in = ss_pipeline_load(paths, n, &ro, &failed);
    ss_input **base = calloc(n, sizeof *base);
    char **bpaths = calloc(n, sizeof *bpaths);
    ss_input **bload = NULL;
    size_t nb = 0;
    if (in == NULL || base == NULL || bpaths == NULL) {
        oom = true;
        goto out;
    }
    for (size_t i = 0; i < n; i++)
        ss_emit_errors(stderr, in[i]);
    if (baseline) {
        char **list = calloc(n, sizeof *list);
        size_t *which = calloc(n, sizeof *which);
        if (list == NULL || which == NULL) {
            free(list);
            free(which);
            oom = true;
            goto out;
        }
        for (size_t i = 0; i < n; i++) {
            bpaths[i] = ss_check_baseline_of(baseline, base_dir, paths[i], &oom);
            if (bpaths[i] == NULL)
                continue;
            size_t j = 0;
            while (j < nb && strcmp(list[j], bpaths[i]) != 0)
                j++;
            if (j == nb)
                list[nb++] = bpaths[i];
            which[i] = j;
        }
        if (!oom && nb) {
            bload = ss_pipeline_load(list, nb, &ro, &bfailed);
            if (bload == NULL)
                oom = true;
            for (size_t i = 0; bload && i < n; i++)
                if (bpaths[i])
                    base[i] = bload[which[i]];
            for (size_t j = 0; bload && j < nb; j++)
                ss_emit_errors(stderr, bload[j]);
        }
        free(list);
        free(which);
        if (oom)
            goto out;
    }

    ss_check_result res = {.budget = b, .baseline = baseline};
    bool budget_error = false;
    bool evaluated = ss_check_evaluate(&res, in, base, n, allow_unmatched, &budget_error);
    for (size_t i = 0; i < res.notes.n; i++)
        ss_esc_say(stderr, "%s", res.notes.line[i]);
    if (!evaluated || res.notes.oom) {
        oom = true;
    } else if (budget_error) {
        rc = EXIT_USAGE;
    } else {
        res.exit_code = failed || bfailed || res.count[SS_V_ERROR] ? EXIT_INPUT
                        : res.count[SS_V_FAIL]                     ? EXIT_FAIL
                                                                   : EXIT_OK;
        ss_term term = ss_term_detect(STDOUT_FILENO, color);
        ss_emit_check(stdout, fmt, &res, &(ss_check_render_opts){.pretty = pretty, .term = &term});
        rc = res.exit_code;
        for (size_t i = 0; i < nouts; i++)
            if (!write_output(&outs[i], &res, pretty))
                rc = EXIT_WRITE;
    }
    ss_check_free(&res);
out:
    if (oom) {
        fputs("segscan check: out of memory\n", stderr);
        rc = EXIT_INPUT;
    }
    ss_pipeline_free(bload, nb);
    for (size_t i = 0; bpaths && i < n; i++)
        free(bpaths[i]);
    free(bpaths);
    free(base);
    ss_pipeline_free(in, n);
    ss_budget_free(b);
    return rc;
}
