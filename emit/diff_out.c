/* diff_out.c - rendering `segscan diff` results: text, JSON, CSV and Markdown. */
#include <inttypes.h> /* PRIu64, PRId64 */
#include <stdint.h>   /* SIZE_MAX */
#include <stdio.h>    /* fprintf */
#include <string.h>   /* strlen */

#include "ci.h"
#include "emit_internal.h"
#include "emit.h"
#include "escape.h"
#include "jsonw.h"
#include "sizes.h" /* ss_sat_add */

#define NAME_W 40

static bool pair_changed(const ss_pair *p)
{
    return p->has[0] != p->has[1] || (p->has[0] && p->v[0] != p->v[1]);
}

static bool row_changed(const ss_diff_row *r)
{
    return pair_changed(&r->vm) || pair_changed(&r->file);
}

static const char *row_status(const ss_diff_row *r)
{
    bool a = r->vm.has[0], b = r->vm.has[1];
    return a && !b ? "removed" : !a && b ? "added" : row_changed(r) ? "changed" : "same";
}

static bool unit_changed(const ss_diff_unit *u)
{
    if (!u->present[0] || !u->present[1] || u->nchanges || u->failed)
        return true;
    for (int m = 0; m < SS_DM_COUNT; m++)
        if (pair_changed(&u->metrics[m]))
            return true;
    const ss_diff_table *t[5] = {&u->segments, &u->sections, &u->kinds, &u->symbols, &u->debug};
    for (int k = 0; k < 5; k++)
        for (size_t i = 0; i < t[k]->n; i++)
            if (row_changed(&t[k]->rows[i]))
                return true;
    return false;
}

static void table_total(const ss_diff_table *t, ss_diff_row *tot)
{
    memset(tot, 0, sizeof *tot);
    tot->name = "total";
    for (int s = 0; s < 2; s++)
        tot->vm.has[s] = tot->file.has[s] = true;
    for (size_t i = 0; i < t->n; i++)
        for (int s = 0; s < 2 && t->rows[i].counted; s++) {
            ss_sat_add(&tot->vm.v[s], t->rows[i].vm.has[s] ? t->rows[i].vm.v[s] : 0);
            ss_sat_add(&tot->file.v[s], t->rows[i].file.has[s] ? t->rows[i].file.v[s] : 0);
        }
}

static const char *side_str(const ss_pair *p, int s, char *buf, size_t cap)
{
    if (p->has[s])
        snprintf(buf, cap, "%" PRIu64, p->v[s]);
    else
        snprintf(buf, cap, "-");
    return buf;
}

static const char *unit_title(const ss_diff_unit *u, char *buf, size_t cap)
{
    const char *st = !u->present[0] ? " (added)" : !u->present[1] ? " (removed)" : "";
    snprintf(buf, cap, "%s%s", u->member ? u->member : "", st);
    return buf;
}

static const char *const table_names[4] = {"segments", "sections", "kinds", "symbols"};

/* The name of table k of u: the fixed four, then the debug source's ("compileunits"). */
static const char *table_name(const ss_diff_unit *u, int k)
{
    return k < 4 ? table_names[k] : u->debug_what;
}

/* ---- text ----------------------------------------------------------------------------------- */

/* Which columns of a (before, after, delta, %) group a text table shows, and how wide its name
 * column is. A pipe (no width) gets the full layout with a 40-column name field, as always; on a
 * terminal the widest layout that fits is chosen — full groups, then the file group as delta and
 * percentage only, then both groups so — and names longer than the field are shortened in the
 * middle (JSON, CSV and Markdown keep them whole). */
typedef struct {
    bool full[2]; /* group g shows before and after */
    size_t name;  /* name field width */
    size_t cut;   /* names wider than this are shortened: the room the terminal leaves */
} diff_layout;

#define GROUP_FULL 48 /* "  %12s %12s %+11 %8s" */
#define GROUP_DELTA 22 /* "  %+11 %8s" */
#define NAME_MIN 12 /* 60 columns hold the narrowest layout: 2 + 12 + 2 * 22 */

