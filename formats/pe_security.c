/* pe_security.c - the PE image's exploit mitigations that winchecksec reports beyond the three
 * header bits behind "pie", "nx" and "exec_stack" (pe_harden.c): aslr, high_entropy_va, cfg,
 * safeseh, gs, force_integrity, appcontainer, cet_compat and signed, each a check on the image
 * with the evidence that decided it.
 *
 * Three structures are read, each bounded twice over:
 *   - the load configuration (data directory 10): its own Size field says how much of the
 *     structure the linker wrote (it grew with every Windows release; the loader, like
 *     llvm-readobj, trusts this field, not the directory size, which old x86 linkers set to 64
 *     whatever the structure held). Only the bytes that are both inside that Size and inside the
 *     section's raw data in the file are read: a field past either counts as absent;
 *   - the debug directory (6), for the IMAGE_DEBUG_TYPE_EX_DLLCHARACTERISTICS entry, at most 64
 *     entries (as pe.c's debug_data_regions), its data read only when it lies in the file;
 *   - the certificate table (4), whose "RVA" is a file offset: present or not, and its first
 *     WIN_CERTIFICATE header. The signature is never validated (no trust store, no hashing of
 *     the image): the evidence says so.
 * COFF objects get none of these checks (they are n-a): the linker decides them.
 *
 * Findings: "no-cfg" and "no-gs" (warnings: winchecksec's and BinSkim's baseline for any image),
 * "no-safeseh" (warning, x86 only), "no-cet-compat" (info: CET is opt-in and recent). aslr and
 * high_entropy_va are covered by pe_harden.c's "no-pie"; signed, force_integrity and appcontainer
 * are choices, not defects, and raise none (the policy rules of `check` can require them). */
#include "pe_internal.h"

#define FILE_RELOCS_STRIPPED 0x0001u
#define DLL_HIGH_ENTROPY_VA 0x0020u
#define DLL_DYNAMIC_BASE 0x0040u
#define DLL_FORCE_INTEGRITY 0x0080u
#define DLL_NO_SEH 0x0400u
#define DLL_APPCONTAINER 0x1000u
#define DLL_GUARD_CF 0x4000u
#define PE_MAGIC_PE32PLUS 0x20bu
#define MACHINE_I386 0x014cu
#define MACHINE_AMD64 0x8664u
/* IMAGE_GUARD_* bits of the load config's GuardFlags. */
#define GUARD_CF_INSTRUMENTED 0x00000100u
#define GUARD_CF_FUNCTION_TABLE_PRESENT 0x00000400u
/* IMAGE_DEBUG_TYPE_EX_DLLCHARACTERISTICS and its CET bit. */
#define DEBUG_TYPE_EX_DLLCHARACTERISTICS 20u
#define DLL_EX_CET_COMPAT 0x0001u
#define DEBUG_ENTRY_SIZE 28u
#define DEBUG_MAX_ENTRIES 64u
#define WIN_CERT_TYPE_PKCS_SIGNED_DATA 2u

/* What the load configuration holds, as far as its Size field and the file allow. */
typedef struct {
    bool present;           /* the directory points at file bytes holding at least Size */
    uint32_t rva, dir_size; /* data directory 10 */
    uint32_t size_field;    /* the structure's own Size */
    uint64_t readable;      /* bytes read: min(Size, bytes of the section in the file) */
    bool has_cookie, has_seh, has_cf, has_guard_flags;
    uint64_t cookie, seh_table, seh_count, cf_table, cf_count;
    uint32_t guard_flags;
} pe_loadcfg;

/* Field offsets of IMAGE_LOAD_CONFIG_DIRECTORY32 / 64 (pointer-sized fields grow). */
typedef struct {
    unsigned cookie, seh_table, seh_count, cf_table, cf_count, guard_flags, ptr;
} loadcfg_layout;

static const loadcfg_layout layout32 = {60, 64, 68, 80, 84, 88, 4};
static const loadcfg_layout layout64 = {88, 96, 104, 128, 136, 144, 8};

static bool field(const pe_loadcfg *lc, const uint8_t *p, unsigned at, unsigned width,
                  uint64_t *out)
{
    if ((uint64_t)at + width > lc->readable)
        return false;
    *out = width == 8 ? ss_load64(p + at, false) : ss_load32(p + at, false);
    return true;
}

