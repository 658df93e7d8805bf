/* fat.c - universal ("fat") Mach-O files: a big-endian header and a table of slices, each slice
 * a whole Mach-O image (or a static archive) of its own, reported as a member named by its
 * architecture.
 *
 * 0xCAFEBABE is also the magic of Java class files, where the next word holds the class-file
 * version (45 and up). Like file(1) we take it as universal only when the slice count is below
 * 43 and the arch table and every slice lie inside the file. */
#include "macho.h"

#include <stdio.h>  /* snprintf */
#include <string.h> /* strcmp */

#define FAT_MAX_ARCHS 42u

typedef struct {
    uint32_t cputype, cpusubtype;
    uint64_t offset, size;
    uint64_t entry_off; /* where its fat_arch entry is, for messages */
    char name[40];
} slice;

static bool fat_probe(ss_span head)
{
    if (head.len < 8)
        return false;
    uint32_t magic = ss_load32(head.p, true), n = ss_load32(head.p + 4, true);
    return (magic == FAT_MAGIC || magic == FAT_MAGIC_64) && n <= FAT_MAX_ARCHS;
}

static ss_status fat_each(ss_span bytes, ss_member_fn fn, void *ctx, ss_diag *d)
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
        if (!ss_range_ok(s->offset, s->size, bytes.len))
            return ss_fail(d, SS_E_TRUNCATED, s->entry_off,
                           "universal slice %u (offset 0x%llx, size %llu) runs past the end of "
                           "the file (%zu bytes)",
                           i, (unsigned long long)s->offset, (unsigned long long)s->size,
                           bytes.len);
        if (s->size == 0)
            return ss_fail(d, SS_E_CORRUPT, s->entry_off, "universal slice %u is empty", i);
        if (s->offset < table_end)
            return ss_fail(d, SS_E_CORRUPT, s->entry_off,
                           "universal slice %u (offset 0x%llx) overlaps the universal header",
                           i, (unsigned long long)s->offset);
        for (uint32_t j = 0; j < i; j++) {
            const slice *o = &sl[j];
            /* both ranges are inside the file, so the sums cannot overflow */
            if (s->offset < o->offset + o->size && o->offset < s->offset + s->size)
                return ss_fail(d, SS_E_CORRUPT, s->entry_off,
                               "universal slice %u (offset 0x%llx, size %llu) overlaps slice %u",
                               i, (unsigned long long)s->offset, (unsigned long long)s->size,
                               j);
        }
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

    /* Members in file order (the table is almost always in that order already). */
    bool done[FAT_MAX_ARCHS] = {false};
    for (uint32_t k = 0; k < n; k++) {
        uint32_t best = n;
        for (uint32_t i = 0; i < n; i++)
            if (!done[i] && (best == n || sl[i].offset < sl[best].offset))
                best = i;
        done[best] = true;
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
