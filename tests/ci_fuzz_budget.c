/* ci_fuzz_budget.c - a libFuzzer target for budget files: the YAML parser and every check of
 * core/budget.c on arbitrary bytes, plus the size and percentage parsers on the same bytes as a
 * string. Built as fuzz_budget with -DSEGSCAN_FUZZ=ON and replayed under CTest (replay_budget)
 * over the committed budget files, good and bad. */
#include <stdint.h> /* uint8_t */
#include <stdlib.h> /* malloc, free */
#include <string.h> /* memcpy */

#include "budget.h"
#include "measure.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[SS_BUDGET_ERR];
    ss_budget *b = ss_budget_parse("fuzz.yaml", (const char *)data, size, err, sizeof err);
    if (b) {
        for (size_t i = 0; i < b->nrules; i++) {
            const ss_rule *r = &b->rules[i];
            (void)ss_rule_analyses(r);
            (void)ss_globs_match_path(&r->artifacts, "build/./app");
            (void)ss_globs_match(&r->members, "member.o");
            for (size_t j = 0; j < r->nallow; j++)
                (void)ss_globs_match(&r->allow[j].sections, ".text");
        }
        ss_budget_free(b);
    }
    char *s = malloc(size + 1);
    if (s == NULL)
        return 0;
    memcpy(s, data, size);
    s[size] = '\0';
    uint64_t v;
    const char *why;
    (void)ss_parse_size(s, &v, &why);
    (void)ss_parse_percent(s, &v, &why);
    free(s);
    return 0;
}
