/* macho_harden.c - what a Mach-O image says about its hardening, as neutral checks on the image.
 *
 * Every decision about Mach-O constants is made here (core/ only prints the checks and raises
 * the findings worded here). Today: "pie" (MH_PIE), "exec_stack" (MH_ALLOW_STACK_EXECUTION) and
 * "nx" (MH_NO_HEAP_EXECUTION: judged on 32-bit x86 only, where a heap could be executable;
 * n-a elsewhere), for MH_EXECUTE images. */
#include "macho.h"

#define MH_ALLOW_STACK_EXECUTION 0x20000u
#define MH_PIE 0x200000u
#define MH_NO_HEAP_EXECUTION 0x1000000u
#define CPU_TYPE_X86 7u /* 32-bit x86 only: x86_64 carries CPU_ARCH_ABI64 */

static bool flags_evidence(ss_image *im, const char *key, uint32_t flags)
{
    ss_evidence e = ss_evidence_flag("mach_header.flags", flags);
    return ss_image_check_evidence(im, key, &e);
}

bool ss_macho_harden(ss_image *im, uint32_t cputype, uint32_t filetype, uint32_t flags)
{
    im->format_label = "Mach-O";
    im->object_linker = SS_LINKER_LD64;
    im->linker = im->type == SS_TYPE_RELOCATABLE ? SS_LINKER_NONE : SS_LINKER_LD64;
    /* An object's one segment holds every section: no program layout. */
    im->segments_not_layout = filetype == MH_OBJECT;
    /* __TEXT holds __cstring and __const beside the code: the format's layout, no finding. */
    im->rodata_exec_usual = true;
    if (filetype != MH_EXECUTE)
        return true;
    bool pie = flags & MH_PIE, xstack = flags & MH_ALLOW_STACK_EXECUTION,
         nx = flags & MH_NO_HEAP_EXECUTION, i386 = cputype == CPU_TYPE_X86;
    if (!ss_image_check(im, "pie", pie ? SS_HV_YES : SS_HV_NO, "mach_header.flags 0x%08x: %s MH_PIE",
                        flags, pie ? "with" : "without") ||
        !ss_image_check(im, "exec_stack", xstack ? SS_HV_YES : SS_HV_NO,
                        "mach_header.flags 0x%08x: %s MH_ALLOW_STACK_EXECUTION", flags,
                        xstack ? "with" : "without") ||
        !(i386 ? ss_image_check(im, "nx", nx ? SS_HV_YES : SS_HV_NO,
                                "mach_header.flags 0x%08x: %s MH_NO_HEAP_EXECUTION", flags,
                                nx ? "with" : "without")
               : ss_image_check(im, "nx", SS_HV_NA,
                                "MH_NO_HEAP_EXECUTION matters on 32-bit x86 only: the heap of "
                                "a 64-bit process is never executable")))
        return false;
    if (xstack && !(ss_image_check_finding(im, "exec_stack", "exec-stack", SS_SEV_ERROR,
                                           "MH_ALLOW_STACK_EXECUTION: the stack is executable") &&
                    flags_evidence(im, "exec_stack", flags)))
        return false;
    if (!pie && !(ss_image_check_finding(im, "pie", "no-pie", SS_SEV_WARNING,
                                         "no MH_PIE: loaded at a fixed address") &&
                  flags_evidence(im, "pie", flags)))
        return false;
    if (i386 && !nx && !(ss_image_check_finding(im, "nx", "no-nx", SS_SEV_INFO,
                                        "no MH_NO_HEAP_EXECUTION (matters on 32-bit x86 only)") &&
                 flags_evidence(im, "nx", flags)))
        return false;
    return true;
}
