/* emitters.c - the emitter table: every output format of the report, one entry each. */
#include <string.h> /* strcmp */

#include "emit_internal.h"

static const ss_emitter *const table[] = {
    &ss_emitter_text,  &ss_emitter_json,  &ss_emitter_ndjson, &ss_emitter_csv,
    &ss_emitter_markdown, &ss_emitter_sarif, &ss_emitter_dot,
};

const ss_emitter *const *ss_emitters(size_t *n)
{
    *n = sizeof table / sizeof table[0];
    return table;
}

const ss_emitter *ss_emitter_find(const char *name)
{
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
        if (strcmp(table[i]->name, name) == 0)
            return table[i];
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
