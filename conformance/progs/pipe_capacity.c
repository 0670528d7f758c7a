/* pipe_capacity: F_GETPIPE_SZ/F_SETPIPE_SZ rounding and limits, PIPE_BUF atomicity, partial writes, FIONREAD, O_DIRECT packet pipes. */
/* syscalls: pipe2, fcntl, read, write, ioctl, openat, close, clone, wait4, setgroups, setgid, setuid,
   capget, alarm, exit_group */
/* area: pipes */
#include "check.h"

#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <linux/capability.h>
#include <sys/syscall.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>

#define PG 4096

static char big[1 << 18];
static char rbuf[1 << 18];

static int wait_code(pid_t pid)
{
    int st;
    if (pid < 0 || waitpid(pid, &st, 0) != pid)
        return -1;
    return WIFEXITED(st) ? WEXITSTATUS(st) : 200 + (WIFSIGNALED(st) ? WTERMSIG(st) : 0);
}

/* Whether capability cap is in the effective set (capget). */
static int has_cap(int cap)
{
    struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
    struct __user_cap_data_struct d[2];
    memset(d, 0, sizeof d);
    if (syscall(SYS_capget, &h, d) != 0)
        return 0;
    return (d[cap / 32].effective >> (cap % 32)) & 1;
}

static int nread(int fd)
{
    int n = -1;
    if (ioctl(fd, FIONREAD, &n) != 0)
        return -1;
    return n;
}

static long max_size(void)
{
    char b[32] = { 0 };
    int fd = open("/proc/sys/fs/pipe-max-size", O_RDONLY);
    if (fd < 0)
        return -1;
    long n = read(fd, b, sizeof b - 1);
    close(fd);
    return n > 0 ? atol(b) : -1;
}

/* Drain everything readable from a non-blocking read end. */
static long drain(int fd)
{
    long total = 0, n;
    while ((n = read(fd, rbuf, sizeof rbuf)) > 0)
        total += n;
    return total;
}

