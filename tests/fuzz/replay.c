/* replay.c - runs a fuzz target's LLVMFuzzerTestOneInput over files and directories, so every
 * committed corpus and every fixture is replayed under plain CTest (and under ASan/UBSan in the
 * sanitizer build) without libFuzzer. Exits non-zero if an input cannot be read, a path given
 * does not exist, or a path given holds no input at all: a replay of an empty or missing corpus
 * has tested nothing, which is a failure, not a pass. A crash in the target is a crash of this
 * program, which CTest reports. */
#include <dirent.h>   /* opendir */
#include <stdint.h>   /* uint8_t */
#include <stdio.h>    /* fopen, fread */
#include <stdlib.h>   /* malloc, free, qsort */
#include <string.h>   /* strcmp */
#include <sys/stat.h> /* stat */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Inputs larger than this are not replayed (the fuzzers use max_len well below it). */
#define REPLAY_MAX_INPUT (64u << 20)

static size_t count;

static int run_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        fprintf(stderr, "replay: cannot open %s\n", path);
        return 1;
    }
    struct stat st;
    if (fstat(fileno(f), &st) != 0 || st.st_size > REPLAY_MAX_INPUT) {
        fclose(f);
        return 0;
    }
    size_t n = (size_t)st.st_size;
    uint8_t *buf = malloc(n ? n : 1);
    if (buf == NULL || fread(buf, 1, n, f) != n) {
        fclose(f);
        free(buf);
        fprintf(stderr, "replay: cannot read %s\n", path);
        return 1;
    }
    fclose(f);
    LLVMFuzzerTestOneInput(buf, n);
    free(buf);
    count++;
    return 0;
}

static int cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int run_path(const char *path, int depth)
{
    struct stat st;
    if (lstat(path, &st) != 0) {
        fprintf(stderr, "replay: %s: no such corpus\n", path);
        return 1;
    }
    if (S_ISREG(st.st_mode))
        return run_file(path);
    if (!S_ISDIR(st.st_mode) || depth > 8)
        return 0;
    DIR *d = opendir(path);
    if (d == NULL)
        return 1;
    char **names = NULL;
    size_t n = 0, cap = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 64;
            char **nn = realloc(names, cap * sizeof *nn);
            if (nn == NULL)
                break;
            names = nn;
        }
        size_t len = strlen(path) + strlen(e->d_name) + 2;
        if ((names[n] = malloc(len)) == NULL)
            break;
        snprintf(names[n], len, "%s/%s", path, e->d_name);
        n++;
    }
    closedir(d);
    if (n) /* a directory of hidden entries only (a .build-id tree's root) leaves names NULL */
        qsort(names, n, sizeof *names, cmp);
    int rc = 0;
    for (size_t i = 0; i < n; i++) {
        rc |= run_path(names[i], depth + 1);
        free(names[i]);
    }
    free(names);
    return rc;
}

int main(int argc, char **argv)
{
    int rc = 0;
    if (argc < 2) {
        fprintf(stderr, "usage: %s CORPUS...\n", argv[0]);
        return 2;
    }
    for (int i = 1; i < argc; i++) {
        size_t before = count;
        int r = run_path(argv[i], 0);
        rc |= r;
        if (r == 0 && count == before) {
            fprintf(stderr, "replay: %s: no input replayed (an empty corpus)\n", argv[i]);
            rc = 1;
        }
    }
    printf("replay: %zu inputs\n", count);
    return rc;
}
