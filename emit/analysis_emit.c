/* analysis_emit.c - the writers of each analysis (core/analysis.h's registry has the analyses
 * themselves). A new analysis adds its text and JSON writers and one entry here. */
#include "analysis_emit.h"

static const ss_analysis_writer TABLE[] = {
    {SS_AN_BSS, "Savings", ss_text_bss, ss_json_bss},
    {SS_AN_STRINGS, "Savings", ss_text_strings, ss_json_strings},
    {SS_AN_LITERALS, "Savings", ss_text_literals, ss_json_literals},
    {SS_AN_PERMS, "Permissions", ss_text_perms, ss_json_perms},
};

const ss_analysis_writer *ss_analysis_writers(size_t *n)
{
    *n = sizeof TABLE / sizeof TABLE[0];
    return TABLE;
}
