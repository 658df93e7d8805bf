/* macho_security.c - the Mach-O image's protections beyond the header bits behind "pie", "nx"
 * and "exec_stack" (macho_harden.c): signed, hardened_runtime, restrict, encrypted and arm64e,
 * each a check on the image with the evidence that decided it.
 *
 * The code signature (LC_CODE_SIGNATURE's linkedit data) is an embedded-signature superblob,
 * big-endian whatever the image's byte order: a header (magic, length, count), an index of
 * (slot type, offset) pairs, and blobs at those offsets. segscan reads the code directory in
 * slot 0 for its flags (CS_ADHOC, CS_RUNTIME) and the CMS wrapper in slot 0x10000 for its size;
 * every blob is bounded by the superblob's own length, the command's datasize and the file,
 * and the index by what fits. It hashes nothing and checks no certificate: "signed" says a
 * signature is there, never that it is valid.
 *
 * Values, chosen so that a CI rule `require-signed` means "signed by someone":
 *   signed: yes (a code directory without CS_ADHOC: a certificate-based signature, not
 *           validated), partial (ad-hoc: CS_ADHOC, what ld64 and lld write on arm64 by default,
 *           which proves no identity), no (no LC_CODE_SIGNATURE), unknown (the blob cannot be
 *           read: outside the file, bad magic, no code directory);
 *   hardened_runtime: CS_RUNTIME in the code directory's flags (no when unsigned);
 *   restrict: a `__RESTRICT,__restrict` section, which makes dyld ignore DYLD_* variables
 *           (main executables only: n-a elsewhere);
 *   encrypted: LC_ENCRYPTION_INFO[_64] with a cryptid other than 0 (lld -encryptable writes 0:
 *           a range that the App Store may encrypt, not encrypted);
 *   arm64e: CPU_SUBTYPE_ARM64E (pointer authentication), arm64 images only.
 * Objects, core files and dSYM companions are not signed or loaded: only arm64e applies. */
#include <string.h> /* strcmp */

#include "macho.h"

#define CSMAGIC_EMBEDDED_SIGNATURE 0xfade0cc0u
#define CSMAGIC_CODEDIRECTORY 0xfade0c02u
#define CSMAGIC_BLOBWRAPPER 0xfade0b01u
#define CSSLOT_CODEDIRECTORY 0u
#define CSSLOT_SIGNATURESLOT 0x10000u
#define CS_ADHOC 0x00000002u
#define CS_RUNTIME 0x00010000u
#define CS_LINKER_SIGNED 0x00020000u
/* The superblob index holds a handful of slots (code directories, requirements, entitlements,
 * CMS); more than this is no signature a tool wrote. */
#define CS_MAX_SLOTS 64u

typedef enum { SIG_NONE, SIG_UNREADABLE, SIG_READ } sig_state;

typedef struct {
    sig_state state;
    const char *why;      /* SIG_UNREADABLE: what is wrong */
    uint32_t cd_flags;    /* SIG_READ */
    uint32_t cms_size;    /* bytes of CMS data in slot 0x10000, 0 when none or empty */
} sig_info;

static void read_signature(ss_image *im, const ss_macho_security *s, sig_info *si)
{
    if (!s->has_signature) {
        si->state = SIG_NONE;
        return;
    }
    si->state = SIG_UNREADABLE;
    if (!ss_range_ok(s->sig_off, s->sig_size, im->bytes.len) || s->sig_size < 12) {
        si->why = "the signature data is not inside the file";
        return;
    }
    const uint8_t *b = im->bytes.p + s->sig_off;
    if (ss_load32(b, true) != CSMAGIC_EMBEDDED_SIGNATURE) {
        si->why = "the signature data does not start with the embedded-signature magic";
        return;
    }
    uint64_t limit = ss_load32(b + 4, true);
    if (limit > s->sig_size)
        limit = s->sig_size;
    uint64_t count = ss_load32(b + 8, true);
    if (limit < 12 || count > (limit - 12) / 8 || count > CS_MAX_SLOTS) {
        si->why = "the superblob's index does not fit in it";
        return;
    }
    bool have_cd = false;
    for (uint64_t i = 0; i < count; i++) {
        uint32_t type = ss_load32(b + 12 + 8 * i, true), off = ss_load32(b + 16 + 8 * i, true);
        if (!ss_range_ok(off, 8, limit))
            continue;
        uint32_t magic = ss_load32(b + off, true), len = ss_load32(b + off + 4, true);
        if (!ss_range_ok(off, len, limit))
            continue;
        if (type == CSSLOT_CODEDIRECTORY && magic == CSMAGIC_CODEDIRECTORY && len >= 16) {
            si->cd_flags = ss_load32(b + off + 12, true);
            have_cd = true;
        } else if (type == CSSLOT_SIGNATURESLOT && magic == CSMAGIC_BLOBWRAPPER && len >= 8) {
            si->cms_size = len - 8;
        }
    }
    if (!have_cd) {
        si->why = "no readable code directory in slot 0";
        return;
    }
    si->state = SIG_READ;
}

