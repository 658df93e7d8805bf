/* mapguard.h - surviving a mapped input file that shrinks while it is read.
 *
 * Reading a page of a file mapping past the file's current end raises SIGBUS, which would end
 * the whole run. Each input's mapping is registered here; a process-wide SIGBUS handler that
 * finds the faulting address inside a registered mapping replaces the mapping from that page
 * to its end with anonymous zero pages (mmap MAP_FIXED, a system call that is safe in a
 * handler), records the first offset that faulted, and returns: the faulting read is retried
 * and sees zeros, in whichever thread it was (the string analysis' helper threads included).
 * After the input's work, its owner asks whether a fault was recorded and then reports the
 * file as changed instead of what was read. A SIGBUS at any other address keeps its default
 * action (a crash that is a bug, not an input). */
#ifndef SS_MAPGUARD_H
#define SS_MAPGUARD_H

#include <stddef.h> /* size_t */
#include <stdint.h> /* uint64_t */

/* Registers [addr, addr+len) (installing the handler on first use). Returns a slot id >= 0, or
 * -1 when every slot is taken (then the caller must not rely on the mapping surviving). */
int ss_mapguard_add(void *addr, size_t len);
/* Forgets a slot (before the mapping is unmapped). Accepts -1. */
void ss_mapguard_remove(int slot);
/* The first offset in the mapping whose read faulted, or UINT64_MAX if none did. */
uint64_t ss_mapguard_fault(int slot);

#endif
