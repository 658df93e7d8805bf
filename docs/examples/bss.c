/* bss.c - a 1 MiB zero-initialized static: it lives in .bss, which takes memory but no file
 * bytes. The greeting is used twice; the compiler keeps one copy of the literal in .rodata. */
#include <stdio.h>

static char buffer[1 << 20]; /* all zero: .bss */

static void greet(void)
{
    puts("hello from the segments");
}

int main(void)
{
    buffer[0] = 'x';
    greet();
    puts("hello from the segments");
    return buffer[0] == 'x' ? 0 : 1;
}
