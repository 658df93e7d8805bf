/* input.c - mapping input files and holding their units. */
#include "input.h"
#include "mapguard.h"

#include <errno.h>     /* errno */
#include <fcntl.h>     /* open */
#include <pthread.h>   /* pthread_mutex_* */
#include <stdint.h>    /* uint8_t */
#include <stdlib.h>    /* calloc, malloc, realloc, free */
#include <string.h>    /* strdup, strndup, strchr, strerror */
#include <sys/mman.h>  /* mmap, munmap, madvise */
#include <sys/resource.h> /* getrlimit */
#include <sys/stat.h>  /* stat, fstat */
#include <unistd.h>    /* close, pread */

/* Mapped inputs that keep their file open for ss_image_read, at most KEPT_MAX and an eighth of
 * the process's limit of open files: a run over many files holds four inputs per job at once
 * (-j 1024: 4,096), and every kept descriptor counts against that limit (1,024 by default).
 * An input past the cap closes its file and is read through its mapping alone, which costs
 * time, not results (cli.fd-limit: 64 inputs in flight under a limit of 40). */
#define KEPT_MAX 64
static pthread_mutex_t kept_mu = PTHREAD_MUTEX_INITIALIZER;
static int kept, kept_cap = -1;

static bool keep_fd(void)
{
    pthread_mutex_lock(&kept_mu);
    if (kept_cap < 0) {
        struct rlimit rl;
        rlim_t cur = getrlimit(RLIMIT_NOFILE, &rl) == 0 ? rl.rlim_cur : 0;
        kept_cap = cur == RLIM_INFINITY || cur / 8 > KEPT_MAX ? KEPT_MAX : (int)(cur / 8);
    }
    bool ok = kept < kept_cap;
    kept += ok;
    pthread_mutex_unlock(&kept_mu);
    return ok;
}

static void drop_fd(int fd)
{
    close(fd);
    pthread_mutex_lock(&kept_mu);
    kept--;
    pthread_mutex_unlock(&kept_mu);
}

static ss_input *input_new(const char *path)
{
    ss_input *in = calloc(1, sizeof *in);
    if (in == NULL)
        return NULL;
    in->guard = -1;
    in->fd = -1;
    in->path = strdup(path ? path : "(buffer)");
    if (in->path == NULL) {
        free(in);
        return NULL;
    }
    return in;
}

/* Opens FILE of a "FILE(MEMBER)" path that does not exist as a whole: the first '(' whose
 * prefix opens. A member name may hold '(' and '/' (a slice's archive member "x86_64/a.o"),
 * so every '(' is tried from the left. -1 when no split opens (errno of the whole path kept);
 * *oom on allocation failure. */
