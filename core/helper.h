/* helper.h - a second thread for the work of one image, started on a CPU the caller is not on.
 *
 * Linux often queues a new thread on its creator's CPU and moves it only at a later balancing
 * tick: on the project's 2-vCPU machine 20-30% of pthread_create calls made from a busy thread
 * started the new thread 1.5-4 ms late (a lab program, 50 creations), which is as long as the
 * half of the work it was made for. Started with its affinity set to the other CPUs, every one
 * of 50 started within 0.25 ms. The helper then widens its affinity back to the caller's (it
 * may migrate like any thread), so nothing stays pinned. */
#ifndef SS_HELPER_H
#define SS_HELPER_H

#include <pthread.h> /* pthread_t */
#include <stdbool.h> /* bool */

typedef struct {
    pthread_t th;
    bool started;
    void *(*fn)(void *);
    void *arg;
    void *mask; /* the caller's affinity, for the helper to widen back to (owned) */
} ss_helper;

/* Runs fn(arg) on a new thread; false when no thread could be made (the caller then does the
 * work itself). h must stay in place until ss_helper_join. */
bool ss_helper_start(ss_helper *h, void *(*fn)(void *), void *arg);
/* Waits for a started helper and frees what it held. */
void ss_helper_join(ss_helper *h);

#endif
