/* epoll: create, ctl errnos, level/edge/oneshot triggering, HUP/ERR, nesting, timeouts. */
/* syscalls: epoll_create, epoll_create1, epoll_ctl, epoll_wait, epoll_pwait, pipe2, write, read, open, close */
/* area: poll */
#include "check.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define DIR "/tmp/conf_epoll" CONF_TAG

static int ctl(int ep, int op, int fd, unsigned events, unsigned long long data)
{
    struct epoll_event ev = { .events = events, .data.u64 = data };
    return epoll_ctl(ep, op, fd, &ev);
}

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

int main(void)
{
    struct epoll_event ev[8];
    int ep, p[2], q[2], fd;
    char buf[16];
    long long t0;

    alarm(5);
    setvbuf(stdout, NULL, _IOLBF, 0); /* keep finished lines if killed */
    mkdir(DIR, 0755);
    ep = epoll_create1(0);
    CHECK(ep >= 0, "epoll_create1(0)");
    {
        int e2 = epoll_create1(EPOLL_CLOEXEC);
        CHECK(e2 >= 0 && (fcntl(e2, F_GETFD) & FD_CLOEXEC), "EPOLL_CLOEXEC sets FD_CLOEXEC");
        close(e2);
        e2 = epoll_create(1);
        CHECK(e2 >= 0, "epoll_create(1)");
        close(e2);
    }
    CHECK_ERR(epoll_create1(0x1234), EINVAL, "epoll_create1 bad flags -> EINVAL");
    CHECK_ERR(epoll_create(0), EINVAL, "epoll_create(0) -> EINVAL");

    pipe2(p, O_NONBLOCK);
    CHECK_EQ(epoll_wait(ep, ev, 8, 0), 0, "empty epoll set: 0 events");
    CHECK_OK(ctl(ep, EPOLL_CTL_ADD, p[0], EPOLLIN, 0x1122334455667788ULL), "EPOLL_CTL_ADD pipe read end");
    CHECK_ERR(ctl(ep, EPOLL_CTL_ADD, p[0], EPOLLIN, 0), EEXIST, "ADD twice -> EEXIST");
    CHECK_ERR(ctl(ep, EPOLL_CTL_MOD, p[1], EPOLLOUT, 0), ENOENT, "MOD unregistered fd -> ENOENT");
    CHECK_ERR(ctl(ep, EPOLL_CTL_DEL, p[1], 0, 0), ENOENT, "DEL unregistered fd -> ENOENT");
    CHECK_ERR(ctl(ep, EPOLL_CTL_ADD, 9999, EPOLLIN, 0), EBADF, "ADD bad fd -> EBADF");
    CHECK_ERR(ctl(9999, EPOLL_CTL_ADD, p[0], EPOLLIN, 0), EBADF, "bad epoll fd -> EBADF");
    CHECK_ERR(ctl(p[1], EPOLL_CTL_ADD, p[0], EPOLLIN, 0), EINVAL, "epfd not an epoll fd -> EINVAL");
    CHECK_ERR(ctl(ep, EPOLL_CTL_ADD, ep, EPOLLIN, 0), EINVAL, "add epoll fd to itself -> EINVAL");
    fd = open(DIR "/file", O_RDWR | O_CREAT, 0600);
    CHECK_ERR(ctl(ep, EPOLL_CTL_ADD, fd, EPOLLIN, 0), EPERM, "regular file -> EPERM");
    CHECK_ERR(ctl(ep, EPOLL_CTL_MOD, p[0], EPOLLIN | EPOLLEXCLUSIVE, 0), EINVAL, "MOD with EPOLLEXCLUSIVE -> EINVAL");
    CHECK_ERR(epoll_wait(ep, ev, 0, 0), EINVAL, "maxevents 0 -> EINVAL");
    CHECK_ERR(epoll_wait(p[0], ev, 1, 0), EINVAL, "epoll_wait on non-epoll fd -> EINVAL");

    t0 = now_ms();
    CHECK(epoll_wait(ep, ev, 8, 30) == 0 && now_ms() - t0 >= 29, "no data: epoll_wait 30ms times out with 0 after >= 30ms");

    write(p[1], "ab", 2);
    CHECK_EQ(epoll_wait(ep, ev, 8, 1000), 1, "data written: one event");
    CHECK(ev[0].events == EPOLLIN && ev[0].data.u64 == 0x1122334455667788ULL, "EPOLLIN with our data.u64");
    CHECK_EQ(epoll_wait(ep, ev, 8, 0), 1, "level-triggered: reported again while data remains");

    ctl(ep, EPOLL_CTL_MOD, p[0], EPOLLIN | EPOLLET, 2);
    CHECK(epoll_wait(ep, ev, 8, 0) == 1 && ev[0].data.u64 == 2, "edge-triggered: first wait reports, new data");
    CHECK_EQ(epoll_wait(ep, ev, 8, 0), 0, "edge-triggered: no repeat without new data");
    write(p[1], "c", 1);
    CHECK_EQ(epoll_wait(ep, ev, 8, 0), 1, "edge-triggered: new write gives a new edge");
    read(p[0], buf, sizeof(buf));

    ctl(ep, EPOLL_CTL_MOD, p[0], EPOLLIN | EPOLLONESHOT, 3);
    write(p[1], "d", 1);
    CHECK_EQ(epoll_wait(ep, ev, 8, 0), 1, "oneshot fires once");
    write(p[1], "e", 1);
    CHECK_EQ(epoll_wait(ep, ev, 8, 0), 0, "oneshot disarmed afterwards");
    ctl(ep, EPOLL_CTL_MOD, p[0], EPOLLIN, 4);
    CHECK_EQ(epoll_wait(ep, ev, 8, 0), 1, "MOD re-arms a oneshot fd");
    read(p[0], buf, sizeof(buf));

    /* Multiple fds; maxevents limits the batch. */
    ctl(ep, EPOLL_CTL_ADD, p[1], EPOLLOUT, 5);
    write(p[1], "f", 1);
    CHECK_EQ(epoll_wait(ep, ev, 8, 0), 2, "two ready fds");
    CHECK_EQ(epoll_wait(ep, ev, 1, 0), 1, "maxevents 1 returns one");
    CHECK(ctl(ep, EPOLL_CTL_DEL, p[1], 0, 0) == 0 && epoll_wait(ep, ev, 8, 0) == 1 && ev[0].data.u64 == 4,
          "EPOLL_CTL_DEL: only the read end remains");

    /* Nested epoll. */
    {
        int outer = epoll_create1(0);
        CHECK_OK(ctl(outer, EPOLL_CTL_ADD, ep, EPOLLIN, 6), "add an epoll fd to another epoll");
        CHECK(epoll_wait(outer, ev, 8, 0) == 1 && ev[0].data.u64 == 6, "outer epoll readable when inner has events");
        read(p[0], buf, sizeof(buf));
        CHECK_EQ(epoll_wait(outer, ev, 8, 0), 0, "outer not readable once inner is idle");
        CHECK_ERR(ctl(ep, EPOLL_CTL_ADD, outer, EPOLLIN, 0), ELOOP, "epoll cycle -> ELOOP");
        close(outer);
    }

    /* HUP and ERR. */
    pipe2(q, 0);
    ctl(ep, EPOLL_CTL_ADD, q[0], EPOLLIN, 7);
    close(q[1]);
    CHECK(epoll_wait(ep, ev, 8, 0) == 1 && ev[0].data.u64 == 7 && (ev[0].events & EPOLLHUP),
          "writer closed: EPOLLHUP on read end");
    ctl(ep, EPOLL_CTL_DEL, q[0], 0, 0);
    close(q[0]);
    pipe2(q, 0);
    ctl(ep, EPOLL_CTL_ADD, q[1], EPOLLOUT, 8);
    close(q[0]);
    CHECK(epoll_wait(ep, ev, 8, 0) == 1 && ev[0].data.u64 == 8 && (ev[0].events & EPOLLERR),
          "reader closed: EPOLLERR on write end");
    close(q[1]);
    CHECK_EQ(epoll_wait(ep, ev, 8, 0), 0, "closing the only fd removes it from the set");

    /* epoll_pwait with a signal mask. */
    {
        sigset_t s;
        sigemptyset(&s);
        CHECK_EQ(epoll_pwait(ep, ev, 8, 0, &s), 0, "epoll_pwait with empty mask");
    }
    close(p[0]);
    close(p[1]);
    close(ep);
    close(fd);
    unlink(DIR "/file");
    CHECK_OK(rmdir(DIR), "cleanup");
    CHECK_DONE();
}
