/* markdown.c - the report as a pull-request comment (GitHub-flavoured Markdown): a summary table
 * of every image, the errors and warnings among the findings, and each image's segments and
 * sections folded in <details>. The three parts are collected in memory streams and written at
 * the end (a comment is read top-down: the summary comes first). Names go through ss_esc_md, so
 * no name can break a table, start markup, @mention anyone or become a link. */
#include <inttypes.h> /* PRIu64 */
#include <stdio.h>    /* open_memstream (POSIX 2008) */
#include <stdlib.h>   /* calloc, free */

#include "../core/analysis.h"
#include "../core/sizes.h"
#include "emit_internal.h"
#include "escape.h"

/* More errors and warnings than this fold the findings table too. */
#define MD_FINDINGS_OPEN 20

typedef struct {
    FILE *sum, *find, *det;
    char *sum_buf, *find_buf, *det_buf;
    size_t sum_len, find_len, det_len;
    size_t nfind, ninfo, nimages;
} md_state;

static bool md_begin(ss_report *r)
{
    md_state *m = calloc(1, sizeof *m);
    if (m == NULL)
        return false;
    m->sum = open_memstream(&m->sum_buf, &m->sum_len);
    m->find = open_memstream(&m->find_buf, &m->find_len);
    m->det = open_memstream(&m->det_buf, &m->det_len);
    if (!m->sum || !m->find || !m->det) {
        if (m->sum)
            fclose(m->sum);
        if (m->find)
            fclose(m->find);
        if (m->det)
            fclose(m->det);
        free(m->sum_buf);
        free(m->find_buf);
        free(m->det_buf);
        free(m);
        return false;
    }
    r->state = m;
    return true;
}

/* "path" or "path(member)", escaped for a cell. */
static const char *where(const ss_image *im, char *buf, size_t cap)
{
    char raw[2048];
    snprintf(raw, sizeof raw, "%s%s%s%s", im->path, im->member ? "(" : "",
             im->member ? im->member : "", im->member ? ")" : "");
    return ss_esc_md(raw, buf, cap);
}

static void md_image(md_state *m, const ss_image *im)
{
    char w[2048], e[1024], h1[16], h2[16];
    ss_sizes sz;
    ss_sizes_compute(im, &sz);
    size_t err = 0, warn = 0, info = 0;
    const ss_analysis *a = im->analysis;
    for (size_t i = 0; a && i < a->nfindings; i++) {
        const ss_finding *fd = &a->findings[i];
        if (fd->severity == SS_SEV_ERROR)
            err++;
        else if (fd->severity == SS_SEV_WARNING)
            warn++;
        else
            info++;
        if (fd->severity == SS_SEV_INFO)
            continue;
        char id[256], msg[2048];
        fprintf(m->find, "| %s %s | %s | %s | %s |\n",
                fd->severity == SS_SEV_ERROR ? "\xe2\x9d\x8c" : "\xe2\x9a\xa0\xef\xb8\x8f",
                ss_severity_name(fd->severity), ss_esc_md(fd->id, id, sizeof id),
                where(im, w, sizeof w), ss_esc_md(fd->message, msg, sizeof msg));
        m->nfind++;
    }
    m->ninfo += info;
    fprintf(m->sum, "| %s | %s | %s | %s | %" PRIu64 " | %" PRIu64 " | %" PRIu64 " | %" PRIu64
                    " | %" PRIu64 " | %zu | %zu |\n",
            where(im, w, sizeof w), ss_format_name(im->format),
            ss_esc_md(im->machine ? im->machine : "", e, sizeof e), ss_type_name(im->type),
            im->file_size, sz.text, sz.data, sz.bss, sz.vm_total, err, warn);

    FILE *d = m->det;
    /* The summary line is HTML, where Markdown escapes would show: the name goes in the body. */
    fprintf(d, "<details><summary>Image %zu: %zu segments, %zu sections, %s in the file, %s in "
               "memory</summary>\n\n%s\n\n",
            ++m->nimages, im->nsegments, im->nsections, ss_human(im->file_size, h1),
            ss_human(sz.vm_total, h2), where(im, w, sizeof w));
    if (im->nsegments) {
        fputs("| # | Segment | Perms | Address | VM size | File size |\n"
              "| ---: | --- | --- | ---: | ---: | ---: |\n",
              d);
        for (size_t i = 0; i < im->nsegments; i++) {
            const ss_segment *g = &im->segments[i];
            char p[4];
            fprintf(d, "| %zu | %s | %s | 0x%" PRIx64 " | %" PRIu64 " | %" PRIu64 " |\n", i,
                    ss_esc_md(g->name, e, sizeof e), ss_perms_str(g->perms, p), g->vaddr,
                    g->vm_size, g->file_size);
        }
        fputc('\n', d);
    }
    if (im->nsections) {
        fputs("| # | Section | Kind | Perms | Address | VM size | File size |\n"
              "| ---: | --- | --- | --- | ---: | ---: | ---: |\n",
              d);
        for (size_t i = 0; i < im->nsections; i++) {
            const ss_section *s = &im->sections[i];
            char p[4];
            fprintf(d, "| %zu | %s | %s | %s | 0x%" PRIx64 " | %" PRIu64 " | %" PRIu64 " |\n", i,
                    ss_esc_md(s->name, e, sizeof e), ss_kind_name(s->kind),
                    ss_perms_str(s->perms, p), s->vaddr, s->vm_size, s->file_size);
        }
        fputc('\n', d);
    }
    fputs("</details>\n\n", d);
}

