/* epoll_oneshot: EPOLLONESHOT disarm/rearm (also across threads), EPOLLEXCLUSIVE wakeups, level vs edge with partial reads, EINTR from epoll_pwait/epoll_wait, epoll_pwait2 timeouts, u64 data, RDHUP/HUP. */
/* syscalls: epoll_create1, epoll_ctl, epoll_wait, epoll_pwait, epoll_pwait2, pipe2, socketpair, shutdown, eventfd2,
   read, write, close, rt_sigaction, rt_sigprocmask, kill, tgkill, getpid, clone3, futex, clock_nanosleep,
   clock_gettime */
/* area: poll */
#include "check.h"

#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static int ctl(int ep, int op, int fd, unsigned events, uint64_t data)
{
    struct epoll_event ev;
    memset(&ev, 0, sizeof(ev));
    ev.events = events;
    ev.data.u64 = data;
    return epoll_ctl(ep, op, fd, &ev);
}

static struct epoll_event last;
static int w(int ep, int ms)
{
    struct epoll_event out[8];
    int r = epoll_wait(ep, out, 8, ms);
    if (r > 0)
        last = out[0];
    return r;
}

static long long now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1000LL + t.tv_nsec / 1000000;
}

static void sleep_ms(long ms)
{
    struct timespec ts = {0, ms * 1000000L};
    while (nanosleep(&ts, &ts) == -1)
        ;
}

static void drain(int fd)
{
    char b[256];
    while (read(fd, b, sizeof(b)) > 0)
        ;
}

static volatile sig_atomic_t hits;
static void on_sig(int s)
{
    (void)s;
    hits++;
}

/* Threads waiting on epoll: count how many received the "work" event (data 1); data 2 means quit. */
static int shared_ep;
static int per_ep[3];
static int work_hits, quit_seen, started;
static void *waiter(void *arg)
{
    int ep = arg ? *(int *)arg : shared_ep;
    struct epoll_event ev;
    long long end = now_ms() + 3000;
    __atomic_add_fetch(&started, 1, __ATOMIC_SEQ_CST);
    while (now_ms() < end) {
        int r = epoll_wait(ep, &ev, 1, 200);
        if (r == 1 && ev.data.u64 == 1) {
            __atomic_add_fetch(&work_hits, 1, __ATOMIC_SEQ_CST);
            break;
        }
        if (r == 1 && ev.data.u64 == 2)
            break;
    }
    __atomic_add_fetch(&quit_seen, 1, __ATOMIC_SEQ_CST);
    return NULL;
}

static pthread_t main_th;
static int sig_to_send, stop_sending;
static void *late_signal(void *arg)
{
    (void)arg;
    sleep_ms(30);
    if (sig_to_send == SIGUSR1) {
        kill(getpid(), SIGUSR1); /* process-directed: only the main thread has it unblocked in epoll_pwait */
        return NULL;
    }
    /* Not blocked in the main thread: repeat until the wait has returned, in case it started late. */
    for (int i = 0; i < 100 && !__atomic_load_n(&stop_sending, __ATOMIC_SEQ_CST); i++) {
        pthread_kill(main_th, sig_to_send);
        sleep_ms(20);
    }
    return NULL;
}

