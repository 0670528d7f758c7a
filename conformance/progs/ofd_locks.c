/* ofd_locks: open file description locks (F_OFD_SETLK/GETLK/SETLKW): ownership, dups, fork, splitting/merging, classic-lock interaction, EDEADLK. */
/* syscalls: fcntl, openat, close, dup, write, read, pipe2, clone, wait4, setitimer, rt_sigaction,
   rt_sigreturn, clock_nanosleep, mkdir, rmdir, unlink, alarm, getpid, exit_group */
/* area: locks */
#include "check.h"

#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static char dir[128], path[160];

static int lk(int fd, int cmd, short type, off_t start, off_t len)
{
    struct flock fl;
    memset(&fl, 0, sizeof fl);
    fl.l_type = type;
    fl.l_whence = SEEK_SET;
    fl.l_start = start;
    fl.l_len = len;
    return fcntl(fd, cmd, &fl);
}

/* F_OFD_GETLK / F_GETLK query; returns the result struct (l_type -1 on error). */
static struct flock query(int fd, int cmd, short type, off_t start, off_t len)
{
    struct flock fl;
    memset(&fl, 0, sizeof fl);
    fl.l_type = type;
    fl.l_whence = SEEK_SET;
    fl.l_start = start;
    fl.l_len = len;
    if (fcntl(fd, cmd, &fl) != 0)
        fl.l_type = -1;
    return fl;
}

static int is(struct flock f, short type, off_t start, off_t len, pid_t pid)
{
    return f.l_type == type && f.l_whence == SEEK_SET && f.l_start == start && f.l_len == len && f.l_pid == pid;
}

static int wait_code(pid_t pid)
{
    int st;
    if (pid < 0 || waitpid(pid, &st, 0) != pid)
        return -1;
    return WIFEXITED(st) ? WEXITSTATUS(st) : 200 + (WIFSIGNALED(st) ? WTERMSIG(st) : 0);
}

