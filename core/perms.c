/* perms.c - permissions and hardening properties, each a value (never absent).
 *
 * Only the format-free rules live here: W+X segments and sections, and read-only data in an
 * executable segment, decided from segment and section permissions. Everything a format means
 * (exec_stack, relro, pie, nx, textrel and the hardening checks) is decided by its reader and
 * read here from the image's checks. */

#include <stdio.h>  /* snprintf */
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

/* ", N more" after the first of n, into buf. */
static const char *more(char buf[40], size_t n)
{
    buf[0] = '\0';
    if (n > 1)
        snprintf(buf, 40, ", %zu more", n - 1);
    return buf;
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
    char p[4], m[40];

    /* W+X segments: loadable ones of a program layout. */
    size_t nseg = 0, nwx = 0, first = 0;
    for (size_t i = 0; i < im->nsegments; i++) {
        const ss_segment *g = &im->segments[i];
        if (!g->loadable)
            continue;
        nseg++;
        if (wx(g->perms) && nwx++ == 0)
            first = i;
    }
    if (nseg && !im->segments_not_layout && im->type != SS_TYPE_CORE) {
        out->wx_segments = nwx ? SS_HV_YES : SS_HV_NO;
        out->wx_segments_ev =
            nwx ? ss_arena_printf(im->arena, "segment %zu (%s) %s%s", first, im->segments[first].name,
                                  ss_perms_str(im->segments[first].perms, p),
                                  more(m, nwx))
                : ss_arena_printf(im->arena, "%zu loadable segment%s, none writable and executable",
                                  nseg, nseg == 1 ? "" : "s");
    }

    size_t nsec = 0;
    nwx = 0;
    for (size_t i = 0; i < im->nsections; i++) {
        const ss_section *s = &im->sections[i];
        if (!s->alloc)
            continue;
        nsec++;
        if (wx(s->perms) && nwx++ == 0)
            first = i;
    }
    if (nsec && im->type != SS_TYPE_CORE) {
        out->wx_sections = nwx ? SS_HV_YES : SS_HV_NO;
        out->wx_sections_ev =
            nwx ? ss_arena_printf(im->arena, "section %zu (%s) %s%s", first, im->sections[first].name,
                                  ss_perms_str(im->sections[first].perms, p),
                                  more(m, nwx))
                : ss_arena_printf(im->arena, "%zu allocated section%s, none writable and executable",
                                  nsec, nsec == 1 ? "" : "s");
    }

    /* Read-only data in an executable segment. */
    if (nseg && linked(im)) {
        size_t n = 0;
        for (size_t i = 0; i < im->nsections; i++)
            if (ss_perms_rodata_exec(im, i) && n++ == 0)
                first = i;
        out->rodata_exec = n ? SS_HV_YES : SS_HV_NO;
        if (n) {
            const ss_section *s = &im->sections[first];
            out->rodata_exec_ev = ss_arena_printf(
                im->arena, "section %zu (%s) in segment %lld (%s) %s%s", first, s->name,
                (long long)s->segment, im->segments[s->segment].name,
                ss_perms_str(im->segments[s->segment].perms, p),
                more(m, n));
        } else {
            out->rodata_exec_ev = "no read-only data section in an executable segment";
        }
    }

    /* The reader's decisions. */
    out->exec_stack = ss_image_check_value(im, "exec_stack");
    out->relro = ss_image_check_value(im, "relro");
    out->pie = ss_image_check_value(im, "pie");
    out->nx = ss_image_check_value(im, "nx");
    out->textrel = ss_image_check_value(im, "textrel");
}
