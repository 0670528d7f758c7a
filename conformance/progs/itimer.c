/* itimer: setitimer/getitimer ITIMER_REAL/VIRTUAL/PROF, alarm interplay, SIGALRM delivery. */
/* syscalls: setitimer, getitimer, alarm, rt_sigtimedwait, rt_sigsuspend, rt_sigaction, timer_create, fork, wait4 */
/* area: timers */
#include "check.h"

#include <signal.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long long now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000000LL + ts.tv_nsec / 1000;
}

static int wait_sig(int sig, siginfo_t *si, long ms)
{
    sigset_t s;
    struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
    sigemptyset(&s);
    sigaddset(&s, sig);
    return syscall(SYS_rt_sigtimedwait, &s, si, &ts, 8);
}

static int set_real(long sec, long usec, long isec, long iusec)
{
    struct itimerval it = { { isec, iusec }, { sec, usec } };
    return setitimer(ITIMER_REAL, &it, NULL);
}

static volatile int alrm_hits, alrm_code, vt_hits, prof_hits;
static void on_alrm(int sig, siginfo_t *si, void *uc)
{
    (void)sig;
    (void)uc;
    alrm_hits++;
    alrm_code = si->si_code;
}
static void on_vt(int sig) { (void)sig; vt_hits++; }
static void on_prof(int sig) { (void)sig; prof_hits++; }

/* Burns user CPU until *flag becomes non-zero or 1s of wall time passes. */
static void burn_until(volatile int *flag)
{
    long long end = now_us() + 1000000;
    volatile unsigned long x = 0;
    while (!*flag && now_us() < end)
        for (int i = 0; i < 10000; i++)
            x += i;
}

