/* flock_locks: flock between open file descriptions, fcntl record locks with a child, OFD locks. */
/* syscalls: flock, fcntl, open, close, dup, fork, wait4, pipe2, read, write */
/* area: locks */
#include "check.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define DIR "/tmp/conf_flock_locks" CONF_TAG
#define F DIR "/file"

static int lk(int fd, int cmd, short type, off_t start, off_t len)
{
    struct flock fl = { .l_type = type, .l_whence = SEEK_SET, .l_start = start, .l_len = len };
    return fcntl(fd, cmd, &fl);
}

static struct flock query(int fd, int cmd, short type, off_t start, off_t len)
{
    struct flock fl = { .l_type = type, .l_whence = SEEK_SET, .l_start = start, .l_len = len };
    fcntl(fd, cmd, &fl);
    return fl;
}

/* Runs fn in a child with a fresh fd on F; returns its exit code. */
static int in_child(int (*fn)(int))
{
    int status;
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        int fd = open(F, O_RDWR);
        _exit(fn(fd));
    }
    waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 255;
}

static pid_t parent_pid;
static int c_conflict(int fd)
{
    struct flock q = query(fd, F_GETLK, F_WRLCK, 50, 10);
    if (q.l_type != F_WRLCK || q.l_pid != parent_pid || q.l_start != 0 || q.l_len != 100)
        return 1;
    if (lk(fd, F_SETLK, F_WRLCK, 50, 10) != -1 || (errno != EAGAIN && errno != EACCES))
        return 2;
    if (lk(fd, F_SETLK, F_RDLCK, 0, 1) != -1)
        return 3;
    return 0;
}
static int c_free_region(int fd)
{
    struct flock q = query(fd, F_GETLK, F_WRLCK, 100, 10);
    if (q.l_type != F_UNLCK)
        return 1;
    return lk(fd, F_SETLK, F_WRLCK, 100, 10) == 0 ? 0 : 2;
}
static int c_shared_ok(int fd) { return lk(fd, F_SETLK, F_RDLCK, 0, 100) == 0 ? 0 : 1; }
static int c_write_ok(int fd) { return lk(fd, F_SETLK, F_WRLCK, 0, 0) == 0 ? 0 : 1; }
static int c_flock_nb(int fd) { return flock(fd, LOCK_EX | LOCK_NB) == 0 ? 0 : errno == EWOULDBLOCK ? 11 : 1; }

