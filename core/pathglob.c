/* pathglob.c - matching a budget rule's `artifacts` patterns against artifact paths.
 *
 * One file can be named many ways on a command line: "build/app", "./build/app",
 * "build//app", "build/../build/app", "/ci/work/build/app". A rule must match all of them, or
 * a renamed path would silently stop a budget from guarding. Both sides are normalised
 * lexically (as `realpath -s`: no file system lookups, so symbolic links are not resolved),
 * and a pattern is compared with the artifact in the same form: an absolute pattern with the
 * artifact's absolute path, a relative one with its path relative to the current directory
 * and with the path as given (so "*\/app" still matches "/elsewhere/app", as it always did). */
#include "budget.h"

#include <fnmatch.h>  /* fnmatch */
#include <limits.h>   /* PATH_MAX */
#include <stdio.h>    /* snprintf */
#include <stdlib.h>   /* getenv */
#include <string.h>   /* strcmp, strlen, strncmp, strrchr */
#include <sys/stat.h> /* stat */
#include <unistd.h>   /* getcwd */

/* At most: as given, relative to two spellings of the current directory, and absolute under
 * each of them. */
#define FORMS 6

/* in, lexically normalised, into out: repeated and trailing '/' and "." components go,
 * "dir/.." cancels, ".." at the root stays at the root. A relative path that cancels out is
 * ".". False when out is too small. */
static bool normalize(const char *in, char *out, size_t cap)
{
    bool abs = in[0] == '/';
    size_t o = 0, root = abs ? 1 : 0; /* out[0, root) is never removed */
    if (cap < 2)
        return false;
    if (abs)
        out[o++] = '/';
    const char *p = in;
    while (*p) {
        while (*p == '/')
            p++;
        const char *e = p;
        while (*e && *e != '/')
            e++;
        size_t n = (size_t)(e - p);
        if (n == 0 || (n == 1 && p[0] == '.')) {
            /* nothing */
        } else if (n == 2 && p[0] == '.' && p[1] == '.') {
            /* The last component, if there is one and it is not "..", cancels. */
            size_t s = o;
            while (s > root && out[s - 1] != '/')
                s--;
            bool has_last = o > root;
            bool last_dotdot = o - s == 2 && out[s] == '.' && out[s + 1] == '.';
            if (has_last && !last_dotdot) {
                o = s > root ? s - 1 : s; /* drop the component and its '/' */
            } else if (!abs) {
                if (o + (o > root) + 2 >= cap)
                    return false;
                if (o > root)
                    out[o++] = '/';
                out[o++] = '.';
                out[o++] = '.';
            }
        } else {
            if (o + (o > root) + n >= cap)
                return false;
            if (o > root)
                out[o++] = '/';
            memmove(out + o, p, n); /* in and out may be one buffer: out never runs ahead */
            o += n;
        }
        p = e;
    }
    if (o == 0)
        out[o++] = '.';
    out[o] = '\0';
    return true;
}

/* The current directory as getcwd names it and, when it differs, as $PWD does (the shell's
 * spelling, through symbolic links, which `$PWD/build/app` uses). Returns how many. */
static int current_dirs(char dirs[2][PATH_MAX])
{
    int n = 0;
    if (getcwd(dirs[0], PATH_MAX) != NULL && normalize(dirs[0], dirs[0], PATH_MAX))
        n = 1;
    const char *pwd = getenv("PWD");
    struct stat a, b;
    if (pwd && pwd[0] == '/' && normalize(pwd, dirs[n], PATH_MAX) &&
        (n == 0 || strcmp(dirs[0], dirs[n]) != 0) && stat(dirs[n], &a) == 0 &&
        stat(".", &b) == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino)
        n++;
    return n;
}

/* The forms of path that a pattern is compared with: absolute ones (abs[]) and ones relative
 * to the current directory (rel[]). */
typedef struct {
    char abs[FORMS][PATH_MAX], rel[FORMS][PATH_MAX];
    int nabs, nrel;
    bool given_abs; /* abs[0] is the path as given */
} forms;

static void add_form(char (*list)[PATH_MAX], int *n, const char *s)
{
    for (int i = 0; i < *n; i++)
        if (strcmp(list[i], s) == 0)
            return;
    if (*n < FORMS && strlen(s) < PATH_MAX)
        strcpy(list[(*n)++], s);
}

static void make_forms(const char *path, forms *f)
{
    char given[PATH_MAX], dirs[2][PATH_MAX], tmp[PATH_MAX];
    f->nabs = f->nrel = 0;
    f->given_abs = path[0] == '/';
    if (!normalize(path, given, sizeof given)) {
        /* Longer than any path the system takes: compare it as given. */
        add_form(path[0] == '/' ? f->abs : f->rel, path[0] == '/' ? &f->nabs : &f->nrel, path);
        return;
    }
    int nd = current_dirs(dirs);
    add_form(given[0] == '/' ? f->abs : f->rel, given[0] == '/' ? &f->nabs : &f->nrel, given);
    /* An absolute path under the current directory also has a relative form... */
    for (int d = 0; d < nd && f->nabs; d++) {
        size_t n = strlen(dirs[d]);
        if (strcmp(dirs[d], "/") == 0)
            add_form(f->rel, &f->nrel, f->abs[0] + 1);
        else if (strncmp(f->abs[0], dirs[d], n) == 0 && f->abs[0][n] == '/')
            add_form(f->rel, &f->nrel, f->abs[0] + n + 1);
    }
    /* ...and every relative form an absolute one under each spelling of the directory. */
    for (int r = 0; r < f->nrel; r++)
        for (int d = 0; d < nd; d++) {
            int k = snprintf(tmp, sizeof tmp, "%s/%s", dirs[d], f->rel[r]);
            if (k > 0 && (size_t)k < sizeof tmp && normalize(tmp, tmp, sizeof tmp))
                add_form(f->abs, &f->nabs, tmp);
        }
}

bool ss_globs_match_path(const ss_globs *g, const char *path)
{
    if (g->n == 0)
        return true;
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    forms *f = NULL;
    static _Thread_local forms storage; /* 48 KiB: more than a small thread stack should hold */
    for (size_t i = 0; i < g->n; i++) {
        const char *pat = g->items[i];
        if (strchr(pat, '/') == NULL) {
            /* A pattern without '/' names the file, wherever it is. */
            if (fnmatch(pat, base, 0) == 0)
                return true;
            continue;
        }
        char np[PATH_MAX];
        if (!normalize(pat, np, sizeof np))
            continue;
        if (f == NULL)
            make_forms(path, f = &storage);
        const bool abs = np[0] == '/';
        for (int k = 0; k < (abs ? f->nabs : f->nrel); k++)
            if (fnmatch(np, abs ? f->abs[k] : f->rel[k], 0) == 0)
                return true;
        /* An absolute path as given (abs[0]) for a relative pattern: only one that starts
         * with a wildcard can match it. */
        if (!abs && f->given_abs && f->nabs && fnmatch(np, f->abs[0], 0) == 0)
            return true;
    }
    return false;
}
