/* kill_errors: kill/tkill/tgkill/rt_sigqueueinfo existence checks, ESRCH/EINVAL/EPERM rules, process-group targets. */
/* syscalls: kill, tkill, tgkill, rt_sigqueueinfo, rt_tgsigqueueinfo, rt_sigtimedwait, rt_sigprocmask, setuid, setresuid, setpgid, fork, wait4, gettid, exit_group */
/* area: signals */
#include "check.h"

#include <limits.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int wait_code(pid_t pid)
{
    int st;
    if (pid <= 0 || waitpid(pid, &st, 0) != pid)
        return -1;
    return WIFEXITED(st) ? WEXITSTATUS(st) : 200 + (WIFSIGNALED(st) ? WTERMSIG(st) : 0);
}

static int err_is(long r, int e)
{
    return r == -1 && errno == e;
}

static long qinfo(pid_t pid, int sig, int code)
{
    siginfo_t si;
    memset(&si, 0, sizeof(si));
    si.si_signo = sig;
    si.si_code = code;
    si.si_pid = getpid();
    si.si_uid = getuid();
    return syscall(SYS_rt_sigqueueinfo, pid, sig, &si);
}

/* Waits up to 2 s for sig (which must be blocked); returns the sender pid or -1. */
static pid_t wait_sig(int sig)
{
    sigset_t ss;
    siginfo_t si;
    struct timespec ts = {2, 0};
    sigemptyset(&ss);
    sigaddset(&ss, sig);
    if (sigtimedwait(&ss, &si, &ts) != sig)
        return -1;
    return si.si_pid;
}

/* Unprivileged child: runs as uid 65534 against the root parent. */
static int unpriv_child(pid_t parent)
{
    if (setuid(65534) != 0)
        return 50;
    if (!err_is(kill(parent, SIGUSR1), EPERM))
        return 1;
    if (!err_is(kill(parent, 0), EPERM))
        return 2; /* the existence probe is also denied */
    if (kill(parent, SIGCONT) != 0)
        return 3; /* SIGCONT is allowed within the same session */
    if (!err_is(kill(INT_MAX, 0), ESRCH))
        return 4;
    if (kill(getpid(), 0) != 0)
        return 5;
    if (!err_is(syscall(SYS_tkill, parent, 0), EPERM))
        return 6;
    /* A process of the same uid may be signalled. */
    pid_t g = fork();
    if (g == 0) {
        pause();
        _exit(0);
    }
    if (g < 0)
        return 7;
    if (kill(g, SIGKILL) != 0)
        return 8;
    int st;
    if (waitpid(g, &st, 0) != g || !WIFSIGNALED(st) || WTERMSIG(st) != SIGKILL)
        return 9;
    return 0;
}

/* Child with only the effective uid dropped: the real uid 0 still matches. */
static int euid_child(pid_t parent)
{
    if (setresuid(0, 65534, 0) != 0)
        return 50;
    if (kill(parent, 0) != 0)
        return 1;
    return 0;
}

