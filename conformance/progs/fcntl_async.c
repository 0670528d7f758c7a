/* fcntl_async: F_SETOWN/F_GETOWN(_EX), O_ASYNC SIGIO on pipes and socketpairs, F_SETSIG siginfo (si_fd, POLL_IN), process-group owners. */
/* syscalls: fcntl, pipe2, socketpair, read, write, sendto, recvfrom, shutdown, dup, close, rt_sigprocmask,
   rt_sigtimedwait, getpid, gettid, setpgid, clone, wait4, alarm, exit_group */
/* area: fcntl */
#include "check.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

static int wait_code(pid_t pid)
{
    int st;
    if (pid < 0 || waitpid(pid, &st, 0) != pid)
        return -1;
    return WIFEXITED(st) ? WEXITSTATUS(st) : 200 + (WIFSIGNALED(st) ? WTERMSIG(st) : 0);
}

static sigset_t waitset;

/* Waits up to ms for one of the blocked signals; returns the signal or -1. */
static int take(siginfo_t *si, long ms)
{
    struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
    memset(si, 0, sizeof *si);
    return sigtimedwait(&waitset, si, &ts);
}

/* Discards every pending signal of waitset. */
static void flush(void)
{
    siginfo_t si;
    while (take(&si, 0) > 0)
        ;
}

static int set_async(int fd, int on)
{
    int fl = fcntl(fd, F_GETFL);
    if (fl < 0)
        return -1;
    return fcntl(fd, F_SETFL, on ? (fl | O_ASYNC) : (fl & ~O_ASYNC));
}

