/* escape_dump.c - feeds every class of hostile name to every target of emit/escape.h and writes
 * one document per target into DIR, for escape_test.py to parse with independent parsers
 * (Python's json, csv, xml.etree and markdown; Graphviz's dot):
 *   text.txt   one escaped name per line (ss_escape_text; and ss_esc_say's line)
 *   names.json a JSON array of the names (ss_esc_json)
 *   names.csv  rows "index,name" (ss_esc_csv)
 *   names.md   a two-column Markdown table (ss_esc_md)
 *   names.xml  each name as element text and as an attribute (ss_esc_xml)
 *   names.dot  a node per name whose HTML-like label holds it in <I>...</I> (ss_esc_dot)
 * The names themselves are listed in names.list (index, then the raw bytes in hex) so the test
 * can check what each one must become. */
#include <stdio.h>  /* FILE, fopen */
#include <string.h> /* strlen */

#include "escape.h"

static const char *const NAMES[] = {
    "",                                                         /* empty: DOT's <I></I> */
    "plain.text",
    "a\x01" "b\x1b[31mred\x7f" "\n" "next\r\tend",              /* C0 controls, ESC, DEL */
    "\xc2\x9b" "2J" "\xc2\x85" "nel",                           /* C1: CSI, NEL */
    "\xe2\x80\xae" "evil" "\xe2\x81\xa6" "iso" "\xe2\x81\xa9",  /* bidi override, isolates */
    "\xd8\x9c" "alm" "\xe2\x80\x8e" "lrm" "\xe2\x80\x8f" "rlm", /* bidi marks */
    "line" "\xe2\x80\xa8" "sep" "\xe2\x80\xa9" "par",           /* U+2028, U+2029 */
    "\xef\xbb\xbf" "bom",                                       /* U+FEFF */
    "non" "\xef\xbf\xbe" "char" "\xef\xbf\xbf",                 /* U+FFFE, U+FFFF */
    "nc" "\xef\xb7\x90",                                        /* U+FDD0 */
    "tag" "\xf3\xa0\x80\x81" "\xf3\xa0\x81\xa1",                /* tag characters */
    "bad\xff\xfe" "utf8\xc0\x80" "sur\xed\xa0\x80" "cut\xe2\x82", /* invalid UTF-8 */
    "back\\slash\\x41\\u{202e}",                                /* looks like an escape */
    "q\"uote'" ",comma",                                        /* quotes, delimiter */
    "a|b`c*d_e[f](g)~h~!",                                      /* Markdown punctuation */
    "<b>bold</b>&amp;&#64;<TABLE>",                             /* markup, entities */
    "=cmd|' /C calc'!A0",                                       /* spreadsheet formulas */
    "+1",
    "-2",
    "@SUM(1)",
    "@everyone and @org/team",                                  /* mentions */
    "https://evil.example/x?a=1",                               /* bare URL */
    "see www.evil.example or WWW.X.ORG",                        /* www autolinks */
    "mail a@b.example",                                         /* e-mail autolink */
    "<https://x.example>",                                      /* angle autolink */
    "caf\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac \xf0\x9f\x98\x80",    /* valid UTF-8 stays */
};
#define NNAMES (sizeof NAMES / sizeof NAMES[0])

static FILE *open_out(const char *dir, const char *name)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    if (f == NULL)
        perror(path);
    return f;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: escape_dump DIR\n");
        return 2;
    }
    FILE *lst = open_out(argv[1], "names.list"), *txt = open_out(argv[1], "text.txt"),
         *js = open_out(argv[1], "names.json"), *csv = open_out(argv[1], "names.csv"),
         *md = open_out(argv[1], "names.md"), *xml = open_out(argv[1], "names.xml"),
         *dot = open_out(argv[1], "names.dot");
    if (!lst || !txt || !js || !csv || !md || !xml || !dot)
        return 1;
    fputs("[", js);
    fputs("| # | name |\n| --- | --- |\n", md);
    fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<names>\n", xml);
    fputs("digraph names {\n", dot);
    for (size_t i = 0; i < NNAMES; i++) {
        const char *s = NAMES[i];
        fprintf(lst, "%zu ", i);
        for (const unsigned char *p = (const unsigned char *)s; *p; p++)
            fprintf(lst, "%02x", *p);
        fputc('\n', lst);

        char buf[1024];
        ss_escape_text(s, buf, sizeof buf);
        fprintf(txt, "%s\n", buf);
        ss_esc_say(txt, "say: cannot read '%s' (%zu)", s, i);

        fputs(i ? ",\n" : "\n", js);
        ss_esc_json(js, s);

        fprintf(csv, "%zu,", i);
        ss_esc_csv(csv, s);
        fputs("\r\n", csv);

        fprintf(md, "| %zu | %s |\n", i, ss_esc_md(s, buf, sizeof buf));

        fprintf(xml, "  <n i=\"%zu\" a=\"", i);
        ss_esc_xml(xml, s);
        fputs("\">", xml);
        ss_esc_xml(xml, s);
        fputs("</n>\n", xml);

        fprintf(dot, "  n%zu [shape=plaintext, label=<<TABLE><TR><TD><I>", i);
        ss_esc_dot(dot, s, 0);
        fputs("</I></TD><TD><B>", dot);
        ss_esc_dot(dot, s, 8);
        fputs("</B></TD></TR></TABLE>>];\n", dot);
    }
    fputs("\n]\n", js);
    fputs("</names>\n", xml);
    fputs("}\n", dot);
    int bad = 0;
    FILE *all[] = {lst, txt, js, csv, md, xml, dot};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        bad |= fclose(all[i]) != 0;
    return bad;
}
