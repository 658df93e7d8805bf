/* sarif.h - a SARIF 2.1.0 log writer (OASIS), shared by every command's SARIF document: the
 * report's findings (sarif.c's emitter) and check's failures and warnings (cmd/check_out.c).
 *
 * Results stream as they are added; the tool's rules (one per rule id seen, with a title and help
 * text) are written after them, as JSON member order is free. Each result gets the artifact path
 * as its physical location (a file:// URI for an absolute path), the member and the section or
 * segment as logical locations, and a partialFingerprints entry hashing only what does not change
 * between runs (rule id, path, member, logical location, a caller's key - never sizes or
 * addresses), so code
 * scanning tracks one result across builds. */
#ifndef SS_SARIF_H
#define SS_SARIF_H

#include <stdbool.h> /* bool */

#include "jsonw.h"

typedef struct ss_sarif ss_sarif;

typedef struct {
    const char *rule_id;    /* copied */
    const char *rule_title; /* a short description of the rule (used the first time the id is seen) */
    const char *rule_help;  /* what it means and what to do */
    const char *level;      /* "error", "warning", "note" */
    const char *message;
    const char *path;       /* the artifact */
    const char *member;     /* archive member or universal slice, or NULL */
    const char *where_kind; /* "section", "segment", ... or NULL */
    const char *where_name; /* its name, or NULL */
    const char *key;        /* more that tells two results of one rule apart, or NULL */
} ss_sarif_result;

/* Starts a log on w (one run of segscan). NULL when out of memory. */
ss_sarif *ss_sarif_begin(ss_jw *w);
void ss_sarif_add(ss_sarif *s, const ss_sarif_result *r);
/* Writes the rules and closes the log; frees s. */
void ss_sarif_end(ss_sarif *s);

#endif
