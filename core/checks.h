/* checks.h - the table of hardening checks a reader may set on an image (core/checks.c). */
#ifndef SS_CHECKS_H
#define SS_CHECKS_H

#include <stdbool.h> /* bool */
#include <stddef.h>  /* size_t */

typedef enum {
    SS_CHECK_PROTECTION, /* yes is good: policy rule require-<key>, diff "lost <key>" */
    SS_CHECK_HAZARD      /* yes is bad: policy rule forbid-<key>, diff "gained <key>" */
} ss_check_sense;

typedef struct {
    const char *key;   /* the JSON key of `permissions` and `permissions_evidence` */
    const char *label; /* how the text report names it */
    ss_check_sense sense;
    const char *about; /* what it means and how it is decided, one line */
    bool partial_fails; /* a protection whose "partial" protects nothing (relocations stripped
                         * under DYNAMIC_BASE, half of CFG, an ad-hoc signature): require-<key>
                         * fails on it; otherwise partial passes (FORTIFY) */
} ss_check_def;

/* The table, in the order reports print it; *n receives its length. */
const ss_check_def *ss_check_defs(size_t *n);
/* The entry of key, or NULL. */
const ss_check_def *ss_check_def_of(const char *key);

#endif
