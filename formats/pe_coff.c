/* pe_coff.c - the COFF parts of PE/COFF: string table, long section names, the symbol table,
 * object relocations and image base relocations.
 *
 * Everything here is optional information: a damaged symbol table, string table or relocation
 * block becomes a warning on the image and the rest of the table is skipped, because the
 * section and segment tables (what segscan reports) are still good. Loops are bounded by counts
 * that were checked against the file size first. */
#include "pe_internal.h"
#include "refs.h"

#include <stdlib.h> /* qsort, realloc, free */
#include <string.h> /* memcmp, memchr */

void pe_find_strtab(pe_ctx *c)
{
    c->strtab_off = c->strtab_size = 0;
    if (!c->has_symtab)
        return;
    /* The symbol table was checked to fit, so this cannot overflow. */
    uint64_t off = (uint64_t)c->symptr + (uint64_t)c->nsym * c->symsize;
    if (!ss_range_ok(off, 4, c->b.len)) {
        ss_image_warn(c->im, off, "COFF string table size field at 0x%llx is past the end of the file",
                      (unsigned long long)off);
        return;
    }
    uint64_t size = ss_load32(c->b.p + off, false);
    if (size < 4) /* 0 is what some writers put for an empty table */
        size = 4;
    if (!ss_range_ok(off, size, c->b.len)) {
        ss_image_warn(c->im, off, "COFF string table at 0x%llx claims %llu bytes; clipped to the file",
                      (unsigned long long)off, (unsigned long long)size);
        size = c->b.len - off;
    }
    c->strtab_off = off;
    c->strtab_size = size;
}

/* The string at offset `at` of the string table, or NULL (with a warning) when it is not there
 * or not terminated inside the table. */
static const char *strtab_name(pe_ctx *c, uint64_t at, uint64_t where)
{
    if (c->strtab_size == 0 || at < 4 || at >= c->strtab_size) {
        ss_image_warn(c->im, where, "name offset %llu at 0x%llx is outside the COFF string table",
                      (unsigned long long)at, (unsigned long long)where);
        return NULL;
    }
    ss_span tab = {c->b.p + c->strtab_off, (size_t)c->strtab_size};
    size_t n;
    if (!ss_strnlen_ok(tab, at, 4096, &n)) {
        ss_image_warn(c->im, where, "name at string table offset %llu (0x%llx) is unterminated",
                      (unsigned long long)at, (unsigned long long)where);
        return NULL;
    }
    return ss_image_name(c->im, (const char *)tab.p + at, n);
}

static int b64_value(uint8_t ch)
{
    if (ch >= 'A' && ch <= 'Z')
        return ch - 'A';
    if (ch >= 'a' && ch <= 'z')
        return ch - 'a' + 26;
    if (ch >= '0' && ch <= '9')
        return ch - '0' + 52;
    if (ch == '+')
        return 62;
    if (ch == '/')
        return 63;
    return -1;
}

const char *pe_section_name(pe_ctx *c, const uint8_t raw[8], uint64_t hdr_off)
{
    const uint8_t *nul = memchr(raw, 0, 8);
    size_t n = nul ? (size_t)(nul - raw) : 8;
    if (n >= 2 && raw[0] == '/' && c->strtab_size) {
        uint64_t at = 0;
        bool ok = true;
        if (raw[1] == '/') {
            /* "//" + base64 digits: the form used when the offset needs more than 7 digits. */
            for (size_t i = 2; i < n && ok; i++) {
                int v = b64_value(raw[i]);
                ok = v >= 0;
                at = at * 64 + (uint64_t)(v < 0 ? 0 : v);
            }
        } else {
            for (size_t i = 1; i < n && ok; i++) {
                ok = raw[i] >= '0' && raw[i] <= '9';
                at = at * 10 + (uint64_t)(raw[i] - '0');
            }
        }
        if (ok) {
            const char *s = strtab_name(c, at, hdr_off);
            if (s)
                return s;
        }
    }
    return ss_image_name(c->im, (const char *)raw, n);
}

static ss_status nomem(ss_diag *d)
{
    return ss_fail_nooff(d, SS_E_NOMEM, "out of memory reading PE/COFF tables");
}

