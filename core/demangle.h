/* demangle.h - symbol names as people read them, by libiberty's demangler (Debian
 * libiberty-dev), the one GNU nm -C and c++filt use: Itanium C++, Rust legacy and Rust v0.
 * Names it cannot read (C names, MSVC's ?f@@YAXXZ) are left as they are. */
#ifndef SS_DEMANGLE_H
#define SS_DEMANGLE_H

/* The demangled form of name (malloc'd, the caller frees it), or NULL when name is not a mangled
 * name the library reads or when out of memory. lead is the character the format puts before
 * every C-level name (Mach-O's '_'; 0 for none): it is skipped first, as nm does. Like nm -C,
 * leading '.'/'$' characters and an ELF version suffix ("@GLIBC_2.2.5", "@plt") are kept around
 * the demangled part. */
char *ss_demangle(const char *name, char lead);

#endif
