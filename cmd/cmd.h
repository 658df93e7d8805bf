/* cmd.h - segscan's subcommands, dispatched from main() by their first word. Each takes the
 * arguments after the subcommand's name (argv[0] is the name) and returns the exit status. */
#ifndef SS_CMD_H
#define SS_CMD_H

#include <stdbool.h> /* bool */

#include "ci.h"
#include "emit.h"

/* segscan check --budget FILE [--baseline DIR_OR_FILE] ARTIFACT...
 * 0 all rules pass (warnings allowed), 1 a `fail` rule failed, 2 usage or budget-file error,
 * 3 an input could not be analyzed. */
int ss_cmd_check(int argc, char **argv);

/* segscan diff BASE NEW: 0 compared, 2 usage error, 3 an input could not be analyzed. */
int ss_cmd_diff(int argc, char **argv);

/* The format named by a --format or --output word if it renders doc (emit/emitters.c's
 * table), else NULL. */
const ss_emitter *ss_cmd_format(const char *word, ss_doc doc);

/* segscan where NAME... -- FILE...: 0 every NAME matched, 1 some NAME matched nothing,
 * 2 usage error, 3 an input could not be analyzed. */
int ss_cmd_where(int argc, char **argv);

/* After getopt_long returned '?' (with opterr = 0): names the option that was not understood,
 * escaped (a command line can carry control bytes too), then "Try 'CMD --help'."; returns the
 * usage exit status 2. */
int ss_cmd_bad_option(const char *cmd, const char *optstring, int argc, char **argv);

#endif
