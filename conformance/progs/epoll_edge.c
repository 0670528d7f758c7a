/* epoll_edge: EPOLLET, EPOLLONESHOT, EPOLLEXCLUSIVE rules, CTL_DEL, self-add, nesting, epoll_pwait sigmask, epoll_pwait2 timeout, EPOLLRDHUP, auto-removal on last close. */
/* syscalls: epoll_create1, epoll_ctl, epoll_wait, epoll_pwait, epoll_pwait2, pipe2, socketpair, shutdown, dup, write, read, rt_sigaction, rt_sigprocmask, kill, clock_gettime, close */
/* area: poll */
#include "check.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t got_usr1;
static void on_usr1(int s)
{
    (void)s;
    got_usr1++;
}

static int add(int ep, int fd, unsigned ev)
{
    struct epoll_event e;
    memset(&e, 0, sizeof(e));
    e.events = ev;
    e.data.fd = fd;
    return epoll_ctl(ep, EPOLL_CTL_ADD, fd, &e);
}

static int mod(int ep, int fd, unsigned ev)
{
    struct epoll_event e;
    memset(&e, 0, sizeof(e));
    e.events = ev;
    e.data.fd = fd;
    return epoll_ctl(ep, EPOLL_CTL_MOD, fd, &e);
}

static int waitn(int ep, int ms, struct epoll_event *out)
{
    struct epoll_event tmp[8];
    int r = epoll_wait(ep, tmp, 8, ms);
    if (out && r > 0)
        *out = tmp[0];
    return r;
}

static long long now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1000LL + t.tv_nsec / 1000000;
}

