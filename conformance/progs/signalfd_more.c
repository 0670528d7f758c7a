/* signalfd_more: siginfo fields (SI_USER/SI_QUEUE/ssi_ptr/ssi_uid), batches and ordering, mask updates, SIGKILL/SIGSTOP in masks, per-thread pending, SIG_IGN, fork, read sizes, errnos. */
/* syscalls: signalfd4, read, poll, rt_sigprocmask, rt_sigaction, rt_sigpending, kill, tgkill, rt_sigqueueinfo,
   getpid, gettid, getuid, openat, fcntl, close, clone, clone3, futex, wait4, setresuid, clock_nanosleep */
/* area: signalfd */
#include "check.h"

#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define SSZ ((int)sizeof(struct signalfd_siginfo))

static int pollin(int fd)
{
    struct pollfd pf = {fd, POLLIN, 0};
    return poll(&pf, 1, 0) == 1 && (pf.revents & POLLIN);
}

static int pending(int sig)
{
    sigset_t s;
    sigpending(&s);
    return sigismember(&s, sig);
}

/* The sigmask: line of /proc/self/fdinfo/FD, as a number; -1 if missing. */
static long long fdinfo_mask(int fd)
{
    char path[64], buf[512], *p;
    int f;
    ssize_t n;
    snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
    f = open(path, O_RDONLY);
    if (f < 0)
        return -1;
    n = read(f, buf, sizeof(buf) - 1);
    close(f);
    if (n <= 0)
        return -1;
    buf[n] = 0;
    p = strstr(buf, "sigmask:");
    return p ? (long long)strtoull(p + 8, NULL, 16) : -1;
}

static int wait_code(pid_t pid)
{
    int st;
    if (pid < 0 || waitpid(pid, &st, 0) != pid)
        return -1;
    return WIFEXITED(st) ? WEXITSTATUS(st) : 200 + (WIFSIGNALED(st) ? WTERMSIG(st) : 0);
}

/* Thread side of the per-thread test: reads its own thread-directed signal. */
static int th_sfd;
static volatile int th_ready, th_go;
static pid_t th_tid;
static int th_result;
static void *reader_thread(void *arg)
{
    struct signalfd_siginfo si;
    (void)arg;
    th_tid = gettid();
    __atomic_store_n(&th_ready, 1, __ATOMIC_SEQ_CST);
    while (!__atomic_load_n(&th_go, __ATOMIC_SEQ_CST))
        usleep(1000);
    th_result = read(th_sfd, &si, sizeof(si)) == SSZ && si.ssi_signo == SIGUSR2 && si.ssi_code == SI_TKILL ? 1 : 2;
    return NULL;
}

