/* main.c - the segscan command: parse options, analyze inputs, print, exit.
 *
 * The only code that talks to the terminal or calls exit. Exit codes: 0 success; 2 usage error;
 * 3 at least one input (or archive member) could not be analyzed - every other input is still
 * reported in full; 4 the output could not be written (for every command). */
#include <errno.h>  /* errno */
#include <fcntl.h>  /* open, fcntl */
#include <getopt.h> /* getopt_long */
#include <limits.h> /* PATH_MAX */
#include <stdio.h>  /* printf, fprintf */
#include <stdlib.h> /* strtoull */
#include <string.h> /* strcmp */
#include <unistd.h> /* readlink, isatty */

#include "analysis.h"
#include "cmd.h"
#include "emit.h"
#include "escape.h"
#include "formats.h"
#include "graphviz.h"
#include "pipeline.h"

enum { EXIT_OK = 0, EXIT_DOT_FAILED = 1, EXIT_USAGE = 2, EXIT_INPUT = 3, EXIT_WRITE = 4 };
enum { OPT_DOT_MAX = 0x100, OPT_VERIFY, OPT_COLOR, OPT_NO_DEMANGLE, OPT_DEBUG_FILE }; /* long options without a short form */

static void usage(FILE *f)
{
    fputs("usage: segscan [options] [FILE|DIR...]\n"
          "       segscan diff [options] BASE NEW              (see segscan diff --help)\n"
          "       segscan check --budget FILE ARTIFACT...      (see segscan check --help)\n"
          "       segscan where NAME... -- FILE...             (see segscan where --help)\n"
          "\n"
          "Shows where every byte of ELF, PE/COFF and Mach-O binaries lives: segments, sections,\n"
          "file size and memory size, with every byte of each file accounted. Static archives\n"
          "and universal binaries are reported member by member; FILE(MEMBER) picks one member\n"
          "or slice, as nm and size name it: 'libc.a(malloc.o)', 'app(arm64)' (a file whose\n"
          "name has the parentheses wins). With no FILE, segscan analyzes its own executable.\n"
          "\n"
          "options:\n"
          "  -f, --format FMT   text (default), json, ndjson (one image per line, streamed),\n"
          "                     csv (a row per image, segment and section), markdown (a PR\n"
          "                     comment), sarif (findings, SARIF 2.1.0 for code scanning), or\n"
          "                     a memory-layout diagram: dot (Graphviz source), svg or png\n"
          "                     (rendered by Graphviz's dot, which must be installed: Debian\n"
          "                     package graphviz; exit 1 if dot fails)\n"
          "  -o, --output FMT=FILE  also write the report as FMT to FILE (repeatable, at most\n"
          "                     8; any format but svg and png): -o sarif=segscan.sarif\n"
          "      --dot-max-sections N  diagrams: at most N rows per segment box and 3N in the\n"
          "                     file column, small ones merged into \"N others\" (default 12;\n"
          "                     0 draws every section)\n"
          "  -n, --top N        keep the N largest rows of each table (with -d: of each level),\n"
          "                     sum the rest in one row (an archive's member summary, largest\n"
          "                     first: 20 by default)\n"
          "  -d, --data-source LIST  instead of the report, a table of segments, sections,\n"
          "                     crates, compileunits, inputfiles, symbols or members (of archives\n"
          "                     and universal files); two give a breakdown, the coarser first:\n"
          "                     -d sections,symbols (the largest symbols of each section),\n"
          "                     -d compileunits,symbols, -d members,symbols. Symbols: every\n"
          "                     defined symbol with its bytes (aliases and overlaps counted\n"
          "                     once), a section's bytes no symbol covers as \"[section NAME: no\n"
          "                     symbol]\". compileunits: the DWARF units' address ranges;\n"
          "                     inputfiles: source files by the line tables; crates: Rust units\n"
          "                     by crate; bytes no unit covers are \"[no debug info: SECTION]\".\n"
          "                     JSON: each image gets a \"symbols\", \"compileunits\",\n"
          "                     \"inputfiles\" or \"crates\" array with those sources\n"
          "      --debug-file PATH  the separate debug file of a stripped input (repeatable;\n"
          "                     used only when its GNU build-id, or Mach-O LC_UUID, matches).\n"
          "                     Without it segscan looks in /usr/lib/debug/.build-id/, by\n"
          "                     .gnu_debuglink, and for FILE.dSYM next to a Mach-O file\n"
          "  -s, --sort file|vm rows by file size (default) or memory size\n"
          "      --no-demangle  symbol names as stored (default: demangled, as nm -C)\n"
          "  -r, --recursive    analyze the binaries under each DIR (recognised by their magic;\n"
          "                     other files are skipped and counted, unreadable ones named;\n"
          "                     a DIR that is a symbolic link is followed, links inside not)\n"
          "  -j, --jobs N       analyze N files at a time, or one file on N threads\n"
          "                     (default: one per CPU given to segscan that no other task\n"
          "                     is using when it starts)\n"
          "  -q, --quiet        no progress line on stderr\n"
          "      --color WHEN   colour the text report: auto (default: on a terminal whose TERM\n"
          "                     is not dumb, unless NO_COLOR is set), always or never; tables\n"
          "                     fit the terminal's width (COLUMNS, else the terminal's own)\n"
          "      --compact      JSON on one line instead of indented\n"
          "      --only LIST    analyses to run, comma-separated (default all; 'sizes' alone\n"
          "                     skips every analysis):\n",
          f);
    size_t nan;
    const ss_analyzer *an = ss_analyzers(&nan);
    for (size_t i = 0; i < nan; i++)
        fprintf(f, "                       %-9s %s\n", an[i].name, an[i].about);
    fputs("      --zero-run N   shortest zero run reported in data without symbols (64)\n"
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
          "  4  the output could not be written (a full disk, a closed standard output)\n"
          "\n"
          "JSON output follows docs/segscan.schema.json (schema_version 1). README.md, LICENSE\n"
          "and docs/ are installed in " SEGSCAN_DOCDIR "/.\n",
          f);
}

