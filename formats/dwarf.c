/* dwarf.c - compile units, crates and line-table source files through elfutils' libdw
 * (see core/debuginfo.h for the model it fills, formats.h for the entry point).
 *
 * libdw reads only ELF. An ELF image whose debug sections are stored plainly is handed to libdw
 * as it is (no copy). Otherwise - compressed debug sections, a Mach-O or PE file with DWARF
 * sections - segscan's own content layer (content.c) produces each debug section's bytes and
 * they are written into a small ELF in memory (a memfd, through libelf) that libdw reads. The
 * content layer decompresses rather than libdw for two reasons: it knows zstd, which Debian 12's
 * libelf 0.188 does not, and it charges every stream to the image's one decompression budget,
 * where libelf would allocate whatever size a header states.
 *
 * Only the unit DIEs are read (name, comp_dir, language, DW_AT_ranges or low/high pc, then
 * .debug_aranges for a unit that gives none), never the DIE tree, so DW_AT_abstract_origin or
 * DW_AT_specification cycles are never followed; libdw bounds every length by its section. What
 * segscan keeps is capped by the debug sections' sizes: a range list entry takes at least two
 * bytes, a line row one, so a unit count, range count or line count beyond that is a lie (many
 * units sharing one absurd range list): reading stops there with a warning. */
#include <elfutils/libdw.h>
#include <elfutils/libdwelf.h>
#include <dwarf.h>
#include <errno.h>    /* errno */
#include <fcntl.h>    /* open */
#include <gelf.h>
#include <pthread.h>  /* pthread_once */
#include <stdio.h>    /* snprintf */
#include <limits.h>   /* PATH_MAX */
#include <stdlib.h>   /* malloc, free, getenv, realpath */
#include <string.h>   /* strncmp, strlen, memcmp */
#include <sys/mman.h> /* memfd_create */
#include <unistd.h>   /* close, ftruncate */

#include "../core/debuginfo.h"
#include "formats.h"

/* Longest unit or file name kept (a longer one is cut). */
#define NAME_MAX_KEPT 4096

/* ---- growable arrays (malloc'd while reading, copied into the arena at the end) ------------- */

typedef struct {
    void *v;
    size_t n, cap, elem;
} vec;

static void *vec_push(vec *a)
{
    if (a->n == a->cap) {
        size_t nc = a->cap ? a->cap * 2 : 64;
        void *nv = realloc(a->v, nc * a->elem);
        if (nv == NULL)
            return NULL;
        a->v = nv;
        a->cap = nc;
    }
    return (char *)a->v + a->elem * a->n++;
}

/* ---- reading -------------------------------------------------------------------------------- */

typedef struct {
    ss_image *im;
    ss_debuginfo *di;
    Dwarf *dw;
    bool lines;
    uint64_t max_ranges, max_lines; /* caps from the sections' sizes */
    vec units, ranges, lines_v, files;
    vec die_off; /* uint64_t per unit: its DIE offset (for .debug_aranges) */
    vec has_own; /* bool per unit: it states its own ranges (DW_AT_ranges, high_pc) */
    /* source file names interned: open addressing, indices + 1 into files (0: empty) */
    uint32_t *hash;
    size_t hcap;
    bool capped, oom;
} rd;

/* A name kept in the arena: relative to dir when name lies under it (that is shorter). */
static const char *keep_name(rd *r, const char *name, const char *dir)
{
    if (name == NULL)
        return NULL;
    size_t dl = dir ? strnlen(dir, NAME_MAX_KEPT) : 0;
    if (dl && name[0] == '/' && strncmp(name, dir, dl) == 0 && name[dl] == '/' && name[dl + 1])
        name += dl + 1;
    const char *s = ss_image_name(r->im, name, strnlen(name, NAME_MAX_KEPT));
    if (s == NULL)
        r->oom = true;
    return s;
}

/* A Rust unit's crate: rustc names a unit "SRC/@/CRATE.HASH-cgu.N". */
static const char *crate_of(rd *r, const char *name, bool rust)
{
    const char *at = name ? strstr(name, "/@/") : NULL;
    if (at == NULL)
        return rust ? name : NULL;
    at += 3;
    size_t n = strcspn(at, ".");
    const char *s = ss_image_name(r->im, at, n < NAME_MAX_KEPT ? n : NAME_MAX_KEPT);
    if (s == NULL)
        r->oom = true;
    return s;
}

