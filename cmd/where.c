/* where.c - `segscan where NAME... -- FILE...`: where each named object lives and what it costs.
 *
 * Every input is loaded with its symbol tables, its symbol layer built (core/symbols.h), and
 * every symbol row whose name matches a NAME is told in one block: section, segment and its
 * permissions, address, size, file offset, file and memory bytes, and the section kind in
 * words. Exit 0 when every NAME matched, 1 when one matched nothing, 2 usage, 3 an input or
 * member could not be analyzed, 4 the output could not be written. */
#include <errno.h>   /* errno */
#include <getopt.h>  /* getopt_long */
#include <stdio.h>   /* fprintf */
#include <stdlib.h>  /* calloc, free, strtoull */
#include <string.h>  /* strcmp */
#include <unistd.h>  /* isatty */

#include "cmd.h"
#include "emit.h"
#include "escape.h"
#include "pipeline.h"
#include "symbols.h"

enum { EXIT_OK = 0, EXIT_UNMATCHED = 1, EXIT_USAGE = 2, EXIT_INPUT = 3 };
enum { OPT_NO_DEMANGLE = 0x100 };

static void where_usage(FILE *f)
{
    fputs("usage: segscan where [options] NAME... -- FILE...\n"
          "\n"
          "Tells where each named object (function, variable, constant) of the FILEs lives: its\n"
          "section and the section's kind, its segment and permissions, address, size, file\n"
          "offset, the bytes it costs in the file and in memory, and what that means in words\n"
          "(\"zero-initialised: costs 10000 bytes of memory and no file bytes\"). A NAME is an\n"
          "exact demangled or mangled name, the last part of a qualified name (BUFFER matches\n"
          "app::BUFFER), or a glob such as '*BUFFER*' (quote it from the shell). Mach-O's\n"
          "leading underscore may be left out.\n"
          "\n"
          "options:\n"
          "  -f, --format FMT   text (default; its lines wrap to COLUMNS or the terminal's\n"
          "                     width) or json (docs/segscan-where.schema.json)\n"
          "      --no-demangle  show names as stored in the symbol table\n"
          "  -j, --jobs N       analyze N files at a time (default: one per CPU)\n"
          "      --compact      JSON on one line\n"
          "  -h, --help         this help\n"
          "\n"
          "exit status:\n"
          "  0  every NAME matched at least one symbol\n"
          "  1  some NAME matched nothing (named on stderr and in the JSON's \"unmatched\")\n"
          "  2  usage error\n"
          "  3  an input or archive member could not be analyzed (one line each on stderr)\n"
          "  4  the output could not be written\n",
          f);
}

typedef struct {
    char **names;
    size_t nnames;
    bool *matched;
    bool demangle;
    ss_where_doc *doc;
    bool oom, failed;
    size_t nmatches;
} where_ctx;

static void where_input(void *vctx, const ss_input *in)
{
    where_ctx *c = vctx;
    ss_emit_errors(stderr, in);
    if (ss_input_failures(in))
        c->failed = true;
    for (size_t u = 0; u < in->nunits; u++) {
        ss_image *im = in->units[u].image;
        if (im == NULL)
            continue;
        if (im->tables_status != SS_OK) {
            char b[1024];
            ss_esc_say(stderr, "segscan: %s%s%s%s: %s", in->path, im->member ? "(" : "",
                       im->member ? ss_esc_text(im->member, b, sizeof b) : "",
                       im->member ? ")" : "", im->tables_diag.msg);
            c->failed = true;
            continue;
        }
        ss_symtab t;
        if (!ss_symtab_build(im, c->demangle, &t)) {
            c->oom = true;
            return;
        }
        for (size_t i = 0; i < t.n; i++) {
            const ss_symrow *r = &t.rows[i];
            if (r->nosym)
                continue;
            bool hit = false;
            for (size_t k = 0; k < c->nnames; k++)
                if (ss_symrow_matches(c->names[k], r, im->sym_lead))
                    hit = c->matched[k] = true;
            if (!hit)
                continue;
            c->nmatches++;
            ss_where_match(c->doc, im, r);
        }
        ss_symtab_free(&t);
    }
}

