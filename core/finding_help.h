/* finding_help.h - what each finding id means and how to fix it, for formats that describe
 * their rules (SARIF's rules[]) apart from each result's message. */
#ifndef SS_FINDING_HELP_H
#define SS_FINDING_HELP_H

typedef struct {
    const char *id;    /* the stable finding id of core/analysis.c */
    const char *title; /* a short description of the rule */
    const char *help;  /* why it matters and what to do */
} ss_finding_help;

/* The help of id, or NULL for an id this table does not know (a new finding without help: the
 * formats then use the finding's message). */
const ss_finding_help *ss_finding_help_of(const char *id);

/* The i-th entry (NULL past the end): SARIF lists every rule, so rule indexes are stable. */
const ss_finding_help *ss_finding_help_at(unsigned i);

#endif