static diff_layout fit_diff(const ss_term *t, int groups)
{
    diff_layout l = {{true, true}, NAME_W, SIZE_MAX};
    if (t->width == 0)
        return l;
    /* the layouts, widest first: (group 0 full, group 1 full) */
    static const bool plan[3][2] = {{true, true}, {true, false}, {false, false}};
    for (int k = 0; k < 3; k++) {
        size_t num = 0;
        for (int g = 0; g < groups; g++)
            num += plan[k][g] ? GROUP_FULL : GROUP_DELTA;
        l.full[0] = plan[k][0];
        l.full[1] = plan[k][1];
        if (2 + NAME_MIN + num <= t->width || k == 2) {
            size_t room = t->width > 2 + num ? t->width - 2 - num : 0;
            l.cut = room < NAME_MIN ? NAME_MIN : room;
            l.name = l.cut > NAME_W ? NAME_W : l.cut;
            break;
        }
    }
    return l;
}

static void text_pair(FILE *f, const ss_pair *p, bool full)
{
    char a[24], b[24], pc[24];
    if (full)
        fprintf(f, "  %12s %12s", side_str(p, 0, a, sizeof a), side_str(p, 1, b, sizeof b));
    /* one space after a full group's "after" column, two after the name */
    fprintf(f, full ? " %+11" PRId64 " %8s" : "  %+11" PRId64 " %8s", ss_ci_delta(p),
            ss_ci_percent(p, pc, sizeof pc));
}

static void text_head(FILE *f, const diff_layout *l, const char *title, int groups,
                      const char *const *labels, const ss_term *t)
{
    fprintf(f, "\n  %s%-*s%s", ss_term_on(t, SS_STYLE_HEAD), (int)l->name, title, ss_term_off(t));
    for (int g = 0; g < groups; g++) {
        const char *const *lb = labels + 4 * g;
        if (l->full[g])
            fprintf(f, "  %12s %12s", lb[0], lb[1]);
        fprintf(f, l->full[g] ? " %11s %8s" : "  %11s %8s", lb[2], lb[3]);
    }
    fputc('\n', f);
}

/* The row's name, escaped, padded to the name field; on a terminal a name longer than the room
 * left beside the numbers is cut in the middle (a longer name that still fits pushes its row's
 * numbers right, as on a pipe). */
static void text_name(FILE *f, const diff_layout *l, const char *mark, const char *raw,
                      const ss_term *t)
{
    char esc[NAME_W * 4 + 8], cut[NAME_W * 4 + 8];
    size_t w = ss_escape_text(raw, esc, sizeof esc > 160 ? 160 : sizeof esc);
    const char *name = esc;
    if (w > l->cut) {
        w = ss_term_shorten(esc, w, l->cut, t->utf8, cut, sizeof cut);
        name = cut;
    }
    fprintf(f, "%s%s%*s", mark, name, w < l->name ? (int)(l->name - w) : 0, "");
}

static const char *const table_labels[8] = {"vm before",   "vm after",   "vm delta",   "vm %",
                                            "file before", "file after", "file delta", "file %"};
static const char *const metric_labels[4] = {"before", "after", "delta", "%"};

static void text_table(FILE *f, const char *title, const ss_diff_table *t, bool all,
                       const ss_term *term)
{
    diff_layout l = fit_diff(term, 2);
    text_head(f, &l, title, 2, table_labels, term);
    size_t hidden = 0;
    for (size_t i = 0; i < t->n; i++) {
        const ss_diff_row *r = &t->rows[i];
        if (!all && !row_changed(r)) {
            hidden++;
            continue;
        }
        const char *mark = !r->vm.has[0] ? "+ " : !r->vm.has[1] ? "- " : "  ";
        text_name(f, &l, mark, r->name, term);
        text_pair(f, &r->vm, l.full[0]);
        text_pair(f, &r->file, l.full[1]);
        fputc('\n', f);
    }
    ss_diff_row tot;
    table_total(t, &tot);
    fprintf(f, "  %-*s", (int)l.name, "total");
    text_pair(f, &tot.vm, l.full[0]);
    text_pair(f, &tot.file, l.full[1]);
    fputc('\n', f);
    if (hidden)
        fprintf(f, "  (%zu unchanged row%s not shown; --all lists them)\n", hidden,
                hidden == 1 ? "" : "s");
}

