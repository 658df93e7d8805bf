/* main.c - the segscan command: parse options, analyze inputs, print, exit.
 *
 * The only code that talks to the terminal or calls exit. Exit codes: 0 success; 2 usage error;
 * 3 at least one input (or archive member) could not be analyzed - every other input is still
 * reported in full. */
#include <errno.h>  /* errno */
#include <getopt.h> /* getopt_long */
#include <limits.h> /* PATH_MAX */
#include <stdio.h>  /* printf, fprintf */
#include <stdlib.h> /* strtoull, calloc */
#include <string.h> /* strcmp */
#include <unistd.h> /* readlink */

#include "emit.h"
#include "formats.h"
#include "run.h"

enum { EXIT_OK = 0, EXIT_USAGE = 2, EXIT_INPUT = 3 };

static void usage(FILE *f)
{
    fputs("usage: segscan [options] [FILE...]\n"
          "\n"
          "Shows where every byte of ELF, PE/COFF and Mach-O binaries lives: segments, sections,\n"
          "file size and memory size, with every byte of each file accounted. Static archives\n"
          "and universal binaries are reported member by member. With no FILE, segscan analyzes\n"
          "its own executable.\n"
          "\n"
          "options:\n"
          "  -f, --format FMT   text (default) or json\n"
          "  -n, --top N        keep the N largest rows of each table, sum the rest in one row\n"
          "      --compact      JSON on one line instead of indented\n"
          "  -h, --help         this help\n"
          "  -V, --version      version\n"
          "\n"
          "exit status:\n"
          "  0  every input was analyzed\n"
          "  2  usage error\n"
          "  3  at least one input or archive member could not be analyzed (one line each on\n"
          "     stderr: the path, what is wrong, the file offset); the others are still reported\n"
          "\n"
          "JSON output follows docs/segscan.schema.json (schema_version 1).\n",
          f);
}

static int usage_error(const char *what, const char *arg)
{
    fprintf(stderr, "segscan: %s: '%s'\nTry 'segscan --help'.\n", what, arg);
    return EXIT_USAGE;
}

/* The default command: report on FILEs. */
static int report_main(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"format", required_argument, NULL, 'f'},
        {"top", required_argument, NULL, 'n'},
        {"compact", no_argument, NULL, 'c'},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        {NULL, 0, NULL, 0},
    };
    ss_emit_opts eo = {.top = 0, .pretty = true};
    bool json = false;
    int ch;
    while ((ch = getopt_long(argc, argv, "f:n:hV", longopts, NULL)) != -1) {
        switch (ch) {
        case 'f':
            if (strcmp(optarg, "json") == 0)
                json = true;
            else if (strcmp(optarg, "text") == 0)
                json = false;
            else
                return usage_error("unknown format (text or json)", optarg);
            break;
        case 'n': {
            char *end;
            errno = 0;
            unsigned long long v = strtoull(optarg, &end, 10);
            if (errno || *end || end == optarg || optarg[0] == '-')
                return usage_error("-n wants a number of rows", optarg);
            eo.top = (size_t)v;
            break;
        }
        case 'c': eo.pretty = false; break;
        case 'h': usage(stdout); return EXIT_OK;
        case 'V': printf("segscan %s\n", SEGSCAN_VERSION); return EXIT_OK;
        default: fputs("Try 'segscan --help'.\n", stderr); return EXIT_USAGE;
        }
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

    ss_load_opts lo = ss_load_opts_default();
    bool failed;
    ss_input **in = ss_run_load(paths, npaths, &lo, &failed);
    if (in == NULL) {
        fprintf(stderr, "segscan: out of memory\n");
        return EXIT_INPUT;
    }
    int rc = failed ? EXIT_INPUT : EXIT_OK;
    if (json)
        ss_emit_json(stdout, in, npaths, &eo);
    else
        ss_emit_text(stdout, in, npaths, &eo);
    fflush(stdout);
    ss_emit_errors(stderr, in, npaths);
    ss_run_free(in, npaths);
    return rc;
}

int main(int argc, char **argv)
{
    /* Subcommands are dispatched here by their first word; everything else is a report. */
    return report_main(argc, argv);
}
