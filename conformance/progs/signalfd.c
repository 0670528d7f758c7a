/* signalfd: reading blocked signals as records, mask updates, SIGCHLD info, errnos. */
/* syscalls: signalfd4, read, poll, rt_sigprocmask, tgkill, rt_sigqueueinfo, rt_sigtimedwait, fork, wait4, readlink, dup */
/* area: signalfd */
#include "check.h"

#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static pthread_t main_th;
static void *late_kill(void *arg)
{
    struct timespec ts = { 0, 20000000 };
    (void)arg;
    nanosleep(&ts, NULL);
    pthread_kill(main_th, SIGUSR2);
    return NULL;
}

int main(void)
{
    struct signalfd_siginfo ssi[4];
    sigset_t mask, pend;
    int fd, fd2;

    alarm(5);
    setvbuf(stdout, NULL, _IOLBF, 0); /* keep finished lines if killed */
    sigemptyset(&mask);
    sigaddset(&mask, SIGUSR1);
    sigaddset(&mask, SIGUSR2);
    sigaddset(&mask, SIGRTMIN);
    sigaddset(&mask, SIGCHLD);
    sigprocmask(SIG_BLOCK, &mask, NULL);

    sigemptyset(&mask);
    sigaddset(&mask, SIGUSR1);
    fd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
    CHECK(fd >= 0, "signalfd(-1, {SIGUSR1}, SFD_NONBLOCK|SFD_CLOEXEC)");
    CHECK((fcntl(fd, F_GETFL) & O_NONBLOCK) && (fcntl(fd, F_GETFD) & FD_CLOEXEC), "flags applied");
    {
        char link[64] = { 0 }, path[64];
        snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
        readlink(path, link, sizeof(link) - 1);
        CHECK_STREQ(link, "anon_inode:[signalfd]", "/proc/self/fd link is anon_inode:[signalfd]");
    }
    CHECK_EQ(sizeof(struct signalfd_siginfo), 128, "signalfd_siginfo is 128 bytes");
    CHECK_ERR(read(fd, ssi, sizeof(ssi[0])), EAGAIN, "no pending signal -> EAGAIN");

    raise(SIGUSR1);
    {
        struct pollfd pf = { fd, POLLIN, 0 };
        CHECK(poll(&pf, 1, 0) == 1 && (pf.revents & POLLIN), "pending signal makes signalfd readable");
    }
    CHECK_ERR(read(fd, ssi, 100), EINVAL, "read buffer smaller than a record -> EINVAL");
    CHECK_EQ(read(fd, ssi, sizeof(ssi)), 128, "read returns one 128-byte record");
    CHECK(ssi[0].ssi_signo == SIGUSR1 && ssi[0].ssi_code == SI_TKILL, "ssi_signo SIGUSR1, ssi_code SI_TKILL");
    CHECK(ssi[0].ssi_pid == (uint32_t)getpid() && ssi[0].ssi_uid == getuid(), "ssi_pid/ssi_uid");
    sigpending(&pend);
    CHECK(!sigismember(&pend, SIGUSR1), "reading consumed the pending signal");

    /* A signal outside the mask is not read. */
    raise(SIGUSR2);
    CHECK_ERR(read(fd, ssi, sizeof(ssi)), EAGAIN, "signal not in mask is not returned");
    sigpending(&pend);
    CHECK(sigismember(&pend, SIGUSR2), "it stays pending");
    sigaddset(&mask, SIGUSR2);
    sigaddset(&mask, SIGRTMIN);
    CHECK_EQ(signalfd(fd, &mask, 0), fd, "signalfd(fd, ...) updates the mask and returns fd");
    CHECK(read(fd, ssi, sizeof(ssi)) == 128 && ssi[0].ssi_signo == SIGUSR2, "after update SIGUSR2 is read");

    /* Queued RT signals: several records in one read. */
    for (int i = 0; i < 3; i++)
        sigqueue(getpid(), SIGRTMIN, (union sigval){ .sival_int = 100 + i });
    CHECK_EQ(read(fd, ssi, sizeof(ssi)), 3 * 128, "three queued RT signals read at once");
    CHECK(ssi[0].ssi_int == 100 && ssi[1].ssi_int == 101 && ssi[2].ssi_int == 102, "ssi_int values in order");
    CHECK_EQ(ssi[0].ssi_code, SI_QUEUE, "ssi_code SI_QUEUE");
    sigqueue(getpid(), SIGRTMIN, (union sigval){ .sival_int = 200 });
    sigqueue(getpid(), SIGRTMIN, (union sigval){ .sival_int = 201 });
    CHECK(read(fd, ssi, 128) == 128 && ssi[0].ssi_int == 200, "128-byte read takes only one of two");
    CHECK(read(fd, ssi, 128) == 128 && ssi[0].ssi_int == 201, "second one still queued");

    /* dup shares the same signalfd. */
    fd2 = dup(fd);
    raise(SIGUSR1);
    CHECK(read(fd2, ssi, sizeof(ssi)) == 128 && ssi[0].ssi_signo == SIGUSR1, "dup'd signalfd reads too");
    close(fd2);

    /* Blocking read woken by a signal sent from another thread. */
    {
        int bfd = signalfd(-1, &mask, 0);
        pthread_t th;
        main_th = pthread_self();
        pthread_create(&th, NULL, late_kill, NULL);
        CHECK(read(bfd, ssi, sizeof(ssi)) == 128 && ssi[0].ssi_signo == SIGUSR2, "blocking read woken by pthread_kill");
        pthread_join(th, NULL);
        close(bfd);
    }

    /* SIGCHLD details. */
    {
        sigset_t cm;
        int cfd, status;
        sigemptyset(&cm);
        sigaddset(&cm, SIGCHLD);
        cfd = signalfd(-1, &cm, 0);
        fflush(stdout);
        pid_t pid = fork();
        if (pid == 0)
            _exit(23);
        CHECK(read(cfd, ssi, sizeof(ssi)) == 128 && ssi[0].ssi_signo == SIGCHLD, "SIGCHLD via signalfd");
        CHECK(ssi[0].ssi_code == CLD_EXITED && ssi[0].ssi_pid == (uint32_t)pid && ssi[0].ssi_status == 23,
              "ssi_code CLD_EXITED, ssi_pid, ssi_status 23");
        waitpid(pid, &status, 0);
        close(cfd);
    }

    {
        int p[2];
        pipe(p);
        CHECK_ERR(signalfd(p[0], &mask, 0), EINVAL, "signalfd on a non-signalfd fd -> EINVAL");
        close(p[0]);
        close(p[1]);
    }
    CHECK_ERR(signalfd(-1, &mask, 0x1234), EINVAL, "signalfd bad flags -> EINVAL");
    CHECK_ERR(syscall(SYS_signalfd4, -1, &mask, 4, 0), EINVAL, "signalfd4 bad sigsetsize -> EINVAL");
    close(fd);
    CHECK_ERR(signalfd(fd, &mask, 0), EBADF, "signalfd on closed fd -> EBADF");
    CHECK_DONE();
}
