/* timerfd_abs: TFD_TIMER_ABSTIME on REALTIME/MONOTONIC/BOOTTIME, past deadlines, old_value, gettime, overruns, CANCEL_ON_SET, read sizes, errnos. */
/* syscalls: timerfd_create, timerfd_settime, timerfd_gettime, read, poll, eventfd2, close, clock_gettime,
   clock_nanosleep, clone, wait4, setgroups, setgid, setuid, exit_group */
/* area: timerfd */
#include "check.h"

#include <fcntl.h>
#include <poll.h>
#include <grp.h>
#include <stdint.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef TFD_TIMER_CANCEL_ON_SET
#define TFD_TIMER_CANCEL_ON_SET (1 << 1)
#endif

#define MS 1000000LL

static long long clk_ns(clockid_t c)
{
    struct timespec ts;
    clock_gettime(c, &ts);
    return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static struct timespec ns_ts(long long ns)
{
    struct timespec ts = {ns / 1000000000LL, ns % 1000000000LL};
    return ts;
}

static long long ts_ns(struct timespec ts) { return ts.tv_sec * 1000000000LL + ts.tv_nsec; }

/* Arms fd: value/interval in ns (value absolute when flags has ABSTIME). */
static int arm(int fd, int flags, long long value, long long interval, struct itimerspec *old)
{
    struct itimerspec its;
    its.it_value = ns_ts(value);
    its.it_interval = ns_ts(interval);
    return timerfd_settime(fd, flags, &its, old);
}

static int readable(int fd, int ms)
{
    struct pollfd pf = {fd, POLLIN, 0};
    return poll(&pf, 1, ms) == 1 && (pf.revents & POLLIN);
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) == -1)
        ;
}

/* Absolute timer on clock c, 50 ms ahead: fires in [40 ms, 2 s]. */
static void abs_fires(clockid_t c, const char *name)
{
    char d[128];
    struct itimerspec its;
    uint64_t n = 0;
    long long t0, el;
    int fd = timerfd_create(c, TFD_NONBLOCK);
    snprintf(d, sizeof(d), "%s: timerfd_create", name);
    CHECK(fd >= 0, d);
    if (fd < 0)
        return;
    t0 = clk_ns(CLOCK_MONOTONIC);
    snprintf(d, sizeof(d), "%s: arm TFD_TIMER_ABSTIME now+50ms", name);
    CHECK_OK(arm(fd, TFD_TIMER_ABSTIME, clk_ns(c) + 50 * MS, 0, NULL), d);
    timerfd_gettime(fd, &its);
    snprintf(d, sizeof(d), "%s: gettime gives relative remaining in (0, 50ms]", name);
    CHECK(its.it_value.tv_sec == 0 && its.it_value.tv_nsec > 0 && its.it_value.tv_nsec <= 50 * MS, d);
    snprintf(d, sizeof(d), "%s: not readable before the deadline", name);
    CHECK(!readable(fd, 0), d);
    snprintf(d, sizeof(d), "%s: readable by the deadline", name);
    CHECK(readable(fd, 2000), d);
    el = clk_ns(CLOCK_MONOTONIC) - t0;
    snprintf(d, sizeof(d), "%s: fired between 40 ms and 2 s", name);
    CHECK(el >= 40 * MS && el < 2000 * MS, d);
    snprintf(d, sizeof(d), "%s: one expiration", name);
    CHECK(read(fd, &n, 8) == 8 && n == 1, d);
    close(fd);
}