int main(void)
{
    int ep, p[2], q[2], sv[2], ep2, r;
    struct epoll_event ev;
    char buf[64];

    alarm(10);
    setvbuf(stdout, NULL, _IOLBF, 0);

    ep = epoll_create1(EPOLL_CLOEXEC);
    CHECK(ep >= 0, "epoll_create1");
    if (ep < 0)
        CHECK_DONE();
    pipe2(p, O_NONBLOCK);

    /* Edge-triggered. */
    CHECK_OK(add(ep, p[0], EPOLLIN | EPOLLET), "add pipe read end EPOLLIN|EPOLLET");
    CHECK_EQ(waitn(ep, 0, NULL), 0, "no events on an empty pipe");
    write(p[1], "a", 1);
    r = waitn(ep, 1000, &ev);
    CHECK(r == 1 && ev.data.fd == p[0] && (ev.events & EPOLLIN), "EPOLLET: event on new data");
    CHECK_EQ(waitn(ep, 0, NULL), 0, "EPOLLET: no repeat while data stays unread");
    write(p[1], "b", 1);
    CHECK_EQ(waitn(ep, 1000, NULL), 1, "EPOLLET: new data triggers again");
    read(p[0], buf, sizeof(buf));
    CHECK_EQ(waitn(ep, 0, NULL), 0, "nothing after draining");

    /* Level-triggered via MOD. */
    write(p[1], "c", 1);
    CHECK_OK(mod(ep, p[0], EPOLLIN), "MOD to level-triggered");
    CHECK_EQ(waitn(ep, 0, NULL), 1, "level: ready");
    CHECK_EQ(waitn(ep, 0, NULL), 1, "level: still ready on the next wait");
    read(p[0], buf, sizeof(buf));

    /* One-shot. */
    CHECK_OK(mod(ep, p[0], EPOLLIN | EPOLLONESHOT), "MOD to EPOLLONESHOT");
    write(p[1], "d", 1);
    CHECK_EQ(waitn(ep, 1000, NULL), 1, "oneshot: first event");
    write(p[1], "e", 1);
    CHECK_EQ(waitn(ep, 0, NULL), 0, "oneshot: disabled afterwards even with more data");
    CHECK_OK(mod(ep, p[0], EPOLLIN | EPOLLONESHOT), "re-arm with MOD");
    CHECK_EQ(waitn(ep, 0, NULL), 1, "re-armed: data already there is reported");
    read(p[0], buf, sizeof(buf));

    /* DEL. */
    CHECK_OK(epoll_ctl(ep, EPOLL_CTL_DEL, p[0], NULL), "CTL_DEL");
    write(p[1], "f", 1);
    CHECK_EQ(waitn(ep, 0, NULL), 0, "no events after DEL");
    CHECK_ERR(epoll_ctl(ep, EPOLL_CTL_DEL, p[0], NULL), ENOENT, "DEL again -> ENOENT");
    CHECK_ERR(mod(ep, p[0], EPOLLIN), ENOENT, "MOD unregistered fd -> ENOENT");
    CHECK_OK(add(ep, p[0], EPOLLIN), "ADD again");
    CHECK_ERR(add(ep, p[0], EPOLLIN), EEXIST, "ADD twice -> EEXIST");
    read(p[0], buf, sizeof(buf));
    epoll_ctl(ep, EPOLL_CTL_DEL, p[0], NULL);

    /* EPOLLEXCLUSIVE. */
    CHECK_OK(add(ep, p[0], EPOLLIN | EPOLLEXCLUSIVE), "ADD with EPOLLEXCLUSIVE");
    CHECK_ERR(mod(ep, p[0], EPOLLIN | EPOLLEXCLUSIVE), EINVAL, "MOD with EPOLLEXCLUSIVE -> EINVAL");
    CHECK_ERR(mod(ep, p[0], EPOLLIN), EINVAL, "MOD of an EPOLLEXCLUSIVE registration -> EINVAL");
    write(p[1], "g", 1);
    CHECK_EQ(waitn(ep, 1000, NULL), 1, "EPOLLEXCLUSIVE registration still reports events");
    read(p[0], buf, sizeof(buf));
    epoll_ctl(ep, EPOLL_CTL_DEL, p[0], NULL);
    CHECK_ERR(add(ep, p[0], EPOLLIN | EPOLLEXCLUSIVE | EPOLLONESHOT), EINVAL, "EPOLLEXCLUSIVE|EPOLLONESHOT -> EINVAL");

    /* Bad arguments. */
    CHECK_ERR(add(ep, ep, EPOLLIN), EINVAL, "adding the epoll fd to itself -> EINVAL");
    CHECK_ERR(epoll_wait(ep, &ev, 0, 0), EINVAL, "maxevents 0 -> EINVAL");
    CHECK_ERR(syscall(SYS_epoll_wait, ep, &ev, -1, 0), EINVAL, "maxevents -1 -> EINVAL");
    CHECK_ERR(epoll_wait(p[0], &ev, 1, 0), EINVAL, "epoll_wait on a non-epoll fd -> EINVAL");
    CHECK_ERR(epoll_create1(0x1234), EINVAL, "epoll_create1 unknown flags -> EINVAL");

    /* Nested epoll. */
    ep2 = epoll_create1(0);
    CHECK_OK(add(ep2, ep, EPOLLIN), "add epoll fd to another epoll");
    CHECK_ERR(add(ep, ep2, EPOLLIN), ELOOP, "cycle between two epolls -> ELOOP");
    CHECK_EQ(waitn(ep2, 0, NULL), 0, "outer not ready while inner has nothing");
    CHECK_OK(add(ep, p[0], EPOLLIN), "inner watches the pipe");
    write(p[1], "h", 1);
    r = waitn(ep2, 1000, &ev);
    CHECK(r == 1 && ev.data.fd == ep && (ev.events & EPOLLIN), "outer epoll reports the inner as readable");
    read(p[0], buf, sizeof(buf));
    CHECK_EQ(waitn(ep2, 0, NULL), 0, "outer not ready after draining");
    close(ep2);

    /* Auto-removal after the last reference closes. The pipe stays alive through p[0]. */
    epoll_ctl(ep, EPOLL_CTL_DEL, p[0], NULL);
    {
        char path[64];
        int a, d;
        snprintf(path, sizeof(path), "/proc/self/fd/%d", p[0]);
        a = open(path, O_RDONLY | O_NONBLOCK); /* a second open file description of the pipe */
        CHECK(a >= 0 && add(ep, a, EPOLLIN) == 0, "watch a second open file of the pipe");
        d = dup(a);
        close(a);
        write(p[1], "i", 1);
        r = waitn(ep, 1000, &ev);
        CHECK_EQ(r, 1, "registration survives close() while a dup holds the file");
        read(p[0], buf, sizeof(buf));
        close(d);
        write(p[1], "j", 1);
        CHECK_EQ(waitn(ep, 0, NULL), 0, "closing the last reference removes it (pipe readable, no event)");
        read(p[0], buf, sizeof(buf));
    }
    close(p[0]);
    close(p[1]);

    /* EPOLLRDHUP. */
    socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
    add(ep, sv[0], EPOLLIN | EPOLLRDHUP);
    CHECK_EQ(waitn(ep, 0, NULL), 0, "socket idle");
    shutdown(sv[1], SHUT_WR);
    r = waitn(ep, 1000, &ev);
    CHECK(r == 1 && (ev.events & EPOLLRDHUP) && (ev.events & EPOLLIN), "peer SHUT_WR: EPOLLIN|EPOLLRDHUP");
    close(sv[1]);
    r = waitn(ep, 1000, &ev);
    CHECK(r == 1 && (ev.events & EPOLLHUP), "peer close: EPOLLHUP (reported without asking)");
    close(sv[0]);

    /* epoll_pwait with a sigmask that unblocks a pending signal. */
    {
        sigset_t blk, old, empty;
        struct sigaction sa;
        memset(&sa, 0, sizeof(sa));
        sa.sa_handler = on_usr1;
        sigaction(SIGUSR1, &sa, NULL);
        sigemptyset(&blk);
        sigaddset(&blk, SIGUSR1);
        sigprocmask(SIG_BLOCK, &blk, &old);
        kill(getpid(), SIGUSR1);
        CHECK_EQ(got_usr1, 0, "SIGUSR1 pending while blocked");
        sigemptyset(&empty);
        pipe2(q, 0);
        add(ep, q[0], EPOLLIN);
        CHECK_ERR(epoll_pwait(ep, &ev, 1, 2000, &empty), EINTR, "epoll_pwait with unblocking mask -> EINTR");
        CHECK_EQ(got_usr1, 1, "handler ran during epoll_pwait");
        {
            sigset_t cur;
            sigprocmask(SIG_SETMASK, NULL, &cur);
            CHECK(sigismember(&cur, SIGUSR1), "original mask restored after epoll_pwait");
        }
        sigprocmask(SIG_SETMASK, &old, NULL);
    }

    /* epoll_pwait2 with a timespec timeout. */
    {
        struct timespec ts = {0, 50000000};
        long long t0 = now_ms();
        errno = 0;
        r = syscall(SYS_epoll_pwait2, ep, &ev, 1, &ts, NULL, 8);
        t0 = now_ms() - t0;
        if (r == -1 && errno == ENOSYS) {
            CHECK_SKIP("epoll_pwait2 timeout", "epoll_pwait2 not available");
        } else {
            CHECK_EQ(r, 0, "epoll_pwait2 50 ms timeout returns 0");
            CHECK(t0 >= 45 && t0 < 2000, "epoll_pwait2 waited about 50 ms");
            write(q[1], "k", 1);
            ts.tv_sec = 1;
            ts.tv_nsec = 0;
            r = syscall(SYS_epoll_pwait2, ep, &ev, 1, &ts, NULL, 8);
            CHECK(r == 1 && ev.data.fd == q[0], "epoll_pwait2 returns the ready fd");
            ts.tv_nsec = 1000000000;
            CHECK_ERR(syscall(SYS_epoll_pwait2, ep, &ev, 1, &ts, NULL, 8), EINVAL, "epoll_pwait2 tv_nsec 1e9 -> EINVAL");
        }
    }
    close(q[0]);
    close(q[1]);
    close(ep);
    CHECK_DONE();
}
