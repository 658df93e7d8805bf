/* notes.c - lines for standard error kept by library code (see notes.h). */
#include "notes.h"

#include <stdarg.h> /* va_list */
#include <stdio.h>  /* vsnprintf */
#include <stdlib.h> /* malloc, realloc, free */

void ss_notes_add(ss_notes *n, const char *fmt, ...)
{
    if (n->n == n->cap) {
        size_t cap = n->cap ? 2 * n->cap : 4;
        char **l = realloc(n->line, cap * sizeof *l);
        if (l == NULL) {
            n->oom = true;
            return;
        }
        n->line = l;
        n->cap = cap;
    }
    va_list ap;
    va_start(ap, fmt);
    int len = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    char *s = len >= 0 ? malloc((size_t)len + 1) : NULL;
    if (s == NULL) {
        n->oom = true;
        return;
    }
    va_start(ap, fmt);
    vsnprintf(s, (size_t)len + 1, fmt, ap);
    va_end(ap);
    n->line[n->n++] = s;
}

void ss_notes_free(ss_notes *n)
{
    for (size_t i = 0; i < n->n; i++)
        free(n->line[i]);
    free(n->line);
    *n = (ss_notes){0};
}
