/* sa_restart: EINTR vs SA_RESTART for pipe read, wait4, nanosleep, poll, SO_RCVTIMEO, partial transfers. */
/* syscalls: rt_sigaction, read, write, recvfrom, wait4, nanosleep, poll, setsockopt, socketpair, pipe2, fcntl, timer_create, timer_settime, timer_delete, fork, kill, exit_group */
/* area: signals */
#include "check.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t count;
static timer_t tid;
static int have_timer;

static void h(int sig)
{
    (void)sig;
    count++;
}

static void set_h(int flags)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = h;
    sa.sa_flags = flags;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGUSR1, &sa, NULL);
    count = 0;
}

/* Arms the one-shot SIGUSR1 timer to fire after ms milliseconds. */
static int arm(int ms)
{
    struct itimerspec its;
    memset(&its, 0, sizeof(its));
    its.it_value.tv_sec = ms / 1000;
    its.it_value.tv_nsec = (ms % 1000) * 1000000L;
    return have_timer ? timer_settime(tid, 0, &its, NULL) : -1;
}

static void disarm(void)
{
    struct itimerspec its;
    memset(&its, 0, sizeof(its));
    if (have_timer)
        timer_settime(tid, 0, &its, NULL);
}

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

/* Child that exits after ms milliseconds with code 7. */
static pid_t late_child(int ms, int wfd, const char *data)
{
    fflush(stdout);
    pid_t p = fork();
    if (p == 0) {
        usleep(ms * 1000);
        if (wfd >= 0)
            write(wfd, data, strlen(data));
        _exit(7);
    }
    return p;
}

