/* diag.c - filling diagnostics. */
#include "diag.h"

#include <stdarg.h> /* va_list */
#include <stdio.h>  /* vsnprintf */

__attribute__((format(printf, 5, 0))) static void fill(ss_diag *d, ss_status status, bool has_off, uint64_t off, const char *fmt,
                 va_list ap)
{
    if (d == NULL)
        return;
    d->status = status;
    d->has_offset = has_off;
    d->offset = has_off ? off : 0;
    vsnprintf(d->msg, sizeof d->msg, fmt, ap);
}

ss_status ss_fail(ss_diag *d, ss_status status, uint64_t off, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fill(d, status, true, off, fmt, ap);
    va_end(ap);
    return status;
}

ss_status ss_fail_nooff(ss_diag *d, ss_status status, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fill(d, status, false, 0, fmt, ap);
    va_end(ap);
    return status;
}

const char *ss_status_name(ss_status s)
{
    switch (s) {
    case SS_OK: return "ok";
    case SS_E_IO: return "i/o error";
    case SS_E_UNKNOWN: return "unknown format";
    case SS_E_TRUNCATED: return "truncated";
    case SS_E_CORRUPT: return "corrupt";
    case SS_E_UNSUPPORTED: return "unsupported";
    case SS_E_LIMIT: return "limit exceeded";
    case SS_E_NOMEM: return "out of memory";
    }
    return "error";
}
