/* measure.c - metric values and policy states of one image. */
#include "measure.h"

#include <fnmatch.h> /* fnmatch */

#include <stdio.h>  /* snprintf */
#include <stdlib.h> /* free */
#include <string.h> /* strcmp, strlen */
#include <zlib.h>   /* deflate* */

#include "debuginfo.h"
#include "sizes.h"
#include "symbols.h"

unsigned ss_rule_analyses(const ss_rule *r)
{
    if (r->is_policy)
        return SS_AN_PERMS;
    switch (r->metric) {
    case SS_MET_MOVABLE_ZERO:
    case SS_MET_ZERO_INIT: return SS_AN_BSS;
    case SS_MET_STRING_WASTE: return SS_AN_STRINGS;
    case SS_MET_LITERAL_WASTE: return SS_AN_LITERALS;
    default: return 0;
    }
}

bool ss_gzip_size(ss_span bytes, int level, uint64_t *out)
{
    z_stream z;
    memset(&z, 0, sizeof z);
    /* windowBits 15 + 16: a gzip wrapper (10-byte header, 8-byte trailer), as gzip writes it
     * without a stored file name. */
    if (deflateInit2(&z, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        return false;
    static _Thread_local unsigned char buf[1 << 16];
    uint64_t total = 0;
    size_t off = 0;
    int rc;
    do {
        size_t chunk = bytes.len - off;
        if (chunk > (1u << 30))
            chunk = 1u << 30;
        z.next_in = (Bytef *)(uintptr_t)(bytes.p + off);
        z.avail_in = (uInt)chunk;
        off += chunk;
        int flush = off == bytes.len ? Z_FINISH : Z_NO_FLUSH;
        do {
            z.next_out = buf;
            z.avail_out = sizeof buf;
            rc = deflate(&z, flush);
            if (rc == Z_STREAM_ERROR) {
                deflateEnd(&z);
                return false;
            }
            total += sizeof buf - z.avail_out;
        } while (z.avail_out == 0);
    } while (off < bytes.len);
    deflateEnd(&z);
    if (rc != Z_STREAM_END)
        return false;
    *out = total;
    return true;
}

/* "LOAD" matches every segment so named; "LOAD r-x" only those with these permissions. */
static bool segment_matches(const ss_segment *g, const char *want)
{
    size_t nl = strlen(g->name);
    if (strcmp(g->name, want) == 0)
        return true;
    if (strncmp(g->name, want, nl) != 0 || want[nl] != ' ')
        return false;
    char p[4];
    return strcmp(want + nl + 1, ss_perms_str(g->perms, p)) == 0;
}

/* The counted bytes of the symbols whose demangled name matches the rule's glob. */
static ss_mv symbols_size(const ss_image *im, const ss_rule *r, bool vm, uint64_t *out)
{
    ss_symtab t;
    *out = 0;
    if (im->tables_status != SS_OK || !ss_symtab_build(im, true, &t))
        return SS_MV_UNAVAILABLE;
    bool found = false;
    for (size_t i = 0; i < t.n; i++) {
        const ss_symrow *s = &t.rows[i];
        if (s->nosym || fnmatch(r->scope_name, s->name, 0) != 0)
            continue;
        found = true;
        ss_sat_add(out, vm ? s->row_vm : s->row_file);
    }
    ss_symtab_free(&t);
    return found || r->allow_missing ? SS_MV_OK : SS_MV_MISSING;
}

/* The bytes of the compile units (crates) whose name matches the rule's glob. */
static ss_mv units_size(const ss_image *im, const ss_rule *r, bool vm, uint64_t *out)
{
    *out = 0;
    const ss_debuginfo *di = im->debug;
    if (di == NULL || di->status != SS_OK)
        return r->allow_missing ? SS_MV_OK : SS_MV_UNAVAILABLE;
    ss_debug_piece *pv;
    size_t n;
    if (!ss_debug_pieces(im, SS_DG_UNIT, &pv, &n))
        return SS_MV_UNAVAILABLE;
    bool crate = r->scope == SS_SCOPE_CRATES, found = false;
    for (size_t i = 0; i < n; i++)
        if (pv[i].unit != SS_DEBUG_NONE &&
            ss_debug_unit_matches(r->scope_name, &di->units[pv[i].unit], crate)) {
            found = true;
            ss_sat_add(out, vm ? pv[i].vm : pv[i].file_bytes);
        }
    free(pv);
    return found || r->allow_missing ? SS_MV_OK : SS_MV_MISSING;
}

static ss_mv scoped_size(const ss_image *im, const ss_rule *r, bool vm, uint64_t *out)
{
    uint64_t v = 0;
    bool found = false;
    if (r->scope == SS_SCOPE_SECTION) {
        for (size_t i = 0; i < im->nsections; i++)
            if (strcmp(im->sections[i].name, r->scope_name) == 0) {
                ss_sat_add(&v, vm ? im->sections[i].vm_size : im->sections[i].file_size);
                found = true;
            }
    } else {
        for (size_t i = 0; i < im->nsegments; i++)
            if (segment_matches(&im->segments[i], r->scope_name)) {
                ss_sat_add(&v, vm ? im->segments[i].vm_size : im->segments[i].file_size);
                found = true;
            }
    }
    *out = v;
    return found || r->allow_missing ? SS_MV_OK : SS_MV_MISSING;
}

ss_mv ss_measure_image(const ss_image *im, const ss_rule *r, uint64_t *out)
{
    const ss_analysis *an = im->analysis;
    ss_sizes sz;
    *out = 0;
    switch (r->metric) {
    case SS_MET_FILE_SIZE:
    case SS_MET_VM_SIZE: {
        bool vm = r->metric == SS_MET_VM_SIZE;
        if (r->scope == SS_SCOPE_SECTION || r->scope == SS_SCOPE_SEGMENT)
            return scoped_size(im, r, vm, out);
        if (r->scope == SS_SCOPE_SYMBOLS)
            return symbols_size(im, r, vm, out);
        if (r->scope == SS_SCOPE_UNITS || r->scope == SS_SCOPE_CRATES)
            return units_size(im, r, vm, out);
        if (!vm && r->scope == SS_SCOPE_ALL) {
            *out = im->file_size;
            return SS_MV_OK;
        }
        ss_sizes_compute(im, &sz);
        if (r->scope == SS_SCOPE_KIND)
            *out = vm ? sz.kind_vm[r->kind] : sz.kind_file[r->kind];
        else
            *out = sz.vm_total;
        return SS_MV_OK;
    }
    case SS_MET_GZIP_SIZE:
        return ss_gzip_size(im->bytes, SS_GZIP_LEVEL, out) ? SS_MV_OK : SS_MV_UNAVAILABLE;
    case SS_MET_TEXT:
    case SS_MET_DATA:
    case SS_MET_BSS:
        ss_sizes_compute(im, &sz);
        *out = r->metric == SS_MET_TEXT ? sz.text : r->metric == SS_MET_DATA ? sz.data : sz.bss;
        return SS_MV_OK;
    case SS_MET_MOVABLE_ZERO:
        if (an == NULL || !(an->ran & SS_AN_BSS))
            return SS_MV_UNAVAILABLE;
        *out = an->bss.movable_bytes;
        return SS_MV_OK;
    case SS_MET_ZERO_INIT:
        if (an == NULL || !(an->ran & SS_AN_BSS))
            return SS_MV_UNAVAILABLE;
        *out = an->bss.zero_init_bytes;
        return SS_MV_OK;
    case SS_MET_STRING_WASTE:
        if (an == NULL || !(an->ran & SS_AN_STRINGS))
            return SS_MV_UNAVAILABLE;
        *out = an->strings.duplicate_bytes + an->strings.tail_merge_bytes;
        return SS_MV_OK;
    case SS_MET_LITERAL_WASTE:
        if (an == NULL || !(an->ran & SS_AN_LITERALS))
            return SS_MV_UNAVAILABLE;
        *out = an->literals.duplicate_bytes;
        return SS_MV_OK;
    case SS_MET_COUNT: break;
    }
    return SS_MV_UNAVAILABLE;
}

/* ---- policy --------------------------------------------------------------------------------- */

/* An allow entry applies to this artifact (its sections list aside). */
static bool allow_applies(const ss_allow *a, const char *artifact, const char *member)
{
    if (!ss_globs_match_path(&a->artifacts, artifact))
        return false;
    if (a->members.n && (member == NULL || !ss_globs_match(&a->members, member)))
        return false;
    return true;
}

/* The allow entry that exempts the section or segment named name, or NULL. */
static const ss_allow *allow_for(const ss_rule *r, const char *artifact, const char *member,
                                 const char *name)
{
    for (size_t i = 0; i < r->nallow; i++) {
        const ss_allow *a = &r->allow[i];
        if (a->sections.n && allow_applies(a, artifact, member) &&
            ss_globs_match(&a->sections, name))
            return a;
    }
    return NULL;
}

/* Appends a and b to buf (cut at len). */
static void appendf(char *buf, size_t len, const char *a, const char *b)
{
    size_t n = strlen(buf);
    if (n < len)
        snprintf(buf + n, len - n, "%s%s", a, b);
}

/* forbid-wx: every W+X loadable segment and allocated section (the analyzer's definition) must be
 * exempt; a segment is exempt when its name is allowed or it holds an allowed W+X section. */
static ss_pstate judge_wx(const ss_image *im, const ss_rule *r, const char *artifact,
                          const char *member, const ss_allow **exempt, char *note, size_t len)
{
    size_t bad = 0;
    const ss_allow *used = NULL;
    for (size_t i = 0; i < im->nsections; i++) {
        const ss_section *s = &im->sections[i];
        if (!s->alloc || (s->perms & 3) != 3)
            continue;
        const ss_allow *a = allow_for(r, artifact, member, s->name);
        if (a) {
            used = a;
            continue;
        }
        if (bad++ < 4)
            appendf(note, len, bad > 1 ? ", section " : "writable and executable: section ",
                    s->name);
    }
    for (size_t i = 0; i < im->nsegments; i++) {
        const ss_segment *g = &im->segments[i];
        if (!g->loadable || (g->perms & 3) != 3)
            continue;
        const ss_allow *a = allow_for(r, artifact, member, g->name);
        for (size_t j = 0; a == NULL && j < im->nsections; j++) {
            const ss_section *s = &im->sections[j];
            if (s->segment == (int64_t)i && s->alloc && (s->perms & 3) == 3)
                a = allow_for(r, artifact, member, s->name);
        }
        if (a) {
            used = a;
            continue;
        }
        char what[48];
        snprintf(what, sizeof what, "segment %zu (", i);
        if (bad++ < 4) {
            appendf(note, len, bad > 1 ? ", " : "writable and executable: ", what);
            appendf(note, len, g->name, ")");
        }
    }
    if (bad > 4) {
        char more[32];
        snprintf(more, sizeof more, " and %zu more", bad - 4);
        appendf(note, len, more, "");
    }
    if (bad)
        return SS_PS_FAIL;
    *exempt = used;
    return used ? SS_PS_EXEMPT : SS_PS_PASS;
}

ss_pstate ss_policy_judge(const ss_image *im, const ss_rule *r, const char *artifact,
                          const char *member, const char **state, const ss_allow **exempt,
                          char *note, size_t notelen)
{
    const ss_analysis *an = im->analysis;
    note[0] = '\0';
    *exempt = NULL;
    *state = "n-a";
    if (an == NULL || !(an->ran & SS_AN_PERMS))
        return SS_PS_UNAVAILABLE;
    const ss_perms_result *p = &an->perms;
    ss_hval v = SS_HV_NA;
    bool ok = true;
    switch (r->policy) {
    case SS_POL_FORBID_WX:
        v = p->wx_segments == SS_HV_YES || p->wx_sections == SS_HV_YES ? SS_HV_YES
            : p->wx_segments == SS_HV_NA && p->wx_sections == SS_HV_NA ? SS_HV_NA
                                                                        : SS_HV_NO;
        ok = v != SS_HV_YES;
        break;
    case SS_POL_REQUIRE_PIE:
        v = p->pie;
        ok = v == SS_HV_YES;
        break;
    case SS_POL_REQUIRE_FULL_RELRO:
        v = p->relro;
        ok = v == SS_HV_FULL;
        break;
    case SS_POL_REQUIRE_NX_STACK:
        v = p->exec_stack;
        ok = v == SS_HV_NO; /* "default" lets the platform decide: executable on x86 Linux */
        break;
    case SS_POL_REQUIRE_NX:
        v = p->nx;
        ok = v == SS_HV_YES;
        break;
    case SS_POL_FORBID_TEXTREL:
        v = p->textrel;
        ok = v != SS_HV_YES;
        break;
    case SS_POL_CHECK:
        /* A protection passes when present (partial included: FORTIFY is partial in most
         * fortified programs; `diff` reports yes -> partial as a loss), except where partial
         * protects nothing (ss_check_def.partial_fails); unknown fails. */
        v = ss_image_check_value(im, r->check->key);
        ok = r->check->sense == SS_CHECK_HAZARD
                 ? v == SS_HV_NO
                 : v == SS_HV_YES || (v == SS_HV_PARTIAL && !r->check->partial_fails);
        break;
    case SS_POL_COUNT: break;
    }
    *state = ss_hval_name(v);
    if (v == SS_HV_NA)
        return SS_PS_NA;
    if (ok)
        return SS_PS_PASS;
    /* The whole artifact may be exempt. */
    for (size_t i = 0; i < r->nallow; i++) {
        const ss_allow *a = &r->allow[i];
        if (a->sections.n == 0 && allow_applies(a, artifact, member)) {
            *exempt = a;
            return SS_PS_EXEMPT;
        }
    }
    if (r->policy == SS_POL_FORBID_WX)
        return judge_wx(im, r, artifact, member, exempt, note, notelen);
    static const char *const why[SS_POL_COUNT] = {
        [SS_POL_REQUIRE_PIE] = "not position-independent",
        [SS_POL_REQUIRE_FULL_RELRO] = "RELRO is not full",
        [SS_POL_REQUIRE_NX_STACK] = "the stack may be executable",
        [SS_POL_REQUIRE_NX] = "no NX",
        [SS_POL_FORBID_TEXTREL] = "text relocations",
    };
    if (r->policy == SS_POL_CHECK) {
        const ss_hcheck *k = ss_image_find_check(im, r->check->key);
        snprintf(note, notelen, "%s %s%s%s", r->check->label, ss_hval_name(v),
                 k && k->evidence ? ": " : "", k && k->evidence ? k->evidence : "");
        return SS_PS_FAIL;
    }
    snprintf(note, notelen, "%s", why[r->policy]);
    return SS_PS_FAIL;
}
