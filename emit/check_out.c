/* check_out.c - rendering `segscan check` results: text, JSON, Markdown and JUnit XML. */
#include <inttypes.h> /* PRIu64, PRId64 */
#include <stdio.h>    /* fprintf */
#include <string.h>   /* strlen */

#include "ci.h"
#include "emit_internal.h"
#include "emit.h"
#include "escape.h"
#include "jsonw.h"
#include "measure.h"

#define CELL 192

static bool is_size(const ss_check_row *r)
{
    return !r->rule->is_policy;
}

/* What a policy rule wants, in the analyzer's words. */
static const char *policy_expect(const ss_rule *r, char *buf, size_t cap)
{
    if (r->policy == SS_POL_CHECK && r->check) {
        snprintf(buf, cap, "%s: %s", r->check->key,
                 r->check->sense == SS_CHECK_HAZARD ? "no" : "yes");
        return buf;
    }
    switch (r->policy) {
    case SS_POL_FORBID_WX: return "no W+X";
    case SS_POL_REQUIRE_PIE: return "pie: yes";
    case SS_POL_REQUIRE_FULL_RELRO: return "relro: full";
    case SS_POL_REQUIRE_NX_STACK: return "exec-stack: no";
    case SS_POL_REQUIRE_NX: return "nx: yes";
    case SS_POL_FORBID_TEXTREL: return "textrel: no";
    case SS_POL_CHECK:
    case SS_POL_COUNT: break;
    }
    return "?";
}

static const char *policy_property(const ss_rule *r)
{
    if (r->policy == SS_POL_CHECK && r->check)
        return r->check->key;
    switch (r->policy) {
    case SS_POL_FORBID_WX: return "wx";
    case SS_POL_REQUIRE_PIE: return "pie";
    case SS_POL_REQUIRE_FULL_RELRO: return "relro";
    case SS_POL_REQUIRE_NX_STACK: return "exec-stack";
    case SS_POL_REQUIRE_NX: return "nx";
    case SS_POL_FORBID_TEXTREL: return "textrel";
    case SS_POL_CHECK:
    case SS_POL_COUNT: break;
    }
    return "?";
}

static const char *bytes_str(uint64_t v, char *buf, size_t cap)
{
    char h[16];
    if (v < 1024)
        snprintf(buf, cap, "%" PRIu64 " B", v);
    else
        snprintf(buf, cap, "%" PRIu64 " (%s)", v, ss_human(v, h));
    return buf;
}

static const char *value_str(const ss_check_row *r, char *buf, size_t cap)
{
    if (!is_size(r))
        snprintf(buf, cap, "%s", r->state ? r->state : "-");
    else if (r->has_value)
        bytes_str(r->value, buf, cap);
    else
        snprintf(buf, cap, "-");
    return buf;
}

static const char *limit_str(const ss_check_row *r, char *buf, size_t cap)
{
    char e[80];
    if (!is_size(r))
        snprintf(buf, cap, "%s", policy_expect(r->rule, e, sizeof e));
    else if (r->has_limit)
        bytes_str(r->limit, buf, cap);
    else
        snprintf(buf, cap, "-");
    return buf;
}

static const char *headroom_str(const ss_check_row *r, char *buf, size_t cap)
{
    char h[16];
    if (!is_size(r) || !r->has_limit || !r->has_value) {
        snprintf(buf, cap, "-");
        return buf;
    }
    uint64_t mag = r->headroom < 0 ? (uint64_t)0 - (uint64_t)r->headroom : (uint64_t)r->headroom;
    if (mag < 1024)
        snprintf(buf, cap, "%c%" PRIu64 " B", r->headroom < 0 ? '-' : '+', mag);
    else
        snprintf(buf, cap, "%c%" PRIu64 " (%c%s)", r->headroom < 0 ? '-' : '+', mag,
                 r->headroom < 0 ? '-' : '+', ss_human(mag, h)); /* the sign kept in both */
    return buf;
}

static const char *growth_rule_str(const ss_rule *r, char *buf, size_t cap)
{
    if (r->has_growth_ppm) {
        uint64_t whole = r->growth_ppm / 10000, frac = r->growth_ppm % 10000;
        if (frac == 0)
            snprintf(buf, cap, "%" PRIu64 "%%", whole);
        else {
            snprintf(buf, cap, "%" PRIu64 ".%04" PRIu64, whole, frac);
            size_t n = strlen(buf);
            while (buf[n - 1] == '0')
                buf[--n] = '\0';
            snprintf(buf + n, cap - n, "%%");
        }
    } else if (r->has_growth_bytes) {
        snprintf(buf, cap, "%" PRIu64 " B", r->growth_bytes);
    } else {
        buf[0] = '\0';
    }
    return buf;
}

