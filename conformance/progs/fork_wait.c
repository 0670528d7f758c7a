/* fork_wait: fork, exit statuses, wait4/waitpid options and errnos. */
/* syscalls: fork, exit_group, wait4, kill, getpid, getppid, pipe2, read, write, setpgid */
/* area: process */
#include "check.h"

#include <signal.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

static int global_value = 7;

/* Forks a child that _exit()s with code; returns its pid. */
static pid_t child_exit(int code)
{
    fflush(stdout);
    pid_t p = fork();
    if (p == 0)
        _exit(code);
    return p;
}

/* Forks a child that kills itself with sig. */
static pid_t child_signal(int sig)
{
    fflush(stdout);
    pid_t p = fork();
    if (p == 0) {
        signal(sig, SIG_DFL);
        kill(getpid(), sig);
        _exit(100);
    }
    return p;
}

int main(void)
{
    int status, p[2];
    pid_t pid, r, me = getpid();

    alarm(5);
    setvbuf(stdout, NULL, _IOLBF, 0); /* keep finished lines if killed */

    pid = child_exit(0);
    CHECK(pid > 0, "fork returns child pid > 0 in parent");
    CHECK(pid != me, "child pid differs from parent pid");
    CHECK_EQ(waitpid(pid, &status, 0), pid, "waitpid returns the child pid");
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child _exit(0): WIFEXITED, status 0");

    pid = child_exit(42);
    CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 42,
          "child _exit(42): WEXITSTATUS 42");
    pid = child_exit(255);
    CHECK(waitpid(pid, &status, 0) == pid && WEXITSTATUS(status) == 255, "exit status 255");
    pid = child_exit(256 + 3);
    CHECK(waitpid(pid, &status, 0) == pid && WEXITSTATUS(status) == 3,
          "exit status truncated to low 8 bits (259 -> 3)");

    /* Child sees the parent as getppid() and gets a private copy of memory. */
    fflush(stdout);
    pid = fork();
    if (pid == 0) {
        int ok = getppid() == me && global_value == 7;
        global_value = 99;
        _exit(ok ? 0 : 1);
    }
    CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0,
          "child: getppid() == parent pid, inherited memory contents");
    CHECK_EQ(global_value, 7, "child write is not visible in parent (copy on write)");

    pid = child_signal(SIGKILL);
    CHECK(waitpid(pid, &status, 0) == pid && WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL,
          "child killed by SIGKILL: WIFSIGNALED, WTERMSIG SIGKILL");
    CHECK(!WIFEXITED(status), "signalled child is not WIFEXITED");
    pid = child_signal(SIGTERM);
    CHECK(waitpid(pid, &status, 0) == pid && WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM,
          "child killed by SIGTERM: WTERMSIG SIGTERM");
    pid = child_signal(SIGUSR1);
    CHECK(waitpid(pid, &status, 0) == pid && WIFSIGNALED(status) && WTERMSIG(status) == SIGUSR1,
          "child killed by SIGUSR1 default action");

    /* WNOHANG on a child that is still blocked. */
    CHECK_OK(pipe2(p, 0), "pipe2 for synchronisation");
    fflush(stdout);
    pid = fork();
    if (pid == 0) {
        char c;
        close(p[1]);
        _exit(read(p[0], &c, 1) == 1 ? 5 : 6);
    }
    close(p[0]);
    CHECK_EQ(waitpid(pid, &status, WNOHANG), 0, "WNOHANG on running child returns 0");
    CHECK_EQ(waitpid(-1, &status, WNOHANG), 0, "WNOHANG with pid -1 and running child returns 0");
    write(p[1], "x", 1);
    close(p[1]);
    CHECK(waitpid(pid, &status, 0) == pid && WEXITSTATUS(status) == 5,
          "child released through pipe exits 5");

    /* Stopped and continued children. */
    /* The continued child waits on a pipe before exiting: a child that has already exited
     * reports its exit, not the continuation. */
    CHECK_OK(pipe2(p, 0), "pipe2 for the stopped child");
    fflush(stdout);
    pid = fork();
    if (pid == 0) {
        char c;
        close(p[1]);
        kill(getpid(), SIGSTOP);
        _exit(read(p[0], &c, 1) == 1 ? 9 : 10);
    }
    close(p[0]);
    CHECK(waitpid(pid, &status, WUNTRACED) == pid && WIFSTOPPED(status) && WSTOPSIG(status) == SIGSTOP,
          "WUNTRACED reports stopped child, WSTOPSIG SIGSTOP");
    kill(pid, SIGCONT);
    CHECK(waitpid(pid, &status, WCONTINUED) == pid && WIFCONTINUED(status),
          "WCONTINUED reports continued child");
    write(p[1], "x", 1);
    close(p[1]);
    CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 9,
          "continued child then exits 9");

    /* wait4 with rusage. */
    {
        struct rusage ru;
        memset(&ru, 0xff, sizeof(ru));
        pid = child_exit(1);
        CHECK_EQ(wait4(pid, &status, 0, &ru), pid, "wait4 returns child pid");
        CHECK(ru.ru_utime.tv_sec >= 0 && ru.ru_utime.tv_usec >= 0 && ru.ru_utime.tv_usec < 1000000,
              "wait4 fills rusage (sane ru_utime)");
        pid = child_exit(2);
        CHECK_EQ(wait4(pid, NULL, 0, NULL), pid, "wait4 with NULL status and rusage");
    }

    /* Several children, collected with pid -1, then ECHILD. */
    {
        pid_t kids[3];
        int seen = 0, sum = 0;
        for (int i = 0; i < 3; i++)
            kids[i] = child_exit(10 + i);
        for (int i = 0; i < 3; i++) {
            r = waitpid(-1, &status, 0);
            for (int j = 0; j < 3; j++)
                if (r == kids[j])
                    seen |= 1 << j;
            sum += WEXITSTATUS(status);
        }
        CHECK_EQ(seen, 7, "waitpid(-1) reaps each of three children once");
        CHECK_EQ(sum, 33, "exit statuses 10+11+12");
    }
    CHECK_ERR(waitpid(-1, &status, 0), ECHILD, "waitpid(-1) with no children -> ECHILD");
    CHECK_ERR(waitpid(-1, &status, WNOHANG), ECHILD, "WNOHANG with no children -> ECHILD");
    CHECK_ERR(waitpid(1, &status, 0), ECHILD, "waitpid on a non-child (pid 1) -> ECHILD");
    CHECK_ERR(waitpid(pid, &status, 0), ECHILD, "waitpid on an already reaped child -> ECHILD");
    CHECK_ERR(wait4(-1, &status, 0x10000, NULL), EINVAL, "wait4 with invalid options -> EINVAL");

    /* waitpid(-pgid) selects by process group. */
    fflush(stdout);
    pid = fork();
    if (pid == 0) {
        setpgid(0, 0);
        _exit(17);
    }
    setpgid(pid, pid); /* races benignly with the child doing the same */
    {
        pid_t other = child_exit(18);
        r = waitpid(-pid, &status, 0);
        CHECK(r == pid && WEXITSTATUS(status) == 17, "waitpid(-pgid) reaps the child in that group");
        CHECK(waitpid(other, &status, 0) == other && WEXITSTATUS(status) == 18,
              "other child reaped separately");
    }
    CHECK_DONE();
}