void ss_diff_text(FILE *f, const ss_diff_result *d, const ss_diff_render_opts *o)
{
    char a[512], b[512];
    ss_pair fs = {{true, true}, {d->file_size[0], d->file_size[1]}};
    char pc[24];
    fprintf(f, "segscan diff: %s -> %s\n  file size %" PRIu64 " -> %" PRIu64 " (%+" PRId64
               ", %s)\n",
            ss_esc_text(d->path[0], a, sizeof a), ss_esc_text(d->path[1], b, sizeof b),
            d->file_size[0], d->file_size[1], ss_ci_delta(&fs), ss_ci_percent(&fs, pc, sizeof pc));
    size_t hidden = 0;
    for (size_t i = 0; i < d->nunits; i++) {
        const ss_diff_unit *u = &d->units[i];
        if (!o->all && !unit_changed(u)) {
            hidden++;
            continue;
        }
        if (u->member || d->nunits > 1) {
            char t[600];
            fprintf(f, "\n== %s ==\n", ss_esc_text(unit_title(u, t, sizeof t), a, sizeof a));
        }
        if (u->failed) {
            fputs("  could not be analyzed on one side (see the error above)\n", f);
            continue;
        }
        diff_layout ml = fit_diff(&o->term, 1);
        text_head(f, &ml, "totals", 1, metric_labels, &o->term);
        for (int m = 0; m < SS_DM_COUNT; m++) {
            if (!u->metrics[m].has[0] && !u->metrics[m].has[1])
                continue;
            text_name(f, &ml, "  ", ss_diff_metric_name(m), &o->term);
            text_pair(f, &u->metrics[m], ml.full[0]);
            fputc('\n', f);
        }
        if (u->nchanges) {
            fputs("\n  permission changes:\n", f);
            for (size_t k = 0; k < u->nchanges; k++) {
                fprintf(f, "    %s%s%s ",
                        ss_term_on(&o->term, u->changes[k].regression ? SS_STYLE_BAD : SS_STYLE_GOOD),
                        u->changes[k].regression ? "[worse] " : "[better]", ss_term_off(&o->term));
                ss_term_wrap(f, &o->term, 13, 13, ss_esc_text(u->changes[k].message, a, sizeof a));
            }
        }
        text_table(f, "segments", &u->segments, o->all, &o->term);
        text_table(f, "sections", &u->sections, o->all, &o->term);
        text_table(f, "kinds", &u->kinds, o->all, &o->term);
        if (u->has_symbols)
            text_table(f, "symbols (changed)", &u->symbols, o->all, &o->term);
        if (u->debug_what) {
            char title[48];
            snprintf(title, sizeof title, "%s (changed)", u->debug_what);
            text_table(f, title, &u->debug, o->all, &o->term);
        }
    }
    if (hidden)
        fprintf(f, "\n(%zu unchanged member%s not shown; --all lists them)\n", hidden,
                hidden == 1 ? "" : "s");
}

/* ---- JSON ----------------------------------------------------------------------------------- */

static void json_pair(ss_jw *w, const char *key, const ss_pair *p)
{
    ss_jw_obj(w, key);
    for (int s = 0; s < 2; s++) {
        const char *k = s ? "after" : "before";
        if (p->has[s])
            ss_jw_u64(w, k, p->v[s]);
        else
            ss_jw_null(w, k);
    }
    ss_jw_i64(w, "delta", ss_ci_delta(p));
    if (p->has[0] && p->has[1] && p->v[0])
        ss_jw_dbl(w, "percent",
                  100.0 * ((double)p->v[1] - (double)p->v[0]) / (double)p->v[0]);
    else
        ss_jw_null(w, "percent");
    ss_jw_end_obj(w);
}