static void md_input(ss_report *r, const ss_input *in, const ss_totals *t)
{
    (void)t;
    for (size_t u = 0; u < in->nunits; u++)
        if (in->units[u].image)
            md_image(r->state, in->units[u].image);
}

static void md_end(ss_report *r)
{
    md_state *m = r->state;
    fflush(m->sum);
    fflush(m->find);
    fclose(m->sum);
    fclose(m->find);
    fclose(m->det);
    FILE *f = r->out;
    char h[16];
    fprintf(f, "### segscan: %" PRIu64 " image%s, %" PRIu64 " bytes (%s)\n\n", r->all.images,
            r->all.images == 1 ? "" : "s", r->all.file, ss_human(r->all.file, h));
    if (r->all.images) {
        fputs("| File | Format | Machine | Type | File size | text | data | bss | VM size | "
              "Errors | Warnings |\n"
              "| --- | --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n",
              f);
        fwrite(m->sum_buf, 1, m->sum_len, f);
        fputc('\n', f);
    }
    if (m->nfind) {
        bool fold = m->nfind > MD_FINDINGS_OPEN;
        if (fold)
            fprintf(f, "<details><summary>%zu errors and warnings</summary>\n\n", m->nfind);
        else
            fprintf(f, "#### Findings\n\n");
        fputs("| Severity | Rule | File | Message |\n| --- | --- | --- | --- |\n", f);
        fwrite(m->find_buf, 1, m->find_len, f);
        fputs(fold ? "\n</details>\n\n" : "\n", f);
    } else if (r->all.images) {
        fputs("No errors or warnings.\n\n", f);
    }
    if (m->ninfo)
        fprintf(f, "%zu informational finding%s (size savings, hints) in the text and JSON "
                   "reports.\n\n",
                m->ninfo, m->ninfo == 1 ? "" : "s");
    fwrite(m->det_buf, 1, m->det_len, f);
    if (r->nerr)
        fprintf(f, "**%zu input%s could not be analyzed** (see the job's log).\n", r->nerr,
                r->nerr == 1 ? "" : "s");
    free(m->sum_buf);
    free(m->find_buf);
    free(m->det_buf);
    free(m);
}

const ss_emitter ss_emitter_markdown = {
    .name = "markdown",
    .about = "a pull-request comment: summary, findings, sections folded in <details>",
    .keep_inputs = true,
    .begin = md_begin,
    .input = md_input,
    .end = md_end,
    .check = ss_check_markdown,
    .diff = ss_diff_markdown,
    .alias = "md",
};
