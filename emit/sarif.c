/* sarif.c - the report's findings as SARIF 2.1.0, for GitHub/GitLab code scanning.
 *
 * One run; tool.driver.rules lists every finding id segscan knows (core/finding_help.c) with
 * its help, so a rule's index is the same in every run. Each finding is one result: ruleId,
 * level from the severity (error, warning, note), the message, the artifact path as the
 * physical location (with the evidence's byte range in the file when it has one), the
 * archive member and the segments/sections of the evidence as logical locations, and a
 * partialFingerprints hash of what identifies the finding across builds (id, path, member,
 * the evidence's kinds and names - not addresses or sizes, which move). Inputs that could not
 * be analyzed are tool execution notifications, and make executionSuccessful false. */
#include <inttypes.h> /* PRIx64 */
#include <string.h>   /* strlen */

#include "../core/analysis.h"
#include "../core/finding_help.h"
#include "emit_internal.h"
#include "escape.h"

/* Evidence locations listed per result; the message counts the rest. */
#define SARIF_MAX_LOGICAL 16

static const char *level_of(ss_severity s)
{
    return s == SS_SEV_ERROR ? "error" : s == SS_SEV_WARNING ? "warning" : "note";
}


static bool sarif_begin(ss_report *r)
{
    ss_jw *w = &r->jw;
    ss_jw_init(w, r->out, r->opts.pretty);
    ss_jw_obj(w, NULL);
    ss_jw_str(w, "$schema", "https://json.schemastore.org/sarif-2.1.0.json");
    ss_jw_str(w, "version", "2.1.0");
    ss_jw_arr(w, "runs");
    ss_jw_obj(w, NULL);
    ss_jw_obj(w, "tool");
    ss_jw_obj(w, "driver");
    ss_jw_str(w, "name", "segscan");
    ss_jw_str(w, "version", SEGSCAN_VERSION);
    ss_jw_arr(w, "rules");
    const ss_finding_help *h;
    for (unsigned i = 0; (h = ss_finding_help_at(i)) != NULL; i++) {
        ss_jw_obj(w, NULL);
        ss_jw_str(w, "id", h->id);
        ss_jw_str(w, "name", h->id);
        ss_jw_obj(w, "shortDescription");
        ss_jw_str(w, "text", h->title);
        ss_jw_end_obj(w);
        ss_jw_obj(w, "fullDescription");
        ss_jw_str(w, "text", h->help);
        ss_jw_end_obj(w);
        ss_jw_obj(w, "help");
        ss_jw_str(w, "text", h->help);
        ss_jw_end_obj(w);
        ss_jw_end_obj(w);
    }
    ss_jw_end_arr(w);  /* rules */
    ss_jw_end_obj(w);  /* driver */
    ss_jw_end_obj(w);  /* tool */
    ss_jw_arr(w, "results");
    return true;
}

