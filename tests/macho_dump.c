/* macho_dump.c - test-only: prints the parts of the model the JSON report does not carry
 * (symbols, relocation targets, Mach-O props, warnings) as plain lines, so the Mach-O tests can
 * compare them with llvm-nm and llvm-objdump. Exit 0 when every unit loaded, 3 otherwise.
 *
 *   macho_dump FILE...            dump
 *   macho_dump --mutate FILE...   load many in-memory variants of each file through the
 *                                 production entry point (every header/load-command word set
 *                                 to hostile values, random words and bytes elsewhere); a
 *                                 crash, sanitizer report or hang fails the test that runs it */
#include <inttypes.h> /* PRIx64 */
#include <stdio.h>    /* printf */
#include <stdlib.h>   /* malloc */
#include <string.h>   /* strcmp */

#include "formats.h"

static const char *sym_type(ss_sym_type t)
{
    static const char *const n[] = {"notype", "object", "func", "section",
                                    "file",   "tls",    "common", "other"};
    return (unsigned)t < sizeof n / sizeof n[0] ? n[t] : "?";
}

static const char *sym_bind(ss_sym_bind b)
{
    static const char *const n[] = {"local", "global", "weak", "other"};
    return (unsigned)b < sizeof n / sizeof n[0] ? n[b] : "?";
}

/* A raw header field the reader recorded (0 when absent). */
static uint64_t field(const ss_image *im, const char *name)
{
    for (size_t i = 0; i < im->nfields; i++)
        if (strcmp(im->fields[i].name, name) == 0)
            return im->fields[i].value;
    return 0;
}

static void dump(const ss_image *im)
{
    char p[4], mp[4];
    printf("image %s\n", im->member ? im->member : "-");
    printf("props flags=0x%" PRIx64 " filetype=%" PRIu64 " entry=%s0x%" PRIx64 "\n",
           field(im, "mach_header.flags"), field(im, "filetype"), im->has_entry ? "" : "none:",
           im->entry);
    for (size_t i = 0; i < im->nsegments; i++) {
        const ss_segment *g = &im->segments[i];
        printf("seg %zu %s perms=%s maxprot=%s loadable=%d\n", i, g->name,
               ss_perms_str(g->perms, p), ss_perms_str(g->maxprot, mp), g->loadable);
    }
    for (size_t i = 0; i < im->nsections; i++) {
        const ss_section *s = &im->sections[i];
        printf("sect %zu %s kind=%s perms=%s alloc=%d segment=%" PRId64 "\n", i, s->name,
               ss_kind_name(s->kind), ss_perms_str(s->perms, p), s->alloc, s->segment);
    }
    for (size_t i = 0; i < im->nsymbols; i++) {
        const ss_symbol *s = &im->symbols[i];
        printf("sym %s value=0x%" PRIx64 " size=%" PRIu64 " section=%" PRId64
               " type=%s bind=%s defined=%d\n",
               s->name, s->value, s->size, s->section, sym_type(s->type), sym_bind(s->bind),
               s->defined);
    }
    for (size_t i = 0; i < im->nrelocs; i++) {
        const ss_reloc *r = &im->relocs[i];
        printf("reloc section=%" PRId64 " addr=0x%" PRIx64 " size=%" PRIu32 "\n", (int64_t)r->section,
               r->addr, r->size);
    }
    for (size_t i = 0; i < im->nwarnings; i++)
        printf("warn %s\n", im->warnings[i].message);
}

static unsigned long loads, failures;

static void load_buffer(const uint8_t *p, size_t len)
{
    ss_input *in = ss_input_from_buffer("mutant", p, len);
    if (in == NULL)
        return;
    ss_formats_load(in, NULL);
    loads++;
    failures += in->status != SS_OK || ss_input_failures(in) > 0;
    ss_input_free(in);
}

static uint32_t lcg(uint64_t *state)
{
    *state = *state * 6364136223846793005ull + 1442695040888963407ull;
    return (uint32_t)(*state >> 33);
}

static int mutate(const char *path, uint64_t seed)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return 1;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    if (n < 8) {
        fclose(f);
        return 0;
    }
    size_t len = (size_t)n;
    uint8_t *b = malloc(len);
    if (b == NULL || fread(b, 1, len, f) != len) {
        fclose(f);
        free(b);
        return 1;
    }
    fclose(f);
    /* The structural part: a thin header and its load commands, or a universal arch table. */
    bool be = b[0] == 0xfe || b[0] == 0xca;
    size_t head = 8 + 42 * 32;
    if (len >= 28 && b[0] != 0xca)
        head = 32 + ss_load32(b + 20, be);
    if (head > len)
        head = len;
    if (head > 65536)
        head = 65536;
    uint32_t hostile[] = {0, 0xffffffffu, 0x80000000u, 0x7fffffffu, (uint32_t)len,
                          (uint32_t)len - 1, 0x10000u, 0, 0};
    size_t nh = sizeof hostile / sizeof hostile[0];
    for (size_t off = 0; off + 4 <= head; off += 4) {
        uint32_t orig = ss_load32(b + off, be);
        hostile[nh - 2] = orig + 1;
        hostile[nh - 1] = orig ^ 0x80u;
        for (size_t k = 0; k < nh; k++) {
            uint32_t v = hostile[k];
            for (int i = 0; i < 4; i++)
                b[off + (size_t)i] = (uint8_t)(be ? v >> (24 - 8 * i) : v >> (8 * i));
            load_buffer(b, len);
        }
        for (int i = 0; i < 4; i++)
            b[off + (size_t)i] = (uint8_t)(be ? orig >> (24 - 8 * i) : orig >> (8 * i));
    }
    /* Everywhere else (opcode streams, chains, symbol tables): random words and bytes. */
    uint64_t st = seed;
    for (int t = 0; t < 3000; t++) {
        size_t off = lcg(&st) % (len - 4);
        uint8_t save[4];
        memcpy(save, b + off, 4);
        if (t & 1)
            b[off] = (uint8_t)lcg(&st);
        else
            for (int i = 0; i < 4; i++)
                b[off + (size_t)i] = (uint8_t)lcg(&st);
        load_buffer(b, len);
        memcpy(b + off, save, 4);
    }
    /* Every truncation inside the structural part, and a few beyond it. */
    for (size_t cut = 0; cut < head; cut += 4)
        load_buffer(b, cut);
    for (int t = 0; t < 64; t++)
        load_buffer(b, lcg(&st) % len);
    free(b);
    return 0;
}

int main(int argc, char **argv)
{
    int rc = 0;
    if (argc > 1 && strcmp(argv[1], "--mutate") == 0) {
        for (int a = 2; a < argc; a++)
            if (mutate(argv[a], (uint64_t)a) != 0) {
                fprintf(stderr, "macho_dump: cannot read %s\n", argv[a]);
                rc = 1;
            }
        printf("macho_dump --mutate: %lu variants loaded (%lu rejected with an error), no crash\n",
               loads, failures);
        return rc;
    }
    for (int a = 1; a < argc; a++) {
        ss_input *in = ss_input_open(argv[a]);
        if (in == NULL)
            return 1;
        ss_formats_load(in, NULL);
        if (in->status != SS_OK) {
            printf("error - %s\n", in->diag.msg);
            rc = 3;
        }
        for (size_t i = 0; i < in->nunits; i++) {
            const ss_unit *u = &in->units[i];
            if (u->image)
                dump(u->image);
            else {
                printf("error %s %s\n", u->member ? u->member : "-", u->diag.msg);
                rc = 3;
            }
        }
        ss_input_free(in);
    }
    return rc;
}
