/* perms.c - permissions and hardening properties, each a value (never absent).
 *
 * Only the format-free rules live here: W+X segments and sections, and read-only data in an
 * executable segment, decided from segment and section permissions. Everything a format means
 * (exec_stack, relro, pie, nx, textrel and the hardening checks) is decided by its reader and
 * read here from the image's checks. */

#include <string.h> /* memset */

#include "analysis.h"

static bool wx(uint8_t perms)
{
    return (perms & (SS_PERM_W | SS_PERM_X)) == (SS_PERM_W | SS_PERM_X);
}

static bool linked(const ss_image *im)
{
    return im->type != SS_TYPE_RELOCATABLE && im->type != SS_TYPE_CORE;
}

bool ss_perms_rodata_exec(const ss_image *im, size_t i)
{
    const ss_section *s = &im->sections[i];
    return s->alloc && s->kind == SS_KIND_RODATA && s->vm_size && s->segment >= 0 &&
           (size_t)s->segment < im->nsegments && (im->segments[s->segment].perms & SS_PERM_X);
}

void ss_perms_analyze(const ss_image *im, ss_perms_result *out)
{
    memset(out, 0, sizeof *out); /* SS_HV_NA everywhere */

    /* W+X segments: loadable ones of a program layout. */
    bool any_seg = false, wx_seg = false;
    for (size_t i = 0; i < im->nsegments; i++) {
        const ss_segment *g = &im->segments[i];
        if (!g->loadable)
            continue;
        any_seg = true;
        wx_seg |= wx(g->perms);
    }
    if (any_seg && !im->segments_not_layout && im->type != SS_TYPE_CORE)
        out->wx_segments = wx_seg ? SS_HV_YES : SS_HV_NO;

    bool any_sec = false, wx_sec = false;
    for (size_t i = 0; i < im->nsections; i++) {
        const ss_section *s = &im->sections[i];
        if (!s->alloc)
            continue;
        any_sec = true;
        wx_sec |= wx(s->perms);
    }
    if (any_sec && im->type != SS_TYPE_CORE)
        out->wx_sections = wx_sec ? SS_HV_YES : SS_HV_NO;

    /* Read-only data in an executable segment. */
    if (any_seg && linked(im)) {
        out->rodata_exec = SS_HV_NO;
        for (size_t i = 0; i < im->nsections; i++)
            if (ss_perms_rodata_exec(im, i))
                out->rodata_exec = SS_HV_YES;
    }

    /* The reader's decisions. */
    out->exec_stack = ss_image_check_value(im, "exec_stack");
    out->relro = ss_image_check_value(im, "relro");
    out->pie = ss_image_check_value(im, "pie");
    out->nx = ss_image_check_value(im, "nx");
    out->textrel = ss_image_check_value(im, "textrel");
}
