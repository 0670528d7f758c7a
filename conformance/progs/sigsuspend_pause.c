/* sigsuspend_pause: rt_sigsuspend temporary mask and restore, pause EINTR, ignored signals do not wake, errnos. */
/* syscalls: rt_sigsuspend, pause, rt_sigprocmask, rt_sigpending, rt_sigaction, kill, timer_create, timer_settime, timer_delete, fork, wait4, exit_group */
/* area: signals */
#include "check.h"

#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define BIT(s) (1UL << ((s) - 1))

static volatile sig_atomic_t c1, c2;
static volatile unsigned long mask_in_h;

static unsigned long curmask(void)
{
    unsigned long m = 0;
    syscall(SYS_rt_sigprocmask, SIG_BLOCK, NULL, &m, 8);
    return m;
}

static unsigned long pending(void)
{
    unsigned long p = 0;
    syscall(SYS_rt_sigpending, &p, 8);
    return p;
}

static void h1(int sig)
{
    (void)sig;
    c1++;
    mask_in_h = curmask();
}

static void h2(int sig)
{
    (void)sig;
    c2++;
}

static void setmask(unsigned long m)
{
    syscall(SYS_rt_sigprocmask, SIG_SETMASK, &m, NULL, 8);
}

static long suspend(unsigned long m)
{
    return syscall(SYS_rt_sigsuspend, &m, 8);
}

static timer_t t1, t2;
static int ok1, ok2;

static void arm(timer_t t, int ms)
{
    struct itimerspec its;
    memset(&its, 0, sizeof(its));
    its.it_value.tv_nsec = ms * 1000000L;
    timer_settime(t, 0, &its, NULL);
}

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

int main(void)
{
    struct sigevent sev;
    int status;
    pid_t pid;

    alarm(10);
    setvbuf(stdout, NULL, _IOLBF, 0);

    signal(SIGUSR1, h1);
    signal(SIGUSR2, h2);
    memset(&sev, 0, sizeof(sev));
    sev.sigev_notify = SIGEV_SIGNAL;
    sev.sigev_signo = SIGUSR1;
    ok1 = timer_create(CLOCK_MONOTONIC, &sev, &t1) == 0;
    sev.sigev_signo = SIGUSR2;
    ok2 = timer_create(CLOCK_MONOTONIC, &sev, &t2) == 0;
    CHECK(ok1 && ok2, "timer_create two signal timers");
    if (!ok1 || !ok2)
        CHECK_DONE();

    /* Pending blocked signal: sigsuspend unblocks it atomically. */
    setmask(BIT(SIGUSR1));
    kill(getpid(), SIGUSR1);
    CHECK_EQ(c1, 0, "blocked SIGUSR1 not delivered");
    errno = 0;
    long r = suspend(BIT(SIGTERM));
    CHECK(r == -1 && errno == EINTR, "rt_sigsuspend returns -1/EINTR after the handler");
    CHECK_EQ(c1, 1, "pending SIGUSR1 handled inside sigsuspend");
    CHECK_EQ(mask_in_h & BIT(SIGTERM), BIT(SIGTERM), "temporary mask ({SIGTERM}) in effect in the handler");
    CHECK_EQ(mask_in_h & BIT(SIGUSR1), BIT(SIGUSR1), "delivered signal blocked in the handler");
    CHECK_EQ(curmask(), BIT(SIGUSR1), "original mask restored after sigsuspend");

    /* Signal arriving later, from a timer. */
    c1 = 0;
    arm(t1, 20);
    r = suspend(0);
    CHECK(r == -1 && errno == EINTR && c1 == 1, "sigsuspend woken by a timer signal");

    /* A pending signal still blocked by the temporary mask does not wake it. */
    c1 = c2 = 0;
    setmask(BIT(SIGUSR1) | BIT(SIGUSR2));
    kill(getpid(), SIGUSR2);
    arm(t1, 30);
    r = suspend(BIT(SIGUSR2));
    CHECK(r == -1 && c1 == 1 && c2 == 0, "signal blocked in the temporary mask stays pending, other wakes");
    CHECK(pending() & BIT(SIGUSR2), "SIGUSR2 still pending after sigsuspend");
    c2 = 0;
    r = suspend(0);
    CHECK(r == -1 && errno == EINTR && c2 == 1, "second sigsuspend delivers the pending SIGUSR2");

    /* Two pending signals: both handled, one EINTR return. */
    c1 = c2 = 0;
    kill(getpid(), SIGUSR1);
    kill(getpid(), SIGUSR2);
    r = suspend(0);
    CHECK(r == -1 && c1 == 1 && c2 == 1, "both pending signals handled during one sigsuspend");
    CHECK_EQ(pending(), 0, "nothing pending afterwards");

    /* SIGKILL/SIGSTOP in the temporary mask are ignored (no hang, the wakeup still works). */
    c1 = 0;
    arm(t1, 10);
    r = suspend(~(BIT(SIGUSR1)));
    CHECK(r == -1 && c1 == 1, "sigsuspend with an all-but-USR1 mask is woken by USR1");
    CHECK_EQ(curmask(), BIT(SIGUSR1) | BIT(SIGUSR2), "mask restored after all-but-USR1 sigsuspend");

    /* Errors. */
    {
        unsigned long m = 0;
        CHECK_ERR(syscall(SYS_rt_sigsuspend, &m, 4), EINVAL, "rt_sigsuspend sigsetsize 4 -> EINVAL");
        CHECK_ERR(syscall(SYS_rt_sigsuspend, &m, 16), EINVAL, "rt_sigsuspend sigsetsize 16 -> EINVAL");
        CHECK_ERR(syscall(SYS_rt_sigsuspend, (void *)8, 8), EFAULT, "rt_sigsuspend bad mask pointer -> EFAULT");
        CHECK_EQ(curmask(), BIT(SIGUSR1) | BIT(SIGUSR2), "failed sigsuspend leaves the mask unchanged");
    }

    /* pause(). */
    setmask(0);
    c1 = 0;
    arm(t1, 20);
    errno = 0;
    r = pause();
    CHECK(r == -1 && errno == EINTR, "pause returns -1/EINTR after a handler");
    CHECK_EQ(c1, 1, "handler ran before pause returned");

    /* SIG_IGN and default-ignore signals do not wake pause. */
    signal(SIGUSR2, SIG_IGN);
    c1 = 0;
    double t0 = now();
    arm(t2, 10);
    arm(t1, 80);
    r = pause();
    double el = now() - t0;
    CHECK(r == -1 && c1 == 1, "pause ends with the second (handled) signal");
    CHECK(el >= 0.075, "ignored SIGUSR2 at 10 ms did not end pause (woke at >= 75 ms)");
    CHECK(!(pending() & BIT(SIGUSR2)), "ignored signal not left pending");
    signal(SIGWINCH, SIG_DFL);
    c1 = 0;
    t0 = now();
    kill(getpid(), SIGWINCH);
    arm(t1, 40);
    r = pause();
    el = now() - t0;
    CHECK(c1 == 1 && el >= 0.035, "default-ignored SIGWINCH does not wake pause");

    /* A signal with a terminating default action ends the process in sigsuspend. */
    fflush(stdout);
    pid = fork();
    if (pid == 0) {
        signal(SIGTERM, SIG_DFL);
        setmask(BIT(SIGTERM));
        kill(getpid(), SIGTERM);
        suspend(0);
        _exit(1);
    }
    CHECK(pid > 0 && waitpid(pid, &status, 0) == pid && WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM,
          "child in sigsuspend killed by the unblocked pending SIGTERM");

    timer_delete(t1);
    timer_delete(t2);
    CHECK_DONE();
}