int ss_cmd_where(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"format", required_argument, NULL, 'f'},
        {"no-demangle", no_argument, NULL, OPT_NO_DEMANGLE},
        {"jobs", required_argument, NULL, 'j'},
        {"compact", no_argument, NULL, 'c'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    static const char shortopts[] = "+f:j:h";
    where_ctx c = {.demangle = true};
    const ss_emitter *fmt = ss_cmd_format("text", SS_DOC_WHERE);
    bool pretty = true;
    ss_pipeline_opts po = ss_pipeline_opts_default();
    po.analysis.which = SS_AN_SIZES; /* no analysis: only the tables */
    po.symbols = true;
    int ch;
    while ((ch = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
        switch (ch) {
        case 'f':
            if ((fmt = ss_cmd_format(optarg, SS_DOC_WHERE)) == NULL) {
                char names[160];
                ss_esc_say(stderr, "segscan where: unknown format '%s' (%s)", optarg,
                           ss_emitter_names(SS_DOC_WHERE, names, sizeof names));
                fputs("Try 'segscan where --help'.\n", stderr);
                return EXIT_USAGE;
            }
            break;
        case OPT_NO_DEMANGLE: c.demangle = false; break;
        case 'c': pretty = false; break;
        case 'j': {
            char *end;
            errno = 0;
            unsigned long long v = strtoull(optarg, &end, 10);
            if (errno || *end || end == optarg || optarg[0] == '-' || v == 0 || v > 1024) {
                ss_esc_say(stderr, "segscan where: -j wants a number of jobs from 1 to 1024: '%s'",
                           optarg);
                return EXIT_USAGE;
            }
            po.jobs = (unsigned)v;
            break;
        }
        case 'h': where_usage(stdout); return EXIT_OK;
        default: return ss_cmd_bad_option("segscan where", shortopts, argc, argv);
        }
    }
    /* NAME... -- FILE...: getopt stopped at the first NAME (or consumed a leading "--"). */
    int sep = -1;
    for (int i = optind; i < argc; i++)
        if (strcmp(argv[i], "--") == 0) {
            sep = i;
            break;
        }
    if (sep < 0 || sep == optind || sep + 1 >= argc) {
        fputs("segscan where: wants NAME... -- FILE... (at least one of each)\n"
              "Try 'segscan where --help'.\n", stderr);
        return EXIT_USAGE;
    }
    c.names = argv + optind;
    c.nnames = (size_t)(sep - optind);
    c.matched = calloc(c.nnames, sizeof *c.matched);
    if (c.matched == NULL) {
        fputs("segscan: out of memory\n", stderr);
        return EXIT_INPUT;
    }
    ss_term term = ss_term_detect(STDOUT_FILENO, SS_COLOR_NEVER); /* the width only */
    if ((c.doc = ss_where_begin(stdout, fmt, pretty, &term)) == NULL) {
        free(c.matched);
        fputs("segscan: out of memory\n", stderr);
        return EXIT_INPUT;
    }
    po.progress = false;
    bool failed = false;
    ss_sink sink = {where_input, &c};
    bool ok = ss_pipeline_run(argv + sep + 1, (size_t)(argc - sep - 1), &po, &sink, &failed);
    failed |= c.failed;
    size_t unmatched = 0;
    for (size_t k = 0; k < c.nnames; k++)
        if (!c.matched[k]) {
            ss_esc_say(stderr, "segscan where: no symbol matches '%s'", c.names[k]);
            c.names[unmatched++] = c.names[k]; /* the unmatched NAMEs, in order, for the end */
        }
    ss_where_end(c.doc, c.names, unmatched);
    free(c.matched);
    if (!ok || c.oom) {
        fputs("segscan: out of memory\n", stderr);
        return EXIT_INPUT;
    }
    if (failed)
        return EXIT_INPUT;
    return unmatched ? EXIT_UNMATCHED : EXIT_OK;
}
