/* timerfd: create/settime/gettime, expiration counts, blocking and non-blocking reads, errnos. */
/* syscalls: timerfd_create, timerfd_settime, timerfd_gettime, read, write, poll, fcntl, fork, wait4, clock_gettime */
/* area: timerfd */
#include "check.h"

#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long long now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int arm(int fd, int flags, long vs, long vns, long ins)
{
    struct itimerspec its = { { 0, ins }, { vs, vns } };
    return timerfd_settime(fd, flags, &its, NULL);
}

int main(void)
{
    struct itimerspec its, old;
    uint64_t n = 0;
    int fd, bfd, p[2];
    long long t0;

    alarm(5);
    setvbuf(stdout, NULL, _IOLBF, 0); /* keep finished lines if killed */
    fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
    CHECK(fd >= 0, "timerfd_create CLOCK_MONOTONIC, TFD_NONBLOCK|TFD_CLOEXEC");
    CHECK(fcntl(fd, F_GETFD) & FD_CLOEXEC, "TFD_CLOEXEC sets FD_CLOEXEC");
    CHECK(fcntl(fd, F_GETFL) & O_NONBLOCK, "TFD_NONBLOCK sets O_NONBLOCK");
    CHECK_ERR(read(fd, &n, 8), EAGAIN, "read of unarmed non-blocking timerfd -> EAGAIN");
    CHECK_OK(timerfd_gettime(fd, &its), "timerfd_gettime unarmed");
    CHECK(its.it_value.tv_sec == 0 && its.it_value.tv_nsec == 0, "unarmed: zero it_value");

    CHECK_OK(arm(fd, 0, 0, 20000000, 0), "arm 20ms one-shot");
    t0 = now_ns();
    timerfd_gettime(fd, &its);
    CHECK(its.it_value.tv_sec == 0 && its.it_value.tv_nsec > 0 && its.it_value.tv_nsec <= 20000000,
          "gettime: 0 < remaining <= 20ms");
    {
        struct pollfd pf = { fd, POLLIN, 0 };
        CHECK_EQ(poll(&pf, 1, 0), 0, "not readable before expiry");
        CHECK(poll(&pf, 1, 1000) == 1 && (pf.revents & POLLIN), "poll POLLIN at expiry");
    }
    CHECK(now_ns() - t0 >= 19000000LL, "expired no earlier than 20ms");
    CHECK_ERR(read(fd, &n, 4), EINVAL, "read with 4-byte buffer -> EINVAL");
    CHECK(read(fd, &n, 8) == 8 && n == 1, "read returns expiration count 1");
    CHECK_ERR(read(fd, &n, 8), EAGAIN, "count reset by read -> EAGAIN");
    timerfd_gettime(fd, &its);
    CHECK(its.it_value.tv_sec == 0 && its.it_value.tv_nsec == 0, "one-shot disarmed after expiry");

    /* Periodic: expirations accumulate. */
    CHECK_OK(arm(fd, 0, 0, 5000000, 5000000), "arm 5ms periodic");
    {
        struct timespec ts = { 0, 40000000 };
        while (nanosleep(&ts, &ts) == -1)
            ;
    }
    CHECK(read(fd, &n, 8) == 8 && n >= 5, "periodic: >= 5 expirations counted after 40ms");
    timerfd_gettime(fd, &its);
    CHECK(its.it_interval.tv_nsec == 5000000, "gettime reports the interval");
    its = (struct itimerspec){ { 0, 0 }, { 0, 0 } };
    CHECK_OK(timerfd_settime(fd, 0, &its, &old), "disarm returning old value");
    CHECK(old.it_interval.tv_nsec == 5000000 && old.it_value.tv_nsec > 0, "old value has interval and remaining");
    CHECK_ERR(read(fd, &n, 8), EAGAIN, "disarmed timer not readable");

    /* Absolute deadline in the past. */
    {
        /* 1ns after the clock's epoch is in the past (a sandbox's monotonic clock may start near 0). */
        CHECK_OK(arm(fd, TFD_TIMER_ABSTIME, 0, 1, 0), "TFD_TIMER_ABSTIME in the past");
        CHECK(read(fd, &n, 8) == 8 && n == 1, "past absolute deadline readable at once with count 1");
    }

    /* Blocking read. */
    bfd = timerfd_create(CLOCK_BOOTTIME, 0);
    CHECK(bfd >= 0, "timerfd_create CLOCK_BOOTTIME blocking");
    arm(bfd, 0, 0, 10000000, 0);
    t0 = now_ns();
    CHECK(read(bfd, &n, 8) == 8 && n == 1, "blocking read waits for expiry");
    CHECK(now_ns() - t0 >= 9000000LL, "blocking read returned after >= 10ms");

    /* Inherited across fork. */
    arm(bfd, 0, 0, 5000000, 0);
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        uint64_t c = 0;
        _exit(read(bfd, &c, 8) == 8 && c == 1 ? 0 : 1);
    }
    {
        int status;
        CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0,
              "child reads the inherited timerfd");
    }
    close(bfd);

    {
        int rfd = timerfd_create(CLOCK_REALTIME, TFD_NONBLOCK);
        CHECK(rfd >= 0, "timerfd_create CLOCK_REALTIME");
        close(rfd);
    }
    CHECK_ERR(timerfd_create(CLOCK_PROCESS_CPUTIME_ID, 0), EINVAL, "timerfd_create CPU clock -> EINVAL");
    CHECK_ERR(timerfd_create(99, 0), EINVAL, "timerfd_create bad clock -> EINVAL");
    CHECK_ERR(timerfd_create(CLOCK_MONOTONIC, 0x1234), EINVAL, "timerfd_create bad flags -> EINVAL");
    CHECK_ERR(arm(fd, 0x100, 0, 1000, 0), EINVAL, "timerfd_settime bad flags -> EINVAL");
    CHECK_ERR(arm(fd, 0, 0, 1000000000, 0), EINVAL, "timerfd_settime tv_nsec = 1e9 -> EINVAL");
    CHECK_ERR(write(fd, &n, 8), EINVAL, "write to timerfd -> EINVAL");
    pipe(p);
    CHECK_ERR(arm(p[0], 0, 0, 1000, 0), EINVAL, "timerfd_settime on a pipe -> EINVAL");
    CHECK_ERR(timerfd_gettime(p[0], &its), EINVAL, "timerfd_gettime on a pipe -> EINVAL");
    close(p[0]);
    close(p[1]);
    close(fd);
    CHECK_ERR(arm(fd, 0, 0, 1000, 0), EBADF, "timerfd_settime on closed fd -> EBADF");
    CHECK_DONE();
}
