/* sigprocmask_cases: rt_sigprocmask how values, unblockable signals, errnos, pending delivery on unblock, fork/execve inheritance. */
/* syscalls: rt_sigprocmask, rt_sigpending, rt_sigaction, kill, fork, execve, wait4, openat, read, close, exit_group */
/* area: signals */
#include "check.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define BIT(s) (1UL << ((s) - 1))

static volatile sig_atomic_t count, rt_count;

static void h(int sig)
{
    (void)sig;
    count++;
}

static void rt_h(int sig)
{
    (void)sig;
    rt_count++;
}

static long rawmask(int how, const unsigned long *set, unsigned long *old)
{
    return syscall(SYS_rt_sigprocmask, how, set, old, 8);
}

static unsigned long curmask(void)
{
    unsigned long m = 0;
    rawmask(SIG_BLOCK, NULL, &m);
    return m;
}

static unsigned long pending(void)
{
    unsigned long p = 0;
    syscall(SYS_rt_sigpending, &p, 8);
    return p;
}

/* Reads a hex field ("SigBlk:", "ShdPnd:") of /proc/self/status. */
static int status_field(const char *name, unsigned long *out)
{
    char buf[4096];
    int fd = open("/proc/self/status", O_RDONLY);
    if (fd < 0)
        return -1;
    ssize_t n = read(fd, buf, sizeof(buf) - 1);
    close(fd);
    if (n <= 0)
        return -1;
    buf[n] = 0;
    char *p = strstr(buf, name);
    if (!p)
        return -1;
    *out = strtoul(p + strlen(name), NULL, 16);
    return 0;
}

static int wait_code(pid_t pid)
{
    int st;
    if (pid <= 0 || waitpid(pid, &st, 0) != pid)
        return -1;
    return WIFEXITED(st) ? WEXITSTATUS(st) : 200 + (WIFSIGNALED(st) ? WTERMSIG(st) : 0);
}