/* The rule's measure in words: "file-size", "vm-size of section .data", "pie". */
static const char *what_str(const ss_rule *r, char *buf, size_t cap)
{
    if (r->is_policy)
        snprintf(buf, cap, "%s", ss_rule_policy(r));
    else if (r->scope == SS_SCOPE_SECTION || r->scope == SS_SCOPE_SEGMENT)
        snprintf(buf, cap, "%s of %s %s", ss_metric_name(r->metric),
                 r->scope == SS_SCOPE_SECTION ? "section" : "segment", r->scope_name);
    else if (r->scope == SS_SCOPE_KIND)
        snprintf(buf, cap, "%s of kind %s", ss_metric_name(r->metric), ss_kind_name(r->kind));
    else if (r->scope == SS_SCOPE_SYMBOLS || r->scope == SS_SCOPE_UNITS ||
             r->scope == SS_SCOPE_CRATES)
        snprintf(buf, cap, "%s of %s %s", ss_metric_name(r->metric), ss_scope_key(r->scope),
                 r->scope_name);
    else
        snprintf(buf, cap, "%s", ss_metric_name(r->metric));
    return buf;
}

/* Everything a reader needs beyond the columns: baseline, growth, why exempt, notes (raw). */
static const char *detail_str(const ss_check_row *r, char *buf, size_t cap)
{
    size_t o = 0;
    buf[0] = '\0';
#define ADD(...)                                                    \
    do {                                                            \
        if (o < cap) {                                              \
            int k_ = snprintf(buf + o, cap - o, __VA_ARGS__);       \
            o += k_ > 0 ? (size_t)k_ : 0;                           \
        }                                                           \
    } while (0)
    if (r->has_base) {
        char g[32];
        int64_t d = (int64_t)(r->value - r->base);
        ADD("baseline %" PRIu64 ", growth %+" PRId64, r->base, d);
        if (r->base)
            ADD(" (%+.2f%%)", 100.0 * ((double)r->value - (double)r->base) / (double)r->base);
        ADD(", max-growth %s allows %" PRIu64, growth_rule_str(r->rule, g, sizeof g),
            r->growth_limit);
        if (r->rule->has_max)
            ADD(", max %" PRIu64, r->rule->max);
    }
    if (r->reason)
        ADD("%sallowed: %s", o ? "; " : "", r->reason);
    if (r->note[0])
        ADD("%s%s", o ? "; " : "", r->note);
#undef ADD
    return buf;
}

static const char *artifact_str(const ss_check_row *r, char *buf, size_t cap)
{
    if (r->artifact == NULL)
        snprintf(buf, cap, "-");
    else if (r->member)
        snprintf(buf, cap, "%s(%s)", r->artifact, r->member);
    else
        snprintf(buf, cap, "%s", r->artifact);
    return buf;
}

static void summary_line(FILE *f, const ss_check_result *c)
{
    fprintf(f, "%zu failed, %zu warning%s, %zu passed, %zu exempt, %zu n/a, %zu skipped, %zu error%s",
            c->count[SS_V_FAIL], c->count[SS_V_WARN], c->count[SS_V_WARN] == 1 ? "" : "s",
            c->count[SS_V_PASS], c->count[SS_V_EXEMPT], c->count[SS_V_NA], c->count[SS_V_SKIP],
            c->count[SS_V_ERROR], c->count[SS_V_ERROR] == 1 ? "" : "s");
}

/* ---- text ----------------------------------------------------------------------------------- */

enum { COL_VERDICT, COL_RULE, COL_ART, COL_VALUE, COL_LIMIT, COL_HEAD, NCOL };

