/* reader.h - the one interface every format reader implements (internal to formats/).
 *
 * A reader has a name, a probe on the first bytes (no allocation, no side effects) and a load
 * that fills an ss_image from im->bytes or returns an error with an offset. Readers are listed in
 * one const table in registry.c. Containers (ar archives, universal binaries) have their own
 * small interface: they split the bytes into members and hand each back to the registry. */
#ifndef SS_READER_H
#define SS_READER_H

#include <stdbool.h> /* bool */

#include "../core/diag.h"
#include "../core/image.h"
#include "../core/span.h"
#include "formats.h"

typedef struct {
    const char *name;
    bool (*probe)(ss_span head);
    /* Fills im (format, sections, segments, symbols, relocs, regions, props) and calls
     * ss_image_finish. Offsets in d are image-relative; the registry adds base_offset. */
    ss_status (*load)(ss_image *im, const ss_load_opts *opts, ss_diag *d);
} ss_reader;

/* Called by a container for each member: name, the member's bytes, their file offset. */
typedef ss_status (*ss_member_fn)(void *ctx, const char *name, ss_span bytes, uint64_t offset);
/* Called by a container for a member it cannot hand over (a long name outside the name table, a
 * slice past the end of the file): d says why (offsets relative to the container's bytes), and
 * the bytes [offset, offset + size) of the container are that member's, so they are counted as a
 * failed member, not as container bytes. The container then goes on with the next member: one
 * bad part costs only itself. */
typedef void (*ss_member_bad_fn)(void *ctx, const char *name, const ss_diag *d, uint64_t offset,
                                 uint64_t size);

typedef struct {
    const char *name;
    ss_container_kind kind;
    bool (*probe)(ss_span head);
    /* Calls fn for each member in file order, bad for each member it cannot hand over. A failure
     * of the container structure itself (no way to find the next member) is returned (offsets
     * relative to bytes); failures of members are fn's and bad's business. */
    ss_status (*each)(ss_span bytes, ss_member_fn fn, ss_member_bad_fn bad, void *ctx,
                      ss_diag *d);
} ss_container;

extern const ss_reader ss_reader_elf;
extern const ss_reader ss_reader_pe;
extern const ss_reader ss_reader_macho;
extern const ss_container ss_container_ar;
extern const ss_container ss_container_fat;

#endif
