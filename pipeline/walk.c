/* walk.c - finding the binaries under directories (-r). */
#define _XOPEN_SOURCE 700
#include <errno.h>    /* errno */
#include <fcntl.h>    /* open */
#include <ftw.h>      /* nftw */
#include <stdio.h>    /* snprintf */
#include <stdlib.h>   /* realloc, qsort, free */
#include <string.h>   /* strdup, strcmp, strerror */
#include <sys/stat.h> /* stat */
#include <unistd.h>   /* pread, close */

#include "pipeline.h"

/* Enough bytes for every probe: ELF, Mach-O and ar need 8, PE needs the DOS header's e_lfanew
 * and the signature it points at, which linkers place well inside the first 4 KiB. */
#define HEAD_BYTES 4096

/* nftw has no context argument, so one walk at a time keeps its state here. */
static struct {
    char **paths;
    size_t n, cap, skipped;
    bool oom;
    int err;
    char errpath[256];
} w;

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

static bool looks_binary(const char *path)
{
    unsigned char head[HEAD_BYTES];
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0)
        return false;
    ssize_t got = pread(fd, head, sizeof head, 0);
    close(fd);
    return got > 0 && ss_formats_recognised((ss_span){head, (size_t)got});
}

static int visit(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
    (void)ftw;
    if (type == FTW_DNR) {
        w.err = EACCES;
        snprintf(w.errpath, sizeof w.errpath, "%s", path);
        return 0;
    }
    if (type != FTW_F || !S_ISREG(st->st_mode))
        return 0;
    if (!looks_binary(path)) {
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

bool ss_walk(char *const *paths, size_t n, char ***out, size_t *nout, size_t *skipped,
             char *err, size_t errlen)
{
    memset(&w, 0, sizeof w);
    for (size_t i = 0; i < n && !w.oom; i++) {
        struct stat st;
        if (stat(paths[i], &st) == 0 && S_ISDIR(st.st_mode)) {
            size_t first = w.n;
            if (nftw(paths[i], visit, 32, FTW_PHYS) != 0 && !w.oom) {
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
    if (w.err)
        snprintf(err, errlen, "%s: cannot read directory (skipped)", w.errpath);
    else if (errlen)
        err[0] = '\0';
    *out = w.paths;
    *nout = w.n;
    *skipped = w.skipped;
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
