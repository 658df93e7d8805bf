/* macho_symbols.c - Mach-O symbols (LC_SYMTAB's nlist / nlist_64 entries) into the model.
 *
 * The table's and string table's ranges were checked against the image by macho.c; here each
 * name offset is checked against the string table, each section number against the sections,
 * and the derived sizes are computed in O(n log n) whatever the table holds. */
#include "macho.h"

#include <stdlib.h> /* qsort */
#include <string.h> /* memrchr, strnlen */

/* Longest symbol name kept (as the ELF reader's section names); longer ones are cut. */
#define SYM_NAME_MAX 4096

typedef struct {
    ss_image *im;
    const ss_macho_sect *sects;
    bool object;
    ss_diag *d;
} sym_ctx;

static ss_status oom(ss_diag *d)
{
    return ss_fail_nooff(d, SS_E_NOMEM, "out of memory reading Mach-O symbols");
}

typedef struct {
    uint64_t value;
    size_t sym;
    int64_t sect;
} sym_key;

static int sym_key_cmp(const void *a, const void *b)
{
    const sym_key *x = a, *y = b;
    if (x->sect != y->sect)
        return x->sect < y->sect ? -1 : 1;
    if (x->value != y->value)
        return x->value < y->value ? -1 : 1;
    return x->sym < y->sym ? -1 : x->sym > y->sym;
}

static ss_sym_type sym_type_of(const ss_section *s)
{
    switch (s->kind) {
    case SS_KIND_CODE: return SS_SYM_FUNC;
    case SS_KIND_TLS_DATA:
    case SS_KIND_TLS_BSS: return SS_SYM_TLS;
    case SS_KIND_DEBUG:
    case SS_KIND_METADATA:
    case SS_KIND_OTHER: return SS_SYM_NOTYPE;
    default: return SS_SYM_OBJECT;
    }
}

/* Mach-O stores no symbol sizes, but the BSS analysis needs object sizes: a defined symbol's
 * size is taken as the distance to the next higher symbol address in its section, or to the
 * section's end for the last one (what nm/bloaty-style tools infer). Symbols sharing an
 * address get the same size. */
static ss_status size_symbols(sym_ctx *m)
{
    ss_image *im = m->im;
    size_t n = im->v_symbols.count, k = 0;
    if (n == 0)
        return SS_OK;
    sym_key *keys = ss_arena_array(im->arena, n, sizeof *keys);
    if (keys == NULL)
        return oom(m->d);
    ss_symbol *syms = im->v_symbols.items;
    for (size_t i = 0; i < n; i++)
        if (syms[i].defined && syms[i].section >= 0 && syms[i].type != SS_SYM_COMMON)
            keys[k++] = (sym_key){syms[i].value, i, syms[i].section};
    if (k)
        qsort(keys, k, sizeof *keys, sym_key_cmp);
    const ss_macho_sect *xs = m->sects;
    /* One pass over runs of equal (section, value): each run's size reaches to the next run's
     * value, the last run's to its section's end (linear even when a crafted table puts a
     * million symbols at one address). */
    for (size_t i = 0; i < k;) {
        size_t j = i + 1;
        while (j < k && keys[j].sect == keys[i].sect && keys[j].value == keys[i].value)
            j++;
        const ss_macho_sect *x = &xs[keys[i].sect];
        uint64_t v = keys[i].value, size = 0;
        bool in_sect = v >= x->addr && v - x->addr <= x->size;
        if (j < k && keys[j].sect == keys[i].sect)
            size = keys[j].value - v;
        else if (in_sect)
            size = x->size - (v - x->addr);
        for (; i < j; i++) {
            syms[keys[i].sym].size = size;
            syms[keys[i].sym].size_derived = true;
        }
    }
    /* Relocatable objects: the model wants values as offsets in their section. */
    if (m->object)
        for (size_t i = 0; i < n; i++)
            if (syms[i].defined && syms[i].section >= 0)
                syms[i].value -= xs[syms[i].section].addr;
    return SS_OK;
}

