/* ppoll_sigmask: ppoll/pselect6 signal masks (EINTR, handler, mask restored), timeouts, nfds limit, negative fds, POLLNVAL, select EBADF. */
/* syscalls: ppoll, pselect6, poll, select, pipe2, rt_sigaction, rt_sigprocmask, kill, getrlimit, setrlimit, clock_gettime, close */
/* area: poll */
#include "check.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/select.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t hits;
static void on_usr1(int s)
{
    (void)s;
    hits++;
}

static long long now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1000LL + t.tv_nsec / 1000000;
}

static int usr1_blocked(void)
{
    sigset_t cur;
    sigprocmask(SIG_SETMASK, NULL, &cur);
    return sigismember(&cur, SIGUSR1);
}

int main(void)
{
    int p[2], r, closed;
    struct pollfd pf[3];
    struct timespec ts;
    struct sigaction sa;
    sigset_t blk, empty, old;
    long long t0;
    fd_set rs;

    alarm(10);
    setvbuf(stdout, NULL, _IOLBF, 0);
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_usr1;
    sigaction(SIGUSR1, &sa, NULL);
    sigemptyset(&blk);
    sigaddset(&blk, SIGUSR1);
    sigemptyset(&empty);
    sigprocmask(SIG_BLOCK, &blk, &old);
    pipe2(p, 0);

    /* ppoll with a mask that unblocks a pending signal. */
    kill(getpid(), SIGUSR1);
    CHECK_EQ(hits, 0, "SIGUSR1 pending while blocked");
    pf[0].fd = p[0];
    pf[0].events = POLLIN;
    ts.tv_sec = 2;
    ts.tv_nsec = 0;
    CHECK_ERR(ppoll(pf, 1, &ts, &empty), EINTR, "ppoll with unblocking sigmask -> EINTR");
    CHECK_EQ(hits, 1, "handler ran inside ppoll");
    CHECK(usr1_blocked(), "original mask (SIGUSR1 blocked) restored");
    /* Mask that keeps the signal blocked: ppoll times out normally. */
    kill(getpid(), SIGUSR1);
    ts.tv_sec = 0;
    ts.tv_nsec = 20000000;
    CHECK_EQ(ppoll(pf, 1, &ts, &blk), 0, "ppoll with a mask that keeps SIGUSR1 blocked times out (0)");
    CHECK_EQ(hits, 1, "signal still pending, handler not run");
    CHECK_ERR(ppoll(pf, 1, NULL, &empty), EINTR, "ppoll NULL timeout interrupted by the pending signal");
    CHECK_EQ(hits, 2, "handler ran");

    /* ppoll timeouts. */
    ts.tv_sec = 0;
    ts.tv_nsec = 50000000;
    t0 = now_ms();
    r = ppoll(pf, 1, &ts, NULL);
    t0 = now_ms() - t0;
    CHECK(r == 0 && t0 >= 45 && t0 < 2000, "ppoll 50 ms timeout: returns 0 after >= 50 ms");
    write(p[1], "x", 1);
    r = ppoll(pf, 1, NULL, NULL);
    CHECK(r == 1 && (pf[0].revents & POLLIN), "ppoll NULL timeout returns at once when data is ready");
    ts.tv_sec = 0;
    ts.tv_nsec = 1000000000;
    CHECK_ERR(ppoll(pf, 1, &ts, NULL), EINVAL, "ppoll tv_nsec 1e9 -> EINVAL");
    ts.tv_sec = -1;
    ts.tv_nsec = 0;
    CHECK_ERR(ppoll(pf, 1, &ts, NULL), EINVAL, "ppoll negative timeout -> EINVAL");
    {
        char c;
        read(p[0], &c, 1);
    }

    /* pselect6 with a sigmask. */
    kill(getpid(), SIGUSR1);
    FD_ZERO(&rs);
    FD_SET(p[0], &rs);
    ts.tv_sec = 2;
    ts.tv_nsec = 0;
    CHECK_ERR(pselect(p[0] + 1, &rs, NULL, NULL, &ts, &empty), EINTR, "pselect with unblocking sigmask -> EINTR");
    CHECK_EQ(hits, 3, "handler ran inside pselect");
    CHECK(usr1_blocked(), "mask restored after pselect");
    FD_ZERO(&rs);
    FD_SET(p[0], &rs);
    ts.tv_sec = 0;
    ts.tv_nsec = 30000000;
    t0 = now_ms();
    r = pselect(p[0] + 1, &rs, NULL, NULL, &ts, &empty);
    t0 = now_ms() - t0;
    CHECK(r == 0 && !FD_ISSET(p[0], &rs) && t0 >= 25, "pselect timeout: 0, set cleared");
    write(p[1], "y", 1);
    FD_ZERO(&rs);
    FD_SET(p[0], &rs);
    r = pselect(p[0] + 1, &rs, NULL, NULL, NULL, &empty);
    CHECK(r == 1 && FD_ISSET(p[0], &rs), "pselect NULL timeout with data ready -> 1");
    sigprocmask(SIG_SETMASK, &old, NULL);

    /* select updates the timeout on Linux. */
    {
        struct timeval tv = {0, 30000};
        char c;
        read(p[0], &c, 1);
        FD_ZERO(&rs);
        FD_SET(p[0], &rs);
        r = select(p[0] + 1, &rs, NULL, NULL, &tv);
        CHECK(r == 0 && tv.tv_sec == 0 && tv.tv_usec == 0, "select timeout expires and is updated to 0 (Linux)");
        /* The kernel normalises tv_usec >= 1e6 into seconds, but a negative value is invalid. */
        tv.tv_sec = 0;
        tv.tv_usec = -1;
        CHECK_ERR(syscall(SYS_select, p[0] + 1, &rs, NULL, NULL, &tv), EINVAL, "select tv_usec -1 -> EINVAL");
        tv.tv_usec = 0;
        CHECK_ERR(select(-1, NULL, NULL, NULL, &tv), EINVAL, "select nfds -1 -> EINVAL");
    }

    /* Negative fds and closed fds. */
    closed = dup(p[0]);
    close(closed);
    write(p[1], "z", 1);
    pf[0].fd = -1;
    pf[0].events = POLLIN;
    pf[0].revents = 0x55;
    pf[1].fd = p[0];
    pf[1].events = POLLIN;
    pf[2].fd = closed;
    pf[2].events = POLLIN;
    r = poll(pf, 3, 0);
    CHECK_EQ(r, 2, "poll counts the ready fd and the POLLNVAL fd");
    CHECK_EQ(pf[0].revents, 0, "negative fd ignored: revents 0");
    CHECK(pf[1].revents & POLLIN, "pipe ready");
    CHECK_EQ(pf[2].revents, POLLNVAL, "closed fd: POLLNVAL");
    pf[0].fd = -p[0]; /* negating an fd is the documented way to ignore it */
    r = poll(pf, 1, 0);
    CHECK(r == 0 && pf[0].revents == 0, "negated fd of a ready pipe is ignored");
    FD_ZERO(&rs);
    FD_SET(closed, &rs);
    {
        struct timeval tv = {0, 0};
        CHECK_ERR(select(closed + 1, &rs, NULL, NULL, &tv), EBADF, "select with a closed fd in the set -> EBADF");
    }

    /* nfds above RLIMIT_NOFILE. */
    {
        struct rlimit rl, small;
        static struct pollfd many[80];
        int i;
        getrlimit(RLIMIT_NOFILE, &rl);
        small = rl;
        small.rlim_cur = 64;
        for (i = 0; i < 80; i++) {
            many[i].fd = -1;
            many[i].events = POLLIN;
        }
        if (setrlimit(RLIMIT_NOFILE, &small) == 0) {
            CHECK_EQ(poll(many, 64, 0), 0, "poll nfds == RLIMIT_NOFILE is allowed");
            CHECK_ERR(poll(many, 65, 0), EINVAL, "poll nfds > RLIMIT_NOFILE -> EINVAL");
            setrlimit(RLIMIT_NOFILE, &rl);
        } else
            CHECK(0, "lower RLIMIT_NOFILE");
    }
    CHECK_ERR(syscall(SYS_poll, (void *)8, 1, 0), EFAULT, "poll with a bad fds pointer -> EFAULT");
    close(p[0]);
    close(p[1]);
    CHECK_DONE();
}