void ss_check_text(FILE *f, const ss_check_result *c, const ss_check_render_opts *o)
{
    static const ss_term plain = {0};
    const ss_term *t = o->term ? o->term : &plain;
    char esc[CELL];
    fprintf(f, "segscan check: budget %s, %zu rule%s", ss_esc_text(c->budget->path, esc, sizeof esc),
            c->budget->nrules, c->budget->nrules == 1 ? "" : "s");
    if (c->baseline)
        fprintf(f, ", baseline %s", ss_esc_text(c->baseline, esc, sizeof esc));
    fputc('\n', f);
    static const char *const head[NCOL] = {"verdict", "rule", "artifact", "value", "limit",
                                           "headroom"};
    size_t w[NCOL];
    for (int k = 0; k < NCOL; k++)
        w[k] = strlen(head[k]);
    /* Two passes: widths, then rows. Names are escaped and cut at 48 columns. */
    for (int pass = 0; pass < 2; pass++) {
        if (pass == 1) {
            for (int k = 0; k < NCOL; k++)
                if (k == NCOL - 1)
                    fprintf(f, "%s\n", head[k]);
                else
                    fprintf(f, "%-*s  ", (int)w[k], head[k]);
        }
        for (size_t i = 0; i < c->nrows; i++) {
            const ss_check_row *r = &c->rows[i];
            char cell[NCOL][CELL], raw[CELL * 2];
            size_t cw[NCOL];
            snprintf(cell[COL_VERDICT], CELL, "%s", ss_verdict_name(r->verdict));
            if (r->verdict == SS_V_FAIL || r->verdict == SS_V_ERROR)
                for (char *p = cell[COL_VERDICT]; *p; p++)
                    *p = (char)(*p - 'a' + 'A');
            cw[COL_RULE] = ss_escape_text(r->rule->name, cell[COL_RULE], 64);
            cw[COL_ART] = ss_escape_text(artifact_str(r, raw, sizeof raw), cell[COL_ART], 64);
            value_str(r, cell[COL_VALUE], CELL);
            limit_str(r, cell[COL_LIMIT], CELL);
            headroom_str(r, cell[COL_HEAD], CELL);
            cw[COL_VERDICT] = strlen(cell[COL_VERDICT]);
            for (int k = COL_VALUE; k < NCOL; k++)
                cw[k] = strlen(cell[k]);
            if (pass == 0) {
                for (int k = 0; k < NCOL; k++)
                    if (cw[k] > w[k])
                        w[k] = cw[k];
                continue;
            }
            bool styled = r->verdict == SS_V_FAIL || r->verdict == SS_V_ERROR ||
                          r->verdict == SS_V_WARN || r->verdict == SS_V_PASS;
            ss_style st = r->verdict == SS_V_PASS   ? SS_STYLE_GOOD
                          : r->verdict == SS_V_WARN ? SS_STYLE_WARN
                                                    : SS_STYLE_BAD;
            for (int k = 0; k < NCOL; k++) {
                /* Pad by display width: escaped names may hold multibyte UTF-8. */
                bool on = k == COL_VERDICT && styled;
                fprintf(f, "%s%s%s", on ? ss_term_on(t, st) : "", cell[k], on ? ss_term_off(t) : "");
                if (k < NCOL - 1)
                    fprintf(f, "%*s", (int)(w[k] - cw[k] + 2), "");
            }
            fputc('\n', f);
            char what[CELL], det[512];
            detail_str(r, det, sizeof det);
            what_str(r->rule, what, sizeof what);
            /* A second line only when it says more than the rule's name. */
            if (!det[0] && r->rule->level == SS_LEVEL_FAIL && strcmp(what, r->rule->name) == 0)
                continue;
            fprintf(f, "%*s%s", (int)(w[COL_VERDICT] + 2), "", ss_esc_text(what, esc, sizeof esc));
            if (r->rule->level == SS_LEVEL_WARN)
                fputs(" (level warn)", f);
            if (det[0]) {
                char d2[600];
                fprintf(f, ": %s", ss_esc_text(det, d2, sizeof d2));
            }
            fputc('\n', f);
        }
    }
    summary_line(f, c);
    fputc('\n', f);
}

/* ---- JSON ----------------------------------------------------------------------------------- */

