/* check.c - the document of `segscan check`: each rule of a budget judged on each artifact (or
 * member) it names, measured on loaded and analyzed inputs (and their baselines), as rows that
 * emit/check_out.c renders. cmd/check.c parses the options, loads through the pipeline and
 * maps the result to exit codes. */
#include <stdio.h>    /* snprintf */
#include <stdlib.h>   /* calloc, free */
#include <string.h>   /* strcmp, strdup */
#include <sys/stat.h> /* stat */

#include "analysis.h"
#include "measure.h"
#include "pipeline.h"
#include "sizes.h" /* ss_sat_add */

/* ---- evaluation ----------------------------------------------------------------------------- */

typedef struct {
    ss_check_row *rows;
    size_t n, cap;
    bool oom;
    bool budget_error;
    const ss_budget *budget;
    ss_notes *notes; /* the result's: lines for stderr */
} rows_t;

static ss_check_row *add_row(rows_t *R, const ss_rule *r, const char *artifact,
                             const char *member)
{
    if (R->n == R->cap) {
        size_t cap = R->cap ? R->cap * 2 : 32;
        ss_check_row *p = realloc(R->rows, cap * sizeof *p);
        if (p == NULL) {
            R->oom = true;
            return NULL;
        }
        R->rows = p;
        R->cap = cap;
    }
    ss_check_row *row = &R->rows[R->n];
    memset(row, 0, sizeof *row);
    row->rule = r;
    row->artifact = artifact ? strdup(artifact) : NULL;
    row->member = member ? strdup(member) : NULL;
    if ((artifact && row->artifact == NULL) || (member && row->member == NULL)) {
        free(row->artifact);
        free(row->member);
        R->oom = true;
        return NULL;
    }
    R->n++;
    return row;
}

static bool input_ok(const ss_input *in, char *note, size_t len)
{
    if (in->status != SS_OK) {
        snprintf(note, len, "could not be analyzed: %.200s", in->diag.msg);
        return false;
    }
    return true;
}

static const ss_unit *find_unit(const ss_input *in, const char *member)
{
    if (in == NULL || in->status != SS_OK)
        return NULL;
    for (size_t i = 0; i < in->nunits; i++) {
        const ss_unit *u = &in->units[i];
        if ((member == NULL && u->member == NULL) ||
            (member && u->member && strcmp(member, u->member) == 0))
            return u;
    }
    return NULL;
}

typedef enum { M_OK, M_MISSING, M_ERROR } mres;

/* The rule's metric on an input as a whole (member NULL) or on one member. */
static mres measure(const ss_input *in, const char *member, const ss_rule *r, uint64_t *out,
                    char *note, size_t len)
{
    *out = 0;
    if (!input_ok(in, note, len))
        return M_ERROR;
    /* The whole file, unless the artifact named one member: "lib.a(x.o)". */
    if (member == NULL && r->scope == SS_SCOPE_ALL && in->select == NULL &&
        (r->metric == SS_MET_FILE_SIZE || r->metric == SS_MET_GZIP_SIZE)) {
        if (r->metric == SS_MET_FILE_SIZE) {
            *out = in->bytes.len;
            return M_OK;
        }
        if (ss_gzip_size(in->bytes, SS_GZIP_LEVEL, out))
            return M_OK;
        snprintf(note, len, "gzip failed (out of memory)");
        return M_ERROR;
    }
    bool found = false, any = false;
    for (size_t i = 0; i < in->nunits; i++) {
        const ss_unit *u = &in->units[i];
        if (member && (u->member == NULL || strcmp(u->member, member) != 0))
            continue;
        if (u->skipped)
            continue;
        if (u->image == NULL) {
            snprintf(note, len, "%s%.40s%s could not be analyzed: %.160s", member ? "member " : "",
                     member ? member : "", member ? "" : "a member", u->diag.msg);
            return M_ERROR;
        }
        uint64_t v;
        ss_mv mv = ss_measure_image(u->image, r, &v);
        if (mv == SS_MV_UNAVAILABLE) {
            snprintf(note, len, "the analysis behind %s did not complete",
                     ss_metric_name(r->metric));
            return M_ERROR;
        }
        any = true;
        if (mv == SS_MV_OK) {
            found = true;
            ss_sat_add(out, v); /* members' sum: saturated, never wrapped */
        }
        if (member)
            break;
    }
    if (!any) {
        snprintf(note, len, "no image to measure");
        return M_ERROR;
    }
    return found ? M_OK : M_MISSING;
}