int main(void)
{
    int p[2], sv[2], status;
    char buf[256];
    ssize_t n;
    pid_t pid;

    alarm(10);
    setvbuf(stdout, NULL, _IOLBF, 0);

    struct sigevent sev;
    memset(&sev, 0, sizeof(sev));
    sev.sigev_notify = SIGEV_SIGNAL;
    sev.sigev_signo = SIGUSR1;
    have_timer = timer_create(CLOCK_MONOTONIC, &sev, &tid) == 0;
    CHECK(have_timer, "timer_create for the interrupting SIGUSR1");
    if (!have_timer)
        CHECK_DONE();

    /* Pipe read without SA_RESTART: EINTR. */
    CHECK_OK(pipe2(p, 0), "pipe2");
    set_h(0);
    arm(20);
    errno = 0;
    n = read(p[0], buf, sizeof(buf));
    CHECK(n == -1 && errno == EINTR, "read on empty pipe, handler without SA_RESTART -> EINTR");
    CHECK_EQ(count, 1, "handler ran once");

    /* Pipe read with SA_RESTART: restarted, completes when the child writes. */
    set_h(SA_RESTART);
    pid = late_child(120, p[1], "abc");
    CHECK(pid > 0, "fork writer child");
    if (pid > 0) {
        arm(20);
        n = read(p[0], buf, sizeof(buf));
        CHECK_EQ(n, 3, "SA_RESTART: read restarted and returns the child's 3 bytes");
        CHECK_EQ(count, 1, "SA_RESTART: handler ran during the read");
        CHECK(n == 3 && memcmp(buf, "abc", 3) == 0, "SA_RESTART: data intact");
        waitpid(pid, &status, 0);
    }

    /* Ignored signal does not interrupt a blocking read. */
    signal(SIGUSR1, SIG_IGN);
    count = 0;
    pid = late_child(80, p[1], "z");
    if (pid > 0) {
        arm(20);
        n = read(p[0], buf, sizeof(buf));
        CHECK_EQ(n, 1, "SIG_IGN signal does not interrupt the read");
        waitpid(pid, &status, 0);
    } else {
        CHECK(0, "fork");
    }

    /* wait4 without and with SA_RESTART. */
    set_h(0);
    pid = late_child(100, -1, "");
    if (pid > 0) {
        arm(20);
        errno = 0;
        pid_t r = wait4(pid, &status, 0, NULL);
        CHECK(r == -1 && errno == EINTR, "wait4 without SA_RESTART -> EINTR");
        set_h(SA_RESTART);
        arm(20);
        r = wait4(pid, &status, 0, NULL);
        CHECK_EQ(r, pid, "wait4 with SA_RESTART restarts and reaps the child");
        CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 7, "restarted wait4 status 7");
        CHECK_EQ(count, 1, "handler ran during the restarted wait4");
    } else {
        CHECK(0, "fork");
    }

    /* nanosleep: EINTR even with SA_RESTART, remaining time reported. */
    set_h(SA_RESTART);
    {
        struct timespec req = {1, 0}, rem = {0, 0};
        double t0 = now();
        arm(30);
        errno = 0;
        int r = nanosleep(&req, &rem);
        double el = now() - t0;
        CHECK(r == -1 && errno == EINTR, "nanosleep with SA_RESTART handler -> EINTR");
        CHECK(rem.tv_sec * 1000000000LL + rem.tv_nsec > 500000000LL &&
                  rem.tv_sec * 1000000000LL + rem.tv_nsec < 1000000000LL,
              "nanosleep rem between 0.5 s and 1 s");
        CHECK(el < 0.5, "nanosleep returned early");
    }

    /* poll is never restarted. */
    {
        struct pollfd pf = {p[0], POLLIN, 0};
        arm(20);
        errno = 0;
        int r = poll(&pf, 1, 2000);
        CHECK(r == -1 && errno == EINTR, "poll with SA_RESTART handler -> EINTR");
    }

    /* Socket with SO_RCVTIMEO: EINTR even with SA_RESTART. */
    CHECK_OK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), "socketpair");
    {
        struct timeval tv = {2, 0};
        CHECK_OK(setsockopt(sv[0], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)), "SO_RCVTIMEO 2 s");
        arm(20);
        errno = 0;
        n = recv(sv[0], buf, sizeof(buf), 0);
        CHECK(n == -1 && errno == EINTR, "recv with SO_RCVTIMEO and SA_RESTART -> EINTR");
        tv.tv_sec = 0;
        setsockopt(sv[0], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    }
    /* Without a timeout the same recv restarts. */
    pid = late_child(100, sv[1], "hello");
    if (pid > 0) {
        count = 0;
        arm(20);
        n = recv(sv[0], buf, sizeof(buf), 0);
        CHECK_EQ(n, 5, "recv without SO_RCVTIMEO restarted by SA_RESTART");
        CHECK_EQ(count, 1, "handler ran during recv");
        waitpid(pid, &status, 0);
    }

    /* Partial transfer interrupted: the byte count is returned, not EINTR. */
    write(sv[1], "12345", 5);
    set_h(0);
    arm(30);
    n = recv(sv[0], buf, 100, MSG_WAITALL);
    CHECK_EQ(n, 5, "MSG_WAITALL recv interrupted after 5 bytes returns 5");
    CHECK_EQ(count, 1, "handler ran during MSG_WAITALL recv");

    {
        int psz = fcntl(p[1], F_GETPIPE_SZ);
        CHECK(psz > 0, "F_GETPIPE_SZ");
        size_t big = (size_t)psz * 2;
        char *data = calloc(1, big);
        set_h(SA_RESTART);
        arm(30);
        n = data ? write(p[1], data, big) : -1;
        CHECK_EQ(n, psz, "blocking pipe write interrupted after filling the pipe returns the partial count");
        CHECK_EQ(count, 1, "handler ran during the pipe write");
        free(data);
        set_h(0);
        arm(20);
        errno = 0;
        n = write(p[1], "x", 1);
        CHECK(n == -1 && errno == EINTR, "write to a full pipe with nothing written -> EINTR");
    }

    disarm();
    signal(SIGUSR1, SIG_IGN);
    CHECK_OK(timer_delete(tid), "timer_delete");
    close(p[0]);
    close(p[1]);
    close(sv[0]);
    close(sv[1]);
    CHECK_DONE();
}
