/* graphviz.c - piping the DOT report through Graphviz's dot. */
#include "graphviz.h"

#include <errno.h>    /* errno */
#include <limits.h>   /* PATH_MAX */
#include <signal.h>   /* signal, SIGPIPE */
#include <spawn.h>    /* posix_spawnp, posix_spawn_file_actions_* */
#include <stdlib.h>   /* getenv */
#include <string.h>   /* strchr, strerror */
#include <sys/wait.h> /* waitpid, WIFEXITED */
#include <unistd.h>   /* access, pipe, close */

extern char **environ;

bool ss_graphviz_available(void)
{
    const char *path = getenv("PATH");
    if (path == NULL)
        return false;
    for (const char *p = path;;) {
        const char *end = strchr(p, ':');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        char file[PATH_MAX];
        /* An empty PATH entry means the current directory. */
        if (n + sizeof "/dot" <= sizeof file) {
            int len = snprintf(file, sizeof file, "%.*s/dot", (int)n, n ? p : ".");
            if (len > 0 && access(file, X_OK) == 0)
                return true;
        }
        if (end == NULL)
            return false;
        p = end + 1;
    }
}

bool ss_graphviz_start(ss_graphviz *g, const char *format, char *err, size_t errlen)
{
    int fd[2];
    if (pipe(fd) != 0) {
        snprintf(err, errlen, "cannot create a pipe to dot: %s", strerror(errno));
        return false;
    }
    char opt[16];
    snprintf(opt, sizeof opt, "-T%s", format);
    char *argv[] = {"dot", opt, NULL};
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, fd[0], STDIN_FILENO);
    /* When the pipe's read end is already fd 0 (standard input was closed), closing it would
     * leave dot no input: it would draw an empty graph and exit 0. */
    if (fd[0] != STDIN_FILENO)
        posix_spawn_file_actions_addclose(&fa, fd[0]);
    posix_spawn_file_actions_addclose(&fa, fd[1]);
    int rc = posix_spawnp(&g->pid, "dot", &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    close(fd[0]);
    if (rc != 0) {
        close(fd[1]);
        snprintf(err, errlen, "cannot run dot: %s", strerror(rc));
        return false;
    }
    /* If dot dies early, writing gives EPIPE (reported by its exit status), not a signal. */
    signal(SIGPIPE, SIG_IGN);
    g->in = fdopen(fd[1], "w");
    if (g->in == NULL) {
        close(fd[1]);
        waitpid(g->pid, NULL, 0);
        snprintf(err, errlen, "cannot write to dot: %s", strerror(errno));
        return false;
    }
    return true;
}

int ss_graphviz_finish(ss_graphviz *g, char *err, size_t errlen)
{
    bool write_failed = fclose(g->in) != 0;
    g->in = NULL;
    int status;
    pid_t r;
    do
        r = waitpid(g->pid, &status, 0);
    while (r < 0 && errno == EINTR);
    err[0] = '\0';
    if (r < 0) {
        snprintf(err, errlen, "cannot wait for dot: %s", strerror(errno));
        return 1;
    }
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
        if (write_failed)
            snprintf(err, errlen, "writing the graph to dot failed");
        return write_failed ? 1 : 0;
    }
    int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    snprintf(err, errlen, "dot failed (%s %d)", WIFEXITED(status) ? "exit status" : "signal",
             WIFEXITED(status) ? code : WTERMSIG(status));
    return code;
}