static int64_t clamp_sub(uint64_t a, uint64_t b)
{
    if (a >= b)
        return a - b > (uint64_t)INT64_MAX ? INT64_MAX : (int64_t)(a - b);
    return b - a > (uint64_t)INT64_MAX ? INT64_MIN : -(int64_t)(b - a);
}

static void judge_size(rows_t *R, const ss_rule *r, const ss_input *in, const ss_input *base,
                       const char *member)
{
    ss_check_row *row = add_row(R, r, in->path, member);
    if (row == NULL)
        return;
    uint64_t v;
    mres m = measure(in, member, r, &v, row->note, sizeof row->note);
    if (m == M_ERROR) {
        row->verdict = SS_V_ERROR;
        return;
    }
    if (m == M_MISSING) {
        ss_notes_add(R->notes,
                "%s:%u:%u: rule '%s': no %s '%s' in %s%s%s%s (add 'allow-missing: true' to "
                "measure it as 0)",
                R->budget->path, r->scope_pos.line, r->scope_pos.col, r->name,
                r->scope == SS_SCOPE_SECTION   ? "section"
                : r->scope == SS_SCOPE_SEGMENT ? "segment"
                : r->scope == SS_SCOPE_UNITS   ? "compile unit matching"
                : r->scope == SS_SCOPE_CRATES  ? "crate matching"
                                               : "symbol matching",
                r->scope_name, in->path,
                member ? "(" : "", member ? member : "", member ? ")" : "");
        R->budget_error = true;
        row->verdict = SS_V_ERROR;
        return;
    }
    row->has_value = true;
    row->value = v;
    if (v == UINT64_MAX) /* a checked sum held at its ceiling: say so beside the verdict */
        snprintf(row->note, sizeof row->note,
                 "the value is saturated at 2^64-1: the sizes sum past the address space");
    if (r->has_max) {
        row->has_limit = true;
        row->limit = r->max;
    }
    if (r->has_growth_bytes || r->has_growth_ppm) {
        const char *bmember = member;
        const ss_unit *bu = base && member ? find_unit(base, member) : NULL;
        if (base == NULL) {
            snprintf(row->note, sizeof row->note, "no baseline: growth not checked");
        } else if (member && bu == NULL) {
            snprintf(row->note, sizeof row->note, "member not in the baseline: growth not checked");
        } else {
            uint64_t b;
            char bnote[200];
            mres bm = measure(base, bmember, r, &b, bnote, sizeof bnote);
            if (bm == M_ERROR) {
                snprintf(row->note, sizeof row->note, "baseline %s: %s", base->path, bnote);
                row->verdict = SS_V_ERROR;
                return;
            }
            /* A section or segment the baseline lacks is new: its baseline is 0. */
            row->has_base = true;
            row->base = b;
            /* Saturated, never wrapped: a huge percentage of a large baseline allows
             * everything up to UINT64_MAX bytes (it used to wrap to a small limit). */
            uint64_t allowed;
            if (r->has_growth_ppm) {
                unsigned __int128 a = (unsigned __int128)b * r->growth_ppm / 1000000u;
                allowed = a > UINT64_MAX ? UINT64_MAX : (uint64_t)a;
            } else {
                allowed = r->growth_bytes;
            }
            uint64_t gl = b + allowed < b ? UINT64_MAX : b + allowed;
            row->has_growth_limit = true;
            row->growth_limit = gl;
            if (!row->has_limit || gl < row->limit)
                row->limit = gl;
            row->has_limit = true;
            if (bm == M_MISSING)
                snprintf(row->note, sizeof row->note, "not in the baseline: baseline 0");
        }
    }
    if (!row->has_limit) {
        row->verdict = SS_V_SKIP;
        return;
    }
    row->headroom = clamp_sub(row->limit, row->value);
    if (row->value <= row->limit)
        row->verdict = SS_V_PASS;
    else
        row->verdict = r->level == SS_LEVEL_WARN ? SS_V_WARN : SS_V_FAIL;
}