void ss_check_json(FILE *f, const ss_check_result *c, const ss_check_render_opts *o)
{
    bool pretty = o->pretty;
    ss_jw w;
    ss_jw_init(&w, f, pretty);
    ss_jw_obj(&w, NULL);
    ss_jw_u64(&w, "schema_version", 1);
    ss_jw_str(&w, "generator", "segscan " SEGSCAN_VERSION);
    ss_jw_str(&w, "command", "check");
    ss_jw_str(&w, "budget", c->budget->path);
    ss_jw_str(&w, "baseline", c->baseline);
    ss_jw_u64(&w, "gzip_level", SS_GZIP_LEVEL);
    ss_jw_obj(&w, "summary");
    ss_jw_u64(&w, "results", c->nrows);
    for (int v = SS_V_PASS; v <= SS_V_ERROR; v++)
        ss_jw_u64(&w, v == SS_V_NA ? "na" : ss_verdict_name((ss_verdict)v), c->count[v]);
    ss_jw_i64(&w, "exit_code", c->exit_code);
    ss_jw_end_obj(&w);
    ss_jw_arr(&w, "results");
    for (size_t i = 0; i < c->nrows; i++) {
        const ss_check_row *r = &c->rows[i];
        const ss_rule *ru = r->rule;
        ss_jw_obj(&w, NULL);
        ss_jw_str(&w, "rule", ru->name);
        ss_jw_u64(&w, "line", ru->pos.line);
        ss_jw_str(&w, "type", ru->is_policy ? "policy" : "budget");
        ss_jw_str(&w, "level", ss_level_name(ru->level));
        ss_jw_str(&w, "artifact", r->artifact);
        ss_jw_str(&w, "member", r->member);
        ss_jw_str(&w, "verdict", ss_verdict_name(r->verdict));
        if (ru->is_policy) {
            ss_jw_str(&w, "policy", ss_rule_policy(ru));
            ss_jw_str(&w, "property", policy_property(ru));
            ss_jw_str(&w, "state", r->state);
            ss_jw_str(&w, "allowed_because", r->reason);
        } else {
            ss_jw_str(&w, "metric", ss_metric_name(ru->metric));
            if (ru->scope == SS_SCOPE_SECTION)
                ss_jw_str(&w, "section", ru->scope_name);
            else if (ru->scope == SS_SCOPE_SEGMENT)
                ss_jw_str(&w, "segment", ru->scope_name);
            else if (ru->scope == SS_SCOPE_KIND)
                ss_jw_str(&w, "kind", ss_kind_name(ru->kind));
            else if (ru->scope == SS_SCOPE_SYMBOLS || ru->scope == SS_SCOPE_UNITS ||
                     ru->scope == SS_SCOPE_CRATES)
                ss_jw_str(&w, ss_scope_key(ru->scope), ru->scope_name);
#define OPT_U64(key, has, v)         \
    do {                             \
        if (has)                     \
            ss_jw_u64(&w, key, v);   \
        else                         \
            ss_jw_null(&w, key);     \
    } while (0)
            OPT_U64("value", r->has_value, r->value);
            OPT_U64("max", ru->has_max, ru->max);
            OPT_U64("baseline_value", r->has_base, r->base);
            OPT_U64("growth_limit", r->has_growth_limit, r->growth_limit);
            OPT_U64("limit", r->has_limit, r->limit);
#undef OPT_U64
            if (r->has_limit && r->has_value)
                ss_jw_i64(&w, "headroom", r->headroom);
            else
                ss_jw_null(&w, "headroom");
            char g[32];
            if (ru->has_growth_ppm || ru->has_growth_bytes)
                ss_jw_str(&w, "max_growth", growth_rule_str(ru, g, sizeof g));
            else
                ss_jw_null(&w, "max_growth");
        }
        ss_jw_str(&w, "note", r->note[0] ? r->note : NULL);
        ss_jw_end_obj(&w);
    }
    ss_jw_end_arr(&w);
    ss_jw_end_obj(&w);
    ss_jw_finish(&w);
}

/* ---- Markdown ------------------------------------------------------------------------------- */

static const char *md_icon(ss_verdict v)
{
    switch (v) {
    case SS_V_PASS: return "✅ pass";
    case SS_V_WARN: return "⚠️ warn";
    case SS_V_FAIL: return "❌ fail";
    case SS_V_EXEMPT: return "☑️ exempt";
    case SS_V_NA: return "➖ n/a";
    case SS_V_SKIP: return "⏭️ skip";
    case SS_V_ERROR: return "🛑 error";
    }
    return "?";
}

