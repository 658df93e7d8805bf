/* escape.h - the one place that makes untrusted names safe for each output.
 *
 * Names come from the binary, an archive member, a path or a budget file and can hold anything:
 * control bytes, ANSI escape sequences (ESC, or the C1 CSI U+009B), invalid UTF-8, quotes,
 * newlines, bidi overrides and marks, line/paragraph separators, the BOM, noncharacters. Every
 * emitter and every message that prints such a name goes through one function below, one per
 * target, so the targets cannot drift apart.
 *
 * The shared rule: a code point that ss_escape_unsafe() names, and every byte that is not valid
 * UTF-8, becomes visible text - \xNN (bytes and code points below U+0100) or \u{NNNN} - and a
 * literal backslash is doubled, so the two cannot be confused. Where the target itself reads
 * backslash escapes (JSON, Markdown, Graphviz labels) each of those backslashes is written
 * twice, so the reader still sees \xNN and \\. JSON keeps its documented
 * contract instead: unsafe code points become JSON \uXXXX escapes (so the document holds none of
 * them raw), invalid bytes the text \xNN and a backslash two backslashes. Each target then
 * escapes its own syntax. A NULL string is treated as "". */
#ifndef SS_ESCAPE_H
#define SS_ESCAPE_H

#include <stdbool.h> /* bool */
#include <stddef.h>  /* size_t */
#include <stdint.h>  /* uint32_t */
#include <stdio.h>   /* FILE */

#include "../core/utf8.h" /* ss_utf8_next */

/* True for a code point no output shows raw: C0 controls and DEL, C1 controls, bidi controls
 * (U+061C, U+200E/F, U+202A-E, U+2066-9), U+2028/9, invisible format controls (U+206A-F,
 * U+FFF9-B), the BOM U+FEFF, noncharacters (U+FDD0-FDEF, U+xFFFE/F; XML 1.0 forbids U+FFFE/F)
 * and tag characters (U+E0000-E007F, which hide text). */
bool ss_escape_unsafe(uint32_t cp);

/* Terminal text into buf (always NUL-terminated, cut with "..." when it does not fit; cap >= 8).
 * Returns the display width (code points) of the result. */
size_t ss_escape_text(const char *s, char *buf, size_t cap);
/* The same, returning buf (for printf arguments). */
const char *ss_esc_text(const char *s, char *buf, size_t cap);

/* A JSON string, quotes included. */
void ss_esc_json(FILE *f, const char *s);

/* One CSV field (RFC 4180): quoted when it holds a comma or a quote, quotes doubled; a field a
 * spreadsheet would run as a formula (leading = + - @) is quoted and prefixed with '. Cut with
 * "..." past 4 KiB. */
void ss_esc_csv(FILE *f, const char *s);

/* A Markdown (GitHub-flavoured) table cell into buf, returning buf: markup characters are
 * backslash-escaped or entities, and what a renderer or GitHub would turn into something live is
 * broken with a zero-width joiner (U+200D): @mentions (and so e-mail autolinks), "://" of bare
 * URLs, "www." autolinks. */
const char *ss_esc_md(const char *s, char *buf, size_t cap);

/* XML 1.0 text or attribute value (quotes as entities): the result is always well-formed. */
void ss_esc_xml(FILE *f, const char *s);

/* Text of a Graphviz HTML-like label, at most max_cp code points (0: no limit) before "...". An
 * empty string is written as "(unnamed)": Graphviz rejects an empty element such as <I></I>. */
void ss_esc_dot(FILE *f, const char *s, size_t max_cp);

/* A path as a relative URI reference (SARIF artifactLocation.uri): unreserved bytes and '/' stay,
 * every other byte is %XX, so spaces, '#', '?', controls and invalid UTF-8 cannot change what it
 * means. Cut at cap. */
const char *ss_esc_uri(const char *path, char *buf, size_t cap);

/* SARIF partialFingerprints: FNV-1a over the strings that identify a result, each followed by a
 * separator (so "ab"+"c" and "a"+"bc" differ). Start from SS_SARIF_HASH0. */
#define SS_SARIF_HASH0 0xcbf29ce484222325ULL
uint64_t ss_sarif_hash(uint64_t h, const char *s);

/* One line of a message to a terminal (stderr): formatted like fprintf, then escaped as a whole
 * like ss_escape_text (messages are one line and their fixed words plain ASCII, so only what a
 * name, path or budget file brought in changes), then a newline. */
void ss_esc_say(FILE *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
