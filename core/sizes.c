/* sizes.c - totals under the Berkeley rule. */
#include "sizes.h"

#include <string.h> /* memset */

void ss_sizes_compute(const ss_image *im, ss_sizes *out)
{
    memset(out, 0, sizeof *out);
    for (size_t i = 0; i < im->nsections; i++) {
        const ss_section *s = &im->sections[i];
        if (!s->alloc)
            continue;
        out->vm_total += s->vm_size;
        out->kind_vm[s->kind] += s->vm_size;
        if ((s->perms & SS_PERM_X) || !(s->perms & SS_PERM_W))
            out->text += s->vm_size;
        else if (s->kind == SS_KIND_BSS || s->kind == SS_KIND_TLS_BSS)
            out->bss += s->vm_size;
        else
            out->data += s->vm_size;
    }
    for (size_t i = 0; i < im->nsegments; i++)
        if (im->segments[i].loadable)
            out->segments_vm += im->segments[i].vm_size;
    for (size_t i = 0; i < im->nmap; i++) {
        const ss_map_entry *e = &im->map[i];
        switch (e->what) {
        case SS_MAP_SECTION: out->kind_file[im->sections[e->index].kind] += e->size; break;
        case SS_MAP_REGION: out->headers_file += e->size; break;
        case SS_MAP_PADDING: out->padding_file += e->size; break;
        case SS_MAP_UNMAPPED: out->unmapped_file += e->size; break;
        }
    }
}