void ss_diff_json(FILE *f, const ss_diff_result *d, const ss_diff_render_opts *o)
{
    bool pretty = o->pretty;
    ss_jw w;
    ss_jw_init(&w, f, pretty);
    ss_jw_obj(&w, NULL);
    ss_jw_u64(&w, "schema_version", 1);
    ss_jw_str(&w, "generator", "segscan " SEGSCAN_VERSION);
    ss_jw_str(&w, "command", "diff");
    for (int s = 0; s < 2; s++) {
        ss_jw_obj(&w, s ? "new" : "base");
        ss_jw_str(&w, "path", d->path[s]);
        ss_jw_str(&w, "container", ss_container_name(d->container[s]));
        ss_jw_u64(&w, "file_size", d->file_size[s]);
        ss_jw_end_obj(&w);
    }
    ss_pair fs = {{true, true}, {d->file_size[0], d->file_size[1]}};
    json_pair(&w, "file_size", &fs);
    ss_jw_arr(&w, "units");
    for (size_t i = 0; i < d->nunits; i++) {
        const ss_diff_unit *u = &d->units[i];
        ss_jw_obj(&w, NULL);
        ss_jw_str(&w, "member", u->member);
        ss_jw_str(&w, "status", u->failed        ? "failed"
                                : !u->present[0] ? "added"
                                : !u->present[1] ? "removed"
                                : unit_changed(u) ? "changed"
                                                  : "same");
        ss_jw_obj(&w, "totals");
        for (int m = 0; m < SS_DM_COUNT; m++)
            if (u->metrics[m].has[0] || u->metrics[m].has[1])
                json_pair(&w, ss_diff_metric_name(m), &u->metrics[m]);
            else
                ss_jw_null(&w, ss_diff_metric_name(m));
        ss_jw_end_obj(&w);
        ss_jw_arr(&w, "permissions");
        for (int p = 0; p < SS_DP_ALL; p++) {
            if (!u->perms[0][p] && !u->perms[1][p])
                continue;
            /* A check neither side has (another format's) is left out. */
            if (p >= SS_DP_COUNT && (!u->perms[0][p] || strcmp(u->perms[0][p], "n-a") == 0) &&
                (!u->perms[1][p] || strcmp(u->perms[1][p], "n-a") == 0))
                continue;
            ss_jw_obj(&w, NULL);
            ss_jw_str(&w, "property", ss_diff_perm_name(p));
            ss_jw_str(&w, "before", u->perms[0][p]);
            ss_jw_str(&w, "after", u->perms[1][p]);
            ss_jw_end_obj(&w);
        }
        ss_jw_end_arr(&w);
        ss_jw_arr(&w, "changes");
        for (size_t k = 0; k < u->nchanges; k++) {
            ss_jw_obj(&w, NULL);
            ss_jw_str(&w, "id", u->changes[k].id);
            ss_jw_str(&w, "severity", u->changes[k].regression ? "regression" : "improvement");
            ss_jw_str(&w, "message", u->changes[k].message);
            ss_jw_end_obj(&w);
        }
        ss_jw_end_arr(&w);
        const ss_diff_table *t[5] = {&u->segments, &u->sections, &u->kinds, &u->symbols,
                                     &u->debug};
        for (int k = 0; k < 5; k++) {
            if ((k == 3 && !u->has_symbols) || (k == 4 && !u->debug_what))
                continue;
            ss_jw_arr(&w, table_name(u, k));
            for (size_t j = 0; j < t[k]->n; j++) {
                const ss_diff_row *r = &t[k]->rows[j];
                ss_jw_obj(&w, NULL);
                ss_jw_str(&w, "name", r->name);
                if (r->rank > 1) { /* "name" is for people; (base_name, rank) is the row's key */
                    ss_jw_str(&w, "base_name", r->base);
                    ss_jw_u64(&w, "rank", r->rank);
                }
                ss_jw_str(&w, "status", row_status(r));
                if (k == 0)
                    ss_jw_bool(&w, "loadable", r->counted);
                json_pair(&w, "vm_size", &r->vm);
                json_pair(&w, "file_size", &r->file);
                ss_jw_end_obj(&w);
            }
            ss_jw_end_arr(&w);
            ss_diff_row tot;
            table_total(t[k], &tot);
            char key[32];
            snprintf(key, sizeof key, "%s_total", table_name(u, k));
            ss_jw_obj(&w, key);
            json_pair(&w, "vm_size", &tot.vm);
            json_pair(&w, "file_size", &tot.file);
            ss_jw_end_obj(&w);
        }
        ss_jw_end_obj(&w);
    }
    ss_jw_end_arr(&w);
    ss_jw_end_obj(&w);
    ss_jw_finish(&w);
}

