/* elf_relocs.c - where relocations write, for the BSS analysis.
 *
 * A zero-filled object that a relocation writes to is not really zero at run time (lld leaves
 * zero bytes where an R_X86_64_RELATIVE fills a pointer at load time), so the analysis needs
 * every written range. Tables are read with a cursor straight from the file bytes: the ranges
 * are already checked by the section reader, and RELR is not a type every libelf converts. */
#include <gelf.h> /* GElf_Shdr, SHT_*, R_* */

#include "elf_internal.h"

#ifndef SHT_RELR
#define SHT_RELR 19
#endif

/* Bytes written by a relocation type; the pointer size when the type is not in this table,
 * which errs on the side of calling fewer bytes movable. */
static uint32_t reloc_width(unsigned machine, uint32_t type, uint32_t ptr)
{
    if (machine == EM_X86_64) {
        switch (type) {
        case R_X86_64_PC32: case R_X86_64_GOT32: case R_X86_64_PLT32: case R_X86_64_32:
        case R_X86_64_32S: case R_X86_64_GOTPCREL: case R_X86_64_TPOFF32: case R_X86_64_DTPOFF32:
        case R_X86_64_GOTPC32: case R_X86_64_GOTPCRELX: case R_X86_64_REX_GOTPCRELX:
        case R_X86_64_TLSGD: case R_X86_64_TLSLD: case R_X86_64_GOTTPOFF:
            return 4;
        case R_X86_64_16: case R_X86_64_PC16: return 2;
        case R_X86_64_8: case R_X86_64_PC8: return 1;
        case R_X86_64_NONE: return 0;
        }
        return 8;
    }
    if (machine == EM_386) {
        switch (type) {
        case R_386_16: case R_386_PC16: return 2;
        case R_386_8: case R_386_PC8: return 1;
        case R_386_NONE: return 0;
        }
        return 4;
    }
    if (machine == EM_AARCH64) {
        switch (type) {
        case R_AARCH64_ABS64: case R_AARCH64_PREL64: case R_AARCH64_RELATIVE:
        case R_AARCH64_GLOB_DAT: case R_AARCH64_JUMP_SLOT: case R_AARCH64_TLS_TPREL:
        case R_AARCH64_TLS_DTPMOD: case R_AARCH64_TLS_DTPREL: case R_AARCH64_IRELATIVE:
        case R_AARCH64_TLSDESC:
            return 8;
        case R_AARCH64_ABS16: case R_AARCH64_PREL16: return 2;
        case R_AARCH64_NONE: return 0;
        }
        return 4; /* instruction fields */
    }
    return ptr;
}

static bool add(ss_image *im, int64_t section, uint64_t addr, uint32_t size)
{
    if (size == 0)
        return true;
    ss_reloc *r = ss_image_add_reloc(im);
    if (r == NULL)
        return false;
    r->section = section;
    r->addr = addr;
    r->size = size;
    return true;
}

/* RELR: an even word is an address written and the next base; an odd word is a bitmap of the
 * following 63 (or 31) words. */
static bool read_relr(ss_image *im, ss_span tab, bool is64, bool be)
{
    uint32_t w = is64 ? 8 : 4;
    uint64_t base = 0;
    ss_cursor c = ss_cursor_at(tab, 0, be);
    for (size_t i = 0; i < tab.len / w; i++) {
        uint64_t e = is64 ? ss_u64(&c) : ss_u32(&c);
        if ((e & 1) == 0) {
            if (!add(im, -1, e, w))
                return false;
            base = e + w;
        } else {
            unsigned bits = w * 8 - 1;
            for (unsigned b = 0; b < bits; b++)
                if ((e >> (b + 1)) & 1)
                    if (!add(im, -1, base + (uint64_t)b * w, w))
                        return false;
            base += (uint64_t)bits * w;
        }
    }
    return true;
}

ss_status ss_elf_read_relocs(ss_image *im, Elf *elf, bool is64, size_t shnum, ss_diag *d)
{
    const ss_section *secs = im->sections;
    const uint8_t *p = im->bytes.p;
    bool be = p[EI_DATA] == ELFDATA2MSB;
    unsigned machine = ss_load16(p + 18, be);
    uint32_t ptr = is64 ? 8 : 4;
    bool relocatable = im->type == SS_TYPE_RELOCATABLE;

    for (size_t i = 1; i < shnum && i < im->nsections; i++) {
        const ss_section *s = &secs[i];
        if (s->raw_type != SHT_REL && s->raw_type != SHT_RELA && s->raw_type != SHT_RELR)
            continue;
        ss_span tab;
        if (!ss_span_sub(im->bytes, s->offset, s->file_size, &tab))
            continue;
        bool ok;
        if (s->raw_type == SHT_RELR) {
            ok = read_relr(im, tab, is64, be);
        } else {
            /* In relocatable files r_offset is relative to the section named by sh_info. */
            int64_t target = -1;
            if (relocatable) {
                Elf_Scn *scn = elf_getscn(elf, i);
                GElf_Shdr sh;
                if (scn == NULL || gelf_getshdr(scn, &sh) == NULL || sh.sh_info == 0 ||
                    sh.sh_info >= shnum)
                    continue;
                target = (int64_t)sh.sh_info;
            }
            bool rela = s->raw_type == SHT_RELA;
            size_t ent = is64 ? (rela ? 24 : 16) : (rela ? 12 : 8);
            size_t count = tab.len / ent;
            ss_reloc *out = ss_image_add_relocs(im, count);
            ok = count == 0 || out != NULL;
            /* count * ent <= tab.len, so every entry read below is inside the table. */
            size_t kept = 0;
            for (size_t k = 0; k < count && out; k++) {
                const uint8_t *e = tab.p + k * ent;
                uint64_t off = is64 ? ss_load64(e, be) : ss_load32(e, be);
                uint64_t info = is64 ? ss_load64(e + 8, be) : ss_load32(e + 4, be);
                uint32_t type = is64 ? (uint32_t)(info & 0xffffffffu) : (uint32_t)(info & 0xff);
                uint32_t width = reloc_width(machine, type, ptr);
                if (width == 0)
                    continue; /* R_*_NONE writes nothing */
                out[kept++] = (ss_reloc){.section = target, .addr = off, .size = width};
            }
            if (out) { /* give back the entries of NONE relocations */
                im->v_relocs.count -= count - kept;
                im->nrelocs = im->v_relocs.count;
            }
        }
        if (!ok)
            return ss_fail_nooff(d, SS_E_NOMEM, "out of memory reading relocations");
    }
    return SS_OK;
}
