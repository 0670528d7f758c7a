/*
 * nobody.h - runs a function as uid/gid 65534 (no supplementary groups) in a forked child, the
 * way the programs provoke the EPERM/EACCES an unprivileged caller gets. Needs root.
 */
#ifndef CONF_NOBODY_H
#define CONF_NOBODY_H

#include <grp.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

/* fn()'s return value as the child's exit code; 100 if the child could not drop to 65534,
 * 200 if it died of a signal, -1 if it could not be started or waited for. */
static inline int as_nobody(int (*fn)(void))
{
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        if (setgroups(0, NULL) || setgid(65534) || setuid(65534))
            _exit(100);
        _exit(fn());
    }
    int st;
    if (pid < 0 || waitpid(pid, &st, 0) != pid)
        return -1;
    return WIFEXITED(st) ? WEXITSTATUS(st) : 200;
}

#endif