int main(void)
{
    int ep, p[2], sv[2], r;
    char buf[16];
    long long t0;
    struct sigaction sa;
    sigset_t usr1, empty, cur;

    alarm(10);
    setvbuf(stdout, NULL, _IOLBF, 0);
    main_th = pthread_self();
    ep = epoll_create1(0);
    CHECK(ep >= 0, "epoll_create1");
    if (ep < 0 || pipe2(p, O_NONBLOCK) != 0)
        CHECK_DONE();

    /* EPOLLONESHOT: fires once, stays registered while disarmed, MOD re-arms. */
    CHECK_OK(ctl(ep, EPOLL_CTL_ADD, p[0], EPOLLIN | EPOLLONESHOT, 0xaaaa), "ADD EPOLLIN|EPOLLONESHOT");
    write(p[1], "1", 1);
    CHECK(w(ep, 1000) == 1 && last.data.u64 == 0xaaaa && last.events == EPOLLIN, "oneshot: first event EPOLLIN");
    write(p[1], "2", 1);
    CHECK_EQ(w(ep, 0), 0, "disarmed: no event with more data");
    t0 = now_ms();
    CHECK_EQ(w(ep, 30), 0, "disarmed: a 30 ms wait times out");
    CHECK(now_ms() - t0 >= 25, "the wait was not woken by the write");
    CHECK_ERR(ctl(ep, EPOLL_CTL_ADD, p[0], EPOLLIN, 0), EEXIST, "disarmed fd is still registered (ADD -> EEXIST)");
    CHECK_OK(ctl(ep, EPOLL_CTL_MOD, p[0], EPOLLIN | EPOLLONESHOT, 0xbbbb), "MOD re-arms with new data");
    CHECK(w(ep, 0) == 1 && last.data.u64 == 0xbbbb, "re-armed: pending data reported with the new data");
    CHECK_EQ(w(ep, 0), 0, "and disarmed again");
    CHECK_OK(ctl(ep, EPOLL_CTL_MOD, p[0], EPOLLIN, 0xcccc), "MOD to plain level-triggered");
    CHECK(w(ep, 0) == 1 && w(ep, 0) == 1 && last.data.u64 == 0xcccc, "level-triggered: reported on every wait");
    drain(p[0]);

    /* Oneshot + closed writer: a disarmed registration reports nothing, not even EPOLLHUP. */
    {
        int q[2];
        pipe2(q, O_NONBLOCK);
        ctl(ep, EPOLL_CTL_ADD, q[0], EPOLLIN | EPOLLONESHOT, 5);
        write(q[1], "x", 1);
        CHECK(w(ep, 0) == 1 && last.data.u64 == 5, "oneshot on a second pipe fires");
        close(q[1]);
        CHECK_EQ(w(ep, 0), 0, "disarmed: writer close (HUP) is not reported");
        ctl(ep, EPOLL_CTL_MOD, q[0], 0, 6);
        CHECK(w(ep, 0) == 1 && last.data.u64 == 6 && last.events == EPOLLHUP,
              "MOD with events 0 re-arms for EPOLLHUP only (always reported)");
        close(q[0]);
    }

    /* EPOLLONESHOT with two threads on one epoll: only one gets the event. */
    {
        int e = epoll_create1(0), quit = eventfd(0, EFD_NONBLOCK);
        pthread_t t[2];
        int q[2], ok = 1;
        pipe2(q, O_NONBLOCK);
        ctl(e, EPOLL_CTL_ADD, q[0], EPOLLIN | EPOLLONESHOT, 1);
        ctl(e, EPOLL_CTL_ADD, quit, EPOLLIN, 2);
        shared_ep = e;
        work_hits = quit_seen = started = 0;
        for (int i = 0; i < 2; i++)
            ok &= pthread_create(&t[i], NULL, waiter, NULL) == 0;
        CHECK(ok, "two waiter threads on one epoll");
        while (__atomic_load_n(&started, __ATOMIC_SEQ_CST) < 2)
            sleep_ms(1);
        sleep_ms(20);
        write(q[1], "x", 1);
        t0 = now_ms();
        while (__atomic_load_n(&work_hits, __ATOMIC_SEQ_CST) < 1 && now_ms() - t0 < 2000)
            sleep_ms(1);
        sleep_ms(30);
        CHECK_EQ(__atomic_load_n(&work_hits, __ATOMIC_SEQ_CST), 1, "EPOLLONESHOT: exactly one thread got the event");
        eventfd_write(quit, 1);
        for (int i = 0; i < 2; i++)
            pthread_join(t[i], NULL);
        close(q[0]);
        close(q[1]);
        close(quit);
        close(e);
    }

    /* EPOLLEXCLUSIVE: three epoll fds, each with an exclusive waiter on the same pipe. */
    {
        int q[2], quit = eventfd(0, EFD_NONBLOCK), ok = 1, h;
        pthread_t t[3];
        pipe2(q, O_NONBLOCK);
        for (int i = 0; i < 3; i++) {
            per_ep[i] = epoll_create1(0);
            ok &= ctl(per_ep[i], EPOLL_CTL_ADD, q[0], EPOLLIN | EPOLLEXCLUSIVE, 1) == 0;
            ok &= ctl(per_ep[i], EPOLL_CTL_ADD, quit, EPOLLIN, 2) == 0;
        }
        CHECK(ok, "three epolls register the pipe with EPOLLEXCLUSIVE");
        work_hits = quit_seen = started = 0;
        for (int i = 0; i < 3; i++)
            ok &= pthread_create(&t[i], NULL, waiter, &per_ep[i]) == 0;
        while (__atomic_load_n(&started, __ATOMIC_SEQ_CST) < 3)
            sleep_ms(1);
        sleep_ms(20);
        write(q[1], "x", 1);
        t0 = now_ms();
        while (__atomic_load_n(&work_hits, __ATOMIC_SEQ_CST) < 1 && now_ms() - t0 < 2000)
            sleep_ms(1);
        h = __atomic_load_n(&work_hits, __ATOMIC_SEQ_CST);
        CHECK(h >= 1 && h <= 3, "EPOLLEXCLUSIVE: at least one waiter woken by the write");
        eventfd_write(quit, 1);
        for (int i = 0; i < 3; i++)
            pthread_join(t[i], NULL);
        CHECK_EQ(quit_seen, 3, "all waiters finished");
        for (int i = 0; i < 3; i++)
            close(per_ep[i]);
        close(q[0]);
        close(q[1]);
        close(quit);
    }

    /* Level vs edge with partial reads. */
    write(p[1], "0123456789", 10);
    CHECK_EQ(w(ep, 0), 1, "level: 10 bytes ready");
    CHECK_EQ(read(p[0], buf, 3), 3, "partial read of 3");
    CHECK_EQ(w(ep, 0), 1, "level: still ready with 7 left");
    CHECK_OK(ctl(ep, EPOLL_CTL_MOD, p[0], EPOLLIN | EPOLLET, 7), "MOD to edge-triggered");
    CHECK(w(ep, 0) == 1 && last.data.u64 == 7, "edge: MOD reports the data already there once");
    CHECK_EQ(read(p[0], buf, 3), 3, "partial read of 3 more");
    CHECK_EQ(w(ep, 0), 0, "edge: no event for the 4 bytes left");
    write(p[1], "ab", 2);
    CHECK_EQ(w(ep, 0), 1, "edge: a new write is a new edge");
    CHECK_EQ(read(p[0], buf, sizeof(buf)), 6, "read the remaining 6");
    CHECK_ERR(read(p[0], buf, sizeof(buf)), EAGAIN, "drained to EAGAIN");
    CHECK_EQ(w(ep, 0), 0, "edge: nothing after draining");

    /* u64 data round trips. */
    CHECK_OK(ctl(ep, EPOLL_CTL_MOD, p[0], EPOLLIN, UINT64_MAX), "MOD data.u64 = all ones");
    write(p[1], "z", 1);
    CHECK(w(ep, 0) == 1 && last.data.u64 == UINT64_MAX, "data.u64 0xffffffffffffffff returned intact");
    ctl(ep, EPOLL_CTL_MOD, p[0], EPOLLIN, 0x8000000000000001ULL);
    CHECK(w(ep, 0) == 1 && last.data.u64 == 0x8000000000000001ULL, "data.u64 0x8000000000000001 returned intact");
    ctl(ep, EPOLL_CTL_MOD, p[0], EPOLLIN, 0);
    CHECK(w(ep, 0) == 1 && last.data.u64 == 0, "data.u64 0 returned intact");

    /* Timeouts. */
    t0 = now_ms();
    drain(p[0]);
    CHECK_EQ(w(ep, 0), 0, "timeout 0: returns 0 at once");
    CHECK(now_ms() - t0 < 1000, "timeout 0 did not block");
    t0 = now_ms();
    r = w(ep, 20);
    t0 = now_ms() - t0;
    CHECK(r == 0 && t0 >= 18 && t0 < 2000, "timeout 20 ms: 0 after 20 ms");
    write(p[1], "t", 1);
    CHECK_EQ(w(ep, -7), 1, "negative timeout (infinite) returns when ready");
    drain(p[0]);

    /* epoll_pwait: signal arriving during the wait, unblocked only by the sigmask. */
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_sig;
    sigaction(SIGUSR1, &sa, NULL);
    sa.sa_flags = SA_RESTART;
    sigaction(SIGUSR2, &sa, NULL);
    sigemptyset(&usr1);
    sigaddset(&usr1, SIGUSR1);
    sigemptyset(&empty);
    sigprocmask(SIG_BLOCK, &usr1, NULL);
    {
        pthread_t th;
        struct epoll_event ev;
        sig_to_send = SIGUSR1;
        hits = 0;
        t0 = now_ms();
        r = pthread_create(&th, NULL, late_signal, NULL);
        CHECK_ERR(epoll_pwait(ep, &ev, 1, 3000, &empty), EINTR, "epoll_pwait interrupted by a signal during the wait -> EINTR");
        t0 = now_ms() - t0;
        if (r == 0)
            pthread_join(th, NULL);
        CHECK(hits == 1 && t0 >= 20 && t0 < 2500, "handler ran once, after the wait started");
        sigprocmask(SIG_SETMASK, NULL, &cur);
        CHECK(sigismember(&cur, SIGUSR1), "SIGUSR1 blocked again after epoll_pwait");

        /* epoll_wait is never restarted, even with SA_RESTART. */
        sig_to_send = SIGUSR2;
        r = pthread_create(&th, NULL, late_signal, NULL);
        CHECK_ERR(epoll_wait(ep, &ev, 1, 3000), EINTR, "epoll_wait with an SA_RESTART handler still -> EINTR");
        __atomic_store_n(&stop_sending, 1, __ATOMIC_SEQ_CST);
        if (r == 0)
            pthread_join(th, NULL);
        CHECK(hits >= 2, "SIGUSR2 handler ran");
        hits = 2;
        CHECK_ERR(syscall(SYS_epoll_pwait, ep, &ev, 1, 0, &empty, 4), EINVAL, "epoll_pwait sigsetsize 4 -> EINVAL");
    }

    /* epoll_pwait2. */
    {
        struct epoll_event ev;
        struct timespec ts = {0, 30000000};
        t0 = now_ms();
        errno = 0;
        r = syscall(SYS_epoll_pwait2, ep, &ev, 1, &ts, NULL, 8);
        t0 = now_ms() - t0;
        if (r == -1 && errno == ENOSYS) {
            CHECK_SKIP("epoll_pwait2", "not available");
        } else {
            CHECK(r == 0 && t0 >= 25 && t0 < 2000, "epoll_pwait2 30 ms timespec timeout");
            ts.tv_sec = 0;
            ts.tv_nsec = 0;
            t0 = now_ms();
            r = syscall(SYS_epoll_pwait2, ep, &ev, 1, &ts, NULL, 8);
            CHECK(r == 0 && now_ms() - t0 < 1000, "epoll_pwait2 zero timespec: immediate 0");
            write(p[1], "q", 1);
            r = syscall(SYS_epoll_pwait2, ep, &ev, 1, NULL, NULL, 8);
            CHECK(r == 1 && ev.data.u64 == 0, "epoll_pwait2 NULL timeout returns the ready fd");
            drain(p[0]);
            ts.tv_sec = -1;
            CHECK_ERR(syscall(SYS_epoll_pwait2, ep, &ev, 1, &ts, NULL, 8), EINVAL, "epoll_pwait2 negative tv_sec -> EINVAL");
            ts.tv_sec = 0;
            ts.tv_nsec = 2000000000L;
            CHECK_ERR(syscall(SYS_epoll_pwait2, ep, &ev, 1, &ts, NULL, 8), EINVAL, "epoll_pwait2 tv_nsec 2e9 -> EINVAL");
            ts.tv_nsec = 0;
            CHECK_ERR(syscall(SYS_epoll_pwait2, ep, &ev, 1, &ts, &empty, 16), EINVAL, "epoll_pwait2 sigsetsize 16 -> EINVAL");
            kill(getpid(), SIGUSR1);
            ts.tv_sec = 2;
            CHECK_ERR(syscall(SYS_epoll_pwait2, ep, &ev, 1, &ts, &empty, 8), EINTR,
                      "epoll_pwait2 with an unblocking mask and a pending signal -> EINTR");
            CHECK_EQ(hits, 3, "handler ran inside epoll_pwait2");
        }
    }
    sigprocmask(SIG_UNBLOCK, &usr1, NULL);
    ctl(ep, EPOLL_CTL_DEL, p[0], 0, 0);

    /* EPOLLRDHUP and EPOLLHUP on a socketpair. */
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv) == 0) {
        int e2 = epoll_create1(0);
        ctl(ep, EPOLL_CTL_ADD, sv[0], EPOLLIN | EPOLLRDHUP, 20);
        ctl(e2, EPOLL_CTL_ADD, sv[0], EPOLLIN, 21); /* same socket, without EPOLLRDHUP */
        CHECK_EQ(w(ep, 0), 0, "idle socket: no events");
        shutdown(sv[1], SHUT_WR);
        CHECK(w(ep, 1000) == 1 && last.events == (EPOLLIN | EPOLLRDHUP), "peer SHUT_WR: exactly EPOLLIN|EPOLLRDHUP");
        CHECK(w(e2, 0) == 1 && last.events == EPOLLIN, "not requested: EPOLLIN only, no EPOLLRDHUP");
        ctl(ep, EPOLL_CTL_MOD, sv[0], EPOLLIN | EPOLLRDHUP | EPOLLET, 22);
        CHECK(w(ep, 0) == 1 && w(ep, 0) == 0, "edge-triggered RDHUP reported once");
        shutdown(sv[0], SHUT_WR);
        CHECK(w(ep, 0) == 1 && (last.events & EPOLLHUP) && (last.events & EPOLLRDHUP),
              "both directions shut: EPOLLHUP added (new edge)");
        close(sv[0]);
        close(sv[1]);
        close(e2);
    } else
        CHECK(0, "socketpair");
    {
        int s2[2];
        socketpair(AF_UNIX, SOCK_STREAM, 0, s2);
        ctl(ep, EPOLL_CTL_ADD, s2[0], EPOLLRDHUP, 23);
        shutdown(s2[0], SHUT_RD);
        CHECK(w(ep, 0) == 1 && last.data.u64 == 23 && (last.events & EPOLLRDHUP) && !(last.events & EPOLLHUP),
              "own SHUT_RD: EPOLLRDHUP without EPOLLHUP");
        close(s2[0]);
        close(s2[1]);
    }

    /* EPOLLHUP on a pipe whose writer closes, even with an empty event mask. */
    {
        int q[2];
        pipe2(q, 0);
        ctl(ep, EPOLL_CTL_ADD, q[0], 0, 30);
        write(q[1], "x", 1);
        CHECK_EQ(w(ep, 0), 0, "events 0: data is not reported");
        close(q[1]);
        CHECK(w(ep, 0) == 1 && last.data.u64 == 30 && last.events == EPOLLHUP, "writer closed: EPOLLHUP only (mask 0)");
        ctl(ep, EPOLL_CTL_MOD, q[0], EPOLLIN, 31);
        CHECK(w(ep, 0) == 1 && last.events == (EPOLLIN | EPOLLHUP), "EPOLLIN|EPOLLHUP while data remains");
        read(q[0], buf, 1);
        CHECK(w(ep, 0) == 1 && last.events == EPOLLHUP, "drained: EPOLLHUP alone");
        close(q[0]);
    }
    close(p[0]);
    close(p[1]);
    close(ep);
    CHECK_DONE();
}
