/* term.h - how the text report looks on a terminal: colour and width.
 *
 * cmd/ decides (ss_term_detect: --color, NO_COLOR, TERM, isatty, COLUMNS, TIOCGWINSZ); the text
 * emitters only ask for the escape that starts a style and for names and lines cut to fit. With
 * colour off and no width (a pipe) every helper writes exactly what the report wrote before, so
 * a pipe's output never changes. */
#ifndef SS_TERM_H
#define SS_TERM_H

#include <stdbool.h> /* bool */
#include <stddef.h>  /* size_t */
#include <stdio.h>   /* FILE */

typedef struct {
    bool color;   /* ANSI SGR colour */
    bool utf8;    /* the ellipsis of a shortened name is U+2026, else "..." */
    size_t width; /* columns a line should fit in; 0: no limit (the wide layout of a pipe) */
} ss_term;

typedef enum { SS_COLOR_AUTO, SS_COLOR_ALWAYS, SS_COLOR_NEVER } ss_color_mode;

/* "auto", "always" or "never"; false for anything else. */
bool ss_color_mode_parse(const char *s, ss_color_mode *out);

/* The terminal behind fd, for cmd/ (emitters never look at the terminal themselves). Colour
 * when mode is always, or when it is auto, NO_COLOR is unset or empty (https://no-color.org: any
 * non-empty value; a command-line --color=always still wins, as that page asks), fd is a
 * terminal and TERM is set and not "dumb". Width from COLUMNS when it is a number from 20 to
 * 10000, else from TIOCGWINSZ when fd is a terminal, else 0 (no limit). */
ss_term ss_term_detect(int fd, ss_color_mode mode);

typedef enum {
    SS_STYLE_BAD,  /* failures, W+X, exec stack: bold red */
    SS_STYLE_WARN, /* weakened protections, warnings: bold yellow */
    SS_STYLE_GOOD, /* a check that passed, a protection in place: green */
    SS_STYLE_HEAD, /* table titles: bold */
} ss_style;

/* The escape that starts style s, and the one that ends it; "" without colour. */
const char *ss_term_on(const ss_term *t, ss_style s);
const char *ss_term_off(const ss_term *t);

/* name (already escaped for a terminal: valid UTF-8, display width w) into out, cut in the
 * middle with an ellipsis so that it takes at most max columns (max >= 5). Returns the display
 * width of out. */
size_t ss_term_shorten(const char *name, size_t w, size_t max, bool utf8, char *out, size_t cap);

/* Writes text (escaped, one line) and a newline, starting at column col of the current line;
 * with a width, words that would pass it go to new lines indented by indent columns (a word
 * longer than any such line stays on its line: breaking before it would only add a line). */
void ss_term_wrap(FILE *f, const ss_term *t, size_t col, size_t indent, const char *text);

/* One line printed piece by piece and then wrapped: ss_term_line_begin returns the stream to
 * print the line to (without its newline: f itself when there is no width to fit or no memory),
 * ss_term_line_end writes it to f wrapped as ss_term_wrap does, with the newline. */
typedef struct {
    FILE *f, *m;
    char *buf;
    size_t len;
} ss_term_line;
FILE *ss_term_line_begin(ss_term_line *l, FILE *f, const ss_term *t);
void ss_term_line_end(ss_term_line *l, const ss_term *t, size_t col, size_t indent);

#endif
