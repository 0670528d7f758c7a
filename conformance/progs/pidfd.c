/* pidfd: pidfd_open flags and errnos, pidfd_send_signal (plain, siginfo, errnos), poll and waitid(P_PIDFD), CLONE_PIDFD, pidfd_getfd, fdinfo and fd flags. */
/* syscalls: pidfd_open, pidfd_send_signal, pidfd_getfd, waitid, wait4, poll, clone, clone3, fcntl, openat, read,
   write, close, readlink, newfstatat, lseek, pipe2, dup2, unlink, kill, getpid, gettid, getppid, getuid,
   rt_sigprocmask, rt_sigtimedwait, pause, futex, clock_nanosleep, setgroups, setgid, setuid, alarm, exit_group */
/* area: process */
#include "check.h"

#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef P_PIDFD
#define P_PIDFD 3
#endif
#ifndef CLONE_PIDFD
#define CLONE_PIDFD 0x00001000
#endif
#define PIDFD_THREAD_ O_EXCL

static int pidfd_open(pid_t pid, unsigned flags)
{
    return (int)syscall(SYS_pidfd_open, pid, flags);
}

static int pidfd_send(int fd, int sig, siginfo_t *info, unsigned flags)
{
    return (int)syscall(SYS_pidfd_send_signal, fd, sig, info, flags);
}

static int pidfd_getfd(int fd, int target, unsigned flags)
{
    return (int)syscall(SYS_pidfd_getfd, fd, target, flags);
}

static pid_t child_pause(void)
{
    fflush(stdout);
    pid_t p = fork();
    if (p == 0) {
        for (;;)
            pause();
    }
    return p;
}

/* Value of the "Pid:" line of /proc/self/fdinfo/fd, or -100 if missing. */
static long fdinfo_pid(int fd, const char *key)
{
    char path[64], buf[1024];
    snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
    int f = open(path, O_RDONLY);
    if (f < 0)
        return -100;
    ssize_t n = read(f, buf, sizeof(buf) - 1);
    close(f);
    if (n <= 0)
        return -100;
    buf[n] = 0;
    size_t kl = strlen(key);
    for (char *l = buf; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
        if (strncmp(l, key, kl) == 0 && l[kl] == ':')
            return strtol(l + kl + 1, NULL, 10);
    }
    return -100;
}

static int poll_in(int fd, int ms)
{
    struct pollfd p = {fd, POLLIN, 0};
    int r = poll(&p, 1, ms);
    return r < 0 ? -1 : p.revents;
}

static volatile int thr_tid;
static volatile int thr_stop;

static void *thr(void *a)
{
    (void)a;
    thr_tid = (int)syscall(SYS_gettid);
    while (!thr_stop) {
        struct timespec ts = {0, 1000000};
        nanosleep(&ts, NULL);
    }
    return NULL;
}

