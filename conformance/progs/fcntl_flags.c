/* fcntl_flags: F_GETFL/F_SETFL settable and ignored bits, access mode, F_GETFD/F_SETFD across exec, sharing, errnos, F_DUPFD limits. */
/* syscalls: fcntl, openat, close, read, write, lseek, pipe2, socketpair, dup, prlimit64, clone, wait4,
   execve, setgroups, setgid, setuid, newfstatat, mkdir, rmdir, unlink, alarm, getpid, exit_group */
/* area: fcntl */
#include "check.h"

#include <fcntl.h>
#include <grp.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* The kernel always sets O_LARGEFILE (0100000) on 64-bit; glibc defines O_LARGEFILE as 0 there. */
#define KERNEL_O_LARGEFILE 0100000

static char dir[128], path[160];

static int wait_code(pid_t pid)
{
    int st;
    if (pid < 0 || waitpid(pid, &st, 0) != pid)
        return -1;
    return WIFEXITED(st) ? WEXITSTATUS(st) : 200 + (WIFSIGNALED(st) ? WTERMSIG(st) : 0);
}

/* Re-executed helper: argv[2] = fd expected open, argv[3] = fd expected closed. */
static int exec_helper(char **argv)
{
    int open_fd = atoi(argv[2]), closed_fd = atoi(argv[3]);
    if (fcntl(open_fd, F_GETFD) != 0)
        return 1;
    if (fcntl(closed_fd, F_GETFD) != -1 || errno != EBADF)
        return 2;
    return 0;
}

