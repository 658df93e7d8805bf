/* fat.c - universal ("fat") Mach-O files: a big-endian header and a table of slices, each slice
 * a whole Mach-O image (or a static archive) of its own, reported as a member named by its
 * architecture.
 *
 * 0xCAFEBABE is also the magic of Java class files, where the next word holds the class-file
 * version (45 and up). Like file(1) we take it as universal only when the slice count is below
 * 43 and the arch table lies inside the file; a slice that does not (past the end, empty,
 * overlapping) is one failed member, and the other slices are still read. */
#include "macho.h"

#include <stdio.h>  /* snprintf */
#include <string.h> /* strcmp, memset */

#define FAT_MAX_ARCHS 42u

typedef struct {
    uint32_t cputype, cpusubtype;
    uint64_t offset, size;
    uint64_t entry_off; /* where its fat_arch entry is, for messages */
    char name[40];
    ss_diag bad; /* status SS_OK for a slice that can be read */
    uint64_t held; /* bytes of the file a bad slice is charged with */
} slice;

static bool fat_probe(ss_span head)
{
    if (head.len < 8)
        return false;
    uint32_t magic = ss_load32(head.p, true), n = ss_load32(head.p + 4, true);
    return (magic == FAT_MAGIC || magic == FAT_MAGIC_64) && n <= FAT_MAX_ARCHS;
}

/* Why slice i (of sl[0..i]) cannot be read, in s->bad; intact slices are left SS_OK. A bad
 * slice costs only itself: the others are still handed over. */
static void check_slice(slice *sl, uint32_t i, uint64_t table_end, size_t len)
{
    slice *s = &sl[i];
    if (!ss_range_ok(s->offset, s->size, len)) {
        ss_fail(&s->bad, SS_E_TRUNCATED, s->entry_off,
                "universal slice %u (offset 0x%llx, size %llu) runs past the end of the file "
                "(%zu bytes)",
                i, (unsigned long long)s->offset, (unsigned long long)s->size, len);
        s->held = UINT64_MAX; /* what is there of it: set by hold_cut_slices */
        return;
    }
    if (s->size == 0) {
        ss_fail(&s->bad, SS_E_CORRUPT, s->entry_off, "universal slice %u is empty", i);
        return;
    }
    if (s->offset < table_end) {
        ss_fail(&s->bad, SS_E_CORRUPT, s->entry_off,
                "universal slice %u (offset 0x%llx) overlaps the universal header", i,
                (unsigned long long)s->offset);
        return;
    }
    for (uint32_t j = 0; j < i; j++) {
        const slice *o = &sl[j];
        /* both ranges are inside the file, so the sums cannot overflow */
        if (o->bad.status == SS_OK && s->offset < o->offset + o->size &&
            o->offset < s->offset + s->size) {
            ss_fail(&s->bad, SS_E_CORRUPT, s->entry_off,
                    "universal slice %u (offset 0x%llx, size %llu) overlaps slice %u", i,
                    (unsigned long long)s->offset, (unsigned long long)s->size, j);
            return;
        }
    }
    s->held = s->size;
}

/* A slice cut by the end of the file holds the bytes from its offset up to the next intact
 * slice (or the end), none when it starts in the header or inside an intact slice: no byte is
 * counted twice, and what the cut slice covered is not taken for container bytes. */
static void hold_cut_slices(slice *sl, uint32_t n, uint64_t table_end, size_t len)
{
    for (uint32_t i = 0; i < n; i++) {
        slice *s = &sl[i];
        if (s->held != UINT64_MAX)
            continue;
        uint64_t end = s->offset >= table_end && s->offset < len ? len : s->offset;
        for (uint32_t j = 0; j < n; j++) {
            const slice *o = &sl[j];
            if (j == i || o->bad.status != SS_OK)
                continue;
            if (o->offset <= s->offset && s->offset < o->offset + o->size)
                end = s->offset; /* starts inside an intact slice */
            else if (o->offset > s->offset && o->offset < end)
                end = o->offset;
        }
        s->held = end > s->offset ? end - s->offset : 0;
    }
}

static ss_status fat_each(ss_span bytes, ss_member_fn fn, ss_member_bad_fn bad, void *ctx,
                          ss_diag *d)
{
    ss_cursor c = ss_cursor_at(bytes, 0, true);
    uint32_t magic = ss_u32(&c), n = ss_u32(&c);
    bool is64 = magic == FAT_MAGIC_64;
    uint64_t entsize = is64 ? 32 : 20;
    if (c.failed)
        return ss_fail(d, SS_E_TRUNCATED, 0, "universal header needs 8 bytes");
    if (n == 0)
        return ss_fail(d, SS_E_CORRUPT, 4, "universal binary holds no slices (nfat_arch 0)");
    if (n > FAT_MAX_ARCHS) /* the probe refused this already; keep the bound local too */
        return ss_fail(d, SS_E_CORRUPT, 4, "nfat_arch %u is too large", n);
    uint64_t table_end = 8 + (uint64_t)n * entsize;
    if (table_end > bytes.len)
        return ss_fail(d, SS_E_TRUNCATED, 8,
                       "universal arch table (%u entries) runs past the end of the file (%zu "
                       "bytes)",
                       n, bytes.len);

    slice sl[FAT_MAX_ARCHS];
    memset(sl, 0, sizeof sl);
    for (uint32_t i = 0; i < n; i++) {
        slice *s = &sl[i];
        s->entry_off = 8 + (uint64_t)i * entsize;
        s->cputype = ss_u32(&c);
        s->cpusubtype = ss_u32(&c);
        s->offset = is64 ? ss_u64(&c) : ss_u32(&c);
        s->size = is64 ? ss_u64(&c) : ss_u32(&c);
        ss_u32(&c); /* align: a power of two the slice offset honours; not needed to read */
        if (is64)
            ss_u32(&c); /* reserved */
        check_slice(sl, i, table_end, bytes.len);
        /* Name: the arch, made unique with "#k" for the k-th repeat of one arch. */
        char arch[24];
        ss_macho_arch_name(s->cputype, s->cpusubtype, arch, sizeof arch);
        unsigned dup = 0;
        for (uint32_t j = 0; j < i; j++) {
            char other[24];
            if (strcmp(ss_macho_arch_name(sl[j].cputype, sl[j].cpusubtype, other, sizeof other),
                       arch) == 0)
                dup++;
        }
        if (dup)
            snprintf(s->name, sizeof s->name, "%s#%u", arch, dup);
        else
            snprintf(s->name, sizeof s->name, "%s", arch);
    }

    hold_cut_slices(sl, n, table_end, bytes.len);

    /* Members in file order (the table is almost always in that order already). */
    bool done[FAT_MAX_ARCHS] = {false};
    for (uint32_t k = 0; k < n; k++) {
        uint32_t best = n;
        for (uint32_t i = 0; i < n; i++)
            if (!done[i] && (best == n || sl[i].offset < sl[best].offset))
                best = i;
        done[best] = true;
        if (sl[best].bad.status != SS_OK) {
            bad(ctx, sl[best].name, &sl[best].bad, sl[best].offset, sl[best].held);
            continue;
        }
        ss_span sub;
        ss_span_sub(bytes, sl[best].offset, sl[best].size, &sub); /* checked above */
        SS_TRY(fn(ctx, sl[best].name, sub, sl[best].offset));
    }
    return SS_OK;
}

const ss_container ss_container_fat = {
    .name = "universal",
    .kind = SS_CONTAINER_UNIVERSAL,
    .probe = fat_probe,
    .each = fat_each,
};