/* The arena refused: the tables at `off` (counts that each fit in the file, but can be made to
 * repeat, e.g. every section naming one huge relocation table) need more memory than segscan
 * allows for a file of this size. */
static ss_status too_many(ss_diag *d, const char *what, uint64_t off)
{
    return ss_fail(d, SS_E_LIMIT, off, "%s at 0x%llx exceed the memory segscan allows for this file",
                   what, (unsigned long long)off);
}

/* Storage classes (IMAGE_SYM_CLASS_*). */
enum {
    SYM_CLASS_EXTERNAL = 2,
    SYM_CLASS_STATIC = 3,
    SYM_CLASS_LABEL = 6,
    SYM_CLASS_FUNCTION = 101,
    SYM_CLASS_FILE = 103,
    SYM_CLASS_SECTION = 104,
    SYM_CLASS_WEAK_EXTERNAL = 105,
};

static bool sized(const ss_symbol *s)
{
    return s->defined && s->section >= 0 &&
           (s->type == SS_SYM_FUNC || s->type == SS_SYM_OBJECT || s->type == SS_SYM_NOTYPE);
}

static int by_section_value(const void *a, const void *b)
{
    const ss_symbol *x = *(const ss_symbol *const *)a, *y = *(const ss_symbol *const *)b;
    if (x->section != y->section)
        return x->section < y->section ? -1 : 1;
    return x->value < y->value ? -1 : x->value > y->value;
}

/* COFF symbols have no size. segscan gives each function, object or label the distance to the
 * next higher symbol of its section, or to the section's end (bloaty sizes Mach-O and COFF
 * symbols the same way), so the BSS analysis can name what fills a large zero range. */
static ss_status derive_sizes(pe_ctx *c, ss_diag *d)
{
    ss_symbol *syms = c->im->v_symbols.items;
    const ss_section *secs = c->im->v_sections.items;
    size_t n = 0, total = c->im->v_symbols.count;
    for (size_t i = 0; i < total; i++)
        n += sized(&syms[i]);
    if (n == 0)
        return SS_OK;
    ss_symbol **v = ss_arena_array(c->im->arena, n, sizeof *v);
    if (v == NULL)
        return nomem(d);
    n = 0;
    for (size_t i = 0; i < total; i++)
        if (sized(&syms[i]))
            v[n++] = &syms[i];
    qsort(v, n, sizeof *v, by_section_value);
    /* One step per run of symbols at one address (all get the same size): looking for the
     * next address from each symbol of a run was quadratic in the run's length. */
    for (size_t i = 0; i < n;) {
        const ss_section *sec = &secs[v[i]->section];
        uint64_t start = c->is_image ? sec->vaddr : 0;
        uint64_t end = start + sec->vm_size;
        if (!c->is_image && sec->vm_size == 0) /* non-alloc object section: its raw size */
            end = c->sh[v[i]->section].rawsize;
        size_t k = i + 1;
        while (k < n && v[k]->section == v[i]->section && v[k]->value == v[i]->value)
            k++;
        if (k < n && v[k]->section == v[i]->section)
            end = v[k]->value;
        for (size_t j = i; j < k; j++) {
            v[j]->size = end > v[j]->value ? end - v[j]->value : 0;
            v[j]->size_derived = true;
        }
        i = k;
    }
    return SS_OK;
}

