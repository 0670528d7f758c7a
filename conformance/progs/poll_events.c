/* poll_events: poll/ppoll/select/pselect6 revents (NVAL/HUP/RDHUP/PRI/RDNORM), full pipes, listening sockets, nfds limits, EFAULT, wakeups by a child, EINTR, timeouts written back. */
/* syscalls: poll, ppoll, select, pselect6, pipe2, socketpair, socket, bind, listen, connect, accept4, sendto,
   shutdown, getsockname, write, read, close, dup, rt_sigaction, rt_sigprocmask, kill, getpid, getppid,
   prlimit64, clone, wait4, clock_nanosleep, clock_gettime, exit_group */
/* area: poll */
#include "check.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <sys/resource.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

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

static int wait_code(pid_t pid)
{
    int st;
    if (pid < 0 || waitpid(pid, &st, 0) != pid)
        return -1;
    return WIFEXITED(st) ? WEXITSTATUS(st) : 200 + (WIFSIGNALED(st) ? WTERMSIG(st) : 0);
}

/* revents of one fd after poll(…, 0); -1 on error. */
static int rev(int fd, short events)
{
    struct pollfd pf = {fd, events, 0};
    int r = poll(&pf, 1, 0);
    return r < 0 ? -1 : pf.revents;
}

/* Forks a child that after ms writes one byte to wfd (sig == 0) or sends sig to the parent. */
static pid_t later(int ms, int wfd, int sig)
{
    pid_t pid;
    fflush(stdout);
    pid = fork();
    if (pid == 0) {
        sleep_ms(ms);
        if (sig)
            kill(getppid(), sig);
        else
            write(wfd, "c", 1);
        _exit(0);
    }
    return pid;
}

static volatile sig_atomic_t hits;
static void on_sig(int s)
{
    (void)s;
    hits++;
}