int main(int argc, char **argv)
{
    if (argc > 2 && strcmp(argv[1], "--after-exec") == 0) {
        alarm(5);
        unsigned long want = strtoul(argv[2], NULL, 16), blk = 0, pnd = 0;
        if (curmask() != want)
            return 1;
        if (status_field("SigBlk:", &blk) != 0 || blk != want)
            return 2;
        if (!(pending() & BIT(SIGUSR2)))
            return 3; /* pending signal survives execve */
        if (status_field("ShdPnd:", &pnd) != 0 || !(pnd & BIT(SIGUSR2)))
            return 4;
        return 0;
    }

    unsigned long set, old, all = ~0UL;
    pid_t pid;

    alarm(10);
    setvbuf(stdout, NULL, _IOLBF, 0);

    signal(SIGUSR1, h);
    signal(SIGRTMIN + 1, rt_h);
    set = 0;
    CHECK_OK(rawmask(SIG_SETMASK, &set, NULL), "SIG_SETMASK empty");
    CHECK_EQ(curmask(), 0, "mask is empty");

    set = BIT(SIGUSR1) | BIT(SIGTERM);
    old = 123;
    CHECK_OK(rawmask(SIG_BLOCK, &set, &old), "SIG_BLOCK {USR1,TERM}");
    CHECK_EQ(old, 0, "SIG_BLOCK returns the previous (empty) mask");
    set = BIT(SIGINT);
    rawmask(SIG_BLOCK, &set, &old);
    CHECK_EQ(old, BIT(SIGUSR1) | BIT(SIGTERM), "old mask from second SIG_BLOCK");
    CHECK_EQ(curmask(), BIT(SIGUSR1) | BIT(SIGTERM) | BIT(SIGINT), "SIG_BLOCK is a union");
    set = BIT(SIGTERM) | BIT(SIGHUP);
    CHECK_OK(rawmask(SIG_UNBLOCK, &set, &old), "SIG_UNBLOCK {TERM,HUP}");
    CHECK_EQ(curmask(), BIT(SIGUSR1) | BIT(SIGINT), "SIG_UNBLOCK removes only the given signals");
    set = BIT(SIGQUIT);
    CHECK_OK(rawmask(SIG_SETMASK, &set, &old), "SIG_SETMASK {QUIT}");
    CHECK_EQ(old, BIT(SIGUSR1) | BIT(SIGINT), "SIG_SETMASK returns the old mask");
    CHECK_EQ(curmask(), BIT(SIGQUIT), "SIG_SETMASK replaces the mask");

    /* SIGKILL and SIGSTOP are silently dropped from any mask. */
    CHECK_OK(rawmask(SIG_SETMASK, &all, NULL), "SIG_SETMASK all ones succeeds");
    CHECK_EQ(curmask(), ~(BIT(SIGKILL) | BIT(SIGSTOP)), "mask = all except SIGKILL and SIGSTOP");
    set = BIT(SIGKILL) | BIT(SIGSTOP);
    rawmask(SIG_SETMASK, &set, NULL);
    CHECK_EQ(curmask(), 0, "SIG_SETMASK {KILL,STOP} leaves an empty mask");

    /* Errors. */
    set = BIT(SIGUSR2);
    CHECK_ERR(rawmask(3, &set, NULL), EINVAL, "how = 3 -> EINVAL");
    CHECK_ERR(rawmask(-1, &set, NULL), EINVAL, "how = -1 -> EINVAL");
    CHECK_EQ(curmask(), 0, "failed call leaves the mask unchanged");
    CHECK_OK(rawmask(99, NULL, &old), "invalid how is ignored when set is NULL");
    CHECK_ERR(syscall(SYS_rt_sigprocmask, SIG_BLOCK, &set, NULL, 4), EINVAL, "sigsetsize 4 -> EINVAL");
    CHECK_ERR(syscall(SYS_rt_sigprocmask, SIG_BLOCK, &set, NULL, 16), EINVAL, "sigsetsize 16 -> EINVAL");
    CHECK_ERR(rawmask(SIG_BLOCK, (void *)8, NULL), EFAULT, "bad set pointer -> EFAULT");
    CHECK_ERR(rawmask(SIG_BLOCK, NULL, (void *)8), EFAULT, "bad oldset pointer -> EFAULT");
    CHECK_ERR(syscall(SYS_rt_sigpending, &old, 16), EINVAL, "rt_sigpending sigsetsize 16 -> EINVAL");

    /* Blocked signal stays pending and is delivered once on unblock. */
    count = 0;
    set = BIT(SIGUSR1);
    rawmask(SIG_BLOCK, &set, NULL);
    kill(getpid(), SIGUSR1);
    kill(getpid(), SIGUSR1);
    kill(getpid(), SIGUSR1);
    CHECK_EQ(count, 0, "blocked SIGUSR1 not delivered");
    CHECK(pending() & BIT(SIGUSR1), "blocked SIGUSR1 is pending");
    rawmask(SIG_UNBLOCK, &set, NULL);
    CHECK_EQ(count, 1, "three SIGUSR1 coalesce: delivered once on unblock");
    CHECK(!(pending() & BIT(SIGUSR1)), "pending cleared after delivery");

    /* Realtime signals queue instead. */
    rt_count = 0;
    set = BIT(SIGRTMIN + 1);
    rawmask(SIG_BLOCK, &set, NULL);
    for (int i = 0; i < 3; i++)
        kill(getpid(), SIGRTMIN + 1);
    CHECK_EQ(rt_count, 0, "blocked realtime signal not delivered");
    rawmask(SIG_UNBLOCK, &set, NULL);
    CHECK_EQ(rt_count, 3, "three queued realtime signals delivered on unblock");

    /* Ignored signal sent while blocked stays pending (it may be unignored later). */
    signal(SIGUSR2, SIG_IGN);
    set = BIT(SIGUSR2);
    rawmask(SIG_BLOCK, &set, NULL);
    kill(getpid(), SIGUSR2);
    CHECK(pending() & BIT(SIGUSR2), "blocked ignored signal is kept pending");
    signal(SIGUSR2, SIG_IGN); /* setting SIG_IGN again discards the pending instance */
    CHECK(!(pending() & BIT(SIGUSR2)), "sigaction(SIG_IGN) discards the pending signal");
    signal(SIGUSR2, SIG_DFL);

    /* fork: mask inherited, pending set empty in the child. */
    kill(getpid(), SIGUSR2); /* SIGUSR2 blocked: stays pending in the parent */
    fflush(stdout);
    pid = fork();
    if (pid == 0) {
        if (curmask() != BIT(SIGUSR2))
            _exit(1);
        if (pending() != 0)
            _exit(2);
        _exit(0);
    }
    CHECK_EQ(wait_code(pid), 0, "fork child inherits the mask and has no pending signals");
    CHECK(pending() & BIT(SIGUSR2), "parent's SIGUSR2 still pending after fork");

    /* execve: mask and pending signals preserved. */
    fflush(stdout);
    pid = fork();
    if (pid == 0) {
        unsigned long m = BIT(SIGUSR2) | BIT(SIGHUP) | BIT(SIGRTMIN + 3);
        char hex[32];
        rawmask(SIG_SETMASK, &m, NULL);
        kill(getpid(), SIGUSR2);
        snprintf(hex, sizeof(hex), "%lx", m);
        char *av[] = {"sigprocmask_cases", "--after-exec", hex, NULL};
        execv("/proc/self/exe", av);
        _exit(99);
    }
    CHECK_EQ(wait_code(pid), 0, "execve preserves the mask (SigBlk) and process-pending signals (ShdPnd)");

    /* Unblocking the parent's pending SIGUSR2 (default action) would kill it: discard it. */
    signal(SIGUSR2, SIG_IGN);
    CHECK(!(pending() & BIT(SIGUSR2)), "pending SIGUSR2 discarded by SIG_IGN");
    set = 0;
    rawmask(SIG_SETMASK, &set, NULL);
    CHECK_EQ(curmask(), 0, "mask cleared at the end");
    CHECK_DONE();
}
