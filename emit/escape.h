/* escape.h - making untrusted names safe for a terminal, JSON and DOT.
 *
 * Names come from the binary and can hold anything: control bytes, ANSI escape sequences,
 * invalid UTF-8, quotes, newlines, bidi overrides. Each output escapes them so that no byte of
 * the file reaches a terminal raw and every document stays valid. */
#ifndef SS_ESCAPE_H
#define SS_ESCAPE_H

#include <stddef.h> /* size_t */
#include <stdint.h> /* uint32_t */

#include "../core/utf8.h" /* ss_utf8_next */


/* Terminal-safe copy of s into buf (always NUL-terminated, cut with "..." when it does not fit):
 * printable ASCII and printable UTF-8 stay; backslash becomes "\\"; control bytes, C1 controls,
 * bidi controls and invalid bytes become \xNN or \u{NNNN}. Returns the display width (code
 * points) of the result. */
size_t ss_escape_text(const char *s, char *buf, size_t cap);

#endif