/* Child in a new process group: kill(0, sig) reaches itself and its child. */
static int group_child(void)
{
    sigset_t ss;
    sigemptyset(&ss);
    sigaddset(&ss, SIGUSR1);
    sigprocmask(SIG_BLOCK, &ss, NULL);
    if (setpgid(0, 0) != 0)
        return 1;
    pid_t me = getpid();
    pid_t g = fork();
    if (g == 0)
        _exit(wait_sig(SIGUSR1) == me ? 0 : 1);
    if (g < 0)
        return 2;
    if (kill(0, SIGUSR1) != 0)
        return 3;
    if (wait_sig(SIGUSR1) != me)
        return 4;
    int st;
    if (waitpid(g, &st, 0) != g || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
        return 5;
    /* kill(-pgid) as well. */
    g = fork();
    if (g == 0)
        _exit(wait_sig(SIGUSR1) == me ? 0 : 1);
    if (g < 0 || kill(-me, SIGUSR1) != 0 || wait_sig(SIGUSR1) != me)
        return 6;
    if (waitpid(g, &st, 0) != g || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
        return 7;
    return 0;
}

int main(void)
{
    pid_t me = getpid(), pid;
    long tid = syscall(SYS_gettid);

    alarm(10);
    setvbuf(stdout, NULL, _IOLBF, 0);

    CHECK_OK(kill(me, 0), "kill(self, 0) succeeds");
    CHECK_ERR(kill(me, 65), EINVAL, "kill signal 65 -> EINVAL");
    CHECK_ERR(kill(me, -1), EINVAL, "kill signal -1 -> EINVAL");
    CHECK_ERR(kill(INT_MAX, 0), ESRCH, "kill nonexistent pid -> ESRCH");
    CHECK_ERR(kill(INT_MIN, 0), ESRCH, "kill(INT_MIN) -> ESRCH");
    CHECK_ERR(kill(-INT_MAX, 0), ESRCH, "kill nonexistent process group -> ESRCH");
    /* Linux validates the signal number only once a target was found. */
    CHECK_ERR(kill(INT_MAX, 65), ESRCH, "bad signal to a nonexistent pid -> ESRCH (target looked up first)");

    /* Live child, zombie, reaped. */
    int p[2];
    CHECK_OK(pipe2(p, 0), "pipe2");
    fflush(stdout);
    pid = fork();
    if (pid == 0) {
        char c;
        close(p[1]);
        read(p[0], &c, 1);
        _exit(0);
    }
    close(p[0]);
    CHECK(pid > 0, "fork");
    CHECK_OK(kill(pid, 0), "kill(child, 0) on a live child");
    CHECK_ERR(syscall(SYS_tgkill, pid, tid, 0), ESRCH, "tgkill with our tid but the child's tgid -> ESRCH");
    CHECK_OK(syscall(SYS_tgkill, pid, pid, 0), "tgkill(child, child, 0) succeeds");
    CHECK_OK(syscall(SYS_tkill, pid, 0), "tkill(child, 0) succeeds");
    close(p[1]);
    {
        siginfo_t si;
        memset(&si, 0, sizeof(si));
        CHECK_OK(waitid(P_PID, pid, &si, WEXITED | WNOWAIT), "waitid WNOWAIT: child is a zombie");
    }
    CHECK_OK(kill(pid, 0), "kill(zombie, 0) still succeeds");
    CHECK_OK(kill(pid, SIGUSR1), "kill(zombie, SIGUSR1) succeeds");
    CHECK_EQ(wait_code(pid), 0, "reap child");
    CHECK_ERR(kill(pid, 0), ESRCH, "kill(reaped pid, 0) -> ESRCH");
    CHECK_ERR(syscall(SYS_tkill, pid, 0), ESRCH, "tkill(reaped pid) -> ESRCH");

    /* tgkill/tkill argument checks. */
    CHECK_OK(syscall(SYS_tgkill, me, tid, 0), "tgkill(self, self, 0)");
    CHECK_ERR(syscall(SYS_tgkill, me, 0, 0), EINVAL, "tgkill tid 0 -> EINVAL");
    CHECK_ERR(syscall(SYS_tgkill, me, -1, 0), EINVAL, "tgkill tid -1 -> EINVAL");
    CHECK_ERR(syscall(SYS_tgkill, 0, tid, 0), EINVAL, "tgkill tgid 0 -> EINVAL");
    CHECK_ERR(syscall(SYS_tgkill, me, tid, 65), EINVAL, "tgkill signal 65 -> EINVAL");
    CHECK_ERR(syscall(SYS_tgkill, me, INT_MAX, 0), ESRCH, "tgkill nonexistent tid -> ESRCH");
    CHECK_ERR(syscall(SYS_tkill, 0, 0), EINVAL, "tkill tid 0 -> EINVAL");
    CHECK_ERR(syscall(SYS_tkill, -1, 0), EINVAL, "tkill tid -1 -> EINVAL");

    /* rt_sigqueueinfo: si_code >= 0 (or SI_TKILL) may only be sent to oneself. */
    {
        sigset_t ss;
        sigemptyset(&ss);
        sigaddset(&ss, SIGUSR2);
        sigprocmask(SIG_BLOCK, &ss, NULL);
        fflush(stdout);
        pid = fork();
        if (pid == 0) {
            /* Wait for the one legal SI_QUEUE signal. */
            _exit(wait_sig(SIGUSR2) == getppid() ? 0 : 1);
        }
        CHECK(pid > 0, "fork signal target");
        CHECK_ERR(qinfo(pid, SIGUSR2, SI_USER), EPERM, "rt_sigqueueinfo si_code SI_USER to another process -> EPERM");
        CHECK_ERR(qinfo(pid, SIGUSR2, 5), EPERM, "rt_sigqueueinfo positive si_code to another process -> EPERM");
        CHECK_ERR(qinfo(pid, SIGUSR2, SI_TKILL), EPERM, "rt_sigqueueinfo SI_TKILL to another process -> EPERM");
        CHECK_OK(qinfo(pid, SIGUSR2, SI_QUEUE), "rt_sigqueueinfo SI_QUEUE to another process allowed");
        CHECK_EQ(wait_code(pid), 0, "child received the SI_QUEUE signal");
        CHECK_OK(qinfo(me, SIGUSR2, SI_USER), "rt_sigqueueinfo SI_USER to oneself allowed");
        CHECK_EQ(wait_sig(SIGUSR2), me, "self-queued SI_USER signal dequeued");
        CHECK_ERR(qinfo(me, 65, SI_QUEUE), EINVAL, "rt_sigqueueinfo signal 65 -> EINVAL");
        CHECK_ERR(qinfo(INT_MAX, SIGUSR2, SI_QUEUE), ESRCH, "rt_sigqueueinfo nonexistent pid -> ESRCH");
        siginfo_t si;
        memset(&si, 0, sizeof(si));
        si.si_code = SI_USER;
        CHECK_ERR(syscall(SYS_rt_tgsigqueueinfo, me, tid, SIGUSR2, (void *)8), EFAULT,
                  "rt_tgsigqueueinfo bad info pointer -> EFAULT");
    }

    /* Process group targets. */
    fflush(stdout);
    pid = fork();
    if (pid == 0)
        _exit(group_child());
    CHECK_EQ(wait_code(pid), 0, "kill(0, sig) and kill(-pgid, sig) reach every member of the group");

    /* Permission checks (needs root: the parent must be uid 0 for the EPERM cases). */
    if (geteuid() == 0) {
        fflush(stdout);
        pid = fork();
        if (pid == 0)
            _exit(unpriv_child(me));
        CHECK_EQ(wait_code(pid), 0,
                 "uid 65534: kill/tkill root -> EPERM, SIGCONT in session ok, own child ok, ESRCH first");
        fflush(stdout);
        pid = fork();
        if (pid == 0)
            _exit(euid_child(me));
        CHECK_EQ(wait_code(pid), 0, "euid 65534 with ruid 0 may signal a root process");
    } else {
        CHECK_SKIP("uid 65534 permission cases", "not running as root");
        CHECK_SKIP("euid permission case", "not running as root");
    }
    CHECK_DONE();
}