static void read_loadcfg(pe_ctx *c, pe_loadcfg *lc)
{
    lc->rva = c->dir[PE_DIR_LOAD_CONFIG].rva;
    lc->dir_size = c->dir[PE_DIR_LOAD_CONFIG].size;
    if (lc->rva == 0 || lc->dir_size == 0)
        return;
    uint64_t off, avail;
    if (!pe_rva_to_off(c, lc->rva, &off, &avail) || avail < 4) {
        ss_image_warn(c->im, UINT64_MAX,
                      "load config directory RVA 0x%x is in no section's file data: ignored",
                      lc->rva);
        return;
    }
    const uint8_t *p = c->b.p + off;
    lc->size_field = ss_load32(p, false);
    lc->readable = lc->size_field < avail ? lc->size_field : avail;
    if (lc->size_field > avail)
        ss_image_warn(c->im, off,
                      "load config at 0x%llx states Size %u but only %llu bytes of it are in the "
                      "file: fields past them read as absent",
                      (unsigned long long)off, lc->size_field, (unsigned long long)avail);
    lc->present = true;
    const loadcfg_layout *l = c->im->bits == 64 ? &layout64 : &layout32;
    uint64_t flags = 0;
    lc->has_cookie = field(lc, p, l->cookie, l->ptr, &lc->cookie);
    lc->has_seh = field(lc, p, l->seh_table, l->ptr, &lc->seh_table) &&
                  field(lc, p, l->seh_count, l->ptr, &lc->seh_count);
    lc->has_cf = field(lc, p, l->cf_table, l->ptr, &lc->cf_table) &&
                 field(lc, p, l->cf_count, l->ptr, &lc->cf_count);
    lc->has_guard_flags = field(lc, p, l->guard_flags, 4, &flags);
    lc->guard_flags = (uint32_t)flags;
}

/* The extended DLL characteristics from the debug directory; false when there is no such
 * entry (or its data is not in the file: then *where says why, for the evidence). */
static bool ex_dll_characteristics(pe_ctx *c, uint32_t *flags, const char **why)
{
    uint64_t off, avail;
    uint32_t size = c->dir[PE_DIR_DEBUG].size;
    *why = "no debug directory";
    if (size == 0 || !pe_rva_to_off(c, c->dir[PE_DIR_DEBUG].rva, &off, &avail))
        return false;
    uint64_t n = (size < avail ? size : avail) / DEBUG_ENTRY_SIZE;
    if (n > DEBUG_MAX_ENTRIES)
        n = DEBUG_MAX_ENTRIES; /* pe.c warned already */
    *why = "no IMAGE_DEBUG_TYPE_EX_DLLCHARACTERISTICS entry in the debug directory";
    for (uint64_t k = 0; k < n; k++) {
        const uint8_t *e = c->b.p + off + DEBUG_ENTRY_SIZE * k;
        if (ss_load32(e + 12, false) != DEBUG_TYPE_EX_DLLCHARACTERISTICS)
            continue;
        uint32_t dsize = ss_load32(e + 16, false), dptr = ss_load32(e + 24, false);
        if (dsize < 4 || !ss_range_ok(dptr, 4, c->b.len)) {
            ss_image_warn(c->im, off + DEBUG_ENTRY_SIZE * k,
                          "extended DLL characteristics entry: %u bytes at file offset 0x%x are "
                          "not in the file",
                          dsize, dptr);
            *why = "the IMAGE_DEBUG_TYPE_EX_DLLCHARACTERISTICS entry's data is not in the file";
            return false;
        }
        *flags = ss_load32(c->b.p + dptr, false);
        return true;
    }
    return false;
}

static bool check_aslr(pe_ctx *c, uint16_t ch, uint16_t dc, bool plus)
{
    ss_image *im = c->im;
    bool dyn = dc & DLL_DYNAMIC_BASE, stripped = ch & FILE_RELOCS_STRIPPED;
    bool relocs = c->dir[PE_DIR_BASERELOC].size != 0;
    ss_hval v = !dyn ? SS_HV_NO : stripped ? SS_HV_PARTIAL : SS_HV_YES;
    if (!ss_image_check(im, "aslr", v,
                        "DllCharacteristics 0x%04x: %s DYNAMIC_BASE; Characteristics 0x%04x: %s; "
                        "base relocation directory: %s",
                        dc, dyn ? "with" : "without", ch,
                        stripped ? "RELOCS_STRIPPED (the loader cannot move the image)"
                                 : "relocations not stripped",
                        relocs ? "present" : "empty"))
        return false;
    if (!plus)
        return ss_image_check(im, "high_entropy_va", SS_HV_NA,
                              "PE32: a 32-bit address space has no high-entropy layout");
    bool he = dc & DLL_HIGH_ENTROPY_VA;
    return ss_image_check(im, "high_entropy_va", he && dyn ? SS_HV_YES : SS_HV_NO,
                          "DllCharacteristics 0x%04x: %s HIGH_ENTROPY_VA%s", dc,
                          he ? "with" : "without",
                          he && !dyn ? " but without DYNAMIC_BASE (no effect)" : "");
}

