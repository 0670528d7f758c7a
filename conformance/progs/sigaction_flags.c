/* sigaction_flags: SA_RESETHAND, SA_NODEFER, sa_mask, SA_SIGINFO fields, oldact, uncatchable signals and rt_sigaction errnos. */
/* syscalls: rt_sigaction, rt_sigprocmask, rt_sigpending, kill, tgkill, rt_sigqueueinfo, getpid, gettid, getuid, fork, wait4, exit_group */
/* area: signals */
#include "check.h"

#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

/* Kernel layout of struct sigaction on x86_64. */
struct ksigaction {
    void *handler;
    unsigned long flags;
    void *restorer;
    unsigned long mask;
};

static volatile sig_atomic_t count, depth, max_depth, usr2_seen_in_h, order_ok;
static volatile sig_atomic_t usr2_blocked_in_h, usr1_blocked_in_h;
static siginfo_t last_info;

static void plain(int sig)
{
    (void)sig;
    count++;
}

static void other(int sig)
{
    (void)sig;
}

/* Re-raises itself once from inside the handler. */
static void nesting(int sig)
{
    depth++;
    if (depth > max_depth)
        max_depth = depth;
    count++;
    if (count == 1)
        kill(getpid(), sig);
    depth--;
}

static volatile sig_atomic_t usr2_count;
static void usr2_h(int sig)
{
    (void)sig;
    usr2_count++;
}

static void masked(int sig)
{
    sigset_t cur;
    sigprocmask(SIG_BLOCK, NULL, &cur);
    usr2_blocked_in_h = sigismember(&cur, SIGUSR2);
    usr1_blocked_in_h = sigismember(&cur, sig);
    kill(getpid(), SIGUSR2);
    usr2_seen_in_h = usr2_count; /* must still be 0: SIGUSR2 is held by sa_mask */
    count++;
}

static void info_h(int sig, siginfo_t *si, void *uc)
{
    (void)sig;
    (void)uc;
    last_info = *si;
    count++;
}

static int set(int sig, void (*fn)(int), int flags, const sigset_t *mask)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = fn;
    sa.sa_flags = flags;
    if (mask)
        sa.sa_mask = *mask;
    else
        sigemptyset(&sa.sa_mask);
    return sigaction(sig, &sa, NULL);
}

static int set_info(int sig)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_sigaction = info_h;
    sa.sa_flags = SA_SIGINFO;
    sigemptyset(&sa.sa_mask);
    return sigaction(sig, &sa, NULL);
}

static long raw_sigaction(int sig, const struct ksigaction *act, struct ksigaction *old, size_t sz)
{
    return syscall(SYS_rt_sigaction, sig, act, old, sz);
}

