/* budget.h - the budget file of `segscan check`: size budgets and a permission policy.
 *
 * A budget file is YAML (libyaml), written by hand and committed next to the code; README.md
 * ("Size budgets in CI") documents every key. Parsing only checks the file itself; names that
 * need an artifact to be judged (a section that does not exist) are checked by check.c, which
 * reports them with the line and column kept here. Nothing here prints. */
#ifndef SS_BUDGET_H
#define SS_BUDGET_H

#include <stdbool.h> /* bool */
#include <stddef.h>  /* size_t */
#include <stdint.h>  /* uint64_t */

#include "checks.h"
#include "image.h" /* ss_kind */

/* Where something is in the budget file, 1-based (0 when unknown). */
typedef struct {
    unsigned line, col;
} ss_pos;

typedef enum {
    SS_MET_FILE_SIZE,       /* file bytes: whole file, or of a section, segment or kind */
    SS_MET_VM_SIZE,         /* memory bytes: allocated sections, or of a section, segment, kind */
    SS_MET_GZIP_SIZE,       /* gzip size (level 6) of the file or member */
    SS_MET_TEXT,            /* Berkeley totals (core/sizes.h) */
    SS_MET_DATA,
    SS_MET_BSS,
    SS_MET_MOVABLE_ZERO,    /* analysis: zero-filled objects in initialized data */
    SS_MET_ZERO_INIT,       /* analysis: zero-filled memory with no file bytes */
    SS_MET_STRING_WASTE,    /* analysis: duplicate + tail-mergeable string bytes */
    SS_MET_LITERAL_WASTE,   /* analysis: bytes of read-only objects stored more than once */
    SS_MET_COUNT
} ss_metric;

/* What part of the image a file-size or vm-size metric measures. */
/* SYMBOLS: the symbols whose demangled name matches the glob scope_name (their counted bytes:
 * aliases and overlaps once, core/symbols.h). */
/* UNITS / CRATES: the compile units (or Rust crates) whose name matches the glob scope_name
 * (the bytes their address ranges cover, core/debuginfo.h). */
typedef enum {
    SS_SCOPE_ALL, SS_SCOPE_SECTION, SS_SCOPE_SEGMENT, SS_SCOPE_KIND, SS_SCOPE_SYMBOLS,
    SS_SCOPE_UNITS, SS_SCOPE_CRATES
} ss_scope;
/* The key of a rule's scope in the budget file and the check document ("compileunits"). */
const char *ss_scope_key(ss_scope s);

typedef enum { SS_LEVEL_FAIL, SS_LEVEL_WARN } ss_level;

typedef enum {
    SS_POL_FORBID_WX,        /* no segment or section both writable and executable */
    SS_POL_REQUIRE_PIE,
    SS_POL_REQUIRE_FULL_RELRO,
    SS_POL_REQUIRE_NX_STACK,
    SS_POL_REQUIRE_NX,
    SS_POL_FORBID_TEXTREL,
    SS_POL_CHECK,            /* require-<check> / forbid-<check>: a key of core/checks.c */
    SS_POL_COUNT
} ss_policy_kind;

typedef struct {
    char **items;
    size_t n;
} ss_globs;

/* One exemption of a policy rule: artifacts (and members), or sections/segments, and why. */
typedef struct {
    ss_globs artifacts, members, sections;
    char *reason;
    ss_pos pos;
} ss_allow;

typedef struct {
    char *name;        /* given, or made from the metric and scope */
    ss_pos pos;        /* the rule's first key */
    ss_globs artifacts; /* empty: every artifact */
    ss_globs members;   /* empty: the input as a whole */
    ss_level level;
    bool optional;     /* matching no artifact (or no member) is a skip, not a failure */

    bool is_policy;
    /* size budget */
    ss_metric metric;
    ss_scope scope;
    char *scope_name;  /* section or segment name (exact) */
    ss_kind kind;
    ss_pos scope_pos;
    bool allow_missing; /* a missing section or segment measures 0 instead of an error */
    bool has_max;
    uint64_t max;
    bool has_growth_bytes;
    uint64_t growth_bytes;
    bool has_growth_ppm;
    uint64_t growth_ppm; /* percent in millionths: 2.5% = 25000 */
    /* policy */
    ss_policy_kind policy;
    const ss_check_def *check; /* SS_POL_CHECK: the check it judges */
    char check_rule[48];       /* SS_POL_CHECK: its name, "require-canary", "forbid-rpath" */
    ss_allow *allow;
    size_t nallow;
} ss_rule;

typedef struct {
    char *path;
    ss_rule *rules;
    size_t nrules;
} ss_budget;

#define SS_BUDGET_ERR 512

/* Reads and parses a budget file. On failure returns NULL and writes "PATH:LINE:COL: message"
 * into err. */
ss_budget *ss_budget_load(const char *path, char *err, size_t errlen);
/* Parses a budget held in memory (for tests); path names it in messages. */
ss_budget *ss_budget_parse(const char *path, const char *text, size_t len, char *err,
                           size_t errlen);
void ss_budget_free(ss_budget *b);

/* "1.5 MiB", "200 kB", "4096", "12 B" into bytes. Units: B; kB MB GB (powers of 10); KiB MiB
 * GiB (powers of 2). Fractions are rounded down to whole bytes. False with a reason in why. */
bool ss_parse_size(const char *s, uint64_t *out, const char **why);
/* "2.5%" into millionths (25000). */
bool ss_parse_percent(const char *s, uint64_t *ppm, const char **why);

const char *ss_metric_name(ss_metric m);
const char *ss_policy_name(ss_policy_kind p);
/* The rule word of a policy rule: ss_policy_name, or require-/forbid-<check> for SS_POL_CHECK. */
const char *ss_rule_policy(const ss_rule *r);
/* "require-canary" / "forbid-rpath" ...: the rule word of check d, into buf. */
const char *ss_check_rule_name(const ss_check_def *d, char *buf, size_t cap);
const char *ss_level_name(ss_level l);
/* True when one of the globs matches path (pathglob.c; see README "Matching"): a pattern
 * without '/' against its last component; one with '/' against the path normalised
 * lexically, absolute patterns against its absolute form and relative ones against its form
 * relative to the current directory. Empty list: true. */
bool ss_globs_match_path(const ss_globs *g, const char *path);
/* True when one of the globs matches name exactly as fnmatch would. Empty list: true. */
bool ss_globs_match(const ss_globs *g, const char *name);

#endif