int main(void)
{
    int p[2], q[2], sv[2], r, closed;
    struct pollfd pf[4];
    char buf[4096];
    long long t0;
    pid_t pid;

    alarm(10);
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (pipe2(p, O_NONBLOCK) != 0) {
        CHECK(0, "pipe2");
        CHECK_DONE();
    }

    /* POLLNVAL and negative fds. */
    closed = dup(p[0]);
    close(closed);
    pf[0] = (struct pollfd){closed, 0, 0};
    CHECK(poll(pf, 1, 0) == 1 && pf[0].revents == POLLNVAL, "closed fd with events 0: POLLNVAL anyway");
    pf[0] = (struct pollfd){-5, POLLIN | POLLOUT, (short)0xffff};
    pf[1] = (struct pollfd){p[1], POLLOUT, 0};
    CHECK_EQ(poll(pf, 2, 0), 1, "negative fd not counted");
    CHECK_EQ(pf[0].revents, 0, "negative fd: garbage revents cleared to 0");
    pf[0] = (struct pollfd){p[1], POLLOUT, 0};
    pf[1] = (struct pollfd){p[1], POLLOUT | POLLIN, 0};
    CHECK(poll(pf, 2, 0) == 2 && pf[0].revents == POLLOUT && pf[1].revents == POLLOUT,
          "the same fd twice: counted twice, each entry filled");

    /* Pipe bits. */
    write(p[1], "x", 1);
    CHECK_EQ(rev(p[0], POLLIN | POLLPRI), POLLIN, "pipe with data: POLLIN, never POLLPRI");
    CHECK_EQ(rev(p[0], POLLRDNORM), POLLRDNORM, "only POLLRDNORM requested: only POLLRDNORM returned");
    CHECK_EQ(rev(p[1], POLLWRNORM | POLLOUT), POLLWRNORM | POLLOUT, "write end: POLLOUT|POLLWRNORM");
    CHECK_EQ(rev(p[0], POLLOUT), 0, "read end never POLLOUT");
    read(p[0], buf, sizeof(buf));
    {
        long total = 0;
        while ((r = write(p[1], buf, sizeof(buf))) > 0)
            total += r;
        CHECK(total >= 4096 && r == -1 && errno == EAGAIN, "fill the pipe until EAGAIN");
        CHECK_EQ(rev(p[1], POLLOUT), 0, "full pipe: no POLLOUT");
        CHECK_EQ(read(p[0], buf, sizeof(buf)), 4096, "read one page");
        CHECK_EQ(rev(p[1], POLLOUT), POLLOUT, "after freeing a page: POLLOUT again");
        while (read(p[0], buf, sizeof(buf)) > 0)
            ;
    }
    pipe2(q, 0);
    write(q[1], "ab", 2);
    close(q[1]);
    CHECK_EQ(rev(q[0], POLLIN), POLLIN | POLLHUP, "writer gone, data left: POLLIN|POLLHUP");
    CHECK_EQ(rev(q[0], 0), POLLHUP, "events 0: POLLHUP still reported");
    read(q[0], buf, sizeof(buf));
    CHECK_EQ(rev(q[0], POLLIN), POLLHUP, "drained: POLLHUP alone");
    close(q[0]);

    /* POLLRDHUP / POLLHUP on a stream socketpair. */
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0) {
        CHECK_EQ(rev(sv[0], POLLIN | POLLOUT | POLLRDHUP), POLLOUT, "idle socket: POLLOUT only");
        shutdown(sv[1], SHUT_WR);
        CHECK_EQ(rev(sv[0], POLLIN | POLLRDHUP), POLLIN | POLLRDHUP, "peer SHUT_WR: POLLIN|POLLRDHUP");
        CHECK_EQ(rev(sv[0], POLLIN), POLLIN, "POLLRDHUP not requested: POLLIN only");
        close(sv[1]);
        CHECK_EQ(rev(sv[0], POLLIN | POLLRDHUP), POLLIN | POLLRDHUP | POLLHUP, "peer closed: POLLHUP added");
        close(sv[0]);
    } else
        CHECK(0, "socketpair");

    /* Listening unix socket: POLLIN when a connection is pending. */
    {
        struct sockaddr_un sa = {.sun_family = AF_UNIX};
        int ls = socket(AF_UNIX, SOCK_STREAM, 0), c = socket(AF_UNIX, SOCK_STREAM, 0);
        snprintf(sa.sun_path + 1, sizeof(sa.sun_path) - 1, "poll_events%s.%d", CONF_TAG, (int)getpid());
        socklen_t len = offsetof(struct sockaddr_un, sun_path) + 1 + strlen(sa.sun_path + 1);
        CHECK(bind(ls, (struct sockaddr *)&sa, len) == 0 && listen(ls, 4) == 0, "listening abstract unix socket");
        CHECK_EQ(rev(ls, POLLIN | POLLOUT), 0, "no pending connection: nothing");
        CHECK_OK(connect(c, (struct sockaddr *)&sa, len), "connect");
        CHECK_EQ(rev(ls, POLLIN), POLLIN, "pending connection: POLLIN on the listener");
        close(c);
        close(ls);
    }

    /* POLLPRI with TCP urgent data over loopback. */
    {
        struct sockaddr_in a = {.sin_family = AF_INET};
        socklen_t al = sizeof(a);
        int ls = socket(AF_INET, SOCK_STREAM, 0), c = socket(AF_INET, SOCK_STREAM, 0), s = -1;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (bind(ls, (struct sockaddr *)&a, sizeof(a)) == 0 && listen(ls, 1) == 0 &&
            getsockname(ls, (struct sockaddr *)&a, &al) == 0 && connect(c, (struct sockaddr *)&a, sizeof(a)) == 0)
            s = accept4(ls, NULL, NULL, 0);
        CHECK(s >= 0, "TCP loopback connection");
        if (s >= 0) {
            struct pollfd x = {s, POLLPRI, 0};
            CHECK_EQ(rev(s, POLLPRI), 0, "no urgent data: no POLLPRI");
            send(c, "u", 1, MSG_OOB);
            CHECK(poll(&x, 1, 1000) == 1 && x.revents == POLLPRI, "MSG_OOB byte: POLLPRI");
            close(s);
        }
        close(c);
        close(ls);
    }

    /* Blocking waits woken by a child. */
    pf[0] = (struct pollfd){p[0], POLLIN, 0};
    t0 = now_ms();
    pid = later(30, p[1], 0);
    r = poll(pf, 1, -1);
    t0 = now_ms() - t0;
    CHECK(r == 1 && pf[0].revents == POLLIN && t0 >= 20, "poll timeout -1 woken by a child's write");
    CHECK_EQ(wait_code(pid), 0, "child exited");
    read(p[0], buf, sizeof(buf));
    pid = later(30, p[1], 0);
    r = ppoll(pf, 1, NULL, NULL);
    CHECK(r == 1 && pf[0].revents == POLLIN, "ppoll NULL timeout woken by a child's write");
    wait_code(pid);
    read(p[0], buf, sizeof(buf));
    {
        struct timespec z = {0, 0};
        t0 = now_ms();
        CHECK(ppoll(pf, 1, &z, NULL) == 0 && now_ms() - t0 < 1000, "ppoll zero timespec: immediate 0");
    }

    /* Kernel writes the remaining time back (raw syscalls; glibc hides it for ppoll/pselect). */
    {
        struct timespec ts = {2, 0};
        struct timeval tv = {2, 0};
        fd_set rs;
        pid = later(30, p[1], 0);
        r = syscall(SYS_ppoll, pf, 1, &ts, NULL, 8);
        wait_code(pid);
        CHECK(r == 1 && (ts.tv_sec || ts.tv_nsec) && ts.tv_sec < 2, "raw ppoll: timespec updated to the time left (< 2 s)");
        read(p[0], buf, sizeof(buf));
        pid = later(30, p[1], 0);
        FD_ZERO(&rs);
        FD_SET(p[0], &rs);
        r = syscall(SYS_select, p[0] + 1, &rs, NULL, NULL, &tv);
        wait_code(pid);
        CHECK(r == 1 && FD_ISSET(p[0], &rs) && (tv.tv_sec || tv.tv_usec) && tv.tv_sec < 2,
              "raw select: timeval updated to the time left (< 2 s)");
        read(p[0], buf, sizeof(buf));
        ts = (struct timespec){2, 0};
        pid = later(30, p[1], 0);
        FD_ZERO(&rs);
        FD_SET(p[0], &rs);
        r = syscall(SYS_pselect6, p[0] + 1, &rs, NULL, NULL, &ts, NULL);
        wait_code(pid);
        CHECK(r == 1 && (ts.tv_sec || ts.tv_nsec) && ts.tv_sec < 2, "raw pselect6: timespec updated to the time left");
        read(p[0], buf, sizeof(buf));
    }

    /* Signals: pselect6 mask, poll with SA_RESTART. */
    {
        struct sigaction sa;
        sigset_t blk, empty, cur;
        fd_set rs;
        struct timespec ts = {3, 0};
        memset(&sa, 0, sizeof(sa));
        sa.sa_handler = on_sig;
        sigaction(SIGUSR1, &sa, NULL);
        sa.sa_flags = SA_RESTART;
        sigaction(SIGUSR2, &sa, NULL);
        sigemptyset(&blk);
        sigaddset(&blk, SIGUSR1);
        sigemptyset(&empty);
        sigprocmask(SIG_BLOCK, &blk, NULL);
        FD_ZERO(&rs);
        FD_SET(p[0], &rs);
        t0 = now_ms();
        pid = later(30, -1, SIGUSR1);
        CHECK_ERR(pselect(p[0] + 1, &rs, NULL, NULL, &ts, &empty), EINTR,
                  "pselect6 with unblocking mask, signal sent during the wait -> EINTR");
        t0 = now_ms() - t0;
        wait_code(pid);
        CHECK(hits == 1 && t0 >= 20, "handler ran after the wait began");
        sigprocmask(SIG_SETMASK, NULL, &cur);
        CHECK(sigismember(&cur, SIGUSR1), "mask restored after pselect6");
        sigprocmask(SIG_UNBLOCK, &blk, NULL);
        pf[0] = (struct pollfd){p[0], POLLIN, 0};
        /* SIGUSR2 is not blocked, so the child repeats it until poll has returned. */
        fflush(stdout);
        pid = fork();
        if (pid == 0) {
            for (int i = 0; i < 100; i++) {
                sleep_ms(20);
                kill(getppid(), SIGUSR2);
            }
            _exit(0);
        }
        CHECK_ERR(poll(pf, 1, 3000), EINTR, "poll with an SA_RESTART handler -> EINTR (never restarted)");
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
        CHECK(hits >= 2, "SIGUSR2 handler ran");
    }

    /* select specifics. */
    {
        fd_set rs, ws, es;
        struct timeval tv = {0, 0};
        write(p[1], "s", 1);
        FD_ZERO(&rs);
        FD_SET(p[0], &rs);
        CHECK(select(p[0], &rs, NULL, NULL, &tv) == 0 && !FD_ISSET(p[0], &rs),
              "nfds == fd: the fd is beyond nfds, ignored, set cleared");
        FD_ZERO(&rs);
        FD_ZERO(&es);
        FD_SET(p[0], &rs);
        FD_SET(p[0], &es);
        tv = (struct timeval){0, 0};
        CHECK(select(FD_SETSIZE, &rs, NULL, &es, &tv) == 1 && FD_ISSET(p[0], &rs) && !FD_ISSET(p[0], &es),
              "nfds FD_SETSIZE: readable, no exceptional condition on a pipe");
        FD_ZERO(&ws);
        FD_SET(closed, &ws);
        CHECK_ERR(select(closed + 1, NULL, &ws, NULL, &tv), EBADF, "closed fd in writefds -> EBADF");
        FD_ZERO(&es);
        FD_SET(closed, &es);
        CHECK_ERR(select(closed + 1, NULL, NULL, &es, &tv), EBADF, "closed fd in exceptfds -> EBADF");
        CHECK_ERR(syscall(SYS_select, p[0] + 1, (void *)8, NULL, NULL, &tv), EFAULT, "bad readfds pointer -> EFAULT");
        CHECK_ERR(syscall(SYS_select, 1, NULL, NULL, NULL, (void *)8), EFAULT, "bad timeval pointer -> EFAULT");
        read(p[0], buf, sizeof(buf));
    }

    /* EFAULT for poll/ppoll. */
    CHECK_ERR(syscall(SYS_poll, (void *)8, 2, 0), EFAULT, "poll fds pointer bad -> EFAULT");
    pf[0] = (struct pollfd){p[1], POLLOUT, 0};
    CHECK_ERR(syscall(SYS_ppoll, pf, 1, (void *)8, NULL, 8), EFAULT, "ppoll bad timespec pointer -> EFAULT");
    CHECK_ERR(syscall(SYS_ppoll, pf, 1, NULL, (void *)8, 8), EFAULT, "ppoll bad sigmask pointer -> EFAULT");
    {
        sigset_t e;
        sigemptyset(&e);
        CHECK_ERR(syscall(SYS_ppoll, pf, 1, NULL, &e, 4), EINVAL, "ppoll sigsetsize 4 -> EINVAL");
    }

    /* nfds above RLIMIT_NOFILE, in a child so the parent's limit is untouched. */
    pid = fork();
    if (pid == 0) {
        struct rlimit rl = {16, 16};
        struct pollfd many[17];
        for (int i = 0; i < 17; i++)
            many[i] = (struct pollfd){-1, POLLIN, 0};
        if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
            _exit(1);
        if (poll(many, 16, 0) != 0)
            _exit(2);
        errno = 0;
        if (poll(many, 17, 0) != -1 || errno != EINVAL)
            _exit(3);
        _exit(0);
    }
    CHECK_EQ(wait_code(pid), 0, "RLIMIT_NOFILE 16: nfds 16 ok, nfds 17 -> EINVAL");
    close(p[0]);
    close(p[1]);
    CHECK_DONE();
}
