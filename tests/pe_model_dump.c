/* pe_model_dump.c - prints what the PE reader puts in the model beyond the JSON report
 * (symbols, relocation targets, the PE props), one fact a line, for tests/pe_model.py to
 * compare with llvm-readobj-14. Test-only: it includes the library's internal headers. */
#include <inttypes.h> /* PRIx64 */
#include <stdio.h>    /* printf */
#include <string.h>   /* strcmp */

#include "formats.h"

/* A raw header field the reader recorded; 0 when it did not (a COFF object's optional-header
 * fields), which is what the model held for them before. */
static uint64_t field(const ss_image *im, const char *name)
{
    for (size_t i = 0; i < im->nfields; i++)
        if (strcmp(im->fields[i].name, name) == 0)
            return im->fields[i].value;
    return 0;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: pe_model_dump FILE\n");
        return 2;
    }
    ss_input *in = ss_input_open(argv[1]);
    if (in == NULL)
        return 3;
    ss_load_opts opts = ss_load_opts_default();
    ss_formats_load(in, &opts);
    int rc = in->status == SS_OK && in->nunits == 1 && in->units[0].image ? 0 : 3;
    if (rc == 0) {
        const ss_image *im = in->units[0].image;
        printf("props characteristics=0x%" PRIx64 " dll_characteristics=0x%" PRIx64
               " subsystem=%" PRIu64 " magic=0x%" PRIx64 " base_relocs=%" PRIu64 "\n",
               field(im, "Characteristics"), field(im, "DllCharacteristics"),
               field(im, "Subsystem"), field(im, "Magic"), field(im, "base_relocs"));
        for (size_t i = 0; i < im->nsymbols; i++) {
            const ss_symbol *s = &im->symbols[i];
            printf("sym %s value=0x%" PRIx64 " section=%" PRId64 " type=%d bind=%d defined=%d "
                   "size=%" PRIu64 "\n",
                   s->name, s->value, s->section, (int)s->type, (int)s->bind, (int)s->defined,
                   s->size);
        }
        for (size_t i = 0; i < im->nrelocs; i++) {
            const ss_reloc *r = &im->relocs[i];
            printf("reloc section=%" PRId64 " addr=0x%" PRIx64 " size=%u\n", (int64_t)r->section, r->addr,
                   r->size);
        }
        for (size_t i = 0; i < im->nwarnings; i++)
            printf("warning %s\n", im->warnings[i].message);
    }
    ss_input_free(in);
    return rc;
}
