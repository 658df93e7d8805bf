/* ci.h - results of `segscan check` and `segscan diff`, computed by cmd/check.c and cmd/diff.c and
 * rendered by emit/check_out.c and emit/diff_out.c (computing and rendering stay apart: renderers only
 * read these structs). Names copied from binaries are kept raw here and escaped by each
 * renderer for its format. */
#ifndef SS_CI_H
#define SS_CI_H

#include <stdbool.h> /* bool */
#include <stdint.h>  /* uint64_t, int64_t */
#include <stdio.h>   /* FILE */

#include "budget.h"
#include "input.h"
#include "notes.h"


/* ---- check ---------------------------------------------------------------------------------- */

typedef enum {
    SS_V_PASS,
    SS_V_WARN,   /* over a limit of a `warn` rule: reported, exit status unchanged */
    SS_V_FAIL,   /* over a limit of a `fail` rule: exit 1 */
    SS_V_EXEMPT, /* a policy failure covered by the allow-list */
    SS_V_NA,     /* the property does not apply (a policy on an object file) */
    SS_V_SKIP,   /* the rule matched no artifact or member */
    SS_V_ERROR   /* the artifact could not be analyzed: exit 3 */
} ss_verdict;

typedef struct {
    const ss_rule *rule; /* borrowed from the budget */
    char *artifact;      /* owned; NULL for a rule that matched nothing */
    char *member;        /* owned; archive member or universal slice, or NULL */
    ss_verdict verdict;
    bool has_value;
    uint64_t value;
    bool has_base;       /* a baseline value was measured */
    uint64_t base;
    bool has_growth_limit; /* base + allowed growth */
    uint64_t growth_limit;
    bool has_limit;      /* the smaller of max and growth_limit */
    uint64_t limit;
    int64_t headroom;    /* limit - value, clamped to the int64 range */
    const char *state;   /* policy: the property as the analyzer names it ("no", "partial") */
    const char *reason;  /* policy: why the allow-list exempts it (borrowed) */
    char note[256];
} ss_check_row;

typedef struct {
    const ss_budget *budget;
    const char *baseline;   /* --baseline as given, or NULL */
    ss_check_row *rows;
    size_t nrows;
    size_t count[SS_V_ERROR + 1]; /* rows per verdict */
    int exit_code;
    ss_notes notes; /* lines for stderr: rules that matched nothing, missing scopes */
} ss_check_result;

const char *ss_verdict_name(ss_verdict v); /* "pass", "warn", "fail", "exempt", "n/a", ... */


/* ---- diff ----------------------------------------------------------------------------------- */

/* One side's value: absent on that side (an added or removed row) when !has. */
typedef struct {
    bool has[2]; /* [0] base, [1] new */
    uint64_t v[2];
} ss_pair;

typedef struct {
    char *name; /* owned, raw: what is printed ("NAME #k" for the k-th row of a name) */
    /* The row's identity, never the printed name: a section really named ".text #2" is not the
     * second ".text" (issue 17, class 4). region: a file-map row ([Padding]...), which a
     * section of that name is not either. */
    char *base;  /* owned, raw */
    size_t rank; /* 1 for the first row of base on a side, k for the k-th */
    bool region;
    ss_pair vm, file;
    bool counted; /* in the table's total row (segments: loadable ones only; they can overlap) */
} ss_diff_row;

typedef struct {
    ss_diff_row *rows; /* sorted by the larger absolute change of vm and file, largest first */
    size_t n;
} ss_diff_table;

enum {
    SS_DM_FILE, SS_DM_VM, SS_DM_TEXT, SS_DM_DATA, SS_DM_BSS,
    SS_DM_MOVABLE, SS_DM_ZERO_INIT, SS_DM_STRING_WASTE, SS_DM_LITERAL_WASTE,
    SS_DM_COUNT
};

enum {
    SS_DP_PIE, SS_DP_RELRO, SS_DP_EXEC_STACK, SS_DP_NX, SS_DP_WX_SEGMENTS, SS_DP_WX_SECTIONS,
    SS_DP_TEXTREL,
    SS_DP_COUNT,
    /* then one per entry of core/checks.c (ss_check_defs), at SS_DP_COUNT + its index */
    SS_DP_ALL = SS_DP_COUNT + 32
};

typedef struct {
    char id[40];     /* "pie-lost", "wx-segment-new", "canary-lost" ... */
    bool regression; /* worse (true) or better (false) */
    char message[160];
} ss_diff_change;

typedef struct {
    char *member;     /* owned; NULL for a plain file */
    bool present[2];  /* found on each side */
    bool failed;      /* one side could not be analyzed (see stderr) */
    ss_pair metrics[SS_DM_COUNT]; /* totals; analysis figures only when the analyzers ran */
    ss_diff_table segments, sections, kinds;
    ss_diff_table symbols; /* -d symbols: the symbols that changed (has_symbols) */
    bool has_symbols;
    ss_diff_table debug;    /* -d compileunits, crates or inputfiles: the rows that changed */
    const char *debug_what; /* that source's name ("compileunits"), or NULL: no such table */
    const char *perms[2][SS_DP_ALL]; /* property values by name, NULL when not analyzed */
    ss_diff_change *changes;
    size_t nchanges;
} ss_diff_unit;

typedef struct {
    const char *path[2];
    ss_container_kind container[2];
    uint64_t file_size[2];
    ss_diff_unit *units;
    size_t nunits;
    ss_notes notes; /* lines for stderr: warnings the document has no place for */
} ss_diff_result;

const char *ss_diff_metric_name(int m);   /* "file-size", "vm-size", ... */
const char *ss_diff_perm_name(int p);     /* "pie", "relro", ..., then the checks' keys */



/* ---- shared by the renderers ---------------------------------------------------------------- */

/* "+1.5%", "-0.3%", "new", "gone" or "0.0%" for a pair. */
const char *ss_ci_percent(const ss_pair *p, char *buf, size_t cap);
/* Signed delta of a pair (new - base, a missing side counting 0), clamped to int64. */
int64_t ss_ci_delta(const ss_pair *p);

#endif