static void md_table(FILE *f, const ss_check_result *c, bool problems)
{
    fputs("| | Rule | Artifact | Value | Limit | Headroom | Details |\n"
          "|---|---|---|--:|--:|--:|---|\n",
          f);
    for (size_t i = 0; i < c->nrows; i++) {
        const ss_check_row *r = &c->rows[i];
        bool problem = r->verdict == SS_V_FAIL || r->verdict == SS_V_WARN ||
                       r->verdict == SS_V_ERROR;
        if (problem != problems)
            continue;
        char a[CELL * 2], m1[CELL * 2], m2[CELL * 2], v[CELL], l[CELL], h[CELL], d[512],
            md[1200], what[CELL], m3[CELL * 2], m4[CELL * 2];
        fprintf(f, "| %s | %s<br><sub>%s</sub> | %s | %s | %s | %s | %s |\n",
                md_icon(r->verdict), ss_esc_md(r->rule->name, m1, sizeof m1),
                ss_esc_md(what_str(r->rule, what, sizeof what), m3, sizeof m3),
                ss_esc_md(artifact_str(r, a, sizeof a), m2, sizeof m2), value_str(r, v, sizeof v),
                ss_esc_md(limit_str(r, l, sizeof l), m4, sizeof m4), headroom_str(r, h, sizeof h),
                ss_esc_md(detail_str(r, d, sizeof d), md, sizeof md));
    }
}

void ss_check_markdown(FILE *f, const ss_check_result *c, const ss_check_render_opts *o)
{
    (void)o; /* not JSON, no colour */
    char esc[CELL * 2];
    const char *head = c->count[SS_V_ERROR] ? "🛑"
                       : c->count[SS_V_FAIL] ? "❌"
                       : c->count[SS_V_WARN] ? "⚠️"
                                             : "✅";
    fprintf(f, "### %s segscan check: ", head);
    summary_line(f, c);
    fprintf(f, "\n\nBudget %s", ss_esc_md(c->budget->path, esc, sizeof esc));
    if (c->baseline)
        fprintf(f, ", baseline %s", ss_esc_md(c->baseline, esc, sizeof esc));
    fputs(".\n\n", f);
    size_t problems = c->count[SS_V_FAIL] + c->count[SS_V_WARN] + c->count[SS_V_ERROR];
    if (problems)
        md_table(f, c, true);
    size_t rest = c->nrows - problems;
    if (rest) {
        fprintf(f, "\n<details%s><summary>%zu other result%s</summary>\n\n",
                problems ? "" : " open", rest, rest == 1 ? "" : "s");
        md_table(f, c, false);
        fputs("\n</details>\n", f);
    }
}

/* ---- JUnit XML ------------------------------------------------------------------------------ */

void ss_check_junit(FILE *f, const ss_check_result *c, const ss_check_render_opts *o)
{
    (void)o; /* not JSON, no colour */
    size_t fails = c->count[SS_V_FAIL], errors = c->count[SS_V_ERROR],
           skipped = c->count[SS_V_SKIP] + c->count[SS_V_NA];
    fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", f);
    fprintf(f, "<testsuites name=\"segscan check\" tests=\"%zu\" failures=\"%zu\" errors=\"%zu\" "
               "skipped=\"%zu\">\n",
            c->nrows, fails, errors, skipped);
    fputs("  <testsuite name=\"", f);
    ss_esc_xml(f, c->budget->path);
    fprintf(f, "\" tests=\"%zu\" failures=\"%zu\" errors=\"%zu\" skipped=\"%zu\">\n", c->nrows,
            fails, errors, skipped);
    for (size_t i = 0; i < c->nrows; i++) {
        const ss_check_row *r = &c->rows[i];
        char a[CELL * 2], v[CELL], l[CELL], h[CELL], d[512], what[CELL];
        fputs("    <testcase classname=\"segscan.", f);
        ss_esc_xml(f, r->rule->is_policy ? "policy" : "budget");
        fputs("\" name=\"", f);
        ss_esc_xml(f, r->rule->name);
        fputs(" [", f);
        ss_esc_xml(f, artifact_str(r, a, sizeof a));
        fputs("]\">\n", f);
        value_str(r, v, sizeof v);
        limit_str(r, l, sizeof l);
        headroom_str(r, h, sizeof h);
        detail_str(r, d, sizeof d);
        what_str(r->rule, what, sizeof what);
        if (r->verdict == SS_V_FAIL || r->verdict == SS_V_ERROR) {
            fputs(r->verdict == SS_V_FAIL ? "      <failure type=\"budget\" message=\""
                                          : "      <error type=\"analysis\" message=\"",
                  f);
            ss_esc_xml(f, what);
            fputs(": value ", f);
            ss_esc_xml(f, v);
            fputs(", limit ", f);
            ss_esc_xml(f, l);
            fputs("\">", f);
            ss_esc_xml(f, d);
            fputs(r->verdict == SS_V_FAIL ? "</failure>\n" : "</error>\n", f);
        } else if (r->verdict == SS_V_SKIP || r->verdict == SS_V_NA) {
            fputs("      <skipped message=\"", f);
            ss_esc_xml(f, r->note);
            fputs("\"/>\n", f);
        }
        fputs("      <system-out>verdict=", f);
        ss_esc_xml(f, ss_verdict_name(r->verdict));
        fputs(" level=", f);
        ss_esc_xml(f, ss_level_name(r->rule->level));
        fputs(" measure=", f);
        ss_esc_xml(f, what);
        fputs(" value=", f);
        ss_esc_xml(f, v);
        fputs(" limit=", f);
        ss_esc_xml(f, l);
        fputs(" headroom=", f);
        ss_esc_xml(f, h);
        if (r->verdict == SS_V_WARN)
            fputs("\nWARNING: over the limit of a warn-level rule", f);
        if (d[0]) {
            fputc('\n', f);
            ss_esc_xml(f, d);
        }
        fputs("</system-out>\n    </testcase>\n", f);
    }
    fputs("  </testsuite>\n</testsuites>\n", f);
}

