/* markdown.c - the report as a pull-request comment (GitHub-flavoured Markdown): a summary table
 * of the images, then the findings, then each image's sections folded in <details>. The summary
 * rows are written as images come; findings and section tables are kept in a memory stream
 * until the end. Every cell goes through ss_esc_md (no markup, mention or link from a name). */
#include <inttypes.h> /* PRIu64 */
#include <stdlib.h>   /* free, calloc */

#include "../core/analysis.h"
#include "emit_internal.h"
#include "escape.h"

typedef struct {
    FILE *findings, *details; /* open_memstream */
    char *fbuf, *dbuf;
    size_t flen, dlen, nfindings, nimages;
} md_state;

static bool md_begin(ss_report *r)
{
    md_state *s = calloc(1, sizeof *s);
    if (s == NULL)
        return false;
    s->findings = open_memstream(&s->fbuf, &s->flen);
    s->details = open_memstream(&s->dbuf, &s->dlen);
    if (s->findings == NULL || s->details == NULL) {
        if (s->findings)
            fclose(s->findings);
        if (s->details)
            fclose(s->details);
        free(s->fbuf);
        free(s->dbuf);
        free(s);
        return false;
    }
    r->state = s;
    fputs("## segscan report\n\n"
          "| File | Format | Type | File bytes | text | data | bss | Memory bytes |\n"
          "| :--- | :--- | :--- | ---: | ---: | ---: | ---: | ---: |\n",
          r->out);
    return true;
}

/* "PATH" or "PATH(MEMBER)", escaped for a cell. */
static const char *file_cell(const ss_image *im, char *buf, size_t cap)
{
    char raw[1024];
    snprintf(raw, sizeof raw, "%s%s%s%s", im->path, im->member ? "(" : "",
             im->member ? im->member : "", im->member ? ")" : "");
    return ss_esc_md(raw, buf, cap);
}

static void md_image(ss_report *r, const ss_image *im, size_t number)
{
    md_state *s = r->state;
    char file[2048], cell[1024], cell2[1024];
    ss_totals t = {0};
    ss_totals_add(&t, im);
    file_cell(im, file, sizeof file);
    fprintf(r->out, "| %s | %s | %s | %" PRIu64 " | %" PRIu64 " | %" PRIu64 " | %" PRIu64
                    " | %" PRIu64 " |\n",
            file, ss_format_name(im->format), ss_type_name(im->type), im->file_size, t.text,
            t.data, t.bss, t.vm);

    const ss_analysis *a = im->analysis;
    for (size_t i = 0; a && i < a->nfindings; i++) {
        const ss_finding *fd = &a->findings[i];
        fprintf(s->findings, "| %s | %s | %s | %s |\n", ss_severity_name(fd->severity), file,
                ss_esc_md(fd->id, cell, sizeof cell),
                ss_esc_md(fd->message, cell2, sizeof cell2));
        s->nfindings++;
    }

    /* The name goes in a Markdown paragraph, not in <summary>: raw HTML would show the cell
     * escapes literally. markdown="1" lets Python-Markdown render the table inside (GitHub does
     * so anyway and drops the attribute). */
    fprintf(s->details, "<details markdown=\"1\"><summary>Sections of image %zu (%zu)</summary>"
                        "\n\n**%s**\n\n",
            number, im->nsections, file);
    fputs("| # | Section | Kind | Perms | File bytes | Memory bytes |\n"
          "| ---: | :--- | :--- | :--- | ---: | ---: |\n",
          s->details);
    for (size_t i = 0; i < im->nsections; i++) {
        const ss_section *sc = &im->sections[i];
        char p[4];
        fprintf(s->details, "| %zu | %s | %s | %s | %" PRIu64 " | %" PRIu64 " |\n", i,
                ss_esc_md(sc->name, cell, sizeof cell), ss_kind_name(sc->kind),
                ss_perms_str(sc->perms, p), sc->file_size, sc->vm_size);
    }
    fputs("\n</details>\n\n", s->details);
}

static void md_input(ss_report *r, const ss_input *in, const ss_totals *t)
{
    md_state *s = r->state;
    (void)t;
    for (size_t u = 0; u < in->nunits; u++)
        if (in->units[u].image)
            md_image(r, in->units[u].image, ++s->nimages);
}

static void md_end(ss_report *r)
{
    md_state *s = r->state;
    fclose(s->findings);
    fclose(s->details);
    if (r->all.images > 1)
        fprintf(r->out, "| **Total (%zu images)** | | | %" PRIu64 " | %" PRIu64 " | %" PRIu64
                        " | %" PRIu64 " | %" PRIu64 " |\n",
                (size_t)r->all.images, r->all.file, r->all.text, r->all.data, r->all.bss,
                r->all.vm);
    fprintf(r->out, "\n### Findings (%zu)\n\n", s->nfindings);
    if (s->nfindings) {
        fputs("| Severity | File | Finding | Message |\n| :--- | :--- | :--- | :--- |\n", r->out);
        fwrite(s->fbuf, 1, s->flen, r->out);
    } else {
        fputs("None.\n", r->out);
    }
    fputc('\n', r->out);
    fwrite(s->dbuf, 1, s->dlen, r->out);
    free(s->fbuf);
    free(s->dbuf);
    free(s);
    r->state = NULL;
}

const ss_emitter ss_emitter_markdown = {
    .name = "markdown",
    .about = "a pull-request comment: summary table, findings, sections in <details>",
    .begin = md_begin,
    .input = md_input,
    .end = md_end,
};
