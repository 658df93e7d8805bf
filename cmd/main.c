/* main.c - the segscan command: parse options, analyze inputs, print, exit.
 *
 * The only code that talks to the terminal or calls exit. Exit codes: 0 success; 2 usage error;
 * 3 at least one input (or archive member) could not be analyzed - every other input is still
 * reported in full. */
#include <errno.h>  /* errno */
#include <getopt.h> /* getopt_long */
#include <limits.h> /* PATH_MAX */
#include <stdio.h>  /* printf, fprintf */
#include <stdlib.h> /* strtoull */
#include <string.h> /* strcmp */
#include <unistd.h> /* readlink, isatty */

#include "analysis.h"
#include "cmd.h"
#include "emit.h"
#include "formats.h"
#include "graphviz.h"
#include "run.h"

enum { EXIT_OK = 0, EXIT_DOT_FAILED = 1, EXIT_USAGE = 2, EXIT_INPUT = 3 };
enum { OPT_DOT_MAX = 0x100, OPT_VERIFY }; /* long options without a short form */

static void usage(FILE *f)
{
    fputs("usage: segscan [options] [FILE|DIR...]\n"
          "       segscan diff [options] BASE NEW              (see segscan diff --help)\n"
          "       segscan check --budget FILE ARTIFACT...      (see segscan check --help)\n"
          "\n"
          "Shows where every byte of ELF, PE/COFF and Mach-O binaries lives: segments, sections,\n"
          "file size and memory size, with every byte of each file accounted. Static archives\n"
          "and universal binaries are reported member by member; FILE(MEMBER) picks one member\n"
          "or slice, as nm and size name it: 'libc.a(malloc.o)', 'app(arm64)' (a file whose\n"
          "name has the parentheses wins). With no FILE, segscan analyzes its own executable.\n"
          "\n"
          "options:\n"
          "  -f, --format FMT   text (default), json, or a memory-layout diagram: dot (Graphviz\n"
          "                     source), svg or png (rendered by Graphviz's dot, which must be\n"
          "                     installed: Debian package graphviz; exit 1 if dot fails)\n"
          "      --dot-max-sections N  diagrams: at most N rows per segment box and 3N in the\n"
          "                     file column, small ones merged into \"N others\" (default 12;\n"
          "                     0 draws every section)\n"
          "  -n, --top N        keep the N largest rows of each table, sum the rest in one row\n"
          "  -r, --recursive    analyze the binaries under each DIR (recognised by their magic;\n"
          "                     other files are skipped and counted; links are not followed)\n"
          "  -j, --jobs N       analyze N files at a time, or one file on N threads\n"
          "                     (default: one per CPU)\n"
          "  -q, --quiet        no progress line on stderr\n"
          "      --compact      JSON on one line instead of indented\n"
          "      --only LIST    analyses to run, comma-separated: sizes,bss,strings,perms\n"
          "                     (default all; 'sizes' alone skips every analysis)\n"
          "      --zero-run N   shortest zero run reported in data without symbols (64)\n"
          "      --min-string N shortest string literal counted, in bytes (4)\n"
          "      --verify-compressed  decompress compressed sections (capped, streamed) to\n"
          "                     check the size their headers state; a mismatch is a warning\n"
          "  -h, --help         this help\n"
          "  -V, --version      version\n"
          "\n"
          "exit status:\n"
          "  0  every input was analyzed\n"
          "  2  usage error\n"
          "  3  at least one input or archive member could not be analyzed (one line each on\n"
          "     stderr: the path, what is wrong, the file offset); the others are still reported\n"
          "\n"
          "JSON output follows docs/segscan.schema.json (schema_version 1). README.md, LICENSE\n"
          "and docs/ are installed in " SEGSCAN_DOCDIR "/.\n",
          f);
}

static int usage_error(const char *what, const char *arg)
{
    fprintf(stderr, "segscan: %s: '%s'\nTry 'segscan --help'.\n", what, arg);
    return EXIT_USAGE;
}