int main(void)
{
    int p[2], sv[2], rt = SIGRTMIN + 1;
    siginfo_t si;
    struct f_owner_ex ox;
    char buf[64];
    pid_t me = getpid(), c;

    alarm(10);
    setvbuf(stdout, NULL, _IOLBF, 0);
    sigemptyset(&waitset);
    sigaddset(&waitset, SIGIO);
    sigaddset(&waitset, SIGURG);
    sigaddset(&waitset, rt);
    sigprocmask(SIG_BLOCK, &waitset, NULL);

    if (pipe2(p, 0) != 0 || socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0) {
        CHECK(0, "pipe2 and socketpair");
        CHECK_DONE();
    }

    /* Owner bookkeeping. */
    CHECK_EQ(fcntl(p[0], F_GETOWN), 0, "F_GETOWN default 0");
    CHECK_EQ(fcntl(p[0], F_GETSIG), 0, "F_GETSIG default 0");
    CHECK_EQ(fcntl(p[0], F_SETOWN, me), 0, "F_SETOWN getpid()");
    CHECK_EQ(fcntl(p[0], F_GETOWN), me, "F_GETOWN returns the pid");
    memset(&ox, 0xff, sizeof ox);
    CHECK(fcntl(p[0], F_GETOWN_EX, &ox) == 0 && ox.type == F_OWNER_PID && ox.pid == me,
          "F_GETOWN_EX after F_SETOWN pid: F_OWNER_PID, pid");
    CHECK_EQ(fcntl(p[1], F_GETOWN), 0, "owner is per open file description (other end still 0)");
    {
        int d = dup(p[0]);
        CHECK_EQ(fcntl(d, F_GETOWN), me, "owner shared by dup");
        close(d);
    }
    ox.type = F_OWNER_TID;
    ox.pid = gettid();
    CHECK_EQ(fcntl(p[0], F_SETOWN_EX, &ox), 0, "F_SETOWN_EX F_OWNER_TID gettid()");
    memset(&ox, 0, sizeof ox);
    CHECK(fcntl(p[0], F_GETOWN_EX, &ox) == 0 && ox.type == F_OWNER_TID && ox.pid == gettid(),
          "F_GETOWN_EX reads back F_OWNER_TID");
    CHECK_EQ(fcntl(p[0], F_GETOWN), gettid(), "F_GETOWN with a thread owner returns the tid");
    ox.type = 7;
    ox.pid = me;
    CHECK_ERR(fcntl(p[0], F_SETOWN_EX, &ox), EINVAL, "F_SETOWN_EX invalid type -> EINVAL");
    ox.type = F_OWNER_PID;
    ox.pid = 0x3ffffff0;
    CHECK_ERR(fcntl(p[0], F_SETOWN_EX, &ox), ESRCH, "F_SETOWN_EX nonexistent pid -> ESRCH");
    CHECK_ERR(fcntl(p[0], F_SETOWN, 0x3ffffff0), ESRCH, "F_SETOWN nonexistent pid -> ESRCH");
    CHECK_ERR(fcntl(p[0], F_SETOWN_EX, (void *)8), EFAULT, "F_SETOWN_EX bad pointer -> EFAULT");
    CHECK_ERR(fcntl(p[0], F_GETOWN_EX, (void *)8), EFAULT, "F_GETOWN_EX bad pointer -> EFAULT");
    CHECK_EQ(fcntl(p[0], F_SETOWN, 0), 0, "F_SETOWN 0 clears the owner");
    CHECK_EQ(fcntl(p[0], F_GETOWN), 0, "F_GETOWN 0 again");
    CHECK_ERR(fcntl(p[0], F_SETSIG, 65), EINVAL, "F_SETSIG 65 (> _NSIG) -> EINVAL");
    CHECK_ERR(fcntl(p[0], F_SETSIG, -1), EINVAL, "F_SETSIG -1 -> EINVAL");
    CHECK_ERR(fcntl(-1, F_SETOWN, me), EBADF, "F_SETOWN on bad fd -> EBADF");

    /* No O_ASYNC: no signal. */
    fcntl(p[0], F_SETOWN, me);
    write(p[1], "a", 1);
    CHECK_ERR(take(&si, 0), EAGAIN, "owner set but no O_ASYNC: no SIGIO");
    read(p[0], buf, sizeof buf);

    /* O_ASYNC on a pipe, default signal. */
    CHECK_OK(set_async(p[0], 1), "F_SETFL O_ASYNC on the read end");
    CHECK_EQ(fcntl(p[0], F_GETFL) & O_ASYNC, O_ASYNC, "F_GETFL reports O_ASYNC");
    CHECK_ERR(take(&si, 0), EAGAIN, "enabling O_ASYNC on an empty pipe raises nothing");
    write(p[1], "b", 1);
    CHECK_EQ(take(&si, 1000), SIGIO, "data arrival raises SIGIO");
    CHECK_EQ(si.si_code, SI_KERNEL, "F_SETSIG 0: SIGIO with si_code SI_KERNEL (no fd info)");
    read(p[0], buf, sizeof buf);
    flush();

    /* F_SETSIG with a real-time signal: full siginfo. */
    CHECK_EQ(fcntl(p[0], F_SETSIG, rt), 0, "F_SETSIG SIGRTMIN+1");
    CHECK_EQ(fcntl(p[0], F_GETSIG), rt, "F_GETSIG returns SIGRTMIN+1");
    write(p[1], "c", 1);
    CHECK_EQ(take(&si, 1000), rt, "data arrival raises SIGRTMIN+1");
    CHECK_EQ(si.si_code, POLL_IN, "si_code POLL_IN");
    CHECK_EQ(si.si_fd, p[0], "si_fd is the O_ASYNC descriptor");
    CHECK_EQ(si.si_band & (POLLIN | POLLRDNORM), POLLIN | POLLRDNORM, "si_band has POLLIN|POLLRDNORM");
    read(p[0], buf, sizeof buf);
    flush();
    CHECK_EQ(fcntl(p[0], F_SETSIG, SIGIO), 0, "F_SETSIG SIGIO explicitly");
    write(p[1], "d", 1);
    CHECK(take(&si, 1000) == SIGIO && si.si_code == POLL_IN && si.si_fd == p[0],
          "explicit F_SETSIG SIGIO carries POLL_IN and si_fd");
    read(p[0], buf, sizeof buf);
    flush();
    CHECK_OK(set_async(p[0], 0), "clear O_ASYNC");
    write(p[1], "e", 1);
    CHECK_ERR(take(&si, 0), EAGAIN, "O_ASYNC cleared: no signal");
    read(p[0], buf, sizeof buf);
    fcntl(p[0], F_SETSIG, 0);

    /* Socketpair. */
    CHECK(fcntl(sv[0], F_SETOWN, me) == 0 && fcntl(sv[0], F_SETSIG, rt) == 0 && set_async(sv[0], 1) == 0,
          "socket: F_SETOWN, F_SETSIG, O_ASYNC");
    flush();
    CHECK_EQ(send(sv[1], "sock", 4, 0), 4, "peer sends 4 bytes");
    CHECK_EQ(take(&si, 1000), rt, "socket data arrival raises the F_SETSIG signal");
    CHECK(si.si_code == POLL_IN && si.si_fd == sv[0], "socket siginfo: POLL_IN, si_fd");
    CHECK_EQ(recv(sv[0], buf, sizeof buf, 0), 4, "receive the data");
    flush();
    shutdown(sv[1], SHUT_WR);
    CHECK_EQ(take(&si, 1000), rt, "peer shutdown(SHUT_WR) also raises the signal");
    flush();

    /* Negative owner: process group. Done in a child that leads its own group. */
    fflush(stdout);
    c = fork();
    if (c == 0) {
        int q[2];
        if (setpgid(0, 0) != 0 || pipe2(q, 0) != 0)
            _exit(1);
        pid_t g = getpid();
        if (fcntl(q[0], F_SETOWN, -g) != 0 || fcntl(q[0], F_GETOWN) != -g)
            _exit(2);
        struct f_owner_ex e;
        if (fcntl(q[0], F_GETOWN_EX, &e) != 0 || e.type != F_OWNER_PGRP || e.pid != g)
            _exit(3);
        if (set_async(q[0], 1) != 0)
            _exit(4);
        pid_t gc = fork();
        if (gc == 0) {
            /* Grandchild: same group, SIGIO still blocked; wait for it. */
            siginfo_t s2;
            _exit(take(&s2, 2000) == SIGIO ? 0 : 1);
        }
        write(q[1], "g", 1);
        siginfo_t s1;
        int mine = take(&s1, 2000) == SIGIO;
        int gcs = wait_code(gc);
        if (!mine)
            _exit(5);
        if (gcs != 0)
            _exit(6);
        /* F_SETOWN_EX F_OWNER_PGRP form. */
        e.type = F_OWNER_PGRP;
        e.pid = g;
        if (fcntl(q[0], F_SETOWN_EX, &e) != 0 || fcntl(q[0], F_GETOWN) != -g)
            _exit(7);
        _exit(0);
    }
    {
        int code = wait_code(c);
        CHECK(code != 1 && code != 2, "F_SETOWN -pgrp; F_GETOWN returns -pgrp");
        CHECK(code != 1 && code != 2 && code != 3, "F_GETOWN_EX reports F_OWNER_PGRP and the group id");
        CHECK(code == 0 || code >= 7, "SIGIO delivered to both members of the owning group");
        CHECK_EQ(code, 0, "F_SETOWN_EX F_OWNER_PGRP reads back as a negative F_GETOWN");
    }
    /* A signal to a group we are not in is not delivered to us. */
    CHECK_ERR(take(&si, 0), EAGAIN, "no stray SIGIO in the parent");

    close(p[0]);
    close(p[1]);
    close(sv[0]);
    close(sv[1]);
    CHECK_DONE();
}