int main(void)
{
    siginfo_t si;
    int st, fd;
    pid_t pid;
    char path[128];

    alarm(10);
    setvbuf(stdout, NULL, _IOLBF, 0);

    /* pidfd_open basics. */
    pid = child_pause();
    fd = pidfd_open(pid, 0);
    CHECK(fd >= 0, "pidfd_open(child, 0)");
    CHECK_EQ(fcntl(fd, F_GETFD), FD_CLOEXEC, "pidfd has close-on-exec set");
    CHECK_EQ(fdinfo_pid(fd, "Pid"), pid, "fdinfo Pid: line is the child's pid");
    {
        char lnk[128] = {0};
        snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
        ssize_t n = readlink(path, lnk, sizeof(lnk) - 1);
        CHECK(n > 0 && strstr(lnk, "pidfd") != NULL, "/proc/self/fd link names a pidfd");
    }
    {
        char b[8];
        CHECK_ERR(read(fd, b, sizeof(b)), EINVAL, "read on a pidfd -> EINVAL");
    }
    CHECK_EQ(poll_in(fd, 0), 0, "poll: running child's pidfd is not readable");
    memset(&si, 0x5a, sizeof(si));
    CHECK(waitid(P_PIDFD, fd, &si, WEXITED | WNOHANG) == 0 && si.si_pid == 0, "waitid(P_PIDFD, WNOHANG) on a running child: si_pid 0");
    CHECK_EQ(pidfd_send(fd, 0, NULL, 0), 0, "pidfd_send_signal signal 0 probes");
    CHECK_ERR(pidfd_send(fd, 0, NULL, 8), EINVAL, "pidfd_send_signal unknown flag 8 -> EINVAL");
    /* Linux >= 6.9: PIDFD_SIGNAL_THREAD (1), _THREAD_GROUP (2), _PROCESS_GROUP (4); at most one. */
    CHECK_ERR(pidfd_send(fd, 0, NULL, 1 | 2), EINVAL, "pidfd_send_signal with two scope flags -> EINVAL");
    CHECK_EQ(pidfd_send(fd, 0, NULL, 1), 0, "pidfd_send_signal PIDFD_SIGNAL_THREAD, signal 0");
    CHECK_ERR(pidfd_send(fd, 65, NULL, 0), EINVAL, "pidfd_send_signal signal 65 -> EINVAL");
    {
        int p[2];
        pipe2(p, O_CLOEXEC);
        CHECK_ERR(pidfd_send(p[0], 0, NULL, 0), EBADF, "pidfd_send_signal on a pipe fd -> EBADF");
        CHECK_ERR(waitid(P_PIDFD, p[0], &si, WEXITED | WNOHANG), EBADF, "waitid(P_PIDFD) on a pipe fd -> EBADF");
        close(p[0]);
        close(p[1]);
    }
    CHECK_ERR(pidfd_send(1000, 0, NULL, 0), EBADF, "pidfd_send_signal on a closed fd -> EBADF");
    CHECK_EQ(pidfd_send(fd, SIGTERM, NULL, 0), 0, "pidfd_send_signal SIGTERM");
    CHECK(poll_in(fd, 2000) & POLLIN, "pidfd becomes readable when the child dies");
    CHECK_EQ(fdinfo_pid(fd, "Pid"), pid, "fdinfo still shows the pid of the zombie");
    {
        int z = pidfd_open(pid, 0);
        CHECK(z >= 0, "pidfd_open on an unreaped zombie succeeds");
        if (z >= 0)
            close(z);
    }
    memset(&si, 0, sizeof(si));
    CHECK(waitid(P_PIDFD, fd, &si, WEXITED) == 0 && si.si_pid == pid && si.si_code == CLD_KILLED && si.si_status == SIGTERM,
          "waitid(P_PIDFD) reaps: CLD_KILLED by SIGTERM");
    CHECK_ERR(pidfd_send(fd, 0, NULL, 0), ESRCH, "pidfd_send_signal after reaping -> ESRCH");
    CHECK(poll_in(fd, 0) & POLLIN, "pidfd of a reaped process stays readable");
    CHECK_EQ(fdinfo_pid(fd, "Pid"), -1, "fdinfo Pid: -1 once the process is gone");
    CHECK_ERR(waitid(P_PIDFD, fd, &si, WEXITED | WNOHANG), ECHILD, "waitid(P_PIDFD) again -> ECHILD");
    CHECK_ERR(pidfd_open(pid, 0), ESRCH, "pidfd_open of a reaped pid -> ESRCH");
    close(fd);

    CHECK_ERR(pidfd_open(0, 0), EINVAL, "pidfd_open pid 0 -> EINVAL");
    CHECK_ERR(pidfd_open(-1, 0), EINVAL, "pidfd_open pid -1 -> EINVAL");
    CHECK_ERR(pidfd_open(INT_MAX, 0), ESRCH, "pidfd_open nonexistent pid -> ESRCH");
    CHECK_ERR(pidfd_open(getpid(), 1), EINVAL, "pidfd_open unknown flag -> EINVAL");
    CHECK_ERR(pidfd_open(getpid(), O_CLOEXEC), EINVAL, "pidfd_open O_CLOEXEC flag is not accepted -> EINVAL");

    /* Our own pidfd: signal 0 works, waiting on it does not. */
    fd = pidfd_open(getpid(), O_NONBLOCK);
    CHECK(fd >= 0 && (fcntl(fd, F_GETFL) & O_NONBLOCK), "pidfd_open(self, PIDFD_NONBLOCK) sets O_NONBLOCK");
    CHECK_EQ(pidfd_send(fd, 0, NULL, 0), 0, "pidfd_send_signal(self, 0)");
    CHECK_ERR(waitid(P_PIDFD, fd, &si, WEXITED), ECHILD, "waitid on our own pidfd -> ECHILD");
    close(fd);

    /* Thread ids need PIDFD_THREAD. */
    {
        pthread_t th;
        pthread_create(&th, NULL, thr, NULL);
        while (!thr_tid) {
            struct timespec ts = {0, 1000000};
            nanosleep(&ts, NULL);
        }
        CHECK_ERR(pidfd_open(thr_tid, 0), ENOENT, "pidfd_open of a non-leader thread -> ENOENT");
        fd = pidfd_open(thr_tid, PIDFD_THREAD_);
        CHECK(fd >= 0, "pidfd_open(thread, PIDFD_THREAD) succeeds (Linux >= 6.9)");
        if (fd >= 0)
            close(fd);
        thr_stop = 1;
        pthread_join(th, NULL);
    }

    /* PIDFD_NONBLOCK: waitid without WNOHANG on a running child -> EAGAIN. */
    pid = child_pause();
    fd = pidfd_open(pid, O_NONBLOCK);
    CHECK_ERR(waitid(P_PIDFD, fd, &si, WEXITED), EAGAIN, "waitid on a PIDFD_NONBLOCK pidfd of a running child -> EAGAIN");
    kill(pid, SIGKILL);
    CHECK(poll_in(fd, 2000) & POLLIN, "readable after SIGKILL");
    CHECK(waitid(P_PIDFD, fd, &si, WEXITED) == 0 && si.si_status == SIGKILL, "then waitid reaps (SIGKILL)");
    close(fd);

    /* pidfd_send_signal with a siginfo. */
    {
        int ready[2];
        pipe2(ready, 0);
        fflush(stdout);
        pid = fork();
        if (pid == 0) {
            sigset_t s;
            siginfo_t got;
            struct timespec to = {3, 0};
            sigemptyset(&s);
            sigaddset(&s, SIGUSR1);
            sigprocmask(SIG_BLOCK, &s, NULL);
            write(ready[1], "r", 1);
            if (syscall(SYS_rt_sigtimedwait, &s, &got, &to, 8) != SIGUSR1)
                _exit(1);
            _exit(got.si_code == SI_QUEUE && got.si_value.sival_int == 4321 && got.si_pid == getppid() ? 0 : 2);
        }
        char c;
        read(ready[0], &c, 1);
        close(ready[0]);
        close(ready[1]);
        fd = pidfd_open(pid, 0);
        memset(&si, 0, sizeof(si));
        si.si_signo = SIGUSR1;
        si.si_code = SI_USER;
        si.si_pid = getpid();
        si.si_uid = getuid();
        CHECK_ERR(pidfd_send(fd, SIGUSR1, &si, 0), EPERM, "pidfd_send_signal siginfo SI_USER to another process -> EPERM");
        si.si_code = SI_QUEUE;
        si.si_value.sival_int = 4321;
        CHECK_ERR(pidfd_send(fd, SIGUSR2, &si, 0), EINVAL, "siginfo si_signo != sig -> EINVAL");
        CHECK_ERR(pidfd_send(fd, SIGUSR1, (siginfo_t *)8, 0), EFAULT, "bad siginfo pointer -> EFAULT");
        CHECK_EQ(pidfd_send(fd, SIGUSR1, &si, 0), 0, "pidfd_send_signal SIGUSR1 with SI_QUEUE siginfo");
        CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0,
              "child received SI_QUEUE, value 4321, si_pid of the sender");
        close(fd);
    }

    /* CLONE_PIDFD through clone(2): the pidfd is stored in the parent_tid slot. */
    {
        int pfd = -1;
        fflush(stdout);
        long c = syscall(SYS_clone, (long)(CLONE_PIDFD | SIGCHLD), NULL, &pfd, NULL, NULL);
        if (c == 0)
            _exit(31);
        CHECK(c > 0 && pfd >= 0, "clone(CLONE_PIDFD) returns a pid and a pidfd");
        if (c > 0 && pfd >= 0) {
            CHECK_EQ(fcntl(pfd, F_GETFD), FD_CLOEXEC, "CLONE_PIDFD pidfd is close-on-exec");
            CHECK_EQ(fdinfo_pid(pfd, "Pid"), c, "its fdinfo names the child");
            memset(&si, 0, sizeof(si));
            CHECK(waitid(P_PIDFD, pfd, &si, WEXITED) == 0 && si.si_pid == c && si.si_code == CLD_EXITED && si.si_status == 31,
                  "waitid(P_PIDFD) on it: exit 31");
            close(pfd);
        } else if (c > 0) {
            waitpid(c, &st, 0);
        }
    }

    /* pidfd_getfd: duplicate a descriptor out of a child. */
    {
        char file[96];
        int ready[2], go[2];
        snprintf(file, sizeof(file), "/tmp/pidfd%s.%d", CONF_TAG, getpid());
        pipe2(ready, 0);
        pipe2(go, 0);
        fflush(stdout);
        pid = fork();
        if (pid == 0) {
            char c;
            int f = open(file, O_RDWR | O_CREAT | O_TRUNC, 0600);
            if (f < 0 || dup2(f, 57) != 57 || write(57, "hello", 5) != 5)
                _exit(1);
            close(f);
            write(ready[1], "r", 1);
            read(go[0], &c, 1);
            _exit(lseek(57, 0, SEEK_CUR) == 2 ? 0 : 3); /* parent moved the shared offset */
        }
        char c = 0;
        read(ready[0], &c, 1);
        fd = pidfd_open(pid, 0);
        /* needs root (or same uid + ptrace attach rights): pidfd_getfd checks PTRACE_MODE_ATTACH_REALCREDS */
        int nfd = pidfd_getfd(fd, 57, 0);
        CHECK(nfd >= 0, "pidfd_getfd(child, 57)");
        if (nfd >= 0) {
            struct stat a, b;
            CHECK(fstat(nfd, &a) == 0 && stat(file, &b) == 0 && a.st_ino == b.st_ino && a.st_dev == b.st_dev,
                  "duplicated fd refers to the child's file");
            CHECK_EQ(fcntl(nfd, F_GETFD), FD_CLOEXEC, "pidfd_getfd result is close-on-exec");
            CHECK_EQ(lseek(nfd, 0, SEEK_CUR), 5, "shares the child's file offset (5)");
            lseek(nfd, 2, SEEK_SET);
            close(nfd);
        }
        CHECK_ERR(pidfd_getfd(fd, 57, 1), EINVAL, "pidfd_getfd flags != 0 -> EINVAL");
        CHECK_ERR(pidfd_getfd(fd, 58, 0), EBADF, "pidfd_getfd of a closed target fd -> EBADF");
        CHECK_ERR(pidfd_getfd(fd, -1, 0), EBADF, "pidfd_getfd target fd -1 -> EBADF");
        CHECK_ERR(pidfd_getfd(ready[0], 57, 0), EBADF, "pidfd_getfd on a non-pidfd -> EBADF");
        write(go[1], "g", 1);
        CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0, "child saw the offset moved to 2 by us");
        CHECK_ERR(pidfd_getfd(fd, 57, 0), ESRCH, "pidfd_getfd on a reaped process -> ESRCH");
        close(fd);
        close(ready[0]);
        close(ready[1]);
        close(go[0]);
        close(go[1]);
        unlink(file);
    }

    /* Unprivileged process and a root target. */
    if (getuid() == 0) {
        fflush(stdout);
        pid = fork();
        if (pid == 0) {
            int pf = pidfd_open(getppid(), 0); /* opening needs no permission */
            if (pf < 0)
                _exit(10);
            if (setgroups(0, NULL) || setgid(65534) || setuid(65534))
                _exit(11);
            if (pidfd_send(pf, 0, NULL, 0) != -1 || errno != EPERM)
                _exit(12);
            if (pidfd_getfd(pf, 0, 0) != -1 || errno != EPERM)
                _exit(13);
            _exit(0);
        }
        /* needs root: the child drops to uid 65534 to be refused access to a root process */
        CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0,
              "uid 65534: pidfd_send_signal and pidfd_getfd on a root process -> EPERM");
    } else {
        CHECK_SKIP("uid 65534: pidfd_send_signal and pidfd_getfd on a root process -> EPERM", "not root");
    }

    CHECK_ERR(waitpid(-1, &st, WNOHANG), ECHILD, "no children left");
    CHECK_DONE();
}