static void judge_policy(rows_t *R, const ss_rule *r, const ss_input *in, const char *member)
{
    ss_check_row *row = add_row(R, r, in->path, member);
    if (row == NULL)
        return;
    if (!input_ok(in, row->note, sizeof row->note)) {
        row->verdict = SS_V_ERROR;
        return;
    }
    bool any = false, fail = false, exempt = false, applies = false;
    for (size_t i = 0; i < in->nunits && !fail; i++) {
        const ss_unit *u = &in->units[i];
        if (member && (u->member == NULL || strcmp(u->member, member) != 0))
            continue;
        if (u->skipped)
            continue;
        if (u->image == NULL) {
            snprintf(row->note, sizeof row->note, "%.40s could not be analyzed: %.160s",
                     u->member ? u->member : "the file", u->diag.msg);
            row->verdict = SS_V_ERROR;
            return;
        }
        any = true;
        const char *state;
        const ss_allow *ex;
        char note[sizeof row->note];
        ss_pstate ps =
            ss_policy_judge(u->image, r, in->path, u->member, &state, &ex, note, sizeof note);
        if (ps == SS_PS_UNAVAILABLE) {
            snprintf(row->note, sizeof row->note, "the permission analysis did not complete");
            row->verdict = SS_V_ERROR;
            return;
        }
        if (ps != SS_PS_NA || row->state == NULL)
            row->state = state;
        applies |= ps != SS_PS_NA;
        if (ps == SS_PS_FAIL) {
            fail = true;
            if (member == NULL && u->member)
                snprintf(row->note, sizeof row->note, "%.40s: %.200s", u->member, note);
            else
                snprintf(row->note, sizeof row->note, "%s", note);
        } else if (ps == SS_PS_EXEMPT) {
            exempt = true;
            row->reason = ex->reason;
        }
    }
    if (!any) {
        snprintf(row->note, sizeof row->note, "no image to judge");
        row->verdict = SS_V_ERROR;
        return;
    }
    if (fail)
        row->verdict = r->level == SS_LEVEL_WARN ? SS_V_WARN : SS_V_FAIL;
    else if (exempt)
        row->verdict = SS_V_EXEMPT;
    else if (!applies) {
        row->verdict = SS_V_NA;
        snprintf(row->note, sizeof row->note, "does not apply to this file type");
    } else
        row->verdict = SS_V_PASS;
}

static void judge(rows_t *R, const ss_rule *r, const ss_input *in, const ss_input *base,
                  const char *member)
{
    if (r->is_policy)
        judge_policy(R, r, in, member);
    else
        judge_size(R, r, in, base, member);
}

/* The artifacts a rule was tried against, for its message: as many as fit (raw). */
static void list_artifacts(char *buf, size_t cap, ss_input **in, size_t n)
{
    size_t o = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        int k = snprintf(buf + o, cap - o, "%s%s", i ? ", " : "", in[i]->path);
        if (k < 0 || (size_t)k >= cap - o) {
            /* Cut at the last whole name and say how many more there are. */
            buf[o] = '\0';
            snprintf(buf + o, cap - o, "%s... %zu more", i ? ", " : "", n - i);
            return;
        }
        o += (size_t)k;
    }
}

/* A rule that judged nothing: its artifacts pattern matched no artifact (members == NULL), or
 * its members pattern no member of the artifacts it matched. Unless the rule is optional or
 * the command says --allow-unmatched, that fails (warns, for a warn rule): a budget that
 * guards nothing must not pass in silence. */
static void unmatched(rows_t *R, const ss_rule *r, ss_check_row *row, ss_input **in, size_t n,
                      bool allow_unmatched)
{
    const ss_globs *g = row->artifact ? &r->members : &r->artifacts;
    /* raw text: the row's note and the stderr line are escaped where they are written */
    char pats[256] = "", tried[1024];
    for (size_t i = 0; i < g->n; i++) {
        size_t o = strlen(pats);
        snprintf(pats + o, sizeof pats - o, "%s'%s'", i ? ", " : "", g->items[i]);
    }
    if (row->artifact)
        snprintf(tried, sizeof tried, "the members of %s", row->artifact);
    else
        list_artifacts(tried, sizeof tried, in, n);
    const char *what = row->artifact ? "members" : "artifacts";
    if (r->optional || allow_unmatched) {
        row->verdict = SS_V_SKIP;
        snprintf(row->note, sizeof row->note, "%s %s matched nothing (%s)", what, pats,
                 r->optional ? "optional rule" : "--allow-unmatched");
        return;
    }
    row->verdict = r->level == SS_LEVEL_WARN ? SS_V_WARN : SS_V_FAIL;
    snprintf(row->note, sizeof row->note, "%s %s matched none of: %.180s", what, pats, tried);
    ss_notes_add(R->notes,
                 "segscan check: %s:%u:%u: rule '%s': %s pattern%s %s matched none of %s%s; fix "
                 "the pattern, or mark the rule 'optional: true' or run with --allow-unmatched "
                 "to skip it",
                 R->budget->path, r->pos.line, r->pos.col, r->name, what, g->n == 1 ? "" : "s",
                 pats, row->artifact ? "" : "the artifacts: ", tried);
}