/* ---- CSV: one line per value, easy to filter and pivot -------------------------------------- */

static void csv_line(FILE *f, const char *member, const char *table, const char *name,
                     const char *status, const char *measure, const ss_pair *p)
{
    char a[24], b[24];
    ss_esc_csv(f, member ? member : "");
    fprintf(f, ",%s,", table);
    ss_esc_csv(f, name);
    fprintf(f, ",%s,%s,%s,%s,%" PRId64 ",", status, measure,
            p->has[0] ? side_str(p, 0, a, sizeof a) : "", p->has[1] ? side_str(p, 1, b, sizeof b) : "",
            ss_ci_delta(p));
    /* A number or nothing: "new" and "gone" are in the status column already. */
    if (p->has[0] && p->has[1] && p->v[0])
        fprintf(f, "%.2f\n", 100.0 * ((double)p->v[1] - (double)p->v[0]) / (double)p->v[0]);
    else if (p->has[0] && p->has[1] && p->v[1] == 0)
        fputs("0.00\n", f);
    else
        fputc('\n', f);
}

void ss_diff_csv(FILE *f, const ss_diff_result *d, const ss_diff_render_opts *o)
{
    (void)o; /* every row, always */
    fputs("member,table,name,status,measure,before,after,delta,percent\n", f);
    ss_pair fs = {{true, true}, {d->file_size[0], d->file_size[1]}};
    csv_line(f, NULL, "file", "total", pair_changed(&fs) ? "changed" : "same", "file", &fs);
    for (size_t i = 0; i < d->nunits; i++) {
        const ss_diff_unit *u = &d->units[i];
        for (int m = 0; m < SS_DM_COUNT; m++)
            if (u->metrics[m].has[0] || u->metrics[m].has[1])
                csv_line(f, u->member, "totals", ss_diff_metric_name(m),
                         pair_changed(&u->metrics[m]) ? "changed" : "same", "value",
                         &u->metrics[m]);
        const ss_diff_table *t[5] = {&u->segments, &u->sections, &u->kinds, &u->symbols,
                                     &u->debug};
        for (int k = 0; k < 5; k++) {
            if ((k == 3 && !u->has_symbols) || (k == 4 && !u->debug_what))
                continue;
            const char *tn = table_name(u, k);
            for (size_t j = 0; j < t[k]->n; j++) {
                const ss_diff_row *r = &t[k]->rows[j];
                csv_line(f, u->member, tn, r->name, row_status(r), "vm", &r->vm);
                csv_line(f, u->member, tn, r->name, row_status(r), "file", &r->file);
            }
            ss_diff_row tot;
            table_total(t[k], &tot);
            csv_line(f, u->member, tn, "total", "total", "vm", &tot.vm);
            csv_line(f, u->member, tn, "total", "total", "file", &tot.file);
        }
        for (size_t k = 0; k < u->nchanges; k++) {
            ss_esc_csv(f, u->member ? u->member : "");
            fprintf(f, ",permissions,%s,%s,finding,,,,", u->changes[k].id,
                    u->changes[k].regression ? "regression" : "improvement");
            fputc('\n', f);
        }
    }
}

/* ---- Markdown ------------------------------------------------------------------------------- */

static void md_pair(FILE *f, const ss_pair *p)
{
    char a[24], b[24], pc[24];
    int64_t dl = ss_ci_delta(p);
    fprintf(f, " %s | %s | %s%+" PRId64 "%s | %s |", side_str(p, 0, a, sizeof a),
            side_str(p, 1, b, sizeof b), dl ? "**" : "", dl, dl ? "**" : "",
            ss_ci_percent(p, pc, sizeof pc));
}

