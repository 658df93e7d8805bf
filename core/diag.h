/* diag.h - segscan's one error model.
 *
 * A failure is an ss_status plus an ss_diag that says what went wrong and at which file offset.
 * Library code fills the diag where the failure is found and returns the status upward; it never
 * prints and never exits (cmd/ decides how to show it). Non-fatal oddities are warnings attached
 * to the image (see image.h), not errors. */
#ifndef SS_DIAG_H
#define SS_DIAG_H

#include <stdbool.h> /* bool */
#include <stdint.h>  /* uint64_t */

typedef enum {
    SS_OK = 0,
    SS_E_IO,          /* the file could not be opened, mapped or read */
    SS_E_UNKNOWN,     /* not a format segscan reads (no magic matched) */
    SS_E_TRUNCATED,   /* a structure runs past the end of the file */
    SS_E_CORRUPT,     /* a field holds an impossible value */
    SS_E_UNSUPPORTED, /* well-formed but outside what segscan handles */
    SS_E_LIMIT,       /* a resource cap was reached (sizes, counts, nesting) */
    SS_E_NOMEM        /* allocation failed */
} ss_status;

#define SS_DIAG_MSG 240

typedef struct {
    ss_status status;
    bool has_offset;     /* false when no single offset is to blame */
    uint64_t offset;     /* file offset of the offending bytes (from the start of the file) */
    char msg[SS_DIAG_MSG];
} ss_diag;

/* Fill d with a failure at file offset off and return status. msg is printf-style. */
ss_status ss_fail(ss_diag *d, ss_status status, uint64_t off, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Fill d with a failure that has no single offset and return status. */
ss_status ss_fail_nooff(ss_diag *d, ss_status status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Short lower-case name of a status ("truncated", "corrupt", ...). */
const char *ss_status_name(ss_status s);

/* Early return that forwards a failure already recorded in a diag. */
#define SS_TRY(expr)                   \
    do {                               \
        ss_status ss_try_ = (expr);    \
        if (ss_try_ != SS_OK)          \
            return ss_try_;            \
    } while (0)

#endif