int main(void)
{
    struct itimerspec its, old;
    uint64_t n = 0, big[2];
    int fd, r;
    long long t0;

    alarm(10);
    setvbuf(stdout, NULL, _IOLBF, 0);

    abs_fires(CLOCK_REALTIME, "REALTIME");
    abs_fires(CLOCK_MONOTONIC, "MONOTONIC");
    abs_fires(CLOCK_BOOTTIME, "BOOTTIME");

    fd = timerfd_create(CLOCK_REALTIME, TFD_NONBLOCK);
    CHECK(fd >= 0, "timerfd_create CLOCK_REALTIME");
    if (fd < 0)
        CHECK_DONE();

    /* Past absolute deadline: fires immediately. */
    CHECK_OK(arm(fd, TFD_TIMER_ABSTIME, clk_ns(CLOCK_REALTIME) - 1000 * MS, 0, &old),
             "REALTIME absolute deadline 1 s in the past");
    CHECK(old.it_value.tv_sec == 0 && old.it_value.tv_nsec == 0 && old.it_interval.tv_nsec == 0,
          "old_value of an unarmed timer is zero");
    CHECK(readable(fd, 0), "past deadline: readable at once");
    timerfd_gettime(fd, &its);
    CHECK(its.it_value.tv_sec == 0 && its.it_value.tv_nsec == 0, "expired one-shot: gettime value 0");
    CHECK(read(fd, &n, 8) == 8 && n == 1, "past one-shot deadline counts 1 expiration");

    /* Past absolute deadline with an interval: the missed periods are counted. */
    CHECK_OK(arm(fd, TFD_TIMER_ABSTIME, clk_ns(CLOCK_REALTIME) - 1000 * MS, 100 * MS, NULL),
             "absolute start 1 s ago with a 100 ms interval");
    CHECK(read(fd, &n, 8) == 8 && n >= 10 && n <= 30, "first read counts the missed periods (~11)");
    timerfd_gettime(fd, &its);
    CHECK(its.it_interval.tv_sec == 0 && its.it_interval.tv_nsec == 100 * MS && ts_ns(its.it_value) > 0 &&
              ts_ns(its.it_value) <= 100 * MS,
          "gettime: interval 100 ms, next expiry within one period");

    /* old_value from re-arming a running periodic timer. */
    CHECK_OK(arm(fd, 0, 5000 * MS, 250 * MS, &old), "re-arm relative 5 s, interval 250 ms");
    CHECK(old.it_interval.tv_nsec == 100 * MS && ts_ns(old.it_value) > 0 && ts_ns(old.it_value) <= 100 * MS,
          "old_value: previous interval and remaining");
    CHECK_OK(arm(fd, 0, 0, 0, &old), "disarm");
    CHECK(old.it_interval.tv_nsec == 250 * MS && ts_ns(old.it_value) > 4000 * MS && ts_ns(old.it_value) <= 5000 * MS,
          "old_value: interval 250 ms, about 5 s remaining");
    timerfd_gettime(fd, &its);
    CHECK(ts_ns(its.it_value) == 0 && ts_ns(its.it_interval) == 0, "disarmed: gettime all zero");

    /* Zero it_value disarms even with an interval; the interval is still reported. */
    CHECK_OK(arm(fd, 0, 0, 30 * MS, NULL), "settime value 0, interval 30 ms");
    timerfd_gettime(fd, &its);
    CHECK(ts_ns(its.it_value) == 0 && ts_ns(its.it_interval) == 30 * MS,
          "value 0 disarms; gettime still reports the interval (Linux)");
    sleep_ms(40);
    CHECK_ERR(read(fd, &n, 8), EAGAIN, "disarmed timer with an interval never fires");

    /* Re-arming discards unread expirations. */
    arm(fd, TFD_TIMER_ABSTIME, clk_ns(CLOCK_REALTIME) - MS, 0, NULL);
    CHECK(readable(fd, 0), "expired and unread");
    arm(fd, 0, 10000 * MS, 0, NULL);
    CHECK_ERR(read(fd, &n, 8), EAGAIN, "settime resets the expiration count");

    /* Far-future absolute deadline. */
    CHECK_OK(arm(fd, TFD_TIMER_ABSTIME, clk_ns(CLOCK_REALTIME) + 3600 * 1000 * MS, 0, NULL),
             "absolute deadline one hour ahead");
    timerfd_gettime(fd, &its);
    CHECK(its.it_value.tv_sec >= 3590 && its.it_value.tv_sec <= 3600, "gettime: about 3600 s remaining");

    /* TFD_TIMER_CANCEL_ON_SET. */
    CHECK_OK(arm(fd, TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET, clk_ns(CLOCK_REALTIME) + 30 * MS, 0, NULL),
             "REALTIME ABSTIME|CANCEL_ON_SET accepted");
    {
        /* A step of the host's clock meanwhile (a VM's time sync) rightly cancels the timer:
         * arm again, a few times, until one fires undisturbed. */
        int fired = readable(fd, 2000) && read(fd, &n, 8) == 8 && n == 1;
        for (int i = 0; i < 3 && !fired && errno == ECANCELED; i++) {
            arm(fd, TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET, clk_ns(CLOCK_REALTIME) + 30 * MS, 0, NULL);
            fired = readable(fd, 2000) && read(fd, &n, 8) == 8 && n == 1;
        }
        CHECK(fired, "CANCEL_ON_SET timer still fires normally");
    }
    CHECK_OK(arm(fd, TFD_TIMER_CANCEL_ON_SET, 10000 * MS, 0, NULL),
             "CANCEL_ON_SET without ABSTIME accepted (no effect)");
    close(fd);
    fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK);
    CHECK_OK(arm(fd, TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET, clk_ns(CLOCK_MONOTONIC) + 10000 * MS, 0, NULL),
             "MONOTONIC ABSTIME|CANCEL_ON_SET accepted (no effect)");

    /* Periodic overruns on MONOTONIC, absolute start. */
    t0 = clk_ns(CLOCK_MONOTONIC);
    CHECK_OK(arm(fd, TFD_TIMER_ABSTIME, t0 + 10 * MS, 10 * MS, NULL), "MONOTONIC absolute start +10 ms, period 10 ms");
    sleep_ms(65);
    r = read(fd, &n, 8);
    CHECK(r == 8 && n >= 4 && n <= 65, "after ~65 ms: between 4 and 65 expirations in one read");
    CHECK_ERR(read(fd, &n, 8), EAGAIN, "count reset by the read");
    CHECK(readable(fd, 2000) && read(fd, &n, 8) == 8 && n >= 1, "next period fires again");

    /* read sizes. */
    CHECK(readable(fd, 2000), "periodic timer readable again");
    CHECK_ERR(read(fd, &n, 7), EINVAL, "read with 7-byte buffer -> EINVAL");
    CHECK_ERR(read(fd, &n, 0), EINVAL, "read with 0-byte buffer -> EINVAL");
    big[0] = big[1] = 77;
    CHECK(read(fd, big, 16) == 8 && big[0] >= 1 && big[1] == 77, "16-byte read returns 8 bytes");
    arm(fd, 0, 0, 0, NULL);

    /* Blocking read of an absolute MONOTONIC timer. */
    {
        int bfd = timerfd_create(CLOCK_MONOTONIC, 0);
        t0 = clk_ns(CLOCK_MONOTONIC);
        arm(bfd, TFD_TIMER_ABSTIME, t0 + 30 * MS, 0, NULL);
        n = 0;
        CHECK(read(bfd, &n, 8) == 8 && n == 1, "blocking read of an absolute timer returns 1");
        t0 = clk_ns(CLOCK_MONOTONIC) - t0;
        CHECK(t0 >= 25 * MS && t0 < 2000 * MS, "blocking read waited until the deadline");
        close(bfd);
    }

    /* Errnos. */
    CHECK_ERR(timerfd_create(CLOCK_MONOTONIC_RAW, 0), EINVAL, "timerfd_create CLOCK_MONOTONIC_RAW -> EINVAL");
    CHECK_ERR(timerfd_create(CLOCK_REALTIME_COARSE, 0), EINVAL, "timerfd_create CLOCK_REALTIME_COARSE -> EINVAL");
    CHECK_ERR(timerfd_create(CLOCK_THREAD_CPUTIME_ID, 0), EINVAL, "timerfd_create thread CPU clock -> EINVAL");
    CHECK_ERR(timerfd_create(-1, 0), EINVAL, "timerfd_create clock -1 -> EINVAL");
    CHECK_ERR(timerfd_create(CLOCK_MONOTONIC, O_APPEND), EINVAL, "timerfd_create O_APPEND flag -> EINVAL");
    CHECK_ERR(arm(fd, 4, 10 * MS, 0, NULL), EINVAL, "settime flag bit 4 -> EINVAL");
    {
        struct itimerspec bad = {{0, 0}, {0, 1000000000L}};
        CHECK_ERR(timerfd_settime(fd, 0, &bad, NULL), EINVAL, "it_value.tv_nsec = 1e9 -> EINVAL");
        bad = (struct itimerspec){{0, 1000000000L}, {1, 0}};
        CHECK_ERR(timerfd_settime(fd, 0, &bad, NULL), EINVAL, "it_interval.tv_nsec = 1e9 -> EINVAL");
        bad = (struct itimerspec){{0, 0}, {0, -1}};
        CHECK_ERR(timerfd_settime(fd, 0, &bad, NULL), EINVAL, "negative tv_nsec -> EINVAL");
        bad = (struct itimerspec){{0, 0}, {-1, 0}};
        CHECK_ERR(timerfd_settime(fd, TFD_TIMER_ABSTIME, &bad, NULL), EINVAL, "negative tv_sec -> EINVAL");
        CHECK_ERR(syscall(SYS_timerfd_settime, fd, 0, (void *)8, NULL), EFAULT, "bad new_value pointer -> EFAULT");
        CHECK_ERR(syscall(SYS_timerfd_gettime, fd, (void *)8), EFAULT, "bad curr_value pointer -> EFAULT");
    }
    {
        int e = eventfd(0, 0);
        CHECK_ERR(timerfd_gettime(e, &its), EINVAL, "timerfd_gettime on an eventfd -> EINVAL");
        close(e);
        CHECK_ERR(timerfd_gettime(e, &its), EBADF, "timerfd_gettime on a closed fd -> EBADF");
        CHECK_ERR(arm(e, 0, MS, 0, NULL), EBADF, "timerfd_settime on a closed fd -> EBADF");
    }
    close(fd);

    /* Alarm clocks need CAP_WAKE_ALARM: checked unprivileged in a child. */
    {
        pid_t pid;
        int st;
        fflush(stdout);
        pid = fork();
        if (pid == 0) {
            int e;
            if (setgroups(0, NULL) || setgid(65534) || setuid(65534))
                _exit(2);
            errno = 0;
            e = timerfd_create(CLOCK_BOOTTIME_ALARM, 0) == -1 ? errno : 0;
            _exit(e == EPERM ? 0 : 1);
        }
        CHECK(pid > 0 && waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0,
              "unprivileged CLOCK_BOOTTIME_ALARM -> EPERM"); /* needs root: drops to uid 65534 */
    }
    CHECK_DONE();
}