static uint64_t fnv(const char *s)
{
    uint64_t h = 1469598103934665603u;
    for (; *s; s++)
        h = (h ^ (uint8_t)*s) * 1099511628211u;
    return h;
}

/* The index of source file name (interned), or SS_DEBUG_NONE when out of memory. */
static uint32_t file_index(rd *r, const char *name, const char *dir)
{
    if (r->files.n * 2 >= r->hcap) {
        size_t nc = r->hcap ? r->hcap * 2 : 1024;
        uint32_t *nh = calloc(nc, sizeof *nh);
        if (nh == NULL)
            return SS_DEBUG_NONE;
        const char **fv = r->files.v;
        for (size_t i = 0; i < r->files.n; i++) {
            size_t j = fnv(fv[i]) & (nc - 1);
            while (nh[j])
                j = (j + 1) & (nc - 1);
            nh[j] = (uint32_t)i + 1;
        }
        free(r->hash);
        r->hash = nh;
        r->hcap = nc;
    }
    size_t dl = dir ? strnlen(dir, NAME_MAX_KEPT) : 0;
    if (dl && name[0] == '/' && strncmp(name, dir, dl) == 0 && name[dl] == '/' && name[dl + 1])
        name += dl + 1;
    size_t j = fnv(name) & (r->hcap - 1);
    const char **fv = r->files.v;
    while (r->hash[j]) {
        if (strcmp(fv[r->hash[j] - 1], name) == 0)
            return r->hash[j] - 1;
        j = (j + 1) & (r->hcap - 1);
    }
    const char *kept = keep_name(r, name, NULL);
    const char **slot = kept ? vec_push(&r->files) : NULL;
    if (slot == NULL)
        return SS_DEBUG_NONE;
    *slot = kept;
    r->hash[j] = (uint32_t)r->files.n;
    return (uint32_t)r->files.n - 1;
}

static bool add_range(rd *r, vec *v, uint64_t max, uint64_t lo, uint64_t hi, uint32_t unit,
                      uint32_t file)
{
    /* Address 0 is where linkers leave the ranges of code they discarded (GNU ld and lld
     * write 0, rustc's LLVM an empty [1, 1)): such a range would claim the image's first
     * bytes (headers, .interp). Code linked at address 0 is not attributed. */
    if (hi <= lo || lo == 0)
        return true;
    if (v->n >= max) {
        r->capped = true;
        return false;
    }
    ss_debug_range *e = vec_push(v);
    if (e == NULL) {
        r->oom = true;
        return false;
    }
    *e = (ss_debug_range){lo, hi, unit, file};
    return true;
}

/* The line table's rows of one unit as ranges: row i covers [addr_i, addr_i+1) with row i's
 * file, unless it ends a sequence; runs of one file are merged. */
static void read_lines(rd *r, Dwarf_Die *cudie, uint32_t unit, const char *dir)
{
    Dwarf_Lines *lines;
    size_t n;
    if (dwarf_getsrclines(cudie, &lines, &n) != 0)
        return;
    uint64_t lo = 0, hi = 0;
    uint32_t cur = SS_DEBUG_NONE;
    const char *cur_name = NULL;
    for (size_t i = 0; i + 1 < n && !r->capped && !r->oom; i++) {
        Dwarf_Line *l = dwarf_onesrcline(lines, i), *nx = dwarf_onesrcline(lines, i + 1);
        Dwarf_Addr a, b;
        bool end = false;
        if (l == NULL || nx == NULL || dwarf_lineaddr(l, &a) != 0 || dwarf_lineaddr(nx, &b) != 0 ||
            dwarf_lineendsequence(l, &end) != 0 || end || b <= a)
            continue;
        const char *src = dwarf_linesrc(l, NULL, NULL);
        if (src == NULL)
            continue;
        /* libdw hands back one pointer per file of a unit: compare pointers first. */
        if (src != cur_name || a != hi) {
            if (cur != SS_DEBUG_NONE)
                add_range(r, &r->lines_v, r->max_lines, lo, hi, unit, cur);
            cur = src == cur_name ? cur : file_index(r, src, dir);
            cur_name = src;
            if (cur == SS_DEBUG_NONE) {
                r->oom = true;
                return;
            }
            lo = a;
        }
        hi = b;
    }
    if (cur != SS_DEBUG_NONE && !r->capped)
        add_range(r, &r->lines_v, r->max_lines, lo, hi, unit, cur);
}