ss_status ss_macho_read_symbols(ss_image *im, const ss_macho_symtab *st, bool be, bool is64,
                               bool object, const ss_macho_sect *sects, ss_diag *d)
{
    sym_ctx ctx = {im, sects, object, d}, *m = &ctx;
    ss_span b = im->bytes;
    ss_span strtab = {0};
    ss_span_sub(b, st->stroff, st->strsize, &strtab); /* checked in on_symtab */
    uint64_t entsize = is64 ? 16 : 12;
    size_t nsect = im->v_sections.count;
    unsigned bad_strx = 0, bad_sect = 0, long_names = 0;
    /* Names that start below the table's last NUL are terminated inside it (found once, not
     * by a search over the rest of the table per symbol). */
    const uint8_t *last_nul = strtab.len ? memrchr(strtab.p, 0, strtab.len) : NULL;
    size_t terminated = last_nul ? (size_t)(last_nul - strtab.p) + 1 : 0;
    for (uint32_t i = 0; i < st->nsyms; i++) {
        uint64_t at = st->symoff + (uint64_t)i * entsize; /* inside the file: checked */
        ss_cursor c = ss_cursor_at(b, (size_t)at, be);
        uint32_t strx = ss_u32(&c);
        uint8_t type = ss_u8(&c), sect = ss_u8(&c);
        uint16_t desc = ss_u16(&c);
        uint64_t value = is64 ? ss_u64(&c) : ss_u32(&c);
        if (c.failed)
            return ss_fail(d, SS_E_TRUNCATED, at, "symbol %u runs past the end of the file", i);
        if (type & N_STAB) /* debugger map entries (N_FUN, N_SO ...): not program symbols */
            continue;
        ss_symbol *s = ss_image_add_symbol(im);
        if (s == NULL)
            return oom(d);
        size_t nlen = 0;
        if (strx == 0) {
            s->name = "";
        } else if (strx < terminated) {
            /* A NUL lies below `terminated`; a name is read up to SYM_NAME_MAX bytes, so symbols
             * naming one long run of bytes cost SYM_NAME_MAX each, not the rest of the table. */
            nlen = strnlen((const char *)strtab.p + strx, SYM_NAME_MAX);
            s->name = ss_image_name(im, (const char *)strtab.p + strx, nlen);
            if (nlen == SYM_NAME_MAX && long_names++ == 0)
                ss_image_warn(im, at, "symbol %u: name longer than %u bytes cut", i,
                              (unsigned)SYM_NAME_MAX);
        } else {
            if (bad_strx++ == 0)
                ss_image_warn(im, at, "symbol %u: name offset %u lies outside the string table "
                              "or is unterminated", i, strx);
            s->name = ss_arena_printf(im->arena, "<bad name %u>", strx);
        }
        if (s->name == NULL)
            return oom(d);
        s->value = value;
        uint8_t kind = type & N_TYPE;
        bool ext = (type & N_EXT) != 0;
        switch (kind) {
        case N_SECT:
            s->defined = true;
            if (sect >= 1 && sect <= nsect) {
                s->section = sect - 1;
                s->type = sym_type_of((const ss_section *)im->v_sections.items + (sect - 1));
            } else {
                if (bad_sect++ == 0)
                    ss_image_warn(im, at, "symbol %u: section number %u does not exist", i, sect);
                s->type = SS_SYM_NOTYPE;
            }
            break;
        case N_UNDF:
            if (ext && value != 0) {
                /* A common symbol: n_value is its size, the alignment is a power of two in
                 * bits 8..11 of n_desc. Like ELF's SHN_COMMON: defined, in no section. */
                s->type = SS_SYM_COMMON;
                s->defined = true;
                s->size = value;
                s->value = (uint64_t)1 << ((desc >> 8) & 0x0f);
            } else {
                s->type = SS_SYM_NOTYPE;
            }
            break;
        case N_ABS:
            s->defined = true;
            s->type = SS_SYM_NOTYPE;
            break;
        default: /* N_INDR, N_PBUD */
            s->type = SS_SYM_OTHER;
            break;
        }
        if (!ext)
            s->bind = SS_BIND_LOCAL; /* also N_PEXT alone: made static by the linker */
        else if ((kind == N_UNDF ? desc & N_WEAK_REF : desc & N_WEAK_DEF) != 0)
            s->bind = SS_BIND_WEAK;
        else
            s->bind = SS_BIND_GLOBAL;
    }
    return size_symbols(m);
}