int main(int argc, char **argv)
{
    int fd, fd2, ro, wo, p[2], sv[2], fl;
    char buf[64];
    struct stat st;

    if (argc == 4 && strcmp(argv[1], "exec-helper") == 0)
        return exec_helper(argv);

    alarm(10);
    setvbuf(stdout, NULL, _IOLBF, 0);
    snprintf(dir, sizeof dir, "/tmp/fcntl_flags%s.%d", CONF_TAG, (int)getpid());
    snprintf(path, sizeof path, "%s/f", dir);
    if (mkdir(dir, 0755) != 0) {
        CHECK(0, "mkdir temp dir");
        CHECK_DONE();
    }

    /* Access mode and open-time-only flags as reported by F_GETFL. */
    fd = open(path, O_CREAT | O_EXCL | O_TRUNC | O_RDWR, 0644);
    CHECK(fd >= 0, "open O_CREAT|O_EXCL|O_TRUNC|O_RDWR");
    if (fd < 0) {
        rmdir(dir);
        CHECK_DONE();
    }
    fl = fcntl(fd, F_GETFL);
    CHECK_EQ(fl & O_ACCMODE, O_RDWR, "F_GETFL access mode O_RDWR");
    CHECK_EQ(fl & (O_CREAT | O_EXCL | O_TRUNC | O_NOCTTY), 0, "O_CREAT/O_EXCL/O_TRUNC not reported by F_GETFL");
    CHECK_EQ(fl & KERNEL_O_LARGEFILE, KERNEL_O_LARGEFILE, "F_GETFL reports O_LARGEFILE on 64-bit");
    CHECK_EQ(write(fd, "0123456789", 10), 10, "write 10 bytes");
    ro = open(path, O_RDONLY);
    wo = open(path, O_WRONLY | O_APPEND | O_SYNC);
    CHECK_EQ(fcntl(ro, F_GETFL) & O_ACCMODE, O_RDONLY, "F_GETFL access mode O_RDONLY");
    CHECK_EQ(fcntl(wo, F_GETFL) & (O_ACCMODE | O_APPEND | O_SYNC), O_WRONLY | O_APPEND | O_SYNC,
             "F_GETFL O_WRONLY|O_APPEND|O_SYNC from open");
    {
        int cl = open(path, O_RDONLY | O_CLOEXEC);
        CHECK(cl >= 0 && (fcntl(cl, F_GETFL) & O_CLOEXEC) == 0 && fcntl(cl, F_GETFD) == FD_CLOEXEC,
              "O_CLOEXEC is a descriptor flag (F_GETFD), not a status flag (F_GETFL)");
        close(cl);
    }
    {
        int op = open(path, O_PATH);
        CHECK(op >= 0 && (fcntl(op, F_GETFL) & O_PATH) == O_PATH, "F_GETFL on O_PATH fd reports O_PATH");
        CHECK_ERR(fcntl(op, F_SETFL, O_APPEND), EBADF, "F_SETFL on O_PATH fd -> EBADF");
        close(op);
    }

    /* F_SETFL: O_APPEND and O_NONBLOCK settable; access mode, O_CREAT, O_TRUNC, O_SYNC ignored. */
    CHECK_EQ(fcntl(fd, F_SETFL, O_APPEND), 0, "F_SETFL O_APPEND");
    CHECK_EQ(fcntl(fd, F_GETFL) & (O_ACCMODE | O_APPEND | O_NONBLOCK), O_RDWR | O_APPEND, "O_APPEND now reported");
    lseek(fd, 0, SEEK_SET);
    CHECK(write(fd, "A", 1) == 1 && lseek(fd, 0, SEEK_CUR) == 11, "write with O_APPEND after lseek(0) goes to end");
    CHECK_EQ(fcntl(fd, F_SETFL, O_NONBLOCK), 0, "F_SETFL O_NONBLOCK (drops O_APPEND)");
    CHECK_EQ(fcntl(fd, F_GETFL) & (O_APPEND | O_NONBLOCK), O_NONBLOCK, "O_APPEND cleared, O_NONBLOCK set");
    lseek(fd, 0, SEEK_SET);
    CHECK(write(fd, "B", 1) == 1 && lseek(fd, 0, SEEK_CUR) == 1, "without O_APPEND write goes to the offset");
    CHECK_EQ(fcntl(fd, F_SETFL, O_WRONLY | O_CREAT | O_TRUNC | O_EXCL), 0,
             "F_SETFL with O_WRONLY|O_CREAT|O_TRUNC|O_EXCL succeeds");
    fl = fcntl(fd, F_GETFL);
    CHECK_EQ(fl & (O_ACCMODE | O_CREAT | O_TRUNC | O_EXCL | O_NONBLOCK), O_RDWR,
             "access mode unchanged, O_CREAT/O_TRUNC/O_EXCL not stored, O_NONBLOCK cleared");
    CHECK(fstat(fd, &st) == 0 && st.st_size == 11, "F_SETFL O_TRUNC did not truncate the file");
    lseek(fd, 0, SEEK_SET);
    CHECK(read(fd, buf, 2) == 2 && memcmp(buf, "B1", 2) == 0, "fd still readable after F_SETFL O_WRONLY");
    CHECK_EQ(fcntl(fd, F_SETFL, O_DSYNC), 0, "F_SETFL O_DSYNC succeeds");
    CHECK_EQ(fcntl(fd, F_GETFL) & O_DSYNC, 0, "O_DSYNC cannot be set by F_SETFL (ignored)");
    CHECK_EQ(fcntl(wo, F_SETFL, 0), 0, "F_SETFL 0 on the O_SYNC|O_APPEND fd");
    CHECK_EQ(fcntl(wo, F_GETFL) & (O_APPEND | O_SYNC), O_SYNC, "O_APPEND cleared but O_SYNC kept");
    CHECK_EQ(fcntl(fd, F_SETFL, O_NOATIME), 0, "F_SETFL O_NOATIME by the owner");
    CHECK_EQ(fcntl(fd, F_GETFL) & O_NOATIME, O_NOATIME, "O_NOATIME reported");
    fcntl(fd, F_SETFL, 0);

    /* O_NONBLOCK has effect on a pipe; sockets report O_RDWR. */
    CHECK_OK(pipe2(p, 0), "pipe2");
    CHECK(fcntl(p[0], F_SETFL, O_NONBLOCK) == 0 && read(p[0], buf, 1) == -1 && errno == EAGAIN,
          "O_NONBLOCK set by F_SETFL makes read on empty pipe -> EAGAIN");
    CHECK_EQ(fcntl(p[1], F_GETFL) & O_NONBLOCK, 0, "other pipe end (own description) unaffected");
    CHECK_OK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), "socketpair");
    CHECK_EQ(fcntl(sv[0], F_GETFL) & O_ACCMODE, O_RDWR, "socket F_GETFL access mode O_RDWR");

    /* Status flags live in the open file description; FD_CLOEXEC in the descriptor. */
    fd2 = dup(fd);
    CHECK(fd2 >= 0 && fcntl(fd, F_SETFL, O_APPEND | O_NONBLOCK) == 0 &&
              (fcntl(fd2, F_GETFL) & (O_APPEND | O_NONBLOCK)) == (O_APPEND | O_NONBLOCK),
          "F_SETFL on fd visible through its dup");
    CHECK_EQ(fcntl(ro, F_GETFL) & (O_APPEND | O_NONBLOCK), 0, "separately opened description not affected");
    CHECK(fcntl(fd, F_SETFD, FD_CLOEXEC) == 0 && fcntl(fd, F_GETFD) == FD_CLOEXEC && fcntl(fd2, F_GETFD) == 0,
          "FD_CLOEXEC set on fd is not shared with its dup");
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0)
        _exit(fcntl(fd2, F_SETFL, 0) == 0 ? 0 : 1);
    CHECK_EQ(wait_code(pid), 0, "child cleared the flags on its inherited copy");
    CHECK_EQ(fcntl(fd, F_GETFL) & (O_APPEND | O_NONBLOCK), 0, "parent sees the flags the child changed (fork shares)");
    CHECK_EQ(fcntl(fd, F_GETFD), FD_CLOEXEC, "FD_CLOEXEC survives fork");

    /* F_SETFD stores only FD_CLOEXEC. */
    CHECK(fcntl(fd2, F_SETFD, 0xff) == 0 && fcntl(fd2, F_GETFD) == FD_CLOEXEC, "F_SETFD 0xff stores only FD_CLOEXEC");
    CHECK(fcntl(fd2, F_SETFD, 0) == 0 && fcntl(fd2, F_GETFD) == 0, "F_SETFD 0 clears FD_CLOEXEC");
    /* FD_CLOEXEC closes at execve; the other stays open. */
    {
        char a2[16], a3[16];
        snprintf(a2, sizeof a2, "%d", fd2);
        snprintf(a3, sizeof a3, "%d", fd);
        fflush(stdout);
        pid = fork();
        if (pid == 0) {
            char *args[] = { argv[0], "exec-helper", a2, a3, NULL };
            execv("/proc/self/exe", args);
            _exit(99);
        }
        CHECK_EQ(wait_code(pid), 0, "after execve: FD_CLOEXEC fd closed, other fd open");
    }

    /* Unprivileged O_NOATIME on a file owned by someone else -> EPERM. */
    /* needs root: drops to uid 65534 to test a non-owner. */
    fflush(stdout);
    pid = fork();
    if (pid == 0) {
        if (setgroups(0, NULL) != 0 || setgid(65534) != 0 || setuid(65534) != 0)
            _exit(3);
        if (fcntl(ro, F_SETFL, O_NOATIME) != -1 || errno != EPERM)
            _exit(1);
        _exit(fcntl(ro, F_SETFL, O_NONBLOCK) == 0 ? 0 : 2);
    }
    CHECK_EQ(wait_code(pid), 0, "non-owner F_SETFL O_NOATIME -> EPERM, O_NONBLOCK fine");

    /* Errors. */
    close(fd2);
    CHECK_ERR(fcntl(fd2, F_GETFL), EBADF, "F_GETFL on closed fd -> EBADF");
    CHECK_ERR(fcntl(fd2, F_SETFL, O_APPEND), EBADF, "F_SETFL on closed fd -> EBADF");
    CHECK_ERR(fcntl(fd2, F_SETFD, FD_CLOEXEC), EBADF, "F_SETFD on closed fd -> EBADF");
    CHECK_ERR(fcntl(-1, F_GETFD), EBADF, "F_GETFD on fd -1 -> EBADF");
    CHECK_ERR(fcntl(fd, 9999), EINVAL, "unknown command -> EINVAL");
    CHECK_ERR(fcntl(fd, -1), EINVAL, "command -1 -> EINVAL");
    CHECK_ERR(fcntl(fd2, 9999), EBADF, "unknown command on a closed fd -> EBADF");

    /* F_DUPFD / F_DUPFD_CLOEXEC lower bound and RLIMIT_NOFILE. */
    {
        int d1 = fcntl(fd, F_DUPFD_CLOEXEC, 300);
        int d2 = fcntl(fd, F_DUPFD_CLOEXEC, 300);
        CHECK(d1 == 300 && d2 == 301, "F_DUPFD_CLOEXEC 300 twice -> 300, 301");
        CHECK(fcntl(d1, F_GETFD) == FD_CLOEXEC && fcntl(d2, F_GETFD) == FD_CLOEXEC, "both have FD_CLOEXEC");
        close(d1);
        CHECK_EQ(fcntl(fd, F_DUPFD, 300), 300, "F_DUPFD 300 reuses the freed 300");
        CHECK_EQ(fcntl(300, F_GETFD), 0, "F_DUPFD result has no FD_CLOEXEC");
        CHECK_EQ(fcntl(fd, F_DUPFD, 0) < 300, 1, "F_DUPFD 0 returns the lowest free fd");
        close(300);
        close(301);
    }
    {
        struct rlimit old, nl;
        if (getrlimit(RLIMIT_NOFILE, &old) == 0) {
            nl = old;
            nl.rlim_cur = 400;
            CHECK_OK(setrlimit(RLIMIT_NOFILE, &nl), "lower RLIMIT_NOFILE soft limit to 400");
            CHECK_ERR(fcntl(fd, F_DUPFD, 400), EINVAL, "F_DUPFD arg == RLIMIT_NOFILE -> EINVAL");
            CHECK_ERR(fcntl(fd, F_DUPFD_CLOEXEC, 100000), EINVAL, "F_DUPFD_CLOEXEC arg > RLIMIT_NOFILE -> EINVAL");
            CHECK_EQ(fcntl(fd, F_DUPFD, 399), 399, "F_DUPFD 399 (the last allowed fd)");
            CHECK_ERR(fcntl(fd, F_DUPFD, 399), EMFILE, "F_DUPFD 399 again, nothing free >= 399 -> EMFILE");
            close(399);
            setrlimit(RLIMIT_NOFILE, &old);
        } else {
            CHECK(0, "getrlimit RLIMIT_NOFILE");
        }
    }
    CHECK_ERR(fcntl(fd, F_DUPFD, -5), EINVAL, "F_DUPFD negative arg -> EINVAL");

    close(fd);
    close(ro);
    close(wo);
    close(p[0]);
    close(p[1]);
    close(sv[0]);
    close(sv[1]);
    unlink(path);
    CHECK_OK(rmdir(dir), "cleanup");
    CHECK_DONE();
}