static void evaluate(rows_t *R, const ss_budget *b, ss_input **in, ss_input **base, size_t n,
                     bool allow_unmatched)
{
    for (size_t ri = 0; ri < b->nrules; ri++) {
        const ss_rule *r = &b->rules[ri];
        bool matched = false;
        size_t first = R->n, judged = 0, no_member = 0;
        for (size_t i = 0; i < n; i++) {
            if (!ss_globs_match_path(&r->artifacts, in[i]->path))
                continue;
            matched = true;
            if (r->members.n == 0) {
                judge(R, r, in[i], base[i], NULL);
                judged++;
                /* "lib.a(x.o)" on the command line: the result is that member's. */
                if (in[i]->select && R->n && R->rows[R->n - 1].member == NULL &&
                    (R->rows[R->n - 1].member = strdup(in[i]->select)) == NULL)
                    R->oom = true;
                continue;
            }
            bool mm = false;
            for (size_t u = 0; u < in[i]->nunits; u++) {
                const ss_unit *un = &in[i]->units[u];
                if (un->member == NULL || un->skipped || !ss_globs_match(&r->members, un->member))
                    continue;
                mm = true;
                judged++;
                judge(R, r, in[i], base[i], un->member);
            }
            if (!mm) {
                ss_check_row *row = add_row(R, r, in[i]->path, NULL);
                if (row) {
                    row->verdict = in[i]->status == SS_OK ? SS_V_SKIP : SS_V_ERROR;
                    if (in[i]->status == SS_OK) {
                        snprintf(row->note, sizeof row->note, "no member matches");
                        no_member++;
                    } else {
                        input_ok(in[i], row->note, sizeof row->note);
                    }
                }
            }
        }
        if (!matched) {
            ss_check_row *row = add_row(R, r, NULL, NULL);
            if (row)
                unmatched(R, r, row, in, n, allow_unmatched);
        } else if (judged == 0 && no_member) {
            /* Some artifacts have no matching member and none has one: the rule guards
             * nothing. (One artifact without such members beside others with them is the
             * normal case of a members pattern over mixed artifacts: a skip.) */
            for (size_t k = first; k < R->n; k++)
                if (R->rows[k].verdict == SS_V_SKIP)
                    unmatched(R, r, &R->rows[k], in, n, allow_unmatched);
        }
    }
}

/* ---- baselines ------------------------------------------------------------------------------ */

static bool is_file(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

static char *join(const char *dir, const char *name)
{
    size_t n = strlen(dir) + strlen(name) + 2;
    char *p = malloc(n);
    if (p)
        snprintf(p, n, "%s/%s", dir, name);
    return p;
}

/* The baseline file of artifact, or NULL when there is none (*oom on allocation failure). */
char *ss_check_baseline_of(const char *baseline, bool dir, const char *artifact, bool *oom)
{
    char *p;
    if (!dir) {
        p = strdup(baseline);
        *oom |= p == NULL;
        return p;
    }
    const char *rel = artifact;
    while (rel[0] == '/')
        rel++;
    while (strncmp(rel, "./", 2) == 0)
        rel += 2;
    if ((p = join(baseline, rel)) == NULL) {
        *oom = true;
        return NULL;
    }
    if (is_file(p))
        return p;
    free(p);
    const char *base = strrchr(artifact, '/');
    if ((p = join(baseline, base ? base + 1 : artifact)) == NULL) {
        *oom = true;
        return NULL;
    }
    if (is_file(p))
        return p;
    free(p);
    return NULL;
}

/* ---- the document --------------------------------------------------------------------------- */

bool ss_check_evaluate(ss_check_result *res, ss_input **in, ss_input **base, size_t n,
                       bool allow_unmatched, bool *budget_error)
{
    rows_t R = {.budget = res->budget, .notes = &res->notes};
    evaluate(&R, res->budget, in, base, n, allow_unmatched);
    *budget_error = R.budget_error;
    if (R.oom || R.budget_error) {
        ss_check_free(&(ss_check_result){.rows = R.rows, .nrows = R.n});
        return !R.oom;
    }
    res->rows = R.rows;
    res->nrows = R.n;
    for (size_t i = 0; i < R.n; i++)
        res->count[R.rows[i].verdict]++;
    return true;
}

void ss_check_free(ss_check_result *res)
{
    for (size_t i = 0; i < res->nrows; i++) {
        free(res->rows[i].artifact);
        free(res->rows[i].member);
    }
    free(res->rows);
    res->rows = NULL;
    res->nrows = 0;
    ss_notes_free(&res->notes);
}