static int open_member_path(ss_input *in, const char *path, bool *oom)
{
    size_t len = strlen(path);
    int saved = errno;
    if (len < 4 || path[len - 1] != ')')
        return -1;
    for (const char *q = strchr(path + 1, '('); q; q = strchr(q + 1, '(')) {
        size_t flen = (size_t)(q - path), mlen = len - flen - 2;
        if (mlen == 0)
            continue;
        char *file = strndup(path, flen), *member = strndup(q + 1, mlen);
        if (file == NULL || member == NULL) {
            free(file);
            free(member);
            *oom = true;
            return -1;
        }
        int fd = open(file, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
        if (fd >= 0) {
            free(in->path);
            in->path = file;
            in->select = member;
            return fd;
        }
        free(file);
        free(member);
    }
    errno = saved;
    return -1;
}

/* Why st is no input we read, or NULL for a regular file. */
static const char *not_regular(const struct stat *st)
{
    if (S_ISREG(st->st_mode))
        return NULL;
    if (S_ISDIR(st->st_mode))
        return "is a directory";
    if (S_ISFIFO(st->st_mode))
        return "not a regular file (a FIFO)";
    if (S_ISCHR(st->st_mode))
        return "not a regular file (a character device)";
    if (S_ISBLK(st->st_mode))
        return "not a regular file (a block device)";
    if (S_ISSOCK(st->st_mode))
        return "not a regular file (a socket)";
    return "not a regular file";
}

/* A small file is read, not mapped: unmapping is the dearest step of a small file's life
 * (the TLB shootdown of munmap: over the 493 ELF libraries of /usr/lib/x86_64-linux-gnu,
 * `--only sizes` took half its time in munmap), and copying up to 1 MiB costs less. A copy
 * cannot change under us, so no mapguard is needed; a file that shrinks while being read is
 * one failure. */
/* The buffers are SS_READ_MAX each and go back to a small pool when their input is freed: a
 * fresh buffer for each file costs a page fault per page and, in a worker thread's malloc
 * arena, a trim (madvise, another TLB shootdown) when it is freed, which ate what reading
 * saved. The pool holds at most what the pipeline keeps in flight on two CPUs. */
#define POOL_MAX 16
static pthread_mutex_t pool_mu = PTHREAD_MUTEX_INITIALIZER;
static void *pool[POOL_MAX];
static size_t npool;

static void *buf_get(void)
{
    void *b = NULL;
    pthread_mutex_lock(&pool_mu);
    if (npool > 0)
        b = pool[--npool];
    pthread_mutex_unlock(&pool_mu);
    return b ? b : malloc(SS_READ_MAX);
}

static void buf_put(void *b)
{
    if (b == NULL)
        return;
    pthread_mutex_lock(&pool_mu);
    if (npool < POOL_MAX) {
        pool[npool++] = b;
        b = NULL;
    }
    pthread_mutex_unlock(&pool_mu);
    free(b);
}

static void read_small(ss_input *in, int fd, size_t size)
{
    uint8_t *buf = buf_get();
    if (buf == NULL) {
        in->status = ss_fail_nooff(&in->diag, SS_E_NOMEM, "out of memory reading the file");
        return;
    }
    size_t got = 0;
    while (got < size) {
        ssize_t r = pread(fd, buf + got, size - got, (off_t)got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0) {
            if (r < 0)
                in->status = ss_fail_nooff(&in->diag, SS_E_IO, "cannot read: %s", strerror(errno));
            else
                in->status = ss_fail(&in->diag, SS_E_IO, got,
                                     "file shrank while being read (nothing left at this offset)");
            buf_put(buf);
            return;
        }
        got += (size_t)r;
    }
    in->read_buf = buf;
    in->bytes = (ss_span){buf, size};
}

ss_input *ss_input_open(const char *path)
{
    ss_input *in = input_new(path);
    if (in == NULL)
        return NULL;
    /* Only regular files (or symlinks to one) are opened: open() of a FIFO blocks until a
     * writer comes, and /dev/zero never ends. stat() first refuses them without opening;
     * O_NONBLOCK makes the open itself return at once if the path was swapped for a FIFO in
     * between, and fstat() on the descriptor decides for the file actually opened. A path
     * that does not exist may name an archive member, "FILE(MEMBER)". */
    struct stat st;
    const char *why;
    int fd;
    if (stat(path, &st) != 0) {
        fd = -1;
        if (errno == ENOENT || errno == ENOTDIR) {
            bool oom = false;
            fd = open_member_path(in, path, &oom);
            if (oom) {
                ss_input_free(in);
                return NULL;
            }
        }
    } else if ((why = not_regular(&st)) != NULL) {
        in->status = ss_fail_nooff(&in->diag, SS_E_IO, "%s", why);
        return in;
    } else {
        fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
    }
    if (fd < 0) {
        in->status = ss_fail_nooff(&in->diag, SS_E_IO, "cannot open: %s", strerror(errno));
        return in;
    }
    if (fstat(fd, &st) != 0) {
        in->status = ss_fail_nooff(&in->diag, SS_E_IO, "cannot stat: %s", strerror(errno));
    } else if ((why = not_regular(&st)) != NULL) {
        in->status = ss_fail_nooff(&in->diag, SS_E_IO, "%s", why);
    } else if (st.st_size == 0) {
        in->status = ss_fail(&in->diag, SS_E_TRUNCATED, 0, "empty file");
    } else if ((uint64_t)st.st_size > SIZE_MAX) {
        in->status = ss_fail_nooff(&in->diag, SS_E_LIMIT, "file too large to map");
    } else if ((uint64_t)st.st_size <= SS_READ_MAX) {
        read_small(in, fd, (size_t)st.st_size);
    } else {
        /* Private and writable so that a library which patches bytes in place (libelf may,
         * for byte order) cannot fault; pages are only copied if written. */
        void *p = mmap(NULL, (size_t)st.st_size, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
        if (p == MAP_FAILED) {
            in->status = ss_fail_nooff(&in->diag, SS_E_IO, "cannot map: %s", strerror(errno));
        } else {
            in->map_addr = p;
            in->map_len = (size_t)st.st_size;
            in->bytes = (ss_span){p, (size_t)st.st_size};
            in->guard = ss_mapguard_add(p, in->map_len);
            if (keep_fd()) {
                in->fd = fd; /* for ss_image_read: see input.h */
                return in;
            }
        }
    }
    close(fd);
    return in;
}

ss_input *ss_input_from_buffer(const char *path, const void *p, size_t len)
{
    ss_input *in = input_new(path);
    if (in == NULL)
        return NULL;
    in->bytes = (ss_span){p, len};
    if (len == 0)
        in->status = ss_fail(&in->diag, SS_E_TRUNCATED, 0, "empty file");
    return in;
}

static void free_units(ss_input *in)
{
    for (size_t i = 0; i < in->nunits; i++) {
        free(in->units[i].member);
        ss_image_free(in->units[i].image);
    }
    free(in->units);
    in->units = NULL;
    in->nunits = in->cap = 0;
}

bool ss_input_check_changed(ss_input *in)
{
    uint64_t off = ss_mapguard_fault(in->guard);
    if (off == UINT64_MAX)
        return false;
    /* What was read past the new end was zeros, not the file: nothing of it is reported. */
    free_units(in);
    in->container = SS_CONTAINER_NONE;
    in->status = ss_fail(&in->diag, SS_E_IO, off,
                         "file shrank while being read (nothing left at this offset)");
    return true;
}

void ss_input_release_pages(ss_input *in)
{
    if (in == NULL || in->map_addr == NULL)
        return;
    for (size_t i = 0; i < in->nunits; i++)
        if (in->units[i].image && in->units[i].image->big_endian)
            return;
    /* MADV_DONTNEED on a private file mapping whose pages were only read drops them from this
     * process; the page cache keeps them. */
    (void)madvise(in->map_addr, in->map_len, MADV_DONTNEED);
}

void ss_input_free(ss_input *in)
{
    if (in == NULL)
        return;
    free_units(in);
    ss_mapguard_remove(in->guard);
    if (in->map_addr)
        munmap(in->map_addr, in->map_len);
    if (in->fd >= 0)
        drop_fd(in->fd);
    buf_put(in->read_buf);
    free(in->select);
    free(in->path);
    free(in);
}

bool ss_input_add_unit(ss_input *in, const char *member, ss_image *image, const ss_diag *diag,
                       uint64_t offset, uint64_t size)
{
    if (in->nunits == in->cap) {
        size_t ncap = in->cap ? in->cap * 2 : 4;
        ss_unit *n = realloc(in->units, ncap * sizeof *n);
        if (n == NULL) {
            ss_image_free(image);
            return false;
        }
        in->units = n;
        in->cap = ncap;
    }
    ss_unit *u = &in->units[in->nunits];
    memset(u, 0, sizeof *u);
    u->member = member ? strdup(member) : NULL;
    if (member && u->member == NULL) {
        ss_image_free(image);
        return false;
    }
    u->image = image;
    u->offset = offset;
    u->size = size;
    if (diag)
        u->diag = *diag;
    in->nunits++;
    return true;
}

uint64_t ss_input_container_bytes(const ss_input *in)
{
    if (in->container == SS_CONTAINER_NONE)
        return 0;
    uint64_t members = 0;
    for (size_t i = 0; i < in->nunits; i++)
        members += in->units[i].size;
    members += in->unselected_bytes;
    return members < in->bytes.len ? in->bytes.len - members : 0;
}

size_t ss_input_failures(const ss_input *in)
{
    size_t n = 0;
    for (size_t i = 0; i < in->nunits; i++)
        n += in->units[i].image == NULL && !in->units[i].skipped;
    return n;
}

const char *ss_container_name(ss_container_kind k)
{
    switch (k) {
    case SS_CONTAINER_ARCHIVE: return "archive";
    case SS_CONTAINER_UNIVERSAL: return "universal";
    case SS_CONTAINER_NONE: return NULL;
    }
    return NULL;
}
