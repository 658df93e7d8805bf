/* pe_harden.c - what a PE image says about its hardening, as neutral checks on the image.
 *
 * Every decision about PE constants is made here (core/ only prints the checks and raises the
 * findings worded here). Today: "pie" (DYNAMIC_BASE, relocations kept, and on PE32+
 * HIGH_ENTROPY_VA), "nx" and "exec_stack" (NX_COMPAT). */
#include "pe_internal.h"

#define PE_FILE_RELOCS_STRIPPED 0x0001u
#define PE_DLL_HIGH_ENTROPY_VA 0x0020u
#define PE_DLL_DYNAMIC_BASE 0x0040u
#define PE_DLL_NX_COMPAT 0x0100u
#define PE_MAGIC_PE32PLUS 0x20bu

static bool flags_evidence(ss_image *im, const char *key, const pe_harden_in *in, bool both)
{
    ss_evidence e = ss_evidence_flag("DllCharacteristics", in->dll_characteristics);
    if (!ss_image_check_evidence(im, key, &e))
        return false;
    if (!both)
        return true;
    e = ss_evidence_flag("Characteristics", in->characteristics);
    return ss_image_check_evidence(im, key, &e);
}

bool pe_harden(ss_image *im, const pe_harden_in *in)
{
    im->format_label = "PE";
    im->segments_from_sections = true;
    im->object_linker = SS_LINKER_PE;
    im->linker = in->is_image ? SS_LINKER_PE : SS_LINKER_NONE;
    if (!in->is_image)
        return true;
    uint16_t dc = in->dll_characteristics, ch = in->characteristics;
    bool dyn = dc & PE_DLL_DYNAMIC_BASE, stripped = ch & PE_FILE_RELOCS_STRIPPED;
    bool plus = in->magic == PE_MAGIC_PE32PLUS, he = dc & PE_DLL_HIGH_ENTROPY_VA;
    bool aslr = dyn && !stripped && (!plus || he);
    bool nx = dc & PE_DLL_NX_COMPAT;
    const char *why = !dyn ? "no DYNAMIC_BASE"
                      : stripped ? "relocations stripped (RELOCS_STRIPPED)"
                                 : "no HIGH_ENTROPY_VA (low-entropy ASLR)";
    if (!ss_image_check(im, "pie", aslr ? SS_HV_YES : SS_HV_NO,
                        "DllCharacteristics 0x%04x: %s DYNAMIC_BASE%s; Characteristics 0x%04x: "
                        "relocations %s",
                        dc, dyn ? "with" : "without",
                        plus ? (he ? ", with HIGH_ENTROPY_VA" : ", without HIGH_ENTROPY_VA") : "",
                        ch, stripped ? "stripped" : "kept") ||
        !ss_image_check(im, "nx", nx ? SS_HV_YES : SS_HV_NO, "DllCharacteristics 0x%04x: %s NX_COMPAT",
                        dc, nx ? "with" : "without") ||
        !ss_image_check(im, "exec_stack", nx ? SS_HV_NO : SS_HV_YES,
                        "DllCharacteristics 0x%04x: %s NX_COMPAT", dc, nx ? "with" : "without"))
        return false;
    if (!aslr && !(ss_image_check_finding(im, "pie", "no-pie", SS_SEV_WARNING, "no full ASLR: %s", why) &&
                   flags_evidence(im, "pie", in, true)))
        return false;
    if (!nx && !(ss_image_check_finding(im, "exec_stack", "exec-stack", SS_SEV_ERROR,
                                        "no NX_COMPAT: stack and heap are executable") &&
                 flags_evidence(im, "exec_stack", in, false) &&
                 ss_image_check_finding(im, "nx", "no-nx", SS_SEV_WARNING,
                                        "no NX_COMPAT (DEP off for this image)") &&
                 flags_evidence(im, "nx", in, false)))
        return false;
    return true;
}
