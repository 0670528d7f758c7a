/* prctl: names, parent-death signal (with a subreaper), dumpable, no_new_privs, keepcaps, timerslack, errnos. */
/* syscalls: prctl, fork, wait4, pipe2, read, write, open, kill, getppid */
/* area: prctl */
#include "check.h"

#include <fcntl.h>
#include <linux/capability.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

static void read_comm(char *buf, size_t n)
{
    int fd = open("/proc/self/comm", O_RDONLY);
    ssize_t r = fd >= 0 ? read(fd, buf, n - 1) : -1;
    buf[r > 0 ? r : 0] = 0;
    if (r > 0 && buf[r - 1] == '\n')
        buf[r - 1] = 0;
    if (fd >= 0)
        close(fd);
}

static int t_no_new_privs(void)
{
    if (prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) != 0)
        return 1;
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
        return 2;
    if (prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) != 1)
        return 3;
    if (prctl(PR_SET_NO_NEW_PRIVS, 0, 0, 0, 0) != -1 || errno != EINVAL)
        return 4; /* cannot be unset */
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 1, 0, 0) != -1 || errno != EINVAL)
        return 5; /* unused args must be zero */
    return 0;
}

int main(void)
{
    char name[32], comm[32];
    int sig = -1, status;

    alarm(5);
    setvbuf(stdout, NULL, _IOLBF, 0); /* keep finished lines if killed */
    CHECK_OK(prctl(PR_SET_NAME, "conf-prctl", 0, 0, 0), "PR_SET_NAME");
    memset(name, 0, sizeof(name));
    CHECK_OK(prctl(PR_GET_NAME, name, 0, 0, 0), "PR_GET_NAME");
    CHECK_STREQ(name, "conf-prctl", "name round-trips");
    read_comm(comm, sizeof(comm));
    CHECK_STREQ(comm, "conf-prctl", "/proc/self/comm shows the new name");
    prctl(PR_SET_NAME, "0123456789abcdefXYZ", 0, 0, 0);
    prctl(PR_GET_NAME, name, 0, 0, 0);
    CHECK_STREQ(name, "0123456789abcde", "names are truncated to 15 bytes");
    CHECK_ERR(prctl(PR_SET_NAME, NULL, 0, 0, 0), EFAULT, "PR_SET_NAME NULL -> EFAULT");

    CHECK_OK(prctl(PR_GET_PDEATHSIG, &sig, 0, 0, 0), "PR_GET_PDEATHSIG");
    CHECK_EQ(sig, 0, "no parent-death signal by default");
    CHECK_OK(prctl(PR_SET_PDEATHSIG, SIGUSR1, 0, 0, 0), "PR_SET_PDEATHSIG SIGUSR1");
    prctl(PR_GET_PDEATHSIG, &sig, 0, 0, 0);
    CHECK_EQ(sig, SIGUSR1, "PR_GET_PDEATHSIG returns SIGUSR1");
    CHECK_ERR(prctl(PR_SET_PDEATHSIG, 99, 0, 0, 0), EINVAL, "PR_SET_PDEATHSIG invalid signal -> EINVAL");
    prctl(PR_SET_PDEATHSIG, 0, 0, 0, 0);
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        prctl(PR_GET_PDEATHSIG, &sig, 0, 0, 0);
        _exit(sig);
    }
    waitpid(pid, &status, 0);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "fork child starts with pdeathsig cleared");

    /* Parent-death signal delivered to a grandchild when its parent exits; we reap it as subreaper. */
    CHECK_OK(prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0), "PR_SET_CHILD_SUBREAPER");
    {
        int v = -1, p[2], q[2];
        prctl(PR_GET_CHILD_SUBREAPER, &v, 0, 0, 0);
        CHECK_EQ(v, 1, "PR_GET_CHILD_SUBREAPER 1");
        pipe2(p, 0);
        pipe2(q, 0);
        fflush(stdout);
        pid = fork();
        if (pid == 0) {
            pid_t gc = fork();
            if (gc == 0) {
                char c;
                prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
                write(p[1], "r", 1);
                read(q[0], &c, 1); /* never written: blocks until killed */
                _exit(3);
            }
            char c;
            read(p[0], &c, 1);
            _exit(gc > 0 ? 0 : 1);
        }
        waitpid(pid, &status, 0);
        CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "middle child exited after the grandchild armed pdeathsig");
        pid_t gc = waitpid(-1, &status, 0);
        CHECK(gc > 0 && WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL,
              "orphaned grandchild reparented to us and killed by its pdeathsig");
        close(p[0]);
        close(p[1]);
        close(q[0]);
        close(q[1]);
    }
    prctl(PR_SET_CHILD_SUBREAPER, 0, 0, 0, 0);

    CHECK_EQ(prctl(PR_GET_DUMPABLE, 0, 0, 0, 0), 1, "PR_GET_DUMPABLE is 1");
    CHECK_OK(prctl(PR_SET_DUMPABLE, 0, 0, 0, 0), "PR_SET_DUMPABLE 0");
    CHECK_EQ(prctl(PR_GET_DUMPABLE, 0, 0, 0, 0), 0, "PR_GET_DUMPABLE 0");
    CHECK_ERR(prctl(PR_SET_DUMPABLE, 2, 0, 0, 0), EINVAL, "PR_SET_DUMPABLE 2 -> EINVAL");
    prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);
    CHECK_EQ(prctl(PR_GET_DUMPABLE, 0, 0, 0, 0), 1, "restored to 1");

    fflush(stdout);
    pid = fork();
    if (pid == 0)
        _exit(t_no_new_privs());
    waitpid(pid, &status, 0);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "PR_SET_NO_NEW_PRIVS is sticky, args checked");

    CHECK_EQ(prctl(PR_GET_KEEPCAPS, 0, 0, 0, 0), 0, "PR_GET_KEEPCAPS 0");
    CHECK(prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) == 0 && prctl(PR_GET_KEEPCAPS, 0, 0, 0, 0) == 1, "PR_SET_KEEPCAPS 1");
    prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0);
    CHECK_ERR(prctl(PR_SET_KEEPCAPS, 2, 0, 0, 0), EINVAL, "PR_SET_KEEPCAPS 2 -> EINVAL");

    CHECK(prctl(PR_SET_TIMERSLACK, 123456, 0, 0, 0) == 0 && prctl(PR_GET_TIMERSLACK, 0, 0, 0, 0) == 123456,
          "PR_SET/GET_TIMERSLACK");
    prctl(PR_SET_TIMERSLACK, 0, 0, 0, 0);
    CHECK_EQ(prctl(PR_CAPBSET_READ, CAP_SYS_ADMIN, 0, 0, 0), 1, "CAP_SYS_ADMIN in the bounding set");
    CHECK_ERR(prctl(PR_CAPBSET_READ, 1000, 0, 0, 0), EINVAL, "PR_CAPBSET_READ bad cap -> EINVAL");
    CHECK_EQ(prctl(PR_GET_SECCOMP, 0, 0, 0, 0), 0, "PR_GET_SECCOMP 0 (no filter)");
    CHECK_ERR(prctl(0x7fff1234, 0, 0, 0, 0), EINVAL, "unknown option -> EINVAL");
    CHECK_DONE();
}
