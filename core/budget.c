/* budget.c - parsing budget files (YAML through libyaml's document API, which keeps the line
 * and column of every node for messages). */
#include "budget.h"

#include <errno.h>   /* errno */
#include <fnmatch.h> /* fnmatch */
#include <stdarg.h>  /* va_list */
#include <stdio.h>   /* fopen, snprintf */
#include <stdlib.h>  /* calloc, free */
#include <string.h>  /* strcmp, strdup */
#include <yaml.h>    /* yaml_parser_*, yaml_document_* */

/* A budget file larger than this is refused: budgets are written by hand. */
#define BUDGET_MAX_BYTES (4u << 20)

static const char *const metric_names[SS_MET_COUNT] = {
    [SS_MET_FILE_SIZE] = "file-size",
    [SS_MET_VM_SIZE] = "vm-size",
    [SS_MET_GZIP_SIZE] = "gzip-size",
    [SS_MET_TEXT] = "text",
    [SS_MET_DATA] = "data",
    [SS_MET_BSS] = "bss",
    [SS_MET_MOVABLE_ZERO] = "movable-zero-bytes",
    [SS_MET_ZERO_INIT] = "zero-init-bytes",
    [SS_MET_STRING_WASTE] = "string-waste",
    [SS_MET_LITERAL_WASTE] = "duplicate-literal-bytes",
};

static const char *const policy_names[SS_POL_COUNT] = {
    [SS_POL_FORBID_WX] = "forbid-wx",
    [SS_POL_REQUIRE_PIE] = "require-pie",
    [SS_POL_REQUIRE_FULL_RELRO] = "require-full-relro",
    [SS_POL_REQUIRE_NX_STACK] = "require-nx-stack",
    [SS_POL_REQUIRE_NX] = "require-nx",
    [SS_POL_FORBID_TEXTREL] = "forbid-textrel",
    [SS_POL_CHECK] = "require-<check>",
};

const char *ss_metric_name(ss_metric m)
{
    return (unsigned)m < SS_MET_COUNT ? metric_names[m] : "?";
}

const char *ss_policy_name(ss_policy_kind p)
{
    return (unsigned)p < SS_POL_COUNT ? policy_names[p] : "?";
}

const char *ss_check_rule_name(const ss_check_def *d, char *buf, size_t cap)
{
    int n = snprintf(buf, cap, "%s-%s", d->sense == SS_CHECK_HAZARD ? "forbid" : "require", d->key);
    for (int i = 0; i < n && (size_t)i < cap; i++)
        if (buf[i] == '_')
            buf[i] = '-';
    return buf;
}

const char *ss_rule_policy(const ss_rule *r)
{
    return r->policy == SS_POL_CHECK && r->check ? r->check_rule : ss_policy_name(r->policy);
}

/* The check a rule word names ("require-canary", "forbid-rpath"), or NULL. */
static const ss_check_def *check_rule(const char *word, char *name, size_t cap)
{
    size_t n;
    const ss_check_def *defs = ss_check_defs(&n);
    for (size_t i = 0; i < n; i++)
        if (strcmp(ss_check_rule_name(&defs[i], name, cap), word) == 0)
            return &defs[i];
    return NULL;
}

const char *ss_level_name(ss_level l)
{
    return l == SS_LEVEL_WARN ? "warn" : "fail";
}

/* ---- sizes and percentages ------------------------------------------------------------------ */

/* Parses "D[.F]" at *s; the value times `scale` goes to *out (fraction rounded down). An integer
 * part past 64 bits is held at 2^64, so that the caller's range check says "too large" (scale is
 * at most 2^30: nothing here can wrap 128 bits). */
static bool parse_decimal(const char **s, unsigned __int128 scale, unsigned __int128 *out)
{
    const char *p = *s;
    unsigned __int128 ip = 0, fp = 0, fden = 1;
    if (*p < '0' || *p > '9')
        return false;
    for (; *p >= '0' && *p <= '9'; p++) {
        ip = ip * 10 + (unsigned)(*p - '0');
        if (ip > UINT64_MAX)
            ip = (unsigned __int128)UINT64_MAX + 1;
    }
    if (*p == '.') {
        p++;
        if (*p < '0' || *p > '9')
            return false;
        for (int d = 0; *p >= '0' && *p <= '9'; p++, d++)
            if (d < 18) {
                fp = fp * 10 + (unsigned)(*p - '0');
                fden *= 10;
            }
    }
    *out = ip * scale + fp * scale / fden;
    *s = p;
    return true;
}

static const char *skip_spaces(const char *p)
{
    while (*p == ' ' || *p == '\t')
        p++;
    return p;
}