static void read_unit(rd *r, Dwarf_Die *cudie)
{
    Dwarf_Attribute at;
    const char *dir = dwarf_formstring(dwarf_attr(cudie, DW_AT_comp_dir, &at));
    const char *name = dwarf_diename(cudie);
    bool rust = dwarf_srclang(cudie) == DW_LANG_Rust;
    uint32_t idx = (uint32_t)r->units.n;
    ss_debug_unit *u = vec_push(&r->units);
    uint64_t *off = vec_push(&r->die_off);
    if (u == NULL || off == NULL) {
        r->oom = true;
        return;
    }
    *off = dwarf_dieoffset(cudie);
    if (name == NULL) {
        char nb[64];
        snprintf(nb, sizeof nb, "[unit at 0x%llx]", (unsigned long long)*off);
        u->name = ss_image_name(r->im, nb, strlen(nb));
        r->oom |= u->name == NULL;
    } else {
        u->name = keep_name(r, name, dir);
    }
    u->crate = rust || (name && strstr(name, "/@/")) ? crate_of(r, name ? name : u->name, rust)
                                                      : NULL;
    Dwarf_Addr base, start, end;
    ptrdiff_t o = 0;
    bool *has = vec_push(&r->has_own);
    if (has == NULL) {
        r->oom = true;
        return;
    }
    /* A unit that states its ranges is not completed from .debug_aranges, even when every
     * range it states is discarded code. */
    *has = dwarf_hasattr(cudie, DW_AT_ranges) || dwarf_hasattr(cudie, DW_AT_high_pc);
    while ((o = dwarf_ranges(cudie, o, &base, &start, &end)) > 0)
        if (!add_range(r, &r->ranges, r->max_ranges, start, end, idx, SS_DEBUG_NONE))
            break;
    if (r->lines && !r->capped && !r->oom)
        read_lines(r, cudie, idx, dir);
}

static int off_cmp(const void *a, const void *b)
{
    const uint64_t *x = a, *y = b;
    return *x < *y ? -1 : *x > *y;
}

/* Units that gave no ranges of their own get what .debug_aranges says of them. */
static void read_aranges(rd *r, const bool *has_ranges)
{
    Dwarf_Aranges *ar;
    size_t n;
    if (r->units.n == 0 || dwarf_getaranges(r->dw, &ar, &n) != 0)
        return;
    /* Unit DIE offsets are increasing in the order libdw walks them; a sorted copy of
     * (offset, index) pairs would be needed otherwise: check and give up quietly if not. */
    const uint64_t *offs = r->die_off.v;
    for (size_t i = 1; i < r->units.n; i++)
        if (offs[i] <= offs[i - 1])
            return;
    for (size_t i = 0; i < n && !r->capped && !r->oom; i++) {
        Dwarf_Addr a;
        Dwarf_Word len;
        Dwarf_Off die;
        if (dwarf_getarangeinfo(dwarf_onearange(ar, i), &a, &len, &die) != 0)
            continue;
        uint64_t key = die;
        const uint64_t *hit = bsearch(&key, offs, r->units.n, sizeof *offs, off_cmp);
        if (hit == NULL || has_ranges[hit - offs])
            continue;
        uint64_t hi = a + len < a ? UINT64_MAX : a + len;
        add_range(r, &r->ranges, r->max_ranges, a, hi, (uint32_t)(hit - offs), SS_DEBUG_NONE);
    }
}

/* Whether the unit headers cover .debug_info to its end; *stop: where the walk stopped.
 * libdw ends its unit list quietly at a header it cannot read (a length past the section). */
static bool walked_all(Dwarf *dw, uint64_t *stop)
{
    Elf *e = dwarf_getelf(dw);
    size_t shstrndx;
    uint64_t size = 0;
    if (e == NULL || elf_getshdrstrndx(e, &shstrndx) != 0)
        return true;
    for (Elf_Scn *scn = NULL; (scn = elf_nextscn(e, scn)) != NULL;) {
        GElf_Shdr sh;
        const char *n = gelf_getshdr(scn, &sh) ? elf_strptr(e, shstrndx, sh.sh_name) : NULL;
        if (n && (strcmp(n, ".debug_info") == 0 || strcmp(n, ".zdebug_info") == 0)) {
            Elf_Data *d = elf_getdata(scn, NULL); /* libdw has decompressed it already */
            size = d ? d->d_size : sh.sh_size;
        }
    }
    Dwarf_Off off = 0, next;
    size_t hsize;
    while (off < size &&
           dwarf_next_unit(dw, off, &next, &hsize, NULL, NULL, NULL, NULL, NULL, NULL) == 0 &&
           next > off && next <= size)
        off = next;
    *stop = off;
    return off >= size;
}

