/* checks.c - the hardening checks segscan reports: one entry per key of the JSON `permissions`
 * object that a reader may set (the older keys, decided the same way, are listed in
 * analysis.h's ss_perms_result). Emitters, `check` and `diff` walk this table: a new check is
 * one entry here plus the code in the readers that decides it. */
#include "checks.h"

#include <string.h> /* strcmp */

static const ss_check_def DEFS[] = {
    {"canary", "canary", SS_CHECK_PROTECTION,
     "stack protector: __stack_chk_fail or __stack_chk_guard imported or defined (ELF)"},
    {"fortify", "fortify", SS_CHECK_PROTECTION,
     "FORTIFY_SOURCE: fortified *_chk functions used; partial when some fortifiable functions "
     "are used unfortified (ELF)"},
    {"ibt", "IBT", SS_CHECK_PROTECTION,
     "CET indirect branch tracking: GNU property note IBT bit (ELF, x86)"},
    {"shstk", "SHSTK", SS_CHECK_PROTECTION,
     "CET shadow stack: GNU property note SHSTK bit (ELF, x86)"},
    {"bti", "BTI", SS_CHECK_PROTECTION,
     "branch target identification: GNU property note BTI bit (ELF, AArch64)"},
    {"pac", "PAC", SS_CHECK_PROTECTION,
     "pointer authentication: GNU property note PAC bit (ELF, AArch64)"},
    {"rpath", "RPATH", SS_CHECK_HAZARD, "DT_RPATH present (ELF); the evidence holds its value"},
    {"runpath", "RUNPATH", SS_CHECK_HAZARD, "DT_RUNPATH present (ELF); the evidence holds its value"},
    {"stripped", "stripped", SS_CHECK_PROTECTION, "no symbol table beyond the dynamic one"},
    {"debug_info", "debug info", SS_CHECK_HAZARD, "debug information present in the file"},
    {"aslr", "ASLR", SS_CHECK_PROTECTION,
     "address space layout randomisation (PE DYNAMIC_BASE; partial when relocations are stripped)",
     true},
    {"high_entropy_va", "high-entropy VA", SS_CHECK_PROTECTION,
     "64-bit ASLR (PE32+ HIGH_ENTROPY_VA with DYNAMIC_BASE)"},
    {"cfg", "CFG", SS_CHECK_PROTECTION,
     "Control Flow Guard (PE GUARD_CF and the load config's guard table; partial: one of them)",
     true},
    {"safeseh", "SafeSEH", SS_CHECK_PROTECTION,
     "safe exception handlers (PE x86: the load config's SEH table, or NO_SEH)"},
    {"gs", "/GS", SS_CHECK_PROTECTION, "security cookie in the load config (PE)"},
    {"force_integrity", "force integrity", SS_CHECK_PROTECTION, "FORCE_INTEGRITY (PE)"},
    {"appcontainer", "AppContainer", SS_CHECK_PROTECTION, "APPCONTAINER (PE)"},
    {"cet_compat", "CET compat", SS_CHECK_PROTECTION,
     "CET shadow-stack compatible (PE extended DLL characteristics)"},
    {"signed", "signed", SS_CHECK_PROTECTION,
     "a code signature is present (PE certificate table, Mach-O code signature; partial: "
     "ad-hoc); never validated",
     true},
    {"hardened_runtime", "hardened runtime", SS_CHECK_PROTECTION, "Mach-O code directory runtime flag"},
    {"restrict", "__RESTRICT", SS_CHECK_PROTECTION, "Mach-O __RESTRICT,__restrict section"},
    {"encrypted", "encrypted", SS_CHECK_PROTECTION,
     "Mach-O LC_ENCRYPTION_INFO with a cryptid other than 0"},
    {"arm64e", "arm64e", SS_CHECK_PROTECTION, "Mach-O arm64e (pointer authentication)"},
};

const ss_check_def *ss_check_defs(size_t *n)
{
    *n = sizeof DEFS / sizeof DEFS[0];
    return DEFS;
}

const ss_check_def *ss_check_def_of(const char *key)
{
    for (size_t i = 0; i < sizeof DEFS / sizeof DEFS[0]; i++)
        if (strcmp(DEFS[i].key, key) == 0)
            return &DEFS[i];
    return NULL;
}
