/* finding_help.c - one entry per finding id that core/analysis.c raises. */
#include "finding_help.h"

#include <string.h> /* strcmp */

static const ss_finding_help HELP[] = {
    {"wx-segment", "Segment both writable and executable",
     "A loadable segment that is writable and executable lets an attacker who can write memory "
     "run it as code. Link with separate code and data segments (GNU ld/lld default; avoid "
     "-z execstack, -N/--omagic and linker scripts that merge them)."},
    {"wx-section", "Section both writable and executable",
     "A section flagged writable and executable ends up in w+x memory. Move code out of "
     "writable sections (check section attributes in assembly and linker scripts)."},
    {"exec-stack", "Executable stack",
     "The stack is executable (PT_GNU_STACK with PF_X, Mach-O MH_ALLOW_STACK_EXECUTION, or a PE "
     "without NX_COMPAT), so a stack overflow can run injected code. Link with -z noexecstack "
     "and mark assembly files with .note.GNU-stack."},
    {"exec-stack-default", "Stack executability left to the platform",
     "There is no PT_GNU_STACK, so the platform decides; on Linux for x86 and most older ABIs "
     "the stack is then executable. Link with -z noexecstack."},
    {"relro-none", "No RELRO",
     "No PT_GNU_RELRO: relocated data (GOT, init arrays) stays writable after loading. Link "
     "with -z relro -z now."},
    {"relro-partial", "Partial RELRO",
     "PT_GNU_RELRO without BIND_NOW: the PLT's GOT stays writable for lazy binding. Link with "
     "-z now for full RELRO."},
    {"no-pie", "Not position-independent",
     "The image loads at a fixed address, which defeats address space layout randomisation. "
     "Build with -fPIE -pie (PE: /DYNAMICBASE with relocations, /HIGHENTROPYVA; Mach-O: "
     "MH_PIE)."},
    {"no-nx", "No NX compatibility",
     "A PE without NX_COMPAT (or a Mach-O without MH_NO_HEAP_EXECUTION) runs with data "
     "execution prevention off. Link with /NXCOMPAT."},
    {"textrel", "Text relocations",
     "DT_TEXTREL: the loader must write into code pages, which keeps them writable while "
     "relocating and unshared between processes. Compile every object with -fPIC."},
    {"rodata-executable", "Read-only data in an executable segment",
     "Read-only data mapped executable gives an attacker more gadgets. Link with "
     "-z separate-code (GNU ld) or without --no-rosegment (lld)."},
    {"no-cfg", "No Control Flow Guard",
     "A PE image without GUARD_CF and the load config's guard function table: indirect calls "
     "are not checked against valid targets. Compile with /guard:cf (clang: -cfguard) and link "
     "with /guard:cf; the CRT's load config must be linked in."},
    {"no-gs", "No /GS security cookie",
     "The load config registers no SecurityCookie, so stack buffer overruns are not detected "
     "by /GS checks (or the image has no load config at all). Compile with /GS and link the "
     "CRT's load config."},
    {"no-safeseh", "No SafeSEH table",
     "An x86 PE image with exception handlers but no SEHandlerTable: an overwritten exception "
     "registration record can point anywhere. Link with /SAFESEH (every object must be "
     "SafeSEH-compatible)."},
    {"no-cet-compat", "Not CET shadow-stack compatible",
     "The debug directory carries no CET_COMPAT extended DLL characteristic, so Windows does not "
     "enforce hardware shadow stacks for this image. Link with /CETCOMPAT once the code is "
     "compatible."},
    {"movable-zero-data", "Zero-initialised data stored in the file",
     "Writable objects whose bytes are all zero are stored in .data although .bss would hold "
     "them for no file bytes. Leave them uninitialised or initialise them to zero in a way the "
     "compiler places in .bss."},
    {"zero-runs", "Runs of zero bytes in data",
     "Long runs of zero bytes in initialised data cost file bytes; they are often zero-filled "
     "arrays that could live in .bss."},
    {"readonly-zero-data", "All-zero read-only objects",
     "Read-only objects whose bytes are all zero cost file bytes; a zero-filled constant can "
     "often be computed or placed in .bss."},
    {"duplicate-strings", "Duplicated string literals",
     "Identical string literals are stored more than once; the linker can merge them (GNU ld "
     "merges SHF_MERGE|SHF_STRINGS input; lld at -O1, tail merging at -O2; ld64 with "
     "-deduplicate-literals)."},
    {"duplicate-literals", "Read-only objects stored more than once",
     "The same literal or constant table, cut at the places code and symbols refer to, is "
     "stored more than once: Rust keeps one copy per codegen unit (lto = \"fat\", "
     "codegen-units = 1), C and C++ one per translation unit of a static table defined in a "
     "header (define it once: extern, or C++17 inline constexpr); lld can fold identical "
     "read-only data with --icf=all --ignore-data-address-equality, unsafe where code compares "
     "the addresses of distinct objects."},
    {"no-canary", "No stack protector",
     "Neither __stack_chk_fail nor __stack_chk_guard is imported or defined: the code was built "
     "without -fstack-protector (or no function had a buffer worth protecting). Build with "
     "-fstack-protector-strong."},
    {"no-fortify", "FORTIFY_SOURCE not used",
     "Functions that glibc can check at run time (memcpy, strcpy, sprintf, ...) are called in "
     "their unchecked form only. Build with -D_FORTIFY_SOURCE=2 (or 3) and -O1 or higher."},
    {"no-ibt", "No CET indirect branch tracking",
     "The GNU property note does not mark the image IBT-compatible, so the kernel and loader "
     "cannot enforce ENDBR landing pads. Build every object with -fcf-protection=full."},
    {"no-shstk", "No CET shadow stack",
     "The GNU property note does not mark the image SHSTK-compatible, so return addresses are "
     "not checked against a shadow stack. Build every object with -fcf-protection=full."},
    {"no-bti", "No AArch64 branch target identification",
     "The GNU property note does not mark the image BTI-compatible, so indirect branches may "
     "land anywhere. Build every object with -mbranch-protection=standard."},
    {"no-pac", "No AArch64 pointer authentication",
     "The GNU property note does not mark the image PAC-enabled, so return addresses are not "
     "signed. Build every object with -mbranch-protection=standard."},
    {"rpath", "DT_RPATH set",
     "DT_RPATH directories are searched before LD_LIBRARY_PATH; a relative or empty entry is "
     "resolved against the working directory, where an attacker may place a library. Prefer "
     "DT_RUNPATH (--enable-new-dtags) with absolute or $ORIGIN paths."},
    {"runpath", "DT_RUNPATH set",
     "DT_RUNPATH directories are searched for libraries; a relative or empty entry is resolved "
     "against the working directory, where an attacker may place a library. Use absolute or "
     "$ORIGIN paths."},
};

const ss_finding_help *ss_finding_help_of(const char *id)
{
    for (size_t i = 0; id && i < sizeof HELP / sizeof HELP[0]; i++)
        if (strcmp(HELP[i].id, id) == 0)
            return &HELP[i];
    return NULL;
}

const ss_finding_help *ss_finding_help_at(unsigned i)
{
    return i < sizeof HELP / sizeof HELP[0] ? &HELP[i] : NULL;
}
