/* emitters.c - the table of the report's output formats. A new format is one file in emit/
 * defining its ss_emitter, plus one line here. */
#include <string.h> /* strcmp */

#include "emit_internal.h"

extern const ss_emitter ss_emitter_text, ss_emitter_json, ss_emitter_dot, ss_emitter_ndjson,
    ss_emitter_csv, ss_emitter_sarif, ss_emitter_markdown;

static const ss_emitter *const TABLE[] = {
    &ss_emitter_text,
    &ss_emitter_json,
    &ss_emitter_dot,
    &ss_emitter_ndjson,
    &ss_emitter_csv,
    &ss_emitter_sarif,
    &ss_emitter_markdown,
};

const ss_emitter *ss_emitter_at(size_t i)
{
    return i < sizeof TABLE / sizeof TABLE[0] ? TABLE[i] : NULL;
}

const ss_emitter *ss_emitter_find(const char *name)
{
    for (size_t i = 0; i < sizeof TABLE / sizeof TABLE[0]; i++)
        if (strcmp(TABLE[i]->name, name) == 0)
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
