/* clock: clock_gettime/clock_getres/gettimeofday/time, nanosleep, clock_nanosleep. */
/* area: clocks */
#include "check.h"

#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static long long ns(const struct timespec *t) { return t->tv_sec * 1000000000LL + t->tv_nsec; }

static long long mono_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return ns(&t);
}

static int valid(const struct timespec *t) { return t->tv_nsec >= 0 && t->tv_nsec < 1000000000L; }

int main(void)
{
    struct timespec a, b, res;
    struct timeval tv;

    CHECK(clock_gettime(CLOCK_REALTIME, &a) == 0 && valid(&a), "CLOCK_REALTIME");
    CHECK(a.tv_sec > 1600000000, "realtime is after 2020");
    CHECK(clock_gettime(CLOCK_MONOTONIC, &a) == 0 && valid(&a), "CLOCK_MONOTONIC");
    CHECK(clock_gettime(CLOCK_BOOTTIME, &b) == 0 && valid(&b), "CLOCK_BOOTTIME");
    CHECK(ns(&b) >= ns(&a), "BOOTTIME >= MONOTONIC");
    CHECK(syscall(SYS_clock_gettime, CLOCK_MONOTONIC, &b) == 0 && ns(&b) >= ns(&a),
          "raw SYS_clock_gettime MONOTONIC not behind libc value");

    {
        int ok = 1;
        long long prev = mono_ns();
        for (int i = 0; i < 10000; i++) {
            long long now = mono_ns();
            ok &= now >= prev;
            prev = now;
        }
        CHECK(ok, "CLOCK_MONOTONIC is non-decreasing over 10000 reads");
    }

    CHECK(clock_getres(CLOCK_REALTIME, &res) == 0 && res.tv_sec == 0 && res.tv_nsec > 0 &&
              res.tv_nsec <= 10000000,
          "clock_getres REALTIME in (0, 10ms]");
    CHECK(syscall(SYS_clock_getres, CLOCK_MONOTONIC, &res) == 0 && res.tv_sec == 0 &&
              res.tv_nsec > 0 && res.tv_nsec <= 10000000,
          "clock_getres MONOTONIC in (0, 10ms]");
    CHECK_OK(syscall(SYS_clock_getres, CLOCK_BOOTTIME, NULL), "clock_getres with NULL res");
    CHECK_ERR(syscall(SYS_clock_gettime, 12345, &a), EINVAL, "clock_gettime bad clock -> EINVAL");
    CHECK_ERR(syscall(SYS_clock_getres, 12345, &res), EINVAL, "clock_getres bad clock -> EINVAL");

    /* gettimeofday / time / CLOCK_REALTIME agree to within a second. */
    CHECK(gettimeofday(&tv, NULL) == 0 && tv.tv_usec >= 0 && tv.tv_usec < 1000000, "gettimeofday");
    time_t t = time(NULL);
    clock_gettime(CLOCK_REALTIME, &a);
    CHECK(llabs((long long)t - tv.tv_sec) <= 1, "time() agrees with gettimeofday");
    CHECK(llabs((long long)a.tv_sec - t) <= 1, "CLOCK_REALTIME agrees with time()");
    {
        time_t t2 = 0;
        long r = syscall(SYS_time, &t2);
        CHECK(r == t2 && llabs(r - (long long)t) <= 1, "raw SYS_time returns and stores the time");
        struct timeval tv2;
        CHECK(syscall(SYS_gettimeofday, &tv2, NULL) == 0 && tv2.tv_sec >= tv.tv_sec &&
                  tv2.tv_sec - tv.tv_sec <= 2,
              "raw SYS_gettimeofday");
    }

    /* Sleeps last at least as long as requested. */
    {
        struct timespec req = { 0, 10000000 }; /* 10 ms */
        long long t0 = mono_ns();
        CHECK_EQ(syscall(SYS_nanosleep, &req, NULL), 0, "nanosleep 10ms returns 0");
        CHECK(mono_ns() - t0 >= 10000000, "nanosleep slept >= 10ms");

        t0 = mono_ns();
        CHECK_EQ(clock_nanosleep(CLOCK_MONOTONIC, 0, &req, NULL), 0, "clock_nanosleep relative 10ms");
        CHECK(mono_ns() - t0 >= 10000000, "clock_nanosleep relative slept >= 10ms");

        struct timespec dl;
        clock_gettime(CLOCK_MONOTONIC, &dl);
        dl.tv_nsec += 10000000;
        if (dl.tv_nsec >= 1000000000L) {
            dl.tv_sec++;
            dl.tv_nsec -= 1000000000L;
        }
        CHECK_EQ(clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &dl, NULL), 0,
                 "clock_nanosleep TIMER_ABSTIME");
        CHECK(mono_ns() >= ns(&dl), "woke up no earlier than the absolute deadline");

        struct timespec bad = { 0, 1000000000L };
        CHECK_ERR(syscall(SYS_nanosleep, &bad, NULL), EINVAL, "nanosleep tv_nsec = 1e9 -> EINVAL");
        struct timespec neg = { -1, 0 };
        CHECK_ERR(syscall(SYS_nanosleep, &neg, NULL), EINVAL, "nanosleep negative tv_sec -> EINVAL");
        CHECK_EQ(clock_nanosleep(CLOCK_MONOTONIC, 0, &bad, NULL), EINVAL,
                 "clock_nanosleep tv_nsec = 1e9 -> EINVAL");
        struct timespec zero = { 0, 0 };
        CHECK_EQ(syscall(SYS_nanosleep, &zero, NULL), 0, "nanosleep zero duration");
    }
    CHECK_DONE();
}
