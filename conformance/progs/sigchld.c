/* sigchld: SIGCHLD generation and siginfo, waitid, SA_NOCLDSTOP, SA_NOCLDWAIT, SIG_IGN auto-reap. */
/* syscalls: fork, waitid, wait4, kill, rt_sigaction, rt_sigprocmask, rt_sigtimedwait, setpgid, exit_group */
/* area: signals */
#include "check.h"

#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static sigset_t chld_set;

/* Waits up to 2s for SIGCHLD (blocked) and returns its siginfo. */
static int get_sigchld(siginfo_t *si)
{
    struct timespec ts = { 2, 0 };
    memset(si, 0, sizeof(*si));
    return syscall(SYS_rt_sigtimedwait, &chld_set, si, &ts, 8);
}

static int poll_sigchld(siginfo_t *si)
{
    struct timespec ts = { 0, 0 };
    return syscall(SYS_rt_sigtimedwait, &chld_set, si, &ts, 8);
}

static pid_t spawn_exit(int code)
{
    fflush(stdout);
    pid_t p = fork();
    if (p == 0)
        _exit(code);
    return p;
}

static volatile int handler_hits;
static void on_chld(int sig)
{
    (void)sig;
    handler_hits++;
}

static void set_chld(void (*fn)(int), int flags)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = fn;
    sa.sa_flags = flags;
    sigaction(SIGCHLD, &sa, NULL);
}