static bool check_cfg(ss_image *im, uint16_t dc, const pe_loadcfg *lc)
{
    bool flag = dc & DLL_GUARD_CF;
    bool table = lc->has_cf && lc->cf_table != 0;
    bool instrumented = lc->has_guard_flags && (lc->guard_flags & GUARD_CF_INSTRUMENTED);
    /* The loader enforces CFG only with the flag and the load config's table both present. */
    ss_hval v = flag && table && instrumented ? SS_HV_YES : flag || table ? SS_HV_PARTIAL : SS_HV_NO;
    if (!lc->present)
        return ss_image_check(im, "cfg", flag ? SS_HV_PARTIAL : SS_HV_NO,
                              "DllCharacteristics 0x%04x: %s GUARD_CF; no load config directory "
                              "(no guard table)",
                              dc, flag ? "with" : "without");
    if (!lc->has_cf)
        return ss_image_check(im, "cfg", v,
                              "DllCharacteristics 0x%04x: %s GUARD_CF; load config Size %u ends "
                              "before GuardCFFunctionTable",
                              dc, flag ? "with" : "without", lc->size_field);
    return ss_image_check(im, "cfg", v,
                          "DllCharacteristics 0x%04x: %s GUARD_CF; load config "
                          "GuardCFFunctionTable 0x%llx (%llu functions), GuardFlags 0x%08x%s%s",
                          dc, flag ? "with" : "without", (unsigned long long)lc->cf_table,
                          (unsigned long long)lc->cf_count, lc->guard_flags,
                          instrumented ? " (CF_INSTRUMENTED)" : " (not CF_INSTRUMENTED)",
                          (lc->guard_flags & GUARD_CF_FUNCTION_TABLE_PRESENT)
                              ? ", FUNCTION_TABLE_PRESENT" : "");
}

static bool check_safeseh(pe_ctx *c, uint16_t dc, const pe_loadcfg *lc)
{
    ss_image *im = c->im;
    if (c->machine != MACHINE_I386)
        return ss_image_check(im, "safeseh", SS_HV_NA,
                              "machine %s: SafeSEH exists on x86 only (other machines unwind "
                              "through tables)",
                              im->machine);
    if (dc & DLL_NO_SEH)
        return ss_image_check(im, "safeseh", SS_HV_YES,
                              "DllCharacteristics 0x%04x: NO_SEH (the image has no exception "
                              "handlers to register)",
                              dc);
    if (!lc->present)
        return ss_image_check(im, "safeseh", SS_HV_NO,
                              "no load config directory: no SEH handler table, and no NO_SEH");
    if (!lc->has_seh)
        return ss_image_check(im, "safeseh", SS_HV_NO,
                              "load config Size %u ends before SEHandlerTable; no NO_SEH",
                              lc->size_field);
    bool on = lc->seh_table != 0;
    return ss_image_check(im, "safeseh", on ? SS_HV_YES : SS_HV_NO,
                          "load config SEHandlerTable 0x%llx, SEHandlerCount %llu%s",
                          (unsigned long long)lc->seh_table, (unsigned long long)lc->seh_count,
                          on ? "" : "; no NO_SEH");
}

static bool check_gs(ss_image *im, const pe_loadcfg *lc)
{
    if (!lc->present)
        return ss_image_check(im, "gs", SS_HV_NO,
                              "no load config directory: no /GS security cookie registered");
    if (!lc->has_cookie)
        return ss_image_check(im, "gs", SS_HV_NO, "load config Size %u ends before SecurityCookie",
                              lc->size_field);
    return ss_image_check(im, "gs", lc->cookie ? SS_HV_YES : SS_HV_NO,
                          "load config SecurityCookie 0x%llx", (unsigned long long)lc->cookie);
}

static bool check_cet(pe_ctx *c, uint32_t *ex_out)
{
    ss_image *im = c->im;
    if (c->machine != MACHINE_I386 && c->machine != MACHINE_AMD64)
        return ss_image_check(im, "cet_compat", SS_HV_NA,
                              "machine %s: CET shadow stacks exist on x86 and x86-64 only",
                              im->machine);
    uint32_t ex = 0;
    const char *why = NULL;
    if (!ex_dll_characteristics(c, &ex, &why))
        return ss_image_check(im, "cet_compat", SS_HV_NO, "%s", why);
    *ex_out = ex;
    return ss_image_check(im, "cet_compat", (ex & DLL_EX_CET_COMPAT) ? SS_HV_YES : SS_HV_NO,
                          "extended DLL characteristics (debug directory type 20) 0x%08x: %s "
                          "CET_COMPAT",
                          ex, (ex & DLL_EX_CET_COMPAT) ? "with" : "without");
}

