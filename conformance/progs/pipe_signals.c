/* pipe_signals: SIGPIPE default/ignored/blocked/handled on broken pipes, EINTR vs SA_RESTART for blocked pipe read/write, poll HUP/ERR states. */
/* syscalls: pipe2, read, write, writev, close, poll, rt_sigaction, rt_sigprocmask, rt_sigpending,
   rt_sigtimedwait, rt_sigreturn, kill, getpid, getppid, clone, wait4, clock_nanosleep, alarm, exit_group */
/* area: pipes */
#include "check.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t hits;
static char big[100000];
static char rbuf[1 << 17];

static void on_sig(int s)
{
    (void)s;
    hits++;
}

static void set_handler(int sig, void (*fn)(int), int flags)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = fn;
    sa.sa_flags = flags;
    sigemptyset(&sa.sa_mask);
    sigaction(sig, &sa, NULL);
}

static int wait_status(pid_t pid)
{
    int st;
    if (pid < 0 || waitpid(pid, &st, 0) != pid)
        return -1;
    return st;
}

static int wait_code(pid_t pid)
{
    int st = wait_status(pid);
    if (st == -1)
        return -1;
    return WIFEXITED(st) ? WEXITSTATUS(st) : 200 + (WIFSIGNALED(st) ? WTERMSIG(st) : 0);
}

