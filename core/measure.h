/* measure.h - the numbers and states that budget rules are judged on.
 *
 * Sizes come from the model (core/image.h, core/sizes.h); the savings figures and permission
 * states come from the analyzers (core/analysis.h, im->analysis). Nothing here decides whether
 * a number is good: check.c compares, the renderers show. */
#ifndef SS_MEASURE_H
#define SS_MEASURE_H

#include <stdbool.h> /* bool */
#include <stdint.h>  /* uint64_t */

#include "analysis.h"
#include "budget.h"
#include "image.h"
#include "span.h"

/* gzip level of gzip-size: 6, gzip's default, so the number equals the size of `gzip FILE`.
 * Measured on libLLVM-14.so.1 (110 MB): level 6 gives 32763455 bytes in 8.6 s, level 9
 * 32542529 bytes (0.7% less) in 35.4 s - four times the CPU of a CI job for under 1%. */
#define SS_GZIP_LEVEL 6

typedef enum {
    SS_MV_OK,
    SS_MV_MISSING,     /* the named section or segment does not exist in the image */
    SS_MV_UNAVAILABLE  /* the analysis behind the metric did not run or failed */
} ss_mv;

/* The metric of rule r measured on one image (gzip-size and file-size of the whole image are
 * measured on its bytes). */
ss_mv ss_measure_image(const ss_image *im, const ss_rule *r, uint64_t *out);

/* Size of bytes compressed into a gzip stream (RFC 1952, no file name) at level; false when
 * zlib fails (out of memory). */
bool ss_gzip_size(ss_span bytes, int level, uint64_t *out);

/* The analyses a rule needs (SS_AN_* bits). */
unsigned ss_rule_analyses(const ss_rule *r);

typedef enum {
    SS_PS_PASS,
    SS_PS_FAIL,
    SS_PS_NA,          /* the property does not apply to this image (an object, a format) */
    SS_PS_EXEMPT,      /* it fails, but every offender is on the allow-list */
    SS_PS_UNAVAILABLE  /* the permission analysis did not run */
} ss_pstate;

/* Judges a policy rule on one image (artifact and member name it for the allow-list). state
 * gets the property's value as the analyzer names it ("no", "partial", ...); note says what
 * failed or which allow entry exempted it. */
ss_pstate ss_policy_judge(const ss_image *im, const ss_rule *r, const char *artifact,
                          const char *member, const char **state, const ss_allow **exempt,
                          char *note, size_t notelen);

#endif
