/* helper.c - see helper.h. */
#if defined(__linux__) && !defined(_GNU_SOURCE)
#define _GNU_SOURCE /* sched_getcpu, CPU_* macros, pthread_attr_setaffinity_np */
#endif
#include "helper.h"

#include <sched.h>  /* sched_getcpu, cpu_set_t */
#include <stdlib.h> /* malloc, free */

static void *trampoline(void *arg)
{
    ss_helper *h = arg;
#if defined(__linux__)
    if (h->mask != NULL)
        pthread_setaffinity_np(pthread_self(), sizeof(cpu_set_t), h->mask);
#endif
    return h->fn(h->arg);
}

bool ss_helper_start(ss_helper *h, void *(*fn)(void *), void *arg)
{
    *h = (ss_helper){.fn = fn, .arg = arg};
    pthread_attr_t attr;
    if (pthread_attr_init(&attr) != 0)
        return false;
#if defined(__linux__)
    /* Not on the caller's CPU, when there is another it may use; any failure here only costs
     * the placement. */
    cpu_set_t *all = malloc(sizeof *all);
    int me = sched_getcpu();
    if (all != NULL && me >= 0 && me < CPU_SETSIZE &&
        pthread_getaffinity_np(pthread_self(), sizeof *all, all) == 0 && CPU_COUNT(all) > 1 &&
        CPU_ISSET(me, all)) {
        cpu_set_t others = *all;
        CPU_CLR(me, &others);
        if (pthread_attr_setaffinity_np(&attr, sizeof others, &others) == 0)
            h->mask = all;
    }
    if (h->mask == NULL)
        free(all);
#endif
    h->started = pthread_create(&h->th, &attr, trampoline, h) == 0;
    pthread_attr_destroy(&attr);
    if (!h->started && h->mask != NULL) { /* the placement refused: anywhere will do */
        free(h->mask);
        h->mask = NULL;
        h->started = pthread_create(&h->th, NULL, trampoline, h) == 0;
    }
    return h->started;
}

void ss_helper_join(ss_helper *h)
{
    if (h->started)
        pthread_join(h->th, NULL);
    h->started = false;
    free(h->mask);
    h->mask = NULL;
}
