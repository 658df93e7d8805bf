/* fuzz_hooks.h - what the report target runs between loading and emitting: the same analyses
 * the command runs (fuzz_hooks.c keeps them in step with cmd/main.c's analyze_input). */
#ifndef SS_FUZZ_HOOKS_H
#define SS_FUZZ_HOOKS_H

#include "../../core/input.h"

void ss_fuzz_after_load(ss_input *in);

#endif
