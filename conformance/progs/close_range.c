/* close_range: ranges, CLOSE_RANGE_CLOEXEC, CLOSE_RANGE_UNSHARE with a CLONE_FILES child, errnos; dup2/dup3 edge cases. */
/* syscalls: close_range, dup, dup2, dup3, fcntl, openat, close, pipe2, read, write, prlimit64, clone,
   wait4, alarm, exit_group */
/* area: fcntl */
#include "check.h"

#include <fcntl.h>
#include <linux/close_range.h>
#include <sched.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static int cr(unsigned first, unsigned last, unsigned flags)
{
    return (int)syscall(SYS_close_range, first, last, flags);
}

static int is_open(int fd)
{
    return fcntl(fd, F_GETFD) != -1;
}

/* Number of fds in [lo, hi] that are open. */
static int count_open(int lo, int hi)
{
    int n = 0;
    for (int i = lo; i <= hi; i++)
        n += is_open(i);
    return n;
}

static int wait_code(pid_t pid)
{
    int st;
    if (pid < 0 || waitpid(pid, &st, 0) != pid)
        return -1;
    return WIFEXITED(st) ? WEXITSTATUS(st) : 200 + (WIFSIGNALED(st) ? WTERMSIG(st) : 0);
}

static int base_fd;

/* Child sharing our fd table (CLONE_FILES). */
static int child_unshare(void *arg)
{
    (void)arg;
    /* Unshare, then close 150 in the private copy only. */
    if (cr(150, 150, CLOSE_RANGE_UNSHARE) != 0)
        _exit(1);
    if (is_open(150))
        _exit(2);
    if (!is_open(151))
        _exit(3);
    /* A new fd in the private table is not visible to the parent. */
    if (dup2(base_fd, 152) != 152)
        _exit(4);
    _exit(0);
}

static int child_shared(void *arg)
{
    (void)arg;
    _exit(cr(151, 151, 0) == 0 ? 0 : 1);
}

static int child_unshare_cloexec(void *arg)
{
    (void)arg;
    if (cr(160, 161, CLOSE_RANGE_UNSHARE | CLOSE_RANGE_CLOEXEC) != 0)
        _exit(1);
    _exit(fcntl(160, F_GETFD) == FD_CLOEXEC && fcntl(161, F_GETFD) == FD_CLOEXEC ? 0 : 2);
}

static pid_t spawn_files(int (*fn)(void *))
{
    static char stack[4][64 * 1024] __attribute__((aligned(16)));
    static int next;
    char *top = stack[next++ & 3] + sizeof(stack[0]);
    fflush(stdout);
    return clone(fn, top, CLONE_FILES | SIGCHLD, NULL);
}