static void result(ss_jw *w, const ss_image *im, const ss_finding *fd)
{
    ss_jw_obj(w, NULL);
    ss_jw_str(w, "ruleId", fd->id);
    const ss_finding_help *h;
    for (unsigned i = 0; (h = ss_finding_help_at(i)) != NULL; i++)
        if (strcmp(h->id, fd->id) == 0)
            ss_jw_u64(w, "ruleIndex", i);
    ss_jw_str(w, "level", level_of(fd->severity));
    ss_jw_obj(w, "message");
    ss_jw_str(w, "text", fd->message);
    ss_jw_end_obj(w);

    ss_jw_arr(w, "locations");
    ss_jw_obj(w, NULL);
    ss_jw_obj(w, "physicalLocation");
    ss_jw_obj(w, "artifactLocation");
    char uri[4096];
    ss_esc_uri(im->path, uri, sizeof uri);
    ss_jw_str(w, "uri", uri);
    ss_jw_end_obj(w);
    for (size_t e = 0; e < fd->nevidence; e++) {
        const ss_evidence *ev = &fd->evidence[e];
        if (ev->has_offset && ev->has_size && ev->size) {
            ss_jw_obj(w, "region");
            ss_jw_u64(w, "byteOffset", ev->offset + im->base_offset);
            ss_jw_u64(w, "byteLength", ev->size);
            ss_jw_end_obj(w);
            break;
        }
    }
    ss_jw_end_obj(w); /* physicalLocation */
    /* The member, then each segment or section named by the evidence once (SARIF wants the
     * items unique). */
    size_t pick[SARIF_MAX_LOGICAL], npick = 0;
    for (size_t e = 0; e < fd->nevidence && npick < SARIF_MAX_LOGICAL; e++) {
        const ss_evidence *ev = &fd->evidence[e];
        bool dup = ev->name == NULL || ev->what == NULL;
        for (size_t k = 0; k < npick && !dup; k++)
            dup = strcmp(fd->evidence[pick[k]].name, ev->name) == 0 &&
                  strcmp(fd->evidence[pick[k]].what, ev->what) == 0;
        if (!dup)
            pick[npick++] = e;
    }
    if (im->member || npick)
        ss_jw_arr(w, "logicalLocations");
    if (im->member) {
        ss_jw_obj(w, NULL);
        ss_jw_str(w, "name", im->member);
        ss_jw_str(w, "kind", "module");
        ss_jw_end_obj(w);
    }
    for (size_t k = 0; k < npick; k++) {
        const ss_evidence *ev = &fd->evidence[pick[k]];
        ss_jw_obj(w, NULL);
        ss_jw_str(w, "name", ev->name);
        ss_jw_str(w, "kind", ev->what);
        if (im->member) {
            char fq[1024];
            snprintf(fq, sizeof fq, "%s:%s", im->member, ev->name);
            ss_jw_str(w, "fullyQualifiedName", fq);
        }
        ss_jw_end_obj(w);
    }
    if (im->member || npick)
        ss_jw_end_arr(w); /* logicalLocations */
    ss_jw_end_obj(w);
    ss_jw_end_arr(w); /* locations */

    uint64_t fp = ss_sarif_hash(ss_sarif_hash(ss_sarif_hash(SS_SARIF_HASH0, fd->id), im->path),
                                im->member);
    for (size_t e = 0; e < fd->nevidence; e++)
        fp = ss_sarif_hash(ss_sarif_hash(fp, fd->evidence[e].what), fd->evidence[e].name);
    char hex[24];
    snprintf(hex, sizeof hex, "%016" PRIx64, fp);
    ss_jw_obj(w, "partialFingerprints");
    ss_jw_str(w, "segscanFinding/v1", hex);
    ss_jw_end_obj(w);
    ss_jw_end_obj(w);
}

static void sarif_input(ss_report *r, const ss_input *in, const ss_totals *t)
{
    (void)t;
    for (size_t u = 0; u < in->nunits; u++) {
        const ss_image *im = in->units[u].image;
        if (im == NULL || im->analysis == NULL)
            continue;
        for (size_t i = 0; i < im->analysis->nfindings; i++)
            result(&r->jw, im, &im->analysis->findings[i]);
    }
}

static void sarif_end(ss_report *r)
{
    ss_jw *w = &r->jw;
    ss_jw_end_arr(w); /* results */
    ss_jw_arr(w, "invocations");
    ss_jw_obj(w, NULL);
    ss_jw_bool(w, "executionSuccessful", r->nerr == 0);
    ss_jw_arr(w, "toolExecutionNotifications");
    for (size_t i = 0; i < r->nerr; i++) {
        const ss_error_copy *e = &r->errs[i];
        ss_jw_obj(w, NULL);
        ss_jw_str(w, "level", "error");
        ss_jw_obj(w, "message");
        char msg[1024];
        snprintf(msg, sizeof msg, "%s%s%s%s: %s", e->path, e->member ? "(" : "",
                 e->member ? e->member : "", e->member ? ")" : "", e->diag.msg);
        ss_jw_str(w, "text", msg);
        ss_jw_end_obj(w);
        ss_jw_arr(w, "locations");
        ss_jw_obj(w, NULL);
        ss_jw_obj(w, "physicalLocation");
        ss_jw_obj(w, "artifactLocation");
        char uri[4096];
        ss_esc_uri(e->path, uri, sizeof uri);
        ss_jw_str(w, "uri", uri);
        ss_jw_end_obj(w);
        ss_jw_end_obj(w);
        ss_jw_end_obj(w);
        ss_jw_end_arr(w);
        ss_jw_end_obj(w);
    }
    ss_jw_end_arr(w);
    ss_jw_end_obj(w);
    ss_jw_end_arr(w); /* invocations */
    ss_jw_end_obj(w); /* run */
    ss_jw_end_arr(w); /* runs */
    ss_jw_end_obj(w);
    ss_jw_finish(w);
}

const ss_emitter ss_emitter_sarif = {
    .name = "sarif",
    .about = "the findings as SARIF 2.1.0, for code scanning",
    .keep_inputs = true,
    .begin = sarif_begin,
    .input = sarif_input,
    .end = sarif_end,
    .check = ss_check_sarif,
};