bool ss_parse_size(const char *s, uint64_t *out, const char **why)
{
    static const struct {
        const char *name;
        uint64_t mul;
    } units[] = {
        {"B", 1}, {"kB", 1000}, {"MB", 1000000}, {"GB", 1000000000},
        {"KiB", 1024}, {"MiB", 1024 * 1024}, {"GiB", 1024 * 1024 * 1024},
    };
    const char *p = skip_spaces(s);
    const char *num = p;
    while ((*p >= '0' && *p <= '9') || *p == '.')
        p++;
    const char *unit = skip_spaces(p);
    const char *uend = unit;
    while (*uend && *uend != ' ' && *uend != '\t')
        uend++;
    if (*skip_spaces(uend)) {
        *why = "a size is a number and one unit, like \"1.5 MiB\"";
        return false;
    }
    uint64_t mul = 0;
    if (unit == uend) {
        mul = 1;
    } else {
        for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
            if (strlen(units[i].name) == (size_t)(uend - unit) &&
                strncmp(units[i].name, unit, (size_t)(uend - unit)) == 0)
                mul = units[i].mul;
    }
    if (mul == 0) {
        *why = "bad size unit (use B, kB, MB, GB for powers of 10 or KiB, MiB, GiB for powers of "
               "2)";
        return false;
    }
    unsigned __int128 v;
    const char *q = num;
    if (!parse_decimal(&q, mul, &v) || q != p) {
        *why = "a size starts with a number, like \"1.5 MiB\" or \"4096\"";
        return false;
    }
    if (v > UINT64_MAX) {
        *why = "size too large";
        return false;
    }
    *out = (uint64_t)v;
    return true;
}

bool ss_parse_percent(const char *s, uint64_t *ppm, const char **why)
{
    const char *p = skip_spaces(s);
    unsigned __int128 v;
    if (!parse_decimal(&p, 10000, &v) || *(p = skip_spaces(p)) != '%' || *skip_spaces(p + 1)) {
        *why = "a percentage is a number followed by %, like \"2.5%\"";
        return false;
    }
    if (v > UINT64_MAX) {
        *why = "percentage too large";
        return false;
    }
    *ppm = (uint64_t)v;
    return true;
}

/* ---- globs ---------------------------------------------------------------------------------- */

bool ss_globs_match(const ss_globs *g, const char *name)
{
    if (g->n == 0)
        return true;
    for (size_t i = 0; i < g->n; i++)
        if (fnmatch(g->items[i], name, 0) == 0)
            return true;
    return false;
}

static void globs_free(ss_globs *g)
{
    for (size_t i = 0; i < g->n; i++)
        free(g->items[i]);
    free(g->items);
}

/* ---- the YAML document ---------------------------------------------------------------------- */

typedef struct {
    const char *path;
    yaml_document_t *doc;
    char *err;
    size_t errlen;
    bool failed;
} ctx;

static ss_pos pos_of(const yaml_node_t *n)
{
    ss_pos p = {(unsigned)n->start_mark.line + 1, (unsigned)n->start_mark.column + 1};
    return p;
}

__attribute__((format(printf, 3, 4))) static bool fail_at(ctx *c, const yaml_node_t *n,
                                                          const char *fmt, ...)
{
    if (c->failed)
        return false;
    c->failed = true;
    int k = snprintf(c->err, c->errlen, "%s:%u:%u: ", c->path, (unsigned)n->start_mark.line + 1,
                     (unsigned)n->start_mark.column + 1);
    if (k < 0 || (size_t)k >= c->errlen)
        return false;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->err + k, c->errlen - (size_t)k, fmt, ap);
    va_end(ap);
    return false;
}

