/* session_pgrp: setsid/getsid, setpgid/getpgid rules and EPERM/ESRCH/EACCES cases, group signals. */
/* syscalls: setsid, getsid, setpgid, getpgid, getpgrp, fork, execve, wait4, kill, pipe2, read, write, open, ioctl */
/* area: sessions */
#include "check.h"

#include <fcntl.h>
#include <string.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>

static int wait_code(pid_t pid)
{
    int status;
    if (waitpid(pid, &status, 0) != pid)
        return -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 200 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
}

/* Child body: become a session leader and verify the consequences. */
static int t_setsid(void)
{
    pid_t me = getpid();
    if (setsid() != me)
        return 1;
    if (getsid(0) != me || getpgrp() != me || getpgid(0) != me)
        return 2;
    /* No controlling terminal; some machines have no /dev/tty node to ask. */
    if (access("/dev/tty", F_OK) == 0 && (open("/dev/tty", O_RDWR) != -1 || errno != ENXIO))
        return 3;
    if (setsid() != -1 || errno != EPERM)
        return 4; /* already a group leader */
    if (setpgid(0, 0) != -1 || errno != EPERM)
        return 5; /* a session leader cannot change its group, even to itself */
    return 0;
}

static int t_leader_setsid(void)
{
    if (setpgid(0, 0) != 0)
        return 1;
    return setsid() == -1 && errno == EPERM ? 0 : 2;
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "--pause") == 0) {
        alarm(5);
        pause(); /* the exec'd child of the EACCES check waits here to be killed */
        return 0;
    }
    pid_t me = getpid(), pid, pid2;
    int p[2], q[2];
    char c;

    alarm(5);
    setvbuf(stdout, NULL, _IOLBF, 0); /* keep finished lines if killed */
    CHECK_EQ(getpgid(0), getpgrp(), "getpgid(0) == getpgrp()");
    CHECK_EQ(getsid(0), getsid(me), "getsid(0) == getsid(getpid())");
    /* 0 is what a leader outside our pid namespace looks like (a CI runner in a container). */
    CHECK(getsid(0) >= 0 && getpgrp() >= 0, "session and group ids are not negative");
    CHECK_ERR(getpgid(4194305), ESRCH, "getpgid nonexistent -> ESRCH");
    CHECK_ERR(getsid(4194305), ESRCH, "getsid nonexistent -> ESRCH");
    CHECK_ERR(setpgid(0, -1), EINVAL, "setpgid negative pgid -> EINVAL");
    CHECK_ERR(setpgid(4194305, 0), ESRCH, "setpgid on a non-child -> ESRCH");
    {
        int fd = open("/dev/null", O_RDONLY);
        CHECK_ERR(tcgetpgrp(fd), ENOTTY, "tcgetpgrp on /dev/null -> ENOTTY");
        close(fd);
    }

    fflush(stdout);
    pid = fork();
    if (pid == 0)
        _exit(t_setsid());
    CHECK_EQ(wait_code(pid), 0, "child setsid(): new session/group = its pid, no ctty, setsid/setpgid again EPERM");
    fflush(stdout);
    pid = fork();
    if (pid == 0)
        _exit(t_leader_setsid());
    CHECK_EQ(wait_code(pid), 0, "process group leader cannot setsid -> EPERM");

    /* Parent moves children between groups. */
    pipe2(p, 0);
    fflush(stdout);
    pid = fork();
    if (pid == 0) {
        read(p[0], &c, 1);
        _exit(0);
    }
    CHECK_OK(setpgid(pid, pid), "setpgid(child, child) from the parent");
    CHECK_EQ(getpgid(pid), pid, "child is now leader of its own group");
    CHECK_EQ(getsid(pid), getsid(0), "child still in our session");
    fflush(stdout);
    pid2 = fork();
    if (pid2 == 0) {
        read(p[0], &c, 1);
        _exit(0);
    }
    CHECK_OK(setpgid(pid2, pid), "second child joins the first child's group");
    CHECK_EQ(getpgid(pid2), pid, "second child's pgid");
    CHECK_ERR(setpgid(pid2, 4194305), EPERM, "setpgid to a nonexistent group -> EPERM");
    CHECK_OK(kill(-pid, SIGKILL), "kill(-pgid) signals the whole group");
    CHECK(wait_code(pid) == 200 + SIGKILL && wait_code(pid2) == 200 + SIGKILL, "both group members killed");
    close(p[0]);
    close(p[1]);

    /* A child in its own session cannot be moved. */
    pipe2(p, 0);
    pipe2(q, 0);
    fflush(stdout);
    pid = fork();
    if (pid == 0) {
        setsid();
        write(q[1], "s", 1);
        read(p[0], &c, 1);
        _exit(0);
    }
    read(q[0], &c, 1);
    CHECK_EQ(getsid(pid), pid, "getsid of a child that called setsid");
    CHECK_ERR(setpgid(pid, pid), EPERM, "setpgid on a session leader -> EPERM");
    fflush(stdout);
    pid2 = fork();
    if (pid2 == 0) {
        read(p[0], &c, 1);
        _exit(0);
    }
    CHECK_ERR(setpgid(pid2, pid), EPERM, "joining a group in another session -> EPERM");
    write(p[1], "xx", 2);
    wait_code(pid);
    wait_code(pid2);
    close(p[0]);
    close(p[1]);
    close(q[0]);
    close(q[1]);

    /* After execve the parent may no longer change the child's group. */
    pipe2(p, O_CLOEXEC);
    fflush(stdout);
    pid = fork();
    if (pid == 0) {
        close(p[0]);
        execl("/proc/self/exe", "session_pgrp", "--pause", (char *)NULL);
        _exit(127);
    }
    close(p[1]);
    CHECK_EQ(read(p[0], &c, 1), 0, "CLOEXEC pipe reports the child's exec");
    CHECK_ERR(setpgid(pid, pid), EACCES, "setpgid on a child after execve -> EACCES");
    kill(pid, SIGKILL);
    CHECK_EQ(wait_code(pid), 200 + SIGKILL, "exec'd child killed");
    close(p[0]);

    /* waitpid(0) waits for children in our own group only. */
    fflush(stdout);
    pid = fork();
    if (pid == 0) {
        setpgid(0, 0);
        _exit(6);
    }
    setpgid(pid, pid);
    CHECK_ERR(waitpid(0, NULL, 0), ECHILD, "waitpid(0) ignores a child in another group");
    CHECK_EQ(wait_code(pid), 6, "child reaped by pid");
    CHECK_DONE();
}