int main(void)
{
    int p[2], fd;
    char buf[16];

    alarm(10);
    setvbuf(stdout, NULL, _IOLBF, 0);
    fd = open("/proc/self/exe", O_RDONLY);
    base_fd = fd;
    if (fd < 0) {
        CHECK(0, "open a base fd");
        CHECK_DONE();
    }

    /* Simple ranges. */
    for (int i = 100; i < 110; i++)
        dup2(fd, i);
    CHECK_EQ(count_open(100, 109), 10, "fds 100..109 open");
    CHECK_EQ(cr(102, 105, 0), 0, "close_range(102, 105)");
    CHECK(is_open(101) && !is_open(102) && !is_open(105) && is_open(106), "exactly 102..105 closed");
    CHECK_EQ(cr(103, 104, 0), 0, "close_range over already closed fds succeeds");
    CHECK_EQ(cr(107, 107, 0), 0, "close_range(107, 107) single fd");
    CHECK(!is_open(107) && is_open(108), "only 107 closed");
    CHECK_EQ(cr(500, 600, 0), 0, "close_range over a range beyond every open fd");
    CHECK_EQ(cr(106, ~0U, 0), 0, "close_range(106, ~0U)");
    CHECK(count_open(106, 120) == 0 && is_open(101) && is_open(fd), "everything >= 106 closed, lower ones kept");
    CHECK_EQ(cr(~0U, ~0U, 0), 0, "close_range(~0U, ~0U)");
    CHECK_EQ(cr(~0U - 1, ~0U, 0), 0, "close_range(~0U-1, ~0U)");
    {
        int d = dup(fd);
        CHECK(d >= 0 && d < 100 && count_open(100, 101) == 2, "dup after close_range returns the lowest free fd");
        close(d);
    }

    /* Errors. */
    CHECK_ERR(cr(105, 104, 0), EINVAL, "first > last -> EINVAL");
    CHECK_ERR(cr(~0U, 0, 0), EINVAL, "first ~0U > last 0 -> EINVAL");
    CHECK_ERR(cr(100, 101, 1), EINVAL, "unknown flag bit 1 -> EINVAL");
    CHECK_ERR(cr(100, 101, 0x80000000u), EINVAL, "unknown flag bit 31 -> EINVAL");
    CHECK(is_open(100) && is_open(101), "failed calls closed nothing");

    /* CLOSE_RANGE_CLOEXEC. */
    for (int i = 120; i < 125; i++)
        dup2(fd, i);
    CHECK_EQ(cr(121, 123, CLOSE_RANGE_CLOEXEC), 0, "close_range(121, 123, CLOSE_RANGE_CLOEXEC)");
    CHECK(fcntl(120, F_GETFD) == 0 && fcntl(121, F_GETFD) == FD_CLOEXEC && fcntl(123, F_GETFD) == FD_CLOEXEC &&
              fcntl(124, F_GETFD) == 0,
          "FD_CLOEXEC set exactly on 121..123, fds still open");
    CHECK_EQ(cr(124, ~0U, CLOSE_RANGE_CLOEXEC), 0, "CLOSE_RANGE_CLOEXEC up to ~0U");
    CHECK(fcntl(124, F_GETFD) == FD_CLOEXEC && fcntl(120, F_GETFD) == 0, "124 marked, 120 untouched");
    CHECK_EQ(cr(120, 124, 0), 0, "close the cloexec range");
    CHECK_EQ(count_open(120, 124), 0, "all of 120..124 closed");

    /* CLOSE_RANGE_UNSHARE in a child that shares our descriptor table. */
    dup2(fd, 150);
    dup2(fd, 151);
    {
        pid_t c = spawn_files(child_unshare);
        CHECK_EQ(wait_code(c), 0, "CLONE_FILES child: close_range UNSHARE closed 150 in its own copy");
        CHECK(is_open(150) && is_open(151), "parent still has 150 and 151");
        CHECK(!is_open(152), "fd created after the unshare is not in the parent");
        c = spawn_files(child_shared);
        CHECK_EQ(wait_code(c), 0, "CLONE_FILES child: close_range(151) without UNSHARE");
        CHECK(!is_open(151) && is_open(150), "without UNSHARE the shared table lost 151");
        dup2(fd, 160);
        dup2(fd, 161);
        c = spawn_files(child_unshare_cloexec);
        CHECK_EQ(wait_code(c), 0, "child: UNSHARE|CLOEXEC marks its private copies");
        CHECK(fcntl(160, F_GETFD) == 0 && fcntl(161, F_GETFD) == 0, "parent's 160/161 not marked close-on-exec");
        CHECK_EQ(cr(150, 161, CLOSE_RANGE_UNSHARE), 0, "UNSHARE in a process with an unshared table works");
        CHECK_EQ(count_open(150, 161), 0, "150..161 closed");
    }

    /* dup2 edge cases. */
    CHECK_OK(pipe2(p, 0), "pipe2");
    CHECK_EQ(dup2(fd, fd), fd, "dup2(fd, fd) returns fd");
    fcntl(fd, F_SETFD, FD_CLOEXEC);
    CHECK(dup2(fd, fd) == fd && fcntl(fd, F_GETFD) == FD_CLOEXEC, "dup2(fd, fd) is a no-op: FD_CLOEXEC kept");
    fcntl(fd, F_SETFD, 0);
    CHECK_ERR(dup2(170, 170), EBADF, "dup2 of a closed fd onto itself -> EBADF");
    CHECK_ERR(dup2(170, 171), EBADF, "dup2 of a closed fd -> EBADF");
    CHECK(!is_open(171), "failed dup2 did not create newfd");
    dup2(fd, 172);
    fcntl(172, F_SETFD, FD_CLOEXEC);
    CHECK_ERR(dup2(170, 172), EBADF, "dup2 closed oldfd onto an open newfd -> EBADF");
    CHECK(is_open(172), "newfd left open when dup2 fails");
    CHECK(dup2(fd, 172) == 172 && fcntl(172, F_GETFD) == 0, "dup2 onto open newfd replaces it, FD_CLOEXEC clear");
    close(172);
    /* dup2 onto the pipe's only write end closes it: reader sees EOF. */
    CHECK_EQ(dup2(fd, p[1]), p[1], "dup2 onto the pipe write end");
    CHECK_EQ(read(p[0], buf, sizeof buf), 0, "pipe reader gets EOF: the old write end was closed");
    close(p[0]);
    close(p[1]);

    /* dup3 edge cases. */
    CHECK_ERR(dup3(fd, fd, 0), EINVAL, "dup3(fd, fd, 0) -> EINVAL");
    CHECK_ERR(dup3(fd, fd, O_CLOEXEC), EINVAL, "dup3(fd, fd, O_CLOEXEC) -> EINVAL");
    CHECK_ERR(dup3(fd, 173, O_NONBLOCK), EINVAL, "dup3 with O_NONBLOCK -> EINVAL");
    CHECK_ERR(dup3(fd, 173, O_CLOEXEC | O_APPEND), EINVAL, "dup3 with O_CLOEXEC|O_APPEND -> EINVAL");
    CHECK(!is_open(173), "failed dup3 created nothing");
    CHECK_ERR(dup3(174, 173, 0), EBADF, "dup3 of a closed fd -> EBADF");
    CHECK_ERR(dup3(174, 174, 0), EINVAL, "dup3 of a closed fd onto itself -> EINVAL (checked first)");
    CHECK(dup3(fd, 173, 0) == 173 && fcntl(173, F_GETFD) == 0, "dup3 flags 0: no FD_CLOEXEC");
    close(173);

    /* newfd out of range. */
    CHECK_ERR(dup2(fd, -1), EBADF, "dup2 newfd -1 -> EBADF");
    CHECK_ERR(dup3(fd, -1, 0), EBADF, "dup3 newfd -1 -> EBADF");
    {
        struct rlimit old, nl;
        if (getrlimit(RLIMIT_NOFILE, &old) == 0) {
            nl = old;
            nl.rlim_cur = 200;
            CHECK_OK(setrlimit(RLIMIT_NOFILE, &nl), "lower RLIMIT_NOFILE to 200");
            CHECK_ERR(dup2(fd, 200), EBADF, "dup2 newfd == RLIMIT_NOFILE -> EBADF");
            CHECK_ERR(dup3(fd, 250, O_CLOEXEC), EBADF, "dup3 newfd > RLIMIT_NOFILE -> EBADF");
            CHECK_ERR(dup2(fd, 0x7fffffff), EBADF, "dup2 newfd INT_MAX -> EBADF");
            CHECK_EQ(dup2(fd, 199), 199, "dup2 newfd 199 (limit - 1) succeeds");
            close(199);
            setrlimit(RLIMIT_NOFILE, &old);
        } else {
            CHECK(0, "getrlimit");
        }
    }
    /* EMFILE from dup when the table is full up to the limit (in a child). */
    fflush(stdout);
    pid_t c = fork();
    if (c == 0) {
        struct rlimit nl = { 16, 16 };
        if (setrlimit(RLIMIT_NOFILE, &nl) != 0)
            _exit(1);
        for (int i = 0; i < 16; i++)
            if (!is_open(i) && dup2(fd, i) != i)
                _exit(2);
        if (dup(fd) != -1 || errno != EMFILE)
            _exit(3);
        if (fcntl(fd, F_DUPFD, 0) != -1 || errno != EMFILE)
            _exit(4);
        if (cr(10, 15, 0) != 0 || dup(fd) != 10)
            _exit(5);
        _exit(0);
    }
    CHECK_EQ(wait_code(c), 0, "child with 16 fds at limit 16: dup/F_DUPFD -> EMFILE; after close_range dup works");

    CHECK_EQ(cr(100, 101, 0), 0, "final close_range cleanup");
    close(fd);
    CHECK_DONE();
}