static void read_all(rd *r)
{
    Dwarf_CU *cu = NULL;
    Dwarf_Half version;
    uint8_t type;
    Dwarf_Die cudie, sub;
    int rc = 0;
    while (!r->capped && !r->oom &&
           (rc = dwarf_get_units(r->dw, cu, &cu, &version, &type, &cudie, &sub)) == 0) {
        if (type == DW_UT_type || type == DW_UT_split_type)
            continue;
        if (r->units.n >= r->max_ranges) {
            r->capped = true;
            break;
        }
        read_unit(r, &cudie);
    }
    uint64_t stop = 0;
    if (rc >= 0 && !r->capped && !r->oom && !walked_all(r->dw, &stop))
        rc = -1;
    if (rc < 0 && !r->capped && !r->oom) {
        /* A unit header libdw rejects (a length past the section, a bad version): the units
         * before it are kept, the rest of .debug_info cannot be walked. */
        char msg[200];
        snprintf(msg, sizeof msg,
                 ".debug_info unreadable after %zu unit%s, at its offset 0x%llx (libdw: %s)",
                 r->units.n, r->units.n == 1 ? "" : "s", (unsigned long long)stop,
                 dwarf_errmsg(-1));
        r->di->warning = ss_image_name(r->im, msg, strlen(msg));
        ss_image_warn(r->im, UINT64_MAX, "%s", msg);
    }
    if (r->oom)
        return;
    if (!r->capped && r->has_own.n == r->units.n)
        read_aranges(r, r->has_own.v);
}

/* Copies what was read into the arena. */
static bool publish(rd *r)
{
    ss_debuginfo *di = r->di;
    ss_arena *a = r->im->arena;
    di->units = ss_arena_array(a, r->units.n ? r->units.n : 1, sizeof *di->units);
    di->ranges = ss_arena_array(a, r->ranges.n ? r->ranges.n : 1, sizeof *di->ranges);
    di->lines = ss_arena_array(a, r->lines_v.n ? r->lines_v.n : 1, sizeof *di->lines);
    di->files = ss_arena_array(a, r->files.n ? r->files.n : 1, sizeof *di->files);
    if (!di->units || !di->ranges || !di->lines || !di->files)
        return false;
    if (r->units.n)
        memcpy(di->units, r->units.v, r->units.n * sizeof *di->units);
    if (r->ranges.n)
        memcpy(di->ranges, r->ranges.v, r->ranges.n * sizeof *di->ranges);
    if (r->lines_v.n)
        memcpy(di->lines, r->lines_v.v, r->lines_v.n * sizeof *di->lines);
    if (r->files.n)
        memcpy(di->files, r->files.v, r->files.n * sizeof *di->files);
    di->nunits = r->units.n;
    di->nranges = r->ranges.n;
    di->nlines = r->lines_v.n;
    di->nfiles = r->files.n;
    di->has_lines = r->lines;
    return true;
}

/* ---- which sections are debug sections ------------------------------------------------------ */

/* The ELF name of a debug section ("debug_info" of ".debug_info", ".zdebug_info",
 * "__DWARF,__debug_info" or PE's ".debug_info"), or NULL. */
static const char *debug_suffix(const char *name)
{
    if (name == NULL)
        return NULL;
    if (strncmp(name, ".debug_", 7) == 0)
        return name + 1;
    if (strncmp(name, ".zdebug_", 8) == 0)
        return name + 2;
    if (strncmp(name, "__DWARF,__debug_", 16) == 0)
        return name + 10;
    return NULL;
}

/* Sum of the debug sections' stored sizes (uncompressed sizes where compressed, as their
 * headers state, capped by the decompression ratio), and whether any is compressed or the
 * image is not ELF (then libdw needs a written-out ELF). */
