/* sizes.c - totals under the Berkeley rule. */
#include "sizes.h"

#include <string.h> /* memset */

/* A core file's contents are its segments (the dumped memory), and GNU size reads them as
 * sections: each loadable segment's file bytes as one, the memory beyond them as another
 * without contents. The Berkeley rule then applies to those, as bfd does. */
static void core_totals(const ss_image *im, ss_sizes *out)
{
    out->text = out->data = out->bss = out->vm_total = 0;
    bool sat = false;
    for (size_t i = 0; i < im->nsegments; i++) {
        const ss_segment *g = &im->segments[i];
        if (!g->loadable)
            continue;
        bool ro = (g->perms & SS_PERM_X) || !(g->perms & SS_PERM_W);
        uint64_t file = g->file_size < g->vm_size ? g->file_size : g->vm_size;
        uint64_t rest = g->vm_size - file;
        sat |= ss_sat_add(&out->vm_total, g->vm_size);
        if (ro)
            sat |= ss_sat_add(&out->text, g->vm_size); /* file + rest */
        else {
            sat |= ss_sat_add(&out->data, file);
            sat |= ss_sat_add(&out->bss, rest);
        }
    }
    out->saturated |= sat;
}

void ss_sizes_compute(const ss_image *im, ss_sizes *out)
{
    memset(out, 0, sizeof *out);
    for (size_t i = 0; i < im->nsections; i++) {
        const ss_section *s = &im->sections[i];
        if (!s->alloc)
            continue;
        bool sat = ss_sat_add(&out->vm_total, s->vm_size);
        sat |= ss_sat_add(&out->kind_vm[s->kind], s->vm_size);
        if ((s->perms & SS_PERM_X) || !(s->perms & SS_PERM_W))
            sat |= ss_sat_add(&out->text, s->vm_size);
        else if (s->kind == SS_KIND_BSS || s->kind == SS_KIND_TLS_BSS)
            sat |= ss_sat_add(&out->bss, s->vm_size);
        else
            sat |= ss_sat_add(&out->data, s->vm_size);
        out->saturated |= sat;
    }
    for (size_t i = 0; i < im->nsegments; i++)
        if (im->segments[i].loadable)
            out->saturated |= ss_sat_add(&out->segments_vm, im->segments[i].vm_size);
    if (im->type == SS_TYPE_CORE)
        core_totals(im, out);
    for (size_t i = 0; i < im->nmap; i++) {
        const ss_map_entry *e = &im->map[i];
        switch (e->what) {
        /* the map covers the file once: these sums are at most its size */
        case SS_MAP_SECTION: out->kind_file[im->sections[e->index].kind] += e->size; break;
        case SS_MAP_REGION: out->headers_file += e->size; break;
        case SS_MAP_PADDING: out->padding_file += e->size; break;
        case SS_MAP_UNMAPPED: out->unmapped_file += e->size; break;
        }
    }
}
