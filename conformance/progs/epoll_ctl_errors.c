/* epoll_ctl_errors: epoll_create/epoll_create1/epoll_ctl/epoll_wait errnos, EPOLLEXCLUSIVE rules, loops and nesting depth, nested readiness, close/dup registration lifetime. */
/* syscalls: epoll_create, epoll_create1, epoll_ctl, epoll_wait, poll, pipe2, openat, dup, write, read, close,
   unlink, clone3, futex, clock_nanosleep, clock_gettime */
/* area: poll */
#include "check.h"

#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <sys/epoll.h>
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

static int wait_raw(int ep, void *events, int max, int ms)
{
    return syscall(SYS_epoll_wait, ep, events, max, ms);
}

static long long now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1000LL + t.tv_nsec / 1000000;
}

static int th_wfd;
static void *late_write(void *arg)
{
    struct timespec ts = {0, 30000000};
    (void)arg;
    nanosleep(&ts, NULL);
    write(th_wfd, "w", 1);
    return NULL;
}

int main(void)
{
    struct epoll_event out[8];
    char path[128], buf[16];
    int ep, p[2], q[2], f, r;

    alarm(10);
    setvbuf(stdout, NULL, _IOLBF, 0);
    snprintf(path, sizeof(path), "/tmp/epoll_ctl_errors%s.%d", CONF_TAG, (int)getpid());

    /* Creation. */
    CHECK_ERR(epoll_create(0), EINVAL, "epoll_create(0) -> EINVAL");
    CHECK_ERR(epoll_create(-1), EINVAL, "epoll_create(-1) -> EINVAL");
    r = epoll_create(1000000);
    CHECK(r >= 0, "epoll_create size is only a hint (1000000 ok)");
    close(r);
    CHECK_ERR(epoll_create1(O_NONBLOCK), EINVAL, "epoll_create1(O_NONBLOCK) -> EINVAL");
    CHECK_ERR(epoll_create1(EPOLL_CLOEXEC | 1), EINVAL, "epoll_create1(EPOLL_CLOEXEC|1) -> EINVAL");

    ep = epoll_create1(0);
    CHECK(ep >= 0, "epoll_create1(0)");
    if (ep < 0 || pipe2(p, O_NONBLOCK) != 0)
        CHECK_DONE();

    /* ADD/MOD/DEL basics. */
    CHECK_OK(ctl(ep, EPOLL_CTL_ADD, p[0], EPOLLIN, 1), "ADD pipe read end");
    CHECK_ERR(ctl(ep, EPOLL_CTL_ADD, p[0], EPOLLOUT, 1), EEXIST, "ADD again -> EEXIST");
    CHECK_ERR(ctl(ep, EPOLL_CTL_MOD, p[1], EPOLLOUT, 2), ENOENT, "MOD of an unregistered fd -> ENOENT");
    CHECK_ERR(ctl(ep, EPOLL_CTL_DEL, p[1], 0, 0), ENOENT, "DEL of an unregistered fd -> ENOENT");
    CHECK_OK(epoll_ctl(ep, EPOLL_CTL_DEL, p[0], NULL), "DEL with a NULL event pointer");
    CHECK_ERR(ctl(ep, EPOLL_CTL_DEL, p[0], 0, 0), ENOENT, "DEL twice -> ENOENT");
    CHECK_ERR(epoll_ctl(ep, EPOLL_CTL_ADD, p[0], NULL), EFAULT, "ADD with a NULL event pointer -> EFAULT");
    CHECK_ERR(syscall(SYS_epoll_ctl, ep, EPOLL_CTL_ADD, p[0], (void *)8), EFAULT, "ADD with a bad event pointer -> EFAULT");
    CHECK_OK(ctl(ep, EPOLL_CTL_ADD, p[0], 0, 1), "ADD with an empty event mask is allowed");
    CHECK_ERR(syscall(SYS_epoll_ctl, ep, EPOLL_CTL_MOD, p[0], (void *)8), EFAULT, "MOD with a bad event pointer -> EFAULT");

    /* Bad ops and fds. */
    CHECK_ERR(ctl(ep, 0, p[0], EPOLLIN, 0), EINVAL, "op 0 -> EINVAL");
    CHECK_ERR(ctl(ep, 4, p[0], EPOLLIN, 0), EINVAL, "op 4 -> EINVAL");
    CHECK_ERR(ctl(ep, EPOLL_CTL_ADD, -1, EPOLLIN, 0), EBADF, "fd -1 -> EBADF");
    CHECK_ERR(ctl(ep, EPOLL_CTL_ADD, 9999, EPOLLIN, 0), EBADF, "closed fd 9999 -> EBADF");
    CHECK_ERR(ctl(-1, EPOLL_CTL_ADD, p[0], EPOLLIN, 0), EBADF, "epfd -1 -> EBADF");
    CHECK_ERR(ctl(ep, EPOLL_CTL_ADD, ep, EPOLLIN, 0), EINVAL, "fd == epfd -> EINVAL");
    CHECK_ERR(ctl(p[0], EPOLL_CTL_ADD, p[1], EPOLLOUT, 0), EINVAL, "epfd is a pipe -> EINVAL");
    f = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
    CHECK(f >= 0, "create a regular file");
    CHECK_ERR(ctl(f, EPOLL_CTL_ADD, p[0], EPOLLIN, 0), EINVAL, "epfd is a regular file -> EINVAL");
    CHECK_ERR(ctl(ep, EPOLL_CTL_ADD, f, EPOLLIN, 0), EPERM, "regular file target -> EPERM");
    close(f);
    unlink(path);
    f = open("/tmp", O_RDONLY | O_DIRECTORY);
    CHECK_ERR(ctl(ep, EPOLL_CTL_ADD, f, EPOLLIN, 0), EPERM, "directory target -> EPERM");
    close(f);
    f = open("/dev/null", O_RDONLY);
    CHECK_ERR(ctl(ep, EPOLL_CTL_ADD, f, EPOLLIN, 0), EPERM, "/dev/null (no poll method) -> EPERM");
    close(f);

    /* EPOLLEXCLUSIVE rules. */
    CHECK_OK(ctl(ep, EPOLL_CTL_ADD, p[1], EPOLLOUT | EPOLLEXCLUSIVE, 3), "ADD write end with EPOLLEXCLUSIVE");
    CHECK_ERR(ctl(ep, EPOLL_CTL_MOD, p[1], EPOLLOUT, 3), EINVAL, "MOD of an exclusive registration -> EINVAL");
    CHECK_ERR(ctl(ep, EPOLL_CTL_MOD, p[0], EPOLLIN | EPOLLEXCLUSIVE, 1), EINVAL, "MOD adding EPOLLEXCLUSIVE -> EINVAL");
    CHECK_OK(ctl(ep, EPOLL_CTL_DEL, p[1], 0, 0), "DEL of an exclusive registration works");
    CHECK_ERR(ctl(ep, EPOLL_CTL_ADD, p[1], EPOLLOUT | EPOLLRDHUP | EPOLLEXCLUSIVE, 0), EINVAL,
              "EPOLLEXCLUSIVE with EPOLLRDHUP -> EINVAL");
    CHECK_ERR(ctl(ep, EPOLL_CTL_ADD, p[1], EPOLLOUT | EPOLLPRI | EPOLLEXCLUSIVE, 0), EINVAL,
              "EPOLLEXCLUSIVE with EPOLLPRI -> EINVAL");
    {
        int other = epoll_create1(0);
        CHECK_ERR(ctl(ep, EPOLL_CTL_ADD, other, EPOLLIN | EPOLLEXCLUSIVE, 0), EINVAL,
                  "EPOLLEXCLUSIVE on an epoll fd target -> EINVAL");
        close(other);
    }

    /* epoll_wait errnos. */
    CHECK_ERR(epoll_wait(ep, out, 0, 0), EINVAL, "maxevents 0 -> EINVAL");
    CHECK_ERR(wait_raw(ep, out, -5, 0), EINVAL, "maxevents -5 -> EINVAL");
    CHECK_ERR(wait_raw(ep, out, 0x7fffffff, 0), EINVAL, "maxevents INT_MAX (over EP_MAX_EVENTS) -> EINVAL");
    CHECK_ERR(wait_raw(9999, out, 1, 0), EBADF, "epoll_wait on a closed fd -> EBADF");
    CHECK_ERR(wait_raw(p[1], out, 1, 0), EINVAL, "epoll_wait on a pipe -> EINVAL");
    CHECK_ERR(wait_raw(ep, (void *)0xffff800000000000UL, 1, 0), EFAULT, "events in kernel space -> EFAULT");
    ctl(ep, EPOLL_CTL_MOD, p[0], EPOLLIN, 1);
    write(p[1], "a", 1);
    CHECK_ERR(wait_raw(ep, NULL, 1, 0), EFAULT, "ready event copied to NULL -> EFAULT");
    CHECK(epoll_wait(ep, out, 8, 0) == 1 && out[0].data.u64 == 1, "level-triggered event still reported after EFAULT");
    read(p[0], buf, sizeof(buf));

    /* Loops and nesting depth. */
    {
        int e[6], a, b, c, ok = 1;
        for (int i = 0; i < 6; i++)
            e[i] = epoll_create1(0);
        for (int i = 0; i < 4; i++)
            ok &= ctl(e[i + 1], EPOLL_CTL_ADD, e[i], EPOLLIN, i) == 0;
        CHECK(ok, "chain of five nested epoll fds (e0 in e1 ... e3 in e4)");
        CHECK_ERR(ctl(e[5], EPOLL_CTL_ADD, e[4], EPOLLIN, 0), ELOOP, "a sixth level -> ELOOP (EP_MAX_NESTS)");
        CHECK_ERR(ctl(e[0], EPOLL_CTL_ADD, e[4], EPOLLIN, 0), ELOOP, "closing the chain into a cycle -> ELOOP");
        for (int i = 0; i < 6; i++)
            close(e[i]);
        a = epoll_create1(0);
        b = epoll_create1(0);
        c = epoll_create1(0);
        CHECK(ctl(b, EPOLL_CTL_ADD, a, EPOLLIN, 0) == 0 && ctl(c, EPOLL_CTL_ADD, b, EPOLLIN, 0) == 0, "a in b, b in c");
        CHECK_ERR(ctl(a, EPOLL_CTL_ADD, c, EPOLLIN, 0), ELOOP, "c in a would make a 3-cycle -> ELOOP");
        close(a);
        close(b);
        close(c);
    }

    /* Nested readiness propagation. */
    {
        int outer = epoll_create1(0);
        pthread_t th;
        long long t0;
        struct pollfd pf = {ep, POLLIN, 0};
        CHECK_OK(ctl(outer, EPOLL_CTL_ADD, ep, EPOLLIN, 77), "add ep to outer");
        CHECK_EQ(epoll_wait(outer, out, 8, 0), 0, "inner idle: outer not ready");
        CHECK(poll(&pf, 1, 0) == 0, "poll() on the idle inner epoll fd: not readable");
        th_wfd = p[1];
        t0 = now_ms();
        r = pthread_create(&th, NULL, late_write, NULL);
        CHECK_EQ(r, 0, "pthread_create");
        if (r == 0) {
            r = epoll_wait(outer, out, 8, 2000);
            t0 = now_ms() - t0;
            CHECK(r == 1 && out[0].data.u64 == 77 && (out[0].events & EPOLLIN), "blocked outer wait woken by the inner's fd");
            CHECK(t0 >= 20 && t0 < 2000, "outer woke after the write (>= 20 ms)");
            pthread_join(th, NULL);
        }
        CHECK(poll(&pf, 1, 0) == 1 && pf.revents == POLLIN, "poll() on the inner epoll fd: POLLIN");
        CHECK(epoll_wait(ep, out, 8, 0) == 1 && out[0].data.u64 == 1, "inner reports the pipe");
        read(p[0], buf, sizeof(buf));
        CHECK_EQ(epoll_wait(outer, out, 8, 0), 0, "drained: outer idle again");
        close(outer);
    }

    /* Registration lifetime: keyed by (file, fd number), removed when the file is closed. */
    {
        int d, d2;
        CHECK_OK(epoll_ctl(ep, EPOLL_CTL_DEL, p[0], NULL), "DEL pipe read end");
        ctl(ep, EPOLL_CTL_ADD, p[0], EPOLLIN, 10);
        d = dup(p[0]);
        CHECK_OK(ctl(ep, EPOLL_CTL_ADD, d, EPOLLIN, 11), "ADD a dup of the same file (different fd number)");
        write(p[1], "b", 1);
        r = epoll_wait(ep, out, 8, 0);
        CHECK(r == 2 && out[0].data.u64 + out[1].data.u64 == 21, "both registrations report (data 10 and 11)");
        d2 = dup(p[0]);
        close(p[0]);
        r = epoll_wait(ep, out, 8, 0);
        CHECK_EQ(r, 2, "closing one fd number while dups hold the file keeps both registrations");
        CHECK_ERR(epoll_ctl(ep, EPOLL_CTL_DEL, p[0], NULL), EBADF, "DEL via the closed fd number -> EBADF");
        CHECK_ERR(epoll_ctl(ep, EPOLL_CTL_DEL, d2, NULL), ENOENT, "DEL via an unregistered dup -> ENOENT");
        CHECK_OK(epoll_ctl(ep, EPOLL_CTL_DEL, d, NULL), "DEL via the registered dup");
        r = epoll_wait(ep, out, 8, 0);
        CHECK(r == 1 && out[0].data.u64 == 10, "the original registration remains (data 10)");
        close(d);
        close(d2);
        CHECK_EQ(epoll_wait(ep, out, 8, 0), 0, "closing the last reference removes the registration");
        CHECK(pipe2(q, O_NONBLOCK) == 0 && ctl(ep, EPOLL_CTL_ADD, q[0], EPOLLIN, 12) == 0,
              "a new pipe (may reuse the fd number) can be added");
        write(q[1], "c", 1);
        CHECK(epoll_wait(ep, out, 8, 0) == 1 && out[0].data.u64 == 12, "only the new registration is reported");
        close(q[0]);
        close(q[1]);
    }
    close(p[1]);
    close(ep);
    CHECK_DONE();
}