int main(void)
{
    siginfo_t si;
    pid_t pid;

    alarm(5);
    setvbuf(stdout, NULL, _IOLBF, 0); /* keep finished lines if killed */
    sigemptyset(&chld_set);
    sigaddset(&chld_set, SIGCHLD);
    sigprocmask(SIG_BLOCK, &chld_set, NULL);

    pid = spawn_exit(7);
    CHECK_EQ(get_sigchld(&si), SIGCHLD, "SIGCHLD generated on child exit");
    CHECK(si.si_code == CLD_EXITED && si.si_pid == pid && si.si_status == 7,
          "SIGCHLD siginfo: CLD_EXITED, si_pid, si_status 7");
    CHECK_EQ(si.si_uid, getuid(), "SIGCHLD si_uid is the child's uid");

    memset(&si, 0, sizeof(si));
    CHECK_OK(waitid(P_PID, pid, &si, WEXITED | WNOWAIT), "waitid WNOWAIT");
    CHECK(si.si_signo == SIGCHLD && si.si_code == CLD_EXITED && si.si_pid == pid && si.si_status == 7,
          "waitid fills si_signo/si_code/si_pid/si_status");
    memset(&si, 0, sizeof(si));
    CHECK(waitid(P_PID, pid, &si, WEXITED) == 0 && si.si_pid == pid, "WNOWAIT left the child waitable");
    CHECK_ERR(waitid(P_PID, pid, &si, WEXITED), ECHILD, "reaped child -> ECHILD");

    /* Killed child. */
    fflush(stdout);
    pid = fork();
    if (pid == 0) {
        for (;;)
            pause();
    }
    memset(&si, 0, sizeof(si));
    CHECK(waitid(P_PID, pid, &si, WEXITED | WNOHANG) == 0 && si.si_pid == 0,
          "waitid WNOHANG on running child: returns 0 with si_pid 0");
    kill(pid, SIGKILL);
    CHECK(get_sigchld(&si) == SIGCHLD && si.si_code == CLD_KILLED && si.si_status == SIGKILL,
          "killed child: CLD_KILLED, si_status SIGKILL");
    memset(&si, 0, sizeof(si));
    CHECK(waitid(P_ALL, 0, &si, WEXITED) == 0 && si.si_pid == pid && si.si_code == CLD_KILLED,
          "waitid P_ALL reaps the killed child");

    /* Stop / continue notifications. */
    fflush(stdout);
    pid = fork();
    if (pid == 0) {
        for (;;)
            pause();
    }
    kill(pid, SIGSTOP);
    CHECK(get_sigchld(&si) == SIGCHLD && si.si_code == CLD_STOPPED && si.si_status == SIGSTOP,
          "stopped child: CLD_STOPPED, si_status SIGSTOP");
    memset(&si, 0, sizeof(si));
    CHECK(waitid(P_PID, pid, &si, WSTOPPED) == 0 && si.si_code == CLD_STOPPED, "waitid WSTOPPED");
    kill(pid, SIGCONT);
    CHECK(get_sigchld(&si) == SIGCHLD && si.si_code == CLD_CONTINUED && si.si_status == SIGCONT,
          "continued child: CLD_CONTINUED, si_status SIGCONT");
    memset(&si, 0, sizeof(si));
    CHECK(waitid(P_PID, pid, &si, WCONTINUED) == 0 && si.si_code == CLD_CONTINUED, "waitid WCONTINUED");

    /* SA_NOCLDSTOP suppresses stop notifications, not exit ones. */
    set_chld(on_chld, SA_NOCLDSTOP);
    kill(pid, SIGSTOP);
    memset(&si, 0, sizeof(si));
    waitid(P_PID, pid, &si, WSTOPPED); /* the stop has happened once this returns */
    CHECK_EQ(si.si_code, CLD_STOPPED, "child stopped again");
    CHECK_ERR(poll_sigchld(&si), EAGAIN, "SA_NOCLDSTOP: no SIGCHLD for the stop");
    kill(pid, SIGKILL);
    CHECK(get_sigchld(&si) == SIGCHLD && si.si_code == CLD_KILLED, "SA_NOCLDSTOP: SIGCHLD still sent on death");
    waitpid(pid, NULL, 0);

    /* Handler runs when unblocked. */
    handler_hits = 0;
    pid = spawn_exit(0);
    memset(&si, 0, sizeof(si));
    waitid(P_PID, pid, &si, WEXITED | WNOWAIT);
    sigprocmask(SIG_UNBLOCK, &chld_set, NULL);
    CHECK_EQ(handler_hits, 1, "SIGCHLD handler runs once unblocked");
    sigprocmask(SIG_BLOCK, &chld_set, NULL);
    waitpid(pid, NULL, 0);

    /* waitid by process group. */
    fflush(stdout);
    pid = fork();
    if (pid == 0) {
        setpgid(0, 0);
        _exit(4);
    }
    setpgid(pid, pid);
    memset(&si, 0, sizeof(si));
    CHECK(waitid(P_PGID, pid, &si, WEXITED) == 0 && si.si_pid == pid && si.si_status == 4, "waitid P_PGID");
    while (poll_sigchld(&si) > 0)
        ;

    CHECK_ERR(waitid(P_ALL, 0, &si, WEXITED), ECHILD, "waitid with no children -> ECHILD");
    CHECK_ERR(waitid(P_ALL, 0, &si, 0), EINVAL, "waitid without WEXITED/WSTOPPED/WCONTINUED -> EINVAL");
    CHECK_ERR(waitid((idtype_t)42, 0, &si, WEXITED), EINVAL, "waitid bad idtype -> EINVAL");

    /* SA_NOCLDWAIT: children are reaped automatically. */
    set_chld(SIG_DFL, SA_NOCLDWAIT);
    spawn_exit(1);
    spawn_exit(2);
    CHECK_ERR(wait(NULL), ECHILD, "SA_NOCLDWAIT: wait blocks until children gone, then ECHILD");

    /* Explicit SIG_IGN also auto-reaps. */
    set_chld(SIG_IGN, 0);
    pid = spawn_exit(3);
    CHECK_ERR(waitpid(pid, NULL, 0), ECHILD, "SIGCHLD SIG_IGN: child auto-reaped, waitpid -> ECHILD");
    set_chld(SIG_DFL, 0);
    while (poll_sigchld(&si) > 0)
        ;

    /* With SIG_DFL the child stays a zombie until waited. */
    pid = spawn_exit(5);
    CHECK_EQ(get_sigchld(&si), SIGCHLD, "SIG_DFL: SIGCHLD still generated (while blocked)");
    {
        int status;
        CHECK(waitpid(pid, &status, 0) == pid && WEXITSTATUS(status) == 5, "SIG_DFL: zombie reaped by waitpid");
    }
    CHECK_DONE();
}
