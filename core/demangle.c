/* demangle.c - libiberty's cplus_demangle with the flags and the name trimming of GNU nm -C
 * (binutils' bfd_demangle), so segscan's names equal nm -C's (tests/symbols_nm.py checks it on
 * the machine's binaries). */
#include "demangle.h"

#include <stdio.h>  /* snprintf */
#include <stdlib.h> /* malloc, free */
#include <string.h> /* strchr, strlen */

#include <libiberty/demangle.h>

char *ss_demangle(const char *name, char lead)
{
    if (lead && name[0] == lead)
        name++;
    const char *pre = name;
    while (*name == '.' || *name == '$')
        name++;
    size_t prelen = (size_t)(name - pre);
    /* A version or PLT suffix is not part of the mangled name: demangle what precedes it. */
    const char *suf = strchr(name, '@');
    char *cut = NULL;
    if (suf != NULL && suf != name) {
        cut = malloc((size_t)(suf - name) + 1);
        if (cut == NULL)
            return NULL;
        memcpy(cut, name, (size_t)(suf - name));
        cut[suf - name] = '\0';
    } else {
        suf = NULL;
    }
    char *res = cplus_demangle(cut ? cut : name, DMGL_PARAMS | DMGL_ANSI);
    free(cut);
    if (res == NULL || (prelen == 0 && suf == NULL))
        return res;
    size_t sl = suf ? strlen(suf) : 0, rl = strlen(res);
    char *full = malloc(prelen + rl + sl + 1);
    if (full != NULL) {
        memcpy(full, pre, prelen);
        memcpy(full + prelen, res, rl);
        if (sl)
            memcpy(full + prelen + rl, suf, sl);
        full[prelen + rl + sl] = '\0';
    }
    free(res);
    return full;
}