int main(void)
{
    int p[2], q[2], fd;
    long n;

    alarm(10);
    setvbuf(stdout, NULL, _IOLBF, 0);
    memset(big, 'x', sizeof big);

    if (pipe2(p, O_NONBLOCK) != 0) {
        CHECK(0, "pipe2 O_NONBLOCK");
        CHECK_DONE();
    }
    /* Default size and rounding. */
    CHECK_EQ(fcntl(p[0], F_GETPIPE_SZ), 65536, "default pipe size 65536 (read end)");
    CHECK_EQ(fcntl(p[1], F_GETPIPE_SZ), 65536, "default pipe size 65536 (write end)");
    CHECK_EQ(fcntl(p[1], F_SETPIPE_SZ, 4096), 4096, "F_SETPIPE_SZ 4096 -> 4096");
    CHECK_EQ(fcntl(p[0], F_GETPIPE_SZ), 4096, "new size visible on the other end");
    CHECK_EQ(fcntl(p[1], F_SETPIPE_SZ, 1), 4096, "F_SETPIPE_SZ 1 -> one page");
    CHECK_EQ(fcntl(p[1], F_SETPIPE_SZ, 0), 4096, "F_SETPIPE_SZ 0 -> one page");
    CHECK_EQ(fcntl(p[1], F_SETPIPE_SZ, 4097), 8192, "F_SETPIPE_SZ 4097 -> 8192");
    CHECK_EQ(fcntl(p[1], F_SETPIPE_SZ, 3 * PG), 16384, "F_SETPIPE_SZ 12288 -> 16384 (power of two pages)");
    CHECK_EQ(fcntl(p[1], F_SETPIPE_SZ, 65537), 131072, "F_SETPIPE_SZ 65537 -> 131072");
    CHECK_ERR(fcntl(p[1], F_SETPIPE_SZ, (1UL << 31) + 1), EINVAL, "F_SETPIPE_SZ above 2^31 -> EINVAL");
    CHECK_EQ(fcntl(p[1], F_GETPIPE_SZ), 131072, "failed F_SETPIPE_SZ left the size");
    fd = open("/proc/self/exe", O_RDONLY);
    CHECK_ERR(fcntl(fd, F_GETPIPE_SZ), EBADF, "F_GETPIPE_SZ on a regular file -> EBADF");
    CHECK_ERR(fcntl(fd, F_SETPIPE_SZ, 4096), EBADF, "F_SETPIPE_SZ on a regular file -> EBADF");
    close(fd);

    /* Shrinking below the current content. */
    CHECK_EQ(fcntl(p[1], F_SETPIPE_SZ, 65536), 65536, "back to 65536");
    CHECK_EQ(write(p[1], big, 2 * PG), 2 * PG, "write 8192 bytes");
    CHECK_EQ(nread(p[0]), 2 * PG, "FIONREAD 8192");
    CHECK_EQ(nread(p[1]), 2 * PG, "FIONREAD on the write end too");
    CHECK_ERR(fcntl(p[1], F_SETPIPE_SZ, PG), EBUSY, "shrink to 4096 below 8192 bytes of content -> EBUSY");
    CHECK_EQ(fcntl(p[1], F_SETPIPE_SZ, 2 * PG), 2 * PG, "shrink to exactly the content (8192) ok");
    CHECK_ERR(write(p[1], "y", 1), EAGAIN, "pipe full at 8192: non-blocking write -> EAGAIN");
    CHECK_EQ(read(p[0], rbuf, 100), 100, "read 100 bytes");
    CHECK_EQ(nread(p[0]), 2 * PG - 100, "FIONREAD decreased by 100");
    CHECK_EQ(drain(p[0]), 2 * PG - 100, "drain the rest");
    CHECK_EQ(nread(p[0]), 0, "FIONREAD 0 when empty");

    /* PIPE_BUF atomicity (default 64 KiB pipe). */
    CHECK_EQ(fcntl(p[1], F_SETPIPE_SZ, 65536), 65536, "size 65536 again");
    CHECK_EQ(write(p[1], big, 65536 - 10), 65536 - 10, "write 65526 bytes, 10 bytes left");
    CHECK_ERR(write(p[1], big, PIPE_BUF), EAGAIN, "non-blocking PIPE_BUF write with 10 bytes free -> EAGAIN");
    CHECK_ERR(write(p[1], big, 11), EAGAIN, "non-blocking 11-byte write with 10 bytes free -> EAGAIN (atomic)");
    CHECK_EQ(write(p[1], big, 10), 10, "10-byte write fits exactly");
    CHECK_ERR(write(p[1], big, 1), EAGAIN, "full: 1-byte write -> EAGAIN");
    CHECK_EQ(nread(p[0]), 65536, "FIONREAD 65536");
    /* Free a little over one page: a > PIPE_BUF write is now partial. */
    CHECK_EQ(read(p[0], rbuf, PG + 904), PG + 904, "read 5000 bytes");
    n = write(p[1], big, 2 * PG);
    CHECK(n > 0 && n < 2 * PG, "non-blocking 8192-byte write with some room -> partial count");
    CHECK_EQ(nread(p[0]), 65536 - (PG + 904) + n, "FIONREAD accounts for the partial write");
    CHECK_EQ(drain(p[0]), 65536 - (PG + 904) + n, "drain");

    /* Blocking write larger than the pipe completes when a reader drains it. */
    {
        int b[2];
        CHECK_OK(pipe2(b, 0), "blocking pipe2");
        fflush(stdout);
        pid_t c = fork();
        if (c == 0) {
            close(b[0]);
            _exit(write(b[1], big, sizeof big) == (long)sizeof big ? 0 : 1);
        }
        close(b[1]);
        long total = 0;
        while ((n = read(b[0], rbuf, sizeof rbuf)) > 0)
            total += n;
        CHECK_EQ(total, (long)sizeof big, "reader got all 262144 bytes of one blocking write");
        CHECK_EQ(wait_code(c), 0, "blocking write returned the full count");
        close(b[0]);
    }

    /* Limits: pipe-max-size. */
    long mx = max_size();
    CHECK(mx >= PG, "read /proc/sys/fs/pipe-max-size");
    if (mx >= PG && mx <= (1L << 24)) {
        fflush(stdout);
        pid_t c = fork();
        if (c == 0) {
            /* Unprivileged: above the limit -> EPERM, at the limit fine. */
            if (setgroups(0, NULL) != 0 || setgid(65534) != 0 || setuid(65534) != 0)
                _exit(3);
            int u[2];
            if (pipe2(u, 0) != 0)
                _exit(4);
            if (fcntl(u[1], F_SETPIPE_SZ, mx * 2) != -1 || errno != EPERM)
                _exit(1);
            if (fcntl(u[1], F_SETPIPE_SZ, mx) != mx)
                _exit(2);
            _exit(0);
        }
        /* needs root: drops to uid 65534 so the pipe-max-size limit applies. */
        CHECK_EQ(wait_code(c), 0, "unprivileged: size above pipe-max-size -> EPERM, exactly the max ok");
        /* needs root: only CAP_SYS_RESOURCE may exceed pipe-max-size. Root here may lack
         * CAP_SYS_RESOURCE (e.g. in a container), so the expectation follows the effective set. */
        if (has_cap(CAP_SYS_RESOURCE)) {
            CHECK_EQ(fcntl(p[1], F_SETPIPE_SZ, mx * 2), mx * 2, "privileged: F_SETPIPE_SZ above pipe-max-size allowed");
        } else {
            CHECK_ERR(fcntl(p[1], F_SETPIPE_SZ, mx * 2), EPERM,
                      "root without CAP_SYS_RESOURCE: above pipe-max-size -> EPERM");
            CHECK_EQ(fcntl(p[1], F_SETPIPE_SZ, mx), mx, "root without CAP_SYS_RESOURCE: exactly the max ok");
        }
        fcntl(p[1], F_SETPIPE_SZ, 65536);
    }

    /* O_DIRECT packet mode. */
    CHECK_OK(pipe2(q, O_DIRECT | O_NONBLOCK), "pipe2 O_DIRECT|O_NONBLOCK");
    CHECK_EQ(fcntl(q[1], F_GETFL) & O_DIRECT, O_DIRECT, "F_GETFL reports O_DIRECT");
    CHECK(write(q[1], "abc", 3) == 3 && write(q[1], "defgh", 5) == 5, "two packet writes (3, 5)");
    CHECK_EQ(nread(q[0]), 8, "FIONREAD counts bytes of both packets");
    memset(rbuf, 0, 16);
    CHECK(read(q[0], rbuf, 100) == 3 && memcmp(rbuf, "abc", 3) == 0, "read(100) returns only the first packet");
    CHECK(read(q[0], rbuf, 100) == 5 && memcmp(rbuf, "defgh", 5) == 0, "next read returns the second packet");
    CHECK_EQ(write(q[1], "0123456789", 10), 10, "write a 10-byte packet");
    CHECK(read(q[0], rbuf, 4) == 4 && memcmp(rbuf, "0123", 4) == 0, "short read takes 4 bytes of the packet");
    CHECK_ERR(read(q[0], rbuf, 100), EAGAIN, "the rest of the packet was discarded");
    CHECK_EQ(write(q[1], big, PIPE_BUF + 904), PIPE_BUF + 904, "write PIPE_BUF+904 bytes in packet mode");
    CHECK_EQ(read(q[0], rbuf, sizeof rbuf), PIPE_BUF, "large write split: first packet PIPE_BUF");
    CHECK_EQ(read(q[0], rbuf, sizeof rbuf), 904, "second packet 904");
    CHECK_EQ(write(q[1], "", 0), 0, "zero-length write returns 0");
    CHECK_ERR(read(q[0], rbuf, 100), EAGAIN, "zero-length write made no packet");
    CHECK(fcntl(q[1], F_SETFL, O_NONBLOCK) == 0 && (fcntl(q[1], F_GETFL) & O_DIRECT) == 0,
          "F_SETFL can clear O_DIRECT on the write end");
    CHECK(write(q[1], "ab", 2) == 2 && write(q[1], "cd", 2) == 2 && read(q[0], rbuf, 100) == 4,
          "stream mode again: writes merge into one read");
    CHECK(fcntl(q[1], F_SETFL, O_DIRECT | O_NONBLOCK) == 0 && (fcntl(q[1], F_GETFL) & O_DIRECT),
          "F_SETFL can set O_DIRECT on a pipe");

    close(p[0]);
    close(p[1]);
    close(q[0]);
    close(q[1]);
    CHECK_DONE();
}
