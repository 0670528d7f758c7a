/* sigtimedwait: rt_sigtimedwait dequeue order, siginfo contents, timeouts, EAGAIN/EINVAL/EINTR, sigwaitinfo. */
/* syscalls: rt_sigtimedwait, rt_sigprocmask, rt_sigpending, rt_sigaction, rt_sigqueueinfo, kill, tgkill, timer_create, timer_settime, timer_delete, fork, wait4, exit_group */
/* area: signals */
#include "check.h"

#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define BIT(s) (1UL << ((s) - 1))

static volatile sig_atomic_t hcount;

static void h(int sig)
{
    (void)sig;
    hcount++;
}

static long tw(unsigned long set, siginfo_t *si, long sec, long nsec)
{
    struct timespec ts = {sec, nsec};
    return syscall(SYS_rt_sigtimedwait, &set, si, &ts, 8);
}

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

static unsigned long pending(void)
{
    unsigned long p = 0;
    syscall(SYS_rt_sigpending, &p, 8);
    return p;
}

int main(void)
{
    siginfo_t si;
    sigset_t ss;
    long r;
    double t0, el;
    int R = SIGRTMIN;

    alarm(10);
    setvbuf(stdout, NULL, _IOLBF, 0);

    unsigned long blk = BIT(SIGUSR1) | BIT(SIGUSR2) | BIT(SIGCHLD) | BIT(R + 1) | BIT(R + 2) | BIT(R + 5) | BIT(R + 8);
    syscall(SYS_rt_sigprocmask, SIG_SETMASK, &blk, NULL, 8);

    /* Basic dequeue with info. */
    kill(getpid(), SIGUSR1);
    memset(&si, 0, sizeof(si));
    r = tw(BIT(SIGUSR1), &si, 0, 0);
    CHECK_EQ(r, SIGUSR1, "pending SIGUSR1 returned by rt_sigtimedwait");
    CHECK_EQ(si.si_signo, SIGUSR1, "si_signo");
    CHECK_EQ(si.si_code, SI_USER, "si_code SI_USER for kill");
    CHECK_EQ(si.si_pid, getpid(), "si_pid is the sender");
    CHECK_EQ(si.si_uid, getuid(), "si_uid is the sender's uid");
    CHECK(!(pending() & BIT(SIGUSR1)), "signal consumed (no longer pending)");

    /* Timeouts. */
    t0 = now();
    errno = 0;
    r = tw(BIT(SIGUSR1), &si, 0, 0);
    el = now() - t0;
    CHECK(r == -1 && errno == EAGAIN, "zero timeout with nothing pending -> EAGAIN");
    CHECK(el < 0.05, "zero timeout returns immediately");
    t0 = now();
    errno = 0;
    r = tw(BIT(SIGUSR1), &si, 0, 50000000);
    el = now() - t0;
    CHECK(r == -1 && errno == EAGAIN, "50 ms timeout -> EAGAIN");
    CHECK(el >= 0.049 && el < 2.0, "50 ms timeout waited >= 50 ms");

    /* Invalid arguments. */
    kill(getpid(), SIGUSR1);
    CHECK_ERR(tw(BIT(SIGUSR1), &si, 0, 1000000000), EINVAL, "tv_nsec = 1e9 -> EINVAL (even with a pending signal)");
    CHECK_ERR(tw(BIT(SIGUSR1), &si, 0, -1), EINVAL, "tv_nsec = -1 -> EINVAL");
    CHECK_ERR(tw(BIT(SIGUSR1), &si, -1, 0), EINVAL, "tv_sec = -1 -> EINVAL");
    {
        unsigned long set = BIT(SIGUSR1);
        struct timespec ts = {0, 0};
        CHECK_ERR(syscall(SYS_rt_sigtimedwait, &set, &si, &ts, 4), EINVAL, "sigsetsize 4 -> EINVAL");
        CHECK_ERR(syscall(SYS_rt_sigtimedwait, &set, &si, &ts, 16), EINVAL, "sigsetsize 16 -> EINVAL");
        CHECK_ERR(syscall(SYS_rt_sigtimedwait, (void *)8, &si, &ts, 8), EFAULT, "bad set pointer -> EFAULT");
    }
    CHECK(pending() & BIT(SIGUSR1), "failed calls did not consume the signal");
    CHECK_EQ(tw(BIT(SIGUSR1), NULL, 0, 0), SIGUSR1, "NULL info pointer allowed");

    /* Dequeue order: lowest realtime first, standard before realtime, FIFO per signal. */
    kill(getpid(), R + 5);
    kill(getpid(), R + 8);
    kill(getpid(), R + 2);
    unsigned long rtset = BIT(R + 2) | BIT(R + 5) | BIT(R + 8);
    long a = tw(rtset, &si, 0, 0), b = tw(rtset, &si, 0, 0), c = tw(rtset, &si, 0, 0);
    CHECK(a == R + 2 && b == R + 5 && c == R + 8, "realtime signals dequeued lowest number first");
    kill(getpid(), R + 1);
    kill(getpid(), SIGUSR2);
    r = tw(BIT(R + 1) | BIT(SIGUSR2), &si, 0, 0);
    CHECK_EQ(r, SIGUSR2, "standard signal dequeued before an earlier realtime one");
    CHECK_EQ(tw(BIT(R + 1) | BIT(SIGUSR2), &si, 0, 0), R + 1, "then the realtime one");
    for (int i = 1; i <= 3; i++) {
        union sigval v;
        v.sival_int = i * 11;
        sigqueue(getpid(), R + 1, v);
    }
    {
        int ok = 1;
        for (int i = 1; i <= 3; i++) {
            memset(&si, 0, sizeof(si));
            if (tw(BIT(R + 1), &si, 0, 0) != R + 1 || si.si_value.sival_int != i * 11 || si.si_code != SI_QUEUE)
                ok = 0;
        }
        CHECK(ok, "three queued instances of one realtime signal dequeued in FIFO order with values");
    }
    CHECK_EQ(pending(), 0, "nothing left pending");

    /* Signal from a child carries the child's pid; sigwaitinfo waits for it. */
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        usleep(20000);
        kill(getppid(), SIGUSR2);
        _exit(0);
    }
    CHECK(pid > 0, "fork");
    if (pid > 0) {
        sigemptyset(&ss);
        sigaddset(&ss, SIGUSR2);
        memset(&si, 0, sizeof(si));
        struct timespec ts = {2, 0};
        r = sigtimedwait(&ss, &si, &ts);
        CHECK_EQ(r, SIGUSR2, "SIGUSR2 from the child received");
        CHECK_EQ(si.si_pid, pid, "si_pid is the child's pid");
        CHECK_EQ(si.si_code, SI_USER, "si_code SI_USER");
        /* SIGCHLD (blocked) arrives when the child exits. */
        sigemptyset(&ss);
        sigaddset(&ss, SIGCHLD);
        memset(&si, 0, sizeof(si));
        r = sigtimedwait(&ss, &si, &ts);
        CHECK_EQ(r, SIGCHLD, "SIGCHLD dequeued");
        CHECK(si.si_pid == pid && si.si_code == CLD_EXITED && si.si_status == 0,
              "SIGCHLD info: child pid, CLD_EXITED, status 0");
        waitpid(pid, NULL, 0);
    }

    /* sigwaitinfo on an already pending signal. */
    syscall(SYS_tgkill, getpid(), syscall(SYS_gettid), SIGUSR1);
    sigemptyset(&ss);
    sigaddset(&ss, SIGUSR1);
    memset(&si, 0, sizeof(si));
    CHECK_EQ(sigwaitinfo(&ss, &si), SIGUSR1, "sigwaitinfo returns the pending signal");
    CHECK_EQ(si.si_pid, getpid(), "sigwaitinfo fills si_pid");
    /* glibc's sigwaitinfo rewrites SI_TKILL to SI_USER; ask the kernel directly. */
    syscall(SYS_tgkill, getpid(), syscall(SYS_gettid), SIGUSR1);
    memset(&si, 0, sizeof(si));
    r = syscall(SYS_rt_sigtimedwait, &ss, &si, NULL, 8);
    CHECK(r == SIGUSR1 && si.si_code == SI_TKILL, "raw rt_sigtimedwait (NULL timeout): tgkill si_code SI_TKILL");

    /* Timer signals: waited-for unblocked signal is dequeued, not handled. */
    {
        timer_t t;
        struct sigevent sev;
        memset(&sev, 0, sizeof(sev));
        sev.sigev_notify = SIGEV_SIGNAL;
        sev.sigev_signo = SIGALRM;
        sev.sigev_value.sival_int = 77;
        struct sigaction sa;
        memset(&sa, 0, sizeof(sa));
        sa.sa_handler = h;
        sigaction(SIGALRM, &sa, NULL); /* SIGALRM unblocked with a handler; disarms nothing */
        alarm(0);
        int tok = timer_create(CLOCK_MONOTONIC, &sev, &t) == 0;
        CHECK(tok, "timer_create");
        if (tok) {
            struct itimerspec its = {{0, 0}, {0, 20000000}};
            timer_settime(t, 0, &its, NULL);
            hcount = 0;
            memset(&si, 0, sizeof(si));
            r = tw(BIT(SIGALRM), &si, 2, 0);
            CHECK_EQ(r, SIGALRM, "unblocked signal arriving during the wait is returned");
            CHECK_EQ(hcount, 0, "its handler did not run");
            CHECK(si.si_code == SI_TIMER && si.si_value.sival_int == 77, "timer siginfo: SI_TIMER, sival_int 77");
            /* A different, handled signal interrupts the wait. */
            timer_settime(t, 0, &its, NULL);
            errno = 0;
            r = tw(BIT(SIGUSR1), &si, 2, 0);
            CHECK(r == -1 && errno == EINTR && hcount == 1, "handled signal outside the set -> EINTR");
            timer_delete(t);
        }
        signal(SIGALRM, SIG_DFL);
        alarm(10);
    }
    CHECK_DONE();
}