static void msleep(long ms)
{
    struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

static void on_alrm(int s)
{
    (void)s;
}

static int busy(int r)
{
    return r == -1 && (errno == EAGAIN || errno == EACCES);
}

int main(void)
{
    int a, b, d, sync[2];
    struct flock f;
    pid_t c;
    char ch;

    alarm(10);
    setvbuf(stdout, NULL, _IOLBF, 0);
    snprintf(dir, sizeof dir, "/tmp/ofd_locks%s.%d", CONF_TAG, (int)getpid());
    snprintf(path, sizeof path, "%s/f", dir);
    if (mkdir(dir, 0755) != 0) {
        CHECK(0, "mkdir temp dir");
        CHECK_DONE();
    }
    a = open(path, O_CREAT | O_RDWR, 0644);
    b = open(path, O_RDWR);
    if (a < 0 || b < 0 || pipe2(sync, 0) != 0) {
        CHECK(0, "open the file twice and make a pipe");
        CHECK_DONE();
    }
    write(a, "0123456789", 10);

    /* Two descriptions in one process conflict; dups do not. */
    CHECK_OK(lk(a, F_OFD_SETLK, F_WRLCK, 0, 10), "a: OFD write lock [0,10)");
    CHECK(busy(lk(b, F_OFD_SETLK, F_WRLCK, 5, 10)), "b (same process, other description): write lock -> EAGAIN");
    CHECK(busy(lk(b, F_OFD_SETLK, F_RDLCK, 9, 1)), "b: read lock overlapping one byte -> EAGAIN");
    CHECK_OK(lk(b, F_OFD_SETLK, F_WRLCK, 10, 5), "b: adjacent [10,15) is free");
    f = query(b, F_OFD_GETLK, F_WRLCK, 0, 0);
    CHECK(is(f, F_WRLCK, 0, 10, -1), "F_OFD_GETLK from b: a's [0,10) write lock, l_pid -1");
    f = query(a, F_OFD_GETLK, F_RDLCK, 3, 2);
    CHECK(f.l_type == F_UNLCK && f.l_start == 3 && f.l_len == 2, "F_OFD_GETLK from a over its own lock: F_UNLCK, rest unchanged");
    d = dup(a);
    CHECK_OK(lk(d, F_OFD_SETLK, F_WRLCK, 0, 10), "dup of a: same description, lock again succeeds");
    CHECK_OK(lk(b, F_OFD_SETLK, F_UNLCK, 10, 5), "b: unlock [10,15)");

    /* l_pid must be 0 for OFD commands. */
    memset(&f, 0, sizeof f);
    f.l_type = F_RDLCK;
    f.l_whence = SEEK_SET;
    f.l_start = 20;
    f.l_len = 1;
    f.l_pid = getpid();
    CHECK_ERR(fcntl(b, F_OFD_SETLK, &f), EINVAL, "F_OFD_SETLK l_pid != 0 -> EINVAL");
    CHECK_ERR(fcntl(b, F_OFD_SETLKW, &f), EINVAL, "F_OFD_SETLKW l_pid != 0 -> EINVAL");
    CHECK_ERR(fcntl(b, F_OFD_GETLK, &f), EINVAL, "F_OFD_GETLK l_pid != 0 -> EINVAL");
    /* Since Linux 6.6 (the man page still says EINVAL), F_OFD_GETLK with l_type F_UNLCK reports a lock
     * held by this same description; classic F_GETLK still rejects F_UNLCK. */
    CHECK(is(query(a, F_OFD_GETLK, F_UNLCK, 0, 0), F_WRLCK, 0, 10, -1),
          "F_OFD_GETLK F_UNLCK on a: reports a's own lock [0,10)");
    CHECK(is(query(b, F_OFD_GETLK, F_UNLCK, 0, 0), F_UNLCK, 0, 0, 0), "F_OFD_GETLK F_UNLCK on b: b holds nothing");
    f.l_pid = 0;
    f.l_type = F_UNLCK;
    CHECK_ERR(fcntl(b, F_GETLK, &f), EINVAL, "classic F_GETLK with l_type F_UNLCK -> EINVAL");
    CHECK_ERR(lk(b, F_OFD_SETLK, 42, 0, 1), EINVAL, "F_OFD_SETLK bad l_type -> EINVAL");
    CHECK_ERR(lk(b, F_OFD_SETLK, F_WRLCK, INT64_MAX, 2), EOVERFLOW, "range past OFFSET_MAX -> EOVERFLOW");
    {
        int ro = open(path, O_RDONLY);
        CHECK_ERR(lk(ro, F_OFD_SETLK, F_WRLCK, 100, 1), EBADF, "OFD write lock on an O_RDONLY fd -> EBADF");
        close(ro);
    }

    /* Classic and OFD locks conflict, even on the same fd of one process. */
    CHECK(busy(lk(a, F_SETLK, F_WRLCK, 0, 1)), "classic F_SETLK on a's own fd vs its OFD lock -> EAGAIN");
    f = query(b, F_GETLK, F_WRLCK, 0, 1);
    CHECK(is(f, F_WRLCK, 0, 10, -1), "classic F_GETLK reports the OFD lock with l_pid -1");
    CHECK_OK(lk(b, F_SETLK, F_WRLCK, 50, 10), "classic write lock [50,60) via b");
    CHECK(busy(lk(a, F_OFD_SETLK, F_RDLCK, 55, 1)), "OFD lock vs classic lock of the same process -> EAGAIN");
    f = query(a, F_OFD_GETLK, F_RDLCK, 40, 100);
    CHECK(is(f, F_WRLCK, 50, 10, getpid()), "F_OFD_GETLK reports the classic lock with the real pid");
    CHECK_OK(lk(b, F_SETLK, F_UNLCK, 50, 10), "classic unlock");

    /* Splitting and merging (all on a). */
    CHECK_OK(lk(a, F_OFD_SETLK, F_UNLCK, 0, 10), "a: release [0,10)");
    CHECK_OK(lk(a, F_OFD_SETLK, F_WRLCK, 100, 100), "a: write lock [100,200)");
    CHECK_OK(lk(a, F_OFD_SETLK, F_UNLCK, 140, 20), "a: unlock the middle [140,160)");
    CHECK_OK(lk(b, F_OFD_SETLK, F_WRLCK, 140, 20), "b can now lock the hole");
    CHECK(busy(lk(b, F_OFD_SETLK, F_WRLCK, 139, 1)), "byte 139 still locked by a");
    CHECK(busy(lk(b, F_OFD_SETLK, F_WRLCK, 160, 1)), "byte 160 still locked by a");
    CHECK(is(query(b, F_OFD_GETLK, F_RDLCK, 0, 0), F_WRLCK, 100, 40, -1), "GETLK: first piece [100,140)");
    CHECK(is(query(b, F_OFD_GETLK, F_RDLCK, 150, 0), F_WRLCK, 160, 40, -1), "GETLK: second piece [160,200)");
    CHECK_OK(lk(b, F_OFD_SETLK, F_UNLCK, 140, 20), "b: release the hole");
    CHECK_OK(lk(a, F_OFD_SETLK, F_WRLCK, 140, 20), "a: refill the hole");
    CHECK(is(query(b, F_OFD_GETLK, F_RDLCK, 150, 1), F_WRLCK, 100, 100, -1), "adjacent same-type locks merged to [100,200)");
    CHECK_OK(lk(a, F_OFD_SETLK, F_RDLCK, 120, 10), "a: downgrade [120,130) to a read lock");
    CHECK(is(query(b, F_OFD_GETLK, F_RDLCK, 120, 10), F_UNLCK, 120, 10, 0), "b: read lock on [120,130) compatible");
    CHECK(is(query(b, F_OFD_GETLK, F_WRLCK, 120, 10), F_RDLCK, 120, 10, -1), "b: write query sees the read piece");
    CHECK(is(query(b, F_OFD_GETLK, F_RDLCK, 125, 0), F_WRLCK, 130, 70, -1), "write piece [130,200) after it");
    CHECK_OK(lk(b, F_OFD_SETLK, F_RDLCK, 120, 10), "b: shared read lock on [120,130)");
    CHECK(busy(lk(a, F_OFD_SETLK, F_WRLCK, 120, 10)), "a: upgrade back to write while b reads -> EAGAIN");
    CHECK_OK(lk(b, F_OFD_SETLK, F_UNLCK, 0, 0), "b: unlock everything");
    CHECK_OK(lk(a, F_OFD_SETLK, F_WRLCK, 300, -10), "a: negative l_len locks [290,300)");
    CHECK(is(query(b, F_OFD_GETLK, F_WRLCK, 250, 100), F_WRLCK, 290, 10, -1), "GETLK reports [290,300)");
    CHECK_OK(lk(a, F_OFD_SETLK, F_UNLCK, 0, 0), "a: unlock everything (l_len 0 = to EOF)");
    CHECK(is(query(b, F_OFD_GETLK, F_WRLCK, 0, 0), F_UNLCK, 0, 0, 0), "no locks remain");

    /* Whole-file lock reported with l_len 0; inherited by fork (same description). */
    CHECK_OK(lk(a, F_OFD_SETLK, F_WRLCK, 0, 0), "a: whole-file OFD write lock");
    CHECK(is(query(b, F_OFD_GETLK, F_RDLCK, 5, 1), F_WRLCK, 0, 0, -1), "GETLK: l_start 0, l_len 0 (to EOF)");
    fflush(stdout);
    c = fork();
    if (c == 0) {
        if (lk(a, F_OFD_SETLK, F_WRLCK, 0, 0) != 0)
            _exit(1);
        int own = open(path, O_RDWR);
        if (!busy(lk(own, F_OFD_SETLK, F_RDLCK, 0, 1)))
            _exit(2);
        close(a);
        close(d);
        /* Parent still holds the description: the lock stays. */
        _exit(busy(lk(own, F_OFD_SETLK, F_RDLCK, 0, 1)) ? 0 : 3);
    }
    CHECK_EQ(wait_code(c), 0, "child: inherited fd shares the lock; own open conflicts; closing its copies keeps it");

    /* F_OFD_SETLKW blocks until release. */
    fflush(stdout);
    c = fork();
    if (c == 0) {
        /* Drop the inherited references to the locked description, or it could never be released. */
        close(a);
        close(d);
        int own = open(path, O_RDWR);
        write(sync[1], "r", 1);
        _exit(lk(own, F_OFD_SETLKW, F_WRLCK, 0, 0) == 0 ? 0 : 1);
    }
    read(sync[0], &ch, 1);
    msleep(50);
    {
        int st;
        CHECK_EQ(waitpid(c, &st, WNOHANG), 0, "child blocked in F_OFD_SETLKW while the lock is held");
    }
    /* Closing one of two fds of the description keeps the lock; the last close releases it. */
    close(a);
    msleep(50);
    {
        int st;
        CHECK_EQ(waitpid(c, &st, WNOHANG), 0, "closing a while its dup remains keeps the OFD lock");
    }
    close(d);
    CHECK_EQ(wait_code(c), 0, "closing the last fd released the lock; F_OFD_SETLKW acquired it");

    /* F_OFD_SETLKW interrupted by a signal. */
    a = open(path, O_RDWR);
    CHECK_OK(lk(a, F_OFD_SETLK, F_WRLCK, 0, 1), "a (reopened): lock byte 0");
    fflush(stdout);
    c = fork();
    if (c == 0) {
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = on_alrm;
        sigaction(SIGALRM, &sa, NULL);
        struct itimerval it = { { 0, 100000 }, { 0, 100000 } };
        setitimer(ITIMER_REAL, &it, NULL);
        int own = open(path, O_RDWR);
        int r = lk(own, F_OFD_SETLKW, F_WRLCK, 0, 1);
        _exit(r == -1 && errno == EINTR ? 0 : 1);
    }
    CHECK_EQ(wait_code(c), 0, "F_OFD_SETLKW interrupted by a handler without SA_RESTART -> EINTR");
    close(a);

    /* Classic locks: deadlock detection between two processes. */
    a = open(path, O_RDWR);
    CHECK_OK(lk(a, F_SETLK, F_WRLCK, 0, 1), "parent: classic lock byte 0");
    fflush(stdout);
    c = fork();
    if (c == 0) {
        if (lk(a, F_SETLK, F_WRLCK, 1, 1) != 0)
            _exit(3);
        write(sync[1], "r", 1);
        int r = lk(a, F_SETLKW, F_WRLCK, 0, 1);
        if (r == -1 && errno == EDEADLK)
            _exit(1); /* We closed the cycle; exiting releases byte 1. */
        _exit(r == 0 ? 2 : 4);
    }
    read(sync[0], &ch, 1);
    msleep(50); /* Usually lets the child block first, but either order must yield one EDEADLK. */
    int pr = lk(a, F_SETLKW, F_WRLCK, 1, 1);
    int perr = errno;
    if (pr == -1 && perr == EDEADLK)
        lk(a, F_SETLK, F_UNLCK, 0, 1); /* Let the child have byte 0. */
    int cc = wait_code(c);
    CHECK(cc == 1 || cc == 2, "child lock calls: F_SETLK ok, F_SETLKW ended in success or EDEADLK");
    CHECK((pr == -1 && perr == EDEADLK && cc == 2) || (pr == 0 && cc == 1),
          "exactly one side of the lock cycle got EDEADLK, the other got the lock");
    f = query(b, F_OFD_GETLK, F_WRLCK, 0, 0);
    CHECK(pr == 0 ? is(f, F_WRLCK, 0, 2, getpid()) : f.l_type == F_UNLCK,
          "afterwards only the winner's locks remain (child's died with it)");
    close(a);

    close(b);
    close(sync[0]);
    close(sync[1]);
    unlink(path);
    CHECK_OK(rmdir(dir), "cleanup");
    CHECK_DONE();
}