static void msleep(long ms)
{
    struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

static int revents(int fd, short ev)
{
    struct pollfd p = { fd, ev, 0 };
    int r = poll(&p, 1, 0);
    return r < 0 ? -1 : p.revents;
}

/* Child that sends SIGUSR1 to the parent every 50 ms until killed. */
static pid_t pester(void)
{
    fflush(stdout);
    pid_t c = fork();
    if (c == 0) {
        for (int i = 0; i < 100; i++) {
            msleep(50);
            kill(getppid(), SIGUSR1);
        }
        _exit(0);
    }
    return c;
}

static void stop(pid_t c)
{
    kill(c, SIGKILL);
    wait_code(c);
}

/* Broken pipe: read end closed. */
static int broken(int p[2])
{
    if (pipe2(p, 0) != 0)
        return -1;
    close(p[0]);
    return 0;
}

int main(void)
{
    int p[2], st;
    pid_t c;
    sigset_t set, old, pend;

    alarm(10);
    setvbuf(stdout, NULL, _IOLBF, 0);
    memset(big, 'b', sizeof big);

    /* Default disposition kills the writer. */
    fflush(stdout);
    c = fork();
    if (c == 0) {
        int q[2];
        signal(SIGPIPE, SIG_DFL);
        if (broken(q) != 0)
            _exit(1);
        write(q[1], "x", 1);
        _exit(2);
    }
    st = wait_status(c);
    CHECK(st != -1 && WIFSIGNALED(st) && WTERMSIG(st) == SIGPIPE, "default SIGPIPE kills the writer");
    CHECK(st != -1 && !WCOREDUMP(st), "SIGPIPE default action does not dump core");

    /* Ignored: EPIPE. */
    signal(SIGPIPE, SIG_IGN);
    CHECK_OK(broken(p), "make a broken pipe");
    CHECK_ERR(write(p[1], "x", 1), EPIPE, "SIGPIPE ignored: write -> EPIPE");
    {
        struct iovec iov = { big, 10 };
        CHECK_ERR(writev(p[1], &iov, 1), EPIPE, "SIGPIPE ignored: writev -> EPIPE");
    }
    CHECK_EQ(write(p[1], "x", 0), 0, "zero-length write to a broken pipe returns 0");
    CHECK_EQ(revents(p[1], POLLOUT), POLLOUT | POLLERR, "poll on writer with no reader: POLLOUT|POLLERR");
    CHECK_EQ(revents(p[1], 0), POLLERR, "POLLERR reported even when not requested");
    close(p[1]);

    /* Blocked: EPIPE and SIGPIPE left pending. */
    signal(SIGPIPE, SIG_DFL);
    sigemptyset(&set);
    sigaddset(&set, SIGPIPE);
    sigprocmask(SIG_BLOCK, &set, &old);
    CHECK_OK(broken(p), "make a broken pipe");
    CHECK_ERR(write(p[1], "x", 1), EPIPE, "SIGPIPE blocked: write -> EPIPE");
    CHECK(sigpending(&pend) == 0 && sigismember(&pend, SIGPIPE), "SIGPIPE pending");
    {
        siginfo_t si;
        struct timespec z = { 0, 0 };
        memset(&si, 0, sizeof si);
        CHECK_EQ(sigtimedwait(&set, &si, &z), SIGPIPE, "sigtimedwait takes the pending SIGPIPE");
        CHECK(si.si_code == SI_USER && si.si_pid == getpid(), "SIGPIPE siginfo: SI_USER from our own pid");
        CHECK(sigpending(&pend) == 0 && !sigismember(&pend, SIGPIPE), "no longer pending");
        write(p[1], "x", 1);
        write(p[1], "x", 1);
        CHECK_EQ(sigtimedwait(&set, &si, &z), SIGPIPE, "two more EPIPE writes: SIGPIPE pending once");
        CHECK_ERR(sigtimedwait(&set, &si, &z), EAGAIN, "standard signal did not queue twice");
    }
    sigprocmask(SIG_SETMASK, &old, NULL);
    close(p[1]);

    /* Handled: EPIPE after the handler. */
    set_handler(SIGPIPE, on_sig, 0);
    hits = 0;
    CHECK_OK(broken(p), "make a broken pipe");
    CHECK_ERR(write(p[1], big, 10), EPIPE, "SIGPIPE handled: write -> EPIPE");
    CHECK_EQ(hits, 1, "handler ran once");
    CHECK_ERR(write(p[1], big, 10), EPIPE, "second write -> EPIPE");
    CHECK_EQ(hits, 2, "handler ran again");
    close(p[1]);
    signal(SIGPIPE, SIG_IGN);

    /* Blocking read interrupted. */
    CHECK_OK(pipe2(p, 0), "pipe2");
    set_handler(SIGUSR1, on_sig, 0);
    hits = 0;
    c = pester();
    CHECK_ERR(read(p[0], rbuf, 10), EINTR, "blocking read on empty pipe, handler without SA_RESTART -> EINTR");
    stop(c);
    CHECK(hits >= 1, "SIGUSR1 handler ran");
    set_handler(SIGUSR1, on_sig, SA_RESTART);
    hits = 0;
    fflush(stdout);
    c = fork();
    if (c == 0) {
        for (int i = 0; i < 3; i++) {
            msleep(40);
            kill(getppid(), SIGUSR1);
        }
        msleep(40);
        _exit(write(p[1], "data", 4) == 4 ? 0 : 1);
    }
    CHECK_EQ(read(p[0], rbuf, 10), 4, "with SA_RESTART the read survives signals and returns the data");
    CHECK_EQ(wait_code(c), 0, "child wrote");
    CHECK_EQ(hits, 3, "handler ran for each of the 3 signals");

    /* Blocking write interrupted. */
    set_handler(SIGUSR1, on_sig, 0);
    c = pester();
    long n = write(p[1], big, sizeof big);
    stop(c);
    CHECK(n > 0 && n < (long)sizeof big, "100000-byte write into 64 KiB pipe, interrupted: partial count");
    CHECK_EQ(n, 65536, "partial count is the pipe capacity");
    c = pester();
    CHECK_ERR(write(p[1], "y", 1), EINTR, "write on a full pipe, nothing written, interrupted -> EINTR");
    stop(c);
    /* With SA_RESTART a write that wrote nothing restarts; the reader drains later. */
    set_handler(SIGUSR1, on_sig, SA_RESTART);
    hits = 0;
    fflush(stdout);
    c = fork();
    if (c == 0) {
        msleep(40);
        kill(getppid(), SIGUSR1);
        msleep(40);
        long t = 0, k;
        while (t < 65536 + 1 && (k = read(p[0], rbuf, sizeof rbuf)) > 0)
            t += k;
        _exit(t == 65536 + 1 ? 0 : 1);
    }
    CHECK_EQ(write(p[1], "z", 1), 1, "SA_RESTART: full-pipe write restarted and completed");
    CHECK_EQ(wait_code(c), 0, "child drained 65537 bytes");
    CHECK_EQ(hits, 1, "handler ran once");
    close(p[0]);
    close(p[1]);

    /* Poll states. */
    CHECK_OK(pipe2(p, 0), "pipe2");
    CHECK_EQ(revents(p[0], POLLIN | POLLOUT), 0, "empty pipe: read end has no events");
    CHECK_EQ(revents(p[1], POLLIN | POLLOUT), POLLOUT, "empty pipe: write end POLLOUT");
    write(p[1], "ab", 2);
    CHECK_EQ(revents(p[0], POLLIN), POLLIN, "data: read end POLLIN");
    close(p[1]);
    CHECK_EQ(revents(p[0], POLLIN), POLLIN | POLLHUP, "writer closed with data left: POLLIN|POLLHUP");
    read(p[0], rbuf, 2);
    CHECK_EQ(revents(p[0], POLLIN), POLLHUP, "drained: POLLHUP only");
    CHECK_EQ(revents(p[0], 0), POLLHUP, "POLLHUP reported even when not requested");
    close(p[0]);
    CHECK_OK(pipe2(p, O_NONBLOCK), "pipe2 O_NONBLOCK");
    while (write(p[1], big, sizeof big) > 0)
        ;
    CHECK_EQ(revents(p[1], POLLOUT), 0, "full pipe: write end has no POLLOUT");
    close(p[0]);
    CHECK_EQ(revents(p[1], POLLOUT), POLLERR, "full pipe with reader gone: POLLERR only");
    {
        struct pollfd pf = { p[1], POLLOUT, 0 };
        CHECK_EQ(poll(&pf, 1, 1000), 1, "blocking poll returns at once for POLLERR");
    }
    CHECK_ERR(write(p[1], "x", 1), EPIPE, "and write -> EPIPE (not EAGAIN) although full");
    close(p[1]);
    CHECK_DONE();
}
