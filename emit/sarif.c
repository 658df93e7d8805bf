/* sarif.c - the SARIF 2.1.0 log writer (sarif.h) and the report's SARIF emitter: one result per
 * finding, ruleId its id, level from its severity (info -> note), the help text of
 * core/analysis.c's finding rules. */
#include "sarif.h"

#include <stdlib.h> /* calloc, realloc, free */
#include <string.h> /* strcmp, strdup */

#include "../core/analysis.h"
#include "emit_internal.h"
#include "escape.h"

#define SARIF_SCHEMA "https://json.schemastore.org/sarif-2.1.0.json"

typedef struct {
    char *id, *title, *help, *level;
} rule;

struct ss_sarif {
    ss_jw *w;
    rule *rules;
    size_t n, cap;
};

static char *dup(const char *s)
{
    return strdup(s ? s : "");
}

ss_sarif *ss_sarif_begin(ss_jw *w)
{
    ss_sarif *s = calloc(1, sizeof *s);
    if (s == NULL)
        return NULL;
    s->w = w;
    ss_jw_obj(w, NULL);
    ss_jw_str(w, "$schema", SARIF_SCHEMA);
    ss_jw_str(w, "version", "2.1.0");
    ss_jw_arr(w, "runs");
    ss_jw_obj(w, NULL);
    ss_jw_arr(w, "results");
    return s;
}

/* Index of the result's rule, added when new; SIZE_MAX when out of memory. */
static size_t rule_index(ss_sarif *s, const ss_sarif_result *r)
{
    for (size_t i = 0; i < s->n; i++)
        if (strcmp(s->rules[i].id, r->rule_id) == 0)
            return i;
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 16;
        rule *p = realloc(s->rules, cap * sizeof *p);
        if (p == NULL)
            return SIZE_MAX;
        s->rules = p;
        s->cap = cap;
    }
    rule *k = &s->rules[s->n];
    k->id = dup(r->rule_id);
    k->title = dup(r->rule_title ? r->rule_title : r->rule_id);
    k->help = dup(r->rule_help ? r->rule_help : "See the segscan manual (docs/segscan.1).");
    k->level = dup(r->level);
    if (!k->id || !k->title || !k->help || !k->level) {
        free(k->id);
        free(k->title);
        free(k->help);
        free(k->level);
        return SIZE_MAX;
    }
    return s->n++;
}

/* FNV-1a, 64 bits, over s and a separator. */
static uint64_t fnv(uint64_t h, const char *s)
{
    for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++)
        h = (h ^ *p) * 0x100000001b3ull;
    return (h ^ 0xff) * 0x100000001b3ull;
}

void ss_sarif_add(ss_sarif *s, const ss_sarif_result *r)
{
    ss_jw *w = s->w;
    size_t k = rule_index(s, r);
    char *uri = ss_esc_uri(r->path ? r->path : "");
    ss_jw_obj(w, NULL);
    ss_jw_str(w, "ruleId", r->rule_id);
    if (k != SIZE_MAX)
        ss_jw_u64(w, "ruleIndex", k);
    ss_jw_str(w, "level", r->level);
    ss_jw_obj(w, "message");
    ss_jw_str(w, "text", r->message && r->message[0] ? r->message : r->rule_id);
    ss_jw_end_obj(w);
    ss_jw_arr(w, "locations");
    ss_jw_obj(w, NULL);
    ss_jw_obj(w, "physicalLocation");
    ss_jw_obj(w, "artifactLocation");
    ss_jw_str(w, "uri", uri ? uri : "");
    ss_jw_end_obj(w);
    ss_jw_end_obj(w);
    if (r->member || r->where_name) {
        ss_jw_arr(w, "logicalLocations");
        if (r->member) {
            ss_jw_obj(w, NULL);
            ss_jw_str(w, "name", r->member);
            ss_jw_str(w, "kind", "module");
            ss_jw_end_obj(w);
        }
        if (r->where_name) {
            ss_jw_obj(w, NULL);
            ss_jw_str(w, "name", r->where_name);
            if (r->where_kind)
                ss_jw_str(w, "kind", r->where_kind);
            ss_jw_end_obj(w);
        }
        ss_jw_end_arr(w);
    }
    ss_jw_end_obj(w);
    ss_jw_end_arr(w);
    uint64_t h = 0xcbf29ce484222325ull;
    h = fnv(h, r->rule_id);
    h = fnv(h, r->path);
    h = fnv(h, r->member);
    h = fnv(h, r->where_kind);
    h = fnv(h, r->where_name);
    h = fnv(h, r->key);
    char hex[24];
    snprintf(hex, sizeof hex, "%016llx", (unsigned long long)h);
    ss_jw_obj(w, "partialFingerprints");
    ss_jw_str(w, "segscanResult/v1", hex);
    ss_jw_end_obj(w);
    ss_jw_end_obj(w);
    free(uri);
}