ss_status pe_read_symbols(pe_ctx *c, ss_diag *d)
{
    if (!c->has_symtab)
        return SS_OK;
    const ss_section *secs = c->im->v_sections.items;
    size_t nsecs = c->im->v_sections.count;
    for (uint64_t i = 0; i < c->nsym;) {
        uint64_t off = (uint64_t)c->symptr + i * c->symsize; /* inside the checked table */
        const uint8_t *p = c->b.p + off;
        uint32_t value = ss_load32(p + 8, false);
        int64_t secnum;
        const uint8_t *rest;
        if (c->bigobj) {
            secnum = (int32_t)ss_load32(p + 12, false);
            rest = p + 16;
        } else {
            secnum = (int16_t)ss_load16(p + 12, false);
            rest = p + 14;
        }
        uint16_t type = ss_load16(rest, false);
        uint8_t sclass = rest[2], naux = rest[3];

        ss_symbol *s = ss_image_add_symbol(c->im);
        if (s == NULL)
            return too_many(d, "COFF symbols", off);
        if (ss_load32(p, false) == 0) {
            s->name = strtab_name(c, ss_load32(p + 4, false), off);
            if (s->name == NULL)
                s->name = "";
        } else {
            const uint8_t *nul = memchr(p, 0, 8);
            s->name = ss_image_name(c->im, (const char *)p, nul ? (size_t)(nul - p) : 8);
        }
        if (s->name == NULL)
            return nomem(d);

        s->value = value;
        s->defined = secnum > 0 || secnum == -1; /* -1 absolute; 0 undefined; -2 debugging */
        if (secnum >= 1 && (uint64_t)secnum <= c->nsec) {
            s->section = secnum - 1;
            if (c->is_image) /* image symbols are section-relative too; report addresses */
                s->value = c->image_base + c->sh[secnum - 1].va + value;
        } else if (secnum > 0) {
            ss_image_warn(c->im, off, "symbol %llu at 0x%llx names section %lld of %u",
                          (unsigned long long)i, (unsigned long long)off, (long long)secnum,
                          c->nsec);
            s->defined = false;
        }
        /* secnum -1: absolute value; -2: debugging symbol; both have no section. */

        switch (sclass) {
        case SYM_CLASS_EXTERNAL: s->bind = SS_BIND_GLOBAL; break;
        case SYM_CLASS_WEAK_EXTERNAL: s->bind = SS_BIND_WEAK; break;
        case SYM_CLASS_STATIC:
        case SYM_CLASS_LABEL:
        case SYM_CLASS_FILE:
        case SYM_CLASS_SECTION:
        case SYM_CLASS_FUNCTION: s->bind = SS_BIND_LOCAL; break;
        default: s->bind = SS_BIND_OTHER; break;
        }

        if ((type & 0x30) == 0x20) { /* derived type IMAGE_SYM_DTYPE_FUNCTION */
            s->type = SS_SYM_FUNC;
        } else if (sclass == SYM_CLASS_FILE) {
            s->type = SS_SYM_FILE;
        } else if (sclass == SYM_CLASS_SECTION ||
                   (sclass == SYM_CLASS_STATIC && naux > 0 && value == 0 && type == 0)) {
            s->type = SS_SYM_SECTION; /* a section definition: its aux record holds the length */
        } else if (sclass == SYM_CLASS_EXTERNAL && secnum == 0 && value != 0) {
            s->type = SS_SYM_COMMON; /* value is the size of the common block */
            s->size = value;
            s->value = 0;
        } else if (sclass == SYM_CLASS_EXTERNAL && s->section >= 0 &&
                   (size_t)s->section < nsecs) {
            ss_kind k = secs[s->section].kind;
            bool datak = k == SS_KIND_DATA || k == SS_KIND_RODATA || k == SS_KIND_BSS ||
                         k == SS_KIND_TLS_DATA || k == SS_KIND_TLS_BSS;
            s->type = datak ? SS_SYM_OBJECT : SS_SYM_NOTYPE;
        } else {
            s->type = SS_SYM_NOTYPE;
        }
        i += 1 + (uint64_t)naux; /* aux records are symbol-sized; the loop stays below nsym */
    }
    return derive_sizes(c, d);
}

/* Where section i's relocation table is, after the NRELOC_OVFL rule: an object with more than
 * 0xfffe relocations in a section stores 0xffff in NumberOfRelocations and the real count
 * (which includes that first entry) in the first entry's VirtualAddress. */
static bool reloc_table(pe_ctx *c, uint32_t i, uint64_t *off, uint64_t *count, uint64_t *first)
{
    const pe_shdr *h = &c->sh[i];
    *off = h->relptr;
    *count = h->nrel;
    *first = 0;
    if (h->nrel == 0)
        return false;
    if ((h->chars & PE_SCN_LNK_NRELOC_OVFL) && h->nrel == 0xffff) {
        if (!ss_range_ok(h->relptr, PE_RELOC_SIZE, c->b.len)) {
            ss_image_warn(c->im, h->hdr_off, "relocations of section %s at 0x%x are past the end of the file",
                          h->name, h->relptr);
            return false;
        }
        *count = ss_load32(c->b.p + h->relptr, false);
        *first = 1;
    }
    uint64_t bytes;
    if (!ss_mul_ok(*count, PE_RELOC_SIZE, &bytes) || !ss_range_ok(*off, bytes, c->b.len)) {
        ss_image_warn(c->im, h->hdr_off, "%llu relocations of section %s at 0x%x run past the end of the file",
                      (unsigned long long)*count, h->name, h->relptr);
        return false;
    }
    return true;
}