static int usage_error(const char *what, const char *arg)
{
    ss_esc_say(stderr, "segscan: %s: '%s'", what, arg);
    fputs("Try 'segscan --help'.\n", stderr);
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

/* -o FMT=FILE: more reports of the same run, each in its own file. */
#define MAX_OUTPUTS 8
#define MAX_DEBUG_FILES 64

typedef struct {
    ss_report *r[1 + MAX_OUTPUTS]; /* [0] on stdout (or dot), then one per -o */
    size_t n;
} reports;

static void report_one(void *ctx, const ss_input *in)
{
    reports *rs = ctx;
    for (size_t i = 0; i < rs->n; i++)
        ss_report_input(rs->r[i], in);
}

/* The default command: report on FILEs. */
static int report_main(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"format", required_argument, NULL, 'f'},
        {"output", required_argument, NULL, 'o'},
        {"dot-max-sections", required_argument, NULL, OPT_DOT_MAX},
        {"top", required_argument, NULL, 'n'},
        {"data-source", required_argument, NULL, 'd'},
        {"sort", required_argument, NULL, 's'},
        {"no-demangle", no_argument, NULL, OPT_NO_DEMANGLE},
        {"debug-file", required_argument, NULL, OPT_DEBUG_FILE},
        {"recursive", no_argument, NULL, 'r'},
        {"jobs", required_argument, NULL, 'j'},
        {"quiet", no_argument, NULL, 'q'},
        {"compact", no_argument, NULL, 'c'},
        {"only", required_argument, NULL, 'O'},
        {"zero-run", required_argument, NULL, 'Z'},
        {"min-string", required_argument, NULL, 'S'},
        {"verify-compressed", no_argument, NULL, OPT_VERIFY},
        {"color", required_argument, NULL, OPT_COLOR},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        {NULL, 0, NULL, 0},
    };
    ss_emit_opts eo = {.top = 0, .pretty = true, .dot_max_rows = SS_DOT_MAX_ROWS_DEFAULT,
                       .members_top = SS_MEMBERS_TOP_DEFAULT};
    ss_color_mode color = SS_COLOR_AUTO;
    const char *render = NULL; /* svg or png: the DOT goes through Graphviz */
    const ss_emitter *fmt = ss_emitter_find("text");
    bool recursive = false, quiet = false, only_given = false;
    ss_pipeline_opts po = ss_pipeline_opts_default();
    unsigned long long v;
    int ch;
    struct {
        const ss_emitter *em;
        const char *path;
        FILE *f;
    } outs[MAX_OUTPUTS];
    size_t nouts = 0;
    char *debug_files[MAX_DEBUG_FILES];
    size_t ndebug_files = 0;
    static const char shortopts[] = "f:o:n:d:s:rj:qhV";
    while ((ch = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
        switch (ch) {
        case 'f':
            /* svg and png are the dot emitter's output rendered by Graphviz. */
            render = strcmp(optarg, "svg") == 0 || strcmp(optarg, "png") == 0 ? optarg : NULL;
            fmt = ss_cmd_format(render ? "dot" : optarg, SS_DOC_REPORT);
            if (fmt == NULL)
                return usage_error("unknown format (text, json, ndjson, csv, markdown, sarif, "
                                   "dot, svg or png)",
                                   optarg);
            break;
        case 'o': {
            char *eq = strchr(optarg, '=');
            if (eq == NULL || eq[1] == '\0' || nouts == MAX_OUTPUTS)
                return usage_error("--output wants FMT=FILE (at most 8)", optarg);
            *eq = '\0';
            outs[nouts].em = ss_cmd_format(optarg, SS_DOC_REPORT);
            *eq = '=';
            if (outs[nouts].em == NULL) /* svg and png need Graphviz: only on stdout */
                return usage_error("unknown output format (text, json, ndjson, csv, markdown, "
                                   "sarif or dot)",
                                   optarg);
            outs[nouts].path = eq + 1;
            outs[nouts++].f = NULL;
            break;
        }
        case OPT_DOT_MAX:
            if (!parse_count(optarg, 1u << 20, &v))
                return usage_error("--dot-max-sections wants a number of rows (0: all)", optarg);
            eo.dot_max_rows = (size_t)v;
            break;
        case 'n':
            if (!parse_count(optarg, SIZE_MAX, &v))
                return usage_error("-n wants a number of rows", optarg);
            eo.top = eo.members_top = (size_t)v;
            break;
        case 'd': {
            const char *why;
            if (!ss_datasrc_parse(optarg, &eo, &why))
                return usage_error(why, optarg);
            break;
        }
        case 's':
            if (strcmp(optarg, "vm") != 0 && strcmp(optarg, "file") != 0)
                return usage_error("-s wants file or vm", optarg);
            eo.sort_vm = strcmp(optarg, "vm") == 0;
            break;
        case OPT_NO_DEMANGLE: eo.no_demangle = true; break;
        case OPT_DEBUG_FILE:
            if (ndebug_files == MAX_DEBUG_FILES)
                return usage_error("--debug-file: at most 64", optarg);
            debug_files[ndebug_files++] = optarg;
            break;
        case 'j':
            if (!parse_count(optarg, 1024, &v) || v == 0)
                return usage_error("-j wants a number of jobs from 1 to 1024", optarg);
            po.jobs = (unsigned)v;
            break;
        case 'r': recursive = true; break;
        case 'q': quiet = true; break;
        case 'c': eo.pretty = false; break;
        case OPT_VERIFY: po.load.verify_compressed = true; break;
        case OPT_COLOR:
            if (!ss_color_mode_parse(optarg, &color))
                return usage_error("--color wants auto, always or never", optarg);
            break;
        case 'O': {
            const char *bad;
            size_t badlen;
            only_given = true;
            if (!ss_analysis_parse_only(optarg, &po.analysis.which, &bad, &badlen)) {
                char names[160] = "";
                size_t nan, len = 0;
                const ss_analyzer *an = ss_analyzers(&nan);
                for (size_t i = 0; i < nan && len < sizeof names; i++) {
                    int w = snprintf(names + len, sizeof names - len, "%s%s", i ? ", " : "",
                                     an[i].name);
                    len += w > 0 ? (size_t)w : 0;
                }
                ss_esc_say(stderr, "segscan: --only: unknown analysis '%.*s' (%s)", (int)badlen,
                           bad, names);
                fputs("Try 'segscan --help'.\n", stderr);
                return EXIT_USAGE;
            }
            break;
        }
        case 'Z':
            if (!parse_count(optarg, UINT64_MAX, &v) || v == 0)
                return usage_error("--zero-run wants a number of bytes from 1", optarg);
            po.analysis.zero_run_min = v;
            break;
        case 'S':
            if (!parse_count(optarg, 1u << 20, &v) || v == 0)
                return usage_error("--min-string wants a length from 1 to 1048576", optarg);
            po.analysis.min_string = (uint32_t)v;
            break;
        case 'h': usage(stdout); return EXIT_OK;
        case 'V': printf("segscan %s\n", SEGSCAN_VERSION); return EXIT_OK;
        default: return ss_cmd_bad_option("segscan", shortopts, argc, argv);
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
    size_t nwalked = 0, skipped = 0, unreadable = 0;
    if (recursive) {
        char err[512];
        if (!ss_walk(paths, npaths, stderr, &walked, &nwalked, &skipped, &unreadable, err,
                     sizeof err)) {
            ss_esc_say(stderr, "segscan: %s", err);
            return EXIT_INPUT;
        }
        paths = walked;
        npaths = nwalked;
    }

    po.progress = !quiet && isatty(STDERR_FILENO);
    po.symbols = ss_datasrc_wants_symbols(&eo);
    po.debug = ss_datasrc_wants_debug(&eo) > 0;
    po.debug_opts = (ss_debug_opts){.lines = ss_datasrc_wants_debug(&eo) > 1,
                                    .debug_files = debug_files,
                                    .ndebug_files = ndebug_files,
                                    .lookup = true};
    /* -d's text tables show no analysis: none is run unless --only asks for one. */
    if (eo.nsources && fmt == ss_emitter_find("text") && nouts == 0 && !only_given)
        po.analysis.which = SS_AN_SIZES;
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
    /* Colour and width are for the terminal on stdout only: -o files and diagrams get the
     * layout of a pipe. */
    ss_emit_opts eo_file = eo;
    if (!render)
        eo.term = ss_term_detect(STDOUT_FILENO, color);
    eo.err_term = ss_term_detect(STDERR_FILENO, color);
    reports rs = {.n = 1};
    rs.r[0] = ss_report_begin(render ? gv.in : stdout, stderr, fmt, &eo);
    bool ok = rs.r[0] != NULL, wrote = true;
    for (size_t i = 0; i < nouts && ok; i++) {
        outs[i].f = fopen(outs[i].path, "w");
        if (outs[i].f == NULL) {
            ss_esc_say(stderr, "segscan: cannot write %s: %s", outs[i].path, strerror(errno));
            wrote = false;
            continue;
        }
        /* Failures are told once, by the report on stdout. */
        rs.r[rs.n] = ss_report_begin(outs[i].f, NULL, outs[i].em, &eo_file);
        ok = rs.r[rs.n++] != NULL;
    }
    bool failed = false;
    ss_sink sink = {report_one, &rs};
    ok = ok && ss_pipeline_run(paths, npaths, &po, &sink, &failed);
    failed |= unreadable > 0; /* each was named by the walk */
    for (size_t i = 0; i < rs.n; i++)
        ss_report_end(rs.r[i]);
    for (size_t i = 0; i < nouts; i++)
        if (outs[i].f && fclose(outs[i].f) != 0) {
            ss_esc_say(stderr, "segscan: cannot write %s: %s", outs[i].path, strerror(errno));
            wrote = false;
        }
    if (render && ss_graphviz_finish(&gv, gverr, sizeof gverr) != 0) {
        fprintf(stderr, "segscan: %s\n", gverr);
        ss_walk_free(walked, nwalked);
        return EXIT_DOT_FAILED;
    }
    ss_walk_free(walked, nwalked);
    if (recursive && !quiet)
        fprintf(stderr, "segscan: %zu binaries analyzed, %zu other files skipped, %zu unreadable\n",
                npaths, skipped, unreadable);
    if (!ok) {
        fprintf(stderr, "segscan: out of memory\n");
        return EXIT_INPUT;
    }
    if (!wrote)
        return EXIT_WRITE;
    return failed ? EXIT_INPUT : EXIT_OK;
}

/* A standard descriptor that was closed (segscan >&-, <&-) is held by /dev/null opened for
 * reading, so that no file or pipe segscan opens later takes its number (dot would read its
 * input from a pipe that became fd 0 and then closed) and every write to a closed standard
 * output fails (EBADF) instead of going nowhere. */
static void hold_closed_std_fds(void)
{
    for (int fd = STDIN_FILENO; fd <= STDERR_FILENO; fd++)
        if (fcntl(fd, F_GETFD) < 0 && errno == EBADF) {
            int got = open("/dev/null", O_RDONLY);
            if (got >= 0 && got != fd) /* cannot happen: open takes the lowest free number */
                close(got);
        }
}

/* Every command's output goes through stdout's buffer: a write that failed at any time (a full
 * disk, a closed descriptor) is still flagged at the end, and fclose writes what remains. A
 * report that could not be written is exit 4 and one line on stderr, whatever the command
 * found, so a CI job never passes on an empty report. */
static int finish_output(int rc)
{
    int err = 0;
    if (fflush(stdout) != 0)
        err = errno;
    bool bad = ferror(stdout) || err;
    errno = 0;
    if (fclose(stdout) != 0) {
        bad = true;
        if (!err)
            err = errno;
    }
    if (!bad)
        return rc;
    fprintf(stderr, "segscan: cannot write the output: %s\n",
            err ? strerror(err) : "a write to standard output failed");
    return EXIT_WRITE;
}

int ss_cmd_bad_option(const char *cmd, const char *optstring, int argc, char **argv)
{
    const char *arg = optind - 1 < argc && optind > 1 ? argv[optind - 1] : "";
    if (optopt && strchr(optstring, optopt) && arg[0] == '-' && arg[1] != '-')
        ss_esc_say(stderr, "%s: option requires an argument -- '%c'", cmd, optopt);
    else if (optopt && arg[0] == '-' && arg[1] != '-')
        ss_esc_say(stderr, "%s: invalid option -- '%c'", cmd, optopt);
    else
        ss_esc_say(stderr, "%s: unrecognized option or missing argument: '%s'", cmd, arg);
    fprintf(stderr, "Try '%s --help'.\n", cmd);
    return EXIT_USAGE;
}

int main(int argc, char **argv)
{
    hold_closed_std_fds();
    opterr = 0; /* getopt's own messages would print the command line raw */
    /* Subcommands are dispatched here by their first word; everything else is a report. */
    if (argc > 1 && strcmp(argv[1], "check") == 0)
        return finish_output(ss_cmd_check(argc - 1, argv + 1));
    if (argc > 1 && strcmp(argv[1], "where") == 0)
        return finish_output(ss_cmd_where(argc - 1, argv + 1));
    if (argc > 1 && strcmp(argv[1], "diff") == 0)
        return finish_output(ss_cmd_diff(argc - 1, argv + 1));
    return finish_output(report_main(argc, argv));
}