int main(void)
{
    struct itimerval it, old;
    siginfo_t si;
    sigset_t s;
    long long t0;

    setvbuf(stdout, NULL, _IOLBF, 0); /* keep finished lines if killed */
    /* Watchdog: this program uses SIGALRM itself, so a POSIX timer sends SIGKILL after 5s. */
    {
        timer_t wd;
        struct sigevent sev;
        struct itimerspec its = { { 0, 0 }, { 5, 0 } };
        memset(&sev, 0, sizeof(sev));
        sev.sigev_notify = SIGEV_SIGNAL;
        sev.sigev_signo = SIGKILL;
        if (timer_create(CLOCK_MONOTONIC, &sev, &wd) == 0)
            timer_settime(wd, 0, &its, NULL);
    }
    sigemptyset(&s);
    sigaddset(&s, SIGALRM);
    sigprocmask(SIG_BLOCK, &s, NULL);

    CHECK_OK(getitimer(ITIMER_REAL, &it), "getitimer(ITIMER_REAL)");
    CHECK(it.it_value.tv_sec == 0 && it.it_value.tv_usec == 0 && it.it_interval.tv_sec == 0, "initially disarmed");

    CHECK_OK(set_real(0, 50000, 0, 0), "setitimer ITIMER_REAL 50ms one-shot");
    t0 = now_us();
    getitimer(ITIMER_REAL, &it);
    CHECK(it.it_value.tv_sec == 0 && it.it_value.tv_usec > 0 && it.it_value.tv_usec <= 50000,
          "getitimer: 0 < remaining <= 50ms");
    CHECK(it.it_interval.tv_sec == 0 && it.it_interval.tv_usec == 0, "one-shot: zero interval");
    {
        struct itimerval nv = { { 0, 0 }, { 0, 50000 } };
        CHECK_OK(setitimer(ITIMER_REAL, &nv, &old), "re-arm returns old value");
        CHECK(old.it_value.tv_usec > 0 && old.it_value.tv_usec <= 50000, "old value is the remaining time");
        t0 = now_us();
    }
    CHECK_EQ(wait_sig(SIGALRM, &si, 1000), SIGALRM, "SIGALRM arrives");
    CHECK(now_us() - t0 >= 49000, "SIGALRM not before 50ms");
    CHECK_EQ(si.si_code, SI_KERNEL, "itimer SIGALRM si_code SI_KERNEL");
    getitimer(ITIMER_REAL, &it);
    CHECK(it.it_value.tv_sec == 0 && it.it_value.tv_usec == 0, "one-shot timer disarmed after expiry");

    /* Periodic. */
    CHECK_OK(set_real(0, 10000, 0, 10000), "periodic 10ms timer");
    {
        int got = 0;
        for (int i = 0; i < 3; i++)
            got += wait_sig(SIGALRM, &si, 1000) == SIGALRM;
        CHECK_EQ(got, 3, "three periodic SIGALRMs");
    }
    getitimer(ITIMER_REAL, &it);
    CHECK(it.it_interval.tv_sec == 0 && it.it_interval.tv_usec == 10000, "getitimer reports 10ms interval");
    CHECK(it.it_value.tv_usec > 0 || it.it_value.tv_sec > 0, "periodic timer still armed");
    set_real(0, 0, 0, 0);
    getitimer(ITIMER_REAL, &it);
    CHECK(it.it_value.tv_usec == 0 && it.it_interval.tv_usec == 0, "zero it_value disarms");
    wait_sig(SIGALRM, &si, 0); /* drop a tick that may be pending */

    /* Handler delivery via sigsuspend. */
    {
        struct sigaction sa;
        sigset_t none;
        memset(&sa, 0, sizeof(sa));
        sa.sa_sigaction = on_alrm;
        sa.sa_flags = SA_SIGINFO;
        sigaction(SIGALRM, &sa, NULL);
        set_real(0, 20000, 0, 0);
        sigemptyset(&none);
        CHECK_ERR(sigsuspend(&none), EINTR, "sigsuspend interrupted by SIGALRM");
        CHECK(alrm_hits == 1 && alrm_code == SI_KERNEL, "SIGALRM handler ran once, SI_KERNEL");
    }

    /* alarm() shares ITIMER_REAL. */
    CHECK_EQ(alarm(10), 0, "alarm(10) with no timer returns 0");
    getitimer(ITIMER_REAL, &it);
    CHECK(it.it_value.tv_sec == 9 || it.it_value.tv_sec == 10, "alarm visible through getitimer");
    CHECK_EQ(alarm(0), 10, "alarm(0) returns remaining 10 seconds");
    set_real(2, 700000, 0, 0);
    CHECK_EQ(alarm(0), 3, "alarm rounds 2.7s remaining to 3");
    set_real(0, 100000, 0, 0);
    CHECK_EQ(alarm(0), 1, "alarm returns 1 for a sub-second remainder");

    /* Virtual and profiling timers consume CPU time. */
    signal(SIGVTALRM, on_vt);
    signal(SIGPROF, on_prof);
    it = (struct itimerval){ { 0, 0 }, { 0, 20000 } };
    CHECK_OK(setitimer(ITIMER_VIRTUAL, &it, NULL), "setitimer ITIMER_VIRTUAL 20ms");
    burn_until(&vt_hits);
    CHECK_EQ(vt_hits, 1, "SIGVTALRM after 20ms of user CPU");
    CHECK_OK(setitimer(ITIMER_PROF, &it, NULL), "setitimer ITIMER_PROF 20ms");
    getitimer(ITIMER_PROF, &old);
    /* CPU timers may be rounded up to the tick, so only bound loosely. */
    CHECK(old.it_value.tv_sec == 0 && old.it_value.tv_usec > 0, "getitimer ITIMER_PROF: armed, < 1s remaining");
    burn_until(&prof_hits);
    CHECK_EQ(prof_hits, 1, "SIGPROF after 20ms of CPU");

    /* Timers are not inherited by fork. */
    set_real(3, 0, 0, 0);
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        struct itimerval c;
        getitimer(ITIMER_REAL, &c);
        _exit(c.it_value.tv_sec == 0 && c.it_value.tv_usec == 0 ? 0 : 1);
    }
    {
        int status;
        CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0,
              "fork child starts with ITIMER_REAL disarmed");
    }
    set_real(0, 0, 0, 0);

    CHECK_ERR(setitimer((__itimer_which_t)99, &it, NULL), EINVAL, "setitimer bad which -> EINVAL");
    CHECK_ERR(getitimer((__itimer_which_t)99, &it), EINVAL, "getitimer bad which -> EINVAL");
    it = (struct itimerval){ { 0, 0 }, { 0, 1000000 } };
    CHECK_ERR(setitimer(ITIMER_REAL, &it, NULL), EINVAL, "tv_usec = 1000000 -> EINVAL");
    CHECK_ERR(getitimer(ITIMER_REAL, NULL), EFAULT, "getitimer NULL -> EFAULT");
    CHECK_DONE();
}
