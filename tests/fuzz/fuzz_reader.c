/* fuzz_reader.c - a libFuzzer target for one reader's in-memory entry point.
 *
 * Compiled once per reader with -DSS_FUZZ_READER=ss_reader_elf (or _pe, _macho). The reader's
 * probe decides, as in production; when it says no, the load is still attempted so that the
 * reader's own checks are exercised on bytes its probe would reject. An image that loads also
 * goes through the address-load scan (formats/addrscan.h) over the bytes as a buffer; the
 * fuzz_report target runs it inside the literals analysis, as the command does. */
#include <stdint.h> /* uint8_t */
#include <stdlib.h> /* malloc, free */
#include <string.h> /* memcpy */

#include "addrscan.h"
#include "reader.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* Readers get their own copy: libelf's API takes a non-const buffer. */
    uint8_t *copy = malloc(size ? size : 1);
    if (copy == NULL)
        return 0;
    memcpy(copy, data, size);
    ss_image *im = ss_image_new((ss_span){copy, size}, 0, "fuzz", NULL, (size_t)64 << 20);
    if (im) {
        ss_load_opts opts = ss_load_opts_default();
        ss_diag d = {0};
        if (SS_FUZZ_READER.load(im, &opts, &d) == SS_OK) {
            /* The address-load scan over whatever code sections the bytes claim. */
            ss_addr_list l;
            if (ss_addrscan_image(im, &l))
                ss_addr_list_free(&l);
        }
        ss_image_free(im);
    }
    free(copy);
    return 0;
}