int main(void)
{
    int a, b, d, r, w;

    alarm(5);
    setvbuf(stdout, NULL, _IOLBF, 0); /* keep finished lines if killed */
    parent_pid = getpid();
    mkdir(DIR, 0755);
    a = open(F, O_RDWR | O_CREAT | O_TRUNC, 0644);
    b = open(F, O_RDWR);

    /* flock */
    CHECK_OK(flock(a, LOCK_EX), "flock LOCK_EX on fd a");
    CHECK_ERR(flock(b, LOCK_EX | LOCK_NB), EWOULDBLOCK, "second description LOCK_EX|LOCK_NB -> EWOULDBLOCK");
    CHECK_ERR(flock(b, LOCK_SH | LOCK_NB), EWOULDBLOCK, "LOCK_SH|LOCK_NB against exclusive -> EWOULDBLOCK");
    d = dup(a);
    CHECK_OK(flock(d, LOCK_EX | LOCK_NB), "dup of the holder shares the lock");
    CHECK_EQ(in_child(c_flock_nb), 11, "child's own open file description is blocked");
    CHECK_OK(flock(a, LOCK_UN), "LOCK_UN");
    CHECK_OK(flock(b, LOCK_SH | LOCK_NB), "after unlock, LOCK_SH on b");
    CHECK_OK(flock(a, LOCK_SH | LOCK_NB), "shared locks coexist");
    CHECK_ERR(flock(a, LOCK_EX | LOCK_NB), EWOULDBLOCK, "upgrade to EX while another SH is held -> EWOULDBLOCK");
    close(b);
    CHECK_OK(flock(a, LOCK_EX | LOCK_NB), "closing b released its lock, upgrade now works");
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0)
        _exit(flock(a, LOCK_EX | LOCK_NB) == 0 ? 0 : 1);
    {
        int status;
        waitpid(pid, &status, 0);
        CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "forked child shares the inherited description's lock");
    }
    CHECK_ERR(flock(a, 0), EINVAL, "flock with no operation -> EINVAL");
    CHECK_ERR(flock(999, LOCK_SH), EBADF, "flock bad fd -> EBADF");
    flock(a, LOCK_UN);
    close(d);

    /* fcntl record locks */
    b = open(F, O_RDWR);
    CHECK_OK(lk(a, F_SETLK, F_WRLCK, 0, 100), "F_SETLK write lock on [0,100)");
    CHECK_EQ(query(b, F_GETLK, F_WRLCK, 0, 10).l_type, F_UNLCK, "own process's locks never conflict (F_GETLK)");
    CHECK_EQ(in_child(c_conflict), 0, "child: F_GETLK reports our lock and pid; F_SETLK -> EAGAIN");
    CHECK_EQ(in_child(c_free_region), 0, "child: lock on the free region [100,110) succeeds");
    CHECK_OK(lk(a, F_SETLK, F_RDLCK, 0, 100), "downgrade to a read lock");
    CHECK_EQ(in_child(c_shared_ok), 0, "child: shared lock now compatible");
    CHECK_OK(lk(a, F_SETLK, F_UNLCK, 0, 100), "F_UNLCK");
    CHECK_EQ(in_child(c_write_ok), 0, "child: whole-file write lock after unlock");

    /* Closing any fd of the file drops the process's POSIX locks. */
    lk(a, F_SETLK, F_WRLCK, 0, 0);
    close(b);
    CHECK_EQ(in_child(c_write_ok), 0, "closing another fd to the file released the lock");

    /* flock and POSIX locks are independent. */
    flock(a, LOCK_EX);
    CHECK_EQ(in_child(c_write_ok), 0, "flock does not conflict with fcntl locks");
    flock(a, LOCK_UN);

    /* Access mode checks and bad arguments. */
    r = open(F, O_RDONLY);
    w = open(F, O_WRONLY);
    CHECK_ERR(lk(r, F_SETLK, F_WRLCK, 0, 1), EBADF, "write lock on O_RDONLY fd -> EBADF");
    CHECK_ERR(lk(w, F_SETLK, F_RDLCK, 0, 1), EBADF, "read lock on O_WRONLY fd -> EBADF");
    CHECK_ERR(lk(a, F_SETLK, 42, 0, 1), EINVAL, "invalid l_type -> EINVAL");
    CHECK_ERR(lk(a, F_SETLK, F_WRLCK, -5, 1), EINVAL, "negative start -> EINVAL");
    lk(a, F_SETLK, F_UNLCK, 0, 0);

    /* Open file description locks. */
    b = open(F, O_RDWR);
    CHECK_OK(lk(a, F_OFD_SETLK, F_WRLCK, 0, 10), "F_OFD_SETLK on a");
    CHECK(lk(b, F_OFD_SETLK, F_WRLCK, 0, 10) == -1 && (errno == EAGAIN || errno == EACCES),
          "OFD locks conflict between descriptions in one process");
    {
        struct flock q = query(b, F_OFD_GETLK, F_WRLCK, 5, 1);
        CHECK(q.l_type == F_WRLCK && q.l_pid == -1, "F_OFD_GETLK: conflicting lock, l_pid -1");
    }
    {
        struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 1, .l_pid = 1 };
        CHECK_ERR(fcntl(b, F_OFD_SETLK, &fl), EINVAL, "F_OFD_SETLK with l_pid != 0 -> EINVAL");
    }
    close(b);
    CHECK(lockf(a, F_TLOCK, 0) == -1 && (errno == EAGAIN || errno == EACCES),
          "process-owned lock conflicts with our own OFD lock");
    CHECK_OK(lk(a, F_OFD_SETLK, F_UNLCK, 0, 10), "release the OFD lock");
    CHECK_OK(lockf(a, F_TLOCK, 0), "lockf F_TLOCK");
    CHECK_OK(lockf(a, F_ULOCK, 0), "lockf F_ULOCK");

    close(a);
    close(r);
    close(w);
    unlink(F);
    CHECK_OK(rmdir(DIR), "cleanup");
    CHECK_DONE();
}
