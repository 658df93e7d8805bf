/* mapguard.c - see mapguard.h. */
#include "mapguard.h"

#include <pthread.h>   /* pthread_once */
#include <signal.h>    /* sigaction, SIGBUS */
#include <stdatomic.h> /* atomic_* (lock-free on the 64-bit targets we build for) */
#include <stdint.h>    /* uintptr_t */
#include <sys/mman.h>  /* mmap */
#include <unistd.h>    /* sysconf */

/* Inputs mapped at once: a run keeps at most 4 per worker thread in flight, but `check` and
 * `diff` load all their inputs first; past this many, a mapping is simply not guarded. */
#define SLOTS 4096

typedef struct {
    _Atomic uintptr_t start; /* 0: free */
    _Atomic size_t len;
    _Atomic uint64_t fault;  /* first faulting offset, UINT64_MAX for none */
} slot;

static slot slots[SLOTS];
static _Atomic int used; /* slots below this index may be taken */
static uintptr_t page;
static struct sigaction previous;
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void on_sigbus(int sig, siginfo_t *si, void *uc)
{
    uintptr_t a = (uintptr_t)si->si_addr;
    int n = atomic_load(&used);
    for (int i = 0; i < n; i++) {
        uintptr_t s = atomic_load(&slots[i].start);
        size_t len = atomic_load(&slots[i].len);
        if (s == 0 || a < s || a - s >= len)
            continue;
        uintptr_t from = a & ~(page - 1), end = (s + len + page - 1) & ~(page - 1);
        /* Zero pages in place of the file's vanished ones, from the fault to the end: one
         * fault per mapping however much more of it is read. */
        if (mmap((void *)from, end - from, PROT_READ | PROT_WRITE,
                 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) == MAP_FAILED)
            break;
        uint64_t off = a - s, old = atomic_load(&slots[i].fault);
        while (off < old && !atomic_compare_exchange_weak(&slots[i].fault, &old, off))
            ;
        return;
    }
    /* Not a guarded mapping: whatever handled SIGBUS before (by default, the end of the
     * process) handles it when the read is retried. */
    sigaction(SIGBUS, &previous, NULL);
    (void)sig;
    (void)uc;
}

static void install(void)
{
    long ps = sysconf(_SC_PAGESIZE);
    page = ps > 0 ? (uintptr_t)ps : 4096;
    struct sigaction sa = {.sa_sigaction = on_sigbus, .sa_flags = SA_SIGINFO | SA_RESTART};
    sigemptyset(&sa.sa_mask);
    sigaction(SIGBUS, &sa, &previous);
}

int ss_mapguard_add(void *addr, size_t len)
{
    if (addr == NULL || len == 0)
        return -1;
    pthread_once(&once, install);
    for (int i = 0; i < SLOTS; i++) {
        uintptr_t zero = 0;
        if (atomic_load(&slots[i].start) != 0)
            continue;
        /* Claim the slot with a placeholder that matches no address, then fill it in. */
        if (!atomic_compare_exchange_strong(&slots[i].start, &zero, (uintptr_t)1))
            continue;
        atomic_store(&slots[i].len, 0);
        atomic_store(&slots[i].fault, UINT64_MAX);
        int u = atomic_load(&used);
        while (u < i + 1 && !atomic_compare_exchange_weak(&used, &u, i + 1))
            ;
        atomic_store(&slots[i].len, len);
        atomic_store(&slots[i].start, (uintptr_t)addr);
        return i;
    }
    return -1;
}

void ss_mapguard_remove(int i)
{
    if (i < 0 || i >= SLOTS)
        return;
    atomic_store(&slots[i].len, 0);
    atomic_store(&slots[i].start, 0);
}

uint64_t ss_mapguard_fault(int i)
{
    if (i < 0 || i >= SLOTS)
        return UINT64_MAX;
    return atomic_load(&slots[i].fault);
}