void ss_sarif_end(ss_sarif *s)
{
    ss_jw *w = s->w;
    ss_jw_end_arr(w); /* results */
    ss_jw_obj(w, "tool");
    ss_jw_obj(w, "driver");
    ss_jw_str(w, "name", "segscan");
    ss_jw_str(w, "version", SEGSCAN_VERSION);
    ss_jw_arr(w, "rules");
    for (size_t i = 0; i < s->n; i++) {
        ss_jw_obj(w, NULL);
        ss_jw_str(w, "id", s->rules[i].id);
        ss_jw_obj(w, "shortDescription");
        ss_jw_str(w, "text", s->rules[i].title);
        ss_jw_end_obj(w);
        ss_jw_obj(w, "help");
        ss_jw_str(w, "text", s->rules[i].help);
        ss_jw_end_obj(w);
        ss_jw_obj(w, "defaultConfiguration");
        ss_jw_str(w, "level", s->rules[i].level);
        ss_jw_end_obj(w);
        ss_jw_end_obj(w);
        free(s->rules[i].id);
        free(s->rules[i].title);
        free(s->rules[i].help);
        free(s->rules[i].level);
    }
    ss_jw_end_arr(w);
    ss_jw_end_obj(w); /* driver */
    ss_jw_end_obj(w); /* tool */
    ss_jw_end_obj(w); /* run */
    ss_jw_end_arr(w); /* runs */
    ss_jw_end_obj(w);
    ss_jw_finish(w);
    free(s->rules);
    free(s);
}

/* ---- the report's SARIF emitter ------------------------------------------------------------ */

static const char *level(ss_severity sev)
{
    return sev == SS_SEV_ERROR ? "error" : sev == SS_SEV_WARNING ? "warning" : "note";
}

static bool sarif_begin(ss_report *r)
{
    ss_jw_init(&r->jw, r->out, r->opts.pretty);
    r->state = ss_sarif_begin(&r->jw);
    return r->state != NULL;
}

static void sarif_image(ss_report *r, const ss_image *im)
{
    const ss_analysis *a = im->analysis;
    for (size_t i = 0; a && i < a->nfindings; i++) {
        const ss_finding *fd = &a->findings[i];
        const ss_evidence *ev = fd->nevidence ? &fd->evidence[0] : NULL;
        const ss_finding_rule *fr = ss_finding_rule_of(fd->id);
        ss_sarif_result res = {
            .rule_id = fd->id,
            .rule_title = fr ? fr->title : NULL,
            .rule_help = fr ? fr->help : NULL,
            .level = level(fd->severity),
            .message = fd->message,
            .path = im->path,
            .member = im->member,
            .where_kind = ev && ev->name ? ev->what : NULL,
            .where_name = ev ? ev->name : NULL,
        };
        ss_sarif_add(r->state, &res);
    }
}

static void sarif_input(ss_report *r, const ss_input *in, const ss_totals *t)
{
    (void)t;
    for (size_t u = 0; u < in->nunits; u++)
        if (in->units[u].image)
            sarif_image(r, in->units[u].image);
}

static void sarif_end(ss_report *r)
{
    ss_sarif_end(r->state);
    r->state = NULL;
}

const ss_emitter ss_emitter_sarif = {
    .name = "sarif",
    .about = "the findings as SARIF 2.1.0 (code scanning)",
    .begin = sarif_begin,
    .input = sarif_input,
    .end = sarif_end,
};
