/* errno_cases: EBADF, ENOENT, EFAULT, EINVAL from basic file syscalls. */
/* area: file-io */
#include "check.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#define BAD ((void *)1)

int main(void)
{
    char buf[16];
    struct stat st;
    int fd = open("/etc/passwd", O_RDONLY);
    int closed = dup(fd);
    close(closed);

    /* EBADF */
    CHECK_ERR(read(closed, buf, 1), EBADF, "read closed fd -> EBADF");
    CHECK_ERR(write(closed, "x", 1), EBADF, "write closed fd -> EBADF");
    CHECK_ERR(close(closed), EBADF, "close closed fd -> EBADF");
    CHECK_ERR(fstat(closed, &st), EBADF, "fstat closed fd -> EBADF");
    CHECK_ERR(lseek(closed, 0, SEEK_SET), EBADF, "lseek closed fd -> EBADF");
    CHECK_ERR(read(-1, buf, 1), EBADF, "read fd -1 -> EBADF");
    CHECK_ERR(write(-5, "x", 1), EBADF, "write negative fd -> EBADF");
    CHECK_ERR(close(-1), EBADF, "close fd -1 -> EBADF");
    CHECK_ERR(syscall(SYS_fstat, -1, &st), EBADF, "fstat fd -1 -> EBADF");
    CHECK_ERR(pread(100000, buf, 1, 0), EBADF, "pread huge fd -> EBADF");
    CHECK_ERR(openat(closed, "x", O_RDONLY), EBADF, "openat relative to closed dirfd -> EBADF");

    /* ENOENT */
    CHECK_ERR(open("/no/such/file", O_RDONLY), ENOENT, "open missing -> ENOENT");
    CHECK_ERR(stat("/etc/no-such-file-conf", &st), ENOENT, "stat missing -> ENOENT");
    CHECK_ERR(access("/no/such/file", F_OK), ENOENT, "access missing -> ENOENT");
    CHECK_ERR(chdir("/no/such/dir"), ENOENT, "chdir missing -> ENOENT");

    /* EFAULT (raw syscalls so libc cannot intercept the bad pointers). */
    CHECK_ERR(syscall(SYS_read, fd, BAD, 10), EFAULT, "read into (void*)1 -> EFAULT");
    {
        int p[2];
        pipe2(p, 0);
        CHECK_ERR(syscall(SYS_write, p[1], BAD, 10), EFAULT, "write from (void*)1 -> EFAULT");
        close(p[0]);
        close(p[1]);
    }
    CHECK_ERR(syscall(SYS_stat, BAD, &st), EFAULT, "stat with bad path pointer -> EFAULT");
    CHECK_ERR(syscall(SYS_fstat, fd, BAD), EFAULT, "fstat into bad buffer -> EFAULT");
    CHECK_ERR(syscall(SYS_openat, AT_FDCWD, BAD, O_RDONLY), EFAULT, "open bad path -> EFAULT");
    {
        struct iovec iov = { BAD, 10 };
        CHECK_ERR(syscall(SYS_readv, fd, &iov, 1), EFAULT, "readv into bad iov_base -> EFAULT");
        CHECK_ERR(syscall(SYS_readv, fd, BAD, 1), EFAULT, "readv with bad iovec array -> EFAULT");
    }

    /* EINVAL */
    CHECK_ERR(lseek(fd, 0, 99), EINVAL, "lseek whence 99 -> EINVAL");
    CHECK_ERR(lseek(fd, -1, SEEK_SET), EINVAL, "lseek to negative offset -> EINVAL");
    CHECK_ERR(pread(fd, buf, 1, -1), EINVAL, "pread negative offset -> EINVAL");
    {
        struct iovec iov = { buf, 1 };
        CHECK_ERR(syscall(SYS_readv, fd, &iov, -1), EINVAL, "readv negative iovcnt -> EINVAL");
    }
    CHECK_EQ(lseek(fd, 0, SEEK_CUR), 0, "failed calls left offset unchanged");
    close(fd);
    CHECK_DONE();
}
