/* diff.c - `segscan diff BASE NEW`: what changed between two builds. Options, loading through
 * the pipeline, exit codes; the document is built by pipeline/diff.c and rendered by the
 * emitters (emit/diff_out.c). */
#include <errno.h>   /* errno */
#include <getopt.h>  /* getopt_long */
#include <stdio.h>   /* fprintf */
#include <stdlib.h>  /* calloc, qsort, free */
#include <string.h>  /* strchr, strcmp, strdup, strerror */
#include <unistd.h>  /* isatty */

#include "analysis.h"
#include "cmd.h"
#include "emit.h"
#include "escape.h" /* ss_esc_say */
#include "pipeline.h"
#include "sizes.h"

enum { EXIT_OK = 0, EXIT_USAGE = 2, EXIT_INPUT = 3, EXIT_WRITE = 4 };

static void diff_usage(FILE *f)
{
    fputs("usage: segscan diff [options] BASE NEW\n"
          "\n"
          "Compares two builds: per segment, section and kind, the VM and file size before and\n"
          "after with the change in bytes and percent (largest change first, a total row per\n"
          "table), added and removed sections, the change in movable zero bytes and string\n"
          "waste, and permission changes (\"PIE lost\", \"new W+X segment\", \"RELRO full ->\n"
          "partial\"). Archives are compared member by member, universal binaries slice by slice.\n"
          "README.md, \"Size budgets and diffs in CI\", documents the outputs; JSON follows\n"
          "docs/segscan-diff.schema.json. Both are installed in " SEGSCAN_DOCDIR "/.\n"
          "\n"
          "options:\n"
          "  -f, --format FMT   text (default), json, csv or markdown\n"
          "  -o, --output FMT=FILE  also write FMT to FILE (repeatable): -o markdown=diff.md\n"
          "  -a, --all          text and markdown: also list unchanged rows and members\n"
          "  -d symbols         also compare symbol by symbol: the named objects that grew,\n"
          "                     shrank, appeared or disappeared, largest change first (a\n"
          "                     symbol is its demangled name; a section's bytes no symbol\n"
          "                     covers are its \"[section NAME: no symbol]\" row)\n"
          "  -d compileunits    also compare compile unit by unit (from the DWARF debug\n"
          "                     information, as segscan -d compileunits); -d crates by Rust\n"
          "                     crate, -d inputfiles by source file (one of the three, and\n"
          "                     -d symbols besides; stripped inputs: --debug-file)\n"
          "      --debug-file PATH  a separate debug file of either input (repeatable; used\n"
          "                     only when its GNU build-id matches)\n"
          "      --no-demangle  with -d symbols: compare and show names as stored\n"
          "      --only LIST    analyses to run on both inputs, as in the report (default all):\n"
          "                     --only sizes compares the tables alone (no string, BSS or\n"
          "                     permission analysis: those metrics and changes are left out)\n"
          "  -j, --jobs N       load and analyze N of the two files at a time\n"
          "                     (default: one per free CPU)\n"
          "      --compact      JSON on one line\n"
          "      --color WHEN   colour the permission changes: auto (on a terminal, unless\n"
          "                     NO_COLOR is set), always or never; the text fits the\n"
          "                     terminal's width (COLUMNS, else the terminal's own)\n"
          "  -h, --help         this help\n"
          "\n"
          "exit status:\n"
          "  0  the two inputs were compared (whatever changed)\n"
          "  2  usage error\n"
          "  3  an input or a member could not be analyzed (one line each on stderr; the\n"
          "     members that could are still compared)\n"
          "  4  the output could not be written (a full disk, a closed standard output)\n",
          f);
}

/* -o FMT=FILE outputs beside stdout. */
#define DIFF_MAX_OUTPUTS 8

