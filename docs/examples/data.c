/* data.c - the same program with one non-zero byte in the static: the whole 1 MiB array moves
 * to .data, and the file grows by 1 MiB of (mostly zero) bytes. */
#include <stdio.h>

static char buffer[1 << 20] = {1}; /* one non-zero byte: .data */

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
