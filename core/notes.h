/* notes.h - lines for standard error that library code finds while building a document.
 *
 * Library code never prints (diag.h). What has no place in a document — a budget rule that
 * matched nothing, a size that saturated in a diff — is kept here as raw one-line text, in the
 * order found; cmd/ prints each line (escaped for the terminal) after building the document. */
#ifndef SS_NOTES_H
#define SS_NOTES_H

#include <stdbool.h> /* bool */
#include <stddef.h>  /* size_t */

typedef struct {
    char **line; /* owned */
    size_t n, cap;
    bool oom;    /* a line could not be kept */
} ss_notes;

/* Adds one line (printf-style; no newline). On allocation failure sets oom and drops it. */
void ss_notes_add(ss_notes *n, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void ss_notes_free(ss_notes *n);

#endif