static const char *scalar(const yaml_node_t *n)
{
    return n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

/* The printable form of a scalar in a message: cut, with control bytes replaced. */
static const char *shown(const char *s, char buf[64])
{
    size_t i = 0;
    for (; s[i] && i < 60; i++)
        buf[i] = (unsigned char)s[i] < 0x20 || s[i] == 0x7f ? '?' : s[i];
    buf[i] = '\0';
    if (s[i])
        strcpy(buf + 57, "...");
    return buf;
}

static bool want_scalar(ctx *c, const yaml_node_t *v, const char *key, const char **out)
{
    *out = scalar(v);
    if (*out == NULL)
        return fail_at(c, v, "'%s' wants a single value", key);
    return true;
}

static bool add_glob(ctx *c, ss_globs *g, const yaml_node_t *v, const char *key)
{
    const char *s = scalar(v);
    if (s == NULL || s[0] == '\0')
        return fail_at(c, v, "'%s' wants a pattern or a list of patterns", key);
    char **items = realloc(g->items, (g->n + 1) * sizeof *items);
    if (items == NULL)
        return fail_at(c, v, "out of memory");
    g->items = items;
    if ((g->items[g->n] = strdup(s)) == NULL)
        return fail_at(c, v, "out of memory");
    g->n++;
    return true;
}

/* A pattern or a list of patterns. */
static bool parse_globs(ctx *c, const yaml_node_t *v, const char *key, ss_globs *g)
{
    if (v->type == YAML_SEQUENCE_NODE) {
        if (v->data.sequence.items.start == v->data.sequence.items.top)
            return fail_at(c, v, "'%s' is an empty list", key);
        for (yaml_node_item_t *it = v->data.sequence.items.start; it < v->data.sequence.items.top;
             it++)
            if (!add_glob(c, g, yaml_document_get_node(c->doc, *it), key))
                return false;
        return true;
    }
    return add_glob(c, g, v, key);
}

static bool parse_level(ctx *c, const yaml_node_t *v, ss_level *out)
{
    const char *s;
    if (!want_scalar(c, v, "level", &s))
        return false;
    if (strcmp(s, "fail") == 0)
        *out = SS_LEVEL_FAIL;
    else if (strcmp(s, "warn") == 0)
        *out = SS_LEVEL_WARN;
    else {
        char b[64];
        return fail_at(c, v, "unknown level '%s' (fail or warn)", shown(s, b));
    }
    return true;
}

static bool parse_bool(ctx *c, const yaml_node_t *v, const char *key, bool *out)
{
    const char *s;
    if (!want_scalar(c, v, key, &s))
        return false;
    if (strcmp(s, "true") == 0 || strcmp(s, "yes") == 0)
        *out = true;
    else if (strcmp(s, "false") == 0 || strcmp(s, "no") == 0)
        *out = false;
    else
        return fail_at(c, v, "'%s' wants true or false", key);
    return true;
}

#define FOR_PAIRS(c, map, k, v)                                                              \
    for (yaml_node_pair_t *pair_ = (map)->data.mapping.pairs.start;                          \
         pair_ < (map)->data.mapping.pairs.top; pair_++)                                     \
        for (const yaml_node_t *k = yaml_document_get_node((c)->doc, pair_->key),            \
                               *v = yaml_document_get_node((c)->doc, pair_->value);          \
             k; k = NULL)

/* The key of the pair at `at` in map; a key given twice is an error (a hand-edited file that
 * says `max:` twice means one of them by mistake). */
static bool key_of(ctx *c, const yaml_node_t *map, const yaml_node_pair_t *at,
                   const yaml_node_t *k, const char **out)
{
    *out = scalar(k);
    if (*out == NULL)
        return fail_at(c, k, "keys are plain words");
    for (const yaml_node_pair_t *p = map->data.mapping.pairs.start; p < at; p++) {
        const yaml_node_t *e = yaml_document_get_node(c->doc, p->key);
        const char *ek = e ? scalar(e) : NULL;
        if (ek && strcmp(ek, *out) == 0) {
            char b[64];
            return fail_at(c, k, "duplicate key '%s' (first at line %u)", shown(*out, b),
                           (unsigned)e->start_mark.line + 1);
        }
    }
    return true;
}

const char *ss_scope_key(ss_scope s)
{
    switch (s) {
    case SS_SCOPE_SECTION: return "section";
    case SS_SCOPE_SEGMENT: return "segment";
    case SS_SCOPE_KIND: return "kind";
    case SS_SCOPE_SYMBOLS: return "symbols";
    case SS_SCOPE_UNITS: return "compileunits";
    case SS_SCOPE_CRATES: return "crates";
    default: return "";
    }
}

static bool set_scope(ctx *c, ss_rule *r, const yaml_node_t *k, const yaml_node_t *v,
                      ss_scope scope, const char *key)
{
    const char *s;
    if (r->scope != SS_SCOPE_ALL)
        return fail_at(c, k, "a rule measures one of section, segment, kind, symbols, "
                             "compileunits or crates, not two");
    if (!want_scalar(c, v, key, &s))
        return false;
    if (s[0] == '\0')
        return fail_at(c, v, "'%s' is empty", key);
    r->scope = scope;
    r->scope_pos = pos_of(v);
    if (scope == SS_SCOPE_KIND) {
        for (int i = 0; i < SS_KIND_COUNT; i++)
            if (strcmp(s, ss_kind_name((ss_kind)i)) == 0) {
                r->kind = (ss_kind)i;
                return true;
            }
        char b[64];
        return fail_at(c, v,
                       "unknown kind '%s' (code, rodata, data, bss, tls-data, tls-bss, relro, "
                       "debug, metadata, other)",
                       shown(s, b));
    }
    if ((r->scope_name = strdup(s)) == NULL)
        return fail_at(c, v, "out of memory");
    return true;
}

static bool parse_metric(ctx *c, const yaml_node_t *v, ss_metric *out)
{
    const char *s;
    if (!want_scalar(c, v, "metric", &s))
        return false;
    for (int i = 0; i < SS_MET_COUNT; i++)
        if (strcmp(s, metric_names[i]) == 0) {
            *out = (ss_metric)i;
            return true;
        }
    char b[64];
    return fail_at(c, v,
                   "unknown metric '%s' (file-size, vm-size, gzip-size, text, data, bss, "
                   "movable-zero-bytes, zero-init-bytes, string-waste, duplicate-literal-bytes)",
                   shown(s, b));
}

static bool parse_budget_rule(ctx *c, const yaml_node_t *n, ss_rule *r)
{
    if (n->type != YAML_MAPPING_NODE)
        return fail_at(c, n, "a budget is a mapping (metric:, max:, ...)");
    r->pos = pos_of(n);
    bool has_metric = false;
    const yaml_node_t *metric_node = n, *growth_node = NULL;
    FOR_PAIRS(c, n, k, v)
    {
        const char *key, *s;
        char b[64];
        if (!key_of(c, n, pair_, k, &key))
            return false;
        if (strcmp(key, "name") == 0) {
            if (!want_scalar(c, v, key, &s) || (r->name = strdup(s)) == NULL)
                return fail_at(c, v, "out of memory");
        } else if (strcmp(key, "artifacts") == 0 || strcmp(key, "artifact") == 0) {
            if (!parse_globs(c, v, key, &r->artifacts))
                return false;
        } else if (strcmp(key, "members") == 0 || strcmp(key, "member") == 0) {
            if (!parse_globs(c, v, key, &r->members))
                return false;
        } else if (strcmp(key, "metric") == 0) {
            if (!parse_metric(c, v, &r->metric))
                return false;
            has_metric = true;
            metric_node = v;
        } else if (strcmp(key, "section") == 0) {
            if (!set_scope(c, r, k, v, SS_SCOPE_SECTION, key))
                return false;
        } else if (strcmp(key, "segment") == 0) {
            if (!set_scope(c, r, k, v, SS_SCOPE_SEGMENT, key))
                return false;
        } else if (strcmp(key, "kind") == 0) {
            if (!set_scope(c, r, k, v, SS_SCOPE_KIND, key))
                return false;
        } else if (strcmp(key, "symbols") == 0) {
            if (!set_scope(c, r, k, v, SS_SCOPE_SYMBOLS, key))
                return false;
        } else if (strcmp(key, "compileunits") == 0 || strcmp(key, "crates") == 0) {
            if (!set_scope(c, r, k, v, key[0] == 'c' && key[1] == 'o' ? SS_SCOPE_UNITS
                                                                      : SS_SCOPE_CRATES, key))
                return false;
        } else if (strcmp(key, "allow-missing") == 0) {
            if (!parse_bool(c, v, key, &r->allow_missing))
                return false;
        } else if (strcmp(key, "optional") == 0) {
            if (!parse_bool(c, v, key, &r->optional))
                return false;
        } else if (strcmp(key, "max") == 0) {
            const char *why;
            if (!want_scalar(c, v, key, &s))
                return false;
            if (!ss_parse_size(s, &r->max, &why))
                return fail_at(c, v, "'%s': %s", shown(s, b), why);
            r->has_max = true;
        } else if (strcmp(key, "max-growth") == 0) {
            const char *why;
            if (!want_scalar(c, v, key, &s))
                return false;
            if (strchr(s, '%')) {
                if (!ss_parse_percent(s, &r->growth_ppm, &why))
                    return fail_at(c, v, "'%s': %s", shown(s, b), why);
                r->has_growth_ppm = true;
            } else {
                if (!ss_parse_size(s, &r->growth_bytes, &why))
                    return fail_at(c, v, "'%s': %s", shown(s, b), why);
                r->has_growth_bytes = true;
            }
            growth_node = v;
        } else if (strcmp(key, "level") == 0) {
            if (!parse_level(c, v, &r->level))
                return false;
        } else {
            return fail_at(c, k,
                           "unknown key '%s' in a budget (name, artifacts, members, metric, "
                           "section, segment, kind, symbols, compileunits, crates, allow-missing, "
                           "max, max-growth, level, "
                           "optional)",
                           shown(key, b));
        }
    }
    (void)growth_node;
    if (!has_metric)
        return fail_at(c, n, "a budget needs a metric");
    if (!r->has_max && !r->has_growth_bytes && !r->has_growth_ppm)
        return fail_at(c, n, "a budget needs a limit: max, max-growth or both");
    if (r->scope != SS_SCOPE_ALL && r->metric != SS_MET_FILE_SIZE && r->metric != SS_MET_VM_SIZE)
        return fail_at(c, metric_node,
                       "section, segment, kind, symbols, compileunits and crates go with the "
                       "metrics file-size and vm-size");
    if (r->allow_missing && (r->scope == SS_SCOPE_ALL || r->scope == SS_SCOPE_KIND))
        return fail_at(c, n, "allow-missing goes with a section, a segment, symbols, "
                             "compileunits or crates");
    if (r->name == NULL) {
        const char *m = ss_metric_name(r->metric);
        if (r->scope == SS_SCOPE_KIND)
            r->name = malloc(strlen(m) + 32);
        else
            r->name = malloc(strlen(m) + 24 + (r->scope_name ? strlen(r->scope_name) : 0));
        if (r->name == NULL)
            return fail_at(c, n, "out of memory");
        if (r->scope == SS_SCOPE_SYMBOLS || r->scope == SS_SCOPE_UNITS ||
            r->scope == SS_SCOPE_CRATES)
            sprintf(r->name, "%s %s %s", m, ss_scope_key(r->scope), r->scope_name);
        else if (r->scope == SS_SCOPE_SECTION || r->scope == SS_SCOPE_SEGMENT)
            sprintf(r->name, "%s %s", m, r->scope_name);
        else if (r->scope == SS_SCOPE_KIND)
            sprintf(r->name, "%s kind %s", m, ss_kind_name(r->kind));
        else
            strcpy(r->name, m);
    }
    return true;
}

static bool parse_allow(ctx *c, const yaml_node_t *n, ss_allow *a)
{
    if (n->type != YAML_MAPPING_NODE)
        return fail_at(c, n, "an allow entry is a mapping (artifacts:, sections:, reason:)");
    a->pos = pos_of(n);
    FOR_PAIRS(c, n, k, v)
    {
        const char *key, *s;
        char b[64];
        if (!key_of(c, n, pair_, k, &key))
            return false;
        if (strcmp(key, "artifacts") == 0 || strcmp(key, "artifact") == 0) {
            if (!parse_globs(c, v, key, &a->artifacts))
                return false;
        } else if (strcmp(key, "members") == 0 || strcmp(key, "member") == 0) {
            if (!parse_globs(c, v, key, &a->members))
                return false;
        } else if (strcmp(key, "sections") == 0 || strcmp(key, "section") == 0) {
            if (!parse_globs(c, v, key, &a->sections))
                return false;
        } else if (strcmp(key, "reason") == 0) {
            if (!want_scalar(c, v, key, &s))
                return false;
            if (s[0] == '\0')
                return fail_at(c, v, "an empty reason explains nothing");
            if ((a->reason = strdup(s)) == NULL)
                return fail_at(c, v, "out of memory");
        } else {
            return fail_at(c, k,
                           "unknown key '%s' in an allow entry (artifacts, members, sections, "
                           "reason)",
                           shown(key, b));
        }
    }
    if (a->reason == NULL)
        return fail_at(c, n, "an allow entry needs a reason");
    if (a->artifacts.n == 0 && a->members.n == 0 && a->sections.n == 0)
        return fail_at(c, n, "an allow entry names artifacts, members or sections");
    return true;
}

static bool parse_policy_rule(ctx *c, const yaml_node_t *n, ss_rule *r)
{
    if (n->type != YAML_MAPPING_NODE)
        return fail_at(c, n, "a policy rule is a mapping (rule:, artifacts:, allow:, ...)");
    r->pos = pos_of(n);
    r->is_policy = true;
    bool has_rule = false;
    const yaml_node_t *allow_node = NULL;
    FOR_PAIRS(c, n, k, v)
    {
        const char *key, *s;
        char b[64];
        if (!key_of(c, n, pair_, k, &key))
            return false;
        if (strcmp(key, "name") == 0) {
            if (!want_scalar(c, v, key, &s) || (r->name = strdup(s)) == NULL)
                return fail_at(c, v, "out of memory");
        } else if (strcmp(key, "rule") == 0) {
            if (!want_scalar(c, v, key, &s))
                return false;
            int i = 0;
            for (; i < SS_POL_CHECK; i++)
                if (strcmp(s, policy_names[i]) == 0)
                    break;
            if (i == SS_POL_CHECK &&
                (r->check = check_rule(s, r->check_rule, sizeof r->check_rule)) == NULL)
                return fail_at(c, v,
                               "unknown policy rule '%s' (forbid-wx, require-pie, "
                               "require-full-relro, require-nx-stack, require-nx, "
                               "forbid-textrel, require-<check> or forbid-<check> for the checks of "
                               "man segscan, HARDENING CHECKS: require-canary, forbid-rpath ...)",
                               shown(s, b));
            r->policy = (ss_policy_kind)i;
            has_rule = true;
        } else if (strcmp(key, "artifacts") == 0 || strcmp(key, "artifact") == 0) {
            if (!parse_globs(c, v, key, &r->artifacts))
                return false;
        } else if (strcmp(key, "members") == 0 || strcmp(key, "member") == 0) {
            if (!parse_globs(c, v, key, &r->members))
                return false;
        } else if (strcmp(key, "level") == 0) {
            if (!parse_level(c, v, &r->level))
                return false;
        } else if (strcmp(key, "optional") == 0) {
            if (!parse_bool(c, v, key, &r->optional))
                return false;
        } else if (strcmp(key, "allow") == 0) {
            if (v->type != YAML_SEQUENCE_NODE)
                return fail_at(c, v, "'allow' is a list of entries");
            allow_node = v;
        } else {
            return fail_at(c, k,
                           "unknown key '%s' in a policy rule (name, rule, artifacts, members, "
                           "level, optional, allow)",
                           shown(key, b));
        }
    }
    if (!has_rule)
        return fail_at(c, n, "a policy rule needs 'rule:' (forbid-wx, require-pie, ...)");
    if (allow_node) {
        size_t na = (size_t)(allow_node->data.sequence.items.top -
                             allow_node->data.sequence.items.start);
        r->allow = calloc(na ? na : 1, sizeof *r->allow);
        if (r->allow == NULL)
            return fail_at(c, allow_node, "out of memory");
        for (size_t i = 0; i < na; i++) {
            r->nallow++;
            const yaml_node_t *an =
                yaml_document_get_node(c->doc, allow_node->data.sequence.items.start[i]);
            if (!parse_allow(c, an, &r->allow[i]))
                return false;
            if (r->allow[i].sections.n && r->policy != SS_POL_FORBID_WX)
                return fail_at(c, an, "sections can be exempted from forbid-wx only");
        }
    }
    if (r->name == NULL && (r->name = strdup(ss_rule_policy(r))) == NULL)
        return fail_at(c, n, "out of memory");
    return true;
}

static bool parse_rules(ctx *c, ss_budget *b, const yaml_node_t *seq, bool policy)
{
    if (seq->type != YAML_SEQUENCE_NODE)
        return fail_at(c, seq, "'%s' is a list", policy ? "policy" : "budgets");
    size_t n = (size_t)(seq->data.sequence.items.top - seq->data.sequence.items.start);
    ss_rule *rules = realloc(b->rules, (b->nrules + n + 1) * sizeof *rules);
    if (rules == NULL)
        return fail_at(c, seq, "out of memory");
    b->rules = rules;
    for (size_t i = 0; i < n; i++) {
        ss_rule *r = &b->rules[b->nrules++];
        memset(r, 0, sizeof *r);
        const yaml_node_t *rn = yaml_document_get_node(c->doc, seq->data.sequence.items.start[i]);
        if (!(policy ? parse_policy_rule(c, rn, r) : parse_budget_rule(c, rn, r)))
            return false;
    }
    return true;
}

static bool parse_top(ctx *c, ss_budget *b)
{
    const yaml_node_t *root = yaml_document_get_root_node(c->doc);
    if (root == NULL) {
        snprintf(c->err, c->errlen, "%s:1:1: the budget file is empty", c->path);
        return false;
    }
    if (root->type != YAML_MAPPING_NODE)
        return fail_at(c, root, "a budget file is a mapping with 'budgets:' and/or 'policy:'");
    bool any = false;
    FOR_PAIRS(c, root, k, v)
    {
        const char *key, *s;
        char buf[64];
        if (!key_of(c, root, pair_, k, &key))
            return false;
        if (strcmp(key, "version") == 0) {
            if (!want_scalar(c, v, key, &s))
                return false;
            if (strcmp(s, "1") != 0)
                return fail_at(c, v, "unknown budget file version '%s' (this segscan reads 1)",
                               shown(s, buf));
        } else if (strcmp(key, "budgets") == 0) {
            if (!parse_rules(c, b, v, false))
                return false;
            any = true;
        } else if (strcmp(key, "policy") == 0) {
            if (!parse_rules(c, b, v, true))
                return false;
            any = true;
        } else {
            return fail_at(c, k, "unknown key '%s' (version, budgets, policy)", shown(key, buf));
        }
    }
    if (!any)
        return fail_at(c, root, "the budget file has neither 'budgets:' nor 'policy:'");
    return true;
}

/* The parser's error as FILE:LINE:COLUMN: syntax error: ... in err. */
static void syntax_error(const yaml_parser_t *parser, const char *path, char *err, size_t errlen)
{
    const char *problem = parser->problem ? parser->problem : "cannot be read";
    if (parser->error == YAML_MEMORY_ERROR)
        snprintf(err, errlen, "%s: out of memory", path);
    else if (parser->context)
        snprintf(err, errlen, "%s:%u:%u: syntax error: %s %s that starts at %u:%u", path,
                 (unsigned)parser->problem_mark.line + 1, (unsigned)parser->problem_mark.column + 1,
                 problem, parser->context, (unsigned)parser->context_mark.line + 1,
                 (unsigned)parser->context_mark.column + 1);
    else
        snprintf(err, errlen, "%s:%u:%u: syntax error: %s", path,
                 (unsigned)parser->problem_mark.line + 1, (unsigned)parser->problem_mark.column + 1,
                 problem);
}

/* A budget file is one YAML document. Whatever follows a second '---' (a whole policy, even a
 * syntax error) would otherwise be read by nobody, and the file would say less than it looks:
 * a second document is refused at its position, and a syntax error in it is reported. */
static bool refuse_more_documents(yaml_parser_t *parser, const char *path, char *err,
                                  size_t errlen)
{
    yaml_document_t more;
    if (!yaml_parser_load(parser, &more)) {
        syntax_error(parser, path, err, errlen);
        return false;
    }
    bool extra = yaml_document_get_root_node(&more) != NULL;
    yaml_mark_t at = more.start_mark;
    yaml_document_delete(&more);
    if (extra)
        snprintf(err, errlen,
                 "%s:%u:%u: a second YAML document: a budget file is one document (remove the "
                 "'---' and merge its keys into the first)",
                 path, (unsigned)at.line + 1, (unsigned)at.column + 1);
    return !extra;
}

/* ---- bounds checked before the document is built -------------------------------------
 *
 * libyaml's document loader keeps every node and resolves an alias to its anchor's node, so a
 * walk over the document visits an anchored subtree once per alias ("billion laughs": ten
 * aliases of ten aliases of ... make 10^8 globs from a few hundred bytes), and 100,000 nested
 * flow sequences took more than 20 s. One pass over libyaml's events first, stopping at the
 * first event past a bound, measures nesting, nodes, and the nodes the walk would visit with
 * every alias expanded (an anchor's size is counted when it ends, aliases inside it included).
 * A hand-written budget is far below each bound. */
#define YAML_MAX_DEPTH 64
#define YAML_MAX_EXPANDED 1000000 /* nodes, aliases expanded; a 4 MiB file holds ~1M plain */

typedef struct {
    char *name;
    uint64_t size; /* nodes the anchored node stands for, aliases expanded */
} anchor;

typedef struct {
    anchor *slot; /* open addressing, power-of-two capacity */
    size_t cap, n;
} anchors;

static uint64_t name_hash(const char *s)
{
    uint64_t h = 1469598103934665603u;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211u;
    return h;
}

static anchor *anchor_find(anchors *t, const char *name)
{
    if (t->cap == 0)
        return NULL;
    for (size_t i = name_hash(name) & (t->cap - 1);; i = (i + 1) & (t->cap - 1)) {
        if (t->slot[i].name == NULL || strcmp(t->slot[i].name, name) == 0)
            return &t->slot[i];
    }
}

static bool anchor_set(anchors *t, const char *name, uint64_t size)
{
    if (2 * (t->n + 1) > t->cap) {
        anchors g = {calloc(t->cap ? 2 * t->cap : 64, sizeof(anchor)), t->cap ? 2 * t->cap : 64, 0};
        if (g.slot == NULL)
            return false;
        for (size_t i = 0; i < t->cap; i++)
            if (t->slot[i].name) {
                *anchor_find(&g, t->slot[i].name) = t->slot[i];
                g.n++;
            }
        free(t->slot);
        *t = g;
    }
    anchor *a = anchor_find(t, name);
    if (a->name == NULL) {
        if ((a->name = strdup(name)) == NULL)
            return false;
        t->n++;
    }
    a->size = size;
    return true;
}

static void anchors_free(anchors *t)
{
    for (size_t i = 0; i < t->cap; i++)
        free(t->slot[i].name);
    free(t->slot);
}

/* Checks the bounds above; on a refusal writes FILE:LINE:COLUMN and why to err. A syntax error
 * is left to the loader, which says it the same way as before. */
static bool yaml_bounded(const char *path, const char *text, size_t len, char *err,
                         size_t errlen)
{
    yaml_parser_t p;
    if (!yaml_parser_initialize(&p)) {
        snprintf(err, errlen, "%s: out of memory", path);
        return false;
    }
    yaml_parser_set_input_string(&p, (const unsigned char *)text, len);
    anchors t = {0};
    /* Open collections: the expanded count when each began and its anchor (or NULL). */
    struct {
        uint64_t at;
        char *anchor;
    } open[YAML_MAX_DEPTH + 1];
    size_t depth = 0;
    uint64_t expanded = 0;
    bool ok = true, done = false;
    const char *why = NULL;
    yaml_event_t ev;
    while (ok && !done && yaml_parser_parse(&p, &ev)) {
        const char *name = NULL;
        switch (ev.type) {
        case YAML_STREAM_END_EVENT:
            done = true;
            break;
        case YAML_SCALAR_EVENT:
            expanded++;
            if (ev.data.scalar.anchor && !anchor_set(&t, (char *)ev.data.scalar.anchor, 1))
                why = "out of memory";
            break;
        case YAML_ALIAS_EVENT: {
            anchor *a = anchor_find(&t, (char *)ev.data.alias.anchor);
            expanded += a && a->name ? a->size : 1;
            break;
        }
        case YAML_SEQUENCE_START_EVENT:
        case YAML_MAPPING_START_EVENT:
            name = (char *)(ev.type == YAML_SEQUENCE_START_EVENT ? ev.data.sequence_start.anchor
                                                                 : ev.data.mapping_start.anchor);
            if (depth == YAML_MAX_DEPTH) {
                why = "nested more than 64 levels deep";
                break;
            }
            expanded++;
            open[depth].at = expanded;
            open[depth].anchor = name ? strdup(name) : NULL;
            if (name && open[depth].anchor == NULL)
                why = "out of memory";
            depth++;
            break;
        case YAML_SEQUENCE_END_EVENT:
        case YAML_MAPPING_END_EVENT:
            if (depth > 0) {
                depth--;
                if (open[depth].anchor &&
                    !anchor_set(&t, open[depth].anchor, expanded - open[depth].at + 1))
                    why = "out of memory";
                free(open[depth].anchor);
            }
            break;
        default:
            break;
        }
        if (why == NULL && expanded > YAML_MAX_EXPANDED)
            why = "more than 1000000 nodes once aliases are expanded";
        if (why) {
            snprintf(err, errlen, "%s:%u:%u: %s", path, (unsigned)ev.start_mark.line + 1,
                     (unsigned)ev.start_mark.column + 1, why);
            ok = false;
        }
        yaml_event_delete(&ev);
    }
    while (depth > 0)
        free(open[--depth].anchor);
    anchors_free(&t);
    yaml_parser_delete(&p);
    return ok;
}

ss_budget *ss_budget_parse(const char *path, const char *text, size_t len, char *err,
                           size_t errlen)
{
    if (!yaml_bounded(path, text, len, err, errlen))
        return NULL;
    yaml_parser_t parser;
    yaml_document_t doc;
    ss_budget *b = calloc(1, sizeof *b);
    if (b == NULL || (b->path = strdup(path)) == NULL || !yaml_parser_initialize(&parser)) {
        snprintf(err, errlen, "%s: out of memory", path);
        ss_budget_free(b);
        return NULL;
    }
    yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
    if (!yaml_parser_load(&parser, &doc)) {
        syntax_error(&parser, path, err, errlen);
        yaml_parser_delete(&parser);
        ss_budget_free(b);
        return NULL;
    }
    ctx c = {.path = path, .doc = &doc, .err = err, .errlen = errlen};
    bool ok = parse_top(&c, b) && refuse_more_documents(&parser, path, err, errlen);
    yaml_document_delete(&doc);
    yaml_parser_delete(&parser);
    if (!ok) {
        ss_budget_free(b);
        return NULL;
    }
    return b;
}

ss_budget *ss_budget_load(const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        snprintf(err, errlen, "%s: cannot open the budget file: %s", path, strerror(errno));
        return NULL;
    }
    char *text = malloc(BUDGET_MAX_BYTES + 1);
    size_t n = text ? fread(text, 1, BUDGET_MAX_BYTES + 1, f) : 0;
    bool bad = ferror(f) != 0;
    fclose(f);
    if (text == NULL || bad || n > BUDGET_MAX_BYTES) {
        snprintf(err, errlen, "%s: %s", path,
                 text == NULL ? "out of memory"
                 : bad        ? "cannot read the budget file"
                              : "budget file larger than 4 MiB");
        free(text);
        return NULL;
    }
    ss_budget *b = ss_budget_parse(path, text, n, err, errlen);
    free(text);
    return b;
}

void ss_budget_free(ss_budget *b)
{
    if (b == NULL)
        return;
    for (size_t i = 0; i < b->nrules; i++) {
        ss_rule *r = &b->rules[i];
        free(r->name);
        free(r->scope_name);
        globs_free(&r->artifacts);
        globs_free(&r->members);
        for (size_t j = 0; j < r->nallow; j++) {
            globs_free(&r->allow[j].artifacts);
            globs_free(&r->allow[j].members);
            globs_free(&r->allow[j].sections);
            free(r->allow[j].reason);
        }
        free(r->allow);
    }
    free(b->rules);
    free(b->path);
    free(b);
}