int main(void)
{
    struct signalfd_siginfo si[4];
    sigset_t all, m;
    int fd, r;
    pid_t me = getpid();

    alarm(10);
    setvbuf(stdout, NULL, _IOLBF, 0);
    sigemptyset(&all);
    sigaddset(&all, SIGUSR1);
    sigaddset(&all, SIGUSR2);
    sigaddset(&all, SIGRTMIN);
    sigaddset(&all, SIGRTMIN + 1);
    sigaddset(&all, SIGWINCH);
    sigprocmask(SIG_BLOCK, &all, NULL);

    fd = signalfd(-1, &all, SFD_NONBLOCK);
    CHECK(fd >= 0, "signalfd with SIGUSR1, SIGUSR2, SIGRTMIN, SIGRTMIN+1, SIGWINCH");
    if (fd < 0)
        CHECK_DONE();

    /* SI_USER from kill(). */
    kill(me, SIGUSR1);
    CHECK(pollin(fd), "kill() makes the signalfd readable");
    CHECK_EQ(read(fd, si, SSZ), SSZ, "read one record");
    CHECK_EQ(si[0].ssi_signo, SIGUSR1, "ssi_signo SIGUSR1");
    CHECK_EQ(si[0].ssi_code, SI_USER, "ssi_code SI_USER from kill()");
    CHECK(si[0].ssi_pid == (uint32_t)me && si[0].ssi_uid == getuid(), "ssi_pid is our pid, ssi_uid our uid");
    CHECK(!pollin(fd), "no longer readable after the read");

    /* SI_QUEUE with a pointer payload. */
    {
        union sigval sv;
        sv.sival_ptr = (void *)0x12345678abcdULL;
        sigqueue(me, SIGRTMIN + 1, sv);
        CHECK(read(fd, si, SSZ) == SSZ && si[0].ssi_signo == (uint32_t)(SIGRTMIN + 1) && si[0].ssi_code == SI_QUEUE,
              "sigqueue: SIGRTMIN+1 with SI_QUEUE");
        CHECK(si[0].ssi_ptr == 0x12345678abcdULL && si[0].ssi_int == 0x5678abcd, "ssi_ptr carries the whole sival, ssi_int its low half");
        CHECK(si[0].ssi_pid == (uint32_t)me, "sigqueue: ssi_pid");
    }
    /* rt_sigqueueinfo to ourselves may use any negative si_code. */
    {
        siginfo_t info;
        memset(&info, 0, sizeof(info));
        info.si_signo = SIGRTMIN;
        info.si_code = -42;
        info.si_pid = 4242;
        info.si_uid = 77;
        info.si_value.sival_int = 99;
        CHECK_OK(syscall(SYS_rt_sigqueueinfo, me, SIGRTMIN, &info), "rt_sigqueueinfo with si_code -42 to self");
        CHECK(read(fd, si, SSZ) == SSZ && si[0].ssi_code == -42 && si[0].ssi_pid == 4242 && si[0].ssi_uid == 77 &&
                  si[0].ssi_int == 99,
              "the caller-supplied code, pid, uid and value arrive unchanged");
    }

    /* Multiple signals in one read: standard signals lowest first, then RT in queue order. */
    sigqueue(me, SIGRTMIN, (union sigval){.sival_int = 1});
    kill(me, SIGUSR2);
    kill(me, SIGUSR1);
    kill(me, SIGUSR1); /* a standard signal is not queued twice */
    r = read(fd, si, sizeof(si));
    CHECK_EQ(r, 3 * SSZ, "three records from one read (SIGUSR1 coalesced)");
    CHECK(r == 3 * SSZ && si[0].ssi_signo == SIGUSR1 && si[1].ssi_signo == SIGUSR2 && si[2].ssi_signo == (uint32_t)SIGRTMIN,
          "order: SIGUSR1, SIGUSR2, SIGRTMIN");
    CHECK_ERR(read(fd, si, sizeof(si)), EAGAIN, "queue empty afterwards -> EAGAIN");

    /* Read sizes. */
    kill(me, SIGUSR1);
    CHECK_ERR(read(fd, si, SSZ - 1), EINVAL, "127-byte buffer -> EINVAL");
    CHECK_ERR(read(fd, si, 0), EINVAL, "0-byte buffer -> EINVAL");
    CHECK(pending(SIGUSR1), "signal still pending after the failed reads");
    CHECK_EQ(read(fd, si, SSZ + 100), SSZ, "228-byte buffer: one whole record");

    /* Updating the mask of an existing signalfd. */
    sigemptyset(&m);
    sigaddset(&m, SIGUSR2);
    CHECK_EQ(signalfd(fd, &m, 0), fd, "narrow the mask to SIGUSR2");
    CHECK(fcntl(fd, F_GETFL) & O_NONBLOCK, "mask update keeps O_NONBLOCK (flags ignored on update)");
    kill(me, SIGUSR1);
    CHECK(!pollin(fd), "SIGUSR1 pending but no longer in the mask: not readable");
    CHECK_ERR(read(fd, si, SSZ), EAGAIN, "SIGUSR1 not read -> EAGAIN");
    CHECK_EQ(fdinfo_mask(fd), 1LL << (SIGUSR2 - 1), "fdinfo sigmask shows only SIGUSR2");
    CHECK_EQ(signalfd(fd, &all, 0), fd, "widen the mask again");
    CHECK(read(fd, si, SSZ) == SSZ && si[0].ssi_signo == SIGUSR1, "SIGUSR1 readable after widening");

    /* SIGKILL and SIGSTOP are silently dropped from the mask. */
    {
        sigset_t k;
        int kfd;
        sigemptyset(&k);
        sigaddset(&k, SIGKILL);
        sigaddset(&k, SIGSTOP);
        sigaddset(&k, SIGWINCH);
        kfd = signalfd(-1, &k, SFD_NONBLOCK);
        CHECK(kfd >= 0, "signalfd with SIGKILL|SIGSTOP|SIGWINCH succeeds");
        CHECK_EQ(fdinfo_mask(kfd), 1LL << (SIGWINCH - 1), "SIGKILL and SIGSTOP removed from the fd's mask");
        close(kfd);
    }

    /* SIG_IGN. */
    {
        struct sigaction ign, old;
        memset(&ign, 0, sizeof(ign));
        ign.sa_handler = SIG_IGN;
        sigaction(SIGUSR2, &ign, &old);
        kill(me, SIGUSR2);
        /* Blocked signals are never discarded at generation time, even when ignored. */
        CHECK(pending(SIGUSR2), "blocked + SIG_IGN: the signal is still queued (Linux)");
        CHECK(read(fd, si, SSZ) == SSZ && si[0].ssi_signo == SIGUSR2, "and signalfd reads it");
        sigaction(SIGUSR2, &old, NULL);
        kill(me, SIGUSR2);
        CHECK(pending(SIGUSR2), "SIGUSR2 pending again");
        sigaction(SIGUSR2, &ign, NULL);
        CHECK(!pending(SIGUSR2), "setting SIG_IGN discards the pending signal");
        CHECK_ERR(read(fd, si, SSZ), EAGAIN, "nothing left for signalfd");
        /* Unblocked and ignored: dropped when sent, never reaches signalfd. */
        sigemptyset(&m);
        sigaddset(&m, SIGUSR2);
        sigprocmask(SIG_UNBLOCK, &m, NULL);
        kill(me, SIGUSR2);
        sigprocmask(SIG_BLOCK, &m, NULL);
        CHECK(!pending(SIGUSR2) && read(fd, si, SSZ) == -1 && errno == EAGAIN,
              "unblocked SIG_IGN signal is dropped, signalfd sees nothing");
        /* A default-ignored signal (SIGWINCH) is queued while blocked. */
        kill(me, SIGWINCH);
        CHECK(read(fd, si, SSZ) == SSZ && si[0].ssi_signo == SIGWINCH, "blocked default-ignored SIGWINCH is read");
        sigaction(SIGUSR2, &old, NULL);
    }

    /* A signalfd read only dequeues signals pending for the calling thread (or the process). */
    {
        pthread_t th;
        sigset_t u2;
        sigemptyset(&u2);
        sigaddset(&u2, SIGUSR2);
        th_sfd = signalfd(-1, &u2, 0);
        r = pthread_create(&th, NULL, reader_thread, NULL);
        CHECK_EQ(r, 0, "pthread_create");
        if (r == 0) {
            while (!__atomic_load_n(&th_ready, __ATOMIC_SEQ_CST))
                usleep(1000);
            CHECK_OK(syscall(SYS_tgkill, me, th_tid, SIGUSR2), "tgkill SIGUSR2 to the other thread");
            CHECK(!pollin(th_sfd), "main thread: another thread's signal does not make it readable");
            fcntl(th_sfd, F_SETFL, O_NONBLOCK);
            CHECK_ERR(read(th_sfd, si, SSZ), EAGAIN, "main thread cannot read the other thread's signal");
            CHECK(!pending(SIGUSR2), "not in main thread's sigpending either");
            fcntl(th_sfd, F_SETFL, 0);
            __atomic_store_n(&th_go, 1, __ATOMIC_SEQ_CST);
            pthread_join(th, NULL);
            CHECK_EQ(th_result, 1, "the target thread reads it from the same signalfd");
        }
        close(th_sfd);
    }

    /* fork: the child's reads see the child's signals, not the parent's. */
    kill(me, SIGUSR2); /* pending in the parent; not inherited by the child */
    fflush(stdout);
    {
        pid_t pid = fork();
        if (pid == 0) {
            struct signalfd_siginfo c;
            errno = 0;
            if (read(fd, &c, SSZ) != -1 || errno != EAGAIN)
                _exit(1); /* parent's pending SIGUSR2 must not be visible */
            kill(getpid(), SIGUSR1);
            if (read(fd, &c, SSZ) != SSZ || c.ssi_signo != SIGUSR1 || c.ssi_pid != (uint32_t)getpid())
                _exit(2);
            _exit(0);
        }
        CHECK_EQ(wait_code(pid), 0, "child: inherited signalfd sees only the child's own signal");
        CHECK(read(fd, si, sizeof(si)) == SSZ && si[0].ssi_signo == SIGUSR2, "parent still has its SIGUSR2");
    }

    /* ssi_uid is the sender's real uid. */
    fflush(stdout);
    {
        pid_t pid = fork();
        if (pid == 0) {
            if (setresuid(65534, 0, 0) != 0) /* needs root: change real uid, keep euid 0 */
                _exit(1);
            _exit(kill(me, SIGUSR1) == 0 ? 0 : 2);
        }
        r = wait_code(pid);
        CHECK_EQ(r, 0, "child with real uid 65534 signals the parent"); /* needs root: setresuid */
        CHECK(read(fd, si, SSZ) == SSZ && si[0].ssi_uid == 65534 && si[0].ssi_pid == (uint32_t)pid,
              "ssi_uid is the sender's real uid 65534, ssi_pid the child"); /* needs root */
        /* The child's exit also raised SIGCHLD, which is not in this mask. */
    }

    /* Errnos. */
    CHECK_ERR(signalfd(-1, &all, O_APPEND), EINVAL, "flags O_APPEND -> EINVAL");
    CHECK_ERR(syscall(SYS_signalfd4, -1, &all, 16, 0), EINVAL, "sizemask 16 -> EINVAL");
    CHECK_ERR(syscall(SYS_signalfd4, -1, &all, 0, 0), EINVAL, "sizemask 0 -> EINVAL");
    CHECK_ERR(syscall(SYS_signalfd4, -1, (void *)8, 8, 0), EFAULT, "bad mask pointer -> EFAULT");
    CHECK_ERR(syscall(SYS_signalfd4, 9999, &all, 8, 0), EBADF, "update of a bad fd -> EBADF");
    close(fd);
    CHECK_DONE();
}
