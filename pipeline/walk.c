/* walk.c - finding the binaries under directories (-r). */
#define _XOPEN_SOURCE 700
#define _DEFAULT_SOURCE /* realpath */
#include <errno.h>    /* errno */
#include <fcntl.h>    /* open */
#include <ftw.h>      /* nftw */
#include <limits.h>   /* PATH_MAX */
#include <stdio.h>    /* snprintf, fprintf */
#include <stdlib.h>   /* realloc, qsort, free, realpath */
#include <string.h>   /* strdup, strcmp, strerror */
#include <sys/stat.h> /* stat */
#include <unistd.h>   /* pread, close */

#include "escape.h" /* ss_escape_text */
#include "pipeline.h"

/* Enough bytes for every probe: ELF, Mach-O and ar need 8, PE needs the DOS header's e_lfanew
 * and the signature it points at, which linkers place well inside the first 4 KiB. */
#define HEAD_BYTES 4096

/* nftw has no context argument, so one walk at a time keeps its state here. */
static struct {
    char **paths;
    size_t n, cap, skipped, unreadable;
    bool oom;
    FILE *diag;
    /* A root given as a symbolic link is walked at its target (real) and its files are named
     * under the path as given (shown). */
    const char *real, *shown;
} w;

/* One line on diag naming a file or directory the walk could not read; the run's exit code then
 * says that an input was not analyzed. */
static void unreadable(const char *path, const char *what, int err)
{
    char name[4 * (PATH_MAX + 256)]; /* the whole path, escaped, even past PATH_MAX */
    ss_escape_text(path, name, sizeof name);
    fprintf(w.diag, "segscan: %s: cannot read %s: %s\n", name, what, strerror(err));
    w.unreadable++;
}

static bool push(const char *path)
{
    if (w.n == w.cap) {
        size_t ncap = w.cap ? w.cap * 2 : 256;
        char **np = realloc(w.paths, ncap * sizeof *np);
        if (np == NULL)
            return false;
        w.paths = np;
        w.cap = ncap;
    }
    if ((w.paths[w.n] = strdup(path)) == NULL)
        return false;
    w.n++;
    return true;
}

/* 1 when path starts like a binary, 0 when it does not, -1 (errno set) when it cannot be read:
 * a file we cannot open may be a binary, so it is named, never counted as skipped. */
static int looks_binary(const char *path)
{
    unsigned char head[HEAD_BYTES];
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0)
        return -1;
    ssize_t got = pread(fd, head, sizeof head, 0);
    int e = errno;
    close(fd);
    if (got < 0) {
        errno = e;
        return -1;
    }
    return got > 0 && ss_formats_recognised((ss_span){head, (size_t)got});
}

static int visit(const char *fpath, const struct stat *st, int type, struct FTW *ftw)
{
    (void)ftw;
    int e = errno; /* for FTW_DNR and FTW_NS, why opendir or stat failed */
    char shown[PATH_MAX + 256];
    const char *path = fpath;
    if (w.real) { /* name the file under the symbolic link the user gave */
        int len = snprintf(shown, sizeof shown, "%s%s", w.shown, fpath + strlen(w.real));
        if (len > 0 && (size_t)len < sizeof shown)
            path = shown;
    }
    if (type == FTW_DNR) {
        unreadable(path, "directory", e ? e : EACCES);
        return 0;
    }
    if (type == FTW_NS) {
        unreadable(path, "file", e ? e : EIO);
        return 0;
    }
    if (type != FTW_F || !S_ISREG(st->st_mode))
        return 0;
    int b = looks_binary(fpath);
    if (b < 0) {
        unreadable(path, "file", errno);
        return 0;
    }
    if (!b) {
        w.skipped++;
        return 0;
    }
    if (!push(path)) {
        w.oom = true;
        return 1;
    }
    return 0;
}

static int cmp_path(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

bool ss_walk(char *const *paths, size_t n, FILE *diag, char ***out, size_t *nout,
             size_t *skipped, size_t *nunreadable, char *err, size_t errlen)
{
    memset(&w, 0, sizeof w);
    w.diag = diag;
    for (size_t i = 0; i < n && !w.oom; i++) {
        struct stat st, lst;
        if (stat(paths[i], &st) == 0 && S_ISDIR(st.st_mode)) {
            size_t first = w.n;
            /* A symbolic link named on the command line is followed (Debian's /lib is one, to
             * usr/lib); links found inside are not (FTW_PHYS), so a walk cannot loop. */
            char real[PATH_MAX];
            const char *root = paths[i];
            if (lstat(paths[i], &lst) == 0 && S_ISLNK(lst.st_mode) &&
                realpath(paths[i], real) != NULL) {
                w.real = root = real;
                w.shown = paths[i];
            }
            int rc = nftw(root, visit, 32, FTW_PHYS);
            w.real = w.shown = NULL;
            if (rc != 0 && !w.oom) {
                snprintf(err, errlen, "%s: cannot walk: %s", paths[i], strerror(errno));
                ss_walk_free(w.paths, w.n);
                return false;
            }
            qsort(w.paths + first, w.n - first, sizeof *w.paths, cmp_path);
        } else if (!push(paths[i])) {
            w.oom = true;
        }
    }
    if (w.oom) {
        snprintf(err, errlen, "out of memory");
        ss_walk_free(w.paths, w.n);
        return false;
    }
    if (errlen)
        err[0] = '\0';
    *out = w.paths;
    *nout = w.n;
    *skipped = w.skipped;
    *nunreadable = w.unreadable;
    return true;
}

void ss_walk_free(char **paths, size_t n)
{
    if (paths == NULL)
        return;
    for (size_t i = 0; i < n; i++)
        free(paths[i]);
    free(paths);
}
