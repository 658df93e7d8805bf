/* addrscan_dump.c - prints the address loads segscan's byte-pattern scan finds in a linked image
 * (formats/addrscan.h), one "at target" pair of hex addresses a line, for tests/addrscan_check.py
 * to compare with llvm-objdump-14's disassembly. usage: addrscan_dump FILE */
#include <inttypes.h> /* PRIx64 */
#include <stdio.h>    /* printf, fprintf */
#include <stdlib.h>   /* free */

#include "addrscan.h"
#include "formats.h"

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: addrscan_dump FILE\n");
        return 2;
    }
    ss_input *in = ss_input_open(argv[1]);
    if (in == NULL) {
        fprintf(stderr, "addrscan_dump: cannot open %s\n", argv[1]);
        return 1;
    }
    ss_load_opts o = ss_load_opts_default();
    ss_formats_load(in, &o);
    int rc = 1;
    for (size_t i = 0; i < in->nunits; i++) {
        ss_addr_load *l;
        size_t n;
        if (in->units[i].image == NULL)
            continue;
        if (!ss_addrscan_image(in->units[i].image, &l, &n)) {
            fprintf(stderr, "addrscan_dump: out of memory\n");
            break;
        }
        for (size_t k = 0; k < n; k++)
            printf("%" PRIx64 " %" PRIx64 "\n", l[k].at, l[k].target);
        free(l);
        rc = 0;
    }
    ss_input_free(in);
    return rc;
}
