/* readv_writev: scatter/gather ordering, zero-length and empty vectors, iovcnt limits, EINVAL/EFAULT, EOF. */
/* syscalls: readv, writev, openat, lseek, read, write, pread64, pipe2, close, unlink */
/* area: file-io */
#include "check.h"

#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#ifndef IOV_MAX
#define IOV_MAX 1024
#endif

static char path[256];
static struct iovec many[IOV_MAX + 1];

int main(void)
{
    alarm(10);
    setvbuf(stdout, NULL, _IOLBF, 0);
    snprintf(path, sizeof(path), "/tmp/readv_writev.%d%s", (int)getpid(), CONF_TAG);

    char buf[256];
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
    CHECK_OK(fd, "create temp file");
    if (fd < 0)
        CHECK_DONE();

    CHECK_EQ(sysconf(_SC_IOV_MAX), IOV_MAX, "sysconf(_SC_IOV_MAX) is 1024");

    struct iovec w[4] = {
        {(void *)"abc", 3}, {(void *)"", 0}, {(void *)"defgh", 5}, {(void *)"ij", 2}};
    CHECK_EQ(writev(fd, w, 4), 10, "writev of 3+0+5+2 bytes returns 10");
    CHECK_EQ(lseek(fd, 0, SEEK_CUR), 10, "writev advances the file offset by 10");
    CHECK(pread(fd, buf, 10, 0) == 10 && memcmp(buf, "abcdefghij", 10) == 0,
          "writev writes the buffers in array order");

    char a[2], b[1], c[4], d[8];
    struct iovec r[5] = {{a, 2}, {NULL, 0}, {b, 1}, {c, 4}, {d, 8}};
    lseek(fd, 0, SEEK_SET);
    CHECK_EQ(readv(fd, r, 5), 10, "readv over 15 bytes of buffers at a 10-byte file returns 10");
    CHECK(memcmp(a, "ab", 2) == 0 && b[0] == 'c' && memcmp(c, "defg", 4) == 0 &&
              memcmp(d, "hij", 3) == 0,
          "readv fills buffers in order, last one partially (short read at EOF)");
    CHECK_EQ(readv(fd, r, 5), 0, "readv at EOF returns 0");
    CHECK_EQ(writev(fd, w, 0), 0, "writev with iovcnt 0 returns 0");
    CHECK_EQ(readv(fd, r, 0), 0, "readv with iovcnt 0 returns 0");
    struct iovec z[2] = {{buf, 0}, {buf, 0}};
    lseek(fd, 0, SEEK_SET);
    CHECK_EQ(readv(fd, z, 2), 0, "readv with only zero-length iovecs returns 0");
    CHECK_EQ(lseek(fd, 0, SEEK_CUR), 0, "zero-length readv does not move the offset");
    CHECK_EQ(writev(fd, z, 2), 0, "writev with only zero-length iovecs returns 0");

    /* iovcnt limits. */
    for (int i = 0; i <= IOV_MAX; i++) {
        many[i].iov_base = buf + (i % 64);
        many[i].iov_len = 1;
    }
    lseek(fd, 0, SEEK_SET);
    CHECK_ERR(writev(fd, many, IOV_MAX + 1), EINVAL, "writev with IOV_MAX+1 iovecs -> EINVAL");
    CHECK_ERR(readv(fd, many, IOV_MAX + 1), EINVAL, "readv with IOV_MAX+1 iovecs -> EINVAL");
    CHECK_ERR(syscall(SYS_writev, fd, many, -1), EINVAL, "writev iovcnt -1 -> EINVAL");
    CHECK_ERR(syscall(SYS_readv, fd, many, -1), EINVAL, "readv iovcnt -1 -> EINVAL");
    memset(buf, 'm', 64);
    CHECK_EQ(writev(fd, many, IOV_MAX), IOV_MAX, "writev with exactly IOV_MAX iovecs works");
    struct stat st;
    lseek(fd, 0, SEEK_SET);
    CHECK(fstat(fd, &st) == 0 && st.st_size == IOV_MAX, "file is IOV_MAX bytes long");

    /* Lengths: a single iov_len that is negative as ssize_t is EINVAL. */
    struct iovec neg[1] = {{buf, (size_t)-1}};
    CHECK_ERR(writev(fd, neg, 1), EINVAL, "iov_len (size_t)-1 -> EINVAL");
    struct iovec neg2[2] = {{buf, 1}, {buf, (size_t)SSIZE_MAX + 1}};
    CHECK_ERR(readv(fd, neg2, 2), EINVAL, "second iov_len SSIZE_MAX+1 -> EINVAL");
    CHECK_EQ(lseek(fd, 0, SEEK_CUR), 0, "failed readv/writev leave the offset unchanged");

    /* Bad buffers. */
    struct iovec bad[1] = {{(void *)8, 4}};
    CHECK_ERR(writev(fd, bad, 1), EFAULT, "writev from a bad iov_base -> EFAULT");
    CHECK_ERR(readv(fd, bad, 1), EFAULT, "readv into a bad iov_base -> EFAULT");
    CHECK_ERR(syscall(SYS_writev, fd, (void *)8, 1), EFAULT, "writev with a bad iovec array -> EFAULT");
    CHECK_ERR(readv(-1, r, 1), EBADF, "readv on fd -1 -> EBADF");
    struct iovec zb[1] = {{(void *)8, 0}};
    CHECK_EQ(writev(fd, zb, 1), 0, "zero-length iovec with a bad base is not dereferenced");

    /* Partial: a good iovec followed by a bad one on a regular file reports the first part. */
    ftruncate(fd, 0);
    lseek(fd, 0, SEEK_SET);
    struct iovec part[2] = {{(void *)"GOOD", 4}, {(void *)8, 4}};
    CHECK_EQ(writev(fd, part, 2), 4, "writev good+bad iovec writes the good part and returns 4");
    CHECK(pread(fd, buf, 8, 0) == 4 && memcmp(buf, "GOOD", 4) == 0, "file holds the good part only");

    /* Pipes: writev is atomic for <= PIPE_BUF; readv splits a pipe buffer across iovecs. */
    int p[2];
    if (pipe2(p, O_NONBLOCK) == 0) {
        struct iovec pw[3] = {{(void *)"12", 2}, {(void *)"345", 3}, {(void *)"6", 1}};
        CHECK_EQ(writev(p[1], pw, 3), 6, "writev to a pipe returns 6");
        char x[3], y[10];
        struct iovec pr[2] = {{x, 3}, {y, 10}};
        CHECK_EQ(readv(p[0], pr, 2), 6, "readv from the pipe returns 6");
        CHECK(memcmp(x, "123", 3) == 0 && memcmp(y, "456", 3) == 0,
              "pipe data split over iovecs in order");
        CHECK_ERR(readv(p[0], pr, 2), EAGAIN, "readv on empty non-blocking pipe -> EAGAIN");
        close(p[0]);
        close(p[1]);
    } else {
        CHECK(0, "pipe2");
    }

    close(fd);
    CHECK_OK(unlink(path), "unlink temp file");
    CHECK_DONE();
}
