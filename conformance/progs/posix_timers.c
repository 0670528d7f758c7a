/* posix_timers: timer_create/settime/gettime/getoverrun/delete, notify kinds, errnos. */
/* syscalls: timer_create, timer_settime, timer_gettime, timer_getoverrun, timer_delete, rt_sigtimedwait, clock_gettime, nanosleep */
/* area: timers */
#include "check.h"

#include <signal.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static void sleep_ms(long ms)
{
    struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
    while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
        ;
}

static int wait_sig(int sig, siginfo_t *si, long ms)
{
    sigset_t s;
    struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
    sigemptyset(&s);
    sigaddset(&s, sig);
    return syscall(SYS_rt_sigtimedwait, &s, si, &ts, 8);
}

static timer_t make_timer(clockid_t clk, int notify, int sig, int val)
{
    struct sigevent sev;
    timer_t t = 0;
    memset(&sev, 0, sizeof(sev));
    sev.sigev_notify = notify;
    sev.sigev_signo = sig;
    sev.sigev_value.sival_int = val;
    if (timer_create(clk, &sev, &t) != 0)
        return (timer_t)-1;
    return t;
}

static int arm(timer_t t, int flags, long vs, long vns, long ins)
{
    struct itimerspec its = { { 0, ins }, { vs, vns } };
    return timer_settime(t, flags, &its, NULL);
}

static volatile int thread_calls, thread_val;
static void thread_fn(union sigval v)
{
    thread_val = v.sival_int;
    __atomic_fetch_add(&thread_calls, 1, __ATOMIC_SEQ_CST);
}