static uint64_t debug_bytes(const ss_image *im, bool *rewrite, bool *has_info)
{
    uint64_t sum = 0;
    *rewrite = im->format != SS_FORMAT_ELF;
    *has_info = false;
    for (size_t i = 0; i < im->nsections; i++) {
        const ss_section *s = &im->sections[i];
        const char *suf = debug_suffix(s->name);
        if (suf == NULL)
            continue;
        if (strcmp(suf, "debug_info") == 0)
            *has_info = true;
        uint64_t n = s->file_size;
        if (s->compression != SS_COMP_NONE) {
            *rewrite = true;
            uint64_t lim = s->file_size * SS_INFLATE_RATIO_MAX;
            n = s->uncompressed_known && s->uncompressed_size < lim ? s->uncompressed_size : lim;
        }
        sum += n;
    }
    return sum;
}

/* An ELF in memory holding only the debug sections' bytes (decompressed by content.c), for
 * libdw: written through libelf into a memfd and mapped back. *fd_out is the memfd (closed by
 * the caller with elf_end first). */
static ss_status write_debug_elf(ss_image *im, Elf **out, int *fd_out, ss_diag *d)
{
    *out = NULL;
    *fd_out = -1;
    int fd = memfd_create("segscan-dwarf", MFD_CLOEXEC);
    if (fd < 0)
        return ss_fail_nooff(d, SS_E_IO, "cannot make an in-memory file for libdw: %s",
                             strerror(errno));
    Elf *e = elf_begin(fd, ELF_C_WRITE, NULL);
    ss_status st = SS_OK;
    if (e == NULL || gelf_newehdr(e, im->bits == 32 ? ELFCLASS32 : ELFCLASS64) == NULL) {
        st = ss_fail_nooff(d, SS_E_NOMEM, "libelf: %s", elf_errmsg(-1));
        goto fail;
    }
    GElf_Ehdr eh;
    gelf_getehdr(e, &eh);
    eh.e_ident[EI_DATA] = im->big_endian ? ELFDATA2MSB : ELFDATA2LSB;
    eh.e_type = ET_EXEC;
    eh.e_version = EV_CURRENT;
    /* Section names: "\0.shstrtab\0" then ".debug_x\0" per section. */
    size_t cap = 16;
    for (size_t i = 0; i < im->nsections; i++)
        if (debug_suffix(im->sections[i].name))
            cap += strlen(debug_suffix(im->sections[i].name)) + 2;
    char *names = ss_arena_alloc(im->arena, cap);
    if (names == NULL) {
        st = ss_fail_nooff(d, SS_E_LIMIT, "no memory for the debug section names");
        goto fail;
    }
    size_t nl = 0;
    names[nl++] = '\0';
    size_t shstr_name = nl;
    memcpy(names + nl, ".shstrtab", 10);
    nl += 10;
    for (size_t i = 0; i < im->nsections; i++) {
        const char *suf = debug_suffix(im->sections[i].name);
        if (suf == NULL || im->sections[i].file_size == 0)
            continue;
        ss_span body;
        ss_diag cd = {0};
        if (ss_section_content(im, i, UINT64_MAX, &body, &cd) != SS_OK) {
            *d = cd;
            st = cd.status;
            goto fail;
        }
        /* PE: the raw data is padded to the file alignment; the section's own bytes are
         * its VirtualSize (the zeros after them would read as a unit of length 0). */
        if (im->format == SS_FORMAT_PE && im->sections[i].vm_size &&
            im->sections[i].vm_size < body.len)
            body.len = im->sections[i].vm_size;
        Elf_Scn *scn = elf_newscn(e);
        Elf_Data *data = scn ? elf_newdata(scn) : NULL;
        GElf_Shdr sh;
        if (data == NULL || gelf_getshdr(scn, &sh) == NULL) {
            st = ss_fail_nooff(d, SS_E_NOMEM, "libelf: %s", elf_errmsg(-1));
            goto fail;
        }
        data->d_buf = (void *)(uintptr_t)body.p;
        data->d_size = body.len;
        data->d_type = ELF_T_BYTE;
        data->d_align = 1;
        sh.sh_name = nl;
        sh.sh_type = SHT_PROGBITS;
        names[nl++] = '.';
        size_t sl = strlen(suf) + 1;
        memcpy(names + nl, suf, sl);
        nl += sl;
        gelf_update_shdr(scn, &sh);
    }
    Elf_Scn *str = elf_newscn(e);
    Elf_Data *sd = str ? elf_newdata(str) : NULL;
    GElf_Shdr sh;
    if (sd == NULL || gelf_getshdr(str, &sh) == NULL) {
        st = ss_fail_nooff(d, SS_E_NOMEM, "libelf: %s", elf_errmsg(-1));
        goto fail;
    }
    sd->d_buf = names;
    sd->d_size = nl;
    sd->d_type = ELF_T_BYTE;
    sd->d_align = 1;
    sh.sh_name = shstr_name;
    sh.sh_type = SHT_STRTAB;
    gelf_update_shdr(str, &sh);
    eh.e_shstrndx = elf_ndxscn(str);
    gelf_update_ehdr(e, &eh);
    if (elf_update(e, ELF_C_WRITE) < 0) {
        st = ss_fail_nooff(d, SS_E_IO, "libelf cannot write the debug sections: %s",
                           elf_errmsg(-1));
        goto fail;
    }
    elf_end(e);
    e = elf_begin(fd, ELF_C_READ_MMAP, NULL);
    if (e == NULL) {
        st = ss_fail_nooff(d, SS_E_IO, "libelf: %s", elf_errmsg(-1));
        goto fail;
    }
    *out = e;
    *fd_out = fd;
    return SS_OK;
fail:
    if (e)
        elf_end(e);
    close(fd);
    return st;
}