static bool check_signed(pe_ctx *c)
{
    ss_image *im = c->im;
    uint32_t off = c->dir[PE_DIR_SECURITY].rva, size = c->dir[PE_DIR_SECURITY].size;
    if (size == 0)
        return ss_image_check(im, "signed", SS_HV_NO, "no certificate table (data directory 4 empty)");
    if (!ss_range_ok(off, size, c->b.len) || size < 8)
        return ss_image_check(im, "signed", SS_HV_UNKNOWN,
                              "certificate table at file offset 0x%x (%u bytes) is %s", off, size,
                              size < 8 ? "too small for a WIN_CERTIFICATE header"
                                       : "not inside the file");
    const uint8_t *p = c->b.p + off;
    uint32_t len = ss_load32(p, false);
    unsigned rev = ss_load16(p + 4, false), type = ss_load16(p + 6, false);
    return ss_image_check(im, "signed", SS_HV_YES,
                          "certificate table at file offset 0x%x (%u bytes): WIN_CERTIFICATE "
                          "length %u, revision 0x%04x, type %u%s; present, not validated",
                          off, size, len, rev, type,
                          type == WIN_CERT_TYPE_PKCS_SIGNED_DATA ? " (PKCS#7 signed data)" : "");
}

/* The finding for a check that came out no (or partial), with the flag word as evidence. */
static bool finding(ss_image *im, const char *key, const char *id, ss_severity sev,
                    const char *msg, const char *flag_name, uint64_t flags)
{
    ss_hval v = ss_image_check_value(im, key);
    if (v != SS_HV_NO && v != SS_HV_PARTIAL)
        return true;
    ss_evidence e = ss_evidence_flag(flag_name, flags);
    return ss_image_check_finding(im, key, id, sev, "%s", msg) &&
           ss_image_check_evidence(im, key, &e);
}

static bool findings(ss_image *im, uint16_t dc, const pe_loadcfg *lc, uint32_t ex)
{
    return finding(im, "cfg", "no-cfg", SS_SEV_WARNING,
                   ss_image_check_value(im, "cfg") == SS_HV_PARTIAL
                       ? "Control Flow Guard incomplete: GUARD_CF and the load config's guard "
                         "table must both be present"
                       : "no Control Flow Guard (link with /guard:cf)",
                   "DllCharacteristics", dc) &&
           finding(im, "gs", "no-gs", SS_SEV_WARNING,
                   "no /GS security cookie in the load config", "LoadConfig.SecurityCookie",
                   lc->cookie) &&
           finding(im, "safeseh", "no-safeseh", SS_SEV_WARNING,
                   "x86 image without a SafeSEH handler table (link with /SAFESEH)",
                   "LoadConfig.SEHandlerTable", lc->seh_table) &&
           finding(im, "cet_compat", "no-cet-compat", SS_SEV_INFO,
                   "not marked CET shadow-stack compatible (link with /CETCOMPAT)",
                   "ExtendedDllCharacteristics", ex);
}

bool pe_security_checks(pe_ctx *c, uint16_t magic, uint16_t characteristics,
                        uint16_t dll_characteristics)
{
    if (!c->is_image)
        return true;
    ss_image *im = c->im;
    uint16_t dc = dll_characteristics;
    pe_loadcfg lc = {0};
    uint32_t ex = 0;
    read_loadcfg(c, &lc);
    return check_aslr(c, characteristics, dc, magic == PE_MAGIC_PE32PLUS) &&
           check_cfg(im, dc, &lc) && check_safeseh(c, dc, &lc) && check_gs(im, &lc) &&
           ss_image_check(im, "force_integrity",
                          (dc & DLL_FORCE_INTEGRITY) ? SS_HV_YES : SS_HV_NO,
                          "DllCharacteristics 0x%04x: %s FORCE_INTEGRITY", dc,
                          (dc & DLL_FORCE_INTEGRITY) ? "with" : "without") &&
           ss_image_check(im, "appcontainer", (dc & DLL_APPCONTAINER) ? SS_HV_YES : SS_HV_NO,
                          "DllCharacteristics 0x%04x: %s APPCONTAINER", dc,
                          (dc & DLL_APPCONTAINER) ? "with" : "without") &&
           check_cet(c, &ex) && check_signed(c) && findings(im, dc, &lc, ex);
}