ss_status pe_object_relocs(pe_ctx *c, bool record, ss_diag *d)
{
    for (uint32_t i = 0; i < c->nsec; i++) {
        uint64_t off, count, first;
        if (!reloc_table(c, i, &off, &count, &first))
            continue;
        if (!ss_image_add_region(c->im, "[Relocations]", off, count * PE_RELOC_SIZE))
            return nomem(d);
        if (!record)
            continue;
        for (uint64_t k = first; k < count; k++) {
            const uint8_t *p = c->b.p + off + k * PE_RELOC_SIZE;
            uint32_t size = pe_coff_reloc_size(c->machine, ss_load16(p + 8, false));
            if (size == 0)
                continue;
            ss_reloc *r = ss_image_add_reloc(c->im);
            if (r == NULL) {
                /* As for base relocations: the image loads, the BSS analysis says why it did
                 * not run; the regions of the remaining tables are still recorded. */
                ss_diag td = {0};
                too_many(&td, "COFF relocations", off);
                c->im->v_relocs.count = 0;
                c->im->nrelocs = 0;
                ss_image_tables_failed(c->im, SS_E_LIMIT, &td);
                record = false;
                break;
            }
            r->section = i;
            /* Objects have VirtualAddress 0 in section headers, but subtract it to be exact. */
            r->addr = (uint64_t)ss_load32(p, false) - c->sh[i].va;
            r->size = size;
        }
    }
    return SS_OK;
}

bool pe_rva_to_off(const pe_ctx *c, uint32_t rva, uint64_t *off, uint64_t *avail)
{
    for (uint32_t i = 0; i < c->nsec; i++) {
        const pe_shdr *h = &c->sh[i];
        if (h->rawptr == 0 || h->rawptr >= c->b.len || (h->chars & PE_SCN_CNT_UNINITIALIZED_DATA &&
                                                       !(h->chars & PE_SCN_CNT_INITIALIZED_DATA)))
            continue;
        /* The loader maps min(VirtualSize, SizeOfRawData) bytes from the file; the rest is zero. */
        uint64_t n = h->rawsize;
        if (h->vsize && h->vsize < n)
            n = h->vsize;
        if (n > c->b.len - h->rawptr)
            n = c->b.len - h->rawptr;
        if (rva >= h->va && rva - h->va < n) {
            *off = (uint64_t)h->rawptr + (rva - h->va);
            *avail = n - (rva - h->va);
            return true;
        }
    }
    return false;
}

/* Calls fn(ctx, place, bytes written) for each base relocation (places are ImageBase + RVA, the
 * section vaddr convention); damage is a warning. Stops when fn returns false. */
static void walk_base_relocs(pe_ctx *c, bool (*fn)(void *, uint64_t, uint32_t), void *ctx)
{
    uint32_t rva = c->dir[PE_DIR_BASERELOC].rva, size = c->dir[PE_DIR_BASERELOC].size;
    if (size == 0)
        return;
    uint64_t off, avail;
    if (!pe_rva_to_off(c, rva, &off, &avail)) {
        ss_image_warn(c->im, UINT64_MAX, "base relocation directory RVA 0x%x is in no section's file data", rva);
        return;
    }
    uint64_t len = size;
    if (len > avail) {
        ss_image_warn(c->im, off, "base relocation directory at 0x%llx runs past its section; clipped",
                      (unsigned long long)off);
        len = avail;
    }
    unsigned ptr = c->im->bits / 8;
    for (uint64_t pos = 0; len - pos >= 8;) {
        const uint8_t *p = c->b.p + off + pos;
        uint32_t page = ss_load32(p, false), bsize = ss_load32(p + 4, false);
        if (bsize < 8) { /* a zero-sized block would never advance */
            ss_image_warn(c->im, off + pos, "base relocation block at 0x%llx has size %u",
                          (unsigned long long)(off + pos), bsize);
            break;
        }
        uint64_t blen = bsize;
        if (blen > len - pos) {
            ss_image_warn(c->im, off + pos, "base relocation block at 0x%llx runs past the directory",
                          (unsigned long long)(off + pos));
            blen = len - pos;
        }
        uint64_t n = (blen - 8) / 2;
        for (uint64_t k = 0; k < n; k++) {
            uint16_t e = ss_load16(p + 8 + 2 * k, false);
            unsigned type = e >> 12;
            uint32_t rsize = pe_base_reloc_size(type, ptr);
            if (type == 4) /* HIGHADJ: the next entry is its parameter, not a relocation */
                k++;
            if (rsize != 0 && !fn(ctx, c->image_base + page + (e & 0xfffu), rsize))
                return;
        }
        pos += blen;
    }
}

