/* input.h - one input file: its mapping and the images found in it.
 *
 * A plain binary gives one unit; a static archive gives one per member; a universal (fat)
 * Mach-O gives one per slice (and an archive inside a slice, one per member of it). A unit is
 * either an image or the diagnostic that explains why that member could not be read, so one bad
 * member does not cost the report of the others. */
#ifndef SS_INPUT_H
#define SS_INPUT_H

#include <stddef.h> /* size_t */

#include "diag.h"
#include "image.h"
#include "span.h"

/* Files up to this size are read into memory rather than mapped (see input.c). */
#define SS_READ_MAX (1u << 20)

typedef struct {
    char *member;    /* owned; NULL for a plain file */
    ss_image *image; /* owned; NULL when loading failed */
    ss_diag diag;    /* why image is NULL (offsets are file offsets) */
    bool skipped;    /* an archive member that is no binary (bitcode, text): counted, no error */
    uint64_t offset, size; /* where the unit's bytes lie in the file */
} ss_unit;

typedef enum { SS_CONTAINER_NONE, SS_CONTAINER_ARCHIVE, SS_CONTAINER_UNIVERSAL } ss_container_kind;

typedef struct {
    char *path;                  /* owned copy of the path as given (without a "(MEMBER)") */
    char *select;                /* owned; MEMBER of a "FILE(MEMBER)" argument, else NULL: only
                                  * that archive member or universal slice becomes units */
    uint64_t unselected_bytes;   /* bytes of the members select left out */
    ss_span bytes;               /* the whole file: mapped, or borrowed from the caller */
    void *map_addr;              /* mmap address to unmap, or NULL when borrowed */
    void *read_buf;              /* malloc'ed copy of a small file (SS_READ_MAX), or NULL */
    size_t map_len;
    int fd;                      /* the mapped file, kept open for ss_image_read, or -1 (a
                                  * buffer, or more inputs keep theirs open than input.c allows) */
    int guard;                   /* mapguard slot of the mapping, or -1 */
    ss_container_kind container;
    ss_status status;            /* SS_OK, or why the input as a whole failed */
    ss_diag diag;
    ss_unit *units;
    size_t nunits, cap;
} ss_input;

/* Maps path read-only (copy-on-write private mapping; never a copy of the file), and keeps the
 * file open beside the mapping: on the project's VM a first touch of a mapped page costs about
 * 2.3 us (libLLVM-15's 117 MB: 65-77 ms), pread of the same bytes into a 256 KiB buffer 0.2 us a
 * page (21-23 ms, what cat takes), so a range read once in order is read with pread
 * (ss_image_read). On failure the
 * input carries the status and diagnostic and no bytes. Returns NULL only when out of memory.
 * A path that does not exist but reads "FILE(MEMBER)" with FILE a file (the name nm and size
 * give an archive member) opens FILE with select = MEMBER; a file whose name holds
 * parentheses is always taken as it is. */
ss_input *ss_input_open(const char *path);
/* An input over caller-owned bytes (for fuzzing and tests). */
ss_input *ss_input_from_buffer(const char *path, const void *p, size_t len);
/* True (and the input becomes one failure: its units are dropped, its diagnostic says at which
 * offset) when the file shrank under its mapping while it was read, i.e. some read since the
 * mapping was made found no file behind a page (see mapguard.h). */
bool ss_input_check_changed(ss_input *in);
/* Gives the pages of the mapped file back to the kernel once the analyses have read them (a
 * diff keeps two analyzed inputs while it compares them): the mapping stays valid, and a later
 * read (a name an emitter prints) brings its page back from the page cache. Nothing is done for
 * a small file read into memory, or when an image is of the other byte order: libelf may have
 * converted bytes in place there, and those private copies would be lost. */
void ss_input_release_pages(ss_input *in);
/* Frees units, images and the mapping. Accepts NULL. */
void ss_input_free(ss_input *in);
/* Appends a unit whose bytes are [offset, offset+size) of the file; takes ownership of image.
 * False on OOM (and the image is freed). */
bool ss_input_add_unit(ss_input *in, const char *member, ss_image *image, const ss_diag *diag,
                       uint64_t offset, uint64_t size);
/* Bytes of a container that belong to no unit: member headers, symbol and name tables,
 * universal headers, alignment padding (0 for a plain file); members that a selection left
 * out are members, not container bytes. */
uint64_t ss_input_container_bytes(const ss_input *in);
/* Number of units that failed (skipped members are not failures). */
size_t ss_input_failures(const ss_input *in);
/* "archive", "universal" or NULL. */
const char *ss_container_name(ss_container_kind k);

#endif
