/* elf_harden.c - what an ELF image says about its hardening, as neutral checks on the image.
 *
 * Every decision about ELF constants is made here (core/ only prints the checks and raises the
 * findings worded here): the stack (PT_GNU_STACK, or .note.GNU-stack in an object), RELRO
 * (PT_GNU_RELRO plus BIND_NOW), PIE (ET_DYN with PT_INTERP or DF_1_PIE), text relocations. */
#include <elf.h>    /* PT_*, PF_*, SHF_*, ET_* */
#include <string.h> /* strcmp, memmem, strnlen, memcmp */

#include "elf_internal.h"

static int64_t last_segment_of_type(const ss_image *im, uint32_t type)
{
    int64_t r = -1;
    for (size_t i = 0; i < im->nsegments; i++)
        if (im->segments[i].raw_type == type)
            r = (int64_t)i;
    return r;
}

static bool evidence_segment(ss_image *im, const char *key, int64_t g)
{
    if (g < 0)
        return true;
    ss_evidence e = ss_evidence_segment(im, (size_t)g);
    return ss_image_check_evidence(im, key, &e);
}

static const char *pf_str(unsigned f, char buf[4])
{
    buf[0] = (f & PF_R) ? 'R' : '-';
    buf[1] = (f & PF_W) ? 'W' : '-';
    buf[2] = (f & PF_X) ? 'E' : '-';
    buf[3] = '\0';
    return buf;
}

/* An object's .note.GNU-stack says what the linker will do with the stack; without one GNU ld
 * asks for an executable stack. The section name is the ELF convention itself. */
static bool object_stack(ss_image *im)
{
    ss_hval v = SS_HV_DEFAULT;
    int64_t at = -1;
    for (size_t i = 0; i < im->nsections; i++)
        if (strcmp(im->sections[i].name, ".note.GNU-stack") == 0) {
            v = (im->sections[i].raw_flags & SHF_EXECINSTR) ? SS_HV_YES : SS_HV_NO;
            at = (int64_t)i;
        }
    bool ok = v == SS_HV_DEFAULT
                  ? ss_image_check(im, "exec_stack", v, "no .note.GNU-stack section")
                  : ss_image_check(im, "exec_stack", v, ".note.GNU-stack (section %lld) %s SHF_EXECINSTR",
                                   (long long)at, v == SS_HV_YES ? "has" : "without");
    if (!ok || v == SS_HV_NO)
        return ok;
    bool yes = v == SS_HV_YES;
    ok = ss_image_check_finding(
        im, "exec_stack", yes ? "exec-stack" : "exec-stack-default", yes ? SS_SEV_ERROR : SS_SEV_WARNING,
        "%s", yes ? "the object asks for an executable stack (.note.GNU-stack is executable)"
                  : "the object has no .note.GNU-stack: GNU ld makes the stack of the program executable");
    for (size_t i = 0; ok && yes && i < im->nsections; i++)
        if (strcmp(im->sections[i].name, ".note.GNU-stack") == 0) {
            ss_evidence e = ss_evidence_section(im, i, false, 0);
            ok = ss_image_check_evidence(im, "exec_stack", &e);
        }
    return ok;
}

static bool linked_stack(ss_image *im, const ss_elf_facts *f)
{
    char b[4];
    int64_t g = last_segment_of_type(im, PT_GNU_STACK);
    ss_hval v = f->gnu_stack_flags < 0 ? SS_HV_DEFAULT
                : ((unsigned)f->gnu_stack_flags & PF_X) ? SS_HV_YES : SS_HV_NO;
    bool ok = v == SS_HV_DEFAULT
                  ? ss_image_check(im, "exec_stack", v, "no PT_GNU_STACK")
                  : ss_image_check(im, "exec_stack", v, "PT_GNU_STACK (segment %lld) flags %s",
                                   (long long)g, pf_str((unsigned)f->gnu_stack_flags, b));
    if (!ok || v == SS_HV_NO)
        return ok;
    bool yes = v == SS_HV_YES;
    return ss_image_check_finding(
               im, "exec_stack", yes ? "exec-stack" : "exec-stack-default",
               yes ? SS_SEV_ERROR : SS_SEV_WARNING, "%s",
               yes ? "the stack is executable (PT_GNU_STACK has PF_X)"
                   : "no PT_GNU_STACK: the platform decides whether the stack is executable (on "
                     "Linux it is, for x86 and most older ABIs)") &&
           evidence_segment(im, "exec_stack", g);
}

