/* ci_out.c - names and number formatting shared by the check and diff renderers (escaping is
 * emit/escape.c's). */
#include <inttypes.h> /* PRId64 */
#include <stdio.h>    /* snprintf, fputs */
#include <string.h>   /* strchr, strlen */

#include "checks.h"
#include "ci.h"
#include "escape.h"

const char *ss_verdict_name(ss_verdict v)
{
    switch (v) {
    case SS_V_PASS: return "pass";
    case SS_V_WARN: return "warn";
    case SS_V_FAIL: return "fail";
    case SS_V_EXEMPT: return "exempt";
    case SS_V_NA: return "n/a";
    case SS_V_SKIP: return "skip";
    case SS_V_ERROR: return "error";
    }
    return "?";
}

const char *ss_diff_metric_name(int m)
{
    static const char *const names[SS_DM_COUNT] = {
        [SS_DM_FILE] = "file-size", [SS_DM_VM] = "vm-size", [SS_DM_TEXT] = "text",
        [SS_DM_DATA] = "data", [SS_DM_BSS] = "bss", [SS_DM_MOVABLE] = "movable-zero-bytes",
        [SS_DM_ZERO_INIT] = "zero-init-bytes", [SS_DM_STRING_WASTE] = "string-waste",
        [SS_DM_LITERAL_WASTE] = "duplicate-literal-bytes",
    };
    return m >= 0 && m < SS_DM_COUNT ? names[m] : "?";
}

const char *ss_diff_perm_name(int p)
{
    static const char *const names[SS_DP_COUNT] = {
        [SS_DP_PIE] = "pie", [SS_DP_RELRO] = "relro", [SS_DP_EXEC_STACK] = "exec-stack",
        [SS_DP_NX] = "nx", [SS_DP_WX_SEGMENTS] = "wx-segments",
        [SS_DP_WX_SECTIONS] = "wx-sections", [SS_DP_TEXTREL] = "textrel",
    };
    size_t n;
    const ss_check_def *defs = ss_check_defs(&n);
    if (p >= SS_DP_COUNT && (size_t)(p - SS_DP_COUNT) < n)
        return defs[p - SS_DP_COUNT].key;
    return p >= 0 && p < SS_DP_COUNT ? names[p] : "?";
}

int64_t ss_ci_delta(const ss_pair *p)
{
    uint64_t a = p->has[0] ? p->v[0] : 0, b = p->has[1] ? p->v[1] : 0;
    if (b >= a)
        return b - a > (uint64_t)INT64_MAX ? INT64_MAX : (int64_t)(b - a);
    return a - b > (uint64_t)INT64_MAX ? INT64_MIN : -(int64_t)(a - b);
}

const char *ss_ci_percent(const ss_pair *p, char *buf, size_t cap)
{
    if (!p->has[0] && p->has[1])
        snprintf(buf, cap, "new");
    else if (p->has[0] && !p->has[1])
        snprintf(buf, cap, "gone");
    else if (!p->has[0])
        snprintf(buf, cap, "-");
    else if (p->v[0] == p->v[1])
        snprintf(buf, cap, "0.0%%");
    else if (p->v[0] == 0)
        snprintf(buf, cap, "from 0");
    else {
        double pc = 100.0 * ((double)p->v[1] - (double)p->v[0]) / (double)p->v[0];
        /* Two decimals below 1%, so that a small change never shows as "+0.0%". */
        snprintf(buf, cap, pc > -1.0 && pc < 1.0 ? "%+.2f%%" : "%+.1f%%", pc);
    }
    return buf;
}
