/* posix_mq: POSIX message queues: priorities, attributes, non-blocking and timed operations, notification, errnos. */
/* syscalls: mq_open, mq_timedsend, mq_timedreceive, mq_getsetattr, mq_unlink, mq_notify, rt_sigprocmask, rt_sigtimedwait, poll, fork, wait4, close, clock_gettime, nanosleep */
/* area: ipc */
#include "check.h"

#include <fcntl.h>
#include <mqueue.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static char name[64];

static int wait_code(pid_t pid)
{
    int st;
    if (pid < 0 || waitpid(pid, &st, 0) != pid)
        return -1;
    return WIFEXITED(st) ? WEXITSTATUS(st) : 200 + (WIFSIGNALED(st) ? WTERMSIG(st) : 0);
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Absolute CLOCK_REALTIME deadline ms from now. */
static struct timespec deadline(long ms)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_sec += ms / 1000;
    ts.tv_nsec += (ms % 1000) * 1000000L;
    if (ts.tv_nsec >= 1000000000L) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000L;
    }
    return ts;
}

int main(void)
{
    struct mq_attr attr = {0}, got;
    char buf[128];
    unsigned prio;
    pid_t pid;
    alarm(10);
    setvbuf(stdout, NULL, _IOLBF, 0);
    snprintf(name, sizeof(name), "/posix_mq.%d%s", (int)getpid(), CONF_TAG);
    mq_unlink(name);

    attr.mq_maxmsg = 4;
    attr.mq_msgsize = 64;
    mqd_t q = mq_open(name, O_CREAT | O_EXCL | O_RDWR, 0600, &attr);
    CHECK(q != (mqd_t)-1, "mq_open O_CREAT|O_EXCL with maxmsg 4, msgsize 64");
    if (q == (mqd_t)-1) {
        mq_unlink(name);
        CHECK_DONE();
    }
    CHECK(mq_getattr(q, &got) == 0 && got.mq_maxmsg == 4 && got.mq_msgsize == 64 && got.mq_curmsgs == 0 &&
              got.mq_flags == 0,
          "mq_getattr: maxmsg 4, msgsize 64, empty, blocking");
    CHECK_ERR(mq_open(name, O_CREAT | O_EXCL | O_RDWR, 0600, &attr), EEXIST, "O_CREAT|O_EXCL again -> EEXIST");

    /* Priorities. */
    CHECK(mq_send(q, "low", 3, 1) == 0 && mq_send(q, "high", 4, 5) == 0 && mq_send(q, "mid", 3, 3) == 0 &&
              mq_send(q, "high2", 5, 5) == 0,
          "send with priorities 1, 5, 3, 5");
    CHECK(mq_getattr(q, &got) == 0 && got.mq_curmsgs == 4, "curmsgs 4");
    {
        struct pollfd p = {.fd = (int)q, .events = POLLIN | POLLOUT};
        CHECK(poll(&p, 1, 0) == 1 && (p.revents & POLLIN) && !(p.revents & POLLOUT),
              "poll on a full queue: POLLIN, no POLLOUT");
    }
    struct timespec dl = deadline(50);
    double t0 = now();
    CHECK_ERR(mq_timedsend(q, "x", 1, 0, &dl), ETIMEDOUT, "mq_timedsend on a full queue -> ETIMEDOUT");
    CHECK(now() - t0 >= 0.04 && now() - t0 < 2.0, "timed send waited about 50 ms");
    long n = mq_receive(q, buf, sizeof(buf), &prio);
    CHECK(n == 4 && prio == 5 && memcmp(buf, "high", 4) == 0, "highest priority first");
    n = mq_receive(q, buf, sizeof(buf), &prio);
    CHECK(n == 5 && prio == 5 && memcmp(buf, "high2", 5) == 0, "FIFO within the same priority");
    n = mq_receive(q, buf, sizeof(buf), &prio);
    CHECK(n == 3 && prio == 3 && memcmp(buf, "mid", 3) == 0, "then priority 3");
    n = mq_receive(q, buf, sizeof(buf), &prio);
    CHECK(n == 3 && prio == 1 && memcmp(buf, "low", 3) == 0, "then priority 1");
    dl = deadline(50);
    t0 = now();
    CHECK_ERR(mq_timedreceive(q, buf, sizeof(buf), &prio, &dl), ETIMEDOUT, "mq_timedreceive on empty -> ETIMEDOUT");
    CHECK(now() - t0 >= 0.04 && now() - t0 < 2.0, "timed receive waited about 50 ms");
    {
        struct timespec bad = {0, 1000000000L};
        CHECK_ERR(mq_timedreceive(q, buf, sizeof(buf), &prio, &bad), EINVAL,
                  "tv_nsec 1e9 when it would block -> EINVAL");
    }

    /* Sizes. */
    CHECK_ERR(mq_receive(q, buf, 63, &prio), EMSGSIZE, "receive buffer smaller than msgsize -> EMSGSIZE");
    memset(buf, 'm', sizeof(buf));
    CHECK_ERR(mq_send(q, buf, 65, 0), EMSGSIZE, "message longer than msgsize -> EMSGSIZE");
    CHECK_OK(mq_send(q, buf, 64, 0), "message of exactly msgsize");
    CHECK_EQ(mq_receive(q, buf, 64, &prio), 64, "received with a buffer of exactly msgsize");
    CHECK_OK(mq_send(q, "", 0, 0), "zero-length message");
    CHECK_EQ(mq_receive(q, buf, sizeof(buf), NULL), 0, "zero-length receive (NULL prio)");
    CHECK_ERR(mq_send(q, "x", 1, 32768), EINVAL, "priority >= MQ_PRIO_MAX -> EINVAL");
    CHECK_OK(mq_send(q, "top", 3, 32767), "priority 32767 accepted");
    CHECK(mq_receive(q, buf, sizeof(buf), &prio) == 3 && prio == 32767, "priority 32767 round trip");

    /* O_NONBLOCK through mq_setattr. */
    struct mq_attr na = {0}, old;
    na.mq_flags = O_NONBLOCK;
    CHECK(mq_setattr(q, &na, &old) == 0 && old.mq_flags == 0, "mq_setattr O_NONBLOCK returns the old flags");
    CHECK(mq_getattr(q, &got) == 0 && got.mq_flags == O_NONBLOCK && got.mq_maxmsg == 4,
          "flags now O_NONBLOCK, maxmsg unchanged");
    CHECK_ERR(mq_receive(q, buf, sizeof(buf), &prio), EAGAIN, "non-blocking receive on empty -> EAGAIN");
    for (int i = 0; i < 4; i++)
        mq_send(q, "f", 1, 0);
    CHECK_ERR(mq_send(q, "f", 1, 0), EAGAIN, "non-blocking send on full -> EAGAIN");
    for (int i = 0; i < 4; i++)
        mq_receive(q, buf, sizeof(buf), &prio);
    na.mq_flags = 0;
    CHECK(mq_setattr(q, &na, NULL) == 0 && mq_getattr(q, &got) == 0 && got.mq_flags == 0 && got.mq_curmsgs == 0,
          "back to blocking, queue empty");

    /* Blocking receive woken by a child's send through its own descriptor. */
    fflush(stdout);
    pid = fork();
    if (pid == 0) {
        struct timespec ts = {0, 30000000};
        nanosleep(&ts, NULL);
        mqd_t c = mq_open(name, O_WRONLY);
        _exit(c != (mqd_t)-1 && mq_send(c, "child", 5, 7) == 0 ? 0 : 1);
    }
    dl = deadline(2000);
    n = mq_timedreceive(q, buf, sizeof(buf), &prio, &dl);
    CHECK(n == 5 && prio == 7 && memcmp(buf, "child", 5) == 0, "blocked receive gets the child's message");
    CHECK_EQ(wait_code(pid), 0, "child opened the queue by name and sent");

    /* Access modes. */
    mqd_t ro = mq_open(name, O_RDONLY), wo = mq_open(name, O_WRONLY);
    CHECK(ro != (mqd_t)-1 && wo != (mqd_t)-1, "open O_RDONLY and O_WRONLY descriptors");
    CHECK_ERR(mq_send(ro, "x", 1, 0), EBADF, "send on O_RDONLY descriptor -> EBADF");
    CHECK_ERR(mq_receive(wo, buf, sizeof(buf), &prio), EBADF, "receive on O_WRONLY descriptor -> EBADF");
    mq_close(ro);
    mq_close(wo);
    CHECK_ERR(mq_getattr((mqd_t)0x3ff, &got), EBADF, "mq_getattr on a closed descriptor -> EBADF");

    /* Notification. */
    {
        sigset_t set;
        siginfo_t si;
        struct timespec wait1 = {1, 0}, wait0 = {0, 50000000};
        struct sigevent sev;
        memset(&sev, 0, sizeof(sev));
        sev.sigev_notify = SIGEV_SIGNAL;
        sev.sigev_signo = SIGUSR1;
        sev.sigev_value.sival_int = 4242;
        sigemptyset(&set);
        sigaddset(&set, SIGUSR1);
        sigprocmask(SIG_BLOCK, &set, NULL);
        CHECK_OK(mq_notify(q, &sev), "mq_notify SIGEV_SIGNAL SIGUSR1");
        CHECK_ERR(mq_notify(q, &sev), EBUSY, "second registration -> EBUSY");
        CHECK_OK(mq_send(q, "n", 1, 0), "send to the empty queue");
        memset(&si, 0, sizeof(si));
        CHECK_EQ(sigtimedwait(&set, &si, &wait1), SIGUSR1, "SIGUSR1 delivered");
        CHECK(si.si_code == SI_MESGQ && si.si_value.sival_int == 4242 && si.si_pid == getpid(),
              "siginfo: SI_MESGQ, sival 4242, si_pid of the sender");
        CHECK_OK(mq_send(q, "n", 1, 0), "second send (queue not empty, registration consumed)");
        CHECK_ERR(sigtimedwait(&set, &si, &wait0), EAGAIN, "no second notification");
        mq_receive(q, buf, sizeof(buf), &prio);
        mq_receive(q, buf, sizeof(buf), &prio);
        CHECK_OK(mq_notify(q, &sev), "registration is possible again");
        CHECK_OK(mq_notify(q, NULL), "mq_notify(NULL) unregisters");
        CHECK_OK(mq_send(q, "n", 1, 0), "send after unregistering");
        CHECK_ERR(sigtimedwait(&set, &si, &wait0), EAGAIN, "no notification after unregistering");
        mq_receive(q, buf, sizeof(buf), &prio);
        sev.sigev_signo = 0;
        sev.sigev_notify = 12345;
        CHECK_ERR(mq_notify(q, &sev), EINVAL, "invalid sigev_notify -> EINVAL");
        sigprocmask(SIG_UNBLOCK, &set, NULL);
    }

    /* Attribute and name errors. */
    {
        struct mq_attr bad = {0};
        char nm2[80], longname[300];
        snprintf(nm2, sizeof(nm2), "%s.b", name);
        bad.mq_maxmsg = 0;
        bad.mq_msgsize = 16;
        CHECK_ERR(mq_open(nm2, O_CREAT | O_RDWR, 0600, &bad), EINVAL, "mq_maxmsg 0 -> EINVAL");
        bad.mq_maxmsg = 2;
        bad.mq_msgsize = 0;
        CHECK_ERR(mq_open(nm2, O_CREAT | O_RDWR, 0600, &bad), EINVAL, "mq_msgsize 0 -> EINVAL");
        CHECK_ERR(mq_open(nm2, O_RDWR), ENOENT, "open without O_CREAT of a missing queue -> ENOENT");
        longname[0] = '/';
        memset(longname + 1, 'q', 260);
        longname[261] = 0;
        CHECK_ERR(mq_open(longname, O_CREAT | O_RDWR, 0600, NULL), ENAMETOOLONG, "name over NAME_MAX -> ENAMETOOLONG");
    }

    CHECK_OK(mq_close(q), "mq_close");
    CHECK_OK(mq_unlink(name), "mq_unlink");
    CHECK_ERR(mq_unlink(name), ENOENT, "second mq_unlink -> ENOENT");
    CHECK_ERR(mq_open(name, O_RDWR), ENOENT, "open after unlink -> ENOENT");
    CHECK_DONE();
}