int main(void)
{
    struct itimerspec its, old;
    siginfo_t si;
    sigset_t s;
    timer_t t;
    int sig = SIGRTMIN;

    alarm(5);
    setvbuf(stdout, NULL, _IOLBF, 0); /* keep finished lines if killed */
    sigemptyset(&s);
    sigaddset(&s, sig);
    sigaddset(&s, SIGRTMIN + 1);
    sigprocmask(SIG_BLOCK, &s, NULL);

    t = make_timer(CLOCK_MONOTONIC, SIGEV_SIGNAL, sig, 4321);
    CHECK(t != (timer_t)-1, "timer_create CLOCK_MONOTONIC SIGEV_SIGNAL");
    CHECK_OK(timer_gettime(t, &its), "timer_gettime on new timer");
    CHECK(its.it_value.tv_sec == 0 && its.it_value.tv_nsec == 0, "new timer is disarmed");
    CHECK_OK(arm(t, 0, 0, 50000000, 0), "timer_settime relative 50ms");
    timer_gettime(t, &its);
    CHECK(its.it_value.tv_sec == 0 && its.it_value.tv_nsec > 0 && its.it_value.tv_nsec <= 50000000,
          "timer_gettime: 0 < remaining <= 50ms");
    CHECK_EQ(wait_sig(sig, &si, 1000), sig, "timer signal delivered");
    CHECK(si.si_code == SI_TIMER && si.si_value.sival_int == 4321, "siginfo: SI_TIMER and sigev_value");
    CHECK_EQ(si.si_overrun, 0, "no overrun on a one-shot timer");
    timer_gettime(t, &its);
    CHECK(its.it_value.tv_sec == 0 && its.it_value.tv_nsec == 0, "expired one-shot timer is disarmed");

    /* settime returns the previous setting. */
    arm(t, 0, 10, 0, 0);
    its = (struct itimerspec){ { 0, 0 }, { 0, 0 } };
    CHECK_OK(timer_settime(t, 0, &its, &old), "disarm with old_value");
    CHECK(old.it_value.tv_sec == 9 || old.it_value.tv_sec == 10, "old_value holds ~10s remaining");
    CHECK_ERR(wait_sig(sig, &si, 0), EAGAIN, "disarmed timer sends nothing");

    /* Absolute time in the past fires immediately. */
    {
        struct timespec now;
        clock_gettime(CLOCK_MONOTONIC, &now);
        CHECK_OK(arm(t, TIMER_ABSTIME, now.tv_sec > 1 ? now.tv_sec - 1 : 0, 1, 0), "TIMER_ABSTIME in the past");
        CHECK_EQ(wait_sig(sig, &si, 1000), sig, "past absolute deadline fires at once");
    }

    /* Periodic timer with the signal blocked accumulates overruns. */
    CHECK_OK(arm(t, 0, 0, 2000000, 2000000), "periodic 2ms timer");
    sleep_ms(40);
    CHECK_EQ(wait_sig(sig, &si, 1000), sig, "periodic timer signal");
    CHECK(si.si_overrun > 0, "si_overrun > 0 after many expirations while blocked");
    CHECK_EQ(timer_getoverrun(t), si.si_overrun, "timer_getoverrun matches si_overrun");
    timer_gettime(t, &its);
    CHECK(its.it_interval.tv_sec == 0 && its.it_interval.tv_nsec == 2000000, "timer_gettime reports interval");
    CHECK_OK(timer_delete(t), "timer_delete");
    wait_sig(sig, &si, 0);
    CHECK_ERR(timer_gettime(t, &its), EINVAL, "timer_gettime on deleted timer -> EINVAL");
    CHECK_ERR(syscall(SYS_timer_delete, (long)(intptr_t)t), EINVAL, "timer_delete twice -> EINVAL");

    /* SIGEV_NONE: counts down, no signal. */
    t = make_timer(CLOCK_MONOTONIC, SIGEV_NONE, sig, 0);
    CHECK(t != (timer_t)-1, "timer_create SIGEV_NONE");
    arm(t, 0, 0, 10000000, 0);
    timer_gettime(t, &its);
    CHECK(its.it_value.tv_nsec > 0, "SIGEV_NONE timer runs");
    sleep_ms(20);
    timer_gettime(t, &its);
    CHECK(its.it_value.tv_sec == 0 && its.it_value.tv_nsec == 0, "SIGEV_NONE timer expired");
    CHECK_ERR(wait_sig(sig, &si, 0), EAGAIN, "SIGEV_NONE sends no signal");
    timer_delete(t);

    /* CLOCK_REALTIME and process CPU clocks. */
    t = make_timer(CLOCK_REALTIME, SIGEV_SIGNAL, SIGRTMIN + 1, 7);
    arm(t, 0, 0, 5000000, 0);
    CHECK(wait_sig(SIGRTMIN + 1, &si, 1000) == SIGRTMIN + 1 && si.si_value.sival_int == 7, "CLOCK_REALTIME timer");
    timer_delete(t);
    t = make_timer(CLOCK_PROCESS_CPUTIME_ID, SIGEV_SIGNAL, SIGRTMIN + 1, 8);
    CHECK(t != (timer_t)-1, "timer_create CLOCK_PROCESS_CPUTIME_ID");
    arm(t, 0, 0, 10000000, 0);
    {
        volatile unsigned long x = 0;
        int r = -1;
        struct timespec end, now;
        clock_gettime(CLOCK_MONOTONIC, &end);
        end.tv_sec += 1;
        do {
            for (int i = 0; i < 100000; i++)
                x += i;
            r = wait_sig(SIGRTMIN + 1, &si, 0);
            clock_gettime(CLOCK_MONOTONIC, &now);
        } while (r < 0 && (now.tv_sec < end.tv_sec || (now.tv_sec == end.tv_sec && now.tv_nsec < end.tv_nsec)));
        CHECK(r == SIGRTMIN + 1 && si.si_value.sival_int == 8, "CPU-time timer fires after 10ms of CPU");
    }
    timer_delete(t);

    /* SIGEV_THREAD runs a function in a new thread. */
    {
        struct sigevent sev;
        memset(&sev, 0, sizeof(sev));
        sev.sigev_notify = SIGEV_THREAD;
        sev.sigev_notify_function = thread_fn;
        sev.sigev_value.sival_int = 555;
        CHECK_OK(timer_create(CLOCK_MONOTONIC, &sev, &t), "timer_create SIGEV_THREAD");
        arm(t, 0, 0, 5000000, 0);
        for (int i = 0; i < 1000 && !__atomic_load_n(&thread_calls, __ATOMIC_SEQ_CST); i++)
            sleep_ms(1);
        CHECK(thread_calls == 1 && thread_val == 555, "SIGEV_THREAD function called with sigev_value");
        timer_delete(t);
    }

    /* Many timers. */
    {
        timer_t many[64];
        int ok = 1;
        for (int i = 0; i < 64; i++)
            ok &= (many[i] = make_timer(CLOCK_MONOTONIC, SIGEV_NONE, 0, 0)) != (timer_t)-1;
        for (int i = 0; i < 64; i++)
            ok &= timer_delete(many[i]) == 0;
        CHECK(ok, "create and delete 64 timers");
    }

    /* Errors. */
    CHECK(make_timer((clockid_t)99, SIGEV_SIGNAL, sig, 0) == (timer_t)-1 && errno == EINVAL,
          "timer_create bad clock -> EINVAL");
    CHECK(make_timer(CLOCK_MONOTONIC, 99, sig, 0) == (timer_t)-1 && errno == EINVAL,
          "timer_create bad sigev_notify -> EINVAL");
    CHECK(make_timer(CLOCK_MONOTONIC, SIGEV_SIGNAL, 65, 0) == (timer_t)-1 && errno == EINVAL,
          "timer_create signal 65 -> EINVAL");
    t = make_timer(CLOCK_MONOTONIC, SIGEV_SIGNAL, sig, 0);
    CHECK_ERR(arm(t, 0, 0, 1000000000, 0), EINVAL, "timer_settime tv_nsec = 1e9 -> EINVAL");
    CHECK_ERR(arm(t, 0, -1, 0, 0), EINVAL, "timer_settime negative tv_sec -> EINVAL");
    timer_delete(t);
    CHECK_ERR(syscall(SYS_timer_gettime, 123456, &its), EINVAL, "timer_gettime bogus id -> EINVAL");
    CHECK_ERR(syscall(SYS_timer_getoverrun, 123456), EINVAL, "timer_getoverrun bogus id -> EINVAL");
    CHECK_DONE();
}