int ss_cmd_diff(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"format", required_argument, NULL, 'f'},
        {"output", required_argument, NULL, 'o'},
        {"all", no_argument, NULL, 'a'},
        {"data-source", required_argument, NULL, 'd'},
        {"no-demangle", no_argument, NULL, 'D'},
        {"debug-file", required_argument, NULL, 'G'},
        {"jobs", required_argument, NULL, 'j'},
        {"compact", no_argument, NULL, 'c'},
        {"color", required_argument, NULL, 'C'},
        {"only", required_argument, NULL, 'O'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const ss_emitter *fmt = ss_cmd_format("text", SS_DOC_DIFF);
    char names[160];
    ss_emitter_names(SS_DOC_DIFF, names, sizeof names);
    ss_color_mode color = SS_COLOR_AUTO;
    struct {
        const ss_emitter *fmt;
        const char *path;
    } outs[DIFF_MAX_OUTPUTS];
    size_t nouts = 0;
    ss_diff_render_opts o = {.all = false, .pretty = true};
    ss_pipeline_opts ro = ss_pipeline_opts_default();
    ss_diff_opts dopts = {.symbols = false, .demangle = true};
    char *debug_files[64];
    size_t ndebug_files = 0;
    int ch;
    optind = 1;
    static const char shortopts[] = "f:o:ad:j:h";
    while ((ch = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
        switch (ch) {
        case 'f':
            if ((fmt = ss_cmd_format(optarg, SS_DOC_DIFF)) == NULL) {
                ss_esc_say(stderr, "segscan diff: unknown format (%s): '%s'", names, optarg);
                fputs("Try 'segscan diff --help'.\n", stderr);
                return EXIT_USAGE;
            }
            break;
        case 'o': {
            char *eq = strchr(optarg, '=');
            bool ok = eq && eq != optarg && eq[1] && nouts < DIFF_MAX_OUTPUTS;
            if (ok) {
                *eq = '\0';
                ok = (outs[nouts].fmt = ss_cmd_format(optarg, SS_DOC_DIFF)) != NULL;
                *eq = '=';
            }
            if (!ok) {
                ss_esc_say(stderr, "segscan diff: --output wants FMT=FILE with FMT %s (at most 8): '%s'",
                           names, optarg);
                fputs("Try 'segscan diff --help'.\n", stderr);
                return EXIT_USAGE;
            }
            outs[nouts++].path = eq + 1;
            break;
        }
        case 'a': o.all = true; break;
        case 'C':
            if (!ss_color_mode_parse(optarg, &color))
            {
                ss_esc_say(stderr, "segscan diff: --color wants auto, always or never: '%s'",
                           optarg);
                fputs("Try 'segscan diff --help'.\n", stderr);
                return EXIT_USAGE;
            }
            break;
        case 'd':
            if (strcmp(optarg, "compileunits") == 0 || strcmp(optarg, "crates") == 0 ||
                strcmp(optarg, "inputfiles") == 0) {
                if (dopts.debug && strcmp(dopts.debug, optarg) != 0) {
                    ss_esc_say(stderr, "segscan diff: -d takes one of compileunits, crates and "
                                       "inputfiles: '%s'", optarg);
                    fputs("Try 'segscan diff --help'.\n", stderr);
                    return EXIT_USAGE;
                }
                dopts.debug = optarg;
                ro.debug = true;
                ro.debug_opts.lines = strcmp(optarg, "inputfiles") == 0;
                ro.debug_opts.lookup = true;
                break;
            }
            if (strcmp(optarg, "symbols") != 0) {
                ss_esc_say(stderr, "segscan diff: -d wants symbols, compileunits, crates or "
                                   "inputfiles (segments, sections and kinds are always "
                                   "compared): '%s'", optarg);
                fputs("Try 'segscan diff --help'.\n", stderr);
                return EXIT_USAGE;
            }
            dopts.symbols = ro.symbols = true;
            break;
        case 'G':
            if (ndebug_files == 64) {
                ss_esc_say(stderr, "segscan diff: --debug-file: at most 64: '%s'", optarg);
                return EXIT_USAGE;
            }
            debug_files[ndebug_files++] = optarg;
            ro.debug_opts.debug_files = debug_files;
            ro.debug_opts.ndebug_files = ndebug_files;
            break;
        case 'D': dopts.demangle = false; break;
        case 'c': o.pretty = false; break;
        case 'j': {
            char *end;
            errno = 0;
            unsigned long v = strtoul(optarg, &end, 10);
            if (errno || *end || end == optarg || optarg[0] == '-' || v == 0 || v > 1024) {
                ss_esc_say(stderr, "segscan diff: -j wants a number of jobs from 1 to 1024: '%s'",
                           optarg);
                return EXIT_USAGE;
            }
            ro.jobs = (unsigned)v;
            break;
        }
        case 'O': {
            const char *bad;
            size_t badlen;
            if (!ss_analysis_parse_only(optarg, &ro.analysis.which, &bad, &badlen)) {
                ss_esc_say(stderr, "segscan diff: --only: unknown analysis '%.*s' (see segscan "
                                   "--help)", (int)badlen, bad);
                fputs("Try 'segscan diff --help'.\n", stderr);
                return EXIT_USAGE;
            }
            break;
        }
        case 'h': diff_usage(stdout); return EXIT_OK;
        default: return ss_cmd_bad_option("segscan diff", shortopts, argc, argv);
        }
    }
    if (argc - optind != 2) {
        fputs("segscan diff: name two inputs, BASE and NEW\nTry 'segscan diff --help'.\n",
              stderr);
        return EXIT_USAGE;
    }
    bool failed = false;
    ss_input **in = ss_pipeline_load(argv + optind, 2, &ro, &failed);
    if (in == NULL) {
        fputs("segscan diff: out of memory\n", stderr);
        return EXIT_INPUT;
    }
    ss_emit_errors(stderr, in[0]);
    ss_emit_errors(stderr, in[1]);
    int rc = failed ? EXIT_INPUT : EXIT_OK;
    if (in[0]->status == SS_OK && in[1]->status == SS_OK) {
        ss_diff_result d = {0};
        bool built = ss_diff_build(&d, in[0], in[1], &dopts);
        for (size_t i = 0; i < d.notes.n; i++)
            ss_esc_say(stderr, "%s", d.notes.line[i]);
        if (built && !d.notes.oom) {
            ss_diff_render_opts so = o; /* colour only on stdout, files stay plain */
            so.term = ss_term_detect(STDOUT_FILENO, color);
            ss_emit_diff(stdout, fmt, &d, &so);
            for (size_t i = 0; i < nouts; i++) {
                FILE *f = fopen(outs[i].path, "w");
                if (f)
                    ss_emit_diff(f, outs[i].fmt, &d, &o);
                if (f == NULL || (ferror(f) | fclose(f)) != 0) {
                    ss_esc_say(stderr, "segscan diff: cannot write %s: %s", outs[i].path,
                               strerror(errno));
                    rc = EXIT_WRITE; /* before every other status, as for stdout */
                }
            }
        } else {
            fputs("segscan diff: out of memory\n", stderr);
            rc = EXIT_INPUT;
        }
        ss_diff_free(&d);
    }
    ss_pipeline_free(in, 2);
    return rc;
}