int main(void)
{
    struct sigaction sa, old;
    sigset_t m;
    int status;
    pid_t pid;

    alarm(10);
    setvbuf(stdout, NULL, _IOLBF, 0);

    /* oldact reports the previous disposition, flags and mask. */
    sigemptyset(&m);
    sigaddset(&m, SIGTERM);
    CHECK_OK(set(SIGUSR1, plain, SA_RESTART, &m), "install handler with SA_RESTART and mask {SIGTERM}");
    memset(&old, 0, sizeof(old));
    CHECK_OK(sigaction(SIGUSR1, NULL, &old), "query with act NULL");
    CHECK(old.sa_handler == plain, "oldact.sa_handler is the installed handler");
    CHECK(old.sa_flags & SA_RESTART, "oldact.sa_flags contains SA_RESTART");
    CHECK(sigismember(&old.sa_mask, SIGTERM) && !sigismember(&old.sa_mask, SIGINT),
          "oldact.sa_mask is the installed mask");
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = other;
    memset(&old, 0, sizeof(old));
    CHECK_OK(sigaction(SIGUSR1, &sa, &old), "replace handler, old returned at the same time");
    CHECK(old.sa_handler == plain, "oldact from the replacing call is the previous handler");
    sigaction(SIGUSR1, NULL, &old);
    CHECK(old.sa_handler == other && !(old.sa_flags & SA_RESTART), "new handler in place, SA_RESTART gone");

    /* SA_RESETHAND: one delivery, then SIG_DFL. */
    count = 0;
    set(SIGUSR1, plain, SA_RESETHAND, NULL);
    kill(getpid(), SIGUSR1);
    CHECK_EQ(count, 1, "SA_RESETHAND handler runs once");
    sigaction(SIGUSR1, NULL, &old);
    CHECK(old.sa_handler == SIG_DFL, "after delivery the disposition is SIG_DFL");
    fflush(stdout);
    pid = fork();
    if (pid == 0) {
        count = 0;
        set(SIGUSR1, plain, SA_RESETHAND, NULL);
        kill(getpid(), SIGUSR1);
        if (count != 1)
            _exit(3);
        kill(getpid(), SIGUSR1); /* default action: terminate */
        _exit(4);
    }
    CHECK(pid > 0 && waitpid(pid, &status, 0) == pid && WIFSIGNALED(status) && WTERMSIG(status) == SIGUSR1,
          "child: second SIGUSR1 after SA_RESETHAND terminates it");

    /* SA_NODEFER: the signal nests inside its own handler. */
    count = depth = max_depth = 0;
    set(SIGUSR1, nesting, SA_NODEFER, NULL);
    kill(getpid(), SIGUSR1);
    CHECK_EQ(count, 2, "SA_NODEFER: re-raised signal delivered");
    CHECK_EQ(max_depth, 2, "SA_NODEFER: handler nested (depth 2)");
    count = depth = max_depth = 0;
    set(SIGUSR1, nesting, 0, NULL);
    kill(getpid(), SIGUSR1);
    CHECK_EQ(count, 2, "without SA_NODEFER the re-raised signal is delivered after return");
    CHECK_EQ(max_depth, 1, "without SA_NODEFER the handler does not nest");

    /* sa_mask blocks additional signals during the handler only. */
    count = usr2_count = 0;
    usr2_seen_in_h = 99;
    set(SIGUSR2, usr2_h, 0, NULL);
    sigemptyset(&m);
    sigaddset(&m, SIGUSR2);
    set(SIGUSR1, masked, 0, &m);
    kill(getpid(), SIGUSR1);
    CHECK_EQ(count, 1, "sa_mask handler ran");
    CHECK_EQ(usr2_blocked_in_h, 1, "sa_mask signal (SIGUSR2) blocked in the handler");
    CHECK_EQ(usr1_blocked_in_h, 1, "the delivered signal itself blocked in the handler");
    CHECK_EQ(usr2_seen_in_h, 0, "SIGUSR2 raised in the handler not delivered there");
    CHECK_EQ(usr2_count, 1, "SIGUSR2 delivered after the handler returned");
    sigprocmask(SIG_BLOCK, NULL, &m);
    CHECK(!sigismember(&m, SIGUSR1) && !sigismember(&m, SIGUSR2), "mask restored after the handler");

    /* SA_SIGINFO fields for kill, tgkill and sigqueue. */
    set_info(SIGUSR1);
    memset(&last_info, 0, sizeof(last_info));
    kill(getpid(), SIGUSR1);
    CHECK(last_info.si_signo == SIGUSR1 && last_info.si_code == SI_USER,
          "kill: si_signo SIGUSR1, si_code SI_USER");
    CHECK(last_info.si_pid == getpid() && last_info.si_uid == getuid(), "kill: si_pid/si_uid of the sender");
    memset(&last_info, 0, sizeof(last_info));
    syscall(SYS_tgkill, getpid(), syscall(SYS_gettid), SIGUSR1);
    CHECK_EQ(last_info.si_code, SI_TKILL, "tgkill: si_code SI_TKILL");
    CHECK_EQ(last_info.si_pid, getpid(), "tgkill: si_pid");
    memset(&last_info, 0, sizeof(last_info));
    {
        union sigval v;
        v.sival_int = 0x5a5a;
        CHECK_OK(sigqueue(getpid(), SIGUSR1, v), "sigqueue to self");
    }
    CHECK_EQ(last_info.si_code, SI_QUEUE, "sigqueue: si_code SI_QUEUE");
    CHECK_EQ(last_info.si_value.sival_int, 0x5a5a, "sigqueue: si_value.sival_int");
    CHECK(last_info.si_pid == getpid() && last_info.si_uid == getuid(), "sigqueue: si_pid/si_uid");
    sigaction(SIGUSR1, NULL, &old);
    CHECK(old.sa_flags & SA_SIGINFO, "SA_SIGINFO reported back in sa_flags");

    /* Uncatchable signals and invalid numbers. */
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = plain;
    CHECK_ERR(sigaction(SIGKILL, &sa, NULL), EINVAL, "handler for SIGKILL -> EINVAL");
    CHECK_ERR(sigaction(SIGSTOP, &sa, NULL), EINVAL, "handler for SIGSTOP -> EINVAL");
    sa.sa_handler = SIG_IGN;
    CHECK_ERR(sigaction(SIGKILL, &sa, NULL), EINVAL, "SIG_IGN for SIGKILL -> EINVAL");
    CHECK_OK(sigaction(SIGKILL, NULL, &old), "query of SIGKILL is allowed");
    CHECK(old.sa_handler == SIG_DFL, "SIGKILL disposition is SIG_DFL");
    sa.sa_handler = plain;
    CHECK_ERR(raw_sigaction(0, NULL, (struct ksigaction *)&old, 8), EINVAL, "rt_sigaction signal 0 -> EINVAL");
    CHECK_ERR(raw_sigaction(65, NULL, NULL, 8), EINVAL, "rt_sigaction signal 65 -> EINVAL");
    CHECK_ERR(raw_sigaction(-1, NULL, NULL, 8), EINVAL, "rt_sigaction signal -1 -> EINVAL");
    CHECK_OK(raw_sigaction(64, NULL, NULL, 8), "rt_sigaction signal 64 (SIGRTMAX) query ok");
    {
        struct ksigaction k, ko;
        memset(&k, 0, sizeof(k));
        k.handler = SIG_IGN;
        CHECK_ERR(raw_sigaction(SIGUSR2, &k, NULL, 4), EINVAL, "rt_sigaction sigsetsize 4 -> EINVAL");
        CHECK_ERR(raw_sigaction(SIGUSR2, &k, NULL, 16), EINVAL, "rt_sigaction sigsetsize 16 -> EINVAL");
        CHECK_ERR(raw_sigaction(SIGUSR2, (void *)8, NULL, 8), EFAULT, "rt_sigaction bad act pointer -> EFAULT");
        CHECK_ERR(raw_sigaction(SIGUSR2, NULL, (void *)8, 8), EFAULT, "rt_sigaction bad oldact pointer -> EFAULT");
        /* Raw install: SIGKILL/SIGSTOP bits in the mask are silently ignored on delivery. */
        k.handler = SIG_IGN;
        k.mask = ~0UL;
        CHECK_OK(raw_sigaction(SIGUSR2, &k, NULL, 8), "raw rt_sigaction SIG_IGN with full mask");
        memset(&ko, 0, sizeof(ko));
        CHECK_OK(raw_sigaction(SIGUSR2, NULL, &ko, 8), "raw query");
        CHECK(ko.handler == SIG_IGN, "raw query returns SIG_IGN");
        CHECK_EQ(ko.mask & ((1UL << (SIGKILL - 1)) | (1UL << (SIGSTOP - 1))), 0,
                 "stored sa_mask has SIGKILL and SIGSTOP removed");
        kill(getpid(), SIGUSR2);
        sigpending(&m);
        CHECK(!sigismember(&m, SIGUSR2), "ignored signal is discarded, not pending");
    }
    CHECK_DONE();
}