/* ---- separate debug files ------------------------------------------------------------------- */

/* Where distributions install debug files; SEGSCAN_DEBUG_ROOT replaces it (for tests). */
static const char *debug_root(void)
{
    const char *r = getenv("SEGSCAN_DEBUG_ROOT");
    return r && *r ? r : "/usr/lib/debug";
}

typedef struct {
    ss_input *in;    /* the debug file, loaded by segscan's ELF reader */
    ss_image *image; /* its one image */
    const char *path;
} debug_file;

/* The identity that pairs an image with its debug file, into id (at most 64 bytes): ELF's GNU
 * build-id, Mach-O's LC_UUID. 0 when it has none. */
static size_t image_id(const ss_image *im, uint8_t id[64])
{
    if (im->format == SS_FORMAT_MACHO) {
        size_t n = 0;
        for (size_t i = 0; i < im->nfields; i++)
            if (strncmp(im->fields[i].name, "LC_UUID[", 8) == 0 && n + 8 <= 16) {
                for (int k = 0; k < 8; k++)
                    id[n + (size_t)k] = (uint8_t)(im->fields[i].value >> (56 - 8 * k));
                n += 8;
            }
        return n == 16 ? n : 0;
    }
    if (im->format != SS_FORMAT_ELF)
        return 0;
    Elf *e = elf_memory((char *)(uintptr_t)im->bytes.p, im->bytes.len);
    if (e == NULL)
        return 0;
    const void *p;
    ssize_t n = dwelf_elf_gnu_build_id(e, &p);
    size_t len = n > 0 && n <= 64 ? (size_t)n : 0;
    if (len)
        memcpy(id, p, len);
    elf_end(e);
    return len;
}

/* Opens path as the debug file of an image whose identity is (id, idlen; 0: it has none).
 * true when it loads and its identity matches; a mismatch, or a file named by the user (given)
 * that cannot be used, sets *why. */
static bool open_debug(const char *path, const uint8_t *id, size_t idlen, bool given,
                       debug_file *f, char *why, size_t whylen)
{
    ss_input *in = ss_input_open(path);
    if (in == NULL || in->status != SS_OK || in->bytes.len == 0) {
        if (given)
            snprintf(why, whylen, "debug file %s cannot be read", path);
        ss_input_free(in);
        return false;
    }
    ss_load_opts lo = {0};
    ss_formats_load(in, &lo);
    if (in->status != SS_OK || in->nunits != 1 || in->units[0].image == NULL) {
        if (given)
            snprintf(why, whylen, "debug file %s is not one ELF or Mach-O image", path);
        ss_input_free(in);
        return false;
    }
    uint8_t did[64];
    size_t dl = image_id(in->units[0].image, did);
    if (!idlen || dl != idlen || memcmp(did, id, idlen) != 0) {
        if (idlen)
            snprintf(why, whylen, "debug file %s does not match: its %s differs", path,
                     in->units[0].image->format == SS_FORMAT_MACHO ? "UUID" : "build-id");
        else /* without an identity nothing proves the pairing: refused, never guessed */
            snprintf(why, whylen,
                     "debug file %s: the image has no build-id or UUID to check it against",
                     path);
        ss_input_free(in);
        return false;
    }
    f->in = in;
    f->image = in->units[0].image;
    f->path = path;
    return true;
}