static bool relro(ss_image *im, const ss_elf_facts *f)
{
    int64_t g = last_segment_of_type(im, PT_GNU_RELRO);
    ss_hval v = !f->has_relro ? SS_HV_NONE : f->bind_now ? SS_HV_FULL : SS_HV_PARTIAL;
    bool ok = v == SS_HV_NONE      ? ss_image_check(im, "relro", v, "no PT_GNU_RELRO")
              : v == SS_HV_PARTIAL ? ss_image_check(im, "relro", v,
                                                    "PT_GNU_RELRO (segment %lld), no BIND_NOW",
                                                    (long long)g)
                                   : ss_image_check(im, "relro", v, "PT_GNU_RELRO (segment %lld) and %s",
                                                    (long long)g, f->bind_now_by);
    if (!ok || v == SS_HV_FULL)
        return ok;
    bool none = v == SS_HV_NONE;
    return ss_image_check_finding(
               im, "relro", none ? "relro-none" : "relro-partial", none ? SS_SEV_WARNING : SS_SEV_INFO,
               "%s", none ? "no PT_GNU_RELRO: relocated data (GOT, init arrays) stays writable"
                          : "partial RELRO: no BIND_NOW, so the PLT's GOT stays writable (link with -z now)") &&
           evidence_segment(im, "relro", g);
}

static bool pie(ss_image *im, const ss_elf_facts *f)
{
    if (f->e_type != ET_DYN)
        return ss_image_check(im, "pie", SS_HV_NO, "e_type %s",
                              f->e_type == ET_EXEC ? "ET_EXEC" : "not ET_DYN") &&
               ss_image_check_finding(im, "pie", "no-pie", SS_SEV_WARNING,
                                      "not a position-independent executable (ET_EXEC): loaded at "
                                      "a fixed address");
    /* A shared library is position-independent by nature, but no executable: n-a. */
    if (f->has_interp)
        return ss_image_check(im, "pie", SS_HV_YES, "ET_DYN with PT_INTERP");
    if (f->df1_pie)
        return ss_image_check(im, "pie", SS_HV_YES, "ET_DYN with DT_FLAGS_1 PIE");
    return true;
}

static bool textrel(ss_image *im, const ss_elf_facts *f)
{
    if (!f->has_dynamic)
        return true;
    if (!f->textrel)
        return ss_image_check(im, "textrel", SS_HV_NO, "PT_DYNAMIC without DT_TEXTREL or DF_TEXTREL");
    return ss_image_check(im, "textrel", SS_HV_YES, "%s", f->textrel_by) &&
           ss_image_check_finding(im, "textrel", "textrel", SS_SEV_WARNING,
                                  "text relocations (DT_TEXTREL): the loader writes into code pages");
}

/* lld and mold sign .comment ("Linker: LLD 14.0.6", "mold 1.10.1 (...)"); GNU ld writes nothing
 * there. .comment has no flag or type of its own: the name is all there is. Each byte is read
 * once: a .comment's bytes below the end of one already read are skipped. */
static ss_linker find_linker(const ss_image *im)
{
    uint64_t done = 0;
    for (size_t i = 0; i < im->nsections; i++) {
        const ss_section *s = &im->sections[i];
        ss_span b;
        if (s->alloc || strcmp(s->name, ".comment") != 0 || s->compression != SS_COMP_NONE ||
            !ss_span_sub(im->bytes, s->offset, s->file_size, &b) || s->offset + b.len <= done)
            continue;
        if (s->offset < done) {
            b.p += done - s->offset;
            b.len -= done - s->offset;
        }
        done = s->offset + s->file_size;
        for (size_t at = 0; at < b.len;) {
            size_t n = strnlen((const char *)b.p + at, b.len - at);
            if (memmem(b.p + at, n, "Linker: ", 8) && memmem(b.p + at, n, "LLD", 3))
                return SS_LINKER_LLD;
            if (n >= 5 && memcmp(b.p + at, "mold ", 5) == 0)
                return SS_LINKER_MOLD;
            at += n + 1;
        }
    }
    return SS_LINKER_GNU;
}

bool ss_elf_harden(ss_image *im, const ss_elf_facts *f)
{
    im->format_label = "ELF";
    im->object_linker = SS_LINKER_GNU;
    im->linker = im->type == SS_TYPE_RELOCATABLE ? SS_LINKER_NONE : find_linker(im);
    if (im->type == SS_TYPE_RELOCATABLE)
        return object_stack(im);
    if (im->type == SS_TYPE_CORE)
        return true;
    return linked_stack(im, f) && relro(im, f) && pie(im, f) && textrel(im, f);
}
