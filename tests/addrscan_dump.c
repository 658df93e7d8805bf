/* addrscan_dump.c - prints the address loads segscan's byte-pattern scan finds in a linked image
 * (formats/addrscan.h), one "at target" pair of hex addresses a line, for tests/addrscan_check.py
 * to compare with llvm-objdump-14's disassembly. usage: addrscan_dump [--mapped|--chunk N] FILE
 * --mapped scans the bytes where they are mapped instead of reading them 256 KiB at a time with
 * pread (ss_image_read); --chunk N reads N bytes at a time: every way must give the same list. */
#include <inttypes.h> /* PRIx64 */
#include <stdio.h>    /* printf, fprintf */
#include <stdlib.h>   /* free, strtoul */
#include <string.h>   /* strcmp */

#include "addrscan.h"
#include "formats.h"

int main(int argc, char **argv)
{
    bool mapped = argc == 3 && strcmp(argv[1], "--mapped") == 0;
    bool chunked = argc == 4 && strcmp(argv[1], "--chunk") == 0;
    size_t chunk = chunked ? strtoul(argv[2], NULL, 10) : 0;
    if ((argc != 2 && !mapped && !chunked) || (chunked && chunk == 0)) {
        fprintf(stderr, "usage: addrscan_dump [--mapped|--chunk N] FILE\n");
        return 2;
    }
    const char *path = argv[argc - 1];
    ss_input *in = ss_input_open(path);
    if (in == NULL) {
        fprintf(stderr, "addrscan_dump: cannot open %s\n", path);
        return 1;
    }
    ss_load_opts o = ss_load_opts_default();
    ss_formats_load(in, &o);
    int rc = 1;
    for (size_t i = 0; i < in->nunits; i++) {
        ss_addr_list l;
        if (in->units[i].image == NULL)
            continue;
        if (mapped)
            in->units[i].image->src_fd = -1;
        if (!(chunked ? ss_addrscan_image_chunked(in->units[i].image, chunk, &l)
                      : ss_addrscan_image(in->units[i].image, &l))) {
            fprintf(stderr, "addrscan_dump: out of memory\n");
            break;
        }
        for (size_t k = 0; k < l.n; k++)
            printf("%" PRIx64 " %" PRIx64 "\n", l.v[k].at, l.v[k].target);
        ss_addr_list_free(&l);
        rc = 0;
    }
    ss_input_free(in);
    return rc;
}