/* ---- SARIF 2.1.0 ---------------------------------------------------------------------------- */

/* One rule per rule of the budget file (index = its place there); one result per failed,
 * warned or errored row, at the artifact, with the member and the section/segment as logical
 * locations and the budget file's line as a related location. */
void ss_check_sarif(FILE *f, const ss_check_result *c, const ss_check_render_opts *o)
{
    bool pretty = o->pretty;
    ss_jw w;
    ss_jw_init(&w, f, pretty);
    ss_jw_obj(&w, NULL);
    ss_jw_str(&w, "$schema", "https://json.schemastore.org/sarif-2.1.0.json");
    ss_jw_str(&w, "version", "2.1.0");
    ss_jw_arr(&w, "runs");
    ss_jw_obj(&w, NULL);
    ss_jw_obj(&w, "tool");
    ss_jw_obj(&w, "driver");
    ss_jw_str(&w, "name", "segscan check");
    ss_jw_str(&w, "version", SEGSCAN_VERSION);
    ss_jw_arr(&w, "rules");
    char buf[1024], what[CELL], uri[4096];
    for (size_t i = 0; i < c->budget->nrules; i++) {
        const ss_rule *r = &c->budget->rules[i];
        ss_jw_obj(&w, NULL);
        snprintf(buf, sizeof buf, "%s/%s", r->is_policy ? "policy" : "budget", r->name);
        ss_jw_str(&w, "id", buf);
        ss_jw_obj(&w, "shortDescription");
        ss_jw_str(&w, "text", r->name);
        ss_jw_end_obj(&w);
        ss_jw_obj(&w, "fullDescription");
        snprintf(buf, sizeof buf, "%s rule '%s' (%s, level %s) of %s, line %u",
                 r->is_policy ? "Policy" : "Size budget", r->name, what_str(r, what, sizeof what),
                 ss_level_name(r->level), c->budget->path, r->pos.line);
        ss_jw_str(&w, "text", buf);
        ss_jw_end_obj(&w);
        ss_jw_obj(&w, "defaultConfiguration");
        ss_jw_str(&w, "level", r->level == SS_LEVEL_FAIL ? "error" : "warning");
        ss_jw_end_obj(&w);
        ss_jw_end_obj(&w);
    }
    ss_jw_end_arr(&w);
    ss_jw_end_obj(&w);
    ss_jw_end_obj(&w);
    ss_jw_arr(&w, "results");
    for (size_t i = 0; i < c->nrows; i++) {
        const ss_check_row *row = &c->rows[i];
        if (row->verdict != SS_V_FAIL && row->verdict != SS_V_WARN && row->verdict != SS_V_ERROR)
            continue;
        const ss_rule *r = row->rule;
        char v[CELL], l[CELL], d[512];
        ss_jw_obj(&w, NULL);
        snprintf(buf, sizeof buf, "%s/%s", r->is_policy ? "policy" : "budget", r->name);
        ss_jw_str(&w, "ruleId", buf);
        ss_jw_u64(&w, "ruleIndex", (uint64_t)(r - c->budget->rules));
        ss_jw_str(&w, "level", row->verdict == SS_V_WARN ? "warning" : "error");
        ss_jw_obj(&w, "message");
        detail_str(row, d, sizeof d);
        if (row->verdict == SS_V_ERROR)
            snprintf(buf, sizeof buf, "%s: could not be measured: %s", r->name, row->note);
        else if (r->is_policy)
            snprintf(buf, sizeof buf, "%s: %s is %s%s%s", r->name, what_str(r, what, sizeof what),
                     value_str(row, v, sizeof v), d[0] ? "; " : "", d);
        else
            snprintf(buf, sizeof buf, "%s: %s is %s, over the limit %s%s%s", r->name,
                     what_str(r, what, sizeof what), value_str(row, v, sizeof v),
                     limit_str(row, l, sizeof l), d[0] ? "; " : "", d);
        ss_jw_str(&w, "text", buf);
        ss_jw_end_obj(&w);
        ss_jw_arr(&w, "locations");
        ss_jw_obj(&w, NULL);
        ss_jw_obj(&w, "physicalLocation");
        ss_jw_obj(&w, "artifactLocation");
        ss_jw_str(&w, "uri", ss_esc_uri(row->artifact ? row->artifact : "", uri, sizeof uri));
        ss_jw_end_obj(&w);
        ss_jw_end_obj(&w);
        bool scoped = !r->is_policy && r->scope_name && r->scope_name[0];
        if (row->member || scoped) {
            ss_jw_arr(&w, "logicalLocations");
            if (row->member) {
                ss_jw_obj(&w, NULL);
                ss_jw_str(&w, "name", row->member);
                ss_jw_str(&w, "kind", "module");
                ss_jw_end_obj(&w);
            }
            if (scoped) {
                ss_jw_obj(&w, NULL);
                ss_jw_str(&w, "name", r->scope_name);
                ss_jw_str(&w, "kind", r->scope == SS_SCOPE_SECTION ? "section" : "segment");
                ss_jw_end_obj(&w);
            }
            ss_jw_end_arr(&w);
        }
        ss_jw_end_obj(&w);
        ss_jw_end_arr(&w);
        ss_jw_arr(&w, "relatedLocations");
        ss_jw_obj(&w, NULL);
        ss_jw_u64(&w, "id", 0);
        ss_jw_obj(&w, "physicalLocation");
        ss_jw_obj(&w, "artifactLocation");
        ss_jw_str(&w, "uri", ss_esc_uri(c->budget->path, uri, sizeof uri));
        ss_jw_end_obj(&w);
        ss_jw_obj(&w, "region");
        ss_jw_u64(&w, "startLine", r->pos.line ? r->pos.line : 1);
        ss_jw_end_obj(&w);
        ss_jw_end_obj(&w);
        ss_jw_obj(&w, "message");
        ss_jw_str(&w, "text", "the rule in the budget file");
        ss_jw_end_obj(&w);
        ss_jw_end_obj(&w);
        ss_jw_end_arr(&w);
        uint64_t fp = ss_sarif_hash(ss_sarif_hash(ss_sarif_hash(SS_SARIF_HASH0, buf), row->artifact),
                                    row->member);
        fp = ss_sarif_hash(fp, r->name);
        char hex[24];
        snprintf(hex, sizeof hex, "%016" PRIx64, fp);
        ss_jw_obj(&w, "partialFingerprints");
        ss_jw_str(&w, "segscanCheck/v1", hex);
        ss_jw_end_obj(&w);
        ss_jw_end_obj(&w);
    }
    ss_jw_end_arr(&w);
    ss_jw_arr(&w, "invocations");
    ss_jw_obj(&w, NULL);
    ss_jw_bool(&w, "executionSuccessful", c->count[SS_V_ERROR] == 0);
    ss_jw_u64(&w, "exitCode", (uint64_t)c->exit_code);
    ss_jw_end_obj(&w);
    ss_jw_end_arr(&w);
    ss_jw_end_obj(&w);
    ss_jw_end_arr(&w);
    ss_jw_end_obj(&w);
    ss_jw_finish(&w);
}

/* JUnit renders only the check document: its emitter lives here, beside its renderer. */
const ss_emitter ss_emitter_junit = {
    .name = "junit",
    .about = "JUnit XML: one test case per rule and artifact (check only)",
    .check = ss_check_junit,
};
