/* graphviz.h - rendering the DOT report through Graphviz's dot program (--format svg|png). */
#ifndef SS_GRAPHVIZ_H
#define SS_GRAPHVIZ_H

#include <stdbool.h>   /* bool */
#include <stdio.h>     /* FILE */
#include <sys/types.h> /* pid_t */

typedef struct {
    FILE *in;  /* the DOT goes here */
    pid_t pid;
} ss_graphviz;

/* True when an executable "dot" is on PATH. */
bool ss_graphviz_available(void);
/* Starts "dot -T<format>" writing to our standard output; false (with a message in err) when it
 * cannot be started. */
bool ss_graphviz_start(ss_graphviz *g, const char *format, char *err, size_t errlen);
/* Closes dot's input and waits for it; returns its exit status (or 128 + signal), with a message
 * in err when it is not 0. */
int ss_graphviz_finish(ss_graphviz *g, char *err, size_t errlen);

#endif
