/* escape.h - the one escaping module: making untrusted names safe for every output target.
 *
 * Names come from the binary, an archive, a path or a budget file and can hold anything: control
 * bytes, ANSI escape sequences (also as the C1 control U+009B), invalid UTF-8, quotes, newlines,
 * bidi overrides and marks that reorder what a reader sees, line and paragraph separators,
 * U+FFFE/U+FFFF that XML rejects. Every emitter and every message of every command writes such a
 * string through the function for its target here, and nowhere else (tests/escape_test.c checks
 * each target with each class).
 *
 * The shared rule: a code point that is "unsafe" (ss_escape_unsafe_cp) or a byte that is not
 * valid UTF-8 is shown as visible text - \xNN for a byte or a code point below U+0100, \u{NNNN}
 * above - and a literal backslash is doubled, so the escape cannot be confused with the name.
 * Each target then adds its own quoting. JSON is the exception: it is data, so it keeps the exact
 * name, with unsafe code points as \uNNNN escapes (never raw in the document) and invalid bytes
 * as the text \xNN (JSON strings cannot hold them). */
#ifndef SS_ESCAPE_H
#define SS_ESCAPE_H

#include <stdbool.h> /* bool */
#include <stddef.h>  /* size_t */
#include <stdint.h>  /* uint32_t */
#include <stdio.h>   /* FILE */

#include "../core/utf8.h" /* ss_utf8_next */

/* True for a code point no output may carry raw: C0 and C1 controls, DEL, bidi controls (U+061C,
 * U+200E/F, U+202A-U+202E, U+2066-U+2069), U+2028/U+2029, the BOM and noncharacters such as
 * U+FFFE/U+FFFF. */
bool ss_escape_unsafe_cp(uint32_t cp);

/* Terminal: safe copy of s into buf (always NUL-terminated, cut with "..." when it does not fit).
 * Returns the display width (code points) of the result. */
size_t ss_escape_text(const char *s, char *buf, size_t cap);

/* Terminal, streamed: s written to f whole, escaped as ss_escape_text does. */
void ss_escape_text_put(FILE *f, const char *s);

/* A message line for stderr: fmt is trusted text (it may hold '\n'); every %s argument is
 * untrusted and escaped for the terminal. Takes %s, %.*s, %c, %d, %u, %x, %zu, %llu and the
 * <inttypes.h> 64-bit forms, %%. Returns false when writing failed. */
bool ss_escape_msg(FILE *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* JSON: s as one quoted JSON string. NULL writes null. */
void ss_escape_json(FILE *f, const char *s);

/* CSV (RFC 4180): s as one field, quoted when it holds a comma, a quote or a line break; a field
 * starting with = + - @ is quoted and prefixed with ' so a spreadsheet does not run it as a
 * formula. */
void ss_escape_csv(FILE *f, const char *s);

/* Markdown table cell into buf (cut to cap): terminal-escaped, then HTML-escaped (< > &) and
 * with Markdown punctuation backslash-escaped; '@' and URL schemes ("://", "www.") get a zero
 * width space (&#8203;) so that no @mention notifies anyone and no bare URL becomes a link. */
const char *ss_escape_md(const char *s, char *buf, size_t cap);

/* URI reference of a file path (SARIF artifact locations) into a malloc'd string: every byte but
 * unreserved characters and '/' percent-encoded; an absolute path becomes a file:// URI. NULL
 * when out of memory. */
char *ss_escape_uri(const char *path);

/* XML text or attribute value (JUnit, SARIF-free XML): terminal-escaped, then entities. */
void ss_escape_xml(FILE *f, const char *s);

/* Graphviz HTML-like label text: as XML, at most max code points before "..." (0: no limit).
 * Graphviz rejects an empty element such as <I></I>: a caller wrapping a name in markup passes
 * ss_escape_dot_name(name), which gives "(unnamed)" for an empty name. */
void ss_escape_dot(FILE *f, const char *s, size_t max);
static inline const char *ss_escape_dot_name(const char *s)
{
    return s && s[0] ? s : "(unnamed)";
}

#endif
