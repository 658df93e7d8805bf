/* emitters.c - the table of output formats of every document (the report, check, diff). A new
 * format is one file in emit/ defining its ss_emitter, plus one line here. */
#include <stdio.h>  /* snprintf */
#include <string.h> /* strcmp, strlen */

#include "emit_internal.h"

extern const ss_emitter ss_emitter_text, ss_emitter_json, ss_emitter_dot, ss_emitter_ndjson,
    ss_emitter_csv, ss_emitter_sarif, ss_emitter_markdown, ss_emitter_junit;

static const ss_emitter *const TABLE[] = {
    &ss_emitter_text,
    &ss_emitter_json,
    &ss_emitter_dot,
    &ss_emitter_ndjson,
    &ss_emitter_csv,
    &ss_emitter_sarif,
    &ss_emitter_markdown,
    &ss_emitter_junit,
};

const ss_emitter *ss_emitter_at(size_t i)
{
    return i < sizeof TABLE / sizeof TABLE[0] ? TABLE[i] : NULL;
}

const ss_emitter *ss_emitter_find(const char *name)
{
    for (size_t i = 0; i < sizeof TABLE / sizeof TABLE[0]; i++)
        if (strcmp(TABLE[i]->name, name) == 0 || (TABLE[i]->alias && strcmp(TABLE[i]->alias, name) == 0))
            return TABLE[i];
    return NULL;
}

const char *ss_emitter_name(const ss_emitter *e)
{
    return e->name;
}

const char *ss_emitter_about(const ss_emitter *e)
{
    return e->about;
}

bool ss_emitter_renders(const ss_emitter *e, ss_doc doc)
{
    switch (doc) {
    case SS_DOC_REPORT: return e->input != NULL;
    case SS_DOC_CHECK: return e->check != NULL;
    case SS_DOC_DIFF: return e->diff != NULL;
    case SS_DOC_WHERE: return e->where_match != NULL;
    }
    return false;
}

const char *ss_emitter_names(ss_doc doc, char *buf, size_t cap)
{
    size_t n = 0, k = 0, len = 0;
    for (size_t i = 0; i < sizeof TABLE / sizeof TABLE[0]; i++)
        n += ss_emitter_renders(TABLE[i], doc);
    buf[0] = '\0';
    for (size_t i = 0; i < sizeof TABLE / sizeof TABLE[0] && len < cap; i++) {
        if (!ss_emitter_renders(TABLE[i], doc))
            continue;
        k++;
        const char *sep = k == 1 ? "" : k == n ? " or " : ", ";
        int w = snprintf(buf + len, cap - len, "%s%s", sep, TABLE[i]->name);
        if (w < 0)
            break;
        len += (size_t)w;
    }
    return buf;
}

void ss_emit_check(FILE *f, const ss_emitter *e, const ss_check_result *c,
                   const ss_check_render_opts *o)
{
    if (e->check)
        e->check(f, c, o);
}

void ss_emit_diff(FILE *f, const ss_emitter *e, const ss_diff_result *d,
                  const ss_diff_render_opts *o)
{
    if (e->diff)
        e->diff(f, d, o);
}
