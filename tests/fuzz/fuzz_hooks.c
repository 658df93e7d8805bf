/* fuzz_hooks.c - the analyses between loading and emitting. */
#include "fuzz_hooks.h"

void ss_fuzz_after_load(ss_input *in)
{
    (void)in;
}
