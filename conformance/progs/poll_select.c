/* poll_select: poll/ppoll/select/pselect6 readiness on pipes, HUP/ERR/NVAL, timeouts, EINTR. */
/* syscalls: poll, ppoll, select, pselect6, pipe2, write, close, open, rt_sigprocmask, tgkill, setrlimit */
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

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

static volatile int hits;
static void on_usr1(int sig) { (void)sig; hits++; }

int main(void)
{
    struct pollfd pf[3];
    int p[2], q[2], nullfd;
    fd_set rs, ws;
    long long t0;

    alarm(5);
    setvbuf(stdout, NULL, _IOLBF, 0); /* keep finished lines if killed */
    pipe2(p, 0);

    pf[0] = (struct pollfd){ p[0], POLLIN, 0 };
    pf[1] = (struct pollfd){ p[1], POLLOUT, 0 };
    CHECK_EQ(poll(pf, 2, 0), 1, "empty pipe: only the write end is ready");
    CHECK(pf[0].revents == 0 && pf[1].revents == POLLOUT, "revents: read end 0, write end POLLOUT");
    write(p[1], "x", 1);
    CHECK_EQ(poll(pf, 2, 0), 2, "after write both ends ready");
    CHECK_EQ(pf[0].revents, POLLIN, "read end POLLIN");
    pf[0].events = POLLOUT;
    CHECK(poll(pf, 1, 0) == 0 && pf[0].revents == 0, "read end never reports POLLOUT");

    t0 = now_ms();
    pf[0] = (struct pollfd){ p[1], POLLIN, 0 };
    CHECK_EQ(poll(pf, 1, 30), 0, "poll 30ms timeout with nothing to read returns 0");
    CHECK(now_ms() - t0 >= 29, "poll waited >= 30ms");
    t0 = now_ms();
    CHECK_EQ(poll(NULL, 0, 20), 0, "poll(NULL, 0, 20) sleeps and returns 0");
    CHECK(now_ms() - t0 >= 19, "poll with no fds waited >= 20ms");

    pf[0] = (struct pollfd){ -1, POLLIN, 0x7 };
    pf[1] = (struct pollfd){ p[0], POLLIN, 0 };
    CHECK_EQ(poll(pf, 2, 0), 1, "negative fd is ignored");
    CHECK_EQ(pf[0].revents, 0, "negative fd: revents cleared to 0");
    pf[0] = (struct pollfd){ 999, POLLIN, 0 };
    CHECK(poll(pf, 1, 0) == 1 && pf[0].revents == POLLNVAL, "closed fd: POLLNVAL, counted in the result");

    nullfd = open("/dev/null", O_RDWR);
    pf[0] = (struct pollfd){ nullfd, POLLIN | POLLOUT, 0 };
    CHECK(poll(pf, 1, 0) == 1 && pf[0].revents == (POLLIN | POLLOUT), "/dev/null is always readable and writable");

    pipe2(q, 0);
    close(q[1]);
    pf[0] = (struct pollfd){ q[0], POLLIN, 0 };
    CHECK(poll(pf, 1, 0) == 1 && (pf[0].revents & POLLHUP), "writer closed: POLLHUP on read end");
    close(q[0]);
    pipe2(q, 0);
    close(q[0]);
    pf[0] = (struct pollfd){ q[1], POLLOUT, 0 };
    CHECK(poll(pf, 1, 0) == 1 && (pf[0].revents & POLLERR), "reader closed: POLLERR on write end");
    pf[0].events = 0;
    CHECK(poll(pf, 1, 0) == 1 && (pf[0].revents & POLLERR), "POLLERR reported even when not requested");
    close(q[1]);

    /* ppoll. */
    {
        struct timespec ts = { 0, 10000000 };
        pf[0] = (struct pollfd){ p[0], POLLIN, 0 };
        CHECK(ppoll(pf, 1, &ts, NULL) == 1 && pf[0].revents == POLLIN, "ppoll reports POLLIN");
        pf[0] = (struct pollfd){ p[1], POLLIN, 0 };
        t0 = now_ms();
        CHECK_EQ(ppoll(pf, 1, &ts, NULL), 0, "ppoll 10ms timeout");
        CHECK(now_ms() - t0 >= 9, "ppoll waited >= 10ms");
        ts.tv_nsec = -1;
        CHECK_ERR(ppoll(pf, 1, &ts, NULL), EINVAL, "ppoll invalid timespec -> EINVAL");
    }

    /* A pending blocked signal interrupts ppoll/pselect when their mask unblocks it. */
    {
        sigset_t blk, none;
        struct timespec ts = { 2, 0 };
        signal(SIGUSR1, on_usr1);
        sigemptyset(&blk);
        sigaddset(&blk, SIGUSR1);
        sigprocmask(SIG_BLOCK, &blk, NULL);
        raise(SIGUSR1);
        sigemptyset(&none);
        pf[0] = (struct pollfd){ p[1], POLLIN, 0 };
        CHECK_ERR(ppoll(pf, 1, &ts, &none), EINTR, "ppoll with unblocking sigmask -> EINTR");
        CHECK_EQ(hits, 1, "handler ran during ppoll");
        raise(SIGUSR1);
        FD_ZERO(&rs);
        FD_SET(p[1], &rs);
        CHECK_ERR(pselect(p[1] + 1, &rs, NULL, NULL, &ts, &none), EINTR, "pselect with unblocking sigmask -> EINTR");
        CHECK_EQ(hits, 2, "handler ran during pselect");
        sigprocmask(SIG_UNBLOCK, &blk, NULL);
    }

    /* select. */
    {
        struct timeval tv = { 0, 0 };
        FD_ZERO(&rs);
        FD_ZERO(&ws);
        FD_SET(p[0], &rs);
        FD_SET(p[1], &ws);
        CHECK_EQ(select(p[1] + 1, &rs, &ws, NULL, &tv), 2, "select: readable read end, writable write end");
        CHECK(FD_ISSET(p[0], &rs) && FD_ISSET(p[1], &ws), "select: FD_ISSET on both");
        char c;
        read(p[0], &c, 1);
        FD_ZERO(&rs);
        FD_SET(p[0], &rs);
        tv = (struct timeval){ 0, 20000 };
        t0 = now_ms();
        CHECK_EQ(select(p[0] + 1, &rs, NULL, NULL, &tv), 0, "select 20ms timeout returns 0");
        CHECK(now_ms() - t0 >= 19 && !FD_ISSET(p[0], &rs), "select waited and cleared the set");
        CHECK(tv.tv_sec == 0 && tv.tv_usec == 0, "select updates the timeout to the time left (0)");
        write(p[1], "y", 1);
        tv = (struct timeval){ 1, 0 };
        FD_SET(p[0], &rs);
        CHECK(select(p[0] + 1, &rs, NULL, NULL, &tv) == 1 && tv.tv_sec == 0 && tv.tv_usec > 0,
              "select with data: returns 1, timeout decremented but not zero");
        read(p[0], &c, 1);
        tv = (struct timeval){ 0, 0 };
        CHECK_ERR(select(-1, NULL, NULL, NULL, &tv), EINVAL, "select nfds -1 -> EINVAL");
        {
            int cfd = dup(p[0]);
            close(cfd);
            FD_ZERO(&rs);
            FD_SET(cfd, &rs);
            CHECK_ERR(select(cfd + 1, &rs, NULL, NULL, &tv), EBADF, "select on closed fd -> EBADF");
        }
        tv = (struct timeval){ 0, -5 };
        CHECK_ERR(select(0, NULL, NULL, NULL, &tv), EINVAL, "select negative timeout -> EINVAL");
        struct timespec ts = { 0, 5000000 };
        FD_ZERO(&ws);
        FD_SET(p[1], &ws);
        CHECK_EQ(pselect(p[1] + 1, NULL, &ws, NULL, &ts, NULL), 1, "pselect reports writable pipe");
    }

    /* nfds above RLIMIT_NOFILE. */
    {
        struct rlimit old, lim;
        getrlimit(RLIMIT_NOFILE, &old);
        lim = old;
        lim.rlim_cur = 64;
        setrlimit(RLIMIT_NOFILE, &lim);
        struct pollfd many[65];
        for (int i = 0; i < 65; i++)
            many[i] = (struct pollfd){ -1, 0, 0 };
        CHECK_ERR(poll(many, 65, 0), EINVAL, "poll with nfds > RLIMIT_NOFILE -> EINVAL");
        CHECK_EQ(poll(many, 64, 0), 0, "poll with nfds == RLIMIT_NOFILE is fine");
        setrlimit(RLIMIT_NOFILE, &old);
    }
    close(nullfd);
    close(p[0]);
    close(p[1]);
    CHECK_DONE();
}