typedef struct {
    pe_ctx *c;
    bool full;
} reloc_fill;

static bool put_reloc(void *ctx, uint64_t place, uint32_t rsize)
{
    reloc_fill *f = ctx;
    ss_reloc *r = ss_image_add_reloc(f->c->im);
    if (r == NULL) {
        f->full = true;
        return false;
    }
    *r = (ss_reloc){.section = -1, .addr = place, .size = rsize};
    return true;
}

ss_status pe_read_base_relocs(pe_ctx *c, ss_diag *d)
{
    (void)d; /* nothing here fails the image: damage is a warning, a huge table a lost analysis */
    reloc_fill f = {c, false};
    walk_base_relocs(c, put_reloc, &f);
    if (f.full) {
        /* Only the BSS analysis needs them: the image loads without them, and the analysis
         * says why it did not run. */
        ss_diag td = {0};
        uint64_t off = 0, avail;
        (void)pe_rva_to_off(c, c->dir[PE_DIR_BASERELOC].rva, &off, &avail);
        too_many(&td, "base relocations", off);
        c->im->v_relocs.count = 0;
        c->im->nrelocs = 0;
        ss_image_tables_failed(c->im, SS_E_LIMIT, &td);
    }
    return SS_OK;
}

typedef struct {
    ss_vmap vm;
    unsigned ptr;
    ss_fix *fx;
    size_t n, cap;
    bool ok;
} fix_fill;

/* A pointer-sized base relocation (DIR64, HIGHLOW) marks a word holding an address to be moved
 * with the image: its target is that word as the file stores it (ImageBase + RVA, the vaddr
 * convention of ss_section). Narrower kinds (HIGH, LOW) move halves of addresses: no target. */
static bool put_fix(void *ctx, uint64_t place, uint32_t rsize)
{
    fix_fill *f = ctx;
    uint64_t target;
    if (rsize != f->ptr || !ss_vmap_word(&f->vm, place, f->ptr, &target))
        return true;
    if (f->n == f->cap) {
        /* Grows with the entries the file holds (two bytes each), never by a header's count. */
        size_t nc = f->cap ? f->cap * 2 : 1024;
        ss_fix *g = realloc(f->fx, nc * sizeof *g);
        if (g == NULL)
            return f->ok = false;
        f->fx = g;
        f->cap = nc;
    }
    f->fx[f->n++] = (ss_fix){place, target};
    return true;
}

ss_status pe_read_refs(pe_ctx *c, ss_diag *d)
{
    fix_fill f = {.ptr = c->im->bits / 8, .ok = true};
    if (!ss_vmap_init(&f.vm, c->im))
        return ss_fail_nooff(d, SS_E_NOMEM, "out of memory reading references");
    walk_base_relocs(c, put_fix, &f);
    ss_vmap_free(&f.vm);
    bool ok = f.ok && ss_refs_build(c->im, f.fx, f.n, f.ptr);
    free(f.fx);
    /* The arena's cap (or the machine) refused: the image and its other analyses stand; the
     * references gathered so far are kept, and the reader says they are partial. */
    if (!ok)
        ss_image_warn(c->im, UINT64_MAX, "references into read-only data exceed the memory "
                                         "segscan allows for this file; %zu kept",
                      c->im->nrefs);
    return SS_OK;
}
