/* escape_dump.c - writes one document per output target (text, msg, json, csv, md, xml, dot)
 * holding every hostile class of name through escape.h, for tests/escape_check.py to parse with
 * an independent parser of that format. Usage: escape_dump TARGET */
#include <stdio.h>  /* printf */
#include <string.h> /* strcmp */

#include "escape.h"

/* One name per class: what issue 17 (class 1) and issue 21 list, plus plain names. */
static const char *const names[] = {
    "plain .text",
    "ctl\x01\x07\x1b[31mred\x1b[0m\r\nnext line\ttab\x7f",
    "c1 \xc2\x9b" "31m csi \xc2\x85 nel",                  /* U+009B CSI, U+0085 NEL */
    "bidi \xe2\x80\xae" "evil\xe2\x80\xac \xe2\x81\xa6" "iso\xe2\x81\xa9", /* U+202E, U+202C, U+2066, U+2069 */
    "marks \xd8\x9c \xe2\x80\x8e \xe2\x80\x8f",           /* U+061C, U+200E, U+200F */
    "separators \xe2\x80\xa8 \xe2\x80\xa9",               /* U+2028, U+2029 */
    "nonchar \xef\xbf\xbe \xef\xbf\xbf \xef\xbb\xbf",     /* U+FFFE, U+FFFF, BOM */
    "invalid \xff\xfe \xc0\xaf \xed\xa0\x80 \xf4\x90\x80\x80", /* bad bytes, overlong, surrogate, >10FFFF */
    "quotes \" ' ` and delimiters , ; | < > & \\ [x](y) *b* _i_ ~s~",
    "@everyone and @here ping",
    "see https://example.com/x and www.example.org and a@b.c",
    "=cmd|' /C calc'!A0",
    "",
    "utf8 ok: caf\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac \xf0\x9f\x98\x80",
};
#define N (sizeof names / sizeof names[0])

int main(int argc, char **argv)
{
    const char *t = argc > 1 ? argv[1] : "";
    if (strcmp(t, "text") == 0) {
        for (size_t i = 0; i < N; i++) {
            char buf[512];
            ss_escape_text(names[i], buf, sizeof buf);
            printf("%s\n", buf);
        }
    } else if (strcmp(t, "msg") == 0) {
        for (size_t i = 0; i < N; i++)
            ss_escape_msg(stdout, "segscan: %s: %.*s (%zu)\n", names[i], 4, names[i], i);
    } else if (strcmp(t, "json") == 0) {
        fputs("[", stdout);
        for (size_t i = 0; i < N; i++) {
            fputs(i ? ",\n" : "\n", stdout);
            ss_escape_json(stdout, names[i]);
        }
        fputs("\n]\n", stdout);
    } else if (strcmp(t, "csv") == 0) {
        fputs("id,name\r\n", stdout);
        for (size_t i = 0; i < N; i++) {
            printf("%zu,", i);
            ss_escape_csv(stdout, names[i]);
            fputs("\r\n", stdout);
        }
    } else if (strcmp(t, "md") == 0) {
        fputs("| id | name |\n| ---: | :--- |\n", stdout);
        for (size_t i = 0; i < N; i++) {
            char buf[2048];
            printf("| %zu | %s |\n", i, ss_escape_md(names[i], buf, sizeof buf));
        }
    } else if (strcmp(t, "xml") == 0) {
        fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<names>\n", stdout);
        for (size_t i = 0; i < N; i++) {
            printf("  <name id=\"%zu\" value=\"", i);
            ss_escape_xml(stdout, names[i]);
            fputs("\">", stdout);
            ss_escape_xml(stdout, names[i]);
            fputs("</name>\n", stdout);
        }
        fputs("</names>\n", stdout);
    } else if (strcmp(t, "dot") == 0) {
        fputs("digraph names {\n", stdout);
        for (size_t i = 0; i < N; i++) {
            printf("  n%zu [shape=plaintext label=<<TABLE><TR><TD><I>", i);
            ss_escape_dot(stdout, ss_escape_dot_name(names[i]), 0);
            fputs("</I></TD><TD>", stdout);
            ss_escape_dot(stdout, ss_escape_dot_name(names[i]), 12);
            fputs("</TD></TR></TABLE>>];\n", stdout);
        }
        fputs("}\n", stdout);
    } else if (strcmp(t, "count") == 0) {
        printf("%zu\n", N);
    } else {
        fprintf(stderr, "usage: escape_dump text|msg|json|csv|md|xml|dot|count\n");
        return 2;
    }
    return fflush(stdout) == 0 ? 0 : 1;
}
