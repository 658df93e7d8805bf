/* refs_dump.c - prints the references into read-only data a reader finds (core/image.h ss_ref),
 * one "source addr len section" line each (source reloc, code or pair; hex address, decimal length;
 * section: the section referred to in a relocatable object, -1 for an address), for
 * tests/refs_check.py to compare with readelf, llvm-readobj and llvm-objdump. usage: refs_dump FILE */
#include <inttypes.h> /* PRIx64 */
#include <stdio.h>    /* printf, fprintf */

#include "formats.h"

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: refs_dump FILE\n");
        return 2;
    }
    ss_input *in = ss_input_open(argv[1]);
    if (in == NULL) {
        fprintf(stderr, "refs_dump: cannot open %s\n", argv[1]);
        return 1;
    }
    ss_load_opts o = ss_load_opts_default();
    o.refs = true;
    ss_formats_load(in, &o);
    static const char *const names[] = {"reloc", "code", "pair"};
    int rc = 1;
    for (size_t i = 0; i < in->nunits; i++) {
        const ss_image *im = in->units[i].image;
        if (im == NULL) {
            fprintf(stderr, "refs_dump: %s: %s\n", argv[1], in->units[i].diag.msg);
            continue;
        }
        for (size_t k = 0; k < im->nwarnings; k++)
            fprintf(stderr, "refs_dump: %s: warning: %s\n", argv[1], im->warnings[k].message);
        for (size_t k = 0; k < im->nrefs; k++) {
            const ss_ref *r = &im->refs[k];
            printf("%s %" PRIx64 " %" PRIu32 " %" PRId32 "\n",
                   r->source < 3 ? names[r->source] : "?", r->addr, r->len, r->section);
        }
        rc = 0;
    }
    ss_input_free(in);
    return rc;
}