static void md_table(FILE *f, const char *title, const ss_diff_table *t, bool all)
{
    size_t shown = 0, hidden = 0;
    for (size_t i = 0; i < t->n; i++)
        shown += all || row_changed(&t->rows[i]);
    hidden = t->n - shown;
    if (shown == 0) {
        fprintf(f, "\nNo %s changed.\n", title);
        return;
    }
    fprintf(f,
            "\n| %s | VM before | VM after | Δ VM | %% | File before | File after | Δ file | %% |\n"
            "|---|--:|--:|--:|--:|--:|--:|--:|--:|\n",
            title);
    for (size_t i = 0; i < t->n; i++) {
        const ss_diff_row *r = &t->rows[i];
        if (!all && !row_changed(r))
            continue;
        char name[600];
        const char *mark = !r->vm.has[0] ? "➕ " : !r->vm.has[1] ? "➖ " : "";
        fprintf(f, "| %s%s |", mark, ss_esc_md(r->name, name, sizeof name));
        md_pair(f, &r->vm);
        md_pair(f, &r->file);
        fputc('\n', f);
    }
    ss_diff_row tot;
    table_total(t, &tot);
    fputs("| **total** |", f);
    md_pair(f, &tot.vm);
    md_pair(f, &tot.file);
    fputc('\n', f);
    if (hidden)
        fprintf(f, "\n<sub>%zu unchanged row%s not shown.</sub>\n", hidden, hidden == 1 ? "" : "s");
}

void ss_diff_markdown(FILE *f, const ss_diff_result *d, const ss_diff_render_opts *o)
{
    char a[600], b[600], pc[24];
    ss_pair fs = {{true, true}, {d->file_size[0], d->file_size[1]}};
    fprintf(f, "### segscan diff: %s → %s\n\n", ss_esc_md(d->path[0], a, sizeof a),
            ss_esc_md(d->path[1], b, sizeof b));
    fprintf(f, "File size %" PRIu64 " → %" PRIu64 " (**%+" PRId64 "**, %s)\n", d->file_size[0],
            d->file_size[1], ss_ci_delta(&fs), ss_ci_percent(&fs, pc, sizeof pc));
    size_t hidden = 0;
    for (size_t i = 0; i < d->nunits; i++) {
        const ss_diff_unit *u = &d->units[i];
        if (!o->all && !unit_changed(u)) {
            hidden++;
            continue;
        }
        if (u->member || d->nunits > 1) {
            char t[600];
            fprintf(f, "\n#### %s\n", ss_esc_md(unit_title(u, t, sizeof t), a, sizeof a));
        }
        if (u->failed) {
            fputs("\nCould not be analyzed on one side.\n", f);
            continue;
        }
        for (size_t k = 0; k < u->nchanges; k++)
            fprintf(f, "%s- %s %s\n", k == 0 ? "\n" : "", u->changes[k].regression ? "⚠️" : "✅",
                    ss_esc_md(u->changes[k].message, a, sizeof a));
        fputs("\n| Total | Before | After | Δ | % |\n|---|--:|--:|--:|--:|\n", f);
        for (int m = 0; m < SS_DM_COUNT; m++) {
            if (!u->metrics[m].has[0] && !u->metrics[m].has[1])
                continue;
            fprintf(f, "| %s |", ss_diff_metric_name(m));
            md_pair(f, &u->metrics[m]);
            fputc('\n', f);
        }
        md_table(f, "Segment", &u->segments, o->all);
        md_table(f, "Section", &u->sections, o->all);
        fputs("\n<details><summary>Kinds</summary>\n", f);
        md_table(f, "Kind", &u->kinds, o->all);
        fputs("\n</details>\n", f);
        if (u->has_symbols)
            md_table(f, "Symbol", &u->symbols, o->all);
        if (u->debug_what)
            md_table(f, strcmp(u->debug_what, "crates") == 0       ? "Crate"
                        : strcmp(u->debug_what, "inputfiles") == 0 ? "Source file"
                                                                   : "Compile unit",
                     &u->debug, o->all);
    }
    if (hidden)
        fprintf(f, "\n<sub>%zu unchanged member%s not shown.</sub>\n", hidden,
                hidden == 1 ? "" : "s");
}