/* A place looked in: only a mismatch there is worth a warning (a missing file is not). */
static bool try_path(const char *path, const uint8_t *id, size_t idlen, debug_file *f,
                     char *why, size_t whylen)
{
    return open_debug(path, id, idlen, false, f, why, whylen);
}

/* The debug file of an image without .debug_info: --debug-file first (checked by build-id),
 * then /usr/lib/debug/.build-id/xx/rest.debug, then .gnu_debuglink next to the file, in its
 * .debug/ and under /usr/lib/debug. */
static bool lookup_elf(ss_image *im, Elf *elf, const uint8_t *id, size_t idlen, debug_file *f,
                       char *buf, size_t bufsize, char *why, size_t whylen);

static bool find_debug(ss_image *im, const ss_debug_opts *o, debug_file *f, char *why,
                       size_t whylen)
{
    uint8_t id[64];
    size_t idlen = image_id(im, id);
    for (size_t i = 0; i < o->ndebug_files; i++)
        if (open_debug(o->debug_files[i], id, idlen, true, f, why, whylen))
            return true;
    if (!o->lookup)
        return false;
    char buf[4096];
    if (im->format == SS_FORMAT_MACHO) {
        /* dsymutil's bundle next to the file: PATH.dSYM/Contents/Resources/DWARF/NAME. */
        const char *base = strrchr(im->path, '/');
        base = base ? base + 1 : im->path;
        snprintf(buf, sizeof buf, "%s.dSYM/Contents/Resources/DWARF/%s", im->path, base);
        return try_path(buf, id, idlen, f, why, whylen);
    }
    if (im->format != SS_FORMAT_ELF)
        return false;
    Elf *elf = elf_memory((char *)(uintptr_t)im->bytes.p, im->bytes.len);
    if (elf == NULL)
        return false;
    bool found = lookup_elf(im, elf, id, idlen, f, buf, sizeof buf, why, whylen);
    elf_end(elf);
    return found;
}

/* ELF: /usr/lib/debug/.build-id/xx/rest.debug, then .gnu_debuglink next to the file, in its
 * .debug/ and under /usr/lib/debug. */
static bool lookup_elf(ss_image *im, Elf *elf, const uint8_t *id, size_t idlen, debug_file *f,
                       char *buf, size_t bufsize, char *why, size_t whylen)
{
    const char *root = debug_root();
    if (idlen >= 2) {
        const uint8_t *b = id;
        int w = snprintf(buf, bufsize, "%s/.build-id/%02x/", root, b[0]);
        for (size_t k = 1; k < idlen && w > 0 && (size_t)w + 3 < bufsize; k++)
            w += snprintf(buf + w, bufsize - (size_t)w, "%02x", b[k]);
        if (w > 0 && (size_t)w + 7 < bufsize) {
            memcpy(buf + w, ".debug", 7);
            if (try_path(buf, id, idlen, f, why, whylen))
                return true;
        }
    }
    GElf_Word crc;
    const char *link = dwelf_elf_gnu_debuglink(elf, &crc);
    if (link == NULL || strchr(link, '/') != NULL || link[0] == '\0' ||
        strnlen(link, 256) == 256)
        return false;
    char dir[2048];
    const char *slash = strrchr(im->path, '/');
    if (slash == NULL)
        snprintf(dir, sizeof dir, ".");
    else
        snprintf(dir, sizeof dir, "%.*s", (int)(slash - im->path), im->path);
    char absdir[2048];
    if (realpath(dir, absdir) == NULL)
        snprintf(absdir, sizeof absdir, "%s", dir);
    for (int k = 0; k < 2; k++) {
        snprintf(buf, bufsize, "%s/%s%s", dir, k ? ".debug/" : "", link);
        /* Not the image itself (a file whose debuglink names its own name). */
        if (strcmp(buf, im->path) != 0 && try_path(buf, id, idlen, f, why, whylen))
            return true;
    }
    snprintf(buf, bufsize, "%s%s/%s", root, absdir, link);
    return try_path(buf, id, idlen, f, why, whylen);
}

/* ---- entry point ---------------------------------------------------------------------------- */