static bool check_signed(ss_image *im, const ss_macho_security *s, const sig_info *si)
{
    switch (si->state) {
    case SIG_NONE:
        return ss_image_check(im, "signed", SS_HV_NO, "no LC_CODE_SIGNATURE load command");
    case SIG_UNREADABLE:
        return ss_image_check(im, "signed", SS_HV_UNKNOWN,
                              "LC_CODE_SIGNATURE at file offset 0x%x (%u bytes): %s", s->sig_off,
                              s->sig_size, si->why);
    case SIG_READ:
        break;
    }
    bool linker = si->cd_flags & CS_LINKER_SIGNED;
    if (si->cd_flags & CS_ADHOC)
        return ss_image_check(im, "signed", SS_HV_PARTIAL,
                              "LC_CODE_SIGNATURE at file offset 0x%x (%u bytes): ad-hoc (code "
                              "directory flags 0x%08x: CS_ADHOC%s), no certificate, proves no "
                              "identity",
                              s->sig_off, s->sig_size, si->cd_flags,
                              linker ? ", CS_LINKER_SIGNED" : "");
    return ss_image_check(im, "signed", SS_HV_YES,
                          "LC_CODE_SIGNATURE at file offset 0x%x (%u bytes): code directory "
                          "flags 0x%08x, CMS signature %u bytes; present, not validated",
                          s->sig_off, s->sig_size, si->cd_flags, si->cms_size);
}

static bool check_runtime(ss_image *im, const sig_info *si)
{
    switch (si->state) {
    case SIG_NONE:
        return ss_image_check(im, "hardened_runtime", SS_HV_NO,
                              "no code signature, so no CS_RUNTIME flag");
    case SIG_UNREADABLE:
        return ss_image_check(im, "hardened_runtime", SS_HV_UNKNOWN,
                              "the code signature cannot be read: %s", si->why);
    case SIG_READ:
        break;
    }
    bool on = si->cd_flags & CS_RUNTIME;
    return ss_image_check(im, "hardened_runtime", on ? SS_HV_YES : SS_HV_NO,
                          "code directory flags 0x%08x: %s CS_RUNTIME", si->cd_flags,
                          on ? "with" : "without");
}

static bool check_restrict(ss_image *im, uint32_t filetype)
{
    if (filetype != MH_EXECUTE)
        return ss_image_check(im, "restrict", SS_HV_NA,
                              "dyld honours __RESTRICT,__restrict in the main executable only");
    for (size_t i = 0; i < im->v_sections.count; i++) {
        const ss_section *sec = (const ss_section *)im->v_sections.items + i;
        if (strcmp(sec->name, "__RESTRICT,__restrict") == 0)
            return ss_image_check(im, "restrict", SS_HV_YES,
                                  "section %zu __RESTRICT,__restrict (%llu bytes): dyld ignores "
                                  "DYLD_* environment variables",
                                  i, (unsigned long long)sec->file_size);
    }
    return ss_image_check(im, "restrict", SS_HV_NO, "no __RESTRICT,__restrict section");
}

static bool check_encrypted(ss_image *im, const ss_macho_security *s)
{
    if (s->encryption_cmd == 0)
        return ss_image_check(im, "encrypted", SS_HV_NO, "no LC_ENCRYPTION_INFO load command");
    const char *cmd = s->encryption_cmd == LC_ENCRYPTION_INFO_64 ? "LC_ENCRYPTION_INFO_64"
                                                                 : "LC_ENCRYPTION_INFO";
    return ss_image_check(im, "encrypted", s->cryptid ? SS_HV_YES : SS_HV_NO,
                          "%s: cryptid %u, cryptoff 0x%x, cryptsize %u%s", cmd, s->cryptid,
                          s->cryptoff, s->cryptsize,
                          s->cryptid ? "" : " (encryptable, not encrypted)");
}

static bool check_arm64e(ss_image *im, const ss_macho_security *s)
{
    if (s->cputype != CPU_TYPE_ARM64)
        return ss_image_check(im, "arm64e", SS_HV_NA,
                              "cputype 0x%x (%s): pointer authentication is an arm64 feature",
                              s->cputype, im->machine);
    bool e = (s->cpusubtype & ~CPU_SUBTYPE_MASK) == CPU_SUBTYPE_ARM64E;
    return ss_image_check(im, "arm64e", e ? SS_HV_YES : SS_HV_NO,
                          "cputype ARM64, cpusubtype 0x%08x: %s", s->cpusubtype,
                          e ? "ARM64E (pointer authentication)" : "not ARM64E");
}

bool ss_macho_security_checks(ss_image *im, const ss_macho_security *s)
{
    if (!check_arm64e(im, s))
        return false;
    if (s->filetype == MH_OBJECT || s->filetype == MH_CORE || s->filetype == MH_DSYM)
        return true;
    sig_info si = {0};
    read_signature(im, s, &si);
    return check_signed(im, s, &si) && check_runtime(im, &si) &&
           check_restrict(im, s->filetype) && check_encrypted(im, s);
}