static bool parse_count(const char *s, unsigned long long max, unsigned long long *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || *end || end == s || s[0] == '-' || v > max)
        return false;
    *out = v;
    return true;
}

/* Runs in the worker threads after each input is loaded. */
static void analyze_input(ss_input *in, void *ctx)
{
    const ss_analysis_opts *ao = ctx;
    if (ao->which & (SS_AN_BSS | SS_AN_STRINGS | SS_AN_PERMS))
        ss_analyze_input(in, ao);
}

static void report_one(void *ctx, const ss_input *in)
{
    ss_report_input(ctx, in);
}

/* The default command: report on FILEs. */
static int report_main(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"format", required_argument, NULL, 'f'},
        {"dot-max-sections", required_argument, NULL, OPT_DOT_MAX},
        {"top", required_argument, NULL, 'n'},
        {"recursive", no_argument, NULL, 'r'},
        {"jobs", required_argument, NULL, 'j'},
        {"quiet", no_argument, NULL, 'q'},
        {"compact", no_argument, NULL, 'c'},
        {"only", required_argument, NULL, 'O'},
        {"zero-run", required_argument, NULL, 'Z'},
        {"min-string", required_argument, NULL, 'S'},
        {"verify-compressed", no_argument, NULL, OPT_VERIFY},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        {NULL, 0, NULL, 0},
    };
    ss_emit_opts eo = {.top = 0, .pretty = true, .dot_max_rows = SS_DOT_MAX_ROWS_DEFAULT};
    const char *render = NULL; /* svg or png: the DOT goes through Graphviz */
    ss_out_format fmt = SS_OUT_TEXT;
    bool recursive = false, quiet = false;
    ss_analysis_opts ao = ss_analysis_opts_default();
    ss_run_opts ro = {.load = ss_load_opts_default(), .after_load = analyze_input,
                      .after_load_ctx = &ao};
    unsigned long long v;
    int ch;
    while ((ch = getopt_long(argc, argv, "f:n:rj:qhV", longopts, NULL)) != -1) {
        switch (ch) {
        case 'f':
            if (strcmp(optarg, "json") == 0)
                fmt = SS_OUT_JSON;
            else if (strcmp(optarg, "text") == 0)
                fmt = SS_OUT_TEXT;
            else if (strcmp(optarg, "dot") == 0 || strcmp(optarg, "svg") == 0 ||
                     strcmp(optarg, "png") == 0)
                fmt = SS_OUT_DOT;
            else
                return usage_error("unknown format (text, json, dot, svg or png)", optarg);
            render = fmt == SS_OUT_DOT && strcmp(optarg, "dot") != 0 ? optarg : NULL;
            break;
        case OPT_DOT_MAX:
            if (!parse_count(optarg, 1u << 20, &v))
                return usage_error("--dot-max-sections wants a number of rows (0: all)", optarg);
            eo.dot_max_rows = (size_t)v;
            break;
        case 'n':
            if (!parse_count(optarg, SIZE_MAX, &v))
                return usage_error("-n wants a number of rows", optarg);
            eo.top = (size_t)v;
            break;
        case 'j':
            if (!parse_count(optarg, 1024, &v) || v == 0)
                return usage_error("-j wants a number of jobs from 1 to 1024", optarg);
            ro.jobs = (unsigned)v;
            break;
        case 'r': recursive = true; break;
        case 'q': quiet = true; break;
        case 'c': eo.pretty = false; break;
        case OPT_VERIFY: ro.load.verify_compressed = true; break;
        case 'O': {
            const char *bad;
            size_t badlen;
            if (!ss_analysis_parse_only(optarg, &ao.which, &bad, &badlen)) {
                fprintf(stderr, "segscan: --only: unknown analysis '%.*s' (sizes, bss, strings, "
                                "perms)\nTry 'segscan --help'.\n", (int)badlen, bad);
                return EXIT_USAGE;
            }
            break;
        }
        case 'Z':
            if (!parse_count(optarg, UINT64_MAX, &v) || v == 0)
                return usage_error("--zero-run wants a number of bytes from 1", optarg);
            ao.zero_run_min = v;
            break;
        case 'S':
            if (!parse_count(optarg, 1u << 20, &v) || v == 0)
                return usage_error("--min-string wants a length from 1 to 1048576", optarg);
            ao.min_string = (uint32_t)v;
            break;
        case 'h': usage(stdout); return EXIT_OK;
        case 'V': printf("segscan %s\n", SEGSCAN_VERSION); return EXIT_OK;
        default: fputs("Try 'segscan --help'.\n", stderr); return EXIT_USAGE;
        }
    }

    if (render && !ss_graphviz_available()) {
        fprintf(stderr, "segscan: --format %s needs Graphviz's 'dot' program, which is not on "
                        "PATH: install the Debian package graphviz\n", render);
        return EXIT_USAGE;
    }
    if (render && strcmp(render, "png") == 0 && isatty(STDOUT_FILENO)) {
        fprintf(stderr, "segscan: --format png writes binary data: redirect it to a file\n");
        return EXIT_USAGE;
    }

    char self[PATH_MAX];
    char *self_argv[1];
    char **paths = argv + optind;
    size_t npaths = (size_t)(argc - optind);
    if (npaths == 0) {
        ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
        if (n <= 0) {
            fprintf(stderr, "segscan: cannot find my own executable; name a FILE\n");
            return EXIT_USAGE;
        }
        self[n] = '\0';
        self_argv[0] = self;
        paths = self_argv;
        npaths = 1;
    }

    char **walked = NULL;
    size_t nwalked = 0, skipped = 0;
    if (recursive) {
        char err[512];
        if (!ss_walk(paths, npaths, &walked, &nwalked, &skipped, err, sizeof err)) {
            fprintf(stderr, "segscan: %s\n", err);
            return EXIT_INPUT;
        }
        if (err[0])
            fprintf(stderr, "segscan: %s\n", err);
        paths = walked;
        npaths = nwalked;
    }

    if (!(ao.which & SS_AN_BSS)) /* symbols and relocation targets serve only the BSS analysis */
        ro.load.symbols = ro.load.relocs = false;
    ro.load.defer_tables = true; /* read by the analysis, beside the string analysis */
    ao.threads = ss_run_threads_each(&ro, npaths);
    ro.progress = !quiet && isatty(STDERR_FILENO);
    ss_graphviz gv = {0};
    char gverr[256];
    if (render) {
        fflush(stdout);
        if (!ss_graphviz_start(&gv, render, gverr, sizeof gverr)) {
            fprintf(stderr, "segscan: %s\n", gverr);
            ss_walk_free(walked, nwalked);
            return EXIT_DOT_FAILED;
        }
    }
    ss_report *r = ss_report_begin(render ? gv.in : stdout, stderr, fmt, &eo);
    bool failed = false;
    bool ok = r && ss_run_each(paths, npaths, &ro, report_one, r, &failed);
    ss_report_end(r);
    if (render && ss_graphviz_finish(&gv, gverr, sizeof gverr) != 0) {
        fprintf(stderr, "segscan: %s\n", gverr);
        ss_walk_free(walked, nwalked);
        return EXIT_DOT_FAILED;
    }
    ss_walk_free(walked, nwalked);
    if (recursive && !quiet)
        fprintf(stderr, "segscan: %zu binaries analyzed, %zu other files skipped\n", npaths,
                skipped);
    if (!ok) {
        fprintf(stderr, "segscan: out of memory\n");
        return EXIT_INPUT;
    }
    return failed ? EXIT_INPUT : EXIT_OK;
}

int main(int argc, char **argv)
{
    /* Subcommands are dispatched here by their first word; everything else is a report. */
    if (argc > 1 && strcmp(argv[1], "check") == 0)
        return ss_cmd_check(argc - 1, argv + 1);
    if (argc > 1 && strcmp(argv[1], "diff") == 0)
        return ss_cmd_diff(argc - 1, argv + 1);
    return report_main(argc, argv);
}