static void read_dwarf(ss_image *im, ss_debuginfo *di, Elf *elf, uint64_t section_bytes,
                       const ss_debug_opts *o)
{
    Dwarf *dw = dwarf_begin_elf(elf, DWARF_C_READ, NULL);
    if (dw == NULL) {
        di->status = ss_fail_nooff(&di->diag, SS_E_CORRUPT, "DWARF unreadable (libdw: %s)",
                                   dwarf_errmsg(-1));
        return;
    }
    rd r = {.im = im, .di = di, .dw = dw, .lines = o->lines};
    r.units.elem = sizeof(ss_debug_unit);
    r.ranges.elem = r.lines_v.elem = sizeof(ss_debug_range);
    r.files.elem = sizeof(const char *);
    r.die_off.elem = sizeof(uint64_t);
    r.has_own.elem = sizeof(bool);
    r.max_ranges = section_bytes / 2 + 64;
    r.max_lines = section_bytes + 64;
    read_all(&r);
    if (r.oom || !publish(&r)) {
        ss_fail_nooff(&di->diag, SS_E_LIMIT,
                      "debug information too large for segscan's memory limit");
        di->status = SS_E_LIMIT;
    } else if (r.capped) {
        char msg[200];
        snprintf(msg, sizeof msg,
                 "debug information lists more units or ranges than its %llu bytes can hold: "
                 "read up to that bound",
                 (unsigned long long)section_bytes);
        if (di->warning == NULL)
            di->warning = ss_image_name(im, msg, strlen(msg));
        ss_image_warn(im, UINT64_MAX, "%s", msg);
    }
    free(r.units.v), free(r.ranges.v), free(r.lines_v.v), free(r.files.v), free(r.die_off.v);
    free(r.has_own.v);
    free(r.hash);
    dwarf_end(dw);
}

/* The DWARF of src (the image itself or its debug file) into dest's di. */
static void read_image(ss_image *dest, ss_debuginfo *di, ss_image *src, const ss_debug_opts *o)
{
    bool rewrite, has_info;
    uint64_t bytes = debug_bytes(src, &rewrite, &has_info);
    if (!has_info) {
        di->status = ss_fail_nooff(&di->diag, SS_E_UNSUPPORTED,
                                   src->format == SS_FORMAT_PE
                                       ? "no DWARF debug information (PDB files are not read)"
                                   : src->format == SS_FORMAT_MACHO
                                       ? "no DWARF debug information (give the .dSYM bundle's "
                                         "DWARF file instead)"
                                       : "no DWARF debug information (no .debug_info)");
        return;
    }
    Elf *elf;
    int fd = -1;
    if (rewrite) {
        ss_status st = write_debug_elf(src, &elf, &fd, &di->diag);
        if (st != SS_OK) {
            di->status = st;
            return;
        }
    } else {
        elf = elf_memory((char *)(uintptr_t)src->bytes.p, src->bytes.len);
        if (elf == NULL) {
            di->status = ss_fail_nooff(&di->diag, SS_E_CORRUPT, "libelf: %s", elf_errmsg(-1));
            return;
        }
    }
    read_dwarf(dest, di, elf, bytes, o);
    elf_end(elf);
    if (fd >= 0)
        close(fd);
}

static pthread_once_t version_once = PTHREAD_ONCE_INIT;
static void version_init(void)
{
    elf_version(EV_CURRENT);
}

void ss_image_load_debug(ss_image *im, const ss_debug_opts *o)
{
    if (im->debug != NULL)
        return;
    ss_debuginfo *di = ss_arena_alloc(im->arena, sizeof *di);
    if (di == NULL)
        return;
    memset(di, 0, sizeof *di);
    im->debug = di;
    pthread_once(&version_once, version_init);
    if (im->type == SS_TYPE_RELOCATABLE) {
        di->status = ss_fail_nooff(&di->diag, SS_E_UNSUPPORTED,
                                   "a relocatable object's unit addresses are not relocated yet: "
                                   "not attributed");
        return;
    }
    bool rewrite, has_info;
    (void)debug_bytes(im, &rewrite, &has_info);
    if (!has_info && im->format != SS_FORMAT_PE) {
        char why[512] = "";
        debug_file f = {0};
        bool found = find_debug(im, o, &f, why, sizeof why);
        if (why[0] && !found)
            di->warning = ss_image_name(im, why, strlen(why));
        if (!found) {
            di->status = ss_fail_nooff(&di->diag, SS_E_UNSUPPORTED,
                                       "no debug information (no .debug_info, no debug file "
                                       "found)");
            return;
        }
        di->from = ss_image_name(im, f.path, strlen(f.path));
        read_image(im, di, f.image, o);
        ss_input_free(f.in);
        return;
    }
    read_image(im, di, im, o);
}
