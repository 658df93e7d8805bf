/* emit.h - rendering analyzed inputs as text or JSON.
 *
 * Emitters only read the model; they never decide what a byte is. They write to the FILE the
 * caller gives (cmd/ owns the terminal); errors of inputs are rendered by ss_emit_errors. */
#ifndef SS_EMIT_H
#define SS_EMIT_H

#include <stdbool.h> /* bool */
#include <stddef.h>  /* size_t */
#include <stdio.h>   /* FILE */

#include "../core/input.h"

#define SS_JSON_SCHEMA_VERSION 1

typedef struct {
    size_t top;  /* -n: rows kept per table (the rest summed in one row); 0 keeps all */
    bool pretty; /* indent JSON */
} ss_emit_opts;

void ss_emit_text(FILE *f, ss_input *const *in, size_t n, const ss_emit_opts *o);
void ss_emit_json(FILE *f, ss_input *const *in, size_t n, const ss_emit_opts *o);
/* One line per failed input or member: "segscan: PATH(MEMBER): what (at offset 0x..)". */
void ss_emit_errors(FILE *f, ss_input *const *in, size_t n);

/* "123 B", "1.5 KiB", "110.2 MiB" into buf. */
const char *ss_human(uint64_t v, char buf[16]);

#endif
